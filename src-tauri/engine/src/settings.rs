//! Typed settings a person changes in the app, kept in the settings table.

use crate::domain::Region;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The country whose numbers may be typed the local way (`(11) 98765-4321`, `0812…`). Chosen
    /// from the system's locale on first start; `None` when the person cleared it.
    pub default_region: Option<Region>,
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
    /// Folders local apps may send files from by path; none by default (they send links). The
    /// window's file picker is not limited by this.
    pub api_file_folders: Vec<String>,
    /// A customer whose whole message is one of these words (any case or accents) is marked
    /// opted out; empty turns this off.
    pub opt_out_words: Vec<String>,
    /// Sent once to a customer who opted out by message; `None` sends nothing.
    pub opt_out_reply: Option<String>,
    /// The same text to the same person within this many hours is held (0: never).
    pub repeat_window_hours: u32,
    /// How long a check of whether a number is on WhatsApp is trusted, in days, before the number
    /// is checked again.
    #[serde(default = "default_number_check_days")]
    pub number_check_days: u32,
}

fn default_number_check_days() -> u32 {
    DEFAULT_NUMBER_CHECK_DAYS
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_region: None,
            webhook_base_url: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            privacy_mode: false,
            api_enabled: true,
            api_port: DEFAULT_API_PORT,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            api_file_folders: Vec::new(),
            opt_out_words: default_opt_out_words(),
            opt_out_reply: None,
            repeat_window_hours: DEFAULT_REPEAT_WINDOW_HOURS,
            number_check_days: DEFAULT_NUMBER_CHECK_DAYS,
        }
    }
}

/// Words that opt a contact out when they are a whole message, in the languages of the people
/// who use Switchboard most: Portuguese, Spanish, English and Indonesian.
pub const DEFAULT_OPT_OUT_WORDS: [&str; 10] = [
    "SAIR",
    "PARAR",
    "PARE",
    "DESCADASTRAR",
    "CANCELAR",
    "BAJA",
    "SALIR",
    "STOP",
    "UNSUBSCRIBE",
    "BERHENTI",
];

fn default_opt_out_words() -> Vec<String> {
    DEFAULT_OPT_OUT_WORDS
        .iter()
        .map(|word| (*word).to_owned())
        .collect()
}

const DEFAULT_REGION: &str = "default_region";
/// Before regions, a calling code (`55`) was kept; it is read once as its main region.
const LEGACY_COUNTRY_CODE: &str = "default_country_code";
const WEBHOOK_BASE_URL: &str = "webhook_base_url";
const RETENTION_DAYS: &str = "retention_days";
const PRIVACY_MODE: &str = "privacy_mode";
const API_ENABLED: &str = "api_enabled";
const API_PORT: &str = "api_port";
const ALLOWED_HOSTS: &str = "allowed_hosts";
const ALLOWED_ORIGINS: &str = "allowed_origins";
const API_FILE_FOLDERS: &str = "api_file_folders";
const OPT_OUT_WORDS: &str = "opt_out_words";
const OPT_OUT_REPLY: &str = "opt_out_reply";
const REPEAT_WINDOW_HOURS: &str = "repeat_window_hours";
const NUMBER_CHECK_DAYS: &str = "number_check_days";
/// Numbers rarely join or leave WhatsApp within a month; a campaign a month later checks again.
pub const DEFAULT_NUMBER_CHECK_DAYS: u32 = 30;
pub const DEFAULT_REPEAT_WINDOW_HOURS: u32 = 24;
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
pub const DEFAULT_API_PORT: u16 = 47800;

fn list(value: Option<String>) -> Result<Vec<String>, StoreError> {
    value.map_or(Ok(Vec::new()), |v| {
        serde_json::from_str(&v).map_err(|e| StoreError::Corrupt(e.to_string()))
    })
}

