//! The complaint: what arrives from a channel, parsed into a value that is
//! valid by construction (identity rules per channel included).

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validation::ValidationErrors;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$var),)+ _ => None }
            }
            /// The accepted names, for error messages.
            pub fn expected() -> String {
                [$($s),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// What the citizen brings: a complaint, an aspiration or a request for information
    /// (LAPOR!'s classifications pengaduan, aspirasi, permintaan informasi).
    Kind {
        Complaint = "complaint",
        Aspiration = "aspiration",
        InformationRequest = "information_request",
    }
);

str_enum!(
    /// How the complaint reached the office.
    Channel {
        FaceToFace = "face_to_face",
        SuggestionBox = "suggestion_box",
        Letter = "letter",
        Email = "email",
        Lapor = "lapor",
        Api = "api",
        /// The office's own web form (`/adukan`).
        Web = "web",
        /// A WhatsApp conversation (the WhatsApp Business Cloud API).
        Whatsapp = "whatsapp",
        /// A Telegram chat with the office's bot (the Bot API).
        Telegram = "telegram",
        /// A text message: a GSM modem (Gammu SMSD) or an HTTP SMS gateway.
        Sms = "sms",
        /// A telephone call, logged at the desk.
        Phone = "phone",
        /// A post, comment or direct message on Facebook, Instagram or X,
        /// registered by staff.
        SocialMedia = "social_media",
        Other = "other",
    }
);

str_enum!(
    /// Where the complaint stands in the office's workflow (alur disposisi).
    Status {
        /// Registered by reception, the liaison officer or an integration.
        Registered = "registered",
        /// Forwarded to the head of office.
        WithHead = "with_head",
        /// Disposed to an official.
        Disposed = "disposed",
        InProgress = "in_progress",
        AnswerDrafted = "answer_drafted",
        InReview = "in_review",
        Approved = "approved",
        /// The answer went out through the original channel.
        Answered = "answered",
        Closed = "closed",
        Reopened = "reopened",
        /// Outside the office's authority: forwarded to another agency (dialihkan).
        Redirected = "redirected",
        /// Duplicate of another complaint.
        Merged = "merged",
        Rejected = "rejected",
    }
);

/// The complainant's identity as given at intake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reporter {
    pub name: Option<String>,
    /// Identity-document number: a 16-digit NIK, or a passport or other document number.
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl Reporter {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.id_number.is_none()
            && self.phone.is_none()
            && self.email.is_none()
            && self.address.is_none()
    }
}

/// References to the complaint in other systems or on paper.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExternalRef {
    /// SP4N-LAPOR! tracking id (numeric).
    pub lapor_tracking_id: Option<String>,
    /// Agenda number of an incoming letter.
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    /// The filing agency's own case id (integration keys; unique per key).
    pub agency_ref: Option<String>,
}

/// Reporter fields as sent by a client, before parsing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// A 16-digit NIK, or a document number of 5 to 20 letters and digits.
    #[schema(pattern = "^([0-9]{16}|[A-Za-z][A-Za-z0-9]{4,19})$")]
    pub id_number: Option<String>,
    /// 6 to 15 digits, an optional leading `+`.
    #[schema(pattern = r"^\+?[0-9]{6,15}$")]
    pub phone: Option<String>,
    #[schema(
        max_length = 254,
        pattern = r"^$|^[^@\s\u0000-\u001f\u007f-\u009f]+@[^@.\s\u0000-\u001f\u007f-\u009f]+(\.[^@.\s\u0000-\u001f\u007f-\u009f]+)+$"
    )]
    pub email: Option<String>,
    #[schema(max_length = 1000)]
    pub address: Option<String>,
}

/// External references as sent by a client, before parsing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalRefInput {
    /// SP4N-LAPOR! tracking id: digits.
    #[schema(pattern = "^[0-9]{1,30}$")]
    pub lapor_tracking_id: Option<String>,
    #[schema(max_length = 200)]
    pub letter_number: Option<String>,
    /// YYYY-MM-DD
    #[schema(value_type = Option<String>, format = Date)]
    pub letter_date: Option<String>,
    /// The filing agency's own case id: up to 100 characters of letters,
    /// digits and `-_./:#`; unique among the complaints one key filed.
    #[schema(max_length = 100, pattern = r"^[A-Za-z0-9][A-Za-z0-9_./:#-]*$")]
    pub agency_ref: Option<String>,
}

