//! The data subject's rights: look-ups through the blind index, erasure,
//! retention, the privacy audit and the breach register.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, insert_event};
use crate::domain::identity::{IdentityKind, needles, redact};
use crate::domain::{Channel, Status};
use crate::store::model::ComplaintRow;
use crate::store::sql::{COMPLAINT_COLUMNS, OPEN_STATUS};
use crate::store::{
    Actor, Breach, Complaint, PrivacyAudit, PrivacyStore, RetentionCandidate, StoreError,
};

fn bidx_column(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::IdNumber => "id_number_bidx",
        IdentityKind::Phone => "phone_bidx",
        IdentityKind::Email => "email_bidx",
    }
}

const BREACH_COLUMNS: &str = "id, recorded_at, discovered_at, occurred_from, occurred_to, title, \
     description, measures, criteria, affected, recorded_by";

#[async_trait]
impl PrivacyStore for Backend {
    async fn find_by_identity(
        &self,
        identifiers: &[(IdentityKind, String)],
        limit: u32,
    ) -> Result<Vec<Complaint>, StoreError> {
        let wanted: Vec<(&str, String)> = identifiers
            .iter()
            .filter_map(|(k, v)| Some((bidx_column(*k), self.vault.blind_index(*k, v)?)))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut b = sqlx::QueryBuilder::<super::Db>::new(format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE "
        ));
        for (i, (col, value)) in wanted.into_iter().enumerate() {
            if i > 0 {
                b.push(" OR ");
            }
            b.push(col).push(" = ").push_bind(value);
        }
        b.push(" ORDER BY received_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect()
    }

