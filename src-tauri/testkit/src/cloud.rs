//! The fake Meta WhatsApp Cloud API (Graph API) server.
//!
//! `FakeCloud` owns both sides of the Cloud API that a client meets:
//! - the Graph routes under any `v<major>.<minor>` segment: phone-number health fields, sends and
//!   read marks (`/{PNID}/messages`), media upload (`/{PNID}/media`), media lookup and download,
//!   message templates (paged), app subscription and number registration, with Meta's error bodies
//!   (codes 100, 104, 190 with subcodes 460/463, 131056, 132000, 132001, 132015);
//! - Meta's calls back: the callback verification handshake, and webhooks signed with the app
//!   secret (`X-Hub-Signature-256`) whose bodies escape every non-ASCII character and `/` the way
//!   Meta's encoder does, so a receiver that re-serialises before checking the signature fails.
//!
//! The traps the contract documents are reproduced: a free-form send outside the customer's 24-hour
//! window is answered 200 with a `wamid` and fails afterwards by webhook (131047), as does a send to
//! a number that is not on WhatsApp (131026); media URLs expire after five minutes of the fake clock
//! and need the bearer token.
//!
//! Where the contract is silent: `display_phone_number` is answered as Meta formats it ("+1
//! 555-000-1234", "+55 11 90000-0001", else "+" and the digits) while webhooks carry the digits;
//! the fake clock is real time plus every `advance`; webhooks of a WABA without a verified callback
//! are dropped; only BODY variables and TEXT-header variables are counted against a template
//! send's parameters (media headers are not checked); JSON keys come out in alphabetical order.
//!
//! Tests drive the customer side, the clock and failures through methods (`customer_writes`,
//! `post_status`, `advance`, `fail_next`, …) or, from another process (the `fake-cloud` binary),
//! through the same operations under `/__fake/…`.

// Handlers and their helpers return Graph errors as early errors; their size is no concern in a
// test fake.
#![allow(clippy::result_large_err)]

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A phone number on the fake, with what Meta's provisioning hands out for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudNumber {
    pub phone_number_id: String,
    pub waba_id: String,
    /// Digits with country code, e.g. "15550001234" (as webhooks' `metadata` carries it).
    pub display_phone_number: String,
    pub verified_name: String,
    /// The bearer token that works for this number's WABA.
    pub token: String,
    /// Signs the webhooks of this number.
    pub app_secret: String,
}

impl CloudNumber {
    /// The number `fake-cloud` starts with (and `FakeCloud::add_demo` adds).
    pub fn demo() -> Self {
        Self {
            phone_number_id: "100000000000001".into(),
            waba_id: "200000000000002".into(),
            display_phone_number: "15550001234".into(),
            verified_name: "Loja Demo".into(),
            token: "e2e-cloud-token".into(),
            app_secret: "e2e-app-secret".into(),
        }
    }
}

/// A message template of a WABA, as `message_templates` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct CloudTemplate {
    pub name: String,
    pub language: String,
    /// APPROVED, PENDING, REJECTED, PAUSED or DISABLED.
    pub status: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: String,
    /// Graph's components array: `[{"type":"BODY","text":"Hi {{1}}"}, …]`.
    #[serde(default)]
    pub components: Value,
}

impl CloudTemplate {
    /// A template whose only component is a BODY with this text.
    pub fn with_body(name: &str, language: &str, status: &str, category: &str, body: &str) -> Self {
        Self {
            name: name.into(),
            language: language.into(),
            status: status.into(),
            category: category.into(),
            components: json!([{"type": "BODY", "text": body}]),
        }
    }
}

/// A send the fake accepted (answered 200 with a `wamid`), whatever happened to it afterwards.
#[derive(Debug, Clone)]
pub struct CloudSent {
    pub phone_number_id: String,
    pub wamid: String,
    /// The request body as the client sent it.
    pub body: Value,
}

/// A failure the next Graph request meets instead of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudFault {
    /// This HTTP status with a Graph error body: code 2 (transient) for 502/503/504, else code 1.
    Status(u16),
    /// No answer ever: the request hangs until the client gives up.
    Timeout,
    /// The connection is closed without an answer.
    Reset,
    /// A Graph error with this code and HTTP status, e.g. 130429, 131056, 131048, 368.
    Graph { code: i64, http: u16 },
}

const MESSAGE_TYPES: [&str; 11] = [
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "reaction",
    "template",
];
const MEDIA_KINDS: [&str; 5] = ["image", "video", "audio", "document", "sticker"];
/// The customer service window: free-form messages only this long after the customer's last one.
const WINDOW_SECONDS: i64 = 24 * 3600;
/// The pair rate limit: at most this many messages to one customer within `PAIR_SECONDS`.
const PAIR_LIMIT: usize = 6;
const PAIR_SECONDS: i64 = 6;
/// How long a media download URL works (about five minutes at Meta).
const MEDIA_URL_SECONDS: i64 = 300;
/// Meta's largest upload (documents); axum's 2 MB default would refuse ordinary videos.
const MAX_UPLOAD: usize = 100 * 1024 * 1024;
/// Follow-up webhooks of a send wait this long after its answer left, so the client has the `wamid`
/// before it hears about it.
const AFTER_ANSWER: Duration = Duration::from_millis(30);
const ERROR_CODES_HREF: &str = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";
const RE_ENGAGEMENT_DETAILS: &str =
    "Message failed to send because more than 24 hours have passed since the customer last replied to this number.";

#[derive(Debug, Clone)]
struct Number {
    info: CloudNumber,
    quality_rating: String,
    status: String,
    tier: String,
}

#[derive(Debug, Clone)]
struct Template {
    waba_id: String,
    id: String,
    template: CloudTemplate,
}

#[derive(Debug, Clone)]
struct Media {
    bytes: Vec<u8>,
    mime: String,
    /// Only tokens of this WABA may see or download it.
    waba_id: String,
}

/// What status webhooks of a sent message need.
#[derive(Debug, Clone)]
struct Outgoing {
    phone_number_id: String,
    recipient: String,
    pricing: Value,
}

#[derive(Default)]
struct World {
    numbers: Vec<Number>,
    templates: Vec<Template>,
    /// Expired tokens and the fake time they expired at.
    expired: HashMap<String, i64>,
    revoked: HashSet<String>,
    not_on_whatsapp: HashSet<String>,
    faults: VecDeque<CloudFault>,
    clock_offset: i64,
    sent: Vec<CloudSent>,
    outgoing: HashMap<String, Outgoing>,
    read_marks: Vec<(String, String)>,
    requests: Vec<String>,
    media: HashMap<String, Media>,
    /// The verified callback URL of each WABA.
    callbacks: HashMap<String, String>,
    webhook_answers: Vec<(Option<u16>, String)>,
    /// When each customer last wrote to each number: `(phone_number_id, wa_id)`.
    last_inbound: HashMap<(String, String), i64>,
    /// Recent sends to each customer from each number, for the pair rate limit.
    recent_sends: HashMap<(String, String), Vec<i64>>,
    auto_receipts: bool,
    next_id: u64,
    /// Random per fake, so that ids from two fakes in one test process never collide.
    id_prefix: u32,
}

fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl World {
    fn now(&self) -> i64 {
        real_now().saturating_add(self.clock_offset)
    }

    fn number(&self, phone_number_id: &str) -> Option<&Number> {
        self.numbers
            .iter()
            .find(|n| n.info.phone_number_id == phone_number_id)
    }

    fn number_mut(&mut self, phone_number_id: &str) -> Option<&mut Number> {
        self.numbers
            .iter_mut()
            .find(|n| n.info.phone_number_id == phone_number_id)
    }

    fn serial(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A numeric id, as Meta's media and template ids are.
    fn numeric_id(&mut self, base: u64) -> String {
        let serial = self.serial();
        (base + u64::from(self.id_prefix % 1000) * 1_000_000 + serial).to_string()
    }

    /// A `wamid.` shaped like Meta's: base64 of a small binary record holding the customer's
    /// number and a unique tail (the contract samples decode the same way).
    fn wamid(&mut self, customer: &str, outbound: bool) -> String {
        let serial = self.serial();
        let tail = format!("{:06X}{serial:08X}", self.id_prefix & 0x00ff_ffff);
        let digits: Vec<u8> = customer.bytes().take(200).collect();
        let mut record = vec![0x1c, 0x18, digits.len() as u8];
        record.extend_from_slice(&digits);
        record.extend_from_slice(&[0x15, 0x02, 0x00]);
        if outbound {
            record.extend_from_slice(&[0x11, 0x18, 0x12]);
            record.extend_from_slice(format!("FAKE{tail}").as_bytes());
        } else {
            record.extend_from_slice(&[0x12, 0x18, 0x14]);
            record.extend_from_slice(format!("3AFAKE{tail}").as_bytes());
        }
        record.push(0x00);
        format!(
            "wamid.{}",
            base64::engine::general_purpose::STANDARD.encode(record)
        )
    }

    fn register_media(&mut self, bytes: Vec<u8>, mime: String, waba_id: &str) -> String {
        let id = self.numeric_id(1_029_384_756_000_000);
        self.media.insert(
            id.clone(),
            Media {
                bytes,
                mime,
                waba_id: waba_id.to_owned(),
            },
        );
        id
    }

    /// The first number of a WABA: its app secret signs the WABA-level webhooks.
    fn waba_number(&self, waba_id: &str) -> Option<&Number> {
        self.numbers.iter().find(|n| n.info.waba_id == waba_id)
    }
}

#[derive(Clone)]
struct Fake {
    /// "http://127.0.0.1:PORT/"
    base: String,
    world: Arc<Mutex<World>>,
    http: reqwest::Client,
}

impl Fake {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Closes the connection a request came on: the connection task listens for it.
#[derive(Clone)]
struct ResetSwitch(Arc<tokio::sync::Notify>);

/// The running fake; dropping it stops the server and closes its connections.
pub struct FakeCloud {
    fake: Fake,
    _shutdown: tokio::sync::watch::Sender<()>,
}

// ---------------------------------------------------------------------------------------------
// JSON as Meta writes it, and Graph errors.

/// Compact JSON with every non-ASCII character as `\uXXXX` (UTF-16 surrogate pairs beyond the
/// BMP) and `/` as `\/`, as Meta's encoder writes webhooks and Graph answers. Both only ever occur
/// inside strings of serde_json's output, and serde_json never escapes them itself, so a plain
/// character pass is exact.
fn meta_json(value: &Value) -> String {
    let plain = value.to_string();
    let mut out = String::with_capacity(plain.len() + plain.len() / 8);
    for ch in plain.chars() {
        if ch == '/' {
            out.push_str("\\/");
        } else if ch.is_ascii() {
            out.push(ch);
        } else {
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

const GRAPH_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

fn graph_json(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, GRAPH_CONTENT_TYPE)],
        meta_json(value),
    )
        .into_response()
}

/// Answers `value`, then runs `then` once the answer has been handed to the connection: the
/// body's last owner drops it after writing, which is when the guard fires.
fn answer_then(value: &Value, then: impl FnOnce() + Send + 'static) -> Response {
    struct OnDrop<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for OnDrop<F> {
        fn drop(&mut self) {
            if let Some(then) = self.0.take() {
                then();
            }
        }
    }
    let bytes = Bytes::from(meta_json(value));
    let length = bytes.len();
    let guard = OnDrop(Some(then));
    let stream = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]).map(move |chunk| {
        let _keep = &guard;
        chunk
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_CONTENT_TYPE));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

fn fbtrace_id() -> String {
    let raw = uuid::Uuid::new_v4().simple().to_string();
    format!("A{}", &raw[..22])
}

/// A Graph error body: `{"error":{message,type,code,error_subcode?,is_transient?,error_data?,fbtrace_id}}`.
#[derive(Debug)]
struct GraphError {
    http: u16,
    code: i64,
    subcode: Option<i64>,
    kind: &'static str,
    message: String,
    details: Option<String>,
    transient: Option<bool>,
}

impl GraphError {
    fn new(http: u16, code: i64, message: impl Into<String>) -> Self {
        Self {
            http,
            code,
            subcode: None,
            kind: "OAuthException",
            message: message.into(),
            details: None,
            transient: None,
        }
    }

    fn details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    fn subcode(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("message".into(), json!(self.message));
        error.insert("type".into(), json!(self.kind));
        error.insert("code".into(), json!(self.code));
        if let Some(subcode) = self.subcode {
            error.insert("error_subcode".into(), json!(subcode));
        }
        if let Some(transient) = self.transient {
            error.insert("is_transient".into(), json!(transient));
        }
        if let Some(details) = &self.details {
            error.insert(
                "error_data".into(),
                json!({"messaging_product": "whatsapp", "details": details}),
            );
        }
        error.insert("fbtrace_id".into(), json!(fbtrace_id()));
        json!({ "error": error })
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.http).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = graph_json(status, &self.body());
        if self.code == 190 {
            // Graph names the failure in the challenge header of every token error.
            let challenge = format!(
                "OAuth \"Facebook Platform\" \"invalid_token\" \"{}\"",
                self.message
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// Code 100 with `details` naming the field at fault.
fn invalid(details: impl Into<String>) -> GraphError {
    GraphError::new(400, 100, "(#100) Invalid parameter").details(details)
}

fn required(field: &str) -> GraphError {
    invalid(format!("The parameter {field} is required."))
}

fn unknown_path(path: &str) -> GraphError {
    GraphError::new(400, 100, format!("Unknown path components: /{path}"))
}

/// An id that does not exist, or that the token may not see: Meta answers both alike.
fn unsupported(method: &Method, id: &str) -> GraphError {
    let mut error = GraphError::new(
        400,
        100,
        format!(
            "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
            method.as_str().to_ascii_lowercase()
        ),
    )
    .subcode(33);
    error.kind = "GraphMethodException";
    error
}

fn nonexisting_field(field: &str, node: &str) -> GraphError {
    GraphError::new(
        400,
        100,
        format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    )
}

/// Meta's title and details of the error codes a messaging client meets.
fn known_error(code: i64, http: u16) -> GraphError {
    let (title, details) = match code {
        1 => return GraphError::new(http, 1, "An unknown error has occurred."),
        2 => {
            let mut error = GraphError::new(
                http,
                2,
                "An unexpected error has occurred. Please retry your request later.",
            );
            error.transient = Some(true);
            return error;
        }
        190 => return invalid_token(http),
        4 => ("Application request limit reached", None),
        80007 => ("Rate limit issues", None),
        100 => ("Invalid parameter", None),
        368 => (
            "Temporarily blocked for policies violations",
            Some("The phone number is temporarily blocked for violating WhatsApp policies."),
        ),
        130429 => (
            "Rate limit hit",
            Some("Message failed to send because there were too many messages sent from this phone number in a short period of time"),
        ),
        131000 => ("Something went wrong", Some("Message failed to send due to an unknown error.")),
        131026 => ("Message undeliverable", Some("Message Undeliverable.")),
        131047 => ("Re-engagement message", Some(RE_ENGAGEMENT_DETAILS)),
        131048 => (
            "Spam rate limit hit",
            Some("Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam."),
        ),
        131049 => (
            "Meta chose not to deliver.",
            Some("This message was not delivered to maintain healthy ecosystem engagement."),
        ),
        131056 => (
            "(Business Account, Consumer Account) pair rate limit hit",
            Some("Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."),
        ),
        132000 => ("Number of parameters does not match the expected number of params", None),
        132001 => ("Template name does not exist in the translation", None),
        132015 => (
            "Template is Paused",
            Some("Template is paused due to low quality so it cannot be sent in a template message"),
        ),
        133010 => ("Account not registered", Some("Phone number is not registered on the WhatsApp Business Platform.")),
        _ => ("Error", None),
    };
    let error = GraphError::new(http, code, format!("(#{code}) {title}"));
    match details {
        Some(details) => error.details(details),
        None => error,
    }
}

fn invalid_token(http: u16) -> GraphError {
    GraphError::new(
        http,
        190,
        "Invalid OAuth access token - Cannot parse access token",
    )
}

/// Meta's token-expiry dates: Pacific time, labelled as such (daylight saving ignored).
fn pacific(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds.saturating_sub(8 * 3600), 0)
        .map(|t| t.format("%A, %d-%b-%y %H:%M:%S PST").to_string())
        .unwrap_or_default()
}

fn status_fault(status: u16) -> GraphError {
    if matches!(status, 502..=504) {
        known_error(2, status)
    } else {
        known_error(1, status)
    }
}

/// The status webhook's `errors` entry for a failure code, in the sample's shape.
fn status_errors(code: i64) -> Value {
    let error = known_error(code, 400);
    let title = error
        .message
        .split_once(") ")
        .map_or(error.message.as_str(), |(_, title)| title)
        .to_owned();
    json!([{
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": error.details.unwrap_or_else(|| title.clone())},
        "href": ERROR_CODES_HREF,
    }])
}

// ---------------------------------------------------------------------------------------------
// Start-up, serving, and the test-facing methods.

/// Serves each connection itself rather than through `axum::serve`, so that a `Reset` fault can
/// drop the connection without an answer: the connection's future is raced against its switch.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    mut shutdown: tokio::sync::watch::Receiver<()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "fake cloud accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let switch = ResetSwitch(Arc::new(tokio::sync::Notify::new()));
        let reset = switch.0.clone();
        let service = TowerToHyperService::new(app.clone().layer(Extension(switch)));
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let builder = Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = reset.notified() => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

impl FakeCloud {
    /// On 127.0.0.1 and a free port.
    pub async fn start() -> FakeCloud {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> FakeCloud {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind fake cloud");
        let base = format!("http://{}/", listener.local_addr().expect("local addr"));
        let world = World {
            id_prefix: (uuid::Uuid::new_v4().as_u128() & 0xffff_ffff) as u32,
            ..World::default()
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        let fake = Fake {
            base,
            world: Arc::new(Mutex::new(world)),
            http,
        };
        // Everything but the control surface is recorded and can be failed.
        let graph_routes = Router::new()
            .route("/__media/{id}", get(download))
            .fallback(graph)
            .layer(DefaultBodyLimit::max(MAX_UPLOAD))
            .layer(axum::middleware::from_fn_with_state(fake.clone(), intercept));
        let control = Router::new()
            .route("/__fake/numbers", post(control_numbers))
            .route("/__fake/templates/{waba}", post(control_templates))
            .route("/__fake/template-status/{waba}", post(control_template_status))
            .route("/__fake/subscribe", post(control_subscribe))
            .route("/__fake/customer-writes", post(control_customer_writes))
            .route("/__fake/status", post(control_status))
            .route("/__fake/advance", post(control_advance))
            .route("/__fake/now", get(control_now))
            .route("/__fake/auto-receipts", post(control_auto_receipts))
            .route("/__fake/health", post(control_health))
            .route("/__fake/messaging-limit", post(control_messaging_limit))
            .route("/__fake/expire-token", post(control_expire_token))
            .route("/__fake/revoke-token", post(control_revoke_token))
            .route("/__fake/not-on-whatsapp", post(control_not_on_whatsapp))
            .route("/__fake/fail-next", post(control_fail_next))
            .route("/__fake/sent", get(control_sent))
            .route("/__fake/read-marks", get(control_read_marks))
            .route("/__fake/requests", get(control_requests))
            .route("/__fake/webhook-answers", get(control_webhook_answers));
        let app = control.merge(graph_routes).with_state(fake.clone());
        let (shutdown, watch) = tokio::sync::watch::channel(());
        tokio::spawn(serve(listener, app, watch));
        FakeCloud {
            fake,
            _shutdown: shutdown,
        }
    }

    /// The Graph base, "http://127.0.0.1:PORT/": clients append "v23.0/…".
    pub fn url(&self) -> String {
        self.fake.base.clone()
    }

    /// Adds a number (or replaces the one with the same phone_number_id): GREEN, CONNECTED,
    /// TIER_250.
    pub fn add_number(&self, number: CloudNumber) {
        self.fake.add_number(number);
    }

    /// Adds a template to a WABA (or replaces the one with the same name and language).
    pub fn add_template(&self, waba_id: &str, template: CloudTemplate) {
        self.fake.add_template(waba_id, template);
    }

    /// The demo number of `CloudNumber::demo` and two templates: `order_shipped` (en_US, APPROVED,
    /// UTILITY, two body variables) and `summer_sale` (pt_BR, PAUSED, MARKETING, one).
    pub fn add_demo(&self) {
        let number = CloudNumber::demo();
        let waba = number.waba_id.clone();
        self.add_number(number);
        self.add_template(
            &waba,
            CloudTemplate::with_body(
                "order_shipped",
                "en_US",
                "APPROVED",
                "UTILITY",
                "Hi {{1}}, your order {{2}} shipped today.",
            ),
        );
        self.add_template(
            &waba,
            CloudTemplate::with_body("summer_sale", "pt_BR", "PAUSED", "MARKETING", "Olá {{1}}!"),
        );
    }

    /// Changes a template's status, and posts the `message_template_status_update` webhook Meta
    /// sends for it (in the background, when a runtime is at hand and the WABA has a callback).
    pub fn set_template_status(&self, waba_id: &str, name: &str, language: &str, status: &str) {
        self.fake.set_template_status(waba_id, name, language, status);
    }

    pub fn set_health(&self, phone_number_id: &str, quality_rating: &str, status: &str) {
        if let Some(number) = self.fake.world().number_mut(phone_number_id) {
            number.quality_rating = quality_rating.to_owned();
            number.status = status.to_owned();
        }
    }

    pub fn set_messaging_limit(&self, phone_number_id: &str, tier: &str) {
        if let Some(number) = self.fake.world().number_mut(phone_number_id) {
            number.tier = tier.to_owned();
        }
    }

    /// From now on the token gets HTTP 401 code 190 subcode 463.
    pub fn expire_token(&self, token: &str) {
        let mut world = self.fake.world();
        let now = world.now();
        world.expired.insert(token.to_owned(), now);
    }

    /// From now on the token gets HTTP 401 code 190 subcode 460.
    pub fn revoke_token(&self, token: &str) {
        self.fake.world().revoked.insert(token.to_owned());
    }

    /// Sends to this customer are answered 200 with a `wamid`, then fail by webhook (131026).
    pub fn not_on_whatsapp(&self, wa_id: &str) {
        let digits = wa_id.trim_start_matches('+').to_owned();
        self.fake.world().not_on_whatsapp.insert(digits);
    }

    /// The next Graph request (any route but `/__fake/…`) meets this fault; faults queue up and
    /// are used one per request, oldest first.
    pub fn fail_next(&self, fault: CloudFault) {
        self.fake.world().faults.push_back(fault);
    }

    /// Moves the fake clock: customer windows, pair rate limit, timestamps, media URL expiry.
    pub fn advance(&self, seconds: i64) {
        let mut world = self.fake.world();
        world.clock_offset = world.clock_offset.saturating_add(seconds);
    }

    /// The fake clock in unix seconds: real time plus every `advance` so far.
    pub fn now(&self) -> i64 {
        self.fake.world().now()
    }

    /// Every accepted send (not read marks), oldest first.
    pub fn sent(&self) -> Vec<CloudSent> {
        self.fake.world().sent.clone()
    }

    /// `(phone_number_id, message_id)` of every `status:"read"` post, oldest first.
    pub fn read_marks(&self) -> Vec<(String, String)> {
        self.fake.world().read_marks.clone()
    }

    /// "METHOD /path" of every request outside `/__fake/…`, oldest first, without query strings.
    pub fn requests(&self) -> Vec<String> {
        self.fake.world().requests.clone()
    }

    /// The bytes and MIME type of an uploaded or registered media id.
    pub fn uploaded(&self, media_id: &str) -> Option<(Vec<u8>, String)> {
        self.fake
            .world()
            .media
            .get(media_id)
            .map(|m| (m.bytes.clone(), m.mime.clone()))
    }

    /// Meta's callback set-up: performs the verification GET against `callback_url` with
    /// hub.mode=subscribe, hub.verify_token=verify_token and a random numeric hub.challenge; returns
    /// Ok(()) only if the answer is 200 with exactly the challenge as body; afterwards webhooks for
    /// this WABA's numbers are POSTed there.
    pub async fn subscribe_callback(
        &self,
        waba_id: &str,
        callback_url: &str,
        verify_token: &str,
    ) -> Result<(), String> {
        self.fake
            .subscribe_callback(waba_id, callback_url, verify_token)
            .await
    }

    /// Every webhook POST so far: (HTTP status the receiver answered or None if unreachable, raw
    /// body). Webhooks of a WABA without a callback are not posted and not listed.
    pub fn webhook_answers(&self) -> Vec<(Option<u16>, String)> {
        self.fake.world().webhook_answers.clone()
    }

    /// A customer writes in: posts a signed `messages` webhook with
    /// `contacts:[{profile:{name},wa_id}]` and one message built from `message` (the type-specific
    /// part, e.g. json!({"type":"text","text":{"body":"Hi"}}), to which the fake adds
    /// from/id/timestamp); opens that customer's 24-hour window. Returns the wamid.
    /// For `image|video|audio|document|sticker` messages whose object has no "id", the fake
    /// registers `media` (if given) under a new media id and puts it in the message (with
    /// `mime_type` and `sha256`), so it can be downloaded.
    pub async fn customer_writes(
        &self,
        phone_number_id: &str,
        from: &str,
        name: &str,
        message: Value,
        media: Option<(Vec<u8>, String)>,
    ) -> String {
        self.fake
            .customer_writes(phone_number_id, from, name, message, media)
            .await
    }

    /// Posts a signed status webhook for a sent message (status: sent|delivered|read|failed;
    /// `errors` for failed, a 131000 entry when none is given). Sent and delivered statuses carry
    /// `pricing`. Returns the receiver's status (None: unknown wamid, no callback or unreachable).
    pub async fn post_status(&self, wamid: &str, status: &str, errors: Option<Value>) -> Option<u16> {
        self.fake.post_status(wamid, status, errors).await
    }

    /// Posts `body` raw to the callback of the WABA, with the given X-Hub-Signature-256 header
    /// value (None: no header). Returns the status.
    pub async fn post_raw(&self, waba_id: &str, body: &[u8], signature: Option<&str>) -> Option<u16> {
        self.fake
            .post_bytes(waba_id, body.to_vec(), signature.map(str::to_owned))
            .await
    }

    /// The header value Meta would send for these bytes with this number's app secret:
    /// "sha256=<lowercase hex>" (keyed with an empty secret for an unknown number).
    pub fn signature_for(&self, phone_number_id: &str, body: &[u8]) -> String {
        let secret = self
            .fake
            .world()
            .number(phone_number_id)
            .map(|n| n.info.app_secret.clone())
            .unwrap_or_default();
        sign(&secret, body)
    }

    /// When on, every accepted send that does not fail gets "sent" then "delivered" status
    /// webhooks posted at once (after the answer). Off by default.
    pub fn auto_receipts(&self, on: bool) {
        self.fake.world().auto_receipts = on;
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut out = String::from("sha256=");
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        mac.update(body);
        for byte in mac.finalize().into_bytes() {
            let _ = write!(out, "{byte:02x}");
        }
    }
    out
}

fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// `{object, entry:[{id:WABA, changes:[{value:{messaging_product, metadata, …value}, field:"messages"}]}]}`
fn envelope(number: &CloudNumber, value: Value) -> Value {
    let mut inner = Map::new();
    inner.insert("messaging_product".into(), json!("whatsapp"));
    inner.insert(
        "metadata".into(),
        json!({
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        }),
    );
    if let Value::Object(extra) = value {
        inner.extend(extra);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "changes": [{"value": inner, "field": "messages"}]}],
    })
}

/// Meta's PMP pricing block of a sent or delivered status.
fn pricing(template_category: Option<&str>, window_open: bool) -> Value {
    match template_category {
        None => json!({
            "billable": false, "pricing_model": "PMP",
            "type": "free_customer_service", "category": "service",
        }),
        // Utility templates inside an open service window are free since July 2025.
        Some(category) if category.eq_ignore_ascii_case("UTILITY") && window_open => json!({
            "billable": false, "pricing_model": "PMP",
            "type": "free_customer_service", "category": "utility",
        }),
        Some(category) => json!({
            "billable": true, "pricing_model": "PMP",
            "type": "regular", "category": category.to_ascii_lowercase(),
        }),
    }
}

/// What a send does after its answer.
enum FollowUp {
    Failed(Value),
    Receipts,
}

impl Fake {
    fn add_number(&self, number: CloudNumber) {
        let mut world = self.world();
        let entry = Number {
            info: number,
            quality_rating: "GREEN".into(),
            status: "CONNECTED".into(),
            tier: "TIER_250".into(),
        };
        match world.number_mut(&entry.info.phone_number_id) {
            Some(existing) => existing.info = entry.info,
            None => world.numbers.push(entry),
        }
    }

    fn add_template(&self, waba_id: &str, template: CloudTemplate) {
        let mut world = self.world();
        let existing = world.templates.iter_mut().find(|t| {
            t.waba_id == waba_id
                && t.template.name == template.name
                && t.template.language == template.language
        });
        match existing {
            Some(existing) => existing.template = template,
            None => {
                let id = world.numeric_id(5_904_000_000_000_000);
                world.templates.push(Template {
                    waba_id: waba_id.to_owned(),
                    id,
                    template,
                });
            }
        }
    }

    fn set_template_status(&self, waba_id: &str, name: &str, language: &str, status: &str) {
        let update =
            {
                let mut world = self.world();
                let now = world.now();
                let Some(template) = world.templates.iter_mut().find(|t| {
                    t.waba_id == waba_id && t.template.name == name && t.template.language == language
                }) else {
                    return;
                };
                template.template.status = status.to_owned();
                let template_id = template.id.parse::<u64>().unwrap_or_default();
                let Some(number) = world.waba_number(waba_id).map(|n| n.info.clone()) else {
                    return;
                };
                let payload = json!({
                    "object": "whatsapp_business_account",
                    "entry": [{"id": waba_id, "time": now, "changes": [{
                        "value": {
                            "event": status,
                            "message_template_id": template_id,
                            "message_template_name": name,
                            "message_template_language": language,
                            "reason": "NONE",
                        },
                        "field": "message_template_status_update",
                    }]}],
                });
                (number, payload)
            };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let fake = self.clone();
            runtime.spawn(async move {
                let (number, payload) = update;
                fake.deliver(&number, &payload).await;
            });
        }
    }

    async fn subscribe_callback(
        &self,
        waba_id: &str,
        callback_url: &str,
        verify_token: &str,
    ) -> Result<(), String> {
        let challenge = (uuid::Uuid::new_v4().as_u128() % 9_000_000_000 + 1_000_000_000).to_string();
        let response = self
            .http
            .get(callback_url)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.challenge", challenge.as_str()),
                ("hub.verify_token", verify_token),
            ])
            .header(
                header::USER_AGENT,
                "facebookplatform/1.0 (+http://developers.facebook.com)",
            )
            .send()
            .await
            .map_err(|e| format!("the verification request failed: {e}"))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| format!("the verification answer could not be read: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!(
                "the callback answered {status} to the verification request"
            ));
        }
        if body != challenge {
            return Err(format!(
                "the callback answered {body:?} instead of the challenge {challenge:?}"
            ));
        }
        self.world()
            .callbacks
            .insert(waba_id.to_owned(), callback_url.to_owned());
        Ok(())
    }

    async fn customer_writes(
        &self,
        phone_number_id: &str,
        from: &str,
        name: &str,
        message: Value,
        media: Option<(Vec<u8>, String)>,
    ) -> String {
        let prepared = {
            let mut world = self.world();
            let now = world.now();
            let wamid = world.wamid(from, false);
            let number = world.number(phone_number_id).map(|n| n.info.clone());
            let delivery = number.map(|number| {
                let mut entry = match message {
                    Value::Object(fields) => fields,
                    _ => Map::new(),
                };
                entry.insert("from".into(), json!(from));
                entry.insert("id".into(), json!(wamid));
                entry.insert("timestamp".into(), json!(now.to_string()));
                let kind = entry
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if MEDIA_KINDS.contains(&kind.as_str()) {
                    if let (Some(Value::Object(object)), Some((bytes, mime))) = (entry.get_mut(&kind), media)
                    {
                        if !object.contains_key("id") {
                            let sha256 = sha256_base64(&bytes);
                            let id = world.register_media(bytes, mime.clone(), &number.waba_id);
                            object.entry("mime_type").or_insert(json!(mime));
                            object.insert("sha256".into(), json!(sha256));
                            object.insert("id".into(), json!(id));
                        }
                    }
                }
                world
                    .last_inbound
                    .insert((phone_number_id.to_owned(), from.to_owned()), now);
                let payload = envelope(
                    &number,
                    json!({
                        "contacts": [{"profile": {"name": name}, "wa_id": from}],
                        "messages": [entry],
                    }),
                );
                (number, payload)
            });
            (wamid, delivery)
        };
        let (wamid, delivery) = prepared;
        match delivery {
            Some((number, payload)) => {
                self.deliver(&number, &payload).await;
            }
            None => tracing::warn!(
                phone_number_id,
                "customer writes to a number the fake does not have"
            ),
        }
        wamid
    }

    async fn post_status(&self, wamid: &str, status: &str, errors: Option<Value>) -> Option<u16> {
        let (number, payload) = {
            let world = self.world();
            let Some(outgoing) = world.outgoing.get(wamid).cloned() else {
                tracing::warn!(wamid, "status for a message the fake did not send");
                return None;
            };
            let number = world.number(&outgoing.phone_number_id)?.info.clone();
            let mut entry = Map::new();
            entry.insert("id".into(), json!(wamid));
            entry.insert("status".into(), json!(status));
            entry.insert("timestamp".into(), json!(world.now().to_string()));
            entry.insert("recipient_id".into(), json!(outgoing.recipient));
            if matches!(status, "sent" | "delivered") {
                entry.insert("pricing".into(), outgoing.pricing);
            }
            match errors {
                Some(errors) => {
                    entry.insert("errors".into(), errors);
                }
                None if status == "failed" => {
                    entry.insert("errors".into(), status_errors(131000));
                }
                None => {}
            }
            let payload = envelope(&number, json!({ "statuses": [entry] }));
            (number, payload)
        };
        self.deliver(&number, &payload).await
    }

    /// Signs and posts a webhook of this number's WABA.
    async fn deliver(&self, number: &CloudNumber, payload: &Value) -> Option<u16> {
        let body = meta_json(payload).into_bytes();
        let signature = sign(&number.app_secret, &body);
        self.post_bytes(&number.waba_id, body, Some(signature)).await
    }

    async fn post_bytes(&self, waba_id: &str, body: Vec<u8>, signature: Option<String>) -> Option<u16> {
        let url = self.world().callbacks.get(waba_id).cloned();
        let Some(url) = url else {
            tracing::debug!(waba_id, "no callback subscribed; webhook not posted");
            return None;
        };
        let text = String::from_utf8_lossy(&body).into_owned();
        let mut request = self
            .http
            .post(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "facebookexternalua")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-Hub-Signature-256", signature);
        }
        let status = match request.send().await {
            Ok(response) => Some(response.status().as_u16()),
            Err(error) => {
                tracing::warn!(%error, "webhook post failed");
                None
            }
        };
        self.world().webhook_answers.push((status, text));
        status
    }

    fn spawn_follow_up(&self, wamid: String, follow_up: FollowUp) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let fake = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep(AFTER_ANSWER).await;
            match follow_up {
                FollowUp::Failed(errors) => {
                    fake.post_status(&wamid, "failed", Some(errors)).await;
                }
                FollowUp::Receipts => {
                    fake.post_status(&wamid, "sent", None).await;
                    fake.post_status(&wamid, "delivered", None).await;
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The Graph side.

/// Records every request and applies the next queued fault.
async fn intercept(State(fake): State<Fake>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__fake/") {
        return next.run(request).await;
    }
    let fault = {
        let mut world = fake.world();
        world.requests.push(format!("{} {path}", request.method()));
        world.faults.pop_front()
    };
    match fault {
        None => next.run(request).await,
        Some(CloudFault::Status(status)) => status_fault(status).into_response(),
        Some(CloudFault::Graph { code, http }) => known_error(code, http).into_response(),
        Some(CloudFault::Timeout) => std::future::pending().await,
        Some(CloudFault::Reset) => {
            if let Some(switch) = request.extensions().get::<ResetSwitch>() {
                switch.0.notify_one();
            }
            std::future::pending().await
        }
    }
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn is_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix('v') else {
        return false;
    };
    let Some((major, minor)) = rest.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}

/// The token of `Authorization: Bearer …` (or `OAuth …`), else of `?access_token=`, as Graph
/// takes either.
fn token_of(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
                .then(|| token.trim().to_owned())
        });
    from_header
        .or_else(|| query.get("access_token").cloned())
        .filter(|t| !t.is_empty())
}

