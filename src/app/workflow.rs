//! Workflow actions (the disposition chain): who the actor is today, and
//! one action applied in one transaction (`domain::workflow::plan` decides).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::Role;
use crate::domain::workflow::{Authority, Command};
use crate::store::{ActOutcome, Actor, StoreError, WorkflowRequest};

/// The actor's role and the positions their officer holds on the office-local
/// day of `now` (their own, and those they act for as Plh/Plt).
pub async fn authority(
    app: &App,
    role: Role,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Authority, StoreError> {
    let today = now.with_timezone(&app.tz()).date_naive();
    let (officer, positions) = match &actor.officer {
        Some(o) => match app.store.officer_positions(o.id, today).await? {
            Some(held) => (Some(o.id), held),
            // an officer who left: the key acts for nobody
            None => (None, Vec::new()),
        },
        None => (None, Vec::new()),
    };
    Ok(Authority {
        role,
        officer,
        positions,
    })
}

impl App {
    /// Applies one workflow action on the complaint version the actor saw.
    pub async fn act(
        &self,
        id: Uuid,
        expected_version: i64,
        command: &Command,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ActOutcome, StoreError> {
        if let Command::Dispatch(input) = command
            && let Some(refused) = self.dispatch_unavailable(id, input).await?
        {
            return Ok(ActOutcome::Refused(refused));
        }
        // a letter without a number takes the agenda's (that of the approved version)
        let numbered;
        let command = match command {
            Command::Dispatch(input)
                if input.method == Some(crate::domain::workflow::DispatchMethod::Letter)
                    && input
                        .letter_number
                        .as_deref()
                        .is_none_or(|n| n.trim().is_empty()) =>
            {
                match self.letter_of_latest_draft(id, now).await? {
                    Some(entry) => {
                        let mut input = input.clone();
                        input.letter_number = Some(entry.number);
                        input.letter_date = input.letter_date.or(Some(
                            entry.created_at.with_timezone(&self.tz()).date_naive(),
                        ));
                        numbered = Command::Dispatch(input);
                        &numbered
                    }
                    None => command,
                }
            }
            _ => command,
        };
        let authority = authority(self, actor.role, actor, now).await?;
        let outcome = self
            .store
            .act(WorkflowRequest {
                id,
                expected_version,
                command,
                authority: &authority,
                actor,
                now,
            })
            .await?;
        if let ActOutcome::Done(c) = &outcome {
            tracing::info!(complaint_id = %c.id, action = %command.action(), status = %c.status, "workflow action");
            // the head's approval makes the letter ready to sign: it is numbered
            if matches!(command, Command::Approve { .. })
                && c.status == crate::domain::Status::Approved
            {
                self.letter_of_latest_draft(c.id, now).await?;
            }
        }
        Ok(outcome)
    }
}

impl App {
    /// The agenda entry of the complaint's latest draft once the head
    /// approved it (numbered now if it was not); `None` before approval.
    pub async fn letter_of_latest_draft(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::store::AgendaEntry>, StoreError> {
        let Some(draft) = self.store.drafts(id).await?.into_iter().last() else {
            return Ok(None);
        };
        if let Some(e) = self.store.agenda_entry(draft.id).await? {
            return Ok(Some(e));
        }
        let Some(c) = self.store.get_complaint(id).await? else {
            return Ok(None);
        };
        use crate::domain::Status;
        if !matches!(c.status, Status::Approved) {
            return Ok(None);
        }
        let today = now.with_timezone(&self.tz()).date_naive();
        let pattern = self.settings.letter_number_pattern.clone();
        let number = move |seq: i64| crate::domain::letter::letter_number(&pattern, seq, today);
        use chrono::Datelike;
        Ok(Some(
            self.store
                .letter_for_draft(id, draft.id, today.year(), &number, now)
                .await?,
        ))
    }

    /// A dispatch by a message channel this server cannot send on (its
    /// settings are gone, or SMS was never set up) would wait in the outbox
    /// for ever: refused instead, naming the method.
    async fn dispatch_unavailable(
        &self,
        id: Uuid,
        input: &crate::domain::workflow::DispatchInput,
    ) -> Result<Option<crate::domain::workflow::WorkflowError>, StoreError> {
        use crate::domain::Channel;
        use crate::domain::workflow::DispatchMethod;
        let method = match input.method {
            Some(m) => m,
            None => match self.store.get_complaint(id).await? {
                Some(c) => match c.channel {
                    Channel::Telegram => DispatchMethod::Telegram,
                    Channel::Sms if c.reporter.phone.is_some() => DispatchMethod::Sms,
                    Channel::Whatsapp if c.reporter.phone.is_some() => DispatchMethod::Whatsapp,
                    _ => return Ok(None),
                },
                None => return Ok(None),
            },
        };
        let s = &self.settings;
        let on = match method {
            DispatchMethod::Whatsapp => s.whatsapp.is_some(),
            DispatchMethod::Telegram => s.telegram.is_some(),
            DispatchMethod::Sms => s.sms.can_send(),
            _ => true,
        };
        Ok(
            (!on).then(|| crate::domain::workflow::WorkflowError::Invalid {
                field: "method",
                message: format!(
                    "the {} channel is not configured on this server",
                    method.as_str()
                ),
            }),
        )
    }
}

/// What waits for someone in their inbox: a complaint and why.
#[derive(Debug, Clone)]
pub struct InboxEntry {
    pub complaint: crate::store::Complaint,
    /// `dispose`, `review`, `handle`, `dispatch` or `forward`.
    pub waiting_for: &'static str,
    /// The position of theirs that holds it (own or acted for).
    pub position_id: Option<Uuid>,
    pub position: Option<String>,
    pub acting: Option<crate::domain::workflow::ActingKind>,
}

/// One page of an inbox, soonest deadline first, and the unread copies.
#[derive(Debug, Clone, Default)]
pub struct InboxPage {
    pub entries: Vec<InboxEntry>,
    /// Where the next page starts (`(due_at or far future, id)`).
    pub next: Option<(DateTime<Utc>, Uuid)>,
    /// Unread copies (tembusan), on the first page only.
    pub copies: Vec<crate::store::UnreadCopy>,
}

impl App {
    /// The organisation chart as the store holds it now.
    pub async fn org_chart(&self) -> Result<crate::domain::workflow::OrgChart, StoreError> {
        use crate::domain::workflow::{OrgChart, PositionNode};
        let positions = self.store.list_positions().await?;
        Ok(OrgChart::new(positions.into_iter().map(|p| PositionNode {
            id: p.id,
            superior: p.superior_id,
            is_head: p.is_head,
            title: p.title,
        })))
    }

    /// What waits for the actor now: held by their positions (own and
    /// acting today); for reception and the liaison officer also what is to
    /// be forwarded and dispatched; unread copies on the first page.
    pub async fn inbox(
        &self,
        actor: &Actor,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<InboxPage, StoreError> {
        use crate::domain::Status;
        let who = authority(self, actor.role, actor, now).await?;
        let statuses = if matches!(actor.role, Role::Reception | Role::Liaison) {
            vec![Status::Registered, Status::Reopened, Status::Approved]
        } else {
            Vec::new()
        };
        let positions: Vec<Uuid> = who.positions.iter().map(|h| h.position).collect();
        let items = self
            .store
            .inbox(&crate::store::InboxQuery {
                positions: positions.clone(),
                statuses,
                after,
                limit,
            })
            .await?;
        let next = (items.len() == limit as usize)
            .then(|| {
                items.last().map(|c| {
                    (
                        c.due_at.unwrap_or_else(crate::store::sql::no_deadline),
                        c.id,
                    )
                })
            })
            .flatten();
        let copies = if after.is_none() {
            self.store.unread_copies(&positions, 100).await?
        } else {
            Vec::new()
        };
        let org = self.org_chart().await?;
        let entries = items
            .into_iter()
            .map(|c| {
                let held = c.holder_position_id.and_then(|p| who.holds(p));
                let waiting_for = match (c.status, held) {
                    (Status::WithHead, Some(_)) => "dispose",
                    (Status::InReview, Some(_)) => "review",
                    (_, Some(_)) => "handle",
                    (Status::Approved, None) => "dispatch",
                    _ => "forward",
                };
                InboxEntry {
                    waiting_for,
                    position_id: held.map(|h| h.position),
                    position: held.map(|h| org.title(h.position).to_string()),
                    acting: held.and_then(|h| h.acting),
                    complaint: c,
                }
            })
            .collect();
        Ok(InboxPage {
            entries,
            next,
            copies,
        })
    }
}

/// What an actor may do with one complaint now, all from one reading of
/// it (the console's page for a complaint).
#[derive(Debug, Clone)]
pub struct Rights {
    /// The workflow actions open to them (`domain::workflow::available`).
    pub offers: Vec<crate::domain::workflow::Offer>,
    /// They may stop and restart the clock, and extend it.
    pub clock: bool,
    pub extend: bool,
    /// They may read it at all (`App::may_read`).
    pub readable: bool,
}

/// A complaint only some officials may read (ADR 0015).
fn restricted(actor: &Actor, c: &crate::store::Complaint) -> bool {
    actor.role == Role::Official && c.confidential
}

impl App {
    /// The complaint and what the actor may do with it now (asked of the
    /// same rules `act`, `adjust_clock` and `may_read` apply).
    pub async fn rights(
        &self,
        id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<(crate::store::Complaint, Rights)>, StoreError> {
        use crate::domain::workflow::{available, may_manage_clock, official_reads_confidential};
        let Some((c, case)) = self.store.case_state(id).await? else {
            return Ok(None);
        };
        let who = authority(self, actor.role, actor, now).await?;
        let org = self.org_chart().await?;
        let rights = Rights {
            offers: available(&case, &org, &who, now),
            clock: may_manage_clock(&case, &who, false).is_ok(),
            extend: may_manage_clock(&case, &who, true).is_ok(),
            readable: !restricted(actor, &c) || official_reads_confidential(&case, &org, &who),
        };
        Ok(Some((c, rights)))
    }

    /// Opening a complaint, as its holder: every disposition of it addressed
    /// to a position the actor holds and not yet read is marked read — the
    /// same rule and event as the explicit action, as SRIKANDI does (issue
    /// 33). Then the complaint and what the actor may do, as `rights`; and
    /// how many dispositions were marked. A mark that cannot be made (a
    /// concurrent change) is left for the explicit action.
    pub async fn open_complaint(
        &self,
        id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<(crate::store::Complaint, Rights, usize)>, StoreError> {
        use crate::domain::workflow::Action;
        let Some((c, rights)) = self.rights(id, actor, now).await? else {
            return Ok(None);
        };
        let unread: Vec<Uuid> = rights
            .offers
            .iter()
            .filter(|o| o.action == Action::ReadDisposition)
            .filter_map(|o| o.disposition)
            .collect();
        if unread.is_empty() || !rights.readable {
            return Ok(Some((c, rights, 0)));
        }
        let mut version = c.version;
        let mut marked = 0;
        for d in unread {
            let cmd = Command::ReadDisposition { disposition: d };
            match self.act(id, version, &cmd, actor, now).await? {
                ActOutcome::Done(c) => {
                    version = c.version;
                    marked += 1;
                }
                _ => break,
            }
        }
        Ok(self
            .rights(id, actor, now)
            .await?
            .map(|(c, r)| (c, r, marked)))
    }

    /// May `actor` read this complaint? Officials read a confidential one
    /// only where they are involved (`domain::workflow::official_reads_confidential`);
    /// every other staff role reads all (integration keys are limited to
    /// their own by the doors, before this).
    pub async fn may_read(
        &self,
        actor: &Actor,
        c: &crate::store::Complaint,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if !restricted(actor, c) {
            return Ok(true);
        }
        let who = authority(self, actor.role, actor, now).await?;
        let org = self.org_chart().await?;
        self.involved(&who, &org, c.id).await
    }

    /// `rows` without the complaints `actor` may not read (a list's page
    /// may then hold fewer items than asked; its cursor still moves on).
    /// Who the actor is and the organisation are read once for the page.
    pub async fn readable(
        &self,
        actor: &Actor,
        rows: Vec<crate::store::Complaint>,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::store::Complaint>, StoreError> {
        if !rows.iter().any(|c| restricted(actor, c)) {
            return Ok(rows);
        }
        let who = authority(self, actor.role, actor, now).await?;
        let org = self.org_chart().await?;
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            if !restricted(actor, &c) || self.involved(&who, &org, c.id).await? {
                out.push(c);
            }
        }
        Ok(out)
    }

    async fn involved(
        &self,
        who: &Authority,
        org: &crate::domain::workflow::OrgChart,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        Ok(match self.store.case_state(id).await? {
            Some((_, case)) => {
                crate::domain::workflow::official_reads_confidential(&case, org, who)
            }
            None => false,
        })
    }
}
