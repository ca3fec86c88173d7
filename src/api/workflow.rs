//! The disposition chain over HTTP: forward, dispose, read, withdraw, draft,
//! submit, approve, return, dispatch, close, reopen, redirect, merge, reject;
//! the disposition tree, the answer and its approval path; the inbox.
//!
//! Every action names the complaint version it was based on (`If-Match` or
//! `version` in the body): a stale action gets 412 and changes nothing. The
//! rules are in `domain::workflow`; the store applies them in one transaction.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::dto::ComplaintView;
use super::error::ApiError;
use super::extract::{
    cursor_at, etag, if_match, json_body, load_visible, parse_page, view_context,
};
use super::state::AppState;
use crate::domain::workflow::{Command, DispatchInput, DispatchMethod, OrgChart};
use crate::domain::{Status, ValidationErrors};
use crate::store::ActOutcome;

/// The version acted on, from `If-Match` or the body's `version`;
/// `Ok(None)` when the two name different versions (one of them is stale).
fn version(req: &HttpRequest, body: Option<i64>) -> Result<Option<i64>, ApiError> {
    if body.is_some_and(|b| b < 1) {
        return Err(ApiError::field(
            "version",
            "must be a whole number from 1 (the complaint's ETag)",
        ));
    }
    match (if_match(req)?, body) {
        (Some(h), Some(b)) if h != b => Ok(None),
        (Some(v), _) | (None, Some(v)) => Ok(Some(v)),
        (None, None) => Err(ApiError::PreconditionRequired),
    }
}

/// Optional free text, trimmed; `max` characters.
fn note(e: &mut ValidationErrors, field: &str, v: Option<&str>, max: usize) -> Option<String> {
    // the length as sent (the schema's maxLength), before trimming
    let raw = v?;
    if raw.chars().count() > max {
        e.push(field, format!("must be at most {max} characters"));
        return None;
    }
    let v = raw.trim();
    (!v.is_empty()).then(|| v.to_string())
}

fn required(e: &mut ValidationErrors, field: &str, v: Option<&str>, max: usize) -> String {
    match note(e, field, v, max) {
        Some(s) => s,
        None => {
            if !e.0.iter().any(|f| f.field == field) {
                e.push(field, "is required");
            }
            String::new()
        }
    }
}

async fn run(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    id: Uuid,
    body_version: Option<i64>,
    command: Command,
) -> Result<HttpResponse, ApiError> {
    caller.require(
        caller.role().can_read_all_complaints(),
        "integration keys do not act on the workflow",
    )?;
    let Some(expected_version) = version(req, body_version)? else {
        // both were given and differ: at most one is current
        return match state.store.get_complaint(id).await? {
            Some(c) if crate::api::extract::visible(caller, &c) => {
                Err(ApiError::PreconditionFailed(c.version))
            }
            _ => Err(ApiError::NotFound("No complaint with this id.")),
        };
    };
    let outcome = state
        .app
        .act(id, expected_version, &command, caller.actor(), Utc::now())
        .await?;
    match outcome {
        ActOutcome::Done(c) => {
            let ctx = view_context(state, caller).await?;
            Ok(HttpResponse::Ok()
                .insert_header(etag(c.version))
                .json(ComplaintView::new(*c, &ctx)))
        }
        ActOutcome::NotFound => Err(ApiError::NotFound("No complaint with this id.")),
        ActOutcome::VersionMismatch(v) => Err(ApiError::PreconditionFailed(v)),
        ActOutcome::Refused(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// The complaint version the action is based on (or send `If-Match`).
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// The complaint version the action is based on (or send `If-Match`).
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// What the drafter should revise.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 2000,
        pattern = r"\S"
    )]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1000,
        pattern = r"\S"
    )]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposeInput {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// The primary recipient position (below the sender's).
    #[schema(required = true, nullable = false)]
    pub to: Option<Uuid>,
    /// Positions that receive a copy (tembusan), at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub copies: Vec<Uuid>,
    /// One of GET /api/v1/org/instructions, e.g. "siapkan jawaban".
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub instruction: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// Internal due date for the recipient (RFC 3339), not after the complaint's deadline.
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// The answer text (Bahasa Indonesia), at most 20,000 characters.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 20000,
        pattern = r"\S"
    )]
    pub body: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// `lapor`, `email`, `letter`, `in_person`, `agency`, `whatsapp`,
    /// `telegram`, `sms`, `phone` or `social_media`; defaults to the
    /// channel's own way back.
    #[schema(
        pattern = "^(lapor|email|letter|in_person|agency|whatsapp|telegram|sms|phone|social_media)$"
    )]
    pub method: Option<String>,
    /// Outgoing letter: its number …
    #[schema(max_length = 100)]
    pub letter_number: Option<String>,
    /// … and date (YYYY-MM-DD).
    #[schema(value_type = Option<String>, format = Date)]
    pub letter_date: Option<NaiveDate>,
    /// In person, by phone or on social media: who gave the answer (made
    /// the call, posted the reply) …
    #[schema(max_length = 200)]
    pub given_by: Option<String>,
    /// … and when (defaults to now).
    pub given_at: Option<DateTime<Utc>>,
    /// Social media: the address of the reply posted on the platform.
    #[schema(max_length = 2000)]
    pub reply_url: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectInput {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// The agency that has authority (e.g. "Dinas Kesehatan Kota Kupang").
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub agency: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1000,
        pattern = r"\S"
    )]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    #[serde(default, deserialize_with = "crate::api::extract::opt_int")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// The complaint this one duplicates.
    #[schema(required = true, nullable = false)]
    pub into: Option<Uuid>,
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