/// Whether a token works: the WABAs it opens, or the error Graph answers.
fn authorize(world: &World, token: Option<&str>) -> Result<Vec<String>, GraphError> {
    let Some(token) = token else {
        return Err(GraphError::new(
            400,
            104,
            "An access token is required to request this resource.",
        ));
    };
    if world.revoked.contains(token) {
        return Err(GraphError::new(
            401,
            190,
            "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        )
        .subcode(460));
    }
    if let Some(at) = world.expired.get(token) {
        return Err(GraphError::new(
            401,
            190,
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                pacific(*at),
                pacific(world.now())
            ),
        )
        .subcode(463));
    }
    let wabas: Vec<String> = world
        .numbers
        .iter()
        .filter(|n| n.info.token == token)
        .map(|n| n.info.waba_id.clone())
        .collect();
    if wabas.is_empty() {
        return Err(invalid_token(401));
    }
    Ok(wabas)
}

enum Node {
    Number(Box<Number>),
    Waba(String),
    Media(String, Media),
}

/// The object behind an id, if the token may see it.
fn resolve(world: &World, id: &str, wabas: &[String]) -> Option<Node> {
    if let Some(number) = world.number(id).filter(|n| wabas.contains(&n.info.waba_id)) {
        return Some(Node::Number(Box::new(number.clone())));
    }
    if wabas.iter().any(|w| w == id) {
        return Some(Node::Waba(id.to_owned()));
    }
    world
        .media
        .get(id)
        .filter(|m| wabas.contains(&m.waba_id))
        .map(|m| Node::Media(id.to_owned(), m.clone()))
}

