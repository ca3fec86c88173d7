//! The web complaint form (`/adukan`, channel `web`): the identity its rule
//! needs, anonymous and confidential options in plain words, one
//! attachment, the consent for personal data (UU 27/2022). Abuse is held off
//! without a third-party service: a per-address limit
//! (`ADUAN_WEB_FORM_PER_HOUR`), a honeypot field (a filled one is dropped
//! quietly and counted), and a signed form token that must be at least
//! [`MIN_FILL`] old (a person reads and types; a script posts at once) and at
//! most [`MAX_AGE`]; its nonce makes a double submit register once.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use crate::app::DeskRegistration;
use crate::domain::{Channel, ComplaintInput, Kind, NewComplaint};
use crate::http::AppState;
use crate::words;

/// A form sent sooner than this after it was served is refused.
pub const MIN_FILL: Duration = Duration::from_secs(3);
/// A form older than this is refused (served again, what was typed kept).
pub const MAX_AGE: Duration = Duration::from_secs(4 * 3600);

struct Field {
    kind: &'static str,
    name: &'static str,
    id: String,
    label: &'static str,
    value: String,
    required: bool,
    hint: Option<&'static str>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "public/adukan.html")]
struct FormPage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    token: String,
    sla: String,
    max_mb: u64,
    kinds: Vec<(&'static str, &'static str, bool)>,
    fields: Vec<Field>,
    anonymous: bool,
    confidential: bool,
    consent: bool,
    consent_error: Option<String>,
    file_error: Option<String>,
}

struct Receipt {
    number: String,
    code: String,
    received: String,
    due: Option<String>,
    emailed: bool,
    file_lost: bool,
}

#[derive(Template)]
#[template(path = "public/adukan-done.html")]
struct DonePage {
    office: String,
    title: &'static str,
    notices: Vec<(String, bool)>,
    receipt: Option<Receipt>,
    message: String,
}

fn value(m: &HashMap<String, Vec<String>>, k: &str) -> String {
    crate::web::console::register::value(m, k)
}

/// A signed token: `<issued unix seconds>.<nonce>.<tag>`.
pub(crate) fn new_token(state: &AppState) -> String {
    let issued = Utc::now().timestamp();
    let nonce = Uuid::new_v4().simple().to_string();
    let tag = state
        .app
        .vault
        .tag("adukan", format!("{issued}.{nonce}").as_bytes());
    format!("{issued}.{nonce}.{tag}")
}

pub(crate) enum TokenCheck {
    Ok(String),
    TooFast,
    Expired,
    Bad,
}

pub(crate) fn check_token(state: &AppState, token: &str) -> TokenCheck {
    let mut parts = token.split('.');
    let (Some(issued), Some(nonce), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return TokenCheck::Bad;
    };
    let expected = state
        .app
        .vault
        .tag("adukan", format!("{issued}.{nonce}").as_bytes());
    let same = crate::domain::access::same_secret(expected.as_bytes(), tag.as_bytes());
    let Ok(issued) = issued.parse::<i64>() else {
        return TokenCheck::Bad;
    };
    if !same || nonce.len() != 32 {
        return TokenCheck::Bad;
    }
    let age = Utc::now().timestamp() - issued;
    if age < MIN_FILL.as_secs() as i64 {
        TokenCheck::TooFast
    } else if age > MAX_AGE.as_secs() as i64 {
        TokenCheck::Expired
    } else {
        TokenCheck::Ok(nonce.to_string())
    }
}

/// The web channel's answer deadline in words, from the policy in force.
async fn sla_words(state: &AppState) -> String {
    use crate::domain::deadline::Sla;
    match state.app.policy().await.map(|p| p.sla.get(Channel::Web)) {
        Ok(Sla::WorkingDays(d)) => format!("{d} hari kerja"),
        Ok(Sla::Minutes(m)) => format!("{m} menit"),
        Err(_) => "7 hari kerja".to_string(),
    }
}

