//! Outgoing webhooks: local apps subscribe URLs to event kinds; every event becomes one durable
//! delivery row per matching subscription, posted with an HMAC-SHA256 signature and retried with
//! back-off. Delivery runs on its own task, so a slow or dead receiver never holds up sending.
//!
//! Message and instance events are read from the tables that record those changes (see
//! `store::changes`), never from the live event stream, which drops events when a listener lags.
//!
//! Each POST carries:
//! - `Switchboard-Event`: the event kind; `Switchboard-Delivery`: the delivery id;
//! - `Switchboard-Signature: t=<unix seconds>,v1=<hex>` where `v1` is HMAC-SHA256, keyed with the
//!   subscription's secret, over `<t>.<raw body>`. Receivers recompute it and compare.

use super::Engine;
use crate::domain::InputError;
use crate::domain::{InstanceId, MessageStatus};
use crate::error::EngineError;
use crate::secrets::SecretKey;
use crate::store::{ApiKey, Change, Delivery, Millis, Subscription};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The event kinds a subscription can ask for.
pub const EVENT_KINDS: [&str; 4] = [
    "message.status",
    "message.received",
    "instance.status",
    "qr.updated",
];

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewSubscription {
    /// Where to POST events (http or https).
    pub url: String,
    /// Any of `message.status`, `message.received`, `instance.status`, `qr.updated`.
    pub events: Vec<String>,
}

/// A new subscription and its signing secret, shown this once.
#[derive(Debug, Clone, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSubscription {
    pub subscription: Subscription,
    pub secret: String,
}

/// Waits before the 2nd, 3rd, … attempt; after the last, the delivery is given up.
const RETRY_DELAYS: [Millis; 5] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
const BATCH: i64 = 32;
/// Changes of each kind turned into deliveries per transaction.
const CHANGES_PER_PASS: i64 = 500;

/// What one pass of the change recorder did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordedChanges {
    /// Changes read (and now past the cursor), whether or not anyone wanted them.
    pub changes: usize,
    pub deliveries: usize,
}

/// The subscriptions and the keys that own them, read once per pass.
struct Audience {
    subscriptions: Vec<Subscription>,
    keys: Vec<ApiKey>,
}

impl Audience {
    /// The subscriptions that want `kind` events of this instance. A key's subscription hears
    /// only about the instances that key may use, and nothing once the key is revoked.
    fn listeners<'a>(
        &'a self,
        kind: &'a str,
        instance_id: &'a InstanceId,
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.subscriptions.iter().filter(move |subscription| {
            subscription.events.iter().any(|e| e == kind)
                && match &subscription.key_id {
                    Some(key_id) => self.keys.iter().any(|k| {
                        &k.id == key_id && k.revoked_at.is_none() && super::keys::key_allows(k, instance_id)
                    }),
                    None => true,
                }
        })
    }

    fn deliveries(
        &self,
        kind: &str,
        instance_id: &InstanceId,
        data: &serde_json::Value,
        at: Millis,
        now: Millis,
    ) -> Vec<Delivery> {
        self.listeners(kind, instance_id)
            .map(|subscription| {
                let id = uuid::Uuid::new_v4().to_string();
                let body = serde_json::json!({ "id": id, "event": kind, "at": at, "data": data }).to_string();
                Delivery {
                    id,
                    subscription_id: subscription.id.clone(),
                    event: kind.to_owned(),
                    body,
                    state: "pending".into(),
                    attempts: 0,
                    next_attempt_at: now,
                    last_status: None,
                    last_error: None,
                    created_at: now,
                    delivered_at: None,
                }
            })
            .collect()
    }
}

/// These types always serialise (string keys, no custom serialisers that fail).
fn as_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

