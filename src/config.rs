//! Settings from the environment and an optional `aduan.toml`, validated at
//! start-up. A bad value stops the service with a message naming the setting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::domain::TrackingPrefix;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS on a plain connection (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS: allowed only to a loopback address (a local relay, tests).
    None,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Dinas Sosial Provinsi NTT <pengaduan@dinsos.example.go.id>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// SP4N-LAPOR! integration (on when `ADUAN_LAPOR_URL` is set).
#[derive(Clone)]
pub struct LaporSettings {
    pub url: String,
    pub token: String,
    pub poll_secs: u64,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for LaporSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaporSettings")
            .field("url", &self.url)
            .field("token", &"…")
            .field("poll_secs", &self.poll_secs)
            .finish_non_exhaustive()
    }
}

/// How the IMAP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapTls {
    /// TLS from the first byte (port 993).
    Implicit,
    /// STARTTLS on a plain connection (port 143).
    StartTls,
    /// No TLS: allowed only to a loopback address (a local server, tests).
    None,
}

/// The complaints mailbox (on when `ADUAN_IMAP_HOST` is set).
#[derive(Clone)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub username: String,
    pub password: String,
    pub folder: String,
    /// Move processed mail here; when unset it is flagged \Seen and left.
    pub done_folder: Option<String>,
    pub poll_secs: u64,
}

impl std::fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub office_name: String,
    pub office_timezone: Tz,
    pub tracking_prefix: TrackingPrefix,
    pub log_format: LogFormat,
    pub log_level: String,
    pub data_dir: PathBuf,
    pub max_attachment_bytes: u64,
    pub public_rate_limit_per_minute: u32,
    pub db_max_connections: u32,
    /// Outgoing mail; `None` when ADUAN_SMTP_HOST is not set (messages wait in the outbox).
    pub smtp: Option<SmtpSettings>,
    /// Base URL for links in messages to complainants and officials.
    pub public_base_url: String,
    pub outbox_interval_secs: u64,
    pub outbox_max_attempts: u32,
    /// Who is reminded and escalated to until dispositions name the holder.
    pub liaison_email: Option<String>,
    pub head_email: Option<String>,
    /// Who receives the daily digest.
    pub manager_emails: Vec<String>,
    /// Remind this many working days before the due day (0 = on the due day).
    pub reminder_days: Vec<u32>,
    /// Office-local time of the daily digest (working days only).
    pub digest_time: chrono::NaiveTime,
    pub sweep_interval_minutes: u64,
    /// The standard disposition instructions officials choose from.
    pub disposition_instructions: Vec<String>,
    /// `None` when ADUAN_LAPOR_URL is not set (the integration is off).
    pub lapor: Option<LaporSettings>,
    /// `None` when ADUAN_IMAP_HOST is not set.
    pub imap: Option<ImapSettings>,
    /// Largest email accepted (pipe and IMAP).
    pub max_email_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("setting {setting}: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
    #[error("config file {path}: {reason}")]
    File { path: String, reason: String },
}

