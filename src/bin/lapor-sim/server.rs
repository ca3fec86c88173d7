//! The simulator's HTTP API and state.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use aduan::intake::lapor::wire::{
    Comment, Followup, FollowupRequest, Report, ReportPage, RerouteAccepted, RerouteRequest, Topic,
};
use chrono::Utc;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::Config;
use crate::data;

struct Entry {
    report: Report,
    seq: u64,
    malformed: bool,
    /// Served the way a platform plausibly sends valid reports oddly.
    odd: bool,
    /// Committed late: hidden until the listing was once read to its end.
    late: bool,
    /// The copy served before the last change (`--stale-copies`).
    previous: Option<serde_json::Value>,
    /// `--short-attachments` / `--missing-attachments` / `--huge-attachments`.
    attachment_fault: Option<AttachmentFault>,
    files: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttachmentFault {
    Short,
    Missing,
    Huge,
    /// 404 on its first two requests, then served (`--late-attachments`).
    Late,
}

/// Requests a late attachment answers 404 before it is served.
const LATE_404S: u32 = 2;

const HUGE: usize = 50 * 1024 * 1024;

#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// API requests seen (faulty or not).
    pub requests: u64,
    pub faults: u64,
    /// Follow-ups stored, by tracking id (a replayed key does not count twice).
    pub followups: BTreeMap<String, u32>,
    /// Follow-up POSTs received, replays included.
    pub followup_posts: u64,
    pub reroutes: BTreeMap<String, u32>,
    /// Reporter comments served unreadable (`--bad-comments`), by id.
    pub bad_comments: Vec<String>,
    /// Attachments served with a fault, by attachment id: `short`, `missing`, `huge`.
    pub attachment_faults: BTreeMap<String, String>,
}

struct Sim {
    entries: BTreeMap<u64, Entry>,
    by_seq: BTreeMap<u64, u64>,
    seq: u64,
    comments: HashMap<u64, Vec<Comment>>,
    followups: HashMap<u64, Vec<Followup>>,
    reroutes: HashMap<u64, Vec<RerouteAccepted>>,
    next_id: u64,
    rng: StdRng,
    stats: Stats,
    /// The listing was read to its end once: late reports show up.
    caught_up: bool,
    /// Write requests answered 401 so far (`--unauthorized-posts`).
    unauthorized: u64,
    /// Comment requests answered 404 so far (`--comments-404`).
    comments_404: u64,
    /// Reporter comments created so far (`--bad-comments` takes the first ones).
    comments_made: usize,
    /// `--post-faults` used so far.
    post_faults_used: usize,
    /// When each follow-up and re-routing request was stored (`--listing-lag-ms`).
    stored_at: HashMap<String, std::time::Instant>,
    /// Requests for each late attachment so far (`--late-attachments`).
    late_asked: HashMap<String, u32>,
}

