use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::{Channel, ExternalRef, Kind, Reporter, Role, Status};

use super::StoreError;

/// Who did something: an API key (and later the officer bound to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub key_id: Option<Uuid>,
    pub name: String,
    pub role: Role,
    /// The officer the key is bound to, with the position they act as.
    pub officer: Option<ActorOfficer>,
}

/// The person and position behind an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorOfficer {
    pub id: Uuid,
    pub name: String,
    /// The officer's own position, or the one acted as for this action.
    pub position_id: Option<Uuid>,
    pub position_title: Option<String>,
    /// `plh` / `plt` when acting for the position.
    pub acting: Option<crate::domain::workflow::ActingKind>,
}

impl Actor {
    /// The service itself (scheduled jobs).
    pub fn system() -> Self {
        Actor {
            key_id: None,
            name: "penjadwal (sistem)".into(),
            role: Role::Admin,
            officer: None,
        }
    }

    /// An operator at the command line.
    pub fn cli() -> Self {
        Actor {
            key_id: None,
            name: "cli".into(),
            role: Role::Admin,
            officer: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: Uuid,
    pub tracking_number: String,
    pub kind: Kind,
    pub channel: Channel,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub subject: String,
    pub body: String,
    pub category: Option<String>,
    pub location: Option<String>,
    pub anonymous: bool,
    pub confidential: bool,
    pub reporter: Reporter,
    pub external_ref: ExternalRef,
    /// The API key that registered it (integrations read only their own).
    pub created_by: Option<Uuid>,
    pub version: i64,
    /// The answer deadline (end of the due day in the office's zone, or the
    /// minute-based / agreed time for face-to-face complaints).
    pub due_at: Option<DateTime<Utc>>,
    /// Working days the deadline was counted with; `None` when not counted in days.
    pub sla_working_days: Option<i32>,
    /// LAPOR! reports: the follow-up deadline on LAPOR!.
    pub lapor_followup_due_at: Option<DateTime<Utc>>,
    /// Set while the clock is stopped waiting for the complainant.
    pub paused_at: Option<DateTime<Utc>>,
    /// Working days added to the SLA: paused days and approved extensions.
    pub extra_working_days: i32,
    /// The position that must act now (the head, a disposition's recipient, a reviewer).
    pub holder_position_id: Option<Uuid>,
    /// Set when merged as a duplicate.
    pub merged_into: Option<Uuid>,
    /// Set when forwarded to another agency (dialihkan).
    pub redirected_to: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ComplaintRow {
    pub id: Uuid,
    pub tracking_number: String,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub subject: String,
    pub body: String,
    pub category: Option<String>,
    pub location: Option<String>,
    pub anonymous: bool,
    pub confidential: bool,
    pub reporter_name: Option<String>,
    pub reporter_id_number: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_address: Option<String>,
    pub lapor_tracking_id: Option<String>,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub created_by: Option<Uuid>,
    pub version: i64,
    pub access_digest: String,
    pub due_at: Option<DateTime<Utc>>,
    pub sla_working_days: Option<i32>,
    pub lapor_followup_due_at: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub extra_working_days: i32,
    pub holder_position_id: Option<Uuid>,
    pub merged_into: Option<Uuid>,
    pub redirected_to: Option<String>,
    pub dek: Option<String>,
    pub agency_ref: Option<String>,
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{v}`"))
}

impl ComplaintRow {
    pub fn into_complaint(
        self,
        vault: &crate::vault::Vault,
    ) -> Result<(Complaint, String), StoreError> {
        let reporter = crate::store::sql::SealedReporter::open(
            vault,
            self.dek.as_deref(),
            Reporter {
                name: self.reporter_name,
                id_number: self.reporter_id_number,
                phone: self.reporter_phone,
                email: self.reporter_email,
                address: self.reporter_address,
            },
        )
        .map_err(|e| StoreError::Corrupt(format!("complaint {}: {e}", self.id)))?;
        let c = Complaint {
            id: self.id,
            kind: Kind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            status: Status::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            tracking_number: self.tracking_number,
            received_at: self.received_at,
            registered_at: self.registered_at,
            updated_at: self.updated_at,
            subject: self.subject,
            body: self.body,
            category: self.category,
            location: self.location,
            anonymous: self.anonymous,
            confidential: self.confidential,
            reporter,
            external_ref: ExternalRef {
                lapor_tracking_id: self.lapor_tracking_id,
                letter_number: self.letter_number,
                letter_date: self.letter_date,
                agency_ref: self.agency_ref,
            },
            created_by: self.created_by,
            version: self.version,
            due_at: self.due_at,
            sla_working_days: self.sla_working_days,
            lapor_followup_due_at: self.lapor_followup_due_at,
            paused_at: self.paused_at,
            extra_working_days: self.extra_working_days,
            holder_position_id: self.holder_position_id,
            merged_into: self.merged_into,
            redirected_to: self.redirected_to,
        };
        Ok((c, self.access_digest))
    }
}

/// One entry of a complaint's timeline (the audit trail; never edited).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Event {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub at: DateTime<Utc>,
    /// e.g. `registered`, `attachment_added`.
    pub kind: String,
    pub actor_key_id: Option<Uuid>,
    pub actor_name: String,
    pub actor_role: String,
    /// Status after the event.
    pub status: String,
    /// Non-personal details as JSON text.
    pub detail: String,
    pub actor_officer_id: Option<Uuid>,
    pub actor_officer_name: Option<String>,
    pub actor_position_id: Option<Uuid>,
    pub actor_position: Option<String>,
    /// `plh` / `plt` when the officer acted for the position.
    pub acting: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    /// The file's data key, sealed by a master key (`None`: a file stored
    /// before encryption, until the sweep seals it). Opaque outside the store.
    pub file_key: Option<String>,
    /// An identity document (a KTP scan): shown only to those who may see
    /// the reporter's identity.
    pub identity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// The first characters of the token, to recognise it in a list.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The officer the key acts for, with their own position.
    pub officer: Option<ActorOfficer>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub officer_id: Option<Uuid>,
    pub officer_name: Option<String>,
    pub position_id: Option<Uuid>,
    pub position_title: Option<String>,
}

impl ApiKeyRow {
    pub fn into_key(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            role: self.role.parse().map_err(|_| corrupt("role", &self.role))?,
            id: self.id,
            name: self.name,
            hint: self.hint,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
            officer: self.officer_id.map(|id| ActorOfficer {
                id,
                name: self.officer_name.unwrap_or_default(),
                position_id: self.position_id,
                position_title: self.position_title,
                acting: None,
            }),
        })
    }
}

/// Position of the last item of a page: lists are ordered newest received first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub received_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub kind: Option<Kind>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Case-insensitive substring of the subject.
    pub subject_contains: Option<String>,
    /// Only complaints registered by this API key.
    pub created_by: Option<Uuid>,
    /// Only the complaint filed under this agency case id.
    pub agency_ref: Option<String>,
    /// Only complaints held by one of these positions (a position, or the
    /// positions of a unit); empty: any holder; [`Uuid::nil`] among them:
    /// not forwarded yet (no holder).
    pub holders: Vec<Uuid>,
    pub after: Option<Cursor>,
    pub limit: u32,
    /// Oldest received first (the cursor then moves forward in time).
    pub oldest_first: bool,
}

/// A saved view of the complaint list (issue 33): a person's own, or
/// shared by an admin with a role.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SavedView {
    pub id: Uuid,
    pub account_id: Option<Uuid>,
    pub role: Option<String>,
    pub name: String,
    /// The list's query string (`status=…&channel=…`).
    pub query: String,
    pub pinned: bool,
    pub created_at: DateTime<Utc>,
}

/// A search of the index (see `SearchStore::search`): every term must
/// match; a term matches its stems (one word, or a phrase in order) in the
/// subject or body, or all its name tags among the complainant's name.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub terms: Vec<SearchTerm>,
    pub limit: u32,
}

#[derive(Debug, Clone, Default)]
pub struct SearchTerm {
    /// Any of these, each stemmed words in order (a phrase when more than
    /// one word).
    pub stems: Vec<Vec<String>>,
    /// Keyed tags of name words; empty: names are not searched.
    pub names: Vec<String>,
}

/// One row of the office calendar (a day off, or a decreed one an admin removed).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: String,
    pub name: String,
    /// `decree` (shipped) or `admin` (added at runtime).
    pub source: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarAction {
    /// Make the date a day off.
    Add {
        kind: crate::domain::calendar::DayKind,
        name: String,
    },
    /// Make the date a working day again.
    Remove,
}

/// A calendar amendment by an admin.
pub struct CalendarChange<'a> {
    pub date: NaiveDate,
    pub action: CalendarAction,
    pub reason: &'a str,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub timezone: chrono_tz::Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarChangeOutcome {
    /// Applied; this many open complaints got a new deadline, the first
    /// [`MOVED_LISTED`] of them listed.
    Applied {
        complaints_moved: u64,
        moved: Vec<MovedDeadline>,
    },
    /// Adding a day that is already off.
    AlreadyOff,
    /// Removing a day that is not off.
    NotOff,
}

/// How many moved deadlines a calendar change lists (it counts them all).
pub const MOVED_LISTED: usize = 200;

/// A complaint whose deadline a calendar change moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedDeadline {
    pub complaint_id: Uuid,
    pub tracking_number: String,
    pub previous_due_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
}

/// The audit record of a calendar amendment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarChangeRecord {
    pub id: Uuid,
    pub date: NaiveDate,
    pub action: String,
    pub kind: String,
    pub name: String,
    pub reason: String,
    pub actor_name: String,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub complaints_moved: i64,
}

/// The SLA policy of one channel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SlaPolicyRow {
    pub channel: String,
    pub working_days: Option<i32>,
    pub minutes: Option<i32>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// Open complaints by deadline, soonest first (overdue and due-soon lists).
#[derive(Debug, Clone)]
pub struct DeadlineQuery {
    /// Deadline at or after this instant.
    pub due_from: Option<DateTime<Utc>>,
    /// Deadline before this instant.
    pub due_before: DateTime<Utc>,
    pub channel: Option<crate::domain::Channel>,
    /// Held by one of these positions (empty: any holder; [`Uuid::nil`]:
    /// not forwarded yet).
    pub holders: Vec<Uuid>,
    /// By LAPOR!'s follow-up deadline instead of the answer's (LAPOR!
    /// complaints only, paused or not).
    pub lapor_followup: bool,
    /// Position after the last item of the previous page: `(due_at, id)`.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: u32,
}

/// What the dashboard counts, at instants the caller chooses.
#[derive(Debug, Clone, Copy)]
pub struct DashboardQuery {
    /// Overdue: clock running and deadline before this instant.
    pub now: DateTime<Utc>,
    /// Due soon: deadline in `[now, soon_before)`.
    pub soon_before: DateTime<Utc>,
    /// LAPOR! follow-ups at risk: open LAPOR! complaints whose follow-up
    /// deadline is before this instant.
    pub lapor_before: DateTime<Utc>,
}

/// The dashboard's figures: whole-table counts, grouped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardFigures {
    /// Every complaint by status (status as stored).
    pub by_status: Vec<(String, i64)>,
    /// Open, clock running, deadline passed: by holder position
    /// (`None`: not forwarded yet).
    pub overdue_by_holder: Vec<(Option<Uuid>, i64)>,
    /// Open, clock running, due in `[now, soon_before)`: by holder.
    pub soon_by_holder: Vec<(Option<Uuid>, i64)>,
    /// Open LAPOR! complaints whose follow-up deadline is before `lapor_before`.
    pub lapor_at_risk: i64,
    /// Of those, the follow-up deadline already passed.
    pub lapor_late: i64,
    /// Every complaint imported from LAPOR! (open or not).
    pub lapor_total: i64,
}

/// One fact a reminder message reports (e.g. `reminder:<complaint>:<holder>:
/// <threshold>:<recipient>`): recorded with the message, reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFact {
    pub key: String,
    pub complaint_id: Uuid,
}

/// A message to one person with the facts it reports.
#[derive(Debug, Clone)]
pub struct NoticeMessage {
    pub outbox: NewOutbox,
    pub recipient: String,
    pub facts: Vec<NoticeFact>,
    /// Written with the message when it is (the same alert on WhatsApp for
    /// an officer who opted in).
    pub also: Vec<NewOutbox>,
}

/// A timeline entry written with the notices of a sweep (only for a
/// complaint of which some fact was new).
#[derive(Debug, Clone)]
pub struct NoticeEvent {
    pub complaint_id: Uuid,
    pub kind: &'static str,
    pub detail: String,
}

/// A message to write to the outbox with a state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbox {
    pub id: Uuid,
    /// e.g. `acknowledgement_email`.
    pub kind: String,
    /// Natural key: at most one message per key, ever (e.g. `ack:<complaint id>`).
    pub dedup_key: String,
    pub complaint_id: Option<Uuid>,
    /// Kind-specific JSON.
    pub payload: String,
}

/// One outbox entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: Uuid,
    pub kind: String,
    pub dedup_key: String,
    pub complaint_id: Option<Uuid>,
    pub payload: String,
    /// pending, sent or parked.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A change to a complaint's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockOp {
    /// Stop the clock: waiting for the complainant.
    Pause { reason: String },
    /// Restart it: the deadline moves by the working days it was stopped.
    Resume { reason: String },
    /// The head of office extends the deadline by this many working days.
    Extend { working_days: u32, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockOutcome {
    Done(Box<Complaint>),
    NotFound,
    /// `If-Match` named another version; the current one is given.
    VersionMismatch(i64),
    /// Not possible in the complaint's current state (why).
    Conflict(&'static str),
    /// This actor may not manage this complaint's clock (why).
    Forbidden(String),
}

/// Outbox kinds written by the workflow (delivered by the email dispatcher
/// and by the LAPOR! integration).
pub const OUTBOX_ANSWER_EMAIL: &str = "answer_email";
pub const OUTBOX_LAPOR_FOLLOWUP: &str = "lapor_followup";
pub const OUTBOX_LAPOR_REROUTE: &str = "lapor_reroute";
/// A message to send on WhatsApp (acknowledgement, guide, staff message,
/// answer, survey invitation, staff alert): `intake::whatsapp::outbound`.
pub const OUTBOX_WHATSAPP_MESSAGE: &str = "whatsapp_message";
/// A photo, document, voice note or video to fetch from WhatsApp.
pub const OUTBOX_WHATSAPP_MEDIA: &str = "whatsapp_media";
/// "Read" (the blue ticks) for a message staff opened.
pub const OUTBOX_WHATSAPP_READ: &str = "whatsapp_read";
/// A message to send to a Telegram chat (the same payloads as WhatsApp's):
/// `intake::telegram::outbound`.
pub const OUTBOX_TELEGRAM_MESSAGE: &str = "telegram_message";
/// A photo or document to fetch from Telegram (`getFile`).
pub const OUTBOX_TELEGRAM_MEDIA: &str = "telegram_media";
/// A text message to send by SMS (the send command or the HTTP gateway):
/// `intake::sms::outbound`.
pub const OUTBOX_SMS_MESSAGE: &str = "sms_message";

/// The outbox kind that carries messages to a person on a message channel.
pub fn chat_message_kind(channel: crate::domain::Channel) -> Option<&'static str> {
    use crate::domain::Channel;
    match channel {
        Channel::Whatsapp => Some(OUTBOX_WHATSAPP_MESSAGE),
        Channel::Telegram => Some(OUTBOX_TELEGRAM_MESSAGE),
        Channel::Sms => Some(OUTBOX_SMS_MESSAGE),
        _ => None,
    }
}

/// A unit of the office (Sekretariat, Bidang …).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgUnit {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Position {
    pub id: Uuid,
    pub unit_id: Option<Uuid>,
    pub title: String,
    pub superior_id: Option<Uuid>,
    pub is_head: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Officer {
    pub id: Uuid,
    pub name: String,
    pub nip: Option<String>,
    pub email: Option<String>,
    pub position_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The officer's WhatsApp number (`wa_id`: digits with the country code).
    pub whatsapp: Option<String>,
    /// They agreed to get reminders and escalations on WhatsApp too.
    pub whatsapp_alerts: bool,
    /// Pangkat/golongan, e.g. "Pembina Tingkat I (IV/b)": the letter's
    /// signature block.
    pub rank: Option<String>,
}

/// Changes to an officer; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OfficerPatch {
    /// `Some(None)` takes the officer off their position.
    pub position_id: Option<Option<Uuid>>,
    pub email: Option<Option<String>>,
    pub active: Option<bool>,
    pub whatsapp: Option<Option<String>>,
    pub whatsapp_alerts: Option<bool>,
    /// `Some(None)` clears the rank.
    pub rank: Option<Option<String>>,
}

/// Plh/Plt: `officer_id` acts for `position_id` from `starts_on` to `ends_on` (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActingAppointment {
    pub id: Uuid,
    pub officer_id: Uuid,
    pub position_id: Uuid,
    pub kind: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ActorOfficer {
    /// The officer as an API key binds them (their own position).
    pub fn of(o: &Officer) -> Self {
        ActorOfficer {
            id: o.id,
            name: o.name.clone(),
            position_id: o.position_id,
            position_title: None,
            acting: None,
        }
    }
}

/// A write to the organisation refused by a constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgOutcome {
    Done,
    /// A uniqueness rule (which one, for the 409).
    Duplicate(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Disposition {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub from_position_id: Uuid,
    pub instruction: String,
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub officer_id: Option<Uuid>,
    pub officer_name: Option<String>,
    pub acting: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub recipients: Vec<DispositionRecipient>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DispositionRecipient {
    pub disposition_id: Uuid,
    pub position_id: Uuid,
    pub is_primary: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub read_by_officer_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnswerDraft {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub version_no: i32,
    pub body: String,
    pub author_position_id: Uuid,
    pub author_officer_id: Option<Uuid>,
    pub author_officer_name: Option<String>,
    pub submitted: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DraftReview {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub draft_id: Uuid,
    pub position_id: Uuid,
    pub decision: String,
    pub note: Option<String>,
    pub officer_id: Option<Uuid>,
    pub officer_name: Option<String>,
    pub acting: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnswerDispatch {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub draft_id: Uuid,
    pub method: String,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub given_at: Option<DateTime<Utc>>,
    /// Social media: the reply's address on the platform.
    pub reply_url: Option<String>,
    pub outbox_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

/// A workflow action to apply in one transaction.
pub struct WorkflowRequest<'a> {
    pub id: Uuid,
    /// From `If-Match` or the body: the action is refused on any other version.
    pub expected_version: i64,
    pub command: &'a crate::domain::workflow::Command,
    pub authority: &'a crate::domain::workflow::Authority,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActOutcome {
    Done(Box<Complaint>),
    NotFound,
    VersionMismatch(i64),
    Refused(crate::domain::workflow::WorkflowError),
}

/// What waits for an officer (and, for the front office, by status).
#[derive(Debug, Clone)]
pub struct InboxQuery {
    pub positions: Vec<Uuid>,
    /// Statuses the caller's role handles whoever holds them (reception, liaison).
    pub statuses: Vec<Status>,
    /// Position after the last item: `(due_at or far future, id)`.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: u32,
}

/// An unread copy (tembusan) of a disposition.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnreadCopy {
    pub disposition_id: Uuid,
    pub complaint_id: Uuid,
    pub position_id: Uuid,
    pub instruction: String,
    pub created_at: DateTime<Utc>,
    pub tracking_number: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// Where an integration stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntegrationState {
    pub name: String,
    pub cursor: Option<String>,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub imported_total: i64,
    pub updated_at: DateTime<Utc>,
    /// JSON `[[at, cursor], …]`: cursors of recent polls (the overlap window).
    pub cursor_trail: Option<String>,
    pub last_reconciled_at: Option<DateTime<Utc>>,
    /// The pass over open complaints' comments goes on after this tracking id.
    pub comments_after: Option<String>,
}

/// Who holds a job lease, since when and until when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LeaseState {
    pub holder: String,
    pub since: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
}

/// What is known of a page of LAPOR! reports (by tracking id).
#[derive(Debug, Default)]
pub struct LaporKnown {
    /// The newest copy applied: `updated_at` and status.
    pub copies: std::collections::HashMap<String, (DateTime<Utc>, String)>,
    pub complaints: std::collections::HashMap<String, Complaint>,
}

/// A new SP4N-LAPOR! report to register with a page of others (one transaction).
pub struct LaporImport<'a> {
    pub create: crate::store::CreateComplaint<'a>,
    pub tracking_id: &'a str,
    pub attachments: &'a [NewLaporAttachment],
    /// The copy to record as applied (`lapor_copies`): its `updated_at` and
    /// status — `None` when applying it takes more than the registration
    /// (a closing, comments): the copy is recorded after that, as alone.
    pub copy: Option<(DateTime<Utc>, &'a str)>,
}

/// An attachment a LAPOR! report lists, with what LAPOR! declared of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLaporAttachment {
    pub remote_id: String,
    pub file_name: String,
    pub content_type: String,
    pub declared_size: Option<u64>,
    /// Hex SHA-256, when LAPOR! gives one.
    pub declared_sha256: Option<String>,
}

/// An item from LAPOR! that could not become a complaint.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QuarantineItem {
    pub id: Uuid,
    pub item_key: String,
    pub tracking_id: Option<String>,
    pub raw: String,
    pub reason: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub times_seen: i32,
    pub resolved_at: Option<DateTime<Utc>>,
    pub complaint_id: Option<Uuid>,
}

/// A LAPOR! attachment to download, with the complaint it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingLaporAttachment {
    pub tracking_id: String,
    pub remote_id: String,
    pub file_name: String,
    pub content_type: String,
    pub attempts: i32,
    pub complaint_id: Uuid,
    pub declared_size: Option<i64>,
    pub declared_sha256: Option<String>,
    /// The first failed try (the retry period counts from it).
    pub first_failed_at: Option<DateTime<Utc>>,
}

/// A LAPOR! attachment not stored after a failed try.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MissingLaporAttachment {
    pub tracking_id: String,
    pub remote_id: String,
    pub file_name: String,
    pub complaint_id: Uuid,
    pub tracking_number: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// `None` when parked.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub first_failed_at: Option<DateTime<Utc>>,
}

impl MissingLaporAttachment {
    /// No more tries (the period is over, or trying cannot help).
    pub fn parked(&self) -> bool {
        self.attempts >= PARKED_ATTEMPTS
    }
}

/// The fields of a complaint LAPOR!'s edit changes (`None`: as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaporEdit {
    pub subject: Option<String>,
    pub body: Option<String>,
    pub category: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub kind: Option<crate::domain::Kind>,
}

