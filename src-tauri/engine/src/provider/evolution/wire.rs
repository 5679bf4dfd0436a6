//! Evolution API v2 JSON shapes, as the 2.3.6 server sends and expects them.

use super::WebhookTarget;
use crate::domain::{ConnectionSignal, Jid, PhoneNumber};
use crate::provider::{LinkOffer, LinkProgress, ProviderError};
use serde::Deserialize;
use serde_json::{json, Value};

pub(super) fn create_request(name: &str, webhook: Option<&WebhookTarget>) -> Value {
    let mut body = json!({
        "instanceName": name,
        "integration": "WHATSAPP-BAILEYS",
        "qrcode": true,
        "groupsIgnore": false,
        "alwaysOnline": false,
        "readMessages": false,
        "readStatus": false,
        "syncFullHistory": false,
    });
    if let Some(target) = webhook {
        // Only the nested object is honoured; flat webhookUrl fields are silently ignored.
        body["webhook"] = webhook_config(target);
    }
    body
}

/// The nested webhook object of create and `webhook/set`. Evolution replaces the `jwt_key` header
/// by a signed `Authorization: Bearer` token; `events` must be present (the server reads its length).
pub(super) fn webhook_config(target: &WebhookTarget) -> Value {
    json!({
        "enabled": true,
        "url": target.url,
        "byEvents": false,
        "base64": false,
        "headers": { "jwt_key": target.jwt_secret },
        "events": super::WEBHOOK_EVENTS,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateResponse {
    pub instance: CreatedRecord,
    pub hash: Option<String>,
    pub qrcode: Option<QrPayload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedRecord {
    pub instance_name: String,
    pub instance_id: Option<String>,
}

/// The QR part of connect, create and `qrcode.updated`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QrPayload {
    pub code: Option<String>,
    pub pairing_code: Option<String>,
}

impl QrPayload {
    pub fn into_offer(self) -> Option<LinkOffer> {
        let offer = LinkOffer {
            qr_code: self.code.filter(|c| !c.is_empty()),
            pairing_code: self.pairing_code.filter(|c| !c.is_empty()),
        };
        (offer.qr_code.is_some() || offer.pairing_code.is_some()).then_some(offer)
    }
}

/// `GET /instance/connect/{i}`: a QR payload, or the state when already open.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ConnectResponse {
    instance: Option<StateRecord>,
    #[serde(flatten)]
    qr: QrPayload,
}

impl ConnectResponse {
    pub fn into_progress(self) -> Result<LinkProgress, ProviderError> {
        if let Some(instance) = self.instance {
            return match instance.state.as_str() {
                "open" => Ok(LinkProgress::AlreadyConnected),
                "refused" => Err(ProviderError::QrLimitReached),
                other => Err(ProviderError::Protocol(format!(
                    "connect answered state {other:?} without a QR"
                ))),
            };
        }
        self.qr
            .into_offer()
            .map(LinkProgress::Offer)
            .ok_or_else(|| ProviderError::Protocol("connect answered neither a QR nor a state".into()))
    }
}

#[derive(Deserialize)]
pub(super) struct StateResponse {
    pub instance: StateRecord,
}

#[derive(Deserialize)]
pub(super) struct StateRecord {
    pub state: String,
}

/// Maps Evolution's connection `state` (and `statusReason`, when a webhook gives one).
pub(crate) fn signal_for_state(state: &str, status_reason: Option<i64>) -> ConnectionSignal {
    match (state, status_reason) {
        ("open", _) => ConnectionSignal::Open,
        ("connecting", _) => ConnectionSignal::Connecting,
        ("refused", _) | (_, Some(428)) => ConnectionSignal::QrRefused,
        ("close", Some(401)) => ConnectionSignal::LoggedOut,
        // A timed-out stream: the server reconnects by itself.
        ("close", Some(408)) => ConnectionSignal::Connecting,
        _ => ConnectionSignal::Closed,
    }
}

/// A row of `GET /instance/fetchInstances`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteInstance {
    pub id: Option<String>,
    pub name: String,
    pub connection_status: Option<String>,
    pub owner_jid: Option<String>,
    pub profile_name: Option<String>,
    pub number: Option<String>,
}

impl RemoteInstance {
    pub fn signal(&self) -> ConnectionSignal {
        signal_for_state(self.connection_status.as_deref().unwrap_or("close"), None)
    }

    /// The linked number, from the owner JID or the number column.
    pub fn phone(&self) -> Option<PhoneNumber> {
        self.owner_jid
            .as_deref()
            .and_then(|jid| Jid::parse(jid).ok())
            .and_then(|jid| jid.phone())
            .or_else(|| {
                self.number
                    .as_deref()
                    .and_then(|n| PhoneNumber::from_international_digits(n).ok())
            })
    }
}

/// A row of `GET /group/fetchAllGroups`.
#[derive(Debug, Deserialize)]
pub(crate) struct GroupRecord {
    pub id: String,
    #[serde(default)]
    pub subject: String,
    pub size: Option<u32>,
}

impl GroupRecord {
    pub fn into_group(self) -> crate::provider::Group {
        crate::provider::Group {
            jid: self.id,
            subject: self.subject,
            size: self.size,
        }
    }
}

/// `POST /chat/getBase64FromMediaMessage`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MediaRecord {
    pub base64: String,
    pub mimetype: Option<String>,
    pub file_name: Option<String>,
}

