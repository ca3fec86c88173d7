//! The data-protection officer's door (role `privacy`, UU 27/2022): find
//! everything held about a person by NIK, phone or email (through the
//! blind index), export it with its processing history (JSON or a readable
//! page), erase it with a reason, preview retention, keep the breach
//! register. Identifiers travel in POST bodies, never in URLs; every
//! look-up is audited.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::dto::{AttachmentView, ComplaintView, EventView};
use super::error::ApiError;
use super::extract::{json_body, view_context};
use super::state::AppState;
use crate::app::privacy::{BreachInput, SubjectRecord};
use crate::domain::identity::IdentityKind;
use crate::domain::{Channel, ValidationErrors};
use crate::store::{Breach, Complaint};

fn require_privacy(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        caller.role().handles_personal_data_requests(),
        "requests about a person's data are for the data-protection officer (role privacy)",
    )
}

/// A person's identifiers; at least one. Matched exactly after
/// normalisation (a phone's `+62` is its `0`, an email's case is ignored).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifiers {
    /// NIK or other identity-document number.
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    pub identifiers: Option<Identifiers>,
    /// Why (a request under UU 27/2022, its letter number): kept in the audit.
    pub reason: Option<String>,
    /// For the export: `json` (default) or `html` (a readable page).
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    pub identifiers: Option<Identifiers>,
    /// Complaints to erase besides those the identifiers find.
    pub complaint_ids: Option<Vec<Uuid>>,
    pub reason: Option<String>,
}

fn reason(e: &mut ValidationErrors, v: Option<&str>) -> String {
    match v.map(str::trim) {
        None | Some("") => {
            e.push(
                "reason",
                "is required: say why (the request, its letter number)",
            );
            String::new()
        }
        Some(r) if r.chars().count() > 500 => {
            e.push("reason", "must be at most 500 characters");
            String::new()
        }
        Some(r) if r.chars().any(char::is_control) => {
            e.push("reason", "must not contain control characters");
            String::new()
        }
        Some(r) => r.to_string(),
    }
}

