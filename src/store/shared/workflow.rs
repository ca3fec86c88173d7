//! The disposition workflow: one action in one transaction, and its records.

use async_trait::async_trait;
use uuid::Uuid;

use super::{Backend, Db, insert_event, insert_outbox};
use crate::store::{Complaint, StoreError};

use crate::store::WorkflowStore;

/// The statuses `complaints_desk_due` (migration 0027) holds, in its own
/// condition's words.
const DESK_STATUSES: [&str; 3] = ["registered", "reopened", "approved"];

impl Backend {
    /// A complaint's dispositions with their recipients, oldest first.
    pub(super) async fn wf_load_dispositions(
        conn: &mut <Db as sqlx::Database>::Connection,
        complaint_id: uuid::Uuid,
    ) -> Result<Vec<crate::store::Disposition>, sqlx::Error> {
        use crate::store::sql::DISPOSITION_COLUMNS;
        let mut ds: Vec<crate::store::Disposition> = sqlx::query_as(&format!(
            "SELECT {DISPOSITION_COLUMNS} FROM dispositions WHERE complaint_id = $1 ORDER BY id"
        ))
        .bind(complaint_id)
        .fetch_all(&mut *conn)
        .await?;
        let rs: Vec<crate::store::DispositionRecipient> = sqlx::query_as(
            "SELECT r.disposition_id, r.position_id, r.is_primary, r.read_at, \
             r.read_by_officer_id FROM disposition_recipients r \
             JOIN dispositions d ON d.id = r.disposition_id \
             WHERE d.complaint_id = $1 ORDER BY r.is_primary DESC, r.position_id",
        )
        .bind(complaint_id)
        .fetch_all(&mut *conn)
        .await?;
        for r in rs {
            if let Some(d) = ds.iter_mut().find(|d| d.id == r.disposition_id) {
                d.recipients.push(r);
            }
        }
        Ok(ds)
    }

