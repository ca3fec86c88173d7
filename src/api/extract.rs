//! The HTTP plumbing every handler module shares: JSON bodies, the
//! Idempotency-Key, If-Match/ETag, cursors and page parameters, and the
//! visibility and view context of a complaint. Handler modules import from
//! here (and from `auth`, `error`, `dto`, `state`), never from each other.

use actix_web::HttpRequest;
use actix_web::http::header;

use uuid::Uuid;

use super::auth::Caller;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::ValidationErrors;
use crate::store::{Complaint, Cursor};

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

pub(crate) fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(
            "send the complaint as `Content-Type: application/json`".into(),
        ))
    }
}

pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("");
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ApiError::field(
            IDEMPOTENCY_KEY,
            "must be 1 to 255 visible ASCII characters (a UUID is a good choice)",
        ));
    }
    Ok(Some(s.to_string()))
}

/// May `caller` see this complaint at all? Integrations see only their own;
/// for everyone else the answer is yes. Unknown and invisible look the same.
pub use crate::http::view::{
    CURSOR_PATTERN, attachment_visible, cursor_at, decode_cursor, view_context, visible,
};

/// The complaint if the caller may read it, else 404.
pub(crate) async fn load_visible(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<Complaint, ApiError> {
    crate::http::view::visible_complaint(state, caller, id)
        .await?
        .ok_or(ApiError::NotFound("No complaint with this id."))
}

pub(crate) fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// `limit` (1–200, default 50) and `cursor` of a paged list.
pub(crate) fn parse_page(
    e: &mut ValidationErrors,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> (u32, Option<Cursor>) {
    let limit = match limit {
        None => 50,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .unwrap_or_else(|| {
                e.push("limit", "must be a whole number from 1 to 200");
                50
            }),
    };
    let after = cursor.and_then(|s| {
        decode_cursor(s).or_else(|| {
            e.push("cursor", "is not a cursor returned by this API");
            None
        })
    });
    (limit, after)
}

/// `If-Match: "7"` → 7. Absent → no check; malformed → 400.
pub(crate) fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(etag_version)
        .map(Some)
        .ok_or_else(|| {
            ApiError::BadRequest("If-Match must be the ETag of the complaint, e.g. \"3\"".into())
        })
}

/// `"7"`, `W/"7"` or `7` → 7: 1 to 15 digits, no leading zero, quotes
/// paired (the pattern the document gives `If-Match`).
fn etag_version(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let digits = match s.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => s,
    };
    let ok = (1..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    if ok { digits.parse().ok() } else { None }
}

/// Maps a JSON body error: syntax → 400, wrong shape → 422 naming the field.
/// A JSON body parsed with the failing field named; an empty body reads as `{}`.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        require_json(req)?;
        body
    };
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let mut fields = Vec::new();
    control_characters_at(&value, &mut String::new(), &mut fields);
    if !fields.is_empty() {
        let mut e = ValidationErrors::default();
        for field in fields {
            e.push(
                &field,
                "must not contain control characters (only line breaks and tabs)",
            );
        }
        return Err(e.into());
    }
    serde_path_to_error::deserialize(value).map_err(json_body_error)
}

/// The strings of a JSON body holding a control character other than a line
/// break or a tab, named as the errors name fields (`reporter.name`,
/// `events[0]`): no text field of the API takes them (the OpenAPI document
/// says so with a pattern on every text field, `api::contract`).
fn control_characters_at(v: &serde_json::Value, path: &mut String, out: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::String(s)
            if s.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            out.push(if path.is_empty() {
                "body".into()
            } else {
                path.clone()
            });
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                control_characters_at(item, path, out);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                control_characters_at(item, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

pub(crate) fn json_body_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let field = if path == "." || path.is_empty() {
                "body".to_string()
            } else {
                path
            };
            // serde says e.g. "unknown field `x`, expected one of …" or "invalid type: …"
            let msg = inner.to_string();
            let reason = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            ApiError::field(&field, reason)
        }
        _ => ApiError::BadRequest(format!("malformed JSON: {inner}")),
    }
}

/// An optional whole number that may arrive as `3` or `3.0` (JSON Schema
/// counts both as an integer; serde's `i64` would refuse the second).
pub(crate) fn opt_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    use serde::de::Error;
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                _ => Err(D::Error::custom(format!(
                    "invalid type: {n}, expected a whole number"
                ))),
            }
        }
    }
}

/// A field that must be present but may be `null`: absent → `None`,
/// `null` → `Some(None)` (`#[serde(default, deserialize_with = "present")]`).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use chrono::DateTime;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            received_at: DateTime::from_timestamp_micros(1_772_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        let s = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "{}|{}",
            c.received_at.timestamp_micros(),
            c.id
        ));
        assert_eq!(decode_cursor(&s), Some(c), "the earlier form is still read");
        let now = cursor_at(c.received_at, c.id);
        assert_eq!(decode_cursor(&now), Some(c));
        assert!(
            has_documented_shape(&now),
            "{now} has the shape of CURSOR_PATTERN"
        );
        assert_eq!(decode_cursor("not-a-cursor"), None);
        assert_eq!(decode_cursor("12345678901234567_0192"), None);
    }

    /// `CURSOR_PATTERN` by hand (no regex crate here): 1–16 digits, `_`, a
    /// hyphenated lowercase UUID.
    fn has_documented_shape(s: &str) -> bool {
        let Some((t, id)) = s.split_once('_') else {
            return false;
        };
        (1..=16).contains(&t.len())
            && t.chars().all(|c| c.is_ascii_digit())
            && id.len() == 36
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
    }

    #[test]
    fn if_match_takes_an_etag_and_nothing_like_one() {
        assert_eq!(etag_version("\"7\""), Some(7));
        assert_eq!(etag_version("W/\"12\""), Some(12));
        assert_eq!(etag_version(" 3 "), Some(3));
        for bad in [
            "0",
            "\"0\"",
            "\"4",
            "4\"",
            "null",
            "",
            "\"\"",
            "-1",
            "1234567890123456",
        ] {
            assert_eq!(etag_version(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_string_with_a_control_character_is_named() {
        let v = serde_json::json!({
            "subject": "Bansos\tbelum cair\r\n",
            "reporter": {"name": "Ana\u{0}", "phone": "0812"},
            "events": ["ok", "x\u{85}y"],
        });
        let mut out = Vec::new();
        control_characters_at(&v, &mut String::new(), &mut out);
        assert_eq!(out, ["events[1]", "reporter.name"]);
    }

    #[test]
    fn whole_numbers_arrive_as_integers_or_as_floats() {
        #[derive(serde::Deserialize)]
        struct V {
            #[serde(default, deserialize_with = "opt_int")]
            v: Option<i64>,
        }
        let v = |j: &str| serde_json::from_str::<V>(j).map(|x| x.v);
        assert_eq!(v(r#"{"v": 3}"#).unwrap(), Some(3));
        assert_eq!(v(r#"{"v": 3.0}"#).unwrap(), Some(3));
        assert_eq!(v(r#"{}"#).unwrap(), None);
        assert_eq!(v(r#"{"v": null}"#).unwrap(), None);
        assert!(v(r#"{"v": 3.5}"#).is_err());
        assert!(v(r#"{"v": "3"}"#).is_err());
    }
}
