//! The seam between Switchboard and WhatsApp. One `Provider` value speaks for one linked account;
//! each kind of provider (Evolution API, the native engine, Meta's Cloud API) implements the same
//! trait, and what it cannot do returns `ProviderError::Unsupported`. What a provider learns on its
//! own (QR rotations, connection changes, receipts, inbound messages) reaches the engine as
//! `ProviderEvent`s.

pub mod cloud;
pub mod evolution;
pub mod kit;
pub mod native;

pub use kit::{
    KindTraits, KitContext, KitError, NewAccount, ProviderKit, ProviderKits, ProviderSetup, Provisioned,
    RoutedEvent, WebhookError, WebhookRequest,
};

use crate::domain::{
    ConnectionSignal, Direction, Jid, MessageKind, MessageStatus, OutgoingContent, PhoneNumber,
};
use crate::store::Millis;
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("provider unreachable: {0}")]
    Unreachable(String),
    /// No answer within the operation's time limit (the provider may still act on it).
    #[error("provider did not answer {0} in time")]
    TimedOut(&'static str),
    #[error("provider refused the credentials")]
    Unauthorized,
    /// The provider will not serve this account until its owner acts (a gateway waiting for
    /// its one-time activation); the sentence, in the provider's words, says what to do.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    #[error("provider does not know this instance")]
    InstanceMissing,
    #[error("instance name already in use on the provider")]
    NameTaken,
    #[error("{number} is not on WhatsApp")]
    NotOnWhatsApp { number: String },
    #[error("provider refused the request: {0}")]
    Rejected(String),
    #[error("provider failed with HTTP {0}")]
    ServerError(u16),
    #[error("instance not connected")]
    NotConnected,
    #[error("QR code limit reached")]
    QrLimitReached,
    #[error("not supported by this provider: {0}")]
    Unsupported(&'static str),
    #[error("unexpected answer from the provider: {0}")]
    Protocol(String),
    /// A refusal the provider explains in its own words (a Meta error code); not worth retrying.
    #[error("provider refused ({code}): {sentence}")]
    Refused { code: &'static str, sentence: String },
    /// The provider asks to slow down; trying again after `retry_after` (milliseconds) may work.
    #[error("provider throttled ({code}): {sentence}")]
    Throttled {
        code: &'static str,
        sentence: String,
        retry_after: Millis,
    },
    /// WhatsApp is limiting the account itself (rate-overlimit, a temporary block, a reach-out
    /// lock): the usual sign of a number on its way to a ban. The engine pauses the number's
    /// sending when its guard says so; otherwise it tries again after `retry_after` (milliseconds).
    #[error("WhatsApp is restricting the number ({code}): {sentence}")]
    Restricted {
        code: &'static str,
        sentence: String,
        retry_after: Millis,
    },
}

impl ProviderError {
    /// Whether trying again later may succeed (the outbox retries these).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::Unreachable(_)
                | ProviderError::TimedOut(_)
                | ProviderError::ServerError(_)
                | ProviderError::Throttled { .. }
                | ProviderError::Restricted { .. }
        )
    }

    /// Whether this failure is about the recipient, as opposed to the server, the connection or
    /// this computer: a run of these to different people is a sign of a number being reported.
    pub fn is_recipient_failure(&self) -> bool {
        matches!(
            self,
            ProviderError::NotOnWhatsApp { .. } | ProviderError::Refused { .. } | ProviderError::Rejected(_)
        )
    }

    /// A short stable code kept with a failed message.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::Unreachable(_) => "unreachable",
            ProviderError::TimedOut(_) => "timed_out",
            ProviderError::Unauthorized => "unauthorized",
            ProviderError::Unavailable(_) => "unavailable",
            ProviderError::InstanceMissing => "instance_missing",
            ProviderError::NameTaken => "name_taken",
            ProviderError::NotOnWhatsApp { .. } => "not_on_whatsapp",
            ProviderError::Rejected(_) => "rejected",
            ProviderError::ServerError(_) => "server_error",
            ProviderError::NotConnected => "not_connected",
            ProviderError::QrLimitReached => "qr_limit_reached",
            ProviderError::Unsupported(_) => "unsupported",
            ProviderError::Protocol(_) => "protocol",
            ProviderError::Refused { code, .. }
            | ProviderError::Throttled { code, .. }
            | ProviderError::Restricted { code, .. } => code,
        }
    }
}

/// The shared HTTP client for every provider call: bounded connect and total time.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        // The outer bound; the engine limits each operation more tightly (a state read, a send).
        .timeout(std::time::Duration::from_secs(60))
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends a provider request and reads its whole answer; failing to reach the provider, or
/// losing the answer on the way, is `Unreachable`.
pub async fn answer_of(
    request: reqwest::RequestBuilder,
) -> Result<(reqwest::StatusCode, bytes::Bytes), ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
    Ok((status, bytes))
}

/// The wire id of a Switchboard message, for providers that let the sender choose it: stable
/// across attempts (so WhatsApp takes a repeat as the same message), in the shape WhatsApp Web's own
/// ids have (`3EB0` and upper-case hex).
pub fn wire_message_id(message_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(message_id.as_bytes());
    format!("3EB0{}", hex::encode_upper(&digest[..9]))
}

