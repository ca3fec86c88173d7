//! Personal staff accounts: creation and set-password links, sign-in with a
//! password and TOTP, sessions, two-factor enrolment and recovery codes,
//! throttling and lockout, the audit log, and what follows when a person
//! leaves (docs/adr/0014).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::App;
use crate::domain::account::{Login, otpauth_uri, totp_match};
use crate::domain::{Role, ValidationErrors};
use crate::store::{
    Account, AccountOutcome, AccountPatch, AuthAudit, NewAccount, Session, StoreError, Throttle,
};

/// How long a set-password link works.
pub const PASSWORD_LINK_HOURS: i64 = 24;
/// Failed sign-ins before delays start: of a name from one address (the
/// person mistyping, or a guesser at one machine); of a name from anywhere
/// (a guesser rotating addresses — a device that signed in before is spared
/// these); of an address (an office behind one NAT shares it).
const FREE_FAILURES_PAIR: i32 = 3;
const FREE_FAILURES_LOGIN: i32 = 5;
const FREE_FAILURES_ADDRESS: i32 = 20;
/// How long a device cookie vouches for a browser that signed in before.
pub const DEVICE_DAYS: i64 = 180;
const MAX_DELAY_SECS: u64 = 300;
const RECOVERY_CODES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid input")]
    Invalid(ValidationErrors),
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Every hashing slot stayed busy: come back in a moment (429).
    #[error("password hashing is busy")]
    Busy,
}

impl From<super::passwords::HashError> for AccountError {
    fn from(e: super::passwords::HashError) -> Self {
        match e {
            super::passwords::HashError::Busy => AccountError::Busy,
            super::passwords::HashError::Failed(m) => AccountError::Hash(m),
        }
    }
}

impl From<ValidationErrors> for AccountError {
    fn from(e: ValidationErrors) -> Self {
        AccountError::Invalid(e)
    }
}

/// How long a scope must wait after its latest failure: nothing for the
/// first `free` failures, then `first`, doubling with each failure, at most
/// five minutes.
pub fn sign_in_delay(first: std::time::Duration, failures: i32, free: i32) -> std::time::Duration {
    if failures < free {
        return std::time::Duration::ZERO;
    }
    let exp = u32::try_from(failures - free).unwrap_or(0).min(20);
    first
        .saturating_mul(1u32 << exp)
        .min(std::time::Duration::from_secs(MAX_DELAY_SECS))
}

/// A random token: `(shown once, its SHA-256 digest)`.
fn new_secret_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let digest = digest(&token);
    (token, digest)
}

pub fn digest(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A hash nobody's password matches (of random bytes thrown away): verified
/// against when the name is unknown, so that an unknown name costs the same
/// time — and takes the same bounded hashing slot — as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Wk1tYWZpZ3VyZTRzYWx0$3y1cBwzLXjW0hHWmxoWgJ2b7W2Kx0J7o3iYH8n3tE0Q";

/// A recovery code: 16 characters of base32 (80 bits), shown as 4×4.
fn new_recovery_code() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let s = data_encoding::BASE32_NOPAD.encode(&bytes);
    format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
}

fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Where a request came from (for throttling and the audit log).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// The device cookie this browser got at an earlier sign-in, if any.
    pub device: Option<String>,
}

/// What a sign-in attempt gives.
#[derive(Debug)]
pub enum SignIn {
    Ok {
        /// The session token for the cookie (shown once; only its digest is kept).
        token: String,
        /// The device cookie's new value: this browser signed in.
        device: String,
        session: Session,
        account: Box<Account>,
    },
    /// Unknown name or wrong password (the same answer for both).
    Invalid,
    /// The password was right; the account needs its TOTP code (or a recovery code).
    TotpRequired,
    /// Too many recent failures: try again after this many seconds.
    Delayed(u64),
    /// Locked after too many failures from anywhere: lifts by itself after
    /// this many seconds (or when an admin unlocks it); a device that signed
    /// in before is not held by it.
    Locked(u64),
}

/// What an admin (or the CLI) asks for when creating an account.
#[derive(Debug)]
pub struct AccountRequest<'a> {
    pub login: &'a str,
    pub role: Role,
    pub officer_id: Option<Uuid>,
    /// Set at once (`--password-stdin`); otherwise a set-password link.
    pub password: Option<String>,
    /// Also email the link to the officer's address.
    pub send_link: bool,
}

