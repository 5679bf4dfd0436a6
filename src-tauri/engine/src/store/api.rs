//! Tables of the local API: keys and their instance scopes, outgoing webhook subscriptions and
//! their deliveries; and a message's status history, read from the message itself.

use super::{Message, Millis, Store, StoreError};
use crate::domain::{Direction, InstanceId, MessageStatus};
use serde::Serialize;

/// A key for a local app. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The start of the key (`sbk_<prefix>…`), to recognise it.
    pub prefix: String,
    /// The instances this key may use.
    #[schema(value_type = Vec<String>)]
    pub instance_ids: Vec<InstanceId>,
    /// At most this many messages per local day.
    pub daily_limit: Option<u32>,
    /// Whether the key may also add, link, restart, log out and delete numbers.
    pub manages_numbers: bool,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

/// One status a message went through, and when.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    pub status: MessageStatus,
    pub error: Option<String>,
    pub at: Millis,
}

/// The statuses a message went through, oldest first, from the times it carries.
fn history_of(message: &Message) -> Vec<MessageEvent> {
    let event = |status, at| MessageEvent {
        status,
        error: None,
        at,
    };
    if message.direction == Direction::Inbound {
        return vec![event(MessageStatus::Received, message.created_at)];
    }
    let mut events = Vec::with_capacity(4);
    // A message sent from the phone (reported, never tried here) starts out sent.
    let reported = message.attempts == 0 && message.sent_at.is_some();
    if !reported {
        events.push(event(MessageStatus::Queued, message.created_at));
    }
    for (status, at) in [
        (MessageStatus::Sent, message.sent_at),
        (MessageStatus::Delivered, message.delivered_at),
        (MessageStatus::Read, message.read_at),
    ] {
        if let Some(at) = at {
            events.push(event(status, at));
        }
    }
    if matches!(
        message.status,
        MessageStatus::Sending | MessageStatus::Failed | MessageStatus::Cancelled
    ) {
        events.push(MessageEvent {
            status: message.status,
            error: (message.status == MessageStatus::Failed)
                .then(|| message.error_message.clone())
                .flatten(),
            at: message.updated_at,
        });
    }
    // Receipts can carry times out of order (a phone's clock); the list reads oldest first.
    events.sort_by_key(|e| e.at);
    events
}

/// A URL that gets events.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: Millis,
    /// The key that created it, if a local app did.
    pub key_id: Option<String>,
}

/// One event posted (or to be posted) to one subscription.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: String,
    pub subscription_id: String,
    pub event: String,
    /// The JSON body, exactly as signed and sent.
    pub body: String,
    /// `pending`, `delivered` or `failed` (gave up after the last attempt).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub delivered_at: Option<Millis>,
}

struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    hash: String,
    daily_limit: Option<i64>,
    manages_numbers: bool,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

fn corrupt(e: crate::domain::InputError) -> StoreError {
    StoreError::Corrupt(e.0)
}

impl Store {
    pub async fn insert_api_key(&self, key: &ApiKey, hash: &str) -> Result<(), StoreError> {
        let daily_limit = key.daily_limit.map(i64::from);
        let mut tx = self.write_transaction().await?;
        sqlx::query!(
            "INSERT INTO api_keys (id, name, prefix, hash, daily_limit, manages_numbers, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            key.id,
            key.name,
            key.prefix,
            hash,
            daily_limit,
            key.manages_numbers,
            key.created_at,
        )
        .execute(&mut *tx)
        .await?;
        for instance in &key.instance_ids {
            let instance = instance.as_str();
            sqlx::query!(
                "INSERT INTO api_key_instances (key_id, instance_id) VALUES (?, ?)",
                key.id,
                instance
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn key_from_row(&self, row: KeyRow) -> Result<(ApiKey, String), StoreError> {
        let instances = sqlx::query_scalar!(
            "SELECT instance_id FROM api_key_instances WHERE key_id = ? ORDER BY instance_id",
            row.id
        )
        .fetch_all(&self.pool)
        .await?;
        let instance_ids = instances
            .iter()
            .map(|i| InstanceId::parse(i).map_err(corrupt))
            .collect::<Result<_, _>>()?;
        let key = ApiKey {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            instance_ids,
            daily_limit: row.daily_limit.and_then(|l| u32::try_from(l).ok()),
            manages_numbers: row.manages_numbers,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        };
        Ok((key, row.hash))
    }

    /// The key with this prefix and its stored hash.
    pub async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<(ApiKey, String)>, StoreError> {
        let row = sqlx::query_as!(
            KeyRow,
            "SELECT id, name, prefix, hash, daily_limit, manages_numbers AS \"manages_numbers: bool\", created_at, last_used_at, revoked_at
             FROM api_keys WHERE prefix = ?",
            prefix
        )
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(self.key_from_row(row).await?)),
            None => Ok(None),
        }
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows = sqlx::query_as!(
            KeyRow,
            "SELECT id, name, prefix, hash, daily_limit, manages_numbers AS \"manages_numbers: bool\", created_at, last_used_at, revoked_at
             FROM api_keys ORDER BY created_at"
        )
        .fetch_all(&self.pool)
        .await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            keys.push(self.key_from_row(row).await?.0);
        }
        Ok(keys)
    }

