//! Evolution API v2 (tested against the 2.3.6 contract): a self-hosted gateway reached over HTTP.
//!
//! `EvolutionServer` holds a server's address and global key (create, list); `EvolutionInstance`
//! is one instance on it and implements `Provider`. Traps handled here: create needs the nested
//! `webhook` object with an `events` list; connect and restart report failures as HTTP 200
//! `{"error":true}`; restart is a POST; errors nest their message under `response.message`, as
//! strings or as number-check objects.

mod kit;
mod stream;
pub mod webhook;
mod wire;

use super::{
    ConnectionReport, DownloadedMedia, EventFeed, Group, LinkOffer, LinkProgress, OutgoingMessage, Profile,
    Provider, ProviderError, ProviderEvent, SendReceipt,
};
use crate::domain::{
    ConnectionSignal, Direction, Jid, JidKind, MediaSource, MessageStatus, OutgoingContent, PhoneNumber,
};
use crate::store::Millis;
use async_trait::async_trait;
use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

pub use kit::EvolutionKit;
pub use wire::RemoteInstance;

/// The events Switchboard asks Evolution to post to its webhook listener.
pub const WEBHOOK_EVENTS: [&str; 7] = [
    "QRCODE_UPDATED",
    "CONNECTION_UPDATE",
    "MESSAGES_UPSERT",
    "MESSAGES_UPDATE",
    "SEND_MESSAGE",
    "LOGOUT_INSTANCE",
    "REMOVE_INSTANCE",
];

/// Where and how Evolution should post events for a new instance.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: String,
    /// Evolution replaces this `jwt_key` header by a signed `Authorization: Bearer` JWT.
    pub jwt_secret: String,
}

/// What `create_instance` returns.
#[derive(Debug, Clone)]
pub struct CreatedInstance {
    pub name: String,
    pub remote_id: Option<String>,
    pub token: Option<String>,
    pub offer: Option<LinkOffer>,
}

pub use crate::domain::parse_server_url;

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: Url,
}

impl Api {
    /// A request's body once the server answered with success.
    async fn raw(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, ProviderError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| ProviderError::Protocol(e.to_string()))?;
        let mut request = self.http.request(method, url).header("apikey", key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let (status, bytes) = super::answer_of(request).await?;
        if !status.is_success() {
            return Err(error_from_status(status, &bytes));
        }
        Ok(bytes)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<&Value>,
    ) -> Result<T, ProviderError> {
        let bytes = self.raw(method, path, key, body).await?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ProviderError::Protocol(format!("{path}: body is not JSON ({e})")))?;
        // connect and restart report failures as HTTP 200 {"error": true, "message": …}.
        if value.get("error").and_then(Value::as_bool) == Some(true) {
            return Err(error_from_ok_body(&value));
        }
        serde_json::from_value(value).map_err(|e| ProviderError::Protocol(format!("{path}: {e}")))
    }
}

fn error_from_ok_body(value: &Value) -> ProviderError {
    let message = value.get("message").map(message_text).unwrap_or_default();
    // A restart of a closed instance answers "[object Object]": there is no socket to restart.
    if message.is_empty() || message == "[object Object]" || message.contains("not connected") {
        ProviderError::NotConnected
    } else {
        ProviderError::Rejected(message)
    }
}

