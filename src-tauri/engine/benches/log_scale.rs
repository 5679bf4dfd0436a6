//! The log at volume: a store of 20 numbers, 2,000 contacts and 1,000,000 messages over 90 days
//! (`LOG_SCALE_MESSAGES` sets another count), then p50/p95 of what the window and the API ask of
//! it: the conversation list, a thread page deep in history, searches (a word in about 1 % of
//! messages, a word in none, part of a phone number), the log's newest page, a rare status, a page
//! 60 days back, and the engine's start-up. Each is printed against the same table's plain indexed
//! lookup (one message by its id) measured in the same run, with its target. Then the database's
//! size per message, by table and index, and this process's resident memory.
//!
//! The store is built once under `target/` and reused while the count matches. Run with `make bench`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_engine::domain::{InstanceId, MessageStatus};
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{ConversationFilter, MessageFilter, Store};
use switchboard_engine::{Engine, EngineOptions};

const NUMBERS: usize = 20;
const CONTACTS: usize = 2_000;
const DAYS: i64 = 90;
const DAY: i64 = 86_400_000;
const REPEATS: usize = 60;
/// In about 1 % of messages.
const RARE_WORD: &str = "reembolso";
const QUEUED: usize = 42;

const PHRASES: [&str; 16] = [
    "Oi, tudo bem? Queria saber do meu pedido",
    "Pedido #{n} foi enviado hoje",
    "Obrigado pela compra!",
    "Vocês abrem no sábado?",
    "Qual o valor do frete para {n}?",
    "Chegou certinho, obrigado",
    "Posso pagar no pix?",
    "Seu código de rastreio é BR{n}",
    "Bom dia! Tem esse modelo em azul?",
    "Vou passar aí amanhã",
    "Hola, ¿tienen envío a Lima?",
    "Terima kasih, pesanan sudah sampai",
    "Ok",
    "Pode me mandar o catálogo?",
    "A entrega atrasou, o que houve?",
    "Perfeito, fechado então",
];

/// A small deterministic generator: the same store on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn instance_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn phone_of(contact: usize) -> String {
    format!("55119{:08}", 10_000_000 + contact * 7_919 % 89_999_999)
}

async fn build(path: &Path, messages: usize, now: i64) {
    let _ = std::fs::remove_file(path);
    let store = Store::open(path).await.expect("store");
    let pool = store.pool();
    let mut tx = pool.begin().await.expect("tx");
    for n in 0..NUMBERS {
        sqlx::query(
            "INSERT INTO instances (id, display_name, provider, remote_name, server_url, status, event_transport, created_at, updated_at)
             VALUES (?, ?, 'evolution', ?, 'http://127.0.0.1:9/', 'connected', 'polling', 0, 0)",
        )
        .bind(instance_id(n))
        .bind(format!("Loja {n}"))
        .bind(format!("loja-{n}"))
        .execute(&mut *tx)
        .await
        .expect("instance");
    }
    tx.commit().await.expect("commit");
    let mut rng = Lcg(7);
    let start = now - DAYS * DAY;
    let step = (DAYS * DAY) / messages as i64;
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("tx");
    for m in 0..messages {
        let contact = rng.below(CONTACTS);
        // Each customer writes to one shop.
        let instance = instance_id(contact % NUMBERS);
        let phone = phone_of(contact);
        let inbound = rng.below(2) == 0;
        let mut body = PHRASES[rng.below(PHRASES.len())].replace("{n}", &(1000 + m % 9000).to_string());
        if rng.below(100) == 0 {
            body.push_str(&format!(" — pedido de {RARE_WORD}"));
        }
        let at = start + m as i64 * step;
        let queued = m >= messages - QUEUED;
        let status = match (inbound, queued, rng.below(100)) {
            (true, _, _) => "received",
            (false, true, _) => "queued",
            (false, _, 0) => "failed",
            (false, _, 1..=60) => "read",
            (false, _, 61..=90) => "delivered",
            _ => "sent",
        };
        sqlx::query(
            "INSERT INTO messages (id, instance_id, direction, chat_jid, contact, sender_name, kind, body, status,
                provider_message_id, source, created_at, updated_at, sent_at)
             VALUES (?, ?, ?, ?, ?, ?, 'text', ?, ?, ?, 'app', ?, ?, ?)",
        )
        .bind(format!("{m:08x}-0000-4000-8000-{contact:012}"))
        .bind(&instance)
        .bind(if inbound { "inbound" } else { "outbound" })
        .bind(format!("{phone}@s.whatsapp.net"))
        .bind(format!("+{phone}"))
        .bind(inbound.then(|| format!("Cliente {contact}")))
        .bind(&body)
        .bind(status)
        .bind((!queued).then(|| format!("3EB0{m:016X}")))
        .bind(at)
        .bind(at)
        .bind((!inbound && !queued).then_some(at))
        .execute(&mut *tx)
        .await
        .expect("message");
        if m % 50_000 == 49_999 {
            tx.commit().await.expect("commit");
            report_changes(&store).await;
            tx = pool.begin().await.expect("tx");
        }
    }
    tx.commit().await.expect("commit");
    report_changes(&store).await;
    sqlx::query("INSERT INTO settings (key, value) VALUES ('bench_messages', ?)")
        .bind(messages.to_string())
        .execute(pool)
        .await
        .expect("marker");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
        .expect("checkpoint");
    println!(
        "built the store: {messages} messages in {:.0} s ({:.0} messages/s with every trigger and index)",
        started.elapsed().as_secs_f64(),
        messages as f64 / started.elapsed().as_secs_f64()
    );
    store.pool().close().await;
}

