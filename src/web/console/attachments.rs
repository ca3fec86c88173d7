//! Adding an attachment (a scanned letter, a KTP, a photo) from the
//! complaint's page: multipart with the form's CSRF token, the file stored
//! encrypted like every attachment (docs/adr/0016).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use uuid::Uuid;

use super::complaints::{Extra, detail_page};
use super::staff;
use crate::http::AppState;
use crate::store::Attachment;

fn clean_name(raw: Option<&str>) -> String {
    let base: String = raw
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let base = base.trim().trim_start_matches('.').to_string();
    if base.is_empty() {
        "lampiran".into()
    } else {
        base
    }
}

pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    mut payload: actix_multipart::Multipart,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(cid) = id.parse::<Uuid>() else {
        return super::not_found(&state);
    };
    if !who.caller.role().can_add_attachments() {
        return super::message(
            &state,
            StatusCode::FORBIDDEN,
            "Bukan untuk peran ini",
            "Lampiran ditambahkan petugas loket dan pejabat penghubung.",
        );
    }
    match state.store.get_complaint(cid).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return super::not_found(&state);
        }
        Err(_) => return super::unavailable(&state),
    }
    let attachment_id = Uuid::now_v7();
    let posted = match read_form(&state, &mut payload, cid, attachment_id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let csrf = super::actions::first(&posted.fields, "csrf");
    let identity = !super::actions::first(&posted.fields, "identity").is_empty();
    let (stored, problem) = (posted.file, posted.problem);
    if !crate::http::session::form_csrf_ok(&req, &who.caller, csrf, &state.settings.public_base_url)
    {
        state.app.files.remove(cid, attachment_id).await;
        return super::refused(&state);
    }
    let Some((file_name, content_type, file)) = stored.filter(|_| problem.is_none()) else {
        state.app.files.remove(cid, attachment_id).await;
        let mut extra = Extra::default();
        extra.notices.push(super::Notice {
            text: problem.unwrap_or_else(|| "Pilih berkas yang akan dilampirkan.".into()),
            bad: true,
        });
        return detail_page(
            &state,
            &who,
            &cid.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            extra,
        )
        .await;
    };
    let a = attachment(
        cid,
        attachment_id,
        file_name,
        content_type,
        file,
        who.caller.actor().key_id,
        identity,
    );
    let signed = !super::actions::first(&posted.fields, "signed_letter").is_empty();
    let recorded = if signed {
        match state.app.record_signed_letter(&a, who.caller.actor()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => {
                state.app.files.remove(cid, attachment_id).await;
                let mut extra = Extra::default();
                extra.notices.push(super::Notice {
                    text: why.to_string(),
                    bad: true,
                });
                return detail_page(
                    &state,
                    &who,
                    &cid.to_string(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    extra,
                )
                .await;
            }
            Err(e) => Err(e),
        }
    } else {
        state.app.record_attachment(&a, who.caller.actor()).await
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, "console attachment failed");
        return super::unavailable(&state);
    }
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/console/complaints/{cid}?uploaded=1#lampiran"),
        ))
        .finish()
}

/// An attachment row for a file stored from a console form.
pub fn attachment(
    cid: Uuid,
    id: Uuid,
    file_name: String,
    content_type: String,
    file: crate::store::StoredFile,
    created_by: Option<Uuid>,
    identity: bool,
) -> Attachment {
    Attachment {
        id,
        complaint_id: cid,
        file_name,
        content_type,
        size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
        sha256: file.sha256,
        created_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6),
        created_by,
        file_key: Some(file.file_key),
        identity,
    }
}

/// A multipart form read to its end: its text fields (at most 20,000
/// bytes each) and the file of its `file` field, stored encrypted under
/// `(cid, attachment_id)` — the caller removes it when the form is refused.
pub struct Posted {
    pub fields: std::collections::HashMap<String, Vec<String>>,
    /// (file name, content type, the stored file)
    pub file: Option<(String, String, crate::store::StoredFile)>,
    /// Why the file was not kept, in Indonesian.
    pub problem: Option<String>,
}