macro_rules! action_doc {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $parse:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "workflow",
            params(("id" = Uuid, Path, description = "Complaint id"),
                ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?("[1-9][0-9]{0,14}"|[1-9][0-9]{0,14})$"#, description = "ETag of the complaint, e.g. \"3\" (or `version` in the body)")),
            request_body = $body,
            responses(
                (status = 200, description = "Done; the complaint as it is now", body = ComplaintView),
                (status = 403, description = "Not this caller's to do (wrong position or role)", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not possible in the complaint's status (named in `detail`)", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "Stale version", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 428, description = "No version given", body = super::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = [])))]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            req: HttpRequest,
            id: web::Path<Uuid>,
            body: web::Bytes,
        ) -> Result<HttpResponse, ApiError> {
            let b: $body = json_body(&req, &body)?;
            let parse: fn(&AppState, $body) -> parse::Parsed = $parse;
            let (version, command) = parse(&state, b)?;
            run(&state, &caller, &req, id.into_inner(), version, command).await
        }
    };
}

/// Parsers of each action's body: `(version, command)`.
mod parse {
    use super::*;

    pub type Parsed = Result<(Option<i64>, Command), ApiError>;

    pub fn dispose(state: &AppState, b: DisposeInput) -> Parsed {
        let mut e = ValidationErrors::default();
        if b.to.is_none() {
            e.push(
                "to",
                "is required: the position that receives the disposition",
            );
        }
        if b.copies.len() > 20 {
            e.push("copies", "at most 20");
        }
        let wanted = required(&mut e, "instruction", b.instruction.as_deref(), 100);
        let instruction = state
            .settings
            .disposition_instructions
            .iter()
            .find(|i| i.eq_ignore_ascii_case(&wanted))
            .cloned();
        if instruction.is_none() && !wanted.is_empty() {
            e.push(
                "instruction",
                format!(
                    "must be one of: {}",
                    state.settings.disposition_instructions.join(", ")
                ),
            );
        }
        let note = note(&mut e, "note", b.note.as_deref(), 2000);
        let (Some(to), Some(instruction), true) = (b.to, instruction, e.is_empty()) else {
            return Err(e.into());
        };
        Ok((
            b.version,
            Command::Dispose {
                to,
                copies: b.copies,
                instruction,
                note,
                due_at: b.due_at,
            },
        ))
    }

    /// Actions whose body is an optional note.
    pub fn with_note(b: NoteInput, f: impl FnOnce(Option<String>) -> Command) -> Parsed {
        let mut e = ValidationErrors::default();
        let note = note(&mut e, "note", b.note.as_deref(), 2000);
        e.into_result((b.version, f(note))).map_err(Into::into)
    }

    /// Actions that need a reason.
    pub fn with_reason(b: ReasonInput, f: impl FnOnce(String) -> Command) -> Parsed {
        let mut e = ValidationErrors::default();
        let reason = required(&mut e, "reason", b.reason.as_deref(), 1000);
        e.into_result((b.version, f(reason))).map_err(Into::into)
    }

