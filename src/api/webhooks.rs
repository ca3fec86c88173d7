//! Integrators: webhook subscriptions and their delivery log, and a filed
//! complaint's progress as the complainant may see it (ADR 0023).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::dto::PublicEvent;
use super::error::ApiError;
use super::extract::{json_body, load_visible};
use super::state::AppState;
use crate::app::webhooks::WebhookRefusal;
use crate::domain::{Role, Status, ValidationErrors};
use crate::store::{Webhook, WebhookDelivery};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST: https to a host whose every address is public (not
    /// loopback, private, link-local, CGNAT, multicast or a metadata
    /// service), checked now and again at each delivery; plain http or an
    /// internal address only on a host the office's admin allowed
    /// (`ADUAN_WEBHOOK_ALLOW_HOSTS`). No credentials, no fragment.
    #[schema(
        required = true,
        nullable = false,
        max_length = 2000,
        pattern = r"^https?://[^\s#@/]+(/[^\s#]*)?$",
        example = "https://sipd.example.go.id/aduan/webhook"
    )]
    pub url: Option<String>,
    /// Event types; omitted: all of them.
    #[schema(example = json!(["complaint.answered", "complaint.status_changed"]))]
    pub events: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        WebhookView {
            id: w.id,
            url: w.url,
            events: w.events,
            created_at: w.created_at,
        }
    }
}

/// A new subscription with its signing secret — shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_` and 32 random bytes in base64: verify `webhook-signature`
    /// with it (Standard Webhooks). Not shown again.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The event id (`webhook-id`).
    pub event_id: Uuid,
    pub complaint_id: Uuid,
    pub event: String,
    /// `pending`, `delivered` or `parked`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// The receiver's last HTTP status.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(d: WebhookDelivery) -> Self {
        DeliveryView {
            event_id: d.event_id,
            complaint_id: d.complaint_id,
            event: d.event,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// `pending`, `delivered` or `parked`.
    #[param(pattern = "^(pending|delivered|parked)$")]
    pub state: Option<String>,
    /// 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// The caller's key: subscriptions belong to an API key.
fn key_of(caller: &Caller) -> Result<Uuid, ApiError> {
    caller.require(
        caller.role().can_create_complaints(),
        "webhooks are for keys that file complaints (integration, reception, liaison, admin)",
    )?;
    caller.actor().key_id.ok_or(ApiError::Forbidden(
        "webhooks belong to an API key, not a session",
    ))
}

/// The subscription if the caller may manage it (its key, or an admin).
async fn owned(state: &AppState, caller: &Caller, id: Uuid) -> Result<Webhook, ApiError> {
    let not_found = ApiError::NotFound("No webhook subscription with this id.");
    let w = state.store.webhook(id).await?.ok_or(not_found)?;
    if caller.role() == Role::Admin || Some(w.key_id) == caller.actor().key_id {
        Ok(w)
    } else {
        Err(ApiError::NotFound("No webhook subscription with this id."))
    }
}

/// Subscribe to events of the complaints this key files.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "create_webhook",
    request_body = NewWebhook,
    responses(
        (status = 201, body = WebhookCreated),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a key that files complaints", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `url` also when it is not https or its host is not public, or does not resolve", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key_of(&caller)?;
    let b: NewWebhook = json_body(&req, &body)?;
    let w = state
        .app
        .create_webhook(key, b.url.as_deref(), b.events.as_deref(), Utc::now())
        .await
        .map_err(|e| match e {
            WebhookRefusal::Invalid(v) => ApiError::Validation(v),
            WebhookRefusal::Store(s) => s.into(),
        })?;
    let secret = w.secret.clone();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", w.id)))
        .json(WebhookCreated {
            webhook: w.into(),
            secret,
        }))
}

/// This key's subscriptions (an admin sees every key's).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    responses(
        (status = 200, body = WebhookList),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a key that files complaints", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let key = key_of(&caller)?;
    let of = (caller.role() != Role::Admin).then_some(key);
    let items = state.store.webhooks(of).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "get_webhook",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, body = WebhookView),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a key that files complaints", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another key's", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    key_of(&caller)?;
    let w = owned(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(w)))
}

/// End a subscription: nothing more is sent; pending deliveries are parked.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a key that files complaints", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another key's", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    key_of(&caller)?;
    let w = owned(&state, &caller, id.into_inner()).await?;
    state.app.delete_webhook(w.id, Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryParams),
    responses(
        (status = 200, body = DeliveryList),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a key that files complaints", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another key's", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    key_of(&caller)?;
    let mut e = ValidationErrors::default();
    if let Some(s) = q.state.as_deref()
        && !matches!(s, "pending" | "delivered" | "parked")
    {
        e.push("state", "must be pending, delivered or parked");
    }
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => match l.parse::<u32>() {
            Ok(n @ 1..=200) => n,
            _ => {
                e.push("limit", "must be a whole number from 1 to 200");
                50
            }
        },
    };
    if !e.0.is_empty() {
        return Err(ApiError::Validation(e));
    }
    let w = owned(&state, &caller, id.into_inner()).await?;
    let items = state
        .store
        .webhook_deliveries(w.id, q.state.as_deref(), limit)
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Send one delivery again now (a parked one, or one the receiver lost).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{event_id}/redeliver", tag = "webhooks",
    operation_id = "redeliver_webhook",
    params(("id" = Uuid, Path, description = "Subscription id"), ("event_id" = Uuid, Path, description = "The delivery's event id")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a key that files complaints", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown subscription or delivery", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    key_of(&caller)?;
    let (id, event_id) = path.into_inner();
    let w = owned(&state, &caller, id).await?;
    if state
        .app
        .redeliver_webhook(w.id, event_id, Utc::now())
        .await?
    {
        Ok(HttpResponse::Accepted().finish())
    } else {
        Err(ApiError::NotFound(
            "No delivery of this event to this subscription.",
        ))
    }
}

/// A filed complaint's progress as the complainant may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintProgress {
    pub id: Uuid,
    pub tracking_number: String,
    pub agency_ref: Option<String>,
    pub status: Status,
    /// In Bahasa Indonesia.
    pub status_label: String,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// The public timeline: status changes, never the internal workflow.
    pub timeline: Vec<PublicEvent>,
    /// The answer once dispatched.
    pub answer: Option<crate::webhooks::WebhookAnswer>,
}

/// Status changes and the dispatched answer of a complaint (integration
/// keys: of the complaints they filed).
#[utoipa::path(get, path = "/api/v1/complaints/{id}/progress", tag = "complaints", operation_id = "complaint_progress",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, body = ComplaintProgress),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown (or not visible to this key)", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn progress(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let c = load_visible(&state, &caller, id.into_inner()).await?;
    let timeline = PublicEvent::timeline(state.store.timeline(c.id).await?);
    let answer = crate::webhooks::dispatched_answer(state.store.as_ref(), c.id, None).await?;
    Ok(HttpResponse::Ok().json(ComplaintProgress {
        id: c.id,
        tracking_number: c.tracking_number,
        agency_ref: c.external_ref.agency_ref,
        status: c.status,
        status_label: c.status.public_label().to_string(),
        received_at: c.received_at,
        due_at: c.due_at,
        timeline,
        answer,
    }))
}