/// A new complaint as sent by a client (`POST /api/v1/complaints`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// Defaults to `complaint`.
    #[schema(value_type = Option<Kind>)]
    pub kind: Option<String>,
    #[schema(value_type = Channel)]
    pub channel: Option<String>,
    /// When the office received it (RFC 3339). Defaults to now. The deadline clock starts here.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<String>,
    /// At most 200 characters.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub subject: Option<String>,
    /// At most 20,000 characters (200,000 for a LAPOR! import).
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 20000,
        pattern = r"\S"
    )]
    pub body: Option<String>,
    #[schema(max_length = 200)]
    pub category: Option<String>,
    #[schema(max_length = 1000)]
    pub location: Option<String>,
    /// Hide the reporter's identity from everyone handling the case (only admins see it).
    pub anonymous: Option<bool>,
    /// Never show the content publicly.
    pub confidential: Option<bool>,
    pub reporter: Option<ReporterInput>,
    pub external_ref: Option<ExternalRefInput>,
    /// Face to face only: the answer time agreed with the complainant (RFC 3339),
    /// instead of the standard's 15 minutes.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub agreed_due_at: Option<String>,
}

/// A complaint that passed every intake rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub kind: Kind,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub subject: String,
    pub body: String,
    pub category: Option<String>,
    pub location: Option<String>,
    pub anonymous: bool,
    pub confidential: bool,
    pub reporter: Reporter,
    pub external_ref: ExternalRef,
    /// Face to face: the answer time agreed with the complainant.
    pub agreed_due_at: Option<DateTime<Utc>>,
}

const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 20_000;
/// The longest text of an imported report (LAPOR! holds longer ones than
/// our form accepts; nothing it holds is cut).
pub const MAX_IMPORTED_BODY: usize = 200_000;
const MAX_SHORT: usize = 200;
const MAX_LONG: usize = 1_000;
/// Clock skew tolerated on a client-supplied `received_at`.
const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// Trims; empty becomes `None`; over `max` characters is an error.
fn text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let v = value?;
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    // the length as sent (the API schema's maxLength), not after trimming
    if v.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
        return None;
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.push(field, "must not contain control characters");
        return None;
    }
    Some(t.to_string())
}

fn id_number(errors: &mut ValidationErrors, value: Option<String>) -> Option<String> {
    let v: String = value?
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if v.is_empty() {
        return None;
    }
    let all_digits = v.chars().all(|c| c.is_ascii_digit());
    let ok = if all_digits {
        v.len() == 16
    } else {
        (5..=20).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric())
    };
    if ok {
        Some(v)
    } else if all_digits {
        errors.push("reporter.id_number", "a NIK has exactly 16 digits");
        None
    } else {
        errors.push(
            "reporter.id_number",
            "must be a 16-digit NIK or a document number of 5 to 20 letters and digits",
        );
        None
    }
}

fn phone(errors: &mut ValidationErrors, value: Option<String>) -> Option<String> {
    phone_in(errors, "reporter.phone", value)
}

/// A phone number as written (digits, spaces, dashes, a leading `+`), or the
/// reason on `field`.
pub(crate) fn phone_in(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<String>,
) -> Option<String> {
    let v = value?;
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    let plus = t.starts_with('+');
    let body = if plus { &t[1..] } else { t };
    let mut digits = String::new();
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => {
                errors.push(
                    field,
                    "may contain only digits, spaces, dashes and a leading +",
                );
                return None;
            }
        }
    }
    if !(6..=15).contains(&digits.len()) {
        errors.push(field, "must have 6 to 15 digits");
        return None;
    }
    Some(if plus { format!("+{digits}") } else { digits })
}

pub(crate) fn email(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<String>,
) -> Option<String> {
    let v = value?;
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    let valid = t.chars().count() <= 254
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Some(t.to_string())
    } else {
        errors.push(field, "is not an email address");
        None
    }
}

impl NewComplaint {
    /// Parses client input at `now`, applying every intake rule, including the
    /// identity each channel requires under the office's service standard.
    pub fn parse(input: ComplaintInput, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        Self::parse_with(input, now, false)
    }

