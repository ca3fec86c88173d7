//! Registering a complaint, written once for every channel: the REST API,
//! email (pipe and mailbox), SP4N-LAPOR! imports and the console's forms.
//!
//! `register` computes the deadline from the policy in force, generates the
//! access code (only its digest is kept), takes the registration year in the
//! office's time zone, and writes the row, its event, the acknowledgement
//! (outbox) and the idempotency / source records in one transaction. Each
//! source gets an outcome type that holds only what can happen to it.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

use super::groupcommit::Registration;
use super::{App, Policy};
use crate::domain::NewComplaint;
use crate::domain::deadline::deadline_for;
use crate::store::{
    Actor, BatchError, Complaint, CreateOutcome, LaporImport, NewLaporAttachment, StoreError,
};

fn registered(c: &Complaint) {
    tracing::info!(complaint_id = %c.id, tracking_number = %c.tracking_number,
        channel = %c.channel, kind = %c.kind, "complaint registered");
    metrics::counter!("aduan_complaints_registered_total", "channel" => c.channel.as_str())
        .increment(1);
}

/// Where a registration comes from, with what only that source has.
enum Source<'a> {
    /// The JSON API; `(Idempotency-Key, digest of the body)` when sent.
    Rest {
        idempotency: Option<(&'a str, &'a str)>,
    },
    /// An email: its `source_key` (`email:<message-id>`) and the Message-ID
    /// the acknowledgement is threaded to.
    Email {
        source_key: &'a str,
        message_id: Option<&'a str>,
    },
    /// A report imported from SP4N-LAPOR! (LAPOR! tells the complainant
    /// itself), with the notes of what the import had to smooth or leave out.
    Lapor { notes: &'a [String] },
    /// The console's registration form: the complaint's id chosen before
    /// (a scan is stored under it while the form streams in), the form's
    /// one-time token (`desk:<token>`: a second submit makes nothing) and
    /// how the desk received it.
    Desk {
        id: Uuid,
        source_key: &'a str,
        intake: Option<serde_json::Value>,
    },
    /// A message channel: the id claimed for the sender's conversation, the
    /// message's key (`whatsapp:<wamid>`) and its platform id.
    Chat {
        id: Uuid,
        source_key: &'a str,
        message_id: &'a str,
    },
}

/// A registration from a message channel (WhatsApp): the complaint's id
/// (claimed for the sender's conversation before), the message's key and
/// the message the acknowledgement answers.
#[derive(Debug)]
pub enum ChatRegistration {
    Created(Box<Complaint>),
    /// The message made a complaint before (this one).
    Duplicate(Uuid),
}

/// A registration from the console's form.
#[derive(Debug)]
pub enum DeskRegistration {
    Created {
        complaint: Box<Complaint>,
        access_code: String,
    },
    /// The same form was submitted before: this complaint.
    Duplicate(Uuid),
}

/// A registration through the JSON API.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once per request, moved once
pub enum RestRegistration {
    Created {
        complaint: Complaint,
        access_code: String,
        policy: Arc<Policy>,
    },
    /// The same Idempotency-Key and body were seen before: the original
    /// complaint; its access code only within `ADUAN_REPLAY_CODE_MINUTES` of
    /// the first request (it is kept sealed meanwhile, then purged).
    Replayed {
        complaint: Complaint,
        access_code: Option<String>,
        policy: Arc<Policy>,
    },
    /// The Idempotency-Key was used before with another body.
    KeyReused,
    /// A complaint with this LAPOR! tracking id exists.
    DuplicateLapor(Complaint),
    /// The key filed a complaint under this `external_ref.agency_ref` before.
    DuplicateAgencyRef(Complaint),
}

/// A registration from an email.
#[derive(Debug)]
pub enum EmailRegistration {
    Created(Box<Complaint>),
    /// The message made a complaint before.
    Duplicate,
}

/// A registration of an SP4N-LAPOR! report.
#[derive(Debug)]
pub enum LaporRegistration {
    Created(Box<Complaint>),
    /// The report is registered already (this complaint).
    Existing(Box<Complaint>),
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy").finish_non_exhaustive()
    }
}

