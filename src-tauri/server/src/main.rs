//! `switchboard-server`: the engine, outbox and local API with no window, for a machine without a
//! desktop. Configuration: see `config.rs` (a TOML file and environment variables).
//!
//! - `switchboard-server` (or `serve`) runs it;
//! - `switchboard-server add-instance --name N --server-url U --api-key K` adds an Evolution instance
//!   and prints its id and first QR text;
//! - `switchboard-server create-key --name N --instance ID…` prints a new API key, once;
//! - `switchboard-server list-instances`;
//! - `switchboard-server status`: each number's state and how its events arrive.
//!
//! Every subcommand reads the same configuration, so an instance added before `serve` first ran
//! gets its webhook to the configured listener address at once.
//!
//! Secrets go to the OS keyring, which on a headless Linux machine needs a Secret Service (for
//! example `gnome-keyring-daemon` inside `dbus-run-session`; see `tests/desktop-session.sh`).

use clap::{Parser, Subcommand};
use std::sync::Arc;
use switchboard_engine::domain::InstanceId;
use switchboard_engine::secrets::KeyringStore;
use switchboard_engine::store::Store;
use switchboard_engine::{AddInstanceRequest, Engine, EngineOptions, NewApiKey, ProviderSetup};
use switchboard_server::config::ServerConfig;

#[derive(Parser)]
#[command(name = "switchboard-server", about = "Switchboard without a window")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine, the outbox and the local API (the default).
    Serve,
    /// Add an instance: on an Evolution API server (with `--server-url` and `--api-key`), or
    /// linked to this machine (without them; its QR code is served by `serve` through the API).
    AddInstance {
        #[arg(long)]
        name: String,
        #[arg(long, requires = "api_key")]
        server_url: Option<String>,
        #[arg(long, requires = "server_url")]
        api_key: Option<String>,
    },
    /// Create an API key for a local app; it is printed once.
    CreateKey {
        #[arg(long)]
        name: String,
        /// A number the key may use (repeat for several; optional with --manage-numbers).
        #[arg(long = "instance", required_unless_present = "manage_numbers")]
        instances: Vec<String>,
        #[arg(long)]
        daily_limit: Option<u32>,
        /// Let the key also add, link, restart, log out and delete numbers over /v1.
        #[arg(long)]
        manage_numbers: bool,
    },
    ListInstances,
    /// Each number's state, and whether its events arrive by webhook or by polling.
    Status,
}

#[tokio::main]
async fn main() {
    switchboard_server::init_tracing();
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("switchboard-server: {error}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = ServerConfig::load(|name| std::env::var(name).ok())?;
    std::fs::create_dir_all(&config.data_dir)?;
    let store = Store::open(&config.data_dir.join("switchboard.db")).await?;
    let options = EngineOptions::new(
        store,
        Arc::new(KeyringStore::new("switchboard")),
        switchboard_engine::events::discard(),
        config.data_dir.clone(),
    );
    let engine = Engine::new(options).await?;
    switchboard_server::configure(&engine, &config)
        .await
        .map_err(switchboard_engine::ApiError::from)?;
    let print =
        |value: serde_json::Value| println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(engine, config).await?,
        Command::AddInstance {
            name,
            server_url,
            api_key,
        } => {
            let provider = match (server_url, api_key) {
                (Some(server_url), Some(api_key)) => ProviderSetup::Evolution { server_url, api_key },
                _ => ProviderSetup::Native,
            };
            let request = AddInstanceRequest {
                display_name: name,
                provider,
            };
            let instance = engine
                .add_instance(request)
                .await
                .map_err(switchboard_engine::ApiError::from)?;
            let link = engine
                .link_view(&instance.id)
                .await
                .map_err(switchboard_engine::ApiError::from)?;
            print(
                serde_json::json!({ "instance": instance, "pairingCode": link.pairing_code, "hasQr": link.qr_svg.is_some() }),
            );
        }
        Command::CreateKey {
            name,
            instances,
            daily_limit,
            manage_numbers,
        } => {
            let instance_ids = instances
                .iter()
                .map(|i| InstanceId::parse(i))
                .collect::<Result<Vec<_>, _>>()?;
            let created = engine
                .create_api_key(NewApiKey {
                    name,
                    instance_ids,
                    daily_limit,
                    manages_numbers: manage_numbers,
                })
                .await
                .map_err(switchboard_engine::ApiError::from)?;
            print(serde_json::to_value(created)?);
        }
        Command::ListInstances => print(serde_json::to_value(
            engine
                .list_instances()
                .await
                .map_err(switchboard_engine::ApiError::from)?,
        )?),
        Command::Status => {
            let instances = engine
                .list_instances()
                .await
                .map_err(switchboard_engine::ApiError::from)?;
            if instances.is_empty() {
                println!("No numbers yet: add one with `switchboard-server add-instance`.");
            }
            for instance in instances {
                println!("{}", switchboard_server::status_line(&instance));
            }
        }
    }
    Ok(())
}

async fn serve(engine: Engine, config: ServerConfig) -> Result<(), Box<dyn std::error::Error>> {
    let listener = switchboard_server::start_listener(engine.clone(), config.listen).await?;
    // Repairs a webhook that is missing (an instance added while no listener was known) or
    // points elsewhere (the listen address changed).
    match engine.reconfigure_webhooks().await {
        Ok(updated) => tracing::info!(updated, "webhooks checked"),
        Err(error) => tracing::warn!(%error, "webhooks not checked; those numbers are polled"),
    }
    engine.start();
    println!("switchboard-server listening on http://{}", listener.addr);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
