//! The local API for other apps on this computer, under `/v1`. Each handler is a few lines over the
//! same engine call the window's commands make: resolve the caller's key and scope, call the
//! engine, map the result. The OpenAPI document is generated from these handlers.

mod conversations;
mod error;
mod extract;
mod guard;

pub use error::{status_for, HttpError};

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use extract::{ApiJson, ApiQuery, Caller};
use futures_util::{Stream, StreamExt};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::num::NonZeroU32;
use std::sync::Arc;
use switchboard_engine::domain::{Direction, InstanceId, MessageStatus};
use switchboard_engine::events::EngineEvent;
use switchboard_engine::provider::{Group, MessageTemplate, Profile};
use switchboard_engine::store::{
    ApiKey, AutoReply, AutoReplyRule, DailyStats, Delivery, GuardRules, Instance, Message, MessageEvent,
    MessageFilter, Subscription,
};
use switchboard_engine::{
    key_allows, AddInstanceRequest, ApiError, AutoReplyTrial, AutoReplyVerdict, ComposeContent,
    CreatedSubscription, Engine, ErrorCode, KeyPermission, LinkView, NewSubscription, NumberPresence,
    ProfileUpdate, Requester, SendRequest, SendingHealth, StatsQuery,
};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Request bodies are small JSON; media travels as a URL or a local path.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How many requests per second a key may make, and the burst above that.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_second: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(40).unwrap_or(NonZeroU32::MIN),
        }
    }
}

#[derive(Clone)]
pub struct ApiState {
    pub engine: Engine,
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl ApiState {
    pub fn new(engine: Engine, rate: RateLimit) -> Self {
        let quota = Quota::per_second(rate.per_second).allow_burst(rate.burst);
        Self {
            engine,
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }
}

pub fn router(state: ApiState) -> Router {
    let api = Router::new()
        .route("/instances", get(list_instances).post(add_instance))
        .route("/instances/{id}", get(get_instance).delete(delete_instance))
        .route("/instances/{id}/link", post(start_linking))
        .route("/instances/{id}/restart", post(restart_instance))
        .route("/instances/{id}/logout", post(logout_instance))
        .route("/instances/{id}/profile", get(get_profile).patch(update_profile))
        .route("/instances/{id}/qr", get(get_qr))
        .route("/instances/{id}/qr.png", get(get_qr_png))
        .route("/instances/{id}/groups", get(list_groups))
        .route("/instances/{id}/templates", get(list_templates))
        .route("/instances/{id}/templates/sync", post(sync_templates))
        .route("/instances/{id}/sending", get(sending_health))
        .route("/instances/{id}/sending/rules", put(set_guard_rules))
        .route("/instances/{id}/sending/resume", post(resume_sending))
        .route("/instances/{id}/sending/warm-up", put(set_warm_up))
        .route("/instances/{id}/number-checks", post(check_on_whatsapp))
        .route(
            "/instances/{id}/auto-replies",
            get(list_auto_replies).post(create_auto_reply),
        )
        .route("/instances/{id}/auto-replies/test", post(test_auto_reply))
        .route(
            "/instances/{id}/auto-replies/{rule_id}",
            put(update_auto_reply).delete(delete_auto_reply),
        )
        .route(
            "/instances/{id}/auto-replies/{rule_id}/move",
            post(move_auto_reply),
        )
        .route("/messages", post(send_message).get(list_messages))
        .route("/messages/{id}", get(get_message))
        .route("/messages/{id}/media", get(conversations::message_media))
        .route("/conversations", get(conversations::list_conversations))
        .route("/conversations/{id}", get(conversations::get_conversation))
        .route(
            "/conversations/{id}/messages",
            get(conversations::conversation_messages),
        )
        .route("/conversations/{id}/read", post(conversations::mark_read))
        .route("/contacts", get(conversations::list_contacts))
        .route(
            "/contacts/{id}",
            get(conversations::get_contact).put(conversations::update_contact),
        )
        .route("/labels", get(conversations::list_labels))
        .route("/messages/{id}/cancel", post(cancel_message))
        .route("/messages/{id}/retry", post(retry_message))
        .route("/statistics", get(statistics))
        .route("/events", get(events))
        .route("/webhooks", post(subscribe).get(list_subscriptions))
        .route("/webhooks/{id}", delete(unsubscribe))
        .route("/webhooks/{id}/deliveries", get(list_deliveries))
        .route("/deliveries/{id}/replay", post(replay_delivery))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::host_and_origin,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    Router::new().nest("/v1", api)
}

async fn not_found() -> HttpError {
    HttpError::new(
        ErrorCode::NotFound,
        "There is no such route; see /v1/openapi.json.",
    )
}

/// The instance an id names, if the caller's key may do `permission` with it (the engine decides).
async fn scoped(
    engine: &Engine,
    key: &ApiKey,
    id: &str,
    permission: KeyPermission,
) -> Result<Instance, HttpError> {
    let id = InstanceId::parse(id)
        .map_err(|_| HttpError::new(ErrorCode::NotFound, "That instance does not exist."))?;
    Ok(engine.authorize(key, &id, permission).await?)
}

#[utoipa::path(get, path = "/v1/instances", tag = "instances",
    responses((status = 200, body = [Instance]), (status = 401, body = ApiError)), security(("key" = [])))]
