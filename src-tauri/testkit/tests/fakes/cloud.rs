//! `FakeCloud` against plain HTTP: the Graph routes, errors and faults a Cloud API client meets,
//! and the webhooks it posts to a small receiver that records them raw.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use switchboard_testkit::{contract_sample, CloudFault, CloudNumber, CloudTemplate, FakeCloud};

const PNID: &str = "100000000000001";
const WABA: &str = "200000000000002";
const TOKEN: &str = "e2e-cloud-token";
const SECRET: &str = "e2e-app-secret";
const CUSTOMER: &str = "15550009876";
const VERIFY: &str = "verify-me";

/// A webhook as the receiver got it.
#[derive(Clone, Debug)]
struct Hit {
    signature: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Hit {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("webhook body is UTF-8")
    }
}

#[derive(Clone, Default)]
struct ReceiverState {
    hits: Arc<Mutex<Vec<Hit>>>,
    verifications: Arc<Mutex<Vec<std::collections::HashMap<String, String>>>>,
    /// What the verification GET answers instead of the challenge, when set.
    wrong_answer: Arc<Mutex<Option<String>>>,
}

/// A callback endpoint that answers the verification handshake like the SDK and records posts.
struct Receiver {
    url: String,
    state: ReceiverState,
    _task: tokio::task::JoinHandle<()>,
}