async fn graph(State(fake): State<Fake>, request: Request) -> Response {
    match route(&fake, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn route(fake: &Fake, request: Request) -> Result<Response, GraphError> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = query_map(request.uri().query());
    let trimmed = path.trim_start_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let Some((version, rest)) = segments.split_first().filter(|(v, _)| is_version(v)) else {
        return Err(unknown_path(trimmed));
    };
    let token = token_of(request.headers(), &query);
    let (id, edge) = match rest {
        [id] if !id.is_empty() => (*id, None),
        [id, edge] if !id.is_empty() && !edge.is_empty() => (*id, Some(*edge)),
        _ => {
            authorize(&fake.world(), token.as_deref())?;
            return Err(unknown_path(trimmed));
        }
    };
    let node = {
        let world = fake.world();
        let wabas = authorize(&world, token.as_deref())?;
        resolve(&world, id, &wabas).ok_or_else(|| unsupported(&method, id))?
    };
    match (node, method.as_str(), edge) {
        (Node::Number(number), "GET", None) => number_node(&number, &query),
        (Node::Number(number), "POST", Some("messages")) => {
            let body = Bytes::from_request(request, &())
                .await
                .map_err(|e| invalid(format!("The request body could not be read: {e}")))?;
            send(fake, &number, &body)
        }
        (Node::Number(number), "POST", Some("media")) => upload(fake, &number, request).await,
        (Node::Number(_), "POST", Some("register")) => {
            let body = Bytes::from_request(request, &())
                .await
                .map_err(|e| invalid(format!("The request body could not be read: {e}")))?;
            register(&body)
        }
        (Node::Waba(waba), "GET", None) => waba_node(fake, &waba, &query),
        (Node::Waba(waba), "GET", Some("message_templates")) => templates(fake, &waba, version, &query),
        (Node::Waba(waba), "GET", Some("phone_numbers")) => phone_numbers(fake, &waba, &query),
        (Node::Waba(_), "POST" | "DELETE", Some("subscribed_apps")) => {
            Ok(graph_json(StatusCode::OK, &json!({"success": true})))
        }
        (Node::Waba(_), "GET", Some("subscribed_apps")) => Ok(graph_json(
            StatusCode::OK,
            &json!({"data": [{"whatsapp_business_api_data": {"id": "300000000000003", "name": "Switchboard"}}]}),
        )),
        (Node::Media(id, media), "GET", None) => Ok(media_node(fake, &id, &media)),
        (Node::Media(id, _), "DELETE", None) => {
            fake.world().media.remove(&id);
            Ok(graph_json(StatusCode::OK, &json!({"success": true})))
        }
        (_, _, None) => Err(unsupported(&method, id)),
        (node, _, Some(edge)) => {
            let known = match node {
                Node::Number(_) => ["messages", "media", "register"].contains(&edge),
                Node::Waba(_) => ["message_templates", "phone_numbers", "subscribed_apps"].contains(&edge),
                Node::Media(..) => false,
            };
            if known {
                Err(unsupported(&method, id))
            } else {
                Err(unknown_path(trimmed))
            }
        }
    }
}

/// Meta's display format: "+1 555-000-1234" for NANP numbers, "+55 11 90000-0001" for Brazil,
/// else "+" and the digits.
fn formatted_phone(digits: &str) -> String {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_owned();
    }
    match digits.len() {
        11 if digits.starts_with('1') => {
            format!("+1 {}-{}-{}", &digits[1..4], &digits[4..7], &digits[7..])
        }
        12 | 13 if digits.starts_with("55") => {
            let split = digits.len() - 4;
            format!("+55 {} {}-{}", &digits[2..4], &digits[4..split], &digits[split..])
        }
        _ => format!("+{digits}"),
    }
}

