//! The engine against a fake Evolution API server that answers with the shared contract samples:
//! adding, linking, status polling, sending, receipts, and every documented trap, with status
//! events driven by polling (webhooks are covered by the server crate's tests).

use std::sync::Arc;
use switchboard_engine::domain::{Direction, InstanceStatus, MessageKind, MessageStatus};
use switchboard_engine::events::{EngineEvent, RecordingSink};
use switchboard_engine::provider::{ProviderEvent, ReportedMessage};
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{Instance, MessageFilter, Store};
use switchboard_engine::{
    AddInstanceRequest, ApiError, Engine, EngineOptions, ErrorCode, OutboxStep, ProviderSetup,
    SendTextRequest,
};
use switchboard_testkit::FakeEvolution;

const KEY: &str = "global-test-key";

struct Harness {
    engine: Engine,
    fake: FakeEvolution,
    events: RecordingSink,
}

async fn harness() -> Harness {
    let fake = FakeEvolution::start(KEY).await;
    let events = RecordingSink::default();
    let store = Store::in_memory().await.expect("store");
    let engine = Engine::new(EngineOptions::new(
        store,
        Arc::new(MemoryStore::default()),
        Arc::new(events.clone()),
    ))
    .await
    .expect("engine");
    Harness { engine, fake, events }
}

fn evolution(url: &str, key: &str) -> AddInstanceRequest {
    AddInstanceRequest {
        display_name: "Loja Exemplo".into(),
        provider: ProviderSetup::Evolution {
            server_url: url.into(),
            api_key: key.into(),
        },
    }
}

impl Harness {
    async fn add(&self) -> Instance {
        self.engine
            .add_instance(evolution(self.fake.url(), KEY))
            .await
            .expect("add instance")
    }

    async fn connected(&self) -> Instance {
        let instance = self.add().await;
        self.fake
            .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
            .await;
        assert_eq!(
            self.engine.poll_instance(&instance.id).await.expect("poll"),
            InstanceStatus::Connected
        );
        instance
    }

    async fn send(&self, instance: &Instance, to: &str) -> switchboard_engine::store::Message {
        self.engine
            .send_text(SendTextRequest {
                instance_id: instance.id.clone(),
                to: to.into(),
                text: "Olá Maria!".into(),
            })
            .await
            .expect("accepted")
    }

    async fn step(&self, instance: &Instance) -> switchboard_engine::store::Message {
        match self.engine.outbox_step(&instance.id).await.expect("step") {
            OutboxStep::Processed(message) => *message,
            other => panic!("expected a processed message, got {other:?}"),
        }
    }
}

fn api(error: switchboard_engine::EngineError) -> ApiError {
    ApiError::from(error)
}

#[tokio::test]
async fn adding_creates_the_remote_instance_and_offers_a_qr() {
    let h = harness().await;
    let instance = h.add().await;
    assert_eq!(instance.status, InstanceStatus::Linking);
    assert!(
        instance.remote_name.starts_with("loja-exemplo-"),
        "{}",
        instance.remote_name
    );
    assert_eq!(h.fake.instance_names(), vec![instance.remote_name.clone()]);
    assert!(!instance.uses_webhook, "no listener: events are polled");
    let link = h.engine.link_view(&instance.id).await.expect("link");
    assert!(link.qr_svg.as_deref().is_some_and(|svg| svg.contains("<svg")));
    assert_eq!(link.codes_shown, 1);
    assert!(link.expires_at.expect("countdown") > link.received_at.expect("received"));
    let events = h.events.take();
    assert!(events.contains(&EngineEvent::InstancesChanged));
    assert!(events.contains(&EngineEvent::QrUpdated {
        instance_id: instance.id.clone()
    }));
}

#[tokio::test]
async fn a_wrong_key_an_unreachable_server_or_bad_input_create_nothing() {
    let h = harness().await;
    let wrong = h
        .engine
        .add_instance(evolution(h.fake.url(), "wrong"))
        .await
        .map_err(api)
        .expect_err("wrong key");
    assert_eq!(wrong.code, ErrorCode::ProviderAuth);
    assert!(wrong.message.contains("API key"), "{}", wrong.message);

    let down = h
        .engine
        .add_instance(evolution("http://127.0.0.1:9", KEY))
        .await
        .map_err(api)
        .expect_err("down");
    assert_eq!(down.code, ErrorCode::ProviderUnreachable);

    for request in [
        AddInstanceRequest {
            display_name: "  ".into(),
            ..evolution(h.fake.url(), KEY)
        },
        evolution("localhost:8080", KEY),
        evolution(h.fake.url(), " "),
    ] {
        let error = h
            .engine
            .add_instance(request)
            .await
            .map_err(api)
            .expect_err("bad input");
        assert_eq!(error.code, ErrorCode::InvalidInput, "{}", error.message);
    }
    assert!(h.fake.instance_names().is_empty());
    assert!(h.engine.list_instances().await.expect("list").is_empty());
}

