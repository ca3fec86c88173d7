//! The office's categories, a managed list (issue 33; `domain::category`):
//! the admin keeps it; people and API clients choose from it; what a
//! registration brings is written as the list spells it; an SP4N-LAPOR!
//! topic the list does not know leaves the complaint without a category
//! (never refused) and its topic in the import notes, for the liaison
//! officer to categorise, one by one or in bulk.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use super::groupcommit::Registration;
use crate::domain::category::{self, Category};
use crate::domain::{Channel, Role};
use crate::store::{Actor, CategoryOutcome, StoreError};

/// How long a replica trusts the list it read (another replica's change
/// shows within this).
const FRESH: Duration = Duration::from_secs(30);

/// The list as last read.
#[derive(Default)]
pub struct CategoryCache(Mutex<Option<(Instant, Arc<Vec<Category>>)>>);

#[derive(Debug, thiserror::Error)]
pub enum CategoryError {
    #[error("{0}")]
    Name(&'static str),
    #[error("a category with this name exists")]
    Exists,
    #[error("no such category")]
    Unknown,
    #[error("only an admin edits the list of categories")]
    NotAdmin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a complaint's category was not set.
#[derive(Debug, thiserror::Error)]
pub enum SetCategoryError {
    #[error("`{0}` is not one of the office's categories")]
    NotInList(String),
    #[error(
        "setting the category is for reception, the liaison officer, the head, an admin or whoever holds the complaint"
    )]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl App {
    /// Every category, active or not (cached for a few seconds).
    pub async fn categories(&self) -> Result<Arc<Vec<Category>>, StoreError> {
        if let Ok(g) = self.categories.0.lock()
            && let Some((at, list)) = g.as_ref()
            && at.elapsed() < FRESH
        {
            return Ok(list.clone());
        }
        let list = Arc::new(self.store.list_categories().await?);
        if let Ok(mut g) = self.categories.0.lock() {
            *g = Some((Instant::now(), list.clone()));
        }
        Ok(list)
    }

    fn forget_categories(&self) {
        if let Ok(mut g) = self.categories.0.lock() {
            *g = None;
        }
    }

    /// The list's spelling of `given`, or `Err(message)` for the field
    /// (free text is refused). `None` stays `None`.
    pub async fn check_category(
        &self,
        given: Option<&str>,
    ) -> Result<Result<Option<String>, String>, StoreError> {
        let Some(given) = given.filter(|g| !g.trim().is_empty()) else {
            return Ok(Ok(None));
        };
        let list = self.categories().await?;
        Ok(match category::resolve(&list, given) {
            Some(c) => Ok(Some(c.name.clone())),
            None => Err(format!(
                "`{}` is not one of the office's categories (GET /api/v1/categories lists them)",
                given.chars().take(80).collect::<String>()
            )),
        })
    }

    /// Writes a registration's category as the list spells it; one the
    /// list does not know is dropped, kept in the intake notes (an import
    /// from SP4N-LAPOR! is matched by its topic path or its last part).
    /// The office's category a LAPOR! topic maps to (as at import).
    pub async fn lapor_category(&self, given: &str) -> Result<Option<String>, StoreError> {
        let list = self.categories().await?;
        Ok(category::resolve_lapor(&list, given).map(|c| c.name.clone()))
    }

    pub(crate) async fn categorise(&self, r: &mut Registration) -> Result<(), StoreError> {
        let Some(given) = r.complaint.category.clone() else {
            return Ok(());
        };
        let list = self.categories().await?;
        let found = if r.complaint.channel == Channel::Lapor {
            category::resolve_lapor(&list, &given)
        } else {
            category::resolve(&list, &given)
        };
        match found {
            Some(c) => r.complaint.category = Some(c.name.clone()),
            None => {
                r.complaint.category = None;
                let intake = r.intake.get_or_insert_with(|| serde_json::json!({}));
                if let Some(map) = intake.as_object_mut() {
                    map.insert("category_original".into(), serde_json::json!(given));
                    if r.complaint.channel == Channel::Lapor {
                        let note = format!(
                            "Topik di SP4N-LAPOR!: {given} — belum ada dalam daftar kategori kantor; tetapkan kategorinya."
                        );
                        match map.get_mut("import_notes").and_then(|n| n.as_array_mut()) {
                            Some(notes) => notes.push(serde_json::json!(note)),
                            None => {
                                map.insert("import_notes".into(), serde_json::json!([note]));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds a category to the list (admins).
    pub async fn add_category(&self, actor: &Actor, name: &str) -> Result<Category, CategoryError> {
        if actor.role != Role::Admin {
            return Err(CategoryError::NotAdmin);
        }
        let name = category::clean_name(name).map_err(CategoryError::Name)?;
        let c = Category {
            key: category::key(&name),
            name,
            active: true,
        };
        if !self.store.add_category(&c).await? {
            return Err(CategoryError::Exists);
        }
        self.forget_categories();
        tracing::info!(category = %c.key, "category added");
        Ok(c)
    }

    /// Offers a category again, or no more (admins); old complaints keep it.
    pub async fn set_category_active(
        &self,
        actor: &Actor,
        key: &str,
        active: bool,
    ) -> Result<(), CategoryError> {
        if actor.role != Role::Admin {
            return Err(CategoryError::NotAdmin);
        }
        if !self
            .store
            .set_category_active(&category::key(key), active)
            .await?
        {
            return Err(CategoryError::Unknown);
        }
        self.forget_categories();
        Ok(())
    }

    /// Sets a complaint's category from the list (`None`: none): the front
    /// office, the head and admins on any complaint they read; an official
    /// on one their position holds.
    pub async fn set_category(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        given: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CategoryOutcome, SetCategoryError> {
        let name = match self.check_category(given).await? {
            Ok(n) => n,
            Err(_) => return Err(SetCategoryError::NotInList(given.unwrap_or("").into())),
        };
        let Some((c, rights)) = self.rights(id, actor, now).await? else {
            return Ok(CategoryOutcome::NotFound);
        };
        if !rights.readable {
            return Ok(CategoryOutcome::NotFound);
        }
        let allowed = match actor.role {
            Role::Admin | Role::Reception | Role::Liaison | Role::Head => true,
            Role::Official => {
                let who = super::authority(self, actor.role, actor, now).await?;
                c.holder_position_id.is_some_and(|p| who.holds(p).is_some())
            }
            _ => false,
        };
        if !allowed {
            return Err(SetCategoryError::Forbidden);
        }
        Ok(self
            .store
            .set_complaint_category(id, expected_version, name.as_deref(), actor, now)
            .await?)
    }
}
