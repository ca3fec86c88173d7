//! Persistence behind one interface ([`Store`]), with a SQLite and a
//! PostgreSQL implementation generated from the same SQL (see `sql.rs`).
//!
//! Rules: every state change writes its timeline event in the same
//! transaction; lists use keyset pagination on `(received_at, id)`.

mod files;
pub(crate) mod model;
mod postgres;
pub(crate) mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

pub use files::{AttachmentFiles, FileError, StoredFile, private_dir, restrict};
pub use model::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::domain::{NewComplaint, TrackingPrefix};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("unsupported DATABASE_URL scheme (expected sqlite: or postgres:)")]
    UnsupportedUrl,
    /// The keyring does not match the one that wrote the database.
    #[error("{0}")]
    KeyringMismatch(String),
}

/// Why a batch written in one transaction failed.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Before the commit: the transaction was rolled back, nothing written.
    #[error("batch rolled back: {0}")]
    RolledBack(StoreError),
    /// The commit itself failed: whether it held is unknown.
    #[error("batch commit failed: {0}")]
    Commit(StoreError),
}

impl StoreError {
    /// A uniqueness rule refused the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(e) if sql::is_unique_violation(e))
    }

    /// The database cannot be reached now (down, restarting, unreachable,
    /// every connection busy for longer than the acquire timeout): a caller
    /// should try again shortly, nothing was written.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            // SQLSTATE class 08 (connection exception) and 57 (operator
            // intervention: shutting down, starting up)
            StoreError::Database(sqlx::Error::Database(d)) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57")),
            _ => false,
        }
    }
}

/// The result of a create request.
#[derive(Debug)]
pub enum CreateOutcome {
    Created(Complaint),
    /// The same idempotency key and body were seen before: the original
    /// complaint, the access code as kept for replays (sealed; empty once
    /// purged) and when the key was first used.
    Replayed(Complaint, String, DateTime<Utc>),
    /// The idempotency key was used before with a different body.
    KeyReused,
    /// A complaint with this LAPOR! tracking id exists (it is given).
    DuplicateLapor(Complaint),
    /// The key filed a complaint under this `agency_ref` before (it is given).
    DuplicateAgencyRef(Complaint),
    /// The `source_key` was recorded before (this complaint's id).
    DuplicateSource(Uuid),
}

/// Everything needed to register a complaint in one transaction.
#[derive(Clone)]
pub struct CreateComplaint<'a> {
    pub id: Uuid,
    pub complaint: &'a NewComplaint,
    /// The access code sealed with the server key, kept with an
    /// idempotency key for replays within a short window (then purged).
    pub replay_code: &'a str,
    pub access_digest: &'a str,
    pub prefix: &'a TrackingPrefix,
    /// Registration year (office-local): the tracking sequence restarts every year.
    pub year: i32,
    pub now: DateTime<Utc>,
    pub actor: &'a Actor,
    /// The deadlines computed at intake.
    pub deadline: crate::domain::deadline::Deadline,
    /// A message to the complainant written in the same transaction (the acknowledgement).
    pub outbox: Option<NewOutbox>,
    /// `(key, digest of the request body)` when the client sent `Idempotency-Key`.
    pub idempotency: Option<(&'a str, &'a str)>,
    /// The message it came from (`email:<message-id>`), recorded in
    /// `inbound_messages` in the same transaction: the same message never
    /// makes a second complaint.
    pub source_key: Option<&'a str>,
    /// How the desk received it (a suggestion-box opening: who opened the
    /// box and who witnessed it), kept in the `registered` event. Staff
    /// names only, never the reporter's data.
    pub intake: Option<serde_json::Value>,
}