impl App {
    async fn register(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        source: Source<'_>,
    ) -> Result<(CreateOutcome, String, Arc<Policy>), StoreError> {
        let policy = self.policy().await?;
        let (mut registration, shown) = self.prepare(&policy, complaint, actor, now, source);
        self.categorise(&mut registration).await?;
        // a key seen before answers at once, without a write
        if let (Some((key, hash)), Some(key_id)) = (&registration.idempotency, actor.key_id)
            && let Some(done) = self.store.idempotent_outcome(key_id, key, hash).await?
        {
            return Ok((done, shown, policy));
        }
        if registration.outbox.is_some() && !self.may_acknowledge(complaint, now).await? {
            registration.outbox = None;
        }
        let outcome = self
            .intake
            .register(&self.store, &self.settings.tracking_prefix, registration)
            .await?;
        if let CreateOutcome::Created(c) = &outcome {
            registered(c);
        }
        Ok((outcome, shown, policy))
    }

    /// Whether the acknowledgement of a complaint that came from a stranger's
    /// keyboard (web form, API, email) may go out: at most
    /// `ADUAN_ACK_PER_ADDRESS_PER_DAY` to one address per office day, so the
    /// office's mail cannot be aimed at someone's inbox (ADR 0015). The
    /// complaint is registered either way; its receipt still shows the
    /// number and the access code.
    async fn may_acknowledge(
        &self,
        complaint: &NewComplaint,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use crate::domain::Channel;
        if !matches!(
            complaint.channel,
            Channel::Web | Channel::Api | Channel::Email
        ) {
            return Ok(true);
        }
        let Some(to) = complaint.reporter.email.as_deref().and_then(|e| {
            crate::domain::identity::normalize(crate::domain::identity::IdentityKind::Email, e)
        }) else {
            return Ok(true);
        };
        let tag = self.vault.tag("acknowledgement recipient", to.as_bytes());
        let day = now.with_timezone(&self.tz()).date_naive();
        let sent = self.store.count_acknowledgement(&tag, day).await?;
        if sent > i64::from(self.settings.ack_per_address_per_day) {
            metrics::counter!("aduan_acknowledgements_withheld_total").increment(1);
            tracing::warn!(
                channel = %complaint.channel,
                "acknowledgement withheld: this address had its day's acknowledgements"
            );
            return Ok(false);
        }
        Ok(true)
    }

    /// Everything a registration writes, computed before the write: the
    /// deadline from the policy in force, the access code (its digest; the
    /// code sealed for the acknowledgement and replays), the office-local
    /// year, the acknowledgement. Returns it with the code to show.
    fn prepare(
        &self,
        policy: &Policy,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        source: Source<'_>,
    ) -> (Registration, String) {
        let tz = self.tz();
        let deadline = deadline_for(
            complaint,
            &policy.sla,
            &policy.calendar,
            tz,
            self.settings.office_closes,
        );
        let id = match &source {
            Source::Desk { id, .. } | Source::Chat { id, .. } => *id,
            _ => Uuid::now_v7(),
        };
        // derived from the id with the blind-index key: later messages can
        // carry it again (ADR 0035); only its digest is stored
        let code = self.vault.access_code(id);
        let shown = code.display();
        // never stored in the clear: sealed for the acknowledgement and for replays
        let sealed = self.vault.seal(shown.as_bytes());
        let mut intake = None;
        let (idempotency, source_key, outbox) = match source {
            Source::Rest { idempotency } => (
                idempotency,
                None,
                complaint
                    .reporter
                    .email
                    .as_deref()
                    .map(|to| crate::notify::acknowledgement(id, to, &sealed, None)),
            ),
            Source::Email {
                source_key,
                message_id,
            } => (
                None,
                Some(source_key),
                complaint
                    .reporter
                    .email
                    .as_deref()
                    .map(|to| crate::notify::acknowledgement(id, to, &sealed, message_id)),
            ),
            Source::Lapor { notes } => {
                if !notes.is_empty() {
                    intake = Some(serde_json::json!({ "import_notes": notes }));
                }
                (None, None, None)
            }
            Source::Desk {
                source_key,
                intake: how,
                ..
            } => {
                intake = how;
                (
                    None,
                    Some(source_key),
                    complaint
                        .reporter
                        .email
                        .as_deref()
                        .map(|to| crate::notify::acknowledgement(id, to, &sealed, None)),
                )
            }
            Source::Chat {
                source_key,
                message_id,
                ..
            } => (
                None,
                Some(source_key),
                crate::store::chat_message_kind(complaint.channel).map(|kind| {
                    crate::store::NewOutbox {
                        id: Uuid::now_v7(),
                        kind: kind.into(),
                        dedup_key: format!("ack:{id}"),
                        complaint_id: Some(id),
                        payload: serde_json::json!({"purpose": "ack",
                            "access_code_sealed": sealed, "reply_to": message_id})
                        .to_string(),
                    }
                }),
            ),
        };
        let registration = Registration {
            id,
            complaint: complaint.clone(),
            replay_code: if idempotency.is_some() {
                sealed
            } else {
                String::new()
            },
            access_digest: code.digest(),
            year: now.with_timezone(&tz).year(),
            now,
            actor: actor.clone(),
            deadline,
            outbox,
            idempotency: idempotency.map(|(k, h)| (k.to_string(), h.to_string())),
            source_key: source_key.map(str::to_string),
            intake,
        };
        (registration, shown)
    }

