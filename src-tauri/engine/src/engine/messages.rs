//! Accepting messages into the outbox, and the outbox worker's single step: pacing, quiet hours,
//! the daily quota, retries with back-off, and reading the log.

use super::{lock, within, Engine};
use crate::domain::{
    checked_location, checked_text, optional, InputError, InstanceId, Jid, MediaKind, MediaSource,
    OutgoingContent, PhoneNumber, QuotedMessage,
};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::provider::{OutgoingMessage, ProviderError};
use crate::store::{ApiKey, LimitedAccept, Message, MessageFilter, Millis, NewOutbound};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a person (or a local app) asks to send.
#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub instance_id: InstanceId,
    /// A phone number as a person types it, or a WhatsApp address (`…@g.us` for a group).
    pub to: String,
    pub content: ComposeContent,
    /// Send at this time rather than now.
    pub scheduled_at: Option<Millis>,
    /// The same key twice returns the first message and sends nothing more.
    pub idempotency_key: Option<String>,
    /// Send even if the same text went to the same person within the repeat window (Settings);
    /// otherwise that is refused with `repeated`, naming the earlier message.
    #[serde(default)]
    pub allow_repeat: bool,
}

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ComposeContent {
    #[serde(rename_all = "camelCase")]
    Text {
        text: String,
        /// The id (in the log) of the message this one replies to.
        reply_to: Option<String>,
    },
    /// From a public URL, or a file on this computer (exactly one of the two; local apps may
    /// name files only in the folders allowed in Settings).
    #[serde(rename_all = "camelCase")]
    Media {
        kind: MediaKind,
        url: Option<String>,
        path: Option<String>,
        caption: Option<String>,
        file_name: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Contact {
        full_name: String,
        phone: String,
        organization: Option<String>,
        email: Option<String>,
    },
    /// One of the number's approved templates (the Cloud API, see `sync_templates`), with a value
    /// for each of its body's variables, in order. Templates reach customers outside the 24-hour
    /// window.
    #[serde(rename_all = "camelCase")]
    Template {
        name: String,
        language: String,
        #[serde(default)]
        variables: Vec<String>,
    },
}

/// Where a typed recipient would go: the composer shows it before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecipientCheck {
    /// The WhatsApp address the message would go to.
    pub jid: String,
    /// How a person reads it (`+55 11 98765-4321`, or the group address).
    pub display: String,
}

/// Why the outbox of an instance is not sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// The number's sending guard paused it (see `sending_health`); a person resumes it.
    PushedBack,
    /// Today's warm-up limit is reached; sending goes on tomorrow.
    WarmUpLimit,
    NotConnected,
    QuietHours,
    DailyQuota,
}

/// What one outbox step did.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxStep {
    /// A message went to the provider: accepted, failed, or back in the queue for a retry.
    Processed(Box<Message>),
    /// Nothing is waiting for this instance.
    Idle,
    /// Messages wait for a reason only time or a person can change.
    Paused(PauseReason),
    /// The next send may happen at this time (pacing, a schedule or a retry).
    Wait { until: Millis },
}

/// The error code of a message whose send was not answered in time and is not retried blindly.
pub const OUTCOME_UNKNOWN: &str = "outcome_unknown";
const OUTCOME_UNKNOWN_REASON: &str = "The server did not answer in time, so this message may have gone out. Check the phone, and send it again only if it did not.";
const RECONCILING_REASON: &str =
    "The server did not answer in time. Switchboard checks whether it went out before sending it again.";
/// An unanswered send is looked up this long after: a server still working on it has finished
/// and logged it by then.
const RECONCILE_AFTER_MILLIS: Millis = 60_000;

/// Transient failures are tried this many times in all.
pub const MAX_ATTEMPTS: i64 = 3;
/// First retry after this long; each later one waits four times longer.
const FIRST_RETRY_MILLIS: Millis = 5_000;

/// Who accepted a message, for idempotency and the log.
const SOURCE_APP: &str = "app";

impl Engine {
    /// Accepts a message for sending: once this returns, it is in the log (queued) and will be sent
    /// when the instance is connected, the schedule and pacing allow.
    pub async fn send_message(&self, request: SendRequest) -> Result<Message, EngineError> {
        self.send_message_as(request, SOURCE_APP).await
    }

