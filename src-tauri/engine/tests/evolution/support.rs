//! The harness: an engine on an in-memory database with a hand-moved clock, and a fake Evolution
//! server. Pacing stays on; `step` moves the clock past any wait, as time would.

use std::sync::Arc;
use switchboard_engine::clock::ManualClock;
use switchboard_engine::domain::{Direction, InstanceStatus, Jid, MessageKind, MessageStatus};
use switchboard_engine::events::RecordingSink;
use switchboard_engine::provider::{ProviderEvent, ReportedMessage};
use switchboard_engine::secrets::MemoryStore;
use switchboard_engine::store::{Instance, Message, Store};
use switchboard_engine::{
    AddInstanceRequest, ApiError, ComposeContent, Engine, EngineError, EngineOptions, NumberCheckStep,
    OutboxStep, ProviderSetup, SendRequest, Timeouts,
};
use switchboard_testkit::FakeEvolution;

pub const KEY: &str = "global-test-key";

pub struct Harness {
    pub engine: Engine,
    /// The engine's database, for checks only SQL can make.
    pub store: Store,
    pub fake: FakeEvolution,
    pub events: RecordingSink,
    pub clock: Arc<ManualClock>,
    pub media: tempfile::TempDir,
}

pub async fn harness() -> Harness {
    harness_with(Timeouts::default()).await
}

/// A harness whose provider calls give up after these limits (short ones for hanging servers).
pub async fn harness_with(timeouts: Timeouts) -> Harness {
    let fake = FakeEvolution::start(KEY).await;
    let events = RecordingSink::default();
    let store = Store::in_memory().await.expect("store");
    let media = tempfile::tempdir().expect("media dir");
    let clock = Arc::new(ManualClock::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_millis() as i64,
    ));
    let mut options = EngineOptions::new(
        store.clone(),
        Arc::new(MemoryStore::default()),
        Arc::new(events.clone()),
        media.path().to_path_buf(),
    );
    options.clock = clock.clone();
    options.timeouts = timeouts;
    // Whatever this machine's locale, tests start with no default country.
    options.system_locale = None;
    let engine = Engine::new(options).await.expect("engine");
    Harness {
        engine,
        store,
        fake,
        events,
        clock,
        media,
    }
}

pub fn evolution(url: &str, key: &str) -> AddInstanceRequest {
    AddInstanceRequest {
        display_name: "Loja Exemplo".into(),
        provider: ProviderSetup::Evolution {
            server_url: url.into(),
            api_key: key.into(),
        },
    }
}

pub fn text(instance: &Instance, to: &str, body: &str) -> SendRequest {
    content(
        instance,
        to,
        ComposeContent::Text {
            text: body.into(),
            reply_to: None,
        },
    )
}

pub fn content(instance: &Instance, to: &str, content: ComposeContent) -> SendRequest {
    SendRequest {
        instance_id: instance.id.clone(),
        to: to.into(),
        content,
        scheduled_at: None,
        idempotency_key: None,
        allow_repeat: false,
    }
}

pub fn api(error: EngineError) -> ApiError {
    ApiError::from(error)
}

impl Harness {
    pub fn now(&self) -> i64 {
        use switchboard_engine::clock::Clock;
        self.clock.now()
    }

    pub async fn add(&self) -> Instance {
        self.engine
            .add_instance(evolution(self.fake.url(), KEY))
            .await
            .expect("add instance")
    }

    pub async fn connected(&self) -> Instance {
        let instance = self.add().await;
        self.fake
            .open(&instance.remote_name, "Loja Exemplo", "5511900000001")
            .await;
        assert_eq!(
            self.engine.poll_instance(&instance.id).await.expect("poll"),
            InstanceStatus::Connected
        );
        instance
    }

    /// How many messages the log holds.
    pub async fn logged(&self) -> usize {
        let log = self.engine.list_messages(Default::default()).await.expect("log");
        log.len()
    }

    /// The instance's statuses, newest first.
    pub async fn history(&self, instance: &Instance) -> Vec<InstanceStatus> {
        let changes = self.engine.status_history(&instance.id).await.expect("history");
        changes.into_iter().map(|change| change.status).collect()
    }

    /// Sends the same greeting; tests of pacing and quotas send it several times on purpose, so
    /// it is not held as a repeat.
    pub async fn send(&self, instance: &Instance, to: &str) -> Message {
        let request = SendRequest {
            allow_repeat: true,
            ..text(instance, to, "Olá Maria!")
        };
        self.engine.send_message(request).await.expect("accepted")
    }

    /// One outbox step, moving the clock past pacing, schedule or retry waits.
    pub async fn step(&self, instance: &Instance) -> Message {
        for _ in 0..10 {
            match self.engine.outbox_step(&instance.id).await.expect("step") {
                OutboxStep::Processed(message) => return *message,
                OutboxStep::Wait { until } => self.clock.advance(until - self.now()),
                // A campaign's messages wait for their numbers to be checked: as the number's
                // check loop would, check the next batch.
                OutboxStep::Idle => match self.engine.number_check_step(&instance.id).await.expect("check") {
                    NumberCheckStep::Checked { .. } => {}
                    NumberCheckStep::Wait { until } => self.clock.advance(until - self.now()),
                    other => panic!("expected a message to go out, got nothing (number checks: {other:?})"),
                },
                other => panic!("expected a message to go out, got {other:?}"),
            }
        }
        panic!("the outbox kept waiting")
    }
}

pub fn jid(s: &str) -> Jid {
    Jid::parse(s).expect(s)
}

/// A message a customer wrote, as a provider reports it.
pub fn inbound(id: &str, chat: &str, alias: Option<&str>, body: &str, at: i64) -> ProviderEvent {
    ProviderEvent::Message(ReportedMessage {
        provider_message_id: id.into(),
        direction: Direction::Inbound,
        chat: jid(chat),
        contact: jid(chat),
        chat_alias: alias.map(jid),
        quoted_id: None,
        sender_name: Some("Maria Souza".into()),
        media_ref: None,
        kind: MessageKind::Text,
        body: Some(body.into()),
        status: MessageStatus::Received,
        at,
    })
}

impl Harness {
    pub async fn receive(&self, instance: &Instance, event: ProviderEvent) {
        self.engine
            .apply_event(&instance.id, event)
            .await
            .expect("inbound");
    }
}
