//! Runs the fake Meta WhatsApp Cloud API server for end-to-end tests of the desktop app:
//! `fake-cloud [--port N]`. Prints `listening on http://127.0.0.1:PORT`; clients use that URL as
//! the Graph base (`…/v23.0/…`), and tests drive it through `/__fake/…`.
//!
//! It starts with the demo number (phone_number_id 100000000000001, WABA 200000000000002, display
//! 15550001234, "Loja Demo", token `e2e-cloud-token`, app secret `e2e-app-secret`) and two
//! templates: `order_shipped` (en_US, APPROVED, UTILITY) and `summer_sale` (pt_BR, PAUSED,
//! MARKETING).

use switchboard_testkit::FakeCloud;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).unwrap_or(0),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let fake = FakeCloud::start_on(port).await;
    fake.add_demo();
    println!("listening on {}", fake.url().trim_end_matches('/'));
    let _ = tokio::signal::ctrl_c().await;
}
