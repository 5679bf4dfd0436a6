//! The SQLite store: opening the database (WAL, busy timeout, foreign keys), running the
//! forward-only migrations, and the queries, one module per table group. Every query is checked at
//! compile time against the migrations (offline data in `.sqlx/`).

mod accepts;
mod api;
mod auto_replies;
mod campaigns;
mod changes;
mod conversations;
mod guard;
mod instances;
mod messages;
mod number_checks;
mod settings;
mod templates;
mod upkeep;

pub use api::{ApiKey, Delivery, MessageEvent, Subscription};
pub use auto_replies::{AutoReply, AutoReplyRule, BusinessHours, OpenHours, ReplyMedia, ReplyTrigger};
pub use campaigns::{Campaign, CampaignState, NewCampaign};
pub use changes::{Change, UnreportedChanges};
pub use conversations::{Contact, ContactFilter, ContactUpdate, Conversation, ConversationFilter, Label};
pub use guard::{Guard, GuardRules, PushBackSignal, SendingPause, WarmUp};
pub use instances::{Instance, StatusChange};
pub use messages::{
    Claimed, EarlierText, LimitedAccept, Message, MessageFilter, NewInbound, NewOutbound, ReceiptOutcome,
    SHORT_SEARCH_SCAN,
};
pub use number_checks::{NumberCheck, SKIPPED_NOT_ON_WHATSAPP};
pub use upkeep::{DailyStats, Pacing};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the database holds a value this version does not understand: {0}")]
    Corrupt(String),
    /// A batch of accepts could not be committed; none of it was written.
    #[error("accepts not committed: {0}")]
    Commit(String),
}

impl StoreError {
    /// Whether a row referred to one that does not exist (e.g. a message for an unknown instance).
    pub fn is_missing_parent(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
    }

    /// Whether a row would have repeated a value that must be unique (e.g. a label's name).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// The database. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Accepts go through one writer that commits them in groups (see `accepts`).
    accepts: accepts::AcceptQueue,
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        Self::connect(options, 8).await
    }

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<Self, StoreError> {
        // One connection: every connection to ":memory:" would be a different database.
        Self::connect(SqliteConnectOptions::from_str("sqlite::memory:")?, 1).await
    }

    async fn connect(options: SqliteConnectOptions, max_connections: u32) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable in WAL mode except against power loss, and much faster than FULL.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let accepts = accepts::AcceptQueue::start(pool.clone());
        Ok(Self { pool, accepts })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A transaction that takes the write lock at once. A deferred one that reads first cannot
    /// upgrade once another connection has written in WAL mode (SQLITE_BUSY_SNAPSHOT, with no
    /// wait); taking the lock up front lets the busy timeout queue writers instead.
    pub(crate) async fn write_transaction(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Milliseconds since the Unix epoch, the unit of every time column.
pub type Millis = i64;
