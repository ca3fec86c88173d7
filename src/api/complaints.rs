//! Complaint intake and reading. Handlers are thin: parse → domain → store → respond.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

use super::auth::Caller;
use super::dto::*;
use super::error::ApiError;
use super::extract::{
    attachment_visible, cursor_at, etag, idempotency_key, json_body_error, load_visible,
    parse_page, require_json, view_context,
};
use super::state::AppState;
use crate::app::RestRegistration;
use crate::domain::{Channel, ComplaintInput, Kind, NewComplaint, Status, ValidationErrors};
use crate::store::{Attachment, Complaint, ListQuery};

/// Register a complaint from any channel.
///
/// The identity the office's service standard requires is checked per channel:
/// face_to_face needs `reporter.name` and `reporter.id_number`; suggestion_box
/// needs `reporter.name` and `reporter.address` or `reporter.phone`; letter needs
/// `reporter.name` and `reporter.id_number` or `reporter.phone`; lapor needs
/// `reporter.name` and `reporter.address` unless `anonymous`; email needs
/// `reporter.email`. With an `Idempotency-Key` header, a retry with the same key
/// and body returns the same complaint (one row); the same key with another body is refused.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints",
    request_body = ComplaintInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key that makes retries safe")),
    responses(
        (status = 201, description = "Registered (or replayed for a repeated Idempotency-Key)", body = ComplaintCreated,
         headers(("Location" = String, description = "URL of the new complaint"))),
        (status = 400, description = "Malformed JSON", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not register complaints", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The LAPOR! report (`external_ref.lapor_tracking_id`), or this key's case (`external_ref.agency_ref`), is registered already: the problem names it", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or Idempotency-Key reused with another body", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role().can_create_complaints(),
        "this role may not register complaints",
    )?;
    require_json(&req)?;
    let idem = idempotency_key(&req)?;
    let mut de = serde_json::Deserializer::from_slice(&body);
    let input: ComplaintInput =
        serde_path_to_error::deserialize(&mut de).map_err(json_body_error)?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    let request_hash = serde_json::to_vec(&input)
        .map(|b| hex::encode(Sha256::digest(&b)))
        .map_err(|e| ApiError::Internal(e.to_string()))?;

    // Microseconds: what both databases keep, so a read equals what was returned here.
    let now = Utc::now().trunc_subsecs(6);
    let mut complaint = NewComplaint::parse(input, now)?;
    // a category from the office's list, as the list spells it (issue 33)
    complaint.category = state
        .app
        .check_category(complaint.category.as_deref())
        .await?
        .map_err(|m| ApiError::Validation(ValidationErrors::single("category", m)))?;
    let idempotency = idem.as_deref().map(|k| (k, request_hash.as_str()));
    let outcome = state
        .app
        .register_rest(&complaint, caller.actor(), now, idempotency)
        .await?;
    let (c, access_code, policy, replayed) = match outcome {
        RestRegistration::Created {
            complaint,
            access_code,
            policy,
        } => (complaint, Some(access_code), policy, false),
        RestRegistration::Replayed {
            complaint,
            access_code,
            policy,
        } => (complaint, access_code, policy, true),
        RestRegistration::KeyReused => return Err(ApiError::IdempotencyKeyReused),
        // only a caller who may read that complaint learns which one it is
        RestRegistration::DuplicateLapor(existing)
            if super::extract::visible(&caller, &existing) =>
        {
            return Err(ApiError::Conflict(format!(
                "the LAPOR! report {} is registered already as {} (id {})",
                existing.external_ref.lapor_tracking_id.unwrap_or_default(),
                existing.tracking_number,
                existing.id
            )));
        }
        RestRegistration::DuplicateLapor(_) => {
            return Err(ApiError::Conflict(
                "a complaint with this LAPOR! tracking id is registered already".into(),
            ));
        }
        // the same key filed it: it may know which one
        RestRegistration::DuplicateAgencyRef(existing) => {
            return Err(ApiError::Conflict(format!(
                "external_ref.agency_ref: this key filed the case {} already as {} (id {})",
                existing.external_ref.agency_ref.unwrap_or_default(),
                existing.tracking_number,
                existing.id
            )));
        }
    };
    let mut resp = HttpResponse::Created();
    resp.insert_header((header::LOCATION, format!("/api/v1/complaints/{}", c.id)))
        .insert_header(etag(c.version));
    if replayed {
        resp.insert_header(("Idempotent-Replayed", "true"));
    }
    let ctx = ViewContext {
        viewer: caller.role(),
        now,
        timezone: state.settings.office_timezone,
        policy,
    };
    let access_code_note = access_code.is_none().then(|| {
        "the access code is given only when the complaint is registered (and to a retry \
         within ADUAN_REPLAY_CODE_MINUTES); it is not kept: the complainant has it"
            .to_string()
    });
    Ok(resp.json(ComplaintCreated {
        complaint: ComplaintView::new(c, &ctx),
        access_code,
        access_code_note,
    }))
}

