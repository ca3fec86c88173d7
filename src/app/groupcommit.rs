//! Group commit for registrations (docs/adr/0027).
//!
//! Registrations that arrive together are written in ONE transaction: a
//! writer task takes whatever is queued when it is free (up to
//! [`MAX_BATCH`]), writes it with `create_complaints` and answers each
//! request only after that commit. [`WRITERS`] writers take turns: while
//! one batch waits for its WAL flush, the next is gathered and sent. Nothing waits on a timer: with one
//! request in flight the batch is that request (no added latency); under
//! load the batch is whatever arrived while the previous one committed —
//! the window is the previous commit's duration, a few milliseconds.
//!
//! Durability is the database's (`synchronous_commit` stays on): an answer
//! is sent after its commit returned. A batch that fails — a concurrent
//! request with the same idempotency key, a LAPOR! id or agency reference
//! seen meanwhile, a database error — is rolled back whole (its tracking
//! numbers with it: numbers stay gapless) and its registrations are written
//! one by one through `create_complaint`, which sorts out each duplicate:
//! one bad registration never fails the others.
//!
//! The writer runs in its own task, so a request that goes away (a client
//! that disconnects) never cancels a batch that holds other requests.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::domain::deadline::Deadline;
use crate::domain::{NewComplaint, TrackingPrefix};
use crate::store::{
    Actor, BatchError, CreateComplaint, CreateOutcome, DynStore, NewOutbox, StoreError,
};

/// At most this many registrations in one transaction.
pub const MAX_BATCH: usize = 64;
/// Writer tasks: while one batch commits (its WAL flush), the next one is
/// gathered and sent, and starts the moment the counter row is free.
pub const WRITERS: usize = 2;

/// A registration with everything it needs, owned (it crosses tasks).
#[derive(Debug)]
pub struct Registration {
    pub id: Uuid,
    pub complaint: NewComplaint,
    pub replay_code: String,
    pub access_digest: String,
    pub year: i32,
    pub now: DateTime<Utc>,
    pub actor: Actor,
    pub deadline: Deadline,
    pub outbox: Option<NewOutbox>,
    pub idempotency: Option<(String, String)>,
    pub source_key: Option<String>,
    pub intake: Option<serde_json::Value>,
}

impl Registration {
    /// The store's request, borrowing from this registration.
    pub fn as_create<'a>(&'a self, prefix: &'a TrackingPrefix) -> CreateComplaint<'a> {
        CreateComplaint {
            id: self.id,
            complaint: &self.complaint,
            replay_code: &self.replay_code,
            access_digest: &self.access_digest,
            prefix,
            year: self.year,
            now: self.now,
            actor: &self.actor,
            deadline: self.deadline,
            outbox: self.outbox.clone(),
            idempotency: self
                .idempotency
                .as_ref()
                .map(|(k, h)| (k.as_str(), h.as_str())),
            source_key: self.source_key.as_deref(),
            intake: self.intake.clone(),
        }
    }
}

struct Pending {
    registration: Registration,
    queued: std::time::Instant,
    done: oneshot::Sender<Result<CreateOutcome, StoreError>>,
}

/// The queue in front of the writer task (started with the first registration).
pub struct GroupCommit {
    queue: OnceLock<mpsc::UnboundedSender<Pending>>,
    /// Where the writers run: the runtime the application was made on (the
    /// service's multi-threaded one), not the HTTP worker that happens to
    /// take the first registration — so writing a batch never queues behind
    /// that worker's requests, nor they behind it.
    runtime: Option<tokio::runtime::Handle>,
}

impl Default for GroupCommit {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupCommit {
    /// A group commit whose writers run on the current runtime, if any.
    pub fn new() -> Self {
        GroupCommit {
            queue: OnceLock::new(),
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }

    /// Writes `registration` in the next group commit and returns its outcome
    /// once that commit is done.
    pub async fn register(
        &self,
        store: &DynStore,
        prefix: &TrackingPrefix,
        registration: Registration,
    ) -> Result<CreateOutcome, StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
            for _ in 0..WRITERS {
                let task = writer(store.clone(), prefix.clone(), rx.clone());
                match &self.runtime {
                    Some(rt) => drop(rt.spawn(task)),
                    None => drop(tokio::spawn(task)),
                }
            }
            tx
        });
        let (done, answer) = oneshot::channel();
        let pending = Pending {
            registration,
            queued: std::time::Instant::now(),
            done,
        };
        if let Err(mpsc::error::SendError(p)) = queue.send(pending) {
            // the writer is gone (its runtime ended): write it here
            return store
                .create_complaint(p.registration.as_create(prefix))
                .await;
        }
        answer
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
    }
}

type Queue = std::sync::Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>>;

/// A writer: takes a batch (the queue is its own meanwhile) and writes it,
/// until every sender is dropped.
async fn writer(store: DynStore, prefix: TrackingPrefix, queue: Queue) {
    loop {
        let batch = {
            let mut rx = queue.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            batch
        };
        metrics::histogram!("aduan_group_commit_size").record(batch.len() as f64);
        if let Some(first) = batch.first() {
            metrics::histogram!("aduan_group_commit_wait_seconds")
                .record(first.queued.elapsed().as_secs_f64());
        }
        write_batch(&store, &prefix, batch).await;
    }
}

async fn write_batch(store: &DynStore, prefix: &TrackingPrefix, batch: Vec<Pending>) {
    // recorded before the answers go out: whoever got one sees it counted
    let started = std::time::Instant::now();
    let written = || {
        metrics::histogram!("aduan_group_commit_write_seconds")
            .record(started.elapsed().as_secs_f64());
    };
    if batch.len() > 1 {
        let reqs: Vec<CreateComplaint<'_>> = batch
            .iter()
            .map(|p| p.registration.as_create(prefix))
            .collect();
        let outcome = store.create_complaints(&reqs).await;
        drop(reqs);
        match outcome {
            Ok(complaints) => {
                written();
                let mut complaints = complaints.into_iter();
                for p in batch {
                    // the requester may have gone: its complaint is kept
                    let _ = p
                        .done
                        .send(
                            complaints
                                .next()
                                .map(CreateOutcome::Created)
                                .ok_or_else(|| {
                                    StoreError::Corrupt("a group commit lost a registration".into())
                                }),
                        );
                }
                return;
            }
            Err(BatchError::Commit(e)) => {
                // whether the commit held is unknown: writing again could
                // duplicate; each request gets the error (as alone it would)
                tracing::warn!(error = %e, size = batch.len(), "group commit failed at commit");
                written();
                let shown = e.to_string();
                for p in batch {
                    let _ = p.done.send(Err(StoreError::Corrupt(format!(
                        "the commit of the registration failed: {shown}"
                    ))));
                }
                return;
            }
            Err(BatchError::RolledBack(e)) => {
                tracing::info!(error = %e, size = batch.len(),
                    "group commit rolled back; registering one by one");
                metrics::counter!("aduan_group_commit_fallbacks_total").increment(1);
            }
        }
    }
    let last = batch.len().saturating_sub(1);
    for (k, p) in batch.into_iter().enumerate() {
        let outcome = store
            .create_complaint(p.registration.as_create(prefix))
            .await;
        if k == last {
            written();
        }
        let _ = p.done.send(outcome);
    }
}