impl Sim {
    fn bump(&mut self, tracking_id: u64) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(e) = self.entries.get_mut(&tracking_id) {
            self.by_seq.remove(&e.seq);
            e.seq = seq;
            e.report.updated_at = Utc::now();
            self.by_seq.insert(seq, tracking_id);
        }
    }

    /// Changes a report: its copy before the change is kept (`--stale-copies`).
    fn change(&mut self, tracking_id: u64, f: impl FnOnce(&mut Report)) {
        let Some(before) = self.entries.get(&tracking_id).map(|e| self.render(e)) else {
            return;
        };
        if let Some(e) = self.entries.get_mut(&tracking_id) {
            f(&mut e.report);
            e.previous = Some(before);
        }
        self.bump(tracking_id);
    }

    fn add(&mut self, generated: Vec<data::Generated>, cfg: &Config) {
        let (malformed, odd, late) = (cfg.malformed, cfg.odd, cfg.late);
        let mut faults = [
            (AttachmentFault::Short, cfg.short_attachments),
            (AttachmentFault::Missing, cfg.missing_attachments),
            (AttachmentFault::Huge, cfg.huge_attachments),
            (AttachmentFault::Late, cfg.late_attachments),
        ]
        .into_iter()
        .flat_map(|(f, n)| std::iter::repeat_n(f, n))
        .collect::<Vec<_>>()
        .into_iter();
        for (i, mut g) in generated.into_iter().enumerate() {
            let attachment_fault = if g.files.is_empty() {
                None
            } else {
                faults.next()
            };
            if let Some(f) = attachment_fault {
                for a in &mut g.report.attachments {
                    let name = match f {
                        AttachmentFault::Short => "short",
                        AttachmentFault::Missing => "missing",
                        AttachmentFault::Huge => "huge",
                        AttachmentFault::Late => "late",
                    };
                    self.stats
                        .attachment_faults
                        .insert(a.id.clone(), name.into());
                    if f == AttachmentFault::Huge {
                        a.size = HUGE as u64;
                        a.sha256 = None;
                    }
                }
            }
            self.seq += 1;
            let id = g.report.tracking_id;
            self.next_id = self.next_id.max(id + 1);
            self.by_seq.insert(self.seq, id);
            self.entries.insert(
                id,
                Entry {
                    report: g.report,
                    seq: self.seq,
                    // spread the malformed ones: the 2nd, the 5th, …
                    malformed: i % 3 == 1 && i / 3 < malformed,
                    // and the odd ones: the 3rd, the 6th, …
                    odd: i % 3 == 2 && i / 3 < odd,
                    // and the late ones: the 4th, the 11th, …
                    late: i % 7 == 3 && i / 7 < late,
                    previous: None,
                    attachment_fault,
                    files: g.files,
                },
            );
        }
    }

    /// The report as LAPOR! serves it; a malformed one is broken on purpose.
    fn render(&self, e: &Entry) -> serde_json::Value {
        let mut v = serde_json::to_value(&e.report).unwrap_or_default();
        if e.malformed
            && let Some(o) = v.as_object_mut()
        {
            o.insert("disposed_at".into(), "kemarin sore".into());
            o.remove("title");
        }
        if e.odd
            && let Some(o) = v.as_object_mut()
        {
            // PHP's zone-less local times (WIB), a NUL in a very long text, a
            // 10,000-character title, no attachment list, a named reporter
            // without an address and with an email lacking its domain
            let wib = |t: chrono::DateTime<Utc>| {
                (t + chrono::Duration::hours(7))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            };
            o.insert("created_at".into(), wib(e.report.created_at).into());
            o.insert("disposed_at".into(), wib(e.report.disposed_at).into());
            o.insert("updated_at".into(), wib(e.report.updated_at).into());
            o.insert(
                "content".into(),
                format!(
                    "{}\u{0}{}",
                    e.report.content,
                    " Mohon ditindaklanjuti.".repeat(1100)
                )
                .into(),
            );
            o.insert(
                "title".into(),
                format!("{} ", e.report.title)
                    .repeat(10_000 / (e.report.title.len() + 1) + 1)
                    .into(),
            );
            o.insert("attachments".into(), serde_json::Value::Null);
            o.insert("anonymous".into(), false.into());
            o.insert(
                "reporter".into(),
                serde_json::json!({"name": "Dewi Lestari", "nik": null, "phone": null,
                    "email": "dewi@gmail", "address": null}),
            );
        }
        v
    }
}

struct AppData {
    cfg: Config,
    token: String,
    sim: Mutex<Sim>,
}

type Data = web::Data<AppData>;

enum Fault {
    None,
    /// Answer this error now, doing nothing.
    Fail(HttpResponse),
    /// Do the work, then answer this error (an ambiguous failure).
    FailAfter(HttpResponse),
    /// Answer (after doing the work) only after the timeout.
    Slow,
    /// `--unreadable-rate`: a proxy's 502 HTML page (`html`), or the JSON
    /// answer with its body cut in the middle.
    Unreadable {
        html: bool,
    },
}

/// What a reverse proxy answers when the platform behind it fails.
const PROXY_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

fn proxy_502() -> HttpResponse {
    HttpResponse::BadGateway()
        .content_type("text/html")
        .body(PROXY_502)
}

/// A JSON answer whose body stops halfway (a connection cut by a proxy
/// that still said 200).
async fn cut_in_half(resp: HttpResponse) -> HttpResponse {
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json || !resp.status().is_success() {
        return resp;
    }
    let status = resp.status();
    let body = actix_web::body::to_bytes(resp.into_body())
        .await
        .unwrap_or_default();
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.slice(0..body.len() / 2))
}

fn error_response(rng: &mut StdRng) -> HttpResponse {
    if rng.random_bool(0.5) {
        HttpResponse::InternalServerError().json(serde_json::json!({"error": "internal error"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"error": "maintenance"}))
    }
}

/// Checks the token and rolls the configured faults.
fn gate(d: &AppData, req: &HttpRequest, is_write: bool) -> Result<Fault, Box<HttpResponse>> {
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == d.token);
    let mut sim = d
        .sim
        .lock()
        .map_err(|_| Box::new(HttpResponse::InternalServerError().finish()))?;
    sim.stats.requests += 1;
    if !ok {
        return Err(Box::new(
            HttpResponse::Unauthorized().json(serde_json::json!({"error": "invalid token"})),
        ));
    }
    let n = sim.stats.requests;
    if d.cfg.rate_limit_every > 0 && n % d.cfg.rate_limit_every == 0 {
        sim.stats.faults += 1;
        return Err(Box::new(
            HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, "1"))
                .json(serde_json::json!({"error": "too many requests"})),
        ));
    }
    let cfg = &d.cfg;
    if cfg.error_rate > 0.0 && sim.rng.random_bool(cfg.error_rate) {
        sim.stats.faults += 1;
        let resp = error_response(&mut sim.rng);
        return Ok(if is_write && sim.rng.random_bool(0.5) {
            Fault::FailAfter(resp)
        } else {
            Fault::Fail(resp)
        });
    }
    if cfg.timeout_rate > 0.0 && sim.rng.random_bool(cfg.timeout_rate) {
        sim.stats.faults += 1;
        return Ok(Fault::Slow);
    }
    if !is_write && cfg.unreadable_rate > 0.0 && sim.rng.random_bool(cfg.unreadable_rate) {
        sim.stats.faults += 1;
        let html = sim.rng.random_bool(0.5);
        return Ok(Fault::Unreadable { html });
    }
    Ok(Fault::None)
}

