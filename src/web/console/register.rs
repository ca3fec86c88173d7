//! Registration at the desk: face to face, a letter, a suggestion-box slip
//! or another channel, with the channel's identity rule; the receipt with
//! the tracking number and the access code (printable).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::actions::{Field, Opt, parse_form};
use super::{Layout, Section, render, staff};
use crate::app::DeskRegistration;
use crate::domain::{Channel, ComplaintInput, ExternalRefInput, Kind, NewComplaint, ReporterInput};
use crate::http::AppState;
use crate::words;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "console/register.html")]
struct RegisterPage {
    layout: Layout,
    main: Vec<Field>,
    /// When it was received, and the answer time agreed face to face.
    times: Vec<Field>,
    reporter: Vec<Field>,
    letter: Vec<Field>,
    suggestion_box: Vec<Field>,
    /// A telephone call: who took it.
    call: Vec<Field>,
    /// A post, comment or direct message on social media.
    social: Vec<Field>,
    /// Slips entered from the same opened box so far.
    box_count: u32,
    anonymous: bool,
    confidential: bool,
    identity_file: bool,
    file_error: Option<String>,
    /// One-time token of this form: a second submit registers nothing.
    form_token: String,
    /// The visit of the guest book this complaint comes from.
    visit_id: String,
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
    /// A letter: reception writes the agenda number (the tracking number) on it.
    letter: bool,
    attached: Option<String>,
    /// A suggestion-box slip: the next slip of the same opening.
    next_slip: Option<NextSlip>,
    /// A QR code of the status page's link (with the code in its fragment),
    /// for the complainant's phone: to follow it and, once answered, rate it.
    qr_svg: String,
    letterhead: Vec<String>,
    channel: &'static str,
    /// The status page's address written out (without the code).
    lacak_url: String,
    /// The officer who received it (signs the slip).
    received_by: String,
    working_days: Option<i32>,
}

struct NextSlip {
    opened_by: String,
    witness: String,
    count: u32,
}

/// The channels registered at the desk (LAPOR!, email, WhatsApp, Telegram,
/// SMS and the API arrive by themselves).
const DESK: [Channel; 6] = [
    Channel::FaceToFace,
    Channel::Phone,
    Channel::Letter,
    Channel::SuggestionBox,
    Channel::SocialMedia,
    Channel::Other,
];

/// The platforms a social-media complaint comes from.
pub(crate) const PLATFORMS: [(&str, &str); 6] = [
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("x", "X (Twitter)"),
    ("tiktok", "TikTok"),
    ("youtube", "YouTube"),
    ("lainnya", "Lainnya"),
];

/// A posted form's fields as the complaint's input (what the desk form
/// and the public web form share; the caller sets the channel).
pub(crate) fn form_input(m: &HashMap<String, Vec<String>>) -> ComplaintInput {
    let opt = |k: &str| Some(value(m, k)).filter(|s| !s.is_empty());
    ComplaintInput {
        kind: opt("kind"),
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
        ..Default::default()
    }
}

