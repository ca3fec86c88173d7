//! A raw email → what to do with it. Pure (no I/O): the pipe endpoint, the
//! IMAP poller and the fuzz target all go through `classify`.

use chrono::{DateTime, Utc};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

use crate::domain::{
    ComplaintInput, NewComplaint, ReporterInput, TrackingNumber, ValidationErrors,
};

/// Mail that must never become a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noise {
    /// Out-of-office and other automatic replies.
    AutoReply,
    /// Delivery failures (DSN reports, mailer daemons).
    Bounce,
    /// Mailing lists and bulk mail.
    Bulk,
}

impl Noise {
    pub fn as_str(self) -> &'static str {
        match self {
            Noise::AutoReply => "auto_reply",
            Noise::Bounce => "bounce",
            Noise::Bulk => "bulk",
        }
    }
}

/// Why a message cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("the message is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("not an email message")]
    Unparseable,
    #[error("the message has no sender address (From)")]
    NoSender,
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAttachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A usable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To first, then References (newest last), without angle brackets.
    pub references: Vec<String>,
    pub from_name: Option<String>,
    pub from_address: String,
    pub subject: String,
    /// Plain text (HTML-only mail reduced to text), quoted lines removed.
    pub text: String,
    pub attachments: Vec<EmailAttachment>,
    /// Attachments left out for their size.
    pub skipped_attachments: Vec<String>,
    /// The `Authentication-Results` headers, as they came.
    pub auth_results: Vec<String>,
}

/// What the receiving server found of the sender (RFC 8601), believing only
/// the servers named in `ADUAN_EMAIL_TRUSTED_AUTHSERV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderVerdict {
    /// DMARC passed, or DKIM or SPF passed for the From address's domain.
    Pass,
    /// A trusted server checked and nothing passed.
    Fail,
    /// No trusted server's result: the From address is only a claim.
    Unknown,
}

