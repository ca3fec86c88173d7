//! Webhook subscriptions and deliveries (ADR 0023). Deliveries are queued
//! by `queue_webhooks`, called with every complaint event in its transaction.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::{Backend, Db};
use crate::store::sql::EVENT_COLUMNS;
use crate::store::{Event, StoreError, Webhook, WebhookAttempt, WebhookDelivery, WebhookStore};

const DELIVERY_COLUMNS: &str = "subscription_id, event_id, complaint_id, event, state, attempts, \
     next_attempt_at, last_status, last_error, created_at, delivered_at";

/// Queues one delivery per active subscription of the key that filed the
/// complaint and asks for this event (none when nothing subscribes: one
/// indexed look-up).
pub(super) async fn queue_webhooks(
    tx: &mut sqlx::Transaction<'_, Db>,
    complaint_id: Uuid,
    event_id: Uuid,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let Some(event) = crate::domain::webhook::event_for(kind) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, complaint_id, event, state, \
         attempts, next_attempt_at, created_at) \
         SELECT s.id, $1, c.id, $2, 'pending', 0, $3, $3 \
         FROM complaints c JOIN webhook_subscriptions s ON s.key_id = c.created_by \
         WHERE c.id = $4 AND s.deleted_at IS NULL \
         AND (',' || s.events || ',') LIKE ('%,' || $2 || ',%')",
    )
    .bind(event_id)
    .bind(event)
    .bind(at.trunc_subsecs(6))
    .bind(complaint_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: Uuid,
    key_id: Uuid,
    url: String,
    events: String,
    secret: String,
    created_at: DateTime<Utc>,
}

impl Backend {
    fn open_webhook(&self, r: WebhookRow) -> Result<Webhook, StoreError> {
        let secret = self
            .vault
            .open_str(&r.secret)
            .map_err(|e| StoreError::Corrupt(format!("webhook {}: {e}", r.id)))?;
        Ok(Webhook {
            id: r.id,
            key_id: r.key_id,
            url: r.url,
            events: r.events.split(',').map(str::to_string).collect(),
            secret,
            created_at: r.created_at,
        })
    }
}

#[async_trait]
impl WebhookStore for Backend {
    async fn insert_webhook(&self, w: &Webhook) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhook_subscriptions (id, key_id, url, events, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(w.id)
        .bind(w.key_id)
        .bind(&w.url)
        .bind(w.events.join(","))
        .bind(self.vault.seal_str(&w.secret))
        .bind(w.created_at.trunc_subsecs(6))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn webhooks(&self, key_id: Option<Uuid>) -> Result<Vec<Webhook>, StoreError> {
        let rows: Vec<WebhookRow> = sqlx::query_as(
            "SELECT id, key_id, url, events, secret, created_at FROM webhook_subscriptions \
             WHERE deleted_at IS NULL AND ($1 IS NULL OR key_id = $1) ORDER BY created_at, id",
        )
        .bind(key_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_webhook(r)).collect()
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, StoreError> {
        let row: Option<WebhookRow> = sqlx::query_as(
            "SELECT id, key_id, url, events, secret, created_at FROM webhook_subscriptions \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.open_webhook(r)).transpose()
    }

    async fn delete_webhook(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE webhook_subscriptions SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(at.trunc_subsecs(6))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'parked', last_error = 'subscription deleted' \
             WHERE subscription_id = $1 AND state = 'pending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let now = now.trunc_subsecs(6);
        let candidates: Vec<WebhookDelivery> = sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
             AND (d.locked_until IS NULL OR d.locked_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
                 WHERE e.subscription_id = d.subscription_id AND e.complaint_id = d.complaint_id \
                 AND e.state <> 'delivered' AND e.event_id < d.event_id) \
             ORDER BY d.next_attempt_at, d.event_id LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for d in candidates {
            let won = sqlx::query(
                "UPDATE webhook_deliveries SET locked_until = $3 \
                 WHERE subscription_id = $1 AND event_id = $2 AND state = 'pending' \
                 AND (locked_until IS NULL OR locked_until < $4)",
            )
            .bind(d.subscription_id)
            .bind(d.event_id)
            .bind(lease_until.trunc_subsecs(6))
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1;
            if won {
                claimed.push(d);
            }
        }
        Ok(claimed)
    }

    async fn record_webhook_attempt(
        &self,
        subscription_id: Uuid,
        event_id: Uuid,
        attempt: &WebhookAttempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let WebhookAttempt {
            ok,
            status,
            error,
            next,
        } = attempt.clone();
        let state = match (ok, next) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "parked",
        };
        let now = now.trunc_subsecs(6);
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, \
             last_status = $4, last_error = $5, locked_until = NULL, \
             next_attempt_at = COALESCE($6, next_attempt_at), \
             delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_at END \
             WHERE subscription_id = $1 AND event_id = $2",
        )
        .bind(subscription_id)
        .bind(event_id)
        .bind(state)
        .bind(status.map(i32::from))
        .bind(error.as_deref())
        .bind(next.map(|t| t.trunc_subsecs(6)))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn webhook_deliveries(
        &self,
        subscription_id: Uuid,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
             WHERE subscription_id = $1 AND ($2 IS NULL OR state = $2) \
             ORDER BY created_at DESC, event_id DESC LIMIT $3"
        ))
        .bind(subscription_id)
        .bind(state)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn redeliver_webhook(
        &self,
        subscription_id: Uuid,
        event_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $3, \
             locked_until = NULL WHERE subscription_id = $1 AND event_id = $2 \
             AND EXISTS (SELECT 1 FROM webhook_subscriptions s \
                 WHERE s.id = $1 AND s.deleted_at IS NULL)",
        )
        .bind(subscription_id)
        .bind(event_id)
        .bind(now.trunc_subsecs(6))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    async fn event_by_id(&self, id: Uuid) -> Result<Option<Event>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM complaint_events WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
