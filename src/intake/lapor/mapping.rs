//! LAPOR! reports → complaints. Pure: no I/O, so it is unit-tested here and
//! the one place to adapt when the real API's format is known.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::wire::{Report, Topic};
use crate::domain::complaint::MAX_IMPORTED_BODY;
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

/// The timestamps of a report (and of a comment) that may come without a zone.
const TIME_FIELDS: [&str; 3] = ["created_at", "disposed_at", "updated_at"];
/// The text fields control characters are removed from.
const TEXT_FIELDS: [&str; 3] = ["title", "content", "location"];
const REPORTER_FIELDS: [&str; 5] = ["name", "nik", "phone", "email", "address"];

/// A zone-less `2026-03-02 08:00:00` (as PHP platforms send) read in `tz`.
fn zoned(s: &str, tz: Tz) -> Option<String> {
    if DateTime::parse_from_rfc3339(s).is_ok() {
        return None;
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(s.trim(), f).ok())?;
    let t = naive.and_local_timezone(tz).earliest()?;
    Some(t.to_utc().to_rfc3339())
}

fn strip_controls(s: &str) -> Option<String> {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .then(|| {
            s.chars()
                .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
                .collect()
        })
}

/// Smooths what a platform sends oddly but means plainly, before the item
/// is read: zone-less timestamps in LAPOR!'s zone, `null` lists as empty,
/// control characters (a NUL) out of the text, a blank name as none. Each
/// change is said in the notes the complaint keeps (Bahasa Indonesia, for
/// the officials; no value quoted).
pub fn normalize(raw: &serde_json::Value, tz: Tz) -> (serde_json::Value, Vec<String>) {
    use serde_json::Value;
    let mut v = raw.clone();
    let mut notes = Vec::new();
    let Some(o) = v.as_object_mut() else {
        return (v, notes);
    };
    let mut zoneless = Vec::new();
    for f in TIME_FIELDS {
        if let Some(Value::String(s)) = o.get(f)
            && let Some(t) = zoned(s, tz)
        {
            o.insert(f.to_string(), Value::String(t));
            zoneless.push(f);
        }
    }
    if !zoneless.is_empty() {
        notes.push(format!(
            "Waktu dari LAPOR! tanpa zona waktu ({}) dibaca sebagai waktu {tz}.",
            zoneless.join(", ")
        ));
    }
    for f in ["attachments"] {
        if o.get(f).is_some_and(Value::is_null) {
            o.insert(f.to_string(), Value::Array(Vec::new()));
        }
    }
    if o.get("comment_count").is_some_and(Value::is_null) {
        o.remove("comment_count");
    }
    let mut cleaned = Vec::new();
    for f in TEXT_FIELDS {
        if let Some(Value::String(s)) = o.get(f)
            && let Some(clean) = strip_controls(s)
        {
            o.insert(f.to_string(), Value::String(clean));
            cleaned.push(f);
        }
    }
    if let Some(Value::Object(r)) = o.get_mut("reporter") {
        for f in REPORTER_FIELDS {
            match r.get(f) {
                Some(Value::String(s)) if s.trim().is_empty() => {
                    r.insert(f.to_string(), Value::Null);
                    if f == "name" {
                        notes.push("Nama pelapor dari LAPOR! kosong.".into());
                    }
                }
                Some(Value::String(s)) => {
                    if let Some(clean) = strip_controls(s) {
                        r.insert(f.to_string(), Value::String(clean));
                        cleaned.push("reporter");
                    }
                }
                _ => {}
            }
        }
    }
    if !cleaned.is_empty() {
        cleaned.dedup();
        notes.push(format!(
            "Karakter kendali (mis. NUL) dihapus dari {}.",
            cleaned.join(", ")
        ));
    }
    (v, notes)
}

/// The longest subject: a longer title is shown cut, in full in the text.
const MAX_TITLE: usize = 200;
const MAX_LOCATION: usize = 1_000;

