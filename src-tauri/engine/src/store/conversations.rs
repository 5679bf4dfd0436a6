//! Conversations, the contact book and labels. The `conversations` and `contacts` rows are kept by
//! triggers on the message log (migration 0007); this module pages through them, keeps what a person
//! edits (names, notes, labels, opt-out), and folds a contact's second address (`@lid`) into one
//! identity.

use super::messages::{message_rows_by_seq, messages_in_order, Message};
use super::{Millis, Store, StoreError};
use crate::domain::{InstanceId, Jid, JidKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A label a person puts on contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: i64,
    pub name: String,
    /// A CSS colour, `#rrggbb`.
    pub color: String,
}

/// A person or group, across numbers.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: i64,
    /// The WhatsApp address Switchboard knows them by.
    pub jid: String,
    /// Their number in E.164, when the address is a phone's.
    pub phone: Option<String>,
    pub is_group: bool,
    /// What a person reads: the saved name, else their WhatsApp name, else the formatted number.
    pub display_name: String,
    /// The name they gave themselves on WhatsApp.
    pub push_name: Option<String>,
    /// The name saved here.
    pub name: Option<String>,
    pub notes: Option<String>,
    pub labels: Vec<Label>,
    /// When they asked not to be messaged; campaigns and the API refuse them from then on.
    pub opted_out_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// One chat of one number.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: i64,
    pub instance_id: InstanceId,
    pub chat_jid: String,
    pub contact: Contact,
    /// Messages received since a person here last opened it.
    pub unread: i64,
    /// When the newest message was written.
    pub last_at: Millis,
    /// The newest message still in the log.
    pub last_message: Option<Message>,
    /// Until when free-form messages reach this customer, on a number whose provider has a reply
    /// window (the Cloud API's 24 hours); 0 when the customer never wrote; `None` where no window
    /// applies. The engine fills it in.
    pub reply_window_ends_at: Option<Millis>,
}

/// Which conversations to list, newest activity first.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct ConversationFilter {
    pub instance_id: Option<InstanceId>,
    /// Only conversations with unread messages.
    pub unread_only: bool,
    pub label_id: Option<i64>,
    /// Part of the contact's name or number.
    pub search: Option<String>,
    /// Paging: only conversations older than this one (its `lastAt` and `id`).
    pub before_at: Option<Millis>,
    pub before_id: Option<i64>,
    /// At most this many (default 50, at most 200).
    pub limit: Option<u32>,
    /// Only these instances (an API key's scope); not settable from outside.
    #[serde(skip)]
    #[specta(skip)]
    #[param(ignore)]
    pub scope: Option<Vec<InstanceId>>,
}

/// Which contacts to list, by name.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct ContactFilter {
    /// Part of the name or number.
    pub search: Option<String>,
    pub label_id: Option<i64>,
    pub opted_out: Option<bool>,
    /// Paging: contacts after this id.
    pub after_id: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    #[serde(skip)]
    #[specta(skip)]
    #[param(ignore)]
    pub scope: Option<Vec<InstanceId>>,
}

/// What a person changes on a contact; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactUpdate {
    /// An empty name clears it.
    pub name: Option<String>,
    pub notes: Option<String>,
    /// The whole set of label names; labels not yet known are created.
    pub labels: Option<Vec<String>>,
    pub opted_out: Option<bool>,
}

/// Colours for new labels, picked in turn.
const LABEL_COLORS: [&str; 8] = [
    "#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
];
const DEFAULT_CONVERSATIONS: u32 = 50;
const MAX_CONVERSATIONS: u32 = 200;
const DEFAULT_CONTACTS: u32 = 100;
const MAX_CONTACTS: u32 = 1000;
/// Receipts sent on opening a conversation: the newest this many unread messages.
const MAX_RECEIPTS: i64 = 100;

