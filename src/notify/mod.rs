//! Delivery of what the service sends to the outside world, through the
//! transactional outbox: a state change writes its message to `outbox` in
//! its own transaction; the dispatcher delivers it with retries and
//! exponential backoff, and parks it after `ADUAN_OUTBOX_MAX_ATTEMPTS`.
//! Each entry has a natural `dedup_key`, so it is written at most once.

pub mod email;
pub mod templates;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Settings;
use crate::store::{DeliveryProof, DynStore, NewOutbox, OutboxItem, StoreError};

pub const ACKNOWLEDGEMENT_EMAIL: &str = "acknowledgement_email";
/// An email rendered when it was queued (reminders, escalations, digests).
pub const EMAIL: &str = "email";

pub use crate::store::OUTBOX_ANSWER_EMAIL as ANSWER_EMAIL;

/// A set-password link to a person (the token sealed until sent, then purged).
pub const ACCOUNT_LINK_EMAIL: &str = "account_link_email";

/// The outbox kinds this dispatcher delivers (LAPOR! kinds are the LAPOR! integration's).
pub const KINDS: &[&str] = &[
    ACKNOWLEDGEMENT_EMAIL,
    EMAIL,
    ANSWER_EMAIL,
    ACCOUNT_LINK_EMAIL,
];

/// Payload of a set-password link email.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccountLinkPayload {
    pub to: String,
    pub login: String,
    /// The link, sealed with the server key (removed once sent).
    #[serde(default)]
    pub link_sealed: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// The set-password link for `to`, sealed (`link_sealed`) by the caller.
pub fn account_link(
    account_id: Uuid,
    to: &str,
    login: &str,
    link_sealed: &str,
    expires_at: DateTime<Utc>,
) -> NewOutbox {
    let id = Uuid::now_v7();
    let payload = serde_json::to_string(&AccountLinkPayload {
        to: to.to_string(),
        login: login.to_string(),
        link_sealed: Some(link_sealed.to_string()),
        expires_at,
    })
    .unwrap_or_default();
    NewOutbox {
        id,
        kind: ACCOUNT_LINK_EMAIL.into(),
        dedup_key: format!("account-link:{account_id}:{id}"),
        complaint_id: None,
        payload,
    }
}

/// Payload of an answer email: the text is read from the approved draft when sent.
#[derive(Debug, Serialize, Deserialize)]
pub struct AnswerPayload {
    pub to: String,
    pub draft_id: Uuid,
}

/// Payload of a pre-rendered email.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailPayload {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Files attached (the monthly report's workbook) and images the HTML
    /// shows (`cid:<inline_id>`: its charts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<MailAttachment>,
}

/// A file carried by an email, base64 in the payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    /// Standard base64.
    pub data: String,
    /// Shown in the HTML as `cid:<inline_id>` rather than attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_id: Option<String>,
}

impl MailAttachment {
    pub fn new(filename: &str, content_type: &str, bytes: &[u8], inline_id: Option<&str>) -> Self {
        use base64::Engine;
        MailAttachment {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
            inline_id: inline_id.map(str::to_string),
        }
    }
}

/// A pre-rendered email under a natural `dedup_key`.
pub fn email(
    dedup_key: String,
    complaint_id: Option<Uuid>,
    to: &str,
    m: &templates::Rendered,
) -> NewOutbox {
    email_with(dedup_key, complaint_id, to, m, Vec::new())
}

/// A pre-rendered email with attachments, under a natural `dedup_key`.
pub fn email_with(
    dedup_key: String,
    complaint_id: Option<Uuid>,
    to: &str,
    m: &templates::Rendered,
    attachments: Vec<MailAttachment>,
) -> NewOutbox {
    let payload = serde_json::to_string(&EmailPayload {
        to: to.to_string(),
        subject: m.subject.clone(),
        text: m.text.clone(),
        html: m.html.clone(),
        attachments,
    })
    .unwrap_or_default();
    NewOutbox {
        id: Uuid::now_v7(),
        kind: EMAIL.into(),
        dedup_key,
        complaint_id,
        payload,
    }
}

/// The complaint's public page for a message to its complainant:
/// `/lacak/<number>#kode=<code>` — the code in the fragment, which browsers
/// never send (so no log holds it) and the page reads. The code is derived
/// again from the complaint's id (ADR 0035); a complaint whose code was
/// drawn at random before (its digest differs) gets the page without it.
pub async fn status_link(
    store: &DynStore,
    base_url: &str,
    c: &crate::store::Complaint,
) -> Result<String, crate::store::StoreError> {
    let page = format!("{base_url}/lacak/{}", c.tracking_number);
    let code = store.vault().access_code(c.id);
    Ok(match store.access_digest(&c.tracking_number).await? {
        Some((id, digest)) if id == c.id && digest == code.digest() => {
            format!("{page}#kode={}", code.display())
        }
        _ => page,
    })
}

