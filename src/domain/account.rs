//! Staff accounts, pure: sign-in names, the password policy, and TOTP
//! (RFC 6238) codes. Hashing with argon2 and the sealing of secrets happen
//! in `app/accounts.rs`; nothing here does I/O.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::ValidationErrors;

/// The passwords refused however long they are (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("data/common-passwords.txt");

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

/// A sign-in name: 3–100 characters of ASCII letters, digits and `.@_+-`,
/// kept in lower case (no look-alike letters from other scripts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Login, String> {
        let s = raw.trim().to_lowercase();
        let n = s.chars().count();
        if !(3..=100).contains(&n) {
            return Err("must be 3 to 100 characters".into());
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '_' | '+' | '-'))
        {
            return Err(
                "may hold letters, digits and . @ _ + - only (an email address is a good choice)"
                    .into(),
            );
        }
        Ok(Login(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a new password is refused; `en` for the API, `id` for the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    TooShort,
    TooLong,
    Common,
    OneCharacter,
    ContainsLogin,
}

impl PasswordRule {
    pub fn en(self) -> &'static str {
        match self {
            PasswordRule::TooShort => "must be at least 10 characters",
            PasswordRule::TooLong => "must be at most 200 characters",
            PasswordRule::Common => "is one of the most common passwords: choose another",
            PasswordRule::OneCharacter => "must not repeat one character",
            PasswordRule::ContainsLogin => "must not contain the sign-in name",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            PasswordRule::TooShort => "Kata sandi paling sedikit 10 karakter.",
            PasswordRule::TooLong => "Kata sandi paling banyak 200 karakter.",
            PasswordRule::Common => {
                "Kata sandi ini termasuk yang paling sering dipakai orang, jadi mudah ditebak. Pilih yang lain."
            }
            PasswordRule::OneCharacter => {
                "Kata sandi tidak boleh hanya satu karakter yang diulang."
            }
            PasswordRule::ContainsLogin => "Kata sandi tidak boleh memuat nama pengguna Anda.",
        }
    }
}

/// Why a new password is refused (`None`: acceptable). Never echoes the password.
pub fn password_problem(password: &str, login: &str) -> Option<PasswordRule> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Some(PasswordRule::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Some(PasswordRule::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|w| w == lower) {
        return Some(PasswordRule::Common);
    }
    let mut chars = lower.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Some(PasswordRule::OneCharacter);
    }
    let name = login.split('@').next().unwrap_or(login).to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Some(PasswordRule::ContainsLogin);
    }
    None
}

/// Checks a new password into `e` under `field`.
pub fn check_password(e: &mut ValidationErrors, field: &str, password: &str, login: &str) {
    if let Some(p) = password_problem(password, login) {
        e.push(field, p.en());
    }
}

/// TOTP parameters: 30-second steps, 6 digits, HMAC-SHA1 (what every
/// authenticator app speaks).
pub const TOTP_STEP_SECS: i64 = 30;
pub const TOTP_DIGITS: u32 = 6;

/// The code for time step `step` (RFC 4226 dynamic truncation).
pub fn hotp(secret: &[u8], step: u64) -> u32 {
    // HMAC takes a key of any length
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(TOTP_DIGITS)
}

/// The time step of a Unix time.
pub fn totp_step(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(TOTP_STEP_SECS)
}

/// The step a 6-digit `code` matches at `unix_secs`, one step of clock skew
/// either way; `None` if it matches none or is not 6 digits.
pub fn totp_match(secret: &[u8], code: &str, unix_secs: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != TOTP_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let want: u32 = code.parse().ok()?;
    let now = totp_step(unix_secs);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|s| *s >= 0)
        .find(|s| constant_time_eq(hotp(secret, *s as u64), want))
}

fn constant_time_eq(a: u32, b: u32) -> bool {
    (a ^ b) == 0
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, login: &str, secret_base32: &str) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECS}",
        enc(issuer),
        enc(login),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_test_vectors() {
        // RFC 6238 appendix B, 8 digits → the last 6
        let secret = b"12345678901234567890";
        for (t, code8) in [
            (59i64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
        ] {
            assert_eq!(
                hotp(secret, totp_step(t) as u64),
                code8 % 1_000_000,
                "t={t}"
            );
        }
        let c = format!("{:06}", 89005924 % 1_000_000);
        assert_eq!(
            totp_match(secret, &c, 1234567890),
            Some(totp_step(1234567890))
        );
        assert_eq!(
            totp_match(secret, &c, 1234567890 + 30),
            Some(totp_step(1234567890))
        );
        assert_eq!(totp_match(secret, &c, 1234567890 + 90), None);
        assert_eq!(totp_match(secret, "12345", 1234567890), None);
    }

    #[test]
    fn the_password_policy_names_the_rule() {
        assert!(password_problem("pendek", "dewi").is_some());
        assert!(password_problem("1234567890", "dewi").is_some());
        assert!(password_problem("Password123", "dewi").is_some());
        assert!(password_problem("Bismillah123", "dewi").is_some());
        assert!(password_problem("aaaaaaaaaaaa", "dewi").is_some());
        assert!(password_problem("dewi-kupang-2026", "dewi@dinsos.go.id").is_some());
        assert_eq!(
            password_problem("kuda laut di teluk kupang", "dewi@dinsos.go.id"),
            None
        );
    }

    #[test]
    fn logins_are_lower_case_and_plain() {
        assert_eq!(
            Login::parse(" Dewi@Dinsos.go.id ").unwrap().as_str(),
            "dewi@dinsos.go.id"
        );
        assert!(Login::parse("ab").is_err());
        assert!(Login::parse("dewi kupang").is_err());
    }
}
