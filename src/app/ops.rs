//! Attachments, messages from complainants, and the operators' retries.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::store::{
    Actor, Attachment, ClockOp, ClockOutcome, Complaint, InboundMessage, OutsideChange, StoreError,
};

impl App {
    /// Records an attachment whose bytes are already in `files`; if the row
    /// cannot be written the file is removed, so nothing is left half-stored.
    pub async fn record_attachment(
        &self,
        attachment: &Attachment,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        if let Err(e) = self.store.add_attachment(attachment, actor).await {
            // a unique violation: the same file was recorded by an earlier try
            if !e.is_unique_violation() {
                self.files
                    .remove(attachment.complaint_id, attachment.id)
                    .await;
            }
            return Err(e);
        }
        tracing::info!(complaint_id = %attachment.complaint_id, attachment_id = %attachment.id,
            size_bytes = attachment.size_bytes, "attachment stored");
        Ok(())
    }

    /// The signed answer letter as the record of the letter dispatched:
    /// refused (in Indonesian) when it is not a PDF or no answer went as a
    /// letter.
    pub async fn record_signed_letter(
        &self,
        a: &Attachment,
        actor: &Actor,
    ) -> Result<Result<(), &'static str>, StoreError> {
        if a.content_type != "application/pdf" {
            return Ok(Err(
                "Surat bertanda tangan harus berupa berkas PDF (dari aplikasi tanda tangan elektronik, atau pindaian).",
            ));
        }
        let Some(d) = self
            .store
            .dispatches(a.complaint_id)
            .await?
            .into_iter()
            .rev()
            .find(|d| d.method == "letter")
        else {
            return Ok(Err(
                "Belum ada jawaban yang dikirim sebagai surat: catat pengirimannya lebih dahulu.",
            ));
        };
        if let Err(e) = self.store.add_signed_letter(a, d.id, actor).await {
            if !e.is_unique_violation() {
                self.files.remove(a.complaint_id, a.id).await;
            }
            return Err(e);
        }
        tracing::info!(complaint_id = %a.complaint_id, dispatch_id = %d.id, "signed letter recorded");
        Ok(Ok(()))
    }

    /// A message from the complainant (an email reply, a LAPOR! comment),
    /// once per `source_key`, reopening an answered complaint when asked. If
    /// the clock stood still waiting for the complainant, it runs again
    /// (`resume_reason` on the timeline). `None` if it was recorded before.
    pub async fn record_reply(
        &self,
        m: InboundMessage<'_>,
        resume_reason: &str,
    ) -> Result<Option<Complaint>, StoreError> {
        let (actor, now) = (m.actor, m.now);
        let Some(c) = self.store.record_inbound(m).await? else {
            return Ok(None);
        };
        if c.paused_at.is_none() {
            return Ok(Some(c));
        }
        let op = ClockOp::Resume {
            reason: resume_reason.to_string(),
        };
        match self.resume_for_reply(c.id, &op, actor, now).await? {
            ClockOutcome::Done(after) => Ok(Some(*after)),
            // resumed meanwhile by someone else: the reply is recorded all the same
            _ => Ok(Some(c)),
        }
    }

    /// A note from LAPOR! on a complaint's timeline, recorded once by `key`
    /// (a comment edited or deleted there, an attachment that failed);
    /// `true` when recorded now. Nothing else about the complaint changes.
    pub async fn record_lapor_note(
        &self,
        key: &str,
        complaint_id: Uuid,
        event: &str,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .store
            .record_inbound(InboundMessage {
                source_key: key,
                complaint_id,
                event,
                detail,
                actor,
                now,
                reopen: false,
                location: None,
            })
            .await?
            .is_some())
    }

    /// A change made outside the office (LAPOR! closed or re-routed the
    /// report), with its event; `false` if the complaint is already final.
    pub async fn change_from_outside(
        &self,
        complaint_id: Uuid,
        change: &OutsideChange,
        event: &str,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store
            .change_from_outside(complaint_id, change, event, detail, actor, now)
            .await
    }

    /// LAPOR!'s correction of a report applied to its complaint (the fields
    /// set in `edit`) with its `lapor_report_edited` event; `false` when the
    /// complaint is gone or erased. Which fields may change is the caller's
    /// rule (the office's own edits are kept: ADR 0022).
    pub async fn apply_lapor_edit(
        &self,
        complaint_id: Uuid,
        edit: &crate::store::LaporEdit,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store
            .apply_lapor_edit(complaint_id, edit, detail, actor, now)
            .await
    }

    /// Puts a parked outbox entry back in the queue; `false` if it is not parked.
    pub async fn retry_outbox(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = self.store.retry_outbox(id, now).await?;
        if done {
            tracing::info!(outbox_id = %id, "parked message queued again");
        }
        Ok(done)
    }
}
