//! The local API over real HTTP on port 0: keys and scopes, idempotency, every error code, the
//! event stream, outgoing webhook signing and retries against a local receiver, and the Host and
//! Origin refusals that keep web pages out.

mod conversations;
mod support;

use serde_json::{json, Value};
use support::*;
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::settings::Settings;
use switchboard_engine::store::Pacing;

#[tokio::test]
async fn keys_are_required_checked_and_revocable() {
    let h = harness(Settings::default()).await;
    assert_eq!(h.get("/v1/instances", None).await.0, 401);
    assert_eq!(h.get("/v1/instances", Some("sbk_0000000000000000")).await.0, 401);
    assert_eq!(h.get("/v1/instances", Some("not-a-key")).await.0, 401);
    let (status, body) = h.get("/v1/instances", Some(&h.key_a)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body.as_array().map(Vec::len),
        Some(1),
        "a key sees only its instances: {body}"
    );
    assert_eq!(body[0]["id"], h.instance_a.id.as_str());
    let (_, error) = h.get("/v1/instances", None).await;
    assert_eq!(error["code"], "unauthorized");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("Bearer")));

    let keys = h.engine.list_api_keys().await.expect("keys");
    let a = keys.iter().find(|k| h.key_a.contains(&k.prefix)).expect("key a");
    assert!(a.last_used_at.is_some());
    h.engine.revoke_api_key(&a.id).await.expect("revoke");
    assert_eq!(h.get("/v1/instances", Some(&h.key_a)).await.0, 401);
}

#[tokio::test]
async fn scopes_forbid_other_instances_and_unknown_things_are_404() {
    let h = harness(Settings::default()).await;
    let other = format!("/v1/instances/{}", h.instance_b.id);
    assert_eq!(h.get(&other, Some(&h.key_a)).await.0, 403);
    assert_eq!(h.get(&other, Some(&h.key_both)).await.0, 200);
    assert_eq!(
        h.get(&format!("/v1/instances/{}", uuid()), Some(&h.key_a))
            .await
            .0,
        404
    );
    assert_eq!(h.get("/v1/instances/not-an-id", Some(&h.key_a)).await.0, 404);
    assert_eq!(h.get("/v1/nothing-here", Some(&h.key_a)).await.0, 404);
    let send = json!({"instanceId": h.instance_b.id, "to": "5511900000002", "content": {"type": "text", "text": "oi"}});
    assert_eq!(h.post("/v1/messages", Some(&h.key_a), &send, None).await.0, 403);
}

#[tokio::test]
async fn sending_is_idempotent_scoped_and_validated() {
    let h = harness(Settings::default()).await;
    // A key for one instance needs no instance in the request.
    let send = json!({"to": "+55 11 90000-0002", "content": {"type": "text", "text": "Olá"}});
    let (status, first) = h
        .post("/v1/messages", Some(&h.key_a), &send, Some("order-1"))
        .await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["status"], "queued");
    assert!(
        first["source"].as_str().is_some_and(|s| s.starts_with("api:")),
        "records which key sent it"
    );
    let (status, again) = h
        .post("/v1/messages", Some(&h.key_a), &send, Some("order-1"))
        .await;
    assert_eq!(status, 202);
    assert_eq!(again["id"], first["id"], "same key, same message");
    assert_eq!(
        h.engine
            .list_messages(Default::default())
            .await
            .expect("log")
            .len(),
        1
    );

    let (status, error) = h.post("/v1/messages", Some(&h.key_both), &send, None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (422, Some("invalid_input")),
        "which instance? {error}"
    );
    let bad_number = json!({"to": "12", "content": {"type": "text", "text": "x"}});
    assert_eq!(
        h.post("/v1/messages", Some(&h.key_a), &bad_number, None).await.0,
        422
    );
    // A Brazilian mobile without its ninth digit: refused with the number it probably is.
    let old_mobile = json!({"to": "+55 11 8765-4321", "content": {"type": "text", "text": "x"}});
    let (status, error) = h.post("/v1/messages", Some(&h.key_a), &old_mobile, None).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("invalid_input")));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("Did you mean +55 11 98765-4321?")),
        "{error}"
    );
    let wrong_shape = json!({"to": "5511900000002", "content": {"type": "telegram"}});
    assert_eq!(
        h.post("/v1/messages", Some(&h.key_a), &wrong_shape, None).await.0,
        422
    );
    assert_eq!(
        h.post_raw("/v1/messages", &h.key_a, "application/json", "{not json".into())
            .await
            .0,
        400
    );
    assert_eq!(
        h.post_raw("/v1/messages", &h.key_a, "text/plain", "{}".into())
            .await
            .0,
        400
    );
    let huge = format!(
        r#"{{"to":"5511900000002","content":{{"type":"text","text":"{}"}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let (status, error) = h
        .post_raw("/v1/messages", &h.key_a, "application/json", huge)
        .await;
    assert_eq!((status, error["code"].as_str()), (413, Some("too_large")));
}

