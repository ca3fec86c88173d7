//! Long polling (`getUpdates`) when no webhook is set: works from behind a
//! NAT. One replica at a time holds the poll lease (renewed every round);
//! the offset — the next update's id — is kept in the database after each
//! update is applied, so a restart neither loses an update (Telegram keeps
//! it until a later offset confirms it) nor takes one twice (an update's
//! id is its message's key).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::client::{Client, TelegramError};
use crate::app::App;
use crate::store::StoreError;

const LEASE: &str = "telegram_poll";
/// The integration's name in `integration_state` (its cursor is the offset).
pub const NAME: &str = "telegram";
/// How long Telegram holds a `getUpdates` open when nothing arrives.
const WAIT: Duration = Duration::from_secs(20);
/// The lease outlives one round (WAIT and the client's margin).
const LEASE_TTL: chrono::Duration = chrono::Duration::seconds(50);

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Telegram(#[from] TelegramError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub updates: u32,
    pub created: u32,
}

pub struct Poller {
    app: Arc<App>,
    client: Client,
    holder: String,
}

impl Poller {
    /// `None` unless the bot is configured without a webhook secret.
    pub fn new(app: Arc<App>) -> Option<Result<Self, reqwest::Error>> {
        let s = app.settings.telegram.clone()?;
        if s.webhook_secret.is_some() {
            return None;
        }
        Some(Client::new(&s).map(|client| Poller {
            app,
            client,
            holder: uuid::Uuid::now_v7().to_string(),
        }))
    }

    async fn offset(&self) -> Result<i64, StoreError> {
        Ok(self
            .app
            .store
            .integration_state(NAME)
            .await?
            .and_then(|s| s.cursor)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// One round under the lease: `None` when another replica polls.
    pub async fn round(&self, wait: Duration) -> Result<Option<Round>, PollError> {
        let now = Utc::now();
        if !self
            .app
            .store
            .acquire_lease(LEASE, &self.holder, now, now + LEASE_TTL)
            .await?
        {
            return Ok(None);
        }
        let offset = self.offset().await?;
        let updates = self.client.get_updates(offset, wait).await?;
        let mut round = Round::default();
        for u in &updates {
            if u.update_id < offset {
                continue; // confirmed before (a server that ignored the offset)
            }
            let applied = super::apply(&self.app, u).await?;
            // the next update is the one to ask for, even after a crash here
            self.app
                .store
                .set_integration_cursor(NAME, &(u.update_id + 1).to_string(), Utc::now())
                .await?;
            round.updates += 1;
            if applied == super::Applied::Created {
                round.created += 1;
            }
        }
        Ok(Some(round))
    }

    async fn release(&self) {
        let now = Utc::now();
        if let Err(e) = self
            .app
            .store
            .acquire_lease(LEASE, &self.holder, now, now - chrono::Duration::seconds(1))
            .await
        {
            tracing::warn!(error = %e, "Telegram poll lease not released");
        }
    }

    /// Polls until cancelled; the lease is given up at shutdown so another
    /// replica takes over at once.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let mut failures = 0u32;
        loop {
            let outcome = tokio::select! {
                () = token.cancelled() => {
                    self.release().await;
                    return;
                }
                r = self.round(WAIT) => r,
            };
            let pause = match &outcome {
                Ok(Some(_)) => Duration::ZERO,
                // another replica polls: look again before its lease ends
                Ok(None) => Duration::from_secs(5),
                Err(e) => {
                    failures += 1;
                    let wait = match e {
                        PollError::Telegram(TelegramError::Unavailable {
                            retry_after: Some(s),
                            ..
                        }) => Duration::from_secs((*s).clamp(1, 300)),
                        PollError::Telegram(TelegramError::WebhookSet) => Duration::from_secs(60),
                        _ => Duration::from_secs((1u64 << failures.min(6)).min(60)),
                    };
                    if failures == 1 || failures.is_power_of_two() {
                        tracing::warn!(error = %e, failures, retry_in_secs = wait.as_secs(), "Telegram poll failed");
                    }
                    wait
                }
            };
            if let Ok(r) = &outcome {
                let error = None;
                if r.is_some() || failures > 0 {
                    failures = 0;
                    let created = r.map_or(0, |r| u64::from(r.created));
                    if let Err(e) = self
                        .app
                        .store
                        .record_integration_poll(NAME, Utc::now(), error, created)
                        .await
                    {
                        tracing::warn!(error = %e, "Telegram poll not recorded");
                    }
                }
            } else if let Err(e) = &outcome {
                let msg = e.to_string();
                if let Err(e) = self
                    .app
                    .store
                    .record_integration_poll(NAME, Utc::now(), Some(&msg), 0)
                    .await
                {
                    tracing::warn!(error = %e, "Telegram poll not recorded");
                }
            }
            if !pause.is_zero() {
                tokio::select! {
                    () = token.cancelled() => {
                        self.release().await;
                        return;
                    }
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}
