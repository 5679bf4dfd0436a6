//! The embedded HTTP listener: the local `/v1` API for other apps on this computer and the
//! providers' webhook receiver (`/webhooks/<provider>/<instance>`), on one port. It serves the same `Engine` the desktop shell uses,
//! binds to loopback, and limits what it reads.

pub mod api;
pub mod config;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::SocketAddr;
use switchboard_engine::provider::WebhookError;
use switchboard_engine::{Engine, WebhookRejection};

/// Webhook bodies are single messages; media travels by URL, not inline (`base64: false`).
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

pub async fn router(engine: Engine) -> Router {
    router_with(engine, api::RateLimit::default()).await
}

/// `router` with another per-key rate (the latency benchmark measures the request path, not the limiter).
pub async fn router_with(engine: Engine, rate: api::RateLimit) -> Router {
    let allowed_origins = engine
        .settings()
        .await
        .map(|s| s.allowed_origins)
        .unwrap_or_default();
    let cors = cors_layer(&allowed_origins);
    let api = api::router(api::ApiState::new(engine.clone(), rate));
    let api = match cors {
        Some(cors) => api.layer(cors),
        None => api,
    };
    let receiver = Router::new()
        .route("/health", get(health))
        .route(
            "/webhooks/{provider}/{instance_id}",
            post(provider_webhook).get(provider_handshake),
        )
        // With "webhook by events" Evolution appends the event name; it is in the body anyway.
        .route(
            "/webhooks/{provider}/{instance_id}/{event}",
            post(provider_webhook_by_event),
        )
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
        .with_state(engine);
    receiver.merge(api)
}

/// CORS only for the origins a person allowed; none by default, so browsers cannot read answers.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    let origins: Vec<http::HeaderValue> = origins
        .iter()
        .filter_map(|o| o.trim_end_matches('/').parse().ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    use http::header::{AUTHORIZATION, CONTENT_TYPE};
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([http::Method::GET, http::Method::POST, http::Method::DELETE])
            .allow_headers([
                AUTHORIZATION,
                CONTENT_TYPE,
                http::HeaderName::from_static("idempotency-key"),
            ]),
    )
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Headers by lower-case name, as the engine's webhook readers take them.
fn header_map(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect()
}

async fn provider_webhook(
    State(engine): State<Engine>,
    Path((provider, instance_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers = header_map(&headers);
    match engine
        .receive_webhook(&provider, &instance_id, &headers, &body)
        .await
    {
        Ok(_) => StatusCode::OK.into_response(),
        Err(rejection) => rejection_response(rejection),
    }
}

/// A provider checking that the callback address is ours: the challenge it sent, echoed.
async fn provider_handshake(
    State(engine): State<Engine>,
    Path((provider, instance_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match engine
        .answer_webhook_handshake(&provider, &instance_id, &query)
        .await
    {
        Ok(challenge) => (StatusCode::OK, challenge).into_response(),
        // Meta reads anything but 200 with the challenge as a failed check.
        Err(WebhookRejection::Refused(WebhookError::Unauthorized(reason))) => {
            tracing::warn!(%reason, "webhook handshake refused");
            StatusCode::FORBIDDEN.into_response()
        }
        Err(rejection) => rejection_response(rejection),
    }
}

fn rejection_response(rejection: WebhookRejection) -> Response {
    match rejection {
        // 4xx also tells the provider to stop retrying; 500 asks it to retry later.
        WebhookRejection::Refused(WebhookError::Unauthorized(reason)) => {
            tracing::warn!(%reason, "webhook refused");
            StatusCode::UNAUTHORIZED.into_response()
        }
        WebhookRejection::Refused(WebhookError::Malformed(reason)) => {
            tracing::warn!(%reason, "malformed webhook");
            StatusCode::BAD_REQUEST.into_response()
        }
        WebhookRejection::Refused(WebhookError::NotTaken) => StatusCode::NOT_FOUND.into_response(),
        WebhookRejection::Internal(error) => {
            tracing::error!(%error, "webhook could not be applied");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn provider_webhook_by_event(
    state: State<Engine>,
    Path((provider, instance_id, _event)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    provider_webhook(state, Path((provider, instance_id)), headers, body).await
}

/// A running listener.
pub struct Listener {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds the listener and tells the engine its address, so new instances get webhooks.
pub async fn start_listener(engine: Engine, addr: SocketAddr) -> std::io::Result<Listener> {
    let socket = tokio::net::TcpListener::bind(addr).await?;
    let addr = socket.local_addr()?;
    let base = url::Url::parse(&format!("http://{addr}/")).ok();
    engine.set_listener(base);
    let app = router(engine).await;
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(socket, app).await {
            tracing::error!(%error, "listener stopped");
        }
    });
    tracing::info!(%addr, "listening");
    Ok(Listener { addr, task })
}

/// Applies the configuration to the engine, for every subcommand: the settings it carries, and
/// the listener's address (where `serve` will listen), so that an instance added before the
/// server first runs is created with its webhook.
pub async fn configure(
    engine: &Engine,
    config: &config::ServerConfig,
) -> Result<(), switchboard_engine::EngineError> {
    let mut settings = engine.settings().await?;
    settings.allowed_hosts = config.allowed_hosts.clone();
    settings.allowed_origins = config.allowed_origins.clone();
    settings.api_port = config.listen.port().max(1024);
    if config.webhook_base_url.is_some() {
        settings.webhook_base_url = config.webhook_base_url.clone();
    }
    if settings != engine.settings().await? {
        engine.update_settings(settings).await?;
    }
    if config.listen.port() != 0 {
        engine.set_listener(url::Url::parse(&format!("http://{}/", config.listen)).ok());
    }
    Ok(())
}

/// One line of `switchboard-server status`: the number, its state and how its events arrive.
pub fn status_line(instance: &switchboard_engine::store::Instance) -> String {
    use switchboard_engine::domain::EventPath;
    let events = match instance.event_path {
        EventPath::Direct => "events: this machine's own connection",
        EventPath::Webhook => "events: webhook",
        EventPath::Stream => "events: the server's event stream (socket.io)",
        EventPath::WebhookQuiet => {
            "events: webhook set, none arrived lately; reading the server's log meanwhile"
        }
        EventPath::ServerLog => "events: read from the server's log (status, receipts and incoming messages)",
        EventPath::WebhookAwaited => "events: by webhook only, none arrived lately (see the callback set-up)",
    };
    let reason = instance
        .status_reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    format!(
        "{}  {}  {}{reason}  {events}",
        instance.id,
        instance.display_name,
        instance.status.as_str()
    )
}

/// The listener's address unless configured otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:47800";

/// Logs to stderr, filtered by `RUST_LOG`. The native engine's encryption layer logs contact
/// addresses and keys at WARN, so its targets are silenced whatever the filter says.
pub fn init_tracing() {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = format!("{filter},libsignal=off,wacore_libsignal=off");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}
