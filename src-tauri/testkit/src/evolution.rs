//! The fake Evolution API server.

// Handlers and their helpers return axum responses as early errors; their size is no concern in a
// test fake.
#![allow(clippy::result_large_err)]

use crate::contract_sample;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// After this many QR codes the server gives up (`QRCODE_LIMIT`; the real default is 30).
const QR_LIMIT: u32 = 6;

#[derive(Debug, Clone)]
struct Instance {
    name: String,
    id: String,
    token: String,
    state: &'static str,
    qr_count: u32,
    webhook: Option<Webhook>,
    profile_name: Option<String>,
    owner: Option<String>,
    about: Option<String>,
    /// The decoded picture last set through `chat/updateProfilePicture`.
    picture: Option<Vec<u8>>,
    /// The events emitted on the instance's socket.io namespace, once `websocket/set` enabled it.
    stream_events: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct Webhook {
    url: String,
    headers: serde_json::Map<String, Value>,
}

/// A message the fake accepted through a send route.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub instance: String,
    pub id: String,
    pub body: Value,
}

#[derive(Default)]
struct World {
    instances: Vec<Instance>,
    sent: Vec<SentMessage>,
    /// Numbers the fake says are not on WhatsApp.
    not_on_whatsapp: Vec<String>,
    /// Whether WhatsApp refuses this server's sends as too many (Baileys' `rate-overlimit`).
    rate_overlimit: bool,
    requests: Vec<String>,
    /// Read receipts asked for, by instance: `(remoteJid, message id)`.
    read_marks: Vec<(String, String, String)>,
    /// When set, every route answers this status (to simulate an overloaded server).
    fail_with: Option<u16>,
    /// What the receiver answered to each webhook posted: the event and the HTTP status (none
    /// when unreachable).
    webhook_answers: Vec<(String, Option<u16>)>,
    /// Answers held back until released (a hanging or slow server), newest first.
    holds: Vec<(String, String, Hold)>,
    next_message: u64,
    /// The version `GET /` reports (2.3.6 unless a test says otherwise): from 2.4 on, a send's
    /// `messageId` is the id it goes out under.
    version: Option<String>,
    /// The server's message store, oldest first: what `chat/findMessages` and
    /// `chat/findStatusMessage` read.
    log: Vec<Logged>,
    /// Whether the server runs with `WEBSOCKET_ENABLED=true` (off unless a test turns it on).
    streams: bool,
    /// Stream handshakes are refused whatever key they carry.
    refuse_stream_keys: bool,
}

/// A message in the server's store, with the statuses its receipts brought.
#[derive(Debug, Clone)]
struct Logged {
    instance: String,
    record: Value,
    statuses: Vec<String>,
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[derive(Clone)]
struct Fake {
    api_key: String,
    url: String,
    world: Arc<Mutex<World>>,
    http: reqwest::Client,
    /// The socket.io server behind `/socket.io/`: one namespace per instance whose stream is on.
    io: socketioxide::SocketIo,
}

impl Fake {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Answers of one route for one instance, held back: the fake does the work at once (a send is
/// recorded as sent, a state is read) but answers only once released, like a server whose reply
/// is stuck on the way. Never released, the request hangs until the caller gives up.
#[derive(Clone)]
pub struct Hold(Arc<HoldGate>);

struct HoldGate {
    released: tokio::sync::watch::Sender<bool>,
    arrivals: tokio::sync::watch::Sender<usize>,
}

impl Hold {
    fn new() -> Self {
        Self(Arc::new(HoldGate {
            released: tokio::sync::watch::channel(false).0,
            arrivals: tokio::sync::watch::channel(0).0,
        }))
    }

    /// Waits until this many requests have been held (answered or not).
    pub async fn arrived(&self, count: usize) {
        let mut arrivals = self.0.arrivals.subscribe();
        let _ = arrivals.wait_for(|n| *n >= count).await;
    }

    /// How many requests are held now or were held before release.
    pub fn arrivals(&self) -> usize {
        *self.0.arrivals.borrow()
    }

    /// Lets every held answer (and every later one) go.
    pub fn release(&self) {
        self.0.released.send_replace(true);
    }

    async fn hold(&self) {
        self.0.arrivals.send_modify(|n| *n += 1);
        let mut released = self.0.released.subscribe();
        let _ = released.wait_for(|released| *released).await;
    }
}

pub struct FakeEvolution {
    fake: Fake,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeEvolution {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn error(status: StatusCode, message: Value) -> Response {
    let phrase = status.canonical_reason().unwrap_or("Error");
    (
        status,
        Json(json!({"status": status.as_u16(), "error": phrase, "response": {"message": message}})),
    )
        .into_response()
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, json!("Unauthorized"))
}

fn missing(name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        json!([format!("The \"{name}\" instance does not exist")]),
    )
}

fn qr_payload(count: u32, pairing: bool) -> Value {
    let mut qr = contract_sample("evolution/connect-response.json");
    // Each rotation is a different code, as on the real server.
    let code = qr["code"]
        .as_str()
        .unwrap_or_default()
        .replacen("2@", &format!("2@r{count}"), 1);
    qr["code"] = json!(code);
    qr["count"] = json!(count);
    if !pairing {
        qr["pairingCode"] = Value::Null;
    }
    qr
}

/// Local time with a `Z`, as the real server writes `date_time`: here the server pretends to run at
/// UTC-3, so the stamp is three hours off while claiming to be UTC.
fn misleading_date_time() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let local = secs.saturating_sub(3 * 3600) as i64;
    let (days, rem) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

impl FakeEvolution {
    pub async fn start(api_key: &str) -> Self {
        Self::start_on(0, api_key).await
    }

    pub async fn start_on(port: u16, api_key: &str) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind fake evolution");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (stream_layer, io) = socketioxide::SocketIo::new_layer();
        let fake = Fake {
            api_key: api_key.to_owned(),
            url: url.clone(),
            world: Arc::default(),
            http: reqwest::Client::new(),
            io,
        };
        let app = Router::new()
            .route("/", get(root))
            .route("/instance/create", post(create))
            .route("/instance/fetchInstances", get(fetch_instances))
            .route("/instance/connect/{name}", get(connect))
            .route("/instance/connectionState/{name}", get(connection_state))
            .route("/instance/restart/{name}", any(restart))
            .route("/instance/logout/{name}", any(logout))
            .route("/instance/delete/{name}", any(delete))
            .route("/webhook/set/{name}", post(set_webhook))
            .route("/websocket/set/{name}", post(set_websocket))
            .route("/message/{route}/{name}", post(send))
            .route("/group/fetchAllGroups/{name}", get(fetch_all_groups))
            .route("/chat/whatsappNumbers/{name}", post(whatsapp_numbers))
            .route("/chat/markMessageAsRead/{name}", post(mark_message_as_read))
            .route("/chat/getBase64FromMediaMessage/{name}", post(media_base64))
            .route("/chat/fetchProfile/{name}", post(fetch_profile))
            .route("/chat/findMessages/{name}", post(find_messages))
            .route("/chat/findStatusMessage/{name}", post(find_status_message))
            .route("/chat/{route}/{name}", any(update_profile))
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(fake.clone(), record));
        // The phone side and test media: never recorded, never failed.
        let control = Router::new()
            .route("/__fake/media/{file}", get(serve_media))
            .route("/__fake/instances", get(control_dump))
            .route("/__fake/instances/{name}/{action}", post(control))
            .route("/__fake/sent", get(control_sent))
            .route("/__fake/read-marks", get(control_read_marks));
        // The stream's handshake is checked before socket.io sees it, as the real server's
        // `allowRequest` does.
        let app = control
            .merge(app)
            .with_state(fake.clone())
            .layer(stream_layer)
            .layer(axum::middleware::from_fn_with_state(fake.clone(), admit_stream));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { fake, task }
    }