/// A new account's first link.
#[derive(Debug)]
pub struct CreatedAccount {
    pub account: Account,
    /// The one-time set-password link (absent when the password was given).
    pub link: Option<(String, DateTime<Utc>)>,
}

/// TOTP enrolment: what the authenticator app needs (shown once).
#[derive(Debug)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

fn audit(kind: &str, now: DateTime<Utc>, account: Option<&Account>, origin: &Origin) -> AuthAudit {
    let mut a = AuthAudit::new(kind, now);
    a.account_id = account.map(|a| a.id);
    a.login = account.map(|a| a.login.clone());
    a.address = origin.address.clone();
    a
}

/// Roles a person's account may have (integration keys are for systems).
pub fn account_role(r: Role) -> bool {
    !matches!(r, Role::Integration)
}

impl App {
    /// The set-password link for a token.
    pub fn password_link(&self, token: &str) -> String {
        format!("{}/akun/sandi/{token}", self.settings.public_base_url)
    }

    /// Creates an account (by an admin or the CLI). Without a password, the
    /// result holds a one-time set-password link valid for 24 hours.
    pub async fn create_account(
        &self,
        req: AccountRequest<'_>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<CreatedAccount, AccountOutcome>, AccountError> {
        let AccountRequest {
            login,
            role,
            officer_id,
            password,
            send_link,
        } = req;
        let mut e = ValidationErrors::default();
        let login = match Login::parse(login) {
            Ok(l) => Some(l),
            Err(why) => {
                e.push("login", why);
                None
            }
        };
        if !account_role(role) {
            e.push(
                "role",
                "integration keys are for systems: a person's account has a staff role",
            );
        }
        if let (Some(l), Some(p)) = (&login, &password) {
            crate::domain::account::check_password(&mut e, "password", p, l.as_str());
        }
        // the link goes to the officer's own address, if asked and known
        let send_to = match (send_link, officer_id) {
            (false, _) => None,
            (true, Some(o)) => match self.store.get_officer(o).await?.and_then(|o| o.email) {
                Some(email) => Some(email),
                None => {
                    e.push(
                        "send_link",
                        "the officer has no email address: hand the link over instead",
                    );
                    None
                }
            },
            (true, None) => {
                e.push(
                    "send_link",
                    "needs an officer_id whose officer has an email address",
                );
                None
            }
        };
        let Some(login) = login.filter(|_| e.is_empty()) else {
            return Err(e.into());
        };
        let hash = match password {
            Some(p) => Some(self.hasher.hash(p).await?),
            None => None,
        };
        let token = hash.is_none().then(new_secret_token);
        let expires = now + chrono::Duration::hours(PASSWORD_LINK_HOURS);
        let id = Uuid::now_v7();
        let new = NewAccount {
            id,
            login: login.as_str().to_string(),
            role,
            officer_id,
            password_hash: hash,
            created_at: now,
        };
        let mut a = AuthAudit::new("account_created", now);
        a.account_id = Some(id);
        a.login = Some(new.login.clone());
        a.actor = Some(by.to_string());
        a.detail = serde_json::json!({"role": role.as_str(), "officer_id": officer_id}).to_string();
        let outbox = match (&send_to, &token) {
            (Some(to), Some((t, _))) => Some(crate::notify::account_link(
                id,
                to,
                &new.login,
                &self.vault.seal(self.password_link(t).as_bytes()),
                expires,
            )),
            _ => None,
        };
        let outcome = self
            .store
            .create_account(
                &new,
                token.as_ref().map(|(_, d)| (d.as_str(), expires)),
                outbox.as_ref(),
                &a,
            )
            .await?;
        if outcome != AccountOutcome::Done {
            return Ok(Err(outcome));
        }
        let account = self
            .store
            .get_account(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("account vanished after creation".into()))?;
        tracing::info!(account_id = %id, role = %role, "account created");
        Ok(Ok(CreatedAccount {
            account,
            link: token.map(|(t, _)| (self.password_link(&t), expires)),
        }))
    }