async fn list_instances(
    State(state): State<ApiState>,
    Caller(key): Caller,
) -> Result<Json<Vec<Instance>>, HttpError> {
    let instances = state.engine.list_instances().await?;
    Ok(Json(
        instances
            .into_iter()
            .filter(|i| key_allows(&key, &i.id))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/v1/instances/{id}", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = Instance), (status = 403, body = ApiError), (status = 404, body = ApiError)), security(("key" = [])))]
async fn get_instance(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Instance>, HttpError> {
    Ok(Json(scoped(&state.engine, &key, &id, KeyPermission::Use).await?))
}

#[utoipa::path(post, path = "/v1/instances", tag = "instances", request_body = AddInstanceRequest,
    responses((status = 201, body = Instance, description = "Created here and at its provider; this key may use it"),
        (status = 403, body = ApiError, description = "The key may not manage numbers"), (status = 422, body = ApiError),
        (status = 502, body = ApiError), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn add_instance(
    State(state): State<ApiState>,
    Caller(key): Caller,
    ApiJson(request): ApiJson<AddInstanceRequest>,
) -> Result<(StatusCode, Json<Instance>), HttpError> {
    let instance = state.engine.add_instance_for_key(request, &key).await?;
    Ok((StatusCode::CREATED, Json(instance)))
}

/// How to link: by QR code (`{}`) or by pairing code for a phone number.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LinkRequest {
    /// The number to link, to get an 8-character pairing code instead of a QR code.
    pairing_phone: Option<String>,
}

#[utoipa::path(post, path = "/v1/instances/{id}/link", tag = "instances", params(("id" = String, Path)),
    request_body = LinkRequest,
    responses((status = 200, body = LinkView, description = "Linking started (again, after a QR limit): the code on offer"),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn start_linking(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LinkRequest>,
) -> Result<Json<LinkView>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    let phone = request.pairing_phone.as_deref();
    Ok(Json(state.engine.start_linking(&instance.id, phone).await?))
}

#[utoipa::path(post, path = "/v1/instances/{id}/restart", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = Instance), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn restart_instance(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Instance>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(state.engine.restart_instance(&instance.id).await?))
}

#[utoipa::path(post, path = "/v1/instances/{id}/logout", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = Instance), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn logout_instance(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Instance>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(state.engine.logout_instance(&instance.id).await?))
}

#[utoipa::path(delete, path = "/v1/instances/{id}", tag = "instances", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted here and at its provider, with its log"), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn delete_instance(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    state.engine.delete_instance(&instance.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/instances/{id}/profile", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = Profile, description = "The name, About text and picture the number's contacts see"),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError, description = "Not linked"),
        (status = 501, body = ApiError, description = "The provider cannot read profiles"), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn get_profile(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Profile>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.profile(&instance.id).await?))
}

