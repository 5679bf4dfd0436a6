//! Conversations and the contact book: listing and opening chats, marking them read (and, where a
//! number allows it, telling the customer), contacts with labels and opt-out, and their CSV import
//! and export. A caller with a scope (an API key) sees only the conversations of its numbers and
//! the contacts that wrote to or were written from them.

use super::Engine;
use crate::domain::{InputError, InstanceId, Jid, JidKind, PhoneNumber};
use crate::error::EngineError;
use crate::store::{
    Contact, ContactFilter, ContactUpdate, Conversation, ConversationFilter, Label, Message, Millis,
};
use serde::{Deserialize, Serialize};

/// Paging backwards through a conversation.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, specta::Type, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct ThreadPage {
    /// Messages older than this one (its `createdAt` and `seq`).
    pub before: Option<Millis>,
    pub before_seq: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
}

/// What a CSV import did.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactImport {
    /// Contacts added or updated.
    pub saved: u32,
    pub problems: Vec<super::RowProblem>,
}

/// What a label becomes.
#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelChange {
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
}

const THREAD_PAGE: u32 = 50;
const MAX_NAME_CHARS: usize = 200;
const MAX_NOTES_CHARS: usize = 5_000;
const MAX_LABELS: usize = 20;
const MAX_LABEL_CHARS: usize = 40;
const MAX_CONTACTS_CSV_BYTES: usize = 5 * 1024 * 1024;
const CSV_HEADER: [&str; 5] = ["phone", "name", "notes", "labels", "opted_out"];

fn conversation_not_found() -> EngineError {
    EngineError::NotFound("That conversation does not exist.")
}

fn contact_not_found() -> EngineError {
    EngineError::NotFound("That contact does not exist.")
}

fn checked_update(update: &ContactUpdate) -> Result<(), InputError> {
    let too_long =
        |value: &Option<String>, max: usize| value.as_deref().is_some_and(|v| v.trim().chars().count() > max);
    if too_long(&update.name, MAX_NAME_CHARS) {
        return Err(InputError::new(format!(
            "A name can have at most {MAX_NAME_CHARS} characters."
        )));
    }
    if too_long(&update.notes, MAX_NOTES_CHARS) {
        return Err(InputError::new(format!(
            "Notes can have at most {MAX_NOTES_CHARS} characters."
        )));
    }
    if let Some(labels) = &update.labels {
        if labels.len() > MAX_LABELS {
            return Err(InputError::new(format!(
                "A contact can have at most {MAX_LABELS} labels."
            )));
        }
        if labels.iter().any(|l| l.trim().chars().count() > MAX_LABEL_CHARS) {
            return Err(InputError::new(format!(
                "A label can have at most {MAX_LABEL_CHARS} characters."
            )));
        }
    }
    Ok(())
}

fn checked_color(color: &str) -> Result<(), InputError> {
    let hex = color.strip_prefix('#').unwrap_or_default();
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(InputError::new(
            "A label colour is written #rrggbb (for example #2563eb).",
        ))
    }
}

impl Engine {
    pub async fn list_conversations(
        &self,
        filter: ConversationFilter,
    ) -> Result<Vec<Conversation>, EngineError> {
        let mut conversations = self.inner.store.conversations(&filter).await?;
        for conversation in &mut conversations {
            self.fill_reply_window(conversation).await?;
        }
        Ok(conversations)
    }

    /// When the customer's reply window ends, for a number whose provider has one.
    async fn fill_reply_window(&self, conversation: &mut Conversation) -> Result<(), EngineError> {
        let Some(window) = self.reply_window_of(&conversation.instance_id).await? else {
            return Ok(());
        };
        let last = self
            .inner
            .store
            .last_inbound_at(&conversation.instance_id, &conversation.chat_jid)
            .await?;
        conversation.reply_window_ends_at = Some(last.map_or(0, |at| at + window));
        Ok(())
    }

    /// A conversation the caller may see (`scope`: an API key's numbers; `None`: the window).
    pub async fn conversation(
        &self,
        id: i64,
        scope: Option<&[InstanceId]>,
    ) -> Result<Conversation, EngineError> {
        match self.inner.store.conversation(id).await? {
            Some(mut c) if scope.is_none_or(|ids| ids.contains(&c.instance_id)) => {
                self.fill_reply_window(&mut c).await?;
                Ok(c)
            }
            _ => Err(conversation_not_found()),
        }
    }

