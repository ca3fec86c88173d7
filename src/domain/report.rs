//! The evaluation summary: the figures an office is graded on, per group of
//! complaints received in a period (by channel, kind, category, unit,
//! holder or month) and in total. Pure: the store hands over one row per
//! complaint, the application names the groups.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::calendar::WorkingCalendar;
use super::{Channel, Kind, Status};

/// What a summary is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Channel,
    Kind,
    Category,
    Unit,
    Holder,
    Month,
}

impl GroupBy {
    pub const NAMES: &'static str = "channel, kind, category, unit, holder, month";

    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "channel" => GroupBy::Channel,
            "kind" => GroupBy::Kind,
            "category" => GroupBy::Category,
            "unit" => GroupBy::Unit,
            "holder" => GroupBy::Holder,
            "month" => GroupBy::Month,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Channel => "channel",
            GroupBy::Kind => "kind",
            GroupBy::Category => "category",
            GroupBy::Unit => "unit",
            GroupBy::Holder => "holder",
            GroupBy::Month => "month",
        }
    }
}

/// One complaint as the summary needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub channel: Channel,
    pub kind: Kind,
    pub category: Option<String>,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    /// The deadline as the clock counts it (pauses and extensions included).
    pub due_at: Option<DateTime<Utc>>,
    pub paused: bool,
    pub lapor_followup_due_at: Option<DateTime<Utc>>,
    /// The first dispatch of an answer.
    pub answered_at: Option<DateTime<Utc>>,
    /// The position holding it now.
    pub holder: Option<Uuid>,
    /// The unit that handles it (that of the first disposition's recipient).
    pub unit: Option<Uuid>,
}

/// The figures of one group (or of all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub received: u64,
    pub open: u64,
    pub answered: u64,
    pub answered_on_time: u64,
    pub answered_late: u64,
    /// answered on time / answered, 4 decimals; `None` if none was answered.
    pub on_time_ratio: Option<f64>,
    pub median_working_days: Option<f64>,
    pub p90_working_days: Option<f64>,
    pub overdue_open: u64,
    pub closed: u64,
    pub redirected: u64,
    pub merged: u64,
    pub rejected: u64,
    /// LAPOR! reports: received, followed up (answered) within LAPOR!'s 5
    /// working days, followed up at all, finished (answered or closed).
    pub lapor: Option<LaporFigures>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LaporFigures {
    pub received: u64,
    pub followed_up_in_time: u64,
    pub followed_up: u64,
    pub finished: u64,
    /// followed up / received, 4 decimals.
    pub followed_up_ratio: Option<f64>,
    /// finished / received, 4 decimals.
    pub finished_ratio: Option<f64>,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| ((n as f64 / d as f64) * 10_000.0).round() / 10_000.0)
}

/// The `q`-quantile of a histogram (value → count), nearest rank
/// (p50 of 1,2,3,4 is 2).
fn quantile(hist: &BTreeMap<i64, u64>, q: f64) -> Option<f64> {
    let n: u64 = hist.values().sum();
    if n == 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for (v, c) in hist {
        seen += c;
        if seen >= rank {
            return Some(*v as f64);
        }
    }
    None
}

/// What a group's figures are made of, additive: two tallies of disjoint
/// complaints merge into the tally of both (so the day tallies the report
/// job keeps add up to any period's). The working days to the answer are
/// kept as a histogram, so median and p90 stay exact when merged.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub received: u64,
    pub open: u64,
    pub answered: u64,
    pub on_time: u64,
    pub late: u64,
    pub overdue_open: u64,
    pub closed: u64,
    pub redirected: u64,
    pub merged: u64,
    pub rejected: u64,
    pub lapor_received: u64,
    pub lapor_in_time: u64,
    pub lapor_followed_up: u64,
    pub lapor_finished: u64,
    /// Working days from receipt to the first dispatch → answers.
    pub days: BTreeMap<i64, u64>,
}

