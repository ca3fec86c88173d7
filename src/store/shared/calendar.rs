//! The working calendar and the SLA policies.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Backend, insert_event};
use crate::store::StoreError;
use crate::store::model::ComplaintRow;
use crate::store::sql::{COMPLAINT_COLUMNS, OPEN_STATUS, active_calendar};

use crate::store::CalendarStore;

#[async_trait]
impl CalendarStore for Backend {
    async fn seed_calendar(
        &self,
        days: &[crate::domain::calendar::DayOff],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for d in days {
            added += sqlx::query(
                "INSERT INTO calendar_days (date, kind, name, source, active, updated_at) \
                 VALUES ($1, $2, $3, 'decree', TRUE, $4) ON CONFLICT (date) DO NOTHING",
            )
            .bind(d.date)
            .bind(d.kind.as_str())
            .bind(&d.name)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn calendar_days(&self) -> Result<Vec<crate::store::CalendarDay>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT date, kind, name, source, active FROM calendar_days ORDER BY date",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn change_calendar(
        &self,
        change: crate::store::CalendarChange<'_>,
    ) -> Result<crate::store::CalendarChangeOutcome, StoreError> {
        use crate::domain::calendar::end_of_day;
        use crate::store::{CalendarAction, CalendarChangeOutcome, CalendarDay};
        let now = chrono::SubsecRound::trunc_subsecs(change.now, 6);
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let (action, kind, name) = match &change.action {
            CalendarAction::Add { kind, name } => {
                let r = sqlx::query(
                    "INSERT INTO calendar_days (date, kind, name, source, active, updated_at) \
                     VALUES ($1, $2, $3, 'admin', TRUE, $4) \
                     ON CONFLICT (date) DO UPDATE SET kind = $2, name = $3, active = TRUE, \
                     updated_at = $4 WHERE calendar_days.active = FALSE",
                )
                .bind(change.date)
                .bind(kind.as_str())
                .bind(name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() == 0 {
                    return Ok(CalendarChangeOutcome::AlreadyOff);
                }
                ("added", kind.as_str().to_string(), name.clone())
            }
            CalendarAction::Remove => {
                let row: Option<(String, String)> = sqlx::query_as(
                    "UPDATE calendar_days SET active = FALSE, updated_at = $2 \
                     WHERE date = $1 AND active = TRUE RETURNING kind, name",
                )
                .bind(change.date)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((kind, name)) = row else {
                    return Ok(CalendarChangeOutcome::NotOff);
                };
                ("removed", kind, name)
            }
        };
        // The calendar as amended, read inside the transaction.
        let days: Vec<CalendarDay> =
            sqlx::query_as("SELECT date, kind, name, source, active FROM calendar_days")
                .fetch_all(&mut *tx)
                .await?;
        let calendar = active_calendar(days);
        // Open complaints counted in working days whose window
        // (receipt, due date] contains the date, and not yet overdue:
        // met or breached deadlines are never rewritten.
        let day_start =
            end_of_day(change.date, change.timezone) - chrono::Duration::seconds(86_399);
        let day_end = end_of_day(change.date, change.timezone);
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints \
             WHERE {OPEN_STATUS} \
             AND due_at >= $1 AND due_at > $2 AND received_at <= $3 \
             AND sla_working_days IS NOT NULL AND paused_at IS NULL"
        );
        let rows: Vec<ComplaintRow> = sqlx::query_as(&sql)
            .bind(day_start)
            .bind(now)
            .bind(day_end)
            .fetch_all(&mut *tx)
            .await?;
        let mut moved = 0u64;
        let mut listed = Vec::new();
        for row in rows {
            let (c, _) = row.into_complaint(&self.vault)?;
            let Some(days) = c
                .sla_working_days
                .and_then(|d| u32::try_from(d + c.extra_working_days).ok())
            else {
                continue;
            };
            let (_, due_at) = calendar.deadline(c.received_at, days, change.timezone);
            let followup = c.lapor_followup_due_at.map(|_| {
                calendar
                    .deadline(
                        c.received_at,
                        crate::domain::deadline::LAPOR_FOLLOWUP_WORKING_DAYS,
                        change.timezone,
                    )
                    .1
            });
            if Some(due_at) == c.due_at && followup == c.lapor_followup_due_at {
                continue;
            }
            sqlx::query(
                "UPDATE complaints SET due_at = $2, lapor_followup_due_at = $3, \
                 version = version + 1, updated_at = $4 WHERE id = $1",
            )
            .bind(c.id)
            .bind(due_at)
            .bind(followup)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let detail = serde_json::json!({
                "previous_due_at": c.due_at,
                "due_at": due_at,
                "previous_lapor_followup_due_at": c.lapor_followup_due_at,
                "lapor_followup_due_at": followup,
                "calendar_date": change.date,
                "calendar_action": action,
                "reason": change.reason,
            })
            .to_string();
            insert_event(
                &mut tx,
                c.id,
                now,
                "deadline_changed",
                change.actor,
                c.status,
                &detail,
            )
            .await?;
            moved += 1;
            if listed.len() < crate::store::MOVED_LISTED {
                listed.push(crate::store::MovedDeadline {
                    complaint_id: c.id,
                    tracking_number: c.tracking_number.clone(),
                    previous_due_at: c.due_at,
                    due_at,
                });
            }
        }
        sqlx::query(
            "INSERT INTO calendar_changes (id, date, action, kind, name, reason, \
             actor_key_id, actor_name, actor_role, at, complaints_moved) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(Uuid::now_v7())
        .bind(change.date)
        .bind(action)
        .bind(&kind)
        .bind(&name)
        .bind(change.reason)
        .bind(change.actor.key_id)
        .bind(&change.actor.name)
        .bind(change.actor.role.as_str())
        .bind(now)
        .bind(moved as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CalendarChangeOutcome::Applied {
            complaints_moved: moved,
            moved: listed,
        })
    }

    async fn calendar_changes(
        &self,
        limit: u32,
    ) -> Result<Vec<crate::store::CalendarChangeRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, date, action, kind, name, reason, actor_name, actor_role, at, \
             complaints_moved FROM calendar_changes ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn sla_policies(&self) -> Result<Vec<crate::store::SlaPolicyRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT channel, working_days, minutes, updated_at, updated_by \
             FROM sla_policies ORDER BY channel",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_sla_policy(
        &self,
        channel: crate::domain::Channel,
        sla: crate::domain::deadline::Sla,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sla_policies (channel, working_days, minutes, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel) DO UPDATE \
             SET working_days = $2, minutes = $3, updated_at = $4, updated_by = $5",
        )
        .bind(channel.as_str())
        .bind(sla.working_days().map(|d| d as i32))
        .bind(sla.minutes().map(|m| m as i32))
        .bind(chrono::SubsecRound::trunc_subsecs(now, 6))
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
