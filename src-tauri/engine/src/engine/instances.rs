//! Adding, linking, restarting, logging out and deleting instances.

use super::{lock, Engine, LiveOffer};
use crate::domain::{ConnectionSignal, EventPath, InputError, InstanceId, InstanceStatus, PhoneNumber};
use crate::error::EngineError;
use crate::events::EngineEvent;
pub use crate::provider::ProviderSetup;
use crate::provider::{ConnectionReport, LinkOffer, LinkProgress, NewAccount, ProviderError, Provisioned};
use crate::secrets::{generate_secret, SecretKind};
use crate::store::{Instance, Millis, StatusChange};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddInstanceRequest {
    pub display_name: String,
    pub provider: ProviderSetup,
}

/// What the QR card shows.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    pub instance_id: InstanceId,
    pub status: InstanceStatus,
    /// The QR code as an SVG document, rendered here from the QR text.
    pub qr_svg: Option<String>,
    pub pairing_code: Option<String>,
    /// When the code on offer is expected to rotate (for the countdown).
    pub expires_at: Option<Millis>,
    pub received_at: Option<Millis>,
    /// How many codes this linking session has shown.
    pub codes_shown: u32,
}

/// What a person pastes into their provider's dashboard so that it posts this number's events
/// here (Meta's App Dashboard: callback URL and verify token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManualWebhook {
    /// This number's webhook address, when the listener or a public base address is known.
    pub callback_url: Option<String>,
    pub verify_token: String,
    /// Whether the address is one the internet can reach (a public base address is set in
    /// Settings); the listener itself only answers this computer.
    pub public: bool,
}

/// WhatsApp's QR refs last 60 s for the first code and 20 s for each after it.
const FIRST_QR_MILLIS: Millis = 60_000;
const NEXT_QR_MILLIS: Millis = 20_000;
const MAX_DISPLAY_NAME: usize = 60;

fn display_name(input: &str) -> Result<String, InputError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(InputError::new("Give the instance a name."));
    }
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(InputError::new(format!(
            "Keep the name under {MAX_DISPLAY_NAME} characters."
        )));
    }
    Ok(name.to_owned())
}

impl Engine {
    pub async fn list_instances(&self) -> Result<Vec<Instance>, EngineError> {
        let mut instances = self.inner.store.instances().await?;
        for instance in &mut instances {
            self.fill_in(instance);
            instance.event_path = self.event_path(instance).await?;
            instance.sending_pause = self.inner.store.guard(&instance.id).await?.pause;
        }
        Ok(instances)
    }

    pub async fn get_instance(&self, id: &InstanceId) -> Result<Instance, EngineError> {
        let mut instance = self.instance(id).await?;
        instance.event_path = self.event_path(&instance).await?;
        instance.sending_pause = self.inner.store.guard(id).await?.pause;
        Ok(instance)
    }

    /// The webhook set-up a person does by hand, for a number whose provider checks its callback
    /// with a verify token; `None` for the others.
    pub async fn manual_webhook(&self, id: &InstanceId) -> Result<Option<ManualWebhook>, EngineError> {
        let instance = self.instance(id).await?;
        let Some(verify_token) = self.inner.secrets.get(id, SecretKind::VerifyToken).await? else {
            return Ok(None);
        };
        Ok(Some(ManualWebhook {
            callback_url: self.webhook_url(id, instance.provider).await?,
            verify_token,
            public: self.settings().await?.webhook_base_url.is_some(),
        }))
    }

    pub async fn status_history(&self, id: &InstanceId) -> Result<Vec<StatusChange>, EngineError> {
        self.instance(id).await?;
        Ok(self.inner.store.status_history(id, 100).await?)
    }

