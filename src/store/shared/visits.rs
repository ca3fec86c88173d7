//! The guest book (issue 35): visits, their numbers per office day, their
//! states. Who came is sealed by the master key.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use uuid::Uuid;

use super::Backend;
use crate::domain::visit::{Priority, Purpose, VisitState};
use crate::store::sql::is_unique_violation;
use crate::store::{NewVisitRow, StoreError, Visit, VisitStore};

const COLUMNS: &str = "id, day, seq, arrived_at, name, phone, email, origin, purpose, \
     position_id, priority, assistance, note, state, served_by, started_at, finished_at, \
     escalated_at, complaint_id, created_by, version";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    day: NaiveDate,
    seq: i32,
    arrived_at: DateTime<Utc>,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    origin: Option<String>,
    purpose: String,
    position_id: Option<Uuid>,
    priority: Option<String>,
    assistance: Option<String>,
    note: Option<String>,
    state: String,
    served_by: Option<String>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    escalated_at: Option<DateTime<Utc>>,
    complaint_id: Option<Uuid>,
    created_by: String,
    version: i64,
}

impl Backend {
    fn open_visit(&self, r: Row) -> Result<Visit, StoreError> {
        let open = |v: String| {
            self.vault
                .open_str(&v)
                .map_err(|e| StoreError::Corrupt(format!("a visit's sealed value: {e}")))
        };
        let opt = |v: Option<String>| v.map(open).transpose();
        Ok(Visit {
            id: r.id,
            day: r.day,
            seq: r.seq,
            arrived_at: r.arrived_at,
            name: open(r.name)?,
            phone: opt(r.phone)?,
            email: opt(r.email)?,
            origin: opt(r.origin)?,
            purpose: Purpose::parse(&r.purpose)
                .ok_or_else(|| StoreError::Corrupt(format!("a visit's purpose `{}`", r.purpose)))?,
            position_id: r.position_id,
            priority: r.priority.as_deref().and_then(Priority::parse),
            assistance: opt(r.assistance)?,
            note: opt(r.note)?,
            state: VisitState::parse(&r.state)
                .ok_or_else(|| StoreError::Corrupt(format!("a visit's state `{}`", r.state)))?,
            served_by: r.served_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
            escalated_at: r.escalated_at,
            complaint_id: r.complaint_id,
            created_by: r.created_by,
            version: r.version,
        })
    }
}

