//! Each number's sending guard: the rules that pause its outbox when WhatsApp pushes back, and the
//! pause itself, which holds the number's running campaigns with it.

use super::{Millis, Store, StoreError};
use crate::domain::InstanceId;
use serde::{Deserialize, Serialize};

/// Which signs of WhatsApp pushing back pause a number's sending, and after how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuardRules {
    /// Restriction errors (rate-overlimit, a reach-out lock, a temporary block) since the last
    /// good send that pause the number; 0 never pauses on them (they are retried later instead).
    pub restriction_errors: u32,
    /// Failed sends in a row, each to a different recipient, that pause the number; 0: never.
    pub failures_in_a_row: u32,
    /// Whether the number being logged out or suspended soon after a send pauses it.
    pub logout_after_send: bool,
}

impl Default for GuardRules {
    fn default() -> Self {
        Self {
            restriction_errors: 1,
            failures_in_a_row: 5,
            logout_after_send: true,
        }
    }
}

/// What paused a number's sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushBackSignal {
    /// WhatsApp refused a send because of the account, or restricted or suspended it.
    Restriction,
    /// Sends failed in a row, to different recipients.
    FailureRun,
    /// The number was logged out soon after sending.
    LogoutAfterSend,
}

impl PushBackSignal {
    fn as_str(self) -> &'static str {
        match self {
            PushBackSignal::Restriction => "restriction",
            PushBackSignal::FailureRun => "failure_run",
            PushBackSignal::LogoutAfterSend => "logout_after_send",
        }
    }

    fn parse(input: &str) -> Result<Self, StoreError> {
        match input {
            "restriction" => Ok(PushBackSignal::Restriction),
            "failure_run" => Ok(PushBackSignal::FailureRun),
            "logout_after_send" => Ok(PushBackSignal::LogoutAfterSend),
            other => Err(StoreError::Corrupt(format!("push-back signal {other:?}"))),
        }
    }
}

/// A number's sending, stopped by its guard until a person resumes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendingPause {
    pub signal: PushBackSignal,
    /// What was seen, in words.
    pub reason: String,
    pub since: Millis,
}

/// A number's guard as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    pub rules: GuardRules,
    pub pause: Option<SendingPause>,
}

