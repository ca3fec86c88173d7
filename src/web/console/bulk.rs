//! Bulk actions from the list and the inbox (issue 33): tick complaints,
//! or take all that the list's filter selects; forward, dispose or mark
//! read; the result page lists what was done and what was refused and why.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

use super::actions::Opt;
use super::{Layout, Section, render};
use crate::app::bulk::{BulkAction, BulkItem, MAX_BULK, Refusal};
use crate::domain::Role;
use crate::http::AppState;
use crate::words;

/// The bulk bar of a list: what the person may do to many at once.
pub struct BulkForm {
    pub forward: bool,
    pub dispose: bool,
    pub read: bool,
    /// Set the category (the front office and the head).
    pub categorise: bool,
    pub categories: Vec<String>,
    pub positions: Vec<Opt>,
    pub instructions: Vec<String>,
    /// All that the filter selects: how many (in words) and the filter.
    pub all: Option<(String, String)>,
    /// Where the result page leads back to.
    pub back: String,
}

impl BulkForm {
    /// Whether this role gets a bulk bar at all (the list counts "all that
    /// the filter selects" only then).
    pub fn offered_to(role: Role) -> bool {
        (role.can_create_complaints() && role != Role::Integration)
            || matches!(role, Role::Head | Role::Official)
    }

