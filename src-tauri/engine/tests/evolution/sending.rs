//! Every message type through the outbox to the fake server, receipts, inbound messages, the log.

use crate::support::*;
use switchboard_engine::domain::{Direction, MediaKind, MessageKind, MessageStatus, Region};
use switchboard_engine::events::EngineEvent;
use switchboard_engine::provider::{ProviderEvent, ReportedMessage};
use switchboard_engine::store::MessageFilter;
use switchboard_engine::{ComposeContent, ErrorCode, OutboxStep, PauseReason};

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
    assert_eq!(accepted.source, "app");
    assert!(h.fake.sent().is_empty());

    let sent = h.step(&instance).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    let provider_id = sent.provider_message_id.clone().expect("provider id");
    let on_server = h.fake.sent();
    assert_eq!(on_server.len(), 1);
    assert_eq!(on_server[0].body["number"], "5511900000002");
    assert_eq!(on_server[0].body["text"], "Olá Maria!");
    assert_eq!(on_server[0].id, provider_id);

    let receipt = |status| ProviderEvent::Receipt {
        provider_message_id: provider_id.clone(),
        status,
        failure: None,
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
        failure: None,
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
        OutboxStep::Paused(PauseReason::NotConnected)
    );
    assert_eq!(
        h.engine.get_message(&queued.id).await.expect("message").status,
        MessageStatus::Queued
    );

    for (to, body) in [
        ("12", "hi"),
        ("0812345678", "hi"),
        ("5511900000002", "   "),
        ("x@example.com", "hi"),
    ] {
        let error = h
            .engine
            .send_message(text(&instance, to, body))
            .await
            .map_err(api)
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::InvalidInput, "{to:?}: {}", error.message);
    }
    let mut unknown = text(&instance, "5511900000002", "hi");
    unknown.instance_id = switchboard_engine::domain::InstanceId::new_random();
    let error = h
        .engine
        .send_message(unknown)
        .await
        .map_err(api)
        .expect_err("unknown instance");
    assert_eq!(error.code, ErrorCode::NotFound);
    let too_long = text(&instance, "5511900000002", &"a".repeat(4097));
    assert!(h.engine.send_message(too_long).await.is_err());
    assert_eq!(h.logged().await, 1, "nothing else logged");
}

/// Typed the local way with Brazil as the default country, a mobile goes to +55; one missing its
/// ninth digit, or one that could be two numbers, is refused with what it could be, and nothing is
/// queued for it.
#[tokio::test]
async fn local_numbers_go_to_the_default_country_and_doubtful_ones_are_refused_with_a_suggestion() {
    let h = harness().await;
    let instance = h.add().await;
    let mut settings = h.engine.settings().await.expect("settings");
    settings.default_region = Some(Region::parse("BR").expect("region"));
    h.engine.update_settings(settings).await.expect("saved");

    let sent = h.send(&instance, "(11) 98765-4321").await;
    assert_eq!(sent.chat_jid, "5511987654321@s.whatsapp.net");
    assert_eq!(sent.contact, "+5511987654321");
    let reading = h
        .engine
        .check_recipient("(11) 98765-4321")
        .await
        .expect("reading");
    assert_eq!(reading.display, "+55 11 98765-4321");

    let error = h
        .engine
        .send_message(text(&instance, "(11) 8765-4321", "Olá"))
        .await
        .map_err(api)
        .expect_err("ninth digit missing");
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(
        error.message.contains("Did you mean +55 11 98765-4321?"),
        "{}",
        error.message
    );
    let checked = h
        .engine
        .check_recipient("(11) 8765-4321")
        .await
        .map_err(api)
        .expect_err("same");
    assert_eq!(checked, error, "the composer's check says what sending would");
    assert_eq!(h.logged().await, 1, "nothing queued for the refused numbers");
}

#[tokio::test]
async fn a_number_not_on_whatsapp_fails_at_once_with_a_sentence() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000003");
    h.send(&instance, "+5511900000003").await;
    let failed = h.step(&instance).await;
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.attempts, 1, "permanent: no retry");
    assert_eq!(failed.error_code.as_deref(), Some("not_on_whatsapp"));
    assert_eq!(
        failed.error_message.as_deref(),
        Some("+55 11 90000-0003 is not on WhatsApp.")
    );
}

