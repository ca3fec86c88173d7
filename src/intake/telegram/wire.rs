//! The Telegram Bot API's objects aduan reads (<https://core.telegram.org/bots/api>):
//! `Update`, `Message`, `User`, `Chat`, `PhotoSize`, `Document`, `Contact`,
//! `Location`, `File`, and the `{"ok": …, "result": …}` envelope.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::chat::{ChatContent, IncomingChat};
use crate::domain::Channel;

/// Every answer of the Bot API.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub ok: bool,
    pub result: Option<T>,
    pub description: Option<String>,
    pub error_code: Option<i64>,
    pub parameters: Option<ResponseParameters>,
}

#[derive(Debug, Deserialize)]
pub struct ResponseParameters {
    pub retry_after: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<Message>,
    pub edited_message: Option<Message>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub message_id: i64,
    pub from: Option<User>,
    pub chat: Chat,
    /// Unix time.
    pub date: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    /// The sizes of one photo, smallest first.
    pub photo: Option<Vec<PhotoSize>>,
    pub document: Option<FileRef>,
    pub voice: Option<FileRef>,
    pub audio: Option<FileRef>,
    pub video: Option<FileRef>,
    pub sticker: Option<serde_json::Value>,
    pub contact: Option<Contact>,
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    pub first_name: String,
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: i64,
    /// private, group, supergroup or channel.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PhotoSize {
    pub file_id: String,
    pub file_unique_id: String,
    pub width: i64,
    pub height: i64,
    pub file_size: Option<u64>,
}

/// A document, voice note, audio or video.
#[derive(Debug, Clone, Deserialize)]
pub struct FileRef {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub file_size: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    pub phone_number: String,
    pub first_name: String,
    pub last_name: Option<String>,
    /// Set when the contact is a Telegram user (the sender, for the
    /// "share my phone number" button).
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

/// The answer of `getFile`.
#[derive(Debug, Clone, Deserialize)]
pub struct File {
    pub file_id: String,
    pub file_size: Option<u64>,
    /// Download at `/file/bot<token>/<file_path>` (valid at least an hour).
    pub file_path: Option<String>,
}

/// What an update is for aduan.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// A message of a person in a private chat.
    Chat(Box<IncomingChat>),
    /// `/start`: the welcome, to this chat.
    Start { chat_id: i64, message_id: String },
    /// Not for us: edits, groups, bots, other update kinds.
    Ignored,
}

/// The message id aduan keeps: the update's id (never taken twice) and the
/// message's id in its chat (what a reply quotes).
pub fn message_key(update_id: i64, message_id: i64) -> String {
    format!("{update_id}:{message_id}")
}

/// The chat's message id in a key made by [`message_key`].
pub fn chat_message_id(key: &str) -> Option<i64> {
    key.rsplit(':').next()?.parse().ok()
}

/// An update as aduan reads it.
pub fn read(u: &Update, now: DateTime<Utc>) -> Read {
    let Some(m) = &u.message else {
        return Read::Ignored;
    };
    if m.chat.kind != "private" || m.from.as_ref().is_none_or(|f| f.is_bot) {
        return Read::Ignored;
    }
    let key = message_key(u.update_id, m.message_id);
    let text = m.text.as_deref().map(str::trim).unwrap_or("");
    if text == "/start" || text.starts_with("/start ") || text == "/help" {
        return Read::Start {
            chat_id: m.chat.id,
            message_id: key,
        };
    }
    let from = m.from.as_ref();
    let name = from.map(|f| match &f.last_name {
        Some(l) if !l.trim().is_empty() => format!("{} {l}", f.first_name),
        _ => f.first_name.clone(),
    });
    let mut phone = None;
    let content = if let Some(t) = m.text.as_ref() {
        ChatContent::Text(t.clone())
    } else if let Some(sizes) = m.photo.as_ref().filter(|s| !s.is_empty()) {
        // the largest size is the last
        let best = sizes
            .iter()
            .max_by_key(|p| p.width * p.height)
            .unwrap_or(&sizes[0]);
        ChatContent::Media {
            kind: "image".into(),
            media_id: best.file_id.clone(),
            mime_type: Some("image/jpeg".into()),
            sha256: None,
            file_name: None,
            caption: m.caption.clone(),
            voice: false,
        }
    } else if let Some((kind, f, voice)) = m
        .document
        .as_ref()
        .map(|f| ("document", f, false))
        .or(m.voice.as_ref().map(|f| ("audio", f, true)))
        .or(m.audio.as_ref().map(|f| ("audio", f, false)))
        .or(m.video.as_ref().map(|f| ("video", f, false)))
    {
        ChatContent::Media {
            kind: kind.into(),
            media_id: f.file_id.clone(),
            mime_type: f.mime_type.clone(),
            sha256: None,
            file_name: f.file_name.clone(),
            caption: m.caption.clone(),
            voice,
        }
    } else if let Some(c) = &m.contact {
        // their own number (the contact button) identifies them
        if c.user_id.is_some() && c.user_id == from.map(|f| f.id) {
            phone = crate::domain::conversation::wa_id_from_phone(&c.phone_number)
                .and_then(|d| crate::domain::conversation::phone_from_wa_id(&d));
        }
        let who = match &c.last_name {
            Some(l) => format!("{} {l}", c.first_name),
            None => c.first_name.clone(),
        };
        ChatContent::Contacts(format!("{who}: {}", c.phone_number))
    } else if let Some(l) = &m.location {
        ChatContent::Location {
            latitude: l.latitude,
            longitude: l.longitude,
            name: None,
            address: None,
        }
    } else if m.sticker.is_some() {
        ChatContent::Other {
            kind: "sticker".into(),
            text: None,
        }
    } else {
        ChatContent::Other {
            kind: "other".into(),
            text: m.caption.clone(),
        }
    };
    let at = DateTime::from_timestamp(m.date, 0)
        .filter(|t| *t <= now)
        .unwrap_or(now);
    Read::Chat(Box::new(IncomingChat {
        channel: Channel::Telegram,
        message_id: key,
        from: m.chat.id.to_string(),
        phone,
        address: Some(m.chat.id.to_string()),
        profile_name: name,
        at,
        content,
    }))
}
