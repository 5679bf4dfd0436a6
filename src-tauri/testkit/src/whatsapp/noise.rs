//! The server half of WhatsApp's Noise handshake (XX for first contact and pairing, IK for a client
//! that cached our static key on an earlier connection) and of the encrypted, length-prefixed
//! frames that carry binary nodes afterwards.

use anyhow::{anyhow, bail, Context, Result};
use wacore::libsignal::protocol::KeyPair;
use wacore_binary::consts::{NOISE_PATTERN_IK, NOISE_PATTERN_XX, WA_CONN_HEADER};
use wacore_binary::Node;
use wacore_noise::{NoiseCipher, NoiseHandshake};
use waproto::buffa::{Message as _, MessageField};
use waproto::whatsapp::{handshake_message, ClientPayload, HandshakeMessage};

/// The fake's long-lived Noise identity and the certificate chain that vouches for it.
pub(super) struct ServerIdentity {
    static_key: KeyPair,
    /// A chain whose leaf key is `static_key`, signed with zeros: only a client built with
    /// `danger-skip-cert-chain-verify` accepts it.
    cert_chain: Vec<u8>,
}

impl ServerIdentity {
    pub(super) fn generate() -> Self {
        let static_key = KeyPair::generate(&mut rand::rng());
        let cert_chain = wacore_noise::test_util::build_cert_chain_bytes(&public_bytes(&static_key));
        Self {
            static_key,
            cert_chain,
        }
    }
}

/// A handshake the server has answered and that waits for the client's last message.
pub(super) enum Handshake {
    /// XX: the client still has to send its (encrypted) static key and login payload.
    AwaitingClientFinish {
        noise: NoiseHandshake,
        ephemeral: KeyPair,
    },
    /// IK: the client sent everything in its hello; the transport is ready.
    Complete {
        transport: NoiseTransport,
        payload: ClientPayload,
    },
}

/// Answers a client hello. Returns the server hello to send and the state of the handshake.
pub(super) fn respond_to_client_hello(
    identity: &ServerIdentity,
    client_hello_bytes: &[u8],
) -> Result<(Vec<u8>, Handshake)> {
    let hello = HandshakeMessage::decode_from_slice(client_hello_bytes)
        .context("client hello is not a HandshakeMessage")?
        .client_hello
        .into_option()
        .ok_or_else(|| anyhow!("handshake message has no client hello"))?;
    let client_ephemeral: [u8; 32] = hello
        .ephemeral
        .ok_or_else(|| anyhow!("client hello has no ephemeral key"))?
        .try_into()
        .map_err(|_| anyhow!("client ephemeral key is not 32 bytes"))?;

    // A client that kept our static key from an earlier connection sends it (encrypted) right away.
    match (hello.r#static, hello.payload) {
        (Some(encrypted_static), Some(encrypted_payload)) => {
            respond_ik(identity, client_ephemeral, &encrypted_static, &encrypted_payload)
        }
        _ => respond_xx(identity, client_ephemeral),
    }
}

fn respond_xx(identity: &ServerIdentity, client_ephemeral: [u8; 32]) -> Result<(Vec<u8>, Handshake)> {
    let ephemeral = KeyPair::generate(&mut rand::rng());
    let mut noise = NoiseHandshake::new(NOISE_PATTERN_XX, &WA_CONN_HEADER)?;
    noise.authenticate(&client_ephemeral);
    noise.authenticate(&public_bytes(&ephemeral));
    noise.mix_shared_secret(ephemeral.private_key.serialize(), &client_ephemeral)?;
    let encrypted_static = noise.encrypt(&public_bytes(&identity.static_key))?;
    noise.mix_shared_secret(identity.static_key.private_key.serialize(), &client_ephemeral)?;
    let encrypted_cert_chain = noise.encrypt(&identity.cert_chain)?;

    let server_hello = server_hello(&ephemeral, Some(encrypted_static), encrypted_cert_chain);
    Ok((server_hello, Handshake::AwaitingClientFinish { noise, ephemeral }))
}

fn respond_ik(
    identity: &ServerIdentity,
    client_ephemeral: [u8; 32],
    encrypted_static: &[u8],
    encrypted_payload: &[u8],
) -> Result<(Vec<u8>, Handshake)> {
    let mut noise = NoiseHandshake::new(NOISE_PATTERN_IK, &WA_CONN_HEADER)?;
    noise.authenticate(&public_bytes(&identity.static_key));
    noise.authenticate(&client_ephemeral);
    noise.mix_shared_secret(identity.static_key.private_key.serialize(), &client_ephemeral)?;
    let client_static = noise.decrypt(encrypted_static).context("IK: client static key")?;
    noise.mix_shared_secret(identity.static_key.private_key.serialize(), &client_static)?;
    let payload = noise.decrypt(encrypted_payload).context("IK: client payload")?;

    let ephemeral = KeyPair::generate(&mut rand::rng());
    noise.authenticate(&public_bytes(&ephemeral));
    noise.mix_shared_secret(ephemeral.private_key.serialize(), &client_ephemeral)?;
    noise.mix_shared_secret(ephemeral.private_key.serialize(), &client_static)?;
    let encrypted_cert_chain = noise.encrypt(&identity.cert_chain)?;

    // No static key in the answer: that is what tells the client its cached key is still good.
    let server_hello = server_hello(&ephemeral, None, encrypted_cert_chain);
    let transport = NoiseTransport::from_finished(noise)?;
    let payload = ClientPayload::decode_from_slice(&payload).context("IK: client payload")?;
    Ok((server_hello, Handshake::Complete { transport, payload }))
}

