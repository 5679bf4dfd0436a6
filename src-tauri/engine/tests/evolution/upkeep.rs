//! Statistics, retention, privacy mode and reconnecting.

use crate::support::*;
use switchboard_engine::domain::{InstanceStatus, MessageStatus};
use switchboard_engine::provider::ProviderEvent;
use switchboard_engine::settings::Settings;
use switchboard_engine::store::{MessageFilter, Pacing};
use switchboard_engine::StatsQuery;

#[tokio::test]
async fn statistics_count_each_stage_per_day_and_survive_retention() {
    let h = harness().await;
    let instance = h.connected().await;
    h.engine
        .set_pacing(
            &instance.id,
            Pacing {
                min_interval_ms: 0,
                jitter_ms: 0,
                ..Pacing::default()
            },
        )
        .await
        .expect("pacing");
    h.fake.set_not_on_whatsapp("5511900000003");
    let a = h.send(&instance, "5511900000002").await;
    h.send(&instance, "5511900000003").await;
    let a = {
        h.step(&instance).await;
        h.engine.get_message(&a.id).await.expect("a")
    };
    h.step(&instance).await;
    let id = a.provider_message_id.clone().expect("id");
    // Read without delivered first: counted as both.
    h.engine
        .apply_event(
            &instance.id,
            ProviderEvent::Receipt {
                provider_message_id: id,
                status: MessageStatus::Read,
                failure: None,
            },
        )
        .await
        .expect("read");
    // Received today: a message counts on the day its timestamp says.
    let mut sample = switchboard_testkit::contract_sample("evolution/webhook-messages-upsert-text.json");
    sample["data"]["messageTimestamp"] = serde_json::json!(h.now() / 1000);
    let body = serde_json::to_vec(&sample).expect("json");
    for event in switchboard_engine::provider::evolution::webhook::parse(&body, h.now()).expect("parse") {
        h.engine.apply_event(&instance.id, event).await.expect("inbound");
    }

    let stats = h
        .engine
        .statistics(StatsQuery {
            instance_id: Some(instance.id.clone()),
            days: Some(7),
        })
        .await
        .expect("stats");
    assert_eq!(stats.len(), 1);
    let today = &stats[0];
    assert_eq!(
        (today.sent, today.delivered, today.read, today.failed),
        (1, 1, 1, 1)
    );
    assert_eq!(today.received, 1);

    h.clock.advance(91 * 86_400_000);
    let deleted = h.engine.apply_retention().await.expect("retention");
    assert_eq!(deleted, 3);
    assert!(h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log")
        .is_empty());
    let all = h
        .engine
        .statistics(StatsQuery {
            instance_id: None,
            days: Some(366),
        })
        .await
        .expect("stats");
    assert_eq!(all.iter().map(|d| d.sent).sum::<i64>(), 1, "statistics are kept");
}

#[tokio::test]
async fn privacy_mode_keeps_no_message_content() {
    let h = harness().await;
    let instance = h.connected().await;
    let settings = Settings {
        privacy_mode: true,
        ..h.engine.settings().await.expect("settings")
    };
    h.engine.update_settings(settings).await.expect("save");
    let message = h.send(&instance, "5511900000002").await;
    h.step(&instance).await;
    assert_eq!(h.engine.get_message(&message.id).await.expect("m").body, None);
    assert_eq!(
        h.fake.sent()[0].body["text"],
        "Olá Maria!",
        "the text was still sent"
    );
    let body = serde_json::to_vec(&switchboard_testkit::contract_sample(
        "evolution/webhook-messages-upsert-text.json",
    ))
    .expect("json");
    for event in switchboard_engine::provider::evolution::webhook::parse(&body, h.now()).expect("parse") {
        h.engine.apply_event(&instance.id, event).await.expect("inbound");
    }
    assert!(h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log")
        .iter()
        .all(|m| m.body.is_none()));
}

#[tokio::test]
async fn a_disconnected_number_is_restarted_with_back_off_and_then_left_for_a_person() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake
        .act(
            &instance.remote_name,
            "close",
            &serde_json::json!({"statusReason": 408}),
        )
        .await;
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Disconnected
    );
    let restarts = || {
        h.fake
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST /instance/restart/"))
            .count()
    };
    let mut gaps = Vec::new();
    let mut last = h.now();
    for _ in 0..200 {
        if h.engine.reconnect_step(&instance.id).await.expect("step") {
            gaps.push(h.now() - last);
            last = h.now();
        }
        h.clock.advance(5_000);
    }
    assert_eq!(restarts(), 5, "gives up after five tries");
    assert!(
        gaps.windows(2).skip(1).all(|w| w[1] > w[0]),
        "each pause is longer: {gaps:?}"
    );
    let given_up = h.engine.get_instance(&instance.id).await.expect("instance");
    assert_eq!(given_up.status, InstanceStatus::Disconnected);
    assert!(
        given_up
            .status_reason
            .as_deref()
            .is_some_and(|r| r.contains("press Restart")),
        "{given_up:?}"
    );

    // A person presses Restart: the count starts over.
    h.engine.restart_instance(&instance.id).await.expect("restart");
    h.fake
        .act(
            &instance.remote_name,
            "close",
            &serde_json::json!({"statusReason": 408}),
        )
        .await;
    h.fake
        .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
        .await;
    h.engine.poll_instance(&instance.id).await.expect("poll");
    h.fake
        .act(
            &instance.remote_name,
            "close",
            &serde_json::json!({"statusReason": 408}),
        )
        .await;
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Disconnected
    );
    assert!(
        h.engine.reconnect_step(&instance.id).await.expect("step"),
        "trying again"
    );
}

/// The engine checks its own limits whoever calls: the window only reads them.
#[tokio::test]
async fn settings_and_pacing_past_the_engines_limits_are_refused() {
    let h = harness().await;
    let limits = switchboard_engine::limits::LIMITS;
    let mut settings = h.engine.settings().await.expect("settings");
    settings.retention_days = limits.max_retention_days + 1;
    assert!(h.engine.update_settings(settings.clone()).await.is_err());
    settings.retention_days = limits.max_retention_days;
    assert!(h.engine.update_settings(settings.clone()).await.is_ok());
    settings.api_port = limits.min_api_port - 1;
    assert!(h.engine.update_settings(settings).await.is_err());

    let instance = h.add().await;
    let mut pacing = h.engine.pacing(&instance.id).await.expect("pacing");
    pacing.jitter_ms = limits.max_pacing_interval_ms + 1;
    assert!(h.engine.set_pacing(&instance.id, pacing).await.is_err());
}
