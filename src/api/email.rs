//! The email channel over HTTP: the pipe a mail server hands messages to, and
//! the status of the mailbox reader.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::Role;
pub use crate::http::status::{EmailStatus, MailboxStatus, QuarantinedEmail, email_status};
use crate::intake::email::Outcome;

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailCreated {
    pub id: Uuid,
    pub tracking_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailJoined {
    /// The complaint the message was added to as the complainant's reply.
    pub id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailIgnored {
    /// `auto_reply`, `bounce`, `bulk` or `duplicate`.
    pub reason: String,
}

/// Hand a raw email to aduan (e.g. from a Postfix pipe). The same parsing and
/// rules as the mailbox reader: a new complaint (201, with an acknowledgement
/// threaded to the message), a reply added to its complaint (200), or ignored
/// (202: auto-reply, bounce, bulk, a Message-ID seen before). Unusable mail is
/// kept for inspection (422).
#[utoipa::path(post, path = "/api/v1/intake/email", tag = "email",
    request_body(content_type = "message/rfc822", description = "The raw message"),
    responses(
        (status = 201, description = "A new complaint", body = EmailCreated),
        (status = 200, description = "Joined an existing complaint", body = EmailJoined),
        (status = 202, description = "Deliberately ignored", body = EmailIgnored),
        (status = 403, description = "Role may not", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than ADUAN_EMAIL_MAX_BYTES", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not message/rfc822", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Cannot be used (kept for inspection)", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn intake(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(
            caller.role(),
            Role::Reception | Role::Liaison | Role::Integration | Role::Admin
        ),
        "handing in email is for reception, the liaison officer or an integration",
    )?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct != "message/rfc822" {
        return Err(ApiError::UnsupportedMediaType(
            "send the raw message as `Content-Type: message/rfc822`".into(),
        ));
    }
    let max = usize::try_from(state.settings.max_email_bytes).unwrap_or(usize::MAX);
    let mut raw = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("could not read the body: {e}")))?;
        if raw.len() + chunk.len() > max {
            let keep = raw.len().min(65_536);
            state
                .email
                .keep_too_large(&raw[..keep], max + 1, max, "pipe", Utc::now())
                .await?;
            return Err(ApiError::PayloadTooLarge(format!(
                "an email may be at most {max} bytes (ADUAN_EMAIL_MAX_BYTES)"
            )));
        }
        raw.extend_from_slice(&chunk);
    }
    let outcome = state
        .email
        .accept(&raw, "pipe", caller.actor(), Utc::now())
        .await?;
    match outcome {
        Ok(Outcome::Created(c)) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/complaints/{}", c.id)))
            .json(EmailCreated {
                id: c.id,
                tracking_number: c.tracking_number,
            })),
        Ok(Outcome::Joined(id)) => Ok(HttpResponse::Ok().json(EmailJoined { id })),
        Ok(Outcome::Ignored(reason)) => Ok(HttpResponse::Accepted().json(EmailIgnored {
            reason: reason.to_string(),
        })),
        Err(u) => Err(ApiError::field("message", u.to_string())),
    }
}

/// What the email channel did: the mailbox reader's state, counts of
/// complaints, replies and noise, and the mail kept for inspection.
#[utoipa::path(get, operation_id = "email_status", path = "/api/v1/integrations/email", tag = "email",
    responses((status = 200, body = EmailStatus),
        (status = 403, description = "Role may not", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn status(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(
            caller.role(),
            Role::Admin | Role::Liaison | Role::Reception | Role::Head | Role::Manager
        ),
        "the email channel's status is for staff",
    )?;
    Ok(HttpResponse::Ok().json(email_status(&state).await?))
}

/// Read the mailbox now.
#[utoipa::path(post, operation_id = "email_poll", path = "/api/v1/integrations/email/poll", tag = "email",
    responses((status = 200, body = crate::intake::email::imap::ImapReport),
        (status = 409, description = "Another replica is reading, or waiting after failures (`conflict`); or no mailbox is configured on this service (`not-configured`)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 502, description = "The mailbox failed", body = super::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn poll(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(
        matches!(caller.role(), Role::Admin | Role::Liaison | Role::Reception),
        "reading the mailbox is for staff",
    )?;
    let imap = state.imap.as_ref().ok_or(ApiError::NotConfigured(
        "the mailbox is not configured on this service (ADUAN_IMAP_HOST is not set); retrying \
             will not help",
    ))?;
    match imap.poll_leased(Utc::now()).await {
        Ok(Some(r)) => Ok(HttpResponse::Ok().json(r)),
        Ok(None) => Err(ApiError::Conflict(
            "the mailbox is being read by another replica, or waits after failures".into(),
        )),
        Err(crate::intake::email::imap::ImapError::Store(e)) => Err(e.into()),
        Err(e) => Err(ApiError::Upstream(e.to_string())),
    }
}
