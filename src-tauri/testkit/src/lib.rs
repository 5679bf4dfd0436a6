//! Test-only fakes. `FakeEvolution` is an Evolution API v2 (2.3.6) server that answers with the
//! shared contract samples and reproduces their documented traps: guards in the server's order
//! (instance exists → name taken → apikey), HTTP 200 `{"error":true}` from connect and restart,
//! `PUT` restart answering 404, logout of a closed instance answering 400, the QR count limit, the
//! number-not-on-WhatsApp 400, and webhooks signed through the `jwt_key` header.
//!
//! Tests drive the "phone side" through methods (`open`, `rotate_qr`, `receipt`, …) or, from
//! another process, through the same operations under `/__fake/…`.
//!
//! `FakeCloud` is a Meta WhatsApp Cloud API (Graph) server with signed, escaped-unicode webhooks,
//! the 24-hour window and undeliverable traps (200 then a failed status), templates, media and
//! token errors; see its module docs.
//!
//! `whatsapp::FakeWhatsApp` is a WhatsApp server that the real `whatsapp-rust` client pairs with
//! (QR code, phone, 515 restart), logs in to and sends messages through; see its module docs.

mod cloud;
mod evolution;
mod file_secrets;
pub mod whatsapp;

pub use cloud::{CloudFault, CloudNumber, CloudSent, CloudTemplate, FakeCloud};
pub use evolution::{FakeEvolution, Hold, SentMessage};
pub use file_secrets::FileSecretStore;

/// A shared contract sample, read from `../shared/contracts/` beside the repository.
pub fn contract_sample(path: &str) -> serde_json::Value {
    let full = format!("{}/../../../shared/contracts/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("contract sample {full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("contract sample {full}: {e}"))
}

/// A connected Evolution instance row that points at no server, for benchmarks that only accept
/// messages (the outbox never runs).
pub fn connected_instance(id: switchboard_engine::domain::InstanceId) -> switchboard_engine::store::Instance {
    use switchboard_engine::domain::{InstanceStatus, ProviderKind};
    switchboard_engine::store::Instance {
        id,
        display_name: "Bench".into(),
        provider: ProviderKind::Evolution,
        remote_name: "bench".into(),
        provider_config: serde_json::json!({}),
        server_url: Some("http://127.0.0.1:9/".into()),
        status: InstanceStatus::Connected,
        status_reason: None,
        profile_name: None,
        phone: None,
        uses_webhook: false,
        event_path: switchboard_engine::domain::EventPath::ServerLog,
        send_read_receipts: false,
        read_receipts_supported: true,
        linked_device: true,
        uses_templates: false,
        sending_pause: None,
        created_at: 0,
        updated_at: 0,
    }
}