    /// `send_message` on behalf of a local app's key: its daily limit is checked after the
    /// idempotency lookup (a repeat returns the original, never a refusal) and in the same write
    /// transaction as the accept (two requests cannot both take the last slot).
    pub async fn send_message_for_key(
        &self,
        request: SendRequest,
        key: &ApiKey,
    ) -> Result<Message, EngineError> {
        if let ComposeContent::Media { path: Some(path), .. } = &request.content {
            self.check_api_file(Path::new(path.trim())).await?;
        }
        let limit = key
            .daily_limit
            .map(|limit| (i64::from(limit), crate::clock::local_midnight(self.now())));
        self.accept(request, &super::source_for(key), limit).await
    }

    /// A key may send a local file only from a folder the person listed in Settings: otherwise
    /// any key could send any file this process can read. Nothing about the file is revealed.
    pub(super) async fn check_api_file(&self, path: &Path) -> Result<(), EngineError> {
        let refused = || {
            EngineError::Forbidden(
                "Local apps may send files only from folders listed under Settings → Local API; send a link instead, or add the folder there."
                    .into(),
            )
        };
        let folders = self.settings().await?.api_file_folders;
        if folders.is_empty() {
            return Err(refused());
        }
        // Resolved first, so `..` and links cannot step out of an allowed folder.
        let resolved = tokio::fs::canonicalize(path).await.map_err(|_| refused())?;
        for folder in folders {
            if let Ok(folder) = tokio::fs::canonicalize(&folder).await {
                if resolved.starts_with(&folder) {
                    return Ok(());
                }
            }
        }
        Err(refused())
    }

    /// `send_message` on behalf of a source (`app`, `api:<key>`).
    pub async fn send_message_as(&self, request: SendRequest, source: &str) -> Result<Message, EngineError> {
        self.accept(request, source, None).await
    }

    /// A template send, checked against the templates last synced: it must exist in that
    /// language, be approved, and get exactly one value per variable.
    async fn template_content(
        &self,
        instance: &InstanceId,
        name: &str,
        language: &str,
        variables: Vec<String>,
    ) -> Result<OutgoingContent, EngineError> {
        let (name, language) = (name.trim(), language.trim());
        let templates = self.inner.store.templates(instance).await?;
        let Some(template) = templates
            .iter()
            .find(|t| t.name == name && t.language == language)
        else {
            return Err(InputError::new(format!(
                "This number has no template \"{name}\" in {language}. Sync its templates, or check the name and language."
            ))
            .into());
        };
        if template.status != "APPROVED" {
            return Err(InputError::new(format!(
                "The template \"{name}\" is {}: only approved templates can be sent.",
                template.status.to_lowercase()
            ))
            .into());
        }
        let values: Vec<String> = variables.iter().map(|v| v.trim().to_owned()).collect();
        let expected = usize::try_from(template.variables).unwrap_or(usize::MAX);
        if values.len() != expected {
            return Err(InputError::new(format!(
                "The template \"{name}\" takes {expected} {}; {} {} given.",
                if expected == 1 { "variable" } else { "variables" },
                values.len(),
                if values.len() == 1 { "was" } else { "were" },
            ))
            .into());
        }
        if let Some(position) = values.iter().position(String::is_empty) {
            return Err(InputError::new(format!(
                "Variable {} of the template \"{name}\" is empty.",
                position + 1
            ))
            .into());
        }
        Ok(OutgoingContent::Template {
            name: name.to_owned(),
            language: language.to_owned(),
            text: template.render(&values),
            parameters: values,
        })
    }

    /// The reply window of an instance's provider kind, read once per instance: an instance never
    /// changes kind, and every accept consults it.
    pub(super) async fn reply_window_of(
        &self,
        instance_id: &InstanceId,
    ) -> Result<Option<Millis>, EngineError> {
        let slot = self.slot(instance_id);
        if let Some(window) = slot.reply_window.get() {
            return Ok(*window);
        }
        let instance = self.instance(instance_id).await?;
        let window = self.kit(instance.provider)?.traits().reply_window;
        Ok(*slot.reply_window.get_or_init(|| window))
    }

