//! The LAPOR! HTTP client: the agency token (never logged), timeouts, retries
//! with exponential backoff and jitter, `Retry-After` honoured, and a circuit
//! breaker so that an outage costs one log line and no pile of requests.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::wire::{Followup, FollowupRequest, ReportPage, RerouteAccepted, RerouteRequest, Topic};

#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub token: String,
    /// Per request.
    pub timeout: Duration,
    /// Attempts per call (the first one included).
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Consecutive failed calls that open the circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit refuses calls before letting one through.
    pub breaker_cooldown: Duration,
    /// How long a post may take to show in LAPOR!'s listing: after an
    /// ambiguous failure the client looks for that long before it posts
    /// again (ADR 0022).
    pub listing_lag: Duration,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &"…")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Self {
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            timeout,
            max_attempts: 4,
            // a failed read is asked for again promptly (0.1–0.2 s, then
            // doubling): one bad answer among many must not stall a poll
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(60),
            listing_lag: Duration::from_secs(15),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LaporError {
    #[error("LAPOR! is considered down after repeated failures; next try in {0} s")]
    CircuitOpen(u64),
    /// LAPOR! refused the request (4xx other than 401, 403 and 429): retrying will not help.
    #[error("LAPOR! answered {status}: {body}")]
    Refused { status: u16, body: String },
    /// 401/403: the token expired or was withdrawn. Transient: the token is
    /// read again from the settings, and a later try may pass.
    #[error("LAPOR! refused the agency token ({status}): {body}")]
    Unauthorized { status: u16, body: String },
    /// Timeouts, connection errors, 5xx and 429 until the attempts ran out.
    #[error("LAPOR! did not answer usefully: {0}")]
    Unavailable(String),
    #[error("LAPOR! sent something unreadable: {0}")]
    Decode(String),
}

impl LaporError {
    /// The request may have been applied although no success came back.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, LaporError::Unavailable(_))
    }

    /// Worth trying again later (everything but a refusal or an unreadable answer).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LaporError::Unavailable(_)
                | LaporError::CircuitOpen(_)
                | LaporError::Unauthorized { .. }
        )
    }
}

#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

/// The circuit's state, for the status endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Circuit {
    Closed,
    Open { seconds_left: u64 },
}

/// Reads the agency token again (after a 401), e.g. from the settings.
pub type TokenSource = Arc<dyn Fn() -> Option<String> + Send + Sync>;

pub struct LaporClient {
    http: reqwest::Client,
    cfg: ClientConfig,
    breaker: Mutex<Breaker>,
    token: RwLock<String>,
    token_source: Option<TokenSource>,
}

/// What LAPOR! keeps with the `Idempotency-Key` it was posted with.
pub trait Keyed {
    fn client_key(&self) -> Option<&str>;
    /// The text posted (where our marker is, when LAPOR! drops the key).
    fn content(&self) -> Option<&str> {
        None
    }
}

impl Keyed for Followup {
    fn client_key(&self) -> Option<&str> {
        self.client_key.as_deref()
    }

    fn content(&self) -> Option<&str> {
        Some(&self.content)
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    (at.to_utc() - chrono::Utc::now()).to_std().ok()
}

impl Keyed for RerouteAccepted {
    fn client_key(&self) -> Option<&str> {
        self.client_key.as_deref()
    }
}

enum Attempt {
    Done(reqwest::Response),
    /// Worth another try after this long (backoff or Retry-After).
    Retry(String, Option<Duration>),
    Fail(LaporError),
}

impl LaporClient {
    pub fn new(cfg: ClientConfig) -> Result<Self, LaporError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("aduan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LaporError::Unavailable(e.to_string()))?;
        Ok(LaporClient {
            http,
            token: RwLock::new(cfg.token.clone()),
            cfg,
            breaker: Mutex::new(Breaker::default()),
            token_source: None,
        })
    }

    /// Where a new token comes from when LAPOR! refuses the current one.
    pub fn with_token_source(mut self, source: TokenSource) -> Self {
        self.token_source = Some(source);
        self
    }