#[tokio::test]
async fn polling_follows_qr_rotation_then_the_connection() {
    let h = harness().await;
    let instance = h.add().await;
    let first = h.engine.link_view(&instance.id).await.expect("link").qr_svg;

    h.fake
        .act(&instance.remote_name, "qr", &serde_json::json!({}))
        .await;
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Linking
    );
    let rotated = h.engine.link_view(&instance.id).await.expect("link");
    assert_ne!(rotated.qr_svg, first, "a rotated code is a new picture");
    assert_eq!(rotated.codes_shown, 2);

    h.fake
        .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
        .await;
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Connected
    );
    let connected = h.engine.get_instance(&instance.id).await.expect("instance");
    assert_eq!(connected.profile_name.as_deref(), Some("Loja Exemplo"));
    assert_eq!(connected.phone.as_deref(), Some("+5511900000001"));
    assert_eq!(
        h.engine.link_view(&instance.id).await.expect("link").qr_svg,
        None,
        "no QR once connected"
    );

    let history: Vec<InstanceStatus> = h
        .engine
        .status_history(&instance.id)
        .await
        .expect("history")
        .into_iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(history, vec![InstanceStatus::Connected, InstanceStatus::Linking]);
}

#[tokio::test]
async fn the_qr_limit_is_a_state_and_try_again_relinks() {
    let h = harness().await;
    let instance = h.add().await;
    h.fake
        .act(&instance.remote_name, "qr-limit", &serde_json::json!({}))
        .await;
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::QrLimitReached
    );
    assert_eq!(h.engine.link_view(&instance.id).await.expect("link").qr_svg, None);

    let again = h
        .engine
        .start_linking(&instance.id, None)
        .await
        .expect("try again");
    assert_eq!(again.status, InstanceStatus::Linking);
    assert!(again.qr_svg.is_some());
}

