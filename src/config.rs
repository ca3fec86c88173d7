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

/// The WhatsApp channel (on when `ADUAN_WHATSAPP_PHONE_NUMBER_ID` is set).
#[derive(Clone)]
pub struct WhatsappSettings {
    /// The Graph API's base with its version (`https://graph.facebook.com/v21.0`).
    pub api_url: String,
    pub phone_number_id: String,
    /// The bearer token (a system user's access token).
    pub token: String,
    /// The app secret that signs webhook deliveries (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// The token Meta's subscription handshake must quote.
    pub verify_token: String,
    /// The approved template for complainants outside the 24-hour window:
    /// body `{{1}}` the tracking number, `{{2}}` the link.
    pub template: String,
    /// The approved template for staff alerts: `{{1}}` what waits, `{{2}}` the link.
    pub staff_template: String,
    /// The approved template inviting a visitor to the survey after a
    /// visit: `{{1}}` the visit number, `{{2}}` the survey's link; `None`:
    /// visitors are invited by SMS or email only.
    pub visit_survey_template: Option<String>,
    pub template_language: String,
}

impl std::fmt::Debug for WhatsappSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsappSettings")
            .field("api_url", &self.api_url)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

/// A `DATABASE_URL` as it may be shown: the backend and where, never a
/// password (`postgres://aduan@db:5432/aduan`, `sqlite ./data/aduan.db`).
pub fn database_label(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        return format!("SQLite {path}");
    }
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            let user = rest
                .rsplit_once('@')
                .map(|(u, _)| u.split(':').next().unwrap_or(""))
                .filter(|u| !u.is_empty())
                .map(|u| format!("{u}@"))
                .unwrap_or_default();
            let host = host.split('?').next().unwrap_or(host);
            format!("PostgreSQL {scheme}://{user}{host}")
        }
        None => "(unreadable DATABASE_URL)".into(),
    }
}

/// The Telegram bot (on when `ADUAN_TELEGRAM_BOT_TOKEN` is set).
#[derive(Clone)]
pub struct TelegramSettings {
    /// The Bot API's base (`https://api.telegram.org`, a local Bot API
    /// server, or `tg-sim`).
    pub api_url: String,
    pub token: String,
    /// Set: updates arrive at `/webhooks/telegram` carrying this secret;
    /// unset: aduan fetches them (`getUpdates`, long polling).
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for TelegramSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSettings")
            .field("api_url", &self.api_url)
            .field("webhook", &self.webhook_secret.is_some())
            .finish_non_exhaustive()
    }
}

/// The SMS channel: sending through a command (Gammu) or an HTTP gateway,
/// receiving through `aduan intake sms` or `/webhooks/sms`.
#[derive(Clone, Default)]
pub struct SmsSettings {
    /// The send command split into arguments, `{to}` and `{text}` among them.
    pub send_command: Option<Vec<String>>,
    /// The longest text one send carries (longer texts are split).
    pub send_limit: usize,
    /// SMS Gateway for Android's API base (`http://<phone>:8080` or
    /// `https://api.sms-gate.app/3rdparty/v1`).
    pub gateway_url: Option<String>,
    pub gateway_username: Option<String>,
    pub gateway_password: Option<String>,
    /// The gateway's webhook signing key (`X-Signature`).
    pub webhook_secret: Option<String>,
}

