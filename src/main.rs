//! `aduan`: the service and its admin CLI.

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use aduan::api::auth::new_token;
use aduan::config::{LogFormat, Settings};
use aduan::domain::Role;
use aduan::startup::Application;
use aduan::store::{self, ApiKey};
use aduan::telemetry;

#[derive(Parser)]
#[command(
    name = "aduan",
    version,
    about = "Complaint management for Indonesian government offices"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum PrivacyAction {
    /// After erasures: rewrite the tables they touched so no byte of the
    /// erased rows stays in the database files or its write-ahead log (locks
    /// those tables while it runs: a quiet hour). PostgreSQL also needs
    /// `wal_recycle = off`; standbys and backups keep their own copies until
    /// they are replaced (docs/adr/0016).
    Scrub,
}

#[derive(Subcommand, Debug)]
enum AuditAction {
    /// Seal what is not sealed yet, then walk the whole chain: every link,
    /// every event's content and detail, the daily checkpoints. Exits 1 and
    /// names the first broken link (its seal, event and complaint).
    Verify,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage personal staff accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The keyring that encrypts personal data at rest (docs/adr/0016).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Manage API keys.
    Apikey {
        #[command(subcommand)]
        action: ApikeyAction,
    },
    /// Personal data at rest (docs/adr/0016).
    Privacy {
        #[command(subcommand)]
        action: PrivacyAction,
    },
    /// The tamper-evident timeline (docs/adr/0034).
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The due date of something received at an instant, N working days later
    /// (printed alone on the last line), on the office calendar in the database.
    Deadline {
        /// RFC 3339, e.g. 2025-03-27T09:00:00+08:00
        #[arg(long)]
        received_at: String,
        #[arg(long)]
        working_days: u32,
        /// IANA time zone (default: ADUAN_OFFICE_TIMEZONE)
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Run a scheduled job once now (or as if at --at), e.g. after an outage.
    RunJob {
        /// reminder-sweep, digest, outbox, housekeeping or retention
        job: JobName,
        /// RFC 3339; default now
        #[arg(long)]
        at: Option<String>,
        /// Retention only: list what is past the schedule, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Take a message that arrived outside the HTTP service.
    Intake {
        #[command(subcommand)]
        channel: IntakeChannel,
    },
    /// Working days after FROM up to and including TO (printed alone on the last line).
    WorkingDays {
        /// YYYY-MM-DD
        #[arg(long)]
        from: chrono::NaiveDate,
        /// YYYY-MM-DD
        #[arg(long)]
        to: chrono::NaiveDate,
    },
}

#[derive(Subcommand)]
enum IntakeChannel {
    /// Gammu SMSD's `RunOnReceive` program: reads the received SMS from
    /// Gammu's environment (SMS_MESSAGES, SMS_1_NUMBER, SMS_1_TEXT, …,
    /// DECODED_PARTS, DECODED_1_TEXT) and registers it with the service's
    /// settings; exits 0 only once it is stored (Gammu keeps it otherwise).
    Sms {
        /// The received messages' ids Gammu appends (its backend's ids).
        ids: Vec<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum JobName {
    ReminderSweep,
    Digest,
    Outbox,
    Housekeeping,
    Retention,
    /// Brings the reports' day tallies up to date (every day on the first run).
    Reports,
    /// Queues the monthly report (only on the month's first working day).
    MonthlyReport,
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account. Without --password-stdin the one-time set-password
    /// link (valid 24 hours) is printed alone on the last line.
    Create {
        /// The sign-in name, e.g. the person's email address.
        #[arg(long)]
        login: String,
        /// admin, reception, liaison, official, head, manager or privacy.
        #[arg(long)]
        role: Role,
        /// The officer the person is (id from GET /api/v1/org/officers).
        #[arg(long)]
        officer: Option<Uuid>,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum KeysAction {
    /// The master keys and how many stored values each seals.
    Status,
    /// Add a new master key and re-seal everything under it, while the
    /// service runs (replicas pick the new key up from the shared file).
    Rotate,
    /// Only add a new master key to the keyring file (then give every
    /// replica the new file, e.g. update the Kubernetes Secret, and run
    /// `keys reseal`).
    Add,
    /// Re-seal everything under the newest master key of the keyring.
    Reseal,
    /// Remove an old master key once nothing is sealed by it.
    Retire {
        /// The key number (from `keys status`).
        kid: u32,
    },
}

#[derive(Subcommand)]
enum ApikeyAction {
    /// Create a key; the key itself is printed once, alone on the last line.
    Create {
        /// Who or what uses the key, e.g. "Front office" or "e-office Pemprov".
        #[arg(long)]
        name: String,
        /// admin, reception, liaison, official, head, manager, integration or privacy.
        #[arg(long)]
        role: Role,
        /// Bind the key to an officer (id from GET /api/v1/org/officers): the
        /// officer's positions and acting appointments then apply.
        #[arg(long)]
        officer: Option<Uuid>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by its id.
    Revoke { id: Uuid },
}

async fn key_status(store: &dyn store::Store) -> anyhow::Result<()> {
    let vault = store.vault();
    let primary = vault.primary_kid();
    for kid in vault.kids() {
        let n = store.count_sealed_by(kid, true).await?;
        let mark = if kid == primary { " (primary)" } else { "" };
        println!("key {kid}{mark}: seals {n} stored values");
    }
    Ok(())
}

async fn keys(store: &dyn store::Store, action: KeysAction) -> anyhow::Result<()> {
    let vault = store.vault().clone();
    match action {
        KeysAction::Status => key_status(store).await?,
        KeysAction::Add => {
            let kid = vault.add_master_key()?;
            println!(
                "key {kid} added to {}",
                vault
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
        }
        KeysAction::Rotate | KeysAction::Reseal => {
            if matches!(action, KeysAction::Rotate) {
                let kid = vault.add_master_key()?;
                eprintln!("key {kid} added; re-sealing under it");
                // every process sharing the file seals with it from now on
                tokio::time::sleep(2 * aduan::vault::CHECK_EVERY).await;
            }
            let mut bar = ProgressBar::new();
            let report =
                aduan::app::vault::reseal_all(store, &mut |done, total| bar.show(done, total))
                    .await?;
            bar.finish();
            println!(
                "re-sealed {} of {} values under key {} ({} could not be opened)",
                report.resealed, report.rows, report.primary, report.failed
            );
            if report.left_behind > 0 {
                println!(
                    "{} values are still under older keys (written meanwhile): run `aduan keys reseal` again",
                    report.left_behind
                );
            }
            key_status(store).await?;
        }
        KeysAction::Retire { kid } => {
            let n = store.count_sealed_by(kid, true).await?;
            anyhow::ensure!(
                n == 0,
                "key {kid} still seals {n} stored values: run `aduan keys reseal` first (replay codes expire within ADUAN_REPLAY_CODE_MINUTES)"
            );
            // the database forgets it first: a crash between the two leaves a
            // key the next start records again, never a record of a missing key
            store.forget_keyring_check(kid).await?;
            vault.remove_master_key(kid)?;
            println!("key {kid} removed from the keyring");
        }
    }
    Ok(())
}

/// A progress bar on standard error (redrawn in place on a terminal, a line
/// per 10 % otherwise).
struct ProgressBar {
    tty: bool,
    last_tenth: u64,
    started: std::time::Instant,
}

impl ProgressBar {
    fn new() -> Self {
        use std::io::IsTerminal;
        ProgressBar {
            tty: std::io::stderr().is_terminal(),
            last_tenth: u64::MAX,
            started: std::time::Instant::now(),
        }
    }

    fn show(&mut self, done: u64, total: u64) {
        let total = total.max(1);
        let pct = (done.min(total) * 100) / total;
        let filled = (pct / 5) as usize;
        let line = format!(
            "[{}{}] {pct:>3}% {done}/{total} ({:.1} s)",
            "#".repeat(filled),
            " ".repeat(20 - filled),
            self.started.elapsed().as_secs_f64()
        );
        if self.tty {
            eprint!("\r{line}");
        } else if pct / 10 != self.last_tenth {
            self.last_tenth = pct / 10;
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

async fn user(
    store: store::DynStore,
    settings: std::sync::Arc<Settings>,
    action: UserAction,
) -> anyhow::Result<()> {
    let app = aduan::app::App::new(store.clone(), settings);
    match action {
        UserAction::Create {
            login,
            role,
            officer,
            password_stdin,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                let p = line.trim_end_matches(['\r', '\n']).to_string();
                anyhow::ensure!(!p.is_empty(), "no password on standard input");
                Some(p)
            } else {
                None
            };
            let out = app
                .create_account(
                    aduan::app::accounts::AccountRequest {
                        login: &login,
                        role,
                        officer_id: officer,
                        password,
                        send_link: false,
                    },
                    "aduan user create",
                    Utc::now(),
                )
                .await;
            let created = match out {
                Ok(Ok(c)) => c,
                Ok(Err(store::AccountOutcome::LoginTaken)) => {
                    anyhow::bail!("the sign-in name {login} is taken")
                }
                Ok(Err(_)) => anyhow::bail!("no officer with id {}", officer.unwrap_or_default()),
                Err(aduan::app::accounts::AccountError::Invalid(v)) => {
                    let why: Vec<String> =
                        v.0.iter()
                            .map(|f| format!("--{} {}", f.field, f.reason))
                            .collect();
                    anyhow::bail!("{}", why.join("; "))
                }
                Err(e) => return Err(e.into()),
            };
            let a = &created.account;
            println!("created account {} ({}, role {})", a.id, a.login, a.role);
            match created.link {
                Some((url, expires)) => {
                    println!(
                        "hand over this one-time link to set the password (valid until {}):",
                        expires.format("%Y-%m-%d %H:%M UTC")
                    );
                    println!("{url}");
                }
                None => println!(
                    "the password is set: sign in at {}/console/login",
                    app.settings.public_base_url
                ),
            }
        }
        UserAction::List => {
            println!(
                "{:<36}  {:<9}  {:<8}  {:<6}  login",
                "id", "role", "active", "2fa"
            );
            for a in store.list_accounts().await? {
                println!(
                    "{:<36}  {:<9}  {:<8}  {:<6}  {}",
                    a.id,
                    a.role,
                    if a.active && a.officer_active {
                        "yes"
                    } else {
                        "no"
                    },
                    if a.totp_enabled { "on" } else { "off" },
                    a.login
                );
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    aduan::memory::tune();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", aduan::api::openapi_json());
        return Ok(());
    }
    let settings = Settings::from_env().context("invalid configuration")?;
    match command {
        Command::Serve => {
            telemetry::init_subscriber(settings.log_format, &settings.log_level, std::io::stdout);
            for w in &settings.warnings {
                tracing::warn!("{w}");
            }
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        other => {
            // CLI commands keep stdout for their output; warnings go to stderr.
            telemetry::init_subscriber(LogFormat::Text, "warn", std::io::stderr);
            // which office's data this command works on (never a password)
            eprintln!(
                "aduan: database {}, data directory {}",
                aduan::config::database_label(&settings.database_url),
                settings.data_dir.display()
            );
            for w in &settings.warnings {
                tracing::warn!("{w}");
            }
            if matches!(other, Command::Intake { .. })
                && settings.database_url.starts_with("sqlite:")
            {
                // a mistyped DATABASE_URL would make a new, empty database
                // and Gammu would forget a complaint stored where nobody looks
                let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(
                    &settings.database_url,
                )
                .context("DATABASE_URL")?;
                anyhow::ensure!(
                    opts.get_filename().is_file(),
                    "the service's database {} does not exist: is DATABASE_URL the service's?",
                    opts.get_filename().display()
                );
            }
            std::fs::create_dir_all(&settings.data_dir)
                .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
            let store =
                aduan::startup::open_store(&settings, 4, std::time::Duration::from_secs(10))
                    .await?;
            match other {
                Command::Migrate => println!("migrations applied ({})", store.backend()),
                Command::Intake {
                    channel: IntakeChannel::Sms { ids },
                } => {
                    let env = |k: &str| std::env::var(k).ok();
                    match aduan::intake::sms::from_gammu(&env, &ids, Utc::now()) {
                        Err(e) => {
                            // nothing for us: Gammu may forget it
                            eprintln!("SMS not taken: {e}");
                        }
                        Ok(m) => {
                            let app = aduan::app::App::new(
                                store.clone(),
                                std::sync::Arc::new(settings.clone()),
                            );
                            let outcome = app
                                .receive_chat(&m)
                                .await
                                .context("the SMS was not stored: Gammu keeps it")?;
                            println!(
                                "{}",
                                match outcome {
                                    aduan::app::chat::ChatOutcome::Created(c) =>
                                        format!("registered {}", c.tracking_number),
                                    aduan::app::chat::ChatOutcome::Joined(_) =>
                                        "added to the sender's complaint".into(),
                                    aduan::app::chat::ChatOutcome::Guided =>
                                        "not a complaint: the guide was queued".into(),
                                    aduan::app::chat::ChatOutcome::Duplicate =>
                                        "taken before".into(),
                                }
                            );
                        }
                    }
                }
                Command::Audit {
                    action: AuditAction::Verify,
                } => {
                    let app =
                        aduan::app::App::new(store.clone(), std::sync::Arc::new(settings.clone()));
                    let now = Utc::now();
                    let sealed = app.seal_events(now).await?;
                    let v = app.verify_timeline(now).await?;
                    println!(
                        "{} seals checked ({} newly sealed, {} redacted by erasures, {} checkpoints)",
                        v.seals, sealed, v.redacted, v.checkpoints
                    );
                    if let Some(b) = v.broken {
                        let number = match b.complaint_id {
                            Some(c) => store
                                .get_complaint(c)
                                .await?
                                .map(|c| c.tracking_number)
                                .unwrap_or_else(|| c.to_string()),
                            None => "-".into(),
                        };
                        println!(
                            "BROKEN at seal {}: event {} of complaint {}: {}",
                            b.seq,
                            b.event_id.map_or("-".into(), |e| e.to_string()),
                            number,
                            b.why.label()
                        );
                        std::process::exit(1);
                    }
                    println!("the timeline is whole");
                }
                Command::Apikey { action } => apikey(store.as_ref(), action).await?,
                Command::Keys { action } => keys(store.as_ref(), action).await?,
                Command::Privacy {
                    action: PrivacyAction::Scrub,
                } => {
                    store.scrub_full().await?;
                    println!(
                        "scrubbed: the tables erasures touch were rewritten and the write-ahead \
                         log emptied ({})",
                        store.backend()
                    );
                }
                Command::User { action } => {
                    user(store.clone(), std::sync::Arc::new(settings.clone()), action).await?
                }
                Command::Deadline {
                    received_at,
                    working_days,
                    timezone,
                } => {
                    let received = chrono::DateTime::parse_from_rfc3339(&received_at)
                        .with_context(|| {
                            format!("--received-at `{received_at}` is not RFC 3339 (e.g. 2025-03-27T09:00:00+08:00)")
                        })?
                        .with_timezone(&Utc);
                    anyhow::ensure!(working_days <= 365, "--working-days must be 0 to 365");
                    let tz: chrono_tz::Tz = match timezone {
                        Some(t) => t.parse().map_err(|_| {
                            anyhow::anyhow!("--timezone `{t}` is not an IANA time zone")
                        })?,
                        None => settings.office_timezone,
                    };
                    let (calendar, _) = store::load_policy(store.as_ref()).await?;
                    let (due_date, due_at) = calendar.deadline(received, working_days, tz);
                    println!(
                        "received {} ({tz}); {working_days} working days",
                        received.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
                    );
                    println!(
                        "due at {} ({})",
                        due_at.to_rfc3339(),
                        due_at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z")
                    );
                    println!("{due_date}");
                }
                Command::RunJob { job, at, dry_run } => {
                    let now = match at {
                        Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
                            .with_context(|| format!("--at `{t}` is not RFC 3339"))?
                            .with_timezone(&Utc),
                        None => Utc::now(),
                    };
                    let settings = std::sync::Arc::new(settings.clone());
                    let started = std::time::Instant::now();
                    match job {
                        JobName::ReminderSweep => {
                            let r = aduan::jobs::Jobs::new(store.clone(), settings)
                                .reminder_sweep(now)
                                .await?;
                            println!(
                                "messages queued: {} (one per person); reminders: {}; late-complaint notices: {}",
                                r.messages, r.reminders, r.escalations
                            );
                        }
                        JobName::Digest => {
                            let n = aduan::jobs::Jobs::new(store.clone(), settings)
                                .digest(now)
                                .await?;
                            println!("digests queued: {n}");
                        }
                        JobName::Housekeeping => {
                            let (codes, payloads) = aduan::jobs::Jobs::new(store.clone(), settings)
                                .housekeeping(now)
                                .await?;
                            println!("replay codes purged: {codes}; payloads purged: {payloads}");
                        }
                        JobName::Retention => {
                            let r = aduan::jobs::Jobs::new(store.clone(), settings.clone())
                                .retention(now, dry_run)
                                .await?;
                            let tz = settings.office_timezone;
                            for (_, number, status, since) in &r.due {
                                println!(
                                    "{number}\t{}\tsince {}",
                                    status.as_str(),
                                    since.with_timezone(&tz).format("%Y-%m-%d")
                                );
                            }
                            if dry_run {
                                println!(
                                    "dry run: {} complaints past the retention schedule (nothing changed)",
                                    r.due.len()
                                );
                            } else {
                                println!(
                                    "anonymised: {}; idempotency records deleted: {}; sent messages deleted: {}",
                                    r.anonymised, r.purged.0, r.purged.1
                                );
                            }
                        }
                        JobName::Reports => {
                            let r = aduan::jobs::Jobs::new(store.clone(), settings)
                                .refresh_reports(now)
                                .await?;
                            println!(
                                "days counted: {}{}",
                                r.days,
                                if r.full { " (every day)" } else { "" }
                            );
                        }
                        JobName::MonthlyReport => {
                            let n = aduan::jobs::Jobs::new(store.clone(), settings)
                                .monthly_report(now)
                                .await?;
                            println!("monthly reports queued: {n}");
                        }
                        JobName::Outbox => {
                            let r = aduan::notify::Dispatcher::new(store.clone(), settings)?
                                .run_once(now)
                                .await?;
                            println!(
                                "sent: {}; to retry: {}; parked: {}",
                                r.sent, r.retried, r.parked
                            );
                        }
                    }
                    println!("took {} ms", started.elapsed().as_millis());
                }
                Command::WorkingDays { from, to } => {
                    let (calendar, _) = store::load_policy(store.as_ref()).await?;
                    println!("working days after {from} up to and including {to}:");
                    println!("{}", calendar.working_days_between(from, to));
                }
                Command::Serve | Command::Openapi => {}
            }
        }
    }
    Ok(())
}

async fn apikey(store: &dyn store::Store, action: ApikeyAction) -> anyhow::Result<()> {
    match action {
        ApikeyAction::Create {
            name,
            role,
            officer,
        } => {
            let name = name.trim().to_string();
            anyhow::ensure!(
                !name.is_empty() && name.chars().count() <= 100,
                "--name must be 1 to 100 characters"
            );
            let (token, digest, hint) = new_token();
            let key = ApiKey {
                id: Uuid::now_v7(),
                name,
                role,
                hint,
                created_at: Utc::now(),
                revoked_at: None,
                officer: None,
            };
            let key = match officer {
                None => key,
                Some(id) => {
                    let o = store
                        .get_officer(id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no officer with id {id}"))?;
                    ApiKey {
                        officer: Some(store::ActorOfficer::of(&o)),
                        ..key
                    }
                }
            };
            store.insert_api_key(&key, &digest).await?;
            println!(
                "created API key {} ({}, role {})",
                key.id, key.name, key.role
            );
            println!("store it now: it is not shown again");
            println!("{token}");
        }
        ApikeyAction::List => {
            println!(
                "{:<36}  {:<11}  {:<12}  {:<25}  {:<25}  name",
                "id", "role", "hint", "created", "revoked"
            );
            for k in store.list_api_keys().await? {
                println!(
                    "{:<36}  {:<11}  {:<12}  {:<25}  {:<25}  {}",
                    k.id,
                    k.role,
                    k.hint,
                    k.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    k.revoked_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                        .unwrap_or_else(|| "-".into()),
                    k.name
                );
            }
        }
        ApikeyAction::Revoke { id } => {
            if store.revoke_api_key(id, Utc::now()).await? {
                println!("revoked {id}");
            } else {
                anyhow::bail!("no live API key with id {id}");
            }
        }
    }
    Ok(())
}
