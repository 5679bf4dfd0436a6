//! Errors. Each part of the engine has its own thiserror enum; `EngineError` gathers them; `ApiError`
//! is the one typed error that leaves the engine, to the UI and to HTTP clients: a stable `code` and a
//! sentence for a person. Internal causes are logged here and never copied into an `ApiError`.

use crate::domain::{InputError, PhoneError};
use crate::provider::ProviderError;
use crate::secrets::SecretError;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("no instance with id {0}")]
    InstanceNotFound(String),
    #[error("no message with id {0}")]
    MessageNotFound(String),
    #[error("no campaign with id {0}")]
    CampaignNotFound(String),
    #[error("no webhook delivery with id {0}")]
    DeliveryNotFound(String),
    /// The caller may not do this (a key sending a file from a folder not allowed).
    #[error("{0}")]
    Forbidden(String),
    /// An API key's daily message limit is used up.
    #[error("daily limit reached")]
    DailyLimit,
    /// Something a person or program named does not exist; the sentence says what.
    #[error("{0}")]
    NotFound(&'static str),
    /// The contact asked not to be messaged.
    #[error("{contact} opted out")]
    OptedOut {
        contact: String,
        since: crate::store::Millis,
    },
    /// A free-form message to a customer whose reply window is closed (they last wrote at
    /// `last_inbound`, or never).
    #[error("{contact}'s reply window is closed")]
    WindowClosed {
        contact: String,
        last_inbound: Option<crate::store::Millis>,
        window: crate::store::Millis,
    },
    /// The same text went to the same person lately (message `earlier`, at `at`); sent again
    /// only when the sender says so.
    #[error("the same text went to {contact} lately")]
    Repeated {
        contact: String,
        earlier: String,
        at: crate::store::Millis,
    },
    /// A check (or an earlier send) found the number not on WhatsApp, at `checked_at`.
    #[error("{contact} is not on WhatsApp")]
    NotOnWhatsApp {
        contact: String,
        checked_at: crate::store::Millis,
    },
    /// The request is fine but the thing it acts on is not in a state that allows it.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),

    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl From<crate::provider::KitError> for EngineError {
    fn from(error: crate::provider::KitError) -> Self {
        use crate::provider::KitError as K;
        match error {
            K::Input(e) => EngineError::Input(e),
            K::Provider(e) => EngineError::Provider(e),
            K::Secret(e) => EngineError::Secret(e),
        }
    }
}

impl From<PhoneError> for EngineError {
    fn from(error: PhoneError) -> Self {
        EngineError::Input(error.into())
    }
}

/// The machine-readable part of an `ApiError`. HTTP maps each code to one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself is wrong (a bad number, an empty text, a malformed URL).
    InvalidInput,
    NotFound,
    /// The request conflicts with the current state (e.g. the instance is not connected).
    Conflict,
    /// The provider refused our credentials.
    ProviderAuth,
    /// The provider could not be reached.
    ProviderUnreachable,
    /// The provider understood and refused the request.
    ProviderRejected,
    /// The provider does not offer this operation.
    Unsupported,
    /// No API key, or a key that is unknown or revoked.
    Unauthorized,
    /// The key may not use this instance, or the request came from a host or origin not allowed.
    Forbidden,
    /// The contact asked not to receive messages from this business.
    OptedOut,
    /// The customer last wrote too long ago for a free-form message; only a template reaches them.
    WindowClosed,
    /// The same text went to the same person lately; send again with `allowRepeat` if meant.
    Repeated,
    /// The number is not on WhatsApp (a check, or an earlier send, found so).
    NotOnWhatsapp,
    /// Too many requests, or the key's daily message limit is reached.
    RateLimited,
    /// The request body is larger than allowed.
    TooLarge,
    /// The request is not well-formed (not JSON, wrong content type).
    Malformed,
    /// Something went wrong inside Switchboard; details are in its log.
    Internal,
}