impl SmsSettings {
    /// Can SMS be sent?
    pub fn can_send(&self) -> bool {
        self.send_command.is_some() || self.gateway_url.is_some()
    }
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field(
                "send_command",
                &self.send_command.as_ref().and_then(|c| c.first()),
            )
            .field("send_limit", &self.send_limit)
            .field("gateway_url", &self.gateway_url)
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
    /// How long a post may take to show in LAPOR!'s listings.
    pub listing_lag: std::time::Duration,
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
    /// The zone of LAPOR!'s timestamps that come without one.
    pub lapor_timezone: Tz,
    pub tracking_prefix: TrackingPrefix,
    pub log_format: LogFormat,
    pub log_level: String,
    pub data_dir: PathBuf,
    pub max_attachment_bytes: u64,
    pub public_rate_limit_per_minute: u32,
    /// Web complaint forms per client address per hour.
    pub web_form_per_hour: u32,
    /// Minutes before an unanswered visit goes to the front office.
    pub visit_escalate_minutes: u32,
    /// Visits one address may register per hour at `/tamu`.
    pub visit_form_per_hour: u32,
    /// Days a visit is kept.
    pub visit_retention_days: u32,
    pub db_max_connections: u32,
    /// How long a request waits for a database connection (then 503).
    pub db_acquire_timeout: std::time::Duration,
    /// Restarts of one background worker within 10 minutes before the process gives up.
    pub worker_restart_limit: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// How long an idempotent replay still returns the access code.
    pub replay_code_window: chrono::Duration,
    /// Idle timeout and absolute lifetime of a signed-in session.
    pub session_idle: chrono::Duration,
    pub session_max: chrono::Duration,
    /// Roles that must use two-factor sign-in.
    pub require_2fa: Vec<crate::domain::Role>,
    pub sign_in_lockout_failures: u32,
    pub sign_in_first_delay: std::time::Duration,
    /// How long a name's lock lasts, and how long a failure is remembered.
    pub sign_in_lock_duration: std::time::Duration,
    /// Webhook hosts an admin allowed over http or on internal addresses.
    pub webhook_allow_hosts: Vec<String>,
    /// The bearer token `/metrics` asks for (none: open to loopback only).
    pub metrics_token: Option<String>,
    /// Acknowledgements sent to one recipient address per day.
    pub ack_per_address_per_day: u32,
    /// The receiving mail servers whose `Authentication-Results` are believed.
    pub email_trusted_authserv: Vec<String>,
    pub secret_key_file: PathBuf,
    /// Years after a final state before personal data is anonymised.
    pub retention: crate::domain::retention::RetentionSchedule,
    /// Idempotency records and sent messages of finished complaints are
    /// deleted after this long.
    pub purge_after: chrono::Duration,
    /// A request body that has not fully arrived by then is refused (408).
    pub body_timeout: std::time::Duration,
    /// Problems that do not stop start-up (unknown `ADUAN_*` variables, a
    /// public URL that cannot reach the service); logged once at start.
    pub warnings: Vec<String>,
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
    /// Who receives the timeline's daily checkpoint (the head, the
    /// inspectorate): kept outside the database, it shows a rewritten chain.
    pub audit_checkpoint_emails: Vec<String>,
    /// Remind this many working days before the due day (0 = on the due day).
    pub reminder_days: Vec<u32>,
    /// Office-local time of the daily digest (working days only).
    pub digest_time: chrono::NaiveTime,
    /// Office-local closing time: a face-to-face complaint with no agreed
    /// answer time is due then (`domain::deadline::deadline_for`).
    pub office_closes: Option<chrono::NaiveTime>,
    pub sweep_interval_minutes: u64,
    /// Overdue complaints climb one level per this many working days late.
    pub escalation_step_days: u32,
    /// Above this many late complaints in one message, it is a summary.
    pub backlog_summary_over: usize,
    /// A report over at most this many complaints is counted live; a larger
    /// one adds up the report job's day tallies (ADR 0021).
    pub report_live_max: u64,
    /// The standard disposition instructions officials choose from.
    pub disposition_instructions: Vec<String>,
    /// The answer letter's letterhead, one line each (first lines bold).
    pub letterhead: Vec<String>,
    /// The outgoing letters' number (`domain::letter::letter_number`).
    pub letter_number_pattern: String,
    /// The position that signs the answer letters "a.n." the head, by its
    /// title in the organisation; `None`: the head signs.
    pub letter_signer: Option<String>,
    /// The answer letter's tembusan (copies), one line each.
    pub letter_copies: Vec<String>,
    /// The place written before the date of an answer letter ("Kupang").
    pub office_city: String,
    /// `None` when ADUAN_LAPOR_URL is not set (the integration is off).
    pub lapor: Option<LaporSettings>,
    /// `None` when ADUAN_IMAP_HOST is not set.
    pub imap: Option<ImapSettings>,
    /// `None` when ADUAN_WHATSAPP_PHONE_NUMBER_ID is not set.
    pub whatsapp: Option<WhatsappSettings>,
    /// `None` when ADUAN_TELEGRAM_BOT_TOKEN is not set.
    pub telegram: Option<TelegramSettings>,
    pub sms: SmsSettings,
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

/// One row of the settings table (the README's table is generated from these).
pub struct SettingDoc {
    /// The environment variable.
    pub env: &'static str,
    /// The key in `aduan.toml`.
    pub file_key: &'static str,
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

/// Declares every setting once: its `aduan.toml` key, its environment
/// variable, its default and its meaning. From this one list come the file
/// format ([`SettingsFile`], unknown keys refused), the [`Key`] every read
/// names (so no setting can be read without being declared), and the
/// documentation table ([`SETTINGS`], rendered into the README).
macro_rules! declare_settings {
    ($($key:ident = $env:literal, $default:literal, $meaning:literal;)*) => {
        /// `aduan.toml`: every key optional, unknown keys refused.
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SettingsFile {
            $(#[serde(default)] pub $key: Option<FileValue>,)*
        }

        /// A declared setting.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key { $($key,)* }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            pub fn env(self) -> &'static str {
                match self { $(Key::$key => $env,)* }
            }

            fn in_file(self, f: &SettingsFile) -> Option<String> {
                match self { $(Key::$key => f.$key.as_ref().map(FileValue::text),)* }
            }
        }

        pub const SETTINGS: &[SettingDoc] = &[$(SettingDoc {
            env: $env,
            file_key: stringify!($key),
            default: $default,
            meaning: $meaning,
        }),*];
    };
}

declare_settings! {
    database_url = "DATABASE_URL", "`sqlite://<ADUAN_DATA_DIR>/aduan.db`", "`sqlite:…` (embedded) or `postgres://…` (production)";
    listen = "ADUAN_LISTEN", "`127.0.0.1:8080`", "address:port to serve HTTP on (`0.0.0.0:8080` in a container)";
    office_name = "ADUAN_OFFICE_NAME", "`Dinas Sosial`", "the office's name, for messages to complainants";
    office_timezone = "ADUAN_OFFICE_TIMEZONE", "`Asia/Makassar`", "IANA zone: `Asia/Jakarta` (WIB), `Asia/Makassar` (WITA), `Asia/Jayapura` (WIT)";
    tracking_prefix = "ADUAN_TRACKING_PREFIX", "`ADU`", "tracking-number prefix, 2–10 of A–Z 0–9: `ADU-2026-000123`";
    log_format = "ADUAN_LOG_FORMAT", "`text`", "`text` or `json`";
    log = "ADUAN_LOG", "`info`", "log filter (tracing `EnvFilter` syntax, e.g. `info,sqlx=warn`)";
    data_dir = "ADUAN_DATA_DIR", "`./data`", "the SQLite file and attachments";
    max_attachment_bytes = "ADUAN_MAX_ATTACHMENT_BYTES", "`10485760`", "largest attachment accepted (413 above; 1024 to 1073741824)";
    public_rate_limit = "ADUAN_PUBLIC_RATE_LIMIT", "`30`", "public status look-ups per client address per minute (429 above)";
    visit_escalate_minutes = "ADUAN_VISIT_ESCALATE_MINUTES", "`5`", "a visitor nobody came for in this many minutes is told to the front office (reception and the liaison officer) (1–240)";
    visit_form_per_hour = "ADUAN_VISIT_FORM_PER_HOUR", "`60`", "visits one address may register at the guest book (`/tamu`) per hour: a tablet at the door registers every visitor (1–10000)";
    visit_retention_days = "ADUAN_VISIT_RETENTION_DAYS", "`365`", "visits are kept this many days, then deleted by housekeeping (30–3650; complaints made from a visit keep their own retention)";
    web_form_per_hour = "ADUAN_WEB_FORM_PER_HOUR", "`5`", "complaints one client address may send through the web form (`/adukan`) per hour (1–1000)";
    db_max_connections = "ADUAN_DB_MAX_CONNECTIONS", "`10`", "database pool size per replica (on a 2-core box 8–10 beat 32: see docs/BENCHMARKS.md)";
    db_acquire_timeout_ms = "ADUAN_DB_ACQUIRE_TIMEOUT_MS", "`800`", "how long a request waits for a database connection before it answers 503 with `Retry-After` (100–30000)";
    public_base_url = "ADUAN_PUBLIC_BASE_URL", "`http://<ADUAN_LISTEN>`", "base URL for links in emails (the complaint's status page); a warning at start-up when it cannot reach the listen address";
    smtp_host = "ADUAN_SMTP_HOST", "unset: emails wait in the outbox", "SMTP server for outgoing mail";
    smtp_port = "ADUAN_SMTP_PORT", "587 / 465 / 25 by TLS mode", "SMTP port";
    smtp_tls = "ADUAN_SMTP_TLS", "`starttls`", "`starttls`, `implicit`, or `none` (loopback hosts only)";
    smtp_username = "ADUAN_SMTP_USERNAME", "none", "SMTP login (goes with the password)";
    smtp_password = "ADUAN_SMTP_PASSWORD", "none", "SMTP password (never logged)";
    smtp_from = "ADUAN_SMTP_FROM", "required with a host", "sender, e.g. `Dinas Sosial <pengaduan@dinsos.example.go.id>`";
    outbox_interval_seconds = "ADUAN_OUTBOX_INTERVAL_SECONDS", "`10`", "how often the outbox worker looks for messages (1–3600)";
    outbox_max_attempts = "ADUAN_OUTBOX_MAX_ATTEMPTS", "`8`", "failed attempts before a message is parked (1–100)";
    liaison_email = "ADUAN_LIAISON_EMAIL", "none", "the liaison officer: every deadline reminder";
    head_email = "ADUAN_HEAD_EMAIL", "none", "the head of office when no officer with an email holds the head position: reminders before disposition, overdue escalations";
    manager_emails = "ADUAN_MANAGER_EMAILS", "none", "comma-separated: the daily digest of overdue and due-soon complaints";
    audit_checkpoint_emails = "ADUAN_AUDIT_CHECKPOINT_EMAILS", "none (the log only)", "comma-separated: who receives the timeline's daily checkpoint (the chain's head; e.g. the head of office and the inspectorate), so that an edit inside the database is detectable later (docs/adr/0034)";
    reminder_days = "ADUAN_REMINDER_DAYS", "`2,1,0`", "remind this many working days before the due day (0 = on the due day)";
    digest_time = "ADUAN_DIGEST_TIME", "`07:30`", "office-local time of the daily digest (06:00–17:59)";
    office_closes = "ADUAN_OFFICE_CLOSES", "`16:00`", "office-local closing time (HH:MM, 10:00–23:59): a face-to-face complaint with no answer time agreed is due then on the working day it was received (the next working day's closing when it came later or on a day off), never sooner than the face-to-face minutes; `none`: those minutes from receipt alone";
    sweep_interval_minutes = "ADUAN_SWEEP_INTERVAL_MINUTES", "`15`", "how often reminders and escalations are checked (1–1440)";
    escalation_step_days = "ADUAN_ESCALATION_STEP_DAYS", "`2`", "an overdue complaint is escalated to the holder's superior on its first late day and one level higher every this many working days more, up to the head (1–30)";
    backlog_summary_over = "ADUAN_BACKLOG_SUMMARY_OVER", "`25`", "when a sweep would tell one person of more late complaints than this at once (a first import, a backlog), the message summarises them (totals by holder and lateness, the 10 latest-due, a link to the list) instead of listing each (5–10000)";
    report_live_max = "ADUAN_REPORT_LIVE_MAX", "`20000`", "a report (summary, charts) over a period with at most this many complaints reads each of them now; a larger one adds up the day tallies the `reports` job refreshes every 5 minutes, and says how old they are (0–10000000)";
    lapor_url = "ADUAN_LAPOR_URL", "unset: the integration is off", "base URL of the SP4N-LAPOR! integration API (or of `lapor-sim`)";
    lapor_token = "ADUAN_LAPOR_TOKEN", "required with a URL", "the agency token for LAPOR! (never logged)";
    lapor_poll_seconds = "ADUAN_LAPOR_POLL_SECONDS", "`300`", "how often new and changed reports are fetched (10–86400)";
    lapor_timeout_seconds = "ADUAN_LAPOR_TIMEOUT_SECONDS", "`20`", "timeout of each request to LAPOR! (1–600)";
    lapor_listing_lag_seconds = "ADUAN_LAPOR_LISTING_LAG_SECONDS", "`15`", "how long a follow-up may take to show in LAPOR!'s list: after a post with no clear answer, aduan looks for that long before posting again (0–40; ADR 0022)";
    whatsapp_api_url = "ADUAN_WHATSAPP_API_URL", "`https://graph.facebook.com/v21.0`", "the WhatsApp Business Cloud API (Meta's Graph API with its version, or a Business Solution Provider's copy of it, or `wa-sim`)";
    whatsapp_phone_number_id = "ADUAN_WHATSAPP_PHONE_NUMBER_ID", "unset: the WhatsApp channel is off", "the office's WhatsApp number's id in the Cloud API";
    whatsapp_token = "ADUAN_WHATSAPP_TOKEN", "required with a number id", "the Cloud API's bearer token (a system user's access token; never logged)";
    whatsapp_app_secret = "ADUAN_WHATSAPP_APP_SECRET", "required with a number id", "the Meta app's secret: webhook deliveries must carry `X-Hub-Signature-256` made with it (never logged)";
    whatsapp_verify_token = "ADUAN_WHATSAPP_VERIFY_TOKEN", "required with a number id", "the verify token given to Meta when subscribing `/webhooks/whatsapp` (the handshake must quote it)";
    whatsapp_template = "ADUAN_WHATSAPP_TEMPLATE", "`aduan_pembaruan`", "the approved message template (category utility) sent to a complainant outside WhatsApp's 24-hour window; its body takes `{{1}}` the tracking number and `{{2}}` the link to the complaint's page";
    whatsapp_staff_template = "ADUAN_WHATSAPP_STAFF_TEMPLATE", "`aduan_pengingat`", "the approved template of staff alerts on WhatsApp: `{{1}}` what waits for them, `{{2}}` the console's link";
    whatsapp_visit_survey_template = "ADUAN_WHATSAPP_VISIT_SURVEY_TEMPLATE", "unset: visitors are invited to the survey by SMS or email", "the approved template (category utility) inviting a visitor to the survey after a visit: `{{1}}` the visit number, `{{2}}` the survey's link";
    whatsapp_template_language = "ADUAN_WHATSAPP_TEMPLATE_LANGUAGE", "`id`", "the language code the templates were approved in";
    telegram_bot_token = "ADUAN_TELEGRAM_BOT_TOKEN", "unset: the Telegram channel is off", "the bot's token from @BotFather (never logged)";
    telegram_api_url = "ADUAN_TELEGRAM_API_URL", "`https://api.telegram.org`", "the Bot API (Telegram's, a local Bot API server, or `tg-sim`)";
    telegram_webhook_secret = "ADUAN_TELEGRAM_WEBHOOK_SECRET", "unset: aduan fetches updates itself (long polling, works behind NAT)", "set: updates arrive at `/webhooks/telegram` (register it with `setWebhook` and this `secret_token`; 1–256 of `A-Z a-z 0-9 _ -`); a request without it is refused (never logged)";
    sms_send_command = "ADUAN_SMS_SEND_COMMAND", "unset", "the program that sends one SMS, e.g. `gammu-smsd-inject TEXT {to} -len {len} -text {text}`: split at spaces, `{to}` (the number, `+62…`), `{text}` and `{len}` each replaced inside one argument; run without a shell; exit 0 = queued";
    sms_send_limit = "ADUAN_SMS_SEND_LIMIT", "`160`", "the longest text one send carries (70–1530): longer texts are split at words into several sends";
    sms_gateway_url = "ADUAN_SMS_GATEWAY_URL", "unset", "SMS Gateway for Android's API (`http://<phone>:8080` on the office network, or `https://api.sms-gate.app/3rdparty/v1`): SMS are sent with `POST …/message` (used when no send command is set)";
    sms_gateway_username = "ADUAN_SMS_GATEWAY_USERNAME", "required with a gateway URL", "the gateway's API user (Basic authentication)";
    sms_gateway_password = "ADUAN_SMS_GATEWAY_PASSWORD", "required with a gateway URL", "the gateway's API password (never logged)";
    sms_webhook_secret = "ADUAN_SMS_WEBHOOK_SECRET", "unset: `/webhooks/sms` is off", "the gateway's webhook signing key: a `sms:received` delivery to `/webhooks/sms` must carry `X-Signature` = HMAC-SHA256 of the body and `X-Timestamp` (within 5 minutes); else 401 (never logged)";
    lapor_timezone = "ADUAN_LAPOR_TIMEZONE", "`Asia/Jakarta`", "IANA zone LAPOR! timestamps without a zone (`2026-03-02 08:00:00`) are read in";
    imap_host = "ADUAN_IMAP_HOST", "unset: no mailbox is read", "IMAP server of the complaints mailbox";
    imap_port = "ADUAN_IMAP_PORT", "993 (implicit) / 143", "IMAP port";
    imap_tls = "ADUAN_IMAP_TLS", "`implicit`", "`implicit`, `starttls`, or `none` (loopback hosts only)";
    imap_username = "ADUAN_IMAP_USERNAME", "required with a host", "mailbox login";
    imap_password = "ADUAN_IMAP_PASSWORD", "required with a host", "mailbox password (never logged)";
    imap_folder = "ADUAN_IMAP_FOLDER", "`INBOX`", "folder to read";
    imap_done_folder = "ADUAN_IMAP_DONE_FOLDER", "unset: flagged `\\Seen` and left", "folder processed mail is moved to (must exist)";
    imap_poll_seconds = "ADUAN_IMAP_POLL_SECONDS", "`60`", "how often the mailbox is read (5–86400)";
    email_trusted_authserv = "ADUAN_EMAIL_TRUSTED_AUTHSERV", "none", "comma-separated authserv-ids of the office's receiving mail servers (the first word of their `Authentication-Results` header, e.g. `mx.dinsos.example.go.id`); a reply whose DKIM, SPF or DMARC passed there for the sender's domain joins its complaint by the tracking number in its subject; without a verdict it must answer one of our messages or quote its access code. The server must remove such headers that arrive from outside (RFC 8601)";
    email_max_bytes = "ADUAN_EMAIL_MAX_BYTES", "`26214400`", "largest email accepted, pipe and IMAP (65536 to 1073741824)";
    disposition_instructions = "ADUAN_DISPOSITION_INSTRUCTIONS", "`tindak lanjuti;siapkan jawaban;koordinasikan;untuk diketahui;hadap saya`", "`;`-separated standard instructions a disposition chooses from";
    letter_number_pattern = "ADUAN_LETTER_NUMBER_PATTERN", "`{seq}/PENGADUAN/{month_roman}/{year}`", "the answer letters' number in the agenda, e.g. `460/{seq}/DINSOS/{month_roman}/{year}`: `{seq}` (the year's sequence; `{seq3}` with three digits), `{month}`, `{month_roman}`, `{year}`; numbers are never repeated";
    letter_signer = "ADUAN_LETTER_SIGNER", "the head", "the position that signs the answer letters on the head's behalf (\"a.n. Kepala …\"), by its title in the organisation, e.g. `Sekretaris`; the head still approves every answer";
    letter_copies = "ADUAN_LETTER_COPIES", "none", "`;`-separated tembusan lines of the answer letter, e.g. `Bupati Kupang (sebagai laporan);Inspektorat Kabupaten Kupang`";
    letterhead = "ADUAN_LETTERHEAD", "`PEMERINTAH DAERAH;<office name>`", "`;`-separated lines of the answer letter's letterhead (government, office, address and telephone)";
    office_city = "ADUAN_OFFICE_CITY", "empty", "the place before the date of an answer letter (`Kupang`)";
    session_idle_minutes = "ADUAN_SESSION_IDLE_MINUTES", "`120`", "a signed-in session ends after this many minutes without a request (5–1440)";
    session_max_hours = "ADUAN_SESSION_MAX_HOURS", "`12`", "a session ends this many hours after sign-in whatever happens (1–168)";
    require_2fa = "ADUAN_REQUIRE_2FA", "`admin,head,privacy`", "comma-separated roles that must enrol two-factor sign-in (TOTP) before they can work; `none` for no role";
    sign_in_lockout_failures = "ADUAN_SIGN_IN_LOCKOUT_FAILURES", "`10`", "failed sign-ins of a name (from any address) after which it is locked for `ADUAN_SIGN_IN_LOCK_MINUTES` — except in browsers that signed in to the account before (3–100)";
    sign_in_lock_minutes = "ADUAN_SIGN_IN_LOCK_MINUTES", "`15`", "how long a locked name stays locked (an admin can lift it sooner), and how long failed sign-ins are remembered: each count starts again after this long without a failure (1–1440)";
    sign_in_first_delay_ms = "ADUAN_SIGN_IN_FIRST_DELAY_MS", "`1000`", "the wait after the third failed sign-in of a name, doubling with each further failure up to 5 minutes (10–60000)";
    secret_key_file = "ADUAN_SECRET_KEY_FILE", "`<ADUAN_DATA_DIR>/secret.key`", "the keyring: master keys that encrypt the personal data, attachments and sealed secrets, and the blind-index key; generated (mode 0600) on first start; replicas share it; back it up apart from the database (`aduan keys`)";
    retention = "ADUAN_RETENTION", "`answered=5,closed=5,merged=5,redirected=2,rejected=2`", "years after a complaint reached each final state before its personal data is anonymised by the retention job (the office's archive schedule, JRA); a state left out is kept for good";
    purge_after_days = "ADUAN_PURGE_AFTER_DAYS", "`90`", "idempotency records, and sent messages of finished complaints, are deleted this many days after (7–3650)";
    body_timeout_seconds = "ADUAN_BODY_TIMEOUT_SECONDS", "`120`", "a request body not fully received this many seconds after its headers is refused with 408 and the connection closed (1–3600; leave room for a 10 MB attachment over a slow line)";
    trusted_proxies = "ADUAN_TRUSTED_PROXIES", "none", "comma-separated addresses or CIDR ranges of reverse proxies (nginx, the ingress) whose `X-Forwarded-For` names the client; used for rate limits, sign-in throttling and the audit log";
    replay_code_minutes = "ADUAN_REPLAY_CODE_MINUTES", "`60`", "how long a retried registration (same `Idempotency-Key`) still returns the access code; it is kept sealed meanwhile and purged after (1–1440)";
    webhook_allow_hosts = "ADUAN_WEBHOOK_ALLOW_HOSTS", "none", "comma-separated host names (or addresses) webhook subscriptions may use although they are plain http or resolve to loopback, private, link-local or other internal addresses (a receiver on the office network); every other subscription must be https to a public address";
    metrics_token = "ADUAN_METRICS_TOKEN", "unset: `/metrics` answers only loopback clients", "bearer token `/metrics` requires (at least 16 characters; never logged); set it when a scraper reaches the service over the network";
    ack_per_address_per_day = "ADUAN_ACK_PER_ADDRESS_PER_DAY", "`5`", "acknowledgements emailed to one recipient address per office day, so the office's mail cannot be turned on a stranger's inbox; the complaint is registered either way and its receipt still shows the tracking number (1–1000)";
    worker_restart_limit = "ADUAN_WORKER_RESTART_LIMIT", "`5`", "restarts of a background worker (courier, poller, scheduler) within 10 minutes before the process exits non-zero for the orchestrator to restart it (1–100)";
}

/// `ADUAN_CONFIG`: where the settings file is (not itself a file key).
pub const CONFIG_ENV: &str = "ADUAN_CONFIG";

/// A value in `aduan.toml`: text, a number, a boolean, or a list (joined
/// with `,`, e.g. `manager_emails = ["a@x.go.id", "b@x.go.id"]`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum FileValue {
    Text(String),
    Integer(i64),
    Bool(bool),
    List(Vec<FileValue>),
}

