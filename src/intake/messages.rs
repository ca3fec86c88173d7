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
    /// ack, guide, welcome, contact, staff, answer, survey, alert
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

/// The complaint's public page (`/lacak/<number>`).
pub fn status_url(app: &App, c: &Complaint) -> String {
    format!(
        "{}/lacak/{}",
        app.settings.public_base_url, c.tracking_number
    )
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
            let url = format!("{}#kode={code}", status_url(app, c));
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
                &status_url(app, c),
                style,
            )
        }
        ("survey", Some(c)) => chat::survey(office, &c.tracking_number, &status_url(app, c)),
        ("alert", _) => p.text.clone().unwrap_or_default(),
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
