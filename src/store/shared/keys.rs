//! API keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use crate::store::model::ApiKeyRow;
use crate::store::sql::API_KEY_SELECT;
use crate::store::{ApiKey, StoreError};

use crate::store::KeyStore;

#[async_trait]
impl KeyStore for Backend {
    async fn insert_api_key(&self, key: &ApiKey, digest: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (id, name, role, hint, digest, created_at, officer_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id)
        .bind(&key.name)
        .bind(key.role.as_str())
        .bind(&key.hint)
        .bind(digest)
        .bind(key.created_at)
        .bind(key.officer.as_ref().map(|o| o.id))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(&format!("{API_KEY_SELECT} ORDER BY k.id"))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(ApiKeyRow::into_key).collect()
    }

    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let r =
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(at)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn find_api_key(&self, digest: &str) -> Result<Option<ApiKey>, StoreError> {
        let row: Option<ApiKeyRow> = sqlx::query_as(&format!(
            "{API_KEY_SELECT} WHERE k.digest = $1 AND k.revoked_at IS NULL \
             AND (k.officer_id IS NULL OR o.active)"
        ))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        row.map(ApiKeyRow::into_key).transpose()
    }

    async fn credential_generation(&self) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT n FROM credential_generation WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}