#[utoipa::path(patch, path = "/v1/instances/{id}/profile", tag = "instances", params(("id" = String, Path)),
    request_body = ProfileUpdate,
    responses((status = 200, body = Profile, description = "Changed; the profile as it is now"),
        (status = 403, body = ApiError, description = "The key may not manage numbers, or the picture is outside the allowed folders"),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError),
        (status = 501, body = ApiError), (status = 503, body = ApiError)),
    security(("key" = [])))]
async fn update_profile(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<ProfileUpdate>,
) -> Result<Json<Profile>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    let profile = state
        .engine
        .update_profile(&instance.id, update, Requester::LocalApp)
        .await?;
    Ok(Json(profile))
}

#[utoipa::path(get, path = "/v1/instances/{id}/qr", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = LinkView, description = "The QR code (as SVG) or pairing code on offer"), (status = 404, body = ApiError)),
    security(("key" = [])))]
async fn get_qr(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<LinkView>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.link_view(&instance.id).await?))
}

#[utoipa::path(get, path = "/v1/instances/{id}/qr.png", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = ApiError)), security(("key" = [])))]
async fn get_qr_png(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    let png = state.engine.qr_png(&instance.id, 400).await?;
    let png = png.ok_or_else(|| {
        HttpError::new(
            ErrorCode::NotFound,
            "No QR code is on offer for this instance right now.",
        )
    })?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/png")], png).into_response())
}

#[utoipa::path(get, path = "/v1/instances/{id}/groups", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = [Group]), (status = 404, body = ApiError), (status = 503, body = ApiError)), security(("key" = [])))]
async fn list_groups(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Group>>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.list_groups(&instance.id).await?))
}

#[utoipa::path(get, path = "/v1/instances/{id}/templates", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = [MessageTemplate]), (status = 404, body = ApiError)), security(("key" = [])))]
async fn list_templates(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<MessageTemplate>>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.list_templates(&instance.id).await?))
}

#[utoipa::path(post, path = "/v1/instances/{id}/templates/sync", tag = "instances", params(("id" = String, Path)),
    responses((status = 200, body = [MessageTemplate]), (status = 404, body = ApiError), (status = 501, body = ApiError), (status = 503, body = ApiError)), security(("key" = [])))]
async fn sync_templates(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<MessageTemplate>>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.sync_templates(&instance.id).await?))
}

#[utoipa::path(get, path = "/v1/instances/{id}/sending", tag = "instances", params(("id" = String, Path)),
    description = "Today's sent, failed and refused counts, the pace, the sending guard's rules, and its pause if WhatsApp pushed back.",
    responses((status = 200, body = SendingHealth), (status = 404, body = ApiError)), security(("key" = [])))]
async fn sending_health(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<SendingHealth>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.sending_health(&instance.id).await?))
}

#[utoipa::path(put, path = "/v1/instances/{id}/sending/rules", tag = "instances", params(("id" = String, Path)),
    description = "Which signs of WhatsApp pushing back pause this number's sending, and after how many (0 turns a sign off).",
    request_body = GuardRules,
    responses((status = 200, body = GuardRules), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("key" = [])))]
async fn set_guard_rules(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(rules): ApiJson<GuardRules>,
) -> Result<Json<GuardRules>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(state.engine.set_guard_rules(&instance.id, rules).await?))
}

#[utoipa::path(post, path = "/v1/instances/{id}/sending/resume", tag = "instances", params(("id" = String, Path)),
    description = "Ends the pause the sending guard took: the queue and the campaigns it held go on.",
    responses((status = 200, body = SendingHealth), (status = 404, body = ApiError), (status = 409, body = ApiError)), security(("key" = [])))]
async fn resume_sending(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<SendingHealth>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(state.engine.resume_sending(&instance.id).await?))
}

/// A number's warm-up: its daily limits, the first day first (empty: the default two weeks), or
/// null to end it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct WarmUpRequest {
    daily_limits: Option<Vec<u32>>,
}

#[utoipa::path(put, path = "/v1/instances/{id}/sending/warm-up", tag = "instances", params(("id" = String, Path)),
    description = "Starts, changes or ends the number's warm-up: a daily limit that rises over its first weeks. A change keeps the day it started on.",
    request_body = WarmUpRequest,
    responses((status = 200, body = SendingHealth), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("key" = [])))]
