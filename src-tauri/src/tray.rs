//! The tray icon: shows whether every number is connected, and opens or quits the app.

use switchboard_engine::store::Instance;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const TRAY_ID: &str = "switchboard";
const ICON_OK: &[u8] = include_bytes!("../../icons/tray-ok.png");
const ICON_ATTENTION: &[u8] = include_bytes!("../../icons/tray-attention.png");

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Switchboard", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(ICON_OK)?)
        .tooltip("Switchboard")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    Ok(())
}

/// Recomputes the tray from the instance list and the unread total (off the caller's thread:
/// event sinks are synchronous).
pub fn refresh(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(engine) = app.try_state::<switchboard_engine::Engine>() else {
            return;
        };
        let unread = engine.unread_total(None).await.unwrap_or(0);
        match engine.list_instances().await {
            Ok(instances) => show_health(&app, &instances, unread),
            Err(error) => tracing::warn!(%error, "tray not updated"),
        }
    });
}

/// "All numbers connected", or how many need a person; and how many messages wait unread.
pub fn show_health(app: &AppHandle, instances: &[Instance], unread: i64) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let attention: Vec<&str> = instances
        .iter()
        // A number whose sending WhatsApp's push-back paused waits for a person too.
        .filter(|i| i.status.needs_attention() || i.sending_pause.is_some())
        .map(|i| i.display_name.as_str())
        .collect();
    let (icon, tooltip) = match attention.len() {
        0 if instances.is_empty() => (ICON_OK, "Switchboard: no numbers yet".to_owned()),
        0 => (ICON_OK, "Switchboard: all numbers connected".to_owned()),
        n => (
            ICON_ATTENTION,
            format!("Switchboard: {n} need attention ({})", attention.join(", ")),
        ),
    };
    let tooltip = match unread {
        0 => tooltip,
        n => format!("{tooltip} · {n} unread"),
    };
    if let Ok(image) = Image::from_bytes(icon) {
        let _ = tray.set_icon(Some(image));
    }
    let _ = tray.set_tooltip(Some(tooltip));
    // Beside the icon where the desktop shows tray labels (most Linux panels, macOS).
    let _ = tray.set_title((unread > 0).then(|| unread.to_string()));
}