async fn form_page(
    state: &AppState,
    m: &HashMap<String, Vec<String>>,
    errors: &HashMap<String, String>,
    notices: Vec<(String, bool)>,
) -> FormPage {
    let sla = sla_words(state).await;
    let f = |kind, name: &'static str, label, required, hint| Field {
        kind,
        name,
        id: name.replace('.', "-"),
        label,
        value: value(m, name),
        required,
        hint,
        error: errors.get(name).cloned(),
    };
    let kind = value(m, "kind");
    FormPage {
        office: state.settings.office_name.clone(),
        title: "Sampaikan pengaduan",
        notices,
        token: new_token(state),
        sla,
        max_mb: (state.settings.max_attachment_bytes / (1024 * 1024)).max(1),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str(), words::kind(*k), k.as_str() == kind))
            .collect(),
        fields: vec![
            f("text", "subject", "Perihal (ringkas)", true, None),
            f(
                "textarea",
                "body",
                "Uraian",
                true,
                Some(
                    "Apa yang terjadi, kapan, di mana, siapa yang terkait, dan apa yang Anda harapkan.",
                ),
            ),
            f("text", "location", "Lokasi kejadian", false, None),
            f(
                "text",
                "reporter.name",
                "Nama lengkap",
                true,
                Some("Wajib, kecuali Anda memilih merahasiakan identitas."),
            ),
            f(
                "email",
                "reporter.email",
                "Alamat surel",
                false,
                Some("Untuk tanda terima dan jawaban. Isi surel atau nomor telepon."),
            ),
            f(
                "tel",
                "reporter.phone",
                "Nomor telepon/WhatsApp",
                false,
                None,
            ),
            f("text", "reporter.address", "Alamat", false, None),
            f(
                "text",
                "reporter.id_number",
                "NIK (boleh dikosongkan)",
                false,
                Some(
                    "16 angka pada KTP; membantu kami bila pengaduan menyangkut data bantuan sosial Anda.",
                ),
            ),
        ],
        anonymous: !value(m, "anonymous").is_empty(),
        confidential: !value(m, "confidential").is_empty(),
        consent: !value(m, "consent").is_empty(),
        consent_error: errors.get("consent").cloned(),
        file_error: errors.get("file").cloned(),
    }
}

fn render(status: StatusCode, t: &impl Template) -> HttpResponse {
    crate::web::public::page(status, t)
}

fn dropped(reason: &'static str) {
    metrics::counter!("aduan_web_form_refused_total", "reason" => reason).increment(1);
}

/// `GET /adukan`: the form.
pub async fn form(state: web::Data<AppState>) -> HttpResponse {
    render(
        StatusCode::OK,
        &form_page(&state, &HashMap::new(), &HashMap::new(), Vec::new()).await,
    )
}

