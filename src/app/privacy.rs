//! The data subject's rights under UU 27/2022 (docs/adr/0016): finding
//! everything held about a person, exporting it with its processing
//! history, erasing it; retention; the breach register. Every look-up is
//! itself audited (the identifiers as blind-index values only).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::identity::IdentityKind;
use crate::domain::{Channel, Status};
use crate::store::{Actor, Attachment, Breach, Complaint, Event, PrivacyAudit, StoreError};

/// At most this many complaints per person in one answer.
pub const MAX_PER_PERSON: u32 = 1000;

/// Everything held about one person.
#[derive(Debug, Clone)]
pub struct SubjectRecord {
    pub complaint: Complaint,
    pub events: Vec<Event>,
    pub attachments: Vec<Attachment>,
}

/// What the retention job found (a dry run) or did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// `(id, tracking number, status, final since)` past the schedule.
    pub due: Vec<(Uuid, String, Status, DateTime<Utc>)>,
    /// How many were anonymised (0 on a dry run).
    pub anonymised: u64,
    /// Idempotency records and sent messages deleted (0 on a dry run).
    pub purged: (u64, u64),
}

/// What a breach entry says, and the complaints it affects.
#[derive(Debug, Clone)]
pub struct BreachInput {
    pub title: String,
    pub description: String,
    pub measures: String,
    pub discovered_at: DateTime<Utc>,
    pub occurred_from: DateTime<Utc>,
    pub occurred_to: DateTime<Utc>,
    /// Only these channels (all when empty).
    pub channels: Vec<Channel>,
}

impl App {
    async fn audit(
        &self,
        action: &str,
        actor: &Actor,
        reason: &str,
        identifiers: &[(IdentityKind, String)],
        complaints: &[Uuid],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let subject: Vec<serde_json::Value> = identifiers
            .iter()
            .filter_map(|(k, v)| {
                Some(serde_json::json!({"kind": k.as_str(),
                    "bidx": self.vault.blind_index(*k, v)?}))
            })
            .collect();
        self.store
            .add_privacy_audit(&PrivacyAudit {
                id: Uuid::now_v7(),
                at: now,
                action: action.into(),
                actor_key_id: actor.key_id,
                actor_name: actor.name.clone(),
                actor_role: actor.role.as_str().into(),
                reason: reason.into(),
                subject: serde_json::Value::from(subject).to_string(),
                complaint_ids: serde_json::to_string(complaints).unwrap_or_else(|_| "[]".into()),
            })
            .await
    }

    /// The complaints of the person with any of these identifiers (audited).
    pub async fn find_person(
        &self,
        identifiers: &[(IdentityKind, String)],
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, StoreError> {
        let found = self
            .store
            .find_by_identity(identifiers, MAX_PER_PERSON)
            .await?;
        let ids: Vec<Uuid> = found.iter().map(|c| c.id).collect();
        self.audit("search", actor, reason, identifiers, &ids, now)
            .await?;
        Ok(found)
    }

    /// Everything held about the person: each complaint with its whole
    /// timeline (the processing history) and its attachments (audited).
    pub async fn export_person(
        &self,
        identifiers: &[(IdentityKind, String)],
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<SubjectRecord>, StoreError> {
        let found = self
            .store
            .find_by_identity(identifiers, MAX_PER_PERSON)
            .await?;
        let mut out = Vec::with_capacity(found.len());
        for c in found {
            let events = self.store.timeline(c.id).await?;
            let attachments = self.store.list_attachments(c.id).await?;
            out.push(SubjectRecord {
                complaint: c,
                events,
                attachments,
            });
        }
        let ids: Vec<Uuid> = out.iter().map(|r| r.complaint.id).collect();
        self.audit("export", actor, reason, identifiers, &ids, now)
            .await?;
        Ok(out)
    }

    /// Anonymises one complaint (see `PrivacyStore::anonymise`) and deletes
    /// its identity files; false when it was anonymised before.
    async fn anonymise_one(
        &self,
        id: Uuid,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(files) = self.store.anonymise(id, detail, actor, now).await? else {
            return Ok(false);
        };
        for a in files {
            if let Err(e) = self.files.delete(id, a).await {
                tracing::error!(complaint_id = %id, attachment_id = %a, error = %e,
                    "identity attachment erased from the database but its file remains");
            }
        }
        tracing::info!(complaint_id = %id, "personal data erased");
        Ok(true)
    }

    /// No copy of erased text left where the database can reach it (ADR
    /// 0016): a failure is logged, the erasure itself stands.
    async fn scrub_after_erasure(&self) {
        match self.store.scrub_erased().await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "after an erasure the write-ahead log could not be emptied (a long reader): \
                 run `aduan privacy scrub` when the office is quiet"
            ),
            Err(e) => {
                tracing::error!(error = %e, "after an erasure the database could not be scrubbed")
            }
        }
    }