/// One row of the settings table (README documents the same list).
pub struct SettingDoc {
    pub env: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

/// The instructions of the service standard (alur disposisi).
pub const DEFAULT_INSTRUCTIONS: &[&str] = &[
    "tindak lanjuti",
    "siapkan jawaban",
    "koordinasikan",
    "untuk diketahui",
    "hadap saya",
];

pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc {
        env: "DATABASE_URL",
        default: "sqlite://<ADUAN_DATA_DIR>/aduan.db",
        meaning: "sqlite:… (embedded) or postgres://… (production)",
    },
    SettingDoc {
        env: "ADUAN_LISTEN",
        default: "127.0.0.1:8080",
        meaning: "address:port to serve HTTP on (port 0 picks a free port)",
    },
    SettingDoc {
        env: "ADUAN_OFFICE_NAME",
        default: "Dinas Sosial",
        meaning: "the office's name, used in messages to complainants",
    },
    SettingDoc {
        env: "ADUAN_OFFICE_TIMEZONE",
        default: "Asia/Makassar",
        meaning: "IANA time zone of the office: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)",
    },
    SettingDoc {
        env: "ADUAN_TRACKING_PREFIX",
        default: "ADU",
        meaning: "tracking-number prefix, 2-10 of A-Z 0-9 (numbers look like ADU-2026-000123)",
    },
    SettingDoc {
        env: "ADUAN_LOG_FORMAT",
        default: "text",
        meaning: "text or json",
    },
    SettingDoc {
        env: "ADUAN_LOG",
        default: "info",
        meaning: "log filter (tracing EnvFilter syntax, e.g. info,aduan=debug)",
    },
    SettingDoc {
        env: "ADUAN_DATA_DIR",
        default: "./data",
        meaning: "directory for the SQLite file and attachments",
    },
    SettingDoc {
        env: "ADUAN_MAX_ATTACHMENT_BYTES",
        default: "10485760",
        meaning: "largest accepted attachment, in bytes",
    },
    SettingDoc {
        env: "ADUAN_PUBLIC_RATE_LIMIT",
        default: "30",
        meaning: "public status look-ups per client address per minute",
    },
    SettingDoc {
        env: "ADUAN_DB_MAX_CONNECTIONS",
        default: "16",
        meaning: "database pool size",
    },
    SettingDoc {
        env: "ADUAN_LAPOR_URL",
        default: "unset: the integration is off",
        meaning: "base URL of the SP4N-LAPOR! integration API (or of lapor-sim)",
    },
    SettingDoc {
        env: "ADUAN_LAPOR_TOKEN",
        default: "required with a URL",
        meaning: "the agency token for LAPOR! (never logged)",
    },
    SettingDoc {
        env: "ADUAN_LAPOR_POLL_SECONDS",
        default: "300",
        meaning: "how often new and changed reports are fetched from LAPOR! (10-86400)",
    },
    SettingDoc {
        env: "ADUAN_LAPOR_TIMEOUT_SECONDS",
        default: "20",
        meaning: "timeout of each request to LAPOR! (1-600)",
    },
    SettingDoc {
        env: "ADUAN_IMAP_HOST",
        default: "unset: no mailbox is read",
        meaning: "IMAP server of the complaints mailbox",
    },
    SettingDoc {
        env: "ADUAN_IMAP_PORT",
        default: "993 (implicit) / 143",
        meaning: "IMAP port",
    },
    SettingDoc {
        env: "ADUAN_IMAP_TLS",
        default: "implicit",
        meaning: "implicit, starttls, or none (loopback hosts only)",
    },
    SettingDoc {
        env: "ADUAN_IMAP_USERNAME",
        default: "required with a host",
        meaning: "mailbox login",
    },
    SettingDoc {
        env: "ADUAN_IMAP_PASSWORD",
        default: "required with a host",
        meaning: "mailbox password (never logged)",
    },
    SettingDoc {
        env: "ADUAN_IMAP_FOLDER",
        default: "INBOX",
        meaning: "folder to read",
    },
    SettingDoc {
        env: "ADUAN_IMAP_DONE_FOLDER",
        default: "unset: processed mail is flagged \\Seen and left",
        meaning: "folder processed mail is moved to (must exist)",
    },
    SettingDoc {
        env: "ADUAN_IMAP_POLL_SECONDS",
        default: "60",
        meaning: "how often the mailbox is read (5-86400)",
    },
    SettingDoc {
        env: "ADUAN_EMAIL_MAX_BYTES",
        default: "26214400",
        meaning: "largest email accepted, pipe and IMAP (65536 to 1073741824)",
    },
    SettingDoc {
        env: "ADUAN_DISPOSITION_INSTRUCTIONS",
        default: "tindak lanjuti;siapkan jawaban;koordinasikan;untuk diketahui;hadap saya",
        meaning: "`;`-separated standard instructions a disposition chooses from",
    },
    SettingDoc {
        env: "ADUAN_CONFIG",
        default: "./aduan.toml (if present)",
        meaning: "optional TOML file with the same settings (keys in lower case without the ADUAN_ prefix: listen, office_name, …, database_url); environment variables win",
    },
];

fn invalid(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        reason: reason.into(),
    }
}

fn file_key(env: &str) -> String {
    env.strip_prefix("ADUAN_")
        .unwrap_or(env)
        .to_ascii_lowercase()
}

fn read_file(path: &Path, required: bool) -> Result<BTreeMap<String, String>, ConfigError> {
    let err = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(BTreeMap::new());
        }
        Err(e) => return Err(err(e.to_string())),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(e.to_string()))?;
    let known: Vec<String> = SETTINGS
        .iter()
        .filter(|s| s.env != "ADUAN_CONFIG")
        .map(|s| file_key(s.env))
        .collect();
    let mut out = BTreeMap::new();
    for (k, v) in table {
        if !known.contains(&k) {
            return Err(err(format!(
                "unknown setting `{k}` (known: {})",
                known.join(", ")
            )));
        }
        let v = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(err(format!(
                    "`{k}` must be a string or an integer, not {}",
                    other.type_str()
                )));
            }
        };
        out.insert(k, v);
    }
    Ok(out)
}

