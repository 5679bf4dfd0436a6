//! Everything a provider reports, however it arrives (webhook, polling, the provider's own event
//! stream), goes through `apply_event`: one place decides statuses, de-duplicates messages and
//! keeps message statuses moving forward only.

use super::{lock, Engine};
use crate::domain::Direction;
use crate::domain::{ConnectionSignal, InstanceId, InstanceStatus, ProviderKind};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::provider::evolution::webhook;
use crate::provider::{ConnectionReport, LinkProgress, ProviderError, ProviderEvent, ReportedMessage};
use crate::secrets::SecretKind;
use crate::store::{NewInbound, ReceiptOutcome};

/// Why a webhook was refused; the listener maps each to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum WebhookRejection {
    /// Unknown instance, missing or bad signature, expired token: 401, nothing stored.
    #[error("unauthorized webhook: {0}")]
    Unauthorized(String),
    /// Not an Evolution webhook body: 400.
    #[error("malformed webhook: {0}")]
    Malformed(String),
    /// Our side failed; the sender should retry: 500.
    #[error(transparent)]
    Internal(#[from] EngineError),
}

fn default_reason(status: InstanceStatus) -> Option<&'static str> {
    match status {
        InstanceStatus::QrLimitReached => Some("The QR code expired before it was scanned."),
        InstanceStatus::Unreachable => Some("The server could not be reached."),
        InstanceStatus::Missing => Some("The server no longer has this instance."),
        InstanceStatus::LoggedOut => Some("The phone unlinked this device."),
        _ => None,
    }
}

impl Engine {
    /// Applies one provider event to the instance it concerns.
    pub async fn apply_event(&self, id: &InstanceId, event: ProviderEvent) -> Result<(), EngineError> {
        match event {
            ProviderEvent::LinkOffered(offer) => self.accept_offer(id, offer).await,
            ProviderEvent::Connection(report) => self.apply_connection(id, report).await,
            ProviderEvent::Receipt {
                provider_message_id,
                status,
            } => {
                let outcome = self
                    .inner
                    .store
                    .apply_receipt(id, &provider_message_id, status, self.now())
                    .await?;
                if let ReceiptOutcome::Advanced { message_id } = outcome {
                    self.emit(EngineEvent::MessageStatusChanged {
                        instance_id: id.clone(),
                        message_id,
                        status,
                    });
                }
                Ok(())
            }
            ProviderEvent::Message(message) => self.record_reported(id, message).await,
        }
    }

    async fn record_reported(&self, id: &InstanceId, message: ReportedMessage) -> Result<(), EngineError> {
        // Privacy mode keeps that a message came, not what it said.
        let body = if self.settings().await?.privacy_mode {
            None
        } else {
            message.body.clone()
        };
        let chat = message.chat.to_string();
        let contact = message.contact.display();
        let stored = self
            .inner
            .store
            .insert_reported(NewInbound {
                instance_id: id,
                direction: message.direction,
                chat_jid: &chat,
                contact: &contact,
                sender_name: message.sender_name.as_deref(),
                kind: message.kind,
                body: body.as_deref(),
                provider_message_id: &message.provider_message_id,
                status: message.status,
                at: message.at,
            })
            .await?;
        // None: a repeated delivery of a message already logged.
        if let Some(stored) = stored {
            let event = match stored.direction {
                Direction::Inbound => EngineEvent::MessageReceived {
                    instance_id: id.clone(),
                    message_id: stored.id,
                    from: stored.sender_name.unwrap_or(contact),
                    preview: stored.body,
                },
                Direction::Outbound => EngineEvent::MessageStatusChanged {
                    instance_id: id.clone(),
                    message_id: stored.id,
                    status: stored.status,
                },
            };
            self.emit(event);
        }
        Ok(())
    }

    /// Moves an instance's status by what its provider reported.
    pub(super) async fn apply_connection(
        &self,
        id: &InstanceId,
        report: ConnectionReport,
    ) -> Result<(), EngineError> {
        let _serialised = self.inner.transitions.lock().await;
        let instance = self.instance(id).await?;
        let next = instance.status.next(report.signal);
        let reason = report.reason.as_deref().or_else(|| default_reason(next));
        let now = self.now();
        let mut changed = self
            .inner
            .store
            .set_instance_status(id, next, reason, now)
            .await?;
        let phone = report.phone.as_ref().map(|p| p.e164());
        changed |= self
            .inner
            .store
            .set_instance_profile(id, report.profile_name.as_deref(), phone.as_deref(), now)
            .await?;
        if next != InstanceStatus::Linking {
            self.clear_offer(id);
        }
        if changed {
            tracing::info!(instance = %id, from = instance.status.as_str(), to = next.as_str(), "instance status");
            self.emit(EngineEvent::InstanceStatusChanged {
                instance_id: id.clone(),
                status: next,
                needs_attention: next.needs_attention(),
            });
        }
        if next == InstanceStatus::Connected {
            self.inner.outbox_wake.notify_one();
        }
        Ok(())
    }

