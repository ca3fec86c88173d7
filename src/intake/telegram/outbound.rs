//! The Telegram courier: delivers `telegram_message` (acknowledgement,
//! guide, welcome, staff messages, the answer, the survey invitation) with
//! `sendMessage`, split at Telegram's 4,096 characters, and
//! `telegram_media` (`getFile`, then the download) into attachments.
//! Telegram has no customer-service window: a bot may write to a person
//! who wrote to it until they block it (403: refused for good).

use std::sync::Arc;

use serde::Deserialize;

use super::client::{Client, TEXT_LIMIT, TelegramError};
use super::wire::chat_message_id;
use crate::app::App;
use crate::config::TelegramSettings;
use crate::domain::Channel;
use crate::domain::conversation::split_text;
use crate::intake::messages::{self, MessagePayload, Style, malformed};
use crate::notify::{Courier, DeliveryError};
use crate::store::{DeliveryProof, OUTBOX_TELEGRAM_MEDIA, OUTBOX_TELEGRAM_MESSAGE, OutboxItem};

pub const KINDS: &[&str] = &[OUTBOX_TELEGRAM_MESSAGE, OUTBOX_TELEGRAM_MEDIA];

#[derive(Debug, Clone, Deserialize)]
struct MediaPayload {
    media_id: String,
    kind: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
    message_id: String,
}

pub struct TelegramCourier {
    app: Arc<App>,
    client: Client,
}

fn remote(e: TelegramError) -> DeliveryError {
    match e {
        TelegramError::Refused { .. } => DeliveryError::Refused(e.to_string()),
        _ => DeliveryError::Remote(e.to_string()),
    }
}

impl TelegramCourier {
    pub fn new(app: Arc<App>) -> Option<Result<Self, reqwest::Error>> {
        let settings: TelegramSettings = app.settings.telegram.clone()?;
        Some(Client::new(&settings).map(|client| TelegramCourier { app, client }))
    }

    /// Delivers until cancelled: every second, and at once when this
    /// process queued something.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let app = self.app.clone();
        crate::intake::messages::run_courier(&app, self.as_ref(), token).await;
    }

    async fn send_message(
        &self,
        item: &OutboxItem,
    ) -> Result<Option<DeliveryProof>, DeliveryError> {
        let p = MessagePayload::read(item)?;
        let complaint = messages::complaint_of(&self.app, item).await?;
        let chat_id = match (&p.to, item.complaint_id) {
            (Some(to), _) => to.clone(),
            (None, Some(cid)) => self
                .app
                .store
                .chat_address(cid)
                .await?
                .ok_or_else(|| malformed("the complaint's Telegram chat is not known"))?,
            (None, None) => return Err(malformed("no recipient")),
        };
        let text = messages::compose(&self.app, &p, complaint.as_ref(), Style::Plain).await?;
        let parts = split_text(&text, TEXT_LIMIT);
        let reply_to = p.reply_to.as_deref().and_then(chat_message_id);
        let welcome = p.purpose == "welcome";
        let client = &self.client;
        let chat = chat_id.as_str();
        let count = parts.len();
        let sent = messages::send_parts(
            &self.app,
            item,
            &p,
            "telegram",
            &parts,
            |i, body| async move {
                let last = i + 1 == count;
                client
                    .send_message(
                        chat,
                        &body,
                        if i == 0 { reply_to } else { None },
                        welcome && last,
                    )
                    .await
                    .map(|id| format!("tg:{chat}:{id}"))
                    .map_err(remote)
            },
        )
        .await;
        let ids = match sent {
            Ok(ids) => ids,
            Err(DeliveryError::Refused(reason)) => {
                return Err(messages::refused(&self.app, item, &p, reason).await);
            }
            Err(e) => return Err(e),
        };
        messages::after_sent(
            &self.app,
            item,
            &p,
            complaint.as_ref(),
            &ids,
            "telegram",
            serde_json::json!({}),
        )
        .await
    }

    async fn fetch_media(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        let p: MediaPayload = serde_json::from_str(&item.payload)
            .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
        let complaint_id = item.complaint_id.ok_or_else(|| malformed("no complaint"))?;
        let result = self.fetch_and_store(&p, complaint_id).await;
        messages::media_outcome(
            &self.app,
            item,
            Channel::Telegram,
            &p.message_id,
            &p.kind,
            result,
        )
        .await
    }

    async fn fetch_and_store(
        &self,
        p: &MediaPayload,
        complaint_id: uuid::Uuid,
    ) -> Result<(), DeliveryError> {
        let limit = self.app.settings.max_attachment_bytes;
        let file = self.client.get_file(&p.media_id).await.map_err(remote)?;
        if file.file_size.is_some_and(|n| n > limit) {
            return Err(DeliveryError::Refused(format!("larger than {limit} bytes")));
        }
        let path = file.file_path.ok_or_else(|| {
            DeliveryError::Refused("Telegram gave no file path (over 20 MB)".into())
        })?;
        let bytes = self.client.download(&path, limit).await.map_err(remote)?;
        if file.file_size.is_some_and(|n| n != bytes.len() as u64) {
            return Err(DeliveryError::Remote("the file arrived cut short".into()));
        }
        messages::store_media(
            &self.app,
            Channel::Telegram,
            complaint_id,
            &p.message_id,
            &bytes,
            p.mime_type.clone(),
            p.file_name.as_deref(),
            &p.kind,
        )
        .await
    }
}

#[async_trait::async_trait]
impl Courier for TelegramCourier {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        match item.kind.as_str() {
            OUTBOX_TELEGRAM_MESSAGE => self.send_message(item).await,
            OUTBOX_TELEGRAM_MEDIA => self.fetch_media(item).await,
            other => Err(DeliveryError::Malformed(format!("unknown kind `{other}`"))),
        }
    }
}