pub(crate) fn value(m: &HashMap<String, Vec<String>>, k: &str) -> String {
    m.get(k)
        .and_then(|v| v.first())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// An Indonesian message for a refused field (the domain speaks English).
pub(crate) fn message(field: &str, reason: &str) -> String {
    let needs = reason.contains("needs") || reason.starts_with("is required");
    match field {
        "subject" => "Isi perihal pengaduan (paling banyak 200 karakter).".into(),
        "body" => "Isi uraian pengaduan.".into(),
        "channel" => "Pilih saluran.".into(),
        "reporter.name" if reason.contains("social") => {
            "Isi nama akun media sosial pengirim (atau namanya bila diketahui).".into()
        }
        "reporter.name" if needs => "Untuk saluran ini nama pelapor wajib diisi.".into(),
        "reporter.id_number" if needs => {
            "Untuk saluran ini nomor identitas (NIK) wajib diisi dan diperiksa.".into()
        }
        "reporter.id_number" => {
            "NIK terdiri dari 16 angka (atau nomor dokumen identitas lain).".into()
        }
        "reporter.phone" if reason.contains("telephone") => {
            "Isi nomor yang menelepon: jawaban disampaikan kembali ke nomor itu.".into()
        }
        "reporter.phone" if needs => {
            "Isi nomor telepon (atau, untuk surat, nomor identitas; untuk kotak saran, alamat)."
                .into()
        }
        "reporter.phone" => "Nomor telepon terdiri dari 6 sampai 15 angka.".into(),
        "reporter.email" => "Alamat surel tidak sah.".into(),
        "reporter.address" if needs => "Untuk kotak saran isi alamat atau nomor telepon.".into(),
        "external_ref.letter_date" => "Tanggal surat tidak boleh di masa depan.".into(),
        "received_at" if reason.contains("future") => {
            "Waktu diterima tidak boleh di masa depan.".into()
        }
        "received_at" => "Isi tanggal dan jam diterima, atau kosongkan (sekarang).".into(),
        "agreed_due_at" if reason.contains("face-to-face") => {
            "Waktu jawaban yang disepakati hanya untuk pengaduan tatap muka.".into()
        }
        "agreed_due_at" => {
            "Waktu jawaban yang disepakati harus sesudah waktu diterima dan paling lama 90 hari sesudahnya.".into()
        }
        "call.taken_by" => "Isi nama petugas yang menerima telepon.".into(),
        "social.platform" => "Pilih platform media sosialnya.".into(),
        "social.url" => {
            "Isi alamat unggahan, komentar, atau pesannya (https://…), agar dapat dibalas di sana."
                .into()
        }
        "box.opened_by" => "Isi nama petugas yang membuka kotak saran.".into(),
        "box.witness" => "Isi nama saksi pembukaan kotak saran.".into(),
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
            value: match kind {
                "date" => crate::words::isian_tanggal_str(&value(self.m, name)),
                "datetime-local" => crate::words::isian_waktu_str(&value(self.m, name)),
                _ => value(self.m, name),
            },
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
    categories: &[crate::domain::category::Category],
) -> RegisterPage {
    let f = Form { m, errors };
    // categories from the office's list (issue 33)
    let mut category = f.field("select", "category", "Kategori");
    let chosen = crate::domain::category::key(&category.value);
    category.options = std::iter::once(Opt {
        value: String::new(),
        label: "— belum dikategorikan —".into(),
        selected: chosen.is_empty(),
    })
    .chain(categories.iter().filter(|c| c.active).map(|c| Opt {
        value: c.name.clone(),
        label: c.name.clone(),
        selected: c.key == chosen,
    }))
    .collect();
    if categories.iter().all(|c| !c.active) {
        category.hint = Some("Daftar kategori masih kosong: admin mengisinya di Administrasi.");
    }
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
            label: words::channel(*c).into(),
            selected: c.as_str() == chosen,
        })
        .collect();
    let mut kind = f.field("select", "kind", "Jenis");
    let chosen = kind.value.clone();
    kind.options = Kind::ALL
        .iter()
        .map(|k| Opt {
            value: k.as_str().into(),
            label: words::kind(*k).into(),
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
    let mut received_at = f.field("datetime-local", "received_at", "Diterima pada");
    received_at.hint = Some(
        "Isi bila pengaduan diterima sebelum didaftarkan (surat yang datang kemarin, lembar \
         kotak saran, telepon): tenggat dihitung dari saat itu. Kosongkan bila diterima sekarang.",
    );
    let mut agreed = f.field(
        "datetime-local",
        "agreed_due_at",
        "Waktu jawaban yang disepakati (tatap muka)",
    );
    agreed.hint = Some(
        "Bila disepakati dengan pelapor. Kosongkan bila tidak ada kesepakatan: tenggatnya jam \
         tutup layanan hari ini (atau hari kerja berikutnya).",
    );
    let mut taken_by = f.field("text", "call.taken_by", "Telepon diterima oleh");
    if taken_by.value.is_empty() {
        // the officer signed in (their name, not the login)
        let a = who.caller.actor();
        taken_by.value = a
            .officer
            .as_ref()
            .map_or_else(|| a.name.clone(), |o| o.name.clone());
    }
    taken_by.hint = Some("Petugas yang menerima telepon. Isi waktu telepon di \"Diterima pada\".");
    let mut platform = f.field("select", "social.platform", "Platform");
    let chosen_platform = platform.value.clone();
    platform.options = std::iter::once(Opt {
        value: String::new(),
        label: "— pilih —".into(),
        selected: chosen_platform.is_empty(),
    })
    .chain(PLATFORMS.iter().map(|(v, l)| Opt {
        value: (*v).into(),
        label: (*l).into(),
        selected: *v == chosen_platform,
    }))
    .collect();
    let mut post_url = f.field("url", "social.url", "Alamat unggahan atau pesan");
    post_url.hint = Some(
        "Tautan unggahan, komentar, atau pesan langsungnya, mis. https://www.instagram.com/p/…",
    );
    let mut account = f.field("text", "social.account", "Nama akun pengirim");
    account.hint = Some("Mis. @warga_kupang. Dicatat sebagai nama pelapor bila nama tidak diisi.");
    let mut opened_by = f.field("text", "box.opened_by", "Kotak dibuka oleh");
    opened_by.hint = Some("Petugas yang membuka kotak saran.");
    let mut witness = f.field("text", "box.witness", "Disaksikan oleh");
    witness.hint = Some("Isian ini tetap terisi untuk lembar berikutnya dari kotak yang sama.");
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
            category,
            f.field("text", "location", "Lokasi kejadian"),
        ],
        times: vec![received_at, agreed],
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
        suggestion_box: vec![opened_by, witness],
        call: vec![taken_by],
        social: vec![platform, account, post_url],
        box_count: value(m, "box.count").parse().unwrap_or(0),
        anonymous: !value(m, "anonymous").is_empty(),
        confidential: !value(m, "confidential").is_empty(),
        identity_file: !value(m, "identity").is_empty(),
        file_error: errors
            .iter()
            .find(|(f, _)| f == "file")
            .map(|(_, e)| e.clone()),
        form_token: Uuid::new_v4().simple().to_string(),
        visit_id: value(m, "visit_id"),
    }
}

