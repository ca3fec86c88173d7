//! SQLite backend: the embedded default (a file under `./data/`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::domain::TrackingNumber;

/// An instant as SQLite holds it (text, as sqlx writes it: RFC 3339; or
/// one of the other text forms sqlx reads back), in UTC.
pub(crate) fn instant(v: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(t.to_utc());
    }
    for f in ["%F %T%.f%:z", "%FT%T%.f%:z", "%F %T%.f%#z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(v, f) {
            return Some(t.to_utc());
        }
    }
    for f in ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(v.trim_end_matches('Z'), f) {
            return Some(t.and_utc());
        }
    }
    None
}

pub struct SqliteStore {
    pool: SqlitePool,
    vault: std::sync::Arc<crate::vault::Vault>,
    /// SQLite has one writer at a time. Queueing writers here (FIFO, no
    /// polling) instead of in SQLite's busy handler (sleep and retry) keeps
    /// the tail latency of concurrent registrations low.
    writer: tokio::sync::Mutex<()>,
    /// Whether every search entry holds its word pairs (PostgreSQL's; kept
    /// here for the shared code, always true: FTS5 keeps positions).
    search_pairs: std::sync::atomic::AtomicBool,
    /// Seen once every complaint has its search entry; never false again.
    search_entries: std::sync::atomic::AtomicBool,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

