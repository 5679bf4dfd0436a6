//! The message log, which is also the outbox: outbound rows are inserted `queued`, claimed one at a
//! time by the outbox worker, and moved forward by receipts; inbound rows are de-duplicated by the
//! provider's message id.

use super::{Millis, Store, StoreError};
use crate::domain::{Direction, InstanceId, MessageKind, MessageStatus};
use serde::{Deserialize, Serialize};

/// A message as stored and as shown.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    /// Its place in the log: a message written later has a larger number. The cursor for paging.
    pub seq: i64,
    pub instance_id: InstanceId,
    pub direction: Direction,
    /// The conversation's WhatsApp address.
    pub chat_jid: String,
    /// The other person, as a person reads it (`+5511…`, or the address when no number is known).
    pub contact: String,
    pub sender_name: Option<String>,
    pub kind: MessageKind,
    pub body: Option<String>,
    pub status: MessageStatus,
    pub provider_message_id: Option<String>,
    pub error_code: Option<String>,
    /// Why the message failed, in words a person understands.
    pub error_message: Option<String>,
    pub attempts: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub sent_at: Option<Millis>,
    pub delivered_at: Option<Millis>,
    pub read_at: Option<Millis>,
    /// Not sent before this time.
    pub scheduled_at: Option<Millis>,
    /// After a transient failure: when the next try is due.
    pub next_attempt_at: Option<Millis>,
    /// Who asked for it: `app`, `api:<key id>` or `campaign`.
    pub source: String,
    pub campaign_id: Option<String>,
    /// An inbound media file, once downloaded.
    pub media_path: Option<String>,
    /// The provider id of the message this one replies to (shown quoted above it).
    pub quoted_id: Option<String>,
}

/// Which messages to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageFilter {
    pub instance_id: Option<InstanceId>,
    pub direction: Option<Direction>,
    pub status: Option<MessageStatus>,
    /// Paging: only messages older than the last one shown (its `createdAt`, and its `seq` so
    /// messages written in the same millisecond are neither skipped nor repeated).
    pub before: Option<Millis>,
    pub before_seq: Option<i64>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<u32>,
    pub campaign_id: Option<String>,
    /// Words in the text (parts of words too), or part of the contact's name or number. Results
    /// are newest-written first and page by `beforeSeq` alone.
    pub search: Option<String>,
    /// Only these instances (an API key's scope); not settable from outside.
    #[serde(skip)]
    #[specta(skip)]
    pub scope: Option<Vec<InstanceId>>,
}

/// What an accept under a limit did.
#[derive(Debug)]
pub enum LimitedAccept {
    Created(Message),
    /// The same idempotency key was accepted before: the first message.
    Repeated(Message),
    /// The limit is reached; nothing was written.
    OverLimit,
}

pub struct NewOutbound<'a> {
    pub instance_id: &'a InstanceId,
    pub chat_jid: &'a str,
    pub contact: &'a str,
    pub kind: MessageKind,
    pub body: Option<&'a str>,
    /// `OutgoingContent::stored_payload`: none for a plain text, which is its body.
    pub payload: Option<&'a str>,
    pub scheduled_at: Option<Millis>,
    pub source: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub campaign_id: Option<&'a str>,
    pub now: Millis,
    /// The provider id of the message it replies to.
    pub quoted_id: Option<&'a str>,
}

/// A claimed message with what to send.
pub struct Claimed {
    pub message: Message,
    pub payload: Option<String>,
}

impl Claimed {
    /// What to send: the stored payload, or the body of a plain text. None when neither can be
    /// read (the send then fails with a sentence instead of sending something else).
    pub fn content(&self) -> Option<crate::domain::OutgoingContent> {
        if self.payload.is_none() && self.message.kind != MessageKind::Text {
            return None;
        }
        crate::domain::OutgoingContent::from_stored(self.payload.as_deref(), self.message.body.as_deref())
    }
}

pub struct NewInbound<'a> {
    pub instance_id: &'a InstanceId,
    pub direction: Direction,
    pub chat_jid: &'a str,
    pub contact: &'a str,
    pub sender_name: Option<&'a str>,
    pub kind: MessageKind,
    pub body: Option<&'a str>,
    pub provider_message_id: &'a str,
    pub status: MessageStatus,
    pub at: Millis,
    pub quoted_id: Option<&'a str>,
    pub media_ref: Option<&'a str>,
}

/// What a receipt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptOutcome {
    /// The message moved forward.
    Advanced { message_id: String },
    /// The message already had this status or a later one.
    Stale,
    /// No message has this provider id yet; the receipt is kept until one does.
    Parked,
}

pub(super) struct MessageRow {
    id: String,
    seq: i64,
    instance_id: String,
    direction: String,
    chat_jid: String,
    contact: String,
    sender_name: Option<String>,
    kind: String,
    body: Option<String>,
    status: String,
    provider_message_id: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    attempts: i64,
    created_at: i64,
    updated_at: i64,
    sent_at: Option<i64>,
    delivered_at: Option<i64>,
    read_at: Option<i64>,
    scheduled_at: Option<i64>,
    next_attempt_at: Option<i64>,
    source: String,
    campaign_id: Option<String>,
    media_path: Option<String>,
    quoted_id: Option<String>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(row: MessageRow) -> Result<Self, StoreError> {
        let corrupt = |e: crate::domain::InputError| StoreError::Corrupt(e.0);
        Ok(Message {
            id: row.id,
            seq: row.seq,
            instance_id: InstanceId::parse(&row.instance_id).map_err(corrupt)?,
            direction: Direction::parse(&row.direction).map_err(corrupt)?,
            chat_jid: row.chat_jid,
            contact: row.contact,
            sender_name: row.sender_name,
            kind: MessageKind::parse(&row.kind),
            body: row.body,
            status: MessageStatus::parse(&row.status).map_err(corrupt)?,
            provider_message_id: row.provider_message_id,
            error_code: row.error_code,
            error_message: row.error_message,
            attempts: row.attempts,
            created_at: row.created_at,
            updated_at: row.updated_at,
            sent_at: row.sent_at,
            delivered_at: row.delivered_at,
            read_at: row.read_at,
            scheduled_at: row.scheduled_at,
            next_attempt_at: row.next_attempt_at,
            source: row.source,
            campaign_id: row.campaign_id,
            media_path: row.media_path,
            quoted_id: row.quoted_id,
        })
    }
}

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 500;
/// A search with a term too short for the index reads this many of the newest messages.
pub const SHORT_SEARCH_SCAN: i64 = 5_000;
/// A search by contact looks in the chats of at most this many matching contacts.
const SEARCH_CONTACTS: i64 = 200;