    /// Erases the person's data from their complaints (and from the listed
    /// complaints), with a reason; returns the complaints erased (audited).
    pub async fn erase_person(
        &self,
        identifiers: &[(IdentityKind, String)],
        complaint_ids: &[Uuid],
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        let mut targets: Vec<(Uuid, String)> = self
            .store
            .find_by_identity(identifiers, MAX_PER_PERSON)
            .await?
            .into_iter()
            .map(|c| (c.id, c.tracking_number))
            .collect();
        for id in complaint_ids {
            if !targets.iter().any(|(t, _)| t == id)
                && let Some(c) = self.store.get_complaint(*id).await?
            {
                targets.push((c.id, c.tracking_number));
            }
        }
        // audited before the identifiers are gone from the complaints
        let ids: Vec<Uuid> = targets.iter().map(|t| t.0).collect();
        self.audit("erase", actor, reason, identifiers, &ids, now)
            .await?;
        let detail = serde_json::json!({"reason": reason, "by_request": true}).to_string();
        let mut erased = Vec::new();
        for (id, number) in targets {
            if self.anonymise_one(id, &detail, actor, now).await? {
                erased.push((id, number));
            }
        }
        if !erased.is_empty() {
            self.scrub_after_erasure().await;
        }
        Ok(erased)
    }

    /// The retention job: complaints past the schedule (`ADUAN_RETENTION`)
    /// are anonymised, then expired idempotency records and sent messages
    /// deleted. With `dry_run` it only lists them.
    pub async fn retention(
        &self,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<RetentionReport, StoreError> {
        let cutoffs = self.settings.retention.cutoffs(now);
        let mut report = RetentionReport::default();
        let mut after = None;
        loop {
            let page = self
                .store
                .retention_candidates(&cutoffs, after, 500)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let full = page.len() == 500;
            for c in page {
                let status = Status::parse(&c.status)
                    .ok_or_else(|| StoreError::Corrupt(format!("status `{}`", c.status)))?;
                report
                    .due
                    .push((c.id, c.tracking_number, status, c.updated_at));
            }
            if !full {
                break;
            }
        }
        if dry_run {
            return Ok(report);
        }
        let actor = Actor::system();
        let ids: Vec<Uuid> = report.due.iter().map(|d| d.0).collect();
        if !ids.is_empty() {
            self.audit(
                "retention",
                &actor,
                "jadwal retensi (ADUAN_RETENTION)",
                &[],
                &ids,
                now,
            )
            .await?;
        }
        for (id, _, status, since) in &report.due {
            let detail = serde_json::json!({"reason": "retention", "status": status.as_str(),
                "final_since": since})
            .to_string();
            if self.anonymise_one(*id, &detail, &actor, now).await? {
                report.anonymised += 1;
            }
        }
        report.purged = self
            .store
            .purge_expired_records(now - self.settings.purge_after)
            .await?;
        if report.anonymised > 0 || report.purged != (0, 0) {
            self.scrub_after_erasure().await;
            tracing::info!(
                anonymised = report.anonymised,
                idempotency = report.purged.0,
                messages = report.purged.1,
                "retention applied"
            );
        }
        Ok(report)
    }

    /// Records a breach, with the complaints whose identity data was held
    /// during it, frozen at this moment (audited).
    pub async fn record_breach(
        &self,
        input: &BreachInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Breach, Vec<Complaint>), StoreError> {
        let affected = self
            .store
            .breach_candidates(input.occurred_from, input.occurred_to, &input.channels)
            .await?;
        let ids: Vec<Uuid> = affected.iter().map(|c| c.id).collect();
        let b = Breach {
            id: Uuid::now_v7(),
            recorded_at: chrono::SubsecRound::trunc_subsecs(now, 6),
            discovered_at: chrono::SubsecRound::trunc_subsecs(input.discovered_at, 6),
            occurred_from: chrono::SubsecRound::trunc_subsecs(input.occurred_from, 6),
            occurred_to: chrono::SubsecRound::trunc_subsecs(input.occurred_to, 6),
            title: input.title.clone(),
            description: input.description.clone(),
            measures: input.measures.clone(),
            criteria: serde_json::json!({
                "channels": input.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "occurred_from": input.occurred_from, "occurred_to": input.occurred_to})
            .to_string(),
            affected: serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()),
            recorded_by: actor.name.clone(),
        };
        self.store.add_breach(&b).await?;
        self.audit("breach", actor, &input.title, &[], &ids, now)
            .await?;
        tracing::warn!(breach_id = %b.id, affected = ids.len(),
            "data breach recorded: notify the affected people within 3 x 24 hours (UU 27/2022)");
        Ok((b, affected))
    }

