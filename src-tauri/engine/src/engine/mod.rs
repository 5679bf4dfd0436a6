//! The `Engine`: the one set of operations behind every Tauri command and HTTP route. It is a cheap
//! `Clone` handle over shared state; no lock is ever held across an `.await`.

mod auto_replies;
mod campaigns;
mod conversations;
mod guard;
mod ingest;
mod instances;
mod keys;
mod messages;
mod number_checks;
mod opt_out;
mod profile;
mod supervisor;
mod upkeep;
mod webhooks;
mod wording;

pub use auto_replies::{AutoReplyTrial, AutoReplyVerdict, SOURCE_AUTO_REPLY};
pub use campaigns::{CampaignDraft, CampaignPreview, PreviewMessage, RowProblem};
pub use conversations::{ContactImport, LabelChange, ThreadPage};
pub use guard::{SendingHealth, WarmUpToday, DEFAULT_WARM_UP, LOGOUT_AFTER_SEND_MILLIS};
pub use ingest::{WebhookRejection, STREAM_RETRY_MILLIS};
pub use instances::{AddInstanceRequest, LinkView, ManualWebhook, ProviderSetup};
pub use keys::{key_allows, source_for, CreatedApiKey, KeyPermission, KeyRejection, NewApiKey};
pub use messages::{
    ComposeContent, OutboxStep, PauseReason, RecipientCheck, SendRequest, MAX_ATTEMPTS, OUTCOME_UNKNOWN,
};
pub use number_checks::{NumberCheckStep, NumberPresence, Presence};
pub use profile::{PictureChange, ProfileUpdate, Requester};
pub use supervisor::PROBE_QUIET_MILLIS;
pub use upkeep::StatsQuery;
pub use webhooks::{signature, CreatedSubscription, NewSubscription, RecordedChanges, EVENT_KINDS};

use crate::clock::{Clock, SystemClock};
use crate::domain::{InstanceId, ProviderKind};
use crate::error::EngineError;
use crate::events::{EngineEvent, EventSink};
use crate::provider::{EventFeed, KitContext, LinkOffer, Provider, ProviderError, ProviderKit, ProviderKits};
use crate::secrets::{SecretStore, Secrets};
use crate::settings::Settings;
use crate::store::{Instance, Millis, Store};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use url::Url;

/// How long each kind of provider call may take before it counts as failed.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A state read, a QR refresh or a liveness probe.
    pub state: Duration,
    /// A send: uploads and a slow server take longer than a state read.
    pub send: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            state: Duration::from_secs(10),
            send: Duration::from_secs(45),
        }
    }
}

/// A provider call bounded by its operation's time limit, so one slow answer holds up only the
/// loop of its own instance, and only for that long.
async fn within<T>(
    limit: Duration,
    operation: &'static str,
    call: impl std::future::Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or(Err(ProviderError::TimedOut(operation)))
}

/// How an engine is put together: everything outside it is injected.
pub struct EngineOptions {
    pub store: Store,
    pub secrets: Arc<dyn SecretStore>,
    pub events: Arc<dyn EventSink>,
    pub clock: Arc<dyn Clock>,
    /// Switchboard's data folder: media files (`media/`) live under it, and the providers'
    /// own files (see `ProviderKits::standard`).
    pub data_dir: PathBuf,
    /// One kit per kind of provider.
    pub providers: ProviderKits,
    pub timeouts: Timeouts,
    /// The system's locale (`pt-BR`): on first start its country becomes the default country for
    /// numbers typed the local way.
    pub system_locale: Option<String>,
}

impl EngineOptions {
    pub fn new(
        store: Store,
        secrets: Arc<dyn SecretStore>,
        events: Arc<dyn EventSink>,
        data_dir: PathBuf,
    ) -> Self {
        Self {
            store,
            secrets,
            events,
            clock: Arc::new(SystemClock),
            providers: ProviderKits::standard_in(&data_dir),
            data_dir,
            timeouts: Timeouts::default(),
            system_locale: sys_locale::get_locale(),
        }
    }
}

/// A QR or pairing code on offer, kept in memory: it is stale within a minute anyway.
#[derive(Debug, Clone)]
struct LiveOffer {
    offer: LinkOffer,
    qr_svg: Option<String>,
    received_at: Millis,
    expires_at: Millis,
    /// How many codes this linking session has shown.
    shown: u32,
}

