//! Switchboard's native provider through its real adapter and the real client, against the fake
//! WhatsApp server: a number added to the engine shows the server's QR code (read back from the PNG
//! Switchboard draws, as a phone camera would), is linked when the fake phone scans it, reaches
//! Connected, and sends a text through the outbox that the server acknowledges.

use std::sync::Arc;
use std::time::Duration;
use switchboard_engine::domain::{InstanceStatus, MessageStatus};
use switchboard_engine::events::RecordingSink;
use switchboard_engine::provider::native::session::WhatsAppRust;
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{Instance, Store};
use switchboard_engine::{
    AddInstanceRequest, CampaignDraft, ComposeContent, Engine, EngineOptions, NumberCheckStep, OutboxStep,
    Presence, ProviderSetup, SendRequest,
};
use switchboard_testkit::whatsapp::FakeWhatsApp;

/// Generous: the build machine is small and shared, and a fresh pairing waits about 10 s for an
/// app-state key share the fake never sends.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let waited = tokio::time::timeout(STEP_TIMEOUT, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "timed out after {STEP_TIMEOUT:?} waiting for {what}"
    );
}

/// What a phone camera reads from the QR code Switchboard shows.
async fn scan_screen(engine: &Engine, instance: &Instance) -> Option<String> {
    let png = engine.qr_png(&instance.id, 400).await.expect("qr png")?;
    let picture = image::load_from_memory(&png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(picture);
    let grids = prepared.detect_grids();
    let (_, content) = grids.first()?.decode().ok()?;
    Some(content)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_added_to_this_computer_links_by_qr_and_sends() {
    let fake = FakeWhatsApp::start().await;
    let data = tempfile::tempdir().expect("data dir");
    let mut options = EngineOptions::new(
        Store::in_memory().await.expect("store"),
        Arc::new(MemoryStore::default()),
        Arc::new(RecordingSink::default()),
        data.path().to_path_buf(),
    );
    options.providers = switchboard_engine::provider::ProviderKits::standard(
        data.path(),
        Arc::new(WhatsAppRust {
            endpoint: Some(fake.ws_url()),
            // Without it the client asks web.whatsapp.com for the current version.
            version: Some((2, 3000, 1_000_000_000)),
        }),
    );
    let engine = Engine::new(options).await.expect("engine");

    let request = AddInstanceRequest {
        display_name: "Balcão".into(),
        provider: ProviderSetup::Native,
    };
    let instance = engine.add_instance(request).await.expect("native instance");
    let code = tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            if let Some(code) = scan_screen(&engine, &instance).await {
                return code;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a readable QR code on screen in time");
    let first_ref = &fake.pairing_refs()[0];
    assert!(
        code.starts_with(&format!("{first_ref},")),
        "{code:?} is not the server's first ref"
    );
    assert_eq!(
        engine.get_instance(&instance.id).await.expect("instance").status,
        InstanceStatus::Linking
    );

    fake.scan_qr(&code).expect("the phone scans the code");
    until("connected", || async {
        engine.get_instance(&instance.id).await.expect("instance").status == InstanceStatus::Connected
    })
    .await;
    let linked = engine.get_instance(&instance.id).await.expect("instance");
    assert_eq!(
        linked.phone.as_deref(),
        Some(format!("+{}", fake.phone_jid().user).as_str())
    );

    let accepted = engine
        .send_message(SendRequest {
            instance_id: instance.id.clone(),
            to: "+1 202 555 0142".into(),
            content: ComposeContent::Text {
                text: "Your order is on its way".into(),
                reply_to: None,
            },
            scheduled_at: None,
            idempotency_key: None,
            allow_repeat: false,
        })
        .await
        .expect("accepted");
    let step = tokio::time::timeout(STEP_TIMEOUT, engine.outbox_step(&instance.id))
        .await
        .expect("in time");
    let OutboxStep::Processed(sent) = step.expect("step") else {
        panic!("the outbox did not send")
    };
    assert_eq!(
        (sent.id.as_str(), sent.status),
        (accepted.id.as_str(), MessageStatus::Sent)
    );
    let provider_id = sent.provider_message_id.expect("WhatsApp's id");
    let stanza = tokio::time::timeout(STEP_TIMEOUT, fake.wait_for_sent_message(&provider_id))
        .await
        .expect("acked");
    assert_eq!(stanza.to, "12025550142@s.whatsapp.net");
    assert_eq!(stanza.kind, "text");

    // "Is it on WhatsApp?" goes through the client's own usync query: one batch for a
    // campaign's numbers, answered per number.
    fake.set_not_on_whatsapp("5511900000004");
    let draft = CampaignDraft {
        instance_id: instance.id.clone(),
        name: "Checks".into(),
        csv: "phone
+55 11 90000-0002
+55 11 90000-0004
"
        .into(),
        label_id: None,
        template: "Olá".into(),
        scheduled_at: None,
    };
    let preview = engine.preview_campaign(draft).await.expect("preview");
    assert_eq!(preview.unchecked, 2);
    let checked = tokio::time::timeout(STEP_TIMEOUT, engine.number_check_step(&instance.id))
        .await
        .expect("in time")
        .expect("check step");
    assert_eq!(
        checked,
        NumberCheckStep::Checked {
            checked: 2,
            not_on_whatsapp: 1
        }
    );
    for (number, presence) in [
        ("+55 11 90000-0002", Presence::OnWhatsapp),
        ("+55 11 90000-0004", Presence::NotOnWhatsapp),
    ] {
        let answer = engine
            .check_on_whatsapp(&instance.id, number)
            .await
            .expect("answer kept");
        assert_eq!(answer.presence, presence, "{number}");
    }
}
