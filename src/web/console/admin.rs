//! Administration (admin role): the organisation as a tree with who holds
//! each position and who acts for it today; accounts (create one and get
//! its set-password link) and API keys (revoke); the calendar (add an
//! office closure and see how many deadlines it moved) with the SLA
//! policies; the outbox (retry a parked message). Every change goes
//! through `App`, like the JSON door's.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use super::actions::first;
use super::{Layout, Section, Staff, render, staff};
use crate::domain::Role;
use crate::http::AppState;
use crate::words;

pub fn for_role(r: Role) -> bool {
    r == Role::Admin
}

pub struct TreeRow {
    pub depth: usize,
    pub title: String,
    pub unit: String,
    pub holders: String,
    pub acting: String,
}

pub struct AccountRow {
    pub login: String,
    pub role: &'static str,
    pub officer: String,
    pub state: String,
}

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub hint: String,
    pub created: String,
    pub revoked: Option<String>,
}

pub struct DayRow {
    pub date: String,
    pub name: String,
    pub kind: &'static str,
    pub source: &'static str,
}

pub struct ChangeRow {
    pub at: String,
    pub date: String,
    pub what: String,
    pub by: String,
    pub moved: i64,
}

pub struct OfficerRow {
    pub id: String,
    pub name: String,
    pub nip: String,
    pub email: String,
    pub position_id: String,
    pub position: String,
    pub active: bool,
    /// Errors of this row's change form, when it came back refused.
    pub position_error: Option<String>,
    pub email_error: Option<String>,
    pub whatsapp: String,
    pub whatsapp_alerts: bool,
    pub whatsapp_error: Option<String>,
    pub rank: String,
    pub rank_error: Option<String>,
}

pub struct ActingRow {
    pub id: String,
    pub text: String,
}

pub struct MovedRow {
    pub id: String,
    pub number: String,
    pub before: String,
    pub after: String,
}

pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub attempts: i32,
    pub error: String,
    pub created: String,
    pub complaint: Option<String>,
}