impl FileValue {
    fn text(&self) -> String {
        match self {
            FileValue::Text(s) => s.clone(),
            FileValue::Integer(i) => i.to_string(),
            FileValue::Bool(b) => b.to_string(),
            FileValue::List(l) => l.iter().map(FileValue::text).collect::<Vec<_>>().join(","),
        }
    }
}

/// The closest declared name to `name` (edit distance ≤ 3), for "did you mean".
fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != *cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    known
        .map(|k| {
            (
                distance(&name.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn read_file(path: &Path, required: bool) -> Result<SettingsFile, ConfigError> {
    let err = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(SettingsFile::default());
        }
        Err(e) => return Err(err(e.to_string())),
    };
    // unknown keys first, by name with the closest known one
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(e.to_string()))?;
    for k in table.keys() {
        if !SETTINGS.iter().any(|s| s.file_key == k) {
            let hint = closest(k, SETTINGS.iter().map(|s| s.file_key))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(err(format!(
                "unknown setting `{k}`{hint}; the settings are listed in the README"
            )));
        }
    }
    toml::from_str(&text).map_err(|e: toml::de::Error| err(e.message().to_string()))
}

/// Warnings for `ADUAN_*` variables that name no setting.
fn unknown_variables(vars: &BTreeMap<String, String>) -> Vec<String> {
    vars.keys()
        .filter(|k| k.starts_with("ADUAN_") && *k != CONFIG_ENV)
        .filter(|k| !SETTINGS.iter().any(|s| s.env == k.as_str()))
        // the test suite's own variables
        .filter(|k| !k.starts_with("ADUAN_TEST_"))
        .map(|k| match closest(k, SETTINGS.iter().map(|s| s.env)) {
            Some(c) => format!("unknown setting {k} is ignored (did you mean {c}?)"),
            None => format!("unknown setting {k} is ignored"),
        })
        .collect()
}

/// The README's settings table, rendered from [`SETTINGS`].
pub fn settings_table() -> String {
    let mut out =
        String::from("| setting | `aduan.toml` key | default | meaning |\n|---|---|---|---|\n");
    for s in SETTINGS {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            s.env, s.file_key, s.default, s.meaning
        ));
    }
    out.push_str(&format!(
        "| `{CONFIG_ENV}` | — | `./aduan.toml` if present | path of the settings file |\n"
    ));
    out
}