    pub fn return_draft(_: &AppState, b: ReturnInput) -> Parsed {
        let mut e = ValidationErrors::default();
        let note = required(&mut e, "note", b.note.as_deref(), 2000);
        e.into_result((b.version, Command::Return { note }))
            .map_err(Into::into)
    }

    pub fn redirect(_: &AppState, b: RedirectInput) -> Parsed {
        let mut e = ValidationErrors::default();
        let agency = required(&mut e, "agency", b.agency.as_deref(), 200);
        let reason = required(&mut e, "reason", b.reason.as_deref(), 1000);
        e.into_result((b.version, Command::Redirect { agency, reason }))
            .map_err(Into::into)
    }

    pub fn merge(_: &AppState, b: MergeInput) -> Parsed {
        let mut e = ValidationErrors::default();
        if b.into.is_none() {
            e.push("into", "is required: the complaint this one duplicates");
        }
        let reason = note(&mut e, "reason", b.reason.as_deref(), 1000);
        match (b.into, e.is_empty()) {
            (Some(into), true) => Ok((b.version, Command::Merge { into, reason })),
            _ => Err(e.into()),
        }
    }

    pub fn draft(b: DraftInput) -> Parsed {
        let mut e = ValidationErrors::default();
        let body = required(&mut e, "body", b.body.as_deref(), 20_000);
        e.into_result((b.version, Command::SaveDraft { body }))
            .map_err(Into::into)
    }

    pub fn dispatch(b: DispatchBody) -> Parsed {
        let mut e = ValidationErrors::default();
        let method = b
            .method
            .as_deref()
            .map(|m| {
                DispatchMethod::parse(m).ok_or_else(|| {
                    ApiError::field(
                        "method",
                        format!("must be one of: {}", DispatchMethod::expected()),
                    )
                })
            })
            .transpose()?;
        let letter_number = note(&mut e, "letter_number", b.letter_number.as_deref(), 100);
        let given_by = note(&mut e, "given_by", b.given_by.as_deref(), 200);
        let reply_url = note(&mut e, "reply_url", b.reply_url.as_deref(), 2000);
        let note = note(&mut e, "note", b.note.as_deref(), 2000);
        e.into_result((
            b.version,
            Command::Dispatch(DispatchInput {
                method,
                letter_number,
                letter_date: b.letter_date,
                given_by,
                given_at: b.given_at,
                reply_url,
                note,
            }),
        ))
        .map_err(Into::into)
    }
}

action_doc!(
    /// Reception or the liaison officer forwards a registered (or reopened)
    /// complaint to the head of office.
    forward, "/api/v1/complaints/{id}/forward", NoteInput,
    |_, b| parse::with_note(b, |note| Command::ForwardToHead { note }));

action_doc!(
    /// Dispose the complaint down the hierarchy: the head of office (or whoever
    /// acts for them) when it is with the head; otherwise the position that
    /// holds it, to one of its subordinates. One primary recipient, optional copies.
    dispose, "/api/v1/complaints/{id}/dispositions", DisposeInput, parse::dispose);

action_doc!(
    /// The drafter submits the newest draft: it goes to the drafter's superior,
    /// then up each level to the head of office.
    submit, "/api/v1/complaints/{id}/answer/submit", NoteInput,
    |_, b| parse::with_note(b, |note| Command::SubmitDraft { note }));

action_doc!(
    /// The level the draft is at approves it: it moves to the next superior,
    /// or, at the head of office, becomes the final answer.
    approve, "/api/v1/complaints/{id}/answer/approve", NoteInput,
    |_, b| parse::with_note(b, |note| Command::Approve { note }));

action_doc!(
    /// The level the draft is at returns it to the drafter with a note; after
    /// revision the climb starts again from the drafter's superior.
    return_draft, "/api/v1/complaints/{id}/answer/return", ReturnInput, parse::return_draft);

action_doc!(
    /// The position holding the complaint writes (or revises) the answer: each
    /// save is a new version.
    draft, "/api/v1/complaints/{id}/answer/drafts", DraftInput, |_, b| parse::draft(b));

action_doc!(
    /// Send the approved answer back through the channel it came from: LAPOR!
    /// and email through the outbox (exactly one entry); a letter by its number
    /// and date; in person by who and when. Reception or the liaison officer.
    dispatch, "/api/v1/complaints/{id}/dispatch", DispatchBody, |_, b| parse::dispatch(b));