#[async_trait]
pub trait StoreBase: Send + Sync + 'static {
    fn backend(&self) -> &'static str;
    /// The keyring the store encrypts personal data with (docs/adr/0016).
    fn vault(&self) -> &Arc<crate::vault::Vault>;
    async fn migrate(&self) -> Result<(), StoreError>;
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Complaints: registration (with idempotency), reads, lists, attachments, the clock.
#[async_trait]
pub trait ComplaintStore: Send + Sync {
    async fn create_complaint(&self, req: CreateComplaint<'_>)
    -> Result<CreateOutcome, StoreError>;
    /// Registers several complaints in ONE transaction (a group commit,
    /// docs/adr/0027): all of them, numbered in order, or none (any error
    /// rolls the whole batch back, the tracking counter with it). The
    /// caller checks idempotency keys first and falls back to
    /// `create_complaint` one by one when the batch fails.
    async fn create_complaints(
        &self,
        reqs: &[CreateComplaint<'_>],
    ) -> Result<Vec<Complaint>, BatchError>;
    /// What an idempotency key recorded: `Replayed` for the same body,
    /// `KeyReused` for another; `None` for a key not seen.
    async fn idempotent_outcome(
        &self,
        key_id: Uuid,
        key: &str,
        request_hash: &str,
    ) -> Result<Option<CreateOutcome>, StoreError>;
    async fn get_complaint(&self, id: Uuid) -> Result<Option<Complaint>, StoreError>;
    /// The complaint an integration key filed under its own case id.
    async fn find_by_agency_ref(
        &self,
        key_id: Uuid,
        agency_ref: &str,
    ) -> Result<Option<Complaint>, StoreError>;
    /// The complaint and the digest of its access code.
    async fn find_by_tracking_number(
        &self,
        tracking_number: &str,
    ) -> Result<Option<(Complaint, String)>, StoreError>;
    /// The id and access-code digest of a tracking number (a small row, so a
    /// wrong code and an unknown number cost the same).
    async fn access_digest(
        &self,
        tracking_number: &str,
    ) -> Result<Option<(Uuid, String)>, StoreError>;
    async fn list_complaints(&self, q: &ListQuery) -> Result<Vec<Complaint>, StoreError>;
    /// How many complaints the filter of `q` selects, counting to `cap` at
    /// most (its cursor, order and limit are ignored).
    async fn count_complaints(&self, q: &ListQuery, cap: u32) -> Result<u64, StoreError>;
    async fn timeline(&self, complaint_id: Uuid) -> Result<Vec<Event>, StoreError>;
    /// Open complaints by deadline, soonest first (keyset on `(due_at, id)`).
    async fn list_by_deadline(&self, q: &DeadlineQuery) -> Result<Vec<Complaint>, StoreError>;
    async fn count_by_status(&self) -> Result<Vec<(String, i64)>, StoreError>;
    /// Every complaint received in `[from, to)` as the evaluation summary
    /// needs it (the first dispatch; the first disposition's position in
    /// `unit`, mapped to its unit by the caller).
    async fn report_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::report::ReportRow>, StoreError>;
    /// The dashboard's grouped counts (a scan of the open complaints: the
    /// application caches it, see `app::dashboard`).
    async fn dashboard_figures(&self, q: &DashboardQuery) -> Result<DashboardFigures, StoreError>;
    /// The signed answer letter (from the signing application, or a scan
    /// with a wet signature) as the record of `dispatch_id`: an attachment
    /// with the event `signed_letter_recorded`.
    async fn add_signed_letter(
        &self,
        attachment: &Attachment,
        dispatch_id: Uuid,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    async fn add_attachment(
        &self,
        attachment: &Attachment,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    async fn list_attachments(&self, complaint_id: Uuid) -> Result<Vec<Attachment>, StoreError>;
    async fn get_attachment(
        &self,
        complaint_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Attachment>, StoreError>;
    /// Pauses, resumes or extends a complaint's clock, with its timeline
    /// event, in one transaction; `expected_version` from `If-Match`.
    async fn adjust_clock(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        op: &ClockOp,
        actor: &Actor,
        now: DateTime<Utc>,
        timezone: chrono_tz::Tz,
    ) -> Result<ClockOutcome, StoreError>;
}

/// The working calendar and the SLA policies.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Inserts the shipped decreed days that are not known yet (a day an
    /// admin removed stays removed). Returns how many were new.
    async fn seed_calendar(
        &self,
        days: &[crate::domain::calendar::DayOff],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Every calendar row, active or not, by date.
    async fn calendar_days(&self) -> Result<Vec<CalendarDay>, StoreError>;
    /// Amends the calendar and, in the same transaction, moves the deadline
    /// of every open complaint it changes (with a timeline event each).
    async fn change_calendar(
        &self,
        change: CalendarChange<'_>,
    ) -> Result<CalendarChangeOutcome, StoreError>;
    /// Calendar amendments, newest first.
    async fn calendar_changes(&self, limit: u32) -> Result<Vec<CalendarChangeRecord>, StoreError>;
    async fn sla_policies(&self) -> Result<Vec<SlaPolicyRow>, StoreError>;
    async fn set_sla_policy(
        &self,
        channel: crate::domain::Channel,
        sla: crate::domain::deadline::Sla,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// The outbox (claims, delivery, retries) and job leases.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` pending entries that are due at `now` and not
    /// claimed by another worker, until `lease_until`.
    /// Only entries of the given `kinds` (each worker delivers its own kinds).
    /// `claimant` names the worker; it renews its claim with
    /// [`OutboxStore::renew_outbox_claim`] before each delivery.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        kinds: &[&str],
        claimant: &str,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Extends `claimant`'s claim on a pending entry until `until`; `false`
    /// when the entry is no longer pending or another worker claimed it
    /// since (the lease ran out): then it must not be delivered.
    async fn renew_outbox_claim(
        &self,
        id: Uuid,
        claimant: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Which of `keys` were recorded by [`OutboxStore::record_notices`] before.
    async fn known_notices(&self, keys: &[String]) -> Result<Vec<String>, StoreError>;
    /// Which of these message keys (`dedup_key`) are in the outbox.
    async fn known_messages(&self, dedup_keys: &[String]) -> Result<Vec<String>, StoreError>;
    /// Queues each message with the facts it reports, and the events, in one
    /// transaction. A fact recorded before is not recorded again; a message
    /// none of whose facts is new is not queued; an event is written only for
    /// a complaint with a new fact. Returns the messages queued and the keys
    /// of the facts recorded now.
    async fn record_notices(
        &self,
        messages: &[NoticeMessage],
        events: &[NoticeEvent],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(u64, Vec<String>), StoreError>;
    async fn outbox_sent(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// A failed attempt: retry at `retry_at`, or park the entry when `None`.
    async fn outbox_failed(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
    /// Entries by status (all when `None`), newest first.
    async fn list_outbox(
        &self,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Puts a parked entry back in the queue; `false` if it is not parked.
    async fn retry_outbox(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Writes messages unless their `dedup_key` was written before; when any
    /// is new and `event` is given, records it on that complaint's timeline in
    /// the same transaction. Returns how many were new.
    async fn enqueue_outbox(
        &self,
        items: &[NewOutbox],
        event: Option<(Uuid, &str, &str, &Actor)>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Who holds the lease of job `name` (also when it ran out).
    async fn lease(&self, name: &str) -> Result<Option<LeaseState>, StoreError>;
    /// Takes (or renews) the lease of job `name` for `holder` until `until`
    /// if it is free or already held by `holder`; `true` when held.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Marks an outbox entry sent and records the proof, in one transaction.
    async fn outbox_delivered(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        proof: Option<&DeliveryProof>,
    ) -> Result<(), StoreError>;
    async fn get_outbox(&self, id: Uuid) -> Result<Option<OutboxItem>, StoreError>;
    /// Outbox entries of these kinds by status.
    async fn outbox_counts(&self, kinds: &[&str]) -> Result<Vec<(String, i64)>, StoreError>;
    /// Counts one acknowledgement to the recipient `tag` on office day
    /// `day` and returns the day's count with it (earlier days are deleted
    /// by `purge_expired_records`).
    async fn count_acknowledgement(&self, tag: &str, day: NaiveDate) -> Result<i64, StoreError>;
    /// Forgets the access codes kept for replays of idempotency keys first
    /// used before `before`. Returns how many were purged.
    async fn purge_replay_codes(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Removes access codes (sealed or not) from the payloads of up to
    /// `limit` sent entries. Returns how many were rewritten.
    async fn purge_sent_secrets(&self, limit: u32) -> Result<u64, StoreError>;
}

/// The organisation: units, positions, officers, acting appointments.
#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn create_unit(&self, unit: &OrgUnit) -> Result<OrgOutcome, StoreError>;
    async fn list_units(&self) -> Result<Vec<OrgUnit>, StoreError>;
    /// Only one position may be the head (`positions_one_head`); titles are unique.
    async fn create_position(&self, position: &Position) -> Result<OrgOutcome, StoreError>;
    async fn list_positions(&self) -> Result<Vec<Position>, StoreError>;
    async fn create_officer(&self, officer: &Officer) -> Result<OrgOutcome, StoreError>;
    async fn list_officers(&self) -> Result<Vec<Officer>, StoreError>;
    async fn get_officer(&self, id: Uuid) -> Result<Option<Officer>, StoreError>;
    /// Changes an officer. Deactivating one also, in the same transaction,
    /// revokes every key bound to them, ends the sessions of their accounts
    /// and writes `audit`.
    async fn update_officer(
        &self,
        id: Uuid,
        patch: &OfficerPatch,
        audit: &AuthAudit,
    ) -> Result<Option<Officer>, StoreError>;
    async fn create_acting(&self, a: &ActingAppointment) -> Result<(), StoreError>;
    /// Appointments not revoked and not ended before `from`, by start date.
    async fn list_acting(&self, from: NaiveDate) -> Result<Vec<ActingAppointment>, StoreError>;
    /// `true` if a live appointment was revoked now.
    async fn revoke_acting(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The positions an active officer holds on `day` (office-local): their
    /// own and those they act for. `None` if the officer is unknown or inactive.
    async fn officer_positions(
        &self,
        officer_id: Uuid,
        day: NaiveDate,
    ) -> Result<Option<Vec<crate::domain::workflow::Held>>, StoreError>;
    /// Email addresses of the active officers holding `position` on `day`
    /// (own holders and acting officers).
    async fn position_emails(
        &self,
        position: Uuid,
        day: NaiveDate,
    ) -> Result<Vec<String>, StoreError>;
}

/// The disposition workflow: one action in one transaction, and its records.
#[async_trait]
pub trait WorkflowStore: Send + Sync {
    /// Applies a workflow action (see `domain::workflow::plan`) with its event,
    /// records and outbox entries in one transaction.
    async fn act(&self, req: WorkflowRequest<'_>) -> Result<ActOutcome, StoreError>;
    /// The complaint and the workflow's view of it (to ask
    /// `domain::workflow::available` what may be done now).
    async fn case_state(
        &self,
        id: Uuid,
    ) -> Result<Option<(Complaint, crate::domain::workflow::CaseState)>, StoreError>;
    /// The disposition tree of a complaint (each with its recipients), oldest first.
    async fn dispositions(&self, complaint_id: Uuid) -> Result<Vec<Disposition>, StoreError>;
    /// For each `(complaint, position)`, the newest disposition not withdrawn
    /// that sent the complaint to that position as its primary recipient
    /// (recipients not loaded): one query for a page of the inbox.
    async fn dispositions_to(&self, pairs: &[(Uuid, Uuid)])
    -> Result<Vec<Disposition>, StoreError>;
    async fn drafts(&self, complaint_id: Uuid) -> Result<Vec<AnswerDraft>, StoreError>;
    async fn get_draft(&self, id: Uuid) -> Result<Option<AnswerDraft>, StoreError>;
    async fn draft_reviews(&self, complaint_id: Uuid) -> Result<Vec<DraftReview>, StoreError>;
    async fn dispatches(&self, complaint_id: Uuid) -> Result<Vec<AnswerDispatch>, StoreError>;
    /// Open complaints held by the positions (or in the statuses), oldest deadline first.
    async fn inbox(&self, q: &InboxQuery) -> Result<Vec<Complaint>, StoreError>;
    /// Unread copies of live dispositions to the positions, newest first.
    async fn unread_copies(
        &self,
        positions: &[Uuid],
        limit: u32,
    ) -> Result<Vec<UnreadCopy>, StoreError>;
}

/// SP4N-LAPOR!: integration state, quarantine, attachments to fetch, outside changes.
#[async_trait]
pub trait LaporStore: Send + Sync {
    async fn find_by_lapor_id(&self, tracking_id: &str) -> Result<Option<Complaint>, StoreError>;
    /// What is known of a page of reports, in one query each: the newest
    /// copy applied (`updated_at`, status) and the complaint, by tracking id.
    async fn lapor_known(&self, tracking_ids: &[&str]) -> Result<LaporKnown, StoreError>;
    /// Registers new reports in ONE transaction: per report its attachments
    /// list, its complaint (as `create_complaints`), its quarantine entry
    /// resolved and its copy recorded. All or nothing.
    async fn import_lapor_page(
        &self,
        items: &[LaporImport<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, BatchError>;
    async fn integration_state(&self, name: &str) -> Result<Option<IntegrationState>, StoreError>;
    /// Saves the cursor after a batch is committed.
    async fn set_integration_cursor(
        &self,
        name: &str,
        cursor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Records a poll: success (`error` None) or its error; adds `imported`.
    async fn record_integration_poll(
        &self,
        name: &str,
        now: DateTime<Utc>,
        error: Option<&str>,
        imported: u64,
    ) -> Result<(), StoreError>;
    /// Keeps an item that could not be imported (once per `item_key` while open).
    async fn quarantine_item(
        &self,
        item_key: &str,
        tracking_id: Option<&str>,
        raw: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The open quarantine entry of `item_key` is resolved (imported at last).
    async fn resolve_quarantine(
        &self,
        item_key: &str,
        complaint_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Newest first; open ones only unless `all`.
    async fn list_quarantine(
        &self,
        all: bool,
        limit: u32,
    ) -> Result<Vec<QuarantineItem>, StoreError>;
    async fn get_quarantine(&self, id: Uuid) -> Result<Option<QuarantineItem>, StoreError>;
    /// How many quarantined items are open.
    async fn count_quarantine(&self) -> Result<i64, StoreError>;
    /// Remembers a report's attachments to download (known ones are left alone).
    async fn add_lapor_attachments(
        &self,
        tracking_id: &str,
        items: &[NewLaporAttachment],
    ) -> Result<(), StoreError>;
    /// The newest copy of a report applied: its `updated_at` and status.
    async fn lapor_copy(
        &self,
        tracking_id: &str,
    ) -> Result<Option<(DateTime<Utc>, String)>, StoreError>;
    /// Remembers a copy as applied unless a newer one was.
    async fn save_lapor_copy(
        &self,
        tracking_id: &str,
        updated_at: DateTime<Utc>,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Saves the overlap window's cursors (JSON).
    async fn set_integration_trail(
        &self,
        name: &str,
        trail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn set_integration_reconciled(
        &self,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Where the comment pass goes on (`None`: from the start).
    async fn set_integration_comments_after(
        &self,
        name: &str,
        after: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Open complaints from LAPOR! after `after` by tracking id: `(tracking id, complaint id)`.
    async fn open_lapor_complaints(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Uuid)>, StoreError>;
    /// Complaints imported from LAPOR!, counted.
    async fn count_lapor_complaints(&self) -> Result<i64, StoreError>;
    /// Attachments not downloaded yet whose complaint exists and whose next
    /// try is due at `now`, fewest attempts first.
    async fn pending_lapor_attachments(
        &self,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingLaporAttachment>, StoreError>;
    /// The digests of the fields LAPOR! last gave for a report (JSON), if kept.
    async fn lapor_fields(&self, tracking_id: &str) -> Result<Option<String>, StoreError>;
    async fn save_lapor_fields(&self, tracking_id: &str, fields: &str) -> Result<(), StoreError>;
    /// Applies LAPOR!'s edit of a report to its complaint (the fields set in
    /// `edit`), the search index and the `lapor_report_edited` event, in one
    /// transaction; `false` when the complaint is gone.
    async fn apply_lapor_edit(
        &self,
        complaint_id: Uuid,
        edit: &LaporEdit,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// A report's reporter comments as last seen: (comment id, text digest, gone).
    async fn lapor_comments_seen(
        &self,
        tracking_id: &str,
    ) -> Result<Vec<(String, String, bool)>, StoreError>;
    async fn save_lapor_comment(
        &self,
        tracking_id: &str,
        comment_id: &str,
        digest: &str,
        gone_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
    /// LAPOR! attachments not stored after a failure: (waiting for a try, parked).
    async fn count_lapor_attachments_missing(&self) -> Result<(i64, i64), StoreError>;
    /// LAPOR! attachments that failed at least once and are not stored:
    /// waiting for their next try, or parked — of one complaint, or all
    /// (the liaison's page), oldest failure first.
    async fn lapor_attachments_missing(
        &self,
        complaint_id: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<MissingLaporAttachment>, StoreError>;
    async fn lapor_attachment_done(
        &self,
        tracking_id: &str,
        remote_id: &str,
        attachment_id: Uuid,
    ) -> Result<(), StoreError>;
    /// A failed download, tried again at `next` (`None`: parked, trying
    /// again cannot help or the period is over).
    async fn lapor_attachment_failed(
        &self,
        tracking_id: &str,
        remote_id: &str,
        error: &str,
        next: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Applies a change made outside the office, with its event; `false` if
    /// the complaint is already closed, redirected, merged or rejected.
    async fn change_from_outside(
        &self,
        complaint_id: Uuid,
        change: &OutsideChange,
        event: &str,
        detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// Inbound messages (email replies), counters and the email quarantine.
#[async_trait]
pub trait InboundStore: Send + Sync {
    /// Records a message from the complainant once (by `source_key`) with its
    /// event, reopening an answered or closed complaint when asked. `None` if
    /// it was recorded before.
    async fn record_inbound(&self, m: InboundMessage<'_>) -> Result<Option<Complaint>, StoreError>;
    /// The complaint an inbound message joined or created, if it was seen.
    async fn find_inbound(&self, source_key: &str) -> Result<Option<Uuid>, StoreError>;
    /// The first message recorded for a complaint (the one it came from), e.g. `email:<id>`.
    async fn first_inbound(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError>;
    async fn bump_counter(&self, name: &str) -> Result<(), StoreError>;
    /// Counters whose name starts with `prefix`.
    async fn counters(&self, prefix: &str) -> Result<Vec<(String, i64)>, StoreError>;
    async fn quarantine_email(&self, q: &EmailQuarantine) -> Result<(), StoreError>;
    /// Newest first, without the raw bytes.
    async fn list_email_quarantine(&self, limit: u32) -> Result<Vec<EmailQuarantine>, StoreError>;
}

/// API keys.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn insert_api_key(&self, key: &ApiKey, digest: &str) -> Result<(), StoreError>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    /// `true` if a live key was revoked now.
    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// A live (not revoked) key by the digest of its token.
    async fn find_api_key(&self, digest: &str) -> Result<Option<ApiKey>, StoreError>;
    /// A counter that moves with every change to what a key resolves to
    /// (triggers on keys, officers and positions; `api::keycache`).
    async fn credential_generation(&self) -> Result<i64, StoreError>;
}

/// Personal staff accounts, sessions, two-factor, sign-in throttling, the audit log.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; with `token` (digest, expiry) its first set-password link.
    /// `outbox`: the link sent to the person, in the same transaction.
    async fn create_account(
        &self,
        a: &NewAccount,
        token: Option<(&str, DateTime<Utc>)>,
        outbox: Option<&NewOutbox>,
        audit: &AuthAudit,
    ) -> Result<AccountOutcome, StoreError>;
    async fn get_account(&self, id: Uuid) -> Result<Option<Account>, StoreError>;
    async fn find_account(&self, login: &str) -> Result<Option<Account>, StoreError>;
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// Whether the person's notifications are mailed too.
    async fn set_notify_email(&self, account_id: Uuid, on: bool) -> Result<(), StoreError>;
    /// Changes role or activity; deactivating ends the account's sessions in
    /// the same transaction. `None` if unknown.
    async fn update_account(
        &self,
        id: Uuid,
        patch: &AccountPatch,
        audit: &AuthAudit,
    ) -> Result<Option<Account>, StoreError>;
    /// A new set-password link for the account (earlier unused ones stay valid until they expire).
    async fn add_password_token(
        &self,
        account_id: Uuid,
        digest: &str,
        expires_at: DateTime<Utc>,
        audit: &AuthAudit,
    ) -> Result<(), StoreError>;
    /// Uses a live set-password link once: sets the hash, ends every session
    /// of the account, audits. `None` when the link is unknown, used or expired.
    async fn use_password_token(
        &self,
        digest: &str,
        hash: &str,
        now: DateTime<Utc>,
        audit: &AuthAudit,
    ) -> Result<Option<Account>, StoreError>;
    /// A new password for a signed-in person; ends their other sessions.
    async fn set_password(
        &self,
        account_id: Uuid,
        hash: &str,
        keep_session: Option<Uuid>,
        audit: &AuthAudit,
    ) -> Result<(), StoreError>;
    async fn throttles(&self, scopes: &[&str]) -> Result<Vec<Throttle>, StoreError>;
    /// Counts a failure of each scope — starting again from one where the
    /// last failure was at or before `forget_before` (and lifting its lock);
    /// locks `lock_scope` at `now` once it reaches `lock_after` failures
    /// (unless a lock newer than `forget_before` holds). Returns the rows
    /// after the change.
    async fn throttle_failed(
        &self,
        scopes: &[&str],
        lock_scope: &str,
        lock_after: i32,
        forget_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Throttle>, StoreError>;
    /// Forgets the failures of the scopes, and of every scope starting with
    /// `prefix` (after a sign-in, or an admin's unlock).
    async fn throttle_clear(
        &self,
        scopes: &[&str],
        prefix: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// A successful sign-in: the session, the scopes cleared, the audit entry.
    async fn create_session(
        &self,
        s: &Session,
        digest: &str,
        clear: &[&str],
        audit: &AuthAudit,
    ) -> Result<(), StoreError>;
    /// A live session by the digest of its token, with its account.
    async fn find_session(&self, digest: &str) -> Result<Option<(Session, Account)>, StoreError>;
    async fn touch_session(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Ends one session of the account; `false` if it was not live.
    async fn end_session(
        &self,
        account_id: Uuid,
        id: Uuid,
        audit: &AuthAudit,
    ) -> Result<bool, StoreError>;
    /// Live sessions of the account, newest first.
    async fn list_sessions(&self, account_id: Uuid) -> Result<Vec<Session>, StoreError>;
    /// Stores a sealed TOTP secret waiting for confirmation (not enabled yet).
    async fn set_pending_totp(&self, account_id: Uuid, sealed: &str) -> Result<(), StoreError>;
    /// Enables TOTP with recovery codes (digests), audited.
    async fn enable_totp(
        &self,
        account_id: Uuid,
        step: i64,
        recovery_digests: &[String],
        audit: &AuthAudit,
    ) -> Result<(), StoreError>;
    async fn disable_totp(&self, account_id: Uuid, audit: &AuthAudit) -> Result<(), StoreError>;
    /// Accepts TOTP step `step` once (a replayed code is refused).
    async fn use_totp_step(&self, account_id: Uuid, step: i64) -> Result<bool, StoreError>;
    /// Uses a recovery code once.
    async fn use_recovery_code(
        &self,
        account_id: Uuid,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn count_recovery_codes(&self, account_id: Uuid) -> Result<i64, StoreError>;
    async fn audit(&self, entry: &AuthAudit) -> Result<(), StoreError>;
    /// Newest first, before `(at, id)` when given.
    async fn list_audit(
        &self,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<AuthAudit>, StoreError>;
    /// Keys bound to an officer, newest first.
    async fn officer_keys(&self, officer_id: Uuid) -> Result<Vec<ApiKey>, StoreError>;
}

/// One page of a re-sealing pass (`aduan keys rotate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResealPage {
    /// Rows read.
    pub seen: u64,
    /// Rows now sealed by the primary key.
    pub resealed: u64,
    /// Rows whose value could not be opened (logged).
    pub failed: u64,
    /// The last id read: where the next page starts (`None`: done).
    pub last: Option<Uuid>,
}

/// Upkeep of the encryption at rest (docs/adr/0016).
#[async_trait]
pub trait VaultStore: Send + Sync {
    /// Encrypts the reporter fields of up to `limit` complaints stored before
    /// encryption; returns how many.
    async fn seal_legacy_complaints(&self, limit: u32) -> Result<u64, StoreError>;
    /// Attachments stored before encryption: `(id, complaint id, file name)`.
    async fn legacy_attachments(&self, limit: u32)
    -> Result<Vec<(Uuid, Uuid, String)>, StoreError>;
    /// Records an attachment's new data key and encrypts its name (before
    /// its file is rewritten); false if another process did it first.
    async fn set_attachment_key(
        &self,
        id: Uuid,
        file_key: &str,
        plain_name: &str,
    ) -> Result<bool, StoreError>;
    /// How many rows each sealed column has (`table.column`, rows).
    async fn sealed_rows(&self) -> Result<Vec<(String, i64)>, StoreError>;
    /// The tables of the sealed columns, in the order `reseal_page` takes.
    fn sealed_columns(&self) -> Vec<&'static str>;
    /// Re-seals one page of sealed column number `column` under `primary`.
    async fn reseal_page(
        &self,
        column: usize,
        after: Option<Uuid>,
        limit: u32,
        primary: u32,
    ) -> Result<ResealPage, StoreError>;
    /// How many stored values master key `kid` still seals; `short_lived`
    /// also counts the replay codes (purged after minutes, not re-sealed).
    async fn count_sealed_by(&self, kid: u32, short_lived: bool) -> Result<i64, StoreError>;
    /// The keyring's check values the database recorded (`kid`, value).
    async fn keyring_checks(&self) -> Result<Vec<(u32, String)>, StoreError>;
    /// Records check values not recorded yet (a key recorded before keeps its row).
    async fn record_keyring_checks(
        &self,
        checks: &[(u32, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Forgets a retired master key's check value.
    async fn forget_keyring_check(&self, kid: u32) -> Result<(), StoreError>;
    /// A few sealed values from the first sealed column that holds any
    /// (to tell whether a keyring opens what the database holds).
    async fn sample_sealed(&self, limit: u32) -> Result<Vec<String>, StoreError>;
}

/// The satisfaction survey (SKM): responses and their sums.
#[async_trait]
pub trait SurveyStore: Send + Sync {
    /// Records a response; `false` if one was recorded for the same
    /// `complaint_key` before (nothing is written then).
    async fn submit_survey(&self, r: &SurveyRecord) -> Result<bool, StoreError>;
    async fn survey_submitted(&self, complaint_key: &str) -> Result<bool, StoreError>;
    /// How many responses were submitted on the days `[from, to]` (with the
    /// channel and unit given), and the sum of each element's answers.
    async fn survey_sums(&self, q: &SurveyQuery) -> Result<(u64, [u64; 9]), StoreError>;
}

/// Where the report job stands (one row; ADR 0021).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRefresh {
    /// Events with an id from here on are read again at the next refresh
    /// (a UUIDv7 of a few minutes before the last one: a transaction in
    /// flight then has committed since).
    pub event_from: Uuid,
    pub refreshed_at: DateTime<Utc>,
    /// The last rebuild of every day.
    pub full_at: DateTime<Utc>,
}

/// The evaluation reports' day tallies, kept by the report job (ADR 0021).
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// The first complaint's receipt.
    async fn earliest_received(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// The receipts of complaints a report may count differently now: those
    /// with an event from `event_from` on, and the open ones whose deadline
    /// passed in `[due_from, now)`.
    async fn report_touched(
        &self,
        event_from: Uuid,
        due_from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError>;
    /// Replaces the tallies of the days `[from, to]` (every dimension) with
    /// `rows` (`(dimension, day, key, tally JSON)`), in one transaction.
    async fn replace_report_days(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        rows: &[(String, chrono::NaiveDate, String, String)],
    ) -> Result<(), StoreError>;
    /// The tallies of one dimension on the days `[from, to]`:
    /// `(day, key, tally JSON)`.
    async fn report_days(
        &self,
        dim: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, String, String)>, StoreError>;
    async fn report_refresh(&self) -> Result<Option<ReportRefresh>, StoreError>;
    async fn save_report_refresh(&self, r: &ReportRefresh) -> Result<(), StoreError>;
    /// Open complaints with the clock running that are past their deadline
    /// at `now`, and for each cutoff how many of them are due before it.
    async fn overdue_ageing(
        &self,
        now: DateTime<Utc>,
        cutoffs: &[DateTime<Utc>],
    ) -> Result<(u64, Vec<u64>), StoreError>;
}

/// The data subject's rights, retention and the breach register.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Complaints whose reporter has any of these identifiers (exact match
    /// through the blind index), newest first, at most `limit`.
    async fn find_by_identity(
        &self,
        identifiers: &[(crate::domain::identity::IdentityKind, String)],
        limit: u32,
    ) -> Result<Vec<Complaint>, StoreError>;
    /// Finished, not yet anonymised complaints that reached a state before
    /// its cutoff, by id after `after`.
    async fn retention_candidates(
        &self,
        cutoffs: &[(crate::domain::Status, DateTime<Utc>)],
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<RetentionCandidate>, StoreError>;
    /// Erases a complaint's personal data in one transaction: identity
    /// fields cleared, the identifiers redacted from its texts and events,
    /// identity attachments' rows deleted (their ids returned, for the
    /// files), pending messages to the person cancelled, an event written.
    /// `None` when there is no such complaint or it was anonymised before.
    /// After erasures: leaves no copy of the erased text where the backend
    /// can reach it (SQLite: checkpoint and truncate the WAL, freed pages are
    /// zeroed; PostgreSQL: VACUUM the tables touched). `false` when a reader
    /// kept the WAL from being emptied (it is tried again next time).
    async fn scrub_erased(&self) -> Result<bool, StoreError>;
    /// The operator's step (`aduan privacy scrub`): rewrites what erasures
    /// touched so no byte of the old rows stays in the database's files
    /// (SQLite: VACUUM and an empty WAL; PostgreSQL: VACUUM FULL of those
    /// tables, a checkpoint and a WAL switch — see ADR 0016). Locks them
    /// while it runs.
    async fn scrub_full(&self) -> Result<(), StoreError>;
    async fn anonymise(
        &self,
        id: Uuid,
        event_detail: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Uuid>>, StoreError>;
    async fn add_privacy_audit(&self, a: &PrivacyAudit) -> Result<(), StoreError>;
    async fn list_privacy_audit(&self, limit: u32) -> Result<Vec<PrivacyAudit>, StoreError>;
    /// Complaints holding identity data during a period: registered before
    /// `to` and not anonymised before `from`, of the channels (all if empty).
    async fn breach_candidates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        channels: &[crate::domain::Channel],
    ) -> Result<Vec<Complaint>, StoreError>;
    async fn add_breach(&self, b: &Breach) -> Result<(), StoreError>;
    async fn list_breaches(&self, limit: u32) -> Result<Vec<Breach>, StoreError>;
    async fn get_breach(&self, id: Uuid) -> Result<Option<Breach>, StoreError>;
    /// Deletes idempotency records created before `before`, and sent
    /// messages sent before it whose complaint is finished (or that have
    /// none): `(idempotency records, messages)`.
    async fn purge_expired_records(&self, before: DateTime<Utc>) -> Result<(u64, u64), StoreError>;
}

/// Integrators' webhook subscriptions and their deliveries (ADR 0023).
/// Deliveries are queued by the store itself, in the transaction of each
/// complaint event a subscription asks for.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Adds a subscription (`secret` is sealed at rest).
    async fn insert_webhook(&self, w: &Webhook) -> Result<(), StoreError>;
    /// Active subscriptions, of one key or (None) of all.
    async fn webhooks(&self, key_id: Option<Uuid>) -> Result<Vec<Webhook>, StoreError>;
    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, StoreError>;
    /// Ends a subscription: nothing more is queued for it; its pending
    /// deliveries are parked. False if it was not active.
    async fn delete_webhook(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Claims up to `limit` due deliveries, each the oldest undelivered one
    /// of its subscription and complaint (so events arrive in order), until
    /// `lease_until`.
    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;
    /// Records an attempt: delivered (`next` None and `ok`), retried at
    /// `next`, or parked (`next` None and not `ok`).
    async fn record_webhook_attempt(
        &self,
        subscription_id: Uuid,
        event_id: Uuid,
        attempt: &WebhookAttempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The delivery log of a subscription, newest first; `state` filters.
    async fn webhook_deliveries(
        &self,
        subscription_id: Uuid,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;
    /// Queues a delivery again (parked or delivered) now. False if unknown.
    async fn redeliver_webhook(
        &self,
        subscription_id: Uuid,
        event_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// One timeline event by id.
    async fn event_by_id(&self, id: Uuid) -> Result<Option<Event>, StoreError>;
}

/// Saved views of the complaint list (issue 33).
#[async_trait]
pub trait ViewStore: Send + Sync {
    /// The person's own views and those shared with their role, by name.
    async fn views_for(&self, account_id: Uuid, role: &str) -> Result<Vec<SavedView>, StoreError>;
    async fn add_view(&self, v: &SavedView) -> Result<(), StoreError>;
    /// Deletes a view: the person's own, or (`admin`) a shared one.
    async fn delete_view(
        &self,
        id: Uuid,
        account_id: Uuid,
        admin: bool,
    ) -> Result<bool, StoreError>;
}

/// What setting a complaint's category came to.
#[derive(Debug, Clone)]
pub enum CategoryOutcome {
    Done(Box<Complaint>),
    NotFound,
    /// The complaint is at this version now, not the one expected.
    Stale(i64),
}

/// The office's categories, a managed list (issue 33; `domain::category`).
#[async_trait]
pub trait CategoryStore: Send + Sync {
    /// Every category, active or not, by name.
    async fn list_categories(&self) -> Result<Vec<crate::domain::category::Category>, StoreError>;
    /// Adds a category; `false` when one with its key exists (unchanged).
    async fn add_category(&self, c: &crate::domain::category::Category)
    -> Result<bool, StoreError>;
    /// Offers a category again, or no more; `false` when there is none with `key`.
    async fn set_category_active(&self, key: &str, active: bool) -> Result<bool, StoreError>;
    /// Sets a complaint's category (`None`: none), with a `category_set`
    /// event in the same transaction; `expected_version` checked when given.
    async fn set_complaint_category(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        category: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CategoryOutcome, StoreError>;
    /// The category as first written, when the list's migration respelled it.
    async fn category_original(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError>;
}

/// The console's notification list (issue 33): the events themselves are
/// the notifications; the store keeps who has read which.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Events of `kinds` on these complaints since `since`, oldest first.
    async fn events_of(
        &self,
        complaint_ids: &[Uuid],
        kinds: &[&str],
        since: DateTime<Utc>,
    ) -> Result<Vec<Event>, StoreError>;
    /// Which of these events the account has read.
    async fn read_notifications(
        &self,
        account_id: Uuid,
        event_ids: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Marks the events read for the account (again is harmless).
    async fn mark_notifications_read(
        &self,
        account_id: Uuid,
        event_ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Forgets reads older than `before` (their events left the list).
    async fn prune_notification_reads(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The search index's two catch-up walks over older complaints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchBacklog {
    /// Complaints from before the index (migration 0025) get their entry.
    Entries,
    /// Entries from before the word pairs (migration 0037) get theirs.
    Pairs,
}

impl SearchBacklog {
    /// Its row in `integration_state`.
    pub fn key(self) -> &'static str {
        match self {
            SearchBacklog::Entries => "search_index",
            SearchBacklog::Pairs => "search_pairs",
        }
    }
}

/// Finding complaints by words and names (docs/adr/0029).
#[async_trait]
pub trait SearchStore: Send + Sync {
    /// The complaints whose indexed words match every term, best first
    /// (ADR 0029).
    async fn search(&self, q: &SearchQuery) -> Result<Vec<Complaint>, StoreError>;
    /// The complaints with exactly this tracking number (as `tracking`),
    /// LAPOR! tracking id or letter number (as `raw`).
    async fn find_exact(&self, tracking: &str, raw: &str) -> Result<Vec<Complaint>, StoreError>;
    /// Indexes up to `limit` complaints after `after` (by id) that have no
    /// search entry yet (complaints from before the index); the last id
    /// seen, `None` when there were no more.
    async fn index_backlog(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Option<Uuid>, StoreError>;
    /// Gives up to `limit` entries after `after` (by complaint id) written
    /// before entries held their pairs of adjacent words (PostgreSQL,
    /// migration 0037) their pairs; the last id seen, `None` when there were
    /// no more (SQLite: always `None`, FTS5 keeps positions).
    async fn pair_backlog(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Option<Uuid>, StoreError>;
    /// Where a backlog stands: `Some("done")` once finished.
    async fn search_backlog_cursor(
        &self,
        backlog: SearchBacklog,
    ) -> Result<Option<String>, StoreError>;
    async fn set_search_backlog_cursor(
        &self,
        backlog: SearchBacklog,
        cursor: &str,
    ) -> Result<(), StoreError>;
}

/// The ledger of message-channel conversations, sent messages and their
/// statuses (docs/adr/0028).
#[async_trait]
pub trait ChatStore: Send + Sync {
    /// The sender's newest complaint and when they last wrote.
    async fn chat_state(&self, channel: &str, sender_tag: &str) -> Result<ChatState, StoreError>;
    /// Claims conversation number `seq` of the sender for `complaint_id`
    /// (written right after); `false` when another message claimed it first.
    /// `address`: where its messages go back to when it is not the
    /// complaint's number (a Telegram chat id), kept sealed.
    async fn chat_claim(
        &self,
        channel: &str,
        sender_tag: &str,
        seq: i32,
        complaint_id: Uuid,
        now: DateTime<Utc>,
        address: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// Where a complaint's conversation goes back to (its claim's address).
    async fn chat_address(&self, complaint_id: Uuid) -> Result<Option<String>, StoreError>;
    /// The number a sender shared for themselves (a Telegram contact), kept
    /// sealed for the complaints they open.
    async fn chat_set_phone(
        &self,
        channel: &str,
        sender_tag: &str,
        phone: &str,
    ) -> Result<(), StoreError>;
    /// The sender wrote at `at` (kept when it is newer than what is known).
    async fn chat_touch(
        &self,
        channel: &str,
        sender_tag: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Records a message the platform accepted (once per message id).
    async fn chat_record_sent(&self, sent: &ChatSent) -> Result<(), StoreError>;
    /// The parts of an outbox entry already sent: `(part, message id)`.
    async fn chat_sent_parts(&self, outbox_id: Uuid) -> Result<Vec<(i32, String)>, StoreError>;
    /// A delivery status from the platform. Statuses only move forward
    /// (sent < delivered < read; failed after any). When it moves, an
    /// answer's status (delivered, read, failed) and a failed staff message
    /// are written on the complaint's timeline in the same transaction.
    /// Returns the message and whether its status moved; `None` for a
    /// message we did not send.
    async fn chat_status(
        &self,
        message_id: &str,
        status: &str,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<Option<(ChatSent, bool)>, StoreError>;
    /// Keeps a status for a message not recorded yet (the platform answered
    /// the webhook faster than the send's answer was written).
    async fn chat_status_hold(
        &self,
        message_id: &str,
        status: &str,
        at: DateTime<Utc>,
        error: Option<&str>,
        window_closed: bool,
    ) -> Result<(), StoreError>;
    /// Takes the statuses held for a message: `(status, at, error, window closed)`.
    async fn chat_status_take(
        &self,
        message_id: &str,
    ) -> Result<Vec<(String, DateTime<Utc>, Option<String>, bool)>, StoreError>;
    /// The messages sent about a complaint, oldest first.
    async fn chat_sent_of(&self, complaint_id: Uuid) -> Result<Vec<ChatSent>, StoreError>;
    /// The newest message received for a complaint whose key starts with `prefix`.
    async fn latest_inbound_key(
        &self,
        complaint_id: Uuid,
        prefix: &str,
    ) -> Result<Option<String>, StoreError>;
}

/// The whole store: every concern, implemented by `SqliteStore` and `PgStore`.
pub trait Store:
    StoreBase
    + ComplaintStore
    + CalendarStore
    + OutboxStore
    + OrgStore
    + WorkflowStore
    + LaporStore
    + InboundStore
    + ChatStore
    + SearchStore
    + ViewStore
    + NotificationStore
    + CategoryStore
    + KeyStore
    + AccountStore
    + VaultStore
    + PrivacyStore
    + SurveyStore
    + ReportStore
    + WebhookStore
    + VisitStore
    + AuditStore
    + AgendaStore
{
}

impl<T> Store for T where
    T: StoreBase
        + ComplaintStore
        + CalendarStore
        + OutboxStore
        + OrgStore
        + WorkflowStore
        + LaporStore
        + InboundStore
        + ChatStore
        + SearchStore
        + ViewStore
        + NotificationStore
        + CategoryStore
        + KeyStore
        + AccountStore
        + VaultStore
        + PrivacyStore
        + SurveyStore
        + ReportStore
        + WebhookStore
        + VisitStore
        + AuditStore
        + AgendaStore
{
}

/// The tamper-evident timeline (issue 36, docs/adr/0034): the seals of
/// events in one chain, and its daily checkpoints.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The chain's last seal: `(seq, hash)`.
    async fn chain_head(&self) -> Result<Option<(i64, String)>, StoreError>;
    /// Events without a seal whose id lies in `(after, before)` (ids are
    /// UUIDv7: times), oldest first, with whether their complaint was
    /// anonymised; at most `limit`.
    async fn unsealed_events(
        &self,
        after: Option<Uuid>,
        before: Uuid,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError>;
    /// The largest event id sealed so far.
    async fn last_sealed_event(&self) -> Result<Option<Uuid>, StoreError>;
    /// Appends seals after `(seq, hash)` of the head read before; `false`
    /// (nothing written) if the head moved meanwhile.
    async fn append_seals(&self, seals: &[Seal]) -> Result<bool, StoreError>;
    /// Seals from `from_seq` on, in order, each with its event as it reads
    /// now (`None`: gone) and whether its complaint was anonymised.
    async fn seals_from(
        &self,
        from_seq: i64,
        limit: u32,
    ) -> Result<Vec<(Seal, Option<Event>, bool)>, StoreError>;
    /// A complaint's seals in order, each with the hash before it.
    async fn complaint_seals(&self, complaint_id: Uuid) -> Result<Vec<(Seal, String)>, StoreError>;
    async fn add_checkpoint(&self, c: &Checkpoint) -> Result<bool, StoreError>;
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;
    /// The seal at `seq`'s hash.
    async fn seal_hash(&self, seq: i64) -> Result<Option<String>, StoreError>;
}

/// The outgoing letters' agenda (issue 36).
#[async_trait]
pub trait AgendaStore: Send + Sync {
    /// The draft's entry: the one it has, or the year's next number
    /// (`number(seq)` writes it); a race for a number is settled by the keys
    /// (the loser takes the next one), so no number is given twice.
    async fn letter_for_draft(
        &self,
        complaint_id: Uuid,
        draft_id: Uuid,
        year: i32,
        number: &(dyn Fn(i64) -> String + Send + Sync),
        now: DateTime<Utc>,
    ) -> Result<AgendaEntry, StoreError>;
    /// The draft's entry, if it has one.
    async fn agenda_entry(&self, draft_id: Uuid) -> Result<Option<AgendaEntry>, StoreError>;
    /// A year's entries in order (the agenda book).
    async fn agenda_of_year(&self, year: i32) -> Result<Vec<AgendaEntry>, StoreError>;
}

/// The guest book (issue 35).
#[async_trait]
pub trait VisitStore: Send + Sync {
    /// Records a visit under its office day's next number (a race for a
    /// number is settled by the key: the loser takes the next one).
    async fn insert_visit(&self, v: &NewVisitRow<'_>) -> Result<Visit, StoreError>;
    async fn get_visit(&self, id: Uuid) -> Result<Option<Visit>, StoreError>;
    /// The visits of an office day: priority first, then by arrival.
    async fn visits_on(&self, day: chrono::NaiveDate) -> Result<Vec<Visit>, StoreError>;
    /// Visits still waiting that arrived after `since`, oldest first.
    async fn waiting_visits(&self, since: DateTime<Utc>) -> Result<Vec<Visit>, StoreError>;
    /// Moves a visit to `state` if it is still at `version`; `None` when it
    /// moved meanwhile (or does not exist). Starting records who serves and
    /// when; finishing and cancelling record when.
    async fn set_visit_state(
        &self,
        id: Uuid,
        version: i64,
        state: crate::domain::visit::VisitState,
        served_by: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Visit>, StoreError>;
    /// The unanswered alert went to reception (once: `false` if it had).
    async fn mark_visit_escalated(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The complaint a visit became (once: `false` if it had one).
    async fn link_visit_complaint(&self, id: Uuid, complaint_id: Uuid) -> Result<bool, StoreError>;
    /// Forgets visits that arrived before `before` (retention).
    async fn purge_visits(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// What the visits report counts of the visits of the days `[from, to]`
    /// (nothing sealed is read).
    async fn visit_facts(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<crate::domain::visit::VisitFact>, StoreError>;
    /// Forgets who a visitor was (erasure on request): the name becomes
    /// [`crate::domain::visit::ERASED_NAME`], the rest of their details
    /// empty; the visit itself stays counted. `false` if unknown.
    async fn erase_visit(&self, id: Uuid) -> Result<bool, StoreError>;
}

pub type DynStore = Arc<dyn Store>;

/// Opens the store a `DATABASE_URL` names (`sqlite:…` or `postgres://…`).
/// `acquire_timeout` bounds how long a request waits for a PostgreSQL
/// connection (then the store answers "unavailable"); SQLite is a local file
/// and keeps its own, longer wait for the single writer.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: std::time::Duration,
    vault: Arc<crate::vault::Vault>,
) -> Result<DynStore, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(
            SqliteStore::connect(url, max_connections, vault).await?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            PgStore::connect(url, max_connections, acquire_timeout, vault).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

/// The calendar and SLA policies as the store holds them now.
pub async fn load_policy(
    store: &dyn Store,
) -> Result<
    (
        crate::domain::calendar::WorkingCalendar,
        crate::domain::deadline::SlaPolicies,
    ),
    StoreError,
> {
    use crate::domain::deadline::{Sla, SlaPolicies};
    let calendar = sql::active_calendar(store.calendar_days().await?);
    let mut policies = SlaPolicies::default();
    for row in store.sla_policies().await? {
        if let (Some(ch), Some(sla)) = (
            crate::domain::Channel::parse(&row.channel),
            Sla::from_parts(row.working_days.map(i64::from), row.minutes.map(i64::from)),
        ) {
            policies.set(ch, sla);
        }
    }
    Ok((calendar, policies))
}

/// Prepares a store for use: migrations, the keyring check, then the
/// shipped decreed days.
pub async fn prepare(store: &dyn Store) -> Result<(), StoreError> {
    store.migrate().await?;
    verify_keyring(store).await?;
    let days = crate::domain::calendar::parse_decreed(crate::domain::calendar::DECREED_CSV)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.seed_calendar(&days, Utc::now()).await?;
    Ok(())
}

/// The tables an erasure rewrites (complaint text, timeline details, answer
/// drafts, disposition notes; attachments and messages lose rows).
pub const ERASED_TABLES: &[&str] = &[
    "complaints",
    "complaint_events",
    "answer_drafts",
    "dispositions",
    "attachments",
    "outbox",
];

/// Refuses a keyring that is not the one that wrote the database (issue 31,
/// finding 12; ADR 0016 amendment): every key the database recorded must be
/// in the keyring with the same check value; a database recorded nothing of
/// yet (older versions) must have its sealed values open with this keyring.
/// Keys new to the database (`aduan keys add`) are recorded.
pub async fn verify_keyring(store: &dyn Store) -> Result<(), StoreError> {
    let vault = store.vault().clone();
    let ours = vault.check_values();
    let file = vault
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(in memory)".into());
    let advice = "give this process the keyring file every other replica uses \
                  (ADUAN_SECRET_KEY_FILE; restore it from the backup if it is lost) — \
                  nothing was read or written";
    let recorded = store.keyring_checks().await?;
    let fresh = recorded.is_empty();
    if recorded.is_empty() {
        let sample = store.sample_sealed(3).await?;
        if !sample.is_empty() && sample.iter().all(|v| vault.open(v).is_err()) {
            return Err(StoreError::KeyringMismatch(format!(
                "the keyring {file} does not open the data in this database (it was written \
                 with another keyring): {advice}"
            )));
        }
    } else {
        for (kid, value) in &recorded {
            let what = if *kid == 0 {
                "its index key".to_string()
            } else {
                format!("its key {kid}")
            };
            match ours.iter().find(|(k, _)| k == kid) {
                None => {
                    return Err(StoreError::KeyringMismatch(format!(
                        "the keyring {file} lacks key {kid}, which this database was written \
                         with: {advice}"
                    )));
                }
                Some((_, v)) if v != value => {
                    return Err(StoreError::KeyringMismatch(format!(
                        "the keyring {file} is not the one this database was written with \
                         ({what} differs): {advice}"
                    )));
                }
                Some(_) => {}
            }
        }
    }
    // only what is new to the database: a start writes nothing otherwise
    let new: Vec<(u32, String)> = ours
        .iter()
        .filter(|(k, _)| !recorded.iter().any(|(r, _)| r == k))
        .cloned()
        .collect();
    if !new.is_empty() {
        store.record_keyring_checks(&new, Utc::now()).await?;
    }
    if fresh {
        // two processes with different keyrings starting together on a new
        // database: the first to record wins, the other finds out here
        for (kid, value) in store.keyring_checks().await? {
            if ours.iter().any(|(k, v)| *k == kid && *v != value) {
                return Err(StoreError::KeyringMismatch(format!(
                    "the keyring {file} is not the one another process recorded for this \
                     database a moment ago: {advice}"
                )));
            }
        }
    }
    Ok(())
}
