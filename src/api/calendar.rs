//! The working-day calendar, deadlines and SLA policy over HTTP.
//!
//! Reading the calendar and computing deadlines is public information (the
//! decreed holidays); amending the calendar and the SLA policy is for admins.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::json_body;
use super::state::AppState;
use crate::domain::calendar::DayKind;
use crate::domain::deadline::Sla;
use crate::domain::{Channel, Role, ValidationErrors};
use crate::store::{CalendarAction, CalendarChange, CalendarChangeOutcome};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineParams {
    /// When it was received (RFC 3339).
    #[param(value_type = String, format = DateTime, pattern = "^(20[0-9]{2}|2100)-")]
    pub received_at: Option<String>,
    /// N: the deadline is the end of the N-th working day after the receipt date.
    #[param(value_type = u32, maximum = 365)]
    pub working_days: Option<String>,
    /// IANA time zone; defaults to the office's.
    #[param(pattern = "^(Asia/(Jakarta|Pontianak|Makassar|Jayapura)|UTC)$")]
    pub timezone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineAnswer {
    pub received_at: DateTime<Utc>,
    /// The receipt date in `timezone` (day 0).
    pub received_date: NaiveDate,
    pub working_days: u32,
    pub timezone: String,
    /// The due date (YYYY-MM-DD) in `timezone`.
    pub due_date: NaiveDate,
    /// 23:59:59 of the due date in `timezone`, as an instant.
    pub due_at: DateTime<Utc>,
}

fn parse_tz(e: &mut ValidationErrors, raw: Option<&str>, default: Tz) -> Tz {
    match raw {
        None => default,
        Some(s) => s.parse().unwrap_or_else(|_| {
            e.push(
                "timezone",
                "must be an IANA time zone such as Asia/Makassar",
            );
            default
        }),
    }
}

/// The deadline N working days after a receipt, by the counting rule of the
/// standard: the receipt date is day 0; a receipt on a day off counts from the
/// next working day as day 1; the deadline is 23:59:59 of the N-th working day.
#[utoipa::path(get, path = "/api/v1/calendar/deadline", tag = "calendar",
    params(DeadlineParams),
    responses(
        (status = 200, description = "The due date and instant", body = DeadlineAnswer),
        (status = 422, description = "Missing or invalid parameter", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn deadline(
    state: web::Data<AppState>,
    params: web::Query<DeadlineParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let mut e = ValidationErrors::default();
    let received_at = match p.received_at.as_deref() {
        None => {
            e.push("received_at", "is required (RFC 3339)");
            None
        }
        Some(s) => match DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)) {
            // the calendar is known for these years; a far date would be
            // answered with a year beyond 9999 ("+10000-01-01")
            Ok(t) if (2000..=2100).contains(&chrono::Datelike::year(&t)) => Some(t),
            Ok(_) => {
                e.push("received_at", "must be in the years 2000 to 2100");
                None
            }
            Err(_) => {
                e.push(
                    "received_at",
                    "must be an RFC 3339 date-time, e.g. 2025-03-27T09:00:00+08:00",
                );
                None
            }
        },
    };
    let working_days = match p.working_days.as_deref() {
        None => {
            e.push("working_days", "is required");
            None
        }
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n <= 365 => Some(n),
            _ => {
                e.push("working_days", "must be a whole number from 0 to 365");
                None
            }
        },
    };
    let tz = parse_tz(
        &mut e,
        p.timezone.as_deref(),
        state.settings.office_timezone,
    );
    let (Some(received_at), Some(n)) = (received_at, working_days) else {
        return Err(e.into());
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let policy = state.app.policy().await?;
    let (due_date, due_at) = policy.calendar.deadline(received_at, n, tz);
    Ok(HttpResponse::Ok().json(DeadlineAnswer {
        received_at,
        received_date: received_at.with_timezone(&tz).date_naive(),
        working_days: n,
        timezone: tz.name().to_string(),
        due_date,
        due_at,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BetweenParams {
    /// YYYY-MM-DD (not counted)
    #[param(value_type = String, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub from: Option<String>,
    /// YYYY-MM-DD (counted)
    #[param(value_type = String, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDaysAnswer {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Working days after `from` up to and including `to` (negative when `to` is earlier).
    pub working_days: i64,
}

fn date_param(e: &mut ValidationErrors, field: &str, v: Option<&str>) -> Option<NaiveDate> {
    match v {
        None => {
            e.push(field, "is required (YYYY-MM-DD)");
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if (2000..=2100).contains(&chrono::Datelike::year(&d)) => Some(d),
            Ok(_) => {
                e.push(field, "must be in the years 2000 to 2100");
                None
            }
            Err(_) => {
                e.push(field, "must be a date YYYY-MM-DD");
                None
            }
        },
    }
}

/// Count working days between two dates.
#[utoipa::path(get, path = "/api/v1/calendar/working-days", tag = "calendar",
    params(BetweenParams),
    responses(
        (status = 200, description = "The count", body = WorkingDaysAnswer),
        (status = 422, description = "Missing or invalid date", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn working_days(
    state: web::Data<AppState>,
    params: web::Query<BetweenParams>,
) -> Result<HttpResponse, ApiError> {
    let mut e = ValidationErrors::default();
    let from = date_param(&mut e, "from", params.from.as_deref());
    let to = date_param(&mut e, "to", params.to.as_deref());
    let (Some(from), Some(to)) = (from, to) else {
        return Err(e.into());
    };
    let policy = state.app.policy().await?;
    Ok(HttpResponse::Ok().json(WorkingDaysAnswer {
        from,
        to,
        working_days: policy.calendar.working_days_between(from, to),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParam {
    /// Only this year.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDayView {
    pub date: NaiveDate,
    /// national_holiday, collective_leave or office_closure
    pub kind: String,
    pub name: String,
    /// decree (shipped with the service) or admin (added at runtime)
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDays {
    pub timezone: String,
    pub items: Vec<CalendarDayView>,
}

fn year_filter(p: &YearParam) -> Result<Option<i32>, ApiError> {
    match p.year.as_deref() {
        None => Ok(None),
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(Some(y)),
            _ => Err(ApiError::field("year", "must be a year from 2000 to 2100")),
        },
    }
}

/// Days off (days that are not working days): national holidays, cuti
/// bersama and office closures. Weekends are never listed.
#[utoipa::path(get, path = "/api/v1/calendar/days", tag = "calendar",
    params(YearParam),
    responses((status = 200, description = "Days off, by date", body = CalendarDays)))]
pub async fn list_days(
    state: web::Data<AppState>,
    params: web::Query<YearParam>,
) -> Result<HttpResponse, ApiError> {
    let year = year_filter(&params)?;
    let days = state.store.calendar_days().await?;
    Ok(HttpResponse::Ok().json(CalendarDays {
        timezone: state.settings.office_timezone.name().to_string(),
        items: days
            .into_iter()
            .filter(|d| d.active && year.is_none_or(|y| d.date.year() == y))
            .map(|d| CalendarDayView {
                date: d.date,
                kind: d.kind,
                name: d.name,
                source: d.source,
            })
            .collect(),
    }))
}

/// A new day off, by an admin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDayOff {
    #[schema(value_type = String, format = Date, required = true, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    pub date: Option<String>,
    /// national_holiday, collective_leave or office_closure (the default)
    #[schema(pattern = "^(national_holiday|collective_leave|office_closure)$")]
    pub kind: Option<String>,
    /// e.g. "Cuti Bersama Idul Adha" or "Kantor tutup: banjir"
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"
    )]
    pub name: Option<String>,
    /// Why (the decree, the circular): kept in the audit trail.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 500,
        pattern = r"\S"
    )]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarChangeAnswer {
    pub date: NaiveDate,
    /// added or removed
    pub action: String,
    /// Open complaints whose deadline moved (each has a timeline event).
    pub complaints_moved: u64,
}

fn reason_field(e: &mut ValidationErrors, v: Option<&str>) -> Option<String> {
    match v.map(str::trim) {
        None | Some("") => {
            e.push(
                "reason",
                "is required: say why (decree number, circular, closure)",
            );
            None
        }
        Some(r) if r.chars().count() > 500 => {
            e.push("reason", "must be at most 500 characters");
            None
        }
        Some(r)
            if r.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            e.push("reason", "must not contain control characters");
            None
        }
        Some(r) => Some(r.to_string()),
    }
}

async fn apply(
    state: &AppState,
    caller: &Caller,
    date: NaiveDate,
    action: CalendarAction,
    reason: &str,
) -> Result<CalendarChangeAnswer, ApiError> {
    let label = match action {
        CalendarAction::Add { .. } => "added",
        CalendarAction::Remove => "removed",
    };
    let outcome = state
        .app
        .change_calendar(CalendarChange {
            date,
            action,
            reason,
            actor: caller.actor(),
            now: Utc::now(),
            timezone: state.settings.office_timezone,
        })
        .await?;
    match outcome {
        CalendarChangeOutcome::Applied {
            complaints_moved, ..
        } => {
            tracing::info!(%date, action = label, complaints_moved, "calendar amended");
            Ok(CalendarChangeAnswer {
                date,
                action: label.to_string(),
                complaints_moved,
            })
        }
        CalendarChangeOutcome::AlreadyOff => {
            Err(ApiError::Conflict(format!("{date} is already a day off")))
        }
        CalendarChangeOutcome::NotOff => Err(ApiError::NotFound("This date is not a day off.")),
    }
}

/// Add a day off (a new decree, a mid-year amendment, a regional closure).
/// Open complaints whose deadline it moves get the new deadline and a timeline
/// event; deadlines already met or breached are not rewritten.
#[utoipa::path(post, path = "/api/v1/calendar/days", tag = "calendar",
    request_body = NewDayOff,
    responses(
        (status = 201, description = "Added", body = CalendarChangeAnswer),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a day off", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn add_day(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role() == Role::Admin,
        "only admins amend the calendar",
    )?;
    let b: NewDayOff = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    // A decreed holiday on a Saturday or Sunday is kept as decreed (the
    // calendar lists it); it moves no deadline, the day was not a working day.
    let date = date_param(&mut e, "date", b.date.as_deref());
    let kind = match b.kind.as_deref() {
        None => Some(DayKind::OfficeClosure),
        Some(k) => DayKind::parse(k).or_else(|| {
            e.push(
                "kind",
                "must be national_holiday, collective_leave or office_closure",
            );
            None
        }),
    };
    let name = match b.name.as_deref().map(str::trim) {
        None | Some("") => {
            e.push("name", "is required");
            None
        }
        Some(n) if n.chars().count() > 200 => {
            e.push("name", "must be at most 200 characters");
            None
        }
        // it is written into calendar.ics as it is
        Some(n) if n.chars().any(char::is_control) => {
            e.push("name", "must not contain control characters");
            None
        }
        Some(n) => Some(n.to_string()),
    };
    let reason = reason_field(&mut e, b.reason.as_deref());
    let (Some(date), Some(kind), Some(name), Some(reason), true) =
        (date, kind, name, reason, e.is_empty())
    else {
        return Err(e.into());
    };
    let answer = apply(
        &state,
        &caller,
        date,
        CalendarAction::Add { kind, name },
        &reason,
    )
    .await?;
    Ok(HttpResponse::Created().json(answer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonParam {
    /// Why the day is worked after all (the amending decree, …).
    #[param(required = true, min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: Option<String>,
}

/// Make a day off a working day again (e.g. a decreed cuti bersama cancelled).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", tag = "calendar",
    params(("date" = String, Path, format = Date, pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$", description = "YYYY-MM-DD"), ReasonParam),
    responses(
        (status = 200, description = "Removed", body = CalendarChangeAnswer),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a day off", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn remove_day(
    state: web::Data<AppState>,
    caller: Caller,
    date: web::Path<String>,
    params: web::Query<ReasonParam>,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role() == Role::Admin,
        "only admins amend the calendar",
    )?;
    let mut e = ValidationErrors::default();
    let date = date_param(&mut e, "date", Some(date.as_str()));
    let reason = reason_field(&mut e, params.reason.as_deref());
    let (Some(date), Some(reason)) = (date, reason) else {
        return Err(e.into());
    };
    Ok(HttpResponse::Ok()
        .json(apply(&state, &caller, date, CalendarAction::Remove, &reason).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarChangeView {
    pub date: NaiveDate,
    pub action: String,
    pub kind: String,
    pub name: String,
    pub reason: String,
    pub actor: super::dto::ActorView,
    pub at: DateTime<Utc>,
    pub complaints_moved: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarChanges {
    pub items: Vec<CalendarChangeView>,
}

/// Who amended the calendar, when and why (newest first, up to 500).
#[utoipa::path(get, path = "/api/v1/calendar/changes", tag = "calendar",
    responses(
        (status = 200, description = "Amendments", body = CalendarChanges),
        (status = 403, description = "Not an admin or manager", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn changes(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(caller.role(), Role::Admin | Role::Manager | Role::Head),
        "only admins, managers and the head of office read the calendar audit",
    )?;
    let rows = state.store.calendar_changes(500).await?;
    Ok(HttpResponse::Ok().json(CalendarChanges {
        items: rows
            .into_iter()
            .map(|r| CalendarChangeView {
                date: r.date,
                action: r.action,
                kind: r.kind,
                name: r.name,
                reason: r.reason,
                actor: super::dto::ActorView {
                    name: r.actor_name,
                    role: r.actor_role,
                    officer_id: None,
                    officer_name: None,
                    position_id: None,
                    position: None,
                    acting: None,
                },
                at: r.at,
                complaints_moved: r.complaints_moved,
            })
            .collect(),
    }))
}

fn ics_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The days off as iCalendar (RFC 5545), for office calendars and phones.
#[utoipa::path(get, path = "/api/v1/calendar.ics", tag = "calendar",
    params(YearParam),
    responses((status = 200, description = "iCalendar", content_type = "text/calendar")))]
pub async fn ics(
    state: web::Data<AppState>,
    params: web::Query<YearParam>,
) -> Result<HttpResponse, ApiError> {
    let year = year_filter(&params)?;
    let days = state.store.calendar_days().await?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//aduan//hari libur//ID\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
    );
    out.push_str(&format!(
        "X-WR-CALNAME:{}\r\n",
        ics_escape(&format!("Hari libur – {}", state.settings.office_name))
    ));
    for d in days
        .into_iter()
        .filter(|d| d.active && year.is_none_or(|y| d.date.year() == y))
    {
        let next = d.date.succ_opt().unwrap_or(d.date);
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{}-{}@aduan\r\nDTSTAMP:{stamp}\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:{}\r\nCATEGORIES:{}\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n",
            d.date.format("%Y%m%d"),
            d.kind,
            d.date.format("%Y%m%d"),
            next.format("%Y%m%d"),
            ics_escape(&d.name),
            d.kind,
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"hari-libur.ics\"",
        ))
        .body(out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyView {
    pub channel: Channel,
    /// Answer deadline in working days (null when counted in minutes).
    pub working_days: Option<i32>,
    /// Answer deadline in minutes (face to face).
    pub minutes: Option<i32>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicies {
    pub items: Vec<SlaPolicyView>,
}

/// The answer deadline per channel.
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "calendar",
    responses((status = 200, description = "Policies", body = SlaPolicies)),
    security(("bearer" = [])))]
pub async fn sla_policies(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let rows = state.store.sla_policies().await?;
    Ok(HttpResponse::Ok().json(SlaPolicies {
        items: rows
            .into_iter()
            .filter_map(|r| {
                Some(SlaPolicyView {
                    channel: Channel::parse(&r.channel)?,
                    working_days: r.working_days,
                    minutes: r.minutes,
                    updated_at: r.updated_at,
                    updated_by: r.updated_by,
                })
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyInput {
    /// Working days (0–365); or give `minutes`.
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 0, maximum = 365)]
    pub working_days: Option<i64>,
    /// Minutes (1–10080), for face to face; or give `working_days`.
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1, maximum = 10080)]
    pub minutes: Option<i64>,
}

/// Change a channel's answer deadline. Applies to complaints registered from
/// now on; existing deadlines stay as they were fixed at intake.
#[utoipa::path(put, path = "/api/v1/sla-policies/{channel}", tag = "calendar",
    params(("channel" = Channel, Path, description = "Channel")),
    request_body = SlaPolicyInput,
    responses(
        (status = 200, description = "Updated", body = SlaPolicyView),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn set_sla_policy(
    state: web::Data<AppState>,
    caller: Caller,
    channel: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role() == Role::Admin,
        "only admins change the SLA policy",
    )?;
    let body: SlaPolicyInput = json_body(&req, &body)?;
    let channel = Channel::parse(&channel).ok_or(ApiError::NotFound("No such channel."))?;
    let sla = Sla::from_parts(body.working_days, body.minutes).ok_or_else(|| {
        let mut e = ValidationErrors::default();
        e.push(
            "working_days",
            "give exactly one of working_days (0-365) or minutes (1-10080)",
        );
        e.push(
            "minutes",
            "give exactly one of working_days (0-365) or minutes (1-10080)",
        );
        ApiError::Validation(e)
    })?;
    let now = Utc::now();
    let by = format!("{} ({})", caller.actor().name, caller.role());
    state.app.set_sla_policy(channel, sla, &by, now).await?;
    tracing::info!(channel = %channel, "SLA policy changed");
    Ok(HttpResponse::Ok().json(SlaPolicyView {
        channel,
        working_days: sla.working_days().map(|d| d as i32),
        minutes: sla.minutes().map(|m| m as i32),
        updated_at: chrono::SubsecRound::trunc_subsecs(now, 6),
        updated_by: by,
    }))
}
