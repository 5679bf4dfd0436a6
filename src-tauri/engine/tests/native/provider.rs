//! The provider alone: linking, the states it reports, every send path, and logout.

use crate::scripted::ScriptedLauncher;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchboard_engine::clock::ManualClock;
use switchboard_engine::domain::{
    ConnectionSignal, Jid, MediaKind, MediaSource, OutgoingContent, PhoneNumber,
};
use switchboard_engine::provider::native::NativeProvider;
use switchboard_engine::provider::{
    LinkOffer, LinkProgress, OutgoingMessage, Provider, ProviderError, ProviderEvent,
};
use tokio::sync::mpsc::UnboundedReceiver;
use whatsapp_rust::prelude::Event;
use whatsapp_rust::types::events as wa_events;

pub struct Setup {
    pub provider: NativeProvider,
    pub launcher: ScriptedLauncher,
    pub events: UnboundedReceiver<ProviderEvent>,
    pub store: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn qr(code: &str) -> Event {
    Event::PairingQrCode(
        wa_events::PairingQrCode::builder()
            .code(code.into())
            .timeout(Duration::from_secs(20))
            .build(),
    )
}

fn exhausted() -> Event {
    Event::PairingQrCodesExhausted(
        wa_events::PairingQrCodesExhausted::builder()
            .disconnected(true)
            .build(),
    )
}

async fn setup(first_events: Vec<Event>) -> Setup {
    setup_with(first_events, true).await
}

async fn setup_with(first_events: Vec<Event>, launch: bool) -> Setup {
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("native").join("instance.db");
    std::fs::create_dir_all(store.parent().expect("parent")).expect("sessions dir");
    let launcher = ScriptedLauncher::default();
    launcher.script().on_launch = first_events;
    launcher.script().pairing_code = "ABCD1234".into();
    let (sender, events) = tokio::sync::mpsc::unbounded_channel();
    let provider = NativeProvider::start(
        store.clone(),
        Arc::new(launcher.clone()),
        reqwest::Client::new(),
        Arc::new(ManualClock::new(1_761_060_000_000)),
        sender,
        launch,
    )
    .await
    .expect("start");
    Setup {
        provider,
        launcher,
        events,
        store,
        _dir: dir,
    }
}

async fn connected() -> Setup {
    let setup = setup(vec![qr("2@first")]).await;
    setup.launcher.link_as("Loja Exemplo", "5511900000001");
    setup
}

fn drain(events: &mut UnboundedReceiver<ProviderEvent>) -> Vec<ProviderEvent> {
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    seen
}

fn signals(events: &[ProviderEvent]) -> Vec<ConnectionSignal> {
    events
        .iter()
        .filter_map(|event| match event {
            ProviderEvent::Connection(report) => Some(report.signal),
            _ => None,
        })
        .collect()
}

fn offered(progress: LinkProgress) -> LinkOffer {
    match progress {
        LinkProgress::Offer(offer) => offer,
        other => panic!("expected a code to show, got {other:?}"),
    }
}

#[tokio::test]
async fn qr_codes_rotate_and_a_new_series_starts_after_they_run_out() {
    let mut setup = setup(vec![qr("2@first")]).await;
    let offer = offered(setup.provider.link(None).await.expect("link"));
    assert_eq!(offer.qr_code.as_deref(), Some("2@first"));

    setup.launcher.emit(qr("2@second"));
    assert_eq!(
        setup.provider.connection().await.expect("state").signal,
        ConnectionSignal::QrShown
    );
    assert_eq!(
        offered(setup.provider.link(None).await.expect("link"))
            .qr_code
            .as_deref(),
        Some("2@second")
    );
    let offers: Vec<_> = drain(&mut setup.events)
        .into_iter()
        .filter_map(|event| match event {
            ProviderEvent::LinkOffered(offer) => offer.qr_code,
            _ => None,
        })
        .collect();
    assert_eq!(offers, ["2@first", "2@second"]);

    setup.launcher.emit(exhausted());
    assert_eq!(signals(&drain(&mut setup.events)), [ConnectionSignal::QrRefused]);
    assert_eq!(
        setup.provider.connection().await.expect("state").signal,
        ConnectionSignal::QrRefused
    );

    // "Try again": the old session is stopped and a new one offers a new series.
    setup.launcher.script().on_launch = vec![qr("2@new-series")];
    let offer = offered(setup.provider.link(None).await.expect("link again"));
    assert_eq!(offer.qr_code.as_deref(), Some("2@new-series"));
    let script = setup.launcher.script();
    assert_eq!((script.launches, script.shutdowns), (2, 1));
    assert!(
        setup.store.exists(),
        "running out of codes does not touch the store"
    );
}

#[tokio::test]
async fn a_number_waiting_for_a_person_starts_its_client_only_when_asked() {
    let mut setup = setup_with(vec![qr("2@when-asked")], false).await;
    assert_eq!(setup.launcher.script().launches, 0);
    assert_eq!(
        setup.provider.connection().await.expect("state").signal,
        ConnectionSignal::Closed
    );
    assert!(
        drain(&mut setup.events).is_empty(),
        "no codes offered by themselves"
    );
    let offer = offered(setup.provider.link(None).await.expect("link"));
    assert_eq!(offer.qr_code.as_deref(), Some("2@when-asked"));
    assert_eq!(setup.launcher.script().launches, 1);
}

#[tokio::test]
async fn a_pairing_code_is_asked_for_the_number_given() {
    let setup = setup(Vec::new()).await;
    let phone = PhoneNumber::parse("+55 11 90000-0001", None).expect("phone");
    let offer = offered(setup.provider.link(Some(&phone)).await.expect("link"));
    assert_eq!(
        offer,
        LinkOffer {
            qr_code: None,
            pairing_code: Some("ABCD1234".into())
        }
    );
    assert_eq!(setup.launcher.script().pairing_requests, ["5511900000001"]);
}

#[tokio::test]
async fn linking_a_linked_number_is_refused_or_already_done() {
    let setup = connected().await;
    assert_eq!(
        setup.provider.link(None).await.expect("link"),
        LinkProgress::AlreadyConnected
    );
    setup.launcher.script().connected = false;
    assert!(matches!(
        setup.provider.link(None).await,
        Err(ProviderError::Rejected(_))
    ));
}

#[tokio::test]
async fn the_client_reports_map_onto_switchboard_states() {
    let mut setup = connected().await;
    let events = drain(&mut setup.events);
    let Some(ProviderEvent::Connection(open)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(open.signal, ConnectionSignal::Open);
    assert_eq!(open.profile_name.as_deref(), Some("Loja Exemplo"));
    assert_eq!(
        open.phone.as_ref().map(|p| p.digits().to_owned()).as_deref(),
        Some("5511900000001")
    );
    assert_eq!(
        setup.provider.connection().await.expect("state").signal,
        ConnectionSignal::Open
    );

    let disconnected = Event::Disconnected(
        wa_events::Disconnected::builder()
            .reason(whatsapp_rust::transport::DisconnectReason::StreamEnded)
            .build(),
    );
    for (event, expected) in [
        (disconnected, ConnectionSignal::Connecting),
        (
            Event::StreamReplaced(wa_events::StreamReplaced::builder().build()),
            ConnectionSignal::Replaced,
        ),
        (
            Event::TemporaryBan(
                wa_events::TemporaryBan::builder()
                    .code(wa_events::TempBanReason::BlockedByUsers)
                    .expire(whatsapp_rust::wacore::chrono::Duration::minutes(30))
                    .build(),
            ),
            ConnectionSignal::Suspended,
        ),
    ] {
        setup.launcher.emit(event);
        assert_eq!(signals(&drain(&mut setup.events)), [expected]);
        assert_eq!(setup.provider.connection().await.expect("state").signal, expected);
    }
}

fn message(to: &str, content: OutgoingContent, media_bytes: Option<Vec<u8>>) -> OutgoingMessage {
    OutgoingMessage {
        id: uuid::Uuid::new_v4().to_string(),
        to: Jid::parse(to).expect("jid"),
        content,
        media_bytes,
    }
}

const MARIA: &str = "5511900000002@s.whatsapp.net";

#[tokio::test]
async fn every_message_type_goes_out_as_its_own_wire_message() {
    let setup = connected().await;
    let text = OutgoingContent::Text {
        text: "Olá Maria!".into(),
        quoted: None,
    };
    let text = message(MARIA, text, None);
    assert_eq!(
        setup
            .provider
            .send(&text)
            .await
            .expect("text")
            .provider_message_id,
        switchboard_engine::provider::native::wire_message_id(&text.id),
        "the id WhatsApp answers is the one it was sent under"
    );
    let place = OutgoingContent::Location {
        latitude: -23.5505,
        longitude: -46.6333,
        name: Some("Loja Centro".into()),
        address: None,
    };
    setup
        .provider
        .send(&message(MARIA, place, None))
        .await
        .expect("location");
    let card = OutgoingContent::Contact {
        full_name: "Maria Souza".into(),
        phone: "5511900000002".into(),
        organization: None,
        email: Some("maria@example.com".into()),
    };
    setup
        .provider
        .send(&message(MARIA, card, None))
        .await
        .expect("contact");
    let photo = OutgoingContent::Media {
        kind: MediaKind::Image,
        source: MediaSource::File {
            path: "/tmp/cardapio.png".into(),
        },
        mime: "image/png".into(),
        file_name: Some("cardapio.png".into()),
        caption: Some("Cardápio".into()),
    };
    setup
        .provider
        .send(&message(MARIA, photo, Some(vec![0x89; 2048])))
        .await
        .expect("image");

    let script = setup.launcher.script();
    assert_eq!(script.uploads, [(2048, MediaKind::Image)]);
    let sent: Vec<_> = script.sent.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(sent, [MARIA; 4]);
    let [(_, text), (_, place), (_, card), (_, photo)] = &script.sent[..] else {
        panic!("four messages")
    };
    assert_eq!(text.conversation.as_deref(), Some("Olá Maria!"));
    assert_eq!(
        place
            .location_message
            .as_option()
            .and_then(|l| l.degrees_latitude),
        Some(-23.5505)
    );
    let vcard = card
        .contact_message
        .as_option()
        .and_then(|c| c.vcard.clone())
        .expect("vcard");
    assert!(
        vcard.contains("waid=5511900000002") && vcard.contains("EMAIL:maria@example.com"),
        "{vcard}"
    );
    let image = photo.image_message.as_option().expect("image");
    assert_eq!(
        (image.caption.as_deref(), image.file_length),
        (Some("Cardápio"), Some(2048))
    );
}

/// A send whose answer was lost is tried again under the same wire id, which WhatsApp
/// de-duplicates: the customer sees one message.
#[tokio::test]
async fn every_attempt_at_one_message_carries_the_same_wire_id() {
    let setup = connected().await;
    let text = OutgoingContent::Text {
        text: "Seu pedido saiu".into(),
        quoted: None,
    };
    let first = message(MARIA, text.clone(), None);
    let other = message(MARIA, text, None);
    for attempt in [&first, &first, &other] {
        setup.provider.send(attempt).await.expect("sent");
    }
    let ids = setup.launcher.script().sent_ids.clone();
    assert_eq!(ids[0], ids[1], "the same message, the same id");
    assert_ne!(ids[0], ids[2], "another message, another id");
    assert!(ids[0].starts_with("3EB0") && ids[0].len() == 22, "{}", ids[0]);
    assert!(setup.provider.repeats_are_harmless());
}

#[tokio::test]
async fn group_messages_go_to_the_group_address() {
    let setup = connected().await;
    let text = OutgoingContent::Text {
        text: "Bom dia, equipe".into(),
        quoted: None,
    };
    setup
        .provider
        .send(&message("120363025246125486@g.us", text, None))
        .await
        .expect("group text");
    assert_eq!(setup.launcher.script().sent[0].0, "120363025246125486@g.us");
}

#[tokio::test]
async fn media_given_by_url_is_fetched_within_its_size_limit() {
    let app = axum::Router::new()
        .route("/photo.jpg", axum::routing::get(|| async { vec![0xFF_u8; 4096] }))
        .route(
            "/huge.jpg",
            axum::routing::get(|| async { vec![0_u8; 6 * 1_048_576] }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let setup = connected().await;
    let photo = |path: &str| OutgoingContent::Media {
        kind: MediaKind::Image,
        source: MediaSource::Url {
            url: format!("{base}{path}"),
        },
        mime: "image/jpeg".into(),
        file_name: None,
        caption: None,
    };
    setup
        .provider
        .send(&message(MARIA, photo("/photo.jpg"), None))
        .await
        .expect("fetched and sent");
    let too_big = setup
        .provider
        .send(&message(MARIA, photo("/huge.jpg"), None))
        .await;
    assert!(
        matches!(too_big, Err(ProviderError::Rejected(ref why)) if why.contains("larger than")),
        "{too_big:?}"
    );
    let missing = setup
        .provider
        .send(&message(MARIA, photo("/nothing.jpg"), None))
        .await;
    assert!(matches!(missing, Err(ProviderError::Rejected(_))), "{missing:?}");
    assert_eq!(setup.launcher.script().uploads, [(4096, MediaKind::Image)]);
}

#[tokio::test]
async fn nothing_is_sent_while_the_number_is_not_connected() {
    let setup = setup(vec![qr("2@first")]).await;
    let text = OutgoingContent::Text {
        text: "Olá".into(),
        quoted: None,
    };
    assert_eq!(
        setup.provider.send(&message(MARIA, text, None)).await,
        Err(ProviderError::NotConnected)
    );
    assert!(setup.launcher.script().sent.is_empty());
    assert_eq!(setup.provider.groups().await, Err(ProviderError::NotConnected));
}

fn session_files(store: &std::path::Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", store.display())))
        .collect()
}

#[tokio::test]
async fn logout_unlinks_and_wipes_the_stored_keys() {
    let setup = connected().await;
    for file in session_files(&setup.store) {
        std::fs::write(&file, b"identity keys").expect("session file");
    }
    setup.provider.logout().await.expect("logout");
    let calls = {
        let script = setup.launcher.script();
        (script.logouts, script.shutdowns)
    };
    assert_eq!(calls, (1, 1), "logged out, then stopped");
    for file in session_files(&setup.store) {
        assert!(!file.exists(), "{} survived the logout", file.display());
    }
    assert_eq!(
        setup.provider.connection().await.expect("state").signal,
        ConnectionSignal::LoggedOut
    );

    // Linking again starts an unlinked device with a new QR series.
    setup.launcher.script().on_launch = vec![qr("2@again")];
    let offer = offered(setup.provider.link(None).await.expect("link"));
    assert_eq!(offer.qr_code.as_deref(), Some("2@again"));
    assert!(!setup.launcher.script().logged_in);
}

#[tokio::test]
async fn after_the_phone_unlinks_this_computer_the_old_keys_are_wiped_before_linking_again() {
    let setup = connected().await;
    std::fs::write(format!("{}-wal", setup.store.display()), b"stale").expect("wal");
    setup.launcher.emit(Event::LoggedOut(
        wa_events::LoggedOut::builder()
            .on_connect(false)
            .reason(wa_events::ConnectFailureReason::LoggedOut)
            .build(),
    ));
    assert_eq!(
        setup.provider.connection().await.expect("state").signal,
        ConnectionSignal::LoggedOut
    );
    setup.launcher.script().on_launch = vec![qr("2@relink")];
    let offer = offered(setup.provider.link(None).await.expect("link"));
    assert_eq!(offer.qr_code.as_deref(), Some("2@relink"));
    assert!(!PathBuf::from(format!("{}-wal", setup.store.display())).exists());
    assert!(
        !setup.launcher.script().logged_in,
        "the relaunched device starts unlinked"
    );
}

#[tokio::test]
async fn delete_stops_the_client_and_removes_its_store() {
    let setup = connected().await;
    setup.provider.delete().await.expect("delete");
    assert_eq!(setup.launcher.script().shutdowns, 1);
    assert!(!setup.store.exists());
}

#[tokio::test]
async fn the_profile_is_read_and_changed_through_the_client() {
    let setup = connected().await;
    let own = PhoneNumber::from_international_digits("5511900000001").expect("own");
    let profile = setup.provider.profile(&own).await.expect("profile");
    assert_eq!(profile.name.as_deref(), Some("Loja Exemplo"));
    assert_eq!((profile.about, profile.picture_url), (None, None));

    setup
        .provider
        .set_profile_name("Loja Centro")
        .await
        .expect("name");
    setup
        .provider
        .set_profile_about("Atendimento 9h–18h")
        .await
        .expect("about");
    setup
        .provider
        .set_profile_picture(Some(&[0xFF, 0xD8, 0xFF]))
        .await
        .expect("picture");
    let profile = setup.provider.profile(&own).await.expect("profile");
    assert_eq!(profile.name.as_deref(), Some("Loja Centro"));
    assert_eq!(profile.about.as_deref(), Some("Atendimento 9h–18h"));
    assert!(profile.picture_url.is_some());
    assert_eq!(
        setup.launcher.script().picture.as_deref(),
        Some(&[0xFF, 0xD8, 0xFF][..])
    );

    setup.provider.set_profile_picture(None).await.expect("removed");
    assert_eq!(setup.launcher.script().picture, None);
}

#[tokio::test]
async fn the_profile_waits_for_a_connection() {
    let setup = setup(vec![qr("2@first")]).await;
    let own = PhoneNumber::from_international_digits("5511900000001").expect("own");
    assert_eq!(
        setup.provider.profile(&own).await,
        Err(ProviderError::NotConnected)
    );
    assert_eq!(
        setup.provider.set_profile_name("Loja").await,
        Err(ProviderError::NotConnected)
    );
}
