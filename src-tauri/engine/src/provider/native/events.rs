//! What the in-process engine's events mean for Switchboard: connection states (it has no
//! "reconnecting" event, so a disconnect while linked reads as reconnecting), QR and pairing codes,
//! receipts and inbound messages. Pure functions over the crate's event types, tested with events
//! built the way the crate builds them.

use crate::clock::local;
use crate::domain::{
    contact_identity, identity_and_alias, ConnectionSignal, Direction, Jid, JidKind, MessageKind,
    MessageStatus,
};
use crate::provider::{ConnectionReport, LinkOffer, ProviderEvent, ReportedMessage};
use crate::store::Millis;
use whatsapp_rust::prelude::{Event, InboundMessage, MessageExt};
use whatsapp_rust::wacore::types::presence::ReceiptType;

fn jid(wa: &whatsapp_rust::Jid) -> Option<Jid> {
    Jid::parse(&wa.to_string()).ok()
}

fn report(signal: ConnectionSignal, reason: impl Into<String>) -> ProviderEvent {
    ProviderEvent::Connection(ConnectionReport {
        reason: Some(reason.into()),
        ..ConnectionReport::bare(signal)
    })
}

/// When a suspension of `seconds` that began at `now` ends, in the computer's local time.
fn suspended_until(now: Millis, seconds: i64) -> String {
    let end = local(now.saturating_add(seconds.max(0).saturating_mul(1000)));
    format!(
        "{} {:02}:{:02}",
        end.day,
        end.minute_of_day / 60,
        end.minute_of_day % 60
    )
}

/// The Switchboard events one engine event stands for (none for the many it does not need);
/// `now` dates what the event only gives as a duration.
pub fn translate(event: &Event, now: Millis) -> Vec<ProviderEvent> {
    match event {
        Event::Connected(_) => vec![ProviderEvent::Connection(ConnectionReport::bare(ConnectionSignal::Open))],
        // The client reconnects by itself with back-off; until `Connected` the number is reconnecting.
        Event::Disconnected(_) => vec![report(ConnectionSignal::Connecting, "Reconnecting to WhatsApp…")],
        Event::PairSuccess(_) => vec![report(ConnectionSignal::Connecting, "Linked; finishing the first connection…")],
        Event::PairingQrCode(qr) => {
            vec![ProviderEvent::LinkOffered(LinkOffer { qr_code: Some(qr.code.clone()), pairing_code: None })]
        }
        Event::PairingCode(code) => {
            vec![ProviderEvent::LinkOffered(LinkOffer { qr_code: None, pairing_code: Some(code.code.clone()) })]
        }
        Event::PairingQrCodesExhausted(_) => vec![ProviderEvent::Connection(ConnectionReport::bare(ConnectionSignal::QrRefused))],
        Event::PairError(_) | Event::PairingCodeError(_) => {
            vec![report(ConnectionSignal::QrRefused, "Linking failed; try again.")]
        }
        Event::LoggedOut(_) => {
            vec![report(ConnectionSignal::LoggedOut, "This computer was unlinked from the phone. Link it again.")]
        }
        Event::StreamReplaced(_) => vec![report(
            ConnectionSignal::Replaced,
            "This number was opened by another copy of Switchboard or WhatsApp Web; press Restart to take it back.",
        )],
        Event::TemporaryBan(ban) => vec![report(
            ConnectionSignal::Suspended,
            format!(
                "WhatsApp suspended this number until {} because {}. Press Restart after that.",
                suspended_until(now, ban.expire.num_seconds()),
                ban.code
            ),
        )],
        Event::ClientOutdated(_) => {
            vec![report(ConnectionSignal::Closed, "WhatsApp refused this version of Switchboard as outdated.")]
        }
        Event::ConnectFailure(_) => vec![report(ConnectionSignal::Closed, "WhatsApp refused the connection.")],
        Event::Receipt(receipt) => {
            let status = match receipt.r#type {
                ReceiptType::Delivered => MessageStatus::Delivered,
                ReceiptType::Read | ReceiptType::ReadSelf | ReceiptType::Played | ReceiptType::PlayedSelf => {
                    MessageStatus::Read
                }
                ReceiptType::Sent => MessageStatus::Sent,
                _ => return Vec::new(),
            };
            receipt
                .message_ids
                .iter()
                .map(|id| ProviderEvent::Receipt {
                    provider_message_id: id.to_string(),
                    status,
                    failure: None,
                })
                .collect()
        }
        Event::Messages(batch) => batch.messages.iter().filter_map(reported).map(ProviderEvent::Message).collect(),
        _ => Vec::new(),
    }
}

