//! The office's categories (issue 33).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, insert_event};
use crate::domain::Status;
use crate::domain::category::Category;
use crate::store::model::ComplaintRow;
use crate::store::sql::COMPLAINT_COLUMNS;
use crate::store::{Actor, CategoryOutcome, CategoryStore, StoreError};

#[async_trait]
impl CategoryStore for Backend {
    async fn list_categories(&self) -> Result<Vec<Category>, StoreError> {
        let rows: Vec<(String, String, bool)> =
            sqlx::query_as("SELECT key, name, active FROM categories ORDER BY name, key")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(key, name, active)| Category { key, name, active })
            .collect())
    }

    async fn add_category(&self, c: &Category) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "INSERT INTO categories (key, name, active) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(&c.key)
        .bind(&c.name)
        .bind(c.active)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn set_category_active(&self, key: &str, active: bool) -> Result<bool, StoreError> {
        let n = sqlx::query("UPDATE categories SET active = $2 WHERE key = $1")
            .bind(key)
            .bind(active)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    async fn set_complaint_category(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        category: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CategoryOutcome, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let before: Option<(i64, Option<String>, String)> =
            sqlx::query_as("SELECT version, category, status FROM complaints WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((version, was, status)) = before else {
            return Ok(CategoryOutcome::NotFound);
        };
        if expected_version.is_some_and(|v| v != version) {
            return Ok(CategoryOutcome::Stale(version));
        }
        let status = Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown status `{status}`")))?;
        let sql = format!(
            "UPDATE complaints SET category = $2, version = version + 1, updated_at = $3 \
             WHERE id = $1 RETURNING {COMPLAINT_COLUMNS}"
        );
        let row: ComplaintRow = sqlx::query_as(&sql)
            .bind(id)
            .bind(category)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let detail = serde_json::json!({"from": was, "to": category}).to_string();
        insert_event(&mut tx, id, now, "category_set", actor, status, &detail).await?;
        tx.commit().await?;
        let (c, _) = row.into_complaint(&self.vault)?;
        Ok(CategoryOutcome::Done(Box::new(c)))
    }

    async fn category_original(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT original FROM category_originals WHERE complaint_id = $1")
                .bind(complaint_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(o,)| o))
    }
}
