//! The landing page: what waits for the signed-in person now.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, Section, render, staff};
use crate::http::AppState;
use crate::http::dto::ComplaintView;
use crate::words;

pub struct Row {
    pub id: String,
    /// `id:version`, the row's checkbox value for a bulk action.
    pub pick: String,
    pub number: String,
    pub subject: String,
    pub waiting: &'static str,
    pub status: &'static str,
    pub channel: &'static str,
    pub position: Option<String>,
    pub instruction: Option<String>,
    pub lapor: Option<String>,
    pub due_class: &'static str,
    pub due_text: String,
    /// A draft waiting for my approval: its text and the version to act on
    /// (approve or return it right here).
    pub review: Option<Review>,
}

pub struct Review {
    pub draft: String,
    pub draft_version: i32,
    pub version: i64,
}

pub struct CopyRow {
    pub id: String,
    pub number: String,
    pub instruction: String,
    pub at: String,
}

pub struct Counts {
    pub total: usize,
    pub overdue: usize,
    pub soon: usize,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    layout: Layout,
    counts: Counts,
    rows: Vec<Row>,
    copies: Vec<CopyRow>,
    next: Option<String>,
    bulk: Option<super::bulk::BulkForm>,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    cursor: Option<String>,
    /// The action just done from the inbox (approve, return).
    done: Option<String>,
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<InboxQuery>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let after = q
        .cursor
        .as_deref()
        .and_then(crate::http::view::decode_cursor)
        .map(|c| (c.received_at, c.id));
    let now = chrono::Utc::now();
    let page = match state.app.inbox(who.caller.actor(), after, 50, now).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "console inbox failed");
            return super::unavailable(&state);
        }
    };
    let ctx = match crate::http::view::view_context(&state, &who.caller).await {
        Ok(c) => c,
        Err(_) => return super::unavailable(&state),
    };
    let tz = state.settings.office_timezone;
    // the instruction and note of the disposition that brought each one here
    let pairs: Vec<(uuid::Uuid, uuid::Uuid)> = page
        .entries
        .iter()
        .filter_map(|e| e.position_id.map(|p| (e.complaint.id, p)))
        .collect();
    let mut instructions: std::collections::HashMap<uuid::Uuid, String> =
        match state.store.dispositions_to(&pairs).await {
            Ok(ds) => ds
                .into_iter()
                .map(|d| {
                    let text = match &d.note {
                        Some(n) => format!("{} — {n}", d.instruction),
                        None => d.instruction.clone(),
                    };
                    (d.complaint_id, text)
                })
                .collect(),
            Err(_) => return super::unavailable(&state),
        };
    // drafts waiting for my approval: their text, to decide in place
    let mut reviews: std::collections::HashMap<uuid::Uuid, (String, i32)> = Default::default();
    for e in page.entries.iter().filter(|e| e.waiting_for == "review") {
        match state.store.drafts(e.complaint.id).await {
            Ok(ds) => {
                if let Some(d) = ds.into_iter().max_by_key(|d| d.version_no) {
                    reviews.insert(e.complaint.id, (d.body, d.version_no));
                }
            }
            Err(_) => return super::unavailable(&state),
        }
    }
    let rows: Vec<Row> = page
        .entries
        .into_iter()
        .map(|e| {
            let review = reviews
                .remove(&e.complaint.id)
                .map(|(draft, draft_version)| Review {
                    draft,
                    draft_version,
                    version: e.complaint.version,
                });
            let instruction = instructions.remove(&e.complaint.id);
            let v = ComplaintView::new(e.complaint, &ctx);
            let (due_class, due_text) =
                words::due(v.status.is_open(), v.working_days_left, v.overdue);
            Row {
                review,
                pick: format!("{}:{}", v.id, v.version),
                id: v.id.to_string(),
                number: v.tracking_number.clone(),
                subject: v.subject.clone(),
                waiting: words::waiting_for(e.waiting_for),
                status: words::status(v.status),
                channel: words::channel(v.channel),
                position: e.position.map(|p| match e.acting {
                    Some(a) => format!("sebagai {}{p}", words::acting_prefix(Some(a.as_str()))),
                    None => p,
                }),
                instruction,
                lapor: v
                    .lapor_followup_due_at
                    .filter(|_| v.status.is_open())
                    .map(|t| format!("Tindak lanjut LAPOR! paling lambat {}", words::waktu(t, tz))),
                due_class,
                due_text,
            }
        })
        .collect();
    let counts = Counts {
        total: rows.len(),
        overdue: rows.iter().filter(|r| r.due_class == "late").count(),
        soon: rows.iter().filter(|r| r.due_class == "soon").count(),
    };
    let copies = page
        .copies
        .into_iter()
        .map(|c| CopyRow {
            id: c.complaint_id.to_string(),
            number: c.tracking_number,
            instruction: c.instruction,
            at: words::waktu(c.created_at, tz),
        })
        .collect();
    let bulk = if rows.is_empty() {
        None
    } else {
        match state.store.list_positions().await {
            Ok(positions) => {
                super::bulk::BulkForm::offer(&state, &who, &positions, None, "/console").await
            }
            Err(_) => return super::unavailable(&state),
        }
    };
    let mut layout = Layout::for_staff(&state, &who, "Kotak masuk", Section::Inbox);
    if let Some(a) = q
        .done
        .as_deref()
        .and_then(crate::domain::workflow::Action::parse)
    {
        layout.notices.push(super::Notice {
            text: super::actions::done(a).to_string(),
            bad: false,
        });
    }
    if let Some(n) = layout.nav.first_mut() {
        n.count = Some(counts.total);
    }
    render(
        StatusCode::OK,
        &InboxPage {
            layout,
            counts,
            rows,
            copies,
            bulk,
            next: page
                .next
                .map(|(at, id)| crate::http::view::cursor_at(at, id)),
        },
    )
}
