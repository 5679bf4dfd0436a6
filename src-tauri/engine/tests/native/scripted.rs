//! A scripted stand-in for the in-process client: it records what the provider asked of it, and
//! hands the test the provider's event callback so it can play WhatsApp's side.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use switchboard_engine::domain::MediaKind;
use switchboard_engine::provider::native::session::{EventCallback, Launcher, Session, UploadedMedia};
use switchboard_engine::provider::{Group, ProviderError};
use whatsapp_rust::prelude::Event;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::Jid as WaJid;

#[derive(Default)]
pub struct Script {
    pub launches: u32,
    pub shutdowns: u32,
    pub logouts: u32,
    pub connected: bool,
    pub logged_in: bool,
    pub push_name: Option<String>,
    pub own_jid: Option<WaJid>,
    /// Played through the callback as soon as a session starts (a new session's first QR code).
    pub on_launch: Vec<Event>,
    pub pairing_code: String,
    pub pairing_requests: Vec<String>,
    pub uploads: Vec<(usize, MediaKind)>,
    pub sent: Vec<(String, wa::Message)>,
    /// The wire id each sent message carried, in the same order.
    pub sent_ids: Vec<String>,
    pub groups: Vec<Group>,
    /// Phone numbers (digits) that are not on WhatsApp, and the batches checked.
    pub not_on_whatsapp: Vec<String>,
    pub checked: Vec<Vec<String>>,
    /// Read receipts asked for: the chat and the message ids.
    pub read_marks: Vec<(String, Vec<String>)>,
    pub about: Option<String>,
    /// The JPEG last set as the picture (None: no picture).
    pub picture: Option<Vec<u8>>,
    callback: Option<EventCallback>,
}

#[derive(Clone, Default)]
pub struct ScriptedLauncher(Arc<Mutex<Script>>);

impl ScriptedLauncher {
    pub fn script(&self) -> MutexGuard<'_, Script> {
        self.0.lock().expect("script")
    }

    /// Plays an event as the running client would report it.
    pub fn emit(&self, event: Event) {
        let callback = self.script().callback.clone().expect("no session is running");
        callback(Arc::new(event));
    }

    /// The phone scanned: the session is linked and connected as `push_name` / `phone`.
    pub fn link_as(&self, push_name: &str, phone: &str) {
        {
            let mut script = self.script();
            script.logged_in = true;
            script.connected = true;
            script.push_name = Some(push_name.into());
            script.own_jid = Some(format!("{phone}@s.whatsapp.net").parse().expect("jid"));
        }
        self.emit(Event::Connected(
            whatsapp_rust::types::events::Connected::builder().build(),
        ));
    }
}

#[async_trait::async_trait]
impl Launcher for ScriptedLauncher {
    async fn launch(&self, store: &Path, on_event: EventCallback) -> Result<Arc<dyn Session>, ProviderError> {
        let first_events = {
            let mut script = self.script();
            script.launches += 1;
            // Like the real store: a missing file is a new, unlinked device.
            if !store.exists() {
                script.logged_in = false;
                std::fs::write(store, b"keys").expect("store file");
            }
            script.callback = Some(on_event.clone());
            script.on_launch.clone()
        };
        for event in first_events {
            on_event(Arc::new(event));
        }
        Ok(Arc::new(ScriptedSession(self.clone())))
    }
}

struct ScriptedSession(ScriptedLauncher);

#[async_trait::async_trait]
impl Session for ScriptedSession {
    fn is_connected(&self) -> bool {
        self.0.script().connected
    }

    fn is_logged_in(&self) -> bool {
        self.0.script().logged_in
    }

    fn own_profile(&self) -> (Option<String>, Option<WaJid>) {
        let script = self.0.script();
        (script.push_name.clone(), script.own_jid.clone())
    }

    async fn request_pairing_code(&self, phone_digits: &str) -> Result<String, ProviderError> {
        let mut script = self.0.script();
        script.pairing_requests.push(phone_digits.into());
        Ok(script.pairing_code.clone())
    }

    async fn upload(&self, bytes: Vec<u8>, kind: MediaKind) -> Result<UploadedMedia, ProviderError> {
        self.0.script().uploads.push((bytes.len(), kind));
        Ok(UploadedMedia {
            url: "https://mmg.whatsapp.net/v/t62/upload".into(),
            direct_path: "/v/t62/upload".into(),
            media_key: vec![1; 32],
            file_enc_sha256: vec![2; 32],
            file_sha256: vec![3; 32],
            file_length: bytes.len() as u64,
            media_key_timestamp: 1_761_060_601,
            streaming_sidecar: None,
        })
    }

    async fn send(&self, to: WaJid, message: wa::Message, message_id: &str) -> Result<String, ProviderError> {
        let mut script = self.0.script();
        script.sent.push((to.to_string(), message));
        script.sent_ids.push(message_id.to_owned());
        Ok(message_id.to_owned())
    }

    async fn groups(&self) -> Result<Vec<Group>, ProviderError> {
        Ok(self.0.script().groups.clone())
    }

    async fn on_whatsapp(&self, jids: &[WaJid]) -> Result<Vec<bool>, ProviderError> {
        let mut script = self.0.script();
        script
            .checked
            .push(jids.iter().map(|j| j.user.to_string()).collect());
        Ok(jids
            .iter()
            .map(|j| !script.not_on_whatsapp.iter().any(|n| n == j.user.as_str()))
            .collect())
    }

    async fn mark_read(&self, chat: WaJid, message_ids: &[String]) -> Result<(), ProviderError> {
        let mut script = self.0.script();
        script.read_marks.push((chat.to_string(), message_ids.to_vec()));
        Ok(())
    }

    async fn about_and_picture(&self) -> Result<(Option<String>, Option<String>), ProviderError> {
        let script = self.0.script();
        let picture = script
            .picture
            .as_ref()
            .map(|jpeg| format!("https://pps.whatsapp.net/v/t61/{}.jpg", jpeg.len()));
        Ok((script.about.clone(), picture))
    }

    async fn set_push_name(&self, name: &str) -> Result<(), ProviderError> {
        self.0.script().push_name = Some(name.into());
        Ok(())
    }

    async fn set_about(&self, text: &str) -> Result<(), ProviderError> {
        self.0.script().about = Some(text.into());
        Ok(())
    }

    async fn set_picture(&self, jpeg: Option<Vec<u8>>) -> Result<(), ProviderError> {
        self.0.script().picture = jpeg;
        Ok(())
    }

    async fn logout(&self) -> Result<(), ProviderError> {
        let mut script = self.0.script();
        script.logouts += 1;
        script.logged_in = false;
        script.connected = false;
        Ok(())
    }

    async fn shutdown(&self) {
        let mut script = self.0.script();
        script.shutdowns += 1;
        script.connected = false;
        script.callback = None;
    }
}
