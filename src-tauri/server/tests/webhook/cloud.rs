//! A Cloud API number against the fake Graph API, over real HTTP both ways: adding it checks the
//! token and the account, Meta's callback check is answered, sends of every type reach the fake
//! in its shapes, signed statuses move messages forward only (duplicated, out of order, failed
//! with Meta's reason), forged posts change nothing, customers' messages land in the log with
//! their media, and the 24-hour window holds free-form messages back.

use serde_json::json;
use std::sync::Arc;
use switchboard_engine::clock::{Clock, ManualClock};
use switchboard_engine::domain::{InstanceStatus, MessageStatus, ProviderKind};
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{Instance, Message, MessageFilter, PushBackSignal, Store};
use switchboard_engine::{
    AddInstanceRequest, ApiError, ComposeContent, Engine, EngineOptions, ErrorCode, OutboxStep, PauseReason,
    ProviderSetup, SendRequest,
};
use switchboard_testkit::{CloudFault, CloudNumber, CloudTemplate, FakeCloud};

const PNID: &str = "100000000000001";
const WABA: &str = "200000000000002";
const TOKEN: &str = "cloud-test-token";
const SECRET: &str = "cloud-app-secret";
const CUSTOMER: &str = "5511987654321";

struct Cloud {
    engine: Engine,
    fake: FakeCloud,
    clock: Arc<ManualClock>,
    _store: Store,
    media: tempfile::TempDir,
}

fn number(pnid: &str, waba: &str, token: &str) -> CloudNumber {
    CloudNumber {
        phone_number_id: pnid.into(),
        waba_id: waba.into(),
        display_phone_number: "15550001234".into(),
        verified_name: "Loja Demo".into(),
        token: token.into(),
        app_secret: SECRET.into(),
    }
}