    /// Refuses a free-form message to a customer whose provider's reply window has closed.
    async fn check_reply_window(&self, instance_id: &InstanceId, to: &Jid) -> Result<(), EngineError> {
        let window = self.reply_window_of(instance_id).await?;
        let Some(window) = window else { return Ok(()) };
        let chat = to.to_string();
        let last_inbound = self.inner.store.last_inbound_at(instance_id, &chat).await?;
        if last_inbound.is_some_and(|at| self.now() - at < window) {
            return Ok(());
        }
        Err(EngineError::WindowClosed {
            contact: to.phone().map_or_else(|| to.to_string(), |p| p.formatted()),
            last_inbound,
            window,
        })
    }

    /// Accepts a message from a source, within `limit` messages since a time when given.
    pub(super) async fn accept(
        &self,
        request: SendRequest,
        source: &str,
        limit: Option<(i64, Millis)>,
    ) -> Result<Message, EngineError> {
        // The instance is not read here: the insert's foreign key proves it exists.
        let instance_id = request.instance_id;
        let to = self.recipient(&request.to).await?;
        self.counted(&instance_id, self.check_not_opted_out(&to).await)
            .await?;
        self.check_not_known_absent(&to).await?;
        let key = request
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        if key.is_some_and(|k| k.len() > 200) {
            return Err(InputError::new("An idempotency key can have at most 200 characters.").into());
        }
        let content = self.prepare_content(&instance_id, request.content).await?;
        if !request.allow_repeat {
            let repeat = self
                .check_not_repeated(&instance_id, &to, &content, source, key)
                .await;
            self.counted(&instance_id, repeat).await?;
        }
        if !matches!(content, OutgoingContent::Template { .. }) {
            let window = self.check_reply_window(&instance_id, &to).await;
            self.counted(&instance_id, window).await?;
        }
        let payload = content.stored_payload();
        let chat = to.to_string();
        let contact = to.display();
        let body = content.summary();
        let quoted_id = match &content {
            OutgoingContent::Text {
                quoted: Some(quoted), ..
            } => Some(quoted.provider_message_id.as_str()),
            _ => None,
        };
        let new = NewOutbound {
            instance_id: &instance_id,
            chat_jid: &chat,
            contact: &contact,
            kind: content.kind(),
            body: Some(&body),
            payload: payload.as_deref(),
            scheduled_at: request.scheduled_at,
            source,
            idempotency_key: key,
            campaign_id: None,
            now: self.now(),
            quoted_id,
        };
        let store = &self.inner.store;
        let accepted = match limit {
            None => store.insert_outbound(new).await,
            Some((limit, since)) => match store.insert_outbound_within(new, limit, since).await {
                Ok(LimitedAccept::Created(message)) => Ok((message, true)),
                Ok(LimitedAccept::Repeated(message)) => Ok((message, false)),
                Ok(LimitedAccept::OverLimit) => return Err(EngineError::DailyLimit),
                Err(error) => Err(error),
            },
        };
        let (message, created) = accepted.map_err(|error| match error.is_missing_parent() {
            true => EngineError::InstanceNotFound(instance_id.to_string()),
            false => error.into(),
        })?;
        if created {
            self.emit(EngineEvent::MessageStatusChanged {
                instance_id: instance_id.clone(),
                message_id: message.id.clone(),
                status: message.status,
            });
            self.wake_outbox(&instance_id);
        }
        Ok(message)
    }

    pub(super) async fn recipient(&self, input: &str) -> Result<Jid, EngineError> {
        if input.contains('@') {
            return Ok(Jid::parse(input)?);
        }
        let default_region = self.settings().await?.default_region;
        Ok(Jid::for_phone(&PhoneNumber::parse(
            input,
            default_region.as_ref(),
        )?))
    }

    /// Reads a recipient exactly as `send_message` would, without sending: the number it goes to,
    /// or why it would be refused.
    pub async fn check_recipient(&self, input: &str) -> Result<RecipientCheck, EngineError> {
        let jid = self.recipient(input).await?;
        let display = jid
            .phone()
            .map_or_else(|| jid.to_string(), |phone| phone.formatted());
        Ok(RecipientCheck {
            jid: jid.to_string(),
            display,
        })
    }

