//! The evaluation reports (ADR 0021): the summary, its charts and the
//! report job's day tallies.
//!
//! A period holding at most `ADUAN_REPORT_LIVE_MAX` complaints is counted
//! live from its complaints; a larger one adds up `report_days`, the tallies
//! per received day the `reports` job refreshes every few minutes — days
//! whose complaints have an event since the last refresh, or whose open
//! complaints passed their deadline since, are counted again; every day
//! once a day. Both paths go through `domain::report::Tally`, so they give
//! the same figures for the same complaints.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::App;
use crate::domain::Channel;
use crate::domain::calendar::end_of_day;
use crate::domain::report::{self, GroupBy, Tally};
use crate::reports::charts::{BarChart, Series};
use crate::reports::{Summary, SummaryGroup, label};
use crate::store::{ReportRefresh, StoreError, SurveyQuery};

/// How far back the refresh reads events again (a transaction in flight at
/// the last refresh has committed since: ours take well under a second).
const EVENT_OVERLAP_MINUTES: i64 = 10;
/// Every day is counted again once this long after the last full count
/// (a unit's position moved, a holiday decreed afterwards).
const FULL_EVERY_HOURS: i64 = 24;
/// Days counted per transaction.
const DAYS_PER_BATCH: i64 = 7;

/// The charts of a report, by the name in their URL.
pub const CHARTS: [&str; 4] = [
    "received-per-week",
    "on-time-by-unit",
    "overdue-ageing",
    "ikm",
];

type DayRows = Vec<(NaiveDate, String, Tally)>;

/// The day tallies of a period, as read for one report.
struct Days {
    /// `None`: counted live now.
    as_of: Option<DateTime<Utc>>,
    by_dim: HashMap<&'static str, DayRows>,
}

impl Days {
    fn dim(&self, d: &str) -> &[(NaiveDate, String, Tally)] {
        self.by_dim.get(d).map_or(&[], Vec::as_slice)
    }
}

/// What a refresh of the day tallies did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefreshOutcome {
    pub days: u64,
    pub full: bool,
}

