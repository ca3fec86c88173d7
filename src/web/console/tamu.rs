//! "Tamu hari ini" (issue 35): the day's guest book — priority visits first,
//! each with its state, how long they waited and who serves them; start,
//! finish or cancel a visit; add one for someone who cannot use the
//! tablet; turn a visit into a face-to-face complaint; the day's book as
//! CSV and as a page to print (the SOP's hardcopy). Reception and the
//! liaison officer see every visit; an official sees the visits for their
//! positions.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::{Layout, Section, render};
use crate::app::visits::{DESK, VisitAction};
use crate::domain::Role;
use crate::domain::visit::{NewVisit, Priority, Purpose, VisitState, waited};
use crate::http::AppState;
use crate::store::Visit;
use crate::words;

/// Reception and the liaison officer keep the guest book (and the admin).
pub fn keeps_the_book(r: Role) -> bool {
    matches!(r, Role::Reception | Role::Liaison | Role::Admin)
}

pub struct Row {
    pub id: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    pub origin: String,
    pub purpose: &'static str,
    pub whom: String,
    pub priority: Option<String>,
    pub arrived: String,
    pub waited: String,
    pub state: &'static str,
    pub state_key: &'static str,
    pub served_by: String,
    pub version: i64,
    pub actions: Vec<(&'static str, &'static str)>,
    pub complaint: Option<String>,
    pub escalated: bool,
    pub erased: bool,
}

#[derive(Template)]
#[template(path = "console/tamu.html")]
struct Page {
    layout: Layout,
    day: String,
    /// The day as its field shows it (`hh-bb-tttt`).
    day_field: String,
    today: bool,
    rows: Vec<Row>,
    keeper: bool,
    waiting: usize,
    purposes: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    whom: Vec<(String, String)>,
    errors: HashMap<String, String>,
    kept: HashMap<String, String>,
    /// This browser is the office's tablet at the door.
    kiosk: bool,
}

