//! Resident memory of the process with 1 and 10 idle native instances configured, against the same
//! process with the engine alone (the baseline, measured first in the same run). Each instance runs
//! the real in-process client with its own session store; none is linked, and each keeps trying a
//! closed local port, as an unlinked number waits with no network. Linux only (reads
//! `/proc/self/status`). Run with `make bench`.

use std::sync::Arc;
use std::time::Duration;
use switchboard_engine::events::RecordingSink;
use switchboard_engine::provider::native::session::WhatsAppRust;
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::Store;
use switchboard_engine::{AddInstanceRequest, Engine, EngineOptions, ProviderSetup};

/// How long the clients get to settle (start, fail to connect, back off) before measuring.
const SETTLE: Duration = Duration::from_secs(5);

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux only)");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib / 1024.0
}

async fn add_native(engine: &Engine, count: usize, offset: usize) {
    for n in offset..offset + count {
        let request = AddInstanceRequest {
            display_name: format!("Loja {n}"),
            provider: ProviderSetup::Native,
        };
        engine.add_instance(request).await.expect("native instance");
    }
}

#[tokio::main]
async fn main() {
    let data = tempfile::tempdir().expect("data dir");
    let store = Store::open(&data.path().join("switchboard.db"))
        .await
        .expect("store");
    let mut options = EngineOptions::new(
        store,
        Arc::new(MemoryStore::default()),
        Arc::new(RecordingSink::default()),
        data.path().to_path_buf(),
    );
    // Port 9 (discard) is closed here: the clients start, fail to connect and wait to retry.
    options.providers = switchboard_engine::provider::ProviderKits::standard(
        data.path(),
        Arc::new(WhatsAppRust {
            endpoint: Some("ws://127.0.0.1:9/ws/chat".into()),
            version: Some((2, 3000, 1_000_000_000)),
        }),
    );
    let engine = Engine::new(options).await.expect("engine");
    tokio::time::sleep(SETTLE).await;
    let baseline = resident_mib();
    println!("native memory: engine alone (baseline) {baseline:.1} MiB resident");

    add_native(&engine, 1, 0).await;
    tokio::time::sleep(SETTLE).await;
    let one = resident_mib();
    add_native(&engine, 9, 1).await;
    tokio::time::sleep(SETTLE).await;
    let ten = resident_mib();
    for (count, resident) in [(1, one), (10, ten)] {
        let added = resident - baseline;
        println!(
            "native memory: {count:>2} idle native instance(s) {resident:.1} MiB resident, +{added:.1} MiB over \
             the baseline (ratio {:.2}), {:.1} MiB per instance",
            resident / baseline,
            added / count as f64
        );
    }
}
