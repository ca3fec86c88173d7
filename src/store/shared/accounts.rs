//! Personal staff accounts: accounts, set-password links, sessions, TOTP and
//! recovery codes, sign-in throttling, the authentication audit log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, Db, end_all_sessions, insert_audit};
use crate::store::model::{AccountRow, ApiKeyRow};
use crate::store::sql::{API_KEY_SELECT, broken_unique, placeholders};
use crate::store::{
    Account, AccountOutcome, AccountPatch, AccountStore, ApiKey, AuthAudit, NewAccount, Session,
    StoreError, Throttle,
};

/// An account with its officer and the officer's own position.
const ACCOUNT_SELECT: &str = "SELECT a.id, a.login, a.role, a.officer_id, o.name AS officer_name, \
     o.active AS officer_active, o.position_id, p.title AS position_title, a.password_hash, \
     a.password_changed_at, a.totp_secret, a.totp_enabled, a.totp_last_step, a.active, \
     a.created_at, a.notify_email FROM accounts a LEFT JOIN officers o ON o.id = a.officer_id \
     LEFT JOIN positions p ON p.id = o.position_id";

const SESSION_COLUMNS: &str = "id, account_id, csrf_token, created_at, last_seen_at, expires_at, \
     ended_at, address, user_agent";

/// One live set-password link per account: issuing a link, using one or
/// any password change revokes the others (deleted: the audit log keeps
/// that they were issued).
async fn revoke_password_tokens(
    tx: &mut sqlx::Transaction<'_, Db>,
    account_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM password_tokens WHERE account_id = $1 AND used_at IS NULL")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Backend {
    async fn account_where(
        &self,
        clause: &str,
        bind: impl for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db> + Send,
    ) -> Result<Option<Account>, StoreError> {
        let row: Option<AccountRow> = sqlx::query_as(&format!("{ACCOUNT_SELECT} WHERE {clause}"))
            .bind(bind)
            .fetch_optional(&self.pool)
            .await?;
        row.map(AccountRow::into_account).transpose()
    }
}