impl Page {
    fn err(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
    fn val(&self, k: &str) -> &str {
        self.kept.get(k).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "console/tamu-cetak.html")]
struct Print {
    office: String,
    day: String,
    rows: Vec<Row>,
    printed: String,
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    day: Option<String>,
    done: Option<String>,
}

fn minutes(d: chrono::Duration) -> String {
    let m = d.num_minutes();
    if m < 60 {
        format!("{m} menit")
    } else {
        format!("{} jam {} menit", m / 60, m % 60)
    }
}

async fn titles(state: &AppState) -> HashMap<uuid::Uuid, String> {
    state
        .store
        .list_positions()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect()
}

fn row(
    v: &Visit,
    titles: &HashMap<uuid::Uuid, String>,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<Utc>,
) -> Row {
    let actions = match v.state {
        VisitState::Waiting => vec![("start", "Mulai layani"), ("cancel", "Tidak jadi")],
        VisitState::Serving => vec![("finish", "Selesai"), ("cancel", "Tidak jadi")],
        _ => Vec::new(),
    };
    Row {
        id: v.id.to_string(),
        number: v.number(),
        name: v.name.clone(),
        phone: v.phone.clone().unwrap_or_default(),
        origin: v.origin.clone().unwrap_or_default(),
        purpose: v.purpose.label(),
        whom: v
            .position_id
            .and_then(|p| titles.get(&p).cloned())
            .unwrap_or_else(|| DESK.to_string()),
        priority: v.priority.map(|p| match &v.assistance {
            Some(a) => format!("{} — {a}", p.label()),
            None => p.label().to_string(),
        }),
        arrived: words::jam(v.arrived_at, tz),
        waited: match v.state {
            VisitState::Cancelled if v.started_at.is_none() => "—".into(),
            _ => minutes(waited(v.arrived_at, v.started_at, now)),
        },
        state: v.state.label(),
        state_key: v.state.as_str(),
        served_by: v.served_by.clone().unwrap_or_default(),
        version: v.version,
        actions,
        complaint: v.complaint_id.map(|c| c.to_string()),
        escalated: v.escalated_at.is_some(),
        erased: v.name == crate::domain::visit::ERASED_NAME,
    }
}

fn day_of(state: &AppState, q: Option<&str>) -> NaiveDate {
    let today = Utc::now()
        .with_timezone(&state.settings.office_timezone)
        .date_naive();
    q.and_then(crate::words::parse_tanggal)
        .filter(|d| *d <= today)
        .unwrap_or(today)
}

/// The visits this person sees on `day`.
async fn visits(
    state: &AppState,
    who: &super::Staff,
    day: NaiveDate,
) -> Result<Vec<Visit>, crate::store::StoreError> {
    let all = state.store.visits_on(day).await?;
    if keeps_the_book(who.caller.role()) {
        return Ok(all);
    }
    let now = Utc::now();
    let mine = state.app.positions_held(who.caller.actor(), now).await?;
    Ok(all
        .into_iter()
        .filter(|v| v.position_id.is_some_and(|p| mine.contains(&p)))
        .collect())
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    who: &super::Staff,
    day: NaiveDate,
    errors: HashMap<String, String>,
    kept: HashMap<String, String>,
    notice: Option<(String, bool)>,
) -> HttpResponse {
    let list = match visits(state, who, day).await {
        Ok(l) => l,
        Err(_) => return super::unavailable(state),
    };
    let tz = state.settings.office_timezone;
    let now = Utc::now();
    let titles = titles(state).await;
    let rows: Vec<Row> = list.iter().map(|v| row(v, &titles, tz, now)).collect();
    let mut layout = Layout::for_staff(state, who, "Tamu hari ini", Section::Visits);
    if let Some((text, bad)) = notice {
        layout.notices.push(super::Notice { text, bad });
    }
    let today = day == now.with_timezone(&tz).date_naive();
    if !today {
        layout.title = format!("Buku tamu {}", words::tanggal_hari(day));
    }
    let mut whom: Vec<(String, String)> = titles
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    whom.sort_by(|a, b| a.1.cmp(&b.1));
    render(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &Page {
            layout,
            day: day.to_string(),
            day_field: crate::words::isian_tanggal(day),
            today,
            waiting: list
                .iter()
                .filter(|v| v.state == VisitState::Waiting)
                .count(),
            rows,
            keeper: keeps_the_book(who.caller.role()),
            purposes: Purpose::ALL
                .iter()
                .map(|p| (p.as_str(), p.label()))
                .collect(),
            priorities: Priority::ALL
                .iter()
                .map(|p| (p.as_str(), p.label()))
                .collect(),
            whom,
            errors,
            kept,
            kiosk: crate::web::tamu::is_kiosk(state, req),
        },
    )
}

/// `GET /console/tamu`
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<DayQuery>,
) -> HttpResponse {
    let who = match super::staff(&state, &req).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let day = day_of(&state, q.day.as_deref());
    let notice = q.done.as_deref().map(|d| {
        let text = match d {
            "start" => "Kunjungan mulai dilayani.",
            "finish" => "Kunjungan selesai. Undangan survei kepuasan terkirim bila tamu memberi surel atau nomor telepon; tunjukkan juga kode QR survei.",
            "cancel" => "Kunjungan ditandai tidak jadi.",
            "new" => "Tamu dicatat; pejabat yang dituju sudah dipanggil.",
            "erase" => "Data pribadi tamu itu sudah dihapus; kunjungannya tetap terhitung.",
            _ => "Kunjungan itu sudah berubah; lihat keadaannya sekarang.",
        };
        (text.to_string(), d == "moved")
    });
    page(
        &state,
        &req,
        &who,
        day,
        HashMap::new(),
        HashMap::new(),
        notice,
    )
    .await
}

fn back(day: &str, done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/console/tamu?day={day}&done={done}"),
        ))
        .finish()
}

