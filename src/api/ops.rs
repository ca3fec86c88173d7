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
    match state.store.ping().await {
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
    match state.store.count_by_status().await {
        Ok(rows) => {
            for s in Status::ALL {
                let n = rows
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