#[async_trait]
impl AccountStore for Backend {
    async fn create_account(
        &self,
        a: &NewAccount,
        token: Option<(&str, DateTime<Utc>)>,
        outbox: Option<&crate::store::NewOutbox>,
        audit: &AuthAudit,
    ) -> Result<AccountOutcome, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        if let Some(officer) = a.officer_id {
            let known: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM officers WHERE id = $1")
                .bind(officer)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Ok(AccountOutcome::UnknownOfficer);
            }
        }
        let r = sqlx::query(
            "INSERT INTO accounts (id, login, role, officer_id, password_hash, \
             password_changed_at, totp_enabled, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, TRUE, $7)",
        )
        .bind(a.id)
        .bind(&a.login)
        .bind(a.role.as_str())
        .bind(a.officer_id)
        .bind(&a.password_hash)
        .bind(a.password_hash.as_ref().map(|_| a.created_at))
        .bind(a.created_at)
        .execute(&mut *tx)
        .await;
        if let Err(e) = r {
            return match broken_unique(&e, &[("accounts_login_key", "accounts.login", "login")]) {
                Some(_) => Ok(AccountOutcome::LoginTaken),
                None => Err(e.into()),
            };
        }
        if let Some((digest, expires_at)) = token {
            sqlx::query(
                "INSERT INTO password_tokens (digest, account_id, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(digest)
            .bind(a.id)
            .bind(expires_at)
            .bind(a.created_at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(o) = outbox {
            super::insert_outbox(&mut tx, &self.vault, o, a.created_at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(AccountOutcome::Done)
    }

    async fn get_account(&self, id: Uuid) -> Result<Option<Account>, StoreError> {
        self.account_where("a.id = $1", id).await
    }

    async fn find_account(&self, login: &str) -> Result<Option<Account>, StoreError> {
        self.account_where("a.login = $1", login.to_string()).await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows: Vec<AccountRow> = sqlx::query_as(&format!("{ACCOUNT_SELECT} ORDER BY a.login"))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn set_notify_email(&self, account_id: Uuid, on: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET notify_email = $2 WHERE id = $1")
            .bind(account_id)
            .bind(on)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn update_account(
        &self,
        id: Uuid,
        patch: &AccountPatch,
        audit: &AuthAudit,
    ) -> Result<Option<Account>, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE accounts SET role = COALESCE($2, role), active = COALESCE($3, active) \
             WHERE id = $1",
        )
        .bind(id)
        .bind(patch.role.map(|r| r.as_str()))
        .bind(patch.active)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(None);
        }
        if patch.active == Some(false) {
            end_all_sessions(&mut tx, id, None, audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        self.get_account(id).await
    }

    async fn add_password_token(
        &self,
        account_id: Uuid,
        digest: &str,
        expires_at: DateTime<Utc>,
        audit: &AuthAudit,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        revoke_password_tokens(&mut tx, account_id).await?;
        sqlx::query(
            "INSERT INTO password_tokens (digest, account_id, expires_at, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(digest)
        .bind(account_id)
        .bind(expires_at)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_password_token(
        &self,
        digest: &str,
        hash: &str,
        now: DateTime<Utc>,
        audit: &AuthAudit,
    ) -> Result<Option<Account>, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        // the conditional UPDATE is the claim: a link works once
        let claimed: Option<(Uuid,)> = sqlx::query_as(
            "UPDATE password_tokens SET used_at = $2 WHERE digest = $1 AND used_at IS NULL \
             AND expires_at > $2 RETURNING account_id",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((account_id,)) = claimed else {
            return Ok(None);
        };
        let live: Option<(Uuid,)> = sqlx::query_as(
            "UPDATE accounts SET password_hash = $2, password_changed_at = $3 \
             WHERE id = $1 AND active RETURNING id",
        )
        .bind(account_id)
        .bind(hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if live.is_none() {
            return Ok(None);
        }
        revoke_password_tokens(&mut tx, account_id).await?;
        end_all_sessions(&mut tx, account_id, None, now).await?;
        let mut audit = audit.clone();
        audit.account_id = Some(account_id);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        self.get_account(account_id).await
    }

    async fn set_password(
        &self,
        account_id: Uuid,
        hash: &str,
        keep_session: Option<Uuid>,
        audit: &AuthAudit,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
        )
        .bind(account_id)
        .bind(hash)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        revoke_password_tokens(&mut tx, account_id).await?;
        end_all_sessions(&mut tx, account_id, keep_session, audit.at).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn throttles(&self, scopes: &[&str]) -> Result<Vec<Throttle>, StoreError> {
        if scopes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT scope, failures, last_failure_at, locked_at FROM sign_in_throttle \
             WHERE scope IN ({})",
            placeholders(1, scopes.len())
        );
        let mut q = sqlx::query_as::<_, Throttle>(&sql);
        for s in scopes {
            q = q.bind(*s);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    async fn throttle_failed(
        &self,
        scopes: &[&str],
        lock_scope: &str,
        lock_after: i32,
        forget_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Throttle>, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        for s in scopes {
            sqlx::query(
                "INSERT INTO sign_in_throttle (scope, failures, last_failure_at) VALUES ($1, 1, $2) \
                 ON CONFLICT (scope) DO UPDATE SET \
                 failures = CASE WHEN sign_in_throttle.last_failure_at <= $3 THEN 1 \
                   ELSE sign_in_throttle.failures + 1 END, \
                 locked_at = CASE WHEN sign_in_throttle.last_failure_at <= $3 THEN NULL \
                   ELSE sign_in_throttle.locked_at END, \
                 last_failure_at = $2",
            )
            .bind(*s)
            .bind(now)
            .bind(forget_before)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE sign_in_throttle SET locked_at = $2 WHERE scope = $1 AND failures >= $3 \
             AND (locked_at IS NULL OR locked_at <= $4)",
        )
        .bind(lock_scope)
        .bind(now)
        .bind(lock_after)
        .bind(forget_before)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.throttles(scopes).await
    }

    async fn throttle_clear(
        &self,
        scopes: &[&str],
        prefix: Option<&str>,
    ) -> Result<bool, StoreError> {
        if scopes.is_empty() && prefix.is_none() {
            return Ok(false);
        }
        let _writer = self.lock_writes().await;
        let n = scopes.len();
        let mut sql = format!(
            "DELETE FROM sign_in_throttle WHERE scope IN ({})",
            if n == 0 {
                "NULL".to_string()
            } else {
                placeholders(1, n)
            }
        );
        if prefix.is_some() {
            sql.push_str(&format!(" OR substr(scope, 1, ${}) = ${}", n + 1, n + 2));
        }
        let mut q = sqlx::query(&sql);
        for s in scopes {
            q = q.bind(*s);
        }
        if let Some(p) = prefix {
            q = q
                .bind(i32::try_from(p.chars().count()).unwrap_or(i32::MAX))
                .bind(p);
        }
        Ok(q.execute(&self.pool).await?.rows_affected() > 0)
    }

    async fn create_session(
        &self,
        s: &Session,
        digest: &str,
        clear: &[&str],
        audit: &AuthAudit,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (id, digest, account_id, csrf_token, created_at, last_seen_at, \
             expires_at, address, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(s.id)
        .bind(digest)
        .bind(s.account_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(&s.address)
        .bind(&s.user_agent)
        .execute(&mut *tx)
        .await?;
        for scope in clear {
            sqlx::query("DELETE FROM sign_in_throttle WHERE scope = $1")
                .bind(*scope)
                .execute(&mut *tx)
                .await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_session(&self, digest: &str) -> Result<Option<(Session, Account)>, StoreError> {
        let s: Option<Session> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE digest = $1 AND ended_at IS NULL"
        ))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        let Some(s) = s else {
            return Ok(None);
        };
        Ok(self.get_account(s.account_id).await?.map(|a| (s, a)))
    }

    async fn touch_session(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn end_session(
        &self,
        account_id: Uuid,
        id: Uuid,
        audit: &AuthAudit,
    ) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE sessions SET ended_at = $3 WHERE id = $1 AND account_id = $2 \
             AND ended_at IS NULL",
        )
        .bind(id)
        .bind(account_id)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn list_sessions(&self, account_id: Uuid) -> Result<Vec<Session>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE account_id = $1 AND ended_at IS NULL \
             ORDER BY created_at DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_pending_totp(&self, account_id: Uuid, sealed: &str) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query("UPDATE accounts SET totp_secret = $2 WHERE id = $1 AND NOT totp_enabled")
            .bind(account_id)
            .bind(sealed)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn enable_totp(
        &self,
        account_id: Uuid,
        step: i64,
        recovery_digests: &[String],
        audit: &AuthAudit,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET totp_enabled = TRUE, totp_last_step = $2 WHERE id = $1")
            .bind(account_id)
            .bind(step)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        for d in recovery_digests {
            sqlx::query("INSERT INTO recovery_codes (account_id, digest) VALUES ($1, $2)")
                .bind(account_id)
                .bind(d)
                .execute(&mut *tx)
                .await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn disable_totp(&self, account_id: Uuid, audit: &AuthAudit) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE accounts SET totp_enabled = FALSE, totp_secret = NULL, totp_last_step = NULL \
             WHERE id = $1",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_totp_step(&self, account_id: Uuid, step: i64) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        let r = sqlx::query(
            "UPDATE accounts SET totp_last_step = $2 WHERE id = $1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(account_id)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn use_recovery_code(
        &self,
        account_id: Uuid,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        let r = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND digest = $2 \
             AND used_at IS NULL",
        )
        .bind(account_id)
        .bind(digest)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn count_recovery_codes(&self, account_id: Uuid) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    async fn audit(&self, entry: &AuthAudit) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_audit(
        &self,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<AuthAudit>, StoreError> {
        let cols = "id, at, kind, account_id, login, actor, address, detail";
        let rows = match before {
            Some((at, id)) => {
                sqlx::query_as(&format!(
                    "SELECT {cols} FROM auth_audit WHERE at < $1 OR (at = $1 AND id < $2) \
                     ORDER BY at DESC, id DESC LIMIT $3"
                ))
                .bind(at)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(&format!(
                    "SELECT {cols} FROM auth_audit ORDER BY at DESC, id DESC LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows)
    }

    async fn officer_keys(&self, officer_id: Uuid) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(&format!(
            "{API_KEY_SELECT} WHERE k.officer_id = $1 ORDER BY k.created_at DESC"
        ))
        .bind(officer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ApiKeyRow::into_key).collect()
    }
}
