//! Receipts in any order leave a message at the furthest status (SQL and `MessageStatus::rank` agree).

use switchboard_engine::domain::{InstanceId, InstanceStatus, MessageKind, MessageStatus, ProviderKind};
use switchboard_engine::store::{Instance, NewOutbound, ReceiptOutcome, Store};

fn permutations(items: &[MessageStatus]) -> Vec<Vec<MessageStatus>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for (i, first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, *first);
            all.push(tail);
        }
    }
    all
}

#[tokio::test]
async fn every_receipt_order_ends_at_the_highest_rank() {
    let store = Store::in_memory().await.expect("store");
    let id = InstanceId::new_random();
    let instance = Instance {
        id: id.clone(),
        display_name: "x".into(),
        provider: ProviderKind::Evolution,
        remote_name: "x".into(),
        provider_config: serde_json::json!({}),
        server_url: Some("http://x/".into()),
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
    };
    store.insert_instance(&instance).await.expect("instance");
    let receipts = [
        MessageStatus::Sent,
        MessageStatus::Failed,
        MessageStatus::Delivered,
        MessageStatus::Read,
    ];
    for (n, order) in permutations(&receipts).into_iter().enumerate() {
        let new = NewOutbound {
            instance_id: &id,
            chat_jid: "5511900000002@s.whatsapp.net",
            contact: "+5511900000002",
            kind: MessageKind::Text,
            body: Some("hi"),
            payload: None,
            scheduled_at: None,
            source: "app",
            idempotency_key: None,
            campaign_id: None,
            now: 0,
            quoted_id: None,
        };
        let (message, _) = store.insert_outbound(new).await.expect("insert");
        store
            .claim_next_outbound(&id, 1)
            .await
            .expect("claim")
            .expect("claimed");
        let provider_id = format!("P{n}");
        store.mark_sent(&message.id, &provider_id, 2).await.expect("sent");
        let mut highest = MessageStatus::Sent;
        for status in &order {
            let outcome = store
                .apply_receipt(&id, &provider_id, *status, None, 3)
                .await
                .expect("receipt");
            let advanced = status.rank() > highest.rank();
            assert_eq!(
                matches!(outcome, ReceiptOutcome::Advanced { .. }),
                advanced,
                "{order:?} at {status:?}"
            );
            if advanced {
                highest = *status;
            }
        }
        let stored = store.message(&message.id).await.expect("read").expect("exists");
        assert_eq!(stored.status, MessageStatus::Read, "{order:?}");
    }
}
