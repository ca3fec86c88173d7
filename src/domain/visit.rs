//! The front office's guest book (buku tamu digital, issue 35): a visit,
//! who came and why, whom they came to see, whether they need priority
//! service, and where the visit stands. Pure: parsing, the states a visit
//! moves through, its number, the waiting-time figures.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::complaint::str_enum;
use super::validation::ValidationErrors;

str_enum!(
    /// Why the visitor came.
    Purpose {
        Complaint = "complaint",
        Consultation = "consultation",
        Service = "service",
        MeetOfficial = "meet_official",
        Other = "other",
    }
);

str_enum!(
    /// Who is served first, with no queue (NTB's SOP for vulnerable groups).
    Priority {
        Disability = "disability",
        Elderly = "elderly",
        Pregnant = "pregnant",
        Child = "child",
        Other = "other",
    }
);

str_enum!(
    /// Where a visit stands.
    VisitState {
        /// Arrived; the officer has been called.
        Waiting = "waiting",
        /// An officer came and serves the visitor.
        Serving = "serving",
        Done = "done",
        /// The visitor left before being served, or the visit was a mistake.
        Cancelled = "cancelled",
    }
);

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Complaint => "Pengaduan",
            Purpose::Consultation => "Konsultasi / informasi",
            Purpose::Service => "Layanan",
            Purpose::MeetOfficial => "Bertemu pejabat",
            Purpose::Other => "Lainnya",
        }
    }
}

impl Priority {
    pub fn label(self) -> &'static str {
        match self {
            Priority::Disability => "Penyandang disabilitas",
            Priority::Elderly => "Lanjut usia",
            Priority::Pregnant => "Ibu hamil",
            Priority::Child => "Anak",
            Priority::Other => "Lainnya",
        }
    }
}

impl VisitState {
    pub fn label(self) -> &'static str {
        match self {
            VisitState::Waiting => "Menunggu",
            VisitState::Serving => "Sedang dilayani",
            VisitState::Done => "Selesai",
            VisitState::Cancelled => "Tidak jadi",
        }
    }

    /// The states a visit may move to from this one.
    pub fn may_become(self, to: VisitState) -> bool {
        use VisitState::*;
        matches!(
            (self, to),
            (Waiting, Serving) | (Waiting, Cancelled) | (Serving, Done) | (Serving, Cancelled)
        )
    }
}

/// A visit as the form (the tablet, or reception for someone) gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Where the visitor comes from (a village, an institution).
    pub origin: Option<String>,
    pub purpose: Option<String>,
    /// The position the visitor came to see; `None`: the service desk.
    pub position_id: Option<String>,
    pub priority: Option<String>,
    /// Help needed (kursi roda, juru bahasa isyarat, …).
    pub assistance: Option<String>,
    pub note: Option<String>,
}

/// A visit ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub origin: Option<String>,
    pub purpose: Purpose,
    pub position_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub assistance: Option<String>,
    pub note: Option<String>,
}

fn text(v: &Option<String>, max: usize) -> Result<Option<String>, ()> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max || s.chars().any(|c| c.is_control()) => Err(()),
        Some(s) => Ok(Some(s.to_string())),
    }
}

impl NewVisit {
    /// Every refused field named (in English; pages say it in Indonesian).
    pub fn parse(i: &VisitInput) -> Result<NewVisit, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let mut field = |name: &str, v: &Option<String>, max: usize| match text(v, max) {
            Ok(x) => x,
            Err(()) => {
                e.push(
                    name,
                    format!("at most {max} characters, no control characters"),
                );
                None
            }
        };
        let name = field("name", &i.name, 120);
        let origin = field("origin", &i.origin, 200);
        let assistance = field("assistance", &i.assistance, 300);
        let note = field("note", &i.note, 1000);
        let phone = super::complaint::phone_in(&mut e, "phone", i.phone.clone());
        let email = super::complaint::email(&mut e, "email", i.email.clone());
        if name.is_none() && !e.0.iter().any(|f| f.field == "name") {
            e.push("name", "is required");
        }
        let purpose = match i.purpose.as_deref().map(str::trim) {
            Some(p) => Purpose::parse(p),
            None => None,
        };
        if purpose.is_none() {
            e.push(
                "purpose",
                format!("must be one of: {}", Purpose::expected()),
            );
        }
        let position_id = match i
            .position_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(p) => match p.parse::<Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    e.push("position_id", "must be a position of the office");
                    None
                }
            },
        };
        let priority = match i
            .priority
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(p) => match Priority::parse(p) {
                Some(p) => Some(p),
                None => {
                    e.push(
                        "priority",
                        format!("must be one of: {}", Priority::expected()),
                    );
                    None
                }
            },
        };
        match (name, purpose, e.0.is_empty()) {
            (Some(name), Some(purpose), true) => Ok(NewVisit {
                name,
                phone,
                email,
                origin,
                purpose,
                position_id,
                priority,
                assistance,
                note,
            }),
            _ => Err(e),
        }
    }
}

