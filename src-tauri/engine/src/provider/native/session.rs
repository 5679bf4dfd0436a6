//! The adapter: the few things Switchboard asks of one in-process WhatsApp client, and their
//! implementation over the `whatsapp-rust` crate. It stays thin on purpose: the crate changes
//! between releases, and everything above this seam is tested with a scripted session and events
//! built the way the crate builds them.

use crate::domain::MediaKind;
use crate::provider::{Group, ProviderError};
use async_trait::async_trait;
use std::path::Path;
use std::sync::{Arc, Mutex};
use whatsapp_rust::prelude::{Bot, BotHandle, Client, Event, SqliteStore};
use whatsapp_rust::upload::UploadOptions;
use whatsapp_rust::wacore::download::MediaType;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::Jid as WaJid;

/// Where an encrypted upload went and how to decrypt it: what a media message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedMedia {
    pub url: String,
    pub direct_path: String,
    pub media_key: Vec<u8>,
    pub file_sha256: Vec<u8>,
    pub file_enc_sha256: Vec<u8>,
    pub file_length: u64,
    pub media_key_timestamp: i64,
    /// Seek table for progressive playback (audio and video).
    pub streaming_sidecar: Option<Vec<u8>>,
}

/// Called with every event the client reports, on the client's own tasks.
pub type EventCallback = Arc<dyn Fn(Arc<Event>) + Send + Sync>;

/// One running client: one linked (or linking) number.
#[async_trait]
pub trait Session: Send + Sync {
    fn is_connected(&self) -> bool;
    /// Whether the session store holds a linked device (it may be offline).
    fn is_logged_in(&self) -> bool;
    /// The account's push name and phone JID, once linked.
    fn own_profile(&self) -> (Option<String>, Option<WaJid>);
    /// Asks WhatsApp for an 8-character code to type on the phone (`phone_digits`: E.164 digits).
    async fn request_pairing_code(&self, phone_digits: &str) -> Result<String, ProviderError>;
    /// Encrypts and uploads a media file; the answer goes into the message that carries it.
    async fn upload(&self, bytes: Vec<u8>, kind: MediaKind) -> Result<UploadedMedia, ProviderError>;
    /// Sends a message under the given wire id (the same id again is the same message to
    /// WhatsApp); the answer is WhatsApp's message id.
    async fn send(&self, to: WaJid, message: wa::Message, message_id: &str) -> Result<String, ProviderError>;
    async fn groups(&self) -> Result<Vec<Group>, ProviderError>;
    /// Whether each phone JID is registered on WhatsApp, in the input's order.
    async fn on_whatsapp(&self, jids: &[WaJid]) -> Result<Vec<bool>, ProviderError>;
    /// Read receipts for messages of a one-to-one chat.
    async fn mark_read(&self, chat: WaJid, message_ids: &[String]) -> Result<(), ProviderError>;
    /// The account's About text and a temporary link to its picture, asked of WhatsApp.
    async fn about_and_picture(&self) -> Result<(Option<String>, Option<String>), ProviderError>;
    async fn set_push_name(&self, name: &str) -> Result<(), ProviderError>;
    async fn set_about(&self, text: &str) -> Result<(), ProviderError>;
    /// A square JPEG, or `None` to remove the picture.
    async fn set_picture(&self, jpeg: Option<Vec<u8>>) -> Result<(), ProviderError>;
    /// Unlinks this device from the account (the keys stay on disk; the provider wipes them).
    async fn logout(&self) -> Result<(), ProviderError>;
    /// Stops the client; the session store is closed and may be removed afterwards.
    async fn shutdown(&self);
}

/// Starts sessions from their store files.
#[async_trait]
pub trait Launcher: Send + Sync + 'static {
    async fn launch(&self, store: &Path, on_event: EventCallback) -> Result<Arc<dyn Session>, ProviderError>;
}

/// The real client. `endpoint` replaces WhatsApp's address (a test server on `ws://127.0.0.1`);
/// `None` is WhatsApp itself. `version` is the WhatsApp Web version to announce; `None` asks
/// web.whatsapp.com for the current one, as WhatsApp expects.
#[derive(Debug, Clone, Default)]
pub struct WhatsAppRust {
    pub endpoint: Option<String>,
    pub version: Option<(u32, u32, u32)>,
}

