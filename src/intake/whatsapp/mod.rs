//! The WhatsApp channel (WhatsApp Business Platform Cloud API): `wire.rs`
//! (Meta's payloads), `signature.rs` (`X-Hub-Signature-256`), `client.rs`
//! (send, read marks, media), `outbound.rs` (the courier). The webhook is
//! `api/whatsapp.rs`; what a message becomes is `app/chat.rs` by the rule in
//! `domain/conversation.rs` (docs/adr/0028).

pub mod client;
pub mod outbound;
pub mod signature;
pub mod wire;

use chrono::Utc;

use crate::app::App;
use crate::app::chat::ChatOutcome;
use crate::store::{NewOutbox, OUTBOX_WHATSAPP_MESSAGE, StoreError};

/// What a webhook delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Handled {
    pub created: u32,
    pub joined: u32,
    pub guided: u32,
    pub duplicates: u32,
    pub statuses: u32,
    pub unreadable: u32,
}

/// Applies a signed delivery: every message through the conversation rule,
/// every status onto the message we sent. An error leaves the rest for
/// Meta's retry (what was done is not done twice).
pub async fn apply(app: &App, n: &wire::Notification) -> Result<Handled, StoreError> {
    let Some(s) = app.settings.whatsapp.as_ref() else {
        return Ok(Handled::default());
    };
    let d = wire::read(n, &s.phone_number_id, Utc::now());
    let mut h = Handled {
        unreadable: u32::try_from(d.unreadable).unwrap_or(u32::MAX),
        ..Default::default()
    };
    if d.unreadable > 0 {
        tracing::warn!(
            items = d.unreadable,
            "WhatsApp delivery: items skipped as unreadable"
        );
    }
    for m in &d.messages {
        match app.receive_chat(m).await? {
            ChatOutcome::Created(c) => {
                h.created += 1;
                tracing::info!(complaint_id = %c.id, "WhatsApp complaint registered");
            }
            ChatOutcome::Joined(_) => h.joined += 1,
            ChatOutcome::Guided => h.guided += 1,
            ChatOutcome::Duplicate => h.duplicates += 1,
        }
    }
    for st in &d.statuses {
        let kind = match st.status.as_str() {
            s @ ("sent" | "delivered" | "read" | "failed") => s,
            _ => continue, // "deleted", "warning", …: nothing for us
        };
        let at = wire::time_of(st.timestamp.as_deref()).unwrap_or_else(Utc::now);
        let error = st.errors.first().map(|e| {
            format!(
                "{} {}",
                e.code,
                e.title.as_deref().or(e.message.as_deref()).unwrap_or("")
            )
            .chars()
            .take(300)
            .collect::<String>()
        });
        let window = st.errors.iter().any(|e| e.code == client::REENGAGEMENT);
        if !status(app, &st.id, kind, at, error.as_deref(), window).await? {
            // not recorded yet: the send's answer is still on its way
            app.store
                .chat_status_hold(&st.id, kind, at, error.as_deref(), window)
                .await?;
        }
        h.statuses += 1;
    }
    Ok(h)
}

/// Applies the statuses that arrived before the message was recorded.
pub async fn apply_held(app: &App, message_id: &str) -> Result<(), StoreError> {
    for (kind, at, error, window) in app.store.chat_status_take(message_id).await? {
        status(app, message_id, &kind, at, error.as_deref(), window).await?;
    }
    Ok(())
}

/// A delivery status onto the message we sent; a text refused as outside
/// the window is queued again as its template (once). `false`: the message
/// is not (yet) recorded.
async fn status(
    app: &App,
    message_id: &str,
    status: &str,
    at: chrono::DateTime<Utc>,
    error: Option<&str>,
    window: bool,
) -> Result<bool, StoreError> {
    let Some((sent, moved)) = app.store.chat_status(message_id, status, at, error).await? else {
        return Ok(false);
    };
    // an answer that did not arrive, and will not be sent again as the
    // template: the liaison officer hears of it (the timeline says it too)
    if moved
        && status == "failed"
        && sent.purpose == "answer"
        && (!window || sent.template)
        && let (Some(to), Some(cid)) = (app.settings.liaison_email.as_deref(), sent.complaint_id)
        && let Some(c) = app.store.get_complaint(cid).await?
    {
        let link = format!("{}/console/complaints/{cid}", app.settings.public_base_url);
        let m = crate::notify::templates::answer_undelivered(
            &app.settings.office_name,
            &c.tracking_number,
            error.unwrap_or("gagal"),
            &link,
        );
        let item = crate::notify::email(
            format!("answer-undelivered:{message_id}"),
            Some(cid),
            to,
            &m,
        );
        app.store.enqueue_outbox(&[item], None, Utc::now()).await?;
    }
    if moved && status == "failed" && window && !sent.template {
        let Some(item) = app.store.get_outbox(sent.outbox_id).await? else {
            return Ok(true);
        };
        let mut p: outbound::MessagePayload = match serde_json::from_str(&item.payload) {
            Ok(p) => p,
            Err(_) => return Ok(true),
        };
        p.force_template = true;
        let again = NewOutbox {
            id: uuid::Uuid::now_v7(),
            kind: OUTBOX_WHATSAPP_MESSAGE.into(),
            dedup_key: format!("template:{}", item.id),
            complaint_id: item.complaint_id,
            payload: serde_json::to_string(&p).unwrap_or_default(),
        };
        if app.store.enqueue_outbox(&[again], None, Utc::now()).await? > 0 {
            tracing::info!(outbox_id = %item.id, "WhatsApp refused a text outside the window: queued again as the template");
            app.wake_chat();
        }
    }
    Ok(true)
}
