//! Scheduled jobs: the deadline reminder sweep (with overdue escalation) and
//! the managers' daily digest. Each is a plain `run_once(now)` that tests call
//! directly; `spawn` runs them with tokio-cron-scheduler, each under a
//! database lease so that with several replicas one runs a job at a time.
//! Every message is queued in the outbox under a natural key (complaint,
//! kind, threshold, recipient), so it is sent at most once whatever runs twice.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use tokio_cron_scheduler::{Job, JobScheduler};
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::calendar::{WorkingCalendar, end_of_day};
use crate::domain::deadline::working_days_left;
use crate::notify::{self, templates};
use crate::store::{Actor, Complaint, DeadlineQuery, DynStore, StoreError, load_policy};

/// Messages to officials go out in office hours only (local time).
const OFFICE_HOURS: (u32, u32) = (6, 18);
/// Who a complaint waits on when no position holds it (registered, reopened, approved).
const FRONT_OFFICE: &str = "Pejabat Penghubung / Resepsionis";

/// The organisation chart as the jobs need it: titles and superiors.
struct Org {
    positions: HashMap<Uuid, (String, Option<Uuid>)>,
    head: Option<Uuid>,
}

impl Org {
    fn title(&self, p: Uuid) -> Option<&str> {
        self.positions.get(&p).map(|(t, _)| t.as_str())
    }

    /// Who the complaint waits on, in words.
    fn holder_label(&self, c: &Complaint) -> String {
        match c.holder_position_id.and_then(|p| self.title(p)) {
            Some(t) => t.to_string(),
            None => match c.status {
                crate::domain::Status::Approved => {
                    format!("{FRONT_OFFICE} (jawaban siap dikirim)")
                }
                _ => format!("{FRONT_OFFICE} (belum diteruskan kepada Kepala Dinas)"),
            },
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub reminders: u64,
    pub escalations: u64,
}

pub struct Jobs {
    store: DynStore,
    settings: Arc<Settings>,
}

impl Jobs {
    pub fn new(store: DynStore, settings: Arc<Settings>) -> Self {
        Jobs { store, settings }
    }

    fn in_office_hours(&self, calendar: &WorkingCalendar, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.settings.office_timezone);
        calendar.is_working_day(local.date_naive())
            && (OFFICE_HOURS.0..OFFICE_HOURS.1).contains(&local.hour())
    }

    async fn org(&self) -> Result<Org, StoreError> {
        let list = self.store.list_positions().await?;
        Ok(Org {
            head: list.iter().find(|p| p.is_head).map(|p| p.id),
            positions: list
                .into_iter()
                .map(|p| (p.id, (p.title, p.superior_id)))
                .collect(),
        })
    }

    /// The officers holding (or acting for) `position` today, by email, with
    /// the position's title; `fallback` when nobody there has an address.
    async fn at_position(
        &self,
        org: &Org,
        position: Uuid,
        day: chrono::NaiveDate,
        fallback: Option<&str>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let title = org.title(position).unwrap_or("Pejabat").to_string();
        let mut emails = self.store.position_emails(position, day).await?;
        if emails.is_empty() {
            emails.extend(fallback.map(str::to_string));
        }
        Ok(emails.into_iter().map(|e| (e, title.clone())).collect())
    }

    /// Reminder recipients: the officers of the position that must act, and
    /// the liaison officer who watches every deadline. Before anyone holds
    /// the complaint: the liaison officer and the head of office.
    async fn reminder_recipients(
        &self,
        org: &Org,
        c: &Complaint,
        day: chrono::NaiveDate,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let s = &self.settings;
        let mut out: Vec<(String, String)> = Vec::new();
        match c.holder_position_id {
            Some(p) => {
                let fallback = (Some(p) == org.head)
                    .then_some(s.head_email.as_deref())
                    .flatten();
                out.extend(self.at_position(org, p, day, fallback).await?);
            }
            None => out.extend(
                s.head_email
                    .clone()
                    .map(|e| (e, "Kepala Dinas".to_string())),
            ),
        }
        if let Some(e) = &s.liaison_email {
            out.push((e.clone(), "Pejabat Penghubung".to_string()));
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        Ok(out)
    }

    /// Escalation recipients for an overdue complaint: the holder's superior
    /// and the head of office (the top of every chain), by level.
    async fn escalation_recipients(
        &self,
        org: &Org,
        c: &Complaint,
        day: chrono::NaiveDate,
    ) -> Result<Vec<(String, String, &'static str)>, StoreError> {
        let s = &self.settings;
        let mut out = Vec::new();
        let superior = c
            .holder_position_id
            .and_then(|p| org.positions.get(&p))
            .and_then(|(_, sup)| *sup)
            .filter(|sup| Some(*sup) != org.head);
        if let Some(sup) = superior {
            for (e, t) in self.at_position(org, sup, day, None).await? {
                out.push((e, t, "superior"));
            }
        }
        let head_fallback = s.head_email.as_deref().or(s.liaison_email.as_deref());
        let heads = match org.head {
            Some(h) => self.at_position(org, h, day, head_fallback).await?,
            None => head_fallback
                .map(|e| (e.to_string(), "Kepala Dinas".to_string()))
                .into_iter()
                .collect(),
        };
        for (e, t) in heads {
            if !out.iter().any(|(x, _, _)| *x == e) {
                out.push((e, t, "head"));
            }
        }
        Ok(out)
    }

    fn line<'a>(
        &self,
        calendar: &WorkingCalendar,
        c: &'a Complaint,
        now: DateTime<Utc>,
        holder: &'a str,
    ) -> Option<templates::ComplaintLine<'a>> {
        let due = c.due_at?;
        Some(templates::ComplaintLine {
            tracking_number: &c.tracking_number,
            subject: &c.subject,
            channel: c.channel.as_str(),
            received_at: c.received_at,
            due_at: due,
            working_days_left: working_days_left(calendar, due, now, self.settings.office_timezone),
            holder,
            link: format!(
                "{}/console/complaints/{}",
                self.settings.public_base_url, c.id
            ),
        })
    }

