//! Conversations, contacts and search: one person (phone and LID) is one conversation, unread counts
//! and read marking (with receipts where the number sends them), labels and opt-out refusing sends
//! and campaign rows, contact CSV, and the search index kept in step with the log.

use super::support::{api, content, harness, inbound, text, Harness};
use switchboard_engine::domain::{Direction, MessageKind};
use switchboard_engine::settings::Settings;
use switchboard_engine::store::{ContactUpdate, Conversation, ConversationFilter, MessageFilter};
use switchboard_engine::{CampaignDraft, ComposeContent, ErrorCode, ThreadPage};

const MARIA_PHONE: &str = "5511900000002@s.whatsapp.net";
const MARIA_LID: &str = "112233445566778@lid";
const GROUP: &str = "120363025246125888@g.us";

impl Harness {
    async fn conversations(&self, filter: ConversationFilter) -> Vec<Conversation> {
        self.engine
            .list_conversations(filter)
            .await
            .expect("conversations")
    }

    async fn search(&self, words: &str) -> Vec<String> {
        let filter = MessageFilter {
            search: Some(words.into()),
            ..Default::default()
        };
        let found = self.engine.list_messages(filter).await.expect("search");
        found.into_iter().map(|m| m.body.unwrap_or_default()).collect()
    }
}

#[tokio::test]
async fn a_person_is_one_conversation_by_phone_or_lid_and_a_group_is_its_own() {
    let h = harness().await;
    let instance = h.connected().await;
    let now = h.now();
    // First heard only by LID: a conversation of its own, for now.
    h.receive(&instance, inbound("M1", MARIA_LID, None, "Oi", now))
        .await;
    assert_eq!(h.conversations(Default::default()).await[0].chat_jid, MARIA_LID);
    // Then with both addresses: everything moves under the phone JID.
    h.receive(
        &instance,
        inbound("M2", MARIA_PHONE, Some(MARIA_LID), "Tudo bem?", now + 1),
    )
    .await;
    // And the LID alone again: the same person.
    h.receive(&instance, inbound("M3", MARIA_LID, None, "Pedido 1043", now + 2))
        .await;
    h.receive(&instance, inbound("G1", GROUP, None, "Bom dia grupo", now + 3))
        .await;
    h.clock.advance(10);
    h.engine
        .send_message(text(&instance, "+55 11 90000-0002", "Olá Maria!"))
        .await
        .expect("reply");

    // A reply keeps what it quotes, so the thread can show it above.
    let tudo_bem = h
        .engine
        .list_messages(MessageFilter {
            search: Some("Tudo bem".into()),
            ..Default::default()
        })
        .await
        .expect("search")[0]
        .id
        .clone();
    let reply = ComposeContent::Text {
        text: "Tudo ótimo!".into(),
        reply_to: Some(tudo_bem),
    };
    let answered = h
        .engine
        .send_message(content(&instance, "+55 11 90000-0002", reply))
        .await
        .expect("reply");
    assert_eq!(answered.quoted_id.as_deref(), Some("M2"));
    h.engine.cancel_message(&answered.id).await.expect("withdrawn");

    let conversations = h.conversations(Default::default()).await;
    let chats: Vec<&str> = conversations.iter().map(|c| c.chat_jid.as_str()).collect();
    assert_eq!(
        chats,
        vec![MARIA_PHONE, GROUP],
        "newest activity first (the reply)"
    );
    let maria = &conversations[0];
    assert_eq!(maria.unread, 3);
    assert_eq!(maria.contact.display_name, "Maria Souza");
    assert_eq!(maria.contact.phone.as_deref(), Some("+5511900000002"));
    let last = maria.last_message.as_ref().expect("preview");
    assert_eq!(
        (last.body.as_deref(), last.direction),
        (Some("Tudo ótimo!"), Direction::Outbound)
    );
    assert!(conversations[1].contact.is_group);
    assert_eq!(conversations[1].unread, 1);

    let thread = h
        .engine
        .conversation_messages(maria.id, ThreadPage::default(), None)
        .await
        .expect("thread");
    let bodies: Vec<&str> = thread.iter().filter_map(|m| m.body.as_deref()).collect();
    assert_eq!(
        bodies,
        vec!["Tudo ótimo!", "Olá Maria!", "Pedido 1043", "Tudo bem?", "Oi"],
        "newest first"
    );
    assert!(thread
        .iter()
        .all(|m| m.chat_jid == MARIA_PHONE && m.contact == "+5511900000002"));
    let contacts = h
        .engine
        .list_contacts(Default::default())
        .await
        .expect("contacts");
    assert_eq!(
        contacts.len(),
        2,
        "the LID's contact folded into the phone's: {contacts:?}"
    );
}