impl Tally {
    /// Counts one complaint (`now`: what is open and overdue now).
    pub fn add(&mut self, r: &ReportRow, now: DateTime<Utc>, calendar: &WorkingCalendar, tz: Tz) {
        self.received += 1;
        if r.status.is_open() {
            self.open += 1;
            if !r.paused && r.due_at.is_some_and(|d| d < now) {
                self.overdue_open += 1;
            }
        }
        match r.status {
            Status::Closed => self.closed += 1,
            Status::Redirected => self.redirected += 1,
            Status::Merged => self.merged += 1,
            Status::Rejected => self.rejected += 1,
            _ => {}
        }
        if let Some(at) = r.answered_at {
            self.answered += 1;
            if r.due_at.is_none_or(|d| at <= d) {
                self.on_time += 1;
            } else {
                self.late += 1;
            }
            let from = r.received_at.with_timezone(&tz).date_naive();
            let to = at.with_timezone(&tz).date_naive();
            *self
                .days
                .entry(calendar.working_days_between(from, to).max(0))
                .or_default() += 1;
        }
        if r.channel == Channel::Lapor {
            self.lapor_received += 1;
            if let Some(at) = r.answered_at {
                self.lapor_followed_up += 1;
                if r.lapor_followup_due_at.is_none_or(|d| at <= d) {
                    self.lapor_in_time += 1;
                }
            }
            if r.answered_at.is_some() || r.status == Status::Closed {
                self.lapor_finished += 1;
            }
        }
    }

    /// Adds another tally (of other complaints).
    pub fn merge(&mut self, o: &Tally) {
        self.received += o.received;
        self.open += o.open;
        self.answered += o.answered;
        self.on_time += o.on_time;
        self.late += o.late;
        self.overdue_open += o.overdue_open;
        self.closed += o.closed;
        self.redirected += o.redirected;
        self.merged += o.merged;
        self.rejected += o.rejected;
        self.lapor_received += o.lapor_received;
        self.lapor_in_time += o.lapor_in_time;
        self.lapor_followed_up += o.lapor_followed_up;
        self.lapor_finished += o.lapor_finished;
        for (d, n) in &o.days {
            *self.days.entry(*d).or_default() += n;
        }
    }

    /// The figures: ratios and quantiles worked out.
    pub fn figures(&self) -> Figures {
        let lapor = (self.lapor_received > 0).then(|| LaporFigures {
            received: self.lapor_received,
            followed_up_in_time: self.lapor_in_time,
            followed_up: self.lapor_followed_up,
            finished: self.lapor_finished,
            followed_up_ratio: ratio(self.lapor_followed_up, self.lapor_received),
            finished_ratio: ratio(self.lapor_finished, self.lapor_received),
        });
        Figures {
            received: self.received,
            open: self.open,
            answered: self.answered,
            answered_on_time: self.on_time,
            answered_late: self.late,
            on_time_ratio: ratio(self.on_time, self.answered),
            median_working_days: quantile(&self.days, 0.5),
            p90_working_days: quantile(&self.days, 0.9),
            overdue_open: self.overdue_open,
            closed: self.closed,
            redirected: self.redirected,
            merged: self.merged,
            rejected: self.rejected,
            lapor,
        }
    }
}

/// The key a row falls under (`None`: none, e.g. no category yet).
pub fn key_of(r: &ReportRow, by: GroupBy, tz: Tz) -> Option<String> {
    match by {
        GroupBy::Channel => Some(r.channel.as_str().to_string()),
        GroupBy::Kind => Some(r.kind.as_str().to_string()),
        GroupBy::Category => r.category.clone(),
        GroupBy::Unit => r.unit.map(|u| u.to_string()),
        GroupBy::Holder => r.holder.map(|h| h.to_string()),
        GroupBy::Month => {
            let d = r.received_at.with_timezone(&tz);
            Some(format!("{:04}-{:02}", d.year(), d.month()))
        }
    }
}

/// The summary: per key (sorted; `None` last as "no such group"), and the
/// total over every row.
pub fn summarize(
    rows: &[ReportRow],
    by: GroupBy,
    calendar: &WorkingCalendar,
    tz: Tz,
    now: DateTime<Utc>,
) -> (Vec<(Option<String>, Figures)>, Figures) {
    let mut groups: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for r in rows {
        let key = key_of(r, by, tz);
        groups
            .entry((key.is_none(), key.unwrap_or_default()))
            .or_default()
            .add(r, now, calendar, tz);
        total.add(r, now, calendar, tz);
    }
    let out = groups
        .into_iter()
        .map(|((none, k), t)| ((!none).then_some(k), t.figures()))
        .collect();
    (out, total.figures())
}

/// The dimensions day tallies are kept by: every grouping but the month,
/// and `all` (the day's total, which the months add up).
pub const DAY_DIMENSIONS: [&str; 6] = ["channel", "kind", "category", "unit", "holder", "all"];

/// The key of a row in one of the day dimensions (`""`: none).
fn day_key(r: &ReportRow, dim: &str, tz: Tz) -> String {
    let by = match dim {
        "channel" => GroupBy::Channel,
        "kind" => GroupBy::Kind,
        "category" => GroupBy::Category,
        "unit" => GroupBy::Unit,
        "holder" => GroupBy::Holder,
        _ => return String::new(),
    };
    key_of(r, by, tz).unwrap_or_default()
}

