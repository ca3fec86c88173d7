//! Reading the complaints mailbox over IMAP (async-imap): implicit TLS,
//! STARTTLS, or plain on loopback. Remembers UIDVALIDITY and the last UID
//! handled, so nothing is read twice; after a message is committed it is
//! moved to `ADUAN_IMAP_DONE_FOLDER` or flagged `\Seen`. An unreachable
//! mailbox is retried with backoff and reported on the status endpoint.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::{EmailIntake, Outcome, mailbox_actor};
use crate::config::{ImapSettings, ImapTls, Settings};
use crate::store::{DynStore, StoreError};

/// The integration's name in `integration_state` and `job_leases`.
pub const NAME: &str = "imap";
const LEASE: &str = "imap_poll";
/// Messages per poll at most (the next poll goes on).
const BATCH: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot reach the mailbox: {0}")]
    Connect(String),
    #[error("the mailbox refused the login")]
    Login,
    #[error("IMAP: {0}")]
    Protocol(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        ImapError::Protocol(e.to_string())
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImapReport {
    pub fetched: u32,
    pub created: u32,
    pub joined: u32,
    pub ignored: u32,
    pub rejected: u32,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

type Session = async_imap::Session<Box<dyn Stream>>;

/// `v<uidvalidity>:<last uid>`.
fn parse_cursor(c: Option<&str>) -> Option<(u32, u32)> {
    let (v, u) = c?.strip_prefix('v')?.split_once(':')?;
    Some((v.parse().ok()?, u.parse().ok()?))
}

pub struct ImapPoller {
    intake: Arc<EmailIntake>,
    store: DynStore,
    settings: Arc<Settings>,
    holder: String,
    /// Failed polls in a row, for the backoff.
    failures: std::sync::atomic::AtomicU32,
    next_try: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

fn tls_config() -> Arc<tokio_rustls::rustls::ClientConfig> {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Arc::new(
        tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        .unwrap_or_else(|_| {
            tokio_rustls::rustls::ClientConfig::builder()
                .with_root_certificates(tokio_rustls::rustls::RootCertStore::empty())
                .with_no_client_auth()
        }),
    )
}

async fn tls(host: &str, tcp: TcpStream) -> Result<Box<dyn Stream>, ImapError> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| ImapError::Connect(e.to_string()))?;
    let s = tokio_rustls::TlsConnector::from(tls_config())
        .connect(name, tcp)
        .await
        .map_err(|e| ImapError::Connect(format!("TLS: {e}")))?;
    Ok(Box::new(s))
}

async fn connect(s: &ImapSettings) -> Result<Session, ImapError> {
    let tcp = tokio::time::timeout(
        Duration::from_secs(20),
        TcpStream::connect((s.host.as_str(), s.port)),
    )
    .await
    .map_err(|_| ImapError::Connect("timeout".into()))?
    .map_err(|e| ImapError::Connect(e.to_string()))?;
    let stream: Box<dyn Stream> = match s.tls {
        ImapTls::Implicit => tls(&s.host, tcp).await?,
        ImapTls::None => Box::new(tcp),
        ImapTls::StartTls => {
            let mut c = async_imap::Client::new(tcp);
            c.read_response()
                .await
                .map_err(|e| ImapError::Connect(e.to_string()))?;
            c.run_command_and_check_ok("STARTTLS", None).await?;
            tls(&s.host, c.into_inner()).await?
        }
    };
    let mut client = async_imap::Client::new(stream);
    if s.tls != ImapTls::StartTls {
        client
            .read_response()
            .await
            .map_err(|e| ImapError::Connect(e.to_string()))?;
    }
    client
        .login(&s.username, &s.password)
        .await
        .map_err(|_| ImapError::Login)
}

impl ImapPoller {
    pub fn new(intake: Arc<EmailIntake>, store: DynStore, settings: Arc<Settings>) -> Self {
        ImapPoller {
            intake,
            store,
            settings,
            holder: uuid::Uuid::now_v7().to_string(),
            failures: std::sync::atomic::AtomicU32::new(0),
            next_try: tokio::sync::Mutex::new(None),
        }
    }

    /// One poll, under the lease; `None` if another replica polls or the
    /// backoff after failures says wait. Records the outcome.
    pub async fn poll_leased(&self, now: DateTime<Utc>) -> Result<Option<ImapReport>, ImapError> {
        if let Some(t) = *self.next_try.lock().await
            && tokio::time::Instant::now() < t
        {
            return Ok(None);
        }
        let until = now + chrono::Duration::minutes(5);
        if !self
            .store
            .acquire_lease(LEASE, &self.holder, now, until)
            .await?
        {
            return Ok(None);
        }
        let result = self.poll_once().await;
        let later = Utc::now();
        self.store
            .acquire_lease(
                LEASE,
                &self.holder,
                later,
                later - chrono::Duration::seconds(1),
            )
            .await?;
        let error = result.as_ref().err().map(ToString::to_string);
        self.store
            .record_integration_poll(
                NAME,
                later,
                error.as_deref(),
                result.as_ref().map_or(0, |r| u64::from(r.created)),
            )
            .await?;
        use std::sync::atomic::Ordering;
        match &result {
            Ok(_) => {
                self.failures.store(0, Ordering::SeqCst);
                *self.next_try.lock().await = None;
            }
            Err(e) => {
                let n = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
                let wait = Duration::from_secs((30u64 << n.min(7)).min(3600));
                *self.next_try.lock().await = Some(tokio::time::Instant::now() + wait);
                if n == 1 || n.is_power_of_two() {
                    tracing::warn!(error = %e, failures = n, retry_in_secs = wait.as_secs(), "mailbox poll failed");
                }
            }
        }
        result.map(Some)
    }

    /// Reads new messages since the saved UID and hands each to the intake.
    pub async fn poll_once(&self) -> Result<ImapReport, ImapError> {
        let Some(cfg) = &self.settings.imap else {
            return Ok(ImapReport::default());
        };
        let mut session = connect(cfg).await?;
        let result = self.read(&mut session, cfg).await;
        let _ = session.logout().await;
        result
    }

    async fn read(
        &self,
        session: &mut Session,
        cfg: &ImapSettings,
    ) -> Result<ImapReport, ImapError> {
        let mut report = ImapReport::default();
        let mailbox = session.select(&cfg.folder).await?;
        let validity = mailbox.uid_validity.unwrap_or(0);
        let state = self.store.integration_state(NAME).await?;
        // a new UIDVALIDITY means the UIDs were renumbered: read all again
        // (Message-IDs already seen are ignored as duplicates)
        let last = match parse_cursor(state.as_ref().and_then(|s| s.cursor.as_deref())) {
            Some((v, u)) if v == validity => u,
            _ => 0,
        };
        let mut uids: Vec<u32> = session
            .uid_search(format!("UID {}:*", last.saturating_add(1)))
            .await?
            .into_iter()
            .filter(|u| *u > last)
            .collect();
        uids.sort_unstable();
        uids.truncate(BATCH);
        let max = self.settings.max_email_bytes;
        let actor = mailbox_actor();
        for uid in uids {
            let sizes: Vec<async_imap::types::Fetch> = session
                .uid_fetch(uid.to_string(), "RFC822.SIZE")
                .await?
                .try_collect()
                .await?;
            let size = sizes.first().and_then(|f| f.size).unwrap_or(0);
            let query = if u64::from(size) > max {
                "BODY.PEEK[HEADER]"
            } else {
                "BODY.PEEK[]"
            };
            let fetched: Vec<async_imap::types::Fetch> = session
                .uid_fetch(uid.to_string(), query)
                .await?
                .try_collect()
                .await?;
            let raw: Vec<u8> = fetched
                .first()
                .and_then(|f| f.body().or_else(|| f.header()))
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            report.fetched += 1;
            if u64::from(size) > max {
                let limit = usize::try_from(max).unwrap_or(usize::MAX);
                self.intake
                    .keep_too_large(&raw, size as usize, limit, "imap", Utc::now())
                    .await?;
                report.rejected += 1;
            } else {
                match self.intake.accept(&raw, "imap", &actor, Utc::now()).await? {
                    Ok(Outcome::Created(_)) => report.created += 1,
                    Ok(Outcome::Joined(_)) => report.joined += 1,
                    Ok(Outcome::Ignored(_)) => report.ignored += 1,
                    Err(_) => report.rejected += 1,
                }
            }
            // committed: now mark it on the server, then remember the UID
            match &cfg.done_folder {
                Some(folder) => session.uid_mv(uid.to_string(), folder).await?,
                None => {
                    let _: Vec<async_imap::types::Fetch> = session
                        .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
                        .await?
                        .try_collect()
                        .await?;
                }
            }
            self.store
                .set_integration_cursor(NAME, &format!("v{validity}:{uid}"), Utc::now())
                .await?;
        }
        Ok(report)
    }

    /// Polls every `ADUAN_IMAP_POLL_SECONDS` until `token` is cancelled.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let every = Duration::from_secs(self.settings.imap.as_ref().map_or(60, |i| i.poll_secs));
        crate::workers::every(every, token, || async {
            // failures are logged (sparingly) and recorded by poll_leased
            let _ = self.poll_leased(Utc::now()).await;
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(parse_cursor(Some("v7:42")), Some((7, 42)));
        assert_eq!(parse_cursor(Some("garbage")), None);
        assert_eq!(parse_cursor(None), None);
    }
}