impl LaporEdit {
    pub fn is_empty(&self) -> bool {
        *self == LaporEdit::default()
    }
}

/// `attempts` of a parked LAPOR! attachment.
pub const PARKED_ATTEMPTS: i32 = 1000;

/// What the other side gave back for a delivered outbox entry, recorded with
/// the `sent` mark in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryProof {
    /// The dispatch record the proof belongs to (answer dispatches).
    pub dispatch_id: Option<Uuid>,
    /// e.g. the LAPOR! follow-up id.
    pub external_id: String,
    pub complaint_id: Uuid,
    /// The timeline event, e.g. `lapor_followup_posted`.
    pub event: String,
    pub detail: String,
}

/// A change made outside the office (LAPOR! closing or re-routing a report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutsideChange {
    Close,
    Redirect { agency: String },
}

/// A message from the complainant that joins a complaint.
pub struct InboundMessage<'a> {
    /// Natural key, recorded once: `lapor:comment:<id>`, `email:<message-id>`.
    pub source_key: &'a str,
    pub complaint_id: Uuid,
    /// The timeline event kind, e.g. `reporter_replied`.
    pub event: &'a str,
    pub detail: &'a str,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    /// Reopen an answered or closed complaint.
    pub reopen: bool,
    /// A place the complainant shared (a WhatsApp location): becomes the
    /// complaint's location when it has none.
    pub location: Option<&'a str>,
}

