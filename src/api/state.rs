use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::deadline::SlaPolicies;
use crate::store::{AttachmentFiles, DynStore, Store, StoreError, load_policy};

use super::ratelimit::RateLimiter;

/// Shared by every request.
pub struct AppState {
    pub store: DynStore,
    pub settings: Arc<Settings>,
    pub files: AttachmentFiles,
    pub public_limiter: RateLimiter,
    pub metrics: PrometheusHandle,
    /// When the complaints-by-status gauge was last refreshed.
    pub status_gauge_at: Mutex<Option<Instant>>,
    pub policy: PolicyCache,
    /// The SP4N-LAPOR! integration, when configured.
    pub lapor: Option<Arc<crate::intake::lapor::sync::LaporSync>>,
    pub email: Arc<crate::intake::email::EmailIntake>,
    /// The mailbox reader, when configured.
    pub imap: Option<Arc<crate::intake::email::imap::ImapPoller>>,
}

/// The calendar and SLA policies in force.
pub struct Policy {
    pub calendar: WorkingCalendar,
    pub sla: SlaPolicies,
}

/// Keeps the policy in memory; reloaded after a local change at once and
/// otherwise every `POLICY_TTL` (so a change made through another replica
/// applies here within that time).
#[derive(Default)]
pub struct PolicyCache {
    inner: tokio::sync::RwLock<Option<(Instant, Arc<Policy>)>>,
}

pub const POLICY_TTL: Duration = Duration::from_secs(30);

impl PolicyCache {
    pub async fn get(&self, store: &dyn Store) -> Result<Arc<Policy>, StoreError> {
        if let Some((at, p)) = self.inner.read().await.as_ref()
            && at.elapsed() < POLICY_TTL
        {
            return Ok(p.clone());
        }
        let mut slot = self.inner.write().await;
        if let Some((at, p)) = slot.as_ref()
            && at.elapsed() < POLICY_TTL
        {
            return Ok(p.clone());
        }
        let (calendar, sla) = load_policy(store).await?;
        let p = Arc::new(Policy { calendar, sla });
        *slot = Some((Instant::now(), p.clone()));
        Ok(p)
    }

    pub async fn invalidate(&self) {
        *self.inner.write().await = None;
    }
}

/// The gauge is recomputed at most this often, however often /metrics is scraped.
pub const STATUS_GAUGE_TTL: Duration = Duration::from_secs(15);

impl AppState {
    pub fn new(store: DynStore, settings: Arc<Settings>, metrics: PrometheusHandle) -> Self {
        AppState {
            email: Arc::new(crate::intake::email::EmailIntake::new(
                store.clone(),
                settings.clone(),
            )),
            imap: None,
            files: AttachmentFiles::new(&settings.data_dir),
            public_limiter: RateLimiter::per_minute(settings.public_rate_limit_per_minute),
            store,
            settings,
            metrics,
            status_gauge_at: Mutex::new(None),
            policy: PolicyCache::default(),
            lapor: None,
        }
    }
}