async fn verify(
    State(state): State<ReceiverState>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> (StatusCode, String) {
    state.verifications.lock().expect("lock").push(query.clone());
    if let Some(wrong) = state.wrong_answer.lock().expect("lock").clone() {
        return (StatusCode::OK, wrong);
    }
    let subscribe = query.get("hub.mode").map(String::as_str) == Some("subscribe");
    let token = query.get("hub.verify_token").map(String::as_str) == Some(VERIFY);
    match (subscribe && token, query.get("hub.challenge")) {
        (true, Some(challenge)) => (StatusCode::OK, challenge.clone()),
        _ => (StatusCode::FORBIDDEN, String::new()),
    }
}

async fn record(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    state.hits.lock().expect("lock").push(Hit {
        signature: header("x-hub-signature-256"),
        content_type: header("content-type"),
        body: body.to_vec(),
    });
    StatusCode::OK
}

impl Receiver {
    async fn start() -> Self {
        let state = ReceiverState::default();
        let app = Router::new()
            .route("/hook", get(verify).post(record))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            state,
            _task: task,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().expect("lock").clone()
    }

    /// Waits (up to 10 s) until at least `count` webhooks have arrived.
    async fn wait_for(&self, count: usize) -> Vec<Hit> {
        for _ in 0..500 {
            let hits = self.hits();
            if hits.len() >= count {
                return hits;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("expected {count} webhooks, got {:?}", self.hits());
    }

    /// Gives follow-up webhooks time to arrive, then returns all of them.
    async fn settle(&self) -> Vec<Hit> {
        tokio::time::sleep(Duration::from_millis(400)).await;
        self.hits()
    }
}

/// The demo number and templates, with a verified callback.
async fn setup() -> (FakeCloud, Receiver) {
    let fake = FakeCloud::start().await;
    fake.add_demo();
    let receiver = Receiver::start().await;
    fake.subscribe_callback(WABA, &receiver.url, VERIFY)
        .await
        .expect("callback verified");
    (fake, receiver)
}

fn graph(fake: &FakeCloud, path: &str) -> String {
    format!("{}v23.0/{path}", fake.url())
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get_json(fake: &FakeCloud, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = http().get(graph(fake, path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn post_json(fake: &FakeCloud, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = http().post(graph(fake, path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn send(fake: &FakeCloud, body: &Value) -> (u16, Value) {
    post_json(fake, &format!("{PNID}/messages"), Some(TOKEN), body).await
}

fn text_to(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text", "text": {"body": body}})
}

fn template_send(name: &str, language: &str, body_params: &[&str]) -> Value {
    let parameters: Vec<Value> = body_params
        .iter()
        .map(|p| json!({"type": "text", "text": p}))
        .collect();
    json!({
        "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": [{"type": "body", "parameters": parameters}]},
    })
}

/// Asserts a Graph error body's shape and code, and returns its `error` object.
fn graph_error(body: &Value, code: i64) -> Value {
    let error = body["error"].clone();
    assert_eq!(error["code"], code, "{body}");
    assert!(error["message"].is_string(), "{body}");
    assert!(error["type"].is_string(), "{body}");
    assert!(
        error["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    error
}

fn details(body: &Value) -> String {
    body["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn wamid_of(answer: &Value) -> String {
    answer["messages"][0]["id"].as_str().expect("wamid").to_owned()
}

fn statuses(hits: &[Hit]) -> Vec<Value> {
    hits.iter()
        .flat_map(|h| {
            h.json()["entry"][0]["changes"][0]["value"]["statuses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

fn hex_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sample and actual must agree on every key and on every value but ids, timestamps and hashes.
fn same_shape(actual: &Value, sample: &Value, path: &str) {
    compare(actual, sample, path, true);
}

/// Sample and actual must agree on every key; values only where `values` is set.
fn compare(actual: &Value, sample: &Value, path: &str, values: bool) {
    match (actual, sample) {
        (Value::Object(a), Value::Object(s)) => {
            let mut keys_a: Vec<_> = a.keys().collect();
            let mut keys_s: Vec<_> = s.keys().collect();
            keys_a.sort();
            keys_s.sort();
            assert_eq!(keys_a, keys_s, "keys at {path}");
            for (key, value) in s {
                compare(&a[key], value, &format!("{path}.{key}"), values);
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            assert_eq!(a.len(), s.len(), "length at {path}");
            for (i, (a, s)) in a.iter().zip(s).enumerate() {
                compare(a, s, &format!("{path}[{i}]"), values);
            }
        }
        _ if !values
            || [".id", ".timestamp", ".sha256"]
                .iter()
                .any(|end| path.ends_with(end)) =>
        {
            assert_eq!(
                std::mem::discriminant(actual),
                std::mem::discriminant(sample),
                "type at {path}: {actual}"
            );
        }
        _ => assert_eq!(actual, sample, "value at {path}"),
    }
}

#[tokio::test]
async fn version_segments_are_any_v_digits_dot_digits() {
    let (fake, _receiver) = setup().await;
    for version in ["v23.0", "v26.0", "v19.0"] {
        let response = http()
            .get(format!("{}{version}/{PNID}", fake.url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 200, "{version}");
    }
    for path in ["v23/100000000000001", "23.0/100000000000001", "", "graph/v23.0/x"] {
        let response = http()
            .get(format!("{}{path}", fake.url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.expect("JSON");
        let error = graph_error(&body, 100);
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Unknown path components")),
            "{body}"
        );
    }
    // A known node with an unknown edge.
    let (status, body) = get_json(&fake, &format!("{PNID}/nothing_here"), Some(TOKEN)).await;
    assert_eq!(status, 400);
    graph_error(&body, 100);
}

#[tokio::test]
async fn tokens_missing_unknown_expired_revoked_and_foreign() {
    let (fake, _receiver) = setup().await;
    let (status, body) = get_json(&fake, PNID, None).await;
    assert_eq!(status, 400);
    let error = graph_error(&body, 104);
    assert_eq!(
        error["message"],
        "An access token is required to request this resource."
    );
    assert_eq!(error["type"], "OAuthException");

    let (status, body) = get_json(&fake, PNID, Some("nonsense")).await;
    assert_eq!(status, 401);
    let error = graph_error(&body, 190);
    assert_eq!(
        error["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    assert!(error.get("error_subcode").is_none());

    // A second WABA with its own token: neither token opens the other's objects.
    fake.add_number(CloudNumber {
        phone_number_id: "100000000000009".into(),
        waba_id: "200000000000009".into(),
        display_phone_number: "15550004321".into(),
        verified_name: "Other".into(),
        token: "other-token".into(),
        app_secret: "other-secret".into(),
    });
    let (status, body) = get_json(&fake, "100000000000009", Some(TOKEN)).await;
    assert_eq!(status, 400);
    let error = graph_error(&body, 100);
    assert_eq!(error["error_subcode"], 33);
    assert_eq!(
        error["message"],
        "Unsupported get request. Object with ID '100000000000009' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
    );
    let (status, body) = post_json(
        &fake,
        "100000000000009/messages",
        Some(TOKEN),
        &text_to(CUSTOMER, "Hi"),
    )
    .await;
    assert_eq!(status, 400);
    let error = graph_error(&body, 100);
    assert_eq!(error["error_subcode"], 33);
    assert!(error["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Unsupported post request. Object with ID '100000000000009'")));
    let (status, body) = get_json(&fake, "999999", Some(TOKEN)).await;
    assert_eq!((status, body["error"]["error_subcode"].clone()), (400, json!(33)));
    let (status, _) = get_json(&fake, "100000000000009", Some("other-token")).await;
    assert_eq!(status, 200);

    fake.expire_token(TOKEN);
    let (status, body) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 401);
    let error = graph_error(&body, 190);
    assert_eq!(error["error_subcode"], 463);
    assert!(error["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Error validating access token: Session has expired")));

    fake.revoke_token("other-token");
    let (status, body) = get_json(&fake, "100000000000009", Some("other-token")).await;
    assert_eq!(status, 401);
    assert_eq!(graph_error(&body, 190)["error_subcode"], 460);
    // Sends are refused alike.
    let (status, body) = send(&fake, &text_to(CUSTOMER, "Hi")).await;
    assert_eq!(
        (status, body["error"]["error_subcode"].clone()),
        (401, json!(463))
    );
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn health_fields_as_requested_or_by_default() {
    let (fake, _receiver) = setup().await;
    let (status, body) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"id": PNID, "display_phone_number": "+1 555-000-1234", "verified_name": "Loja Demo", "quality_rating": "GREEN"})
    );
    let fields = "verified_name,display_phone_number,quality_rating,status,name_status,code_verification_status,messaging_limit_tier,throughput";
    let (_, body) = get_json(&fake, &format!("{PNID}?fields={fields}"), Some(TOKEN)).await;
    assert_eq!(
        body,
        json!({
            "id": PNID, "verified_name": "Loja Demo", "display_phone_number": "+1 555-000-1234",
            "quality_rating": "GREEN", "status": "CONNECTED", "name_status": "APPROVED",
            "code_verification_status": "VERIFIED", "messaging_limit_tier": "TIER_250",
            "throughput": {"level": "STANDARD"},
        })
    );
    fake.set_health(PNID, "RED", "FLAGGED");
    fake.set_messaging_limit(PNID, "TIER_2K");
    let (_, body) = get_json(
        &fake,
        &format!("{PNID}?fields=quality_rating,status,messaging_limit_tier"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(
        body,
        json!({"id": PNID, "quality_rating": "RED", "status": "FLAGGED", "messaging_limit_tier": "TIER_2K"})
    );
    let (status, body) = get_json(&fake, &format!("{PNID}?fields=verified_name,colour"), Some(TOKEN)).await;
    assert_eq!(status, 400);
    assert!(graph_error(&body, 100)["message"]
        .as_str()
        .is_some_and(|m| m.contains("(colour)")));
    // The WABA lists its numbers.
    let (status, body) = get_json(&fake, &format!("{WABA}/phone_numbers"), Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"][0]["id"], PNID);
}

#[tokio::test]
async fn a_text_in_the_window_is_accepted_and_recorded() {
    let (fake, receiver) = setup().await;
    fake.auto_receipts(true);
    let inbound = fake
        .customer_writes(
            PNID,
            CUSTOMER,
            "Ana Lima",
            json!({"type": "text", "text": {"body": "Hi! Where is my order?"}}),
            None,
        )
        .await;
    assert!(inbound.starts_with("wamid."));
    let mut request = contract_sample("cloud/send-text-request.json");
    request["context"]["message_id"] = json!(inbound);
    let (status, answer) = send(&fake, &request).await;
    assert_eq!(status, 200, "{answer}");
    let wamid = wamid_of(&answer);
    assert_eq!(
        answer,
        json!({"messaging_product": "whatsapp", "contacts": [{"input": CUSTOMER, "wa_id": CUSTOMER}], "messages": [{"id": wamid}]})
    );
    // Shaped like Meta's: base64 of a record that names the customer.
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(wamid.trim_start_matches("wamid."))
        .expect("base64 wamid");
    assert!(decoded.windows(CUSTOMER.len()).any(|w| w == CUSTOMER.as_bytes()));
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].phone_number_id.as_str(), sent[0].wamid.as_str()),
        (PNID, wamid.as_str())
    );
    assert_eq!(sent[0].body, request);

    // The customer's message, then sent and delivered, and no failure.
    let hits = receiver.wait_for(3).await;
    let statuses = statuses(&receiver.settle().await);
    let names: Vec<&str> = statuses
        .iter()
        .map(|s| s["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["sent", "delivered"]);
    assert!(statuses
        .iter()
        .all(|s| s["id"] == wamid.as_str() && s["recipient_id"] == CUSTOMER));
    let mut delivered = hits[2].json();
    same_shape(
        &delivered,
        &contract_sample("cloud/webhook-status-delivered.json"),
        "$",
    );
    assert_eq!(
        delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"]
            .take()
            .as_str()
            .and_then(|t| t.parse::<i64>().ok())
            .map(|t| (fake.now() - t).abs() < 5),
        Some(true)
    );
    // Second wamid differs.
    let (_, again) = send(&fake, &text_to(CUSTOMER, "More")).await;
    assert_ne!(wamid_of(&again), wamid);
}

#[tokio::test]
async fn outside_the_window_the_send_is_accepted_then_fails_with_131047() {
    let (fake, receiver) = setup().await;
    fake.auto_receipts(true);
    // Never wrote in: 200 with a wamid, then the failed status.
    let (status, answer) = send(&fake, &text_to(CUSTOMER, "Hello?")).await;
    assert_eq!(status, 200);
    let wamid = wamid_of(&answer);
    let hits = receiver.wait_for(1).await;
    let failed = hits[0].json();
    same_shape(
        &failed,
        &contract_sample("cloud/webhook-status-failed-131047.json"),
        "$",
    );
    let status = &failed["entry"][0]["changes"][0]["value"]["statuses"][0];
    assert_eq!(status["id"], wamid.as_str());
    assert_eq!(
        statuses(&receiver.settle().await).len(),
        1,
        "no receipts for a failed send"
    );

    // Writes in: the window opens for 24 hours of the fake clock.
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    fake.advance(24 * 3600 - 10);
    let (status, _) = send(&fake, &text_to(CUSTOMER, "Still open")).await;
    assert_eq!(status, 200);
    let after_open = statuses(&receiver.wait_for(4).await);
    assert_eq!(after_open[1]["status"], "sent");
    assert_eq!(after_open[2]["status"], "delivered");

    fake.advance(20);
    let (status, answer) = send(&fake, &text_to(CUSTOMER, "Closed now")).await;
    assert_eq!(status, 200);
    let closed = statuses(&receiver.wait_for(5).await);
    assert_eq!(closed[3]["status"], "failed");
    assert_eq!(closed[3]["id"], wamid_of(&answer).as_str());
    assert_eq!(closed[3]["errors"][0]["code"], 131047);
    // A template goes through at any time.
    let (status, answer) = send(&fake, &template_send("order_shipped", "en_US", &["Ana", "#1042"])).await;
    assert_eq!(status, 200);
    let receipts = statuses(&receiver.wait_for(7).await);
    assert_eq!(receipts[4]["status"], "sent");
    assert_eq!(receipts[4]["id"], wamid_of(&answer).as_str());
    assert_eq!(receipts[4]["pricing"]["category"], "utility");
    assert_eq!(receipts[4]["pricing"]["billable"], true);
}

#[tokio::test]
async fn a_number_not_on_whatsapp_is_accepted_then_fails_with_131026() {
    let (fake, receiver) = setup().await;
    fake.not_on_whatsapp("15550000000");
    fake.customer_writes(
        PNID,
        "15550000000",
        "Ghost",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    let (status, answer) = send(&fake, &text_to("15550000000", "Anyone?")).await;
    assert_eq!(status, 200);
    let statuses = statuses(&receiver.wait_for(2).await);
    assert_eq!(statuses[0]["status"], "failed");
    assert_eq!(statuses[0]["id"], wamid_of(&answer).as_str());
    assert_eq!(statuses[0]["errors"][0]["code"], 131026);
    assert_eq!(statuses[0]["errors"][0]["title"], "Message undeliverable");
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn invalid_sends_name_the_field() {
    let (fake, _receiver) = setup().await;
    let (status, upload) = upload(&fake, b"OggS", "audio/ogg", Some("whatsapp")).await;
    assert_eq!(status, 200);
    let audio_id = upload["id"].as_str().expect("media id").to_owned();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"to": CUSTOMER, "type": "text", "text": {"body": "x"}}),
            "messaging_product",
        ),
        (
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}),
            "to",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "+1 555", "type": "text", "text": {"body": "x"}}),
            "to",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "text": {"body": "x"}}),
            "type",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "poll", "poll": {}}),
            "type",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text"}),
            "text",
        ),
        (text_to(CUSTOMER, ""), "text['body']"),
        (text_to(CUSTOMER, &"a".repeat(4097)), "text['body']"),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image", "image": {}}),
            "image",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image", "image": {"link": "https://x/y.jpg", "id": audio_id}}),
            "image",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "video", "video": {"id": "4242"}}),
            "video['id']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "audio", "audio": {"id": audio_id, "caption": "no"}}),
            "audio['caption']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "sticker", "sticker": {"link": "https://x/s.webp", "caption": "no"}}),
            "sticker['caption']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "location", "location": {"latitude": "-23.5", "longitude": -46.6}}),
            "location['latitude']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "reaction", "reaction": {"message_id": "wamid.X"}}),
            "reaction['emoji']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "reaction", "reaction": {"emoji": "👍"}}),
            "reaction['message_id']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "contacts", "contacts": [{"phones": []}]}),
            "formatted_name",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}, "context": {}}),
            "context['message_id']",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "a", "title": "A"}}, {"type": "reply", "reply": {"id": "b", "title": "B"}},
            {"type": "reply", "reply": {"id": "c", "title": "C"}}, {"type": "reply", "reply": {"id": "d", "title": "D"}}]}}}),
            "buttons",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "a", "title": "A title longer than twenty"}}]}}}),
            "['title']",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = send(&fake, &body).await;
        assert_eq!(status, 400, "{body}");
        graph_error(&answer, 100);
        assert!(details(&answer).contains(field), "{field} in {answer}");
    }
    let (status, _) = http()
        .post(graph(&fake, &format!("{PNID}/messages")))
        .bearer_auth(TOKEN)
        .body("not json")
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .expect("answer");
    assert_eq!(status, 400);
    assert!(fake.sent().is_empty());

    // Well-formed ones of every kind are accepted.
    let good = [
        json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "audio", "audio": {"id": audio_id}}),
        contract_sample("cloud/send-image-link-request.json"),
        json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "document", "document": {"link": "https://x/a.pdf", "filename": "a.pdf", "caption": "Invoice"}}),
        json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "location", "location": {"latitude": -23.5, "longitude": -46.6, "name": "Loja"}}),
        json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
        json!({"messaging_product": "whatsapp", "to": format!("+{CUSTOMER}"), "type": "contacts", "contacts": [{"name": {"formatted_name": "Ana Lima"}}]}),
    ];
    for body in good {
        let (status, answer) = send(&fake, &body).await;
        assert_eq!(status, 200, "{body} → {answer}");
        assert_eq!(answer["contacts"][0]["wa_id"], CUSTOMER);
    }
    fake.advance(60);
    let (status, answer) = send(&fake, &json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "interactive", "interactive": {
        "type": "list", "body": {"text": "Choose"}, "action": {"button": "Options", "sections": [{"title": "S", "rows": [{"id": "r1", "title": "Row one"}]}]}}})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(fake.sent().len(), 7);
}