impl App {
    /// `[start of from, start of the day after to)` in the office's zone.
    fn report_period(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let tz = self.tz();
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(tz).earliest())
                .map(|t| t.to_utc())
        };
        Some((start(from)?, start(to.succ_opt()?)?))
    }

    /// The report rows of `[a, b)` with the unit of each (its first
    /// disposition's position's unit).
    async fn rows(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<Vec<report::ReportRow>, StoreError> {
        let (mut rows, positions) =
            tokio::try_join!(self.store.report_rows(a, b), self.store.list_positions())?;
        for r in &mut rows {
            r.unit = r
                .unit
                .and_then(|p| positions.iter().find(|x| x.id == p))
                .and_then(|p| p.unit_id);
        }
        Ok(rows)
    }

    async fn days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        dims: &[&'static str],
        now: DateTime<Utc>,
    ) -> Result<Days, StoreError> {
        let Some((a, b)) = self.report_period(from, to) else {
            return Ok(Days {
                as_of: None,
                by_dim: HashMap::new(),
            });
        };
        let refresh = self.store.report_refresh().await?;
        if let Some(r) = &refresh {
            // the period's size from its day totals: no count over the complaints
            let all = self.tallies("all", from, to).await?;
            let received: u64 = all.iter().map(|(_, _, t)| t.received).sum();
            if received > self.settings.report_live_max {
                let mut by_dim: HashMap<&'static str, DayRows> = HashMap::new();
                for dim in dims.iter().filter(|d| **d != "all") {
                    by_dim.insert(dim, self.tallies(dim, from, to).await?);
                }
                by_dim.insert("all", all);
                return Ok(Days {
                    as_of: Some(r.refreshed_at),
                    by_dim,
                });
            }
        }
        let mut by_dim: HashMap<&'static str, DayRows> = HashMap::new();
        let (rows, policy) = tokio::try_join!(self.rows(a, b), self.policy())?;
        for ((day, dim, key), t) in report::tally_days(&rows, &policy.calendar, self.tz(), now) {
            if dims.contains(&dim) {
                by_dim.entry(dim).or_default().push((day, key, t));
            }
        }
        Ok(Days {
            as_of: None,
            by_dim,
        })
    }

    /// The stored day tallies of one dimension.
    async fn tallies(
        &self,
        dim: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<DayRows, StoreError> {
        let mut out = Vec::new();
        for (day, key, json) in self.store.report_days(dim, from, to).await? {
            let t: Tally = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("a day tally: {e}")))?;
            out.push((day, key, t));
        }
        Ok(out)
    }

    /// The evaluation summary of the complaints received on the office-local
    /// days `[from, to]`, grouped, with the groups' labels.
    pub async fn report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: GroupBy,
        now: DateTime<Utc>,
    ) -> Result<Summary, StoreError> {
        let days = self
            .days(from, to, &[report::day_dimension(by), "all"], now)
            .await?;
        self.summary_of(from, to, by, &days, now).await
    }

    async fn summary_of(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: GroupBy,
        days: &Days,
        now: DateTime<Utc>,
    ) -> Result<Summary, StoreError> {
        let dim = report::day_dimension(by);
        let (groups, total) = report::summarize_days(by, days.dim(dim), days.dim("all"));
        let (units, positions) =
            tokio::try_join!(self.store.list_units(), self.store.list_positions())?;
        Ok(Summary {
            from,
            to,
            group_by: by.as_str(),
            as_of: days.as_of.unwrap_or(now),
            counted: if days.as_of.is_some() {
                "daily_tallies"
            } else {
                "live"
            },
            groups: groups
                .iter()
                .map(|(key, f)| SummaryGroup {
                    label: label(by, key.as_deref(), &units, &positions),
                    key: key.clone(),
                    figures: f.into(),
                })
                .collect(),
            total: (&total).into(),
        })
    }

    /// The charts of a period named in `names` (of `CHARTS`, in that
    /// order): received per week and channel, the on-time ratio per unit,
    /// the ageing of what is late now, the IKM per element.
    pub async fn report_charts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        names: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Vec<(&'static str, BarChart)>, StoreError> {
        let dims = chart_dims(names);
        let days = if dims.is_empty() {
            Days {
                as_of: None,
                by_dim: HashMap::new(),
            }
        } else {
            self.days(from, to, &dims, now).await?
        };
        self.charts_of(from, to, names, &days, now).await
    }

    /// The summary and the charts named in `names` of one period, from one
    /// reading of its days (the Rekapitulasi page: counted live, a period's
    /// rows are read once, not once for each).
    pub async fn report_with_charts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: GroupBy,
        names: &[&str],
        now: DateTime<Utc>,
    ) -> Result<(Summary, Vec<(&'static str, BarChart)>), StoreError> {
        let mut dims = chart_dims(names);
        for d in [report::day_dimension(by), "all"] {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let days = self.days(from, to, &dims, now).await?;
        tokio::try_join!(
            self.summary_of(from, to, by, &days, now),
            self.charts_of(from, to, names, &days, now)
        )
    }

    async fn charts_of(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        names: &[&str],
        days: &Days,
        now: DateTime<Utc>,
    ) -> Result<Vec<(&'static str, BarChart)>, StoreError> {
        let tz = self.tz();
        let want = |n: &str| names.contains(&n);
        let period = format!("{} – {}", short_date(from, true), short_date(to, true));
        let mut out = Vec::new();

        // received per week, a series per channel (in the channels' order)
        if want(CHARTS[0]) {
            let weeks = report::received_per_week(
                from,
                to,
                days.dim("channel")
                    .iter()
                    .map(|(d, k, t)| (*d, k.clone(), t.received)),
            );
            let present: BTreeSet<&str> = weeks
                .iter()
                .flat_map(|(_, m)| m.keys().map(String::as_str))
                .collect();
            let weekly = BarChart {
                title: "Pengaduan diterima per minggu, menurut saluran".into(),
                description: format!(
                    "Jumlah pengaduan yang diterima tiap minggu (mulai Senin) pada {period}, bertumpuk menurut saluran."
                ),
                categories: weeks.iter().map(|(w, _)| short_date(*w, false)).collect(),
                series: Channel::ALL
                    .iter()
                    .filter(|c| present.contains(c.as_str()))
                    .map(|c| Series {
                        name: crate::words::channel(*c).into(),
                        values: weeks
                            .iter()
                            .map(|(_, m)| m.get(c.as_str()).copied().unwrap_or(0) as f64)
                            .collect(),
                    })
                    .collect(),
                horizontal: false,
                percent: false,
            };
            out.push((CHARTS[0], weekly));
        }

        // on time per unit (units with an answer in the period)
        if want(CHARTS[1]) {
            let (groups, _) =
                report::summarize_days(GroupBy::Unit, days.dim("unit"), days.dim("all"));
            let (units, positions) =
                tokio::try_join!(self.store.list_units(), self.store.list_positions())?;
            let answered: Vec<_> = groups.iter().filter(|(_, f)| f.answered > 0).collect();
            let on_time = BarChart {
                title: "Dijawab tepat waktu, menurut unit".into(),
                description: format!(
                    "Bagian jawaban yang dikirim paling lambat pada batas waktunya, per unit yang menangani, untuk pengaduan yang diterima pada {period}."
                ),
                categories: answered
                    .iter()
                    .map(|(k, f)| {
                        format!(
                            "{} ({} dijawab)",
                            label(GroupBy::Unit, k.as_deref(), &units, &positions),
                            f.answered
                        )
                    })
                    .collect(),
                series: vec![Series {
                    name: "Tepat waktu".into(),
                    values: answered
                        .iter()
                        .map(|(_, f)| f.on_time_ratio.unwrap_or(0.0))
                        .collect(),
                }],
                horizontal: true,
                percent: true,
            };
            out.push((CHARTS[1], on_time));
        }

        // the ageing of what is late now
        if want(CHARTS[2]) {
            let policy = self.policy().await?;
            let today = now.with_timezone(&tz).date_naive();
            let cutoffs: Vec<DateTime<Utc>> = report::ageing_cutoffs(&policy.calendar, today)
                .into_iter()
                .map(|d| end_of_day(d, tz) + Duration::seconds(1))
                .collect();
            let (late, at_least) = self.store.overdue_ageing(now, &cutoffs).await?;
            let buckets = report::ageing_counts(late, &at_least);
            let ageing = BarChart {
                title: format!("Terlambat saat ini ({late}), menurut hari kerja keterlambatan"),
                description: format!(
                    "Pengaduan terbuka yang melewati batas waktunya per {}, dikelompokkan menurut berapa hari kerja terlambat.",
                    crate::words::tanggal_jam(now, tz)
                ),
                categories: report::AGEING_BUCKETS
                    .iter()
                    .map(|b| b.2.to_string())
                    .collect(),
                series: vec![Series {
                    name: "Terlambat".into(),
                    values: buckets.iter().map(|n| *n as f64).collect(),
                }],
                horizontal: false,
                percent: false,
            };
            out.push((CHARTS[2], ageing));
        }

        // the IKM per element of the surveys submitted in the period
        if want(CHARTS[3]) {
            let index = self
                .ikm(&SurveyQuery {
                    from: Some(from),
                    to: Some(to),
                    ..Default::default()
                })
                .await?;
            let ikm = BarChart {
                title: match index.ikm {
                    Some(v) => format!(
                        "IKM {} dari {} responden: nilai rata-rata per unsur (1–4)",
                        crate::domain::skm::as_decimal(v),
                        index.respondents
                    ),
                    None => "IKM: belum ada responden pada periode ini".into(),
                },
                description: format!(
                    "Nilai rata-rata jawaban survei kepuasan masyarakat per unsur (U1–U9), skala 1 sampai 4, untuk survei yang diisi pada {period}."
                ),
                categories: crate::domain::skm::ELEMENTS
                    .iter()
                    .map(|e| format!("{} {}", e.code, e.name))
                    .collect(),
                series: vec![Series {
                    name: "Nilai rata-rata".into(),
                    values: if index.respondents > 0 {
                        index
                            .elements
                            .iter()
                            .map(|e| e.average as f64 / 100.0)
                            .collect()
                    } else {
                        Vec::new()
                    },
                }],
                horizontal: true,
                percent: false,
            };
            out.push((CHARTS[3], ikm));
        }
        Ok(out)
    }

    /// Brings the day tallies up to date: the days touched since the last
    /// refresh, or every day on the first run and once a day after.
    pub async fn refresh_report_days(
        &self,
        now: DateTime<Utc>,
    ) -> Result<RefreshOutcome, StoreError> {
        let tz = self.tz();
        let last = self.store.report_refresh().await?;
        let today = now.with_timezone(&tz).date_naive();
        let full = last
            .as_ref()
            .is_none_or(|r| now - r.full_at >= Duration::hours(FULL_EVERY_HOURS));
        let mut days: BTreeSet<NaiveDate> = BTreeSet::new();
        if full {
            if let Some(first) = self.store.earliest_received().await? {
                let mut d = first.with_timezone(&tz).date_naive();
                while d <= today {
                    days.insert(d);
                    d = d.succ_opt().unwrap_or(today + Duration::days(1));
                }
            }
        } else if let Some(r) = &last {
            for t in self
                .store
                .report_touched(r.event_from, r.refreshed_at, now)
                .await?
            {
                days.insert(t.with_timezone(&tz).date_naive());
            }
        }
        // before reading: what commits from now on is read again next time
        let from_ms = (now - Duration::minutes(EVENT_OVERLAP_MINUTES))
            .timestamp_millis()
            .max(0) as u64;
        let event_from = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            from_ms / 1000,
            ((from_ms % 1000) * 1_000_000) as u32,
        ));
        let policy = self.policy().await?;
        // contiguous runs of days, at most a week per transaction
        let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        for d in &days {
            match runs.last_mut() {
                Some((a, b))
                    if *d == *b + Duration::days(1) && (*d - *a).num_days() < DAYS_PER_BATCH =>
                {
                    *b = *d
                }
                _ => runs.push((*d, *d)),
            }
        }
        for (a, b) in &runs {
            let Some((start, end)) = self.report_period(*a, *b) else {
                continue;
            };
            let rows = self.rows(start, end).await?;
            let tallies = report::tally_days(&rows, &policy.calendar, tz, now);
            let mut out = Vec::with_capacity(tallies.len());
            for ((day, dim, key), t) in tallies {
                let json = serde_json::to_string(&t)
                    .map_err(|e| StoreError::Corrupt(format!("a day tally: {e}")))?;
                out.push((dim.to_string(), day, key, json));
            }
            self.store.replace_report_days(*a, *b, &out).await?;
        }
        self.store
            .save_report_refresh(&ReportRefresh {
                event_from,
                refreshed_at: now,
                full_at: if full {
                    now
                } else {
                    last.map_or(now, |r| r.full_at)
                },
            })
            .await?;
        tracing::info!(days = days.len(), full, "report day tallies refreshed");
        Ok(RefreshOutcome {
            days: days.len() as u64,
            full,
        })
    }
}

/// `2 Nov` (or `2 Nov 2026`).
fn short_date(d: NaiveDate, year: bool) -> String {
    let m = crate::words::MONTHS
        .get(d.month0() as usize)
        .map_or("", |m| &m[..3.min(m.len())]);
    if year {
        format!("{} {m} {}", d.day(), d.year())
    } else {
        format!("{} {m}", d.day())
    }
}

/// The day dimensions the charts named in `names` read.
fn chart_dims(names: &[&str]) -> Vec<&'static str> {
    let mut dims = Vec::new();
    if names.contains(&CHARTS[0]) {
        dims.push("channel");
    }
    if names.contains(&CHARTS[1]) {
        dims.extend(["unit", "all"]);
    }
    dims
}