/// The complaint for a report, and the notes of what had to be smoothed or
/// left out (kept on its timeline). The clocks start when LAPOR! disposed
/// the report to the office. An anonymous report's identity is never taken
/// over. Lenient: an unusable optional field (an email like `dewi@gmail`, a
/// malformed phone or NIK, a missing address) is left out and noted, never
/// a reason to quarantine the report; nothing is cut without saying so.
pub fn to_complaint(
    r: &Report,
    topics: &HashMap<i64, Topic>,
    now: DateTime<Utc>,
) -> Result<(NewComplaint, Vec<String>), Malformed> {
    let mut notes = Vec::new();
    let mut reporter = match (&r.reporter, r.anonymous) {
        (Some(p), false) => Some(ReporterInput {
            name: p.name.clone(),
            id_number: p.nik.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            address: p.address.clone(),
        }),
        _ => None,
    };
    let title = r.title.trim();
    let content = r.content.trim();
    let (subject, mut body) = if title.is_empty() {
        (cut(content, 80), content.to_string())
    } else if title.chars().count() > MAX_TITLE {
        notes.push(format!(
            "Judul laporan {} karakter: perihal memuat {} karakter pertama, judul lengkap ada di awal isi.",
            title.chars().count(),
            MAX_TITLE - 1
        ));
        let mut s = cut(title, MAX_TITLE - 1);
        s.push('…');
        (s, format!("Judul lengkap: {title}\n\n{content}"))
    } else {
        (title.to_string(), content.to_string())
    };
    if body.chars().count() > MAX_IMPORTED_BODY {
        notes.push(format!(
            "Isi laporan {} karakter: disimpan {} karakter pertama; selengkapnya di LAPOR!.",
            body.chars().count(),
            MAX_IMPORTED_BODY
        ));
        body = cut(&body, MAX_IMPORTED_BODY);
    }
    let location = r.location.as_deref().map(|l| {
        if l.trim().chars().count() > MAX_LOCATION {
            notes.push(format!(
                "Lokasi lebih dari {MAX_LOCATION} karakter: dipotong."
            ));
        }
        cut(l, MAX_LOCATION)
    });
    if reporter
        .as_ref()
        .is_some_and(|p| p.name.is_some() && p.address.is_none())
    {
        notes.push("Alamat pelapor tidak dikirim LAPOR!.".into());
    }
    let input = |reporter: Option<ReporterInput>| ComplaintInput {
        kind: Some(kind_of(&r.classification).into()),
        channel: Some("lapor".into()),
        // a report disposed "in the future" by LAPOR!'s clock is taken as now
        received_at: Some(r.disposed_at.min(now).to_rfc3339()),
        subject: Some(subject.clone()),
        body: Some(body.clone()),
        category: r
            .topic_id
            .and_then(|t| topic_path(topics, t))
            .map(|c| cut(&c, 200)),
        location: location.clone(),
        anonymous: Some(r.anonymous),
        confidential: Some(r.confidential),
        reporter,
        external_ref: Some(ExternalRefInput {
            lapor_tracking_id: Some(r.tracking_id.to_string()),
            ..Default::default()
        }),
        agreed_due_at: None,
    };
    let malformed = |e: ValidationErrors| Malformed {
        tracking_id: Some(r.tracking_id.to_string()),
        reason: e
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, f.reason))
            .collect::<Vec<_>>()
            .join("; "),
    };
    match NewComplaint::parse_imported(input(reporter.clone()), now) {
        Ok(c) => Ok((c, notes)),
        Err(e) => {
            // an unusable identity field is left out; anything else is not ours to guess
            let fields: Vec<String> = e.0.iter().map(|f| f.field.clone()).collect();
            let mut dropped = Vec::new();
            if let Some(p) = reporter.as_mut() {
                for f in &fields {
                    let (slot, label) = match f.as_str() {
                        "reporter.email" => (&mut p.email, "email"),
                        "reporter.phone" => (&mut p.phone, "nomor telepon"),
                        "reporter.id_number" => (&mut p.id_number, "NIK"),
                        "reporter.name" => (&mut p.name, "nama"),
                        "reporter.address" => (&mut p.address, "alamat"),
                        _ => return Err(malformed(e)),
                    };
                    if slot.take().is_some() {
                        dropped.push(label);
                    }
                }
            }
            if dropped.is_empty() {
                return Err(malformed(e));
            }
            notes.push(format!(
                "Data pelapor dari LAPOR! tidak dapat dipakai dan tidak disimpan: {}.",
                dropped.join(", ")
            ));
            NewComplaint::parse_imported(input(reporter), now)
                .map(|c| (c, notes))
                .map_err(malformed)
        }
    }
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
        let (c, notes) = to_complaint(&r, &topics(), now()).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
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
        let (c, _) = to_complaint(&parse_report(&v).unwrap(), &topics(), now()).unwrap();
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
    }

    fn lenient(v: serde_json::Value) -> (NewComplaint, Vec<String>) {
        let (v, mut notes) = normalize(&v, chrono_tz::Asia::Jakarta);
        let (c, more) = to_complaint(&parse_report(&v).unwrap(), &topics(), now()).unwrap();
        notes.extend(more);
        (c, notes)
    }

    #[test]
    fn odd_optional_fields_are_smoothed_and_noted_never_a_quarantine() {
        // a named SMS report without an address, an email without a domain,
        // a NUL in the content, no attachments list, PHP's zone-less times
        let mut v = raw();
        v["reporter"]["address"] = serde_json::Value::Null;
        v["reporter"]["email"] = "dewi@gmail".into();
        v["content"] = "Sudah tiga\u{0}bulan.".into();
        v["attachments"] = serde_json::Value::Null;
        v["disposed_at"] = "2026-03-02 08:00:00".into();
        v["updated_at"] = "2026-03-02 08:00:00".into();
        let (c, notes) = lenient(v);
        assert_eq!(c.reporter.name.as_deref(), Some("Maria"));
        assert_eq!(c.reporter.email, None, "the unusable email is left out");
        assert_eq!(c.body, "Sudah tigabulan.");
        // 08:00 WIB is 01:00 UTC
        assert_eq!(
            c.received_at,
            "2026-03-02T01:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let all = notes.join(" | ");
        for want in [
            "tanpa zona waktu (disposed_at, updated_at)",
            "Asia/Jakarta",
            "NUL",
            "Alamat pelapor",
            "email",
        ] {
            assert!(all.contains(want), "{want}: {all}");
        }
        assert!(!all.contains("dewi@gmail"), "no value quoted: {all}");
        // a whitespace-only name is none
        let mut v = raw();
        v["reporter"]["name"] = "   ".into();
        let (c, notes) = lenient(v);
        assert_eq!(c.reporter.name, None);
        assert!(
            notes.iter().any(|n| n.contains("Nama pelapor")),
            "{notes:?}"
        );
    }

    #[test]
    fn nothing_is_cut_without_a_word() {
        let mut v = raw();
        let title: String = "Bantuan ".repeat(1250); // 10,000 characters
        v["title"] = title.clone().into();
        v["content"] = "Isi. ".repeat(5000).into(); // 25,000 characters
        let (c, notes) = lenient(v);
        assert_eq!(c.subject.chars().count(), 200);
        assert!(c.subject.ends_with('…'));
        assert!(
            c.body
                .starts_with(&format!("Judul lengkap: {}", title.trim()))
        );
        assert!(
            c.body.ends_with("Isi."),
            "the whole text, not 20,000 characters"
        );
        assert!(c.body.chars().count() > 25_000);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("judul lengkap ada di awal isi")),
            "{notes:?}"
        );
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
