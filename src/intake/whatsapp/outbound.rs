//! The WhatsApp courier: delivers the outbox's WhatsApp kinds — messages
//! (acknowledgement, guide, staff messages, the answer, the survey
//! invitation, staff alerts), media fetches and read marks.
//!
//! Inside Meta's 24-hour customer-service window (since the person last
//! wrote) a message goes as free text, split at Meta's limit; outside it as
//! the approved template. Meta's clock decides: a text refused with the
//! re-engagement error (131047, in the answer or later as a `failed`
//! status) is queued again as its template, once (docs/adr/0028).

use std::sync::Arc;

use chrono::{Duration, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::client::{Client, Outgoing, SendError};
use crate::app::App;
use crate::config::WhatsappSettings;
use crate::domain::Channel;
use crate::domain::conversation::{WHATSAPP_TEXT_LIMIT, split_text, wa_id_from_phone};
use crate::notify::{Courier, DeliveryError};
use crate::store::{
    ChatSent, Complaint, DeliveryProof, NewOutbox, OUTBOX_WHATSAPP_MEDIA, OUTBOX_WHATSAPP_MESSAGE,
    OUTBOX_WHATSAPP_READ, OutboxItem,
};

pub const KINDS: &[&str] = &[
    OUTBOX_WHATSAPP_MESSAGE,
    OUTBOX_WHATSAPP_MEDIA,
    OUTBOX_WHATSAPP_READ,
];

/// A little less than Meta's 24 hours: a text sent at the edge would be refused.
pub const WINDOW: Duration = Duration::minutes(24 * 60 - 10);

pub use crate::intake::messages::MessagePayload;
use crate::intake::messages::{self, Style, compose};

#[derive(Debug, Clone, Deserialize)]
struct MediaPayload {
    media_id: String,
    kind: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
    message_id: String,
}

pub struct WhatsappCourier {
    app: Arc<App>,
    settings: WhatsappSettings,
    client: Client,
}

fn remote(e: SendError) -> DeliveryError {
    match e {
        SendError::Refused { .. } => DeliveryError::Refused(e.to_string()),
        SendError::Window | SendError::Unavailable(_) => DeliveryError::Remote(e.to_string()),
    }
}

use crate::intake::messages::malformed;

impl WhatsappCourier {
    pub fn new(app: Arc<App>) -> Option<Result<Self, reqwest::Error>> {
        let settings = app.settings.whatsapp.clone()?;
        Some(Client::new(&settings).map(|client| WhatsappCourier {
            app,
            settings,
            client,
        }))
    }

    /// Delivers until cancelled: every second, and at once when this
    /// process queued something (`App::wake_chat`).
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let app = self.app.clone();
        crate::intake::messages::run_courier(&app, self.as_ref(), token).await;
    }

    /// Is the person inside the customer-service window (they wrote in the last 24 hours)?
    async fn window_open(&self, wa_id: &str) -> Result<bool, DeliveryError> {
        let tag = self.app.chat_sender_tag(Channel::Whatsapp, wa_id);
        let state = self.app.store.chat_state("whatsapp", &tag).await?;
        Ok(state
            .last_inbound_at
            .is_some_and(|t| Utc::now() - t < WINDOW))
    }

    async fn send_message(
        &self,
        item: &OutboxItem,
    ) -> Result<Option<DeliveryProof>, DeliveryError> {
        let p = MessagePayload::read(item)?;
        let complaint = messages::complaint_of(&self.app, item).await?;
        let to = match (&p.to, &complaint) {
            (Some(to), _) => to.clone(),
            (None, Some(c)) => c
                .reporter
                .phone
                .as_deref()
                .and_then(wa_id_from_phone)
                .ok_or_else(|| malformed("the complainant's number is not known"))?,
            (None, None) => return Err(malformed("no recipient")),
        };
        let s = &self.app.settings;
        let template_only = matches!(p.purpose.as_str(), "survey" | "alert" | "visit_survey");
        // the acknowledgement and the guide answer a message just received:
        // inside the window by definition (Meta refuses if it closed meanwhile)
        let answers_now = matches!(p.purpose.as_str(), "ack" | "guide");
        let as_template =
            p.force_template || template_only || (!answers_now && !self.window_open(&to).await?);
        if as_template {
            let (name, params) = match (p.purpose.as_str(), &complaint) {
                ("alert", _) => (
                    self.settings.staff_template.as_str(),
                    vec![
                        p.text.clone().unwrap_or_default(),
                        p.link
                            .clone()
                            .unwrap_or_else(|| format!("{}/console", s.public_base_url)),
                    ],
                ),
                ("visit_survey", _) => (
                    self.settings
                        .visit_survey_template
                        .as_deref()
                        .ok_or_else(|| malformed("no visit survey template is set"))?,
                    vec![
                        p.text.clone().unwrap_or_default(),
                        p.link.clone().unwrap_or_default(),
                    ],
                ),
                ("guide", _) | (_, None) => {
                    // a guide outside the window would be refused: nothing to send
                    tracing::info!(outbox_id = %item.id, "WhatsApp guide not sent: outside the window");
                    return Ok(None);
                }
                (_, Some(c)) => (
                    self.settings.template.as_str(),
                    vec![
                        c.tracking_number.clone(),
                        messages::status_url(&self.app, c).await?,
                    ],
                ),
            };
            let what = Outgoing::Template {
                name,
                language: &self.settings.template_language,
                params: &params,
            };
            let ids = self
                .send_parts(item, &p, &to, &[what], true)
                .await
                .map_err(|e| match e {
                    SendError::Window => DeliveryError::Refused(
                        "the template was refused as outside the window".into(),
                    ),
                    e => remote(e),
                })?;
            return self
                .after_sent(item, &p, complaint.as_ref(), &ids, true)
                .await;
        }
        let text = compose(&self.app, &p, complaint.as_ref(), Style::Whatsapp).await?;
        let parts = split_text(&text, WHATSAPP_TEXT_LIMIT);
        let outgoing: Vec<Outgoing<'_>> = parts
            .iter()
            .enumerate()
            .map(|(i, body)| Outgoing::Text {
                body,
                reply_to: if i == 0 { p.reply_to.as_deref() } else { None },
            })
            .collect();
        match self.send_parts(item, &p, &to, &outgoing, false).await {
            Ok(ids) => {
                self.after_sent(item, &p, complaint.as_ref(), &ids, false)
                    .await
            }
            Err(SendError::Window) => {
                self.again_as_template(item, &p).await?;
                Ok(None)
            }
            Err(e) => Err(remote(e)),
        }
    }

    /// Sends the parts not sent by an earlier attempt; every message id.
    async fn send_parts(
        &self,
        item: &OutboxItem,
        p: &MessagePayload,
        to: &str,
        parts: &[Outgoing<'_>],
        template: bool,
    ) -> Result<Vec<String>, SendError> {
        let done = self
            .app
            .store
            .chat_sent_parts(item.id)
            .await
            .map_err(|e| SendError::Unavailable(e.to_string()))?;
        let mut ids = Vec::new();
        for (i, what) in parts.iter().enumerate() {
            let part = i32::try_from(i).unwrap_or(i32::MAX);
            if let Some((_, id)) = done.iter().find(|(n, _)| *n == part) {
                ids.push(id.clone());
                continue;
            }
            let id = self.client.send(to, what).await?;
            let now = Utc::now();
            self.app
                .chat_sent(&ChatSent {
                    message_id: id.clone(),
                    channel: "whatsapp".into(),
                    outbox_id: item.id,
                    part,
                    complaint_id: item.complaint_id,
                    purpose: p.purpose.clone(),
                    template,
                    sent_at: now,
                    status: "accepted".into(),
                    status_at: now,
                    error: None,
                })
                .await
                .map_err(|e| SendError::Unavailable(e.to_string()))?;
            ids.push(id);
        }
        Ok(ids)
    }

    async fn after_sent(
        &self,
        item: &OutboxItem,
        p: &MessagePayload,
        complaint: Option<&Complaint>,
        ids: &[String],
        template: bool,
    ) -> Result<Option<DeliveryProof>, DeliveryError> {
        messages::after_sent(
            &self.app,
            item,
            p,
            complaint,
            ids,
            "whatsapp",
            serde_json::json!({"template": template}),
        )
        .await
    }

    /// Queues the same message again as its template (once: the key).
    async fn again_as_template(
        &self,
        item: &OutboxItem,
        p: &MessagePayload,
    ) -> Result<(), DeliveryError> {
        if p.force_template {
            return Err(DeliveryError::Refused(
                "the template was refused as outside the window".into(),
            ));
        }
        let again = NewOutbox {
            id: Uuid::now_v7(),
            kind: OUTBOX_WHATSAPP_MESSAGE.into(),
            dedup_key: format!("template:{}", item.id),
            complaint_id: item.complaint_id,
            payload: serde_json::to_string(&MessagePayload {
                force_template: true,
                ..p.clone()
            })
            .unwrap_or_default(),
        };
        if self.app.queue_chat(&[again]).await? > 0 {
            tracing::info!(outbox_id = %item.id, "outside WhatsApp's window: queued again as the template");
        }
        Ok(())
    }

    async fn fetch_media(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        let p: MediaPayload = serde_json::from_str(&item.payload)
            .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
        let complaint_id = item.complaint_id.ok_or_else(|| malformed("no complaint"))?;
        // Meta keeps media for a limited time: a fetch that fails for good is said
        let result = self.fetch_and_store(&p, complaint_id).await;
        messages::media_outcome(
            &self.app,
            item,
            Channel::Whatsapp,
            &p.message_id,
            &p.kind,
            result,
        )
        .await
    }

    async fn fetch_and_store(
        &self,
        p: &MediaPayload,
        complaint_id: Uuid,
    ) -> Result<(), DeliveryError> {
        let limit = self.app.settings.max_attachment_bytes;
        let info = self.client.media_info(&p.media_id).await.map_err(remote)?;
        if info.size().is_some_and(|n| n > limit) {
            return Err(DeliveryError::Refused(format!("larger than {limit} bytes")));
        }
        let bytes = self
            .client
            .download(&info.url, limit)
            .await
            .map_err(remote)?;
        let digest = Sha256::digest(&bytes).to_vec();
        for declared in [p.sha256.as_deref(), info.sha256.as_deref()]
            .into_iter()
            .flatten()
        {
            if super::wire::digest_bytes(declared).is_some_and(|d| d != digest) {
                return Err(DeliveryError::Remote(
                    "the media's bytes do not match its SHA-256".into(),
                ));
            }
        }
        if info.size().is_some_and(|n| n != bytes.len() as u64) {
            return Err(DeliveryError::Remote("the media arrived cut short".into()));
        }
        messages::store_media(
            &self.app,
            Channel::Whatsapp,
            complaint_id,
            &p.message_id,
            &bytes,
            p.mime_type.clone().or(info.mime_type.clone()),
            p.file_name.as_deref(),
            &p.kind,
        )
        .await
    }
}

#[async_trait::async_trait]
impl Courier for WhatsappCourier {
    fn name(&self) -> &'static str {
        "whatsapp"
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        match item.kind.as_str() {
            OUTBOX_WHATSAPP_MESSAGE => self.send_message(item).await,
            OUTBOX_WHATSAPP_MEDIA => self.fetch_media(item).await,
            OUTBOX_WHATSAPP_READ => {
                let id = serde_json::from_str::<serde_json::Value>(&item.payload)
                    .ok()
                    .and_then(|v| v.get("message_id")?.as_str().map(str::to_string))
                    .ok_or_else(|| malformed("no message id"))?;
                self.client.mark_read(&id).await.map_err(remote)?;
                Ok(None)
            }
            other => Err(DeliveryError::Malformed(format!("unknown kind `{other}`"))),
        }
    }
}
