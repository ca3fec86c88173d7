//! Open311 GeoReport v2 (JSON) as an adapter over the application core
//! (ADR 0023): services are our kinds; `POST requests` registers a complaint
//! on channel `api` under the caller's key (`api_key` parameter or bearer),
//! exactly as `POST /api/v1/complaints` does; `GET requests` shows the
//! public state from the public timeline. Nothing here is public by
//! listing: without a key only requests named by their id are shown, and
//! only what the complainant's own status page shows (no description, no
//! address, no names).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::state::AppState;
use crate::app::register::RestRegistration;
use crate::domain::{
    Channel, ComplaintInput, ExternalRefInput, Kind, NewComplaint, ReporterInput,
    public_event_description,
};
use crate::store::{Actor, Complaint, ListQuery};

/// An Open311 error: a list of `{code, description}` with the HTTP status.
fn error(status: u16, description: impl Into<String>) -> HttpResponse {
    let code = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(code).json(vec![serde_json::json!({
        "code": status, "description": description.into()
    })])
}

fn internal(e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "open311 request failed");
    error(500, "internal error; try again")
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Complaint => "Pengaduan",
        Kind::Aspiration => "Aspirasi",
        Kind::InformationRequest => "Permintaan informasi",
    }
}

/// The key from `api_key` (query or form) or `Authorization: Bearer`.
async fn caller(
    state: &AppState,
    req: &HttpRequest,
    form: Option<&HashMap<String, String>>,
) -> Result<Option<Actor>, HttpResponse> {
    let query: HashMap<String, String> =
        web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let token = form
        .and_then(|f| f.get("api_key").cloned())
        .or_else(|| query.get("api_key").cloned())
        .or(bearer)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Ok(None);
    };
    match super::auth::actor_for_key(state, &token).await {
        Ok(Some(actor)) => Ok(Some(actor)),
        Ok(None) => Err(error(403, "api_key is not valid")),
        Err(e) => Err(internal(e)),
    }
}

/// `GET /open311/v2/discovery.json`
pub async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let base = state.settings.public_base_url.trim_end_matches('/');
    HttpResponse::Ok().json(serde_json::json!({
        "changeset": "2026-12-03T00:00:00Z",
        "contact": "Hubungi Pejabat Penghubung SP4N-LAPOR! Dinas Sosial",
        "key_service": "Kunci API diberikan oleh admin aduan (peran integration).",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": "2026-12-03T00:00:00Z",
            "type": "production",
            "formats": ["application/json"],
        }],
    }))
}

#[derive(Serialize)]
struct Service {
    service_code: &'static str,
    service_name: &'static str,
    description: &'static str,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: &'static str,
    group: &'static str,
}

fn services() -> Vec<Service> {
    [
        (
            Kind::Complaint,
            "Pengaduan atas pelayanan Dinas Sosial (bantuan sosial, rehabilitasi, pemberdayaan, perlindungan)",
            "pengaduan,bansos,pkh,bpnt",
        ),
        (
            Kind::Aspiration,
            "Saran atau aspirasi untuk perbaikan pelayanan",
            "aspirasi,saran",
        ),
        (
            Kind::InformationRequest,
            "Permintaan informasi tentang layanan Dinas Sosial",
            "informasi",
        ),
    ]
    .into_iter()
    .map(|(k, description, keywords)| Service {
        service_code: k.as_str(),
        service_name: kind_name(k),
        description,
        metadata: false,
        kind: "realtime",
        keywords,
        group: "Dinas Sosial",
    })
    .collect()
}

/// `GET /open311/v2/services.json`
pub async fn service_list() -> HttpResponse {
    HttpResponse::Ok().json(services())
}

/// `GET /open311/v2/services/{code}.json`: no extra attributes.
pub async fn service_definition(code: web::Path<String>) -> HttpResponse {
    let code = code.into_inner();
    let code = code.strip_suffix(".json").unwrap_or(&code);
    if Kind::parse(code).is_none() {
        return error(404, "no such service_code");
    }
    HttpResponse::Ok().json(serde_json::json!({"service_code": code, "attributes": []}))
}