action_doc!(
    /// Close an answered complaint.
    close, "/api/v1/complaints/{id}/close", NoteInput,
    |_, b| parse::with_note(b, |note| Command::Close { note }));

action_doc!(
    /// Reopen an answered or closed complaint (the complainant answered back);
    /// it is then forwarded to the head of office again.
    reopen, "/api/v1/complaints/{id}/reopen", ReasonInput,
    |_, b| parse::with_reason(b, |reason| Command::Reopen { reason }));

action_doc!(
    /// Reject (spam, abuse, no content): the head of office or the liaison officer, with a reason.
    reject, "/api/v1/complaints/{id}/reject", ReasonInput,
    |_, b| parse::with_reason(b, |reason| Command::Reject { reason }));

action_doc!(
    /// Not within the office's authority: forward to another agency (dialihkan).
    /// For a LAPOR! report the re-routing request goes to LAPOR! through the outbox.
    redirect, "/api/v1/complaints/{id}/redirect", RedirectInput, parse::redirect);

action_doc!(
    /// Merge as a duplicate of another complaint.
    merge, "/api/v1/complaints/{id}/merge", MergeInput, parse::merge);

macro_rules! disposition_doc {
    ($(#[$doc:meta])* $name:ident, $path:literal, $variant:ident) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "workflow",
            params(("id" = Uuid, Path, description = "Complaint id"),
                ("disposition_id" = Uuid, Path, description = "Disposition id"),
                ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?("[1-9][0-9]{0,14}"|[1-9][0-9]{0,14})$"#, description = "ETag of the complaint, e.g. \"3\" (or `version` in the body)")),
            request_body = VersionInput,
            responses(
                (status = 200, description = "Done", body = ComplaintView),
                (status = 403, description = "Not addressed to (or sent by) a position the caller holds", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Already read, withdrawn, or not possible in this status", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "Stale version", body = super::error::Problem, content_type = "application/problem+json"),
                (status = 428, description = "No version given", body = super::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = [])))]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            req: HttpRequest,
            path: web::Path<(Uuid, Uuid)>,
            body: web::Bytes,
        ) -> Result<HttpResponse, ApiError> {
            let b: VersionInput = json_body(&req, &body)?;
            let (id, disposition) = path.into_inner();
            run(&state, &caller, &req, id, b.version, Command::$variant { disposition }).await
        }
    };
}

disposition_doc!(
    /// Read receipt: the recipient (primary or copy) has read the disposition.
    /// The primary recipient's receipt puts the complaint in progress.
    read, "/api/v1/complaints/{id}/dispositions/{disposition_id}/read", ReadDisposition);
disposition_doc!(
    /// The sender withdraws a disposition nobody has read yet; the complaint
    /// returns to the sender.
    withdraw, "/api/v1/complaints/{id}/dispositions/{disposition_id}/withdraw", WithdrawDisposition);