async fn cloud() -> Cloud {
    let fake = FakeCloud::start().await;
    fake.add_number(number(PNID, WABA, TOKEN));
    fake.add_number(number(
        "100000000000009",
        "200000000000009",
        "other-account-token",
    ));
    let store = Store::in_memory().await.expect("store");
    let media = tempfile::tempdir().expect("media");
    let clock = Arc::new(ManualClock::new(fake.now() * 1_000));
    let mut options = EngineOptions::new(
        store.clone(),
        Arc::new(MemoryStore::default()),
        switchboard_engine::events::discard(),
        media.path().to_path_buf(),
    );
    options.clock = clock.clone();
    options.system_locale = None;
    let engine = Engine::new(options).await.expect("engine");
    switchboard_server::start_listener(engine.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listener");
    Cloud {
        engine,
        fake,
        clock,
        _store: store,
        media,
    }
}

fn setup(fake: &FakeCloud, pnid: &str, waba: &str, token: &str) -> AddInstanceRequest {
    AddInstanceRequest {
        display_name: "Loja oficial".into(),
        provider: ProviderSetup::Cloud {
            access_token: token.into(),
            phone_number_id: pnid.into(),
            business_account_id: waba.into(),
            app_secret: SECRET.into(),
            api_version: Some("v23.0".into()),
            graph_url: Some(fake.url()),
        },
    }
}

fn refused(error: switchboard_engine::EngineError) -> ApiError {
    ApiError::from(error)
}

impl Cloud {
    async fn add_refused(&self, request: AddInstanceRequest) -> ApiError {
        self.engine
            .add_instance(request)
            .await
            .map_err(refused)
            .expect_err("the add is refused")
    }

    /// A number added and its callback verified by the fake, as a person does in Meta's dashboard.
    async fn added(&self) -> Instance {
        let instance = self
            .engine
            .add_instance(setup(&self.fake, PNID, WABA, TOKEN))
            .await
            .expect("add");
        let manual = self
            .engine
            .manual_webhook(&instance.id)
            .await
            .expect("setup")
            .expect("a Cloud number has a manual webhook");
        let callback = manual.callback_url.expect("callback url");
        self.fake
            .subscribe_callback(WABA, &callback, &manual.verify_token)
            .await
            .expect("Meta's callback check passes");
        instance
    }

    fn text(&self, instance: &Instance, body: &str) -> SendRequest {
        SendRequest {
            instance_id: instance.id.clone(),
            to: format!("+{CUSTOMER}"),
            content: ComposeContent::Text {
                text: body.into(),
                reply_to: None,
            },
            scheduled_at: None,
            idempotency_key: None,
            allow_repeat: false,
        }
    }

    async fn step(&self, instance: &Instance) -> Message {
        for _ in 0..10 {
            match self.engine.outbox_step(&instance.id).await.expect("step") {
                OutboxStep::Processed(message) => return *message,
                OutboxStep::Wait { until } => self.clock.advance(until - self.clock.now()),
                other => panic!("expected a message to go out, got {other:?}"),
            }
        }
        panic!("the outbox kept waiting")
    }

    async fn message(&self, id: &str) -> Message {
        self.engine.get_message(id).await.expect("message")
    }

    async fn customer_says(&self, text: &str) -> String {
        self.fake
            .customer_writes(
                PNID,
                CUSTOMER,
                "Ana Lima",
                json!({"type": "text", "text": {"body": text}}),
                None,
            )
            .await
    }

    async fn only_conversation(&self) -> switchboard_engine::store::Conversation {
        let mut conversations = self
            .engine
            .list_conversations(Default::default())
            .await
            .expect("conversations");
        assert_eq!(conversations.len(), 1);
        conversations.remove(0)
    }

    /// Moves both clocks (Meta's and this computer's) forward together.
    fn advance_hours(&self, hours: i64) {
        self.fake.advance(hours * 3_600);
        self.clock.advance(hours * 3_600_000);
    }
}

#[tokio::test]
async fn adding_checks_the_token_and_the_account_and_keeps_nothing_when_a_check_fails() {
    let h = cloud().await;
    let wrong_token = h.add_refused(setup(&h.fake, PNID, WABA, "not-a-token")).await;
    assert!(wrong_token.message.contains("access token"), "{wrong_token:?}");
    let unknown = h
        .add_refused(setup(&h.fake, "100000000000404", WABA, TOKEN))
        .await;
    assert!(unknown.message.contains("phone number id"), "{unknown:?}");
    // A number of another business account, with this account's token.
    let other = h
        .add_refused(setup(&h.fake, "100000000000009", WABA, TOKEN))
        .await;
    assert!(other.message.contains("another business account"), "{other:?}");
    let bad_version = AddInstanceRequest {
        provider: ProviderSetup::Cloud {
            access_token: TOKEN.into(),
            phone_number_id: PNID.into(),
            business_account_id: WABA.into(),
            app_secret: SECRET.into(),
            api_version: Some("23".into()),
            graph_url: Some(h.fake.url()),
        },
        ..setup(&h.fake, PNID, WABA, TOKEN)
    };
    let error = h
        .engine
        .add_instance(bad_version)
        .await
        .map_err(refused)
        .expect_err("version");
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(h.engine.list_instances().await.expect("list").is_empty());

    let instance = h.added().await;
    assert_eq!(instance.provider, ProviderKind::Cloud);
    assert_eq!(instance.status, InstanceStatus::Connected);
    assert_eq!(instance.profile_name.as_deref(), Some("Loja Demo"));
    assert_eq!(instance.phone.as_deref(), Some("+15550001234"));
    assert!(h
        .fake
        .requests()
        .contains(&format!("POST /v23.0/{WABA}/subscribed_apps")));
    // The same number twice is refused.
    let twice = h.add_refused(setup(&h.fake, PNID, WABA, TOKEN)).await;
    assert_eq!(twice.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn the_callback_check_echoes_only_for_the_verify_token_it_was_given() {
    let h = cloud().await;
    let instance = h.added().await;
    let manual = h
        .engine
        .manual_webhook(&instance.id)
        .await
        .expect("setup")
        .expect("manual");
    let callback = manual.callback_url.expect("url");
    assert!(
        callback.ends_with(&format!("/webhooks/cloud/{}", instance.id)),
        "{callback}"
    );
    assert!(h
        .fake
        .subscribe_callback(WABA, &callback, "someone-else")
        .await
        .is_err());
    let forged = reqwest::get(format!(
        "{callback}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42"
    ))
    .await
    .expect("get");
    assert_eq!(forged.status().as_u16(), 403);
    let good = reqwest::get(format!(
        "{callback}?hub.mode=subscribe&hub.verify_token={}&hub.challenge=42",
        manual.verify_token
    ))
    .await
    .expect("get");
    assert_eq!(good.status().as_u16(), 200);
    assert_eq!(good.text().await.expect("body"), "42");
}

#[tokio::test]
async fn every_outbox_type_goes_out_in_the_graph_shapes_and_files_are_uploaded_first() {
    let h = cloud().await;
    let instance = h.added().await;
    h.customer_says("Oi").await;
    let file = h.media.path().join("invoice.pdf");
    std::fs::write(&file, b"%PDF-1.4 invoice").expect("file");
    let contents = [
        ComposeContent::Text {
            text: "Your order shipped".into(),
            reply_to: None,
        },
        ComposeContent::Media {
            kind: switchboard_engine::domain::MediaKind::Document,
            url: None,
            path: Some(file.to_string_lossy().into_owned()),
            caption: Some("Invoice".into()),
            file_name: Some("invoice.pdf".into()),
        },
        ComposeContent::Location {
            latitude: -23.55,
            longitude: -46.63,
            name: Some("Loja".into()),
            address: None,
        },
        ComposeContent::Contact {
            full_name: "Ana Lima".into(),
            phone: "+55 11 90000-0002".into(),
            organization: None,
            email: None,
        },
    ];
    for content in contents {
        let request = SendRequest {
            content,
            ..h.text(&instance, "")
        };
        let accepted = h.engine.send_message(request).await.expect("accepted");
        let sent = h.step(&instance).await;
        assert_eq!((sent.id, sent.status), (accepted.id, MessageStatus::Sent));
        assert!(sent.provider_message_id.expect("wamid").starts_with("wamid."));
    }
    let sent = h.fake.sent();
    let types: Vec<&str> = sent
        .iter()
        .map(|s| s.body["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(types, ["text", "document", "location", "contacts"]);
    assert!(sent
        .iter()
        .all(|s| s.body["to"] == CUSTOMER && s.phone_number_id == PNID));
    let document = &sent[1].body["document"];
    assert_eq!(document["filename"], "invoice.pdf");
    let media_id = document["id"].as_str().expect("uploaded by id");
    let (bytes, mime) = h.fake.uploaded(media_id).expect("upload");
    assert_eq!(
        (bytes.as_slice(), mime.as_str()),
        (&b"%PDF-1.4 invoice"[..], "application/pdf")
    );

    // A reply carries the message it answers as context.
    let inbound = h.customer_says("Where is it?").await;
    let logged = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log")
        .into_iter()
        .find(|m| m.provider_message_id.as_deref() == Some(inbound.as_str()))
        .expect("inbound logged");
    let reply = SendRequest {
        content: ComposeContent::Text {
            text: "Arriving today".into(),
            reply_to: Some(logged.id),
        },
        ..h.text(&instance, "")
    };
    h.engine.send_message(reply).await.expect("reply");
    h.step(&instance).await;
    let last = h.fake.sent().pop().expect("sent");
    assert_eq!(last.body["context"]["message_id"], inbound.as_str());
}

#[tokio::test]
async fn signed_statuses_only_move_forward_and_failures_keep_metas_reason() {
    let h = cloud().await;
    let instance = h.added().await;
    h.customer_says("Oi").await;
    h.engine
        .send_message(h.text(&instance, "Olá"))
        .await
        .expect("accepted");
    let sent = h.step(&instance).await;
    let wamid = sent.provider_message_id.clone().expect("wamid");
    h.fake.post_status(&wamid, "read", None).await;
    h.fake.post_status(&wamid, "delivered", None).await;
    h.fake.post_status(&wamid, "read", None).await;
    let message = h.message(&sent.id).await;
    assert_eq!(message.status, MessageStatus::Read);
    assert!(h
        .fake
        .webhook_answers()
        .iter()
        .all(|(status, _)| *status == Some(200)));

    // Unsigned, wrongly signed, or re-serialised: 401, nothing applied.
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001234", "phone_number_id": PNID},
        "statuses": [{"id": wamid, "status": "failed", "timestamp": "1", "recipient_id": CUSTOMER,
                      "errors": [{"code": 131026, "title": "Message undeliverable"}]}]}}]}]});
    let bytes = serde_json::to_vec(&body).expect("bytes");
    assert_eq!(h.fake.post_raw(WABA, &bytes, None).await, Some(401));
    assert_eq!(h.fake.post_raw(WABA, &bytes, Some("sha256=00")).await, Some(401));
    let other_secret = switchboard_engine::provider::cloud::webhook::signature("not-the-secret", &bytes);
    assert_eq!(
        h.fake.post_raw(WABA, &bytes, Some(&other_secret)).await,
        Some(401)
    );
    assert_eq!(h.message(&sent.id).await.status, MessageStatus::Read);

    // A message accepted by Meta and then failed: its reason in words, its code kept.
    h.engine
        .send_message(h.text(&instance, "Again"))
        .await
        .expect("accepted");
    let second = h.step(&instance).await;
    let errors = json!([{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
        "error_data": {"details": "Message Undeliverable."}}]);
    h.fake
        .post_status(
            second.provider_message_id.as_deref().expect("wamid"),
            "failed",
            Some(errors),
        )
        .await;
    let failed = h.message(&second.id).await;
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("undeliverable"));
    assert!(
        failed
            .error_message
            .as_deref()
            .unwrap_or_default()
            .contains("could not deliver"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn customers_messages_land_in_the_log_with_their_media_and_open_the_window() {
    let h = cloud().await;
    let instance = h.added().await;
    // Nobody wrote yet: only a template could reach them.
    let closed = h
        .engine
        .send_message(h.text(&instance, "Hello"))
        .await
        .map_err(refused)
        .expect_err("window closed");
    assert_eq!(closed.code, ErrorCode::WindowClosed);
    assert!(closed.message.contains("template"), "{closed:?}");

    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    h.fake
        .customer_writes(
            PNID,
            CUSTOMER,
            "Ana Lima",
            json!({"type": "image", "image": {"caption": "It arrived like this", "mime_type": "image/jpeg"}}),
            Some((jpeg.clone(), "image/jpeg".into())),
        )
        .await;
    let log = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log");
    let image = log.first().expect("logged");
    assert_eq!(image.body.as_deref(), Some("It arrived like this"));
    assert_eq!(image.sender_name.as_deref(), Some("Ana Lima"));
    assert_eq!(image.chat_jid, format!("{CUSTOMER}@s.whatsapp.net"));
    let (bytes, mime) = h.engine.media_file(&image.id).await.expect("download");
    assert_eq!((bytes, mime.as_str()), (jpeg, "image/jpeg"));

    let conversation = h.only_conversation().await;
    assert_eq!(
        conversation.reply_window_ends_at,
        Some(image.created_at + 24 * 3_600_000)
    );

    // Within 24 hours of their message a free-form reply goes; after, it is held back.
    h.advance_hours(23);
    h.engine
        .send_message(h.text(&instance, "Thanks!"))
        .await
        .expect("within the window");
    h.advance_hours(2);
    let late = h
        .engine
        .send_message(h.text(&instance, "Anything else?"))
        .await
        .map_err(refused)
        .expect_err("window closed");
    assert_eq!(late.code, ErrorCode::WindowClosed);
    assert!(late.message.contains("24 hours"), "{late:?}");
}

#[tokio::test]
async fn a_window_meta_closed_on_its_side_fails_the_message_with_the_same_sentence() {
    let h = cloud().await;
    let instance = h.added().await;
    h.customer_says("Oi").await;
    h.engine
        .send_message(h.text(&instance, "Olá"))
        .await
        .expect("accepted");
    // Meta's clock says the window closed already: it answers 200, then posts the failure.
    h.fake.advance(25 * 3_600);
    let sent = h.step(&instance).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if h.message(&sent.id).await.status == MessageStatus::Failed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the failed status arrives");
    let failed = h.message(&sent.id).await;
    assert_eq!(failed.error_code.as_deref(), Some("window_closed"));
    assert!(failed
        .error_message
        .as_deref()
        .unwrap_or_default()
        .contains("template"));
}

#[tokio::test]
async fn throttling_backs_off_and_server_faults_retry_without_a_second_copy() {
    let h = cloud().await;
    let instance = h.added().await;
    h.customer_says("Oi").await;
    h.engine
        .send_message(h.text(&instance, "Olá"))
        .await
        .expect("accepted");
    h.fake.fail_next(CloudFault::Graph {
        code: 130429,
        http: 400,
    });
    let throttled = h.step(&instance).await;
    assert_eq!(throttled.status, MessageStatus::Queued);
    assert_eq!(throttled.error_code.as_deref(), Some("throughput_reached"));
    let wait = throttled.next_attempt_at.expect("retry planned") - h.clock.now();
    assert!(wait >= 30_000, "waits what the code deserves: {wait}");
    h.fake.fail_next(CloudFault::Status(503));
    let retried = h.step(&instance).await;
    assert_eq!(retried.status, MessageStatus::Queued);
    let sent = h.step(&instance).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    assert_eq!(h.fake.sent().len(), 1);
}

#[tokio::test]
async fn a_temporary_block_from_meta_pauses_the_number_and_holds_the_message() {
    let h = cloud().await;
    let instance = h.added().await;
    h.customer_says("Oi").await;
    let message = h
        .engine
        .send_message(h.text(&instance, "Olá"))
        .await
        .expect("accepted");
    h.fake.fail_next(CloudFault::Graph { code: 368, http: 403 });
    let held = h.step(&instance).await;
    assert_eq!(
        (held.status, held.error_code.as_deref()),
        (MessageStatus::Queued, Some("temporarily_blocked"))
    );
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused(PauseReason::PushedBack)
    );
    let pause = h
        .engine
        .sending_health(&instance.id)
        .await
        .expect("health")
        .paused
        .expect("paused");
    assert!(pause.reason.contains("368"), "{}", pause.reason);
    h.engine.resume_sending(&instance.id).await.expect("resumed");
    let sent = h.step(&instance).await;
    assert_eq!((sent.id, sent.status), (message.id, MessageStatus::Sent));
    assert_eq!(h.fake.sent().len(), 1);
}

#[tokio::test]
async fn an_expired_token_or_a_restricted_number_shows_as_its_own_status() {
    let h = cloud().await;
    let instance = h.added().await;
    h.fake.set_health(PNID, "RED", "RESTRICTED");
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Restricted
    );
    let health = h.engine.sending_health(&instance.id).await.expect("health");
    assert_eq!(
        health.paused.map(|p| p.signal),
        Some(PushBackSignal::Restriction),
        "a restricted number's sending waits for a person"
    );
    h.fake.set_health(PNID, "GREEN", "CONNECTED");
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::Connected
    );
    h.fake.expire_token(TOKEN);
    assert_eq!(
        h.engine.poll_instance(&instance.id).await.expect("poll"),
        InstanceStatus::NeedsToken
    );
    let reason = h
        .engine
        .get_instance(&instance.id)
        .await
        .expect("instance")
        .status_reason;
    assert!(reason.unwrap_or_default().contains("expired"));
}

