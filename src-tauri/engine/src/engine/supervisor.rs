//! Background work, each loop only calling the engine's single steps (which tests call directly):
//! re-sync at start, status polling where webhooks do not flow, reconnecting disconnected numbers
//! (with back-off, giving up after five tries and saying so), the outbox worker, outgoing webhook
//! deliveries, and retention.

use super::{lock, Engine};
use crate::domain::{ConnectionSignal, InstanceId, InstanceStatus};
use crate::engine::OutboxStep;
use crate::provider::ConnectionReport;
use crate::store::Millis;
use std::collections::HashMap;
use std::time::Duration;

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

/// Webhooks count as flowing if one arrived this recently.
const WEBHOOK_FRESH_MILLIS: Millis = 120_000;
const TICK: Duration = Duration::from_secs(1);
/// Reconnect tries before giving up and telling the person.
pub const MAX_RECONNECTS: u32 = 5;
const FIRST_RECONNECT_MILLIS: Millis = 15_000;
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// The outbox worker looks again at least this often (new schedules, retries coming due).
const OUTBOX_IDLE: Duration = Duration::from_secs(5);

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

    /// Forgets past reconnect failures (a person pressed Restart).
    pub(super) fn reset_reconnects(&self, id: &InstanceId) {
        lock(&self.inner.reconnects).0.remove(id);
    }
}

pub(super) fn spawn(engine: Engine) {
    let poller = engine.clone();
    tokio::spawn(async move {
        if let Err(error) = poller.resync().await {
            tracing::warn!(%error, "start-up re-sync failed");
        }
        let mut last_poll: HashMap<InstanceId, Millis> = HashMap::new();
        loop {
            tokio::time::sleep(TICK).await;
            let instances = match poller.list_instances().await {
                Ok(instances) => instances,
                Err(error) => {
                    tracing::warn!(%error, "supervisor could not list instances");
                    continue;
                }
            };
            let now = poller.now();
            for instance in instances {
                let flowing = lock(&poller.inner.last_webhook)
                    .get(&instance.id)
                    .is_some_and(|at| now - at < WEBHOOK_FRESH_MILLIS);
                let due = last_poll
                    .get(&instance.id)
                    .is_none_or(|at| now - at >= poll_interval(instance.status, flowing));
                if due {
                    last_poll.insert(instance.id.clone(), now);
                    if let Err(error) = poller.poll_instance(&instance.id).await {
                        tracing::debug!(%error, instance = %instance.id, "poll failed");
                    }
                }
                if let Err(error) = poller.reconnect_step(&instance.id).await {
                    tracing::debug!(%error, instance = %instance.id, "reconnect step failed");
                }
            }
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

    let recorder = engine.clone();
    tokio::spawn(async move {
        let mut events = recorder.subscribe();
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Err(error) = recorder.record_webhook_event(&event).await {
                        tracing::warn!(%error, "webhook deliveries not recorded");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "webhook recorder fell behind; some events were not delivered"
                    );
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });

    let deliverer = engine.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = deliverer.deliver_due_webhooks().await {
                tracing::warn!(%error, "webhook delivery pass failed");
            }
            let wait = match deliverer.next_delivery_due().await {
                Some(due) => Duration::from_millis(u64::try_from(due - deliverer.now()).unwrap_or(0).max(50)),
                None => OUTBOX_IDLE,
            };
            let _ =
                tokio::time::timeout(wait.min(OUTBOX_IDLE), deliverer.inner.webhook_wake.notified()).await;
        }
    });

    tokio::spawn(async move {
        loop {
            let wait = drain_outboxes(&engine).await;
            // Woken on new messages and reconnects, or when the earliest wait is over.
            let _ = tokio::time::timeout(wait, engine.inner.outbox_wake.notified()).await;
        }
    });
}

/// Runs outbox steps for every connected instance until each is idle, paused or waiting; returns
/// how long until the earliest wait is over.
async fn drain_outboxes(engine: &Engine) -> Duration {
    let mut wait = OUTBOX_IDLE;
    let Ok(instances) = engine.list_instances().await else {
        return wait;
    };
    for instance in instances.iter().filter(|i| i.status == InstanceStatus::Connected) {
        loop {
            match engine.outbox_step(&instance.id).await {
                Ok(OutboxStep::Processed(_)) => continue,
                Ok(OutboxStep::Wait { until }) => {
                    let millis = u64::try_from(until - engine.now()).unwrap_or(0);
                    wait = wait.min(Duration::from_millis(millis.max(50)));
                    break;
                }
                Ok(OutboxStep::Idle | OutboxStep::Paused(_)) => break,
                Err(error) => {
                    tracing::warn!(%error, instance = %instance.id, "outbox step failed");
                    break;
                }
            }
        }
    }
    wait
}
