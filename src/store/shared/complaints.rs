//! Complaints: registration (with idempotency), reads, lists, attachments, the clock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, Db, insert_event};
use crate::domain::Status;
use crate::store::model::ComplaintRow;
use crate::store::sql::{
    COMPLAINT_COLUMNS, EVENT_COLUMNS, OPEN_STATUS, active_calendar, is_unique_violation,
    like_contains,
};
use crate::store::{
    Actor, Attachment, BatchError, Complaint, CreateComplaint, CreateOutcome, Event, ListQuery,
    StoreError,
};

use crate::store::{ComplaintStore, InboundStore, LaporStore};

impl Backend {
    async fn lookup_idempotent(
        &self,
        key_id: Uuid,
        key: &str,
        request_hash: &str,
    ) -> Result<Option<CreateOutcome>, StoreError> {
        let row: Option<(String, Uuid, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT request_hash, complaint_id, access_code, created_at FROM idempotency_keys \
             WHERE api_key_id = $1 AND key = $2",
        )
        .bind(key_id)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        let Some((hash, complaint_id, code, at)) = row else {
            return Ok(None);
        };
        if hash != request_hash {
            return Ok(Some(CreateOutcome::KeyReused));
        }
        let c = self.get_complaint(complaint_id).await?.ok_or_else(|| {
            StoreError::Corrupt("idempotency key points at a missing complaint".into())
        })?;
        Ok(Some(CreateOutcome::Replayed(c, code, at)))
    }
}

