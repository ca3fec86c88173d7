//! The tamper-evident timeline (issue 36, docs/adr/0034): the sealing job
//! chains every event once its transaction has surely committed; `verify`
//! walks the chain and names the first broken link; a daily checkpoint of
//! the chain's head goes to the log (and by email when set) so that a chain
//! rewritten inside the database no longer matches what was told outside.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::audit::{Break, EventContent, GENESIS, Sealed, check, detail_digest, link};
use crate::store::{Checkpoint, Event, Seal, StoreError};

/// Events younger than this are left for the next run (a transaction
/// still in flight may commit an older id).
pub const SETTLE: Duration = Duration::minutes(2);
/// How far back before the last sealed event the job looks for events that
/// committed late; older ones without a seal are reported by `verify`.
pub const LOOK_BACK: Duration = Duration::hours(24);
const BATCH: u32 = 2000;

/// The smallest UUIDv7 of an instant (ids compare as times).
pub fn uuid_at(t: DateTime<Utc>) -> Uuid {
    let ms = u128::try_from(t.timestamp_millis().max(0)).unwrap_or(0);
    Uuid::from_u128(ms << 80)
}

fn time_of(id: Uuid) -> Option<DateTime<Utc>> {
    let (secs, nanos) = id.get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
}

pub fn content(e: &Event) -> EventContent<'_> {
    EventContent {
        id: e.id,
        complaint_id: e.complaint_id,
        at: e.at,
        kind: &e.kind,
        actor_key_id: e.actor_key_id,
        actor_name: &e.actor_name,
        actor_role: &e.actor_role,
        status: &e.status,
        actor_officer_id: e.actor_officer_id,
        actor_officer_name: e.actor_officer_name.as_deref(),
        actor_position_id: e.actor_position_id,
        actor_position: e.actor_position.as_deref(),
        acting: e.acting.as_deref(),
    }
}

/// The first link that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub event_id: Option<Uuid>,
    pub complaint_id: Option<Uuid>,
    pub why: Break,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    pub seals: u64,
    /// Links whose detail an erasure redacted.
    pub redacted: u64,
    pub checkpoints: u64,
    pub broken: Option<BrokenLink>,
}

/// A complaint's timeline as the console tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// Every event sealed and whole; `pending` newer ones wait for the job.
    Whole {
        sealed: usize,
        pending: usize,
    },
    Broken {
        event_id: Option<Uuid>,
        why: Break,
    },
}

impl App {
    /// Seals the events that committed since the last run; how many.
    pub async fn seal_events(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = uuid_at(now - SETTLE);
        let mut after = self
            .store
            .last_sealed_event()
            .await?
            .and_then(time_of)
            .map(|t| uuid_at(t - LOOK_BACK));
        let mut n = 0u64;
        loop {
            let events = self.store.unsealed_events(after, before, BATCH).await?;
            let Some(last) = events.last() else {
                break;
            };
            after = Some(last.id);
            let (mut seq, mut prev) = self
                .store
                .chain_head()
                .await?
                .unwrap_or((0, GENESIS.to_string()));
            let mut seals = Vec::with_capacity(events.len());
            for e in &events {
                seq += 1;
                let d = detail_digest(&e.detail);
                let hash = link(&prev, &content(e), &d);
                seals.push(Seal {
                    seq,
                    event_id: e.id,
                    complaint_id: e.complaint_id,
                    detail_digest: d,
                    hash: hash.clone(),
                    sealed_at: now,
                });
                prev = hash;
            }
            if !self.store.append_seals(&seals).await? {
                tracing::warn!("another sealer moved the chain: this run stops");
                break;
            }
            n += seals.len() as u64;
            if events.len() < BATCH as usize {
                break;
            }
        }
        if n > 0 {
            tracing::debug!(events = n, "timeline events sealed");
        }
        Ok(n)
    }

