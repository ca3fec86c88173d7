//! For the head and managers: where the office stands — open by status,
//! overdue by holder, due in the next seven days — every number a link to
//! the list it counts.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Layout, Section, labels, render, staff};
use crate::api::state::AppState;
use crate::domain::{Role, Status};
use crate::store::DeadlineQuery;

/// The dashboard counts at most this many overdue complaints by holder.
const CAP: u32 = 5000;

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    open: i64,
    overdue: String,
    week: String,
    answered: i64,
    by_status: Vec<(&'static str, &'static str, i64)>,
    by_holder: Vec<(String, usize)>,
}

pub fn for_role(r: Role) -> bool {
    matches!(r, Role::Head | Role::Manager | Role::Admin)
}

fn capped(n: usize) -> String {
    if n >= CAP as usize {
        format!("{CAP}+")
    } else {
        n.to_string()
    }
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !for_role(who.caller.role()) {
        return super::message(
            &state,
            StatusCode::FORBIDDEN,
            "Bukan untuk peran ini",
            "Dasbor untuk kepala, pimpinan dan admin.",
        );
    }
    let now = chrono::Utc::now();
    let deadline = |from, before| DeadlineQuery {
        due_from: from,
        due_before: before,
        channel: None,
        after: None,
        limit: CAP,
    };
    let (counts, overdue, week, org) = match tokio::try_join!(
        async { state.store.count_by_status().await.map_err(|_| ()) },
        async {
            state
                .store
                .list_by_deadline(&deadline(None, now))
                .await
                .map_err(|_| ())
        },
        async {
            state
                .store
                .list_by_deadline(&deadline(Some(now), now + chrono::Duration::days(7)))
                .await
                .map_err(|_| ())
        },
        async { state.app.org_chart().await.map_err(|_| ()) },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(&state),
    };
    let count = |s: Status| {
        counts
            .iter()
            .find(|(k, _)| k == s.as_str())
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let open: i64 = Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| count(*s))
        .sum();
    let mut holders: BTreeMap<String, usize> = BTreeMap::new();
    for c in &overdue {
        let key = match c.holder_position_id {
            Some(p) => org.title(p).to_string(),
            None => "Belum diteruskan (loket)".to_string(),
        };
        *holders.entry(key).or_default() += 1;
    }
    let mut by_holder: Vec<(String, usize)> = holders.into_iter().collect();
    by_holder.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    render(
        StatusCode::OK,
        &DashboardPage {
            layout: Layout::for_staff(&state, &who, "Dasbor", Section::Dashboard),
            open,
            overdue: capped(overdue.len()),
            week: capped(week.len()),
            answered: count(Status::Answered),
            by_status: Status::ALL
                .iter()
                .map(|s| (s.as_str(), labels::status(*s), count(*s)))
                .filter(|r| r.2 > 0)
                .collect(),
            by_holder,
        },
    )
}