#[async_trait]
impl ComplaintStore for Backend {
    async fn create_complaints(
        &self,
        reqs: &[CreateComplaint<'_>],
    ) -> Result<Vec<Complaint>, BatchError> {
        self.write_batch(reqs).await
    }

    async fn idempotent_outcome(
        &self,
        key_id: Uuid,
        key: &str,
        request_hash: &str,
    ) -> Result<Option<CreateOutcome>, StoreError> {
        self.lookup_idempotent(key_id, key, request_hash).await
    }

    async fn create_complaint(
        &self,
        req: CreateComplaint<'_>,
    ) -> Result<CreateOutcome, StoreError> {
        if let (Some((key, hash)), Some(key_id)) = (req.idempotency, req.actor.key_id)
            && let Some(done) = self.lookup_idempotent(key_id, key, hash).await?
        {
            return Ok(done);
        }
        match self.insert_complaint(&req).await {
            Ok(c) => Ok(CreateOutcome::Created(c)),
            Err(e) if is_unique_violation(&e) => {
                // A concurrent request with the same idempotency key won the race …
                if let (Some((key, hash)), Some(key_id)) = (req.idempotency, req.actor.key_id)
                    && let Some(done) = self.lookup_idempotent(key_id, key, hash).await?
                {
                    return Ok(done);
                }
                // … or the message was seen before …
                if let Some(key) = req.source_key
                    && let Some(id) = self.find_inbound(key).await?
                {
                    return Ok(CreateOutcome::DuplicateSource(id));
                }
                // … or the LAPOR! report is registered already.
                if let Some(tid) = req.complaint.external_ref.lapor_tracking_id.as_deref()
                    && let Some(c) = self.find_by_lapor_id(tid).await?
                {
                    return Ok(CreateOutcome::DuplicateLapor(c));
                }
                // … or the agency filed this case before.
                if let (Some(r), Some(key_id)) = (
                    req.complaint.external_ref.agency_ref.as_deref(),
                    req.actor.key_id,
                ) && let Some(c) = self.find_by_agency_ref(key_id, r).await?
                {
                    return Ok(CreateOutcome::DuplicateAgencyRef(c));
                }
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn find_by_agency_ref(
        &self,
        key_id: Uuid,
        agency_ref: &str,
    ) -> Result<Option<Complaint>, StoreError> {
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE created_by = $1 AND agency_ref = $2"
        );
        let row: Option<ComplaintRow> = sqlx::query_as(&sql)
            .bind(key_id)
            .bind(agency_ref)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .transpose()
    }

    async fn get_complaint(&self, id: Uuid) -> Result<Option<Complaint>, StoreError> {
        let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1");
        let row: Option<ComplaintRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .transpose()
    }

    async fn find_by_tracking_number(
        &self,
        tracking_number: &str,
    ) -> Result<Option<(Complaint, String)>, StoreError> {
        let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE tracking_number = $1");
        let row: Option<ComplaintRow> = sqlx::query_as(&sql)
            .bind(tracking_number)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.into_complaint(&self.vault)).transpose()
    }

    async fn access_digest(
        &self,
        tracking_number: &str,
    ) -> Result<Option<(Uuid, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, access_digest FROM complaints WHERE tracking_number = $1")
                .bind(tracking_number)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn list_complaints(&self, q: &ListQuery) -> Result<Vec<Complaint>, StoreError> {
        let mut b = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE 1 = 1"
        ));
        push_list_filter(&mut b, q);
        if !self.push_subject_candidates(&mut b, q).await? {
            return Ok(Vec::new());
        }
        let (cmp, dir) = if q.oldest_first {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        if let Some(cur) = q.after {
            // A row-value comparison: both databases seek the
            // (received_at, id) index to it (an OR form would scan).
            b.push(format!(" AND (received_at, id) {cmp} ("))
                .push_bind(cur.received_at)
                .push(", ")
                .push_bind(cur.id)
                .push(")");
        }
        // the limit bound, as the filters are: PostgreSQL plans each list
        // for its values (with a literal limit it settled on one generic
        // plan, which walked the newest complaints for a rare word: 30 ms
        // instead of 5 at a million)
        b.push(format!(" ORDER BY received_at {dir}, id {dir} LIMIT "))
            .push_bind(i64::from(q.limit));
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect()
    }

    async fn count_complaints(&self, q: &ListQuery, cap: u32) -> Result<u64, StoreError> {
        let mut b = sqlx::QueryBuilder::<Db>::new(
            "SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE 1 = 1",
        );
        push_list_filter(&mut b, q);
        if !self.push_subject_candidates(&mut b, q).await? {
            return Ok(0);
        }
        b.push(" LIMIT ").push_bind(i64::from(cap)).push(") AS x");
        let (n,): (i64,) = b.build_query_as().fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn list_by_deadline(
        &self,
        q: &crate::store::DeadlineQuery,
    ) -> Result<Vec<Complaint>, StoreError> {
        // the answer's deadline (clock running), or LAPOR!'s follow-up
        let (col, only) = if q.lapor_followup {
            ("lapor_followup_due_at", "channel = 'lapor'")
        } else {
            ("due_at", "paused_at IS NULL")
        };
        let mut b = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints \
             WHERE {OPEN_STATUS} AND {only} AND {col} < "
        ));
        b.push_bind(q.due_before);
        if let Some(from) = q.due_from {
            b.push(format!(" AND {col} >= ")).push_bind(from);
        }
        if let Some(c) = q.channel {
            b.push(" AND channel = ").push_bind(c.as_str());
        }
        push_holders(&mut b, &q.holders);
        if let Some((due, id)) = q.after {
            b.push(format!(" AND ({col}, id) > ("))
                .push_bind(due)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        // bound like the deadline itself: planned for its values (a generic
        // plan for "due before $1", a third of the open complaints by its
        // estimate, read the overdue chart's 300 late ones in 45 ms at 10 M)
        b.push(format!(" ORDER BY {col}, id LIMIT "))
            .push_bind(i64::from(q.limit));
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect()
    }

    async fn timeline(&self, complaint_id: Uuid) -> Result<Vec<Event>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM complaint_events WHERE complaint_id = $1 ORDER BY id"
        ))
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_by_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT status, COUNT(*) FROM complaints GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn report_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::report::ReportRow>, StoreError> {
        if Backend::BACKEND == "sqlite" {
            return self.report_rows_sqlite(from, to).await;
        }
        let rows: Vec<ReportTuple> = sqlx::query_as(&format!(
            "SELECT {} FROM complaints c WHERE c.received_at >= $1 AND c.received_at < $2",
            report_columns(|c| c.to_string())
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(report_row).collect()
    }

    async fn dashboard_figures(
        &self,
        q: &crate::store::DashboardQuery,
    ) -> Result<crate::store::DashboardFigures, StoreError> {
        let by_status = self.count_by_status().await?;
        let by_holder = |from: Option<DateTime<Utc>>, before: DateTime<Utc>| {
            let mut b = sqlx::QueryBuilder::<Db>::new(format!(
                "SELECT holder_position_id, COUNT(*) FROM complaints \
                 WHERE {OPEN_STATUS} AND paused_at IS NULL AND due_at < "
            ));
            b.push_bind(before);
            if let Some(from) = from {
                b.push(" AND due_at >= ").push_bind(from);
            }
            b.push(" GROUP BY holder_position_id");
            b
        };
        let mut overdue = by_holder(None, q.now);
        let overdue_by_holder: Vec<(Option<Uuid>, i64)> =
            overdue.build_query_as().fetch_all(&self.pool).await?;
        let mut soon = by_holder(Some(q.now), q.soon_before);
        let soon_by_holder: Vec<(Option<Uuid>, i64)> =
            soon.build_query_as().fetch_all(&self.pool).await?;
        let (lapor_at_risk, lapor_late): (i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN lapor_followup_due_at < $1 THEN 1 ELSE 0 END), 0) \
             FROM complaints WHERE {OPEN_STATUS} AND channel = 'lapor' \
             AND lapor_followup_due_at < $2"
        ))
        .bind(q.now)
        .bind(q.lapor_before)
        .fetch_one(&self.pool)
        .await?;
        let lapor_total = crate::store::LaporStore::count_lapor_complaints(self).await?;
        Ok(crate::store::DashboardFigures {
            by_status,
            overdue_by_holder,
            soon_by_holder,
            lapor_at_risk,
            lapor_late,
            lapor_total,
        })
    }

    async fn add_attachment(&self, a: &Attachment, actor: &Actor) -> Result<(), StoreError> {
        self.attachment_with_event(a, actor, None).await
    }

    async fn add_signed_letter(
        &self,
        a: &Attachment,
        dispatch_id: Uuid,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.attachment_with_event(a, actor, Some(dispatch_id))
            .await
    }

    async fn list_attachments(&self, complaint_id: Uuid) -> Result<Vec<Attachment>, StoreError> {
        let rows = sqlx::query_as(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE complaint_id = $1 ORDER BY id"
        ))
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?;
        opened_attachments(&self.vault, rows)
    }

    async fn get_attachment(
        &self,
        complaint_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Attachment>, StoreError> {
        let row = sqlx::query_as(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE complaint_id = $1 AND id = $2"
        ))
        .bind(complaint_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(opened_attachments(&self.vault, row.into_iter().collect())?.pop())
    }

    async fn adjust_clock(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        op: &crate::store::ClockOp,
        actor: &Actor,
        now: DateTime<Utc>,
        timezone: chrono_tz::Tz,
    ) -> Result<crate::store::ClockOutcome, StoreError> {
        use crate::store::{CalendarDay, ClockOp, ClockOutcome};
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1");
        let row: Option<ComplaintRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(ClockOutcome::NotFound);
        };
        let (c, _) = row.into_complaint(&self.vault)?;
        if expected_version.is_some_and(|v| v != c.version) {
            return Ok(ClockOutcome::VersionMismatch(c.version));
        }
        if !c.status.is_open() {
            return Ok(ClockOutcome::Conflict("the complaint is no longer open"));
        }
        let Some(sla) = c.sla_working_days else {
            return Ok(ClockOutcome::Conflict(
                "the deadline is not counted in working days (face to face or agreed time)",
            ));
        };
        let days: Vec<CalendarDay> =
            sqlx::query_as("SELECT date, kind, name, source, active FROM calendar_days")
                .fetch_all(&mut *tx)
                .await?;
        let calendar = active_calendar(days);
        let due_with = |extra: i32| {
            u32::try_from(sla + extra)
                .ok()
                .map(|n| calendar.deadline(c.received_at, n, timezone).1)
        };
        let (kind, paused_at, extra, detail) = match op {
            ClockOp::Pause { reason } => {
                if c.paused_at.is_some() {
                    return Ok(ClockOutcome::Conflict("the clock is already paused"));
                }
                (
                    "clock_paused",
                    Some(now),
                    c.extra_working_days,
                    serde_json::json!({"reason": reason, "due_at": c.due_at}),
                )
            }
            ClockOp::Resume { reason } => {
                let Some(since) = c.paused_at else {
                    return Ok(ClockOutcome::Conflict("the clock is not paused"));
                };
                let paused_days = calendar.working_days_between(
                    since.with_timezone(&timezone).date_naive(),
                    now.with_timezone(&timezone).date_naive(),
                );
                let paused_days = i32::try_from(paused_days.max(0)).unwrap_or(0);
                (
                    "clock_resumed",
                    None,
                    c.extra_working_days + paused_days,
                    serde_json::json!({"reason": reason, "paused_since": since,
                        "paused_working_days": paused_days, "previous_due_at": c.due_at}),
                )
            }
            ClockOp::Extend {
                working_days,
                reason,
            } => {
                if c.paused_at.is_some() {
                    return Ok(ClockOutcome::Conflict(
                        "resume the clock before extending the deadline",
                    ));
                }
                let n = i32::try_from(*working_days).unwrap_or(0);
                (
                    "deadline_extended",
                    None,
                    c.extra_working_days + n,
                    serde_json::json!({"reason": reason, "extension_working_days": n,
                        "previous_due_at": c.due_at}),
                )
            }
        };
        let due_at = if matches!(op, ClockOp::Pause { .. }) {
            c.due_at
        } else {
            due_with(extra)
        };
        let mut detail = detail;
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("new_due_at".into(), serde_json::json!(due_at));
        }
        let updated = sqlx::query(
            "UPDATE complaints SET paused_at = $2, extra_working_days = $3, due_at = $4, \
             version = version + 1, updated_at = $5 WHERE id = $1 AND version = $6",
        )
        .bind(id)
        .bind(paused_at)
        .bind(extra)
        .bind(due_at)
        .bind(now)
        .bind(c.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(ClockOutcome::VersionMismatch(c.version + 1));
        }
        insert_event(&mut tx, id, now, kind, actor, c.status, &detail.to_string()).await?;
        tx.commit().await?;
        let mut c = c;
        c.paused_at = paused_at;
        c.extra_working_days = extra;
        c.due_at = due_at;
        c.version += 1;
        c.updated_at = now;
        Ok(ClockOutcome::Done(Box::new(c)))
    }
}

