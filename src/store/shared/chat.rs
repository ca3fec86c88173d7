//! Message channels: conversations, messages sent and their statuses.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::{Backend, insert_event};
use crate::domain::Status;
use crate::store::sql::is_unique_violation;
use crate::store::{Actor, ChatComplaint, ChatSent, ChatState, ChatStore, ChatThread, StoreError};

const SENT_COLUMNS: &str = "message_id, channel, outbox_id, part, complaint_id, purpose, \
     template, sent_at, status, status_at, error";

/// The order statuses move in; `failed` ends it.
fn rank(status: &str) -> u8 {
    match status {
        "sent" => 1,
        "delivered" => 2,
        "read" => 3,
        "failed" => 4,
        _ => 0,
    }
}

/// The timeline event of a status change worth one, by purpose.
fn event_of(purpose: &str, status: &str) -> Option<&'static str> {
    match (purpose, status) {
        ("answer", "delivered") => Some("answer_delivered"),
        ("answer", "read") => Some("answer_read"),
        ("answer", "failed") => Some("answer_delivery_failed"),
        ("staff", "failed") => Some("message_failed"),
        _ => None,
    }
}

#[async_trait]
impl ChatStore for Backend {
    async fn chat_state(&self, channel: &str, sender_tag: &str) -> Result<ChatState, StoreError> {
        let last: Option<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
            "SELECT last_inbound_at, phone FROM chat_contacts \
             WHERE channel = $1 AND sender_tag = $2",
        )
        .bind(channel)
        .bind(sender_tag)
        .fetch_optional(&self.pool)
        .await?;
        let thread: Option<(i32, Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT seq, complaint_id, opened_at FROM chat_threads \
             WHERE channel = $1 AND sender_tag = $2 ORDER BY seq DESC LIMIT 1",
        )
        .bind(channel)
        .bind(sender_tag)
        .fetch_optional(&self.pool)
        .await?;
        let thread = match thread {
            None => None,
            Some((seq, complaint_id, opened_at)) => {
                let c: Option<(String, bool)> =
                    sqlx::query_as("SELECT status, confidential FROM complaints WHERE id = $1")
                        .bind(complaint_id)
                        .fetch_optional(&self.pool)
                        .await?;
                let complaint = match c {
                    None => None,
                    Some((status, confidential)) => {
                        let status = Status::parse(&status).ok_or_else(|| {
                            StoreError::Corrupt(format!("unknown status `{status}`"))
                        })?;
                        let answered: Option<(DateTime<Utc>,)> = sqlx::query_as(
                            "SELECT at FROM answer_dispatches WHERE complaint_id = $1 \
                             ORDER BY at DESC LIMIT 1",
                        )
                        .bind(complaint_id)
                        .fetch_optional(&self.pool)
                        .await?;
                        Some(ChatComplaint {
                            status,
                            confidential,
                            answered_at: answered.map(|(a,)| a),
                        })
                    }
                };
                Some(ChatThread {
                    seq,
                    complaint_id,
                    opened_at,
                    complaint,
                })
            }
        };
        let (last_inbound_at, phone) = match last {
            None => (None, None),
            Some((at, phone)) => (
                Some(at),
                phone
                    .map(|p| self.vault.open_str(&p))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
        };
        Ok(ChatState {
            last_inbound_at,
            phone,
            thread,
        })
    }