/// Mail that could not be used, kept for inspection.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailQuarantine {
    pub id: Uuid,
    /// `pipe` or `imap`.
    pub source: String,
    pub message_id: Option<String>,
    pub reason: String,
    pub size_bytes: i64,
    /// Empty in lists.
    pub raw: Vec<u8>,
    pub received_at: DateTime<Utc>,
}

/// A personal staff account (sign-in with a password, optional TOTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    pub login: String,
    pub role: Role,
    /// The officer the account is bound to, with their own position.
    pub officer: Option<ActorOfficer>,
    /// Whether the officer (if any) is still active.
    pub officer_active: bool,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// Sealed with the keyring's master key (`vault`).
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The person's notifications are mailed to their officer address too.
    pub notify_email: bool,
}

impl Account {
    /// Who acts when this account does: the officer's name (or the login),
    /// the role, and the officer with their own position.
    pub fn actor(&self) -> Actor {
        Actor {
            key_id: None,
            name: self
                .officer
                .as_ref()
                .map_or_else(|| self.login.clone(), |o| o.name.clone()),
            role: self.role,
            officer: self.officer.clone(),
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: Uuid,
    pub login: String,
    pub role: String,
    pub officer_id: Option<Uuid>,
    pub officer_name: Option<String>,
    pub officer_active: Option<bool>,
    pub position_id: Option<Uuid>,
    pub position_title: Option<String>,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub notify_email: bool,
}

impl AccountRow {
    pub fn into_account(self) -> Result<Account, StoreError> {
        Ok(Account {
            role: self.role.parse().map_err(|_| corrupt("role", &self.role))?,
            id: self.id,
            login: self.login,
            officer_active: self.officer_active.unwrap_or(true),
            officer: self.officer_id.map(|id| ActorOfficer {
                id,
                name: self.officer_name.unwrap_or_default(),
                position_id: self.position_id,
                position_title: self.position_title,
                acting: None,
            }),
            password_hash: self.password_hash,
            password_changed_at: self.password_changed_at,
            totp_secret: self.totp_secret,
            totp_enabled: self.totp_enabled,
            totp_last_step: self.totp_last_step,
            active: self.active,
            created_at: self.created_at,
            notify_email: self.notify_email,
        })
    }
}

/// A new account and its first set-password link.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: Uuid,
    pub login: String,
    pub role: Role,
    pub officer_id: Option<Uuid>,
    /// The hash when the password is set at creation (`--password-stdin`).
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOutcome {
    Done,
    LoginTaken,
    UnknownOfficer,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// A signed-in session (the cookie holds the token; the row its digest).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    pub account_id: Uuid,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// Failed sign-ins of one scope (`login:…` or `addr:…`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Throttle {
    pub scope: String,
    pub failures: i32,
    pub last_failure_at: DateTime<Utc>,
    pub locked_at: Option<DateTime<Utc>>,
}

/// One entry of the authentication audit log (never a password or a code).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthAudit {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `sign_in`, `sign_in_failed`, `locked`, `unlocked`, `sign_out`,
    /// `session_ended`, `totp_enabled`, `totp_disabled`, `recovery_code_used`,
    /// `password_set`, `password_link`, `account_created`, `account_changed`,
    /// `officer_deactivated`, `key_revoked`.
    pub kind: String,
    pub account_id: Option<Uuid>,
    pub login: Option<String>,
    /// Who did it (for admin actions).
    pub actor: Option<String>,
    pub address: Option<String>,
    pub detail: String,
}

impl AuthAudit {
    pub fn new(kind: &str, at: DateTime<Utc>) -> Self {
        AuthAudit {
            id: Uuid::now_v7(),
            at,
            kind: kind.to_string(),
            account_id: None,
            login: None,
            actor: None,
            address: None,
            detail: String::new(),
        }
    }
}

/// An entry of the privacy audit: a look-up, export or erasure of a
/// person's data (the identifiers as blind-index values only).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PrivacyAudit {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// search, export, erase, retention or breach.
    pub action: String,
    pub actor_key_id: Option<Uuid>,
    pub actor_name: String,
    pub actor_role: String,
    pub reason: String,
    /// JSON: `[{"kind": "email", "bidx": "…"}]`.
    pub subject: String,
    /// JSON list of complaint ids.
    pub complaint_ids: String,
}

