//! The sending guard: WhatsApp pushing back on a number (a restriction error, failures in a row to
//! different people, a logout right after sending) pauses its outbox and campaigns until a person
//! resumes; the rules are per number; today's figures count what was refused.

use crate::support::*;
use switchboard_engine::domain::{ConnectionSignal, MessageStatus};
use switchboard_engine::events::EngineEvent;
use switchboard_engine::provider::{ConnectionReport, ProviderEvent};
use switchboard_engine::store::{CampaignState, GuardRules, Instance, PushBackSignal};
use switchboard_engine::{CampaignDraft, ErrorCode, OutboxStep, PauseReason, LOGOUT_AFTER_SEND_MILLIS};

impl Harness {
    async fn paused_with(&self, instance: &Instance) -> Option<PushBackSignal> {
        let health = self.engine.sending_health(&instance.id).await.expect("health");
        health.paused.map(|pause| pause.signal)
    }

    async fn rules(&self, instance: &Instance, rules: GuardRules) {
        self.engine
            .set_guard_rules(&instance.id, rules)
            .await
            .expect("rules kept");
    }

    fn pauses_told(&self) -> Vec<String> {
        self.events
            .take()
            .into_iter()
            .filter_map(|event| match event {
                EngineEvent::SendingPaused { reason, .. } => Some(reason),
                _ => None,
            })
            .collect()
    }

    async fn logged_out_by_whatsapp(&self, instance: &Instance) {
        let report = ConnectionReport::bare(ConnectionSignal::LoggedOut);
        self.engine
            .apply_event(&instance.id, ProviderEvent::Connection(report))
            .await
            .expect("applied");
    }
}

const TWO_ROWS: &str = "nome,telefone\nMaria,+55 11 90000-0002\nJoão,+55 11 90000-0004\n";

