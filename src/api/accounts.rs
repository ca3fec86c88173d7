//! Personal staff accounts over HTTP: sign-in and sign-out (the JSON doors
//! the console's forms share the core with), my account, my sessions,
//! two-factor enrolment, set-password links; for admins the accounts, their
//! locks, key revocation and the authentication audit log.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::{Caller, SessionCtx, origin_of, session_cookie};
use super::error::ApiError;
use super::extract::json_body;
use super::state::AppState;
use crate::app::accounts::{SignIn, account_role};
use crate::domain::{Role, ValidationErrors};
use crate::store::{Account, AccountOutcome, AccountPatch, ApiKey, AuthAudit, Session};

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    caller.require(caller.role() == Role::Admin, "only admins manage accounts")
}

fn require_session(caller: &Caller) -> Result<&SessionCtx, ApiError> {
    caller.session().ok_or(ApiError::Forbidden(
        "this is for a signed-in person (the session cookie), not for an API key",
    ))
}

fn auth_problem(status: u16, slug: &'static str, title: &'static str, detail: &str) -> ApiError {
    ApiError::Auth {
        status,
        slug,
        title,
        detail: detail.to_string(),
        retry_after_secs: None,
    }
}

/// An account as shown (never a hash, secret or code).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: Uuid,
    pub login: String,
    pub role: String,
    pub officer_id: Option<Uuid>,
    pub officer_name: Option<String>,
    pub position_title: Option<String>,
    pub active: bool,
    /// A password has been set (through the link or at creation).
    pub password_set: bool,
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        AccountView {
            id: a.id,
            login: a.login.clone(),
            role: a.role.to_string(),
            officer_id: a.officer.as_ref().map(|o| o.id),
            officer_name: a.officer.as_ref().map(|o| o.name.clone()),
            position_title: a.officer.as_ref().and_then(|o| o.position_title.clone()),
            active: a.active && a.officer_active,
            password_set: a.password_hash.is_some(),
            totp_enabled: a.totp_enabled,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub login: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub password: Option<String>,
    /// The 6-digit code from the authenticator app, or a recovery code.
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    pub account: AccountView,
    /// Send it as `X-CSRF-Token` with every change made with this session.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// This role must enrol two-factor sign-in before it can work.
    pub must_enrol_totp: bool,
}