    /// Creates an instance at its provider and here. Either both exist afterwards or neither does.
    pub async fn add_instance(&self, request: AddInstanceRequest) -> Result<Instance, EngineError> {
        let name = display_name(&request.display_name)?;
        let kind = request.provider.kind();
        let kit = self.kit(kind)?.clone();
        let id = InstanceId::new_random();
        let webhook_url = self.webhook_url(&id, kind).await?;
        let webhook_secret = generate_secret();
        // A server may post the new instance's first events before it answers the create call.
        if webhook_url.is_some() {
            self.expect_pending(&id, kind, &webhook_secret);
        }
        let account = NewAccount {
            id: &id,
            display_name: &name,
            setup: request.provider,
            webhook_url,
            webhook_secret: &webhook_secret,
        };
        let provisioned = match kit.provision(&self.inner.kit_context, account).await {
            Ok(provisioned) => provisioned,
            Err(error) => {
                self.drop_pending(&id);
                return Err(error.into());
            }
        };

        let now = self.now();
        let instance = Instance {
            id: id.clone(),
            display_name: name,
            provider: kind,
            remote_name: provisioned.remote_name.clone(),
            server_url: provisioned.server_url.clone(),
            provider_config: provisioned.config.clone(),
            status: provisioned.status,
            status_reason: None,
            profile_name: provisioned.profile_name.clone(),
            phone: provisioned.phone.as_ref().map(PhoneNumber::e164),
            uses_webhook: provisioned.uses_webhook,
            event_path: EventPath::at_rest(
                kit.traits().events_direct,
                kit.traits().keeps_log,
                provisioned.uses_webhook,
            ),
            send_read_receipts: false,
            read_receipts_supported: kit.traits().read_receipts,
            linked_device: kit.traits().linked_device,
            uses_templates: kit.traits().reply_window.is_some(),
            sending_pause: None,
            created_at: now,
            updated_at: now,
        };
        if let Err(error) = self.keep_new_instance(&instance, &provisioned).await {
            // Undo everything: the remote account, any secret written, any row written.
            self.drop_pending(&id);
            let _ = self.inner.store.delete_instance(&id).await;
            let _ = self.inner.secrets.delete_all(&id).await;
            lock(&self.inner.providers).remove(&id);
            if let Err(undo) = kit.discard(&self.inner.kit_context, &provisioned).await {
                tracing::error!(error = %undo, remote = %provisioned.remote_name, "could not remove the half-created remote account");
            }
            return Err(error);
        }
        tracing::info!(instance = %id, provider = kind.as_str(), remote = %instance.remote_name, webhook = instance.uses_webhook, "instance added");
        if let Some(offer) = provisioned.offer {
            self.offer_link(&id, offer);
        }
        self.admit_pending(&id).await?;
        self.start_worker(&id);
        self.emit(EngineEvent::InstancesChanged);
        self.get_instance(&id).await
    }

    /// Writes a provisioned instance's secrets and row, and opens its provider.
    async fn keep_new_instance(
        &self,
        instance: &Instance,
        provisioned: &Provisioned,
    ) -> Result<(), EngineError> {
        for (kind, value) in &provisioned.secrets {
            self.inner.secrets.set(&instance.id, *kind, value).await?;
        }
        self.inner
            .store
            .insert_instance(instance)
            .await
            .map_err(|error| {
                if error.is_unique_violation() {
                    EngineError::Conflict("This number is already added to Switchboard.".into())
                } else {
                    error.into()
                }
            })?;
        self.provider(instance).await?;
        Ok(())
    }

    /// What the QR card shows now.
    pub async fn link_view(&self, id: &InstanceId) -> Result<LinkView, EngineError> {
        let instance = self.instance(id).await?;
        let offer = lock(&self.inner.offers).get(id).cloned();
        Ok(LinkView {
            instance_id: id.clone(),
            status: instance.status,
            qr_svg: offer.as_ref().and_then(|o| o.qr_svg.clone()),
            pairing_code: offer.as_ref().and_then(|o| o.offer.pairing_code.clone()),
            expires_at: offer.as_ref().map(|o| o.expires_at),
            received_at: offer.as_ref().map(|o| o.received_at),
            codes_shown: offer.map(|o| o.shown).unwrap_or_default(),
        })
    }

    /// The QR code on offer as a PNG at least `size` pixels wide, if one is on offer.
    pub async fn qr_png(&self, id: &InstanceId, size: u32) -> Result<Option<Vec<u8>>, EngineError> {
        self.instance(id).await?;
        let code = lock(&self.inner.offers)
            .get(id)
            .and_then(|o| o.offer.qr_code.clone());
        match code {
            Some(code) => crate::qr::render_png(&code, size)
                .map(Some)
                .map_err(|e| InputError::new(format!("The QR code cannot be drawn: {e}")).into()),
            None => Ok(None),
        }
    }

