//! Service-level policy per channel and the deadlines of a complaint.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::calendar::WorkingCalendar;
use super::complaint::{Channel, NewComplaint};

/// LAPOR!'s rule: the agency posts a follow-up within 5 working days of
/// LAPOR! disposing the report to it.
pub const LAPOR_FOLLOWUP_WORKING_DAYS: u32 = 5;
/// LAPOR!'s rule: a report closes 10 working days after the follow-up when
/// the reporter does not answer.
pub const LAPOR_AUTOCLOSE_WORKING_DAYS: u32 = 10;

/// How long the office has to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sla {
    WorkingDays(u32),
    /// Face to face: minutes (15 by the standard).
    Minutes(u32),
}

impl Sla {
    /// From the two nullable columns / fields; exactly one must be set.
    pub fn from_parts(working_days: Option<i64>, minutes: Option<i64>) -> Option<Sla> {
        match (working_days, minutes) {
            (Some(d), None) if (0..=365).contains(&d) => Some(Sla::WorkingDays(d as u32)),
            (None, Some(m)) if (1..=7 * 24 * 60).contains(&m) => Some(Sla::Minutes(m as u32)),
            _ => None,
        }
    }

    pub fn working_days(self) -> Option<u32> {
        match self {
            Sla::WorkingDays(d) => Some(d),
            Sla::Minutes(_) => None,
        }
    }

    pub fn minutes(self) -> Option<u32> {
        match self {
            Sla::Minutes(m) => Some(m),
            Sla::WorkingDays(_) => None,
        }
    }
}

/// The answer deadline for each channel (policy data, changed by admins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicies(BTreeMap<&'static str, Sla>);

impl Default for SlaPolicies {
    /// The standard's figures: face to face 15 minutes; suggestion box and
    /// letter 7 working days; LAPOR! 8; email (not fixed by the standard) 7;
    /// other agencies' systems and other channels 7.
    fn default() -> Self {
        let mut m = BTreeMap::new();
        for ch in Channel::ALL {
            let sla = match ch {
                Channel::FaceToFace => Sla::Minutes(15),
                Channel::Lapor => Sla::WorkingDays(8),
                _ => Sla::WorkingDays(7),
            };
            m.insert(ch.as_str(), sla);
        }
        SlaPolicies(m)
    }
}

impl SlaPolicies {
    pub fn set(&mut self, channel: Channel, sla: Sla) {
        self.0.insert(channel.as_str(), sla);
    }

    pub fn get(&self, channel: Channel) -> Sla {
        self.0
            .get(channel.as_str())
            .copied()
            .unwrap_or(Sla::WorkingDays(7))
    }
}

/// The clocks of one complaint, fixed at intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub due_at: DateTime<Utc>,
    /// The working days the deadline was counted with (`None` for a
    /// minute-based or agreed deadline, which calendar changes do not move).
    pub sla_working_days: Option<u32>,
    /// LAPOR! reports only: the follow-up deadline on LAPOR!.
    pub lapor_followup_due_at: Option<DateTime<Utc>>,
}

/// The deadline of a new complaint under `policies` and `calendar` in `tz`.
///
/// A face-to-face complaint with no answer time agreed is due when the
/// office closes (`closes`, office-local) on the working day it was
/// received — the next working day's closing when it came after closing or
/// on a day off — and never sooner than its channel's minutes after receipt
/// (ADR 0029): what a person at the desk is told ("today, before we close"),
/// not 15 minutes after someone typed it in. Without `closes`, the minutes
/// alone.
pub fn deadline_for(
    c: &NewComplaint,
    policies: &SlaPolicies,
    calendar: &WorkingCalendar,
    tz: Tz,
    closes: Option<chrono::NaiveTime>,
) -> Deadline {
    let lapor_followup_due_at = (c.channel == Channel::Lapor).then(|| {
        calendar
            .deadline(c.received_at, LAPOR_FOLLOWUP_WORKING_DAYS, tz)
            .1
    });
    if let Some(agreed) = c.agreed_due_at {
        return Deadline {
            due_at: agreed,
            sla_working_days: None,
            lapor_followup_due_at,
        };
    }
    match policies.get(c.channel) {
        Sla::WorkingDays(n) => Deadline {
            due_at: calendar.deadline(c.received_at, n, tz).1,
            sla_working_days: Some(n),
            lapor_followup_due_at,
        },
        Sla::Minutes(m) => {
            let soonest = c.received_at + Duration::minutes(i64::from(m));
            let due_at = match closes {
                Some(t) if c.channel == Channel::FaceToFace => {
                    soonest.max(closing_after(c.received_at, calendar, tz, t))
                }
                _ => soonest,
            };
            Deadline {
                due_at,
                sla_working_days: None,
                lapor_followup_due_at,
            }
        }
    }
}

/// The office's closing time on the day of `at` when that is a working day
/// and `at` is before it; else on the next working day.
fn closing_after(
    at: DateTime<Utc>,
    calendar: &WorkingCalendar,
    tz: Tz,
    closes: chrono::NaiveTime,
) -> DateTime<Utc> {
    use chrono::TimeZone;
    let local = at.with_timezone(&tz);
    let day = local.date_naive();
    let day = if calendar.is_working_day(day) && local.time() < closes {
        day
    } else {
        calendar.add_working_days(day, 1)
    };
    tz.from_local_datetime(&day.and_time(closes))
        .earliest()
        .map_or(at, |t| t.with_timezone(&Utc))
}

