//! How fast the outbox durably accepts messages, against the raw rate of one-row-per-commit
//! inserts into the same SQLite file and configuration (WAL, synchronous NORMAL), measured in the
//! same run. `accept` is the whole engine call a person or a local app makes: parse the number,
//! check the instance, serialise the content, insert with its idempotency key, read the row back.
//! Run with `make bench`.

use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_engine::domain::{InstanceId, MessageKind};
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{NewOutbound, Store};
use switchboard_engine::{ComposeContent, Engine, EngineOptions, SendRequest};

const MESSAGES: usize = 3_000;
/// Submitters at once, and the ratio to raw one-row-per-commit inserts each should reach.
const ROUNDS: [(usize, f64); 3] = [(1, 0.9), (8, 3.0), (64, 5.0)];

fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

async fn raw_inserts(store: &Store, count: usize, concurrency: usize, round: usize) -> f64 {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, instance_id TEXT, body TEXT, payload TEXT, created_at INTEGER)")
        .execute(store.pool())
        .await
        .expect("table");
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let pool = store.pool().clone();
            tokio::spawn(async move {
                for n in (worker..count).step_by(concurrency) {
                    sqlx::query("INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?)")
                        .bind(format!("{round}-{worker}-{n}-{}", uuid_like(n)))
                        .bind("instance")
                        .bind(format!("Olá! Pedido #{n} foi enviado."))
                        .bind(r#"{"type":"text","text":"Olá","quoted":null}"#)
                        .bind(n as i64)
                        .execute(&pool)
                        .await
                        .expect("insert");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    rate(count, started.elapsed())
}

/// The store's accept alone (group commit, no engine work before it), `concurrency` at once.
async fn store_accepts(
    store: &Store,
    instance: &InstanceId,
    count: usize,
    concurrency: usize,
    round: usize,
) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let store = store.clone();
            let instance = instance.clone();
            tokio::spawn(async move {
                for n in (worker..count).step_by(concurrency) {
                    let body = format!("Olá! Pedido #{n} foi enviado.");
                    let key = format!("store-{round}-{n}");
                    let new = NewOutbound {
                        instance_id: &instance,
                        chat_jid: "5511900000002@s.whatsapp.net",
                        contact: "+5511900000002",
                        kind: MessageKind::Text,
                        body: Some(&body),
                        payload: None,
                        scheduled_at: None,
                        source: "app",
                        idempotency_key: Some(&key),
                        campaign_id: None,
                        now: n as i64,
                        quoted_id: None,
                    };
                    store.insert_outbound(new).await.expect("accept");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    rate(count, started.elapsed())
}

fn uuid_like(n: usize) -> String {
    format!("{:032x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

async fn accepted(
    engine: &Engine,
    instance: &InstanceId,
    count: usize,
    concurrency: usize,
    round: usize,
) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let engine = engine.clone();
            let instance = instance.clone();
            tokio::spawn(async move {
                for n in (worker..count).step_by(concurrency) {
                    let request = SendRequest {
                        instance_id: instance.clone(),
                        to: "+55 11 90000-0002".into(),
                        content: ComposeContent::Text {
                            text: format!("Olá! Pedido #{round}-{n} foi enviado."),
                            reply_to: None,
                        },
                        scheduled_at: None,
                        idempotency_key: Some(format!("bench-{round}-{n}")),
                        allow_repeat: false,
                    };
                    engine.send_message(request).await.expect("accept");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    rate(count, started.elapsed())
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("bench.db")).await.expect("store");
    let id = InstanceId::new_random();
    let instance = switchboard_testkit::connected_instance(id.clone());
    store.insert_instance(&instance).await.expect("instance");
    let options = EngineOptions::new(
        store.clone(),
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        dir.path().to_path_buf(),
    );
    let engine = Engine::new(options).await.expect("engine");

    println!(
        "accepted messages per second, durable (each on disk when the call returns), {MESSAGES} messages"
    );
    println!(
        "{:<28} {:>14} {:>14} {:>8} {:>8}",
        "", "raw insert/s", "accepted/s", "ratio", "target"
    );
    for (round, (concurrency, target)) in ROUNDS.into_iter().enumerate() {
        let raw = raw_inserts(&store, MESSAGES, concurrency, round).await;
        let ours = accepted(&engine, &id, MESSAGES, concurrency, round).await;
        let ratio = ours / raw;
        println!(
            "{:<28} {raw:>14.0} {ours:>14.0} {ratio:>8.2} {:>8}",
            format!("{concurrency} concurrent submitter(s)"),
            format!("{}{target}", if ratio >= target { "✓ ≥" } else { "✗ ≥" }),
        );
    }

    println!();
    println!("where an accept's time goes");
    println!(
        "{:<28} {:>14} {:>14} {:>8}",
        "", "raw insert/s", "store only/s", "ratio"
    );
    for (round, (concurrency, _)) in ROUNDS.into_iter().enumerate() {
        let raw = raw_inserts(&store, MESSAGES, concurrency, round + 10).await;
        let ours = store_accepts(&store, &id, MESSAGES, concurrency, round).await;
        println!(
            "{:<28} {raw:>14.0} {ours:>14.0} {:>8.2}",
            format!("{concurrency} concurrent submitter(s)"),
            ours / raw
        );
    }
    let calls = 2_000;
    let started = Instant::now();
    for _ in 0..calls {
        engine.check_recipient("+55 11 90000-0002").await.expect("number");
    }
    println!(
        "reading the recipient's number: {:.0} µs a call",
        started.elapsed().as_secs_f64() * 1e6 / calls as f64
    );
}
