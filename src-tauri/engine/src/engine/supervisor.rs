//! Background work: re-sync at start, status polling where webhooks do not flow, and the outbox
//! worker. Each loop only calls the engine's single steps, which tests call directly.

use super::{lock, Engine};
use crate::domain::InstanceStatus;
use crate::engine::OutboxStep;
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

pub(super) fn spawn(engine: Engine) {
    let poller = engine.clone();
    tokio::spawn(async move {
        if let Err(error) = poller.resync().await {
            tracing::warn!(%error, "start-up re-sync failed");
        }
        let mut last_poll: HashMap<crate::domain::InstanceId, Millis> = HashMap::new();
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
            }
        }
    });

    tokio::spawn(async move {
        loop {
            // Woken on new messages and on reconnects; the timeout catches anything missed.
            let _ = tokio::time::timeout(Duration::from_secs(5), engine.inner.outbox_wake.notified()).await;
            let Ok(instances) = engine.list_instances().await else {
                continue;
            };
            for instance in instances.iter().filter(|i| i.status == InstanceStatus::Connected) {
                loop {
                    match engine.outbox_step(&instance.id).await {
                        Ok(OutboxStep::Processed(_)) => continue,
                        Ok(OutboxStep::Idle | OutboxStep::Paused) => break,
                        Err(error) => {
                            tracing::warn!(%error, instance = %instance.id, "outbox step failed");
                            break;
                        }
                    }
                }
            }
        }
    });
}