async fn set_warm_up(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<WarmUpRequest>,
) -> Result<Json<SendingHealth>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(
        state
            .engine
            .set_warm_up(&instance.id, request.daily_limits)
            .await?,
    ))
}

/// A number to check, as a person types it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NumberCheckRequest {
    number: String,
}

#[utoipa::path(post, path = "/v1/instances/{id}/number-checks", tag = "instances", params(("id" = String, Path)),
    description = "Whether a number is on WhatsApp, asked through this number where its provider can tell (`unknown` where it cannot). A recent answer is reused; otherwise it is asked now, or `checking` when the paced checks are busy: ask again in a few seconds.",
    request_body = NumberCheckRequest,
    responses((status = 200, body = NumberPresence), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("key" = [])))]
async fn check_on_whatsapp(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<NumberCheckRequest>,
) -> Result<Json<NumberPresence>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(
        state
            .engine
            .check_on_whatsapp(&instance.id, &request.number)
            .await?,
    ))
}

#[utoipa::path(get, path = "/v1/instances/{id}/auto-replies", tag = "auto-replies", params(("id" = String, Path)),
    description = "The number's automatic replies, in the order they are tried: the first enabled rule that matches a new incoming message answers it.",
    responses((status = 200, body = Vec<AutoReply>), (status = 404, body = ApiError)), security(("key" = [])))]
async fn list_auto_replies(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<AutoReply>>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.list_auto_replies(&instance.id).await?))
}

#[utoipa::path(post, path = "/v1/instances/{id}/auto-replies", tag = "auto-replies", params(("id" = String, Path)),
    description = "Adds a rule after the number's others.",
    request_body = AutoReplyRule,
    responses((status = 201, body = AutoReply), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("key" = [])))]
async fn create_auto_reply(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(rule): ApiJson<AutoReplyRule>,
) -> Result<(StatusCode, Json<AutoReply>), HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    let created = state.engine.create_auto_reply(&instance.id, rule).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(put, path = "/v1/instances/{id}/auto-replies/{rule_id}", tag = "auto-replies",
    params(("id" = String, Path), ("rule_id" = i64, Path)),
    request_body = AutoReplyRule,
    responses((status = 200, body = AutoReply), (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("key" = [])))]
async fn update_auto_reply(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path((id, rule_id)): Path<(String, i64)>,
    ApiJson(rule): ApiJson<AutoReplyRule>,
) -> Result<Json<AutoReply>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(
        state
            .engine
            .update_auto_reply(&instance.id, rule_id, rule)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/v1/instances/{id}/auto-replies/{rule_id}", tag = "auto-replies",
    params(("id" = String, Path), ("rule_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ApiError)), security(("key" = [])))]
async fn delete_auto_reply(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path((id, rule_id)): Path<(String, i64)>,
) -> Result<StatusCode, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    state.engine.delete_auto_reply(&instance.id, rule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a rule goes in the order (0 first).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct MoveRequest {
    position: u32,
}

#[utoipa::path(post, path = "/v1/instances/{id}/auto-replies/{rule_id}/move", tag = "auto-replies",
    params(("id" = String, Path), ("rule_id" = i64, Path)),
    request_body = MoveRequest,
    responses((status = 200, body = Vec<AutoReply>), (status = 404, body = ApiError)), security(("key" = [])))]
async fn move_auto_reply(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path((id, rule_id)): Path<(String, i64)>,
    ApiJson(request): ApiJson<MoveRequest>,
) -> Result<Json<Vec<AutoReply>>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Manage).await?;
    Ok(Json(
        state
            .engine
            .move_auto_reply(&instance.id, rule_id, request.position)
            .await?,
    ))
}

#[utoipa::path(post, path = "/v1/instances/{id}/auto-replies/test", tag = "auto-replies", params(("id" = String, Path)),
    description = "Which rule would answer a message, without sending anything.",
    request_body = AutoReplyTrial,
    responses((status = 200, body = AutoReplyVerdict), (status = 404, body = ApiError)), security(("key" = [])))]
