//! The WhatsApp Business Platform Cloud API's webhook payloads and Graph API
//! answers (Meta's published shapes), read leniently: unknown fields are
//! ignored, a field we need but find missing skips that item only.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::app::chat::{ChatContent, IncomingChat};
use crate::domain::Channel;

/// A webhook delivery: `{"object": "whatsapp_business_account", "entry": [...]}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Notification {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Entry {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Change {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Value {
    #[serde(default)]
    pub messaging_product: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<serde_json::Value>,
    #[serde(default)]
    pub statuses: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Metadata {
    #[serde(default)]
    pub display_phone_number: Option<String>,
    #[serde(default)]
    pub phone_number_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Contact {
    #[serde(default)]
    pub profile: Option<Profile>,
    #[serde(default)]
    pub wa_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Profile {
    #[serde(default)]
    pub name: Option<String>,
}

/// One incoming message (`messages[]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Message {
    pub from: String,
    pub id: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub text: Option<Text>,
    #[serde(default)]
    pub image: Option<Media>,
    #[serde(default)]
    pub document: Option<Media>,
    #[serde(default)]
    pub audio: Option<Media>,
    #[serde(default)]
    pub video: Option<Media>,
    #[serde(default)]
    pub sticker: Option<Media>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub contacts: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub button: Option<serde_json::Value>,
    #[serde(default)]
    pub interactive: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Text {
    pub body: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Media {
    pub id: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Base64 in webhooks (hex in the media URL's answer): both are read.
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub voice: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// One delivery status of a message we sent (`statuses[]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub recipient_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<ErrorObject>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ErrorObject {
    pub code: i64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error_data: Option<serde_json::Value>,
}

/// The Graph API's error answer: `{"error": {"message", "type", "code", ...}}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GraphError {
    pub error: GraphErrorBody,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GraphErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: i64,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// The answer to `POST /{phone-number-id}/messages`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SendResponse {
    #[serde(default)]
    pub messaging_product: Option<String>,
    #[serde(default)]
    pub contacts: Vec<SendContact>,
    #[serde(default)]
    pub messages: Vec<SendMessage>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SendContact {
    pub input: String,
    pub wa_id: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SendMessage {
    pub id: String,
    #[serde(default)]
    pub message_status: Option<String>,
}

/// The answer to `GET /{media-id}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MediaInfo {
    pub url: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    /// A string in Meta's answers, a number in some providers'.
    #[serde(default)]
    pub file_size: Option<serde_json::Value>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub messaging_product: Option<String>,
}

impl MediaInfo {
    pub fn size(&self) -> Option<u64> {
        match self.file_size.as_ref()? {
            serde_json::Value::String(s) => s.trim().parse().ok(),
            serde_json::Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
}

/// A sha256 as Meta writes it (base64 in webhooks, hex in media answers) → bytes.
pub fn digest_bytes(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let s = s.trim();
    if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        return hex::decode(s).ok();
    }
    let b = base64::engine::general_purpose::STANDARD
        .decode(s)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(s))
        .ok()?;
    (b.len() == 32).then_some(b)
}

/// Unix seconds as Meta sends them (a string).
pub fn time_of(ts: Option<&str>) -> Option<DateTime<Utc>> {
    let secs: i64 = ts?.trim().parse().ok()?;
    Utc.timestamp_opt(secs, 0).single()
}

/// What a delivery holds for us: messages from citizens and statuses of
/// ours, on our number only (an app may serve several numbers).
#[derive(Debug, Default)]
pub struct Delivery {
    pub messages: Vec<IncomingChat>,
    pub statuses: Vec<Status>,
    /// Items we could not read (counted and logged; never a reason to refuse
    /// the delivery, which Meta would then send again for days).
    pub unreadable: usize,
}

/// Reads a delivery for the number `phone_number_id`.
pub fn read(n: &Notification, phone_number_id: &str, now: DateTime<Utc>) -> Delivery {
    let mut out = Delivery::default();
    for change in n.entry.iter().flat_map(|e| &e.changes) {
        let v = &change.value;
        if let Some(id) = v
            .metadata
            .as_ref()
            .and_then(|m| m.phone_number_id.as_deref())
            && id != phone_number_id
        {
            continue;
        }
        for raw in &v.messages {
            match serde_json::from_value::<Message>(raw.clone()) {
                Ok(m) => match to_incoming(&m, &v.contacts, now) {
                    Some(i) => out.messages.push(i),
                    None => out.unreadable += 1,
                },
                Err(_) => out.unreadable += 1,
            }
        }
        for raw in &v.statuses {
            match serde_json::from_value::<Status>(raw.clone()) {
                Ok(s) => out.statuses.push(s),
                Err(_) => out.unreadable += 1,
            }
        }
    }
    out
}

fn media(kind: &str, m: &Media) -> ChatContent {
    ChatContent::Media {
        kind: kind.to_string(),
        media_id: m.id.clone(),
        mime_type: m.mime_type.clone(),
        sha256: m.sha256.clone(),
        file_name: m.filename.clone(),
        caption: m.caption.clone(),
        voice: m.voice.unwrap_or(false),
    }
}

/// One message → what the conversation rule reads; `None` when it lacks
/// what every message has (a sender number, an id).
pub fn to_incoming(m: &Message, contacts: &[Contact], now: DateTime<Utc>) -> Option<IncomingChat> {
    let from = m.from.trim();
    if m.id.trim().is_empty() || crate::domain::conversation::phone_from_wa_id(from).is_none() {
        return None;
    }
    let profile_name = contacts
        .iter()
        .find(|c| c.wa_id.as_deref() == Some(from))
        .or_else(|| contacts.first())
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone());
    let content = match m.kind.as_str() {
        "text" => ChatContent::Text(m.text.as_ref()?.body.clone()),
        "image" => media("image", m.image.as_ref()?),
        "document" => media("document", m.document.as_ref()?),
        "audio" => media("audio", m.audio.as_ref()?),
        "video" => media("video", m.video.as_ref()?),
        "sticker" => media("sticker", m.sticker.as_ref()?),
        "location" => {
            let l = m.location.as_ref()?;
            ChatContent::Location {
                latitude: l.latitude,
                longitude: l.longitude,
                name: l.name.clone(),
                address: l.address.clone(),
            }
        }
        "contacts" => ChatContent::Contacts(contact_cards(m.contacts.as_deref().unwrap_or(&[]))),
        "button" => ChatContent::Other {
            kind: "button".into(),
            text: m
                .button
                .as_ref()
                .and_then(|b| b.get("text"))
                .and_then(|t| t.as_str())
                .map(str::to_string),
        },
        "interactive" => ChatContent::Other {
            kind: "interactive".into(),
            text: m.interactive.as_ref().and_then(|i| {
                ["button_reply", "list_reply"]
                    .iter()
                    .find_map(|k| i.get(*k)?.get("title")?.as_str().map(str::to_string))
            }),
        },
        other => ChatContent::Other {
            kind: if other.is_empty() { "unknown" } else { other }
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect(),
            text: None,
        },
    };
    Some(IncomingChat {
        channel: Channel::Whatsapp,
        message_id: m.id.trim().to_string(),
        from: from.to_string(),
        phone: crate::domain::conversation::phone_from_wa_id(from),
        address: None,
        profile_name,
        at: time_of(m.timestamp.as_deref())
            .filter(|t| *t <= now)
            .unwrap_or(now),
        content,
    })
}

/// Contact cards written out: "Nama: +62…".
fn contact_cards(cards: &[serde_json::Value]) -> String {
    cards
        .iter()
        .map(|c| {
            let name = c
                .pointer("/name/formatted_name")
                .and_then(|n| n.as_str())
                .unwrap_or("?");
            let phones: Vec<&str> = c
                .get("phones")
                .and_then(|p| p.as_array())
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p.get("phone").and_then(|x| x.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            format!("{name}: {}", phones.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Meta's documented example of a text message notification.
    const TEXT: &str = r#"{
      "object": "whatsapp_business_account",
      "entry": [{
        "id": "102290129340398",
        "changes": [{
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
            "messages": [{"from": "16505551234", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
              "timestamp": "1749416383", "type": "text", "text": {"body": "Does it come in another color?"}}]
          },
          "field": "messages"
        }]
      }]
    }"#;

    #[test]
    fn meta_examples_are_read() {
        let n: Notification = serde_json::from_str(TEXT).unwrap();
        let d = read(&n, "106540352242922", Utc::now());
        assert_eq!(d.messages.len(), 1);
        let m = &d.messages[0];
        assert_eq!(m.from, "16505551234");
        assert_eq!(m.profile_name.as_deref(), Some("Sheena Nelson"));
        assert_eq!(m.at.timestamp(), 1_749_416_383);
        assert_eq!(
            m.content,
            ChatContent::Text("Does it come in another color?".into())
        );
        // another number's traffic is not ours
        assert!(read(&n, "999", Utc::now()).messages.is_empty());

        let status = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"106540352242922"},
          "statuses":[{"id":"wamid.X","status":"failed","timestamp":"1750263773","recipient_id":"16505551234",
            "errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message",
              "error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]}]}}]}]}"#;
        let n: Notification = serde_json::from_str(status).unwrap();
        let d = read(&n, "106540352242922", Utc::now());
        assert_eq!(d.statuses.len(), 1);
        assert_eq!(d.statuses[0].errors[0].code, 131_047);

        let image = r#"{"from":"6281234567890","id":"wamid.I","timestamp":"1749416383","type":"image",
          "image":{"caption":"jalan rusak","mime_type":"image/jpeg","sha256":"CSL7fTKF4KpWM5pd6ZuQ6vY6/+VMzSMHYt8nA8N8ONk=","id":"1003383421387256"}}"#;
        let m: Message = serde_json::from_str(image).unwrap();
        let i = to_incoming(&m, &[], Utc::now()).unwrap();
        assert!(matches!(i.content, ChatContent::Media { ref kind, .. } if kind == "image"));
        assert_eq!(
            digest_bytes("CSL7fTKF4KpWM5pd6ZuQ6vY6/+VMzSMHYt8nA8N8ONk=").map(|b| b.len()),
            Some(32)
        );
        assert_eq!(digest_bytes(&"ab".repeat(32)).map(|b| b.len()), Some(32));
        // an odd item is skipped, the rest of the delivery is read
        let odd = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
          "messages":[{"from":"x","id":"wamid.bad","type":"text","text":{"body":"a"}},{"id":"no-from"},
                      {"from":"6281234567890","id":"wamid.ok","type":"reaction","reaction":{"emoji":"👍"}}]}}]}]}"#;
        let n: Notification = serde_json::from_str(odd).unwrap();
        let d = read(&n, "106540352242922", Utc::now());
        assert_eq!((d.messages.len(), d.unreadable), (1, 2));
        assert!(
            matches!(d.messages[0].content, ChatContent::Other { ref kind, .. } if kind == "reaction")
        );
    }
}