    pub fn url(&self) -> &str {
        &self.fake.url
    }

    /// The names of the instances on the server, oldest first.
    pub fn instance_names(&self) -> Vec<String> {
        self.fake
            .world()
            .instances
            .iter()
            .map(|i| i.name.clone())
            .collect()
    }

    pub fn state_of(&self, name: &str) -> Option<&'static str> {
        self.fake
            .world()
            .instances
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.state)
    }

    pub fn webhook_url_of(&self, name: &str) -> Option<String> {
        self.fake
            .world()
            .instances
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.webhook.clone())
            .map(|w| w.url)
    }

    /// The `jwt_key` the instance's webhooks are signed with.
    pub fn webhook_secret_of(&self, name: &str) -> Option<String> {
        let webhook = self
            .fake
            .world()
            .instances
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.webhook.clone())?;
        webhook
            .headers
            .get("jwt_key")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }

    /// Removes an instance behind the app's back, as another tool or person would.
    pub fn remove(&self, name: &str) {
        self.fake.world().instances.retain(|i| i.name != name);
    }

    /// Runs as with `WEBSOCKET_ENABLED=true`: `websocket/set` switches an instance's socket.io
    /// stream on, and its events are emitted there as well as posted to its webhook.
    pub fn enable_streams(&self) {
        self.fake.world().streams = true;
    }

    /// Refuses every stream handshake from now on, as a server whose keys changed would.
    pub fn refuse_stream_keys(&self) {
        self.fake.world().refuse_stream_keys = true;
    }

    /// How many clients hold the instance's stream open.
    pub async fn stream_clients(&self, name: &str) -> usize {
        match self.fake.io.of(format!("/{name}")) {
            Some(namespace) => namespace.sockets().len(),
            None => 0,
        }
    }

    /// Closes every stream connection the server holds, as a restart of the server would.
    pub async fn drop_streams(&self) {
        self.fake.io.close().await;
    }

    /// Back up after `drop_streams`: each instance whose stream is on has its namespace again.
    pub fn reopen_streams(&self) {
        let names: Vec<String> = self
            .fake
            .world()
            .instances
            .iter()
            .filter(|i| i.stream_events.is_some())
            .map(|i| i.name.clone())
            .collect();
        for name in names {
            self.fake.open_namespace(&name);
        }
    }

    /// Answers as this version of Evolution API from now on (e.g. "2.4.0").
    pub fn set_version(&self, version: &str) {
        self.fake.world().version = Some(version.to_owned());
    }

    /// The picture last set on an instance's profile, decoded.
    pub fn picture_of(&self, name: &str) -> Option<Vec<u8>> {
        self.fake
            .world()
            .instances
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.picture.clone())
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        self.fake.world().sent.clone()
    }

    /// "METHOD path" of every request, oldest first.
    pub fn requests(&self) -> Vec<String> {
        self.fake.world().requests.clone()
    }

    /// Read receipts the server was asked to send: `(instance, remoteJid, message id)`.
    pub fn read_marks(&self) -> Vec<(String, String, String)> {
        self.fake.world().read_marks.clone()
    }

    pub fn set_not_on_whatsapp(&self, digits: &str) {
        self.fake.world().not_on_whatsapp.push(digits.to_owned());
    }

    /// From now on (or no longer), WhatsApp refuses every send as over the account's rate, the
    /// way Evolution passes Baileys' error on: 400 with `Error: rate-overlimit`.
    pub fn set_rate_overlimit(&self, limited: bool) {
        self.fake.world().rate_overlimit = limited;
    }

    pub fn fail_with(&self, status: Option<u16>) {
        self.fake.world().fail_with = status;
    }

    /// What the receiver answered to each webhook posted so far, oldest first.
    pub fn webhook_answers(&self) -> Vec<(String, Option<u16>)> {
        self.fake.world().webhook_answers.clone()
    }

    /// Holds back the answers of `route` (the path segment before the instance name, such as
    /// `connectionState` or `sendText`) for instance `name`, until the returned hold is released.
    pub fn hold(&self, name: &str, route: &str) -> Hold {
        let hold = Hold::new();
        let name = self.fake.resolve(name).unwrap_or_else(|| name.to_owned());
        self.fake
            .world()
            .holds
            .insert(0, (name, route.to_owned(), hold.clone()));
        hold
    }

    /// The phone scanned the QR: the instance opens (and the webhook says so).
    pub async fn open(&self, name: &str, profile_name: &str, phone_digits: &str) -> Option<u16> {
        self.fake
            .act(
                name,
                "open",
                &json!({"profileName": profile_name, "number": phone_digits}),
            )
            .await
    }

    pub async fn act(&self, name: &str, action: &str, body: &Value) -> Option<u16> {
        self.fake.act(name, action, body).await
    }

    /// Posts a raw webhook body for an instance, signed as the server signs, and returns the
    /// listener's HTTP status.
    pub async fn post_webhook(&self, name: &str, event: &str, data: Value) -> Option<u16> {
        self.fake.post_webhook(name, event, data).await
    }
}

