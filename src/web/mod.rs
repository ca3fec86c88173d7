//! The door for people: server-rendered pages in Bahasa Indonesia, usable
//! without JavaScript, with every asset compiled into the binary. Handlers
//! are thin (parse → `app::App` → render), like the JSON door's.
//!
//! The page behind the one-time set-password link, and the staff console
//! (`console/`); the public pages (issue 15) land here too.

mod adukan;
pub mod console;
mod password;
pub mod public;
mod tamu;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Our stylesheets (no CDN, no framework).
const CSS: &str = include_str!("assets/aduan.css");
const CONSOLE_CSS: &str = include_str!("assets/console.css");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/assets/aduan.css").get(css))
        .service(web::resource("/assets/console.css").get(console_css))
        .service(web::resource("/assets/lacak.js").get(public::script))
        .service(web::resource("/assets/berkas.js").get(public::file_script))
        .service(
            web::resource("/lacak")
                .get(public::form)
                .post(public::lookup),
        )
        .service(web::resource("/lacak/balas").post(public::reply))
        .service(web::resource("/lacak/survei").post(public::survey))
        .service(web::resource("/lacak/{number}").get(public::form_for))
        .service(web::resource("/ikm").get(public::ikm))
        .service(
            web::resource("/skm/{token}")
                .get(public::skm_form)
                .post(public::skm_submit),
        )
        .service(
            web::resource("/adukan")
                .get(adukan::form)
                .post(adukan::submit),
        )
        .service(web::resource("/tamu").get(tamu::form).post(tamu::submit))
        .configure(console::routes)
        .service(
            web::resource("/akun/sandi/{token}")
                .get(password::form)
                .post(password::submit),
        );
}

async fn console_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CONSOLE_CSS)
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: the office's bar, the title and the body (already HTML).
pub(crate) fn page(office: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · {office}</title>\n<link rel=\"stylesheet\" href=\"/assets/aduan.css\">\n\
         </head>\n<body>\n<header class=\"bar\"><span class=\"office\">{office}</span></header>\n\
         <main>\n<div class=\"card\">\n<h1>{title}</h1>\n{body}\n</div>\n</main>\n</body>\n</html>\n",
        office = esc(office),
        title = esc(title),
    )
}

/// An HTML answer that is never cached, never framed, never sent as a referrer.
pub(crate) fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; frame-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(body)
}
