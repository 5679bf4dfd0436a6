//! Group commit for accepts. One writer takes the accepts waiting at that moment (at most
//! `MAX_BATCH`, never waiting for more: a lone accept is written at once, in its own implicit
//! transaction), writes them in one transaction, and answers each caller only once that
//! transaction is committed, so nothing is "accepted" before it is on disk. Inside the batch each
//! accept is checked as it would be alone: its idempotency key and its source's daily limit see the
//! accepts before it (one writer: no other accept can come between the count and the insert). An
//! accept writes one row with one statement, and SQLite undoes a failed statement alone, so one bad
//! accept never fails its neighbours.

use super::messages::{insert_outbound_row, message_on, LimitedAccept, NewOutbound};
use super::{Millis, StoreError};
use crate::domain::{InstanceId, MessageKind};
use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

/// Accepts written per transaction, at most.
const MAX_BATCH: usize = 256;

/// `NewOutbound` with its own data, to travel to the writer.
pub(super) struct OwnedOutbound {
    instance_id: InstanceId,
    chat_jid: String,
    contact: String,
    kind: MessageKind,
    body: Option<String>,
    payload: Option<String>,
    scheduled_at: Option<Millis>,
    source: String,
    idempotency_key: Option<String>,
    campaign_id: Option<String>,
    now: Millis,
    quoted_id: Option<String>,
}

impl From<&NewOutbound<'_>> for OwnedOutbound {
    fn from(new: &NewOutbound<'_>) -> Self {
        Self {
            instance_id: new.instance_id.clone(),
            chat_jid: new.chat_jid.to_owned(),
            contact: new.contact.to_owned(),
            kind: new.kind,
            body: new.body.map(str::to_owned),
            payload: new.payload.map(str::to_owned),
            scheduled_at: new.scheduled_at,
            source: new.source.to_owned(),
            idempotency_key: new.idempotency_key.map(str::to_owned),
            campaign_id: new.campaign_id.map(str::to_owned),
            now: new.now,
            quoted_id: new.quoted_id.map(str::to_owned),
        }
    }
}

impl OwnedOutbound {
    fn borrowed(&self) -> NewOutbound<'_> {
        NewOutbound {
            instance_id: &self.instance_id,
            chat_jid: &self.chat_jid,
            contact: &self.contact,
            kind: self.kind,
            body: self.body.as_deref(),
            payload: self.payload.as_deref(),
            scheduled_at: self.scheduled_at,
            source: &self.source,
            idempotency_key: self.idempotency_key.as_deref(),
            campaign_id: self.campaign_id.as_deref(),
            now: self.now,
            quoted_id: self.quoted_id.as_deref(),
        }
    }
}

struct Job {
    new: OwnedOutbound,
    /// At most this many accepts of the source since this time.
    limit: Option<(i64, Millis)>,
    reply: oneshot::Sender<Result<LimitedAccept, StoreError>>,
}

/// The way to the writer. Cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct AcceptQueue {
    jobs: mpsc::UnboundedSender<Job>,
}

impl AcceptQueue {
    /// Starts the writer on the current runtime; it ends when the last queue handle is dropped.
    pub(super) fn start(pool: SqlitePool) -> Self {
        let (jobs, waiting) = mpsc::unbounded_channel();
        tokio::spawn(writer(pool, waiting));
        Self { jobs }
    }

    /// Accepts one message; answers once it is committed (or refused).
    pub(super) async fn accept(
        &self,
        new: &NewOutbound<'_>,
        limit: Option<(i64, Millis)>,
    ) -> Result<LimitedAccept, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            new: new.into(),
            limit,
            reply,
        };
        let stopped = || StoreError::Commit("the database writer has stopped".into());
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn writer(pool: SqlitePool, mut waiting: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = waiting.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        write_batch(&pool, batch).await;
    }
}

async fn write_batch(pool: &SqlitePool, batch: Vec<Job>) {
    let (jobs, replies): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|job| ((job.new, job.limit), job.reply))
        .unzip();
    match write_all(pool, &jobs).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                // A caller that stopped waiting still has its message on disk.
                let _ = reply.send(outcome);
            }
        }
        Err(error) => {
            tracing::error!(%error, accepts = replies.len(), "accepts not committed");
            let reason = error.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::Commit(reason.clone())));
            }
        }
    }
}

/// Every accept of the batch, then one commit; the outcomes are handed out only after it. A lone
/// accept needs no transaction of its own: its one write commits by itself.
async fn write_all(
    pool: &SqlitePool,
    jobs: &[(OwnedOutbound, Option<(i64, Millis)>)],
) -> Result<Vec<Result<LimitedAccept, StoreError>>, StoreError> {
    if let [(new, limit)] = jobs {
        let mut connection = pool.acquire().await?;
        return Ok(vec![accept_one(&mut connection, &new.borrowed(), *limit).await]);
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (new, limit) in jobs {
        outcomes.push(accept_one(&mut tx, &new.borrowed(), *limit).await);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One accept, as if alone: a repeat of an idempotency key returns the first message whatever
/// the limit; otherwise the limit is checked, then the row written.
async fn accept_one(
    connection: &mut sqlx::SqliteConnection,
    new: &NewOutbound<'_>,
    limit: Option<(i64, Millis)>,
) -> Result<LimitedAccept, StoreError> {
    if let Some((limit, since)) = limit {
        if let Some(first) = repeat_of(connection, new).await? {
            return Ok(LimitedAccept::Repeated(first));
        }
        let used = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!: i64" FROM messages WHERE source = ? AND created_at >= ?"#,
            new.source,
            since
        )
        .fetch_one(&mut *connection)
        .await?;
        if used >= limit {
            return Ok(LimitedAccept::OverLimit);
        }
    }
    // Without a limit the insert comes first: a used key makes it write nothing.
    match insert_outbound_row(&mut *connection, new).await? {
        Some(row) => Ok(LimitedAccept::Created(row.try_into()?)),
        None => match repeat_of(connection, new).await? {
            Some(first) => Ok(LimitedAccept::Repeated(first)),
            None => Err(StoreError::Corrupt("idempotent message vanished".into())),
        },
    }
}

async fn repeat_of(
    connection: &mut sqlx::SqliteConnection,
    new: &NewOutbound<'_>,
) -> Result<Option<crate::store::Message>, StoreError> {
    let Some(key) = new.idempotency_key else {
        return Ok(None);
    };
    let first = sqlx::query_scalar!(
        "SELECT id FROM messages WHERE source = ? AND idempotency_key = ?",
        new.source,
        key
    )
    .fetch_optional(&mut *connection)
    .await?;
    match first {
        Some(id) => message_on(&mut *connection, &id).await,
        None => Ok(None),
    }
}
