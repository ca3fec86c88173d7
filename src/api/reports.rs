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
    #[param(value_type = Option<String>, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub from: Option<String>,
    /// Last day (inclusive), YYYY-MM-DD.
    #[param(value_type = Option<String>, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub to: Option<String>,
    /// Only complaints of this channel.
    #[param(value_type = Option<crate::domain::Channel>)]
    pub channel: Option<String>,
    /// Only complaints handled by this unit (the first disposition's).
    #[param(value_type = Option<uuid::Uuid>)]
    pub unit_id: Option<String>,
    /// The service rated: `complaints` (default; complaint handling) or
    /// `visits` (the front office's guest book; `channel` does not apply).
    #[param(pattern = "^(complaints|visits)$")]
    pub service: Option<String>,
    /// `json` (default), `csv` or `xlsx` (fields `element`, `name`,
    /// `average`, `weighted`, `ikm`, `respondents`): a row per element, then
    /// a row `IKM` with the index and the number of respondents.
    #[param(pattern = "^(json|csv|xlsx)$")]
    pub format: Option<String>,
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
    /// The service rated: `complaints` or `visits`.
    pub service: &'static str,
}

fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        caller.role() != Role::Integration,
        "integration keys do not read reports",
    )
}

/// A `YYYY-MM-DD` query parameter; a missing one is an error if `required`.
fn date_param(
    e: &mut ValidationErrors,
    field: &str,
    v: &Option<String>,
    required: bool,
) -> Option<NaiveDate> {
    match v.as_deref() {
        None => {
            if required {
                e.push(field, "is required (YYYY-MM-DD)");
            }
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(field, "must be a date YYYY-MM-DD");
                None
            }
        },
    }
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
    require_reader(&caller)?;
    let mut e = ValidationErrors::default();
    let from = date_param(&mut e, "from", &params.from, false);
    let to = date_param(&mut e, "to", &params.to, false);
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
    let service = match params.service.as_deref() {
        None => crate::store::SurveyService::Complaints,
        Some(v) => crate::store::SurveyService::parse(v).unwrap_or_else(|| {
            e.push("service", "must be complaints or visits");
            crate::store::SurveyService::Complaints
        }),
    };
    if service == crate::store::SurveyService::Visits && channel.is_some() {
        e.push("channel", "does not apply to visits");
    }
    let format = match params.format.as_deref() {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some("xlsx") => "xlsx",
        Some(_) => {
            e.push("format", "must be json, csv or xlsx");
            "json"
        }
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
            service,
        })
        .await?;
    if format != "json" {
        use crate::reports::export::{Cell, Table, table_csv, table_xlsx};
        let mut rows: Vec<Vec<Cell>> = i
            .elements
            .iter()
            .zip(crate::domain::skm::ELEMENTS.iter())
            .map(|(s, e)| {
                vec![
                    Cell::Text(s.code.into()),
                    Cell::Text(e.name.into()),
                    Cell::Number(as_decimal(s.average)),
                    Cell::Number(as_decimal(s.weighted)),
                    Cell::Empty,
                    Cell::Empty,
                ]
            })
            .collect();
        rows.push(vec![
            Cell::Text("IKM".into()),
            Cell::Text("Indeks Kepuasan Masyarakat".into()),
            Cell::Empty,
            Cell::Empty,
            i.ikm.map_or(Cell::Empty, |v| Cell::Number(as_decimal(v))),
            Cell::Number(i.respondents as f64),
        ]);
        let table = Table {
            sheet: "IKM",
            header: vec![
                "element",
                "name",
                "average",
                "weighted",
                "ikm",
                "respondents",
            ],
            rows,
        };
        let (body, content_type) = if format == "xlsx" {
            (
                table_xlsx(&table)
                    .map_err(|e| ApiError::Internal(format!("the IKM workbook: {e}")))?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        } else {
            (table_csv(&table).into_bytes(), "text/csv; charset=utf-8")
        };
        return Ok(HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"ikm.{format}\""),
            ))
            .body(body));
    }
    Ok(HttpResponse::Ok().json(IkmReport {
        service: service.as_str(),
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

/// A report's period: both dates required, `to` not before `from`, at
/// most 5 years.
fn period(
    e: &mut ValidationErrors,
    from: &Option<String>,
    to: &Option<String>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let from = date_param(e, "from", from, true);
    let to = date_param(e, "to", to, true);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.push("to", "must not be before from");
        } else if (t - f).num_days() > 5 * 366 {
            e.push("to", "a report covers at most 5 years");
        }
    }
    (from, to)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First day received (office-local, inclusive), YYYY-MM-DD.
    #[param(required = true, value_type = String, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub from: Option<String>,
    /// Last day received (inclusive), YYYY-MM-DD; at most 5 years after `from`.
    #[param(required = true, value_type = String, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub to: Option<String>,
    /// `channel` (default), `kind`, `category`, `unit`, `holder` or `month`.
    #[param(pattern = "^(channel|kind|category|unit|holder|month)$")]
    pub group_by: Option<String>,
    /// `json` (default), `csv` (UTF-8 with a BOM, `;`-separated, the same
    /// field names as the header, a `total` row last) or `xlsx` (sheet
    /// `Ringkasan` likewise, numbers as numbers; sheet `Periode` with the
    /// dates as dates).
    #[param(pattern = "^(json|csv|xlsx)$")]
    pub format: Option<String>,
}

/// The evaluation summary of the complaints received in a period.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", params(SummaryParams),
    responses(
        (status = 200, body = crate::reports::Summary),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Integration keys do not read reports", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed or missing date, `to` before `from`, more than 5 years, an unknown `group_by`", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<SummaryParams>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::report::GroupBy;
    require_reader(&caller)?;
    let mut e = ValidationErrors::default();
    let (from, to) = period(&mut e, &params.from, &params.to);
    let by = match params.group_by.as_deref() {
        None => Some(GroupBy::Channel),
        Some(g) => {
            let by = GroupBy::parse(g);
            if by.is_none() {
                e.push("group_by", format!("must be one of: {}", GroupBy::NAMES));
            }
            by
        }
    };
    let format = match params.format.as_deref() {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some("xlsx") => "xlsx",
        Some(_) => {
            e.push("format", "must be json, csv or xlsx");
            "json"
        }
    };
    let (Some(from), Some(to), Some(by), true) = (from, to, by, e.is_empty()) else {
        return Err(e.into());
    };
    let summary = state.app.report(from, to, by, chrono::Utc::now()).await?;
    if format == "xlsx" {
        let bytes =
            crate::reports::export::summary_xlsx(&summary, crate::reports::export::Reader::Program)
                .map_err(|e| ApiError::Internal(format!("the summary's workbook: {e}")))?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"ringkasan-{from}-{to}.xlsx\""),
            ))
            .body(bytes));
    }
    if format == "csv" {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"ringkasan-{from}-{to}.csv\""),
            ))
            .body(crate::reports::export::summary_csv(
                &summary,
                crate::reports::export::Reader::Program,
            )));
    }
    Ok(HttpResponse::Ok().json(summary))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartParams {
    /// First day received (office-local, inclusive), YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day received (inclusive), YYYY-MM-DD; at most 5 years after `from`.
    pub to: Option<String>,
    /// `svg` (default) or `png` (twice the SVG's size).
    pub format: Option<String>,
}

