//! Who has read which notification (issue 33).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, Db};
use crate::store::sql::EVENT_COLUMNS;
use crate::store::{Event, NotificationStore, StoreError};

#[async_trait]
impl NotificationStore for Backend {
    async fn events_of(
        &self,
        complaint_ids: &[Uuid],
        kinds: &[&str],
        since: DateTime<Utc>,
    ) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        if kinds.is_empty() {
            return Ok(out);
        }
        for chunk in complaint_ids.chunks(200) {
            let mut b = sqlx::QueryBuilder::<Db>::new(format!(
                "SELECT {EVENT_COLUMNS} FROM complaint_events WHERE complaint_id IN ("
            ));
            let mut list = b.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            b.push(") AND kind IN (");
            let mut list = b.separated(", ");
            for k in kinds {
                list.push_bind(*k);
            }
            b.push(") AND at >= ");
            b.push_bind(since);
            b.push(" ORDER BY id");
            out.extend(b.build_query_as::<Event>().fetch_all(&self.pool).await?);
        }
        Ok(out)
    }

    async fn read_notifications(
        &self,
        account_id: Uuid,
        event_ids: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut out = Vec::new();
        for chunk in event_ids.chunks(500) {
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "SELECT event_id FROM notification_reads WHERE account_id = ",
            );
            b.push_bind(account_id);
            b.push(" AND event_id IN (");
            let mut list = b.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            b.push(")");
            let rows: Vec<(Uuid,)> = b.build_query_as().fetch_all(&self.pool).await?;
            out.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(out)
    }

    async fn mark_notifications_read(
        &self,
        account_id: Uuid,
        event_ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for chunk in event_ids.chunks(300) {
            if chunk.is_empty() {
                continue;
            }
            let mut b = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO notification_reads (account_id, event_id, read_at) ",
            );
            b.push_values(chunk, |mut row, id| {
                row.push_bind(account_id).push_bind(*id).push_bind(at);
            });
            b.push(" ON CONFLICT (account_id, event_id) DO NOTHING");
            b.build().execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn prune_notification_reads(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM notification_reads WHERE read_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
