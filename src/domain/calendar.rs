//! The working-day calendar (hari kerja) and the deadline counting rule.
//!
//! A working day is Monday–Friday in the office's time zone, except national
//! holidays (libur nasional), collective leave (cuti bersama) and office
//! closures. The decreed days for 2024–2027 ship inside the binary
//! (`calendar/id-holidays-2024-2027.csv`); admins amend them at runtime.
//!
//! Counting rule (DESIGN.md): the receipt date is day 0; the deadline is the
//! end (23:59:59 local) of the N-th working day after it; a receipt on a
//! non-working day counts from the next working day as day 1.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The decreed days shipped with the service.
pub const DECREED_CSV: &str = include_str!("../../calendar/id-holidays-2024-2027.csv");

/// Why a weekday is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Libur nasional.
    NationalHoliday,
    /// Cuti bersama.
    CollectiveLeave,
    /// A closure of this office only (regional holiday, disaster, …).
    OfficeClosure,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::NationalHoliday => "national_holiday",
            DayKind::CollectiveLeave => "collective_leave",
            DayKind::OfficeClosure => "office_closure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "national_holiday" | "libur_nasional" => Some(DayKind::NationalHoliday),
            "collective_leave" | "cuti_bersama" => Some(DayKind::CollectiveLeave),
            "office_closure" => Some(DayKind::OfficeClosure),
            _ => None,
        }
    }
}

/// A day that is not worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayOff {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("calendar line {line}: {reason}")]
pub struct CalendarParseError {
    pub line: usize,
    pub reason: String,
}

/// Parses the decreed-days CSV (`date,kind,name_id,source,confidence`).
pub fn parse_decreed(csv: &str) -> Result<Vec<DayOff>, CalendarParseError> {
    let mut out = Vec::new();
    for (i, line) in csv.lines().enumerate() {
        let line_no = i + 1;
        if i == 0 || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.splitn(5, ',');
        let err = |reason: &str| CalendarParseError {
            line: line_no,
            reason: reason.to_string(),
        };
        let date = cols
            .next()
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .ok_or_else(|| err("bad date"))?;
        let kind = cols
            .next()
            .and_then(|k| DayKind::parse(k.trim()))
            .ok_or_else(|| err("bad kind"))?;
        let name = cols
            .next()
            .ok_or_else(|| err("missing name"))?
            .trim()
            .to_string();
        out.push(DayOff { date, kind, name });
    }
    Ok(out)
}

/// The non-working weekdays and weekends of one office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    days_off: BTreeMap<NaiveDate, DayOff>,
}

impl WorkingCalendar {
    pub fn new(days: impl IntoIterator<Item = DayOff>) -> Self {
        WorkingCalendar {
            days_off: days.into_iter().map(|d| (d.date, d)).collect(),
        }
    }

    /// The decreed national calendar as shipped.
    pub fn decreed() -> Result<Self, CalendarParseError> {
        Ok(Self::new(parse_decreed(DECREED_CSV)?))
    }

    pub fn days_off(&self) -> impl Iterator<Item = &DayOff> {
        self.days_off.values()
    }

    pub fn day_off(&self, date: NaiveDate) -> Option<&DayOff> {
        self.days_off.get(&date)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.days_off.contains_key(&date)
    }

    /// The due date: the N-th working day after `received` (day 0).
    pub fn add_working_days(&self, received: NaiveDate, n: u32) -> NaiveDate {
        let mut d = received;
        let mut counted = 0;
        while counted < n {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                counted += 1;
            }
        }
        d
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut n = 0i64;
        let mut d = a;
        while d < b {
            d = d.succ_opt().unwrap_or(b);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        sign * n
    }

    /// The deadline of something received at `received_at`, `n` working days
    /// later: `(due date, due instant = 23:59:59 that day in the office's zone)`.
    pub fn deadline(
        &self,
        received_at: DateTime<Utc>,
        n: u32,
        tz: Tz,
    ) -> (NaiveDate, DateTime<Utc>) {
        let received = received_at.with_timezone(&tz).date_naive();
        let due = self.add_working_days(received, n);
        (due, end_of_day(due, tz))
    }
}

/// 00:00 of `date` in `tz`, as an instant.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let t = date.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&t)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&t))
}