#[derive(Template)]
#[template(path = "console/admin.html")]
struct AdminPage {
    layout: Layout,
    tab: &'static str,
    tree: Vec<TreeRow>,
    accounts: Vec<AccountRow>,
    keys: Vec<KeyRow>,
    roles: Vec<(&'static str, &'static str)>,
    officers: Vec<(String, String)>,
    link: Option<String>,
    days: Vec<DayRow>,
    changes: Vec<ChangeRow>,
    sla: Vec<(&'static str, String, String)>,
    outbox: Vec<OutboxRow>,
    units: Vec<(String, String)>,
    positions: Vec<(String, String)>,
    officer_rows: Vec<OfficerRow>,
    acting_rows: Vec<ActingRow>,
    channels: Vec<(&'static str, &'static str)>,
    /// The deadlines a calendar change just moved (the first ones), and
    /// how many more it moved.
    moved: Vec<MovedRow>,
    moved_more: u64,
    /// Field errors of the form that came back.
    errors: HashMap<String, String>,
    kept: HashMap<String, String>,
    /// The office's categories (the list reports group by).
    categories: Vec<crate::domain::category::Category>,
}

const TABS: [(&str, &str, &str); 5] = [
    ("org", "/console/admin/org", "Organisasi"),
    ("accounts", "/console/admin/accounts", "Akun dan kunci"),
    (
        "calendar",
        "/console/admin/calendar",
        "Kalender dan batas waktu",
    ),
    ("outbox", "/console/admin/outbox", "Kotak keluar"),
    (
        "categories",
        "/console/admin/categories",
        "Kategori pengaduan",
    ),
];

fn forbidden(state: &AppState) -> HttpResponse {
    super::message(
        state,
        StatusCode::FORBIDDEN,
        "Bukan untuk peran ini",
        "Administrasi hanya untuk admin.",
    )
}

async fn admin(state: &AppState, req: &HttpRequest) -> Result<Staff, HttpResponse> {
    let who = staff(state, req).await?;
    if !for_role(who.caller.role()) {
        return Err(forbidden(state));
    }
    Ok(who)
}

/// A posted admin form: the person, after the CSRF check.
async fn posted(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(Staff, HashMap<String, Vec<String>>), HttpResponse> {
    let (who, m) = super::staff_post(state, req, body).await?;
    if !for_role(who.caller.role()) {
        return Err(forbidden(state));
    }
    Ok((who, m))
}

fn day_kind(kind: &str) -> &'static str {
    match kind {
        "national_holiday" => "libur nasional",
        "collective_leave" => "cuti bersama",
        "office_closure" => "kantor tutup",
        _ => "hari libur",
    }
}

async fn page(
    state: &AppState,
    who: &Staff,
    tab: &'static str,
    status: StatusCode,
    mut extra: AdminPage,
) -> HttpResponse {
    let tz = state.settings.office_timezone;
    let title = TABS
        .iter()
        .find(|t| t.0 == tab)
        .map_or("Administrasi", |t| t.2);
    let notices = std::mem::take(&mut extra.layout.notices);
    extra.layout = Layout::for_staff(state, who, title, Section::Admin);
    extra.layout.notices = notices;
    extra.tab = tab;
    let loaded: Result<(), ()> = async {
        match tab {
            "org" => {
                let (org, positions, units, officers, acting) = tokio::try_join!(
                    async { state.app.org_chart().await.map_err(|_| ()) },
                    async { state.store.list_positions().await.map_err(|_| ()) },
                    async { state.store.list_units().await.map_err(|_| ()) },
                    async { state.store.list_officers().await.map_err(|_| ()) },
                    async {
                        let today = Utc::now().with_timezone(&tz).date_naive();
                        state.store.list_acting(today).await.map_err(|_| ())
                    },
                )?;
                let today = Utc::now().with_timezone(&tz).date_naive();
                let mut rows: Vec<(Vec<String>, TreeRow)> = positions
                    .iter()
                    .map(|p| {
                        let mut path: Vec<String> = org
                            .chain_above(p.id)
                            .into_iter()
                            .map(|a| org.title(a).to_string())
                            .collect();
                        path.reverse();
                        path.push(p.title.clone());
                        let holders = officers
                            .iter()
                            .filter(|o| o.active && o.position_id == Some(p.id))
                            .map(|o| o.name.clone())
                            .collect::<Vec<_>>()
                            .join(", ");
                        let acting = acting
                            .iter()
                            .filter(|a| {
                                a.position_id == p.id
                                    && a.revoked_at.is_none()
                                    && a.starts_on <= today
                                    && today <= a.ends_on
                            })
                            .map(|a| {
                                let name = officers
                                    .iter()
                                    .find(|o| o.id == a.officer_id)
                                    .map_or("?", |o| o.name.as_str());
                                format!(
                                    "{}{name} sampai {}",
                                    crate::words::acting_prefix(Some(a.kind.as_str())),
                                    crate::words::tanggal_hari(a.ends_on)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ");
                        let depth = (path.len() - 1).min(6);
                        (
                            path,
                            TreeRow {
                                depth,
                                title: p.title.clone(),
                                unit: p
                                    .unit_id
                                    .and_then(|u| units.iter().find(|x| x.id == u))
                                    .map(|u| u.name.clone())
                                    .unwrap_or_default(),
                                holders,
                                acting,
                            },
                        )
                    })
                    .collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                extra.tree = rows.into_iter().map(|r| r.1).collect();
                extra.units = units
                    .iter()
                    .map(|u| (u.id.to_string(), u.name.clone()))
                    .collect();
                let mut sorted: Vec<&crate::store::Position> = positions.iter().collect();
                sorted.sort_by(|a, b| a.title.cmp(&b.title));
                extra.positions = sorted
                    .iter()
                    .map(|p| (p.id.to_string(), p.title.clone()))
                    .collect();
                let changed = extra.kept.get("officer.id").cloned().unwrap_or_default();
                extra.officer_rows = officers
                    .iter()
                    .map(|o| {
                        let id = o.id.to_string();
                        let mine = id == changed;
                        let err = |f: &str| mine.then(|| extra.errors.get(f).cloned()).flatten();
                        OfficerRow {
                            position_error: err("officer.position_id"),
                            email_error: err("officer.email"),
                            whatsapp_error: err("officer.whatsapp")
                                .or_else(|| err("officer.whatsapp_alerts")),
                            whatsapp: o
                                .whatsapp
                                .as_deref()
                                .map(|w| format!("+{w}"))
                                .unwrap_or_default(),
                            whatsapp_alerts: o.whatsapp_alerts,
                            rank_error: err("officer.rank"),
                            rank: o.rank.clone().unwrap_or_default(),
                            id,
                            name: o.name.clone(),
                            nip: o.nip.clone().unwrap_or_default(),
                            email: o.email.clone().unwrap_or_default(),
                            position_id: o.position_id.map(|p| p.to_string()).unwrap_or_default(),
                            position: o
                                .position_id
                                .map(|p| org.title(p).to_string())
                                .unwrap_or_else(|| "tanpa jabatan".into()),
                            active: o.active,
                        }
                    })
                    .collect();
                extra.officers = officers
                    .iter()
                    .filter(|o| o.active)
                    .map(|o| (o.id.to_string(), o.name.clone()))
                    .collect();
                extra.acting_rows = acting
                    .iter()
                    .filter(|a| a.revoked_at.is_none() && a.ends_on >= today)
                    .map(|a| {
                        let name = officers
                            .iter()
                            .find(|o| o.id == a.officer_id)
                            .map_or("?", |o| o.name.as_str());
                        ActingRow {
                            id: a.id.to_string(),
                            text: format!(
                                "{}{} untuk {}, {} s.d. {}{}",
                                crate::words::acting_prefix(Some(a.kind.as_str())),
                                name,
                                org.title(a.position_id),
                                crate::words::tanggal_hari(a.starts_on),
                                crate::words::tanggal_hari(a.ends_on),
                                a.note
                                    .as_deref()
                                    .map(|n| format!(" ({n})"))
                                    .unwrap_or_default()
                            ),
                        }
                    })
                    .collect();
            }
            "accounts" => {
                let (accounts, keys, officers) = tokio::try_join!(
                    async { state.store.list_accounts().await.map_err(|_| ()) },
                    async { state.store.list_api_keys().await.map_err(|_| ()) },
                    async { state.store.list_officers().await.map_err(|_| ()) },
                )?;
                // names locked by failed sign-ins now (the alert ASVS 2.2 asks for)
                let now = Utc::now();
                let window = chrono::Duration::from_std(state.settings.sign_in_lock_duration)
                    .unwrap_or(chrono::Duration::minutes(15));
                let scopes: Vec<String> = accounts
                    .iter()
                    .map(|a| format!("login:{}", a.login))
                    .collect();
                let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
                let throttles = state.store.throttles(&refs).await.map_err(|_| ())?;
                let lifts_at = |login: &str| {
                    throttles
                        .iter()
                        .find(|t| t.scope.strip_prefix("login:") == Some(login))
                        .and_then(|t| t.locked_at)
                        .map(|at| at + window)
                        .filter(|until| *until > now)
                };
                let locked = accounts
                    .iter()
                    .filter(|a| lifts_at(&a.login).is_some())
                    .count();
                if locked > 0 {
                    notice(
                        &mut extra,
                        format!(
                            "{locked} akun terkunci sementara karena percobaan masuk yang gagal \
                             berulang. Kunci terbuka sendiri; periksa log autentikasi bila \
                             pemiliknya tidak sedang lupa kata sandi."
                        ),
                        true,
                    );
                }
                extra.accounts = accounts
                    .into_iter()
                    .map(|a| AccountRow {
                        login: a.login.clone(),
                        role: words::role(a.role),
                        officer: a
                            .officer
                            .as_ref()
                            .map(|o| o.name.clone())
                            .unwrap_or_default(),
                        state: if !a.active {
                            "nonaktif".into()
                        } else if let Some(until) = lifts_at(&a.login) {
                            format!(
                                "terkunci sampai pukul {}",
                                until.with_timezone(&tz).format("%H.%M")
                            )
                        } else if a.password_hash.is_none() {
                            "menunggu kata sandi".into()
                        } else if a.totp_enabled {
                            "aktif, dua langkah".into()
                        } else {
                            "aktif".into()
                        },
                    })
                    .collect();
                extra.keys = keys
                    .into_iter()
                    .map(|k| KeyRow {
                        id: k.id.to_string(),
                        name: k.name,
                        role: words::role(k.role),
                        hint: k.hint,
                        created: words::waktu(k.created_at, tz),
                        revoked: k.revoked_at.map(|t| words::waktu(t, tz)),
                    })
                    .collect();
                extra.roles = Role::ALL
                    .iter()
                    .filter(|r| crate::app::accounts::account_role(**r))
                    .map(|r| (r.as_str(), words::role(*r)))
                    .collect();
                extra.officers = officers
                    .into_iter()
                    .filter(|o| o.active)
                    .map(|o| (o.id.to_string(), o.name))
                    .collect();
            }
            "calendar" => {
                let (days, changes, sla) = tokio::try_join!(
                    async { state.store.calendar_days().await.map_err(|_| ()) },
                    async { state.store.calendar_changes(20).await.map_err(|_| ()) },
                    async { state.store.sla_policies().await.map_err(|_| ()) },
                )?;
                let today = Utc::now().with_timezone(&tz).date_naive();
                extra.days = days
                    .into_iter()
                    .filter(|d| d.active && d.date >= today)
                    .take(30)
                    .map(|d| DayRow {
                        date: d.date.format("%d-%m-%Y").to_string(),
                        name: d.name,
                        kind: day_kind(&d.kind),
                        source: if d.source == "admin" {
                            "ditambahkan admin"
                        } else {
                            "SKB"
                        },
                    })
                    .collect();
                extra.changes = changes
                    .into_iter()
                    .map(|c| ChangeRow {
                        at: words::waktu(c.at, tz),
                        date: c.date.format("%d-%m-%Y").to_string(),
                        what: if c.action == "added" {
                            format!("{}: {}", day_kind(&c.kind), c.name)
                        } else {
                            "kembali menjadi hari kerja".into()
                        },
                        by: c.actor_name,
                        moved: c.complaints_moved,
                    })
                    .collect();
                extra.sla = sla
                    .into_iter()
                    .filter_map(|p| {
                        let ch = crate::domain::Channel::parse(&p.channel)?;
                        let limit = match (p.working_days, p.minutes) {
                            (Some(d), _) => format!("{d} hari kerja"),
                            (None, Some(m)) => format!("{m} menit"),
                            _ => "—".into(),
                        };
                        Some((words::channel(ch), limit, words::waktu(p.updated_at, tz)))
                    })
                    .collect();
                extra.channels = crate::domain::Channel::ALL
                    .iter()
                    .map(|c| (c.as_str(), words::channel(*c)))
                    .collect();
            }
            "categories" => {
                extra.categories = state
                    .app
                    .categories()
                    .await
                    .map_err(|_| ())?
                    .as_ref()
                    .clone();
            }
            _ => {
                let items = state
                    .store
                    .list_outbox(Some("parked"), 100)
                    .await
                    .map_err(|_| ())?;
                extra.outbox = items
                    .into_iter()
                    .map(|o| OutboxRow {
                        id: o.id.to_string(),
                        kind: o.kind,
                        attempts: o.attempts,
                        error: o.last_error.unwrap_or_default(),
                        created: words::waktu(o.created_at, tz),
                        complaint: o.complaint_id.map(|c| c.to_string()),
                    })
                    .collect();
            }
        }
        Ok(())
    }
    .await;
    if loaded.is_err() {
        return super::unavailable(state);
    }
    render(status, &extra)
}

impl AdminPage {
    /// The errors for the summary at the top: (the field's id, the message).
    fn error_list(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = self
            .errors
            .iter()
            .map(|(k, v)| (k.replace(['.', '_'], "-"), v.as_str()))
            .collect();
        out.sort();
        out
    }

    /// Whether the form that came back had `value` in `key`.
    fn kept_is(&self, key: &str, value: &str) -> bool {
        self.kept.get(key).is_some_and(|v| v == value)
    }
}

fn empty(state: &AppState) -> AdminPage {
    AdminPage {
        layout: Layout::bare(state, ""),
        tab: "org",
        tree: Vec::new(),
        accounts: Vec::new(),
        keys: Vec::new(),
        roles: Vec::new(),
        officers: Vec::new(),
        link: None,
        days: Vec::new(),
        changes: Vec::new(),
        sla: Vec::new(),
        outbox: Vec::new(),
        units: Vec::new(),
        positions: Vec::new(),
        officer_rows: Vec::new(),
        acting_rows: Vec::new(),
        channels: Vec::new(),
        moved: Vec::new(),
        moved_more: 0,
        errors: HashMap::new(),
        kept: HashMap::new(),
        categories: Vec::new(),
    }
}

fn notice(p: &mut AdminPage, text: String, bad: bool) {
    p.layout.notices.push(super::Notice { text, bad });
}

pub async fn index(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let Err(r) = admin(&state, &req).await {
        return r;
    }
    see_other("/console/admin/org")
}

pub async fn tab(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let who = match admin(&state, &req).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(&(tab, _, _)) = TABS.iter().find(|t| t.0 == name.as_str()) else {
        return super::not_found(&state);
    };
    let mut p = empty(&state);
    if q.contains_key("retried") {
        notice(
            &mut p,
            "Pesan dimasukkan lagi ke antrean kirim.".into(),
            false,
        );
    }
    if q.contains_key("revoked") {
        notice(
            &mut p,
            "Kunci API dicabut; sistem yang memakainya tidak dapat masuk lagi.".into(),
            false,
        );
    }
    page(&state, &who, tab, StatusCode::OK, p).await
}

/// A new account: its set-password link is shown once, to hand over.
pub async fn create_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match posted(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = empty(&state);
    let login = first(&m, "login").to_string();
    p.kept.insert("login".into(), login.clone());
    let role = first(&m, "role").parse::<Role>().ok();
    let officer = first(&m, "officer");
    let officer_id = if officer.is_empty() {
        None
    } else {
        officer.parse::<Uuid>().ok()
    };
    let Some(role) = role else {
        p.errors.insert("role".into(), "Pilih peran.".into());
        return page(
            &state,
            &who,
            "accounts",
            StatusCode::UNPROCESSABLE_ENTITY,
            p,
        )
        .await;
    };
    let req_ = crate::app::accounts::AccountRequest {
        login: &login,
        role,
        officer_id,
        password: None,
        send_link: !first(&m, "send_link").is_empty(),
    };
    let by = who.caller.actor().name.clone();
    match state.app.create_account(req_, &by, Utc::now()).await {
        Ok(Ok(created)) => {
            p.kept.clear();
            p.link = created.link.map(|(url, until)| {
                format!(
                    "{url} (berlaku sampai {})",
                    words::waktu(until, state.settings.office_timezone)
                )
            });
            notice(
                &mut p,
                format!(
                    "Akun {} dibuat. Serahkan tautan di bawah kepada pemiliknya: dengan tautan itu ia membuat kata sandinya sendiri (sekali pakai).",
                    created.account.login
                ),
                false,
            );
            page(&state, &who, "accounts", StatusCode::CREATED, p).await
        }
        Ok(Err(outcome)) => {
            let (field, text) = match outcome {
                crate::store::AccountOutcome::LoginTaken => {
                    ("login", "Nama masuk ini sudah dipakai.")
                }
                crate::store::AccountOutcome::UnknownOfficer => {
                    ("officer", "Pegawai tidak dikenal.")
                }
                crate::store::AccountOutcome::Done => ("login", "Akun tidak dibuat."),
            };
            p.errors.insert(field.into(), text.into());
            page(&state, &who, "accounts", StatusCode::CONFLICT, p).await
        }
        Err(crate::app::accounts::AccountError::Invalid(e)) => {
            for f in e.0 {
                let text = match f.field.as_str() {
                    "login" => {
                        "Nama masuk 3–64 huruf kecil, angka, titik, garis bawah atau tanda hubung."
                    }
                    "role" => "Peran ini untuk sistem, bukan untuk orang.",
                    _ => "Isian ini belum benar.",
                };
                p.errors.entry(f.field).or_insert_with(|| text.into());
            }
            page(
                &state,
                &who,
                "accounts",
                StatusCode::UNPROCESSABLE_ENTITY,
                p,
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "console: account creation failed");
            super::unavailable(&state)
        }
    }
}

pub async fn revoke_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let id = match posted_id(&state, &req, &id, &body).await {
        Ok((_, _, id)) => id,
        Err(r) => return r,
    };
    match state.app.revoke_api_key(id, Utc::now()).await {
        Ok(_) => see_other("/console/admin/accounts?revoked=1"),
        Err(_) => super::unavailable(&state),
    }
}

/// A posted admin form about one thing named in the path (a key, a
/// message, an officer, an appointment): the person, the fields and the id.
async fn posted_id(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    body: &[u8],
) -> Result<(Staff, HashMap<String, Vec<String>>, Uuid), HttpResponse> {
    let (who, m, id) = super::staff_post_on(state, req, id, body).await?;
    if !for_role(who.caller.role()) {
        return Err(forbidden(state));
    }
    Ok((who, m, id))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// An office closure (or another day off) added: deadlines move with it.
pub async fn add_day(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match posted(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = empty(&state);
    for k in ["date", "name", "reason", "kind"] {
        p.kept.insert(k.into(), first(&m, k).to_string());
    }
    let tz = state.settings.office_timezone;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let date = crate::words::parse_tanggal(first(&m, "date"));
    match date {
        None => {
            p.errors.insert("date".into(), "Isi tanggal.".into());
        }
        Some(d) if d < today => {
            p.errors.insert(
                "date".into(),
                "Tanggal yang sudah lewat tidak dapat diubah: batas waktu yang sudah berlalu tidak ditulis ulang.".into(),
            );
        }
        _ => {}
    }
    let name = first(&m, "name");
    if name.is_empty() || name.chars().count() > 200 {
        p.errors.insert(
            "name".into(),
            "Isi nama hari libur (paling banyak 200 karakter), mis. Kantor tutup: banjir.".into(),
        );
    }
    let reason = first(&m, "reason");
    if reason.is_empty() || reason.chars().count() > 500 {
        p.errors.insert(
            "reason".into(),
            "Isi dasarnya (nomor surat edaran, keputusan), paling banyak 500 karakter.".into(),
        );
    }
    let kind = crate::domain::calendar::DayKind::parse(first(&m, "kind"))
        .unwrap_or(crate::domain::calendar::DayKind::OfficeClosure);
    let (Some(date), true) = (date, p.errors.is_empty()) else {
        return page(
            &state,
            &who,
            "calendar",
            StatusCode::UNPROCESSABLE_ENTITY,
            p,
        )
        .await;
    };
    let outcome = state
        .app
        .change_calendar(crate::store::CalendarChange {
            date,
            action: crate::store::CalendarAction::Add {
                kind,
                name: name.to_string(),
            },
            reason,
            actor: who.caller.actor(),
            now: Utc::now(),
            timezone: tz,
        })
        .await;
    match outcome {
        Ok(crate::store::CalendarChangeOutcome::Applied {
            complaints_moved,
            moved,
        }) => {
            tracing::info!(%date, complaints_moved, "calendar amended from the console");
            p.kept.clear();
            p.moved_more = complaints_moved.saturating_sub(moved.len() as u64);
            p.moved = moved
                .into_iter()
                .map(|m| MovedRow {
                    id: m.complaint_id.to_string(),
                    number: m.tracking_number,
                    before: m
                        .previous_due_at
                        .map(|t| words::waktu(t, tz))
                        .unwrap_or_default(),
                    after: words::waktu(m.due_at, tz),
                })
                .collect();
            notice(
                &mut p,
                format!(
                    "{} menjadi hari libur. Batas waktu {complaints_moved} pengaduan terbuka bergeser (tercatat pada riwayat masing-masing).",
                    date.format("%d-%m-%Y")
                ),
                false,
            );
            page(&state, &who, "calendar", StatusCode::CREATED, p).await
        }
        Ok(_) => {
            p.errors
                .insert("date".into(), "Tanggal ini sudah hari libur.".into());
            page(&state, &who, "calendar", StatusCode::CONFLICT, p).await
        }
        Err(_) => super::unavailable(&state),
    }
}

pub async fn retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let id = match posted_id(&state, &req, &id, &body).await {
        Ok((_, _, id)) => id,
        Err(r) => return r,
    };
    match state.app.retry_outbox(id, Utc::now()).await {
        Ok(_) => see_other("/console/admin/outbox?retried=1"),
        Err(_) => super::unavailable(&state),
    }
}

/// The Indonesian message for a refused organisation field (the App's
/// reasons are the JSON API's, in English).
fn org_message(field: &str, reason: &str) -> &'static str {
    match (field, reason) {
        ("name", _) => "Isi nama (paling banyak 200 karakter).",
        ("title", _) => "Isi nama jabatan (paling banyak 200 karakter).",
        ("superior_id", r) if r.contains("no superior") => {
            "Kepala Dinas tidak mempunyai atasan: kosongkan atasan."
        }
        ("superior_id", r) if r.starts_with("is required") => {
            "Pilih atasan: setiap jabatan kecuali Kepala Dinas melapor kepada satu jabatan."
        }
        ("superior_id", _) => "Jabatan atasan tidak dikenal.",
        ("unit_id", _) => "Unit tidak dikenal.",
        ("nip", _) => "NIP hanya berisi angka (paling banyak 30).",
        ("rank", _) => "Pangkat/golongan satu baris, paling banyak 100 karakter.",
        ("email", _) => "Alamat surel belum benar, mis. nama@dinsos.go.id.",
        ("whatsapp", _) => {
            "Nomor WhatsApp belum benar, mis. 0812 3456 7890 atau +62 812 3456 7890."
        }
        ("whatsapp_alerts", _) => "Isi nomor WhatsApp-nya untuk pengingat lewat WhatsApp.",
        ("position_id", r) if r.contains("already holds") => {
            "Pegawai ini sudah memegang jabatan tersebut; Plh/Plt untuk jabatan lain."
        }
        ("position_id", r) if r.starts_with("is required") => "Pilih jabatan.",
        ("position_id", _) => "Jabatan tidak dikenal.",
        ("officer_id", _) => "Pilih pegawai.",
        ("kind", _) => "Pilih Plh atau Plt.",
        ("starts_on", _) => "Isi tanggal mulai.",
        ("ends_on", r) if r.contains("before") => {
            "Tanggal selesai tidak boleh sebelum tanggal mulai."
        }
        ("ends_on", r) if r.contains("year") => "Penunjukan Plh/Plt paling lama satu tahun.",
        ("ends_on", _) => "Isi tanggal selesai.",
        ("note", _) => "Catatan paling banyak 500 karakter.",
        _ => "Isian ini belum benar.",
    }
}

/// Shows a refused organisation form again, each message next to its field.
async fn org_refused(
    state: &AppState,
    who: &Staff,
    mut p: AdminPage,
    form: &str,
    r: crate::app::org::OrgRefusal,
) -> HttpResponse {
    use crate::app::org::OrgRefusal;
    match r {
        OrgRefusal::Invalid(e) => {
            for f in e.0 {
                p.errors
                    .entry(format!("{form}.{}", f.field))
                    .or_insert_with(|| org_message(&f.field, &f.reason).to_string());
            }
            page(state, who, "org", StatusCode::UNPROCESSABLE_ENTITY, p).await
        }
        OrgRefusal::Duplicate(what) => {
            let (field, text) = if what.contains("head") {
                ("is_head", "Kantor sudah mempunyai jabatan Kepala Dinas.")
            } else if what.contains("NIP") {
                ("nip", "NIP ini sudah terdaftar untuk pegawai lain.")
            } else if what.contains("position") {
                ("title", "Jabatan dengan nama ini sudah ada.")
            } else {
                ("name", "Unit dengan nama ini sudah ada.")
            };
            p.errors.insert(format!("{form}.{field}"), text.into());
            page(state, who, "org", StatusCode::CONFLICT, p).await
        }
    }
}

/// A posted admin form and an empty page keeping what was typed.
async fn org_posted(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    form: &str,
    fields: &[&str],
) -> Result<(Staff, HashMap<String, Vec<String>>, AdminPage), HttpResponse> {
    let (who, m) = posted(state, req, body).await?;
    let mut p = empty(state);
    for f in fields {
        p.kept
            .insert(format!("{form}.{f}"), first(&m, f).to_string());
    }
    Ok((who, m, p))
}

fn some(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.trim().is_empty())
}

fn uuid_field(m: &HashMap<String, Vec<String>>, f: &str) -> Option<Uuid> {
    first(m, f).parse().ok()
}

/// The page after an organisation form: the notice, or the refusal next
/// to the fields.
async fn org_answer<T>(
    state: &AppState,
    who: &Staff,
    p: AdminPage,
    form: &str,
    result: crate::app::org::OrgResult<T>,
    text: impl FnOnce(T) -> String,
) -> HttpResponse {
    match result {
        Ok(Ok(done)) => org_done(state, who, p, text(done)).await,
        Ok(Err(r)) => org_refused(state, who, p, form, r).await,
        Err(_) => super::unavailable(state),
    }
}

async fn org_done(state: &AppState, who: &Staff, mut p: AdminPage, text: String) -> HttpResponse {
    p.kept.clear();
    notice(&mut p, text, false);
    page(state, who, "org", StatusCode::CREATED, p).await
}

pub async fn add_unit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m, p) = match org_posted(&state, &req, &body, "unit", &["name"]).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let result = state
        .app
        .add_unit(some(first(&m, "name")), Utc::now())
        .await;
    org_answer(&state, &who, p, "unit", result, |u| {
        format!("Unit {} ditambahkan.", u.name)
    })
    .await
}

