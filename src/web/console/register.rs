//! Registration at the desk: face to face, a letter, a suggestion-box slip
//! or another channel, with the channel's identity rule; the receipt with
//! the tracking number and the access code (printable).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::actions::{Field, Opt, parse_form};
use super::{Layout, Section, labels, render, staff};
use crate::api::state::AppState;
use crate::app::RestRegistration;
use crate::domain::{Channel, ComplaintInput, ExternalRefInput, Kind, NewComplaint, ReporterInput};

#[derive(Template)]
#[template(path = "console/register.html")]
struct RegisterPage {
    layout: Layout,
    main: Vec<Field>,
    reporter: Vec<Field>,
    letter: Vec<Field>,
    anonymous: bool,
    confidential: bool,
}

#[derive(Template)]
#[template(path = "console/receipt.html")]
struct ReceiptPage {
    layout: Layout,
    id: String,
    number: String,
    code: String,
    received: String,
    due: Option<String>,
    subject: String,
}

/// The channels registered at the desk (LAPOR!, email and API arrive by themselves).
const DESK: [Channel; 4] = [
    Channel::FaceToFace,
    Channel::Letter,
    Channel::SuggestionBox,
    Channel::Other,
];

fn value(m: &HashMap<String, Vec<String>>, k: &str) -> String {
    m.get(k)
        .and_then(|v| v.first())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// An Indonesian message for a refused field (the domain speaks English).
fn message(field: &str, reason: &str) -> String {
    let needs = reason.contains("needs") || reason.starts_with("is required");
    match field {
        "subject" => "Isi perihal pengaduan (paling banyak 200 karakter).".into(),
        "body" => "Isi uraian pengaduan.".into(),
        "channel" => "Pilih saluran.".into(),
        "reporter.name" if needs => "Untuk saluran ini nama pelapor wajib diisi.".into(),
        "reporter.id_number" if needs => {
            "Untuk saluran ini nomor identitas (NIK) wajib diisi dan diperiksa.".into()
        }
        "reporter.id_number" => {
            "NIK terdiri dari 16 angka (atau nomor dokumen identitas lain).".into()
        }
        "reporter.phone" if needs => {
            "Isi nomor telepon (atau, untuk surat, nomor identitas; untuk kotak saran, alamat)."
                .into()
        }
        "reporter.phone" => "Nomor telepon terdiri dari 6 sampai 15 angka.".into(),
        "reporter.email" => "Alamat surel tidak sah.".into(),
        "reporter.address" if needs => "Untuk kotak saran isi alamat atau nomor telepon.".into(),
        "external_ref.letter_date" => "Tanggal surat tidak boleh di masa depan.".into(),
        _ => "Isian ini belum benar.".into(),
    }
}

struct Form<'a> {
    m: &'a HashMap<String, Vec<String>>,
    errors: &'a [(String, String)],
}

impl Form<'_> {
    fn field(&self, kind: &'static str, name: &'static str, label: &'static str) -> Field {
        Field {
            kind,
            name,
            id: name.replace('.', "-"),
            label,
            value: value(self.m, name),
            options: Vec::new(),
            required: false,
            hint: None,
            error: self
                .errors
                .iter()
                .find(|(f, _)| f == name)
                .map(|(_, e)| e.clone()),
        }
    }
}

fn page(
    state: &AppState,
    who: &super::Staff,
    m: &HashMap<String, Vec<String>>,
    errors: &[(String, String)],
) -> RegisterPage {
    let f = Form { m, errors };
    let mut channel = f.field("select", "channel", "Saluran");
    channel.required = true;
    let chosen = if channel.value.is_empty() {
        "face_to_face".to_string()
    } else {
        channel.value.clone()
    };
    channel.options = DESK
        .iter()
        .map(|c| Opt {
            value: c.as_str().into(),
            label: labels::channel(*c).into(),
            selected: c.as_str() == chosen,
        })
        .collect();
    let mut kind = f.field("select", "kind", "Jenis");
    let chosen = kind.value.clone();
    kind.options = Kind::ALL
        .iter()
        .map(|k| Opt {
            value: k.as_str().into(),
            label: labels::kind(*k).into(),
            selected: k.as_str() == chosen,
        })
        .collect();
    let mut subject = f.field("text", "subject", "Perihal");
    subject.required = true;
    let mut body = f.field("textarea", "body", "Uraian pengaduan");
    body.required = true;
    let mut id_number = f.field("text", "reporter.id_number", "Nomor identitas (NIK)");
    id_number.hint = Some("Untuk tatap muka: periksa KTP pelapor.");
    let mut letter_number = f.field("text", "external_ref.letter_number", "Nomor surat pelapor");
    letter_number.hint = Some("Nomor pada surat yang diterima.");
    let mut layout = Layout::for_staff(state, who, "Daftarkan pengaduan", Section::Register);
    if !errors.is_empty() {
        layout.notices.push(super::Notice {
            text: "Pengaduan belum terdaftar: periksa isian yang ditandai.".into(),
            bad: true,
        });
    }
    RegisterPage {
        layout,
        main: vec![
            channel,
            kind,
            subject,
            body,
            f.field("text", "category", "Kategori"),
            f.field("text", "location", "Lokasi kejadian"),
        ],
        reporter: vec![
            f.field("text", "reporter.name", "Nama"),
            id_number,
            f.field("text", "reporter.phone", "Telepon"),
            f.field("text", "reporter.email", "Surel"),
            f.field("text", "reporter.address", "Alamat"),
        ],
        letter: vec![
            letter_number,
            f.field("date", "external_ref.letter_date", "Tanggal surat"),
        ],
        anonymous: !value(m, "anonymous").is_empty(),
        confidential: !value(m, "confidential").is_empty(),
    }
}