#[tokio::test]
async fn media_location_contact_reply_and_group_messages_reach_the_server_as_the_contract_says() {
    let h = harness().await;
    let instance = h.connected().await;
    let photo = format!("{}/__fake/media/photo.png", h.fake.url());
    let document = format!("{}/__fake/media/doc.pdf", h.fake.url());
    let local = h.media.path().join("fatura.pdf");
    std::fs::write(&local, b"%PDF-1.4 invoice").expect("write file");

    let sends = [
        ComposeContent::Media {
            kind: MediaKind::Image,
            url: Some(photo.clone()),
            path: None,
            caption: Some("Seu pedido".into()),
            file_name: None,
        },
        ComposeContent::Media {
            kind: MediaKind::Document,
            url: Some(document),
            path: None,
            caption: None,
            file_name: None,
        },
        ComposeContent::Media {
            kind: MediaKind::Document,
            url: None,
            path: Some(local.to_string_lossy().into()),
            caption: Some("Fatura".into()),
            file_name: None,
        },
        ComposeContent::Location {
            latitude: -23.5613,
            longitude: -46.6565,
            name: Some("Loja".into()),
            address: None,
        },
        ComposeContent::Contact {
            full_name: "Maria Souza".into(),
            phone: "+55 11 90000-0002".into(),
            organization: None,
            email: None,
        },
    ];
    for compose in sends {
        h.engine
            .send_message(content(&instance, "5511900000002", compose))
            .await
            .expect("accepted");
    }
    std::fs::remove_file(&local).expect("the original may go away once accepted");
    let first = h.step(&instance).await;
    h.engine
        .send_message(text(&instance, "120363025246125888@g.us", "Bom dia, grupo"))
        .await
        .expect("group");
    let reply = ComposeContent::Text {
        text: "Respondendo".into(),
        reply_to: Some(first.id.clone()),
    };
    h.engine
        .send_message(content(&instance, "5511900000002", reply))
        .await
        .expect("reply");
    for _ in 0..6 {
        assert_eq!(h.step(&instance).await.status, MessageStatus::Sent);
    }

    let sent = h.fake.sent();
    assert_eq!(sent.len(), 7);
    assert_eq!(sent[0].body["mediatype"], "image");
    assert_eq!(sent[0].body["media"], photo.as_str());
    assert_eq!(sent[0].body["mimetype"], "image/png");
    assert_eq!(
        sent[1].body["fileName"], "doc.pdf",
        "a document keeps a file name"
    );
    assert_eq!(sent[2].body["fileName"], "fatura.pdf");
    let media = sent[2].body["media"].as_str().expect("base64");
    assert!(!media.starts_with("data:"), "raw base64, no data: prefix");
    assert_eq!(sent[3].body["name"], "Loja");
    assert_eq!(sent[3].body["address"], "", "all four location fields are sent");
    assert_eq!(sent[4].body["contact"][0]["phoneNumber"], "+5511900000002");
    assert_eq!(sent[5].body["number"], "120363025246125888@g.us");
    assert_eq!(
        sent[6].body["quoted"]["key"]["id"],
        first.provider_message_id.clone().expect("id").as_str()
    );

    let log = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log");
    let kinds: Vec<MessageKind> = log.iter().rev().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            MessageKind::Image,
            MessageKind::Document,
            MessageKind::Document,
            MessageKind::Location,
            MessageKind::Contact,
            MessageKind::Text,
            MessageKind::Text
        ]
    );
    assert!(
        std::fs::read_dir(h.media.path().join("media").join("outbox"))
            .expect("dir")
            .next()
            .is_none(),
        "sent copies are removed"
    );
}