#[tokio::test]
async fn a_thread_pages_backwards_without_skipping_messages_of_the_same_millisecond() {
    let h = harness().await;
    let instance = h.connected().await;
    let at = h.now();
    for n in 0..7 {
        h.receive(
            &instance,
            inbound(&format!("M{n}"), MARIA_PHONE, None, &format!("n{n}"), at),
        )
        .await;
    }
    let id = h.conversations(Default::default()).await[0].id;
    let mut seen = Vec::new();
    let mut page = ThreadPage {
        limit: Some(3),
        ..Default::default()
    };
    loop {
        let messages = h
            .engine
            .conversation_messages(id, page.clone(), None)
            .await
            .expect("page");
        let Some(last) = messages.last() else { break };
        page.before = Some(last.created_at);
        page.before_seq = Some(last.seq);
        seen.extend(messages.iter().filter_map(|m| m.body.clone()));
    }
    assert_eq!(seen, vec!["n6", "n5", "n4", "n3", "n2", "n1", "n0"]);
}

#[tokio::test]
async fn opening_a_conversation_reads_it_and_tells_the_customer_only_when_the_number_does() {
    let h = harness().await;
    let instance = h.connected().await;
    assert!(
        instance.read_receipts_supported && !instance.send_read_receipts,
        "off by default"
    );
    let now = h.now();
    h.receive(&instance, inbound("R1", MARIA_PHONE, None, "Oi", now))
        .await;
    let id = h.conversations(Default::default()).await[0].id;
    let read = h.engine.mark_conversation_read(id, None).await.expect("read");
    assert_eq!(read.unread, 0);
    assert!(h.fake.read_marks().is_empty(), "receipts are off");
    let unread_only = ConversationFilter {
        unread_only: true,
        ..Default::default()
    };
    assert!(h.conversations(unread_only.clone()).await.is_empty());

    h.engine
        .set_read_receipts(&instance.id, true)
        .await
        .expect("turn on");
    h.clock.advance(1_000);
    h.receive(&instance, inbound("R2", MARIA_PHONE, None, "Ainda aí?", h.now()))
        .await;
    h.receive(&instance, inbound("R3", MARIA_PHONE, None, "?", h.now() + 1))
        .await;
    assert_eq!(h.conversations(unread_only).await[0].unread, 2);
    assert_eq!(h.engine.unread_total(None).await.expect("total"), 2);
    h.engine.mark_conversation_read(id, None).await.expect("read");
    let mut marks = h.fake.read_marks();
    marks.sort();
    let name = instance.remote_name.clone();
    assert_eq!(
        marks,
        vec![
            (name.clone(), MARIA_PHONE.to_owned(), "R2".to_owned()),
            (name, MARIA_PHONE.to_owned(), "R3".to_owned())
        ],
        "only the unread ones"
    );
    // A message older than the last read (a late catch-up) does not count as unread.
    h.receive(
        &instance,
        inbound("R0", MARIA_PHONE, None, "antiga", now - 60_000),
    )
    .await;
    assert_eq!(h.engine.unread_total(None).await.expect("total"), 0);

    let other = h.add().await;
    let scoped = h
        .engine
        .mark_conversation_read(id, Some(std::slice::from_ref(&other.id)))
        .await
        .map_err(api);
    assert_eq!(
        scoped.expect_err("another number's key").code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn labels_filter_conversations_and_opted_out_contacts_are_refused_with_the_reason() {
    let h = harness().await;
    let instance = h.connected().await;
    let now = h.now();
    h.receive(&instance, inbound("L1", MARIA_PHONE, None, "Oi", now))
        .await;
    h.receive(
        &instance,
        inbound("L2", "5511900000004@s.whatsapp.net", None, "Olá", now + 1),
    )
    .await;
    let maria = h.conversations(Default::default()).await[1].contact.clone();
    assert_eq!(maria.jid, MARIA_PHONE);
    let saved = h
        .engine
        .update_contact(
            maria.id,
            ContactUpdate {
                name: Some("  Maria (loja) ".into()),
                notes: Some("Prefere entrega à tarde".into()),
                labels: Some(vec!["VIP".into(), "Atacado".into(), "vip".into()]),
                opted_out: None,
            },
            None,
        )
        .await
        .expect("save");
    assert_eq!(saved.display_name, "Maria (loja)");
    let names: Vec<&str> = saved.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Atacado", "VIP"],
        "one label per name, whatever its case"
    );
    let vip = saved.labels[1].id;
    let by_label = h
        .conversations(ConversationFilter {
            label_id: Some(vip),
            ..Default::default()
        })
        .await;
    assert_eq!(
        by_label.iter().map(|c| c.contact.id).collect::<Vec<_>>(),
        vec![maria.id]
    );
    let by_name = h
        .conversations(ConversationFilter {
            search: Some("loja".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(by_name.len(), 1);

    // A campaign by label reaches the labelled contacts.
    let draft = CampaignDraft {
        instance_id: instance.id.clone(),
        name: "VIP".into(),
        csv: String::new(),
        label_id: Some(vip),
        template: "Olá {{name}}".into(),
        scheduled_at: None,
    };
    let preview = h.engine.preview_campaign(draft.clone()).await.expect("preview");
    assert_eq!(
        (preview.valid, preview.samples[0].text.as_str()),
        (1, "Olá Maria (loja)")
    );

    let opted = ContactUpdate {
        opted_out: Some(true),
        ..Default::default()
    };
    h.engine
        .update_contact(maria.id, opted, None)
        .await
        .expect("opt out");
    let refused = h
        .engine
        .send_message(text(&instance, "+55 11 90000-0002", "Promoção!"))
        .await
        .map_err(api)
        .expect_err("opted out");
    assert_eq!(refused.code, ErrorCode::OptedOut);
    assert!(
        refused.message.contains("+55 11 90000-0002"),
        "{}",
        refused.message
    );
    let preview = h.engine.preview_campaign(draft).await.expect("preview");
    assert_eq!(preview.valid, 0);
    assert!(
        preview.problems[0].reason.contains("opted out"),
        "{:?}",
        preview.problems
    );
    let csv_draft = CampaignDraft {
        instance_id: instance.id.clone(),
        name: "Todos".into(),
        csv: "phone\n+5511900000002\n+5511900000004\n".into(),
        label_id: None,
        template: "Olá".into(),
        scheduled_at: None,
    };
    let preview = h.engine.preview_campaign(csv_draft).await.expect("preview");
    assert_eq!(
        (preview.valid, preview.problems[0].line),
        (1, 2),
        "{:?}",
        preview.problems
    );
}

#[tokio::test]
async fn contacts_go_out_and_come_back_as_csv() {
    let h = harness().await;
    let instance = h.connected().await;
    h.receive(&instance, inbound("C1", MARIA_PHONE, None, "Oi", h.now()))
        .await;
    let report = h
        .engine
        .import_contacts(
            "phone,name,notes,labels,opted_out\n+55 11 90000-0002,Maria,\"Cliente, desde 2020\",VIP;Atacado,\n\
             11 90000-0004,João,,,sim\nnão sei,Ana,,,\n",
        )
        .await;
    // No default country: a national number cannot be read.
    let report = report.expect("import");
    assert_eq!(report.saved, 1, "{:?}", report.problems);
    assert_eq!(
        report.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
        vec![3, 4]
    );
    let exported = h.engine.export_contacts().await.expect("export");
    assert_eq!(
        exported,
        "phone,name,notes,labels,opted_out\n+5511900000002,Maria,\"Cliente, desde 2020\",Atacado;VIP,\n"
    );
    let contacts = h
        .engine
        .list_contacts(Default::default())
        .await
        .expect("contacts");
    assert_eq!(
        contacts.len(),
        1,
        "the import updated the contact the message made"
    );
}

#[tokio::test]
async fn search_finds_parts_of_words_names_and_numbers_and_follows_every_change() {
    let h = harness().await;
    let instance = h.connected().await;
    let now = h.now();
    h.receive(
        &instance,
        inbound("S1", MARIA_PHONE, None, "O pedido 1043 chegou amassado", now),
    )
    .await;
    h.receive(
        &instance,
        inbound("S2", "5511900000004@s.whatsapp.net", None, "Obrigado!", now + 1),
    )
    .await;
    h.receive(
        &instance,
        inbound("S3", "5511900000005@s.whatsapp.net", None, "ok", now + 2),
    )
    .await;

    assert_eq!(
        h.search("amass").await,
        vec!["O pedido 1043 chegou amassado"],
        "part of a word"
    );
    assert_eq!(
        h.search("PEDIDO 104").await,
        vec!["O pedido 1043 chegou amassado"],
        "terms, any case"
    );
    assert!(h.search("entregue").await.is_empty());
    // Part of a number, typed with separators: every message with that contact.
    assert_eq!(h.search("90000-0004").await, vec!["Obrigado!"]);
    // A name: the contact's messages.
    let found = h.search("Maria Souza").await;
    assert_eq!(
        found.len(),
        3,
        "every contact here is Maria Souza by push name: {found:?}"
    );
    // Shorter than the index's three characters: the newest messages are read instead.
    assert_eq!(h.search("ok").await, vec!["ok"]);

    // Sent text is found; privacy mode drops it from the index once it has gone out.
    let settings = Settings {
        privacy_mode: true,
        ..h.engine.settings().await.expect("settings")
    };
    h.engine
        .send_message(text(&instance, "5511900000004", "Seu cupom é PRIMAVERA"))
        .await
        .expect("send");
    assert_eq!(h.search("primavera").await.len(), 1);
    h.engine.update_settings(settings).await.expect("privacy on");
    h.step(&instance).await;
    assert!(
        h.search("primavera").await.is_empty(),
        "privacy mode indexes no content"
    );
    h.receive(
        &instance,
        inbound("S4", MARIA_PHONE, None, "segredo guardado", h.now()),
    )
    .await;
    assert!(h.search("segredo").await.is_empty());

    // A failed message is indexed, a retry takes it out while it waits, the next failure puts it back.
    h.fake.set_not_on_whatsapp("5511900000009");
    let doomed = h
        .engine
        .send_message(text(&instance, "5511900000009", "Mensagem perdida"))
        .await
        .expect("send");
    h.step(&instance).await;
    assert_eq!(h.search("perdida").await.len(), 1);
    h.engine.retry_message(&doomed.id).await.expect("retry");
    assert_eq!(h.search("perdida").await.len(), 1, "queued again: still found");
    h.step(&instance).await;
    index_holds_exactly_the_messages_out_of_the_queue(&h).await;

    // Retention removes messages from the index with the log.
    h.clock.advance(400 * 86_400_000);
    h.engine.apply_retention().await.expect("retention");
    assert!(h.search("amassado").await.is_empty());
    assert!(
        h.conversations(Default::default()).await.is_empty(),
        "emptied conversations go"
    );
    index_holds_exactly_the_messages_out_of_the_queue(&h).await;
}

/// The search index's rule: it holds every message with text that is out of the queue, and no other.
async fn index_holds_exactly_the_messages_out_of_the_queue(h: &Harness) {
    let pool = h.store.pool();
    sqlx::query("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        .execute(pool)
        .await
        .expect("the index is sound");
    // The index keeps no row sizes (migration 0018); its vocabulary names the rows it holds that
    // have a trigram (a text of at least three characters).
    let mut connection = pool.acquire().await.expect("connection");
    sqlx::query(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.indexed_rows USING fts5vocab(main, messages_fts, 'instance')",
    )
    .execute(&mut *connection)
    .await
    .expect("vocabulary");
    let indexed: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT doc FROM temp.indexed_rows ORDER BY doc")
        .fetch_all(&mut *connection)
        .await
        .expect("indexed");
    let expected: Vec<i64> = sqlx::query_scalar(
        "SELECT rowid FROM messages WHERE length(body) >= 3 AND status NOT IN ('queued', 'sending') ORDER BY rowid",
    )
    .fetch_all(&mut *connection)
    .await
    .expect("expected");
    assert_eq!(indexed, expected);
}

#[tokio::test]
async fn the_filtered_log_is_saved_as_csv_and_photos_have_previews() {
    let h = harness().await;
    let instance = h.connected().await;
    let now = h.now();
    // More than one page of the export, all in one millisecond: none is skipped or repeated.
    for n in 0..520 {
        h.receive(
            &instance,
            inbound(
                &format!("E{n}"),
                MARIA_PHONE,
                None,
                &format!("linha {n}, com vírgula"),
                now,
            ),
        )
        .await;
    }
    h.receive(
        &instance,
        inbound("X1", "5511900000004@s.whatsapp.net", None, "outro", now + 1),
    )
    .await;
    let path = h.media.path().join("log.csv");
    let only_maria = MessageFilter {
        search: Some("vírgula".into()),
        ..Default::default()
    };
    let rows = h.engine.save_log(only_maria, &path).await.expect("save");
    assert_eq!(rows, 520);
    let csv = std::fs::read_to_string(&path).expect("file");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,number,contact,name,direction,type,text,status,error")
    );
    let first = lines.next().expect("a row");
    assert!(
        first.contains(
            ",Loja Exemplo,+5511900000002,Maria Souza,inbound,text,\"linha 519, com vírgula\",received,"
        ),
        "{first}"
    );
    let texts: std::collections::HashSet<&str> = csv.lines().skip(1).collect();
    assert_eq!(texts.len(), 520, "each message once");

    let body = serde_json::to_vec(&switchboard_testkit::contract_sample(
        "evolution/webhook-messages-upsert-image.json",
    ))
    .expect("json");
    for event in switchboard_engine::provider::evolution::webhook::parse(&body, h.now()).expect("parse") {
        h.engine.apply_event(&instance.id, event).await.expect("image");
    }
    // The sample was written in 2025: older than everything above.
    let older = MessageFilter {
        before: Some(now),
        ..Default::default()
    };
    let photo = h
        .engine
        .list_messages(older)
        .await
        .expect("log")
        .into_iter()
        .find(|m| m.kind == MessageKind::Image)
        .expect("photo");
    let preview = h.engine.media_preview(&photo.id, 64).await.expect("preview");
    assert!(
        preview.starts_with("data:image/jpeg;base64,"),
        "{}",
        &preview[..40]
    );
    let text = h
        .engine
        .list_messages(MessageFilter::default())
        .await
        .expect("log")[0]
        .id
        .clone();
    let refused = h
        .engine
        .media_preview(&text, 64)
        .await
        .map_err(api)
        .expect_err("text");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
}