/// Runs `work` under the fault rolled for this request.
async fn faulty(
    d: &AppData,
    req: &HttpRequest,
    is_write: bool,
    work: impl FnOnce(&mut Sim) -> HttpResponse,
) -> HttpResponse {
    let fault = match gate(d, req, is_write) {
        Ok(f) => f,
        Err(resp) => return *resp,
    };
    if let Fault::Fail(resp) = fault {
        return resp;
    }
    let resp = match d.sim.lock() {
        Ok(mut sim) => work(&mut sim),
        Err(_) => HttpResponse::InternalServerError().finish(),
    };
    match fault {
        Fault::FailAfter(err) => err,
        Fault::Slow => {
            tokio::time::sleep(Duration::from_millis(d.cfg.timeout_ms)).await;
            resp
        }
        Fault::Unreadable { html: true } => proxy_502(),
        Fault::Unreadable { html: false } => cut_in_half(resp).await,
        _ => resp,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// `next_cursor` of the previous page; absent for the beginning.
    pub cursor: Option<String>,
    /// 1–200 (default: the simulator's page size).
    pub limit: Option<usize>,
}

/// Reports changed after the cursor, oldest change first.
#[utoipa::path(get, path = "/api/v1/reports", params(ListParams),
    responses((status = 200, body = ReportPage), (status = 401), (status = 429), (status = 500), (status = 503)),
    security(("token" = [])))]
async fn list(d: Data, req: HttpRequest, q: web::Query<ListParams>) -> HttpResponse {
    let cursor = match q.cursor.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(c)) => c,
        Some(Err(_)) => {
            return HttpResponse::BadRequest().json(serde_json::json!({"error": "bad cursor"}));
        }
    };
    let limit = q.limit.unwrap_or(d.cfg.page_size).clamp(1, 200);
    let (dup, shuffle) = (d.cfg.duplicate_pages, d.cfg.out_of_order);
    let held = d.cfg.late_held;
    let (offsets, stale, no_count) = (
        d.cfg.offset_cursors,
        d.cfg.stale_copies,
        d.cfg.no_comment_count,
    );
    faulty(&d, &req, false, |sim| {
        let visible = |sim: &Sim, id: &u64| {
            (sim.caught_up && !held) || !sim.entries.get(id).is_some_and(|e| e.late)
        };
        let (mut seqs, next_cursor): (Vec<u64>, Option<String>) = if offsets {
            // page numbers: the cursor is how many visible items come before
            let seqs: Vec<u64> = sim
                .by_seq
                .iter()
                .filter(|(_, id)| visible(sim, id))
                .skip(cursor as usize)
                .take(limit)
                .map(|(s, _)| *s)
                .collect();
            let next = (!seqs.is_empty()).then(|| (cursor as usize + seqs.len()).to_string());
            (seqs, next)
        } else {
            let seqs: Vec<u64> = sim
                .by_seq
                .range(cursor + 1..)
                .filter(|(_, id)| visible(sim, id))
                .take(limit)
                .map(|(s, _)| *s)
                .collect();
            // the cursor passes the hidden (late) ones too
            let next = seqs.last().map(|s| s.to_string());
            (seqs, next)
        };
        if seqs.len() < limit {
            sim.caught_up = true;
        }
        if dup
            && cursor > 0
            && !offsets
            && let Some((s, _)) = sim.by_seq.range(..=cursor).next_back()
        {
            seqs.insert(0, *s);
        }
        if shuffle {
            seqs.shuffle(&mut sim.rng);
        }
        let mut items = Vec::new();
        for e in seqs
            .iter()
            .filter_map(|s| sim.by_seq.get(s))
            .filter_map(|id| sim.entries.get(id))
        {
            let mut v = sim.render(e);
            if no_count && let Some(o) = v.as_object_mut() {
                o.insert("comment_count".into(), 0.into());
            }
            items.push(v);
            if stale && let Some(p) = &e.previous {
                items.push(p.clone());
            }
        }
        HttpResponse::Ok().json(ReportPage { items, next_cursor })
    })
    .await
}

/// One report.
#[utoipa::path(get, path = "/api/v1/reports/{tracking_id}",
    params(("tracking_id" = u64, Path)),
    responses((status = 200, body = Report), (status = 404)), security(("token" = [])))]
