//! Events reach a desktop the gateway cannot call by the server's socket.io stream: with no webhook
//! possible, a server that has streams turned on pushes receipts, incoming messages and
//! connection changes over a connection this computer opened.

use crate::support::*;
use serde_json::json;
use std::time::Duration;
use switchboard_engine::domain::{Direction, EventPath, InstanceStatus, MessageStatus};
use switchboard_engine::events::EngineEvent;
use switchboard_engine::store::Instance;
use switchboard_engine::STREAM_RETRY_MILLIS;
use tokio::sync::broadcast::Receiver;

/// Waits for the engine to apply an event the stream brought (the stream is another task; the
/// bound only keeps a broken test from hanging).
async fn applied(events: &mut Receiver<EngineEvent>, wanted: impl Fn(&EngineEvent) -> bool) -> EngineEvent {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(event) if wanted(&event) => return event,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(closed) => panic!("engine events ended: {closed}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("the stream brought the event")
}

async fn path_of(h: &Harness, instance: &Instance) -> EventPath {
    h.engine
        .get_instance(&instance.id)
        .await
        .expect("instance")
        .event_path
}

#[tokio::test]
async fn with_webhooks_unreachable_the_stream_brings_inbound_messages_receipts_and_closes() {
    let h = harness().await;
    h.fake.enable_streams();
    let instance = h.connected().await;
    let remote = instance.remote_name.clone();
    assert_eq!(
        h.fake.webhook_url_of(&remote),
        None,
        "the server cannot call this computer"
    );
    assert_eq!(path_of(&h, &instance).await, EventPath::ServerLog);

    assert!(h.engine.stream_step(&instance.id).await.expect("stream step"));
    assert_eq!(path_of(&h, &instance).await, EventPath::Stream);
    assert_eq!(h.fake.stream_clients(&remote).await, 1);
    assert!(
        h.fake
            .requests()
            .contains(&format!("POST /websocket/set/{remote}")),
        "the instance's stream is switched on at the server"
    );

    // Someone writes: the stream brings it at once, and reading the server's log later does not
    // log it again.
    let mut events = h.engine.subscribe();
    h.fake
        .act(
            &remote,
            "inbound",
            &json!({"id": "3EB0STREAM0001", "text": "Bom dia! Tem pão?"}),
        )
        .await;
    applied(&mut events, |e| matches!(e, EngineEvent::MessageReceived { .. })).await;
    let log = h.engine.list_messages(Default::default()).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].direction, Direction::Inbound);
    assert_eq!(log[0].body.as_deref(), Some("Bom dia! Tem pão?"));
    h.engine.poll_events(&instance.id).await.expect("catch up");
    assert_eq!(h.logged().await, 1, "one message, whichever path brought it");

    // A message sent from here moves forward with its receipts.
    h.send(&instance, "5511900000002").await;
    let sent = h.step(&instance).await;
    let wire_id = sent.provider_message_id.clone().expect("provider id");
    for (receipt, status) in [
        ("DELIVERY_ACK", MessageStatus::Delivered),
        ("READ", MessageStatus::Read),
    ] {
        h.fake
            .act(&remote, "receipt", &json!({"id": wire_id, "status": receipt}))
            .await;
        applied(
            &mut events,
            |e| matches!(e, EngineEvent::MessageStatusChanged { status: s, .. } if *s == status),
        )
        .await;
        let message = h.engine.get_message(&sent.id).await.expect("message");
        assert_eq!(message.status, status);
    }

    // The phone unlinks the device.
    h.fake.act(&remote, "close", &json!({"statusReason": 401})).await;
    applied(&mut events, |e| {
        matches!(e, EngineEvent::InstanceStatusChanged { .. })
    })
    .await;
    assert_eq!(h.history(&instance).await[0], InstanceStatus::LoggedOut);
}

#[tokio::test]
async fn a_server_without_streams_is_read_from_its_log_and_asked_again_only_later() {
    let h = harness().await;
    let instance = h.connected().await;
    let asked = || {
        h.fake
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST /websocket/set/"))
            .count()
    };
    assert!(!h.engine.stream_step(&instance.id).await.expect("stream step"));
    assert_eq!(asked(), 1);
    assert_eq!(path_of(&h, &instance).await, EventPath::ServerLog);

    h.clock.advance(60_000);
    assert!(!h.engine.stream_step(&instance.id).await.expect("stream step"));
    assert_eq!(asked(), 1, "not asked on every tick");

    // The owner turns streams on; the next try, a while later, takes the stream.
    h.fake.enable_streams();
    h.clock.advance(STREAM_RETRY_MILLIS);
    assert!(h.engine.stream_step(&instance.id).await.expect("stream step"));
    assert_eq!(asked(), 2);
    assert_eq!(path_of(&h, &instance).await, EventPath::Stream);
}

#[tokio::test]
async fn a_stream_the_server_drops_reconnects_by_itself_and_is_shown_as_dropped_while_it_cannot() {
    let h = harness().await;
    h.fake.enable_streams();
    let instance = h.connected().await;
    let remote = instance.remote_name.clone();
    assert!(h.engine.stream_step(&instance.id).await.expect("stream step"));

    // The server restarts: the client comes back by itself, and events flow again.
    h.fake.drop_streams().await;
    h.fake.reopen_streams();
    eventually("the client is back", || async {
        h.fake.stream_clients(&remote).await == 1
    })
    .await;
    eventually("the stream is live", || async {
        path_of(&h, &instance).await == EventPath::Stream
    })
    .await;
    let mut events = h.engine.subscribe();
    h.fake
        .act(&remote, "inbound", &json!({"id": "3EB0STREAM0002", "text": "Oi"}))
        .await;
    applied(&mut events, |e| matches!(e, EngineEvent::MessageReceived { .. })).await;
    assert_eq!(h.logged().await, 1);

    // The server goes away for longer: the page says the log is read, and a later try (the
    // status loop's, every few minutes) takes the stream again once the server is back.
    h.fake.drop_streams().await;
    eventually("the drop is seen", || async {
        path_of(&h, &instance).await == EventPath::ServerLog
    })
    .await;
    h.fake.reopen_streams();
    h.clock.advance(STREAM_RETRY_MILLIS);
    eventually("the stream is taken again", || async {
        h.engine.stream_step(&instance.id).await.expect("stream step")
    })
    .await;
    assert_eq!(path_of(&h, &instance).await, EventPath::Stream);
}

#[tokio::test]
async fn a_stream_opened_with_a_wrong_key_is_refused_and_the_log_is_read() {
    let h = harness().await;
    h.fake.enable_streams();
    let instance = h.connected().await;
    h.fake.refuse_stream_keys();
    assert!(!h.engine.stream_step(&instance.id).await.expect("stream step"));
    assert_eq!(path_of(&h, &instance).await, EventPath::ServerLog);
    assert_eq!(h.fake.stream_clients(&instance.remote_name).await, 0);
}

/// Waits until a condition another task brings about holds (bounded, so a broken test fails).
async fn eventually<F, Fut>(what: &str, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let wait = async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), wait)
        .await
        .unwrap_or_else(|_| panic!("{what}: did not come about"));
}