    async fn chat_claim(
        &self,
        channel: &str,
        sender_tag: &str,
        seq: i32,
        complaint_id: Uuid,
        now: DateTime<Utc>,
        address: Option<&str>,
    ) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        let done = sqlx::query(
            "INSERT INTO chat_threads (channel, sender_tag, seq, complaint_id, opened_at, address) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(channel)
        .bind(sender_tag)
        .bind(seq)
        .bind(complaint_id)
        .bind(now.trunc_subsecs(6))
        .bind(address.map(|a| self.vault.seal_str(a)))
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn chat_address(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT address FROM chat_threads WHERE complaint_id = $1 LIMIT 1")
                .bind(complaint_id)
                .fetch_optional(&self.pool)
                .await?;
        row.and_then(|(a,)| a)
            .map(|a| self.vault.open_str(&a))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    async fn chat_set_phone(
        &self,
        channel: &str,
        sender_tag: &str,
        phone: &str,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        // the id orders the row when master keys rotate (SEALED_COLUMNS)
        sqlx::query(
            "UPDATE chat_contacts SET phone = $3, id = COALESCE(id, $4) \
             WHERE channel = $1 AND sender_tag = $2",
        )
        .bind(channel)
        .bind(sender_tag)
        .bind(self.vault.seal_str(phone))
        .bind(Uuid::now_v7())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn chat_touch(
        &self,
        channel: &str,
        sender_tag: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query(
            "INSERT INTO chat_contacts (channel, sender_tag, last_inbound_at) VALUES ($1, $2, $3) \
             ON CONFLICT (channel, sender_tag) DO UPDATE SET last_inbound_at = \
             excluded.last_inbound_at WHERE chat_contacts.last_inbound_at < excluded.last_inbound_at",
        )
        .bind(channel)
        .bind(sender_tag)
        .bind(at.trunc_subsecs(6))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn chat_record_sent(&self, s: &ChatSent) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query(&format!(
            "INSERT INTO chat_sent ({SENT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING"
        ))
        .bind(&s.message_id)
        .bind(&s.channel)
        .bind(s.outbox_id)
        .bind(s.part)
        .bind(s.complaint_id)
        .bind(&s.purpose)
        .bind(s.template)
        .bind(s.sent_at.trunc_subsecs(6))
        .bind(&s.status)
        .bind(s.status_at.trunc_subsecs(6))
        .bind(s.error.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn chat_sent_parts(&self, outbox_id: Uuid) -> Result<Vec<(i32, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT part, message_id FROM chat_sent WHERE outbox_id = $1 ORDER BY part",
        )
        .bind(outbox_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn chat_status(
        &self,
        message_id: &str,
        status: &str,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<Option<(ChatSent, bool)>, StoreError> {
        let at = at.trunc_subsecs(6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let row: Option<ChatSent> = sqlx::query_as(&format!(
            "SELECT {SENT_COLUMNS} FROM chat_sent WHERE message_id = $1"
        ))
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mut row) = row else {
            return Ok(None);
        };
        if rank(status) <= rank(&row.status) {
            return Ok(Some((row, false)));
        }
        sqlx::query(
            "UPDATE chat_sent SET status = $2, status_at = $3, error = $4 WHERE message_id = $1",
        )
        .bind(message_id)
        .bind(status)
        .bind(at)
        .bind(error)
        .execute(&mut *tx)
        .await?;
        row.status = status.to_string();
        row.status_at = at;
        row.error = error.map(str::to_string);
        if let (Some(kind), Some(cid)) = (event_of(&row.purpose, status), row.complaint_id) {
            let current: Option<(String,)> =
                sqlx::query_as("SELECT status FROM complaints WHERE id = $1")
                    .bind(cid)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(st) = current.and_then(|(s,)| Status::parse(&s)) {
                let detail = serde_json::json!({"channel": row.channel,
                    "message_id": row.message_id, "template": row.template, "error": error})
                .to_string();
                insert_event(&mut tx, cid, at, kind, &Actor::system(), st, &detail).await?;
            }
        }
        tx.commit().await?;
        Ok(Some((row, true)))
    }

    async fn chat_status_hold(
        &self,
        message_id: &str,
        status: &str,
        at: DateTime<Utc>,
        error: Option<&str>,
        window_closed: bool,
    ) -> Result<(), StoreError> {
        let _writer = self.lock_writes().await;
        sqlx::query(
            "INSERT INTO chat_status_pending (message_id, status, at, error, window_closed) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(message_id)
        .bind(status)
        .bind(at.trunc_subsecs(6))
        .bind(error)
        .bind(window_closed)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn chat_status_take(
        &self,
        message_id: &str,
    ) -> Result<Vec<(String, DateTime<Utc>, Option<String>, bool)>, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let rows: Vec<(String, DateTime<Utc>, Option<String>, bool)> = sqlx::query_as(
            "SELECT status, at, error, window_closed FROM chat_status_pending \
             WHERE message_id = $1 ORDER BY at",
        )
        .bind(message_id)
        .fetch_all(&mut *tx)
        .await?;
        if !rows.is_empty() {
            sqlx::query("DELETE FROM chat_status_pending WHERE message_id = $1")
                .bind(message_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows)
    }

    async fn chat_sent_of(&self, complaint_id: Uuid) -> Result<Vec<ChatSent>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SENT_COLUMNS} FROM chat_sent WHERE complaint_id = $1 \
             ORDER BY sent_at, part"
        ))
        .bind(complaint_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn latest_inbound_key(
        &self,
        complaint_id: Uuid,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT source_key FROM inbound_messages WHERE complaint_id = $1 \
             AND source_key LIKE $2 ORDER BY at DESC, source_key DESC LIMIT 1",
        )
        .bind(complaint_id)
        .bind(format!("{prefix}%"))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(k,)| k))
    }
}
