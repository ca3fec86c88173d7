use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Mutex;

use crate::app::App;
use crate::config::Settings;
use crate::store::DynStore;

use super::ratelimit::RateLimiter;

/// Shared by every request.
pub struct AppState {
    /// Every state change goes through here.
    pub app: Arc<App>,
    /// For reads (handlers may read through the store).
    pub store: DynStore,
    pub settings: Arc<Settings>,
    pub public_limiter: RateLimiter,
    /// Web complaint forms per client address (`ADUAN_WEB_FORM_PER_HOUR`).
    pub web_form_limiter: RateLimiter,
    pub visit_form_limiter: RateLimiter,
    /// Guest-book visits per visitor's device (its cookie), except the
    /// office's own tablets.
    pub visit_device_limiter: RateLimiter<String>,
    pub metrics: PrometheusHandle,
    /// When the complaints-by-status gauge was last refreshed.
    pub status_gauge_at: Mutex<Option<Instant>>,
    /// The SP4N-LAPOR! integration, when configured.
    pub lapor: Option<Arc<crate::intake::lapor::sync::LaporSync>>,
    pub email: Arc<crate::intake::email::EmailIntake>,
    /// The mailbox reader, when configured.
    pub imap: Option<Arc<crate::intake::email::imap::ImapPoller>>,
}

/// The gauge is recomputed at most this often, however often /metrics is scraped.
pub const STATUS_GAUGE_TTL: Duration = Duration::from_secs(15);

impl AppState {
    pub fn new(app: Arc<App>, metrics: PrometheusHandle) -> Self {
        AppState {
            email: Arc::new(crate::intake::email::EmailIntake::new(app.clone())),
            imap: None,
            public_limiter: RateLimiter::per_minute(app.settings.public_rate_limit_per_minute),
            web_form_limiter: RateLimiter::per_hour(app.settings.web_form_per_hour),
            visit_form_limiter: RateLimiter::per_hour(app.settings.visit_form_per_hour),
            visit_device_limiter: RateLimiter::per_hour(
                crate::domain::visit::VISITS_PER_DEVICE_HOUR,
            ),
            store: app.store.clone(),
            settings: app.settings.clone(),
            app,
            metrics,
            status_gauge_at: Mutex::new(None),
            lapor: None,
        }
    }
}