async fn test_auto_reply(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    ApiJson(trial): ApiJson<AutoReplyTrial>,
) -> Result<Json<AutoReplyVerdict>, HttpError> {
    let instance = scoped(&state.engine, &key, &id, KeyPermission::Use).await?;
    Ok(Json(state.engine.test_auto_reply(&instance.id, trial).await?))
}

/// A message to send. `instanceId` may be left out when the key may use exactly one instance.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ApiSendRequest {
    instance_id: Option<String>,
    /// A phone number (international, or written the local way for the default country) or a
    /// WhatsApp address.
    to: String,
    content: ComposeContent,
    /// Milliseconds since 1970; send at this time rather than now.
    scheduled_at: Option<i64>,
    /// Send even if the same text went to the same person lately (otherwise that is refused
    /// with `repeated`, naming the earlier message).
    #[serde(default)]
    allow_repeat: bool,
}

#[utoipa::path(post, path = "/v1/messages", tag = "messages", request_body = ApiSendRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key twice returns the first message and sends nothing more")),
    responses((status = 202, body = Message, description = "Accepted: on disk and queued"), (status = 403, body = ApiError),
        (status = 409, body = ApiError, description = "`repeated`: the same text went to this person lately"),
        (status = 422, body = ApiError), (status = 429, body = ApiError)),
    security(("key" = [])))]
async fn send_message(
    State(state): State<ApiState>,
    Caller(key): Caller,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ApiSendRequest>,
) -> Result<(StatusCode, Json<Message>), HttpError> {
    let instance_id = match (request.instance_id.as_deref(), key.instance_ids.as_slice()) {
        (Some(id), _) => scoped(&state.engine, &key, id, KeyPermission::Use).await?.id,
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(HttpError::new(
                ErrorCode::InvalidInput,
                "This key may use several numbers: say which in `instanceId`.",
            ))
        }
    };
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let send = SendRequest {
        instance_id,
        to: request.to,
        content: request.content,
        scheduled_at: request.scheduled_at,
        idempotency_key,
        allow_repeat: request.allow_repeat,
    };
    let message = state.engine.send_message_for_key(send, &key).await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct MessagesQuery {
    instance_id: Option<String>,
    direction: Option<Direction>,
    status: Option<MessageStatus>,
    /// Paging: messages older than the last one shown, its `createdAt` (milliseconds) and `seq`.
    before: Option<i64>,
    before_seq: Option<i64>,
    /// At most this many (default 100, at most 500).
    limit: Option<u32>,
    /// Words in the text (parts of words too), or part of a contact's name or number; results are
    /// newest-written first and page by `beforeSeq` alone.
    search: Option<String>,
}

#[utoipa::path(get, path = "/v1/messages", tag = "messages", params(MessagesQuery),
    responses((status = 200, body = [Message]), (status = 403, body = ApiError)), security(("key" = [])))]
async fn list_messages(
    State(state): State<ApiState>,
    Caller(key): Caller,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<Vec<Message>>, HttpError> {
    let instance_id = match query.instance_id.as_deref() {
        Some(id) => Some(scoped(&state.engine, &key, id, KeyPermission::Use).await?.id),
        None => None,
    };
    let filter = MessageFilter {
        instance_id,
        direction: query.direction,
        status: query.status,
        before: query.before,
        before_seq: query.before_seq,
        limit: query.limit,
        campaign_id: None,
        search: query.search,
        scope: Some(key.instance_ids.clone()),
    };
    Ok(Json(state.engine.list_messages(filter).await?))
}

/// A message and the statuses it went through: written (queued or received), sent, delivered,
/// read, and failed or cancelled; a retry shows in `attempts`, not as more entries.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct MessageWithHistory {
    message: Message,
    history: Vec<MessageEvent>,
}

#[utoipa::path(get, path = "/v1/messages/{id}", tag = "messages", params(("id" = String, Path)),
    responses((status = 200, body = MessageWithHistory), (status = 404, body = ApiError)), security(("key" = [])))]
