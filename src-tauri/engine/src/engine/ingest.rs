//! Everything a provider reports, however it arrives (webhook, polling, the provider's own event
//! stream), goes through `apply_event`: one place decides statuses, de-duplicates messages and
//! keeps message statuses moving forward only.

use super::{lock, within, Engine, Observation};
use crate::domain::{ConnectionSignal, EventPath, InstanceId, InstanceStatus, ProviderKind};
use crate::domain::{Direction, Jid, JidKind};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::provider::evolution::webhook;
use crate::provider::{
    ConnectionReport, EventFeed, LinkOffer, LinkProgress, ProviderError, ProviderEvent, ReportedMessage,
};
use crate::secrets::SecretKind;
use crate::store::{Instance, Millis, NewInbound, ReceiptOutcome};

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
        InstanceStatus::QrLimitReached => {
            Some("The QR code limit was reached before a phone scanned one. Press Try again for a new code.")
        }
        InstanceStatus::Unreachable => Some("The server could not be reached."),
        InstanceStatus::Missing => Some("The server no longer has this instance."),
        InstanceStatus::LoggedOut => Some("The phone unlinked this device."),
        _ => None,
    }
}

/// How far one instance's catch-up has read.
#[derive(Debug, Clone, Copy)]
pub(super) struct CatchUp {
    /// Messages logged at or after this time are read next.
    messages_since: Millis,
    /// Receipts are checked next for messages sent after this time.
    receipts_after: Millis,
}

/// On a first catch-up with nothing received yet, the log is read from this long ago.
const CATCH_UP_FIRST_MILLIS: Millis = 10 * 60_000;
const CATCH_UP_OVERLAP_MILLIS: Millis = 60_000;
/// Receipts are looked up for messages sent this recently, and no further back is read.
const RECEIPT_WINDOW_MILLIS: Millis = 24 * 3_600_000;
/// Receipt lookups per pass: one request each, so a large campaign is checked over several passes.
const RECEIPTS_PER_POLL: i64 = 10;
/// Webhooks count as flowing if one arrived this recently.
const WEBHOOK_FRESH_MILLIS: Millis = 120_000;
/// A provider whose event stream could not be opened (or whose server has none) is asked again
/// after this long; its own client reconnects a stream that dropped.
pub const STREAM_RETRY_MILLIS: Millis = 5 * 60_000;
/// How often a push is noted in the database while events keep being pushed.
const PUSH_RECORD_MILLIS: Millis = 30_000;

impl Engine {
    /// How an instance's events reach Switchboard right now: a live stream, webhooks that
    /// arrived lately, or else what its set-up falls back on. An engine that does not run the
    /// provider in this process (`switchboard-server status`) reads what the serving one recorded.
    pub(super) async fn event_path(&self, instance: &Instance) -> Result<EventPath, EngineError> {
        // Some: this process speaks to the instance's provider, so what it knows is current.
        let held = lock(&self.inner.providers)
            .get(&instance.id)
            .map(|provider| provider.event_stream_live());
        let streaming = held == Some(true);
        let recorded = match held {
            Some(_) => None,
            None => self.inner.store.last_pushed(&instance.id).await?,
        };
        let now = self.now();
        Ok(if streaming {
            EventPath::Stream
        } else if self.webhooks_flowing(&instance.id) {
            EventPath::Webhook
        } else if let Some((_, path)) = recorded.filter(|(at, _)| now - at < WEBHOOK_FRESH_MILLIS) {
            path
        } else {
            EventPath::at_rest(instance.provider, instance.uses_webhook)
        })
    }

    fn webhooks_flowing(&self, id: &InstanceId) -> bool {
        let now = self.now();
        lock(&self.inner.last_webhook)
            .get(id)
            .is_some_and(|at| now - at < WEBHOOK_FRESH_MILLIS)
    }

