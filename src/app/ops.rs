//! Attachments, messages from complainants, and the operators' retries.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::store::{Actor, Attachment, Complaint, InboundMessage, StoreError};

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

    /// A message from the complainant (an email reply, a LAPOR! comment),
    /// once per `source_key`, reopening an answered complaint when asked.
    pub async fn record_inbound(
        &self,
        m: InboundMessage<'_>,
    ) -> Result<Option<Complaint>, StoreError> {
        self.store.record_inbound(m).await
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
