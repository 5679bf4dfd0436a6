//! The outbox: pacing with a controllable clock, quotas, quiet hours, schedules, retries with
//! back-off, idempotency, cancel and retry by hand.

use crate::support::*;
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::store::Pacing;
use switchboard_engine::{OutboxStep, PauseReason, SendRequest, MAX_ATTEMPTS};

fn no_jitter(min_interval_ms: u32) -> Pacing {
    Pacing {
        min_interval_ms,
        jitter_ms: 0,
        ..Pacing::default()
    }
}

#[tokio::test]
async fn pacing_spaces_sends_by_the_minimum_interval_plus_jitter() {
    let h = harness().await;
    let instance = h.connected().await;
    assert_eq!(
        h.engine.pacing(&instance.id).await.expect("pacing"),
        Pacing::default()
    );
    h.engine
        .set_pacing(
            &instance.id,
            Pacing {
                min_interval_ms: 2_000,
                jitter_ms: 500,
                ..Pacing::default()
            },
        )
        .await
        .expect("set");
    for _ in 0..3 {
        h.send(&instance, "5511900000002").await;
    }
    let start = h.now();
    assert!(matches!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Processed(_)
    ));
    let OutboxStep::Wait { until } = h.engine.outbox_step(&instance.id).await.expect("step") else {
        panic!("must wait")
    };
    assert!(
        (start + 2_000..=start + 2_500).contains(&until),
        "interval plus jitter: {}",
        until - start
    );
    h.clock.advance(until - h.now() - 1);
    assert!(
        matches!(
            h.engine.outbox_step(&instance.id).await.expect("step"),
            OutboxStep::Wait { .. }
        ),
        "not a millisecond early"
    );
    h.clock.advance(1);
    assert!(matches!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Processed(_)
    ));
    assert_eq!(h.fake.sent().len(), 2);
}

#[tokio::test]
async fn the_daily_quota_pauses_until_the_next_local_day() {
    let h = harness().await;
    let instance = h.connected().await;
    h.engine
        .set_pacing(
            &instance.id,
            Pacing {
                daily_quota: 2,
                ..no_jitter(0)
            },
        )
        .await
        .expect("set");
    for _ in 0..3 {
        h.send(&instance, "5511900000002").await;
    }
    h.step(&instance).await;
    h.step(&instance).await;
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused(PauseReason::DailyQuota)
    );
    h.clock.advance(24 * 3_600_000);
    assert_eq!(
        h.step(&instance).await.status,
        MessageStatus::Sent,
        "a new day, a new quota"
    );
}

#[tokio::test]
async fn quiet_hours_pause_sending() {
    let h = harness().await;
    let instance = h.connected().await;
    let minute = switchboard_engine::clock::local(h.now()).minute_of_day;
    let quiet = Pacing {
        quiet_start_minute: Some(minute),
        quiet_end_minute: Some((minute + 60) % 1440),
        ..no_jitter(0)
    };
    h.engine.set_pacing(&instance.id, quiet).await.expect("set");
    h.send(&instance, "5511900000002").await;
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused(PauseReason::QuietHours)
    );
    h.clock.advance(61 * 60_000);
    assert_eq!(h.step(&instance).await.status, MessageStatus::Sent);

    let half = Pacing {
        quiet_start_minute: Some(60),
        quiet_end_minute: None,
        ..no_jitter(0)
    };
    assert!(
        h.engine.set_pacing(&instance.id, half).await.is_err(),
        "start without end"
    );
    assert!(h
        .engine
        .set_pacing(
            &instance.id,
            Pacing {
                daily_quota: 0,
                ..no_jitter(0)
            }
        )
        .await
        .is_err());
}

#[tokio::test]
async fn scheduled_messages_wait_for_their_time() {
    let h = harness().await;
    let instance = h.connected().await;
    let at = h.now() + 3_600_000;
    let request = SendRequest {
        scheduled_at: Some(at),
        ..text(&instance, "5511900000002", "Lembrete")
    };
    let scheduled = h.engine.send_message(request).await.expect("accepted");
    assert_eq!(scheduled.scheduled_at, Some(at));
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Wait { until: at }
    );
    assert!(h.fake.sent().is_empty());
    h.clock.advance(3_600_000);
    assert_eq!(h.step(&instance).await.status, MessageStatus::Sent);
}

