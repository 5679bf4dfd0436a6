//! The harness: an engine with a hand-moved clock behind the real listener on port 0, a fake
//! Evolution server, two instances and three keys; and a tiny webhook receiver.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchboard_engine::clock::ManualClock;
use switchboard_engine::domain::InstanceStatus;
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::settings::Settings;
use switchboard_engine::store::{Instance, Message, Store};
use switchboard_engine::{
    AddInstanceRequest, ComposeContent, Engine, EngineOptions, NewApiKey, OutboxStep, ProviderSetup,
    SendRequest,
};
use switchboard_testkit::FakeEvolution;

/// The fake Evolution server's global key.
pub const KEY: &str = "global-test-key";

pub struct Harness {
    pub engine: Engine,
    pub fake: FakeEvolution,
    pub clock: Arc<ManualClock>,
    pub base: String,
    pub http: reqwest::Client,
    pub instance_a: Instance,
    pub instance_b: Instance,
    /// The engine's database, for tests that make changes in bulk.
    pub store: Store,
    pub key_a: String,
    pub key_b: String,
    pub key_both: String,
    _media: tempfile::TempDir,
}

pub fn uuid() -> String {
    switchboard_engine::domain::InstanceId::new_random().to_string()
}

/// A greeting; tests send it several times on purpose, so it is not held as a repeat.
pub fn text(instance: &Instance, to: &str) -> SendRequest {
    SendRequest {
        instance_id: instance.id.clone(),
        to: to.into(),
        content: ComposeContent::Text {
            text: "Olá".into(),
            reply_to: None,
        },
        scheduled_at: None,
        idempotency_key: None,
        allow_repeat: true,
    }
}

pub async fn harness(settings: Settings) -> Harness {
    let fake = FakeEvolution::start(KEY).await;
    let media = tempfile::tempdir().expect("media");
    let clock = Arc::new(ManualClock::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_millis() as i64,
    ));
    let store = Store::in_memory().await.expect("store");
    let mut options = EngineOptions::new(
        store.clone(),
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        media.path().to_path_buf(),
    );
    options.clock = clock.clone();
    let engine = Engine::new(options).await.expect("engine");
    engine.update_settings(settings).await.expect("settings");
    let add = |name: &str| AddInstanceRequest {
        display_name: name.into(),
        provider: ProviderSetup::Evolution {
            server_url: fake.url().into(),
            api_key: KEY.into(),
        },
    };
    let instance_a = engine.add_instance(add("Loja A")).await.expect("a");
    let instance_b = engine.add_instance(add("Loja B")).await.expect("b");
    let key = |name: &str, ids: Vec<_>| NewApiKey {
        name: name.into(),
        instance_ids: ids,
        daily_limit: None,
        manages_numbers: false,
    };
    let key_a = engine
        .create_api_key(key("shop", vec![instance_a.id.clone()]))
        .await
        .expect("key")
        .secret;
    let key_b = engine
        .create_api_key(key("crm", vec![instance_b.id.clone()]))
        .await
        .expect("key")
        .secret;
    let key_both = engine
        .create_api_key(key("script", vec![instance_a.id.clone(), instance_b.id.clone()]))
        .await
        .expect("key")
        .secret;
    let listener = switchboard_server::start_listener(engine.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listen");
    Harness {
        engine,
        fake,
        clock,
        base: format!("http://{}", listener.addr),
        http: reqwest::Client::new(),
        instance_a,
        instance_b,
        store,
        key_a,
        key_b,
        key_both,
        _media: media,
    }
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

impl Harness {
    pub async fn get(&self, path: &str, key: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        answer(request.send().await.expect("get")).await
    }

    pub async fn get_with(&self, path: &str, key: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base)).bearer_auth(key);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.expect("get")).await
    }

    pub async fn post(
        &self,
        path: &str,
        key: Option<&str>,
        body: &Value,
        idempotency: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(idempotency) = idempotency {
            request = request.header("Idempotency-Key", idempotency);
        }
        answer(request.send().await.expect("post")).await
    }

    pub async fn post_raw(&self, path: &str, key: &str, content_type: &str, body: String) -> (u16, Value) {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("content-type", content_type)
            .body(body);
        answer(request.send().await.expect("post")).await
    }

    pub async fn put(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let request = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(key)
            .json(body);
        answer(request.send().await.expect("put")).await
    }

    pub async fn patch(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let request = self
            .http
            .patch(format!("{}{path}", self.base))
            .bearer_auth(key)
            .json(body);
        answer(request.send().await.expect("patch")).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> u16 {
        self.http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .expect("delete")
            .status()
            .as_u16()
    }

    pub async fn key_with_limit(&self, limit: u32) -> String {
        let new = NewApiKey {
            name: "limited".into(),
            instance_ids: vec![self.instance_a.id.clone()],
            daily_limit: Some(limit),
            manages_numbers: false,
        };
        self.engine.create_api_key(new).await.expect("key").secret
    }

    /// Turns every recorded change into deliveries, as the background recorder does. Returns how
    /// many deliveries were written.
    pub async fn record_changes(&self) -> usize {
        let mut deliveries = 0;
        loop {
            let pass = self.engine.record_webhook_changes().await.expect("record");
            if pass.changes == 0 {
                return deliveries;
            }
            deliveries += pass.deliveries;
        }
    }

    pub async fn connect_a(&self) {
        self.fake
            .open(&self.instance_a.remote_name, "Loja A", "5511900000001")
            .await;
        assert_eq!(
            self.engine
                .poll_instance(&self.instance_a.id)
                .await
                .expect("poll"),
            InstanceStatus::Connected
        );
    }

    pub async fn step_a(&self) -> Message {
        for _ in 0..10 {
            match self.engine.outbox_step(&self.instance_a.id).await.expect("step") {
                OutboxStep::Processed(message) => return *message,
                OutboxStep::Wait { until } => self
                    .clock
                    .advance(until - switchboard_engine::clock::Clock::now(&*self.clock)),
                other => panic!("{other:?}"),
            }
        }
        panic!("the outbox kept waiting")
    }
}

/// Reads an SSE response until `marker` appears (or 5 s pass).
pub async fn read_stream_until(mut response: reqwest::Response, marker: &str) -> String {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !text.contains(marker) {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    text
}

/// A request the receiver got: its headers and raw body.
pub type Received = (HashMap<String, String>, String);

/// A webhook receiver answering the given statuses in turn (then 200), recording every request.
pub struct Receiver {
    pub url: String,
    requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(statuses: Vec<u16>) -> Self {
        Self::answering(statuses, std::time::Duration::ZERO).await
    }

    /// A receiver that takes `delay` over every answer.
    pub async fn slow(delay: std::time::Duration) -> Self {
        Self::answering(Vec::new(), delay).await
    }

    async fn answering(statuses: Vec<u16>, delay: std::time::Duration) -> Self {
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answers = Arc::new(Mutex::new(statuses.into_iter()));
        let recorded = requests.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let recorded = recorded.clone();
                let answers = answers.clone();
                async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                        .collect();
                    recorded.lock().expect("lock").push((headers, body));
                    tokio::time::sleep(delay).await;
                    let status = answers.lock().expect("lock").next().unwrap_or(200);
                    axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, requests }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.requests.lock().expect("lock").clone()
    }
}
