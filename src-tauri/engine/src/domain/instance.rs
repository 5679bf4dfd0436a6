//! Instances (one linked WhatsApp number each), the providers behind them, and the state machine
//! that turns what a provider reports into a status the UI can trust.

use super::InputError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Switchboard's own id for an instance (a UUID), independent of the provider's name for it.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceId(String);

impl InstanceId {
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn parse(input: &str) -> Result<Self, InputError> {
        uuid::Uuid::parse_str(input)
            .map(|id| Self(id.to_string()))
            .map_err(|_| InputError::new(format!("\"{input}\" is not an instance id.")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstanceId {
    type Error = InputError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InstanceId> for String {
    fn from(value: InstanceId) -> Self {
        value.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which kind of provider links an instance to WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// A self-hosted Evolution API v2 server, over HTTP.
    Evolution,
    /// The in-process engine: this computer is the linked device.
    Native,
    /// Meta's WhatsApp Cloud API.
    Cloud,
}

/// How a number's events (status, receipts, incoming messages) reach Switchboard right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum EventPath {
    /// The number's own connection on this computer hears them as they happen.
    Direct,
    /// The server posts them to this computer's listener, and they arrive.
    Webhook,
    /// This computer holds the server's event stream (socket.io) open.
    Stream,
    /// A webhook is set, but none has arrived lately (the server may not reach this computer):
    /// meanwhile they are read from the server's log every few seconds.
    WebhookQuiet,
    /// Read from the server's log every few seconds: nothing is pushed to this computer.
    ServerLog,
    /// Webhooks are the only way in (the provider keeps no log to read), and none arrived lately.
    WebhookAwaited,
}

impl EventPath {
    /// Whether events are pushed as they happen (no reading of the server's log is needed).
    pub fn is_pushed(self) -> bool {
        matches!(self, EventPath::Direct | EventPath::Webhook | EventPath::Stream)
    }

    /// The path while nothing live is known (no webhook arrived lately, no stream open).
    /// `events_direct`: the number's own connection is in this process; `keeps_log`: its
    /// provider has a log that can be read when webhooks do not come.
    pub fn at_rest(events_direct: bool, keeps_log: bool, uses_webhook: bool) -> Self {
        match (events_direct, keeps_log, uses_webhook) {
            (true, _, _) => EventPath::Direct,
            (_, false, _) => EventPath::WebhookAwaited,
            (_, true, true) => EventPath::WebhookQuiet,
            (_, true, false) => EventPath::ServerLog,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventPath::Direct => "direct",
            EventPath::Webhook => "webhook",
            EventPath::Stream => "stream",
            EventPath::WebhookQuiet => "webhookQuiet",
            EventPath::ServerLog => "serverLog",
            EventPath::WebhookAwaited => "webhookAwaited",
        }
    }
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Evolution => "evolution",
            ProviderKind::Native => "native",
            ProviderKind::Cloud => "cloud",
        }
    }

    pub fn parse(input: &str) -> Result<Self, InputError> {
        match input {
            "evolution" => Ok(ProviderKind::Evolution),
            "native" => Ok(ProviderKind::Native),
            "cloud" => Ok(ProviderKind::Cloud),
            other => Err(InputError::new(format!("\"{other}\" is not a provider."))),
        }
    }
}

/// What the UI shows for an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    /// Waiting for the phone to scan a QR code or enter a pairing code.
    Linking,
    /// Linked, (re)connecting to WhatsApp.
    Connecting,
    Connected,
    /// Linked but not connected; the provider keeps trying.
    Disconnected,
    /// The phone unlinked this device; it must be linked again.
    LoggedOut,
    /// The provider stopped offering QR codes; linking must be started again.
    QrLimitReached,
    /// The provider could not be reached, so the real status is unknown.
    Unreachable,
    /// The provider no longer knows this instance.
    Missing,
    /// WhatsApp suspended the number for a while (the reason says until when); it reconnects
    /// by itself afterwards.
    Suspended,
    /// Another device or program opened this session; it stays closed until a person restarts it
    /// (reconnecting on our own would take the session back and forth).
    Replaced,
    /// The provider refused the access token (expired or revoked); a person must enter a new one.
    NeedsToken,
    /// WhatsApp restricted the number; it may not send until that is lifted.
    Restricted,
}

/// What a provider tells about a connection, by webhook, by polling or from its own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionSignal {
    /// A QR code or pairing code is on offer.
    QrShown,
    /// The provider is opening a connection (or waiting for a scan, when unlinked).
    Connecting,
    Open,
    /// Closed for a reason the provider recovers from by itself.
    Closed,
    LoggedOut,
    QrRefused,
    Unreachable,
    Missing,
    Suspended,
    Replaced,
    /// The credentials were refused (expired, revoked).
    TokenRefused,
    Restricted,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Linking => "linking",
            InstanceStatus::Connecting => "connecting",
            InstanceStatus::Connected => "connected",
            InstanceStatus::Disconnected => "disconnected",
            InstanceStatus::LoggedOut => "logged_out",
            InstanceStatus::QrLimitReached => "qr_limit_reached",
            InstanceStatus::Unreachable => "unreachable",
            InstanceStatus::Missing => "missing",
            InstanceStatus::Suspended => "suspended",
            InstanceStatus::Replaced => "replaced",
            InstanceStatus::NeedsToken => "needs_token",
            InstanceStatus::Restricted => "restricted",
        }
    }

    pub fn parse(input: &str) -> Result<Self, InputError> {
        use InstanceStatus::*;
        [
            Linking,
            Connecting,
            Connected,
            Disconnected,
            LoggedOut,
            QrLimitReached,
            Unreachable,
            Missing,
            Suspended,
            Replaced,
            NeedsToken,
            Restricted,
        ]
        .into_iter()
        .find(|s| s.as_str() == input)
        .ok_or_else(|| InputError::new(format!("\"{input}\" is not an instance status.")))
    }

    /// Whether the device is linked to an account at all (it may still be offline).
    fn is_linked(self) -> bool {
        matches!(
            self,
            InstanceStatus::Connecting | InstanceStatus::Connected | InstanceStatus::Disconnected
        )
    }

    /// The status after `signal`. Providers report the same raw states in different situations
    /// (Evolution says `connecting` both while a QR waits to be scanned and while a linked number
    /// reconnects; `close` while linking means the QR session ended), so the current status decides.
    pub fn next(self, signal: ConnectionSignal) -> InstanceStatus {
        use ConnectionSignal as S;
        use InstanceStatus::*;
        match signal {
            S::Open => Connected,
            S::QrShown => Linking,
            S::QrRefused => QrLimitReached,
            S::LoggedOut => LoggedOut,
            S::Missing => Missing,
            S::Unreachable => Unreachable,
            S::Suspended => Suspended,
            S::Replaced => Replaced,
            S::TokenRefused => NeedsToken,
            S::Restricted => Restricted,
            S::Connecting if self.is_linked() || self == Unreachable => Connecting,
            S::Connecting => Linking,
            S::Closed => match self {
                Linking => QrLimitReached,
                // These wait for a person, whatever else closes.
                LoggedOut | QrLimitReached | Suspended | Replaced | NeedsToken | Restricted => self,
                _ => Disconnected,
            },
        }
    }

    /// Whether a person should look at this number (drives the tray icon and notifications).
    pub fn needs_attention(self) -> bool {
        self != InstanceStatus::Connected && self != InstanceStatus::Connecting
    }
}

