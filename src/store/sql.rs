//! The SQL both backends share. `$N` placeholders work on PostgreSQL and on
//! SQLite (where sqlx maps `$N` to the N-th argument), and the column types
//! are chosen so that the same `FromRow` structs decode on both. The
//! `sql_store!` macro expands the one implementation for each pool type, so
//! there is exactly one copy of every query to review. Each backend module
//! supplies the little that differs: `stamp_tracking_number` and `lock_writes`.

pub(crate) const COMPLAINT_COLUMNS: &str = "id, tracking_number, kind, channel, status, \
     received_at, registered_at, updated_at, subject, body, category, location, anonymous, \
     confidential, reporter_name, reporter_id_number, reporter_phone, reporter_email, \
     reporter_address, lapor_tracking_id, letter_number, letter_date, created_by, version, \
     access_digest, due_at, sla_working_days, lapor_followup_due_at, paused_at, extra_working_days, \
     holder_position_id, merged_into, redirected_to";

/// SQL for "the complaint is open" (`Status::is_open`); the partial index
/// `complaints_open_due` is defined with the same predicate.
pub(crate) const OPEN_STATUS: &str =
    "status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected')";

pub(crate) const INSERT_EVENT: &str = "INSERT INTO complaint_events \
     (id, complaint_id, at, kind, actor_key_id, actor_name, actor_role, status, detail, \
     actor_officer_id, actor_officer_name, actor_position_id, actor_position, acting) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/// The columns of `complaint_events` in `Event` order.
pub(crate) const EVENT_COLUMNS: &str = "id, complaint_id, at, kind, actor_key_id, actor_name, \
     actor_role, status, detail, actor_officer_id, actor_officer_name, actor_position_id, \
     actor_position, acting";