async fn detail(d: Data, req: HttpRequest, id: web::Path<u64>) -> HttpResponse {
    let id = id.into_inner();
    faulty(&d, &req, false, |sim| match sim.entries.get(&id) {
        Some(e) => HttpResponse::Ok().json(sim.render(e)),
        None => HttpResponse::NotFound().json(serde_json::json!({"error": "no such report"})),
    })
    .await
}

/// Comments on a report, oldest first.
#[utoipa::path(get, path = "/api/v1/reports/{tracking_id}/comments",
    params(("tracking_id" = u64, Path)),
    responses((status = 200, body = Vec<Comment>), (status = 404)), security(("token" = [])))]
async fn comments(d: Data, req: HttpRequest, id: web::Path<u64>) -> HttpResponse {
    let id = id.into_inner();
    let n404 = d.cfg.comments_404;
    faulty(&d, &req, false, |sim| {
        if !sim.entries.contains_key(&id) || sim.comments_404 < n404 {
            sim.comments_404 += 1;
            return HttpResponse::NotFound().json(serde_json::json!({"error": "no such report"}));
        }
        let list: Vec<serde_json::Value> = sim
            .comments
            .get(&id)
            .into_iter()
            .flatten()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                if sim
                    .stats
                    .bad_comments
                    .iter()
                    .any(|b| *b == format!("{id}/{}", c.id))
                    && let Some(o) = v.as_object_mut()
                {
                    o.insert("created_at".into(), "tadi pagi".into());
                }
                v
            })
            .collect();
        HttpResponse::Ok().json(list)
    })
    .await
}

/// An attachment's bytes.
#[utoipa::path(get, path = "/api/v1/reports/{tracking_id}/attachments/{attachment_id}",
    params(("tracking_id" = u64, Path), ("attachment_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404)), security(("token" = [])))]
async fn attachment(d: Data, req: HttpRequest, path: web::Path<(u64, String)>) -> HttpResponse {
    let (id, att) = path.into_inner();
    faulty(&d, &req, false, |sim| {
        if sim
            .entries
            .get(&id)
            .is_some_and(|e| e.attachment_fault == Some(AttachmentFault::Late))
        {
            let asked = sim.late_asked.entry(att.clone()).or_default();
            *asked += 1;
            if *asked <= LATE_404S {
                return HttpResponse::NotFound()
                    .json(serde_json::json!({"error": "attachment not available yet"}));
            }
        }
        let found = sim.entries.get(&id).and_then(|e| {
            let r = e.report.attachments.iter().find(|a| a.id == att)?;
            let bytes = e.files.iter().find(|(i, _)| *i == att)?;
            let bytes = match e.attachment_fault {
                None | Some(AttachmentFault::Late) => bytes.1.clone(),
                Some(AttachmentFault::Short) => bytes.1[..bytes.1.len() / 2].to_vec(),
                Some(AttachmentFault::Missing) => return None,
                Some(AttachmentFault::Huge) => vec![b'%'; HUGE],
            };
            Some((r.content_type.clone(), bytes))
        });
        match found {
            Some((ct, bytes)) => HttpResponse::Ok().content_type(ct).body(bytes),
            None => {
                HttpResponse::NotFound().json(serde_json::json!({"error": "no such attachment"}))
            }
        }
    })
    .await
}

/// The topic tree.
#[utoipa::path(get, path = "/api/v1/topics",
    responses((status = 200, body = Vec<Topic>)), security(("token" = [])))]
async fn topics(d: Data, req: HttpRequest) -> HttpResponse {
    faulty(&d, &req, false, |_| HttpResponse::Ok().json(data::topics())).await
}

fn idempotency_key(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_string)
}

/// Post the agency's follow-up (tindak lanjut). The same `Idempotency-Key`
/// again returns the first follow-up (200) instead of adding one.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_id}/followups",
    params(("tracking_id" = u64, Path), ("Idempotency-Key" = String, Header)),
    request_body = FollowupRequest,
    responses((status = 201, body = Followup), (status = 200, description = "Replay", body = Followup),
        (status = 400), (status = 404), (status = 409, description = "The report is no longer with the agency")),
    security(("token" = [])))]
