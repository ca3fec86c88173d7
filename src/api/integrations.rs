//! The liaison officer's view of the SP4N-LAPOR! integration: where it
//! stands, poll now, and the quarantine of items that could not be imported.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::Role;
pub use crate::http::status::{LaporStatus, lapor_status};
use crate::intake::lapor::client::LaporError;

use crate::intake::lapor::sync::{PollReport, SyncError};

fn require_liaison(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        matches!(
            caller.role(),
            Role::Admin | Role::Liaison | Role::Head | Role::Manager
        ),
        "the LAPOR! integration is for the liaison officer, the head, managers and admins",
    )
}

fn lapor(
    state: &AppState,
) -> Result<&std::sync::Arc<crate::intake::lapor::sync::LaporSync>, ApiError> {
    state.lapor.as_ref().ok_or(ApiError::NotConfigured(
        "the LAPOR! integration is not configured on this service (ADUAN_LAPOR_URL and \
         ADUAN_LAPOR_TOKEN are not set); retrying will not help",
    ))
}

/// The 409 of a poll refused for the lease: who holds it and until when
/// (the status page says the same), so nobody guesses why polling waits.
async fn lease_busy(state: &AppState) -> ApiError {
    let now = Utc::now();
    match state.store.lease(crate::intake::lapor::sync::LEASE).await {
        Ok(Some(l)) if l.until > now => ApiError::Conflict(format!(
            "another replica ({}) is polling LAPOR!{}; its lease runs out at {} unless it \
             renews it (a replica that stopped does not): try again then",
            l.holder,
            l.since
                .map(|s| format!(" since {}", s.to_rfc3339()))
                .unwrap_or_default(),
            l.until.to_rfc3339()
        )),
        _ => ApiError::Conflict(
            "another replica was polling LAPOR! a moment ago; try again in a few seconds".into(),
        ),
    }
}

fn sync_error(e: SyncError) -> ApiError {
    match e {
        SyncError::Lapor(e @ LaporError::CircuitOpen(_)) => ApiError::Unavailable(e.to_string()),
        SyncError::Lapor(e) => ApiError::Upstream(e.to_string()),
        SyncError::Store(e) => e.into(),
        e @ SyncError::LeaseLost => ApiError::Conflict(e.to_string()),
    }
}

/// Where the LAPOR! integration stands.
#[utoipa::path(get, operation_id = "lapor_status", path = "/api/v1/integrations/lapor", tag = "lapor",
    responses((status = 200, body = LaporStatus),
        (status = 403, description = "Role may not", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn status(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    require_liaison(&caller)?;
    Ok(HttpResponse::Ok().json(lapor_status(&state).await?))
}

/// Poll LAPOR! now (instead of waiting for the schedule).
#[utoipa::path(post, operation_id = "lapor_poll", path = "/api/v1/integrations/lapor/poll", tag = "lapor",
    responses((status = 200, body = PollReport),
        (status = 409, description = "Another replica is polling (`conflict`), or the integration is not configured on this service (`not-configured`)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 502, description = "LAPOR! failed", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "LAPOR! considered down after repeated failures", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn poll(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(caller.role(), Role::Admin | Role::Liaison),
        "polling LAPOR! is for the liaison officer and admins",
    )?;
    let sync = lapor(&state)?;
    match sync.poll_leased(Utc::now()).await.map_err(sync_error)? {
        Some(report) => Ok(HttpResponse::Ok().json(report)),
        None => Err(lease_busy(&state).await),
    }
}

/// Run the reconciliation sweep now: the whole LAPOR! listing is read and
/// whatever is missing imported (it also runs by itself once a night).
#[utoipa::path(post, path = "/api/v1/integrations/lapor/reconcile", tag = "lapor",
    responses((status = 200, body = PollReport),
        (status = 409, description = "Another replica is polling (`conflict`), or the integration is not configured on this service (`not-configured`)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 502, description = "LAPOR! failed", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "LAPOR! considered down after repeated failures", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn reconcile(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(caller.role(), Role::Admin | Role::Liaison),
        "the LAPOR! reconciliation is for the liaison officer and admins",
    )?;
    let sync = lapor(&state)?;
    match sync
        .reconcile_leased(Utc::now())
        .await
        .map_err(sync_error)?
    {
        Some(report) => Ok(HttpResponse::Ok().json(report)),
        None => Err(lease_busy(&state).await),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarantineParams {
    /// `true` to include resolved items.
    pub all: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineView {
    pub id: Uuid,
    pub tracking_id: Option<String>,
    /// Why it could not become a complaint.
    pub reason: String,
    /// The item as LAPOR! sent it.
    #[schema(value_type = Object)]
    pub item: serde_json::Value,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub times_seen: i32,
    pub resolved_at: Option<DateTime<Utc>>,
    pub complaint_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineList {
    pub items: Vec<QuarantineView>,
}

/// Items from LAPOR! that could not become complaints, newest first.
#[utoipa::path(get, path = "/api/v1/integrations/lapor/quarantine", tag = "lapor", params(QuarantineParams),
    responses((status = 200, body = QuarantineList)), security(("bearer" = [])))]
pub async fn quarantine(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<QuarantineParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(caller.role(), Role::Admin | Role::Liaison),
        "the quarantine is for the liaison officer and admins",
    )?;
    let items = state
        .store
        .list_quarantine(q.all.unwrap_or(false), 500)
        .await?;
    Ok(HttpResponse::Ok().json(QuarantineList {
        items: items
            .into_iter()
            .map(|i| QuarantineView {
                id: i.id,
                tracking_id: i.tracking_id,
                reason: i.reason,
                item: serde_json::from_str(&i.raw).unwrap_or(serde_json::Value::String(i.raw)),
                first_seen: i.first_seen,
                last_seen: i.last_seen,
                times_seen: i.times_seen,
                resolved_at: i.resolved_at,
                complaint_id: i.complaint_id,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetryOutcome {
    /// `true` when the item is now a complaint.
    pub resolved: bool,
}

/// Try a quarantined item again (fetched anew from LAPOR!).
#[utoipa::path(post, path = "/api/v1/integrations/lapor/quarantine/{id}/retry", tag = "lapor",
    params(("id" = Uuid, Path, description = "Quarantine entry")),
    responses((status = 200, body = RetryOutcome),
        (status = 404, description = "Unknown entry", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The integration is not configured on this service (`not-configured`)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 502, description = "LAPOR! failed", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(caller.role(), Role::Admin | Role::Liaison),
        "the quarantine is for the liaison officer and admins",
    )?;
    let sync = lapor(&state)?;
    match sync
        .retry_quarantined(id.into_inner())
        .await
        .map_err(sync_error)?
    {
        Some(resolved) => Ok(HttpResponse::Ok().json(RetryOutcome { resolved })),
        None => Err(ApiError::NotFound("No quarantine entry with this id.")),
    }
}