    pub(super) async fn wf_dispositions(
        &self,
        complaint_id: uuid::Uuid,
    ) -> Result<Vec<crate::store::Disposition>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        Self::wf_load_dispositions(&mut conn, complaint_id).await
    }

    /// The workflow's view of a complaint (`domain::workflow::CaseState`):
    /// its dispositions, the newest draft, and for a merge the target's status.
    pub(super) async fn wf_case(
        conn: &mut <Db as sqlx::Database>::Connection,
        c: &crate::store::Complaint,
        merge_into: Option<Uuid>,
    ) -> Result<crate::domain::workflow::CaseState, sqlx::Error> {
        use crate::domain::workflow as wf;
        use crate::store::AnswerDraft;
        use crate::store::sql::DRAFT_COLUMNS;
        let ds = Self::wf_load_dispositions(&mut *conn, c.id).await?;
        let latest: Option<AnswerDraft> = sqlx::query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM answer_drafts WHERE complaint_id = $1 \
             ORDER BY version_no DESC LIMIT 1"
        ))
        .bind(c.id)
        .fetch_optional(&mut *conn)
        .await?;
        let merge_target = match merge_into {
            Some(into) => {
                let s: Option<(String,)> =
                    sqlx::query_as("SELECT status FROM complaints WHERE id = $1")
                        .bind(into)
                        .fetch_optional(&mut *conn)
                        .await?;
                s.and_then(|(s,)| crate::domain::Status::parse(&s))
            }
            None => None,
        };
        Ok(wf::CaseState {
            id: c.id,
            status: c.status,
            channel: c.channel,
            holder: c.holder_position_id,
            due_at: c.due_at,
            has_reporter_email: c.reporter.email.is_some(),
            has_reporter_phone: c.reporter.phone.is_some(),
            has_lapor_id: c.external_ref.lapor_tracking_id.is_some(),
            dispositions: ds
                .iter()
                .map(|d| wf::DispositionState {
                    id: d.id,
                    from_position: d.from_position_id,
                    withdrawn: d.withdrawn_at.is_some(),
                    recipients: d
                        .recipients
                        .iter()
                        .map(|r| wf::RecipientState {
                            position: r.position_id,
                            primary: r.is_primary,
                            read: r.read_at.is_some(),
                        })
                        .collect(),
                })
                .collect(),
            latest_draft: latest.as_ref().map(|d| wf::DraftState {
                id: d.id,
                version_no: d.version_no,
                author_position: d.author_position_id,
                submitted: d.submitted,
            }),
            merge_target,
        })
    }

    pub(super) async fn wf_act(
        &self,
        req: crate::store::WorkflowRequest<'_>,
    ) -> Result<crate::store::ActOutcome, crate::store::StoreError> {
        use crate::domain::workflow::{self as wf, Command, DispatchMethod, Effect};
        use crate::store::model::ComplaintRow;
        use crate::store::sql::COMPLAINT_COLUMNS;
        use crate::store::sql::POSITION_COLUMNS;
        use crate::store::{ActOutcome, Position};

        let now = chrono::SubsecRound::trunc_subsecs(req.now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let row: Option<ComplaintRow> = sqlx::query_as(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"
        ))
        .bind(req.id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(ActOutcome::NotFound);
        };
        let (c, _) = row.into_complaint(&self.vault)?;
        if c.version != req.expected_version {
            return Ok(ActOutcome::VersionMismatch(c.version));
        }
        let positions: Vec<Position> =
            sqlx::query_as(&format!("SELECT {POSITION_COLUMNS} FROM positions"))
                .fetch_all(&mut *tx)
                .await?;
        let org = wf::OrgChart::new(positions.iter().map(|p| wf::PositionNode {
            id: p.id,
            superior: p.superior_id,
            is_head: p.is_head,
            title: p.title.clone(),
        }));
        let merge_into = match req.command {
            Command::Merge { into, .. } => Some(*into),
            _ => None,
        };
        let case = Self::wf_case(&mut tx, &c, merge_into).await?;
        let plan = match wf::plan(&case, &org, req.authority, req.command, now) {
            Ok(p) => p,
            Err(e) => return Ok(ActOutcome::Refused(e)),
        };
        let updated = sqlx::query(
            "UPDATE complaints SET status = $2, holder_position_id = $3, \
             version = version + 1, updated_at = $4 WHERE id = $1 AND version = $5",
        )
        .bind(c.id)
        .bind(plan.status.as_str())
        .bind(plan.holder)
        .bind(now)
        .bind(c.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(ActOutcome::VersionMismatch(c.version + 1));
        }
        // the event and records name the position acted as
        let mut actor = req.actor.clone();
        if let (Some(o), Some(h)) = (actor.officer.as_mut(), plan.acted_as) {
            o.position_id = Some(h.position);
            o.position_title = Some(org.title(h.position).to_string());
            o.acting = h.acting;
        }
        let officer_id = actor.officer.as_ref().map(|o| o.id);
        let officer_name = actor.officer.as_ref().map(|o| o.name.clone());
        let acting = actor
            .officer
            .as_ref()
            .and_then(|o| o.acting.map(|a| a.as_str()));
        let mut done = c.clone();
        for e in &plan.effects {
            match e {
                Effect::InsertDisposition {
                    id,
                    from_position,
                    instruction,
                    note,
                    due_at,
                    recipients,
                } => {
                    sqlx::query(
                        "INSERT INTO dispositions (id, complaint_id, from_position_id, \
                         instruction, note, due_at, created_at, officer_id, officer_name, \
                         acting) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(*id)
                    .bind(c.id)
                    .bind(*from_position)
                    .bind(instruction)
                    .bind(note.as_deref())
                    .bind(*due_at)
                    .bind(now)
                    .bind(officer_id)
                    .bind(officer_name.as_deref())
                    .bind(acting)
                    .execute(&mut *tx)
                    .await?;
                    for (p, primary) in recipients {
                        sqlx::query(
                            "INSERT INTO disposition_recipients \
                             (disposition_id, position_id, is_primary) VALUES ($1, $2, $3)",
                        )
                        .bind(*id)
                        .bind(*p)
                        .bind(*primary)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Effect::MarkRead {
                    disposition,
                    position,
                } => {
                    sqlx::query(
                        "UPDATE disposition_recipients SET read_at = $3, \
                         read_by_officer_id = $4 WHERE disposition_id = $1 \
                         AND position_id = $2 AND read_at IS NULL",
                    )
                    .bind(*disposition)
                    .bind(*position)
                    .bind(now)
                    .bind(officer_id)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::Withdraw { disposition } => {
                    sqlx::query("UPDATE dispositions SET withdrawn_at = $2 WHERE id = $1")
                        .bind(*disposition)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                Effect::InsertDraft {
                    id,
                    version_no,
                    body,
                    author_position,
                } => {
                    sqlx::query(
                        "INSERT INTO answer_drafts (id, complaint_id, version_no, body, \
                         author_position_id, author_officer_id, author_officer_name, \
                         submitted, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(*id)
                    .bind(c.id)
                    .bind(*version_no)
                    .bind(body)
                    .bind(*author_position)
                    .bind(officer_id)
                    .bind(officer_name.as_deref())
                    .bind(false)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::Review {
                    draft,
                    position,
                    decision,
                    note,
                    submitted,
                } => {
                    sqlx::query(
                        "INSERT INTO draft_reviews (id, complaint_id, draft_id, position_id, \
                         decision, note, officer_id, officer_name, acting, at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(uuid::Uuid::now_v7())
                    .bind(c.id)
                    .bind(*draft)
                    .bind(*position)
                    .bind(decision.as_str())
                    .bind(note.as_deref())
                    .bind(officer_id)
                    .bind(officer_name.as_deref())
                    .bind(acting)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(s) = submitted {
                        sqlx::query("UPDATE answer_drafts SET submitted = $2 WHERE id = $1")
                            .bind(*draft)
                            .bind(*s)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Effect::Dispatch {
                    id,
                    draft,
                    method,
                    letter_number,
                    letter_date,
                    given_by,
                    given_at,
                    reply_url,
                } => {
                    let outbox = match method {
                        DispatchMethod::Lapor => Some(crate::store::NewOutbox {
                            id: uuid::Uuid::now_v7(),
                            kind: crate::store::OUTBOX_LAPOR_FOLLOWUP.into(),
                            dedup_key: format!("lapor_followup:{draft}"),
                            complaint_id: Some(c.id),
                            payload: serde_json::json!({
                                "lapor_tracking_id": c.external_ref.lapor_tracking_id,
                                "draft_id": draft, "dispatch_id": id,
                                "client_key": format!("aduan-{draft}")})
                            .to_string(),
                        }),
                        DispatchMethod::Email => Some(crate::store::NewOutbox {
                            id: uuid::Uuid::now_v7(),
                            kind: crate::store::OUTBOX_ANSWER_EMAIL.into(),
                            dedup_key: format!("answer_email:{draft}"),
                            complaint_id: Some(c.id),
                            payload: serde_json::json!({
                                "to": c.reporter.email, "draft_id": draft})
                            .to_string(),
                        }),
                        DispatchMethod::Whatsapp => Some(crate::store::NewOutbox {
                            id: uuid::Uuid::now_v7(),
                            kind: crate::store::OUTBOX_WHATSAPP_MESSAGE.into(),
                            dedup_key: format!("whatsapp_answer:{draft}"),
                            complaint_id: Some(c.id),
                            payload: serde_json::json!({
                                "purpose": "answer", "draft_id": draft, "dispatch_id": id})
                            .to_string(),
                        }),
                        DispatchMethod::Telegram | DispatchMethod::Sms => {
                            let kind = if *method == DispatchMethod::Telegram {
                                crate::store::OUTBOX_TELEGRAM_MESSAGE
                            } else {
                                crate::store::OUTBOX_SMS_MESSAGE
                            };
                            Some(crate::store::NewOutbox {
                                id: uuid::Uuid::now_v7(),
                                kind: kind.into(),
                                dedup_key: format!("{}_answer:{draft}", method.as_str()),
                                complaint_id: Some(c.id),
                                payload: serde_json::json!({
                                    "purpose": "answer", "draft_id": draft, "dispatch_id": id})
                                .to_string(),
                            })
                        }
                        DispatchMethod::Letter
                        | DispatchMethod::InPerson
                        | DispatchMethod::Agency
                        | DispatchMethod::Phone
                        | DispatchMethod::SocialMedia => None,
                    };
                    if let Some(o) = &outbox {
                        insert_outbox(&mut tx, &self.vault, o, now).await?;
                    }
                    sqlx::query(
                        "INSERT INTO answer_dispatches (id, complaint_id, draft_id, method, \
                         letter_number, letter_date, given_by, given_at, outbox_id, \
                         actor_name, at, reply_url) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(*id)
                    .bind(c.id)
                    .bind(*draft)
                    .bind(method.as_str())
                    .bind(letter_number.as_deref())
                    .bind(*letter_date)
                    .bind(given_by.as_deref())
                    .bind(*given_at)
                    .bind(outbox.as_ref().map(|o| o.id))
                    .bind(officer_name.as_deref().unwrap_or(actor.name.as_str()))
                    .bind(now)
                    .bind(reply_url.as_deref())
                    .execute(&mut *tx)
                    .await?;
                }
                Effect::LaporReroute { agency, reason } => {
                    let o = crate::store::NewOutbox {
                        id: uuid::Uuid::now_v7(),
                        kind: crate::store::OUTBOX_LAPOR_REROUTE.into(),
                        dedup_key: format!("lapor_reroute:{}:{}", c.id, c.version + 1),
                        complaint_id: Some(c.id),
                        payload: serde_json::json!({
                            "lapor_tracking_id": c.external_ref.lapor_tracking_id,
                            "agency": agency, "reason": reason})
                        .to_string(),
                    };
                    insert_outbox(&mut tx, &self.vault, &o, now).await?;
                }
                Effect::MergedInto(into) => {
                    sqlx::query("UPDATE complaints SET merged_into = $2 WHERE id = $1")
                        .bind(c.id)
                        .bind(*into)
                        .execute(&mut *tx)
                        .await?;
                    done.merged_into = Some(*into);
                }
                Effect::RedirectedTo(agency) => {
                    sqlx::query("UPDATE complaints SET redirected_to = $2 WHERE id = $1")
                        .bind(c.id)
                        .bind(agency)
                        .execute(&mut *tx)
                        .await?;
                    done.redirected_to = Some(agency.clone());
                }
            }
        }
        insert_event(
            &mut tx,
            c.id,
            now,
            plan.event,
            &actor,
            plan.status,
            &plan.detail.to_string(),
        )
        .await?;
        tx.commit().await?;
        done.status = plan.status;
        done.holder_position_id = plan.holder;
        done.version += 1;
        done.updated_at = now;
        Ok(ActOutcome::Done(Box::new(done)))
    }

    pub(super) async fn wf_officer_positions(
        &self,
        officer_id: uuid::Uuid,
        day: chrono::NaiveDate,
    ) -> Result<Option<Vec<crate::domain::workflow::Held>>, sqlx::Error> {
        use crate::domain::workflow::{ActingKind, Held};
        let own: Option<(Option<uuid::Uuid>, bool)> =
            sqlx::query_as("SELECT position_id, active FROM officers WHERE id = $1")
                .bind(officer_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((own, true)) = own else {
            return Ok(None);
        };
        let mut held: Vec<Held> = own
            .map(|p| Held {
                position: p,
                acting: None,
            })
            .into_iter()
            .collect();
        let acting: Vec<(uuid::Uuid, String)> = sqlx::query_as(
            "SELECT position_id, kind FROM acting_appointments WHERE officer_id = $1 \
             AND revoked_at IS NULL AND starts_on <= $2 AND ends_on >= $2 ORDER BY id",
        )
        .bind(officer_id)
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        for (p, kind) in acting {
            if held.iter().all(|h| h.position != p) {
                held.push(Held {
                    position: p,
                    acting: ActingKind::parse(&kind),
                });
            }
        }
        Ok(Some(held))
    }

    pub(super) async fn wf_inbox(
        &self,
        q: &crate::store::InboxQuery,
    ) -> Result<Vec<crate::store::Complaint>, crate::store::StoreError> {
        use crate::store::model::ComplaintRow;
        use crate::store::sql::{COMPLAINT_COLUMNS, no_deadline};
        if q.positions.is_empty() && q.statuses.is_empty() {
            return Ok(Vec::new());
        }
        // One branch per held position and per desk status, each in deadline
        // order from its own index and limited, merged and limited again
        // (an OR of them all would be read whole and sorted); a complaint
        // without a deadline comes last, as if due at `no_deadline`.
        let limit = i64::from(q.limit);
        let far = no_deadline();
        let (after_due, after_id) = match q.after {
            Some((due, id)) => (Some(due), Some(id)),
            None => (None, None),
        };
        let mut b = sqlx::QueryBuilder::<Db>::new(format!("SELECT {COMPLAINT_COLUMNS} FROM ("));
        let conds: Vec<(&str, usize)> = (0..q.positions.len())
            .map(|i| ("holder_position_id", i))
            .chain((0..q.statuses.len()).map(|i| ("status", i)))
            .collect();
        for (n, (col, i)) in conds.iter().enumerate() {
            // with a deadline, then (none in practice) without, each from
            // the (col, due_at, id) index
            for undue in [false, true] {
                if n > 0 || undue {
                    b.push(" UNION ");
                }
                b.push(format!(
                    "SELECT * FROM (SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE {col} = "
                ));
                if *col == "status" {
                    // a literal (an enum's own text) and, for the desk's
                    // statuses on SQLite, the partial index's own condition:
                    // SQLite uses `complaints_desk_due` only when the query
                    // states it. PostgreSQL proves it from the status, and
                    // stated twice it multiplies the two selectivities: at
                    // 10 M (50,000 registered) it expected 406 rows, read
                    // them all by another index and sorted (114 ms against
                    // 0.2 ms from the deadline index; docs/BENCHMARKS.md)
                    let st = q.statuses[*i].as_str();
                    b.push(format!("'{st}'"));
                    if DESK_STATUSES.contains(&st) && Backend::BACKEND == "sqlite" {
                        b.push(" AND status IN ('registered', 'reopened', 'approved')");
                    }
                } else {
                    b.push_bind(q.positions[*i]);
                }
                match (undue, after_due, after_id) {
                    (false, Some(due), Some(id)) => {
                        b.push(" AND due_at IS NOT NULL AND (due_at, id) > (")
                            .push_bind(due)
                            .push(", ")
                            .push_bind(id)
                            .push(")");
                    }
                    (false, _, _) => {
                        b.push(" AND due_at IS NOT NULL");
                    }
                    (true, Some(due), Some(id)) if due >= far => {
                        b.push(" AND due_at IS NULL AND id > ").push_bind(id);
                    }
                    (true, _, _) => {
                        b.push(" AND due_at IS NULL");
                    }
                }
                // the limit as a literal: with nothing bound, PostgreSQL
                // keeps one plan per connection (planning the branches of a
                // bound query took 1-4 ms of each view at 10 M complaints)
                let order = if undue { "id" } else { "due_at, id" };
                b.push(format!(
                    " ORDER BY {order} LIMIT {limit}) AS b{n}{}",
                    u8::from(undue)
                ));
            }
        }
        b.push(") AS inbox ORDER BY COALESCE(due_at, ")
            .push_bind(far)
            .push(format!("), id LIMIT {limit}"));
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect()
    }

    pub(super) async fn wf_unread_copies(
        &self,
        positions: &[uuid::Uuid],
        limit: u32,
    ) -> Result<Vec<crate::store::UnreadCopy>, sqlx::Error> {
        use crate::store::sql::placeholders;
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT r.disposition_id, d.complaint_id, r.position_id, d.instruction, \
             d.created_at, c.tracking_number, c.due_at \
             FROM disposition_recipients r \
             JOIN dispositions d ON d.id = r.disposition_id \
             JOIN complaints c ON c.id = d.complaint_id \
             WHERE r.read_at IS NULL AND NOT r.is_primary AND d.withdrawn_at IS NULL \
             AND r.position_id IN ({}) ORDER BY d.id DESC LIMIT ${}",
            placeholders(1, positions.len()),
            positions.len() + 1
        );
        let mut query = sqlx::query_as(&sql);
        for p in positions {
            query = query.bind(*p);
        }
        query.bind(i64::from(limit)).fetch_all(&self.pool).await
    }

    pub(super) async fn wf_position_emails(
        &self,
        position: uuid::Uuid,
        day: chrono::NaiveDate,
    ) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT email FROM officers WHERE position_id = $1 AND active \
             AND email IS NOT NULL \
             UNION \
             SELECT o.email FROM acting_appointments a JOIN officers o ON o.id = a.officer_id \
             WHERE a.position_id = $1 AND o.active AND o.email IS NOT NULL \
             AND a.revoked_at IS NULL AND a.starts_on <= $2 AND a.ends_on >= $2",
        )
        .bind(position)
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<String> = rows.into_iter().map(|(e,)| e).collect();
        out.sort();
        Ok(out)
    }
}

#[async_trait]
impl WorkflowStore for Backend {
    async fn act(
        &self,
        req: crate::store::WorkflowRequest<'_>,
    ) -> Result<crate::store::ActOutcome, StoreError> {
        self.wf_act(req).await
    }

    async fn case_state(
        &self,
        id: Uuid,
    ) -> Result<Option<(crate::store::Complaint, crate::domain::workflow::CaseState)>, StoreError>
    {
        use crate::store::model::ComplaintRow;
        use crate::store::sql::COMPLAINT_COLUMNS;
        let mut conn = self.pool.acquire().await?;
        let row: Option<ComplaintRow> = sqlx::query_as(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (c, _) = row.into_complaint(&self.vault)?;
        let case = Self::wf_case(&mut conn, &c, None).await?;
        Ok(Some((c, case)))
    }

    async fn dispositions(
        &self,
        complaint_id: Uuid,
    ) -> Result<Vec<crate::store::Disposition>, StoreError> {
        Ok(self.wf_dispositions(complaint_id).await?)
    }

    async fn dispositions_to(
        &self,
        pairs: &[(Uuid, Uuid)],
    ) -> Result<Vec<crate::store::Disposition>, StoreError> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let cols = crate::store::sql::DISPOSITION_COLUMNS
            .split(", ")
            .map(|c| format!("d.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut b = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {cols}, r.position_id FROM dispositions d \
             JOIN disposition_recipients r ON r.disposition_id = d.id \
             WHERE d.withdrawn_at IS NULL AND r.is_primary AND d.complaint_id IN ("
        ));
        let mut list = b.separated(", ");
        for (c, _) in pairs {
            list.push_bind(*c);
        }
        b.push(") ORDER BY d.complaint_id, d.id DESC");
        #[derive(sqlx::FromRow)]
        struct To {
            #[sqlx(flatten)]
            d: crate::store::Disposition,
            position_id: Uuid,
        }
        let rows: Vec<To> = b.build_query_as().fetch_all(&self.pool).await?;
        // newest first within a complaint: keep the first match per pair
        let mut out: Vec<crate::store::Disposition> = Vec::new();
        for (c, p) in pairs {
            if let Some(r) = rows
                .iter()
                .find(|r| r.d.complaint_id == *c && r.position_id == *p)
            {
                out.push(r.d.clone());
            }
        }
        Ok(out)
    }

    async fn drafts(
        &self,
        complaint_id: Uuid,
    ) -> Result<Vec<crate::store::AnswerDraft>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM answer_drafts WHERE complaint_id = $1 ORDER BY version_no",
            crate::store::sql::DRAFT_COLUMNS
        ))
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_draft(&self, id: Uuid) -> Result<Option<crate::store::AnswerDraft>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM answer_drafts WHERE id = $1",
            crate::store::sql::DRAFT_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn draft_reviews(
        &self,
        complaint_id: Uuid,
    ) -> Result<Vec<crate::store::DraftReview>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, complaint_id, draft_id, position_id, decision, note, officer_id, \
             officer_name, acting, at FROM draft_reviews WHERE complaint_id = $1 ORDER BY id",
        )
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn dispatches(
        &self,
        complaint_id: Uuid,
    ) -> Result<Vec<crate::store::AnswerDispatch>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, complaint_id, draft_id, method, letter_number, letter_date, given_by, \
             given_at, reply_url, outbox_id, external_id, actor_name, at FROM answer_dispatches \
             WHERE complaint_id = $1 ORDER BY id",
        )
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn inbox(&self, q: &crate::store::InboxQuery) -> Result<Vec<Complaint>, StoreError> {
        self.wf_inbox(q).await
    }

    async fn unread_copies(
        &self,
        positions: &[Uuid],
        limit: u32,
    ) -> Result<Vec<crate::store::UnreadCopy>, StoreError> {
        Ok(self.wf_unread_copies(positions, limit).await?)
    }
}
