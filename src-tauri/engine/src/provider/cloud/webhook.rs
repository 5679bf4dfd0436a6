//! What Meta posts to the callback: checked against `X-Hub-Signature-256` (HMAC-SHA256 of the raw
//! body with the app secret, compared in constant time) before a byte of it is parsed, then read
//! into events, each with the phone number id it is for. The raw bytes are never re-serialised:
//! Meta signs its own escaped-unicode form.

use super::errors::{failure, GraphError};
use crate::domain::{Direction, Jid, MessageKind, MessageStatus};
use crate::provider::{ProviderEvent, ReceiptFailure, ReportedMessage, RoutedEvent};
use crate::store::Millis;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("no X-Hub-Signature-256 header")]
    Unsigned,
    #[error("the signature does not match the body")]
    BadSignature,
    #[error("body is not a WhatsApp Business webhook: {0}")]
    Malformed(String),
}

/// Checks `sha256=<hex>` against the body, in constant time.
pub fn verify_signature(header: Option<&str>, app_secret: &str, body: &[u8]) -> Result<(), WebhookError> {
    let hex_digest = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .ok_or(WebhookError::Unsigned)?;
    let expected = hex::decode(hex_digest).map_err(|_| WebhookError::BadSignature)?;
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(app_secret.as_bytes())
        .map_err(|_| WebhookError::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::BadSignature)
}

/// The header value Meta sends for `body` (for tests and fakes).
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Answers Meta's check of the callback: the challenge, when the mode is `subscribe` and the
/// token is the one this number was given.
pub fn handshake_challenge(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Option<String> {
    use subtle::ConstantTimeEq;
    let token_matches = token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(verify_token.as_bytes())));
    (mode == Some("subscribe") && token_matches)
        .then(|| challenge.map(str::to_owned))
        .flatten()
}

#[derive(Deserialize)]
struct Envelope {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    #[serde(default)]
    value: ChangeValue,
}

#[derive(Default, Deserialize)]
struct ChangeValue {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: String,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<GraphError>,
}

/// Reads a verified body into events, each routed to its phone number id.
pub fn parse(body: &[u8], now: Millis) -> Result<Vec<RoutedEvent>, WebhookError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    if envelope.object != "whatsapp_business_account" {
        return Err(WebhookError::Malformed(format!("object \"{}\"", envelope.object)));
    }
    let mut events = Vec::new();
    for change in envelope.entry.into_iter().flat_map(|entry| entry.changes) {
        // Template status updates and account changes carry no number's messages.
        if change.field != "messages" {
            continue;
        }
        let value = change.value;
        let Some(metadata) = value.metadata else { continue };
        let account = Some(metadata.phone_number_id);
        for status in value.statuses {
            let Some(event) = receipt(status) else { continue };
            events.push(RoutedEvent {
                account: account.clone(),
                event,
            });
        }
        for message in &value.messages {
            let Some(reported) = inbound(message, &value.contacts, now) else {
                tracing::debug!("Cloud API message without a sender or id; ignored");
                continue;
            };
            events.push(RoutedEvent {
                account: account.clone(),
                event: ProviderEvent::Message(reported),
            });
        }
    }
    Ok(events)
}

fn receipt(status: Status) -> Option<ProviderEvent> {
    let (status_now, failure_now) = match status.status.as_str() {
        "sent" => (MessageStatus::Sent, None),
        "delivered" => (MessageStatus::Delivered, None),
        "read" => (MessageStatus::Read, None),
        "failed" => {
            let first = status.errors.first().cloned().unwrap_or_default();
            let (code, sentence) = failure(&first);
            (MessageStatus::Failed, Some(ReceiptFailure { code, sentence }))
        }
        // `deleted`, `warning` and anything newer: nothing to move.
        _ => return None,
    };
    Some(ProviderEvent::Receipt {
        provider_message_id: status.id,
        status: status_now,
        failure: failure_now,
    })
}