fn invalid(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        reason: reason.into(),
    }
}

/// An address or a CIDR range (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Option<IpNet> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: std::net::IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().ok().filter(|n| *n <= max)?,
            None => max,
        };
        Some(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        fn bits(ip: std::net::IpAddr) -> (u128, u8) {
            match ip {
                std::net::IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                std::net::IpAddr::V6(v) => match v.to_ipv4_mapped() {
                    Some(v4) => (u128::from(u32::from(v4)), 32),
                    None => (u128::from(v), 128),
                },
            }
        }
        let (net, width) = bits(self.addr);
        let (x, w) = bits(ip);
        if width != w {
            return false;
        }
        let host = u32::from(width - self.prefix);
        host >= 128 || (net >> host) == (x >> host)
    }
}

/// Without ADUAN_PUBLIC_BASE_URL, links point at the listen address
/// (loopback when it listens on every interface).
fn default_base_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

/// A public base URL that cannot reach the service: links in every email
/// would be dead.
fn base_url_warning(base: &str, listen: SocketAddr, explicit: bool) -> Option<String> {
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))?;
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
            h.trim_matches(|c| c == '[' || c == ']'),
            p.parse::<u16>().ok(),
        ),
        _ => (authority, None),
    };
    let loopback_host = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let port = port.unwrap_or(if base.starts_with("https://") {
        443
    } else {
        80
    });
    if !explicit && listen.ip().is_unspecified() {
        return Some(format!(
            "ADUAN_PUBLIC_BASE_URL is not set and the service listens on {listen}: links in emails point to {base}, which complainants and officials cannot open; set ADUAN_PUBLIC_BASE_URL to the address people use (e.g. https://pengaduan.dinsos.example.go.id)"
        ));
    }
    let listen_loopback = listen.ip().is_loopback();
    if loopback_host && !listen_loopback && !listen.ip().is_unspecified() {
        return Some(format!(
            "ADUAN_PUBLIC_BASE_URL {base} is a loopback address but the service listens on {listen}: links in emails will not open from other machines"
        ));
    }
    if loopback_host && listen.port() != 0 && port != listen.port() {
        return Some(format!(
            "ADUAN_PUBLIC_BASE_URL {base} names port {port} on this machine but the service listens on {listen}: links in emails will not open"
        ));
    }
    None
}