/// `POST /console/tamu/{id}`: start, finish or cancel a visit.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m, id) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if super::actions::first(&m, "action") == "erase" {
        return erase(&state, &req, &who, id, &m).await;
    }
    let Some(action) = VisitAction::parse(super::actions::first(&m, "action")) else {
        return super::not_found(&state);
    };
    let version: i64 = super::actions::first(&m, "version").parse().unwrap_or(0);
    let visit = match state.store.get_visit(id).await {
        Ok(Some(v)) => v,
        Ok(None) => return super::not_found(&state),
        Err(_) => return super::unavailable(&state),
    };
    // an official acts on visits for their positions; the front office on any
    if !keeps_the_book(who.caller.role()) {
        let mine = match state
            .app
            .positions_held(who.caller.actor(), Utc::now())
            .await
        {
            Ok(m) => m,
            Err(_) => return super::unavailable(&state),
        };
        if !visit.position_id.is_some_and(|p| mine.contains(&p)) {
            return super::refused(&state);
        }
    }
    let day = visit.day.to_string();
    match state
        .app
        .visit_act(id, version, action, who.caller.actor(), Utc::now())
        .await
    {
        Ok(Some(_)) => back(&day, super::actions::first(&m, "action")),
        Ok(None) => back(&day, "moved"),
        Err(_) => super::unavailable(&state),
    }
}

/// The front office erases a visitor's details on their request (a reason
/// is required; the privacy audit log keeps it).
async fn erase(
    state: &AppState,
    req: &HttpRequest,
    who: &super::Staff,
    id: uuid::Uuid,
    m: &HashMap<String, Vec<String>>,
) -> HttpResponse {
    if !keeps_the_book(who.caller.role()) {
        return super::refused(state);
    }
    let visit = match state.store.get_visit(id).await {
        Ok(Some(v)) => v,
        Ok(None) => return super::not_found(state),
        Err(_) => return super::unavailable(state),
    };
    let reason = super::actions::first(m, "reason").trim();
    if reason.chars().count() < 5 {
        let mut errors = HashMap::new();
        errors.insert(
            format!("reason-{id}"),
            "Tulis alasan penghapusan (misalnya permintaan tamu), paling sedikit 5 huruf.".into(),
        );
        return page(
            state,
            req,
            who,
            visit.day,
            errors,
            HashMap::new(),
            Some((
                "Data tamu belum dihapus: alasannya perlu ditulis.".into(),
                true,
            )),
        )
        .await;
    }
    match state
        .app
        .erase_visit(id, reason, who.caller.actor(), Utc::now())
        .await
    {
        Ok(true) => back(&visit.day.to_string(), "erase"),
        Ok(false) => super::not_found(state),
        Err(_) => super::unavailable(state),
    }
}

#[derive(Template)]
#[template(path = "console/tamu-survei.html")]
struct SurveyQr {
    layout: Layout,
    number: String,
    url: String,
    qr_svg: String,
    done: bool,
}

/// `GET /console/tamu/{id}/survei`: the finished visit's survey link as a
/// QR code to show the visitor at the desk.
pub async fn survey_qr(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let who = match super::staff(&state, &req).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return super::not_found(&state);
    };
    let visit = match state.store.get_visit(id).await {
        Ok(Some(v)) if v.state == VisitState::Done => v,
        Ok(_) => return super::not_found(&state),
        Err(_) => return super::unavailable(&state),
    };
    let done = match state.app.visit_surveyed(&visit).await {
        Ok(d) => d,
        Err(_) => return super::unavailable(&state),
    };
    let url = state.app.visit_survey_url(visit.id);
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &SurveyQr {
            layout: Layout::for_staff(
                &state,
                &who,
                // a non-breaking hyphen: the number stays on one line
                &format!(
                    "Survei kunjungan {}",
                    visit.number().replace('-', "\u{2011}")
                ),
                Section::Visits,
            ),
            number: visit.number(),
            url,
            qr_svg,
            done,
        },
    )
}

