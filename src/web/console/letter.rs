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
    /// "Kepala Dinas Sosial", or "Plh. Kepala Dinas Sosial" when the acting
    /// head approved this version.
    signer_title: String,
    signer_name: String,
    signer_nip: String,
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

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<Uuid>() else {
        return super::not_found(&state);
    };
    let (c, drafts, reviews, dispatches, ctx) = match tokio::try_join!(
        async { state.store.get_complaint(id).await.map_err(|_| ()) },
        async { state.store.drafts(id).await.map_err(|_| ()) },
        async { state.store.draft_reviews(id).await.map_err(|_| ()) },
        async { state.store.dispatches(id).await.map_err(|_| ()) },
        async {
            crate::http::view::view_context(&state, &who.caller)
                .await
                .map_err(|_| ())
        },
    ) {
        Ok((Some(c), d, r, x, ctx)) => (c, d, r, x, ctx),
        Ok((None, ..)) => return super::not_found(&state),
        Err(()) => return super::unavailable(&state),
    };
    if let Err(r) = super::readable_one(&state, &who, &c).await {
        return r;
    }
    let tz = state.settings.office_timezone;
    let Some(draft) = drafts.last() else {
        return super::message(
            &state,
            StatusCode::NOT_FOUND,
            "Belum ada jawaban",
            "Surat jawaban dapat dicetak setelah konsep jawaban disusun.",
        );
    };
    let dispatch = dispatches.iter().rev().find(|d| d.draft_id == draft.id);
    // approved by the head: the head's approval of this version
    let head = state.app.org_chart().await.ok().and_then(|o| o.head());
    let approval = reviews.iter().rev().find(|r| {
        r.draft_id == draft.id && r.decision == "approved" && Some(r.position_id) == head
    });
    let approved = dispatch.is_some() || approval.is_some();
    // who signs: the head who approved (the Plh with "Plh."), else — a
    // preview — whoever holds the head's position
    let officers = state.store.list_officers().await.unwrap_or_default();
    let signer = match approval {
        Some(r) => officers.iter().find(|o| Some(o.id) == r.officer_id),
        None => officers
            .iter()
            .find(|o| o.active && head.is_some() && o.position_id == head),
    };
    let signer_title = format!(
        "{}Kepala {}",
        crate::words::acting_prefix(approval.and_then(|r| r.acting.as_deref())),
        state.settings.office_name
    );
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
        .unwrap_or_else(|| tanggal(chrono::Utc::now(), tz));
    let opening = format!(
        "Menindaklanjuti pengaduan Saudara yang kami terima pada {} dengan nomor {} perihal \"{}\", dengan hormat kami sampaikan hal-hal sebagai berikut.",
        tanggal(v.received_at, tz),
        v.tracking_number,
        v.subject
    );
    render(
        StatusCode::OK,
        &LetterPage {
            office: state.settings.office_name.clone(),
            letterhead: state.settings.letterhead.clone(),
            id: id.to_string(),
            number: v.tracking_number.clone(),
            place_date: if place.is_empty() {
                date
            } else {
                format!("{place}, {date}")
            },
            letter_number: dispatch
                .and_then(|d| d.letter_number.clone())
                .unwrap_or_default(),
            confidential: v.confidential,
            subject: format!("Jawaban atas pengaduan nomor {}", v.tracking_number),
            to,
            opening,
            body: draft.body.clone(),
            version: draft.version_no,
            approved,
            signer_title,
            signer_name: signer.map(|o| o.name.clone()).unwrap_or_default(),
            signer_nip: signer.and_then(|o| o.nip.clone()).unwrap_or_default(),
        },
    )
}