pub async fn read_form(
    state: &AppState,
    payload: &mut actix_multipart::Multipart,
    cid: Uuid,
    attachment_id: Uuid,
) -> Result<Posted, HttpResponse> {
    const MAX_TEXT: usize = 20_000 * 4;
    let limit = state.settings.max_attachment_bytes;
    let mut posted = Posted {
        fields: Default::default(),
        file: None,
        problem: None,
    };
    while let Some(field) = payload.next().await {
        let Ok(mut field) = field else {
            posted.problem = Some("Berkas tidak terkirim utuh. Coba lagi.".into());
            break;
        };
        let name = field.name().unwrap_or("").to_string();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        if name == "file" && filename.is_some() && posted.file.is_none() {
            let ctype = field
                .content_type()
                .map(|m| m.essence_str().to_string())
                .unwrap_or_else(|| "application/octet-stream".into());
            let mut pending = match state.app.files.begin(cid, attachment_id, limit).await {
                Ok(p) => p,
                Err(_) => return Err(super::unavailable(state)),
            };
            let mut failed = None;
            while let Some(chunk) = field.next().await {
                let written = match chunk {
                    Ok(c) => pending.write(&c).await,
                    Err(e) => Err(crate::store::FileError::Io(std::io::Error::other(
                        e.to_string(),
                    ))),
                };
                if let Err(e) = written {
                    failed = Some(e);
                    break;
                }
            }
            match failed {
                Some(crate::store::FileError::TooLarge { limit }) => {
                    pending.abort().await;
                    posted.problem = Some(format!(
                        "Berkas terlalu besar (paling besar {} MB).",
                        limit / (1024 * 1024)
                    ));
                }
                Some(_) => {
                    pending.abort().await;
                    posted.problem = Some("Berkas tidak terkirim utuh. Coba lagi.".into());
                }
                // an empty file input sends a part with no bytes: no file
                None if pending.size() == 0 => pending.abort().await,
                None => match pending.finish().await {
                    Ok(f) => posted.file = Some((clean_name(filename.as_deref()), ctype, f)),
                    Err(_) => return Err(super::unavailable(state)),
                },
            }
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.next().await {
                match chunk {
                    Ok(c) if text.len() + c.len() <= MAX_TEXT => text.extend_from_slice(&c),
                    Ok(_) => {}
                    Err(_) => {
                        posted.problem = Some("Formulir tidak terkirim utuh. Coba lagi.".into());
                        break;
                    }
                }
            }
            posted
                .fields
                .entry(name)
                .or_default()
                .push(String::from_utf8_lossy(&text).into_owned());
        }
    }
    Ok(posted)
}

/// The types a page may show inline (anything else is only downloaded).
pub fn previewable(content_type: &str) -> Option<&'static str> {
    match content_type {
        "application/pdf" => Some("pdf"),
        "image/jpeg" | "image/png" | "image/gif" | "image/webp" => Some("image"),
        _ => None,
    }
}

/// An image or PDF served inline for the complaint's page to show it (framed
/// by our own pages only); every other type is refused here.
pub async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Ok(cid), Ok(aid)) = (path.0.parse::<Uuid>(), path.1.parse::<Uuid>()) else {
        return super::not_found(&state);
    };
    let c = match crate::http::view::visible_complaint(&state, &who.caller, cid).await {
        Ok(Some(c)) => c,
        Ok(None) => return super::not_found(&state),
        Err(_) => return super::unavailable(&state),
    };
    let a = match state.store.get_attachment(cid, aid).await {
        Ok(Some(a)) if crate::http::view::attachment_visible(&who.caller, &c, &a) => a,
        Ok(_) => return super::not_found(&state),
        Err(_) => return super::unavailable(&state),
    };
    if previewable(&a.content_type).is_none() {
        return super::not_found(&state);
    }
    let bytes = match state
        .app
        .files
        .read(a.complaint_id, a.id, a.file_key.as_deref())
        .await
    {
        Ok(b) => b,
        Err(_) => return super::unavailable(&state),
    };
    // images in a sandbox; a PDF keeps the browser's own viewer (which a
    // sandbox would block) but may load nothing (ADR 0015)
    let csp = if a.content_type == "application/pdf" {
        "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    } else {
        "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'self'"
    };
    HttpResponse::Ok()
        .content_type(crate::domain::attachment::served_type(&a.content_type))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}