#[async_trait]
impl VisitStore for Backend {
    async fn insert_visit(&self, n: &NewVisitRow<'_>) -> Result<Visit, StoreError> {
        let v = n.visit;
        let seal = |s: &Option<String>| s.as_deref().map(|x| self.vault.seal_str(x));
        let arrived = n.arrived_at.trunc_subsecs(6);
        for _ in 0..20 {
            if let Some(key) = n.form_key {
                let seen: Option<(Uuid,)> =
                    sqlx::query_as("SELECT id FROM visits WHERE form_key = $1")
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?;
                if let Some((id,)) = seen {
                    return self
                        .get_visit(id)
                        .await?
                        .ok_or_else(|| StoreError::Corrupt("a visit just read".into()));
                }
            }
            let _writer = self.lock_writes().await;
            let (next,): (i64,) = sqlx::query_as(
                "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM visits WHERE day = $1",
            )
            .bind(n.day)
            .fetch_one(&self.pool)
            .await?;
            let done = sqlx::query(&format!(
                "INSERT INTO visits ({COLUMNS}, form_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                 $9, $10, $11, $12, $13, 'waiting', NULL, NULL, NULL, NULL, NULL, $14, 1, $15)"
            ))
            .bind(n.id)
            .bind(n.day)
            .bind(i32::try_from(next).unwrap_or(i32::MAX))
            .bind(arrived)
            .bind(self.vault.seal_str(&v.name))
            .bind(seal(&v.phone))
            .bind(seal(&v.email))
            .bind(seal(&v.origin))
            .bind(v.purpose.as_str())
            .bind(v.position_id)
            .bind(v.priority.map(|p| p.as_str()))
            .bind(seal(&v.assistance))
            .bind(seal(&v.note))
            .bind(n.created_by)
            .bind(n.form_key)
            .execute(&self.pool)
            .await;
            match done {
                Ok(_) => {
                    return self
                        .get_visit(n.id)
                        .await?
                        .ok_or_else(|| StoreError::Corrupt("a visit just written".into()));
                }
                // another replica took this number (or sent this form): look again
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Corrupt(
            "no visit number free after 20 tries".into(),
        ))
    }

    async fn get_visit(&self, id: Uuid) -> Result<Option<Visit>, StoreError> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM visits WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| self.open_visit(r)).transpose()
    }

    async fn visits_on(&self, day: NaiveDate) -> Result<Vec<Visit>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM visits WHERE day = $1 ORDER BY CASE WHEN priority IS NULL THEN 1 ELSE 0 END, arrived_at, seq"
        ))
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_visit(r)).collect()
    }

    async fn waiting_visits(&self, since: DateTime<Utc>) -> Result<Vec<Visit>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM visits WHERE state = 'waiting' AND arrived_at >= $1 ORDER BY arrived_at LIMIT 500"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.open_visit(r)).collect()
    }

    async fn set_visit_state(
        &self,
        id: Uuid,
        version: i64,
        state: VisitState,
        served_by: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Visit>, StoreError> {
        let Some(current) = self.get_visit(id).await? else {
            return Ok(None);
        };
        if current.version != version || !current.state.may_become(state) {
            return Ok(None);
        }
        let now = now.trunc_subsecs(6);
        let _writer = self.lock_writes().await;
        let (started, finished) = match state {
            VisitState::Serving => (Some(now), None),
            _ => (current.started_at, Some(now)),
        };
        let moved = sqlx::query(
            "UPDATE visits SET state = $3, served_by = COALESCE($4, served_by), \
             started_at = $5, finished_at = $6, version = version + 1 \
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .bind(state.as_str())
        .bind(served_by)
        .bind(started)
        .bind(finished)
        .execute(&self.pool)
        .await?
        .rows_affected();
        drop(_writer);
        if moved == 0 {
            return Ok(None);
        }
        self.get_visit(id).await
    }

    async fn mark_visit_escalated(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        Ok(sqlx::query(
            "UPDATE visits SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL \
             AND state = 'waiting'",
        )
        .bind(id)
        .bind(now.trunc_subsecs(6))
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    async fn link_visit_complaint(&self, id: Uuid, complaint_id: Uuid) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        Ok(sqlx::query(
            "UPDATE visits SET complaint_id = $2, version = version + 1 \
             WHERE id = $1 AND complaint_id IS NULL",
        )
        .bind(id)
        .bind(complaint_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    async fn purge_visits(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let _writer = self.lock_writes().await;
        Ok(sqlx::query("DELETE FROM visits WHERE arrived_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn visit_facts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<crate::domain::visit::VisitFact>, StoreError> {
        type FactRow = (
            NaiveDate,
            String,
            Option<Uuid>,
            Option<String>,
            String,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<FactRow> = sqlx::query_as(
            "SELECT day, purpose, position_id, priority, state, arrived_at, started_at \
             FROM visits WHERE day >= $1 AND day <= $2 ORDER BY day, seq",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(crate::domain::visit::VisitFact {
                    day: r.0,
                    purpose: Purpose::parse(&r.1).ok_or_else(|| {
                        StoreError::Corrupt(format!("a visit's purpose `{}`", r.1))
                    })?,
                    position_id: r.2,
                    priority: r.3.is_some(),
                    state: VisitState::parse(&r.4)
                        .ok_or_else(|| StoreError::Corrupt(format!("a visit's state `{}`", r.4)))?,
                    arrived_at: r.5,
                    started_at: r.6,
                })
            })
            .collect()
    }

    async fn erase_visit(&self, id: Uuid) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        Ok(sqlx::query(
            "UPDATE visits SET name = $2, phone = NULL, email = NULL, origin = NULL, \
             assistance = NULL, note = NULL, version = version + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(self.vault.seal_str(crate::domain::visit::ERASED_NAME))
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }
}
