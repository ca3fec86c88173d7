//! The SMS channel. In: a GSM modem through Gammu SMSD (`aduan intake sms`
//! as its `RunOnReceive` program, reading Gammu's environment), or SMS
//! Gateway for Android's `sms:received` webhook (`/webhooks/sms`, signed).
//! Out: `outbound.rs` (the send command, e.g. `gammu-smsd-inject`, or the
//! gateway's `POST /message`). Identity is the number; what a message
//! becomes is `app/chat.rs` (docs/adr/0028, docs/adr/0031).

pub mod outbound;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::chat::{ChatContent, IncomingChat};
use crate::domain::Channel;
use crate::domain::conversation::{phone_from_wa_id, wa_id_from_phone};

/// Why an SMS was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsRead {
    #[error("no message in Gammu's environment (SMS_MESSAGES is missing or 0)")]
    NoMessage,
    /// An operator's or a service's sender name ("TELKOMSEL"), a short code:
    /// nobody to answer.
    #[error("the sender is not a phone number (an operator or service message): ignored")]
    NotAPerson,
    #[error("the message has no text")]
    Empty,
}

/// An SMS from a number, as a message of the conversation.
pub fn incoming(
    key: String,
    number: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Result<IncomingChat, SmsRead> {
    let wa = wa_id_from_phone(number).filter(|_| {
        number
            .trim()
            .trim_start_matches('+')
            .chars()
            .all(|c| c.is_ascii_digit())
    });
    let phone = wa
        .as_deref()
        .and_then(phone_from_wa_id)
        .ok_or(SmsRead::NotAPerson)?;
    let digits = wa.unwrap_or_default();
    if digits.len() < 8 {
        return Err(SmsRead::NotAPerson);
    }
    if text.trim().is_empty() {
        return Err(SmsRead::Empty);
    }
    Ok(IncomingChat {
        channel: Channel::Sms,
        message_id: key,
        from: digits,
        phone: Some(phone),
        address: None,
        profile_name: None,
        at,
        content: ChatContent::Text(text.to_string()),
    })
}

/// The message Gammu SMSD hands its `RunOnReceive` program: `SMS_MESSAGES`
/// physical parts (`SMS_<n>_NUMBER`, `SMS_<n>_TEXT`), and for a long
/// concatenated message `DECODED_PARTS` with the whole text in
/// `DECODED_<n>_TEXT`. `ids` are the arguments Gammu appends (the
/// messages' ids in its backend): the message's key, so a second run for
/// the same message (Gammu's two-minute limit) takes nothing twice.
pub fn from_gammu(
    env: &dyn Fn(&str) -> Option<String>,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<IncomingChat, SmsRead> {
    let count: usize = env("SMS_MESSAGES")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if count == 0 {
        return Err(SmsRead::NoMessage);
    }
    let number = (1..=count)
        .find_map(|i| env(&format!("SMS_{i}_NUMBER")).filter(|n| !n.trim().is_empty()))
        .ok_or(SmsRead::NoMessage)?;
    let decoded: usize = env("DECODED_PARTS")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let decoded_text: String = (1..=decoded)
        .filter_map(|i| env(&format!("DECODED_{i}_TEXT")))
        .collect();
    let text = if decoded_text.trim().is_empty() {
        (1..=count)
            .filter_map(|i| env(&format!("SMS_{i}_TEXT")))
            .collect::<String>()
    } else {
        decoded_text
    };
    let phone_id = env("PHONE_ID").filter(|p| !p.trim().is_empty());
    let key = if ids.is_empty() {
        // no ids (a NULL backend): the content and the modem are the key
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(format!("{number}\n{text}\n{}", now.format("%Y%m%d%H%M")));
        format!("gammu:{}", hex::encode(&h[..12]))
    } else {
        format!(
            "gammu:{}{}",
            phone_id.map(|p| format!("{p}/")).unwrap_or_default(),
            ids.join(",")
        )
    };
    incoming(key, &number, &text, now)
}

/// SMS Gateway for Android's webhook delivery
/// (<https://docs.sms-gate.app/features/webhooks/>).
#[derive(Debug, Deserialize)]
pub struct GatewayEvent {
    /// Unique per event (kept when the gateway retries it).
    pub id: String,
    pub event: String,
    #[serde(default)]
    pub payload: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Received {
    message: String,
    phone_number: String,
    received_at: Option<String>,
}

/// A `sms:received` event as a message; `Ok(None)` for other events
/// (`sms:sent`, `system:ping`, …).
pub fn from_gateway(e: &GatewayEvent, now: DateTime<Utc>) -> Result<Option<IncomingChat>, SmsRead> {
    if e.event != "sms:received" {
        return Ok(None);
    }
    let r: Received = serde_json::from_value(e.payload.clone()).map_err(|_| SmsRead::Empty)?;
    let at = r
        .received_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t <= now)
        .unwrap_or(now);
    incoming(format!("gateway:{}", e.id), &r.phone_number, &r.message, at).map(Some)
}

/// Checks a gateway delivery's signature: `X-Signature` is the hex
/// HMAC-SHA256 of the body followed by `X-Timestamp`, made with the
/// signing key; the timestamp within 5 minutes of now.
pub fn signed(
    key: &str,
    body: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    now: DateTime<Utc>,
) -> bool {
    use hmac::{Hmac, Mac};
    let (Some(ts), Some(sig)) = (timestamp, signature) else {
        return false;
    };
    let Ok(at) = ts.trim().parse::<i64>() else {
        return false;
    };
    if (now.timestamp() - at).abs() > 300 {
        return false;
    }
    let Ok(given) = hex::decode(sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.update(ts.trim().as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn a_long_message_is_read_whole_from_the_decoded_parts() {
        let e = env(&[
            ("SMS_MESSAGES", "3"),
            ("SMS_1_NUMBER", "+6281234567890"),
            ("SMS_1_TEXT", "Bantuan PKH ibu saya "),
            ("SMS_2_NUMBER", "+6281234567890"),
            ("SMS_2_TEXT", "belum cair sejak Agustus "),
            ("SMS_3_NUMBER", "+6281234567890"),
            ("SMS_3_TEXT", "padahal terdaftar."),
            ("DECODED_PARTS", "1"),
            (
                "DECODED_1_TEXT",
                "Bantuan PKH ibu saya belum cair sejak Agustus padahal terdaftar.",
            ),
        ]);
        let ids = vec![
            "IN1_00.txt".to_string(),
            "IN1_01.txt".into(),
            "IN1_02.txt".into(),
        ];
        let m = from_gammu(&e, &ids, Utc::now()).unwrap();
        assert_eq!(m.from, "6281234567890");
        assert_eq!(m.phone.as_deref(), Some("+6281234567890"));
        assert_eq!(
            m.content,
            ChatContent::Text(
                "Bantuan PKH ibu saya belum cair sejak Agustus padahal terdaftar.".into()
            )
        );
        assert_eq!(m.message_id, "gammu:IN1_00.txt,IN1_01.txt,IN1_02.txt");
        // without decoded parts the physical parts are joined
        let e = env(&[
            ("SMS_MESSAGES", "2"),
            ("SMS_1_NUMBER", "081234567890"),
            ("SMS_1_TEXT", "Jalan "),
            ("SMS_2_TEXT", "rusak"),
        ]);
        let m = from_gammu(&e, &["7".into()], Utc::now()).unwrap();
        assert_eq!(m.content, ChatContent::Text("Jalan rusak".into()));
        assert_eq!(m.phone.as_deref(), Some("+6281234567890"));
    }

    #[test]
    fn operator_messages_and_empty_environments_are_not_complaints() {
        let e = env(&[
            ("SMS_MESSAGES", "1"),
            ("SMS_1_NUMBER", "TELKOMSEL"),
            ("SMS_1_TEXT", "Promo"),
        ]);
        assert_eq!(from_gammu(&e, &[], Utc::now()), Err(SmsRead::NotAPerson));
        let e = env(&[
            ("SMS_MESSAGES", "1"),
            ("SMS_1_NUMBER", "3636"),
            ("SMS_1_TEXT", "Kuota"),
        ]);
        assert_eq!(from_gammu(&e, &[], Utc::now()), Err(SmsRead::NotAPerson));
        assert_eq!(
            from_gammu(&env(&[]), &[], Utc::now()),
            Err(SmsRead::NoMessage)
        );
    }

    #[test]
    fn a_gateway_delivery_is_taken_only_with_its_signature() {
        use hmac::{Hmac, Mac};
        let body = br#"{"id":"e1","event":"sms:received","payload":{}}"#;
        let now = Utc::now();
        let ts = now.timestamp().to_string();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"kunci").unwrap();
        mac.update(body);
        mac.update(ts.as_bytes());
        let sig = hex::encode(mac.finalize().into_bytes());
        assert!(signed("kunci", body, Some(&ts), Some(&sig), now));
        assert!(!signed("lain", body, Some(&ts), Some(&sig), now));
        assert!(!signed("kunci", b"{}", Some(&ts), Some(&sig), now));
        let old = (now.timestamp() - 600).to_string();
        assert!(!signed("kunci", body, Some(&old), Some(&sig), now));
        assert!(!signed("kunci", body, None, Some(&sig), now));
    }
}