/// Every request to the fake's API is recorded, and answers the simulated failure when one is set.
async fn record(
    State(fake): State<Fake>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (failure, hold) = {
        let mut world = fake.world();
        let path = request.uri().path().to_owned();
        world.requests.push(format!("{} {path}", request.method()));
        let mut segments = path.rsplit('/');
        let (name, route) = (
            segments.next().unwrap_or_default(),
            segments.next().unwrap_or_default(),
        );
        let hold = world
            .holds
            .iter()
            .find(|(held_name, held_route, _)| held_name == name && held_route == route)
            .map(|(_, _, hold)| hold.clone());
        (world.fail_with, hold)
    };
    let response = match failure {
        Some(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, json!(["simulated failure"]))
        }
        None => next.run(request).await,
    };
    if let Some(hold) = hold {
        hold.hold().await;
    }
    response
}

impl Fake {
    /// The guards, in the real server's order: instance exists (404) → apikey (401).
    fn guard(&self, headers: &HeaderMap, name: &str) -> Result<Instance, Response> {
        let instance = self
            .world()
            .instances
            .iter()
            .find(|i| i.name == name)
            .cloned()
            .ok_or_else(|| missing(name))?;
        let key = headers
            .get("apikey")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if key == self.api_key || key == instance.token {
            Ok(instance)
        } else {
            Err(unauthorized())
        }
    }

    fn update(&self, name: &str, change: impl FnOnce(&mut Instance)) -> Option<Instance> {
        let mut world = self.world();
        let instance = world.instances.iter_mut().find(|i| i.name == name)?;
        change(instance);
        Some(instance.clone())
    }

    fn resolve(&self, name: &str) -> Option<String> {
        let world = self.world();
        if name == "latest" {
            return world.instances.last().map(|i| i.name.clone());
        }
        world
            .instances
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.name.clone())
    }

    async fn post_webhook(&self, name: &str, event: &str, data: Value) -> Option<u16> {
        let instance = self.world().instances.iter().find(|i| i.name == name).cloned()?;
        self.emit_on_stream(&instance, event, &data).await;
        let webhook = instance.webhook.clone()?;
        let envelope = json!({
            "event": event,
            "instance": instance.name,
            "data": data,
            "destination": webhook.url,
            "date_time": misleading_date_time(),
            "sender": instance.owner,
            "server_url": self.url,
            "apikey": Value::Null,
        });
        let mut request = self.http.post(&webhook.url).json(&envelope);
        for (header, value) in &webhook.headers {
            let value = value.as_str().unwrap_or_default();
            if header == "jwt_key" {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let claims = json!({"iat": now, "exp": now + 600, "app": "evolution", "action": "webhook"});
                let token = jsonwebtoken::encode(
                    &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                    &claims,
                    &jsonwebtoken::EncodingKey::from_secret(value.as_bytes()),
                )
                .ok()?;
                request = request.bearer_auth(token);
            } else {
                request = request.header(header.as_str(), value);
            }
        }
        let status = match request.send().await {
            Ok(response) => Some(response.status().as_u16()),
            Err(error) => {
                tracing::warn!(%error, "webhook post failed");
                None
            }
        };
        self.world().webhook_answers.push((event.to_owned(), status));
        status
    }

    /// Lets stream clients join the instance's namespace.
    fn open_namespace(&self, name: &str) {
        if self.io.of(format!("/{name}")).is_none() {
            self.io.ns(
                format!("/{name}"),
                async |_socket: socketioxide::extract::SocketRef| {},
            );
        }
    }

    /// Emits an event on the instance's socket.io namespace when its stream is on for that
    /// event: the webhook's envelope, less `destination`.
    async fn emit_on_stream(&self, instance: &Instance, event: &str, data: &Value) {
        let configured = event.to_ascii_uppercase().replace('.', "_");
        let wanted = instance
            .stream_events
            .as_ref()
            .is_some_and(|events| events.contains(&configured));
        if !wanted || !self.world().streams {
            return;
        }
        let Some(namespace) = self.io.of(format!("/{}", instance.name)) else {
            return;
        };
        let envelope = json!({
            "event": event,
            "instance": instance.name,
            "data": data,
            "server_url": self.url,
            "date_time": misleading_date_time(),
            "sender": instance.owner,
            "apikey": Value::Null,
        });
        if let Err(error) = namespace.emit(event, &envelope).await {
            tracing::warn!(%error, "stream emit failed");
        }
    }

    /// One simulated phone-side event; returns the webhook listener's status if one was posted.
    async fn act(&self, name: &str, action: &str, body: &Value) -> Option<u16> {
        let name = self.resolve(name)?;
        match action {
            "open" => {
                let number = body["number"].as_str().unwrap_or("5511900000001").to_owned();
                let profile = body["profileName"].as_str().unwrap_or("Loja Exemplo").to_owned();
                let owner = format!("{number}@s.whatsapp.net");
                self.update(&name, |i| {
                    i.state = "open";
                    i.qr_count = 0;
                    i.profile_name = Some(profile.clone());
                    i.owner = Some(owner.clone());
                })?;
                let mut data =
                    contract_sample("evolution/webhook-connection-update-open.json")["data"].clone();
                data["instance"] = json!(name);
                data["wuid"] = json!(owner);
                data["profileName"] = json!(profile);
                self.post_webhook(&name, "connection.update", data).await
            }
            "close" => {
                let reason = body["statusReason"].as_i64().unwrap_or(401);
                self.update(&name, |i| i.state = "close")?;
                let data = json!({"instance": name, "state": "close", "statusReason": reason});
                self.post_webhook(&name, "connection.update", data).await
            }
            "qr" => {
                let instance = self.update(&name, |i| {
                    i.state = "connecting";
                    i.qr_count += 1;
                })?;
                if instance.qr_count > QR_LIMIT {
                    return Box::pin(self.act(&name, "qr-limit", body)).await;
                }
                let mut data = contract_sample("evolution/webhook-qrcode-updated.json")["data"].clone();
                data["qrcode"]["instance"] = json!(name);
                data["qrcode"]["code"] = qr_payload(instance.qr_count, false)["code"].clone();
                self.post_webhook(&name, "qrcode.updated", data).await
            }
            "qr-limit" => {
                self.update(&name, |i| i.state = "close")?;
                let limit =
                    json!({"message": "QR code limit reached, please login again", "statusCode": 500});
                self.post_webhook(&name, "qrcode.updated", limit).await;
                let refused = json!({"instance": name, "state": "refused", "statusReason": 428});
                self.post_webhook(&name, "connection.update", refused).await
            }
            "receipt" => {
                let status = body["status"].as_str().unwrap_or("DELIVERY_ACK").to_owned();
                if let Some(logged) = self
                    .world()
                    .log
                    .iter_mut()
                    .find(|l| l.instance == name && l.record["key"]["id"] == body["id"])
                {
                    logged.statuses.push(status);
                }
                let data = json!({
                    "keyId": body["id"],
                    "remoteJid": body["remoteJid"].as_str().unwrap_or("5511900000002@s.whatsapp.net"),
                    "fromMe": true,
                    "status": body["status"].as_str().unwrap_or("DELIVERY_ACK"),
                    "instanceId": self.update(&name, |_| {})?.id,
                    "messageId": "cmh0k2x9v0004qz8l1a2b3c4d",
                });
                self.post_webhook(&name, "messages.update", data).await
            }
            "inbound" => {
                let mut data = contract_sample("evolution/webhook-messages-upsert-text.json")["data"].clone();
                if let Some(id) = body["id"].as_str() {
                    data["key"]["id"] = json!(id);
                }
                if let Some(text) = body["text"].as_str() {
                    data["message"]["conversation"] = json!(text);
                }
                data["messageTimestamp"] = json!(body["at"].as_i64().unwrap_or_else(now_seconds));
                self.world().log.push(Logged {
                    instance: name.clone(),
                    record: data.clone(),
                    statuses: Vec::new(),
                });
                self.post_webhook(&name, "messages.upsert", data).await
            }
            // `{"on": false}` lifts it; no webhook tells of it.
            "rate-overlimit" => {
                self.world().rate_overlimit = body["on"].as_bool().unwrap_or(true);
                None
            }
            _ => None,
        }
    }
}