/// A search the index can serve: its terms, in lower case, and the index query.
#[derive(Debug, PartialEq)]
struct IndexSearch {
    /// Every trigram of every term: the index keeps which messages hold a trigram, not where
    /// (migration 0018), so this finds candidates and `holds_every_term` checks them.
    query: String,
    terms: Vec<String>,
}

impl IndexSearch {
    fn holds_every_term(&self, body: Option<&str>) -> bool {
        let Some(body) = body.map(str::to_lowercase) else {
            return false;
        };
        self.terms.iter().all(|term| body.contains(term.as_str()))
    }
}

/// The index search for a search box's text, or `None` when a term is shorter than the index's
/// three characters.
fn fts_query(search: &str) -> Option<IndexSearch> {
    // Control characters separate words too: a NUL inside a quoted FTS5 string ends it early, and
    // SQLite then refuses the whole query.
    let terms: Vec<String> = search
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    if terms.is_empty() || terms.iter().any(|t| t.chars().count() < 3) {
        return None;
    }
    let mut trigrams: Vec<String> = Vec::new();
    for term in &terms {
        let chars: Vec<char> = term.chars().collect();
        for window in chars.windows(3) {
            let trigram: String = window.iter().collect();
            if !trigrams.contains(&trigram) {
                trigrams.push(trigram);
            }
        }
    }
    let query = trigrams
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ");
    Some(IndexSearch { query, terms })
}

/// A page of index candidates is read at most this many times for one page of results: a
/// candidate holds every trigram of a term but rarely not the term itself.
const SEARCH_CANDIDATE_PAGES: usize = 8;

impl Store {
    /// Accepts an outbound message: once this returns, it is on disk and will be sent. One
    /// statement on the hot path (the insert returns the row). With an idempotency key already used
    /// by the same source, nothing is inserted and the first message is returned; the flag says
    /// whether this call created it. An unknown instance fails the foreign key
    /// (`StoreError::is_missing_parent`).
    pub async fn insert_outbound(&self, new: NewOutbound<'_>) -> Result<(Message, bool), StoreError> {
        match self.accepts.accept(&new, None).await? {
            LimitedAccept::Created(message) => Ok((message, true)),
            LimitedAccept::Repeated(message) => Ok((message, false)),
            LimitedAccept::OverLimit => Err(StoreError::Corrupt(
                "an accept without a limit was over it".into(),
            )),
        }
    }

    /// `insert_outbound` for a source with a limit on messages accepted since a time (an API
    /// key's daily limit). A repeat of an accepted request returns the original, whatever the
    /// count; otherwise the count and the insert share one write transaction, so two concurrent
    /// requests cannot both take the last slot.
    pub async fn insert_outbound_within(
        &self,
        new: NewOutbound<'_>,
        limit: i64,
        since: Millis,
    ) -> Result<LimitedAccept, StoreError> {
        self.accepts.accept(&new, Some((limit, since))).await
    }