/// Completes an XX handshake with the client's finish message.
pub(super) fn finish_xx(
    mut noise: NoiseHandshake,
    ephemeral: &KeyPair,
    client_finish_bytes: &[u8],
) -> Result<(NoiseTransport, ClientPayload)> {
    let finish = HandshakeMessage::decode_from_slice(client_finish_bytes)
        .context("client finish is not a HandshakeMessage")?
        .client_finish
        .into_option()
        .ok_or_else(|| anyhow!("handshake message has no client finish"))?;
    let encrypted_static = finish
        .r#static
        .ok_or_else(|| anyhow!("client finish has no static key"))?;
    let encrypted_payload = finish
        .payload
        .ok_or_else(|| anyhow!("client finish has no payload"))?;

    let client_static = noise
        .decrypt(&encrypted_static)
        .context("XX: client static key")?;
    noise.mix_shared_secret(ephemeral.private_key.serialize(), &client_static)?;
    let payload = noise.decrypt(&encrypted_payload).context("XX: client payload")?;
    let payload = ClientPayload::decode_from_slice(&payload).context("XX: client payload")?;
    Ok((NoiseTransport::from_finished(noise)?, payload))
}

fn server_hello(
    ephemeral: &KeyPair,
    encrypted_static: Option<Vec<u8>>,
    encrypted_cert_chain: Vec<u8>,
) -> Vec<u8> {
    let message = HandshakeMessage {
        server_hello: MessageField::some(handshake_message::ServerHello {
            ephemeral: Some(public_bytes(ephemeral).to_vec()),
            r#static: encrypted_static,
            payload: Some(encrypted_cert_chain),
            ..Default::default()
        }),
        ..Default::default()
    };
    waproto::codec::handshake_message_to_vec(&message)
}

fn public_bytes(key: &KeyPair) -> [u8; 32] {
    let mut bytes = [0; 32];
    bytes.copy_from_slice(key.public_key.public_key_bytes());
    bytes
}

/// Encrypts and decrypts the frames of an established connection. Each direction has its own key
/// and a counter that is the AES-GCM nonce, so frames must be handled strictly in order.
pub(super) struct NoiseTransport {
    from_client: NoiseCipher,
    from_client_counter: u32,
    to_client: NoiseCipher,
    to_client_counter: u32,
}

impl NoiseTransport {
    fn from_finished(noise: NoiseHandshake) -> Result<Self> {
        // `finish` names the keys from the initiator's side: its write key is our read key.
        let (client_write, client_read) = noise.finish()?;
        Ok(Self {
            from_client: client_write,
            from_client_counter: 0,
            to_client: client_read,
            to_client_counter: 0,
        })
    }

    /// Decrypts one frame (without its length prefix) into a node.
    pub(super) fn decrypt_node(&mut self, frame: &[u8]) -> Result<Node> {
        let mut plaintext = frame.to_vec();
        self.from_client
            .decrypt_in_place_with_counter(self.from_client_counter, &mut plaintext)?;
        self.from_client_counter += 1;
        let unpacked = wacore_binary::util::unpack(&plaintext)?;
        Ok(wacore_binary::marshal::unmarshal_ref(&unpacked)?.to_owned())
    }

    /// Encrypts a node into a complete frame, length prefix included.
    pub(super) fn encrypt_node(&mut self, node: &Node) -> Result<Vec<u8>> {
        let plaintext = wacore_binary::marshal::marshal(node)?;
        let ciphertext = self
            .to_client
            .encrypt_with_counter(self.to_client_counter, &plaintext)?;
        self.to_client_counter += 1;
        wacore_noise::framing::encode_frame(&ciphertext, None)
    }
}

/// Strips the connection header that precedes the client's first frame.
pub(super) fn strip_connection_header(first_bytes: &[u8]) -> Result<&[u8]> {
    match first_bytes.strip_prefix(&WA_CONN_HEADER[..]) {
        Some(rest) => Ok(rest),
        None if first_bytes.starts_with(b"ED") => bail!("edge-routing pre-intro is not supported"),
        None => bail!("connection does not start with the WhatsApp header"),
    }
}
