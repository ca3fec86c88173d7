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
}