/// One complaint.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "The complaint", body = ComplaintView, headers(("ETag" = String, description = "Current version"))),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown (or not visible to this key)", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let c = load_visible(&state, &caller, id.into_inner()).await?;
    let ctx = view_context(&state, &caller).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(c.version))
        .json(ComplaintView::new(c, &ctx)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(
        pattern = "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    pub cursor: Option<String>,
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    #[param(value_type = Option<Channel>)]
    pub channel: Option<String>,
    #[param(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// Received at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub received_from: Option<String>,
    /// Received before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub received_to: Option<String>,
    /// Case-insensitive text to find in the subject.
    pub q: Option<String>,
    /// The filing agency's own case id (`external_ref.agency_ref`).
    #[param(max_length = 100)]
    pub agency_ref: Option<String>,
    /// `json` (default, a page); `csv` or `xlsx`: every complaint the filter
    /// selects (from `cursor` on, at most 50,000), one row each with the
    /// fields `tracking_number`, `received_at` (office-local), `status`,
    /// `channel`, `kind`, `category`, `subject`, `holder`, `due_at`,
    /// `working_days_left`, `overdue`, `lapor_tracking_id`, `letter_number`
    /// — no identity fields. CSV: UTF-8 with a BOM, `;`; XLSX: sheet
    /// `Pengaduan`, numbers as numbers, instants as dates.
    #[param(pattern = "^(json|csv|xlsx)$")]
    pub format: Option<String>,
}

/// Most rows a complaint-list export holds.
const EXPORT_LIMIT: usize = 50_000;

fn encode_cursor(c: &Complaint) -> String {
    cursor_at(c.received_at, c.id)
}

fn parse_list(p: ListParams) -> Result<ListQuery, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let (limit, after) = parse_page(&mut e, p.limit.as_deref(), p.cursor.as_deref());
    let mut enum_param =
        |name: &str, v: Option<&str>, parse: &dyn Fn(&str) -> bool, expected: String| {
            if let Some(v) = v
                && !parse(v)
            {
                e.push(name, format!("must be one of: {expected}"));
            }
        };
    enum_param(
        "status",
        p.status.as_deref(),
        &|s| Status::parse(s).is_some(),
        Status::expected(),
    );
    enum_param(
        "channel",
        p.channel.as_deref(),
        &|s| Channel::parse(s).is_some(),
        Channel::expected(),
    );
    enum_param(
        "kind",
        p.kind.as_deref(),
        &|s| Kind::parse(s).is_some(),
        Kind::expected(),
    );
    let mut instant = |name: &str, v: Option<&str>| {
        v.and_then(|s| match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                e.push(
                    name,
                    "must be an RFC 3339 date-time, e.g. 2026-03-01T00:00:00+08:00",
                );
                None
            }
        })
    };
    let received_from = instant("received_from", p.received_from.as_deref());
    let received_to = instant("received_to", p.received_to.as_deref());
    let subject_contains = p.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty());
    if subject_contains
        .as_ref()
        .is_some_and(|q| q.chars().count() > 200)
    {
        e.push("q", "must be at most 200 characters");
    }
    if p.agency_ref
        .as_ref()
        .is_some_and(|r| r.chars().count() > 100)
    {
        e.push("agency_ref", "must be at most 100 characters");
    }
    e.into_result(ListQuery {
        status: p.status.as_deref().and_then(Status::parse),
        channel: p.channel.as_deref().and_then(Channel::parse),
        kind: p.kind.as_deref().and_then(Kind::parse),
        received_from,
        received_to,
        subject_contains,
        created_by: None,
        agency_ref: p
            .agency_ref
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        holders: Vec::new(),
        after,
        limit,
        oldest_first: false,
    })
}