/// What belongs to one instance alone, so that its work never serialises with another's.
#[derive(Default)]
struct InstanceSlot {
    /// Its provider is built once: two clients for one number would replace each other.
    provider_build: tokio::sync::Mutex<()>,
    /// Status transitions (read, decide, write) one at a time, holding the observation last applied.
    state: tokio::sync::Mutex<Observation>,
    /// Hands out observation order: taken when a state read starts (a poll request leaves, a
    /// webhook arrives), so an answer that left before a newer observation cannot undo it.
    observations: std::sync::atomic::AtomicU64,
    /// Wakes this instance's outbox worker (new message, reconnect, pacing change).
    outbox_wake: Notify,
    /// Wakes its number-check loop (numbers were queued for a check).
    check_wake: Notify,
    /// One number-check batch at a time.
    number_check: tokio::sync::Mutex<()>,
    /// When something last went through WhatsApp for it (a send, a receipt, a probe): a number
    /// that shows as connected is probed only when it has been quiet.
    last_alive: std::sync::atomic::AtomicI64,
    /// How far the catch-up with the provider's own log has read (see `poll_events`).
    catch_up: Mutex<Option<ingest::CatchUp>>,
    /// When opening the provider's event stream was last tried (see `stream_step`).
    stream_tried_at: Mutex<Option<Millis>>,
    /// The push last recorded in the database (see `record_pushed`), to write it only now and then.
    pushed_recorded: Mutex<Option<(Millis, crate::domain::EventPath)>>,
    /// Its provider kind's reply window, once read: an instance never changes kind, and every
    /// accept consults it.
    reply_window: std::sync::OnceLock<Option<Millis>>,
}

/// An instance whose row does not exist yet: webhooks signed with its secret are accepted and
/// their events kept, in arrival order, until the row is written.
struct PendingInstance {
    kind: ProviderKind,
    webhook_secret: String,
    events: Vec<(Observation, crate::provider::ProviderEvent)>,
}

