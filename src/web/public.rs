//! The complainant's pages: `/lacak` (the status of a complaint by its
//! tracking number and access code — posted, never in a URL; the email's
//! link carries the code in the fragment, read by `lacak.js`), a reply or
//! more information from the complainant, the satisfaction survey (SKM)
//! once the answer is dispatched, and `/ikm`, the published results.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate, Utc};

use crate::app::survey::{SurveyOutcome, SurveyState};
use crate::domain::public_event_description;
use crate::domain::skm::{self, ELEMENTS, SurveyInput};
use crate::http::AppState;
use crate::store::{Actor, Complaint, InboundMessage, SurveyQuery, SurveyService};
use crate::words;

const LACAK_JS: &str = include_str!("assets/lacak.js");
const BERKAS_JS: &str = include_str!("assets/berkas.js");
const NO_MATCH: &str = "Nomor pengaduan atau kode akses tidak cocok. Periksa lagi keduanya (huruf besar atau kecil dan tanda hubung tidak berpengaruh).";

#[derive(Template)]
#[template(path = "public/lacak.html")]
struct LacakPage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    number: String,
    example: String,
    error: Option<String>,
}

/// One question of the survey as the form shows it.
struct Question {
    key: String,
    code: &'static str,
    name: &'static str,
    question: &'static str,
    /// (value, label, chosen)
    options: Vec<(u8, &'static str, bool)>,
    error: Option<String>,
}

/// One profile choice of the survey.
struct Profile {
    key: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "public/status.html")]
struct StatusPage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    number: String,
    code: String,
    status: &'static str,
    received: String,
    due: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    /// When, and the text unless confidential.
    answer: Option<(String, Option<String>)>,
    answered: bool,
    timeline: Vec<(String, &'static str)>,
    /// `open`, `done` or `not_yet`.
    survey: &'static str,
    questions: Vec<Question>,
    profile: Vec<Profile>,
    suggestion: String,
    suggestion_error: Option<String>,
    token: String,
    message: String,
    message_error: Option<String>,
}

/// A visit's survey (`/skm/<token>`, issue 35).
#[derive(Template)]
#[template(path = "public/skm.html")]
struct SkmPage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    /// `open`, `done` or `unknown`.
    state: &'static str,
    token: String,
    visit: String,
    day: String,
    questions: Vec<Question>,
    profile: Vec<Profile>,
    suggestion: String,
    suggestion_error: Option<String>,
}

struct IkmRow {
    period: String,
    service: &'static str,
    /// The respondents against the minimum sample.
    sample: String,
    respondents: u64,
    ikm: String,
    category: String,
    elements: Vec<(&'static str, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "public/ikm.html")]
struct IkmPage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    rows: Vec<IkmRow>,
}

/// The public pages' answer: never cached or framed; our one script allowed.
pub(crate) fn page(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .insert_header(("X-Frame-Options", "DENY"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "public page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(LACAK_JS)
}

/// `GET /assets/berkas.js`: the file field in Indonesian.
pub async fn file_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(BERKAS_JS)
}

fn example(state: &AppState) -> String {
    crate::domain::TrackingNumber::new(
        &state.settings.tracking_prefix,
        Utc::now()
            .with_timezone(&state.settings.office_timezone)
            .year(),
        123,
    )
    .to_string()
}

fn form_page(state: &AppState, number: String, error: Option<String>) -> LacakPage {
    LacakPage {
        office: state.settings.office_name.clone(),
        title: "Lacak pengaduan",
        notices: Vec::new(),
        number,
        example: example(state),
        error,
    }
}

/// `GET /lacak`: the form.
pub async fn form(state: web::Data<AppState>) -> HttpResponse {
    page(StatusCode::OK, &form_page(&state, String::new(), None))
}

/// `GET /lacak/{number}`: the form with the number (the email's link; the
/// code follows in the fragment).
pub async fn form_for(state: web::Data<AppState>, number: web::Path<String>) -> HttpResponse {
    let n = crate::domain::TrackingNumber::parse(&number.to_uppercase())
        .map(|n| n.to_string())
        .unwrap_or_default();
    page(StatusCode::OK, &form_page(&state, n, None))
}

fn parse(body: &[u8]) -> HashMap<String, Vec<String>> {
    crate::web::console::actions::parse_form(body)
}

fn first<'a>(m: &'a HashMap<String, Vec<String>>, k: &str) -> &'a str {
    crate::web::console::actions::first(m, k)
}