    /// Records a message the provider reported (inbound, or typed on the phone). Returns `None` when
    /// a message with this provider id is already in the log, so repeated deliveries change nothing.
    pub async fn insert_reported(&self, new: NewInbound<'_>) -> Result<Option<Message>, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let instance_id = new.instance_id.as_str();
        let direction = new.direction.as_str();
        let kind = new.kind.as_str();
        let status = new.status.as_str();
        let inserted = sqlx::query!(
            "INSERT INTO messages (id, instance_id, direction, chat_jid, contact, sender_name, kind, body, status,
                provider_message_id, created_at, updated_at, sent_at, quoted_id, media_ref)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11, ?12, ?13)
             ON CONFLICT DO NOTHING",
            id,
            instance_id,
            direction,
            new.chat_jid,
            new.contact,
            new.sender_name,
            kind,
            new.body,
            status,
            new.provider_message_id,
            new.at,
            new.quoted_id,
            new.media_ref,
        )
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0;
        if inserted {
            self.message(&id).await
        } else {
            Ok(None)
        }
    }

    /// The provider's handle on a message's file, if it reported one.
    pub async fn media_ref(&self, id: &str) -> Result<Option<String>, StoreError> {
        let found = sqlx::query_scalar!("SELECT media_ref FROM messages WHERE id = ?", id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.flatten())
    }

    pub async fn message(&self, id: &str) -> Result<Option<Message>, StoreError> {
        message_on(&mut *self.pool.acquire().await?, id).await
    }

    /// A page of the log, newest first. Each filter has a statement shaped so an index serves it
    /// (`queries/log_*.sql`; a test reads their plans): a page costs the same at any depth.
    pub async fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
        if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            return self.search_messages(search, filter).await;
        }
        let instance_id = filter.instance_id.as_ref().map(InstanceId::as_str);
        let direction = filter.direction.map(Direction::as_str);
        let status = filter.status.map(MessageStatus::as_str);
        let limit = i64::from(filter.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE));
        let before = filter.before.unwrap_or(Millis::MAX);
        // Without a seq the page starts before the `before` millisecond, as a time cursor does.
        let before_seq = filter.before_seq.unwrap_or(0);
        let scope = super::conversations::scope_json(&filter.scope)?;
        // The statements share their parameters; only the file (the shape) differs.
        macro_rules! page_of {
            ($file:literal $(, $extra:expr)?) => {
                sqlx::query_file_scalar!($file, before, before_seq, instance_id, direction, status, scope, limit $(, $extra)?)
                    .fetch_all(&self.pool)
                    .await?
            };
        }
        let seqs = if let Some(campaign_id) = &filter.campaign_id {
            page_of!("queries/log_campaign.sql", campaign_id)
        } else if filter.status.is_some_and(MessageStatus::is_unfinished) {
            page_of!("queries/log_unfinished.sql")
        } else {
            page_of!("queries/log_page.sql")
        };
        messages_in_order(&self.pool, &seqs).await
    }

    /// Search: messages whose text has every term (the FTS index; a term under three characters
    /// reads the newest `SHORT_SEARCH_SCAN` messages instead), and messages in chats whose
    /// contact's name or number matches. Newest-written first, paged by `before_seq`.
    async fn search_messages(
        &self,
        search: &str,
        filter: &MessageFilter,
    ) -> Result<Vec<Message>, StoreError> {
        let limit = i64::from(filter.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE));
        let before_seq = filter.before_seq.unwrap_or(i64::MAX);
        let instance_id = filter.instance_id.as_ref().map(InstanceId::as_str);
        let direction = filter.direction.map(Direction::as_str);
        let status = filter.status.map(MessageStatus::as_str);
        let scope = super::conversations::scope_json(&filter.scope)?;
        let mut seqs = match fts_query(search) {
            Some(index) => {
                let mut found = Vec::new();
                let mut from = before_seq;
                for _ in 0..SEARCH_CANDIDATE_PAGES {
                    let candidates = sqlx::query!(
                        r#"SELECT m.rowid AS "seq!: i64", m.body FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
                           WHERE messages_fts MATCH ?1 AND f.rowid < ?2
                             AND (?3 IS NULL OR m.instance_id = ?3) AND (?4 IS NULL OR m.direction = ?4)
                             AND (?5 IS NULL OR m.status = ?5) AND (?6 IS NULL OR m.campaign_id = ?6)
                             AND (?7 IS NULL OR m.instance_id IN (SELECT value FROM json_each(?7)))
                           ORDER BY f.rowid DESC LIMIT ?8"#,
                        index.query,
                        from,
                        instance_id,
                        direction,
                        status,
                        filter.campaign_id,
                        scope,
                        limit,
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let last_page = (candidates.len() as i64) < limit;
                    for candidate in candidates {
                        from = candidate.seq;
                        if index.holds_every_term(candidate.body.as_deref()) {
                            found.push(candidate.seq);
                        }
                    }
                    if last_page || found.len() as i64 >= limit {
                        break;
                    }
                }
                found
            }
            None => {
                let pattern = super::conversations::like_pattern(search);
                sqlx::query_scalar!(
                    r#"SELECT seq AS "seq!: i64" FROM (
                           SELECT rowid AS seq, body, instance_id, direction, status, campaign_id FROM messages
                           WHERE rowid < ?2 ORDER BY rowid DESC LIMIT ?9)
                       WHERE body LIKE ?1 ESCAPE '\'
                         AND (?3 IS NULL OR instance_id = ?3) AND (?4 IS NULL OR direction = ?4)
                         AND (?5 IS NULL OR status = ?5) AND (?6 IS NULL OR campaign_id = ?6)
                         AND (?7 IS NULL OR instance_id IN (SELECT value FROM json_each(?7)))
                       ORDER BY seq DESC LIMIT ?8"#,
                    pattern,
                    before_seq,
                    instance_id,
                    direction,
                    status,
                    filter.campaign_id,
                    scope,
                    limit,
                    SHORT_SEARCH_SCAN,
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        // Messages still in the queue are not in the index yet (it takes them as they leave): they
        // are few, and read through their own index.
        let terms: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
        let first = super::conversations::like_pattern(terms.first().map_or("", String::as_str));
        let queued = sqlx::query!(
            r#"SELECT rowid AS "seq!: i64", body FROM messages
               WHERE status IN ('queued', 'sending') AND status IN ('queued', 'sending', 'failed', 'cancelled')
                 AND rowid < ?2 AND body LIKE ?1 ESCAPE '\'
                 AND (?3 IS NULL OR instance_id = ?3) AND (?4 IS NULL OR direction = ?4)
                 AND (?5 IS NULL OR status = ?5) AND (?6 IS NULL OR campaign_id = ?6)
                 AND (?7 IS NULL OR instance_id IN (SELECT value FROM json_each(?7)))
               ORDER BY rowid DESC LIMIT ?8"#,
            first,
            before_seq,
            instance_id,
            direction,
            status,
            filter.campaign_id,
            scope,
            limit,
        )
        .fetch_all(&self.pool)
        .await?;
        seqs.extend(queued.into_iter().filter_map(|row| {
            let body = row.body?.to_lowercase();
            terms.iter().all(|t| body.contains(t.as_str())).then_some(row.seq)
        }));
        let name_like = super::conversations::like_pattern(search);
        let digits_like =
            super::conversations::phone_digits(search).map(|d| super::conversations::like_pattern(&d));
        let chats = sqlx::query_scalar!(
            r#"SELECT jid FROM contacts
               WHERE name LIKE ?1 ESCAPE '\' OR push_name LIKE ?1 ESCAPE '\' OR (?2 IS NOT NULL AND jid LIKE ?2 ESCAPE '\')
               LIMIT ?3"#,
            name_like,
            digits_like,
            SEARCH_CONTACTS,
        )
        .fetch_all(&self.pool)
        .await?;
        if !chats.is_empty() {
            let chats = serde_json::to_string(&chats).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let by_contact = sqlx::query_scalar!(
                r#"SELECT rowid AS "seq!: i64" FROM messages
                   WHERE chat_jid IN (SELECT value FROM json_each(?1)) AND rowid < ?2
                     AND (?3 IS NULL OR instance_id = ?3) AND (?4 IS NULL OR direction = ?4)
                     AND (?5 IS NULL OR status = ?5) AND (?6 IS NULL OR campaign_id = ?6)
                     AND (?7 IS NULL OR instance_id IN (SELECT value FROM json_each(?7)))
                   ORDER BY rowid DESC LIMIT ?8"#,
                chats,
                before_seq,
                instance_id,
                direction,
                status,
                filter.campaign_id,
                scope,
                limit,
            )
            .fetch_all(&self.pool)
            .await?;
            seqs.extend(by_contact);
        }
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        seqs.dedup();
        seqs.truncate(limit as usize);
        messages_in_order(&self.pool, &seqs).await
    }

    /// The newest message with this text that a number sent (or is about to send) to a chat
    /// since `since`, among its last 50 messages in that chat: every accept asks,
    /// so the work stays bounded however many messages one person gets.
    pub async fn same_text_sent(
        &self,
        instance_id: &InstanceId,
        chat_jid: &str,
        text: &str,
        since: Millis,
    ) -> Result<Option<EarlierText>, StoreError> {
        let instance_id = instance_id.as_str();
        let row = sqlx::query_as!(
            EarlierText,
            r#"SELECT id AS "id!", created_at AS "created_at!", source AS "source!", idempotency_key FROM (
                   SELECT id, created_at, source, idempotency_key, direction, body, status FROM messages
                   WHERE chat_jid = ?1 AND instance_id = ?2 AND created_at >= ?4
                   ORDER BY created_at DESC LIMIT 50)
               WHERE direction = 'outbound' AND body = ?3 AND status NOT IN ('failed', 'cancelled')
               LIMIT 1"#,
            chat_jid,
            instance_id,
            text,
            since
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// Every text sent (or waiting) since `since`, by chat and text, with when it was written:
    /// a campaign preview holds the rows that would repeat one.
    pub async fn texts_sent_since(
        &self,
        since: Millis,
    ) -> Result<std::collections::HashMap<(String, String), Option<Millis>>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT chat_jid, body AS "body!", MAX(created_at) AS "at!: i64" FROM messages
               WHERE created_at >= ?1 AND direction = 'outbound' AND body IS NOT NULL
                 AND status NOT IN ('failed', 'cancelled')
               GROUP BY chat_jid, body"#,
            since
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| ((row.chat_jid, row.body), Some(row.at)))
            .collect())
    }

    /// Claims the oldest due message of an instance for sending, in one statement, so two workers
    /// can never take the same row. Due: queued, its schedule and retry time passed, and not part
    /// of a paused or cancelled campaign.
    pub async fn claim_next_outbound(
        &self,
        instance_id: &InstanceId,
        now: Millis,
    ) -> Result<Option<Claimed>, StoreError> {
        let instance_id = instance_id.as_str();
        let claimed = sqlx::query!(
            r#"UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = ?2
               WHERE id = (SELECT m.id FROM messages m
                           LEFT JOIN campaigns c ON c.id = m.campaign_id
                           WHERE m.instance_id = ?1 AND m.direction = 'outbound' AND m.status = 'queued'
                             AND COALESCE(m.scheduled_at, 0) <= ?2 AND COALESCE(m.next_attempt_at, 0) <= ?2
                             AND (m.campaign_id IS NULL OR c.state = 'running')
                             -- A campaign waits for its numbers to be checked (see number_checks).
                             AND (m.campaign_id IS NULL OR NOT EXISTS (SELECT 1 FROM number_checks_due d
                                  WHERE d.instance_id = ?1 AND d.chat_jid = m.chat_jid))
                             -- A pause taken while this step was under way holds this message too.
                             AND NOT EXISTS (SELECT 1 FROM sending_guards g
                                             WHERE g.instance_id = ?1 AND g.paused_at IS NOT NULL)
                           ORDER BY COALESCE(m.next_attempt_at, m.scheduled_at, m.created_at), m.created_at, m.rowid
                           LIMIT 1)
               RETURNING id AS "id!", payload"#,
            instance_id,
            now,
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(claimed) = claimed else { return Ok(None) };
        let message = self
            .message(&claimed.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("claimed message vanished".into()))?;
        Ok(Some(Claimed {
            message,
            payload: claimed.payload,
        }))
    }

    /// When the next queued message of an instance becomes due, if any is waiting.
    pub async fn next_due_at(&self, instance_id: &InstanceId) -> Result<Option<Millis>, StoreError> {
        let instance_id = instance_id.as_str();
        let due = sqlx::query_scalar!(
            r#"SELECT MIN(MAX(COALESCE(m.scheduled_at, 0), COALESCE(m.next_attempt_at, 0))) AS "due: i64"
               FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id
               WHERE m.instance_id = ?1 AND m.direction = 'outbound' AND m.status = 'queued'
                 AND (m.campaign_id IS NULL OR c.state = 'running')
                 AND (m.campaign_id IS NULL OR NOT EXISTS (SELECT 1 FROM number_checks_due d
                      WHERE d.instance_id = ?1 AND d.chat_jid = m.chat_jid))"#,
            instance_id,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(due)
    }

    /// Puts a message that failed for a passing reason back in the queue, due at `retry_at`.
    pub async fn requeue(
        &self,
        message_id: &str,
        retry_at: Millis,
        code: &str,
        reason: &str,
        now: Millis,
    ) -> Result<Message, StoreError> {
        sqlx::query!(
            "UPDATE messages SET status = 'queued', next_attempt_at = ?2, error_code = ?3, error_message = ?4, updated_at = ?5
             WHERE id = ?1 AND status = 'sending'",
            message_id,
            retry_at,
            code,
            reason,
            now,
        )
        .execute(&self.pool)
        .await?;
        self.message(message_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("requeued message vanished".into()))
    }

    /// Puts back a message whose send met a restriction that paused its number: it waits in its
    /// old place in the queue, and the refused attempt does not count against it.
    pub async fn hold(
        &self,
        message_id: &str,
        code: &str,
        reason: &str,
        now: Millis,
    ) -> Result<Message, StoreError> {
        sqlx::query!(
            "UPDATE messages SET status = 'queued', next_attempt_at = NULL, attempts = MAX(attempts - 1, 0),
                 error_code = ?2, error_message = ?3, updated_at = ?4
             WHERE id = ?1 AND status = 'sending'",
            message_id,
            code,
            reason,
            now,
        )
        .execute(&self.pool)
        .await?;
        self.message(message_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("held message vanished".into()))
    }

    /// A person retries a failed or cancelled message: it is queued afresh. Returns `None` when the
    /// message is in no state to retry.
    pub async fn retry_message(&self, message_id: &str, now: Millis) -> Result<Option<Message>, StoreError> {
        let changed = sqlx::query!(
            "UPDATE messages SET status = 'queued', attempts = 0, next_attempt_at = NULL, error_code = NULL,
                    error_message = NULL, updated_at = ?2
             WHERE id = ?1 AND direction = 'outbound' AND status IN ('failed', 'cancelled')
               AND (payload IS NOT NULL OR (kind = 'text' AND body IS NOT NULL))",
            message_id,
            now,
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.message(message_id).await
    }

    /// Withdraws a queued message. Returns `None` when it is no longer queued.
    pub async fn cancel_message(&self, message_id: &str, now: Millis) -> Result<Option<Message>, StoreError> {
        let changed = sqlx::query!(
            "UPDATE messages SET status = 'cancelled', updated_at = ?2 WHERE id = ?1 AND status = 'queued'",
            message_id,
            now,
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.message(message_id).await
    }

    /// Records the provider's acceptance of a message, then applies any receipt that overtook it.
    pub async fn mark_sent(
        &self,
        message_id: &str,
        provider_message_id: &str,
        now: Millis,
    ) -> Result<Message, StoreError> {
        let mut tx = self.write_transaction().await?;
        let instance_id = sqlx::query_scalar!("SELECT instance_id FROM messages WHERE id = ?", message_id)
            .fetch_one(&mut *tx)
            .await?;
        // A webhook echo of this very send may have been logged as a message of its own first.
        sqlx::query!(
            "DELETE FROM messages WHERE instance_id = ?1 AND provider_message_id = ?2 AND id != ?3",
            instance_id,
            provider_message_id,
            message_id,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE messages SET status = 'sent', provider_message_id = ?2, sent_at = ?3, updated_at = ?3,
                    error_code = NULL, error_message = NULL, next_attempt_at = NULL
             WHERE id = ?1 AND status = 'sending'",
            message_id,
            provider_message_id,
            now,
        )
        .execute(&mut *tx)
        .await?;
        let early = sqlx::query!(
            "DELETE FROM early_receipts WHERE instance_id = ? AND provider_message_id = ? RETURNING status, at",
            instance_id,
            provider_message_id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some(early) = early {
            let status = MessageStatus::parse(&early.status).map_err(|e| StoreError::Corrupt(e.0))?;
            let instance_id = InstanceId::parse(&instance_id).map_err(|e| StoreError::Corrupt(e.0))?;
            self.apply_receipt(&instance_id, provider_message_id, status, None, early.at)
                .await?;
        }
        self.message(message_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("sent message vanished".into()))
    }

    pub async fn mark_failed(
        &self,
        message_id: &str,
        code: &str,
        reason: &str,
        now: Millis,
    ) -> Result<Message, StoreError> {
        sqlx::query!(
            "UPDATE messages SET status = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4,
                    next_attempt_at = NULL
             WHERE id = ?1",
            message_id,
            code,
            reason,
            now,
        )
        .execute(&self.pool)
        .await?;
        self.message(message_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("failed message vanished".into()))
    }

    /// Moves an outbound message forward by a provider receipt; never backward. A receipt for a
    /// message whose send call has not returned yet is parked and applied by `mark_sent`.
    pub async fn apply_receipt(
        &self,
        instance_id: &InstanceId,
        provider_message_id: &str,
        status: MessageStatus,
        failure: Option<&crate::provider::ReceiptFailure>,
        at: Millis,
    ) -> Result<ReceiptOutcome, StoreError> {
        let instance = instance_id.as_str();
        let failure_code = failure.map(|f| f.code.as_str());
        let failure_sentence = failure.map(|f| f.sentence.as_str());
        let status_name = status.as_str();
        let rank = status.rank();
        // The CASE mirrors `MessageStatus::rank`; a test applies receipts in every order to keep them in step.
        let advanced = sqlx::query_scalar!(
            r#"UPDATE messages SET status = ?3, updated_at = ?4,
                    delivered_at = CASE WHEN ?3 IN ('delivered', 'read') THEN COALESCE(delivered_at, ?4) ELSE delivered_at END,
                    read_at = CASE WHEN ?3 = 'read' THEN COALESCE(read_at, ?4) ELSE read_at END,
                    error_code = CASE WHEN ?3 = 'failed' THEN COALESCE(?6, 'provider') ELSE error_code END,
                    error_message = CASE WHEN ?3 = 'failed' THEN COALESCE(?7, 'WhatsApp reported that the message could not be delivered.') ELSE error_message END
               WHERE instance_id = ?1 AND provider_message_id = ?2 AND direction = 'outbound'
                 AND (CASE status WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
                                  WHEN 'failed' THEN 3 WHEN 'delivered' THEN 4 WHEN 'read' THEN 5 ELSE 5 END) < ?5
                 AND status != 'cancelled'
               RETURNING id AS "id!""#,
            instance,
            provider_message_id,
            status_name,
            at,
            rank,
            failure_code,
            failure_sentence,
        )
        .fetch_optional(&self.pool)
        .await?;
        if let Some(message_id) = advanced {
            return Ok(ReceiptOutcome::Advanced { message_id });
        }
        let known = sqlx::query_scalar!(
            "SELECT COUNT(*) FROM messages WHERE instance_id = ? AND provider_message_id = ?",
            instance,
            provider_message_id
        )
        .fetch_one(&self.pool)
        .await?;
        if known > 0 {
            return Ok(ReceiptOutcome::Stale);
        }
        sqlx::query!(
            "INSERT INTO early_receipts (instance_id, provider_message_id, status, status_rank, at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (instance_id, provider_message_id) DO UPDATE
             SET status = excluded.status, status_rank = excluded.status_rank, at = excluded.at
             WHERE excluded.status_rank > early_receipts.status_rank",
            instance,
            provider_message_id,
            status_name,
            rank,
            at,
        )
        .execute(&self.pool)
        .await?;
        Ok(ReceiptOutcome::Parked)
    }

    /// After a crash, messages caught mid-send may or may not have reached the provider. They are
    /// failed with a reason that says so, so a person decides whether to send again; never resent
    /// silently.
    /// When the newest message received on an instance was written (where a catch-up after a
    /// restart starts from).
    pub async fn newest_reported_at(&self, instance_id: &InstanceId) -> Result<Option<Millis>, StoreError> {
        let instance_id = instance_id.as_str();
        let newest = sqlx::query_scalar!(
            // Per conversation, the thread index reads back to its newest inbound message: the cost
            // follows the number's chats, not its whole log.
            r#"SELECT max((SELECT m.created_at FROM messages m
                           WHERE m.chat_jid = c.chat_jid AND m.instance_id = c.instance_id
                             AND m.direction = 'inbound'
                           ORDER BY m.created_at DESC LIMIT 1)) AS "newest: i64"
               FROM conversations c WHERE c.instance_id = ?"#,
            instance_id
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(newest)
    }

    /// Messages sent from here after `after` that may still get a receipt (sent or delivered,
    /// not yet read), oldest first: `(provider message id, sent at)`.
    pub async fn awaiting_receipts(
        &self,
        instance_id: &InstanceId,
        after: Millis,
        limit: i64,
    ) -> Result<Vec<(String, Millis)>, StoreError> {
        let instance_id = instance_id.as_str();
        let rows = sqlx::query!(
            r#"SELECT provider_message_id AS "provider_message_id!", sent_at AS "sent_at!" FROM messages
               WHERE instance_id = ?1 AND direction = 'outbound' AND status IN ('sent', 'delivered')
                 AND provider_message_id IS NOT NULL AND sent_at > ?2
               ORDER BY sent_at LIMIT ?3"#,
            instance_id,
            after,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.provider_message_id, r.sent_at))
            .collect())
    }

    pub async fn fail_interrupted_sends(&self, now: Millis) -> Result<u64, StoreError> {
        let result = sqlx::query!(
            "UPDATE messages SET status = 'failed', error_code = 'interrupted', updated_at = ?1,
                    error_message = 'Switchboard stopped while sending this message; it may or may not have been sent. Check the chat on the phone before sending it again.'
             WHERE status = 'sending' AND status IN ('queued', 'sending', 'failed', 'cancelled')",
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }
}

/// A message by id, on a connection that may be inside a caller's transaction.
pub(super) async fn message_on(
    connection: &mut sqlx::SqliteConnection,
    id: &str,
) -> Result<Option<Message>, StoreError> {
    let row = sqlx::query_as!(
        MessageRow,
        r#"SELECT id, rowid AS "seq!: i64", instance_id, direction, chat_jid, contact, sender_name, kind, body, status,
                provider_message_id, error_code, error_message, attempts, created_at, updated_at, sent_at,
                delivered_at, read_at, scheduled_at, next_attempt_at, source, campaign_id, media_path, quoted_id
         FROM messages WHERE id = ?"#,
        id
    )
    .fetch_optional(connection)
    .await?;
    row.map(Message::try_from).transpose()
}

/// Messages by their place in the log, in the order of `seqs`.
pub(super) async fn messages_in_order(
    pool: &sqlx::SqlitePool,
    seqs: &[i64],
) -> Result<Vec<Message>, StoreError> {
    let mut found: std::collections::HashMap<i64, Message> =
        message_rows_by_seq(pool, seqs).await?.into_iter().collect();
    Ok(seqs.iter().filter_map(|seq| found.remove(seq)).collect())
}

/// Messages by their place in the log, with that place (in no particular order).
pub(super) async fn message_rows_by_seq(
    pool: &sqlx::SqlitePool,
    seqs: &[i64],
) -> Result<Vec<(i64, Message)>, StoreError> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let seqs = serde_json::to_string(seqs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rows = sqlx::query_as!(
        MessageRow,
        r#"SELECT id, rowid AS "seq!: i64", instance_id, direction, chat_jid, contact, sender_name, kind, body, status,
                provider_message_id, error_code, error_message, attempts, created_at, updated_at, sent_at,
                delivered_at, read_at, scheduled_at, next_attempt_at, source, campaign_id, media_path, quoted_id
         FROM messages WHERE rowid IN (SELECT value FROM json_each(?1))"#,
        seqs
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            let seq = row.seq;
            Message::try_from(row).map(|m| (seq, m))
        })
        .collect()
}

/// A text sent earlier to the same chat (see `same_text_sent`).
#[derive(Debug, Clone)]
pub struct EarlierText {
    pub id: String,
    pub created_at: Millis,
    /// Who accepted it, and under which idempotency key.
    pub source: String,
    pub idempotency_key: Option<String>,
}

/// The one outbound INSERT: the new row, or `None` when the source already used the idempotency key.
pub(super) async fn insert_outbound_row<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    new: &NewOutbound<'_>,
) -> Result<Option<MessageRow>, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let instance_id = new.instance_id.as_str();
    let kind = new.kind.as_str();
    let inserted = sqlx::query_as!(
            MessageRow,
            r#"INSERT INTO messages (id, instance_id, direction, chat_jid, contact, kind, body, payload, status,
                   scheduled_at, source, idempotency_key, campaign_id, created_at, updated_at, quoted_id)
               VALUES (?1, ?2, 'outbound', ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?10, ?11, ?12, ?12, ?13)
               ON CONFLICT (source, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
               RETURNING id AS "id!", rowid AS "seq!: i64", instance_id AS "instance_id!", direction AS "direction!", chat_jid AS "chat_jid!",
                   contact AS "contact!", sender_name, kind AS "kind!", body, status AS "status!", provider_message_id,
                   error_code, error_message, attempts AS "attempts!", created_at AS "created_at!",
                   updated_at AS "updated_at!", sent_at, delivered_at, read_at, scheduled_at, next_attempt_at,
                   source AS "source!", campaign_id, media_path, quoted_id"#,
            id,
            instance_id,
            new.chat_jid,
            new.contact,
            kind,
            new.body,
            new.payload,
            new.scheduled_at,
            new.source,
            new.idempotency_key,
            new.campaign_id,
            new.now,
            new.quoted_id,
        )
        .fetch_optional(executor)
        .await?;
    Ok(inserted)
}