async fn post_followup(
    d: Data,
    req: HttpRequest,
    id: web::Path<u64>,
    body: web::Json<FollowupRequest>,
) -> HttpResponse {
    let id = id.into_inner();
    let Some(key) = idempotency_key(&req) else {
        return HttpResponse::BadRequest()
            .json(serde_json::json!({"error": "Idempotency-Key required"}));
    };
    let content = body.into_inner().content;
    if let Some(resp) = expired_token(&d) {
        return resp;
    }
    let fault = next_post_fault(&d);
    if fault.as_deref() == Some("503") {
        return unavailable_for_now();
    }
    let (cut, conflict, ignore) = (
        d.cfg.cut_posts,
        d.cfg.conflict_on_replay,
        d.cfg.ignore_idempotency,
    );
    let resp = faulty(&d, &req, true, |sim| {
        sim.stats.followup_posts += 1;
        let Some(e) = sim.entries.get(&id) else {
            return HttpResponse::NotFound().json(serde_json::json!({"error": "no such report"}));
        };
        if !ignore
            && let Some(f) = sim
                .followups
                .get(&id)
                .and_then(|fs| fs.iter().find(|f| f.client_key.as_deref() == Some(&key)))
        {
            if conflict {
                return HttpResponse::Conflict()
                    .json(serde_json::json!({"error": "Idempotency-Key already used"}));
            }
            return HttpResponse::Ok().json(f.clone());
        }
        if e.report.status == "rerouted" {
            return HttpResponse::Conflict().json(serde_json::json!({"error": "report re-routed"}));
        }
        if content.trim().is_empty() {
            return HttpResponse::BadRequest()
                .json(serde_json::json!({"error": "content required"}));
        }
        let f = Followup {
            id: format!("fu-{id}-{}", sim.followups.get(&id).map_or(0, Vec::len) + 1),
            client_key: Some(key.clone()),
            content: content.clone(),
            created_at: Utc::now(),
        };
        sim.stored_at
            .insert(f.id.clone(), std::time::Instant::now());
        sim.followups.entry(id).or_default().push(f.clone());
        *sim.stats.followups.entry(id.to_string()).or_default() += 1;
        sim.change(id, |r| r.status = "followed_up".into());
        HttpResponse::Created().json(f)
    })
    .await;
    let resp = after_post_fault(&d, fault.as_deref(), resp).await;
    cut_short(cut, resp)
}

/// `--cut-posts`: what was created is answered 502, as if the 201 was lost.
fn cut_short(cut: bool, resp: HttpResponse) -> HttpResponse {
    if cut && matches!(resp.status().as_u16(), 201 | 202) {
        return HttpResponse::BadGateway().json(serde_json::json!({"error": "upstream reset"}));
    }
    resp
}

/// `--post-faults`: the fault this write meets, if any (each once, in order).
fn next_post_fault(d: &AppData) -> Option<String> {
    let mut sim = d.sim.lock().ok()?;
    let f = d.cfg.post_faults.get(sim.post_faults_used)?.clone();
    sim.post_faults_used += 1;
    sim.stats.faults += 1;
    Some(f)
}

/// `--post-faults` `503`: refused before anything is stored.
fn unavailable_for_now() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, "1"))
        .json(serde_json::json!({"error": "maintenance"}))
}

/// The other `--post-faults`, after the work was done: what the client sees
/// of a stored follow-up or re-routing request.
async fn after_post_fault(d: &AppData, fault: Option<&str>, resp: HttpResponse) -> HttpResponse {
    if !resp.status().is_success() {
        return resp;
    }
    match fault {
        Some("502-html") => proxy_502(),
        Some("reset") => {
            // the head goes out, then the connection drops mid-body
            let parts: Vec<Result<actix_web::web::Bytes, std::io::Error>> = vec![
                Ok(actix_web::web::Bytes::from_static(b"{\"id\": \"")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset",
                )),
            ];
            HttpResponse::build(resp.status())
                .content_type("application/json")
                .streaming(futures_util::stream::iter(parts))
        }
        Some("timeout") => {
            tokio::time::sleep(Duration::from_millis(d.cfg.timeout_ms)).await;
            resp
        }
        _ => resp,
    }
}

/// `--listing-lag-ms`: stored long enough ago to show in a listing.
fn listed(sim: &Sim, lag_ms: u64, id: &str) -> bool {
    sim.stored_at
        .get(id)
        .is_none_or(|t| t.elapsed() >= Duration::from_millis(lag_ms))
}

/// `--unauthorized-posts`: the first N writes meet an expired token.
fn expired_token(d: &AppData) -> Option<HttpResponse> {
    let mut sim = d.sim.lock().ok()?;
    if sim.unauthorized < d.cfg.unauthorized_posts {
        sim.unauthorized += 1;
        sim.stats.faults += 1;
        return Some(
            HttpResponse::Unauthorized().json(serde_json::json!({"error": "token expired"})),
        );
    }
    None
}

/// The follow-ups of a report (to check, after an ambiguous failure, whether a key arrived).
#[utoipa::path(get, path = "/api/v1/reports/{tracking_id}/followups",
    params(("tracking_id" = u64, Path)),
    responses((status = 200, body = Vec<Followup>), (status = 404)), security(("token" = [])))]