/// An entry of the breach register.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Breach {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub discovered_at: DateTime<Utc>,
    pub occurred_from: DateTime<Utc>,
    pub occurred_to: DateTime<Utc>,
    pub title: String,
    pub description: String,
    pub measures: String,
    /// JSON: what selected the affected complaints.
    pub criteria: String,
    /// JSON list of the affected complaints' ids, frozen when recorded.
    pub affected: String,
    pub recorded_by: String,
}

/// A finished complaint past the retention schedule.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RetentionCandidate {
    pub id: Uuid,
    pub tracking_number: String,
    pub status: String,
    /// Its last change: when it reached its final state (or later).
    pub updated_at: DateTime<Utc>,
}

/// A survey response as stored: no complaint id, no person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRecord {
    pub id: Uuid,
    /// A keyed hash of the complaint's id (one response per complaint).
    pub complaint_key: String,
    /// The office-local day it was submitted.
    pub submitted_on: chrono::NaiveDate,
    pub channel: String,
    /// The unit that handled the complaint (the first disposition's).
    pub unit_id: Option<Uuid>,
    pub survey: crate::domain::skm::Survey,
}

/// Which responses a survey figure counts.
#[derive(Debug, Clone, Default)]
pub struct SurveyQuery {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub channel: Option<String>,
    pub unit_id: Option<Uuid>,
    /// Which service was rated: complaints (the default) or visits.
    pub service: SurveyService,
}

