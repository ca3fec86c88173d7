//! Inbound messages (email replies), counters and the email quarantine.

use async_trait::async_trait;
use uuid::Uuid;

use super::Backend;
use crate::store::{Complaint, StoreError};

use crate::store::InboundStore;

#[async_trait]
impl InboundStore for Backend {
    async fn record_inbound(
        &self,
        m: crate::store::InboundMessage<'_>,
    ) -> Result<Option<Complaint>, StoreError> {
        self.lp_record_inbound(m).await
    }

    async fn find_inbound(&self, source_key: &str) -> Result<Option<Uuid>, StoreError> {
        let row: Option<(Uuid,)> =
            sqlx::query_as("SELECT complaint_id FROM inbound_messages WHERE source_key = $1")
                .bind(source_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id,)| id))
    }

    async fn first_inbound(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT source_key FROM inbound_messages WHERE complaint_id = $1 \
             ORDER BY at, source_key LIMIT 1",
        )
        .bind(complaint_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(k,)| k))
    }

    async fn bump_counter(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO intake_counters (name, count) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET count = intake_counters.count + 1",
        )
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn counters(&self, prefix: &str) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, count FROM intake_counters WHERE name LIKE $1 ORDER BY name",
        )
        .bind(format!("{prefix}%"))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn quarantine_email(&self, q: &crate::store::EmailQuarantine) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO email_quarantine (id, source, message_id, reason, size_bytes, raw, \
             received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(q.id)
        .bind(&q.source)
        .bind(q.message_id.as_deref())
        .bind(&q.reason)
        .bind(q.size_bytes)
        // the raw message holds the sender's address and name: sealed
        .bind(self.vault.seal(&q.raw).into_bytes())
        .bind(chrono::SubsecRound::trunc_subsecs(q.received_at, 6))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_email_quarantine(
        &self,
        limit: u32,
    ) -> Result<Vec<crate::store::EmailQuarantine>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source, message_id, reason, size_bytes, raw, received_at \
             FROM email_quarantine ORDER BY received_at DESC, id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|mut q: crate::store::EmailQuarantine| {
            q.raw = Vec::new();
            q
        })
        .collect())
    }
}