    /// A breach entry and the complaints it affects as they are now.
    pub async fn breach(&self, id: Uuid) -> Result<Option<(Breach, Vec<Complaint>)>, StoreError> {
        let Some(b) = self.store.get_breach(id).await? else {
            return Ok(None);
        };
        let ids: Vec<Uuid> = serde_json::from_str(&b.affected).unwrap_or_default();
        let mut affected = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(c) = self.store.get_complaint(id).await? {
                affected.push(c);
            }
        }
        Ok(Some((b, affected)))
    }

    /// The notice to the affected people, in Bahasa Indonesia, as UU 27/2022
    /// Pasal 46 asks: what data, when and how it was exposed, what the office
    /// does about it — a draft for the office to review and send.
    pub fn breach_notice(&self, b: &Breach) -> String {
        let tz = self.tz();
        let when = |t: DateTime<Utc>| crate::words::tanggal_jam(t, tz);
        format!(
            "Yth. Bapak/Ibu Pelapor,\n\n\
             Dengan hormat, kami memberitahukan bahwa telah terjadi kegagalan pelindungan data \
             pribadi pada layanan pengaduan kami, sebagaimana diwajibkan Pasal 46 \
             Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi.\n\n\
             Peristiwa: {title}\n\
             Waktu kejadian: {from} sampai dengan {to}\n\
             Diketahui pada: {found}\n\n\
             Data pribadi yang terungkap: data identitas yang Bapak/Ibu sampaikan dalam \
             pengaduan (nama, nomor identitas, nomor telepon, alamat surel, dan/atau alamat), \
             sepanjang data tersebut ada dalam pengaduan Bapak/Ibu.\n\n\
             Uraian: {description}\n\n\
             Langkah penanganan dan pemulihan yang telah dan akan kami lakukan: {measures}\n\n\
             Kami mohon maaf atas kejadian ini. Untuk pertanyaan, silakan hubungi petugas \
             pelindungan data pribadi kami dengan menyebutkan nomor pengaduan Bapak/Ibu.\n\n\
             Hormat kami,\n\nKepala Dinas\n",
            title = b.title,
            from = when(b.occurred_from),
            to = when(b.occurred_to),
            found = when(b.discovered_at),
            description = b.description,
            measures = b.measures,
        )
    }
}
