//! LAPOR! reports → complaints. Pure: no I/O, so it is unit-tested here and
//! the one place to adapt when the real API's format is known.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::wire::{Report, Topic};
use crate::domain::{
    ComplaintInput, ExternalRefInput, NewComplaint, ReporterInput, ValidationErrors,
};

/// Why an item of the listing cannot become a complaint (it is quarantined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The tracking id, when it could be read.
    pub tracking_id: Option<String>,
    pub reason: String,
}

/// The tracking id of a raw item, if it has a usable one.
pub fn tracking_id_of(raw: &serde_json::Value) -> Option<String> {
    match raw.get("tracking_id")? {
        serde_json::Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        serde_json::Value::String(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// Reads one raw item of the listing.
pub fn parse_report(raw: &serde_json::Value) -> Result<Report, Malformed> {
    serde_path_to_error::deserialize(raw).map_err(|e| Malformed {
        tracking_id: tracking_id_of(raw),
        reason: format!("{}: {}", e.path(), e.inner()),
    })
}

/// "Sosial / Program Keluarga Harapan (PKH)" for a topic, from its place in the tree.
pub fn topic_path(topics: &HashMap<i64, Topic>, id: i64) -> Option<String> {
    let mut names = Vec::new();
    let mut cur = Some(id);
    while let Some(i) = cur {
        let t = topics.get(&i)?;
        names.push(t.topic_name.clone());
        cur = t.parent.filter(|p| *p != i);
        if names.len() > 10 {
            break;
        }
    }
    names.reverse();
    Some(names.join(" / "))
}

fn cut(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

fn kind_of(classification: &str) -> &'static str {
    match classification {
        "aspirasi" => "aspiration",
        "permintaan_informasi" | "permintaan informasi" => "information_request",
        _ => "complaint",
    }
}

/// The complaint for a report. The clocks start when LAPOR! disposed the
/// report to the office. An anonymous report's identity is never taken over.
pub fn to_complaint(
    r: &Report,
    topics: &HashMap<i64, Topic>,
    now: DateTime<Utc>,
) -> Result<NewComplaint, Malformed> {
    let reporter = match (&r.reporter, r.anonymous) {
        (Some(p), false) => Some(ReporterInput {
            name: p.name.clone(),
            id_number: p.nik.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            address: p.address.clone(),
        }),
        _ => None,
    };
    let title = if r.title.trim().is_empty() {
        cut(&r.content, 80)
    } else {
        cut(&r.title, 200)
    };
    let input = ComplaintInput {
        kind: Some(kind_of(&r.classification).into()),
        channel: Some("lapor".into()),
        // a report disposed "in the future" by LAPOR!'s clock is taken as now
        received_at: Some(r.disposed_at.min(now).to_rfc3339()),
        subject: Some(title),
        body: Some(cut(&r.content, 20_000)),
        category: r
            .topic_id
            .and_then(|t| topic_path(topics, t))
            .map(|c| cut(&c, 200)),
        location: r.location.as_deref().map(|l| cut(l, 1000)),
        anonymous: Some(r.anonymous),
        confidential: Some(r.confidential),
        reporter,
        external_ref: Some(ExternalRefInput {
            lapor_tracking_id: Some(r.tracking_id.to_string()),
            ..Default::default()
        }),
        agreed_due_at: None,
    };
    NewComplaint::parse(input, now).map_err(|e: ValidationErrors| Malformed {
        tracking_id: Some(r.tracking_id.to_string()),
        reason: e
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, f.reason))
            .collect::<Vec<_>>()
            .join("; "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Kind};

    fn topics() -> HashMap<i64, Topic> {
        [
            Topic {
                id: 1,
                parent: None,
                topic_name: "Sosial".into(),
            },
            Topic {
                id: 11,
                parent: Some(1),
                topic_name: "PKH".into(),
            },
        ]
        .into_iter()
        .map(|t| (t.id, t))
        .collect()
    }

    fn raw() -> serde_json::Value {
        serde_json::json!({
            "tracking_id": 4812001, "title": "Bantuan PKH belum cair", "content": "Sudah tiga bulan.",
            "classification": "aspirasi", "topic_id": 11, "anonymous": false, "confidential": true,
            "reporter": {"name": "Maria", "nik": "5371014101900001", "phone": null, "email": null, "address": "Oebobo"},
            "location": "Kupang", "source": "sms", "created_at": "2026-03-01T01:00:00Z",
            "disposed_at": "2026-03-02T01:00:00Z", "status": "disposed", "updated_at": "2026-03-02T01:00:00Z"
        })
    }

    fn now() -> DateTime<Utc> {
        "2026-03-05T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_report_becomes_a_lapor_complaint_clocked_from_the_disposition() {
        let r = parse_report(&raw()).unwrap();
        let c = to_complaint(&r, &topics(), now()).unwrap();
        assert_eq!(c.channel, Channel::Lapor);
        assert_eq!(c.kind, Kind::Aspiration);
        assert_eq!(
            c.received_at,
            "2026-03-02T01:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(c.category.as_deref(), Some("Sosial / PKH"));
        assert_eq!(c.external_ref.lapor_tracking_id.as_deref(), Some("4812001"));
        assert!(c.confidential && !c.anonymous);
        assert_eq!(c.reporter.name.as_deref(), Some("Maria"));
    }

    #[test]
    fn an_anonymous_report_keeps_no_identity_even_if_sent() {
        let mut v = raw();
        v["anonymous"] = true.into();
        let c = to_complaint(&parse_report(&v).unwrap(), &topics(), now()).unwrap();
        assert!(c.anonymous);
        assert!(c.reporter.is_empty());
    }

    #[test]
    fn malformed_items_name_the_field_and_keep_the_id_when_readable() {
        let mut v = raw();
        v["disposed_at"] = "kemarin sore".into();
        let m = parse_report(&v).unwrap_err();
        assert_eq!(m.tracking_id.as_deref(), Some("4812001"));
        assert!(m.reason.starts_with("disposed_at"), "{}", m.reason);
        let mut v = raw();
        v["tracking_id"] = "abc".into();
        assert_eq!(parse_report(&v).unwrap_err().tracking_id, None);
        // a named reporter without an address breaks LAPOR!'s identity rule
        let mut v = raw();
        v["reporter"]["address"] = serde_json::Value::Null;
        let m = to_complaint(&parse_report(&v).unwrap(), &topics(), now()).unwrap_err();
        assert!(m.reason.contains("reporter"), "{}", m.reason);
    }

    #[test]
    fn unknown_topics_and_cycles_do_not_hang() {
        let mut t = topics();
        t.insert(
            5,
            Topic {
                id: 5,
                parent: Some(6),
                topic_name: "A".into(),
            },
        );
        t.insert(
            6,
            Topic {
                id: 6,
                parent: Some(5),
                topic_name: "B".into(),
            },
        );
        assert!(topic_path(&t, 5).is_some());
        assert_eq!(topic_path(&t, 99), None);
    }
}