    /// Handles one webhook POST for an instance: checks its signature, then applies its events.
    /// Returns how many events it carried.
    pub async fn receive_evolution_webhook(
        &self,
        instance_id: &str,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<usize, WebhookRejection> {
        // Unknown ids are refused exactly like bad signatures: no oracle for which ids exist.
        let unknown = || WebhookRejection::Unauthorized("unknown instance".into());
        let id = InstanceId::parse(instance_id).map_err(|_| unknown())?;
        let instance = self
            .inner
            .store
            .instance(&id)
            .await
            .map_err(EngineError::from)?
            .ok_or_else(unknown)?;
        if instance.provider != ProviderKind::Evolution {
            return Err(unknown());
        }
        let secret = self
            .inner
            .secrets
            .get(&id, SecretKind::WebhookSecret)
            .await
            .map_err(EngineError::from)?;
        let secret =
            secret.ok_or_else(|| WebhookRejection::Unauthorized("instance has no webhook secret".into()))?;
        webhook::verify_authorization(authorization, &secret)
            .map_err(|e| WebhookRejection::Unauthorized(e.to_string()))?;
        let events =
            webhook::parse(body, self.now()).map_err(|e| WebhookRejection::Malformed(e.to_string()))?;
        lock(&self.inner.last_webhook).insert(id.clone(), self.now());
        let count = events.len();
        for event in events {
            self.apply_event(&id, event).await?;
        }
        Ok(count)
    }

    /// Asks the provider for an instance's state once (the polling path). While a QR waits to be
    /// scanned this also fetches the current code, which does not restart the linking session.
    pub async fn poll_instance(&self, id: &InstanceId) -> Result<InstanceStatus, EngineError> {
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        let report = match provider.connection().await {
            Ok(report) => report,
            Err(error) => report_for_error(&error)?,
        };
        let waiting_for_scan =
            instance.status == InstanceStatus::Linking && report.signal == ConnectionSignal::Connecting;
        self.apply_connection(id, report).await?;
        if waiting_for_scan {
            match provider.link(None).await {
                Ok(LinkProgress::Offer(offer)) => self.accept_offer(id, offer).await?,
                Ok(LinkProgress::AlreadyConnected) => {
                    self.apply_connection(id, ConnectionReport::bare(ConnectionSignal::Open))
                        .await?
                }
                Err(error) => tracing::debug!(%error, "QR refresh failed"),
            }
        }
        Ok(self.instance(id).await?.status)
    }

    /// Points every webhook-driven Evolution instance at the listener's current address. Returns
    /// how many were updated; an unreachable server is logged and skipped (polling covers it).
    pub async fn reconfigure_webhooks(&self) -> Result<usize, EngineError> {
        let mut updated = 0;
        for instance in self.list_instances().await? {
            if instance.provider != ProviderKind::Evolution || !instance.uses_webhook {
                continue;
            }
            let (Some(url), Some(secret)) = (
                self.webhook_url(&instance.id).await?,
                self.inner
                    .secrets
                    .get(&instance.id, SecretKind::WebhookSecret)
                    .await?,
            ) else {
                continue;
            };
            let server = self.evolution_server(&instance).await?;
            let token = self
                .inner
                .secrets
                .get(&instance.id, SecretKind::InstanceToken)
                .await?;
            let target = crate::provider::evolution::WebhookTarget {
                url,
                jwt_secret: secret,
            };
            match server
                .instance(&instance.remote_name, token)
                .set_webhook(&target)
                .await
            {
                Ok(()) => updated += 1,
                Err(error) => tracing::warn!(%error, instance = %instance.id, "webhook address not updated"),
            }
        }
        Ok(updated)
    }

    /// At start-up: asks each Evolution server for all its instances at once and brings local
    /// statuses and profiles up to date.
    pub async fn resync(&self) -> Result<(), EngineError> {
        let instances = self.list_instances().await?;
        let mut servers_done: Vec<String> = Vec::new();
        for instance in instances.iter().filter(|i| i.provider == ProviderKind::Evolution) {
            let server_url = instance.server_url.clone().unwrap_or_default();
            if servers_done.contains(&server_url) {
                continue;
            }
            servers_done.push(server_url.clone());
            let server = self.evolution_server(instance).await?;
            let on_server = instances
                .iter()
                .filter(|i| i.server_url.as_deref() == Some(server_url.as_str()));
            match server.fetch_instances().await {
                Ok(rows) => {
                    for local in on_server {
                        let report = match rows.iter().find(|row| row.name == local.remote_name) {
                            Some(row) => ConnectionReport {
                                signal: row.signal(),
                                reason: None,
                                profile_name: row.profile_name.clone(),
                                phone: row.phone(),
                            },
                            None => ConnectionReport::bare(ConnectionSignal::Missing),
                        };
                        self.apply_connection(&local.id, report).await?;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, server = %server_url, "re-sync failed");
                    let report = report_for_error(&error)
                        .unwrap_or_else(|_| ConnectionReport::bare(ConnectionSignal::Unreachable));
                    for local in on_server {
                        self.apply_connection(&local.id, report.clone()).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a failed status check says about the instance; other errors are real errors.
fn report_for_error(error: &ProviderError) -> Result<ConnectionReport, EngineError> {
    let (signal, reason) = match error {
        ProviderError::Unreachable(_) => (ConnectionSignal::Unreachable, "The server could not be reached."),
        ProviderError::ServerError(_) => (ConnectionSignal::Unreachable, "The server is failing (HTTP 5xx)."),
        ProviderError::Unauthorized => (ConnectionSignal::Unreachable, "The server refused the API key."),
        ProviderError::InstanceMissing => (
            ConnectionSignal::Missing,
            "The server no longer has this instance.",
        ),
        other => return Err(other.clone().into()),
    };
    Ok(ConnectionReport {
        reason: Some(reason.to_owned()),
        ..ConnectionReport::bare(signal)
    })
}
