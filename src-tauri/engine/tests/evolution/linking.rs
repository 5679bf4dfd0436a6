//! Adding, linking, polling, restart, logout, delete and re-sync.

use crate::support::*;
use switchboard_engine::domain::InstanceStatus;
use switchboard_engine::events::EngineEvent;
use switchboard_engine::store::MessageFilter;
use switchboard_engine::{AddInstanceRequest, ErrorCode};

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
    assert_eq!(
        link.expires_at.expect("countdown") - link.received_at.expect("received"),
        60_000
    );
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
    assert_eq!(
        rotated.expires_at.expect("countdown") - rotated.received_at.expect("received"),
        20_000
    );

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

    assert_eq!(
        h.history(&instance).await,
        vec![InstanceStatus::Connected, InstanceStatus::Linking]
    );
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
