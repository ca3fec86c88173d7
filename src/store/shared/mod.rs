//! The one SQL implementation of the store, compiled once per backend.
//! `sqlite.rs` and `postgres.rs` each declare this folder as a child module
//! (`#[path = "shared/mod.rs"] mod shared;`) after defining `Db` (the sqlx
//! database) and `Backend` (their store type) — so every query exists once
//! in the source and is type-checked against both drivers. Each backend
//! supplies the little that differs: `insert_complaint` and `lock_writes`.

mod accounts;
mod agenda;
mod audit;
mod calendar;
mod categories;
mod chat;
mod complaints;
mod inbound;
mod keys;
mod lapor;
mod notifications;
mod org;
mod outbox;
mod privacy;
mod reports;
mod search;
mod survey;
mod vault;
mod views;
mod visits;
mod webhooks;
mod workflow;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::Status;
use crate::store::Actor;
use crate::store::sql::INSERT_EVENT;

use super::{Backend, Db};

/// The webhook deliveries of an event (`insert_event` calls it; a module
/// that writes events many rows at a time calls it per event).
use webhooks::queue_webhooks;

/// The search index's entry of a complaint (written with a registration
/// or an erasure; see `search.rs`).
pub(crate) use search::write_entry as write_search_entry;

pub(super) async fn insert_event(
    tx: &mut sqlx::Transaction<'_, Db>,
    complaint_id: Uuid,
    at: DateTime<Utc>,
    kind: &str,
    actor: &Actor,
    status: Status,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(INSERT_EVENT)
        .bind(id)
        .bind(complaint_id)
        .bind(at)
        .bind(kind)
        .bind(actor.key_id)
        .bind(&actor.name)
        .bind(actor.role.as_str())
        .bind(status.as_str())
        .bind(detail)
        .bind(actor.officer.as_ref().map(|o| o.id))
        .bind(actor.officer.as_ref().map(|o| o.name.as_str()))
        .bind(actor.officer.as_ref().and_then(|o| o.position_id))
        .bind(
            actor
                .officer
                .as_ref()
                .and_then(|o| o.position_title.as_deref()),
        )
        .bind(
            actor
                .officer
                .as_ref()
                .and_then(|o| o.acting.map(|a| a.as_str())),
        )
        .execute(&mut **tx)
        .await?;
    queue_webhooks(tx, complaint_id, id, kind, at).await?;
    Ok(())
}

/// Queues a message; its payload (addresses, names) is sealed at rest.
pub(super) async fn insert_outbox(
    tx: &mut sqlx::Transaction<'_, Db>,
    vault: &crate::vault::Vault,
    o: &crate::store::NewOutbox,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO outbox (id, kind, dedup_key, complaint_id, payload, status, \
         attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(o.id)
    .bind(&o.kind)
    .bind(&o.dedup_key)
    .bind(o.complaint_id)
    .bind(vault.seal_str(&o.payload))
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Writes an entry of the authentication audit log in `tx`.
pub(super) async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, Db>,
    e: &crate::store::AuthAudit,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO auth_audit (id, at, kind, account_id, login, actor, address, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id)
    .bind(e.at)
    .bind(&e.kind)
    .bind(e.account_id)
    .bind(&e.login)
    .bind(&e.actor)
    .bind(&e.address)
    .bind(&e.detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends every live session of the account (all when `keep` is `None`).
pub(super) async fn end_all_sessions(
    tx: &mut sqlx::Transaction<'_, Db>,
    account_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE sessions SET ended_at = $2 WHERE account_id = $1 AND ended_at IS NULL \
         AND ($3 IS NULL OR id <> $3)",
    )
    .bind(account_id)
    .bind(now)
    .bind(keep)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