async fn get_message(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<MessageWithHistory>, HttpError> {
    let message = own_message(&state.engine, &key, &id).await?;
    let history = state.engine.message_history(&message.id).await?;
    Ok(Json(MessageWithHistory { message, history }))
}

/// A message of the caller's instances, or 404.
pub(super) async fn own_message(engine: &Engine, key: &ApiKey, id: &str) -> Result<Message, HttpError> {
    match engine.get_message(id).await {
        Ok(message) if key_allows(key, &message.instance_id) => Ok(message),
        _ => Err(HttpError::new(
            ErrorCode::NotFound,
            "That message does not exist.",
        )),
    }
}

#[utoipa::path(post, path = "/v1/messages/{id}/cancel", tag = "messages", params(("id" = String, Path)),
    responses((status = 200, body = Message), (status = 404, body = ApiError), (status = 409, body = ApiError, description = "Not queued any more")),
    security(("key" = [])))]
async fn cancel_message(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Message>, HttpError> {
    let message = own_message(&state.engine, &key, &id).await?;
    Ok(Json(state.engine.cancel_message(&message.id).await?))
}

#[utoipa::path(post, path = "/v1/messages/{id}/retry", tag = "messages", params(("id" = String, Path)),
    responses((status = 200, body = Message), (status = 404, body = ApiError), (status = 409, body = ApiError, description = "Neither failed nor cancelled")),
    security(("key" = [])))]
async fn retry_message(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Message>, HttpError> {
    let message = own_message(&state.engine, &key, &id).await?;
    Ok(Json(state.engine.retry_message(&message.id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct StatisticsQuery {
    instance_id: Option<String>,
    /// The last this many days, today included (default 30).
    days: Option<u32>,
}

#[utoipa::path(get, path = "/v1/statistics", tag = "statistics", params(StatisticsQuery),
    responses((status = 200, body = [DailyStats])), security(("key" = [])))]
async fn statistics(
    State(state): State<ApiState>,
    Caller(key): Caller,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> Result<Json<Vec<DailyStats>>, HttpError> {
    let instance_id = match query.instance_id.as_deref() {
        Some(id) => Some(scoped(&state.engine, &key, id, KeyPermission::Use).await?.id),
        None => None,
    };
    let days = state
        .engine
        .statistics(StatsQuery {
            instance_id,
            days: query.days,
        })
        .await?;
    Ok(Json(
        days.into_iter()
            .filter(|d| key_allows(&key, &d.instance_id))
            .collect(),
    ))
}

/// The instance an event concerns, if any.
fn event_instance(event: &EngineEvent) -> Option<&InstanceId> {
    match event {
        EngineEvent::InstanceStatusChanged { instance_id, .. }
        | EngineEvent::SendingPaused { instance_id, .. }
        | EngineEvent::NumbersChecked { instance_id }
        | EngineEvent::QrUpdated { instance_id }
        | EngineEvent::MessageStatusChanged { instance_id, .. }
        | EngineEvent::MessageReceived { instance_id, .. } => Some(instance_id),
        EngineEvent::InstancesChanged | EngineEvent::CampaignChanged { .. } => None,
    }
}

#[utoipa::path(get, path = "/v1/events", tag = "events",
    responses((status = 200, content_type = "text/event-stream", body = String,
        description = "Server-Sent Events: each `data:` is a JSON event such as {\"type\":\"message_status_changed\",\"instanceId\":…,\"messageId\":…,\"status\":\"delivered\"}")),
    security(("key" = [])))]
async fn events(
    State(state): State<ApiState>,
    Caller(key): Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream =
        tokio_stream::wrappers::BroadcastStream::new(state.engine.subscribe()).filter_map(move |event| {
            let event = event
                .ok()
                .filter(|e| event_instance(e).is_some_and(|id| key_allows(&key, id)));
            let sse =
                event.and_then(|event| Event::default().event(event_name(&event)).json_data(&event).ok());
            std::future::ready(sse.map(Ok))
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn event_name(event: &EngineEvent) -> &'static str {
    match event {
        EngineEvent::InstancesChanged => "instances_changed",
        EngineEvent::InstanceStatusChanged { .. } => "instance_status_changed",
        EngineEvent::QrUpdated { .. } => "qr_updated",
        EngineEvent::MessageStatusChanged { .. } => "message_status_changed",
        EngineEvent::MessageReceived { .. } => "message_received",
        EngineEvent::CampaignChanged { .. } => "campaign_changed",
        EngineEvent::SendingPaused { .. } => "sending_paused",
        EngineEvent::NumbersChecked { .. } => "numbers_checked",
    }
}

#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = NewSubscription,
    responses((status = 201, body = CreatedSubscription, description = "The signing secret is shown this once"), (status = 422, body = ApiError)),
    security(("key" = [])))]
async fn subscribe(
    State(state): State<ApiState>,
    Caller(key): Caller,
    ApiJson(new): ApiJson<NewSubscription>,
) -> Result<(StatusCode, Json<CreatedSubscription>), HttpError> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.subscribe_webhook(new, Some(&key.id)).await?),
    ))
}

