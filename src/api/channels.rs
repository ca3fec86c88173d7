//! `/webhooks/telegram` (the Bot API's webhook, `X-Telegram-Bot-Api-Secret-Token`)
//! and `/webhooks/sms` (SMS Gateway for Android's `sms:received`, signed
//! with `X-Signature`). A delivery is applied before the 200; when the
//! database cannot take it the answer is 5xx and the platform delivers it
//! again — an update or event id never registers twice. Not part of the
//! integrators' API (no OpenAPI).

use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ApiError;
use super::state::AppState;
use crate::intake::{sms, telegram};

/// Larger than any update or SMS event.
pub const MAX_DELIVERY_BYTES: usize = 1024 * 1024;

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `POST /webhooks/telegram`: one update.
pub async fn telegram(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(secret) = state
        .settings
        .telegram
        .as_ref()
        .and_then(|t| t.webhook_secret.as_deref())
    else {
        return Err(ApiError::NotFound(
            "The Telegram webhook is not configured (ADUAN_TELEGRAM_WEBHOOK_SECRET).",
        ));
    };
    let given = header(&req, "x-telegram-bot-api-secret-token");
    if !given.is_some_and(|g| crate::domain::access::same_secret(g.as_bytes(), secret.as_bytes())) {
        metrics::counter!("aduan_telegram_webhooks_total", "outcome" => "bad_secret").increment(1);
        tracing::warn!("Telegram delivery refused: missing or wrong secret token");
        return Err(ApiError::Unauthorized);
    }
    let update: telegram::wire::Update = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("the body is not a Telegram update".into()))?;
    let applied = telegram::apply(&state.app, &update)
        .await
        .map_err(ApiError::from)?;
    metrics::counter!("aduan_telegram_webhooks_total", "outcome" => "applied").increment(1);
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok",
        "outcome": format!("{applied:?}").to_lowercase()})))
}

/// `POST /webhooks/sms`: one event of SMS Gateway for Android.
pub async fn sms(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(key) = state.settings.sms.webhook_secret.as_deref() else {
        return Err(ApiError::NotFound(
            "The SMS gateway webhook is not configured (ADUAN_SMS_WEBHOOK_SECRET).",
        ));
    };
    let now = chrono::Utc::now();
    if !sms::signed(
        key,
        &body,
        header(&req, "x-timestamp"),
        header(&req, "x-signature"),
        now,
    ) {
        metrics::counter!("aduan_sms_webhooks_total", "outcome" => "bad_signature").increment(1);
        tracing::warn!("SMS gateway delivery refused: missing, wrong or stale X-Signature");
        return Err(ApiError::Unauthorized);
    }
    let event: sms::GatewayEvent = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("the body is not an SMS gateway event".into()))?;
    let outcome = match sms::from_gateway(&event, now) {
        Ok(None) => "ignored",
        Err(e) => {
            tracing::info!(reason = %e, "SMS not taken");
            "ignored"
        }
        Ok(Some(m)) => match state.app.receive_chat(&m).await.map_err(ApiError::from)? {
            crate::app::chat::ChatOutcome::Created(c) => {
                tracing::info!(complaint_id = %c.id, "SMS complaint registered");
                "created"
            }
            crate::app::chat::ChatOutcome::Joined(_) => "joined",
            crate::app::chat::ChatOutcome::Guided => "guided",
            crate::app::chat::ChatOutcome::Duplicate => "duplicate",
        },
    };
    metrics::counter!("aduan_sms_webhooks_total", "outcome" => outcome).increment(1);
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok", "outcome": outcome})))
}
