//! The whole engine with a native instance: added, linked by QR, sending through the outbox,
//! receipts and inbound messages into the log, logged out.

use crate::provider::qr;
use crate::scripted::ScriptedLauncher;
use std::sync::Arc;
use std::time::Duration;
use switchboard_engine::clock::ManualClock;
use switchboard_engine::domain::{Direction, InstanceStatus, MessageStatus};
use switchboard_engine::events::RecordingSink;
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{Instance, MessageFilter, Store};
use switchboard_engine::{
    AddInstanceRequest, ComposeContent, Engine, EngineOptions, OutboxStep, ProviderSetup, SendRequest,
};
use whatsapp_rust::prelude::{
    wa, BatchOrigin, Event, InboundMessage, MessageBatch, MessageBuilderExt, MessageInfo,
};
use whatsapp_rust::types::events as wa_events;
use whatsapp_rust::types::message::MessageSource;
use whatsapp_rust::types::presence::ReceiptType;

struct Harness {
    engine: Engine,
    launcher: ScriptedLauncher,
    data: tempfile::TempDir,
}

async fn harness() -> Harness {
    let data = tempfile::tempdir().expect("data dir");
    let launcher = ScriptedLauncher::default();
    launcher.script().on_launch = vec![qr("2@AbCdEf,key,identity,adv")];
    let mut options = EngineOptions::new(
        Store::in_memory().await.expect("store"),
        Arc::new(MemoryStore::default()),
        Arc::new(RecordingSink::default()),
        data.path().to_path_buf(),
    );
    options.clock = Arc::new(ManualClock::new(1_761_060_000_000));
    options.providers =
        switchboard_engine::provider::ProviderKits::standard(data.path(), Arc::new(launcher.clone()));
    Harness {
        engine: Engine::new(options).await.expect("engine"),
        launcher,
        data,
    }
}

/// Waits for the engine to apply what the client reported (it does so on its own task).
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let waited = tokio::time::timeout(Duration::from_secs(5), async {
        while !check().await {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(waited.is_ok(), "gave up waiting for {what}");
}

impl Harness {
    async fn status(&self, instance: &Instance) -> InstanceStatus {
        self.engine
            .get_instance(&instance.id)
            .await
            .expect("instance")
            .status
    }

    async fn linked(&self) -> Instance {
        let instance = self
            .engine
            .add_instance(AddInstanceRequest {
                display_name: "Loja Exemplo".into(),
                provider: ProviderSetup::Native,
            })
            .await
            .expect("add");
        until("the first QR code", || async {
            self.engine
                .link_view(&instance.id)
                .await
                .expect("view")
                .qr_svg
                .is_some()
        })
        .await;
        self.launcher.link_as("Loja Exemplo", "5511900000001");
        until("connected", || async {
            self.status(&instance).await == InstanceStatus::Connected
        })
        .await;
        instance
    }

    async fn messages(&self, instance: &Instance) -> Vec<switchboard_engine::store::Message> {
        let filter = MessageFilter {
            instance_id: Some(instance.id.clone()),
            ..MessageFilter::default()
        };
        self.engine.list_messages(filter).await.expect("messages")
    }
}

#[tokio::test]
async fn a_native_number_links_by_qr_and_shows_who_it_is() {
    let harness = harness().await;
    let instance = harness
        .engine
        .add_instance(AddInstanceRequest {
            display_name: "Loja Exemplo".into(),
            provider: ProviderSetup::Native,
        })
        .await
        .expect("add");
    assert_eq!(instance.status, InstanceStatus::Linking);
    until("the first QR code", || async {
        let view = harness.engine.link_view(&instance.id).await.expect("view");
        view.qr_svg
            .as_deref()
            .is_some_and(|svg| svg.starts_with("<svg") || svg.contains("<svg"))
    })
    .await;
    let sessions = harness.data.path().join("native");
    assert!(sessions.join(format!("{}.db", instance.id)).exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sessions)
            .expect("sessions folder")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "the session keys are readable by this user only"
        );
    }

    harness.launcher.link_as("Loja Exemplo", "5511900000001");
    until("connected", || async {
        harness.status(&instance).await == InstanceStatus::Connected
    })
    .await;
    let linked = harness.engine.get_instance(&instance.id).await.expect("instance");
    assert_eq!(linked.profile_name.as_deref(), Some("Loja Exemplo"));
    assert_eq!(linked.phone.as_deref(), Some("+5511900000001"));
    assert_eq!(
        harness.engine.link_view(&instance.id).await.expect("view").qr_svg,
        None
    );
}

