//! The disposition chain (alur disposisi) as an explicit state machine.
//!
//! [`transition`] is the table: which action may move a complaint from which
//! status to which. [`plan`] adds who may do it (the position an officer
//! holds, or acts for as Plh/Plt that day; or the role of the key for the
//! front-office actions) and what to write. The store executes a [`Plan`] in
//! one transaction, with the complaint's version checked. Nothing here
//! touches a database or the network.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::complaint::{Channel, Status, str_enum};
use super::role::Role;

str_enum!(
    /// An action on a complaint's workflow.
    Action {
        ForwardToHead = "forward_to_head",
        Dispose = "dispose",
        ReadDisposition = "read_disposition",
        WithdrawDisposition = "withdraw_disposition",
        SaveDraft = "save_draft",
        SubmitDraft = "submit_draft",
        Approve = "approve",
        Return = "return",
        Dispatch = "dispatch",
        Close = "close",
        Reopen = "reopen",
        Redirect = "redirect",
        Merge = "merge",
        Reject = "reject",
    }
);

str_enum!(
    /// How an officer holds a position: acting appointments only (an
    /// officer's own position has none).
    ActingKind {
        /// Pelaksana Harian: stands in while the holder is away.
        Plh = "plh",
        /// Pelaksana Tugas: fills a vacant position.
        Plt = "plt",
    }
);

str_enum!(
    /// How an approved answer reached the complainant.
    DispatchMethod {
        /// Follow-up posted to SP4N-LAPOR! (through the outbox).
        Lapor = "lapor",
        /// Answer emailed (through the outbox).
        Email = "email",
        /// Outgoing letter, by number and date.
        Letter = "letter",
        /// Given in person, by whom and when.
        InPerson = "in_person",
        /// Returned to the system of the agency that filed it over the API
        /// (its webhooks and `GET …/progress` carry the answer).
        Agency = "agency",
        /// Sent to the complainant's WhatsApp (through the outbox): a text
        /// inside the customer-service window, the approved template outside it.
        Whatsapp = "whatsapp",
        /// Sent to the complainant's Telegram chat (through the outbox).
        Telegram = "telegram",
        /// Sent as SMS to the complainant's number (through the outbox).
        Sms = "sms",
        /// Told on the telephone: who called, and when.
        Phone = "phone",
        /// Answered on the platform by staff: the reply's address.
        SocialMedia = "social_media",
    }
);

/// Statuses from which the office can still decide on the complaint before
/// an answer is drafted (redirect, merge).
const UNDECIDED: &[Status] = &[
    Status::Registered,
    Status::WithHead,
    Status::Disposed,
    Status::InProgress,
    Status::Reopened,
];

/// The transition table: the status after `action` from `from`, or `None`
/// when the action is not possible there. Actions with two outcomes name
/// both (see [`plan`] for which one applies).
pub fn transition(from: Status, action: Action) -> Option<&'static [Status]> {
    use Status::*;
    let to: &'static [Status] = match (action, from) {
        (Action::ForwardToHead, Registered | Reopened) => &[WithHead],
        (Action::Dispose, WithHead | Disposed | InProgress) => &[Disposed],
        // the primary recipient's receipt starts the work; a copy's changes nothing
        (Action::ReadDisposition, Disposed) => &[InProgress, Disposed],
        (Action::ReadDisposition, InProgress | AnswerDrafted | InReview) => {
            &[InProgress, AnswerDrafted, InReview]
        }
        (Action::WithdrawDisposition, Disposed) => &[WithHead, InProgress],
        (Action::SaveDraft, Disposed | InProgress | AnswerDrafted) => &[AnswerDrafted],
        (Action::SubmitDraft, AnswerDrafted) => &[InReview],
        (Action::Approve, InReview) => &[InReview, Approved],
        (Action::Return, InReview) => &[InProgress],
        (Action::Dispatch, Approved) => &[Answered],
        (Action::Close, Answered) => &[Closed],
        (Action::Reopen, Answered | Closed) => &[Reopened],
        (Action::Redirect, s) if UNDECIDED.contains(&s) => &[Redirected],
        (Action::Merge, s) if UNDECIDED.contains(&s) => &[Merged],
        (Action::Reject, Registered | WithHead | Reopened) => &[Rejected],
        _ => return None,
    };
    Some(to)
}

/// One position in the organisation chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionNode {
    pub id: Uuid,
    pub superior: Option<Uuid>,
    pub is_head: bool,
    pub title: String,
}

/// The organisation chart: positions and who is whose superior.
#[derive(Debug, Clone, Default)]
pub struct OrgChart {
    nodes: HashMap<Uuid, PositionNode>,
}

impl OrgChart {
    pub fn new(nodes: impl IntoIterator<Item = PositionNode>) -> Self {
        OrgChart {
            nodes: nodes.into_iter().map(|n| (n.id, n)).collect(),
        }
    }

    pub fn head(&self) -> Option<Uuid> {
        self.nodes.values().find(|n| n.is_head).map(|n| n.id)
    }

    pub fn get(&self, id: Uuid) -> Option<&PositionNode> {
        self.nodes.get(&id)
    }

    pub fn title(&self, id: Uuid) -> &str {
        self.nodes.get(&id).map_or("?", |n| n.title.as_str())
    }

    /// The superiors of `p`, nearest first, up to the top. Stops at a cycle.
    pub fn chain_above(&self, p: Uuid) -> Vec<Uuid> {
        let mut out = Vec::new();
        let mut cur = self.nodes.get(&p).and_then(|n| n.superior);
        while let Some(s) = cur {
            if s == p || out.contains(&s) || out.len() > self.nodes.len() {
                break;
            }
            out.push(s);
            cur = self.nodes.get(&s).and_then(|n| n.superior);
        }
        out
    }

    /// `p` is somewhere under `ancestor` in the hierarchy.
    pub fn is_below(&self, p: Uuid, ancestor: Uuid) -> bool {
        self.chain_above(p).contains(&ancestor)
    }

    /// The approval path of a draft written at `p`: each superior in turn,
    /// ending with the head of office. `None` if the chain does not reach the head.
    pub fn approval_path(&self, p: Uuid) -> Option<Vec<Uuid>> {
        let chain = self.chain_above(p);
        let head = self.head()?;
        let at = chain.iter().position(|s| *s == head)?;
        Some(chain[..=at].to_vec())
    }

    /// Would giving `p` the superior `superior` make a cycle?
    pub fn would_cycle(&self, p: Uuid, superior: Uuid) -> bool {
        superior == p || self.is_below(superior, p)
    }
}

/// The position a disposition of the complaint comes from: the head for
/// what is with the head, otherwise whoever holds it. Dispositions go to
/// positions below this one.
pub fn disposer(status: Status, holder: Option<Uuid>, org: &OrgChart) -> Option<Uuid> {
    if status == Status::WithHead {
        org.head()
    } else {
        holder
    }
}

/// A position the calling officer may act as now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Held {
    pub position: Uuid,
    /// `Some` when the officer acts for the position (Plh/Plt) today.
    pub acting: Option<ActingKind>,
}