/// The error every command and route returns.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error, utoipa::ToSchema,
)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Input(e) => ApiError::new(ErrorCode::InvalidInput, e.0),
            EngineError::InstanceNotFound(_) => ApiError::new(
                ErrorCode::NotFound,
                "That instance does not exist (it may have been deleted).",
            ),
            EngineError::MessageNotFound(_) => {
                ApiError::new(ErrorCode::NotFound, "That message does not exist.")
            }
            EngineError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            EngineError::NotFound(sentence) => ApiError::new(ErrorCode::NotFound, sentence),
            EngineError::OptedOut { contact, since } => ApiError::new(
                ErrorCode::OptedOut,
                format!(
                    "{contact} asked not to receive messages (opted out on {}). Nothing was sent; clear the opt-out on their contact only if they ask to hear from you again.",
                    crate::clock::local(since).day
                ),
            ),
            EngineError::WindowClosed {
                contact,
                last_inbound,
                window,
            } => {
                let hours = window / 3_600_000;
                let when = match last_inbound {
                    Some(at) => format!("{contact} last wrote on {}, more than {hours} hours ago", crate::clock::local(at).day),
                    None => format!("{contact} has not written to this number yet"),
                };
                ApiError::new(
                    ErrorCode::WindowClosed,
                    format!("{when}: on the official WhatsApp API only an approved template can reach them now. Nothing was sent."),
                )
            }
            EngineError::Repeated { contact, earlier, at } => ApiError::new(
                ErrorCode::Repeated,
                format!(
                    "The same text went to {contact} on {} (message {earlier}). It was held so that they do not get it twice; send it anyway only if you mean to.",
                    crate::clock::local(at).spoken()
                ),
            ),
            EngineError::NotOnWhatsApp { contact, checked_at } => ApiError::new(
                ErrorCode::NotOnWhatsapp,
                format!(
                    "{contact} is not on WhatsApp (checked on {}). Nothing was sent; check the number with the person.",
                    crate::clock::local(checked_at).day
                ),
            ),
            EngineError::CampaignNotFound(_) => {
                ApiError::new(ErrorCode::NotFound, "That campaign does not exist.")
            }
            EngineError::Forbidden(message) => ApiError::new(ErrorCode::Forbidden, message),
            EngineError::DailyLimit => ApiError::new(
                ErrorCode::RateLimited,
                "This key's daily message limit is reached; it resets at local midnight.",
            ),
            EngineError::DeliveryNotFound(_) => {
                ApiError::new(ErrorCode::NotFound, "That delivery does not exist.")
            }
            EngineError::Provider(e) => e.into(),

            EngineError::Store(e) => {
                tracing::error!(error = %e, "store error");
                ApiError::new(
                    ErrorCode::Internal,
                    "Switchboard could not read or write its database.",
                )
            }
            EngineError::Secret(e) => {
                tracing::error!(error = %e, "secret store error");
                ApiError::new(
                    ErrorCode::Internal,
                    "Switchboard could not use the system keyring to keep this instance's keys.",
                )
            }
        }
    }
}

/// What each provider failure means to a person. The sentences name no provider: where a
/// provider has words of its own (an activation to do, a Meta error explained), it puts them in
/// the error it returns.
impl From<ProviderError> for ApiError {
    fn from(error: ProviderError) -> Self {
        use ErrorCode as C;
        match error {
            ProviderError::TimedOut(operation) => {
                tracing::warn!(operation, "provider timed out");
                ApiError::new(
                    C::ProviderUnreachable,
                    "WhatsApp's side did not answer in time. Switchboard will try again.",
                )
            }
            ProviderError::Unreachable(detail) => {
                tracing::warn!(%detail, "provider unreachable");
                ApiError::new(
                    C::ProviderUnreachable,
                    "The provider could not be reached. Check its address and this computer's connection.",
                )
            }
            ProviderError::Unauthorized => ApiError::new(
                C::ProviderAuth,
                "The provider refused the credentials. Check the API key or access token and try again.",
            ),
            ProviderError::InstanceMissing => {
                ApiError::new(C::NotFound, "The provider no longer has this number.")
            }
            ProviderError::Unavailable(sentence) => ApiError::new(C::ProviderRejected, sentence),
            ProviderError::NameTaken => {
                ApiError::new(C::Conflict, "The provider already has an account with that name.")
            }
            ProviderError::NotOnWhatsApp { number } => {
                let shown =
                    crate::domain::PhoneNumber::from_international_digits(number.trim_start_matches('+'))
                        .map_or(number, |phone| phone.formatted());
                ApiError::new(C::InvalidInput, format!("{shown} is not on WhatsApp."))
            }
            ProviderError::Rejected(reason) => ApiError::new(
                C::ProviderRejected,
                format!("The provider refused the request: {reason}"),
            ),
            ProviderError::ServerError(status) => ApiError::new(
                C::ProviderUnreachable,
                format!("The provider had an internal error (HTTP {status}). Try again in a moment."),
            ),
            ProviderError::NotConnected => {
                ApiError::new(C::Conflict, "This number is not connected to WhatsApp right now.")
            }
            ProviderError::QrLimitReached => ApiError::new(
                C::Conflict,
                "The QR code limit was reached. Press “Try again” to get a new code.",
            ),
            ProviderError::Refused { sentence, .. } => ApiError::new(C::ProviderRejected, sentence),
            ProviderError::Throttled { sentence, .. } => ApiError::new(C::RateLimited, sentence),
            ProviderError::Restricted { sentence, .. } => ApiError::new(C::ProviderRejected, sentence),
            ProviderError::Unsupported(what) => {
                ApiError::new(C::Unsupported, format!("This provider does not support {what}."))
            }
            ProviderError::Protocol(detail) => {
                tracing::warn!(%detail, "unexpected provider answer");
                ApiError::new(
                    C::ProviderRejected,
                    "The provider answered in a way Switchboard does not understand; details are in Switchboard's log.",
                )
            }
        }
    }
}

impl From<InputError> for ApiError {
    fn from(error: InputError) -> Self {
        ApiError::new(ErrorCode::InvalidInput, error.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_error_json_shape_is_pinned() {
        let json =
            serde_json::to_value(ApiError::new(ErrorCode::ProviderUnreachable, "Down.")).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"code": "provider_unreachable", "message": "Down."})
        );
    }

    #[test]
    fn internal_causes_never_reach_the_message() {
        let store = EngineError::Store(StoreError::Corrupt("secret detail /home/x/db".into()));
        let api = ApiError::from(store);
        assert_eq!(api.code, ErrorCode::Internal);
        assert!(!api.message.contains("secret detail"));
    }
}