    fn token(&self) -> String {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the token again; `true` when it changed.
    fn refresh_token(&self) -> bool {
        let Some(fresh) = self.token_source.as_ref().and_then(|s| s()) else {
            return false;
        };
        let mut t = self.token.write().unwrap_or_else(|e| e.into_inner());
        if fresh.is_empty() || *t == fresh {
            return false;
        }
        tracing::info!("LAPOR! agency token read again from the settings");
        *t = fresh;
        true
    }

    pub fn circuit(&self) -> Circuit {
        let b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        match b.open_until {
            Some(t) if t > Instant::now() => Circuit::Open {
                seconds_left: (t - Instant::now()).as_secs() + 1,
            },
            _ => Circuit::Closed,
        }
    }

    fn admit(&self) -> Result<(), LaporError> {
        match self.circuit() {
            Circuit::Closed => Ok(()),
            Circuit::Open { seconds_left } => Err(LaporError::CircuitOpen(seconds_left)),
        }
    }

    fn record(&self, ok: bool) {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            if b.open_until.is_some() || b.failures >= self.cfg.breaker_threshold {
                tracing::info!("LAPOR! answers again: circuit closed");
            }
            *b = Breaker::default();
            return;
        }
        b.failures += 1;
        if b.failures >= self.cfg.breaker_threshold {
            let was_open = b.open_until.is_some_and(|t| t > Instant::now());
            b.open_until = Some(Instant::now() + self.cfg.breaker_cooldown);
            if !was_open && b.failures == self.cfg.breaker_threshold {
                tracing::warn!(
                    failures = b.failures,
                    cooldown_secs = self.cfg.breaker_cooldown.as_secs(),
                    "LAPOR! keeps failing: circuit open"
                );
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.cfg.base_backoff.as_millis() as f64 * 2f64.powi(attempt.min(16) as i32);
        let capped = base.min(self.cfg.max_backoff.as_millis() as f64);
        Duration::from_millis((capped * rand::rng().random_range(0.5..1.0)) as u64)
    }

    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        key: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Attempt {
        let url = format!("{}{path}", self.cfg.base_url);
        let mut req = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(self.token());
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        match req.send().await {
            Err(e) => {
                let what = if e.is_timeout() {
                    "timeout"
                } else {
                    "connection failed"
                };
                Attempt::Retry(what.to_string(), None)
            }
            Ok(r) if r.status().is_success() => Attempt::Done(r),
            // 429 and 5xx (a 502 HTML page from a proxy, a 503 in
            // maintenance): again after `Retry-After` when given (within
            // the backoff's ceiling; beyond it the outbox's schedule waits)
            Ok(r)
                if r.status() == StatusCode::TOO_MANY_REQUESTS || r.status().is_server_error() =>
            {
                let wait = retry_after(r.headers()).map(|w| w.min(self.cfg.max_backoff));
                Attempt::Retry(format!("{} from LAPOR!", r.status().as_u16()), wait)
            }
            Ok(r) => {
                let status = r.status().as_u16();
                let body: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                if matches!(status, 401 | 403) {
                    Attempt::Fail(LaporError::Unauthorized { status, body })
                } else {
                    Attempt::Fail(LaporError::Refused { status, body })
                }
            }
        }
    }

    /// One call with retries; the circuit counts the call, not each attempt.
    async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&serde_json::Value>,
        attempts: u32,
    ) -> Result<reqwest::Response, LaporError> {
        self.admit()?;
        let mut last = String::new();
        for n in 0..attempts.max(1) {
            match self.attempt(&method, path, key, body).await {
                Attempt::Done(r) => {
                    self.record(true);
                    return Ok(r);
                }
                Attempt::Fail(LaporError::Unauthorized { .. })
                    if n + 1 < attempts && self.refresh_token() =>
                {
                    // a new token from the settings: try it at once
                    self.record(true);
                }
                Attempt::Fail(e) => {
                    // LAPOR! answered: it is up
                    self.record(true);
                    return Err(e);
                }
                Attempt::Retry(why, wait) => {
                    tracing::debug!(path, attempt = n + 1, why = %why, "LAPOR! request failed");
                    last = why;
                    if n + 1 < attempts {
                        tokio::time::sleep(wait.unwrap_or_else(|| self.backoff(n))).await;
                    }
                }
            }
        }
        self.record(false);
        Err(LaporError::Unavailable(last))
    }

    /// A GET read as JSON. An answer that cannot be read (a body cut
    /// short, a proxy's page with a 200) is asked for again at once with
    /// backoff, like a 5xx: one bad answer does not end the poll.
    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, LaporError> {
        let mut last = None;
        for n in 0..self.cfg.max_attempts {
            let r = self
                .call(Method::GET, path, None, None, self.cfg.max_attempts)
                .await?;
            let read = match r.bytes().await {
                // where it broke, never what it said (it may quote a report)
                Ok(body) => serde_json::from_slice(&body).map_err(|e| {
                    format!(
                        "not the JSON expected ({:?} at line {} column {}, {} bytes)",
                        e.classify(),
                        e.line(),
                        e.column(),
                        body.len()
                    )
                }),
                Err(e) => Err(format!("the answer was cut short: {e}")),
            };
            match read {
                Ok(v) => return Ok(v),
                Err(why) => {
                    tracing::debug!(path, attempt = n + 1, why = %why, "LAPOR! answer unreadable");
                    last = Some(why);
                    if n + 1 < self.cfg.max_attempts {
                        // at once the first time (a cut answer is rarely cut twice)
                        if n > 0 {
                            tokio::time::sleep(self.backoff(n - 1)).await;
                        }
                    }
                }
            }
        }
        Err(LaporError::Decode(last.unwrap_or_default()))
    }

    pub async fn list_reports(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ReportPage, LaporError> {
        let mut path = format!("/api/v1/reports?limit={limit}");
        if let Some(c) = cursor {
            path.push_str("&cursor=");
            path.push_str(&url_escape(c));
        }
        self.get_json(&path).await
    }

    /// One report as raw JSON (it may be malformed).
    pub async fn report(&self, tracking_id: &str) -> Result<serde_json::Value, LaporError> {
        self.get_json(&format!("/api/v1/reports/{}", url_escape(tracking_id)))
            .await
    }

    /// A report's comments as raw JSON (one may be unreadable: it is dealt with alone).
    pub async fn comments(&self, tracking_id: u64) -> Result<Vec<serde_json::Value>, LaporError> {
        self.get_json(&format!("/api/v1/reports/{tracking_id}/comments"))
            .await
    }

    pub async fn topics(&self) -> Result<Vec<Topic>, LaporError> {
        self.get_json("/api/v1/topics").await
    }

    /// An attachment's bytes, refused beyond `max_bytes`.
    pub async fn attachment(
        &self,
        tracking_id: u64,
        attachment_id: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, LaporError> {
        let path = format!(
            "/api/v1/reports/{tracking_id}/attachments/{}",
            url_escape(attachment_id)
        );
        let r = self
            .call(Method::GET, &path, None, None, self.cfg.max_attempts)
            .await?;
        if r.content_length().is_some_and(|n| n > max_bytes) {
            return Err(LaporError::Refused {
                status: 413,
                body: format!("attachment larger than {max_bytes} bytes"),
            });
        }
        let bytes = r
            .bytes()
            .await
            .map_err(|e| LaporError::Unavailable(e.to_string()))?;
        if bytes.len() as u64 > max_bytes {
            return Err(LaporError::Refused {
                status: 413,
                body: format!("attachment larger than {max_bytes} bytes"),
            });
        }
        Ok(bytes.to_vec())
    }

    /// Posts a follow-up exactly once: see [`LaporClient::post_once`].
    /// `marker`: a line of `content` no other follow-up has (the complaint's
    /// number and the answer's version), found in LAPOR!'s list when it
    /// kept no key.
    pub async fn post_followup(
        &self,
        tracking_id: &str,
        key: &str,
        content: &str,
        marker: &str,
        look_first: bool,
    ) -> Result<Followup, LaporError> {
        let path = format!("/api/v1/reports/{}/followups", url_escape(tracking_id));
        let body = serde_json::to_value(FollowupRequest {
            content: content.to_string(),
        })
        .map_err(|e| LaporError::Decode(e.to_string()))?;
        self.post_once(&path, &path, key, Some(marker), &body, look_first)
            .await
    }

    /// Asks LAPOR! to re-route a report, exactly once: see [`LaporClient::post_once`].
    pub async fn reroute(
        &self,
        tracking_id: &str,
        key: &str,
        req: &RerouteRequest,
        look_first: bool,
    ) -> Result<RerouteAccepted, LaporError> {
        let path = format!("/api/v1/reports/{}/reroute", url_escape(tracking_id));
        let list = format!("/api/v1/reports/{}/reroutes", url_escape(tracking_id));
        let body = serde_json::to_value(req).map_err(|e| LaporError::Decode(e.to_string()))?;
        self.post_once(&path, &list, key, None, &body, look_first)
            .await
    }

    /// Looks in `list` for what was posted with `key` (or carries
    /// `marker`), again and again for up to `window` while it is not there
    /// (a listing that lags its writes). `Ok(None)`: not there, or the list
    /// cannot be read for good (4xx) — then only the key guards a repeat.
    /// A list that fails for now is an error: the caller tries later
    /// rather than post blind.
    async fn look<T: DeserializeOwned + Keyed>(
        &self,
        list: &str,
        key: &str,
        marker: Option<&str>,
        window: Duration,
    ) -> Result<Option<T>, LaporError> {
        let started = Instant::now();
        loop {
            match self.get_json::<Vec<T>>(list).await {
                Ok(items) => {
                    if let Some(f) = items.into_iter().find(|f| {
                        f.client_key() == Some(key)
                            || marker.is_some_and(|m| f.content().is_some_and(|c| c.contains(m)))
                    }) {
                        return Ok(Some(f));
                    }
                }
                Err(LaporError::Refused { status, .. }) => {
                    tracing::warn!(
                        list,
                        status,
                        "LAPOR! does not list what was posted: only the Idempotency-Key guards a repeat"
                    );
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
            if started.elapsed() >= window {
                return Ok(None);
            }
            let step = (window / 5).clamp(Duration::from_millis(200), Duration::from_secs(5));
            tokio::time::sleep(step.min(window.saturating_sub(started.elapsed()))).await;
        }
    }

    /// Posts `body` with the same `key` on every try and, before any try
    /// that may repeat an earlier one (`look_first`: an earlier delivery
    /// attempt; or an ambiguous failure just now), looks in `list` for what
    /// was posted with that key or carries `marker` — over the listing's
    /// lag (`ClientConfig::listing_lag`), so a platform that ignores
    /// `Idempotency-Key` and lists late still gets it once. A 409 is a
    /// replayed key ("already there") when the list has it — then that is
    /// the proof. 429/5xx are tried again after `Retry-After` or the backoff.
    async fn post_once<T: DeserializeOwned + Keyed>(
        &self,
        path: &str,
        list: &str,
        key: &str,
        marker: Option<&str>,
        body: &serde_json::Value,
        look_first: bool,
    ) -> Result<T, LaporError> {
        let lag = self.cfg.listing_lag;
        let started = Instant::now();
        let mut last = None;
        // the last failure may have stored the post (no answer came back)
        let mut maybe_there = look_first;
        for n in 0..self.cfg.max_attempts {
            if maybe_there && let Some(f) = self.look(list, key, marker, lag).await? {
                return Ok(f);
            }
            self.admit()?;
            match self
                .attempt(&Method::POST, path, Some(key), Some(body))
                .await
            {
                Attempt::Done(r) => {
                    self.record(true);
                    return r.json().await.map_err(|e| {
                        // cut in the middle of the answer: stored or not,
                        // the next delivery looks before it posts
                        LaporError::Unavailable(format!("the answer was cut short: {e}"))
                    });
                }
                Attempt::Fail(LaporError::Unauthorized { .. }) if self.refresh_token() => {
                    // a new token from the settings: try it at once
                    self.record(true);
                    maybe_there = false;
                }
                Attempt::Fail(LaporError::Refused { status: 409, body }) => {
                    self.record(true);
                    return match self.look(list, key, marker, lag).await? {
                        Some(f) => Ok(f),
                        None => Err(LaporError::Refused { status: 409, body }),
                    };
                }
                Attempt::Fail(e) => {
                    // LAPOR! answered: it is up
                    self.record(true);
                    return Err(e);
                }
                Attempt::Retry(why, wait) => {
                    // a 5xx, a reset or a timeout may come after the post
                    // was stored: look before the next one
                    tracing::debug!(path, attempt = n + 1, why = %why, "LAPOR! post failed");
                    maybe_there = true;
                    last = Some(LaporError::Unavailable(why));
                    // within the delivery's budget (well inside the outbox's
                    // claim); beyond it the outbox's schedule tries again
                    if n + 1 >= self.cfg.max_attempts || started.elapsed() >= POST_BUDGET {
                        break;
                    }
                    tokio::time::sleep(wait.unwrap_or_else(|| self.backoff(n))).await;
                }
            }
        }
        self.record(false);
        Err(last.unwrap_or_else(|| LaporError::Unavailable("no attempt".into())))
    }
}

/// How long one delivery keeps trying a post (the outbox's claim lasts
/// two minutes: a delivery must end well before another replica may take
/// the entry over).
const POST_BUDGET: Duration = Duration::from_secs(45);

/// Percent-encodes what is not unreserved (cursors and ids are opaque).
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_not_in_debug_output() {
        let c = ClientConfig::new("http://x/", "sangat-rahasia", Duration::from_secs(1));
        assert!(!format!("{c:?}").contains("sangat-rahasia"));
        assert_eq!(c.base_url, "http://x");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        h.insert(reqwest::header::RETRY_AFTER, later.parse().unwrap());
        let w = retry_after(&h).unwrap();
        assert!(
            w > Duration::from_secs(25) && w <= Duration::from_secs(30),
            "{w:?}"
        );
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn cursors_are_escaped() {
        assert_eq!(url_escape("a b/c?d=1"), "a%20b%2Fc%3Fd%3D1");
    }

    #[tokio::test]
    async fn the_circuit_opens_after_repeated_failures_and_refuses_fast() {
        let mut cfg = ClientConfig::new("http://127.0.0.1:9", "t", Duration::from_millis(200));
        cfg.max_attempts = 1;
        cfg.breaker_threshold = 2;
        let c = LaporClient::new(cfg).unwrap();
        for _ in 0..2 {
            assert!(matches!(c.topics().await, Err(LaporError::Unavailable(_))));
        }
        assert!(matches!(c.circuit(), Circuit::Open { .. }));
        assert!(matches!(c.topics().await, Err(LaporError::CircuitOpen(_))));
    }
}
