//! The outgoing letters' agenda: numbers per year, never repeated.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use crate::store::sql::is_unique_violation;
use crate::store::{AgendaEntry, AgendaStore, StoreError};

const COLUMNS: &str = "id, year, seq, number, complaint_id, draft_id, created_at";

#[async_trait]
impl AgendaStore for Backend {
    async fn letter_for_draft(
        &self,
        complaint_id: Uuid,
        draft_id: Uuid,
        year: i32,
        number: &(dyn Fn(i64) -> String + Send + Sync),
        now: DateTime<Utc>,
    ) -> Result<AgendaEntry, StoreError> {
        for attempt in 0..200u64 {
            if attempt > 0 {
                // another writer took the number: a moment, then the next one
                let jitter = u64::from(Uuid::new_v4().as_bytes()[0] % 8);
                tokio::time::sleep(std::time::Duration::from_millis(1 + jitter)).await;
            }
            if let Some(e) = self.agenda_entry(draft_id).await? {
                return Ok(e);
            }
            let _writer = self.lock_writes().await;
            let (last,): (Option<i64>,) = sqlx::query_as(
                "SELECT CAST(MAX(seq) AS BIGINT) FROM letter_agenda WHERE year = $1",
            )
            .bind(year)
            .fetch_one(&self.pool)
            .await?;
            let seq = last.unwrap_or(0) + 1;
            let text = number(seq);
            let r = sqlx::query(&format!(
                "INSERT INTO letter_agenda ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(Uuid::now_v7())
            .bind(year)
            .bind(i32::try_from(seq).unwrap_or(i32::MAX))
            .bind(&text)
            .bind(complaint_id)
            .bind(draft_id)
            .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
            .execute(&self.pool)
            .await;
            match r {
                Ok(_) => {}
                // another replica took the number, or numbered this draft
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        self.agenda_entry(draft_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("no free letter number after 200 tries".into()))
    }

    async fn agenda_entry(&self, draft_id: Uuid) -> Result<Option<AgendaEntry>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM letter_agenda WHERE draft_id = $1"
        ))
        .bind(draft_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn agenda_of_year(&self, year: i32) -> Result<Vec<AgendaEntry>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM letter_agenda WHERE year = $1 ORDER BY seq"
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }
}
