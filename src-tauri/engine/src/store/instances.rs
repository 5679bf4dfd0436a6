//! Instances and their status history.

use super::{Millis, Store, StoreError};
use crate::domain::{EventPath, InstanceId, InstanceStatus, ProviderKind};
use serde::Serialize;

/// An instance as stored and as shown.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub id: InstanceId,
    pub display_name: String,
    pub provider: ProviderKind,
    /// The account's name at its provider (an Evolution instance name, a Cloud API phone number id).
    pub remote_name: String,
    /// Where the provider lives, when it is a server.
    pub server_url: Option<String>,
    /// What else its kind of provider needs to reach the account; only that provider reads it.
    #[serde(skip)]
    pub provider_config: serde_json::Value,
    pub status: InstanceStatus,
    /// Why the status is what it is, in words (e.g. the provider's reason for a disconnect).
    pub status_reason: Option<String>,
    pub profile_name: Option<String>,
    /// The linked number in E.164, once connected.
    pub phone: Option<String>,
    /// True when the server is set to post events to the embedded listener.
    pub uses_webhook: bool,
    /// How its events reach Switchboard right now (the engine fills in what is live).
    pub event_path: EventPath,
    /// Whether opening a conversation here marks the customer's messages read on WhatsApp.
    pub send_read_receipts: bool,
    /// Whether its provider can send read receipts at all (the engine fills it in).
    pub read_receipts_supported: bool,
    /// Whether it is a linked device, linked by QR or pairing code and able to log out (the
    /// engine fills it in).
    pub linked_device: bool,
    /// Whether it sends message templates, and free-form messages only within a customer's reply
    /// window (the engine fills it in).
    pub uses_templates: bool,
    /// Its sending guard's pause, while WhatsApp's push-back holds its outbox (the engine fills it in).
    pub sending_pause: Option<super::SendingPause>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// One entry of an instance's status history.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub status: InstanceStatus,
    pub reason: Option<String>,
    pub at: Millis,
}

