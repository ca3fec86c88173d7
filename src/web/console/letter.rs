//! The answer letter, printable on A4: the office's letterhead from the
//! settings (`ADUAN_LETTERHEAD`, `ADUAN_OFFICE_CITY`), the number and date
//! of the dispatch once recorded (blank lines before), the addressee as the
//! role may see them, the latest version of the answer, and room for the
//! head's signature.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, TimeZone};
use uuid::Uuid;

use super::{render, staff};
use crate::http::AppState;
use crate::http::dto::ComplaintView;
use crate::words::tanggal;

#[derive(Template)]
#[template(path = "console/letter.html")]
struct LetterPage {
    office: String,
    letterhead: Vec<String>,
    id: String,
    number: String,
    place_date: String,
    letter_number: String,
    confidential: bool,
    subject: String,
    to: Vec<String>,
    opening: String,
    body: String,
    version: i32,
    approved: bool,
    /// The signature's title lines: "Kepala Dinas Sosial", or "Plh. Kepala
    /// Dinas Sosial" when the acting head approved this version, or "a.n.
    /// Kepala Dinas Sosial" + "Sekretaris" when `ADUAN_LETTER_SIGNER` names
    /// the position that signs.
    signer_title: Vec<String>,
    signer_name: String,
    /// Pangkat/golongan.
    signer_rank: String,
    signer_nip: String,
    /// Tembusan (`ADUAN_LETTER_COPIES`).
    copies: Vec<String>,
}

fn date_of(d: NaiveDate, tz: chrono_tz::Tz) -> String {
    match d
        .and_hms_opt(12, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
    {
        Some(t) => tanggal(t.to_utc(), tz),
        None => d.format("%d-%m-%Y").to_string(),
    }
}

/// The letter, as both the page and the PDF show it.
struct Letter {
    page: LetterPage,
    /// The paragraphs of the body.
    paragraphs: Vec<String>,
}

/// The letter of the complaint's latest draft, or the page that says why not.
async fn letter(state: &AppState, req: &HttpRequest, id: &str) -> Result<Letter, HttpResponse> {
    let who = staff(state, req).await?;
    let Ok(id) = id.parse::<Uuid>() else {
        return Err(super::not_found(state));
    };
    let (c, drafts, reviews, dispatches, ctx) = match tokio::try_join!(
        async { state.store.get_complaint(id).await.map_err(|_| ()) },
        async { state.store.drafts(id).await.map_err(|_| ()) },
        async { state.store.draft_reviews(id).await.map_err(|_| ()) },
        async { state.store.dispatches(id).await.map_err(|_| ()) },
        async {
            crate::http::view::view_context(state, &who.caller)
                .await
                .map_err(|_| ())
        },
    ) {
        Ok((Some(c), d, r, x, ctx)) => (c, d, r, x, ctx),
        Ok((None, ..)) => return Err(super::not_found(state)),
        Err(()) => return Err(super::unavailable(state)),
    };
    super::readable_one(state, &who, &c).await?;
    let tz = state.settings.office_timezone;
    let Some(draft) = drafts.last() else {
        return Err(super::message(
            state,
            StatusCode::NOT_FOUND,
            "Belum ada jawaban",
            "Surat jawaban dapat dicetak setelah konsep jawaban disusun.",
        ));
    };
    let dispatch = dispatches.iter().rev().find(|d| d.draft_id == draft.id);
    // approved by the head: the head's approval of this version
    let head = state.app.org_chart().await.ok().and_then(|o| o.head());
    let approval = reviews.iter().rev().find(|r| {
        r.draft_id == draft.id && r.decision == "approved" && Some(r.position_id) == head
    });
    let approved = dispatch.is_some() || approval.is_some();
    // the agenda's number once the head approved
    let agenda = state.store.agenda_entry(draft.id).await.ok().flatten();
    let officers = state.store.list_officers().await.unwrap_or_default();
    let head_title = format!("Kepala {}", state.settings.office_name);
    // the position the office's setting names signs "a.n." the head: its
    // holder, or whoever acts for it today (Plh./Plt.)
    let delegate = match &state.settings.letter_signer {
        Some(title) => state.store.list_positions().await.ok().and_then(|ps| {
            ps.into_iter()
                .find(|p| !p.is_head && p.title.trim().eq_ignore_ascii_case(title))
                .map(|p| (p.id, p.title))
        }),
        None => None,
    };
    let (signer, signer_title) = match delegate {
        Some((position, title)) => {
            let today = chrono::Utc::now().with_timezone(&tz).date_naive();
            let holder = officers
                .iter()
                .find(|o| o.active && o.position_id == Some(position));
            let (signer, prefix) = match holder {
                Some(o) => (Some(o), ""),
                None => {
                    let acting = state
                        .store
                        .list_acting(today)
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .find(|a| {
                            a.position_id == position
                                && a.revoked_at.is_none()
                                && a.starts_on <= today
                                && today <= a.ends_on
                        });
                    match acting {
                        Some(a) => (
                            officers.iter().find(|o| o.id == a.officer_id),
                            crate::words::acting_prefix(Some(a.kind.as_str())),
                        ),
                        None => (None, ""),
                    }
                }
            };
            (
                signer,
                vec![format!("a.n. {head_title}"), format!("{prefix}{title}")],
            )
        }
        // the head who approved (the Plh with "Plh."), else — a preview —
        // whoever holds the head's position
        None => (
            match approval {
                Some(r) => officers.iter().find(|o| Some(o.id) == r.officer_id),
                None => officers
                    .iter()
                    .find(|o| o.active && head.is_some() && o.position_id == head),
            },
            vec![format!(
                "{}{head_title}",
                crate::words::acting_prefix(approval.and_then(|r| r.acting.as_deref())),
            )],
        ),
    };
    let v = ComplaintView::new(c, &ctx);
    let mut to = Vec::new();
    if v.reporter_hidden {
        to.push("Pelapor (identitas dirahasiakan)".to_string());
    } else if let Some(r) = &v.reporter {
        to.push(r.name.clone().unwrap_or_else(|| "Pelapor".into()));
        if let Some(a) = &r.address {
            to.push(a.clone());
        }
    } else {
        to.push("Pelapor".into());
    }
    let place = &state.settings.office_city;
    let date = dispatch
        .and_then(|d| d.letter_date)
        .map(|d| date_of(d, tz))
        .or_else(|| agenda.as_ref().map(|a| tanggal(a.created_at, tz)))
        .unwrap_or_else(|| tanggal(chrono::Utc::now(), tz));
    let opening = format!(
        "Menindaklanjuti pengaduan Saudara yang kami terima pada {} dengan nomor {} perihal \"{}\", dengan hormat kami sampaikan hal-hal sebagai berikut.",
        tanggal(v.received_at, tz),
        v.tracking_number,
        v.subject
    );
    let letter_number = dispatch
        .and_then(|d| d.letter_number.clone())
        .or_else(|| agenda.map(|a| a.number))
        .unwrap_or_default();
    let paragraphs = draft
        .body
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Letter {
        paragraphs,
        page: LetterPage {
            office: state.settings.office_name.clone(),
            letterhead: state.settings.letterhead.clone(),
            id: id.to_string(),
            number: v.tracking_number.clone(),
            place_date: if place.is_empty() {
                date
            } else {
                format!("{place}, {date}")
            },
            letter_number,
            confidential: v.confidential,
            subject: format!("Jawaban atas pengaduan nomor {}", v.tracking_number),
            to,
            opening,
            body: draft.body.clone(),
            version: draft.version_no,
            approved,
            signer_title,
            signer_name: signer.map(|o| o.name.clone()).unwrap_or_default(),
            signer_rank: signer.and_then(|o| o.rank.clone()).unwrap_or_default(),
            signer_nip: signer.and_then(|o| o.nip.clone()).unwrap_or_default(),
            copies: state.settings.letter_copies.clone(),
        },
    })
}