/// A date and time as typed (`03-12-2026 09.30`, or ISO `2026-12-03T09:30`;
/// office-local) as RFC 3339.
fn local_instant(v: &str, tz: chrono_tz::Tz) -> Option<String> {
    use chrono::TimeZone;
    let t = crate::words::parse_waktu_isian(v)?;
    Some(tz.from_local_datetime(&t).earliest()?.to_rfc3339())
}

fn may_register(who: &super::Staff) -> bool {
    who.caller.role().can_create_complaints()
}

#[derive(Debug, serde::Deserialize)]
pub struct FormQuery {
    /// A visit of the guest book to make the complaint from.
    visit: Option<Uuid>,
}

/// A visit's details as the desk form's fields (face to face).
fn from_visit(v: &crate::store::Visit) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    let mut put = |k: &str, x: Option<String>| {
        if let Some(x) = x {
            m.insert(k.to_string(), vec![x]);
        }
    };
    put("channel", Some(Channel::FaceToFace.as_str().into()));
    put("reporter.name", Some(v.name.clone()));
    put("reporter.phone", v.phone.clone());
    put("reporter.email", v.email.clone());
    put("reporter.address", v.origin.clone());
    put("body", v.note.clone());
    put("visit_id", Some(v.id.to_string()));
    m
}

pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<FormQuery>,
) -> HttpResponse {
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
    let categories = state.app.categories().await.unwrap_or_default();
    let m = match q.visit {
        None => HashMap::new(),
        Some(id) => match state.store.get_visit(id).await {
            Ok(Some(v)) => from_visit(&v),
            Ok(None) => HashMap::new(),
            Err(_) => return super::unavailable(&state),
        },
    };
    let mut p = page(&state, &who, &m, &[], &categories);
    if !p.visit_id.is_empty() {
        p.layout.notices.push(super::Notice {
            text: "Dari buku tamu: periksa KTP pengunjung dan isi NIK, perihal dan uraiannya."
                .into(),
            bad: false,
        });
    }
    render(StatusCode::OK, &p)
}

