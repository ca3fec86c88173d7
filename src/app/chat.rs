//! Message channels (WhatsApp, Telegram, SMS): a citizen's message
//! becomes a complaint, more of the one just opened, a reply, or the guide —
//! by the pure rule `domain::conversation::decide` (docs/adr/0028). Replies
//! and media fetches go out through the outbox.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::App;
use super::register::ChatRegistration;
use crate::domain::conversation::{self, Current, Decision, Shape};
use crate::domain::{Channel, ComplaintInput, NewComplaint, ReporterInput};
use crate::store::{Actor, ChatSent, Complaint, InboundMessage, NewOutbox, StoreError};

/// A message from a citizen, as the channel adapter read it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingChat {
    pub channel: Channel,
    /// The platform's message id (`wamid.…`, a Telegram update id, an SMS
    /// gateway's or Gammu's message id): a message is taken once.
    pub message_id: String,
    /// Who wrote, as the platform names them: WhatsApp's `wa_id`, a
    /// Telegram chat id, an SMS sender's number. The conversation's key.
    pub from: String,
    /// The sender's phone number when known (WhatsApp and SMS: `from`;
    /// Telegram: a contact they shared for themselves).
    pub phone: Option<String>,
    /// Where messages go back to when it is not the number (a Telegram chat id).
    pub address: Option<String>,
    /// The name on the sender's profile.
    pub profile_name: Option<String>,
    pub at: DateTime<Utc>,
    pub content: ChatContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChatContent {
    Text(String),
    /// A photo, document, voice note, audio or video kept by the platform
    /// until fetched (`kind`: image, document, audio, video, sticker).
    Media {
        kind: String,
        media_id: String,
        mime_type: Option<String>,
        sha256: Option<String>,
        file_name: Option<String>,
        caption: Option<String>,
        voice: bool,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    /// Contact cards, written out (names and numbers).
    Contacts(String),
    /// Anything else (a reaction, a button, an unsupported type): kept as a note.
    Other {
        kind: String,
        text: Option<String>,
    },
}

impl ChatContent {
    fn shape(&self) -> Shape {
        match self {
            ChatContent::Text(t) => conversation::shape_of_text(t),
            ChatContent::Media { kind, .. } if kind == "sticker" => Shape::Other,
            ChatContent::Media { .. } => Shape::Media,
            _ => Shape::Other,
        }
    }

    /// The words a person wrote, if any.
    fn words(&self) -> Option<&str> {
        match self {
            ChatContent::Text(t) => Some(t.as_str()),
            ChatContent::Media { caption, .. } => caption.as_deref(),
            ChatContent::Other { text, .. } => text.as_deref(),
            _ => None,
        }
        .filter(|t| !t.trim().is_empty())
    }

    fn kind(&self) -> &str {
        match self {
            ChatContent::Text(_) => "text",
            ChatContent::Media { kind, .. } => kind,
            ChatContent::Location { .. } => "location",
            ChatContent::Contacts(_) => "contacts",
            ChatContent::Other { kind, .. } => kind,
        }
    }

    /// A place written out: "nama, alamat (lat, long)".
    fn place(&self) -> Option<String> {
        let ChatContent::Location {
            latitude,
            longitude,
            name,
            address,
        } = self
        else {
            return None;
        };
        let words: Vec<&str> = [name.as_deref(), address.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect();
        let coords = format!("{latitude:.6}, {longitude:.6}");
        Some(if words.is_empty() {
            coords
        } else {
            format!("{} ({coords})", words.join(", "))
        })
    }

    /// How the message reads on the timeline and in a complaint's body.
    fn describe(&self) -> String {
        let label = match self {
            ChatContent::Media { kind, voice, .. } => match kind.as_str() {
                "image" => "[Foto]",
                "document" => "[Dokumen]",
                "audio" if *voice => "[Pesan suara]",
                "audio" => "[Audio]",
                "video" => "[Video]",
                _ => "[Stiker]",
            },
            ChatContent::Location { .. } => "[Lokasi]",
            ChatContent::Contacts(_) => "[Kontak]",
            ChatContent::Other { .. } => "[Pesan]",
            ChatContent::Text(_) => "",
        };
        let rest = match self {
            ChatContent::Location { .. } => self.place(),
            ChatContent::Contacts(c) => Some(c.clone()),
            ChatContent::Media { file_name, .. } => self
                .words()
                .map(str::to_string)
                .or_else(|| file_name.clone()),
            _ => self.words().map(str::to_string),
        };
        match (label, rest) {
            ("", Some(r)) => r,
            (l, Some(r)) => format!("{l} {r}"),
            (l, None) => l.to_string(),
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatOutcome {
    Created(Box<Complaint>),
    /// On this complaint's timeline (more of it, or a reply).
    Joined(Uuid),
    /// Not a complaint: the guide was queued (at most once a day).
    Guided,
    /// Seen before.
    Duplicate,
}

/// Who files what arrives on a message channel: the timeline names it.
pub fn chat_actor(channel: Channel) -> Actor {
    let name = match channel {
        Channel::Whatsapp => "Layanan pengaduan WhatsApp",
        Channel::Telegram => "Layanan pengaduan Telegram",
        Channel::Sms => "Layanan pengaduan SMS",
        _ => "Layanan pengaduan pesan",
    };
    Actor {
        key_id: None,
        name: name.into(),
        role: crate::domain::Role::Reception,
        officer: None,
    }
}

/// How long a conversation's claim may wait for its complaint to be written
/// before the next message writes it instead (the claimant crashed).
const CLAIM_GRACE: Duration = Duration::seconds(10);

impl App {
    /// The sender's keyed tag on a channel (the blind index of the number).
    pub fn chat_sender_tag(&self, channel: Channel, from: &str) -> String {
        let digits: String = from.chars().filter(char::is_ascii_digit).collect();
        self.vault.tag(
            "chat sender",
            format!("{}:{digits}", channel.as_str()).as_bytes(),
        )
    }

    /// Takes one message (docs/adr/0028). Safe to call again with the same
    /// message, and from several replicas at once.
    pub async fn receive_chat(&self, m: &IncomingChat) -> Result<ChatOutcome, StoreError> {
        let channel = m.channel;
        let key = format!("{}:{}", channel.as_str(), m.message_id);
        let actor = chat_actor(channel);
        if let Some(id) = self.store.find_inbound(&key).await? {
            // the first delivery may have stopped before its media were queued
            self.queue_media(m, id).await?;
            return Ok(ChatOutcome::Duplicate);
        }
        let tag = self.chat_sender_tag(channel, &m.from);
        let shape = m.content.shape();
        let now = Utc::now();
        // when they wrote before this message; then this message is noted
        // before anything is queued (the courier reads it for the window)
        let mut read = Some(self.store.chat_state(channel.as_str(), &tag).await?);
        let previous = read.as_ref().and_then(|s| s.last_inbound_at);
        self.store
            .chat_touch(channel.as_str(), &tag, m.at.min(now))
            .await?;
        // a number shared for themselves (Telegram's contact button) is kept
        // for the complaints they open; said back unless a complaint is open
        // (WhatsApp's contact cards are someone's card, not this sign)
        let shared = (channel == Channel::Telegram
            && matches!(m.content, ChatContent::Contacts(_)))
        .then_some(m.phone.as_deref())
        .flatten();
        let mut known_phone = read.as_ref().and_then(|s| s.phone.clone());
        if let Some(phone) = shared {
            self.store
                .chat_set_phone(channel.as_str(), &tag, phone)
                .await?;
            known_phone = Some(phone.to_string());
            let open = read
                .as_ref()
                .and_then(|s| s.thread.as_ref())
                .and_then(|t| t.complaint.as_ref())
                .is_some_and(|c| c.status.is_open());
            if !open {
                self.say(m, "contact", &format!("contact:{}", m.message_id), now)
                    .await?;
                return Ok(ChatOutcome::Guided);
            }
        }
        let m = &IncomingChat {
            phone: m.phone.clone().or(known_phone),
            ..m.clone()
        };
        let mut outcome = None;
        for attempt in 0..200u32 {
            // the first look is the one just taken (the touch changes no thread)
            let mut state = match read.take() {
                Some(s) => s,
                None => self.store.chat_state(channel.as_str(), &tag).await?,
            };
            state.last_inbound_at = previous;
            let current = match &state.thread {
                None => None,
                Some(t) => match t.complaint {
                    Some(c) => Some((
                        t,
                        Current {
                            status: c.status,
                            answered_at: c.answered_at,
                            last_inbound_at: state.last_inbound_at,
                            opened_at: t.opened_at,
                            confidential: c.confidential,
                        },
                    )),
                    None if Utc::now() - t.opened_at > CLAIM_GRACE => {
                        // a claim whose complaint never came: this message writes it
                        match self.open_chat(m, &key, t.complaint_id, &actor).await {
                            Ok(o) => {
                                outcome = Some(o);
                                break;
                            }
                            Err(e) if e.is_unique_violation() => continue,
                            Err(e) => return Err(e),
                        }
                    }
                    None => {
                        // another message is writing the complaint right now
                        tokio::time::sleep(std::time::Duration::from_millis(
                            10 + u64::from(attempt.min(10)) * 5,
                        ))
                        .await;
                        continue;
                    }
                },
            };
            let decision = conversation::decide(current.as_ref().map(|(_, c)| c), shape, now);
            match (decision, current) {
                (Decision::Open, current) => {
                    let seq = current.map_or(1, |(t, _)| t.seq + 1);
                    let id = Uuid::now_v7();
                    if !self
                        .store
                        .chat_claim(channel.as_str(), &tag, seq, id, now, m.address.as_deref())
                        .await?
                    {
                        continue; // another message opened one first: look again
                    }
                    outcome = Some(self.open_chat(m, &key, id, &actor).await?);
                    break;
                }
                (Decision::Gather | Decision::Reply { .. }, Some((t, _))) => {
                    let (event, reopen) = match decision {
                        Decision::Reply { reopen } => ("reporter_replied", reopen),
                        _ => ("message_received", false),
                    };
                    outcome = Some(
                        self.join_chat(m, &key, t.complaint_id, event, reopen, &actor)
                            .await?,
                    );
                    break;
                }
                _ => {
                    self.guide(m, &tag, now).await?;
                    outcome = Some(ChatOutcome::Guided);
                    break;
                }
            }
        }
        let outcome = outcome.ok_or_else(|| {
            StoreError::Corrupt("a conversation kept changing under one message".into())
        })?;
        match &outcome {
            ChatOutcome::Created(c) => self.queue_media(m, c.id).await?,
            ChatOutcome::Joined(id) => self.queue_media(m, *id).await?,
            _ => {}
        }
        metrics::counter!("aduan_chat_messages_total", "channel" => channel.as_str(),
        "outcome" => match &outcome {
            ChatOutcome::Created(_) => "created",
            ChatOutcome::Joined(_) => "joined",
            ChatOutcome::Guided => "guided",
            ChatOutcome::Duplicate => "duplicate",
        })
        .increment(1);
        Ok(outcome)
    }

    async fn open_chat(
        &self,
        m: &IncomingChat,
        key: &str,
        id: Uuid,
        actor: &Actor,
    ) -> Result<ChatOutcome, StoreError> {
        let nc = chat_complaint(m)?;
        match self
            .register_chat(&nc, actor, m.at.min(Utc::now()), id, key, &m.message_id)
            .await?
        {
            ChatRegistration::Created(c) => Ok(ChatOutcome::Created(c)),
            ChatRegistration::Duplicate(_) => Ok(ChatOutcome::Duplicate),
        }
    }

    async fn join_chat(
        &self,
        m: &IncomingChat,
        key: &str,
        complaint_id: Uuid,
        event: &str,
        reopen: bool,
        actor: &Actor,
    ) -> Result<ChatOutcome, StoreError> {
        let detail = serde_json::json!({"source": m.channel.as_str(),
            "message_id": m.message_id, "type": m.content.kind(),
            "text": m.content.describe().chars().take(20_000).collect::<String>()})
        .to_string();
        let place = m.content.place();
        let recorded = self
            .record_reply(
                InboundMessage {
                    source_key: key,
                    complaint_id,
                    event,
                    detail: &detail,
                    actor,
                    now: Utc::now(),
                    reopen,
                    location: place.as_deref(),
                },
                &format!(
                    "Balasan pelapor diterima melalui {}",
                    crate::words::channel(m.channel)
                ),
            )
            .await?;
        Ok(match recorded {
            Some(_) => ChatOutcome::Joined(complaint_id),
            None => ChatOutcome::Duplicate,
        })
    }

    /// The guide, at most once per sender per office day.
    async fn guide(
        &self,
        m: &IncomingChat,
        tag: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let day = now.with_timezone(&self.tz()).date_naive();
        self.say(
            m,
            "guide",
            &format!("guide:{}:{tag}:{day}", m.channel.as_str()),
            now,
        )
        .await
    }

    /// A message that answers the sender directly (no complaint): the
    /// guide, "your number is noted".
    async fn say(
        &self,
        m: &IncomingChat,
        purpose: &str,
        dedup_key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let to = m.address.as_deref().unwrap_or(&m.from);
        self.say_to(m.channel, to, &m.message_id, purpose, dedup_key, now)
            .await
    }

    /// A message to `to` on `channel` answering message `reply_to` (once
    /// under `dedup_key`): what `say` sends, and Telegram's `/start` welcome.
    pub async fn say_to(
        &self,
        channel: Channel,
        to: &str,
        reply_to: &str,
        purpose: &str,
        dedup_key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(kind) = crate::store::chat_message_kind(channel) else {
            return Ok(());
        };
        let item = NewOutbox {
            id: Uuid::now_v7(),
            kind: kind.into(),
            dedup_key: dedup_key.to_string(),
            complaint_id: None,
            payload: serde_json::json!({"purpose": purpose, "to": to, "reply_to": reply_to})
                .to_string(),
        };
        self.store.enqueue_outbox(&[item], None, now).await?;
        self.wake_chat();
        Ok(())
    }

    /// Queues the fetch of a message's photo, document, voice note or video.
    async fn queue_media(&self, m: &IncomingChat, complaint_id: Uuid) -> Result<(), StoreError> {
        let ChatContent::Media {
            kind,
            media_id,
            mime_type,
            sha256,
            file_name,
            ..
        } = &m.content
        else {
            return Ok(());
        };
        let outbox_kind = match m.channel {
            Channel::Telegram => crate::store::OUTBOX_TELEGRAM_MEDIA,
            _ => crate::store::OUTBOX_WHATSAPP_MEDIA,
        };
        let item = NewOutbox {
            id: Uuid::now_v7(),
            kind: outbox_kind.into(),
            dedup_key: format!("media:{}:{}", m.channel.as_str(), m.message_id),
            complaint_id: Some(complaint_id),
            payload: serde_json::json!({"media_id": media_id, "kind": kind,
                "mime_type": mime_type, "sha256": sha256, "file_name": file_name,
                "message_id": m.message_id})
            .to_string(),
        };
        self.store.enqueue_outbox(&[item], None, Utc::now()).await?;
        self.wake_chat();
        Ok(())
    }

    /// A message staff write to the complainant from the complaint's page;
    /// `false` when the complaint did not come by a message channel (or,
    /// WhatsApp and SMS, has no number).
    pub async fn message_complainant(
        &self,
        complaint: &Complaint,
        text: &str,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let Some(kind) = crate::store::chat_message_kind(complaint.channel) else {
            return Ok(false);
        };
        if complaint.channel != Channel::Telegram && complaint.reporter.phone.is_none() {
            return Ok(false);
        }
        let id = Uuid::now_v7();
        let item = NewOutbox {
            id,
            kind: kind.into(),
            dedup_key: format!("staff:{id}"),
            complaint_id: Some(complaint.id),
            payload: serde_json::json!({"purpose": "staff", "text": text}).to_string(),
        };
        let detail =
            serde_json::json!({"source": complaint.channel.as_str(), "outbox_id": id, "text": text})
                .to_string();
        self.store
            .enqueue_outbox(
                &[item],
                Some((complaint.id, "message_sent", detail.as_str(), actor)),
                Utc::now(),
            )
            .await?;
        self.wake_chat();
        Ok(true)
    }

    /// Staff opened a WhatsApp complaint: its newest message is marked read
    /// for the complainant (once).
    pub async fn chat_opened(&self, complaint: &Complaint) -> Result<(), StoreError> {
        if complaint.channel != Channel::Whatsapp || self.settings.whatsapp.is_none() {
            return Ok(());
        }
        let Some(key) = self
            .store
            .latest_inbound_key(complaint.id, "whatsapp:")
            .await?
        else {
            return Ok(());
        };
        let Some(message_id) = key.strip_prefix("whatsapp:") else {
            return Ok(());
        };
        let item = NewOutbox {
            id: Uuid::now_v7(),
            kind: crate::store::OUTBOX_WHATSAPP_READ.into(),
            dedup_key: format!("read:{key}"),
            complaint_id: Some(complaint.id),
            payload: serde_json::json!({"message_id": message_id}).to_string(),
        };
        if self.store.enqueue_outbox(&[item], None, Utc::now()).await? > 0 {
            self.wake_chat();
        }
        Ok(())
    }

    /// Queues messages for a message channel's courier (unless queued
    /// before under their keys) and wakes it; how many were new.
    pub async fn queue_chat(&self, items: &[NewOutbox]) -> Result<u64, StoreError> {
        let n = self.store.enqueue_outbox(items, None, Utc::now()).await?;
        if n > 0 {
            self.wake_chat();
        }
        Ok(n)
    }

    /// A message the platform accepted, recorded by its id; the statuses
    /// that arrived before it (the platform can be that quick) applied now.
    pub async fn chat_sent(&self, sent: &ChatSent) -> Result<(), StoreError> {
        self.store.chat_record_sent(sent).await?;
        for (status, at, error, window) in self.store.chat_status_take(&sent.message_id).await? {
            self.chat_status(&sent.message_id, &status, at, error.as_deref(), window)
                .await?;
        }
        Ok(())
    }

    /// A delivery status from the platform onto the message we sent
    /// (held until the message is recorded). A text refused as outside the
    /// customer-service window (`window_closed`) is queued again as its
    /// template, once; an answer that failed otherwise is told to the
    /// liaison officer by email (docs/adr/0028).
    pub async fn chat_status(
        &self,
        message_id: &str,
        status: &str,
        at: DateTime<Utc>,
        error: Option<&str>,
        window_closed: bool,
    ) -> Result<(), StoreError> {
        let Some((sent, moved)) = self
            .store
            .chat_status(message_id, status, at, error)
            .await?
        else {
            return self
                .store
                .chat_status_hold(message_id, status, at, error, window_closed)
                .await;
        };
        if !moved || status != "failed" {
            return Ok(());
        }
        if window_closed && !sent.template {
            let Some(item) = self.store.get_outbox(sent.outbox_id).await? else {
                return Ok(());
            };
            let Ok(mut payload) = serde_json::from_str::<serde_json::Value>(&item.payload) else {
                return Ok(());
            };
            payload["force_template"] = serde_json::Value::Bool(true);
            let again = NewOutbox {
                id: Uuid::now_v7(),
                kind: item.kind.clone(),
                dedup_key: format!("template:{}", item.id),
                complaint_id: item.complaint_id,
                payload: payload.to_string(),
            };
            if self.queue_chat(&[again]).await? > 0 {
                tracing::info!(outbox_id = %item.id, "a text refused outside the window: queued again as the template");
            }
            return Ok(());
        }
        // an answer that did not arrive and will not be sent again: the
        // liaison officer hears of it (the timeline says it too)
        if sent.purpose == "answer"
            && let Some(cid) = sent.complaint_id
        {
            self.answer_undelivered(message_id, cid, error.unwrap_or("gagal"))
                .await?;
        }
        Ok(())
    }

    /// An answer sent on a message channel that will not arrive: the liaison
    /// officer is told by email (once per `key`), to send it another way.
    pub async fn answer_undelivered(
        &self,
        key: &str,
        cid: Uuid,
        error: &str,
    ) -> Result<(), StoreError> {
        if let Some(to) = self.settings.liaison_email.as_deref()
            && let Some(c) = self.store.get_complaint(cid).await?
        {
            let link = format!("{}/console/complaints/{cid}", self.settings.public_base_url);
            let m = crate::notify::templates::answer_undelivered(
                &self.settings.office_name,
                &c.tracking_number,
                crate::words::channel(c.channel),
                error,
                &link,
            );
            let item = crate::notify::email(format!("answer-undelivered:{key}"), Some(cid), to, &m);
            self.store.enqueue_outbox(&[item], None, Utc::now()).await?;
        }
        Ok(())
    }

    /// Wakes this process's message-channel courier (something was queued).
    pub fn wake_chat(&self) {
        // every channel's courier waits on it: wake all that wait, and
        // leave a permit for one that is busy right now
        self.chat_wake.notify_waiters();
        self.chat_wake.notify_one();
    }
}

/// Text without control characters (line breaks and tabs kept).
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect()
}

/// The complaint a first message makes.
fn chat_complaint(m: &IncomingChat) -> Result<NewComplaint, StoreError> {
    let words = clean(m.content.words().map(str::trim).unwrap_or(""));
    let body = clean(&m.content.describe());
    let via = crate::words::channel(m.channel);
    let subject = conversation::subject_from(&words).unwrap_or_else(|| match &m.content {
        ChatContent::Media { kind, .. } if kind == "image" => {
            format!("Pengaduan melalui {via} (foto)")
        }
        ChatContent::Media { .. } => format!("Pengaduan melalui {via} (lampiran)"),
        _ => format!("Pengaduan melalui {via}"),
    });
    let name = m
        .profile_name
        .as_deref()
        .map(|n| {
            clean(n)
                .replace(['\n', '\r', '\t'], " ")
                .chars()
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty());
    let input = ComplaintInput {
        channel: Some(m.channel.as_str().into()),
        subject: Some(subject.chars().take(200).collect()),
        body: Some(body.chars().take(20_000).collect()),
        reporter: Some(ReporterInput {
            name,
            phone: m.phone.as_deref().and_then(conversation::phone_from_wa_id),
            ..Default::default()
        }),
        ..Default::default()
    };
    NewComplaint::parse(input, m.at.min(Utc::now())).map_err(|e| {
        StoreError::Corrupt(format!(
            "a {} message did not make a valid complaint: {}",
            m.channel.as_str(),
            e.0.iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}
