//! Who is calling: an API key (`Authorization: Bearer <key>`; random 256-bit
//! tokens, only their SHA-256 digest stored, docs/adr/0003) or a signed-in
//! person (the session cookie, with CSRF checks on changes; docs/adr/0014).

use crate::domain::access::same_secret;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::Actor;

use super::error::ApiError;
use super::state::AppState;
pub use crate::http::session::{
    Caller, SessionCtx, client_ip, cookie_name, device_cookie, device_cookie_name, form_csrf_ok,
    origin_of, read_cookie, request_host, same_origin, session_caller, session_cookie,
};

const TOKEN_PREFIX: &str = "adn_";

/// A fresh key: `(token shown once, its digest, a short hint for lists)`.
pub fn new_token() -> (String, String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let digest = token_digest(&token);
    let hint = format!("{}…", &token[..TOKEN_PREFIX.len() + 6]);
    (token, digest, hint)
}

pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A signed-in person's session, when the request came with the cookie.
/// The header a session-authenticated state change must carry.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Cross-site request forgery checks for a state change made with a
/// session: the per-session token, and the Origin (when sent) must be ours.
fn check_csrf(req: &HttpRequest, s: &SessionCtx, public_base_url: &str) -> Result<(), ApiError> {
    use actix_web::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let forbidden = |detail: &str| ApiError::Auth {
        status: 403,
        slug: "csrf",
        title: "Cross-site request refused",
        detail: detail.to_string(),
        retry_after_secs: None,
    };
    if !same_origin(req, public_base_url) {
        return Err(forbidden("the request comes from another site (Origin)"));
    }
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !same_secret(sent.as_bytes(), s.session.csrf_token.as_bytes()) {
        return Err(forbidden(
            "a change made with a session needs its csrf_token in the X-CSRF-Token header",
        ));
    }
    Ok(())
}

/// The caller as resolved by [`authenticate`] before routing.
#[derive(Clone)]
struct Resolved(Result<Caller, ApiError>);

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        })
}

/// Resolves a request's credentials: a bearer key, or the session cookie
/// (with the CSRF and two-factor checks).
/// The actor an API key acts as; `None` for an unknown or revoked key.
pub(crate) async fn actor_for_key(
    state: &AppState,
    token: &str,
) -> Result<Option<Actor>, crate::store::StoreError> {
    state
        .app
        .keys
        .actor(state.store.as_ref(), &token_digest(token))
        .await
}

async fn resolve(state: &AppState, req: &HttpRequest) -> Result<Caller, ApiError> {
    if let Some(token) = bearer(req) {
        let actor = actor_for_key(state, &token)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        return Ok(Caller::with_key(actor));
    }
    let cookie = read_cookie(req, cookie_name(&state.settings)).ok_or(ApiError::Unauthorized)?;
    let (session, account) = state
        .app
        .session(&cookie, chrono::Utc::now())
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let ctx = SessionCtx { session, account };
    check_csrf(req, &ctx, &state.settings.public_base_url)?;
    if state.app.must_enrol_totp(&ctx.account) && !req.path().starts_with("/api/v1/auth/") {
        return Err(ApiError::Auth {
            status: 403,
            slug: "two-factor-required",
            title: "Two-factor sign-in required",
            detail: "this role must enrol two-factor sign-in first: POST /api/v1/auth/totp".into(),
            retry_after_secs: None,
        });
    }
    Ok(Caller::signed_in(ctx))
}

/// Middleware: resolves the credentials of an API request before routing
/// and extraction, so that a wrong key is answered 401 before a malformed
/// path or body is looked at (actix would otherwise resolve a failing path
/// extractor while the key look-up is still waiting on the database).
pub async fn authenticate(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let has_credentials = req.path().starts_with("/api/")
        && (req.headers().contains_key(header::AUTHORIZATION)
            || req.headers().contains_key(header::COOKIE));
    if has_credentials && let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
        let resolved = resolve(&state, req.request()).await;
        req.extensions_mut().insert(Resolved(resolved));
    }
    next.call(req).await
}

/// The API's refusal when the caller may not do something.
impl Caller {
    pub fn require(&self, allowed: bool, why: &'static str) -> Result<(), ApiError> {
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(why))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage;
        if let Some(Resolved(r)) = req.extensions().get::<Resolved>().cloned() {
            return Box::pin(std::future::ready(r));
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("app state missing".into()))?;
            resolve(&state, &req).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_prefixed_and_hashed() {
        let (a, da, ha) = new_token();
        let (b, db, _) = new_token();
        assert_ne!(a, b);
        assert_ne!(da, db);
        assert!(a.starts_with("adn_") && a.len() == 4 + 43);
        assert_eq!(da, token_digest(&a));
        assert!(a.starts_with(ha.trim_end_matches('…')));
    }
}
