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
/// With `ADUAN_METRICS_TOKEN` set, the scraper sends it as a bearer token;
/// without it, only a client on the same machine (loopback, not through a
/// proxy) is answered.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, description = "`ADUAN_METRICS_TOKEN` is set and the bearer token is missing or wrong", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token is set and the client is not on this machine", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    metrics_allowed(&state, &req)?;
    refresh_status_gauge(&state).await;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}

/// Who may read `/metrics` (ADR 0015): the token's holder when one is set;
/// otherwise only a local client — a request a proxy forwarded is not local
/// even when the proxy is.
fn metrics_allowed(state: &AppState, req: &actix_web::HttpRequest) -> Result<(), ApiError> {
    use actix_web::http::header;
    if let Some(token) = &state.settings.metrics_token {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        return if crate::domain::access::same_secret(sent.as_bytes(), token.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::Auth {
                status: 401,
                slug: "unauthenticated",
                title: "Metrics need the token",
                detail: "send ADUAN_METRICS_TOKEN as a bearer token".into(),
                retry_after_secs: None,
            })
        };
    }
    let proxied = req.headers().contains_key("x-forwarded-for")
        || req.headers().contains_key(header::FORWARDED);
    let local = !proxied
        && crate::api::auth::client_ip(req, &state.settings.trusted_proxies)
            .is_some_and(|ip| ip.is_loopback());
    if local {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "metrics are served to this machine only unless ADUAN_METRICS_TOKEN is set",
        ))
    }
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