/// The services the survey rates (PermenPANRB 14/2017 measures each
/// service): complaint handling, and the front office's visits (issue 35),
/// whose responses carry the channel [`VISIT_SURVEY_CHANNEL`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SurveyService {
    #[default]
    Complaints,
    Visits,
}

impl SurveyService {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyService::Complaints => "complaints",
            SurveyService::Visits => "visits",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "complaints" => Some(SurveyService::Complaints),
            "visits" => Some(SurveyService::Visits),
            _ => None,
        }
    }
    /// The service's name as the reports print it.
    pub fn label(self) -> &'static str {
        match self {
            SurveyService::Complaints => "Pelayanan pengaduan",
            SurveyService::Visits => "Pelayanan tamu (kunjungan)",
        }
    }
}

/// The channel a visit's survey response is kept under.
pub const VISIT_SURVEY_CHANNEL: &str = "tamu";

/// An integration key's webhook subscription (its secret opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: Uuid,
    pub key_id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub created_at: DateTime<Utc>,
}

/// One delivery of one complaint event to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookDelivery {
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub complaint_id: Uuid,
    pub event: String,
    /// `pending`, `delivered` or `parked`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The receiver answered 2xx.
    pub ok: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
    /// When to try again; `None` and not `ok`: parked.
    pub next: Option<DateTime<Utc>>,
}