async fn root(State(fake): State<Fake>) -> Response {
    let version = fake.world().version.clone().unwrap_or_else(|| "2.3.6".into());
    Json(json!({
        "status": 200,
        "message": "Welcome to the Evolution API, it is working!",
        "version": version,
        "clientName": "evolution_exchange",
        "manager": format!("{}/manager", fake.url),
        "documentation": "https://doc.evolution-api.com",
        "whatsappWebVersion": "2.3000.1028450369"
    }))
    .into_response()
}

async fn create(State(fake): State<Fake>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, json!(["Unexpected token in JSON"]));
    };
    let name = request["instanceName"].as_str().unwrap_or_default().to_owned();
    if name.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["instance requires property \"instanceName\""]),
        );
    }
    if fake.world().instances.iter().any(|i| i.name == name) {
        return error(
            StatusCode::FORBIDDEN,
            json!([format!("This name \"{name}\" is already in use.")]),
        );
    }
    if headers.get("apikey").and_then(|v| v.to_str().ok()) != Some(fake.api_key.as_str()) {
        return unauthorized();
    }
    if request["integration"] != json!("WHATSAPP-BAILEYS") {
        return error(StatusCode::BAD_REQUEST, json!(["Invalid integration"]));
    }
    let webhook = &request["webhook"];
    let webhook = if webhook["enabled"] == json!(true) {
        if webhook["events"].as_array().is_none() {
            // The server reads events.length.
            return error(
                StatusCode::BAD_REQUEST,
                json!(["Cannot read properties of undefined (reading 'length')"]),
            );
        }
        let url = webhook["url"].as_str().unwrap_or_default().to_owned();
        let headers = webhook["headers"].as_object().cloned().unwrap_or_default();
        Some(Webhook { url, headers })
    } else {
        None
    };
    let instance = Instance {
        name: name.clone(),
        id: uuid::Uuid::new_v4().to_string(),
        token: uuid::Uuid::new_v4().to_string().to_uppercase(),
        state: "connecting",
        qr_count: 1,
        webhook: webhook.clone(),
        profile_name: None,
        owner: None,
        about: None,
        picture: None,
        stream_events: None,
    };
    fake.world().instances.push(instance.clone());
    if request["qrcode"] == json!(true) {
        // The real server opens the socket and waits for the first code before it answers, so
        // the code's webhook reaches the receiver before the create call returns.
        let mut data = contract_sample("evolution/webhook-qrcode-updated.json")["data"].clone();
        data["qrcode"]["instance"] = json!(name);
        data["qrcode"]["code"] = qr_payload(1, false)["code"].clone();
        fake.post_webhook(&name, "qrcode.updated", data).await;
    }
    let mut response = contract_sample("evolution/create-instance-response.json");
    response["instance"]["instanceName"] = json!(name);
    response["instance"]["instanceId"] = json!(instance.id);
    response["hash"] = json!(instance.token);
    response["webhook"] = json!({
        "webhookUrl": webhook.as_ref().map(|w| w.url.clone()),
        "webhookHeaders": webhook.as_ref().map(|w| w.headers.clone()),
        "webhookByEvents": false,
        "webhookBase64": false,
    });
    if request["qrcode"] == json!(true) {
        response["qrcode"] = qr_payload(1, false);
    } else {
        response.as_object_mut().map(|o| o.remove("qrcode"));
    }
    (StatusCode::CREATED, Json(response)).into_response()
}