/// A visit's number, shown to the visitor and called out at the desk:
/// `T-0612-007` (month-day, the day's sequence).
pub fn visit_number(day: NaiveDate, seq: i64) -> String {
    format!("T-{}-{seq:03}", day.format("%m%d"))
}

/// The median and the 90th percentile of waiting times in seconds (nearest
/// rank: the value below which that share of the visits waited); `None`
/// for no visits.
pub fn waiting_figures(mut waits: Vec<i64>) -> Option<(i64, i64)> {
    if waits.is_empty() {
        return None;
    }
    waits.sort_unstable();
    let rank = |p: f64| {
        let n = waits.len();
        let k = ((p * n as f64).ceil() as usize).clamp(1, n);
        waits[k - 1]
    };
    Some((rank(0.5), rank(0.9)))
}

/// How long a visitor waited: from arrival to the start of service (or
/// until now while waiting).
pub fn waited(
    arrived: DateTime<Utc>,
    started: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> chrono::Duration {
    (started.unwrap_or(now) - arrived).max(chrono::Duration::zero())
}

/// Visits one visitor's device may register in an hour (a phone that
/// scanned the QR code at the door; a family signs in together). The
/// office's own tablet is not limited per device.
pub const VISITS_PER_DEVICE_HOUR: u32 = 6;

/// The name a visit keeps once its visitor's details were erased.
pub const ERASED_NAME: &str = "(data tamu dihapus)";

/// What the visits report counts of one visit (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFact {
    pub day: NaiveDate,
    pub purpose: Purpose,
    pub position_id: Option<Uuid>,
    pub priority: bool,
    pub state: VisitState,
    pub arrived_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
}

/// The guest book's figures over a period (issue 35): how many came, per
/// day, purpose and unit; how long they waited until served; how many
/// priority visitors were served within the standard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitReport {
    pub total: u64,
    pub served: u64,
    pub cancelled: u64,
    /// Days with visits, in order.
    pub by_day: Vec<(NaiveDate, u64)>,
    /// Every purpose, in the form's order.
    pub by_purpose: Vec<(Purpose, u64)>,
    /// The unit of the position visited ("Petugas pelayanan" for the desk),
    /// most visited first.
    pub by_unit: Vec<(String, u64)>,
    /// Median and 90th percentile of the wait until served, in seconds,
    /// over the visits served.
    pub waited: Option<(i64, i64)>,
    pub priority: u64,
    /// Priority visits served within `standard_minutes` of arriving.
    pub priority_in_standard: u64,
    pub standard_minutes: i64,
}

