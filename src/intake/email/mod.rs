//! The email channel: one intake for the pipe endpoint and the IMAP poller.
//! A message becomes a new complaint (with an acknowledgement threaded to
//! it), joins the complaint it answers (In-Reply-To / References, or a
//! tracking number in the subject from the complainant's own address), or is
//! ignored (auto-replies, bounces, bulk, a Message-ID seen before). What
//! cannot be used is kept in `email_quarantine` and reported.

pub mod imap;
pub mod mapping;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::app::{App, EmailRegistration};
use crate::config::Settings;
use crate::store::{
    Actor, Attachment, Complaint, DynStore, EmailQuarantine, InboundMessage, StoreError,
};
use mapping::{Classified, ParsedEmail, Unusable};

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(Box<Complaint>),
    /// Added to this complaint's timeline as the complainant's reply.
    Joined(Uuid),
    /// Deliberately ignored: `auto_reply`, `bounce`, `bulk` or `duplicate`.
    Ignored(&'static str),
}

/// Counter names (in `intake_counters`).
pub const COUNTER_PREFIX: &str = "email:";

pub struct EmailIntake {
    app: Arc<App>,
    store: DynStore,
    settings: Arc<Settings>,
}

fn count_key(what: &str) -> String {
    format!("{COUNTER_PREFIX}{what}")
}

impl EmailIntake {
    pub fn new(app: Arc<App>) -> Self {
        EmailIntake {
            store: app.store.clone(),
            settings: app.settings.clone(),
            app,
        }
    }