/// `POST /open311/v2/requests.json` (form-encoded, as the standard sends it).
pub async fn post_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let parsed = std::str::from_utf8(&body)
        .ok()
        .and_then(|b| web::Query::<HashMap<String, String>>::from_query(b).ok());
    let Some(form) = parsed.map(|q| q.into_inner()) else {
        return error(400, "the body must be application/x-www-form-urlencoded");
    };
    let actor = match caller(&state, &req, Some(&form)).await {
        Ok(Some(a)) => a,
        Ok(None) => return error(403, "api_key is required to post a request"),
        Err(r) => return r,
    };
    if !actor.role.can_create_complaints() {
        return error(403, "this key may not file requests");
    }
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let Some(code) = get("service_code") else {
        return error(400, "service_code is required");
    };
    let Some(kind) = Kind::parse(&code) else {
        return error(404, "no such service_code");
    };
    let Some(description) = get("description") else {
        return error(400, "description is required");
    };
    let location = get("address_string").or_else(|| match (get("lat"), get("long")) {
        (Some(lat), Some(long)) => Some(format!("{lat}, {long}")),
        _ => None,
    });
    if location.is_none() {
        return error(
            400,
            "a location is required: lat and long, or address_string",
        );
    }
    let name = [get("first_name"), get("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    // the subject: the first line of the description, cut at a word
    let first = description.lines().next().unwrap_or("").trim();
    let subject = if first.chars().count() <= 120 {
        first.to_string()
    } else {
        let cut: String = first.chars().take(117).collect();
        format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a))
    };
    let mut body_text = description.clone();
    if let Some(url) = get("media_url") {
        body_text.push_str(&format!("\n\nFoto/berkas: {url}"));
    }
    let input = ComplaintInput {
        kind: Some(kind.as_str().into()),
        channel: Some(Channel::Api.as_str().into()),
        subject: Some(subject),
        body: Some(body_text),
        location,
        reporter: Some(ReporterInput {
            name: (!name.is_empty()).then_some(name),
            email: get("email"),
            phone: get("phone"),
            ..Default::default()
        }),
        external_ref: get("attribute[agency_ref]").map(|r| ExternalRefInput {
            agency_ref: Some(r),
            ..Default::default()
        }),
        ..Default::default()
    };
    let now = Utc::now().trunc_subsecs(6);
    let complaint = match NewComplaint::parse(input, now) {
        Ok(c) => c,
        Err(e) => {
            let why: Vec<String> =
                e.0.iter()
                    .map(|f| format!("{}: {}", f.field, f.reason))
                    .collect();
            return error(400, why.join("; "));
        }
    };
    match state.app.register_rest(&complaint, &actor, now, None).await {
        Ok(RestRegistration::Created { complaint, .. }) => {
            HttpResponse::Ok().json(vec![serde_json::json!({
                "service_request_id": complaint.id.to_string(),
                "service_notice": format!(
                    "Nomor pengaduan {}. Batas waktu penyelesaian mengikuti standar pelayanan.",
                    complaint.tracking_number
                ),
                "account_id": null,
            })])
        }
        Ok(RestRegistration::DuplicateAgencyRef(c)) => error(
            409,
            format!("attribute[agency_ref] was filed already as {}", c.id),
        ),
        Ok(_) => error(409, "this request was filed already"),
        Err(e) => internal(e),
    }
}

#[derive(Serialize)]
struct Request {
    service_request_id: String,
    status: &'static str,
    status_notes: Option<String>,
    service_name: &'static str,
    service_code: &'static str,
    description: Option<String>,
    agency_responsible: &'static str,
    service_notice: Option<String>,
    requested_datetime: DateTime<Utc>,
    updated_datetime: DateTime<Utc>,
    expected_datetime: Option<DateTime<Utc>>,
    address: Option<String>,
    address_id: Option<String>,
    zipcode: Option<String>,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: Option<String>,
}

/// The request as Open311 shows it; `full` (the filing key) adds the
/// description and address.
async fn view(state: &AppState, c: Complaint, full: bool) -> Result<Request, HttpResponse> {
    let events = state.store.timeline(c.id).await.map_err(internal)?;
    let notes = events
        .iter()
        .rev()
        .find_map(|e| public_event_description(&e.kind))
        .map(str::to_string);
    let (lat, long) = c
        .location
        .as_deref()
        .and_then(|l| l.split_once(','))
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
        .map_or((None, None), |(a, b)| (Some(a), Some(b)));
    Ok(Request {
        service_request_id: c.id.to_string(),
        status: if c.status.is_open() { "open" } else { "closed" },
        status_notes: notes,
        service_name: kind_name(c.kind),
        service_code: c.kind.as_str(),
        description: full.then(|| c.body.clone()),
        agency_responsible: "Dinas Sosial",
        service_notice: Some(format!(
            "Nomor pengaduan {}: {}",
            c.tracking_number,
            c.status.public_label()
        )),
        requested_datetime: c.received_at,
        updated_datetime: c.updated_at,
        expected_datetime: c.due_at,
        address: if full { c.location.clone() } else { None },
        address_id: None,
        zipcode: None,
        lat: if full { lat } else { None },
        long: if full { long } else { None },
        media_url: None,
    })
}

