use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::store::{AttachmentFiles, DynStore};

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
}

/// The gauge is recomputed at most this often, however often /metrics is scraped.
pub const STATUS_GAUGE_TTL: Duration = Duration::from_secs(15);

impl AppState {
    pub fn new(store: DynStore, settings: Arc<Settings>, metrics: PrometheusHandle) -> Self {
        AppState {
            files: AttachmentFiles::new(&settings.data_dir),
            public_limiter: RateLimiter::per_minute(settings.public_rate_limit_per_minute),
            store,
            settings,
            metrics,
            status_gauge_at: Mutex::new(None),
        }
    }
}
