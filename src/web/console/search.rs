//! The search box of every console page (ADR 0029): posted, never in the
//! URL (a name is personal data); the results with the matched words marked.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Layout, Section, render, staff};
use crate::app::search::SearchError;
use crate::domain::search::{Piece, excerpt, highlight};
use crate::http::AppState;
use crate::http::dto::ComplaintView;
use crate::words;

/// How many results one search shows.
const SHOWN: u32 = 50;

pub struct Hit {
    pub id: String,
    pub number: String,
    pub subject: Vec<Piece>,
    /// Around the first matched word of the body, when one matched there.
    pub excerpt: Option<Vec<Piece>>,
    /// The complainant's name, for the roles that search by name.
    pub name: Option<Vec<Piece>>,
    pub status: &'static str,
    pub channel: &'static str,
    pub received: String,
    pub holder: String,
    pub due_class: &'static str,
    pub due_text: String,
}

#[derive(Template)]
#[template(path = "console/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    error: Option<String>,
    searched: bool,
    names: bool,
    hits: Vec<Hit>,
}

fn page(
    state: &AppState,
    who: &super::Staff,
    q: String,
    error: Option<String>,
    hits: Option<Vec<Hit>>,
) -> HttpResponse {
    let mut layout = Layout::for_staff(state, who, "Cari pengaduan", Section::Complaints);
    layout.search_q = q.clone();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &SearchPage {
            layout,
            q,
            error,
            searched: hits.is_some(),
            names: who.caller.role().may_search_people(),
            hits: hits.unwrap_or_default(),
        },
    )
}

/// `GET /console/search`: the search form alone.
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    page(&state, &who, String::new(), None, None)
}

/// `POST /console/search`: the results.
pub async fn results(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let one = |k: &str| super::actions::first(&m, k).to_string();
    let q = one("q");
    let found = match state
        .app
        .search(who.caller.actor(), &q, SHOWN, chrono::Utc::now())
        .await
    {
        Ok(f) => f,
        Err(SearchError::Empty) => {
            let msg = "Tuliskan nomor pengaduan, nomor surat, atau kata yang dicari.";
            return page(&state, &who, q, Some(msg.into()), None);
        }
        Err(SearchError::TooLong) => {
            let msg = "Kata pencarian paling banyak 200 karakter.";
            return page(&state, &who, q, Some(msg.into()), None);
        }
        Err(SearchError::Store(e)) => {
            tracing::error!(error = %e, "console search failed");
            return super::unavailable(&state);
        }
    };
    let (ctx, org) = match tokio::try_join!(
        async {
            crate::http::view::view_context(&state, &who.caller)
                .await
                .map_err(|_| ())
        },
        async { state.app.org_chart().await.map_err(|_| ()) },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(&state),
    };
    let tz = state.settings.office_timezone;
    let stems = found.query.stems();
    let names = found.query.names();
    let hits = found
        .complaints
        .into_iter()
        .map(|c| {
            let holder = c
                .holder_position_id
                .map(|h| org.title(h).to_string())
                .unwrap_or_else(|| "Loket (belum diteruskan)".into());
            let v = ComplaintView::new(c, &ctx);
            let (due_class, due_text) =
                words::due(v.status.is_open(), v.working_days_left, v.overdue);
            let name = if found.names_searched {
                v.reporter
                    .as_ref()
                    .and_then(|r| r.name.as_deref())
                    .map(|n| highlight(n, &names, false))
            } else {
                None
            };
            Hit {
                id: v.id.to_string(),
                number: v.tracking_number.clone(),
                subject: highlight(&v.subject, &stems, true),
                excerpt: excerpt(&highlight(&v.body, &stems, true), 160),
                name,
                status: words::status(v.status),
                channel: words::channel(v.channel),
                received: words::waktu(v.received_at, tz),
                holder,
                due_class,
                due_text,
            }
        })
        .collect();
    page(&state, &who, q, None, Some(hits))
}
