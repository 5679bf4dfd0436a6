//! A database written by the release before provider configuration moved to its own column
//! (migrations 1–10) opens, and its instances keep working: the Evolution one polls, connects
//! and sends with the keys the keyring already holds, and the native one is still a native one.

use crate::support::KEY;
use serde_json::json;
use std::borrow::Cow;
use std::sync::Arc;
use switchboard_engine::clock::{Clock, ManualClock};
use switchboard_engine::domain::{EventPath, InstanceId, InstanceStatus, MessageStatus, ProviderKind};
use switchboard_engine::events::RecordingSink;
use switchboard_engine::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
use switchboard_engine::store::Store;
use switchboard_engine::{ComposeContent, Engine, EngineOptions, OutboxStep, SendRequest};
use switchboard_testkit::FakeEvolution;

const EVOLUTION_ID: &str = "00000000-0000-4000-8000-0000000000e1";
const NATIVE_ID: &str = "00000000-0000-4000-8000-0000000000a1";

/// Writes what the previous release wrote: its schema, its two instance rows, its keyring names.
async fn previous_release(path: &std::path::Path, fake: &FakeEvolution, secrets: &MemoryStore) -> String {
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/instance/create", fake.url().trim_end_matches('/')))
        .header("apikey", KEY)
        .json(&json!({"instanceName": "loja-velha", "integration": "WHATSAPP-BAILEYS", "qrcode": false}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let remote_id = created["instance"]["instanceId"]
        .as_str()
        .expect("instance id")
        .to_owned();
    let token = created["hash"].as_str().expect("hash").to_owned();

    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("pool");
    let all = sqlx::migrate!("./migrations");
    let release = sqlx::migrate::Migrator {
        migrations: Cow::Owned(all.iter().filter(|m| m.version <= 10).cloned().collect()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    release.run(&pool).await.expect("release migrations");
    sqlx::query(
        "INSERT INTO instances (id, display_name, provider, remote_name, remote_id, server_url, status,
            event_transport, created_at, updated_at)
         VALUES (?, 'Loja', 'evolution', 'loja-velha', ?, ?, 'linking', 'polling', 1, 1),
                (?, 'Balcão', 'native', 'this-computer', NULL, NULL, 'logged_out', 'polling', 2, 2)",
    )
    .bind(EVOLUTION_ID)
    .bind(&remote_id)
    .bind(fake.url())
    .bind(NATIVE_ID)
    .execute(&pool)
    .await
    .expect("instances");
    pool.close().await;

    let id = InstanceId::parse(EVOLUTION_ID).expect("id");
    // The names the previous release gave its keyring entries.
    let api_key = SecretKey::instance(&id, SecretKind::ApiKey);
    assert_eq!(
        api_key.to_string(),
        format!("instance/{EVOLUTION_ID}/evolution-api-key")
    );
    secrets.set(&api_key, KEY).expect("api key");
    let instance_token = SecretKey::instance(&id, SecretKind::InstanceToken);
    assert_eq!(
        instance_token.to_string(),
        format!("instance/{EVOLUTION_ID}/instance-token")
    );
    secrets.set(&instance_token, &token).expect("token");
    remote_id
}

#[tokio::test]
async fn instances_from_the_previous_release_keep_working() {
    let fake = FakeEvolution::start(KEY).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("switchboard.db");
    let secrets = Arc::new(MemoryStore::default());
    let remote_id = previous_release(&path, &fake, &secrets).await;

    let store = Store::open(&path).await.expect("the old database opens");
    let config: String = sqlx::query_scalar("SELECT provider_config FROM instances WHERE id = ?")
        .bind(EVOLUTION_ID)
        .fetch_one(store.pool())
        .await
        .expect("config");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&config).expect("json"),
        json!({"remoteId": remote_id})
    );
    let clock = Arc::new(ManualClock::new(1_761_060_000_000));
    let mut options = EngineOptions::new(
        store,
        secrets,
        Arc::new(RecordingSink::default()),
        dir.path().to_path_buf(),
    );
    options.clock = clock.clone();
    options.system_locale = None;
    let engine = Engine::new(options).await.expect("engine");

    let instances = engine.list_instances().await.expect("instances");
    assert_eq!(instances.len(), 2);
    let native = instances
        .iter()
        .find(|i| i.provider == ProviderKind::Native)
        .expect("native");
    assert_eq!(
        (native.status, native.event_path),
        (InstanceStatus::LoggedOut, EventPath::Direct)
    );
    assert!(native.read_receipts_supported);
    let evolution = instances
        .iter()
        .find(|i| i.provider == ProviderKind::Evolution)
        .expect("evolution");
    assert_eq!(evolution.server_url.as_deref(), Some(fake.url()));
    assert_eq!(evolution.event_path, EventPath::ServerLog);

    fake.open("loja-velha", "Loja Exemplo", "5511900000001").await;
    assert_eq!(
        engine.poll_instance(&evolution.id).await.expect("poll"),
        InstanceStatus::Connected
    );
    let accepted = engine
        .send_message(SendRequest {
            instance_id: evolution.id.clone(),
            to: "+55 11 90000-0002".into(),
            content: ComposeContent::Text {
                text: "Ainda aqui".into(),
                reply_to: None,
            },
            scheduled_at: None,
            idempotency_key: None,
            allow_repeat: false,
        })
        .await
        .expect("accepted");
    let sent = loop {
        match engine.outbox_step(&evolution.id).await.expect("step") {
            OutboxStep::Processed(message) => break *message,
            OutboxStep::Wait { until } => clock.advance(until - clock.now()),
            other => panic!("expected the message to go out, got {other:?}"),
        }
    };
    assert_eq!((sent.id, sent.status), (accepted.id, MessageStatus::Sent));
    assert_eq!(fake.sent().len(), 1);
}
