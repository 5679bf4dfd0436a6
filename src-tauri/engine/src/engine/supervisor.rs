//! Background work, each loop only calling the engine's single steps (which tests call directly).
//! Shared: re-sync at start, outgoing webhook deliveries, retention. Per instance, started and
//! stopped with it: its outbox worker, and its status loop (polling state, messages and receipts
//! where webhooks do not flow, reconnecting with back-off, giving up after five tries and saying so). A provider that hangs
//! holds up only its own instance's loops.

use super::{lock, within, Engine, InstanceSlot, Observation};
use crate::domain::{ConnectionSignal, InstanceId, InstanceStatus, PhoneNumber};
use crate::engine::OutboxStep;
use crate::events::EngineEvent;
use crate::provider::{ConnectionReport, ProviderError};
use crate::store::Millis;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often to ask a provider for an instance's state.
fn poll_interval(status: InstanceStatus, webhooks_flowing: bool) -> Millis {
    match (status, webhooks_flowing) {
        // Webhooks report changes; polling is only a safety net.
        (_, true) => 60_000,
        (InstanceStatus::Linking, false) => 3_000,
        // Nothing will change until a person acts.
        (InstanceStatus::LoggedOut | InstanceStatus::Missing | InstanceStatus::QrLimitReached, false) => {
            60_000
        }
        _ => 10_000,
    }
}

const TICK: Duration = Duration::from_secs(1);
/// Reconnect tries before giving up and telling the person.
pub const MAX_RECONNECTS: u32 = 5;
const FIRST_RECONNECT_MILLIS: Millis = 15_000;
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// The outbox worker looks again at least this often (new schedules, retries coming due).
const OUTBOX_IDLE: Duration = Duration::from_secs(5);

/// A number that shows as connected, with nothing through WhatsApp for this long, is probed: with
/// the state read's time limit, a connection that only looks alive is found within a minute.
pub const PROBE_QUIET_MILLIS: Millis = 30_000;

pub(super) const UNRESPONSIVE_REASON: &str =
    "It showed as connected, but WhatsApp stopped answering for this number. Switchboard is restarting it.";

/// A failure that means the connection is not really there (as opposed to the server failing).
pub(super) fn is_unresponsive(error: &ProviderError) -> bool {
    matches!(error, ProviderError::TimedOut(_) | ProviderError::NotConnected)
}

/// Reconnect attempts per instance: how many so far and when the next is due.
#[derive(Default)]
pub(super) struct Reconnects(HashMap<InstanceId, (u32, Millis)>);

impl Engine {
    /// One reconnect decision for an instance (the supervisor calls this after each poll). A
    /// disconnected number is restarted with growing pauses; after `MAX_RECONNECTS` failures the
    /// engine stops trying and says so in the status reason. Returns whether it restarted.
    pub async fn reconnect_step(&self, id: &InstanceId) -> Result<bool, crate::EngineError> {
        let instance = self.instance(id).await?;
        let now = self.now();
        if instance.status != InstanceStatus::Disconnected {
            lock(&self.inner.reconnects).0.remove(id);
            return Ok(false);
        }
        let (tries, due) = lock(&self.inner.reconnects)
            .0
            .get(id)
            .copied()
            .unwrap_or((0, now));
        if tries >= MAX_RECONNECTS || now < due {
            return Ok(false);
        }
        // Only a restart: a number that needs a new QR code needs a person, not a loop.
        let provider = self.provider(&instance).await?;
        if let Err(error) = provider.restart().await {
            tracing::info!(instance = %id, %error, "reconnect attempt failed");
        }
        let tries = tries + 1;
        let next = now + FIRST_RECONNECT_MILLIS * (1 << (tries - 1));
        lock(&self.inner.reconnects).0.insert(id.clone(), (tries, next));
        if tries == MAX_RECONNECTS {
            let report = ConnectionReport {
                reason: Some(format!(
                    "Switchboard tried to reconnect {MAX_RECONNECTS} times and stopped. Check the phone, then press Restart."
                )),
                ..ConnectionReport::bare(ConnectionSignal::Closed)
            };
            self.apply_connection(id, report).await?;
        }
        Ok(true)
    }

    /// Probes a connected number that has been quiet for `PROBE_QUIET_MILLIS` (the status loop
    /// calls this every tick). One that shows as connected but does not answer is taken as
    /// disconnected, with why, and the reconnect step restarts it with its usual back-off.
    /// Returns whether it probed.
    pub async fn probe_step(&self, id: &InstanceId) -> Result<bool, crate::EngineError> {
        use std::sync::atomic::Ordering;
        let instance = self.instance(id).await?;
        let quiet_since = self.slot(id).last_alive.load(Ordering::SeqCst);
        if instance.status != InstanceStatus::Connected || self.now() - quiet_since < PROBE_QUIET_MILLIS {
            return Ok(false);
        }
        let provider = self.provider(&instance).await?;
        let own_number = instance
            .phone
            .as_deref()
            .and_then(|phone| PhoneNumber::from_international_digits(phone.trim_start_matches('+')).ok());
        let observed = self.observe(id);
        let probe = provider.probe(own_number.as_ref());
        match within(self.inner.timeouts.state, "a liveness probe", probe).await {
            Ok(()) => self.mark_alive(id),
            Err(error) if is_unresponsive(&error) => self.unresponsive(id, observed, &error).await?,
            // The server itself failing is the state poll's to report.
            Err(error) => tracing::debug!(instance = %id, %error, "liveness probe failed"),
        }
        Ok(true)
    }

