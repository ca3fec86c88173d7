//! The evaluation reports' day tallies (ADR 0021): what the report job
//! reads to know which days to count again, and the tallies it writes.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Backend, Db};
use crate::store::sql::OPEN_STATUS;
use crate::store::{ReportRefresh, ReportStore, StoreError};

#[async_trait]
impl ReportStore for Backend {
    async fn earliest_received(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_as::<_, (DateTime<Utc>,)>(
            "SELECT received_at FROM complaints ORDER BY received_at LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.0))
    }

    async fn report_touched(
        &self,
        event_from: Uuid,
        due_from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let mut out: Vec<(DateTime<Utc>,)> = sqlx::query_as(
            "SELECT DISTINCT c.received_at FROM complaint_events e \
             JOIN complaints c ON c.id = e.complaint_id WHERE e.id >= $1",
        )
        .bind(event_from)
        .fetch_all(&self.pool)
        .await?;
        let due: Vec<(DateTime<Utc>,)> = sqlx::query_as(&format!(
            "SELECT received_at FROM complaints WHERE {OPEN_STATUS} AND paused_at IS NULL \
             AND due_at >= $1 AND due_at < $2"
        ))
        .bind(due_from)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        out.extend(due);
        Ok(out.into_iter().map(|r| r.0).collect())
    }

    async fn replace_report_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        rows: &[(String, NaiveDate, String, String)],
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM report_days WHERE day >= $1 AND day <= $2")
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        for chunk in rows.chunks(500) {
            let mut b =
                sqlx::QueryBuilder::<Db>::new("INSERT INTO report_days (dim, day, key, tally) ");
            b.push_values(chunk, |mut v, (dim, day, key, tally)| {
                v.push_bind(dim)
                    .push_bind(*day)
                    .push_bind(key)
                    .push_bind(tally);
            });
            b.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn report_days(
        &self,
        dim: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT day, key, tally FROM report_days \
             WHERE dim = $1 AND day >= $2 AND day <= $3 ORDER BY day, key",
        )
        .bind(dim)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn report_refresh(&self) -> Result<Option<ReportRefresh>, StoreError> {
        Ok(sqlx::query_as::<_, (Uuid, DateTime<Utc>, DateTime<Utc>)>(
            "SELECT event_from, refreshed_at, full_at FROM report_refresh WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|(event_from, refreshed_at, full_at)| ReportRefresh {
            event_from,
            refreshed_at,
            full_at,
        }))
    }

    async fn save_report_refresh(&self, r: &ReportRefresh) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query(
            "INSERT INTO report_refresh (id, event_from, refreshed_at, full_at) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
             event_from = excluded.event_from, refreshed_at = excluded.refreshed_at, \
             full_at = excluded.full_at",
        )
        .bind(r.event_from)
        .bind(r.refreshed_at)
        .bind(r.full_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn overdue_ageing(
        &self,
        now: DateTime<Utc>,
        cutoffs: &[DateTime<Utc>],
    ) -> Result<(u64, Vec<u64>), StoreError> {
        let mut b = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*)");
        for c in cutoffs {
            b.push(", COALESCE(SUM(CASE WHEN due_at < ")
                .push_bind(*c)
                .push(" THEN 1 ELSE 0 END), 0)");
        }
        // read in the order of `complaints_open_due` (due_at, id): without
        // the order PostgreSQL, which judges "due before now" from the
        // statistics of every complaint (most of them closed and long past
        // due), expected 110,000 late ones at 10 M and went parallel for 300
        // (20–60 ms instead of 0.5)
        b.push(format!(
            " FROM (SELECT due_at FROM complaints \
               WHERE {OPEN_STATUS} AND paused_at IS NULL AND due_at < "
        ))
        .push_bind(now)
        .push(" ORDER BY due_at) late");
        let row = b.build().fetch_one(&self.pool).await?;
        use sqlx::Row;
        let n =
            |i: usize| -> Result<u64, StoreError> { Ok(row.try_get::<i64, _>(i)?.max(0) as u64) };
        let late = n(0)?;
        let at_least = (1..=cutoffs.len()).map(n).collect::<Result<Vec<_>, _>>()?;
        Ok((late, at_least))
    }
}
