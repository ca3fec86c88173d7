//! The Cloud API client: send a text or a template, mark a message read,
//! fetch media (`GET /{media-id}` → URL → bytes with the bearer token).
//! The token is never logged.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use super::wire::{GraphError, MediaInfo, SendResponse};
use crate::config::WhatsappSettings;

/// Meta's "re-engagement message": outside the 24-hour customer-service
/// window only a template may be sent.
pub const REENGAGEMENT: i64 = 131_047;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Outside the customer-service window (131047): send the template.
    #[error("outside WhatsApp's 24-hour window (131047)")]
    Window,
    /// Meta refused the request for good (a 4xx other than rate limits).
    #[error("WhatsApp refused: {status} {code}: {message}")]
    Refused {
        status: u16,
        code: i64,
        message: String,
    },
    /// Try again later: a 5xx, a rate limit, no answer, an unreadable one.
    #[error("WhatsApp unavailable: {0}")]
    Unavailable(String),
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    phone_number_id: String,
    token: String,
}

/// What to send.
pub enum Outgoing<'a> {
    Text {
        body: &'a str,
        reply_to: Option<&'a str>,
    },
    Template {
        name: &'a str,
        language: &'a str,
        params: &'a [String],
    },
}

impl Client {
    pub fn new(s: &WhatsappSettings) -> Result<Self, reqwest::Error> {
        Ok(Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::limited(3))
                .build()?,
            base: s.api_url.clone(),
            phone_number_id: s.phone_number_id.clone(),
            token: s.token.clone(),
        })
    }

    /// Sends one message to `to` (a `wa_id`); the new message's id.
    pub async fn send(&self, to: &str, what: &Outgoing<'_>) -> Result<String, SendError> {
        let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": to});
        match what {
            Outgoing::Text {
                body: text,
                reply_to,
            } => {
                body["type"] = json!("text");
                body["text"] = json!({"preview_url": false, "body": text});
                if let Some(id) = reply_to {
                    body["context"] = json!({"message_id": id});
                }
            }
            Outgoing::Template {
                name,
                language,
                params,
            } => {
                body["type"] = json!("template");
                let parameters: Vec<_> = params
                    .iter()
                    .map(|p| json!({"type": "text", "text": p}))
                    .collect();
                body["template"] = json!({"name": name, "language": {"code": language},
                    "components": [{"type": "body", "parameters": parameters}]});
            }
        }
        let answer: SendResponse = self.post_messages(&body).await?;
        answer
            .messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| SendError::Unavailable("the answer named no message id".into()))
    }

    /// Marks a received message read (the complainant sees blue ticks).
    pub async fn mark_read(&self, message_id: &str) -> Result<(), SendError> {
        let body = json!({"messaging_product": "whatsapp", "status": "read",
            "message_id": message_id});
        let _: serde_json::Value = self.post_messages(&body).await?;
        Ok(())
    }

    async fn post_messages<T: serde::de::DeserializeOwned>(
        &self,
        body: &serde_json::Value,
    ) -> Result<T, SendError> {
        let url = format!("{}/{}/messages", self.base, self.phone_number_id);
        let r = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Unavailable(without_url(&e)))?;
        answer(r).await
    }

    /// The media's download URL and what Meta says of it.
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, SendError> {
        if !media_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(SendError::Refused {
                status: 400,
                code: 0,
                message: "not a media id".into(),
            });
        }
        let r = self
            .http
            .get(format!("{}/{media_id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| SendError::Unavailable(without_url(&e)))?;
        answer(r).await
    }

    /// The media's bytes (at most `limit`).
    pub async fn download(&self, url: &str, limit: u64) -> Result<Vec<u8>, SendError> {
        let mut r = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| SendError::Unavailable(without_url(&e)))?;
        let status = r.status();
        if !status.is_success() {
            return Err(classify(status, None, String::new()));
        }
        if r.content_length().is_some_and(|n| n > limit) {
            return Err(SendError::Refused {
                status: 413,
                code: 0,
                message: format!("larger than {limit} bytes"),
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = r
            .chunk()
            .await
            .map_err(|e| SendError::Unavailable(without_url(&e)))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > limit {
                return Err(SendError::Refused {
                    status: 413,
                    code: 0,
                    message: format!("larger than {limit} bytes"),
                });
            }
        }
        Ok(bytes)
    }
}

/// A transport error without its URL (media URLs carry tokens of their own).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    kind.to_string()
}

async fn answer<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, SendError> {
    let status = r.status();
    let text = r
        .text()
        .await
        .map_err(|e| SendError::Unavailable(without_url(&e)))?;
    if status.is_success() {
        return serde_json::from_str(&text)
            .map_err(|_| SendError::Unavailable(format!("unreadable answer ({status})")));
    }
    let err = serde_json::from_str::<GraphError>(&text).ok();
    let (code, message) = err
        .map(|e| (e.error.code, e.error.message))
        .unwrap_or((0, String::new()));
    Err(classify(status, Some(code), message))
}

fn classify(status: StatusCode, code: Option<i64>, message: String) -> SendError {
    let code = code.unwrap_or(0);
    let message: String = message.chars().take(300).collect();
    // rate limits: 429, "too many messages" (130429, 131056, 4, 80007)
    let rate =
        status == StatusCode::TOO_MANY_REQUESTS || matches!(code, 4 | 80_007 | 130_429 | 131_056);
    if code == REENGAGEMENT {
        SendError::Window
    } else if status.is_server_error() || rate || status == StatusCode::REQUEST_TIMEOUT {
        SendError::Unavailable(format!("{} {code} {message}", status.as_u16()))
    } else {
        SendError::Refused {
            status: status.as_u16(),
            code,
            message,
        }
    }
}
