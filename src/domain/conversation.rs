//! The conversation rule of the message channels (WhatsApp; Telegram and
//! SMS follow it): what a message from a citizen becomes — a new complaint,
//! more of the complaint just opened, a reply to an open one (reopening an
//! answered one), or only a short guide (docs/adr/0028).
//!
//! Pure: the caller reads the sender's newest complaint and when they last
//! wrote, and applies the decision.

use chrono::{DateTime, Duration, Utc};

use super::Status;

/// After the complaint is registered, the messages that follow within this
/// long of the previous one are more of the same complaint (a person types
/// several short messages, sends the photos after the text).
pub const GATHERING: Duration = Duration::minutes(30);
/// A message this long after the answer is about something new (a reply
/// within it reopens the complaint, as an email reply does).
pub const REOPEN_WITHIN: Duration = Duration::days(30);
/// Longest text one WhatsApp message carries (Meta's limit for a text body).
pub const WHATSAPP_TEXT_LIMIT: usize = 4096;

/// What a message carries, as far as the rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Words (a text, or the caption of a photo or document) that say
    /// something beyond a greeting or thanks.
    Substantive,
    /// A photo, a document, a voice note or a video: evidence.
    Media,
    /// Only a greeting ("halo", "p", "assalamualaikum"), thanks or "ok".
    Greeting,
    /// A location, contact card, sticker, reaction or anything the rule
    /// cannot read as a complaint by itself.
    Other,
}

/// The sender's newest complaint, as the rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    pub status: Status,
    /// When the office answered it (the answer's dispatch), if it did.
    pub answered_at: Option<DateTime<Utc>>,
    /// When the sender wrote before this message (any message).
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// When the complaint was registered.
    pub opened_at: DateTime<Utc>,
    /// A confidential complaint is never reopened by a message by itself.
    pub confidential: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A new complaint, acknowledged at once.
    Open,
    /// More of the complaint just opened (within [`GATHERING`]).
    Gather,
    /// The complainant's reply on the complaint's timeline; `reopen` when
    /// it reopens an answered or closed one.
    Reply { reopen: bool },
    /// Nothing to register: the short guide (at most one a day).
    Guide,
}

/// The rule (docs/adr/0028).
pub fn decide(current: Option<&Current>, shape: Shape, now: DateTime<Utc>) -> Decision {
    let starts_one = matches!(shape, Shape::Substantive | Shape::Media);
    let Some(c) = current else {
        return if starts_one {
            Decision::Open
        } else {
            Decision::Guide
        };
    };
    if c.status.is_open() {
        let last = c.last_inbound_at.unwrap_or(c.opened_at).max(c.opened_at);
        let gathering = now - last <= GATHERING && c.status == Status::Registered;
        return if gathering {
            Decision::Gather
        } else {
            Decision::Reply { reopen: false }
        };
    }
    match c.status {
        Status::Answered | Status::Closed => {
            let recent = c.answered_at.is_none_or(|at| now - at <= REOPEN_WITHIN);
            if recent {
                // thanks or "ok" after the answer joins it without reopening
                Decision::Reply {
                    reopen: starts_one && !c.confidential,
                }
            } else if starts_one {
                Decision::Open
            } else {
                Decision::Guide
            }
        }
        // redirected, merged or rejected: finished here
        _ if starts_one => Decision::Open,
        _ => Decision::Guide,
    }
}

