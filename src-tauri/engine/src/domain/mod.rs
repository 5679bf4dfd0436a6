//! Domain types that parse at the edges: once a value of these types exists it is valid, so the rest
//! of the engine never re-checks phone numbers, ids or WhatsApp addresses.

mod content;
mod instance;
mod jid;
mod message;
mod phone;

pub use content::{
    checked_location, checked_text, optional, MediaKind, MediaSource, OutgoingContent, QuotedMessage,
    MAX_TEXT_CHARS,
};
pub use instance::{remote_name_for, ConnectionSignal, EventPath, InstanceId, InstanceStatus, ProviderKind};
pub use jid::{contact_identity, identity_and_alias, Jid, JidKind};
pub use message::{Direction, MessageKind, MessageStatus};
pub use phone::{PhoneError, PhoneNumber, PhoneRegion, Region};

/// Why a value given by a person or another program was refused. The message is shown as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Parses and normalises a server address typed by a person.
pub fn parse_server_url(input: &str) -> Result<url::Url, InputError> {
    let invalid = || {
        InputError::new(format!(
            "\"{}\" is not a server address; use one like http://localhost:8080.",
            input.trim()
        ))
    };
    let url = url::Url::parse(input.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || url.query().is_some() {
        return Err(invalid());
    }
    let mut url = url;
    // Paths are joined onto the base, which needs a trailing slash to keep any prefix.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}
