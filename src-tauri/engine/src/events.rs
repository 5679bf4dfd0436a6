//! Events the engine emits when something a person or a local app watches has changed. They carry
//! ids, not data: listeners refetch what they show. The sink is injected, so the engine knows
//! nothing of Tauri or HTTP.

use crate::domain::{InstanceId, InstanceStatus, MessageStatus};
use std::sync::Arc;

/// Serialised as `{"type": "instance_status_changed", "instanceId": …}` on the local API's
/// event stream.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum EngineEvent {
    /// An instance was added or deleted.
    InstancesChanged,
    InstanceStatusChanged {
        instance_id: InstanceId,
        status: InstanceStatus,
        needs_attention: bool,
    },
    /// A new QR code or pairing code is on offer (or the offer ended).
    QrUpdated { instance_id: InstanceId },
    MessageStatusChanged {
        instance_id: InstanceId,
        message_id: String,
        status: MessageStatus,
    },
    MessageReceived {
        instance_id: InstanceId,
        message_id: String,
        /// The conversation it arrived in (a notification opens it).
        conversation_id: Option<i64>,
        from: String,
        preview: Option<String>,
    },
    /// A campaign was created or changed state (its progress moves with its messages).
    CampaignChanged { campaign_id: String },
    /// WhatsApp pushed back on a number and its sending guard paused it (`reason` says what was
    /// seen); it stays paused until a person resumes it.
    SendingPaused { instance_id: InstanceId, reason: String },
    /// Numbers were checked for being on WhatsApp through an instance (a campaign preview shows
    /// the answers).
    NumbersChecked { instance_id: InstanceId },
}

/// Where events go. Implemented by the desktop shell (Tauri events, tray, notifications) and by tests.
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: EngineEvent);
}

impl<F> EventSink for F
where
    F: Fn(EngineEvent) + Send + Sync + 'static,
{
    fn emit(&self, event: EngineEvent) {
        self(event)
    }
}

/// A sink that drops everything, for tools that have no listener.
pub fn discard() -> Arc<dyn EventSink> {
    Arc::new(|_event: EngineEvent| {})
}

/// A sink that records events, for tests.
#[derive(Default, Clone)]
pub struct RecordingSink {
    events: Arc<std::sync::Mutex<Vec<EngineEvent>>>,
}

impl RecordingSink {
    pub fn take(&self) -> Vec<EngineEvent> {
        std::mem::take(
            &mut *self
                .events
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

impl EventSink for RecordingSink {
    fn emit(&self, event: EngineEvent) {
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(event);
    }
}
