//! The evaluation reports for the head, managers, the liaison officer and
//! admins: a period and a grouping chosen in a plain GET form, the summary
//! table with the LAPOR! figures, the four charts (server-drawn SVG from the
//! API, each with its description as alt text), the exports (the API's CSV
//! and XLSX at the same parameters) and a printable A4 page with the
//! letterhead and room for the head's signature.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{Layout, Section, render, staff};
use crate::domain::Role;
use crate::domain::report::GroupBy;
use crate::http::AppState;
use crate::reports::{Summary, SummaryFigures};
use crate::words;

pub fn for_role(r: Role) -> bool {
    matches!(r, Role::Head | Role::Manager | Role::Admin | Role::Liaison)
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
    /// The download's format (`csv` or `xlsx`; the export only).
    format: Option<String>,
}

/// A row of the table, numbers already written the Indonesian way.
struct Row {
    label: String,
    total: bool,
    cells: Vec<String>,
}

/// A chart as the page shows it.
struct ChartView {
    src: String,
    png: String,
    alt: String,
}

/// The parts both pages share.
struct Report {
    from: String,
    to: String,
    group_by: &'static str,
    period: String,
    group_label: &'static str,
    as_of: String,
    stale: bool,
    rows: Vec<Row>,
    lapor: Option<Vec<(&'static str, String)>>,
    charts: Vec<ChartView>,
    query: String,
    columns: &'static [&'static str],
    /// The guest book's figures (when visits were recorded in the period).
    visits: Option<VisitsView>,
}