    /// The bar for this person, `None` when they have nothing to do in bulk.
    pub async fn offer(
        state: &AppState,
        who: &super::Staff,
        positions: &[crate::store::Position],
        all: Option<(u64, String)>,
        back: &str,
    ) -> Option<BulkForm> {
        let role = who.caller.role();
        if !Self::offered_to(role) {
            return None;
        }
        let forward = role.can_create_complaints() && role != Role::Integration;
        let officer = matches!(role, Role::Head | Role::Official);
        let categorise = matches!(
            role,
            Role::Admin | Role::Reception | Role::Liaison | Role::Head
        );
        let categories: Vec<String> = if categorise {
            state
                .app
                .categories()
                .await
                .map(|l| {
                    l.iter()
                        .filter(|c| c.active)
                        .map(|c| c.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut ps: Vec<&crate::store::Position> = positions.iter().collect();
        ps.sort_by(|a, b| a.title.cmp(&b.title));
        Some(BulkForm {
            forward,
            dispose: officer,
            read: officer,
            categorise: categorise && !categories.is_empty(),
            categories,
            positions: ps
                .into_iter()
                .map(|p| Opt {
                    value: p.id.to_string(),
                    label: p.title.clone(),
                    selected: false,
                })
                .collect(),
            instructions: state.settings.disposition_instructions.clone(),
            all: all.filter(|(n, _)| *n > 0).map(|(n, filter)| {
                let words = if n > MAX_BULK as u64 {
                    format!("lebih dari {MAX_BULK}; {MAX_BULK} yang pertama dikerjakan")
                } else {
                    n.to_string()
                };
                (words, filter)
            }),
            back: back.to_string(),
        })
    }
}

pub struct Line {
    pub id: String,
    pub number: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "console/bulk.html")]
struct ResultPage {
    layout: Layout,
    done: Vec<Line>,
    refused: Vec<Line>,
    back: String,
}

fn refused_text(r: &Refusal) -> String {
    match r {
        Refusal::NotFound => "Tidak ditemukan, atau bukan untuk Anda.".into(),
        Refusal::Stale(_) => {
            "Sudah berubah sejak daftar dibuka (ada tindakan lain); buka dan periksa lagi.".into()
        }
        Refusal::NothingUnread => "Tidak ada disposisi kepada Anda yang belum dibaca.".into(),
        Refusal::Rule(e) => super::actions::refusal(e).1,
    }
}

/// `POST /console/bulk`.
pub async fn run(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let (who, m) = match super::staff_post(&state, &req, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let one = |k: &str| super::actions::first(&m, k).trim().to_string();
    let back = Some(one("back"))
        .filter(|b| b.starts_with("/console") && !b.starts_with("//"))
        .unwrap_or_else(|| "/console/complaints".into());
    let note = Some(one("note")).filter(|n| !n.is_empty());
    let problem = |text: &str| {
        super::message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tindakan massal belum dijalankan",
            text,
        )
    };
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return problem("Catatan paling banyak 2000 karakter. Tidak ada yang diubah.");
    }
    let action = match one("op").as_str() {
        "forward" => BulkAction::Forward { note },
        "read" => BulkAction::Read,
        "category" => match one("category").as_str() {
            "" => {
                return problem("Pilih kategorinya. Tidak ada yang diubah.");
            }
            "-" => BulkAction::SetCategory { category: None },
            c => BulkAction::SetCategory {
                category: Some(c.to_string()),
            },
        },
        "dispose" => {
            let to = one("to").parse::<Uuid>().ok();
            let instruction = one("instruction");
            match to {
                Some(to) if !instruction.is_empty() => BulkAction::Dispose {
                    to,
                    instruction,
                    note,
                },
                _ => {
                    return problem(
                        "Untuk disposisi, pilih jabatan tujuan dan instruksinya. Tidak ada yang diubah.",
                    );
                }
            }
        }
        _ => return problem("Pilih tindakannya. Tidak ada yang diubah."),
    };
    let tz = state.settings.office_timezone;
    let items: Vec<BulkItem> = if one("all") == "1" {
        let positions = match state.store.list_positions().await {
            Ok(p) => p,
            Err(_) => return super::unavailable(&state),
        };
        let Some(mut q) = super::complaints::filter_of_query_string(&one("filter"), &positions, tz)
        else {
            return problem("Saringan daftar tidak dapat dibaca. Tidak ada yang diubah.");
        };
        q.limit = MAX_BULK as u32;
        match state.store.list_complaints(&q).await {
            Ok(rows) => rows
                .into_iter()
                .map(|c| BulkItem {
                    id: c.id,
                    version: None,
                })
                .collect(),
            Err(_) => return super::unavailable(&state),
        }
    } else {
        m.get("c")
            .map(|v| {
                v.iter()
                    .filter_map(|pick| {
                        let (id, version) = pick.split_once(':')?;
                        Some(BulkItem {
                            id: id.parse().ok()?,
                            version: version.parse().ok(),
                        })
                    })
                    .take(MAX_BULK)
                    .collect()
            })
            .unwrap_or_default()
    };
    if items.is_empty() {
        return problem("Centang dulu pengaduan yang akan dikerjakan. Tidak ada yang diubah.");
    }
    let outcomes = match state
        .app
        .bulk(&items, &action, who.caller.actor(), chrono::Utc::now())
        .await
    {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "console bulk action failed");
            return super::unavailable(&state);
        }
    };
    let mut done = Vec::new();
    let mut refused = Vec::new();
    for o in outcomes {
        let number = o
            .tracking_number
            .clone()
            .unwrap_or_else(|| "(tidak dikenal)".into());
        match &o.result {
            Ok(c) => done.push(Line {
                id: o.id.to_string(),
                number,
                text: words::status(c.status).to_string(),
            }),
            Err(r) => refused.push(Line {
                id: o.id.to_string(),
                number,
                text: refused_text(r),
            }),
        }
    }
    let title = match action {
        BulkAction::Forward { .. } => "Hasil: diteruskan ke Kepala Dinas",
        BulkAction::Dispose { .. } => "Hasil: disposisi",
        BulkAction::Read => "Hasil: ditandai sudah dibaca",
        BulkAction::SetCategory { .. } => "Hasil: kategori ditetapkan",
    };
    render(
        StatusCode::OK,
        &ResultPage {
            layout: Layout::for_staff(&state, &who, title, Section::Complaints),
            done,
            refused,
            back,
        },
    )
}
