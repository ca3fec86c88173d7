//! Integration state, quarantine, attachments to fetch, inbound messages and
//! outside changes in SQL, shared by both backends (see `sql.rs`).

pub(crate) const QUARANTINE_COLUMNS: &str = "id, item_key, tracking_id, raw, reason, first_seen, \
     last_seen, times_seen, resolved_at, complaint_id";

macro_rules! lapor_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn lp_record_inbound(
                &self,
                m: crate::store::InboundMessage<'_>,
            ) -> Result<Option<crate::store::Complaint>, crate::store::StoreError> {
                use crate::domain::Status;
                use crate::store::model::ComplaintRow;
                use crate::store::sql::COMPLAINT_COLUMNS;
                let now = chrono::SubsecRound::trunc_subsecs(m.now, 6);
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let new = sqlx::query(
                    "INSERT INTO inbound_messages (source_key, complaint_id, at) VALUES ($1, $2, $3) \
                     ON CONFLICT (source_key) DO NOTHING",
                )
                .bind(m.source_key)
                .bind(m.complaint_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if new == 0 {
                    return Ok(None);
                }
                let row: Option<ComplaintRow> = sqlx::query_as(&format!(
                    "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"
                ))
                .bind(m.complaint_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(crate::store::StoreError::Database(sqlx::Error::RowNotFound));
                };
                let (mut c, _) = row.into_complaint()?;
                if m.reopen && matches!(c.status, Status::Answered | Status::Closed) {
                    c.status = Status::Reopened;
                    c.holder_position_id = None;
                }
                sqlx::query(
                    "UPDATE complaints SET status = $2, holder_position_id = $3, \
                     version = version + 1, updated_at = $4 WHERE id = $1",
                )
                .bind(c.id)
                .bind(c.status.as_str())
                .bind(c.holder_position_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_event(&mut tx, c.id, now, m.event, m.actor, c.status, m.detail).await?;
                tx.commit().await?;
                c.version += 1;
                c.updated_at = now;
                Ok(Some(c))
            }

            async fn lp_change_from_outside(
                &self,
                complaint_id: uuid::Uuid,
                change: &crate::store::OutsideChange,
                event: &str,
                detail: &str,
                actor: &crate::store::Actor,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, crate::store::StoreError> {
                use crate::domain::Status;
                use crate::store::OutsideChange;
                let now = chrono::SubsecRound::trunc_subsecs(now, 6);
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let status: Option<(String,)> =
                    sqlx::query_as("SELECT status FROM complaints WHERE id = $1")
                        .bind(complaint_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(status) = status.and_then(|(s,)| Status::parse(&s)) else {
                    return Ok(false);
                };
                if matches!(
                    status,
                    Status::Closed | Status::Redirected | Status::Merged | Status::Rejected
                ) {
                    return Ok(false);
                }
                let (new, agency) = match change {
                    OutsideChange::Close => (Status::Closed, None),
                    OutsideChange::Redirect { agency } => (Status::Redirected, Some(agency.as_str())),
                };
                sqlx::query(
                    "UPDATE complaints SET status = $2, holder_position_id = NULL, \
                     redirected_to = COALESCE($3, redirected_to), version = version + 1, \
                     updated_at = $4 WHERE id = $1",
                )
                .bind(complaint_id)
                .bind(new.as_str())
                .bind(agency)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_event(&mut tx, complaint_id, now, event, actor, new, detail).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn lp_outbox_delivered(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
                proof: Option<&crate::store::DeliveryProof>,
            ) -> Result<(), crate::store::StoreError> {
                use crate::domain::Status;
                let now = chrono::SubsecRound::trunc_subsecs(now, 6);
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let marked = sqlx::query(
                    "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
                     locked_until = NULL, last_error = NULL WHERE id = $1 AND status <> 'sent'",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if let (Some(p), 1) = (proof, marked) {
                    if let Some(d) = p.dispatch_id {
                        sqlx::query("UPDATE answer_dispatches SET external_id = $2 WHERE id = $1")
                            .bind(d)
                            .bind(&p.external_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let status: Option<(String,)> =
                        sqlx::query_as("SELECT status FROM complaints WHERE id = $1")
                            .bind(p.complaint_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if let Some(status) = status.and_then(|(s,)| Status::parse(&s)) {
                        insert_event(
                            &mut tx,
                            p.complaint_id,
                            now,
                            &p.event,
                            &crate::store::Actor::system(),
                            status,
                            &p.detail,
                        )
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use lapor_store;
