//! Evolution's webhooks: checking the signed `Authorization` header its `jwt_key` mechanism adds,
//! and turning the envelope into `ProviderEvent`s. The envelope's `date_time` is server local time
//! with a misleading `Z`, so it is never read; message times come from `messageTimestamp`.

use super::wire::{signal_for_state, MessageRecord, QrPayload};
use crate::domain::{
    contact_identity, identity_and_alias, ConnectionSignal, Direction, Jid, JidKind, MessageKind,
    MessageStatus,
};
use crate::provider::{ConnectionReport, ProviderEvent, ReportedMessage};
use crate::store::Millis;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing or malformed Authorization header")]
    Unsigned,
    #[error("signature or claims rejected: {0}")]
    BadSignature(String),
    #[error("body is not an Evolution webhook: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Claims {
    app: String,
    action: String,
}

/// Checks `Authorization: Bearer <HS256 JWT {iat, exp, app:"evolution", action:"webhook"}>` signed
/// with the instance's webhook secret. Expired tokens are refused (a small clock skew is allowed).
pub fn verify_authorization(header: Option<&str>, secret: &str) -> Result<(), WebhookError> {
    let token = header
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(WebhookError::Unsigned)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "iat"]);
    validation.leeway = 30;
    let key = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes());
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|e| WebhookError::BadSignature(e.to_string()))?
        .claims;
    if claims.app != "evolution" || claims.action != "webhook" {
        return Err(WebhookError::BadSignature("unexpected app/action claims".into()));
    }
    Ok(())
}

#[derive(Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    data: Value,
}

/// Parses one webhook body into the events it carries (none for events Switchboard ignores).
pub fn parse(body: &[u8], now: Millis) -> Result<Vec<ProviderEvent>, WebhookError> {
    let envelope: Value = serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    parse_value(envelope, now)
}

/// Parses one envelope, as a webhook posts it or the event stream emits it (the same shape,
/// less `destination`).
pub fn parse_value(envelope: Value, now: Millis) -> Result<Vec<ProviderEvent>, WebhookError> {
    let envelope: Envelope =
        serde_json::from_value(envelope).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    // Dotted lower case on the wire; accept the configuration spelling too.
    let event = envelope.event.to_ascii_lowercase().replace('_', ".");
    let data = envelope.data;
    let malformed = |what: &str| WebhookError::Malformed(format!("{event}: {what}"));
    let events = match event.as_str() {
        "qrcode.updated" => {
            if data.get("statusCode").is_some() || data.get("qrcode").is_none() {
                // At the QR limit the payload is {message, statusCode: 500}.
                vec![ProviderEvent::Connection(ConnectionReport::bare(
                    ConnectionSignal::QrRefused,
                ))]
            } else {
                let qr: QrPayload =
                    serde_json::from_value(data["qrcode"].clone()).map_err(|e| malformed(&e.to_string()))?;
                qr.into_offer()
                    .map(ProviderEvent::LinkOffered)
                    .into_iter()
                    .collect()
            }
        }
        "connection.update" => {
            let state = data
                .get("state")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed("no state"))?;
            let reason_code = data.get("statusReason").and_then(Value::as_i64);
            let signal = signal_for_state(state, reason_code);
            let reason = match (signal, reason_code) {
                (ConnectionSignal::LoggedOut, _) => Some("The phone unlinked this device.".to_owned()),
                (ConnectionSignal::Closed, Some(code)) => {
                    Some(format!("WhatsApp closed the connection (code {code})."))
                }
                _ => None,
            };
            let phone = data
                .get("wuid")
                .and_then(Value::as_str)
                .and_then(|j| Jid::parse(j).ok())
                .and_then(|j| j.phone());
            vec![ProviderEvent::Connection(ConnectionReport {
                signal,
                reason,
                profile_name: data.get("profileName").and_then(Value::as_str).map(str::to_owned),
                phone,
            })]
        }
        "messages.upsert" | "send.message" => {
            let record: MessageRecord =
                serde_json::from_value(data).map_err(|e| malformed(&e.to_string()))?;
            reported_message(record, now)
                .map(ProviderEvent::Message)
                .into_iter()
                .collect()
        }
        "messages.update" => {
            let id = data
                .get("keyId")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed("no keyId"))?;
            let from_me = data.get("fromMe").and_then(Value::as_bool).unwrap_or(false);
            let status = data
                .get("status")
                .and_then(Value::as_str)
                .and_then(message_status);
            match status {
                Some(status) if from_me => {
                    vec![ProviderEvent::Receipt {
                        provider_message_id: id.to_owned(),
                        status,
                        failure: None,
                    }]
                }
                _ => vec![],
            }
        }
        "logout.instance" => vec![ProviderEvent::Connection(ConnectionReport {
            reason: Some("The phone unlinked this device.".into()),
            ..ConnectionReport::bare(ConnectionSignal::LoggedOut)
        })],
        "remove.instance" | "instance.delete" => {
            vec![ProviderEvent::Connection(ConnectionReport::bare(
                ConnectionSignal::Missing,
            ))]
        }
        _ => vec![],
    };
    Ok(events)
}