#[tokio::test]
async fn transient_failures_back_off_then_fail_and_can_be_retried_by_hand() {
    let h = harness().await;
    let instance = h.connected().await;
    h.engine
        .set_pacing(&instance.id, no_jitter(0))
        .await
        .expect("set");
    let message = h.send(&instance, "5511900000002").await;
    h.fake.fail_with(Some(503));
    let mut waits = Vec::new();
    for attempt in 1..=MAX_ATTEMPTS {
        let processed = h.step(&instance).await;
        assert_eq!(processed.attempts, attempt);
        if attempt < MAX_ATTEMPTS {
            assert_eq!(processed.status, MessageStatus::Queued, "back in the queue");
            assert!(processed
                .error_message
                .as_deref()
                .is_some_and(|m| m.contains("503")));
            waits.push(processed.next_attempt_at.expect("retry time") - processed.updated_at);
        } else {
            assert_eq!(processed.status, MessageStatus::Failed);
        }
    }
    assert_eq!(waits, vec![5_000, 20_000], "exponential back-off");
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Idle
    );

    h.fake.fail_with(None);
    let retried = h.engine.retry_message(&message.id).await.expect("retry");
    assert_eq!((retried.status, retried.attempts), (MessageStatus::Queued, 0));
    assert_eq!(h.step(&instance).await.status, MessageStatus::Sent);
    assert!(
        h.engine.retry_message(&message.id).await.is_err(),
        "a sent message is not retried"
    );
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_message_and_sends_once() {
    let h = harness().await;
    let instance = h.connected().await;
    let keyed = || SendRequest {
        idempotency_key: Some("order-1042".into()),
        ..text(&instance, "5511900000002", "Pedido enviado")
    };
    let first = h.engine.send_message(keyed()).await.expect("first");
    let second = h.engine.send_message(keyed()).await.expect("second");
    assert_eq!(first.id, second.id);
    h.step(&instance).await;
    assert_eq!(
        h.engine.send_message(keyed()).await.expect("third").status,
        MessageStatus::Sent
    );
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Idle,
        "nothing more to send"
    );
    assert_eq!(h.fake.sent().len(), 1);
    // Another source may use the same key for its own message (the same text, meant again).
    let meant = SendRequest {
        allow_repeat: true,
        ..keyed()
    };
    let other = h
        .engine
        .send_message_as(meant, "api:key-1")
        .await
        .expect("other source");
    assert_ne!(other.id, first.id);
}

#[tokio::test]
async fn queued_messages_can_be_cancelled() {
    let h = harness().await;
    let instance = h.connected().await;
    let message = h.send(&instance, "5511900000002").await;
    let cancelled = h.engine.cancel_message(&message.id).await.expect("cancel");
    assert_eq!(cancelled.status, MessageStatus::Cancelled);
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Idle
    );
    assert!(
        h.engine.cancel_message(&message.id).await.is_err(),
        "only queued messages"
    );
    assert_eq!(
        h.engine.retry_message(&message.id).await.expect("retry").status,
        MessageStatus::Queued
    );
    assert_eq!(h.step(&instance).await.status, MessageStatus::Sent);
}

/// Accepts that arrive together share a commit, and each is still judged as if alone: one
/// idempotency key makes one message, a daily limit lets exactly its number through, and a bad
/// request in the same batch fails alone.
#[tokio::test]
async fn accepts_committed_together_are_each_judged_alone() {
    let h = harness().await;
    let instance = h.add().await;
    let created = h
        .engine
        .create_api_key(switchboard_engine::NewApiKey {
            name: "loja".into(),
            instance_ids: vec![instance.id.clone()],
            daily_limit: Some(10),
            manages_numbers: false,
        })
        .await
        .expect("key");
    let key = created.key;

    let same_key = (0..64).map(|_| {
        let engine = h.engine.clone();
        let mut request = text(&instance, "5511900000002", "Pedido #1042");
        request.idempotency_key = Some("order-1042".into());
        tokio::spawn(async move { engine.send_message(request).await })
    });
    let mut ids: Vec<String> = Vec::new();
    for task in same_key.collect::<Vec<_>>() {
        ids.push(task.await.expect("task").expect("accepted").id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "64 at once with one key: one message");

    let limited = (0..40).map(|n| {
        let engine = h.engine.clone();
        let key = key.clone();
        let request = text(&instance, "5511900000002", &format!("Oferta {n}"));
        tokio::spawn(async move { engine.send_message_for_key(request, &key).await })
    });
    let (mut accepted, mut refused) = (0, 0);
    for task in limited.collect::<Vec<_>>() {
        match task.await.expect("task") {
            Ok(_) => accepted += 1,
            Err(switchboard_engine::EngineError::DailyLimit) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        (accepted, refused),
        (10, 30),
        "exactly the limit, however they are batched"
    );

    let unknown = switchboard_engine::domain::InstanceId::new_random();
    let mixed = (0..21).map(|n| {
        let engine = h.engine.clone();
        let mut request = text(&instance, "5511900000002", &format!("Lote {n}"));
        if n == 10 {
            request.instance_id = unknown.clone();
        }
        tokio::spawn(async move { engine.send_message(request).await })
    });
    let outcomes: Vec<_> = futures_util::future::join_all(mixed).await;
    let failed: Vec<_> = outcomes
        .into_iter()
        .map(|o| o.expect("task"))
        .filter_map(Result::err)
        .collect();
    assert_eq!(failed.len(), 1, "only the bad one fails: {failed:?}");
    assert!(matches!(
        failed[0],
        switchboard_engine::EngineError::InstanceNotFound(_)
    ));
    assert_eq!(h.logged().await, 1 + 10 + 20);
}
