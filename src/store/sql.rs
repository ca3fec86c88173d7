//! SQL pieces both backends share: column lists, predicates, pure helpers.
//! The queries themselves live in `store/shared/` (one module per concern),
//! compiled once for each backend: `sqlite.rs` and `postgres.rs` each
//! include `shared/` as a child module with their own `Db` and `Backend`
//! type aliases. `$N` placeholders work on PostgreSQL and on SQLite (where
//! sqlx maps `$N` to the N-th argument), and the column types are chosen so
//! that the same `FromRow` structs decode on both.

pub(crate) const COMPLAINT_COLUMNS: &str = "id, tracking_number, kind, channel, status, \
     received_at, registered_at, updated_at, subject, body, category, location, anonymous, \
     confidential, reporter_name, reporter_id_number, reporter_phone, reporter_email, \
     reporter_address, lapor_tracking_id, letter_number, letter_date, created_by, version, \
     access_digest, due_at, sla_working_days, lapor_followup_due_at, paused_at, extra_working_days, \
     holder_position_id, merged_into, redirected_to, dek, agency_ref";

/// SQL for "the complaint is open" (`Status::is_open`); the partial index
/// `complaints_open_due` is defined with the same predicate.
pub(crate) const OPEN_STATUS: &str =
    "status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected')";

pub(crate) const INSERT_EVENT: &str = "INSERT INTO complaint_events \
     (id, complaint_id, at, kind, actor_key_id, actor_name, actor_role, status, detail, \
     actor_officer_id, actor_officer_name, actor_position_id, actor_position, acting) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/// The columns of `complaint_events` in `Event` order.
pub(crate) const EVENT_COLUMNS: &str = "id, complaint_id, at, kind, actor_key_id, actor_name, \
     actor_role, status, detail, actor_officer_id, actor_officer_name, actor_position_id, \
     actor_position, acting";