/// The complaint the posted number and code open; the form again (same
/// message for an unknown number and a wrong code) or 429 otherwise.
async fn opened(
    state: &AppState,
    req: &HttpRequest,
    m: &HashMap<String, Vec<String>>,
) -> Result<Complaint, HttpResponse> {
    let client = crate::http::session::client_ip(req, &state.settings.trusted_proxies)
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let number = first(m, "number").trim().to_uppercase();
    if let Err(wait) = state.public_limiter.check(client) {
        let p = form_page(
            state,
            number,
            Some(format!(
                "Terlalu banyak percobaan dari alamat ini. Coba lagi dalam {wait} detik."
            )),
        );
        return Err(page(StatusCode::TOO_MANY_REQUESTS, &p));
    }
    match state.app.open_public(&number, first(m, "code")).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(page(
            StatusCode::NOT_FOUND,
            &form_page(state, number, Some(NO_MATCH.into())),
        )),
        Err(e) => {
            tracing::error!(error = %e, "public look-up failed");
            Err(HttpResponse::ServiceUnavailable().finish())
        }
    }
}

/// The survey's questions, with what came back in a refused form.
fn questions(
    kept: &HashMap<String, Vec<String>>,
    errors: &HashMap<String, String>,
) -> Vec<Question> {
    ELEMENTS
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let key = format!("u{}", i + 1);
            let chosen = first(kept, &key).parse::<u8>().ok();
            Question {
                error: errors.get(&key).cloned(),
                code: e.code,
                name: e.name,
                question: e.question,
                options: e
                    .scale
                    .iter()
                    .enumerate()
                    .map(|(n, label)| {
                        let v = n as u8 + 1;
                        (v, *label, chosen == Some(v))
                    })
                    .collect(),
                key,
            }
        })
        .collect()
}

fn profile(kept: &HashMap<String, Vec<String>>) -> Vec<Profile> {
    let one = |key: &'static str, label: &'static str, all: &'static [(&str, &str)]| Profile {
        key,
        label,
        options: all
            .iter()
            .map(|(v, l)| (*v, *l, first(kept, key) == *v))
            .collect(),
    };
    vec![
        one("sex", "Jenis kelamin", &skm::SEXES),
        one("age_group", "Usia", &skm::AGE_GROUPS),
        one("education", "Pendidikan terakhir", &skm::EDUCATIONS),
        one("occupation", "Pekerjaan", &skm::OCCUPATIONS),
    ]
}

/// What a status page shows besides the complaint: notices, a refused
/// form's fields and messages.
#[derive(Default)]
struct Extra {
    notices: Vec<(String, bool)>,
    kept: HashMap<String, Vec<String>>,
    errors: HashMap<String, String>,
}

async fn status_page(
    state: &AppState,
    c: &Complaint,
    code: &str,
    status: StatusCode,
    extra: Extra,
) -> HttpResponse {
    let tz = state.settings.office_timezone;
    let loaded = async {
        let events = state.store.timeline(c.id).await?;
        let dispatches = state.store.dispatches(c.id).await?;
        let drafts = state.store.drafts(c.id).await?;
        let survey = state.app.survey_state(c).await?;
        Ok::<_, crate::store::StoreError>((events, dispatches, drafts, survey))
    }
    .await;
    let Ok((events, dispatches, drafts, survey)) = loaded else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let show = !c.confidential;
    let answer = dispatches.last().map(|d| {
        let text = drafts
            .iter()
            .find(|x| x.id == d.draft_id)
            .map(|x| x.body.clone());
        (words::waktu(d.at, tz), text.filter(|_| show))
    });
    let now = Utc::now();
    let due = c.due_at.filter(|_| c.status.is_open()).map(|d| {
        if d < now {
            format!(
                "{} (sudah lewat; kami mohon maaf atas keterlambatannya)",
                words::waktu(d, tz)
            )
        } else {
            words::waktu(d, tz)
        }
    });
    let p = StatusPage {
        office: state.settings.office_name.clone(),
        title: "Status pengaduan",
        notices: extra.notices,
        number: c.tracking_number.clone(),
        code: code.to_string(),
        status: c.status.public_label(),
        received: words::waktu(c.received_at, tz),
        due,
        subject: show.then(|| c.subject.clone()),
        body: show.then(|| c.body.clone()),
        answer,
        answered: !c.status.is_open(),
        timeline: events
            .iter()
            .filter_map(|e| public_event_description(&e.kind).map(|d| (words::waktu(e.at, tz), d)))
            .collect(),
        survey: match survey {
            SurveyState::Open => "open",
            SurveyState::Done => "done",
            SurveyState::NotYet => "not_yet",
        },
        questions: questions(&extra.kept, &extra.errors),
        profile: profile(&extra.kept),
        suggestion: first(&extra.kept, "suggestion").to_string(),
        suggestion_error: extra.errors.get("suggestion").cloned(),
        token: uuid::Uuid::new_v4().simple().to_string(),
        message: first(&extra.kept, "message").to_string(),
        message_error: extra.errors.get("message").cloned(),
    };
    page(status, &p)
}

