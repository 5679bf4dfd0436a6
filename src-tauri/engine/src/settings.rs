//! Typed settings a person changes in the app, kept in the settings table.

use crate::domain::CountryCode;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Completes numbers typed in local format (`0812…`).
    pub default_country_code: Option<CountryCode>,
    /// The address an Evolution server should post webhooks to, when it cannot reach this computer
    /// at 127.0.0.1 (e.g. `http://192.168.1.20:47800` or `http://host.docker.internal:47800`).
    pub webhook_base_url: Option<String>,
    /// Log entries older than this many days are deleted (statistics stay).
    pub retention_days: u32,
    /// Keep statistics but no message content: texts are dropped once sent or received.
    pub privacy_mode: bool,
    /// Whether local apps may use the `/v1` API (the webhook receiver runs either way).
    pub api_enabled: bool,
    /// The loopback port of the listener (API and webhooks); a change applies when it restarts.
    pub api_port: u16,
    /// Host names besides loopback the API answers to (anything else is refused: DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub allowed_origins: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_country_code: None,
            webhook_base_url: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            privacy_mode: false,
            api_enabled: true,
            api_port: DEFAULT_API_PORT,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
        }
    }
}

const DEFAULT_COUNTRY_CODE: &str = "default_country_code";
const WEBHOOK_BASE_URL: &str = "webhook_base_url";
const RETENTION_DAYS: &str = "retention_days";
const PRIVACY_MODE: &str = "privacy_mode";
const API_ENABLED: &str = "api_enabled";
const API_PORT: &str = "api_port";
const ALLOWED_HOSTS: &str = "allowed_hosts";
const ALLOWED_ORIGINS: &str = "allowed_origins";
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
pub const DEFAULT_API_PORT: u16 = 47800;

fn list(value: Option<String>) -> Result<Vec<String>, StoreError> {
    value.map_or(Ok(Vec::new()), |v| {
        serde_json::from_str(&v).map_err(|e| StoreError::Corrupt(e.to_string()))
    })
}

impl Settings {
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let default_country_code = store
            .setting(DEFAULT_COUNTRY_CODE)
            .await?
            .map(|code| CountryCode::parse(&code).map_err(|e| StoreError::Corrupt(e.0)))
            .transpose()?;
        let retention_days = match store.setting(RETENTION_DAYS).await? {
            Some(days) => days
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("retention_days {days:?}")))?,
            None => DEFAULT_RETENTION_DAYS,
        };
        Ok(Self {
            default_country_code,
            webhook_base_url: store.setting(WEBHOOK_BASE_URL).await?,
            retention_days,
            privacy_mode: store.setting(PRIVACY_MODE).await?.as_deref() == Some("true"),
            api_enabled: store.setting(API_ENABLED).await?.as_deref() != Some("false"),
            api_port: match store.setting(API_PORT).await? {
                Some(port) => port
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("api_port {port:?}")))?,
                None => DEFAULT_API_PORT,
            },
            allowed_hosts: list(store.setting(ALLOWED_HOSTS).await?)?,
            allowed_origins: list(store.setting(ALLOWED_ORIGINS).await?)?,
        })
    }

    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        let flag = |on: bool| Some(if on { "true" } else { "false" });
        let json =
            |list: &Vec<String>| serde_json::to_string(list).map_err(|e| StoreError::Corrupt(e.to_string()));
        let country = self.default_country_code.as_ref().map(CountryCode::as_str);
        store.set_setting(DEFAULT_COUNTRY_CODE, country).await?;
        store
            .set_setting(WEBHOOK_BASE_URL, self.webhook_base_url.as_deref())
            .await?;
        store
            .set_setting(RETENTION_DAYS, Some(&self.retention_days.to_string()))
            .await?;
        store.set_setting(PRIVACY_MODE, flag(self.privacy_mode)).await?;
        store.set_setting(API_ENABLED, flag(self.api_enabled)).await?;
        store
            .set_setting(API_PORT, Some(&self.api_port.to_string()))
            .await?;
        store
            .set_setting(ALLOWED_HOSTS, Some(&json(&self.allowed_hosts)?))
            .await?;
        store
            .set_setting(ALLOWED_ORIGINS, Some(&json(&self.allowed_origins)?))
            .await
    }
}