    /// The access code kept for an idempotent replay, if still within the window.
    fn replay_code(
        &self,
        sealed: &str,
        first_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<String> {
        if now - first_at > self.settings.replay_code_window {
            return None;
        }
        self.vault.open_str(sealed).ok()
    }

    /// Registers a complaint sent to the JSON API (`POST /api/v1/complaints`).
    pub async fn register_rest(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        idempotency: Option<(&str, &str)>,
    ) -> Result<RestRegistration, StoreError> {
        let (outcome, shown, policy) = self
            .register(complaint, actor, now, Source::Rest { idempotency })
            .await?;
        Ok(match outcome {
            CreateOutcome::Created(complaint) => RestRegistration::Created {
                complaint,
                access_code: shown,
                policy,
            },
            CreateOutcome::Replayed(complaint, sealed, first_at) => {
                tracing::info!(complaint_id = %complaint.id, "idempotent replay");
                RestRegistration::Replayed {
                    complaint,
                    access_code: self.replay_code(&sealed, first_at, now),
                    policy,
                }
            }
            CreateOutcome::KeyReused => RestRegistration::KeyReused,
            CreateOutcome::DuplicateLapor(c) => RestRegistration::DuplicateLapor(c),
            CreateOutcome::DuplicateAgencyRef(c) => RestRegistration::DuplicateAgencyRef(c),
            CreateOutcome::DuplicateSource(_) => {
                return Err(StoreError::Corrupt(
                    "a REST registration has no source key".into(),
                ));
            }
        })
    }

    /// Registers a complaint entered at the desk (`id` chosen by the form,
    /// `form_token` the form's one-time token).
    pub async fn register_desk(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        id: Uuid,
        form_token: &str,
        intake: Option<serde_json::Value>,
    ) -> Result<DeskRegistration, StoreError> {
        self.register_form(
            complaint,
            actor,
            now,
            id,
            &format!("desk:{form_token}"),
            intake,
        )
        .await
    }

    /// Registers a complaint sent through the public web form (`nonce` the
    /// form's one-time token: a second submit finds the first).
    pub async fn register_web(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        id: Uuid,
        nonce: &str,
    ) -> Result<DeskRegistration, StoreError> {
        self.register_form(complaint, actor, now, id, &format!("web:{nonce}"), None)
            .await
    }

    async fn register_form(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        id: Uuid,
        source_key: &str,
        intake: Option<serde_json::Value>,
    ) -> Result<DeskRegistration, StoreError> {
        let source = Source::Desk {
            id,
            source_key,
            intake,
        };
        let (outcome, shown, _) = self.register(complaint, actor, now, source).await?;
        Ok(match outcome {
            CreateOutcome::Created(c) => DeskRegistration::Created {
                complaint: Box::new(c),
                access_code: shown,
            },
            CreateOutcome::DuplicateSource(id) => DeskRegistration::Duplicate(id),
            CreateOutcome::Replayed(c, ..)
            | CreateOutcome::DuplicateLapor(c)
            | CreateOutcome::DuplicateAgencyRef(c) => DeskRegistration::Duplicate(c.id),
            CreateOutcome::KeyReused => {
                return Err(StoreError::Corrupt(
                    "a desk registration has no idempotency key".into(),
                ));
            }
        })
    }

    /// Registers a complaint from an email (`source_key` = `email:<message-id>`).
    pub async fn register_email(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        source_key: &str,
        message_id: Option<&str>,
    ) -> Result<EmailRegistration, StoreError> {
        let source = Source::Email {
            source_key,
            message_id,
        };
        let (outcome, _, _) = self.register(complaint, actor, now, source).await?;
        Ok(match outcome {
            CreateOutcome::Created(c) => EmailRegistration::Created(Box::new(c)),
            CreateOutcome::DuplicateSource(_) | CreateOutcome::Replayed(..) => {
                EmailRegistration::Duplicate
            }
            CreateOutcome::KeyReused
            | CreateOutcome::DuplicateLapor(_)
            | CreateOutcome::DuplicateAgencyRef(_) => {
                return Err(StoreError::Corrupt(
                    "an email registration has no idempotency key or LAPOR! id".into(),
                ));
            }
        })
    }

    /// Registers a complaint from a message channel under the id its
    /// conversation claimed; a unique violation means the id was written by
    /// another message meanwhile (the caller joins it instead).
    pub async fn register_chat(
        &self,
        complaint: &NewComplaint,
        actor: &Actor,
        now: DateTime<Utc>,
        id: Uuid,
        source_key: &str,
        message_id: &str,
    ) -> Result<ChatRegistration, StoreError> {
        let source = Source::Chat {
            id,
            source_key,
            message_id,
        };
        let (outcome, _, _) = self.register(complaint, actor, now, source).await?;
        Ok(match outcome {
            CreateOutcome::Created(c) => ChatRegistration::Created(Box::new(c)),
            CreateOutcome::DuplicateSource(id) => ChatRegistration::Duplicate(id),
            CreateOutcome::Replayed(c, ..)
            | CreateOutcome::DuplicateLapor(c)
            | CreateOutcome::DuplicateAgencyRef(c) => ChatRegistration::Duplicate(c.id),
            CreateOutcome::KeyReused => {
                return Err(StoreError::Corrupt(
                    "a message registration has no idempotency key".into(),
                ));
            }
        })
    }

    /// Registers a report imported from SP4N-LAPOR! (idempotent on its tracking id).
    pub async fn register_lapor(
        &self,
        complaint: &NewComplaint,
        notes: &[String],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<LaporRegistration, StoreError> {
        let (outcome, _, _) = self
            .register(complaint, actor, now, Source::Lapor { notes })
            .await?;
        Ok(match outcome {
            CreateOutcome::Created(c) => LaporRegistration::Created(Box::new(c)),
            CreateOutcome::Replayed(c, ..) | CreateOutcome::DuplicateLapor(c) => {
                LaporRegistration::Existing(Box::new(c))
            }
            CreateOutcome::KeyReused
            | CreateOutcome::DuplicateSource(_)
            | CreateOutcome::DuplicateAgencyRef(_) => {
                return Err(StoreError::Corrupt(
                    "a LAPOR! import has no idempotency key or source key".into(),
                ));
            }
        })
    }

    /// Registers a page of new SP4N-LAPOR! reports in ONE transaction: each
    /// report's complaint with its attachments list, its quarantine entry
    /// resolved and its copy recorded — all of the page or none of it (the
    /// caller then takes the reports one by one).
    pub async fn register_lapor_page(
        &self,
        reports: &[LaporNew<'_>],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, BatchError> {
        let policy = self.policy().await.map_err(BatchError::RolledBack)?;
        let mut prepared: Vec<Registration> = reports
            .iter()
            .map(|r| {
                self.prepare(
                    &policy,
                    r.complaint,
                    actor,
                    now,
                    Source::Lapor { notes: r.notes },
                )
                .0
            })
            .collect();
        for r in &mut prepared {
            self.categorise(r).await.map_err(BatchError::RolledBack)?;
        }
        let prefix = &self.settings.tracking_prefix;
        let items: Vec<LaporImport<'_>> = reports
            .iter()
            .zip(&prepared)
            .map(|(r, reg)| LaporImport {
                create: reg.as_create(prefix),
                tracking_id: r.tracking_id,
                attachments: r.attachments,
                copy: r.copy,
            })
            .collect();
        let written = self.store.import_lapor_page(&items, now).await?;
        for c in &written {
            registered(c);
        }
        Ok(written)
    }
}

/// A new SP4N-LAPOR! report for [`App::register_lapor_page`].
pub struct LaporNew<'a> {
    pub complaint: &'a NewComplaint,
    pub notes: &'a [String],
    pub tracking_id: &'a str,
    pub attachments: &'a [NewLaporAttachment],
    /// The copy's `updated_at` and status, recorded with the complaint
    /// (`None`: the caller records it after applying the rest).
    pub copy: Option<(DateTime<Utc>, &'a str)>,
}
