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

use crate::domain::Role;
use crate::store::Actor;

use super::error::ApiError;
use super::state::AppState;

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
#[derive(Debug, Clone)]
pub struct SessionCtx {
    pub session: crate::store::Session,
    pub account: crate::store::Account,
}

/// The authenticated caller of a request: an API key (`Authorization:
/// Bearer`) or a signed-in person (the session cookie).
#[derive(Debug, Clone)]
pub struct Caller {
    actor: Actor,
    session: Option<Box<SessionCtx>>,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.actor.role
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The session, when the caller signed in (not a key).
    pub fn session(&self) -> Option<&SessionCtx> {
        self.session.as_deref()
    }

    pub fn require(&self, allowed: bool, why: &'static str) -> Result<(), ApiError> {
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(why))
        }
    }
}

/// The session cookie's name: `__Host-` prefixed (and `Secure`) when the
/// public URL is https.
pub fn cookie_name(settings: &crate::config::Settings) -> &'static str {
    if settings.public_base_url.starts_with("https://") {
        "__Host-aduan_session"
    } else {
        "aduan_session"
    }
}

/// The `Set-Cookie` value for a new session token (or, with `None`, one that clears it).
pub fn session_cookie(settings: &crate::config::Settings, token: Option<&str>) -> String {
    let secure = if settings.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(t) => format!(
            "{}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            cookie_name(settings),
            settings.session_max.num_seconds()
        ),
        None => format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            cookie_name(settings)
        ),
    }
}

/// The name of the device cookie: set at each sign-in, it vouches for a
/// browser that signed in to an account before, which a lockout by
/// strangers does not hold (ADR 0015).
pub fn device_cookie_name(settings: &crate::config::Settings) -> &'static str {
    if settings.public_base_url.starts_with("https://") {
        "__Host-aduan_device"
    } else {
        "aduan_device"
    }
}

/// The `Set-Cookie` value for a device cookie.
pub fn device_cookie(settings: &crate::config::Settings, value: &str) -> String {
    let secure = if settings.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        device_cookie_name(settings),
        crate::app::accounts::DEVICE_DAYS * 86_400
    )
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn read_cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The client's address: the connection's peer, or — when the peer is a
/// trusted reverse proxy (`ADUAN_TRUSTED_PROXIES`) — the right-most address
/// of `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted: &[crate::config::IpNet]) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<std::net::IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .copied()
            .find(|ip| !is_trusted(*ip))
            .or_else(|| forwarded.first().copied())
            .unwrap_or(peer),
    )
}

/// Where the request came from: the client address and user agent.
pub fn origin_of(req: &HttpRequest) -> crate::app::accounts::Origin {
    let state = req.app_data::<web::Data<AppState>>();
    let trusted = state.map_or(&[][..], |s| s.settings.trusted_proxies.as_slice());
    crate::app::accounts::Origin {
        address: client_ip(req, trusted).map(|a| a.to_string()),
        device: state
            .and_then(|s| read_cookie(req, device_cookie_name(&s.settings)))
            .filter(|v| v.len() <= 200),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect()),
    }
}

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

/// The Origin check alone: a browser's state change must come from our own
/// pages (or send no Origin, as some older browsers do on same-site forms).
pub(crate) fn same_origin(req: &HttpRequest, public_base_url: &str) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let ours = public_base_url.trim_end_matches('/');
    let host = request_host(req);
    origin == ours
        || host.is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host.as_str())
        })
}

/// The host the request was sent to: the `Host` header — or, only when the
/// connection comes from a trusted proxy (`ADUAN_TRUSTED_PROXIES`), what it
/// forwards (`Forwarded: host=`, `X-Forwarded-Host`). A client's own
/// forwarding headers are never believed (ADR 0015).
fn request_host(req: &HttpRequest) -> Option<String> {
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map_or(&[][..], |s| s.settings.trusted_proxies.as_slice());
    let from_proxy = req
        .peer_addr()
        .is_some_and(|p| trusted.iter().any(|n| n.contains(p.ip())));
    if from_proxy {
        return Some(req.connection_info().host().to_string());
    }
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

/// For the console's forms: the session's CSRF token sent as a form field
/// (compared in constant time) and the Origin ours.
pub(crate) fn form_csrf_ok(req: &HttpRequest, caller: &Caller, sent: &str, base: &str) -> bool {
    caller
        .session()
        .is_some_and(|s| same_secret(sent.as_bytes(), s.session.csrf_token.as_bytes()))
        && same_origin(req, base)
}

/// The signed-in person of a console request (the cookie), without the
/// header CSRF check of the JSON door: the console checks its forms' token
/// itself. `None` when there is no live session.
pub(crate) async fn session_caller(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<Caller>, ApiError> {
    let Some(cookie) = read_cookie(req, cookie_name(&state.settings)) else {
        return Ok(None);
    };
    let Some((session, account)) = state.app.session(&cookie, chrono::Utc::now()).await? else {
        return Ok(None);
    };
    Ok(Some(caller_of(SessionCtx { session, account })))
}

fn caller_of(ctx: SessionCtx) -> Caller {
    let actor = ctx.account.actor();
    Caller {
        actor,
        session: Some(Box::new(ctx)),
    }
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
        return Ok(Caller {
            actor,
            session: None,
        });
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
    Ok(caller_of(ctx))
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