/// The verdict of the trusted servers' `Authentication-Results` on a
/// message from `from_address`.
pub fn sender_verdict(results: &[String], trusted: &[String], from_address: &str) -> SenderVerdict {
    let from_domain = from_address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let aligned = |d: &str| {
        let d = d.trim().trim_matches(['<', '>', '"']).to_ascii_lowercase();
        let d = d
            .rsplit_once('@')
            .map_or(d.as_str(), |(_, x)| x)
            .to_string();
        !d.is_empty() && (from_domain == d || from_domain.ends_with(&format!(".{d}")))
    };
    let mut checked = false;
    for header in results {
        // comments in parentheses carry nothing we rely on
        let mut plain = String::with_capacity(header.len());
        let mut depth = 0u32;
        for c in header.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                c if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        let mut parts = plain.split(';');
        let authserv = parts
            .next()
            .and_then(|p| p.split_whitespace().next())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !trusted.contains(&authserv) {
            continue;
        }
        for part in parts {
            let mut words = part.split_whitespace();
            let Some((method, result)) = words.next().and_then(|w| w.split_once('=')) else {
                continue;
            };
            let (method, result) = (method.to_ascii_lowercase(), result.to_ascii_lowercase());
            if method == "none" {
                continue;
            }
            checked = true;
            if result != "pass" {
                continue;
            }
            let props: Vec<(String, String)> = words
                .filter_map(|w| w.split_once('='))
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect();
            let prop = |k: &str| props.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str());
            let pass = match method.as_str() {
                "dmarc" => prop("header.from").is_none_or(aligned),
                "dkim" => prop("header.d").or(prop("header.i")).is_some_and(aligned),
                "spf" => prop("smtp.mailfrom").is_some_and(aligned),
                _ => false,
            };
            if pass {
                return SenderVerdict::Pass;
            }
        }
    }
    if checked {
        SenderVerdict::Fail
    } else {
        SenderVerdict::Unknown
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    Noise(Noise),
    Mail(Box<ParsedEmail>),
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    v.as_text_list()
        .map(|l| {
            l.iter()
                .map(|s| s.trim().trim_matches(['<', '>']).to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn noise(m: &mail_parser::Message<'_>) -> Option<Noise> {
    let raw = |name: &str| m.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if m.is_content_type("multipart", "report")
        || m.content_type()
            .and_then(|c| c.attribute("report-type"))
            .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    {
        return Some(Noise::Bounce);
    }
    let from = m
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if from.starts_with("mailer-daemon@") || from.starts_with("postmaster@") {
        return Some(Noise::Bounce);
    }
    if raw("Auto-Submitted").is_some_and(|v| !v.starts_with("no"))
        || raw("X-Autoreply").is_some()
        || raw("X-Autorespond").is_some()
    {
        return Some(Noise::AutoReply);
    }
    match raw("Precedence").as_deref() {
        Some("bulk" | "list") => return Some(Noise::Bulk),
        Some("junk") => return Some(Noise::AutoReply),
        _ => {}
    }
    if raw("List-Id").is_some() || raw("List-Unsubscribe").is_some() {
        return Some(Noise::Bulk);
    }
    let subject = m.subject().unwrap_or_default().to_lowercase();
    let auto = [
        "automatic reply:",
        "auto reply:",
        "autoreply:",
        "out of office",
        "balasan otomatis",
        "sedang cuti",
    ];
    if auto.iter().any(|p| subject.starts_with(p)) {
        return Some(Noise::AutoReply);
    }
    None
}

/// Drops quoted lines (`> …`) and the "On … wrote:" line above them.
fn without_quotes(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with('>') {
            continue;
        }
        let next_quoted = lines
            .get(i + 1)
            .is_some_and(|n| n.trim_start().starts_with('>'));
        if next_quoted && (t.ends_with("wrote:") || t.ends_with("menulis:")) {
            continue;
        }
        out.push(l);
    }
    out.join("\n").trim().to_string()
}

/// Reads a raw message: noise, a usable message, or why not.
pub fn classify(
    raw: &[u8],
    max_bytes: usize,
    max_attachment: usize,
) -> Result<Classified, Unusable> {
    if raw.len() > max_bytes {
        return Err(Unusable::TooLarge { limit: max_bytes });
    }
    let m = MessageParser::default()
        .parse(raw)
        .ok_or(Unusable::Unparseable)?;
    if m.headers().is_empty() {
        return Err(Unusable::Unparseable);
    }
    if let Some(n) = noise(&m) {
        return Ok(Classified::Noise(n));
    }
    let from = m.from().and_then(|a| a.first());
    let from_address = from
        .and_then(|a| a.address())
        .map(str::trim)
        .filter(|a| a.contains('@'))
        .ok_or(Unusable::NoSender)?
        .to_string();
    let from_name = from
        .and_then(|a| a.name())
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.contains('@'))
        .map(str::to_string);
    let mut references = ids(m.in_reply_to());
    for r in ids(m.references()).into_iter().rev() {
        if !references.contains(&r) {
            references.push(r);
        }
    }
    let text = m
        .body_text(0)
        .map(|t| without_quotes(&t))
        .unwrap_or_default();
    let mut attachments = Vec::new();
    let mut skipped = Vec::new();
    for part in m.attachments() {
        if part.is_message() && part.attachment_name().is_none() {
            continue;
        }
        let name = part
            .attachment_name()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "lampiran".to_string());
        let ct = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let bytes = part.contents();
        if bytes.len() > max_attachment {
            skipped.push(name);
            continue;
        }
        attachments.push(EmailAttachment {
            file_name: name,
            content_type: ct,
            bytes: bytes.to_vec(),
        });
    }
    Ok(Classified::Mail(Box::new(ParsedEmail {
        message_id: m
            .message_id()
            .map(|s| s.trim().trim_matches(['<', '>']).to_string())
            .filter(|s| !s.is_empty()),
        references,
        from_name,
        from_address,
        subject: m.subject().unwrap_or_default().trim().to_string(),
        text,
        attachments,
        skipped_attachments: skipped,
        auth_results: m
            .headers()
            .iter()
            .filter(|h| h.name().eq_ignore_ascii_case("Authentication-Results"))
            .filter_map(|h| h.value().as_text().map(str::to_string))
            .collect(),
    })))
}

/// Tracking numbers written in a subject ("Re: [ADU-2026-000123] …").
pub fn tracking_numbers(subject: &str) -> Vec<TrackingNumber> {
    subject
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter_map(TrackingNumber::parse)
        .collect()
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The complaint for a new message (channel `email`).
pub fn to_complaint(p: &ParsedEmail, now: DateTime<Utc>) -> Result<NewComplaint, Unusable> {
    let subject = match p.subject.trim() {
        "" => "(tanpa perihal)".to_string(),
        s => cut(s, 200),
    };
    let body = match p.text.trim() {
        "" if !p.attachments.is_empty() => "(tanpa isi; lihat lampiran)".to_string(),
        "" => "(tanpa isi)".to_string(),
        t => cut(t, 20_000),
    };
    let input = ComplaintInput {
        kind: Some("complaint".into()),
        channel: Some("email".into()),
        received_at: Some(now.to_rfc3339()),
        subject: Some(subject),
        body: Some(body),
        reporter: Some(ReporterInput {
            name: p.from_name.as_deref().map(|n| cut(n, 200)),
            email: Some(p.from_address.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    NewComplaint::parse(input, now).map_err(|e: ValidationErrors| {
        Unusable::Invalid(
            e.0.iter()
                .map(|f| format!("{}: {}", f.field, f.reason))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_trusted_servers_pass_for_the_senders_domain_counts() {
        let trusted = vec!["mx.dinsos.example.go.id".to_string()];
        let v = |h: &str| sender_verdict(&[h.to_string()], &trusted, "siti@example.id");
        assert_eq!(
            v("mx.dinsos.example.go.id; dkim=pass (good) header.d=example.id"),
            SenderVerdict::Pass
        );
        assert_eq!(
            v("MX.dinsos.example.go.id 1; dmarc=pass header.from=example.id"),
            SenderVerdict::Pass
        );
        assert_eq!(
            v("mx.dinsos.example.go.id; spf=pass smtp.mailfrom=x@mail.example.id"),
            SenderVerdict::Fail
        );
        assert_eq!(
            v("mx.dinsos.example.go.id; dkim=pass header.d=penipu.example"),
            SenderVerdict::Fail
        );
        assert_eq!(
            v("mx.dinsos.example.go.id; dkim=fail header.d=example.id"),
            SenderVerdict::Fail
        );
        assert_eq!(v("mx.dinsos.example.go.id; none"), SenderVerdict::Unknown);
        assert_eq!(
            v("mx.penipu.example; dmarc=pass header.from=example.id"),
            SenderVerdict::Unknown
        );
        assert_eq!(
            sender_verdict(&[], &trusted, "siti@example.id"),
            SenderVerdict::Unknown
        );
    }

    use super::*;

    const MB: usize = 1 << 20;

    fn mail(raw: &str) -> ParsedEmail {
        match classify(raw.replace('\n', "\r\n").as_bytes(), 10 * MB, MB).unwrap() {
            Classified::Mail(p) => *p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quoted_printable_latin1_and_encoded_words() {
        let p = mail(
            "From: =?ISO-8859-1?Q?Jos=E9_Sarmento?= <jose@example.id>\nTo: dinsos@example.go.id\n\
             Subject: =?UTF-8?B?QmFudHVhbiBiZWx1bSBkaXRlcmltYSDigJQgbW9ob24=?=\nMessage-ID: <m1@example.id>\n\
             Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n\
             Bantuan sosial untuk Jos=E9 belum diterima sejak Maret.\n",
        );
        assert_eq!(p.from_name.as_deref(), Some("José Sarmento"));
        assert_eq!(p.subject, "Bantuan belum diterima — mohon");
        assert!(p.text.contains("Josê") || p.text.contains("José"));
        assert_eq!(p.message_id.as_deref(), Some("m1@example.id"));
    }

    #[test]
    fn html_only_mail_becomes_text() {
        let p = mail(
            "From: Dewi <dewi@example.id>\nSubject: PKH\nContent-Type: text/html; charset=utf-8\n\n\
             <html><body><p>Bantuan <b>PKH</b> belum cair.</p><script>x()</script></body></html>\n",
        );
        assert!(p.text.contains("Bantuan PKH belum cair"), "{}", p.text);
        assert!(!p.text.contains('<'));
    }

    #[test]
    fn noise_is_recognised() {
        let cases = [
            (
                "Auto-Submitted: auto-replied\nSubject: Re: x",
                Noise::AutoReply,
            ),
            ("Precedence: bulk\nSubject: Newsletter", Noise::Bulk),
            ("Subject: Automatic reply: Pengaduan", Noise::AutoReply),
            ("Subject: Balasan otomatis: sedang cuti", Noise::AutoReply),
            ("List-Id: <warga.example.id>\nSubject: x", Noise::Bulk),
        ];
        for (headers, want) in cases {
            let raw = format!("From: a@example.id\n{headers}\n\nisi\n");
            assert_eq!(
                classify(raw.as_bytes(), MB, MB).unwrap(),
                Classified::Noise(want),
                "{headers}"
            );
        }
        let dsn = "From: MAILER-DAEMON@mx.example.id\nSubject: Undelivered Mail\n\
                   Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\
                   Content-Type: text/plain\n\nfailed\n--b--\n";
        assert_eq!(
            classify(dsn.as_bytes(), MB, MB).unwrap(),
            Classified::Noise(Noise::Bounce)
        );
        // "Auto-Submitted: no" is a person writing
        let raw = "From: a@example.id\nAuto-Submitted: no\nSubject: x\n\nisi\n";
        assert!(matches!(
            classify(raw.as_bytes(), MB, MB).unwrap(),
            Classified::Mail(_)
        ));
    }

    #[test]
    fn threads_and_tracking_numbers_are_read() {
        let p = mail(
            "From: a@example.id\nSubject: Re: [DINSOS-2026-000042] Pengaduan\n\
             In-Reply-To: <ack-1@aduan>\nReferences: <first@example.id> <ack-1@aduan>\n\n\
             Terima kasih.\n\nPada Senin, Dinsos menulis:\n> Pengaduan Anda telah kami terima\n",
        );
        assert_eq!(p.references, vec!["ack-1@aduan", "first@example.id"]);
        assert_eq!(p.text, "Terima kasih.");
        let n = tracking_numbers(&p.subject);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].to_string(), "DINSOS-2026-000042");
    }

    #[test]
    fn limits_and_broken_input_give_reasons_not_panics() {
        assert_eq!(
            classify(&[b'x'; 100], 10, 10),
            Err(Unusable::TooLarge { limit: 10 })
        );
        assert!(classify(b"", MB, MB).is_err());
        assert_eq!(
            classify(b"Subject: no sender\r\n\r\nhello", MB, MB),
            Err(Unusable::NoSender)
        );
        for junk in [
            &b"\xff\xfe\x00garbage"[..],
            b"::::\r\n\r\n",
            b"From: <>\r\n\r\n",
        ] {
            let _ = classify(junk, MB, MB);
        }
    }

    #[test]
    fn attachments_keep_non_ascii_names_and_respect_the_size_limit() {
        let raw = "From: a@example.id\nSubject: foto\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\
                   Content-Type: text/plain\n\nterlampir\n--b\nContent-Type: image/jpeg\n\
                   Content-Disposition: attachment; filename*=UTF-8''%E7%85%A7%E7%89%87%20rumah.jpg\n\
                   Content-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRg==\n--b\nContent-Type: application/pdf\n\
                   Content-Disposition: attachment; filename=\"besar.pdf\"\nContent-Transfer-Encoding: base64\n\n\
                   JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4K\n--b--\n";
        let raw = raw.replace('\n', "\r\n");
        let Classified::Mail(p) = classify(raw.as_bytes(), MB, 20).unwrap() else {
            panic!()
        };
        assert_eq!(p.attachments.len(), 1);
        assert_eq!(p.attachments[0].file_name, "照片 rumah.jpg");
        assert_eq!(p.attachments[0].content_type, "image/jpeg");
        assert_eq!(p.skipped_attachments, vec!["besar.pdf"]);
        let c = to_complaint(&p, Utc::now()).unwrap();
        assert_eq!(c.subject, "foto");
        assert_eq!(c.reporter.email.as_deref(), Some("a@example.id"));
    }
}
