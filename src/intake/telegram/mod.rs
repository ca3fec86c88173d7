//! The Telegram channel (the Bot API): `wire.rs` (Telegram's objects),
//! `client.rs` (getUpdates, sendMessage, getFile), `outbound.rs` (the
//! courier), `poll.rs` (long polling by one replica, the offset kept in
//! the database). The webhook is `api/channels.rs`; what a message becomes
//! is `app/chat.rs` (docs/adr/0028, docs/adr/0031).

pub mod client;
pub mod outbound;
pub mod poll;
pub mod wire;

use chrono::Utc;

use crate::app::App;
use crate::app::chat::ChatOutcome;
use crate::store::StoreError;

/// What an update became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Created,
    Joined,
    Guided,
    Duplicate,
    Ignored,
}

/// Applies one update (webhook or polling): safe to call again with the
/// same update (its id is the message's key).
pub async fn apply(app: &App, u: &wire::Update) -> Result<Applied, StoreError> {
    match wire::read(u, Utc::now()) {
        wire::Read::Ignored => Ok(Applied::Ignored),
        wire::Read::Start {
            chat_id,
            message_id,
        } => {
            app.say_to(
                crate::domain::Channel::Telegram,
                &chat_id.to_string(),
                &message_id,
                "welcome",
                &format!("welcome:telegram:{message_id}"),
                Utc::now(),
            )
            .await?;
            Ok(Applied::Guided)
        }
        wire::Read::Chat(m) => Ok(match app.receive_chat(&m).await? {
            ChatOutcome::Created(c) => {
                tracing::info!(complaint_id = %c.id, "Telegram complaint registered");
                Applied::Created
            }
            ChatOutcome::Joined(_) => Applied::Joined,
            ChatOutcome::Guided => Applied::Guided,
            ChatOutcome::Duplicate => Applied::Duplicate,
        }),
    }
}
