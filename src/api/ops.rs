//! Liveness, readiness and metrics for operators.

use std::time::Instant;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::error::ApiError;
use super::state::{AppState, STATUS_GAUGE_TTL};
use crate::domain::Status;

/// What this service is and where its documentation lives (not in the OpenAPI document).
pub async fn index(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "service": "aduan",
        "version": env!("CARGO_PKG_VERSION"),
        "office": state.settings.office_name,
        "documentation": "/swagger-ui/",
        "openapi": "/api-docs/openapi.json",
        "health": "/healthz",
    }))
}

/// `/swagger-ui` → `/swagger-ui/` (the UI's assets are relative to the slash).
pub async fn to_swagger_ui() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/swagger-ui/"))
        .finish()
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database is reachable: the instance can take traffic.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"),
              (status = 503, description = "Database unreachable", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // a probe must get its answer well within its own timeout (1 s)
    let ping = tokio::time::timeout(std::time::Duration::from_millis(900), state.store.ping())
        .await
        .unwrap_or_else(|_| {
            Err(crate::store::StoreError::Database(
                sqlx::Error::PoolTimedOut,
            ))
        });
    match ping {
        Ok(()) => {
            Ok(HttpResponse::Ok()
                .json(json!({"status": "ready", "database": state.store.backend()})))
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::Unavailable(
                "the database is not reachable".into(),
            ))
        }
    }
}

/// Prometheus metrics: HTTP requests by route and status, latency, complaints by status.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    refresh_status_gauge(&state).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

async fn refresh_status_gauge(state: &AppState) {
    let mut last = state.status_gauge_at.lock().await;
    if last.is_some_and(|t| t.elapsed() < STATUS_GAUGE_TTL) {
        return;
    }
    // the dashboard's figures: counted live while cheap, else the snapshot
    // the background worker refreshes (app::dashboard)
    match state.app.dashboard(chrono::Utc::now()).await {
        Ok(snap) => {
            for s in Status::ALL {
                let n = snap
                    .figures
                    .by_status
                    .iter()
                    .find(|(name, _)| name == s.as_str())
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("aduan_complaints", "status" => s.as_str()).set(n as f64);
            }
            *last = Some(Instant::now());
        }
        Err(e) => tracing::warn!(error = %e, "could not count complaints for metrics"),
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxParams {
    /// pending, sent or parked (default: all)
    #[param(pattern = "^(pending|sent|parked)$")]
    pub status: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxEntry {
    pub id: uuid::Uuid,
    pub kind: String,
    pub complaint_id: Option<uuid::Uuid>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxList {
    /// Newest first, at most 500 (recipients and contents are not shown).
    pub items: Vec<OutboxEntry>,
}

/// Messages waiting, sent or parked (admins).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "operations",
    params(OutboxParams),
    responses(
        (status = 200, description = "Entries", body = OutboxList),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn outbox(
    state: web::Data<AppState>,
    caller: super::auth::Caller,
    params: web::Query<OutboxParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role() == crate::domain::Role::Admin,
        "only admins read the outbox",
    )?;
    let status = params.status.as_deref();
    if status.is_some_and(|s| !matches!(s, "pending" | "sent" | "parked")) {
        return Err(ApiError::field("status", "must be pending, sent or parked"));
    }
    let items = state.store.list_outbox(status, 500).await?;
    Ok(HttpResponse::Ok().json(OutboxList {
        items: items
            .into_iter()
            .map(|i| OutboxEntry {
                id: i.id,
                kind: i.kind,
                complaint_id: i.complaint_id,
                status: i.status,
                attempts: i.attempts,
                next_attempt_at: i.next_attempt_at,
                last_error: i.last_error,
                created_at: i.created_at,
                sent_at: i.sent_at,
            })
            .collect(),
    }))
}

/// Put a parked message back in the queue (admins).
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "operations",
    params(("id" = uuid::Uuid, Path, description = "Outbox entry")),
    responses(
        (status = 200, description = "Queued again"),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No parked entry with this id", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    caller: super::auth::Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role() == crate::domain::Role::Admin,
        "only admins retry messages",
    )?;
    if state
        .app
        .retry_outbox(id.into_inner(), chrono::Utc::now())
        .await?
    {
        Ok(HttpResponse::Ok().json(json!({"status": "pending"})))
    } else {
        Err(ApiError::NotFound("No parked outbox entry with this id."))
    }
}
