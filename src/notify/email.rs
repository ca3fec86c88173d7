//! SMTP delivery with lettre.

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use super::DeliveryError;
use super::templates::Rendered;
use crate::config::{SmtpSettings, SmtpTls};

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("SMTP settings: {0}")]
    Settings(String),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(s: &SmtpSettings) -> Result<Self, MailerError> {
        let bad = |e: &dyn std::fmt::Display| MailerError::Settings(e.to_string());
        let mut builder = match s.tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| bad(&e))?,
            SmtpTls::Implicit => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| bad(&e))?
            }
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        }
        .port(s.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: s.from.parse().map_err(|e| bad(&e))?,
        })
    }

    /// Sends one message with files: `mixed(related(alternative(text,
    /// html), inline images), attachments)`.
    pub async fn send_with(
        &self,
        outbox_id: Uuid,
        to: &str,
        m: &Rendered,
        files: &[super::MailAttachment],
    ) -> Result<(), DeliveryError> {
        use base64::Engine;
        use lettre::message::{Attachment, SinglePart};
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| DeliveryError::Malformed(e.to_string()))?;
        let malformed = |e: &dyn std::fmt::Display| DeliveryError::Malformed(e.to_string());
        let part = |f: &super::MailAttachment| -> Result<SinglePart, DeliveryError> {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&f.data)
                .map_err(|e| malformed(&e))?;
            let ct = header::ContentType::parse(&f.content_type).map_err(|e| malformed(&e))?;
            Ok(match &f.inline_id {
                Some(id) => Attachment::new_inline(id.clone()).body(bytes, ct),
                None => Attachment::new(f.filename.clone()).body(bytes, ct),
            })
        };
        let mut related = MultiPart::related().multipart(MultiPart::alternative_plain_html(
            m.text.clone(),
            m.html.clone(),
        ));
        let mut attached = Vec::new();
        for f in files {
            if f.inline_id.is_some() {
                related = related.singlepart(part(f)?);
            } else {
                attached.push(part(f)?);
            }
        }
        let mut mixed = MultiPart::mixed().multipart(related);
        for a in attached {
            mixed = mixed.singlepart(a);
        }
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .message_id(Some(format!("<{outbox_id}@aduan>")))
            .raw_header(header::HeaderValue::new(
                header::HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_string(),
            ))
            .multipart(mixed)
            .map_err(|e| malformed(&e))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError::Smtp(e.to_string()))
    }

    /// Sends one message; its Message-ID derives from the outbox id, so a
    /// repeated delivery after a crash is recognisable as the same message.
    /// Sends with `Message-ID: <outbox id@aduan>`, so replies can be threaded;
    /// `in_reply_to` (a Message-ID without brackets) threads it to the complainant's mail.
    pub async fn send(
        &self,
        outbox_id: Uuid,
        to: &str,
        m: &Rendered,
        in_reply_to: Option<&str>,
    ) -> Result<(), DeliveryError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| DeliveryError::Malformed(e.to_string()))?;
        let mut builder = Message::builder();
        if let Some(id) = in_reply_to {
            builder = builder
                .in_reply_to(format!("<{id}>"))
                .references(format!("<{id}>"));
        }
        let msg = builder
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .message_id(Some(format!("<{outbox_id}@aduan>")))
            .raw_header(header::HeaderValue::new(
                header::HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_string(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                m.text.clone(),
                m.html.clone(),
            ))
            .map_err(|e| DeliveryError::Malformed(e.to_string()))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError::Smtp(e.to_string()))
    }
}
