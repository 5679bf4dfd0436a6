//! `switchboard-server`: the engine and its listener with no window, for a machine without a
//! desktop. Configured by environment:
//! - `SWITCHBOARD_DATA_DIR`: where `switchboard.db` lives (default: the current directory);
//! - `SWITCHBOARD_LISTEN`: the listener address (default `127.0.0.1:47800`).
//!
//! Secrets go to the OS keyring, which on a headless Linux machine needs a Secret Service (for
//! example `gnome-keyring-daemon` inside `dbus-run-session`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use switchboard_engine::secrets::KeyringStore;
use switchboard_engine::store::Store;
use switchboard_engine::{Engine, EngineOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    switchboard_server::init_tracing();
    let data_dir = std::env::var_os("SWITCHBOARD_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&data_dir)?;
    let listen: SocketAddr = std::env::var("SWITCHBOARD_LISTEN")
        .unwrap_or_else(|_| switchboard_server::DEFAULT_LISTEN.to_owned())
        .parse()?;
    let store = Store::open(&data_dir.join("switchboard.db")).await?;
    let engine = Engine::new(EngineOptions::new(
        store,
        Arc::new(KeyringStore::new("switchboard")),
        switchboard_engine::events::discard(),
        data_dir.join("media"),
    ))
    .await?;
    let listener = switchboard_server::start_listener(engine.clone(), listen).await?;
    engine.start();
    println!("switchboard-server listening on http://{}", listener.addr);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