fn failed(error: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unreachable(error.to_string())
}

/// A send WhatsApp refused because of the account itself is told apart from a connection that
/// failed: those refusals are what pause a number's sending (see the engine's sending guard).
fn send_failed(error: whatsapp_rust::SendError) -> ProviderError {
    if let whatsapp_rust::SendError::Iq(whatsapp_rust::IqError::ServerError { code, backoff, .. }) = &error {
        if let Some(restricted) = restriction(*code, *backoff) {
            return restricted;
        }
    }
    failed(error)
}

/// WhatsApp's error codes that limit the account, with the wait it asks for (its `backoff`, in
/// seconds) or a cautious one.
fn restriction(code: u16, backoff: Option<u32>) -> Option<ProviderError> {
    let (code, sentence, default_wait) = match code {
        429 => (
            "rate_overlimit",
            "WhatsApp says this number is sending too much (rate-overlimit, 429).",
            15 * 60,
        ),
        463 => (
            "reachout_timelocked",
            "WhatsApp stopped this number from starting new chats for a while (reach-out lock, 463).",
            60 * 60,
        ),
        _ => return None,
    };
    Some(ProviderError::Restricted {
        code,
        sentence: sentence.to_owned(),
        retry_after: i64::from(backoff.unwrap_or(default_wait)) * 1_000,
    })
}

#[async_trait]
impl Launcher for WhatsAppRust {
    async fn launch(&self, store: &Path, on_event: EventCallback) -> Result<Arc<dyn Session>, ProviderError> {
        let backend = SqliteStore::new(&store.to_string_lossy()).await.map_err(failed)?;
        let mut transport = whatsapp_rust::transport::TokioWebSocketTransportFactory::new();
        if let Some(url) = &self.endpoint {
            transport = transport.with_url(url.clone());
        }
        let mut builder = Bot::builder()
            .with_backend(backend)
            .with_transport_factory(transport);
        if let Some(version) = self.version {
            builder = builder.with_version(version);
        }
        let bot = builder
            .on_event(move |event, _client| {
                on_event(event);
                async {}
            })
            .build()
            .await
            .map_err(failed)?;
        let client = bot.client();
        let handle = bot.spawn();
        Ok(Arc::new(RunningClient {
            client,
            handle: Mutex::new(Some(handle)),
        }))
    }
}

struct RunningClient {
    client: Arc<Client>,
    handle: Mutex<Option<BotHandle>>,
}

fn profile_error(error: whatsapp_rust::ProfileError) -> ProviderError {
    match error {
        whatsapp_rust::ProfileError::InvalidArgument(reason) => ProviderError::Rejected(reason),
        other => failed(other),
    }
}

fn media_type(kind: MediaKind) -> MediaType {
    match kind {
        MediaKind::Image => MediaType::Image,
        MediaKind::Video => MediaType::Video,
        MediaKind::Audio => MediaType::Audio,
        MediaKind::Document => MediaType::Document,
    }
}

#[async_trait]
impl Session for RunningClient {
    fn is_connected(&self) -> bool {
        self.client.is_connected()
    }

    fn is_logged_in(&self) -> bool {
        self.client.is_logged_in()
    }

    fn own_profile(&self) -> (Option<String>, Option<WaJid>) {
        let name = self.client.push_name();
        ((!name.is_empty()).then_some(name), self.client.pn())
    }

    async fn request_pairing_code(&self, phone_digits: &str) -> Result<String, ProviderError> {
        let options = whatsapp_rust::pair_code::PairCodeOptions {
            phone_number: phone_digits.to_owned(),
            ..Default::default()
        };
        self.client
            .pair_with_code(options)
            .await
            .map_err(|e| ProviderError::Rejected(e.to_string()))
    }

    async fn upload(&self, bytes: Vec<u8>, kind: MediaKind) -> Result<UploadedMedia, ProviderError> {
        let sent = self
            .client
            .upload(bytes, media_type(kind), UploadOptions::default())
            .await
            .map_err(failed)?;
        Ok(UploadedMedia {
            url: sent.url,
            direct_path: sent.direct_path,
            media_key: sent.media_key.to_vec(),
            file_sha256: sent.file_sha256.to_vec(),
            file_enc_sha256: sent.file_enc_sha256.to_vec(),
            file_length: sent.file_length,
            media_key_timestamp: sent.media_key_timestamp,
            streaming_sidecar: sent.streaming_sidecar,
        })
    }

