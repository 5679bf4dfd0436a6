//! One client connection: the WebSocket upgrade, the Noise handshake, then either the pairing
//! ceremony (an unregistered client) or a login (a paired one), and the stanza loop that answers
//! the client until it disconnects.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use bytes::BytesMut;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_websockets::{Message, ServerBuilder, WebSocketStream};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node, SERVER_JID};
use wacore_noise::framing::FrameDecoder;
use waproto::whatsapp::ClientPayload;

use super::noise::{self, Handshake, NoiseTransport};
use super::replies::{self, attr};
use super::{HandshakePattern, SentMessage, Shared, COMPANION_DEVICE, PHONE_LID, PHONE_NUMBER};

pub(super) async fn serve(shared: Arc<Shared>, stream: TcpStream) {
    if let Err(error) = run(shared, stream).await {
        tracing::warn!("fake WhatsApp connection failed: {error:#}");
    }
}

async fn run(shared: Arc<Shared>, stream: TcpStream) -> Result<()> {
    let (_request, socket) = ServerBuilder::new()
        .accept(stream)
        .await
        .context("WebSocket upgrade")?;
    let mut frames = Frames {
        socket,
        decoder: FrameDecoder::new(),
        header_seen: false,
    };

    let client_hello = frames.next().await?.context("closed before the client hello")?;
    let (server_hello, handshake) = noise::respond_to_client_hello(&shared.identity, &client_hello)?;
    frames
        .send(wacore_noise::framing::encode_frame(&server_hello, None)?)
        .await?;
    let (transport, payload, pattern) = match handshake {
        Handshake::Complete { transport, payload } => (transport, payload, HandshakePattern::Ik),
        Handshake::AwaitingClientFinish { noise, ephemeral } => {
            let client_finish = frames.next().await?.context("closed before the client finish")?;
            let (transport, payload) = noise::finish_xx(noise, &ephemeral, &client_finish)?;
            (transport, payload, HandshakePattern::Xx)
        }
    };
    shared.update(|state| state.handshakes.push(pattern));

    let (outbound, inbox) = mpsc::unbounded_channel();
    let mut connection = Connection {
        shared,
        frames,
        transport,
        inbox,
    };
    if payload.device_pairing_data.is_set() {
        connection.offer_pairing(outbound).await?;
    } else if !connection.log_in(&payload).await? {
        return Ok(());
    }
    connection.answer_until_closed().await?;
    // Best effort: the client may already be gone.
    let _ = connection.frames.socket.close().await;
    Ok(())
}

/// Frames in and out of the WebSocket, before encryption.
struct Frames {
    socket: WebSocketStream<TcpStream>,
    decoder: FrameDecoder,
    /// The client's first bytes carry a connection header before the first frame.
    header_seen: bool,
}

impl Frames {
    /// The next complete frame, or `None` once the client closed the connection. Cancel-safe: bytes
    /// that arrived are kept in the decoder.
    async fn next(&mut self) -> Result<Option<BytesMut>> {
        loop {
            if let Some(frame) = self.decoder.decode_frame() {
                return Ok(Some(frame));
            }
            let Some(message) = self.socket.next().await else {
                return Ok(None);
            };
            let message = message?;
            if message.is_close() {
                return Ok(None);
            }
            if !message.is_binary() {
                continue;
            }
            let bytes: &[u8] = message.as_payload();
            if self.header_seen {
                self.decoder.feed(bytes);
            } else {
                self.decoder.feed(noise::strip_connection_header(bytes)?);
                self.header_seen = true;
            }
        }
    }

    async fn send(&mut self, framed: Vec<u8>) -> Result<()> {
        Ok(self.socket.send(Message::binary(framed)).await?)
    }
}

struct Connection {
    shared: Arc<Shared>,
    frames: Frames,
    transport: NoiseTransport,
    /// Stanzas handed to this connection from outside (the phone's pair-success).
    inbox: mpsc::UnboundedReceiver<Node>,
}

enum Next {
    Continue,
    Close,
}

impl Connection {
    async fn send_node(&mut self, node: &Node) -> Result<()> {
        let framed = self.transport.encrypt_node(node)?;
        self.frames.send(framed).await
    }