    /// Something went through WhatsApp for this number just now.
    pub(super) fn mark_alive(&self, id: &InstanceId) {
        let now = self.now();
        self.slot(id)
            .last_alive
            .store(now, std::sync::atomic::Ordering::SeqCst);
    }

    /// The provider says connected but nothing goes through: shown as disconnected with why.
    pub(super) async fn unresponsive(
        &self,
        id: &InstanceId,
        observed: Observation,
        error: &ProviderError,
    ) -> Result<(), crate::EngineError> {
        tracing::warn!(instance = %id, %error, "shows as connected but does not answer");
        let report = ConnectionReport {
            reason: Some(UNRESPONSIVE_REASON.to_owned()),
            ..ConnectionReport::bare(ConnectionSignal::Closed)
        };
        self.transition(id, report, None, observed).await.map(drop)
    }

    /// Forgets past reconnect failures (a person pressed Restart).
    pub(super) fn reset_reconnects(&self, id: &InstanceId) {
        lock(&self.inner.reconnects).0.remove(id);
    }
}

/// The background loops of one instance; dropping it stops them.
pub(super) struct InstanceWorker {
    tasks: [JoinHandle<()>; 3],
}

impl Drop for InstanceWorker {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Engine {
    /// Starts an instance's own loops, if the engine runs its background work and they are not
    /// running yet.
    pub(super) fn start_worker(&self, id: &InstanceId) {
        let mut workers = lock(&self.inner.workers);
        let Some(workers) = workers.as_mut() else {
            return;
        };
        if workers.contains_key(id) {
            return;
        }
        let slot = self.slot(id);
        let outbox = tokio::spawn(outbox_loop(self.clone(), id.clone(), slot));
        let status = tokio::spawn(status_loop(self.clone(), id.clone()));
        let checks = tokio::spawn(number_check_loop(self.clone(), id.clone(), self.slot(id)));
        workers.insert(
            id.clone(),
            InstanceWorker {
                tasks: [outbox, status, checks],
            },
        );
    }

