//! Polling import from LAPOR!: new reports become complaints, comments join
//! their complaint's timeline, LAPOR!'s closing and re-routing are reflected,
//! attachments are downloaded. The cursor advances only after a page is
//! committed; import is idempotent on the tracking id (a unique index), so a
//! repeated or duplicated page, or a restart in the middle, imports nothing twice.
//! A malformed item is quarantined and never stops the rest.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::client::{LaporClient, LaporError};
use super::mapping::{self, Malformed};
use super::wire::{Report, Topic};
use crate::app::{App, LaporRegistration};
use crate::config::Settings;
use crate::domain::{Role, Status};
use crate::store::{Actor, Attachment, DynStore, InboundMessage, OutsideChange, StoreError};

/// The integration's name in `integration_state` and `job_leases`.
pub const NAME: &str = "lapor";
const PAGE: u32 = 100;
const LEASE: &str = "lapor_poll";
const LEASE_SECS: i64 = 120;
/// Pages per poll at most (the next poll goes on from the cursor).
const MAX_PAGES: usize = 200;

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
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Lapor(#[from] LaporError),
    #[error(transparent)]
    Store(#[from] StoreError),
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

impl LaporSync {
    pub fn new(app: Arc<App>, client: LaporClient) -> Self {
        LaporSync {
            client,
            store: app.store.clone(),
            settings: app.settings.clone(),
            app,
            running: tokio::sync::Mutex::new(()),
            holder: Uuid::now_v7().to_string(),
        }
    }

    /// Polls if this replica gets the poll lease; `None` when another one
    /// holds it. The lease is renewed after every page and released at the
    /// end, so a replica that dies mid-poll blocks the others for two minutes at most.
    pub async fn poll_leased(&self, now: DateTime<Utc>) -> Result<Option<PollReport>, SyncError> {
        if !self.renew_lease(now).await? {
            return Ok(None);
        }
        let result = self.poll_once(now).await;
        let later = Utc::now();
        self.store
            .acquire_lease(
                LEASE,
                &self.holder,
                later,
                later - chrono::Duration::seconds(1),
            )
            .await?;
        result.map(Some)
    }

    async fn renew_lease(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.store
            .acquire_lease(
                LEASE,
                &self.holder,
                now,
                now + chrono::Duration::seconds(LEASE_SECS),
            )
            .await
    }

    /// Polls every `ADUAN_LAPOR_POLL_SECONDS` (under the lease) until the process ends.
    /// Polls every `ADUAN_LAPOR_POLL_SECONDS` (the first one interval after
    /// start; POST …/poll polls now) until `token` is cancelled.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let every = std::time::Duration::from_secs(
            self.settings.lapor.as_ref().map_or(300, |l| l.poll_secs),
        );
        crate::workers::every(every, token, || async {
            match self.poll_leased(Utc::now()).await {
                Ok(_) => {}
                // the circuit breaker already said so once
                Err(SyncError::Lapor(LaporError::CircuitOpen(_))) => {}
                Err(e) => tracing::warn!(error = %e, "LAPOR! poll failed"),
            }
        })
        .await;
    }

    /// One poll: pages from the saved cursor, then pending attachments.
    /// Records the outcome (last poll, last success or error) for the status endpoint.
    pub async fn poll_once(&self, now: DateTime<Utc>) -> Result<PollReport, SyncError> {
        let _one = self.running.lock().await;
        let mut report = PollReport::default();
        let result = self.poll_pages(now, &mut report).await;
        let attachments = match &result {
            Ok(()) => self.fetch_attachments(500).await,
            Err(_) => Ok(0),
        };
        let error = match (&result, &attachments) {
            (Err(e), _) => Some(e.to_string()),
            (Ok(()), Err(e)) => Some(e.to_string()),
            _ => None,
        };
        report.attachments = attachments.unwrap_or(0);
        self.store
            .record_integration_poll(NAME, Utc::now(), error.as_deref(), report.imported.into())
            .await?;
        if report.imported + report.quarantined + report.updates > 0 {
            tracing::info!(
                imported = report.imported,
                quarantined = report.quarantined,
                updates = report.updates,
                pages = report.pages,
                "LAPOR! poll"
            );
        }
        result.map(|()| report)
    }

    async fn poll_pages(
        &self,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), SyncError> {
        let topics: HashMap<i64, Topic> = self
            .client
            .topics()
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut cursor = self
            .store
            .integration_state(NAME)
            .await?
            .and_then(|s| s.cursor);
        for _ in 0..MAX_PAGES {
            let page = self.client.list_reports(cursor.as_deref(), PAGE).await?;
            report.pages += 1;
            if page.items.is_empty() {
                break;
            }
            for raw in &page.items {
                self.process_item(raw, &topics, now, report).await?;
            }
            // everything on the page is committed: only now move on
            if !self.renew_lease(Utc::now()).await? {
                return Err(SyncError::Store(StoreError::Corrupt(
                    "the LAPOR! poll lease was taken by another replica".into(),
                )));
            }
            match page.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => {
                    self.store
                        .set_integration_cursor(NAME, &next, Utc::now())
                        .await?;
                    cursor = Some(next);
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// One item of the listing: import it, update its complaint, or quarantine it.
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
        let complaint = match self.store.find_by_lapor_id(&tid).await? {
            Some(c) => {
                report.known += 1;
                c
            }
            None => {
                if r.status == "rerouted" {
                    // moved away before we saw it: nothing of ours
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
        Ok(())
    }

    async fn quarantine(
        &self,
        raw: &serde_json::Value,
        m: &Malformed,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = item_key(raw, m.tracking_id.as_deref());
        // the reason can quote a value: only the field goes to the log
        let field = m.reason.split(':').next().unwrap_or("?");
        tracing::warn!(item = %key, field, "LAPOR! item quarantined");
        self.store
            .quarantine_item(
                &key,
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
        let atts: Vec<(String, String, String)> = r
            .attachments
            .iter()
            .map(|a| (a.id.clone(), a.file_name.clone(), a.content_type.clone()))
            .collect();
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
        if r.comment_count > 0 {
            for comment in self.client.comments(r.tracking_id).await? {
                if comment.author != "reporter" {
                    continue;
                }
                let key = format!("lapor:comment:{}", comment.id);
                let detail = serde_json::json!({"source": "lapor", "comment_id": comment.id,
                    "text": comment.body, "written_at": comment.created_at})
                .to_string();
                let recorded = self
                    .app
                    .record_reply(
                        InboundMessage {
                            source_key: &key,
                            complaint_id: c.id,
                            event: "reporter_replied",
                            detail: &detail,
                            actor: &actor,
                            now: Utc::now(),
                            reopen: true,
                        },
                        "Tanggapan pelapor diterima melalui LAPOR!",
                    )
                    .await?;
                if recorded.is_some() {
                    changes += 1;
                }
            }
        }
        Ok(changes)
    }

    /// Downloads attachments of imported reports; returns how many were stored.
    pub async fn fetch_attachments(&self, limit: u32) -> Result<u32, SyncError> {
        let mut stored = 0;
        let max = self.settings.max_attachment_bytes;
        for p in self.store.pending_lapor_attachments(limit).await? {
            let Ok(tid) = p.tracking_id.parse::<u64>() else {
                continue;
            };
            let bytes = match self.client.attachment(tid, &p.remote_id, max).await {
                Ok(b) => b,
                Err(LaporError::CircuitOpen(_)) => break,
                Err(e) => {
                    self.store
                        .lapor_attachment_failed(&p.tracking_id, &p.remote_id, &e.to_string())
                        .await?;
                    continue;
                }
            };
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
                    self.store
                        .lapor_attachment_failed(&p.tracking_id, &p.remote_id, &e.to_string())
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
        let raw = match &q.tracking_id {
            Some(t) => self.client.report(t).await?,
            None => serde_json::from_str(&q.raw).unwrap_or(serde_json::Value::Null),
        };
        let topics: HashMap<i64, Topic> = self
            .client
            .topics()
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
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
    fn attachment_ids_are_stable_and_distinct() {
        assert_eq!(attachment_id("1", "a"), attachment_id("1", "a"));
        assert_ne!(attachment_id("1", "a"), attachment_id("1", "b"));
        assert_ne!(attachment_id("1", "a"), attachment_id("2", "a"));
    }

    #[test]
    fn items_without_an_id_are_keyed_by_content() {
        let v = serde_json::json!({"title": "x"});
        assert!(item_key(&v, None).starts_with("sha256:"));
        assert_eq!(item_key(&v, Some("42")), "42");
    }
}
