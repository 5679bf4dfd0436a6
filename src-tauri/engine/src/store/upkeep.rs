//! Pacing settings, daily statistics, retention and privacy: the tables the background jobs and
//! the outbox read.

use super::{Millis, Store, StoreError};
use crate::domain::InstanceId;
use serde::{Deserialize, Serialize};

/// How fast an instance may send. Defaults: about 30 messages a minute, 1,000 a day, no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pacing {
    /// At least this long between two sends.
    pub min_interval_ms: u32,
    /// Plus a random extra delay of up to this long, so sends do not tick like a machine.
    pub jitter_ms: u32,
    pub daily_quota: u32,
    /// Quiet hours, in minutes after local midnight (start may be after end: overnight).
    pub quiet_start_minute: Option<u16>,
    pub quiet_end_minute: Option<u16>,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            min_interval_ms: 1_500,
            jitter_ms: 1_000,
            daily_quota: 1_000,
            quiet_start_minute: None,
            quiet_end_minute: None,
        }
    }
}

impl Pacing {
    /// Whether `minute` (after local midnight) falls in the quiet hours.
    pub fn is_quiet(&self, minute: u16) -> bool {
        match (self.quiet_start_minute, self.quiet_end_minute) {
            (Some(start), Some(end)) if start < end => (start..end).contains(&minute),
            (Some(start), Some(end)) if start > end => minute >= start || minute < end,
            _ => false,
        }
    }
}

/// One instance's counts for one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyStats {
    pub instance_id: InstanceId,
    /// `YYYY-MM-DD`, local time.
    pub day: String,
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    pub received: i64,
    /// Sends refused before they were queued (opted out, a closed reply window, …).
    pub refused: i64,
}

impl Store {
    pub async fn pacing(&self, id: &InstanceId) -> Result<Pacing, StoreError> {
        let id = id.as_str();
        let row = sqlx::query!(
            "SELECT min_interval_ms, jitter_ms, daily_quota, quiet_start, quiet_end FROM instance_pacing WHERE instance_id = ?",
            id
        )
        .fetch_optional(&self.pool)
        .await?;
        let narrow = |v: i64| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("pacing value {v}")));
        let minute = |v: Option<i64>| v.and_then(|m| u16::try_from(m).ok());
        Ok(match row {
            Some(row) => Pacing {
                min_interval_ms: narrow(row.min_interval_ms)?,
                jitter_ms: narrow(row.jitter_ms)?,
                daily_quota: narrow(row.daily_quota)?,
                quiet_start_minute: minute(row.quiet_start),
                quiet_end_minute: minute(row.quiet_end),
            },
            None => Pacing::default(),
        })
    }

    pub async fn set_pacing(&self, id: &InstanceId, pacing: &Pacing) -> Result<(), StoreError> {
        let id = id.as_str();
        let start = pacing.quiet_start_minute.map(i64::from);
        let end = pacing.quiet_end_minute.map(i64::from);
        sqlx::query!(
            "INSERT INTO instance_pacing (instance_id, min_interval_ms, jitter_ms, daily_quota, quiet_start, quiet_end)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (instance_id) DO UPDATE SET min_interval_ms = excluded.min_interval_ms,
                 jitter_ms = excluded.jitter_ms, daily_quota = excluded.daily_quota,
                 quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end",
            id,
            pacing.min_interval_ms,
            pacing.jitter_ms,
            pacing.daily_quota,
            start,
            end,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many messages an instance handed to its provider on a local day.
    pub async fn sent_on(&self, id: &InstanceId, day: &str) -> Result<i64, StoreError> {
        let id = id.as_str();
        let sent = sqlx::query_scalar!(
            "SELECT sent FROM daily_stats WHERE instance_id = ? AND day = ?",
            id,
            day
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(sent.unwrap_or(0))
    }

    /// Daily counts between two local days (inclusive), oldest first.
    pub async fn daily_stats(
        &self,
        id: Option<&InstanceId>,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyStats>, StoreError> {
        let id = id.map(InstanceId::as_str);
        let rows = sqlx::query!(
            "SELECT instance_id, day, sent, delivered, read, failed, received, refused FROM daily_stats
             WHERE (?1 IS NULL OR instance_id = ?1) AND day BETWEEN ?2 AND ?3
             ORDER BY day, instance_id",
            id,
            from,
            to
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(DailyStats {
                    instance_id: InstanceId::parse(&row.instance_id).map_err(|e| StoreError::Corrupt(e.0))?,
                    day: row.day,
                    sent: row.sent,
                    delivered: row.delivered,
                    read: row.read,
                    failed: row.failed,
                    received: row.received,
                    refused: row.refused,
                })
            })
            .collect()
    }

    /// Deletes log entries created before `cutoff` that are finished with (statistics stay).
    pub async fn delete_messages_before(&self, cutoff: Millis) -> Result<u64, StoreError> {
        let result = sqlx::query!(
            "DELETE FROM messages WHERE created_at < ? AND status NOT IN ('queued', 'sending')",
            cutoff
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Privacy mode: drops the content of a message once it no longer needs it.
    pub async fn forget_content(&self, message_id: &str) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE messages SET body = NULL, payload = NULL WHERE id = ? AND status NOT IN ('queued', 'sending')",
            message_id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps an inbound media file's location.
    pub async fn set_media(&self, message_id: &str, path: &str, mime: &str) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE messages SET media_path = ?2, media_mime = ?3 WHERE id = ?1",
            message_id,
            path,
            mime
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_work_within_a_day_and_overnight() {
        let day = Pacing {
            quiet_start_minute: Some(12 * 60),
            quiet_end_minute: Some(14 * 60),
            ..Pacing::default()
        };
        assert!(day.is_quiet(13 * 60));
        assert!(!day.is_quiet(14 * 60));
        let night = Pacing {
            quiet_start_minute: Some(22 * 60),
            quiet_end_minute: Some(7 * 60),
            ..Pacing::default()
        };
        assert!(night.is_quiet(23 * 60) && night.is_quiet(60));
        assert!(!night.is_quiet(12 * 60));
        assert!(!Pacing::default().is_quiet(0));
    }
}