/// Evolution's message status names (Baileys' ack levels). `DELETED` is not a delivery status.
pub(super) fn message_status(name: &str) -> Option<MessageStatus> {
    match name {
        "ERROR" => Some(MessageStatus::Failed),
        "PENDING" | "SERVER_ACK" => Some(MessageStatus::Sent),
        "DELIVERY_ACK" => Some(MessageStatus::Delivered),
        "READ" | "PLAYED" => Some(MessageStatus::Read),
        _ => None,
    }
}

fn parse_jid(value: Option<&str>) -> Option<Jid> {
    value.and_then(|v| Jid::parse(v).ok())
}

pub(super) fn reported_message(record: MessageRecord, now: Millis) -> Option<ReportedMessage> {
    let key = record.key;
    let remote = parse_jid(key.remote_jid.as_deref())?;
    let remote_alt = parse_jid(key.remote_jid_alt.as_deref());
    let (chat, contact, chat_alias) = if remote.kind() == JidKind::Group {
        let participant = parse_jid(key.participant.as_deref())
            .map(|p| contact_identity(p, parse_jid(key.participant_alt.as_deref())))
            .unwrap_or_else(|| remote.clone());
        (remote, participant, None)
    } else {
        // LID addressing: whichever of the pair is the phone JID is the person.
        let (person, alias) = identity_and_alias(remote, remote_alt);
        (person.clone(), person, alias)
    };
    let (kind, body) = content(&record.message);
    let quoted_id = quoted_id(&record.message, &record.context_info);
    let direction = if key.from_me {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    let status = match direction {
        Direction::Inbound => MessageStatus::Received,
        Direction::Outbound => record
            .status
            .as_deref()
            .and_then(message_status)
            .unwrap_or(MessageStatus::Sent),
    };
    Some(ReportedMessage {
        provider_message_id: key.id,
        direction,
        chat,
        contact,
        chat_alias,
        quoted_id,
        sender_name: record.push_name.filter(|n| !n.is_empty() && !key.from_me),
        media_ref: None,
        kind,
        body,
        status,
        at: record
            .message_timestamp
            .as_ref()
            .and_then(timestamp_millis)
            .unwrap_or(now),
    })
}

/// `messageTimestamp` is unix seconds, as a number or as a protobuf Long `{low, high}`.
fn timestamp_millis(value: &Value) -> Option<Millis> {
    let seconds = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        Value::Object(long) => {
            let low = long.get("low")?.as_i64()? & 0xFFFF_FFFF;
            let high = long.get("high")?.as_i64()?;
            Some((high << 32) | low)
        }
        _ => None,
    }?;
    (seconds > 0).then(|| seconds.saturating_mul(1000))
}

