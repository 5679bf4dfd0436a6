//! Typed settings a person changes in the app, kept in the settings table.

use crate::domain::CountryCode;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Completes numbers typed in local format (`0812…`).
    pub default_country_code: Option<CountryCode>,
    /// The address an Evolution server should post webhooks to, when it cannot reach this computer
    /// at 127.0.0.1 (e.g. `http://192.168.1.20:47800` or `http://host.docker.internal:47800`).
    pub webhook_base_url: Option<String>,
}

const DEFAULT_COUNTRY_CODE: &str = "default_country_code";
const WEBHOOK_BASE_URL: &str = "webhook_base_url";

impl Settings {
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let default_country_code = store
            .setting(DEFAULT_COUNTRY_CODE)
            .await?
            .map(|code| CountryCode::parse(&code).map_err(|e| StoreError::Corrupt(e.0)))
            .transpose()?;
        Ok(Self {
            default_country_code,
            webhook_base_url: store.setting(WEBHOOK_BASE_URL).await?,
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
            .await
    }
}