    /// The countries a person can choose as the default, with their calling codes.
    pub fn phone_regions(&self) -> Vec<crate::domain::PhoneRegion> {
        crate::domain::Region::all()
    }

    /// Checks what a person composed and turns it into what will be sent.
    async fn prepare_content(
        &self,
        instance: &InstanceId,
        content: ComposeContent,
    ) -> Result<OutgoingContent, EngineError> {
        Ok(match content {
            ComposeContent::Template {
                name,
                language,
                variables,
            } => {
                self.template_content(instance, &name, &language, variables)
                    .await?
            }
            ComposeContent::Text { text, reply_to } => {
                let text = checked_text(&text)?;
                let quoted = match reply_to.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                    Some(id) => Some(self.quotable(instance, id).await?),
                    None => None,
                };
                OutgoingContent::Text { text, quoted }
            }
            ComposeContent::Media {
                kind,
                url,
                path,
                caption,
                file_name,
            } => {
                let caption = optional(caption);
                if caption
                    .as_ref()
                    .is_some_and(|c| c.chars().count() > crate::domain::MAX_TEXT_CHARS)
                {
                    return Err(InputError::new("The caption is too long.").into());
                }
                match (optional(url), optional(path)) {
                    (Some(url), None) => {
                        self.media_from_url(kind, &url, caption, optional(file_name))
                            .await?
                    }
                    (None, Some(path)) => {
                        self.media_from_file(kind, Path::new(&path), caption, optional(file_name))
                            .await?
                    }
                    _ => {
                        return Err(
                            InputError::new("Choose a file or give a link for the media, not both.").into(),
                        )
                    }
                }
            }
            ComposeContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                checked_location(latitude, longitude)?;
                OutgoingContent::Location {
                    latitude,
                    longitude,
                    name: optional(name),
                    address: optional(address),
                }
            }
            ComposeContent::Contact {
                full_name,
                phone,
                organization,
                email,
            } => {
                let full_name = full_name.trim().to_owned();
                if full_name.is_empty() {
                    return Err(InputError::new("A contact card needs a name.").into());
                }
                let default_country = self.settings().await?.default_region;
                let phone = PhoneNumber::parse(&phone, default_country.as_ref())?;
                OutgoingContent::Contact {
                    full_name,
                    phone: phone.digits().to_owned(),
                    organization: optional(organization),
                    email: optional(email),
                }
            }
        })
    }

    async fn quotable(&self, instance: &InstanceId, message_id: &str) -> Result<QuotedMessage, EngineError> {
        let original = self.get_message(message_id).await?;
        match (&original.instance_id == instance, original.provider_message_id) {
            (true, Some(provider_message_id)) => Ok(QuotedMessage {
                provider_message_id,
                chat_jid: original.chat_jid,
                from_me: original.direction == crate::domain::Direction::Outbound,
                text: original.body,
            }),
            _ => {
                Err(InputError::new("Only a message this number sent or received can be replied to.").into())
            }
        }
    }

    /// A media URL is checked with a HEAD request: it must answer, with an accepted type and size.
    async fn media_from_url(
        &self,
        kind: MediaKind,
        url: &str,
        caption: Option<String>,
        file_name: Option<String>,
    ) -> Result<OutgoingContent, EngineError> {
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                InputError::new(format!("\"{url}\" is not a web address (http:// or https://)."))
            })?;
        let response = self.inner.http.head(parsed.clone()).send().await.map_err(|_| {
            InputError::new(format!(
                "The media link {url} could not be reached; check it opens in a browser."
            ))
        })?;
        if !response.status().is_success() {
            return Err(InputError::new(format!(
                "The media link answered HTTP {}.",
                response.status().as_u16()
            ))
            .into());
        }
        let name_from_url = parsed
            .path_segments()
            .and_then(|mut s| s.next_back())
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let header_mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|m| !m.is_empty() && m != "application/octet-stream");
        let shown_name = file_name
            .clone()
            .or(name_from_url)
            .unwrap_or_else(|| "The linked file".into());
        let mime = header_mime
            .or_else(|| {
                mime_guess::from_path(&shown_name)
                    .first()
                    .map(|m| m.essence_str().to_owned())
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        // The header itself: for a HEAD response the body is empty, so reqwest's length would be 0.
        let length = response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        kind.check(&mime, length, &shown_name)?;
        let file_name = file_name.or_else(|| (kind == MediaKind::Document).then_some(shown_name));
        Ok(OutgoingContent::Media {
            kind,
            source: MediaSource::Url { url: url.to_owned() },
            mime,
            file_name,
            caption,
        })
    }

    /// A local file is checked, then copied into the app's media folder: what was accepted is what
    /// gets sent, even if the original changes or disappears.
    async fn media_from_file(
        &self,
        kind: MediaKind,
        path: &Path,
        caption: Option<String>,
        file_name: Option<String>,
    ) -> Result<OutgoingContent, EngineError> {
        let shown_name = file_name
            .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "file".into());
        let metadata = tokio::fs::metadata(path)
            .await
            .ok()
            .filter(|m| m.is_file())
            .ok_or_else(|| InputError::new(format!("{} does not exist or is not a file.", path.display())))?;
        let mime = mime_guess::from_path(path)
            .first()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_else(|| "application/octet-stream".into());
        kind.check(&mime, Some(metadata.len()), &shown_name)?;
        let extension = path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let dir = self.inner.media_dir.join("outbox");
        let copy = dir.join(format!("{}{extension}", uuid::Uuid::new_v4()));
        let copied = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::copy(path, &copy).await
        };
        copied
            .await
            .map_err(|e| InputError::new(format!("{} could not be read: {e}.", path.display())))?;
        Ok(OutgoingContent::Media {
            kind,
            source: MediaSource::File {
                path: copy.to_string_lossy().into_owned(),
            },
            mime,
            file_name: Some(shown_name),
            caption,
        })
    }

    pub async fn list_messages(&self, filter: MessageFilter) -> Result<Vec<Message>, EngineError> {
        Ok(self.inner.store.messages(&filter).await?)
    }

    pub async fn get_message(&self, id: &str) -> Result<Message, EngineError> {
        self.inner
            .store
            .message(id)
            .await?
            .ok_or_else(|| EngineError::MessageNotFound(id.to_owned()))
    }

    /// Every status a message went through, oldest first.
    pub async fn message_history(&self, id: &str) -> Result<Vec<crate::store::MessageEvent>, EngineError> {
        Ok(self.inner.store.message_events(id).await?)
    }

    /// Queues a failed or cancelled message again (by hand).
    pub async fn retry_message(&self, id: &str) -> Result<Message, EngineError> {
        let message = self.get_message(id).await?;
        let retried = self
            .inner
            .store
            .retry_message(id, self.now())
            .await?
            .ok_or_else(|| {
                EngineError::Conflict(format!(
                    "Only failed or cancelled messages can be sent again; this one is {}.",
                    message.status.as_str()
                ))
            })?;
        self.emit(EngineEvent::MessageStatusChanged {
            instance_id: retried.instance_id.clone(),
            message_id: retried.id.clone(),
            status: retried.status,
        });
        self.wake_outbox(&retried.instance_id);
        Ok(retried)
    }

    /// Withdraws a message that has not been sent yet.
    pub async fn cancel_message(&self, id: &str) -> Result<Message, EngineError> {
        let message = self.get_message(id).await?;
        let cancelled = self
            .inner
            .store
            .cancel_message(id, self.now())
            .await?
            .ok_or_else(|| {
                EngineError::Conflict(format!(
                    "Only queued messages can be cancelled; this one is {}.",
                    message.status.as_str()
                ))
            })?;
        self.emit(EngineEvent::MessageStatusChanged {
            instance_id: cancelled.instance_id.clone(),
            message_id: cancelled.id.clone(),
            status: cancelled.status,
        });
        Ok(cancelled)
    }

    /// Sends the next due message of an instance, if its sending guard, pacing, quiet hours, the
    /// daily quota and the connection allow. One call, at most one message: the background worker
    /// loops over this, tests call it directly.
    pub async fn outbox_step(&self, id: &InstanceId) -> Result<OutboxStep, EngineError> {
        let instance = self.instance(id).await?;
        let now = self.now();
        let state = self.sending_state(id, &crate::clock::local(now).day).await?;
        if let Some(reason) = state.held(instance.status, now) {
            return Ok(OutboxStep::Paused(reason));
        }
        let pacing = state.pacing;
        let due = self.inner.store.next_due_at(id).await?;
        let Some(due) = due else {
            return Ok(OutboxStep::Idle);
        };
        let gate = lock(&self.inner.next_send).get(id).copied().unwrap_or(0);
        if gate.max(due) > now {
            return Ok(OutboxStep::Wait { until: gate.max(due) });
        }
        let provider = self.provider(&instance).await?;
        let Some(claimed) = self.inner.store.claim_next_outbound(id, now).await? else {
            return Ok(OutboxStep::Idle);
        };
        let content = claimed.content();
        let message = claimed.message;
        let outgoing = match (Jid::parse(&message.chat_jid), content) {
            (Ok(to), Some(content)) => media_bytes(&content).await.map(|media_bytes| OutgoingMessage {
                id: message.id.clone(),
                to,
                content,
                media_bytes,
            }),
            _ => Err(ProviderError::Rejected(
                "the stored message cannot be read".into(),
            )),
        };
        // The pace counts from this attempt, whatever comes of it.
        let jitter = if pacing.jitter_ms == 0 {
            0
        } else {
            rand::Rng::gen_range(&mut rand::thread_rng(), 0..=pacing.jitter_ms)
        };
        lock(&self.inner.next_send).insert(
            id.clone(),
            now + Millis::from(pacing.min_interval_ms) + Millis::from(jitter),
        );
        if message.error_code.as_deref() == Some(OUTCOME_UNKNOWN) {
            if let Ok(outgoing) = &outgoing {
                if let Some(settled) = self.reconcile(&message, outgoing, provider.as_ref()).await? {
                    self.emit(EngineEvent::MessageStatusChanged {
                        instance_id: id.clone(),
                        message_id: settled.id.clone(),
                        status: settled.status,
                    });
                    return Ok(OutboxStep::Processed(Box::new(settled)));
                }
            }
        }
        // Only what the provider itself answered tells of WhatsApp pushing back.
        let reached_provider = outgoing.is_ok();
        let result = match outgoing {
            Ok(outgoing) => {
                self.note_send_attempt(id);
                within(self.inner.timeouts.send, "a send", provider.send(&outgoing))
                    .await
                    .map(|r| (r, outgoing.content))
            }
            Err(error) => Err(error),
        };
        let now = self.now();
        match &result {
            Ok(_) => {
                self.mark_alive(id);
                self.note_send_went_through(id);
            }
            Err(error) if super::supervisor::is_unresponsive(error) => {
                let observed = self.observe(id);
                self.unresponsive(id, observed, error).await?;
            }
            Err(_) => {}
        }
        let message = match result {
            Ok((receipt, content)) => {
                if let OutgoingContent::Media {
                    source: MediaSource::File { path },
                    ..
                } = &content
                {
                    let _ = tokio::fs::remove_file(path).await;
                }
                let sent = self
                    .inner
                    .store
                    .mark_sent(&message.id, &receipt.provider_message_id, now)
                    .await?;
                if self.settings().await?.privacy_mode {
                    self.inner.store.forget_content(&sent.id).await?;
                }
                sent
            }
            // No answer in time: the provider may have sent it. Sent again, the customer could get
            // it twice, unless the provider makes a repeat harmless; otherwise it is looked up in
            // the provider's log before anything more (`reconcile`).
            Err(ProviderError::TimedOut(_)) if !provider.repeats_are_harmless() => {
                tracing::warn!(message = %message.id, "send not answered in time; outcome unknown");
                self.inner
                    .store
                    .requeue(
                        &message.id,
                        now + RECONCILE_AFTER_MILLIS,
                        OUTCOME_UNKNOWN,
                        RECONCILING_REASON,
                        now,
                    )
                    .await?
            }
            Err(error) => {
                if matches!(error, ProviderError::NotOnWhatsApp { .. }) {
                    // Later sends to them are refused before queueing, as after a check.
                    self.inner
                        .store
                        .note_not_on_whatsapp(&message.chat_jid, now)
                        .await?;
                }
                let reason = crate::error::ApiError::from(error.clone()).message;
                let paused =
                    reached_provider && self.note_send_refused(id, &message.chat_jid, &error).await?;
                if paused && matches!(error, ProviderError::Restricted { .. }) {
                    // Held, not failed: it goes out once a person resumes the number.
                    tracing::info!(message = %message.id, %error, "send refused by a restriction; held with the paused number");
                    self.inner
                        .store
                        .hold(&message.id, error.code(), &reason, now)
                        .await?
                } else if error.is_transient() && message.attempts < MAX_ATTEMPTS {
                    let growth = 4_i64.pow(u32::try_from(message.attempts - 1).unwrap_or(0));
                    // A provider that says how long to wait is waited for, longer each time.
                    let delay = match &error {
                        ProviderError::Throttled { retry_after, .. }
                        | ProviderError::Restricted { retry_after, .. } => {
                            retry_after * message.attempts.max(1)
                        }
                        _ => FIRST_RETRY_MILLIS * growth,
                    };
                    tracing::info!(message = %message.id, %error, delay, "send failed; will retry");
                    self.inner
                        .store
                        .requeue(&message.id, now + delay, error.code(), &reason, now)
                        .await?
                } else {
                    tracing::warn!(message = %message.id, %error, "send failed");
                    self.inner
                        .store
                        .mark_failed(&message.id, error.code(), &reason, now)
                        .await?
                }
            }
        };
        self.emit(EngineEvent::MessageStatusChanged {
            instance_id: id.clone(),
            message_id: message.id.clone(),
            status: message.status,
        });
        Ok(OutboxStep::Processed(Box::new(message)))
    }
}