/// Who is acting: the key's role and, when the key is bound to an officer,
/// the positions the officer holds today (own and acting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub role: Role,
    pub officer: Option<Uuid>,
    pub positions: Vec<Held>,
}

impl Authority {
    pub fn holds(&self, p: Uuid) -> Option<Held> {
        self.positions.iter().copied().find(|h| h.position == p)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientState {
    pub position: Uuid,
    pub primary: bool,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionState {
    pub id: Uuid,
    pub from_position: Uuid,
    pub recipients: Vec<RecipientState>,
    pub withdrawn: bool,
}

impl DispositionState {
    fn primary(&self) -> Option<Uuid> {
        self.recipients
            .iter()
            .find(|r| r.primary)
            .map(|r| r.position)
    }
}

/// The newest answer draft of a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftState {
    pub id: Uuid,
    pub version_no: i32,
    pub author_position: Uuid,
    /// Submitted and not yet returned (in review or approved).
    pub submitted: bool,
}

/// What the workflow needs to know of a complaint.
#[derive(Debug, Clone)]
pub struct CaseState {
    pub id: Uuid,
    pub status: Status,
    pub channel: Channel,
    /// The position that must act now, if any.
    pub holder: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub has_reporter_email: bool,
    /// The complainant's number is known (WhatsApp answers go to it).
    pub has_reporter_phone: bool,
    pub has_lapor_id: bool,
    /// Oldest first.
    pub dispositions: Vec<DispositionState>,
    pub latest_draft: Option<DraftState>,
    /// For a merge: the status of the complaint to merge into (`None` if unknown).
    pub merge_target: Option<Status>,
}

/// The record of how an approved answer went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchInput {
    /// Defaults to the channel's own way back.
    pub method: Option<DispatchMethod>,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub given_at: Option<DateTime<Utc>>,
    /// Social media: the address of the reply staff posted on the platform.
    pub reply_url: Option<String>,
    pub note: Option<String>,
}

/// A workflow command, already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    ForwardToHead {
        note: Option<String>,
    },
    Dispose {
        to: Uuid,
        copies: Vec<Uuid>,
        instruction: String,
        note: Option<String>,
        /// Internal due date for the recipient; not after the complaint's deadline.
        due_at: Option<DateTime<Utc>>,
    },
    ReadDisposition {
        disposition: Uuid,
    },
    WithdrawDisposition {
        disposition: Uuid,
    },
    SaveDraft {
        body: String,
    },
    SubmitDraft {
        note: Option<String>,
    },
    Approve {
        note: Option<String>,
    },
    Return {
        note: String,
    },
    Dispatch(DispatchInput),
    Close {
        note: Option<String>,
    },
    Reopen {
        reason: String,
    },
    Redirect {
        agency: String,
        reason: String,
    },
    Merge {
        into: Uuid,
        reason: Option<String>,
    },
    Reject {
        reason: String,
    },
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::ForwardToHead { .. } => Action::ForwardToHead,
            Command::Dispose { .. } => Action::Dispose,
            Command::ReadDisposition { .. } => Action::ReadDisposition,
            Command::WithdrawDisposition { .. } => Action::WithdrawDisposition,
            Command::SaveDraft { .. } => Action::SaveDraft,
            Command::SubmitDraft { .. } => Action::SubmitDraft,
            Command::Approve { .. } => Action::Approve,
            Command::Return { .. } => Action::Return,
            Command::Dispatch(_) => Action::Dispatch,
            Command::Close { .. } => Action::Close,
            Command::Reopen { .. } => Action::Reopen,
            Command::Redirect { .. } => Action::Redirect,
            Command::Merge { .. } => Action::Merge,
            Command::Reject { .. } => Action::Reject,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    Submitted,
    Approved,
    Returned,
}

impl ReviewDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Submitted => "submitted",
            ReviewDecision::Approved => "approved",
            ReviewDecision::Returned => "returned",
        }
    }
}

/// What the store writes besides the complaint's new status and holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    InsertDisposition {
        id: Uuid,
        from_position: Uuid,
        instruction: String,
        note: Option<String>,
        due_at: Option<DateTime<Utc>>,
        /// `(position, primary)`, primary first.
        recipients: Vec<(Uuid, bool)>,
    },
    MarkRead {
        disposition: Uuid,
        position: Uuid,
    },
    Withdraw {
        disposition: Uuid,
    },
    InsertDraft {
        id: Uuid,
        version_no: i32,
        body: String,
        author_position: Uuid,
    },
    /// A step of the approval path: the draft is submitted, approved or returned at `position`.
    Review {
        draft: Uuid,
        position: Uuid,
        decision: ReviewDecision,
        note: Option<String>,
        /// Submitted / returned drafts change their `submitted` flag.
        submitted: Option<bool>,
    },
    /// The approved answer went out; outbox entries for LAPOR! and email.
    Dispatch {
        id: Uuid,
        draft: Uuid,
        method: DispatchMethod,
        letter_number: Option<String>,
        letter_date: Option<NaiveDate>,
        given_by: Option<String>,
        given_at: Option<DateTime<Utc>>,
        reply_url: Option<String>,
    },
    /// A LAPOR! report is sent back to LAPOR! for re-routing (through the outbox).
    LaporReroute {
        agency: String,
        reason: String,
    },
    MergedInto(Uuid),
    RedirectedTo(String),
}

/// The outcome of a permitted action.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub status: Status,
    pub holder: Option<Uuid>,
    /// The timeline event's kind, e.g. `disposed`.
    pub event: &'static str,
    /// The event's text and references (no personal data).
    pub detail: serde_json::Value,
    /// The position the officer acted as, when the action needed one.
    pub acted_as: Option<Held>,
    pub effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// Not possible in the complaint's current status (409).
    #[error("cannot {action} a complaint whose status is `{status}`")]
    WrongState { action: Action, status: Status },
    /// Not this caller's to do (403).
    #[error("{0}")]
    Forbidden(String),
    /// A field of the command is not acceptable (422).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Possible in principle, not now (409), e.g. a read disposition cannot be withdrawn.
    #[error("{0}")]
    Conflict(String),
}

fn invalid(field: &'static str, message: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        field,
        message: message.into(),
    }
}

fn forbidden(m: impl Into<String>) -> WorkflowError {
    WorkflowError::Forbidden(m.into())
}

/// May an official read a *confidential* complaint (ADR 0015, "What an
/// official reads")? Only when a position they hold today (own, Plh, Plt)
/// is involved in it — it holds it now, sent or received a disposition of
/// it (primary or copy), wrote its latest draft — or is above such a
/// position in the hierarchy (the Kabid over the Kasi who has it). Every
/// other complaint an official reads in full; other staff roles read all.
pub fn official_reads_confidential(case: &CaseState, org: &OrgChart, who: &Authority) -> bool {
    let involved: Vec<Uuid> = case
        .holder
        .into_iter()
        .chain(case.dispositions.iter().flat_map(|d| {
            std::iter::once(d.from_position).chain(d.recipients.iter().map(|r| r.position))
        }))
        .chain(case.latest_draft.iter().map(|d| d.author_position))
        .collect();
    who.positions.iter().any(|h| {
        involved
            .iter()
            .any(|i| *i == h.position || org.is_below(*i, h.position))
    })
}