    /// Takes one raw message. `Err(Unusable)` after keeping it for inspection.
    pub async fn accept(
        &self,
        raw: &[u8],
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Result<Outcome, Unusable>, StoreError> {
        let max = usize::try_from(self.settings.max_email_bytes).unwrap_or(usize::MAX);
        let max_att = usize::try_from(self.settings.max_attachment_bytes).unwrap_or(usize::MAX);
        let parsed = match mapping::classify(raw, max, max_att) {
            Ok(Classified::Noise(n)) => {
                self.store.bump_counter(&count_key(n.as_str())).await?;
                tracing::info!(source, kind = n.as_str(), "email ignored");
                return Ok(Ok(Outcome::Ignored(n.as_str())));
            }
            Ok(Classified::Mail(p)) => *p,
            Err(u) => {
                self.reject(raw, raw.len(), None, &u, source, now).await?;
                return Ok(Err(u));
            }
        };
        let key = format!(
            "email:{}",
            parsed
                .message_id
                .clone()
                .unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(raw))))
        );
        if self.store.find_inbound(&key).await?.is_some() {
            self.store.bump_counter(&count_key("duplicate")).await?;
            return Ok(Ok(Outcome::Ignored("duplicate")));
        }
        if let Some(c) = self.thread_of(&parsed, actor).await? {
            // a reply never reopens a confidential complaint by itself: it is
            // recorded for staff to read and decide (ADR 0015)
            let reopen = !c.confidential;
            return self.join(&parsed, &key, c.id, actor, reopen).await.map(Ok);
        }
        let nc = match mapping::to_complaint(&parsed, now) {
            Ok(nc) => nc,
            Err(u) => {
                self.reject(
                    raw,
                    raw.len(),
                    parsed.message_id.as_deref(),
                    &u,
                    source,
                    now,
                )
                .await?;
                return Ok(Err(u));
            }
        };
        let outcome = self
            .app
            .register_email(&nc, actor, now, &key, parsed.message_id.as_deref())
            .await?;
        match outcome {
            EmailRegistration::Created(c) => {
                self.store.bump_counter(&count_key("created")).await?;
                tracing::info!(complaint_id = %c.id, source, "email complaint registered");
                self.store_attachments(&parsed, c.id, actor).await?;
                Ok(Ok(Outcome::Created(c)))
            }
            EmailRegistration::Duplicate => {
                self.store.bump_counter(&count_key("duplicate")).await?;
                Ok(Ok(Outcome::Ignored("duplicate")))
            }
        }
    }

    /// The complaint a message answers, if it may join it.
    ///
    /// Candidates: a message it refers to (In-Reply-To / References: one we
    /// received, or one we sent, `<outbox id@aduan>`), or a tracking number in
    /// the subject. A candidate is joined only when
    /// - the caller is an integration key and the complaint is its own (it
    ///   may act on it), or
    /// - the sender is the complainant's own address, and — for an anonymous
    ///   complaint — the message answers one we sent to that address (whose
    ///   Message-ID nobody else has seen); and the sender is believed: the
    ///   office's receiving server found DKIM, SPF or DMARC passing for it
    ///   (`ADUAN_EMAIL_TRUSTED_AUTHSERV`), or — with no verdict — the message
    ///   answers one of ours or one we received in the thread, or quotes the
    ///   complaint's access code. A failed verdict joins nothing.
    ///
    /// Anything else becomes a new complaint, so no answer tells the caller
    /// whether an address belongs to a complainant (an integration never
    /// joins a complaint it cannot read; staff can read the address of a
    /// complaint that is not anonymous anyway).
    async fn thread_of(
        &self,
        p: &ParsedEmail,
        actor: &Actor,
    ) -> Result<Option<Complaint>, StoreError> {
        // (complaint, how the message is threaded to it)
        let mut candidates: Vec<(Uuid, Thread)> = Vec::new();
        for r in &p.references {
            if let Some(id) = self.store.find_inbound(&format!("email:{r}")).await? {
                candidates.push((id, Thread::Received));
            }
            if let Some(ours) = r
                .strip_suffix("@aduan")
                .and_then(|u| Uuid::parse_str(u).ok())
                && let Some(item) = self.store.get_outbox(ours).await?
                && let Some(id) = item.complaint_id
            {
                candidates.push((id, Thread::Sent));
            }
        }
        for tn in mapping::tracking_numbers(&p.subject) {
            if let Some((c, _)) = self.store.find_by_tracking_number(tn.as_str()).await? {
                candidates.push((c.id, Thread::Number));
            }
        }
        let verdict = mapping::sender_verdict(
            &p.auth_results,
            &self.settings.email_trusted_authserv,
            &p.from_address,
        );
        for (id, thread) in candidates {
            let Some(c) = self.store.get_complaint(id).await? else {
                continue;
            };
            let code = match self
                .store
                .find_by_tracking_number(&c.tracking_number)
                .await?
            {
                Some((_, digest)) => quotes_access_code(p, &digest),
                None => false,
            };
            if may_join(&c, p, actor, thread, verdict, code) {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    async fn join(
        &self,
        p: &ParsedEmail,
        key: &str,
        complaint_id: Uuid,
        actor: &Actor,
        reopen: bool,
    ) -> Result<Outcome, StoreError> {
        let detail = serde_json::json!({"source": "email", "subject": p.subject,
            "text": p.text.chars().take(20_000).collect::<String>(),
            "attachments": p.attachments.len(), "skipped_attachments": p.skipped_attachments})
        .to_string();
        let recorded = self
            .app
            .record_reply(
                InboundMessage {
                    source_key: key,
                    complaint_id,
                    event: "reporter_replied",
                    detail: &detail,
                    actor,
                    now: Utc::now(),
                    reopen,
                    location: None,
                },
                "Balasan pelapor diterima melalui email",
            )
            .await?;
        let Some(c) = recorded else {
            self.store.bump_counter(&count_key("duplicate")).await?;
            return Ok(Outcome::Ignored("duplicate"));
        };
        self.store.bump_counter(&count_key("joined")).await?;
        tracing::info!(complaint_id = %c.id, "email reply joined its complaint");
        self.store_attachments(p, c.id, actor).await?;
        Ok(Outcome::Joined(c.id))
    }

    async fn store_attachments(
        &self,
        p: &ParsedEmail,
        complaint_id: Uuid,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        for a in &p.attachments {
            let id = Uuid::now_v7();
            let stored = async {
                let mut f = self
                    .app
                    .files
                    .begin(complaint_id, id, self.settings.max_attachment_bytes)
                    .await?;
                f.write(&a.bytes).await?;
                f.finish().await
            }
            .await;
            let file = match stored {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(complaint_id = %complaint_id, error = %e, "email attachment not stored");
                    continue;
                }
            };
            let clean: String = a
                .file_name
                .chars()
                .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
                .take(200)
                .collect();
            self.app
                .record_attachment(
                    &Attachment {
                        id,
                        complaint_id,
                        file_name: if clean.trim().is_empty() {
                            "lampiran".into()
                        } else {
                            clean
                        },
                        content_type: a.content_type.chars().take(100).collect(),
                        size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
                        sha256: file.sha256,
                        created_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
                        created_by: actor.key_id,
                        identity: crate::domain::identity::looks_like_identity_document(
                            &a.file_name,
                        ),
                        file_key: Some(file.file_key),
                    },
                    actor,
                )
                .await?;
        }
        Ok(())
    }

    /// Keeps a message the server says is over the limit (its headers only).
    pub async fn keep_too_large(
        &self,
        headers: &[u8],
        size: usize,
        limit: usize,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.reject(
            headers,
            size,
            None,
            &Unusable::TooLarge { limit },
            source,
            now,
        )
        .await
    }

    async fn reject(
        &self,
        raw: &[u8],
        size: usize,
        message_id: Option<&str>,
        why: &Unusable,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // a message over the limit is kept by its headers only
        let kept: Vec<u8> = match why {
            Unusable::TooLarge { .. } => raw.windows(4).position(|w| w == b"\r\n\r\n").map_or_else(
                || raw[..raw.len().min(65_536)].to_vec(),
                |end| raw[..end].to_vec(),
            ),
            _ => raw.to_vec(),
        };
        self.store
            .quarantine_email(&EmailQuarantine {
                id: Uuid::now_v7(),
                source: source.to_string(),
                message_id: message_id.map(str::to_string),
                reason: why.to_string(),
                size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
                raw: kept,
                received_at: now,
            })
            .await?;
        self.store.bump_counter(&count_key("rejected")).await?;
        tracing::warn!(source, reason = %why, "email kept for inspection");
        Ok(())
    }
}

/// How a message points at a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Thread {
    /// It answers a message we sent about it (`<outbox id@aduan>`).
    Sent,
    /// It refers to a message we received for it.
    Received,
    /// Only its tracking number in the subject (public on letters and pages).
    Number,
}

