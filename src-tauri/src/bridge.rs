//! Forwards engine events to the window as typed tauri-specta events (the UI refetches what they
//! name), to the tray, and to desktop notifications.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_engine::domain::{InstanceId, InstanceStatus, MessageStatus};
use switchboard_engine::events::{EngineEvent, EventSink};
use switchboard_engine::Engine;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct InstancesChanged;

#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStatusChanged {
    pub instance_id: InstanceId,
    pub status: InstanceStatus,
    pub needs_attention: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct QrUpdated {
    pub instance_id: InstanceId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct MessageStatusChanged {
    pub instance_id: InstanceId,
    pub message_id: String,
    pub status: MessageStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct MessageReceived {
    pub instance_id: InstanceId,
    pub message_id: String,
    /// The conversation it arrived in.
    pub conversation_id: Option<i64>,
    pub from: String,
    pub preview: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct CampaignChanged {
    pub campaign_id: String,
}

/// Numbers were checked for being on WhatsApp through an instance.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct NumbersChecked {
    pub instance_id: InstanceId,
}

pub struct TauriSink {
    app: AppHandle,
}

impl TauriSink {
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }

    fn notify(&self, title: &str, body: &str) {
        if let Err(error) = self.app.notification().builder().title(title).body(body).show() {
            tracing::debug!(%error, "notification not shown");
        }
    }

    fn refresh_tray(&self) {
        crate::tray::refresh(&self.app);
    }
}

/// Statuses worth interrupting a person for.
fn alarming(status: InstanceStatus) -> Option<&'static str> {
    match status {
        InstanceStatus::Disconnected => Some("is disconnected"),
        InstanceStatus::LoggedOut => Some("was logged out and must be linked again"),
        InstanceStatus::Unreachable => Some("cannot reach its server"),
        InstanceStatus::Missing => Some("no longer exists on its server"),
        _ => None,
    }
}

impl EventSink for TauriSink {
    fn emit(&self, event: EngineEvent) {
        let sent = match event {
            EngineEvent::InstancesChanged => {
                self.refresh_tray();
                InstancesChanged.emit(&self.app)
            }
            EngineEvent::InstanceStatusChanged {
                instance_id,
                status,
                needs_attention,
            } => {
                self.refresh_tray();
                if let Some(what) = alarming(status) {
                    let app = self.app.clone();
                    let id = instance_id.clone();
                    tauri::async_runtime::spawn(async move {
                        let Some(engine) = app.try_state::<Engine>() else {
                            return;
                        };
                        if let Ok(instance) = engine.get_instance(&id).await {
                            TauriSink::new(app.clone())
                                .notify("Switchboard", &format!("{} {what}.", instance.display_name));
                        }
                    });
                }
                InstanceStatusChanged {
                    instance_id,
                    status,
                    needs_attention,
                }
                .emit(&self.app)
            }
            EngineEvent::QrUpdated { instance_id } => QrUpdated { instance_id }.emit(&self.app),
            EngineEvent::MessageStatusChanged {
                instance_id,
                message_id,
                status,
            } => MessageStatusChanged {
                instance_id,
                message_id,
                status,
            }
            .emit(&self.app),
            EngineEvent::MessageReceived {
                instance_id,
                message_id,
                conversation_id,
                from,
                preview,
            } => {
                self.refresh_tray();
                self.notify(
                    &format!("Message from {from}"),
                    preview.as_deref().unwrap_or("(media)"),
                );
                MessageReceived {
                    instance_id,
                    message_id,
                    conversation_id,
                    from,
                    preview,
                }
                .emit(&self.app)
            }
            EngineEvent::CampaignChanged { campaign_id } => CampaignChanged { campaign_id }.emit(&self.app),
            EngineEvent::NumbersChecked { instance_id } => NumbersChecked { instance_id }.emit(&self.app),
            // The pause shows on the number's page and in the list; the person is told at once.
            EngineEvent::SendingPaused { instance_id, reason } => {
                self.refresh_tray();
                let app = self.app.clone();
                tauri::async_runtime::spawn(async move {
                    let Some(engine) = app.try_state::<Engine>() else {
                        return;
                    };
                    if let Ok(instance) = engine.get_instance(&instance_id).await {
                        TauriSink::new(app.clone()).notify(
                            &format!("Sending paused on {}", instance.display_name),
                            &format!("{reason} Resume it on the number's page when it is safe."),
                        );
                    }
                });
                InstancesChanged.emit(&self.app)
            }
        };
        if let Err(error) = sent {
            tracing::warn!(%error, "event not delivered to the window");
        }
    }
}
