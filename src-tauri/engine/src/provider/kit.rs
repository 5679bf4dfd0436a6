//! The per-kind half of the provider seam. A `Provider` speaks for one linked account; a
//! `ProviderKit` speaks for a kind of provider: it checks what a person entered to add a number,
//! creates the account there, builds the `Provider` of a stored instance, reads the webhooks its
//! servers post, and re-syncs its instances at start-up. The engine holds one kit per kind in
//! `ProviderKits` and never names a kind itself; a new provider is a new folder with its kit, and
//! one line in `ProviderKits::standard`.

use super::native::session::Launcher;
use super::{ConnectionReport, EventFeed, LinkOffer, Provider, ProviderError, ProviderEvent};
use crate::clock::Clock;
use crate::domain::{InputError, InstanceId, InstanceStatus, PhoneNumber, ProviderKind};
use crate::secrets::{SecretError, SecretKind, Secrets};
use crate::store::Instance;
use async_trait::async_trait;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// How to reach the provider of a new instance, as a person or a program entered it.
#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum ProviderSetup {
    /// A self-hosted Evolution API v2 server, addressed with its global API key.
    Evolution { server_url: String, api_key: String },
    /// This computer is the linked device (QR or pairing code, no server).
    Native,
    /// Meta's WhatsApp Cloud API: a business phone number with a system-user access token.
    Cloud {
        access_token: String,
        phone_number_id: String,
        business_account_id: String,
        /// Signs the webhooks Meta posts (the app's "App secret").
        app_secret: String,
        /// The Graph API version (`v26.0`); the current default when absent.
        api_version: Option<String>,
        /// Where the Graph API is (`https://graph.facebook.com/` when absent; a proxy otherwise).
        graph_url: Option<String>,
    },
}

impl ProviderSetup {
    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderSetup::Evolution { .. } => ProviderKind::Evolution,
            ProviderSetup::Native => ProviderKind::Native,
            ProviderSetup::Cloud { .. } => ProviderKind::Cloud,
        }
    }
}

/// Why a kit could not do what the engine asked.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// What a person entered is wrong; the sentence says how.
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// What every kit may use.
#[derive(Clone)]
pub struct KitContext {
    pub http: reqwest::Client,
    pub secrets: Secrets,
    pub clock: Arc<dyn Clock>,
    /// How long a state read may take (a kit's own calls, such as a re-sync, keep to it).
    pub state_timeout: std::time::Duration,
}

/// A number a person asked to add.
pub struct NewAccount<'a> {
    pub id: &'a InstanceId,
    pub display_name: &'a str,
    pub setup: ProviderSetup,
    /// Where the embedded listener takes this instance's webhooks, when it is known.
    pub webhook_url: Option<String>,
    /// A fresh secret the engine already accepts this instance's early webhooks with (a server
    /// may post before it answers the create call); a kind that signs with a secret of its own
    /// choosing uses it.
    pub webhook_secret: &'a str,
}

/// What a kit created for a new instance, for the engine to keep.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// The provider's name for the account (an instance name, a phone number id).
    pub remote_name: String,
    /// Where the provider lives, when it is a server.
    pub server_url: Option<String>,
    /// What else the kind needs to reach the account, as it reads it back (`instances.provider_config`).
    pub config: serde_json::Value,
    /// Whether the provider posts this account's events to the listener.
    pub uses_webhook: bool,
    /// The first status, with what the provider said about the account.
    pub status: InstanceStatus,
    pub profile_name: Option<String>,
    pub phone: Option<PhoneNumber>,
    /// Secrets to keep in the keyring, under the instance.
    pub secrets: Vec<(SecretKind, String)>,
    /// A QR or pairing code already on offer.
    pub offer: Option<LinkOffer>,
}

/// A webhook as it arrived: headers by lower-case name, the raw body.
pub struct WebhookRequest<'a> {
    pub headers: &'a HashMap<String, String>,
    pub body: &'a [u8],
}

/// Why a webhook was refused; the listener maps each to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Missing or bad signature, expired token, unknown instance: 401, nothing stored.
    #[error("unauthorized webhook: {0}")]
    Unauthorized(String),
    /// Not a body this kind of provider posts: 400.
    #[error("malformed webhook: {0}")]
    Malformed(String),
    /// This kind takes no webhooks, or no such handshake: 404.
    #[error("no webhook here")]
    NotTaken,
}

/// An event a webhook carried, with the account it is for when the body says so (one callback
/// may serve several numbers of the same account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutedEvent {
    /// The provider's name of the account (`remote_name`); `None`: the instance posted to.
    pub account: Option<String>,
    pub event: ProviderEvent,
}