/// Complaints, newest received first, with filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints",
    params(ListParams),
    responses(
        (status = 200, description = "One page", body = ComplaintPage),
        (status = 401, description = "No or bad API key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let format = match params.format.as_deref() {
        None | Some("json") => None,
        Some(f @ ("csv" | "xlsx")) => Some(f.to_string()),
        Some(_) => {
            let mut e = ValidationErrors::default();
            e.push("format", "must be json, csv or xlsx");
            return Err(e.into());
        }
    };
    let mut q = parse_list(params)?;
    if !caller.role().can_read_all_complaints() {
        q.created_by = Some(caller.actor().key_id.unwrap_or_default());
    }
    if let Some(format) = format {
        return export_list(&state, &caller, q, &format).await;
    }
    let limit = q.limit as usize;
    q.limit += 1; // one more tells whether there is a next page
    let mut rows = state.store.list_complaints(&q).await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(encode_cursor)
    } else {
        None
    };
    let rows = state.app.readable(caller.actor(), rows, Utc::now()).await?;
    let ctx = view_context(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(ComplaintPage {
        items: rows
            .into_iter()
            .map(|c| ComplaintView::new(c, &ctx))
            .collect(),
        next_cursor,
    }))
}

/// Every complaint a list query selects, as CSV or XLSX (see `ListParams::format`).
async fn export_list(
    state: &AppState,
    caller: &Caller,
    mut q: crate::store::ListQuery,
    format: &str,
) -> Result<HttpResponse, ApiError> {
    use crate::reports::export::{Cell, Table, table_csv, table_xlsx};
    let tz = state.settings.office_timezone;
    let (ctx, org) = tokio::try_join!(
        async { view_context(state, caller).await.map_err(ApiError::from) },
        async { state.app.org_chart().await.map_err(ApiError::from) },
    )?;
    let text = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    };
    let at = |t: chrono::DateTime<chrono::Utc>| Cell::At(t.with_timezone(&tz).naive_local());
    let mut rows = Vec::new();
    q.limit = 500;
    loop {
        let page = state.store.list_complaints(&q).await?;
        let full = page.len() == 500;
        q.after = page.last().map(|c| crate::store::Cursor {
            received_at: c.received_at,
            id: c.id,
        });
        let page = state.app.readable(caller.actor(), page, Utc::now()).await?;
        for c in page {
            let holder = c.holder_position_id.map(|h| org.title(h).to_string());
            let v = ComplaintView::new(c, &ctx);
            rows.push(vec![
                text(&v.tracking_number),
                at(v.received_at),
                text(v.status.as_str()),
                text(v.channel.as_str()),
                text(v.kind.as_str()),
                text(v.category.as_deref().unwrap_or("")),
                text(&v.subject),
                text(holder.as_deref().unwrap_or("")),
                v.due_at.map_or(Cell::Empty, at),
                v.working_days_left
                    .map_or(Cell::Empty, |d| Cell::Number(d as f64)),
                text(if v.overdue { "true" } else { "false" }),
                text(v.external_ref.lapor_tracking_id.as_deref().unwrap_or("")),
                text(v.external_ref.letter_number.as_deref().unwrap_or("")),
            ]);
        }
        if !full || rows.len() >= EXPORT_LIMIT {
            break;
        }
    }
    rows.truncate(EXPORT_LIMIT);
    tracing::info!(rows = rows.len(), format, "complaint list exported");
    let table = Table {
        sheet: "Pengaduan",
        header: vec![
            "tracking_number",
            "received_at",
            "status",
            "channel",
            "kind",
            "category",
            "subject",
            "holder",
            "due_at",
            "working_days_left",
            "overdue",
            "lapor_tracking_id",
            "letter_number",
        ],
        rows,
    };
    let today = chrono::Utc::now().with_timezone(&tz).format("%Y-%m-%d");
    let (body, content_type) = if format == "xlsx" {
        (
            table_xlsx(&table)
                .map_err(|e| ApiError::Internal(format!("the list's workbook: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        (table_csv(&table).into_bytes(), "text/csv; charset=utf-8")
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"pengaduan-{today}.{format}\""),
        ))
        .body(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineListParams {
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(
        pattern = "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    pub cursor: Option<String>,
    #[param(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// due-soon only: due by the end of this many working days from today (default 2).
    #[param(value_type = Option<u32>, maximum = 60)]
    pub within_working_days: Option<String>,
}

fn encode_deadline_cursor(c: &Complaint) -> Option<String> {
    c.due_at.map(|due| cursor_at(due, c.id))
}

async fn deadline_list(
    state: &AppState,
    caller: &Caller,
    p: DeadlineListParams,
    soon: bool,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role().can_read_all_complaints(),
        "deadline lists are for the office's staff",
    )?;
    let mut e = ValidationErrors::default();
    let (limit, after) = parse_page(&mut e, p.limit.as_deref(), p.cursor.as_deref());
    let after = after.map(|c| (c.received_at, c.id));
    let channel = p.channel.as_deref().and_then(|s| {
        Channel::parse(s).or_else(|| {
            e.push(
                "channel",
                format!("must be one of: {}", Channel::expected()),
            );
            None
        })
    });
    let within = match p.within_working_days.as_deref() {
        None => 2,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 60)
            .unwrap_or_else(|| {
                e.push("within_working_days", "must be a whole number from 0 to 60");
                2
            }),
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let now = Utc::now();
    let ctx = view_context(state, caller).await?;
    let tz = state.settings.office_timezone;
    let (due_from, due_before) = if soon {
        let today = now.with_timezone(&tz).date_naive();
        let last = ctx.policy.calendar.add_working_days(today, within);
        (
            Some(now),
            crate::domain::calendar::end_of_day(last, tz) + chrono::Duration::seconds(1),
        )
    } else {
        (None, now)
    };
    let mut rows = state
        .store
        .list_by_deadline(&crate::store::DeadlineQuery {
            due_from,
            due_before,
            channel,
            holders: Vec::new(),
            lapor_followup: false,
            after,
            limit: limit + 1,
        })
        .await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().and_then(encode_deadline_cursor)
    } else {
        None
    };
    let rows = state.app.readable(caller.actor(), rows, now).await?;
    Ok(HttpResponse::Ok().json(ComplaintPage {
        items: rows
            .into_iter()
            .map(|c| ComplaintView::new(c, &ctx))
            .collect(),
        next_cursor,
    }))
}

/// Open complaints past their deadline, the longest overdue first.
#[utoipa::path(get, path = "/api/v1/complaints/overdue", tag = "complaints",
    params(DeadlineListParams),
    responses(
        (status = 200, description = "One page", body = ComplaintPage),
        (status = 403, description = "Integration keys may not", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn overdue(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<DeadlineListParams>,
) -> Result<HttpResponse, ApiError> {
    deadline_list(&state, &caller, params.into_inner(), false).await
}

/// Open complaints due from now to the end of the N-th working day from today
/// (`within_working_days`, default 2), soonest first.
#[utoipa::path(get, path = "/api/v1/complaints/due-soon", tag = "complaints",
    params(DeadlineListParams),
    responses(
        (status = 200, description = "One page", body = ComplaintPage),
        (status = 403, description = "Integration keys may not", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn due_soon(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<DeadlineListParams>,
) -> Result<HttpResponse, ApiError> {
    deadline_list(&state, &caller, params.into_inner(), true).await
}

/// The complaint's timeline: every event, oldest first (the audit trail).
#[utoipa::path(get, path = "/api/v1/complaints/{id}/timeline", tag = "complaints",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "Events", body = Timeline),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let c = load_visible(&state, &caller, id.into_inner()).await?;
    let events = state.store.timeline(c.id).await?;
    Ok(HttpResponse::Ok().json(Timeline {
        items: events.into_iter().map(EventView::from).collect(),
    }))
}

/// A file name that is safe to store and to send back in a header.
fn clean_file_name(raw: Option<&str>) -> String {
    let base = raw
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect::<String>();
    let base = base.trim().trim_start_matches('.').to_string();
    if base.is_empty() {
        "lampiran".to_string()
    } else {
        base
    }
}

/// Attach a file (a scanned letter, a photo) to a complaint.
///
/// `multipart/form-data` with one part named `file`. The size limit is
/// `ADUAN_MAX_ATTACHMENT_BYTES`; the SHA-256 of the bytes is recorded; the
/// file is stored encrypted. `identity=true` marks an identity document (a
/// KTP scan): on an anonymous complaint only the roles that see the
/// reporter's identity see it.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/attachments", tag = "attachments",
    params(("id" = Uuid, Path, description = "Complaint id"), UploadQuery),
    request_body(content_type = "multipart/form-data", description = "One part named `file`"),
    responses(
        (status = 201, description = "Stored", body = AttachmentView, headers(("Location" = String, description = "Download URL"))),
        (status = 403, description = "Role may not add attachments", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No `file` part, or more than one", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    mut payload: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role().can_add_attachments(),
        "this role may not add attachments",
    )?;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "send the file as multipart/form-data with a part named `file`".into(),
        ));
    }
    let complaint = load_visible(&state, &caller, id.into_inner()).await?;
    let attachment_id = Uuid::now_v7();
    let received = receive_one_file(&state, &mut payload, complaint.id, attachment_id).await;
    let (file_name, content_type, file) = match received {
        Ok(r) => r,
        Err(e) => {
            // a first file may already be in place when a second part is refused
            state.app.files.remove(complaint.id, attachment_id).await;
            return Err(e);
        }
    };
    let attachment = Attachment {
        id: attachment_id,
        complaint_id: complaint.id,
        file_name,
        content_type,
        size_bytes: file.size_bytes as i64,
        sha256: file.sha256,
        created_at: Utc::now().trunc_subsecs(6),
        created_by: caller.actor().key_id,
        file_key: Some(file.file_key),
        identity: query.identity,
    };
    state
        .app
        .record_attachment(&attachment, caller.actor())
        .await?;
    let view = AttachmentView::from(attachment);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, view.download_url.clone()))
        .json(view))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// An identity document (a KTP scan).
    #[serde(default)]
    pub identity: bool,
}