pub(crate) fn client(state: &AppState, req: &HttpRequest) -> std::net::IpAddr {
    crate::http::session::client_ip(req, &state.settings.trusted_proxies)
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn done(state: &AppState, status: StatusCode, message: &str) -> HttpResponse {
    render(
        status,
        &DonePage {
            office: state.settings.office_name.clone(),
            title: "Pengaduan terkirim",
            notices: Vec::new(),
            receipt: None,
            message: message.to_string(),
        },
    )
}

/// `POST /adukan`: registers the complaint and shows the receipt.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: actix_multipart::Multipart,
) -> HttpResponse {
    if let Err(wait) = state.web_form_limiter.check(client(&state, &req)) {
        dropped("rate_limit");
        let minutes = wait.div_ceil(60);
        return render(
            StatusCode::TOO_MANY_REQUESTS,
            &DonePage {
                office: state.settings.office_name.clone(),
                title: "Terlalu banyak pengaduan",
                notices: Vec::new(),
                receipt: None,
                message: format!(
                    "Dari alamat ini sudah terkirim banyak pengaduan dalam satu jam terakhir. Coba lagi dalam {minutes} menit, atau datang langsung ke kantor."
                ),
            },
        );
    }
    let id = Uuid::now_v7();
    let attachment_id = Uuid::now_v7();
    let posted =
        match crate::web::console::attachments::read_form(&state, &mut payload, id, attachment_id)
            .await
        {
            Ok(p) => p,
            Err(r) => return r,
        };
    let m = posted.fields;
    let drop_file = || state.app.files.remove(id, attachment_id);
    // a bot fills every field: answer as if all went well, keep nothing
    if !value(&m, "website").is_empty() {
        drop_file().await;
        dropped("honeypot");
        tracing::info!("web form: honeypot filled, dropped");
        return done(
            &state,
            StatusCode::OK,
            "Terima kasih. Pengaduan Anda sudah kami terima.",
        );
    }
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut notices = Vec::new();
    let nonce = match check_token(&state, &value(&m, "form_token")) {
        TokenCheck::Ok(n) => Some(n),
        TokenCheck::TooFast => {
            dropped("too_fast");
            notices.push((
                "Formulir terkirim terlalu cepat. Periksa isian Anda, lalu kirim sekali lagi."
                    .to_string(),
                true,
            ));
            None
        }
        TokenCheck::Expired => {
            notices.push((
                "Formulir ini sudah terlalu lama terbuka. Isian Anda kami simpan di bawah: kirim sekali lagi.".to_string(),
                true,
            ));
            None
        }
        TokenCheck::Bad => {
            dropped("bad_token");
            notices.push((
                "Formulir tidak dikenali. Isian Anda kami simpan di bawah: kirim sekali lagi."
                    .to_string(),
                true,
            ));
            None
        }
    };
    let opt = |k: &str| Some(value(&m, k)).filter(|s| !s.is_empty());
    let input = ComplaintInput {
        channel: Some(Channel::Web.as_str().into()),
        // the web form has no category: the office sets it
        category: None,
        ..crate::web::console::register::form_input(&m)
    };
    let now = Utc::now();
    let parsed = NewComplaint::parse(input, now);
    if let Err(e) = &parsed {
        for f in &e.0 {
            let text = match f.field.as_str() {
                "reporter.name" if f.reason.contains("required") => {
                    "Isi nama Anda, atau pilih merahasiakan identitas.".to_string()
                }
                "reporter.email" | "reporter.phone" if f.reason.contains("needs") => {
                    "Isi alamat surel atau nomor telepon agar jawaban sampai kepada Anda, atau pilih merahasiakan identitas.".to_string()
                }
                field => crate::web::console::register::message(field, &f.reason),
            };
            errors.entry(f.field.clone()).or_insert(text);
        }
    }
    if opt("consent").is_none() {
        errors.insert(
            "consent".into(),
            "Centang persetujuan ini: tanpa itu kami tidak dapat memproses data Anda.".into(),
        );
    }
    if let Some(p) = &posted.problem {
        errors.insert("file".into(), p.clone());
    } else if posted.file.is_some() && (!errors.is_empty() || nonce.is_none()) {
        errors.insert(
            "file".into(),
            "Lampiran belum disimpan: pilih berkasnya lagi.".into(),
        );
    }
    let (Ok(complaint), Some(nonce), true) = (parsed, nonce, errors.is_empty()) else {
        drop_file().await;
        // missing or wrong fields first: the form's guard is mentioned only
        // once every field is right
        if !errors.is_empty() {
            notices.clear();
            let n = errors.len();
            notices.push((
                format!(
                    "Pengaduan belum terkirim: {n} isian perlu diperbaiki — lihat pesan di samping isian yang ditandai."
                ),
                true,
            ));
        }
        if notices.is_empty() {
            notices.push((
                "Pengaduan belum terkirim: perbaiki isian yang ditandai.".to_string(),
                true,
            ));
        }
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&state, &m, &errors, notices).await,
        );
    };
    let actor = crate::store::Actor {
        key_id: None,
        name: "Formulir web (pelapor)".into(),
        role: crate::domain::Role::Reception,
        officer: None,
    };
    let registered = state
        .app
        .register_web(&complaint, &actor, now, id, &nonce)
        .await;
    let (c, code) = match registered {
        Ok(DeskRegistration::Created {
            complaint,
            access_code,
        }) => (complaint, access_code),
        Ok(DeskRegistration::Duplicate(_)) => {
            drop_file().await;
            return done(
                &state,
                StatusCode::OK,
                "Pengaduan ini sudah terkirim sebelumnya. Nomor pengaduan dan kode akses ada pada halaman tanda terima pertama atau pada email tanda terima.",
            );
        }
        Err(e) => {
            drop_file().await;
            tracing::error!(error = %e, "web form registration failed");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    let mut file_lost = false;
    if let Some((name, ctype, file)) = posted.file {
        let a = crate::web::console::attachments::attachment(
            c.id,
            attachment_id,
            name,
            ctype,
            file,
            None,
            false,
        );
        if let Err(e) = state.app.record_attachment(&a, &actor).await {
            file_lost = true;
            drop_file().await;
            tracing::error!(error = %e, complaint_id = %c.id, "web form: the attachment was not recorded");
        }
    }
    let tz = state.settings.office_timezone;
    render(
        StatusCode::CREATED,
        &DonePage {
            office: state.settings.office_name.clone(),
            title: "Pengaduan terkirim",
            notices: vec![(
                "Terima kasih. Pengaduan Anda sudah kami terima dan dicatat.".into(),
                false,
            )],
            receipt: Some(Receipt {
                number: c.tracking_number.clone(),
                code,
                received: words::waktu(c.received_at, tz),
                due: c.due_at.map(|d| words::waktu(d, tz)),
                emailed: c.reporter.email.is_some(),
                file_lost,
            }),
            message: String::new(),
        },
    )
}