#[cfg(test)]
mod plans {
    use super::*;

    /// What SQLite plans for a statement of `queries/`, with every optional filter absent.
    async fn plan(store: &Store, sql: &str, status: Option<&str>, campaign: Option<&str>) -> Vec<String> {
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN {sql}"
        )))
        .bind(Millis::MAX)
        .bind(0_i64)
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(status)
        .bind(None::<String>)
        .bind(100_i64);
        if campaign.is_some() {
            query = query.bind(campaign);
        }
        let rows = query.fetch_all(store.pool()).await.expect("plan");
        rows.into_iter().map(|(_, _, _, detail)| detail).collect()
    }

    #[tokio::test]
    async fn every_log_filter_is_served_by_an_index_not_a_scan_of_the_log() {
        let store = Store::in_memory().await.expect("store");
        let cases = [
            (
                include_str!("../../queries/log_page.sql"),
                None,
                None,
                "messages_newest",
            ),
            (
                include_str!("../../queries/log_unfinished.sql"),
                Some("queued"),
                None,
                "messages_unfinished",
            ),
            (
                include_str!("../../queries/log_campaign.sql"),
                None,
                Some("c1"),
                "messages_campaign",
            ),
        ];
        for (sql, status, campaign, index) in cases {
            let details = plan(&store, sql, status, campaign).await;
            assert!(
                details.iter().any(|d| d.contains(&format!("INDEX {index}"))),
                "{index} unused: {details:?}"
            );
            assert!(
                !details.iter().any(|d| d == "SCAN messages"),
                "a full scan of the log: {details:?}"
            );
        }
    }
}

