//! Tauri commands: each parses its arguments, calls the engine, and returns its result or the one
//! boundary error. The `/v1` HTTP routes call the same engine methods.

use switchboard_engine::domain::InstanceId;
use switchboard_engine::domain::PhoneRegion;
use switchboard_engine::provider::{Group, MessageTemplate, Profile};
use switchboard_engine::settings::Settings;
use switchboard_engine::store::{
    ApiKey, AutoReply, AutoReplyRule, Campaign, CampaignState, Contact, ContactFilter, ContactUpdate,
    Conversation, ConversationFilter, DailyStats, Delivery, GuardRules, Instance, Label, Message,
    MessageEvent, MessageFilter, Pacing, StatusChange, Subscription,
};
use switchboard_engine::{
    AddInstanceRequest, ApiError, AutoReplyTrial, AutoReplyVerdict, CampaignDraft, CampaignPreview,
    ContactImport, CreatedApiKey, CreatedSubscription, Engine, LabelChange, LinkView, ManualWebhook,
    NewApiKey, NewSubscription, NumberPresence, ProfileUpdate, RecipientCheck, Requester, SendRequest,
    SendingHealth, StatsQuery, ThreadPage,
};
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
pub async fn get_profile(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Profile> {
    Ok(engine.profile(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_profile(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    update: ProfileUpdate,
) -> Reply<Profile> {
    Ok(engine
        .update_profile(&instance_id, update, Requester::Window)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn status_history(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Vec<StatusChange>> {
    Ok(engine.status_history(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_templates(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
) -> Reply<Vec<MessageTemplate>> {
    Ok(engine.list_templates(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_templates(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
) -> Reply<Vec<MessageTemplate>> {
    Ok(engine.sync_templates(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn manual_webhook(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
) -> Reply<Option<ManualWebhook>> {
    Ok(engine.manual_webhook(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn send_message(engine: State<'_, Engine>, request: SendRequest) -> Reply<Message> {
    Ok(engine.send_message(request).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn check_recipient(engine: State<'_, Engine>, to: String) -> Reply<RecipientCheck> {
    Ok(engine.check_recipient(&to).await?)
}

#[tauri::command]
#[specta::specta]
pub fn phone_regions(engine: State<'_, Engine>) -> Reply<Vec<PhoneRegion>> {
    Ok(engine.phone_regions())
}

#[tauri::command]
#[specta::specta]
pub async fn get_message(engine: State<'_, Engine>, message_id: String) -> Reply<Message> {
    Ok(engine.get_message(&message_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn retry_message(engine: State<'_, Engine>, message_id: String) -> Reply<Message> {
    Ok(engine.retry_message(&message_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_message(engine: State<'_, Engine>, message_id: String) -> Reply<Message> {
    Ok(engine.cancel_message(&message_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn download_media(engine: State<'_, Engine>, message_id: String) -> Reply<Message> {
    Ok(engine.download_media(&message_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_groups(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Vec<Group>> {
    Ok(engine.list_groups(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_pacing(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Pacing> {
    Ok(engine.pacing(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_pacing(engine: State<'_, Engine>, instance_id: InstanceId, pacing: Pacing) -> Reply<Pacing> {
    Ok(engine.set_pacing(&instance_id, pacing).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn sending_health(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<SendingHealth> {
    Ok(engine.sending_health(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_guard_rules(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    rules: GuardRules,
) -> Reply<GuardRules> {
    Ok(engine.set_guard_rules(&instance_id, rules).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_warm_up(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    daily_limits: Option<Vec<u32>>,
) -> Reply<SendingHealth> {
    Ok(engine.set_warm_up(&instance_id, daily_limits).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_auto_replies(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<Vec<AutoReply>> {
    Ok(engine.list_auto_replies(&instance_id).await?)
}

/// Adds a rule (`id` none) or rewrites one.
#[tauri::command]
#[specta::specta]
pub async fn save_auto_reply(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    id: Option<i64>,
    rule: AutoReplyRule,
) -> Reply<AutoReply> {
    Ok(match id {
        Some(id) => engine.update_auto_reply(&instance_id, id, rule).await?,
        None => engine.create_auto_reply(&instance_id, rule).await?,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn delete_auto_reply(engine: State<'_, Engine>, instance_id: InstanceId, id: i64) -> Reply<()> {
    Ok(engine.delete_auto_reply(&instance_id, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn move_auto_reply(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    id: i64,
    position: u32,
) -> Reply<Vec<AutoReply>> {
    Ok(engine.move_auto_reply(&instance_id, id, position).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn test_auto_reply(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    trial: AutoReplyTrial,
) -> Reply<AutoReplyVerdict> {
    Ok(engine.test_auto_reply(&instance_id, trial).await?)
}

/// Whether a recipient is on WhatsApp, as far as the number's provider can tell.
#[tauri::command]
#[specta::specta]
pub async fn check_on_whatsapp(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    to: String,
) -> Reply<NumberPresence> {
    Ok(engine.check_on_whatsapp(&instance_id, &to).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn resume_sending(engine: State<'_, Engine>, instance_id: InstanceId) -> Reply<SendingHealth> {
    Ok(engine.resume_sending(&instance_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn statistics(engine: State<'_, Engine>, query: StatsQuery) -> Reply<Vec<DailyStats>> {
    Ok(engine.statistics(query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn preview_campaign(engine: State<'_, Engine>, draft: CampaignDraft) -> Reply<CampaignPreview> {
    Ok(engine.preview_campaign(draft).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_campaign(engine: State<'_, Engine>, draft: CampaignDraft) -> Reply<Campaign> {
    Ok(engine.create_campaign(draft).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_campaigns(engine: State<'_, Engine>) -> Reply<Vec<Campaign>> {
    Ok(engine.list_campaigns().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_campaign_state(
    engine: State<'_, Engine>,
    campaign_id: String,
    state: CampaignState,
) -> Reply<Campaign> {
    Ok(engine.set_campaign_state(&campaign_id, state).await?)
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
pub async fn update_settings(
    engine: State<'_, Engine>,
    listener: State<'_, crate::listener::ListenerControl>,
    settings: Settings,
) -> Reply<Settings> {
    let saved = engine.update_settings(settings).await?;
    // The port, the switch, hosts and origins are read when the listener starts.
    listener.restart(engine.inner().clone()).await;
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn list_api_keys(engine: State<'_, Engine>) -> Reply<Vec<ApiKey>> {
    Ok(engine.list_api_keys().await?)
}

/// The new key's secret is in the answer, this once.
#[tauri::command]
#[specta::specta]
pub async fn create_api_key(engine: State<'_, Engine>, key: NewApiKey) -> Reply<CreatedApiKey> {
    Ok(engine.create_api_key(key).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn revoke_api_key(engine: State<'_, Engine>, key_id: String) -> Reply<()> {
    Ok(engine.revoke_api_key(&key_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_subscriptions(engine: State<'_, Engine>) -> Reply<Vec<Subscription>> {
    Ok(engine.list_subscriptions().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_subscription(
    engine: State<'_, Engine>,
    subscription: NewSubscription,
) -> Reply<CreatedSubscription> {
    Ok(engine.subscribe_webhook(subscription, None).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_subscription(engine: State<'_, Engine>, subscription_id: String) -> Reply<()> {
    Ok(engine.delete_subscription(&subscription_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_deliveries(
    engine: State<'_, Engine>,
    subscription_id: Option<String>,
) -> Reply<Vec<Delivery>> {
    Ok(engine.list_deliveries(subscription_id.as_deref()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn replay_delivery(engine: State<'_, Engine>, delivery_id: String) -> Reply<Delivery> {
    Ok(engine.replay_delivery(&delivery_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn message_history(engine: State<'_, Engine>, message_id: String) -> Reply<Vec<MessageEvent>> {
    Ok(engine.message_history(&message_id).await?)
}

/// The local API's base address (`http://127.0.0.1:47800`), or null when the listener is not running.
#[tauri::command]
#[specta::specta]
pub async fn api_address(listener: State<'_, crate::listener::ListenerControl>) -> Reply<Option<String>> {
    Ok(listener.address_now().await.map(|addr| format!("http://{addr}")))
}

/// Whether Switchboard opens (in the tray, without its window) when the person logs in.
#[tauri::command]
#[specta::specta]
pub async fn start_with_computer(app: tauri::AppHandle) -> Reply<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_error)
}

#[tauri::command]
#[specta::specta]
pub async fn set_start_with_computer(app: tauri::AppHandle, enabled: bool) -> Reply<bool> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    }
    .map_err(autostart_error)?;
    launcher.is_enabled().map_err(autostart_error)
}

fn autostart_error(error: tauri_plugin_autostart::Error) -> ApiError {
    tracing::error!(%error, "login item not changed");
    ApiError::new(
        switchboard_engine::ErrorCode::Internal,
        "Switchboard could not change whether it starts with your computer.",
    )
}

#[tauri::command]
#[specta::specta]
pub async fn list_conversations(
    engine: State<'_, Engine>,
    filter: ConversationFilter,
) -> Reply<Vec<Conversation>> {
    Ok(engine.list_conversations(filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_conversation(engine: State<'_, Engine>, conversation_id: i64) -> Reply<Conversation> {
    Ok(engine.conversation(conversation_id, None).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn conversation_messages(
    engine: State<'_, Engine>,
    conversation_id: i64,
    page: ThreadPage,
) -> Reply<Vec<Message>> {
    Ok(engine.conversation_messages(conversation_id, page, None).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_conversation_read(
    app: tauri::AppHandle,
    engine: State<'_, Engine>,
    conversation_id: i64,
) -> Reply<Conversation> {
    let conversation = engine.mark_conversation_read(conversation_id, None).await?;
    crate::tray::refresh(&app);
    Ok(conversation)
}

#[tauri::command]
#[specta::specta]
pub async fn unread_total(engine: State<'_, Engine>) -> Reply<i64> {
    Ok(engine.unread_total(None).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_read_receipts(
    engine: State<'_, Engine>,
    instance_id: InstanceId,
    on: bool,
) -> Reply<Instance> {
    Ok(engine.set_read_receipts(&instance_id, on).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_contacts(engine: State<'_, Engine>, filter: ContactFilter) -> Reply<Vec<Contact>> {
    Ok(engine.list_contacts(filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_contact(
    engine: State<'_, Engine>,
    contact_id: i64,
    update: ContactUpdate,
) -> Reply<Contact> {
    Ok(engine.update_contact(contact_id, update, None).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_labels(engine: State<'_, Engine>) -> Reply<Vec<Label>> {
    Ok(engine.labels().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_label(engine: State<'_, Engine>, label_id: i64, change: LabelChange) -> Reply<Label> {
    Ok(engine.update_label(label_id, change).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_label(engine: State<'_, Engine>, label_id: i64) -> Reply<()> {
    Ok(engine.delete_label(label_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn export_contacts(engine: State<'_, Engine>) -> Reply<String> {
    Ok(engine.export_contacts().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn import_contacts(engine: State<'_, Engine>, csv: String) -> Reply<ContactImport> {
    Ok(engine.import_contacts(&csv).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn media_preview(engine: State<'_, Engine>, message_id: String, max_side: u32) -> Reply<String> {
    Ok(engine.media_preview(&message_id, max_side).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn conversation_of_message(engine: State<'_, Engine>, message_id: String) -> Reply<Conversation> {
    Ok(engine.conversation_of_message(&message_id, None).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_contacts(engine: State<'_, Engine>, path: String) -> Reply<u32> {
    Ok(engine.save_contacts(std::path::Path::new(&path)).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_log(engine: State<'_, Engine>, filter: MessageFilter, path: String) -> Reply<u32> {
    Ok(engine.save_log(filter, std::path::Path::new(&path)).await?)
}