pub async fn add_position(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let fields = ["title", "unit_id", "superior_id", "is_head"];
    let (who, m, p) = match org_posted(&state, &req, &body, "pos", &fields).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = crate::app::org::PositionInput {
        title: some(first(&m, "title")),
        unit_id: uuid_field(&m, "unit_id"),
        superior_id: uuid_field(&m, "superior_id"),
        is_head: !first(&m, "is_head").is_empty(),
    };
    let result = state.app.add_position(input, Utc::now()).await;
    org_answer(&state, &who, p, "pos", result, |pos| {
        format!("Jabatan {} ditambahkan ke susunan.", pos.title)
    })
    .await
}

pub async fn add_officer(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let fields = [
        "name",
        "nip",
        "rank",
        "email",
        "position_id",
        "whatsapp",
        "whatsapp_alerts",
    ];
    let (who, m, p) = match org_posted(&state, &req, &body, "off", &fields).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = crate::app::org::OfficerInput {
        name: some(first(&m, "name")),
        nip: some(first(&m, "nip")),
        email: some(first(&m, "email")),
        position_id: uuid_field(&m, "position_id"),
        whatsapp: some(first(&m, "whatsapp")),
        whatsapp_alerts: !first(&m, "whatsapp_alerts").is_empty(),
        rank: some(first(&m, "rank")),
    };
    let result = state.app.add_officer(input, Utc::now()).await;
    org_answer(&state, &who, p, "off", result, |o| {
        format!(
            "Pegawai {} ditambahkan. Buat akunnya pada bagian Akun dan kunci.",
            o.name
        )
    })
    .await
}