struct InstanceRow {
    id: String,
    display_name: String,
    provider: String,
    remote_name: String,
    server_url: Option<String>,
    provider_config: String,
    status: String,
    status_reason: Option<String>,
    profile_name: Option<String>,
    phone: Option<String>,
    event_transport: String,
    send_read_receipts: bool,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<InstanceRow> for Instance {
    type Error = StoreError;
    fn try_from(row: InstanceRow) -> Result<Self, StoreError> {
        let corrupt = |e: crate::domain::InputError| StoreError::Corrupt(e.0);
        let provider = ProviderKind::parse(&row.provider).map_err(corrupt)?;
        let uses_webhook = row.event_transport == "webhook";
        Ok(Instance {
            id: InstanceId::parse(&row.id).map_err(corrupt)?,
            display_name: row.display_name,
            provider,
            remote_name: row.remote_name,
            server_url: row.server_url,
            provider_config: serde_json::from_str(&row.provider_config)
                .map_err(|e| StoreError::Corrupt(format!("provider_config: {e}")))?,
            status: InstanceStatus::parse(&row.status).map_err(corrupt)?,
            status_reason: row.status_reason,
            profile_name: row.profile_name,
            phone: row.phone,
            uses_webhook,
            event_path: EventPath::at_rest(false, true, uses_webhook),
            send_read_receipts: row.send_read_receipts,
            read_receipts_supported: false,
            linked_device: false,
            uses_templates: false,
            sending_pause: None,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl Store {
    /// Records that events were just pushed to this process for an instance, and by which path.
    pub async fn record_pushed(
        &self,
        id: &InstanceId,
        path: EventPath,
        at: Millis,
    ) -> Result<(), StoreError> {
        let id = id.as_str();
        let path = path.as_str();
        sqlx::query!(
            "UPDATE instances SET pushed_at = ?, pushed_by = ? WHERE id = ?",
            at,
            path,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When events were last pushed for an instance (to whichever process serves it), and how.
    pub async fn last_pushed(&self, id: &InstanceId) -> Result<Option<(Millis, EventPath)>, StoreError> {
        let id = id.as_str();
        let row = sqlx::query!("SELECT pushed_at, pushed_by FROM instances WHERE id = ?", id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|row| {
            let path = match row.pushed_by.as_deref()? {
                "webhook" => EventPath::Webhook,
                "stream" => EventPath::Stream,
                _ => return None,
            };
            Some((row.pushed_at?, path))
        }))
    }

    /// Records how an instance's events arrive (a webhook was added to one that polled).
    pub async fn set_uses_webhook(&self, id: &InstanceId, webhook: bool) -> Result<(), StoreError> {
        let id = id.as_str();
        let transport = if webhook { "webhook" } else { "polling" };
        sqlx::query!(
            "UPDATE instances SET event_transport = ? WHERE id = ?",
            transport,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn insert_instance(&self, instance: &Instance) -> Result<(), StoreError> {
        let id = instance.id.as_str();
        let provider = instance.provider.as_str();
        let status = instance.status.as_str();
        let transport = if instance.uses_webhook {
            "webhook"
        } else {
            "polling"
        };
        let config = instance.provider_config.to_string();
        let mut tx = self.write_transaction().await?;
        sqlx::query!(
            "INSERT INTO instances (id, display_name, provider, remote_name, server_url, provider_config,
                status, status_reason, profile_name, phone, event_transport, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            id,
            instance.display_name,
            provider,
            instance.remote_name,
            instance.server_url,
            config,
            status,
            instance.status_reason,
            instance.profile_name,
            instance.phone,
            transport,
            instance.created_at,
            instance.updated_at,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO instance_status_history (instance_id, status, reason, at) VALUES (?, ?, ?, ?)",
            id,
            status,
            instance.status_reason,
            instance.created_at,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn instance(&self, id: &InstanceId) -> Result<Option<Instance>, StoreError> {
        let id = id.as_str();
        let row = sqlx::query_as!(
            InstanceRow,
            r#"SELECT id, display_name, provider, remote_name, server_url, provider_config, status, status_reason,
                    profile_name, phone, event_transport, send_read_receipts AS "send_read_receipts: bool",
                    created_at, updated_at
             FROM instances WHERE id = ?"#,
            id
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(Instance::try_from).transpose()
    }

    pub async fn instances(&self) -> Result<Vec<Instance>, StoreError> {
        let rows = sqlx::query_as!(
            InstanceRow,
            r#"SELECT id, display_name, provider, remote_name, server_url, provider_config, status, status_reason,
                    profile_name, phone, event_transport, send_read_receipts AS "send_read_receipts: bool",
                    created_at, updated_at
             FROM instances ORDER BY created_at"#
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Instance::try_from).collect()
    }

    /// Records a new status. Returns false (and records nothing) when neither status nor reason changed.
    pub async fn set_instance_status(
        &self,
        id: &InstanceId,
        status: InstanceStatus,
        reason: Option<&str>,
        at: Millis,
    ) -> Result<bool, StoreError> {
        let id = id.as_str();
        let status = status.as_str();
        let mut tx = self.write_transaction().await?;
        let changed = sqlx::query!(
            "UPDATE instances SET status = ?2, status_reason = ?3, updated_at = ?4
             WHERE id = ?1 AND (status IS NOT ?2 OR status_reason IS NOT ?3)",
            id,
            status,
            reason,
            at,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            sqlx::query!(
                "INSERT INTO instance_status_history (instance_id, status, reason, at) VALUES (?, ?, ?, ?)",
                id,
                status,
                reason,
                at,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Records the linked account's name and number. Returns whether anything changed.
    pub async fn set_instance_profile(
        &self,
        id: &InstanceId,
        profile_name: Option<&str>,
        phone: Option<&str>,
        at: Millis,
    ) -> Result<bool, StoreError> {
        let id = id.as_str();
        let result = sqlx::query!(
            "UPDATE instances
             SET profile_name = COALESCE(?2, profile_name), phone = COALESCE(?3, phone), updated_at = ?4
             WHERE id = ?1 AND (profile_name IS NOT COALESCE(?2, profile_name) OR phone IS NOT COALESCE(?3, phone))",
            id,
            profile_name,
            phone,
            at,
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn delete_instance(&self, id: &InstanceId) -> Result<bool, StoreError> {
        let id = id.as_str();
        let result = sqlx::query!("DELETE FROM instances WHERE id = ?", id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    /// The newest `limit` status changes of an instance, newest first.
    pub async fn status_history(&self, id: &InstanceId, limit: i64) -> Result<Vec<StatusChange>, StoreError> {
        let id = id.as_str();
        let rows = sqlx::query!(
            "SELECT status, reason, at FROM instance_status_history
             WHERE instance_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            id,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(StatusChange {
                    status: InstanceStatus::parse(&row.status).map_err(|e| StoreError::Corrupt(e.0))?,
                    reason: row.reason,
                    at: row.at,
                })
            })
            .collect()
    }
}