fn number_field(number: &Number, field: &str) -> Option<Value> {
    Some(match field {
        "id" => json!(number.info.phone_number_id),
        "verified_name" => json!(number.info.verified_name),
        "display_phone_number" => json!(formatted_phone(&number.info.display_phone_number)),
        "quality_rating" => json!(number.quality_rating),
        "status" => json!(number.status),
        "name_status" => json!("APPROVED"),
        "code_verification_status" => json!("VERIFIED"),
        "messaging_limit_tier" => json!(number.tier),
        "throughput" => json!({"level": "STANDARD"}),
        "platform_type" => json!("CLOUD_API"),
        "account_mode" => json!("LIVE"),
        _ => return None,
    })
}

/// The requested fields (Graph always adds `id`), or Graph's defaults.
fn fields_of<'a>(query: &'a HashMap<String, String>, defaults: &[&'a str]) -> Vec<&'a str> {
    match query.get("fields") {
        Some(fields) => fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect(),
        None => defaults.to_vec(),
    }
}

const NUMBER_DEFAULT_FIELDS: [&str; 4] = ["id", "display_phone_number", "verified_name", "quality_rating"];

fn number_object(number: &Number, fields: &[&str]) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for field in fields {
        let value = number_field(number, field)
            .ok_or_else(|| nonexisting_field(field, "WhatsAppBusinessPhoneNumber"))?;
        out.insert((*field).to_owned(), value);
    }
    out.insert("id".into(), json!(number.info.phone_number_id));
    Ok(Value::Object(out))
}

fn number_node(number: &Number, query: &HashMap<String, String>) -> Result<Response, GraphError> {
    let fields = fields_of(query, &NUMBER_DEFAULT_FIELDS);
    Ok(graph_json(StatusCode::OK, &number_object(number, &fields)?))
}

fn phone_numbers(fake: &Fake, waba: &str, query: &HashMap<String, String>) -> Result<Response, GraphError> {
    let fields = fields_of(query, &NUMBER_DEFAULT_FIELDS);
    let numbers: Vec<Number> = fake
        .world()
        .numbers
        .iter()
        .filter(|n| n.info.waba_id == waba)
        .cloned()
        .collect();
    let data = numbers
        .iter()
        .map(|n| number_object(n, &fields))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(graph_json(StatusCode::OK, &json!({ "data": data })))
}

