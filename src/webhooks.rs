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

/// Where webhooks may go (ADR 0015, "Webhook targets"): https to public
/// addresses, or any URL on a host an admin allowed
/// (`ADUAN_WEBHOOK_ALLOW_HOSTS`). Checked when a subscription is made and
/// again on every delivery, by the resolver the delivery connects through —
/// so a name that later resolves to an internal address (DNS rebinding) is
/// refused at the moment of connecting.
#[derive(Debug, Clone, Default)]
pub struct TargetGuard {
    allow: Arc<Vec<String>>,
}

/// Why a target was refused (the subscriber sees these words).
pub const REFUSED_INTERNAL: &str =
    "refused: the target is not a public address (an admin may allow the host)";
pub const REFUSED_PLAIN: &str = "refused: the target must use https (an admin may allow the host)";
pub const REFUSED_UNRESOLVED: &str = "refused: the host does not resolve";

impl TargetGuard {
    pub fn new(allow: &[String]) -> Self {
        TargetGuard {
            allow: Arc::new(allow.iter().map(|h| h.to_ascii_lowercase()).collect()),
        }
    }

    fn allowed(allow: &[String], host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        allow.iter().any(|a| a.eq_ignore_ascii_case(host))
    }

    /// The URL's scheme and literal address, before any connection: `Err`
    /// with the reason shown to the subscriber.
    fn check_static(&self, url: &reqwest::Url) -> Result<Option<String>, &'static str> {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return Err(REFUSED_UNRESOLVED);
        };
        if Self::allowed(&self.allow, &host) {
            return Ok(None);
        }
        if url.scheme() != "https" {
            return Err(REFUSED_PLAIN);
        }
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        match literal.parse::<std::net::IpAddr>() {
            Ok(ip) if webhook::internal_address(ip) => Err(REFUSED_INTERNAL),
            Ok(_) => Ok(None),
            Err(_) => Ok(Some(host)),
        }
    }

    /// At subscription: the scheme, and every address the host resolves to
    /// now must be public (unless the host is allowed).
    pub async fn check(&self, raw: &str) -> Result<(), &'static str> {
        let url = reqwest::Url::parse(raw).map_err(|_| REFUSED_UNRESOLVED)?;
        let Some(domain) = self.check_static(&url)? else {
            return Ok(());
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<std::net::SocketAddr> =
            match tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((domain.as_str(), port)))
                .await
            {
                Ok(Ok(a)) => a.collect(),
                _ => return Err(REFUSED_UNRESOLVED),
            };
        if addrs.is_empty() {
            return Err(REFUSED_UNRESOLVED);
        }
        if addrs.iter().any(|a| webhook::internal_address(a.ip())) {
            return Err(REFUSED_INTERNAL);
        }
        Ok(())
    }
}

/// The delivery client's resolver: only public addresses come out of it
/// (all of them for an allowed host), so what was checked is what is
/// connected to.
#[derive(Debug)]
struct GuardedResolver {
    allow: Arc<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(&'static str);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allowed = TargetGuard::allowed(&self.allow, &host);
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| -> BoxError { Box::new(Refused(REFUSED_UNRESOLVED)) })?
                .collect();
            let public: Vec<std::net::SocketAddr> = found
                .into_iter()
                .filter(|a| allowed || !webhook::internal_address(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(Box::new(Refused(REFUSED_INTERNAL)) as BoxError);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The refusal inside a request error, if the guard made it.
fn refusal(e: &reqwest::Error) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return Some(r.0);
        }
        source = s.source();
    }
    None
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
    guard: TargetGuard,
}

impl WebhookCourier {
    pub fn new(store: DynStore, guard: TargetGuard) -> Result<Self, WebhookError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: guard.allow.clone(),
            }))
            .user_agent(concat!("aduan/", env!("CARGO_PKG_VERSION"), " webhooks"))
            .build()
            .map_err(|e| WebhookError::Client(e.to_string()))?;
        Ok(WebhookCourier { store, http, guard })
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
        let url = reqwest::Url::parse(&hook.url).map_err(|_| REFUSED_UNRESOLVED.to_string())?;
        self.guard.check_static(&url).map_err(str::to_string)?;
        let Some(payload) = self.payload(d).await.map_err(|e| {
            // the subscriber sees a generic reason; the detail goes to the log
            tracing::error!(subscription_id = %d.subscription_id, event_id = %d.event_id,
                error = %e, "webhook payload could not be built");
            "the event could not be prepared".to_string()
        })?
        else {
            return Err("event or complaint missing".into());
        };
        let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
        let id = d.event_id.to_string();
        let ts = now.timestamp();
        let signature = webhook::sign(&hook.secret, &id, ts, &body)
            .ok_or_else(|| "the subscription's secret is unusable".to_string())?;
        let resp = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                // no URL in the message: it may hold a receiver's token
                if let Some(why) = refusal(&e) {
                    why.to_string()
                } else if e.is_timeout() {
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
