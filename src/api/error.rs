//! One API error type, rendered as RFC 7807 `application/problem+json`, and
//! the glue that turns actix's own errors (404, 405, 413, 415, bad JSON, bad
//! query strings) into the same shape.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{FieldError, ValidationErrors};
use crate::store::{FileError, StoreError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 7807 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type (`https://aduan.dev/problems/<slug>`).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: every offending field with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemField>)]
    pub errors: Vec<FieldError>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(ValidationErrors),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// 403 with a reason built at run time (which position may act).
    #[error("forbidden: {0}")]
    NotYours(String),
    /// 428: the action must name the version it was based on.
    #[error("precondition required")]
    PreconditionRequired,
    #[error("not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    /// 409: the integration asked for is not configured on this service
    /// (a state of the deployment, not an outage: retrying will not help).
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
    #[error("precondition failed: current version {0}")]
    PreconditionFailed(i64),
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 408: the request body did not arrive in time (`ADUAN_BODY_TIMEOUT_SECONDS`).
    #[error("request body timed out after {0} s")]
    RequestTimeout(u64),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Another system we depend on failed (LAPOR!).
    #[error("upstream failed: {0}")]
    Upstream(String),
    /// Sign-in and session answers that need their own problem type.
    #[error("{slug}: {detail}")]
    Auth {
        status: u16,
        slug: &'static str,
        title: &'static str,
        detail: String,
        retry_after_secs: Option<u64>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::Validation(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            return ApiError::Unavailable(
                "the database cannot be reached just now; nothing was changed, try again shortly"
                    .into(),
            );
        }
        ApiError::Internal(e.to_string())
    }
}

/// Seconds a client should wait before trying again after a 503.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

impl From<crate::domain::workflow::WorkflowError> for ApiError {
    fn from(e: crate::domain::workflow::WorkflowError) -> Self {
        use crate::domain::workflow::WorkflowError as W;
        match e {
            W::WrongState { .. } | W::Conflict(_) => ApiError::Conflict(e.to_string()),
            W::Forbidden(why) => ApiError::NotYours(why),
            W::Invalid { field, message } => ApiError::field(field, message),
        }
    }
}

impl From<FileError> for ApiError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::TooLarge { limit } => {
                ApiError::PayloadTooLarge(format!("an attachment may be at most {limit} bytes"))
            }
            FileError::Io(e) => ApiError::Internal(format!("attachment storage: {e}")),
        }
    }
}

impl ApiError {
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        ApiError::Validation(ValidationErrors::single(field, reason))
    }

    fn type_slug(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation",
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) | ApiError::NotYours(_) => "forbidden",
            ApiError::PreconditionRequired => "version-required",
            ApiError::NotFound(_) => "not-found",
            ApiError::IdempotencyKeyReused => "idempotency-key-reused",
            ApiError::Conflict(_) => "conflict",
            ApiError::NotConfigured(_) => "not-configured",
            ApiError::PreconditionFailed(_) => "stale-version",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::RequestTimeout(_) => "request-timeout",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Upstream(_) => "upstream",
            ApiError::Internal(_) => "internal",
            ApiError::Auth { slug, .. } => slug,
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let (title, detail, errors) = match self {
            ApiError::Validation(v) => (
                "Invalid input",
                Some("One or more fields are invalid; see `errors`.".to_string()),
                v.0.clone(),
            ),
            ApiError::BadRequest(d) => ("Bad request", Some(d.clone()), vec![]),
            ApiError::Conflict(d) => ("Conflict", Some(d.clone()), vec![]),
            ApiError::NotConfigured(d) => ("Not configured", Some((*d).to_string()), vec![]),
            ApiError::PreconditionFailed(v) => (
                "Stale version",
                Some(format!(
                    "The complaint changed meanwhile: its version is now {v}. Reload it and try again."
                )),
                vec![],
            ),
            ApiError::Unauthorized => (
                "Authentication required",
                Some(
                    "Send a valid API key as `Authorization: Bearer <key>`, or sign in \
                     (POST /api/v1/auth/login) and send the session cookie."
                        .to_string(),
                ),
                vec![],
            ),
            ApiError::Auth { title, detail, .. } => (*title, Some(detail.clone()), vec![]),
            ApiError::Forbidden(d) => ("Forbidden", Some((*d).to_string()), vec![]),
            ApiError::NotYours(d) => ("Forbidden", Some(d.clone()), vec![]),
            ApiError::PreconditionRequired => (
                "Version required",
                Some(
                    "Send the complaint's ETag as `If-Match` (or its `version` in the body), \
                     so that an action based on an old view is refused."
                        .to_string(),
                ),
                vec![],
            ),
            ApiError::NotFound(d) => ("Not found", Some((*d).to_string()), vec![]),
            ApiError::IdempotencyKeyReused => (
                "Idempotency key reused",
                Some(
                    "This Idempotency-Key was already used with a different request body."
                        .to_string(),
                ),
                vec![],
            ),
            ApiError::PayloadTooLarge(d) => ("Payload too large", Some(d.clone()), vec![]),
            ApiError::RequestTimeout(secs) => (
                "Request timeout",
                Some(format!(
                    "The request body did not arrive within {secs} seconds; nothing was changed."
                )),
                vec![],
            ),
            ApiError::UnsupportedMediaType(d) => {
                ("Unsupported media type", Some(d.clone()), vec![])
            }
            ApiError::TooManyRequests { retry_after_secs } => (
                "Too many requests",
                Some(format!("Try again in {retry_after_secs} seconds.")),
                vec![],
            ),
            ApiError::Unavailable(d) => ("Service unavailable", Some(d.clone()), vec![]),
            ApiError::Upstream(d) => ("Upstream failure", Some(d.clone()), vec![]),
            // Internal details go to the log, never to the client.
            ApiError::Internal(_) => (
                "Internal server error",
                Some("The error was logged; please retry later.".to_string()),
                vec![],
            ),
        };
        Problem {
            type_: format!("https://aduan.dev/problems/{}", self.type_slug()),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) | ApiError::NotConfigured(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::NotYours(_) => StatusCode::FORBIDDEN,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Auth { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN)
            }
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        if let ApiError::Internal(msg) = self {
            tracing::error!(error = %msg, "request failed");
        }
        let mut resp = HttpResponse::build(self.status_code());
        resp.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthorized => {
                resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Auth {
                retry_after_secs: Some(s),
                ..
            } => {
                resp.insert_header((header::RETRY_AFTER, s.to_string()));
            }
            ApiError::Unavailable(_) => {
                resp.insert_header((
                    header::RETRY_AFTER,
                    UNAVAILABLE_RETRY_AFTER_SECS.to_string(),
                ));
            }
            _ => {}
        }
        resp.json(self.problem())
    }
}