impl Engine {
    pub async fn subscribe_webhook(
        &self,
        new: NewSubscription,
        key_id: Option<&str>,
    ) -> Result<CreatedSubscription, EngineError> {
        let url = url::Url::parse(new.url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                InputError::new(format!(
                    "\"{}\" is not an http:// or https:// address.",
                    new.url.trim()
                ))
            })?;
        let mut events = new.events.clone();
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(InputError::new("Choose at least one event.").into());
        }
        if let Some(unknown) = events.iter().find(|e| !EVENT_KINDS.contains(&e.as_str())) {
            return Err(InputError::new(format!(
                "\"{unknown}\" is not an event; use {}.",
                EVENT_KINDS.join(", ")
            ))
            .into());
        }
        let subscription = Subscription {
            id: uuid::Uuid::new_v4().to_string(),
            url: url.to_string(),
            events,
            created_at: self.now(),
            key_id: key_id.map(str::to_owned),
        };
        let secret = crate::secrets::generate_secret();
        self.inner
            .secrets
            .set_key(SecretKey::subscription(&subscription.id), &secret)
            .await?;
        self.inner.store.insert_subscription(&subscription).await?;
        Ok(CreatedSubscription { subscription, secret })
    }

    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, EngineError> {
        Ok(self.inner.store.subscriptions().await?)
    }

    pub async fn delete_subscription(&self, id: &str) -> Result<(), EngineError> {
        if !self.inner.store.delete_subscription(id).await? {
            return Err(InputError::new("That subscription does not exist.").into());
        }
        self.inner
            .secrets
            .delete_keys(vec![SecretKey::subscription(id)])
            .await?;
        Ok(())
    }

    pub async fn list_deliveries(&self, subscription_id: Option<&str>) -> Result<Vec<Delivery>, EngineError> {
        Ok(self.inner.store.deliveries(subscription_id, 200).await?)
    }

    /// Sends a delivery again, whatever happened to it before.
    pub async fn replay_delivery(&self, id: &str) -> Result<Delivery, EngineError> {
        let missing = || EngineError::DeliveryNotFound(id.to_owned());
        if !self.inner.store.replay_delivery(id, self.now()).await? {
            return Err(missing());
        }
        self.inner.webhook_wake.notify_one();
        self.inner.store.delivery(id).await?.ok_or_else(missing)
    }

    /// `replay_delivery` for a local app: only deliveries of its own key's subscriptions, and
    /// another key's look exactly like ones that do not exist.
    pub async fn replay_delivery_as(&self, id: &str, key: &ApiKey) -> Result<Delivery, EngineError> {
        let delivery = self
            .inner
            .store
            .delivery(id)
            .await?
            .ok_or_else(|| EngineError::DeliveryNotFound(id.to_owned()))?;
        let owned = self
            .list_subscriptions()
            .await?
            .iter()
            .any(|s| s.id == delivery.subscription_id && s.key_id.as_deref() == Some(key.id.as_str()));
        if !owned {
            return Err(EngineError::DeliveryNotFound(id.to_owned()));
        }
        self.replay_delivery(id).await
    }

    /// Turns the next batch of recorded changes (message statuses, received messages, instance
    /// statuses) into deliveries for the subscriptions that want them. The background recorder
    /// loops over this; tests call it until it reports no changes.
    pub async fn record_webhook_changes(&self) -> Result<RecordedChanges, EngineError> {
        let batch = self.inner.store.unreported_changes(CHANGES_PER_PASS).await?;
        if batch.changes.is_empty() {
            return Ok(RecordedChanges::default());
        }
        let audience = self.audience().await?;
        let now = self.now();
        let mut deliveries = Vec::new();
        for change in &batch.changes {
            let (kind, instance_id, at) = match change {
                Change::Message {
                    instance_id,
                    inbound: true,
                    status: MessageStatus::Received,
                    at,
                    ..
                } => ("message.received", instance_id, *at),
                // An inbound message moves on only when read here: not an event of the API.
                Change::Message { inbound: true, .. } => continue,
                Change::Message { instance_id, at, .. } => ("message.status", instance_id, *at),
                Change::Instance { instance_id, at, .. } => ("instance.status", instance_id, *at),
            };
            if audience.listeners(kind, instance_id).next().is_none() {
                continue;
            }
            if let Some(data) = self.change_data(change).await? {
                deliveries.extend(audience.deliveries(kind, instance_id, &data, at, now));
            }
        }
        if !self.inner.store.report_changes(&batch, &deliveries).await? {
            // Another pass got there first and wrote these deliveries.
            return Ok(RecordedChanges::default());
        }
        if !deliveries.is_empty() {
            self.inner.webhook_wake.notify_one();
        }
        Ok(RecordedChanges {
            changes: batch.changes.len(),
            deliveries: deliveries.len(),
        })
    }

    /// What a change's delivery carries: the message or instance as it is now, with the status
    /// the change reported (a burst may have moved it on since).
    async fn change_data(&self, change: &Change) -> Result<Option<serde_json::Value>, EngineError> {
        Ok(match change {
            Change::Message {
                message_id, status, ..
            } => self.inner.store.message(message_id).await?.map(|message| {
                let mut data = as_json(&message);
                data["status"] = as_json(status);
                data
            }),
            Change::Instance {
                instance_id,
                status,
                reason,
                ..
            } => self.inner.store.instance(instance_id).await?.map(|instance| {
                let mut data = as_json(&instance);
                data["status"] = as_json(status);
                data["statusReason"] = as_json(reason);
                data
            }),
        })
    }

    /// Records a new QR or pairing code offer for the subscriptions that want it. Offers are not
    /// kept in a table (each replaces the last), so these come from the live event stream.
    pub async fn record_qr_offer(&self, instance_id: &InstanceId) -> Result<usize, EngineError> {
        let audience = self.audience().await?;
        if audience.listeners("qr.updated", instance_id).next().is_none() {
            return Ok(0);
        }
        let link = self.link_view(instance_id).await?;
        let data = serde_json::json!({
            "instanceId": instance_id,
            "status": link.status,
            "pairingCode": link.pairing_code,
            "expiresAt": link.expires_at,
            "hasQr": link.qr_svg.is_some(),
        });
        let now = self.now();
        let deliveries = audience.deliveries("qr.updated", instance_id, &data, now, now);
        for delivery in &deliveries {
            self.inner.store.insert_delivery(delivery).await?;
        }
        if !deliveries.is_empty() {
            self.inner.webhook_wake.notify_one();
        }
        Ok(deliveries.len())
    }

    async fn audience(&self) -> Result<Audience, EngineError> {
        Ok(Audience {
            subscriptions: self.inner.store.subscriptions().await?,
            keys: self.inner.store.api_keys().await?,
        })
    }

    /// Posts every due delivery once, concurrently. Returns how many were attempted. The
    /// background dispatcher loops over this; tests call it directly.
    pub async fn deliver_due_webhooks(&self) -> Result<usize, EngineError> {
        let due = self.inner.store.due_deliveries(self.now(), BATCH).await?;
        let subscriptions = self.inner.store.subscriptions().await?;
        let attempts = due.iter().map(|delivery| {
            let url = subscriptions
                .iter()
                .find(|s| s.id == delivery.subscription_id)
                .map(|s| s.url.clone());
            self.attempt_delivery(delivery, url)
        });
        let results = futures_util::future::join_all(attempts).await;
        for result in &results {
            if let Err(error) = result {
                tracing::warn!(%error, "delivery not recorded");
            }
        }
        Ok(due.len())
    }

    async fn attempt_delivery(&self, delivery: &Delivery, url: Option<String>) -> Result<(), EngineError> {
        let Some(url) = url else { return Ok(()) };
        let secret = self
            .inner
            .secrets
            .get_key(SecretKey::subscription(&delivery.subscription_id))
            .await?
            .unwrap_or_default();
        let timestamp = self.now() / 1000;
        let response = self
            .inner
            .http
            .post(&url)
            .timeout(DELIVERY_TIMEOUT)
            .header("content-type", "application/json")
            .header("Switchboard-Event", &delivery.event)
            .header("Switchboard-Delivery", &delivery.id)
            .header(
                "Switchboard-Signature",
                signature(&secret, timestamp, &delivery.body),
            )
            .body(delivery.body.clone())
            .send()
            .await;
        let (status, error) = match response {
            Ok(response) if response.status().is_success() => {
                (Some(i64::from(response.status().as_u16())), None)
            }
            Ok(response) => (
                Some(i64::from(response.status().as_u16())),
                Some(format!(
                    "The receiver answered HTTP {}.",
                    response.status().as_u16()
                )),
            ),
            Err(error) if error.is_timeout() => (
                None,
                Some("The receiver did not answer within 10 seconds.".to_owned()),
            ),
            Err(_) => (None, Some("The receiver could not be reached.".to_owned())),
        };
        let now = self.now();
        let delivered = error.is_none();
        let attempt = usize::try_from(delivery.attempts).unwrap_or(0);
        let retry_at = (!delivered)
            .then(|| RETRY_DELAYS.get(attempt).map(|d| now + d))
            .flatten();
        self.inner
            .store
            .record_attempt(&delivery.id, status, error.as_deref(), delivered, retry_at, now)
            .await?;
        Ok(())
    }

    /// When the next pending delivery is due, if any.
    pub(super) async fn next_delivery_due(&self) -> Option<Millis> {
        self.inner
            .store
            .due_deliveries(Millis::MAX, 1)
            .await
            .ok()?
            .first()
            .map(|d| d.next_attempt_at)
    }
}