fn may_register(who: &super::Staff) -> bool {
    who.caller.role().can_create_complaints()
}

pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !may_register(&who) {
        return super::message(
            &state,
            StatusCode::FORBIDDEN,
            "Bukan untuk peran ini",
            "Pendaftaran pengaduan dilakukan petugas loket dan pejabat penghubung.",
        );
    }
    render(StatusCode::OK, &page(&state, &who, &HashMap::new(), &[]))
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let m = parse_form(&body);
    if !crate::api::auth::form_csrf_ok(
        &req,
        &who.caller,
        &value(&m, "csrf"),
        &state.settings.public_base_url,
    ) {
        return super::refused(&state);
    }
    if !may_register(&who) {
        return super::message(
            &state,
            StatusCode::FORBIDDEN,
            "Bukan untuk peran ini",
            "Pendaftaran pengaduan dilakukan petugas loket.",
        );
    }
    let opt = |k: &str| Some(value(&m, k)).filter(|s| !s.is_empty());
    let channel = opt("channel").filter(|c| DESK.iter().any(|d| d.as_str() == c));
    let input = ComplaintInput {
        kind: opt("kind"),
        channel: channel.clone(),
        subject: opt("subject"),
        body: opt("body"),
        category: opt("category"),
        location: opt("location"),
        anonymous: Some(opt("anonymous").is_some()),
        confidential: Some(opt("confidential").is_some()),
        reporter: Some(ReporterInput {
            name: opt("reporter.name"),
            id_number: opt("reporter.id_number"),
            phone: opt("reporter.phone"),
            email: opt("reporter.email"),
            address: opt("reporter.address"),
        }),
        external_ref: Some(ExternalRefInput {
            letter_number: opt("external_ref.letter_number"),
            letter_date: opt("external_ref.letter_date"),
            ..Default::default()
        }),
        ..Default::default()
    };
    let now = chrono::Utc::now();
    let complaint = match NewComplaint::parse(input, now) {
        Ok(c) if channel.is_some() => c,
        Ok(_) => {
            let errors = vec![("channel".to_string(), message("channel", ""))];
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, &who, &m, &errors),
            );
        }
        Err(e) => {
            let mut errors: Vec<(String, String)> = Vec::new();
            for f in e.0 {
                if !errors.iter().any(|(x, _)| *x == f.field) {
                    errors.push((f.field.clone(), message(&f.field, &f.reason)));
                }
            }
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, &who, &m, &errors),
            );
        }
    };
    match state
        .app
        .register_rest(&complaint, who.caller.actor(), now, None)
        .await
    {
        Ok(RestRegistration::Created {
            complaint: c,
            access_code,
            ..
        }) => {
            let tz = state.settings.office_timezone;
            let mut layout =
                Layout::for_staff(&state, &who, "Pengaduan terdaftar", Section::Register);
            layout.notices.push(super::Notice {
                text: "Pengaduan sudah terdaftar. Cetak atau salin tanda terima ini untuk pelapor."
                    .into(),
                bad: false,
            });
            render(
                StatusCode::CREATED,
                &ReceiptPage {
                    layout,
                    id: c.id.to_string(),
                    number: c.tracking_number.clone(),
                    code: access_code,
                    received: labels::waktu(c.received_at, tz),
                    due: c.due_at.map(|t| labels::waktu(t, tz)),
                    subject: c.subject.clone(),
                },
            )
        }
        Ok(_) => super::unavailable(&state),
        Err(e) => {
            tracing::error!(error = %e, "console registration failed");
            super::unavailable(&state)
        }
    }
}