/// One officer's row form: position, address, still serving.
pub async fn change_officer(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m, id) = match posted_id(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = empty(&state);
    p.kept.insert("officer.id".into(), id.to_string());
    let leaving = !first(&m, "left").is_empty();
    let input = crate::app::org::OfficerChangeInput {
        position_id: Some(uuid_field(&m, "position_id")),
        email: Some(some(first(&m, "email"))),
        active: Some(!leaving),
        whatsapp: Some(some(first(&m, "whatsapp"))),
        whatsapp_alerts: Some(!first(&m, "whatsapp_alerts").is_empty()),
        rank: Some(some(first(&m, "rank"))),
    };
    let by = who.caller.actor().name.clone();
    match state.app.change_officer(id, input, &by, Utc::now()).await {
        Ok(Ok(Some(o))) => {
            let text = if o.active {
                format!("Data {} disimpan.", o.name)
            } else {
                format!(
                    "{} ditandai tidak bertugas lagi: kunci API-nya dicabut dan sesi masuknya diakhiri.",
                    o.name
                )
            };
            org_done(&state, &who, p, text).await
        }
        Ok(Ok(None)) => super::not_found(&state),
        Ok(Err(r)) => org_refused(&state, &who, p, "officer", r).await,
        Err(_) => super::unavailable(&state),
    }
}

