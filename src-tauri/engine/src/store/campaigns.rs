//! Campaigns: many messages from one template, sent through the same outbox, paused, resumed or
//! cancelled as one.

use super::{Millis, Store, StoreError};
use crate::domain::InstanceId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    Running,
    Paused,
    Cancelled,
}

impl CampaignState {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Running => "running",
            CampaignState::Paused => "paused",
            CampaignState::Cancelled => "cancelled",
        }
    }

    fn parse(input: &str) -> Result<Self, StoreError> {
        match input {
            "running" => Ok(CampaignState::Running),
            "paused" => Ok(CampaignState::Paused),
            "cancelled" => Ok(CampaignState::Cancelled),
            other => Err(StoreError::Corrupt(format!("campaign state {other:?}"))),
        }
    }
}

/// A campaign with its progress, counted from its messages.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    pub id: String,
    pub instance_id: InstanceId,
    pub name: String,
    pub template: String,
    pub state: CampaignState,
    pub scheduled_at: Option<Millis>,
    pub created_at: Millis,
    pub total: i64,
    /// Still to go out (queued or being sent).
    pub pending: i64,
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    pub cancelled: i64,
}

pub struct NewCampaign<'a> {
    pub id: &'a str,
    pub instance_id: &'a InstanceId,
    pub name: &'a str,
    pub template: &'a str,
    pub scheduled_at: Option<Millis>,
    pub now: Millis,
}

impl Store {
    /// Creates a campaign and all its messages in one transaction.
    pub async fn insert_campaign(
        &self,
        campaign: NewCampaign<'_>,
        messages: &[super::NewOutbound<'_>],
    ) -> Result<(), StoreError> {
        let instance_id = campaign.instance_id.as_str();
        let mut tx = self.write_transaction().await?;
        sqlx::query!(
            "INSERT INTO campaigns (id, instance_id, name, template, state, scheduled_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?6)",
            campaign.id,
            instance_id,
            campaign.name,
            campaign.template,
            campaign.scheduled_at,
            campaign.now,
        )
        .execute(&mut *tx)
        .await?;
        for message in messages {
            super::messages::insert_outbound_row(&mut *tx, message).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn campaigns(&self, id: Option<&str>) -> Result<Vec<Campaign>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT c.id, c.instance_id, c.name, c.template, c.state, c.scheduled_at, c.created_at,
                      COUNT(m.id) AS "total!: i64",
                      COALESCE(SUM(m.status IN ('queued', 'sending')), 0) AS "pending!: i64",
                      COALESCE(SUM(m.status IN ('sent', 'delivered', 'read')), 0) AS "sent!: i64",
                      COALESCE(SUM(m.status IN ('delivered', 'read')), 0) AS "delivered!: i64",
                      COALESCE(SUM(m.status = 'read'), 0) AS "read!: i64",
                      COALESCE(SUM(m.status = 'failed'), 0) AS "failed!: i64",
                      COALESCE(SUM(m.status = 'cancelled'), 0) AS "cancelled!: i64"
               FROM campaigns c LEFT JOIN messages m ON m.campaign_id = c.id
               WHERE (?1 IS NULL OR c.id = ?1)
               GROUP BY c.id
               ORDER BY c.created_at DESC"#,
            id
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(Campaign {
                    id: row.id,
                    instance_id: InstanceId::parse(&row.instance_id).map_err(|e| StoreError::Corrupt(e.0))?,
                    name: row.name,
                    template: row.template,
                    state: CampaignState::parse(&row.state)?,
                    scheduled_at: row.scheduled_at,
                    created_at: row.created_at,
                    total: row.total,
                    pending: row.pending,
                    sent: row.sent,
                    delivered: row.delivered,
                    read: row.read,
                    failed: row.failed,
                    cancelled: row.cancelled,
                })
            })
            .collect()
    }

    /// Pauses or resumes a campaign; cancelling also cancels its queued messages. Returns false
    /// when the campaign does not exist or is already cancelled.
    pub async fn set_campaign_state(
        &self,
        id: &str,
        state: CampaignState,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let state_name = state.as_str();
        let mut tx = self.write_transaction().await?;
        let changed = sqlx::query!(
            "UPDATE campaigns SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state != 'cancelled'",
            id,
            state_name,
            now
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed && state == CampaignState::Cancelled {
            sqlx::query!(
                "UPDATE messages SET status = 'cancelled', updated_at = ?2 WHERE campaign_id = ?1 AND status = 'queued'",
                id,
                now
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
