//! Everything a provider reports, however it arrives (webhook, polling, the provider's own event
//! stream), goes through `apply_event`: one place decides statuses, de-duplicates messages and
//! keeps message statuses moving forward only.

use super::{lock, within, Engine, Observation};
use crate::domain::{ConnectionSignal, EventPath, InstanceId, InstanceStatus, ProviderKind};
use crate::domain::{Direction, Jid, JidKind};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::provider::{
    ConnectionReport, EventFeed, LinkOffer, LinkProgress, ProviderError, ProviderEvent, ReportedMessage,
    WebhookError, WebhookRequest,
};
use crate::secrets::SecretKind;
use crate::store::{Instance, Millis, NewInbound, ReceiptOutcome};
use std::collections::HashMap;

/// Why a webhook was refused; the listener maps each to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum WebhookRejection {
    /// The webhook itself was refused (see `WebhookError` for the statuses).
    #[error(transparent)]
    Refused(#[from] WebhookError),
    /// Our side failed; the sender should retry: 500.
    #[error(transparent)]
    Internal(#[from] EngineError),
}

impl WebhookRejection {
    fn unauthorized(why: impl Into<String>) -> Self {
        WebhookRejection::Refused(WebhookError::Unauthorized(why.into()))
    }
}

fn default_reason(status: InstanceStatus) -> Option<&'static str> {
    match status {
        InstanceStatus::QrLimitReached => {
            Some("The QR code limit was reached before a phone scanned one. Press Try again for a new code.")
        }
        InstanceStatus::Unreachable => Some("The provider could not be reached."),
        InstanceStatus::Missing => Some("The provider no longer has this number."),
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
            let traits = self.kit(instance.provider)?.traits();
            EventPath::at_rest(traits.events_direct, traits.keeps_log, instance.uses_webhook)
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
                failure,
            } => {
                let outcome = self
                    .inner
                    .store
                    .apply_receipt(id, &provider_message_id, status, failure.as_ref(), self.now())
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
                media_ref: message.media_ref.as_deref(),
            })
            .await?;
        // Also for a repeated delivery: one whose first delivery failed half-way must not lose the
        // opt-out it carries (a contact already opted out is left as it is).
        if let (Direction::Inbound, Some(text)) = (message.direction, message.body.as_deref()) {
            self.opt_out_by_message(id, &chat_jid, text, &message.provider_message_id)
                .await?;
        }
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
            if message.direction == Direction::Inbound {
                // A reply that cannot be queued loses no incoming message: it is logged above.
                let answered = self
                    .answer_automatically(
                        id,
                        &chat_jid,
                        &contact_jid,
                        message.body.as_deref(),
                        &message.provider_message_id,
                        message.at,
                    )
                    .await;
                if let Err(error) = answered {
                    tracing::warn!(instance = %id, %error, "automatic reply not queued");
                }
            }
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
        self.note_status_change(id, instance.status, next, reason).await?;
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

    /// Handles one webhook POST for an instance, at `/webhooks/<provider>/<instance>`: its
    /// provider's kit checks it with the instance's webhook secret before anything of it is read,
    /// then its events are applied (each to the number it names, when one callback serves
    /// several). Returns how many events it carried.
    pub async fn receive_webhook(
        &self,
        provider: &str,
        instance_id: &str,
        headers: &HashMap<String, String>,
        body: &[u8],
    ) -> Result<usize, WebhookRejection> {
        // Unknown ids are refused exactly like bad signatures: no oracle for which ids exist.
        let unknown = || WebhookRejection::unauthorized("unknown instance");
        let kit = self.inner.kits.by_name(provider).ok_or_else(unknown)?.clone();
        let id = InstanceId::parse(instance_id).map_err(|_| unknown())?;
        let request = WebhookRequest { headers, body };
        let instance = self.inner.store.instance(&id).await.map_err(EngineError::from)?;
        let Some(instance) = instance else {
            return self.receive_pending_webhook(&id, kit.as_ref(), &request);
        };
        if instance.provider != kit.kind() {
            return Err(unknown());
        }
        let secret = self
            .inner
            .secrets
            .get(&id, SecretKind::WebhookSecret)
            .await
            .map_err(EngineError::from)?;
        let secret =
            secret.ok_or_else(|| WebhookRejection::unauthorized("instance has no webhook secret"))?;
        let events = kit.read_webhook(&secret, &request, self.now())?;
        let count = events.len();
        let mut others: HashMap<String, Option<InstanceId>> = HashMap::new();
        for routed in events {
            let target = match routed.account {
                Some(account) if account != instance.remote_name => match others.get(&account) {
                    Some(found) => found.clone(),
                    None => {
                        let found = self.sibling(&instance, &account, &secret).await?;
                        others.insert(account, found.clone());
                        found
                    }
                },
                _ => Some(id.clone()),
            };
            let Some(target) = target else {
                tracing::debug!(instance = %id, "webhook event for a number not added here; ignored");
                continue;
            };
            lock(&self.inner.last_webhook).insert(target.clone(), self.now());
            self.record_pushed(&target, EventPath::Webhook).await?;
            self.apply_event(&target, routed.event).await?;
        }
        Ok(count)
    }

    /// The instance of the same kind whose account is `account` and whose webhooks are signed
    /// with the same secret: a callback set up once for a whole business account brings the
    /// events of all its numbers, and only a sender holding that number's secret may speak for it.
    async fn sibling(
        &self,
        instance: &Instance,
        account: &str,
        secret: &str,
    ) -> Result<Option<InstanceId>, WebhookRejection> {
        let instances = self.inner.store.instances().await.map_err(EngineError::from)?;
        for other in instances {
            if other.provider != instance.provider || other.remote_name != account {
                continue;
            }
            let theirs = self
                .inner
                .secrets
                .get(&other.id, SecretKind::WebhookSecret)
                .await
                .map_err(EngineError::from)?;
            if theirs.as_deref() == Some(secret) {
                return Ok(Some(other.id));
            }
        }
        Ok(None)
    }

    /// Answers a provider's check of an instance's callback address (a GET with a challenge).
    pub async fn answer_webhook_handshake(
        &self,
        provider: &str,
        instance_id: &str,
        query: &HashMap<String, String>,
    ) -> Result<String, WebhookRejection> {
        let unknown = || WebhookRejection::unauthorized("unknown instance");
        let kit = self.inner.kits.by_name(provider).ok_or_else(unknown)?.clone();
        let id = InstanceId::parse(instance_id).map_err(|_| unknown())?;
        let instance = self.inner.store.instance(&id).await.map_err(EngineError::from)?;
        if instance.is_none_or(|i| i.provider != kit.kind()) {
            return Err(unknown());
        }
        let token = self
            .inner
            .secrets
            .get(&id, SecretKind::VerifyToken)
            .await
            .map_err(EngineError::from)?;
        Ok(kit.answer_handshake(token.as_deref(), query)?)
    }

    /// A webhook for an instance still being created: checked against its pending secret, its
    /// events kept until the instance's row exists (`admit_pending`).
    fn receive_pending_webhook(
        &self,
        id: &InstanceId,
        kit: &dyn crate::provider::ProviderKit,
        request: &WebhookRequest<'_>,
    ) -> Result<usize, WebhookRejection> {
        let secret = lock(&self.inner.pending)
            .get(id)
            .filter(|pending| pending.kind == kit.kind())
            .map(|pending| pending.webhook_secret.clone())
            .ok_or_else(|| WebhookRejection::unauthorized("unknown instance"))?;
        let events = kit.read_webhook(&secret, request, self.now())?;
        let count = events.len();
        let observed: Vec<_> = events
            .into_iter()
            .map(|routed| (self.observe(id), routed.event))
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
    pub(super) fn expect_pending(&self, id: &InstanceId, kind: ProviderKind, webhook_secret: &str) {
        let pending = super::PendingInstance {
            kind,
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
                    failure: None,
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

    /// Points every instance's webhook at the listener's current address, where its provider
    /// lets Switchboard set it, adding one to instances that had none (added before the listener
    /// was known). Returns how many were updated; an unreachable server is logged and skipped
    /// (polling covers it).
    pub async fn reconfigure_webhooks(&self) -> Result<usize, EngineError> {
        let mut updated = 0;
        for instance in self.list_instances().await? {
            let Some(url) = self.webhook_url(&instance.id, instance.provider).await? else {
                continue;
            };
            let secrets = &self.inner.secrets;
            let stored = secrets.get(&instance.id, SecretKind::WebhookSecret).await?;
            let secret = stored.clone().unwrap_or_else(crate::secrets::generate_secret);
            let kit = self.kit(instance.provider)?;
            if stored.is_none() {
                // The provider signs with what it is told; the secret is kept first so that
                // its first webhook is already accepted.
                secrets
                    .set(&instance.id, SecretKind::WebhookSecret, &secret)
                    .await?;
            }
            match kit
                .point_webhook(&self.inner.kit_context, &instance, &url, &secret)
                .await
            {
                Ok(false) => {}
                Ok(true) if instance.uses_webhook => updated += 1,
                Ok(true) => {
                    self.inner.store.set_uses_webhook(&instance.id, true).await?;
                    tracing::info!(instance = %instance.id, "webhook added to an instance that polled");
                    updated += 1;
                }
                Err(error) => tracing::warn!(%error, instance = %instance.id, "webhook address not updated"),
            }
        }
        Ok(updated)
    }

    /// At start-up: asks each kind of provider about all its instances at once (a server for
    /// all its instances in one call, where it can) and brings local statuses and profiles up
    /// to date.
    pub async fn resync(&self) -> Result<(), EngineError> {
        let instances = self.list_instances().await?;
        let mut kinds: Vec<ProviderKind> = Vec::new();
        for instance in &instances {
            if !kinds.contains(&instance.provider) {
                kinds.push(instance.provider);
            }
        }
        for kind in kinds {
            let Ok(kit) = self.kit(kind) else { continue };
            let of_kind: Vec<Instance> = instances.iter().filter(|i| i.provider == kind).cloned().collect();
            // Taken before the requests leave, so that an answer cannot undo a newer observation.
            let observed: HashMap<InstanceId, Observation> = of_kind
                .iter()
                .map(|i| (i.id.clone(), self.observe(&i.id)))
                .collect();
            for (id, answer) in kit.resync(&self.inner.kit_context, &of_kind).await {
                let Some(&observation) = observed.get(&id) else {
                    continue;
                };
                let report = match answer {
                    Ok(report) => report,
                    Err(error) => report_for_error(&error)
                        .unwrap_or_else(|_| ConnectionReport::bare(ConnectionSignal::Unreachable)),
                };
                self.transition(&id, report, None, observation).await?;
            }
        }
        Ok(())
    }
}

/// What a failed status check says about the instance; other errors are real errors.
fn report_for_error(error: &ProviderError) -> Result<ConnectionReport, EngineError> {
    if let ProviderError::Unavailable(sentence) = error {
        return Ok(ConnectionReport {
            reason: Some(sentence.clone()),
            ..ConnectionReport::bare(ConnectionSignal::Unreachable)
        });
    }
    let (signal, reason) = match error {
        ProviderError::Unreachable(_) => (
            ConnectionSignal::Unreachable,
            "The provider could not be reached.",
        ),
        ProviderError::TimedOut(_) => (
            ConnectionSignal::Unreachable,
            "The provider did not answer in time.",
        ),
        ProviderError::ServerError(_) => (
            ConnectionSignal::Unreachable,
            "The provider is failing (HTTP 5xx).",
        ),
        ProviderError::Unauthorized => (
            ConnectionSignal::Unreachable,
            "The provider refused the credentials (API key or access token).",
        ),
        ProviderError::InstanceMissing => (
            ConnectionSignal::Missing,
            "The provider no longer has this number.",
        ),
        other => return Err(other.clone().into()),
    };
    Ok(ConnectionReport {
        reason: Some(reason.to_owned()),
        ..ConnectionReport::bare(signal)
    })
}
