//! Repeats: the same text to the same person within the repeat window (Settings, 24 h by default)
//! is held with an error naming the earlier message, unless the sender says to send it anyway; a
//! campaign preview lists the rows that would repeat.

use crate::support::*;
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::{CampaignDraft, ErrorCode};

#[tokio::test]
async fn the_same_text_to_the_same_person_is_held_naming_the_first_unless_meant() {
    let h = harness().await;
    let instance = h.connected().await;
    let first = h
        .engine
        .send_message(text(&instance, "+55 11 90000-0002", "Promoção de hoje!"))
        .await
        .expect("first");
    let held = h
        .engine
        .send_message(text(&instance, "5511900000002", "Promoção de hoje!"))
        .await
        .map_err(api)
        .expect_err("repeat");
    assert_eq!(held.code, ErrorCode::Repeated);
    assert!(held.message.contains(&first.id), "{}", held.message);
    assert!(held.message.contains("+55 11 90000-0002"), "{}", held.message);

    // Another text, another person, or the sender's say-so go through.
    h.engine
        .send_message(text(&instance, "+55 11 90000-0002", "Outra coisa"))
        .await
        .expect("another text");
    h.engine
        .send_message(text(&instance, "+55 11 90000-0004", "Promoção de hoje!"))
        .await
        .expect("another person");
    let meant = switchboard_engine::SendRequest {
        allow_repeat: true,
        ..text(&instance, "+55 11 90000-0002", "Promoção de hoje!")
    };
    h.engine.send_message(meant).await.expect("sent anyway");
    let health = h.engine.sending_health(&instance.id).await.expect("health");
    assert_eq!(health.refused, 1, "the held repeat is counted as refused");

    // A day later the window has passed.
    h.clock.advance(24 * 3_600_000 + 1);
    h.engine
        .send_message(text(&instance, "+55 11 90000-0002", "Outra coisa"))
        .await
        .expect("the window has passed");
}

#[tokio::test]
async fn a_failed_send_is_no_repeat_and_a_zero_window_holds_nothing() {
    let h = harness().await;
    let instance = h.connected().await;
    h.engine
        .send_message(text(&instance, "+55 11 90000-0011", "Oi"))
        .await
        .expect("first");
    h.fake.fail_with(Some(400));
    assert_eq!(h.step(&instance).await.status, MessageStatus::Failed);
    h.fake.fail_with(None);
    h.engine
        .send_message(text(&instance, "+55 11 90000-0011", "Oi"))
        .await
        .expect("the first failed, so this is no repeat");

    let mut settings = h.engine.settings().await.expect("settings");
    settings.repeat_window_hours = 0;
    h.engine.update_settings(settings).await.expect("saved");
    h.engine
        .send_message(text(&instance, "+55 11 90000-0011", "Oi"))
        .await
        .expect("no window");
}

#[tokio::test]
async fn a_campaign_preview_holds_the_rows_that_would_repeat() {
    let h = harness().await;
    let instance = h.connected().await;
    h.engine
        .send_message(text(&instance, "+55 11 90000-0002", "Olá Maria, promoção!"))
        .await
        .expect("sent by hand");
    let draft = CampaignDraft {
        instance_id: instance.id.clone(),
        name: "Promo".into(),
        csv: "nome,telefone\nMaria,+55 11 90000-0002\nJoão,+55 11 90000-0004\nJoão,5511900000004\n".into(),
        label_id: None,
        template: "Olá {{nome}}, promoção!".into(),
        scheduled_at: None,
    };
    let preview = h.engine.preview_campaign(draft).await.expect("preview");
    assert_eq!(preview.valid, 1, "João once");
    let lines: Vec<u32> = preview.problems.iter().map(|p| p.line).collect();
    assert_eq!(
        lines,
        vec![2, 4],
        "Maria had it already; João's second row repeats his first"
    );
    assert!(
        preview.problems.iter().all(|p| p.reason.contains("same text")),
        "{:?}",
        preview.problems
    );
}
