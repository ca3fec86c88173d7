//! The tamper-evident timeline (docs/adr/0034): seals of events in one
//! chain, read back with the events as they are now.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, Db};
use crate::store::sql::{EVENT_COLUMNS, is_unique_violation};
use crate::store::{AuditStore, Checkpoint, Event, Seal, StoreError};

const SEAL_COLUMNS: &str = "seq, event_id, complaint_id, detail_digest, hash, sealed_at";

/// A seal joined with its event (every event column optional: it may be gone).
#[derive(sqlx::FromRow)]
struct Joined {
    seq: i64,
    event_id: Uuid,
    complaint_id: Uuid,
    detail_digest: String,
    hash: String,
    sealed_at: DateTime<Utc>,
    e_id: Option<Uuid>,
    e_complaint_id: Option<Uuid>,
    e_at: Option<DateTime<Utc>>,
    e_kind: Option<String>,
    e_actor_key_id: Option<Uuid>,
    e_actor_name: Option<String>,
    e_actor_role: Option<String>,
    e_status: Option<String>,
    e_detail: Option<String>,
    e_actor_officer_id: Option<Uuid>,
    e_actor_officer_name: Option<String>,
    e_actor_position_id: Option<Uuid>,
    e_actor_position: Option<String>,
    e_acting: Option<String>,
    anonymised: bool,
}

impl Joined {
    fn split(self) -> (Seal, Option<Event>, bool) {
        let event = match (
            self.e_id,
            self.e_complaint_id,
            self.e_at,
            self.e_kind,
            self.e_actor_name,
            self.e_actor_role,
            self.e_status,
            self.e_detail,
        ) {
            (
                Some(id),
                Some(complaint_id),
                Some(at),
                Some(kind),
                Some(actor_name),
                Some(actor_role),
                Some(status),
                Some(detail),
            ) => Some(Event {
                id,
                complaint_id,
                at,
                kind,
                actor_key_id: self.e_actor_key_id,
                actor_name,
                actor_role,
                status,
                detail,
                actor_officer_id: self.e_actor_officer_id,
                actor_officer_name: self.e_actor_officer_name,
                actor_position_id: self.e_actor_position_id,
                actor_position: self.e_actor_position,
                acting: self.e_acting,
            }),
            _ => None,
        };
        (
            Seal {
                seq: self.seq,
                event_id: self.event_id,
                complaint_id: self.complaint_id,
                detail_digest: self.detail_digest,
                hash: self.hash,
                sealed_at: self.sealed_at,
            },
            event,
            self.anonymised,
        )
    }
}

#[async_trait]
impl AuditStore for Backend {
    async fn chain_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM event_seals ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn unsealed_events(
        &self,
        after: Option<Uuid>,
        before: Uuid,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let cols = EVENT_COLUMNS
            .split(", ")
            .map(|c| format!("e.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(sqlx::query_as(&format!(
            "SELECT {cols} FROM complaint_events e \
             WHERE e.id > $1 AND e.id < $2 \
             AND NOT EXISTS (SELECT 1 FROM event_seals s WHERE s.event_id = e.id) \
             ORDER BY e.id LIMIT $3"
        ))
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_sealed_event(&self) -> Result<Option<Uuid>, StoreError> {
        // (PostgreSQL has no max() of uuid; the unique index serves the order)
        Ok(sqlx::query_as::<_, (Uuid,)>(
            "SELECT event_id FROM event_seals ORDER BY event_id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.0))
    }

    async fn append_seals(&self, seals: &[Seal]) -> Result<bool, StoreError> {
        if seals.is_empty() {
            return Ok(true);
        }
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        for chunk in seals.chunks(500) {
            let mut b =
                sqlx::QueryBuilder::<Db>::new(format!("INSERT INTO event_seals ({SEAL_COLUMNS}) "));
            b.push_values(chunk, |mut row, s| {
                row.push_bind(s.seq)
                    .push_bind(s.event_id)
                    .push_bind(s.complaint_id)
                    .push_bind(s.detail_digest.as_str())
                    .push_bind(s.hash.as_str())
                    .push_bind(s.sealed_at);
            });
            if let Err(e) = b.build().execute(&mut *tx).await {
                if is_unique_violation(&e) {
                    // another sealer took these places (or these events)
                    return Ok(false);
                }
                return Err(e.into());
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn seals_from(
        &self,
        from_seq: i64,
        limit: u32,
    ) -> Result<Vec<(Seal, Option<Event>, bool)>, StoreError> {
        let rows: Vec<Joined> = sqlx::query_as(
            "SELECT s.seq, s.event_id, s.complaint_id, s.detail_digest, s.hash, s.sealed_at, \
             e.id AS e_id, e.complaint_id AS e_complaint_id, e.at AS e_at, e.kind AS e_kind, \
             e.actor_key_id AS e_actor_key_id, e.actor_name AS e_actor_name, \
             e.actor_role AS e_actor_role, e.status AS e_status, e.detail AS e_detail, \
             e.actor_officer_id AS e_actor_officer_id, \
             e.actor_officer_name AS e_actor_officer_name, \
             e.actor_position_id AS e_actor_position_id, e.actor_position AS e_actor_position, \
             e.acting AS e_acting, \
             (c.anonymised_at IS NOT NULL) AS anonymised \
             FROM event_seals s \
             LEFT JOIN complaint_events e ON e.id = s.event_id \
             LEFT JOIN complaints c ON c.id = s.complaint_id \
             WHERE s.seq >= $1 ORDER BY s.seq LIMIT $2",
        )
        .bind(from_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Joined::split).collect())
    }

    async fn complaint_seals(&self, complaint_id: Uuid) -> Result<Vec<(Seal, String)>, StoreError> {
        type Row = (
            i64,
            Uuid,
            Uuid,
            String,
            String,
            DateTime<Utc>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.seq, s.event_id, s.complaint_id, s.detail_digest, s.hash, s.sealed_at, \
             p.hash FROM event_seals s LEFT JOIN event_seals p ON p.seq = s.seq - 1 \
             WHERE s.complaint_id = $1 ORDER BY s.seq",
        )
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let prev = match r.6 {
                    Some(h) => h,
                    None => crate::domain::audit::GENESIS.to_string(),
                };
                (
                    Seal {
                        seq: r.0,
                        event_id: r.1,
                        complaint_id: r.2,
                        detail_digest: r.3,
                        hash: r.4,
                        sealed_at: r.5,
                    },
                    prev,
                )
            })
            .collect())
    }

    async fn add_checkpoint(&self, c: &Checkpoint) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        Ok(sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, at) VALUES ($1, $2, $3) \
             ON CONFLICT (seq) DO NOTHING",
        )
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        Ok(
            sqlx::query_as("SELECT seq, hash, at FROM audit_checkpoints ORDER BY seq")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn seal_hash(&self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_as::<_, (String,)>("SELECT hash FROM event_seals WHERE seq = $1")
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.0),
        )
    }
}