fn refused_role(state: &AppState) -> HttpResponse {
    super::message(
        state,
        StatusCode::FORBIDDEN,
        "Bukan untuk peran ini",
        "Pendaftaran pengaduan dilakukan petugas loket dan pejabat penghubung.",
    )
}

/// The next slip of an opened suggestion box: the form again with the
/// opener, the witness and the count kept (posted, so no name is in a URL).
pub async fn next_slip(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let posted = parse_form(&body);
    if !crate::http::session::form_csrf_ok(
        &req,
        &who.caller,
        &value(&posted, "csrf"),
        &state.settings.public_base_url,
    ) {
        return super::refused(&state);
    }
    if !may_register(&who) {
        return refused_role(&state);
    }
    let mut m = HashMap::new();
    for k in ["box.opened_by", "box.witness", "box.count"] {
        m.insert(k.to_string(), vec![value(&posted, k)]);
    }
    m.insert(
        "channel".into(),
        vec![Channel::SuggestionBox.as_str().into()],
    );
    let categories = state.app.categories().await.unwrap_or_default();
    let mut p = page(&state, &who, &m, &[], &categories);
    p.layout.notices.push(super::Notice {
        text: format!(
            "Lembar berikutnya dari kotak saran yang sama ({} lembar sudah terdaftar).",
            p.box_count
        ),
        bad: false,
    });
    render(StatusCode::OK, &p)
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: actix_multipart::Multipart,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !may_register(&who) {
        return refused_role(&state);
    }
    // the complaint's id is chosen now: a scan streams to its folder
    let id = Uuid::now_v7();
    let attachment_id = Uuid::now_v7();
    let posted = match super::attachments::read_form(&state, &mut payload, id, attachment_id).await
    {
        Ok(p) => p,
        Err(r) => return r,
    };
    let m = posted.fields;
    let drop_file = || state.app.files.remove(id, attachment_id);
    if !crate::http::session::form_csrf_ok(
        &req,
        &who.caller,
        &value(&m, "csrf"),
        &state.settings.public_base_url,
    ) {
        drop_file().await;
        return super::refused(&state);
    }
    let opt = |k: &str| Some(value(&m, k)).filter(|s| !s.is_empty());
    let channel = opt("channel").filter(|c| DESK.iter().any(|d| d.as_str() == c));
    let tz = state.settings.office_timezone;
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut local_time = |k: &str| -> Option<String> {
        let v = opt(k)?;
        match local_instant(&v, tz) {
            Some(t) => Some(t),
            None => {
                errors.push((
                    k.into(),
                    "Tanggal dan jam tidak terbaca: tulis hh-bb-tttt jj.mm, mis. 03-12-2026 09.30."
                        .into(),
                ));
                None
            }
        }
    };
    let received_at = local_time("received_at");
    let agreed_due_at = local_time("agreed_due_at");
    let is = |c: Channel| channel.as_deref() == Some(c.as_str());
    let (by_phone, by_social) = (is(Channel::Phone), is(Channel::SocialMedia));
    let mut form = form_input(&m);
    if by_social
        && let Some(r) = form.reporter.as_mut()
        && r.name.is_none()
    {
        // the account's name is who wrote, when no name is known
        r.name = opt("social.account").map(|a| a.chars().take(200).collect());
    }
    let input = ComplaintInput {
        channel: channel.clone(),
        received_at,
        agreed_due_at,
        external_ref: Some(ExternalRefInput {
            letter_number: opt("external_ref.letter_number"),
            // typed hh-bb-tttt; the API reads ISO (an unreadable one goes
            // as typed and comes back refused next to the field)
            letter_date: opt("external_ref.letter_date")
                .map(|v| crate::words::parse_tanggal(&v).map_or(v, |d| d.to_string())),
            ..Default::default()
        }),
        ..form
    };
    let now = chrono::Utc::now();
    let parsed = NewComplaint::parse(input, now);
    if let Err(e) = &parsed {
        for f in &e.0 {
            if !errors.iter().any(|(x, _)| *x == f.field) {
                errors.push((f.field.clone(), message(&f.field, &f.reason)));
            }
        }
    }
    if channel.is_none() {
        errors.push(("channel".into(), message("channel", "")));
    }
    let from_box = channel.as_deref() == Some(Channel::SuggestionBox.as_str());
    if from_box {
        for k in ["box.opened_by", "box.witness"] {
            if opt(k).is_none_or(|v| v.chars().count() > 200) {
                errors.push((k.into(), message(k, "")));
            }
        }
    }
    if by_phone && opt("call.taken_by").is_none_or(|v| v.chars().count() > 200) {
        errors.push(("call.taken_by".into(), message("call.taken_by", "")));
    }
    if by_social {
        if !PLATFORMS
            .iter()
            .any(|(p, _)| Some(*p) == opt("social.platform").as_deref())
        {
            errors.push(("social.platform".into(), message("social.platform", "")));
        }
        if !opt("social.url").is_some_and(|u| crate::domain::workflow::web_address(&u)) {
            errors.push(("social.url".into(), message("social.url", "")));
        }
    }
    if let Some(p) = &posted.problem {
        errors.push(("file".into(), p.clone()));
    } else if posted.file.is_some() && !errors.is_empty() {
        errors.push((
            "file".into(),
            "Berkas belum disimpan: pilih berkasnya lagi setelah memperbaiki isian.".into(),
        ));
    }
    let categories = state.app.categories().await.unwrap_or_default();
    let category = match state.app.check_category(opt("category").as_deref()).await {
        Ok(Ok(c)) => c,
        Ok(Err(_)) => {
            errors.push((
                "category".into(),
                "Pilih kategori dari daftar kantor.".into(),
            ));
            None
        }
        Err(_) => return super::unavailable(&state),
    };
    let complaint = match parsed {
        Ok(mut c) if errors.is_empty() => {
            c.category = category;
            c
        }
        _ => {
            drop_file().await;
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, &who, &m, &errors, &categories),
            );
        }
    };
    let intake = if from_box {
        Some(serde_json::json!({
            "suggestion_box": {
                "opened_by": value(&m, "box.opened_by"),
                "witness": value(&m, "box.witness"),
            }
        }))
    } else if by_phone {
        Some(serde_json::json!({"call": {"taken_by": value(&m, "call.taken_by")}}))
    } else if by_social {
        Some(serde_json::json!({"social_media": {
            "platform": value(&m, "social.platform"),
            "post_url": value(&m, "social.url"),
        }}))
    } else {
        None
    };
    // made from a visit of the guest book: the complaint names it
    let visit = match value(&m, "visit_id").parse::<Uuid>() {
        Ok(id) => state.store.get_visit(id).await.ok().flatten(),
        Err(_) => None,
    };
    let intake = match (&visit, intake) {
        (Some(v), None) => Some(serde_json::json!({"visit": {"id": v.id, "number": v.number()}})),
        (Some(v), Some(mut i)) => {
            i["visit"] = serde_json::json!({"id": v.id, "number": v.number()});
            Some(i)
        }
        (None, i) => i,
    };
    let token = opt("form_token")
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| Uuid::new_v4().simple().to_string());
    let registered = state
        .app
        .register_desk(&complaint, who.caller.actor(), now, id, &token, intake)
        .await;
    let (c, access_code) = match registered {
        Ok(DeskRegistration::Created {
            complaint,
            access_code,
        }) => (complaint, access_code),
        Ok(DeskRegistration::Duplicate(existing)) => {
            drop_file().await;
            return HttpResponse::SeeOther()
                .insert_header((
                    actix_web::http::header::LOCATION,
                    format!("/console/complaints/{existing}?again=1"),
                ))
                .finish();
        }
        Err(e) => {
            drop_file().await;
            tracing::error!(error = %e, "console registration failed");
            return super::unavailable(&state);
        }
    };
    if let Some(v) = &visit
        && let Err(e) = state.app.link_visit(v.id, c.id).await
    {
        tracing::warn!(error = %e, "a visit not linked to its complaint");
    }
    let mut attached = None;
    let mut lost = false;
    if let Some((name, ctype, file)) = posted.file {
        let identity = opt("identity").is_some();
        let a = super::attachments::attachment(
            c.id,
            attachment_id,
            name,
            ctype,
            file,
            who.caller.actor().key_id,
            identity,
        );
        match state.app.record_attachment(&a, who.caller.actor()).await {
            Ok(()) => attached = Some(a.file_name),
            Err(e) => {
                lost = true;
                drop_file().await;
                tracing::error!(error = %e, complaint_id = %c.id,
                    "console registration: the attachment was not recorded");
            }
        }
    }
    // register and forward in one step (the common case at the desk)
    let mut forwarded = None;
    if value(&m, "then") == "forward" {
        let cmd = crate::domain::workflow::Command::ForwardToHead { note: None };
        forwarded = Some(
            match state
                .app
                .act(
                    c.id,
                    c.version,
                    &cmd,
                    who.caller.actor(),
                    chrono::Utc::now(),
                )
                .await
            {
                Ok(crate::store::ActOutcome::Done(_)) => true,
                Ok(other) => {
                    tracing::warn!(complaint_id = %c.id, outcome = ?other,
                        "registered at the desk but not forwarded");
                    false
                }
                Err(e) => {
                    tracing::error!(complaint_id = %c.id, error = %e,
                        "registered at the desk but not forwarded");
                    false
                }
            },
        );
    }
    let tz = state.settings.office_timezone;
    let mut layout = Layout::for_staff(&state, &who, "Pengaduan terdaftar", Section::Register);
    layout.notices.push(super::Notice {
        text: match forwarded {
            Some(true) => "Pengaduan sudah terdaftar dan diteruskan ke Kepala Dinas. Cetak atau \
                           salin tanda terima ini untuk pelapor."
                .into(),
            _ => {
                "Pengaduan sudah terdaftar. Cetak atau salin tanda terima ini untuk pelapor.".into()
            }
        },
        bad: false,
    });
    if forwarded == Some(false) {
        layout.notices.push(super::Notice {
            text: "Pengaduan belum diteruskan ke Kepala Dinas: teruskan dari halaman pengaduan."
                .into(),
            bad: true,
        });
    }
    if lost {
        layout.notices.push(super::Notice {
            text: "Lampiran tidak tersimpan; tambahkan dari halaman pengaduan.".into(),
            bad: true,
        });
    }
    render(
        StatusCode::CREATED,
        &ReceiptPage {
            layout,
            id: c.id.to_string(),
            number: c.tracking_number.clone(),
            code: access_code.clone(),
            received: words::waktu(c.received_at, tz),
            due: c.due_at.map(|t| words::waktu(t, tz)),
            subject: c.subject.clone(),
            letter: c.channel == Channel::Letter,
            attached,
            next_slip: from_box.then(|| NextSlip {
                opened_by: value(&m, "box.opened_by"),
                witness: value(&m, "box.witness"),
                count: value(&m, "box.count").parse::<u32>().unwrap_or(0) + 1,
            }),
            qr_svg: status_qr(&state, &c.tracking_number, &access_code),
            letterhead: state.settings.letterhead.clone(),
            channel: words::channel(c.channel),
            lacak_url: format!("{}/lacak", state.settings.public_base_url),
            received_by: receiver(who.caller.actor()),
            working_days: c.sla_working_days,
        },
    )
}