    async fn send(&self, to: WaJid, message: wa::Message, message_id: &str) -> Result<String, ProviderError> {
        let options = whatsapp_rust::SendOptions::default().with_message_id(message_id);
        let sent = self
            .client
            .send_message_with_options(to, message, options)
            .await
            .map_err(send_failed)?;
        Ok(sent.message_id)
    }

    async fn groups(&self) -> Result<Vec<Group>, ProviderError> {
        let groups = self.client.groups().get_participating().await.map_err(failed)?;
        Ok(groups
            .into_values()
            .map(|g| Group {
                jid: g.id.to_string(),
                subject: g.subject,
                size: u32::try_from(g.participants.len()).ok(),
            })
            .collect())
    }

    async fn on_whatsapp(&self, jids: &[WaJid]) -> Result<Vec<bool>, ProviderError> {
        let found = self
            .client
            .contacts()
            .is_on_whatsapp(jids)
            .await
            .map_err(failed)?;
        // An answer names the number asked (or carries it as `pn_jid` when WhatsApp answers with
        // the person's LID); a number WhatsApp leaves out of its answer is not registered.
        Ok(jids
            .iter()
            .map(|asked| {
                found.iter().any(|answer| {
                    answer.is_registered
                        && (answer.jid.user == asked.user
                            || answer.pn_jid.as_ref().is_some_and(|pn| pn.user == asked.user))
                })
            })
            .collect())
    }

    async fn mark_read(&self, chat: WaJid, message_ids: &[String]) -> Result<(), ProviderError> {
        let ids: Vec<&str> = message_ids.iter().map(String::as_str).collect();
        self.client.mark_as_read(&chat, None, &ids).await.map_err(failed)
    }

    async fn about_and_picture(&self) -> Result<(Option<String>, Option<String>), ProviderError> {
        let Some(own) = self.client.pn() else {
            return Err(ProviderError::NotConnected);
        };
        let contacts = self.client.contacts();
        let about = contacts
            .get_user_info(std::slice::from_ref(&own))
            .await
            .map_err(failed)?
            .into_iter()
            .find(|(jid, _)| jid.user == own.user)
            .and_then(|(_, info)| info.status);
        let picture = contacts
            .get_profile_picture(&own, false)
            .await
            .map_err(failed)?
            .map(|picture| picture.url);
        Ok((about, picture))
    }

    async fn set_push_name(&self, name: &str) -> Result<(), ProviderError> {
        self.client
            .profile()
            .set_push_name(name)
            .await
            .map_err(profile_error)
    }

    async fn set_about(&self, text: &str) -> Result<(), ProviderError> {
        self.client
            .profile()
            .set_status_text(text)
            .await
            .map_err(profile_error)
    }

    async fn set_picture(&self, jpeg: Option<Vec<u8>>) -> Result<(), ProviderError> {
        let profile = self.client.profile();
        match jpeg {
            Some(jpeg) => profile.set_profile_picture(jpeg).await.map(drop),
            None => profile.remove_profile_picture().await.map(drop),
        }
        .map_err(profile_error)
    }

    async fn logout(&self) -> Result<(), ProviderError> {
        self.client.logout().await;
        Ok(())
    }

    async fn shutdown(&self) {
        let handle = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            handle.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whatsapp_rust::{IqError, SendError};

    fn refused(code: u16, backoff: Option<u32>) -> ProviderError {
        send_failed(SendError::Iq(IqError::ServerError {
            code,
            text: "rate-overlimit".into(),
            error_type: None,
            backoff,
        }))
    }

    #[test]
    fn account_limits_are_restrictions_with_the_wait_whatsapp_asks_for() {
        assert!(matches!(
            refused(429, Some(120)),
            ProviderError::Restricted {
                code: "rate_overlimit",
                retry_after: 120_000,
                ..
            }
        ));
        assert!(matches!(
            refused(463, None),
            ProviderError::Restricted {
                code: "reachout_timelocked",
                retry_after: 3_600_000,
                ..
            }
        ));
        assert!(matches!(refused(500, None), ProviderError::Unreachable(_)));
        assert!(matches!(
            send_failed(SendError::NotLoggedIn),
            ProviderError::Unreachable(_)
        ));
    }
}