/// A sender's conversation on a message channel (docs/adr/0028).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatState {
    /// When they last wrote (the platform's customer-service window starts there).
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The number they shared for themselves (Telegram's contact button).
    pub phone: Option<String>,
    /// Their newest complaint.
    pub thread: Option<ChatThread>,
}

/// The newest complaint a sender opened (`seq` counts them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatThread {
    pub seq: i32,
    pub complaint_id: Uuid,
    pub opened_at: DateTime<Utc>,
    /// `None` while the claim's complaint is still being written (or was
    /// never written: a crash between claim and registration).
    pub complaint: Option<ChatComplaint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatComplaint {
    pub status: crate::domain::Status,
    pub confidential: bool,
    /// The newest answer's dispatch.
    pub answered_at: Option<DateTime<Utc>>,
}

/// A message sent through a message channel, by the platform's id.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChatSent {
    pub message_id: String,
    pub channel: String,
    pub outbox_id: Uuid,
    pub part: i32,
    pub complaint_id: Option<Uuid>,
    /// ack, guide, staff, answer, survey, alert
    pub purpose: String,
    pub template: bool,
    pub sent_at: DateTime<Utc>,
    /// sent, delivered, read or failed
    pub status: String,
    pub status_at: DateTime<Utc>,
    pub error: Option<String>,
}