fn waba_node(fake: &Fake, waba: &str, query: &HashMap<String, String>) -> Result<Response, GraphError> {
    let name = fake
        .world()
        .waba_number(waba)
        .map(|n| n.info.verified_name.clone())
        .unwrap_or_default();
    let mut out = Map::new();
    for field in fields_of(query, &["id", "name"]) {
        let value = match field {
            "id" => json!(waba),
            "name" => json!(name),
            "currency" => json!("USD"),
            "timezone_id" => json!("1"),
            "account_review_status" => json!("APPROVED"),
            "message_template_namespace" => json!(format!("fake_{waba}")),
            _ => return Err(nonexisting_field(field, "WhatsAppBusinessAccount")),
        };
        out.insert(field.to_owned(), value);
    }
    out.insert("id".into(), json!(waba));
    Ok(graph_json(StatusCode::OK, &Value::Object(out)))
}

fn media_node(fake: &Fake, id: &str, media: &Media) -> Response {
    let expires = fake.world().now().saturating_add(MEDIA_URL_SECONDS);
    graph_json(
        StatusCode::OK,
        &json!({
            "messaging_product": "whatsapp",
            "url": format!("{}__media/{id}?expires={expires}", fake.base),
            "mime_type": media.mime,
            "sha256": sha256_base64(&media.bytes),
            "file_size": media.bytes.len(),
            "id": id,
        }),
    )
}

/// The media URL's bytes: the bearer token of the media's WABA, and only until `expires`.
async fn download(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let query = query_map(uri.query());
    let world = fake.world();
    let token = token_of(&headers, &HashMap::new());
    let wabas = match authorize(&world, token.as_deref()) {
        Ok(wabas) => wabas,
        Err(mut error) => {
            error.http = 401;
            return error.into_response();
        }
    };
    let Some(media) = world.media.get(&id) else {
        return GraphError::new(404, 100, "(#100) Media not found").into_response();
    };
    if !wabas.contains(&media.waba_id) {
        return invalid_token(401).into_response();
    }
    let expires = query.get("expires").and_then(|e| e.parse::<i64>().ok());
    if expires.is_none_or(|expires| world.now() > expires) {
        return GraphError::new(404, 100, "(#100) URL signature expired").into_response();
    }
    let content_type = HeaderValue::from_str(&media.mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        media.bytes.clone(),
    )
        .into_response()
}

async fn upload(fake: &Fake, number: &Number, request: Request) -> Result<Response, GraphError> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| invalid(format!("The request must be multipart/form-data: {e}")))?;
    let (mut product, mut kind, mut file) = (None, None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(invalid(format!("The multipart body could not be read: {e}"))),
        };
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("messaging_product") => product = field.text().await.ok(),
            Some("type") => kind = field.text().await.ok(),
            Some("file") => {
                let part_type = field.content_type().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| invalid(format!("The parameter file could not be read: {e}")))?;
                file = Some((bytes.to_vec(), part_type));
            }
            _ => {}
        }
    }
    if product.as_deref() != Some("whatsapp") {
        return Err(required("messaging_product"));
    }
    let Some((bytes, part_type)) = file else {
        return Err(required("file"));
    };
    let mime = kind
        .filter(|k| !k.is_empty())
        .or(part_type)
        .ok_or_else(|| required("type"))?;
    let id = fake.world().register_media(bytes, mime, &number.info.waba_id);
    Ok(graph_json(StatusCode::OK, &json!({ "id": id })))
}

fn register(body: &[u8]) -> Result<Response, GraphError> {
    let request: Value =
        serde_json::from_slice(body).map_err(|_| invalid("The request body must be JSON."))?;
    if request.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(required("messaging_product"));
    }
    let pin = request.get("pin").and_then(Value::as_str).unwrap_or_default();
    if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("Param pin must be a 6-digit number."));
    }
    Ok(graph_json(StatusCode::OK, &json!({"success": true})))
}

/// The distinct `{{1}}` / `{{name}}` variables of a template text, in order.
fn variables(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let name = after[..end].trim();
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !found.iter().any(|f| f == name)
        {
            found.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
    found
}

fn component<'a>(components: &'a Value, kind: &str) -> Option<&'a Value> {
    components.as_array()?.iter().find(|c| {
        c.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case(kind))
    })
}

fn parameter_format(components: &Value) -> &'static str {
    let named = components.as_array().into_iter().flatten().any(|c| {
        variables(c.get("text").and_then(Value::as_str).unwrap_or_default())
            .iter()
            .any(|v| !v.bytes().all(|b| b.is_ascii_digit()))
    });
    if named {
        "NAMED"
    } else {
        "POSITIONAL"
    }
}

fn cursor(index: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(index.to_string())
}

fn cursor_index(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes).ok()?.parse().ok()
}

fn templates(
    fake: &Fake,
    waba: &str,
    version: &str,
    query: &HashMap<String, String>,
) -> Result<Response, GraphError> {
    let limit = match query.get("limit") {
        None => 25,
        Some(limit) => limit
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid("Param limit must be a positive integer."))?,
    };
    let start = match query.get("after") {
        None => 0,
        Some(after) => cursor_index(after)
            .and_then(|i| i.checked_add(1))
            .ok_or_else(|| invalid("Param after is not a valid cursor."))?,
    };
    let all: Vec<Template> = fake
        .world()
        .templates
        .iter()
        .filter(|t| t.waba_id == waba)
        .cloned()
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|t| {
            let components = if t.template.components.is_array() {
                t.template.components.clone()
            } else {
                json!([])
            };
            json!({
                "name": t.template.name,
                "language": t.template.language,
                "status": t.template.status,
                "category": t.template.category,
                "id": t.id,
                "parameter_format": parameter_format(&components),
                "components": components,
            })
        })
        .collect();
    if page.is_empty() {
        return Ok(graph_json(StatusCode::OK, &json!({"data": []})));
    }
    let last = start + page.len() - 1;
    let mut paging = json!({"cursors": {"before": cursor(start), "after": cursor(last)}});
    if last + 1 < all.len() {
        let mut next = format!(
            "{}{version}/{waba}/message_templates?limit={limit}&after={}",
            fake.base,
            cursor(last)
        );
        if let Some(fields) = query.get("fields") {
            let encoded: String = url::form_urlencoded::byte_serialize(fields.as_bytes()).collect();
            next.push_str(&format!("&fields={encoded}"));
        }
        paging["next"] = json!(next);
    }
    Ok(graph_json(
        StatusCode::OK,
        &json!({"data": page, "paging": paging}),
    ))
}

// ---------------------------------------------------------------------------------------------
// Sends.

fn str_field<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn check_text(text: &Value) -> Result<(), GraphError> {
    let body = str_field(text, "body").ok_or_else(|| required("text['body']"))?;
    let length = body.chars().count();
    if length == 0 {
        return Err(required("text['body']"));
    }
    if length > 4096 {
        return Err(invalid(
            "Param text['body'] must be at most 4096 characters long.",
        ));
    }
    if text.get("preview_url").is_some_and(|p| !p.is_boolean()) {
        return Err(invalid("Param text['preview_url'] must be a boolean."));
    }
    Ok(())
}

fn check_media(world: &World, waba: &str, kind: &str, media: &Value) -> Result<(), GraphError> {
    match (media.get("link"), media.get("id")) {
        (Some(link), None) => {
            let link = link.as_str().unwrap_or_default();
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                return Err(invalid(format!("Param {kind}['link'] must be an http(s) URL.")));
            }
        }
        (None, Some(id)) => {
            let known = id
                .as_str()
                .and_then(|id| world.media.get(id))
                .is_some_and(|m| m.waba_id == waba);
            if !known {
                return Err(invalid(format!(
                    "Param {kind}['id'] is not a valid whatsapp business account media attachment ID."
                )));
            }
        }
        _ => {
            return Err(invalid(format!(
                "Param {kind} must have exactly one of {kind}['link'] and {kind}['id']."
            )))
        }
    }
    if let Some(caption) = media.get("caption") {
        if matches!(kind, "audio" | "sticker") {
            return Err(invalid(format!(
                "Param {kind}['caption'] is not allowed for {kind} messages."
            )));
        }
        if caption.as_str().is_none_or(|c| c.chars().count() > 1024) {
            return Err(invalid(format!(
                "Param {kind}['caption'] must be a string of at most 1024 characters."
            )));
        }
    }
    if media.get("filename").is_some() && kind != "document" {
        return Err(invalid(format!(
            "Param {kind}['filename'] is only allowed for documents."
        )));
    }
    Ok(())
}

fn check_location(location: &Value) -> Result<(), GraphError> {
    for (key, bound) in [("latitude", 90.0), ("longitude", 180.0)] {
        let value = location
            .get(key)
            .and_then(Value::as_f64)
            .ok_or_else(|| invalid(format!("Param location['{key}'] must be a number.")))?;
        if !(-bound..=bound).contains(&value) {
            return Err(invalid(format!(
                "Param location['{key}'] must be between -{bound} and {bound}."
            )));
        }
    }
    Ok(())
}