/// What the webhook recorder does as the log grows: each change is reported, and the feed drops
/// it (a plain text's payload is its body, so the inserts above write none, as the outbox does).
async fn report_changes(store: &Store) {
    loop {
        let batch = store.unreported_changes(10_000).await.expect("changes");
        if batch.changes.is_empty() {
            return;
        }
        store.report_changes(&batch, &[]).await.expect("report");
    }
}

async fn built_count(path: &Path) -> Option<usize> {
    if !path.exists() {
        return None;
    }
    let store = Store::open(path).await.ok()?;
    let count: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'bench_messages'")
        .fetch_optional(store.pool())
        .await
        .ok()?;
    store.pool().close().await;
    count?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// p50 and p95 in milliseconds of `REPEATS` runs (after one warm-up).
async fn measure<F, Fut>(mut run: F) -> (f64, f64)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    run(0).await;
    let mut times = Vec::with_capacity(REPEATS);
    for n in 0..REPEATS {
        let started = Instant::now();
        std::hint::black_box(run(n + 1).await);
        times.push(started.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn row(name: &str, (p50, p95): (f64, f64), baseline_p95: f64, target_ms: f64) {
    let verdict = if p95 <= target_ms { "✓" } else { "✗" };
    println!(
        "{name:<44} {p50:>9.2} {p95:>9.2} {:>9.1} {verdict} ≤ {target_ms} ms",
        p95 / baseline_p95
    );
}

#[tokio::main]
async fn main() {
    let messages: usize = std::env::var("LOG_SCALE_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let path = target.join(format!("bench-log-scale-{messages}.db"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_millis() as i64;
    if built_count(&path).await != Some(messages) {
        build(&path, messages, now).await;
    }
    let data = tempfile::tempdir().expect("dir");

    let started = Instant::now();
    let store = Store::open(&path).await.expect("store");
    let options = EngineOptions::new(
        store.clone(),
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        data.path().to_path_buf(),
    );
    let engine = Engine::new(options).await.expect("engine");
    let start_up = started.elapsed().as_secs_f64() * 1000.0;
    let newest: i64 = sqlx::query_scalar("SELECT max(created_at) FROM messages")
        .fetch_one(store.pool())
        .await
        .expect("newest");

    println!("the log at {messages} messages, {NUMBERS} numbers, {CONTACTS} contacts over {DAYS} days (release build)");
    println!(
        "{:<44} {:>9} {:>9} {:>9}   target (p95)",
        "", "p50 ms", "p95 ms", "× lookup"
    );
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM messages WHERE rowid % 997 = 0 LIMIT 200")
        .fetch_all(store.pool())
        .await
        .expect("ids");
    let lookup = measure(|n| {
        let engine = engine.clone();
        let id = ids[n % ids.len()].clone();
        async move { engine.get_message(&id).await.map(|_| 1).expect("lookup") }
    })
    .await;
    println!(
        "{:<44} {:>9.2} {:>9.2} {:>9.1}   (the baseline: one message by its id)",
        "plain indexed lookup", lookup.0, lookup.1, 1.0
    );
    let baseline = lookup.1.max(0.001);

    let list = |filter: MessageFilter| {
        let engine = engine.clone();
        move |_n: usize| {
            let engine = engine.clone();
            let filter = filter.clone();
            async move { engine.list_messages(filter).await.expect("list").len() }
        }
    };
    let search = |words: &str| MessageFilter {
        search: Some(words.into()),
        limit: Some(50),
        ..MessageFilter::default()
    };

    let conversations = measure(|_| {
        let engine = engine.clone();
        async move {
            engine
                .list_conversations(ConversationFilter::default())
                .await
                .expect("conversations")
                .len()
        }
    })
    .await;
    row("conversation list, newest page", conversations, baseline, 5.0);
    let chat = format!("{}@s.whatsapp.net", phone_of(7));
    let instance = InstanceId::parse(&instance_id(7 % NUMBERS)).expect("id");
    let deep = measure(|_| {
        let store = store.clone();
        let (chat, instance) = (chat.clone(), instance.clone());
        async move {
            store
                .thread(&instance, &chat, Some((newest - 80 * DAY, i64::MAX)), 50)
                .await
                .expect("thread")
                .len()
        }
    })
    .await;
    row("thread page 80 days back", deep, baseline, 5.0);
    row(
        &format!("search a word in ~1 % (\"{RARE_WORD}\")"),
        measure(list(search(RARE_WORD))).await,
        baseline,
        20.0,
    );
    row(
        "search a word in none",
        measure(list(search("xylofone"))).await,
        baseline,
        20.0,
    );
    let part = &phone_of(1234)[5..11];
    row(
        &format!("search part of a number (\"{part}\")"),
        measure(list(search(part))).await,
        baseline,
        20.0,
    );
    row(
        "log, newest page",
        measure(list(MessageFilter::default())).await,
        baseline,
        5.0,
    );
    let queued = MessageFilter {
        status: Some(MessageStatus::Queued),
        ..MessageFilter::default()
    };
    row(
        &format!("log, status queued ({QUEUED} rows)"),
        measure(list(queued)).await,
        baseline,
        5.0,
    );
    let back = MessageFilter {
        before: Some(newest - 60 * DAY),
        ..MessageFilter::default()
    };
    row(
        "log, a page 60 days back",
        measure(list(back)).await,
        baseline,
        5.0,
    );
    let verdict = if start_up <= 100.0 { "✓" } else { "✗" };
    println!(
        "{:<44} {start_up:>9.1} {:>9} {:>9}   {verdict} ≤ 100 ms",
        "start-up (open the store, start the engine)", "", ""
    );

    println!();
    let file = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "database: {:.0} MB, {:.0} bytes per message (target ≤ 500)",
        file as f64 / 1e6,
        file as f64 / messages as f64
    );
    let sizes: Result<Vec<(String, i64)>, _> =
        sqlx::query_as("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12")
            .fetch_all(store.pool())
            .await;
    match sizes {
        Ok(sizes) => {
            for (name, bytes) in sizes {
                println!(
                    "  {name:<40} {:>8.1} bytes per message",
                    bytes as f64 / messages as f64
                );
            }
        }
        Err(_) => println!("  (this SQLite has no dbstat table: sizes by table are not shown)"),
    }
    println!(
        "resident memory of this process (engine and store, after the queries): {:.1} MiB (target ≤ 60)",
        resident_mib()
    );
}