/// What a person scans or types to link a number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkOffer {
    /// The QR text (`2@…`), rendered locally.
    pub qr_code: Option<String>,
    /// An 8-character code to type on the phone, when asked for by phone number.
    pub pairing_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProgress {
    Offer(LinkOffer),
    AlreadyConnected,
}

/// A provider's word on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionReport {
    pub signal: ConnectionSignal,
    /// Why, in words, when the provider says.
    pub reason: Option<String>,
    pub profile_name: Option<String>,
    pub phone: Option<PhoneNumber>,
}

impl ConnectionReport {
    pub fn bare(signal: ConnectionSignal) -> Self {
        Self {
            signal,
            reason: None,
            profile_name: None,
            phone: None,
        }
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// Switchboard's id of the message: every attempt to send it carries the same one, so a
    /// provider that lets the caller choose the wire id can make a repeat harmless.
    pub id: String,
    pub to: Jid,
    pub content: OutgoingContent,
    /// The bytes of a media file (when the content's source is a local file), read by the engine.
    pub media_bytes: Option<Vec<u8>>,
}

/// A group the account is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub jid: String,
    pub subject: String,
    pub size: Option<u32>,
}

/// A message template of the account (the Cloud API): sent outside the 24-hour window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageTemplate {
    pub name: String,
    /// Meta's language code (`en_US`, `pt_BR`).
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`.
    pub status: String,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`.
    pub category: String,
    /// The body's text, with its `{{1}}` (or `{{name}}`) placeholders.
    pub body: Option<String>,
    /// How many values its body takes.
    pub variables: u32,
}

impl MessageTemplate {
    /// The body's placeholders, each once, in the order they first appear.
    pub fn placeholders(body: &str) -> Vec<&str> {
        let mut found: Vec<&str> = Vec::new();
        let mut rest = body;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else { break };
            let name = after[..end].trim();
            if !name.is_empty() && !found.contains(&name) {
                found.push(name);
            }
            rest = &after[end + 2..];
        }
        found
    }

    /// The body as the customer reads it, with `values` in place of the placeholders.
    pub fn render(&self, values: &[String]) -> String {
        let Some(body) = &self.body else {
            return format!("Template {}", self.name);
        };
        let mut text = body.clone();
        for (name, value) in Self::placeholders(body).into_iter().zip(values) {
            text = text.replace(&format!("{{{{{name}}}}}"), value);
        }
        text
    }
}

/// A downloaded media file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadedMedia {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    pub provider_message_id: String,
}

/// A message the provider reported: inbound, or sent from the phone or another tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedMessage {
    pub provider_message_id: String,
    pub direction: Direction,
    /// The conversation (a person's phone JID, or a group).
    pub chat: Jid,
    /// The person (the sender in a group; the other party otherwise).
    pub contact: Jid,
    /// The chat's other address when the provider gave both (the person's LID beside their phone JID).
    pub chat_alias: Option<Jid>,
    /// The provider id of the message it replies to.
    pub quoted_id: Option<String>,
    pub sender_name: Option<String>,
    /// The provider's handle on the message's file, when it downloads files by one (a Cloud
    /// API media id) rather than by the message.
    pub media_ref: Option<String>,
    pub kind: MessageKind,
    pub body: Option<String>,
    pub status: MessageStatus,
    pub at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderEvent {
    LinkOffered(LinkOffer),
    Connection(ConnectionReport),
    Receipt {
        provider_message_id: String,
        status: MessageStatus,
        /// Why, when the status is `failed` and the provider says.
        failure: Option<ReceiptFailure>,
    },
    Message(ReportedMessage),
}

/// Why a sent message failed after it was accepted: a stable code and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFailure {
    pub code: String,
    pub sentence: String,
}

