//! The desktop shell: opens the database in the OS app-data folder, builds the engine with a sink
//! that forwards its events to the window (typed tauri-specta events), the tray and desktop
//! notifications, starts the embedded listener, and registers the commands.

mod bridge;
mod commands;
mod listener;
mod tray;

use std::sync::Arc;
use switchboard_engine::secrets::KeyringStore;
use switchboard_engine::store::Store;
use switchboard_engine::{Engine, EngineOptions};
use tauri::Manager;

/// The argument of a launch at login: start in the tray, with the window closed.
const START_HIDDEN: &str = "--hidden";

/// The keyring service under which every secret is kept.
const KEYRING_SERVICE: &str = "switchboard";

/// Commands and events, for the invoke handler and for the TypeScript bindings.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::list_instances,
            commands::add_instance,
            commands::get_link,
            commands::start_linking,
            commands::restart_instance,
            commands::logout_instance,
            commands::delete_instance,
            commands::status_history,
            commands::manual_webhook,
            commands::list_templates,
            commands::sync_templates,
            commands::get_profile,
            commands::update_profile,
            commands::send_message,
            commands::check_recipient,
            commands::phone_regions,
            commands::get_message,
            commands::retry_message,
            commands::cancel_message,
            commands::download_media,
            commands::list_messages,
            commands::list_groups,
            commands::get_pacing,
            commands::set_pacing,
            commands::sending_health,
            commands::set_guard_rules,
            commands::resume_sending,
            commands::check_on_whatsapp,
            commands::list_auto_replies,
            commands::save_auto_reply,
            commands::delete_auto_reply,
            commands::move_auto_reply,
            commands::test_auto_reply,
            commands::set_warm_up,
            commands::statistics,
            commands::preview_campaign,
            commands::create_campaign,
            commands::list_campaigns,
            commands::set_campaign_state,
            commands::get_settings,
            commands::update_settings,
            commands::list_api_keys,
            commands::create_api_key,
            commands::revoke_api_key,
            commands::list_subscriptions,
            commands::create_subscription,
            commands::delete_subscription,
            commands::list_deliveries,
            commands::replay_delivery,
            commands::message_history,
            commands::api_address,
            commands::start_with_computer,
            commands::set_start_with_computer,
            commands::list_conversations,
            commands::get_conversation,
            commands::conversation_messages,
            commands::mark_conversation_read,
            commands::unread_total,
            commands::set_read_receipts,
            commands::list_contacts,
            commands::update_contact,
            commands::list_labels,
            commands::update_label,
            commands::delete_label,
            commands::export_contacts,
            commands::import_contacts,
            commands::media_preview,
            commands::conversation_of_message,
            commands::save_contacts,
            commands::save_log,
        ])
        .events(tauri_specta::collect_events![
            bridge::InstancesChanged,
            bridge::InstanceStatusChanged,
            bridge::QrUpdated,
            bridge::MessageStatusChanged,
            bridge::MessageReceived,
            bridge::CampaignChanged,
            bridge::NumbersChecked,
        ])
        // The window checks input against the engine's own limits, never copies of them.
        .constant("LIMITS", switchboard_engine::limits::LIMITS)
        // Times are milliseconds since 1970: far inside the range a JS number holds exactly.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (these types go one way each, so phases add nothing).
        .disable_serde_phases()
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    specta_builder().export(specta_typescript::Typescript::default(), path)?;
    Ok(())
}

pub fn run() {
    switchboard_server::init_tracing();
    // `SWITCHBOARD_EXPORT_BINDINGS=<path> switchboard` writes the bindings and exits (no window).
    if let Some(path) = std::env::var_os("SWITCHBOARD_EXPORT_BINDINGS") {
        if let Err(error) = export_bindings(std::path::Path::new(&path)) {
            eprintln!("could not export bindings: {error}");
            std::process::exit(1);
        }
        return;
    }
    let builder = specta_builder();
    let invoke_handler = builder.invoke_handler();
    let result = tauri::Builder::default()
        // First of all: a second launch hands over to the running window and exits, so two
        // copies never run two in-process clients for one number.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        // "Start with my computer" (off until a person turns it on in Settings) opens Switchboard
        // in the tray, without its window.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![START_HIDDEN]),
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(invoke_handler)
        .setup(move |app| {
            builder.mount_events(app);
            let engine = tauri::async_runtime::block_on(start_engine(app.handle().clone()))?;
            app.manage(engine);
            tray::create(app.handle())?;
            if std::env::args().any(|arg| arg == START_HIDDEN) {
                if let Some(window) = app.get_webview_window("main") {
                    window.hide()?;
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "Switchboard stopped with an error");
        std::process::exit(1);
    }
}

async fn start_engine(app: tauri::AppHandle) -> Result<Engine, Box<dyn std::error::Error>> {
    let data_dir = app.path().app_data_dir()?;
    std::fs::create_dir_all(&data_dir)?;
    let store = Store::open(&data_dir.join("switchboard.db")).await?;
    tracing::info!(path = %data_dir.display(), "data folder");
    let sink = Arc::new(bridge::TauriSink::new(app.clone()));
    let secrets = Arc::new(KeyringStore::new(KEYRING_SERVICE));
    let engine = Engine::new(EngineOptions::new(store, secrets, sink, data_dir.clone())).await?;
    let listener = listener::ListenerControl::new();
    listener.restart(engine.clone()).await;
    app.manage(listener);
    engine.start();
    Ok(engine)
}
