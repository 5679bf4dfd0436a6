//! The embedded listener (local API and webhook receiver) as the shell runs it: bound at start on
//! the configured port, and bound again when a person changes the port or the allowed origins.

use std::net::SocketAddr;
use switchboard_engine::settings::Settings;
use switchboard_engine::Engine;
use switchboard_server::Listener;

pub struct ListenerControl {
    running: tokio::sync::Mutex<Option<(Listener, Settings)>>,
    /// `SWITCHBOARD_LISTEN` fixes the address (tests use port 0), whatever the settings say.
    fixed: Option<SocketAddr>,
}

impl ListenerControl {
    pub fn new() -> Self {
        let fixed = std::env::var("SWITCHBOARD_LISTEN").ok().and_then(|v| match v.parse() {
            Ok(addr) => Some(addr),
            Err(error) => {
                tracing::warn!(%error, value = %v, "SWITCHBOARD_LISTEN is not an address; using the settings");
                None
            }
        });
        Self {
            running: tokio::sync::Mutex::new(None),
            fixed,
        }
    }

    fn address(&self, settings: &Settings, previous: Option<SocketAddr>) -> SocketAddr {
        match (self.fixed, previous) {
            // Keep a port 0 listener on the port it got, so webhook URLs stay valid.
            (Some(fixed), Some(previous)) if fixed.port() == 0 => previous,
            (Some(fixed), _) => fixed,
            _ => SocketAddr::from(([127, 0, 0, 1], settings.api_port)),
        }
    }

    /// Where the listener accepts requests now, if it runs.
    pub async fn address_now(&self) -> Option<SocketAddr> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|(listener, _)| listener.addr)
    }

    /// Starts the listener, or restarts it when its address or allowed origins changed.
    pub async fn restart(&self, engine: Engine) {
        let settings = match engine.settings().await {
            Ok(settings) => settings,
            Err(error) => {
                tracing::error!(%error, "settings unreadable; listener unchanged");
                return;
            }
        };
        let mut running = self.running.lock().await;
        let previous = running.as_ref().map(|(listener, _)| listener.addr);
        let address = self.address(&settings, previous);
        if let Some((listener, applied)) = running.as_ref() {
            if listener.addr == address && applied.allowed_origins == settings.allowed_origins {
                return;
            }
        }
        if let Some((listener, _)) = running.take() {
            listener.task.abort();
            // Let the old socket close before binding the same port again.
            let _ = listener.task.await;
        }
        match switchboard_server::start_listener(engine.clone(), address).await {
            Ok(listener) => {
                // Also at start: the port may differ from the one the servers were given last time.
                let moved = previous != Some(listener.addr);
                *running = Some((listener, settings));
                if moved {
                    if let Err(error) = engine.reconfigure_webhooks().await {
                        tracing::warn!(%error, "webhook addresses not updated on the servers");
                    }
                }
            }
            Err(error) => {
                engine.set_listener(None);
                // Without the listener, instances fall back to polling.
                tracing::warn!(%error, %address, "listener not started; status will be polled");
            }
        }
    }
}