/// Who may stop and restart a complaint's clock (ADR 0015, "Clock"): the
/// head of office; whoever holds the complaint's position now (own, Plh or
/// Plt); reception and the liaison officer while it waits on the front
/// office (registered and not yet forwarded, or approved and waiting to go
/// out). Managers, the privacy officer, admins and officials elsewhere read
/// only: a paused complaint drops out of the overdue lists and reminders.
/// Extending the deadline is the head's alone.
pub fn may_manage_clock(
    case: &CaseState,
    who: &Authority,
    extend: bool,
) -> Result<(), WorkflowError> {
    if who.role == Role::Head {
        return Ok(());
    }
    if extend {
        return Err(forbidden("only the head of office approves an extension"));
    }
    let works_cases = matches!(who.role, Role::Official | Role::Reception | Role::Liaison);
    if works_cases && case.holder.is_some_and(|h| who.holds(h).is_some()) {
        return Ok(());
    }
    let waits_on_front_office =
        case.holder.is_none() || matches!(case.status, Status::Registered | Status::Approved);
    if front_office(who.role) && waits_on_front_office {
        return Ok(());
    }
    Err(forbidden(
        "the clock is stopped and restarted by whoever holds the complaint (or acts for them), \
         by the front office while it waits on them, or by the head of office",
    ))
}

fn front_office(role: Role) -> bool {
    matches!(role, Role::Reception | Role::Liaison)
}

/// The position `p` must be held by the caller (own or acting).
fn require(who: &Authority, org: &OrgChart, p: Uuid, what: &str) -> Result<Held, WorkflowError> {
    if who.officer.is_none() {
        return Err(forbidden(format!(
            "{what} needs a key bound to an officer; this key is not"
        )));
    }
    who.holds(p).ok_or_else(|| {
        forbidden(format!(
            "{what} is for the position `{}` (or whoever acts for it today)",
            org.title(p)
        ))
    })
}

/// An action the caller may take on a complaint now (for a disposition
/// action, on which disposition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub action: Action,
    pub disposition: Option<Uuid>,
}

/// The actions `plan` would accept from `who` on `case` now, asked of
/// `plan` itself with placeholder inputs (a refusal of only the inputs —
/// `Invalid` — still means the action is open: the form asks for them).
/// Pages show buttons from this, never from rules of their own.
pub fn available(
    case: &CaseState,
    org: &OrgChart,
    who: &Authority,
    now: DateTime<Utc>,
) -> Vec<Offer> {
    let x = || "x".to_string();
    let mut probes: Vec<(Command, Option<Uuid>)> = vec![
        (Command::ForwardToHead { note: None }, None),
        (
            Command::Dispose {
                to: Uuid::nil(),
                copies: Vec::new(),
                instruction: x(),
                note: None,
                due_at: None,
            },
            None,
        ),
        (Command::SaveDraft { body: x() }, None),
        (Command::SubmitDraft { note: None }, None),
        (Command::Approve { note: None }, None),
        (Command::Return { note: x() }, None),
        (
            Command::Dispatch(DispatchInput {
                method: None,
                letter_number: None,
                letter_date: None,
                given_by: None,
                given_at: None,
                reply_url: None,
                note: None,
            }),
            None,
        ),
        (Command::Close { note: None }, None),
        (Command::Reopen { reason: x() }, None),
        (
            Command::Redirect {
                agency: x(),
                reason: x(),
            },
            None,
        ),
        (
            Command::Merge {
                into: Uuid::nil(),
                reason: None,
            },
            None,
        ),
        (Command::Reject { reason: x() }, None),
    ];
    for d in &case.dispositions {
        probes.push((Command::ReadDisposition { disposition: d.id }, Some(d.id)));
        probes.push((
            Command::WithdrawDisposition { disposition: d.id },
            Some(d.id),
        ));
    }
    probes
        .into_iter()
        .filter(|(cmd, _)| {
            matches!(
                plan(case, org, who, cmd, now),
                Ok(_) | Err(WorkflowError::Invalid { .. })
            )
        })
        .map(|(cmd, disposition)| Offer {
            action: cmd.action(),
            disposition,
        })
        .collect()
}

