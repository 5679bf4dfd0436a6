//! A fake WhatsApp server for tests. The real, unmodified `whatsapp-rust` client connects to it at
//! `ws://127.0.0.1:PORT/ws/chat`, shows the fake's QR refs, pairs with the fake's phone, logs in
//! and sends messages, which the fake records and acknowledges.
//!
//! It owns: the Noise handshake from the server side (with a certificate chain that only a client
//! built with wacore-noise's `danger-skip-cert-chain-verify` feature accepts), the pairing ceremony
//! as both server and primary phone, answers to every IQ the client sends, and the record of the
//! `<message>` stanzas it received. It does not decrypt or deliver messages, send receipts, or
//! serve media, history or app-state content: every account it knows has one device, the phone,
//! and empty app state.

mod connection;
mod noise;
mod phone;
mod replies;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node, SERVER_JID};

use self::noise::ServerIdentity;
use self::phone::{DeviceDirectory, ScannedQr, SimulatedDevice};

/// The account the fake phone belongs to, and the device number it gives its one companion.
const PHONE_NUMBER: &str = "15550001111";
const PHONE_LID: &str = "100000000000001";
const COMPANION_DEVICE: u16 = 1;

/// A `<message>` stanza the client sent, as the server received it (the payload is encrypted).
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub id: String,
    pub to: String,
    /// The `type` attribute: `text`, `media`, …
    pub kind: String,
    pub stanza: Node,
}

impl SentMessage {
    /// The addresses (`user[:device]@server`) the message carries a Signal ciphertext for.
    pub fn encrypted_for(&self) -> Vec<String> {
        let participants = self
            .stanza
            .get_optional_child("participants")
            .map(replies::children)
            .unwrap_or_default();
        participants
            .iter()
            .filter(|to| to.get_optional_child("enc").is_some())
            .filter_map(|to| replies::attr(to, "jid"))
            .collect()
    }
}

/// The Noise pattern a connection's handshake used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakePattern {
    /// Full handshake: first contact, pairing, or a client without our cached static key.
    Xx,
    /// Resumed handshake: the client cached our static key on an earlier paired login.
    Ik,
}

/// Why the fake phone could not scan a QR code.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("not a companion QR code: {0}")]
    Unreadable(String),
    #[error("the QR ref {0:?} was not issued by this server")]
    UnknownRef(String),
    #[error("no client is connected and waiting to be paired")]
    NoClientWaiting,
}

