//! Polling import from LAPOR!: new reports become complaints, comments join
//! their complaint's timeline, LAPOR!'s closing and re-routing are reflected,
//! attachments are downloaded. The cursor advances only after a page is
//! committed; import is idempotent on the tracking id (a unique index), so a
//! repeated or duplicated page, or a restart in the middle, imports nothing twice.
//! A malformed item is quarantined and never stops the rest.
//!
//! A platform that misbehaves (docs/adr/0022): every poll re-reads an overlap
//! window behind the cursor (reports committed late at a position already
//! passed), and a nightly reconciliation sweep reads the whole listing; a
//! copy older than the newest one applied is ignored (`lapor_copies`), so a
//! stale copy of a re-routed report never becomes a complaint. Comments of
//! open complaints are fetched in a rotating pass, not only when the listing
//! counts some; one bad comment is quarantined alone. Attachments are checked
//! against their declared size and checksum; a failure is put on the
//! complaint's timeline. The poll lease is short and renewed by a heartbeat,
//! released on shutdown.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::client::{LaporClient, LaporError};
use super::mapping::{self, Malformed};
use super::wire::{Comment, Report, Topic};
use crate::app::{App, LaporRegistration};
use crate::config::Settings;
use crate::domain::{Role, Status};
use crate::store::{
    Actor, Attachment, BatchError, DynStore, InboundMessage, NewLaporAttachment, OutsideChange,
    StoreError,
};

/// The integration's name in `integration_state` and `job_leases`.
pub const NAME: &str = "lapor";
const PAGE: u32 = 100;
pub const LEASE: &str = "lapor_poll";
/// Pages per poll at most (the next poll goes on from the cursor).
const MAX_PAGES: usize = 200;
/// Pages of one reconciliation sweep at most (100 reports each).
const MAX_SWEEP_PAGES: usize = 100_000;
/// How far behind the cursor each poll starts reading again.
const OVERLAP_MINUTES: i64 = 15;
/// Open complaints whose comments one poll fetches (a rotating pass).
const COMMENT_PASS: u32 = 100;
/// The sweep runs once a day, in these office-local hours (off-hours).
const SWEEP_HOURS: std::ops::Range<u32> = 1..5;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PollReport {
    pub pages: u32,
    pub imported: u32,
    /// Items seen again (duplicated pages, updates of known reports).
    pub known: u32,
    pub quarantined: u32,
    /// Comments, closings and re-routings applied.
    pub updates: u32,
    pub attachments: u32,
    /// Copies older than the newest one applied, ignored.
    pub stale: u32,
    /// Comments recorded (new, edited or deleted) by the pass over open complaints.
    pub comments: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Lapor(#[from] LaporError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the LAPOR! poll lease was taken by another replica")]
    LeaseLost,
}

pub struct LaporSync {
    pub client: LaporClient,
    app: Arc<App>,
    store: DynStore,
    settings: Arc<Settings>,
    /// One poll at a time in this process (the lease covers other replicas).
    running: tokio::sync::Mutex<()>,
    /// This process's name in the job lease.
    holder: String,
    /// The last poll this replica was refused for the lease, until it polls.
    blocked: std::sync::Mutex<Option<Blocked>>,
}

/// The poll lease's heartbeat: the holder renews it this often while it
/// polls, each time for two beats; a holder that stopped (killed, frozen,
/// cut off) loses it two beats after its last one, and a waiting replica
/// takes over then (ADR 0022).
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(3);

/// A poll refused because another replica holds the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The holder (`host/pid/id`).
    pub replica: String,
    /// Since when it holds the lease.
    pub since: Option<DateTime<Utc>>,
    /// When the lease runs out unless the holder renews it.
    pub expires_at: DateTime<Utc>,
    /// When this replica was refused.
    pub refused_at: DateTime<Utc>,
}

/// Who imports: the timeline names LAPOR! itself.
pub fn actor() -> Actor {
    Actor {
        key_id: None,
        name: "SP4N-LAPOR! (impor otomatis)".into(),
        role: Role::Liaison,
        officer: None,
    }
}

fn item_key(raw: &serde_json::Value, tracking_id: Option<&str>) -> String {
    match tracking_id {
        Some(t) => t.to_string(),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw.to_string()))),
    }
}