/// Decides whether `who` may apply `cmd` to `case` and what it changes.
pub fn plan(
    case: &CaseState,
    org: &OrgChart,
    who: &Authority,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Plan, WorkflowError> {
    let action = cmd.action();
    if transition(case.status, action).is_none() {
        return Err(WorkflowError::WrongState {
            action,
            status: case.status,
        });
    }
    let head = org.head();
    let mut effects = Vec::new();
    let mut acted_as = None;
    let (status, holder, event, detail) = match cmd {
        Command::ForwardToHead { note } => {
            if !front_office(who.role) {
                return Err(forbidden(
                    "forwarding to the head of office is for reception or the liaison officer",
                ));
            }
            let head = head.ok_or_else(|| {
                WorkflowError::Conflict("the organisation has no head of office yet".into())
            })?;
            (
                Status::WithHead,
                Some(head),
                "forwarded_to_head",
                json!({"to_position_id": head, "to_position": org.title(head), "note": note}),
            )
        }
        Command::Dispose {
            to,
            copies,
            instruction,
            note,
            due_at,
        } => {
            let from = disposer(case.status, case.holder, org).ok_or_else(|| {
                WorkflowError::Conflict(if case.status == Status::WithHead {
                    "the organisation has no head of office".into()
                } else {
                    "nobody holds this complaint".into()
                })
            })?;
            let held = require(who, org, from, "disposing this complaint")?;
            acted_as = Some(held);
            for (field, p) in
                std::iter::once(("to", *to)).chain(copies.iter().map(|c| ("copies", *c)))
            {
                if org.get(p).is_none() {
                    return Err(invalid(field, format!("unknown position {p}")));
                }
                if !org.is_below(p, from) {
                    return Err(invalid(
                        field,
                        format!(
                            "`{}` is not under `{}`: dispositions go down the hierarchy only",
                            org.title(p),
                            org.title(from)
                        ),
                    ));
                }
            }
            if copies.contains(to) {
                return Err(invalid(
                    "copies",
                    "the primary recipient cannot also be a copy",
                ));
            }
            let mut seen = Vec::new();
            for c in copies {
                if seen.contains(c) {
                    return Err(invalid("copies", "a position is named twice"));
                }
                seen.push(*c);
            }
            if let (Some(d), Some(limit)) = (due_at, case.due_at)
                && *d > limit
            {
                return Err(invalid(
                    "due_at",
                    format!("must not be after the complaint's deadline ({limit})"),
                ));
            }
            if due_at.is_some_and(|d| d < now) {
                return Err(invalid("due_at", "must not be in the past"));
            }
            // passing it on is a receipt of what one was given
            effects.extend(receipt(case, from));
            let id = Uuid::now_v7();
            let mut recipients = vec![(*to, true)];
            recipients.extend(copies.iter().map(|c| (*c, false)));
            effects.push(Effect::InsertDisposition {
                id,
                from_position: from,
                instruction: instruction.clone(),
                note: note.clone(),
                due_at: *due_at,
                recipients,
            });
            let copy_titles: Vec<&str> = copies.iter().map(|c| org.title(*c)).collect();
            (
                Status::Disposed,
                Some(*to),
                "disposed",
                json!({"disposition_id": id, "from_position": org.title(from),
                    "to_position_id": to, "to_position": org.title(*to), "copies": copy_titles,
                    "instruction": instruction, "note": note, "due_at": due_at}),
            )
        }
        Command::ReadDisposition { disposition } => {
            let d = find(case, *disposition)?;
            if d.withdrawn {
                return Err(WorkflowError::Conflict(
                    "the disposition was withdrawn".into(),
                ));
            }
            let r = d
                .recipients
                .iter()
                .find(|r| who.holds(r.position).is_some())
                .ok_or_else(|| {
                    forbidden("the disposition is not addressed to a position you hold")
                })?;
            let held = require(who, org, r.position, "reading this disposition")?;
            acted_as = Some(held);
            if r.read {
                return Err(WorkflowError::Conflict("already read".into()));
            }
            effects.push(Effect::MarkRead {
                disposition: d.id,
                position: r.position,
            });
            let starts =
                r.primary && case.status == Status::Disposed && case.holder == Some(r.position);
            (
                if starts {
                    Status::InProgress
                } else {
                    case.status
                },
                case.holder,
                "disposition_read",
                json!({"disposition_id": d.id, "position": org.title(r.position), "primary": r.primary}),
            )
        }
        Command::WithdrawDisposition { disposition } => {
            let d = find(case, *disposition)?;
            let held = require(who, org, d.from_position, "withdrawing this disposition")?;
            acted_as = Some(held);
            if d.withdrawn {
                return Err(WorkflowError::Conflict("already withdrawn".into()));
            }
            if d.recipients.iter().any(|r| r.read) {
                return Err(WorkflowError::Conflict(
                    "a recipient has read the disposition: it can no longer be withdrawn".into(),
                ));
            }
            if d.primary() != case.holder {
                return Err(WorkflowError::Conflict(
                    "only the newest disposition can be withdrawn".into(),
                ));
            }
            effects.push(Effect::Withdraw { disposition: d.id });
            let back = if Some(d.from_position) == head {
                Status::WithHead
            } else {
                Status::InProgress
            };
            (
                back,
                Some(d.from_position),
                "disposition_withdrawn",
                json!({"disposition_id": d.id, "position": org.title(d.from_position)}),
            )
        }
        Command::SaveDraft { body } => {
            let holder = case
                .holder
                .ok_or_else(|| WorkflowError::Conflict("nobody holds this complaint".into()))?;
            if Some(holder) == head {
                return Err(WorkflowError::Conflict(
                    "the head of office disposes the complaint; the answer is drafted below".into(),
                ));
            }
            let held = require(who, org, holder, "drafting the answer")?;
            acted_as = Some(held);
            if body.trim().is_empty() {
                return Err(invalid("body", "is required"));
            }
            // drafting is a receipt of the disposition too
            effects.extend(receipt(case, holder));
            let version_no = case.latest_draft.as_ref().map_or(1, |d| d.version_no + 1);
            let id = Uuid::now_v7();
            effects.push(Effect::InsertDraft {
                id,
                version_no,
                body: body.clone(),
                author_position: holder,
            });
            (
                Status::AnswerDrafted,
                Some(holder),
                "draft_saved",
                json!({"draft_id": id, "version": version_no, "position": org.title(holder)}),
            )
        }
        Command::SubmitDraft { note } => {
            let draft = case
                .latest_draft
                .as_ref()
                .ok_or_else(|| WorkflowError::Conflict("there is no draft".into()))?;
            let held = require(who, org, draft.author_position, "submitting the draft")?;
            acted_as = Some(held);
            let path = org.approval_path(draft.author_position).ok_or_else(|| {
                WorkflowError::Conflict(format!(
                    "`{}` has no line of superiors up to the head of office",
                    org.title(draft.author_position)
                ))
            })?;
            let first = path[0];
            effects.push(Effect::Review {
                draft: draft.id,
                position: draft.author_position,
                decision: ReviewDecision::Submitted,
                note: note.clone(),
                submitted: Some(true),
            });
            let titles: Vec<&str> = path.iter().map(|p| org.title(*p)).collect();
            (
                Status::InReview,
                Some(first),
                "draft_submitted",
                json!({"draft_id": draft.id, "version": draft.version_no,
                    "to_position_id": first, "to_position": org.title(first),
                    "approval_path": titles, "note": note}),
            )
        }
        Command::Approve { note } => {
            let (draft, level, held) = reviewing(case, org, who)?;
            acted_as = Some(held);
            effects.push(Effect::Review {
                draft: draft.id,
                position: level,
                decision: ReviewDecision::Approved,
                note: note.clone(),
                submitted: None,
            });
            if Some(level) == head {
                (
                    Status::Approved,
                    None,
                    "answer_approved",
                    json!({"draft_id": draft.id, "version": draft.version_no,
                        "position": org.title(level), "note": note}),
                )
            } else {
                let next = org.superior_of(level).ok_or_else(|| {
                    WorkflowError::Conflict(format!(
                        "`{}` has no superior to pass the draft to",
                        org.title(level)
                    ))
                })?;
                (
                    Status::InReview,
                    Some(next),
                    "draft_approved",
                    json!({"draft_id": draft.id, "version": draft.version_no,
                        "position": org.title(level), "to_position_id": next,
                        "to_position": org.title(next), "note": note}),
                )
            }
        }
        Command::Return { note } => {
            let (draft, level, held) = reviewing(case, org, who)?;
            acted_as = Some(held);
            if note.trim().is_empty() {
                return Err(invalid("note", "say what to correct"));
            }
            effects.push(Effect::Review {
                draft: draft.id,
                position: level,
                decision: ReviewDecision::Returned,
                note: Some(note.clone()),
                submitted: Some(false),
            });
            (
                Status::InProgress,
                Some(draft.author_position),
                "draft_returned",
                json!({"draft_id": draft.id, "version": draft.version_no,
                    "position": org.title(level), "to_position_id": draft.author_position,
                    "to_position": org.title(draft.author_position), "note": note}),
            )
        }
        Command::Dispatch(input) => {
            if !front_office(who.role) {
                return Err(forbidden(
                    "sending the answer is for reception or the liaison officer",
                ));
            }
            let draft = case
                .latest_draft
                .as_ref()
                .filter(|d| d.submitted)
                .ok_or_else(|| WorkflowError::Conflict("there is no approved answer".into()))?;
            let method = input.method.unwrap_or(match case.channel {
                Channel::Lapor => DispatchMethod::Lapor,
                Channel::Email => DispatchMethod::Email,
                Channel::Web if case.has_reporter_email => DispatchMethod::Email,
                Channel::FaceToFace => DispatchMethod::InPerson,
                Channel::Api => DispatchMethod::Agency,
                Channel::Whatsapp if case.has_reporter_phone => DispatchMethod::Whatsapp,
                Channel::Telegram => DispatchMethod::Telegram,
                Channel::Sms if case.has_reporter_phone => DispatchMethod::Sms,
                Channel::Phone => DispatchMethod::Phone,
                Channel::SocialMedia => DispatchMethod::SocialMedia,
                _ => DispatchMethod::Letter,
            });
            check_dispatch(case, method, input, now)?;
            let id = Uuid::now_v7();
            let given_at = match method {
                DispatchMethod::InPerson | DispatchMethod::Phone | DispatchMethod::SocialMedia => {
                    Some(input.given_at.unwrap_or(now))
                }
                _ => None,
            };
            let reply_url = (method == DispatchMethod::SocialMedia)
                .then(|| input.reply_url.clone())
                .flatten();
            effects.push(Effect::Dispatch {
                id,
                draft: draft.id,
                method,
                letter_number: input.letter_number.clone(),
                letter_date: input.letter_date,
                given_by: input.given_by.clone(),
                given_at,
                reply_url: reply_url.clone(),
            });
            (
                Status::Answered,
                None,
                "answered",
                json!({"dispatch_id": id, "draft_id": draft.id, "method": method,
                    "letter_number": input.letter_number, "letter_date": input.letter_date,
                    "given_by": input.given_by.as_ref().filter(|_| given_at.is_some()),
                    "given_at": given_at, "reply_url": reply_url, "note": input.note}),
            )
        }
        Command::Close { note } => {
            if !front_office(who.role) {
                return Err(forbidden("closing is for reception or the liaison officer"));
            }
            (Status::Closed, None, "closed", json!({"note": note}))
        }
        Command::Reopen { reason } => {
            if !front_office(who.role) {
                return Err(forbidden(
                    "reopening is for reception or the liaison officer",
                ));
            }
            if reason.trim().is_empty() {
                return Err(invalid("reason", "is required"));
            }
            (
                Status::Reopened,
                None,
                "reopened",
                json!({"reason": reason}),
            )
        }
        Command::Redirect { agency, reason } => {
            acted_as = decider(who, org, head, "redirecting to another agency")?;
            if agency.trim().is_empty() {
                return Err(invalid("agency", "is required"));
            }
            if reason.trim().is_empty() {
                return Err(invalid("reason", "is required"));
            }
            effects.push(Effect::RedirectedTo(agency.clone()));
            if case.channel == Channel::Lapor && case.has_lapor_id {
                effects.push(Effect::LaporReroute {
                    agency: agency.clone(),
                    reason: reason.clone(),
                });
            }
            (
                Status::Redirected,
                None,
                "redirected",
                json!({"agency": agency, "reason": reason}),
            )
        }
        Command::Merge { into, reason } => {
            if !front_office(who.role) {
                acted_as = decider(who, org, head, "merging duplicates")?;
            }
            if *into == case.id {
                return Err(invalid("into", "a complaint cannot be merged into itself"));
            }
            match case.merge_target {
                None => return Err(invalid("into", "no complaint with this id")),
                Some(Status::Merged) => {
                    return Err(invalid(
                        "into",
                        "that complaint is itself merged into another",
                    ));
                }
                Some(_) => {}
            }
            effects.push(Effect::MergedInto(*into));
            (
                Status::Merged,
                None,
                "merged",
                json!({"into": into, "reason": reason}),
            )
        }
        Command::Reject { reason } => {
            acted_as = decider(who, org, head, "rejecting a complaint")?;
            if reason.trim().is_empty() {
                return Err(invalid("reason", "is required"));
            }
            (
                Status::Rejected,
                None,
                "rejected",
                json!({"reason": reason}),
            )
        }
    };
    debug_assert!(
        transition(case.status, action).is_some_and(|to| to.contains(&status)),
        "{action} from {} to {status} is not in the table",
        case.status
    );
    Ok(Plan {
        status,
        holder,
        event,
        detail,
        acted_as,
        effects,
    })
}

impl OrgChart {
    pub fn superior_of(&self, p: Uuid) -> Option<Uuid> {
        self.nodes.get(&p).and_then(|n| n.superior)
    }
}

/// Redirect and reject are decided by the head of office (or whoever acts
/// for them) or the liaison officer.
fn decider(
    who: &Authority,
    org: &OrgChart,
    head: Option<Uuid>,
    what: &str,
) -> Result<Option<Held>, WorkflowError> {
    if let Some(h) = head.and_then(|h| who.holds(h)) {
        return Ok(Some(h));
    }
    if who.role == Role::Liaison {
        return Ok(None);
    }
    Err(forbidden(format!(
        "{what} is for `{}` (or whoever acts for it today) or the liaison officer",
        head.map_or("the head of office", |h| org.title(h))
    )))
}

fn find(case: &CaseState, id: Uuid) -> Result<&DispositionState, WorkflowError> {
    case.dispositions
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| invalid("disposition", "no such disposition on this complaint"))
}

