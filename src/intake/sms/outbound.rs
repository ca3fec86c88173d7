//! The SMS courier: delivers `sms_message` entries (acknowledgement, guide,
//! staff messages, the answer, the survey invitation) through the send
//! command (`ADUAN_SMS_SEND_COMMAND`, e.g. Gammu's `gammu-smsd-inject`: run
//! without a shell, each `{to}`/`{text}`/`{len}` replaced inside one
//! argument; texts longer than `ADUAN_SMS_SEND_LIMIT` split at words) or,
//! without a command, SMS Gateway for Android's `POST …/message` (the
//! gateway splits long texts itself).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::app::App;
use crate::config::SmsSettings;
use crate::domain::conversation::{phone_from_wa_id, split_text, wa_id_from_phone};
use crate::intake::messages::{self, MessagePayload, Style, malformed};
use crate::notify::{Courier, DeliveryError};
use crate::store::{DeliveryProof, OUTBOX_SMS_MESSAGE, OutboxItem};

pub const KINDS: &[&str] = &[OUTBOX_SMS_MESSAGE];

/// How long the send command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

pub struct SmsCourier {
    app: Arc<App>,
    settings: SmsSettings,
    http: reqwest::Client,
}

/// The send command's arguments for one text.
pub fn command_args(template: &[String], to: &str, text: &str) -> Vec<String> {
    let len = text.chars().count().to_string();
    template
        .iter()
        .map(|a| {
            // one pass per placeholder, the text last: a text that contains
            // "{to}" stays as written
            a.replace("{to}", to)
                .replace("{len}", &len)
                .replace("{text}", text)
        })
        .collect()
}

impl SmsCourier {
    /// `None` unless a send command or a gateway is configured.
    pub fn new(app: Arc<App>) -> Option<Result<Self, reqwest::Error>> {
        let settings = app.settings.sms.clone();
        if !settings.can_send() {
            return None;
        }
        Some(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map(|http| SmsCourier {
                    app,
                    settings,
                    http,
                }),
        )
    }

    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let app = self.app.clone();
        crate::intake::messages::run_courier(&app, self.as_ref(), token).await;
    }

    async fn run_command(
        &self,
        template: &[String],
        to: &str,
        text: &str,
    ) -> Result<(), DeliveryError> {
        let args = command_args(template, to, text);
        let (program, rest) = args
            .split_first()
            .ok_or_else(|| malformed("an empty send command"))?;
        let child = tokio::process::Command::new(program)
            .args(rest)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| DeliveryError::Remote(format!("the send command did not start: {e}")))?;
        let out = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| DeliveryError::Remote("the send command took over 60 s".into()))?
            .map_err(|e| DeliveryError::Remote(format!("the send command failed: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        // what the command said, without the text or the number it was given
        let said = String::from_utf8_lossy(&out.stderr)
            .replace(text, "…")
            .replace(to, "…")
            .chars()
            .take(200)
            .collect::<String>();
        Err(DeliveryError::Remote(format!(
            "the send command exited with {}: {}",
            out.status
                .code()
                .map_or("a signal".into(), |c| c.to_string()),
            said.trim()
        )))
    }

    async fn post_gateway(&self, url: &str, to: &str, text: &str) -> Result<String, DeliveryError> {
        let resp = self
            .http
            .post(format!("{url}/message"))
            .basic_auth(
                self.settings
                    .gateway_username
                    .as_deref()
                    .unwrap_or_default(),
                self.settings.gateway_password.as_deref(),
            )
            .json(&json!({"textMessage": {"text": text}, "phoneNumbers": [to]}))
            .send()
            .await
            .map_err(|e| {
                DeliveryError::Remote(if e.is_timeout() {
                    "the SMS gateway did not answer in time".into()
                } else {
                    "the SMS gateway cannot be reached".into()
                })
            })?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        if status.is_success() {
            return body
                .get("id")
                .and_then(|v| v.as_str())
                .map(|id| format!("smsgate:{id}"))
                .ok_or_else(|| DeliveryError::Remote("the SMS gateway gave no message id".into()));
        }
        let said = body
            .get("message")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        let what = format!("the SMS gateway answered {}: {said}", status.as_u16());
        if status.is_server_error() || status.as_u16() == 429 {
            Err(DeliveryError::Remote(what))
        } else {
            Err(DeliveryError::Refused(what))
        }
    }

    async fn send_message(
        &self,
        item: &OutboxItem,
    ) -> Result<Option<DeliveryProof>, DeliveryError> {
        let p = MessagePayload::read(item)?;
        let complaint = messages::complaint_of(&self.app, item).await?;
        let number =
            p.to.clone()
                .or_else(|| complaint.as_ref().and_then(|c| c.reporter.phone.clone()))
                .ok_or_else(|| malformed("the complainant's number is not known"))?;
        let to = wa_id_from_phone(&number)
            .and_then(|d| phone_from_wa_id(&d))
            .ok_or_else(|| malformed("not a phone number"))?;
        let text = messages::compose(&self.app, &p, complaint.as_ref(), Style::Sms).await?;
        let (parts, command) = match &self.settings.send_command {
            Some(c) => (split_text(&text, self.settings.send_limit), Some(c.clone())),
            None => (vec![text], None),
        };
        let gateway = self.settings.gateway_url.clone().unwrap_or_default();
        let to_ref = to.as_str();
        let command_ref = command.as_deref();
        let gateway_ref = gateway.as_str();
        let item_id = item.id;
        let sent = messages::send_parts(&self.app, item, &p, "sms", &parts, |i, body| async move {
            match command_ref {
                Some(c) => self
                    .run_command(c, to_ref, &body)
                    .await
                    .map(|()| format!("sms:{item_id}:{i}")),
                None => self.post_gateway(gateway_ref, to_ref, &body).await,
            }
        })
        .await;
        let ids = match sent {
            Ok(ids) => ids,
            Err(DeliveryError::Refused(reason)) => {
                return Err(messages::refused(&self.app, item, &p, reason).await);
            }
            Err(e) => return Err(e),
        };
        messages::after_sent(
            &self.app,
            item,
            &p,
            complaint.as_ref(),
            &ids,
            "sms",
            json!({"parts": ids.len()}),
        )
        .await
    }
}

#[async_trait::async_trait]
impl Courier for SmsCourier {
    fn name(&self) -> &'static str {
        "sms"
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        match item.kind.as_str() {
            OUTBOX_SMS_MESSAGE => self.send_message(item).await,
            other => Err(DeliveryError::Malformed(format!("unknown kind `{other}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_placeholder_fills_one_argument_and_no_shell_is_involved() {
        let t: Vec<String> = "gammu-smsd-inject TEXT {to} -len {len} -text {text}"
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let args = command_args(&t, "+6281234567890", "Nomor: ADU-1; rm -rf / {to}");
        assert_eq!(
            args,
            vec![
                "gammu-smsd-inject",
                "TEXT",
                "+6281234567890",
                "-len",
                "27",
                "-text",
                "Nomor: ADU-1; rm -rf / {to}"
            ]
        );
    }
}