/// The guest book's part of the report (issue 35).
pub struct VisitsView {
    pub facts: Vec<(&'static str, String)>,
    pub by_purpose: Vec<(&'static str, u64)>,
    pub by_unit: Vec<(String, u64)>,
    pub by_day: Vec<(String, u64)>,
}

/// The figures of the guest book as rows to show.
pub fn visits_view(
    r: &crate::domain::visit::VisitReport,
    ikm: &crate::domain::skm::Index,
) -> Option<VisitsView> {
    if r.total == 0 {
        return None;
    }
    let mut facts = vec![
        ("Tamu", r.total.to_string()),
        ("Dilayani", r.served.to_string()),
        ("Tidak jadi", r.cancelled.to_string()),
        (
            "Waktu tunggu sampai dilayani (median / P90)",
            r.waited.map_or("—".into(), |(m, p)| {
                format!("{} / {}", words::durasi_detik(m), words::durasi_detik(p))
            }),
        ),
        (
            "Tamu prioritas dilayani dalam standar",
            format!(
                "{} dari {} (paling lama {} menit)",
                r.priority_in_standard, r.priority, r.standard_minutes
            ),
        ),
    ];
    facts.push((
        "IKM pelayanan tamu",
        match ikm.ikm {
            Some(v) => format!(
                "{} dari {} responden",
                crate::web::public::decimal(v),
                ikm.respondents
            ),
            None => "belum ada responden".into(),
        },
    ));
    Some(VisitsView {
        facts,
        by_purpose: r.by_purpose.iter().map(|(p, n)| (p.label(), *n)).collect(),
        by_unit: r.by_unit.clone(),
        by_day: r.by_day.iter().map(|(d, n)| (long_date(*d), *n)).collect(),
    })
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ReportsPage {
    layout: Layout,
    r: Report,
    groupings: Vec<(&'static str, &'static str, bool)>,
    errors: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "console/report_print.html")]
struct PrintPage {
    office: String,
    letterhead: Vec<String>,
    place_date: String,
    r: Report,
}

const GROUPINGS: [(&str, &str); 6] = [
    ("channel", "Saluran"),
    ("kind", "Jenis"),
    ("category", "Kategori"),
    ("unit", "Unit"),
    ("holder", "Pemegang"),
    ("month", "Bulan"),
];

pub const COLUMNS: [&str; 13] = [
    "Diterima",
    "Terbuka",
    "Dijawab",
    "Tepat waktu",
    "Terlambat",
    "% tepat waktu",
    "Median hari kerja",
    "P90 hari kerja",
    "Terbuka & terlambat",
    "Ditutup",
    "Dialihkan",
    "Digabung",
    "Ditolak",
];

fn percent(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| {
        format!("{:.1} %", r * 100.0).replace('.', ",")
    })
}

fn days(v: Option<f64>) -> String {
    v.map_or("—".into(), |d| format!("{d:.0}"))
}

fn cells(f: &SummaryFigures) -> Vec<String> {
    vec![
        f.received.to_string(),
        f.open.to_string(),
        f.answered.to_string(),
        f.answered_on_time.to_string(),
        f.answered_late.to_string(),
        percent(f.on_time_ratio),
        days(f.median_working_days),
        days(f.p90_working_days),
        f.overdue_open.to_string(),
        f.closed.to_string(),
        f.redirected.to_string(),
        f.merged.to_string(),
        f.rejected.to_string(),
    ]
}

/// `2 November 2026`.
fn long_date(d: NaiveDate) -> String {
    let m = crate::words::MONTHS
        .get(d.month0() as usize)
        .copied()
        .unwrap_or("");
    format!("{} {m} {}", d.day(), d.year())
}

/// The period asked for, or this month up to today; with the messages for
/// bad fields (in Indonesian, next to them).
fn parse(
    q: &ReportQuery,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate, GroupBy, Vec<(&'static str, String)>) {
    let mut errors = Vec::new();
    let first = today.with_day(1).unwrap_or(today);
    let date = |v: &Option<String>,
                field: &'static str,
                default: NaiveDate,
                errors: &mut Vec<_>| {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => default,
            Some(s) => crate::words::parse_tanggal(s).unwrap_or_else(|| {
                errors.push((
                    field,
                    "Tanggal tidak terbaca: tulis hh-bb-tttt, mis. 01-12-2026.".to_string(),
                ));
                default
            }),
        }
    };
    let mut from = date(&q.from, "from", first, &mut errors);
    let mut to = date(&q.to, "to", today, &mut errors);
    if to < from {
        errors.push((
            "to",
            "Tanggal akhir tidak boleh sebelum tanggal awal.".into(),
        ));
        (from, to) = (first, today);
    } else if (to - from).num_days() > 5 * 366 {
        errors.push(("to", "Satu laporan paling lama 5 tahun.".into()));
        (from, to) = (first, today);
    }
    let by = match q.group_by.as_deref() {
        None | Some("") => GroupBy::Channel,
        Some(g) => GroupBy::parse(g).unwrap_or_else(|| {
            errors.push(("group_by", "Pilih salah satu pengelompokan.".into()));
            GroupBy::Channel
        }),
    };
    (from, to, by, errors)
}

fn build(
    summary: &Summary,
    charts: Vec<(&'static str, String)>,
    tz: chrono_tz::Tz,
    visits: Option<VisitsView>,
) -> Report {
    let by = summary.group_by;
    let query = format!("from={}&to={}&group_by={by}", summary.from, summary.to);
    let mut rows: Vec<Row> = summary
        .groups
        .iter()
        .map(|g| Row {
            label: g.label.clone(),
            total: false,
            cells: cells(&g.figures),
        })
        .collect();
    rows.push(Row {
        label: "Jumlah".into(),
        total: true,
        cells: cells(&summary.total),
    });
    let t = &summary.total;
    let lapor = t.lapor_received.filter(|n| *n > 0).map(|n| {
        vec![
            ("Laporan SP4N-LAPOR! diterima", n.to_string()),
            (
                "Ditindaklanjuti dalam 5 hari kerja",
                t.lapor_followed_up_in_time.unwrap_or(0).to_string(),
            ),
            (
                "Bagian yang ditindaklanjuti",
                percent(t.lapor_followed_up_ratio),
            ),
            ("Bagian yang selesai", percent(t.lapor_finished_ratio)),
        ]
    });
    let period = format!("{} – {}", long_date(summary.from), long_date(summary.to));
    Report {
        from: crate::words::isian_tanggal(summary.from),
        to: crate::words::isian_tanggal(summary.to),
        group_by: by,
        group_label: GROUPINGS
            .iter()
            .find(|g| g.0 == by)
            .map_or("Saluran", |g| g.1),
        as_of: words::waktu(summary.as_of, tz),
        stale: summary.counted != "live",
        rows,
        lapor,
        charts: charts
            .into_iter()
            .map(|(name, alt)| {
                let q = format!("from={}&to={}", summary.from, summary.to);
                ChartView {
                    src: format!("/api/v1/reports/charts/{name}?{q}"),
                    png: format!("/api/v1/reports/charts/{name}?{q}&format=png"),
                    alt,
                }
            })
            .collect(),
        period,
        query,
        columns: &COLUMNS,
        visits,
    }
}

async fn load(
    state: &AppState,
    q: &ReportQuery,
) -> Result<(Report, Vec<(&'static str, String)>), ()> {
    let now = chrono::Utc::now();
    let tz = state.settings.office_timezone;
    let (from, to, by, errors) = parse(q, now.with_timezone(&tz).date_naive());
    let ((summary, charts), (visits, visits_ikm)) = tokio::try_join!(
        async {
            state
                .app
                .report_with_charts(from, to, by, &crate::app::reports::CHARTS, now)
                .await
                .map_err(|_| ())
        },
        async { state.app.visit_report(from, to).await.map_err(|_| ()) },
    )?;
    let charts = charts
        .into_iter()
        .map(|(n, c)| (n, format!("{}. {}", c.title, c.description)))
        .collect();
    Ok((
        build(&summary, charts, tz, visits_view(&visits, &visits_ikm)),
        errors,
    ))
}

fn refuse(state: &AppState) -> HttpResponse {
    super::message(
        state,
        StatusCode::FORBIDDEN,
        "Bukan untuk peran ini",
        "Laporan untuk kepala, pimpinan, petugas penghubung LAPOR! dan admin.",
    )
}

/// The signed-in person, if the reports are for their role.
async fn reader(state: &AppState, req: &HttpRequest) -> Result<super::Staff, HttpResponse> {
    let who = staff(state, req).await?;
    if !for_role(who.caller.role()) {
        return Err(refuse(state));
    }
    Ok(who)
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let who = match reader(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok((r, errors)) = load(&state, &q).await else {
        return super::unavailable(&state);
    };
    let groupings = GROUPINGS
        .iter()
        .map(|(k, l)| (*k, *l, *k == r.group_by))
        .collect();
    render(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &ReportsPage {
            layout: Layout::for_staff(&state, &who, "Rekapitulasi pengaduan", Section::Reports),
            r,
            groupings,
            errors,
        },
    )
}

/// `GET /console/reports/export?…&format=csv|xlsx`: the summary for people
/// (Indonesian headings; `,` decimals in the CSV, numbers as numbers in the
/// workbook). The API's exports keep their fixed field names.
pub async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    use crate::reports::export::{Reader, summary_csv, summary_xlsx};
    if let Err(r) = reader(&state, &req).await {
        return r;
    }
    let now = chrono::Utc::now();
    let tz = state.settings.office_timezone;
    let (from, to, by, _) = parse(&q, now.with_timezone(&tz).date_naive());
    let Ok(summary) = state.app.report(from, to, by, now).await else {
        return super::unavailable(&state);
    };
    let name = format!("rekapitulasi-pengaduan-{from}-{to}");
    let (body, kind, ext) = match q.format.as_deref() {
        Some("xlsx") => match summary_xlsx(&summary, Reader::Person) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            Err(_) => return super::unavailable(&state),
        },
        _ => (
            summary_csv(&summary, Reader::Person).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{ext}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body)
}

pub async fn print(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    if let Err(r) = reader(&state, &req).await {
        return r;
    }
    let Ok((r, _)) = load(&state, &q).await else {
        return super::unavailable(&state);
    };
    let tz = state.settings.office_timezone;
    let date = long_date(chrono::Utc::now().with_timezone(&tz).date_naive());
    let place = &state.settings.office_city;
    render(
        StatusCode::OK,
        &PrintPage {
            office: state.settings.office_name.clone(),
            letterhead: state.settings.letterhead.clone(),
            place_date: if place.is_empty() {
                date
            } else {
                format!("{place}, {date}")
            },
            r,
        },
    )
}