impl Settings {
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let default_region = match store.setting(DEFAULT_REGION).await? {
            // Empty: the person chose no default country.
            Some(code) if code.is_empty() => None,
            Some(code) => Some(Region::parse(&code).map_err(|e| StoreError::Corrupt(e.0))?),
            None => store
                .setting(LEGACY_COUNTRY_CODE)
                .await?
                .and_then(|code| Region::for_calling_code(&code)),
        };
        let retention_days = match store.setting(RETENTION_DAYS).await? {
            Some(days) => days
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("retention_days {days:?}")))?,
            None => DEFAULT_RETENTION_DAYS,
        };
        Ok(Self {
            default_region,
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
            api_file_folders: list(store.setting(API_FILE_FOLDERS).await?)?,
            opt_out_words: match store.setting(OPT_OUT_WORDS).await? {
                Some(words) => list(Some(words))?,
                None => default_opt_out_words(),
            },
            opt_out_reply: store.setting(OPT_OUT_REPLY).await?,
            repeat_window_hours: match store.setting(REPEAT_WINDOW_HOURS).await? {
                Some(hours) => hours
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("repeat_window_hours {hours:?}")))?,
                None => DEFAULT_REPEAT_WINDOW_HOURS,
            },
            number_check_days: match store.setting(NUMBER_CHECK_DAYS).await? {
                Some(days) => days
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("number_check_days {days:?}")))?,
                None => DEFAULT_NUMBER_CHECK_DAYS,
            },
        })
    }

    /// On first start (no default country chosen or cleared yet), takes the system locale's
    /// country, so numbers typed the local way work at once and Settings shows what is used.
    pub async fn choose_default_region(store: &Store, system_locale: Option<&str>) -> Result<(), StoreError> {
        let chosen = store.setting(DEFAULT_REGION).await?.is_some()
            || store.setting(LEGACY_COUNTRY_CODE).await?.is_some();
        if chosen {
            return Ok(());
        }
        let Some(region) = system_locale.and_then(Region::from_locale) else {
            return Ok(());
        };
        tracing::info!(
            region = region.as_str(),
            "default country chosen from the system locale"
        );
        store.set_setting(DEFAULT_REGION, Some(region.as_str())).await
    }

    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        let flag = |on: bool| Some(if on { "true" } else { "false" });
        let json =
            |list: &Vec<String>| serde_json::to_string(list).map_err(|e| StoreError::Corrupt(e.to_string()));
        let region = self.default_region.as_ref().map_or("", Region::as_str);
        store.set_setting(DEFAULT_REGION, Some(region)).await?;
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
            .await?;
        store
            .set_setting(API_FILE_FOLDERS, Some(&json(&self.api_file_folders)?))
            .await?;
        store
            .set_setting(OPT_OUT_WORDS, Some(&json(&self.opt_out_words)?))
            .await?;
        store
            .set_setting(OPT_OUT_REPLY, self.opt_out_reply.as_deref())
            .await?;
        store
            .set_setting(REPEAT_WINDOW_HOURS, Some(&self.repeat_window_hours.to_string()))
            .await?;
        store
            .set_setting(NUMBER_CHECK_DAYS, Some(&self.number_check_days.to_string()))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn first_start(locale: Option<&str>, stored: &[(&str, &str)]) -> (Store, Settings) {
        let store = Store::in_memory().await.expect("store");
        for (key, value) in stored {
            store.set_setting(key, Some(value)).await.expect("stored");
        }
        Settings::choose_default_region(&store, locale)
            .await
            .expect("chosen");
        let settings = Settings::load(&store).await.expect("loaded");
        (store, settings)
    }

    fn region(settings: &Settings) -> Option<&str> {
        settings.default_region.as_ref().map(Region::as_str)
    }

    #[tokio::test]
    async fn the_first_start_takes_the_country_of_the_system_locale() {
        let (_, settings) = first_start(Some("pt-BR"), &[]).await;
        assert_eq!(region(&settings), Some("BR"));
        let (_, settings) = first_start(Some("C.UTF-8"), &[]).await;
        assert_eq!(region(&settings), None);
    }

    #[tokio::test]
    async fn a_calling_code_saved_by_an_earlier_release_reads_as_its_country() {
        let (store, settings) = first_start(Some("en-US"), &[(LEGACY_COUNTRY_CODE, "55")]).await;
        assert_eq!(
            region(&settings),
            Some("BR"),
            "the saved choice wins over the locale"
        );
        settings.save(&store).await.expect("saved");
        assert_eq!(
            store.setting(DEFAULT_REGION).await.expect("read").as_deref(),
            Some("BR")
        );
    }

    #[tokio::test]
    async fn a_cleared_country_stays_cleared_on_later_starts() {
        let (store, mut settings) = first_start(Some("pt-BR"), &[]).await;
        settings.default_region = None;
        settings.save(&store).await.expect("saved");
        Settings::choose_default_region(&store, Some("pt-BR"))
            .await
            .expect("second start");
        assert_eq!(region(&Settings::load(&store).await.expect("loaded")), None);
    }
}