/// The order of a state observation of one instance; later ones win.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Observation(u64);

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    secrets: Secrets,
    events: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    media_dir: PathBuf,
    kits: ProviderKits,
    /// What the kits work with.
    kit_context: KitContext,
    timeouts: Timeouts,
    /// Per-instance locks, wake-ups and state order: one number never waits on another's.
    slots: Mutex<HashMap<InstanceId, Arc<InstanceSlot>>>,
    /// Each instance's background loops, while the engine runs them (`start`).
    workers: Mutex<Option<HashMap<InstanceId, supervisor::InstanceWorker>>>,
    http: reqwest::Client,
    reconnects: Mutex<supervisor::Reconnects>,
    /// Pacing: when each instance may send its next message.
    next_send: Mutex<HashMap<InstanceId, Millis>>,
    /// The same for number checks: when each instance may check its next batch.
    next_check: Mutex<HashMap<InstanceId, Millis>>,
    /// The signs of WhatsApp pushing back, counted per instance since its last good send.
    push_back: Mutex<HashMap<InstanceId, guard::PushBackCount>>,
    providers: Mutex<HashMap<InstanceId, Arc<dyn Provider>>>,
    offers: Mutex<HashMap<InstanceId, LiveOffer>>,
    /// Instances being created on their server, by the secret their webhooks are signed with:
    /// the server starts the connection (and posts events) before it answers the create call.
    pending: Mutex<HashMap<InstanceId, PendingInstance>>,
    /// When each instance last got a verified webhook: polling slows down while they flow.
    last_webhook: Mutex<HashMap<InstanceId, Millis>>,
    /// The embedded listener's base URL, when it runs.
    listener: Mutex<Option<Url>>,
    webhook_wake: Notify,
    /// Wakes the recorder that turns recorded changes into webhook deliveries.
    changes_wake: Notify,
    settings: Mutex<Option<Settings>>,
    /// Every event, for the local API's stream and the outgoing webhooks.
    broadcast: tokio::sync::broadcast::Sender<EngineEvent>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Engine {
    /// Builds the engine. After a crash, messages caught mid-send are marked for a person to check.
    pub async fn new(options: EngineOptions) -> Result<Self, EngineError> {
        let secrets = Secrets::new(options.secrets);
        let http = crate::provider::http_client();
        let kit_context = KitContext {
            http: http.clone(),
            secrets: secrets.clone(),
            clock: options.clock.clone(),
            state_timeout: options.timeouts.state,
        };
        let engine = Self {
            inner: Arc::new(Inner {
                store: options.store,
                secrets,
                events: options.events,
                clock: options.clock,
                media_dir: options.data_dir.join("media"),
                kits: options.providers,
                kit_context,
                timeouts: options.timeouts,
                slots: Mutex::default(),
                workers: Mutex::default(),
                next_send: Mutex::default(),
                next_check: Mutex::default(),
                push_back: Mutex::default(),
                reconnects: Mutex::default(),
                http,
                providers: Mutex::default(),
                offers: Mutex::default(),
                pending: Mutex::default(),
                last_webhook: Mutex::default(),
                listener: Mutex::default(),
                webhook_wake: Notify::new(),
                changes_wake: Notify::new(),
                settings: Mutex::default(),
                broadcast: tokio::sync::broadcast::channel(1024).0,
            }),
        };
        Settings::choose_default_region(&engine.inner.store, options.system_locale.as_deref()).await?;
        let interrupted = engine.inner.store.fail_interrupted_sends(engine.now()).await?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "messages were mid-send when Switchboard stopped; marked for review"
            );
        }
        Ok(engine)
    }

    fn now(&self) -> Millis {
        self.inner.clock.now()
    }

    fn slot(&self, id: &InstanceId) -> Arc<InstanceSlot> {
        lock(&self.inner.slots).entry(id.clone()).or_default().clone()
    }

    /// Marks the start of a state observation of an instance (see `InstanceSlot::observations`).
    fn observe(&self, id: &InstanceId) -> Observation {
        let order = self
            .slot(id)
            .observations
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Observation(order + 1)
    }

    /// Wakes an instance's outbox worker: something it may send changed.
    fn wake_outbox(&self, id: &InstanceId) {
        self.slot(id).outbox_wake.notify_one();
    }

    fn emit(&self, event: EngineEvent) {
        if matches!(
            event,
            EngineEvent::MessageStatusChanged { .. }
                | EngineEvent::MessageReceived { .. }
                | EngineEvent::InstanceStatusChanged { .. }
        ) {
            self.inner.changes_wake.notify_one();
        }
        // No receivers is fine: nobody is listening on the stream right now.
        let _ = self.inner.broadcast.send(event.clone());
        self.inner.events.emit(event);
    }

    /// Every event from now on (a lagging receiver loses the oldest; events are invalidations).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<EngineEvent> {
        self.inner.broadcast.subscribe()
    }

    /// Tells the engine where the embedded listener accepts webhooks (`None` when it is off).
    pub fn set_listener(&self, base: Option<Url>) {
        *lock(&self.inner.listener) = base;
    }

    /// The settings, read from the database once and then kept: every send and every API request
    /// consults them, and only `update_settings` changes them.
    pub async fn settings(&self) -> Result<Settings, EngineError> {
        if let Some(settings) = lock(&self.inner.settings).clone() {
            return Ok(settings);
        }
        let settings = Settings::load(&self.inner.store).await?;
        *lock(&self.inner.settings) = Some(settings.clone());
        Ok(settings)
    }

    pub async fn update_settings(&self, settings: Settings) -> Result<Settings, EngineError> {
        if let Some(url) = &settings.webhook_base_url {
            crate::domain::parse_server_url(url)?;
        }
        let limits = crate::limits::LIMITS;
        if settings.api_port < limits.min_api_port {
            return Err(crate::domain::InputError::new(format!(
                "Choose a port from {} to 65535.",
                limits.min_api_port
            ))
            .into());
        }
        if settings.retention_days == 0 || settings.retention_days > limits.max_retention_days {
            return Err(crate::domain::InputError::new(format!(
                "Keep the log for 1 to {} days.",
                limits.max_retention_days
            ))
            .into());
        }
        if settings
            .opt_out_reply
            .as_deref()
            .is_some_and(|reply| reply.chars().count() > limits.max_text_chars)
        {
            return Err(crate::domain::InputError::new(format!(
                "The opt-out confirmation can have at most {} characters.",
                limits.max_text_chars
            ))
            .into());
        }
        if settings.repeat_window_hours > limits.max_repeat_window_hours {
            return Err(crate::domain::InputError::new(format!(
                "Hold repeated texts for at most {} hours; 0 turns this off.",
                limits.max_repeat_window_hours
            ))
            .into());
        }
        if settings.number_check_days == 0 || settings.number_check_days > limits.max_number_check_days {
            return Err(crate::domain::InputError::new(format!(
                "Trust a number check for 1 to {} days.",
                limits.max_number_check_days
            ))
            .into());
        }
        if settings
            .opt_out_words
            .iter()
            .any(|word| word.trim().is_empty() || word.chars().count() > 40)
        {
            return Err(crate::domain::InputError::new("Each opt-out word needs 1 to 40 characters.").into());
        }
        for folder in &settings.api_file_folders {
            if !std::path::Path::new(folder).is_absolute() {
                return Err(crate::domain::InputError::new(format!(
                    "\"{folder}\" is not a full folder path; write it like /home/me/invoices."
                ))
                .into());
            }
        }
        for origin in &settings.allowed_origins {
            let ok = url::Url::parse(origin)
                .is_ok_and(|u| u.origin().ascii_serialization() == origin.trim_end_matches('/'));
            if !ok {
                return Err(crate::domain::InputError::new(format!(
                    "\"{origin}\" is not an origin; write it like http://localhost:3000."
                ))
                .into());
            }
        }
        settings.save(&self.inner.store).await?;
        *lock(&self.inner.settings) = None;
        self.settings().await
    }

    /// Where a provider should post this instance's webhooks, if anywhere.
    async fn webhook_url(&self, id: &InstanceId, kind: ProviderKind) -> Result<Option<String>, EngineError> {
        let configured = self.settings().await?.webhook_base_url;
        let base = match configured {
            Some(url) => Some(crate::domain::parse_server_url(&url)?),
            None => lock(&self.inner.listener).clone(),
        };
        Ok(base
            .and_then(|base| base.join(&format!("webhooks/{}/{id}", kind.as_str())).ok())
            .map(String::from))
    }

    fn kit(&self, kind: ProviderKind) -> Result<&Arc<dyn ProviderKit>, EngineError> {
        Ok(self.inner.kits.get(kind)?)
    }

    /// A stored instance, with what its kind of provider can do filled in.
    async fn instance(&self, id: &InstanceId) -> Result<Instance, EngineError> {
        let mut instance = self
            .inner
            .store
            .instance(id)
            .await?
            .ok_or_else(|| EngineError::InstanceNotFound(id.to_string()))?;
        self.fill_in(&mut instance);
        Ok(instance)
    }

    fn fill_in(&self, instance: &mut Instance) {
        let traits = self
            .inner
            .kits
            .get(instance.provider)
            .map(|kit| kit.traits())
            .ok();
        instance.read_receipts_supported = traits.is_some_and(|t| t.read_receipts);
        instance.linked_device = traits.is_some_and(|t| t.linked_device);
        instance.uses_templates = traits.is_some_and(|t| t.reply_window.is_some());
    }

    /// The provider for an instance, built once and cached.
    async fn provider(&self, instance: &Instance) -> Result<Arc<dyn Provider>, EngineError> {
        if let Some(provider) = lock(&self.inner.providers).get(&instance.id) {
            return Ok(provider.clone());
        }
        let slot = self.slot(&instance.id);
        let _building = slot.provider_build.lock().await;
        if let Some(provider) = lock(&self.inner.providers).get(&instance.id) {
            return Ok(provider.clone());
        }
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let feed = EventFeed::new(sender, self.inner.clock.clone());
        let kit = self.kit(instance.provider)?;
        let provider = kit.open(&self.inner.kit_context, instance, feed).await?;
        let engine = self.clone();
        let id = instance.id.clone();
        // What the provider hears on its own, applied as it comes; ends when the provider (and
        // so the feed it was given) is dropped.
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                if let Err(error) = engine.apply_event(&id, event).await {
                    tracing::warn!(%error, instance = %id, "provider event not applied");
                }
            }
        });
        lock(&self.inner.providers).insert(instance.id.clone(), provider.clone());
        Ok(provider)
    }

    /// Starts the background work: the shared loops (start-up re-sync, retention, outgoing
    /// webhooks) and, for each instance, its own outbox worker and status loop. Instances added
    /// later get theirs when added. Tests drive the same steps by hand instead.
    pub fn start(&self) {
        supervisor::spawn(self.clone());
    }
}
