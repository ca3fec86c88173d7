//! The guest book at the door (`/tamu`, issue 35): a tablet at the
//! entrance or a QR code printed at the door. The visitor says who they
//! are, why they came, whom they came to see and whether they need priority
//! service; the officer is called at once. Large touch targets, no
//! JavaScript, the same guard as `/adukan` (a signed token at least a few
//! seconds old, a honeypot), a per-address limit a tablet stays under and a
//! per-device limit (a cookie) for visitors' own phones. The office's own
//! tablet carries a mark set from the console: not limited per device, and
//! its thank-you page leaves out the visitor's name (the next visitor reads
//! the same screen).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::adukan::{TokenCheck, check_token, client, new_token};
use crate::domain::visit::{NewVisit, Priority, Purpose, VisitInput};
use crate::http::AppState;
use crate::web::console::actions::parse_form;
use crate::web::console::register::value;

#[derive(Template)]
#[template(path = "public/tamu.html")]
struct FormPage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    token: String,
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    purposes: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    /// (position id, "Title — Unit")
    whom: Vec<(String, String)>,
}

impl FormPage {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map_or("", String::as_str)
    }
    fn err(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
}

#[derive(Template)]
#[template(path = "public/tamu-done.html")]
struct DonePage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    number: String,
    name: String,
    whom: String,
    priority: bool,
    message: String,
    /// Shown on the office's tablet: the next visitor reads it too, so the
    /// name is left out.
    kiosk: bool,
}

fn render(status: StatusCode, t: &impl Template) -> HttpResponse {
    crate::web::public::page(status, t)
}

/// The visitor's device (random; only a bucket of the limit).
const DEVICE_COOKIE: &str = "aduan_tamu";
/// The office's tablet at the door (`App::new_kiosk_mark`).
pub const KIOSK_COOKIE: &str = "aduan_tamu_kios";

fn secure(state: &AppState) -> &'static str {
    if state.settings.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The `Set-Cookie` of a mark for the office's tablet (`None`: removes it).
pub fn kiosk_cookie(state: &AppState, mark: Option<&str>) -> String {
    match mark {
        Some(m) => format!(
            "{KIOSK_COOKIE}={m}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
            5 * 366 * 86_400,
            secure(state)
        ),
        None => format!(
            "{KIOSK_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            secure(state)
        ),
    }
}

/// Whether the request comes from the office's tablet.
pub fn is_kiosk(state: &AppState, req: &HttpRequest) -> bool {
    crate::http::session::read_cookie(req, KIOSK_COOKIE)
        .is_some_and(|m| state.app.is_kiosk_mark(&m))
}