    /// The conversation a message of the log belongs to (a search result opens it).
    pub async fn conversation_of_message(
        &self,
        message_id: &str,
        scope: Option<&[InstanceId]>,
    ) -> Result<Conversation, EngineError> {
        let message = self.get_message(message_id).await?;
        let id = self
            .inner
            .store
            .conversation_id_of(&message.instance_id, &message.chat_jid)
            .await?
            .ok_or_else(conversation_not_found)?;
        self.conversation(id, scope).await
    }

    /// A page of a conversation's messages, newest first.
    pub async fn conversation_messages(
        &self,
        id: i64,
        page: ThreadPage,
        scope: Option<&[InstanceId]>,
    ) -> Result<Vec<Message>, EngineError> {
        let conversation = self.conversation(id, scope).await?;
        let before = page.before.map(|at| (at, page.before_seq.unwrap_or(0)));
        Ok(self
            .inner
            .store
            .thread(
                &conversation.instance_id,
                &conversation.chat_jid,
                before,
                page.limit.unwrap_or(THREAD_PAGE),
            )
            .await?)
    }

    /// Marks a conversation read here; when its number sends read receipts, the customer's
    /// unread messages are marked read on WhatsApp too. A receipt that fails (or times out) is
    /// logged and leaves the conversation read here: the person has read it either way.
    pub async fn mark_conversation_read(
        &self,
        id: i64,
        scope: Option<&[InstanceId]>,
    ) -> Result<Conversation, EngineError> {
        let conversation = self.conversation(id, scope).await?;
        let unread = self
            .inner
            .store
            .mark_conversation_read(id, self.now())
            .await?
            .ok_or_else(conversation_not_found)?;
        let instance = self.instance(&conversation.instance_id).await?;
        let chat = Jid::parse(&conversation.chat_jid)?;
        let wanted = instance.send_read_receipts && instance.read_receipts_supported;
        // Receipts in a group name each sender; the log keeps senders as people read them, so
        // only one-to-one chats get receipts.
        if wanted && !unread.is_empty() && chat.kind() != JidKind::Group {
            let sent = async {
                let provider = self.provider(&instance).await?;
                super::within(
                    self.inner.timeouts.state,
                    "a read receipt",
                    provider.mark_read(&chat, &unread),
                )
                .await?;
                Ok::<_, EngineError>(())
            };
            if let Err(error) = sent.await {
                tracing::warn!(instance = %instance.id, %error, "read receipts not sent");
            }
        }
        self.conversation(id, scope).await
    }

    /// Whether a number tells customers their messages were read when a person opens them here.
    pub async fn set_read_receipts(
        &self,
        instance_id: &InstanceId,
        on: bool,
    ) -> Result<crate::store::Instance, EngineError> {
        let instance = self.instance(instance_id).await?;
        if on && !instance.read_receipts_supported {
            return Err(crate::provider::ProviderError::Unsupported("sending read receipts").into());
        }
        self.inner.store.set_read_receipts(instance_id, on).await?;
        self.instance(instance_id).await
    }

    /// Unread messages in all conversations the caller may see.
    pub async fn unread_total(&self, scope: Option<Vec<InstanceId>>) -> Result<i64, EngineError> {
        Ok(self.inner.store.unread_total(&scope).await?)
    }

    pub async fn list_contacts(&self, filter: ContactFilter) -> Result<Vec<Contact>, EngineError> {
        Ok(self.inner.store.contacts(&filter).await?)
    }

    /// A contact the caller may see: a key sees the contacts its numbers talked with.
    pub async fn contact(&self, id: i64, scope: Option<&[InstanceId]>) -> Result<Contact, EngineError> {
        if let Some(ids) = scope {
            if !self.inner.store.contact_in_scope(id, ids).await? {
                return Err(contact_not_found());
            }
        }
        self.inner.store.contact(id).await?.ok_or_else(contact_not_found)
    }

    pub async fn update_contact(
        &self,
        id: i64,
        update: ContactUpdate,
        scope: Option<&[InstanceId]>,
    ) -> Result<Contact, EngineError> {
        checked_update(&update)?;
        self.contact(id, scope).await?;
        self.inner
            .store
            .update_contact(id, &update, self.now())
            .await?
            .ok_or_else(contact_not_found)
    }