async fn list_followups(d: Data, req: HttpRequest, id: web::Path<u64>) -> HttpResponse {
    let id = id.into_inner();
    faulty(&d, &req, false, |sim| {
        if !sim.entries.contains_key(&id) {
            return HttpResponse::NotFound().json(serde_json::json!({"error": "no such report"}));
        }
        let lag = d.cfg.listing_lag_ms;
        let items: Vec<Followup> = sim
            .followups
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|f| listed(sim, lag, &f.id))
            .cloned()
            .collect();
        HttpResponse::Ok().json(items)
    })
    .await
}

/// "Not within our authority": ask LAPOR!'s admins to re-route the report.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_id}/reroute",
    params(("tracking_id" = u64, Path), ("Idempotency-Key" = String, Header)),
    request_body = RerouteRequest,
    responses((status = 202, body = RerouteAccepted), (status = 200, description = "Replay", body = RerouteAccepted),
        (status = 400), (status = 404)),
    security(("token" = [])))]
async fn reroute(
    d: Data,
    req: HttpRequest,
    id: web::Path<u64>,
    body: web::Json<RerouteRequest>,
) -> HttpResponse {
    let id = id.into_inner();
    let Some(key) = idempotency_key(&req) else {
        return HttpResponse::BadRequest()
            .json(serde_json::json!({"error": "Idempotency-Key required"}));
    };
    let _reason = body.into_inner().reason;
    if let Some(resp) = expired_token(&d) {
        return resp;
    }
    let fault = next_post_fault(&d);
    if fault.as_deref() == Some("503") {
        return unavailable_for_now();
    }
    let (cut, conflict, ignore) = (
        d.cfg.cut_posts,
        d.cfg.conflict_on_replay,
        d.cfg.ignore_idempotency,
    );
    let resp = faulty(&d, &req, true, |sim| {
        if !sim.entries.contains_key(&id) {
            return HttpResponse::NotFound().json(serde_json::json!({"error": "no such report"}));
        }
        if !ignore
            && let Some(r) = sim
                .reroutes
                .get(&id)
                .and_then(|rs| rs.iter().find(|r| r.client_key.as_deref() == Some(&key)))
        {
            if conflict {
                return HttpResponse::Conflict()
                    .json(serde_json::json!({"error": "Idempotency-Key already used"}));
            }
            return HttpResponse::Ok().json(r.clone());
        }
        let r = RerouteAccepted {
            id: format!("rr-{id}-{}", sim.reroutes.get(&id).map_or(0, Vec::len) + 1),
            client_key: Some(key.clone()),
        };
        sim.stored_at
            .insert(r.id.clone(), std::time::Instant::now());
        sim.reroutes.entry(id).or_default().push(r.clone());
        *sim.stats.reroutes.entry(id.to_string()).or_default() += 1;
        sim.change(id, |r| r.status = "rerouted".into());
        HttpResponse::Accepted().json(r)
    })
    .await;
    let resp = after_post_fault(&d, fault.as_deref(), resp).await;
    cut_short(cut, resp)
}

/// The re-routing requests of a report (to check, before posting again, whether a key arrived).
#[utoipa::path(get, path = "/api/v1/reports/{tracking_id}/reroutes",
    params(("tracking_id" = u64, Path)),
    responses((status = 200, body = Vec<RerouteAccepted>), (status = 404)), security(("token" = [])))]
async fn list_reroutes(d: Data, req: HttpRequest, id: web::Path<u64>) -> HttpResponse {
    let id = id.into_inner();
    faulty(&d, &req, false, |sim| {
        if !sim.entries.contains_key(&id) {
            return HttpResponse::NotFound().json(serde_json::json!({"error": "no such report"}));
        }
        let lag = d.cfg.listing_lag_ms;
        let items: Vec<RerouteAccepted> = sim
            .reroutes
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|r| listed(sim, lag, &r.id))
            .cloned()
            .collect();
        HttpResponse::Ok().json(items)
    })
    .await
}

// ------------------------------------------------------------ /sim control

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoreReports {
    pub count: usize,
}

fn with_sim(d: &AppData, f: impl FnOnce(&mut Sim) -> HttpResponse) -> HttpResponse {
    match d.sim.lock() {
        Ok(mut sim) => f(&mut sim),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The reporter comments on a report (no faults).
#[utoipa::path(post, path = "/sim/reports/{tracking_id}/comments", params(("tracking_id" = u64, Path)),
    request_body = NewComment, responses((status = 201, body = Comment), (status = 404)))]
