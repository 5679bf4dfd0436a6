//! Runs the fake Evolution API server for end-to-end tests of the desktop app:
//! `fake-evolution [--port N] [--api-key KEY]`. Prints `listening on http://127.0.0.1:PORT`.

use switchboard_testkit::FakeEvolution;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let mut port = 0u16;
    let mut api_key = "e2e-global-key".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).unwrap_or(0),
            "--api-key" => api_key = args.next().unwrap_or(api_key),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let fake = FakeEvolution::start_on(port, &api_key).await;
    println!("listening on {}", fake.url());
    let _ = tokio::signal::ctrl_c().await;
}