impl Store {
    pub async fn guard(&self, id: &InstanceId) -> Result<Guard, StoreError> {
        let id = id.as_str();
        let row = sqlx::query!(
            "SELECT restriction_errors, failures_in_a_row, logout_after_send, paused_signal, paused_reason, paused_at
             FROM sending_guards WHERE instance_id = ?",
            id
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Guard::default());
        };
        let count = |v: i64| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("guard count {v}")));
        let pause = match (row.paused_signal, row.paused_at) {
            (Some(signal), Some(since)) => Some(SendingPause {
                signal: PushBackSignal::parse(&signal)?,
                reason: row.paused_reason.unwrap_or_default(),
                since,
            }),
            _ => None,
        };
        Ok(Guard {
            rules: GuardRules {
                restriction_errors: count(row.restriction_errors)?,
                failures_in_a_row: count(row.failures_in_a_row)?,
                logout_after_send: row.logout_after_send != 0,
            },
            pause,
        })
    }

    pub async fn set_guard_rules(&self, id: &InstanceId, rules: &GuardRules) -> Result<(), StoreError> {
        let id = id.as_str();
        sqlx::query!(
            "INSERT INTO sending_guards (instance_id, restriction_errors, failures_in_a_row, logout_after_send)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (instance_id) DO UPDATE SET restriction_errors = excluded.restriction_errors,
                 failures_in_a_row = excluded.failures_in_a_row, logout_after_send = excluded.logout_after_send",
            id,
            rules.restriction_errors,
            rules.failures_in_a_row,
            rules.logout_after_send,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Pauses a number's sending and, with it, its running campaigns. A number already paused
    /// keeps its first pause (the first sign is the telling one). Returns the campaigns it held,
    /// or `None` when the number was paused already.
    pub async fn pause_sending(
        &self,
        id: &InstanceId,
        signal: PushBackSignal,
        reason: &str,
        now: Millis,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let id = id.as_str();
        let defaults = GuardRules::default();
        let signal = signal.as_str();
        let mut tx = self.write_transaction().await?;
        let paused = sqlx::query!(
            "INSERT INTO sending_guards (instance_id, restriction_errors, failures_in_a_row, logout_after_send,
                 paused_signal, paused_reason, paused_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (instance_id) DO UPDATE SET paused_signal = excluded.paused_signal,
                 paused_reason = excluded.paused_reason, paused_at = excluded.paused_at
             WHERE paused_at IS NULL",
            id,
            defaults.restriction_errors,
            defaults.failures_in_a_row,
            defaults.logout_after_send,
            signal,
            reason,
            now,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !paused {
            return Ok(None);
        }
        let held = sqlx::query_scalar!(
                "UPDATE campaigns SET state = 'paused', updated_at = ?2 WHERE instance_id = ?1 AND state = 'running'
                 RETURNING id",
                id,
                now
            )
            .fetch_all(&mut *tx)
            .await?;
        let ids = serde_json::to_string(&held).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query!(
            "UPDATE sending_guards SET paused_campaigns = ?2 WHERE instance_id = ?1",
            id,
            ids
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(held))
    }

    /// Ends a number's pause; the campaigns it held run again (unless a person changed them
    /// meanwhile). Returns the ids of those campaigns, or `None` when it was not paused.
    pub async fn resume_sending(
        &self,
        id: &InstanceId,
        now: Millis,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let id = id.as_str();
        let mut tx = self.write_transaction().await?;
        let row = sqlx::query!(
            "SELECT paused_campaigns FROM sending_guards WHERE instance_id = ? AND paused_at IS NOT NULL",
            id
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        sqlx::query!(
            "UPDATE sending_guards SET paused_signal = NULL, paused_reason = NULL, paused_at = NULL, paused_campaigns = NULL
             WHERE instance_id = ?",
            id
        )
        .execute(&mut *tx)
        .await?;
        let held = row.paused_campaigns;
        let held = held.unwrap_or_else(|| "[]".into());
        let resumed = sqlx::query_scalar!(
            "UPDATE campaigns SET state = 'running', updated_at = ?2
             WHERE state = 'paused' AND id IN (SELECT value FROM json_each(?1))
             RETURNING id",
            held,
            now
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(resumed))
    }

    /// Counts a send refused before it was queued (opted out, a closed reply window, …).
    pub async fn count_refused(&self, id: &InstanceId, day: &str) -> Result<(), StoreError> {
        let id = id.as_str();
        sqlx::query!(
            "INSERT INTO daily_stats (instance_id, day, refused) VALUES (?1, ?2, 1)
             ON CONFLICT (instance_id, day) DO UPDATE SET refused = refused + 1",
            id,
            day
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A warm-up as stored: day 1 is `started_on`, and `daily_limits[n]` is the limit of day `n + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmUp {
    pub started_on: String,
    pub daily_limits: Vec<u32>,
}

impl Store {
    pub async fn warm_up(&self, id: &InstanceId) -> Result<Option<WarmUp>, StoreError> {
        let id = id.as_str();
        let row = sqlx::query!(
            "SELECT started_on, daily_limits FROM warm_ups WHERE instance_id = ?",
            id
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let daily_limits =
                serde_json::from_str(&row.daily_limits).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(WarmUp {
                started_on: row.started_on,
                daily_limits,
            })
        })
        .transpose()
    }

    /// Sets or ends a number's warm-up.
    pub async fn set_warm_up(&self, id: &InstanceId, warm_up: Option<&WarmUp>) -> Result<(), StoreError> {
        let id = id.as_str();
        match warm_up {
            Some(warm_up) => {
                let limits = serde_json::to_string(&warm_up.daily_limits)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query!(
                    "INSERT INTO warm_ups (instance_id, started_on, daily_limits) VALUES (?1, ?2, ?3)
                     ON CONFLICT (instance_id) DO UPDATE SET started_on = excluded.started_on,
                         daily_limits = excluded.daily_limits",
                    id,
                    warm_up.started_on,
                    limits
                )
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query!("DELETE FROM warm_ups WHERE instance_id = ?", id)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}
