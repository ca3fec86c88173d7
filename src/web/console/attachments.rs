//! Adding an attachment (a scanned letter, a KTP, a photo) from the
//! complaint's page: multipart with the form's CSRF token, the file stored
//! encrypted like every attachment (docs/adr/0016).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use uuid::Uuid;

use super::complaints::{Extra, detail_page};
use super::staff;
use crate::api::state::AppState;
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
    let limit = state.settings.max_attachment_bytes;
    let mut csrf = String::new();
    let mut identity = false;
    let mut stored = None;
    let mut problem: Option<String> = None;
    while let Some(field) = payload.next().await {
        let Ok(mut field) = field else {
            problem = Some("Berkas tidak terkirim utuh. Coba lagi.".into());
            break;
        };
        match field.name() {
            Some("csrf") | Some("identity") => {
                let is_csrf = field.name() == Some("csrf");
                let mut text = Vec::new();
                while let Some(Ok(chunk)) = field.next().await {
                    if text.len() < 512 {
                        text.extend_from_slice(&chunk);
                    }
                }
                if is_csrf {
                    csrf = String::from_utf8_lossy(&text).trim().to_string();
                } else {
                    identity = true;
                }
            }
            Some("file") if stored.is_none() => {
                let name = clean_name(field.content_disposition().and_then(|d| d.get_filename()));
                let ctype = field
                    .content_type()
                    .map(|m| m.essence_str().to_string())
                    .unwrap_or_else(|| "application/octet-stream".into());
                let mut pending = match state.app.files.begin(cid, attachment_id, limit).await {
                    Ok(p) => p,
                    Err(_) => return super::unavailable(&state),
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
                        problem = Some(format!(
                            "Berkas terlalu besar (paling besar {} MB).",
                            limit / (1024 * 1024)
                        ));
                    }
                    Some(_) => {
                        pending.abort().await;
                        problem = Some("Berkas tidak terkirim utuh. Coba lagi.".into());
                    }
                    None if pending.size() == 0 => {
                        pending.abort().await;
                        problem = Some("Pilih berkas yang akan dilampirkan.".into());
                    }
                    None => match pending.finish().await {
                        Ok(f) => stored = Some((name, ctype, f)),
                        Err(_) => return super::unavailable(&state),
                    },
                }
            }
            _ => while let Some(Ok(_)) = field.next().await {},
        }
    }
    if !crate::api::auth::form_csrf_ok(&req, &who.caller, &csrf, &state.settings.public_base_url) {
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
    let a = Attachment {
        id: attachment_id,
        complaint_id: cid,
        file_name,
        content_type,
        size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
        sha256: file.sha256,
        created_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6),
        created_by: who.caller.actor().key_id,
        file_key: Some(file.file_key),
        identity,
    };
    if let Err(e) = state.app.record_attachment(&a, who.caller.actor()).await {
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
