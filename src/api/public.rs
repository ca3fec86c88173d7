//! The complainant's status page: tracking number + access code.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{PublicEvent, PublicStatus};
use super::error::ApiError;
use super::state::AppState;
use crate::domain::{AccessCode, TrackingNumber, public_event_description};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeParam {
    /// The access code given at registration (dashes and case do not matter).
    pub code: Option<String>,
}

const NO_MATCH: &str = "No complaint matches this tracking number and access code.";

/// Compared against when the number is unknown (matches no code's digest).
const NO_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Status of a complaint, for the complainant.
///
/// No personal data; no subject or body when the complaint is confidential. A
/// wrong code and an unknown number give the same 404. Rate-limited per client
/// address (`ADUAN_PUBLIC_RATE_LIMIT` per minute).
#[utoipa::path(get, path = "/api/v1/public/complaints/{tracking_number}", tag = "public",
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
    let number = TrackingNumber::parse(&tracking_number).ok_or_else(not_found)?;
    let code = params
        .code
        .as_deref()
        .and_then(AccessCode::parse)
        .ok_or_else(not_found)?;
    // the same work for an unknown number and a wrong code: one small
    // indexed read, one digest, one constant-time comparison
    let given = code.digest();
    let found = state.store.access_digest(number.as_str()).await?;
    let (id, digest) = found.unwrap_or_else(|| (uuid::Uuid::nil(), NO_DIGEST.to_string()));
    if !same_digest(&digest, &given) || id.is_nil() {
        return Err(not_found());
    }
    let c = state.store.get_complaint(id).await?.ok_or_else(not_found)?;
    let events = state.store.timeline(c.id).await?;
    let timeline = events
        .into_iter()
        .filter_map(|e| {
            public_event_description(&e.kind).map(|d| PublicEvent {
                at: e.at,
                kind: e.kind,
                description: d.to_string(),
            })
        })
        .collect();
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
