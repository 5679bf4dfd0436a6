//! Replies that answer themselves, against the fake Evolution server: rules tried in their order,
//! an away message outside business hours at most once per contact per period, a greeting for a
//! first message, nothing for groups, the number's own messages, another Switchboard number or a
//! contact who opted out; the tester tells which rule would answer.

use crate::support::*;
use switchboard_engine::domain::{Direction, MessageStatus};
use switchboard_engine::provider::ProviderEvent;
use switchboard_engine::store::{
    AutoReplyRule, BusinessHours, Instance, Message, MessageFilter, OpenHours, ReplyTrigger,
};
use switchboard_engine::{AutoReplyTrial, ErrorCode, SOURCE_AUTO_REPLY};

const MARIA: &str = "5511900000002@s.whatsapp.net";
const JOAO: &str = "5511900000004@s.whatsapp.net";
const GROUP: &str = "120363025246125888@g.us";

fn rule(trigger: ReplyTrigger, pattern: Option<&str>, reply: &str) -> AutoReplyRule {
    AutoReplyRule {
        enabled: true,
        trigger,
        pattern: pattern.map(Into::into),
        reply: reply.into(),
        media: None,
        in_groups: false,
        once_per_hours: 0,
        hours: None,
    }
}

/// Closed every day of the week: the away message always answers.
fn never_open() -> BusinessHours {
    BusinessHours {
        time_zone: "America/Sao_Paulo".into(),
        days: Vec::new(),
    }
}

/// Open all day, every day: the away message never answers.
fn always_open() -> BusinessHours {
    BusinessHours {
        time_zone: "America/Sao_Paulo".into(),
        days: (1..=7)
            .map(|weekday| OpenHours {
                weekday,
                opens: "00:00".into(),
                closes: "24:00".into(),
            })
            .collect(),
    }
}

impl Harness {
    async fn replies(&self) -> Vec<Message> {
        let filter = MessageFilter {
            direction: Some(Direction::Outbound),
            ..Default::default()
        };
        let mut log = self.engine.list_messages(filter).await.expect("log");
        log.retain(|m| m.source == SOURCE_AUTO_REPLY);
        log
    }

    async fn rule(&self, instance: &Instance, rule: AutoReplyRule) -> i64 {
        self.engine
            .create_auto_reply(&instance.id, rule)
            .await
            .expect("rule kept")
            .id
    }

    async fn write(&self, instance: &Instance, id: &str, chat: &str, text: &str) {
        let now = self.now();
        self.receive(instance, inbound(id, chat, None, text, now)).await;
    }
}

#[tokio::test]
async fn an_away_message_answers_outside_business_hours_once_per_contact_through_the_outbox() {
    let h = harness().await;
    let instance = h.connected().await;
    h.rule(
        &instance,
        AutoReplyRule {
            once_per_hours: 12,
            hours: Some(never_open()),
            ..rule(
                ReplyTrigger::Away,
                None,
                "Estamos fechados; respondemos amanhã às 9h.",
            )
        },
    )
    .await;

    h.write(&instance, "M1", MARIA, "Oi, vocês têm bolo de cenoura?")
        .await;
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].chat_jid, MARIA);
    assert_eq!(
        replies[0].status,
        MessageStatus::Queued,
        "it waits for the pace like any send"
    );
    let sent = h.step(&instance).await;
    assert_eq!(
        (sent.id.as_str(), sent.status),
        (replies[0].id.as_str(), MessageStatus::Sent)
    );
    assert_eq!(
        h.fake.sent()[0].body["text"],
        "Estamos fechados; respondemos amanhã às 9h."
    );

    h.write(&instance, "M2", MARIA, "Alô?").await;
    // The same message delivered again is answered once.
    h.write(&instance, "M1", MARIA, "Oi, vocês têm bolo de cenoura?")
        .await;
    h.write(&instance, "J1", JOAO, "Boa noite").await;
    let chats: Vec<String> = h.replies().await.into_iter().map(|m| m.chat_jid).collect();
    assert_eq!(chats.len(), 2, "Maria once within 12 hours, João once: {chats:?}");
    h.clock.advance(12 * 3_600_000 + 1);
    h.write(&instance, "M3", MARIA, "Ainda fechados?").await;
    assert_eq!(h.replies().await.len(), 3, "after the period, again");
}