/// Reads exactly one part named `file` into the attachment store.
async fn receive_one_file(
    state: &AppState,
    payload: &mut actix_multipart::Multipart,
    complaint_id: Uuid,
    attachment_id: Uuid,
) -> Result<(String, String, crate::store::StoredFile), ApiError> {
    let limit = state.settings.max_attachment_bytes;
    let mut stored: Option<(String, String, crate::store::StoredFile)> = None;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
        if field.name() != Some("file") {
            let name = field.name().unwrap_or("").to_string();
            return Err(ApiError::field(
                if name.is_empty() { "file" } else { &name },
                "unexpected part: send exactly one part named `file`",
            ));
        }
        if stored.is_some() {
            return Err(ApiError::field("file", "send one file per request"));
        }
        let file_name = clean_file_name(field.content_disposition().and_then(|d| d.get_filename()));
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_else(|| "application/octet-stream".into());
        let mut pending = state
            .app
            .files
            .begin(complaint_id, attachment_id, limit)
            .await?;
        while let Some(chunk) = field.next().await {
            let written = match chunk {
                Ok(c) => pending.write(&c).await,
                Err(e) => Err(crate::store::FileError::Io(std::io::Error::other(
                    e.to_string(),
                ))),
            };
            if let Err(e) = written {
                pending.abort().await;
                return Err(match e {
                    crate::store::FileError::Io(e) => {
                        ApiError::BadRequest(format!("malformed multipart body: {e}"))
                    }
                    too_large => too_large.into(),
                });
            }
        }
        if pending.size() == 0 {
            pending.abort().await;
            return Err(ApiError::field("file", "is empty"));
        }
        stored = Some((file_name, content_type, pending.finish().await?));
    }
    stored.ok_or_else(|| ApiError::field("file", "is required"))
}

