//! Tauri commands: each parses its arguments, calls the engine, and returns its result or the one
//! boundary error. The `/v1` HTTP routes call the same engine methods.

use switchboard_engine::domain::InstanceId;
use switchboard_engine::settings::Settings;
use switchboard_engine::store::{Instance, Message, MessageFilter, StatusChange};
use switchboard_engine::{AddInstanceRequest, ApiError, Engine, LinkView, SendTextRequest};
use tauri::State;

type Reply<T> = Result<T, ApiError>;

#[tauri::command]
#[specta::specta]
pub async fn list_instances(engine: State<'_, Engine>) -> Reply<Vec<Instance>> {
    Ok(engine.list_instances().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_instance(engine: State<'_, Engine>, request: AddInstanceRequest) -> Reply<Instance> {
    Ok(engine.add_instance(request).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_link(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<LinkView> {
    Ok(engine.link_view(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn start_linking(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    pairing_phone: Option<String>,
) -> Reply<LinkView> {
    Ok(engine
        .start_linking(&instance_id, pairing_phone.as_deref())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn restart_instance(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Instance> {
    Ok(engine.restart_instance(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn logout_instance(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Instance> {
    Ok(engine.logout_instance(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_instance(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<()> {
    Ok(engine.delete_instance(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn status_history(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Vec<StatusChange>> {
    Ok(engine.status_history(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn send_text(engine: State<'_, Engine>, request: SendTextRequest) -> Reply<Message> {
    Ok(engine.send_text(request).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_messages(engine: State<'_, Engine>, filter: MessageFilter) -> Reply<Vec<Message>> {
    Ok(engine.list_messages(filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(engine: State<'_, Engine>) -> Reply<Settings> {
    Ok(engine.settings().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_settings(engine: State<'_, Engine>, settings: Settings) -> Reply<Settings> {
    Ok(engine.update_settings(settings).await?)
}