#[tokio::test]
async fn a_message_goes_out_through_the_outbox_and_its_receipts_move_it_forward() {
    let harness = harness().await;
    let instance = harness.linked().await;
    let accepted = harness
        .engine
        .send_message(SendRequest {
            instance_id: instance.id.clone(),
            to: "+55 11 90000-0002".into(),
            content: ComposeContent::Text {
                text: "Seu pedido saiu para entrega".into(),
                reply_to: None,
            },
            scheduled_at: None,
            idempotency_key: None,
            allow_repeat: false,
        })
        .await
        .expect("accepted");
    let OutboxStep::Processed(sent) = harness.engine.outbox_step(&instance.id).await.expect("step") else {
        panic!("the outbox did not send")
    };
    assert_eq!(sent.id, accepted.id);
    assert_eq!(sent.status, MessageStatus::Sent);
    let provider_id = sent.provider_message_id.clone().expect("WhatsApp's id");
    assert_eq!(
        harness.launcher.script().sent[0].0,
        "5511900000002@s.whatsapp.net"
    );

    let receipt = |kind| {
        Event::Receipt(
            wa_events::Receipt::builder()
                .source(MessageSource::default())
                .message_ids(vec![provider_id.clone()])
                .timestamp(whatsapp_rust::wacore::chrono::Utc::now())
                .r#type(kind)
                .offline(false)
                .build(),
        )
    };
    harness.launcher.emit(receipt(ReceiptType::Delivered));
    until("delivered", || async {
        harness.messages(&instance).await[0].status == MessageStatus::Delivered
    })
    .await;
    harness.launcher.emit(receipt(ReceiptType::Read));
    until("read", || async {
        harness.messages(&instance).await[0].status == MessageStatus::Read
    })
    .await;
}

#[tokio::test]
async fn an_inbound_message_is_logged_under_the_senders_number() {
    let harness = harness().await;
    let instance = harness.linked().await;
    let source = MessageSource {
        chat: "5511900000002@s.whatsapp.net".parse().expect("jid"),
        sender: "5511900000002@s.whatsapp.net".parse().expect("jid"),
        ..MessageSource::default()
    };
    let info = MessageInfo {
        source,
        id: "A5F3C9D2E1B0479A".into(),
        push_name: "Maria Souza".into(),
        timestamp: whatsapp_rust::wacore::chrono::DateTime::from_timestamp(1_761_060_601, 0).expect("time"),
        ..MessageInfo::default()
    };
    let inbound = InboundMessage::builder()
        .message(Arc::new(wa::Message::text("Oi! Qual o status do meu pedido?")))
        .info(Arc::new(info))
        .build();
    let batch = MessageBatch::builder()
        .messages(Arc::from(vec![inbound]))
        .origin(BatchOrigin::Live)
        .build();
    harness.launcher.emit(Event::Messages(batch.clone()));
    until("the inbound message", || async {
        !harness.messages(&instance).await.is_empty()
    })
    .await;
    // A repeated delivery is logged once.
    harness.launcher.emit(Event::Messages(batch));
    let log = harness.messages(&instance).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].direction, Direction::Inbound);
    assert_eq!(log[0].body.as_deref(), Some("Oi! Qual o status do meu pedido?"));
    assert_eq!(log[0].sender_name.as_deref(), Some("Maria Souza"));
    assert_eq!(log[0].contact, "+5511900000002");

    // Opening the conversation sends a read receipt once the number is set to.
    harness
        .engine
        .set_read_receipts(&instance.id, true)
        .await
        .expect("receipts on");
    let conversation = harness
        .engine
        .list_conversations(Default::default())
        .await
        .expect("list")[0]
        .id;
    harness
        .engine
        .mark_conversation_read(conversation, None)
        .await
        .expect("read");
    assert_eq!(
        harness.launcher.script().read_marks,
        vec![(
            "5511900000002@s.whatsapp.net".to_owned(),
            vec!["A5F3C9D2E1B0479A".to_owned()]
        )]
    );
}

#[tokio::test]
async fn logging_out_unlinks_the_number_and_wipes_its_keys() {
    let harness = harness().await;
    let instance = harness.linked().await;
    let store = harness
        .data
        .path()
        .join("native")
        .join(format!("{}.db", instance.id));
    assert!(store.exists());
    let after = harness
        .engine
        .logout_instance(&instance.id)
        .await
        .expect("logout");
    assert_eq!(after.status, InstanceStatus::LoggedOut);
    assert!(!store.exists(), "the session store survived the logout");
    assert_eq!(harness.launcher.script().logouts, 1);
}
