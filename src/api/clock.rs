//! The complaint's clock: pause while waiting for the complainant, resume,
//! and extensions approved by the head of office. Each is a timeline event.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Caller;
use super::dto::{ComplaintView, ViewContext};
use super::error::ApiError;
use super::extract::{if_match, json_body};
use super::state::AppState;
use crate::domain::ValidationErrors;
use crate::store::{ClockOp, ClockOutcome};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockInput {
    /// What arrived from the complainant.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseInput {
    /// Why: what was asked of the complainant.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1000,
        pattern = r"\S"
    )]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInput {
    /// Working days to add (1–30).
    #[schema(required = true, nullable = false, minimum = 1, maximum = 30)]
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    pub working_days: Option<i64>,
    /// Why the office needs more time.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1000,
        pattern = r"\S"
    )]
    pub reason: Option<String>,
}

fn reason(e: &mut ValidationErrors, r: Option<&str>, required: bool) -> String {
    match r.map(str::trim) {
        None | Some("") if required => {
            e.push("reason", "is required");
            String::new()
        }
        Some(r) if r.chars().count() > 1000 => {
            e.push("reason", "must be at most 1000 characters");
            String::new()
        }
        other => other.unwrap_or("").to_string(),
    }
}

async fn apply(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    id: Uuid,
    op: ClockOp,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
    if !caller.role().can_read_all_complaints() {
        return Err(ApiError::Forbidden(
            "integration keys do not manage the clock",
        ));
    }
    let outcome = state
        .app
        .adjust_clock(id, expected, &op, caller.actor(), Utc::now())
        .await?;
    match outcome {
        ClockOutcome::Done(c) => {
            tracing::info!(complaint_id = %c.id, "clock changed");
            let ctx = ViewContext {
                viewer: caller.role(),
                now: Utc::now(),
                timezone: state.settings.office_timezone,
                policy: state.app.policy().await?,
            };
            Ok(HttpResponse::Ok()
                .insert_header((header::ETAG, format!("\"{}\"", c.version)))
                .json(ComplaintView::new(*c, &ctx)))
        }
        ClockOutcome::NotFound => Err(ApiError::NotFound("No complaint with this id.")),
        ClockOutcome::VersionMismatch(v) => Err(ApiError::PreconditionFailed(v)),
        ClockOutcome::Conflict(why) => Err(ApiError::Conflict(why.to_string())),
        ClockOutcome::Forbidden(why) => Err(ApiError::NotYours(why)),
    }
}

/// Stop the clock while waiting for the complainant (missing documents, a
/// question to answer). Reminders and overdue lists skip a paused complaint.
/// For whoever holds the complaint's position (own, Plh or Plt), reception
/// and the liaison officer while it waits on them (registered, or approved
/// and waiting to go out), and the head of office; others get 403.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/clock/pause", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?("[1-9][0-9]{0,14}"|[1-9][0-9]{0,14})$"#, description = "ETag of the complaint, e.g. \"3\"")),
    request_body = PauseInput,
    responses(
        (status = 200, description = "Paused", body = ComplaintView),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already paused, closed, or not counted in working days", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn pause(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PauseInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let reason = reason(&mut e, body.reason.as_deref(), true);
    if !e.is_empty() {
        return Err(e.into());
    }
    apply(
        &state,
        &caller,
        &req,
        id.into_inner(),
        ClockOp::Pause { reason },
    )
    .await
}

/// Restart the clock (the complainant answered): the deadline moves by the
/// working days it was stopped. The same people as for pausing.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/clock/resume", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?("[1-9][0-9]{0,14}"|[1-9][0-9]{0,14})$"#, description = "ETag of the complaint, e.g. \"3\"")),
    request_body = ClockInput,
    responses(
        (status = 200, description = "Running again, with the moved deadline", body = ComplaintView),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paused", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn resume(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ClockInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let reason = reason(&mut e, body.reason.as_deref(), false);
    if !e.is_empty() {
        return Err(e.into());
    }
    apply(
        &state,
        &caller,
        &req,
        id.into_inner(),
        ClockOp::Resume { reason },
    )
    .await
}

/// Extend the deadline — the head of office's decision, with a reason.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/extension", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?("[1-9][0-9]{0,14}"|[1-9][0-9]{0,14})$"#, description = "ETag of the complaint, e.g. \"3\"")),
    request_body = ExtensionInput,
    responses(
        (status = 200, description = "Extended", body = ComplaintView),
        (status = 403, description = "Not the head of office", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Paused, closed, or not counted in working days", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn extend(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ExtensionInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let working_days = match body.working_days {
        Some(n) if (1..=30).contains(&n) => n as u32,
        _ => {
            e.push("working_days", "must be a whole number from 1 to 30");
            0
        }
    };
    let reason = reason(&mut e, body.reason.as_deref(), true);
    if !e.is_empty() {
        return Err(e.into());
    }
    apply(
        &state,
        &caller,
        &req,
        id.into_inner(),
        ClockOp::Extend {
            working_days,
            reason,
        },
    )
    .await
}