    /// Notes in the database that events were just pushed by `path`, at most every
    /// `PUSH_RECORD_MILLIS` unless the path changed, so that another process can tell.
    async fn record_pushed(&self, id: &InstanceId, path: EventPath) -> Result<(), EngineError> {
        let now = self.now();
        {
            let slot = self.slot(id);
            let mut recorded = lock(&slot.pushed_recorded);
            if recorded.is_some_and(|(at, was)| was == path && now - at < PUSH_RECORD_MILLIS) {
                return Ok(());
            }
            *recorded = Some((now, path));
        }
        Ok(self.inner.store.record_pushed(id, path, now).await?)
    }

    /// Opens the provider's event stream when it has none live and the last try is long enough
    /// ago (the status loop calls this every tick; tests call it directly). What the stream
    /// brings is applied like a webhook's events. Returns whether a stream is live.
    pub async fn stream_step(&self, id: &InstanceId) -> Result<bool, EngineError> {
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        if provider.event_stream_live() {
            self.record_pushed(id, EventPath::Stream).await?;
            return Ok(true);
        }
        let now = self.now();
        {
            let slot = self.slot(id);
            let mut tried_at = lock(&slot.stream_tried_at);
            if tried_at.is_some_and(|at| now - at < STREAM_RETRY_MILLIS) {
                return Ok(false);
            }
            *tried_at = Some(now);
        }
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let feed = EventFeed::new(sender, self.inner.clock.clone());
        let opened = within(
            self.inner.timeouts.state,
            "opening the event stream",
            provider.open_event_stream(feed),
        )
        .await;
        match opened {
            Ok(true) => {
                tracing::info!(instance = %id, "events arrive by the server's event stream");
                self.record_pushed(id, EventPath::Stream).await?;
                let engine = self.clone();
                let id = id.clone();
                // Ends when the provider drops its stream (and so the feed).
                tokio::spawn(async move {
                    while let Some(event) = receiver.recv().await {
                        if let Err(error) = engine.apply_event(&id, event).await {
                            tracing::warn!(%error, instance = %id, "stream event not applied");
                        }
                    }
                });
                Ok(true)
            }
            Ok(false) => Ok(false),
            Err(error) => {
                tracing::info!(instance = %id, %error, "event stream not opened");
                Ok(false)
            }
        }
    }

    /// Applies one provider event to the instance it concerns.
    pub async fn apply_event(&self, id: &InstanceId, event: ProviderEvent) -> Result<(), EngineError> {
        let observed = self.observe(id);
        self.apply_observed_event(id, event, observed).await
    }

    /// `apply_event` for an event observed earlier (held while its instance was being created).
    pub(super) async fn apply_observed_event(
        &self,
        id: &InstanceId,
        event: ProviderEvent,
        observed: Observation,
    ) -> Result<(), EngineError> {
        match event {
            ProviderEvent::LinkOffered(offer) => {
                let report = ConnectionReport::bare(ConnectionSignal::QrShown);
                self.transition(id, report, Some(offer), observed).await.map(drop)
            }
            ProviderEvent::Connection(report) => self.transition(id, report, None, observed).await.map(drop),
            ProviderEvent::Receipt {
                provider_message_id,
                status,
            } => {
                let outcome = self
                    .inner
                    .store
                    .apply_receipt(id, &provider_message_id, status, self.now())
                    .await?;
                self.mark_alive(id);
                if let ReceiptOutcome::Advanced { message_id } = outcome {
                    self.emit(EngineEvent::MessageStatusChanged {
                        instance_id: id.clone(),
                        message_id,
                        status,
                    });
                }
                Ok(())
            }
            ProviderEvent::Message(message) => {
                self.mark_alive(id);
                self.record_reported(id, message).await
            }
        }
    }

