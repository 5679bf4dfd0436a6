//! "Is it on WhatsApp?": numbers checked through the fake's `chat/whatsappNumbers` before a
//! campaign sends to them, in paced batches, the answers kept; a number not on WhatsApp is skipped
//! by campaigns, flagged to the composer and refused by the API.

use crate::support::*;
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::events::EngineEvent;
use switchboard_engine::limits::LIMITS;
use switchboard_engine::store::{Instance, SKIPPED_NOT_ON_WHATSAPP};
use switchboard_engine::{CampaignDraft, ErrorCode, NumberCheckStep, OutboxStep, Presence};

/// Maria and Ana are on WhatsApp; João (…0004) is not.
const ROWS: &str = "nome,telefone\nMaria,+55 11 90000-0002\nJoão,+55 11 90000-0004\nAna,5511900000005\n";

fn draft(instance: &Instance, csv: &str) -> CampaignDraft {
    CampaignDraft {
        instance_id: instance.id.clone(),
        name: "Novidades".into(),
        csv: csv.into(),
        label_id: None,
        template: "Olá {{nome}}".into(),
        scheduled_at: None,
    }
}

impl Harness {
    fn checks_asked(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.contains("/chat/whatsappNumbers/"))
            .count()
    }

    async fn check_step(&self, instance: &Instance) -> NumberCheckStep {
        self.engine
            .number_check_step(&instance.id)
            .await
            .expect("check step")
    }
}

#[tokio::test]
async fn a_campaign_preview_checks_its_numbers_and_then_skips_the_one_not_on_whatsapp() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000004");

    let first = h
        .engine
        .preview_campaign(draft(&instance, ROWS))
        .await
        .expect("preview");
    assert!(first.checks_numbers);
    assert_eq!((first.valid, first.unchecked), (3, 3), "{:?}", first.problems);

    assert_eq!(
        h.check_step(&instance).await,
        NumberCheckStep::Checked {
            checked: 3,
            not_on_whatsapp: 1
        }
    );
    assert_eq!(h.checks_asked(), 1, "three numbers, one batch");
    assert_eq!(h.check_step(&instance).await, NumberCheckStep::Idle);
    assert!(h
        .events
        .take()
        .iter()
        .any(|e| matches!(e, EngineEvent::NumbersChecked { .. })));

    let checked = h
        .engine
        .preview_campaign(draft(&instance, ROWS))
        .await
        .expect("preview");
    assert_eq!((checked.valid, checked.unchecked), (2, 0));
    assert_eq!(checked.problems.len(), 1);
    assert_eq!(checked.problems[0].line, 3);
    assert!(
        checked.problems[0]
            .reason
            .contains("+55 11 90000-0004 is not on WhatsApp"),
        "{}",
        checked.problems[0].reason
    );

    let campaign = h
        .engine
        .create_campaign(draft(&instance, ROWS))
        .await
        .expect("campaign");
    assert_eq!(campaign.total, 2, "the number not on WhatsApp is not queued");
    h.step(&instance).await;
    h.step(&instance).await;
    let sent: Vec<String> = h
        .fake
        .sent()
        .iter()
        .map(|s| s.body["number"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent, vec!["5511900000002", "5511900000005"]);
    assert_eq!(h.checks_asked(), 1, "answers are kept: nothing asked twice");
}

#[tokio::test]
async fn a_campaign_waits_for_its_checks_and_skips_the_absent_number_without_sending() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000004");
    let campaign = h
        .engine
        .create_campaign(draft(&instance, ROWS))
        .await
        .expect("campaign");
    assert_eq!(campaign.total, 3, "not checked yet: all queued");
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Idle,
        "nothing goes out in bulk to numbers not checked"
    );
    assert!(h.fake.sent().is_empty());

    h.check_step(&instance).await;
    let campaign = h.engine.campaign(&campaign.id).await.expect("campaign");
    assert_eq!((campaign.failed, campaign.pending), (1, 2));
    let log = h.engine.list_messages(Default::default()).await.expect("log");
    let skipped = log
        .iter()
        .find(|m| m.contact == "+5511900000004")
        .expect("João's message");
    assert_eq!(skipped.status, MessageStatus::Failed);
    assert_eq!(skipped.error_code.as_deref(), Some("not_on_whatsapp"));
    assert_eq!(skipped.error_message.as_deref(), Some(SKIPPED_NOT_ON_WHATSAPP));
    assert_eq!(skipped.attempts, 0, "never sent");

    h.step(&instance).await;
    h.step(&instance).await;
    assert_eq!(h.fake.sent().len(), 2);
    let health = h.engine.sending_health(&instance.id).await.expect("health");
    assert!(
        health.paused.is_none(),
        "a skip is no failure to the sending guard"
    );
}

