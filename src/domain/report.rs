//! The evaluation summary: the figures an office is graded on, per group of
//! complaints received in a period (by channel, kind, category, unit,
//! holder or month) and in total. Pure: the store hands over one row per
//! complaint, the application names the groups.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
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

#[derive(Default)]
struct Acc {
    f: Figures,
    days: Vec<i64>,
    lapor: LaporFigures,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| ((n as f64 / d as f64) * 10_000.0).round() / 10_000.0)
}

/// The `q`-quantile of sorted values, nearest rank (p50 of 1,2,3,4 is 2).
fn quantile(sorted: &[i64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1] as f64)
}

impl Acc {
    fn add(&mut self, r: &ReportRow, now: DateTime<Utc>, calendar: &WorkingCalendar, tz: Tz) {
        let f = &mut self.f;
        f.received += 1;
        if r.status.is_open() {
            f.open += 1;
            if !r.paused && r.due_at.is_some_and(|d| d < now) {
                f.overdue_open += 1;
            }
        }
        match r.status {
            Status::Closed => f.closed += 1,
            Status::Redirected => f.redirected += 1,
            Status::Merged => f.merged += 1,
            Status::Rejected => f.rejected += 1,
            _ => {}
        }
        if let Some(at) = r.answered_at {
            f.answered += 1;
            if r.due_at.is_none_or(|d| at <= d) {
                f.answered_on_time += 1;
            } else {
                f.answered_late += 1;
            }
            let from = r.received_at.with_timezone(&tz).date_naive();
            let to = at.with_timezone(&tz).date_naive();
            self.days
                .push(calendar.working_days_between(from, to).max(0));
        }
        if r.channel == Channel::Lapor {
            let l = &mut self.lapor;
            l.received += 1;
            if let Some(at) = r.answered_at {
                l.followed_up += 1;
                if r.lapor_followup_due_at.is_none_or(|d| at <= d) {
                    l.followed_up_in_time += 1;
                }
            }
            if r.answered_at.is_some() || r.status == Status::Closed {
                l.finished += 1;
            }
        }
    }

    fn finish(mut self) -> Figures {
        self.days.sort_unstable();
        let mut f = self.f;
        f.on_time_ratio = ratio(f.answered_on_time, f.answered);
        f.median_working_days = quantile(&self.days, 0.5);
        f.p90_working_days = quantile(&self.days, 0.9);
        if self.lapor.received > 0 {
            let mut l = self.lapor;
            l.followed_up_ratio = ratio(l.followed_up, l.received);
            l.finished_ratio = ratio(l.finished, l.received);
            f.lapor = Some(l);
        }
        f
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
    let mut groups: BTreeMap<(bool, String), Acc> = BTreeMap::new();
    let mut total = Acc::default();
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
        .map(|((none, k), acc)| ((!none).then_some(k), acc.finish()))
        .collect();
    (out, total.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[5], 0.9), Some(5.0));
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), Some(2.0));
        assert_eq!(quantile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9.0));
        assert_eq!(ratio(2, 3), Some(0.6667));
        assert_eq!(ratio(0, 0), None);
    }
}
