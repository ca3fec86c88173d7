//! Scheduled jobs: the deadline reminder sweep (with overdue escalation) and
//! the managers' daily digest. Each is a plain `run_once(now)` that tests call
//! directly; `spawn` runs them with tokio-cron-scheduler, each under a
//! database lease so that with several replicas one runs a job at a time.
//! Every message is queued in the outbox under a natural key (complaint,
//! kind, threshold, recipient), so it is sent at most once whatever runs twice.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler};
use uuid::Uuid;

use crate::app::reminders::FRONT_OFFICE;
pub use crate::app::reminders::SweepReport;
use crate::config::Settings;
use crate::domain::calendar::end_of_day;

use crate::notify::{self, templates};

use crate::store::{DynStore, StoreError, load_policy};

/// The digest lists at most this many late and this many due-soon complaints
/// (the most urgent); its totals count them all.
const DIGEST_LISTED: usize = 30;

pub struct Jobs {
    store: DynStore,
    settings: Arc<Settings>,
    /// The application core, for the jobs that are its use cases.
    app: Arc<crate::app::App>,
}

impl Jobs {
    pub fn new(store: DynStore, settings: Arc<Settings>) -> Self {
        Jobs {
            app: crate::app::App::new(store.clone(), settings.clone()),
            store,
            settings,
        }
    }

    /// The reminder sweep (`App::reminder_sweep`).
    pub async fn reminder_sweep(&self, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
        self.app.reminder_sweep(now).await
    }

    /// Seals the timeline's new events; once a day, the checkpoint
    /// (`App::seal_events`, `App::checkpoint_timeline`).
    pub async fn audit_seal(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = self.app.seal_events(now).await?;
        self.app.checkpoint_timeline(now).await?;
        Ok(n)
    }

    /// Visitors nobody came for go to the front office (`App::escalate_visits`).
    pub async fn visit_escalation(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.app.escalate_visits(now).await
    }