    /// An unregistered client asked to be paired: show it the QR refs and let the phone reach it.
    async fn offer_pairing(&mut self, outbound: mpsc::UnboundedSender<Node>) -> Result<()> {
        let refs = self.shared.pairing_refs.iter().map(|pairing_ref| {
            // The client reads each ref as bytes, not as a string.
            NodeBuilder::new("ref")
                .bytes(pairing_ref.as_bytes().to_vec())
                .build()
        });
        let pair_device = NodeBuilder::new("iq")
            .attr("from", SERVER_JID)
            .attr("id", "pair-device")
            .attr("type", "set")
            .attr("xmlns", "md")
            .children([NodeBuilder::new("pair-device")
                .children(refs.collect::<Vec<_>>())
                .build()])
            .build();
        self.shared
            .update(|state| state.awaiting_pairing = Some(outbound));
        self.send_node(&pair_device).await
    }

    /// A registered client logs in. Only the companion this fake paired is let in.
    async fn log_in(&mut self, payload: &ClientPayload) -> Result<bool> {
        let is_our_companion = payload.username.map(|user| user.to_string()).as_deref() == Some(PHONE_NUMBER)
            && payload.device == Some(COMPANION_DEVICE.into())
            && self.shared.state().paired;
        if !is_our_companion {
            // 401: the client treats the session as logged out and stops reconnecting.
            let failure = NodeBuilder::new("failure").attr("reason", "401").build();
            self.send_node(&failure).await?;
            return Ok(false);
        }
        let success = NodeBuilder::new("success")
            .attr("t", wacore::time::now_secs().to_string())
            .attr("lid", Jid::lid(PHONE_LID))
            .build();
        self.send_node(&success).await?;
        self.shared.update(|state| state.logins += 1);
        Ok(true)
    }

    async fn answer_until_closed(&mut self) -> Result<()> {
        loop {
            let next = tokio::select! {
                frame = self.frames.next() => match frame? {
                    Some(frame) => {
                        let stanza = self.transport.decrypt_node(&frame)?;
                        self.answer(stanza).await?
                    }
                    None => Next::Close,
                },
                Some(node) = self.inbox.recv() => {
                    self.send_node(&node).await?;
                    Next::Continue
                }
            };
            if let Next::Close = next {
                return Ok(());
            }
        }
    }

    async fn answer(&mut self, stanza: Node) -> Result<Next> {
        match stanza.tag.as_ref() {
            "iq" => self.answer_iq(stanza).await,
            "message" => {
                self.acknowledge_message(stanza).await?;
                Ok(Next::Continue)
            }
            // Receipts, presence, acks of our stanzas, `<ib>` notices: nothing to answer.
            _ => Ok(Next::Continue),
        }
    }

    async fn answer_iq(&mut self, iq: Node) -> Result<Next> {
        match attr(&iq, "type").as_deref() {
            Some("get" | "set") => {
                let answer = {
                    let mut guard = self.shared.state();
                    let state = &mut *guard;
                    replies::answer_iq(&iq, &mut state.devices, &state.not_on_whatsapp)?
                };
                self.send_node(&answer).await?;
                if attr(&iq, "xmlns").as_deref() == Some("passive")
                    && iq.get_optional_child("active").is_some()
                {
                    // The server delivers the offline backlog once a client goes active, and the
                    // client waits for this marker of its end before it reports being connected.
                    let offline = NodeBuilder::new("ib")
                        .attr("from", SERVER_JID)
                        .children([NodeBuilder::new("offline").attr("count", "0").build()])
                        .build();
                    self.send_node(&offline).await?;
                }
                Ok(Next::Continue)
            }
            // The client's answer to the phone's pair-success: it signed the device identity.
            _ if iq.get_optional_child("pair-device-sign").is_some() => {
                self.shared.update(|state| {
                    state.paired = true;
                    state.awaiting_pairing = None;
                });
                // 515: "restart the stream"; the client reconnects and logs in as a paired device.
                let restart = NodeBuilder::new("stream:error").attr("code", "515").build();
                self.send_node(&restart).await?;
                Ok(Next::Close)
            }
            Some("error") => bail!("client answered an IQ with an error: {iq:?}"),
            _ => Ok(Next::Continue),
        }
    }

    async fn acknowledge_message(&mut self, stanza: Node) -> Result<()> {
        let id = attr(&stanza, "id").unwrap_or_default();
        let to = attr(&stanza, "to").unwrap_or_default();
        let ack = NodeBuilder::new("ack")
            .attr("class", "message")
            .attr("id", id.clone())
            .attr("from", to.clone())
            .attr("t", wacore::time::now_secs().to_string())
            .build();
        let kind = attr(&stanza, "type").unwrap_or_default();
        self.shared
            .update(|state| state.sent_messages.push(SentMessage { id, to, kind, stanza }));
        self.send_node(&ack).await
    }
}