fn text_at(message: &Value, pointer: &str) -> Option<String> {
    message
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The kind of a Baileys message and the text a person would read in the log.
/// The id of the message this one quotes: in the message's own `contextInfo` (any message type),
/// or beside the message, where `send.message` puts it.
fn quoted_id(message: &Value, beside: &Value) -> Option<String> {
    let inner = message
        .as_object()
        .into_iter()
        .flat_map(|fields| fields.values())
        .find_map(|inner| text_at(inner, "/contextInfo/stanzaId"));
    inner.or_else(|| text_at(beside, "/stanzaId"))
}

fn content(message: &Value) -> (MessageKind, Option<String>) {
    use MessageKind::*;
    if let Some(text) = text_at(message, "/conversation") {
        return (Text, Some(text));
    }
    if let Some(text) = text_at(message, "/extendedTextMessage/text") {
        return (Text, Some(text));
    }
    let media = [
        ("imageMessage", Image),
        ("videoMessage", Video),
        ("audioMessage", Audio),
        ("documentMessage", Document),
        ("documentWithCaptionMessage", Document),
        ("stickerMessage", Sticker),
    ];
    for (field, kind) in media {
        if let Some(inner) = message.get(field) {
            // documentWithCaption wraps the document one level deeper.
            let inner = inner.pointer("/message/documentMessage").unwrap_or(inner);
            let caption = text_at(inner, "/caption").or_else(|| text_at(inner, "/fileName"));
            return (kind, caption);
        }
    }
    if let Some(location) = message.get("locationMessage") {
        let lat = location
            .get("degreesLatitude")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let lon = location
            .get("degreesLongitude")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let name = text_at(location, "/name")
            .map(|n| format!("{n} "))
            .unwrap_or_default();
        return (Location, Some(format!("{name}({lat:.5}, {lon:.5})")));
    }
    if let Some(contact) = message.get("contactMessage") {
        return (Contact, text_at(contact, "/displayName"));
    }
    (Other, None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reply_names_the_message_it_quotes_inside_or_beside_the_message() {
        let sample: Value = serde_json::from_slice(&sample("webhook-send-message.json")).expect("json");
        let record: MessageRecord = serde_json::from_value(sample["data"].clone()).expect("record");
        let message = reported_message(record, 0).expect("message");
        assert_eq!(
            message.quoted_id.as_deref(),
            Some("A5F3C9D2E1B0479A8C6D5E4F3A2B1C0D")
        );
        let inside = serde_json::json!({"extendedTextMessage": {"text": "Sim", "contextInfo": {"stanzaId": "3EB0AA"}}});
        assert_eq!(quoted_id(&inside, &Value::Null).as_deref(), Some("3EB0AA"));
        assert_eq!(
            quoted_id(&serde_json::json!({"conversation": "Oi"}), &Value::Null),
            None
        );
    }

    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../../shared/contracts/evolution/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).expect("sample file")
    }

    fn sign(secret: &str, iat: i64, exp: i64, app: &str) -> String {
        let claims = serde_json::json!({"iat": iat, "exp": exp, "app": app, "action": "webhook"});
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("sign");
        format!("Bearer {token}")
    }

    fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    #[test]
    fn signed_tokens_pass_and_everything_else_fails() {
        let now = now_secs();
        assert_eq!(
            verify_authorization(Some(&sign("k", now, now + 600, "evolution")), "k"),
            Ok(())
        );
        assert_eq!(verify_authorization(None, "k"), Err(WebhookError::Unsigned));
        assert_eq!(
            verify_authorization(Some("Basic abc"), "k"),
            Err(WebhookError::Unsigned)
        );
        assert!(matches!(
            verify_authorization(Some(&sign("other", now, now + 600, "evolution")), "k"),
            Err(WebhookError::BadSignature(_))
        ));
        assert!(matches!(
            verify_authorization(Some(&sign("k", now - 1200, now - 600, "evolution")), "k"),
            Err(WebhookError::BadSignature(_))
        ));
        assert!(matches!(
            verify_authorization(Some(&sign("k", now, now + 600, "someone-else")), "k"),
            Err(WebhookError::BadSignature(_))
        ));
        assert!(matches!(
            verify_authorization(Some("Bearer not.a.jwt"), "k"),
            Err(WebhookError::BadSignature(_))
        ));
    }

    #[test]
    fn connection_open_carries_profile_and_number() {
        let events = parse(&sample("webhook-connection-update-open.json"), 0).expect("parse");
        let [ProviderEvent::Connection(report)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(report.signal, ConnectionSignal::Open);
        assert_eq!(report.profile_name.as_deref(), Some("Loja Exemplo"));
        assert_eq!(
            report.phone.as_ref().map(|p| p.e164()),
            Some("+5511900000001".into())
        );
    }

    #[test]
    fn qr_updates_and_the_limit() {
        let events = parse(&sample("webhook-qrcode-updated.json"), 0).expect("parse");
        assert!(matches!(&events[..], [ProviderEvent::LinkOffered(o)] if o.qr_code.is_some()));
        let limit = br#"{"event":"qrcode.updated","instance":"x","data":{"message":"QR code limit reached, please login again","statusCode":500}}"#;
        assert_eq!(
            parse(limit, 0).expect("parse"),
            vec![ProviderEvent::Connection(ConnectionReport::bare(
                ConnectionSignal::QrRefused
            ))]
        );
        let refused = br#"{"event":"connection.update","instance":"x","data":{"instance":"x","state":"refused","statusReason":428}}"#;
        assert!(
            matches!(&parse(refused, 0).expect("parse")[..], [ProviderEvent::Connection(r)] if r.signal == ConnectionSignal::QrRefused)
        );
    }

    #[test]
    fn inbound_lid_message_is_filed_under_the_phone_number() {
        let events = parse(&sample("webhook-messages-upsert-text.json"), 0).expect("parse");
        let [ProviderEvent::Message(message)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(message.direction, Direction::Inbound);
        assert_eq!(message.contact.to_string(), "5511900000002@s.whatsapp.net");
        assert_eq!(message.chat, message.contact);
        assert_eq!(message.body.as_deref(), Some("Oi! Qual o status do meu pedido?"));
        assert_eq!(message.sender_name.as_deref(), Some("Maria Souza"));
        assert_eq!(message.at, 1_761_060_601_000, "messageTimestamp, not date_time");
        assert_eq!(message.status, MessageStatus::Received);
    }

    /// Evolution 2.4 swaps the pair (phone JID first, LID second); some messages carry only the
    /// LID. Either order files the message under the phone number.
    #[test]
    fn the_phone_is_the_contact_whichever_order_the_pair_comes_in() {
        let mut swapped: Value =
            serde_json::from_slice(&sample("webhook-messages-upsert-text.json")).expect("json");
        let key = &mut swapped["data"]["key"];
        let (first, second) = (key["remoteJid"].clone(), key["remoteJidAlt"].clone());
        assert!(
            first.as_str().is_some_and(|j| j.ends_with("@lid")),
            "the 2.3.6 sample is LID first"
        );
        key["remoteJid"] = second;
        key["remoteJidAlt"] = first;
        let events = parse(&serde_json::to_vec(&swapped).expect("json"), 0).expect("parse");
        let [ProviderEvent::Message(message)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(message.contact.to_string(), "5511900000002@s.whatsapp.net");
        assert_eq!(message.chat, message.contact);
    }

    #[test]
    fn inbound_image_keeps_kind_and_caption() {
        let events = parse(&sample("webhook-messages-upsert-image.json"), 0).expect("parse");
        let [ProviderEvent::Message(message)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(message.kind, MessageKind::Image);
        assert_eq!(message.body.as_deref(), Some("Chegou assim 😕"));
        assert_eq!(message.contact.to_string(), "5511900000002@s.whatsapp.net");
    }

    #[test]
    fn receipts_and_echoes() {
        let events = parse(&sample("webhook-messages-update-read.json"), 0).expect("parse");
        assert_eq!(
            events,
            vec![ProviderEvent::Receipt {
                provider_message_id: "3EB0C4A1F2D9E8B7A6C5D4".into(),
                status: MessageStatus::Read,
                failure: None,
            }]
        );
        let events = parse(&sample("webhook-send-message.json"), 0).expect("parse");
        assert!(
            matches!(&events[..], [ProviderEvent::Message(m)] if m.direction == Direction::Outbound && m.sender_name.is_none())
        );
    }

    #[test]
    fn malformed_bodies_are_errors_and_unknown_events_are_ignored() {
        assert!(matches!(parse(b"{not json", 0), Err(WebhookError::Malformed(_))));
        assert!(matches!(
            parse(br#"{"data":{}}"#, 0),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse(br#"{"event":"messages.update","data":{"status":"READ"}}"#, 0),
            Err(WebhookError::Malformed(_))
        ));
        assert_eq!(parse(br#"{"event":"chats.upsert","data":[]}"#, 0), Ok(vec![]));
    }

    #[test]
    fn long_timestamps_decode() {
        assert_eq!(
            timestamp_millis(&serde_json::json!({"low": 1761060725, "high": 0, "unsigned": false})),
            Some(1_761_060_725_000)
        );
        assert_eq!(
            timestamp_millis(&serde_json::json!("1761060725")),
            Some(1_761_060_725_000)
        );
        assert_eq!(timestamp_millis(&serde_json::json!(null)), None);
    }
}