    /// Parses a report imported from another platform (SP4N-LAPOR!): the
    /// text may be as long as `MAX_IMPORTED_BODY` (nothing cut that the
    /// platform holds), and the platform's own identity rule is not ours to
    /// enforce — a named report without an address is imported as it is.
    pub fn parse_imported(
        input: ComplaintInput,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        Self::parse_with(input, now, true)
    }

    fn parse_with(
        input: ComplaintInput,
        now: DateTime<Utc>,
        imported: bool,
    ) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::default();

        let kind = match input.kind.as_deref() {
            None => Some(Kind::Complaint),
            Some(s) => Kind::parse(s).or_else(|| {
                e.push("kind", format!("must be one of: {}", Kind::expected()));
                None
            }),
        };
        let channel = match input.channel.as_deref() {
            None => {
                e.push(
                    "channel",
                    format!("is required; one of: {}", Channel::expected()),
                );
                None
            }
            Some(s) => Channel::parse(s).or_else(|| {
                e.push(
                    "channel",
                    format!("must be one of: {}", Channel::expected()),
                );
                None
            }),
        };
        let received_at = match input.received_at.as_deref() {
            None => Some(now),
            Some(s) => match DateTime::parse_from_rfc3339(s) {
                Err(_) => {
                    e.push(
                        "received_at",
                        "must be an RFC 3339 date-time with offset, e.g. 2026-03-02T09:15:00+08:00",
                    );
                    None
                }
                Ok(t) => {
                    let t = t.with_timezone(&Utc);
                    if t > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
                        e.push("received_at", "must not be in the future");
                        None
                    } else if t.timestamp() < 946_684_800 {
                        e.push("received_at", "must not be before the year 2000");
                        None
                    } else {
                        Some(t)
                    }
                }
            },
        }
        .map(|t| t.trunc_subsecs(6));

        let subject = text(&mut e, "subject", input.subject, MAX_SUBJECT);
        if subject.is_none() && !e.0.iter().any(|f| f.field == "subject") {
            e.push("subject", "is required");
        }
        let max_body = if imported {
            MAX_IMPORTED_BODY
        } else {
            MAX_BODY
        };
        let body = text(&mut e, "body", input.body, max_body);
        if body.is_none() && !e.0.iter().any(|f| f.field == "body") {
            e.push("body", "is required");
        }
        let category = text(&mut e, "category", input.category, MAX_SHORT);
        let location = text(&mut e, "location", input.location, MAX_LONG);
        let anonymous = input.anonymous.unwrap_or(false);
        let confidential = input.confidential.unwrap_or(false);

        let r = input.reporter.unwrap_or_default();
        let reporter = Reporter {
            name: text(&mut e, "reporter.name", r.name, MAX_SHORT),
            id_number: id_number(&mut e, r.id_number),
            phone: phone(&mut e, r.phone),
            email: email(&mut e, "reporter.email", r.email),
            address: text(&mut e, "reporter.address", r.address, MAX_LONG),
        };

        let x = input.external_ref.unwrap_or_default();
        let lapor_tracking_id = text(
            &mut e,
            "external_ref.lapor_tracking_id",
            x.lapor_tracking_id,
            30,
        );
        if let Some(id) = &lapor_tracking_id
            && !id.chars().all(|c| c.is_ascii_digit())
        {
            e.push(
                "external_ref.lapor_tracking_id",
                "a LAPOR! tracking id is numeric",
            );
        }
        let letter_number = text(
            &mut e,
            "external_ref.letter_number",
            x.letter_number,
            MAX_SHORT,
        );
        let agency_ref = text(&mut e, "external_ref.agency_ref", x.agency_ref, 100);
        if let Some(r) = &agency_ref
            && !valid_agency_ref(r)
        {
            e.push(
                "external_ref.agency_ref",
                "letters, digits and - _ . / : # only, starting with a letter or digit",
            );
        }
        let letter_date = match x.letter_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > now.date_naive() + Duration::days(1) => {
                    e.push("external_ref.letter_date", "must not be in the future");
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    e.push("external_ref.letter_date", "must be a date YYYY-MM-DD");
                    None
                }
            },
        };

        if let Some(ch) = channel
            && !imported
        {
            identity_rule(&mut e, ch, anonymous, &reporter);
        }
        let agreed_due_at = match input.agreed_due_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if channel.is_some_and(|c| c != Channel::FaceToFace) => {
                e.push(
                    "agreed_due_at",
                    "only a face-to-face complaint has an agreed answer time",
                );
                None
            }
            Some(s) => match DateTime::parse_from_rfc3339(s) {
                Err(_) => {
                    e.push("agreed_due_at", "must be an RFC 3339 date-time with offset");
                    None
                }
                Ok(t) => {
                    let t = t.with_timezone(&Utc).trunc_subsecs(6);
                    match received_at {
                        Some(r) if t <= r => {
                            e.push("agreed_due_at", "must be after received_at");
                            None
                        }
                        Some(r) if t > r + Duration::days(90) => {
                            e.push("agreed_due_at", "must be within 90 days of received_at");
                            None
                        }
                        _ => Some(t),
                    }
                }
            },
        };

        match (kind, channel, received_at, subject, body) {
            (Some(kind), Some(channel), Some(received_at), Some(subject), Some(body))
                if e.is_empty() =>
            {
                Ok(NewComplaint {
                    kind,
                    channel,
                    received_at,
                    subject,
                    body,
                    category,
                    location,
                    anonymous,
                    confidential,
                    reporter,
                    external_ref: ExternalRef {
                        lapor_tracking_id,
                        letter_number,
                        letter_date,
                        agency_ref,
                    },
                    agreed_due_at,
                })
            }
            _ => Err(e),
        }
    }
}