fn check_contacts(contacts: &Value) -> Result<(), GraphError> {
    let list = contacts
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("Param contacts must be a non-empty array."))?;
    for (i, contact) in list.iter().enumerate() {
        let name = contact
            .get("name")
            .and_then(|n| n.get("formatted_name"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.is_empty() {
            return Err(required(&format!("contacts[{i}]['name']['formatted_name']")));
        }
    }
    Ok(())
}

fn check_title(path: &str, title: Option<&str>, max: usize) -> Result<(), GraphError> {
    let length = title.map_or(0, |t| t.chars().count());
    if length == 0 {
        return Err(required(path));
    }
    if length > max {
        return Err(invalid(format!(
            "Param {path} must be at most {max} characters long."
        )));
    }
    Ok(())
}

fn check_interactive(interactive: &Value) -> Result<(), GraphError> {
    const KINDS: [&str; 8] = [
        "button",
        "list",
        "cta_url",
        "flow",
        "product",
        "product_list",
        "location_request_message",
        "address_message",
    ];
    let kind = str_field(interactive, "type").ok_or_else(|| required("interactive['type']"))?;
    if !KINDS.contains(&kind) {
        return Err(invalid(format!(
            "Param interactive['type'] must be one of {}.",
            KINDS.join(", ")
        )));
    }
    let action = interactive.get("action").unwrap_or(&Value::Null);
    match kind {
        "button" => {
            check_title(
                "interactive['body']['text']",
                interactive["body"]["text"].as_str(),
                1024,
            )?;
            let buttons = action["buttons"]
                .as_array()
                .filter(|b| !b.is_empty())
                .ok_or_else(|| required("interactive['action']['buttons']"))?;
            if buttons.len() > 3 {
                return Err(invalid(
                    "Param interactive['action']['buttons'] must have at most 3 items.",
                ));
            }
            for (i, button) in buttons.iter().enumerate() {
                let path = format!("interactive['action']['buttons'][{i}]['reply']");
                if button["type"].as_str() != Some("reply") {
                    return Err(invalid(format!(
                        "Param interactive['action']['buttons'][{i}]['type'] must be 'reply'."
                    )));
                }
                check_title(&format!("{path}['id']"), button["reply"]["id"].as_str(), 256)?;
                check_title(&format!("{path}['title']"), button["reply"]["title"].as_str(), 20)?;
            }
        }
        "list" => {
            check_title(
                "interactive['body']['text']",
                interactive["body"]["text"].as_str(),
                4096,
            )?;
            check_title("interactive['action']['button']", action["button"].as_str(), 20)?;
            let sections = action["sections"]
                .as_array()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| required("interactive['action']['sections']"))?;
            if sections.len() > 10 {
                return Err(invalid(
                    "Param interactive['action']['sections'] must have at most 10 items.",
                ));
            }
            let mut rows = 0;
            for (s, section) in sections.iter().enumerate() {
                let list = section["rows"]
                    .as_array()
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| required(&format!("interactive['action']['sections'][{s}]['rows']")))?;
                for (r, row) in list.iter().enumerate() {
                    let path = format!("interactive['action']['sections'][{s}]['rows'][{r}]");
                    check_title(&format!("{path}['id']"), row["id"].as_str(), 200)?;
                    check_title(&format!("{path}['title']"), row["title"].as_str(), 24)?;
                }
                rows += list.len();
            }
            if rows > 10 {
                return Err(invalid(
                    "Param interactive['action']['sections'] must have at most 10 rows in all.",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_reaction(reaction: &Value) -> Result<(), GraphError> {
    if str_field(reaction, "message_id").is_none_or(str::is_empty) {
        return Err(required("reaction['message_id']"));
    }
    // An empty emoji is allowed: it removes the reaction.
    if str_field(reaction, "emoji").is_none() {
        return Err(required("reaction['emoji']"));
    }
    Ok(())
}

/// A template send: the template must exist in the number's WABA in that language, be approved,
/// and get as many body (and text-header) parameters as it has variables. Returns its category.
fn check_template(world: &World, waba: &str, request: &Value) -> Result<String, GraphError> {
    let name = str_field(request, "name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| required("template['name']"))?;
    let language = request
        .get("language")
        .and_then(|l| l.get("code"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| required("template['language']['code']"))?;
    let not_in_translation =
        || known_error(132001, 400).details(format!("template name ({name}) does not exist in {language}"));
    let template = world
        .templates
        .iter()
        .find(|t| t.waba_id == waba && t.template.name == name && t.template.language == language)
        .map(|t| &t.template)
        .ok_or_else(not_in_translation)?;
    match template.status.as_str() {
        "APPROVED" => {}
        "PAUSED" => return Err(known_error(132015, 400)),
        _ => return Err(not_in_translation()),
    }
    let given = request.get("components").unwrap_or(&Value::Null);
    if !given.is_null() && !given.is_array() {
        return Err(invalid("Param template['components'] must be an array."));
    }
    let count_given = |kind: &str| {
        given
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(kind)))
            .map(|c| c["parameters"].as_array().map_or(0, Vec::len))
            .sum::<usize>()
    };
    let expected_of = |kind: &str| {
        component(&template.components, kind)
            .and_then(|c| c.get("text"))
            .and_then(Value::as_str)
            .map_or(0, |text| variables(text).len())
    };
    let mismatch = |kind: &str, got: usize, expected: usize| {
        known_error(132000, 400).details(format!(
            "{kind}: number of localizable_params ({got}) does not match the expected number of params ({expected})"
        ))
    };
    let (got, expected) = (count_given("body"), expected_of("BODY"));
    if got != expected {
        return Err(mismatch("body", got, expected));
    }
    // Only a text header has variables to count; media headers are not checked.
    let header_is_text = component(&template.components, "HEADER").is_some_and(|h| {
        h.get("format")
            .and_then(Value::as_str)
            .is_none_or(|f| f.eq_ignore_ascii_case("TEXT"))
    });
    if header_is_text {
        let (got, expected) = (count_given("header"), expected_of("HEADER"));
        if expected > 0 && got != expected {
            return Err(mismatch("header", got, expected));
        }
    }
    Ok(template.category.clone())
}

fn send(fake: &Fake, number: &Number, body: &[u8]) -> Result<Response, GraphError> {
    let request: Value =
        serde_json::from_slice(body).map_err(|_| invalid("The request body must be a JSON object."))?;
    if !request.is_object() {
        return Err(invalid("The request body must be a JSON object."));
    }
    match request.get("messaging_product") {
        Some(Value::String(product)) if product == "whatsapp" => {}
        None => return Err(required("messaging_product")),
        Some(_) => return Err(invalid("Param messaging_product must be 'whatsapp'.")),
    }
    let pnid = number.info.phone_number_id.clone();
    if let Some(status) = request.get("status") {
        if status != "read" {
            return Err(invalid("Param status must be 'read'."));
        }
        let message_id = str_field(&request, "message_id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| required("message_id"))?;
        fake.world().read_marks.push((pnid, message_id.to_owned()));
        return Ok(graph_json(StatusCode::OK, &json!({"success": true})));
    }
    if request.get("recipient_type").is_some_and(|r| r != "individual") {
        return Err(invalid("Param recipient_type must be 'individual'."));
    }
    let input = str_field(&request, "to").ok_or_else(|| required("to"))?;
    let wa_id = input.strip_prefix('+').unwrap_or(input);
    if wa_id.is_empty() || wa_id.len() > 20 || !wa_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "Param to must be a phone number with country code (digits) or a WhatsApp ID.",
        ));
    }
    let kind = str_field(&request, "type").ok_or_else(|| required("type"))?;
    if !MESSAGE_TYPES.contains(&kind) {
        return Err(invalid(format!(
            "Param type must be one of {}.",
            MESSAGE_TYPES.join(", ")
        )));
    }
    if let Some(context) = request.get("context") {
        if str_field(context, "message_id").is_none_or(str::is_empty) {
            return Err(required("context['message_id']"));
        }
    }
    let content = request.get(kind).ok_or_else(|| required(kind))?;
    if kind != "contacts" && !content.is_object() {
        return Err(invalid(format!("Param {kind} must be an object.")));
    }
    let waba = number.info.waba_id.as_str();
    let mut world = fake.world();
    let template_category = match kind {
        "text" => {
            check_text(content)?;
            None
        }
        "location" => {
            check_location(content)?;
            None
        }
        "contacts" => {
            check_contacts(content)?;
            None
        }
        "interactive" => {
            check_interactive(content)?;
            None
        }
        "reaction" => {
            check_reaction(content)?;
            None
        }
        "template" => Some(check_template(&world, waba, content)?),
        media => {
            check_media(&world, waba, media, content)?;
            None
        }
    };
    let now = world.now();
    let pair = (pnid.clone(), wa_id.to_owned());
    let recent = world.recent_sends.entry(pair.clone()).or_default();
    recent.retain(|at| *at > now.saturating_sub(PAIR_SECONDS));
    if recent.len() >= PAIR_LIMIT {
        return Err(known_error(131056, 400));
    }
    recent.push(now);
    let wamid = world.wamid(wa_id, true);
    let window_open = world
        .last_inbound
        .get(&pair)
        .is_some_and(|at| now.saturating_sub(*at) <= WINDOW_SECONDS);
    world.sent.push(CloudSent {
        phone_number_id: pnid.clone(),
        wamid: wamid.clone(),
        body: request.clone(),
    });
    world.outgoing.insert(
        wamid.clone(),
        Outgoing {
            phone_number_id: pnid,
            recipient: wa_id.to_owned(),
            pricing: pricing(template_category.as_deref(), window_open),
        },
    );
    // Meta accepts both of these and fails them afterwards: the 200 is not a delivery.
    let follow_up = if world.not_on_whatsapp.contains(wa_id) {
        Some(FollowUp::Failed(status_errors(131026)))
    } else if template_category.is_none() && !window_open {
        Some(FollowUp::Failed(status_errors(131047)))
    } else if world.auto_receipts {
        Some(FollowUp::Receipts)
    } else {
        None
    };
    drop(world);
    let mut message = json!({ "id": wamid });
    if template_category.is_some() {
        message["message_status"] = json!("accepted");
    }
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": input, "wa_id": wa_id}],
        "messages": [message],
    });
    Ok(match follow_up {
        None => graph_json(StatusCode::OK, &answer),
        Some(follow_up) => {
            let fake = fake.clone();
            answer_then(&answer, move || fake.spawn_follow_up(wamid, follow_up))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The control surface, for tests in another process. Bodies are camelCase JSON.

fn control_error(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message.into()}))).into_response()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| control_error(format!("bad control body: {e}")))
}