#[tokio::test]
async fn a_message_has_its_status_history_and_can_be_cancelled_and_retried() {
    let h = harness(Settings::default()).await;
    let send = json!({"to": "5511900000002", "content": {"type": "text", "text": "Olá"}});
    let (_, message) = h.post("/v1/messages", Some(&h.key_a), &send, None).await;
    let id = message["id"].as_str().expect("id").to_owned();
    let (status, cancelled) = h
        .post(
            &format!("/v1/messages/{id}/cancel"),
            Some(&h.key_a),
            &json!({}),
            None,
        )
        .await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    let (status, error) = h
        .post(
            &format!("/v1/messages/{id}/cancel"),
            Some(&h.key_a),
            &json!({}),
            None,
        )
        .await;
    assert_eq!((status, error["code"].as_str()), (409, Some("conflict")));
    assert_eq!(
        h.post(
            &format!("/v1/messages/{id}/retry"),
            Some(&h.key_a),
            &json!({}),
            None
        )
        .await
        .0,
        200
    );
    h.connect_a().await;
    h.step_a().await;
    let (status, detail) = h.get(&format!("/v1/messages/{id}"), Some(&h.key_a)).await;
    assert_eq!(status, 200);
    let history: Vec<&str> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["status"].as_str())
        .collect();
    // The history is read from the message: cancelled and queued again, it was queued and sent.
    assert_eq!(history, vec!["queued", "sent"]);
    assert_eq!(
        h.get(&format!("/v1/messages/{id}"), Some(&h.key_b)).await.0,
        404,
        "other keys cannot see it"
    );

    let (status, list) = h.get("/v1/messages?status=sent&limit=5", Some(&h.key_a)).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)));
    assert_eq!(
        h.get("/v1/messages", Some(&h.key_b))
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(0),
        "scoped list"
    );
    assert_eq!(h.get("/v1/messages?status=nonsense", Some(&h.key_a)).await.0, 422);
    let (status, stats) = h.get("/v1/statistics?days=7", Some(&h.key_a)).await;
    assert_eq!(status, 200);
    assert_eq!(stats[0]["sent"], 1);
}

