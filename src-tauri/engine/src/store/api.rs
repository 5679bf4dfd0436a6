//! Tables of the local API: keys and their instance scopes, message status history, outgoing
//! webhook subscriptions and their deliveries.

use super::{Millis, Store, StoreError};
use crate::domain::{InstanceId, MessageStatus};
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

/// One status a message went through.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    pub status: MessageStatus,
    pub error: Option<String>,
    pub at: Millis,
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

    pub async fn message_events(&self, message_id: &str) -> Result<Vec<MessageEvent>, StoreError> {
        let rows = sqlx::query!(
            "SELECT status, error, at FROM message_events WHERE message_id = ? ORDER BY id",
            message_id
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(MessageEvent {
                    status: MessageStatus::parse(&row.status).map_err(corrupt)?,
                    error: row.error,
                    at: row.at,
                })
            })
            .collect()
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
