//! The complaint list (filters, keyset paging, a tracking number opens the
//! complaint) and one complaint (facts, the reporter where the role may see
//! them, attachments, the timeline).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Section, encode_query, render, staff};
use crate::domain::{Channel, Kind, Status, TrackingNumber};
use crate::http::AppState;
use crate::http::dto::ComplaintView;
use crate::store::ListQuery;
use crate::words;

pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct Filters {
    pub q: String,
    pub from: String,
    pub to: String,
    pub statuses: Vec<Opt>,
    pub channels: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub holders: Vec<super::actions::Opt>,
    /// The CSV of the current filter.
    pub csv: String,
    pub error: Option<String>,
    /// A tracking number of this office, for the hint.
    pub example: String,
    /// The identifier searched for (a POST, never in the URL).
    pub identifier: String,
    pub identifier_error: Option<String>,
    /// Why the person is looked up (written to the privacy audit).
    pub purpose: String,
    pub purpose_error: Option<String>,
    /// The search by person is offered (reception, liaison, privacy, admin).
    pub person_search: bool,
}

pub struct Row {
    pub id: String,
    pub number: String,
    pub subject: String,
    pub status: &'static str,
    pub channel: &'static str,
    pub received: String,
    pub due_class: &'static str,
    pub due_text: String,
    /// `id:version`, the value of the row's checkbox for a bulk action.
    pub pick: String,
    /// Who holds it now (a position's title, or the desk).
    pub holder: String,
}

#[derive(Template)]
#[template(path = "console/list.html")]
struct ListPage {
    layout: Layout,
    f: Filters,
    rows: Vec<Row>,
    next: Option<String>,
    bulk: Option<super::bulk::BulkForm>,
    /// The sort links of the table's columns.
    sort_newest: String,
    sort_oldest: String,
    sort_due: String,
    oldest: bool,
    /// The person's saved views, and the form that saves this filter.
    views: Vec<super::views::ViewRow>,
    save_query: String,
    /// Admins may share a view with a role: `(value, label)`.
    share_roles: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `overdue`, `week` (due in the next 7 days) or `open` (all open, soonest deadline first).
    #[serde(default)]
    due: String,
    /// `p:<position id>` or `u:<unit id>` (every position of the unit).
    #[serde(default)]
    holder: String,
    /// `oldest` (received first); newest first otherwise.
    #[serde(default)]
    sort: String,
    cursor: Option<String>,
    /// Set after saving a view (a notice, not part of the filter).
    saved: Option<String>,
}

const PAGE: u32 = 50;

/// A complaint as one line of a list.
fn row(v: ComplaintView, tz: chrono_tz::Tz, holder: String) -> Row {
    let (due_class, due_text) = words::due(v.status.is_open(), v.working_days_left, v.overdue);
    Row {
        pick: format!("{}:{}", v.id, v.version),
        holder,
        id: v.id.to_string(),
        number: v.tracking_number,
        subject: v.subject,
        status: words::status(v.status),
        channel: words::channel(v.channel),
        received: words::waktu(v.received_at, tz),
        due_class,
        due_text,
    }
}

/// The choices of the status, channel and kind filters, with the chosen ones.
fn options(status: &str, channel: &str, kind: &str) -> (Vec<Opt>, Vec<Opt>, Vec<Opt>) {
    fn opts(all: impl Iterator<Item = (&'static str, &'static str)>, chosen: &str) -> Vec<Opt> {
        all.map(|(value, label)| Opt {
            value,
            label,
            selected: value == chosen,
        })
        .collect()
    }
    (
        opts(
            Status::ALL.iter().map(|s| (s.as_str(), words::status(*s))),
            status,
        ),
        opts(
            Channel::ALL
                .iter()
                .map(|c| (c.as_str(), words::channel(*c))),
            channel,
        ),
        opts(
            Kind::ALL.iter().map(|k| (k.as_str(), words::kind(*k))),
            kind,
        ),
    )
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: Result<web::Query<ListParams>, actix_web::Error>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = params.map(|q| q.into_inner()).unwrap_or_default();
    let tz = state.settings.office_timezone;
    let q = p.q.trim().to_string();
    // a tracking number opens its complaint
    if let Some(number) = TrackingNumber::parse(&q.to_uppercase()) {
        match state.store.find_by_tracking_number(number.as_str()).await {
            Ok(Some((c, _))) => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/console/complaints/{}", c.id)))
                    .finish();
            }
            Ok(None) => {}
            Err(_) => return super::unavailable(&state),
        }
    }
    let (positions, units) = match tokio::try_join!(
        async { state.store.list_positions().await.map_err(|_| ()) },
        async { state.store.list_units().await.map_err(|_| ()) },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(&state),
    };
    let after = p
        .cursor
        .as_deref()
        .and_then(crate::http::view::decode_cursor);
    let (rows, error, by_deadline) = match query(&state, &p, &positions, after, PAGE).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let next = (rows.len() == PAGE as usize)
        .then(|| rows.last())
        .flatten()
        .map(|c| {
            let at = order_key(&p, by_deadline, c);
            format!(
                "/console/complaints?{}&cursor={}",
                filter_query(&p),
                crate::http::view::cursor_at(at, c.id)
            )
        });
    let ctx = match crate::http::view::view_context(&state, &who.caller).await {
        Ok(c) => c,
        Err(_) => return super::unavailable(&state),
    };
    let rows = match super::readable_rows(&state, &who, rows).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let titles: std::collections::HashMap<Uuid, &str> =
        positions.iter().map(|p| (p.id, p.title.as_str())).collect();
    let rows = rows
        .into_iter()
        .map(|c| {
            let holder = holder_title(&titles, c.holder_position_id);
            row(ComplaintView::new(c, &ctx), tz, holder)
        })
        .collect();
    let bulk = if !super::bulk::BulkForm::offered_to(who.caller.role()) {
        None
    } else if by_deadline || error.is_some() {
        super::bulk::BulkForm::offer(&state, &who, &positions, None, "/console/complaints").await
    } else {
        let count = state
            .store
            .count_complaints(
                &list_query_of(&p, &positions, tz).0,
                crate::app::bulk::MAX_BULK as u32 + 1,
            )
            .await
            .ok();
        super::bulk::BulkForm::offer(
            &state,
            &who,
            &positions,
            count.map(|n| (n, filter_query(&p))),
            "/console/complaints",
        )
        .await
    };
    let sorted = |sort: &str, due: &str| {
        let mut x = p.clone();
        x.sort = sort.into();
        x.due = due.into();
        format!("/console/complaints?{}", filter_query(&x))
    };
    let (sort_newest, sort_oldest, sort_due) =
        (sorted("", ""), sorted("oldest", ""), sorted("", "open"));
    let save_query = filter_query(&p);
    let saved = p.saved.is_some();
    let (statuses, channels, kinds) = options(&p.status, &p.channel, &p.kind);
    let q = p.q.trim().to_string();
    let f = Filters {
        statuses,
        channels,
        kinds,
        holders: holder_options(&p.holder, &units, &positions),
        csv: format!("/console/complaints.csv?{}", filter_query(&p)),
        example: crate::domain::TrackingNumber::new(
            &state.settings.tracking_prefix,
            chrono::Utc::now().with_timezone(&tz).year(),
            12,
        )
        .to_string(),
        q,
        from: crate::words::isian_tanggal_str(&p.from),
        to: crate::words::isian_tanggal_str(&p.to),
        error,
        identifier: String::new(),
        identifier_error: None,
        purpose: String::new(),
        purpose_error: None,
        person_search: who.caller.role().may_search_people(),
    };
    let title = match p.due.as_str() {
        "overdue" => "Pengaduan terlambat",
        "week" => "Jatuh tempo 7 hari ke depan",
        "open" => "Pengaduan terbuka",
        "lapor" => "Tindak lanjut LAPOR! terancam terlambat",
        _ => "Pengaduan",
    };
    let views = super::views::rows(&state, &who.caller).await;
    let share_roles = if who.caller.role() == crate::domain::Role::Admin {
        crate::domain::Role::ALL
            .iter()
            .filter(|r| **r != crate::domain::Role::Integration)
            .map(|r| (r.as_str(), words::role(*r)))
            .collect()
    } else {
        Vec::new()
    };
    let mut layout = Layout::for_staff(&state, &who, title, Section::Complaints);
    if saved {
        layout.notices.push(super::Notice {
            text: "Tampilan tersimpan.".into(),
            bad: false,
        });
    }
    render(
        StatusCode::OK,
        &ListPage {
            layout,
            views,
            save_query,
            share_roles,
            f,
            rows,
            next,
            bulk,
            sort_newest,
            sort_oldest,
            sort_due,
            oldest: p.sort == "oldest",
        },
    )
}