/// Sign in with a password (and the TOTP code when two-factor is on). The
/// answer sets the session cookie (`HttpOnly`, `SameSite=Lax`; `Secure` and
/// `__Host-` when the public URL is https). An unknown name and a wrong
/// password get the same answer; repeated failures get growing delays (429
/// with `Retry-After`), then a lockout of the name that lifts by itself
/// (423 with `Retry-After`; an admin can lift it sooner) and does not hold a
/// browser that signed in to the account before (its device cookie, set
/// here). Many sign-ins at once wait for a hashing slot; past a few seconds
/// they get 429 with `Retry-After: 1`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = SignedIn,
         headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 401, description = "Unknown name or wrong password (type …/invalid-credentials), or the TOTP code is needed (…/totp-required)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 423, description = "The name is locked for a while after repeated failures: `Retry-After` says how long", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many recent failures, or too many sign-ins at once: wait `Retry-After` seconds", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: LoginInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let login = b.login.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let password = b.password.as_deref().filter(|s| !s.is_empty());
    if login.is_none() {
        e.push("login", "is required");
    }
    if password.is_none() {
        e.push("password", "is required");
    }
    let (Some(login), Some(password)) = (login, password) else {
        return Err(e.into());
    };
    if login.chars().count() > 200 || password.chars().count() > 1000 {
        return Err(auth_problem(
            401,
            "invalid-credentials",
            "Sign-in failed",
            "unknown name or wrong password",
        ));
    }
    let origin = origin_of(&req);
    match state
        .app
        .sign_in(login, password, b.totp.as_deref(), &origin, now())
        .await
        .map_err(account_error)?
    {
        SignIn::Ok {
            token,
            device,
            session,
            account,
        } => Ok(HttpResponse::Ok()
            .append_header((
                header::SET_COOKIE,
                session_cookie(&state.settings, Some(&token)),
            ))
            .append_header((
                header::SET_COOKIE,
                crate::api::auth::device_cookie(&state.settings, &device),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(SignedIn {
                must_enrol_totp: state.app.must_enrol_totp(&account),
                account: AccountView::from(account.as_ref()),
                csrf_token: session.csrf_token,
                expires_at: session.expires_at,
            })),
        SignIn::Invalid => Err(auth_problem(
            401,
            "invalid-credentials",
            "Sign-in failed",
            "unknown name or wrong password",
        )),
        SignIn::TotpRequired => Err(auth_problem(
            401,
            "totp-required",
            "Two-factor code required",
            "send the 6-digit code from the authenticator app (or a recovery code) as `totp`",
        )),
        SignIn::Delayed(secs) => Err(ApiError::Auth {
            status: 429,
            slug: "sign-in-delayed",
            title: "Too many failed sign-ins",
            detail: format!("try again in {secs} seconds"),
            retry_after_secs: Some(secs),
        }),
        SignIn::Locked(secs) => Err(ApiError::Auth {
            status: 423,
            slug: "account-locked",
            title: "Sign-in locked",
            detail: format!(
                "too many failed sign-ins of this name: it unlocks by itself in {secs} seconds \
                 (an admin can unlock it sooner); a browser that signed in to the account before \
                 is not held by the lock"
            ),
            retry_after_secs: Some(secs),
        }),
    }
}

fn account_error(e: crate::app::accounts::AccountError) -> ApiError {
    use crate::app::accounts::AccountError as E;
    match e {
        E::Store(s) => s.into(),
        E::Invalid(v) => ApiError::Validation(v),
        E::Hash(h) => ApiError::Internal(h),
        E::Busy => ApiError::Auth {
            status: 429,
            slug: "busy",
            title: "Busy",
            detail: "many sign-ins at once: try again in a moment".into(),
            retry_after_secs: Some(1),
        },
    }
}

/// Sign out: the session ends and the cookie is cleared.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    params(("X-CSRF-Token" = String, Header, description = "The session's csrf_token")),
    responses((status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No CSRF token, or an API key", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    state
        .app
        .sign_out(&s.account, s.session.id, &origin_of(&req), now())
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, session_cookie(&state.settings, None)))
        .finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub account: Option<AccountView>,
    /// The caller's role and name (for an API key too).
    pub role: String,
    pub name: String,
    /// For a session: send it as `X-CSRF-Token` with every change.
    pub csrf_token: Option<String>,
    pub must_enrol_totp: bool,
    pub recovery_codes_left: Option<i64>,
}

/// Who am I: the account behind the session (or the key's role and name).
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "accounts",
    responses((status = 200, body = Me),
        (status = 401, description = "Not signed in", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = caller.session();
    let left = match s {
        Some(s) if s.account.totp_enabled => {
            Some(state.store.count_recovery_codes(s.account.id).await?)
        }
        _ => None,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Me {
            account: s.map(|s| AccountView::from(&s.account)),
            role: caller.role().to_string(),
            name: caller.actor().name.clone(),
            csrf_token: s.map(|s| s.session.csrf_token.clone()),
            must_enrol_totp: s.is_some_and(|s| state.app.must_enrol_totp(&s.account)),
            recovery_codes_left: left,
        }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordInput {
    /// The token of the one-time link (the last part of its path).
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub token: Option<String>,
    /// At least 10 characters; the most common passwords are refused.
    #[schema(required = true, nullable = false, min_length = 10, max_length = 200)]
    pub password: Option<String>,
}

/// Set the password through a one-time link (valid 24 hours, once). Every
/// session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "accounts", request_body = SetPasswordInput,
    responses((status = 204, description = "The password is set: sign in with it"),
        (status = 404, description = "The link is unknown, used or expired", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password is too weak (the rule is named)", body = super::error::Problem, content_type = "application/problem+json")))]
pub async fn set_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: SetPasswordInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    if b.token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        e.push("token", "is required");
    }
    if b.password.as_deref().is_none_or(str::is_empty) {
        e.push("password", "is required");
    }
    let (Some(token), Some(password), true) = (b.token, b.password, e.is_empty()) else {
        return Err(e.into());
    };
    match state
        .app
        .set_password_with_link(token.trim(), password, &origin_of(&req), now())
        .await
        .map_err(account_error)?
    {
        Some(_) => Ok(HttpResponse::NoContent().finish()),
        None => Err(ApiError::NotFound(
            "This link is unknown, used or expired: ask an admin for a new one.",
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordInput {
    pub current_password: Option<String>,
    #[schema(required = true, nullable = false, min_length = 10, max_length = 200)]
    pub new_password: Option<String>,
}

/// Change my password (the current one is required); my other sessions end.
#[utoipa::path(put, path = "/api/v1/auth/me/password", tag = "accounts", request_body = ChangePasswordInput,
    responses((status = 204, description = "Changed"),
        (status = 403, description = "Wrong current password, or not a session", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too weak", body = super::error::Problem, content_type = "application/problem+json")),
    security(("session" = [])))]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    let b: ChangePasswordInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    if b.current_password.as_deref().is_none_or(str::is_empty) {
        e.push("current_password", "is required");
    }
    if b.new_password.as_deref().is_none_or(str::is_empty) {
        e.push("new_password", "is required");
    }
    let (Some(cur), Some(new), true) = (b.current_password, b.new_password, e.is_empty()) else {
        return Err(e.into());
    };
    if state
        .app
        .change_password(&s.account, s.session.id, &cur, new, &origin_of(&req), now())
        .await
        .map_err(account_error)?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::Forbidden("the current password is not right"))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// The session of this request.
    pub current: bool,
}

fn session_view(s: Session, current: Uuid) -> SessionView {
    SessionView {
        current: s.id == current,
        id: s.id,
        created_at: s.created_at,
        last_seen_at: s.last_seen_at,
        expires_at: s.expires_at,
        address: s.address,
        user_agent: s.user_agent,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

/// My live sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "accounts",
    responses((status = 200, body = SessionList)), security(("session" = [])))]
pub async fn sessions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    let items = state
        .store
        .list_sessions(s.account.id)
        .await?
        .into_iter()
        .map(|x| session_view(x, s.session.id))
        .collect();
    Ok(HttpResponse::Ok().json(SessionList { items }))
}

/// End one of my sessions (another browser, a lost phone).
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 204, description = "Ended"),
        (status = 404, description = "Not a live session of mine", body = super::error::Problem, content_type = "application/problem+json")),
    security(("session" = [])))]
