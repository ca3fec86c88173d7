//! What the message channels send (WhatsApp, Telegram, SMS): one payload
//! for every `*_message` outbox entry and one text per purpose, shown in
//! each channel's style (docs/adr/0028, docs/adr/0031).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::App;
use crate::notify::DeliveryError;
use crate::notify::templates::chat;
pub use crate::notify::templates::chat::Style;
use crate::store::{Complaint, DeliveryProof, NewOutbox, OutboxItem};

/// The payload of a `whatsapp_message`, `telegram_message` or `sms_message` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MessagePayload {
    /// ack, guide, welcome, contact, staff, answer, survey, alert, visit_survey
    pub purpose: String,
    /// The recipient (a `wa_id`, a Telegram chat id, a number); `None`: the
    /// complainant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_id: Option<Uuid>,
    /// The acknowledgement's access code, sealed with the server key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_code_sealed: Option<String>,
    /// The message this one answers (shown quoted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// A staff alert's console link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Send as the template whatever the window (a text was refused).
    #[serde(default)]
    pub force_template: bool,
}

impl MessagePayload {
    pub fn read(item: &OutboxItem) -> Result<Self, DeliveryError> {
        serde_json::from_str(&item.payload).map_err(|e| DeliveryError::Malformed(e.to_string()))
    }
}

pub fn malformed(what: &str) -> DeliveryError {
    DeliveryError::Malformed(what.to_string())
}

/// The complaint an entry is about, if any.
pub async fn complaint_of(
    app: &App,
    item: &OutboxItem,
) -> Result<Option<Complaint>, DeliveryError> {
    match item.complaint_id {
        None => Ok(None),
        Some(id) => Ok(Some(
            app.store
                .get_complaint(id)
                .await?
                .ok_or_else(|| malformed("complaint not found"))?,
        )),
    }
}

/// The complaint's public page (`/lacak/<number>#kode=<code>`:
/// `notify::status_link`).
pub async fn status_url(app: &App, c: &Complaint) -> Result<String, DeliveryError> {
    Ok(crate::notify::status_link(&app.store, &app.settings.public_base_url, c).await?)
}

/// The text of a message, by purpose.
pub async fn compose(
    app: &App,
    p: &MessagePayload,
    complaint: Option<&Complaint>,
    style: Style,
) -> Result<String, DeliveryError> {
    let s = &app.settings;
    let office = s.office_name.as_str();
    Ok(match (p.purpose.as_str(), complaint) {
        ("guide", _) => chat::guide(office, style),
        ("welcome", _) => chat::welcome(office),
        ("contact", _) => chat::contact_noted(office),
        ("ack", Some(c)) => {
            let code = p
                .access_code_sealed
                .as_deref()
                .and_then(|sealed| app.vault.open_str(sealed).ok())
                .ok_or_else(|| malformed("the access code does not open with this server key"))?;
            let url = format!(
                "{}/lacak/{}#kode={code}",
                app.settings.public_base_url, c.tracking_number
            );
            chat::acknowledgement(
                office,
                &c.tracking_number,
                c.due_at,
                &url,
                s.office_timezone,
                style,
            )
        }
        ("staff", Some(c)) => chat::staff(
            office,
            &c.tracking_number,
            p.text.as_deref().unwrap_or_default(),
        ),
        ("answer", Some(c)) => {
            let draft_id = p.draft_id.ok_or_else(|| malformed("no draft"))?;
            let draft = app
                .store
                .get_draft(draft_id)
                .await?
                .ok_or_else(|| malformed("draft not found"))?;
            chat::answer(
                office,
                &c.tracking_number,
                &c.subject,
                &draft.body,
                &status_url(app, c).await?,
                style,
            )
        }
        ("survey", Some(c)) => chat::survey(office, &c.tracking_number, &status_url(app, c).await?),
        ("alert", _) => p.text.clone().unwrap_or_default(),
        ("visit_survey", _) => chat::visit_survey(
            office,
            p.text.as_deref().unwrap_or_default(),
            p.link.as_deref().unwrap_or_default(),
        ),
        _ => return Err(malformed("unknown purpose")),
    })
}