    /// Starts linking again (after a QR limit or a logout), by QR or, with a phone number, by
    /// pairing code.
    pub async fn start_linking(
        &self,
        id: &InstanceId,
        pairing_phone: Option<&str>,
    ) -> Result<LinkView, EngineError> {
        let instance = self.instance(id).await?;
        let default_country = self.settings().await?.default_region;
        let phone = pairing_phone
            .filter(|p| !p.trim().is_empty())
            .map(|p| PhoneNumber::parse(p, default_country.as_ref()))
            .transpose()?;
        let provider = self.provider(&instance).await?;
        lock(&self.inner.offers).remove(id);
        match provider.link(phone.as_ref()).await {
            Ok(LinkProgress::Offer(offer)) => self.accept_offer(id, offer).await?,
            Ok(LinkProgress::AlreadyConnected) => {
                self.apply_connection(id, ConnectionReport::bare(ConnectionSignal::Open))
                    .await?;
            }
            Err(ProviderError::QrLimitReached) => {
                self.apply_connection(id, ConnectionReport::bare(ConnectionSignal::QrRefused))
                    .await?;
            }
            Err(error) => return Err(error.into()),
        }
        self.link_view(id).await
    }

    /// Keeps a new QR / pairing code, moves the status to linking and tells listeners.
    pub(super) async fn accept_offer(&self, id: &InstanceId, offer: LinkOffer) -> Result<(), EngineError> {
        let observed = self.observe(id);
        let report = ConnectionReport::bare(ConnectionSignal::QrShown);
        self.transition(id, report, Some(offer), observed).await.map(drop)
    }

    pub(super) fn offer_link(&self, id: &InstanceId, offer: LinkOffer) {
        let now = self.now();
        let qr_svg = offer
            .qr_code
            .as_deref()
            .and_then(|code| match crate::qr::render_svg(code) {
                Ok(svg) => Some(svg),
                Err(error) => {
                    tracing::warn!(%error, "QR text could not be rendered");
                    None
                }
            });
        {
            let mut offers = lock(&self.inner.offers);
            let previous = offers.get(id);
            if previous.is_some_and(|p| p.offer == offer) {
                return;
            }
            let shown = previous.map(|p| p.shown).unwrap_or(0) + 1;
            let ttl = if shown == 1 {
                FIRST_QR_MILLIS
            } else {
                NEXT_QR_MILLIS
            };
            offers.insert(
                id.clone(),
                LiveOffer {
                    offer,
                    qr_svg,
                    received_at: now,
                    expires_at: now + ttl,
                    shown,
                },
            );
        }
        self.emit(EngineEvent::QrUpdated {
            instance_id: id.clone(),
        });
    }

    pub(super) fn clear_offer(&self, id: &InstanceId) {
        if lock(&self.inner.offers).remove(id).is_some() {
            self.emit(EngineEvent::QrUpdated {
                instance_id: id.clone(),
            });
        }
    }

    /// Restarts the provider's connection. A closed instance has nothing to restart: it is linked again.
    pub async fn restart_instance(&self, id: &InstanceId) -> Result<Instance, EngineError> {
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        self.reset_reconnects(id);
        match provider.restart().await {
            Ok(()) => {}
            Err(ProviderError::NotConnected) => {
                self.start_linking(id, None).await?;
            }
            Err(error) => return Err(error.into()),
        }
        self.poll_instance(id).await?;
        self.instance(id).await
    }

    /// Unlinks the number from this instance; it can be linked again afterwards.
    pub async fn logout_instance(&self, id: &InstanceId) -> Result<Instance, EngineError> {
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        // Before the call: its own logout event may arrive while it is under way.
        self.forget_last_send(id);
        match provider.logout().await {
            // Not connected means there is no session left to log out of.
            Ok(()) | Err(ProviderError::NotConnected) => {}
            Err(error) => return Err(error.into()),
        }
        self.clear_offer(id);
        let report = ConnectionReport {
            reason: Some("Logged out from Switchboard.".into()),
            ..ConnectionReport::bare(ConnectionSignal::LoggedOut)
        };
        self.apply_connection(id, report).await?;
        self.instance(id).await
    }

    /// Deletes the instance at its provider, then here (with its secrets and log).
    pub async fn delete_instance(&self, id: &InstanceId) -> Result<(), EngineError> {
        let instance = self.instance(id).await?;
        match self.provider(&instance).await {
            Ok(provider) => match provider.delete().await {
                Ok(()) | Err(ProviderError::InstanceMissing) => {}
                Err(error) => return Err(error.into()),
            },
            // Without its key the remote side cannot be reached; the local side can still go.
            Err(EngineError::Provider(ProviderError::Unauthorized)) => {}
            Err(error) => return Err(error),
        }
        self.inner.store.delete_instance(id).await?;
        self.inner.secrets.delete_all(id).await?;
        self.stop_worker(id);
        lock(&self.inner.providers).remove(id);
        lock(&self.inner.offers).remove(id);
        lock(&self.inner.last_webhook).remove(id);
        tracing::info!(instance = %id, "instance deleted");
        self.emit(EngineEvent::InstancesChanged);
        Ok(())
    }
}