const ATTACHMENT_COLUMNS: &str = "id, complaint_id, file_name, content_type, size_bytes, \
     sha256, created_at, created_by, dek AS file_key, identity";

/// Decrypts the names of attachment rows.
fn opened_attachments(
    vault: &crate::vault::Vault,
    rows: Vec<Attachment>,
) -> Result<Vec<Attachment>, StoreError> {
    rows.into_iter()
        .map(|mut a| {
            if let Some(k) = a.file_key.as_deref() {
                a.file_name = vault
                    .record_key(k)
                    .and_then(|key| key.decrypt("file_name", &a.file_name))
                    .map_err(|e| StoreError::Corrupt(format!("attachment {}: {e}", a.id)))?;
            }
            Ok(a)
        })
        .collect()
}

/// `AND holder_position_id IN (…)`; [`Uuid::nil`] among them stands for "not
/// forwarded yet" (no holder). Nothing for an empty list (any holder).
/// The WHERE conditions of a list's filter (after `WHERE 1 = 1`).
fn push_list_filter(b: &mut sqlx::QueryBuilder<'_, Db>, q: &ListQuery) {
    if let Some(s) = q.status {
        b.push(" AND status = ").push_bind(s.as_str());
    }
    if let Some(c) = q.channel {
        b.push(" AND channel = ").push_bind(c.as_str());
    }
    if let Some(k) = q.kind {
        b.push(" AND kind = ").push_bind(k.as_str());
    }
    if let Some(from) = q.received_from {
        b.push(" AND received_at >= ").push_bind(from);
    }
    if let Some(to) = q.received_to {
        b.push(" AND received_at < ").push_bind(to);
    }
    if let Some(text) = &q.subject_contains {
        b.push(" AND subject_lower LIKE ")
            .push_bind(like_contains(text))
            .push(" ESCAPE '\\'");
    }
    if let Some(key) = q.created_by {
        b.push(" AND created_by = ").push_bind(key);
    }
    if let Some(r) = &q.agency_ref {
        b.push(" AND agency_ref = ").push_bind(r.clone());
    }
    push_holders(b, &q.holders);
}