/// Payload of an acknowledgement: the rest is read from the complaint when sent.
#[derive(Debug, Serialize, Deserialize)]
pub struct AcknowledgementPayload {
    pub to: String,
    /// The access code sealed with the server key.
    #[serde(default)]
    pub access_code_sealed: Option<String>,
    /// Entries written before codes were sealed.
    #[serde(default)]
    pub access_code: Option<String>,
    /// The Message-ID of the complainant's email, to thread the acknowledgement to it.
    #[serde(default)]
    pub in_reply_to: Option<String>,
}

/// The acknowledgement to a complainant whose email address is known.
/// `sealed_code`: the access code sealed with the server key (the courier
/// opens it to write the email; it is purged from the payload once sent).
pub fn acknowledgement(
    complaint_id: Uuid,
    to: &str,
    sealed_code: &str,
    in_reply_to: Option<&str>,
) -> NewOutbox {
    let payload = serde_json::json!({"to": to, "access_code_sealed": sealed_code,
        "in_reply_to": in_reply_to})
    .to_string();
    NewOutbox {
        id: Uuid::now_v7(),
        kind: ACKNOWLEDGEMENT_EMAIL.into(),
        dedup_key: format!("ack:{complaint_id}"),
        complaint_id: Some(complaint_id),
        payload,
    }
}

/// Delay before attempt `attempts + 1` (after `attempts` failed ones): 30 s
/// after the first failure, doubling, at most one hour, with ±20 % jitter so
/// that many failed messages do not retry in lockstep.
pub fn backoff(attempts: u32) -> Duration {
    let base = 30f64 * 2f64.powi(attempts.saturating_sub(1).min(10) as i32);
    let capped = base.min(3600.0);
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::milliseconds((capped * jitter * 1000.0) as i64)
}

/// Replaces every token that looks like an email address with `<address>`.
pub fn redact_addresses(s: &str) -> String {
    s.split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: u32,
    pub retried: u32,
    pub parked: u32,
    /// Claimed, but another worker took the entry over before its turn.
    pub skipped: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{0}")]
    Smtp(String),
    #[error("bad outbox entry: {0}")]
    Malformed(String),
    /// The other side failed or is unreachable: try again later.
    #[error("{0}")]
    Remote(String),
    /// The other side refused for good: park without more attempts.
    #[error("refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DeliveryError {
    /// Retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            DeliveryError::Malformed(_) | DeliveryError::Refused(_)
        )
    }
}

pub struct Dispatcher {
    store: DynStore,
    settings: Arc<Settings>,
    mailer: Option<email::Mailer>,
    /// Opens the sealed access codes of acknowledgements (the store's keyring).
    key: Arc<crate::vault::Vault>,
    /// How long a claim lasts without renewal ([`CLAIM`]; shorter in tests).
    claim: Duration,
}

impl Dispatcher {
    pub fn new(store: DynStore, settings: Arc<Settings>) -> Result<Self, email::MailerError> {
        let mailer = settings.smtp.as_ref().map(email::Mailer::new).transpose()?;
        let key = store.vault().clone();
        Ok(Dispatcher {
            store,
            settings,
            mailer,
            key,
            claim: CLAIM,
        })
    }

    /// Claims that last `claim` without renewal (tests of slow servers).
    pub fn with_claim(mut self, claim: Duration) -> Self {
        self.claim = claim;
        self
    }

    pub fn enabled(&self) -> bool {
        self.mailer.is_some()
    }