impl Settings {
    /// Reads the process environment (and `aduan.toml`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&std::env::vars().collect())
    }

    /// Reads settings from these environment variables and the settings
    /// file they name (or `./aduan.toml`); the environment wins.
    pub fn load(env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let file = match env.get(CONFIG_ENV) {
            Some(p) => read_file(Path::new(p), true)?,
            None => read_file(Path::new("aduan.toml"), false)?,
        };
        let raw =
            |k: Key| -> Option<String> { env.get(k.env()).cloned().or_else(|| k.in_file(&file)) };
        let get = |k: Key| -> Option<String> {
            raw(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut warnings = unknown_variables(env);

        let data_dir = PathBuf::from(get(Key::data_dir).unwrap_or_else(|| "./data".into()));
        let database_url = get(Key::database_url)
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
        let listen_raw = get(Key::listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            invalid(
                "ADUAN_LISTEN",
                format!(
                    "`{listen_raw}` is not an address:port such as 127.0.0.1:8080 or 0.0.0.0:8080"
                ),
            )
        })?;
        let office_name = get(Key::office_name).unwrap_or_else(|| "Dinas Sosial".into());
        if office_name.chars().count() > 200 {
            return Err(invalid(
                "ADUAN_OFFICE_NAME",
                "must be at most 200 characters",
            ));
        }
        let zone = |key: Key, default: &str| -> Result<Tz, ConfigError> {
            let raw = get(key).unwrap_or_else(|| default.into());
            raw.parse().map_err(|_| {
                invalid(
                    key.env(),
                    format!("`{raw}` is not an IANA time zone (Asia/Jakarta, Asia/Makassar or Asia/Jayapura)"),
                )
            })
        };
        let office_timezone = zone(Key::office_timezone, "Asia/Makassar")?;
        let lapor_timezone = zone(Key::lapor_timezone, "Asia/Jakarta")?;
        let prefix_raw = get(Key::tracking_prefix).unwrap_or_else(|| "ADU".into());
        let tracking_prefix = TrackingPrefix::parse(&prefix_raw)
            .map_err(|r| invalid("ADUAN_TRACKING_PREFIX", format!("`{prefix_raw}` {r}")))?;
        let log_format = match get(Key::log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "ADUAN_LOG_FORMAT",
                    format!("`{other}` must be text or json"),
                ));
            }
        };
        let log_level = get(Key::log).unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(invalid(
                "ADUAN_LOG",
                format!("`{log_level}` is not a valid log filter"),
            ));
        }
        let number = |key: Key, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
            match get(key) {
                None => Ok(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(invalid(
                        key.env(),
                        format!("`{v}` must be a whole number from {min} to {max}"),
                    )),
                },
            }
        };
        let max_attachment_bytes =
            number(Key::max_attachment_bytes, 10 * 1024 * 1024, 1024, 1 << 30)?;
        let public_rate_limit_per_minute = number(Key::public_rate_limit, 30, 1, 100_000)? as u32;
        let web_form_per_hour = number(Key::web_form_per_hour, 5, 1, 1000)? as u32;
        let visit_escalate_minutes = number(Key::visit_escalate_minutes, 5, 1, 240)? as u32;
        let visit_form_per_hour = number(Key::visit_form_per_hour, 60, 1, 10_000)? as u32;
        let visit_retention_days = number(Key::visit_retention_days, 365, 30, 3650)? as u32;
        let db_max_connections = number(Key::db_max_connections, 10, 1, 1000)? as u32;

        let db_acquire_timeout =
            std::time::Duration::from_millis(number(Key::db_acquire_timeout_ms, 800, 100, 30_000)?);
        let worker_restart_limit = number(Key::worker_restart_limit, 5, 1, 100)? as u32;
        let session_idle =
            chrono::Duration::minutes(number(Key::session_idle_minutes, 120, 5, 1440)? as i64);
        let session_max =
            chrono::Duration::hours(number(Key::session_max_hours, 12, 1, 168)? as i64);
        let require_raw = get(Key::require_2fa).unwrap_or_else(|| "admin,head,privacy".into());
        let require_2fa = if require_raw.eq_ignore_ascii_case("none") {
            Vec::new()
        } else {
            require_raw
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| {
                    r.parse::<crate::domain::Role>().map_err(|_| {
                        invalid(
                            "ADUAN_REQUIRE_2FA",
                            format!("`{r}` is not a role (admin, reception, liaison, official, head, manager, privacy) or `none`"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let trusted_proxies = get(Key::trusted_proxies)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty() && !x.eq_ignore_ascii_case("none"))
                    .map(|x| {
                        IpNet::parse(x).ok_or_else(|| {
                            invalid(
                                "ADUAN_TRUSTED_PROXIES",
                                format!("`{x}` is not an address or CIDR range such as 10.0.0.0/8"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let replay_code_window =
            chrono::Duration::minutes(number(Key::replay_code_minutes, 60, 1, 1440)? as i64);
        let sign_in_lockout_failures = number(Key::sign_in_lockout_failures, 10, 3, 100)? as u32;
        let sign_in_first_delay = std::time::Duration::from_millis(number(
            Key::sign_in_first_delay_ms,
            1000,
            10,
            60_000,
        )?);
        let sign_in_lock_duration =
            std::time::Duration::from_secs(60 * number(Key::sign_in_lock_minutes, 15, 1, 1440)?);
        // comma-separated host names, lower case (`none` or empty: none)
        let host_list = |key: Key| -> Vec<String> {
            get(key)
                .map(|v| {
                    v.split(',')
                        .map(|h| {
                            h.trim()
                                .trim_start_matches('[')
                                .trim_end_matches(']')
                                .to_ascii_lowercase()
                        })
                        .filter(|h| !h.is_empty() && h != "none")
                        .collect()
                })
                .unwrap_or_default()
        };
        let webhook_allow_hosts = host_list(Key::webhook_allow_hosts);
        let metrics_token = get(Key::metrics_token);
        if metrics_token.as_ref().is_some_and(|t| {
            t.chars().count() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control())
        }) {
            return Err(invalid(
                "ADUAN_METRICS_TOKEN",
                "must be at least 16 characters without spaces (the value is not shown)",
            ));
        }
        let ack_per_address_per_day = number(Key::ack_per_address_per_day, 5, 1, 1000)? as u32;
        let email_trusted_authserv = host_list(Key::email_trusted_authserv);
        let secret_key_file = get(Key::secret_key_file)
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let retention = match get(Key::retention) {
            None => crate::domain::retention::RetentionSchedule::default(),
            Some(v) => crate::domain::retention::RetentionSchedule::parse(&v)
                .map_err(|why| invalid("ADUAN_RETENTION", why))?,
        };
        let purge_after =
            chrono::Duration::days(number(Key::purge_after_days, 90, 7, 3650)? as i64);
        let body_timeout =
            std::time::Duration::from_secs(number(Key::body_timeout_seconds, 120, 1, 3600)?);

        let explicit_base = get(Key::public_base_url);
        let public_base_url = explicit_base
            .clone()
            .unwrap_or_else(|| default_base_url(listen))
            .trim_end_matches('/')
            .to_string();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(invalid(
                "ADUAN_PUBLIC_BASE_URL",
                format!("`{public_base_url}` must start with http:// or https://"),
            ));
        }
        if let Some(w) = base_url_warning(&public_base_url, listen, explicit_base.is_some()) {
            warnings.push(w);
        }
        let outbox_interval_secs = number(Key::outbox_interval_seconds, 10, 1, 3600)?;
        let outbox_max_attempts = number(Key::outbox_max_attempts, 8, 1, 100)? as u32;
        let smtp = match get(Key::smtp_host) {
            None => None,
            Some(host) => {
                let tls = match get(Key::smtp_tls).as_deref() {
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
                let port = number(Key::smtp_port, default_port, 1, 65535)? as u16;
                let from = get(Key::smtp_from).ok_or_else(|| {
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
                let username = get(Key::smtp_username);
                let password = raw(Key::smtp_password).filter(|p| !p.is_empty());
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
        let liaison_email = get(Key::liaison_email)
            .map(|v| email_setting("ADUAN_LIAISON_EMAIL", &v))
            .transpose()?;
        let head_email = get(Key::head_email)
            .map(|v| email_setting("ADUAN_HEAD_EMAIL", &v))
            .transpose()?;
        let manager_emails = get(Key::manager_emails)
            .map(|v| {
                v.split(',')
                    .filter(|x| !x.trim().is_empty())
                    .map(|x| email_setting("ADUAN_MANAGER_EMAILS", x))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let audit_checkpoint_emails = get(Key::audit_checkpoint_emails)
            .map(|v| {
                v.split(',')
                    .filter(|x| !x.trim().is_empty())
                    .map(|x| email_setting("ADUAN_AUDIT_CHECKPOINT_EMAILS", x))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let reminder_raw = get(Key::reminder_days).unwrap_or_else(|| "2,1,0".into());
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
        let digest_raw = get(Key::digest_time).unwrap_or_else(|| "07:30".into());
        let digest_time = chrono::NaiveTime::parse_from_str(&digest_raw, "%H:%M")
            .ok()
            .filter(|t| (6..=17).contains(&chrono::Timelike::hour(t)))
            .ok_or_else(|| {
                invalid(
                    "ADUAN_DIGEST_TIME",
                    format!("`{digest_raw}` must be HH:MM between 06:00 and 17:59 (office hours)"),
                )
            })?;
        let closes_raw = get(Key::office_closes).unwrap_or_else(|| "16:00".into());
        let office_closes = if closes_raw.trim().eq_ignore_ascii_case("none") {
            None
        } else {
            Some(
                chrono::NaiveTime::parse_from_str(closes_raw.trim(), "%H:%M")
                    .ok()
                    .filter(|t| chrono::Timelike::hour(t) >= 10)
                    .ok_or_else(|| {
                        invalid(
                            "ADUAN_OFFICE_CLOSES",
                            format!(
                                "`{closes_raw}` must be HH:MM between 10:00 and 23:59, or `none`"
                            ),
                        )
                    })?,
            )
        };
        let sweep_interval_minutes = number(Key::sweep_interval_minutes, 15, 1, 1440)?;
        let escalation_step_days = number(Key::escalation_step_days, 2, 1, 30)? as u32;
        let backlog_summary_over = number(Key::backlog_summary_over, 25, 5, 10_000)? as usize;
        let report_live_max = number(Key::report_live_max, 20_000, 0, 10_000_000)?;
        let lapor = match get(Key::lapor_url) {
            None => None,
            Some(url) => {
                let url = url.trim_end_matches('/').to_string();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(invalid(
                        "ADUAN_LAPOR_URL",
                        format!("`{url}` must start with https:// (or http:// for lapor-sim)"),
                    ));
                }
                let token = get(Key::lapor_token)
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
                    poll_secs: number(Key::lapor_poll_seconds, 300, 10, 86_400)?,
                    timeout: std::time::Duration::from_secs(number(
                        Key::lapor_timeout_seconds,
                        20,
                        1,
                        600,
                    )?),
                    listing_lag: std::time::Duration::from_secs(number(
                        Key::lapor_listing_lag_seconds,
                        15,
                        0,
                        40,
                    )?),
                })
            }
        };
        let whatsapp = match get(Key::whatsapp_phone_number_id).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(id) => {
                let api_url = get(Key::whatsapp_api_url)
                    .unwrap_or_else(|| "https://graph.facebook.com/v21.0".into())
                    .trim_end_matches('/')
                    .to_string();
                if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
                    return Err(invalid(
                        "ADUAN_WHATSAPP_API_URL",
                        format!("`{api_url}` must start with https:// (or http:// for wa-sim)"),
                    ));
                }
                if !id.trim().chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(invalid(
                        "ADUAN_WHATSAPP_PHONE_NUMBER_ID",
                        "must be the number's id (letters and digits)",
                    ));
                }
                let required = |k: Key, name: &'static str| {
                    get(k)
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| {
                            invalid(
                                name,
                                "is required when ADUAN_WHATSAPP_PHONE_NUMBER_ID is set",
                            )
                        })
                };
                let template_name = |k: Key, name: &'static str, default: &str| {
                    let v = get(k).unwrap_or_else(|| default.to_string());
                    let v = v.trim().to_string();
                    if v.is_empty()
                        || !v
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    {
                        return Err(invalid(
                            name,
                            format!(
                                "`{v}` must be a template name: lower-case letters, digits and _"
                            ),
                        ));
                    }
                    Ok(v)
                };
                Some(WhatsappSettings {
                    api_url,
                    phone_number_id: id.trim().to_string(),
                    token: required(Key::whatsapp_token, "ADUAN_WHATSAPP_TOKEN")?,
                    app_secret: required(Key::whatsapp_app_secret, "ADUAN_WHATSAPP_APP_SECRET")?,
                    verify_token: required(
                        Key::whatsapp_verify_token,
                        "ADUAN_WHATSAPP_VERIFY_TOKEN",
                    )?,
                    template: template_name(
                        Key::whatsapp_template,
                        "ADUAN_WHATSAPP_TEMPLATE",
                        "aduan_pembaruan",
                    )?,
                    staff_template: template_name(
                        Key::whatsapp_staff_template,
                        "ADUAN_WHATSAPP_STAFF_TEMPLATE",
                        "aduan_pengingat",
                    )?,
                    visit_survey_template: match get(Key::whatsapp_visit_survey_template)
                        .filter(|v| !v.trim().is_empty())
                    {
                        None => None,
                        Some(v) => Some(template_name(
                            Key::whatsapp_visit_survey_template,
                            "ADUAN_WHATSAPP_VISIT_SURVEY_TEMPLATE",
                            &v,
                        )?),
                    },
                    template_language: get(Key::whatsapp_template_language)
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| "id".into()),
                })
            }
        };
        let telegram = match get(Key::telegram_bot_token)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(token) => {
                if !token.contains(':') || token.chars().any(|c| c.is_whitespace() || c == '/') {
                    return Err(invalid(
                        "ADUAN_TELEGRAM_BOT_TOKEN",
                        "must be the token @BotFather gave (`123456:ABC…`)",
                    ));
                }
                let api_url = get(Key::telegram_api_url)
                    .unwrap_or_else(|| "https://api.telegram.org".into())
                    .trim()
                    .trim_end_matches('/')
                    .to_string();
                if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
                    return Err(invalid(
                        "ADUAN_TELEGRAM_API_URL",
                        format!("`{api_url}` must start with https:// (or http:// for tg-sim)"),
                    ));
                }
                let webhook_secret = get(Key::telegram_webhook_secret)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty());
                if let Some(s) = &webhook_secret
                    && (s.len() > 256
                        || !s
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                {
                    return Err(invalid(
                        "ADUAN_TELEGRAM_WEBHOOK_SECRET",
                        "1–256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)",
                    ));
                }
                Some(TelegramSettings {
                    api_url,
                    token,
                    webhook_secret,
                })
            }
        };
        let sms = {
            let text = |k: Key| {
                get(k)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let send_command = match text(Key::sms_send_command) {
                None => None,
                Some(c) => {
                    let args: Vec<String> = c.split_whitespace().map(str::to_string).collect();
                    if !args.iter().any(|a| a.contains("{to}"))
                        || !args.iter().any(|a| a.contains("{text}"))
                    {
                        return Err(invalid(
                            "ADUAN_SMS_SEND_COMMAND",
                            "must name the number and the text: `{to}` and `{text}`",
                        ));
                    }
                    Some(args)
                }
            };
            let gateway_url =
                text(Key::sms_gateway_url).map(|u| u.trim_end_matches('/').to_string());
            if let Some(u) = &gateway_url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                return Err(invalid(
                    "ADUAN_SMS_GATEWAY_URL",
                    format!("`{u}` must start with https:// or http://"),
                ));
            }
            let gateway_username = text(Key::sms_gateway_username);
            let gateway_password = text(Key::sms_gateway_password);
            if gateway_url.is_some() && (gateway_username.is_none() || gateway_password.is_none()) {
                return Err(invalid(
                    "ADUAN_SMS_GATEWAY_USERNAME",
                    "the gateway's user and password are required with ADUAN_SMS_GATEWAY_URL",
                ));
            }
            SmsSettings {
                send_command,
                send_limit: number(Key::sms_send_limit, 160, 70, 1530)? as usize,
                gateway_url,
                gateway_username,
                gateway_password,
                webhook_secret: text(Key::sms_webhook_secret),
            }
        };
        let max_email_bytes = number(Key::email_max_bytes, 25 * 1024 * 1024, 64 * 1024, 1 << 30)?;
        let imap = match get(Key::imap_host) {
            None => None,
            Some(host) => {
                let tls = match get(Key::imap_tls).as_deref() {
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
                let port = number(Key::imap_port, default_port, 1, 65_535)? as u16;
                let username = get(Key::imap_username).ok_or_else(|| {
                    invalid("ADUAN_IMAP_USERNAME", "is required with ADUAN_IMAP_HOST")
                })?;
                let password = get(Key::imap_password).ok_or_else(|| {
                    invalid("ADUAN_IMAP_PASSWORD", "is required with ADUAN_IMAP_HOST")
                })?;
                Some(ImapSettings {
                    host,
                    port,
                    tls,
                    username,
                    password,
                    folder: get(Key::imap_folder).unwrap_or_else(|| "INBOX".into()),
                    done_folder: get(Key::imap_done_folder).filter(|f| !f.trim().is_empty()),
                    poll_secs: number(Key::imap_poll_seconds, 60, 5, 86_400)?,
                })
            }
        };
        let instructions_raw =
            get(Key::disposition_instructions).unwrap_or_else(|| DEFAULT_INSTRUCTIONS.join(";"));
        let disposition_instructions: Vec<String> = instructions_raw
            .split(';')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
        let letterhead: Vec<String> = get(Key::letterhead)
            .map(|raw| {
                raw.split(';')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_else(|| vec!["PEMERINTAH DAERAH".into(), office_name.to_uppercase()]);
        if letterhead.len() > 8 || letterhead.iter().any(|x| x.chars().count() > 200) {
            return Err(invalid(
                "ADUAN_LETTERHEAD",
                "must be at most 8 `;`-separated lines of at most 200 characters each",
            ));
        }
        let letter_signer = get(Key::letter_signer)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if letter_signer
            .as_deref()
            .is_some_and(|v| v.chars().count() > 200)
        {
            return Err(invalid(
                "ADUAN_LETTER_SIGNER",
                "must be a position's title (at most 200 characters)",
            ));
        }
        let letter_copies: Vec<String> = get(Key::letter_copies)
            .map(|raw| {
                raw.split(';')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if letter_copies.len() > 10 || letter_copies.iter().any(|x| x.chars().count() > 200) {
            return Err(invalid(
                "ADUAN_LETTER_COPIES",
                "must be at most 10 `;`-separated lines of at most 200 characters each",
            ));
        }
        let letter_number_pattern = get(Key::letter_number_pattern)
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "{seq}/PENGADUAN/{month_roman}/{year}".into());
        if !crate::domain::letter::valid_pattern(&letter_number_pattern) {
            return Err(invalid(
                "ADUAN_LETTER_NUMBER_PATTERN",
                "must contain `{seq}` (or `{seq3}`) and `{year}`, and only `{seq}`, `{seq3}`, `{month}`, `{month_roman}`, `{year}` (at most 120 characters)",
            ));
        }
        let office_city = get(Key::office_city).unwrap_or_default().trim().to_string();
        if office_city.chars().count() > 100 {
            return Err(invalid(
                "ADUAN_OFFICE_CITY",
                "must be at most 100 characters",
            ));
        }
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
            retention,
            purge_after,
            body_timeout,
            trusted_proxies,
            replay_code_window,
            session_idle,
            session_max,
            require_2fa,
            sign_in_lockout_failures,
            sign_in_first_delay,
            sign_in_lock_duration,
            webhook_allow_hosts,
            metrics_token,
            ack_per_address_per_day,
            email_trusted_authserv,
            secret_key_file,
            warnings,
            db_acquire_timeout,
            worker_restart_limit,
            liaison_email,
            head_email,
            manager_emails,
            audit_checkpoint_emails,
            reminder_days,
            digest_time,
            office_closes,
            sweep_interval_minutes,
            escalation_step_days,
            backlog_summary_over,
            report_live_max,
            disposition_instructions,
            letterhead,
            letter_number_pattern,
            letter_signer,
            letter_copies,
            office_city,
            lapor,
            imap,
            whatsapp,
            telegram,
            sms,
            max_email_bytes,
            smtp,
            public_base_url,
            outbox_interval_secs,
            outbox_max_attempts,
            database_url,
            listen,
            office_name,
            office_timezone,
            lapor_timezone,
            tracking_prefix,
            log_format,
            log_level,
            data_dir,
            max_attachment_bytes,
            public_rate_limit_per_minute,
            web_form_per_hour,
            visit_escalate_minutes,
            visit_form_per_hour,
            visit_retention_days,
            db_max_connections,
        })
    }
}

#[cfg(test)]
mod label_tests {
    use super::database_label;

    #[test]
    fn a_database_is_named_without_its_password() {
        assert_eq!(
            database_label("postgres://aduan:rahasia@db:5432/aduan?sslmode=require"),
            "PostgreSQL postgres://aduan@db:5432/aduan"
        );
        assert_eq!(
            database_label("sqlite://./data/aduan.db?mode=rwc"),
            "SQLite ./data/aduan.db"
        );
        assert!(!database_label("postgres://a:secret@c/d").contains("secret"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(&m)
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

    /// Every setting of the table in one `aduan.toml`, none of them the default.
    pub(crate) const FULL_FILE: &str = include_str!("../tests/fixtures/aduan-every-setting.toml");

    #[test]
    fn every_setting_works_in_the_file_and_takes_effect() {
        // the file names every declared setting
        let table: toml::Table = FULL_FILE.parse().unwrap();
        for s in SETTINGS {
            assert!(
                table.contains_key(s.file_key),
                "FULL_FILE lacks {}",
                s.file_key
            );
        }
        assert_eq!(table.len(), SETTINGS.len());
        let dir = std::env::temp_dir().join(format!("aduan-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("aduan.toml");
        std::fs::write(&path, FULL_FILE).unwrap();
        let s = load(&[("ADUAN_CONFIG", &path.display().to_string())]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            s.database_url,
            "sqlite:///tmp/aduan-every-setting/db.sqlite"
        );
        assert_eq!(s.listen.to_string(), "127.0.0.1:18081");
        assert_eq!(s.office_name, "Dinas Sosial Kabupaten Kupang");
        assert_eq!(s.office_timezone, chrono_tz::Asia::Jayapura);
        assert_eq!(s.tracking_prefix.as_str(), "KPG");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.log_level, "debug");
        assert_eq!(s.data_dir, PathBuf::from("/tmp/aduan-every-setting"));
        assert_eq!(s.max_attachment_bytes, 2048);
        assert_eq!(s.public_rate_limit_per_minute, 7);
        assert_eq!(s.web_form_per_hour, 12);
        assert_eq!(
            (
                s.visit_escalate_minutes,
                s.visit_form_per_hour,
                s.visit_retention_days
            ),
            (7, 120, 400)
        );
        assert_eq!(s.db_max_connections, 3);
        assert_eq!(s.db_acquire_timeout, std::time::Duration::from_millis(1500));
        assert_eq!(s.public_base_url, "http://127.0.0.1:18081");
        let smtp = s.smtp.as_ref().unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.tls),
            ("127.0.0.1", 2526, SmtpTls::None)
        );
        assert_eq!(smtp.username.as_deref(), Some("pengaduan"));
        assert_eq!(smtp.password.as_deref(), Some("rahasia smtp"));
        assert_eq!(smtp.from, "Dinas Sosial <pengaduan@dinsos.example.go.id>");
        assert_eq!((s.outbox_interval_secs, s.outbox_max_attempts), (3, 4));
        assert_eq!(
            s.liaison_email.as_deref(),
            Some("penghubung@dinsos.example.go.id")
        );
        assert_eq!(s.head_email.as_deref(), Some("kadis@dinsos.example.go.id"));
        assert_eq!(
            s.manager_emails,
            ["inspektorat@example.go.id", "sekda@example.go.id"]
        );
        assert_eq!(s.audit_checkpoint_emails, ["inspektorat@example.go.id"]);
        assert_eq!(s.reminder_days, [1, 3]);
        assert_eq!(
            s.digest_time,
            chrono::NaiveTime::from_hms_opt(8, 15, 0).unwrap()
        );
        assert_eq!(s.office_closes, chrono::NaiveTime::from_hms_opt(15, 30, 0));
        assert_eq!(s.sweep_interval_minutes, 30);
        assert_eq!((s.escalation_step_days, s.backlog_summary_over), (3, 40));
        assert_eq!(s.report_live_max, 5000);
        assert_eq!(s.lapor_timezone, chrono_tz::Asia::Makassar);
        let lapor = s.lapor.as_ref().unwrap();
        assert_eq!(lapor.url, "http://127.0.0.1:9");
        assert_eq!(lapor.token, "token-lapor");
        assert_eq!(lapor.poll_secs, 120);
        let wa = s.whatsapp.as_ref().unwrap();
        assert_eq!(wa.api_url, "http://127.0.0.1:9/v21.0");
        assert_eq!(
            (
                wa.phone_number_id.as_str(),
                wa.token.as_str(),
                wa.app_secret.as_str()
            ),
            ("106540352242922", "token-wa", "rahasia-aplikasi")
        );
        assert_eq!(
            (
                wa.verify_token.as_str(),
                wa.template.as_str(),
                wa.staff_template.as_str()
            ),
            ("jabat-tangan", "status_pengaduan", "pengingat_petugas")
        );
        assert_eq!(
            wa.visit_survey_template.as_deref(),
            Some("survei_kunjungan")
        );
        assert_eq!(lapor.timeout, std::time::Duration::from_secs(7));
        assert_eq!(lapor.listing_lag, std::time::Duration::from_secs(25));
        let tg = s.telegram.as_ref().unwrap();
        assert_eq!(
            (
                tg.api_url.as_str(),
                tg.token.as_str(),
                tg.webhook_secret.as_deref()
            ),
            (
                "http://127.0.0.1:9",
                "123456:token-tg",
                Some("rahasia_tg-1")
            )
        );
        assert_eq!(
            s.sms.send_command.as_deref().map(|c| c.join(" ")),
            Some("gammu-smsd-inject TEXT {to} -len {len} -text {text}".into())
        );
        assert_eq!(s.sms.send_limit, 459);
        assert_eq!(
            (
                s.sms.gateway_url.as_deref(),
                s.sms.gateway_username.as_deref(),
                s.sms.gateway_password.as_deref(),
                s.sms.webhook_secret.as_deref()
            ),
            (
                Some("http://127.0.0.1:9/3rdparty/v1"),
                Some("sms"),
                Some("rahasia-sms"),
                Some("kunci-sms")
            )
        );
        let imap = s.imap.as_ref().unwrap();
        assert_eq!(
            (imap.host.as_str(), imap.port, imap.tls),
            ("127.0.0.1", 1143, ImapTls::None)
        );
        assert_eq!(
            (imap.username.as_str(), imap.password.as_str()),
            ("pengaduan", "rahasia imap")
        );
        assert_eq!(imap.folder, "Pengaduan");
        assert_eq!(imap.done_folder.as_deref(), Some("Selesai"));
        assert_eq!(imap.poll_secs, 45);
        assert_eq!(s.max_email_bytes, 131_072);
        assert_eq!(s.disposition_instructions, ["tindak lanjuti", "pelajari"]);
        assert_eq!(
            s.letterhead,
            [
                "PEMERINTAH KABUPATEN KUPANG",
                "DINAS SOSIAL",
                "Jl. Timor Raya Km 36, Oelamasi"
            ]
        );
        assert_eq!(s.office_city, "Oelamasi");
        assert_eq!(s.letter_signer.as_deref(), Some("Sekretaris"));
        assert_eq!(
            s.letter_copies,
            [
                "Bupati Kupang (sebagai laporan)",
                "Inspektorat Kabupaten Kupang"
            ]
        );
        assert_eq!(
            s.letter_number_pattern,
            "460/{seq}/DINSOS/{month_roman}/{year}"
        );
        assert_eq!(s.worker_restart_limit, 9);
        assert_eq!(s.replay_code_window, chrono::Duration::minutes(20));
        assert_eq!(
            s.trusted_proxies,
            [
                IpNet::parse("10.0.0.0/8").unwrap(),
                IpNet::parse("127.0.0.1").unwrap()
            ]
        );
        assert_eq!(s.session_idle, chrono::Duration::minutes(45));
        assert_eq!(s.session_max, chrono::Duration::hours(9));
        use crate::domain::Role;
        assert_eq!(s.require_2fa, [Role::Admin, Role::Head, Role::Liaison]);
        assert_eq!(s.sign_in_lockout_failures, 6);
        assert_eq!(s.sign_in_first_delay, std::time::Duration::from_millis(250));
        assert_eq!(
            s.sign_in_lock_duration,
            std::time::Duration::from_secs(1800)
        );
        assert_eq!(s.webhook_allow_hosts, ["hooks.dinsos.local", "10.1.2.3"]);
        assert_eq!(s.metrics_token.as_deref(), Some("token-metrik-rahasia-123"));
        assert_eq!(s.ack_per_address_per_day, 3);
        assert_eq!(s.email_trusted_authserv, ["mx.dinsos.example.go.id"]);
        assert_eq!(
            s.secret_key_file,
            PathBuf::from("/tmp/aduan-every-setting/kunci.key")
        );
        assert_eq!(
            s.retention,
            crate::domain::retention::RetentionSchedule::parse("closed=10,rejected=3").unwrap()
        );
        assert_eq!(s.purge_after, chrono::Duration::days(30));
        assert_eq!(s.body_timeout, std::time::Duration::from_secs(12));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn every_setting_works_as_an_environment_variable() {
        let table: toml::Table = FULL_FILE.parse().unwrap();
        let env: Vec<(String, String)> = SETTINGS
            .iter()
            .map(|s| {
                let v = match &table[s.file_key] {
                    toml::Value::String(v) => v.clone(),
                    toml::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    toml::Value::Integer(i) => i.to_string(),
                    other => panic!("unexpected value {other:?}"),
                };
                (s.env.to_string(), v)
            })
            .collect();
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let s = load(&pairs).unwrap();
        assert_eq!(s.office_timezone, chrono_tz::Asia::Jayapura);
        assert_eq!(s.worker_restart_limit, 9);
        assert_eq!(s.manager_emails.len(), 2);
        assert_eq!(s.imap.unwrap().poll_secs, 45);
        assert_eq!(s.smtp.unwrap().port, 2526);
    }

    #[test]
    fn proxy_ranges_match_their_addresses() {
        let net = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.2.3.4".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.9.9.9".parse().unwrap()));
        let one = IpNet::parse("fd00::1").unwrap();
        assert!(one.contains("fd00::1".parse().unwrap()));
        assert!(!one.contains("fd00::2".parse().unwrap()));
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(IpNet::parse("10.0.0.0/33").is_none());
        assert!(load(&[("ADUAN_TRUSTED_PROXIES", "nginx")]).is_err());
    }

    #[test]
    fn unknown_names_are_reported_with_the_closest_known_one() {
        let s = load(&[
            ("ADUAN_LISTN", "127.0.0.1:1"),
            ("ADUAN_TEST_POSTGRES_URL", "x"),
        ])
        .unwrap();
        assert_eq!(
            s.warnings,
            ["unknown setting ADUAN_LISTN is ignored (did you mean ADUAN_LISTEN?)"]
        );
        let dir = std::env::temp_dir().join(format!("aduan-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("aduan.toml");
        std::fs::write(&path, "smtp_hots = \"mail\"\n").unwrap();
        let e = load(&[("ADUAN_CONFIG", &path.display().to_string())])
            .unwrap_err()
            .to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            e.contains("unknown setting `smtp_hots` (did you mean `smtp_host`?)"),
            "{e}"
        );
    }

    #[test]
    fn a_public_url_that_cannot_reach_the_service_is_a_warning() {
        let warned = |pairs: &[(&str, &str)]| !load(pairs).unwrap().warnings.is_empty();
        // listening on every interface, no public URL: links would say 127.0.0.1
        assert!(warned(&[("ADUAN_LISTEN", "0.0.0.0:8080")]));
        // a loopback URL on another port
        assert!(warned(&[
            ("ADUAN_LISTEN", "127.0.0.1:9000"),
            ("ADUAN_PUBLIC_BASE_URL", "http://127.0.0.1:8080")
        ]));
        // a loopback URL while listening on a LAN address
        assert!(warned(&[
            ("ADUAN_LISTEN", "10.0.0.5:8080"),
            ("ADUAN_PUBLIC_BASE_URL", "http://localhost:8080")
        ]));
        // fine: the default follows the listen address; a real host name
        assert!(!warned(&[("ADUAN_LISTEN", "127.0.0.1:9000")]));
        assert_eq!(
            load(&[("ADUAN_LISTEN", "127.0.0.1:9000")])
                .unwrap()
                .public_base_url,
            "http://127.0.0.1:9000"
        );
        assert!(!warned(&[
            ("ADUAN_LISTEN", "0.0.0.0:8080"),
            (
                "ADUAN_PUBLIC_BASE_URL",
                "https://pengaduan.dinsos.example.go.id"
            )
        ]));
    }

    #[test]
    fn the_readme_settings_table_is_generated_from_the_declaration() {
        let readme = include_str!("../README.md");
        let begin = "<!-- settings:begin (generated from src/config.rs: cargo test regenerates with ADUAN_BLESS=1) -->\n";
        let end = "<!-- settings:end -->";
        let want = settings_table();
        let found = readme
            .split_once(begin)
            .and_then(|(_, rest)| rest.split_once(end))
            .map(|(table, _)| table);
        if found != Some(want.as_str()) && std::env::var("ADUAN_BLESS").is_ok() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
            let (head, rest) = readme
                .split_once(begin)
                .expect("README has the begin marker");
            let (_, tail) = rest.split_once(end).expect("README has the end marker");
            std::fs::write(path, format!("{head}{begin}{want}{end}{tail}")).unwrap();
            return;
        }
        assert_eq!(
            found,
            Some(want.as_str()),
            "README settings table is stale: run ADUAN_BLESS=1 cargo test --lib config"
        );
    }
}