    pub async fn connect(
        url: &str,
        max_connections: u32,
        vault: std::sync::Arc<crate::vault::Vault>,
    ) -> Result<Self, crate::store::StoreError> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // freed space is overwritten with zeros: an erasure leaves no
            // copy of the erased text in free pages (issue 31, finding 5)
            .pragma("secure_delete", "ON");
        let db_file = opts.get_filename().to_path_buf();
        if let Some(dir) = db_file.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            crate::store::files::restrict(dir);
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        // the database and its WAL hold personal data: the service's user only
        // (SQLite gives new -wal / -shm files the database file's mode)
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db_file.clone().into_os_string();
            p.push(suffix);
            crate::store::files::restrict(std::path::Path::new(&p));
        }
        Ok(SqliteStore {
            pool,
            vault,
            writer: tokio::sync::Mutex::new(()),
            search_pairs: std::sync::atomic::AtomicBool::new(true),
            search_entries: std::sync::atomic::AtomicBool::new(false),
        })
    }

    async fn lock_writes(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.writer.lock().await)
    }

    /// After an erasure: the WAL still holds page images from before it, so
    /// it is checkpointed into the (secure-deleted) database and truncated
    /// to nothing. Readers keep a checkpoint from finishing: tried a few times.
    async fn scrub_erased(&self) -> Result<bool, crate::store::StoreError> {
        let _writer = self.lock_writes().await;
        for attempt in 0..20 {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await?;
            if busy == 0 {
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(25 * (attempt + 1))).await;
        }
        Ok(false)
    }

    /// The operator's step: the file rebuilt without free pages, the WAL emptied.
    pub async fn scrub_full(&self) -> Result<(), crate::store::StoreError> {
        {
            let _writer = self.lock_writes().await;
            sqlx::raw_sql("VACUUM").execute(&self.pool).await?;
        }
        self.scrub_erased().await?;
        Ok(())
    }

    /// A write transaction, begun IMMEDIATE: it takes SQLite's write lock at
    /// once (waiting for it in the busy handler). A deferred transaction that
    /// read first could not upgrade to a writer after another connection
    /// committed ("database is locked", SQLITE_BUSY_SNAPSHOT, which no
    /// waiting cures): so every write transaction of every component, queued
    /// or not, goes through this one path.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl SqliteStore {
    /// Registers a complaint: row, `registered` event, idempotency record and
    /// tracking number in one transaction, writers queued in-process.
    async fn insert_complaint(
        &self,
        req: &crate::store::CreateComplaint<'_>,
    ) -> Result<crate::store::Complaint, sqlx::Error> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let c = self.write_complaint(&mut tx, req).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// A group commit: one IMMEDIATE transaction behind the writer queue.
    async fn write_batch(
        &self,
        reqs: &[crate::store::CreateComplaint<'_>],
    ) -> Result<Vec<crate::store::Complaint>, crate::store::BatchError> {
        use crate::store::BatchError;
        let failed = |e: sqlx::Error| BatchError::RolledBack(e.into());
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await.map_err(failed)?;
        // an error drops `tx`: rolled back, the counter with it
        let out = self.write_complaints(&mut tx, reqs).await.map_err(failed)?;
        tx.commit()
            .await
            .map_err(|e| BatchError::Commit(e.into()))?;
        Ok(out)
    }

    /// Writes registrations in `tx`, one after the other (in-process: a
    /// statement costs no round trip here).
    async fn write_complaints(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        reqs: &[crate::store::CreateComplaint<'_>],
    ) -> Result<Vec<crate::store::Complaint>, sqlx::Error> {
        let mut out = Vec::with_capacity(reqs.len());
        for req in reqs {
            out.push(self.write_complaint(tx, req).await?);
        }
        Ok(out)
    }

    /// Writes a registration in `tx`: the row, its `registered` event, the
    /// idempotency and source records, the acknowledgement, and the next
    /// tracking number of the year (taken last: the counter row is held for
    /// as short a time as the transaction allows).
    async fn write_complaint(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        req: &crate::store::CreateComplaint<'_>,
    ) -> Result<crate::store::Complaint, sqlx::Error> {
        use crate::store::sql::{
            NEW_COMPLAINT_COLUMNS, SealedReporter, bind_new_complaint, registered_complaint,
            registered_detail,
        };
        // Both databases keep microseconds: return exactly what a read gives.
        let now = chrono::SubsecRound::trunc_subsecs(req.now, 6);
        let sql = format!(
            "INSERT INTO complaints ({NEW_COMPLAINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, \
             $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
             $23, 1, $24, $25, $26, $27, $28, $29, $30, $31, $32)"
        );
        let placeholder = format!("pending:{}", req.id);
        let sealed = SealedReporter::new(&self.vault, &req.complaint.reporter);
        bind_new_complaint!(sqlx::query(&sql), req, sealed, &placeholder, now)
            .bind(&sealed.dek)
            .bind(&sealed.id_number_bidx)
            .bind(&sealed.phone_bidx)
            .bind(&sealed.email_bidx)
            .bind(&req.complaint.external_ref.agency_ref)
            .execute(&mut **tx)
            .await?;
        shared::write_search_entry(
            tx,
            req.id,
            &crate::store::sql::SearchEntry::of(&self.vault, req.complaint),
            false,
        )
        .await?;
        shared::insert_event(
            tx,
            req.id,
            now,
            "registered",
            req.actor,
            crate::domain::Status::Registered,
            &registered_detail(req),
        )
        .await?;
        if let (Some((key, hash)), Some(key_id)) = (req.idempotency, req.actor.key_id) {
            sqlx::query(
                "INSERT INTO idempotency_keys \
                 (api_key_id, key, request_hash, complaint_id, access_code, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(key_id)
            .bind(key)
            .bind(hash)
            .bind(req.id)
            .bind(req.replay_code)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        if let Some(key) = req.source_key {
            sqlx::query(
                "INSERT INTO inbound_messages (source_key, complaint_id, at) VALUES ($1, $2, $3)",
            )
            .bind(key)
            .bind(req.id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        if let Some(o) = &req.outbox {
            sqlx::query(
                "INSERT INTO outbox (id, kind, dedup_key, complaint_id, payload, status, attempts, \
                 next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
            )
            .bind(o.id)
            .bind(&o.kind)
            .bind(&o.dedup_key)
            .bind(req.id)
            .bind(self.vault.seal_str(&o.payload))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        let (seq,): (i64,) = sqlx::query_as(
            "INSERT INTO tracking_counters (prefix, year, last_value) VALUES ($1, $2, 1) \
             ON CONFLICT (prefix, year) DO UPDATE SET last_value = tracking_counters.last_value + 1 \
             RETURNING last_value",
        )
        .bind(req.prefix.as_str())
        .bind(req.year)
        .fetch_one(&mut **tx)
        .await?;
        let number = TrackingNumber::new(req.prefix, req.year, seq).to_string();
        sqlx::query("UPDATE complaints SET tracking_number = $1 WHERE id = $2")
            .bind(&number)
            .bind(req.id)
            .execute(&mut **tx)
            .await?;
        Ok(registered_complaint(req, number, now))
    }
}

/// The sqlx database and the store type the shared SQL is compiled for.
type Db = sqlx::Sqlite;
type Backend = SqliteStore;

// Compiled once per backend on purpose (see `shared/mod.rs`).
#[allow(clippy::duplicate_mod)]
#[path = "shared/mod.rs"]
mod shared;

#[async_trait::async_trait]
impl crate::store::StoreBase for SqliteStore {
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

#[cfg(test)]
mod tests {
    use super::instant;

    #[test]
    fn instants_read_as_sqlx_writes_and_reads_them() {
        let want = "2026-12-07T12:40:29.647992Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .ok();
        assert!(want.is_some());
        for v in [
            "2026-12-07T12:40:29.647992+00:00",
            "2026-12-07T19:40:29.647992+07:00",
            "2026-12-07 12:40:29.647992+00:00",
            "2026-12-07 12:40:29.647992",
            "2026-12-07T12:40:29.647992Z",
        ] {
            assert_eq!(instant(v), want, "{v}");
        }
        assert_eq!(
            instant("2026-12-07 12:40"),
            "2026-12-07T12:40:00Z".parse().ok()
        );
        assert_eq!(instant("7 Desember 2026"), None);
        assert_eq!(instant(""), None);
    }
}