/// The name that signs a receipt: the officer, else the account.
fn receiver(a: &crate::store::Actor) -> String {
    a.officer
        .as_ref()
        .map_or_else(|| a.name.clone(), |o| o.name.clone())
}

/// `POST /console/complaints/{id}/receipt.pdf` (the tracking number and
/// access code from the receipt just shown): the receipt slip as a PDF to
/// print or hand over. The code is checked like `/lacak` checks it and is
/// never stored or logged.
pub async fn receipt_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    use crate::pdf::{Document, Font};
    let (who, m, id) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let number = value(&m, "number");
    let code = value(&m, "code");
    let c = match state.app.open_public(&number, &code).await {
        Ok(Some(c)) if c.id == id => c,
        Ok(_) => return super::not_found(&state),
        Err(_) => return super::unavailable(&state),
    };
    let tz = state.settings.office_timezone;
    let s = &state.settings;
    let letterhead = s.letterhead.clone();
    let office = s.office_name.clone();
    let place = s.office_city.clone();
    let status_link = format!(
        "{}/lacak/{}#kode={code}",
        s.public_base_url, c.tracking_number
    );
    let lacak = format!("{}/lacak", s.public_base_url);
    let qr = qrcode::QrCode::new(status_link.as_bytes()).ok();
    let attachments = state
        .store
        .list_attachments(c.id)
        .await
        .map(|a| a.len())
        .unwrap_or(0);
    let received_by = receiver(who.caller.actor());
    let received = words::waktu(c.received_at, tz);
    let due = c.due_at.map(|t| words::waktu(t, tz));
    let channel = words::channel(c.channel);
    let days = c.sla_working_days;
    let today = words::tanggal(chrono::Utc::now(), tz);
    let made = tokio::task::spawn_blocking(move || {
        let mut d = Document::new(&format!("Tanda terima pengaduan {}", c.tracking_number), false);
        d.letterhead(&letterhead, 13.0);
        d.gap(4.0);
        d.text("TANDA TERIMA PENGADUAN", Font::Bold, 13.0, true);
        d.gap(8.0);
        let attached = if attachments == 0 {
            "-".to_string()
        } else {
            format!("{attachments} berkas")
        };
        let due_text = match (&due, days) {
            (Some(t), Some(n)) => format!("{t} ({n} hari kerja)"),
            (Some(t), None) => t.clone(),
            _ => "-".into(),
        };
        d.fields(
            &[
                ("Nomor pengaduan", c.tracking_number.as_str()),
                ("Kode akses", code.as_str()),
                ("Diterima", received.as_str()),
                ("Saluran", channel),
                ("Perihal", c.subject.as_str()),
                ("Lampiran", attached.as_str()),
                ("Dijawab paling lambat", due_text.as_str()),
            ],
            130.0,
            11.0,
        );
        d.gap(10.0);
        d.text(
            &format!(
                "Ikuti penanganan pengaduan ini di {lacak} dengan nomor pengaduan dan kode akses di atas, atau pindai kode QR ini. Setelah dijawab, Anda dapat menilai pelayanan kami di halaman yang sama. Simpan tanda terima ini: kode akses tidak dapat ditampilkan lagi."
            ),
            Font::Regular,
            10.5,
            false,
        );
        if let Some(q) = &qr {
            d.gap(6.0);
            let colors: Vec<bool> = q
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            d.squares(&colors, q.width(), 110.0);
        }
        d.gap(12.0);
        let place_date = if place.is_empty() {
            today
        } else {
            format!("{place}, {today}")
        };
        let name = format!("( {received_by} )");
        d.block(
            &[
                (place_date.as_str(), Font::Regular),
                ("Yang menerima,", Font::Regular),
                (" ", Font::Regular),
                (" ", Font::Regular),
                (" ", Font::Regular),
                (name.as_str(), Font::Regular),
            ],
            0.5,
            11.0,
        );
        d.finish(&format!("{office} · tanda terima {}", c.tracking_number))
    })
    .await;
    super::pdf_answer(&state, made, "tanda-terima.pdf", "receipt")
}

/// The status page's link as an SVG QR code (empty if it cannot be drawn).
fn status_qr(state: &AppState, number: &str, code: &str) -> String {
    let link = format!(
        "{}/lacak/{number}#kode={code}",
        state.settings.public_base_url
    );
    qrcode::QrCode::new(link.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(140, 140)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}