/// The same id for the same LAPOR! attachment, so a retried download is stored once.
fn attachment_id(tracking_id: &str, remote_id: &str) -> Uuid {
    let d = Sha256::digest(format!("lapor-attachment:{tracking_id}:{remote_id}"));
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // a version-8 (custom) UUID
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The fields LAPOR!'s edits reach, as the complaint holds them.
struct Values {
    subject: String,
    body: String,
    category: Option<String>,
    location: Option<String>,
    kind: crate::domain::Kind,
}

fn values_of(c: &crate::store::Complaint) -> Values {
    Values {
        subject: c.subject.clone(),
        body: c.body.clone(),
        category: c.category.clone(),
        location: c.location.clone(),
        kind: c.kind,
    }
}

/// A digest per field (64 bits of SHA-256): what changed, without a copy
/// of the text (an erasure leaves none behind).
fn digests(v: &Values) -> BTreeMap<String, String> {
    let d = |s: &str| hex::encode(&Sha256::digest(s.as_bytes())[..8]);
    [
        ("subject", d(&v.subject)),
        ("body", d(&v.body)),
        ("category", d(v.category.as_deref().unwrap_or(""))),
        ("location", d(v.location.as_deref().unwrap_or(""))),
        ("kind", d(v.kind.as_str())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn field_digests(v: &Values) -> String {
    serde_json::to_string(&digests(v)).unwrap_or_default()
}

/// A field's name in words.
fn field_word(field: &str) -> &'static str {
    match field {
        "subject" => "judul",
        "body" => "isi",
        "category" => "kategori (topik)",
        "location" => "lokasi",
        _ => "jenis (klasifikasi)",
    }
}

/// For how long a LAPOR! attachment that failed is tried again.
pub const ATTACHMENT_RETRY_DAYS: i64 = 3;

/// When a LAPOR! attachment that failed `attempts` times (the first
/// failure at `first`) is tried again: one minute after the first failure,
/// doubling, at most six hours apart, for `ATTACHMENT_RETRY_DAYS` from the
/// first failure; `None` after that (parked).
pub fn attachment_retry_at(
    attempts: i32,
    first: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let minutes = 1i64 << attempts.clamp(1, 20).saturating_sub(1);
    let next = now + chrono::Duration::minutes(minutes.min(6 * 60));
    (next <= first + chrono::Duration::days(ATTACHMENT_RETRY_DAYS)).then_some(next)
}

/// This process in the lease: host, process id and a random part, so the
/// status can say which replica holds the poll.
/// The attachments a report lists, as they are recorded before they are fetched.
fn attachments_of(r: &Report) -> Vec<NewLaporAttachment> {
    r.attachments
        .iter()
        .map(|a| NewLaporAttachment {
            remote_id: a.id.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            declared_size: Some(a.size),
            declared_sha256: a.sha256.clone().map(|h| h.to_ascii_lowercase()),
        })
        .collect()
}

fn holder_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "aduan".into());
    let id = Uuid::now_v7().simple().to_string();
    format!("{host}/{}/{}", std::process::id(), &id[id.len() - 6..])
}

/// The cursors of recent polls, with when each was the head: each poll
/// starts at the newest one at least the overlap window old (or the oldest
/// known), so reports committed late behind the cursor are read again.
#[derive(Debug, Default, Clone, PartialEq)]
struct Trail(Vec<(DateTime<Utc>, Option<String>)>);

impl Trail {
    fn parse(json: Option<&str>) -> Trail {
        Trail(
            json.and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_default(),
        )
    }

    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }

    fn push(&mut self, at: DateTime<Utc>, cursor: Option<&str>) {
        self.0.push((at, cursor.map(str::to_string)));
    }

    /// Keeps what is younger than `edge`, and the newest entry older than it.
    fn prune(&mut self, edge: DateTime<Utc>) {
        if let Some(i) = self.0.iter().rposition(|(at, _)| *at <= edge) {
            self.0.drain(..i);
        }
    }

    /// Where to start reading: the newest cursor at least as old as `edge`,
    /// else the oldest one kept, else the head.
    fn start(&self, edge: DateTime<Utc>, head: Option<String>) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(at, _)| *at <= edge)
            .or_else(|| self.0.first())
            .map_or(head, |(_, c)| c.clone())
    }
}

impl LaporSync {
    pub fn new(app: Arc<App>, client: LaporClient) -> Self {
        LaporSync {
            client,
            store: app.store.clone(),
            settings: app.settings.clone(),
            app,
            running: tokio::sync::Mutex::new(()),
            holder: holder_name(),
            blocked: std::sync::Mutex::new(None),
        }
    }

    /// The poll lease's lifetime from each beat: two heartbeats.
    fn lease_ttl(&self) -> std::time::Duration {
        2 * HEARTBEAT
    }

    /// Why this replica's last poll was refused, while the holder still
    /// holds the lease (`None` once it polled, or the lease changed hands).
    pub async fn blocked_by(&self) -> Option<Blocked> {
        let b = self
            .blocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let now = Utc::now();
        match self.store.lease(LEASE).await {
            Ok(Some(l)) if l.holder == b.replica && l.until > now => Some(Blocked {
                since: l.since,
                expires_at: l.until,
                ..b
            }),
            Ok(_) => None,
            // the database does not answer: say what was known
            Err(_) => Some(b),
        }
    }

    fn set_blocked(&self, b: Option<Blocked>) {
        *self.blocked.lock().unwrap_or_else(|e| e.into_inner()) = b;
    }

    /// Notes who holds the lease that refused this replica's poll.
    async fn note_refusal(&self) {
        let now = Utc::now();
        match self.store.lease(LEASE).await {
            Ok(Some(l)) if l.holder != self.holder => {
                tracing::info!(holder = %l.holder, until = %l.until,
                    "LAPOR! poll refused: another replica holds the lease");
                self.set_blocked(Some(Blocked {
                    replica: l.holder,
                    since: l.since,
                    expires_at: l.until,
                    refused_at: now,
                }));
            }
            _ => {}
        }
    }