/// The identity each channel requires at intake (Standar Pelayanan Pengaduan
/// Masyarakat): a missing piece is reported on the field the clerk must fill.
fn identity_rule(e: &mut ValidationErrors, channel: Channel, anonymous: bool, r: &Reporter) {
    let already = |e: &ValidationErrors, f: &str| e.0.iter().any(|x| x.field == f);
    let need = |e: &mut ValidationErrors, present: bool, field: &str, why: &str| {
        if !present && !already(e, field) {
            e.push(field, why.to_string());
        }
    };
    match channel {
        Channel::FaceToFace => {
            need(
                e,
                r.name.is_some(),
                "reporter.name",
                "is required for face-to-face complaints",
            );
            need(
                e,
                r.id_number.is_some(),
                "reporter.id_number",
                "is required for face-to-face complaints (identity document shown at the desk)",
            );
        }
        Channel::SuggestionBox => {
            need(
                e,
                r.name.is_some(),
                "reporter.name",
                "is required for suggestion-box complaints",
            );
            if r.address.is_none() && r.phone.is_none() && !already(e, "reporter.phone") {
                need(
                    e,
                    false,
                    "reporter.address",
                    "a suggestion-box complaint needs an address or a phone number",
                );
                need(
                    e,
                    false,
                    "reporter.phone",
                    "a suggestion-box complaint needs an address or a phone number",
                );
            }
        }
        Channel::Letter => {
            need(
                e,
                r.name.is_some(),
                "reporter.name",
                "is required for letters",
            );
            if r.id_number.is_none()
                && r.phone.is_none()
                && !already(e, "reporter.id_number")
                && !already(e, "reporter.phone")
            {
                need(
                    e,
                    false,
                    "reporter.id_number",
                    "a letter needs a copy of an identity document or a phone number",
                );
                need(
                    e,
                    false,
                    "reporter.phone",
                    "a letter needs a copy of an identity document or a phone number",
                );
            }
        }
        Channel::Lapor => {
            if !anonymous {
                need(
                    e,
                    r.name.is_some(),
                    "reporter.name",
                    "is required for LAPOR! reports unless anonymous",
                );
                need(
                    e,
                    r.address.is_some(),
                    "reporter.address",
                    "is required for LAPOR! reports unless anonymous",
                );
            }
        }
        Channel::Email => {
            need(
                e,
                r.email.is_some(),
                "reporter.email",
                "is required for email complaints (the sender address)",
            );
        }
        Channel::Web => {
            // the answer must reach them: a name and a way to reply, unless
            // they chose to stay anonymous (they follow it with the code)
            if !anonymous {
                need(
                    e,
                    r.name.is_some(),
                    "reporter.name",
                    "is required for web complaints unless anonymous",
                );
                if r.email.is_none()
                    && r.phone.is_none()
                    && !already(e, "reporter.email")
                    && !already(e, "reporter.phone")
                {
                    need(
                        e,
                        false,
                        "reporter.email",
                        "a web complaint needs an email address or a phone number unless anonymous",
                    );
                    need(
                        e,
                        false,
                        "reporter.phone",
                        "a web complaint needs an email address or a phone number unless anonymous",
                    );
                }
            }
        }
        Channel::Whatsapp => {
            need(
                e,
                r.phone.is_some(),
                "reporter.phone",
                "is required for WhatsApp complaints (the sender's number)",
            );
        }
        Channel::Sms => {
            need(
                e,
                r.phone.is_some(),
                "reporter.phone",
                "is required for SMS complaints (the sender's number)",
            );
        }
        Channel::Phone => {
            need(
                e,
                r.phone.is_some(),
                "reporter.phone",
                "is required for telephone complaints (the caller's number: the answer goes back to it)",
            );
        }
        Channel::SocialMedia => {
            need(
                e,
                r.name.is_some(),
                "reporter.name",
                "is required for social-media complaints (the account's name)",
            );
        }
        // the chat itself is the way back; a number is optional (shared contact)
        Channel::Telegram | Channel::Api | Channel::Other => {}
    }
}