/// `POST /lacak`: the status page.
pub async fn lookup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let m = parse(&body);
    match opened(&state, &req, &m).await {
        Ok(c) => {
            status_page(
                &state,
                &c,
                first(&m, "code"),
                StatusCode::OK,
                Extra::default(),
            )
            .await
        }
        Err(r) => r,
    }
}

/// The complainant's actor on the timeline.
fn complainant() -> Actor {
    Actor {
        key_id: None,
        name: "Pelapor (halaman lacak)".into(),
        role: crate::domain::Role::Reception,
        officer: None,
    }
}

/// `POST /lacak/balas`: more information or a reply from the complainant,
/// joined to the complaint by the email reply's rules (reopens an answered
/// complaint, resumes a clock that waited for the complainant); once per
/// form (its token).
pub async fn reply(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let m = parse(&body);
    let c = match opened(&state, &req, &m).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let code = first(&m, "code").to_string();
    let text = first(&m, "message").trim().to_string();
    let mut extra = Extra {
        kept: m.clone(),
        ..Default::default()
    };
    if text.is_empty() || text.chars().count() > 5000 {
        extra.errors.insert(
            "message".into(),
            "Tulis pesan Anda (paling banyak 5.000 karakter).".into(),
        );
        return status_page(&state, &c, &code, StatusCode::UNPROCESSABLE_ENTITY, extra).await;
    }
    let token = first(&m, "token");
    let token: String = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect();
    let key = format!(
        "lacak:{}:{}",
        c.id,
        if token.is_empty() {
            uuid::Uuid::new_v4().simple().to_string()
        } else {
            token
        }
    );
    let detail = serde_json::json!({"source": "lacak", "text": text}).to_string();
    let actor = complainant();
    let recorded = state
        .app
        .record_reply(
            InboundMessage {
                source_key: &key,
                complaint_id: c.id,
                event: "reporter_replied",
                detail: &detail,
                actor: &actor,
                now: Utc::now(),
                reopen: true,
                location: None,
            },
            "Tanggapan pelapor diterima melalui halaman lacak",
        )
        .await;
    match recorded {
        Ok(after) => {
            let c = after.unwrap_or(c);
            let extra = Extra {
                notices: vec![(
                    "Terima kasih, pesan Anda sudah masuk ke berkas pengaduan dan akan dibaca petugas.".into(),
                    false,
                )],
                ..Default::default()
            };
            status_page(&state, &c, &code, StatusCode::OK, extra).await
        }
        Err(e) => {
            tracing::error!(error = %e, "complainant's reply not recorded");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}

impl Extra {
    /// A refused survey: each field's message next to it, the answers kept.
    fn refused_survey(
        &mut self,
        e: crate::domain::ValidationErrors,
        m: &HashMap<String, Vec<String>>,
    ) {
        for f in e.0 {
            let key = f
                .field
                .strip_prefix("answers.")
                .unwrap_or(&f.field)
                .to_string();
            self.errors
                .entry(key)
                .or_insert_with(|| survey_message(&f.field, &f.reason));
        }
        self.notices.push((
            "Penilaian belum terkirim: lengkapi jawaban yang ditandai.".into(),
            true,
        ));
        self.kept = m.clone();
    }
}

/// The Indonesian message for a refused survey field.
fn survey_message(field: &str, reason: &str) -> String {
    if let Some(u) = field.strip_prefix("answers.") {
        let code = u.to_uppercase();
        if reason.starts_with("is required") {
            format!("Pilih salah satu jawaban untuk {code}.")
        } else {
            format!("Jawaban {code} harus 1, 2, 3 atau 4.")
        }
    } else if field == "suggestion" {
        "Saran paling banyak 2.000 karakter.".into()
    } else {
        "Pilihan ini tidak dikenal.".into()
    }
}

/// The posted form as the API's input.
fn survey_input(m: &HashMap<String, Vec<String>>) -> SurveyInput {
    let mut i = SurveyInput::default();
    for n in 1..=9 {
        let k = format!("u{n}");
        let v = first(m, &k);
        if !v.is_empty() {
            // an unreadable value is refused as out of range
            i.answers.insert(k, v.parse().unwrap_or(0));
        }
    }
    let opt = |k: &str| Some(first(m, k).to_string()).filter(|s| !s.is_empty());
    i.respondent.sex = opt("sex");
    i.respondent.age_group = opt("age_group");
    i.respondent.education = opt("education");
    i.respondent.occupation = opt("occupation");
    i.suggestion = opt("suggestion");
    i
}

/// `POST /lacak/survei`: the complainant's rating.
pub async fn survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let m = parse(&body);
    let c = match opened(&state, &req, &m).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let code = first(&m, "code").to_string();
    let outcome = state
        .app
        .submit_survey(&c, &survey_input(&m), Utc::now())
        .await;
    let mut extra = Extra::default();
    let status = match outcome {
        Ok(SurveyOutcome::Recorded) => {
            extra
                .notices
                .push(("Terima kasih atas penilaian Anda.".into(), false));
            StatusCode::CREATED
        }
        Ok(SurveyOutcome::Already) => {
            extra.notices.push((
                "Pengaduan ini sudah dinilai; setiap pengaduan dinilai sekali.".into(),
                true,
            ));
            StatusCode::CONFLICT
        }
        Ok(SurveyOutcome::NotYet) => {
            extra.notices.push((
                "Survei dapat diisi setelah jawaban atas pengaduan ini dikirim.".into(),
                true,
            ));
            StatusCode::CONFLICT
        }
        Ok(SurveyOutcome::Invalid(e)) => {
            extra.refused_survey(e, &m);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => {
            tracing::error!(error = %e, "survey not recorded");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    status_page(&state, &c, &code, status, extra).await
}

fn skm_page(
    state: &AppState,
    visit: Option<&crate::store::Visit>,
    surveyed: bool,
    token: &str,
    status: StatusCode,
    extra: Extra,
) -> HttpResponse {
    page(
        status,
        &SkmPage {
            office: state.settings.office_name.clone(),
            title: "Survei kepuasan masyarakat",
            notices: extra.notices,
            state: match (visit, surveyed) {
                (None, _) => "unknown",
                (Some(_), true) => "done",
                (Some(_), false) => "open",
            },
            token: token.to_string(),
            visit: visit.map(|v| v.number()).unwrap_or_default(),
            day: visit
                .map(|v| words::tanggal_hari(v.day))
                .unwrap_or_default(),
            questions: questions(&extra.kept, &extra.errors),
            profile: profile(&extra.kept),
            suggestion: first(&extra.kept, "suggestion").to_string(),
            suggestion_error: extra.errors.get("suggestion").cloned(),
        },
    )
}

/// `GET /skm/{token}`: a finished visit's survey (the link of the
/// invitation, or the QR shown at the desk).
pub async fn skm_form(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let visit = match state.app.visit_of_survey_token(&token).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "visit survey look-up failed");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    let surveyed = match &visit {
        Some(v) => match state.app.visit_surveyed(v).await {
            Ok(b) => b,
            Err(_) => return HttpResponse::ServiceUnavailable().finish(),
        },
        None => false,
    };
    let status = if visit.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    skm_page(
        &state,
        visit.as_ref(),
        surveyed,
        &token,
        status,
        Extra::default(),
    )
}

/// `POST /skm/{token}`: the visitor's rating.
pub async fn skm_submit(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let m = parse(&body);
    let visit = match state.app.visit_of_survey_token(&token).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return skm_page(
                &state,
                None,
                false,
                &token,
                StatusCode::NOT_FOUND,
                Extra::default(),
            );
        }
        Err(_) => return HttpResponse::ServiceUnavailable().finish(),
    };
    let mut extra = Extra::default();
    let (status, surveyed) = match state
        .app
        .submit_visit_survey(&visit, &survey_input(&m), Utc::now())
        .await
    {
        Ok(SurveyOutcome::Recorded) => {
            extra
                .notices
                .push(("Terima kasih atas penilaian Anda.".into(), false));
            (StatusCode::CREATED, true)
        }
        Ok(SurveyOutcome::Already | SurveyOutcome::NotYet) => {
            extra.notices.push((
                "Kunjungan ini sudah dinilai; setiap kunjungan dinilai sekali.".into(),
                true,
            ));
            (StatusCode::CONFLICT, true)
        }
        Ok(SurveyOutcome::Invalid(e)) => {
            extra.refused_survey(e, &m);
            (StatusCode::UNPROCESSABLE_ENTITY, false)
        }
        Err(e) => {
            tracing::error!(error = %e, "visit survey not recorded");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    skm_page(&state, Some(&visit), surveyed, &token, status, extra)
}

/// The semesters shown on the results page: this one and the last three.
fn semesters(today: NaiveDate) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let (mut y, mut first_half) = (today.year(), today.month() <= 6);
    for _ in 0..4 {
        let (from, to, name) = if first_half {
            (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 6, 30),
                format!("Semester I {y} (Januari–Juni)"),
            )
        } else {
            (
                NaiveDate::from_ymd_opt(y, 7, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
                format!("Semester II {y} (Juli–Desember)"),
            )
        };
        if let (Some(f), Some(t)) = (from, to) {
            out.push((name, f, t));
        }
        if first_half {
            y -= 1;
        }
        first_half = !first_half;
    }
    out
}

/// Hundredths as Indonesian decimals ("82,41").
pub fn decimal(h: i64) -> String {
    format!("{},{:02}", h / 100, h % 100)
}

/// `GET /ikm`: the published results of the survey, per semester (no
/// personal data: figures only).
pub async fn ikm(state: web::Data<AppState>) -> HttpResponse {
    let today = Utc::now()
        .with_timezone(&state.settings.office_timezone)
        .date_naive();
    let mut rows = Vec::new();
    for (period, from, to) in semesters(today) {
        for service in [SurveyService::Complaints, SurveyService::Visits] {
            let q = SurveyQuery {
                from: Some(from),
                to: Some(to),
                service,
                ..Default::default()
            };
            let Ok(i) = state.app.ikm(&q).await else {
                return HttpResponse::ServiceUnavailable().finish();
            };
            // the front office's visits are rated only where the guest book is used
            if service == SurveyService::Visits && i.respondents == 0 {
                continue;
            }
            // how many were served: the population the sample is drawn from
            let served = match service {
                SurveyService::Complaints => state
                    .app
                    .report(
                        from,
                        to.min(today),
                        crate::domain::report::GroupBy::Channel,
                        Utc::now(),
                    )
                    .await
                    .map(|r| r.total.answered),
                SurveyService::Visits => state
                    .app
                    .visit_report(from, to.min(today))
                    .await
                    .map(|r| r.0.served),
            };
            let Ok(served) = served else {
                return HttpResponse::ServiceUnavailable().finish();
            };
            let minimum = skm::minimum_sample(served);
            let enough = i.respondents > 0 && i.respondents >= minimum;
            rows.push(IkmRow {
                period: period.clone(),
                service: service.label(),
                respondents: i.respondents,
                sample: format!(
                    "{} responden; minimal {minimum} dari {served} yang dilayani pada periode ini (Krejcie–Morgan, PermenPANRB 14/2017)",
                    i.respondents
                ),
                ikm: i.ikm.map(decimal).unwrap_or_else(|| "—".into()),
                category: match (i.category, enough) {
                    (Some(c), true) => format!("{} ({})", c.as_str(), c.label()),
                    (Some(_), false) => "belum cukup responden untuk menyimpulkan mutu pelayanan".into(),
                    (None, _) => "belum ada responden".into(),
                },
                elements: ELEMENTS
                    .iter()
                    .zip(&i.elements)
                    .map(|(e, s)| {
                        (
                            e.code,
                            e.name,
                            if i.respondents > 0 {
                                decimal(s.average)
                            } else {
                                "—".into()
                            },
                        )
                    })
                    .collect(),
            });
        }
    }
    page(
        StatusCode::OK,
        &IkmPage {
            office: state.settings.office_name.clone(),
            title: "Hasil survei kepuasan masyarakat",
            notices: Vec::new(),
            rows,
        },
    )
}