struct ContactRow {
    id: i64,
    jid: String,
    push_name: Option<String>,
    name: Option<String>,
    notes: Option<String>,
    opted_out_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl ContactRow {
    fn into_contact(self, labels: Vec<Label>) -> Contact {
        let address = Jid::parse(&self.jid).ok();
        let phone = address.as_ref().and_then(Jid::phone);
        let is_group = address.as_ref().is_some_and(|a| a.kind() == JidKind::Group);
        let display_name = self
            .name
            .clone()
            .or_else(|| self.push_name.clone())
            .or_else(|| phone.as_ref().map(|p| p.formatted()))
            .unwrap_or_else(|| self.jid.clone());
        Contact {
            id: self.id,
            phone: phone.map(|p| p.e164()),
            is_group,
            display_name,
            jid: self.jid,
            push_name: self.push_name,
            name: self.name,
            notes: self.notes,
            labels,
            opted_out_at: self.opted_out_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

fn ids_json<T: Serialize>(ids: &[T]) -> Result<String, StoreError> {
    serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// An API key's scope as the JSON array `json_each` reads.
pub(super) fn scope_json(scope: &Option<Vec<InstanceId>>) -> Result<Option<String>, StoreError> {
    scope
        .as_ref()
        .map(|ids| ids_json(&ids.iter().map(InstanceId::as_str).collect::<Vec<_>>()))
        .transpose()
}

/// `%part%` for LIKE, with LIKE's own wildcards taken literally.
pub(super) fn like_pattern(part: &str) -> String {
    let escaped = part.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The digits of a search that reads as part of a phone number (`98765-4321`, `+55 11`), so it
/// finds the number however it was typed.
pub(super) fn phone_digits(search: &str) -> Option<String> {
    let looks_like_phone = search.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    (looks_like_phone && digits.len() >= 3).then_some(digits)
}

impl Store {
    /// Labels of these contacts, by contact.
    async fn labels_of(&self, contact_ids: &[i64]) -> Result<HashMap<i64, Vec<Label>>, StoreError> {
        let mut by_contact: HashMap<i64, Vec<Label>> = HashMap::new();
        if contact_ids.is_empty() {
            return Ok(by_contact);
        }
        let ids = ids_json(contact_ids)?;
        let rows = sqlx::query!(
            r#"SELECT cl.contact_id AS "contact_id!", l.id AS "id!", l.name AS "name!", l.color AS "color!"
               FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
               WHERE cl.contact_id IN (SELECT value FROM json_each(?1))
               ORDER BY l.name"#,
            ids
        )
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            by_contact.entry(row.contact_id).or_default().push(Label {
                id: row.id,
                name: row.name,
                color: row.color,
            });
        }
        Ok(by_contact)
    }

    async fn with_labels(&self, rows: Vec<ContactRow>) -> Result<Vec<Contact>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut labels = self.labels_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let own = labels.remove(&row.id).unwrap_or_default();
                row.into_contact(own)
            })
            .collect())
    }

    pub async fn conversations(&self, filter: &ConversationFilter) -> Result<Vec<Conversation>, StoreError> {
        let instance_id = filter.instance_id.as_ref().map(InstanceId::as_str);
        let limit = i64::from(
            filter
                .limit
                .unwrap_or(DEFAULT_CONVERSATIONS)
                .clamp(1, MAX_CONVERSATIONS),
        );
        let scope = scope_json(&filter.scope)?;
        let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let name_like = search.map(like_pattern);
        let digits_like = search.and_then(phone_digits).map(|d| like_pattern(&d));
        let before_at = filter.before_at.unwrap_or(Millis::MAX);
        let before_id = filter.before_id.unwrap_or(i64::MAX);
        let rows = sqlx::query!(
            r#"SELECT c.id AS "id!", c.instance_id AS "instance_id!", c.chat_jid AS "chat_jid!",
                      c.last_at AS "last_at!", c.unread AS "unread!",
                      k.id AS "contact_id!", k.jid AS "jid!", k.push_name, k.name, k.notes, k.opted_out_at,
                      k.created_at AS "contact_created_at!", k.updated_at AS "contact_updated_at!",
                      (SELECT m.rowid FROM messages m
                       WHERE m.chat_jid = c.chat_jid AND m.instance_id = c.instance_id
                       ORDER BY m.created_at DESC, m.rowid DESC LIMIT 1) AS "last_seq: i64"
               FROM conversations c JOIN contacts k ON k.jid = c.chat_jid
               WHERE (?1 IS NULL OR c.instance_id = ?1)
                 AND (?2 = 0 OR c.unread > 0)
                 AND (?3 IS NULL OR EXISTS (SELECT 1 FROM contact_labels cl WHERE cl.contact_id = k.id AND cl.label_id = ?3))
                 AND (?4 IS NULL OR k.name LIKE ?4 ESCAPE '\' OR k.push_name LIKE ?4 ESCAPE '\'
                      OR (?5 IS NOT NULL AND k.jid LIKE ?5 ESCAPE '\'))
                 AND (c.last_at < ?6 OR (c.last_at = ?6 AND c.id < ?7))
                 AND (?8 IS NULL OR c.instance_id IN (SELECT value FROM json_each(?8)))
               ORDER BY c.last_at DESC, c.id DESC
               LIMIT ?9"#,
            instance_id,
            filter.unread_only,
            filter.label_id,
            name_like,
            digits_like,
            before_at,
            before_id,
            scope,
            limit,
        )
        .fetch_all(&self.pool)
        .await?;
        let contact_ids: Vec<i64> = rows.iter().map(|r| r.contact_id).collect();
        let mut labels = self.labels_of(&contact_ids).await?;
        let seqs: Vec<i64> = rows.iter().filter_map(|r| r.last_seq).collect();
        let mut last_messages: HashMap<i64, Message> = message_rows_by_seq(&self.pool, &seqs)
            .await?
            .into_iter()
            .collect();
        rows.into_iter()
            .map(|row| {
                let contact = ContactRow {
                    id: row.contact_id,
                    jid: row.jid,
                    push_name: row.push_name,
                    name: row.name,
                    notes: row.notes,
                    opted_out_at: row.opted_out_at,
                    created_at: row.contact_created_at,
                    updated_at: row.contact_updated_at,
                }
                .into_contact(labels.remove(&row.contact_id).unwrap_or_default());
                Ok(Conversation {
                    id: row.id,
                    instance_id: InstanceId::parse(&row.instance_id).map_err(|e| StoreError::Corrupt(e.0))?,
                    chat_jid: row.chat_jid,
                    contact,
                    unread: row.unread,
                    last_at: row.last_at,
                    last_message: row.last_seq.and_then(|seq| last_messages.remove(&seq)),
                    reply_window_ends_at: None,
                })
            })
            .collect()
    }

    /// One conversation by id.
    pub async fn conversation(&self, id: i64) -> Result<Option<Conversation>, StoreError> {
        let Some(row) = sqlx::query!("SELECT last_at, instance_id FROM conversations WHERE id = ?", id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let instance_id = InstanceId::parse(&row.instance_id).map_err(|e| StoreError::Corrupt(e.0))?;
        // The list's own query, starting just at this conversation: one way to build a conversation.
        let page = self
            .conversations(&ConversationFilter {
                instance_id: Some(instance_id),
                before_at: Some(row.last_at),
                before_id: Some(id + 1),
                limit: Some(1),
                ..ConversationFilter::default()
            })
            .await?;
        Ok(page.into_iter().find(|c| c.id == id))
    }

    /// The conversation of a chat on a number, if any message was logged in it.
    pub async fn conversation_id_of(
        &self,
        instance_id: &InstanceId,
        chat_jid: &str,
    ) -> Result<Option<i64>, StoreError> {
        let instance_id = instance_id.as_str();
        Ok(sqlx::query_scalar!(
            "SELECT id FROM conversations WHERE instance_id = ? AND chat_jid = ?",
            instance_id,
            chat_jid
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Messages of one chat of one number, newest first, before a message (its `createdAt` and `seq`).
    pub async fn thread(
        &self,
        instance_id: &InstanceId,
        chat_jid: &str,
        before: Option<(Millis, i64)>,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let instance_id = instance_id.as_str();
        let (before_at, before_seq) = before.unwrap_or((Millis::MAX, i64::MAX));
        let limit = i64::from(limit.clamp(1, 500));
        let seqs = sqlx::query_scalar!(
            r#"SELECT rowid AS "seq!: i64" FROM messages
               WHERE chat_jid = ?1 AND instance_id = ?2 AND created_at <= ?3
                 AND (created_at < ?3 OR rowid < ?4)
               ORDER BY created_at DESC, rowid DESC LIMIT ?5"#,
            chat_jid,
            instance_id,
            before_at,
            before_seq,
            limit,
        )
        .fetch_all(&self.pool)
        .await?;
        messages_in_order(&self.pool, &seqs).await
    }

    /// Marks a conversation read up to `now`. Returns the provider ids of the inbound messages that
    /// were unread (the newest first, at most 100), for read receipts; `None` when there is no
    /// such conversation.
    pub async fn mark_conversation_read(
        &self,
        id: i64,
        now: Millis,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let mut tx = self.write_transaction().await?;
        let Some(before) = sqlx::query!(
            "SELECT instance_id, chat_jid, read_at, unread FROM conversations WHERE id = ?",
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let since = before.read_at.unwrap_or(0);
        let unread = if before.unread > 0 {
            sqlx::query_scalar!(
                r#"SELECT provider_message_id AS "id!" FROM messages
                   WHERE chat_jid = ?1 AND instance_id = ?2 AND created_at > ?3 AND direction = 'inbound'
                     AND provider_message_id IS NOT NULL
                   ORDER BY created_at DESC LIMIT ?4"#,
                before.chat_jid,
                before.instance_id,
                since,
                MAX_RECEIPTS,
            )
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        sqlx::query!(
            "UPDATE conversations SET unread = 0, read_at = max(COALESCE(read_at, 0), ?2) WHERE id = ?1",
            id,
            now
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(unread))
    }

    /// Unread messages over all conversations (of these instances, when given).
    pub async fn unread_total(&self, scope: &Option<Vec<InstanceId>>) -> Result<i64, StoreError> {
        let scope = scope_json(scope)?;
        Ok(sqlx::query_scalar!(
            r#"SELECT COALESCE(SUM(unread), 0) AS "total!: i64" FROM conversations
               WHERE unread > 0 AND (?1 IS NULL OR instance_id IN (SELECT value FROM json_each(?1)))"#,
            scope
        )
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn contacts(&self, filter: &ContactFilter) -> Result<Vec<Contact>, StoreError> {
        let limit = i64::from(filter.limit.unwrap_or(DEFAULT_CONTACTS).clamp(1, MAX_CONTACTS));
        let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let name_like = search.map(like_pattern);
        let digits_like = search.and_then(phone_digits).map(|d| like_pattern(&d));
        let scope = scope_json(&filter.scope)?;
        let after_id = filter.after_id.unwrap_or(0);
        let rows = sqlx::query_as!(
            ContactRow,
            r#"SELECT k.id, k.jid, k.push_name, k.name, k.notes, k.opted_out_at, k.created_at, k.updated_at
               FROM contacts k
               WHERE k.id > ?1
                 AND (?2 IS NULL OR k.name LIKE ?2 ESCAPE '\' OR k.push_name LIKE ?2 ESCAPE '\'
                      OR (?3 IS NOT NULL AND k.jid LIKE ?3 ESCAPE '\'))
                 AND (?4 IS NULL OR EXISTS (SELECT 1 FROM contact_labels cl WHERE cl.contact_id = k.id AND cl.label_id = ?4))
                 AND (?5 IS NULL OR (k.opted_out_at IS NOT NULL) = ?5)
                 AND (?6 IS NULL OR EXISTS (SELECT 1 FROM conversations c WHERE c.chat_jid = k.jid
                                              AND c.instance_id IN (SELECT value FROM json_each(?6))))
               ORDER BY k.id LIMIT ?7"#,
            after_id,
            name_like,
            digits_like,
            filter.label_id,
            filter.opted_out,
            scope,
            limit,
        )
        .fetch_all(&self.pool)
        .await?;
        self.with_labels(rows).await
    }

    pub async fn contact(&self, id: i64) -> Result<Option<Contact>, StoreError> {
        let row = sqlx::query_as!(
            ContactRow,
            "SELECT id, jid, push_name, name, notes, opted_out_at, created_at, updated_at FROM contacts WHERE id = ?",
            id
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(self.with_labels(row.into_iter().collect()).await?.pop())
    }

    pub async fn contact_by_jid(&self, jid: &str) -> Result<Option<Contact>, StoreError> {
        let row = sqlx::query_as!(
            ContactRow,
            "SELECT id, jid, push_name, name, notes, opted_out_at, created_at, updated_at FROM contacts WHERE jid = ?",
            jid
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(self.with_labels(row.into_iter().collect()).await?.pop())
    }

    /// Whether a contact of one of these instances (any, when `None`) has this id.
    pub async fn contact_in_scope(&self, id: i64, scope: &[InstanceId]) -> Result<bool, StoreError> {
        let scope = ids_json(&scope.iter().map(InstanceId::as_str).collect::<Vec<_>>())?;
        Ok(sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM contacts k JOIN conversations c ON c.chat_jid = k.jid
                              WHERE k.id = ?1 AND c.instance_id IN (SELECT value FROM json_each(?2))) AS "found!: bool""#,
            id,
            scope
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Marks a contact opted out (it asked by message); one already opted out keeps its date.
    pub async fn opt_out(&self, jid: &str, now: Millis) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE contacts SET opted_out_at = ?2, updated_at = ?2 WHERE jid = ?1 AND opted_out_at IS NULL",
            jid,
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Withdraws the messages still queued for a contact who opted out (but the confirmation
    /// of `keep_source`); returns each one's id and number.
    pub async fn withdraw_queued_messages_to(
        &self,
        jid: &str,
        keep_source: &str,
        now: Millis,
    ) -> Result<Vec<(String, InstanceId)>, StoreError> {
        let rows = sqlx::query!(
            "UPDATE messages SET status = 'cancelled', updated_at = ?2
             WHERE chat_jid = ?1 AND status = 'queued' AND source != ?3
             RETURNING id, instance_id",
            jid,
            now,
            keep_source
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let instance = InstanceId::parse(&row.instance_id).map_err(|e| StoreError::Corrupt(e.0))?;
                Ok((row.id, instance))
            })
            .collect()
    }

    /// When this address (or the contact it is an alias of) opted out, if it did.
    pub async fn opted_out_at(&self, jid: &str) -> Result<Option<Millis>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT opted_out_at AS "at!: i64" FROM contacts
               WHERE opted_out_at IS NOT NULL
                 AND jid IN (?1, (SELECT jid FROM contact_aliases WHERE alias_jid = ?1))"#,
            jid
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// When the customer in a one-to-one chat last wrote to an instance.
    pub async fn last_inbound_at(
        &self,
        instance_id: &InstanceId,
        chat_jid: &str,
    ) -> Result<Option<Millis>, StoreError> {
        let instance = instance_id.as_str();
        Ok(sqlx::query_scalar!(
            r#"SELECT created_at AS "at!: i64" FROM messages
               WHERE chat_jid = ?1 AND instance_id = ?2 AND direction = 'inbound'
               ORDER BY created_at DESC LIMIT 1"#,
            chat_jid,
            instance
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The addresses of every opted-out contact, for checking a campaign's rows at once.
    pub async fn opted_out_jids(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        Ok(
            sqlx::query_scalar!("SELECT jid FROM contacts WHERE opted_out_at IS NOT NULL")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect(),
        )
    }

    /// Contacts with a label, by id, for a campaign's recipients.
    pub async fn contacts_with_label(&self, label_id: i64) -> Result<Vec<Contact>, StoreError> {
        let rows = sqlx::query_as!(
            ContactRow,
            "SELECT k.id, k.jid, k.push_name, k.name, k.notes, k.opted_out_at, k.created_at, k.updated_at
             FROM contacts k JOIN contact_labels cl ON cl.contact_id = k.id
             WHERE cl.label_id = ? ORDER BY k.id",
            label_id
        )
        .fetch_all(&self.pool)
        .await?;
        self.with_labels(rows).await
    }

    /// Applies a person's changes to a contact in one transaction. `None` when there is no such contact.
    pub async fn update_contact(
        &self,
        id: i64,
        update: &ContactUpdate,
        now: Millis,
    ) -> Result<Option<Contact>, StoreError> {
        let mut tx = self.write_transaction().await?;
        let exists = sqlx::query_scalar!("SELECT id FROM contacts WHERE id = ?", id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(None);
        }
        apply_update(&mut tx, id, update, now).await?;
        tx.commit().await?;
        self.contact(id).await
    }

    /// Adds or updates a contact by address (a CSV import row). Returns its id.
    pub async fn upsert_contact(
        &self,
        jid: &str,
        update: &ContactUpdate,
        now: Millis,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_transaction().await?;
        let id = sqlx::query_scalar!(
            r#"INSERT INTO contacts (jid, created_at, updated_at) VALUES (?1, ?2, ?2)
               ON CONFLICT (jid) DO UPDATE SET updated_at = excluded.updated_at
               RETURNING id AS "id!""#,
            jid,
            now
        )
        .fetch_one(&mut *tx)
        .await?;
        apply_update(&mut tx, id, update, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn labels(&self) -> Result<Vec<Label>, StoreError> {
        Ok(sqlx::query_as!(
            Label,
            r#"SELECT id AS "id!", name, color FROM labels ORDER BY name"#
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Renames or recolours a label. `None` when there is no such label.
    pub async fn update_label(&self, id: i64, name: &str, color: &str) -> Result<Option<Label>, StoreError> {
        Ok(sqlx::query_as!(
            Label,
            r#"UPDATE labels SET name = ?2, color = ?3 WHERE id = ?1 RETURNING id AS "id!", name, color"#,
            id,
            name,
            color
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn delete_label(&self, id: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query!("DELETE FROM labels WHERE id = ?", id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            > 0)
    }

    /// The identity an address stands for, when it is a known alias.
    pub async fn identity_of_alias(&self, alias_jid: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar!("SELECT jid FROM contact_aliases WHERE alias_jid = ?", alias_jid)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records that `alias` is another address of `identity`. The first time, whatever was logged
    /// under the alias moves to the identity: its messages, conversations (unread counts added)
    /// and what a person saved on its contact, so one person is one conversation.
    pub async fn record_alias(&self, alias: &str, identity: &str, now: Millis) -> Result<bool, StoreError> {
        if alias == identity {
            return Ok(false);
        }
        let mut tx = self.write_transaction().await?;
        let new = sqlx::query!(
            "INSERT INTO contact_aliases (alias_jid, jid) VALUES (?, ?) ON CONFLICT DO NOTHING",
            alias,
            identity
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !new {
            return Ok(false);
        }
        let contact = Jid::parse(identity)
            .map(|j| j.display())
            .unwrap_or_else(|_| identity.to_owned());
        // The identity's contact and conversations exist before the alias's rows fold into them.
        sqlx::query!(
            "INSERT INTO contacts (jid, created_at, updated_at) VALUES (?1, ?2, ?2) ON CONFLICT DO NOTHING",
            identity,
            now
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO conversations (instance_id, chat_jid, last_at, unread, read_at)
             SELECT instance_id, ?2, last_at, unread, read_at FROM conversations WHERE chat_jid = ?1
             ON CONFLICT (instance_id, chat_jid) DO UPDATE SET
                 last_at = max(conversations.last_at, excluded.last_at),
                 unread = conversations.unread + excluded.unread",
            alias,
            identity
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("DELETE FROM conversations WHERE chat_jid = ?", alias)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "UPDATE messages SET chat_jid = ?2, contact = ?3 WHERE chat_jid = ?1",
            alias,
            identity,
            contact
        )
        .execute(&mut *tx)
        .await?;
        // What a person saved on the alias's contact is kept where the identity has nothing.
        sqlx::query!(
            "UPDATE contacts SET
                 name = COALESCE(name, (SELECT name FROM contacts WHERE jid = ?1)),
                 push_name = COALESCE(push_name, (SELECT push_name FROM contacts WHERE jid = ?1)),
                 notes = COALESCE(notes, (SELECT notes FROM contacts WHERE jid = ?1)),
                 opted_out_at = COALESCE(opted_out_at, (SELECT opted_out_at FROM contacts WHERE jid = ?1))
             WHERE jid = ?2",
            alias,
            identity
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT OR IGNORE INTO contact_labels (contact_id, label_id)
             SELECT (SELECT id FROM contacts WHERE jid = ?2), cl.label_id
             FROM contact_labels cl JOIN contacts k ON k.id = cl.contact_id WHERE k.jid = ?1",
            alias,
            identity
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("DELETE FROM contacts WHERE jid = ?", alias)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Conversations whose every message retention removed.
    pub async fn delete_empty_conversations(&self) -> Result<u64, StoreError> {
        Ok(sqlx::query!(
            "DELETE FROM conversations WHERE NOT EXISTS (
                 SELECT 1 FROM messages m WHERE m.chat_jid = conversations.chat_jid
                                            AND m.instance_id = conversations.instance_id)"
        )
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    pub async fn read_receipts_enabled(&self, instance_id: &InstanceId) -> Result<bool, StoreError> {
        let instance_id = instance_id.as_str();
        Ok(sqlx::query_scalar!(
            r#"SELECT send_read_receipts AS "on!: bool" FROM instances WHERE id = ?"#,
            instance_id
        )
        .fetch_optional(&self.pool)
        .await?
        .unwrap_or(false))
    }

    pub async fn set_read_receipts(&self, instance_id: &InstanceId, on: bool) -> Result<bool, StoreError> {
        let instance_id = instance_id.as_str();
        Ok(sqlx::query!(
            "UPDATE instances SET send_read_receipts = ? WHERE id = ?",
            on,
            instance_id
        )
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }
}

async fn apply_update(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    id: i64,
    update: &ContactUpdate,
    now: Millis,
) -> Result<(), StoreError> {
    let cleaned = |value: &Option<String>| value.as_deref().map(str::trim).map(str::to_owned);
    let (set_name, name) = (
        update.name.is_some(),
        cleaned(&update.name).filter(|n| !n.is_empty()),
    );
    let (set_notes, notes) = (
        update.notes.is_some(),
        cleaned(&update.notes).filter(|n| !n.is_empty()),
    );
    let (set_opt_out, opted_out) = (update.opted_out.is_some(), update.opted_out.unwrap_or(false));
    sqlx::query!(
        "UPDATE contacts SET
             name = CASE WHEN ?2 THEN ?3 ELSE name END,
             notes = CASE WHEN ?4 THEN ?5 ELSE notes END,
             opted_out_at = CASE WHEN NOT ?6 THEN opted_out_at WHEN ?7 THEN COALESCE(opted_out_at, ?8) ELSE NULL END,
             updated_at = ?8
         WHERE id = ?1",
        id,
        set_name,
        name,
        set_notes,
        notes,
        set_opt_out,
        opted_out,
        now
    )
    .execute(&mut **tx)
    .await?;
    let Some(labels) = &update.labels else {
        return Ok(());
    };
    sqlx::query!("DELETE FROM contact_labels WHERE contact_id = ?", id)
        .execute(&mut **tx)
        .await?;
    for name in labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let count = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM labels"#)
            .fetch_one(&mut **tx)
            .await?;
        let color = LABEL_COLORS[(count as usize) % LABEL_COLORS.len()];
        let label_id = sqlx::query_scalar!(
            r#"INSERT INTO labels (name, color) VALUES (?1, ?2)
               ON CONFLICT (name) DO UPDATE SET name = labels.name
               RETURNING id AS "id!""#,
            name,
            color
        )
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query!(
            "INSERT OR IGNORE INTO contact_labels (contact_id, label_id) VALUES (?, ?)",
            id,
            label_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_reads_as_a_phone_only_when_it_is_digits_and_separators() {
        assert_eq!(phone_digits("98765-4321").as_deref(), Some("987654321"));
        assert_eq!(phone_digits("+55 (11)").as_deref(), Some("5511"));
        assert_eq!(phone_digits("12"), None);
        assert_eq!(phone_digits("room 101"), None);
    }

    /// A database as the release before conversations left it (migrations 1–6), with messages.
    async fn previous_release_database(path: &std::path::Path) {
        use sqlx::migrate::Migrator;
        use std::borrow::Cow;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.expect("pool");
        let all = sqlx::migrate!("./migrations");
        let before = Migrator {
            migrations: Cow::Owned(all.iter().filter(|m| m.version <= 6).cloned().collect()),
            ..Migrator::DEFAULT
        };
        before.run(&pool).await.expect("old migrations");
        sqlx::query(
            "INSERT INTO instances (id, display_name, provider, remote_name, status, event_transport, created_at, updated_at)
             VALUES ('00000000-0000-4000-8000-000000000001', 'Loja', 'native', 'this-computer', 'connected', 'polling', 0, 0)",
        )
        .execute(&pool)
        .await
        .expect("instance");
        let rows = [
            (
                "m1",
                "inbound",
                "5511900000002@s.whatsapp.net",
                Some("Maria Souza"),
                "Oi, o pedido chegou?",
                1_000,
            ),
            (
                "m2",
                "outbound",
                "5511900000002@s.whatsapp.net",
                None,
                "Chegou sim",
                2_000,
            ),
            (
                "m3",
                "inbound",
                "5511900000004@s.whatsapp.net",
                Some("João"),
                "Bom dia",
                3_000,
            ),
        ];
        for (id, direction, chat, name, body, at) in rows {
            sqlx::query(
                "INSERT INTO messages (id, instance_id, direction, chat_jid, contact, sender_name, kind, body, status, created_at, updated_at)
                 VALUES (?, '00000000-0000-4000-8000-000000000001', ?, ?, '+55', ?, 'text', ?, 'read', ?, ?)",
            )
            .bind(id)
            .bind(direction)
            .bind(chat)
            .bind(name)
            .bind(body)
            .bind(at)
            .bind(at)
            .execute(&pool)
            .await
            .expect("message");
        }
        pool.close().await;
    }

    #[tokio::test]
    async fn a_database_of_the_previous_release_gains_its_conversations_contacts_and_index() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("switchboard.db");
        previous_release_database(&path).await;
        let store = Store::open(&path).await.expect("migrated");
        let conversations = store
            .conversations(&ConversationFilter::default())
            .await
            .expect("list");
        let chats: Vec<(&str, i64)> = conversations
            .iter()
            .map(|c| (c.chat_jid.as_str(), c.unread))
            .collect();
        assert_eq!(
            chats,
            vec![
                ("5511900000004@s.whatsapp.net", 0),
                ("5511900000002@s.whatsapp.net", 0)
            ],
            "newest first; what came before counts as read"
        );
        assert_eq!(conversations[1].contact.display_name, "Maria Souza");
        assert_eq!(
            conversations[1]
                .last_message
                .as_ref()
                .and_then(|m| m.body.as_deref()),
            Some("Chegou sim")
        );
        let search = super::super::MessageFilter {
            search: Some("pedido".into()),
            ..Default::default()
        };
        let found = store.messages(&search).await.expect("search");
        assert_eq!(
            found.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            vec!["m1"],
            "the index holds the old log"
        );
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("50%_off"), "%50\\%\\_off%");
    }
}