    /// Runs `work` under the poll lease: `None` when another replica holds
    /// it. A heartbeat renews the lease every third of its lifetime while
    /// `work` runs; if the lease is lost meanwhile, `work` is stopped (each
    /// item is its own transaction, the cursor moves only after a page).
    async fn leased<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, SyncError>>,
    ) -> Result<Option<T>, SyncError> {
        if !self.renew_lease(Utc::now()).await? {
            self.note_refusal().await;
            return Ok(None);
        }
        self.set_blocked(None);
        let heartbeat = async {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                match self.renew_lease(Utc::now()).await {
                    Ok(true) => {}
                    Ok(false) => return SyncError::LeaseLost,
                    // the next beat tries again; the lease outlives one missed beat
                    Err(e) => tracing::warn!(error = %e, "LAPOR! lease not renewed"),
                }
            }
        };
        let result = tokio::select! {
            r = work => r,
            e = heartbeat => Err(e),
        };
        self.release_lease().await?;
        result.map(Some)
    }

    /// Gives the lease up (after a poll, and on shutdown).
    pub async fn release_lease(&self) -> Result<(), StoreError> {
        let now = Utc::now();
        self.store
            .acquire_lease(LEASE, &self.holder, now, now - chrono::Duration::seconds(1))
            .await
            .map(|_| ())
    }

    /// Polls if this replica gets the poll lease; `None` when another one holds it.
    pub async fn poll_leased(&self, now: DateTime<Utc>) -> Result<Option<PollReport>, SyncError> {
        self.leased(self.poll_once(now)).await
    }

    /// The reconciliation sweep under the lease; `None` when another replica holds it.
    pub async fn reconcile_leased(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<PollReport>, SyncError> {
        self.leased(self.reconcile(now)).await
    }

    async fn renew_lease(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let ttl =
            chrono::Duration::from_std(self.lease_ttl()).unwrap_or(chrono::Duration::seconds(30));
        self.store
            .acquire_lease(LEASE, &self.holder, now, now + ttl)
            .await
    }

    /// Polls every `ADUAN_LAPOR_POLL_SECONDS` (the first one interval after
    /// start; POST …/poll polls now), and sweeps once a night, until `token`
    /// is cancelled. A poll in progress is stopped then (what is committed
    /// stays) and the lease released, so another replica takes over at once.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let every = std::time::Duration::from_secs(
            self.settings.lapor.as_ref().map_or(300, |l| l.poll_secs),
        );
        let stop = token.clone();
        crate::workers::every(every, token, || async {
            let work = async {
                let now = Utc::now();
                let mut r = match self.sweep_due(now).await {
                    Ok(true) => self.reconcile_leased(now).await,
                    Ok(false) => self.poll_leased(now).await,
                    Err(e) => Err(e.into()),
                };
                // refused: watch the holder's heartbeat; if it stops before
                // the next interval, take over then instead of waiting for it
                if matches!(r, Ok(None)) && self.takes_over_when_the_holder_stops(every).await {
                    r = self.poll_leased(Utc::now()).await;
                }
                match r {
                    Ok(_) => {}
                    // the circuit breaker already said so once
                    Err(SyncError::Lapor(LaporError::CircuitOpen(_))) => {}
                    Err(e) => tracing::warn!(error = %e, "LAPOR! poll failed"),
                }
            };
            tokio::select! {
                () = work => {}
                () = stop.cancelled() => {
                    if let Err(e) = self.release_lease().await {
                        tracing::warn!(error = %e, "LAPOR! lease not released at shutdown");
                    }
                }
            }
        })
        .await;
    }

    /// After a refusal: waits while the holder renews its lease (it polls:
    /// nothing to do) and answers `true` when the lease ran out without
    /// being renewed or released (the holder stopped) — within `limit`.
    async fn takes_over_when_the_holder_stops(&self, limit: std::time::Duration) -> bool {
        let started = std::time::Instant::now();
        let Ok(Some(mut seen)) = self.store.lease(LEASE).await else {
            return false;
        };
        while started.elapsed() < limit {
            let wait = (seen.until - Utc::now())
                .to_std()
                .unwrap_or_default()
                .min(limit.saturating_sub(started.elapsed()))
                + std::time::Duration::from_millis(100);
            tokio::time::sleep(wait).await;
            match self.store.lease(LEASE).await {
                // not renewed since: the holder stopped beating
                Ok(Some(l)) if l.holder == seen.holder && l.until == seen.until => {
                    tracing::warn!(holder = %l.holder,
                        "LAPOR! poll lease not renewed: its holder stopped; taking over");
                    return true;
                }
                // renewed: still polling
                Ok(Some(l)) if l.holder == seen.holder && l.until > seen.until => seen = l,
                // released (its poll ended) or taken by another replica
                _ => return false,
            }
        }
        false
    }

    /// Whether the nightly sweep is due: not in the last 20 hours, and now
    /// in the office's off-hours.
    async fn sweep_due(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        use chrono::Timelike;
        let hour = now.with_timezone(&self.settings.office_timezone).hour();
        if !SWEEP_HOURS.contains(&hour) {
            return Ok(false);
        }
        let last = self
            .store
            .integration_state(NAME)
            .await?
            .and_then(|s| s.last_reconciled_at);
        Ok(last.is_none_or(|t| now - t > chrono::Duration::hours(20)))
    }

    /// One poll: pages from the overlap window behind the saved cursor, the
    /// comment pass, then pending attachments. Records the outcome (last
    /// poll, last success or error) for the status endpoint.
    pub async fn poll_once(&self, now: DateTime<Utc>) -> Result<PollReport, SyncError> {
        let _one = self.running.lock().await;
        let mut report = PollReport::default();
        let mut result = self.poll_pages(now, &mut report).await;
        if result.is_ok() {
            result = self.comment_pass(now, &mut report).await;
        }
        self.finish(result, report).await
    }

    /// The reconciliation sweep: the whole listing from its beginning, each
    /// report applied as in a poll (what is known and current costs one
    /// look-up), so whatever a poll missed is imported now.
    pub async fn reconcile(&self, now: DateTime<Utc>) -> Result<PollReport, SyncError> {
        let _one = self.running.lock().await;
        let mut report = PollReport::default();
        let topics = self.topics().await;
        let result = match topics {
            Ok(topics) => self
                .read_pages(None, MAX_SWEEP_PAGES, &topics, now, &mut report, false)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        if result.is_ok() {
            self.store.set_integration_reconciled(NAME, now).await?;
            tracing::info!(
                imported = report.imported,
                pages = report.pages,
                "LAPOR! reconciliation sweep done"
            );
        }
        self.finish(result, report).await
    }

    async fn finish(
        &self,
        result: Result<(), SyncError>,
        mut report: PollReport,
    ) -> Result<PollReport, SyncError> {
        let attachments = match &result {
            Ok(()) => self.fetch_attachments(500, Utc::now()).await,
            Err(_) => Ok(0),
        };
        // the error with how far the poll got: what is committed stays
        let progress = |e: &dyn std::fmt::Display| {
            if report.pages == 0 {
                e.to_string()
            } else {
                format!(
                    "{e} (after {} page(s): {} imported, {} updated, {} quarantined; \
                     the next poll goes on from there)",
                    report.pages, report.imported, report.updates, report.quarantined
                )
            }
        };
        let error = match (&result, &attachments) {
            (Err(e), _) => Some(progress(e)),
            (Ok(()), Err(e)) => Some(progress(e)),
            _ => None,
        };
        report.attachments = attachments.unwrap_or(0);
        self.store
            .record_integration_poll(NAME, Utc::now(), error.as_deref(), report.imported.into())
            .await?;
        if report.imported + report.quarantined + report.updates + report.comments > 0 {
            tracing::info!(
                imported = report.imported,
                quarantined = report.quarantined,
                updates = report.updates,
                comments = report.comments,
                stale = report.stale,
                pages = report.pages,
                "LAPOR! poll"
            );
        }
        result.map(|()| report)
    }

    async fn topics(&self) -> Result<HashMap<i64, Topic>, SyncError> {
        Ok(self
            .client
            .topics()
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect())
    }

    async fn poll_pages(
        &self,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), SyncError> {
        let topics = self.topics().await?;
        let state = self.store.integration_state(NAME).await?;
        let head = state.as_ref().and_then(|s| s.cursor.clone());
        let mut trail = Trail::parse(state.as_ref().and_then(|s| s.cursor_trail.as_deref()));
        trail.push(now, head.as_deref());
        trail.prune(now - chrono::Duration::minutes(OVERLAP_MINUTES));
        self.store
            .set_integration_trail(NAME, &trail.to_json(), now)
            .await?;
        let start = trail.start(now - chrono::Duration::minutes(OVERLAP_MINUTES), head);
        self.read_pages(start, MAX_PAGES, &topics, now, report, true)
            .await?;
        Ok(())
    }

    /// Reads pages from `cursor` on, each committed before the next; saves
    /// the cursor after each page when `save`.
    async fn read_pages(
        &self,
        mut cursor: Option<String>,
        max_pages: usize,
        topics: &HashMap<i64, Topic>,
        now: DateTime<Utc>,
        report: &mut PollReport,
        save: bool,
    ) -> Result<Option<String>, SyncError> {
        for _ in 0..max_pages {
            let page = self.client.list_reports(cursor.as_deref(), PAGE).await?;
            report.pages += 1;
            if page.items.is_empty() {
                break;
            }
            self.process_page(&page.items, topics, now, report).await?;
            // everything on the page is committed: only now move on
            match page.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => {
                    if save {
                        self.store
                            .set_integration_cursor(NAME, &next, Utc::now())
                            .await?;
                    }
                    cursor = Some(next);
                }
                _ => break,
            }
        }
        Ok(cursor)
    }

    /// A page of the listing. The reports not seen before are registered
    /// together in one transaction (what is known of the page is read in two
    /// queries); every other item — a newer copy of a known report, a stale
    /// or repeated copy, one that does not parse, a second copy of a report
    /// on the same page — goes `process_item`'s way, after the page's
    /// commit. A page that cannot be written whole is taken item by item.
    async fn process_page(
        &self,
        items: &[serde_json::Value],
        topics: &HashMap<i64, Topic>,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), SyncError> {
        struct Fresh<'a> {
            raw: &'a serde_json::Value,
            report: Report,
            tracking_id: String,
            complaint: crate::domain::NewComplaint,
            notes: Vec<String>,
            attachments: Vec<NewLaporAttachment>,
            simple: bool,
        }
        let mut parsed = Vec::new();
        let mut later: Vec<&serde_json::Value> = Vec::new();
        for raw in items {
            let (normal, notes) = mapping::normalize(raw, self.settings.lapor_timezone);
            match mapping::parse_report(&normal) {
                Ok(r) => parsed.push((raw, r, notes)),
                Err(_) => later.push(raw),
            }
        }
        let tids: Vec<String> = parsed
            .iter()
            .map(|(_, r, _)| r.tracking_id.to_string())
            .collect();
        let refs: Vec<&str> = tids.iter().map(String::as_str).collect();
        let known = self.store.lapor_known(&refs).await?;
        // a report twice on the page (a newer and an older copy): in page order, alone
        let mut on_page: HashMap<&str, usize> = HashMap::new();
        for t in &refs {
            *on_page.entry(t).or_default() += 1;
        }
        let once: std::collections::HashSet<String> = on_page
            .into_iter()
            .filter(|(_, n)| *n == 1)
            .map(|(t, _)| t.to_string())
            .collect();
        let mut fresh: Vec<Fresh<'_>> = Vec::new();
        for ((raw, r, mut notes), tid) in parsed.into_iter().zip(tids) {
            let new = !known.copies.contains_key(&tid)
                && !known.complaints.contains_key(&tid)
                && r.status != "rerouted"
                && once.contains(&tid);
            let mapped = if new {
                mapping::to_complaint(&r, topics, now).ok()
            } else {
                None
            };
            let Some((complaint, more)) = mapped else {
                later.push(raw);
                continue;
            };
            notes.extend(more);
            let attachments = attachments_of(&r);
            // a closing or comments are applied after the commit, the copy then
            let simple =
                !matches!(r.status.as_str(), "closed" | "rerouted") && r.comment_count == 0;
            fresh.push(Fresh {
                raw,
                report: r,
                tracking_id: tid,
                complaint,
                notes,
                attachments,
                simple,
            });
        }
        if !fresh.is_empty() {
            let updated: Vec<DateTime<Utc>> = fresh
                .iter()
                .map(|f| chrono::SubsecRound::trunc_subsecs(f.report.updated_at, 6))
                .collect();
            let news: Vec<crate::app::register::LaporNew<'_>> = fresh
                .iter()
                .zip(&updated)
                .map(|(f, at)| crate::app::register::LaporNew {
                    complaint: &f.complaint,
                    notes: &f.notes,
                    tracking_id: &f.tracking_id,
                    attachments: &f.attachments,
                    copy: f.simple.then_some((*at, f.report.status.as_str())),
                })
                .collect();
            match self.app.register_lapor_page(&news, &actor(), now).await {
                Ok(written) => {
                    report.imported += u32::try_from(written.len()).unwrap_or(u32::MAX);
                    for ((f, c), at) in fresh.iter().zip(&written).zip(&updated) {
                        tracing::info!(complaint_id = %c.id, lapor_tracking_id = %f.tracking_id,
                            "LAPOR! report imported");
                        if !f.simple {
                            report.updates += self.apply_updates(&f.report, c).await?;
                            self.store
                                .save_lapor_copy(&f.tracking_id, *at, &f.report.status, now)
                                .await?;
                        }
                        // what LAPOR! gave, as the complaint holds it: the
                        // baseline that tells its later edits from the office's
                        self.store
                            .save_lapor_fields(&f.tracking_id, &field_digests(&values_of(c)))
                            .await?;
                    }
                }
                Err(BatchError::RolledBack(e)) => {
                    tracing::info!(error = %e, "LAPOR! page not written whole; item by item");
                    later.extend(fresh.iter().map(|f| f.raw));
                }
                Err(BatchError::Commit(e)) => return Err(e.into()),
            }
        }
        for raw in later {
            self.process_item(raw, topics, now, report).await?;
        }
        Ok(())
    }

    /// One item of the listing: import it, update its complaint, ignore it
    /// as stale, or quarantine it.
    async fn process_item(
        &self,
        raw: &serde_json::Value,
        topics: &HashMap<i64, Topic>,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), SyncError> {
        let (raw, notes) = mapping::normalize(raw, self.settings.lapor_timezone);
        let raw = &raw;
        let r = match mapping::parse_report(raw) {
            Ok(r) => r,
            Err(m) => {
                self.quarantine(raw, &m, now).await?;
                report.quarantined += 1;
                return Ok(());
            }
        };
        let tid = r.tracking_id.to_string();
        let updated_at = chrono::SubsecRound::trunc_subsecs(r.updated_at, 6);
        let applied = self.store.lapor_copy(&tid).await?;
        match &applied {
            Some((newest, _)) if updated_at < *newest => {
                // an older copy than one already applied: it changes nothing
                report.stale += 1;
                return Ok(());
            }
            Some((newest, _)) if updated_at == *newest => {
                // this very copy was applied (a re-read of the overlap window)
                report.known += 1;
                return Ok(());
            }
            _ => {}
        }
        let complaint = match self.store.find_by_lapor_id(&tid).await? {
            Some(c) => {
                report.known += 1;
                c
            }
            None => {
                if r.status == "rerouted" {
                    // moved away before we saw it: nothing of ours, and an
                    // older copy seen later must not make it ours
                    self.store
                        .save_lapor_copy(&tid, updated_at, &r.status, now)
                        .await?;
                    return Ok(());
                }
                match self.import(&r, notes, topics, now).await? {
                    Ok((c, created)) => {
                        if created {
                            report.imported += 1;
                        } else {
                            report.known += 1;
                        }
                        self.store.resolve_quarantine(&tid, Some(c.id), now).await?;
                        c
                    }
                    Err(m) => {
                        self.quarantine(raw, &m, now).await?;
                        report.quarantined += 1;
                        return Ok(());
                    }
                }
            }
        };
        report.updates += self.apply_updates(&r, &complaint).await?;
        self.store
            .save_lapor_copy(&tid, updated_at, &r.status, now)
            .await?;
        report.updates += self.apply_edits(&r, topics, &complaint, now).await?;
        Ok(())
    }

    /// LAPOR!'s corrections of a report already imported (title, content,
    /// topic, location, classification), field by field (ADR 0022): a field
    /// LAPOR! changed is applied when the complaint still holds what LAPOR!
    /// gave before; one the office changed meanwhile keeps the office's
    /// value (the event says so). One `lapor_report_edited` event per copy
    /// that changed something. Returns 1 when it did.
    async fn apply_edits(
        &self,
        r: &Report,
        topics: &HashMap<i64, Topic>,
        c: &crate::store::Complaint,
        now: DateTime<Utc>,
    ) -> Result<u32, SyncError> {
        let tid = r.tracking_id.to_string();
        let Ok((nc, _)) = mapping::to_complaint(r, topics, now) else {
            return Ok(0);
        };
        let category = match &nc.category {
            Some(given) => self.app.lapor_category(given).await?,
            None => None,
        };
        let theirs = Values {
            subject: nc.subject.clone(),
            body: nc.body.clone(),
            category,
            location: nc.location.clone(),
            kind: nc.kind,
        };
        let ours = values_of(c);
        let new = digests(&theirs);
        let current = digests(&ours);
        let before: BTreeMap<String, String> = match self.store.lapor_fields(&tid).await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_else(|_| current.clone()),
            // kept from before edits were followed: the complaint as it is
            None => current.clone(),
        };
        let mut edit = crate::store::LaporEdit::default();
        let mut changed = serde_json::Map::new();
        let mut kept = Vec::new();
        for (field, d) in &new {
            if before.get(field) == Some(d) || current.get(field) == Some(d) {
                continue; // not changed on LAPOR!, or already so here
            }
            if current.get(field) != before.get(field) {
                kept.push(field.clone()); // the office changed it: theirs stays
                continue;
            }
            let (was, now_is) = match field.as_str() {
                "subject" => {
                    edit.subject = Some(theirs.subject.clone());
                    (ours.subject.clone(), theirs.subject.clone())
                }
                "body" => {
                    edit.body = Some(theirs.body.clone());
                    (ours.body.clone(), theirs.body.clone())
                }
                "category" => {
                    edit.category = Some(theirs.category.clone());
                    (
                        ours.category.clone().unwrap_or_default(),
                        theirs.category.clone().unwrap_or_default(),
                    )
                }
                "location" => {
                    edit.location = Some(theirs.location.clone());
                    (
                        ours.location.clone().unwrap_or_default(),
                        theirs.location.clone().unwrap_or_default(),
                    )
                }
                _ => {
                    edit.kind = Some(theirs.kind);
                    (
                        ours.kind.as_str().to_string(),
                        theirs.kind.as_str().to_string(),
                    )
                }
            };
            changed.insert(
                field.clone(),
                serde_json::json!({"before": was, "after": now_is}),
            );
        }
        let mut applied = 0;
        if !edit.is_empty() || !kept.is_empty() {
            let mut note = String::new();
            if !changed.is_empty() {
                let names: Vec<&str> = changed.keys().map(|k| field_word(k)).collect();
                note.push_str(&format!(
                    "Diperbarui dari SP4N-LAPOR!: {}.",
                    names.join(", ")
                ));
            }
            if !kept.is_empty() {
                let names: Vec<&str> = kept.iter().map(|k| field_word(k)).collect();
                if !note.is_empty() {
                    note.push(' ');
                }
                note.push_str(&format!(
                    "Tidak diubah karena kantor sudah mengubahnya: {}.",
                    names.join(", ")
                ));
            }
            let detail = serde_json::json!({"source": "lapor", "changed": changed,
                "kept_office_value": kept, "lapor_updated_at": r.updated_at, "note": note})
            .to_string();
            if self
                .app
                .apply_lapor_edit(c.id, &edit, &detail, &actor(), Utc::now())
                .await?
            {
                applied = 1;
            }
        }
        self.store
            .save_lapor_fields(&tid, &serde_json::to_string(&new).unwrap_or_default())
            .await?;
        Ok(applied)
    }

    async fn quarantine(
        &self,
        raw: &serde_json::Value,
        m: &Malformed,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = item_key(raw, m.tracking_id.as_deref());
        self.quarantine_keyed(&key, raw, m, now).await
    }

    async fn quarantine_keyed(
        &self,
        key: &str,
        raw: &serde_json::Value,
        m: &Malformed,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // the reason can quote a value: only the field goes to the log
        let field = m.reason.split(':').next().unwrap_or("?");
        tracing::warn!(item = %key, field, "LAPOR! item quarantined");
        self.store
            .quarantine_item(
                key,
                m.tracking_id.as_deref(),
                &raw.to_string(),
                &m.reason,
                now,
            )
            .await
    }

    /// A new complaint for the report: `Ok((complaint, created))`, or why not.
    async fn import(
        &self,
        r: &Report,
        mut notes: Vec<String>,
        topics: &HashMap<i64, Topic>,
        now: DateTime<Utc>,
    ) -> Result<Result<(crate::store::Complaint, bool), Malformed>, SyncError> {
        let nc = match mapping::to_complaint(r, topics, now) {
            Ok((nc, more)) => {
                notes.extend(more);
                nc
            }
            Err(m) => return Ok(Err(m)),
        };
        let tid = r.tracking_id.to_string();
        // known before the complaint exists: a crash in between loses no attachment
        let atts = attachments_of(r);
        self.store.add_lapor_attachments(&tid, &atts).await?;
        let actor = actor();
        let outcome = self.app.register_lapor(&nc, &notes, &actor, now).await?;
        Ok(Ok(match outcome {
            LaporRegistration::Created(c) => {
                tracing::info!(complaint_id = %c.id, lapor_tracking_id = %tid, "LAPOR! report imported");
                (*c, true)
            }
            LaporRegistration::Existing(c) => (*c, false),
        }))
    }

    /// Comments, and LAPOR! closing or re-routing the report. Returns changes made.
    async fn apply_updates(
        &self,
        r: &Report,
        c: &crate::store::Complaint,
    ) -> Result<u32, SyncError> {
        let mut changes = 0;
        let actor = actor();
        // LAPOR!'s status first: a comment after a closing then reopens the complaint
        let outside = match r.status.as_str() {
            "closed" => Some((
                OutsideChange::Close,
                "lapor_closed",
                serde_json::json!({"source": "lapor", "lapor_status": "closed"}),
            )),
            "rerouted" if c.status != Status::Redirected => Some((
                OutsideChange::Redirect {
                    agency: "instansi lain (dialihkan melalui SP4N-LAPOR!)".into(),
                },
                "lapor_rerouted",
                serde_json::json!({"source": "lapor", "lapor_status": "rerouted"}),
            )),
            _ => None,
        };
        if let Some((change, event, detail)) = outside
            && self
                .app
                .change_from_outside(
                    c.id,
                    &change,
                    event,
                    &detail.to_string(),
                    &actor,
                    Utc::now(),
                )
                .await?
        {
            changes += 1;
        }
        // the count may be missing or stale: the comment pass looks anyway
        if r.comment_count > 0 {
            changes += self.sync_comments(&r.tracking_id.to_string(), c.id).await?;
        }
        Ok(changes)
    }

    /// Fetches the comments of the next open LAPOR! complaints in turn.
    async fn comment_pass(
        &self,
        _now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), SyncError> {
        let after = self
            .store
            .integration_state(NAME)
            .await?
            .and_then(|s| s.comments_after);
        let batch = self
            .store
            .open_lapor_complaints(after.as_deref(), COMMENT_PASS)
            .await?;
        let next = if batch.len() < COMMENT_PASS as usize {
            None // round the end: the next pass starts again at the first
        } else {
            batch.last().map(|(t, _)| t.clone())
        };
        for (tid, complaint_id) in &batch {
            report.comments += self.sync_comments(tid, *complaint_id).await?;
        }
        self.store
            .set_integration_comments_after(NAME, next.as_deref())
            .await?;
        Ok(())
    }

    /// A report's comments onto its complaint's timeline: a reporter's
    /// comment once (keyed by report and comment), an edit and a deletion
    /// marked (nothing erased); an unreadable comment quarantined alone. A
    /// failed fetch is logged and left to the next pass. Returns changes made.
    async fn sync_comments(&self, tid: &str, complaint_id: Uuid) -> Result<u32, SyncError> {
        let Ok(tracking_id) = tid.parse::<u64>() else {
            return Ok(0);
        };
        let items = match self.client.comments(tracking_id).await {
            Ok(items) => items,
            Err(e @ LaporError::CircuitOpen(_)) => return Err(e.into()),
            Err(e) => {
                tracing::warn!(lapor_tracking_id = %tid, error = %e, "LAPOR! comments not fetched");
                return Ok(0);
            }
        };
        let actor = actor();
        let mut changes = 0;
        // what was seen before: a text that changed without an edit mark,
        // and a comment that left the list, are told from these
        let seen: HashMap<String, (String, bool)> = self
            .store
            .lapor_comments_seen(tid)
            .await?
            .into_iter()
            .map(|(id, d, gone)| (id, (d, gone)))
            .collect();
        let listed: std::collections::HashSet<String> = items
            .iter()
            .filter_map(|raw| raw.get("id"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect();
        for (id, (digest, gone)) in &seen {
            if *gone || listed.contains(id) {
                continue;
            }
            if self
                .comment_withdrawn(
                    tid,
                    id,
                    complaint_id,
                    "tidak ada lagi di SP4N-LAPOR! (ditarik); catatan sebelumnya tetap tersimpan",
                )
                .await?
            {
                changes += 1;
            }
            self.store
                .save_lapor_comment(tid, id, digest, Some(Utc::now()))
                .await?;
        }
        for raw in &items {
            let comment = match serde_json::from_value::<Comment>(raw.clone()) {
                Ok(c) => c,
                Err(e) => {
                    let id = raw.get("id").map_or_else(
                        || hex::encode(&Sha256::digest(raw.to_string())[..8]),
                        |v| v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    );
                    let m = Malformed {
                        tracking_id: Some(tid.to_string()),
                        reason: format!("comment {id}: {e}"),
                    };
                    self.quarantine_keyed(&format!("comment:{tid}:{id}"), raw, &m, Utc::now())
                        .await?;
                    continue;
                }
            };
            if comment.author != "reporter" {
                continue;
            }
            let key = format!("lapor:comment:{tid}:{}", comment.id);
            let now = Utc::now();
            let digest = hex::encode(&Sha256::digest(comment.body.as_bytes())[..8]);
            if comment.deleted {
                if !seen.get(&comment.id).is_some_and(|(_, gone)| *gone) {
                    self.store
                        .save_lapor_comment(tid, &comment.id, &digest, Some(now))
                        .await?;
                }
                if self
                    .comment_withdrawn(
                        tid,
                        &comment.id,
                        complaint_id,
                        "dihapus di SP4N-LAPOR!; catatan sebelumnya tetap tersimpan",
                    )
                    .await?
                {
                    changes += 1;
                }
                continue;
            }
            let detail = serde_json::json!({"source": "lapor", "comment_id": comment.id,
                "text": comment.body, "written_at": comment.created_at})
            .to_string();
            let recorded = self
                .app
                .record_reply(
                    InboundMessage {
                        source_key: &key,
                        complaint_id,
                        event: "reporter_replied",
                        detail: &detail,
                        actor: &actor,
                        now,
                        reopen: true,
                        location: None,
                    },
                    "Tanggapan pelapor diterima melalui LAPOR!",
                )
                .await?;
            if recorded.is_some() {
                changes += 1;
            }
            // the same id with another text and no edit mark: an edit all the same
            let before = seen.get(&comment.id).map(|(d, _)| d.as_str());
            if comment.edited_at.is_none()
                && let Some(before) = before
                && before != digest
            {
                let detail = serde_json::json!({"source": "lapor", "comment_id": comment.id,
                    "text": comment.body,
                    "note": format!("diubah pelapor di SP4N-LAPOR!; teks kini: {}", comment.body)})
                .to_string();
                if self
                    .app
                    .record_lapor_note(
                        &format!("{key}:text:{digest}"),
                        complaint_id,
                        "lapor_comment_edited",
                        &detail,
                        &actor,
                        now,
                    )
                    .await?
                {
                    changes += 1;
                }
            }
            if before != Some(digest.as_str()) {
                self.store
                    .save_lapor_comment(tid, &comment.id, &digest, None)
                    .await?;
            }
            if let Some(edited) = comment.edited_at {
                let detail = serde_json::json!({"source": "lapor", "comment_id": comment.id,
                    "text": comment.body, "edited_at": edited,
                    "note": format!("diubah pelapor di SP4N-LAPOR!; teks kini: {}", comment.body)})
                .to_string();
                let edit_key = format!("{key}:edited:{}", edited.timestamp_micros());
                if self
                    .app
                    .record_lapor_note(
                        &edit_key,
                        complaint_id,
                        "lapor_comment_edited",
                        &detail,
                        &actor,
                        now,
                    )
                    .await?
                    && recorded.is_none()
                {
                    changes += 1;
                }
            }
        }
        Ok(changes)
    }

    /// Marks a reporter comment withdrawn on LAPOR! (deleted, or gone from
    /// the list), once; the text stays where it was recorded.
    async fn comment_withdrawn(
        &self,
        tid: &str,
        comment_id: &str,
        complaint_id: Uuid,
        note: &str,
    ) -> Result<bool, SyncError> {
        let detail = serde_json::json!({"source": "lapor", "comment_id": comment_id,
            "note": note})
        .to_string();
        Ok(self
            .app
            .record_lapor_note(
                &format!("lapor:comment:{tid}:{comment_id}:deleted"),
                complaint_id,
                "lapor_comment_deleted",
                &detail,
                &actor(),
                Utc::now(),
            )
            .await?)
    }

    /// Downloads the attachments of imported reports whose try is due at
    /// `now`; returns how many were stored. Each is checked against the
    /// size and checksum LAPOR! declared; a failure (a 404 too: LAPOR! may
    /// serve an attachment after its report) is tried again on
    /// [`attachment_retry_at`]'s schedule, put once on the complaint's
    /// timeline, shown on its page and the liaison's until it arrives, and
    /// parked with its reason when the period is over — so no attachment is
    /// silently absent.
    pub async fn fetch_attachments(
        &self,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<u32, SyncError> {
        let mut stored = 0;
        let max = self.settings.max_attachment_bytes;
        for p in self.store.pending_lapor_attachments(limit, now).await? {
            let Ok(tid) = p.tracking_id.parse::<u64>() else {
                continue;
            };
            let declared = p.declared_size.and_then(|n| u64::try_from(n).ok());
            if let Some(n) = declared.filter(|n| *n > max) {
                self.attachment_failed(
                    &p,
                    &format!("{n} bytes declared, over the limit of {max}"),
                    &format!("lebih besar ({n} bita) dari batas {max} bita; tidak diunduh"),
                    true,
                    now,
                )
                .await?;
                continue;
            }
            let bytes = match self.client.attachment(tid, &p.remote_id, max).await {
                Ok(b) => b,
                Err(LaporError::CircuitOpen(_)) => break,
                Err(e) => {
                    let (why, give_up) = match &e {
                        LaporError::Refused { status: 404, .. } => {
                            ("belum tersedia di SP4N-LAPOR! (404)".to_string(), false)
                        }
                        LaporError::Refused { status: 413, .. } => (
                            format!("lebih besar dari batas {max} bita; tidak diunduh"),
                            true,
                        ),
                        _ => ("gagal diunduh; dicoba lagi".to_string(), false),
                    };
                    self.attachment_failed(&p, &e.to_string(), &why, give_up, now)
                        .await?;
                    continue;
                }
            };
            let got = bytes.len() as u64;
            if let Some(n) = declared.filter(|n| *n != got) {
                self.attachment_failed(
                    &p,
                    &format!("{got} bytes received, {n} declared"),
                    &format!("tidak utuh: {got} dari {n} bita diterima; dicoba lagi"),
                    false,
                    now,
                )
                .await?;
                continue;
            }
            if let Some(want) = &p.declared_sha256
                && hex::encode(Sha256::digest(&bytes)) != *want
            {
                self.attachment_failed(
                    &p,
                    "SHA-256 differs from the declared one",
                    "isi tidak cocok dengan checksum dari SP4N-LAPOR!; dicoba lagi",
                    false,
                    now,
                )
                .await?;
                continue;
            }
            let id = attachment_id(&p.tracking_id, &p.remote_id);
            let file = async {
                let mut f = self.app.files.begin(p.complaint_id, id, max).await?;
                f.write(&bytes).await?;
                f.finish().await
            }
            .await;
            let file = match file {
                Ok(f) => f,
                Err(e) => {
                    // our own storage failed: soon again, not counted against LAPOR!
                    self.store
                        .lapor_attachment_failed(
                            &p.tracking_id,
                            &p.remote_id,
                            &e.to_string(),
                            Some(now + chrono::Duration::minutes(1)),
                            now,
                        )
                        .await?;
                    continue;
                }
            };
            let a = Attachment {
                id,
                complaint_id: p.complaint_id,
                file_name: p.file_name.chars().take(200).collect(),
                content_type: p.content_type.clone(),
                size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
                sha256: file.sha256,
                created_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
                created_by: None,
                identity: crate::domain::identity::looks_like_identity_document(&p.file_name),
                file_key: Some(file.file_key),
            };
            match self.app.record_attachment(&a, &actor()).await {
                Ok(()) => stored += 1,
                // stored by an earlier try that crashed before marking it done
                Err(e) if e.is_unique_violation() => {}
                Err(e) => return Err(e.into()),
            }
            self.store
                .lapor_attachment_done(&p.tracking_id, &p.remote_id, id)
                .await?;
        }
        Ok(stored)
    }

    /// Records a failed download, and once per attachment (and once more
    /// when it is given up) an event on the complaint's timeline.
    async fn attachment_failed(
        &self,
        p: &crate::store::PendingLaporAttachment,
        error: &str,
        why: &str,
        give_up: bool,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let next = if give_up {
            None
        } else {
            attachment_retry_at(p.attempts + 1, p.first_failed_at.unwrap_or(now), now)
        };
        let give_up = next.is_none();
        self.store
            .lapor_attachment_failed(&p.tracking_id, &p.remote_id, error, next, now)
            .await?;
        let why = if give_up && !why.contains("tidak diunduh") {
            format!(
                "{} (tidak dicoba lagi setelah {} kali selama {} hari)",
                why.trim_end_matches("; dicoba lagi"),
                p.attempts + 1,
                ATTACHMENT_RETRY_DAYS
            )
        } else {
            why.to_string()
        };
        let detail = serde_json::json!({"source": "lapor", "lapor_attachment_id": p.remote_id,
            "file_name": p.file_name, "reason": why, "final": give_up})
        .to_string();
        let key = format!(
            "lapor:attachment:{}:{}:{}",
            p.tracking_id,
            p.remote_id,
            if give_up { "final" } else { "failed" }
        );
        self.app
            .record_lapor_note(
                &key,
                p.complaint_id,
                "lapor_attachment_failed",
                &detail,
                &actor(),
                Utc::now(),
            )
            .await?;
        Ok(())
    }

    /// Tries a quarantined item again: fetched anew from LAPOR! when its
    /// tracking id is known, else as it was stored. `Ok(true)` when it is
    /// now a complaint.
    pub async fn retry_quarantined(&self, id: Uuid) -> Result<Option<bool>, SyncError> {
        let Some(q) = self.store.get_quarantine(id).await? else {
            return Ok(None);
        };
        if q.resolved_at.is_some() {
            return Ok(Some(true));
        }
        if let (Some(rest), Some(tid)) = (q.item_key.strip_prefix("comment:"), &q.tracking_id) {
            // a comment quarantined alone: the report's comments fetched again
            let Some(c) = self.store.find_by_lapor_id(tid).await? else {
                return Ok(Some(false));
            };
            let _one = self.running.lock().await;
            self.sync_comments(tid, c.id).await?;
            let again = self.store.get_quarantine(id).await?;
            if again.is_some_and(|a| a.times_seen > q.times_seen) {
                return Ok(Some(false));
            }
            tracing::info!(item = %rest, "LAPOR! comment readable now");
            self.store
                .resolve_quarantine(&q.item_key, Some(c.id), Utc::now())
                .await?;
            return Ok(Some(true));
        }
        let raw = match &q.tracking_id {
            Some(t) => self.client.report(t).await?,
            None => serde_json::from_str(&q.raw).unwrap_or(serde_json::Value::Null),
        };
        let topics = self.topics().await?;
        let mut report = PollReport::default();
        let _one = self.running.lock().await;
        self.process_item(&raw, &topics, Utc::now(), &mut report)
            .await?;
        if report.quarantined > 0 {
            return Ok(Some(false));
        }
        // an item without a tracking id that now passes is resolved by its old key
        self.store
            .resolve_quarantine(&q.item_key, None, Utc::now())
            .await?;
        Ok(Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_tried_again_sooner_then_rarer_for_three_days() {
        let t0 = Utc::now();
        assert_eq!(
            attachment_retry_at(1, t0, t0),
            Some(t0 + chrono::Duration::minutes(1))
        );
        assert_eq!(
            attachment_retry_at(2, t0, t0),
            Some(t0 + chrono::Duration::minutes(2))
        );
        assert_eq!(
            attachment_retry_at(5, t0, t0),
            Some(t0 + chrono::Duration::minutes(16))
        );
        // at most six hours apart
        assert_eq!(
            attachment_retry_at(12, t0, t0),
            Some(t0 + chrono::Duration::hours(6))
        );
        // never past three days from the first failure: parked then
        let late = t0 + chrono::Duration::days(3) - chrono::Duration::hours(1);
        assert_eq!(attachment_retry_at(20, t0, late), None);
        assert!(attachment_retry_at(20, t0, t0 + chrono::Duration::days(2)).is_some());
    }

    #[test]
    fn attachment_ids_are_stable_and_distinct() {
        assert_eq!(attachment_id("1", "a"), attachment_id("1", "a"));
        assert_ne!(attachment_id("1", "a"), attachment_id("1", "b"));
        assert_ne!(attachment_id("1", "a"), attachment_id("2", "a"));
    }

    #[test]
    fn the_trail_starts_behind_the_cursor_by_the_overlap() {
        let t0 = Utc::now();
        let m = chrono::Duration::minutes;
        let mut t = Trail::default();
        assert_eq!(t.start(t0, Some("9".into())), Some("9".into()));
        t.push(t0, None);
        t.push(t0 + m(5), Some("10"));
        // all younger than the window: from the oldest (the beginning)
        assert_eq!(t.start(t0 - m(15), Some("12".into())), None);
        t.push(t0 + m(20), Some("20"));
        t.push(t0 + m(25), Some("25"));
        let edge = t0 + m(25) - m(15);
        assert_eq!(t.start(edge, Some("30".into())), Some("10".into()));
        t.prune(edge);
        assert_eq!(t.0.len(), 3);
        assert_eq!(Trail::parse(Some(&t.to_json())), t);
        assert_eq!(Trail::parse(Some("kaput")), Trail::default());
    }

    #[test]
    fn items_without_an_id_are_keyed_by_content() {
        let v = serde_json::json!({"title": "x"});
        assert!(item_key(&v, None).starts_with("sha256:"));
        assert_eq!(item_key(&v, Some("42")), "42");
    }
}
