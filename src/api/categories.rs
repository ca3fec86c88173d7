//! The office's categories (issue 33): the list, kept by admins; setting a
//! complaint's category, one or many at once.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Caller;
use super::dto::ComplaintView;
use super::error::ApiError;
use super::extract::{etag, if_match, json_body, load_visible, view_context};
use super::state::AppState;
use crate::app::categories::{CategoryError, SetCategoryError};
use crate::domain::ValidationErrors;
use crate::store::CategoryOutcome;

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    /// As the office writes it; what a complaint's `category` holds.
    pub name: String,
    /// The folded name, unique (`PATCH /api/v1/categories/{key}`).
    pub key: String,
    /// Offered for new complaints; an inactive one stays on old complaints.
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 80,
        pattern = r"\S"
    )]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    #[schema(required = true, nullable = false)]
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// One of GET /api/v1/categories (any case); `null` removes it.
    #[serde(default, deserialize_with = "crate::api::extract::present")]
    #[schema(value_type = Option<String>, required = true, nullable = true, max_length = 80)]
    pub category: Option<Option<String>>,
}

fn view(c: &crate::domain::category::Category) -> CategoryView {
    CategoryView {
        name: c.name.clone(),
        key: c.key.clone(),
        active: c.active,
    }
}

fn category_error(e: CategoryError) -> ApiError {
    match e {
        CategoryError::Name(m) => ApiError::Validation(ValidationErrors::single("name", m)),
        CategoryError::Exists => ApiError::Conflict("a category with this name exists".into()),
        CategoryError::Unknown => ApiError::NotFound("No category with this key."),
        CategoryError::NotAdmin => {
            ApiError::Forbidden("only an admin edits the list of categories")
        }
        CategoryError::Store(e) => e.into(),
    }
}

/// The office's categories, by name.
#[utoipa::path(get, path = "/api/v1/categories", tag = "complaints", operation_id = "list_categories",
    responses((status = 200, description = "Every category, active or not", body = CategoryList)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let list = state.app.categories().await?;
    Ok(HttpResponse::Ok().json(CategoryList {
        items: list.iter().map(view).collect(),
    }))
}

/// Adds a category (admins).
#[utoipa::path(post, path = "/api/v1/categories", tag = "complaints", operation_id = "create_category",
    request_body = NewCategory,
    responses(
        (status = 201, description = "Added", body = CategoryView),
        (status = 409, description = "A category with this name (any case) exists", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: NewCategory = json_body(&req, &body)?;
    let Some(name) = b.name else {
        return Err(ApiError::Validation(ValidationErrors::single(
            "name",
            "is required",
        )));
    };
    let c = state
        .app
        .add_category(caller.actor(), &name)
        .await
        .map_err(category_error)?;
    Ok(HttpResponse::Created().json(view(&c)))
}

/// Offers a category again, or no more (admins).
#[utoipa::path(patch, path = "/api/v1/categories/{key}", tag = "complaints", operation_id = "update_category",
    params(("key" = String, Path, description = "The category's key (or its name)")),
    request_body = CategoryPatch,
    responses((status = 204, description = "Changed")),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: CategoryPatch = json_body(&req, &body)?;
    let Some(active) = b.active else {
        return Err(ApiError::Validation(ValidationErrors::single(
            "active",
            "is required",
        )));
    };
    state
        .app
        .set_category_active(caller.actor(), &key, active)
        .await
        .map_err(category_error)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets a complaint's category from the office's list (`If-Match` checked when sent).
#[utoipa::path(put, path = "/api/v1/complaints/{id}/category", tag = "complaints", operation_id = "set_category",
    params(("id" = Uuid, Path, description = "Complaint id")),
    request_body = CategoryInput,
    responses(
        (status = 200, description = "The complaint", body = ComplaintView),
        (status = 412, description = "`If-Match` is not the complaint's version", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn set(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b: CategoryInput = json_body(&req, &body)?;
    let Some(category) = b.category else {
        return Err(ApiError::Validation(ValidationErrors::single(
            "category",
            "is required (null removes the category)",
        )));
    };
    let id = id.into_inner();
    let expected = if_match(&req)?;
    load_visible(&state, &caller, id).await?;
    let outcome = state
        .app
        .set_category(
            id,
            expected,
            category.as_deref(),
            caller.actor(),
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            SetCategoryError::NotInList(_) => {
                ApiError::Validation(ValidationErrors::single("category", e.to_string()))
            }
            SetCategoryError::Forbidden => ApiError::NotYours(e.to_string()),
            SetCategoryError::Store(e) => e.into(),
        })?;
    match outcome {
        CategoryOutcome::Done(c) => {
            let ctx = view_context(&state, &caller).await?;
            Ok(HttpResponse::Ok()
                .insert_header(etag(c.version))
                .json(ComplaintView::new(*c, &ctx)))
        }
        CategoryOutcome::NotFound => Err(ApiError::NotFound("No resource with this id.")),
        CategoryOutcome::Stale(v) => Err(ApiError::PreconditionFailed(v)),
    }
}
