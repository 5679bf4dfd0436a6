//! The changes outgoing webhooks report, read from the tables that already record them durably
//! (`message_events`, `instance_status_history`) past one cursor per table. A batch's deliveries
//! are written in the same transaction that moves the cursors past it, so every change is turned
//! into deliveries exactly once, however large a burst and whatever happens to the process.
//! `message_events` is only this feed: the transaction that reports a batch also deletes it.

use super::{Delivery, Millis, Store, StoreError};
use crate::domain::{InstanceId, InstanceStatus, MessageStatus};

/// One change a subscription may hear about.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A message was logged (sent from here, typed on the phone, or received) or moved on.
    Message {
        instance_id: InstanceId,
        message_id: String,
        inbound: bool,
        status: MessageStatus,
        at: Millis,
    },
    Instance {
        instance_id: InstanceId,
        status: InstanceStatus,
        reason: Option<String>,
        at: Millis,
    },
}

/// Changes not yet reported, and where each cursor stands before and after them.
#[derive(Debug)]
pub struct UnreportedChanges {
    pub changes: Vec<Change>,
    message_cursor: (i64, i64),
    status_cursor: (i64, i64),
}

const MESSAGE_EVENTS: &str = "message_events";
const STATUS_HISTORY: &str = "instance_status_history";

impl Store {
    async fn cursor(&self, source: &str) -> Result<i64, StoreError> {
        let row = sqlx::query!("SELECT last_id FROM webhook_cursors WHERE source = ?", source)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.last_id)
    }

    /// Up to `limit` changes of each kind past the cursors, oldest first.
    pub async fn unreported_changes(&self, limit: i64) -> Result<UnreportedChanges, StoreError> {
        let corrupt = |e: crate::domain::InputError| StoreError::Corrupt(e.0);
        let message_from = self.cursor(MESSAGE_EVENTS).await?;
        // The join skips events of messages removed since (retention, a deleted instance); the
        // cursor still moves past them.
        let message_rows = sqlx::query!(
            "SELECT e.id, e.message_id, e.status, e.at, m.instance_id, m.direction
             FROM message_events e JOIN messages m ON m.id = e.message_id
             WHERE e.id > ? ORDER BY e.id LIMIT ?",
            message_from,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        let status_from = self.cursor(STATUS_HISTORY).await?;
        let status_rows = sqlx::query!(
            "SELECT id, instance_id, status, reason, at FROM instance_status_history
             WHERE id > ? ORDER BY id LIMIT ?",
            status_from,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        let message_to = message_rows.last().map_or(message_from, |row| row.id);
        let status_to = status_rows.last().map_or(status_from, |row| row.id);
        let mut changes = Vec::with_capacity(message_rows.len() + status_rows.len());
        for row in message_rows {
            changes.push(Change::Message {
                instance_id: InstanceId::parse(&row.instance_id).map_err(corrupt)?,
                message_id: row.message_id,
                inbound: row.direction == "inbound",
                status: MessageStatus::parse(&row.status).map_err(corrupt)?,
                at: row.at,
            });
        }
        for row in status_rows {
            changes.push(Change::Instance {
                instance_id: InstanceId::parse(&row.instance_id).map_err(corrupt)?,
                status: InstanceStatus::parse(&row.status).map_err(corrupt)?,
                reason: row.reason,
                at: row.at,
            });
        }
        Ok(UnreportedChanges {
            changes,
            message_cursor: (message_from, message_to),
            status_cursor: (status_from, status_to),
        })
    }

    /// Writes a batch's deliveries and moves the cursors past it, in one transaction. Returns
    /// false, writing nothing, when another pass reported the batch first.
    pub async fn report_changes(
        &self,
        batch: &UnreportedChanges,
        deliveries: &[Delivery],
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_transaction().await?;
        for (source, (from, to)) in [
            (MESSAGE_EVENTS, batch.message_cursor),
            (STATUS_HISTORY, batch.status_cursor),
        ] {
            let moved = sqlx::query!(
                "UPDATE webhook_cursors SET last_id = ?3 WHERE source = ?1 AND last_id = ?2",
                source,
                from,
                to
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Ok(false);
            }
        }
        for delivery in deliveries {
            super::api::write_delivery(&mut tx, delivery).await?;
        }
        // The feed is only for this: once reported, a change is gone (a message's history is read
        // from the message).
        let (from, to) = batch.message_cursor;
        sqlx::query!("DELETE FROM message_events WHERE id > ?1 AND id <= ?2", from, to)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}