/// A running fake. Dropping it stops the server and every connection.
pub struct FakeWhatsApp {
    shared: Arc<Shared>,
    address: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl Drop for FakeWhatsApp {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl FakeWhatsApp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind fake WhatsApp");
        let address = listener.local_addr().expect("fake WhatsApp address");
        let shared = Arc::new(Shared::new());
        let accept_shared = shared.clone();
        let accept_task = tokio::spawn(async move {
            // Owned by this task, so aborting it drops (and aborts) every connection too.
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                connections.spawn(connection::serve(accept_shared.clone(), stream));
                while connections.try_join_next().is_some() {}
            }
        });
        Self {
            shared,
            address,
            accept_task,
        }
    }

    /// The URL to give `TokioWebSocketTransportFactory::with_url`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws/chat", self.address)
    }

    /// The refs the server hands a client that asks to be paired, in the order it shows them.
    pub fn pairing_refs(&self) -> &[String] {
        &self.shared.pairing_refs
    }

    /// The phone's account, which a client paired with this fake logs in as.
    pub fn phone_jid(&self) -> Jid {
        Jid::pn(PHONE_NUMBER)
    }

    /// The phone scans `code` (a `PairingQrCode` event's code) and links the waiting client: the
    /// server sends it `pair-success`, and after it signs the result, stream error 515, after
    /// which the client reconnects and logs in.
    pub fn scan_qr(&self, code: &str) -> Result<(), ScanError> {
        let qr = ScannedQr::parse(code).map_err(|error| ScanError::Unreadable(format!("{error:#}")))?;
        if !self.shared.pairing_refs.contains(&qr.pairing_ref) {
            return Err(ScanError::UnknownRef(qr.pairing_ref));
        }
        let state = self.shared.state();
        let waiting = state.awaiting_pairing.clone().ok_or(ScanError::NoClientWaiting)?;
        let phone = state.devices.phone();
        let device_identity = phone::signed_device_identity(phone, &qr, COMPANION_DEVICE.into())
            .expect("signing with freshly generated keys");
        let pair_success = NodeBuilder::new("iq")
            .attr("from", SERVER_JID)
            .attr("id", "pair-success")
            .attr("type", "set")
            .attr("xmlns", "md")
            .children([NodeBuilder::new("pair-success")
                .children([
                    NodeBuilder::new("device-identity").bytes(device_identity).build(),
                    NodeBuilder::new("device")
                        .attr("jid", Jid::pn(PHONE_NUMBER).with_device(COMPANION_DEVICE))
                        .attr("lid", Jid::lid(PHONE_LID).with_device(COMPANION_DEVICE))
                        .build(),
                    NodeBuilder::new("platform").attr("name", "android").build(),
                ])
                .build()])
            .build();
        drop(state);
        waiting.send(pair_success).map_err(|_| ScanError::NoClientWaiting)
    }

    /// Whether a client completed pairing (signed the phone's device identity).
    pub fn is_paired(&self) -> bool {
        self.shared.state().paired
    }

    /// How many times a paired client logged in (received `<success>`).
    pub fn logins(&self) -> usize {
        self.shared.state().logins
    }

    /// The pattern of every completed handshake, oldest first.
    pub fn handshakes(&self) -> Vec<HandshakePattern> {
        self.shared.state().handshakes.clone()
    }

    /// Every `<message>` the client sent so far, oldest first.
    /// Makes WhatsApp answer that this number (digits with country code) is not registered.
    pub fn set_not_on_whatsapp(&self, digits: &str) {
        self.shared.update(|state| {
            state.not_on_whatsapp.insert(digits.to_owned());
        });
    }

    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.shared.state().sent_messages.clone()
    }

    /// Waits until the client has sent the message with `id`. Wrap it in a timeout.
    pub async fn wait_for_sent_message(&self, id: &str) -> SentMessage {
        let mut changes = self.shared.changes.subscribe();
        loop {
            if let Some(message) = self.shared.state().sent_messages.iter().find(|m| m.id == id) {
                return message.clone();
            }
            changes
                .changed()
                .await
                .expect("the sender lives as long as the fake");
        }
    }
}

/// State shared by the accept loop, the connections and the test's handle.
struct Shared {
    identity: ServerIdentity,
    pairing_refs: Vec<String>,
    state: Mutex<State>,
    /// Bumped on every change a test may wait for.
    changes: watch::Sender<u64>,
}

struct State {
    /// Where to send stanzas for the unpaired client that was shown the pairing refs.
    awaiting_pairing: Option<mpsc::UnboundedSender<Node>>,
    paired: bool,
    logins: usize,
    handshakes: Vec<HandshakePattern>,
    sent_messages: Vec<SentMessage>,
    devices: DeviceDirectory,
    /// Phone numbers (digits) that usync answers as not registered.
    not_on_whatsapp: std::collections::HashSet<String>,
}

impl Shared {
    fn new() -> Self {
        let phone = SimulatedDevice::generate().expect("phone keys");
        let state = State {
            awaiting_pairing: None,
            paired: false,
            logins: 0,
            handshakes: Vec::new(),
            sent_messages: Vec::new(),
            devices: DeviceDirectory::new(Jid::pn(PHONE_NUMBER), Jid::lid(PHONE_LID), phone),
            not_on_whatsapp: Default::default(),
        };
        let pairing_refs = (1..=6)
            .map(|n| format!("2@fake-ref-{n}-{:08x}", rand::random::<u32>()))
            .collect();
        Self {
            identity: ServerIdentity::generate(),
            pairing_refs,
            state: Mutex::new(state),
            changes: watch::Sender::new(0),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the fake's state from the next assertion.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state());
        self.changes.send_modify(|generation| *generation += 1);
    }
}