/// Does the message quote the complaint's access code (any spelling)?
fn quotes_access_code(p: &ParsedEmail, digest: &str) -> bool {
    format!("{} {}", p.subject, p.text)
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|t| (16..=19).contains(&t.len()))
        .filter_map(crate::domain::AccessCode::parse)
        .any(|code| code.digest() == digest)
}

/// May a message from `p.from_address`, handed in by `actor`, join `c`?
fn may_join(
    c: &Complaint,
    p: &ParsedEmail,
    actor: &Actor,
    thread: Thread,
    verdict: mapping::SenderVerdict,
    quotes_code: bool,
) -> bool {
    use mapping::SenderVerdict;
    if actor.role == crate::domain::Role::Integration {
        return actor.key_id.is_some() && c.created_by == actor.key_id;
    }
    let from_complainant = c
        .reporter
        .email
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(&p.from_address));
    if !from_complainant {
        return false;
    }
    if c.anonymous {
        return thread == Thread::Sent && verdict != SenderVerdict::Fail;
    }
    match verdict {
        SenderVerdict::Pass => true,
        SenderVerdict::Fail => false,
        SenderVerdict::Unknown => thread != Thread::Number || quotes_code,
    }
}

/// Who files what arrives by email: the timeline names the mailbox.
pub fn mailbox_actor() -> Actor {
    Actor {
        key_id: None,
        name: "Kotak surat pengaduan (email)".into(),
        role: crate::domain::Role::Reception,
        officer: None,
    }
}
