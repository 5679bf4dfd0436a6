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

/// "All numbers connected", or how many need a person.
pub fn show_health(app: &AppHandle, instances: &[Instance]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let attention: Vec<&str> = instances
        .iter()
        .filter(|i| i.status.needs_attention())
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
    if let Ok(image) = Image::from_bytes(icon) {
        let _ = tray.set_icon(Some(image));
    }
    let _ = tray.set_tooltip(Some(tooltip));
}
