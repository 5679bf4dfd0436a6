//! Events reach a desktop the gateway cannot call: with no webhook, messages and receipts are read
//! from the server's own log, once each, however often it is read.

use crate::support::*;
use serde_json::json;
use switchboard_engine::domain::{Direction, MessageStatus};

#[tokio::test]
async fn without_webhooks_receipts_move_statuses_forward_and_inbound_messages_are_logged_once() {
    let h = harness().await;
    let instance = h.connected().await;
    let remote = instance.remote_name.clone();
    assert!(!instance.uses_webhook);
    assert_eq!(
        h.fake.webhook_url_of(&remote),
        None,
        "the server has no way to call this computer"
    );

    // Someone writes; no webhook brings it.
    h.fake
        .act(
            &remote,
            "inbound",
            &json!({"id": "3EB0INBOUND0001", "text": "Vocês abrem sábado?"}),
        )
        .await;
    assert_eq!(h.logged().await, 0);
    assert!(h.engine.poll_events(&instance.id).await.expect("catch up") >= 1);
    let log = h.engine.list_messages(Default::default()).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].direction, Direction::Inbound);
    assert_eq!(log[0].status, MessageStatus::Received);
    assert_eq!(log[0].body.as_deref(), Some("Vocês abrem sábado?"));
    h.engine.poll_events(&instance.id).await.expect("again");
    assert_eq!(h.logged().await, 1, "read twice, logged once");

    // A message sent from here: its receipts reach the log only through the server's store.
    h.send(&instance, "5511900000002").await;
    let sent = h.step(&instance).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    let wire_id = sent.provider_message_id.clone().expect("provider id");
    h.fake
        .act(
            &remote,
            "receipt",
            &json!({"id": wire_id, "status": "DELIVERY_ACK"}),
        )
        .await;
    h.engine.poll_events(&instance.id).await.expect("catch up");
    let message = h.engine.get_message(&sent.id).await.expect("message");
    assert_eq!(message.status, MessageStatus::Delivered);
    assert_eq!(
        h.logged().await,
        2,
        "the server's copy of a sent message is not logged again"
    );

    // Later, the log has moved on past the sent message; its read receipt is looked up by id.
    h.clock.advance(5 * 60_000);
    let later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs()
        + 300;
    h.fake
        .act(
            &remote,
            "inbound",
            &json!({"id": "3EB0INBOUND0002", "text": "Obrigada!", "at": later}),
        )
        .await;
    h.engine.poll_events(&instance.id).await.expect("catch up");
    assert_eq!(h.logged().await, 3);
    h.fake
        .act(&remote, "receipt", &json!({"id": wire_id, "status": "READ"}))
        .await;
    h.engine.poll_events(&instance.id).await.expect("catch up");
    let message = h.engine.get_message(&sent.id).await.expect("message");
    assert_eq!(message.status, MessageStatus::Read);
    assert!(h
        .fake
        .requests()
        .iter()
        .any(|r| r == &format!("POST /chat/findStatusMessage/{remote}")));
    assert_eq!(h.logged().await, 3);
}

#[tokio::test]
async fn a_number_that_is_not_connected_is_not_read() {
    let h = harness().await;
    let instance = h.add().await;
    assert_eq!(h.engine.poll_events(&instance.id).await.expect("catch up"), 0);
    assert!(!h.fake.requests().iter().any(|r| r.contains("/chat/find")));
}
