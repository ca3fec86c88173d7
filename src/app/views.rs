//! Saved views of the complaint list (issue 33): a person names a filter
//! and may pin it to the menu, with a count beside it; an admin shares a
//! view with everyone of a role.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::Role;
use crate::store::{Actor, SavedView, StoreError};

/// At most this many views of one's own.
pub const MAX_VIEWS: usize = 30;

/// What a person asks to save.
#[derive(Debug, Clone)]
pub struct NewView {
    pub name: String,
    /// The list's query string, as the list page built it.
    pub query: String,
    pub pinned: bool,
    /// Shared with everyone of this role (admins only); else one's own.
    pub role: Option<Role>,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("a view needs a name of 1 to 60 characters")]
    Name,
    #[error("the view's filter is not one of the list's")]
    Query,
    #[error("only an admin shares a view with a role")]
    NotAdmin,
    #[error("at most {MAX_VIEWS} views of one's own")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl App {
    /// The person's own views and those shared with their role.
    pub async fn views(&self, account_id: Uuid, role: Role) -> Result<Vec<SavedView>, StoreError> {
        self.store.views_for(account_id, role.as_str()).await
    }

    pub async fn save_view(
        &self,
        account_id: Uuid,
        actor: &Actor,
        v: NewView,
        now: DateTime<Utc>,
    ) -> Result<SavedView, ViewError> {
        let name = v.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(ViewError::Name);
        }
        let query = v.query.trim().trim_start_matches('?').to_string();
        if query.len() > 1000 || query.chars().any(char::is_control) {
            return Err(ViewError::Query);
        }
        if v.role.is_some() && actor.role != Role::Admin {
            return Err(ViewError::NotAdmin);
        }
        if v.role.is_none() {
            let own = self
                .store
                .views_for(account_id, "")
                .await?
                .into_iter()
                .filter(|x| x.account_id == Some(account_id))
                .count();
            if own >= MAX_VIEWS {
                return Err(ViewError::TooMany);
            }
        }
        let view = SavedView {
            id: Uuid::now_v7(),
            account_id: v.role.is_none().then_some(account_id),
            role: v.role.map(|r| r.as_str().to_string()),
            name,
            query,
            pinned: v.pinned,
            created_at: chrono::SubsecRound::trunc_subsecs(now, 6),
        };
        self.store.add_view(&view).await?;
        Ok(view)
    }

    /// Deletes one's own view, or (an admin) a shared one.
    pub async fn delete_view(
        &self,
        id: Uuid,
        account_id: Uuid,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.store
            .delete_view(id, account_id, actor.role == Role::Admin)
            .await
    }
}
