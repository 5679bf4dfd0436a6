//! Local API latency and throughput for a send (`POST /v1/messages`: authenticate, parse, check
//! the number, accept into the outbox durably), beside the same load on a bare axum route that only
//! parses the JSON body and answers 202, measured in the same run on the same machine.
//! Run with `make bench`.

use axum::routing::post;
use axum::Json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_engine::domain::InstanceId;
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::Store;
use switchboard_engine::{Engine, EngineOptions, NewApiKey};

const RATES: [u32; 3] = [50, 200, 500];
const SECONDS_PER_RATE: u64 = 3;
const SATURATION_WORKERS: usize = 16;

#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Sample {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted
            .get(index)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    }

    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// Open loop: one request every 1/rate seconds for a while, whatever the answers do.
async fn at_rate(client: &reqwest::Client, url: &str, key: &str, rate: u32) -> Sample {
    let total = rate as u64 * SECONDS_PER_RATE;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        ticker.tick().await;
        let request = client
            .post(url)
            .bearer_auth(key)
            .json(&serde_json::json!({"to": "+55 11 90000-0002", "content": {"type": "text", "text": format!("Pedido {n}")}}));
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = request.send().await.is_ok_and(|r| r.status().as_u16() == 202);
            (sent.elapsed(), ok)
        }));
    }
    let mut sample = Sample::default();
    for task in tasks {
        let (latency, ok) = task.await.expect("task");
        if ok {
            sample.latencies.push(latency)
        } else {
            sample.errors += 1
        }
    }
    sample.elapsed = started.elapsed();
    sample
}

/// Closed loop: as fast as a number of clients can go.
async fn saturated(client: &reqwest::Client, url: &str, key: &str) -> Sample {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(SECONDS_PER_RATE);
    let workers: Vec<_> = (0..SATURATION_WORKERS)
        .map(|worker| {
            let (client, url, key) = (client.clone(), url.to_owned(), key.to_owned());
            tokio::spawn(async move {
                let mut sample = Sample::default();
                let mut n = 0;
                while Instant::now() < deadline {
                    n += 1;
                    let body = serde_json::json!({"to": "+55 11 90000-0002", "content": {"type": "text", "text": format!("{worker}-{n}")}});
                    let sent = Instant::now();
                    match client.post(&url).bearer_auth(&key).json(&body).send().await {
                        Ok(r) if r.status().as_u16() == 202 => sample.latencies.push(sent.elapsed()),
                        _ => sample.errors += 1,
                    }
                }
                sample
            })
        })
        .collect();
    let mut all = Sample::default();
    for worker in workers {
        let sample = worker.await.expect("worker");
        all.latencies.extend(sample.latencies);
        all.errors += sample.errors;
    }
    all.elapsed = started.elapsed();
    all
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("bench.db")).await.expect("store");
    let id = InstanceId::new_random();
    let instance = switchboard_testkit::connected_instance(id.clone());
    store.insert_instance(&instance).await.expect("instance");
    let options = EngineOptions::new(
        store,
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        dir.path().to_path_buf(),
    );
    let engine = Engine::new(options).await.expect("engine");
    let key = engine
        .create_api_key(NewApiKey {
            name: "bench".into(),
            instance_ids: vec![id],
            daily_limit: None,
            manages_numbers: false,
        })
        .await
        .expect("key")
        .secret;
    let unlimited = switchboard_server::api::RateLimit {
        per_second: std::num::NonZeroU32::new(1_000_000).expect("non-zero"),
        burst: std::num::NonZeroU32::new(1_000_000).expect("non-zero"),
    };
    let api = serve(switchboard_server::router_with(engine, unlimited).await).await + "/v1/messages";
    let bare =
        serve(axum::Router::new().route(
            "/bare",
            post(|Json(body): Json<serde_json::Value>| async move {
                (axum::http::StatusCode::ACCEPTED, Json(body))
            }),
        ))
        .await
            + "/bare";
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");

    println!("POST /v1/messages (durable accept) beside a bare axum route, {SECONDS_PER_RATE} s per load; latency in ms");
    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>8}",
        "load", "api p50", "api p99", "bare p50", "bare p99", "api req/s", "bare req/s", "errors"
    );
    let row = |label: String, api: &Sample, bare: &Sample| {
        println!(
            "{label:<16} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>12.0} {:>12.0} {:>8}",
            api.percentile(0.5),
            api.percentile(0.99),
            bare.percentile(0.5),
            bare.percentile(0.99),
            api.throughput(),
            bare.throughput(),
            api.errors + bare.errors
        );
    };
    for rate in RATES {
        let api_sample = at_rate(&client, &api, &key, rate).await;
        let bare_sample = at_rate(&client, &bare, &key, rate).await;
        row(format!("{rate} req/s"), &api_sample, &bare_sample);
    }
    let api_sample = saturated(&client, &api, &key).await;
    let bare_sample = saturated(&client, &bare, &key).await;
    row(
        format!("{SATURATION_WORKERS} clients max"),
        &api_sample,
        &bare_sample,
    );
    println!(
        "ratio at saturation: api throughput / bare = {:.3}; api p50 / bare p50 = {:.1}",
        api_sample.throughput() / bare_sample.throughput(),
        api_sample.percentile(0.5) / bare_sample.percentile(0.5)
    );
}