/// Reads a local media file for sending; a vanished file is a permanent failure.
async fn media_bytes(content: &OutgoingContent) -> Result<Option<Vec<u8>>, ProviderError> {
    match content {
        OutgoingContent::Media {
            source: MediaSource::File { path },
            ..
        } => tokio::fs::read(path)
            .await
            .map(Some)
            .map_err(|_| ProviderError::Rejected("the file to send is no longer there".into())),
        _ => Ok(None),
    }
}

impl Engine {
    /// Settles a message whose last attempt was not answered, before it is sent again: adopted
    /// as sent when the provider's log holds it, and left for a person when the provider cannot
    /// tell. `None` when the log shows it did not go out: it is sent as any other.
    async fn reconcile(
        &self,
        message: &Message,
        outgoing: &OutgoingMessage,
        provider: &dyn crate::provider::Provider,
    ) -> Result<Option<Message>, EngineError> {
        // From before the unanswered attempt began: it was requeued once its time limit ran out.
        let send_limit = Millis::try_from(self.inner.timeouts.send.as_millis()).unwrap_or(Millis::MAX);
        let since = message
            .updated_at
            .saturating_sub(send_limit)
            .saturating_sub(RECONCILE_AFTER_MILLIS);
        let lookup = within(
            self.inner.timeouts.state,
            "a sent-message lookup",
            provider.find_sent(outgoing, since),
        )
        .await;
        let now = self.now();
        let store = &self.inner.store;
        Ok(match lookup {
            Ok(Some(provider_message_id)) => {
                tracing::info!(message = %message.id, "unanswered send found in the provider's log; adopted");
                Some(store.mark_sent(&message.id, &provider_message_id, now).await?)
            }
            Ok(None) => {
                tracing::info!(message = %message.id, "unanswered send did not go out; sending it");
                None
            }
            Err(error) => {
                tracing::warn!(message = %message.id, %error, "unanswered send could not be looked up");
                Some(
                    store
                        .mark_failed(&message.id, OUTCOME_UNKNOWN, OUTCOME_UNKNOWN_REASON, now)
                        .await?,
                )
            }
        })
    }
}
