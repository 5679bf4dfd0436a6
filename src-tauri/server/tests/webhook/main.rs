//! The webhook receiver over real HTTP: the fake Evolution server posts signed webhooks to the
//! listener exactly as the real one does; forged, expired, malformed and oversized posts are refused
//! and change nothing. `cloud` does the same for a Cloud API number against the fake Graph API.

mod cloud;

use serde_json::json;
use std::sync::Arc;
use switchboard_engine::clock::ManualClock;
use switchboard_engine::domain::{EventPath, InstanceStatus, MessageStatus};
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{Instance, MessageFilter, Store};
use switchboard_engine::{
    AddInstanceRequest, ComposeContent, Engine, EngineOptions, OutboxStep, ProviderSetup, SendRequest,
};
use switchboard_testkit::FakeEvolution;

const KEY: &str = "global-test-key";

struct Harness {
    engine: Engine,
    fake: FakeEvolution,
    listener: String,
    http: reqwest::Client,
    clock: Arc<ManualClock>,
    store: Store,
}

async fn harness() -> Harness {
    let harness = harness_without_listener().await;
    let listener =
        switchboard_server::start_listener(harness.engine.clone(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("listener");
    Harness {
        listener: format!("http://{}", listener.addr),
        ..harness
    }
}

/// The engine before any listener runs (as `switchboard-server add-instance` once was).
async fn harness_without_listener() -> Harness {
    let fake = FakeEvolution::start(KEY).await;
    let store = Store::in_memory().await.expect("store");
    let media = std::env::temp_dir().join(format!("switchboard-test-media-{}", std::process::id()));
    let clock = Arc::new(ManualClock::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_millis() as i64,
    ));
    let mut options = EngineOptions::new(
        store.clone(),
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        media,
    );
    options.clock = clock.clone();
    let engine = Engine::new(options).await.expect("engine");
    Harness {
        engine,
        fake,
        listener: String::new(),
        http: reqwest::Client::new(),
        clock,
        store,
    }
}

impl Harness {
    async fn add(&self) -> Instance {
        let request = AddInstanceRequest {
            display_name: "Loja Exemplo".into(),
            provider: ProviderSetup::Evolution {
                server_url: self.fake.url().into(),
                api_key: KEY.into(),
            },
        };
        self.engine.add_instance(request).await.expect("add")
    }

    async fn status(&self, instance: &Instance) -> InstanceStatus {
        self.engine
            .get_instance(&instance.id)
            .await
            .expect("instance")
            .status
    }

    fn url_for(&self, instance: &Instance) -> String {
        format!("{}/webhooks/evolution/{}", self.listener, instance.id)
    }

    async fn post(&self, url: &str, authorization: Option<String>, body: Vec<u8>) -> u16 {
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        request.send().await.expect("post").status().as_u16()
    }
}

fn bearer(secret: &str, iat: u64, exp: u64) -> String {
    let claims = json!({"iat": iat, "exp": exp, "app": "evolution", "action": "webhook"});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign");
    format!("Bearer {token}")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn open_event(name: &str) -> Vec<u8> {
    let mut body = switchboard_testkit::contract_sample("evolution/webhook-connection-update-open.json");
    body["instance"] = json!(name);
    serde_json::to_vec(&body).expect("json")
}

#[tokio::test]
async fn instances_are_created_with_a_signed_webhook_to_the_listener() {
    let h = harness().await;
    let instance = h.add().await;
    assert!(instance.uses_webhook);
    assert_eq!(
        h.fake.webhook_url_of(&instance.remote_name),
        Some(h.url_for(&instance))
    );
    assert_eq!(
        h.fake.webhook_secret_of(&instance.remote_name).map(|s| s.len()),
        Some(64)
    );
}

#[tokio::test]
async fn signed_webhooks_move_status_qr_and_receipts() {
    let h = harness().await;
    let instance = h.add().await;

    assert_eq!(
        h.fake.act(&instance.remote_name, "qr", &json!({})).await,
        Some(200)
    );
    assert_eq!(
        h.engine.link_view(&instance.id).await.expect("link").codes_shown,
        2
    );

    assert_eq!(
        h.fake
            .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
            .await,
        Some(200)
    );
    let connected = h.engine.get_instance(&instance.id).await.expect("instance");
    assert_eq!(connected.status, InstanceStatus::Connected);
    assert_eq!(connected.profile_name.as_deref(), Some("Loja Exemplo"));

    let request = SendRequest {
        instance_id: instance.id.clone(),
        to: "5511900000002".into(),
        content: ComposeContent::Text {
            text: "Olá".into(),
            reply_to: None,
        },
        scheduled_at: None,
        idempotency_key: None,
        allow_repeat: false,
    };
    let message = h.engine.send_message(request).await.expect("send");
    let OutboxStep::Processed(sent) = h.engine.outbox_step(&instance.id).await.expect("step") else {
        panic!("not sent")
    };
    let provider_id = sent.provider_message_id.expect("id");
    let receipt = json!({"id": provider_id, "status": "DELIVERY_ACK"});
    assert_eq!(
        h.fake.act(&instance.remote_name, "receipt", &receipt).await,
        Some(200)
    );
    assert_eq!(
        h.engine.get_message(&message.id).await.expect("m").status,
        MessageStatus::Delivered
    );

    assert_eq!(
        h.fake
            .act(&instance.remote_name, "close", &json!({"statusReason": 401}))
            .await,
        Some(200)
    );
    assert_eq!(h.status(&instance).await, InstanceStatus::LoggedOut);
}

#[tokio::test]
async fn the_qr_limit_arrives_as_a_state() {
    let h = harness().await;
    let instance = h.add().await;
    assert_eq!(
        h.fake.act(&instance.remote_name, "qr-limit", &json!({})).await,
        Some(200)
    );
    assert_eq!(h.status(&instance).await, InstanceStatus::QrLimitReached);
}

#[tokio::test]
async fn forged_expired_unsigned_and_unknown_posts_get_401_and_change_nothing() {
    let h = harness().await;
    let instance = h.add().await;
    let secret = h.fake.webhook_secret_of(&instance.remote_name).expect("secret");
    let url = h.url_for(&instance);
    let body = open_event(&instance.remote_name);
    let t = now();

    assert_eq!(h.post(&url, None, body.clone()).await, 401, "unsigned");
    assert_eq!(
        h.post(&url, Some(bearer("not-the-secret", t, t + 600)), body.clone())
            .await,
        401,
        "forged"
    );
    assert_eq!(
        h.post(&url, Some(bearer(&secret, t - 1200, t - 600)), body.clone())
            .await,
        401,
        "expired"
    );
    assert_eq!(
        h.post(&url, Some(format!("Bearer {secret}")), body.clone()).await,
        401,
        "raw secret"
    );
    let unknown = format!(
        "{}/webhooks/evolution/{}",
        h.listener,
        switchboard_engine::domain::InstanceId::new_random()
    );
    assert_eq!(
        h.post(&unknown, Some(bearer(&secret, t, t + 600)), body.clone())
            .await,
        401,
        "unknown instance"
    );
    let traversal = format!("{}/webhooks/evolution/..%2F..%2Fetc", h.listener);
    assert_eq!(
        h.post(&traversal, Some(bearer(&secret, t, t + 600)), body.clone())
            .await,
        401,
        "not an id"
    );
    assert_eq!(
        h.status(&instance).await,
        InstanceStatus::Linking,
        "nothing applied"
    );

    assert_eq!(
        h.post(&url, Some(bearer(&secret, t, t + 600)), body).await,
        200,
        "the genuine article"
    );
    assert_eq!(h.status(&instance).await, InstanceStatus::Connected);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused() {
    let h = harness().await;
    let instance = h.add().await;
    let secret = h.fake.webhook_secret_of(&instance.remote_name).expect("secret");
    let url = h.url_for(&instance);
    let t = now();
    let signed = || Some(bearer(&secret, t, t + 600));

    assert_eq!(h.post(&url, signed(), b"{\"event\": ".to_vec()).await, 400);
    assert_eq!(
        h.post(
            &url,
            signed(),
            br#"{"event":"connection.update","data":{}}"#.to_vec()
        )
        .await,
        400
    );
    let huge = format!(
        r#"{{"event":"messages.upsert","data":{{"pad":"{}"}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    assert_eq!(h.post(&url, signed(), huge.into_bytes()).await, 413);
    // The webhook-by-events form of the URL is accepted too.
    assert_eq!(
        h.post(
            &format!("{url}/connection-update"),
            signed(),
            open_event(&instance.remote_name)
        )
        .await,
        200
    );
}

#[tokio::test]
async fn a_repeated_delivery_is_logged_once() {
    let h = harness().await;
    let instance = h.add().await;
    let inbound =
        json!({"id": "A5F3C9D2E1B0479A8C6D5E4F3A2B1C0D", "text": "Oi! Qual o status do meu pedido?"});
    for _ in 0..3 {
        assert_eq!(
            h.fake.act(&instance.remote_name, "inbound", &inbound).await,
            Some(200)
        );
    }
    let log = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].contact, "+5511900000002",
        "the LID sample is filed under the phone number"
    );
}

#[tokio::test]
async fn health_answers() {
    let h = harness().await;
    let response = h
        .http
        .get(format!("{}/health", h.listener))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn when_the_listener_moves_the_servers_are_told() {
    let h = harness().await;
    let instance = h.add().await;
    let moved = switchboard_server::start_listener(h.engine.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listener");
    assert_eq!(h.engine.reconfigure_webhooks().await.expect("reconfigure"), 1);
    let expected = format!("http://{}/webhooks/evolution/{}", moved.addr, instance.id);
    assert_eq!(h.fake.webhook_url_of(&instance.remote_name), Some(expected));
    assert!(h
        .fake
        .requests()
        .iter()
        .any(|r| r.starts_with("POST /webhook/set/")));
    // Webhooks still verify against the same secret at the new address.
    assert_eq!(
        h.fake
            .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
            .await,
        Some(200)
    );
    assert_eq!(h.status(&instance).await, InstanceStatus::Connected);
}

/// The server posts the first QR code's webhook before it answers the create call: the
/// listener accepts it (no "unknown instance") and its code is on offer once the instance exists.
#[tokio::test]
async fn the_first_webhooks_of_a_new_instance_are_accepted_while_it_is_created() {
    let h = harness().await;
    let instance = h.add().await;
    assert_eq!(
        h.fake.webhook_answers(),
        vec![("qrcode.updated".to_owned(), Some(200))],
        "posted before the create call answered, and accepted"
    );
    let link = h.engine.link_view(&instance.id).await.expect("link");
    assert_eq!(link.status, InstanceStatus::Linking);
    assert!(link.qr_svg.is_some());
    assert_eq!(
        link.codes_shown, 1,
        "the same code from the webhook and the answer is one code"
    );
}

/// Added while no listener was known, an instance polls; when the listener starts, the check of
/// every instance's event path gives it a webhook, and its events then arrive signed.
#[tokio::test]
async fn an_instance_added_before_the_listener_gets_its_webhook_when_the_server_starts() {
    let h = harness_without_listener().await;
    let instance = h.add().await;
    assert!(!instance.uses_webhook);
    assert_eq!(h.fake.webhook_url_of(&instance.remote_name), None);

    let listener = switchboard_server::start_listener(h.engine.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listener");
    assert_eq!(h.engine.reconfigure_webhooks().await.expect("repair"), 1);
    let expected = format!("http://{}/webhooks/evolution/{}", listener.addr, instance.id);
    assert_eq!(h.fake.webhook_url_of(&instance.remote_name), Some(expected));
    assert!(
        h.engine
            .get_instance(&instance.id)
            .await
            .expect("instance")
            .uses_webhook
    );
    assert_eq!(
        h.fake
            .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
            .await,
        Some(200),
        "signed with the secret the repair stored"
    );
    assert_eq!(h.status(&instance).await, InstanceStatus::Connected);
    let line = switchboard_server::status_line(&h.engine.get_instance(&instance.id).await.expect("instance"));
    assert!(
        line.contains("connected") && line.contains("events: webhook"),
        "{line}"
    );

    // Another process (`switchboard-server status`) reads how the serving one hears the number.
    let status_process = Engine::new(EngineOptions::new(
        h.store.clone(),
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        std::env::temp_dir(),
    ))
    .await
    .expect("second engine");
    let seen_there = status_process.get_instance(&instance.id).await.expect("instance");
    assert_eq!(seen_there.event_path, EventPath::Webhook);

    // Three quiet minutes later the page no longer claims webhooks flow.
    h.clock.advance(3 * 60_000);
    let quiet = h.engine.get_instance(&instance.id).await.expect("instance");
    assert_eq!(quiet.event_path, EventPath::WebhookQuiet);
    let line = switchboard_server::status_line(&quiet);
    assert!(line.contains("none arrived lately"), "{line}");
}

/// Every subcommand applies the configuration: the listen address is known before `serve`.
#[tokio::test]
async fn configuration_gives_instances_added_before_serve_their_webhook() {
    let h = harness_without_listener().await;
    let config = switchboard_server::config::ServerConfig {
        listen: "127.0.0.1:47999".parse().expect("addr"),
        ..Default::default()
    };
    switchboard_server::configure(&h.engine, &config)
        .await
        .expect("configured");
    let instance = h.add().await;
    assert!(instance.uses_webhook);
    assert_eq!(
        h.fake.webhook_url_of(&instance.remote_name),
        Some(format!(
            "http://127.0.0.1:47999/webhooks/evolution/{}",
            instance.id
        ))
    );
}
