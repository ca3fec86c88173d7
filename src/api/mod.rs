//! HTTP API (actix-web): routes, auth, errors and the OpenAPI document.

pub mod accounts;
pub mod auth;
pub mod bulk;
pub mod calendar;
pub mod categories;
pub mod clock;
pub mod complaints;
pub mod contract;
pub use crate::http::dto;
pub mod email;
pub mod error;
pub mod extract;
pub mod headers;
pub mod integrations;
pub mod observe;
pub mod open311;
pub mod ops;
pub mod org;
pub mod privacy;
pub mod public;
pub use crate::http::ratelimit;
pub mod reports;
pub mod search;
pub use crate::http::state;
pub mod channels;
pub mod webhooks;
pub mod whatsapp;
pub mod workflow;

use actix_web::web;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use error::ApiError;

/// Largest JSON body accepted (a complaint body is at most 20,000 characters).
pub const MAX_JSON_BYTES: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "aduan",
        description = "Complaint management for Indonesian government offices (SP4N-LAPOR!-aware). \
            Authenticate with `Authorization: Bearer <API key>` (create one with `aduan apikey create`), \
            or sign in (`POST /api/v1/auth/login`) and send the session cookie; a change made with a \
            session also sends its `csrf_token` as `X-CSRF-Token`. \
            Errors are RFC 7807 `application/problem+json`.",
        license(name = "Apache-2.0"),
    ),
    paths(
        complaints::create, complaints::list, search::search, bulk::forward, bulk::dispose, bulk::read, bulk::category, complaints::get,
        categories::list, categories::create, categories::update, categories::set, complaints::timeline,
        complaints::overdue, complaints::due_soon, clock::pause, clock::resume, clock::extend,
        complaints::upload_attachment, complaints::list_attachments, complaints::download_attachment,
        public::status, public::survey, reports::ikm, reports::summary, reports::chart, ops::healthz, ops::readyz, ops::metrics,
        calendar::deadline, calendar::working_days, calendar::list_days, calendar::add_day,
        calendar::remove_day, calendar::changes, calendar::ics, calendar::sla_policies,
        calendar::set_sla_policy, ops::outbox, ops::retry_outbox,
        org::list_units, org::create_unit, org::list_positions, org::create_position,
        org::list_officers, org::create_officer, org::update_officer, org::create_officer_key,
        org::list_acting, org::create_acting, org::revoke_acting, org::instructions,
        workflow::forward, workflow::dispose, workflow::read, workflow::withdraw,
        workflow::draft, workflow::submit, workflow::approve, workflow::return_draft,
        workflow::dispatch, workflow::close, workflow::reopen, workflow::redirect,
        workflow::merge, workflow::reject, workflow::dispositions, workflow::answer,
        workflow::inbox,
        integrations::status, integrations::poll, integrations::reconcile, integrations::quarantine, integrations::retry,
        email::intake, email::status, email::poll,
        accounts::login, accounts::logout, accounts::me, accounts::set_password,
        accounts::change_password, accounts::sessions, accounts::end_session,
        accounts::totp_start, accounts::totp_confirm, accounts::totp_disable, accounts::my_keys,
        accounts::list_keys, accounts::revoke_key, accounts::create_account,
        accounts::list_accounts, accounts::update_account, accounts::password_link,
        accounts::unlock, accounts::reset_totp, accounts::audit,
        privacy::search, privacy::export, privacy::erase, privacy::audit, privacy::retention,
        privacy::record_breach, privacy::list_breaches, privacy::get_breach,
        webhooks::create, webhooks::list, webhooks::get, webhooks::delete, webhooks::deliveries,
        webhooks::redeliver, webhooks::progress,
    ),
    components(schemas(error::Problem, error::ProblemField, crate::webhooks::WebhookPayload)),
    modifiers(&BearerAuth, &ContractRules),
    tags(
        (name = "complaints", description = "Intake and reading"),
        (name = "attachments", description = "Scanned letters, photos"),
        (name = "public", description = "For the complainant"),
        (name = "calendar", description = "Working days, deadlines, SLA policy"),
        (name = "workflow", description = "Disposition chain, answer approval, dispatch, inbox"),
        (name = "organisation", description = "Units, positions, officers, acting appointments"),
        (name = "lapor", description = "SP4N-LAPOR! integration status, polling and quarantine"),
        (name = "email", description = "Email channel: pipe intake and the mailbox reader"),
        (name = "accounts", description = "Staff accounts: sign-in, sessions, two-factor, keys, audit"),
        (name = "privacy", description = "Personal data (UU 27/2022): a person's data found, exported and erased; retention; the breach register"),
        (name = "webhooks", description = "For other agencies' systems: events of the complaints a key filed, pushed and signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of \"{id}.{timestamp}.{body}\" keyed with the secret's bytes after `whsec_`>`; reject a timestamp more than 5 minutes off, and an id seen before). The body is a `WebhookPayload`; events of one complaint arrive in order; a delivery is retried with backoff for about 16 hours, then parked in the delivery log for a redelivery."),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

/// What every operation shares, written into the document once instead of
/// on each handler: a secured operation can answer 401 and 403; one with a
/// JSON body 400 (malformed) and 415 (not JSON); one taking `If-Match` 428;
/// the service is its own server.
struct ContractRules;

impl Modify for ContractRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            ContentBuilder, Ref, RefOr, ResponseBuilder, ServerBuilder, path::Operation,
        };
        let problem = |why: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(why)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation, code: &str, why: &str| {
            op.responses
                .responses
                .entry(code.to_string())
                .or_insert_with(|| problem(why));
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add(op, "401", "No, unknown or revoked API key or session");
                    add(op, "403", "This role may not do this");
                }
                if op.request_body.is_some() {
                    add(op, "400", "Malformed body");
                    add(op, "415", "The body is not of a type this operation takes");
                    add(op, "422", "Invalid fields, each named");
                }
                use utoipa::openapi::path::ParameterIn;
                let has = |op: &Operation, kind: ParameterIn| {
                    op.parameters
                        .iter()
                        .flatten()
                        .any(|p| p.parameter_in == kind)
                };
                if has(op, ParameterIn::Query) {
                    add(op, "400", "Malformed query string");
                    add(op, "422", "Invalid parameters, each named");
                }
                if has(op, ParameterIn::Path) {
                    add(op, "404", "Nothing at this path");
                }
                // the database (or the integration) is down: retry shortly
                add(op, "503", "Unavailable for now; retry (Retry-After)");
                let if_match = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.name.eq_ignore_ascii_case("if-match"));
                if if_match {
                    add(
                        op,
                        "428",
                        "Neither If-Match nor a version in the body named the version acted on",
                    );
                }
            }
        }
        openapi.servers = Some(vec![
            ServerBuilder::new()
                .url("/")
                .description(Some("This service"))
                .build(),
        ]);
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
            components.add_security_scheme(
                "session",
                SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                    utoipa::openapi::security::ApiKeyValue::with_description(
                        "aduan_session",
                        "The session cookie set by POST /api/v1/auth/login (`__Host-aduan_session` when the service is served over https)",
                    ),
                )),
            );
        }
    }
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let instructions: Vec<String> = crate::config::DEFAULT_INSTRUCTIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut s =
        serde_json::to_string_pretty(&contract::document(&instructions)).unwrap_or_default();
    s.push('\n');
    s
}

