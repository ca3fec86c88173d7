//! The notification list (issue 33): the bell in the bar with the count of
//! unread, the list itself, and marking read.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Layout, Section};
use crate::app::notifications::Notification;
use crate::domain::notification::NotificationKind;
use crate::http::AppState;
use crate::words;

/// How many notifications the person has not read.
pub async fn unread(state: &AppState, caller: &crate::http::session::Caller) -> usize {
    let Some(account) = caller.session().map(|s| s.account.id) else {
        return 0;
    };
    match state
        .app
        .notifications(caller.actor(), account, chrono::Utc::now())
        .await
    {
        Ok(n) => n.unread,
        Err(e) => {
            tracing::warn!(error = %e, "notifications not read");
            0
        }
    }
}

/// The bell's badge: `None` when nothing is unread, "99+" beyond.
pub fn badge(n: usize) -> Option<String> {
    match n {
        0 => None,
        n if n > 99 => Some("99+".into()),
        n => Some(n.to_string()),
    }
}

pub struct Row {
    pub href: String,
    pub says: &'static str,
    pub tracking_number: String,
    pub subject: String,
    pub at: String,
    pub by: String,
    pub read: bool,
    pub urgent: bool,
}

fn row(n: &Notification, tz: chrono_tz::Tz) -> Row {
    Row {
        href: format!("/console/complaints/{}", n.complaint_id),
        says: words::notification(n.kind, &n.event),
        tracking_number: n.tracking_number.clone(),
        subject: n.subject.clone(),
        at: words::waktu(n.at, tz),
        by: n.by.clone(),
        read: n.read,
        urgent: matches!(n.kind, NotificationKind::Late),
    }
}

/// A visitor waiting for the person (the guest book, issue 35).
pub struct VisitorRow {
    pub number: String,
    pub name: String,
    pub purpose: &'static str,
    pub priority: Option<String>,
    pub arrived: String,
}

#[derive(Template)]
#[template(path = "console/notifications.html")]
struct Page {
    layout: Layout,
    rows: Vec<Row>,
    unread: usize,
    visitors: Vec<VisitorRow>,
}

/// `GET /console/notifications`
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let who = match super::staff(&state, &req).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(account) = who.caller.session().map(|s| s.account.id) else {
        return super::refused(&state);
    };
    let got = match state
        .app
        .notifications(who.caller.actor(), account, chrono::Utc::now())
        .await
    {
        Ok(n) => n,
        Err(e) => {
            tracing::error!(error = %e, "console: notifications failed");
            return super::unavailable(&state);
        }
    };
    let tz = state.settings.office_timezone;
    let visitors = match state
        .app
        .visits_waiting_for(who.caller.actor(), chrono::Utc::now())
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "console: waiting visitors failed");
            return super::unavailable(&state);
        }
    };
    let mut layout = Layout::for_staff(&state, &who, "Pemberitahuan", Section::Notifications);
    if req.query_string().contains("done=read") {
        layout.notices.push(super::Notice {
            text: "Semua pemberitahuan ditandai sudah dibaca.".into(),
            bad: false,
        });
    }
    super::render(
        StatusCode::OK,
        &Page {
            layout,
            unread: got.unread,
            rows: got.items.iter().map(|n| row(n, tz)).collect(),
            visitors: visitors
                .iter()
                .map(|v| VisitorRow {
                    number: v.number(),
                    name: v.name.clone(),
                    purpose: v.purpose.label(),
                    priority: v.priority.map(|p| match &v.assistance {
                        Some(a) => format!("{} — {a}", p.label()),
                        None => p.label().to_string(),
                    }),
                    arrived: words::jam(v.arrived_at, tz),
                })
                .collect(),
        },
    )
}

/// `POST /console/notifications/read`: marks everything listed now read.
pub async fn read_all(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (who, _) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(account) = who.caller.session().map(|s| s.account.id) else {
        return super::refused(&state);
    };
    match state
        .app
        .read_notifications(who.caller.actor(), account, None, chrono::Utc::now())
        .await
    {
        Ok(_) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/console/notifications?done=read"))
            .finish(),
        Err(e) => {
            tracing::error!(error = %e, "console: marking notifications read failed");
            super::unavailable(&state)
        }
    }
}
