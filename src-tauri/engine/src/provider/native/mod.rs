//! The native provider: this computer is the linked device, through an in-process WhatsApp client
//! (one per number, each with its own session store in the app's data folder). It owns linking (QR
//! series, pairing codes, a fresh series after the codes ran out or the phone unlinked us), the
//! state the client reports (it has no "reconnecting" event, so that is derived), sending every
//! message type, and wiping the stored keys on logout.
//!
//! The crate sits behind `session` (a thin adapter); `events` and `outgoing` are pure
//! translations. Everything here is tested with a scripted session and constructed events.

pub mod events;
mod kit;
pub mod outgoing;
pub mod session;

use super::{
    ConnectionReport, Group, LinkOffer, LinkProgress, OutgoingMessage, Profile, Provider, ProviderError,
    ProviderEvent, SendReceipt,
};
use crate::clock::Clock;
use crate::domain::{ConnectionSignal, Jid, MediaSource, OutgoingContent, PhoneNumber};
use async_trait::async_trait;
use session::{EventCallback, Launcher, Session};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use whatsapp_rust::prelude::Event;
use whatsapp_rust::Jid as WaJid;

pub use kit::NativeKit;

/// How long `link` waits for the first QR code of a new session.
const FIRST_QR_WAIT: Duration = Duration::from_secs(20);

/// What the client's event callback shares with the provider.
struct Shared {
    events: mpsc::UnboundedSender<ProviderEvent>,
    clock: Arc<dyn Clock>,
    /// The code on offer while linking; `None` once linked or when the codes ran out.
    offer: watch::Sender<Option<LinkOffer>>,
    /// The last connection state the client reported; `None` before its first word.
    report: Mutex<Option<ConnectionReport>>,
    session: Mutex<Option<Arc<dyn Session>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn on_event(&self, event: &Event) {
        for mut translated in events::translate(event, self.clock.now()) {
            match &mut translated {
                ProviderEvent::LinkOffered(offer) => {
                    self.offer.send_replace(Some(offer.clone()));
                }
                ProviderEvent::Connection(report) => {
                    if report.signal == ConnectionSignal::Open {
                        self.fill_profile(report);
                    }
                    self.offer.send_replace(None);
                    *lock(&self.report) = Some(report.clone());
                }
                _ => {}
            }
            // The receiving engine went away: nothing is left to tell.
            let _ = self.events.send(translated);
        }
    }

    /// Who this number is, once connected.
    fn fill_profile(&self, report: &mut ConnectionReport) {
        let Some(session) = lock(&self.session).clone() else {
            return;
        };
        let (name, phone) = session.own_profile();
        report.profile_name = name;
        report.phone = phone.and_then(|jid| PhoneNumber::from_international_digits(&jid.user).ok());
    }

    fn last_signal(&self) -> Option<ConnectionSignal> {
        lock(&self.report).as_ref().map(|report| report.signal)
    }
}

pub struct NativeProvider {
    store_path: PathBuf,
    launcher: Arc<dyn Launcher>,
    http: reqwest::Client,
    shared: Arc<Shared>,
    /// Held while a session starts or stops, so two clients never share one store.
    lifecycle: tokio::sync::Mutex<()>,
}

impl NativeProvider {
    /// The provider of one number, whose session lives in `store_path`; what its client reports
    /// goes to `events`, and media given by URL is fetched with `http`. With `launch` the client
    /// starts at once (a new number, or one that was linked); otherwise it waits for `link` or
    /// `restart`, so a logged-out number does not start offering QR codes by itself.
    pub async fn start(
        store_path: PathBuf,
        launcher: Arc<dyn Launcher>,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
        events: mpsc::UnboundedSender<ProviderEvent>,
        launch: bool,
    ) -> Result<Self, ProviderError> {
        let shared = Arc::new(Shared {
            events,
            clock,
            offer: watch::channel(None).0,
            report: Mutex::new(None),
            session: Mutex::new(None),
        });
        let provider = Self {
            store_path,
            launcher,
            http,
            shared,
            lifecycle: tokio::sync::Mutex::new(()),
        };
        if launch {
            provider.launch().await?;
        }
        Ok(provider)
    }

    pub fn store_path(&self) -> &Path {
        &self.store_path
    }

    async fn launch(&self) -> Result<Arc<dyn Session>, ProviderError> {
        let _held = self.lifecycle.lock().await;
        if let Some(session) = self.current() {
            return Ok(session);
        }
        if let Some(folder) = self.store_path.parent() {
            private_folder(folder).await?;
        }
        let shared = self.shared.clone();
        let callback: EventCallback = Arc::new(move |event: Arc<Event>| shared.on_event(&event));
        *lock(&self.shared.report) = None;
        let session = self.launcher.launch(&self.store_path, callback).await?;
        *lock(&self.shared.session) = Some(session.clone());
        Ok(session)
    }

