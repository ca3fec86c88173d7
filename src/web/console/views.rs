//! Saved views of the list (issue 33): saving the list's current filter,
//! deleting one, and the pinned ones in the menu with their counts.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::views::{NewView, ViewError};
use crate::domain::Role;
use crate::http::AppState;

/// A pinned view in the menu.
pub struct PinnedView {
    pub href: String,
    pub label: String,
    /// How many complaints it selects ("99+" beyond), when countable.
    pub count: Option<String>,
}

/// A view on the list page.
pub struct ViewRow {
    pub id: String,
    pub name: String,
    pub href: String,
    /// Shared with a role (its label), or the person's own.
    pub shared: Option<&'static str>,
    pub pinned: bool,
    pub deletable: bool,
}

/// Counting stops here: a menu needs "99+", not the exact figure.
const COUNT_CAP: u32 = 100;

/// The pinned views of the person, with their counts (on every page).
pub async fn pinned(state: &AppState, caller: &crate::http::session::Caller) -> Vec<PinnedView> {
    let Some(account) = caller.session().map(|s| s.account.id) else {
        return Vec::new();
    };
    let views = match state.app.views(account, caller.role()).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "saved views not read");
            return Vec::new();
        }
    };
    let pinned: Vec<_> = views.into_iter().filter(|v| v.pinned).collect();
    if pinned.is_empty() {
        return Vec::new();
    }
    let positions = if pinned.iter().any(|v| v.query.contains("holder=u")) {
        state.store.list_positions().await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let tz = state.settings.office_timezone;
    let mut out = Vec::with_capacity(pinned.len());
    for v in pinned {
        let count = match super::complaints::filter_of_query_string(&v.query, &positions, tz) {
            Some(q) => match state.store.count_complaints(&q, COUNT_CAP).await {
                Ok(n) if n >= u64::from(COUNT_CAP) => Some(format!("{}+", COUNT_CAP - 1)),
                Ok(n) => Some(n.to_string()),
                Err(_) => None,
            },
            None => None,
        };
        out.push(PinnedView {
            href: format!("/console/complaints?{}", v.query),
            label: v.name,
            count,
        });
    }
    out
}

/// The list page's rows of the person's views.
pub async fn rows(state: &AppState, caller: &crate::http::session::Caller) -> Vec<ViewRow> {
    let Some(account) = caller.session().map(|s| s.account.id) else {
        return Vec::new();
    };
    let admin = caller.role() == Role::Admin;
    state
        .app
        .views(account, caller.role())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|v| ViewRow {
            id: v.id.to_string(),
            href: format!("/console/complaints?{}", v.query),
            shared: v
                .role
                .as_deref()
                .and_then(|r| r.parse::<Role>().ok())
                .map(crate::words::role),
            deletable: v.account_id == Some(account) || (admin && v.role.is_some()),
            pinned: v.pinned,
            name: v.name,
        })
        .collect()
}

/// `POST /console/views`: saves the list's current filter.
pub async fn save(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let (who, m) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let one = |k: &str| super::actions::first(&m, k).trim().to_string();
    let Some(account) = who.caller.session().map(|s| s.account.id) else {
        return super::refused(&state);
    };
    let query = one("query");
    let role = match one("role").as_str() {
        "" => None,
        r => r.parse::<Role>().ok(),
    };
    let v = NewView {
        name: one("name"),
        query: query.clone(),
        pinned: !one("pinned").is_empty(),
        role,
    };
    let problem = |text: &str| {
        super::message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tampilan belum disimpan",
            text,
        )
    };
    match state
        .app
        .save_view(account, who.caller.actor(), v, chrono::Utc::now())
        .await
    {
        Ok(_) => HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/console/complaints?{query}&saved=1"),
            ))
            .finish(),
        Err(ViewError::Name) => problem("Beri nama tampilan ini (paling banyak 60 karakter)."),
        Err(ViewError::Query) => {
            problem("Saringan daftar tidak dapat dibaca; buka daftarnya lagi.")
        }
        Err(ViewError::NotAdmin) => {
            problem("Hanya admin yang membagikan tampilan untuk suatu peran.")
        }
        Err(ViewError::TooMany) => {
            problem("Paling banyak 30 tampilan pribadi; hapus yang tidak dipakai.")
        }
        Err(ViewError::Store(_)) => super::unavailable(&state),
    }
}

/// `POST /console/views/{id}/delete`.
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (who, _m, vid) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(account) = who.caller.session().map(|s| s.account.id) else {
        return super::refused(&state);
    };
    match state
        .app
        .delete_view(vid, account, who.caller.actor())
        .await
    {
        Ok(_) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/console/complaints"))
            .finish(),
        Err(_) => super::unavailable(&state),
    }
}