    /// Delivers what is due at `now`. Tests call this directly.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<DispatchReport, StoreError> {
        if self.mailer.is_none() {
            return Ok(DispatchReport::default());
        }
        deliver_due_with(
            self.store.as_ref(),
            self,
            self.settings.outbox_max_attempts,
            now,
            self.claim,
        )
        .await
    }

    async fn send(&self, item: &OutboxItem) -> Result<(), DeliveryError> {
        let Some(mailer) = &self.mailer else {
            return Err(DeliveryError::Remote("ADUAN_SMTP_HOST is not set".into()));
        };
        match item.kind.as_str() {
            ACKNOWLEDGEMENT_EMAIL => {
                let p: AcknowledgementPayload = serde_json::from_str(&item.payload)
                    .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
                let complaint_id = item
                    .complaint_id
                    .ok_or_else(|| DeliveryError::Malformed("no complaint".into()))?;
                let c = self
                    .store
                    .get_complaint(complaint_id)
                    .await?
                    .ok_or_else(|| DeliveryError::Malformed("complaint not found".into()))?;
                let code = match (&p.access_code_sealed, p.access_code) {
                    (Some(sealed), _) => self.key.open_str(sealed).ok().ok_or_else(|| {
                        DeliveryError::Malformed(
                            "the access code does not open with this server key".into(),
                        )
                    })?,
                    (None, Some(plain)) => plain,
                    (None, None) => {
                        return Err(DeliveryError::Malformed("no access code".into()));
                    }
                };
                let s = &self.settings;
                // the code in the fragment: browsers never send it, so no
                // server or proxy log holds it (the page reads it: lacak.js)
                let url = format!(
                    "{}/lacak/{}#kode={}",
                    s.public_base_url, c.tracking_number, code
                );
                // anyone may type any address into the web form or the API:
                // the office's message then quotes none of their words
                // (name, subject) — it cannot be turned into a letter from
                // the office to a stranger (ADR 0015)
                let stranger = matches!(
                    c.channel,
                    crate::domain::Channel::Web | crate::domain::Channel::Api
                );
                let rendered = templates::acknowledgement(&templates::Acknowledgement {
                    office_name: &s.office_name,
                    reporter_name: c.reporter.name.as_deref().filter(|_| !stranger),
                    tracking_number: &c.tracking_number,
                    access_code: &code,
                    subject: Some(c.subject.as_str()).filter(|_| !stranger),
                    received_at: c.received_at,
                    registered_at: c.registered_at,
                    due_at: c.due_at,
                    status_url: &url,
                    timezone: s.office_timezone,
                });
                mailer
                    .send(item.id, &p.to, &rendered, p.in_reply_to.as_deref())
                    .await
            }
            ACCOUNT_LINK_EMAIL => {
                let p: AccountLinkPayload = serde_json::from_str(&item.payload)
                    .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
                let link = p
                    .link_sealed
                    .as_deref()
                    .and_then(|s| self.key.open_str(s).ok())
                    .ok_or_else(|| {
                        DeliveryError::Malformed(
                            "the link does not open with this server key".into(),
                        )
                    })?;
                let s = &self.settings;
                let rendered = templates::account_link(
                    &s.office_name,
                    &p.login,
                    &link,
                    p.expires_at,
                    s.office_timezone,
                );
                mailer.send(item.id, &p.to, &rendered, None).await
            }
            ANSWER_EMAIL => {
                let p: AnswerPayload = serde_json::from_str(&item.payload)
                    .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
                let draft = self
                    .store
                    .get_draft(p.draft_id)
                    .await?
                    .ok_or_else(|| DeliveryError::Malformed("draft not found".into()))?;
                let c = self
                    .store
                    .get_complaint(draft.complaint_id)
                    .await?
                    .ok_or_else(|| DeliveryError::Malformed("complaint not found".into()))?;
                let s = &self.settings;
                // an answer to an emailed complaint continues its thread
                let thread = self
                    .store
                    .first_inbound(c.id)
                    .await?
                    .and_then(|k| k.strip_prefix("email:").map(str::to_string))
                    .filter(|id| !id.starts_with("sha256:"));
                let survey_url = status_link(&self.store, &s.public_base_url, &c).await?;
                let rendered = templates::answer(&templates::Answer {
                    office_name: &s.office_name,
                    reporter_name: c.reporter.name.as_deref(),
                    tracking_number: &c.tracking_number,
                    subject: &c.subject,
                    received_at: c.received_at,
                    body: &draft.body,
                    timezone: s.office_timezone,
                    survey_url: &survey_url,
                });
                mailer
                    .send(item.id, &p.to, &rendered, thread.as_deref())
                    .await
            }
            EMAIL => {
                let p: EmailPayload = serde_json::from_str(&item.payload)
                    .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
                let rendered = templates::Rendered {
                    subject: p.subject,
                    text: p.text,
                    html: p.html,
                };
                if p.attachments.is_empty() {
                    mailer.send(item.id, &p.to, &rendered, None).await
                } else {
                    mailer
                        .send_with(item.id, &p.to, &rendered, &p.attachments)
                        .await
                }
            }
            other => Err(DeliveryError::Malformed(format!("unknown kind `{other}`"))),
        }
    }

    /// Delivers every `ADUAN_OUTBOX_INTERVAL_SECONDS` until `token` is cancelled.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        let every = std::time::Duration::from_secs(self.settings.outbox_interval_secs);
        let store = self.store.clone();
        let max = self.settings.outbox_max_attempts;
        run_courier(self, store, every, max, token).await;
    }
}

#[async_trait::async_trait]
impl Courier for Dispatcher {
    fn name(&self) -> &'static str {
        "email"
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError> {
        self.send(item).await.map(|()| None)
    }
}