    pub async fn labels(&self) -> Result<Vec<Label>, EngineError> {
        Ok(self.inner.store.labels().await?)
    }

    pub async fn update_label(&self, id: i64, change: LabelChange) -> Result<Label, EngineError> {
        let name = change.name.trim();
        if name.is_empty() || name.chars().count() > MAX_LABEL_CHARS {
            return Err(
                InputError::new(format!("A label's name has 1 to {MAX_LABEL_CHARS} characters.")).into(),
            );
        }
        checked_color(&change.color)?;
        match self.inner.store.update_label(id, name, &change.color).await {
            Ok(Some(label)) => Ok(label),
            Ok(None) => Err(EngineError::NotFound("That label does not exist.")),
            Err(error) if error.is_unique_violation() => {
                Err(InputError::new(format!("There is already a label called \"{name}\".")).into())
            }
            Err(error) => Err(error.into()),
        }
    }

    pub async fn delete_label(&self, id: i64) -> Result<(), EngineError> {
        match self.inner.store.delete_label(id).await? {
            true => Ok(()),
            false => Err(EngineError::NotFound("That label does not exist.")),
        }
    }

    /// Refuses a message to a contact who opted out, with when.
    pub(super) async fn check_not_opted_out(&self, to: &Jid) -> Result<(), EngineError> {
        match self.inner.store.opted_out_at(&to.to_string()).await? {
            Some(at) => Err(EngineError::OptedOut {
                contact: to.phone().map_or_else(|| to.to_string(), |p| p.formatted()),
                since: at,
            }),
            None => Ok(()),
        }
    }

