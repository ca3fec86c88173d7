//! Saved views of the complaint list (issue 33).

use async_trait::async_trait;
use uuid::Uuid;

use super::Backend;
use crate::store::{SavedView, StoreError, ViewStore};

#[async_trait]
impl ViewStore for Backend {
    async fn views_for(&self, account_id: Uuid, role: &str) -> Result<Vec<SavedView>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, role, name, query, pinned, created_at FROM saved_views \
             WHERE account_id = $1 OR role = $2 ORDER BY name, id",
        )
        .bind(account_id)
        .bind(role)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn add_view(&self, v: &SavedView) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO saved_views (id, account_id, role, name, query, pinned, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(v.id)
        .bind(v.account_id)
        .bind(&v.role)
        .bind(&v.name)
        .bind(&v.query)
        .bind(v.pinned)
        .bind(v.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_view(
        &self,
        id: Uuid,
        account_id: Uuid,
        admin: bool,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "DELETE FROM saved_views WHERE id = $1 \
             AND (account_id = $2 OR (role IS NOT NULL AND $3))",
        )
        .bind(id)
        .bind(account_id)
        .bind(admin)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }
}