#[tokio::test]
async fn pairing_by_phone_number_gives_a_code() {
    let h = harness().await;
    let instance = h.add().await;
    let link = h
        .engine
        .start_linking(&instance.id, Some("+55 11 90000-0001"))
        .await
        .expect("pairing");
    assert_eq!(link.pairing_code.as_deref(), Some("KX4M9TQ2"));
    assert!(h
        .fake
        .requests()
        .iter()
        .any(|r| r.starts_with("GET /instance/connect/")));
    let bad = h
        .engine
        .start_linking(&instance.id, Some("12ab"))
        .await
        .map_err(api)
        .expect_err("bad phone");
    assert_eq!(bad.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_text_is_logged_queued_then_sent_then_moves_forward_only() {
    let h = harness().await;
    let instance = h.connected().await;
    let accepted = h.send(&instance, "+55 (11) 90000-0002").await;
    assert_eq!(
        accepted.status,
        MessageStatus::Queued,
        "written before the provider is called"
    );
    assert!(h.fake.sent().is_empty());

    let sent = h.step(&instance).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    let provider_id = sent.provider_message_id.clone().expect("provider id");
    let on_server = h.fake.sent();
    assert_eq!(on_server.len(), 1);
    assert_eq!(on_server[0].body["number"], "5511900000002");
    assert_eq!(on_server[0].body["text"], "Olá Maria!");
    assert_eq!(on_server[0].id, provider_id);
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Idle
    );

    let receipt = |status| ProviderEvent::Receipt {
        provider_message_id: provider_id.clone(),
        status,
    };
    h.engine
        .apply_event(&instance.id, receipt(MessageStatus::Delivered))
        .await
        .expect("receipt");
    h.engine
        .apply_event(&instance.id, receipt(MessageStatus::Sent))
        .await
        .expect("stale receipt");
    let message = h.engine.get_message(&sent.id).await.expect("message");
    assert_eq!(message.status, MessageStatus::Delivered, "never backwards");
    assert!(message.delivered_at.is_some());
    h.engine
        .apply_event(&instance.id, receipt(MessageStatus::Read))
        .await
        .expect("receipt");
    assert_eq!(
        h.engine.get_message(&sent.id).await.expect("message").status,
        MessageStatus::Read
    );
}

#[tokio::test]
async fn a_receipt_that_overtakes_the_send_response_is_not_lost() {
    let h = harness().await;
    let instance = h.connected().await;
    h.send(&instance, "5511900000002").await;
    // The fake numbers its message ids; the first is known before the send call returns.
    let first_id = format!("3EB0{:018X}", 1);
    let early = ProviderEvent::Receipt {
        provider_message_id: first_id.clone(),
        status: MessageStatus::Delivered,
    };
    h.engine
        .apply_event(&instance.id, early)
        .await
        .expect("early receipt");
    let sent = h.step(&instance).await;
    assert_eq!(sent.provider_message_id.as_deref(), Some(first_id.as_str()));
    assert_eq!(sent.status, MessageStatus::Delivered);
}

#[tokio::test]
async fn sending_waits_while_not_connected_and_bad_recipients_are_refused() {
    let h = harness().await;
    let instance = h.add().await;
    let queued = h.send(&instance, "5511900000002").await;
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused
    );
    assert_eq!(
        h.engine.get_message(&queued.id).await.expect("message").status,
        MessageStatus::Queued
    );

    for (to, text) in [
        ("12", "hi"),
        ("0812345678", "hi"),
        ("5511900000002", "   "),
        ("x@example.com", "hi"),
    ] {
        let request = SendTextRequest {
            instance_id: instance.id.clone(),
            to: to.into(),
            text: text.into(),
        };
        let error = h
            .engine
            .send_text(request)
            .await
            .map_err(api)
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::InvalidInput, "{to:?}: {}", error.message);
    }
    let too_long = SendTextRequest {
        instance_id: instance.id.clone(),
        to: "5511900000002".into(),
        text: "a".repeat(4097),
    };
    assert!(h.engine.send_text(too_long).await.is_err());
    assert_eq!(
        h.engine
            .list_messages(MessageFilter::default())
            .await
            .expect("log")
            .len(),
        1,
        "nothing else logged"
    );
}

#[tokio::test]
async fn a_number_not_on_whatsapp_fails_with_a_sentence() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000003");
    h.send(&instance, "+5511900000003").await;
    let failed = h.step(&instance).await;
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("not_on_whatsapp"));
    assert_eq!(
        failed.error_message.as_deref(),
        Some("+5511900000003 is not on WhatsApp.")
    );
}

#[tokio::test]
async fn a_server_error_fails_the_message_with_a_reason() {
    let h = harness().await;
    let instance = h.connected().await;
    h.send(&instance, "5511900000002").await;
    h.fake.fail_with(Some(503));
    let failed = h.step(&instance).await;
    assert_eq!(failed.status, MessageStatus::Failed);
    assert!(
        failed
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("HTTP 503")),
        "{failed:?}"
    );
}

#[tokio::test]
async fn restart_logout_and_delete() {
    let h = harness().await;
    let instance = h.connected().await;

    let restarted = h.engine.restart_instance(&instance.id).await.expect("restart");
    assert_eq!(restarted.status, InstanceStatus::Connected);
    assert!(
        h.fake
            .requests()
            .iter()
            .any(|r| r.starts_with("POST /instance/restart/")),
        "restart is a POST"
    );

    let logged_out = h.engine.logout_instance(&instance.id).await.expect("logout");
    assert_eq!(logged_out.status, InstanceStatus::LoggedOut);
    assert_eq!(h.fake.state_of(&instance.remote_name), Some("close"));
    // Logging out a closed instance: the server answers 400 "not connected", which is fine.
    h.engine
        .logout_instance(&instance.id)
        .await
        .expect("second logout");

    // Restarting a closed instance answers HTTP 200 {"error":true}: it is linked again instead.
    let relinked = h
        .engine
        .restart_instance(&instance.id)
        .await
        .expect("restart closed");
    assert_eq!(relinked.status, InstanceStatus::Linking);
    assert!(h
        .engine
        .link_view(&instance.id)
        .await
        .expect("link")
        .qr_svg
        .is_some());

    h.send(&instance, "5511900000002").await;
    h.engine.delete_instance(&instance.id).await.expect("delete");
    assert!(h.fake.instance_names().is_empty());
    let gone = h
        .engine
        .get_instance(&instance.id)
        .await
        .map_err(api)
        .expect_err("gone");
    assert_eq!(gone.code, ErrorCode::NotFound);
    assert!(h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log")
        .is_empty());
}

