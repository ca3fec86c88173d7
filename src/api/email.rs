//! The email channel over HTTP: the pipe a mail server hands messages to, and
//! the status of the mailbox reader.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::Role;
use crate::intake::email::{COUNTER_PREFIX, Outcome};

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

#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxStatus {
    pub enabled: bool,
    pub host: Option<String>,
    pub folder: Option<String>,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last poll's error; `null` when it succeeded.
    pub last_error: Option<String>,
    /// `v<UIDVALIDITY>:<last UID handled>`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinedEmail {
    pub id: Uuid,
    pub source: String,
    pub message_id: Option<String>,
    pub reason: String,
    pub size_bytes: i64,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailStatus {
    pub mailbox: MailboxStatus,
    /// Since the start: `created`, `joined`, `auto_reply`, `bounce`, `bulk`, `duplicate`, `rejected`.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// Mail kept for inspection, newest first.
    pub quarantine: Vec<QuarantinedEmail>,
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

/// The email channel's state (also shown on the console's LAPOR! and mail page).
pub(crate) async fn email_status(state: &AppState) -> Result<EmailStatus, ApiError> {
    let st = state
        .store
        .integration_state(crate::intake::email::imap::NAME)
        .await?;
    let imap = state.settings.imap.as_ref();
    let counts = state
        .store
        .counters(COUNTER_PREFIX)
        .await?
        .into_iter()
        .map(|(k, v)| (k.trim_start_matches(COUNTER_PREFIX).to_string(), v))
        .collect();
    let quarantine = state
        .store
        .list_email_quarantine(100)
        .await?
        .into_iter()
        .map(|q| QuarantinedEmail {
            id: q.id,
            source: q.source,
            message_id: q.message_id,
            reason: q.reason,
            size_bytes: q.size_bytes,
            received_at: q.received_at,
        })
        .collect();
    Ok(EmailStatus {
        mailbox: MailboxStatus {
            enabled: imap.is_some(),
            host: imap.map(|i| i.host.clone()),
            folder: imap.map(|i| i.folder.clone()),
            last_poll_at: st.as_ref().and_then(|s| s.last_poll_at),
            last_success_at: st.as_ref().and_then(|s| s.last_success_at),
            last_error: st.as_ref().and_then(|s| s.last_error.clone()),
            cursor: st.as_ref().and_then(|s| s.cursor.clone()),
        },
        counts,
        quarantine,
    })
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
