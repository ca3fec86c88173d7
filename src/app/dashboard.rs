//! The dashboard's figures, counted live while that is cheap and from a
//! snapshot refreshed in the background once it is not.
//!
//! Counting by status and overdue complaints by holder is a scan of the open
//! complaints: a few milliseconds for an office with thousands, ~0.4 s with
//! a million. A page must answer within 100 ms, so each process keeps the
//! last figures with how long they took to count. While counting takes less
//! than [`LIVE_BELOW`], every view counts afresh (a small office sees each
//! registration at once); above it, views are served from the snapshot and
//! [`App::refresh_dashboard`] (a background worker, every [`REFRESH`])
//! counts anew, so the figures are at most a minute old and the page says
//! as of when. The lists the numbers link to are always live.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::RwLock;

use super::App;
use crate::store::{DashboardFigures, DashboardQuery, StoreError};

/// Counting faster than this is done on every view.
pub const LIVE_BELOW: Duration = Duration::from_millis(25);
/// How often the background worker counts when views use the snapshot.
pub const REFRESH: Duration = Duration::from_secs(60);
/// "Due this week": the deadline within this many days (the console's
/// `due=week` list uses the same).
pub const WEEK_DAYS: i64 = 7;
/// A LAPOR! follow-up is at risk when its deadline is within this many
/// working days (or passed).
pub const LAPOR_RISK_WORKING_DAYS: u32 = 2;

/// Figures counted at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub figures: DashboardFigures,
    /// The instant the figures were counted for.
    pub at: DateTime<Utc>,
    /// How long counting took.
    pub took: Duration,
    /// The end of "due this week".
    pub soon_before: DateTime<Utc>,
    /// LAPOR! follow-ups due before this are at risk.
    pub lapor_before: DateTime<Utc>,
}

impl Snapshot {
    /// Served from the cache rather than counted for this view.
    pub fn is_cached(&self, now: DateTime<Utc>) -> bool {
        now - self.at > chrono::Duration::seconds(1)
    }
}

/// The last figures of this process, and one count at a time: when the
/// figures are slow to count (seconds at ten million complaints) the views
/// that find no usable snapshot — every view just after a start — wait for
/// the one count under way instead of each starting its own (fifty views
/// at once held every connection of the pool for seconds and the rest of
/// the console answered 503).
#[derive(Default)]
pub struct DashboardCache {
    latest: RwLock<Option<Arc<Snapshot>>>,
    counting: tokio::sync::Mutex<()>,
    /// Counts made so far (a waiting view uses a count finished meanwhile).
    counted: std::sync::atomic::AtomicU64,
}

impl App {
    /// The dashboard's figures for `now`: counted now if that is cheap
    /// (or nothing was counted yet), else the latest snapshot.
    pub async fn dashboard(&self, now: DateTime<Utc>) -> Result<Arc<Snapshot>, StoreError> {
        if let Some(s) = self.dashboard.latest.read().await.clone()
            && s.took >= LIVE_BELOW
            && now - s.at < chrono::Duration::from_std(REFRESH * 3).unwrap_or_default()
        {
            return Ok(s);
        }
        self.count_dashboard(now).await
    }

    /// Counts anew if views are served from the snapshot (the background
    /// worker's step; a small office's views count for themselves, and
    /// before any view there is nothing to refresh).
    pub async fn refresh_dashboard(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let slow = match self.dashboard.latest.read().await.as_ref() {
            Some(s) => s.took >= LIVE_BELOW,
            None => false,
        };
        if slow {
            self.count_dashboard(now).await?;
        }
        Ok(())
    }

    /// Runs [`App::refresh_dashboard`] every [`REFRESH`] until cancelled.
    pub async fn dashboard_worker(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        // not at start: a first count on a cold pool and cache is slow even
        // for an empty office and would make its views use a snapshot; the
        // first view counts (and measures) itself
        loop {
            tokio::select! {
                () = token.cancelled() => return,
                () = tokio::time::sleep(REFRESH) => {}
            }
            if let Err(e) = self.refresh_dashboard(Utc::now()).await {
                tracing::warn!(error = %e, "dashboard figures not counted");
            }
        }
    }

    async fn count_dashboard(&self, now: DateTime<Utc>) -> Result<Arc<Snapshot>, StoreError> {
        use std::sync::atomic::Ordering;
        let seen = self.dashboard.counted.load(Ordering::Acquire);
        let _one_at_a_time = self.dashboard.counting.lock().await;
        if self.dashboard.counted.load(Ordering::Acquire) != seen
            && let Some(s) = self.dashboard.latest.read().await.clone()
        {
            // counted while this one waited: as fresh as a count of its own
            return Ok(s);
        }
        let policy = self.policy().await?;
        let tz = self.tz();
        let soon_before = now + chrono::Duration::days(WEEK_DAYS);
        let lapor_before = policy.calendar.deadline(now, LAPOR_RISK_WORKING_DAYS, tz).1;
        let started = Instant::now();
        let figures = self
            .store
            .dashboard_figures(&DashboardQuery {
                now,
                soon_before,
                lapor_before,
            })
            .await?;
        let snapshot = Arc::new(Snapshot {
            figures,
            at: now,
            took: started.elapsed(),
            soon_before,
            lapor_before,
        });
        *self.dashboard.latest.write().await = Some(snapshot.clone());
        self.dashboard.counted.fetch_add(1, Ordering::Release);
        Ok(snapshot)
    }
}
