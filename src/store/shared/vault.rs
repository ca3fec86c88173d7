//! Upkeep of the encryption at rest: sealing rows from before encryption,
//! re-sealing under a new master key (rotation), counting what each key seals.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use crate::store::sql::SealedReporter;
use crate::store::{StoreError, VaultStore};

/// Columns holding values sealed by a master key, by table and uuid key.
const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    // (table, sealed column, the UUID column a page is ordered and updated by)
    ("complaints", "dek", "id"),
    ("attachments", "dek", "id"),
    ("accounts", "totp_secret", "id"),
    ("outbox", "payload", "id"),
    ("lapor_quarantine", "raw", "id"),
    ("chat_threads", "address", "complaint_id"),
    ("chat_contacts", "phone", "id"),
    ("visits", "name", "id"),
    ("visits", "phone", "id"),
    ("visits", "email", "id"),
    ("visits", "origin", "id"),
    ("visits", "assistance", "id"),
    ("visits", "note", "id"),
];

#[derive(sqlx::FromRow)]
struct LegacyReporter {
    id: Uuid,
    reporter_name: Option<String>,
    reporter_id_number: Option<String>,
    reporter_phone: Option<String>,
    reporter_email: Option<String>,
    reporter_address: Option<String>,
}

#[async_trait]
impl VaultStore for Backend {
    async fn seal_legacy_complaints(&self, limit: u32) -> Result<u64, StoreError> {
        let rows: Vec<LegacyReporter> = sqlx::query_as(
            "SELECT id, reporter_name, reporter_id_number, reporter_phone, reporter_email, \
             reporter_address FROM complaints WHERE dek IS NULL ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let _writer = self.lock_writes().await;
        let mut n = 0;
        for r in rows {
            let s = SealedReporter::new(
                &self.vault,
                &crate::domain::Reporter {
                    name: r.reporter_name,
                    id_number: r.reporter_id_number,
                    phone: r.reporter_phone,
                    email: r.reporter_email,
                    address: r.reporter_address,
                },
            );
            n += sqlx::query(
                "UPDATE complaints SET dek = $2, reporter_name = $3, reporter_id_number = $4, \
                 reporter_phone = $5, reporter_email = $6, reporter_address = $7, \
                 id_number_bidx = $8, phone_bidx = $9, email_bidx = $10 \
                 WHERE id = $1 AND dek IS NULL",
            )
            .bind(r.id)
            .bind(&s.dek)
            .bind(&s.name)
            .bind(&s.id_number)
            .bind(&s.phone)
            .bind(&s.email)
            .bind(&s.address)
            .bind(&s.id_number_bidx)
            .bind(&s.phone_bidx)
            .bind(&s.email_bidx)
            .execute(&self.pool)
            .await?
            .rows_affected();
        }
        Ok(n)
    }

    async fn legacy_attachments(
        &self,
        limit: u32,
    ) -> Result<Vec<(Uuid, Uuid, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, complaint_id, file_name FROM attachments WHERE dek IS NULL \
             ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_attachment_key(
        &self,
        id: Uuid,
        file_key: &str,
        plain_name: &str,
    ) -> Result<bool, StoreError> {
        let name = self
            .vault
            .record_key(file_key)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .encrypt("file_name", plain_name);
        let _writer = self.lock_writes().await;
        Ok(sqlx::query(
            "UPDATE attachments SET dek = $2, file_name = $3 WHERE id = $1 AND dek IS NULL",
        )
        .bind(id)
        .bind(file_key)
        .bind(name)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    async fn sealed_rows(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::new();
        for (table, column, _) in SEALED_COLUMNS {
            let (n,): (i64,) = sqlx::query_as(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL"
            ))
            .fetch_one(&self.pool)
            .await?;
            out.push((format!("{table}.{column}"), n));
        }
        Ok(out)
    }

    async fn reseal_page(
        &self,
        column: usize,
        after: Option<Uuid>,
        limit: u32,
        primary: u32,
    ) -> Result<crate::store::ResealPage, StoreError> {
        let Some((table, col, key)) = SEALED_COLUMNS.get(column) else {
            return Ok(crate::store::ResealPage::default());
        };
        let rows: Vec<(Uuid, String)> = sqlx::query_as(&format!(
            "SELECT {key}, {col} FROM {table} WHERE {col} IS NOT NULL \
             AND ($1 IS NULL OR {key} > $1) ORDER BY {key} LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut page = crate::store::ResealPage {
            seen: rows.len() as u64,
            last: rows.last().map(|r| r.0),
            ..Default::default()
        };
        let mut updates = Vec::new();
        for (id, value) in rows {
            // outbox payloads and quarantined items from before sealing stay
            // as they are here (the outbox purge and the sweep handle them)
            if !crate::vault::is_sealed(&value) {
                continue;
            }
            match self.vault.reseal(&value, primary) {
                Ok(Some(new)) => updates.push((id, value, new)),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(table = *table, id = %id, error = %e, "cannot re-seal");
                    page.failed += 1;
                }
            }
        }
        if !updates.is_empty() {
            let _writer = self.lock_writes().await;
            let mut tx = self.begin_write().await?;
            for (id, old, new) in updates {
                // compare-and-set: a row changed meanwhile is left to the next pass
                page.resealed += sqlx::query(&format!(
                    "UPDATE {table} SET {col} = $2 WHERE {key} = $1 AND {col} = $3"
                ))
                .bind(id)
                .bind(new)
                .bind(old)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
        }
        Ok(page)
    }

    async fn count_sealed_by(&self, kid: u32, short_lived: bool) -> Result<i64, StoreError> {
        let pattern = format!("x{kid}:%");
        let mut total = 0;
        let extra: &[(&str, &str)] = if short_lived {
            &[("idempotency_keys", "access_code")]
        } else {
            &[]
        };
        for (table, column) in SEALED_COLUMNS
            .iter()
            .map(|(t, c, _)| (t, c))
            .chain(extra.iter().map(|(t, c)| (t, c)))
        {
            let (n,): (i64,) = sqlx::query_as(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} LIKE $1"
            ))
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?;
            total += n;
        }
        Ok(total)
    }

    fn sealed_columns(&self) -> Vec<&'static str> {
        SEALED_COLUMNS.iter().map(|(t, _, _)| *t).collect()
    }

    async fn keyring_checks(&self) -> Result<Vec<(u32, String)>, StoreError> {
        let rows: Vec<(i32, String)> =
            sqlx::query_as("SELECT kid, check_value FROM keyring_checks ORDER BY kid")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(k, v)| {
                u32::try_from(k)
                    .map(|k| (k, v))
                    .map_err(|_| StoreError::Corrupt(format!("keyring check for key {k}")))
            })
            .collect()
    }

    async fn record_keyring_checks(
        &self,
        checks: &[(u32, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        for (kid, value) in checks {
            sqlx::query(
                "INSERT INTO keyring_checks (kid, check_value, recorded_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (kid) DO NOTHING",
            )
            .bind(i32::try_from(*kid).unwrap_or(i32::MAX))
            .bind(value)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn forget_keyring_check(&self, kid: u32) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query("DELETE FROM keyring_checks WHERE kid = $1 AND kid > 0")
            .bind(i32::try_from(kid).unwrap_or(i32::MAX))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn sample_sealed(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        for (table, column, _) in SEALED_COLUMNS {
            let rows: Vec<(String,)> = sqlx::query_as(&format!(
                "SELECT {column} FROM {table} WHERE {column} LIKE 'x%:%' LIMIT $1"
            ))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            if !rows.is_empty() {
                return Ok(rows.into_iter().map(|r| r.0).collect());
            }
        }
        Ok(Vec::new())
    }
}