/// One `messages[]` item, as a message in the log.
fn inbound(message: &Value, contacts: &[Contact], now: Millis) -> Option<ReportedMessage> {
    let from = message["from"].as_str()?;
    let id = message["id"].as_str()?;
    let chat = Jid::parse(&format!("{from}@s.whatsapp.net")).ok()?;
    let at = message["timestamp"]
        .as_str()
        .and_then(|t| t.parse::<i64>().ok())
        .map_or(now, |seconds| seconds * 1_000);
    let kind_name = message["type"].as_str().unwrap_or("unsupported");
    let object = &message[kind_name];
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let (kind, body, media_ref) = match kind_name {
        "text" => (MessageKind::Text, text("/body"), None),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let kind = match kind_name {
                "image" => MessageKind::Image,
                "video" => MessageKind::Video,
                "audio" => MessageKind::Audio,
                "document" => MessageKind::Document,
                _ => MessageKind::Sticker,
            };
            (kind, text("/caption").or_else(|| text("/filename")), text("/id"))
        }
        "location" => {
            let latitude = object["latitude"].as_f64().unwrap_or_default();
            let longitude = object["longitude"].as_f64().unwrap_or_default();
            let name = text("/name").map(|n| format!("{n} ")).unwrap_or_default();
            (
                MessageKind::Location,
                Some(format!("{name}({latitude:.5}, {longitude:.5})")),
                None,
            )
        }
        "contacts" => {
            let names: Vec<String> = message["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|card| card.pointer("/name/formatted_name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect();
            (MessageKind::Contact, Some(names.join(", ")), None)
        }
        // A tap on a reply button or list row reads as what it says.
        "interactive" => (
            MessageKind::Text,
            text("/button_reply/title").or_else(|| text("/list_reply/title")),
            None,
        ),
        "button" => (MessageKind::Text, text("/text"), None),
        "reaction" => (
            MessageKind::Other,
            text("/emoji").map(|emoji| format!("Reacted {emoji}")),
            None,
        ),
        _ => (MessageKind::Other, None, None),
    };
    let sender_name = contacts
        .iter()
        .find(|contact| contact.wa_id == from)
        .and_then(|contact| contact.profile.as_ref()?.name.clone());
    Some(ReportedMessage {
        provider_message_id: id.to_owned(),
        direction: Direction::Inbound,
        contact: chat.clone(),
        chat,
        chat_alias: None,
        quoted_id: message
            .pointer("/context/id")
            .or_else(|| message.pointer("/reaction/message_id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        sender_name,
        kind,
        body,
        media_ref,
        status: MessageStatus::Received,
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_bytes(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../../shared/contracts/cloud/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).expect("sample")
    }

    #[test]
    fn only_the_exact_bytes_with_the_app_secret_pass() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"contacts":[{"wa_id":"5511","profile":{"name":"Jo\u00e3o"}}]}}]}]}"#;
        let header = signature("app-secret", body);
        assert_eq!(verify_signature(Some(&header), "app-secret", body), Ok(()));
        assert_eq!(
            verify_signature(Some(&header), "other-secret", body),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(None, "app-secret", body),
            Err(WebhookError::Unsigned)
        );
        assert_eq!(
            verify_signature(Some("sha256=zz"), "app-secret", body),
            Err(WebhookError::BadSignature)
        );
        // The same JSON re-serialised (the é unescaped) is other bytes: refused.
        let reserialised =
            serde_json::to_vec(&serde_json::from_slice::<Value>(body).expect("json")).expect("bytes");
        assert_ne!(reserialised, body.to_vec());
        assert_eq!(
            verify_signature(Some(&header), "app-secret", &reserialised),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_our_token() {
        let ok = handshake_challenge("tok", Some("subscribe"), Some("tok"), Some("1158201444"));
        assert_eq!(ok.as_deref(), Some("1158201444"));
        assert_eq!(
            handshake_challenge("tok", Some("subscribe"), Some("nope"), Some("1")),
            None
        );
        assert_eq!(
            handshake_challenge("tok", Some("unsubscribe"), Some("tok"), Some("1")),
            None
        );
        assert_eq!(
            handshake_challenge("tok", Some("subscribe"), None, Some("1")),
            None
        );
    }

    #[test]
    fn inbound_samples_become_messages_of_their_number() {
        let events = parse(&sample_bytes("webhook-message-text.json"), 0).expect("parse");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].account.as_deref(), Some("100000000000001"));
        let ProviderEvent::Message(message) = &events[0].event else {
            panic!("{events:?}")
        };
        assert_eq!(message.chat.to_string(), "15550009876@s.whatsapp.net");
        assert_eq!(message.body.as_deref(), Some("Hi! Where is my order?"));
        assert_eq!(message.sender_name.as_deref(), Some("Ana Lima"));
        assert_eq!(message.at, 1_761_060_601_000);

        let events = parse(&sample_bytes("webhook-message-image.json"), 0).expect("parse");
        let ProviderEvent::Message(image) = &events[0].event else {
            panic!("{events:?}")
        };
        assert_eq!(image.kind, MessageKind::Image);
        assert_eq!(image.body.as_deref(), Some("It arrived like this"));
        assert_eq!(image.media_ref.as_deref(), Some("1234567890123456"));
    }

    #[test]
    fn statuses_move_messages_and_failures_say_why() {
        let events = parse(&sample_bytes("webhook-status-delivered.json"), 0).expect("parse");
        assert!(matches!(
            &events[0].event,
            ProviderEvent::Receipt {
                status: MessageStatus::Delivered,
                failure: None,
                ..
            }
        ));
        let events = parse(&sample_bytes("webhook-status-failed-131047.json"), 0).expect("parse");
        let ProviderEvent::Receipt {
            status,
            failure: Some(failure),
            ..
        } = &events[0].event
        else {
            panic!("{events:?}")
        };
        assert_eq!(*status, MessageStatus::Failed);
        assert_eq!(failure.code, "window_closed");
        assert!(failure.sentence.contains("24 hours"), "{}", failure.sentence);
    }

    #[test]
    fn other_bodies_are_refused_and_unknown_items_skipped() {
        assert!(matches!(parse(b"not json", 0), Err(WebhookError::Malformed(_))));
        assert!(matches!(
            parse(br#"{"object":"page","entry":[]}"#, 0),
            Err(WebhookError::Malformed(_))
        ));
        let odd = br#"{"object":"whatsapp_business_account","entry":[{"changes":[
            {"field":"message_template_status_update","value":{}},
            {"field":"messages","value":{"metadata":{"phone_number_id":"1"},
              "messages":[{"id":"w1"},{"from":"15550009876","id":"w2","timestamp":"5","type":"reaction","reaction":{"message_id":"w0","emoji":"\ud83d\udc4d"}}],
              "statuses":[{"id":"w3","status":"deleted"}]}}]}]}"#;
        let events = parse(odd, 0).expect("parse");
        assert_eq!(events.len(), 1);
        let ProviderEvent::Message(reaction) = &events[0].event else {
            panic!("{events:?}")
        };
        assert_eq!(
            (reaction.body.as_deref(), reaction.quoted_id.as_deref()),
            (Some("Reacted 👍"), Some("w0"))
        );
    }
}