/// Marks the newest disposition to `p` read, if it is not yet.
fn receipt(case: &CaseState, p: Uuid) -> Option<Effect> {
    active_to(case, p)
        .filter(|d| d.recipients.iter().any(|r| r.position == p && !r.read))
        .map(|d| Effect::MarkRead {
            disposition: d.id,
            position: p,
        })
}

/// The newest live disposition whose primary recipient is `p`.
fn active_to(case: &CaseState, p: Uuid) -> Option<&DispositionState> {
    case.dispositions
        .iter()
        .rev()
        .find(|d| !d.withdrawn && d.primary() == Some(p))
}

/// The draft under review, the level that must act, and the caller's hold on it.
fn reviewing<'a>(
    case: &'a CaseState,
    org: &OrgChart,
    who: &Authority,
) -> Result<(&'a DraftState, Uuid, Held), WorkflowError> {
    let draft = case
        .latest_draft
        .as_ref()
        .filter(|d| d.submitted)
        .ok_or_else(|| WorkflowError::Conflict("no draft is in review".into()))?;
    let level = case
        .holder
        .ok_or_else(|| WorkflowError::Conflict("no reviewer is due".into()))?;
    let held = require(who, org, level, "reviewing the draft at this level")?;
    Ok((draft, level, held))
}

/// Who gave the answer (required) and when (not in the future).
fn given(input: &DispatchInput, now: DateTime<Utc>, who: &str) -> Result<(), WorkflowError> {
    if input
        .given_by
        .as_deref()
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(invalid("given_by", who));
    }
    if input.given_at.is_some_and(|t| t > now) {
        return Err(invalid("given_at", "must not be in the future"));
    }
    Ok(())
}