async fn sim_comment(d: Data, id: web::Path<u64>, body: web::Json<NewComment>) -> HttpResponse {
    let id = id.into_inner();
    let (per_report, bad) = (d.cfg.comment_ids_per_report, d.cfg.bad_comments);
    with_sim(&d, |sim| {
        if !sim.entries.contains_key(&id) {
            return HttpResponse::NotFound().finish();
        }
        let list = sim.comments.entry(id).or_default();
        let n = list.len() + 1;
        let c = Comment {
            id: if per_report {
                n.to_string()
            } else {
                format!("cm-{id}-{n}")
            },
            author: "reporter".into(),
            body: body.into_inner().body,
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
        };
        list.push(c.clone());
        sim.comments_made += 1;
        if sim.comments_made <= bad {
            sim.stats.bad_comments.push(format!("{id}/{}", c.id));
        }
        sim.change(id, |r| {
            r.comment_count = n as u32;
            // the reporter answering a closed report reopens it on LAPOR!
            if r.status == "closed" {
                r.status = "disposed".into();
            }
        });
        HttpResponse::Created().json(c)
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EditParams {
    /// `true`: edited without `edited_at`, or deleted by leaving the list
    /// (no `deleted` mark) — what a platform without edit markers does.
    pub silent: Option<bool>,
}

/// The reporter edits a comment (POST with a new body) or withdraws it (DELETE); no faults.
#[utoipa::path(post, path = "/sim/reports/{tracking_id}/comments/{comment_id}",
    params(("tracking_id" = u64, Path), ("comment_id" = String, Path), EditParams),
    request_body = NewComment, responses((status = 200, body = Comment), (status = 404)))]
async fn sim_edit_comment(
    d: Data,
    req: HttpRequest,
    path: web::Path<(u64, String)>,
    q: web::Query<EditParams>,
    body: Option<web::Json<NewComment>>,
) -> HttpResponse {
    let (id, cid) = path.into_inner();
    let delete = req.method() == actix_web::http::Method::DELETE;
    let silent = q.silent.unwrap_or(false);
    with_sim(&d, |sim| {
        if delete && silent {
            let Some(list) = sim.comments.get_mut(&id) else {
                return HttpResponse::NotFound().finish();
            };
            let Some(at) = list.iter().position(|c| c.id == cid) else {
                return HttpResponse::NotFound().finish();
            };
            let c = list.remove(at);
            sim.change(id, |_| {});
            return HttpResponse::Ok().json(c);
        }
        let Some(c) = sim
            .comments
            .get_mut(&id)
            .and_then(|l| l.iter_mut().find(|c| c.id == cid))
        else {
            return HttpResponse::NotFound().finish();
        };
        if delete {
            c.deleted = true;
            c.body = String::new();
        } else if let Some(b) = body {
            c.body = b.into_inner().body;
            if !silent {
                c.edited_at = Some(Utc::now());
            }
        }
        let c = c.clone();
        sim.change(id, |_| {});
        HttpResponse::Ok().json(c)
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportEdit {
    pub title: Option<String>,
    pub content: Option<String>,
    pub topic_id: Option<i64>,
    pub location: Option<String>,
    pub classification: Option<String>,
}

/// LAPOR!'s admins correct a report after it was disposed (no faults).
#[utoipa::path(post, path = "/sim/reports/{tracking_id}/edit", params(("tracking_id" = u64, Path)),
    request_body = ReportEdit, responses((status = 200, body = Report), (status = 404)))]
async fn sim_edit_report(d: Data, id: web::Path<u64>, body: web::Json<ReportEdit>) -> HttpResponse {
    let id = id.into_inner();
    let e = body.into_inner();
    with_sim(&d, |sim| {
        if !sim.entries.contains_key(&id) {
            return HttpResponse::NotFound().finish();
        }
        sim.change(id, |r| {
            if let Some(t) = e.title {
                r.title = t;
            }
            if let Some(c) = e.content {
                r.content = c;
            }
            if let Some(t) = e.topic_id {
                r.topic_id = Some(t);
            }
            if let Some(l) = e.location {
                r.location = Some(l);
            }
            if let Some(c) = e.classification {
                r.classification = c;
            }
        });
        match sim.entries.get(&id) {
            Some(entry) => HttpResponse::Ok().json(&entry.report),
            None => HttpResponse::NotFound().finish(),
        }
    })
}

/// LAPOR!'s admins close a report, or move it to another agency (no faults).
#[utoipa::path(post, path = "/sim/reports/{tracking_id}/{action}",
    params(("tracking_id" = u64, Path), ("action" = String, Path, description = "`close` or `reroute-away`")),
    responses((status = 204), (status = 404)))]
async fn sim_status(d: Data, path: web::Path<(u64, String)>) -> HttpResponse {
    let (id, action) = path.into_inner();
    let status = match action.as_str() {
        "close" => "closed",
        "reroute-away" => "rerouted",
        _ => return HttpResponse::NotFound().finish(),
    };
    with_sim(&d, |sim| {
        if !sim.entries.contains_key(&id) {
            return HttpResponse::NotFound().finish();
        }
        sim.change(id, |r| r.status = status.into());
        HttpResponse::NoContent().finish()
    })
}

/// The late reports (`--late`, `--late-held`) are committed now, at the
/// positions the cursor passed long ago.
#[utoipa::path(post, path = "/sim/reveal-late", responses((status = 204)))]
async fn sim_reveal_late(d: Data) -> HttpResponse {
    with_sim(&d, |sim| {
        for e in sim.entries.values_mut() {
            e.late = false;
        }
        HttpResponse::NoContent().finish()
    })
}

