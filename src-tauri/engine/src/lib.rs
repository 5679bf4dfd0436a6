//! Switchboard's engine: everything except the window and the HTTP listener. It owns the domain
//! types, the SQLite store, the providers, the outbox and the supervisor, and reports what changes
//! through an injected `EventSink`. It never depends on Tauri, so it builds and tests headless.
//!
//! The desktop shell and the HTTP server both call the same `Engine` methods.

pub mod clock;
pub mod domain;
mod engine;
pub mod error;
pub mod events;
pub mod limits;
pub mod provider;
pub mod qr;
pub mod secrets;
pub mod settings;
pub mod store;

pub use engine::{
    key_allows, signature, source_for, AddInstanceRequest, AutoReplyTrial, AutoReplyVerdict, CampaignDraft,
    CampaignPreview, ComposeContent, ContactImport, CreatedApiKey, CreatedSubscription, Engine,
    EngineOptions, KeyPermission, KeyRejection, LabelChange, LinkView, ManualWebhook, NewApiKey,
    NewSubscription, NumberCheckStep, NumberPresence, OutboxStep, PauseReason, PictureChange, Presence,
    PreviewMessage, ProfileUpdate, ProviderSetup, RecipientCheck, RecordedChanges, Requester, RowProblem,
    SendRequest, SendingHealth, StatsQuery, ThreadPage, Timeouts, WarmUpToday, WebhookRejection,
    DEFAULT_WARM_UP, EVENT_KINDS, LOGOUT_AFTER_SEND_MILLIS, MAX_ATTEMPTS, OUTCOME_UNKNOWN,
    PROBE_QUIET_MILLIS, SOURCE_AUTO_REPLY, STREAM_RETRY_MILLIS,
};
pub use error::{ApiError, EngineError, ErrorCode};