/// An `http(s)://host/…` address without spaces (a post or reply on a platform).
pub fn web_address(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        host.contains('.')
            && u.len() <= 2000
            && !u.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

fn check_dispatch(
    case: &CaseState,
    method: DispatchMethod,
    input: &DispatchInput,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    match method {
        DispatchMethod::Lapor => {
            if case.channel != Channel::Lapor || !case.has_lapor_id {
                return Err(invalid(
                    "method",
                    "only a complaint from SP4N-LAPOR! with its tracking id is answered on LAPOR!",
                ));
            }
        }
        DispatchMethod::Email => {
            if !case.has_reporter_email {
                return Err(invalid("method", "the complainant gave no email address"));
            }
        }
        DispatchMethod::Whatsapp => {
            if case.channel != Channel::Whatsapp || !case.has_reporter_phone {
                return Err(invalid(
                    "method",
                    "only a complaint that came by WhatsApp is answered on WhatsApp",
                ));
            }
        }
        DispatchMethod::Telegram => {
            if case.channel != Channel::Telegram {
                return Err(invalid(
                    "method",
                    "only a complaint that came by Telegram is answered on Telegram",
                ));
            }
        }
        DispatchMethod::Sms => {
            if !case.has_reporter_phone {
                return Err(invalid("method", "the complainant gave no phone number"));
            }
        }
        DispatchMethod::Phone => {
            if !case.has_reporter_phone {
                return Err(invalid("method", "the complainant gave no phone number"));
            }
            given(input, now, "who made the call is required")?;
        }
        DispatchMethod::SocialMedia => {
            if case.channel != Channel::SocialMedia {
                return Err(invalid(
                    "method",
                    "only a complaint registered from social media is answered there",
                ));
            }
            given(input, now, "who posted the reply is required")?;
            if !input.reply_url.as_deref().is_some_and(web_address) {
                return Err(invalid(
                    "reply_url",
                    "the address (https://…) of the reply on the platform is required",
                ));
            }
        }
        DispatchMethod::Letter => {
            if input
                .letter_number
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
            {
                return Err(invalid(
                    "letter_number",
                    "the outgoing letter's number is required",
                ));
            }
            if input.letter_date.is_none() {
                return Err(invalid(
                    "letter_date",
                    "the outgoing letter's date is required",
                ));
            }
        }
        DispatchMethod::Agency => {
            if case.channel != Channel::Api {
                return Err(invalid(
                    "method",
                    "only a complaint another agency's system filed is answered to that system",
                ));
            }
        }
        DispatchMethod::InPerson => given(input, now, "who gave the answer is required")?,
    }
    // LAPOR! reports are answered on LAPOR! (the reporter reads it there)
    if case.channel == Channel::Lapor && method != DispatchMethod::Lapor {
        return Err(invalid(
            "method",
            "a complaint from SP4N-LAPOR! is answered on LAPOR!",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    // head(1) ← sekretaris(2) ← kasubag(3); head(1) ← kabid(4) ← kasi(5) ← staff(6); kabid2(7)
    fn org() -> OrgChart {
        let p = |n, sup: Option<u128>, t: &str| PositionNode {
            id: id(n),
            superior: sup.map(id),
            is_head: n == 1,
            title: t.into(),
        };
        OrgChart::new([
            p(1, None, "Kepala Dinas"),
            p(2, Some(1), "Sekretaris"),
            p(3, Some(2), "Kasubag Umum"),
            p(4, Some(1), "Kabid Linjamsos"),
            p(5, Some(4), "Kasi Bansos"),
            p(6, Some(5), "Staf"),
            p(7, Some(1), "Kabid Rehsos"),
        ])
    }

    fn officer(p: u128) -> Authority {
        Authority {
            role: Role::Official,
            officer: Some(id(100 + p)),
            positions: vec![Held {
                position: id(p),
                acting: None,
            }],
        }
    }

    fn front(role: Role) -> Authority {
        Authority {
            role,
            officer: None,
            positions: vec![],
        }
    }

    fn case(status: Status, holder: Option<u128>) -> CaseState {
        CaseState {
            id: id(999),
            status,
            channel: Channel::Letter,
            holder: holder.map(id),
            due_at: None,
            has_reporter_email: false,
            has_reporter_phone: false,
            has_lapor_id: false,
            dispositions: vec![],
            latest_draft: None,
            merge_target: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn apply(c: &mut CaseState, p: &Plan) {
        c.status = p.status;
        c.holder = p.holder;
        for e in &p.effects {
            match e {
                Effect::InsertDisposition {
                    id,
                    from_position,
                    recipients,
                    ..
                } => c.dispositions.push(DispositionState {
                    id: *id,
                    from_position: *from_position,
                    recipients: recipients
                        .iter()
                        .map(|(p, primary)| RecipientState {
                            position: *p,
                            primary: *primary,
                            read: false,
                        })
                        .collect(),
                    withdrawn: false,
                }),
                Effect::MarkRead {
                    disposition,
                    position,
                } => {
                    for d in &mut c.dispositions {
                        if d.id == *disposition {
                            for r in &mut d.recipients {
                                if r.position == *position {
                                    r.read = true;
                                }
                            }
                        }
                    }
                }
                Effect::Withdraw { disposition } => {
                    for d in &mut c.dispositions {
                        if d.id == *disposition {
                            d.withdrawn = true;
                        }
                    }
                }
                Effect::InsertDraft {
                    id,
                    version_no,
                    author_position,
                    ..
                } => {
                    c.latest_draft = Some(DraftState {
                        id: *id,
                        version_no: *version_no,
                        author_position: *author_position,
                        submitted: false,
                    })
                }
                Effect::Review {
                    submitted: Some(s), ..
                } => {
                    if let Some(d) = &mut c.latest_draft {
                        d.submitted = *s;
                    }
                }
                _ => {}
            }
        }
    }

    fn run(c: &mut CaseState, who: &Authority, cmd: Command) -> Plan {
        let p = plan(c, &org(), who, &cmd, now()).unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        apply(c, &p);
        p
    }

    fn dispose(to: u128) -> Command {
        Command::Dispose {
            to: id(to),
            copies: vec![],
            instruction: "siapkan jawaban".into(),
            note: None,
            due_at: None,
        }
    }

    #[test]
    fn every_allowed_transition_is_in_the_table() {
        use Status::*;
        let allowed: &[(Status, Action)] = &[
            (Registered, Action::ForwardToHead),
            (Reopened, Action::ForwardToHead),
            (WithHead, Action::Dispose),
            (Disposed, Action::Dispose),
            (InProgress, Action::Dispose),
            (Disposed, Action::ReadDisposition),
            (InProgress, Action::ReadDisposition),
            (AnswerDrafted, Action::ReadDisposition),
            (InReview, Action::ReadDisposition),
            (Disposed, Action::WithdrawDisposition),
            (Disposed, Action::SaveDraft),
            (InProgress, Action::SaveDraft),
            (AnswerDrafted, Action::SaveDraft),
            (AnswerDrafted, Action::SubmitDraft),
            (InReview, Action::Approve),
            (InReview, Action::Return),
            (Approved, Action::Dispatch),
            (Answered, Action::Close),
            (Answered, Action::Reopen),
            (Closed, Action::Reopen),
            (Registered, Action::Reject),
            (WithHead, Action::Reject),
            (Reopened, Action::Reject),
        ];
        let mut count = 0;
        for s in Status::ALL {
            for a in Action::ALL {
                let listed = allowed.contains(&(*s, *a))
                    || (matches!(a, Action::Redirect | Action::Merge) && UNDECIDED.contains(s));
                assert_eq!(transition(*s, *a).is_some(), listed, "{a} from {s}");
                count += usize::from(listed);
            }
        }
        assert_eq!(count, allowed.len() + 2 * UNDECIDED.len());
    }

    #[test]
    fn terminal_states_allow_nothing_but_reopen_after_close() {
        for s in [Status::Redirected, Status::Merged, Status::Rejected] {
            for a in Action::ALL {
                assert!(transition(s, *a).is_none(), "{a} from {s}");
            }
        }
        for a in Action::ALL {
            assert_eq!(
                transition(Status::Closed, *a).is_some(),
                *a == Action::Reopen
            );
        }
    }

    #[test]
    fn disallowed_samples_give_wrong_state() {
        let samples = [
            (Status::Registered, Command::Approve { note: None }),
            (Status::Registered, dispose(4)),
            (Status::WithHead, Command::ForwardToHead { note: None }),
            (Status::InReview, Command::SaveDraft { body: "x".into() }),
            (Status::Approved, Command::Approve { note: None }),
            (Status::Answered, dispose(4)),
            (Status::Closed, Command::Close { note: None }),
            (
                Status::Approved,
                Command::Reject {
                    reason: "spam".into(),
                },
            ),
            (
                Status::InReview,
                Command::Merge {
                    into: id(5),
                    reason: None,
                },
            ),
        ];
        for (s, cmd) in samples {
            let err = plan(&case(s, Some(1)), &org(), &officer(1), &cmd, now()).unwrap_err();
            assert_eq!(
                err,
                WorkflowError::WrongState {
                    action: cmd.action(),
                    status: s
                }
            );
        }
    }

    #[test]
    fn the_whole_chain_with_a_return_in_the_middle() {
        let mut c = case(Status::Registered, None);
        let reception = front(Role::Reception);
        let p = run(&mut c, &reception, Command::ForwardToHead { note: None });
        assert_eq!((p.status, p.holder), (Status::WithHead, Some(id(1))));

        let p = run(&mut c, &officer(1), dispose(4));
        assert_eq!((p.status, p.holder), (Status::Disposed, Some(id(4))));
        let p = run(&mut c, &officer(4), dispose(5));
        assert_eq!((p.status, p.holder), (Status::Disposed, Some(id(5))));
        // Kabid passing it on counts as reading the head's disposition
        assert!(c.dispositions[0].recipients[0].read);

        let d = c.dispositions[1].id;
        let p = run(
            &mut c,
            &officer(5),
            Command::ReadDisposition { disposition: d },
        );
        assert_eq!(p.status, Status::InProgress);
        run(
            &mut c,
            &officer(5),
            Command::SaveDraft {
                body: "Jawaban v1".into(),
            },
        );
        let p = run(&mut c, &officer(5), Command::SubmitDraft { note: None });
        assert_eq!((p.status, p.holder), (Status::InReview, Some(id(4))));

        let p = run(
            &mut c,
            &officer(4),
            Command::Return {
                note: "perbaiki dasar hukum".into(),
            },
        );
        assert_eq!((p.status, p.holder), (Status::InProgress, Some(id(5))));
        let p = run(
            &mut c,
            &officer(5),
            Command::SaveDraft {
                body: "Jawaban v2".into(),
            },
        );
        assert!(matches!(
            p.effects[0],
            Effect::InsertDraft { version_no: 2, .. }
        ));
        run(&mut c, &officer(5), Command::SubmitDraft { note: None });
        // the climb restarts at the drafter's superior: the head cannot skip the Kabid
        let err = plan(
            &c,
            &org(),
            &officer(1),
            &Command::Approve { note: None },
            now(),
        )
        .unwrap_err();
        assert!(matches!(err, WorkflowError::Forbidden(_)), "{err}");
        let p = run(&mut c, &officer(4), Command::Approve { note: None });
        assert_eq!(
            (p.status, p.holder, p.event),
            (Status::InReview, Some(id(1)), "draft_approved")
        );
        let p = run(&mut c, &officer(1), Command::Approve { note: None });
        assert_eq!(
            (p.status, p.holder, p.event),
            (Status::Approved, None, "answer_approved")
        );

        let letter = DispatchInput {
            method: None,
            letter_number: Some("460/123/Dinsos".into()),
            letter_date: NaiveDate::from_ymd_opt(2026, 3, 2),
            given_by: None,
            given_at: None,
            reply_url: None,
            note: None,
        };
        let p = run(&mut c, &reception, Command::Dispatch(letter));
        assert_eq!(p.status, Status::Answered);
        assert!(matches!(
            p.effects[0],
            Effect::Dispatch {
                method: DispatchMethod::Letter,
                ..
            }
        ));
        let p = run(&mut c, &reception, Command::Close { note: None });
        assert_eq!(p.status, Status::Closed);
    }

    #[test]
    fn the_path_through_the_secretary() {
        assert_eq!(org().approval_path(id(3)), Some(vec![id(2), id(1)]));
        assert_eq!(org().approval_path(id(6)), Some(vec![id(5), id(4), id(1)]));
        let mut c = case(Status::WithHead, Some(1));
        run(&mut c, &officer(1), dispose(2));
        run(&mut c, &officer(2), dispose(3));
        run(&mut c, &officer(3), Command::SaveDraft { body: "x".into() });
        run(&mut c, &officer(3), Command::SubmitDraft { note: None });
        assert_eq!(c.holder, Some(id(2)));
        run(&mut c, &officer(2), Command::Approve { note: None });
        assert_eq!((c.status, c.holder), (Status::InReview, Some(id(1))));
    }

    #[test]
    fn dispositions_go_down_only_and_to_known_positions() {
        let c = case(Status::InProgress, Some(4));
        let kabid = officer(4);
        for (to, field) in [(1, "to"), (7, "to"), (4, "to"), (42, "to")] {
            let err = plan(&c, &org(), &kabid, &dispose(to), now()).unwrap_err();
            assert!(
                matches!(err, WorkflowError::Invalid { field: f, .. } if f == field),
                "{to}: {err}"
            );
        }
        // the Kabid may skip a level downwards
        assert!(plan(&c, &org(), &kabid, &dispose(6), now()).is_ok());
        let cmd = Command::Dispose {
            to: id(5),
            copies: vec![id(5)],
            instruction: "x".into(),
            note: None,
            due_at: None,
        };
        assert!(matches!(
            plan(&c, &org(), &kabid, &cmd, now()).unwrap_err(),
            WorkflowError::Invalid {
                field: "copies",
                ..
            }
        ));
        // someone else's complaint
        assert!(matches!(
            plan(&c, &org(), &officer(7), &dispose(5), now()).unwrap_err(),
            WorkflowError::Forbidden(_)
        ));
    }

    #[test]
    fn internal_due_date_is_bounded_by_the_deadline() {
        let mut c = case(Status::WithHead, Some(1));
        c.due_at = Some(now() + chrono::Duration::days(10));
        let cmd = |d| Command::Dispose {
            to: id(4),
            copies: vec![],
            instruction: "x".into(),
            note: None,
            due_at: Some(d),
        };
        assert!(
            plan(
                &c,
                &org(),
                &officer(1),
                &cmd(now() + chrono::Duration::days(5)),
                now()
            )
            .is_ok()
        );
        for bad in [
            now() + chrono::Duration::days(11),
            now() - chrono::Duration::days(1),
        ] {
            assert!(matches!(
                plan(&c, &org(), &officer(1), &cmd(bad), now()).unwrap_err(),
                WorkflowError::Invalid {
                    field: "due_at",
                    ..
                }
            ));
        }
    }

    #[test]
    fn an_acting_head_holds_the_head_position() {
        let c = case(Status::WithHead, Some(1));
        let plh = Authority {
            role: Role::Official,
            officer: Some(id(204)),
            positions: vec![
                Held {
                    position: id(4),
                    acting: None,
                },
                Held {
                    position: id(1),
                    acting: Some(ActingKind::Plh),
                },
            ],
        };
        let p = plan(&c, &org(), &plh, &dispose(5), now()).unwrap();
        assert_eq!(
            p.acted_as,
            Some(Held {
                position: id(1),
                acting: Some(ActingKind::Plh)
            })
        );
        // a key without an officer has no position
        let err = plan(&c, &org(), &front(Role::Head), &dispose(5), now()).unwrap_err();
        assert!(matches!(err, WorkflowError::Forbidden(_)));
    }

    #[test]
    fn withdraw_only_while_unread() {
        let mut c = case(Status::WithHead, Some(1));
        run(&mut c, &officer(1), dispose(4));
        let d = c.dispositions[0].id;
        let w = Command::WithdrawDisposition { disposition: d };
        assert!(matches!(
            plan(&c, &org(), &officer(4), &w, now()).unwrap_err(),
            WorkflowError::Forbidden(_)
        ));
        let p = plan(&c, &org(), &officer(1), &w, now()).unwrap();
        assert_eq!((p.status, p.holder), (Status::WithHead, Some(id(1))));
        run(
            &mut c,
            &officer(4),
            Command::ReadDisposition { disposition: d },
        );
        // reading moved it to in progress: withdrawing is no longer a transition
        assert!(plan(&c, &org(), &officer(1), &w, now()).is_err());
    }

    #[test]
    fn copies_get_read_receipts_without_moving_the_complaint() {
        let mut c = case(Status::WithHead, Some(1));
        let cmd = Command::Dispose {
            to: id(4),
            copies: vec![id(7)],
            instruction: "koordinasikan".into(),
            note: None,
            due_at: None,
        };
        run(&mut c, &officer(1), cmd);
        let d = c.dispositions[0].id;
        let p = run(
            &mut c,
            &officer(7),
            Command::ReadDisposition { disposition: d },
        );
        assert_eq!((p.status, p.holder), (Status::Disposed, Some(id(4))));
        // the copy recipient cannot draft
        assert!(
            plan(
                &c,
                &org(),
                &officer(7),
                &Command::SaveDraft { body: "x".into() },
                now()
            )
            .is_err()
        );
    }

    #[test]
    fn dispatch_follows_the_channel() {
        let mut c = case(Status::Approved, None);
        c.latest_draft = Some(DraftState {
            id: id(50),
            version_no: 1,
            author_position: id(5),
            submitted: true,
        });
        let none = DispatchInput {
            method: None,
            letter_number: None,
            letter_date: None,
            given_by: None,
            given_at: None,
            reply_url: None,
            note: None,
        };
        let liaison = front(Role::Liaison);
        // a letter without its number
        assert!(matches!(
            plan(
                &c,
                &org(),
                &liaison,
                &Command::Dispatch(none.clone()),
                now()
            )
            .unwrap_err(),
            WorkflowError::Invalid {
                field: "letter_number",
                ..
            }
        ));
        c.channel = Channel::Lapor;
        c.has_lapor_id = true;
        let p = plan(
            &c,
            &org(),
            &liaison,
            &Command::Dispatch(none.clone()),
            now(),
        )
        .unwrap();
        assert!(matches!(
            p.effects[0],
            Effect::Dispatch {
                method: DispatchMethod::Lapor,
                ..
            }
        ));
        let email = DispatchInput {
            method: Some(DispatchMethod::Email),
            ..none.clone()
        };
        assert!(
            plan(
                &c,
                &org(),
                &liaison,
                &Command::Dispatch(email.clone()),
                now()
            )
            .is_err()
        );
        c.channel = Channel::Email;
        c.has_reporter_email = true;
        let p = plan(
            &c,
            &org(),
            &liaison,
            &Command::Dispatch(none.clone()),
            now(),
        )
        .unwrap();
        assert!(matches!(
            p.effects[0],
            Effect::Dispatch {
                method: DispatchMethod::Email,
                ..
            }
        ));
        // officials do not dispatch
        assert!(matches!(
            plan(&c, &org(), &officer(5), &Command::Dispatch(none), now()).unwrap_err(),
            WorkflowError::Forbidden(_)
        ));
    }

    #[test]
    fn redirect_of_a_lapor_report_asks_lapor_to_reroute() {
        let mut c = case(Status::WithHead, Some(1));
        c.channel = Channel::Lapor;
        c.has_lapor_id = true;
        let cmd = Command::Redirect {
            agency: "Dinas Kesehatan".into(),
            reason: "bukan kewenangan".into(),
        };
        let p = plan(&c, &org(), &officer(1), &cmd, now()).unwrap();
        assert_eq!(p.status, Status::Redirected);
        assert!(
            p.effects
                .iter()
                .any(|e| matches!(e, Effect::LaporReroute { .. }))
        );
        assert!(matches!(
            plan(&c, &org(), &officer(4), &cmd, now()).unwrap_err(),
            WorkflowError::Forbidden(_)
        ));
    }

    #[test]
    fn merge_needs_a_live_other_complaint() {
        let mut c = case(Status::Registered, None);
        let r = front(Role::Reception);
        let m = |into| Command::Merge { into, reason: None };
        assert!(matches!(
            plan(&c, &org(), &r, &m(id(5)), now()).unwrap_err(),
            WorkflowError::Invalid { field: "into", .. }
        ));
        c.merge_target = Some(Status::Merged);
        assert!(plan(&c, &org(), &r, &m(id(5)), now()).is_err());
        assert!(plan(&c, &org(), &r, &m(c.id), now()).is_err());
        c.merge_target = Some(Status::InProgress);
        assert_eq!(
            plan(&c, &org(), &r, &m(id(5)), now()).unwrap().status,
            Status::Merged
        );
    }

    #[test]
    fn cycles_are_detected() {
        let o = org();
        assert!(o.would_cycle(id(4), id(6)));
        assert!(o.would_cycle(id(4), id(4)));
        assert!(!o.would_cycle(id(6), id(7)));
    }
}