/// More reports are disposed to the agency (no faults).
#[utoipa::path(post, path = "/sim/reports", request_body = MoreReports, responses((status = 204)))]
async fn sim_more(d: Data, body: web::Json<MoreReports>) -> HttpResponse {
    let seed = d.cfg.seed;
    let plain = Config {
        malformed: 0,
        odd: 0,
        late: 0,
        short_attachments: 0,
        missing_attachments: 0,
        huge_attachments: 0,
        ..d.cfg.clone()
    };
    with_sim(&d, |sim| {
        let generated = data::reports(seed, body.count.min(10_000), sim.next_id, Utc::now());
        sim.add(generated, &plain);
        HttpResponse::NoContent().finish()
    })
}

/// What arrived: follow-ups and re-routings per report, faults injected.
#[utoipa::path(get, path = "/sim/stats", responses((status = 200, body = Stats)))]
async fn sim_stats(d: Data) -> HttpResponse {
    with_sim(&d, |sim| HttpResponse::Ok().json(&sim.stats))
}

/// Every report as generated, malformed ones included as served (no faults).
#[utoipa::path(get, path = "/sim/reports", responses((status = 200, body = Vec<Report>)))]
async fn sim_reports(d: Data) -> HttpResponse {
    with_sim(&d, |sim| {
        let all: Vec<serde_json::Value> = sim.entries.values().map(|e| sim.render(e)).collect();
        HttpResponse::Ok().json(all)
    })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "lapor-sim", description = "A simulator of the SP4N-LAPOR! integration API as aduan \
        uses it. Authenticate with `Authorization: Bearer <agency token>`. Cursors are opaque. \
        `/sim/…` plays the reporter and LAPOR!'s admins for tests and demos."),
    paths(list, detail, comments, attachment, topics, post_followup, list_followups, reroute,
        list_reroutes, sim_comment, sim_edit_comment, sim_edit_report, sim_status, sim_more,
        sim_reveal_late, sim_stats, sim_reports),
    components(schemas(aduan::intake::lapor::wire::Reporter, aduan::intake::lapor::wire::AttachmentRef)),
    modifiers(&TokenAuth)
)]
struct SimDoc;

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "token",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

pub fn openapi_json() -> String {
    SimDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub fn start(cfg: Config, token: String) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    let mut sim = Sim {
        entries: BTreeMap::new(),
        by_seq: BTreeMap::new(),
        seq: 0,
        comments: HashMap::new(),
        followups: HashMap::new(),
        reroutes: HashMap::new(),
        next_id: 4_812_000,
        rng: StdRng::seed_from_u64(cfg.seed ^ 0x5EED),
        stats: Stats::default(),
        caught_up: false,
        unauthorized: 0,
        comments_404: 0,
        comments_made: 0,
        post_faults_used: 0,
        late_asked: HashMap::new(),
        stored_at: HashMap::new(),
    };
    let generated = data::reports(cfg.seed, cfg.reports, sim.next_id, Utc::now());
    sim.add(generated, &cfg);
    let listen = cfg.listen;
    let data = web::Data::new(AppData {
        cfg,
        token,
        sim: Mutex::new(sim),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .service(web::resource("/api/v1/reports").get(list))
            .service(web::resource("/api/v1/reports/{tracking_id}").get(detail))
            .service(web::resource("/api/v1/reports/{tracking_id}/comments").get(comments))
            .service(
                web::resource("/api/v1/reports/{tracking_id}/attachments/{attachment_id}")
                    .get(attachment),
            )
            .service(
                web::resource("/api/v1/reports/{tracking_id}/followups")
                    .get(list_followups)
                    .post(post_followup),
            )
            .service(web::resource("/api/v1/reports/{tracking_id}/reroute").post(reroute))
            .service(web::resource("/api/v1/reports/{tracking_id}/reroutes").get(list_reroutes))
            .service(web::resource("/api/v1/topics").get(topics))
            .service(
                web::resource("/sim/reports")
                    .get(sim_reports)
                    .post(sim_more),
            )
            .service(web::resource("/sim/reports/{tracking_id}/comments").post(sim_comment))
            .service(
                web::resource("/sim/reports/{tracking_id}/comments/{comment_id}")
                    .post(sim_edit_comment)
                    .delete(sim_edit_comment),
            )
            .service(web::resource("/sim/reports/{tracking_id}/edit").post(sim_edit_report))
            .service(web::resource("/sim/reports/{tracking_id}/{action}").post(sim_status))
            .service(web::resource("/sim/stats").get(sim_stats))
            .service(web::resource("/sim/reveal-late").post(sim_reveal_late))
    })
    .workers(2)
    .bind(listen)?;
    let addr = server.addrs().first().copied().unwrap_or(listen);
    Ok((server.run(), addr))
}