#[tokio::test]
async fn rate_and_daily_limits_answer_429() {
    let h = harness(Settings::default()).await;
    let limited = h.key_with_limit(2).await;
    let once = json!({"to": "5511900000002", "content": {"type": "text", "text": "Olá"}});
    assert_eq!(h.post("/v1/messages", Some(&limited), &once, None).await.0, 202);
    // The same text to the same person again is held, naming the first.
    let (status, error) = h.post("/v1/messages", Some(&limited), &once, None).await;
    assert_eq!((status, error["code"].as_str()), (409, Some("repeated")));
    let send =
        json!({"to": "5511900000002", "content": {"type": "text", "text": "Olá"}, "allowRepeat": true});
    assert_eq!(h.post("/v1/messages", Some(&limited), &send, None).await.0, 202);
    let (status, error) = h.post("/v1/messages", Some(&limited), &send, None).await;
    assert_eq!((status, error["code"].as_str()), (429, Some("rate_limited")));

    // A repeat of an accepted request is the original message, even with the limit reached.
    let keyed = h.key_with_limit(1).await;
    let (status, first) = h.post("/v1/messages", Some(&keyed), &send, Some("order-7")).await;
    assert_eq!(status, 202, "{first}");
    let (status, again) = h.post("/v1/messages", Some(&keyed), &send, Some("order-7")).await;
    assert_eq!((status, &again["id"]), (202, &first["id"]), "{again}");
    assert_eq!(
        h.post("/v1/messages", Some(&keyed), &send, Some("order-8"))
            .await
            .0,
        429
    );

    // Concurrent requests for the last slot: exactly one is accepted.
    let last_slot = h.key_with_limit(1).await;
    let racing = (0..6).map(|_| h.post("/v1/messages", Some(&last_slot), &send, None));
    let statuses: Vec<u16> = futures_util::future::join_all(racing)
        .await
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "{statuses:?}");

    let mut statuses = Vec::new();
    for _ in 0..80 {
        statuses.push(h.get("/v1/instances", Some(&h.key_a)).await.0);
    }
    assert!(
        statuses.contains(&429),
        "a burst past the per-key rate is refused"
    );
    assert_eq!(
        h.get("/v1/instances", Some(&h.key_both)).await.0,
        200,
        "other keys are not affected"
    );
}