#[tokio::test]
async fn start_up_resync_finds_missing_and_unreachable_instances() {
    let h = harness().await;
    let kept = h.connected().await;
    let removed = h.add().await;
    h.fake.remove(&removed.remote_name);
    h.engine.resync().await.expect("resync");
    assert_eq!(
        h.engine.get_instance(&removed.id).await.expect("i").status,
        InstanceStatus::Missing
    );
    assert_eq!(
        h.engine.get_instance(&kept.id).await.expect("i").status,
        InstanceStatus::Connected
    );

    h.fake.fail_with(Some(502));
    h.engine.resync().await.expect("resync");
    let unreachable = h.engine.get_instance(&kept.id).await.expect("i");
    assert_eq!(unreachable.status, InstanceStatus::Unreachable);
    assert!(unreachable.status_reason.is_some());
    h.fake.fail_with(None);
    assert_eq!(
        h.engine.poll_instance(&kept.id).await.expect("poll"),
        InstanceStatus::Connected
    );
}

#[tokio::test]
async fn inbound_messages_are_logged_once_under_the_phone_identity() {
    let h = harness().await;
    let instance = h.connected().await;
    let body = include_bytes!("../../../../../shared/contracts/evolution/webhook-messages-upsert-text.json");
    let events = switchboard_engine::provider::evolution::webhook::parse(body, 0).expect("parse");
    let [ProviderEvent::Message(message)] = events.as_slice() else {
        panic!("{events:?}")
    };
    let message: ReportedMessage = message.clone();
    h.events.take();
    for _ in 0..3 {
        h.engine
            .apply_event(&instance.id, ProviderEvent::Message(message.clone()))
            .await
            .expect("apply");
    }
    let log = h
        .engine
        .list_messages(MessageFilter {
            direction: Some(Direction::Inbound),
            ..Default::default()
        })
        .await
        .expect("log");
    assert_eq!(log.len(), 1, "duplicates ignored");
    assert_eq!(log[0].contact, "+5511900000002");
    assert_eq!(log[0].kind, MessageKind::Text);
    assert_eq!(log[0].status, MessageStatus::Received);
    let received = h
        .events
        .take()
        .into_iter()
        .filter(|e| matches!(e, EngineEvent::MessageReceived { .. }))
        .count();
    assert_eq!(received, 1);
}

#[tokio::test]
async fn the_log_filters_by_instance_direction_and_status_newest_first() {
    let h = harness().await;
    let a = h.connected().await;
    let b = h.add().await;
    let first = h.send(&a, "5511900000002").await;
    let second = h.send(&a, "5511900000004").await;
    h.send(&b, "5511900000005").await;
    h.step(&a).await;

    let all = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log");
    assert_eq!(all.len(), 3);
    assert!(
        all.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    let of_a = MessageFilter {
        instance_id: Some(a.id.clone()),
        ..Default::default()
    };
    assert_eq!(h.engine.list_messages(of_a.clone()).await.expect("log").len(), 2);
    let sent_of_a = MessageFilter {
        status: Some(MessageStatus::Sent),
        ..of_a
    };
    let sent = h.engine.list_messages(sent_of_a).await.expect("log");
    assert_eq!(
        sent.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        vec![first.id.clone()]
    );
    let queued = MessageFilter {
        status: Some(MessageStatus::Queued),
        limit: Some(1),
        ..Default::default()
    };
    assert_eq!(h.engine.list_messages(queued).await.expect("log").len(), 1);
    let _ = second;
    let inbound = MessageFilter {
        direction: Some(Direction::Inbound),
        ..Default::default()
    };
    assert!(h.engine.list_messages(inbound).await.expect("log").is_empty());
}

#[tokio::test]
async fn unsupported_providers_say_so() {
    let h = harness().await;
    for provider in [ProviderSetup::Native, ProviderSetup::Cloud] {
        let request = AddInstanceRequest {
            display_name: "Phone".into(),
            provider,
        };
        let error = h
            .engine
            .add_instance(request)
            .await
            .map_err(api)
            .expect_err("unsupported");
        assert_eq!(error.code, ErrorCode::Unsupported);
    }
}
