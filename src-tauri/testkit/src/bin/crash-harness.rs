//! A process that accepts a burst of messages and sends them, for the crash test, which kills it
//! with SIGKILL at random moments and starts it again. Arguments: `DATA_DIR FAKE_URL API_KEY COUNT`.
//! Prints `accepted <n>` once message n is durably accepted, and `drained` when all are handled.
//! Every run submits the whole burst again with the same idempotency keys, as a client that never
//! heard back would.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use switchboard_engine::domain::InstanceStatus;
use switchboard_engine::store::{Pacing, Store};
use switchboard_engine::{
    AddInstanceRequest, ComposeContent, Engine, EngineOptions, OutboxStep, ProviderSetup, SendRequest,
};
use switchboard_testkit::FileSecretStore;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, fake_url, api_key, count] = args.as_slice() else {
        eprintln!("usage: crash-harness DATA_DIR FAKE_URL API_KEY COUNT");
        std::process::exit(2);
    };
    let data = PathBuf::from(data);
    let count: usize = count.parse().expect("COUNT is a number");
    let store = Store::open(&data.join("switchboard.db")).await.expect("store");
    let secrets = Arc::new(FileSecretStore::new(data.join("secrets.json")));
    let options = EngineOptions::new(
        store,
        secrets,
        switchboard_engine::events::discard(),
        data.clone(),
    );
    let engine = Engine::new(options).await.expect("engine");

    let instance = match engine.list_instances().await.expect("list").into_iter().next() {
        Some(instance) => instance,
        None => {
            let request = AddInstanceRequest {
                display_name: "Crash".into(),
                provider: ProviderSetup::Evolution {
                    server_url: fake_url.clone(),
                    api_key: api_key.clone(),
                },
            };
            engine.add_instance(request).await.expect("add")
        }
    };
    // The phone side: the number is linked (again, if a kill came before it was).
    let open = format!("{fake_url}/__fake/instances/{}/open", instance.remote_name);
    reqwest::Client::new()
        .post(open)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("open");
    let unpaced = Pacing {
        min_interval_ms: 0,
        jitter_ms: 0,
        daily_quota: 1_000_000,
        ..Pacing::default()
    };
    engine.set_pacing(&instance.id, unpaced).await.expect("pacing");
    while engine.poll_instance(&instance.id).await.expect("poll") != InstanceStatus::Connected {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let acceptor = {
        let engine = engine.clone();
        let id = instance.id.clone();
        tokio::spawn(async move {
            for n in 0..count {
                let request = SendRequest {
                    instance_id: id.clone(),
                    to: "5511900000002".into(),
                    content: ComposeContent::Text {
                        text: format!("burst {n}"),
                        reply_to: None,
                    },
                    scheduled_at: None,
                    idempotency_key: Some(format!("burst-{n}")),
                    allow_repeat: false,
                };
                engine.send_message(request).await.expect("accept");
                println!("accepted {n}");
                let _ = std::io::stdout().flush();
            }
        })
    };
    loop {
        match engine.outbox_step(&instance.id).await.expect("step") {
            OutboxStep::Processed(_) => {}
            OutboxStep::Idle if acceptor.is_finished() => break,
            _ => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
        }
    }
    println!("drained");
}
