//! Signing in and out of the console (the accounts of docs/adr/0014).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, render, safe_next};
use crate::app::accounts::SignIn;
use crate::http::AppState;
use crate::http::session::{origin_of, session_cookie};

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    login: String,
    ask_totp: bool,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn page(
    state: &AppState,
    next: &str,
    login: &str,
    ask_totp: bool,
    error: Option<String>,
) -> LoginPage {
    LoginPage {
        layout: Layout::bare(state, "Masuk"),
        next: safe_next(next).to_string(),
        login: login.to_string(),
        ask_totp,
        error,
    }
}

pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<NextQuery>,
) -> HttpResponse {
    if let Ok(Some(_)) = crate::http::session::session_caller(&state, &req).await {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, safe_next(q.next.as_deref().unwrap_or(""))))
            .finish();
    }
    render(
        StatusCode::OK,
        &page(
            &state,
            q.next.as_deref().unwrap_or("/console"),
            "",
            false,
            None,
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let f = form.into_inner();
    let login = f.login.trim();
    if !crate::http::session::same_origin(&req, &state.settings.public_base_url) {
        return render(
            StatusCode::FORBIDDEN,
            &page(
                &state,
                &f.next,
                login,
                false,
                Some("Permintaan ini datang dari situs lain dan ditolak.".into()),
            ),
        );
    }
    if login.is_empty()
        || f.password.is_empty()
        || login.chars().count() > 200
        || f.password.chars().count() > 1000
    {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(
                &state,
                &f.next,
                login,
                false,
                Some("Isi nama pengguna dan kata sandi.".into()),
            ),
        );
    }
    let totp = Some(f.totp.trim()).filter(|t| !t.is_empty());
    let origin = origin_of(&req);
    let result = state
        .app
        .sign_in(login, &f.password, totp, &origin, chrono::Utc::now())
        .await;
    let again = |status, ask_totp, msg: &str| {
        render(
            status,
            &page(&state, &f.next, login, ask_totp, Some(msg.to_string())),
        )
    };
    match result {
        Ok(SignIn::Ok { token, device, .. }) => HttpResponse::SeeOther()
            .append_header((
                header::SET_COOKIE,
                session_cookie(&state.settings, Some(&token)),
            ))
            .append_header((
                header::SET_COOKIE,
                crate::http::session::device_cookie(&state.settings, &device),
            ))
            .insert_header((header::LOCATION, safe_next(&f.next)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Ok(SignIn::Invalid) => again(
            StatusCode::UNAUTHORIZED,
            false,
            "Nama pengguna atau kata sandi salah.",
        ),
        Ok(SignIn::TotpRequired) => again(
            StatusCode::UNAUTHORIZED,
            true,
            "Masukkan kode verifikasi dari aplikasi autentikator Anda.",
        ),
        Ok(SignIn::Delayed(secs)) => again(
            StatusCode::TOO_MANY_REQUESTS,
            false,
            &format!("Terlalu banyak percobaan yang gagal. Coba lagi dalam {secs} detik."),
        ),
        Ok(SignIn::Locked(secs)) => again(
            StatusCode::LOCKED,
            false,
            &format!(
                "Nama pengguna ini dikunci sementara karena terlalu banyak percobaan yang gagal. \
                 Kunci terbuka sendiri dalam {} menit, atau mintalah admin membukanya. \
                 Dari perangkat yang pernah Anda pakai masuk, Anda tetap bisa masuk.",
                secs.div_ceil(60)
            ),
        ),
        Err(crate::app::accounts::AccountError::Busy) => again(
            StatusCode::TOO_MANY_REQUESTS,
            false,
            "Banyak yang sedang masuk bersamaan. Coba lagi sebentar lagi.",
        ),
        Err(e) => {
            tracing::error!(error = %e, "console sign-in failed");
            super::unavailable(&state)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LogoutForm>,
) -> HttpResponse {
    if let Ok(Some(caller)) = crate::http::session::session_caller(&state, &req).await
        && crate::http::session::form_csrf_ok(
            &req,
            &caller,
            &form.csrf,
            &state.settings.public_base_url,
        )
        && let Some(s) = caller.session()
    {
        let _ = state
            .app
            .sign_out(
                &s.account,
                s.session.id,
                &origin_of(&req),
                chrono::Utc::now(),
            )
            .await;
    }
    HttpResponse::SeeOther()
        .insert_header((header::SET_COOKIE, session_cookie(&state.settings, None)))
        .insert_header((header::LOCATION, "/console/login"))
        .finish()
}
