//! Opting out by message: a customer's whole message of one opt-out word marks them opted out,
//! withdraws every message still queued for them and sends the confirmation once; groups and longer
//! messages opt nobody out.

use crate::support::*;
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::store::{ContactFilter, Message, MessageFilter};
use switchboard_engine::{CampaignDraft, ErrorCode};

const MARIA: &str = "5511900000002@s.whatsapp.net";
const GROUP: &str = "120363025246125888@g.us";
const CONFIRMATION: &str = "Pronto! Você não receberá mais mensagens nossas.";

impl Harness {
    async fn opted_out(&self) -> Vec<String> {
        let filter = ContactFilter {
            opted_out: Some(true),
            ..Default::default()
        };
        let contacts = self.engine.list_contacts(filter).await.expect("contacts");
        contacts.into_iter().map(|c| c.jid).collect()
    }

    async fn outbound(&self) -> Vec<Message> {
        let filter = MessageFilter {
            direction: Some(switchboard_engine::domain::Direction::Outbound),
            ..Default::default()
        };
        self.engine.list_messages(filter).await.expect("log")
    }
}

#[tokio::test]
async fn a_whole_message_of_an_opt_out_word_opts_the_customer_out_once_and_confirms() {
    let h = harness().await;
    let instance = h.connected().await;
    let mut settings = h.engine.settings().await.expect("settings");
    settings.opt_out_reply = Some(CONFIRMATION.into());
    h.engine.update_settings(settings).await.expect("saved");
    h.engine
        .create_campaign(CampaignDraft {
            instance_id: instance.id.clone(),
            name: "Promo".into(),
            csv: "nome,telefone\nMaria,+55 11 90000-0002\nJoão,+55 11 90000-0004\n".into(),
            label_id: None,
            template: "Olá {{nome}}, promoção!".into(),
            scheduled_at: None,
        })
        .await
        .expect("campaign");

    // A message a local app scheduled for her tomorrow.
    let later = switchboard_engine::SendRequest {
        scheduled_at: Some(h.now() + 24 * 3_600_000),
        ..text(&instance, "+55 11 90000-0002", "Lembrete do pedido")
    };
    h.engine.send_message(later).await.expect("scheduled");

    let now = h.now();
    h.receive(&instance, inbound("G1", GROUP, None, "SAIR", now))
        .await;
    h.receive(
        &instance,
        inbound("M1", MARIA, None, "quero sair da lista?", now + 1),
    )
    .await;
    assert!(
        h.opted_out().await.is_empty(),
        "a group or a sentence opts nobody out"
    );

    h.receive(&instance, inbound("M2", MARIA, None, "  Sáir! ", now + 2))
        .await;
    assert_eq!(h.opted_out().await, vec![MARIA.to_owned()]);
    let outbound = h.outbound().await;
    let to_maria: Vec<_> = outbound.iter().filter(|m| m.chat_jid == MARIA).collect();
    let withdrawn: Vec<_> = to_maria
        .iter()
        .filter(|m| m.status == MessageStatus::Cancelled)
        .collect();
    assert_eq!(
        withdrawn.len(),
        2,
        "her campaign message and the scheduled one are withdrawn"
    );
    let confirmation: Vec<_> = to_maria
        .iter()
        .filter(|m| m.body.as_deref() == Some(CONFIRMATION))
        .collect();
    assert_eq!(confirmation.len(), 1);
    assert_eq!(
        confirmation[0].status,
        MessageStatus::Queued,
        "through the outbox"
    );
    let others = outbound.iter().filter(|m| m.chat_jid != MARIA);
    assert!(
        others.into_iter().all(|m| m.status == MessageStatus::Queued),
        "João's stays"
    );

    // Saying it again sends nothing more; a send to her is refused.
    h.receive(&instance, inbound("M3", MARIA, None, "STOP", now + 3))
        .await;
    let confirmations = h
        .outbound()
        .await
        .into_iter()
        .filter(|m| m.body.as_deref() == Some(CONFIRMATION))
        .count();
    assert_eq!(confirmations, 1);
    let refused = h
        .engine
        .send_message(text(&instance, "+55 11 90000-0002", "Oi"))
        .await
        .map_err(api)
        .expect_err("opted out");
    assert_eq!(refused.code, ErrorCode::OptedOut);

    // Heard from again and cleared by a person, she can opt out anew, and is told so again.
    h.engine
        .import_contacts("phone,opted_out\n+5511900000002,no\n")
        .await
        .expect("cleared");
    assert!(h.opted_out().await.is_empty());
    h.receive(&instance, inbound("M4", MARIA, None, "Parar", now + 4))
        .await;
    assert_eq!(h.opted_out().await, vec![MARIA.to_owned()]);
    let confirmations = h
        .outbound()
        .await
        .into_iter()
        .filter(|m| m.body.as_deref() == Some(CONFIRMATION))
        .count();
    assert_eq!(confirmations, 2);
}

#[tokio::test]
async fn the_words_are_a_setting_and_empty_turns_opting_out_by_message_off() {
    let h = harness().await;
    let instance = h.connected().await;
    let mut settings = h.engine.settings().await.expect("settings");
    assert!(settings.opt_out_words.iter().any(|w| w == "SAIR"), "defaults");
    settings.opt_out_words = Vec::new();
    h.engine.update_settings(settings.clone()).await.expect("saved");
    h.receive(&instance, inbound("M1", MARIA, None, "SAIR", h.now()))
        .await;
    assert!(h.opted_out().await.is_empty());

    settings.opt_out_words = vec!["Não quero mais".into()];
    h.engine.update_settings(settings.clone()).await.expect("saved");
    h.receive(&instance, inbound("M2", MARIA, None, "nao quero MAIS", h.now()))
        .await;
    assert_eq!(h.opted_out().await, vec![MARIA.to_owned()]);
    assert!(
        h.outbound().await.is_empty(),
        "no confirmation is set, so nothing is sent"
    );

    settings.opt_out_words = vec!["  ".into()];
    let refused = h
        .engine
        .update_settings(settings)
        .await
        .map_err(api)
        .expect_err("blank word");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
}
