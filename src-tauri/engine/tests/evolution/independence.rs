//! Numbers are independent: a number whose server hangs holds up no other number's sending or
//! status, and a state read that left the server before a webhook arrived cannot undo it.

use crate::support::*;
use std::time::Duration;
use switchboard_engine::domain::{ConnectionSignal, InstanceId, InstanceStatus, MessageStatus};
use switchboard_engine::events::EngineEvent;
use switchboard_engine::provider::{ConnectionReport, ProviderEvent};
use switchboard_engine::{OutboxStep, Timeouts, OUTCOME_UNKNOWN, PROBE_QUIET_MILLIS};

/// Far shorter than the 30 s one number used to wait for another's hanging call, and long
/// enough for a loaded test machine.
const PROMPTLY: Duration = Duration::from_secs(5);

async fn next_event(
    events: &mut tokio::sync::broadcast::Receiver<EngineEvent>,
    wanted: impl Fn(&EngineEvent) -> bool,
) -> EngineEvent {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(event) if wanted(&event) => return event,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(error) => panic!("event stream ended: {error}"),
            }
        }
    };
    tokio::time::timeout(PROMPTLY, wait).await.expect("event in time")
}

fn status_of(event: &EngineEvent, instance: &InstanceId) -> Option<InstanceStatus> {
    match event {
        EngineEvent::InstanceStatusChanged {
            instance_id, status, ..
        } if instance_id == instance => Some(*status),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_whose_server_hangs_holds_up_no_other_number() {
    let h = harness().await;
    let stuck = h.connected().await;
    let healthy = h.connected().await;
    // The stuck number's server does the work but never answers: sends and state reads hang.
    let stuck_send = h.fake.hold(&stuck.remote_name, "sendText");
    let stuck_state = h.fake.hold(&stuck.remote_name, "connectionState");
    let mut events = h.engine.subscribe();
    h.engine.start();

    let hanging = h.send(&stuck, "5511900000002").await;
    tokio::time::timeout(PROMPTLY, stuck_send.arrived(1))
        .await
        .expect("the stuck number's send reached its server");
    tokio::time::timeout(PROMPTLY, stuck_state.arrived(1))
        .await
        .expect("the stuck number's status loop is waiting on its server");

    let other = h.send(&healthy, "5511900000003").await;
    next_event(&mut events, |event| {
        matches!(event, EngineEvent::MessageStatusChanged { message_id, status: MessageStatus::Sent, .. }
            if *message_id == other.id)
    })
    .await;
    assert_eq!(
        h.engine.get_message(&hanging.id).await.expect("message").status,
        MessageStatus::Sending,
        "the other number's message went out while this one still hangs"
    );

    // The healthy number's status keeps following its server, found by its own polling.
    h.fake
        .act(&healthy.remote_name, "close", &serde_json::json!({}))
        .await;
    h.clock.advance(11_000);
    let status = next_event(&mut events, |event| status_of(event, &healthy.id).is_some()).await;
    assert_eq!(
        status_of(&status, &healthy.id),
        Some(InstanceStatus::Disconnected)
    );
    stuck_send.release();
    stuck_state.release();
}

#[tokio::test]
async fn a_state_read_that_left_before_a_webhook_does_not_undo_it() {
    let h = harness().await;
    let instance = h.add().await;
    assert_eq!(instance.status, InstanceStatus::Linking);
    let late_answer = h.fake.hold(&instance.remote_name, "connectionState");

    // The poll asks while the server still says "connecting"; its answer is stuck on the way.
    let engine = h.engine.clone();
    let id = instance.id.clone();
    let poll = tokio::spawn(async move { engine.poll_instance(&id).await });
    late_answer.arrived(1).await;

    // Meanwhile the phone scans the code and the server's webhook says "open".
    let open = ConnectionReport {
        profile_name: Some("Loja Exemplo".into()),
        ..ConnectionReport::bare(ConnectionSignal::Open)
    };
    h.engine
        .apply_event(&instance.id, ProviderEvent::Connection(open))
        .await
        .expect("webhook applied");
    late_answer.release();
    let after_poll = poll.await.expect("poll task").expect("poll");

    assert_eq!(
        after_poll,
        InstanceStatus::Connected,
        "the older answer was ignored"
    );
    // Newest first: connected, and never linking again after it.
    assert_eq!(
        h.history(&instance).await,
        vec![InstanceStatus::Connected, InstanceStatus::Linking]
    );

    // A read that starts after the webhook is newer, and is applied.
    h.fake
        .act(&instance.remote_name, "close", &serde_json::json!({}))
        .await;
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Disconnected
    );
}

/// Limits short enough that a test waits for a hanging server only briefly.
const BRIEF: Timeouts = Timeouts {
    state: Duration::from_millis(400),
    send: Duration::from_millis(400),
};

#[tokio::test]
async fn a_connection_that_only_looks_alive_is_found_by_its_probe_and_restarted() {
    let h = harness_with(BRIEF).await;
    let zombie = h.connected().await;
    let alive = h.connected().await;
    // The server says "open" for both, but nothing goes through for the first one.
    h.fake.hold(&zombie.remote_name, "whatsappNumbers");
    h.fake.hold(&zombie.remote_name, "sendText");

    assert!(
        !h.engine.probe_step(&zombie.id).await.expect("probe"),
        "not quiet yet: no probe"
    );
    h.clock.advance(PROBE_QUIET_MILLIS);
    assert!(h.engine.probe_step(&zombie.id).await.expect("probe"));
    assert!(h.engine.probe_step(&alive.id).await.expect("probe"));

    let found = h.engine.get_instance(&zombie.id).await.expect("zombie");
    assert_eq!(found.status, InstanceStatus::Disconnected);
    assert!(
        found
            .status_reason
            .as_deref()
            .is_some_and(|r| r.contains("stopped answering")),
        "{:?}",
        found.status_reason
    );
    assert_eq!(
        h.engine.get_instance(&alive.id).await.expect("alive").status,
        InstanceStatus::Connected,
        "a probe that is answered changes nothing"
    );
    assert!(
        h.engine.reconnect_step(&zombie.id).await.expect("reconnect"),
        "restarted"
    );
    let restart = format!("POST /instance/restart/{}", zombie.remote_name);
    assert!(h.fake.requests().contains(&restart), "{:?}", h.fake.requests());
}

/// The server performs the send but its answer never comes. The message is not sent again
/// blindly: once the number is back it is looked up in the server's log and adopted as sent.
#[tokio::test]
async fn a_send_that_times_out_is_found_in_the_server_log_and_never_sent_twice() {
    let h = harness_with(BRIEF).await;
    let zombie = h.connected().await;
    let late = h.fake.hold(&zombie.remote_name, "sendText");
    let message = h.send(&zombie, "5511900000002").await;

    let OutboxStep::Processed(after) = h.engine.outbox_step(&zombie.id).await.expect("step") else {
        panic!("the message was handed to the provider");
    };
    assert_eq!(after.id, message.id);
    assert_eq!(after.status, MessageStatus::Queued, "waiting to be looked up");
    assert_eq!(after.error_code.as_deref(), Some(OUTCOME_UNKNOWN));
    assert!(after
        .error_message
        .as_deref()
        .is_some_and(|m| m.contains("checks whether it went out")));
    let found = h.engine.get_instance(&zombie.id).await.expect("zombie");
    assert_eq!(found.status, InstanceStatus::Disconnected);
    assert!(found
        .status_reason
        .as_deref()
        .is_some_and(|r| r.contains("stopped answering")));

    // Once the number is back the server's log answers: it went out, under this id.
    late.release();
    h.fake
        .open(&zombie.remote_name, "Loja Exemplo", "5511900000001")
        .await;
    h.engine.poll_instance(&zombie.id).await.expect("poll");
    assert!(
        matches!(
            h.engine.outbox_step(&zombie.id).await.expect("step"),
            OutboxStep::Wait { .. }
        ),
        "not looked up before the server had time to finish"
    );
    h.clock.advance(60_000);
    let OutboxStep::Processed(settled) = h.engine.outbox_step(&zombie.id).await.expect("step") else {
        panic!("the message was settled");
    };
    assert_eq!(settled.status, MessageStatus::Sent);
    assert_eq!(
        settled.provider_message_id.as_deref(),
        Some(h.fake.sent()[0].id.as_str()),
        "the server's own id"
    );
    assert_eq!(settled.error_code, None);
    assert_eq!(h.fake.sent().len(), 1, "the server's one send, never repeated");
    assert!(h
        .fake
        .requests()
        .contains(&format!("POST /chat/findMessages/{}", zombie.remote_name)));
    h.clock.advance(60_000);
    assert_eq!(
        h.engine.outbox_step(&zombie.id).await.expect("step"),
        OutboxStep::Idle
    );
}

/// When the server's log cannot be read either, the message waits for a person.
#[tokio::test]
async fn a_send_that_cannot_be_looked_up_waits_for_a_person() {
    let h = harness_with(BRIEF).await;
    let zombie = h.connected().await;
    let late = h.fake.hold(&zombie.remote_name, "sendText");
    h.send(&zombie, "5511900000002").await;
    h.engine.outbox_step(&zombie.id).await.expect("step");
    late.release();
    h.fake
        .open(&zombie.remote_name, "Loja Exemplo", "5511900000001")
        .await;
    h.engine.poll_instance(&zombie.id).await.expect("poll");
    h.clock.advance(60_000);
    let lookup = h.fake.hold(&zombie.remote_name, "findMessages");
    let OutboxStep::Processed(after) = h.engine.outbox_step(&zombie.id).await.expect("step") else {
        panic!("the message was settled");
    };
    lookup.release();
    assert_eq!(after.status, MessageStatus::Failed);
    assert_eq!(after.error_code.as_deref(), Some(OUTCOME_UNKNOWN));
    assert!(after
        .error_message
        .as_deref()
        .is_some_and(|m| m.contains("Check the phone")));
    assert_eq!(h.fake.sent().len(), 1, "never sent twice");
}

/// Evolution 2.4 sends under the id the caller chooses: an unanswered send is simply sent again
/// under the same id, and WhatsApp takes the repeat as the same message.
#[tokio::test]
async fn on_evolution_2_4_an_unanswered_send_goes_again_under_the_same_id() {
    let h = harness_with(BRIEF).await;
    h.fake.set_version("2.4.0");
    let zombie = h.connected().await;
    let late = h.fake.hold(&zombie.remote_name, "sendText");
    let message = h.send(&zombie, "5511900000002").await;
    let OutboxStep::Processed(after) = h.engine.outbox_step(&zombie.id).await.expect("step") else {
        panic!("the message was handed to the provider");
    };
    assert_eq!(
        after.status,
        MessageStatus::Queued,
        "retried, not left for a person"
    );
    assert_ne!(after.error_code.as_deref(), Some(OUTCOME_UNKNOWN));
    late.release();
    h.fake
        .open(&zombie.remote_name, "Loja Exemplo", "5511900000001")
        .await;
    h.engine.poll_instance(&zombie.id).await.expect("poll");
    let sent = h.step(&zombie).await;
    assert_eq!(sent.id, message.id);
    assert_eq!(sent.status, MessageStatus::Sent);
    let wire = switchboard_engine::provider::wire_message_id(&message.id);
    assert_eq!(sent.provider_message_id.as_deref(), Some(wire.as_str()));
    let bodies: Vec<_> = h
        .fake
        .sent()
        .iter()
        .map(|s| s.body["messageId"].clone())
        .collect();
    assert_eq!(
        bodies,
        [serde_json::json!(wire)],
        "two attempts, one message on WhatsApp"
    );
}