#[tokio::test]
async fn foreign_hosts_and_origins_are_refused() {
    let h = harness(Settings {
        allowed_origins: vec!["http://localhost:3000".into()],
        ..Settings::default()
    })
    .await;
    let (status, error) = h
        .get_with("/v1/instances", &h.key_a, &[("host", "evil.example.com")])
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (403, Some("forbidden")),
        "DNS rebinding"
    );
    assert_eq!(
        h.get_with("/v1/instances", &h.key_a, &[("host", "localhost:47800")])
            .await
            .0,
        200
    );
    assert_eq!(
        h.get_with(
            "/v1/instances",
            &h.key_a,
            &[("origin", "http://evil.example.com")]
        )
        .await
        .0,
        403
    );
    let allowed = h
        .http
        .get(format!("{}/v1/instances", h.base))
        .bearer_auth(&h.key_a)
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .expect("get");
    assert_eq!(allowed.status().as_u16(), 200);
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:3000")
    );
    // The webhook receiver keeps its own verification and is not behind the API guard.
    assert_eq!(
        h.http
            .get(format!("{}/health", h.base))
            .send()
            .await
            .expect("health")
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn the_api_can_be_switched_off() {
    let h = harness(Settings {
        api_enabled: false,
        ..Settings::default()
    })
    .await;
    assert_eq!(h.get("/v1/instances", Some(&h.key_a)).await.0, 404);
}

#[tokio::test]
async fn the_event_stream_carries_scoped_events() {
    let h = harness(Settings::default()).await;
    let response = h
        .http
        .get(format!("{}/v1/events", h.base))
        .bearer_auth(&h.key_a)
        .send()
        .await
        .expect("sse");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/event-stream"));
    let send = json!({"to": "5511900000002", "content": {"type": "text", "text": "Olá"}});
    h.post("/v1/messages", Some(&h.key_a), &send, None).await;
    let text = read_stream_until(response, "message_status_changed").await;
    assert!(text.contains("event: message_status_changed"), "{text}");
    assert!(
        text.contains(&format!("\"instanceId\":\"{}\"", h.instance_a.id)),
        "{text}"
    );
}

#[tokio::test]
async fn webhooks_are_signed_recorded_retried_and_replayable() {
    let h = harness(Settings::default()).await;
    let receiver = Receiver::start(vec![500, 200, 200]).await;
    let body = json!({"url": receiver.url, "events": ["message.status"]});
    let (status, created) = h.post("/v1/webhooks", Some(&h.key_a), &body, None).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let subscription = created["subscription"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        h.post(
            "/v1/webhooks",
            Some(&h.key_a),
            &json!({"url": "ftp://x", "events": ["message.status"]}),
            None
        )
        .await
        .0,
        422
    );
    assert_eq!(
        h.post(
            "/v1/webhooks",
            Some(&h.key_a),
            &json!({"url": receiver.url, "events": ["nope"]}),
            None
        )
        .await
        .0,
        422
    );

    let send = json!({"to": "5511900000002", "content": {"type": "text", "text": "Olá"}});
    h.post("/v1/messages", Some(&h.key_a), &send, None).await;
    assert_eq!(h.record_changes().await, 1);

    h.engine.deliver_due_webhooks().await.expect("deliver");
    let (_, deliveries) = h
        .get(&format!("/v1/webhooks/{subscription}/deliveries"), Some(&h.key_a))
        .await;
    assert_eq!(
        deliveries[0]["state"], "pending",
        "a 500 is retried: {deliveries}"
    );
    assert_eq!(deliveries[0]["lastStatus"], 500);
    assert_eq!(
        h.engine.deliver_due_webhooks().await.expect("deliver"),
        0,
        "not before its back-off"
    );
    h.clock.advance(10_000);
    h.engine.deliver_due_webhooks().await.expect("deliver");
    let (_, deliveries) = h
        .get(&format!("/v1/webhooks/{subscription}/deliveries"), Some(&h.key_a))
        .await;
    assert_eq!(deliveries[0]["state"], "delivered");
    assert_eq!(deliveries[0]["attempts"], 2);

    let received = receiver.requests();
    assert_eq!(received.len(), 2);
    let (headers, raw) = &received[1];
    let signature = headers.get("switchboard-signature").expect("signed");
    let timestamp: i64 = signature
        .split(',')
        .next()
        .and_then(|t| t.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .expect("t=");
    assert_eq!(
        signature,
        &switchboard_engine::signature(&secret, timestamp, raw),
        "HMAC-SHA256 over t.body"
    );
    assert_eq!(
        headers.get("switchboard-event").map(String::as_str),
        Some("message.status")
    );
    let payload: Value = serde_json::from_str(raw).expect("json");
    assert_eq!(payload["data"]["status"], "queued");

    let delivery = deliveries[0]["id"].as_str().expect("id");
    assert_eq!(
        h.post(
            &format!("/v1/deliveries/{delivery}/replay"),
            Some(&h.key_a),
            &json!({}),
            None
        )
        .await
        .0,
        202
    );
    h.engine.deliver_due_webhooks().await.expect("deliver");
    assert_eq!(receiver.requests().len(), 3, "replayed");
    assert_eq!(
        h.post(
            &format!("/v1/deliveries/{delivery}/replay"),
            Some(&h.key_b),
            &json!({}),
            None
        )
        .await
        .0,
        404
    );

    // An old delivery is found by its id, however many came after it.
    for _ in 0..205 {
        h.engine
            .send_message(text(&h.instance_a, "5511900000002"))
            .await
            .expect("send a");
    }
    assert_eq!(h.record_changes().await, 205);
    assert_eq!(
        h.post(
            &format!("/v1/deliveries/{delivery}/replay"),
            Some(&h.key_a),
            &json!({}),
            None
        )
        .await
        .0,
        202,
        "the first of 206 deliveries"
    );

    // Events of instances outside the key's scope are not delivered to it.
    h.engine
        .send_message(text(&h.instance_b, "5511900000002"))
        .await
        .expect("send b");
    assert_eq!(h.record_changes().await, 0);
    assert_eq!(
        h.delete(&format!("/v1/webhooks/{subscription}"), &h.key_a).await,
        204
    );
    assert_eq!(
        h.delete(&format!("/v1/webhooks/{subscription}"), &h.key_a).await,
        404
    );
}

#[tokio::test]
async fn a_burst_of_status_changes_loses_no_delivery() {
    let h = harness(Settings::default()).await;
    let receiver = Receiver::slow(std::time::Duration::from_millis(2)).await;
    h.engine
        .subscribe_webhook(
            switchboard_engine::NewSubscription {
                url: receiver.url.clone(),
                events: vec!["message.status".into()],
            },
            None,
        )
        .await
        .expect("subscribe");
    assert_eq!(h.record_changes().await, 0, "nothing was sent yet");

    // 10,000 messages queued and then sent, in two statements: 20,000 status changes written
    // faster than any listener of the live event stream keeps up with, and no event emitted at all.
    let now = 1_700_000_000_000_i64;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO messages (id, instance_id, direction, chat_jid, contact, kind, body, status, created_at, updated_at)
         SELECT 'burst-' || i, ?1, 'outbound', '5511900000002@s.whatsapp.net', '5511900000002', 'text', 'Olá',
                'queued', ?2, ?2
         FROM n",
    )
    .bind(h.instance_a.id.as_str())
    .bind(now)
    .execute(h.store.pool())
    .await
    .expect("queue");
    sqlx::query("UPDATE messages SET status = 'sent', updated_at = ?1 WHERE id LIKE 'burst-%'")
        .bind(now + 1)
        .execute(h.store.pool())
        .await
        .expect("send");

    assert_eq!(h.record_changes().await, 20_000);
    while h.engine.deliver_due_webhooks().await.expect("deliver") > 0 {}

    let mut reported = std::collections::HashSet::new();
    for (_, body) in receiver.requests() {
        let payload: Value = serde_json::from_str(&body).expect("json");
        let data = &payload["data"];
        let seen = (
            data["id"].as_str().expect("message id").to_owned(),
            data["status"].as_str().expect("status").to_owned(),
        );
        assert!(reported.insert(seen.clone()), "delivered twice: {seen:?}");
    }
    assert_eq!(reported.len(), 20_000, "each message's queued and sent, once");
    for i in [1, 5_000, 10_000] {
        for status in ["queued", "sent"] {
            assert!(reported.contains(&(format!("burst-{i}"), status.to_owned())));
        }
    }
    let (delivered,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'")
            .fetch_one(h.store.pool())
            .await
            .expect("count");
    assert_eq!(delivered, 20_000);
    assert_eq!(h.record_changes().await, 0, "each change reported once");
    let (left,): (i64,) = sqlx::query_as("SELECT count(*) FROM message_events")
        .fetch_one(h.store.pool())
        .await
        .expect("count");
    assert_eq!(left, 0, "the feed keeps no change once it is reported");
}

#[tokio::test]
async fn a_dead_receiver_never_blocks_sending() {
    let h = harness(Settings::default()).await;
    h.engine
        .subscribe_webhook(
            switchboard_engine::NewSubscription {
                url: "http://127.0.0.1:9/hook".into(),
                events: vec!["message.status".into()],
            },
            None,
        )
        .await
        .expect("subscribe");
    h.connect_a().await;
    h.engine
        .set_pacing(
            &h.instance_a.id,
            Pacing {
                min_interval_ms: 0,
                jitter_ms: 0,
                ..Pacing::default()
            },
        )
        .await
        .expect("pacing");
    for _ in 0..3 {
        h.engine
            .send_message(text(&h.instance_a, "5511900000002"))
            .await
            .expect("send");
    }
    for _ in 0..3 {
        assert_eq!(h.step_a().await.status, MessageStatus::Sent);
    }
    h.record_changes().await;
    h.engine.deliver_due_webhooks().await.expect("deliver");
    let deliveries = h.engine.list_deliveries(None).await.expect("deliveries");
    assert!(deliveries.len() >= 6);
    assert!(deliveries.iter().all(
        |d| d.state == "pending" && d.last_error.as_deref() == Some("The receiver could not be reached.")
    ));
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let h = harness(Settings::default()).await;
    let (status, document) = h.get("/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    assert!(document["paths"]["/v1/messages"]["post"].is_object());
}

/// A key sends a file from this computer only from a folder the person listed; anything else,
/// `..` tricks included, is refused without saying whether the file exists.
#[tokio::test]
async fn keys_send_local_files_only_from_folders_the_person_allowed() {
    let allowed = tempfile::tempdir().expect("allowed folder");
    let elsewhere = tempfile::tempdir().expect("another folder");
    for dir in [allowed.path(), elsewhere.path()] {
        std::fs::write(dir.join("nota.pdf"), b"%PDF-1.4 test").expect("file");
    }
    let media = |path: &std::path::Path| json!({"to": "5511900000002", "content": {"type": "media", "kind": "document", "path": path}});

    let closed = harness(Settings::default()).await;
    let (status, error) = closed
        .post(
            "/v1/messages",
            Some(&closed.key_a),
            &media(&allowed.path().join("nota.pdf")),
            None,
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (403, Some("forbidden")),
        "none allowed by default"
    );

    let h = harness(Settings {
        api_file_folders: vec![allowed.path().to_string_lossy().into_owned()],
        ..Settings::default()
    })
    .await;
    let inside = allowed.path().join("nota.pdf");
    assert_eq!(
        h.post("/v1/messages", Some(&h.key_a), &media(&inside), None)
            .await
            .0,
        202
    );
    let escaping = allowed
        .path()
        .join("..")
        .join(elsewhere.path().file_name().expect("name"))
        .join("nota.pdf");
    for refused in [
        elsewhere.path().join("nota.pdf"),
        escaping,
        allowed.path().join("missing.pdf"),
    ] {
        let (status, error) = h
            .post("/v1/messages", Some(&h.key_a), &media(&refused), None)
            .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (403, Some("forbidden")),
            "{refused:?}"
        );
    }
}

#[tokio::test]
async fn a_key_that_manages_numbers_recovers_them_without_the_window() {
    let h = harness(Settings::default()).await;
    let a = h.instance_a.id.to_string();
    let evolution = json!({"displayName": "Loja C", "provider": {"kind": "evolution", "serverUrl": h.fake.url(), "apiKey": KEY}});

    // A key made for sending may not manage, not even its own number.
    for path in ["link", "restart", "logout"] {
        let (status, body) = h
            .post(
                &format!("/v1/instances/{a}/{path}"),
                Some(&h.key_a),
                &json!({}),
                None,
            )
            .await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("manage numbers"),
            "{body}"
        );
    }
    assert_eq!(h.delete(&format!("/v1/instances/{a}"), &h.key_a).await, 403);
    assert_eq!(
        h.post("/v1/instances", Some(&h.key_a), &evolution, None).await.0,
        403
    );
    assert_eq!(
        h.engine.list_instances().await.expect("list").len(),
        2,
        "nothing added"
    );

    let manager = h
        .engine
        .create_api_key(switchboard_engine::NewApiKey {
            name: "ops".into(),
            instance_ids: vec![],
            daily_limit: None,
            manages_numbers: true,
        })
        .await
        .expect("key");
    assert!(manager.key.manages_numbers);
    let manager = manager.secret;

    let (status, added) = h.post("/v1/instances", Some(&manager), &evolution, None).await;
    assert_eq!(status, 201, "{added}");
    let c = added["id"].as_str().expect("id").to_owned();
    let remote = added["remoteName"].as_str().expect("remote name").to_owned();
    let (_, visible) = h.get("/v1/instances", Some(&manager)).await;
    assert_eq!(
        visible.as_array().map(Vec::len),
        Some(1),
        "only what it added: {visible}"
    );
    assert_eq!(visible[0]["id"], c.as_str());
    // Managing is still within the key's numbers.
    assert_eq!(
        h.post(
            &format!("/v1/instances/{a}/restart"),
            Some(&manager),
            &json!({}),
            None
        )
        .await
        .0,
        403
    );

    // The QR limit is reached; linking again offers a new code.
    h.fake.act(&remote, "qr-limit", &json!({})).await;
    let id = switchboard_engine::domain::InstanceId::parse(&c).expect("id");
    h.engine.poll_instance(&id).await.expect("poll");
    let (status, link) = h
        .post(
            &format!("/v1/instances/{c}/link"),
            Some(&manager),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(link["status"], "linking");
    assert!(
        link["qrSvg"].as_str().is_some_and(|svg| svg.contains("<svg")),
        "{link}"
    );
    let (status, link) = h
        .post(
            &format!("/v1/instances/{c}/link"),
            Some(&manager),
            &json!({"pairingPhone": "+55 11 90000-0003"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{link}");
    assert!(link["pairingCode"].as_str().is_some(), "{link}");

    h.fake.open(&remote, "Loja C", "5511900000003").await;
    h.engine.poll_instance(&id).await.expect("poll");
    let (status, restarted) = h
        .post(
            &format!("/v1/instances/{c}/restart"),
            Some(&manager),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{restarted}");
    let (status, out) = h
        .post(
            &format!("/v1/instances/{c}/logout"),
            Some(&manager),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "logged_out");

    assert_eq!(h.delete(&format!("/v1/instances/{c}"), &manager).await, 204);
    assert_eq!(h.get(&format!("/v1/instances/{c}"), Some(&manager)).await.0, 404);
    assert!(
        !h.fake.instance_names().contains(&remote),
        "deleted at the server too"
    );
}

#[tokio::test]
async fn a_number_profile_is_read_and_changed_over_the_api() {
    let h = harness(Settings::default()).await;
    h.connect_a().await;
    let path = format!("/v1/instances/{}/profile", h.instance_a.id);
    let (status, profile) = h.get(&path, Some(&h.key_a)).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["name"], "Loja A");
    assert_eq!(profile["about"], Value::Null);
    assert_eq!(h.get(&path, Some(&h.key_b)).await.0, 403, "another key's number");

    let change = json!({"name": "Loja A Centro", "about": "Atendimento das 9h às 18h"});
    assert_eq!(h.patch(&path, &h.key_a, &change).await.0, 403, "a sending key");
    let manager = h
        .engine
        .create_api_key(switchboard_engine::NewApiKey {
            name: "ops".into(),
            instance_ids: vec![h.instance_a.id.clone()],
            daily_limit: None,
            manages_numbers: true,
        })
        .await
        .expect("key")
        .secret;
    let (status, profile) = h.patch(&path, &manager, &change).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["name"], "Loja A Centro");
    assert_eq!(profile["about"], "Atendimento das 9h às 18h");
    let (_, instance) = h
        .get(&format!("/v1/instances/{}", h.instance_a.id), Some(&manager))
        .await;
    assert_eq!(
        instance["profileName"], "Loja A Centro",
        "the list shows the new name"
    );

    // Bad input changes nothing.
    for bad in [
        json!({"name": "   "}),
        json!({"name": "x".repeat(26)}),
        json!({"about": "x".repeat(140)}),
    ] {
        assert_eq!(h.patch(&path, &manager, &bad).await.0, 422, "{bad}");
    }

    // A picture from a file: only from a folder Settings allows, and turned into a square JPEG.
    let folder = tempfile::tempdir().expect("folder");
    let photo = folder.path().join("shop.png");
    let png = switchboard_engine::qr::render_png("shop front", 300).expect("png");
    std::fs::write(&photo, &png).expect("write");
    let set_photo = json!({"picture": {"kind": "file", "path": photo.to_str().expect("utf-8")}});
    assert_eq!(
        h.patch(&path, &manager, &set_photo).await.0,
        403,
        "no folder allowed yet"
    );
    h.engine
        .update_settings(Settings {
            api_file_folders: vec![folder.path().to_str().expect("utf-8").to_owned()],
            ..Settings::default()
        })
        .await
        .expect("settings");
    let (status, profile) = h.patch(&path, &manager, &set_photo).await;
    assert_eq!(status, 200, "{profile}");
    assert!(profile["pictureUrl"].as_str().is_some(), "{profile}");
    let jpeg = h.fake.picture_of(&h.instance_a.remote_name).expect("picture set");
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "sent as JPEG");
    let not_a_picture = folder.path().join("notes.png");
    std::fs::write(&not_a_picture, "not a picture").expect("write");
    let bad = json!({"name": "Outro nome", "picture": {"kind": "file", "path": not_a_picture.to_str().expect("utf-8")}});
    assert_eq!(
        h.patch(&path, &manager, &bad).await.0,
        422,
        "nothing changes, not even the name"
    );
    let missing = json!({"picture": {"kind": "file", "path": "/nonexistent/photo.png"}});
    assert_eq!(
        h.patch(&path, &manager, &missing).await.0,
        403,
        "nothing said about files elsewhere"
    );

    let (status, profile) = h
        .patch(&path, &manager, &json!({"picture": {"kind": "remove"}}))
        .await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["pictureUrl"], Value::Null);
    assert_eq!(
        profile["name"], "Loja A Centro",
        "the failed changes left the name alone"
    );
}

#[tokio::test]
async fn automatic_replies_are_listed_created_changed_moved_tried_and_deleted() {
    let h = harness(Settings::default()).await;
    let manager = h
        .engine
        .create_api_key(switchboard_engine::NewApiKey {
            name: "desk".into(),
            instance_ids: vec![h.instance_a.id.clone()],
            daily_limit: None,
            manages_numbers: true,
        })
        .await
        .expect("key")
        .secret;
    let base = format!("/v1/instances/{}/auto-replies", h.instance_a.id);
    let price = json!({"enabled": true, "trigger": "contains", "pattern": "preço", "reply": "Tabela: …",
        "media": null, "hours": null});
    assert_eq!(
        h.post(&base, Some(&h.key_a), &price, None).await.0,
        403,
        "changing rules takes a key that manages the number"
    );
    let (status, created) = h.post(&base, Some(&manager), &price, None).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["rule"]["pattern"], "preço");
    let away = json!({"enabled": true, "trigger": "away", "pattern": null, "reply": "Fechados.", "media": null,
        "oncePerHours": 12, "hours": {"timeZone": "America/Sao_Paulo", "days": []}});
    let (_, second) = h.post(&base, Some(&manager), &away, None).await;
    let (status, refused) = h
        .post(
            &base,
            Some(&manager),
            &json!({"enabled": true, "trigger": "away", "pattern": null,
            "reply": "x", "media": null, "hours": null}),
            None,
        )
        .await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("invalid_input")));

    let (status, moved) = h
        .post(
            &format!("{base}/{}/move", second["id"]),
            Some(&manager),
            &json!({"position": 0}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved[0]["id"], second["id"]);
    let (_, verdict) = h
        .post(
            &format!("{base}/test"),
            Some(&h.key_a),
            &json!({"text": "qual o preço?"}),
            None,
        )
        .await;
    assert_eq!(
        verdict["ruleId"], second["id"],
        "closed every day: the away message answers first"
    );

    let changed = json!({"enabled": false, "trigger": "away", "pattern": null, "reply": "Fechados.", "media": null,
        "hours": {"timeZone": "America/Sao_Paulo", "days": []}});
    let (status, updated) = h
        .put(&format!("{base}/{}", second["id"]), &manager, &changed)
        .await;
    assert_eq!((status, &updated["rule"]["enabled"]), (200, &json!(false)));
    let (_, list) = h.get(&base, Some(&h.key_a)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(
        h.delete(&format!("{base}/{}", created["id"]), &manager).await,
        204
    );
    assert_eq!(
        h.delete(&format!("{base}/{}", created["id"]), &manager).await,
        404
    );
}