/// A problem response for a bare HTTP status (used for actix's own errors).
pub fn status_problem(status: StatusCode, detail: Option<String>) -> HttpResponse {
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    // our own problem types, as ApiError names them, for the framework's errors too
    let slug = match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        408 => "request-timeout",
        413 => "payload-too-large",
        414 => "uri-too-long",
        415 => "unsupported-media-type",
        429 => "too-many-requests",
        431 => "headers-too-large",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad-request",
    };
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(Problem {
            type_: format!("https://aduan.dev/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            errors: vec![],
        })
}

/// Replaces any non-problem error body (404 from routing, 405, 413 from a
/// payload limit, …) with problem+json. Bodies we produced ourselves pass.
pub fn problem_for_default_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let ct = res.headers().get(header::CONTENT_TYPE);
    let is_problem = ct.is_some_and(|v| v == HeaderValue::from_static(PROBLEM_JSON));
    // a page for people answers with its own page (web/), in Indonesian
    let is_page = ct
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Open311 answers errors in its own format (a list of code/description)
    let open311 = res.request().path().starts_with("/open311/")
        && ct.is_some_and(|v| v == HeaderValue::from_static("application/json"));
    if is_problem || is_page || open311 {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::NOT_FOUND => Some("No resource at this path.".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => {
            Some("This method is not allowed on this resource.".to_string())
        }
        StatusCode::PAYLOAD_TOO_LARGE => Some("The request body is too large.".to_string()),
        _ => None,
    };
    let (req, old) = res.into_parts();
    let mut new = status_problem(status, detail);
    // keep headers such as Allow and Retry-After
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Query-string errors from actix extractors.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// Path errors (e.g. an id that is not a UUID) look like an unknown resource.
pub fn path_error(
    _err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::NotFound("No resource with this id.").into()
}

/// Errors of `web::Json` extractors: wrong content type → 415, too large →
/// 413, syntax → 400, wrong shape → 422.
pub fn json_config_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => {
            ApiError::UnsupportedMediaType("send `Content-Type: application/json`".into())
        }
        E::OverflowKnownLength { .. } | E::Overflow { .. } => {
            ApiError::PayloadTooLarge("the JSON body is too large".into())
        }
        E::Deserialize(e) if e.classify() == serde_json::error::Category::Data => {
            let msg = e.to_string();
            let reason = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            let field = reason
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
                .unwrap_or("body")
                .to_string();
            ApiError::field(&field, reason)
        }
        other => ApiError::BadRequest(format!("malformed JSON: {other}")),
    }
    .into()
}