    /// Mails their notifications to the people who asked (`App::mail_notifications`).
    pub async fn notification_mail(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.app.mail_notifications(now).await
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
            || !self.app.in_office_hours(&calendar, now)
            || local.time() < s.digest_time
        {
            return Ok(0);
        }
        let today = local.date_naive();
        let soon_end = end_of_day(calendar.add_working_days(today, 2), tz) + Duration::seconds(1);
        // the totals over everything, the list of the first DIGEST_LISTED
        let figures = self
            .store
            .dashboard_figures(&crate::store::DashboardQuery {
                now,
                soon_before: soon_end,
                lapor_before: end_of_day(today, tz) + Duration::seconds(1),
            })
            .await?;
        let overdue = self.app.by_deadline(None, now, DIGEST_LISTED).await?;
        let soon = self
            .app
            .by_deadline(Some(now), soon_end, DIGEST_LISTED)
            .await?;
        let org = self.app.org(today).await?;
        // totals per holder and per unit (a position's unit), most late first
        let (positions, units) =
            tokio::try_join!(self.store.list_positions(), self.store.list_units())?;
        let unit_of = |p: Uuid| -> Option<String> {
            let u = positions.iter().find(|x| x.id == p)?.unit_id?;
            units.iter().find(|x| x.id == u).map(|x| x.name.clone())
        };
        let mut by_holder: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        let mut by_unit: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for (rows, late) in [
            (&figures.overdue_by_holder, true),
            (&figures.soon_by_holder, false),
        ] {
            for (h, n) in rows {
                let label = h
                    .and_then(|p| org.title(p))
                    .map_or_else(|| FRONT_OFFICE.to_string(), str::to_string);
                let unit = h
                    .and_then(unit_of)
                    .unwrap_or_else(|| "Tanpa unit (loket, Kepala Dinas)".to_string());
                for e in [
                    by_holder.entry(label).or_default(),
                    by_unit.entry(unit).or_default(),
                ] {
                    if late {
                        e.0 += n;
                    } else {
                        e.1 += n;
                    }
                }
            }
        }
        let sorted = |m: std::collections::BTreeMap<String, (i64, i64)>| {
            let mut v: Vec<(String, i64, i64)> =
                m.into_iter().map(|(h, (a, b))| (h, a, b)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
            v
        };
        let summary = templates::DigestTotals {
            overdue: figures.overdue_by_holder.iter().map(|r| r.1).sum(),
            soon: figures.soon_by_holder.iter().map(|r| r.1).sum(),
            lapor_late: figures.lapor_late,
            by_unit: sorted(by_unit),
            by_holder: sorted(by_holder),
            link: format!("{}/console/dashboard", s.public_base_url),
        };
        let overdue_holders: Vec<String> = overdue.iter().map(|c| org.holder_label(c)).collect();
        let soon_holders: Vec<String> = soon.iter().map(|c| org.holder_label(c)).collect();
        let overdue_lines: Vec<_> = overdue
            .iter()
            .zip(&overdue_holders)
            .filter_map(|(c, h)| self.app.line(&calendar, c, now, h))
            .collect();
        let soon_lines: Vec<_> = soon
            .iter()
            .zip(&soon_holders)
            .filter_map(|(c, h)| self.app.line(&calendar, c, now, h))
            .collect();
        let m = templates::digest(
            &s.office_name,
            now,
            &summary,
            &overdue_lines,
            &soon_lines,
            tz,
        );
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

    /// The monthly report to the managers, on the first working day of the
    /// month from `ADUAN_DIGEST_TIME` within office hours: the previous
    /// month's summary (in total, by channel, by unit), its four charts as
    /// images, the workbook attached; one message per manager and month
    /// (`monthly-report:<YYYY-MM>:<address>`), however many replicas and
    /// runs. Returns the messages queued.
    pub async fn monthly_report(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        use chrono::Datelike;
        let s = &self.settings;
        let tz = s.office_timezone;
        let (calendar, _) = load_policy(self.store.as_ref()).await?;
        let local = now.with_timezone(&tz);
        let today = local.date_naive();
        let first = today.with_day(1).unwrap_or(today);
        let first_working = {
            let mut d = first;
            while !calendar.is_working_day(d) && d < today {
                d = d.succ_opt().unwrap_or(today);
            }
            d
        };
        if s.manager_emails.is_empty()
            || today != first_working
            || !self.app.in_office_hours(&calendar, now)
            || local.time() < s.digest_time
        {
            return Ok(0);
        }
        let Some(last) = first.pred_opt() else {
            return Ok(0);
        };
        let from = last.with_day(1).unwrap_or(last);
        let month_key = format!("{:04}-{:02}", from.year(), from.month());
        let keys: Vec<String> = s
            .manager_emails
            .iter()
            .map(|to| format!("monthly-report:{month_key}:{to}"))
            .collect();
        let known = self.store.known_messages(&keys).await?;
        if keys.iter().all(|k| known.contains(k)) {
            return Ok(0);
        }
        let app = crate::app::App::new(self.store.clone(), self.settings.clone());
        // one after another: a background job, not to take the request
        // path's connections (the pool's acquire timeout is short)
        use crate::domain::report::GroupBy;
        let by_channel = app.report(from, last, GroupBy::Channel, now).await?;
        let by_unit = app.report(from, last, GroupBy::Unit, now).await?;
        let by_kind = app.report(from, last, GroupBy::Kind, now).await?;
        let charts = app
            .report_charts(from, last, &crate::app::reports::CHARTS, now)
            .await?;
        let (visits, _) = app.visit_report(from, last).await?;
        let workbook = format!("laporan-pengaduan-{month_key}.xlsx");
        let xlsx = crate::reports::export::summaries_xlsx(
            &[
                ("Saluran", &by_channel),
                ("Unit", &by_unit),
                ("Jenis", &by_kind),
            ],
            crate::reports::export::Reader::Person,
        )
        .map_err(|e| StoreError::Corrupt(format!("the monthly workbook: {e}")))?;
        let mut files = vec![notify::MailAttachment::new(
            &workbook,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &xlsx,
            None,
        )];
        // drawing is CPU work: off the async threads, so nothing waits on it
        let svgs: Vec<(&'static str, String, String)> = charts
            .iter()
            .map(|(n, c)| (*n, c.svg(), c.description.clone()))
            .collect();
        let drawn = tokio::task::spawn_blocking(move || {
            svgs.into_iter()
                .map(|(n, svg, d)| (n, crate::reports::charts::png(&svg), d))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("drawing the charts: {e}")))?;
        let mut shown = Vec::new();
        for (name, png, description) in drawn {
            match png {
                Ok(png) => {
                    let cid = format!("{name}@aduan");
                    files.push(notify::MailAttachment::new(
                        &format!("{name}.png"),
                        "image/png",
                        &png,
                        Some(&cid),
                    ));
                    shown.push((cid, description));
                }
                // the figures still go out; the log says which chart failed
                Err(e) => tracing::warn!(chart = name, error = %e, "chart not drawn"),
            }
        }
        let month = crate::words::month(&month_key);
        let link = format!(
            "{}/console/reports?from={from}&to={last}&group_by=channel",
            s.public_base_url
        );
        let m = templates::monthly_report(&templates::MonthlyReport {
            office: &s.office_name,
            month: &month,
            by_channel: &by_channel,
            by_unit: &by_unit,
            charts: &shown,
            workbook: &workbook,
            link: &link,
            timezone: tz,
            visits: Some(&visits),
        });
        let items: Vec<_> = s
            .manager_emails
            .iter()
            .zip(&keys)
            .filter(|(_, k)| !known.contains(k))
            .map(|(to, k)| notify::email_with(k.clone(), None, to, &m, files.clone()))
            .collect();
        let queued = self.store.enqueue_outbox(&items, None, now).await?;
        if queued > 0 {
            tracing::info!(messages = queued, month = %month_key, "monthly report queued");
        }
        Ok(queued)
    }

    /// Brings the reports' day tallies up to date (`App::refresh_report_days`).
    pub async fn refresh_reports(
        &self,
        now: DateTime<Utc>,
    ) -> Result<crate::app::reports::RefreshOutcome, StoreError> {
        crate::app::App::new(self.store.clone(), self.settings.clone())
            .refresh_report_days(now)
            .await
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
        crate::app::search::index_backlog(self.store.as_ref()).await?;
        // reads of notifications that have left the list (issue 33)
        self.store
            .prune_notification_reads(
                now - Duration::days(crate::app::notifications::WINDOW_DAYS + 1),
            )
            .await?;
        // the guest book keeps visits for its own, shorter time (issue 35)
        let visits = self
            .store
            .purge_visits(now - Duration::days(i64::from(self.settings.visit_retention_days)))
            .await?;
        if visits > 0 {
            tracing::info!(visits, "visits past their retention deleted");
        }
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
            ("monthly_report", std::time::Duration::from_secs(300)),
            ("reports", std::time::Duration::from_secs(300)),
            ("notification_mail", std::time::Duration::from_secs(120)),
            ("visit_escalation", std::time::Duration::from_secs(30)),
            ("audit_seal", std::time::Duration::from_secs(60)),
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
                            "monthly_report" => me.monthly_report(now).await.map(|_| ()),
                            "reports" => me.refresh_reports(now).await.map(|_| ()),
                            "notification_mail" => me.notification_mail(now).await.map(|_| ()),
                            "visit_escalation" => me.visit_escalation(now).await.map(|_| ()),
                            "audit_seal" => me.audit_seal(now).await.map(|_| ()),
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