impl Settings {
    /// Reads the process environment (and `aduan.toml`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(|k| std::env::var(k).ok())
    }

    /// Reads settings through `env` (tests pass a map).
    pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file = match env("ADUAN_CONFIG") {
            Some(p) => read_file(Path::new(&p), true)?,
            None => read_file(Path::new("aduan.toml"), false)?,
        };
        let get = |name: &'static str| -> Option<String> {
            env(name)
                .or_else(|| file.get(&file_key(name)).cloned())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("ADUAN_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/aduan.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                "must start with sqlite: or postgres:// (the value is not shown: it may hold a password)",
            ));
        }
        let listen_raw = get("ADUAN_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            invalid(
                "ADUAN_LISTEN",
                format!(
                    "`{listen_raw}` is not an address:port such as 127.0.0.1:8080 or 0.0.0.0:8080"
                ),
            )
        })?;
        let office_name = get("ADUAN_OFFICE_NAME").unwrap_or_else(|| "Dinas Sosial".into());
        if office_name.chars().count() > 200 {
            return Err(invalid(
                "ADUAN_OFFICE_NAME",
                "must be at most 200 characters",
            ));
        }
        let tz_raw = get("ADUAN_OFFICE_TIMEZONE").unwrap_or_else(|| "Asia/Makassar".into());
        let office_timezone: Tz = tz_raw.parse().map_err(|_| {
            invalid(
                "ADUAN_OFFICE_TIMEZONE",
                format!("`{tz_raw}` is not an IANA time zone (Asia/Jakarta, Asia/Makassar or Asia/Jayapura)"),
            )
        })?;
        let prefix_raw = get("ADUAN_TRACKING_PREFIX").unwrap_or_else(|| "ADU".into());
        let tracking_prefix = TrackingPrefix::parse(&prefix_raw)
            .map_err(|r| invalid("ADUAN_TRACKING_PREFIX", format!("`{prefix_raw}` {r}")))?;
        let log_format = match get("ADUAN_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "ADUAN_LOG_FORMAT",
                    format!("`{other}` must be text or json"),
                ));
            }
        };
        let log_level = get("ADUAN_LOG").unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(invalid(
                "ADUAN_LOG",
                format!("`{log_level}` is not a valid log filter"),
            ));
        }
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(name) {
                    None => Ok(default),
                    Some(v) => match v.parse::<u64>() {
                        Ok(n) if (min..=max).contains(&n) => Ok(n),
                        _ => Err(invalid(
                            name,
                            format!("`{v}` must be a whole number from {min} to {max}"),
                        )),
                    },
                }
            };
        let max_attachment_bytes = number(
            "ADUAN_MAX_ATTACHMENT_BYTES",
            10 * 1024 * 1024,
            1024,
            1 << 30,
        )?;
        let public_rate_limit_per_minute =
            number("ADUAN_PUBLIC_RATE_LIMIT", 30, 1, 100_000)? as u32;
        let db_max_connections = number("ADUAN_DB_MAX_CONNECTIONS", 10, 1, 1000)? as u32;

        let public_base_url = get("ADUAN_PUBLIC_BASE_URL")
            .unwrap_or_else(|| "http://127.0.0.1:8080".into())
            .trim_end_matches('/')
            .to_string();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(invalid(
                "ADUAN_PUBLIC_BASE_URL",
                format!("`{public_base_url}` must start with http:// or https://"),
            ));
        }
        let outbox_interval_secs = number("ADUAN_OUTBOX_INTERVAL_SECONDS", 10, 1, 3600)?;
        let outbox_max_attempts = number("ADUAN_OUTBOX_MAX_ATTEMPTS", 8, 1, 100)? as u32;
        let smtp = match get("ADUAN_SMTP_HOST") {
            None => None,
            Some(host) => {
                let tls = match get("ADUAN_SMTP_TLS").as_deref() {
                    None | Some("starttls") => SmtpTls::StartTls,
                    Some("implicit") => SmtpTls::Implicit,
                    Some("none") => SmtpTls::None,
                    Some(other) => {
                        return Err(invalid(
                            "ADUAN_SMTP_TLS",
                            format!("`{other}` must be starttls, implicit or none"),
                        ));
                    }
                };
                let loopback = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if tls == SmtpTls::None && !loopback {
                    return Err(invalid(
                        "ADUAN_SMTP_TLS",
                        "none is allowed only with a loopback ADUAN_SMTP_HOST (credentials and personal data would cross the network in clear)",
                    ));
                }
                let default_port = match tls {
                    SmtpTls::StartTls => 587,
                    SmtpTls::Implicit => 465,
                    SmtpTls::None => 25,
                };
                let port = number("ADUAN_SMTP_PORT", default_port, 1, 65535)? as u16;
                let from = get("ADUAN_SMTP_FROM").ok_or_else(|| {
                    invalid("ADUAN_SMTP_FROM", "is required when ADUAN_SMTP_HOST is set")
                })?;
                if from.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(invalid(
                        "ADUAN_SMTP_FROM",
                        format!(
                            "`{from}` is not an address such as Dinas Sosial <pengaduan@example.go.id>"
                        ),
                    ));
                }
                let username = get("ADUAN_SMTP_USERNAME");
                let password =
                    env("ADUAN_SMTP_PASSWORD").or_else(|| file.get("smtp_password").cloned());
                if username.is_some() != password.is_some() {
                    return Err(invalid(
                        "ADUAN_SMTP_USERNAME",
                        "ADUAN_SMTP_USERNAME and ADUAN_SMTP_PASSWORD go together",
                    ));
                }
                Some(SmtpSettings {
                    host,
                    port,
                    tls,
                    username,
                    password,
                    from,
                })
            }
        };

        let email_setting = |name: &'static str, v: &str| -> Result<String, ConfigError> {
            let v = v.trim().to_string();
            if v.parse::<lettre::Address>().is_ok() {
                Ok(v)
            } else {
                Err(invalid(name, format!("`{v}` is not an email address")))
            }
        };
        let liaison_email = get("ADUAN_LIAISON_EMAIL")
            .map(|v| email_setting("ADUAN_LIAISON_EMAIL", &v))
            .transpose()?;
        let head_email = get("ADUAN_HEAD_EMAIL")
            .map(|v| email_setting("ADUAN_HEAD_EMAIL", &v))
            .transpose()?;
        let manager_emails = get("ADUAN_MANAGER_EMAILS")
            .map(|v| {
                v.split(',')
                    .filter(|x| !x.trim().is_empty())
                    .map(|x| email_setting("ADUAN_MANAGER_EMAILS", x))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let reminder_raw = get("ADUAN_REMINDER_DAYS").unwrap_or_else(|| "2,1,0".into());
        let mut reminder_days = reminder_raw
            .split(',')
            .map(|x| x.trim().parse::<u32>().ok().filter(|n| *n <= 30))
            .collect::<Option<Vec<u32>>>()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                invalid(
                    "ADUAN_REMINDER_DAYS",
                    format!("`{reminder_raw}` must be working-day counts 0-30, e.g. 2,1,0"),
                )
            })?;
        reminder_days.sort_unstable();
        reminder_days.dedup();
        let digest_raw = get("ADUAN_DIGEST_TIME").unwrap_or_else(|| "07:30".into());
        let digest_time = chrono::NaiveTime::parse_from_str(&digest_raw, "%H:%M")
            .ok()
            .filter(|t| (6..=17).contains(&chrono::Timelike::hour(t)))
            .ok_or_else(|| {
                invalid(
                    "ADUAN_DIGEST_TIME",
                    format!("`{digest_raw}` must be HH:MM between 06:00 and 17:59 (office hours)"),
                )
            })?;
        let sweep_interval_minutes = number("ADUAN_SWEEP_INTERVAL_MINUTES", 15, 1, 1440)?;
        let lapor = match get("ADUAN_LAPOR_URL") {
            None => None,
            Some(url) => {
                let url = url.trim_end_matches('/').to_string();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(invalid(
                        "ADUAN_LAPOR_URL",
                        format!("`{url}` must start with https:// (or http:// for lapor-sim)"),
                    ));
                }
                let token = get("ADUAN_LAPOR_TOKEN")
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| {
                        invalid(
                            "ADUAN_LAPOR_TOKEN",
                            "is required when ADUAN_LAPOR_URL is set",
                        )
                    })?;
                Some(LaporSettings {
                    url,
                    token: token.trim().to_string(),
                    poll_secs: number("ADUAN_LAPOR_POLL_SECONDS", 300, 10, 86_400)?,
                    timeout: std::time::Duration::from_secs(number(
                        "ADUAN_LAPOR_TIMEOUT_SECONDS",
                        20,
                        1,
                        600,
                    )?),
                })
            }
        };
        let max_email_bytes = number(
            "ADUAN_EMAIL_MAX_BYTES",
            25 * 1024 * 1024,
            64 * 1024,
            1 << 30,
        )?;
        let imap = match get("ADUAN_IMAP_HOST") {
            None => None,
            Some(host) => {
                let tls = match get("ADUAN_IMAP_TLS").as_deref() {
                    None | Some("implicit") => ImapTls::Implicit,
                    Some("starttls") => ImapTls::StartTls,
                    Some("none") => ImapTls::None,
                    Some(other) => {
                        return Err(invalid(
                            "ADUAN_IMAP_TLS",
                            format!("`{other}` must be implicit, starttls or none"),
                        ));
                    }
                };
                let loopback = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if tls == ImapTls::None && !loopback {
                    return Err(invalid(
                        "ADUAN_IMAP_TLS",
                        "none is allowed only for a loopback host: the password would travel in clear",
                    ));
                }
                let default_port = if tls == ImapTls::Implicit { 993 } else { 143 };
                let port = number("ADUAN_IMAP_PORT", default_port, 1, 65_535)? as u16;
                let username = get("ADUAN_IMAP_USERNAME").ok_or_else(|| {
                    invalid("ADUAN_IMAP_USERNAME", "is required with ADUAN_IMAP_HOST")
                })?;
                let password = get("ADUAN_IMAP_PASSWORD").ok_or_else(|| {
                    invalid("ADUAN_IMAP_PASSWORD", "is required with ADUAN_IMAP_HOST")
                })?;
                Some(ImapSettings {
                    host,
                    port,
                    tls,
                    username,
                    password,
                    folder: get("ADUAN_IMAP_FOLDER").unwrap_or_else(|| "INBOX".into()),
                    done_folder: get("ADUAN_IMAP_DONE_FOLDER").filter(|f| !f.trim().is_empty()),
                    poll_secs: number("ADUAN_IMAP_POLL_SECONDS", 60, 5, 86_400)?,
                })
            }
        };
        let instructions_raw =
            get("ADUAN_DISPOSITION_INSTRUCTIONS").unwrap_or_else(|| DEFAULT_INSTRUCTIONS.join(";"));
        let disposition_instructions: Vec<String> = instructions_raw
            .split(';')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
        if disposition_instructions.is_empty()
            || disposition_instructions
                .iter()
                .any(|x| x.chars().count() > 100)
        {
            return Err(invalid(
                "ADUAN_DISPOSITION_INSTRUCTIONS",
                "must be a `;`-separated list of instructions of at most 100 characters each",
            ));
        }

        Ok(Settings {
            liaison_email,
            head_email,
            manager_emails,
            reminder_days,
            digest_time,
            sweep_interval_minutes,
            disposition_instructions,
            lapor,
            imap,
            max_email_bytes,
            smtp,
            public_base_url,
            outbox_interval_secs,
            outbox_max_attempts,
            database_url,
            listen,
            office_name,
            office_timezone,
            tracking_prefix,
            log_format,
            log_level,
            data_dir,
            max_attachment_bytes,
            public_rate_limit_per_minute,
            db_max_connections,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(move |k| m.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback_in_wita() {
        let s = load(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.office_timezone, chrono_tz::Asia::Makassar);
        assert_eq!(s.database_url, "sqlite://./data/aduan.db");
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (k, v) in [
            ("ADUAN_OFFICE_TIMEZONE", "WITA"),
            ("ADUAN_LISTEN", "localhost"),
            ("ADUAN_LOG_FORMAT", "xml"),
            ("ADUAN_TRACKING_PREFIX", "ab"),
            ("DATABASE_URL", "mysql://x"),
            ("ADUAN_MAX_ATTACHMENT_BYTES", "-1"),
        ] {
            let e = load(&[(k, v)]).unwrap_err().to_string();
            assert!(e.starts_with(&format!("setting {k}:")), "{e}");
        }
    }

    #[test]
    fn database_url_is_never_echoed() {
        let e = load(&[("DATABASE_URL", "mysql://user:s3cret@host/db")]).unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
    }

    #[test]
    fn file_settings_apply_and_environment_wins() {
        let dir = std::env::temp_dir().join(format!("aduan-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("aduan.toml");
        std::fs::write(
            &path,
            "office_timezone = \"Asia/Jayapura\"\nlisten = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let p = path.display().to_string();
        let s = load(&[("ADUAN_CONFIG", &p), ("ADUAN_LISTEN", "127.0.0.1:9001")]).unwrap();
        assert_eq!(s.office_timezone, chrono_tz::Asia::Jayapura);
        assert_eq!(s.listen.port(), 9001);
        std::fs::write(&path, "colour = \"red\"\n").unwrap();
        assert!(
            load(&[("ADUAN_CONFIG", &p)])
                .unwrap_err()
                .to_string()
                .contains("unknown setting `colour`")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