/// The complaints of a filter (the list page and its CSV): rows, the
/// message for a malformed filter, and whether they are in deadline order.
async fn query(
    state: &AppState,
    p: &ListParams,
    positions: &[crate::store::Position],
    after: Option<crate::store::Cursor>,
    limit: u32,
) -> Result<(Vec<crate::store::Complaint>, Option<String>, bool), HttpResponse> {
    let tz = state.settings.office_timezone;
    let (mut list, error) = list_query_of(p, positions, tz);
    let channel = list.channel;
    let now = chrono::Utc::now();
    let by_deadline = match p.due.as_str() {
        "overdue" => Some((None, now)),
        "week" => Some((Some(now), now + chrono::Duration::days(7))),
        "open" => Some((None, crate::store::sql::no_deadline())),
        "lapor" => match state.app.policy().await {
            Ok(policy) => Some((
                None,
                policy
                    .calendar
                    .deadline(now, crate::app::dashboard::LAPOR_RISK_WORKING_DAYS, tz)
                    .1,
            )),
            Err(_) => return Err(super::unavailable(state)),
        },
        _ => None,
    };
    let rows = if error.is_some() {
        Vec::new()
    } else if let Some((due_from, due_before)) = by_deadline {
        match state
            .store
            .list_by_deadline(&crate::store::DeadlineQuery {
                due_from,
                due_before,
                channel,
                holders: holders(&p.holder, positions),
                lapor_followup: p.due == "lapor",
                after: after.map(|c| (c.received_at, c.id)),
                limit,
            })
            .await
        {
            Ok(r) => r,
            Err(_) => return Err(super::unavailable(state)),
        }
    } else {
        list.after = after;
        list.limit = limit;
        match state.store.list_complaints(&list).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "console list failed");
                return Err(super::unavailable(state));
            }
        }
    };
    Ok((rows, error, by_deadline.is_some()))
}

/// The filter of a list page as a store query (no cursor, no limit), and
/// the message for a malformed part of it.
fn list_query_of(
    p: &ListParams,
    positions: &[crate::store::Position],
    tz: chrono_tz::Tz,
) -> (ListQuery, Option<String>) {
    let q = p.q.trim().to_string();
    let mut error = None;
    let date = |s: &str, end: bool, error: &mut Option<String>| {
        if s.is_empty() {
            return None;
        }
        match crate::words::parse_tanggal(s).ok_or(()) {
            Ok(d) => {
                let t = if end {
                    d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0)
                } else {
                    d.and_hms_opt(0, 0, 0)
                }?;
                t.and_local_timezone(tz).earliest().map(|t| t.to_utc())
            }
            Err(_) => {
                *error = Some("Tanggal tidak terbaca: tulis hh-bb-tttt, mis. 01-12-2026.".into());
                None
            }
        }
    };
    let received_from = date(&p.from, false, &mut error);
    let received_to = date(&p.to, true, &mut error).map(|t| t - chrono::Duration::microseconds(1));
    if q.chars().count() > 200 {
        error = Some("Kata pencarian paling banyak 200 karakter.".into());
    }
    let list = ListQuery {
        status: Status::parse(&p.status),
        channel: Channel::parse(&p.channel),
        kind: Kind::parse(&p.kind),
        received_from,
        received_to,
        subject_contains: Some(q).filter(|s| !s.is_empty()),
        created_by: None,
        agency_ref: None,
        holders: holders(&p.holder, positions),
        after: None,
        limit: PAGE,
        oldest_first: p.sort == "oldest",
    };
    (list, error)
}

/// The filter of a list page's query string, as a store query (the
/// "all that the filter selects" of a bulk action); `None` when malformed
/// or a deadline view.
pub(crate) fn filter_of_query_string(
    qs: &str,
    positions: &[crate::store::Position],
    tz: chrono_tz::Tz,
) -> Option<ListQuery> {
    let p = web::Query::<ListParams>::from_query(qs).ok()?.into_inner();
    if !p.due.is_empty() {
        return None;
    }
    match list_query_of(&p, positions, tz) {
        (q, None) => Some(q),
        _ => None,
    }
}

/// A holder's title for a list row.
fn holder_title(titles: &std::collections::HashMap<Uuid, &str>, h: Option<Uuid>) -> String {
    match h {
        Some(h) => titles
            .get(&h)
            .map_or_else(|| "—".into(), |t| (*t).to_string()),
        None => "Loket (belum diteruskan)".into(),
    }
}

/// The instant a list is ordered by (its keyset cursor holds it with the id).
fn order_key(
    p: &ListParams,
    by_deadline: bool,
    c: &crate::store::Complaint,
) -> chrono::DateTime<chrono::Utc> {
    let none = crate::store::sql::no_deadline;
    if p.due == "lapor" {
        c.lapor_followup_due_at.unwrap_or_else(none)
    } else if by_deadline {
        c.due_at.unwrap_or_else(none)
    } else {
        c.received_at
    }
}