/// After a message went out: an answer is the dispatch's proof (event
/// `answer_sent_<channel>`) and is followed by the survey invitation (as
/// `survey_kind`, once per complaint).
pub async fn after_sent(
    app: &App,
    item: &OutboxItem,
    p: &MessagePayload,
    complaint: Option<&Complaint>,
    ids: &[String],
    channel: &str,
    extra: serde_json::Value,
) -> Result<Option<DeliveryProof>, DeliveryError> {
    let Some(c) = complaint else {
        return Ok(None);
    };
    if p.purpose != "answer" {
        return Ok(None);
    }
    let survey = NewOutbox {
        id: Uuid::now_v7(),
        kind: item.kind.clone(),
        dedup_key: format!("survey:{channel}:{}", c.id),
        complaint_id: Some(c.id),
        payload: serde_json::to_string(&MessagePayload {
            purpose: "survey".into(),
            to: p.to.clone(),
            ..Default::default()
        })
        .unwrap_or_default(),
    };
    app.queue_chat(&[survey]).await?;
    let mut detail = serde_json::json!({"message_ids": ids, "outbox_id": item.id});
    if let (Some(d), Some(e)) = (detail.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    Ok(Some(DeliveryProof {
        dispatch_id: p.dispatch_id,
        external_id: ids.first().cloned().unwrap_or_default(),
        complaint_id: c.id,
        event: format!("answer_sent_{channel}"),
        detail: detail.to_string(),
    }))
}

/// Sends the parts of an entry not sent by an earlier attempt, recording
/// each by its id before the next goes (a retry sends only what is
/// missing); every part's id. `send(part, text)` sends one and names it.
pub async fn send_parts<F, Fut>(
    app: &App,
    item: &OutboxItem,
    p: &MessagePayload,
    channel: &str,
    parts: &[String],
    send: F,
) -> Result<Vec<String>, DeliveryError>
where
    F: Fn(usize, String) -> Fut,
    Fut: std::future::Future<Output = Result<String, DeliveryError>>,
{
    let done = app.store.chat_sent_parts(item.id).await?;
    let mut ids = Vec::new();
    for (i, text) in parts.iter().enumerate() {
        let part = i32::try_from(i).unwrap_or(i32::MAX);
        if let Some((_, id)) = done.iter().find(|(n, _)| *n == part) {
            ids.push(id.clone());
            continue;
        }
        let id = send(i, text.clone()).await?;
        let now = chrono::Utc::now();
        app.chat_sent(&crate::store::ChatSent {
            message_id: id.clone(),
            channel: channel.into(),
            outbox_id: item.id,
            part,
            complaint_id: item.complaint_id,
            purpose: p.purpose.clone(),
            template: false,
            sent_at: now,
            status: "sent".into(),
            status_at: now,
            error: None,
        })
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// A refusal for good: an answer that will not arrive is told to the
/// liaison officer; the entry is parked with the reason.
pub async fn refused(
    app: &App,
    item: &OutboxItem,
    p: &MessagePayload,
    reason: String,
) -> DeliveryError {
    if p.purpose == "answer"
        && let Some(cid) = item.complaint_id
        && let Err(e) = app
            .answer_undelivered(&item.id.to_string(), cid, &reason)
            .await
    {
        return e.into();
    }
    DeliveryError::Refused(reason)
}

/// Keeps a photo, document, voice note or video a person sent as the
/// complaint's attachment, encrypted like every attachment, under an id
/// derived from the message (a retry never stores a second copy).
#[allow(clippy::too_many_arguments)]
pub async fn store_media(
    app: &App,
    channel: crate::domain::Channel,
    complaint_id: Uuid,
    message_id: &str,
    bytes: &[u8],
    content_type: Option<String>,
    file_name: Option<&str>,
    kind: &str,
) -> Result<(), DeliveryError> {
    use sha2::{Digest, Sha256};
    let limit = app.settings.max_attachment_bytes;
    let mut b = [0u8; 16];
    b.copy_from_slice(&Sha256::digest(format!("{}-media:{message_id}", channel.as_str()))[..16]);
    let id = uuid::Builder::from_custom_bytes(b).into_uuid();
    let mut f = app
        .files
        .begin(complaint_id, id, limit)
        .await
        .map_err(|e| DeliveryError::Remote(e.to_string()))?;
    f.write(bytes)
        .await
        .map_err(|e| DeliveryError::Remote(e.to_string()))?;
    let file = f
        .finish()
        .await
        .map_err(|e| DeliveryError::Remote(e.to_string()))?;
    let content_type = content_type.unwrap_or_else(|| "application/octet-stream".into());
    let file_name = file_name
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| default_name(channel, kind, &content_type));
    let recorded = app
        .record_attachment(
            &crate::store::Attachment {
                id,
                complaint_id,
                identity: crate::domain::identity::looks_like_identity_document(&file_name),
                file_name,
                content_type: content_type.chars().take(100).collect(),
                size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
                sha256: file.sha256,
                created_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6),
                created_by: None,
                file_key: Some(file.file_key),
            },
            &crate::app::chat::chat_actor(channel),
        )
        .await;
    match recorded {
        Ok(()) => Ok(()),
        Err(e) if e.is_unique_violation() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A file name for media sent without one: `foto-whatsapp.jpg`.
pub fn default_name(channel: crate::domain::Channel, kind: &str, content_type: &str) -> String {
    let stem = match kind {
        "image" => "foto",
        "audio" => "pesan-suara",
        "video" => "video",
        "sticker" => "stiker",
        _ => "dokumen",
    };
    let base = content_type.split(';').next().unwrap_or("").trim();
    let ext = match base {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/aac" => "aac",
        "audio/mp4" => "m4a",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    format!("{stem}-{}.{ext}", channel.as_str())
}

/// A media fetch's outcome: when it failed for good (refused, or its last
/// attempt), the timeline says that the photo or document could not be
/// fetched (platforms keep media for a limited time), once per message.
pub async fn media_outcome(
    app: &App,
    item: &OutboxItem,
    channel: crate::domain::Channel,
    message_id: &str,
    kind: &str,
    result: Result<(), DeliveryError>,
) -> Result<Option<DeliveryProof>, DeliveryError> {
    let Err(e) = &result else {
        return Ok(None);
    };
    let last = u32::try_from(item.attempts).unwrap_or(0) + 1 >= app.settings.outbox_max_attempts;
    let Some(complaint_id) = item.complaint_id.filter(|_| last || e.is_permanent()) else {
        return result.map(|()| None);
    };
    let detail = serde_json::json!({"source": channel.as_str(), "message_id": message_id,
        "type": kind, "reason": e.to_string()})
    .to_string();
    app.record_lapor_note(
        &format!("{}-media-failed:{message_id}", channel.as_str()),
        complaint_id,
        "chat_media_failed",
        &detail,
        &crate::app::chat::chat_actor(channel),
        chrono::Utc::now(),
    )
    .await?;
    result.map(|()| None)
}

/// A message channel's courier delivers until cancelled: every second, and
/// at once when this process queued something (`App::wake_chat`).
pub async fn run_courier<C: crate::notify::Courier>(
    app: &App,
    courier: &C,
    token: tokio_util::sync::CancellationToken,
) {
    let store = app.store.clone();
    let max = app.settings.outbox_max_attempts;
    let wake = app.chat_wake.clone();
    loop {
        if let Err(e) =
            crate::notify::deliver_due(store.as_ref(), courier, max, chrono::Utc::now()).await
        {
            tracing::warn!(courier = courier.name(), error = %e, "outbox run failed");
        }
        tokio::select! {
            () = token.cancelled() => return,
            () = wake.notified() => {}
            () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
    }
}