/// Tallies per `(office-local day received, dimension, key)`.
pub type DayTallies = BTreeMap<(NaiveDate, &'static str, String), Tally>;

/// The tallies per received day and dimension of `rows`.
pub fn tally_days(
    rows: &[ReportRow],
    calendar: &WorkingCalendar,
    tz: Tz,
    now: DateTime<Utc>,
) -> DayTallies {
    let mut out = DayTallies::new();
    for r in rows {
        let day = r.received_at.with_timezone(&tz).date_naive();
        for dim in DAY_DIMENSIONS {
            out.entry((day, dim, day_key(r, dim, tz)))
                .or_default()
                .add(r, now, calendar, tz);
        }
    }
    out
}

/// The dimension a grouping is read from among the day tallies.
pub fn day_dimension(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Month => "all",
        other => other.as_str(),
    }
}

/// The summary from day tallies of one dimension (`day_dimension(by)`) and
/// of `all` (the total): the figures `summarize` gives over the same rows.
pub fn summarize_days(
    by: GroupBy,
    grouped: &[(NaiveDate, String, Tally)],
    all: &[(NaiveDate, String, Tally)],
) -> (Vec<(Option<String>, Figures)>, Figures) {
    let mut groups: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    for (day, key, t) in grouped {
        let key = match by {
            GroupBy::Month => format!("{:04}-{:02}", day.year(), day.month()),
            _ => key.clone(),
        };
        groups.entry((key.is_empty(), key)).or_default().merge(t);
    }
    let mut total = Tally::default();
    for (_, _, t) in all {
        total.merge(t);
    }
    let out = groups
        .into_iter()
        .map(|((none, k), t)| ((!none).then_some(k), t.figures()))
        .collect();
    (out, total.figures())
}

/// Complaints received per week (Monday first) and key (the channel): the
/// weeks touching `[from, to]` in order, empty weeks kept.
pub fn received_per_week(
    from: NaiveDate,
    to: NaiveDate,
    per_day: impl IntoIterator<Item = (NaiveDate, String, u64)>,
) -> Vec<(NaiveDate, BTreeMap<String, u64>)> {
    let monday =
        |d: NaiveDate| d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64);
    let mut weeks: BTreeMap<NaiveDate, BTreeMap<String, u64>> = BTreeMap::new();
    let mut w = monday(from);
    while w <= to {
        weeks.insert(w, BTreeMap::new());
        w += chrono::Duration::days(7);
    }
    for (day, key, n) in per_day {
        if day < from || day > to || n == 0 {
            continue;
        }
        *weeks
            .entry(monday(day))
            .or_default()
            .entry(key)
            .or_default() += n;
    }
    weeks.into_iter().collect()
}

/// The ageing buckets of late complaints by working days late (counted in
/// `(deadline's day, today]`; 0: due today, past the hour): lower bound,
/// upper bound, label.
pub const AGEING_BUCKETS: [(i64, Option<i64>, &str); 5] = [
    (0, Some(0), "Hari ini"),
    (1, Some(2), "1–2"),
    (3, Some(5), "3–5"),
    (6, Some(10), "6–10"),
    (11, None, "> 10"),
];

/// For each bucket's lower bound `k > 0`: the last due day at least `k`
/// working days late today (`due day ≤ it` ⇔ at least `k` late).
pub fn ageing_cutoffs(calendar: &WorkingCalendar, today: NaiveDate) -> Vec<NaiveDate> {
    AGEING_BUCKETS
        .iter()
        .skip(1)
        .map(|(k, _, _)| {
            let mut d = today;
            // bounded: no calendar holds years without a working day
            for _ in 0..4000 {
                if calendar.working_days_between(d, today) >= *k {
                    break;
                }
                d = d.pred_opt().unwrap_or(d);
            }
            d
        })
        .collect()
}