    /// Walks the whole chain: every link's hash, every event's content and
    /// detail, the checkpoints, events left without a seal.
    pub async fn verify_timeline(&self, now: DateTime<Utc>) -> Result<Verification, StoreError> {
        let checkpoints: std::collections::HashMap<i64, String> = self
            .store
            .checkpoints()
            .await?
            .into_iter()
            .map(|c| (c.seq, c.hash))
            .collect();
        let mut v = Verification::default();
        let mut prev = GENESIS.to_string();
        let mut next = 1i64;
        'walk: loop {
            let page = self.store.seals_from(next, 5000).await?;
            if page.is_empty() {
                break;
            }
            for (seal, event, anonymised) in &page {
                let broken = |why| BrokenLink {
                    seq: seal.seq,
                    event_id: Some(seal.event_id),
                    complaint_id: Some(seal.complaint_id),
                    why,
                };
                if seal.seq != next {
                    v.broken = Some(BrokenLink {
                        seq: next,
                        event_id: None,
                        complaint_id: None,
                        why: Break::Gap,
                    });
                    break 'walk;
                }
                let s = Sealed {
                    hash: &seal.hash,
                    detail_digest: &seal.detail_digest,
                    event: event.as_ref().map(|e| (content(e), e.detail.as_str())),
                    anonymised: *anonymised,
                };
                match check(&prev, &s) {
                    Ok(redacted) => v.redacted += u64::from(redacted),
                    Err(why) => {
                        v.broken = Some(broken(why));
                        break 'walk;
                    }
                }
                if let Some(h) = checkpoints.get(&seal.seq) {
                    v.checkpoints += 1;
                    if *h != seal.hash {
                        v.broken = Some(broken(Break::Checkpoint));
                        break 'walk;
                    }
                }
                v.seals += 1;
                prev = seal.hash.clone();
                next += 1;
            }
        }
        if v.broken.is_none() {
            // an event older than the look-back without a seal was added later
            let old = now - LOOK_BACK - SETTLE;
            if let Some(e) = self
                .store
                .unsealed_events(None, uuid_at(old), 1)
                .await?
                .into_iter()
                .next()
            {
                v.broken = Some(BrokenLink {
                    seq: next,
                    event_id: Some(e.id),
                    complaint_id: Some(e.complaint_id),
                    why: Break::Unsealed,
                });
            } else if checkpoints.keys().any(|s| *s >= next) {
                // a checkpoint beyond the chain: seals were removed from its end
                v.broken = Some(BrokenLink {
                    seq: next,
                    event_id: None,
                    complaint_id: None,
                    why: Break::Gap,
                });
            }
        }
        Ok(v)
    }

    /// One complaint's timeline checked against its seals (the console).
    pub async fn timeline_integrity(
        &self,
        complaint_id: Uuid,
        events: &[Event],
        anonymised: bool,
    ) -> Result<Integrity, StoreError> {
        let seals = self.store.complaint_seals(complaint_id).await?;
        let by_id: std::collections::HashMap<Uuid, &Event> =
            events.iter().map(|e| (e.id, e)).collect();
        for (seal, prev) in &seals {
            let s = Sealed {
                hash: &seal.hash,
                detail_digest: &seal.detail_digest,
                event: by_id
                    .get(&seal.event_id)
                    .map(|e| (content(e), e.detail.as_str())),
                anonymised,
            };
            if let Err(why) = check(prev, &s) {
                return Ok(Integrity::Broken {
                    event_id: Some(seal.event_id),
                    why,
                });
            }
        }
        let sealed: std::collections::HashSet<Uuid> = seals.iter().map(|s| s.0.event_id).collect();
        let unsealed: Vec<&Event> = events.iter().filter(|e| !sealed.contains(&e.id)).collect();
        let old = uuid_at(Utc::now() - LOOK_BACK - SETTLE);
        if let Some(e) = unsealed.iter().find(|e| e.id < old) {
            return Ok(Integrity::Broken {
                event_id: Some(e.id),
                why: Break::Unsealed,
            });
        }
        Ok(Integrity::Whole {
            sealed: seals.len(),
            pending: unsealed.len(),
        })
    }

    /// Once a day: the chain's head as a checkpoint, in the database, the
    /// log and — with `ADUAN_AUDIT_CHECKPOINT_EMAILS` — by email.
    pub async fn checkpoint_timeline(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let Some((seq, hash)) = self.store.chain_head().await? else {
            return Ok(false);
        };
        let last = self.store.checkpoints().await?.into_iter().last();
        if last
            .as_ref()
            .is_some_and(|c| c.seq == seq || now - c.at < Duration::hours(24))
        {
            return Ok(false);
        }
        let c = Checkpoint { seq, hash, at: now };
        if !self.store.add_checkpoint(&c).await? {
            return Ok(false);
        }
        tracing::info!(seq = c.seq, hash = %c.hash, "timeline checkpoint");
        let s = &self.settings;
        if !s.audit_checkpoint_emails.is_empty() {
            let m = crate::notify::templates::audit_checkpoint(
                &s.office_name,
                c.seq,
                &c.hash,
                crate::words::waktu(now, s.office_timezone),
            );
            let items: Vec<_> = s
                .audit_checkpoint_emails
                .iter()
                .map(|to| {
                    crate::notify::email(format!("audit-checkpoint:{}:{to}", c.seq), None, to, &m)
                })
                .collect();
            self.store.enqueue_outbox(&items, None, now).await?;
        }
        Ok(true)
    }
}
