//! Each number's automatic replies: the rules in their order, and when each rule last answered
//! each chat.

use super::{Millis, Store, StoreError};
use crate::domain::{InstanceId, MediaKind};
use serde::{Deserialize, Serialize};

/// What makes a rule answer an incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyTrigger {
    /// The message contains the rule's words (any case or accents).
    Contains,
    /// The whole message is the rule's words.
    Equals,
    StartsWith,
    /// The message arrives outside the rule's business hours.
    Away,
    /// The contact's first message to this number ever.
    Greeting,
}

impl ReplyTrigger {
    fn as_str(self) -> &'static str {
        match self {
            ReplyTrigger::Contains => "contains",
            ReplyTrigger::Equals => "equals",
            ReplyTrigger::StartsWith => "starts_with",
            ReplyTrigger::Away => "away",
            ReplyTrigger::Greeting => "greeting",
        }
    }

    fn parse(input: &str) -> Result<Self, StoreError> {
        Ok(match input {
            "contains" => ReplyTrigger::Contains,
            "equals" => ReplyTrigger::Equals,
            "starts_with" => ReplyTrigger::StartsWith,
            "away" => ReplyTrigger::Away,
            "greeting" => ReplyTrigger::Greeting,
            other => return Err(StoreError::Corrupt(format!("reply trigger {other:?}"))),
        })
    }

    /// Whether the rule matches words in the message (and so needs some).
    pub fn has_words(self) -> bool {
        matches!(
            self,
            ReplyTrigger::Contains | ReplyTrigger::Equals | ReplyTrigger::StartsWith
        )
    }
}

/// One opening of a week: `opens` to `closes` (`HH:MM`, 24-hour) on a weekday; a closing time at
/// or before the opening one is on the next day (a night shift across midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenHours {
    /// 1 is Monday, 7 is Sunday.
    pub weekday: u8,
    pub opens: String,
    pub closes: String,
}

/// When the business answers by hand, in the number's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHours {
    /// An IANA time zone (`America/Sao_Paulo`).
    pub time_zone: String,
    /// The openings; a weekday without one is closed all day.
    pub days: Vec<OpenHours>,
}

/// A saved file sent with a reply (the reply's text is its caption).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplyMedia {
    pub kind: MediaKind,
    /// A file on this computer; a copy of it goes with each reply.
    pub path: String,
}

/// A rule as a person writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoReplyRule {
    pub enabled: bool,
    pub trigger: ReplyTrigger,
    /// The words of a `contains`, `equals` or `starts_with` rule.
    pub pattern: Option<String>,
    /// The reply's text (the caption, with a file).
    pub reply: String,
    pub media: Option<ReplyMedia>,
    /// Whether it answers in groups too (never, unless set).
    #[serde(default)]
    pub in_groups: bool,
    /// At most one reply of this rule to the same contact within this many hours (0: each time).
    #[serde(default)]
    pub once_per_hours: u32,
    /// The business hours of an `away` rule.
    pub hours: Option<BusinessHours>,
}

/// A stored rule: its place in the number's order (0 first) and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoReply {
    pub id: i64,
    pub instance_id: InstanceId,
    pub position: u32,
    pub rule: AutoReplyRule,
}

struct Row {
    id: i64,
    instance_id: String,
    position: i64,
    enabled: bool,
    trigger: String,
    pattern: Option<String>,
    reply_text: String,
    media_kind: Option<String>,
    media_path: Option<String>,
    in_groups: bool,
    once_per_hours: i64,
    hours: Option<String>,
}

impl TryFrom<Row> for AutoReply {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let media = match (row.media_kind.as_deref(), row.media_path) {
            (Some(kind), Some(path)) => Some(ReplyMedia {
                kind: MediaKind::parse(kind).map_err(|e| StoreError::Corrupt(e.0))?,
                path,
            }),
            _ => None,
        };
        let hours = row
            .hours
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("business hours: {e}")))?;
        Ok(AutoReply {
            id: row.id,
            instance_id: InstanceId::parse(&row.instance_id).map_err(|e| StoreError::Corrupt(e.0))?,
            position: u32::try_from(row.position).unwrap_or(0),
            rule: AutoReplyRule {
                enabled: row.enabled,
                trigger: ReplyTrigger::parse(&row.trigger)?,
                pattern: row.pattern,
                reply: row.reply_text,
                media,
                in_groups: row.in_groups,
                once_per_hours: u32::try_from(row.once_per_hours).unwrap_or(0),
                hours,
            },
        })
    }
}

/// The columns a rule is written to.
struct Columns<'a> {
    trigger: &'static str,
    media_kind: Option<&'static str>,
    media_path: Option<&'a str>,
    hours: Option<String>,
}

