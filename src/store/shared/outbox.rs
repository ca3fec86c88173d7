//! The outbox (claims, delivery, retries) and job leases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, Db, insert_event, insert_outbox};
use crate::domain::Status;
use crate::store::{Actor, StoreError};

use crate::store::OutboxStore;

#[async_trait]
impl OutboxStore for Backend {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        kinds: &[&str],
        claimant: &str,
    ) -> Result<Vec<crate::store::OutboxItem>, StoreError> {
        let lease_until = chrono::SubsecRound::trunc_subsecs(lease_until, 6);
        const COLS: &str = "id, kind, dedup_key, complaint_id, payload, status, attempts, \
             next_attempt_at, last_error, created_at, sent_at";
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND (locked_until IS NULL OR locked_until < $1) AND kind IN ({}) \
             ORDER BY next_attempt_at LIMIT $2",
            crate::store::sql::placeholders(3, kinds.len())
        );
        let mut q = sqlx::query_as(&sql).bind(now).bind(i64::from(limit));
        for k in kinds {
            q = q.bind(*k);
        }
        let candidates: Vec<crate::store::OutboxItem> = q.fetch_all(&self.pool).await?;
        let (candidates, unreadable) = open_each(&self.vault, candidates);
        // a row this keyring cannot open would fail every run: it is parked
        // with its reason (the admin's outbox page, /metrics) and the courier
        // goes on with the rest (issue 31, finding 13)
        for (id, why) in unreadable {
            let parked = sqlx::query(
                "UPDATE outbox SET status = 'parked', last_error = $2, locked_until = NULL \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(&why)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if parked == 1 {
                metrics::counter!("aduan_outbox_parked_total", "reason" => "unreadable")
                    .increment(1);
                tracing::error!(outbox_id = %id, error = %why, "outbox row cannot be opened: parked");
            }
        }
        let mut claimed = Vec::with_capacity(candidates.len());
        for item in candidates {
            // Only one worker (of any replica) wins each entry.
            let won = sqlx::query(
                "UPDATE outbox SET locked_until = $2, claimed_by = $4 \
                 WHERE id = $1 AND status = 'pending' \
                 AND (locked_until IS NULL OR locked_until < $3)",
            )
            .bind(item.id)
            .bind(lease_until)
            .bind(now)
            .bind(claimant)
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

    async fn renew_outbox_claim(
        &self,
        id: Uuid,
        claimant: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE outbox SET locked_until = $3 WHERE id = $1 AND status = 'pending' \
             AND claimed_by = $2",
        )
        .bind(id)
        .bind(claimant)
        .bind(chrono::SubsecRound::trunc_subsecs(until, 6))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    async fn known_notices(&self, keys: &[String]) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(500) {
            let mut b = sqlx::QueryBuilder::<Db>::new("SELECT key FROM notices WHERE key IN (");
            let mut list = b.separated(", ");
            for k in chunk {
                list.push_bind(k.as_str());
            }
            b.push(")");
            let rows: Vec<(String,)> = b.build_query_as().fetch_all(&self.pool).await?;
            out.extend(rows.into_iter().map(|(k,)| k));
        }
        Ok(out)
    }

    async fn known_messages(&self, dedup_keys: &[String]) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for chunk in dedup_keys.chunks(500) {
            let mut b =
                sqlx::QueryBuilder::<Db>::new("SELECT dedup_key FROM outbox WHERE dedup_key IN (");
            let mut list = b.separated(", ");
            for k in chunk {
                list.push_bind(k.as_str());
            }
            b.push(")");
            let rows: Vec<(String,)> = b.build_query_as().fetch_all(&self.pool).await?;
            out.extend(rows.into_iter().map(|(k,)| k));
        }
        Ok(out)
    }

    async fn record_notices(
        &self,
        messages: &[crate::store::NoticeMessage],
        events: &[crate::store::NoticeEvent],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(u64, Vec<String>), StoreError> {
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        // a page of rows per statement (multi-row VALUES: both databases)
        const ROWS: usize = 400;
        let facts: Vec<(&crate::store::NoticeFact, &crate::store::NoticeMessage)> = messages
            .iter()
            .flat_map(|m| m.facts.iter().map(move |f| (f, m)))
            .collect();
        let mut added = std::collections::HashSet::new();
        for chunk in facts.chunks(ROWS) {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO notices (key, complaint_id, recipient, outbox_id, at) ",
            );
            b.push_values(chunk, |mut row, (f, m)| {
                row.push_bind(f.key.as_str())
                    .push_bind(f.complaint_id)
                    .push_bind(m.recipient.as_str())
                    .push_bind(m.outbox.id)
                    .push_bind(now);
            });
            b.push(" ON CONFLICT (key) DO NOTHING RETURNING key");
            let keys: Vec<(String,)> = b.build_query_as().fetch_all(&mut *tx).await?;
            added.extend(keys.into_iter().map(|(k,)| k));
        }
        let mut queued = 0;
        let mut recorded = Vec::new();
        let mut told = std::collections::HashSet::new();
        for m in messages {
            let mut new = false;
            for f in m.facts.iter().filter(|f| added.contains(&f.key)) {
                told.insert(f.complaint_id);
                recorded.push(f.key.clone());
                new = true;
            }
            if new {
                queued += insert_outbox(&mut tx, &self.vault, &m.outbox, now).await?;
                for o in &m.also {
                    insert_outbox(&mut tx, &self.vault, o, now).await?;
                }
            }
        }
        let events: Vec<&crate::store::NoticeEvent> = events
            .iter()
            .filter(|e| told.contains(&e.complaint_id))
            .collect();
        let mut statuses = std::collections::HashMap::new();
        for chunk in events.chunks(ROWS) {
            let mut b =
                sqlx::QueryBuilder::<Db>::new("SELECT id, status FROM complaints WHERE id IN (");
            let mut list = b.separated(", ");
            for e in chunk {
                list.push_bind(e.complaint_id);
            }
            b.push(")");
            let rows: Vec<(Uuid, String)> = b.build_query_as().fetch_all(&mut *tx).await?;
            statuses.extend(
                rows.into_iter()
                    .filter_map(|(id, s)| Status::parse(&s).map(|s| (id, s))),
            );
        }
        let events: Vec<(&crate::store::NoticeEvent, Status, Uuid)> = events
            .into_iter()
            .filter_map(|e| {
                statuses
                    .get(&e.complaint_id)
                    .map(|s| (e, *s, Uuid::now_v7()))
            })
            .collect();
        let officer = actor.officer.as_ref();
        for chunk in events.chunks(ROWS) {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO complaint_events (id, complaint_id, at, kind, actor_key_id, \
                 actor_name, actor_role, status, detail, actor_officer_id, actor_officer_name, \
                 actor_position_id, actor_position, acting) ",
            );
            b.push_values(chunk, |mut row, (e, status, id)| {
                row.push_bind(*id)
                    .push_bind(e.complaint_id)
                    .push_bind(now)
                    .push_bind(e.kind)
                    .push_bind(actor.key_id)
                    .push_bind(actor.name.as_str())
                    .push_bind(actor.role.as_str())
                    .push_bind(status.as_str())
                    .push_bind(e.detail.as_str())
                    .push_bind(officer.map(|o| o.id))
                    .push_bind(officer.map(|o| o.name.as_str()))
                    .push_bind(officer.and_then(|o| o.position_id))
                    .push_bind(officer.and_then(|o| o.position_title.as_deref()))
                    .push_bind(officer.and_then(|o| o.acting.map(|a| a.as_str())));
            });
            b.build().execute(&mut *tx).await?;
        }
        for (e, _, id) in &events {
            // reminders and escalations are no webhook event today; if one
            // becomes one, it is queued like every other
            super::queue_webhooks(&mut tx, e.complaint_id, *id, e.kind, now).await?;
        }
        tx.commit().await?;
        Ok((queued, recorded))
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
        let items = sqlx::query_as(
            "SELECT id, kind, dedup_key, complaint_id, payload, status, attempts, \
             next_attempt_at, last_error, created_at, sent_at FROM outbox \
             WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(readable_or_marked(&self.vault, items))
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
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for o in items {
            added += insert_outbox(&mut tx, &self.vault, o, now).await?;
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

    async fn lease(&self, name: &str) -> Result<Option<crate::store::LeaseState>, StoreError> {
        Ok(
            sqlx::query_as("SELECT holder, since, until FROM job_leases WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "INSERT INTO job_leases (name, holder, until, since) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET holder = $2, until = $3, \
             since = CASE WHEN job_leases.holder = $2 AND job_leases.until >= $4 \
                     THEN COALESCE(job_leases.since, $4) ELSE $4 END \
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

    async fn outbox_delivered(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        proof: Option<&crate::store::DeliveryProof>,
    ) -> Result<(), StoreError> {
        self.lp_outbox_delivered(id, now, proof).await
    }

    async fn get_outbox(&self, id: Uuid) -> Result<Option<crate::store::OutboxItem>, StoreError> {
        let item = sqlx::query_as(
            "SELECT id, kind, dedup_key, complaint_id, payload, status, attempts, \
             next_attempt_at, last_error, created_at, sent_at FROM outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(readable_or_marked(&self.vault, item.into_iter().collect()).pop())
    }

    async fn count_acknowledgement(
        &self,
        tag: &str,
        day: chrono::NaiveDate,
    ) -> Result<i64, StoreError> {
        let _writer = self.lock_writes().await;
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO acknowledgement_limits (recipient_tag, day, sent) VALUES ($1, $2, 1) \
             ON CONFLICT (recipient_tag, day) DO UPDATE \
             SET sent = acknowledgement_limits.sent + 1 RETURNING CAST(sent AS BIGINT)",
        )
        .bind(tag)
        .bind(day)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    async fn outbox_counts(&self, kinds: &[&str]) -> Result<Vec<(String, i64)>, StoreError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT status, COUNT(*) FROM outbox WHERE kind IN ({}) GROUP BY status ORDER BY status",
            crate::store::sql::placeholders(1, kinds.len())
        );
        let mut q = sqlx::query_as(&sql);
        for k in kinds {
            q = q.bind(*k);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    async fn purge_replay_codes(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let _writer = self.lock_writes().await;
        Ok(sqlx::query(
            "UPDATE idempotency_keys SET access_code = '' WHERE created_at < $1 \
             AND access_code <> ''",
        )
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    async fn purge_sent_secrets(&self, limit: u32) -> Result<u64, StoreError> {
        // a sent message's payload keeps no personal data: the address, the
        // access code and the link go; what is left is stored in the clear
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, payload FROM outbox WHERE status = 'sent' \
             AND (payload LIKE 'x%' \
                  OR payload LIKE '%\"access\\_code%' ESCAPE '\\' \
                  OR payload LIKE '%\"link\\_sealed%' ESCAPE '\\') LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let _writer = self.lock_writes().await;
        let mut n = 0;
        for (id, stored) in rows {
            let redacted = match self.vault.open_or_plain(&stored) {
                Ok(plain) => match serde_json::from_str(&plain) {
                    Ok(serde_json::Value::Object(mut m)) => {
                        for k in SECRET_PAYLOAD_KEYS {
                            m.remove(*k);
                        }
                        serde_json::Value::Object(m).to_string()
                    }
                    _ => "{}".to_string(),
                },
                // sealed by a key the keyring no longer holds: nothing to keep
                Err(_) => "{}".to_string(),
            };
            n += sqlx::query("UPDATE outbox SET payload = $2 WHERE id = $1 AND payload = $3")
                .bind(id)
                .bind(redacted)
                .bind(&stored)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(n)
    }
}

/// Payload fields dropped once a message is sent: addresses, names, codes.
const SECRET_PAYLOAD_KEYS: &[&str] = &[
    "to",
    "access_code",
    "access_code_sealed",
    "link_sealed",
    "in_reply_to",
    "text",
    "html",
];

/// Opens the sealed payloads of outbox rows.
/// The reason a parked unreadable row shows (no payload detail: it is sealed).
const UNREADABLE: &str = "the stored message cannot be opened with this keyring";

/// Opens each item's payload: the items that open, and the ids of those
/// that do not with the reason.
fn open_each(
    vault: &crate::vault::Vault,
    items: Vec<crate::store::OutboxItem>,
) -> (Vec<crate::store::OutboxItem>, Vec<(Uuid, String)>) {
    let mut ok = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for mut i in items {
        match vault.open_or_plain(&i.payload) {
            Ok(p) => {
                i.payload = p;
                ok.push(i);
            }
            Err(e) => bad.push((i.id, format!("{UNREADABLE} ({e})"))),
        }
    }
    (ok, bad)
}

/// For the admin's lists: an unreadable payload shows as empty, the row
/// stays listed (a listing never fails on one bad row).
fn readable_or_marked(
    vault: &crate::vault::Vault,
    items: Vec<crate::store::OutboxItem>,
) -> Vec<crate::store::OutboxItem> {
    items
        .into_iter()
        .map(|mut i| {
            match vault.open_or_plain(&i.payload) {
                Ok(p) => i.payload = p,
                Err(_) => {
                    i.payload = "{}".into();
                    if i.last_error.is_none() {
                        i.last_error = Some(UNREADABLE.into());
                    }
                }
            }
            i
        })
        .collect()
}