    /// Stops an instance's loops and forgets its per-instance state (it was deleted).
    pub(super) fn stop_worker(&self, id: &InstanceId) {
        let worker = lock(&self.inner.workers).as_mut().and_then(|w| w.remove(id));
        drop(worker);
        lock(&self.inner.slots).remove(id);
        lock(&self.inner.next_send).remove(id);
        lock(&self.inner.next_check).remove(id);
        lock(&self.inner.push_back).remove(id);
        self.reset_reconnects(id);
    }
}

/// Sends an instance's due messages one step at a time; sleeps until the earliest wait is over
/// or something wakes it (a new message, the number connecting, a pacing change).
async fn outbox_loop(engine: Engine, id: InstanceId, slot: Arc<InstanceSlot>) {
    loop {
        let wait = drain_outbox(&engine, &id).await;
        let _ = tokio::time::timeout(wait, slot.outbox_wake.notified()).await;
    }
}

/// Runs outbox steps for one instance until it is idle, paused or waiting; returns how long
/// until its wait is over.
async fn drain_outbox(engine: &Engine, id: &InstanceId) -> Duration {
    loop {
        match engine.outbox_step(id).await {
            Ok(OutboxStep::Processed(_)) => continue,
            Ok(OutboxStep::Wait { until }) => {
                let millis = u64::try_from(until - engine.now()).unwrap_or(0);
                return OUTBOX_IDLE.min(Duration::from_millis(millis.max(50)));
            }
            Ok(OutboxStep::Idle | OutboxStep::Paused(_)) => return OUTBOX_IDLE,
            Err(error) => {
                tracing::warn!(%error, instance = %id, "outbox step failed");
                return OUTBOX_IDLE;
            }
        }
    }
}

/// Checks the numbers queued for a check through one instance, a batch at a time at the check
/// pace; sleeps while nothing waits (numbers queued wake it) or the number is offline.
async fn number_check_loop(engine: Engine, id: InstanceId, slot: Arc<InstanceSlot>) {
    use crate::engine::NumberCheckStep as Step;
    loop {
        let wait = match engine.number_check_step(&id).await {
            Ok(Step::Checked { .. }) => Duration::ZERO,
            Ok(Step::Wait { until }) => {
                Duration::from_millis(u64::try_from(until - engine.now()).unwrap_or(0).max(50))
            }
            Ok(Step::Idle | Step::NotConnected) => OUTBOX_IDLE,
            Err(crate::EngineError::InstanceNotFound(_)) => return,
            Err(error) => {
                tracing::warn!(%error, instance = %id, "number check step failed");
                OUTBOX_IDLE
            }
        };
        if !wait.is_zero() {
            let _ = tokio::time::timeout(wait, slot.check_wake.notified()).await;
        }
    }
}

/// Polls one instance's state when due (often while a QR waits, rarely while webhooks flow) and
/// takes its reconnect decisions. Ends when the instance is gone.
async fn status_loop(engine: Engine, id: InstanceId) {
    let mut last_poll: Option<Millis> = None;
    let mut last_path = None;
    loop {
        tokio::time::sleep(TICK).await;
        // A stream, once open, pushes what the reads below would otherwise fetch.
        if let Err(error) = engine.stream_step(&id).await {
            tracing::debug!(%error, instance = %id, "stream step failed");
        }
        let instance = match engine.get_instance(&id).await {
            Ok(instance) => instance,
            Err(crate::EngineError::InstanceNotFound(_)) => return,
            Err(error) => {
                tracing::warn!(%error, instance = %id, "status loop could not read its instance");
                continue;
            }
        };
        // The window shows the path: a stream that dropped or webhooks that went quiet change it
        // without any other event.
        if last_path
            .replace(instance.event_path)
            .is_some_and(|last| last != instance.event_path)
        {
            engine.emit(EngineEvent::InstancesChanged);
        }
        let now = engine.now();
        let flowing = instance.event_path.is_pushed();
        let due = last_poll.is_none_or(|at| now - at >= poll_interval(instance.status, flowing));
        if due {
            last_poll = Some(now);
            if let Err(error) = engine.poll_instance(&id).await {
                tracing::debug!(%error, instance = %id, "poll failed");
            }
            // Nothing pushes messages and receipts: read them from the provider's own log.
            if !flowing {
                if let Err(error) = engine.poll_events(&id).await {
                    tracing::debug!(%error, instance = %id, "catching up with the provider's log failed");
                }
            }
        }
        if let Err(error) = engine.probe_step(&id).await {
            tracing::debug!(%error, instance = %id, "probe step failed");
        }
        if let Err(error) = engine.reconnect_step(&id).await {
            tracing::debug!(%error, instance = %id, "reconnect step failed");
        }
    }
}

pub(super) fn spawn(engine: Engine) {
    {
        let mut workers = lock(&engine.inner.workers);
        if workers.is_some() {
            return;
        }
        *workers = Some(HashMap::new());
    }
    let starter = engine.clone();
    tokio::spawn(async move {
        match starter.list_instances().await {
            Ok(instances) => instances.iter().for_each(|i| starter.start_worker(&i.id)),
            Err(error) => tracing::error!(%error, "instances could not be listed; their loops did not start"),
        }
        // After the loops start, so that a slow server delays no number's sending; the order of
        // observations keeps a late answer from undoing a newer one.
        if let Err(error) = starter.resync().await {
            tracing::warn!(%error, "start-up re-sync failed");
        }
    });

    let janitor = engine.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = janitor.apply_retention().await {
                tracing::warn!(%error, "retention failed");
            }
            tokio::time::sleep(RETENTION_EVERY).await;
        }
    });

    // Changes are read from their tables, so a wake-up missed (or a change made while no event
    // was emitted, as after a crash) is caught by the next pass at the latest.
    let recorder = engine.clone();
    tokio::spawn(async move {
        loop {
            match recorder.record_webhook_changes().await {
                Ok(pass) if pass.changes > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "webhook deliveries not recorded; trying again"),
            }
            let _ = tokio::time::timeout(OUTBOX_IDLE, recorder.inner.changes_wake.notified()).await;
        }
    });

    // QR offers live only in memory: a lagging listener misses codes that a newer one replaced.
    let offers = engine.clone();
    tokio::spawn(async move {
        let mut events = offers.subscribe();
        loop {
            match events.recv().await {
                Ok(EngineEvent::QrUpdated { instance_id }) => {
                    if let Err(error) = offers.record_qr_offer(&instance_id).await {
                        tracing::warn!(%error, "QR webhook deliveries not recorded");
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });

    tokio::spawn(async move {
        loop {
            if let Err(error) = engine.deliver_due_webhooks().await {
                tracing::warn!(%error, "webhook delivery pass failed");
            }
            let wait = match engine.next_delivery_due().await {
                Some(due) => Duration::from_millis(u64::try_from(due - engine.now()).unwrap_or(0).max(50)),
                None => OUTBOX_IDLE,
            };
            let _ = tokio::time::timeout(wait.min(OUTBOX_IDLE), engine.inner.webhook_wake.notified()).await;
        }
    });
}
