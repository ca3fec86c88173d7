//! The staff console (`/console/…`): server-rendered pages in Bahasa
//! Indonesia over the same `App` as the JSON door (docs/adr/0017).
//! Templates are askama files under `templates/console/`, compiled into
//! the binary; every page works without JavaScript. Handlers: who is
//! signed in (else to the sign-in page and back), one `App` call, a view
//! model of plain strings, the template.

mod account;
pub(crate) mod actions;
mod admin;
pub(crate) mod attachments;
pub(crate) mod bulk;
pub(crate) mod complaints;
mod dashboard;
mod inbox;

mod lapor;
mod letter;
mod notifications;
pub(crate) mod register;
pub mod reports;
mod search;
mod signin;
mod tamu;
mod views;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::http::AppState;
use crate::http::session::Caller;

use crate::words;
pub use crate::words::waktu;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console").get(inbox::page))
        .service(web::resource("/console/").get(inbox::page))
        .service(
            web::resource("/console/login")
                .get(signin::form)
                .post(signin::submit),
        )
        .service(web::resource("/console/logout").post(signin::logout))
        .service(web::resource("/console/account").get(account::page))
        .service(web::resource("/console/account/totp").post(account::start_totp))
        .service(web::resource("/console/account/notifications").post(account::notify_email))
        .service(web::resource("/console/account/totp/confirm").post(account::confirm_totp))
        .service(web::resource("/console/account/sessions/{id}/end").post(account::end_session))
        .service(
            web::resource("/console/register")
                .get(register::form)
                .post(register::submit),
        )
        .service(web::resource("/console/register/box").post(register::next_slip))
        .service(web::resource("/console/dashboard").get(dashboard::page))
        .service(web::resource("/console/reports").get(reports::page))
        .service(web::resource("/console/reports/print").get(reports::print))
        .service(web::resource("/console/reports/export").get(reports::export))
        .service(web::resource("/console/admin").get(admin::index))
        .service(web::resource("/console/admin/accounts/new").post(admin::create_account))
        .service(web::resource("/console/admin/keys/{id}/revoke").post(admin::revoke_key))
        .service(web::resource("/console/admin/calendar/days").post(admin::add_day))
        .service(web::resource("/console/admin/outbox/{id}/retry").post(admin::retry))
        .service(web::resource("/console/admin/org/units").post(admin::add_unit))
        .service(web::resource("/console/admin/org/positions").post(admin::add_position))
        .service(web::resource("/console/admin/org/officers").post(admin::add_officer))
        .service(web::resource("/console/admin/org/officers/{id}").post(admin::change_officer))
        .service(web::resource("/console/admin/org/acting").post(admin::appoint_acting))
        .service(web::resource("/console/admin/org/acting/{id}/end").post(admin::end_acting))
        .service(web::resource("/console/admin/sla").post(admin::set_sla))
        .service(web::resource("/console/admin/categories/new").post(admin::add_category))
        .service(web::resource("/console/admin/categories/active").post(admin::category_active))
        .service(web::resource("/console/admin/{tab}").get(admin::tab))
        .service(web::resource("/console/lapor").get(lapor::page))
        .service(web::resource("/console/lapor/poll").post(lapor::poll))
        .service(web::resource("/console/lapor/quarantine/{id}/retry").post(lapor::retry))
        .service(
            web::resource("/console/search")
                .get(search::form)
                .post(search::results),
        )
        .service(web::resource("/console/bulk").post(bulk::run))
        .service(web::resource("/console/views").post(views::save))
        .service(web::resource("/console/notifications").get(notifications::list))
        .service(web::resource("/console/notifications/read").post(notifications::read_all))
        .service(web::resource("/console/tamu").get(tamu::list))
        .service(web::resource("/console/tamu/new").post(tamu::add))
        .service(web::resource("/console/tamu/csv").get(tamu::csv))
        .service(web::resource("/console/tamu/cetak").get(tamu::print))
        .service(web::resource("/console/tamu/pdf").get(tamu::pdf))
        .service(web::resource("/console/tamu/kiosk").post(tamu::kiosk))
        .service(web::resource("/console/tamu/{id}/survei").get(tamu::survey_qr))
        .service(web::resource("/console/tamu/{id}").post(tamu::act))
        .service(web::resource("/console/views/{id}/delete").post(views::delete))
        .service(web::resource("/console/complaints").get(complaints::list))
        .service(web::resource("/console/complaints.csv").get(complaints::csv))
        .service(web::resource("/console/complaints/person").post(complaints::person))
        .service(web::resource("/console/complaints/{id}").get(complaints::detail))
        .service(web::resource("/console/complaints/{id}/act").post(complaints::act))
        .service(web::resource("/console/complaints/{id}/sheet").get(complaints::sheet))
        .service(web::resource("/console/complaints/{id}/sheet.pdf").get(complaints::sheet_pdf))
        .service(web::resource("/console/complaints/{id}/letter").get(letter::page))
        .service(web::resource("/console/complaints/{id}/letter.pdf").get(letter::pdf))
        .service(web::resource("/console/complaints/{id}/receipt.pdf").post(register::receipt_pdf))
        .service(web::resource("/console/complaints/{id}/clock").post(complaints::clock))
        .service(web::resource("/console/complaints/{id}/whatsapp").post(complaints::whatsapp))
        .service(web::resource("/console/complaints/{id}/attachments").post(attachments::upload))
        .service(web::resource("/console/complaints/{id}/category").post(complaints::set_category))
        .service(
            web::resource("/console/complaints/{id}/attachments/{attachment_id}/preview")
                .get(attachments::preview),
        );
}