/// One chart of a period, drawn on the server: `received-per-week` (by
/// channel), `on-time-by-unit`, `overdue-ageing` (what is late now, by
/// working days late) or `ikm` (the survey's average per element).
#[utoipa::path(get, path = "/api/v1/reports/charts/{name}", tag = "reports",
    params(("name" = String, Path, description = "`received-per-week`, `on-time-by-unit`, `overdue-ageing` or `ikm`"), ChartParams),
    responses(
        (status = 200, description = "The chart", content_type = "image/svg+xml", body = String),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Integration keys do not read reports", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such chart", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed or missing date, `to` before `from`, more than 5 years, an unknown `format`", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn chart(
    state: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
    params: web::Query<ChartParams>,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller)?;
    if !crate::app::reports::CHARTS.contains(&name.as_str()) {
        return Err(ApiError::NotFound("no such chart"));
    }
    let mut e = ValidationErrors::default();
    let (from, to) = period(&mut e, &params.from, &params.to);
    let png = match params.format.as_deref() {
        None | Some("svg") => false,
        Some("png") => true,
        Some(_) => {
            e.push("format", "must be svg or png");
            false
        }
    };
    let (Some(from), Some(to), true) = (from, to, e.is_empty()) else {
        return Err(e.into());
    };
    let (bytes, content_type) =
        chart_bytes(&state.app, from, to, &name, png, chrono::Utc::now()).await?;
    Ok(HttpResponse::Ok().content_type(content_type).body(bytes))
}

/// A chart's bytes and content type (for this door and the console's).
pub async fn chart_bytes(
    app: &crate::app::App,
    from: NaiveDate,
    to: NaiveDate,
    name: &str,
    png: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<u8>, &'static str), ApiError> {
    let charts = app.report_charts(from, to, &[name], now).await?;
    let Some((_, c)) = charts.into_iter().find(|(n, _)| *n == name) else {
        return Err(ApiError::NotFound("no such chart"));
    };
    let svg = c.svg();
    if png {
        // CPU work: off the async threads
        let bytes = tokio::task::spawn_blocking(move || crate::reports::charts::png(&svg))
            .await
            .map_err(|e| ApiError::Internal(format!("chart {name}: {e}")))?
            .map_err(|e| ApiError::Internal(format!("chart {name}: {e}")))?;
        Ok((bytes, "image/png"))
    } else {
        Ok((svg.into_bytes(), "image/svg+xml; charset=utf-8"))
    }
}