    /// Open complaints with a deadline in `[from, before)`, soonest first.
    async fn by_deadline(
        &self,
        from: Option<DateTime<Utc>>,
        before: DateTime<Utc>,
        cap: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .list_by_deadline(&DeadlineQuery {
                    due_from: from,
                    due_before: before,
                    channel: None,
                    holders: Vec::new(),
                    lapor_followup: false,
                    after,
                    limit: 500,
                })
                .await?;
            let done = page.len() < 500;
            after = page.last().and_then(|c| c.due_at.map(|d| (d, c.id)));
            out.extend(page);
            if done || out.len() >= cap {
                return Ok(out);
            }
        }
    }

    /// Reminds before the deadline (`ADUAN_REMINDER_DAYS` working days before
    /// the due day) and escalates once overdue. Does nothing outside office
    /// hours on working days. Its cost grows with the complaints due, not
    /// with the complaints open (index `complaints_open_due`).
    pub async fn reminder_sweep(&self, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport::default();
        let (calendar, _) = load_policy(self.store.as_ref()).await?;
        if !self.in_office_hours(&calendar, now) {
            return Ok(report);
        }
        let s = &self.settings;
        let tz = s.office_timezone;
        let today = now.with_timezone(&tz).date_naive();
        let max_days = s.reminder_days.iter().copied().max().unwrap_or(0);
        let horizon =
            end_of_day(calendar.add_working_days(today, max_days), tz) + Duration::seconds(1);
        let system = Actor::system();
        let org = self.org().await?;

        for c in self.by_deadline(Some(now), horizon, usize::MAX).await? {
            let holder = org.holder_label(&c);
            let Some(line) = self.line(&calendar, &c, now, &holder) else {
                continue;
            };
            let left = line.working_days_left;
            let Some(threshold) = s
                .reminder_days
                .iter()
                .copied()
                .find(|t| left <= i64::from(*t))
            else {
                continue;
            };
            let items: Vec<_> = self
                .reminder_recipients(&org, &c, today)
                .await?
                .iter()
                .map(|(to, label)| {
                    let m = templates::reminder(&s.office_name, label, &line, tz);
                    notify::email(
                        format!("reminder:{}:{threshold}:{to}", c.id),
                        Some(c.id),
                        to,
                        &m,
                    )
                })
                .collect();
            let detail = serde_json::json!({"threshold_working_days": threshold, "working_days_left": left, "recipients": items.len()}).to_string();
            report.reminders += self
                .store
                .enqueue_outbox(
                    &items,
                    Some((c.id, "reminder_queued", &detail, &system)),
                    now,
                )
                .await?;
        }

        // Overdue: escalate to the holder's superior and the head of office.
        for c in self.by_deadline(None, now, usize::MAX).await? {
            let holder = org.holder_label(&c);
            let Some(line) = self.line(&calendar, &c, now, &holder) else {
                continue;
            };
            let items: Vec<_> = self
                .escalation_recipients(&org, &c, today)
                .await?
                .iter()
                .map(|(to, label, level)| {
                    let m = templates::escalation(&s.office_name, label, &line, tz);
                    notify::email(
                        format!("escalation:{}:{level}:{to}", c.id),
                        Some(c.id),
                        to,
                        &m,
                    )
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            let detail = serde_json::json!({"levels": items.len(), "working_days_left": line.working_days_left}).to_string();
            report.escalations += self
                .store
                .enqueue_outbox(&items, Some((c.id, "escalated", &detail, &system)), now)
                .await?;
        }
        if report != SweepReport::default() {
            tracing::info!(
                reminders = report.reminders,
                escalations = report.escalations,
                "reminder sweep queued messages"
            );
        }
        Ok(report)
    }

    /// The managers' digest, once per working day from `ADUAN_DIGEST_TIME`
    /// (office time) until the end of office hours: never on a weekend,
    /// holiday or cuti bersama, never at night. Returns digests queued.
    pub async fn digest(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let s = &self.settings;
        let tz = s.office_timezone;
        let (calendar, _) = load_policy(self.store.as_ref()).await?;
        let local = now.with_timezone(&tz);
        if s.manager_emails.is_empty()
            || !self.in_office_hours(&calendar, now)
            || local.time() < s.digest_time
        {
            return Ok(0);
        }
        let today = local.date_naive();
        let soon_end = end_of_day(calendar.add_working_days(today, 2), tz) + Duration::seconds(1);
        let overdue = self.by_deadline(None, now, 200).await?;
        let soon = self.by_deadline(Some(now), soon_end, 200).await?;
        let org = self.org().await?;
        let overdue_holders: Vec<String> = overdue.iter().map(|c| org.holder_label(c)).collect();
        let soon_holders: Vec<String> = soon.iter().map(|c| org.holder_label(c)).collect();
        let overdue_lines: Vec<_> = overdue
            .iter()
            .zip(&overdue_holders)
            .filter_map(|(c, h)| self.line(&calendar, c, now, h))
            .collect();
        let soon_lines: Vec<_> = soon
            .iter()
            .zip(&soon_holders)
            .filter_map(|(c, h)| self.line(&calendar, c, now, h))
            .collect();
        let m = templates::digest(&s.office_name, now, &overdue_lines, &soon_lines, tz);
        let items: Vec<_> = s
            .manager_emails
            .iter()
            .map(|to| notify::email(format!("digest:{today}:{to}"), None, to, &m))
            .collect();
        let queued = self.store.enqueue_outbox(&items, None, now).await?;
        if queued > 0 {
            tracing::info!(
                digests = queued,
                overdue = overdue_lines.len(),
                due_soon = soon_lines.len(),
                "daily digest queued"
            );
        }
        Ok(queued)
    }

    /// Secrets past their use: access codes kept for idempotent replays
    /// (after `ADUAN_REPLAY_CODE_MINUTES`) and access codes in the payloads
    /// of sent messages. Returns `(replay codes, payloads)` purged.
    pub async fn housekeeping(&self, now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
        let codes = self
            .store
            .purge_replay_codes(now - self.settings.replay_code_window)
            .await?;
        let mut payloads = 0;
        loop {
            let n = self.store.purge_sent_secrets(500).await?;
            payloads += n;
            if n < 500 {
                break;
            }
        }
        if codes + payloads > 0 {
            tracing::info!(replay_codes = codes, payloads, "secrets purged");
        }
        let files =
            crate::store::AttachmentFiles::new(&self.settings.data_dir, self.store.vault().clone());
        crate::app::vault::seal_legacy(self.store.as_ref(), &files).await?;
        Ok((codes, payloads))
    }

    /// The retention job (see `App::retention`).
    pub async fn retention(
        &self,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<crate::app::privacy::RetentionReport, StoreError> {
        crate::app::App::new(self.store.clone(), self.settings.clone())
            .retention(now, dry_run)
            .await
    }

    /// Runs the scheduler until `token` is cancelled, then shuts it down.
    pub async fn run(self: Arc<Self>, token: tokio_util::sync::CancellationToken) {
        match self.schedule().await {
            Ok(mut sched) => {
                token.cancelled().await;
                if let Err(e) = sched.shutdown().await {
                    tracing::warn!(error = %e, "scheduler did not shut down cleanly");
                }
            }
            // returning makes the supervisor log it and try again later
            Err(e) => tracing::error!(error = %e, "scheduled jobs not started"),
        }
    }

    /// Schedules the jobs; each run first takes its lease in the database.
    pub async fn schedule(
        self: Arc<Self>,
    ) -> Result<JobScheduler, tokio_cron_scheduler::JobSchedulerError> {
        let me = self;
        let holder = Uuid::now_v7().to_string();
        let sched = JobScheduler::new().await?;
        let sweep_every = std::time::Duration::from_secs(me.settings.sweep_interval_minutes * 60);
        for (name, every) in [
            ("reminder_sweep", sweep_every),
            ("digest", std::time::Duration::from_secs(300)),
            ("housekeeping", std::time::Duration::from_secs(600)),
            ("retention", std::time::Duration::from_secs(6 * 3600)),
        ] {
            let me = me.clone();
            let holder = holder.clone();
            sched
                .add(Job::new_repeated_async(every, move |_, _| {
                    let me = me.clone();
                    let holder = holder.clone();
                    Box::pin(async move {
                        let now = Utc::now();
                        let lease = now + Duration::from_std(every).unwrap_or(Duration::minutes(5));
                        match me.store.acquire_lease(name, &holder, now, lease).await {
                            Ok(true) => {}
                            Ok(false) => return,
                            Err(e) => {
                                tracing::warn!(job = name, error = %e, "could not take the job lease");
                                return;
                            }
                        }
                        let result = match name {
                            "reminder_sweep" => me.reminder_sweep(now).await.map(|_| ()),
                            "housekeeping" => me.housekeeping(now).await.map(|_| ()),
                            "retention" => me.retention(now, false).await.map(|_| ()),
                            _ => me.digest(now).await.map(|_| ()),
                        };
                        if let Err(e) = result {
                            tracing::warn!(job = name, error = %e, "job failed");
                        }
                    })
                })?)
                .await?;
        }
        sched.start().await?;
        Ok(sched)
    }
}

/// Local wall-clock time helper for tests and callers.
pub fn at_local(
    date: chrono::NaiveDate,
    time: NaiveTime,
    tz: chrono_tz::Tz,
) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    tz.from_local_datetime(&date.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}