/// The positions a `holder` filter names: one position, or a unit's.
fn holders(filter: &str, positions: &[crate::store::Position]) -> Vec<Uuid> {
    match filter.split_once(':') {
        None if filter == "none" => vec![Uuid::nil()],
        Some(("p", id)) => id.parse().into_iter().collect(),
        Some(("u", id)) => match id.parse::<Uuid>() {
            Ok(unit) => {
                let ids: Vec<Uuid> = positions
                    .iter()
                    .filter(|p| p.unit_id == Some(unit))
                    .map(|p| p.id)
                    .collect();
                // a unit without positions holds nothing (no position has
                // this id; nil would mean "not forwarded")
                if ids.is_empty() {
                    vec![Uuid::max()]
                } else {
                    ids
                }
            }
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The holder filter's choices: each unit (all its positions), then each position.
fn holder_options(
    chosen: &str,
    units: &[crate::store::OrgUnit],
    positions: &[crate::store::Position],
) -> Vec<super::actions::Opt> {
    use super::actions::Opt;
    let mut out: Vec<Opt> = vec![Opt {
        selected: chosen == "none",
        label: "Belum diteruskan (loket)".into(),
        value: "none".into(),
    }];
    out.extend(units.iter().map(|u| {
        let value = format!("u:{}", u.id);
        Opt {
            selected: value == chosen,
            label: format!("{} (semua jabatan)", u.name),
            value,
        }
    }));
    let mut ps: Vec<&crate::store::Position> = positions.iter().collect();
    ps.sort_by(|a, b| a.title.cmp(&b.title));
    out.extend(ps.into_iter().map(|p| {
        let value = format!("p:{}", p.id);
        Opt {
            selected: value == chosen,
            label: p.title.clone(),
            value,
        }
    }));
    out
}

/// The query string of a filter (without the cursor).
fn filter_query(p: &ListParams) -> String {
    format!(
        "q={}&status={}&channel={}&kind={}&from={}&to={}&due={}&holder={}&sort={}",
        encode_query(p.q.trim()),
        encode_query(&p.status),
        encode_query(&p.channel),
        encode_query(&p.kind),
        encode_query(&p.from),
        encode_query(&p.to),
        encode_query(&p.due),
        encode_query(&p.holder),
        encode_query(&p.sort),
    )
}

/// Rows in one CSV file at most (a larger export is split by date).
const CSV_LIMIT: usize = 50_000;

/// The current filter as CSV (UTF-8 with a BOM, so Excel shows Indonesian
/// text right; office-local times). Identity columns follow the role's view.
pub async fn csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: Result<web::Query<ListParams>, actix_web::Error>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = params.map(|q| q.into_inner()).unwrap_or_default();
    let tz = state.settings.office_timezone;
    let (org, positions, ctx) = match tokio::try_join!(
        async { state.app.org_chart().await.map_err(|_| ()) },
        async { state.store.list_positions().await.map_err(|_| ()) },
        async {
            crate::http::view::view_context(&state, &who.caller)
                .await
                .map_err(|_| ())
        },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(&state),
    };
    let mut out = String::from("\u{feff}");
    out.push_str(
        "Nomor pengaduan;Diterima;Status;Saluran;Jenis;Perihal;Dipegang;Batas waktu;Sisa hari kerja;Terlambat;Nomor LAPOR!;Nomor surat\r\n",
    );
    let cell = crate::reports::export::csv_cell;
    let mut after = None;
    let mut count = 0;
    let mut truncated = false;
    loop {
        let (rows, error, by_deadline) = match query(&state, &p, &positions, after, 500).await {
            Ok(x) => x,
            Err(r) => return r,
        };
        if error.is_some() {
            break;
        }
        let full = rows.len() == 500;
        after = rows.last().map(|c| crate::store::Cursor {
            received_at: order_key(&p, by_deadline, c),
            id: c.id,
        });
        let rows = match super::readable_rows(&state, &who, rows).await {
            Ok(r) => r,
            Err(r) => return r,
        };
        for c in rows {
            let holder = c.holder_position_id.map(|h| org.title(h).to_string());
            let v = ComplaintView::new(c, &ctx);
            let fields = [
                v.tracking_number.clone(),
                v.received_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                words::status(v.status).to_string(),
                words::channel(v.channel).to_string(),
                words::kind(v.kind).to_string(),
                v.subject.clone(),
                holder.unwrap_or_default(),
                v.due_at
                    .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                v.working_days_left
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                if v.overdue { "ya" } else { "tidak" }.to_string(),
                v.external_ref.lapor_tracking_id.clone().unwrap_or_default(),
                v.external_ref.letter_number.clone().unwrap_or_default(),
            ];
            let line: Vec<String> = fields.iter().map(|f| cell(f)).collect();
            out.push_str(&line.join(";"));
            out.push_str("\r\n");
            count += 1;
        }
        if !full {
            break;
        }
        if count >= CSV_LIMIT {
            truncated = true;
            break;
        }
    }
    tracing::info!(rows = count, truncated, "console CSV export");
    let today = chrono::Utc::now().with_timezone(&tz).format("%Y-%m-%d");
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"pengaduan-{today}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}

pub struct Detail {
    pub subject: String,
    pub body: String,
    pub status: &'static str,
    pub kind: &'static str,
    pub channel: &'static str,
    pub received: String,
    /// Registered a day or more after it was received: when, how late.
    pub registered_late: Option<String>,
    pub due: Option<String>,
    pub lapor_due: Option<String>,
    pub paused: Option<String>,
    pub holder: Option<String>,
    pub refs: Vec<(&'static str, String)>,
    pub category: Option<String>,
    pub location: Option<String>,
    pub confidential: bool,
    pub anonymous: bool,
    pub reporter_hidden: bool,
    pub reporter: Vec<(&'static str, String)>,
    pub due_class: &'static str,
    pub due_text: String,
}

pub struct AttachmentRow {
    pub href: String,
    pub name: String,
    pub size: String,
    pub identity: bool,
    /// An image shown on the page.
    pub preview: Option<(&'static str, String)>,
    /// The signed answer letter (the dispatched letter's record).
    pub signed: bool,
}

pub struct EventRow {
    pub at: String,
    pub what: String,
    pub who: String,
    pub note: Option<String>,
}

pub struct DispositionRow {
    pub from: String,
    pub to: String,
    pub instruction: String,
    pub note: Option<String>,
    pub at: String,
    pub read: Option<String>,
    pub due: Option<String>,
    pub copies: String,
    pub withdrawn: bool,
}

pub struct DraftView {
    pub version: i32,
    pub author: String,
    pub at: String,
    pub state: &'static str,
    pub body: String,
    /// What changed from the version before: (`same`|`del`|`ins`, text).
    pub changes: Vec<(&'static str, String)>,
    /// The versions before, newest first.
    pub older: Vec<DraftView>,
    /// The approval path, in order: (position, "disetujui" / "disetujui (Plh.)", empty while not).
    pub path: Vec<(String, String)>,
    /// It opens with its own salutation: the letter and email carry one.
    pub own_salutation: bool,
}

#[derive(Template)]
#[template(path = "console/complaint.html")]
struct DetailPage {
    layout: Layout,
    /// A social-media complaint: the platform and the post's address (a link).
    post: Option<(String, String)>,
    /// Clock forms: `pause`, `resume`, `extend` as they may be asked now.
    clock: Vec<&'static str>,
    clock_error: Option<String>,
    id: String,
    /// May add attachments.
    attach: bool,
    /// The answer went as a letter: its signed copy may be uploaded.
    letter_sent: bool,
    version: i64,
    c: Detail,
    attachments: Vec<AttachmentRow>,
    /// LAPOR! attachments not stored yet (or given up), in words.
    lapor_missing: Vec<String>,
    timeline: Vec<EventRow>,
    /// (whole, what to say): the timeline checked against its seals.
    integrity: (bool, String),
    dispositions: Vec<DispositionRow>,
    draft: Option<DraftView>,
    reviews: Vec<String>,
    actions: Vec<super::actions::ActionForm>,
    /// The action whose form is unfolded (the one that came back).
    open: String,
    /// The WhatsApp conversation box (WhatsApp complaints only).
    whatsapp: Option<WhatsappBox>,
    /// The category as first written, when the list spells it otherwise
    /// or does not know it (an SP4N-LAPOR! topic).
    category_original: Option<String>,
    /// The form to set the category, for whoever may (the office's list).
    categories: Option<Vec<super::actions::Opt>>,
}

/// The WhatsApp conversation of the complaint, and the form to write one.
struct WhatsappBox {
    /// "WhatsApp pelapor", "Telegram pelapor", "SMS pelapor".
    title: String,
    /// WhatsApp: what its 24-hour window means for a message.
    window: bool,
    lines: Vec<ChatLine>,
    /// May write to the complainant now (the channel is on, the number known).
    can_write: bool,
    error: Option<String>,
    kept: String,
}

/// One message of the conversation, in order.
struct ChatLine {
    at: String,
    /// The complainant wrote it (else the office sent it).
    inbound: bool,
    /// "Pelapor", "Tanda terima", "Pesan petugas (loket.wa)", …
    who: String,
    text: Option<String>,
    /// Delivery status in words (what the office sent).
    status: Option<String>,
}

/// The conversation from the timeline (what the complainant wrote, what
/// staff wrote) and the messages sent (acknowledgement, answer, survey…).
fn conversation(
    channel: &str,
    body: &str,
    registered_at: chrono::DateTime<chrono::Utc>,
    events: &[crate::store::Event],
    sent: &[crate::store::ChatSent],
    tz: chrono_tz::Tz,
) -> Vec<ChatLine> {
    let status_of = |outbox: &str| {
        sent.iter()
            .filter(|m| m.outbox_id.to_string() == outbox)
            .map(|m| words::chat_status(&m.status))
            .next_back()
            .unwrap_or("menunggu dikirim")
            .to_string()
    };
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, ChatLine)> = vec![(
        registered_at,
        ChatLine {
            at: words::waktu(registered_at, tz),
            inbound: true,
            who: "Pelapor".into(),
            text: Some(body.to_string()),
            status: None,
        },
    )];
    for e in events {
        let Ok(d) = serde_json::from_str::<serde_json::Value>(&e.detail) else {
            continue;
        };
        if d.get("source").and_then(|s| s.as_str()) != Some(channel) {
            continue;
        }
        let text = d.get("text").and_then(|t| t.as_str()).map(str::to_string);
        let line = match e.kind.as_str() {
            "message_received" | "reporter_replied" => ChatLine {
                at: words::waktu(e.at, tz),
                inbound: true,
                who: "Pelapor".into(),
                text,
                status: None,
            },
            "message_sent" => ChatLine {
                at: words::waktu(e.at, tz),
                inbound: false,
                who: format!(
                    "Pesan petugas ({})",
                    e.actor_officer_name.as_deref().unwrap_or(&e.actor_name)
                ),
                text,
                status: d.get("outbox_id").and_then(|o| o.as_str()).map(status_of),
            },
            _ => continue,
        };
        lines.push((e.at, line));
    }
    for m in sent.iter().filter(|m| m.purpose != "staff" && m.part == 0) {
        lines.push((
            m.sent_at,
            ChatLine {
                at: words::waktu(m.sent_at, tz),
                inbound: false,
                who: words::chat_purpose(&m.purpose, m.template).to_string(),
                text: None,
                status: Some(words::chat_status(&m.status).to_string()),
            },
        ));
    }
    lines.sort_by_key(|(at, _)| *at);
    lines.into_iter().map(|(_, l)| l).collect()
}

/// Can this message channel send now (its settings are there)?
fn channel_on(state: &AppState, channel: crate::domain::Channel) -> bool {
    use crate::domain::Channel;
    match channel {
        Channel::Whatsapp => state.settings.whatsapp.is_some(),
        Channel::Telegram => state.settings.telegram.is_some(),
        Channel::Sms => state.settings.sms.can_send(),
        _ => false,
    }
}

/// A form that came back refused: what was typed, and the message next to
/// `field` and on top of the page.
fn came_back(
    m: &std::collections::HashMap<String, Vec<String>>,
    form: &str,
    field: &str,
    msg: &str,
) -> Extra {
    let mut extra = Extra {
        kept: m.clone(),
        failed: Some((form.into(), vec![(field.into(), msg.to_string())])),
        ..Default::default()
    };
    extra.notices.push(super::Notice {
        text: msg.to_string(),
        bad: true,
    });
    extra
}

/// What a re-rendered page carries besides the complaint.
#[derive(Default)]
pub struct Extra {
    pub notices: Vec<super::Notice>,
    pub kept: std::collections::HashMap<String, Vec<String>>,
    pub failed: Option<(String, Vec<(String, String)>)>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    uploaded: Option<String>,
    categorised: Option<String>,
    clock: Option<String>,
    again: Option<String>,
    sent: Option<String>,
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bita")
    }
}

/// The words of an event's detail worth showing on the timeline.
fn event_note(detail: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(detail).ok()?;
    let mut parts = Vec::new();
    for (key, label) in [
        ("to_position", "kepada"),
        ("instruction", "instruksi"),
        ("note", "catatan"),
        ("reason", "alasan"),
        ("agency", "instansi"),
        ("letter_number", "nomor surat"),
        ("file_name", "berkas"),
        ("text", "pesan"),
    ] {
        if let Some(s) = v
            .get(key)
            .and_then(|x| x.as_str())
            .filter(|s| !s.is_empty())
        {
            parts.push(format!("{label}: {s}"));
        }
    }
    if let Some(b) = v.pointer("/intake/suggestion_box") {
        let name = |k: &str| b.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_string();
        parts.push(format!(
            "kotak saran dibuka oleh {}, disaksikan {}",
            name("opened_by"),
            name("witness")
        ));
    }
    if let Some(n) = v.pointer("/intake/visit/number").and_then(|x| x.as_str()) {
        parts.push(format!("dari kunjungan {n} (buku tamu)"));
    }
    if let Some(by) = v.pointer("/intake/call/taken_by").and_then(|x| x.as_str()) {
        parts.push(format!("telepon diterima oleh {by}"));
    }
    if let Some(s) = v.pointer("/intake/social_media") {
        let platform = s.get("platform").and_then(|x| x.as_str()).unwrap_or("");
        let label = super::register::PLATFORMS
            .iter()
            .find(|(p, _)| *p == platform)
            .map_or(platform, |(_, l)| *l);
        parts.push(format!(
            "{label}: {}",
            s.get("post_url").and_then(|x| x.as_str()).unwrap_or("?")
        ));
    }
    if let Some(u) = v.get("reply_url").and_then(|x| x.as_str()) {
        parts.push(format!("balasan: {u}"));
    }
    if let (Some(by), Some(m)) = (
        v.get("given_by").and_then(|x| x.as_str()),
        v.get("method").and_then(|x| x.as_str()),
    ) {
        let what = match m {
            "phone" => "ditelepon oleh",
            "social_media" => "dibalas oleh",
            _ => "diserahkan oleh",
        };
        parts.push(format!("{what} {by}"));
    }
    if let Some(notes) = v.pointer("/intake/import_notes").and_then(|x| x.as_array()) {
        let notes: Vec<&str> = notes.iter().filter_map(|n| n.as_str()).collect();
        if !notes.is_empty() {
            parts.push(format!("catatan impor: {}", notes.join(" ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut extra = Extra::default();
    if let Some(a) = q
        .done
        .as_deref()
        .and_then(crate::domain::workflow::Action::parse)
    {
        extra.notices.push(super::Notice {
            text: super::actions::done(a).to_string(),
            bad: false,
        });
    }
    if q.clock.is_some() {
        extra.notices.push(super::Notice {
            text: "Waktu penanganan sudah diperbarui.".into(),
            bad: false,
        });
    }
    if q.again.is_some() {
        extra.notices.push(super::Notice {
            text: "Formulir ini sudah dikirim sebelumnya: pengaduan ini sudah terdaftar dan tidak didaftarkan dua kali.".into(),
            bad: false,
        });
    }
    if q.sent.is_some() {
        extra.notices.push(super::Notice {
            text: "Pesan WhatsApp masuk antrean kirim.".into(),
            bad: false,
        });
    }
    if q.categorised.is_some() {
        extra.notices.push(super::Notice {
            text: "Kategori tersimpan.".into(),
            bad: false,
        });
    }
    if q.uploaded.is_some() {
        extra.notices.push(super::Notice {
            text: "Lampiran tersimpan.".into(),
            bad: false,
        });
    }
    detail_page(&state, &who, &id, StatusCode::OK, extra).await
}

/// The complaint's page, with what came back from a form.
pub async fn detail_page(
    state: &AppState,
    who: &super::Staff,
    id: &str,
    status: StatusCode,
    mut extra: Extra,
) -> HttpResponse {
    let not_found = || super::not_found(state);
    let Ok(id) = id.parse::<Uuid>() else {
        return not_found();
    };
    let now = chrono::Utc::now();
    // opening it marks the dispositions to me read (issue 33)
    let (c, rights) = match state.app.open_complaint(id, who.caller.actor(), now).await {
        Ok(Some((c, r, marked))) if r.readable => {
            if marked > 0 {
                extra.notices.push(super::Notice {
                    text: "Disposisi kepada Anda tercatat sudah dibaca.".into(),
                    bad: false,
                });
            }
            (c, r)
        }
        Ok(_) => return not_found(),
        Err(_) => return super::unavailable(state),
    };
    let offers = rights.offers;
    // the complainant sees the blue ticks once staff opened their messages
    if let Err(e) = state.app.chat_opened(&c).await {
        tracing::warn!(error = %e, "WhatsApp read mark not queued");
    }
    let message_channel = crate::store::chat_message_kind(c.channel).is_some();
    let whatsapp_sent = if message_channel {
        state.store.chat_sent_of(id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let whatsapp_writable = message_channel
        && (c.reporter.phone.is_some() || c.channel == crate::domain::Channel::Telegram)
        && channel_on(state, c.channel)
        && who.caller.role().can_add_attachments();
    let (events, attachments, org, ctx, dispositions, drafts, reviews, positions) = match tokio::try_join!(
        async { state.store.timeline(id).await.map_err(|_| ()) },
        async { state.store.list_attachments(id).await.map_err(|_| ()) },
        async { state.app.org_chart().await.map_err(|_| ()) },
        async {
            crate::http::view::view_context(state, &who.caller)
                .await
                .map_err(|_| ())
        },
        async { state.store.dispositions(id).await.map_err(|_| ()) },
        async { state.store.drafts(id).await.map_err(|_| ()) },
        async { state.store.draft_reviews(id).await.map_err(|_| ()) },
        async { state.store.list_positions().await.map_err(|_| ()) },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(state),
    };
    // a social-media complaint: where to answer it
    let post = events
        .iter()
        .find(|e| e.kind == "registered")
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
        .and_then(|d| {
            let s = d.pointer("/intake/social_media")?;
            let url = s.get("post_url")?.as_str()?.to_string();
            let platform = s.get("platform").and_then(|p| p.as_str()).unwrap_or("");
            let label = super::register::PLATFORMS
                .iter()
                .find(|(p, _)| *p == platform)
                .map_or("Media sosial", |(_, l)| *l);
            crate::domain::workflow::web_address(&url).then(|| (label.to_string(), url))
        });
    // a category the list did not know when it was registered (LAPOR!'s topic)
    let intake_category = events
        .iter()
        .find(|e| e.kind == "registered")
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
        .and_then(|d| {
            d.pointer("/intake/category_original")
                .and_then(|x| x.as_str())
                .map(str::to_string)
        });
    let tz = state.settings.office_timezone;
    let version = c.version;
    let channel = c.channel;
    // the clock: forms only for whoever may use them (the app decides; the
    // store refuses what the state does not allow)
    let mut clock = Vec::new();
    if c.status.is_open() && rights.clock {
        clock.push(if c.paused_at.is_some() {
            "resume"
        } else {
            "pause"
        });
        if rights.extend {
            clock.push("extend");
        }
    }
    let anonymous_hidden = c.anonymous && !who.caller.role().sees_anonymous_identity();
    let holder = c.holder_position_id.map(|p| org.title(p).to_string());
    let dispose_from = crate::domain::workflow::disposer(c.status, c.holder_position_id, &org);
    let v = ComplaintView::new(c, &ctx);
    let (due_class, due_text) = words::due(v.status.is_open(), v.working_days_left, v.overdue);
    let mut refs = Vec::new();
    if let Some(x) = &v.external_ref.lapor_tracking_id {
        refs.push(("Nomor LAPOR!", x.clone()));
    }
    if let Some(x) = &v.external_ref.letter_number {
        refs.push(("Nomor surat", x.clone()));
    }
    if let Some(d) = v.external_ref.letter_date {
        refs.push(("Tanggal surat", d.format("%d-%m-%Y").to_string()));
    }
    if let Some(x) = &v.redirected_to {
        refs.push(("Dialihkan ke", x.clone()));
    }
    let mut reporter = Vec::new();
    if let Some(r) = &v.reporter {
        for (label, value) in [
            ("Nama", &r.name),
            ("Nomor identitas", &r.id_number),
            ("Telepon", &r.phone),
            ("Surel", &r.email),
            ("Alamat", &r.address),
        ] {
            if let Some(x) = value {
                reporter.push((label, x.clone()));
            }
        }
    }
    let detail = Detail {
        status: words::status(v.status),
        kind: words::kind(v.kind),
        channel: words::channel(v.channel),
        received: words::waktu(v.received_at, tz),
        registered_late: {
            let days = (v.registered_at.with_timezone(&tz).date_naive()
                - v.received_at.with_timezone(&tz).date_naive())
            .num_days();
            (days >= 1).then(|| {
                format!(
                    "{} — {days} hari setelah diterima; tenggat dihitung dari saat diterima",
                    words::waktu(v.registered_at, tz)
                )
            })
        },
        due: v.due_at.map(|t| words::waktu(t, tz)),
        lapor_due: v.lapor_followup_due_at.map(|t| words::waktu(t, tz)),
        paused: v
            .paused_at
            .map(|t| format!("sejak {}", words::waktu(t, tz))),
        holder,
        refs,
        category: v.category.clone(),
        location: v.location.clone(),
        confidential: v.confidential,
        anonymous: v.anonymous,
        reporter_hidden: v.reporter_hidden,
        reporter,
        due_class,
        due_text,
        subject: v.subject.clone(),
        body: v.body.clone(),
    };
    // the signed answer letters recorded (the dispatched letter's record)
    let signed: std::collections::HashSet<String> = events
        .iter()
        .filter(|e| e.kind == "signed_letter_recorded")
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
        .filter_map(|d| d["attachment_id"].as_str().map(str::to_string))
        .collect();
    let letter_sent = events
        .iter()
        .rev()
        .find(|e| e.kind == "answered")
        .is_some_and(|e| e.detail.contains("\"method\":\"letter\""));
    let lapor_missing = if v.external_ref.lapor_tracking_id.is_some() {
        state
            .store
            .lapor_attachments_missing(Some(id), 50)
            .await
            .unwrap_or_default()
            .iter()
            .map(|m| {
                let hide = anonymous_hidden
                    && crate::domain::identity::looks_like_identity_document(&m.file_name);
                crate::words::lapor_attachment_missing(m, hide, state.settings.office_timezone)
            })
            .collect()
    } else {
        Vec::new()
    };
    let attachments = attachments
        .into_iter()
        .filter(|a| !(a.identity && anonymous_hidden))
        .map(|a| AttachmentRow {
            signed: signed.contains(&a.id.to_string()),
            href: format!("/api/v1/complaints/{}/attachments/{}", a.complaint_id, a.id),
            name: a.file_name,
            size: size(a.size_bytes),
            identity: a.identity,
            preview: super::attachments::previewable(&a.content_type).map(|kind| {
                (
                    kind,
                    format!(
                        "/console/complaints/{}/attachments/{}/preview",
                        a.complaint_id, a.id
                    ),
                )
            }),
        })
        .collect();
    let chat_lines = if message_channel {
        conversation(
            channel.as_str(),
            &v.body,
            v.received_at,
            &events,
            &whatsapp_sent,
            tz,
        )
    } else {
        Vec::new()
    };
    let erased = events.iter().any(|e| e.kind == "personal_data_erased");
    let integrity = match state.app.timeline_integrity(id, &events, erased).await {
        Ok(crate::app::audit::Integrity::Whole { sealed, pending }) => (
            true,
            if pending == 0 {
                format!("Riwayat utuh: {sealed} peristiwa tersegel.")
            } else {
                format!(
                    "Riwayat utuh: {sealed} peristiwa tersegel; {pending} peristiwa terbaru disegel dalam beberapa menit."
                )
            },
        ),
        Ok(crate::app::audit::Integrity::Broken { event_id, why }) => {
            let at = event_id
                .and_then(|eid| events.iter().find(|e| e.id == eid))
                .map(|e| format!(" (peristiwa {})", words::waktu(e.at, tz)))
                .unwrap_or_default();
            (
                false,
                format!(
                    "Riwayat TIDAK utuh{at}: {}. Laporkan kepada admin.",
                    why.label()
                ),
            )
        }
        Err(_) => (true, String::new()),
    };
    let timeline = events
        .into_iter()
        .map(|e| EventRow {
            at: words::waktu(e.at, tz),
            what: words::event(&e.kind),
            who: match (&e.actor_officer_name, &e.actor_position) {
                (Some(n), Some(p)) => {
                    format!("{n}, {}{p}", words::acting_prefix(e.acting.as_deref()))
                }
                (Some(n), None) => n.clone(),
                _ => e.actor_name.clone(),
            },
            note: if (e.kind == "reporter_replied"
                && !["whatsapp", "telegram", "sms"]
                    .iter()
                    .any(|s| e.detail.contains(&format!("\"source\":\"{s}\""))))
                || e.kind == "personal_data_erased"
            {
                None
            } else {
                event_note(&e.detail)
            },
        })
        .collect();
    let dispositions = dispositions
        .into_iter()
        .map(|d| {
            let primary = d.recipients.iter().find(|r| r.is_primary);
            DispositionRow {
                from: org.title(d.from_position_id).to_string(),
                to: primary
                    .map(|r| org.title(r.position_id).to_string())
                    .unwrap_or_default(),
                read: primary.and_then(|r| r.read_at).map(|t| words::waktu(t, tz)),
                copies: d
                    .recipients
                    .iter()
                    .filter(|r| !r.is_primary)
                    .map(|r| {
                        let read = if r.read_at.is_some() {
                            "dibaca"
                        } else {
                            "belum dibaca"
                        };
                        format!("{} ({read})", org.title(r.position_id))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                instruction: d.instruction,
                note: d.note,
                at: words::waktu(d.created_at, tz),
                due: d.due_at.map(|t| words::waktu(t, tz)),
                withdrawn: d.withdrawn_at.is_some(),
            }
        })
        .collect();
    let latest = drafts.last();
    let view = |d: &crate::store::AnswerDraft| DraftView {
        version: d.version_no,
        author: match &d.author_officer_name {
            Some(n) => format!("{n}, {}", org.title(d.author_position_id)),
            None => org.title(d.author_position_id).to_string(),
        },
        at: words::waktu(d.created_at, tz),
        state: if d.submitted {
            "diajukan"
        } else {
            "belum diajukan"
        },
        body: d.body.clone(),
        changes: Vec::new(),
        older: Vec::new(),
        path: Vec::new(),
        own_salutation: crate::domain::letter::opens_with_salutation(&d.body),
    };
    let draft = latest.map(|d| {
        let mut v = view(d);
        if drafts.len() > 1 {
            let before = &drafts[drafts.len() - 2];
            use crate::domain::textdiff::{Piece, diff};
            v.changes = diff(&before.body, &d.body)
                .into_iter()
                .map(|p| match p {
                    Piece::Same(t) => ("same", t),
                    Piece::Removed(t) => ("del", t),
                    Piece::Added(t) => ("ins", t),
                })
                .collect();
        }
        v.older = drafts.iter().rev().skip(1).map(view).collect();
        v.path = org
            .approval_path(d.author_position_id)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let approval = reviews
                    .iter()
                    .find(|r| r.draft_id == d.id && r.decision == "approved" && r.position_id == p);
                let state = match approval {
                    None => String::new(),
                    Some(r) => match r.acting.as_deref() {
                        Some("plh") => "disetujui (Plh.)".into(),
                        Some("plt") => "disetujui (Plt.)".into(),
                        _ => "disetujui".into(),
                    },
                };
                (org.title(p).to_string(), state)
            })
            .collect();
        v
    });
    let reviews = reviews
        .into_iter()
        .map(|r| {
            let what = match r.decision.as_str() {
                "submitted" => "diajukan",
                "approved" => "disetujui",
                "returned" => "dikembalikan",
                _ => "diperiksa",
            };
            let who = match (r.officer_name, r.acting.as_deref()) {
                (Some(n), Some(a)) => format!(
                    "{n}, {}{}",
                    words::acting_prefix(Some(a)),
                    org.title(r.position_id)
                ),
                (Some(n), None) => n,
                (None, _) => org.title(r.position_id).to_string(),
            };
            let note = r.note.map(|n| format!(": {n}")).unwrap_or_default();
            format!("{} — {what} oleh {who}{note}", words::waktu(r.at, tz))
        })
        .collect();
    let failed = extra
        .failed
        .as_ref()
        .map(|(a, e)| (a.as_str(), e.as_slice()));
    let actions = super::actions::forms(
        &offers,
        &super::actions::Context {
            positions: &positions,
            org: &org,
            dispose_from,
            instructions: &state.settings.disposition_instructions,
            latest_draft: latest.map(|d| d.body.as_str()),
            channel,
            kept: &extra.kept,
            failed,
        },
    );
    let mut layout = Layout::for_staff(state, who, &v.tracking_number, Section::Complaints);
    layout.notices = extra.notices;
    // reading it reads its notifications (issue 33)
    if who.unread > 0
        && let Some(account) = who.caller.session().map(|s| s.account.id)
    {
        match state
            .app
            .read_complaint_notifications(id, account, now)
            .await
        {
            Ok(()) => {
                layout.unread = super::notifications::badge(
                    super::notifications::unread(state, &who.caller).await,
                )
            }
            Err(e) => tracing::warn!(error = %e, "console: notifications not marked read"),
        }
    }
    let clock_error = match &extra.failed {
        Some((a, errors)) if a == "clock" => errors.first().map(|(_, m)| m.clone()),
        _ => None,
    };
    // the category: as first written, and the form for whoever may set it
    let category_original = match state.store.category_original(id).await {
        Ok(Some(o)) => Some(o),
        _ => intake_category,
    };
    let categories = match who.caller.role() {
        crate::domain::Role::Admin
        | crate::domain::Role::Reception
        | crate::domain::Role::Liaison
        | crate::domain::Role::Head => {
            let current = detail.category.as_deref().map(crate::domain::category::key);
            let list = state.app.categories().await.unwrap_or_default();
            let opts: Vec<super::actions::Opt> = list
                .iter()
                .filter(|c| c.active || current.as_deref() == Some(c.key.as_str()))
                .map(|c| super::actions::Opt {
                    value: c.name.clone(),
                    label: c.name.clone(),
                    selected: current.as_deref() == Some(c.key.as_str()),
                })
                .collect();
            (!opts.is_empty()).then_some(opts)
        }
        _ => None,
    };
    render(
        status,
        &DetailPage {
            post,
            category_original,
            categories,
            layout,
            clock,
            clock_error,
            id: id.to_string(),
            attach: who.caller.role().can_add_attachments(),
            letter_sent,
            version,
            c: detail,
            attachments,
            lapor_missing,
            timeline,
            integrity,
            dispositions,
            draft,
            reviews,
            actions,
            whatsapp: message_channel.then(|| WhatsappBox {
                title: format!("{} pelapor", words::channel(channel)),
                window: channel == crate::domain::Channel::Whatsapp,
                lines: chat_lines,
                can_write: whatsapp_writable,
                error: match &extra.failed {
                    Some((a, errors)) if a == "whatsapp" => errors.first().map(|(_, m)| m.clone()),
                    _ => None,
                },
                kept: extra
                    .kept
                    .get("text")
                    .and_then(|v| v.first())
                    .cloned()
                    .unwrap_or_default(),
            }),
            open: extra.failed.map(|(a, _)| a).unwrap_or_default(),
        },
    )
}

/// `POST /console/complaints/{id}/whatsapp`: a message to the complainant.
pub async fn whatsapp(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m, cid) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let text = super::actions::first(&m, "text").trim().to_string();
    let back = |msg: &str, status: StatusCode| (came_back(&m, "whatsapp", "text", msg), status);
    let c = match state.store.get_complaint(cid).await {
        Ok(Some(c)) => c,
        Ok(None) => return super::not_found(&state),
        Err(_) => return super::unavailable(&state),
    };
    if let Err(r) = super::readable_one(&state, &who, &c).await {
        return r;
    }
    let problem = if !who.caller.role().can_add_attachments() {
        Some((
            "Peran Anda tidak dapat mengirim pesan kepada pelapor.",
            StatusCode::FORBIDDEN,
        ))
    } else if !channel_on(&state, c.channel) {
        Some((
            "Saluran pesan ini belum diaktifkan oleh admin.",
            StatusCode::CONFLICT,
        ))
    } else if text.is_empty() {
        Some(("Tuliskan pesannya.", StatusCode::UNPROCESSABLE_ENTITY))
    } else if text.chars().count() > 4000 {
        Some((
            "Pesan paling banyak 4.000 karakter.",
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    } else if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Some((
            "Pesan memuat karakter yang tidak dapat dikirim.",
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    } else {
        None
    };
    if let Some((msg, status)) = problem {
        let (extra, status) = back(msg, status);
        return detail_page(&state, &who, &cid.to_string(), status, extra).await;
    }
    match state
        .app
        .message_complainant(&c, &text, who.caller.actor())
        .await
    {
        Ok(true) => HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/console/complaints/{cid}?sent=1"),
            ))
            .finish(),
        Ok(false) => {
            let (extra, status) = back(
                "Pengaduan ini tidak datang lewat WhatsApp, Telegram, atau SMS, atau nomor pelapor tidak diketahui.",
                StatusCode::CONFLICT,
            );
            detail_page(&state, &who, &cid.to_string(), status, extra).await
        }
        Err(_) => super::unavailable(&state),
    }
}

/// A workflow action posted from the complaint's page.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    use super::actions;
    use crate::store::ActOutcome;
    let (who, m, cid) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let one = |k: &str| actions::first(&m, k).to_string();
    let action_name = one("action");
    let Some(action) = crate::domain::workflow::Action::parse(&action_name) else {
        return super::message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tindakan tidak dikenal",
            "Muat ulang halaman lalu coba lagi.",
        );
    };
    let Ok(version) = one("version").parse::<i64>() else {
        return super::message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Versi tidak dikenal",
            "Muat ulang halaman lalu coba lagi.",
        );
    };
    let tz = state.settings.office_timezone;
    let merge_into = if action == crate::domain::workflow::Action::Merge {
        match TrackingNumber::parse(&one("into").trim().to_uppercase()) {
            Some(n) => match state.store.find_by_tracking_number(n.as_str()).await {
                Ok(found) => found.map(|(c, _)| c.id),
                Err(_) => return super::unavailable(&state),
            },
            None => None,
        }
    } else {
        None
    };
    let back = |status: StatusCode, errors: Vec<(String, String)>, notice: Option<String>| {
        let mut extra = Extra {
            kept: m.clone(),
            failed: Some((action_name.clone(), errors)),
            ..Default::default()
        };
        if let Some(n) = notice {
            extra.notices.push(super::Notice { text: n, bad: true });
        }
        (status, extra)
    };
    let (status, extra) = match actions::command(action, &m, &state.settings.disposition_instructions, tz, merge_into) {
        Err(errors) => back(
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            Some("Periksa isian yang ditandai.".into()),
        ),
        Ok(cmd) => match state.app.act(cid, version, &cmd, who.caller.actor(), chrono::Utc::now()).await {
            Ok(ActOutcome::Done(_)) => {
                // decided from the inbox: back to it
                let to = if one("back") == "/console" {
                    format!("/console?done={}", action.as_str())
                } else {
                    format!("/console/complaints/{cid}?done={}", action.as_str())
                };
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to))
                    .finish();
            }
            Ok(ActOutcome::NotFound) => {
                return super::not_found(&state);
            }
            Ok(ActOutcome::VersionMismatch(_)) => back(
                StatusCode::CONFLICT,
                Vec::new(),
                Some(
                    "Pengaduan ini baru saja diubah orang lain, jadi tindakan Anda belum disimpan. \
                     Periksa keadaannya di bawah; isian Anda masih ada di formulirnya."
                        .into(),
                ),
            ),
            Ok(ActOutcome::Refused(e)) => {
                let (field, message) = actions::refusal(&e);
                match field {
                    Some(f) => back(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        vec![(f, message)],
                        Some("Periksa isian yang ditandai.".into()),
                    ),
                    None => back(StatusCode::CONFLICT, Vec::new(), Some(message)),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "console action failed");
                return super::unavailable(&state);
            }
        },
    };
    detail_page(&state, &who, &cid.to_string(), status, extra).await
}

#[derive(Template)]
#[template(path = "console/sheet.html")]
struct SheetPage {
    office: String,
    letterhead: Vec<String>,
    id: String,
    number: String,
    received: String,
    from: String,
    channel: &'static str,
    letter_number: String,
    letter_date: String,
    subject: String,
    due: String,
    rows: Vec<DispositionRow>,
    place_date: String,
}

/// The lembar disposisi's content, or the page that says why not.
async fn sheet_of(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
) -> Result<SheetPage, HttpResponse> {
    let who = staff(state, req).await?;
    let Ok(id) = id.parse::<Uuid>() else {
        return Err(super::not_found(state));
    };
    let (c, org, ds, ctx) = match tokio::try_join!(
        async { state.store.get_complaint(id).await.map_err(|_| ()) },
        async { state.app.org_chart().await.map_err(|_| ()) },
        async { state.store.dispositions(id).await.map_err(|_| ()) },
        async {
            crate::http::view::view_context(state, &who.caller)
                .await
                .map_err(|_| ())
        },
    ) {
        Ok((Some(c), org, ds, ctx)) => (c, org, ds, ctx),
        Ok((None, ..)) => {
            return Err(super::not_found(state));
        }
        Err(()) => return Err(super::unavailable(state)),
    };
    super::readable_one(state, &who, &c).await?;
    let tz = state.settings.office_timezone;
    let v = ComplaintView::new(c, &ctx);
    let from = if v.reporter_hidden {
        "Pelapor (dirahasiakan)".to_string()
    } else {
        v.reporter
            .as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let rows = ds
        .into_iter()
        .filter(|d| d.withdrawn_at.is_none())
        .map(|d| {
            let primary = d.recipients.iter().find(|r| r.is_primary);
            DispositionRow {
                from: match &d.officer_name {
                    Some(n) => format!(
                        "{} ({}{n})",
                        org.title(d.from_position_id),
                        words::acting_prefix(d.acting.as_deref())
                    ),
                    None => org.title(d.from_position_id).to_string(),
                },
                to: primary
                    .map(|r| org.title(r.position_id).to_string())
                    .unwrap_or_default(),
                read: primary.and_then(|r| r.read_at).map(|t| words::waktu(t, tz)),
                copies: d
                    .recipients
                    .iter()
                    .filter(|r| !r.is_primary)
                    .map(|r| org.title(r.position_id).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                instruction: d.instruction,
                note: d.note,
                at: crate::words::tanggal(d.created_at, tz),
                due: d.due_at.map(|t| crate::words::tanggal(t, tz)),
                withdrawn: false,
            }
        })
        .collect();
    Ok(SheetPage {
        office: state.settings.office_name.clone(),
        letterhead: state.settings.letterhead.clone(),
        id: id.to_string(),
        number: v.tracking_number.clone(),
        received: words::waktu(v.received_at, tz),
        from,
        channel: words::channel(v.channel),
        letter_number: v
            .external_ref
            .letter_number
            .clone()
            .unwrap_or_else(|| "—".into()),
        letter_date: v
            .external_ref
            .letter_date
            .map(|d| d.format("%d-%m-%Y").to_string())
            .unwrap_or_else(|| "—".into()),
        subject: v.subject.clone(),
        due: v
            .due_at
            .map(|t| words::waktu(t, tz))
            .unwrap_or_else(|| "—".into()),
        rows,
        place_date: crate::words::tanggal(chrono::Utc::now(), tz),
    })
}

/// The lembar disposisi of a complaint, to print (A4).
pub async fn sheet(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    match sheet_of(&state, &req, &id).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(r) => r,
    }
}

/// The same lembar disposisi as a PDF (A4 landscape, fonts embedded).
pub async fn sheet_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    use crate::pdf::{Column, Document, Font};
    let p = match sheet_of(&state, &req, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let made = tokio::task::spawn_blocking(move || {
        let mut d = Document::new(&format!("Lembar disposisi {}", p.number), true);
        d.letterhead(&p.letterhead, 12.0);
        d.text("LEMBAR DISPOSISI", Font::Bold, 13.0, true);
        d.gap(6.0);
        d.fields(
            &[
                ("Nomor agenda", p.number.as_str()),
                ("Diterima", p.received.as_str()),
                ("Surat dari", p.from.as_str()),
                ("Saluran", p.channel),
                (
                    "Nomor / tanggal surat",
                    &format!("{} / {}", p.letter_number, p.letter_date),
                ),
                ("Perihal", p.subject.as_str()),
                ("Batas waktu jawaban", p.due.as_str()),
            ],
            130.0,
            10.0,
        );
        d.gap(8.0);
        if p.rows.is_empty() {
            d.text("Belum ada disposisi.", Font::Regular, 10.0, false);
        } else {
            let rows: Vec<Vec<String>> = p
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.at.clone(),
                        r.from.clone(),
                        r.to.clone(),
                        match &r.note {
                            Some(n) => format!("{}\n{n}", r.instruction),
                            None => r.instruction.clone(),
                        },
                        r.due.clone().unwrap_or_else(|| "—".into()),
                        r.copies.clone(),
                    ]
                })
                .collect();
            d.table(
                &[
                    Column {
                        title: "Tanggal",
                        share: 1.2,
                    },
                    Column {
                        title: "Dari",
                        share: 2.2,
                    },
                    Column {
                        title: "Kepada",
                        share: 1.8,
                    },
                    Column {
                        title: "Instruksi dan catatan",
                        share: 3.0,
                    },
                    Column {
                        title: "Selesai paling lambat",
                        share: 1.3,
                    },
                    Column {
                        title: "Tembusan",
                        share: 1.6,
                    },
                ],
                &rows,
                9.0,
            );
        }
        d.gap(14.0);
        d.block(
            &[
                (p.place_date.as_str(), Font::Regular),
                ("Kepala Dinas", Font::Regular),
                (" ", Font::Regular),
                (" ", Font::Regular),
                (" ", Font::Regular),
                (
                    "(.................................................)",
                    Font::Regular,
                ),
            ],
            0.6,
            10.0,
        );
        d.finish(&format!("{} · lembar disposisi {}", p.office, p.number))
    })
    .await;
    super::pdf_answer(&state, made, "lembar-disposisi.pdf", "lembar disposisi")
}

/// Stopping, restarting or extending the complaint's clock from its page.
pub async fn clock(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    use crate::store::{ClockOp, ClockOutcome};
    let (who, m, cid) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let one = |k: &str| super::actions::first(&m, k).trim().to_string();
    let back = |msg: &str, status: StatusCode| (came_back(&m, "clock", "reason", msg), status);
    let reason = one("reason");
    let op = match one("op").as_str() {
        _ if reason.is_empty() || reason.chars().count() > 1000 => None,
        "pause" => Some(ClockOp::Pause {
            reason: reason.clone(),
        }),
        "resume" => Some(ClockOp::Resume {
            reason: reason.clone(),
        }),
        "extend" if who.caller.role() == crate::domain::Role::Head => {
            match one("working_days").parse::<u32>() {
                Ok(n @ 1..=30) => Some(ClockOp::Extend {
                    working_days: n,
                    reason: reason.clone(),
                }),
                _ => {
                    let (extra, status) = back(
                        "Perpanjangan 1 sampai 30 hari kerja.",
                        StatusCode::UNPROCESSABLE_ENTITY,
                    );
                    return detail_page(&state, &who, &cid.to_string(), status, extra).await;
                }
            }
        }
        _ => None,
    };
    let Some(op) = op else {
        let (extra, status) = back("Tuliskan alasannya.", StatusCode::UNPROCESSABLE_ENTITY);
        return detail_page(&state, &who, &cid.to_string(), status, extra).await;
    };
    let version = one("version").parse::<i64>().ok();
    let (extra, status) = match state
        .app
        .adjust_clock(cid, version, &op, who.caller.actor(), chrono::Utc::now())
        .await
    {
        Ok(ClockOutcome::Done(_)) => {
            return HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/console/complaints/{cid}?clock=1"),
                ))
                .finish();
        }
        Ok(ClockOutcome::NotFound) => {
            return super::not_found(&state);
        }
        Ok(ClockOutcome::VersionMismatch(_)) => back(
            "Pengaduan ini baru saja diubah orang lain; periksa keadaannya lalu coba lagi.",
            StatusCode::CONFLICT,
        ),
        Ok(ClockOutcome::Conflict(_)) => back(
            "Tidak dapat dilakukan pada keadaan pengaduan sekarang.",
            StatusCode::CONFLICT,
        ),
        Ok(ClockOutcome::Forbidden(_)) => back(
            "Waktu penyelesaian hanya dapat dihentikan atau dijalankan lagi oleh pemegang \
             pengaduan (atau Plh/Plt-nya), oleh petugas depan selama pengaduan menunggu mereka, \
             atau oleh Kepala Dinas.",
            StatusCode::FORBIDDEN,
        ),
        Err(_) => return super::unavailable(&state),
    };
    detail_page(&state, &who, &cid.to_string(), status, extra).await
}

/// Complaints by the reporter's NIK, phone or email (exact, through the
/// blind index; POST so the identifier never reaches a URL or a log).
/// Anonymous complaints are found only by roles that see their reporters:
/// otherwise the search itself would tell who wrote them. For the roles that
/// answer people at the desk (`Role::may_search_people`), with a purpose;
/// each search is written to the privacy audit (ADR 0016).
pub async fn person(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    use crate::domain::identity::{IdentityKind, normalize};
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let m = super::actions::parse_form(&body);
    let one = |k: &str| {
        m.get(k)
            .and_then(|v| v.first())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    if !crate::http::session::form_csrf_ok(
        &req,
        &who.caller,
        &one("csrf"),
        &state.settings.public_base_url,
    ) {
        return super::refused(&state);
    }
    if !who.caller.role().may_search_people() {
        return super::message(
            &state,
            StatusCode::FORBIDDEN,
            "Bukan untuk peran ini",
            "Pencarian menurut identitas pelapor hanya untuk petugas penerima, pejabat \
             penghubung, petugas pelindungan data, dan admin. Setiap pencarian dicatat.",
        );
    }
    let raw = one("identifier");
    let purpose: String = one("purpose").chars().take(500).collect();
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let kinds: Vec<(IdentityKind, String)> = if raw.contains('@') {
        vec![(IdentityKind::Email, raw.clone())]
    } else if digits.len() == 16 && normalize(IdentityKind::IdNumber, &raw).is_some() {
        vec![
            (IdentityKind::IdNumber, raw.clone()),
            (IdentityKind::Phone, raw.clone()),
        ]
    } else if (6..=15).contains(&digits.len()) {
        vec![(IdentityKind::Phone, raw.clone())]
    } else if !raw.is_empty() && raw.chars().count() <= 254 {
        vec![(IdentityKind::IdNumber, raw.clone())]
    } else {
        Vec::new()
    };
    let purpose_error = purpose
        .trim()
        .is_empty()
        .then(|| "Tuliskan keperluannya, misalnya \"pelapor menanyakan perkembangan lewat telepon\". Setiap pencarian dicatat.".to_string());
    let found = if kinds.is_empty() || purpose_error.is_some() {
        Vec::new()
    } else {
        match state
            .app
            .find_person(
                &kinds,
                purpose.trim(),
                who.caller.actor(),
                chrono::Utc::now(),
            )
            .await
        {
            Ok(f) => f,
            Err(_) => return super::unavailable(&state),
        }
    };
    let sees_anonymous = who.caller.role().sees_anonymous_identity();
    let ctx = match crate::http::view::view_context(&state, &who.caller).await {
        Ok(c) => c,
        Err(_) => return super::unavailable(&state),
    };
    let tz = state.settings.office_timezone;
    let positions = match state.store.list_positions().await {
        Ok(p) => p,
        Err(_) => return super::unavailable(&state),
    };
    let titles: std::collections::HashMap<Uuid, &str> =
        positions.iter().map(|p| (p.id, p.title.as_str())).collect();
    let rows: Vec<Row> = found
        .into_iter()
        .filter(|c| sees_anonymous || !c.anonymous)
        .map(|c| {
            let holder = holder_title(&titles, c.holder_position_id);
            row(ComplaintView::new(c, &ctx), tz, holder)
        })
        .collect();
    let (statuses, channels, kind_opts) = options("", "", "");
    let f = Filters {
        q: String::new(),
        from: String::new(),
        to: String::new(),
        statuses,
        channels,
        kinds: kind_opts,
        holders: Vec::new(),
        csv: "/console/complaints.csv".into(),
        error: None,
        example: crate::domain::TrackingNumber::new(
            &state.settings.tracking_prefix,
            chrono::Utc::now().with_timezone(&tz).year(),
            12,
        )
        .to_string(),
        identifier_error: kinds
            .is_empty()
            .then(|| "Isi NIK, nomor telepon, atau alamat surel.".to_string()),
        identifier: raw,
        purpose,
        purpose_error,
        person_search: true,
    };
    let status = if f.identifier_error.is_some() || f.purpose_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &ListPage {
            layout: Layout::for_staff(
                &state,
                &who,
                "Pengaduan menurut pelapor",
                Section::Complaints,
            ),
            f,
            rows,
            next: None,
            bulk: None,
            sort_newest: "/console/complaints".into(),
            sort_oldest: "/console/complaints?sort=oldest".into(),
            sort_due: "/console/complaints?due=open".into(),
            oldest: false,
            views: Vec::new(),
            save_query: String::new(),
            share_roles: Vec::new(),
        },
    )
}

/// `POST /console/complaints/{id}/category`: sets the category from the
/// office's list (issue 33); a complaint changed since the page was opened
/// is not changed.
pub async fn set_category(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let (who, m, id) = match super::staff_post_on(&state, &req, &id, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let one = |k: &str| super::actions::first(&m, k).trim().to_string();
    let version = one("version").parse::<i64>().ok();
    let category = Some(one("category")).filter(|c| !c.is_empty());
    let problem = |text: &str| {
        super::message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Kategori belum disimpan",
            text,
        )
    };
    match state
        .app
        .set_category(
            id,
            version,
            category.as_deref(),
            who.caller.actor(),
            chrono::Utc::now(),
        )
        .await
    {
        Ok(crate::store::CategoryOutcome::Done(_)) => HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/console/complaints/{id}?categorised=1"),
            ))
            .finish(),
        Ok(crate::store::CategoryOutcome::NotFound) => super::not_found(&state),
        Ok(crate::store::CategoryOutcome::Stale(_)) => problem(
            "Pengaduan ini sudah berubah sejak halamannya dibuka. Buka lagi dan pilih kategorinya. Tidak ada yang diubah.",
        ),
        Err(crate::app::categories::SetCategoryError::NotInList(_)) => {
            problem("Pilih kategori dari daftar kantor. Tidak ada yang diubah.")
        }
        Err(crate::app::categories::SetCategoryError::Forbidden) => super::refused(&state),
        Err(crate::app::categories::SetCategoryError::Store(e)) => {
            tracing::error!(error = %e, "console: category not set");
            super::unavailable(&state)
        }
    }
}
