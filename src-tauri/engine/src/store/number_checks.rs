//! Whether numbers are on WhatsApp: the answers of past checks, and the numbers waiting for a
//! check through one of the person's numbers (a queue, worked off by `Engine::number_check_step`).

use super::{Millis, Store, StoreError};
use crate::domain::InstanceId;
use std::collections::HashMap;

/// What a check found about one WhatsApp address, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberCheck {
    pub on_whatsapp: bool,
    pub checked_at: Millis,
}

/// Why a campaign message was not sent: its number is not on WhatsApp.
pub const SKIPPED_NOT_ON_WHATSAPP: &str = "Not on WhatsApp: skipped without sending.";

fn json_list(jids: &[String]) -> String {
    serde_json::to_string(jids).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// The checks made since `fresh_since` of these addresses.
    pub async fn number_checks(
        &self,
        jids: &[String],
        fresh_since: Millis,
    ) -> Result<HashMap<String, NumberCheck>, StoreError> {
        let list = json_list(jids);
        let rows = sqlx::query!(
            r#"SELECT chat_jid, on_whatsapp AS "on_whatsapp: bool", checked_at FROM number_checks
               WHERE chat_jid IN (SELECT value FROM json_each(?1)) AND checked_at >= ?2"#,
            list,
            fresh_since
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let check = NumberCheck {
                    on_whatsapp: row.on_whatsapp,
                    checked_at: row.checked_at,
                };
                (row.chat_jid, check)
            })
            .collect())
    }

    /// When a check since `fresh_since` found this address not on WhatsApp, if one did.
    pub async fn found_not_on_whatsapp(
        &self,
        jid: &str,
        fresh_since: Millis,
    ) -> Result<Option<Millis>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT checked_at FROM number_checks
               WHERE chat_jid = ?1 AND on_whatsapp = 0 AND checked_at >= ?2"#,
            jid,
            fresh_since
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Asks for these addresses to be checked through an instance, unless a check since
    /// `fresh_since` already answered. Returns how many now wait (for this instance, in all).
    pub async fn request_number_checks(
        &self,
        instance_id: &InstanceId,
        jids: &[String],
        fresh_since: Millis,
        now: Millis,
    ) -> Result<u32, StoreError> {
        let instance = instance_id.as_str();
        let list = json_list(jids);
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "INSERT OR IGNORE INTO number_checks_due (instance_id, chat_jid, requested_at)
             SELECT ?1, value, ?3 FROM json_each(?2)
             WHERE NOT EXISTS (SELECT 1 FROM number_checks n WHERE n.chat_jid = value AND n.checked_at >= ?4)",
            instance,
            list,
            now,
            fresh_since
        )
        .execute(&mut *tx)
        .await?;
        let waiting = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "n: i64" FROM number_checks_due WHERE instance_id = ?1"#,
            instance
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(waiting).unwrap_or(u32::MAX))
    }

    /// The addresses waiting longest for a check through an instance.
    pub async fn due_number_checks(
        &self,
        instance_id: &InstanceId,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let instance = instance_id.as_str();
        Ok(sqlx::query_scalar!(
            "SELECT chat_jid FROM number_checks_due WHERE instance_id = ?1
             ORDER BY requested_at, chat_jid LIMIT ?2",
            instance,
            limit
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Keeps what a check found, takes the addresses off the instance's queue, and fails the
    /// queued campaign messages to the ones not on WhatsApp (returning their ids): a campaign skips
    /// them rather than sending into a refusal.
    pub async fn record_number_checks(
        &self,
        instance_id: &InstanceId,
        found: &[(String, bool)],
        now: Millis,
    ) -> Result<Vec<String>, StoreError> {
        let instance = instance_id.as_str();
        let mut tx = self.pool.begin().await?;
        let mut skipped = Vec::new();
        for (jid, on_whatsapp) in found {
            sqlx::query!(
                "INSERT INTO number_checks (chat_jid, on_whatsapp, checked_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_jid) DO UPDATE SET on_whatsapp = excluded.on_whatsapp, checked_at = excluded.checked_at",
                jid,
                on_whatsapp,
                now
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "DELETE FROM number_checks_due WHERE instance_id = ?1 AND chat_jid = ?2",
                instance,
                jid
            )
            .execute(&mut *tx)
            .await?;
            if !on_whatsapp {
                skipped.extend(
                    sqlx::query_scalar!(
                        "UPDATE messages SET status = 'failed', error_code = 'not_on_whatsapp', error_message = ?3,
                                updated_at = ?4, next_attempt_at = NULL
                         WHERE instance_id = ?1 AND chat_jid = ?2 AND direction = 'outbound'
                           AND status = 'queued' AND campaign_id IS NOT NULL
                         RETURNING id",
                        instance,
                        jid,
                        SKIPPED_NOT_ON_WHATSAPP,
                        now
                    )
                    .fetch_all(&mut *tx)
                    .await?,
                );
            }
        }
        tx.commit().await?;
        Ok(skipped)
    }

    /// Takes addresses off an instance's queue without an answer (its provider cannot check):
    /// the messages waiting for them go out as they would have.
    pub async fn drop_number_checks(
        &self,
        instance_id: &InstanceId,
        jids: &[String],
    ) -> Result<(), StoreError> {
        let instance = instance_id.as_str();
        let list = json_list(jids);
        sqlx::query!(
            "DELETE FROM number_checks_due WHERE instance_id = ?1 AND chat_jid IN (SELECT value FROM json_each(?2))",
            instance,
            list
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps that a send found this address not on WhatsApp: later sends to it are refused
    /// before queueing, for as long as a check would be kept.
    pub async fn note_not_on_whatsapp(&self, jid: &str, now: Millis) -> Result<(), StoreError> {
        sqlx::query!(
            "INSERT INTO number_checks (chat_jid, on_whatsapp, checked_at) VALUES (?1, 0, ?2)
             ON CONFLICT (chat_jid) DO UPDATE SET on_whatsapp = 0, checked_at = excluded.checked_at",
            jid,
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