pub async fn appoint_acting(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let fields = [
        "officer_id",
        "position_id",
        "kind",
        "starts_on",
        "ends_on",
        "note",
    ];
    let (who, m, p) = match org_posted(&state, &req, &body, "act", &fields).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let date = |f: &str| crate::words::parse_tanggal(first(&m, f));
    let input = crate::app::org::ActingInput {
        officer_id: uuid_field(&m, "officer_id"),
        position_id: uuid_field(&m, "position_id"),
        kind: some(first(&m, "kind")),
        starts_on: date("starts_on"),
        ends_on: date("ends_on"),
        note: some(first(&m, "note")),
    };
    let result = state.app.appoint_acting(input, Utc::now()).await;
    org_answer(&state, &who, p, "act", result, |a| {
        format!(
            "{}ditunjuk sampai {}. Selama itu disposisi dan konsep untuk jabatan tersebut masuk ke kotak masuknya.",
            crate::words::acting_prefix(Some(a.kind.as_str())),
            crate::words::tanggal_hari(a.ends_on)
        )
    })
    .await
}

pub async fn end_acting(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (who, _, id) = match posted_id(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = empty(&state);
    match state.app.revoke_acting(id, Utc::now()).await {
        Ok(true) => {
            org_done(
                &state,
                &who,
                p,
                "Penunjukan Plh/Plt diakhiri hari ini.".into(),
            )
            .await
        }
        Ok(false) => super::not_found(&state),
        Err(_) => super::unavailable(&state),
    }
}

/// A channel's answer deadline, for complaints registered from now on.
pub async fn set_sla(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match posted(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut p = empty(&state);
    for k in ["channel", "amount", "unit"] {
        p.kept.insert(format!("sla.{k}"), first(&m, k).to_string());
    }
    let channel = crate::domain::Channel::parse(first(&m, "channel"));
    if channel.is_none() {
        p.errors
            .insert("sla.channel".into(), "Pilih saluran.".into());
    }
    let amount = first(&m, "amount").trim().parse::<i64>().ok();
    let sla = match (amount, first(&m, "unit")) {
        (Some(n), "minutes") => crate::domain::deadline::Sla::from_parts(None, Some(n)),
        (Some(n), _) => crate::domain::deadline::Sla::from_parts(Some(n), None),
        (None, _) => None,
    };
    if sla.is_none() {
        p.errors.insert(
            "sla.amount".into(),
            "Isi 0–365 hari kerja, atau 1–10080 menit (untuk tatap muka).".into(),
        );
    }
    let (Some(channel), Some(sla), true) = (channel, sla, p.errors.is_empty()) else {
        return page(
            &state,
            &who,
            "calendar",
            StatusCode::UNPROCESSABLE_ENTITY,
            p,
        )
        .await;
    };
    let by = format!("{} ({})", who.caller.actor().name, who.caller.role());
    match state
        .app
        .set_sla_policy(channel, sla, &by, Utc::now())
        .await
    {
        Ok(()) => {
            tracing::info!(channel = %channel, "SLA policy changed from the console");
            p.kept.clear();
            notice(
                &mut p,
                format!(
                    "Batas waktu saluran {} diubah. Berlaku untuk pengaduan yang terdaftar mulai sekarang; batas waktu yang sudah ditetapkan tidak berubah.",
                    words::channel(channel)
                ),
                false,
            );
            page(&state, &who, "calendar", StatusCode::OK, p).await
        }
        Err(_) => super::unavailable(&state),
    }
}

/// `POST /console/admin/categories`: adds a category to the list.
pub async fn add_category(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match posted(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let name = first(&m, "name").to_string();
    let mut p = empty(&state);
    use crate::app::categories::CategoryError as E;
    match state.app.add_category(who.caller.actor(), &name).await {
        Ok(c) => {
            notice(&mut p, format!("Kategori {} ditambahkan.", c.name), false);
            page(&state, &who, "categories", StatusCode::CREATED, p).await
        }
        Err(e) => {
            let text = match e {
                E::Exists => {
                    "Kategori dengan nama ini sudah ada (huruf besar-kecil tidak dibedakan)."
                }
                E::Name(_) => "Isi nama kategori, paling banyak 80 karakter.",
                E::NotAdmin | E::Unknown => "Kategori tidak dapat ditambahkan.",
                E::Store(_) => return super::unavailable(&state),
            };
            p.kept.insert("cat.name".into(), name);
            p.errors.insert("cat.name".into(), text.into());
            page(
                &state,
                &who,
                "categories",
                StatusCode::UNPROCESSABLE_ENTITY,
                p,
            )
            .await
        }
    }
}

/// `POST /console/admin/categories/active`: offers a category again, or no more.
pub async fn category_active(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match posted(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let active = first(&m, "active") == "1";
    let mut p = empty(&state);
    match state
        .app
        .set_category_active(who.caller.actor(), first(&m, "key"), active)
        .await
    {
        Ok(()) => {
            let text = if active {
                "Kategori ditawarkan lagi."
            } else {
                "Kategori tidak ditawarkan lagi; pengaduan lama tetap memakainya."
            };
            notice(&mut p, text.into(), false);
            page(&state, &who, "categories", StatusCode::OK, p).await
        }
        Err(crate::app::categories::CategoryError::Store(_)) => super::unavailable(&state),
        Err(_) => super::not_found(&state),
    }
}