async fn own_subscription(engine: &Engine, key: &ApiKey, id: &str) -> Result<Subscription, HttpError> {
    engine
        .list_subscriptions()
        .await?
        .into_iter()
        .find(|s| s.id == id && s.key_id.as_deref() == Some(key.id.as_str()))
        .ok_or_else(|| HttpError::new(ErrorCode::NotFound, "That subscription does not exist."))
}

#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", responses((status = 200, body = [Subscription])), security(("key" = [])))]
async fn list_subscriptions(
    State(state): State<ApiState>,
    Caller(key): Caller,
) -> Result<Json<Vec<Subscription>>, HttpError> {
    let all = state.engine.list_subscriptions().await?;
    Ok(Json(
        all.into_iter()
            .filter(|s| s.key_id.as_deref() == Some(key.id.as_str()))
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ApiError)), security(("key" = [])))]
async fn unsubscribe(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    let subscription = own_subscription(&state.engine, &key, &id).await?;
    state.engine.delete_subscription(&subscription.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = [Delivery]), (status = 404, body = ApiError)), security(("key" = [])))]
async fn list_deliveries(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Delivery>>, HttpError> {
    let subscription = own_subscription(&state.engine, &key, &id).await?;
    Ok(Json(state.engine.list_deliveries(Some(&subscription.id)).await?))
}

#[utoipa::path(post, path = "/v1/deliveries/{id}/replay", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 202, body = Delivery), (status = 404, body = ApiError)), security(("key" = [])))]
async fn replay_delivery(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Delivery>), HttpError> {
    let replayed = state.engine.replay_delivery_as(&id, &key).await?;
    Ok((StatusCode::ACCEPTED, Json(replayed)))
}

#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta", responses((status = 200, body = Object, description = "This document")))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

struct KeySecurity;

impl utoipa::Modify for KeySecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("sbk_…")
            .build();
        components.add_security_scheme("key", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard local API", version = "1",
        description = "Everything a person does in the Switchboard window, for apps on the same computer. Authenticate with `Authorization: Bearer <key>`; keys are created in the app."),
    paths(list_instances, add_instance, get_instance, start_linking, restart_instance, logout_instance, delete_instance, get_profile, update_profile, get_qr, get_qr_png, list_groups, list_templates, sync_templates, sending_health, set_guard_rules, resume_sending, set_warm_up, check_on_whatsapp, list_auto_replies, create_auto_reply, update_auto_reply, delete_auto_reply, move_auto_reply, test_auto_reply, send_message, list_messages, get_message, cancel_message, retry_message, statistics, events,
        subscribe, list_subscriptions, unsubscribe, list_deliveries, replay_delivery, openapi,
        conversations::list_conversations, conversations::get_conversation, conversations::conversation_messages,
        conversations::mark_read, conversations::list_contacts, conversations::get_contact,
        conversations::update_contact, conversations::list_labels, conversations::message_media),
    modifiers(&KeySecurity)
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed document is what the code generates (`make openapi` rewrites it).
    #[test]
    fn openapi_document_is_committed() {
        let generated = ApiDoc::openapi().to_pretty_json().expect("json") + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        if std::env::var_os("SWITCHBOARD_WRITE_OPENAPI").is_some() {
            std::fs::write(path, &generated).expect("write openapi.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "src-tauri/server/openapi.json is stale: run make openapi"
        );
        assert!(generated.contains("\"openapi\": \"3.1"));
    }
}