/// An API key with its officer and the officer's own position.
pub(crate) const API_KEY_SELECT: &str = "SELECT k.id, k.name, k.role, k.hint, k.created_at, \
     k.revoked_at, k.officer_id, o.name AS officer_name, o.position_id, p.title AS position_title \
     FROM api_keys k LEFT JOIN officers o ON o.id = k.officer_id \
     LEFT JOIN positions p ON p.id = o.position_id";

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_contains(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

use chrono::{DateTime, Utc};

use crate::store::{Complaint, CreateComplaint};

/// The working calendar made of the active rows of `calendar_days`.
pub(crate) fn active_calendar(
    days: Vec<crate::store::CalendarDay>,
) -> crate::domain::calendar::WorkingCalendar {
    use crate::domain::calendar::{DayKind, DayOff, WorkingCalendar};
    WorkingCalendar::new(days.into_iter().filter(|d| d.active).filter_map(|d| {
        Some(DayOff {
            kind: DayKind::parse(&d.kind)?,
            date: d.date,
            name: d.name,
        })
    }))
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The columns a new complaint is inserted with; values bound by
/// `bind_new_complaint!` as `$1`..`$24`, `$25`..`$27` after the literal
/// version 1 (`$2` is the backend's choice: the
/// placeholder number on SQLite, the prefix on PostgreSQL).
pub(crate) const NEW_COMPLAINT_COLUMNS: &str = "id, tracking_number, kind, channel, status, \
     received_at, registered_at, updated_at, subject, subject_lower, body, category, \
     location, anonymous, confidential, reporter_name, reporter_id_number, \
     reporter_phone, reporter_email, reporter_address, lapor_tracking_id, \
     letter_number, letter_date, created_by, version, access_digest, due_at, sla_working_days, \
     lapor_followup_due_at";

/// Binds `$1`..`$27` of a new complaint (see `NEW_COMPLAINT_COLUMNS`).
macro_rules! bind_new_complaint {
    ($q:expr, $req:expr, $second:expr, $now:expr) => {{
        let c = $req.complaint;
        $q.bind($req.id)
            .bind($second)
            .bind(c.kind.as_str())
            .bind(c.channel.as_str())
            .bind(crate::domain::Status::Registered.as_str())
            .bind(c.received_at)
            .bind($now)
            .bind(&c.subject)
            .bind(c.subject.to_lowercase())
            .bind(&c.body)
            .bind(&c.category)
            .bind(&c.location)
            .bind(c.anonymous)
            .bind(c.confidential)
            .bind(&c.reporter.name)
            .bind(&c.reporter.id_number)
            .bind(&c.reporter.phone)
            .bind(&c.reporter.email)
            .bind(&c.reporter.address)
            .bind(&c.external_ref.lapor_tracking_id)
            .bind(&c.external_ref.letter_number)
            .bind(c.external_ref.letter_date)
            .bind($req.actor.key_id)
            .bind($req.access_digest)
            .bind($req.deadline.due_at)
            .bind($req.deadline.sla_working_days.map(|d| d as i32))
            .bind($req.deadline.lapor_followup_due_at)
    }};
}
pub(crate) use bind_new_complaint;

/// The `registered` event's detail (no personal data).
pub(crate) fn registered_detail(req: &CreateComplaint<'_>) -> String {
    let c = req.complaint;
    serde_json::json!({
        "channel": c.channel.as_str(),
        "kind": c.kind.as_str(),
        "received_at": c.received_at,
    })
    .to_string()
}

/// The complaint as stored by a registration (what a read returns).
pub(crate) fn registered_complaint(
    req: &CreateComplaint<'_>,
    tracking_number: String,
    now: DateTime<Utc>,
) -> Complaint {
    let c = req.complaint;
    Complaint {
        id: req.id,
        tracking_number,
        kind: c.kind,
        channel: c.channel,
        status: crate::domain::Status::Registered,
        received_at: c.received_at,
        registered_at: now,
        updated_at: now,
        subject: c.subject.clone(),
        body: c.body.clone(),
        category: c.category.clone(),
        location: c.location.clone(),
        anonymous: c.anonymous,
        confidential: c.confidential,
        reporter: c.reporter.clone(),
        external_ref: c.external_ref.clone(),
        created_by: req.actor.key_id,
        version: 1,
        due_at: Some(req.deadline.due_at),
        sla_working_days: req.deadline.sla_working_days.map(|d| d as i32),
        lapor_followup_due_at: req.deadline.lapor_followup_due_at,
        paused_at: None,
        extra_working_days: 0,
        holder_position_id: None,
        merged_into: None,
        redirected_to: None,
    }
}

macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use uuid::Uuid;

        use crate::domain::Status;
        use crate::store::model::{ApiKeyRow, ComplaintRow};
        use crate::store::sql::{
            API_KEY_SELECT, COMPLAINT_COLUMNS, EVENT_COLUMNS, INSERT_EVENT, OPEN_STATUS, active_calendar, is_unique_violation,
            like_contains,
        };
        use crate::store::{
            ApiKey, Attachment, Complaint, CreateComplaint, CreateOutcome, Event, ListQuery,
            Store, StoreError, Actor,
        };

        impl $store {
            async fn lookup_idempotent(
                &self,
                key_id: Uuid,
                key: &str,
                request_hash: &str,
            ) -> Result<Option<CreateOutcome>, StoreError> {
                let row: Option<(String, Uuid, String)> = sqlx::query_as(
                    "SELECT request_hash, complaint_id, access_code FROM idempotency_keys \
                     WHERE api_key_id = $1 AND key = $2",
                )
                .bind(key_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                let Some((hash, complaint_id, code)) = row else {
                    return Ok(None);
                };
                if hash != request_hash {
                    return Ok(Some(CreateOutcome::KeyReused));
                }
                let c = self.get_complaint(complaint_id).await?.ok_or_else(|| {
                    StoreError::Corrupt("idempotency key points at a missing complaint".into())
                })?;
                Ok(Some(CreateOutcome::Replayed(c, code)))
            }
        }

        async fn insert_event(
            tx: &mut sqlx::Transaction<'_, $db>,
            complaint_id: Uuid,
            at: DateTime<Utc>,
            kind: &str,
            actor: &Actor,
            status: Status,
            detail: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(INSERT_EVENT)
                .bind(Uuid::now_v7())
                .bind(complaint_id)
                .bind(at)
                .bind(kind)
                .bind(actor.key_id)
                .bind(&actor.name)
                .bind(actor.role.as_str())
                .bind(status.as_str())
                .bind(detail)
                .bind(actor.officer.as_ref().map(|o| o.id))
                .bind(actor.officer.as_ref().map(|o| o.name.as_str()))
                .bind(actor.officer.as_ref().and_then(|o| o.position_id))
                .bind(actor.officer.as_ref().and_then(|o| o.position_title.as_deref()))
                .bind(actor.officer.as_ref().and_then(|o| o.acting.map(|a| a.as_str())))
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        async fn insert_outbox(
            tx: &mut sqlx::Transaction<'_, $db>,
            o: &crate::store::NewOutbox,
            now: DateTime<Utc>,
        ) -> Result<u64, sqlx::Error> {
            Ok(sqlx::query(
                "INSERT INTO outbox (id, kind, dedup_key, complaint_id, payload, status, \
                 attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
                 ON CONFLICT (dedup_key) DO NOTHING",
            )
            .bind(o.id)
            .bind(&o.kind)
            .bind(&o.dedup_key)
            .bind(o.complaint_id)
            .bind(&o.payload)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected())
        }

        crate::store::workflow_sql::workflow_store!($store, $db);
        crate::store::lapor_sql::lapor_store!($store, $db);

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            async fn migrate(&self) -> Result<(), StoreError> {
                Self::MIGRATOR.run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_complaint(
                &self,
                req: CreateComplaint<'_>,
            ) -> Result<CreateOutcome, StoreError> {
                if let (Some((key, hash)), Some(key_id)) = (req.idempotency, req.actor.key_id) {
                    if let Some(done) = self.lookup_idempotent(key_id, key, hash).await? {
                        return Ok(done);
                    }
                }
                match self.insert_complaint(&req).await {
                    Ok(c) => Ok(CreateOutcome::Created(c, req.access_code.to_string())),
                    Err(e) if is_unique_violation(&e) => {
                        // A concurrent request with the same idempotency key won the race …
                        if let (Some((key, hash)), Some(key_id)) =
                            (req.idempotency, req.actor.key_id)
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
                        Err(e.into())
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn get_complaint(&self, id: Uuid) -> Result<Option<Complaint>, StoreError> {
                let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1");
                let row: Option<ComplaintRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(|r| r.into_complaint().map(|(c, _)| c)).transpose()
            }

            async fn find_by_tracking_number(
                &self,
                tracking_number: &str,
            ) -> Result<Option<(Complaint, String)>, StoreError> {
                let sql = format!(
                    "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE tracking_number = $1"
                );
                let row: Option<ComplaintRow> = sqlx::query_as(&sql)
                    .bind(tracking_number)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(ComplaintRow::into_complaint).transpose()
            }

            async fn list_complaints(&self, q: &ListQuery) -> Result<Vec<Complaint>, StoreError> {
                let mut b = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE 1 = 1"
                ));
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
                if let Some(cur) = q.after {
                    // A row-value comparison: both databases seek the
                    // (received_at, id) index to it (an OR form would scan).
                    b.push(" AND (received_at, id) < (")
                        .push_bind(cur.received_at)
                        .push(", ")
                        .push_bind(cur.id)
                        .push(")");
                }
                b.push(" ORDER BY received_at DESC, id DESC LIMIT ")
                    .push_bind(i64::from(q.limit));
                let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter()
                    .map(|r| r.into_complaint().map(|(c, _)| c))
                    .collect()
            }

            async fn list_by_deadline(
                &self,
                q: &crate::store::DeadlineQuery,
            ) -> Result<Vec<Complaint>, StoreError> {
                let mut b = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {COMPLAINT_COLUMNS} FROM complaints \
                     WHERE {OPEN_STATUS} \
                     AND paused_at IS NULL AND due_at < "
                ));
                b.push_bind(q.due_before);
                if let Some(from) = q.due_from {
                    b.push(" AND due_at >= ").push_bind(from);
                }
                if let Some(c) = q.channel {
                    b.push(" AND channel = ").push_bind(c.as_str());
                }
                if let Some((due, id)) = q.after {
                    b.push(" AND (due_at, id) > (")
                        .push_bind(due)
                        .push(", ")
                        .push_bind(id)
                        .push(")");
                }
                b.push(" ORDER BY due_at, id LIMIT ").push_bind(i64::from(q.limit));
                let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter()
                    .map(|r| r.into_complaint().map(|(c, _)| c))
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

            async fn add_attachment(
                &self,
                a: &Attachment,
                actor: &Actor,
            ) -> Result<(), StoreError> {
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
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
                sqlx::query(
                    "INSERT INTO attachments (id, complaint_id, file_name, content_type, \
                     size_bytes, sha256, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(a.id)
                .bind(a.complaint_id)
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.size_bytes)
                .bind(&a.sha256)
                .bind(a.created_at)
                .bind(a.created_by)
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::json!({
                    "attachment_id": a.id,
                    "size_bytes": a.size_bytes,
                    "sha256": a.sha256,
                    "content_type": a.content_type,
                })
                .to_string();
                insert_event(
                    &mut tx,
                    a.complaint_id,
                    a.created_at,
                    "attachment_added",
                    actor,
                    status,
                    &detail,
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_attachments(
                &self,
                complaint_id: Uuid,
            ) -> Result<Vec<Attachment>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, complaint_id, file_name, content_type, size_bytes, sha256, \
                     created_at, created_by FROM attachments WHERE complaint_id = $1 ORDER BY id",
                )
                .bind(complaint_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn get_attachment(
                &self,
                complaint_id: Uuid,
                id: Uuid,
            ) -> Result<Option<Attachment>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, complaint_id, file_name, content_type, size_bytes, sha256, \
                     created_at, created_by FROM attachments WHERE complaint_id = $1 AND id = $2",
                )
                .bind(complaint_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn seed_calendar(
                &self,
                days: &[crate::domain::calendar::DayOff],
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let mut added = 0;
                for d in days {
                    added += sqlx::query(
                        "INSERT INTO calendar_days (date, kind, name, source, active, updated_at) \
                         VALUES ($1, $2, $3, 'decree', TRUE, $4) ON CONFLICT (date) DO NOTHING",
                    )
                    .bind(d.date)
                    .bind(d.kind.as_str())
                    .bind(&d.name)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn calendar_days(&self) -> Result<Vec<crate::store::CalendarDay>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT date, kind, name, source, active FROM calendar_days ORDER BY date",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn change_calendar(
                &self,
                change: crate::store::CalendarChange<'_>,
            ) -> Result<crate::store::CalendarChangeOutcome, StoreError> {
                use crate::domain::calendar::end_of_day;
                use crate::store::{CalendarAction, CalendarChangeOutcome, CalendarDay};
                let now = chrono::SubsecRound::trunc_subsecs(change.now, 6);
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let (action, kind, name) = match &change.action {
                    CalendarAction::Add { kind, name } => {
                        let r = sqlx::query(
                            "INSERT INTO calendar_days (date, kind, name, source, active, updated_at) \
                             VALUES ($1, $2, $3, 'admin', TRUE, $4) \
                             ON CONFLICT (date) DO UPDATE SET kind = $2, name = $3, active = TRUE, \
                             updated_at = $4 WHERE calendar_days.active = FALSE",
                        )
                        .bind(change.date)
                        .bind(kind.as_str())
                        .bind(name)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        if r.rows_affected() == 0 {
                            return Ok(CalendarChangeOutcome::AlreadyOff);
                        }
                        ("added", kind.as_str().to_string(), name.clone())
                    }
                    CalendarAction::Remove => {
                        let row: Option<(String, String)> = sqlx::query_as(
                            "UPDATE calendar_days SET active = FALSE, updated_at = $2 \
                             WHERE date = $1 AND active = TRUE RETURNING kind, name",
                        )
                        .bind(change.date)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((kind, name)) = row else {
                            return Ok(CalendarChangeOutcome::NotOff);
                        };
                        ("removed", kind, name)
                    }
                };
                // The calendar as amended, read inside the transaction.
                let days: Vec<CalendarDay> =
                    sqlx::query_as("SELECT date, kind, name, source, active FROM calendar_days")
                        .fetch_all(&mut *tx)
                        .await?;
                let calendar = active_calendar(days);
                // Open complaints counted in working days whose window
                // (receipt, due date] contains the date, and not yet overdue:
                // met or breached deadlines are never rewritten.
                let day_start = end_of_day(change.date, change.timezone) - chrono::Duration::seconds(86_399);
                let day_end = end_of_day(change.date, change.timezone);
                let sql = format!(
                    "SELECT {COMPLAINT_COLUMNS} FROM complaints \
                     WHERE {OPEN_STATUS} \
                     AND due_at >= $1 AND due_at > $2 AND received_at <= $3 \
                     AND sla_working_days IS NOT NULL AND paused_at IS NULL"
                );
                let rows: Vec<ComplaintRow> = sqlx::query_as(&sql)
                    .bind(day_start)
                    .bind(now)
                    .bind(day_end)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut moved = 0u64;
                for row in rows {
                    let (c, _) = row.into_complaint()?;
                    let Some(days) = c
                        .sla_working_days
                        .and_then(|d| u32::try_from(d + c.extra_working_days).ok())
                    else {
                        continue;
                    };
                    let (_, due_at) = calendar.deadline(c.received_at, days, change.timezone);
                    let followup = c.lapor_followup_due_at.map(|_| {
                        calendar
                            .deadline(
                                c.received_at,
                                crate::domain::deadline::LAPOR_FOLLOWUP_WORKING_DAYS,
                                change.timezone,
                            )
                            .1
                    });
                    if Some(due_at) == c.due_at && followup == c.lapor_followup_due_at {
                        continue;
                    }
                    sqlx::query(
                        "UPDATE complaints SET due_at = $2, lapor_followup_due_at = $3, \
                         version = version + 1, updated_at = $4 WHERE id = $1",
                    )
                    .bind(c.id)
                    .bind(due_at)
                    .bind(followup)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let detail = serde_json::json!({
                        "previous_due_at": c.due_at,
                        "due_at": due_at,
                        "previous_lapor_followup_due_at": c.lapor_followup_due_at,
                        "lapor_followup_due_at": followup,
                        "calendar_date": change.date,
                        "calendar_action": action,
                        "reason": change.reason,
                    })
                    .to_string();
                    insert_event(&mut tx, c.id, now, "deadline_changed", change.actor, c.status, &detail)
                        .await?;
                    moved += 1;
                }
                sqlx::query(
                    "INSERT INTO calendar_changes (id, date, action, kind, name, reason, \
                     actor_key_id, actor_name, actor_role, at, complaints_moved) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(Uuid::now_v7())
                .bind(change.date)
                .bind(action)
                .bind(&kind)
                .bind(&name)
                .bind(change.reason)
                .bind(change.actor.key_id)
                .bind(&change.actor.name)
                .bind(change.actor.role.as_str())
                .bind(now)
                .bind(moved as i64)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(CalendarChangeOutcome::Applied { complaints_moved: moved })
            }

            async fn calendar_changes(
                &self,
                limit: u32,
            ) -> Result<Vec<crate::store::CalendarChangeRecord>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, date, action, kind, name, reason, actor_name, actor_role, at, \
                     complaints_moved FROM calendar_changes ORDER BY id DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn sla_policies(&self) -> Result<Vec<crate::store::SlaPolicyRow>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT channel, working_days, minutes, updated_at, updated_by \
                     FROM sla_policies ORDER BY channel",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn set_sla_policy(
                &self,
                channel: crate::domain::Channel,
                sla: crate::domain::deadline::Sla,
                by: &str,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sla_policies (channel, working_days, minutes, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel) DO UPDATE \
                     SET working_days = $2, minutes = $3, updated_at = $4, updated_by = $5",
                )
                .bind(channel.as_str())
                .bind(sla.working_days().map(|d| d as i32))
                .bind(sla.minutes().map(|m| m as i32))
                .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
                .bind(by)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn claim_outbox(
                &self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: u32,
                kinds: &[&str],
            ) -> Result<Vec<crate::store::OutboxItem>, StoreError> {
                const COLS: &str = "id, kind, dedup_key, complaint_id, payload, status, attempts, \
                     next_attempt_at, last_error, created_at, sent_at";
                if kinds.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT {COLS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                     AND (locked_until IS NULL OR locked_until < $1) AND kind IN ({}) \
                     ORDER BY next_attempt_at LIMIT $2",
                    crate::store::workflow_sql::placeholders(3, kinds.len())
                );
                let mut q = sqlx::query_as(&sql).bind(now).bind(i64::from(limit));
                for k in kinds {
                    q = q.bind(*k);
                }
                let candidates: Vec<crate::store::OutboxItem> = q.fetch_all(&self.pool).await?;
                let mut claimed = Vec::with_capacity(candidates.len());
                for item in candidates {
                    // Only one worker (of any replica) wins each entry.
                    let won = sqlx::query(
                        "UPDATE outbox SET locked_until = $2 WHERE id = $1 AND status = 'pending' \
                         AND (locked_until IS NULL OR locked_until < $3)",
                    )
                    .bind(item.id)
                    .bind(lease_until)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                        == 1;
                    if won {
                        claimed.push(item);
                    }
                }
                Ok(claimed)
            }

            async fn outbox_sent(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
                     locked_until = NULL, last_error = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn outbox_failed(
                &self,
                id: Uuid,
                error: &str,
                retry_at: Option<DateTime<Utc>>,
            ) -> Result<(), StoreError> {
                let error: String = error.chars().take(1000).collect();
                match retry_at {
                    Some(at) => sqlx::query(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
                         next_attempt_at = $3, locked_until = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&error)
                    .bind(chrono::SubsecRound::trunc_subsecs(at, 6)),
                    None => sqlx::query(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
                         status = 'parked', locked_until = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&error),
                }
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_outbox(
                &self,
                status: Option<&str>,
                limit: u32,
            ) -> Result<Vec<crate::store::OutboxItem>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, kind, dedup_key, complaint_id, payload, status, attempts, \
                     next_attempt_at, last_error, created_at, sent_at FROM outbox \
                     WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
                )
                .bind(status)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn retry_outbox(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
                Ok(sqlx::query(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, \
                     locked_until = NULL WHERE id = $1 AND status = 'parked'",
                )
                .bind(id)
                .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn enqueue_outbox(
                &self,
                items: &[crate::store::NewOutbox],
                event: Option<(Uuid, &str, &str, &Actor)>,
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let now = chrono::SubsecRound::trunc_subsecs(now, 6);
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let mut added = 0;
                for o in items {
                    added += insert_outbox(&mut tx, o, now).await?;
                }
                if let (Some((complaint_id, kind, detail, actor)), true) = (event, added > 0) {
                    let status: Option<(String,)> =
                        sqlx::query_as("SELECT status FROM complaints WHERE id = $1")
                            .bind(complaint_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if let Some(status) = status.and_then(|(s,)| Status::parse(&s)) {
                        insert_event(&mut tx, complaint_id, now, kind, actor, status, detail).await?;
                    }
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn acquire_lease(
                &self,
                name: &str,
                holder: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let row: Option<(String,)> = sqlx::query_as(
                    "INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET holder = $2, until = $3 \
                     WHERE job_leases.until < $4 OR job_leases.holder = $2 \
                     RETURNING holder",
                )
                .bind(name)
                .bind(holder)
                .bind(chrono::SubsecRound::trunc_subsecs(until, 6))
                .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.is_some())
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
                let mut tx = self.pool.begin().await?;
                let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1");
                let row: Option<ComplaintRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&mut *tx).await?;
                let Some(row) = row else {
                    return Ok(ClockOutcome::NotFound);
                };
                let (c, _) = row.into_complaint()?;
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
                    ClockOp::Extend { working_days, reason } => {
                        if c.paused_at.is_some() {
                            return Ok(ClockOutcome::Conflict("resume the clock before extending the deadline"));
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
                let due_at = if matches!(op, ClockOp::Pause { .. }) { c.due_at } else { due_with(extra) };
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

            async fn create_unit(&self, unit: &crate::store::OrgUnit) -> Result<crate::store::OrgOutcome, StoreError> {
                use crate::store::workflow_sql::broken_unique;
                let r = sqlx::query("INSERT INTO org_units (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(unit.id)
                    .bind(&unit.name)
                    .bind(unit.created_at)
                    .execute(&self.pool)
                    .await;
                match r {
                    Ok(_) => Ok(crate::store::OrgOutcome::Done),
                    Err(e) => match broken_unique(&e, &[("org_units_name_key", "org_units.name", "a unit with this name exists")]) {
                        Some(w) => Ok(crate::store::OrgOutcome::Duplicate(w)),
                        None => Err(e.into()),
                    },
                }
            }

            async fn list_units(&self) -> Result<Vec<crate::store::OrgUnit>, StoreError> {
                Ok(sqlx::query_as("SELECT id, name, created_at FROM org_units ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn create_position(&self, p: &crate::store::Position) -> Result<crate::store::OrgOutcome, StoreError> {
                use crate::store::workflow_sql::broken_unique;
                let r = sqlx::query(
                    "INSERT INTO positions (id, unit_id, title, superior_id, is_head, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(p.id)
                .bind(p.unit_id)
                .bind(&p.title)
                .bind(p.superior_id)
                .bind(p.is_head)
                .bind(p.created_at)
                .execute(&self.pool)
                .await;
                match r {
                    Ok(_) => Ok(crate::store::OrgOutcome::Done),
                    Err(e) => match broken_unique(&e, &[
                        ("positions_one_head", "positions.is_head", "the office already has a head position"),
                        ("positions_title", "positions.title", "a position with this title exists"),
                    ]) {
                        Some(w) => Ok(crate::store::OrgOutcome::Duplicate(w)),
                        None => Err(e.into()),
                    },
                }
            }

            async fn list_positions(&self) -> Result<Vec<crate::store::Position>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM positions ORDER BY created_at, id",
                    crate::store::workflow_sql::POSITION_COLUMNS
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn create_officer(&self, o: &crate::store::Officer) -> Result<crate::store::OrgOutcome, StoreError> {
                use crate::store::workflow_sql::broken_unique;
                let r = sqlx::query(
                    "INSERT INTO officers (id, name, nip, email, position_id, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(o.id)
                .bind(&o.name)
                .bind(o.nip.as_deref())
                .bind(o.email.as_deref())
                .bind(o.position_id)
                .bind(o.active)
                .bind(o.created_at)
                .execute(&self.pool)
                .await;
                match r {
                    Ok(_) => Ok(crate::store::OrgOutcome::Done),
                    Err(e) => match broken_unique(&e, &[("officers_nip_key", "officers.nip", "an officer with this NIP exists")]) {
                        Some(w) => Ok(crate::store::OrgOutcome::Duplicate(w)),
                        None => Err(e.into()),
                    },
                }
            }

            async fn list_officers(&self) -> Result<Vec<crate::store::Officer>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM officers ORDER BY name, id",
                    crate::store::workflow_sql::OFFICER_COLUMNS
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn get_officer(&self, id: Uuid) -> Result<Option<crate::store::Officer>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM officers WHERE id = $1",
                    crate::store::workflow_sql::OFFICER_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn update_officer(
                &self,
                id: Uuid,
                patch: &crate::store::OfficerPatch,
            ) -> Result<Option<crate::store::Officer>, StoreError> {
                let _writer = self.lock_writes().await;
                let mut tx = self.pool.begin().await?;
                let cur: Option<crate::store::Officer> = sqlx::query_as(&format!(
                    "SELECT {} FROM officers WHERE id = $1",
                    crate::store::workflow_sql::OFFICER_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(mut o) = cur else {
                    return Ok(None);
                };
                if let Some(p) = patch.position_id {
                    o.position_id = p;
                }
                if let Some(e) = &patch.email {
                    o.email = e.clone();
                }
                if let Some(a) = patch.active {
                    o.active = a;
                }
                sqlx::query("UPDATE officers SET position_id = $2, email = $3, active = $4 WHERE id = $1")
                    .bind(id)
                    .bind(o.position_id)
                    .bind(o.email.as_deref())
                    .bind(o.active)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(o))
            }

            async fn create_acting(&self, a: &crate::store::ActingAppointment) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO acting_appointments (id, officer_id, position_id, kind, starts_on, \
                     ends_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(a.id)
                .bind(a.officer_id)
                .bind(a.position_id)
                .bind(&a.kind)
                .bind(a.starts_on)
                .bind(a.ends_on)
                .bind(a.note.as_deref())
                .bind(a.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_acting(&self, from: chrono::NaiveDate) -> Result<Vec<crate::store::ActingAppointment>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM acting_appointments WHERE revoked_at IS NULL AND ends_on >= $1 \
                     ORDER BY starts_on, id",
                    crate::store::workflow_sql::ACTING_COLUMNS
                ))
                .bind(from)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_acting(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
                Ok(sqlx::query(
                    "UPDATE acting_appointments SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn officer_positions(
                &self,
                officer_id: Uuid,
                day: chrono::NaiveDate,
            ) -> Result<Option<Vec<crate::domain::workflow::Held>>, StoreError> {
                Ok(self.wf_officer_positions(officer_id, day).await?)
            }

            async fn act(&self, req: crate::store::WorkflowRequest<'_>) -> Result<crate::store::ActOutcome, StoreError> {
                self.wf_act(req).await
            }

            async fn dispositions(&self, complaint_id: Uuid) -> Result<Vec<crate::store::Disposition>, StoreError> {
                Ok(self.wf_dispositions(complaint_id).await?)
            }

            async fn drafts(&self, complaint_id: Uuid) -> Result<Vec<crate::store::AnswerDraft>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM answer_drafts WHERE complaint_id = $1 ORDER BY version_no",
                    crate::store::workflow_sql::DRAFT_COLUMNS
                ))
                .bind(complaint_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn get_draft(&self, id: Uuid) -> Result<Option<crate::store::AnswerDraft>, StoreError> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM answer_drafts WHERE id = $1",
                    crate::store::workflow_sql::DRAFT_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn draft_reviews(&self, complaint_id: Uuid) -> Result<Vec<crate::store::DraftReview>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, complaint_id, draft_id, position_id, decision, note, officer_id, \
                     officer_name, acting, at FROM draft_reviews WHERE complaint_id = $1 ORDER BY id",
                )
                .bind(complaint_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn dispatches(&self, complaint_id: Uuid) -> Result<Vec<crate::store::AnswerDispatch>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, complaint_id, draft_id, method, letter_number, letter_date, given_by, \
                     given_at, outbox_id, external_id, actor_name, at FROM answer_dispatches \
                     WHERE complaint_id = $1 ORDER BY id",
                )
                .bind(complaint_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn inbox(&self, q: &crate::store::InboxQuery) -> Result<Vec<Complaint>, StoreError> {
                self.wf_inbox(q).await
            }

            async fn unread_copies(&self, positions: &[Uuid], limit: u32) -> Result<Vec<crate::store::UnreadCopy>, StoreError> {
                Ok(self.wf_unread_copies(positions, limit).await?)
            }

            async fn position_emails(&self, position: Uuid, day: chrono::NaiveDate) -> Result<Vec<String>, StoreError> {
                Ok(self.wf_position_emails(position, day).await?)
            }

            async fn find_by_lapor_id(&self, tracking_id: &str) -> Result<Option<Complaint>, StoreError> {
                let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE lapor_tracking_id = $1");
                let row: Option<ComplaintRow> =
                    sqlx::query_as(&sql).bind(tracking_id).fetch_optional(&self.pool).await?;
                row.map(|r| r.into_complaint().map(|(c, _)| c)).transpose()
            }

            async fn integration_state(&self, name: &str) -> Result<Option<crate::store::IntegrationState>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT name, cursor, last_poll_at, last_success_at, last_error, imported_total, \
                     updated_at FROM integration_state WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn set_integration_cursor(&self, name: &str, cursor: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
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

            async fn resolve_quarantine(&self, item_key: &str, complaint_id: Option<Uuid>, now: DateTime<Utc>) -> Result<bool, StoreError> {
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

            async fn list_quarantine(&self, all: bool, limit: u32) -> Result<Vec<crate::store::QuarantineItem>, StoreError> {
                let cols = crate::store::lapor_sql::QUARANTINE_COLUMNS;
                let filter = if all { "" } else { "WHERE resolved_at IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT {cols} FROM lapor_quarantine {filter} ORDER BY last_seen DESC, id DESC LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn count_quarantine(&self) -> Result<i64, StoreError> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM lapor_quarantine WHERE resolved_at IS NULL",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn get_quarantine(&self, id: Uuid) -> Result<Option<crate::store::QuarantineItem>, StoreError> {
                let cols = crate::store::lapor_sql::QUARANTINE_COLUMNS;
                Ok(sqlx::query_as(&format!("SELECT {cols} FROM lapor_quarantine WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn add_lapor_attachments(&self, tracking_id: &str, items: &[(String, String, String)]) -> Result<(), StoreError> {
                for (remote_id, file_name, content_type) in items {
                    sqlx::query(
                        "INSERT INTO lapor_attachments (tracking_id, remote_id, file_name, content_type, attempts) \
                         VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING",
                    )
                    .bind(tracking_id)
                    .bind(remote_id)
                    .bind(file_name)
                    .bind(content_type)
                    .execute(&self.pool)
                    .await?;
                }
                Ok(())
            }

            async fn pending_lapor_attachments(&self, limit: u32) -> Result<Vec<crate::store::PendingLaporAttachment>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT a.tracking_id, a.remote_id, a.file_name, a.content_type, a.attempts, \
                     c.id AS complaint_id FROM lapor_attachments a \
                     JOIN complaints c ON c.lapor_tracking_id = a.tracking_id \
                     WHERE a.attachment_id IS NULL AND a.attempts < 10 \
                     ORDER BY a.attempts, a.tracking_id LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn lapor_attachment_done(&self, tracking_id: &str, remote_id: &str, attachment_id: Uuid) -> Result<(), StoreError> {
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

            async fn lapor_attachment_failed(&self, tracking_id: &str, remote_id: &str, error: &str) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE lapor_attachments SET attempts = attempts + 1, last_error = $3 \
                     WHERE tracking_id = $1 AND remote_id = $2",
                )
                .bind(tracking_id)
                .bind(remote_id)
                .bind(error)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn record_inbound(&self, m: crate::store::InboundMessage<'_>) -> Result<Option<Complaint>, StoreError> {
                self.lp_record_inbound(m).await
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
                self.lp_change_from_outside(complaint_id, change, event, detail, actor, now).await
            }

            async fn outbox_delivered(&self, id: Uuid, now: DateTime<Utc>, proof: Option<&crate::store::DeliveryProof>) -> Result<(), StoreError> {
                self.lp_outbox_delivered(id, now, proof).await
            }

            async fn find_inbound(&self, source_key: &str) -> Result<Option<Uuid>, StoreError> {
                let row: Option<(Uuid,)> =
                    sqlx::query_as("SELECT complaint_id FROM inbound_messages WHERE source_key = $1")
                        .bind(source_key)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(id,)| id))
            }

            async fn first_inbound(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT source_key FROM inbound_messages WHERE complaint_id = $1 \
                     ORDER BY at, source_key LIMIT 1",
                )
                .bind(complaint_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(k,)| k))
            }

            async fn get_outbox(&self, id: Uuid) -> Result<Option<crate::store::OutboxItem>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, kind, dedup_key, complaint_id, payload, status, attempts, \
                     next_attempt_at, last_error, created_at, sent_at FROM outbox WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn bump_counter(&self, name: &str) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO intake_counters (name, count) VALUES ($1, 1) \
                     ON CONFLICT (name) DO UPDATE SET count = intake_counters.count + 1",
                )
                .bind(name)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn counters(&self, prefix: &str) -> Result<Vec<(String, i64)>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT name, count FROM intake_counters WHERE name LIKE $1 ORDER BY name",
                )
                .bind(format!("{prefix}%"))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn quarantine_email(&self, q: &crate::store::EmailQuarantine) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO email_quarantine (id, source, message_id, reason, size_bytes, raw, \
                     received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(q.id)
                .bind(&q.source)
                .bind(q.message_id.as_deref())
                .bind(&q.reason)
                .bind(q.size_bytes)
                .bind(&q.raw)
                .bind(chrono::SubsecRound::trunc_subsecs(q.received_at, 6))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_email_quarantine(&self, limit: u32) -> Result<Vec<crate::store::EmailQuarantine>, StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, source, message_id, reason, size_bytes, raw, received_at \
                     FROM email_quarantine ORDER BY received_at DESC, id DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|mut q: crate::store::EmailQuarantine| {
                    q.raw = Vec::new();
                    q
                })
                .collect())
            }

            async fn outbox_counts(&self, kinds: &[&str]) -> Result<Vec<(String, i64)>, StoreError> {
                if kinds.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT status, COUNT(*) FROM outbox WHERE kind IN ({}) GROUP BY status ORDER BY status",
                    crate::store::workflow_sql::placeholders(1, kinds.len())
                );
                let mut q = sqlx::query_as(&sql);
                for k in kinds {
                    q = q.bind(*k);
                }
                Ok(q.fetch_all(&self.pool).await?)
            }

            async fn insert_api_key(&self, key: &ApiKey, digest: &str) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_keys (id, name, role, hint, digest, created_at, officer_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(key.id)
                .bind(&key.name)
                .bind(key.role.as_str())
                .bind(&key.hint)
                .bind(digest)
                .bind(key.created_at)
                .bind(key.officer.as_ref().map(|o| o.id))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as(
                    &format!("{API_KEY_SELECT} ORDER BY k.id"),
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(ApiKeyRow::into_key).collect()
            }

            async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
                let r = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn find_api_key(&self, digest: &str) -> Result<Option<ApiKey>, StoreError> {
                let row: Option<ApiKeyRow> = sqlx::query_as(&format!(
                    "{API_KEY_SELECT} WHERE k.digest = $1 AND k.revoked_at IS NULL"
                ))
                .bind(digest)
                .fetch_optional(&self.pool)
                .await?;
                row.map(ApiKeyRow::into_key).transpose()
            }
        }
    };
}

pub(crate) use sql_store;