/// 23:59:59 of `date` in `tz`, as an instant. Indonesian zones have no DST,
/// so the local time always exists; elsewhere the earliest mapping is taken.
pub fn end_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let t = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
    tz.from_local_datetime(&t)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        // unreachable for a zone without such a gap; fall back to the UTC reading
        .unwrap_or_else(|| Utc.from_utc_datetime(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::{Jakarta, Jayapura, Makassar};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::decreed().unwrap()
    }

    #[test]
    fn the_shipped_calendar_parses_and_covers_2024_to_2027() {
        let c = cal();
        let years: std::collections::BTreeSet<i32> = c.days_off().map(|d| d.date.year()).collect();
        assert_eq!(
            years.into_iter().collect::<Vec<_>>(),
            [2024, 2025, 2026, 2027]
        );
        assert_eq!(
            c.day_off(d("2026-03-20")).map(|x| x.kind),
            Some(DayKind::CollectiveLeave)
        );
        assert_eq!(
            c.day_off(d("2026-08-17")).map(|x| x.kind),
            Some(DayKind::NationalHoliday)
        );
    }

    #[test]
    fn the_examples_of_the_standard_hold() {
        let c = cal();
        // Thursday before Nyepi and Idul Fitri 2025
        assert_eq!(c.add_working_days(d("2025-03-27"), 7), d("2025-04-16"));
        // a Saturday: the next working day is day 1; 17 Aug and Maulid are holidays
        assert_eq!(c.add_working_days(d("2026-08-15"), 7), d("2026-08-27"));
        // across Christmas, cuti bersama and New Year
        assert_eq!(c.add_working_days(d("2024-12-24"), 7), d("2025-01-07"));
    }

    #[test]
    fn the_due_instant_is_the_end_of_the_local_day() {
        let c = cal();
        // 2025-03-27 09:00 WITA
        let received = DateTime::parse_from_rfc3339("2025-03-27T09:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let (date, at) = c.deadline(received, 7, Makassar);
        assert_eq!(date, d("2025-04-16"));
        assert_eq!(at.to_rfc3339(), "2025-04-16T15:59:59+00:00");
        let (_, at) = c.deadline(received, 7, Jakarta);
        assert_eq!(at.to_rfc3339(), "2025-04-16T16:59:59+00:00");
        let (_, at) = c.deadline(received, 7, Jayapura);
        assert_eq!(at.to_rfc3339(), "2025-04-16T14:59:59+00:00");
    }

    #[test]
    fn the_receipt_date_is_taken_in_the_office_zone() {
        let c = cal();
        // 23:30 WIB on Friday is already Saturday 00:30 in Jayapura (WIT)
        let received = DateTime::parse_from_rfc3339("2026-03-06T23:30:00+07:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(c.deadline(received, 1, Jakarta).0, d("2026-03-09"));
        assert_eq!(c.deadline(received, 1, Jayapura).0, d("2026-03-09"));
        assert_eq!(c.deadline(received, 2, Jakarta).0, d("2026-03-10"));
        assert_eq!(c.deadline(received, 2, Jayapura).0, d("2026-03-10"));
        // Thursday 23:30 WIB is Friday in WIT: one working day less to go
        let thu = DateTime::parse_from_rfc3339("2026-03-05T23:30:00+07:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(c.deadline(thu, 1, Jakarta).0, d("2026-03-06"));
        assert_eq!(c.deadline(thu, 1, Jayapura).0, d("2026-03-09"));
    }

    #[test]
    fn counting_between_dates() {
        let c = cal();
        assert_eq!(c.working_days_between(d("2025-03-27"), d("2025-04-16")), 7);
        assert_eq!(c.working_days_between(d("2025-04-16"), d("2025-03-27")), -7);
        assert_eq!(c.working_days_between(d("2026-08-15"), d("2026-08-15")), 0);
    }

    #[test]
    fn malformed_calendar_lines_are_reported_with_their_number() {
        let e = parse_decreed(
            "date,kind,name\n2026-01-01,libur_nasional,Tahun Baru\n2026-13-01,cuti_bersama,x\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn date() -> impl Strategy<Value = NaiveDate> {
        // the years the decree covers, and a margin either side
        (0i64..(5 * 366))
            .prop_map(|n| NaiveDate::from_ymd_opt(2023, 7, 1).unwrap() + Duration::days(n))
    }

    proptest! {
        #[test]
        fn the_deadline_is_a_working_day(received in date(), n in 1u32..40) {
            let c = WorkingCalendar::decreed().unwrap();
            prop_assert!(c.is_working_day(c.add_working_days(received, n)));
        }

        #[test]
        fn exactly_n_working_days_lie_between(received in date(), n in 0u32..40) {
            let c = WorkingCalendar::decreed().unwrap();
            let due = c.add_working_days(received, n);
            prop_assert_eq!(c.working_days_between(received, due), i64::from(n));
        }

        #[test]
        fn monotone_in_n(received in date(), a in 0u32..40, b in 0u32..40) {
            let c = WorkingCalendar::decreed().unwrap();
            let (lo, hi) = (a.min(b), a.max(b));
            let (dl, dh) = (c.add_working_days(received, lo), c.add_working_days(received, hi));
            prop_assert!(dl <= dh);
            if lo < hi { prop_assert!(dl < dh); }
        }

        #[test]
        fn monotone_in_receipt(a in date(), b in date(), n in 0u32..40) {
            let c = WorkingCalendar::decreed().unwrap();
            let (r1, r2) = (a.min(b), a.max(b));
            prop_assert!(c.add_working_days(r1, n) <= c.add_working_days(r2, n));
        }

        #[test]
        fn receipt_on_a_day_off_counts_from_the_next_working_day(received in date(), n in 1u32..40) {
            let c = WorkingCalendar::decreed().unwrap();
            if !c.is_working_day(received) {
                let mut next = received;
                while !c.is_working_day(next) { next = next.succ_opt().unwrap(); }
                prop_assert_eq!(c.add_working_days(received, n), c.add_working_days(next, n - 1));
            }
        }
    }
}