/// A visit of the guest book, its personal data opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: Uuid,
    pub day: NaiveDate,
    pub seq: i32,
    pub arrived_at: DateTime<Utc>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub origin: Option<String>,
    pub purpose: crate::domain::visit::Purpose,
    pub position_id: Option<Uuid>,
    pub priority: Option<crate::domain::visit::Priority>,
    pub assistance: Option<String>,
    pub note: Option<String>,
    pub state: crate::domain::visit::VisitState,
    pub served_by: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub complaint_id: Option<Uuid>,
    pub created_by: String,
    pub version: i64,
}

impl Visit {
    /// `T-1207-007`.
    pub fn number(&self) -> String {
        crate::domain::visit::visit_number(self.day, i64::from(self.seq))
    }
}

/// A visit to record.
pub struct NewVisitRow<'a> {
    pub id: Uuid,
    pub day: NaiveDate,
    pub arrived_at: DateTime<Utc>,
    pub visit: &'a crate::domain::visit::NewVisit,
    pub created_by: &'a str,
    /// The form's one-time token: the same token finds the visit it made.
    pub form_key: Option<&'a str>,
}

/// An event's seal in the timeline's chain (docs/adr/0034).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Seal {
    pub seq: i64,
    pub event_id: Uuid,
    pub complaint_id: Uuid,
    pub detail_digest: String,
    pub hash: String,
    pub sealed_at: DateTime<Utc>,
}

/// The chain's head at a moment, kept and told outside the database.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
}

/// An outgoing letter's entry in the agenda (its number, never repeated).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgendaEntry {
    pub id: Uuid,
    pub year: i32,
    pub seq: i32,
    pub number: String,
    pub complaint_id: Uuid,
    pub draft_id: Uuid,
    pub created_at: DateTime<Utc>,
}
