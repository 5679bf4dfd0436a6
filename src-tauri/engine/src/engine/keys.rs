//! API keys for local apps: created and revoked by a person, shown once, kept only as a SHA-256
//! hash, checked in constant time, each scoped to chosen instances with an optional daily limit,
//! and allowed to manage its numbers only when made so. What a key may do is decided here, for
//! every transport.

use super::Engine;
use crate::domain::{InputError, InstanceId};
use crate::error::EngineError;
use crate::store::ApiKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewApiKey {
    pub name: String,
    pub instance_ids: Vec<InstanceId>,
    pub daily_limit: Option<u32>,
    /// Also add, link, restart, log out and delete numbers (not only send through them).
    #[serde(default)]
    pub manages_numbers: bool,
}

/// What a request asks a key to be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPermission {
    /// Read a number's state and log, and send through it.
    Use,
    /// Link, restart, log out or delete it.
    Manage,
}

/// A new key and its secret, which is shown this once and never again.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

/// Why a request's key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRejection {
    #[error("no API key")]
    Missing,
    #[error("unknown or malformed API key")]
    Invalid,
    #[error("revoked API key")]
    Revoked,
}

const KEY_PREFIX: &str = "sbk_";
/// How stale "last used" may be.
const LAST_USED_RESOLUTION: crate::store::Millis = 60_000;
/// Characters of the key used to find its row.
const LOOKUP_CHARS: usize = 8;

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Engine {
    pub async fn create_api_key(&self, new: NewApiKey) -> Result<CreatedApiKey, EngineError> {
        let name = new.name.trim();
        let most = crate::limits::LIMITS.max_key_name_chars;
        if name.is_empty() || name.chars().count() > most {
            return Err(InputError::new(format!(
                "Name the key after the app that will use it (up to {most} characters)."
            ))
            .into());
        }
        // A key that manages numbers may start with none: it adds its own.
        if new.instance_ids.is_empty() && !new.manages_numbers {
            return Err(InputError::new("Choose at least one number this key may use.").into());
        }
        for id in &new.instance_ids {
            self.instance(id).await?;
        }
        if new.daily_limit == Some(0) {
            return Err(InputError::new("A daily limit must allow at least one message.").into());
        }
        let random = crate::secrets::generate_secret();
        let secret = format!("{KEY_PREFIX}{}", &random[..48]);
        let mut instance_ids = new.instance_ids.clone();
        instance_ids.sort();
        instance_ids.dedup();
        let key = ApiKey {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            prefix: secret[KEY_PREFIX.len()..KEY_PREFIX.len() + LOOKUP_CHARS].to_owned(),
            instance_ids,
            daily_limit: new.daily_limit,
            manages_numbers: new.manages_numbers,
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        };
        self.inner.store.insert_api_key(&key, &hash(&secret)).await?;
        tracing::info!(key = %key.id, name = %key.name, "API key created");
        Ok(CreatedApiKey { key, secret })
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>, EngineError> {
        Ok(self.inner.store.api_keys().await?)
    }

    pub async fn revoke_api_key(&self, id: &str) -> Result<(), EngineError> {
        if !self.inner.store.revoke_api_key(id, self.now()).await? {
            return Err(InputError::new("That key does not exist or is already revoked.").into());
        }
        tracing::info!(key = %id, "API key revoked");
        Ok(())
    }

    /// The key a request presents, if it is genuine and not revoked.
    pub async fn authenticate(&self, presented: Option<&str>) -> Result<ApiKey, KeyRejection> {
        let presented = presented
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .ok_or(KeyRejection::Missing)?;
        let lookup = presented
            .strip_prefix(KEY_PREFIX)
            .and_then(|rest| rest.get(..LOOKUP_CHARS))
            .ok_or(KeyRejection::Invalid)?;
        let found = self
            .inner
            .store
            .api_key_by_prefix(lookup)
            .await
            .map_err(|error| {
                tracing::error!(%error, "API key lookup failed");
                KeyRejection::Invalid
            })?;
        let presented_hash = hash(presented);
        // Compare against something even when the prefix is unknown, so timing says nothing.
        let (key, stored_hash) = match found {
            Some((key, stored)) => (Some(key), stored),
            None => (None, hash("")),
        };
        let equal: bool = presented_hash.as_bytes().ct_eq(stored_hash.as_bytes()).into();
        let key = key.filter(|_| equal).ok_or(KeyRejection::Invalid)?;
        if key.revoked_at.is_some() {
            return Err(KeyRejection::Revoked);
        }
        // "Last used" is for people reading the key list; a write per request would serialise
        // every API call on SQLite's one writer, so it is refreshed at most once a minute.
        let now = self.now();
        if key.last_used_at.is_none_or(|at| now - at >= LAST_USED_RESOLUTION) {
            let _ = self.inner.store.touch_api_key(&key.id, now).await;
        }
        Ok(key)
    }

    /// The instance `id` names, if `key` may do `permission` with it. An id of another key's
    /// instance is refused as forbidden, an unknown one as not found.
    pub async fn authorize(
        &self,
        key: &ApiKey,
        id: &InstanceId,
        permission: KeyPermission,
    ) -> Result<crate::store::Instance, EngineError> {
        let instance = self.instance(id).await?;
        if !key_allows(key, id) {
            return Err(EngineError::Forbidden(
                "This API key may not use that instance.".into(),
            ));
        }
        if permission == KeyPermission::Manage && !key.manages_numbers {
            return Err(EngineError::Forbidden(
                "This API key may send but not manage numbers: create a key with the \"manage numbers\" permission."
                    .into(),
            ));
        }
        Ok(instance)
    }

    /// Adds an instance for a key that manages numbers; the key may use it from then on.
    pub async fn add_instance_for_key(
        &self,
        request: super::AddInstanceRequest,
        key: &ApiKey,
    ) -> Result<crate::store::Instance, EngineError> {
        if !key.manages_numbers {
            return Err(EngineError::Forbidden(
                "This API key may not add numbers: create a key with the \"manage numbers\" permission."
                    .into(),
            ));
        }
        let instance = self.add_instance(request).await?;
        self.inner.store.add_key_instance(&key.id, &instance.id).await?;
        tracing::info!(key = %key.id, instance = %instance.id, "instance added through the API");
        Ok(instance)
    }

    /// How many messages a key may still send today, if it has a limit.
    pub async fn remaining_today(&self, key: &ApiKey) -> Result<Option<i64>, EngineError> {
        let Some(limit) = key.daily_limit else {
            return Ok(None);
        };
        let since = crate::clock::local_midnight(self.now());
        let used = self.inner.store.accepted_since(&source_for(key), since).await?;
        Ok(Some(i64::from(limit) - used))
    }
}

/// What a key's messages record as their source.
pub fn source_for(key: &ApiKey) -> String {
    format!("api:{}", key.id)
}

/// Whether a key may use an instance.
pub fn key_allows(key: &ApiKey, instance: &InstanceId) -> bool {
    key.instance_ids.contains(instance)
}
