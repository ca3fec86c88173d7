//! The tamper-evident timeline (issue 36, docs/adr/0034): every event is
//! sealed into one chain, `hash = SHA-256(previous hash ‖ the event's
//! content)`, in the order the sealing job took it. The content names every
//! field of the event with its length (no two events read alike), the
//! detail by its own digest: an erasure redacts the detail of an
//! anonymised complaint's events, which the check then accepts, while the
//! chain itself stays whole. Pure: hashing and the check of one link.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The hash before the first seal.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a seal covers of an event (all of it but the detail's text).
#[derive(Debug, Clone, Copy)]
pub struct EventContent<'a> {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: &'a str,
    pub actor_key_id: Option<Uuid>,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub status: &'a str,
    pub actor_officer_id: Option<Uuid>,
    pub actor_officer_name: Option<&'a str>,
    pub actor_position_id: Option<Uuid>,
    pub actor_position: Option<&'a str>,
    pub acting: Option<&'a str>,
}

/// The digest of an event's detail (hex).
pub fn detail_digest(detail: &str) -> String {
    hex::encode(Sha256::digest(detail.as_bytes()))
}

fn field(h: &mut Sha256, v: Option<&[u8]>) {
    match v {
        Some(b) => {
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
        None => h.update(u64::MAX.to_le_bytes()),
    }
}

/// The seal's hash of an event after `prev`.
pub fn link(prev: &str, e: &EventContent<'_>, detail_digest: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"aduan-seal-v1\0");
    field(&mut h, Some(prev.as_bytes()));
    let id = e.id.to_string();
    let complaint = e.complaint_id.to_string();
    let at = e.at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let key = e.actor_key_id.map(|u| u.to_string());
    let officer = e.actor_officer_id.map(|u| u.to_string());
    let position = e.actor_position_id.map(|u| u.to_string());
    for v in [
        Some(id.as_str()),
        Some(complaint.as_str()),
        Some(at.as_str()),
        Some(e.kind),
        key.as_deref(),
        Some(e.actor_name),
        Some(e.actor_role),
        Some(e.status),
        officer.as_deref(),
        e.actor_officer_name,
        position.as_deref(),
        e.actor_position,
        e.acting,
        Some(detail_digest),
    ] {
        field(&mut h, v.map(str::as_bytes));
    }
    hex::encode(h.finalize())
}

/// Why a link of the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The sealed event is gone from the timeline.
    Missing,
    /// The event's fields (kind, time, actor, status, order) changed.
    Content,
    /// The event's detail changed although its complaint was not erased.
    Detail,
    /// A seal is missing from the chain (its place is empty).
    Gap,
    /// An event older than the sealing's look-back has no seal: it was
    /// added to the timeline afterwards.
    Unsealed,
    /// The chain no longer matches a checkpoint told outside the database.
    Checkpoint,
}

impl Break {
    /// In Indonesian, for the console and the CLI's last line.
    pub fn label(&self) -> &'static str {
        match self {
            Break::Missing => "peristiwa yang sudah disegel hilang dari riwayat",
            Break::Content => "isi peristiwa (jenis, waktu, pelaku, status) diubah",
            Break::Detail => "rincian peristiwa diubah",
            Break::Gap => "segel hilang dari rantai",
            Break::Unsealed => "peristiwa ditambahkan ke riwayat tanpa segel",
            Break::Checkpoint => "rantai tidak cocok dengan titik periksa harian",
        }
    }
}

/// A link as stored, with the event as it reads now.
pub struct Sealed<'a> {
    pub hash: &'a str,
    pub detail_digest: &'a str,
    /// `None`: no event with the sealed id.
    pub event: Option<(EventContent<'a>, &'a str)>,
    /// The complaint was anonymised (its events' details redacted).
    pub anonymised: bool,
}

/// What one link says: `Ok(true)` when its detail was redacted by an erasure.
pub fn check(prev: &str, s: &Sealed<'_>) -> Result<bool, Break> {
    let Some((e, detail)) = &s.event else {
        return Err(Break::Missing);
    };
    if link(prev, e, s.detail_digest) != s.hash {
        return Err(Break::Content);
    }
    if detail_digest(detail) == s.detail_digest {
        Ok(false)
    } else if s.anonymised {
        Ok(true)
    } else {
        Err(Break::Detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str) -> EventContent<'_> {
        EventContent {
            id: Uuid::from_u128(1),
            complaint_id: Uuid::from_u128(2),
            at: DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap(),
            kind,
            actor_key_id: None,
            actor_name: "Rina",
            actor_role: "reception",
            status: "registered",
            actor_officer_id: None,
            actor_officer_name: Some("Rina Loket"),
            actor_position_id: None,
            actor_position: None,
            acting: None,
        }
    }

    #[test]
    fn a_link_holds_until_anything_changes() {
        let d = detail_digest("{\"note\":\"a\"}");
        let h = link(GENESIS, &event("registered"), &d);
        let ok = Sealed {
            hash: &h,
            detail_digest: &d,
            event: Some((event("registered"), "{\"note\":\"a\"}")),
            anonymised: false,
        };
        assert_eq!(check(GENESIS, &ok), Ok(false));
        // another previous hash, kind, or detail breaks it
        assert_eq!(check(&h, &ok), Err(Break::Content));
        let kind = Sealed {
            event: Some((event("closed"), "{\"note\":\"a\"}")),
            ..ok
        };
        assert_eq!(check(GENESIS, &kind), Err(Break::Content));
        let detail = Sealed {
            hash: &h,
            detail_digest: &d,
            event: Some((event("registered"), "{\"note\":\"b\"}")),
            anonymised: false,
        };
        assert_eq!(check(GENESIS, &detail), Err(Break::Detail));
        // … unless the complaint was erased: the detail was redacted
        let erased = Sealed {
            anonymised: true,
            ..detail
        };
        assert_eq!(check(GENESIS, &erased), Ok(true));
        let gone = Sealed {
            hash: &h,
            detail_digest: &d,
            event: None,
            anonymised: false,
        };
        assert_eq!(check(GENESIS, &gone), Err(Break::Missing));
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let d = detail_digest("");
        let mut a = event("ab");
        a.actor_name = "c";
        let mut b = event("a");
        b.actor_name = "bc";
        assert_ne!(link(GENESIS, &a, &d), link(GENESIS, &b, &d));
        let mut none = event("x");
        none.acting = None;
        let mut empty = event("x");
        empty.acting = Some("");
        assert_ne!(link(GENESIS, &none, &d), link(GENESIS, &empty, &d));
    }
}
