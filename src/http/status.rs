//! Where the SP4N-LAPOR! and email integrations stand: what the API's
//! status endpoints answer and the console's LAPOR! page shows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::state::AppState;
use crate::intake::email::COUNTER_PREFIX;
use crate::intake::lapor::client::Circuit;
use crate::intake::lapor::outbound::KINDS;
use crate::intake::lapor::sync::NAME;
use crate::store::StoreError;

#[derive(Debug, Serialize, ToSchema)]
pub struct LaporStatus {
    pub enabled: bool,
    /// The LAPOR! base URL (never the token).
    pub url: Option<String>,
    pub poll_every_seconds: Option<u64>,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last poll's error; `null` when it succeeded.
    pub last_error: Option<String>,
    /// Where the next poll starts.
    pub cursor: Option<String>,
    /// Complaints imported from LAPOR! (counted in the database; beyond
    /// 100,000 by the dashboard's count, at most a few minutes old).
    pub imported_total: i64,
    /// When `imported_total` was counted.
    pub imported_total_as_of: DateTime<Utc>,
    /// Which replica holds the poll lease now (`host/pid/id`); `null` when none does.
    pub lease_holder: Option<String>,
    /// Since when it has held it.
    pub lease_since: Option<DateTime<Utc>>,
    /// When the lease runs out unless renewed (a crashed holder loses it then).
    pub lease_until: Option<DateTime<Utc>>,
    /// The last nightly reconciliation sweep over the whole listing.
    pub last_reconciled_at: Option<DateTime<Utc>>,
    /// Items waiting in quarantine.
    pub quarantined: i64,
    /// Follow-ups and re-routing requests waiting to be delivered.
    pub pending_followups: i64,
    /// Delivered.
    pub sent_followups: i64,
    /// Given up on after repeated failures or a refusal (see /api/v1/outbox?status=parked).
    pub failed_followups: i64,
    /// `closed` (working) or `open` (LAPOR! failed repeatedly; calls wait).
    pub circuit: String,
    pub circuit_retry_in_seconds: Option<u64>,
    /// LAPOR! attachments not stored yet after a failed download, waiting for
    /// their next try (they are tried for three days).
    pub attachments_waiting: i64,
    /// LAPOR! attachments given up on (the console's LAPOR! page lists them
    /// with the reason).
    pub attachments_parked: i64,
    /// Set while this replica's last poll was refused because another
    /// replica holds the poll lease: who, since when, and when the lease
    /// runs out unless renewed (a holder that stopped does not renew: this
    /// replica takes over then). `null` when polling is not blocked.
    pub blocked_by: Option<BlockedBy>,
}

/// A poll refused for the lease.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedBy {
    /// The replica holding the lease (`host/pid/id`).
    pub replica: String,
    pub since: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    /// When this replica's poll was refused.
    pub refused_at: DateTime<Utc>,
}

/// Up to this many imported complaints are counted for every status read.
const LIVE_COUNT_MAX: i64 = 100_000;