/// What every console page shows around its content.
pub struct Layout {
    pub office: String,
    pub title: String,
    /// The signed-in person and their role, `None` on the sign-in page.
    pub who: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub notices: Vec<Notice>,
    /// What the search box of the bar holds (the results page repeats it).
    pub search_q: String,
    /// The person's pinned views of the list, after the menu's entries.
    pub views: Vec<(String, String, Option<String>)>,
    /// Unread notifications ("99+" beyond), for the bell; `None` when none.
    pub unread: Option<String>,
    /// Visitors waiting for this person now: (all, priority), for the banner.
    pub visitors: (usize, usize),
    /// The notification page is the current one.
    pub bell_current: bool,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    pub count: Option<usize>,
}

pub struct Notice {
    pub text: String,
    pub bad: bool,
}

/// Which menu entry a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Inbox,
    Complaints,
    Dashboard,
    Reports,
    Lapor,
    Register,
    Admin,
    Account,
    Notifications,
    Visits,
}

impl Layout {
    fn bare(state: &AppState, title: &str) -> Self {
        Layout {
            office: state.settings.office_name.clone(),
            title: title.to_string(),
            who: None,
            csrf: String::new(),
            nav: Vec::new(),
            notices: Vec::new(),
            search_q: String::new(),
            views: Vec::new(),
            unread: None,
            visitors: (0, 0),
            bell_current: false,
        }
    }

    fn for_staff(state: &AppState, staff: &Staff, title: &str, section: Section) -> Self {
        let mut l = Layout::bare(state, title);
        l.who = Some(format!(
            "{} ({})",
            staff.caller.actor().name,
            words::role(staff.caller.role())
        ));
        l.csrf = staff.csrf.clone();
        // a visitor waiting for the person is news too (the list shows them first)
        l.unread = notifications::badge(staff.unread + staff.visitors.0);
        l.visitors = staff.visitors;
        l.bell_current = section == Section::Notifications;
        l.views = staff
            .pinned
            .iter()
            .map(|v| (v.href.clone(), v.label.clone(), v.count.clone()))
            .collect();
        l.nav = vec![
            NavItem {
                href: "/console",
                label: "Kotak masuk",
                current: section == Section::Inbox,
                count: None,
            },
            NavItem {
                href: "/console/complaints",
                label: "Pengaduan",
                current: section == Section::Complaints,
                count: None,
            },
            NavItem {
                href: "/console/dashboard",
                label: "Dasbor",
                current: section == Section::Dashboard,
                count: None,
            },
            NavItem {
                href: "/console/reports",
                label: "Rekapitulasi",
                current: section == Section::Reports,
                count: None,
            },
            NavItem {
                href: "/console/lapor",
                label: "LAPOR!",
                current: section == Section::Lapor,
                count: None,
            },
            NavItem {
                href: "/console/tamu",
                label: "Tamu",
                current: section == Section::Visits,
                count: (staff.visitors.0 > 0).then_some(staff.visitors.0),
            },
            NavItem {
                href: "/console/register",
                label: "Daftarkan",
                current: section == Section::Register,
                count: None,
            },
            NavItem {
                href: "/console/admin",
                label: "Administrasi",
                current: section == Section::Admin,
                count: None,
            },
            NavItem {
                href: "/console/account",
                label: "Akun saya",
                current: section == Section::Account,
                count: None,
            },
        ];
        if !staff.caller.role().can_create_complaints() {
            l.nav.retain(|n| n.href != "/console/register");
        }
        if !dashboard::for_role(staff.caller.role()) {
            l.nav.retain(|n| n.href != "/console/dashboard");
        }
        if !reports::for_role(staff.caller.role()) {
            l.nav.retain(|n| n.href != "/console/reports");
        }
        if !admin::for_role(staff.caller.role()) {
            l.nav.retain(|n| n.href != "/console/admin");
        }
        if !lapor::for_role(staff.caller.role()) {
            l.nav.retain(|n| n.href != "/console/lapor");
        }
        l
    }
}