    /// A new one-time set-password link for an account (an admin hands it over).
    pub async fn new_password_link(
        &self,
        account: &Account,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), AccountError> {
        let (token, d) = new_secret_token();
        let expires = now + chrono::Duration::hours(PASSWORD_LINK_HOURS);
        let mut a = audit("password_link", now, Some(account), &Origin::default());
        a.actor = Some(by.to_string());
        self.store
            .add_password_token(account.id, &d, expires, &a)
            .await?;
        Ok((self.password_link(&token), expires))
    }

    /// Sets the password through a one-time link. `Ok(None)`: the link is
    /// unknown, used or expired (or the account inactive).
    pub async fn set_password_with_link(
        &self,
        token: &str,
        password: String,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>, AccountError> {
        let d = digest(token);
        let mut e = ValidationErrors::default();
        // checked before the link is spent (the sign-in name is not known
        // here, so that rule applies only when a signed-in person changes it)
        crate::domain::account::check_password(&mut e, "password", &password, "");
        if !e.is_empty() {
            return Err(e.into());
        }
        let hash = self.hasher.hash(password).await?;
        let a = audit("password_set", now, None, origin);
        let account = self.store.use_password_token(&d, &hash, now, &a).await?;
        if let Some(acc) = &account {
            tracing::info!(account_id = %acc.id, "password set through a link");
        }
        Ok(account)
    }

    /// A signed-in person changes their password (the current one is required);
    /// their other sessions end.
    pub async fn change_password(
        &self,
        account: &Account,
        session: Uuid,
        current: &str,
        new: String,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<bool, AccountError> {
        let mut e = ValidationErrors::default();
        crate::domain::account::check_password(&mut e, "new_password", &new, &account.login);
        if !e.is_empty() {
            return Err(e.into());
        }
        let hash = account
            .password_hash
            .clone()
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        if !self.hasher.verify(current.to_string(), hash).await? {
            return Ok(false);
        }
        let new_hash = self.hasher.hash(new).await?;
        let a = audit("password_set", now, Some(account), origin);
        self.store
            .set_password(account.id, &new_hash, Some(session), &a)
            .await?;
        Ok(true)
    }

    /// How long failures are remembered: a scope's count starts again after
    /// this long without one, and a lock lifts after it.
    fn throttle_window(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.sign_in_lock_duration)
            .unwrap_or(chrono::Duration::minutes(15))
    }

    fn delay_of(&self, t: &Throttle, free: i32, now: DateTime<Utc>) -> Option<u64> {
        let wait = sign_in_delay(self.settings.sign_in_first_delay, t.failures, free);
        let until = t.last_failure_at + chrono::Duration::milliseconds(wait.as_millis() as i64);
        (until > now).then(|| ((until - now).num_milliseconds().max(1) as u64).div_ceil(1000))
    }

    /// The device cookie for an account (ADR 0015, "Lockout"): the account,
    /// when it was issued, and a keyed tag over both and the password's
    /// last change — a new password retires every device cookie.
    pub fn device_cookie(&self, a: &Account, now: DateTime<Utc>) -> String {
        let issued = now.timestamp();
        format!("{}.{issued}.{}", a.id.simple(), self.device_tag(a, issued))
    }

    fn device_tag(&self, a: &Account, issued: i64) -> String {
        let changed = a.password_changed_at.map_or(0, |t| t.timestamp_micros());
        self.vault.tag(
            "sign-in device",
            format!("{}|{issued}|{changed}", a.id.simple()).as_bytes(),
        )
    }

    /// Does this device cookie vouch for `a` (its own, untampered, not older
    /// than `DEVICE_DAYS`, from before the password's last change)?
    pub fn device_known(&self, a: &Account, cookie: &str, now: DateTime<Utc>) -> bool {
        let mut parts = cookie.trim().splitn(3, '.');
        let (Some(id), Some(issued), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let Ok(issued) = issued.parse::<i64>() else {
            return false;
        };
        let fresh = now.timestamp() - issued <= DEVICE_DAYS * 86_400 && issued <= now.timestamp();
        let expected = self.device_tag(a, issued);
        fresh
            && id == a.id.simple().to_string()
            && crate::domain::access::same_secret(expected.as_bytes(), tag.as_bytes())
    }

    /// One sign-in attempt. The same answer, after the same work, for an
    /// unknown name and a wrong password.
    ///
    /// Throttling (ASVS 2.2.1; ADR 0015): failures are counted per name from
    /// one address, per name from anywhere and per address, each forgotten
    /// after `sign_in_lock_duration` without a failure. Delays grow after the
    /// free failures of each scope; a name that reaches
    /// `sign_in_lockout_failures` from anywhere is locked for
    /// `sign_in_lock_duration`. A browser that signed in to the account
    /// before (its device cookie) is held only by its own address's counts,
    /// so a stranger cannot lock a person out of their own desk.
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        totp: Option<&str>,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<SignIn, AccountError> {
        let name = Login::parse(login)
            .map(|l| l.as_str().to_string())
            .unwrap_or_else(|_| login.trim().to_lowercase().chars().take(100).collect());
        let address = origin.address.as_deref().unwrap_or("?");
        let login_scope = format!("login:{name}");
        let pair_scope = format!("pair:{name}|{address}");
        let addr_scope = format!("addr:{address}");
        let scopes = [
            login_scope.as_str(),
            pair_scope.as_str(),
            addr_scope.as_str(),
        ];
        let account = self.store.find_account(&name).await?;
        let known_device = match (&account, origin.device.as_deref()) {
            (Some(a), Some(cookie)) => self.device_known(a, cookie, now),
            _ => false,
        };
        let window = self.throttle_window();
        for t in self.store.throttles(&scopes).await? {
            if t.last_failure_at + window <= now {
                continue; // forgotten
            }
            let is_login = t.scope == login_scope;
            if is_login && known_device {
                continue;
            }
            if is_login && let Some(at) = t.locked_at {
                let left = (at + window - now).num_seconds().max(1);
                return Ok(SignIn::Locked(left as u64));
            }
            let free = if is_login {
                FREE_FAILURES_LOGIN
            } else if t.scope == pair_scope {
                FREE_FAILURES_PAIR
            } else {
                FREE_FAILURES_ADDRESS
            };
            if let Some(wait) = self.delay_of(&t, free, now) {
                return Ok(SignIn::Delayed(wait));
            }
        }
        let usable = account
            .as_ref()
            .filter(|a| a.active && a.officer_active && a.password_hash.is_some());
        let hash = usable
            .and_then(|a| a.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let password_ok = self.hasher.verify(password.to_string(), hash).await? && usable.is_some();
        let mut second_factor_ok = true;
        if let (true, Some(a)) = (password_ok, usable)
            && a.totp_enabled
        {
            let Some(code) = totp.map(str::trim).filter(|c| !c.is_empty()) else {
                return Ok(SignIn::TotpRequired);
            };
            second_factor_ok = self.check_second_factor(a, code, origin, now).await?;
        }
        if !(password_ok && second_factor_ok) {
            let lock_after = i32::try_from(self.settings.sign_in_lockout_failures).unwrap_or(10);
            let after = self
                .store
                .throttle_failed(&scopes, &login_scope, lock_after, now - window, now)
                .await?;
            let mut a = audit("sign_in_failed", now, account.as_ref(), origin);
            a.login = Some(name.clone());
            a.detail = serde_json::json!({"reason": if password_ok { "second_factor" } else { "password" }}).to_string();
            self.store.audit(&a).await?;
            // locked by this very attempt (a lock in force was answered above)
            let locked = after
                .iter()
                .any(|t| t.scope == login_scope && t.locked_at == Some(now));
            if locked {
                let mut a = audit("locked", now, account.as_ref(), origin);
                a.login = Some(name.clone());
                a.detail = serde_json::json!({
                    "failures": lock_after,
                    "lifts_at": (now + window).to_rfc3339(),
                })
                .to_string();
                self.store.audit(&a).await?;
                tracing::warn!(account_id = ?account.as_ref().map(|a| a.id), "sign-in name locked after repeated failures");
                metrics::counter!("aduan_sign_in_locks_total").increment(1);
            }
            if locked && !known_device {
                return Ok(SignIn::Locked(window.num_seconds().max(1) as u64));
            }
            return Ok(SignIn::Invalid);
        }
        let Some(account) = usable.cloned() else {
            return Ok(SignIn::Invalid);
        };
        let (token, d) = new_secret_token();
        let (csrf, _) = new_secret_token();
        let session = Session {
            id: Uuid::now_v7(),
            account_id: account.id,
            csrf_token: csrf,
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.session_max,
            ended_at: None,
            address: origin.address.clone(),
            user_agent: origin
                .user_agent
                .as_deref()
                .map(|u| u.chars().take(200).collect()),
        };
        let a = audit("sign_in", now, Some(&account), origin);
        // a success forgets this name's failures from here and the address's;
        // the name's count from elsewhere stays while someone else guesses
        let clear: Vec<&str> = if known_device {
            vec![pair_scope.as_str(), addr_scope.as_str()]
        } else {
            scopes.to_vec()
        };
        self.store.create_session(&session, &d, &clear, &a).await?;
        tracing::info!(account_id = %account.id, session_id = %session.id, "signed in");
        Ok(SignIn::Ok {
            token,
            device: self.device_cookie(&account, now),
            session,
            account: Box::new(account),
        })
    }

    /// A TOTP code (once per step) or an unused recovery code.
    async fn check_second_factor(
        &self,
        a: &Account,
        code: &str,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<bool, AccountError> {
        if code.chars().filter(|c| c.is_ascii_digit()).count() == 6 && code.len() <= 7 {
            let Some(secret) = a
                .totp_secret
                .as_deref()
                .and_then(|s| self.vault.open(s).ok())
            else {
                return Ok(false);
            };
            return Ok(match totp_match(&secret, code, now.timestamp()) {
                Some(step) => self.store.use_totp_step(a.id, step).await?,
                None => false,
            });
        }
        let used = self
            .store
            .use_recovery_code(a.id, &digest(&normalize_recovery(code)), now)
            .await?;
        if used {
            let mut e = audit("recovery_code_used", now, Some(a), origin);
            e.detail = serde_json::json!({"left": self.store.count_recovery_codes(a.id).await?})
                .to_string();
            self.store.audit(&e).await?;
        }
        Ok(used)
    }

    /// The session a cookie token names, if it is live: not ended, not past
    /// its lifetime or idle timeout, its account and officer active.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, Account)>, StoreError> {
        let Some((s, a)) = self.store.find_session(&digest(token)).await? else {
            return Ok(None);
        };
        if s.expires_at <= now
            || s.last_seen_at + self.settings.session_idle <= now
            || !a.active
            || !a.officer_active
        {
            return Ok(None);
        }
        if now - s.last_seen_at > chrono::Duration::seconds(60) {
            self.store.touch_session(s.id, now).await?;
        }
        Ok(Some((s, a)))
    }

    /// Does this account still have to enrol two-factor before it can work?
    pub fn must_enrol_totp(&self, a: &Account) -> bool {
        !a.totp_enabled && self.settings.require_2fa.contains(&a.role)
    }

    pub async fn sign_out(
        &self,
        a: &Account,
        session: Uuid,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let e = audit("sign_out", now, Some(a), origin);
        self.store.end_session(a.id, session, &e).await
    }

    /// A person ends one of their own sessions (another browser, a lost phone).
    pub async fn end_own_session(
        &self,
        a: &Account,
        session: Uuid,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut e = audit("session_ended", now, Some(a), origin);
        e.detail = serde_json::json!({"session_id": session}).to_string();
        self.store.end_session(a.id, session, &e).await
    }

    /// Starts TOTP enrolment: a new secret, sealed in the database until confirmed.
    pub async fn start_totp(&self, a: &Account) -> Result<TotpEnrolment, AccountError> {
        let mut secret = [0u8; 20];
        rand::rng().fill_bytes(&mut secret);
        self.store
            .set_pending_totp(a.id, &self.vault.seal(&secret))
            .await?;
        let b32 = data_encoding::BASE32_NOPAD.encode(&secret);
        let uri = otpauth_uri(
            &format!("aduan {}", self.settings.office_name),
            &a.login,
            &b32,
        );
        let qr_svg = qrcode::QrCode::new(uri.as_bytes())
            .map(|q| {
                q.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(220, 220)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default();
        Ok(TotpEnrolment {
            secret_base32: b32,
            otpauth_uri: uri,
            qr_svg,
        })
    }

    /// Confirms enrolment with a code from the app; returns the recovery
    /// codes (shown once, stored as digests). `None`: wrong code or no enrolment.
    pub async fn confirm_totp(
        &self,
        a: &Account,
        code: &str,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, AccountError> {
        let Some(secret) = a
            .totp_secret
            .as_deref()
            .and_then(|s| self.vault.open(s).ok())
        else {
            return Ok(None);
        };
        if a.totp_enabled {
            return Ok(None);
        }
        let Some(step) = totp_match(&secret, code, now.timestamp()) else {
            return Ok(None);
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let digests: Vec<String> = codes
            .iter()
            .map(|c| digest(&normalize_recovery(c)))
            .collect();
        let e = audit("totp_enabled", now, Some(a), origin);
        self.store.enable_totp(a.id, step, &digests, &e).await?;
        tracing::info!(account_id = %a.id, "two-factor enabled");
        Ok(Some(codes))
    }

    /// Turns TOTP off: by the person (with a current code, unless their role
    /// requires it) or by an admin (a lost phone).
    pub async fn disable_totp(
        &self,
        a: &Account,
        by: Option<&str>,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut e = audit("totp_disabled", now, Some(a), origin);
        e.actor = by.map(str::to_string);
        self.store.disable_totp(a.id, &e).await?;
        tracing::info!(account_id = %a.id, "two-factor disabled");
        Ok(())
    }

    /// Is `code` a current TOTP code of the account (without using it up)?
    pub fn totp_code_valid(&self, a: &Account, code: &str, now: DateTime<Utc>) -> bool {
        a.totp_secret
            .as_deref()
            .and_then(|s| self.vault.open(s).ok())
            .and_then(|secret| totp_match(&secret, code, now.timestamp()))
            .is_some_and(|step| a.totp_last_step.is_none_or(|last| step > last))
    }

    /// An admin lifts a lockout (and the delays) of an account's name, from
    /// anywhere and from each address.
    pub async fn unlock(
        &self,
        a: &Account,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let scope = format!("login:{}", a.login);
        let pairs = format!("pair:{}|", a.login);
        let lifted = self
            .store
            .throttle_clear(&[scope.as_str()], Some(pairs.as_str()))
            .await?;
        let mut e = audit("unlocked", now, Some(a), &Origin::default());
        e.actor = Some(by.to_string());
        self.store.audit(&e).await?;
        Ok(lifted)
    }

    /// Is the account's name locked now (from anywhere, for browsers that
    /// never signed in to it)?
    pub async fn locked(&self, a: &Account, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let scope = format!("login:{}", a.login);
        let window = self.throttle_window();
        Ok(self
            .store
            .throttles(&[scope.as_str()])
            .await?
            .iter()
            .any(|t| t.locked_at.is_some_and(|at| at + window > now)))
    }

    /// An admin changes an account's role or (de)activates it; deactivating
    /// ends its sessions in the same transaction.
    pub async fn update_account(
        &self,
        id: Uuid,
        patch: &AccountPatch,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>, StoreError> {
        let mut e = AuthAudit::new("account_changed", now);
        e.account_id = Some(id);
        e.actor = Some(by.to_string());
        e.detail =
            serde_json::json!({"role": patch.role.map(|r| r.as_str()), "active": patch.active})
                .to_string();
        self.store.update_account(id, patch, &e).await
    }

    /// An admin revokes a key; audited.
    pub async fn revoke_key(
        &self,
        id: Uuid,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = self.store.revoke_api_key(id, now).await?;
        self.keys.forget();
        if done {
            let mut e = AuthAudit::new("key_revoked", now);
            e.actor = Some(by.to_string());
            e.detail = serde_json::json!({"key_id": id}).to_string();
            self.store.audit(&e).await?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_a_whole_verification() {
        // a parse failure would answer an unknown name faster than a wrong password
        let h = argon2::password_hash::PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(h.hash.map(|o| o.len()), Some(32));
        let p = argon2::Params::try_from(&h).unwrap();
        let d = argon2::Params::default();
        assert_eq!(
            (p.m_cost(), p.t_cost(), p.p_cost()),
            (d.m_cost(), d.t_cost(), d.p_cost())
        );
    }

    #[test]
    fn delays_grow_after_the_free_failures() {
        let first = std::time::Duration::from_secs(1);
        let d: Vec<u64> = (1..=12)
            .map(|f| sign_in_delay(first, f, 3).as_secs())
            .collect();
        assert_eq!(d, [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
    }

    #[test]
    fn recovery_codes_are_long_and_forgiving_to_type() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 19);
        assert_eq!(
            normalize_recovery(&c.to_lowercase().replace('-', " ")),
            c.replace('-', "")
        );
    }
}