fn instance_row(instance: &Instance) -> Value {
    json!({
        "id": instance.id,
        "name": instance.name,
        "connectionStatus": instance.state,
        "ownerJid": instance.owner,
        "profileName": instance.profile_name,
        "profilePicUrl": Value::Null,
        "integration": "WHATSAPP-BAILEYS",
        "number": Value::Null,
        "businessId": Value::Null,
        "token": instance.token,
        "clientName": "evolution_exchange",
        "disconnectionReasonCode": Value::Null,
        "disconnectionObject": Value::Null,
        "disconnectionAt": Value::Null,
        "createdAt": "2025-10-21T11:29:58.000Z",
        "updatedAt": "2025-10-21T11:30:41.000Z",
        "Setting": {},
        "_count": {"Message": 0, "Contact": 0, "Chat": 0}
    })
}

async fn fetch_instances(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let key = headers
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let world = fake.world();
    let global = key == fake.api_key;
    if !global && !world.instances.iter().any(|i| i.token == key) {
        return unauthorized();
    }
    let rows: Vec<Value> = world
        .instances
        .iter()
        // An instance token sees only its own instance.
        .filter(|i| global || i.token == key)
        .filter(|i| query.get("instanceName").is_none_or(|n| n == &i.name))
        .map(instance_row)
        .collect();
    Json(Value::Array(rows)).into_response()
}

async fn connect(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    match instance.state {
        "open" => Json(json!({"instance": {"instanceName": name, "state": "open"}})).into_response(),
        // Connecting: the current QR, no restart. Close: the socket opens and a fresh QR comes.
        state => {
            let pairing = query.contains_key("number");
            let updated = fake.update(&name, |i| {
                if state == "close" {
                    i.qr_count = 1;
                }
                i.state = "connecting";
            });
            let count = updated.map(|i| i.qr_count).unwrap_or(1);
            Json(qr_payload(count, pairing)).into_response()
        }
    }
}

async fn connection_state(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    match fake.guard(&headers, &name) {
        Ok(instance) => {
            Json(json!({"instance": {"instanceName": name, "state": instance.state}})).into_response()
        }
        Err(response) => response,
    }
}

async fn restart(
    State(fake): State<Fake>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if method != Method::POST {
        return error(
            StatusCode::NOT_FOUND,
            json!([format!("Cannot {method} /instance/restart/{name}")]),
        );
    }
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    match instance.state {
        "close" => Json(json!({"error": true, "message": "[object Object]"})).into_response(),
        "open" => Json(json!({"instance": {"instanceName": name, "state": "open"}})).into_response(),
        _ => Json(qr_payload(instance.qr_count, false)).into_response(),
    }
}

async fn logout(
    State(fake): State<Fake>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if method != Method::DELETE {
        return error(
            StatusCode::NOT_FOUND,
            json!([format!("Cannot {method} /instance/logout/{name}")]),
        );
    }
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    if instance.state == "close" {
        return error(
            StatusCode::BAD_REQUEST,
            json!([format!("The \"{name}\" instance is not connected")]),
        );
    }
    fake.update(&name, |i| {
        i.state = "close";
        i.owner = None;
    });
    Json(json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance logged out"}}))
        .into_response()
}

async fn delete(
    State(fake): State<Fake>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if method != Method::DELETE {
        return error(
            StatusCode::NOT_FOUND,
            json!([format!("Cannot {method} /instance/delete/{name}")]),
        );
    }
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    fake.world().instances.retain(|i| i.name != name);
    Json(json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance deleted"}}))
        .into_response()
}

/// `POST /websocket/set/{instance}`: with streams off the server answers 201 with an empty body.
async fn set_websocket(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    if !fake.world().streams {
        return StatusCode::CREATED.into_response();
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let websocket = &request["websocket"];
    let Some(enabled) = websocket["enabled"].as_bool() else {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["websocket requires property \"enabled\""]),
        );
    };
    let events: Vec<String> = websocket["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if enabled && events.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["websocket requires property \"events\""]),
        );
    }
    fake.update(&name, |i| i.stream_events = enabled.then(|| events.clone()));
    if enabled {
        fake.open_namespace(&name);
    }
    let row = json!({
        "id": "cmh0websocket01", "enabled": enabled, "events": events,
        "createdAt": "2025-10-21T11:29:58.000Z", "updatedAt": "2025-10-21T11:29:58.000Z", "instanceId": instance.id
    });
    (StatusCode::CREATED, Json(row)).into_response()
}

/// Lets a stream handshake through only with the global key or an instance's token, by the
/// `apikey` query or header; with streams off there is nothing at `/socket.io/`.
async fn admit_stream(
    State(fake): State<Fake>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !request.uri().path().starts_with("/socket.io") {
        return next.run(request).await;
    }
    let from_query = request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "apikey")
            .map(|(_, value)| value.into_owned())
    });
    let from_header = request
        .headers()
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (streams, admitted) = {
        let world = fake.world();
        let key = from_query.or(from_header).unwrap_or_default();
        let admitted = !world.refuse_stream_keys
            && !key.is_empty()
            && (key == fake.api_key || world.instances.iter().any(|i| i.token == key));
        (world.streams, admitted)
    };
    if !streams {
        return not_found(Method::GET, request.uri().clone()).await;
    }
    if !admitted {
        return (StatusCode::FORBIDDEN, "apiKey is invalid").into_response();
    }
    next.run(request).await
}

async fn set_webhook(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let webhook = &request["webhook"];
    if webhook["enabled"].as_bool().is_none() || webhook["url"].as_str().is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["webhook requires property \"url\""]),
        );
    }
    let url = webhook["url"].as_str().unwrap_or_default().to_owned();
    let hook_headers = webhook["headers"].as_object().cloned().unwrap_or_default();
    let enabled = webhook["enabled"] == json!(true);
    fake.update(&name, |i| {
        i.webhook = enabled.then(|| Webhook {
            url: url.clone(),
            headers: hook_headers.clone(),
        })
    });
    let row = json!({
        "id": "cmh0webhook0001", "url": url, "headers": hook_headers, "enabled": enabled,
        "events": webhook["events"], "webhookByEvents": false, "webhookBase64": false,
        "createdAt": "2025-10-21T11:29:58.000Z", "updatedAt": "2025-10-21T11:29:58.000Z", "instanceId": instance.id
    });
    (StatusCode::CREATED, Json(row)).into_response()
}

