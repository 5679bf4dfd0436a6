//! The inbox and contact book over `/v1`: scoped to the key's numbers, opt-out refusing sends with
//! its own code, search on the index, and received files downloaded.

use super::support::harness;
use serde_json::json;
use switchboard_engine::settings::Settings;

async fn receive(h: &super::support::Harness, sample: &str) {
    let body = serde_json::to_vec(&switchboard_testkit::contract_sample(&format!(
        "evolution/{sample}"
    )))
    .expect("json");
    let now = switchboard_engine::clock::Clock::now(&*h.clock);
    for event in switchboard_engine::provider::evolution::webhook::parse(&body, now).expect("parse") {
        h.engine
            .apply_event(&h.instance_a.id, event)
            .await
            .expect("inbound");
    }
}

#[tokio::test]
async fn conversations_and_contacts_are_scoped_editable_and_opt_out_refuses_sends() {
    let h = harness(Settings::default()).await;
    h.connect_a().await;
    receive(&h, "webhook-messages-upsert-text.json").await;

    let (status, list) = h.get("/v1/conversations", Some(&h.key_a)).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let conversation = &list[0];
    assert_eq!(conversation["chatJid"], "5511900000002@s.whatsapp.net");
    assert_eq!(conversation["contact"]["displayName"], "Maria Souza");
    assert_eq!(conversation["unread"], 1);
    let id = conversation["id"].as_i64().expect("id");
    let (_, other) = h.get("/v1/conversations", Some(&h.key_b)).await;
    assert_eq!(
        other.as_array().map(Vec::len),
        Some(0),
        "another number's key sees none"
    );
    assert_eq!(
        h.get(&format!("/v1/conversations/{id}"), Some(&h.key_b)).await.0,
        404
    );
    let unread = format!("/v1/conversations?unreadOnly=true&instanceId={}", h.instance_a.id);
    assert_eq!(
        h.get(&unread, Some(&h.key_a)).await.1.as_array().map(Vec::len),
        Some(1)
    );

    let (status, thread) = h
        .get(
            &format!("/v1/conversations/{id}/messages?limit=10"),
            Some(&h.key_a),
        )
        .await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread[0]["body"], "Oi! Qual o status do meu pedido?");
    let (status, read) = h
        .post(
            &format!("/v1/conversations/{id}/read"),
            Some(&h.key_a),
            &json!({}),
            None,
        )
        .await;
    assert_eq!((status, read["unread"].as_i64()), (200, Some(0)), "{read}");

    let contact_id = conversation["contact"]["id"].as_i64().expect("contact id");
    let contact = format!("/v1/contacts/{contact_id}");
    assert_eq!(h.get(&contact, Some(&h.key_b)).await.0, 404);
    assert_eq!(
        h.get("/v1/contacts", Some(&h.key_b))
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let (status, saved) = h
        .put(
            &contact,
            &h.key_a,
            &json!({"name": "Maria", "labels": ["VIP"], "optedOut": true}),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["labels"][0]["name"], "VIP");
    assert!(saved["optedOutAt"].is_i64());
    let (_, labels) = h.get("/v1/labels", Some(&h.key_a)).await;
    assert_eq!(labels[0]["name"], "VIP");
    let (status, bad) = h.put(&contact, &h.key_a, &json!({"name": "x".repeat(300)})).await;
    assert_eq!((status, bad["code"].as_str()), (422, Some("invalid_input")));

    let send = json!({"to": "+55 11 90000-0002", "content": {"type": "text", "text": "Promoção!"}});
    let (status, refused) = h.post("/v1/messages", Some(&h.key_a), &send, None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("opted_out")),
        "{refused}"
    );

    let (_, found) = h.get("/v1/messages?search=status%20do", Some(&h.key_a)).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    let (_, none) = h.get("/v1/messages?search=status%20do", Some(&h.key_b)).await;
    assert_eq!(none.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_received_file_downloads_with_its_type() {
    let h = harness(Settings::default()).await;
    h.connect_a().await;
    receive(&h, "webhook-messages-upsert-image.json").await;
    let (_, log) = h.get("/v1/messages", Some(&h.key_a)).await;
    let id = log[0]["id"].as_str().expect("id").to_owned();
    let response = h
        .http
        .get(format!("{}/v1/messages/{id}/media", h.base))
        .bearer_auth(&h.key_a)
        .send()
        .await
        .expect("media");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("image/jpeg")
    );
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
    let other = h
        .http
        .get(format!("{}/v1/messages/{id}/media", h.base))
        .bearer_auth(&h.key_b)
        .send()
        .await
        .expect("media");
    assert_eq!(other.status().as_u16(), 404);
}