    async fn record_reported(&self, id: &InstanceId, message: ReportedMessage) -> Result<(), EngineError> {
        // Privacy mode keeps that a message came, not what it said.
        let body = if self.settings().await?.privacy_mode {
            None
        } else {
            message.body.clone()
        };
        // One person is one conversation: a LID learned beside a phone JID is remembered (and
        // what was logged under it moves over); a message carrying only a known LID is logged
        // under the phone JID.
        let mut chat_jid = message.chat.clone();
        let mut contact_jid = message.contact.clone();
        if let Some(alias) = &message.chat_alias {
            let (alias, identity) = (alias.to_string(), chat_jid.to_string());
            // Read first: the pair is usually known, and a write per message would queue behind accepts.
            if self.inner.store.identity_of_alias(&alias).await?.as_deref() != Some(identity.as_str()) {
                self.inner
                    .store
                    .record_alias(&alias, &identity, self.now())
                    .await?;
            }
        } else if chat_jid.kind() == JidKind::Lid {
            if let Some(identity) = self.inner.store.identity_of_alias(&chat_jid.to_string()).await? {
                if let Ok(identity) = Jid::parse(&identity) {
                    if contact_jid == chat_jid {
                        contact_jid = identity.clone();
                    }
                    chat_jid = identity;
                }
            }
        }
        let chat = chat_jid.to_string();
        let contact = contact_jid.display();
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
                quoted_id: message.quoted_id.as_deref(),
            })
            .await?;
        // None: a repeated delivery of a message already logged.
        if let Some(stored) = stored {
            let event = match stored.direction {
                Direction::Inbound => EngineEvent::MessageReceived {
                    instance_id: id.clone(),
                    conversation_id: self.inner.store.conversation_id_of(id, &chat).await?,
                    message_id: stored.id,
                    // How a person reads the sender: the name, else the number as it is written.
                    from: stored
                        .sender_name
                        .unwrap_or_else(|| contact_jid.phone().map_or(contact, |phone| phone.formatted())),
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

    /// Moves an instance's status by what its provider reported just now.
    pub(super) async fn apply_connection(
        &self,
        id: &InstanceId,
        report: ConnectionReport,
    ) -> Result<(), EngineError> {
        let observed = self.observe(id);
        self.transition(id, report, None, observed).await.map(drop)
    }

    /// Applies a state observation of an instance (and the code it offers, if any) unless a
    /// newer one was already applied: a poll answer that left the server before a webhook
    /// arrived must not undo what the webhook said. Returns whether it was applied.
    pub(super) async fn transition(
        &self,
        id: &InstanceId,
        report: ConnectionReport,
        offer: Option<LinkOffer>,
        observed: Observation,
    ) -> Result<bool, EngineError> {
        let slot = self.slot(id);
        let mut last_applied = slot.state.lock().await;
        if observed < *last_applied {
            tracing::debug!(instance = %id, signal = ?report.signal, "stale state read ignored");
            return Ok(false);
        }
        *last_applied = observed;
        if let Some(offer) = offer {
            self.offer_link(id, offer);
        }
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
            if instance.status != InstanceStatus::Connected {
                self.mark_alive(id);
            }
            self.wake_outbox(id);
        }
        Ok(true)
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
        let instance = self.inner.store.instance(&id).await.map_err(EngineError::from)?;
        let Some(instance) = instance else {
            return self.receive_pending_webhook(&id, authorization, body);
        };
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
        self.record_pushed(&id, EventPath::Webhook).await?;
        let count = events.len();
        for event in events {
            self.apply_event(&id, event).await?;
        }
        Ok(count)
    }

    /// A webhook for an instance still being created: checked against its pending secret, its
    /// events kept until the instance's row exists (`admit_pending`).
    fn receive_pending_webhook(
        &self,
        id: &InstanceId,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<usize, WebhookRejection> {
        let secret = lock(&self.inner.pending)
            .get(id)
            .map(|pending| pending.webhook_secret.clone())
            .ok_or_else(|| WebhookRejection::Unauthorized("unknown instance".into()))?;
        webhook::verify_authorization(authorization, &secret)
            .map_err(|e| WebhookRejection::Unauthorized(e.to_string()))?;
        let events =
            webhook::parse(body, self.now()).map_err(|e| WebhookRejection::Malformed(e.to_string()))?;
        let count = events.len();
        let observed: Vec<_> = events
            .into_iter()
            .map(|event| (self.observe(id), event))
            .collect();
        match lock(&self.inner.pending).get_mut(id) {
            Some(pending) => pending.events.extend(observed),
            // Admitted meanwhile: the row exists now. A 5xx makes the server post it again;
            // a 401 would make it give up.
            None => {
                let busy = EngineError::Conflict("the instance was created meanwhile".into());
                return Err(WebhookRejection::Internal(busy));
            }
        }
        tracing::debug!(instance = %id, count, "events of an instance being created kept");
        Ok(count)
    }

    /// Expects webhooks for an instance about to be created on its server.
    pub(super) fn expect_pending(&self, id: &InstanceId, webhook_secret: &str) {
        let pending = super::PendingInstance {
            webhook_secret: webhook_secret.to_owned(),
            events: Vec::new(),
        };
        lock(&self.inner.pending).insert(id.clone(), pending);
    }

    /// The instance's row exists: applies what its webhooks said meanwhile, in their order (each
    /// keeps the order it arrived in, so nothing newer is undone).
    pub(super) async fn admit_pending(&self, id: &InstanceId) -> Result<(), EngineError> {
        let Some(pending) = lock(&self.inner.pending).remove(id) else {
            return Ok(());
        };
        if !pending.events.is_empty() {
            lock(&self.inner.last_webhook).insert(id.clone(), self.now());
        }
        for (observed, event) in pending.events {
            self.apply_observed_event(id, event, observed).await?;
        }
        Ok(())
    }

    /// Forgets an instance whose creation failed.
    pub(super) fn drop_pending(&self, id: &InstanceId) {
        lock(&self.inner.pending).remove(id);
    }

    /// Catches up with what the provider logged while its events could not reach this computer
    /// (a gateway on a rented server cannot call a desktop behind a router): new messages, logged
    /// once whichever path brings them, and receipts of messages sent here in the last day, a few
    /// at a time. The status loop calls this while no webhook arrives; tests call it directly.
    /// Returns how many events were applied.
    pub async fn poll_events(&self, id: &InstanceId) -> Result<usize, EngineError> {
        let instance = self.instance(id).await?;
        if instance.status != InstanceStatus::Connected {
            return Ok(0);
        }
        let provider = self.provider(&instance).await?;
        let now = self.now();
        let slot = self.slot(id);
        let known = *lock(&slot.catch_up);
        let mut catch_up = match known {
            Some(catch_up) => catch_up,
            None => CatchUp {
                messages_since: self
                    .inner
                    .store
                    .newest_reported_at(id)
                    .await?
                    .unwrap_or(now - CATCH_UP_FIRST_MILLIS)
                    .max(now - RECEIPT_WINDOW_MILLIS),
                receipts_after: 0,
            },
        };
        let limit = self.inner.timeouts.state;
        // A little overlap: the server's clock and ours differ, and a repeat is logged once.
        let since = catch_up.messages_since - CATCH_UP_OVERLAP_MILLIS;
        let events = within(
            limit,
            "a message check",
            provider.messages_between(since, now + CATCH_UP_OVERLAP_MILLIS),
        )
        .await?;
        let mut applied = 0;
        for event in events {
            if let ProviderEvent::Message(message) = &event {
                catch_up.messages_since = catch_up.messages_since.max(message.at.min(now));
            }
            self.apply_event(id, event).await?;
            applied += 1;
        }
        let after = catch_up.receipts_after.max(now - RECEIPT_WINDOW_MILLIS);
        let awaiting = self
            .inner
            .store
            .awaiting_receipts(id, after, RECEIPTS_PER_POLL)
            .await?;
        // The next pass takes the next few; after the last, the window starts over.
        catch_up.receipts_after = match awaiting.last() {
            Some((_, sent_at)) if awaiting.len() as i64 == RECEIPTS_PER_POLL => *sent_at,
            _ => 0,
        };
        for (provider_message_id, _) in awaiting {
            if let Some(status) = within(
                limit,
                "a receipt check",
                provider.receipt_of(&provider_message_id),
            )
            .await?
            {
                let receipt = ProviderEvent::Receipt {
                    provider_message_id,
                    status,
                };
                self.apply_event(id, receipt).await?;
                applied += 1;
            }
        }
        *lock(&slot.catch_up) = Some(catch_up);
        Ok(applied)
    }

    /// Asks the provider for an instance's state once (the polling path). While a QR waits to be
    /// scanned this also fetches the current code, which does not restart the linking session.
    pub async fn poll_instance(&self, id: &InstanceId) -> Result<InstanceStatus, EngineError> {
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        let observed = self.observe(id);
        let report = match within(self.inner.timeouts.state, "a state check", provider.connection()).await {
            Ok(report) => report,
            Err(error) => report_for_error(&error)?,
        };
        let waiting_for_scan =
            instance.status == InstanceStatus::Linking && report.signal == ConnectionSignal::Connecting;
        let fresh = self.transition(id, report, None, observed).await?;
        if fresh && waiting_for_scan {
            match within(self.inner.timeouts.state, "a QR refresh", provider.link(None)).await {
                Ok(LinkProgress::Offer(offer)) => {
                    let report = ConnectionReport::bare(ConnectionSignal::QrShown);
                    self.transition(id, report, Some(offer), observed).await?;
                }
                Ok(LinkProgress::AlreadyConnected) => {
                    self.apply_connection(id, ConnectionReport::bare(ConnectionSignal::Open))
                        .await?
                }
                Err(error) => tracing::debug!(%error, "QR refresh failed"),
            }
        }
        Ok(self.instance(id).await?.status)
    }

    /// Points every Evolution instance's webhook at the listener's current address, adding one to
    /// instances that had none (added before the listener was known). Returns how many were
    /// updated; an unreachable server is logged and skipped (polling covers it).
    pub async fn reconfigure_webhooks(&self) -> Result<usize, EngineError> {
        let mut updated = 0;
        for instance in self.list_instances().await? {
            if instance.provider != ProviderKind::Evolution {
                continue;
            }
            let Some(url) = self.webhook_url(&instance.id).await? else {
                continue;
            };
            // An instance added while no listener was known polls; it gets its webhook now.
            let secrets = &self.inner.secrets;
            let secret = match secrets.get(&instance.id, SecretKind::WebhookSecret).await? {
                Some(secret) => secret,
                None => {
                    let secret = crate::secrets::generate_secret();
                    secrets
                        .set(&instance.id, SecretKind::WebhookSecret, &secret)
                        .await?;
                    secret
                }
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
                Ok(()) if instance.uses_webhook => updated += 1,
                Ok(()) => {
                    self.inner.store.set_uses_webhook(&instance.id, true).await?;
                    tracing::info!(instance = %instance.id, "webhook added to an instance that polled");
                    updated += 1;
                }
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
            let on_server: Vec<(&crate::store::Instance, Observation)> = instances
                .iter()
                .filter(|i| i.server_url.as_deref() == Some(server_url.as_str()))
                .map(|i| (i, self.observe(&i.id)))
                .collect();
            match within(
                self.inner.timeouts.state,
                "the instance list",
                server.fetch_instances(),
            )
            .await
            {
                Ok(rows) => {
                    for (local, observed) in on_server {
                        let report = match rows.iter().find(|row| row.name == local.remote_name) {
                            Some(row) => ConnectionReport {
                                signal: row.signal(),
                                reason: None,
                                profile_name: row.profile_name.clone(),
                                phone: row.phone(),
                            },
                            None => ConnectionReport::bare(ConnectionSignal::Missing),
                        };
                        self.transition(&local.id, report, None, observed).await?;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, server = %server_url, "re-sync failed");
                    let report = report_for_error(&error)
                        .unwrap_or_else(|_| ConnectionReport::bare(ConnectionSignal::Unreachable));
                    for (local, observed) in on_server {
                        self.transition(&local.id, report.clone(), None, observed).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a failed status check says about the instance; other errors are real errors.
fn report_for_error(error: &ProviderError) -> Result<ConnectionReport, EngineError> {
    if let ProviderError::NotActivated { register_url } = error {
        return Ok(ConnectionReport {
            reason: Some(crate::provider::not_activated_sentence(register_url.as_deref())),
            ..ConnectionReport::bare(ConnectionSignal::Unreachable)
        });
    }
    let (signal, reason) = match error {
        ProviderError::Unreachable(_) => (ConnectionSignal::Unreachable, "The server could not be reached."),
        ProviderError::TimedOut(_) => (
            ConnectionSignal::Unreachable,
            "The server did not answer in time.",
        ),
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
