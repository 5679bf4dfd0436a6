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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_country_code: None,
            webhook_base_url: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            privacy_mode: false,
        }
    }
}

const DEFAULT_COUNTRY_CODE: &str = "default_country_code";
const WEBHOOK_BASE_URL: &str = "webhook_base_url";
const RETENTION_DAYS: &str = "retention_days";
const PRIVACY_MODE: &str = "privacy_mode";
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

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
        })
    }

    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        store
            .set_setting(
                DEFAULT_COUNTRY_CODE,
                self.default_country_code.as_ref().map(CountryCode::as_str),
            )
            .await?;
        store
            .set_setting(WEBHOOK_BASE_URL, self.webhook_base_url.as_deref())
            .await?;
        store
            .set_setting(RETENTION_DAYS, Some(&self.retention_days.to_string()))
            .await?;
        store
            .set_setting(
                PRIVACY_MODE,
                Some(if self.privacy_mode { "true" } else { "false" }),
            )
            .await
    }
}