/// What a kind of provider can do, for the engine and the UI to plan by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindTraits {
    /// Its numbers can tell a customer their messages were read.
    pub read_receipts: bool,
    /// Its events are heard by this process as they happen (no webhook or log to read).
    pub events_direct: bool,
    /// Free-form messages reach a customer only this long after their last message (the Cloud
    /// API's customer service window); templates reach them any time.
    pub reply_window: Option<crate::store::Millis>,
    /// Its provider keeps a log of the account's messages that can be read back.
    pub keeps_log: bool,
    /// The number is a linked device (QR or pairing code): it can be logged out and linked again.
    pub linked_device: bool,
    /// Its provider can tell whether a number is on WhatsApp before anything is sent to it.
    pub checks_numbers: bool,
}

#[async_trait]
pub trait ProviderKit: Send + Sync + 'static {
    fn kind(&self) -> ProviderKind;

    fn traits(&self) -> KindTraits;

    /// Checks the set-up against the provider and creates the account there. Whatever it
    /// created is undone by `discard` when the engine cannot keep the instance.
    async fn provision(&self, context: &KitContext, account: NewAccount<'_>)
        -> Result<Provisioned, KitError>;

    /// Undoes a `provision` whose instance could not be kept.
    async fn discard(&self, _context: &KitContext, _provisioned: &Provisioned) -> Result<(), KitError> {
        Ok(())
    }

    /// Builds the provider of a stored instance. What it hears on its own goes to `feed`.
    async fn open(
        &self,
        context: &KitContext,
        instance: &Instance,
        feed: EventFeed,
    ) -> Result<Arc<dyn Provider>, KitError>;

    /// Checks a webhook with the instance's webhook secret (`SecretKind::WebhookSecret`) before
    /// reading anything of it, then reads its events.
    fn read_webhook(
        &self,
        _secret: &str,
        _request: &WebhookRequest<'_>,
        _now: crate::store::Millis,
    ) -> Result<Vec<RoutedEvent>, WebhookError> {
        Err(WebhookError::NotTaken)
    }

    /// Answers a provider's check that the callback address is really ours (a GET with a
    /// challenge), given the instance's `SecretKind::VerifyToken`: the body to answer with.
    fn answer_handshake(
        &self,
        _verify_token: Option<&str>,
        _query: &HashMap<String, String>,
    ) -> Result<String, WebhookError> {
        Err(WebhookError::NotTaken)
    }

    /// Points the provider's webhook for `instance` at `url`, signed with `secret`. `Ok(false)`:
    /// this kind has no webhook to set from here.
    async fn point_webhook(
        &self,
        _context: &KitContext,
        _instance: &Instance,
        _url: &str,
        _secret: &str,
    ) -> Result<bool, KitError> {
        Ok(false)
    }

    /// At start-up: the word of the provider on each of these instances (all of this kind), in
    /// as few calls as it can. The default asks nothing: each instance's status loop will.
    async fn resync(
        &self,
        _context: &KitContext,
        _instances: &[Instance],
    ) -> Vec<(InstanceId, Result<ConnectionReport, ProviderError>)> {
        Vec::new()
    }
}

/// One kit per kind of provider.
#[derive(Clone)]
pub struct ProviderKits {
    kits: Vec<Arc<dyn ProviderKit>>,
}

impl ProviderKits {
    /// Every provider Switchboard has. Native sessions live under `data_dir/native`, started by
    /// `launcher`.
    pub fn standard(data_dir: &Path, launcher: Arc<dyn Launcher>) -> Self {
        Self {
            kits: vec![
                Arc::new(super::evolution::EvolutionKit),
                Arc::new(super::native::NativeKit::new(launcher, data_dir.join("native"))),
                Arc::new(super::cloud::CloudKit),
            ],
        }
    }

    /// Every provider, with native sessions started by the real client.
    pub fn standard_in(data_dir: &Path) -> Self {
        Self::standard(
            data_dir,
            Arc::new(super::native::session::WhatsAppRust::default()),
        )
    }

    pub fn get(&self, kind: ProviderKind) -> Result<&Arc<dyn ProviderKit>, ProviderError> {
        self.kits
            .iter()
            .find(|kit| kit.kind() == kind)
            .ok_or(ProviderError::Unsupported("this kind of provider"))
    }

    /// The kit named in a webhook address (`/webhooks/<kind>/…`).
    pub fn by_name(&self, name: &str) -> Option<&Arc<dyn ProviderKit>> {
        let kind = ProviderKind::parse(name).ok()?;
        self.kits.iter().find(|kit| kit.kind() == kind)
    }
}
