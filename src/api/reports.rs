//! Reports over HTTP: the satisfaction index (IKM) of the SKM survey.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First day received (office-local, inclusive), YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day received (inclusive), YYYY-MM-DD; at most 5 years after `from`.
    pub to: Option<String>,
    /// `channel` (default), `kind`, `category`, `unit`, `holder` or `month`.
    pub group_by: Option<String>,
    /// `json` (default), `csv` (UTF-8 with a BOM, `;`-separated, the same
    /// field names as the header, a `total` row last) or `xlsx` (sheet
    /// `Ringkasan` likewise, numbers as numbers; sheet `Periode` with the
    /// dates as dates).
    pub format: Option<String>,
}

/// The figures of one group, or of all (`total`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryFigures {
    pub received: u64,
    /// Still being handled.
    pub open: u64,
    /// An answer was dispatched.
    pub answered: u64,
    /// Dispatched no later than the deadline (pauses and extensions counted).
    pub answered_on_time: u64,
    pub answered_late: u64,
    /// 0–1, 4 decimals; `null` when nothing was answered.
    pub on_time_ratio: Option<f64>,
    /// Working days from receipt to the first dispatch.
    pub median_working_days: Option<f64>,
    pub p90_working_days: Option<f64>,
    /// Open, clock running, past the deadline now.
    pub overdue_open: u64,
    pub closed: u64,
    pub redirected: u64,
    pub merged: u64,
    pub rejected: u64,
    /// LAPOR! reports among them (`null` without any).
    pub lapor_received: Option<u64>,
    /// Followed up (answered) within LAPOR!'s 5 working days.
    pub lapor_followed_up_in_time: Option<u64>,
    /// Followed up / LAPOR! reports, 0–1.
    pub lapor_followed_up_ratio: Option<f64>,
    /// Answered or closed / LAPOR! reports, 0–1.
    pub lapor_finished_ratio: Option<f64>,
}

impl From<&crate::domain::report::Figures> for SummaryFigures {
    fn from(f: &crate::domain::report::Figures) -> Self {
        SummaryFigures {
            received: f.received,
            open: f.open,
            answered: f.answered,
            answered_on_time: f.answered_on_time,
            answered_late: f.answered_late,
            on_time_ratio: f.on_time_ratio,
            median_working_days: f.median_working_days,
            p90_working_days: f.p90_working_days,
            overdue_open: f.overdue_open,
            closed: f.closed,
            redirected: f.redirected,
            merged: f.merged,
            rejected: f.rejected,
            lapor_received: f.lapor.as_ref().map(|l| l.received),
            lapor_followed_up_in_time: f.lapor.as_ref().map(|l| l.followed_up_in_time),
            lapor_followed_up_ratio: f.lapor.as_ref().and_then(|l| l.followed_up_ratio),
            lapor_finished_ratio: f.lapor.as_ref().and_then(|l| l.finished_ratio),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryGroup {
    /// The group's key (`letter`, a unit id, `2026-03`); `null`: none
    /// (no category, no unit, nobody holds it).
    pub key: Option<String>,
    /// The key in Bahasa Indonesia.
    pub label: String,
    #[serde(flatten)]
    pub figures: SummaryFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: &'static str,
    pub groups: Vec<SummaryGroup>,
    pub total: SummaryFigures,
}

/// The evaluation summary of the complaints received in a period.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", params(SummaryParams),
    responses(
        (status = 200, body = Summary),
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
    let from = date_param(&mut e, "from", &params.from, true);
    let to = date_param(&mut e, "to", &params.to, true);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.push("to", "must not be before from");
        } else if (t - f).num_days() > 5 * 366 {
            e.push("to", "a report covers at most 5 years");
        }
    }
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
    let (groups, total) = state.app.summary(from, to, by, chrono::Utc::now()).await?;
    let (units, positions) =
        tokio::try_join!(state.store.list_units(), state.store.list_positions())?;
    use crate::web::console::labels;
    let label = |key: &Option<String>| -> String {
        let Some(k) = key else {
            return match by {
                GroupBy::Category => "Tanpa kategori".into(),
                GroupBy::Unit => {
                    "Tanpa unit (belum didisposisikan, atau jabatannya tanpa unit)".into()
                }
                GroupBy::Holder => "Tidak dipegang jabatan (loket, atau selesai)".into(),
                _ => "—".into(),
            };
        };
        match by {
            GroupBy::Channel => Channel::parse(k).map_or(k.clone(), |c| labels::channel(c).into()),
            GroupBy::Kind => {
                crate::domain::Kind::parse(k).map_or(k.clone(), |c| labels::kind(c).into())
            }
            GroupBy::Unit => units
                .iter()
                .find(|u| u.id.to_string() == *k)
                .map_or(k.clone(), |u| u.name.clone()),
            GroupBy::Holder => positions
                .iter()
                .find(|p| p.id.to_string() == *k)
                .map_or(k.clone(), |p| p.title.clone()),
            GroupBy::Month => labels::month(k),
            GroupBy::Category => k.clone(),
        }
    };
    let summary = Summary {
        from,
        to,
        group_by: by.as_str(),
        groups: groups
            .iter()
            .map(|g| SummaryGroup {
                label: label(&g.key),
                key: g.key.clone(),
                figures: (&g.figures).into(),
            })
            .collect(),
        total: (&total).into(),
    };
    if format == "xlsx" {
        let bytes = summary_xlsx(&summary)
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
            .body(summary_csv(&summary)));
    }
    Ok(HttpResponse::Ok().json(summary))
}

