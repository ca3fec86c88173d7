//! The signed-in caller and its session plumbing, for both doors: the
//! session and device cookies, the CSRF token and the Origin check, the
//! client's address behind trusted proxies.

use actix_web::http::header;
use actix_web::{HttpRequest, web};

use crate::domain::Role;
use crate::domain::access::same_secret;
use crate::store::Actor;

use super::state::AppState;

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

    /// A caller with an API key.
    pub fn with_key(actor: Actor) -> Self {
        Caller {
            actor,
            session: None,
        }
    }

    /// A signed-in person.
    pub fn signed_in(ctx: SessionCtx) -> Self {
        Caller {
            actor: ctx.account.actor(),
            session: Some(Box::new(ctx)),
        }
    }

    /// The session, when the caller signed in (not a key).
    pub fn session(&self) -> Option<&SessionCtx> {
        self.session.as_deref()
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

/// The Origin check alone: a browser's state change must come from our own
/// pages (or send no Origin, as some older browsers do on same-site forms).
pub fn same_origin(req: &HttpRequest, public_base_url: &str) -> bool {
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
pub fn request_host(req: &HttpRequest) -> Option<String> {
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
pub fn form_csrf_ok(req: &HttpRequest, caller: &Caller, sent: &str, base: &str) -> bool {
    caller
        .session()
        .is_some_and(|s| same_secret(sent.as_bytes(), s.session.csrf_token.as_bytes()))
        && same_origin(req, base)
}

/// The signed-in person of a console request (the cookie), without the
/// header CSRF check of the JSON door: the console checks its forms' token
/// itself. `None` when there is no live session.
pub async fn session_caller(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<Caller>, crate::store::StoreError> {
    let Some(cookie) = read_cookie(req, cookie_name(&state.settings)) else {
        return Ok(None);
    };
    let Some((session, account)) = state.app.session(&cookie, chrono::Utc::now()).await? else {
        return Ok(None);
    };
    Ok(Some(Caller::signed_in(SessionCtx { session, account })))
}