/// Visitors waiting for this person now (all, priority): the banner.
async fn waiting_visitors(
    state: &AppState,
    caller: &crate::http::session::Caller,
) -> (usize, usize) {
    match state
        .app
        .visits_waiting_for(caller.actor(), chrono::Utc::now())
        .await
    {
        Ok(v) => (v.len(), v.iter().filter(|x| x.priority.is_some()).count()),
        Err(e) => {
            tracing::warn!(error = %e, "waiting visitors not read");
            (0, 0)
        }
    }
}

/// A signed-in person on a console page.
pub struct Staff {
    pub caller: Caller,
    pub csrf: String,
    /// The person's pinned views, for the menu.
    pub pinned: Vec<views::PinnedView>,
    /// Unread notifications (the bell in the bar).
    pub unread: usize,
    /// Visitors waiting for this person: (all, priority).
    pub visitors: (usize, usize),
}

/// The signed-in person, or the response that sends them to sign in (and
/// back to `req`'s path afterwards; the path carries no personal data).
async fn staff(state: &AppState, req: &HttpRequest) -> Result<Staff, HttpResponse> {
    staff_with(state, req, false).await
}

/// Like `staff`, but lets in someone who must still enrol two-factor
/// sign-in (their account page, where they do).
async fn staff_with(
    state: &AppState,
    req: &HttpRequest,
    enrolling: bool,
) -> Result<Staff, HttpResponse> {
    match crate::http::session::session_caller(state, req).await {
        Ok(Some(caller)) => {
            let csrf = caller
                .session()
                .map(|s| s.session.csrf_token.clone())
                .unwrap_or_default();
            if !enrolling
                && caller
                    .session()
                    .is_some_and(|s| state.app.must_enrol_totp(&s.account))
            {
                return Err(HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/console/account"))
                    .finish());
            }
            if !caller.role().can_read_all_complaints() {
                return Err(message(
                    state,
                    StatusCode::FORBIDDEN,
                    "Bukan untuk peran ini",
                    "Konsol ini untuk petugas kantor.",
                ));
            }
            let (pinned, unread, visitors) = tokio::join!(
                views::pinned(state, &caller),
                notifications::unread(state, &caller),
                waiting_visitors(state, &caller)
            );
            Ok(Staff {
                caller,
                csrf,
                pinned,
                unread,
                visitors,
            })
        }
        Ok(None) => {
            let next = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/console");
            Err(HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/console/login?next={}", encode_query(next)),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(e) => {
            tracing::error!(error = %e, "console: session look-up failed");
            Err(unavailable(state))
        }
    }
}

/// A page answer with the console's headers (the same policy as `web::html`).
fn render<T: Template>(status: StatusCode, t: &T) -> HttpResponse {
    match t.render() {
        Ok(body) => {
            let mut r = super::html(status, body);
            // same-origin, not no-referrer: with no referrer Chromium sends
            // `Origin: null` on our own forms, and the Origin check needs it
            // (our URLs carry no personal data)
            r.headers_mut().insert(
                header::REFERRER_POLICY,
                header::HeaderValue::from_static("same-origin"),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "console: template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Terjadi kesalahan. Silakan coba lagi.")
        }
    }
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    layout: Layout,
    text: String,
}

fn message(state: &AppState, status: StatusCode, title: &str, text: &str) -> HttpResponse {
    render(
        status,
        &MessagePage {
            layout: Layout::bare(state, title),
            text: text.to_string(),
        },
    )
}

/// The console's page for a complaint `who` may not read (ADR 0015: an
/// official and a confidential complaint elsewhere) is the not-found page.
async fn readable_one(
    state: &AppState,
    who: &Staff,
    c: &crate::store::Complaint,
) -> Result<(), HttpResponse> {
    match state
        .app
        .may_read(who.caller.actor(), c, chrono::Utc::now())
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(not_found(state)),
        Err(_) => Err(unavailable(state)),
    }
}