/// Working days left until `due_at` as seen at `now` (0 on the due day,
/// negative once the due day has passed).
pub fn working_days_left(
    calendar: &WorkingCalendar,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
) -> i64 {
    let today = now.with_timezone(&tz).date_naive();
    let due = due_at.with_timezone(&tz).date_naive();
    calendar.working_days_between(today, due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ComplaintInput;
    use chrono_tz::Asia::Makassar;

    fn new(channel: &str, received: &str) -> NewComplaint {
        let mut i = ComplaintInput {
            channel: Some(channel.into()),
            subject: Some("s".into()),
            body: Some("b".into()),
            received_at: Some(received.into()),
            ..Default::default()
        };
        i.reporter = Some(crate::domain::ReporterInput {
            name: Some("A".into()),
            id_number: Some("5371010101010001".into()),
            phone: Some("081200000000".into()),
            email: Some("a@example.id".into()),
            address: Some("Kupang".into()),
        });
        NewComplaint::parse(i, Utc::now()).unwrap()
    }

    #[test]
    fn channels_get_the_standard_deadlines() {
        let cal = WorkingCalendar::decreed().unwrap();
        let p = SlaPolicies::default();
        let letter = deadline_for(
            &new("letter", "2025-03-27T09:00:00+08:00"),
            &p,
            &cal,
            Makassar,
            None,
        );
        assert_eq!(letter.due_at.to_rfc3339(), "2025-04-16T15:59:59+00:00");
        assert_eq!(letter.sla_working_days, Some(7));
        assert_eq!(letter.lapor_followup_due_at, None);

        let lapor = deadline_for(
            &new("lapor", "2025-03-27T09:00:00+08:00"),
            &p,
            &cal,
            Makassar,
            None,
        );
        assert_eq!(lapor.sla_working_days, Some(8));
        assert_eq!(lapor.due_at.to_rfc3339(), "2025-04-17T15:59:59+00:00");
        // five working days: Apr 8, 9, 10, 11, 14
        assert_eq!(
            lapor.lapor_followup_due_at.map(|t| t.to_rfc3339()),
            Some("2025-04-14T15:59:59+00:00".into())
        );

        let desk = deadline_for(
            &new("face_to_face", "2025-03-27T09:00:00+08:00"),
            &p,
            &cal,
            Makassar,
            None,
        );
        assert_eq!(desk.due_at.to_rfc3339(), "2025-03-27T01:15:00+00:00");
        assert_eq!(desk.sla_working_days, None);
    }

    #[test]
    fn face_to_face_without_an_agreed_time_is_due_when_the_office_closes() {
        let cal = WorkingCalendar::decreed().unwrap();
        let p = SlaPolicies::default();
        let closes = chrono::NaiveTime::from_hms_opt(16, 0, 0);
        let due = |at: &str| {
            deadline_for(&new("face_to_face", at), &p, &cal, Makassar, closes)
                .due_at
                .to_rfc3339()
        };
        // Thursday 27 March 2025, 09:00 WITA: that day at 16:00 WITA
        assert_eq!(
            due("2025-03-27T09:00:00+08:00"),
            "2025-03-27T08:00:00+00:00"
        );
        // 15:55: never sooner than the 15 minutes
        assert_eq!(
            due("2025-03-27T15:55:00+08:00"),
            "2025-03-27T08:10:00+00:00"
        );
        // 19:29 (typed in the evening): the next working day's closing —
        // Friday 28 March 2025 is a day off (Nyepi leave), so Monday…
        let evening = due("2025-03-27T19:29:00+08:00");
        assert!(evening.ends_with("T08:00:00+00:00"), "{evening}");
        assert!(evening.as_str() > "2025-03-28", "{evening}");
        // a letter is untouched by the rule
        let letter = deadline_for(
            &new("letter", "2025-03-27T09:00:00+08:00"),
            &p,
            &cal,
            Makassar,
            closes,
        );
        assert_eq!(letter.due_at.to_rfc3339(), "2025-04-16T15:59:59+00:00");
    }

    #[test]
    fn days_left_count_down_to_zero_on_the_due_day_then_go_negative() {
        let cal = WorkingCalendar::decreed().unwrap();
        let due = DateTime::parse_from_rfc3339("2025-04-16T15:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            working_days_left(&cal, due, at("2025-04-14T02:00:00Z"), Makassar),
            2
        );
        assert_eq!(
            working_days_left(&cal, due, at("2025-04-16T02:00:00Z"), Makassar),
            0
        );
        // Thu 17, Fri 18 (Good Friday: a holiday), Mon 21, Tue 22
        assert_eq!(
            working_days_left(&cal, due, at("2025-04-22T02:00:00Z"), Makassar),
            -3
        );
    }

    #[test]
    fn sla_parts_need_exactly_one_sane_value() {
        assert_eq!(Sla::from_parts(Some(7), None), Some(Sla::WorkingDays(7)));
        assert_eq!(Sla::from_parts(None, Some(15)), Some(Sla::Minutes(15)));
        assert_eq!(Sla::from_parts(Some(7), Some(15)), None);
        assert_eq!(Sla::from_parts(None, None), None);
        assert_eq!(Sla::from_parts(Some(-1), None), None);
        assert_eq!(Sla::from_parts(None, Some(0)), None);
    }
}