/// Counts the visits of a period; `unit_of` names the unit of a position
/// (`None`: the service desk or a position no longer known).
pub fn report(
    facts: &[VisitFact],
    unit_of: impl Fn(Uuid) -> Option<String>,
    desk: &str,
    standard_minutes: i64,
) -> VisitReport {
    use std::collections::BTreeMap;
    let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut units: BTreeMap<String, u64> = BTreeMap::new();
    let mut purposes = [0u64; Purpose::ALL.len()];
    let mut waits = Vec::new();
    let mut r = VisitReport {
        standard_minutes,
        ..Default::default()
    };
    for f in facts {
        r.total += 1;
        *days.entry(f.day).or_default() += 1;
        if let Some(i) = Purpose::ALL.iter().position(|p| *p == f.purpose) {
            purposes[i] += 1;
        }
        let unit = f
            .position_id
            .and_then(&unit_of)
            .unwrap_or_else(|| desk.to_string());
        *units.entry(unit).or_default() += 1;
        if f.state == VisitState::Cancelled {
            r.cancelled += 1;
        }
        if let Some(started) = f.started_at {
            r.served += 1;
            let w = (started - f.arrived_at).num_seconds().max(0);
            waits.push(w);
            if f.priority && w <= standard_minutes * 60 {
                r.priority_in_standard += 1;
            }
        }
        if f.priority {
            r.priority += 1;
        }
    }
    r.by_day = days.into_iter().collect();
    r.by_purpose = Purpose::ALL.iter().copied().zip(purposes).collect();
    let mut by_unit: Vec<(String, u64)> = units.into_iter().collect();
    by_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    r.by_unit = by_unit;
    r.waited = waiting_figures(waits);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> VisitInput {
        VisitInput {
            name: Some("  Yakobus Nenobais ".into()),
            phone: Some("0813-3900-1122".into()),
            purpose: Some("meet_official".into()),
            priority: Some("disability".into()),
            assistance: Some("kursi roda".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_visit_needs_a_name_and_a_purpose_and_names_every_bad_field() {
        let v = NewVisit::parse(&input()).unwrap();
        assert_eq!(v.name, "Yakobus Nenobais");
        assert_eq!(v.purpose, Purpose::MeetOfficial);
        assert_eq!(v.priority, Some(Priority::Disability));
        assert!(v.phone.is_some());
        let e = NewVisit::parse(&VisitInput {
            name: None,
            phone: Some("12".into()),
            email: Some("bukan surel".into()),
            purpose: Some("makan".into()),
            position_id: Some("kepala".into()),
            priority: Some("vip".into()),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in [
            "name",
            "phone",
            "email",
            "purpose",
            "position_id",
            "priority",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn a_visit_moves_forward_only() {
        use VisitState::*;
        assert!(Waiting.may_become(Serving) && Serving.may_become(Done));
        assert!(Waiting.may_become(Cancelled) && Serving.may_become(Cancelled));
        assert!(!Done.may_become(Serving) && !Cancelled.may_become(Waiting));
        assert!(!Waiting.may_become(Done), "served before finished");
    }

    #[test]
    fn waiting_figures_by_nearest_rank() {
        // minutes: 1 2 3 4 5 6 7 8 9 30
        let w: Vec<i64> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30]
            .iter()
            .map(|m| m * 60)
            .collect();
        assert_eq!(waiting_figures(w), Some((5 * 60, 9 * 60)));
        assert_eq!(waiting_figures(vec![120]), Some((120, 120)));
        assert_eq!(waiting_figures(Vec::new()), None);
        assert_eq!(
            visit_number(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), 7),
            "T-1207-007"
        );
    }

    #[test]
    fn the_report_counts_waits_of_served_visits_and_priority_within_the_standard() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let t0 = day.and_hms_opt(1, 0, 0).unwrap().and_utc();
        let unit = Uuid::from_u128(7);
        let fact =
            |purpose, position_id, priority, arrive_min: i64, wait_s: Option<i64>| VisitFact {
                day,
                purpose,
                position_id,
                priority,
                state: if wait_s.is_some() {
                    VisitState::Done
                } else {
                    VisitState::Cancelled
                },
                arrived_at: t0 + chrono::Duration::minutes(arrive_min),
                started_at: wait_s.map(|w| {
                    t0 + chrono::Duration::minutes(arrive_min) + chrono::Duration::seconds(w)
                }),
            };
        let facts = [
            fact(Purpose::MeetOfficial, Some(unit), true, 0, Some(300)),
            fact(Purpose::Service, None, true, 5, Some(301)),
            fact(Purpose::Complaint, Some(unit), false, 9, Some(30)),
            fact(Purpose::Other, None, false, 20, None),
        ];
        let r = report(
            &facts,
            |p| (p == unit).then(|| "Bidang Linjamsos".to_string()),
            "Petugas pelayanan",
            5,
        );
        assert_eq!((r.total, r.served, r.cancelled), (4, 3, 1));
        // 300 s is within 5 minutes, 301 s is not
        assert_eq!((r.priority, r.priority_in_standard), (2, 1));
        assert_eq!(r.waited, Some((300, 301)));
        assert_eq!(
            r.by_unit,
            vec![
                ("Bidang Linjamsos".to_string(), 2),
                ("Petugas pelayanan".to_string(), 2)
            ]
        );
        assert_eq!(r.by_purpose.len(), Purpose::ALL.len());
        assert_eq!(report(&[], |_| None, "x", 5).waited, None);
    }
}
