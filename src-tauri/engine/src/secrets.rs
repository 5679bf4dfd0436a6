//! Provider secrets (API keys, instance tokens, webhook signing secrets) live in the OS keyring,
//! never in SQLite, logs or errors. `SecretStore` is the seam: the keyring in the product, memory in
//! tests. `Secrets` adds an in-process cache (webhook checks must not ask D-Bus on every request)
//! and runs the blocking keyring calls off the async threads.

use crate::domain::InstanceId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("keyring error: {0}")]
    Keyring(String),
}

/// Which secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// A server's key for every account on it (Evolution's global `AUTHENTICATION_API_KEY`).
    ApiKey,
    /// The account's own key at its provider (the token Evolution returned on create).
    InstanceToken,
    /// What the provider's webhooks are verified with (Evolution's HS256 `jwt_key`, the Meta
    /// app secret of a Cloud API number).
    WebhookSecret,
    /// A bearer token that acts for the account (a Cloud API system-user token).
    AccessToken,
    /// What the provider echoes when it checks the callback address is ours (Meta's verify token).
    VerifyToken,
    /// The HMAC secret Switchboard signs its outgoing webhooks with (one per subscription).
    SigningSecret,
}

impl SecretKind {
    /// The secrets an instance has.
    const INSTANCE: [SecretKind; 5] = [
        SecretKind::ApiKey,
        SecretKind::InstanceToken,
        SecretKind::WebhookSecret,
        SecretKind::AccessToken,
        SecretKind::VerifyToken,
    ];

    fn as_str(self) -> &'static str {
        match self {
            // Named when Evolution was the only server kind; kept so stored keys are found.
            SecretKind::ApiKey => "evolution-api-key",
            SecretKind::InstanceToken => "instance-token",
            SecretKind::WebhookSecret => "webhook-secret",
            SecretKind::AccessToken => "access-token",
            SecretKind::VerifyToken => "verify-token",
            SecretKind::SigningSecret => "signing-secret",
        }
    }
}

/// A secret's name in the keyring: whose it is (`instance/<id>`, `subscription/<id>`) and which.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    pub owner: String,
    pub kind: SecretKind,
}

impl SecretKey {
    pub fn instance(instance: &InstanceId, kind: SecretKind) -> Self {
        Self {
            owner: format!("instance/{instance}"),
            kind,
        }
    }

    pub fn subscription(id: &str) -> Self {
        Self {
            owner: format!("subscription/{id}"),
            kind: SecretKind::SigningSecret,
        }
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.kind.as_str())
    }
}

/// A place to keep secrets. Calls may block (D-Bus).
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, key: &SecretKey) -> Result<Option<String>, SecretError>;
    fn set(&self, key: &SecretKey, value: &str) -> Result<(), SecretError>;
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
}

/// The OS keyring (Secret Service with the kernel keyring in front on Linux, Keychain on macOS,
/// Credential Manager on Windows).
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &key.to_string()).map_err(|e| SecretError::Keyring(e.to_string()))
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<String>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::Keyring(e.to_string())),
        }
    }

    fn set(&self, key: &SecretKey, value: &str) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(value)
            .map_err(|e| SecretError::Keyring(e.to_string()))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::Keyring(e.to_string())),
        }
    }
}

/// Secrets in memory only, for tests.
#[derive(Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<SecretKey, String>>,
}

impl MemoryStore {
    fn values(&self) -> std::sync::MutexGuard<'_, HashMap<SecretKey, String>> {
        self.values
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<String>, SecretError> {
        Ok(self.values().get(key).cloned())
    }

    fn set(&self, key: &SecretKey, value: &str) -> Result<(), SecretError> {
        self.values().insert(key.clone(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.values().remove(key);
        Ok(())
    }
}

/// The engine's handle on secrets: cached, and async.
#[derive(Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    cache: Arc<Mutex<HashMap<SecretKey, String>>>,
}

impl Secrets {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            cache: Arc::default(),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<SecretKey, String>> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub async fn get(&self, instance: &InstanceId, kind: SecretKind) -> Result<Option<String>, SecretError> {
        self.get_key(SecretKey::instance(instance, kind)).await
    }

