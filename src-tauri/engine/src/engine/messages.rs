//! Sending (through the outbox) and reading the log.

use super::Engine;
use crate::domain::{InputError, InstanceId, InstanceStatus, Jid, MessageKind, PhoneNumber};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::provider::{OutgoingMessage, ProviderError};
use crate::store::{Message, MessageFilter, NewOutbound};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SendTextRequest {
    pub instance_id: InstanceId,
    /// A phone number as a person types it, or a WhatsApp address (`…@g.us` for a group).
    pub to: String,
    pub text: String,
}

/// What one outbox step did.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxStep {
    /// A message went to the provider (it may have been accepted or failed).
    Processed(Box<Message>),
    /// Nothing is queued for this instance.
    Idle,
    /// Messages wait because the instance is not connected.
    Paused,
}

/// WhatsApp's limit for a text message.
const MAX_TEXT_CHARS: usize = 4096;

impl Engine {
    /// Accepts a text for sending: once this returns, it is in the log (queued) and will be sent
    /// when the instance is connected.
    pub async fn send_text(&self, request: SendTextRequest) -> Result<Message, EngineError> {
        let instance = self.instance(&request.instance_id).await?;
        let to = self.recipient(&request.to).await?;
        let text = request.text.trim();
        if text.is_empty() {
            return Err(InputError::new("Write a message first.").into());
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(
                InputError::new(format!("A message can have at most {MAX_TEXT_CHARS} characters.")).into(),
            );
        }
        let chat = to.to_string();
        let contact = to.display();
        let message = self
            .inner
            .store
            .insert_outbound(NewOutbound {
                instance_id: &instance.id,
                chat_jid: &chat,
                contact: &contact,
                kind: MessageKind::Text,
                body: Some(text),
                now: self.now(),
            })
            .await?;
        self.emit(EngineEvent::MessageStatusChanged {
            instance_id: instance.id.clone(),
            message_id: message.id.clone(),
            status: message.status,
        });
        self.inner.outbox_wake.notify_one();
        Ok(message)
    }

    async fn recipient(&self, input: &str) -> Result<Jid, EngineError> {
        if input.contains('@') {
            return Ok(Jid::parse(input)?);
        }
        let default_country = self.settings().await?.default_country_code;
        Ok(Jid::for_phone(&PhoneNumber::parse(
            input,
            default_country.as_ref(),
        )?))
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

    /// Sends the oldest queued message of an instance, if it is connected. One call, one message:
    /// the background worker loops over this, tests call it directly.
    pub async fn outbox_step(&self, id: &InstanceId) -> Result<OutboxStep, EngineError> {
        let instance = self.instance(id).await?;
        if instance.status != InstanceStatus::Connected {
            return Ok(OutboxStep::Paused);
        }
        let provider = self.provider(&instance).await?;
        let Some(claimed) = self.inner.store.claim_next_outbound(id, self.now()).await? else {
            return Ok(OutboxStep::Idle);
        };
        let outgoing = match (Jid::parse(&claimed.chat_jid), claimed.body.clone()) {
            (Ok(to), Some(text)) => Ok(OutgoingMessage::Text { to, text }),
            _ => Err(ProviderError::Rejected(
                "the stored message cannot be sent (no recipient or text)".into(),
            )),
        };
        let result = match outgoing {
            Ok(outgoing) => provider.send(&outgoing).await,
            Err(error) => Err(error),
        };
        let now = self.now();
        let message = match result {
            Ok(receipt) => {
                self.inner
                    .store
                    .mark_sent(&claimed.id, &receipt.provider_message_id, now)
                    .await?
            }
            Err(error) => {
                tracing::warn!(message = %claimed.id, %error, "send failed");
                let reason = crate::error::ApiError::from(error.clone()).message;
                self.inner
                    .store
                    .mark_failed(&claimed.id, error.code(), &reason, now)
                    .await?
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
