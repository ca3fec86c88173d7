//! Reports over HTTP: the satisfaction index (IKM) of the SKM survey.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::skm::as_decimal;
use crate::domain::{Channel, Role, ValidationErrors};
use crate::store::SurveyQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IkmParams {
    /// First day (office-local, inclusive), YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day (inclusive), YYYY-MM-DD.
    pub to: Option<String>,
    /// Only complaints of this channel.
    pub channel: Option<String>,
    /// Only complaints handled by this unit (the first disposition's).
    pub unit_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IkmElement {
    /// `U1` … `U9`.
    pub element: &'static str,
    /// NRR: the average answer, 1–4, two decimals.
    pub average: f64,
    /// NRR × 1/9, two decimals.
    pub weighted: f64,
}

/// The index of PermenPANRB 14/2017: IKM = Σ (NRR × 1/9) × 25, 25–100.
#[derive(Debug, Serialize, ToSchema)]
pub struct IkmReport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub respondents: u64,
    /// Two decimals; `null` without respondents.
    pub ikm: Option<f64>,
    /// A (88.31–100), B (76.61–88.30), C (65.00–76.60), D (25.00–64.99).
    pub category: Option<&'static str>,
    pub elements: Vec<IkmElement>,
}

/// The satisfaction index (IKM) for a period, a channel, a unit.
#[utoipa::path(get, path = "/api/v1/reports/ikm", tag = "reports", params(IkmParams),
    responses(
        (status = 200, body = IkmReport),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Integration keys do not read reports", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed date, channel or unit", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn ikm(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<IkmParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role() != Role::Integration,
        "integration keys do not read reports",
    )?;
    let mut e = ValidationErrors::default();
    let date = |e: &mut ValidationErrors, field: &str, v: &Option<String>| {
        v.as_deref()
            .and_then(|s| match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    e.push(field, "must be a date YYYY-MM-DD");
                    None
                }
            })
    };
    let from = date(&mut e, "from", &params.from);
    let to = date(&mut e, "to", &params.to);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.push("to", "must not be before from");
    }
    let channel = match params.channel.as_deref() {
        None => None,
        Some(c) => match Channel::parse(c) {
            Some(c) => Some(c.as_str().to_string()),
            None => {
                e.push("channel", "is not a channel");
                None
            }
        },
    };
    let unit_id = match params.unit_id.as_deref() {
        None => None,
        Some(u) => match u.parse::<Uuid>() {
            Ok(u) => Some(u),
            Err(_) => {
                e.push("unit_id", "is not a unit id");
                None
            }
        },
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let i = state
        .app
        .ikm(&SurveyQuery {
            from,
            to,
            channel,
            unit_id,
        })
        .await?;
    Ok(HttpResponse::Ok().json(IkmReport {
        from,
        to,
        respondents: i.respondents,
        ikm: i.ikm.map(as_decimal),
        category: i.category.map(|c| c.as_str()),
        elements: i
            .elements
            .iter()
            .map(|s| IkmElement {
                element: s.code,
                average: as_decimal(s.average),
                weighted: as_decimal(s.weighted),
            })
            .collect(),
    }))
}
