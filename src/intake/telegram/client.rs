//! The Bot API client: `getUpdates`, `sendMessage`, `getFile` and the
//! download behind it (`/file/bot<token>/<path>`). The token is part of
//! every URL: it is never logged (errors name the method only).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::wire::{Envelope, File, Message, Update};
use crate::config::TelegramSettings;

/// Telegram's limit of one message's text.
pub const TEXT_LIMIT: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    /// Telegram refused for good (a 4xx other than 429): a blocked bot, a
    /// chat that does not exist, a wrong token.
    #[error("Telegram refused {method}: {code} {description}")]
    Refused {
        method: &'static str,
        code: i64,
        description: String,
    },
    /// `getUpdates` while a webhook is set (409).
    #[error(
        "Telegram refused getUpdates: a webhook is set for this bot (set ADUAN_TELEGRAM_WEBHOOK_SECRET to use it, or delete it)"
    )]
    WebhookSet,
    /// Try again later: a 5xx, 429 (with Telegram's wait), no answer, an unreadable one.
    #[error("Telegram unavailable ({method}): {reason}")]
    Unavailable {
        method: &'static str,
        reason: String,
        retry_after: Option<u64>,
    },
}

impl TelegramError {
    fn unavailable(method: &'static str, reason: impl Into<String>) -> Self {
        TelegramError::Unavailable {
            method,
            reason: reason.into(),
            retry_after: None,
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    pub fn new(s: &TelegramSettings) -> Result<Self, reqwest::Error> {
        Ok(Client {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: s.api_url.clone(),
            token: s.token.clone(),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &'static str,
        body: &Value,
        timeout: Duration,
    ) -> Result<T, TelegramError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token);
        let resp = self
            .http
            .post(url)
            .json(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| {
                TelegramError::unavailable(
                    method,
                    if e.is_timeout() {
                        "no answer in time"
                    } else {
                        "no connection"
                    },
                )
            })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|_| TelegramError::unavailable(method, "the answer was cut short"))?;
        let env: Envelope<T> = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(_) => {
                return Err(TelegramError::unavailable(
                    method,
                    format!("HTTP {} with an unreadable body", status.as_u16()),
                ));
            }
        };
        if env.ok {
            return env
                .result
                .ok_or_else(|| TelegramError::unavailable(method, "ok without a result"));
        }
        let code = env.error_code.unwrap_or(i64::from(status.as_u16()));
        let description = env
            .description
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect::<String>();
        if method == "getUpdates" && code == 409 {
            return Err(TelegramError::WebhookSet);
        }
        if code == 429 || code >= 500 || status.is_server_error() {
            return Err(TelegramError::Unavailable {
                method,
                reason: format!("{code} {description}"),
                retry_after: env.parameters.and_then(|p| p.retry_after),
            });
        }
        Err(TelegramError::Refused {
            method,
            code,
            description,
        })
    }

    /// Long polling: the updates from `offset` on (confirming those
    /// before it), waiting up to `wait` for one.
    pub async fn get_updates(
        &self,
        offset: i64,
        wait: Duration,
    ) -> Result<Vec<Update>, TelegramError> {
        let body = json!({"offset": offset, "limit": 100, "timeout": wait.as_secs(),
            "allowed_updates": ["message"]});
        // Telegram holds the request up to `timeout`: the client waits longer
        self.call("getUpdates", &body, wait + Duration::from_secs(15))
            .await
    }

    /// Sends a text; the new message's id. `contact_button`: offers the
    /// "share my phone number" keyboard button (once, then hidden).
    pub async fn send_message(
        &self,
        chat_id: &str,
        text: &str,
        reply_to: Option<i64>,
        contact_button: bool,
    ) -> Result<i64, TelegramError> {
        let mut body = json!({"chat_id": chat_id, "text": text,
            "link_preview_options": {"is_disabled": true}});
        if let Some(id) = reply_to {
            body["reply_parameters"] =
                json!({"message_id": id, "allow_sending_without_reply": true});
        }
        if contact_button {
            body["reply_markup"] = json!({"keyboard": [[{"text": "Bagikan nomor telepon saya",
                "request_contact": true}]], "one_time_keyboard": true, "resize_keyboard": true});
        }
        let m: Message = self
            .call("sendMessage", &body, Duration::from_secs(30))
            .await?;
        Ok(m.message_id)
    }

    /// `getFile`: where a file can be downloaded.
    pub async fn get_file(&self, file_id: &str) -> Result<File, TelegramError> {
        self.call(
            "getFile",
            &json!({"file_id": file_id}),
            Duration::from_secs(30),
        )
        .await
    }

    /// Downloads a file (at most `limit` bytes).
    pub async fn download(&self, file_path: &str, limit: u64) -> Result<Vec<u8>, TelegramError> {
        let method = "file download";
        if file_path.contains("..") || file_path.starts_with('/') {
            return Err(TelegramError::Refused {
                method,
                code: 400,
                description: "an unsafe file path".into(),
            });
        }
        let url = format!("{}/file/bot{}/{file_path}", self.base, self.token);
        let mut resp = self
            .http
            .get(url)
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .map_err(|_| TelegramError::unavailable(method, "no connection"))?;
        let status = resp.status();
        if status.as_u16() == 404 || status.as_u16() == 400 {
            return Err(TelegramError::Refused {
                method,
                code: i64::from(status.as_u16()),
                description: "the file is no longer available".into(),
            });
        }
        if !status.is_success() {
            return Err(TelegramError::unavailable(
                method,
                format!("HTTP {}", status.as_u16()),
            ));
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|_| TelegramError::unavailable(method, "cut short"))?
        {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > limit {
                return Err(TelegramError::Refused {
                    method,
                    code: 413,
                    description: format!("larger than {limit} bytes"),
                });
            }
        }
        Ok(out)
    }
}