/// `POST /console/tamu/kiosk`: the front office marks this browser as the
/// office's tablet at the door (`on=1`), or unmarks it.
pub async fn kiosk(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let (who, m) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !keeps_the_book(who.caller.role()) {
        return super::refused(&state);
    }
    let on = super::actions::first(&m, "on") == "1";
    let mark = on.then(|| state.app.new_kiosk_mark());
    tracing::info!(on, "guest book tablet mark set");
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, if on { "/tamu" } else { "/console/tamu" }))
        .insert_header((
            header::SET_COOKIE,
            crate::web::tamu::kiosk_cookie(&state, mark.as_deref()),
        ))
        .finish()
}

/// `POST /console/tamu/new`: reception records a visitor.
pub async fn add(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let (who, m) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !keeps_the_book(who.caller.role()) {
        return super::refused(&state);
    }
    let today = Utc::now()
        .with_timezone(&state.settings.office_timezone)
        .date_naive();
    let kept: HashMap<String, String> = m
        .iter()
        .filter(|(k, _)| k.as_str() != "csrf")
        .filter_map(|(k, v)| Some((k.clone(), v.first()?.clone())))
        .collect();
    let v = match NewVisit::parse(&crate::web::tamu::visit_input(&m)) {
        Ok(v) => v,
        Err(e) => {
            let mut errors = crate::web::tamu::messages(&e);
            errors.insert(
                "_".into(),
                "Tamu belum dicatat: periksa isian yang ditandai.".into(),
            );
            return page(
                &state,
                &req,
                &who,
                today,
                errors,
                kept,
                Some((
                    "Tamu belum dicatat: periksa isian yang ditandai.".into(),
                    true,
                )),
            )
            .await;
        }
    };
    let by = who
        .caller
        .actor()
        .officer
        .as_ref()
        .map_or_else(|| who.caller.actor().name.clone(), |o| o.name.clone());
    match state.app.register_visit(&v, &by, None, Utc::now()).await {
        Ok(Ok(_)) => back(&today.to_string(), "new"),
        Ok(Err(_)) => {
            let mut errors = HashMap::new();
            errors.insert("position_id".into(), "Pilih pejabat dari daftar.".into());
            page(&state, &req, &who, today, errors, kept, None).await
        }
        Err(_) => super::unavailable(&state),
    }
}

/// The day's book for the front office, its leaving the service audited.
async fn the_book(
    state: &AppState,
    req: &HttpRequest,
    day: Option<&str>,
    form: &str,
) -> Result<(NaiveDate, Vec<Visit>), HttpResponse> {
    let who = super::staff(state, req).await?;
    if !keeps_the_book(who.caller.role()) {
        return Err(super::refused(state));
    }
    let day = day_of(state, day);
    let list = state
        .store
        .visits_on(day)
        .await
        .map_err(|_| super::unavailable(state))?;
    state
        .app
        .audit_guest_book(who.caller.actor(), day, list.len(), form, Utc::now())
        .await
        .map_err(|_| super::unavailable(state))?;
    Ok((day, list))
}

