//! Delivers integrators' webhooks (ADR 0023): queued by the store in the
//! transaction of each complaint event, claimed here in order per complaint,
//! signed (Standard Webhooks), retried with backoff, parked after
//! `domain::webhook::MAX_ATTEMPTS`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::webhook::{self, ANSWERED};
use crate::domain::{Status, public_event_description};
use crate::store::{DynStore, StoreError, WebhookDelivery};

/// How long a claimed delivery is ours: longer than one request may take.
const LEASE_SECS: i64 = 60;
/// One request's time limit.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What a receiver gets: the event, the complaint as the complainant may
/// see it, and with `complaint.answered` the answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPayload {
    /// The event id (also `webhook-id`): the same on every redelivery.
    pub id: Uuid,
    /// One of `complaint.registered`, `complaint.status_changed`,
    /// `complaint.answered`, `complaint.reopened`, `complaint.deadline_changed`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub complaint: WebhookComplaint,
    /// What happened, in Indonesian, as on the complainant's status page.
    pub note: String,
    pub answer: Option<WebhookAnswer>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookComplaint {
    pub id: Uuid,
    pub tracking_number: String,
    pub agency_ref: Option<String>,
    /// The status right after this event.
    pub status: Status,
    pub status_label: String,
    /// The deadline now.
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    pub body: String,
    pub dispatched_at: DateTime<Utc>,
}

/// The answer last dispatched (at or before `until`), if any.
pub async fn dispatched_answer(
    store: &dyn crate::store::Store,
    complaint_id: Uuid,
    until: Option<DateTime<Utc>>,
) -> Result<Option<WebhookAnswer>, StoreError> {
    let dispatches = store.dispatches(complaint_id).await?;
    let Some(x) = dispatches.iter().rfind(|x| until.is_none_or(|t| x.at <= t)) else {
        return Ok(None);
    };
    Ok(store
        .drafts(complaint_id)
        .await?
        .into_iter()
        .find(|d| d.id == x.draft_id)
        .map(|d| WebhookAnswer {
            body: d.body,
            dispatched_at: x.at,
        }))
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("http client: {0}")]
    Client(String),
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookRound {
    pub delivered: u32,
    pub retried: u32,
    pub parked: u32,
}

pub struct WebhookCourier {
    store: DynStore,
    http: reqwest::Client,
}

impl WebhookCourier {
    pub fn new(store: DynStore) -> Result<Self, WebhookError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("aduan/", env!("CARGO_PKG_VERSION"), " webhooks"))
            .build()
            .map_err(|e| WebhookError::Client(e.to_string()))?;
        Ok(WebhookCourier { store, http })
    }

    /// The body a delivery sends (built when sent: a redelivery sends the
    /// event as it was, the deadline as it is).
    pub async fn payload(&self, d: &WebhookDelivery) -> Result<Option<WebhookPayload>, StoreError> {
        let (Some(event), Some(c)) = (
            self.store.event_by_id(d.event_id).await?,
            self.store.get_complaint(d.complaint_id).await?,
        ) else {
            return Ok(None);
        };
        let status = Status::parse(&event.status).unwrap_or(c.status);
        let answer = if d.event == ANSWERED {
            dispatched_answer(self.store.as_ref(), c.id, Some(event.at)).await?
        } else {
            None
        };
        Ok(Some(WebhookPayload {
            id: event.id,
            event_type: d.event.clone(),
            occurred_at: event.at,
            complaint: WebhookComplaint {
                id: c.id,
                tracking_number: c.tracking_number,
                agency_ref: c.external_ref.agency_ref,
                status,
                status_label: status.public_label().to_string(),
                due_at: c.due_at,
            },
            note: public_event_description(&event.kind)
                .unwrap_or_default()
                .to_string(),
            answer,
        }))
    }

    /// Delivers what is due at `now`, up to `limit`.
    pub async fn deliver_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<WebhookRound, WebhookError> {
        let mut round = WebhookRound::default();
        let claimed = self
            .store
            .claim_webhook_deliveries(now, now + chrono::Duration::seconds(LEASE_SECS), limit)
            .await?;
        for d in claimed {
            let outcome = self.send(&d, now).await;
            let (ok, status, error) = match &outcome {
                Ok(status) if (200..300).contains(status) => (true, Some(*status), None),
                Ok(status) => (false, Some(*status), Some(format!("answered {status}"))),
                Err(e) => (false, None, Some(e.clone())),
            };
            let attempts = d.attempts + 1;
            let next = (!ok && attempts < webhook::MAX_ATTEMPTS)
                .then(|| now + chrono::Duration::seconds(webhook::backoff_secs(attempts)));
            if ok {
                round.delivered += 1;
            } else if next.is_some() {
                round.retried += 1;
                tracing::info!(subscription_id = %d.subscription_id, event_id = %d.event_id,
                    attempts, error = error.as_deref().unwrap_or(""), "webhook not accepted; retried later");
            } else {
                round.parked += 1;
                tracing::error!(subscription_id = %d.subscription_id, event_id = %d.event_id,
                    attempts, error = error.as_deref().unwrap_or(""), "webhook parked");
            }
            metrics::counter!("aduan_webhook_attempts_total",
                "outcome" => if ok { "delivered" } else if next.is_some() { "retried" } else { "parked" })
            .increment(1);
            self.store
                .record_webhook_attempt(
                    d.subscription_id,
                    d.event_id,
                    &crate::store::WebhookAttempt {
                        ok,
                        status,
                        error,
                        next,
                    },
                    Utc::now().max(now),
                )
                .await?;
        }
        Ok(round)
    }

    /// One POST: the HTTP status, or why there was none.
    async fn send(&self, d: &WebhookDelivery, now: DateTime<Utc>) -> Result<u16, String> {
        let Some(hook) = self
            .store
            .webhook(d.subscription_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Err("subscription deleted".into());
        };
        let Some(payload) = self.payload(d).await.map_err(|e| e.to_string())? else {
            return Err("event or complaint missing".into());
        };
        let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
        let id = d.event_id.to_string();
        let ts = now.timestamp();
        let signature = webhook::sign(&hook.secret, &id, ts, &body)
            .ok_or_else(|| "the subscription's secret is unusable".to_string())?;
        let resp = self
            .http
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                // no URL in the message: it may hold a receiver's token
                if e.is_timeout() {
                    "timed out".to_string()
                } else if e.is_connect() {
                    "connection failed".to_string()
                } else {
                    "request failed".to_string()
                }
            })?;
        Ok(resp.status().as_u16())
    }

    /// Delivers every `every` until `token` is cancelled.
    pub async fn run(self: Arc<Self>, every: Duration, token: tokio_util::sync::CancellationToken) {
        crate::workers::every(every, token, || async {
            loop {
                match self.deliver_due(Utc::now(), 50).await {
                    Ok(r) if r.delivered + r.retried + r.parked == 50 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook round failed");
                        break;
                    }
                }
            }
        })
        .await;
    }
}
