//! Evolution's socket.io event stream: the server emits the same events as its webhooks (the same
//! envelope, less `destination`) over a connection this computer opens, so they reach a desktop
//! the server cannot call. The server must run with `WEBSOCKET_ENABLED=true`; each instance is
//! switched on with `websocket/set` (an explicit, upper-case event list) and has its own
//! namespace, `/{instance}`, opened with the instance's `apikey`.

use super::{webhook, Api, WEBHOOK_EVENTS};
use crate::provider::{EventFeed, ProviderError};
use futures_util::FutureExt;
use reqwest::Method;
use rust_socketio::asynchronous::{Client, ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long the server has to admit the namespace once the connection is up.
const ADMIT_WAIT: Duration = Duration::from_secs(5);
/// The client's own reconnect pauses (milliseconds), growing from the first to the second.
const RECONNECT_DELAY: (u64, u64) = (1_000, 30_000);

#[derive(Debug, Clone, PartialEq, Eq)]
enum StreamState {
    Opening,
    Live,
    Down(String),
}

/// One instance's stream, once opened.
#[derive(Default)]
pub(super) struct EventStream {
    open: Mutex<Option<OpenStream>>,
}

struct OpenStream {
    client: Client,
    state: watch::Receiver<StreamState>,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        let client = self.client.clone();
        // Without a runtime (the process is ending) the connection goes with it anyway.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = client.disconnect().await;
            });
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EventStream {
    pub(super) fn is_live(&self) -> bool {
        lock(&self.open)
            .as_ref()
            .is_some_and(|open| *open.state.borrow() == StreamState::Live)
    }

    /// Switches the instance's stream on at the server and connects to it. `Ok(false)`: the
    /// server has streams turned off. A stream already live is kept.
    pub(super) async fn open(
        &self,
        api: &Api,
        path: &str,
        name: &str,
        key: &str,
        feed: EventFeed,
    ) -> Result<bool, ProviderError> {
        if self.is_live() {
            return Ok(true);
        }
        let body = serde_json::json!({ "websocket": { "enabled": true, "events": WEBHOOK_EVENTS } });
        let answer = api.raw(Method::POST, path, key, Some(&body)).await?;
        // A server started without WEBSOCKET_ENABLED answers the set call with an empty body.
        if answer.iter().all(u8::is_ascii_whitespace) {
            lock(&self.open).take();
            return Ok(false);
        }
        let address = api
            .base
            .join("socket.io/")
            .map_err(|e| ProviderError::Protocol(e.to_string()))?;
        let (state, watching) = watch::channel(StreamState::Opening);
        let state = Arc::new(state);
        let on_connect = state.clone();
        let on_close = state.clone();
        let on_reconnect = state.clone();
        let on_error = state;
        let client = ClientBuilder::new(address.as_str())
            .namespace(format!("/{name}"))
            // The header rather than the `apikey` query the server also reads: a URL ends up in
            // error messages and logs.
            .opening_header("apikey", key)
            .reconnect(true)
            .reconnect_on_disconnect(true)
            .reconnect_delay(RECONNECT_DELAY.0, RECONNECT_DELAY.1)
            .on(Event::Connect, move |_, _| {
                on_connect.send_replace(StreamState::Live);
                async {}.boxed()
            })
            .on(Event::Close, move |_, _| {
                on_close.send_replace(StreamState::Down("the server closed the stream".into()));
                async {}.boxed()
            })
            // The connection ended without a word (a server restart, a network drop): the client
            // is about to try again.
            .on_reconnect(move || {
                on_reconnect.send_replace(StreamState::Down("reconnecting".into()));
                async { ReconnectSettings::new() }.boxed()
            })
            .on(Event::Error, move |payload, _| {
                on_error.send_replace(StreamState::Down(payload_text(&payload)));
                async {}.boxed()
            })
            .on_any(move |_event, payload, _| {
                deliver(&feed, payload);
                async {}.boxed()
            })
            .connect()
            .await
            .map_err(|e| {
                ProviderError::Unreachable(format!("event stream: {}", e.to_string().replace(key, "…")))
            })?;
        let opened = OpenStream {
            client,
            state: watching.clone(),
        };
        let mut watching = watching;
        let admitted = tokio::time::timeout(
            ADMIT_WAIT,
            watching.wait_for(|state| *state != StreamState::Opening),
        )
        .await;
        let outcome = match admitted {
            Ok(Ok(state)) => state.clone(),
            Ok(Err(_)) => StreamState::Down("the stream ended".into()),
            Err(_) => return Err(ProviderError::TimedOut("opening the event stream")),
        };
        match outcome {
            StreamState::Live => {
                *lock(&self.open) = Some(opened);
                Ok(true)
            }
            StreamState::Down(reason) => Err(ProviderError::Rejected(format!(
                "the event stream was refused: {}",
                reason.replace(key, "…")
            ))),
            StreamState::Opening => Err(ProviderError::TimedOut("opening the event stream")),
        }
    }
}

fn payload_text(payload: &Payload) -> String {
    match payload {
        Payload::Text(values) => values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" "),
        #[allow(deprecated)]
        Payload::String(text) => text.clone(),
        Payload::Binary(_) => "binary payload".into(),
    }
}

/// Each envelope the stream carries, parsed as a webhook body is.
fn deliver(feed: &EventFeed, payload: Payload) {
    let Payload::Text(values) = payload else {
        return;
    };
    for envelope in values.into_iter().filter(Value::is_object) {
        match webhook::parse_value(envelope, feed.now()) {
            Ok(events) => {
                for event in events {
                    feed.deliver(event);
                }
            }
            Err(error) => tracing::debug!(%error, "stream event not understood"),
        }
    }
}