    /// Every contact as CSV: `phone,name,notes,labels,opted_out` (labels separated by `;`).
    pub async fn export_contacts(&self) -> Result<String, EngineError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| EngineError::Input(InputError::new(e.to_string()));
        writer.write_record(CSV_HEADER).map_err(io)?;
        let mut after_id = None;
        loop {
            let page = self
                .inner
                .store
                .contacts(&ContactFilter {
                    after_id,
                    limit: Some(1000),
                    ..ContactFilter::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after_id = Some(last.id);
            for contact in &page {
                let labels: Vec<&str> = contact.labels.iter().map(|l| l.name.as_str()).collect();
                let address = contact.phone.clone().unwrap_or_else(|| contact.jid.clone());
                writer
                    .write_record([
                        address.as_str(),
                        contact.name.as_deref().unwrap_or(""),
                        contact.notes.as_deref().unwrap_or(""),
                        &labels.join(";"),
                        if contact.opted_out_at.is_some() { "yes" } else { "" },
                    ])
                    .map_err(io)?;
            }
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| EngineError::Input(InputError::new(e.to_string())))?;
        String::from_utf8(bytes).map_err(|e| EngineError::Input(InputError::new(e.to_string())))
    }

    /// `export_contacts` written to a file a person chose.
    pub async fn save_contacts(&self, path: &std::path::Path) -> Result<u32, EngineError> {
        let csv = self.export_contacts().await?;
        let rows = csv.lines().count().saturating_sub(1) as u32;
        tokio::fs::write(path, csv).await.map_err(|error| {
            tracing::warn!(%error, "contacts not saved");
            InputError::new("The contacts could not be written there; choose another folder.")
        })?;
        Ok(rows)
    }

    /// The log as filtered, every page of it, written as CSV to a file a person chose: time,
    /// number, contact, direction, type, text, status, error. Returns the rows written.
    pub async fn save_log(
        &self,
        filter: crate::store::MessageFilter,
        path: &std::path::Path,
    ) -> Result<u32, EngineError> {
        use chrono::TimeZone;
        let names: std::collections::HashMap<InstanceId, String> = self
            .list_instances()
            .await?
            .into_iter()
            .map(|i| (i.id, i.display_name))
            .collect();
        let io = |e: csv::Error| EngineError::Input(InputError::new(e.to_string()));
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record([
                "time",
                "number",
                "contact",
                "name",
                "direction",
                "type",
                "text",
                "status",
                "error",
            ])
            .map_err(io)?;
        let mut page_filter = crate::store::MessageFilter {
            limit: Some(500),
            ..filter
        };
        let mut rows = 0_u32;
        loop {
            let page = self.inner.store.messages(&page_filter).await?;
            let Some(last) = page.last() else { break };
            (page_filter.before, page_filter.before_seq) = (Some(last.created_at), Some(last.seq));
            for message in &page {
                let time = chrono::Local
                    .timestamp_millis_opt(message.created_at)
                    .earliest()
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                writer
                    .write_record([
                        time.as_str(),
                        names.get(&message.instance_id).map_or("", String::as_str),
                        &message.contact,
                        message.sender_name.as_deref().unwrap_or(""),
                        message.direction.as_str(),
                        message.kind.as_str(),
                        message.body.as_deref().unwrap_or(""),
                        message.status.as_str(),
                        message.error_message.as_deref().unwrap_or(""),
                    ])
                    .map_err(io)?;
                rows += 1;
            }
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| EngineError::Input(InputError::new(e.to_string())))?;
        tokio::fs::write(path, bytes).await.map_err(|error| {
            tracing::warn!(%error, "log not saved");
            InputError::new("The log could not be written there; choose another folder.")
        })?;
        Ok(rows)
    }

    /// Adds or updates contacts from CSV with a `phone` column and any of `name`, `notes`,
    /// `labels` (separated by `;`) and `opted_out` (yes/no). Empty cells leave a field as it is.
    pub async fn import_contacts(&self, csv_text: &str) -> Result<ContactImport, EngineError> {
        if csv_text.len() > MAX_CONTACTS_CSV_BYTES {
            return Err(InputError::new("The file is larger than 5 MB; split it into several.").into());
        }
        let default_region = self.settings().await?.default_region;
        let text = csv_text.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| InputError::new(format!("The first line cannot be read as CSV headers: {e}.")))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let column = |name: &str| headers.iter().position(|h| h == name);
        let phone_column = column("phone")
            .or_else(|| column("number"))
            .ok_or_else(|| InputError::new("The file needs a \"phone\" column."))?;
        let (name_column, notes_column, labels_column, opt_column) = (
            column("name"),
            column("notes"),
            column("labels"),
            column("opted_out"),
        );
        let mut report = ContactImport {
            saved: 0,
            problems: Vec::new(),
        };
        for (index, record) in reader.records().enumerate() {
            let line = index as u32 + 2;
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    report.problems.push(super::RowProblem {
                        line,
                        reason: format!("This line cannot be read as CSV ({error})."),
                    });
                    continue;
                }
            };
            let cell = |column: Option<usize>| {
                column
                    .and_then(|c| record.get(c))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            let address = cell(Some(phone_column)).unwrap_or_default();
            let jid = if address.contains('@') {
                Jid::parse(&address).map_err(|e| e.0)
            } else {
                PhoneNumber::parse(&address, default_region.as_ref())
                    .map(|p| Jid::for_phone(&p))
                    .map_err(|e| e.to_string())
            };
            let jid = match jid {
                Ok(jid) => jid,
                Err(reason) => {
                    report.problems.push(super::RowProblem { line, reason });
                    continue;
                }
            };
            let opted_out = match cell(opt_column).map(|v| v.to_ascii_lowercase()) {
                None => None,
                Some(v) if ["yes", "y", "true", "1", "sim", "si", "sí", "ya"].contains(&v.as_str()) => {
                    Some(true)
                }
                Some(v) if ["no", "n", "false", "0", "não", "nao", "tidak"].contains(&v.as_str()) => {
                    Some(false)
                }
                Some(v) => {
                    report.problems.push(super::RowProblem {
                        line,
                        reason: format!("\"{v}\" in opted_out is neither yes nor no."),
                    });
                    continue;
                }
            };
            let update = ContactUpdate {
                name: cell(name_column),
                notes: cell(notes_column),
                labels: cell(labels_column).map(|l| l.split(';').map(str::to_owned).collect()),
                opted_out,
            };
            if let Err(error) = checked_update(&update) {
                report.problems.push(super::RowProblem {
                    line,
                    reason: error.0,
                });
                continue;
            }
            // A known alias is saved on the contact it belongs to.
            let address = jid.to_string();
            let identity = self
                .inner
                .store
                .identity_of_alias(&address)
                .await?
                .unwrap_or(address);
            self.inner
                .store
                .upsert_contact(&identity, &update, self.now())
                .await?;
            report.saved += 1;
        }
        Ok(report)
    }
}