fn message_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(message_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Maps an Evolution error response to what it means.
fn error_from_status(status: StatusCode, body: &[u8]) -> ProviderError {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    // Most errors nest it in response.message; whatsappNumbers puts it at the top level.
    let message = value
        .pointer("/response/message")
        .or_else(|| value.get("message"))
        .cloned()
        .unwrap_or(Value::Null);
    // Baileys passes WhatsApp's refusal of the account through as its error text, whichever
    // status Evolution answers with.
    if message_text(&message).contains("rate-overlimit") {
        return ProviderError::Restricted {
            code: "rate_overlimit",
            sentence: "WhatsApp says this number is sending too much (rate-overlimit).".into(),
            retry_after: 15 * 60_000,
        };
    }
    match status {
        StatusCode::UNAUTHORIZED => ProviderError::Unauthorized,
        StatusCode::FORBIDDEN => ProviderError::NameTaken,
        StatusCode::NOT_FOUND => {
            let text = message_text(&message);
            if text.contains("does not exist") {
                ProviderError::InstanceMissing
            } else {
                ProviderError::Protocol(format!("HTTP 404: {text}"))
            }
        }
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            let not_on_whatsapp = message.as_array().and_then(|items| {
                items
                    .iter()
                    .find(|item| item.get("exists").and_then(Value::as_bool) == Some(false))
            });
            if let Some(item) = not_on_whatsapp {
                let number = item.get("number").and_then(Value::as_str).unwrap_or_default();
                return ProviderError::NotOnWhatsApp {
                    number: format!("+{number}"),
                };
            }
            let text = message_text(&message);
            if text.contains("is not connected") || text.contains("Connection Closed") {
                ProviderError::NotConnected
            } else if text.is_empty() {
                ProviderError::Rejected(format!("HTTP {}", status.as_u16()))
            } else {
                ProviderError::Rejected(text)
            }
        }
        // Evolution 2.4 refuses business routes until the server is activated once.
        StatusCode::SERVICE_UNAVAILABLE
            if value.get("code").and_then(Value::as_str) == Some("LICENSE_REQUIRED") =>
        {
            ProviderError::Unavailable(not_activated_sentence(
                value.get("register_url").and_then(Value::as_str),
            ))
        }
        // 429: the server is busy; like a 5xx, worth trying again later.
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
            ProviderError::ServerError(s.as_u16())
        }
        s => ProviderError::Protocol(format!("HTTP {}: {}", s.as_u16(), message_text(&message))),
    }
}

/// What to tell a person whose gateway waits for its one-time activation.
fn not_activated_sentence(register_url: Option<&str>) -> String {
    match register_url {
        Some(url) => {
            format!("This Evolution server is not activated yet. Activate it at {url}, then try again.")
        }
        None => {
            "This Evolution server is not activated yet. Activate it (see its start page), then try again."
                .to_owned()
        }
    }
}

/// An Evolution server, addressed with its global API key.
#[derive(Clone)]
pub struct EvolutionServer {
    api: Api,
    global_key: String,
}

impl EvolutionServer {
    pub fn new(http: reqwest::Client, base: Url, global_key: String) -> Self {
        Self {
            api: Api { http, base },
            global_key,
        }
    }

    /// Checks that this is an Evolution API server and that the key is accepted.
    pub async fn check(&self) -> Result<(), ProviderError> {
        let info: Value = self.api.call(Method::GET, "", &self.global_key, None).await?;
        if info.get("version").is_none() {
            return Err(ProviderError::Protocol(
                "GET / has no version: not an Evolution API server".into(),
            ));
        }
        // GET / needs no key: listing instances proves the key works.
        self.fetch_instances().await.map(|_| ())
    }

    pub async fn create_instance(
        &self,
        name: &str,
        webhook: Option<&WebhookTarget>,
    ) -> Result<CreatedInstance, ProviderError> {
        let body = wire::create_request(name, webhook);
        let created: wire::CreateResponse = self
            .api
            .call(Method::POST, "instance/create", &self.global_key, Some(&body))
            .await?;
        Ok(CreatedInstance {
            name: created.instance.instance_name,
            remote_id: created.instance.instance_id,
            token: created.hash.filter(|h| !h.is_empty()),
            offer: created.qrcode.and_then(wire::QrPayload::into_offer),
        })
    }

    pub async fn fetch_instances(&self) -> Result<Vec<RemoteInstance>, ProviderError> {
        self.api
            .call(Method::GET, "instance/fetchInstances", &self.global_key, None)
            .await
    }

    /// One instance on this server. `token` is the instance's own key; without one the global key is used.
    pub fn instance(&self, name: &str, token: Option<String>) -> EvolutionInstance {
        EvolutionInstance {
            api: self.api.clone(),
            name: name.to_owned(),
            key: token.unwrap_or_else(|| self.global_key.clone()),
            global_key: self.global_key.clone(),
            takes_message_id: std::sync::OnceLock::new(),
            stream: stream::EventStream::default(),
        }
    }
}