/// The provider-side name for a new instance: a slug of the display name (so it reads well on the
/// server) plus a random suffix (so two people's "Sales" never collide), at most 40 characters.
pub fn remote_name_for(display_name: &str) -> String {
    let mut slug = String::new();
    for c in display_name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 32 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "instance" } else { slug };
    let suffix: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(6)
        .collect();
    format!("{slug}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConnectionSignal as S;
    use InstanceStatus::*;

    #[test]
    fn connecting_means_linking_until_the_number_was_linked() {
        assert_eq!(Linking.next(S::Connecting), Linking);
        assert_eq!(LoggedOut.next(S::Connecting), Linking);
        assert_eq!(Connected.next(S::Connecting), Connecting);
        assert_eq!(Disconnected.next(S::Connecting), Connecting);
        assert_eq!(Unreachable.next(S::Connecting), Connecting);
    }

    #[test]
    fn close_while_linking_ends_the_qr_session() {
        assert_eq!(Linking.next(S::Closed), QrLimitReached);
        assert_eq!(Connected.next(S::Closed), Disconnected);
        assert_eq!(LoggedOut.next(S::Closed), LoggedOut);
        assert_eq!(QrLimitReached.next(S::Closed), QrLimitReached);
        assert_eq!(Replaced.next(S::Closed), Replaced);
        assert_eq!(Suspended.next(S::Closed), Suspended);
    }

    #[test]
    fn definite_signals_win_from_any_status() {
        for from in [
            Linking,
            Connecting,
            Connected,
            Disconnected,
            LoggedOut,
            QrLimitReached,
            Unreachable,
            Missing,
            Suspended,
            Replaced,
        ] {
            assert_eq!(from.next(S::Open), Connected);
            assert_eq!(from.next(S::Suspended), Suspended);
            assert_eq!(from.next(S::Replaced), Replaced);
            assert_eq!(from.next(S::LoggedOut), LoggedOut);
            assert_eq!(from.next(S::QrRefused), QrLimitReached);
            assert_eq!(from.next(S::Unreachable), Unreachable);
            assert_eq!(from.next(S::QrShown), Linking);
            assert_eq!(InstanceStatus::parse(from.as_str()), Ok(from));
        }
    }

    #[test]
    fn remote_names_are_safe_slugs_and_unique() {
        let a = remote_name_for("Loja Exemplo — Vendas #1 (São Paulo)");
        assert!(a.starts_with("loja-exemplo-vendas-1-s-o-paulo-"), "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert!(a.len() <= 40);
        assert_ne!(remote_name_for("Sales"), remote_name_for("Sales"));
        assert!(remote_name_for("   ").starts_with("instance-"));
        assert!(remote_name_for(&"x".repeat(500)).len() <= 40);
    }

    #[test]
    fn instance_ids_are_uuids() {
        let id = InstanceId::new_random();
        assert_eq!(InstanceId::parse(id.as_str()), Ok(id));
        assert!(InstanceId::parse("../etc/passwd").is_err());
    }
}