/// The checks every send route shares: guards, the number, not-on-WhatsApp and the connection.
/// Returns the instance name and the number's digits, or the error response.
fn check_send(
    fake: &Fake,
    headers: &HeaderMap,
    name: &str,
    request: &Value,
) -> Result<(Instance, String), Response> {
    let instance = fake.guard(headers, name)?;
    let Some(number) = request["number"].as_str() else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            json!(["instance requires property \"number\""]),
        ));
    };
    let digits: String = number
        .chars()
        .take_while(|c| *c != '@')
        .filter(char::is_ascii_digit)
        .collect();
    if fake.world().not_on_whatsapp.contains(&digits) {
        let mut body = contract_sample("evolution/error-400-number-not-on-whatsapp.json");
        body["response"]["message"][0]["jid"] = json!(format!("{digits}@s.whatsapp.net"));
        body["response"]["message"][0]["number"] = json!(digits);
        return Err((StatusCode::BAD_REQUEST, Json(body)).into_response());
    }
    if instance.state != "open" {
        return Err(error(StatusCode::BAD_REQUEST, json!(["Connection Closed"])));
    }
    if fake.world().rate_overlimit {
        return Err(error(StatusCode::BAD_REQUEST, json!(["Error: rate-overlimit"])));
    }
    Ok((instance, number.to_owned()))
}

/// Records an accepted send and answers with a message record shaped like the contract sample.
fn accept_send(
    fake: &Fake,
    instance: &Instance,
    number: &str,
    message: Value,
    message_type: &str,
    request: Value,
) -> Response {
    let chosen = request["messageId"]
        .as_str()
        .filter(|_| {
            fake.world()
                .version
                .as_deref()
                .is_some_and(|v| v.starts_with("2.4"))
        })
        .map(str::to_owned);
    // WhatsApp takes a message under an id it has seen as the same message: delivered once.
    if let Some(id) = &chosen {
        if fake.world().sent.iter().any(|s| &s.id == id) {
            let mut record = contract_sample("evolution/send-text-response.json");
            record["key"]["id"] = json!(id);
            return (StatusCode::CREATED, Json(record)).into_response();
        }
    }
    let id = chosen.unwrap_or_else(|| {
        let mut world = fake.world();
        world.next_message += 1;
        format!("3EB0{:018X}", world.next_message)
    });
    let jid = if number.contains('@') {
        number.to_owned()
    } else {
        format!("{number}@s.whatsapp.net")
    };
    let mut record = contract_sample("evolution/send-text-response.json");
    record["key"]["id"] = json!(id);
    record["key"]["remoteJid"] = json!(jid);
    record["message"] = message;
    record["messageType"] = json!(message_type);
    record["instanceId"] = json!(instance.id);
    record.as_object_mut().map(|o| o.remove("contextInfo"));
    let mut logged = record.clone();
    logged["messageTimestamp"] = json!(now_seconds());
    logged.as_object_mut().map(|o| o.remove("status"));
    fake.world().log.push(Logged {
        instance: instance.name.clone(),
        record: logged,
        statuses: vec!["PENDING".into()],
    });
    fake.world().sent.push(SentMessage {
        instance: instance.name.clone(),
        id,
        body: request,
    });
    (StatusCode::CREATED, Json(record)).into_response()
}

fn parse_body(body: &Bytes) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// `POST /message/{route}/{name}`: the checks every send shares, then the route's own.
async fn send(
    State(fake): State<Fake>,
    uri: Uri,
    headers: HeaderMap,
    Path((route, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let build: fn(&Value) -> Result<(Value, String), Response> = match route.as_str() {
        "sendText" => text_message,
        "sendMedia" => media_message,
        "sendLocation" => location_message,
        "sendContact" => contact_message,
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                json!([format!("Cannot POST {}", uri.path())]),
            )
        }
    };
    let request = parse_body(&body);
    let (instance, number) = match check_send(&fake, &headers, &name, &request) {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    match build(&request) {
        Ok((message, message_type)) => {
            accept_send(&fake, &instance, &number, message, &message_type, request)
        }
        Err(response) => response,
    }
}

fn bad_request(message: impl Into<Value>) -> Response {
    error(StatusCode::BAD_REQUEST, json!([message.into()]))
}

fn text_message(request: &Value) -> Result<(Value, String), Response> {
    let text = request["text"].as_str().unwrap_or_default();
    if text.is_empty() {
        return Err(bad_request("Text is required"));
    }
    Ok((json!({"conversation": text}), "conversation".into()))
}

fn media_message(request: &Value) -> Result<(Value, String), Response> {
    let media_type = request["mediatype"].as_str().unwrap_or_default();
    if !["image", "document", "video", "audio"].contains(&media_type) {
        return Err(bad_request(
            "mediatype must be one of image, document, video, audio",
        ));
    }
    let media = request["media"].as_str().unwrap_or_default();
    let is_url = media.starts_with("http://") || media.starts_with("https://");
    // A data: URL fails the server's base64 check; raw base64 passes.
    let is_base64 = !media.is_empty()
        && media
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=');
    if !is_url && !is_base64 {
        return Err(bad_request("Owned media must be a url or base64"));
    }
    if is_base64 && media_type == "document" && request["fileName"].as_str().is_none() {
        return Err(bad_request("For base64 the file name must be informed."));
    }
    let key = format!("{media_type}Message");
    let message = json!({ key.clone(): { "mimetype": request["mimetype"], "caption": request["caption"], "fileName": request["fileName"] } });
    Ok((message, key))
}

fn location_message(request: &Value) -> Result<(Value, String), Response> {
    for field in ["latitude", "longitude", "name", "address"] {
        if request.get(field).is_none_or(Value::is_null) {
            return Err(bad_request(format!("instance requires property \"{field}\"")));
        }
    }
    let message = json!({"locationMessage": {"degreesLatitude": request["latitude"], "degreesLongitude": request["longitude"], "name": request["name"], "address": request["address"]}});
    Ok((message, "locationMessage".into()))
}

fn contact_message(request: &Value) -> Result<(Value, String), Response> {
    let Some(cards) = request["contact"].as_array().filter(|c| !c.is_empty()) else {
        return Err(bad_request("instance requires property \"contact\""));
    };
    for card in cards {
        let phone_ok = card["phoneNumber"].as_str().is_some_and(|p| p.len() >= 10);
        if card["fullName"].as_str().is_none() || !phone_ok {
            return Err(bad_request(
                "contact requires fullName and a phoneNumber of at least 10 characters",
            ));
        }
    }
    Ok((
        json!({"contactMessage": {"displayName": cards[0]["fullName"]}}),
        "contactMessage".into(),
    ))
}

/// `POST /chat/whatsappNumbers/{name}`: whether each number is on WhatsApp, in the sample's shape.
async fn whatsapp_numbers(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    let request = parse_body(&body);
    let Some(numbers) = request["numbers"].as_array() else {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["instance requires property \"numbers\""]),
        );
    };
    let absent = fake.world().not_on_whatsapp.clone();
    let answer: Vec<Value> = numbers
        .iter()
        .filter_map(Value::as_str)
        .map(|number| {
            let digits: String = number.chars().filter(char::is_ascii_digit).collect();
            json!({
                "jid": format!("{digits}@s.whatsapp.net"),
                "exists": !absent.contains(&digits),
                "number": digits,
            })
        })
        .collect();
    Json(Value::Array(answer)).into_response()
}