/// The complaint's attachments.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/attachments", tag = "attachments",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "Attachments, oldest first", body = AttachmentList),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list_attachments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let c = load_visible(&state, &caller, id.into_inner()).await?;
    let items = state.store.list_attachments(c.id).await?;
    Ok(HttpResponse::Ok().json(AttachmentList {
        items: items
            .into_iter()
            .filter(|a| attachment_visible(&caller, &c, a))
            .map(AttachmentView::from)
            .collect(),
    }))
}

/// Download an attachment's bytes.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/attachments/{attachment_id}", tag = "attachments",
    params(("id" = Uuid, Path, description = "Complaint id"), ("attachment_id" = Uuid, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, served with the type it was stored with (image/jpeg, application/pdf, …)", content_type = "*/*"),
        (status = 404, description = "Unknown complaint or attachment", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn download_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let c = load_visible(&state, &caller, id).await?;
    let a = state
        .store
        .get_attachment(c.id, attachment_id)
        .await?
        .ok_or(ApiError::NotFound("No attachment with this id."))?;
    if !attachment_visible(&caller, &c, &a) {
        return Err(ApiError::NotFound("No attachment with this id."));
    }
    let bytes = state
        .app
        .files
        .read(a.complaint_id, a.id, a.file_key.as_deref())
        .await?;
    let ascii: String = a
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: a.file_name.clone().into_bytes(),
            }),
        ],
    };
    // untrusted content: a neutral type unless it cannot run, and a
    // sandbox whatever it is (ADR 0015)
    Ok(HttpResponse::Ok()
        .content_type(crate::domain::attachment::served_type(&a.content_type))
        .insert_header(disposition)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            crate::domain::attachment::DOWNLOAD_CSP,
        ))
        .insert_header((
            "Digest",
            format!(
                "sha-256={}",
                base64::engine::general_purpose::STANDARD
                    .encode(hex::decode(&a.sha256).unwrap_or_default())
            ),
        ))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_quotes_but_keep_their_script() {
        assert_eq!(
            clean_file_name(Some("C:\\Users\\x\\surat.pdf")),
            "surat.pdf"
        );
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(Some("\"foto\".jpg")), "foto.jpg");
        assert_eq!(clean_file_name(Some("..")), "lampiran");
        assert_eq!(clean_file_name(None), "lampiran");
        assert_eq!(clean_file_name(Some("surat_ꦄꦤ꧀.pdf")), "surat_ꦄꦤ꧀.pdf");
    }
}
