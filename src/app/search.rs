//! The search box (ADR 0029): a tracking number, LAPOR! id or letter
//! number exactly; otherwise words of the subject and body (stemmed) and,
//! for roles that may look people up, words of the complainant's name —
//! every such search written to the privacy audit.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::search::{MAX_QUERY, Query, Term};
use crate::store::{
    Actor, Complaint, PrivacyAudit, SearchBacklog, SearchQuery, SearchTerm, StoreError,
};

/// What a search found, for the page or the API to show.
#[derive(Debug, Clone)]
pub struct Found {
    /// Exact matches first, then by rank.
    pub complaints: Vec<Complaint>,
    /// The query as read (the words to highlight).
    pub query: Query,
    /// Whether names were searched (and the search audited).
    pub names_searched: bool,
}

/// Why a query cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the query is empty")]
    Empty,
    #[error("the query is longer than {MAX_QUERY} characters")]
    TooLong,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The reason written to the privacy audit for a search by name.
pub const AUDIT_REASON: &str = "pencarian nama pelapor di kotak pencarian";

impl App {
    /// Searches for `text` as `actor` may (see the module). At most `limit`
    /// complaints (1..=100).
    pub async fn search(
        &self,
        actor: &Actor,
        text: &str,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Found, SearchError> {
        if text.chars().count() > MAX_QUERY {
            return Err(SearchError::TooLong);
        }
        let query = Query::parse(text);
        if query.exact.is_empty() || (query.terms.is_empty() && query.exact.len() < 3) {
            return Err(SearchError::Empty);
        }
        let limit = limit.clamp(1, 100);
        let exact = self
            .store
            .find_exact(&query.exact.to_uppercase(), &query.exact)
            .await?;
        // a number that names a complaint is the answer: no word or name
        // search behind it (and nothing to audit)
        let names_searched =
            exact.is_empty() && actor.role.may_search_people() && !query.terms.is_empty();
        let mut seen: std::collections::HashSet<Uuid> = exact.iter().map(|c| c.id).collect();
        let mut complaints = exact;
        if complaints.is_empty() && !query.terms.is_empty() {
            let terms = query
                .terms
                .iter()
                .map(|t| {
                    let (stems, names) = match t {
                        Term::Word { stems, name } => (
                            stems.iter().map(|s| vec![s.clone()]).collect(),
                            vec![name.clone()],
                        ),
                        Term::Phrase { stems, names } => (vec![stems.clone()], names.clone()),
                    };
                    SearchTerm {
                        stems,
                        names: if names_searched {
                            names.iter().map(|n| self.vault.name_tag(n)).collect()
                        } else {
                            Vec::new()
                        },
                    }
                })
                .collect();
            let found = self
                .store
                .search(&SearchQuery {
                    terms,
                    limit: limit + 10,
                })
                .await?;
            complaints.extend(found.into_iter().filter(|c| seen.insert(c.id)));
        }
        if !actor.role.can_read_all_complaints() {
            complaints.retain(|c| c.created_by.is_some() && c.created_by == actor.key_id);
        }
        let mut complaints = self.readable(actor, complaints, now).await?;
        complaints.truncate(limit as usize);
        if names_searched {
            let subject: Vec<serde_json::Value> = query
                .names()
                .iter()
                .map(|n| serde_json::json!({"kind": "name_word", "bidx": self.vault.name_tag(n)}))
                .collect();
            let ids: Vec<Uuid> = complaints.iter().map(|c| c.id).collect();
            self.store
                .add_privacy_audit(&PrivacyAudit {
                    id: Uuid::now_v7(),
                    at: now,
                    action: "search".into(),
                    actor_key_id: actor.key_id,
                    actor_name: actor.name.clone(),
                    actor_role: actor.role.as_str().into(),
                    reason: AUDIT_REASON.into(),
                    subject: serde_json::Value::from(subject).to_string(),
                    complaint_ids: serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()),
                })
                .await?;
        }
        Ok(Found {
            complaints,
            query,
            names_searched,
        })
    }

    /// Indexes the complaints registered before the search index existed,
    /// page by page (started at boot and by housekeeping; stops for good
    /// once done).
    pub async fn index_search_backlog(&self) -> Result<u64, StoreError> {
        index_backlog(self.store.as_ref()).await
    }
}

/// See [`App::index_search_backlog`]: the complaints from before the index
/// get their entry, then the entries from before the word pairs (migration
/// 0037) get their pairs and month (the first walk's new entries have them
/// already); the search uses the pairs once the second walk is done.
pub async fn index_backlog(store: &dyn crate::store::Store) -> Result<u64, StoreError> {
    Ok(walk(store, SearchBacklog::Entries).await? + walk(store, SearchBacklog::Pairs).await?)
}

/// One backlog, page by page, remembering where it stands; `done` once
/// finished, after which it does nothing.
async fn walk(store: &dyn crate::store::Store, backlog: SearchBacklog) -> Result<u64, StoreError> {
    let mut cursor = match store.search_backlog_cursor(backlog).await? {
        Some(c) if c == "done" => return Ok(0),
        Some(c) => c.parse::<Uuid>().ok(),
        None => None,
    };
    let mut pages = 0u64;
    loop {
        let next = match backlog {
            SearchBacklog::Entries => store.index_backlog(cursor, 500).await?,
            SearchBacklog::Pairs => store.pair_backlog(cursor, 2000).await?,
        };
        let Some(last) = next else { break };
        cursor = Some(last);
        pages += 1;
        store
            .set_search_backlog_cursor(backlog, &last.to_string())
            .await?;
    }
    store.set_search_backlog_cursor(backlog, "done").await?;
    if pages > 0 {
        match backlog {
            SearchBacklog::Entries => {
                tracing::info!(pages, "complaints from before the search index indexed")
            }
            SearchBacklog::Pairs => tracing::info!(pages, "search entries given their word pairs"),
        }
    }
    Ok(pages)
}