/// `chat/fetchProfile` for a number: `name` is the contact name the server stored (may be
/// missing), `status` the About text, `picture` a temporary link.
#[derive(Debug, Deserialize)]
pub(crate) struct ProfileRecord {
    pub name: Option<String>,
    pub status: Option<String>,
    pub picture: Option<String>,
}

impl ProfileRecord {
    pub fn into_profile(self) -> crate::provider::Profile {
        let present = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        crate::provider::Profile {
            name: present(self.name),
            about: present(self.status),
            picture_url: present(self.picture),
        }
    }
}

/// `chat/findMessages`: one page of the server's message log, newest first.
#[derive(Debug, Deserialize)]
pub(crate) struct FoundMessages {
    pub messages: FoundPage,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FoundPage {
    #[serde(default)]
    pub pages: u32,
    #[serde(default)]
    pub records: Vec<FoundRecord>,
}

/// A logged message with the statuses its receipts brought (in no set order). The record has no
/// status of its own here, unlike a send's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct FoundRecord {
    #[serde(flatten)]
    pub record: MessageRecord,
    #[serde(default, rename = "MessageUpdate")]
    pub updates: Vec<StatusRecord>,
}

/// One row of `chat/findStatusMessage`, or one status of a found message.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusRecord {
    pub status: Option<String>,
}

/// The message record returned by send calls and carried by `messages.upsert` / `send.message`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRecord {
    pub key: MessageKey,
    pub push_name: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub message: Value,
    pub message_timestamp: Option<Value>,
    /// What the message replies to, when Evolution lifts it beside the message (`send.message`).
    #[serde(default)]
    pub context_info: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageKey {
    pub id: String,
    pub remote_jid: Option<String>,
    pub remote_jid_alt: Option<String>,
    #[serde(default)]
    pub from_me: bool,
    pub participant: Option<String>,
    pub participant_alt: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Value {
        let path = format!(
            "{}/../../../shared/contracts/evolution/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample file")).expect("sample JSON")
    }

    #[test]
    fn states_and_close_reasons_map_to_signals() {
        assert_eq!(signal_for_state("open", Some(200)), ConnectionSignal::Open);
        assert_eq!(signal_for_state("close", Some(401)), ConnectionSignal::LoggedOut);
        assert_eq!(
            signal_for_state("refused", Some(428)),
            ConnectionSignal::QrRefused
        );
        // 408 is a timed-out stream the server reconnects by itself: not a final close.
        assert_eq!(signal_for_state("close", Some(408)), ConnectionSignal::Connecting);
        assert_eq!(signal_for_state("close", Some(403)), ConnectionSignal::Closed);
    }

    #[test]
    fn create_request_matches_the_contract_sample_shape() {
        let target = WebhookTarget {
            url: "https://desk.example.com/hooks/evolution".into(),
            jwt_secret: "s".into(),
        };
        let ours = create_request("sales-01", Some(&target));
        let theirs = sample("create-instance-request.json");
        for key in ["instanceName", "integration", "qrcode"] {
            assert_eq!(ours[key], theirs[key], "{key}");
        }
        for key in ["enabled", "url", "byEvents"] {
            assert_eq!(ours["webhook"][key], theirs["webhook"][key], "webhook.{key}");
        }
        assert!(ours["webhook"]["headers"]["jwt_key"].is_string());
        assert!(ours["webhook"]["events"]
            .as_array()
            .is_some_and(|e| !e.is_empty()));
        assert!(
            ours.get("webhookUrl").is_none(),
            "flat webhook fields are ignored by the server"
        );
    }

    #[test]
    fn connect_answers_parse() {
        let qr: ConnectResponse = serde_json::from_value(sample("connect-response.json")).expect("parse");
        match qr.into_progress().expect("offer") {
            LinkProgress::Offer(offer) => {
                assert!(offer.qr_code.expect("code").starts_with("2@"));
                assert_eq!(offer.pairing_code.as_deref(), Some("KX4M9TQ2"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let open: ConnectResponse =
            serde_json::from_value(json!({"instance": {"instanceName": "x", "state": "open"}}))
                .expect("parse");
        assert_eq!(open.into_progress(), Ok(LinkProgress::AlreadyConnected));
    }

    #[test]
    fn create_response_parses_with_its_qr() {
        let created: CreateResponse =
            serde_json::from_value(sample("create-instance-response.json")).expect("parse");
        assert_eq!(created.instance.instance_name, "sales-01");
        assert_eq!(
            created.hash.as_deref(),
            Some("8E2B7F4C-1D3A-4C5E-9B6F-0A1D2E3F4B5C")
        );
        let offer = created.qrcode.and_then(QrPayload::into_offer).expect("offer");
        assert_eq!(offer.pairing_code, None);
    }

    #[test]
    fn states_map_with_reasons() {
        assert_eq!(signal_for_state("open", Some(200)), ConnectionSignal::Open);
        assert_eq!(signal_for_state("close", Some(401)), ConnectionSignal::LoggedOut);
        assert_eq!(signal_for_state("close", Some(403)), ConnectionSignal::Closed);
        assert_eq!(
            signal_for_state("refused", Some(428)),
            ConnectionSignal::QrRefused
        );
        assert_eq!(signal_for_state("connecting", None), ConnectionSignal::Connecting);
    }

    #[test]
    fn send_response_gives_the_message_id() {
        let record: MessageRecord = serde_json::from_value(sample("send-text-response.json")).expect("parse");
        assert_eq!(record.key.id, "3EB0C4A1F2D9E8B7A6C5D4");
        assert!(record.key.from_me);
    }
}