/// Where the LAPOR! integration stands (the API and the console show it).
pub async fn lapor_status(state: &AppState) -> Result<LaporStatus, StoreError> {
    let st = state.store.integration_state(NAME).await?;
    let counts = state.store.outbox_counts(KINDS).await?;
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let quarantined = state.store.count_quarantine().await?;
    let (attachments_waiting, attachments_parked) =
        state.store.count_lapor_attachments_missing().await?;
    let circuit = state.lapor.as_ref().map(|l| l.client.circuit());
    let blocked_by = match state.lapor.as_ref() {
        Some(l) => l.blocked_by().await.map(|b| BlockedBy {
            replica: b.replica,
            since: b.since,
            expires_at: b.expires_at,
            refused_at: b.refused_at,
        }),
        None => None,
    };
    let now = Utc::now();
    // a count over millions of rows takes longer than a page may: beyond
    // LIVE_COUNT_MAX the dashboard's figure (counted each minute in the
    // background) with its time
    let snapshot = state.app.dashboard(now).await?;
    let (imported_total, imported_total_as_of) =
        if snapshot.figures.lapor_total > LIVE_COUNT_MAX && snapshot.is_cached(now) {
            (snapshot.figures.lapor_total, snapshot.at)
        } else if snapshot.is_cached(now) {
            (state.store.count_lapor_complaints().await?, now)
        } else {
            (snapshot.figures.lapor_total, snapshot.at)
        };
    let lease = state
        .store
        .lease(crate::intake::lapor::sync::LEASE)
        .await?
        .filter(|l| l.until > now);
    Ok(LaporStatus {
        enabled: state.lapor.is_some(),
        url: state.settings.lapor.as_ref().map(|l| l.url.clone()),
        poll_every_seconds: state.settings.lapor.as_ref().map(|l| l.poll_secs),
        last_poll_at: st.as_ref().and_then(|s| s.last_poll_at),
        last_success_at: st.as_ref().and_then(|s| s.last_success_at),
        last_error: st.as_ref().and_then(|s| s.last_error.clone()),
        cursor: st.as_ref().and_then(|s| s.cursor.clone()),
        imported_total,
        imported_total_as_of,
        lease_holder: lease.as_ref().map(|l| l.holder.clone()),
        lease_since: lease.as_ref().and_then(|l| l.since),
        lease_until: lease.as_ref().map(|l| l.until),
        last_reconciled_at: st.as_ref().and_then(|s| s.last_reconciled_at),
        quarantined,
        pending_followups: count("pending"),
        sent_followups: count("sent"),
        failed_followups: count("parked"),
        circuit: match circuit {
            Some(Circuit::Open { .. }) => "open",
            _ => "closed",
        }
        .into(),
        circuit_retry_in_seconds: match circuit {
            Some(Circuit::Open { seconds_left }) => Some(seconds_left),
            _ => None,
        },
        attachments_waiting,
        attachments_parked,
        blocked_by,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxStatus {
    pub enabled: bool,
    pub host: Option<String>,
    pub folder: Option<String>,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last poll's error; `null` when it succeeded.
    pub last_error: Option<String>,
    /// `v<UIDVALIDITY>:<last UID handled>`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinedEmail {
    pub id: Uuid,
    pub source: String,
    pub message_id: Option<String>,
    pub reason: String,
    pub size_bytes: i64,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailStatus {
    pub mailbox: MailboxStatus,
    /// Since the start: `created`, `joined`, `auto_reply`, `bounce`, `bulk`, `duplicate`, `rejected`.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// Mail kept for inspection, newest first.
    pub quarantine: Vec<QuarantinedEmail>,
}

/// The email channel's state (also shown on the console's LAPOR! and mail page).
pub async fn email_status(state: &AppState) -> Result<EmailStatus, StoreError> {
    let st = state
        .store
        .integration_state(crate::intake::email::imap::NAME)
        .await?;
    let imap = state.settings.imap.as_ref();
    let counts = state
        .store
        .counters(COUNTER_PREFIX)
        .await?
        .into_iter()
        .map(|(k, v)| (k.trim_start_matches(COUNTER_PREFIX).to_string(), v))
        .collect();
    let quarantine = state
        .store
        .list_email_quarantine(100)
        .await?
        .into_iter()
        .map(|q| QuarantinedEmail {
            id: q.id,
            source: q.source,
            message_id: q.message_id,
            reason: q.reason,
            size_bytes: q.size_bytes,
            received_at: q.received_at,
        })
        .collect();
    Ok(EmailStatus {
        mailbox: MailboxStatus {
            enabled: imap.is_some(),
            host: imap.map(|i| i.host.clone()),
            folder: imap.map(|i| i.folder.clone()),
            last_poll_at: st.as_ref().and_then(|s| s.last_poll_at),
            last_success_at: st.as_ref().and_then(|s| s.last_success_at),
            last_error: st.as_ref().and_then(|s| s.last_error.clone()),
            cursor: st.as_ref().and_then(|s| s.cursor.clone()),
        },
        counts,
        quarantine,
    })
}