/// One instance on an Evolution server.
pub struct EvolutionInstance {
    api: Api,
    name: String,
    /// The instance token, which only opens this instance's routes.
    key: String,
    global_key: String,
    /// Whether the server takes a caller-chosen `messageId` (2.4 on), once its version is read.
    takes_message_id: std::sync::OnceLock<bool>,
    /// The socket.io event stream, once opened.
    stream: stream::EventStream,
}

/// Evolution 2.4 sends a message under the id the caller chooses.
fn version_takes_message_id(version: &str) -> bool {
    let mut parts = version
        .trim()
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (2, 4)
}

impl EvolutionInstance {
    /// Reads the server's version once (`GET /`); until it answers, no id is chosen.
    async fn takes_message_id(&self) -> bool {
        if let Some(known) = self.takes_message_id.get() {
            return *known;
        }
        let info: Result<Value, _> = self.api.call(Method::GET, "", &self.key, None).await;
        match info
            .ok()
            .and_then(|i| i["version"].as_str().map(version_takes_message_id))
        {
            Some(takes) => *self.takes_message_id.get_or_init(|| takes),
            None => false,
        }
    }

    fn path(&self, route: &str) -> String {
        // Instance names are our own slugs, but the path is encoded all the same.
        let name: String = url::form_urlencoded::byte_serialize(self.name.as_bytes()).collect();
        format!("{route}/{name}")
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<T, ProviderError> {
        self.api.call(method, &self.path(route), &self.key, body).await
    }

    /// Points the instance's webhook at `target` (after the listener moved).
    pub async fn set_webhook(&self, target: &WebhookTarget) -> Result<(), ProviderError> {
        let body = serde_json::json!({ "webhook": wire::webhook_config(target) });
        let _: Value = self.call(Method::POST, "webhook/set", Some(&body)).await?;
        Ok(())
    }

    fn number(to: &Jid) -> String {
        match to.kind() {
            JidKind::Phone => to.user().to_owned(),
            _ => to.to_string(),
        }
    }
}

#[async_trait]
impl Provider for EvolutionInstance {
    async fn link(&self, pairing_phone: Option<&PhoneNumber>) -> Result<LinkProgress, ProviderError> {
        let mut path = self.path("instance/connect");
        if let Some(phone) = pairing_phone {
            path.push_str(&format!("?number={}", phone.digits()));
        }
        let answer: wire::ConnectResponse = self.api.call(Method::GET, &path, &self.key, None).await?;
        answer.into_progress()
    }

    async fn connection(&self) -> Result<ConnectionReport, ProviderError> {
        let answer: wire::StateResponse = self.call(Method::GET, "instance/connectionState", None).await?;
        let mut report = ConnectionReport::bare(wire::signal_for_state(&answer.instance.state, None));
        if report.signal == ConnectionSignal::Open {
            // The state route has no profile; the instance list has it.
            let filter = format!("instance/fetchInstances?instanceName={}", self.name);
            let rows: Vec<RemoteInstance> = self
                .api
                .call(Method::GET, &filter, &self.global_key, None)
                .await?;
            if let Some(row) = rows.into_iter().find(|row| row.name == self.name) {
                report.phone = row.phone();
                report.profile_name = row.profile_name;
            }
        }
        Ok(report)
    }

    /// Asks WhatsApp, through the server's socket, whether the account's own number is on
    /// WhatsApp: the server's state route only reads what the server believes.
    async fn probe(&self, own_number: Option<&PhoneNumber>) -> Result<(), ProviderError> {
        let Some(own) = own_number else {
            return Ok(());
        };
        let body = serde_json::json!({ "numbers": [own.digits()] });
        let _: Value = self
            .call(Method::POST, "chat/whatsappNumbers", Some(&body))
            .await?;
        Ok(())
    }