    pub async fn set(&self, instance: &InstanceId, kind: SecretKind, value: &str) -> Result<(), SecretError> {
        self.set_key(SecretKey::instance(instance, kind), value).await
    }

    /// Forgets every secret of an instance.
    pub async fn delete_all(&self, instance: &InstanceId) -> Result<(), SecretError> {
        let keys = SecretKind::INSTANCE
            .iter()
            .map(|&kind| SecretKey::instance(instance, kind))
            .collect();
        self.delete_keys(keys).await
    }

    pub async fn get_key(&self, key: SecretKey) -> Result<Option<String>, SecretError> {
        if let Some(value) = self.cache().get(&key) {
            return Ok(Some(value.clone()));
        }
        let store = self.store.clone();
        let lookup = key.clone();
        let value = tokio::task::spawn_blocking(move || store.get(&lookup))
            .await
            .map_err(|e| SecretError::Keyring(e.to_string()))??;
        if let Some(value) = &value {
            self.cache().insert(key, value.clone());
        }
        Ok(value)
    }

    pub async fn set_key(&self, key: SecretKey, value: &str) -> Result<(), SecretError> {
        let store = self.store.clone();
        let (stored_key, stored_value) = (key.clone(), value.to_owned());
        tokio::task::spawn_blocking(move || store.set(&stored_key, &stored_value))
            .await
            .map_err(|e| SecretError::Keyring(e.to_string()))??;
        self.cache().insert(key, value.to_owned());
        Ok(())
    }

    pub async fn delete_keys(&self, keys: Vec<SecretKey>) -> Result<(), SecretError> {
        {
            let mut cache = self.cache();
            for key in &keys {
                cache.remove(key);
            }
        }
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || keys.iter().try_for_each(|key| store.delete(key)))
            .await
            .map_err(|e| SecretError::Keyring(e.to_string()))?
    }
}

/// A new random secret (256 bits, hex), for webhook signing.
pub fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn secrets_round_trip_and_delete_per_instance() {
        let secrets = Secrets::new(Arc::new(MemoryStore::default()));
        let (a, b) = (InstanceId::new_random(), InstanceId::new_random());
        secrets
            .set(&a, SecretKind::WebhookSecret, "s1")
            .await
            .expect("set");
        secrets
            .set(&b, SecretKind::WebhookSecret, "s2")
            .await
            .expect("set");
        assert_eq!(
            secrets
                .get(&a, SecretKind::WebhookSecret)
                .await
                .expect("get")
                .as_deref(),
            Some("s1")
        );
        secrets.delete_all(&a).await.expect("delete");
        assert_eq!(
            secrets.get(&a, SecretKind::WebhookSecret).await.expect("get"),
            None
        );
        assert_eq!(
            secrets
                .get(&b, SecretKind::WebhookSecret)
                .await
                .expect("get")
                .as_deref(),
            Some("s2")
        );
        assert_ne!(generate_secret(), generate_secret());
        assert_eq!(generate_secret().len(), 64);
    }

    /// The real keyring, when the machine has one (CI runs this under a D-Bus session with
    /// gnome-keyring; set SWITCHBOARD_TEST_KEYRING=1 to require it).
    #[test]
    fn os_keyring_round_trip() {
        if std::env::var_os("SWITCHBOARD_TEST_KEYRING").is_none() {
            eprintln!("skipped: SWITCHBOARD_TEST_KEYRING is not set");
            return;
        }
        let store = KeyringStore::new("switchboard-test");
        let key = SecretKey::instance(&InstanceId::new_random(), SecretKind::InstanceToken);
        store.set(&key, "token-value").expect("keyring set");
        assert_eq!(
            store.get(&key).expect("keyring get").as_deref(),
            Some("token-value")
        );
        store.delete(&key).expect("keyring delete");
        assert_eq!(store.get(&key).expect("keyring get"), None);
    }
}