/// An API key with its officer and the officer's own position.
pub(crate) const API_KEY_SELECT: &str = "SELECT k.id, k.name, k.role, k.hint, k.created_at, \
     k.revoked_at, k.officer_id, o.name AS officer_name, o.position_id, p.title AS position_title \
     FROM api_keys k LEFT JOIN officers o ON o.id = k.officer_id \
     LEFT JOIN positions p ON p.id = o.position_id";

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_contains(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

use chrono::{DateTime, Utc};

use crate::store::{Complaint, CreateComplaint};

/// The working calendar made of the active rows of `calendar_days`.
pub(crate) fn active_calendar(
    days: Vec<crate::store::CalendarDay>,
) -> crate::domain::calendar::WorkingCalendar {
    use crate::domain::calendar::{DayKind, DayOff, WorkingCalendar};
    WorkingCalendar::new(days.into_iter().filter(|d| d.active).filter_map(|d| {
        Some(DayOff {
            kind: DayKind::parse(&d.kind)?,
            date: d.date,
            name: d.name,
        })
    }))
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The columns a new complaint is inserted with; values bound by
/// `bind_new_complaint!` as `$1`..`$24`, `$25`..`$27` after the literal
/// version 1 (`$2` is the backend's choice: the
/// placeholder number on SQLite, the prefix on PostgreSQL).
pub(crate) const NEW_COMPLAINT_COLUMNS: &str = "id, tracking_number, kind, channel, status, \
     received_at, registered_at, updated_at, subject, subject_lower, body, category, \
     location, anonymous, confidential, reporter_name, reporter_id_number, \
     reporter_phone, reporter_email, reporter_address, lapor_tracking_id, \
     letter_number, letter_date, created_by, version, access_digest, due_at, sla_working_days, \
     lapor_followup_due_at, dek, id_number_bidx, phone_bidx, email_bidx, agency_ref";

/// Binds `$1`..`$27` of a new complaint (see `NEW_COMPLAINT_COLUMNS`); the
/// reporter's fields come encrypted from `$sealed` (a `SealedReporter`),
/// which the caller binds last (`dek` and the blind index).
macro_rules! bind_new_complaint {
    ($q:expr, $req:expr, $sealed:expr, $second:expr, $now:expr) => {{
        let c = $req.complaint;
        $q.bind($req.id)
            .bind($second)
            .bind(c.kind.as_str())
            .bind(c.channel.as_str())
            .bind(crate::domain::Status::Registered.as_str())
            .bind(c.received_at)
            .bind($now)
            .bind(&c.subject)
            .bind(c.subject.to_lowercase())
            .bind(&c.body)
            .bind(&c.category)
            .bind(&c.location)
            .bind(c.anonymous)
            .bind(c.confidential)
            .bind(&$sealed.name)
            .bind(&$sealed.id_number)
            .bind(&$sealed.phone)
            .bind(&$sealed.email)
            .bind(&$sealed.address)
            .bind(&c.external_ref.lapor_tracking_id)
            .bind(&c.external_ref.letter_number)
            .bind(c.external_ref.letter_date)
            .bind($req.actor.key_id)
            .bind($req.access_digest)
            .bind($req.deadline.due_at)
            .bind($req.deadline.sla_working_days.map(|d| d as i32))
            .bind($req.deadline.lapor_followup_due_at)
    }};
}
pub(crate) use bind_new_complaint;

/// The reporter's fields as a complaint row keeps them: encrypted with the
/// complaint's own data key (`dek`, sealed by a master key), and the blind
/// index of the NIK, phone and email.
/// What the search index holds of a complaint (ADR 0029): stemmed words of
/// the subject and body, tags of the name's words (none when anonymous).
pub(crate) struct SearchEntry {
    pub subject: String,
    pub body: String,
    pub names: String,
}

impl SearchEntry {
    pub fn new(
        vault: &crate::vault::Vault,
        subject: &str,
        body: &str,
        name: Option<&str>,
        anonymous: bool,
    ) -> Self {
        use crate::domain::search::index_text;
        SearchEntry {
            subject: index_text(subject),
            body: index_text(body),
            names: match name {
                Some(n) if !anonymous => vault.name_tags(n),
                _ => String::new(),
            },
        }
    }

    pub fn of(vault: &crate::vault::Vault, c: &crate::domain::NewComplaint) -> Self {
        Self::new(
            vault,
            &c.subject,
            &c.body,
            c.reporter.name.as_deref(),
            c.anonymous,
        )
    }
}

pub(crate) struct SealedReporter {
    pub dek: String,
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub id_number_bidx: Option<String>,
    pub phone_bidx: Option<String>,
    pub email_bidx: Option<String>,
}

impl SealedReporter {
    pub fn new(vault: &crate::vault::Vault, r: &crate::domain::Reporter) -> Self {
        use crate::domain::identity::IdentityKind;
        let (key, dek) = vault.new_record_key();
        let bidx = |kind, v: &Option<String>| v.as_deref().and_then(|v| vault.blind_index(kind, v));
        SealedReporter {
            name: key.encrypt_opt("reporter_name", r.name.as_deref()),
            id_number: key.encrypt_opt("reporter_id_number", r.id_number.as_deref()),
            phone: key.encrypt_opt("reporter_phone", r.phone.as_deref()),
            email: key.encrypt_opt("reporter_email", r.email.as_deref()),
            address: key.encrypt_opt("reporter_address", r.address.as_deref()),
            id_number_bidx: bidx(IdentityKind::IdNumber, &r.id_number),
            phone_bidx: bidx(IdentityKind::Phone, &r.phone),
            email_bidx: bidx(IdentityKind::Email, &r.email),
            dek,
        }
    }

    /// Opens the fields of a row; a row without a key is from before
    /// encryption (plaintext until the sweep seals it).
    pub fn open(
        vault: &crate::vault::Vault,
        dek: Option<&str>,
        r: crate::domain::Reporter,
    ) -> Result<crate::domain::Reporter, crate::vault::VaultError> {
        let Some(dek) = dek else { return Ok(r) };
        let key = vault.record_key(dek)?;
        Ok(crate::domain::Reporter {
            name: key.decrypt_opt("reporter_name", r.name)?,
            id_number: key.decrypt_opt("reporter_id_number", r.id_number)?,
            phone: key.decrypt_opt("reporter_phone", r.phone)?,
            email: key.decrypt_opt("reporter_email", r.email)?,
            address: key.decrypt_opt("reporter_address", r.address)?,
        })
    }
}

/// The `registered` event's detail (no personal data).
pub(crate) fn registered_detail(req: &CreateComplaint<'_>) -> String {
    let c = req.complaint;
    let mut detail = serde_json::json!({
        "channel": c.channel.as_str(),
        "kind": c.kind.as_str(),
        "received_at": c.received_at,
    });
    if let (Some(intake), Some(map)) = (&req.intake, detail.as_object_mut()) {
        map.insert("intake".into(), intake.clone());
    }
    detail.to_string()
}

/// The complaint as stored by a registration (what a read returns).
pub(crate) fn registered_complaint(
    req: &CreateComplaint<'_>,
    tracking_number: String,
    now: DateTime<Utc>,
) -> Complaint {
    let c = req.complaint;
    Complaint {
        id: req.id,
        tracking_number,
        kind: c.kind,
        channel: c.channel,
        status: crate::domain::Status::Registered,
        received_at: c.received_at,
        registered_at: now,
        updated_at: now,
        subject: c.subject.clone(),
        body: c.body.clone(),
        category: c.category.clone(),
        location: c.location.clone(),
        anonymous: c.anonymous,
        confidential: c.confidential,
        reporter: c.reporter.clone(),
        external_ref: c.external_ref.clone(),
        created_by: req.actor.key_id,
        version: 1,
        due_at: Some(req.deadline.due_at),
        sla_working_days: req.deadline.sla_working_days.map(|d| d as i32),
        lapor_followup_due_at: req.deadline.lapor_followup_due_at,
        paused_at: None,
        extra_working_days: 0,
        holder_position_id: None,
        merged_into: None,
        redirected_to: None,
    }
}

/// `$start, $start+1, …` for `n` values (an `IN (…)` list).
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which uniqueness rule a failed insert broke: PostgreSQL names the
/// constraint, SQLite names `table.column` in its message.
pub(crate) fn broken_unique(
    e: &sqlx::Error,
    rules: &[(&str, &str, &'static str)],
) -> Option<&'static str> {
    let sqlx::Error::Database(d) = e else {
        return None;
    };
    if !d.is_unique_violation() {
        return None;
    }
    let constraint = d.constraint().unwrap_or_default();
    let message = d.message();
    rules
        .iter()
        .find(|(pg, lite, _)| constraint == *pg || message.contains(lite))
        .map(|(_, _, what)| *what)
        .or(Some("duplicate"))
}

pub(crate) const POSITION_COLUMNS: &str = "id, unit_id, title, superior_id, is_head, created_at";
pub(crate) const OFFICER_COLUMNS: &str =
    "id, name, nip, email, position_id, active, created_at, whatsapp, whatsapp_alerts, rank";
pub(crate) const ACTING_COLUMNS: &str =
    "id, officer_id, position_id, kind, starts_on, ends_on, note, created_at, revoked_at";
pub(crate) const DRAFT_COLUMNS: &str = "id, complaint_id, version_no, body, author_position_id, \
     author_officer_id, author_officer_name, submitted, created_at";
pub(crate) const DISPOSITION_COLUMNS: &str = "id, complaint_id, from_position_id, instruction, \
     note, due_at, created_at, officer_id, officer_name, acting, withdrawn_at";

/// Far-future stand-in for "no deadline" in the inbox order.
pub(crate) fn no_deadline() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from_timestamp(253_402_214_400, 0).unwrap_or_default()
}

pub(crate) const QUARANTINE_COLUMNS: &str = "id, item_key, tracking_id, raw, reason, first_seen, \
     last_seen, times_seen, resolved_at, complaint_id";
