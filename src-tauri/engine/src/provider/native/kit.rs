//! The native kind: a number added here needs nothing but a name, and its provider is an
//! in-process client whose session store lives in the app's data folder.

use super::session::Launcher;
use super::NativeProvider;
use crate::domain::{InstanceStatus, ProviderKind};
use crate::provider::kit::{KindTraits, KitContext, KitError, NewAccount, ProviderKit, Provisioned};
use crate::provider::{EventFeed, Provider};
use crate::store::Instance;
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;

/// The name a native account has "at its provider": there is only this computer.
const THIS_COMPUTER: &str = "this-computer";

pub struct NativeKit {
    launcher: Arc<dyn Launcher>,
    /// One session store per instance, `<id>.db`.
    sessions_dir: PathBuf,
}

impl NativeKit {
    pub fn new(launcher: Arc<dyn Launcher>, sessions_dir: PathBuf) -> Self {
        Self {
            launcher,
            sessions_dir,
        }
    }
}

#[async_trait]
impl ProviderKit for NativeKit {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Native
    }

    fn traits(&self) -> KindTraits {
        KindTraits {
            read_receipts: true,
            events_direct: true,
            reply_window: None,
            // Its events are direct; there is no log to fall back on.
            keeps_log: false,
            linked_device: true,
            checks_numbers: true,
        }
    }

    async fn provision(
        &self,
        _context: &KitContext,
        _account: NewAccount<'_>,
    ) -> Result<Provisioned, KitError> {
        Ok(Provisioned {
            remote_name: THIS_COMPUTER.into(),
            server_url: None,
            config: serde_json::json!({}),
            uses_webhook: false,
            status: InstanceStatus::Linking,
            profile_name: None,
            phone: None,
            secrets: Vec::new(),
            offer: None,
        })
    }

    /// The client starts at once unless the number waits for a person (to link it again, or to
    /// take it back from another device).
    async fn open(
        &self,
        context: &KitContext,
        instance: &Instance,
        feed: EventFeed,
    ) -> Result<Arc<dyn Provider>, KitError> {
        use InstanceStatus as S;
        let store = self.sessions_dir.join(format!("{}.db", instance.id));
        let launch = !matches!(instance.status, S::QrLimitReached | S::LoggedOut | S::Replaced);
        let provider = NativeProvider::start(
            store,
            self.launcher.clone(),
            context.http.clone(),
            context.clock.clone(),
            feed.sender(),
            launch,
        )
        .await?;
        Ok(Arc::new(provider))
    }
}