/// `GET /console/tamu/csv?day=`: the day's guest book (UTF-8 with a BOM, `;`).
pub async fn csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<DayQuery>,
) -> HttpResponse {
    let (day, list) = match the_book(&state, &req, q.day.as_deref(), "CSV").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tz = state.settings.office_timezone;
    let titles = titles(&state).await;
    let cell = crate::reports::export::csv_cell;
    let mut out = String::from("\u{feff}");
    out.push_str("Nomor;Datang;Nama;Telepon;Asal;Keperluan;Ingin bertemu;Prioritas;Keadaan;Menunggu (menit);Dilayani oleh;Selesai\r\n");
    for v in &list {
        let r = row(v, &titles, tz, Utc::now());
        let waited_min = match (v.state, v.started_at) {
            (VisitState::Cancelled, None) => String::new(),
            _ => waited(v.arrived_at, v.started_at, Utc::now())
                .num_minutes()
                .to_string(),
        };
        let fields = [
            r.number,
            words::waktu(v.arrived_at, tz),
            r.name,
            r.phone,
            r.origin,
            r.purpose.to_string(),
            r.whom,
            r.priority.unwrap_or_default(),
            r.state.to_string(),
            waited_min,
            r.served_by,
            v.finished_at.map(|t| words::jam(t, tz)).unwrap_or_default(),
        ];
        out.push_str(&fields.iter().map(|f| cell(f)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"buku-tamu-{day}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}

/// `GET /console/tamu/cetak?day=`: the day's guest book to print (or save as PDF).
pub async fn print(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<DayQuery>,
) -> HttpResponse {
    let (day, list) = match the_book(&state, &req, q.day.as_deref(), "cetak").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = Utc::now();
    let tz = state.settings.office_timezone;
    let titles = titles(&state).await;
    render(
        StatusCode::OK,
        &Print {
            office: state.settings.office_name.clone(),
            day: words::tanggal_hari(day),
            rows: list.iter().map(|v| row(v, &titles, tz, now)).collect(),
            printed: words::waktu(now, tz),
        },
    )
}

/// `GET /console/tamu/pdf?day=`: the day's guest book as a PDF (A4
/// landscape; the SOP's hardcopy, to sign and file or send on).
pub async fn pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<DayQuery>,
) -> HttpResponse {
    use crate::pdf::{Column, Document, Font};
    let (day, list) = match the_book(&state, &req, q.day.as_deref(), "PDF").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = Utc::now();
    let tz = state.settings.office_timezone;
    let titles = titles(&state).await;
    let office = state.settings.office_name.clone();
    let letterhead = state.settings.letterhead.clone();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            let r = row(v, &titles, tz, now);
            let mut who = r.name;
            if !r.origin.is_empty() {
                who.push_str(&format!("\n{}", r.origin));
            }
            if !r.phone.is_empty() {
                who.push_str(&format!("\n{}", r.phone));
            }
            vec![
                r.number,
                r.arrived,
                who,
                r.purpose.to_string(),
                r.whom,
                r.priority.unwrap_or_else(|| "—".into()),
                r.waited,
                match (r.state_key, r.served_by.is_empty()) {
                    (_, true) => r.state.to_string(),
                    (_, false) => format!("{}\noleh {}", r.state, r.served_by),
                },
                String::new(),
            ]
        })
        .collect();
    let waiting = list
        .iter()
        .filter(|v| v.state == VisitState::Waiting)
        .count();
    let printed = words::waktu(now, tz);
    let day_words = words::tanggal_hari(day);
    // laying out is CPU work: off the async threads
    let made = tokio::task::spawn_blocking(move || {
        let mut d = Document::new(&format!("Buku tamu {day_words}"), true);
        for line in &letterhead {
            d.text(line, Font::Bold, 11.0, true);
        }
        if letterhead.is_empty() {
            d.text(&office, Font::Bold, 12.0, true);
        }
        d.rule();
        d.text("BUKU TAMU", Font::Bold, 13.0, true);
        d.text(&day_words, Font::Regular, 11.0, true);
        d.gap(6.0);
        d.text(
            &format!(
                "{} tamu, {} masih menunggu saat dicetak. Tamu prioritas lebih dahulu.",
                rows.len(),
                waiting
            ),
            Font::Regular,
            9.0,
            false,
        );
        d.gap(4.0);
        let columns = [
            Column {
                title: "Nomor",
                share: 1.1,
            },
            Column {
                title: "Datang",
                share: 0.7,
            },
            Column {
                title: "Nama, asal, telepon",
                share: 3.0,
            },
            Column {
                title: "Keperluan",
                share: 1.5,
            },
            Column {
                title: "Ingin bertemu",
                share: 2.4,
            },
            Column {
                title: "Prioritas",
                share: 1.8,
            },
            Column {
                title: "Menunggu",
                share: 1.0,
            },
            Column {
                title: "Keadaan",
                share: 1.8,
            },
            Column {
                title: "Paraf",
                share: 0.9,
            },
        ];
        d.table(&columns, &rows, 8.5);
        d.finish(&format!("{office} · buku tamu {day} · dicetak {printed}"))
    })
    .await;
    super::pdf_answer(&state, made, &format!("buku-tamu-{day}.pdf"), "guest book")
}
