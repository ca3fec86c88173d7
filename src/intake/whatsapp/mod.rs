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
use crate::store::StoreError;

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
        app.chat_status(&st.id, kind, at, error.as_deref(), window)
            .await?;
        h.statuses += 1;
    }
    Ok(h)
}