/// The figures' field names, in the order of the exports' columns.
const SUMMARY_FIELDS: [&str; 17] = [
    "received",
    "open",
    "answered",
    "answered_on_time",
    "answered_late",
    "on_time_ratio",
    "median_working_days",
    "p90_working_days",
    "overdue_open",
    "closed",
    "redirected",
    "merged",
    "rejected",
    "lapor_received",
    "lapor_followed_up_in_time",
    "lapor_followed_up_ratio",
    "lapor_finished_ratio",
];

/// The summary as a workbook: `Ringkasan` (the JSON's field names as the
/// header, a row per group, `total` last; numbers as numbers, empty for
/// null) and `Periode` (from, to as dates; the grouping).
fn summary_xlsx(s: &Summary) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Ringkasan")?;
    sheet.write_string_with_format(0, 0, "key", &bold)?;
    sheet.write_string_with_format(0, 1, "label", &bold)?;
    for (c, f) in SUMMARY_FIELDS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16 + 2, *f, &bold)?;
    }
    let mut row = 1u32;
    let mut write =
        |key: &str, label: &str, f: &SummaryFigures| -> Result<(), rust_xlsxwriter::XlsxError> {
            let v = serde_json::to_value(f).unwrap_or_default();
            sheet.write_string(row, 0, key)?;
            sheet.write_string(row, 1, label)?;
            for (c, k) in SUMMARY_FIELDS.iter().enumerate() {
                if let Some(n) = v[*k].as_f64() {
                    sheet.write_number(row, c as u16 + 2, n)?;
                }
            }
            row += 1;
            Ok(())
        };
    for g in &s.groups {
        write(g.key.as_deref().unwrap_or(""), &g.label, &g.figures)?;
    }
    write("total", "Jumlah", &s.total)?;
    sheet.set_column_width(1, 36)?;
    let period = wb.add_worksheet();
    period.set_name("Periode")?;
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, (label, d)) in [("from", s.from), ("to", s.to)].into_iter().enumerate() {
        period.write_string_with_format(r as u32, 0, label, &bold)?;
        let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
        period.write_datetime_with_format(r as u32, 1, &x, &date)?;
    }
    period.write_string_with_format(2, 0, "group_by", &bold)?;
    period.write_string(2, 1, s.group_by)?;
    wb.save_to_buffer()
}

/// The summary as CSV: a header of the JSON's field names, a row per group,
/// a `total` row. Numbers as JSON writes them (`.` decimals), empty for null.
fn summary_csv(s: &Summary) -> String {
    let cell = crate::web::csv_cell;
    let n = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => cell(s),
        other => other.to_string(),
    };
    let fields = SUMMARY_FIELDS;
    let mut out = String::from("\u{feff}key;label;");
    out.push_str(&fields.join(";"));
    out.push_str("\r\n");
    let mut row = |key: &str, label: &str, f: &SummaryFigures| {
        let v = serde_json::to_value(f).unwrap_or_default();
        let cells: Vec<String> = fields.iter().map(|k| n(&v[*k])).collect();
        out.push_str(&format!(
            "{};{};{}\r\n",
            cell(key),
            cell(label),
            cells.join(";")
        ));
    };
    for g in &s.groups {
        row(g.key.as_deref().unwrap_or(""), &g.label, &g.figures);
    }
    row("total", "Jumlah", &s.total);
    out
}