#[tokio::test]
async fn a_restriction_pauses_the_number_and_its_campaign_and_holds_the_message_until_resumed() {
    let h = harness().await;
    let instance = h.connected().await;
    let campaign = h
        .engine
        .create_campaign(CampaignDraft {
            instance_id: instance.id.clone(),
            name: "Promo".into(),
            csv: TWO_ROWS.into(),
            label_id: None,
            template: "Olá {{nome}}".into(),
            scheduled_at: None,
        })
        .await
        .expect("campaign");

    h.fake.set_rate_overlimit(true);
    let held = h.step(&instance).await;
    assert_eq!(
        (held.status, held.error_code.as_deref(), held.attempts),
        (MessageStatus::Queued, Some("rate_overlimit"), 0),
        "held for later, not failed, and the refused attempt does not count"
    );
    // Even a step that read no pause before it began claims nothing once the pause is there.
    let claimed = h
        .store
        .claim_next_outbound(&instance.id, h.now())
        .await
        .expect("claim");
    assert!(claimed.is_none());
    let told = h.pauses_told();
    assert_eq!(told.len(), 1, "the person is told once");
    assert!(told[0].contains("rate-overlimit"), "{}", told[0]);
    assert_eq!(h.paused_with(&instance).await, Some(PushBackSignal::Restriction));
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused(PauseReason::PushedBack)
    );
    assert_eq!(
        h.engine.campaign(&campaign.id).await.expect("campaign").state,
        CampaignState::Paused
    );
    let listed = h.engine.get_instance(&instance.id).await.expect("instance");
    assert!(listed.sending_pause.is_some(), "the list shows the pause");
    // New messages are still accepted and wait with the rest.
    let waiting = h.send(&instance, "+55 11 90000-0009").await;
    assert_eq!(waiting.status, MessageStatus::Queued);

    h.fake.set_rate_overlimit(false);
    let health = h.engine.resume_sending(&instance.id).await.expect("resumed");
    assert_eq!((health.paused, health.held), (None, None));
    assert_eq!(
        h.engine.campaign(&campaign.id).await.expect("campaign").state,
        CampaignState::Running
    );
    let sent = h.step(&instance).await;
    assert_eq!(
        (sent.id, sent.status),
        (held.id, MessageStatus::Sent),
        "the held message goes first"
    );
    let again = h
        .engine
        .resume_sending(&instance.id)
        .await
        .map_err(api)
        .expect_err("not paused");
    assert_eq!(again.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn with_restrictions_not_pausing_the_refused_send_is_retried_later() {
    let h = harness().await;
    let instance = h.connected().await;
    h.rules(
        &instance,
        GuardRules {
            restriction_errors: 0,
            ..GuardRules::default()
        },
    )
    .await;
    h.fake.set_rate_overlimit(true);
    h.send(&instance, "+55 11 90000-0002").await;
    let retried = h.step(&instance).await;
    assert_eq!(retried.status, MessageStatus::Queued);
    assert!(
        retried.next_attempt_at.expect("a retry") - h.now() >= 15 * 60_000,
        "WhatsApp asked for a long wait"
    );
    assert_eq!(h.paused_with(&instance).await, None);
}

#[tokio::test]
async fn failures_in_a_row_to_different_people_pause_but_repeats_to_one_person_count_once() {
    let h = harness().await;
    let instance = h.connected().await;
    h.rules(
        &instance,
        GuardRules {
            failures_in_a_row: 3,
            ..GuardRules::default()
        },
    )
    .await;
    // Refused by the server for the message itself (a 400), as for a number reported by people.
    let fail = |to: &'static str| {
        let h = &h;
        let instance = &instance;
        async move {
            h.send(instance, to).await;
            h.fake.fail_with(Some(400));
            assert_eq!(h.step(instance).await.status, MessageStatus::Failed);
            h.fake.fail_with(None);
        }
    };
    fail("+55 11 90000-0011").await;
    fail("+55 11 90000-0011").await;
    fail("+55 11 90000-0012").await;
    assert_eq!(h.paused_with(&instance).await, None, "two people so far");
    // A send that goes through starts the count again.
    h.send(&instance, "+55 11 90000-0002").await;
    assert_eq!(h.step(&instance).await.status, MessageStatus::Sent);
    fail("+55 11 90000-0012").await;
    fail("+55 11 90000-0013").await;
    assert_eq!(h.paused_with(&instance).await, None);
    fail("+55 11 90000-0014").await;
    assert_eq!(h.paused_with(&instance).await, Some(PushBackSignal::FailureRun));
    let told = h.pauses_told();
    assert!(told[0].contains("last 3 sends failed"), "{told:?}");
    h.send(&instance, "+55 11 90000-0002").await;
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused(PauseReason::PushedBack)
    );
}

#[tokio::test]
async fn a_logout_soon_after_sending_pauses_and_a_late_or_chosen_one_does_not() {
    let h = harness().await;
    let instance = h.connected().await;
    h.send(&instance, "+55 11 90000-0002").await;
    h.step(&instance).await;
    h.clock.advance(LOGOUT_AFTER_SEND_MILLIS / 2);
    h.logged_out_by_whatsapp(&instance).await;
    assert_eq!(
        h.paused_with(&instance).await,
        Some(PushBackSignal::LogoutAfterSend)
    );

    // Long after the last send, a logout is only a logout.
    let later = harness().await;
    let quiet = later.connected().await;
    later.send(&quiet, "+55 11 90000-0002").await;
    later.step(&quiet).await;
    later.clock.advance(LOGOUT_AFTER_SEND_MILLIS + 1);
    later.logged_out_by_whatsapp(&quiet).await;
    assert_eq!(later.paused_with(&quiet).await, None);

    // A person logging out is not WhatsApp pushing back.
    let chosen = harness().await;
    let own = chosen.connected().await;
    chosen.send(&own, "+55 11 90000-0002").await;
    chosen.step(&own).await;
    chosen.engine.logout_instance(&own.id).await.expect("logged out");
    assert_eq!(chosen.paused_with(&own).await, None);
}