/// Registers every route. Each path is one resource so that a wrong method gets 405.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_JSON_BYTES))
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_JSON_BYTES)
                .error_handler(error::json_config_error),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .service(web::resource("/").get(ops::index))
        .service(web::resource("/swagger-ui").get(ops::to_swagger_ui))
        .service(web::resource("/healthz").get(ops::healthz))
        .service(web::resource("/readyz").get(ops::readyz))
        .service(web::resource("/metrics").get(ops::metrics))
        .service(
            web::resource("/webhooks/whatsapp")
                // Meta batches deliveries: never a 413 it would retry for days
                .app_data(web::PayloadConfig::new(whatsapp::MAX_DELIVERY_BYTES))
                .get(whatsapp::handshake)
                .post(whatsapp::deliver),
        )
        .service(
            web::resource("/webhooks/telegram")
                .app_data(web::PayloadConfig::new(channels::MAX_DELIVERY_BYTES))
                .post(channels::telegram),
        )
        .service(
            web::resource("/webhooks/sms")
                .app_data(web::PayloadConfig::new(channels::MAX_DELIVERY_BYTES))
                .post(channels::sms),
        )
        .service(web::resource("/api/v1/outbox").get(ops::outbox))
        .service(web::resource("/api/v1/outbox/{id}/retry").post(ops::retry_outbox))
        .service(
            web::resource("/api/v1/complaints")
                .get(complaints::list)
                .post(complaints::create),
        )
        .service(web::resource("/api/v1/complaints/search").post(search::search))
        .service(web::resource("/api/v1/complaints/bulk/forward").post(bulk::forward))
        .service(web::resource("/api/v1/complaints/bulk/dispose").post(bulk::dispose))
        .service(web::resource("/api/v1/complaints/bulk/read").post(bulk::read))
        .service(web::resource("/api/v1/complaints/bulk/category").post(bulk::category))
        .service(
            web::resource("/api/v1/categories")
                .get(categories::list)
                .post(categories::create),
        )
        .service(web::resource("/api/v1/categories/{key}").patch(categories::update))
        .service(web::resource("/api/v1/complaints/{id}/category").put(categories::set))
        .service(web::resource("/api/v1/complaints/overdue").get(complaints::overdue))
        .service(web::resource("/api/v1/complaints/due-soon").get(complaints::due_soon))
        .service(web::resource("/api/v1/complaints/{id}").get(complaints::get))
        .service(web::resource("/api/v1/complaints/{id}/timeline").get(complaints::timeline))
        .service(web::resource("/api/v1/complaints/{id}/progress").get(webhooks::progress))
        .service(web::resource("/open311/v2/discovery.json").get(open311::discovery))
        .service(web::resource("/open311/v2/services.json").get(open311::service_list))
        .service(web::resource("/open311/v2/services/{code}").get(open311::service_definition))
        .service(
            web::resource("/open311/v2/requests.json")
                .get(open311::list_requests)
                .post(open311::post_request),
        )
        .service(web::resource("/open311/v2/requests/{id}").get(open311::get_request))
        .service(
            web::resource("/api/v1/webhooks")
                .get(webhooks::list)
                .post(webhooks::create),
        )
        .service(
            web::resource("/api/v1/webhooks/{id}")
                .get(webhooks::get)
                .delete(webhooks::delete),
        )
        .service(web::resource("/api/v1/webhooks/{id}/deliveries").get(webhooks::deliveries))
        .service(
            web::resource("/api/v1/webhooks/{id}/deliveries/{event_id}/redeliver")
                .post(webhooks::redeliver),
        )
        .service(web::resource("/api/v1/complaints/{id}/clock/pause").post(clock::pause))
        .service(web::resource("/api/v1/complaints/{id}/clock/resume").post(clock::resume))
        .service(web::resource("/api/v1/complaints/{id}/extension").post(clock::extend))
        .service(
            web::resource("/api/v1/complaints/{id}/attachments")
                .get(complaints::list_attachments)
                .post(complaints::upload_attachment),
        )
        .service(
            web::resource("/api/v1/complaints/{id}/attachments/{attachment_id}")
                .get(complaints::download_attachment),
        )
        .service(web::resource("/api/v1/complaints/{id}/forward").post(workflow::forward))
        .service(
            web::resource("/api/v1/complaints/{id}/dispositions")
                .get(workflow::dispositions)
                .post(workflow::dispose),
        )
        .service(
            web::resource("/api/v1/complaints/{id}/dispositions/{disposition_id}/read")
                .post(workflow::read),
        )
        .service(
            web::resource("/api/v1/complaints/{id}/dispositions/{disposition_id}/withdraw")
                .post(workflow::withdraw),
        )
        .service(web::resource("/api/v1/complaints/{id}/answer").get(workflow::answer))
        .service(web::resource("/api/v1/complaints/{id}/answer/drafts").post(workflow::draft))
        .service(web::resource("/api/v1/complaints/{id}/answer/submit").post(workflow::submit))
        .service(web::resource("/api/v1/complaints/{id}/answer/approve").post(workflow::approve))
        .service(
            web::resource("/api/v1/complaints/{id}/answer/return").post(workflow::return_draft),
        )
        .service(web::resource("/api/v1/complaints/{id}/dispatch").post(workflow::dispatch))
        .service(web::resource("/api/v1/complaints/{id}/close").post(workflow::close))
        .service(web::resource("/api/v1/complaints/{id}/reopen").post(workflow::reopen))
        .service(web::resource("/api/v1/complaints/{id}/redirect").post(workflow::redirect))
        .service(web::resource("/api/v1/complaints/{id}/merge").post(workflow::merge))
        .service(web::resource("/api/v1/complaints/{id}/reject").post(workflow::reject))
        .service(web::resource("/api/v1/inbox").get(workflow::inbox))
        .service(web::resource("/api/v1/intake/email").post(email::intake))
        .service(web::resource("/api/v1/integrations/email").get(email::status))
        .service(web::resource("/api/v1/integrations/email/poll").post(email::poll))
        .service(web::resource("/api/v1/integrations/lapor").get(integrations::status))
        .service(web::resource("/api/v1/integrations/lapor/poll").post(integrations::poll))
        .service(
            web::resource("/api/v1/integrations/lapor/reconcile").post(integrations::reconcile),
        )
        .service(
            web::resource("/api/v1/integrations/lapor/quarantine").get(integrations::quarantine),
        )
        .service(
            web::resource("/api/v1/integrations/lapor/quarantine/{id}/retry")
                .post(integrations::retry),
        )
        .service(
            web::resource("/api/v1/org/units")
                .get(org::list_units)
                .post(org::create_unit),
        )
        .service(
            web::resource("/api/v1/org/positions")
                .get(org::list_positions)
                .post(org::create_position),
        )
        .service(
            web::resource("/api/v1/org/officers")
                .get(org::list_officers)
                .post(org::create_officer),
        )
        .service(web::resource("/api/v1/org/officers/{id}").patch(org::update_officer))
        .service(web::resource("/api/v1/org/officers/{id}/api-keys").post(org::create_officer_key))
        .service(
            web::resource("/api/v1/org/acting")
                .get(org::list_acting)
                .post(org::create_acting),
        )
        .service(web::resource("/api/v1/org/acting/{id}").delete(org::revoke_acting))
        .service(web::resource("/api/v1/org/instructions").get(org::instructions))
        .service(web::resource("/api/v1/public/complaints/{tracking_number}").get(public::status))
        .service(
            web::resource("/api/v1/public/complaints/{tracking_number}/survey")
                .post(public::survey),
        )
        .service(web::resource("/api/v1/reports/ikm").get(reports::ikm))
        .service(web::resource("/api/v1/reports/summary").get(reports::summary))
        .service(web::resource("/api/v1/reports/charts/{name}").get(reports::chart))
        .service(web::resource("/api/v1/auth/login").post(accounts::login))
        .service(web::resource("/api/v1/auth/logout").post(accounts::logout))
        .service(web::resource("/api/v1/auth/me").get(accounts::me))
        .service(web::resource("/api/v1/auth/me/password").put(accounts::change_password))
        .service(web::resource("/api/v1/auth/password").post(accounts::set_password))
        .service(web::resource("/api/v1/auth/sessions").get(accounts::sessions))
        .service(web::resource("/api/v1/auth/sessions/{id}").delete(accounts::end_session))
        .service(
            web::resource("/api/v1/auth/totp")
                .post(accounts::totp_start)
                .delete(accounts::totp_disable),
        )
        .service(web::resource("/api/v1/auth/totp/confirm").post(accounts::totp_confirm))
        .service(web::resource("/api/v1/auth/keys").get(accounts::my_keys))
        .service(web::resource("/api/v1/auth/audit").get(accounts::audit))
        .service(web::resource("/api/v1/api-keys").get(accounts::list_keys))
        .service(web::resource("/api/v1/api-keys/{id}").delete(accounts::revoke_key))
        .service(
            web::resource("/api/v1/accounts")
                .get(accounts::list_accounts)
                .post(accounts::create_account),
        )
        .service(web::resource("/api/v1/accounts/{id}").patch(accounts::update_account))
        .service(web::resource("/api/v1/accounts/{id}/password-link").post(accounts::password_link))
        .service(web::resource("/api/v1/accounts/{id}/unlock").post(accounts::unlock))
        .service(web::resource("/api/v1/accounts/{id}/totp").delete(accounts::reset_totp))
        .service(web::resource("/api/v1/privacy/search").post(privacy::search))
        .service(web::resource("/api/v1/privacy/export").post(privacy::export))
        .service(web::resource("/api/v1/privacy/erase").post(privacy::erase))
        .service(web::resource("/api/v1/privacy/audit").get(privacy::audit))
        .service(web::resource("/api/v1/privacy/retention").get(privacy::retention))
        .service(
            web::resource("/api/v1/privacy/breaches")
                .get(privacy::list_breaches)
                .post(privacy::record_breach),
        )
        .service(web::resource("/api/v1/privacy/breaches/{id}").get(privacy::get_breach))
        .service(web::resource("/api/v1/calendar/deadline").get(calendar::deadline))
        .service(web::resource("/api/v1/calendar/working-days").get(calendar::working_days))
        .service(
            web::resource("/api/v1/calendar/days")
                .get(calendar::list_days)
                .post(calendar::add_day),
        )
        .service(web::resource("/api/v1/calendar/days/{date}").delete(calendar::remove_day))
        .service(web::resource("/api/v1/calendar/changes").get(calendar::changes))
        .service(web::resource("/api/v1/calendar.ics").get(calendar::ics))
        .service(web::resource("/api/v1/sla-policies").get(calendar::sla_policies))
        .service(web::resource("/api/v1/sla-policies/{channel}").put(calendar::set_sla_policy));
}

/// For routes that match nothing.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("No resource at this path."))
}
