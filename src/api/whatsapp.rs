//! `/webhooks/whatsapp`: Meta's subscription handshake (GET) and webhook
//! deliveries (POST, signed with the app secret). A delivery is applied
//! before the 200 (a registration takes milliseconds); when the database
//! cannot take it the answer is 503 and Meta delivers it again — a message
//! id never registers twice. Not part of the integrators' API (no OpenAPI).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::error::ApiError;
use super::state::AppState;
use crate::intake::whatsapp::{self, signature, wire};

/// The largest delivery taken (Meta's notifications are far smaller; a
/// batch of many messages and statuses stays well under this).
pub const MAX_DELIVERY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// `GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`
pub async fn handshake(
    state: web::Data<AppState>,
    q: web::Query<Handshake>,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = state.settings.whatsapp.as_ref() else {
        return Err(ApiError::NotFound(
            "The WhatsApp channel is not configured.",
        ));
    };
    let token_ok = q.verify_token.as_deref().is_some_and(|t| {
        crate::domain::access::same_secret(t.as_bytes(), s.verify_token.as_bytes())
    });
    if q.mode.as_deref() != Some("subscribe") || !token_ok {
        tracing::warn!("WhatsApp handshake refused: wrong mode or verify token");
        return Err(ApiError::Forbidden("the verify token does not match"));
    }
    // Meta sends a number; echo only what a challenge can be
    let challenge = q
        .challenge
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 200)
        .filter(|c| {
            c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        })
        .ok_or_else(|| ApiError::BadRequest("hub.challenge is missing or malformed".into()))?;
    tracing::info!("WhatsApp webhook subscription verified");
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(challenge.to_string()))
}

/// `POST /webhooks/whatsapp`: a signed delivery.
pub async fn deliver(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = state.settings.whatsapp.as_ref() else {
        return Err(ApiError::NotFound(
            "The WhatsApp channel is not configured.",
        ));
    };
    let header = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !signature::verify(&s.app_secret, &body, header) {
        metrics::counter!("aduan_whatsapp_webhooks_total", "outcome" => "bad_signature")
            .increment(1);
        tracing::warn!("WhatsApp delivery refused: missing or wrong X-Hub-Signature-256");
        return Err(ApiError::Unauthorized);
    }
    let n: wire::Notification = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("the body is not a WhatsApp notification".into()))?;
    if n.object != "whatsapp_business_account" {
        return Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ignored"})));
    }
    let h = whatsapp::apply(&state.app, &n)
        .await
        .map_err(ApiError::from)?;
    metrics::counter!("aduan_whatsapp_webhooks_total", "outcome" => "applied").increment(1);
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok",
        "created": h.created, "joined": h.joined, "guided": h.guided,
        "duplicates": h.duplicates, "statuses": h.statuses})))
}