/// `chat/markMessageAsRead`: `{readMessages: [{remoteJid, fromMe, id}]}`, as Evolution's
/// ReadMessageDto validates it.
async fn mark_message_as_read(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    let request = parse_body(&body);
    let marks: Option<Vec<(String, String)>> = request["readMessages"].as_array().and_then(|items| {
        items
            .iter()
            .map(|item| {
                item["fromMe"].as_bool()?;
                Some((
                    item["remoteJid"].as_str()?.to_owned(),
                    item["id"].as_str()?.to_owned(),
                ))
            })
            .collect()
    });
    let Some(marks) = marks else {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["instance requires property \"readMessages\""]),
        );
    };
    let mut world = fake.world();
    for (jid, id) in marks {
        world.read_marks.push((name.clone(), jid, id));
    }
    Json(json!({ "message": "Read messages", "read": "success" })).into_response()
}

async fn fetch_all_groups(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    if !query.contains_key("getParticipants") {
        return error(
            StatusCode::BAD_REQUEST,
            json!(["The getParticipants needs to be informed in the query"]),
        );
    }
    Json(json!([{
        "id": "120363025246125888@g.us", "subject": "Clientes VIP", "subjectOwner": "5511900000001@s.whatsapp.net",
        "subjectTime": 1760887925, "pictureUrl": null, "size": 12, "creation": 1760887925,
        "owner": "5511900000001@s.whatsapp.net", "desc": "", "descId": null, "restrict": false, "announce": false,
        "isCommunity": false, "isCommunityAnnounce": false, "linkedParent": null
    }]))
    .into_response()
}

async fn media_base64(State(fake): State<Fake>, headers: HeaderMap, Path(name): Path<String>) -> Response {
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    let sample = contract_sample("evolution/webhook-messages-upsert-image.json");
    Json(json!({
        "mediaType": "imageMessage", "fileName": null, "caption": "Chegou assim 😕",
        "size": {"fileLength": {"low": 170, "high": 0, "unsigned": true}, "height": 48, "width": 64},
        "mimetype": "image/jpeg", "base64": sample["data"]["message"]["base64"],
    }))
    .into_response()
}

/// Paging as the server does it: `offset` is the page size (default 50), `page` counts from 1.
fn paging(request: &Value) -> (usize, usize) {
    let size = request["offset"].as_u64().unwrap_or(50).max(1) as usize;
    let page = request["page"].as_u64().unwrap_or(1).max(1) as usize;
    (size, page)
}

fn seconds_of(value: &Value) -> Option<i64> {
    let text = value.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// `POST /chat/findMessages/{name}`: the store, newest first, filtered by `key.id` and by
/// `messageTimestamp` (only when both `gte` and `lte` are given), in pages of `offset`.
async fn find_messages(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    let request = parse_body(&body);
    let filter = &request["where"];
    let range = match (
        seconds_of(&filter["messageTimestamp"]["gte"]),
        seconds_of(&filter["messageTimestamp"]["lte"]),
    ) {
        (Some(from), Some(to)) => Some((from, to)),
        _ => None,
    };
    let mut found: Vec<Value> = fake
        .world()
        .log
        .iter()
        .rev()
        .filter(|l| l.instance == name)
        .filter(|l| filter["key"]["id"].is_null() || l.record["key"]["id"] == filter["key"]["id"])
        .filter(|l| {
            let at = l.record["messageTimestamp"].as_i64().unwrap_or(0);
            range.is_none_or(|(from, to)| from <= at && at <= to)
        })
        .map(|l| {
            let mut record = l.record.clone();
            record["MessageUpdate"] = l.statuses.iter().map(|s| json!({"status": s})).collect();
            record
        })
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r["messageTimestamp"].as_i64().unwrap_or(0)));
    let (size, page) = paging(&request);
    let total = found.len();
    let records: Vec<Value> = found.into_iter().skip(size * (page - 1)).take(size).collect();
    Json(json!({"messages": {"total": total, "pages": total.div_ceil(size), "currentPage": page, "records": records}}))
        .into_response()
}

/// `POST /chat/findStatusMessage/{name}`: one row per status a message's receipts brought,
/// filtered by `where.id` (the message's key id), as a plain array.
async fn find_status_message(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    let request = parse_body(&body);
    let wanted = &request["where"]["id"];
    let rows: Vec<Value> = fake
        .world()
        .log
        .iter()
        .filter(|l| l.instance == name && (wanted.is_null() || &l.record["key"]["id"] == wanted))
        .flat_map(|l| {
            l.statuses.iter().map(|status| {
                json!({
                    "id": uuid::Uuid::new_v4().to_string(), "keyId": l.record["key"]["id"],
                    "remoteJid": l.record["key"]["remoteJid"], "fromMe": l.record["key"]["fromMe"],
                    "participant": null, "pollUpdates": null, "status": status,
                    "messageId": "cmh0k2x9v0004qz8l1a2b3c4d", "instanceId": instance.id,
                })
            })
        })
        .collect();
    let (size, page) = paging(&request);
    Json(Value::Array(
        rows.into_iter().skip(size * (page - 1)).take(size).collect(),
    ))
    .into_response()
}

