//! The calendar and SLA policies: cached for registrations, changed here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::App;
use crate::domain::Channel;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::deadline::{Sla, SlaPolicies};
use crate::store::{
    Actor, CalendarChange, CalendarChangeOutcome, ClockOp, ClockOutcome, Store, StoreError,
    load_policy,
};

/// The calendar and SLA policies in force.
pub struct Policy {
    pub calendar: WorkingCalendar,
    pub sla: SlaPolicies,
}

/// Keeps the policy in memory; reloaded after a local change at once and
/// otherwise every `POLICY_TTL` (so a change made through another replica
/// applies here within that time).
#[derive(Default)]
pub struct PolicyCache {
    inner: tokio::sync::RwLock<Option<(Instant, Arc<Policy>)>>,
}

pub const POLICY_TTL: Duration = Duration::from_secs(30);

impl PolicyCache {
    pub async fn get(&self, store: &dyn Store) -> Result<Arc<Policy>, StoreError> {
        if let Some((at, p)) = self.inner.read().await.as_ref()
            && at.elapsed() < POLICY_TTL
        {
            return Ok(p.clone());
        }
        let mut slot = self.inner.write().await;
        if let Some((at, p)) = slot.as_ref()
            && at.elapsed() < POLICY_TTL
        {
            return Ok(p.clone());
        }
        let (calendar, sla) = load_policy(store).await?;
        let p = Arc::new(Policy { calendar, sla });
        *slot = Some((Instant::now(), p.clone()));
        Ok(p)
    }

    pub async fn invalidate(&self) {
        *self.inner.write().await = None;
    }
}

impl App {
    /// The policy in force (cached).
    pub async fn policy(&self) -> Result<Arc<Policy>, StoreError> {
        self.policy.get(self.store.as_ref()).await
    }

    /// Amends the calendar; open complaints' deadlines move in the same transaction.
    pub async fn change_calendar(
        &self,
        change: CalendarChange<'_>,
    ) -> Result<CalendarChangeOutcome, StoreError> {
        let out = self.store.change_calendar(change).await?;
        self.policy.invalidate().await;
        Ok(out)
    }

    /// Sets a channel's answer deadline (applies to complaints registered from now on).
    pub async fn set_sla_policy(
        &self,
        channel: Channel,
        sla: Sla,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store.set_sla_policy(channel, sla, by, now).await?;
        self.policy.invalidate().await;
        Ok(())
    }

    /// Pauses, resumes or extends a complaint's clock, with its event — if
    /// the actor may (`domain::workflow::may_manage_clock`).
    pub async fn adjust_clock(
        &self,
        id: uuid::Uuid,
        expected_version: Option<i64>,
        op: &ClockOp,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ClockOutcome, StoreError> {
        let Some((_, case)) = self.store.case_state(id).await? else {
            return Ok(ClockOutcome::NotFound);
        };
        let who = super::workflow::authority(self, actor.role, actor, now).await?;
        let extend = matches!(op, ClockOp::Extend { .. });
        if let Err(e) = crate::domain::workflow::may_manage_clock(&case, &who, extend) {
            return Ok(ClockOutcome::Forbidden(e.to_string()));
        }
        self.store
            .adjust_clock(id, expected_version, op, actor, now, self.tz())
            .await
    }

    /// The clock runs again because the complainant answered (the system
    /// acts, not a person: no permission to check).
    pub(crate) async fn resume_for_reply(
        &self,
        id: uuid::Uuid,
        op: &ClockOp,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ClockOutcome, StoreError> {
        self.store
            .adjust_clock(id, None, op, actor, now, self.tz())
            .await
    }
}