#[tokio::test]
async fn media_of_the_wrong_kind_size_or_address_is_refused_before_queueing() {
    let h = harness().await;
    let instance = h.connected().await;
    let base = h.fake.url().to_owned();
    let big = h.media.path().join("big.jpg");
    std::fs::write(&big, vec![0u8; 6 * 1024 * 1024]).expect("write");
    let cases = [
        (
            MediaKind::Image,
            Some(format!("{base}/__fake/media/doc.pdf")),
            None,
            "as a document",
        ),
        (
            MediaKind::Image,
            Some(format!("{base}/__fake/media/big.png")),
            None,
            "at most 5 MB",
        ),
        (
            MediaKind::Image,
            Some(format!("{base}/__fake/media/missing.png")),
            None,
            "HTTP 404",
        ),
        (
            MediaKind::Image,
            Some("ftp://example.com/a.png".into()),
            None,
            "web address",
        ),
        (
            MediaKind::Image,
            None,
            Some(big.to_string_lossy().into_owned()),
            "at most 5 MB",
        ),
        (
            MediaKind::Document,
            None,
            Some("/no/such/file.pdf".into()),
            "does not exist",
        ),
        (MediaKind::Document, None, None, "Choose a file"),
    ];
    for (kind, url, path, expected) in cases {
        let compose = ComposeContent::Media {
            kind,
            url,
            path,
            caption: None,
            file_name: None,
        };
        let error = h
            .engine
            .send_message(content(&instance, "5511900000002", compose))
            .await
            .map_err(api)
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(
            error.message.contains(expected),
            "{expected:?} not in {:?}",
            error.message
        );
    }
    assert!(h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log")
        .is_empty());
}

#[tokio::test]
async fn groups_are_listed() {
    let h = harness().await;
    let instance = h.connected().await;
    let groups = h.engine.list_groups(&instance.id).await.expect("groups");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].jid, "120363025246125888@g.us");
    assert_eq!(groups[0].subject, "Clientes VIP");
    assert!(h
        .fake
        .requests()
        .iter()
        .any(|r| r.starts_with("GET /group/fetchAllGroups/")));
}

fn sample_message(name: &str) -> ReportedMessage {
    let body = serde_json::to_vec(&switchboard_testkit::contract_sample(&format!(
        "evolution/{name}"
    )))
    .expect("json");
    let events = switchboard_engine::provider::evolution::webhook::parse(&body, 0).expect("parse");
    match events.into_iter().next() {
        Some(ProviderEvent::Message(message)) => message,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn inbound_messages_are_logged_once_under_the_phone_identity_and_media_downloads() {
    let h = harness().await;
    let instance = h.connected().await;
    let message = sample_message("webhook-messages-upsert-text.json");
    h.events.take();
    for _ in 0..3 {
        h.engine
            .apply_event(&instance.id, ProviderEvent::Message(message.clone()))
            .await
            .expect("apply");
    }
    let inbound = MessageFilter {
        direction: Some(Direction::Inbound),
        ..Default::default()
    };
    let log = h.engine.list_messages(inbound.clone()).await.expect("log");
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

    let not_media = h
        .engine
        .download_media(&log[0].id)
        .await
        .map_err(api)
        .expect_err("text has no media");
    assert_eq!(not_media.code, ErrorCode::InvalidInput);
    h.engine
        .apply_event(
            &instance.id,
            ProviderEvent::Message(sample_message("webhook-messages-upsert-image.json")),
        )
        .await
        .expect("image");
    let image = h
        .engine
        .list_messages(inbound)
        .await
        .expect("log")
        .into_iter()
        .find(|m| m.kind == MessageKind::Image)
        .expect("image row");
    let downloaded = h.engine.download_media(&image.id).await.expect("download");
    let path = downloaded.media_path.expect("path");
    let bytes = std::fs::read(&path).expect("file");
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    assert!(path.ends_with(".jpeg"), "{path}");
}

#[tokio::test]
async fn the_log_filters_by_instance_direction_status_and_text_newest_first() {
    let h = harness().await;
    let a = h.connected().await;
    let b = h.add().await;
    let first = h.send(&a, "5511900000002").await;
    h.engine
        .send_message(text(&a, "5511900000004", "Pedido 1043 saiu"))
        .await
        .expect("send");
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
    let search = MessageFilter {
        search: Some("1043".into()),
        ..Default::default()
    };
    assert_eq!(h.engine.list_messages(search).await.expect("log").len(), 1);
    let inbound = MessageFilter {
        direction: Some(Direction::Inbound),
        ..Default::default()
    };
    assert!(h.engine.list_messages(inbound).await.expect("log").is_empty());
}
