//! Bulk actions over the API (issue 33): forward, dispose, mark read — each
//! complaint as its single action would be (same rules, events, version
//! check, its own transaction); the answer lists what was done and what
//! was refused and why.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Caller;
use super::error::ApiError;
use super::extract::json_body;
use super::state::AppState;
use crate::app::bulk::{BulkAction, BulkItem, MAX_BULK, Refusal};
use crate::domain::{Status, ValidationErrors};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkTarget {
    #[schema(required = true, nullable = false)]
    pub id: Option<Uuid>,
    /// The version the caller saw: a complaint changed since is refused
    /// (`stale`). Without it, the current version is used.
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkForwardInput {
    /// The complaints (1–500; a repeated id counts once).
    #[schema(required = true, nullable = false, min_items = 1, max_items = 500)]
    pub complaints: Option<Vec<BulkTarget>>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDisposeInput {
    #[schema(required = true, nullable = false, min_items = 1, max_items = 500)]
    pub complaints: Option<Vec<BulkTarget>>,
    /// The recipient position (below the sender's), the same for all.
    #[schema(required = true, nullable = false)]
    pub to: Option<Uuid>,
    /// One of GET /api/v1/org/instructions, e.g. "siapkan jawaban".
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub instruction: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkReadInput {
    #[schema(required = true, nullable = false, min_items = 1, max_items = 500)]
    pub complaints: Option<Vec<BulkTarget>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCategoryInput {
    #[schema(required = true, nullable = false, min_items = 1, max_items = 500)]
    pub complaints: Option<Vec<BulkTarget>>,
    /// One of GET /api/v1/categories (any case); `null` removes it.
    #[serde(default, deserialize_with = "crate::api::extract::present")]
    #[schema(value_type = Option<String>, required = true, nullable = true, max_length = 80)]
    pub category: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkDone {
    pub id: Uuid,
    pub tracking_number: String,
    pub status: Status,
    /// The complaint's version after the action.
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkRefused {
    pub id: Uuid,
    /// `null` when the complaint does not exist or is not readable to the caller.
    pub tracking_number: Option<String>,
    /// `not-found`, `stale`, `forbidden`, `conflict`, `invalid` or `nothing-unread`.
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    /// In the order given.
    pub done: Vec<BulkDone>,
    pub refused: Vec<BulkRefused>,
}

fn targets(e: &mut ValidationErrors, complaints: Option<Vec<BulkTarget>>) -> Vec<BulkItem> {
    let Some(list) = complaints else {
        e.push("complaints", "is required");
        return Vec::new();
    };
    if list.is_empty() || list.len() > MAX_BULK {
        e.push("complaints", "must hold 1 to 500 complaints");
        return Vec::new();
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.into_iter().enumerate() {
        match t.id {
            Some(id) => out.push(BulkItem {
                id,
                version: t.version,
            }),
            None => e.push(format!("complaints[{i}].id"), "is required"),
        }
        if t.version.is_some_and(|v| v < 1) {
            e.push(format!("complaints[{i}].version"), "must be at least 1");
        }
    }
    out
}

fn note(e: &mut ValidationErrors, note: Option<String>) -> Option<String> {
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        e.push("note", "must be at most 2000 characters");
    }
    note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())
}

async fn run(
    state: &AppState,
    caller: &Caller,
    items: Vec<BulkItem>,
    action: BulkAction,
) -> Result<HttpResponse, ApiError> {
    let outcomes = state
        .app
        .bulk(&items, &action, caller.actor(), Utc::now())
        .await?;
    let mut done = Vec::new();
    let mut refused = Vec::new();
    for o in outcomes {
        match o.result {
            Ok(c) => done.push(BulkDone {
                id: c.id,
                tracking_number: c.tracking_number,
                status: c.status,
                version: c.version,
            }),
            Err(r) => {
                let (reason, detail) = match r {
                    Refusal::NotFound => ("not-found", "no such complaint".to_string()),
                    Refusal::Stale(v) => (
                        "stale",
                        format!("changed since it was selected: now at version {v}"),
                    ),
                    Refusal::NothingUnread => (
                        "nothing-unread",
                        "no unread disposition to a position of yours".to_string(),
                    ),
                    Refusal::Rule(e) => {
                        use crate::domain::workflow::WorkflowError as W;
                        let reason = match &e {
                            W::Forbidden(_) => "forbidden",
                            W::Invalid { .. } => "invalid",
                            W::WrongState { .. } | W::Conflict(_) => "conflict",
                        };
                        (reason, e.to_string())
                    }
                };
                refused.push(BulkRefused {
                    id: o.id,
                    tracking_number: o.tracking_number,
                    reason: reason.into(),
                    detail,
                });
            }
        }
    }
    Ok(HttpResponse::Ok().json(BulkResult { done, refused }))
}

/// Forward many complaints to the head of office at once.
#[utoipa::path(post, path = "/api/v1/complaints/bulk/forward", tag = "workflow", operation_id = "bulk_forward",
    request_body = BulkForwardInput,
    responses((status = 200, description = "What was done and what was refused, per complaint", body = BulkResult)),
    security(("bearer" = [])))]
pub async fn forward(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: BulkForwardInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let items = targets(&mut e, b.complaints);
    let note = note(&mut e, b.note);
    e.into_result(())?;
    run(&state, &caller, items, BulkAction::Forward { note }).await
}

/// Dispose many complaints to one position with one instruction.
#[utoipa::path(post, path = "/api/v1/complaints/bulk/dispose", tag = "workflow", operation_id = "bulk_dispose",
    request_body = BulkDisposeInput,
    responses((status = 200, description = "What was done and what was refused, per complaint", body = BulkResult)),
    security(("bearer" = [])))]
pub async fn dispose(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: BulkDisposeInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let items = targets(&mut e, b.complaints);
    let note = note(&mut e, b.note);
    if b.to.is_none() {
        e.push("to", "is required");
    }
    let instruction = b.instruction.unwrap_or_default().trim().to_string();
    if instruction.is_empty() {
        e.push("instruction", "is required");
    }
    e.into_result(())?;
    let to = b.to.unwrap_or_default();
    run(
        &state,
        &caller,
        items,
        BulkAction::Dispose {
            to,
            instruction,
            note,
        },
    )
    .await
}

/// Mark read every disposition to the caller's positions of many complaints.
#[utoipa::path(post, path = "/api/v1/complaints/bulk/read", tag = "workflow", operation_id = "bulk_read",
    request_body = BulkReadInput,
    responses((status = 200, description = "What was done and what was refused, per complaint", body = BulkResult)),
    security(("bearer" = [])))]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: BulkReadInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let items = targets(&mut e, b.complaints);
    e.into_result(())?;
    run(&state, &caller, items, BulkAction::Read).await
}

/// Set the category of many complaints at once (from the office's list).
#[utoipa::path(post, path = "/api/v1/complaints/bulk/category", tag = "workflow", operation_id = "bulk_category",
    request_body = BulkCategoryInput,
    responses((status = 200, description = "What was done and what was refused, per complaint", body = BulkResult)),
    security(("bearer" = [])))]
pub async fn category(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: BulkCategoryInput = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let items = targets(&mut e, b.complaints);
    // the category is checked once, before any complaint changes
    let category = match b.category {
        None => {
            e.push("category", "is required (null removes the category)");
            None
        }
        Some(given) => match state.app.check_category(given.as_deref()).await? {
            Ok(c) => c,
            Err(m) => {
                e.push("category", m);
                None
            }
        },
    };
    e.into_result(())?;
    run(&state, &caller, items, BulkAction::SetCategory { category }).await
}
