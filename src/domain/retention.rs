//! How long personal data is kept: a schedule by final state (the office's
//! archive schedule, JRA, sets the years), after which a complaint's
//! personal data is anonymised and the record kept without it.

use chrono::{DateTime, Months, Utc};

use crate::domain::Status;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionSchedule {
    /// Final state → years after the complaint reached it (its last change).
    pub years: Vec<(Status, u32)>,
}

/// The final states a schedule may name.
pub const FINAL_STATES: [Status; 5] = [
    Status::Answered,
    Status::Closed,
    Status::Redirected,
    Status::Merged,
    Status::Rejected,
];

impl Default for RetentionSchedule {
    fn default() -> Self {
        RetentionSchedule::parse("answered=5,closed=5,merged=5,redirected=2,rejected=2")
            .unwrap_or(RetentionSchedule { years: Vec::new() })
    }
}

impl RetentionSchedule {
    /// `status=years` pairs, comma-separated; a final state left out is
    /// kept for good (never anonymised by the job).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut years = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (status, n) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not status=years"))?;
            let status = Status::parse(status.trim())
                .filter(|s| FINAL_STATES.contains(s))
                .ok_or_else(|| {
                    format!(
                        "`{}` is not a final state (answered, closed, redirected, merged, rejected)",
                        status.trim()
                    )
                })?;
            let n: u32 = n
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    format!("`{}` years must be a whole number from 1 to 100", n.trim())
                })?;
            if years.iter().any(|(s, _)| *s == status) {
                return Err(format!("`{}` appears twice", status.as_str()));
            }
            years.push((status, n));
        }
        Ok(RetentionSchedule { years })
    }

    /// For each state, the instant before which a complaint that reached it
    /// is past the schedule.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> Vec<(Status, DateTime<Utc>)> {
        self.years
            .iter()
            .filter_map(|(s, y)| Some((*s, now.checked_sub_months(Months::new(12 * y))?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_schedule_gives_one_cutoff_per_state() {
        let s = RetentionSchedule::parse("closed=5, rejected=2").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
        assert_eq!(
            s.cutoffs(now),
            vec![
                (
                    Status::Closed,
                    Utc.with_ymd_and_hms(2021, 12, 2, 0, 0, 0).unwrap()
                ),
                (
                    Status::Rejected,
                    Utc.with_ymd_and_hms(2024, 12, 2, 0, 0, 0).unwrap()
                ),
            ]
        );
        assert!(RetentionSchedule::parse("registered=1").is_err());
        assert!(RetentionSchedule::parse("closed=0").is_err());
        assert!(RetentionSchedule::parse("closed=5,closed=6").is_err());
        assert_eq!(RetentionSchedule::default().years.len(), 5);
    }
}
