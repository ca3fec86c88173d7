//! My account: two-factor enrolment (QR code, confirmation, recovery codes
//! shown once) and my sign-in sessions, each of which I can end.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Section, Staff, render, staff_with};
use crate::http::AppState;
use crate::http::session::origin_of;
use crate::words;

pub struct Enrolment {
    pub qr_svg: String,
    pub secret: String,
}

pub struct SessionRow {
    pub id: String,
    pub current: bool,
    pub created: String,
    pub seen: String,
    pub address: Option<String>,
    pub agent: Option<String>,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    layout: Layout,
    login: String,
    role: &'static str,
    officer: Option<String>,
    totp_enabled: bool,
    required: bool,
    enrolment: Option<Enrolment>,
    recovery: Option<Vec<String>>,
    error: Option<String>,
    sessions: Vec<SessionRow>,
    /// The officer's address, where notifications may be mailed.
    notify_address: Option<String>,
    notify_email: bool,
}

#[derive(Default)]
struct Shown {
    enrolment: Option<Enrolment>,
    recovery: Option<Vec<String>>,
    error: Option<String>,
    notice: Option<String>,
}

async fn show(state: &AppState, who: &Staff, shown: Shown) -> HttpResponse {
    let Some(s) = who.caller.session() else {
        return super::unavailable(state);
    };
    // the account as it is now (two-factor may have just been enabled)
    let account = match state.store.get_account(s.account.id).await {
        Ok(Some(a)) => a,
        Ok(None) => s.account.clone(),
        Err(_) => return super::unavailable(state),
    };
    let sessions = match state.store.list_sessions(account.id).await {
        Ok(v) => v,
        Err(_) => return super::unavailable(state),
    };
    let notify_address = match &account.officer {
        Some(o) => match state.store.get_officer(o.id).await {
            Ok(x) => x.and_then(|x| x.email),
            Err(_) => return super::unavailable(state),
        },
        None => None,
    };
    let tz = state.settings.office_timezone;
    let mut layout = Layout::for_staff(state, who, "Akun saya", Section::Account);
    if let Some(n) = shown.notice {
        layout.notices.push(super::Notice {
            text: n,
            bad: false,
        });
    }
    render(
        StatusCode::OK,
        &AccountPage {
            layout,
            login: account.login.clone(),
            role: words::role(account.role),
            officer: account.officer.as_ref().map(|o| match &o.position_title {
                Some(p) => format!("{}, {p}", o.name),
                None => o.name.clone(),
            }),
            notify_address,
            notify_email: account.notify_email,
            totp_enabled: account.totp_enabled && shown.recovery.is_none(),
            required: state.app.must_enrol_totp(&account),
            enrolment: shown.enrolment,
            recovery: shown.recovery,
            error: shown.error,
            sessions: sessions
                .into_iter()
                .filter(|x| x.ended_at.is_none())
                .map(|x| SessionRow {
                    current: x.id == s.session.id,
                    id: x.id.to_string(),
                    created: words::waktu(x.created_at, tz),
                    seen: words::waktu(x.last_seen_at, tz),
                    address: x.address,
                    agent: x.user_agent.map(|u| u.chars().take(120).collect()),
                })
                .collect(),
        },
    )
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match staff_with(&state, &req, true).await {
        Ok(who) => show(&state, &who, Shown::default()).await,
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn start_totp(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let who = match super::staff_form(&state, &req, &form.csrf, true).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(s) = who.caller.session() else {
        return super::unavailable(&state);
    };
    if s.account.totp_enabled {
        return show(&state, &who, Shown::default()).await;
    }
    match state.app.start_totp(&s.account).await {
        Ok(e) => {
            let shown = Shown {
                enrolment: Some(Enrolment {
                    qr_svg: e.qr_svg,
                    secret: e.secret_base32,
                }),
                ..Default::default()
            };
            show(&state, &who, shown).await
        }
        Err(_) => super::unavailable(&state),
    }
}

pub async fn confirm_totp(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let who = match super::staff_form(&state, &req, &form.csrf, true).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(s) = who.caller.session() else {
        return super::unavailable(&state);
    };
    let code: String = form.code.chars().filter(|c| c.is_ascii_digit()).collect();
    match state
        .app
        .confirm_totp(&s.account, &code, &origin_of(&req), chrono::Utc::now())
        .await
    {
        Ok(Some(codes)) => {
            let shown = Shown {
                recovery: Some(codes),
                notice: Some("Verifikasi dua langkah sudah aktif.".into()),
                ..Default::default()
            };
            show(&state, &who, shown).await
        }
        Ok(None) => {
            let shown = Shown {
                error: Some(
                    "Kode tidak cocok atau sudah kedaluwarsa. Mulai aktivasi lagi dan masukkan kode yang sedang tampil."
                        .into(),
                ),
                ..Default::default()
            };
            show(&state, &who, shown).await
        }
        Err(_) => super::unavailable(&state),
    }
}

pub async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let who = match super::staff_form(&state, &req, &form.csrf, true).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (Some(s), Ok(sid)) = (who.caller.session(), id.parse::<Uuid>()) else {
        return super::unavailable(&state);
    };
    let _ = state
        .app
        .end_own_session(&s.account, sid, &origin_of(&req), chrono::Utc::now())
        .await;
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/console/account"))
        .finish()
}

/// `POST /console/account/notifications`: notifications by email, on or off.
pub async fn notify_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(s) = who.caller.session() else {
        return super::unavailable(&state);
    };
    let on = !super::actions::first(&m, "email").is_empty();
    if let Err(e) = state.app.set_notification_email(s.account.id, on).await {
        tracing::error!(error = %e, "console: notification preference not saved");
        return super::unavailable(&state);
    }
    let notice = if on {
        "Pemberitahuan juga akan dikirim ke email Anda."
    } else {
        "Pemberitahuan tidak lagi dikirim ke email Anda."
    };
    show(
        &state,
        &who,
        Shown {
            notice: Some(notice.into()),
            ..Shown::default()
        },
    )
    .await
}