/// The positions a visitor may ask for, by unit.
async fn whom(state: &AppState) -> Vec<(String, String)> {
    let (positions, units) =
        match tokio::try_join!(state.store.list_positions(), state.store.list_units()) {
            Ok(x) => x,
            Err(_) => return Vec::new(),
        };
    let mut out: Vec<(String, String)> = positions
        .into_iter()
        .map(|p| {
            let unit = units
                .iter()
                .find(|u| Some(u.id) == p.unit_id)
                .map(|u| format!(" — {}", u.name))
                .unwrap_or_default();
            (p.id.to_string(), format!("{}{unit}", p.title))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

async fn form_page(
    state: &AppState,
    m: &HashMap<String, Vec<String>>,
    errors: HashMap<String, String>,
    notices: Vec<(String, bool)>,
) -> FormPage {
    let keys = [
        "name",
        "phone",
        "email",
        "origin",
        "purpose",
        "position_id",
        "priority",
        "assistance",
        "consent",
    ];
    FormPage {
        office: state.settings.office_name.clone(),
        title: "Buku tamu",
        notices,
        token: new_token(state),
        v: keys.iter().map(|k| (k.to_string(), value(m, k))).collect(),
        errors,
        purposes: Purpose::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        whom: whom(state).await,
    }
}

/// `GET /tamu` (a visitor's phone is given its device cookie).
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let mut r = render(
        StatusCode::OK,
        &form_page(&state, &HashMap::new(), HashMap::new(), Vec::new()).await,
    );
    if !is_kiosk(&state, &req)
        && crate::http::session::read_cookie(&req, DEVICE_COOKIE).is_none()
        && let Ok(v) = actix_web::http::header::HeaderValue::from_str(&format!(
            "{DEVICE_COOKIE}={}; Path=/tamu; HttpOnly; SameSite=Strict; Max-Age={}{}",
            uuid::Uuid::new_v4().simple(),
            366 * 86_400,
            secure(&state)
        ))
    {
        r.headers_mut()
            .append(actix_web::http::header::SET_COOKIE, v);
    }
    r
}

/// The visitor's input as the domain reads it.
pub(crate) fn visit_input(m: &HashMap<String, Vec<String>>) -> VisitInput {
    let opt = |k: &str| Some(value(m, k)).filter(|s| !s.is_empty());
    VisitInput {
        name: opt("name"),
        phone: opt("phone"),
        email: opt("email"),
        origin: opt("origin"),
        purpose: opt("purpose"),
        position_id: opt("position_id"),
        priority: opt("priority"),
        assistance: opt("assistance"),
        note: opt("note"),
    }
}

/// The refused fields in Indonesian.
pub(crate) fn messages(e: &crate::domain::validation::ValidationErrors) -> HashMap<String, String> {
    e.0.iter()
        .map(|f| {
            let text = match f.field.as_str() {
                "name" => "Isi nama Anda.",
                "phone" => "Nomor telepon terdiri dari 6 sampai 15 angka.",
                "email" => "Alamat surel tidak sah.",
                "purpose" => "Pilih keperluan Anda.",
                "position_id" => "Pilih pejabat atau bidang yang ingin ditemui.",
                "priority" => "Pilih jenis layanan prioritas dari daftar.",
                _ => "Isian ini terlalu panjang atau memuat karakter yang tidak dapat disimpan.",
            };
            (f.field.clone(), text.to_string())
        })
        .collect()
}

/// `POST /tamu`: records the visit and calls the officer.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let m = parse_form(&body);
    let kiosk = is_kiosk(&state, &req);
    let device =
        crate::http::session::read_cookie(&req, DEVICE_COOKIE).filter(|d| !kiosk && d.len() <= 64);
    let limited = state
        .visit_form_limiter
        .check(client(&state, &req))
        .and_then(|()| match device {
            Some(d) => state.visit_device_limiter.check(d),
            None => Ok(()),
        });
    if let Err(wait) = limited {
        let minutes = wait.div_ceil(60);
        let notices = vec![(
            format!(
                "Terlalu banyak pendaftaran tamu dari perangkat ini. Coba lagi dalam {minutes} menit, atau lapor ke petugas di meja layanan."
            ),
            true,
        )];
        return render(
            StatusCode::TOO_MANY_REQUESTS,
            &form_page(&state, &m, HashMap::new(), notices).await,
        );
    }
    if !value(&m, "website").is_empty() {
        tracing::info!("guest book: honeypot filled, dropped");
        return done_message(&state, "Terima kasih. Silakan menunggu di ruang tunggu.");
    }
    let mut notices = Vec::new();
    let nonce = match check_token(&state, &value(&m, "form_token")) {
        TokenCheck::Ok(n) => Some(n),
        TokenCheck::TooFast => {
            notices.push((
                "Periksa isian Anda, lalu tekan Daftar sekali lagi.".to_string(),
                true,
            ));
            None
        }
        TokenCheck::Expired | TokenCheck::Bad => {
            notices.push((
                "Formulir ini sudah lama terbuka. Isian Anda kami simpan: tekan Daftar sekali lagi."
                    .to_string(),
                true,
            ));
            None
        }
    };
    let parsed = NewVisit::parse(&visit_input(&m));
    let mut errors = match &parsed {
        Ok(_) => HashMap::new(),
        Err(e) => messages(e),
    };
    if value(&m, "consent").is_empty() {
        errors.insert(
            "consent".into(),
            "Centang persetujuan ini: tanpa itu kami tidak dapat mencatat kunjungan Anda.".into(),
        );
    }
    let (Ok(v), Some(nonce), true) = (parsed, nonce, errors.is_empty()) else {
        if notices.is_empty() {
            notices.push(("Periksa isian yang ditandai.".to_string(), true));
        }
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&state, &m, errors, notices).await,
        );
    };
    let now = Utc::now();
    let visit = match state
        .app
        .register_visit(
            &v,
            "Buku tamu (pengunjung)",
            Some(&format!("tamu:{nonce}")),
            now,
        )
        .await
    {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => {
            let mut errors = HashMap::new();
            errors.insert(
                "position_id".into(),
                "Pilih pejabat atau bidang dari daftar.".into(),
            );
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&state, &m, errors, Vec::new()).await,
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "guest book: the visit was not recorded");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    let whom_label = match visit.position_id {
        Some(p) => whom(&state)
            .await
            .into_iter()
            .find(|(id, _)| *id == p.to_string())
            .map_or_else(|| "pejabat yang Anda pilih".to_string(), |(_, l)| l),
        None => "petugas pelayanan".to_string(),
    };
    render(
        StatusCode::CREATED,
        &DonePage {
            office: state.settings.office_name.clone(),
            title: "Terima kasih",
            notices: Vec::new(),
            number: visit.number(),
            name: visit.name.clone(),
            whom: whom_label,
            priority: visit.priority.is_some(),
            message: String::new(),
            kiosk,
        },
    )
}

fn done_message(state: &AppState, message: &str) -> HttpResponse {
    render(
        StatusCode::OK,
        &DonePage {
            office: state.settings.office_name.clone(),
            title: "Terima kasih",
            notices: Vec::new(),
            number: String::new(),
            name: String::new(),
            whom: String::new(),
            priority: false,
            message: message.to_string(),
            kiosk: false,
        },
    )
}