/// The bucket counts from the number late and, per cutoff of
/// `ageing_cutoffs`, the number at least that late (nested counts).
pub fn ageing_counts(late: u64, at_least: &[u64]) -> Vec<u64> {
    let mut bounds = vec![late];
    bounds.extend_from_slice(at_least);
    bounds.push(0);
    bounds
        .windows(2)
        .map(|w| w[0].saturating_sub(w[1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let h = |v: &[i64]| {
            let mut m = BTreeMap::new();
            for x in v {
                *m.entry(*x).or_insert(0u64) += 1;
            }
            m
        };
        assert_eq!(quantile(&h(&[]), 0.5), None);
        assert_eq!(quantile(&h(&[5]), 0.9), Some(5.0));
        assert_eq!(quantile(&h(&[1, 2, 3, 4]), 0.5), Some(2.0));
        assert_eq!(
            quantile(&h(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.9),
            Some(9.0)
        );
        assert_eq!(quantile(&h(&[3, 1, 3, 3, 9]), 0.5), Some(3.0));
        assert_eq!(ratio(2, 3), Some(0.6667));
        assert_eq!(ratio(0, 0), None);
    }

    #[test]
    fn ageing_buckets_are_differences_of_nested_counts() {
        // 10 late: 7 at least 1 day, 4 at least 3, 1 at least 6, 0 over 10
        assert_eq!(ageing_counts(10, &[7, 4, 1, 0]), vec![3, 3, 3, 1, 0]);
        let cal = WorkingCalendar::default();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        // Wednesday 2 December: due Tuesday or earlier is 1 working day
        // late; due Sunday 29 November or earlier (Friday the 27th among
        // them) is 3 — Monday, Tuesday, Wednesday counted; Monday the 30th
        // is only 2
        let c = ageing_cutoffs(&cal, d(12, 2));
        assert_eq!(c[0], d(12, 1));
        assert_eq!(c[1], d(11, 29));
        assert_eq!(cal.working_days_between(d(11, 27), d(12, 2)), 3);
        assert_eq!(cal.working_days_between(d(11, 30), d(12, 2)), 2);
    }

    #[test]
    fn weeks_start_on_monday_and_empty_weeks_are_kept() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        let w = received_per_week(
            d(11, 1),
            d(11, 20),
            [
                (d(11, 4), "letter".to_string(), 2),
                (d(11, 5), "letter".to_string(), 1),
                (d(11, 21), "letter".to_string(), 9),
            ],
        );
        // Sunday 1 November is in the week of Monday 26 October
        let mondays: Vec<NaiveDate> = w.iter().map(|x| x.0).collect();
        assert_eq!(mondays, vec![d(10, 26), d(11, 2), d(11, 9), d(11, 16)]);
        assert_eq!(w[1].1.get("letter"), Some(&3));
        assert!(w[2].1.is_empty());
        assert!(w[3].1.is_empty(), "a day after `to` is not counted");
    }

    #[test]
    fn day_tallies_add_up_to_the_summary_over_the_rows() {
        let cal = WorkingCalendar::default();
        let tz: Tz = "Asia/Makassar".parse().unwrap_or(chrono_tz::UTC);
        let at = |d: u32, h: u32| {
            chrono::TimeZone::with_ymd_and_hms(&tz, 2026, 11, d, h, 0, 0)
                .single()
                .map(|t| t.to_utc())
                .unwrap_or_default()
        };
        let row = |d: u32, channel, status, answered: Option<u32>| ReportRow {
            channel,
            kind: Kind::Complaint,
            category: d.is_multiple_of(2).then(|| "PKH".to_string()),
            status,
            received_at: at(d, 9),
            due_at: Some(at(d + 4, 23)),
            paused: false,
            lapor_followup_due_at: None,
            answered_at: answered.map(|x| at(x, 10)),
            holder: None,
            unit: None,
        };
        let rows = vec![
            row(2, Channel::Letter, Status::Answered, Some(3)),
            row(2, Channel::Email, Status::Answered, Some(9)),
            row(3, Channel::Letter, Status::InProgress, None),
            row(10, Channel::Lapor, Status::Closed, Some(12)),
            row(16, Channel::Letter, Status::Answered, Some(25)),
        ];
        let now = at(20, 12);
        let days = tally_days(&rows, &cal, tz, now);
        for by in [
            GroupBy::Channel,
            GroupBy::Category,
            GroupBy::Month,
            GroupBy::Unit,
        ] {
            let pick = |dim: &str| -> Vec<(NaiveDate, String, Tally)> {
                days.iter()
                    .filter(|((_, d, _), _)| *d == dim)
                    .map(|((day, _, k), t)| (*day, k.clone(), t.clone()))
                    .collect()
            };
            let from_days = summarize_days(by, &pick(day_dimension(by)), &pick("all"));
            assert_eq!(from_days, summarize(&rows, by, &cal, tz, now), "{by:?}");
        }
        let (_, total) = summarize(&rows, GroupBy::Channel, &cal, tz, now);
        assert_eq!(
            (total.received, total.answered, total.answered_late),
            (5, 4, 2)
        );
        assert_eq!(total.overdue_open, 1);
        // working days 1, 5, 2, 7 → p50 2, p90 7
        assert_eq!(
            (total.median_working_days, total.p90_working_days),
            (Some(2.0), Some(7.0))
        );
    }
}