/// Words that make a message "only a greeting" when it has nothing else.
const GREETING_WORDS: &[&str] = &[
    "p",
    "pp",
    "ping",
    "halo",
    "hallo",
    "helo",
    "hello",
    "hai",
    "hay",
    "hi",
    "hey",
    "tes",
    "test",
    "testing",
    "assalamualaikum",
    "assalamu",
    "alaikum",
    "assalammualaikum",
    "asalamualaikum",
    "salam",
    "wr",
    "wb",
    "warahmatullahi",
    "wabarakatuh",
    "selamat",
    "pagi",
    "siang",
    "sore",
    "malam",
    "permisi",
    "punten",
    "min",
    "mimin",
    "admin",
    "kak",
    "ka",
    "pak",
    "bu",
    "ibu",
    "bapak",
    "mas",
    "mbak",
    "om",
    "swastiastu",
    "shalom",
    "namo",
    "buddhaya",
    "salve",
    "terima",
    "kasih",
    "makasih",
    "trims",
    "thanks",
    "thx",
    "tq",
    "ok",
    "oke",
    "okay",
    "baik",
    "siap",
    "ya",
    "iya",
    "y",
    "sip",
    "mohon",
    "info",
    "tanya",
    "dong",
];

/// Is this text only a greeting, thanks or an "ok" — nothing to register?
/// Short texts (at most eight words) made only of such words.
pub fn is_greeting(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 8 {
        return false;
    }
    // "pagiii", "haloo": letters repeated for warmth
    words.iter().all(|w| {
        let squeezed: String = w.chars().fold(String::new(), |mut acc, c| {
            if !acc.ends_with(c) {
                acc.push(c);
            }
            acc
        });
        GREETING_WORDS.contains(w) || GREETING_WORDS.contains(&squeezed.as_str())
    })
}

/// The shape of a text (or caption).
pub fn shape_of_text(text: &str) -> Shape {
    if text.trim().is_empty() || is_greeting(text) {
        Shape::Greeting
    } else {
        Shape::Substantive
    }
}

/// A complaint's subject from the first words of a message: the first line,
/// at most 120 characters, cut at a word.
pub fn subject_from(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if line.chars().count() <= 120 {
        return Some(line.to_string());
    }
    let cut: String = line.chars().take(117).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|&i| i > 60)
        .map_or(cut.as_str(), |i| &cut[..i]);
    Some(format!("{}…", at_word.trim_end()))
}

/// Splits a text into parts of at most `limit` characters, at a paragraph,
/// line or word break where one is near the end.
pub fn split_text(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > limit {
        let byte_end = rest
            .char_indices()
            .nth(limit)
            .map_or(rest.len(), |(i, _)| i);
        let window = &rest[..byte_end];
        let floor = byte_end / 2;
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| window.rfind(sep).filter(|&i| i > floor))
            .unwrap_or(byte_end);
        parts.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        parts.push(rest.to_string());
    }
    parts
}

/// A WhatsApp number (`wa_id`, digits with the country code) as the
/// complaint keeps it: `+62…`. `None` if it is not 6 to 15 digits.
pub fn phone_from_wa_id(wa_id: &str) -> Option<String> {
    let digits: String = wa_id.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != wa_id.trim_start_matches('+').len() || !(6..=15).contains(&digits.len()) {
        return None;
    }
    Some(format!("+{digits}"))
}