fn columns(rule: &AutoReplyRule) -> Result<Columns<'_>, StoreError> {
    Ok(Columns {
        trigger: rule.trigger.as_str(),
        media_kind: rule.media.as_ref().map(|m| m.kind.as_str()),
        media_path: rule.media.as_ref().map(|m| m.path.as_str()),
        hours: rule
            .hours
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

impl Store {
    /// A number's rules, in their order.
    pub async fn auto_replies(&self, instance_id: &InstanceId) -> Result<Vec<AutoReply>, StoreError> {
        let instance = instance_id.as_str();
        sqlx::query_as!(
            Row,
            r#"SELECT id, instance_id, position, enabled AS "enabled: bool", trigger, pattern, reply_text,
                      media_kind, media_path, in_groups AS "in_groups: bool", once_per_hours, hours
               FROM auto_replies WHERE instance_id = ?1 ORDER BY position, id"#,
            instance
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(AutoReply::try_from)
        .collect()
    }

    /// Adds a rule after a number's others.
    pub async fn insert_auto_reply(
        &self,
        instance_id: &InstanceId,
        rule: &AutoReplyRule,
        now: Millis,
    ) -> Result<i64, StoreError> {
        let instance = instance_id.as_str();
        let c = columns(rule)?;
        Ok(sqlx::query_scalar!(
            r#"INSERT INTO auto_replies (instance_id, position, enabled, trigger, pattern, reply_text, media_kind,
                                        media_path, in_groups, once_per_hours, hours, created_at, updated_at)
               VALUES (?1, (SELECT COALESCE(MAX(position) + 1, 0) FROM auto_replies WHERE instance_id = ?1),
                       ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
               RETURNING id AS "id!""#,
            instance,
            rule.enabled,
            c.trigger,
            rule.pattern,
            rule.reply,
            c.media_kind,
            c.media_path,
            rule.in_groups,
            rule.once_per_hours,
            c.hours,
            now
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Rewrites a number's rule; false when it has no such rule.
    pub async fn update_auto_reply(
        &self,
        instance_id: &InstanceId,
        id: i64,
        rule: &AutoReplyRule,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let instance = instance_id.as_str();
        let c = columns(rule)?;
        let done = sqlx::query!(
            "UPDATE auto_replies SET enabled = ?3, trigger = ?4, pattern = ?5, reply_text = ?6, media_kind = ?7,
                    media_path = ?8, in_groups = ?9, once_per_hours = ?10, hours = ?11, updated_at = ?12
             WHERE id = ?1 AND instance_id = ?2",
            id,
            instance,
            rule.enabled,
            c.trigger,
            rule.pattern,
            rule.reply,
            c.media_kind,
            c.media_path,
            rule.in_groups,
            rule.once_per_hours,
            c.hours,
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes a number's rule; false when it has no such rule.
    pub async fn delete_auto_reply(&self, instance_id: &InstanceId, id: i64) -> Result<bool, StoreError> {
        let instance = instance_id.as_str();
        let done = sqlx::query!(
            "DELETE FROM auto_replies WHERE id = ?1 AND instance_id = ?2",
            id,
            instance
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a number's rules the order of `ids` (all of them, first first).
    pub async fn order_auto_replies(&self, instance_id: &InstanceId, ids: &[i64]) -> Result<(), StoreError> {
        let instance = instance_id.as_str();
        let mut tx = self.pool.begin().await?;
        for (position, id) in ids.iter().enumerate() {
            let position = position as i64;
            sqlx::query!(
                "UPDATE auto_replies SET position = ?3 WHERE id = ?1 AND instance_id = ?2",
                id,
                instance,
                position
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether a rule answered this chat since `since`.
    pub async fn auto_replied_since(
        &self,
        rule_id: i64,
        chat_jid: &str,
        since: Millis,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT 1 AS "one!: i64" FROM auto_reply_sends WHERE rule_id = ?1 AND chat_jid = ?2 AND sent_at >= ?3"#,
            rule_id,
            chat_jid,
            since
        )
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    pub async fn note_auto_reply(&self, rule_id: i64, chat_jid: &str, at: Millis) -> Result<(), StoreError> {
        sqlx::query!(
            "INSERT INTO auto_reply_sends (rule_id, chat_jid, sent_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (rule_id, chat_jid) DO UPDATE SET sent_at = excluded.sent_at",
            rule_id,
            chat_jid,
            at
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether this chat has written to the instance more than once (a greeting answers the first).
    pub async fn has_written_before(
        &self,
        instance_id: &InstanceId,
        chat_jid: &str,
    ) -> Result<bool, StoreError> {
        let instance = instance_id.as_str();
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "n!: i64" FROM (SELECT 1 FROM messages
               WHERE instance_id = ?1 AND chat_jid = ?2 AND direction = 'inbound' LIMIT 2)"#,
            instance,
            chat_jid
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count > 1)
    }

    /// Whether a phone number (`+5511…`) is one of the numbers Switchboard itself runs.
    pub async fn is_own_number(&self, e164: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar!(r#"SELECT 1 AS "one!: i64" FROM instances WHERE phone = ?1"#, e164)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }
}