/// `GET /console/complaints/{id}/letter`: the letter to print.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    match letter(&state, &req, &id).await {
        Ok(l) => render(StatusCode::OK, &l.page),
        Err(r) => r,
    }
}

/// `GET /console/complaints/{id}/letter.pdf`: the same letter as a PDF to
/// sign electronically (A4, fonts embedded).
pub async fn pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    use crate::pdf::{Document, Font};
    let l = match letter(&state, &req, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let made = tokio::task::spawn_blocking(move || {
        let p = &l.page;
        let mut d = Document::new(&format!("Surat jawaban {}", p.number), false);
        d.letterhead(&p.letterhead, 13.0);
        d.gap(6.0);
        d.right(&p.place_date, Font::Regular, 11.0);
        d.gap(6.0);
        let number = if p.letter_number.is_empty() {
            "………………………………".to_string()
        } else {
            p.letter_number.clone()
        };
        d.fields(
            &[
                ("Nomor", number.as_str()),
                ("Sifat", if p.confidential { "Rahasia" } else { "Biasa" }),
                ("Lampiran", "-"),
                ("Hal", p.subject.as_str()),
            ],
            60.0,
            11.0,
        );
        d.gap(10.0);
        d.text("Yth.", Font::Regular, 11.0, false);
        for line in &p.to {
            d.text(line, Font::Regular, 11.0, false);
        }
        d.text("di tempat", Font::Regular, 11.0, false);
        d.gap(10.0);
        d.text(&p.opening, Font::Regular, 11.0, false);
        for para in &l.paragraphs {
            d.gap(6.0);
            d.text(para, Font::Regular, 11.0, false);
        }
        d.gap(6.0);
        d.text(
            "Demikian kami sampaikan. Atas perhatian Saudara kami ucapkan terima kasih.",
            Font::Regular,
            11.0,
            false,
        );
        d.gap(18.0);
        let nip = format!("NIP. {}", p.signer_nip);
        let mut block: Vec<(&str, Font)> = p
            .signer_title
            .iter()
            .map(|t| (t.as_str(), Font::Regular))
            .collect();
        for _ in 0..4 {
            block.push((" ", Font::Regular));
        }
        if p.signer_name.is_empty() {
            block.push((
                "(.................................................)",
                Font::Regular,
            ));
            block.push(("NIP.", Font::Regular));
        } else {
            block.push((p.signer_name.as_str(), Font::Bold));
            if !p.signer_rank.is_empty() {
                block.push((p.signer_rank.as_str(), Font::Regular));
            }
            if !p.signer_nip.is_empty() {
                block.push((nip.as_str(), Font::Regular));
            }
        }
        d.block(&block, 0.5, 11.0);
        if !p.copies.is_empty() {
            d.gap(12.0);
            d.text("Tembusan:", Font::Regular, 10.0, false);
            for (i, c) in p.copies.iter().enumerate() {
                d.text(&format!("{}. {c}", i + 1), Font::Regular, 10.0, false);
            }
        }
        let footer = if p.approved {
            format!("{} · pengaduan {}", p.office, p.number)
        } else {
            format!(
                "PRATINJAU: konsep versi {} belum disetujui · {}",
                p.version, p.number
            )
        };
        d.finish(&footer)
    })
    .await;
    let name = format!(
        "surat-jawaban-{}.pdf",
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(36)
            .collect::<String>()
    );
    super::pdf_answer(&state, made, &name, "letter")
}