#[tokio::test]
async fn rules_are_kept_per_number_and_checked() {
    let h = harness().await;
    let instance = h.connected().await;
    let health = h.engine.sending_health(&instance.id).await.expect("health");
    assert_eq!(health.rules, GuardRules::default());
    let own = GuardRules {
        restriction_errors: 2,
        failures_in_a_row: 0,
        logout_after_send: false,
    };
    h.rules(&instance, own).await;
    assert_eq!(
        h.engine.sending_health(&instance.id).await.expect("health").rules,
        own
    );
    let too_many = GuardRules {
        failures_in_a_row: 101,
        ..own
    };
    let refused = h
        .engine
        .set_guard_rules(&instance.id, too_many)
        .await
        .map_err(api)
        .expect_err("too many");
    assert_eq!(refused.code, ErrorCode::InvalidInput);

    // With the logout sign off, a logout right after a send does not pause.
    h.send(&instance, "+55 11 90000-0002").await;
    h.step(&instance).await;
    h.logged_out_by_whatsapp(&instance).await;
    assert_eq!(h.paused_with(&instance).await, None);
}

#[tokio::test]
async fn todays_figures_count_sent_failed_and_refused_sends() {
    let h = harness().await;
    let instance = h.connected().await;
    h.fake.set_not_on_whatsapp("5511900000011");
    h.send(&instance, "+55 11 90000-0002").await;
    h.step(&instance).await;
    h.send(&instance, "+55 11 90000-0011").await;
    h.step(&instance).await;
    // An opted-out contact is refused before queueing, and counted.
    h.engine
        .import_contacts("phone,opted_out\n+5511900000002,yes\n")
        .await
        .expect("opted out");
    h.engine
        .send_message(text(&instance, "+55 11 90000-0002", "Promoção!"))
        .await
        .expect_err("opted out");
    let health = h.engine.sending_health(&instance.id).await.expect("health");
    assert_eq!((health.sent, health.failed, health.refused), (1, 1, 1));
    assert_eq!(health.held, None);
}

#[tokio::test]
async fn a_warm_up_raises_the_daily_limit_day_by_day_and_then_steps_aside() {
    let h = harness().await;
    let instance = h.connected().await;
    let health = h
        .engine
        .set_warm_up(&instance.id, Some(vec![2, 3]))
        .await
        .expect("warm-up on");
    let today = health.warm_up.expect("warming up");
    assert_eq!((today.day, today.days, today.limit_today), (1, 2, 2));
    for n in 0..3 {
        h.send(&instance, &format!("+55 11 90000-001{n}")).await;
    }
    h.step(&instance).await;
    h.step(&instance).await;
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Paused(PauseReason::WarmUpLimit),
        "day 1 allows two"
    );
    let health = h.engine.sending_health(&instance.id).await.expect("health");
    assert_eq!(health.held, Some(PauseReason::WarmUpLimit));

    // Changing the limits keeps the day it started on.
    h.clock.advance(24 * 3_600_000);
    let health = h
        .engine
        .set_warm_up(&instance.id, Some(vec![2, 4, 6]))
        .await
        .expect("changed");
    let today = health.warm_up.expect("warming up");
    assert_eq!((today.day, today.limit_today), (2, 4));
    assert_eq!(
        h.step(&instance).await.status,
        MessageStatus::Sent,
        "day 2 allows more"
    );

    // Past its last day the number's own quota applies; no limits means the default two weeks.
    h.clock.advance(2 * 24 * 3_600_000);
    let over = h
        .engine
        .sending_health(&instance.id)
        .await
        .expect("health")
        .warm_up
        .expect("kept");
    assert!(!over.active());
    let default = h
        .engine
        .set_warm_up(&instance.id, Some(Vec::new()))
        .await
        .expect("default");
    assert_eq!(
        default.warm_up.expect("on").daily_limits,
        switchboard_engine::DEFAULT_WARM_UP.to_vec()
    );
    let off = h.engine.set_warm_up(&instance.id, None).await.expect("off");
    assert_eq!(off.warm_up, None);
    let refused = h
        .engine
        .set_warm_up(&instance.id, Some(vec![10, 0]))
        .await
        .map_err(api)
        .expect_err("a day allowing nothing");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
}
