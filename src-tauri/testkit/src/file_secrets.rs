//! A secret store in a JSON file, for test processes that must survive being killed (the OS
//! keyring is what the product uses; this never ships).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use switchboard_engine::secrets::{SecretError, SecretKey, SecretStore};

pub struct FileSecretStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSecretStore {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
        }
    }

    fn read(&self) -> HashMap<String, String> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn write(&self, values: &HashMap<String, String>) -> Result<(), SecretError> {
        let temp = self.path.with_extension("tmp");
        let bytes = serde_json::to_vec(values).map_err(|e| SecretError::Keyring(e.to_string()))?;
        std::fs::write(&temp, bytes).map_err(|e| SecretError::Keyring(e.to_string()))?;
        std::fs::rename(&temp, &self.path).map_err(|e| SecretError::Keyring(e.to_string()))
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &SecretKey) -> Result<Option<String>, SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.read().get(&key.to_string()).cloned())
    }

    fn set(&self, key: &SecretKey, value: &str) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut values = self.read();
        values.insert(key.to_string(), value.to_owned());
        self.write(&values)
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut values = self.read();
        values.remove(&key.to_string());
        self.write(&values)
    }
}
