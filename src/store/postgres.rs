//! PostgreSQL backend: production, shared by several replicas.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::domain::TrackingNumber;

pub struct PgStore {
    pool: PgPool,
    vault: std::sync::Arc<crate::vault::Vault>,
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
        let opts: sqlx::postgres::PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout)
            .connect_with(opts)
            .await?;
        Ok(PgStore { pool, vault })
    }

    /// PostgreSQL takes row locks itself; no process-wide writer queue.
    async fn lock_writes(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        None
    }

    /// A write transaction (PostgreSQL takes row locks as it goes).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

impl PgStore {
    /// Registers a complaint in ONE statement (one round trip, atomic): the
    /// per-year counter, the row, the `registered` event and the idempotency
    /// record. The counter row is locked only for this statement and its
    /// commit (docs/adr/0002). The number's format matches
    /// `TrackingNumber::new`; the conformance suite reads it back.
    async fn insert_complaint(
        &self,
        req: &crate::store::CreateComplaint<'_>,
    ) -> Result<crate::store::Complaint, sqlx::Error> {
        self.register_on(&self.pool, req).await
    }

    /// The same statement inside a transaction (a group commit, a LAPOR! page).
    async fn write_complaint(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        req: &crate::store::CreateComplaint<'_>,
    ) -> Result<crate::store::Complaint, sqlx::Error> {
        self.register_on(&mut **tx, req).await
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
            "WITH n AS (
                 INSERT INTO tracking_counters (prefix, year, last_value) VALUES ($2, $28, 1)
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
                 RETURNING id),
             e AS (
                 INSERT INTO complaint_events
                     (id, complaint_id, at, kind, actor_key_id, actor_name, actor_role, status, detail,
                      actor_officer_id, actor_officer_name, actor_position_id, actor_position)
                 SELECT $29, c.id, $7, 'registered', $23, $30, $31, $5, $32, $40, $41, $42, $43 FROM c),
             i AS (
                 INSERT INTO idempotency_keys
                     (api_key_id, key, request_hash, complaint_id, access_code, created_at)
                 SELECT $23, $33, $34, c.id, $35, $7 FROM c
                 WHERE $33::text IS NOT NULL AND $23::uuid IS NOT NULL),
             s AS (
                 INSERT INTO inbound_messages (source_key, complaint_id, at)
                 SELECT $44, c.id, $7 FROM c WHERE $44::text IS NOT NULL),
             w AS (
                 INSERT INTO webhook_deliveries (subscription_id, event_id, complaint_id, event,
                     state, attempts, next_attempt_at, created_at)
                 SELECT s.id, $29, c.id, 'complaint.registered', 'pending', 0, $7, $7
                 FROM c JOIN webhook_subscriptions s ON s.key_id = $23
                 WHERE s.deleted_at IS NULL
                   AND (',' || s.events || ',') LIKE '%,complaint.registered,%'),
             o AS (
                 INSERT INTO outbox (id, kind, dedup_key, complaint_id, payload, status, attempts,
                     next_attempt_at, created_at)
                 SELECT $36, $37, $38, c.id, $39, 'pending', 0, $7, $7 FROM c
                 WHERE $36::uuid IS NOT NULL)
             SELECT last_value FROM n"
        );
        let (key, hash) = match (req.idempotency, req.actor.key_id) {
            (Some((k, h)), Some(_)) => (Some(k), Some(h)),
            _ => (None, None),
        };
        let sealed = SealedReporter::new(&self.vault, &req.complaint.reporter);
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
