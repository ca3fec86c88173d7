//! SP4N-LAPOR! integration: everything LAPOR!-specific lives here.
//! `wire` (its format) and `mapping` (report → complaint) are the places to
//! adapt to the real API; `client` speaks HTTP with retries and a circuit
//! breaker; `sync` polls; `outbound` delivers follow-ups through the outbox.

pub mod client;
pub mod mapping;
pub mod outbound;
pub mod sync;
pub mod wire;

use std::sync::Arc;

use crate::app::App;

/// The integration, when `ADUAN_LAPOR_URL` is set.
pub fn build(app: &Arc<App>) -> Result<Option<Arc<sync::LaporSync>>, client::LaporError> {
    let Some(l) = &app.settings.lapor else {
        return Ok(None);
    };
    // after a 401 the token is read again from the settings (environment and
    // settings file): a renewed token is taken up without a restart
    let reread: client::TokenSource = std::sync::Arc::new(|| {
        crate::config::Settings::from_env()
            .ok()
            .and_then(|s| s.lapor)
            .map(|l| l.token)
    });
    let mut cfg = client::ClientConfig::new(&l.url, &l.token, l.timeout);
    cfg.listing_lag = l.listing_lag;
    let client = client::LaporClient::new(cfg)?.with_token_source(reread);
    Ok(Some(Arc::new(sync::LaporSync::new(app.clone(), client))))
}
