//! Delivery to LAPOR! through the outbox: follow-ups of answered complaints
//! and re-routing requests. Each goes with a stable idempotency key; after an
//! ambiguous failure the client looks before it posts again, so a follow-up
//! arrives exactly once — also when LAPOR! ignores the key: every delivery
//! attempt after the first looks before it posts. A 409 on a replayed key is
//! "already there": the stored follow-up is the proof. 401/403 (an expired
//! token) and 5xx are retried with backoff. The LAPOR! follow-up id is
//! recorded as proof of dispatch.

use std::sync::Arc;

use serde::Deserialize;
use uuid::Uuid;

use super::client::LaporError;
use super::sync::LaporSync;
use super::wire::RerouteRequest;
use crate::notify::{Courier, DeliveryError};
use crate::store::{
    DeliveryProof, DynStore, OUTBOX_LAPOR_FOLLOWUP, OUTBOX_LAPOR_REROUTE, OutboxItem,
};

pub const KINDS: &[&str] = &[OUTBOX_LAPOR_FOLLOWUP, OUTBOX_LAPOR_REROUTE];

#[derive(Debug, Deserialize)]
struct FollowupPayload {
    lapor_tracking_id: String,
    draft_id: Uuid,
    dispatch_id: Option<Uuid>,
    client_key: String,
}

#[derive(Debug, Deserialize)]
struct ReroutePayload {
    lapor_tracking_id: String,
    agency: String,
    reason: String,
}

/// The follow-up's last line: the complaint's number and the answer's
/// version, which the complainant can quote and we can find again.
pub fn followup_marker(tracking_number: &str, version: i32) -> String {
    format!("Nomor pengaduan: {tracking_number} (jawaban versi {version})")
}

pub struct LaporCourier {
    pub sync: Arc<LaporSync>,
    pub store: DynStore,
}

/// After this many refused tokens in a row on one entry, an error is logged
/// (an alert for whoever watches the logs); the entry is still retried.
const TOKEN_ALERT_AFTER: i32 = 3;

fn delivery_error(e: LaporError, item: &OutboxItem) -> DeliveryError {
    match e {
        // 404: no such report; 409 not ours: no longer with the agency; 400: ours to fix
        LaporError::Refused { status, body } => {
            DeliveryError::Refused(format!("LAPOR! answered {status}: {body}"))
        }
        // an expired or withdrawn token: retried with backoff (the token is read again)
        e @ LaporError::Unauthorized { .. } => {
            if item.attempts + 1 >= TOKEN_ALERT_AFTER {
                tracing::error!(outbox_id = %item.id, attempts = item.attempts + 1,
                    "LAPOR! keeps refusing the agency token: check ADUAN_LAPOR_TOKEN");
            }
            DeliveryError::Remote(e.to_string())
        }
        other => DeliveryError::Remote(other.to_string()),
    }
}

#[async_trait::async_trait]
impl Courier for LaporCourier {
    fn name(&self) -> &'static str {
        "lapor"
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        let complaint_id = item
            .complaint_id
            .ok_or_else(|| DeliveryError::Malformed("no complaint".into()))?;
        match item.kind.as_str() {
            OUTBOX_LAPOR_FOLLOWUP => {
                let p: FollowupPayload = serde_json::from_str(&item.payload)
                    .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
                let draft = self
                    .store
                    .get_draft(p.draft_id)
                    .await?
                    .ok_or_else(|| DeliveryError::Malformed("draft not found".into()))?;
                let c = self
                    .store
                    .get_complaint(complaint_id)
                    .await?
                    .ok_or_else(|| DeliveryError::Malformed("complaint not found".into()))?;
                // a line no other follow-up has: found in LAPOR!'s list when
                // it kept no Idempotency-Key (ADR 0022)
                let marker = followup_marker(&c.tracking_number, draft.version_no);
                let content = format!("{}\n\n{marker}", draft.body.trim_end());
                let f = self
                    .sync
                    .client
                    .post_followup(
                        &p.lapor_tracking_id,
                        &p.client_key,
                        &content,
                        &marker,
                        item.attempts > 0,
                    )
                    .await
                    .map_err(|e| delivery_error(e, item))?;
                Ok(Some(DeliveryProof {
                    dispatch_id: p.dispatch_id,
                    external_id: f.id.clone(),
                    complaint_id,
                    event: "lapor_followup_posted".into(),
                    detail: serde_json::json!({"lapor_followup_id": f.id,
                        "lapor_tracking_id": p.lapor_tracking_id, "draft_id": p.draft_id})
                    .to_string(),
                }))
            }
            OUTBOX_LAPOR_REROUTE => {
                let p: ReroutePayload = serde_json::from_str(&item.payload)
                    .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
                let req = RerouteRequest {
                    reason: p.reason,
                    suggested_agency: Some(p.agency),
                };
                let r = self
                    .sync
                    .client
                    .reroute(
                        &p.lapor_tracking_id,
                        &item.dedup_key,
                        &req,
                        item.attempts > 0,
                    )
                    .await
                    .map_err(|e| delivery_error(e, item))?;
                Ok(Some(DeliveryProof {
                    dispatch_id: None,
                    external_id: r.id.clone(),
                    complaint_id,
                    event: "lapor_reroute_requested".into(),
                    detail: serde_json::json!({"lapor_reroute_id": r.id,
                        "lapor_tracking_id": p.lapor_tracking_id})
                    .to_string(),
                }))
            }
            other => Err(DeliveryError::Malformed(format!("unknown kind `{other}`"))),
        }
    }
}
