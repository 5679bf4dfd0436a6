//! Configuration of the headless server: a TOML file named by `SWITCHBOARD_CONFIG` (optional),
//! then environment variables, which win.
//!
//! ```toml
//! data_dir = "/var/lib/switchboard"
//! listen = "127.0.0.1:47800"
//! allowed_hosts = ["switchboard.local"]
//! allowed_origins = ["http://localhost:3000"]
//! webhook_base_url = "http://192.168.1.20:47800"
//! ```

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub webhook_base_url: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("."),
            listen: SocketAddr::from(([127, 0, 0, 1], switchboard_engine::settings::DEFAULT_API_PORT)),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            webhook_base_url: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid configuration: {source}")]
    Parse { path: String, source: toml::de::Error },
    #[error("{name} is not valid: {value:?}")]
    Env { name: &'static str, value: String },
}

impl ServerConfig {
    /// Reads the file (if `SWITCHBOARD_CONFIG` names one), then applies `SWITCHBOARD_DATA_DIR`,
    /// `SWITCHBOARD_LISTEN`, `SWITCHBOARD_ALLOWED_HOSTS` and `SWITCHBOARD_ALLOWED_ORIGINS` (comma-separated).
    pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = match env("SWITCHBOARD_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source })?
            }
            None => ServerConfig::default(),
        };
        if let Some(dir) = env("SWITCHBOARD_DATA_DIR") {
            config.data_dir = PathBuf::from(dir);
        }
        if let Some(listen) = env("SWITCHBOARD_LISTEN") {
            config.listen = listen.parse().map_err(|_| ConfigError::Env {
                name: "SWITCHBOARD_LISTEN",
                value: listen,
            })?;
        }
        let list = |v: String| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        if let Some(hosts) = env("SWITCHBOARD_ALLOWED_HOSTS") {
            config.allowed_hosts = list(hosts);
        }
        if let Some(origins) = env("SWITCHBOARD_ALLOWED_ORIGINS") {
            config.allowed_origins = list(origins);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("switchboard.toml");
        std::fs::write(
            &file,
            "data_dir = \"/srv/sb\"\nlisten = \"127.0.0.1:5000\"\nallowed_hosts = [\"a.local\"]\n",
        )
        .expect("write");
        let path = file.to_string_lossy().into_owned();
        let env = |name: &str| match name {
            "SWITCHBOARD_CONFIG" => Some(path.clone()),
            "SWITCHBOARD_LISTEN" => Some("127.0.0.1:6000".to_owned()),
            _ => None,
        };
        let config = ServerConfig::load(env).expect("config");
        assert_eq!(config.data_dir, PathBuf::from("/srv/sb"));
        assert_eq!(config.listen.port(), 6000, "the environment wins");
        assert_eq!(config.allowed_hosts, vec!["a.local"]);

        std::fs::write(&file, "listen = 5\n").expect("write");
        assert!(ServerConfig::load(|n: &str| (n == "SWITCHBOARD_CONFIG").then(|| path.clone())).is_err());
        assert!(
            ServerConfig::load(|n: &str| (n == "SWITCHBOARD_LISTEN").then(|| "nope".to_owned())).is_err()
        );
    }
}