impl Status {
    /// Still being handled: the deadline runs, reminders and calendar changes apply.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Answered
                | Status::Closed
                | Status::Redirected
                | Status::Merged
                | Status::Rejected
        )
    }

    /// What the complainant reads on the public status page.
    pub fn public_label(self) -> &'static str {
        match self {
            Status::Registered => "Pengaduan diterima dan dicatat",
            Status::WithHead => "Diteruskan kepada Kepala Dinas",
            Status::Disposed => "Didisposisikan kepada pejabat yang berwenang",
            Status::InProgress => "Sedang ditindaklanjuti",
            Status::AnswerDrafted | Status::InReview => "Jawaban sedang disiapkan",
            Status::Approved => "Jawaban telah disetujui dan segera disampaikan",
            Status::Answered => "Jawaban telah disampaikan",
            Status::Closed => "Selesai",
            Status::Reopened => "Dibuka kembali",
            Status::Redirected => "Dialihkan kepada instansi yang berwenang",
            Status::Merged => "Digabungkan dengan pengaduan lain yang sama",
            Status::Rejected => "Tidak dapat ditindaklanjuti",
        }
    }
}

/// An agency's case id as `external_ref.agency_ref` accepts it.
pub fn valid_agency_ref(r: &str) -> bool {
    r.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '#'))
}