/// `chat/fetchProfile` for a number: the account's own profile for its own number; the 2.3.6
/// error for one not on WhatsApp; an empty profile otherwise.
async fn fetch_profile(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let instance = match fake.guard(&headers, &name) {
        Ok(instance) => instance,
        Err(response) => return response,
    };
    let digits: String = parse_body(&body)["number"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let jid = format!("{digits}@s.whatsapp.net");
    if fake.world().not_on_whatsapp.contains(&digits) {
        return error(
            StatusCode::BAD_REQUEST,
            json!([{"jid": jid, "exists": false, "number": digits}]),
        );
    }
    if instance.owner.as_deref() == Some(jid.as_str()) {
        let picture = instance
            .picture
            .as_ref()
            .map(|jpeg| format!("https://pps.whatsapp.net/v/t61/{}.jpg", jpeg.len()));
        return Json(json!({
            "wuid": jid, "name": instance.profile_name, "numberExists": true, "picture": picture,
            "status": instance.about, "isBusiness": false,
        }))
        .into_response();
    }
    Json(json!({"wuid": jid, "name": null, "numberExists": true, "picture": null, "status": null, "isBusiness": false}))
        .into_response()
}

/// `chat/updateProfileName`, `updateProfileStatus`, `updateProfilePicture` (POST, raw base64) and
/// `removeProfilePicture` (DELETE), with the server's checks.
async fn update_profile(
    State(fake): State<Fake>,
    method: Method,
    headers: HeaderMap,
    Path((route, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Err(response) = fake.guard(&headers, &name) {
        return response;
    }
    let request = parse_body(&body);
    let field = |key: &str| request[key].as_str().map(str::to_owned);
    let empty = |key: &str| {
        error(
            StatusCode::BAD_REQUEST,
            json!([format!("The \"{key}\" cannot be empty")]),
        )
    };
    use base64::Engine as _;
    let updated = match (method, route.as_str()) {
        (Method::POST, "updateProfileName") => match field("name").filter(|n| !n.is_empty()) {
            Some(new) => fake.update(&name, |i| i.profile_name = Some(new)),
            None => return empty("name"),
        },
        (Method::POST, "updateProfileStatus") => match field("status").filter(|s| !s.is_empty()) {
            Some(new) => fake.update(&name, |i| i.about = Some(new)),
            None => return empty("status"),
        },
        (Method::POST, "updateProfilePicture") => {
            let picture = field("picture").unwrap_or_default();
            match base64::engine::general_purpose::STANDARD.decode(&picture) {
                Ok(bytes) if !bytes.is_empty() => fake.update(&name, |i| i.picture = Some(bytes)),
                // The server re-throws the inner 400 as a 500 with "[object Object]".
                _ => {
                    return error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        json!(["Error updating profile picture", "[object Object]"]),
                    )
                }
            }
        }
        (Method::DELETE, "removeProfilePicture") => fake.update(&name, |i| i.picture = None),
        (method, route) => {
            return error(
                StatusCode::NOT_FOUND,
                json!([format!("Cannot {method} /chat/{route}/{name}")]),
            )
        }
    };
    match updated {
        Some(_) => Json(json!({"update": "success"})).into_response(),
        None => missing(&name),
    }
}

/// Media for send tests: `photo.png` (a small PNG), `big.png` (over WhatsApp's 5 MB image limit, by
/// its Content-Length), `doc.pdf`; anything else is 404.
async fn serve_media(method: Method, Path(file): Path<String>) -> Response {
    let sample = contract_sample("evolution/connect-response.json");
    let png_b64 = sample["base64"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("data:image/png;base64,")
        .to_owned();
    use base64::Engine as _;
    let (mime, body) = match file.as_str() {
        "photo.png" => (
            "image/png",
            base64::engine::general_purpose::STANDARD
                .decode(png_b64)
                .unwrap_or_default(),
        ),
        "big.png" => ("image/png", vec![0; 6 * 1024 * 1024]),
        "doc.pdf" => ("application/pdf", b"%PDF-1.4 fake".to_vec()),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let length = body.len().to_string();
    let body = if method == Method::HEAD { Vec::new() } else { body };
    (
        [("content-type", mime.to_owned()), ("content-length", length)],
        body,
    )
        .into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        json!([format!("Cannot {method} {}", uri.path())]),
    )
}

async fn control(
    State(fake): State<Fake>,
    Path((name, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    const ACTIONS: [&str; 7] = [
        "open",
        "close",
        "qr",
        "qr-limit",
        "receipt",
        "inbound",
        "rate-overlimit",
    ];
    if fake.resolve(&name).is_none() || !ACTIONS.contains(&action.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such instance or action"})),
        )
            .into_response();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // The state changes either way; the status is null when no webhook is configured or it failed.
    let webhook_status = fake.act(&name, &action, &body).await;
    Json(json!({"webhookStatus": webhook_status})).into_response()
}

async fn control_dump(State(fake): State<Fake>) -> Response {
    let rows: Vec<Value> = fake.world().instances.iter().map(instance_row).collect();
    Json(Value::Array(rows)).into_response()
}

async fn control_read_marks(State(fake): State<Fake>) -> Response {
    let marks: Vec<Value> = fake
        .world()
        .read_marks
        .iter()
        .map(|(instance, jid, id)| json!({"instance": instance, "remoteJid": jid, "id": id}))
        .collect();
    Json(Value::Array(marks)).into_response()
}

async fn control_sent(State(fake): State<Fake>) -> Response {
    let sent: Vec<Value> = fake
        .world()
        .sent
        .iter()
        .map(|s| json!({"instance": s.instance, "id": s.id, "body": s.body}))
        .collect();
    Json(Value::Array(sent)).into_response()
}
