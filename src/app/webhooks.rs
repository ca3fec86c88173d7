//! Integrators' webhook subscriptions (ADR 0023): created, ended and
//! redelivered through here, for the API and any later door.

use chrono::{DateTime, SubsecRound, Utc};
use rand::RngCore;
use uuid::Uuid;

use super::App;
use crate::domain::ValidationErrors;
use crate::domain::webhook::{new_secret, parse_subscription};
use crate::store::{StoreError, Webhook};

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("invalid subscription")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Subscriptions one key may hold.
pub const MAX_PER_KEY: usize = 10;

impl App {
    /// A new subscription for `key_id`; the returned secret is shown once.
    pub async fn create_webhook(
        &self,
        key_id: Uuid,
        url: Option<&str>,
        events: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> Result<Webhook, WebhookRefusal> {
        let sub = parse_subscription(url, events).map_err(WebhookRefusal::Invalid)?;
        crate::webhooks::TargetGuard::new(&self.settings.webhook_allow_hosts)
            .check(&sub.url)
            .await
            .map_err(|why| WebhookRefusal::Invalid(ValidationErrors::single("url", why)))?;
        if self.store.webhooks(Some(key_id)).await?.len() >= MAX_PER_KEY {
            return Err(WebhookRefusal::Invalid(ValidationErrors::single(
                "url",
                format!("a key may hold at most {MAX_PER_KEY} subscriptions"),
            )));
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let w = Webhook {
            id: Uuid::now_v7(),
            key_id,
            url: sub.url,
            events: sub.events,
            secret: new_secret(bytes),
            created_at: now.trunc_subsecs(6),
        };
        self.store.insert_webhook(&w).await?;
        tracing::info!(webhook_id = %w.id, key_id = %key_id, "webhook subscription created");
        Ok(w)
    }

    /// Ends a subscription; its pending deliveries are parked.
    pub async fn delete_webhook(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = self.store.delete_webhook(id, now).await?;
        if done {
            tracing::info!(webhook_id = %id, "webhook subscription deleted");
        }
        Ok(done)
    }

    /// Queues one delivery again, now.
    pub async fn redeliver_webhook(
        &self,
        id: Uuid,
        event_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store.redeliver_webhook(id, event_id, now).await
    }
}
