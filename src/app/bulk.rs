//! Work on many complaints at once (issue 33): forward to the head,
//! dispose to one position, mark read. Each complaint goes through
//! [`App::act`] exactly as a single action would — the same rules, events
//! and version check, one transaction per complaint, never one for all —
//! and the result says, per complaint, what was done or why not.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::workflow::{Action, Command, WorkflowError};
use crate::store::{ActOutcome, Actor, StoreError};

/// At most this many complaints in one bulk action.
pub const MAX_BULK: usize = 500;

/// What to do with each selected complaint.
#[derive(Debug, Clone)]
pub enum BulkAction {
    Forward {
        note: Option<String>,
    },
    Dispose {
        to: Uuid,
        instruction: String,
        note: Option<String>,
    },
    /// Mark the dispositions to the actor's positions read.
    Read,
    /// Set the category (one of the office's list; `None`: none).
    SetCategory {
        category: Option<String>,
    },
}

/// One selected complaint: its id and, when the selection was made from a
/// page, the version it showed (a complaint changed since is refused).
#[derive(Debug, Clone, Copy)]
pub struct BulkItem {
    pub id: Uuid,
    pub version: Option<i64>,
}

/// Why one complaint of a bulk action was not done.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// No such complaint, or not one the actor may read.
    NotFound,
    /// Changed since it was selected (now at this version).
    Stale(i64),
    /// The workflow's rules refuse it.
    Rule(WorkflowError),
    /// Nothing to mark read: no unread disposition to the actor.
    NothingUnread,
}

/// The outcome for one complaint.
#[derive(Debug, Clone)]
pub struct BulkOutcome {
    pub id: Uuid,
    pub tracking_number: Option<String>,
    pub result: Result<crate::store::Complaint, Refusal>,
}

impl App {
    /// Applies `action` to each item in turn (see the module).
    pub async fn bulk(
        &self,
        items: &[BulkItem],
        action: &BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<BulkOutcome>, StoreError> {
        let mut out = Vec::with_capacity(items.len());
        let mut seen = std::collections::HashSet::new();
        for item in items.iter().filter(|i| seen.insert(i.id)) {
            out.push(self.bulk_one(*item, action, actor, now).await?);
        }
        Ok(out)
    }

    async fn bulk_one(
        &self,
        item: BulkItem,
        action: &BulkAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BulkOutcome, StoreError> {
        let refused = |number: Option<String>, r: Refusal| BulkOutcome {
            id: item.id,
            tracking_number: number,
            result: Err(r),
        };
        let Some((c, rights)) = self.rights(item.id, actor, now).await? else {
            return Ok(refused(None, Refusal::NotFound));
        };
        if !rights.readable {
            return Ok(refused(None, Refusal::NotFound));
        }
        let number = Some(c.tracking_number.clone());
        if let Some(v) = item.version
            && v != c.version
        {
            return Ok(refused(number, Refusal::Stale(c.version)));
        }
        if let BulkAction::SetCategory { category } = action {
            use crate::app::categories::SetCategoryError as E;
            use crate::domain::workflow::WorkflowError as W;
            let expected = Some(item.version.unwrap_or(c.version));
            return Ok(
                match self
                    .set_category(item.id, expected, category.as_deref(), actor, now)
                    .await
                {
                    Ok(crate::store::CategoryOutcome::Done(c)) => BulkOutcome {
                        id: item.id,
                        tracking_number: number,
                        result: Ok(*c),
                    },
                    Ok(crate::store::CategoryOutcome::NotFound) => refused(None, Refusal::NotFound),
                    Ok(crate::store::CategoryOutcome::Stale(v)) => {
                        refused(number, Refusal::Stale(v))
                    }
                    Err(e @ E::Forbidden) => {
                        refused(number, Refusal::Rule(W::Forbidden(e.to_string())))
                    }
                    Err(e @ E::NotInList(_)) => refused(
                        number,
                        Refusal::Rule(W::Invalid {
                            field: "category",
                            message: e.to_string(),
                        }),
                    ),
                    Err(E::Store(e)) => return Err(e),
                },
            );
        }
        let commands: Vec<Command> = match action {
            BulkAction::Forward { note } => vec![Command::ForwardToHead { note: note.clone() }],
            BulkAction::Dispose {
                to,
                instruction,
                note,
            } => vec![Command::Dispose {
                to: *to,
                copies: Vec::new(),
                instruction: instruction.clone(),
                note: note.clone(),
                due_at: None,
            }],
            BulkAction::Read => rights
                .offers
                .iter()
                .filter(|o| o.action == Action::ReadDisposition)
                .filter_map(|o| o.disposition)
                .map(|d| Command::ReadDisposition { disposition: d })
                .collect(),
            BulkAction::SetCategory { .. } => Vec::new(),
        };
        if commands.is_empty() {
            return Ok(refused(number, Refusal::NothingUnread));
        }
        let mut version = c.version;
        let mut last = c;
        for cmd in &commands {
            match self.act(item.id, version, cmd, actor, now).await? {
                ActOutcome::Done(c) => {
                    version = c.version;
                    last = *c;
                }
                ActOutcome::NotFound => return Ok(refused(number, Refusal::NotFound)),
                ActOutcome::VersionMismatch(v) => return Ok(refused(number, Refusal::Stale(v))),
                ActOutcome::Refused(e) => return Ok(refused(number, Refusal::Rule(e))),
            }
        }
        Ok(BulkOutcome {
            id: item.id,
            tracking_number: number,
            result: Ok(last),
        })
    }
}