#[tokio::test]
async fn opening_a_conversation_marks_the_customers_message_read_at_meta() {
    let h = cloud().await;
    let instance = h.added().await;
    let wamid = h.customer_says("Oi").await;
    h.engine.set_read_receipts(&instance.id, true).await.expect("on");
    let conversation = h.only_conversation().await;
    h.engine
        .mark_conversation_read(conversation.id, None)
        .await
        .expect("read");
    assert_eq!(h.fake.read_marks(), vec![(PNID.to_owned(), wamid)]);
}

#[tokio::test]
async fn templates_sync_across_pages_and_reach_a_customer_outside_the_window_once_checked() {
    let h = cloud().await;
    let instance = h.added().await;
    h.fake.add_template(
        WABA,
        CloudTemplate::with_body(
            "order_shipped",
            "en_US",
            "APPROVED",
            "UTILITY",
            "Hi {{1}}, your order {{2}} shipped today.",
        ),
    );
    h.fake.add_template(
        WABA,
        CloudTemplate::with_body("summer_sale", "pt_BR", "PAUSED", "MARKETING", "Olá {{1}}!"),
    );
    // More than one page of the account's templates.
    for n in 0..120 {
        h.fake.add_template(
            WABA,
            CloudTemplate::with_body(&format!("note_{n:03}"), "en_US", "APPROVED", "UTILITY", "Note"),
        );
    }
    let templates = h.engine.sync_templates(&instance.id).await.expect("sync");
    assert_eq!(templates.len(), 122);
    let shipped = templates
        .iter()
        .find(|t| t.name == "order_shipped")
        .expect("listed");
    assert_eq!((shipped.variables, shipped.status.as_str()), (2, "APPROVED"));
    assert_eq!(
        h.engine.list_templates(&instance.id).await.expect("list").len(),
        122
    );

    let template = |name: &str, language: &str, variables: &[&str]| SendRequest {
        content: ComposeContent::Template {
            name: name.into(),
            language: language.into(),
            variables: variables.iter().map(|v| (*v).to_owned()).collect(),
        },
        ..h.text(&instance, "")
    };
    let refuse = |request: SendRequest| async {
        h.engine
            .send_message(request)
            .await
            .map_err(refused)
            .expect_err("refused")
    };
    let wrong_count = refuse(template("order_shipped", "en_US", &["Ana"])).await;
    assert_eq!(wrong_count.code, ErrorCode::InvalidInput);
    assert!(
        wrong_count.message.contains("takes 2 variables; 1 was given"),
        "{wrong_count:?}"
    );
    let paused = refuse(template("summer_sale", "pt_BR", &["Ana"])).await;
    assert!(paused.message.contains("paused"), "{paused:?}");
    let unknown = refuse(template("order_shipped", "pt_BR", &["Ana", "#1"])).await;
    assert!(unknown.message.contains("no template"), "{unknown:?}");
    assert!(h.fake.sent().is_empty());

    // Nobody wrote: free-form is refused, the template goes.
    let accepted = h
        .engine
        .send_message(template("order_shipped", "en_US", &["Ana", "#1042"]))
        .await
        .expect("a template needs no open window");
    assert_eq!(
        accepted.body.as_deref(),
        Some("Hi Ana, your order #1042 shipped today.")
    );
    let sent = h.step(&instance).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    let body = &h.fake.sent()[0].body;
    assert_eq!(body["type"], "template");
    assert_eq!(body["template"]["name"], "order_shipped");
    assert_eq!(
        body["template"]["components"][0]["parameters"][1]["text"],
        "#1042"
    );
}

#[tokio::test]
async fn one_callback_for_the_business_account_brings_each_number_its_own_messages() {
    let h = cloud().await;
    let first = h.added().await;
    // A second number of the same account and app: Meta posts its events to the callback the
    // account was set up with, which is the first number's.
    let second_pnid = "100000000000002";
    h.fake.add_number(CloudNumber {
        display_phone_number: "15550001235".into(),
        ..number(second_pnid, WABA, TOKEN)
    });
    let second = h
        .engine
        .add_instance(AddInstanceRequest {
            display_name: "Loja filial".into(),
            ..setup(&h.fake, second_pnid, WABA, TOKEN)
        })
        .await
        .expect("second number");
    h.fake
        .customer_writes(
            second_pnid,
            CUSTOMER,
            "Ana Lima",
            json!({"type": "text", "text": {"body": "Para a filial"}}),
            None,
        )
        .await;
    let log = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log");
    let message = log
        .iter()
        .find(|m| m.body.as_deref() == Some("Para a filial"))
        .expect("logged");
    assert_eq!(message.instance_id, second.id);
    assert_ne!(message.instance_id, first.id);
}