    async fn retention_candidates(
        &self,
        cutoffs: &[(Status, DateTime<Utc>)],
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        if cutoffs.is_empty() {
            return Ok(Vec::new());
        }
        let mut b = sqlx::QueryBuilder::<super::Db>::new(
            "SELECT id, tracking_number, status, updated_at FROM complaints \
             WHERE anonymised_at IS NULL AND (",
        );
        for (i, (status, cutoff)) in cutoffs.iter().enumerate() {
            if i > 0 {
                b.push(" OR ");
            }
            b.push("(status = ")
                .push_bind(status.as_str())
                .push(" AND updated_at < ")
                .push_bind(*cutoff)
                .push(")");
        }
        b.push(")");
        if let Some(a) = after {
            b.push(" AND id > ").push_bind(a);
        }
        b.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        Ok(b.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn scrub_erased(&self) -> Result<bool, StoreError> {
        Backend::scrub_erased(self).await
    }

    async fn scrub_full(&self) -> Result<(), StoreError> {
        Backend::scrub_full(self).await
    }

    async fn anonymise(
        &self,
        id: Uuid,
        event_detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Uuid>>, StoreError> {
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        // takes the row's write lock first (PostgreSQL), then reads it
        let touched = sqlx::query(
            "UPDATE complaints SET version = version + 1, updated_at = $2 \
             WHERE id = $1 AND anonymised_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if touched == 0 {
            return Ok(None);
        }
        let row: ComplaintRow = sqlx::query_as(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (c, _) = row.into_complaint(&self.vault)?;
        let mut words = needles(&c.reporter);
        // the same words as JSON writes them inside event details
        for w in words.clone() {
            if let Ok(j) = serde_json::to_string(&w) {
                let inner = j.trim_matches('"').to_string();
                if inner != w {
                    words.push(inner);
                }
            }
        }
        let subject = redact(&c.subject, &words);
        let body = redact(&c.body, &words);
        sqlx::query(
            "UPDATE complaints SET reporter_name = NULL, reporter_id_number = NULL, \
             reporter_phone = NULL, reporter_email = NULL, reporter_address = NULL, \
             id_number_bidx = NULL, phone_bidx = NULL, email_bidx = NULL, \
             subject = $2, subject_lower = $3, body = $4, anonymised_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(&subject)
        .bind(subject.to_lowercase())
        .bind(&body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // the search index forgets the name and the erased words
        super::write_search_entry(
            &mut tx,
            id,
            &crate::store::sql::SearchEntry::new(&self.vault, &subject, &body, None, true),
            true,
        )
        .await?;
        let events: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, detail FROM complaint_events WHERE complaint_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for (eid, detail) in events {
            let clean = redact(&detail, &words);
            if clean != detail {
                sqlx::query("UPDATE complaint_events SET detail = $2 WHERE id = $1")
                    .bind(eid)
                    .bind(clean)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let drafts: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, body FROM answer_drafts WHERE complaint_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for (did, body) in drafts {
            let clean = redact(&body, &words);
            if clean != body {
                sqlx::query("UPDATE answer_drafts SET body = $2 WHERE id = $1")
                    .bind(did)
                    .bind(clean)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let notes: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, note FROM dispositions WHERE complaint_id = $1 AND note IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for (nid, note) in notes {
            let clean = redact(&note, &words);
            if clean != note {
                sqlx::query("UPDATE dispositions SET note = $2 WHERE id = $1")
                    .bind(nid)
                    .bind(clean)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let identity: Vec<(Uuid,)> =
            sqlx::query_as("SELECT id FROM attachments WHERE complaint_id = $1 AND identity")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM attachments WHERE complaint_id = $1 AND identity")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // nothing more is sent to the person; what was sent keeps no address
        sqlx::query(
            "UPDATE outbox SET status = 'parked', payload = '{}', \
             last_error = 'personal data erased', locked_until = NULL \
             WHERE complaint_id = $1 AND status = 'pending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE outbox SET payload = '{}' WHERE complaint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // the number a sender shared for themselves (Telegram) goes too
        sqlx::query(
            "UPDATE chat_contacts SET phone = NULL WHERE EXISTS (SELECT 1 FROM chat_threads t \
             WHERE t.complaint_id = $1 AND t.channel = chat_contacts.channel \
             AND t.sender_tag = chat_contacts.sender_tag)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // a message channel's conversation no longer leads from the
        // sender's number to this complaint (nor to its chat: the address goes)
        sqlx::query("DELETE FROM chat_threads WHERE complaint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            id,
            now,
            "personal_data_erased",
            actor,
            c.status,
            event_detail,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(identity.into_iter().map(|(a,)| a).collect()))
    }

    async fn add_privacy_audit(&self, a: &PrivacyAudit) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query(
            "INSERT INTO privacy_audit (id, at, action, actor_key_id, actor_name, actor_role, \
             reason, subject, complaint_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.id)
        .bind(chrono::SubsecRound::trunc_subsecs(a.at, 6))
        .bind(&a.action)
        .bind(a.actor_key_id)
        .bind(&a.actor_name)
        .bind(&a.actor_role)
        .bind(&a.reason)
        .bind(&a.subject)
        .bind(&a.complaint_ids)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_privacy_audit(&self, limit: u32) -> Result<Vec<PrivacyAudit>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, action, actor_key_id, actor_name, actor_role, reason, subject, \
             complaint_ids FROM privacy_audit ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn breach_candidates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        channels: &[Channel],
    ) -> Result<Vec<Complaint>, StoreError> {
        let mut b = sqlx::QueryBuilder::<super::Db>::new(format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE registered_at <= "
        ));
        b.push_bind(to)
            .push(" AND (anonymised_at IS NULL OR anonymised_at >= ")
            .push_bind(from)
            .push(
                ") AND (reporter_name IS NOT NULL OR reporter_id_number IS NOT NULL \
                   OR reporter_phone IS NOT NULL OR reporter_email IS NOT NULL \
                   OR reporter_address IS NOT NULL)",
            );
        if !channels.is_empty() {
            b.push(" AND channel IN (");
            let mut sep = b.separated(", ");
            for c in channels {
                sep.push_bind(c.as_str());
            }
            b.push(")");
        }
        b.push(" ORDER BY id");
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect()
    }

    async fn add_breach(&self, b: &Breach) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query(&format!(
            "INSERT INTO breaches ({BREACH_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(b.id)
        .bind(chrono::SubsecRound::trunc_subsecs(b.recorded_at, 6))
        .bind(chrono::SubsecRound::trunc_subsecs(b.discovered_at, 6))
        .bind(chrono::SubsecRound::trunc_subsecs(b.occurred_from, 6))
        .bind(chrono::SubsecRound::trunc_subsecs(b.occurred_to, 6))
        .bind(&b.title)
        .bind(&b.description)
        .bind(&b.measures)
        .bind(&b.criteria)
        .bind(&b.affected)
        .bind(&b.recorded_by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_breaches(&self, limit: u32) -> Result<Vec<Breach>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {BREACH_COLUMNS} FROM breaches ORDER BY recorded_at DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_breach(&self, id: Uuid) -> Result<Option<Breach>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {BREACH_COLUMNS} FROM breaches WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn purge_expired_records(&self, before: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        let _writer = self.lock_writes().await;
        let idem = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let open = OPEN_STATUS.replace("status", "c.status");
        let sent = sqlx::query(&format!(
            "DELETE FROM outbox WHERE status = 'sent' AND sent_at < $1 \
             AND id NOT IN (SELECT outbox_id FROM answer_dispatches WHERE outbox_id IS NOT NULL) \
             AND NOT EXISTS (SELECT 1 FROM complaints c \
                             WHERE c.id = outbox.complaint_id AND {open})"
        ))
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // the facts reminders reported, once their complaint is finished
        sqlx::query(&format!(
            "DELETE FROM notices WHERE at < $1 AND NOT EXISTS (SELECT 1 FROM complaints c \
             WHERE c.id = notices.complaint_id AND {open})"
        ))
        .bind(before)
        .execute(&self.pool)
        .await?;
        // statuses of messages never recorded (sent by another system on
        // the same number)
        sqlx::query("DELETE FROM chat_status_pending WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        // acknowledgement counts matter for their own day only
        sqlx::query("DELETE FROM acknowledgement_limits WHERE day < $1")
            .bind(before.date_naive())
            .execute(&self.pool)
            .await?;
        Ok((idem, sent))
    }
}