#[tokio::test]
async fn templates_must_exist_be_approved_and_get_their_parameters() {
    let (fake, _receiver) = setup().await;
    fake.add_template(
        WABA,
        CloudTemplate {
            name: "welcome".into(),
            language: "en_US".into(),
            status: "PENDING".into(),
            category: "MARKETING".into(),
            components: json!([{"type": "HEADER", "format": "TEXT", "text": "Hello {{name}}"}, {"type": "BODY", "text": "Welcome, {{name}}. Code {{code}}."}]),
        },
    );
    // The contract's sample request (its document header is not counted).
    let (status, answer) = send(&fake, &contract_sample("cloud/send-template-request.json")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["messages"][0]["message_status"], "accepted");

    let (status, body) = send(&fake, &template_send("order_shipped", "pt_BR", &["Ana", "#1"])).await;
    assert_eq!(status, 400);
    let error = graph_error(&body, 132001);
    assert_eq!(
        error["message"],
        "(#132001) Template name does not exist in the translation"
    );
    let (_, body) = send(&fake, &template_send("no_such", "en_US", &[])).await;
    graph_error(&body, 132001);
    let (_, body) = send(&fake, &template_send("welcome", "en_US", &["a", "b"])).await;
    graph_error(&body, 132001);
    let (status, body) = send(&fake, &template_send("summer_sale", "pt_BR", &["Ana"])).await;
    assert_eq!(status, 400);
    assert_eq!(
        graph_error(&body, 132015)["message"],
        "(#132015) Template is Paused"
    );

    let (status, body) = send(&fake, &template_send("order_shipped", "en_US", &["Ana"])).await;
    assert_eq!(status, 400);
    let error = graph_error(&body, 132000);
    assert_eq!(
        error["message"],
        "(#132000) Number of parameters does not match the expected number of params"
    );
    assert!(
        details(&body).contains("(1)") && details(&body).contains("(2)"),
        "{body}"
    );

    fake.set_template_status(WABA, "welcome", "en_US", "APPROVED");
    // Named variables: two distinct in the body, one in the text header.
    let (_, body) = send(&fake, &template_send("welcome", "en_US", &["Ana", "42"])).await;
    assert!(details(&body).starts_with("header:"), "{body}");
    let mut request = template_send("welcome", "en_US", &["Ana", "42"]);
    request["template"]["components"]
        .as_array_mut()
        .expect("components")
        .push(json!({"type": "header", "parameters": [{"type": "text", "parameter_name": "name", "text": "Ana"}]}));
    let (status, answer) = send(&fake, &request).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(fake.sent().len(), 2);
}

