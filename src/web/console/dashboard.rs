//! For the head and managers: where the office stands — open by status,
//! overdue by unit and by holder, due in the next seven days, LAPOR!
//! follow-ups at risk — every number a link to the list it counts. The
//! figures come from `App::dashboard` (live while cheap, else a snapshot at
//! most a minute old: the page says as of when).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

use super::{Layout, Section, render, staff};
use crate::domain::{Role, Status};
use crate::http::AppState;
use crate::words;

/// One line of a grouped table: label, link filter, overdue, due this week.
struct Line {
    label: String,
    holder: String,
    overdue: i64,
    week: i64,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    open: i64,
    overdue: i64,
    week: i64,
    answered: i64,
    lapor_at_risk: i64,
    lapor_late: i64,
    lapor_before: String,
    by_status: Vec<(&'static str, &'static str, i64)>,
    by_unit: Vec<Line>,
    by_holder: Vec<Line>,
    /// "Angka per …" when served from the snapshot.
    as_of: Option<String>,
}

pub fn for_role(r: Role) -> bool {
    matches!(r, Role::Head | Role::Manager | Role::Admin)
}

/// Sorted most overdue first, then most due this week, then by name.
fn lines(map: BTreeMap<(String, String), (i64, i64)>) -> Vec<Line> {
    let mut out: Vec<Line> = map
        .into_iter()
        .map(|((label, holder), (overdue, week))| Line {
            label,
            holder,
            overdue,
            week,
        })
        .collect();
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.week.cmp(&a.week))
            .then(a.label.cmp(&b.label))
    });
    out
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
    let tz = state.settings.office_timezone;
    let (snap, positions, units) = match tokio::try_join!(
        async { state.app.dashboard(now).await.map_err(|_| ()) },
        async { state.store.list_positions().await.map_err(|_| ()) },
        async { state.store.list_units().await.map_err(|_| ()) },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(&state),
    };
    let f = &snap.figures;
    let count = |s: Status| {
        f.by_status
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
    // by holder and by unit, overdue and due this week side by side
    let position = |p: Uuid| positions.iter().find(|x| x.id == p);
    let unit_name = |u: Uuid| {
        units
            .iter()
            .find(|x| x.id == u)
            .map_or("(unit dihapus)", |u| u.name.as_str())
    };
    let reception = || ("Belum diteruskan (loket)".to_string(), "none".to_string());
    let mut holders: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    let mut by_unit: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (rows, overdue) in [(&f.overdue_by_holder, true), (&f.soon_by_holder, false)] {
        for (holder, n) in rows {
            let (h, u) = match holder.and_then(position) {
                Some(p) => (
                    (p.title.clone(), format!("p:{}", p.id)),
                    p.unit_id
                        .map(|u| (unit_name(u).to_string(), format!("u:{u}"))),
                ),
                None => (reception(), Some(reception())),
            };
            let add = |e: &mut (i64, i64)| {
                if overdue {
                    e.0 += n;
                } else {
                    e.1 += n;
                }
            };
            add(holders.entry(h).or_default());
            if let Some(u) = u {
                add(by_unit.entry(u).or_default());
            }
        }
    }
    render(
        StatusCode::OK,
        &DashboardPage {
            layout: Layout::for_staff(&state, &who, "Dasbor", Section::Dashboard),
            open,
            overdue: f.overdue_by_holder.iter().map(|r| r.1).sum(),
            week: f.soon_by_holder.iter().map(|r| r.1).sum(),
            answered: count(Status::Answered),
            lapor_at_risk: f.lapor_at_risk,
            lapor_late: f.lapor_late,
            lapor_before: words::waktu(snap.lapor_before, tz),
            by_status: Status::ALL
                .iter()
                .map(|s| (s.as_str(), words::status(*s), count(*s)))
                .filter(|r| r.2 > 0)
                .collect(),
            by_unit: lines(by_unit),
            by_holder: lines(holders),
            as_of: snap.is_cached(now).then(|| words::waktu(snap.at, tz)),
        },
    )
}