    /// Lets a key use one more instance (one it added).
    pub async fn add_key_instance(&self, key_id: &str, instance: &InstanceId) -> Result<(), StoreError> {
        let instance = instance.as_str();
        sqlx::query!(
            "INSERT OR IGNORE INTO api_key_instances (key_id, instance_id) VALUES (?, ?)",
            key_id,
            instance
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn revoke_api_key(&self, id: &str, at: Millis) -> Result<bool, StoreError> {
        let result = sqlx::query!(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            at,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn touch_api_key(&self, id: &str, at: Millis) -> Result<(), StoreError> {
        sqlx::query!("UPDATE api_keys SET last_used_at = ? WHERE id = ?", at, id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Messages a source accepted since a time (for a key's daily limit).
    pub async fn accepted_since(&self, source: &str, since: Millis) -> Result<i64, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!: i64" FROM messages WHERE source = ? AND created_at >= ?"#,
            source,
            since
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// A message's status history, read from the message itself (migration 0018): when it was
    /// written, sent, delivered and read, and how it ended if it failed or was withdrawn. Retries
    /// are counted (`attempts`), not listed. Empty for an unknown message.
    pub async fn message_events(&self, message_id: &str) -> Result<Vec<MessageEvent>, StoreError> {
        Ok(self
            .message(message_id)
            .await?
            .map(|m| history_of(&m))
            .unwrap_or_default())
    }

    pub async fn insert_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        let events =
            serde_json::to_string(&subscription.events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query!(
            "INSERT INTO webhook_subscriptions (id, url, events, created_at, key_id) VALUES (?, ?, ?, ?, ?)",
            subscription.id,
            subscription.url,
            events,
            subscription.created_at,
            subscription.key_id,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows = sqlx::query!(
            "SELECT id, url, events, created_at, key_id FROM webhook_subscriptions ORDER BY created_at"
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(Subscription {
                    id: row.id,
                    url: row.url,
                    events: serde_json::from_str(&row.events)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at: row.created_at,
                    key_id: row.key_id,
                })
            })
            .collect()
    }

    pub async fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query!("DELETE FROM webhook_subscriptions WHERE id = ?", id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn insert_delivery(&self, delivery: &Delivery) -> Result<(), StoreError> {
        write_delivery(&mut *self.pool.acquire().await?, delivery).await
    }

    /// Pending deliveries due now, oldest first.
    pub async fn due_deliveries(&self, now: Millis, limit: i64) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query_as!(
            Delivery,
            "SELECT id, subscription_id, event, body, state, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at
             FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?",
            now,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub async fn deliveries(
        &self,
        subscription_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query_as!(
            Delivery,
            "SELECT id, subscription_id, event, body, state, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at
             FROM webhook_deliveries WHERE (?1 IS NULL OR subscription_id = ?1) ORDER BY created_at DESC, rowid DESC LIMIT ?2",
            subscription_id,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub async fn delivery(&self, id: &str) -> Result<Option<Delivery>, StoreError> {
        let row = sqlx::query_as!(
            Delivery,
            "SELECT id, subscription_id, event, body, state, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at
             FROM webhook_deliveries WHERE id = ?",
            id
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// Records one attempt: delivered, or pending again at `retry_at`, or failed when `retry_at` is None.
    pub async fn record_attempt(
        &self,
        id: &str,
        status: Option<i64>,
        error: Option<&str>,
        delivered: bool,
        retry_at: Option<Millis>,
        now: Millis,
    ) -> Result<(), StoreError> {
        let state = match (delivered, retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let next = retry_at.unwrap_or(now);
        let delivered_at = delivered.then_some(now);
        sqlx::query!(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, state = ?2, last_status = ?3, last_error = ?4,
                    next_attempt_at = ?5, delivered_at = COALESCE(?6, delivered_at)
             WHERE id = ?1",
            id,
            state,
            status,
            error,
            next,
            delivered_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Queues a delivery again, now (a person's replay).
    pub async fn replay_delivery(&self, id: &str, now: Millis) -> Result<bool, StoreError> {
        let result = sqlx::query!(
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ? WHERE id = ?",
            now,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }
}

/// Adds a pending delivery, on a connection that may be inside a caller's transaction.
pub(super) async fn write_delivery(
    connection: &mut sqlx::SqliteConnection,
    delivery: &Delivery,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO webhook_deliveries (id, subscription_id, event, body, state, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
        delivery.id,
        delivery.subscription_id,
        delivery.event,
        delivery.body,
        delivery.next_attempt_at,
        delivery.created_at,
    )
    .execute(connection)
    .await?;
    Ok(())
}

#[cfg(test)]
mod history_tests {
    use super::{history_of, Message, MessageEvent};
    use crate::domain::{Direction, InstanceId, MessageKind, MessageStatus};

    fn outbound(status: MessageStatus) -> Message {
        Message {
            id: "m".into(),
            seq: 1,
            instance_id: InstanceId::parse("00000000-0000-4000-8000-000000000001").expect("id"),
            direction: Direction::Outbound,
            chat_jid: "5511900000002@s.whatsapp.net".into(),
            contact: "+5511900000002".into(),
            sender_name: None,
            kind: MessageKind::Text,
            body: Some("Olá".into()),
            status,
            provider_message_id: None,
            error_code: None,
            error_message: None,
            attempts: 1,
            created_at: 1_000,
            updated_at: 1_000,
            sent_at: None,
            delivered_at: None,
            read_at: None,
            scheduled_at: None,
            next_attempt_at: None,
            source: "app".into(),
            campaign_id: None,
            media_path: None,
            quoted_id: None,
        }
    }

    fn statuses(events: &[MessageEvent]) -> Vec<(MessageStatus, i64)> {
        events.iter().map(|e| (e.status, e.at)).collect()
    }

    #[test]
    fn a_history_is_read_from_the_times_a_message_carries() {
        let failed = Message {
            sent_at: Some(2_000),
            updated_at: 3_000,
            error_message: Some("Not on WhatsApp.".into()),
            ..outbound(MessageStatus::Failed)
        };
        let history = history_of(&failed);
        assert_eq!(
            statuses(&history),
            vec![
                (MessageStatus::Queued, 1_000),
                (MessageStatus::Sent, 2_000),
                (MessageStatus::Failed, 3_000)
            ]
        );
        assert_eq!(history[2].error.as_deref(), Some("Not on WhatsApp."));

        let cancelled = Message {
            updated_at: 1_500,
            attempts: 0,
            ..outbound(MessageStatus::Cancelled)
        };
        assert_eq!(
            statuses(&history_of(&cancelled)),
            vec![(MessageStatus::Queued, 1_000), (MessageStatus::Cancelled, 1_500)]
        );

        // Typed on the phone and reported: never queued here.
        let reported = Message {
            attempts: 0,
            sent_at: Some(1_000),
            read_at: Some(4_000),
            delivered_at: Some(3_000),
            ..outbound(MessageStatus::Read)
        };
        assert_eq!(
            statuses(&history_of(&reported)),
            vec![
                (MessageStatus::Sent, 1_000),
                (MessageStatus::Delivered, 3_000),
                (MessageStatus::Read, 4_000)
            ]
        );

        let inbound = Message {
            direction: Direction::Inbound,
            sent_at: Some(1_000),
            ..outbound(MessageStatus::Received)
        };
        assert_eq!(
            statuses(&history_of(&inbound)),
            vec![(MessageStatus::Received, 1_000)]
        );
    }
}