/// The public description of a timeline event kind, or `None` if the event is
/// internal and never shown to the complainant.
pub fn public_event_description(kind: &str) -> Option<&'static str> {
    match kind {
        "registered" => Some("Pengaduan diterima dan dicatat"),
        "attachment_added" => Some("Lampiran ditambahkan"),
        "clock_paused" => Some("Menunggu tanggapan atau kelengkapan dari pelapor"),
        "clock_resumed" => Some("Tanggapan pelapor diterima; penanganan dilanjutkan"),
        "deadline_extended" => Some("Batas waktu diperpanjang dengan persetujuan Kepala Dinas"),
        "deadline_changed" => {
            Some("Batas waktu penyelesaian disesuaikan dengan perubahan kalender hari kerja")
        }
        "forwarded_to_head" => Some("Diteruskan kepada Kepala Dinas"),
        "disposed" => Some("Didisposisikan kepada pejabat yang menangani"),
        "answer_approved" => Some("Jawaban telah disetujui Kepala Dinas"),
        "answered" => Some("Jawaban telah disampaikan kepada pelapor"),
        "closed" => Some("Pengaduan selesai dan ditutup"),
        "reopened" => Some("Pengaduan dibuka kembali"),
        "redirected" => Some("Dialihkan kepada instansi yang berwenang"),
        "merged" => Some("Digabungkan dengan pengaduan lain yang sama"),
        "rejected" => Some("Pengaduan tidak dapat ditindaklanjuti"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn input(channel: &str) -> ComplaintInput {
        ComplaintInput {
            channel: Some(channel.into()),
            subject: Some("Bantuan sosial belum diterima".into()),
            body: Some("Sudah tiga bulan PKH tidak cair.".into()),
            ..Default::default()
        }
    }

    fn fields(r: Result<NewComplaint, ValidationErrors>) -> Vec<String> {
        let mut v: Vec<String> = r.unwrap_err().0.into_iter().map(|f| f.field).collect();
        v.sort();
        v
    }

    #[test]
    fn face_to_face_needs_name_and_identity_document() {
        assert_eq!(
            fields(NewComplaint::parse(input("face_to_face"), now())),
            ["reporter.id_number", "reporter.name"]
        );
        let mut ok = input("face_to_face");
        ok.reporter = Some(ReporterInput {
            name: Some("Maria Goreti".into()),
            id_number: Some("5371 0101 0101 0001".into()),
            ..Default::default()
        });
        let c = NewComplaint::parse(ok, now()).unwrap();
        assert_eq!(c.reporter.id_number.as_deref(), Some("5371010101010001"));
        assert_eq!(c.kind, Kind::Complaint);
        assert_eq!(c.received_at, now());
    }

    #[test]
    fn suggestion_box_needs_name_and_address_or_phone() {
        let mut i = input("suggestion_box");
        i.reporter = Some(ReporterInput {
            name: Some("Yohanes".into()),
            ..Default::default()
        });
        assert_eq!(
            fields(NewComplaint::parse(i.clone(), now())),
            ["reporter.address", "reporter.phone"]
        );
        i.reporter.as_mut().unwrap().phone = Some("0812-3456-7890".into());
        assert_eq!(
            NewComplaint::parse(i, now())
                .unwrap()
                .reporter
                .phone
                .as_deref(),
            Some("081234567890")
        );
    }

    #[test]
    fn letter_needs_name_and_identity_or_phone() {
        let mut i = input("letter");
        i.reporter = Some(ReporterInput {
            name: Some("Yohanes".into()),
            address: Some("Kupang".into()),
            ..Default::default()
        });
        assert_eq!(
            fields(NewComplaint::parse(i.clone(), now())),
            ["reporter.id_number", "reporter.phone"]
        );
        i.reporter.as_mut().unwrap().id_number = Some("5371010101010001".into());
        assert!(NewComplaint::parse(i, now()).is_ok());
    }

    #[test]
    fn lapor_needs_name_and_address_unless_anonymous() {
        assert_eq!(
            fields(NewComplaint::parse(input("lapor"), now())),
            ["reporter.address", "reporter.name"]
        );
        let mut anon = input("lapor");
        anon.anonymous = Some(true);
        assert!(NewComplaint::parse(anon, now()).unwrap().anonymous);
    }

    #[test]
    fn email_needs_the_sender_address() {
        assert_eq!(
            fields(NewComplaint::parse(input("email"), now())),
            ["reporter.email"]
        );
        let mut i = input("email");
        i.reporter = Some(ReporterInput {
            email: Some("not-an-address".into()),
            ..Default::default()
        });
        // a malformed address is reported once, as malformed
        let e = NewComplaint::parse(i, now()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].reason, "is not an email address");
    }

    #[test]
    fn api_and_other_need_no_identity() {
        assert!(NewComplaint::parse(input("api"), now()).is_ok());
        assert!(NewComplaint::parse(input("other"), now()).is_ok());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let i = ComplaintInput {
            kind: Some("gripe".into()),
            channel: Some("fax".into()),
            received_at: Some("yesterday".into()),
            subject: Some("  ".into()),
            body: None,
            external_ref: Some(ExternalRefInput {
                letter_date: Some("02/03/2026".into()),
                lapor_tracking_id: Some("ABC".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            fields(NewComplaint::parse(i, now())),
            [
                "body",
                "channel",
                "external_ref.lapor_tracking_id",
                "external_ref.letter_date",
                "kind",
                "received_at",
                "subject"
            ]
        );
    }

    #[test]
    fn received_at_in_the_future_is_refused_and_is_truncated_to_microseconds() {
        let mut i = input("api");
        i.received_at = Some("2026-03-02T03:00:00Z".into());
        assert_eq!(
            fields(NewComplaint::parse(i.clone(), now())),
            ["received_at"]
        );
        i.received_at = Some("2026-03-01T10:00:00.123456789+08:00".into());
        let c = NewComplaint::parse(i, now()).unwrap();
        assert_eq!(
            c.received_at.to_rfc3339(),
            "2026-03-01T02:00:00.123456+00:00"
        );
    }

    #[test]
    fn nik_must_have_sixteen_digits() {
        let mut i = input("face_to_face");
        i.reporter = Some(ReporterInput {
            name: Some("A".into()),
            id_number: Some("537101010101000".into()),
            ..Default::default()
        });
        let e = NewComplaint::parse(i, now()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "reporter.id_number");
    }
}