#[tokio::test]
async fn templates_are_listed_in_pages() {
    let (fake, _receiver) = setup().await;
    fake.add_template(
        WABA,
        CloudTemplate::with_body("third", "es_ES", "REJECTED", "MARKETING", "Hola {{nombre}}"),
    );
    let (status, first) = get_json(&fake, &format!("{WABA}/message_templates?limit=2"), Some(TOKEN)).await;
    assert_eq!(status, 200);
    let data = first["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["name"], "order_shipped");
    assert_eq!(data[0]["language"], "en_US");
    assert_eq!(data[0]["status"], "APPROVED");
    assert_eq!(data[0]["category"], "UTILITY");
    assert_eq!(data[0]["parameter_format"], "POSITIONAL");
    assert!(data[0]["id"]
        .as_str()
        .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit())));
    assert_eq!(
        data[0]["components"][0]["text"],
        "Hi {{1}}, your order {{2}} shipped today."
    );
    assert_eq!(data[1]["status"], "PAUSED");
    assert!(first["paging"]["cursors"]["before"].is_string());
    let next = first["paging"]["next"].as_str().expect("next page").to_owned();
    assert!(
        next.starts_with(&graph(&fake, &format!("{WABA}/message_templates?"))),
        "{next}"
    );
    let second: Value = http()
        .get(&next)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(second["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["data"][0]["name"], "third");
    assert_eq!(second["data"][0]["parameter_format"], "NAMED");
    assert!(second["paging"].get("next").is_none(), "{second}");
    // The `after` cursor also works by hand, and the default page holds everything.
    let after = first["paging"]["cursors"]["after"].as_str().expect("after");
    let (_, by_hand) = get_json(
        &fake,
        &format!("{WABA}/message_templates?after={after}"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(by_hand["data"][0]["name"], "third");
    let (_, all) = get_json(&fake, &format!("{WABA}/message_templates"), Some(TOKEN)).await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(3));
    assert!(all["paging"].get("next").is_none());
    let (status, body) = get_json(&fake, &format!("{WABA}/message_templates?after=%%%"), Some(TOKEN)).await;
    assert_eq!(status, 400);
    graph_error(&body, 100);
}

#[tokio::test]
async fn read_marks_are_recorded_not_sent() {
    let (fake, _receiver) = setup().await;
    let (status, body) = send(
        &fake,
        &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.INBOUND"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(fake.read_marks(), [(PNID.to_owned(), "wamid.INBOUND".to_owned())]);
    assert!(fake.sent().is_empty());
    let (status, body) = send(&fake, &json!({"messaging_product": "whatsapp", "status": "read"})).await;
    assert_eq!(status, 400);
    assert!(details(&body).contains("message_id"));
}

#[tokio::test]
async fn the_pair_rate_limit_allows_six_in_six_seconds() {
    let (fake, _receiver) = setup().await;
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    for i in 0..6 {
        let (status, _) = send(&fake, &text_to(CUSTOMER, &format!("#{i}"))).await;
        assert_eq!(status, 200, "send {i}");
    }
    let (status, body) = send(&fake, &text_to(CUSTOMER, "one too many")).await;
    assert_eq!(status, 400);
    assert_eq!(
        graph_error(&body, 131056)["message"],
        "(#131056) (Business Account, Consumer Account) pair rate limit hit"
    );
    assert_eq!(body["error"]["error_data"]["messaging_product"], "whatsapp");
    // Another customer is not limited; and after six seconds this one is free again.
    let (status, _) = send(&fake, &template_send("order_shipped", "en_US", &["A", "B"])).await;
    assert_eq!(status, 400, "the template goes to the same customer");
    let (status, _) = send(&fake, &text_to("15550001111", "other")).await;
    assert_eq!(status, 200);
    fake.advance(7);
    let (status, _) = send(&fake, &text_to(CUSTOMER, "later")).await;
    assert_eq!(status, 200);
    assert_eq!(fake.sent().len(), 8);
}

/// A hand-built multipart upload: `messaging_product`, `type` and `file`, each optional.
async fn upload(fake: &FakeCloud, bytes: &[u8], mime: &str, product: Option<&str>) -> (u16, Value) {
    let boundary = "----fakecloudboundary";
    let mut body = Vec::new();
    let mut text_part = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    if let Some(product) = product {
        text_part("messaging_product", product);
    }
    text_part("type", mime);
    if !bytes.is_empty() {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: {mime}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = http()
        .post(graph(fake, &format!("{PNID}/media")))
        .bearer_auth(TOKEN)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn media_is_uploaded_looked_up_and_downloaded_until_the_url_expires() {
    let (fake, _receiver) = setup().await;
    let bytes = b"\x89PNG\r\n\x1a\nfake image bytes".to_vec();
    let (status, answer) = upload(&fake, &bytes, "image/png", Some("whatsapp")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["id"].as_str().expect("id").to_owned();
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert_eq!(fake.uploaded(&id), Some((bytes.clone(), "image/png".to_owned())));

    let (status, info) = get_json(&fake, &id, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(info["messaging_product"], "whatsapp");
    assert_eq!(info["mime_type"], "image/png");
    assert_eq!(info["file_size"], bytes.len());
    assert_eq!(info["id"], id.as_str());
    assert_eq!(
        info["sha256"],
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes))
    );
    let url = info["url"].as_str().expect("url").to_owned();
    assert!(
        url.starts_with(&format!("{}__media/{id}?expires=", fake.url())),
        "{url}"
    );

    let response = http().get(&url).bearer_auth(TOKEN).send().await.expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), bytes);
    let response = http().get(&url).send().await.expect("answer");
    assert_eq!(response.status(), 401);
    let response = http()
        .get(&url)
        .bearer_auth("nonsense")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 401);
    fake.advance(301);
    let response = http().get(&url).bearer_auth(TOKEN).send().await.expect("answer");
    assert_eq!(response.status(), 404);
    // A fresh lookup gives a fresh URL.
    let (_, info) = get_json(&fake, &id, Some(TOKEN)).await;
    let response = http()
        .get(info["url"].as_str().expect("url"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);

    // The uploaded id can be sent.
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    let (status, _) = send(&fake, &json!({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image", "image": {"id": id, "caption": "Here"}})).await;
    assert_eq!(status, 200);

    let (status, body) = upload(&fake, b"", "image/png", Some("whatsapp")).await;
    assert_eq!(status, 400);
    assert!(details(&graph_error_owned(body, 100)).contains("file"));
    let (status, body) = upload(&fake, b"x", "image/png", None).await;
    assert_eq!(status, 400);
    assert!(details(&body).contains("messaging_product"));
}

fn graph_error_owned(body: Value, code: i64) -> Value {
    graph_error(&body, code);
    body
}

#[tokio::test]
async fn customer_media_is_registered_and_downloadable() {
    let (fake, receiver) = setup().await;
    let jpeg = b"\xff\xd8\xff\xe0fake jpeg".to_vec();
    let wamid = fake
        .customer_writes(
            PNID,
            CUSTOMER,
            "Ana Lima",
            json!({"type": "image", "image": {"caption": "It arrived like this"}}),
            Some((jpeg.clone(), "image/jpeg".into())),
        )
        .await;
    let hit = &receiver.wait_for(1).await[0];
    let payload = hit.json();
    same_shape_except_media(&payload);
    let message = &payload["entry"][0]["changes"][0]["value"]["messages"][0];
    assert_eq!(message["id"], wamid.as_str());
    assert_eq!(message["from"], CUSTOMER);
    assert_eq!(message["image"]["mime_type"], "image/jpeg");
    assert_eq!(message["image"]["caption"], "It arrived like this");
    assert_eq!(
        message["image"]["sha256"],
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&jpeg))
    );
    let id = message["image"]["id"].as_str().expect("media id");
    assert_eq!(fake.uploaded(id), Some((jpeg.clone(), "image/jpeg".into())));
    // Meta's encoder escapes slashes too.
    assert!(
        hit.text().contains(r#""mime_type":"image\/jpeg""#),
        "{}",
        hit.text()
    );
    let (_, info) = get_json(&fake, id, Some(TOKEN)).await;
    let bytes = http()
        .get(info["url"].as_str().expect("url"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.to_vec(), jpeg);
}

fn same_shape_except_media(payload: &Value) {
    same_shape(payload, &contract_sample("cloud/webhook-message-image.json"), "$");
}

#[tokio::test]
async fn webhooks_are_signed_over_escaped_unicode_bytes() {
    let (fake, receiver) = setup().await;
    let wamid = fake
        .customer_writes(
            PNID,
            CUSTOMER,
            "Zoë 😀",
            json!({"type": "text", "text": {"body": "Olá, pão de queijo?"}}),
            None,
        )
        .await;
    let hit = &receiver.wait_for(1).await[0];
    let raw = hit.text();
    assert!(raw.is_ascii(), "{raw}");
    assert!(raw.contains(r#""name":"Zo\u00eb \ud83d\ude00""#), "{raw}");
    assert!(raw.contains(r#"Ol\u00e1, p\u00e3o de queijo?"#), "{raw}");
    let expected = format!("sha256={}", hex_hmac(SECRET, &hit.body));
    assert_eq!(hit.signature.as_deref(), Some(expected.as_str()));
    assert_eq!(fake.signature_for(PNID, &hit.body), expected);
    assert_eq!(hit.content_type.as_deref(), Some("application/json"));
    // Re-serialising changes the bytes, so the signature no longer fits.
    let reserialised = serde_json::to_vec(&hit.json()).expect("serialise");
    assert_ne!(fake.signature_for(PNID, &reserialised), expected);

    let payload = hit.json();
    compare(
        &payload,
        &contract_sample("cloud/webhook-message-text.json"),
        "$",
        false,
    );
    let value = &payload["entry"][0]["changes"][0]["value"];
    assert_eq!(value["contacts"][0]["profile"]["name"], "Zoë 😀");
    assert_eq!(value["messages"][0]["id"], wamid.as_str());
    let timestamp: i64 = value["messages"][0]["timestamp"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("string timestamp");
    assert!((timestamp - fake.now()).abs() <= 2);

    let answers = fake.webhook_answers();
    assert_eq!(answers, [(Some(200), raw.clone())]);
}

#[tokio::test]
async fn the_fake_clock_moves_timestamps() {
    let (fake, receiver) = setup().await;
    let real = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    assert!((fake.now() - real).abs() <= 2);
    fake.advance(3 * 86_400);
    assert!((fake.now() - real - 3 * 86_400).abs() <= 2);
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    let payload = receiver.wait_for(1).await[0].json();
    let timestamp: i64 = payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("timestamp");
    assert!((timestamp - real - 3 * 86_400).abs() <= 2);

    // Absurd clocks (the control route takes any number) still answer.
    fake.advance(i64::MAX);
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    fake.advance(i64::MIN);
    fake.advance(i64::MIN);
    let (status, _) = send(&fake, &text_to(CUSTOMER, "Hi")).await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_callback_must_echo_the_challenge() {
    let fake = FakeCloud::start().await;
    fake.add_demo();
    let receiver = Receiver::start().await;
    let refused = fake.subscribe_callback(WABA, &receiver.url, "wrong-token").await;
    assert!(refused.is_err());
    *receiver.state.wrong_answer.lock().expect("lock") = Some("not the challenge".into());
    assert!(fake
        .subscribe_callback(WABA, &receiver.url, VERIFY)
        .await
        .is_err());
    assert!(fake
        .subscribe_callback(WABA, "http://127.0.0.1:9/hook", VERIFY)
        .await
        .is_err());
    // Not subscribed yet: nothing is posted.
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    assert!(fake.webhook_answers().is_empty());
    assert_eq!(fake.post_raw(WABA, b"{}", None).await, None);

    *receiver.state.wrong_answer.lock().expect("lock") = None;
    fake.subscribe_callback(WABA, &receiver.url, VERIFY)
        .await
        .expect("verified");
    let query = receiver
        .state
        .verifications
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a GET");
    assert_eq!(query["hub.mode"], "subscribe");
    assert_eq!(query["hub.verify_token"], VERIFY);
    assert!(query["hub.challenge"].bytes().all(|b| b.is_ascii_digit()));

    // Raw posts, with and without a signature.
    assert_eq!(fake.post_raw(WABA, b"{\"object\":1}", None).await, Some(200));
    assert_eq!(fake.post_raw(WABA, b"{}", Some("sha256=00")).await, Some(200));
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits[0].signature, None);
    assert_eq!(hits[0].body, b"{\"object\":1}");
    assert_eq!(hits[1].signature.as_deref(), Some("sha256=00"));
    assert_eq!(fake.webhook_answers().len(), 2);
}

#[tokio::test]
async fn statuses_can_be_posted_for_sent_messages() {
    let (fake, receiver) = setup().await;
    fake.customer_writes(
        PNID,
        CUSTOMER,
        "Ana",
        json!({"type": "text", "text": {"body": "Hi"}}),
        None,
    )
    .await;
    let (_, answer) = send(&fake, &text_to(CUSTOMER, "Hello")).await;
    let wamid = wamid_of(&answer);
    assert_eq!(fake.post_status(&wamid, "read", None).await, Some(200));
    assert_eq!(
        fake.post_status(&wamid, "failed", Some(json!([{"code": 131049, "title": "x"}])))
            .await,
        Some(200)
    );
    assert_eq!(fake.post_status("wamid.unknown", "read", None).await, None);
    let statuses = statuses(&receiver.wait_for(3).await);
    assert_eq!(statuses[0]["status"], "read");
    assert_eq!(statuses[0]["recipient_id"], CUSTOMER);
    assert!(statuses[0].get("pricing").is_none());
    assert_eq!(statuses[1]["errors"][0]["code"], 131049);
}

#[tokio::test]
async fn template_status_changes_are_posted() {
    let (fake, receiver) = setup().await;
    fake.set_template_status(WABA, "summer_sale", "pt_BR", "APPROVED");
    let hit = &receiver.wait_for(1).await[0];
    let payload = hit.json();
    let change = &payload["entry"][0]["changes"][0];
    assert_eq!(change["field"], "message_template_status_update");
    assert_eq!(change["value"]["event"], "APPROVED");
    assert_eq!(change["value"]["message_template_name"], "summer_sale");
    assert_eq!(
        hit.signature.as_deref(),
        Some(fake.signature_for(PNID, &hit.body).as_str())
    );
    let (status, _) = send(&fake, &template_send("summer_sale", "pt_BR", &["Ana"])).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn faults_are_queued_and_used_one_per_request() {
    let (fake, _receiver) = setup().await;
    fake.fail_next(CloudFault::Status(503));
    fake.fail_next(CloudFault::Graph {
        code: 130429,
        http: 400,
    });
    fake.fail_next(CloudFault::Status(500));
    let (status, body) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 503);
    assert_eq!(graph_error(&body, 2)["is_transient"], true);
    let (status, body) = send(&fake, &text_to(CUSTOMER, "Hi")).await;
    assert_eq!(status, 400);
    let error = graph_error(&body, 130429);
    let sample = contract_sample("cloud/error-130429.json");
    assert_eq!(error["message"], sample["error"]["message"]);
    assert_eq!(error["error_data"], sample["error"]["error_data"]);
    let (status, body) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 500);
    graph_error(&body, 1);
    let (status, _) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(fake.sent().is_empty(), "a failed send is not accepted");

    fake.fail_next(CloudFault::Graph {
        code: 131048,
        http: 400,
    });
    // The control surface is never failed.
    let sent: Value = http()
        .get(format!("{}__fake/sent", fake.url()))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(sent, json!([]));
    let (status, body) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 400);
    graph_error(&body, 131048);
}

#[tokio::test]
async fn a_timeout_never_answers_and_a_reset_closes_the_connection() {
    let (fake, _receiver) = setup().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(700))
        .build()
        .expect("client");
    fake.fail_next(CloudFault::Timeout);
    let error = client
        .get(graph(&fake, PNID))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect_err("no answer");
    assert!(error.is_timeout(), "{error:?}");

    // Warm the connection pool first, so the reset hits a reused connection too. The timeout only
    // keeps a broken reset from hanging the test.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let ok = client
        .get(graph(&fake, PNID))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), 200);
    let _ = ok.bytes().await;
    fake.fail_next(CloudFault::Reset);
    let started = std::time::Instant::now();
    let error = client
        .post(graph(&fake, &format!("{PNID}/messages")))
        .bearer_auth(TOKEN)
        .json(&text_to(CUSTOMER, "Hi"))
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(fake.sent().is_empty());
    let fresh = client
        .get(graph(&fake, PNID))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(fresh.status(), 200);
}

#[tokio::test]
async fn requests_are_recorded_without_query_strings() {
    let (fake, _receiver) = setup().await;
    get_json(&fake, &format!("{PNID}?fields=quality_rating"), Some(TOKEN)).await;
    send(
        &fake,
        &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.A"}),
    )
    .await;
    post_json(&fake, &format!("{WABA}/subscribed_apps"), Some(TOKEN), &json!({})).await;
    let _ = http().get(format!("{}__fake/sent", fake.url())).send().await;
    assert_eq!(
        fake.requests(),
        [
            format!("GET /v23.0/{PNID}"),
            format!("POST /v23.0/{PNID}/messages"),
            format!("POST /v23.0/{WABA}/subscribed_apps"),
        ]
    );
}

#[tokio::test]
async fn the_app_subscribes_and_the_number_registers() {
    let (fake, _receiver) = setup().await;
    let (status, body) = post_json(&fake, &format!("{WABA}/subscribed_apps"), Some(TOKEN), &json!({})).await;
    assert_eq!((status, body), (200, json!({"success": true})));
    let (status, body) = post_json(
        &fake,
        &format!("{PNID}/register"),
        Some(TOKEN),
        &json!({"messaging_product": "whatsapp", "pin": "123456"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    let (status, body) = get_json(&fake, &format!("{WABA}/subscribed_apps"), Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(body["data"].is_array());
    // The WABA node itself.
    let (status, body) = get_json(&fake, WABA, Some(TOKEN)).await;
    assert_eq!((status, body), (200, json!({"id": WABA, "name": "Loja Demo"})));
}

async fn control(fake: &FakeCloud, path: &str, body: Value) -> Value {
    let response = http()
        .post(format!("{}__fake/{path}", fake.url()))
        .json(&body)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn the_control_surface_drives_the_fake_from_another_process() {
    let fake = FakeCloud::start().await;
    let receiver = Receiver::start().await;
    control(
        &fake,
        "numbers",
        json!({"phoneNumberId": PNID, "wabaId": WABA, "displayPhoneNumber": "15550001234",
               "verifiedName": "Loja Demo", "token": TOKEN, "appSecret": SECRET}),
    )
    .await;
    control(
        &fake,
        &format!("templates/{WABA}"),
        json!({"name": "order_shipped", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
               "components": [{"type": "BODY", "text": "Hi {{1}}"}]}),
    )
    .await;
    control(
        &fake,
        "subscribe",
        json!({"wabaId": WABA, "callbackUrl": receiver.url, "verifyToken": VERIFY}),
    )
    .await;
    let refused = http()
        .post(format!("{}__fake/subscribe", fake.url()))
        .json(&json!({"wabaId": WABA, "callbackUrl": receiver.url, "verifyToken": "nope"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), 400);
    control(&fake, "auto-receipts", json!({"on": true})).await;
    let written = control(
        &fake,
        "customer-writes",
        json!({"phoneNumberId": PNID, "from": CUSTOMER, "name": "Ana", "message": {"type": "text", "text": {"body": "Hi"}}}),
    )
    .await;
    assert!(written["wamid"].as_str().is_some_and(|w| w.starts_with("wamid.")));
    let (status, answer) = send(&fake, &template_send("order_shipped", "en_US", &["Ana"])).await;
    assert_eq!(status, 200, "{answer}");
    let wamid = wamid_of(&answer);
    receiver.wait_for(3).await;
    let posted = control(&fake, "status", json!({"wamid": wamid, "status": "read"})).await;
    assert_eq!(posted["webhookStatus"], 200);
    let statuses = statuses(&receiver.wait_for(4).await);
    let names: Vec<&str> = statuses
        .iter()
        .map(|s| s["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["sent", "delivered", "read"]);

    let before = fake.now();
    let advanced = control(&fake, "advance", json!({"seconds": 90_000})).await;
    assert!(advanced["now"].as_i64().is_some_and(|now| now - before >= 90_000));
    let (_, answer) = send(&fake, &text_to(CUSTOMER, "window closed by now")).await;
    let failed = statuses_after(&receiver, 5).await;
    assert_eq!(failed["id"], wamid_of(&answer).as_str());
    assert_eq!(failed["errors"][0]["code"], 131047);

    let sent: Value = http()
        .get(format!("{}__fake/sent", fake.url()))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(sent.as_array().map(Vec::len), Some(2));
    assert_eq!(sent[0]["phoneNumberId"], PNID);
    assert_eq!(sent[0]["wamid"], wamid.as_str());
    assert_eq!(sent[0]["body"]["type"], "template");

    control(&fake, "fail-next", json!({"graph": {"code": 368, "http": 403}})).await;
    let (status, body) = get_json(&fake, PNID, Some(TOKEN)).await;
    assert_eq!(status, 403);
    graph_error(&body, 368);
    let bad = http()
        .post(format!("{}__fake/numbers", fake.url()))
        .json(&json!({"phoneNumberId": 1}))
        .send()
        .await
        .expect("answer");
    assert_eq!(bad.status(), 400);
}

/// The last status of the first `count` webhooks.
async fn statuses_after(receiver: &Receiver, count: usize) -> Value {
    let all = statuses(&receiver.wait_for(count).await);
    all.last().cloned().expect("a status")
}
