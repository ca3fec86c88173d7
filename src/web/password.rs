//! `/akun/sandi/{token}`: the page behind the one-time set-password link an
//! admin hands over (valid 24 hours, once). The token is in the path, so it
//! never reaches a log line (the log names the route pattern) nor another
//! site (`Referrer-Policy: no-referrer`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{esc, html, page};
use crate::domain::account::password_problem;
use crate::http::AppState;

const TITLE: &str = "Atur kata sandi";

fn form_page(office: &str, error_new: Option<&str>, error_again: Option<&str>) -> String {
    let err = |e: Option<&str>, id: &str| {
        e.map(|m| format!("<p class=\"error\" id=\"{id}\">{}</p>", esc(m)))
            .unwrap_or_default()
    };
    let described = |e: Option<&str>, id: &str, hint: &str| match e {
        Some(_) => format!(" aria-describedby=\"{hint} {id}\" aria-invalid=\"true\""),
        None => format!(" aria-describedby=\"{hint}\""),
    };
    let body = format!(
        "<p>Buat kata sandi untuk akun Anda di layanan pengaduan. Tautan ini hanya dapat dipakai sekali.</p>\n\
         <form method=\"post\" autocomplete=\"off\">\n\
         <label for=\"password\">Kata sandi baru</label>\n\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"200\"{d1}>\n\
         <p class=\"hint\" id=\"password-hint\">Paling sedikit 10 karakter. Kalimat pendek yang mudah Anda ingat lebih kuat daripada kata yang rumit.</p>\n\
         {e1}\n\
         <label for=\"password_again\">Ulangi kata sandi</label>\n\
         <input type=\"password\" id=\"password_again\" name=\"password_again\" autocomplete=\"new-password\" required maxlength=\"200\"{d2}>\n\
         <p class=\"hint\" id=\"again-hint\">Ketik sekali lagi, untuk memastikan tidak salah ketik.</p>\n\
         {e2}\n\
         <button type=\"submit\">Simpan kata sandi</button>\n\
         </form>",
        d1 = described(error_new, "password-error", "password-hint"),
        d2 = described(error_again, "again-error", "again-hint"),
        e1 = err(error_new, "password-error"),
        e2 = err(error_again, "again-error"),
    );
    page(office, TITLE, &body)
}

pub async fn form(state: web::Data<AppState>, _token: web::Path<String>) -> HttpResponse {
    html(
        StatusCode::OK,
        form_page(&state.settings.office_name, None, None),
    )
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let office = &state.settings.office_name;
    let f = form.into_inner();
    if let Some(rule) = password_problem(&f.password, "") {
        return html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(office, Some(rule.id()), None),
        );
    }
    if f.password != f.password_again {
        return html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                office,
                None,
                Some("Kedua kata sandi tidak sama. Ketik ulang keduanya."),
            ),
        );
    }
    let origin = crate::http::session::origin_of(&req);
    let now = chrono::Utc::now();
    match state
        .app
        .set_password_with_link(&token, f.password, &origin, now)
        .await
    {
        Ok(Some(a)) => html(
            StatusCode::OK,
            page(
                office,
                "Kata sandi tersimpan",
                &format!(
                    "<p class=\"notice\">Kata sandi Anda sudah tersimpan. Sekarang Anda dapat masuk dengan nama pengguna <strong>{}</strong> dan kata sandi ini.</p>",
                    esc(&a.login)
                ),
            ),
        ),
        Ok(None) => html(
            StatusCode::NOT_FOUND,
            page(
                office,
                "Tautan tidak berlaku",
                "<p class=\"notice bad\">Tautan ini tidak dikenal, sudah dipakai, atau sudah kedaluwarsa (berlaku 24 jam). Mintalah tautan baru kepada admin.</p>",
            ),
        ),
        Err(crate::app::accounts::AccountError::Invalid(_)) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                office,
                Some("Kata sandi ini tidak dapat dipakai. Pilih yang lain."),
                None,
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "setting a password failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    office,
                    "Sedang ada gangguan",
                    "<p class=\"notice bad\">Kata sandi belum tersimpan karena ada gangguan. Coba lagi beberapa saat lagi.</p>",
                ),
            )
        }
    }
}