#[tokio::test]
async fn rules_are_tried_in_their_order_and_only_enabled_ones_answer() {
    let h = harness().await;
    let instance = h.connected().await;
    let off = h
        .rule(
            &instance,
            AutoReplyRule {
                enabled: false,
                ..rule(ReplyTrigger::Contains, Some("preço"), "desligada")
            },
        )
        .await;
    let price = h
        .rule(
            &instance,
            rule(ReplyTrigger::Contains, Some("preço"), "A tabela de preços: …"),
        )
        .await;
    let order = h
        .rule(
            &instance,
            rule(ReplyTrigger::StartsWith, Some("pedido"), "Vamos ver seu pedido."),
        )
        .await;
    h.rule(
        &instance,
        AutoReplyRule {
            hours: Some(always_open()),
            ..rule(ReplyTrigger::Away, None, "fechado")
        },
    )
    .await;

    h.write(&instance, "M1", MARIA, "Pedido 12: qual o PRECO do frete?")
        .await;
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(
        replies[0].body.as_deref(),
        Some("A tabela de preços: …"),
        "the first enabled rule that matches"
    );

    let moved = h
        .engine
        .move_auto_reply(&instance.id, order, 0)
        .await
        .expect("moved");
    let ids: Vec<i64> = moved.iter().map(|r| r.id).collect();
    assert_eq!(&ids[..3], &[order, off, price]);
    let verdict = h
        .engine
        .test_auto_reply(
            &instance.id,
            AutoReplyTrial {
                text: "pedido 12: qual o preço?".into(),
                at: None,
                first_message: false,
                in_group: false,
            },
        )
        .await
        .expect("tested");
    assert_eq!(verdict.rule_id, Some(order));
    assert!(
        verdict.explanation.starts_with("Rule 1 (starts with “pedido”)"),
        "{}",
        verdict.explanation
    );
    let nothing = h
        .engine
        .test_auto_reply(
            &instance.id,
            AutoReplyTrial {
                text: "bom dia".into(),
                at: None,
                first_message: false,
                in_group: false,
            },
        )
        .await
        .expect("tested");
    assert_eq!((nothing.rule_id, nothing.reply), (None, None));
    assert_eq!(h.logged().await, 2, "the tester sends nothing");
}

#[tokio::test]
async fn a_greeting_answers_only_a_contacts_first_message_ever() {
    let h = harness().await;
    let instance = h.connected().await;
    h.write(&instance, "J0", JOAO, "oi").await;
    h.rule(&instance, rule(ReplyTrigger::Greeting, None, "Bem-vindo à Loja!"))
        .await;
    h.write(&instance, "M1", MARIA, "oi").await;
    h.write(&instance, "M2", MARIA, "tudo bem?").await;
    h.write(&instance, "J1", JOAO, "voltei").await;
    let chats: Vec<String> = h.replies().await.into_iter().map(|m| m.chat_jid).collect();
    assert_eq!(
        chats,
        vec![MARIA.to_owned()],
        "João wrote before the rule existed"
    );
}

#[tokio::test]
async fn no_reply_to_groups_own_messages_other_switchboard_numbers_or_opted_out_contacts() {
    let h = harness().await;
    let instance = h.connected().await;
    h.rule(&instance, rule(ReplyTrigger::Contains, Some("oi"), "Olá!"))
        .await;

    h.write(&instance, "G1", GROUP, "oi pessoal").await;
    // Written from the phone of the number itself.
    let own = match inbound("O1", MARIA, None, "oi", h.now()) {
        ProviderEvent::Message(mut message) => {
            message.direction = Direction::Outbound;
            message.status = MessageStatus::Sent;
            ProviderEvent::Message(message)
        }
        other => other,
    };
    h.receive(&instance, own).await;
    // A second number of this Switchboard (its phone is 5511900000001 on the fake) writing in.
    let other = h.add().await;
    h.fake.open(&other.remote_name, "Filial", "5511900000009").await;
    h.engine.poll_instance(&other.id).await.expect("poll");
    h.write(
        &instance,
        "S1",
        "5511900000009@s.whatsapp.net",
        "oi, aqui é a filial",
    )
    .await;
    // Opted out, then writes.
    h.write(&instance, "J1", JOAO, "SAIR").await;
    h.write(&instance, "J2", JOAO, "oi").await;
    assert!(h.replies().await.is_empty(), "{:?}", h.replies().await);

    let in_groups = h
        .rule(
            &instance,
            AutoReplyRule {
                in_groups: true,
                ..rule(ReplyTrigger::Contains, Some("cardápio"), "Segue o cardápio.")
            },
        )
        .await;
    h.write(&instance, "G2", GROUP, "Tem cardápio?").await;
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1, "a rule that says so answers in groups");
    assert_eq!(replies[0].chat_jid, GROUP);
    h.engine
        .delete_auto_reply(&instance.id, in_groups)
        .await
        .expect("deleted");
    let gone = h
        .engine
        .delete_auto_reply(&instance.id, in_groups)
        .await
        .map_err(api)
        .expect_err("gone");
    assert_eq!(gone.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_rule_that_cannot_work_is_refused_with_a_sentence() {
    let h = harness().await;
    let instance = h.connected().await;
    let refused = h
        .engine
        .create_auto_reply(&instance.id, rule(ReplyTrigger::Away, None, "fechado"))
        .await
        .map_err(api)
        .expect_err("no hours");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(refused.message.contains("business hours"), "{}", refused.message);
    assert!(h
        .engine
        .list_auto_replies(&instance.id)
        .await
        .expect("rules")
        .is_empty());
}