/// A list's rows without those `who` may not read (taken after the cursor:
/// they only shorten the page).
async fn readable_rows(
    state: &AppState,
    who: &Staff,
    rows: Vec<crate::store::Complaint>,
) -> Result<Vec<crate::store::Complaint>, HttpResponse> {
    state
        .app
        .readable(who.caller.actor(), rows, chrono::Utc::now())
        .await
        .map_err(|_| unavailable(state))
}

fn not_found(state: &AppState) -> HttpResponse {
    message(
        state,
        StatusCode::NOT_FOUND,
        "Pengaduan tidak ditemukan",
        "Tidak ada pengaduan dengan alamat ini.",
    )
}

/// A form whose CSRF token or origin is not ours (or a role it is not for).
fn refused(state: &AppState) -> HttpResponse {
    message(
        state,
        StatusCode::FORBIDDEN,
        "Permintaan ditolak",
        "Formulir ini kedaluwarsa atau datang dari situs lain. Muat ulang halaman lalu coba lagi.",
    )
}

/// The signed-in person of a posted form whose CSRF token (`csrf`) is good
/// (`enrolling`: as `staff_with`).
async fn staff_form(
    state: &AppState,
    req: &HttpRequest,
    csrf: &str,
    enrolling: bool,
) -> Result<Staff, HttpResponse> {
    let who = staff_with(state, req, enrolling).await?;
    if crate::http::session::form_csrf_ok(req, &who.caller, csrf, &state.settings.public_base_url) {
        Ok(who)
    } else {
        Err(refused(state))
    }
}

/// A posted urlencoded form of a signed-in person, after the CSRF check:
/// the person and the fields.
async fn staff_post(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(Staff, std::collections::HashMap<String, Vec<String>>), HttpResponse> {
    let m = actions::parse_form(body);
    let who = staff_form(state, req, actions::first(&m, "csrf"), false).await?;
    Ok((who, m))
}

/// As [`staff_post`], about the thing whose id is in the path (404 if the
/// id is malformed).
async fn staff_post_on(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    body: &[u8],
) -> Result<
    (
        Staff,
        std::collections::HashMap<String, Vec<String>>,
        uuid::Uuid,
    ),
    HttpResponse,
> {
    let (who, m) = staff_post(state, req, body).await?;
    let id = id.parse().map_err(|_| not_found(state))?;
    Ok((who, m, id))
}

fn unavailable(state: &AppState) -> HttpResponse {
    message(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sedang ada gangguan",
        "Layanan belum dapat menjawab (basis data tidak terjangkau). Coba lagi beberapa saat lagi; \
         tidak ada yang berubah.",
    )
}

/// Percent-encodes a query value.
fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after signing in: only a console path of ours.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with("/console")
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.chars().all(|c| !c.is_control());
    if ok { next } else { "/console" }
}

/// A PDF made off the async threads, as the answer: shown in the browser
/// (`inline`, to print or save) under `file_name`; the log says what failed.
pub(crate) fn pdf_answer(
    state: &AppState,
    made: Result<Result<Vec<u8>, crate::pdf::PdfError>, tokio::task::JoinError>,
    file_name: &str,
    what: &str,
) -> HttpResponse {
    let error = match made {
        Ok(Ok(bytes)) => {
            return HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{file_name}\""),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(bytes);
        }
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    tracing::error!(error = %error, document = what, "a PDF was not made");
    unavailable(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_console_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next("/console/complaints/1?x=2"),
            "/console/complaints/1?x=2"
        );
        assert_eq!(safe_next("https://evil.example/console"), "/console");
        assert_eq!(safe_next("//evil.example/console"), "/console");
        assert_eq!(safe_next("/console\\@evil"), "/console");
        assert_eq!(safe_next("/api/v1/complaints"), "/console");
        assert_eq!(
            encode_query("/console/complaints?status=a b"),
            "/console/complaints%3Fstatus%3Da%20b"
        );
    }
}