fn ok() -> Response {
    Json(json!({"ok": true})).into_response()
}

async fn control_numbers(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<CloudNumber>(&body) {
        Ok(number) => {
            fake.add_number(number);
            ok()
        }
        Err(response) => response,
    }
}

async fn control_templates(State(fake): State<Fake>, Path(waba): Path<String>, body: Bytes) -> Response {
    match parse::<CloudTemplate>(&body) {
        Ok(template) => {
            fake.add_template(&waba, template);
            ok()
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
struct TemplateStatusBody {
    name: String,
    language: String,
    status: String,
}

async fn control_template_status(
    State(fake): State<Fake>,
    Path(waba): Path<String>,
    body: Bytes,
) -> Response {
    match parse::<TemplateStatusBody>(&body) {
        Ok(b) => {
            fake.set_template_status(&waba, &b.name, &b.language, &b.status);
            ok()
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribeBody {
    waba_id: String,
    callback_url: String,
    verify_token: String,
}

async fn control_subscribe(State(fake): State<Fake>, body: Bytes) -> Response {
    let b = match parse::<SubscribeBody>(&body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    match fake
        .subscribe_callback(&b.waba_id, &b.callback_url, &b.verify_token)
        .await
    {
        Ok(()) => ok(),
        Err(error) => control_error(error),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MediaBody {
    base64: String,
    mime_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerWritesBody {
    phone_number_id: String,
    from: String,
    #[serde(default)]
    name: String,
    message: Value,
    media: Option<MediaBody>,
}

async fn control_customer_writes(State(fake): State<Fake>, body: Bytes) -> Response {
    let b = match parse::<CustomerWritesBody>(&body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    let media = match b.media {
        None => None,
        Some(media) => match base64::engine::general_purpose::STANDARD.decode(&media.base64) {
            Ok(bytes) => Some((bytes, media.mime_type)),
            Err(e) => return control_error(format!("media.base64: {e}")),
        },
    };
    let wamid = fake
        .customer_writes(&b.phone_number_id, &b.from, &b.name, b.message, media)
        .await;
    Json(json!({ "wamid": wamid })).into_response()
}

#[derive(Deserialize)]
struct StatusBody {
    wamid: String,
    status: String,
    errors: Option<Value>,
}

async fn control_status(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<StatusBody>(&body) {
        Ok(b) => {
            let status = fake.post_status(&b.wamid, &b.status, b.errors).await;
            Json(json!({ "webhookStatus": status })).into_response()
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: i64,
}

async fn control_advance(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<AdvanceBody>(&body) {
        Ok(b) => {
            let mut world = fake.world();
            world.clock_offset = world.clock_offset.saturating_add(b.seconds);
            Json(json!({ "now": world.now() })).into_response()
        }
        Err(response) => response,
    }
}

async fn control_now(State(fake): State<Fake>) -> Response {
    let now = fake.world().now();
    Json(json!({ "now": now })).into_response()
}

#[derive(Deserialize)]
struct OnBody {
    on: bool,
}

async fn control_auto_receipts(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<OnBody>(&body) {
        Ok(b) => {
            fake.world().auto_receipts = b.on;
            ok()
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HealthBody {
    phone_number_id: String,
    quality_rating: Option<String>,
    status: Option<String>,
}

async fn control_health(State(fake): State<Fake>, body: Bytes) -> Response {
    let b = match parse::<HealthBody>(&body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    let mut world = fake.world();
    let Some(number) = world.number_mut(&b.phone_number_id) else {
        return control_error("no such number");
    };
    if let Some(rating) = b.quality_rating {
        number.quality_rating = rating;
    }
    if let Some(status) = b.status {
        number.status = status;
    }
    ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LimitBody {
    phone_number_id: String,
    tier: String,
}

async fn control_messaging_limit(State(fake): State<Fake>, body: Bytes) -> Response {
    let b = match parse::<LimitBody>(&body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    match fake.world().number_mut(&b.phone_number_id) {
        Some(number) => {
            number.tier = b.tier;
            ok()
        }
        None => control_error("no such number"),
    }
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

async fn control_expire_token(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<TokenBody>(&body) {
        Ok(b) => {
            let mut world = fake.world();
            let now = world.now();
            world.expired.insert(b.token, now);
            ok()
        }
        Err(response) => response,
    }
}

async fn control_revoke_token(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<TokenBody>(&body) {
        Ok(b) => {
            fake.world().revoked.insert(b.token);
            ok()
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WaIdBody {
    wa_id: String,
}

async fn control_not_on_whatsapp(State(fake): State<Fake>, body: Bytes) -> Response {
    match parse::<WaIdBody>(&body) {
        Ok(b) => {
            let digits = b.wa_id.trim_start_matches('+').to_owned();
            fake.world().not_on_whatsapp.insert(digits);
            ok()
        }
        Err(response) => response,
    }
}

/// `{"fault":"timeout"}`, `{"fault":"reset"}`, `{"status":503}` or `{"graph":{"code":131048,"http":400}}`.
fn fault_of(body: &Value) -> Option<CloudFault> {
    match (
        body.get("fault").and_then(Value::as_str),
        body.get("status"),
        body.get("graph"),
    ) {
        (Some("timeout"), _, _) => Some(CloudFault::Timeout),
        (Some("reset"), _, _) => Some(CloudFault::Reset),
        (None, Some(status), None) => Some(CloudFault::Status(u16::try_from(status.as_u64()?).ok()?)),
        (None, None, Some(graph)) => Some(CloudFault::Graph {
            code: graph.get("code")?.as_i64()?,
            http: u16::try_from(graph.get("http").map_or(Some(400), Value::as_u64)?).ok()?,
        }),
        _ => None,
    }
}

async fn control_fail_next(State(fake): State<Fake>, body: Bytes) -> Response {
    let body: Value = match parse(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    match fault_of(&body) {
        Some(fault) => {
            fake.world().faults.push_back(fault);
            ok()
        }
        None => control_error(
            "expected {\"fault\":\"timeout\"|\"reset\"}, {\"status\":N} or {\"graph\":{\"code\":N,\"http\":N}}",
        ),
    }
}

async fn control_sent(State(fake): State<Fake>) -> Response {
    let sent: Vec<Value> = fake
        .world()
        .sent
        .iter()
        .map(|s| json!({"phoneNumberId": s.phone_number_id, "wamid": s.wamid, "body": s.body}))
        .collect();
    Json(Value::Array(sent)).into_response()
}

async fn control_read_marks(State(fake): State<Fake>) -> Response {
    let marks: Vec<Value> = fake
        .world()
        .read_marks
        .iter()
        .map(|(pnid, id)| json!({"phoneNumberId": pnid, "messageId": id}))
        .collect();
    Json(Value::Array(marks)).into_response()
}

async fn control_requests(State(fake): State<Fake>) -> Response {
    let requests = fake.world().requests.clone();
    Json(json!(requests)).into_response()
}

async fn control_webhook_answers(State(fake): State<Fake>) -> Response {
    let answers: Vec<Value> = fake
        .world()
        .webhook_answers
        .iter()
        .map(|(status, body)| json!({"status": status, "body": body}))
        .collect();
    Json(Value::Array(answers)).into_response()
}
