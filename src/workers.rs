//! Background workers under one owner: the outbox couriers, the LAPOR! and
//! mailbox pollers and the job scheduler run apart from the HTTP server,
//! each in its own task, supervised here.
//!
//! A worker that returns or panics while the service is running is logged
//! (`ERROR worker stopped unexpectedly`) and started again after a backoff
//! (1 s doubling to 60 s). If one worker has to be restarted more than
//! `ADUAN_WORKER_RESTART_LIMIT` times within ten minutes, something is
//! persistently wrong (reminders or LAPOR! follow-ups would silently stop),
//! so the supervisor reports it fatal and the process exits non-zero for
//! the orchestrator to restart and alert on (docs/adr/0011).
//!
//! Shutdown: the server drains first (see `startup`), then [`Workers::shutdown`]
//! cancels the token; every worker finishes the item in hand and returns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Restarts are counted over this window.
const WINDOW: Duration = Duration::from_secs(600);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

type MakeWorker = Arc<dyn Fn(CancellationToken) -> BoxFuture<'static, ()> + Send + Sync>;

/// The owner of every background worker.
pub struct Workers {
    token: CancellationToken,
    set: JoinSet<()>,
    restart_limit: u32,
    first_backoff: Duration,
    fatal_tx: tokio::sync::mpsc::UnboundedSender<&'static str>,
    fatal_rx: tokio::sync::mpsc::UnboundedReceiver<&'static str>,
}

impl Workers {
    pub fn new(restart_limit: u32) -> Self {
        let (fatal_tx, fatal_rx) = tokio::sync::mpsc::unbounded_channel();
        Workers {
            token: CancellationToken::new(),
            set: JoinSet::new(),
            restart_limit,
            first_backoff: FIRST_BACKOFF,
            fatal_tx,
            fatal_rx,
        }
    }

    /// Shorter backoff (tests).
    pub fn with_first_backoff(mut self, d: Duration) -> Self {
        self.first_backoff = d;
        self
    }

    /// Starts `make(token)` now and again whenever it stops before shutdown.
    /// The future should return soon after `token` is cancelled.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, make: F)
    where
        F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let make: MakeWorker = Arc::new(move |t| Box::pin(make(t)));
        let token = self.token.clone();
        let fatal = self.fatal_tx.clone();
        let limit = self.restart_limit;
        let first = self.first_backoff;
        self.set.spawn(async move {
            let mut restarts: Vec<tokio::time::Instant> = Vec::new();
            let mut backoff = first;
            loop {
                tracing::debug!(worker = name, "worker started");
                // its own task, so that a panic is caught here
                let run = tokio::spawn(make(token.child_token()));
                let result = run.await;
                if token.is_cancelled() {
                    tracing::debug!(worker = name, "worker stopped");
                    return;
                }
                let how = match &result {
                    Ok(()) => "returned".to_string(),
                    Err(e) if e.is_panic() => "panicked".to_string(),
                    Err(e) => e.to_string(),
                };
                let now = tokio::time::Instant::now();
                restarts.retain(|t| now.duration_since(*t) < WINDOW);
                restarts.push(now);
                if restarts.len() > limit as usize {
                    tracing::error!(
                        worker = name,
                        how,
                        restarts = restarts.len() - 1,
                        "worker keeps stopping: giving up, the service exits"
                    );
                    let _ = fatal.send(name);
                    return;
                }
                tracing::error!(
                    worker = name,
                    how,
                    retry_in_ms = backoff.as_millis() as u64,
                    "worker stopped unexpectedly; restarting"
                );
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = token.cancelled() => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
    }

    /// Resolves with the worker's name when one has failed for good.
    pub async fn fatal(&mut self) -> &'static str {
        match self.fatal_rx.recv().await {
            Some(name) => name,
            // cannot happen while `self` holds a sender; wait forever
            None => std::future::pending().await,
        }
    }

    /// Stops every worker and waits for them (at most `grace`).
    pub async fn shutdown(mut self, grace: Duration) {
        self.token.cancel();
        let all = async { while self.set.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("workers did not stop in time; aborting them");
            self.set.abort_all();
        }
    }
}

/// Runs `tick` every `every` (the first one interval after start) until `token` is cancelled.
pub async fn every<F, Fut>(every: Duration, token: CancellationToken, mut tick: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = token.cancelled() => return,
        }
        // an item in hand is finished before the token is looked at again
        tick().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Captures what the workers log.
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn capture() -> (Log, tracing::subscriber::DefaultGuard) {
        let log = Log::default();
        let l2 = log.clone();
        let sub = tracing_subscriber::fmt()
            .with_writer(move || l2.clone())
            .with_ansi(false)
            .finish();
        (log, tracing::subscriber::set_default(sub))
    }

    fn text(l: &Log) -> String {
        String::from_utf8_lossy(&l.0.lock().unwrap()).to_string()
    }

    #[tokio::test]
    async fn a_panicking_worker_is_logged_and_restarted() {
        let (log, _g) = capture();
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let mut w = Workers::new(5).with_first_backoff(Duration::from_millis(10));
        w.spawn("flaky", move |token| {
            let n = r.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    panic!("boom");
                }
                token.cancelled().await;
            }
        });
        for _ in 0..200 {
            if runs.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3, "two panics, then it runs");
        w.shutdown(Duration::from_secs(1)).await;
        let out = text(&log);
        assert_eq!(
            out.matches("worker stopped unexpectedly; restarting")
                .count(),
            2,
            "{out}"
        );
        assert!(
            out.contains("worker=\"flaky\"") || out.contains("worker=flaky"),
            "{out}"
        );
        assert!(out.contains("panicked"), "{out}");
    }

    #[tokio::test]
    async fn a_worker_that_keeps_dying_is_fatal() {
        let (log, _g) = capture();
        let mut w = Workers::new(2).with_first_backoff(Duration::from_millis(5));
        w.spawn("doomed", |_| async { panic!("always") });
        let name = tokio::time::timeout(Duration::from_secs(5), w.fatal())
            .await
            .expect("reported fatal");
        assert_eq!(name, "doomed");
        assert!(text(&log).contains("worker keeps stopping: giving up"));
        w.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn shutdown_stops_workers_in_order() {
        let stopped = Arc::new(AtomicU32::new(0));
        let mut w = Workers::new(5);
        for name in ["a", "b"] {
            let s = stopped.clone();
            w.spawn(name, move |token| {
                let s = s.clone();
                async move {
                    token.cancelled().await;
                    s.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        w.shutdown(Duration::from_secs(1)).await;
        assert_eq!(stopped.load(Ordering::SeqCst), 2);
    }
}