/// A complaint filed over the API, if `id` names one; whether the caller
/// filed it.
async fn filed(
    state: &AppState,
    actor: Option<&Actor>,
    id: &str,
) -> Result<Option<(Complaint, bool)>, HttpResponse> {
    let Ok(id) = Uuid::parse_str(id.trim()) else {
        return Ok(None);
    };
    let c = state.store.get_complaint(id).await.map_err(internal)?;
    Ok(c.filter(|c| c.channel == Channel::Api).map(|c| {
        let own = actor.is_some_and(|a| a.key_id.is_some() && a.key_id == c.created_by);
        (c, own)
    }))
}

/// `GET /open311/v2/requests/{id}.json`
pub async fn get_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let actor = match caller(&state, &req, None).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = id.into_inner();
    let id = id.strip_suffix(".json").unwrap_or(&id);
    match filed(&state, actor.as_ref(), id).await {
        Ok(Some((c, own))) => match view(&state, c, own).await {
            Ok(v) => HttpResponse::Ok().json(vec![v]),
            Err(r) => r,
        },
        Ok(None) => error(404, "no such service_request_id"),
        Err(r) => r,
    }
}

/// `GET /open311/v2/requests.json`: the named ones (`service_request_id`,
/// comma-separated), or with a key the ones it filed (`status`,
/// `service_code`, `start_date`, `end_date`; the last 90 days by default).
pub async fn list_requests(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let actor = match caller(&state, &req, None).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let q: HashMap<String, String> =
        web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(ids) = q.get("service_request_id") {
        for id in ids.split(',').take(100) {
            match filed(&state, actor.as_ref(), id).await {
                Ok(Some((c, own))) => match view(&state, c, own).await {
                    Ok(v) => out.push(v),
                    Err(r) => return r,
                },
                Ok(None) => {}
                Err(r) => return r,
            }
        }
        return HttpResponse::Ok().json(out);
    }
    let Some(actor) = actor.filter(|a| a.key_id.is_some()) else {
        // nothing is listed publicly: complaints are not public
        return HttpResponse::Ok().json(out);
    };
    let instant = |k: &str| -> Result<Option<DateTime<Utc>>, String> {
        match q.get(k) {
            None => Ok(None),
            Some(v) => DateTime::parse_from_rfc3339(v)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| format!("{k} must be a w3c date-time")),
        }
    };
    let (start, end) = match (instant("start_date"), instant("end_date")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(why), _) | (_, Err(why)) => return error(400, why),
    };
    let end_at = end.unwrap_or_else(Utc::now);
    let start_at = start.unwrap_or(end_at - chrono::Duration::days(90));
    if end_at - start_at > chrono::Duration::days(90) || start_at > end_at {
        return error(400, "start_date to end_date may span at most 90 days");
    }
    let kinds: Option<Vec<Kind>> = q
        .get("service_code")
        .map(|s| s.split(',').filter_map(Kind::parse).collect());
    let status = q.get("status").map(|s| s.to_lowercase());
    if status
        .as_deref()
        .is_some_and(|s| s.split(',').any(|x| x != "open" && x != "closed"))
    {
        return error(400, "status must be open or closed");
    }
    let rows = match state
        .store
        .list_complaints(&ListQuery {
            channel: Some(Channel::Api),
            created_by: actor.key_id,
            received_from: Some(start_at),
            received_to: Some(end_at),
            limit: 1000,
            ..Default::default()
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    for c in rows {
        if kinds.as_ref().is_some_and(|k| !k.contains(&c.kind)) {
            continue;
        }
        let state_word = if c.status.is_open() { "open" } else { "closed" };
        if status
            .as_deref()
            .is_some_and(|s| !s.split(',').any(|x| x == state_word))
        {
            continue;
        }
        match view(&state, c, true).await {
            Ok(v) => out.push(v),
            Err(r) => return r,
        }
    }
    HttpResponse::Ok().json(out)
}
