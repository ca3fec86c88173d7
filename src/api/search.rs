//! `POST /api/v1/complaints/search`: the search box for integrators (ADR
//! 0029). A POST because a query may hold a person's name, which never goes
//! into a URL (or an access log).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::dto::{ComplaintPage, ComplaintView};
use super::error::ApiError;
use super::extract::{json_body, view_context};
use super::state::AppState;
use crate::app::search::SearchError;
use crate::domain::ValidationErrors;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// A tracking number, LAPOR! tracking id or letter number (exactly); or
    /// words of the subject and body (any form of a word: "bantuan" finds
    /// "dibantu"), a phrase in double quotes, and — for the reception,
    /// liaison, privacy and admin roles — words of the complainant's name
    /// (every such search is written to the privacy audit). Every word must
    /// match.
    #[schema(
        required = true,
        nullable = false,
        max_length = 200,
        pattern = "[A-Za-z0-9]"
    )]
    pub q: Option<String>,
    /// How many (1–100, default 20).
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Find complaints by number, words or the complainant's name; best first.
#[utoipa::path(post, path = "/api/v1/complaints/search", tag = "complaints", operation_id = "search_complaints",
    request_body = SearchRequest,
    responses(
        (status = 200, description = "The complaints found, exact matches first, then by relevance (`next_cursor` is always null)", body = ComplaintPage),
    ),
    security(("bearer" = [])))]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: SearchRequest = json_body(&req, &body)?;
    let mut e = ValidationErrors::default();
    let q = b.q.unwrap_or_default();
    if q.chars().count() > crate::domain::search::MAX_QUERY {
        e.push("q", "must be at most 200 characters");
    } else if !q.chars().any(|c| c.is_ascii_alphanumeric()) {
        e.push("q", "must contain a letter or a digit");
    }
    let limit = match b.limit {
        None => 20,
        Some(n @ 1..=100) => n as u32,
        Some(_) => {
            e.push("limit", "must be between 1 and 100");
            0
        }
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let found = match state
        .app
        .search(caller.actor(), &q, limit, Utc::now())
        .await
    {
        Ok(f) => f,
        Err(SearchError::Store(e)) => return Err(e.into()),
        Err(SearchError::Empty) => {
            return Err(ApiError::field("q", "must contain a word or a number"));
        }
        Err(SearchError::TooLong) => {
            return Err(ApiError::field("q", "must be at most 200 characters"));
        }
    };
    let ctx = view_context(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(ComplaintPage {
        items: found
            .complaints
            .into_iter()
            .map(|c| ComplaintView::new(c, &ctx))
            .collect(),
        next_cursor: None,
    }))
}