// ---------------------------------------------------------------- reading

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientView {
    pub position_id: Uuid,
    pub position: String,
    /// The primary recipient handles it; the others receive a copy.
    pub primary: bool,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionView {
    pub id: Uuid,
    pub from_position_id: Uuid,
    pub from_position: String,
    pub officer_name: Option<String>,
    /// `plh` / `plt` when the sender acted for the position.
    pub acting: Option<String>,
    pub instruction: String,
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub recipients: Vec<RecipientView>,
    /// Dispositions the primary recipient made further down.
    #[schema(no_recursion)]
    pub children: Vec<DispositionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionTree {
    /// The head of office's dispositions, each with what followed below it.
    pub items: Vec<DispositionView>,
    /// The position that must act now, if any.
    pub holder_position_id: Option<Uuid>,
    pub holder_position: Option<String>,
}

async fn chart(state: &AppState) -> Result<OrgChart, ApiError> {
    Ok(state.app.org_chart().await?)
}

fn require_internal(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        caller.role().can_read_all_complaints(),
        "integration keys do not read the internal workflow",
    )
}

/// The disposition tree: who sent what to whom, with instructions, copies
/// and read receipts.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/dispositions", tag = "workflow",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, body = DispositionTree),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn dispositions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_internal(&caller)?;
    let c = load_visible(&state, &caller, id.into_inner()).await?;
    let org = chart(&state).await?;
    let ds = state.store.dispositions(c.id).await?;
    // the parent of a disposition: the newest earlier live one whose primary recipient sent it
    let mut parent: HashMap<Uuid, Uuid> = HashMap::new();
    for (i, d) in ds.iter().enumerate() {
        if let Some(p) = ds[..i].iter().rev().find(|p| {
            p.withdrawn_at.is_none()
                && p.recipients
                    .iter()
                    .any(|r| r.is_primary && r.position_id == d.from_position_id)
        }) {
            parent.insert(d.id, p.id);
        }
    }
    fn build(
        d: &crate::store::Disposition,
        all: &[crate::store::Disposition],
        parent: &HashMap<Uuid, Uuid>,
        org: &OrgChart,
        depth: usize,
    ) -> DispositionView {
        let children = if depth > 20 {
            Vec::new()
        } else {
            all.iter()
                .filter(|x| parent.get(&x.id) == Some(&d.id))
                .map(|x| build(x, all, parent, org, depth + 1))
                .collect()
        };
        DispositionView {
            id: d.id,
            from_position_id: d.from_position_id,
            from_position: org.title(d.from_position_id).to_string(),
            officer_name: d.officer_name.clone(),
            acting: d.acting.clone(),
            instruction: d.instruction.clone(),
            note: d.note.clone(),
            due_at: d.due_at,
            created_at: d.created_at,
            withdrawn_at: d.withdrawn_at,
            recipients: d
                .recipients
                .iter()
                .map(|r| RecipientView {
                    position_id: r.position_id,
                    position: org.title(r.position_id).to_string(),
                    primary: r.is_primary,
                    read_at: r.read_at,
                })
                .collect(),
            children,
        }
    }
    let items = ds
        .iter()
        .filter(|d| !parent.contains_key(&d.id))
        .map(|d| build(d, &ds, &parent, &org, 0))
        .collect();
    Ok(HttpResponse::Ok().json(DispositionTree {
        items,
        holder_position_id: c.holder_position_id,
        holder_position: c.holder_position_id.map(|p| org.title(p).to_string()),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    pub id: Uuid,
    pub version: i32,
    pub body: String,
    pub author_position_id: Uuid,
    pub author_position: String,
    pub author_officer_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub draft_id: Uuid,
    pub position_id: Uuid,
    pub position: String,
    /// submitted, approved or returned.
    pub decision: String,
    pub note: Option<String>,
    pub officer_name: Option<String>,
    pub acting: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PathStep {
    pub position_id: Uuid,
    pub position: String,
    /// approved, waiting (the level that must act now) or pending.
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchView {
    pub id: Uuid,
    pub draft_id: Uuid,
    pub method: String,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub given_at: Option<DateTime<Utc>>,
    /// Social media: the reply's address on the platform.
    pub reply_url: Option<String>,
    /// The outbox entry delivering it (LAPOR!, email, WhatsApp, Telegram, SMS).
    pub outbox_id: Option<Uuid>,
    /// Proof from the other side once delivered, e.g. the LAPOR! follow-up id.
    pub external_id: Option<String>,
    pub dispatched_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    /// Every version, oldest first.
    pub drafts: Vec<DraftView>,
    /// Submissions, approvals and returns, oldest first.
    pub reviews: Vec<ReviewView>,
    /// The newest draft's approval path, drafter's superior first, head of
    /// office last; empty until it is submitted.
    pub approval_path: Vec<PathStep>,
    pub dispatches: Vec<DispatchView>,
}

/// The answer: draft versions, the approval path level by level, and how it went out.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/answer", tag = "workflow",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, body = AnswerView),
        (status = 404, description = "Unknown complaint", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_internal(&caller)?;
    let c = load_visible(&state, &caller, id.into_inner()).await?;
    let org = chart(&state).await?;
    let drafts = state.store.drafts(c.id).await?;
    let reviews = state.store.draft_reviews(c.id).await?;
    let dispatches = state.store.dispatches(c.id).await?;
    let approval_path = match drafts.last() {
        Some(d) if d.submitted => {
            let path = org.approval_path(d.author_position_id).unwrap_or_default();
            // approvals since the newest submission of this draft
            let since = reviews
                .iter()
                .rposition(|r| r.draft_id == d.id && r.decision == "submitted")
                .unwrap_or(0);
            let approved: Vec<Uuid> = reviews[since..]
                .iter()
                .filter(|r| r.draft_id == d.id && r.decision == "approved")
                .map(|r| r.position_id)
                .collect();
            path.into_iter()
                .map(|p| PathStep {
                    position_id: p,
                    position: org.title(p).to_string(),
                    state: if approved.contains(&p) {
                        "approved"
                    } else if c.status == Status::InReview && c.holder_position_id == Some(p) {
                        "waiting"
                    } else {
                        "pending"
                    }
                    .to_string(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(HttpResponse::Ok().json(AnswerView {
        drafts: drafts
            .into_iter()
            .map(|d| DraftView {
                id: d.id,
                version: d.version_no,
                body: d.body,
                author_position: org.title(d.author_position_id).to_string(),
                author_position_id: d.author_position_id,
                author_officer_name: d.author_officer_name,
                created_at: d.created_at,
            })
            .collect(),
        reviews: reviews
            .into_iter()
            .map(|r| ReviewView {
                draft_id: r.draft_id,
                position: org.title(r.position_id).to_string(),
                position_id: r.position_id,
                decision: r.decision,
                note: r.note,
                officer_name: r.officer_name,
                acting: r.acting,
                at: r.at,
            })
            .collect(),
        approval_path,
        dispatches: dispatches
            .into_iter()
            .map(|d| DispatchView {
                id: d.id,
                draft_id: d.draft_id,
                method: d.method,
                letter_number: d.letter_number,
                letter_date: d.letter_date,
                given_by: d.given_by,
                given_at: d.given_at,
                reply_url: d.reply_url,
                outbox_id: d.outbox_id,
                external_id: d.external_id,
                dispatched_by: d.actor_name,
                at: d.at,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// 1–200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(
        pattern = "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxItem {
    pub complaint: ComplaintView,
    /// What is expected: `dispose` (with the head), `handle` (disposed to you),
    /// `review` (a draft at your level), `forward` (registered or reopened),
    /// `dispatch` (approved answer to send).
    pub waiting_for: String,
    /// The position it waits on, and whether the caller acts for it.
    pub position_id: Option<Uuid>,
    pub position: Option<String>,
    pub acting: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CopyItem {
    pub disposition_id: Uuid,
    pub complaint_id: Uuid,
    pub tracking_number: String,
    pub position_id: Uuid,
    pub instruction: String,
    pub created_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    /// Oldest deadline first.
    pub items: Vec<InboxItem>,
    pub next_cursor: Option<String>,
    /// Unread copies (tembusan) of dispositions to the caller's positions (first page only).
    pub copies: Vec<CopyItem>,
}

/// What waits for the caller now: complaints held by the positions their
/// officer holds or acts for today (to dispose, handle or review), and for
/// reception and the liaison officer also those to forward and to dispatch.
/// Oldest deadline first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "workflow", params(InboxParams),
    responses(
        (status = 200, body = Inbox),
        (status = 403, description = "Integration key", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad limit or cursor", body = super::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn inbox(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<InboxParams>,
) -> Result<HttpResponse, ApiError> {
    require_internal(&caller)?;
    let p = params.into_inner();
    let mut e = ValidationErrors::default();
    let (limit, after) = parse_page(&mut e, p.limit.as_deref(), p.cursor.as_deref());
    if !e.is_empty() {
        return Err(e.into());
    }
    let page = state
        .app
        .inbox(
            caller.actor(),
            after.map(|c| (c.received_at, c.id)),
            limit,
            chrono::Utc::now(),
        )
        .await?;
    let next_cursor = page.next.map(|(at, id)| cursor_at(at, id));
    let copies = page.copies;
    let ctx = view_context(&state, &caller).await?;
    let items = page
        .entries
        .into_iter()
        .map(|e| InboxItem {
            waiting_for: e.waiting_for.to_string(),
            position_id: e.position_id,
            position: e.position,
            acting: e.acting.map(|a| a.as_str().to_string()),
            complaint: ComplaintView::new(e.complaint, &ctx),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Inbox {
        items,
        next_cursor,
        copies: copies
            .into_iter()
            .map(|x| CopyItem {
                disposition_id: x.disposition_id,
                complaint_id: x.complaint_id,
                tracking_number: x.tracking_number,
                position_id: x.position_id,
                instruction: x.instruction,
                created_at: x.created_at,
                due_at: x.due_at,
            })
            .collect(),
    }))
}