fn push_holders(b: &mut sqlx::QueryBuilder<'_, Db>, holders: &[Uuid]) {
    if holders.is_empty() {
        return;
    }
    let held: Vec<Uuid> = holders.iter().copied().filter(|h| !h.is_nil()).collect();
    let unheld = held.len() < holders.len();
    b.push(" AND (");
    if unheld {
        b.push("holder_position_id IS NULL");
    }
    if !held.is_empty() {
        if unheld {
            b.push(" OR ");
        }
        b.push("holder_position_id IN (");
        let mut list = b.separated(", ");
        for h in held {
            list.push_bind(h);
        }
        b.push(")");
    }
    b.push(")");
}

impl Backend {
    /// Narrows a list's "subject contains" to the complaints the trigram
    /// index names, when it can (SQLite, `subject_candidates`); `false`
    /// when it names none (the list is empty).
    async fn push_subject_candidates(
        &self,
        b: &mut sqlx::QueryBuilder<'_, Db>,
        q: &ListQuery,
    ) -> Result<bool, StoreError> {
        let Some(text) = &q.subject_contains else {
            return Ok(true);
        };
        let Some(ids) = self.subject_candidates(text).await? else {
            return Ok(true);
        };
        if ids.is_empty() {
            return Ok(false);
        }
        b.push(" AND id IN (");
        let mut list = b.separated(", ");
        for id in ids {
            list.push_bind(id);
        }
        b.push(")");
        Ok(true)
    }