fn media_kind(media_type: &str) -> Option<MessageKind> {
    Some(match media_type {
        "image" => MessageKind::Image,
        "video" | "gif" => MessageKind::Video,
        "audio" | "ptt" => MessageKind::Audio,
        "document" => MessageKind::Document,
        "sticker" => MessageKind::Sticker,
        _ => return None,
    })
}

fn reported(inbound: &InboundMessage) -> Option<ReportedMessage> {
    let info = &inbound.info;
    let source = &info.source;
    let chat = jid(&source.chat)?;
    let sender = jid(&source.sender).map(|s| contact_identity(s, source.sender_alt.as_ref().and_then(jid)));
    let (contact, chat_alias) = match (chat.kind(), sender) {
        (JidKind::Group, Some(sender)) => (sender, None),
        _ => identity_and_alias(
            chat.clone(),
            source
                .recipient_alt
                .as_ref()
                .and_then(jid)
                .or_else(|| source.sender_alt.as_ref().and_then(jid)),
        ),
    };
    let text = inbound.message.text_content().map(str::to_owned);
    let kind = match (&text, media_kind(&info.media_type)) {
        (_, Some(kind)) => kind,
        (Some(_), None) => MessageKind::Text,
        (None, None) => MessageKind::Other,
    };
    let direction = if source.is_from_me {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    Some(ReportedMessage {
        provider_message_id: info.id.to_string(),
        direction,
        chat: if chat.kind() == JidKind::Group {
            chat
        } else {
            contact.clone()
        },
        contact,
        chat_alias,
        quoted_id: inbound
            .message
            .extended_text_message
            .as_option()
            .and_then(|m| m.context_info.as_option())
            .and_then(|c| c.stanza_id.clone()),
        sender_name: (!info.push_name.is_empty() && !source.is_from_me).then(|| info.push_name.clone()),
        media_ref: None,
        kind,
        body: text,
        status: if source.is_from_me {
            MessageStatus::Sent
        } else {
            MessageStatus::Received
        },
        at: info.timestamp.timestamp_millis(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InstanceStatus;
    use std::sync::Arc;
    use std::time::Duration;
    use whatsapp_rust::prelude::{BatchOrigin, MessageBatch, MessageInfo};
    use whatsapp_rust::wacore::types::events as wa_events;
    use whatsapp_rust::wacore::types::message::MessageSource;

    const NOW: Millis = 1_761_060_000_000;

    fn wa_jid(s: &str) -> whatsapp_rust::Jid {
        s.parse().expect("jid")
    }

    fn signal(events: &[ProviderEvent]) -> Vec<ConnectionSignal> {
        events
            .iter()
            .filter_map(|e| match e {
                ProviderEvent::Connection(report) => Some(report.signal),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lifecycle_maps_onto_switchboard_states() {
        let connected = Event::Connected(wa_events::Connected::builder().build());
        assert_eq!(signal(&translate(&connected, NOW)), vec![ConnectionSignal::Open]);
        let exhausted = Event::PairingQrCodesExhausted(
            wa_events::PairingQrCodesExhausted::builder()
                .disconnected(true)
                .build(),
        );
        assert_eq!(
            signal(&translate(&exhausted, NOW)),
            vec![ConnectionSignal::QrRefused]
        );
        let replaced = Event::StreamReplaced(wa_events::StreamReplaced::builder().build());
        let events = translate(&replaced, NOW);
        assert_eq!(signal(&events), vec![ConnectionSignal::Replaced]);
        assert!(
            matches!(&events[0], ProviderEvent::Connection(r) if r.reason.as_deref().is_some_and(|r| r.contains("Restart")))
        );
    }

    #[test]
    fn a_disconnect_while_linked_reads_as_reconnecting() {
        let disconnected = Event::Disconnected(
            wa_events::Disconnected::builder()
                .reason(whatsapp_rust::transport::DisconnectReason::StreamEnded)
                .build(),
        );
        assert_eq!(
            signal(&translate(&disconnected, NOW)),
            vec![ConnectionSignal::Connecting]
        );
        assert_eq!(
            InstanceStatus::Connected.next(ConnectionSignal::Connecting),
            InstanceStatus::Connecting
        );
    }

    #[test]
    fn a_temporary_ban_says_until_when_and_why() {
        let ban = Event::TemporaryBan(
            wa_events::TemporaryBan::builder()
                .code(wa_events::TempBanReason::SentToTooManyPeople)
                .expire(whatsapp_rust::wacore::chrono::Duration::hours(2))
                .build(),
        );
        let events = translate(&ban, NOW);
        assert_eq!(signal(&events), vec![ConnectionSignal::Suspended]);
        let ProviderEvent::Connection(report) = &events[0] else {
            panic!("{events:?}")
        };
        let reason = report.reason.as_deref().expect("reason");
        assert!(reason.contains(&suspended_until(NOW, 7200)), "{reason}");
        assert!(reason.contains("too many messages"), "{reason}");
        assert_ne!(suspended_until(NOW, 7200), suspended_until(NOW, 0));
    }

    #[test]
    fn a_logout_from_the_phone_asks_for_a_new_link() {
        let logged_out = Event::LoggedOut(
            wa_events::LoggedOut::builder()
                .on_connect(false)
                .reason(wa_events::ConnectFailureReason::LoggedOut)
                .build(),
        );
        assert_eq!(
            signal(&translate(&logged_out, NOW)),
            vec![ConnectionSignal::LoggedOut]
        );
    }

    #[test]
    fn qr_codes_and_pairing_codes_are_link_offers() {
        let qr = Event::PairingQrCode(
            wa_events::PairingQrCode::builder()
                .code("2@ref,key,identity,adv".to_owned())
                .timeout(Duration::from_secs(60))
                .build(),
        );
        assert_eq!(
            translate(&qr, NOW),
            vec![ProviderEvent::LinkOffered(LinkOffer {
                qr_code: Some("2@ref,key,identity,adv".into()),
                pairing_code: None
            })]
        );
        let code = Event::PairingCode(
            wa_events::PairingCode::builder()
                .code("ABCD-EFGH".to_owned())
                .timeout(Duration::from_secs(180))
                .build(),
        );
        assert_eq!(
            translate(&code, NOW),
            vec![ProviderEvent::LinkOffered(LinkOffer {
                qr_code: None,
                pairing_code: Some("ABCD-EFGH".into())
            })]
        );
    }

    #[test]
    fn receipts_move_statuses_and_unknown_kinds_are_ignored() {
        let receipt = |kind| {
            Event::Receipt(
                wa_events::Receipt::builder()
                    .source(MessageSource::default())
                    .message_ids(vec!["3EB0AA".into(), "3EB0BB".into()])
                    .timestamp(whatsapp_rust::wacore::chrono::Utc::now())
                    .r#type(kind)
                    .offline(false)
                    .build(),
            )
        };
        assert_eq!(
            translate(&receipt(ReceiptType::Delivered), NOW),
            vec![
                ProviderEvent::Receipt {
                    provider_message_id: "3EB0AA".into(),
                    status: MessageStatus::Delivered,
                    failure: None,
                },
                ProviderEvent::Receipt {
                    provider_message_id: "3EB0BB".into(),
                    status: MessageStatus::Delivered,
                    failure: None,
                },
            ]
        );
        assert!(matches!(
            &translate(&receipt(ReceiptType::Played), NOW)[0],
            ProviderEvent::Receipt {
                status: MessageStatus::Read,
                ..
            }
        ));
        assert!(translate(&receipt(ReceiptType::Retry), NOW).is_empty());
    }

    #[test]
    fn inbound_messages_are_filed_under_the_phone_identity() {
        let source = MessageSource {
            chat: wa_jid("112233445566778@lid"),
            sender: wa_jid("112233445566778@lid"),
            sender_alt: Some(wa_jid("5511900000002@s.whatsapp.net")),
            ..MessageSource::default()
        };
        let info = MessageInfo {
            source,
            id: "A5F3C9D2E1B0479A".into(),
            push_name: "Maria Souza".into(),
            timestamp: whatsapp_rust::wacore::chrono::DateTime::from_timestamp(1_761_060_601, 0)
                .expect("time"),
            ..MessageInfo::default()
        };
        // A reply to an earlier message of ours.
        let quoted = crate::domain::QuotedMessage {
            provider_message_id: "3EB0C767D71D".into(),
            chat_jid: "5511900000002@s.whatsapp.net".into(),
            from_me: true,
            text: Some("Seu pedido saiu".into()),
        };
        let text = super::super::outgoing::text("Oi! Qual o status do meu pedido?", Some(&quoted), None);
        let inbound = InboundMessage::builder()
            .message(Arc::new(text))
            .info(Arc::new(info))
            .build();
        let batch = MessageBatch::builder()
            .messages(Arc::from(vec![inbound]))
            .origin(BatchOrigin::Live)
            .build();
        let events = translate(&Event::Messages(batch), NOW);
        let [ProviderEvent::Message(message)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(message.contact.to_string(), "5511900000002@s.whatsapp.net");
        assert_eq!(message.direction, Direction::Inbound);
        assert_eq!(message.body.as_deref(), Some("Oi! Qual o status do meu pedido?"));
        assert_eq!(message.sender_name.as_deref(), Some("Maria Souza"));
        assert_eq!(message.at, 1_761_060_601_000);
        assert_eq!(message.quoted_id.as_deref(), Some("3EB0C767D71D"));
        assert_eq!(
            message.chat_alias.as_ref().map(ToString::to_string).as_deref(),
            Some("112233445566778@lid"),
            "the LID is remembered as the person's other address"
        );
    }
}