/// The number to send to (`wa_id`) from a phone as a complaint keeps it:
/// `+62…`, `62…` or a local `08…` (taken as Indonesian).
pub fn wa_id_from_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let wa = match digits.strip_prefix('0') {
        Some(rest) if !phone.trim_start().starts_with('+') => format!("62{rest}"),
        _ => digits,
    };
    (6..=15).contains(&wa.len()).then_some(wa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap() + Duration::minutes(h)
    }

    fn current(status: Status) -> Current {
        Current {
            status,
            answered_at: None,
            last_inbound_at: Some(t(0)),
            opened_at: t(0),
            confidential: false,
        }
    }

    #[test]
    fn greetings_are_not_complaints() {
        for g in [
            "halo",
            "P",
            "p p p",
            "Assalamualaikum wr wb",
            "Assalamu'alaikum",
            "selamat pagi bu",
            "Haloo min",
            "pagiii",
            "terima kasih",
            "ok",
            "Om Swastiastu",
            "🙏",
            "",
        ] {
            assert!(
                shape_of_text(g) == Shape::Greeting,
                "{g:?} should be a greeting"
            );
        }
        for c in [
            "Bantuan PKH saya belum cair sudah tiga bulan",
            "halo, saya mau lapor bansos tidak sampai",
            "Selamat pagi, KIS ibu saya ditolak di puskesmas",
        ] {
            assert_eq!(shape_of_text(c), Shape::Substantive, "{c:?}");
        }
    }

    #[test]
    fn a_new_sender_opens_a_complaint_or_gets_the_guide() {
        assert_eq!(decide(None, Shape::Substantive, t(0)), Decision::Open);
        assert_eq!(decide(None, Shape::Media, t(0)), Decision::Open);
        assert_eq!(decide(None, Shape::Greeting, t(0)), Decision::Guide);
        assert_eq!(decide(None, Shape::Other, t(0)), Decision::Guide);
    }

    #[test]
    fn messages_that_follow_gather_then_reply() {
        let c = current(Status::Registered);
        assert_eq!(decide(Some(&c), Shape::Media, t(5)), Decision::Gather);
        assert_eq!(decide(Some(&c), Shape::Greeting, t(29)), Decision::Gather);
        // a long pause: a reply
        assert_eq!(
            decide(Some(&c), Shape::Substantive, t(120)),
            Decision::Reply { reopen: false }
        );
        // once the office works on it, a message is a reply
        let c = current(Status::Disposed);
        assert_eq!(
            decide(Some(&c), Shape::Substantive, t(5)),
            Decision::Reply { reopen: false }
        );
    }

    #[test]
    fn after_the_answer_a_message_reopens_but_thanks_do_not() {
        let mut c = current(Status::Answered);
        c.answered_at = Some(t(60 * 24));
        assert_eq!(
            decide(Some(&c), Shape::Substantive, t(60 * 48)),
            Decision::Reply { reopen: true }
        );
        assert_eq!(
            decide(Some(&c), Shape::Greeting, t(60 * 48)),
            Decision::Reply { reopen: false }
        );
        c.confidential = true;
        assert_eq!(
            decide(Some(&c), Shape::Substantive, t(60 * 48)),
            Decision::Reply { reopen: false }
        );
        // long after the answer: something new
        c.confidential = false;
        let later = t(60 * 24) + REOPEN_WITHIN + Duration::days(1);
        assert_eq!(decide(Some(&c), Shape::Substantive, later), Decision::Open);
        assert_eq!(decide(Some(&c), Shape::Greeting, later), Decision::Guide);
        // a rejected or redirected one is finished here
        let c = current(Status::Redirected);
        assert_eq!(decide(Some(&c), Shape::Substantive, t(5)), Decision::Open);
    }

    #[test]
    fn subjects_and_splitting() {
        assert_eq!(
            subject_from("\n  PKH belum cair\nsudah tiga bulan").as_deref(),
            Some("PKH belum cair")
        );
        let long = "kata ".repeat(60);
        let s = subject_from(&long).unwrap();
        assert!(s.chars().count() <= 120 && s.ends_with('…'), "{s}");
        let text = format!("{}\n\n{}", "a".repeat(3000), "b ".repeat(1500));
        let parts = split_text(&text, WHATSAPP_TEXT_LIMIT);
        assert_eq!(parts.len(), 2);
        assert!(
            parts
                .iter()
                .all(|p| p.chars().count() <= WHATSAPP_TEXT_LIMIT)
        );
        assert_eq!(parts[0], "a".repeat(3000));
        let one = "x".repeat(9000);
        let parts = split_text(&one, WHATSAPP_TEXT_LIMIT);
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), 9000);
        assert_eq!(split_text("pendek", 10), vec!["pendek".to_string()]);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            phone_from_wa_id("6281234567890").as_deref(),
            Some("+6281234567890")
        );
        assert_eq!(phone_from_wa_id("62-81"), None);
        assert_eq!(
            wa_id_from_phone("+6281234567890").as_deref(),
            Some("6281234567890")
        );
        assert_eq!(
            wa_id_from_phone("081234567890").as_deref(),
            Some("6281234567890")
        );
    }
}