    /// Stops the client; with `wipe`, also removes its store (the keys that make this computer
    /// a linked device).
    async fn stop(&self, wipe: bool) -> Result<(), ProviderError> {
        let _held = self.lifecycle.lock().await;
        let session = lock(&self.shared.session).take();
        if let Some(session) = session {
            session.shutdown().await;
        }
        self.shared.offer.send_replace(None);
        if wipe {
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", self.store_path.display()));
                match tokio::fs::remove_file(&file).await {
                    Ok(()) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => {
                        tracing::warn!(%error, "could not remove a native session file");
                        return Err(ProviderError::Rejected(
                            "the stored session could not be removed".into(),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn current(&self) -> Option<Arc<dyn Session>> {
        lock(&self.shared.session).clone()
    }

    fn connected(&self) -> Result<Arc<dyn Session>, ProviderError> {
        match self.current() {
            Some(session) if session.is_connected() && session.is_logged_in() => Ok(session),
            _ => Err(ProviderError::NotConnected),
        }
    }

    /// A new linking series: after the codes ran out a new session is needed, and after the phone
    /// unlinked us the old keys are worthless.
    async fn fresh_session(&self) -> Result<Arc<dyn Session>, ProviderError> {
        let wipe = self.shared.last_signal() == Some(ConnectionSignal::LoggedOut);
        self.stop(wipe).await?;
        self.launch().await
    }

    async fn media_bytes(&self, message: &OutgoingMessage, max_bytes: u64) -> Result<Vec<u8>, ProviderError> {
        if let Some(bytes) = &message.media_bytes {
            return Ok(bytes.clone());
        }
        let OutgoingContent::Media {
            source: MediaSource::Url { url },
            ..
        } = &message.content
        else {
            return Err(ProviderError::Rejected("the media file is missing".into()));
        };
        fetch(&self.http, url, max_bytes).await
    }
}

/// Creates the folder of the session stores, readable by this user only: they hold device keys.
async fn private_folder(folder: &Path) -> Result<(), ProviderError> {
    let refused = |error: std::io::Error| {
        tracing::warn!(%error, "the native sessions folder could not be prepared");
        ProviderError::Rejected("the folder for this computer's sessions could not be created".into())
    };
    tokio::fs::create_dir_all(folder).await.map_err(refused)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
            .await
            .map_err(refused)?;
    }
    Ok(())
}

/// Downloads a media file given by URL (the native client uploads bytes, it cannot pass a URL on),
/// refusing more than `max_bytes`.
async fn fetch(http: &reqwest::Client, url: &str, max_bytes: u64) -> Result<Vec<u8>, ProviderError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|_| ProviderError::Unreachable(format!("the media URL {url} could not be reached")))?;
    if !response.status().is_success() {
        return Err(ProviderError::Rejected(format!(
            "the media URL answered HTTP {}",
            response.status().as_u16()
        )));
    }
    let mut response = response;
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| ProviderError::Unreachable("the media download broke off".into()))?
    {
        if (bytes.len() + chunk.len()) as u64 > max_bytes {
            return Err(ProviderError::Rejected(format!(
                "the media file is larger than {} MB",
                max_bytes / 1_048_576
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[async_trait]
impl Provider for NativeProvider {
    async fn link(&self, pairing_phone: Option<&PhoneNumber>) -> Result<LinkProgress, ProviderError> {
        let session = match (self.current(), self.shared.last_signal()) {
            (Some(_), Some(ConnectionSignal::QrRefused | ConnectionSignal::LoggedOut)) | (None, _) => {
                self.fresh_session().await?
            }
            (Some(session), _) => session,
        };
        if session.is_logged_in() {
            if session.is_connected() {
                return Ok(LinkProgress::AlreadyConnected);
            }
            return Err(ProviderError::Rejected(
                "this number is already linked and is reconnecting".into(),
            ));
        }
        if let Some(phone) = pairing_phone {
            let code = session.request_pairing_code(phone.digits()).await?;
            let offer = LinkOffer {
                qr_code: None,
                pairing_code: Some(code),
            };
            self.shared.offer.send_replace(Some(offer.clone()));
            return Ok(LinkProgress::Offer(offer));
        }
        let mut offers = self.shared.offer.subscribe();
        let offer = tokio::time::timeout(FIRST_QR_WAIT, offers.wait_for(Option::is_some))
            .await
            .map_err(|_| ProviderError::Unreachable("WhatsApp sent no QR code".into()))?
            .map_err(|_| ProviderError::NotConnected)?
            .clone();
        offer
            .map(LinkProgress::Offer)
            .ok_or(ProviderError::QrLimitReached)
    }

    async fn connection(&self) -> Result<ConnectionReport, ProviderError> {
        if let Some(report) = lock(&self.shared.report).clone() {
            return Ok(report);
        }
        // Nothing reported yet: the client is starting, or was never started.
        let signal = match self.current() {
            Some(session) if session.is_logged_in() && session.is_connected() => ConnectionSignal::Open,
            Some(session) if session.is_logged_in() => ConnectionSignal::Connecting,
            // Unlinked: codes arrive as events, so there is nothing to fetch.
            Some(_) => ConnectionSignal::QrShown,
            None => ConnectionSignal::Closed,
        };
        Ok(ConnectionReport::bare(signal))
    }

    async fn restart(&self) -> Result<(), ProviderError> {
        self.fresh_session().await.map(|_| ())
    }

    async fn logout(&self) -> Result<(), ProviderError> {
        if let Some(session) = self.current() {
            if session.is_connected() {
                session.logout().await?;
            }
        }
        // The client's logout keeps the keys on disk; an unlinked computer must not.
        self.stop(true).await?;
        let report = ConnectionReport {
            reason: Some("This computer was unlinked.".into()),
            ..ConnectionReport::bare(ConnectionSignal::LoggedOut)
        };
        *lock(&self.shared.report) = Some(report);
        Ok(())
    }

    async fn delete(&self) -> Result<(), ProviderError> {
        self.stop(true).await
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ProviderError> {
        let session = self.connected()?;
        let to: WaJid = message
            .to
            .to_string()
            .parse()
            .map_err(|_| ProviderError::Rejected("the address is not valid".into()))?;
        let wire = match &message.content {
            OutgoingContent::Text { text, quoted } => {
                outgoing::text(text, quoted.as_ref(), session.own_profile().1.as_ref())
            }
            OutgoingContent::Media {
                kind,
                mime,
                file_name,
                caption,
                ..
            } => {
                let bytes = self.media_bytes(message, kind.max_bytes()).await?;
                let upload = session.upload(bytes, *kind).await?;
                outgoing::media(*kind, upload, mime, file_name.as_deref(), caption.as_deref())
            }
            OutgoingContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => outgoing::location(*latitude, *longitude, name.as_deref(), address.as_deref()),
            OutgoingContent::Contact {
                full_name,
                phone,
                organization,
                email,
            } => outgoing::contact(full_name, phone, organization.as_deref(), email.as_deref()),
            OutgoingContent::Template { .. } => {
                return Err(ProviderError::Unsupported(
                    "message templates (an official Cloud API feature)",
                ))
            }
        };
        let provider_message_id = session.send(to, wire, &wire_message_id(&message.id)).await?;
        Ok(SendReceipt { provider_message_id })
    }

    /// Every attempt at one message goes out under the same wire id, which WhatsApp's clients
    /// de-duplicate: a retry after an unanswered send cannot show the customer a second copy.
    fn repeats_are_harmless(&self) -> bool {
        true
    }

    async fn mark_read(&self, chat: &Jid, provider_message_ids: &[String]) -> Result<(), ProviderError> {
        let chat: WaJid = chat
            .to_string()
            .parse()
            .map_err(|_| ProviderError::Rejected("the address is not valid".into()))?;
        self.connected()?.mark_read(chat, provider_message_ids).await
    }

    async fn check_numbers(&self, numbers: &[PhoneNumber]) -> Result<Vec<bool>, ProviderError> {
        let jids: Vec<WaJid> = numbers.iter().map(|number| WaJid::pn(number.digits())).collect();
        self.connected()?.on_whatsapp(&jids).await
    }

    async fn groups(&self) -> Result<Vec<Group>, ProviderError> {
        let mut groups = self.connected()?.groups().await?;
        groups.sort_by(|a, b| a.subject.cmp(&b.subject));
        Ok(groups)
    }

    async fn profile(&self, _own_number: &PhoneNumber) -> Result<Profile, ProviderError> {
        let session = self.connected()?;
        let (about, picture_url) = session.about_and_picture().await?;
        Ok(Profile {
            name: session.own_profile().0,
            about,
            picture_url,
        })
    }

    async fn set_profile_name(&self, name: &str) -> Result<(), ProviderError> {
        self.connected()?.set_push_name(name).await
    }

    async fn set_profile_about(&self, about: &str) -> Result<(), ProviderError> {
        self.connected()?.set_about(about).await
    }

    async fn set_profile_picture(&self, jpeg: Option<&[u8]>) -> Result<(), ProviderError> {
        self.connected()?.set_picture(jpeg.map(<[u8]>::to_vec)).await
    }
}

pub use crate::provider::wire_message_id;