    /// `chat/whatsappNumbers`: one answer per number, matched back by its digits (the server
    /// may answer a Brazilian number under the other form of its ninth digit, in `jid`).
    async fn check_numbers(&self, numbers: &[PhoneNumber]) -> Result<Vec<bool>, ProviderError> {
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            jid: String,
            exists: bool,
            #[serde(default)]
            number: String,
        }
        let digits: Vec<String> = numbers.iter().map(|n| n.digits().to_owned()).collect();
        let body = serde_json::json!({ "numbers": digits });
        let answers: Vec<Answer> = self
            .call(Method::POST, "chat/whatsappNumbers", Some(&body))
            .await?;
        digits
            .iter()
            .map(|asked| {
                answers
                    .iter()
                    .find(|a| a.number.chars().filter(char::is_ascii_digit).eq(asked.chars()))
                    .or_else(|| answers.iter().find(|a| a.jid.split('@').next() == Some(asked)))
                    .map(|a| a.exists)
                    .ok_or_else(|| {
                        ProviderError::Protocol(format!(
                            "no answer for one of {} numbers checked",
                            digits.len()
                        ))
                    })
            })
            .collect()
    }

    async fn open_event_stream(&self, feed: EventFeed) -> Result<bool, ProviderError> {
        let path = self.path("websocket/set");
        self.stream
            .open(&self.api, &path, &self.name, &self.key, feed)
            .await
    }

    fn event_stream_live(&self) -> bool {
        self.stream.is_live()
    }

    async fn restart(&self) -> Result<(), ProviderError> {
        // POST, whatever the published OpenAPI says: PUT answers 404.
        let _: Value = self.call(Method::POST, "instance/restart", None).await?;
        Ok(())
    }

    async fn logout(&self) -> Result<(), ProviderError> {
        let _: Value = self.call(Method::DELETE, "instance/logout", None).await?;
        Ok(())
    }

