//! The parties the fake plays besides the server: the primary phone that scans the QR code and
//! vouches for the new companion, and the Signal devices whose prekey bundles the server hands out.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use anyhow::{anyhow, bail, Context, Result};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wacore::iq::prekeys::{OneTimePreKeyNode, PreKeyBundleUserNode, SignedPreKeyNode};
use wacore::libsignal::protocol::KeyPair;
use wacore::protocol::ProtocolNode as _;
use wacore_binary::{Jid, Node};
use waproto::buffa::Message as _;
use waproto::whatsapp::{
    ADVDeviceIdentity, ADVEncryptionType, ADVSignedDeviceIdentity, ADVSignedDeviceIdentityHMAC,
};

/// What the primary phone signs, prefixed to the device details (WhatsApp's "ADV" scheme).
const ACCOUNT_SIGNATURE_PREFIX: &[u8] = &[6, 0];

/// One Signal device: its identity and the prekeys a sender needs to open a session with it.
pub(super) struct SimulatedDevice {
    identity: KeyPair,
    registration_id: u32,
    signed_pre_key: KeyPair,
    signed_pre_key_signature: Vec<u8>,
    one_time_pre_key: KeyPair,
}

const SIGNED_PRE_KEY_ID: u32 = 1;
const ONE_TIME_PRE_KEY_ID: u32 = 1;

impl SimulatedDevice {
    pub(super) fn generate() -> Result<Self> {
        let mut rng = rand::rng();
        let identity = KeyPair::generate(&mut rng);
        let signed_pre_key = KeyPair::generate(&mut rng);
        let signed_pre_key_signature = identity
            .private_key
            .calculate_signature(&signed_pre_key.public_key.serialize(), &mut rng)?
            .to_vec();
        Ok(Self {
            identity,
            // Signal registration ids are 14-bit.
            registration_id: rand::random::<u32>() & 0x3fff,
            signed_pre_key,
            signed_pre_key_signature,
            one_time_pre_key: KeyPair::generate(&mut rng),
        })
    }

    /// The `<user>` element of a prekey (`encrypt`) answer for this device.
    pub(super) fn prekey_bundle_node(&self, jid: Jid) -> Node {
        PreKeyBundleUserNode {
            jid,
            registration_id: self.registration_id,
            identity_key: self.identity.public_key.public_key_bytes().to_vec(),
            signed_pre_key: SignedPreKeyNode::new(
                SIGNED_PRE_KEY_ID,
                self.signed_pre_key.public_key.public_key_bytes().to_vec(),
                self.signed_pre_key_signature.clone(),
            ),
            one_time_pre_key: Some(OneTimePreKeyNode::new(
                ONE_TIME_PRE_KEY_ID,
                self.one_time_pre_key.public_key.public_key_bytes().to_vec(),
            )),
            device_identity: None,
        }
        .into_node()
    }
}

/// The Signal devices the fake knows, created on first request so that any recipient "exists".
/// The phone is there from the start: its identity key is the one that signs companions.
pub(super) struct DeviceDirectory {
    devices: HashMap<String, SimulatedDevice>,
    phone_pn: Jid,
    phone_lid: Jid,
}

impl DeviceDirectory {
    pub(super) fn new(phone_pn: Jid, phone_lid: Jid, phone: SimulatedDevice) -> Self {
        let devices = HashMap::from([(phone_pn.to_string(), phone)]);
        Self {
            devices,
            phone_pn,
            phone_lid,
        }
    }

    pub(super) fn phone(&self) -> &SimulatedDevice {
        &self.devices[&self.phone_pn.to_string()]
    }

    pub(super) fn get_or_create(&mut self, jid: &Jid) -> Result<&SimulatedDevice> {
        // The phone's account has two addresses (phone number and LID) but one set of devices.
        let key = if jid.server == self.phone_lid.server && jid.user == self.phone_lid.user {
            self.phone_pn.with_device(jid.device).to_string()
        } else {
            jid.to_string()
        };
        Ok(match self.devices.entry(key) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(unknown) => unknown.insert(SimulatedDevice::generate()?),
        })
    }
}

/// The contents of a companion's QR code that the phone needs: `ref,noise,identity,adv-secret,type`.
pub(super) struct ScannedQr {
    pub(super) pairing_ref: String,
    pub(super) companion_identity: [u8; 32],
    pub(super) adv_secret: [u8; 32],
}

impl ScannedQr {
    pub(super) fn parse(code: &str) -> Result<Self> {
        let fields: Vec<&str> = code.split(',').collect();
        if fields.len() < 4 {
            bail!("QR code has {} fields, expected at least 4", fields.len());
        }
        Ok(Self {
            pairing_ref: fields[0].to_owned(),
            companion_identity: decode_key(fields[2]).context("identity key")?,
            adv_secret: decode_key(fields[3]).context("ADV secret")?,
        })
    }
}

fn decode_key(field: &str) -> Result<[u8; 32]> {
    BASE64_STANDARD
        .decode(field)?
        .try_into()
        .map_err(|bytes: Vec<u8>| anyhow!("{} bytes, expected 32", bytes.len()))
}

/// The `<device-identity>` of a pair-success: the phone's account key signs the companion's
/// identity key, and the HMAC under the QR code's ADV secret proves the phone saw that code.
pub(super) fn signed_device_identity(
    phone: &SimulatedDevice,
    qr: &ScannedQr,
    key_index: u32,
) -> Result<Vec<u8>> {
    let details = ADVDeviceIdentity {
        raw_id: Some(rand::random()),
        timestamp: Some(wacore::time::now_secs().try_into().unwrap_or_default()),
        key_index: Some(key_index),
        account_type: Some(ADVEncryptionType::E2EE),
        device_type: Some(ADVEncryptionType::E2EE),
    }
    .encode_to_vec();

    let mut signed_message = Vec::with_capacity(2 + details.len() + 32);
    signed_message.extend_from_slice(ACCOUNT_SIGNATURE_PREFIX);
    signed_message.extend_from_slice(&details);
    signed_message.extend_from_slice(&qr.companion_identity);
    let account_signature = phone
        .identity
        .private_key
        .calculate_signature(&signed_message, &mut rand::rng())?;

    let signed_identity = ADVSignedDeviceIdentity {
        details: Some(details),
        account_signature_key: Some(phone.identity.public_key.public_key_bytes().to_vec()),
        account_signature: Some(account_signature.to_vec()),
        device_signature: None,
    }
    .encode_to_vec();

    let mut hmac = <Hmac<Sha256> as Mac>::new_from_slice(&qr.adv_secret)?;
    hmac.update(&signed_identity);
    Ok(ADVSignedDeviceIdentityHMAC {
        details: Some(signed_identity),
        hmac: Some(hmac.finalize().into_bytes().to_vec()),
        account_type: Some(ADVEncryptionType::E2EE),
    }
    .encode_to_vec())
}
