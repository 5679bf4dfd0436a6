//! Campaigns from CSV: preview, invalid rows reported, paced sending, pause, resume and cancel.

use crate::support::*;
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::store::{CampaignState, MessageFilter, Pacing};
use switchboard_engine::{CampaignDraft, ErrorCode, OutboxStep};

const CSV: &str = "\u{feff}nome,telefone,pedido\n\"Souza, Maria\",+55 11 90000-0002,1042\nJoão,5511900000004,1043\nCarla,não tenho,1044\n , , \nAna,5511900000005,1045\n";

fn draft(instance: &switchboard_engine::store::Instance) -> CampaignDraft {
    CampaignDraft {
        instance_id: instance.id.clone(),
        name: "Pedidos enviados".into(),
        csv: CSV.into(),
        label_id: None,
        template: "Olá {{nome}}! O pedido #{{pedido}} foi enviado.".into(),
        scheduled_at: None,
    }
}

#[tokio::test]
async fn a_preview_shows_the_first_messages_and_every_bad_row() {
    let h = harness().await;
    let instance = h.connected().await;
    let preview = h
        .engine
        .preview_campaign(draft(&instance))
        .await
        .expect("preview");
    assert_eq!(preview.columns, vec!["nome", "telefone", "pedido"]);
    assert_eq!(preview.phone_column, "telefone");
    assert_eq!((preview.rows, preview.valid), (5, 3));
    assert_eq!(
        preview.samples[0].text,
        "Olá Souza, Maria! O pedido #1042 foi enviado."
    );
    assert_eq!(preview.samples[0].to, "+5511900000002");
    let lines: Vec<u32> = preview.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![4, 5], "{:?}", preview.problems);
    assert!(
        h.engine
            .list_messages(MessageFilter::default())
            .await
            .expect("log")
            .is_empty(),
        "a preview sends nothing"
    );

    let bad = CampaignDraft {
        template: "Olá {{cliente}}".into(),
        ..draft(&instance)
    };
    let error = h
        .engine
        .preview_campaign(bad)
        .await
        .map_err(api)
        .expect_err("unknown column");
    assert_eq!(error.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_campaign_goes_out_through_the_outbox_and_can_be_paused_resumed_and_cancelled() {
    let h = harness().await;
    let instance = h.connected().await;
    h.engine
        .set_pacing(
            &instance.id,
            Pacing {
                min_interval_ms: 1_000,
                jitter_ms: 0,
                ..Pacing::default()
            },
        )
        .await
        .expect("pacing");
    let campaign = h.engine.create_campaign(draft(&instance)).await.expect("create");
    assert_eq!(
        (campaign.total, campaign.pending, campaign.state),
        (3, 3, CampaignState::Running)
    );

    h.step(&instance).await;
    let paused = h
        .engine
        .set_campaign_state(&campaign.id, CampaignState::Paused)
        .await
        .expect("pause");
    assert_eq!((paused.sent, paused.pending), (1, 2));
    h.clock.advance(10_000);
    assert_eq!(
        h.engine.outbox_step(&instance.id).await.expect("step"),
        OutboxStep::Idle,
        "paused messages wait"
    );

    h.engine
        .set_campaign_state(&campaign.id, CampaignState::Running)
        .await
        .expect("resume");
    h.step(&instance).await;
    let cancelled = h
        .engine
        .set_campaign_state(&campaign.id, CampaignState::Cancelled)
        .await
        .expect("cancel");
    assert_eq!(
        (cancelled.sent, cancelled.cancelled, cancelled.pending),
        (2, 1, 0)
    );
    assert!(
        h.engine
            .set_campaign_state(&campaign.id, CampaignState::Running)
            .await
            .is_err(),
        "cancelled is final"
    );
    assert_eq!(h.fake.sent().len(), 2);
    assert_eq!(
        h.fake.sent()[1].body["text"],
        "Olá João! O pedido #1043 foi enviado."
    );

    let of_campaign = MessageFilter {
        campaign_id: Some(campaign.id.clone()),
        ..Default::default()
    };
    let messages = h.engine.list_messages(of_campaign).await.expect("log");
    assert_eq!(messages.len(), 3);
    assert!(messages.iter().all(|m| m.source == "campaign"));
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.status == MessageStatus::Cancelled)
            .count(),
        1
    );
    assert_eq!(h.engine.list_campaigns().await.expect("list").len(), 1);
}

#[tokio::test]
async fn a_campaign_with_no_usable_row_is_refused() {
    let h = harness().await;
    let instance = h.connected().await;
    let empty = CampaignDraft {
        csv: "telefone,nome\nxx,Ana\n".into(),
        template: "Oi {{nome}}".into(),
        ..draft(&instance)
    };
    assert_eq!(
        h.engine
            .create_campaign(empty)
            .await
            .map_err(api)
            .expect_err("nothing to send")
            .code,
        ErrorCode::InvalidInput
    );
    assert!(h.engine.list_campaigns().await.expect("list").is_empty());
}

#[tokio::test]
async fn alternatives_vary_the_wording_per_recipient_and_the_preview_shows_what_is_sent() {
    let h = harness().await;
    let instance = h.connected().await;
    let rows: String = (10..40)
        .map(|n| format!("Cliente {n},+55 11 90000-00{n},{n}\n"))
        .collect();
    let varied = CampaignDraft {
        csv: format!("nome,telefone,pedido\n{rows}"),
        template: "{Olá|Oi|Bom dia} {{nome}}, {seu|o} pedido #{{pedido}} saiu.".into(),
        ..draft(&instance)
    };
    let preview = h.engine.preview_campaign(varied.clone()).await.expect("preview");
    assert_eq!(preview.variant_count, 6);
    assert_eq!(
        preview.variants,
        vec![
            "Olá Cliente 10, seu pedido #10 saiu.",
            "Oi Cliente 10, seu pedido #10 saiu.",
            "Bom dia Cliente 10, seu pedido #10 saiu.",
            "Olá Cliente 10, o pedido #10 saiu.",
            "Oi Cliente 10, o pedido #10 saiu.",
        ]
    );
    let campaign = h.engine.create_campaign(varied).await.expect("created");
    let of_campaign = MessageFilter {
        campaign_id: Some(campaign.id.clone()),
        ..Default::default()
    };
    let mut messages = h.engine.list_messages(of_campaign).await.expect("log");
    messages.sort_by_key(|m| m.chat_jid.clone());
    let greetings: std::collections::HashSet<&str> = messages
        .iter()
        .filter_map(|m| m.body.as_deref()?.split(" Cliente").next())
        .collect();
    assert_eq!(
        greetings.len(),
        3,
        "30 people get all three greetings: {greetings:?}"
    );
    for sample in &preview.samples {
        let sent = messages
            .iter()
            .find(|m| m.contact.ends_with(&sample.to[sample.to.len() - 4..]))
            .expect("the sample's recipient");
        assert_eq!(
            sent.body.as_deref(),
            Some(sample.text.as_str()),
            "the preview showed what is sent"
        );
    }
}