    async fn delete(&self) -> Result<(), ProviderError> {
        let _: Value = self.call(Method::DELETE, "instance/delete", None).await?;
        Ok(())
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ProviderError> {
        let (route, mut body) = send_request(message)?;
        if self.takes_message_id().await {
            body["messageId"] = Value::String(crate::provider::wire_message_id(&message.id));
        }
        let record: wire::MessageRecord = self.call(Method::POST, route, Some(&body)).await?;
        Ok(SendReceipt {
            provider_message_id: record.key.id,
        })
    }

    /// With a chosen id (2.4), a repeat is the same message to WhatsApp. Known once a send ran.
    fn repeats_are_harmless(&self) -> bool {
        self.takes_message_id.get().copied().unwrap_or(false)
    }

    async fn groups(&self) -> Result<Vec<Group>, ProviderError> {
        // getParticipants is mandatory: without it the server answers 400.
        let path = format!("{}?getParticipants=false", self.path("group/fetchAllGroups"));
        let groups: Vec<wire::GroupRecord> = self.api.call(Method::GET, &path, &self.key, None).await?;
        Ok(groups.into_iter().map(wire::GroupRecord::into_group).collect())
    }

    async fn mark_read(&self, chat: &Jid, provider_message_ids: &[String]) -> Result<(), ProviderError> {
        let remote_jid = chat.to_string();
        let read: Vec<Value> = provider_message_ids
            .iter()
            .map(|id| serde_json::json!({ "remoteJid": remote_jid, "fromMe": false, "id": id }))
            .collect();
        let body = serde_json::json!({ "readMessages": read });
        let _: Value = self
            .call(Method::POST, "chat/markMessageAsRead", Some(&body))
            .await?;
        Ok(())
    }

    async fn download_media(
        &self,
        provider_message_id: &str,
        _media_ref: Option<&str>,
    ) -> Result<DownloadedMedia, ProviderError> {
        let body =
            serde_json::json!({ "message": { "key": { "id": provider_message_id } }, "convertToMp4": false });
        let media: wire::MediaRecord = self
            .call(Method::POST, "chat/getBase64FromMediaMessage", Some(&body))
            .await?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(media.base64.trim())
            .map_err(|e| ProviderError::Protocol(format!("media is not base64: {e}")))?;
        Ok(DownloadedMedia {
            bytes,
            mime: media
                .mimetype
                .unwrap_or_else(|| "application/octet-stream".into()),
            file_name: media.file_name,
        })
    }

    /// Reads the server's log between the two times (`findMessages` filters on both or on neither):
    /// each message, and for those sent from this number the furthest receipt it has.
    async fn messages_between(
        &self,
        since: Millis,
        until: Millis,
    ) -> Result<Vec<ProviderEvent>, ProviderError> {
        let mut events = Vec::new();
        for page in 1..=CATCH_UP_PAGES {
            let body = serde_json::json!({
                "where": { "messageTimestamp": { "gte": iso(since), "lte": iso(until) } },
                "page": page,
                "offset": CATCH_UP_PAGE_SIZE,
            });
            let found: wire::FoundMessages =
                self.call(Method::POST, "chat/findMessages", Some(&body)).await?;
            for found_record in found.messages.records {
                let status = furthest(&found_record.updates);
                let Some(message) = webhook::reported_message(found_record.record, until) else {
                    continue;
                };
                if message.direction == Direction::Outbound {
                    if let Some(status) = status {
                        events.push(ProviderEvent::Receipt {
                            provider_message_id: message.provider_message_id.clone(),
                            status,
                            failure: None,
                        });
                    }
                }
                events.push(ProviderEvent::Message(message));
            }
            if page >= found.messages.pages {
                break;
            }
        }
        // Oldest first, as they happened: a receipt after the message it is for.
        events.reverse();
        Ok(events)
    }

    /// `findMessages` in the chat, sent from the number, from `since` on, matched on content.
    async fn find_sent(
        &self,
        message: &OutgoingMessage,
        since: Millis,
    ) -> Result<Option<String>, ProviderError> {
        let body = serde_json::json!({
            "where": {
                "key": { "remoteJid": message.to.to_string(), "fromMe": true },
                "messageTimestamp": { "gte": iso(since), "lte": iso(since + FIND_SENT_WINDOW_MILLIS) },
            },
            "page": 1,
            "offset": CATCH_UP_PAGE_SIZE,
        });
        let found: wire::FoundMessages = self.call(Method::POST, "chat/findMessages", Some(&body)).await?;
        Ok(found.messages.records.into_iter().find_map(|found| {
            let reported = webhook::reported_message(found.record, since)?;
            let same = reported.direction == Direction::Outbound
                && reported.kind == message.content.kind()
                && reported.body == expected_body(&message.content);
            same.then_some(reported.provider_message_id)
        }))
    }

    async fn receipt_of(&self, provider_message_id: &str) -> Result<Option<MessageStatus>, ProviderError> {
        let body = serde_json::json!({ "where": { "id": provider_message_id }, "page": 1, "offset": CATCH_UP_PAGE_SIZE });
        let rows: Vec<wire::StatusRecord> = self
            .call(Method::POST, "chat/findStatusMessage", Some(&body))
            .await?;
        Ok(furthest(&rows))
    }

    /// `fetchProfile` without a number reads the connection state into `status`, not the About
    /// text: the account's own number gives the real profile.
    async fn profile(&self, own_number: &PhoneNumber) -> Result<Profile, ProviderError> {
        let body = serde_json::json!({ "number": own_number.digits() });
        let profile: wire::ProfileRecord = self.call(Method::POST, "chat/fetchProfile", Some(&body)).await?;
        Ok(profile.into_profile())
    }

    async fn set_profile_name(&self, name: &str) -> Result<(), ProviderError> {
        self.update_profile("chat/updateProfileName", serde_json::json!({ "name": name }))
            .await
    }

    async fn set_profile_about(&self, about: &str) -> Result<(), ProviderError> {
        self.update_profile("chat/updateProfileStatus", serde_json::json!({ "status": about }))
            .await
    }

    /// Raw base64 (a `data:` prefix fails the server's check). The server reconnects afterwards.
    async fn set_profile_picture(&self, jpeg: Option<&[u8]>) -> Result<(), ProviderError> {
        match jpeg {
            Some(jpeg) => {
                let picture = base64::engine::general_purpose::STANDARD.encode(jpeg);
                self.update_profile(
                    "chat/updateProfilePicture",
                    serde_json::json!({ "picture": picture }),
                )
                .await
            }
            None => {
                let _: Value = self
                    .call(Method::DELETE, "chat/removeProfilePicture", None)
                    .await?;
                Ok(())
            }
        }
    }
}

/// Pages of the server's log read per catch-up: a backlog beyond them is read by the next ones.
const CATCH_UP_PAGES: u32 = 5;
const CATCH_UP_PAGE_SIZE: u32 = 50;

/// The furthest of a message's statuses (receipts arrive in any order).
fn furthest(statuses: &[wire::StatusRecord]) -> Option<MessageStatus> {
    statuses
        .iter()
        .filter_map(|s| s.status.as_deref().and_then(webhook::message_status))
        .max_by_key(|status| status.rank())
}

/// How far after an unanswered attempt its message is looked for.
const FIND_SENT_WINDOW_MILLIS: Millis = 24 * 3_600_000;

/// What the server's log shows as the text of a message we sent (see `webhook::content`).
fn expected_body(content: &OutgoingContent) -> Option<String> {
    match content {
        OutgoingContent::Media {
            caption, file_name, ..
        } => caption.clone().or_else(|| file_name.clone()),
        OutgoingContent::Contact { full_name, .. } => Some(full_name.clone()),
        other => Some(other.summary()),
    }
}

fn iso(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl EvolutionInstance {
    async fn update_profile(&self, route: &str, body: Value) -> Result<(), ProviderError> {
        let _: Value = self.call(Method::POST, route, Some(&body)).await?;
        Ok(())
    }
}

/// The route and body for one outgoing message, exactly as Evolution 2.3 wants them.
fn send_request(message: &OutgoingMessage) -> Result<(&'static str, Value), ProviderError> {
    use serde_json::json;
    let number = EvolutionInstance::number(&message.to);
    Ok(match &message.content {
        OutgoingContent::Template { .. } => {
            return Err(ProviderError::Unsupported(
                "message templates (an official Cloud API feature)",
            ))
        }
        OutgoingContent::Text { text, quoted } => {
            let mut body = json!({ "number": number, "text": text, "linkPreview": false });
            if let Some(quoted) = quoted {
                body["quoted"] = json!({
                    "key": { "id": quoted.provider_message_id, "remoteJid": quoted.chat_jid, "fromMe": quoted.from_me },
                    "message": { "conversation": quoted.text.clone().unwrap_or_default() },
                });
            }
            ("message/sendText", body)
        }
        OutgoingContent::Media {
            kind,
            source,
            mime,
            file_name,
            caption,
        } => {
            // A URL as is; a file as raw base64 (a `data:` prefix fails the server's check).
            let media = match (source, &message.media_bytes) {
                (MediaSource::Url { url }, _) => url.clone(),
                (MediaSource::File { .. }, Some(bytes)) => {
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                }
                (MediaSource::File { .. }, None) => {
                    return Err(ProviderError::Rejected(
                        "the file to send could not be read".into(),
                    ))
                }
            };
            let mut body =
                json!({ "number": number, "mediatype": kind.as_str(), "mimetype": mime, "media": media });
            if let Some(caption) = caption {
                body["caption"] = json!(caption);
            }
            // A base64 document needs a file name; the server derives the MIME type from it.
            if let Some(name) = file_name {
                body["fileName"] = json!(name);
            }
            ("message/sendMedia", body)
        }
        OutgoingContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => (
            "message/sendLocation",
            // All four are required by the server's schema.
            json!({
                "number": number, "latitude": latitude, "longitude": longitude,
                "name": name.clone().unwrap_or_else(|| "Location".into()),
                "address": address.clone().unwrap_or_default(),
            }),
        ),
        OutgoingContent::Contact {
            full_name,
            phone,
            organization,
            email,
        } => {
            let mut card =
                json!({ "fullName": full_name, "wuid": phone, "phoneNumber": format!("+{phone}") });
            if let Some(organization) = organization {
                card["organization"] = json!(organization);
            }
            if let Some(email) = email {
                card["email"] = json!(email);
            }
            (
                "message/sendContact",
                json!({ "number": number, "contact": [card] }),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_message_id_needs_version_2_4() {
        assert!(!version_takes_message_id("2.3.6"));
        assert!(!version_takes_message_id("2.3.7"));
        assert!(version_takes_message_id("2.4.0"));
        assert!(version_takes_message_id("2.4.0-rc2"));
        assert!(version_takes_message_id("3.0.1"));
        assert!(!version_takes_message_id("nonsense"));
    }

    #[test]
    fn server_urls_keep_their_prefix_and_refuse_nonsense() {
        assert_eq!(
            parse_server_url("http://localhost:8080").expect("url").as_str(),
            "http://localhost:8080/"
        );
        assert_eq!(
            parse_server_url(" https://evo.example.com/api ")
                .expect("url")
                .join("instance/create")
                .expect("join")
                .as_str(),
            "https://evo.example.com/api/instance/create"
        );
        for bad in [
            "",
            "localhost:8080",
            "ftp://x",
            "http://",
            "http://x/?a=1",
            "not a url",
        ] {
            assert!(parse_server_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn error_bodies_map_to_meanings() {
        let not_on_whatsapp = include_bytes!(
            "../../../../../../shared/contracts/evolution/error-400-number-not-on-whatsapp.json"
        );
        assert_eq!(
            error_from_status(StatusCode::BAD_REQUEST, not_on_whatsapp),
            ProviderError::NotOnWhatsApp {
                number: "+5511900000003".into()
            }
        );
        let missing = br#"{"status":404,"error":"Not Found","response":{"message":["The \"x\" instance does not exist"]}}"#;
        assert_eq!(
            error_from_status(StatusCode::NOT_FOUND, missing),
            ProviderError::InstanceMissing
        );
        let route = br#"{"status":404,"error":"Not Found","response":{"message":["Cannot PUT /instance/restart/x"]}}"#;
        assert!(matches!(
            error_from_status(StatusCode::NOT_FOUND, route),
            ProviderError::Protocol(_)
        ));
        let unauthorized = br#"{"status":401,"error":"Unauthorized","response":{"message":"Unauthorized"}}"#;
        assert_eq!(
            error_from_status(StatusCode::UNAUTHORIZED, unauthorized),
            ProviderError::Unauthorized
        );
        let schema = br#"{"status":400,"error":"Bad Request","response":{"message":["Text is required"]}}"#;
        assert_eq!(
            error_from_status(StatusCode::BAD_REQUEST, schema),
            ProviderError::Rejected("Text is required".into())
        );
        let flat = br#"{"status":400,"error":"Bad Request","message":"Numbers is required"}"#;
        assert_eq!(
            error_from_status(StatusCode::BAD_REQUEST, flat),
            ProviderError::Rejected("Numbers is required".into())
        );
        let logout = br#"{"status":400,"error":"Bad Request","response":{"message":["The \"x\" instance is not connected"]}}"#;
        assert_eq!(
            error_from_status(StatusCode::BAD_REQUEST, logout),
            ProviderError::NotConnected
        );
        assert_eq!(
            error_from_status(StatusCode::BAD_GATEWAY, b"<html>"),
            ProviderError::ServerError(502)
        );
        // WhatsApp limiting the account, as Baileys words it inside either status.
        for status in [StatusCode::BAD_REQUEST, StatusCode::INTERNAL_SERVER_ERROR] {
            let limited = br#"{"status":500,"error":"Internal Server Error","response":{"message":["Error: rate-overlimit"]}}"#;
            assert!(matches!(
                error_from_status(status, limited),
                ProviderError::Restricted {
                    code: "rate_overlimit",
                    ..
                }
            ));
        }
        // Evolution 2.4 before its one-time activation.
        let unlicensed = br#"{"code":"LICENSE_REQUIRED","message":"License required","register_url":"https://evo.example.com/register"}"#;
        let error = error_from_status(StatusCode::SERVICE_UNAVAILABLE, unlicensed);
        assert!(matches!(error, ProviderError::Unavailable(_)), "{error:?}");
        let told = crate::error::ApiError::from(error).message;
        assert!(
            told.contains("not activated") && told.contains("https://evo.example.com/register"),
            "{told}"
        );
        assert_eq!(
            error_from_status(StatusCode::SERVICE_UNAVAILABLE, b"{}"),
            ProviderError::ServerError(503),
            "a plain 503 is still a passing failure"
        );
        assert_eq!(
            error_from_ok_body(&serde_json::json!({"error": true, "message": "[object Object]"})),
            ProviderError::NotConnected
        );
    }
}