pub async fn end_session(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    if state
        .app
        .end_own_session(&s.account, id.into_inner(), &origin_of(&req), now())
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound("No live session of yours with this id."))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpStart {
    /// For typing into the app by hand (shown this once).
    pub secret: String,
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri`, as SVG.
    pub qr_svg: String,
}

/// Start two-factor enrolment: scan the QR code with an authenticator app,
/// then confirm with a code. Until confirmed, sign-in does not ask for one.
#[utoipa::path(post, path = "/api/v1/auth/totp", tag = "accounts",
    responses((status = 200, body = TotpStart),
        (status = 409, description = "Two-factor is on already", body = super::error::Problem, content_type = "application/problem+json")),
    security(("session" = [])))]
pub async fn totp_start(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    if s.account.totp_enabled {
        return Err(ApiError::Conflict(
            "two-factor sign-in is on already".into(),
        ));
    }
    let t = state
        .app
        .start_totp(&s.account)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TotpStart {
            secret: t.secret_base32,
            otpauth_uri: t.otpauth_uri,
            qr_svg: t.qr_svg,
        }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    /// A 6-digit code from the authenticator app.
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes, each usable once instead of the app's code. Shown once: print or store them.
    pub recovery_codes: Vec<String>,
}

/// Confirm enrolment with a code from the app: two-factor is on, and the
/// answer holds the recovery codes (shown once).
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "accounts", request_body = CodeInput,
    responses((status = 200, body = RecoveryCodes),
        (status = 422, description = "Wrong code, or no enrolment started", body = super::error::Problem, content_type = "application/problem+json")),
    security(("session" = [])))]
pub async fn totp_confirm(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    let b: CodeInput = json_body(&req, &body)?;
    let code = b.code.unwrap_or_default();
    match state
        .app
        .confirm_totp(&s.account, &code, &origin_of(&req), now())
        .await
        .map_err(account_error)?
    {
        Some(codes) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(RecoveryCodes {
                recovery_codes: codes,
            })),
        None => Err(ApiError::field(
            "code",
            "is not the app's current code (or start enrolment first: POST /api/v1/auth/totp)",
        )),
    }
}

/// Turn my two-factor sign-in off (with a current code); refused for roles that require it.
#[utoipa::path(delete, path = "/api/v1/auth/totp", tag = "accounts", request_body = CodeInput,
    responses((status = 204, description = "Off"),
        (status = 409, description = "This role requires two-factor", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong code", body = super::error::Problem, content_type = "application/problem+json")),
    security(("session" = [])))]
pub async fn totp_disable(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let s = require_session(&caller)?;
    let b: CodeInput = json_body(&req, &body)?;
    if state.settings.require_2fa.contains(&s.account.role) {
        return Err(ApiError::Conflict(format!(
            "the role {} requires two-factor sign-in",
            s.account.role
        )));
    }
    if !s.account.totp_enabled {
        return Ok(HttpResponse::NoContent().finish());
    }
    if !state
        .app
        .totp_code_valid(&s.account, b.code.as_deref().unwrap_or(""), now())
    {
        return Err(ApiError::field("code", "is not the app's current code"));
    }
    state
        .app
        .disable_totp(&s.account, None, &origin_of(&req), now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub officer_id: Option<Uuid>,
}

impl From<ApiKey> for KeyView {
    fn from(k: ApiKey) -> Self {
        KeyView {
            id: k.id,
            name: k.name,
            role: k.role.to_string(),
            hint: k.hint,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
            officer_id: k.officer.map(|o| o.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyView>,
}

/// The API keys bound to my officer (never the keys themselves).
#[utoipa::path(get, path = "/api/v1/auth/keys", tag = "accounts",
    responses((status = 200, body = KeyList)), security(("bearer" = []), ("session" = [])))]
pub async fn my_keys(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let items = match &caller.actor().officer {
        Some(o) => state
            .store
            .officer_keys(o.id)
            .await?
            .into_iter()
            .map(KeyView::from)
            .collect(),
        None => Vec::new(),
    };
    Ok(HttpResponse::Ok().json(KeyList { items }))
}

/// Every API key (admins; never the keys themselves).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "accounts",
    responses((status = 200, body = KeyList),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_keys(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let items = state
        .store
        .list_api_keys()
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect();
    Ok(HttpResponse::Ok().json(KeyList { items }))
}

/// Revoke a key at once (admins); audited.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No live key with this id", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    if state
        .app
        .revoke_key(id.into_inner(), &caller.actor().name, now())
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound("No live API key with this id."))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountInput {
    /// The sign-in name, e.g. the person's email address.
    #[schema(
        required = true,
        nullable = false,
        min_length = 3,
        max_length = 100,
        pattern = r"^[A-Za-z0-9.@_+-]{3,100}$"
    )]
    pub login: Option<String>,
    /// admin, reception, liaison, official, head or manager.
    #[schema(
        required = true,
        nullable = false,
        pattern = "^(admin|reception|liaison|official|head|manager)$"
    )]
    pub role: Option<String>,
    /// The officer the person is (their position and acting appointments apply).
    pub officer_id: Option<Uuid>,
    /// Also email the link to the officer's address (through the outbox).
    pub send_link: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountCreated {
    pub account: AccountView,
    /// The one-time set-password link to hand over (valid 24 hours, once).
    pub set_password_url: String,
    pub expires_at: DateTime<Utc>,
}

/// Create a person's account (admins). The answer holds a one-time
/// set-password link (24 hours) to hand over.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = NewAccountInput,
    responses((status = 201, body = AccountCreated),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The sign-in name is taken", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_account(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: NewAccountInput = json_body(&req, &body)?;
    let role = match b.role.as_deref().map(str::parse::<Role>) {
        Some(Ok(r)) if account_role(r) => r,
        _ => {
            return Err(ApiError::field(
                "role",
                "must be admin, reception, liaison, official, head or manager",
            ));
        }
    };
    let out = state
        .app
        .create_account(
            crate::app::accounts::AccountRequest {
                login: b.login.as_deref().unwrap_or(""),
                role,
                officer_id: b.officer_id,
                password: None,
                send_link: b.send_link.unwrap_or(false),
            },
            &caller.actor().name,
            now(),
        )
        .await
        .map_err(account_error)?;
    match out {
        Ok(c) => {
            let (url, expires_at) = c
                .link
                .ok_or_else(|| ApiError::Internal("no link for a new account".into()))?;
            Ok(HttpResponse::Created()
                .insert_header((
                    header::LOCATION,
                    format!("/api/v1/accounts/{}", c.account.id),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(AccountCreated {
                    account: AccountView::from(&c.account),
                    set_password_url: url,
                    expires_at,
                }))
        }
        Err(AccountOutcome::LoginTaken) => {
            Err(ApiError::Conflict("this sign-in name is taken".into()))
        }
        Err(_) => Err(ApiError::field("officer_id", "no such officer")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub items: Vec<AccountView>,
}

/// Every account (admins).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    responses((status = 200, body = AccountList),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_accounts(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let items = state
        .store
        .list_accounts()
        .await?
        .iter()
        .map(AccountView::from)
        .collect();
    Ok(HttpResponse::Ok().json(AccountList { items }))
}

async fn account_or_404(state: &AppState, id: Uuid) -> Result<Account, ApiError> {
    state
        .store
        .get_account(id)
        .await?
        .ok_or(ApiError::NotFound("No account with this id."))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    #[schema(pattern = "^(admin|reception|liaison|official|head|manager)$")]
    pub role: Option<String>,
    /// `false` ends every session of the account at once.
    pub active: Option<bool>,
}

/// Change an account's role, or deactivate it (its sessions end at once).
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")), request_body = AccountChange,
    responses((status = 200, body = AccountView),
        (status = 404, description = "Unknown account", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_account(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: AccountChange = json_body(&req, &body)?;
    let role = match b.role.as_deref().map(str::parse::<Role>) {
        None => None,
        Some(Ok(r)) if account_role(r) => Some(r),
        Some(_) => {
            return Err(ApiError::field(
                "role",
                "must be admin, reception, liaison, official, head or manager",
            ));
        }
    };
    let patch = AccountPatch {
        role,
        active: b.active,
    };
    let a = state
        .app
        .update_account(id.into_inner(), &patch, &caller.actor().name, now())
        .await?
        .ok_or(ApiError::NotFound("No account with this id."))?;
    Ok(HttpResponse::Ok().json(AccountView::from(&a)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordLink {
    pub set_password_url: String,
    pub expires_at: DateTime<Utc>,
}

/// A new one-time set-password link for an account (a forgotten password).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/password-link", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 200, body = PasswordLink),
        (status = 404, description = "Unknown account", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn password_link(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let a = account_or_404(&state, id.into_inner()).await?;
    let (url, expires_at) = state
        .app
        .new_password_link(&a, &caller.actor().name, now())
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PasswordLink {
            set_password_url: url,
            expires_at,
        }))
}

/// Lift a sign-in lockout (and the delays) of an account.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/unlock", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 204, description = "Unlocked"),
        (status = 404, description = "Unknown account", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn unlock(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let a = account_or_404(&state, id.into_inner()).await?;
    state.app.unlock(&a, &caller.actor().name, now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Turn off an account's two-factor sign-in (a lost phone); the person enrols again.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/totp", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 204, description = "Two-factor is off"),
        (status = 404, description = "Unknown account", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn reset_totp(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let a = account_or_404(&state, id.into_inner()).await?;
    state
        .app
        .disable_totp(&a, Some(&caller.actor().name), &origin_of(&req), now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub account_id: Option<Uuid>,
    pub login: Option<String>,
    pub actor: Option<String>,
    pub address: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: serde_json::Value,
}

impl From<AuthAudit> for AuditView {
    fn from(a: AuthAudit) -> Self {
        AuditView {
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
            id: a.id,
            at: a.at,
            kind: a.kind,
            account_id: a.account_id,
            login: a.login,
            actor: a.actor,
            address: a.address,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    #[param(
        pattern = "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    pub cursor: Option<String>,
}

/// The authentication audit log, newest first (admins): sign-ins, failures,
/// lockouts, two-factor changes, sessions ended, keys revoked, officers who left.
#[utoipa::path(get, operation_id = "accounts_audit", path = "/api/v1/auth/audit", tag = "accounts", params(AuditParams),
    responses((status = 200, body = AuditList),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("session" = [])))]
pub async fn audit(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let mut e = ValidationErrors::default();
    let (limit, after) =
        super::extract::parse_page(&mut e, q.limit.as_deref(), q.cursor.as_deref());
    if !e.is_empty() {
        return Err(e.into());
    }
    let rows = state
        .store
        .list_audit(after.map(|c| (c.received_at, c.id)), limit + 1)
        .await?;
    let more = rows.len() > limit as usize;
    let items: Vec<AuditView> = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditView::from)
        .collect();
    let next_cursor = if more {
        items.last().map(|a| super::extract::cursor_at(a.at, a.id))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditList { items, next_cursor }))
}