/// Delivers outbox entries of some kinds to one place (SMTP, LAPOR!).
#[async_trait::async_trait]
pub trait Courier: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// The outbox kinds this courier delivers; no other worker claims them.
    fn kinds(&self) -> &'static [&'static str];
    /// `Ok(Some(proof))` records what the other side gave back with the `sent` mark.
    async fn deliver(&self, item: &OutboxItem) -> Result<Option<DeliveryProof>, DeliveryError>;
}

/// How long a courier's claim on an entry lasts without renewal: longer than
/// one delivery can take (SMTP and LAPOR! time out sooner).
pub const CLAIM: Duration = Duration::minutes(2);

/// Claims the courier's due entries and delivers them: sent (with proof),
/// retried with backoff, or parked after `max_attempts` or a permanent refusal.
pub async fn deliver_due(
    store: &dyn crate::store::Store,
    courier: &dyn Courier,
    max_attempts: u32,
    now: DateTime<Utc>,
) -> Result<DispatchReport, StoreError> {
    deliver_due_with(store, courier, max_attempts, now, CLAIM).await
}

/// [`deliver_due`] with claims lasting `claim` without renewal.
pub async fn deliver_due_with(
    store: &dyn crate::store::Store,
    courier: &dyn Courier,
    max_attempts: u32,
    now: DateTime<Utc>,
    claim: Duration,
) -> Result<DispatchReport, StoreError> {
    let mut report = DispatchReport::default();
    // The batch is claimed for CLAIM; before each delivery the claim is
    // renewed for another CLAIM from then, and an entry whose claim ran out
    // and was taken by another worker meanwhile is left to it. So a slow
    // server (50 messages × 3 s > 2 min) never makes two workers send one
    // message (docs/adr/0006).
    let claimant = Uuid::now_v7().to_string();
    let items = store
        .claim_outbox(now, now + claim, 50, courier.kinds(), &claimant)
        .await?;
    for item in items {
        if !store
            .renew_outbox_claim(item.id, &claimant, Utc::now() + claim)
            .await?
        {
            report.skipped += 1;
            tracing::info!(outbox_id = %item.id, courier = courier.name(), "claim taken over by another worker; not sent here");
            continue;
        }
        match courier.deliver(&item).await {
            Ok(proof) => {
                store
                    .outbox_delivered(item.id, Utc::now(), proof.as_ref())
                    .await?;
                report.sent += 1;
                tracing::info!(outbox_id = %item.id, kind = %item.kind, courier = courier.name(), "message sent");
            }
            Err(e) => {
                // SMTP replies can quote the recipient: keep addresses out
                // of the log and of what the outbox API shows.
                let permanent = e.is_permanent();
                let e = redact_addresses(&e.to_string());
                let attempts = u32::try_from(item.attempts).unwrap_or(0) + 1;
                let park = attempts >= max_attempts || permanent;
                let retry_at = (!park).then(|| now + backoff(attempts));
                store.outbox_failed(item.id, &e, retry_at).await?;
                if park {
                    report.parked += 1;
                    tracing::error!(outbox_id = %item.id, kind = %item.kind, attempts, error = %e, "message parked");
                } else {
                    report.retried += 1;
                    tracing::warn!(outbox_id = %item.id, kind = %item.kind, attempts, error = %e, "delivery failed; will retry");
                }
            }
        }
    }
    Ok(report)
}

/// Runs `deliver_due` for `courier` every `every` (the first run one
/// interval after start) until `token` is cancelled.
pub async fn run_courier(
    courier: Arc<dyn Courier>,
    store: DynStore,
    every: std::time::Duration,
    max_attempts: u32,
    token: tokio_util::sync::CancellationToken,
) {
    crate::workers::every(every, token, || async {
        if let Err(e) =
            deliver_due(store.as_ref(), courier.as_ref(), max_attempts, Utc::now()).await
        {
            tracing::warn!(courier = courier.name(), error = %e, "outbox run failed");
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_redacted_from_errors() {
        assert_eq!(
            redact_addresses("550 5.1.1 <dewi@example.id>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
        assert!(DeliveryError::Malformed("x".into()).is_permanent());
        assert!(DeliveryError::Refused("404".into()).is_permanent());
        assert!(!DeliveryError::Remote("503".into()).is_permanent());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        // the README's schedule: 30 s after the first failure, doubling
        for (attempts, base) in [(1u32, 30.0), (2, 60.0), (3, 120.0), (20, 3600.0)] {
            let d = backoff(attempts).num_milliseconds() as f64 / 1000.0;
            assert!(d >= base * 0.8 && d <= base * 1.2, "{attempts}: {d}");
        }
    }
}
