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
        }
        Ok(outcome)
    }
}
