//! PostgreSQL backend: production, shared by several replicas.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::domain::TrackingNumber;

pub struct PgStore {
    pool: PgPool,
    vault: std::sync::Arc<crate::vault::Vault>,
    /// Seen once every search entry holds its word pairs (migration 0037);
    /// never false again.
    search_pairs: std::sync::atomic::AtomicBool,
    /// Seen once every complaint has its search entry; never false again.
    search_entries: std::sync::atomic::AtomicBool,
}

impl PgStore {
    const BACKEND: &'static str = "postgres";
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    pub async fn connect(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
        vault: std::sync::Arc<crate::vault::Vault>,
    ) -> Result<Self, crate::store::StoreError> {
        let mut opts: sqlx::postgres::PgConnectOptions = url.parse()?;
        // No JIT for the service's queries (ADR 0001): they read a page or a
        // count through an index, and a planner that misjudges how many rows
        // a condition keeps (statistics over ten million complaints, most of
        // them closed) crosses `jit_above_cost` and spends 10–70 ms compiling
        // for a query that reads 300 rows in half a millisecond. A DATABASE_URL
        // that sets `jit` itself (`options=-c jit=on`) is left as it is.
        if !opts.get_options().is_some_and(|o| o.contains("jit")) {
            opts = opts.options([("jit", "off")]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout)
            .connect_with(opts)
            .await?;
        Ok(PgStore {
            pool,
            vault,
            search_pairs: std::sync::atomic::AtomicBool::new(false),
            search_entries: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// PostgreSQL takes row locks itself; no process-wide writer queue.
    async fn lock_writes(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        None
    }

    /// After an erasure: VACUUM the tables it rewrote, so the old row
    /// versions are pruned and their index entries removed at once (not at
    /// autovacuum's leisure). The bytes of pruned rows may stay in the data
    /// files' free space and in WAL until overwritten: `aduan privacy scrub`
    /// (docs/adr/0016) is the DBA's step that removes those too.
    async fn scrub_erased(&self) -> Result<bool, crate::store::StoreError> {
        sqlx::raw_sql(&format!(
            "VACUUM {}",
            crate::store::ERASED_TABLES.join(", ")
        ))
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// The DBA's step after erasures: the tables an erasure rewrites are
    /// rewritten whole (VACUUM FULL: new files, the old ones truncated), then
    /// a checkpoint and a WAL switch, so that with `wal_recycle = off` the
    /// segments holding the old rows are removed at the next checkpoint.
    /// Takes an exclusive lock on each table while it is rewritten.
    pub async fn scrub_full(&self) -> Result<(), crate::store::StoreError> {
        sqlx::raw_sql(&format!(
            "VACUUM (FULL) {}",
            crate::store::ERASED_TABLES.join(", ")
        ))
        .execute(&self.pool)
        .await?;
        sqlx::raw_sql("CHECKPOINT").execute(&self.pool).await?;
        sqlx::raw_sql("SELECT pg_switch_wal()")
            .execute(&self.pool)
            .await?;
        sqlx::raw_sql("CHECKPOINT").execute(&self.pool).await?;
        Ok(())
    }

    /// A write transaction (PostgreSQL takes row locks as it goes).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

/// The CTE a registration statement's counter update reads from: it counts
/// the rows of `e`, `i`, `s`, `w` and `o`, so PostgreSQL writes them (and
/// reads the input) BEFORE it locks the per-year counter row, which is then
/// held only for the complaints' rows and the commit.
const WRITTEN_FIRST: &str = "pre AS (
                 SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM i)
                      + (SELECT count(*) FROM s) + (SELECT count(*) FROM w)
                      + (SELECT count(*) FROM o) AS written)";

impl PgStore {
    /// Registers a complaint in ONE statement (one round trip, atomic): the
    /// per-year counter, the row, the `registered` event and the idempotency
    /// record. The counter row is locked only for this statement and its
    /// commit (docs/adr/0002), and as late as it can be: the event, the
    /// idempotency, inbound, webhook and outbox rows are written first (they
    /// name the complaint by its id; the foreign keys are checked at the
    /// statement's end), so the lock covers the complaint's row and the commit. The number's format matches
    /// `TrackingNumber::new`; the conformance suite reads it back.
    async fn insert_complaint(
        &self,
        req: &crate::store::CreateComplaint<'_>,
    ) -> Result<crate::store::Complaint, sqlx::Error> {
        self.register_on(&self.pool, req).await
    }

    /// A batch of registrations in ONE statement (one round trip): the rows
    /// travel as one JSON array (`jsonb_to_recordset`), the counter moves by
    /// the batch's size once, and each row takes its number by its place in
    /// the batch — the same writes as `register_on`, for all of them, in the
    /// same order: the JSON read and every row but the complaints' written
    /// before the counter row is locked (by a batch's plan, about a quarter
    /// of the statement's time moved out of the lock; docs/BENCHMARKS.md).
    async fn write_complaints(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        reqs: &[crate::store::CreateComplaint<'_>],
    ) -> Result<Vec<crate::store::Complaint>, sqlx::Error> {
        self.complaints_on(&mut **tx, reqs).await
    }

    /// A group commit: the batch's one statement, committed by itself (no
    /// BEGIN / COMMIT round trips: the statement is atomic). A database's
    /// refusal, or no connection, is a rollback; an error on the way — the
    /// connection lost while the statement ran — leaves the outcome unknown.
    async fn write_batch(
        &self,
        reqs: &[crate::store::CreateComplaint<'_>],
    ) -> Result<Vec<crate::store::Complaint>, crate::store::BatchError> {
        use crate::store::BatchError;
        self.complaints_on(&self.pool, reqs)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Protocol(_)
                | sqlx::Error::Encode(_) => BatchError::RolledBack(e.into()),
                _ => BatchError::Commit(e.into()),
            })
    }

    async fn complaints_on<'e, E: sqlx::PgExecutor<'e>>(
        &self,
        ex: E,
        reqs: &[crate::store::CreateComplaint<'_>],
    ) -> Result<Vec<crate::store::Complaint>, sqlx::Error> {
        use crate::store::sql::{
            NEW_COMPLAINT_COLUMNS, SealedReporter, registered_complaint, registered_detail,
        };
        let Some(first) = reqs.first() else {
            return Ok(Vec::new());
        };
        if reqs.len() == 1 {
            return Ok(vec![self.register_on(ex, first).await?]);
        }
        fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        }
        let mut rows = Vec::with_capacity(reqs.len());
        let mut nows = Vec::with_capacity(reqs.len());
        for (seq, req) in reqs.iter().enumerate() {
            // one prefix and year per batch: the caller groups them
            if req.prefix != first.prefix || req.year != first.year {
                return Err(sqlx::Error::Protocol(
                    "a batch of registrations spans prefixes or years".into(),
                ));
            }
            let now = chrono::SubsecRound::trunc_subsecs(req.now, 6);
            nows.push(now);
            let c = req.complaint;
            let sealed = SealedReporter::new(&self.vault, &c.reporter);
            let search = crate::store::sql::SearchEntry::of(&self.vault, c);
            let (key, hash) = match (req.idempotency, req.actor.key_id) {
                (Some((k, h)), Some(_)) => (Some(k), Some(h)),
                _ => (None, None),
            };
            let officer = req.actor.officer.as_ref();
            let mut row = serde_json::json!({
                "seq": seq,
                "id": req.id,
                "kind": c.kind.as_str(),
                "channel": c.channel.as_str(),
                "received_at": ts(c.received_at),
                "at": ts(now),
                "subject": c.subject,
                "subject_lower": c.subject.to_lowercase(),
                "body": c.body,
                "category": c.category,
                "location": c.location,
                "anonymous": c.anonymous,
                "confidential": c.confidential,
                "reporter_name": sealed.name,
                "reporter_id_number": sealed.id_number,
                "reporter_phone": sealed.phone,
                "reporter_email": sealed.email,
                "reporter_address": sealed.address,
                "lapor_tracking_id": c.external_ref.lapor_tracking_id,
                "letter_number": c.external_ref.letter_number,
                "letter_date": c.external_ref.letter_date,
                "created_by": req.actor.key_id,
                "access_digest": req.access_digest,
                "due_at": ts(req.deadline.due_at),
                "sla_working_days": req.deadline.sla_working_days,
                "lapor_followup_due_at": req.deadline.lapor_followup_due_at.map(ts),
                "dek": sealed.dek,
                "id_number_bidx": sealed.id_number_bidx,
                "phone_bidx": sealed.phone_bidx,
                "email_bidx": sealed.email_bidx,
                "agency_ref": c.external_ref.agency_ref,
            });
            let more = serde_json::json!({
                "event_id": uuid::Uuid::now_v7(),
                "actor_name": req.actor.name,
                "actor_role": req.actor.role.as_str(),
                "detail": registered_detail(req),
                "officer_id": officer.map(|o| o.id),
                "officer_name": officer.map(|o| o.name.as_str()),
                "position_id": officer.and_then(|o| o.position_id),
                "position_title": officer.and_then(|o| o.position_title.as_deref()),
                "idem_key": key,
                "idem_hash": hash,
                "replay_code": req.replay_code,
                "source_key": req.source_key,
                "outbox_id": req.outbox.as_ref().map(|o| o.id),
                "outbox_kind": req.outbox.as_ref().map(|o| o.kind.as_str()),
                "outbox_dedup": req.outbox.as_ref().map(|o| o.dedup_key.as_str()),
                "outbox_payload": req.outbox.as_ref().map(|o| self.vault.seal_str(&o.payload)),
                "search_subject": search.subject,
                "search_body": search.body,
                "search_names": search.names,
            });
            if let (Some(row), serde_json::Value::Object(more)) = (row.as_object_mut(), more) {
                row.extend(more);
            }
            rows.push(row);
        }
        let sql = format!(
            "WITH b AS (
                 SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
                     seq bigint, id uuid, kind text, channel text, received_at timestamptz,
                     at timestamptz, subject text, subject_lower text, body text, category text,
                     location text, anonymous boolean, confidential boolean, reporter_name text,
                     reporter_id_number text, reporter_phone text, reporter_email text,
                     reporter_address text, lapor_tracking_id text, letter_number text,
                     letter_date date, created_by uuid, access_digest text, due_at timestamptz,
                     sla_working_days integer, lapor_followup_due_at timestamptz, dek text,
                     id_number_bidx text, phone_bidx text, email_bidx text, agency_ref text,
                     event_id uuid, actor_name text, actor_role text, detail text,
                     officer_id uuid, officer_name text, position_id uuid, position_title text,
                     idem_key text, idem_hash text, replay_code text, source_key text,
                     outbox_id uuid, outbox_kind text, outbox_dedup text, outbox_payload text,
                     search_subject text, search_body text, search_names text)),
             e AS (
                 INSERT INTO complaint_events
                     (id, complaint_id, at, kind, actor_key_id, actor_name, actor_role, status, detail,
                      actor_officer_id, actor_officer_name, actor_position_id, actor_position)
                 SELECT b.event_id, b.id, b.at, 'registered', b.created_by, b.actor_name,
                        b.actor_role, 'registered', b.detail, b.officer_id, b.officer_name,
                        b.position_id, b.position_title
                 FROM b
                 RETURNING 1),
             i AS (
                 INSERT INTO idempotency_keys
                     (api_key_id, key, request_hash, complaint_id, access_code, created_at)
                 SELECT b.created_by, b.idem_key, b.idem_hash, b.id, b.replay_code, b.at
                 FROM b
                 WHERE b.idem_key IS NOT NULL AND b.created_by IS NOT NULL
                 RETURNING 1),
             s AS (
                 INSERT INTO inbound_messages (source_key, complaint_id, at)
                 SELECT b.source_key, b.id, b.at FROM b
                 WHERE b.source_key IS NOT NULL
                 RETURNING 1),
             w AS (
                 INSERT INTO webhook_deliveries (subscription_id, event_id, complaint_id, event,
                     state, attempts, next_attempt_at, created_at)
                 SELECT s.id, b.event_id, b.id, 'complaint.registered', 'pending', 0, b.at, b.at
                 FROM b JOIN webhook_subscriptions s ON s.key_id = b.created_by
                 WHERE s.deleted_at IS NULL
                   AND (',' || s.events || ',') LIKE '%,complaint.registered,%'
                 RETURNING 1),
             o AS (
                 INSERT INTO outbox (id, kind, dedup_key, complaint_id, payload, status, attempts,
                     next_attempt_at, created_at)
                 SELECT b.outbox_id, b.outbox_kind, b.outbox_dedup, b.id, b.outbox_payload,
                        'pending', 0, b.at, b.at
                 FROM b
                 WHERE b.outbox_id IS NOT NULL
                 RETURNING 1),
             x AS (
                 INSERT INTO complaint_search (complaint_id, doc, v)
                 SELECT b.id, aduan_search_doc(b.search_subject, b.search_body, b.search_names, b.received_at), 2
                 FROM b
                 RETURNING 1),
             {WRITTEN_FIRST},
             n AS (
                 INSERT INTO tracking_counters (prefix, year, last_value)
                 SELECT $2, $3, $4 FROM pre WHERE pre.written >= 0
                 ON CONFLICT (prefix, year) DO UPDATE
                     SET last_value = tracking_counters.last_value + $4
                 RETURNING last_value - $4 AS base),
             c AS (
                 INSERT INTO complaints ({NEW_COMPLAINT_COLUMNS})
                 SELECT b.id, $2 || '-' || $3::text || '-' ||
                        CASE WHEN n.base + b.seq + 1 < 1000000
                             THEN lpad((n.base + b.seq + 1)::text, 6, '0')
                             ELSE (n.base + b.seq + 1)::text END,
                        b.kind, b.channel, 'registered', b.received_at, b.at, b.at, b.subject,
                        b.subject_lower, b.body, b.category, b.location, b.anonymous,
                        b.confidential, b.reporter_name, b.reporter_id_number, b.reporter_phone,
                        b.reporter_email, b.reporter_address, b.lapor_tracking_id,
                        b.letter_number, b.letter_date, b.created_by, 1, b.access_digest,
                        b.due_at, b.sla_working_days, b.lapor_followup_due_at, b.dek,
                        b.id_number_bidx, b.phone_bidx, b.email_bidx, b.agency_ref
                 FROM n, b ORDER BY b.seq
                 RETURNING id, tracking_number)
             SELECT c.id, c.tracking_number FROM c"
        );
        let count = i64::try_from(reqs.len()).unwrap_or(i64::MAX);
        let numbered: Vec<(uuid::Uuid, String)> = sqlx::query_as(&sql)
            .bind(serde_json::Value::Array(rows))
            .bind(first.prefix.as_str())
            .bind(first.year)
            .bind(count)
            .fetch_all(ex)
            .await?;
        let numbers: std::collections::HashMap<uuid::Uuid, String> = numbered.into_iter().collect();
        reqs.iter()
            .zip(nows)
            .map(|(req, now)| {
                let number = numbers.get(&req.id).cloned().ok_or_else(|| {
                    sqlx::Error::Protocol("a registration of the batch was not numbered".into())
                })?;
                Ok(registered_complaint(req, number, now))
            })
            .collect()
    }

    async fn register_on<'e, E: sqlx::PgExecutor<'e>>(
        &self,
        ex: E,
        req: &crate::store::CreateComplaint<'_>,
    ) -> Result<crate::store::Complaint, sqlx::Error> {
        use crate::store::sql::{
            NEW_COMPLAINT_COLUMNS, SealedReporter, bind_new_complaint, registered_complaint,
            registered_detail,
        };
        let now = chrono::SubsecRound::trunc_subsecs(req.now, 6);
        let sql = format!(
            "WITH e AS (
                 INSERT INTO complaint_events
                     (id, complaint_id, at, kind, actor_key_id, actor_name, actor_role, status, detail,
                      actor_officer_id, actor_officer_name, actor_position_id, actor_position)
                 VALUES ($29, $1, $7, 'registered', $23, $30, $31, $5, $32, $40, $41, $42, $43)
                 RETURNING 1),
             i AS (
                 INSERT INTO idempotency_keys
                     (api_key_id, key, request_hash, complaint_id, access_code, created_at)
                 SELECT $23, $33, $34, $1, $35, $7
                 WHERE $33::text IS NOT NULL AND $23::uuid IS NOT NULL
                 RETURNING 1),
             s AS (
                 INSERT INTO inbound_messages (source_key, complaint_id, at)
                 SELECT $44, $1, $7 WHERE $44::text IS NOT NULL
                 RETURNING 1),
             w AS (
                 INSERT INTO webhook_deliveries (subscription_id, event_id, complaint_id, event,
                     state, attempts, next_attempt_at, created_at)
                 SELECT s.id, $29, $1, 'complaint.registered', 'pending', 0, $7, $7
                 FROM webhook_subscriptions s
                 WHERE s.key_id = $23 AND s.deleted_at IS NULL
                   AND (',' || s.events || ',') LIKE '%,complaint.registered,%'
                 RETURNING 1),
             o AS (
                 INSERT INTO outbox (id, kind, dedup_key, complaint_id, payload, status, attempts,
                     next_attempt_at, created_at)
                 SELECT $36, $37, $38, $1, $39, 'pending', 0, $7, $7
                 WHERE $36::uuid IS NOT NULL
                 RETURNING 1),
             x AS (
                 INSERT INTO complaint_search (complaint_id, doc, v)
                 VALUES ($1, aduan_search_doc($50, $51, $52, $6), 2)
                 RETURNING 1),
             {WRITTEN_FIRST},
             n AS (
                 INSERT INTO tracking_counters (prefix, year, last_value)
                 SELECT $2, $28, 1 FROM pre WHERE pre.written >= 0
                 ON CONFLICT (prefix, year) DO UPDATE SET last_value = tracking_counters.last_value + 1
                 RETURNING last_value),
             c AS (
                 INSERT INTO complaints ({NEW_COMPLAINT_COLUMNS})
                 SELECT $1, $2 || '-' || $28::text || '-' ||
                        CASE WHEN n.last_value < 1000000 THEN lpad(n.last_value::text, 6, '0')
                             ELSE n.last_value::text END,
                        $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                        $18, $19, $20, $21, $22, $23, 1, $24, $25, $26, $27, $45, $46, $47, $48, $49
                 FROM n
                 RETURNING id)
             SELECT last_value FROM n"
        );
        let (key, hash) = match (req.idempotency, req.actor.key_id) {
            (Some((k, h)), Some(_)) => (Some(k), Some(h)),
            _ => (None, None),
        };
        let sealed = SealedReporter::new(&self.vault, &req.complaint.reporter);
        let search = crate::store::sql::SearchEntry::of(&self.vault, req.complaint);
        let payload = req.outbox.as_ref().map(|o| self.vault.seal_str(&o.payload));
        let (seq,): (i64,) =
            bind_new_complaint!(sqlx::query_as(&sql), req, sealed, req.prefix.as_str(), now)
                .bind(req.year)
                .bind(uuid::Uuid::now_v7())
                .bind(&req.actor.name)
                .bind(req.actor.role.as_str())
                .bind(registered_detail(req))
                .bind(key)
                .bind(hash)
                .bind(req.replay_code)
                .bind(req.outbox.as_ref().map(|o| o.id))
                .bind(req.outbox.as_ref().map(|o| o.kind.as_str()))
                .bind(req.outbox.as_ref().map(|o| o.dedup_key.as_str()))
                .bind(payload)
                .bind(req.actor.officer.as_ref().map(|o| o.id))
                .bind(req.actor.officer.as_ref().map(|o| o.name.as_str()))
                .bind(req.actor.officer.as_ref().and_then(|o| o.position_id))
                .bind(
                    req.actor
                        .officer
                        .as_ref()
                        .and_then(|o| o.position_title.as_deref()),
                )
                .bind(req.source_key)
                .bind(&sealed.dek)
                .bind(&sealed.id_number_bidx)
                .bind(&sealed.phone_bidx)
                .bind(&sealed.email_bidx)
                .bind(&req.complaint.external_ref.agency_ref)
                .bind(&search.subject)
                .bind(&search.body)
                .bind(&search.names)
                .fetch_one(ex)
                .await?;
        let number = TrackingNumber::new(req.prefix, req.year, seq).to_string();
        Ok(registered_complaint(req, number, now))
    }
}

/// The sqlx database and the store type the shared SQL is compiled for.
type Db = sqlx::Postgres;
type Backend = PgStore;

// Compiled once per backend on purpose (see `shared/mod.rs`).
#[allow(clippy::duplicate_mod)]
#[path = "shared/mod.rs"]
mod shared;

#[async_trait::async_trait]
impl crate::store::StoreBase for PgStore {
    fn backend(&self) -> &'static str {
        Self::BACKEND
    }

    async fn migrate(&self) -> Result<(), crate::store::StoreError> {
        Self::MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    fn vault(&self) -> &std::sync::Arc<crate::vault::Vault> {
        &self.vault
    }

    async fn ping(&self) -> Result<(), crate::store::StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