#[cfg(test)]
mod fts_tests {
    use super::fts_query;

    fn query(search: &str) -> Option<String> {
        fts_query(search).map(|s| s.query)
    }

    #[test]
    fn searches_become_trigrams_and_control_characters_split_them() {
        assert_eq!(
            query("Pedido 1042").as_deref(),
            Some(r#""ped" AND "edi" AND "did" AND "ido" AND "104" AND "042""#)
        );
        assert_eq!(query("o \"x\""), None, "\"o\" is shorter than a trigram");
        assert_eq!(
            query("say \"hi\"").as_deref(),
            Some(r#""say" AND """hi" AND "hi""""#)
        );
        assert_eq!(query("eêa\0abc").as_deref(), Some(r#""eêa" AND "abc""#));
        assert_eq!(query("\0\0"), None);
        assert!(
            query("x\u{7}yz").is_none(),
            "a one-letter piece falls back to LIKE"
        );
        assert_eq!(
            query("aaaa").as_deref(),
            Some(r#""aaa""#),
            "a trigram is asked once"
        );
    }

    #[test]
    fn a_candidate_must_hold_every_term_whole_in_any_case() {
        let search = fts_query("SÁBADO abre").expect("index search");
        assert!(search.holds_every_term(Some("Vocês abrem no sábado?")));
        assert!(
            !search.holds_every_term(Some("sáb ado abre")),
            "trigrams present, term not"
        );
        assert!(!search.holds_every_term(Some("sábado")), "one term missing");
        assert!(!search.holds_every_term(None));
    }
}

#[cfg(test)]
mod compact_log_tests {
    use super::super::{MessageFilter, Store};
    use crate::domain::{InstanceId, MessageStatus, OutgoingContent};

    const INSTANCE: &str = "00000000-0000-4000-8000-000000000001";

    /// A log as the release before migration 0018 kept it: payloads beside every text, and the
    /// status history of every message as rows, partly reported to webhooks.
    async fn log_before_compaction(path: &std::path::Path) -> i64 {
        use sqlx::migrate::Migrator;
        use std::borrow::Cow;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.expect("pool");
        let all = sqlx::migrate!("./migrations");
        let before = Migrator {
            migrations: Cow::Owned(all.iter().filter(|m| m.version <= 17).cloned().collect()),
            ..Migrator::DEFAULT
        };
        before.run(&pool).await.expect("old migrations");
        sqlx::query(
            "INSERT INTO instances (id, display_name, provider, remote_name, status, event_transport, created_at, updated_at)
             VALUES (?, 'Loja', 'native', 'this-computer', 'connected', 'polling', 0, 0)",
        )
        .bind(INSTANCE)
        .execute(&pool)
        .await
        .expect("instance");
        let plain = r#"{"type":"text","text":"Olá, seu pedido saiu","quoted":null}"#;
        let quoted = r#"{"type":"text","text":"Sim","quoted":{"provider_message_id":"P1","chat_jid":"5511900000002@s.whatsapp.net","from_me":false,"text":"Chegou?"}}"#;
        let rows = [
            (
                "sent",
                "outbound",
                "Olá, seu pedido saiu",
                Some(plain),
                "queued",
                1_000,
            ),
            ("reply", "outbound", "Sim", Some(quoted), "queued", 2_000),
            (
                "waiting",
                "outbound",
                "Olá, seu pedido saiu",
                Some(plain),
                "queued",
                3_000,
            ),
            ("in", "inbound", "Meu pedido chegou", None, "received", 4_000),
        ];
        for (id, direction, body, payload, status, at) in rows {
            sqlx::query(
                "INSERT INTO messages (id, instance_id, direction, chat_jid, contact, kind, body, payload, status, created_at, updated_at)
                 VALUES (?, ?, ?, '5511900000002@s.whatsapp.net', '+5511900000002', 'text', ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(INSTANCE)
            .bind(direction)
            .bind(body)
            .bind(payload)
            .bind(status)
            .bind(at)
            .bind(at)
            .execute(&pool)
            .await
            .expect("message");
        }
        for (status, at) in [("sent", 5_000), ("delivered", 6_000), ("read", 7_000)] {
            sqlx::query(
                "UPDATE messages SET status = ?1, updated_at = ?2, attempts = 1,
                        sent_at = COALESCE(sent_at, ?2),
                        delivered_at = CASE WHEN ?1 = 'sent' THEN NULL ELSE COALESCE(delivered_at, ?2) END,
                        read_at = CASE WHEN ?1 = 'read' THEN ?2 END
                 WHERE id = 'sent'",
            )
            .bind(status)
            .bind(at)
            .execute(&pool)
            .await
            .expect("status");
        }
        // Webhooks have reported all but the last two changes.
        let reported: i64 = sqlx::query_scalar("SELECT max(id) - 2 FROM message_events")
            .fetch_one(&pool)
            .await
            .expect("events");
        sqlx::query("UPDATE webhook_cursors SET last_id = ? WHERE source = 'message_events'")
            .bind(reported)
            .execute(&pool)
            .await
            .expect("cursor");
        pool.close().await;
        reported
    }

    #[tokio::test]
    async fn the_compacted_log_keeps_what_it_sends_finds_and_reports() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("switchboard.db");
        let reported = log_before_compaction(&path).await;
        let store = Store::open(&path).await.expect("migrated");
        let pool = store.pool();

        let payloads: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT id, payload FROM messages ORDER BY created_at")
                .fetch_all(pool)
                .await
                .expect("payloads");
        let kept: Vec<(&str, bool)> = payloads
            .iter()
            .map(|(id, p)| (id.as_str(), p.is_some()))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("sent", false),
                ("reply", true),
                ("waiting", false),
                ("in", false)
            ],
            "a plain text's payload goes; a quoted reply keeps what its body cannot say"
        );

        let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM message_events ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("events");
        assert_eq!(
            left,
            vec![reported + 1, reported + 2],
            "only changes not yet reported stay"
        );

        let history: Vec<(MessageStatus, i64)> = store
            .message_events("sent")
            .await
            .expect("history")
            .into_iter()
            .map(|e| (e.status, e.at))
            .collect();
        assert_eq!(
            history,
            vec![
                (MessageStatus::Queued, 1_000),
                (MessageStatus::Sent, 5_000),
                (MessageStatus::Delivered, 6_000),
                (MessageStatus::Read, 7_000)
            ]
        );

        let found = store
            .messages(&MessageFilter {
                search: Some("PEDIDO".into()),
                ..MessageFilter::default()
            })
            .await
            .expect("search");
        let found: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            found,
            vec!["in", "waiting", "sent"],
            "the rebuilt index holds the old log"
        );

        let instance = InstanceId::parse(INSTANCE).expect("id");
        let first = store
            .claim_next_outbound(&instance, 10_000)
            .await
            .expect("claim")
            .expect("a queued message");
        assert_eq!(first.message.id, "reply");
        assert!(matches!(
            first.content(),
            Some(OutgoingContent::Text { quoted: Some(_), .. })
        ));
        let second = store
            .claim_next_outbound(&instance, 10_000)
            .await
            .expect("claim")
            .expect("a queued message");
        assert_eq!(
            second.content(),
            Some(OutgoingContent::Text {
                text: "Olá, seu pedido saiu".into(),
                quoted: None
            }),
            "a plain text is sent from its body"
        );
    }
}