/// Where a provider's own event stream delivers what it hears: the engine applies each event as
/// it comes, for the instance the stream was opened for.
#[derive(Clone)]
pub struct EventFeed {
    events: tokio::sync::mpsc::UnboundedSender<ProviderEvent>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl EventFeed {
    pub fn new(
        events: tokio::sync::mpsc::UnboundedSender<ProviderEvent>,
        clock: std::sync::Arc<dyn crate::clock::Clock>,
    ) -> Self {
        Self { events, clock }
    }

    /// The engine's time, for events that carry none of their own.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Where a client that reports from its own threads sends what it hears.
    pub fn sender(&self) -> tokio::sync::mpsc::UnboundedSender<ProviderEvent> {
        self.events.clone()
    }

    /// Hands one event to the engine; false once the engine no longer listens.
    pub fn deliver(&self, event: ProviderEvent) -> bool {
        self.events.send(event).is_ok()
    }
}

/// One linked account at a provider.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Starts (or continues) linking: a QR code, or a pairing code for `pairing_phone`.
    async fn link(&self, pairing_phone: Option<&PhoneNumber>) -> Result<LinkProgress, ProviderError>;
    async fn connection(&self) -> Result<ConnectionReport, ProviderError>;
    /// A cheap call that must go through WhatsApp itself, not only the provider's own idea of
    /// the connection: it tells a live connection from one that says "connected" while nothing
    /// goes through. `own_number` is the account's number when known. The default trusts the
    /// provider's connection state: a client that keeps its own socket alive (the native engine
    /// pings WhatsApp and reports a drop itself) needs nothing more.
    async fn probe(&self, _own_number: Option<&PhoneNumber>) -> Result<(), ProviderError> {
        Ok(())
    }
    async fn restart(&self) -> Result<(), ProviderError>;
    /// Unlinks the device from the account.
    async fn logout(&self) -> Result<(), ProviderError>;
    /// Removes the instance from the provider.
    async fn delete(&self) -> Result<(), ProviderError>;
    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ProviderError>;
    /// Whether sending the same `OutgoingMessage` again after an unanswered attempt cannot
    /// deliver it twice (the provider sends it under an id derived from Switchboard's, which
    /// WhatsApp de-duplicates). When not, a send whose outcome is unknown is left for a person.
    fn repeats_are_harmless(&self) -> bool {
        false
    }
    /// The account's message templates, all pages of them.
    async fn templates(&self) -> Result<Vec<MessageTemplate>, ProviderError> {
        Err(ProviderError::Unsupported(
            "message templates (an official Cloud API feature)",
        ))
    }
    /// Whether each of these numbers is on WhatsApp: one batch, in the input's order (the engine
    /// sizes and paces the batches, since checking many numbers at once is itself a ban signal).
    async fn check_numbers(&self, _numbers: &[PhoneNumber]) -> Result<Vec<bool>, ProviderError> {
        Err(ProviderError::Unsupported(
            "checking whether numbers are on WhatsApp",
        ))
    }
    /// The groups the account is in.
    async fn groups(&self) -> Result<Vec<Group>, ProviderError> {
        Err(ProviderError::Unsupported("listing groups"))
    }
    /// The media of a received message.
    /// Tells the other person their messages in a one-to-one chat were read.
    async fn mark_read(&self, _chat: &Jid, _provider_message_ids: &[String]) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported("sending read receipts"))
    }

    /// `media_ref` is what the provider reported with the message for its file, if anything.
    async fn download_media(
        &self,
        _provider_message_id: &str,
        _media_ref: Option<&str>,
    ) -> Result<DownloadedMedia, ProviderError> {
        Err(ProviderError::Unsupported("downloading media"))
    }
    /// What the provider logged between two times that its pushes may not have brought (a
    /// gateway that cannot call this computer): messages in both directions, and receipts of
    /// those sent from the number, oldest first. The default is none: a provider whose events
    /// always arrive has nothing to catch up.
    async fn messages_between(
        &self,
        _since: Millis,
        _until: Millis,
    ) -> Result<Vec<ProviderEvent>, ProviderError> {
        Ok(Vec::new())
    }
    /// Whether `message` went out after all, after an attempt nobody answered: its provider id
    /// if the provider's log holds it (sent to that chat since `since`, same content), `None` if
    /// the log shows it did not go out. The default cannot tell, and so leaves it for a person.
    async fn find_sent(
        &self,
        _message: &OutgoingMessage,
        _since: Millis,
    ) -> Result<Option<String>, ProviderError> {
        Err(ProviderError::Unsupported("looking up sent messages"))
    }
    /// The furthest status the provider has recorded for a message sent from the number.
    async fn receipt_of(&self, _provider_message_id: &str) -> Result<Option<MessageStatus>, ProviderError> {
        Ok(None)
    }
    /// Opens the provider's own event stream, where its server has one, so events reach this
    /// computer over a connection it opened itself (a server on a rented machine cannot call a
    /// desktop behind a router). What the stream hears goes to `feed`, and the stream reconnects
    /// by itself. `Ok(false)`: there is no stream to open. The default has none.
    async fn open_event_stream(&self, _feed: EventFeed) -> Result<bool, ProviderError> {
        Ok(false)
    }
    /// Whether the stream `open_event_stream` opened is connected right now.
    fn event_stream_live(&self) -> bool {
        false
    }
    /// The linked account's profile as others see it. `own_number` is the account's number.
    async fn profile(&self, _own_number: &PhoneNumber) -> Result<Profile, ProviderError> {
        Err(ProviderError::Unsupported("reading the profile"))
    }
    /// The name others see (WhatsApp's "push name").
    async fn set_profile_name(&self, _name: &str) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported("changing the profile"))
    }
    async fn set_profile_about(&self, _about: &str) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported("changing the profile"))
    }
    /// A square JPEG (see `crate::domain::profile_picture`), or `None` to remove the picture.
    async fn set_profile_picture(&self, _jpeg: Option<&[u8]>) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported("changing the profile picture"))
    }
}

/// A linked account's profile, as WhatsApp shows it to the people it writes to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub name: Option<String>,
    /// The "About" text.
    pub about: Option<String>,
    /// Where the picture can be fetched for a while (WhatsApp's links expire).
    pub picture_url: Option<String>,
}