#[tokio::test]
async fn checks_leave_in_batches_at_the_checking_pace() {
    let h = harness().await;
    let instance = h.connected().await;
    let mut csv = String::from("nome,telefone\n");
    for n in 0..120 {
        csv.push_str(&format!("Cliente {n},+55 11 9{:04}-{:04}\n", 1000 + n, n));
    }
    let preview = h
        .engine
        .preview_campaign(draft(&instance, &csv))
        .await
        .expect("preview");
    assert_eq!(preview.unchecked, 120);

    let batch = LIMITS.number_check_batch;
    let mut checked = Vec::new();
    loop {
        match h.check_step(&instance).await {
            NumberCheckStep::Checked { checked: n, .. } => checked.push(n),
            NumberCheckStep::Wait { until } => {
                assert_eq!(until - h.now(), i64::from(LIMITS.number_check_gap_ms));
                h.clock.advance(until - h.now());
            }
            NumberCheckStep::Idle => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(checked, vec![batch, batch, 120 - 2 * batch]);
    assert_eq!(h.checks_asked(), 3);
}

#[tokio::test]
async fn the_composer_learns_whether_a_number_is_on_whatsapp_and_the_api_refuses_one_that_is_not() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000004");

    let absent = h
        .engine
        .check_on_whatsapp(&instance.id, "+55 11 90000-0004")
        .await
        .expect("check");
    assert_eq!(absent.presence, Presence::NotOnWhatsapp);
    assert_eq!(absent.display, "+55 11 90000-0004");
    assert_eq!(absent.checked_at, Some(h.now()));

    // The pace holds for the composer too: a second number right after is still being checked.
    let soon = h
        .engine
        .check_on_whatsapp(&instance.id, "+55 11 90000-0002")
        .await
        .expect("check");
    assert_eq!(soon.presence, Presence::Checking);
    h.clock.advance(i64::from(LIMITS.number_check_gap_ms));
    let present = h
        .engine
        .check_on_whatsapp(&instance.id, "+55 11 90000-0002")
        .await
        .expect("check");
    assert_eq!(present.presence, Presence::OnWhatsapp);
    assert_eq!(h.checks_asked(), 2);
    h.engine
        .check_on_whatsapp(&instance.id, "+55 11 90000-0004")
        .await
        .expect("check");
    assert_eq!(h.checks_asked(), 2, "a kept answer is not asked again");

    let refused = h
        .engine
        .send_message(text(&instance, "+55 11 90000-0004", "Olá"))
        .await
        .map_err(api)
        .expect_err("not on WhatsApp");
    assert_eq!(refused.code, ErrorCode::NotOnWhatsapp);
    assert!(
        refused.message.contains("+55 11 90000-0004 is not on WhatsApp"),
        "{}",
        refused.message
    );
    assert_eq!(h.logged().await, 0, "nothing queued");

    // Once the answer is older than Settings keep it, the number may be tried again.
    let days = h.engine.settings().await.expect("settings").number_check_days;
    h.clock.advance(i64::from(days) * 86_400_000 + 1);
    h.send(&instance, "+55 11 90000-0004").await;
}

#[tokio::test]
async fn a_send_refused_as_not_on_whatsapp_is_kept_like_a_check() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000006");
    h.send(&instance, "+55 11 90000-0006").await;
    let failed = h.step(&instance).await;
    assert_eq!(failed.status, MessageStatus::Failed);
    let again = h
        .engine
        .send_message(text(&instance, "+55 11 90000-0006", "Olá de novo"))
        .await
        .map_err(api)
        .expect_err("known now");
    assert_eq!(again.code, ErrorCode::NotOnWhatsapp);
}

#[tokio::test]
async fn checks_wait_for_the_number_to_connect() {
    let h = harness().await;
    let instance = h.add().await;
    h.engine
        .preview_campaign(draft(&instance, ROWS))
        .await
        .expect("preview");
    assert_eq!(h.check_step(&instance).await, NumberCheckStep::NotConnected);
    assert_eq!(h.checks_asked(), 0);
}
