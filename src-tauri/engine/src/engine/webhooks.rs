//! Outgoing webhooks: local apps subscribe URLs to event kinds; every event becomes one durable
//! delivery row per matching subscription, posted with an HMAC-SHA256 signature and retried with
//! back-off. Delivery runs on its own task, so a slow or dead receiver never holds up sending.
//!
//! Each POST carries:
//! - `Switchboard-Event`: the event kind; `Switchboard-Delivery`: the delivery id;
//! - `Switchboard-Signature: t=<unix seconds>,v1=<hex>` where `v1` is HMAC-SHA256, keyed with the
//!   subscription's secret, over `<t>.<raw body>`. Receivers recompute it and compare.

use super::Engine;
use crate::domain::InputError;
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::secrets::SecretKey;
use crate::store::{ApiKey, Delivery, Millis, Subscription};
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

    /// Turns one engine event into deliveries for the subscriptions that want it. Returns how many.
    pub async fn record_webhook_event(&self, event: &EngineEvent) -> Result<usize, EngineError> {
        let (kind, instance_id, data) = match event {
            EngineEvent::MessageStatusChanged {
                instance_id,
                message_id,
                ..
            } => (
                "message.status",
                instance_id,
                serde_json::to_value(self.get_message(message_id).await?),
            ),
            EngineEvent::MessageReceived {
                instance_id,
                message_id,
                ..
            } => (
                "message.received",
                instance_id,
                serde_json::to_value(self.get_message(message_id).await?),
            ),
            EngineEvent::InstanceStatusChanged { instance_id, .. } => (
                "instance.status",
                instance_id,
                serde_json::to_value(self.instance(instance_id).await?),
            ),
            EngineEvent::QrUpdated { instance_id } => {
                let link = self.link_view(instance_id).await?;
                let data = serde_json::json!({
                    "instanceId": instance_id,
                    "status": link.status,
                    "pairingCode": link.pairing_code,
                    "expiresAt": link.expires_at,
                    "hasQr": link.qr_svg.is_some(),
                });
                ("qr.updated", instance_id, Ok(data))
            }
            EngineEvent::InstancesChanged | EngineEvent::CampaignChanged { .. } => return Ok(0),
        };
        let data = data.map_err(|e| InputError::new(e.to_string()))?;
        let keys = self.inner.store.api_keys().await?;
        let now = self.now();
        let mut recorded = 0;
        for subscription in self.inner.store.subscriptions().await? {
            if !subscription.events.iter().any(|e| e == kind) {
                continue;
            }
            // A key's subscription hears only about the instances that key may use.
            let in_scope = match &subscription.key_id {
                Some(key_id) => keys.iter().any(|k| {
                    &k.id == key_id && k.revoked_at.is_none() && super::keys::key_allows(k, instance_id)
                }),
                None => true,
            };
            if !in_scope {
                continue;
            }
            let id = uuid::Uuid::new_v4().to_string();
            let body = serde_json::json!({ "id": id, "event": kind, "at": now, "data": data }).to_string();
            let delivery = Delivery {
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
            };
            self.inner.store.insert_delivery(&delivery).await?;
            recorded += 1;
        }
        if recorded > 0 {
            self.inner.webhook_wake.notify_one();
        }
        Ok(recorded)
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
