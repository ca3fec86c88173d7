//! SP4N-LAPOR!: integration state, quarantine, attachments to fetch, outside changes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, Db, insert_event};

/// Records the copy of a report applied (never an older one over a newer).
const SAVE_COPY: &str = "INSERT INTO lapor_copies (tracking_id, updated_at, status, seen_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (tracking_id) DO UPDATE \
     SET updated_at = $2, status = $3, seen_at = $4 \
     WHERE lapor_copies.updated_at <= $2";
use crate::store::model::ComplaintRow;
use crate::store::sql::COMPLAINT_COLUMNS;
use crate::store::{Actor, Complaint, StoreError};

use crate::store::LaporStore;

impl Backend {
    /// A LAPOR! attachment's file name as stored (sealed), opened.
    fn attachment_name(&self, stored: &str) -> Result<String, StoreError> {
        self.vault
            .open_or_plain(stored)
            .map_err(|e| StoreError::Corrupt(format!("LAPOR! attachment name: {e}")))
    }

    async fn insert_lapor_attachments(
        &self,
        tx: &mut sqlx::Transaction<'_, Db>,
        tracking_id: &str,
        items: &[crate::store::NewLaporAttachment],
    ) -> Result<(), sqlx::Error> {
        for a in items {
            sqlx::query(
                "INSERT INTO lapor_attachments (tracking_id, remote_id, file_name, content_type, \
                 attempts, declared_size, declared_sha256) VALUES ($1, $2, $3, $4, 0, $5, $6) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(tracking_id)
            .bind(&a.remote_id)
            .bind(self.vault.seal_str(&a.file_name))
            .bind(&a.content_type)
            .bind(a.declared_size.and_then(|n| i64::try_from(n).ok()))
            .bind(&a.declared_sha256)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    async fn write_lapor_page(
        &self,
        tx: &mut sqlx::Transaction<'_, Db>,
        items: &[crate::store::LaporImport<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, sqlx::Error> {
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        for it in items {
            self.insert_lapor_attachments(tx, it.tracking_id, it.attachments)
                .await?;
        }
        let creates: Vec<crate::store::CreateComplaint<'_>> =
            items.iter().map(|it| it.create.clone()).collect();
        let out = self.write_complaints(tx, &creates).await?;
        for (it, c) in items.iter().zip(&out) {
            sqlx::query(
                "UPDATE lapor_quarantine SET resolved_at = $2, complaint_id = $3 \
                 WHERE item_key = $1 AND resolved_at IS NULL",
            )
            .bind(it.tracking_id)
            .bind(now)
            .bind(c.id)
            .execute(&mut **tx)
            .await?;
            if let Some((updated_at, status)) = it.copy {
                sqlx::query(SAVE_COPY)
                    .bind(it.tracking_id)
                    .bind(chrono::SubsecRound::trunc_subsecs(updated_at, 6))
                    .bind(status)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(out)
    }

    pub(super) async fn lp_record_inbound(
        &self,
        m: crate::store::InboundMessage<'_>,
    ) -> Result<Option<crate::store::Complaint>, crate::store::StoreError> {
        use crate::domain::Status;
        use crate::store::model::ComplaintRow;
        use crate::store::sql::COMPLAINT_COLUMNS;
        let now = chrono::SubsecRound::trunc_subsecs(m.now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
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
        let (mut c, _) = row.into_complaint(&self.vault)?;
        if c.location.is_none() {
            c.location = m.location.map(str::to_string);
        }
        if m.reopen && matches!(c.status, Status::Answered | Status::Closed) {
            c.status = Status::Reopened;
            c.holder_position_id = None;
        }
        sqlx::query(
            "UPDATE complaints SET status = $2, holder_position_id = $3, \
             version = version + 1, updated_at = $4, location = COALESCE(location, $5) \
             WHERE id = $1",
        )
        .bind(c.id)
        .bind(c.status.as_str())
        .bind(c.holder_position_id)
        .bind(now)
        .bind(m.location)
        .execute(&mut *tx)
        .await?;
        insert_event(&mut tx, c.id, now, m.event, m.actor, c.status, m.detail).await?;
        tx.commit().await?;
        c.version += 1;
        c.updated_at = now;
        Ok(Some(c))
    }

    pub(super) async fn lp_change_from_outside(
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
        let mut tx = self.begin_write().await?;
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

    pub(super) async fn lp_outbox_delivered(
        &self,
        id: uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
        proof: Option<&crate::store::DeliveryProof>,
    ) -> Result<(), crate::store::StoreError> {
        use crate::domain::Status;
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
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

#[async_trait]
impl LaporStore for Backend {
    async fn lapor_known(
        &self,
        tracking_ids: &[&str],
    ) -> Result<crate::store::LaporKnown, StoreError> {
        let mut known = crate::store::LaporKnown::default();
        if tracking_ids.is_empty() {
            return Ok(known);
        }
        let mut b = sqlx::QueryBuilder::<Db>::new(
            "SELECT tracking_id, updated_at, status FROM lapor_copies WHERE tracking_id IN (",
        );
        let mut list = b.separated(", ");
        for t in tracking_ids {
            list.push_bind(*t);
        }
        b.push(")");
        let copies: Vec<(String, DateTime<Utc>, String)> =
            b.build_query_as().fetch_all(&self.pool).await?;
        known.copies = copies
            .into_iter()
            .map(|(t, at, status)| (t, (at, status)))
            .collect();
        let mut b = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE lapor_tracking_id IN ("
        ));
        let mut list = b.separated(", ");
        for t in tracking_ids {
            list.push_bind(*t);
        }
        b.push(")");
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        for r in rows {
            let (c, _) = r.into_complaint(&self.vault)?;
            if let Some(t) = c.external_ref.lapor_tracking_id.clone() {
                known.complaints.insert(t, c);
            }
        }
        Ok(known)
    }

    async fn import_lapor_page(
        &self,
        items: &[crate::store::LaporImport<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, crate::store::BatchError> {
        use crate::store::BatchError;
        let failed = |e: sqlx::Error| BatchError::RolledBack(e.into());
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await.map_err(failed)?;
        let written = self
            .write_lapor_page(&mut tx, items, now)
            .await
            .map_err(failed)?;
        tx.commit()
            .await
            .map_err(|e| BatchError::Commit(e.into()))?;
        Ok(written)
    }

    async fn find_by_lapor_id(&self, tracking_id: &str) -> Result<Option<Complaint>, StoreError> {
        let sql =
            format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE lapor_tracking_id = $1");
        let row: Option<ComplaintRow> = sqlx::query_as(&sql)
            .bind(tracking_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .transpose()
    }

    async fn integration_state(
        &self,
        name: &str,
    ) -> Result<Option<crate::store::IntegrationState>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, cursor, last_poll_at, last_success_at, last_error, imported_total, \
             updated_at, cursor_trail, last_reconciled_at, comments_after \
             FROM integration_state WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_integration_cursor(
        &self,
        name: &str,
        cursor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO integration_state (name, cursor, imported_total, updated_at) \
             VALUES ($1, $2, 0, $3) ON CONFLICT (name) DO UPDATE SET cursor = $2, updated_at = $3",
        )
        .bind(name)
        .bind(cursor)
        .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_integration_poll(
        &self,
        name: &str,
        now: DateTime<Utc>,
        error: Option<&str>,
        imported: u64,
    ) -> Result<(), StoreError> {
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let success = error.is_none().then_some(now);
        sqlx::query(
            "INSERT INTO integration_state (name, last_poll_at, last_success_at, last_error, \
             imported_total, updated_at) VALUES ($1, $2, $3, $4, $5, $2) \
             ON CONFLICT (name) DO UPDATE SET last_poll_at = $2, \
             last_success_at = COALESCE($3, integration_state.last_success_at), \
             last_error = $4, imported_total = integration_state.imported_total + $5, \
             updated_at = $2",
        )
        .bind(name)
        .bind(now)
        .bind(success)
        .bind(error)
        .bind(i64::try_from(imported).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn quarantine_item(
        &self,
        item_key: &str,
        tracking_id: Option<&str>,
        raw: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        // the raw report holds the reporter's identity: sealed
        let raw = &self.vault.seal_str(raw);
        let _writer = self.lock_writes().await;
        let updated = sqlx::query(
            "UPDATE lapor_quarantine SET last_seen = $2, times_seen = times_seen + 1, \
             raw = $3, reason = $4 WHERE item_key = $1 AND resolved_at IS NULL",
        )
        .bind(item_key)
        .bind(now)
        .bind(raw)
        .bind(reason)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO lapor_quarantine (id, item_key, tracking_id, raw, reason, \
                 first_seen, last_seen, times_seen) VALUES ($1, $2, $3, $4, $5, $6, $6, 1) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(Uuid::now_v7())
            .bind(item_key)
            .bind(tracking_id)
            .bind(raw)
            .bind(reason)
            .bind(now)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    async fn resolve_quarantine(
        &self,
        item_key: &str,
        complaint_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE lapor_quarantine SET resolved_at = $2, complaint_id = $3 \
             WHERE item_key = $1 AND resolved_at IS NULL",
        )
        .bind(item_key)
        .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
        .bind(complaint_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    async fn list_quarantine(
        &self,
        all: bool,
        limit: u32,
    ) -> Result<Vec<crate::store::QuarantineItem>, StoreError> {
        let cols = crate::store::sql::QUARANTINE_COLUMNS;
        let filter = if all { "" } else { "WHERE resolved_at IS NULL" };
        let items = sqlx::query_as(&format!(
            "SELECT {cols} FROM lapor_quarantine {filter} ORDER BY last_seen DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        opened_quarantine(&self.vault, items)
    }

    async fn count_quarantine(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM lapor_quarantine WHERE resolved_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    async fn get_quarantine(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::store::QuarantineItem>, StoreError> {
        let cols = crate::store::sql::QUARANTINE_COLUMNS;
        let item = sqlx::query_as(&format!(
            "SELECT {cols} FROM lapor_quarantine WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(opened_quarantine(&self.vault, item.into_iter().collect())?.pop())
    }

    async fn add_lapor_attachments(
        &self,
        tracking_id: &str,
        items: &[crate::store::NewLaporAttachment],
    ) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        self.insert_lapor_attachments(&mut tx, tracking_id, items)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn lapor_copy(
        &self,
        tracking_id: &str,
    ) -> Result<Option<(DateTime<Utc>, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT updated_at, status FROM lapor_copies WHERE tracking_id = $1")
                .bind(tracking_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn save_lapor_copy(
        &self,
        tracking_id: &str,
        updated_at: DateTime<Utc>,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(SAVE_COPY)
            .bind(tracking_id)
            .bind(chrono::SubsecRound::trunc_subsecs(updated_at, 6))
            .bind(status)
            .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_integration_trail(
        &self,
        name: &str,
        trail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // an upsert: the first poll ever has no state row yet, and its
        // trail (which starts at the head) must be kept
        sqlx::query(
            "INSERT INTO integration_state (name, imported_total, updated_at, cursor_trail) \
             VALUES ($1, 0, $3, $2) ON CONFLICT (name) DO UPDATE SET cursor_trail = $2",
        )
        .bind(name)
        .bind(trail)
        .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_integration_reconciled(
        &self,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO integration_state (name, imported_total, updated_at, last_reconciled_at) \
             VALUES ($1, 0, $2, $2) ON CONFLICT (name) DO UPDATE SET last_reconciled_at = $2",
        )
        .bind(name)
        .bind(chrono::SubsecRound::trunc_subsecs(at, 6))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_integration_comments_after(
        &self,
        name: &str,
        after: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE integration_state SET comments_after = $2 WHERE name = $1")
            .bind(name)
            .bind(after)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn open_lapor_complaints(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        use crate::store::sql::OPEN_STATUS;
        // the unique partial index on lapor_tracking_id gives the order
        Ok(sqlx::query_as(&format!(
            "SELECT lapor_tracking_id, id FROM complaints \
             WHERE lapor_tracking_id IS NOT NULL AND lapor_tracking_id > $1 AND {OPEN_STATUS} \
             ORDER BY lapor_tracking_id LIMIT $2"
        ))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_lapor_complaints(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM complaints WHERE lapor_tracking_id IS NOT NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    async fn pending_lapor_attachments(
        &self,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::store::PendingLaporAttachment>, StoreError> {
        let items: Vec<crate::store::PendingLaporAttachment> = sqlx::query_as(
            "SELECT a.tracking_id, a.remote_id, a.file_name, a.content_type, a.attempts, \
             c.id AS complaint_id, a.declared_size, a.declared_sha256, a.first_failed_at \
             FROM lapor_attachments a \
             JOIN complaints c ON c.lapor_tracking_id = a.tracking_id \
             WHERE a.attachment_id IS NULL AND a.attempts < $2 \
             AND (a.next_attempt_at IS NULL OR a.next_attempt_at <= $3) \
             ORDER BY a.attempts, a.tracking_id LIMIT $1",
        )
        .bind(i64::from(limit))
        .bind(crate::store::PARKED_ATTEMPTS)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        items
            .into_iter()
            .map(|mut p| {
                p.file_name = self.attachment_name(&p.file_name)?;
                Ok(p)
            })
            .collect()
    }

    async fn lapor_attachment_done(
        &self,
        tracking_id: &str,
        remote_id: &str,
        attachment_id: Uuid,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE lapor_attachments SET attachment_id = $3, last_error = NULL \
             WHERE tracking_id = $1 AND remote_id = $2",
        )
        .bind(tracking_id)
        .bind(remote_id)
        .bind(attachment_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn lapor_attachment_failed(
        &self,
        tracking_id: &str,
        remote_id: &str,
        error: &str,
        next: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // parked: `PARKED_ATTEMPTS`, where `pending_lapor_attachments` stops
        sqlx::query(
            "UPDATE lapor_attachments SET attempts = CASE WHEN $4 IS NULL THEN $6 \
             ELSE attempts + 1 END, last_error = $3, next_attempt_at = $4, \
             first_failed_at = COALESCE(first_failed_at, $5) \
             WHERE tracking_id = $1 AND remote_id = $2",
        )
        .bind(tracking_id)
        .bind(remote_id)
        .bind(error)
        .bind(next)
        .bind(now)
        .bind(crate::store::PARKED_ATTEMPTS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn lapor_fields(&self, tracking_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT fields FROM lapor_copies WHERE tracking_id = $1")
                .bind(tracking_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(f,)| f))
    }

    async fn save_lapor_fields(&self, tracking_id: &str, fields: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE lapor_copies SET fields = $2 WHERE tracking_id = $1")
            .bind(tracking_id)
            .bind(fields)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn apply_lapor_edit(
        &self,
        complaint_id: Uuid,
        edit: &crate::store::LaporEdit,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // the name and whether it is indexed: an erasure waits for this
        // transaction's row lock and rewrites the entry after it
        let Some(c) = crate::store::ComplaintStore::get_complaint(self, complaint_id).await? else {
            return Ok(false);
        };
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        // only the fields LAPOR! changed are written: the office's own edit
        // of another field meanwhile stays; the entry is made from the row
        // as written
        let row: Option<(String, String, String)> = sqlx::query_as(
            "UPDATE complaints SET subject = COALESCE($2, subject), \
             subject_lower = COALESCE($3, subject_lower), body = COALESCE($4, body), \
             category = CASE WHEN $5 THEN $6 ELSE category END, \
             location = CASE WHEN $7 THEN $8 ELSE location END, \
             kind = COALESCE($9, kind), version = version + 1, updated_at = $10 \
             WHERE id = $1 AND anonymised_at IS NULL RETURNING subject, body, status",
        )
        .bind(complaint_id)
        .bind(edit.subject.as_deref())
        .bind(edit.subject.as_deref().map(str::to_lowercase))
        .bind(edit.body.as_deref())
        .bind(edit.category.is_some())
        .bind(edit.category.clone().flatten())
        .bind(edit.location.is_some())
        .bind(edit.location.clone().flatten())
        .bind(edit.kind.map(|k| k.as_str()))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((subject, body, status)) = row else {
            return Ok(false);
        };
        let status = crate::domain::Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("complaint status {status:?}")))?;
        super::write_search_entry(
            &mut tx,
            complaint_id,
            &crate::store::sql::SearchEntry::new(
                &self.vault,
                &subject,
                &body,
                c.reporter.name.as_deref(),
                c.anonymous,
            ),
            true,
        )
        .await?;
        insert_event(
            &mut tx,
            complaint_id,
            now,
            "lapor_report_edited",
            actor,
            status,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn lapor_comments_seen(
        &self,
        tracking_id: &str,
    ) -> Result<Vec<(String, String, bool)>, StoreError> {
        let rows: Vec<(String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT comment_id, digest, gone_at FROM lapor_comments WHERE tracking_id = $1",
        )
        .bind(tracking_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, d, gone)| (id, d, gone.is_some()))
            .collect())
    }

    async fn save_lapor_comment(
        &self,
        tracking_id: &str,
        comment_id: &str,
        digest: &str,
        gone_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO lapor_comments (tracking_id, comment_id, digest, gone_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tracking_id, comment_id) \
             DO UPDATE SET digest = $3, gone_at = $4",
        )
        .bind(tracking_id)
        .bind(comment_id)
        .bind(digest)
        .bind(gone_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn count_lapor_attachments_missing(&self) -> Result<(i64, i64), StoreError> {
        let (waiting, parked): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT SUM(CASE WHEN attempts < $1 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN attempts >= $1 THEN 1 ELSE 0 END) \
             FROM lapor_attachments WHERE attachment_id IS NULL AND attempts > 0",
        )
        .bind(crate::store::PARKED_ATTEMPTS)
        .fetch_one(&self.pool)
        .await?;
        Ok((waiting.unwrap_or(0), parked.unwrap_or(0)))
    }

    async fn lapor_attachments_missing(
        &self,
        complaint_id: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<crate::store::MissingLaporAttachment>, StoreError> {
        let items: Vec<crate::store::MissingLaporAttachment> = sqlx::query_as(
            "SELECT a.tracking_id, a.remote_id, a.file_name, c.id AS complaint_id, \
             c.tracking_number, a.attempts, a.last_error, a.next_attempt_at, a.first_failed_at \
             FROM lapor_attachments a JOIN complaints c ON c.lapor_tracking_id = a.tracking_id \
             WHERE a.attachment_id IS NULL AND a.attempts > 0 \
             AND ($1 IS NULL OR c.id = $1) \
             ORDER BY a.first_failed_at, a.tracking_id, a.remote_id LIMIT $2",
        )
        .bind(complaint_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        items
            .into_iter()
            .map(|mut p| {
                p.file_name = self.attachment_name(&p.file_name)?;
                Ok(p)
            })
            .collect()
    }

    async fn change_from_outside(
        &self,
        complaint_id: Uuid,
        change: &crate::store::OutsideChange,
        event: &str,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.lp_change_from_outside(complaint_id, change, event, detail, actor, now)
            .await
    }
}

fn opened_quarantine(
    vault: &crate::vault::Vault,
    items: Vec<crate::store::QuarantineItem>,
) -> Result<Vec<crate::store::QuarantineItem>, StoreError> {
    items
        .into_iter()
        .map(|mut q| {
            q.raw = vault
                .open_or_plain(&q.raw)
                .map_err(|e| StoreError::Corrupt(format!("quarantine {}: {e}", q.id)))?;
            Ok(q)
        })
        .collect()
}
