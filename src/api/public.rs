//! The complainant's status page: tracking number + access code.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{PublicEvent, PublicStatus};
use super::error::ApiError;
use super::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeParam {
    /// The access code given at registration (dashes and case do not matter).
    pub code: Option<String>,
}

const NO_MATCH: &str = "No complaint matches this tracking number and access code.";

/// Status of a complaint, for the complainant.
///
/// No personal data; no subject or body when the complaint is confidential. A
/// wrong code and an unknown number give the same 404. Rate-limited per client
/// address (`ADUAN_PUBLIC_RATE_LIMIT` per minute).
#[utoipa::path(get, operation_id = "public_status", path = "/api/v1/public/complaints/{tracking_number}", tag = "public",
    params(("tracking_number" = String, Path, description = "e.g. ADU-2026-000123"), CodeParam),
    responses(
        (status = 200, description = "Status and public timeline", body = PublicStatus),
        (status = 404, description = "Unknown number or wrong code", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many look-ups from this address", body = super::error::Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    tracking_number: web::Path<String>,
    params: web::Query<CodeParam>,
) -> Result<HttpResponse, ApiError> {
    let client = super::auth::client_ip(&req, &state.settings.trusted_proxies)
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    state
        .public_limiter
        .check(client)
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;

    let not_found = || ApiError::NotFound(NO_MATCH);
    let c = state
        .app
        .open_public(&tracking_number, params.code.as_deref().unwrap_or(""))
        .await?
        .ok_or_else(not_found)?;
    let timeline = PublicEvent::timeline(state.store.timeline(c.id).await?);
    let show = !c.confidential;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(PublicStatus {
            tracking_number: c.tracking_number,
            status: c.status,
            status_label: c.status.public_label().to_string(),
            kind: c.kind,
            channel: c.channel,
            received_at: c.received_at,
            due_at: c.due_at,
            confidential: c.confidential,
            subject: show.then_some(c.subject),
            body: show.then_some(c.body),
            timeline,
        }))
}

/// A satisfaction survey (SKM) response: the access code and the nine
/// answers (1–4), optionally the respondent profile and a suggestion.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    /// The access code given at registration.
    pub code: Option<String>,
    /// `u1` … `u9`, each 1–4 (the 4-point scale of PermenPANRB 14/2017).
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    pub answers: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    pub respondent: crate::domain::skm::RespondentInput,
    /// At most 2,000 characters.
    pub suggestion: Option<String>,
}

fn client_check(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    let client = super::auth::client_ip(req, &state.settings.trusted_proxies)
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    state
        .public_limiter
        .check(client)
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })
}

/// Rate the handling of a complaint (once, after its answer was dispatched).
///
/// Kept without the complaint's id or the person: only the day, the channel
/// and the unit that handled it, for the index (`/api/v1/reports/ikm`).
#[utoipa::path(post, path = "/api/v1/public/complaints/{tracking_number}/survey", tag = "public",
    params(("tracking_number" = String, Path, description = "e.g. ADU-2026-000123")),
    request_body = SurveyBody,
    responses(
        (status = 201, description = "Recorded"),
        (status = 404, description = "Unknown number or wrong code", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not answered yet, or rated already", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or out-of-range answer", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many look-ups from this address", body = super::error::Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    tracking_number: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    client_check(&state, &req)?;
    let b: SurveyBody = super::extract::json_body(&req, &body)?;
    let c = state
        .app
        .open_public(&tracking_number, b.code.as_deref().unwrap_or(""))
        .await?
        .ok_or(ApiError::NotFound(NO_MATCH))?;
    let input = crate::domain::skm::SurveyInput {
        answers: b.answers,
        respondent: b.respondent,
        suggestion: b.suggestion,
    };
    use crate::app::survey::SurveyOutcome;
    match state
        .app
        .submit_survey(&c, &input, chrono::Utc::now())
        .await?
    {
        SurveyOutcome::Recorded => Ok(HttpResponse::Created().finish()),
        SurveyOutcome::Already => Err(ApiError::Conflict(
            "This complaint was rated already: one response per complaint.".into(),
        )),
        SurveyOutcome::NotYet => Err(ApiError::Conflict(
            "The survey opens once the answer to this complaint was dispatched.".into(),
        )),
        SurveyOutcome::Invalid(e) => Err(ApiError::Validation(e)),
    }
}