    /// An attachment and its event in one transaction: `attachment_added`,
    /// or — with the dispatch it belongs to — `signed_letter_recorded` (the
    /// signed answer letter, the dispatched letter's record).
    async fn attachment_with_event(
        &self,
        a: &Attachment,
        actor: &Actor,
        signed_for: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        // Bump the version first: takes the write lock and tells us the status.
        let status: Option<(String,)> = sqlx::query_as(
            "UPDATE complaints SET version = version + 1, updated_at = $2 \
             WHERE id = $1 RETURNING status",
        )
        .bind(a.complaint_id)
        .bind(a.created_at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status,)) = status else {
            return Err(StoreError::Database(sqlx::Error::RowNotFound));
        };
        let status = Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown status `{status}`")))?;
        let file_name = match a.file_key.as_deref() {
            Some(k) => self
                .vault
                .record_key(k)
                .map_err(|e| StoreError::Corrupt(format!("attachment {}: {e}", a.id)))?
                .encrypt("file_name", &a.file_name),
            None => a.file_name.clone(),
        };
        sqlx::query(
            "INSERT INTO attachments (id, complaint_id, file_name, content_type, \
             size_bytes, sha256, created_at, created_by, dek, identity) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id)
        .bind(a.complaint_id)
        .bind(&file_name)
        .bind(&a.content_type)
        .bind(a.size_bytes)
        .bind(&a.sha256)
        .bind(a.created_at)
        .bind(a.created_by)
        .bind(a.file_key.as_deref())
        .bind(a.identity)
        .execute(&mut *tx)
        .await?;
        let mut detail = serde_json::json!({
            "attachment_id": a.id,
            "identity": a.identity,
            "size_bytes": a.size_bytes,
            "sha256": a.sha256,
            "content_type": a.content_type,
        });
        if let Some(d) = signed_for {
            detail["dispatch_id"] = serde_json::json!(d);
        }
        let detail = detail.to_string();
        insert_event(
            &mut tx,
            a.complaint_id,
            a.created_at,
            if signed_for.is_some() {
                "signed_letter_recorded"
            } else {
                "attachment_added"
            },
            actor,
            status,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A report row as read: channel, kind, category, status, received, due,
/// paused, LAPOR! follow-up due, holder, first answer sent, first primary
/// recipient's position.
type ReportTuple = (
    String,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<Uuid>,
    Option<DateTime<Utc>>,
    Option<Uuid>,
);

/// The report rows' columns, each passed through `wrap` (SQLite's JSON
/// path turns identifiers into hex text).
fn report_columns(wrap: impl Fn(&str) -> String) -> String {
    [
        "c.channel".to_string(),
        "c.kind".into(),
        "c.category".into(),
        "c.status".into(),
        "c.received_at".into(),
        "c.due_at".into(),
        "c.paused_at".into(),
        "c.lapor_followup_due_at".into(),
        wrap("c.holder_position_id"),
        "(SELECT MIN(d.at) FROM answer_dispatches d WHERE d.complaint_id = c.id)".into(),
        format!(
            "(SELECT {} FROM dispositions d \
             JOIN disposition_recipients r ON r.disposition_id = d.id AND r.is_primary \
             WHERE d.complaint_id = c.id AND d.withdrawn_at IS NULL ORDER BY d.id LIMIT 1)",
            wrap("r.position_id")
        ),
    ]
    .join(", ")
}

fn report_row(r: ReportTuple) -> Result<crate::domain::report::ReportRow, StoreError> {
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("unknown {what} `{v}`"));
    Ok(crate::domain::report::ReportRow {
        channel: crate::domain::Channel::parse(&r.0).ok_or_else(|| bad("channel", &r.0))?,
        kind: crate::domain::Kind::parse(&r.1).ok_or_else(|| bad("kind", &r.1))?,
        category: r.2,
        status: Status::parse(&r.3).ok_or_else(|| bad("status", &r.3))?,
        received_at: r.4,
        due_at: r.5,
        paused: r.6.is_some(),
        lapor_followup_due_at: r.7,
        holder: r.8,
        answered_at: r.9,
        unit: r.10,
    })
}

impl Backend {
    /// SQLite's report rows in one JSON array: sqlx hands each row from its
    /// worker thread to the request's task with a wake-up, which for a
    /// report's thousands of rows cost three times the query (3,800 rows:
    /// 56 ms against 14 ms for the query, issue 38).
    async fn report_rows_sqlite(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::report::ReportRow>, StoreError> {
        type Json = (
            String,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let json: String = sqlx::query_scalar(&format!(
            "SELECT json_group_array(json_array({})) FROM complaints c \
             WHERE c.received_at >= $1 AND c.received_at < $2",
            report_columns(|c| format!("nullif(hex({c}), '')"))
        ))
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<Json> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("the report rows: {e}")))?;
        let instant = |v: &str| {
            crate::store::sqlite::instant(v)
                .ok_or_else(|| StoreError::Corrupt(format!("an instant `{v}`")))
        };
        let opt_instant = |v: Option<String>| v.as_deref().map(instant).transpose();
        let id = |v: Option<String>| {
            v.map(|h| {
                Uuid::parse_str(&h).map_err(|_| StoreError::Corrupt(format!("an identifier `{h}`")))
            })
            .transpose()
        };
        rows.into_iter()
            .map(|r| {
                report_row((
                    r.0,
                    r.1,
                    r.2,
                    r.3,
                    instant(&r.4)?,
                    opt_instant(r.5)?,
                    opt_instant(r.6)?,
                    opt_instant(r.7)?,
                    id(r.8)?,
                    opt_instant(r.9)?,
                    id(r.10)?,
                ))
            })
            .collect()
    }
}