fn identifiers(
    e: &mut ValidationErrors,
    v: Option<&Identifiers>,
    required: bool,
) -> Vec<(IdentityKind, String)> {
    let mut out = Vec::new();
    if let Some(i) = v {
        for (kind, value) in [
            (IdentityKind::IdNumber, &i.id_number),
            (IdentityKind::Phone, &i.phone),
            (IdentityKind::Email, &i.email),
        ] {
            let Some(value) = value else { continue };
            let field = format!("identifiers.{}", kind.as_str());
            if value.chars().count() > 254 {
                e.push(&field, "must be at most 254 characters");
            } else if crate::domain::identity::normalize(kind, value).is_none() {
                e.push(&field, "is empty once normalised");
            } else {
                out.push((kind, value.clone()));
            }
        }
    }
    if required && out.is_empty() && !e.has("identifiers") {
        e.push(
            "identifiers",
            "give at least one of id_number, phone or email",
        );
    }
    out
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonComplaints {
    /// The person's complaints, newest first, with the reporter shown.
    pub items: Vec<ComplaintView>,
}

/// Find a person's complaints by NIK, phone or email (audited).
#[utoipa::path(post, path = "/api/v1/privacy/search", tag = "privacy", request_body = PersonRequest,
    responses(
        (status = 200, body = PersonComplaints),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No identifier or no reason", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let b: PersonRequest = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let ids = identifiers(&mut e, b.identifiers.as_ref(), true);
    let why = reason(&mut e, b.reason.as_deref());
    if !e.is_empty() {
        return Err(e.into());
    }
    let found = state
        .app
        .find_person(&ids, &why, caller.actor(), Utc::now())
        .await?;
    let ctx = view_context(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(PersonComplaints {
        items: found
            .into_iter()
            .map(|c| ComplaintView::new(c, &ctx))
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedComplaint {
    pub complaint: ComplaintView,
    /// The whole processing history.
    pub timeline: Vec<EventView>,
    pub attachments: Vec<AttachmentView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectExport {
    pub generated_at: DateTime<Utc>,
    pub office: String,
    pub complaints: Vec<ExportedComplaint>,
}

/// Everything held about a person, with its processing history: JSON, or
/// with `"format": "html"` a page to print or hand over (audited).
#[utoipa::path(post, path = "/api/v1/privacy/export", tag = "privacy", request_body = PersonRequest,
    responses(
        (status = 200, description = "JSON, or a readable page (`text/html`) with `format: html`", body = SubjectExport),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No identifier, no reason or an unknown format", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let b: PersonRequest = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let ids = identifiers(&mut e, b.identifiers.as_ref(), true);
    let why = reason(&mut e, b.reason.as_deref());
    let html = match b.format.as_deref() {
        None | Some("json") => false,
        Some("html") => true,
        Some(_) => {
            e.push("format", "must be json or html");
            false
        }
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let now = Utc::now();
    let records = state
        .app
        .export_person(&ids, &why, caller.actor(), now)
        .await?;
    if html {
        return Ok(super::super::web::html(
            actix_web::http::StatusCode::OK,
            export_page(&state, &records, now),
        ));
    }
    let ctx = view_context(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(SubjectExport {
        generated_at: now,
        office: state.settings.office_name.clone(),
        complaints: records
            .into_iter()
            .map(|r| ExportedComplaint {
                complaint: ComplaintView::new(r.complaint, &ctx),
                timeline: r.events.into_iter().map(EventView::from).collect(),
                attachments: r
                    .attachments
                    .into_iter()
                    .map(AttachmentView::from)
                    .collect(),
            })
            .collect(),
    }))
}

fn export_page(state: &AppState, records: &[SubjectRecord], now: DateTime<Utc>) -> String {
    use crate::web::esc;
    use crate::words::tanggal_jam;
    let tz = state.settings.office_timezone;
    let mut body = format!(
        "<p>Data pribadi yang tersimpan dalam layanan pengaduan {office}, disusun pada {at} \
         (Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi).</p>\n\
         <p>Jumlah pengaduan: <strong>{n}</strong></p>\n",
        office = esc(&state.settings.office_name),
        at = esc(&tanggal_jam(now, tz)),
        n = records.len()
    );
    for r in records {
        let c = &r.complaint;
        let row = |label: &str, v: &Option<String>| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                esc(label),
                esc(v.as_deref().unwrap_or("—"))
            )
        };
        body.push_str(&format!(
            "<section><h2>{number}</h2>\n<table>\n\
             <tr><th scope=\"row\">Diterima</th><td>{received}</td></tr>\n\
             <tr><th scope=\"row\">Saluran</th><td>{channel}</td></tr>\n\
             <tr><th scope=\"row\">Status</th><td>{status}</td></tr>\n\
             <tr><th scope=\"row\">Perihal</th><td>{subject}</td></tr>\n{name}\n{nik}\n{phone}\n{email}\n{address}\n\
             </table>\n<p>{body}</p>\n<h3>Riwayat pemrosesan</h3>\n<ol>\n",
            number = esc(&c.tracking_number),
            received = esc(&tanggal_jam(c.received_at, tz)),
            channel = esc(c.channel.as_str()),
            status = esc(c.status.as_str()),
            subject = esc(&c.subject),
            name = row("Nama", &c.reporter.name),
            nik = row("Nomor identitas", &c.reporter.id_number),
            phone = row("Telepon", &c.reporter.phone),
            email = row("Surel", &c.reporter.email),
            address = row("Alamat", &c.reporter.address),
            body = esc(&c.body),
        ));
        for ev in &r.events {
            let who = ev.actor_officer_name.as_deref().unwrap_or(&ev.actor_name);
            body.push_str(&format!(
                "<li>{} — {} ({})</li>\n",
                esc(&tanggal_jam(ev.at, tz)),
                esc(&ev.kind),
                esc(who)
            ));
        }
        body.push_str("</ol>\n");
        if !r.attachments.is_empty() {
            body.push_str("<h3>Lampiran</h3>\n<ul>\n");
            for a in &r.attachments {
                body.push_str(&format!(
                    "<li>{} ({} bita)</li>\n",
                    esc(&a.file_name),
                    a.size_bytes
                ));
            }
            body.push_str("</ul>\n");
        }
        body.push_str("</section>\n");
    }
    crate::web::page(&state.settings.office_name, "Data pribadi Anda", &body)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedComplaint {
    pub id: Uuid,
    pub tracking_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// Complaints whose personal data was erased now (not those erased before).
    pub items: Vec<ErasedComplaint>,
}

/// Erase a person's data (identity fields, their identifiers in the texts
/// and the timeline, identity attachments); the complaint and its
/// processing history stay, without identity. Audited; cannot be undone.
#[utoipa::path(post, path = "/api/v1/privacy/erase", tag = "privacy", request_body = EraseRequest,
    responses(
        (status = 200, body = Erased),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing named, or no reason", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn erase(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let b: EraseRequest = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let ids = identifiers(&mut e, b.identifiers.as_ref(), false);
    let complaints = b.complaint_ids.unwrap_or_default();
    if ids.is_empty() && complaints.is_empty() && !e.has("identifiers") {
        e.push(
            "identifiers",
            "give identifiers or complaint_ids of what to erase",
        );
    }
    if complaints.len() > 1000 {
        e.push("complaint_ids", "at most 1000 at once");
    }
    let why = reason(&mut e, b.reason.as_deref());
    if !e.is_empty() {
        return Err(e.into());
    }
    let erased = state
        .app
        .erase_person(&ids, &complaints, &why, caller.actor(), Utc::now())
        .await?;
    Ok(HttpResponse::Ok().json(Erased {
        items: erased
            .into_iter()
            .map(|(id, tracking_number)| ErasedComplaint {
                id,
                tracking_number,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LimitQuery {
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

fn limit(q: &LimitQuery) -> Result<u32, ApiError> {
    match q.limit {
        None => Ok(100),
        Some(n @ 1..=500) => Ok(n),
        Some(_) => Err(ApiError::field("limit", "must be from 1 to 500")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyAuditView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// search, export, erase, retention or breach.
    pub action: String,
    pub actor_name: String,
    pub actor_role: String,
    pub reason: String,
    /// Which identifier kinds were looked up (their values are never kept).
    pub identifier_kinds: Vec<String>,
    pub complaint_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyAuditList {
    pub items: Vec<PrivacyAuditView>,
}

/// The audit of look-ups, exports, erasures, retention runs and breaches.
#[utoipa::path(get, operation_id = "privacy_audit", path = "/api/v1/privacy/audit", tag = "privacy", params(LimitQuery),
    responses(
        (status = 200, body = PrivacyAuditList),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn audit(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<LimitQuery>,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let items = state.store.list_privacy_audit(limit(&q)?).await?;
    Ok(HttpResponse::Ok().json(PrivacyAuditList {
        items: items
            .into_iter()
            .map(|a| {
                let subject: Vec<serde_json::Value> =
                    serde_json::from_str(&a.subject).unwrap_or_default();
                PrivacyAuditView {
                    id: a.id,
                    at: a.at,
                    action: a.action,
                    actor_name: a.actor_name,
                    actor_role: a.actor_role,
                    reason: a.reason,
                    identifier_kinds: subject
                        .iter()
                        .filter_map(|s| s["kind"].as_str().map(String::from))
                        .collect(),
                    complaint_ids: serde_json::from_str(&a.complaint_ids).unwrap_or_default(),
                }
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionDue {
    pub id: Uuid,
    pub tracking_number: String,
    pub status: String,
    /// Its last change: when it reached its final state.
    pub final_since: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPreview {
    /// `status=years` as configured (`ADUAN_RETENTION`).
    pub schedule: Vec<String>,
    /// Complaints the next retention run anonymises.
    pub due: Vec<RetentionDue>,
}

/// What the retention job would anonymise now (a dry run; changes nothing).
#[utoipa::path(get, path = "/api/v1/privacy/retention", tag = "privacy",
    responses(
        (status = 200, body = RetentionPreview),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn retention(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let r = state.app.retention(Utc::now(), true).await?;
    Ok(HttpResponse::Ok().json(RetentionPreview {
        schedule: state
            .settings
            .retention
            .years
            .iter()
            .map(|(s, y)| format!("{}={y}", s.as_str()))
            .collect(),
        due: r
            .due
            .into_iter()
            .map(|(id, tracking_number, status, since)| RetentionDue {
                id,
                tracking_number,
                status: status.as_str().into(),
                final_since: since,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachRequest {
    /// What happened, in a line.
    pub title: Option<String>,
    /// How it happened and what was exposed.
    pub description: Option<String>,
    /// What the office did and will do about it.
    pub measures: Option<String>,
    pub discovered_at: Option<DateTime<Utc>>,
    /// The period the data was exposed.
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_to: Option<DateTime<Utc>>,
    /// Only complaints of these channels were exposed (all when absent).
    pub channels: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AffectedPerson {
    pub complaint_id: Uuid,
    pub tracking_number: String,
    /// `null` once erased.
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BreachView {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub discovered_at: DateTime<Utc>,
    /// UU 27/2022: the people affected are notified within 3 × 24 hours
    /// of discovery.
    pub notify_by: DateTime<Utc>,
    pub occurred_from: DateTime<Utc>,
    pub occurred_to: DateTime<Utc>,
    pub title: String,
    pub description: String,
    pub measures: String,
    pub affected_count: usize,
    pub affected: Vec<AffectedPerson>,
    /// A draft of the notice to the affected people, in Bahasa Indonesia.
    pub notice: String,
}

fn breach_view(state: &AppState, b: Breach, affected: Vec<Complaint>) -> BreachView {
    let notice = state.app.breach_notice(&b);
    BreachView {
        notify_by: b.discovered_at + chrono::Duration::hours(72),
        affected_count: affected.len(),
        affected: affected
            .into_iter()
            .map(|c| AffectedPerson {
                complaint_id: c.id,
                tracking_number: c.tracking_number,
                name: c.reporter.name,
                email: c.reporter.email,
                phone: c.reporter.phone,
                address: c.reporter.address,
            })
            .collect(),
        notice,
        id: b.id,
        recorded_at: b.recorded_at,
        recorded_by: b.recorded_by,
        discovered_at: b.discovered_at,
        occurred_from: b.occurred_from,
        occurred_to: b.occurred_to,
        title: b.title,
        description: b.description,
        measures: b.measures,
    }
}

fn long_text(e: &mut ValidationErrors, field: &str, v: Option<&str>, max: usize) -> String {
    // the length as sent (the schema's maxLength), before trimming
    if v.is_some_and(|raw| raw.chars().count() > max) {
        e.push(field, format!("must be at most {max} characters"));
        return String::new();
    }
    match v.map(str::trim) {
        None | Some("") => {
            e.push(field, "is required");
            String::new()
        }
        Some(t) if t.chars().count() > max => {
            e.push(field, format!("must be at most {max} characters"));
            String::new()
        }
        Some(t)
            if t.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
        {
            e.push(field, "must not contain control characters");
            String::new()
        }
        Some(t) => t.to_string(),
    }
}

/// Record a breach in the register: the complaints whose identity data was
/// held during it are listed (frozen now) with a draft notice (audited).
#[utoipa::path(post, path = "/api/v1/privacy/breaches", tag = "privacy", request_body = BreachRequest,
    responses(
        (status = 201, body = BreachView),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn record_breach(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let b: BreachRequest = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let title = long_text(&mut e, "title", b.title.as_deref(), 200);
    let description = long_text(&mut e, "description", b.description.as_deref(), 10_000);
    let measures = long_text(&mut e, "measures", b.measures.as_deref(), 10_000);
    let now = Utc::now();
    let required = |e: &mut ValidationErrors, f: &str, v: Option<DateTime<Utc>>| {
        if v.is_none() {
            e.push(f, "is required (RFC 3339)");
        }
        v.unwrap_or(now)
    };
    let discovered_at = required(&mut e, "discovered_at", b.discovered_at);
    let occurred_from = required(&mut e, "occurred_from", b.occurred_from);
    let occurred_to = required(&mut e, "occurred_to", b.occurred_to);
    if occurred_to < occurred_from {
        e.push("occurred_to", "must not be before occurred_from");
    }
    if discovered_at > now + chrono::Duration::minutes(5) {
        e.push("discovered_at", "must not be in the future");
    }
    let mut channels = Vec::new();
    for (i, c) in b.channels.unwrap_or_default().iter().enumerate() {
        match Channel::parse(c) {
            Some(ch) => channels.push(ch),
            None => e.push(format!("channels[{i}]"), "is not a channel"),
        }
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let (breach, affected) = state
        .app
        .record_breach(
            &BreachInput {
                title,
                description,
                measures,
                discovered_at,
                occurred_from,
                occurred_to,
                channels,
            },
            caller.actor(),
            now,
        )
        .await?;
    Ok(HttpResponse::Created().json(breach_view(&state, breach, affected)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BreachSummary {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub discovered_at: DateTime<Utc>,
    pub title: String,
    pub affected_count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BreachList {
    pub items: Vec<BreachSummary>,
}

/// The breach register, newest first.
#[utoipa::path(get, path = "/api/v1/privacy/breaches", tag = "privacy", params(LimitQuery),
    responses(
        (status = 200, body = BreachList),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn list_breaches(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<LimitQuery>,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let items = state.store.list_breaches(limit(&q)?).await?;
    Ok(HttpResponse::Ok().json(BreachList {
        items: items
            .into_iter()
            .map(|b| BreachSummary {
                affected_count: serde_json::from_str::<Vec<Uuid>>(&b.affected)
                    .map(|v| v.len())
                    .unwrap_or(0),
                id: b.id,
                recorded_at: b.recorded_at,
                discovered_at: b.discovered_at,
                title: b.title,
            })
            .collect(),
    }))
}

/// One breach, its affected people (as they are now) and the draft notice.
#[utoipa::path(get, path = "/api/v1/privacy/breaches/{id}", tag = "privacy",
    params(("id" = Uuid, Path, description = "Breach id")),
    responses(
        (status = 200, body = BreachView),
        (status = 401, description = "No or bad credentials", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy role", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown breach", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn get_breach(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_privacy(&caller)?;
    let (b, affected) = state
        .app
        .breach(id.into_inner())
        .await?
        .ok_or(ApiError::NotFound("No breach with this id."))?;
    Ok(HttpResponse::Ok().json(breach_view(&state, b, affected)))
}
