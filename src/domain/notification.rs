//! The console's notification list (issue 33): which of a complaint's
//! events tell the person it waits on something new. Pure: the app gives
//! the events of the complaints waiting on the person, this picks the ones
//! worth a line in the list.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What a notification tells its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// It came to the person's desk: forwarded, disposed, registered from
    /// a channel, reopened, redirected here.
    NewWork,
    /// A draft answer waits for the person's approval.
    ToApprove,
    /// The person's draft came back for changes.
    Returned,
    /// The approved answer is ready to send (the front office).
    ToSend,
    /// The complainant wrote again.
    Reply,
    /// Its deadline is near (the reminder sweep reminded).
    DueSoon,
    /// It is late (the sweep reported it late).
    Late,
}

impl NotificationKind {
    /// The notification an event kind makes, if any.
    pub fn of_event(kind: &str) -> Option<Self> {
        Some(match kind {
            "registered" | "forwarded_to_head" | "disposed" | "reopened" | "redirected"
            | "lapor_rerouted" => Self::NewWork,
            "draft_submitted" => Self::ToApprove,
            "draft_returned" => Self::Returned,
            "answer_approved" | "draft_approved" => Self::ToSend,
            "reporter_replied" | "message_received" => Self::Reply,
            "reminder_queued" => Self::DueSoon,
            "escalated" => Self::Late,
            _ => return None,
        })
    }

    /// Every event kind that can make a notification (for the store's query).
    pub const EVENT_KINDS: [&'static str; 14] = [
        "registered",
        "forwarded_to_head",
        "disposed",
        "reopened",
        "redirected",
        "lapor_rerouted",
        "draft_submitted",
        "draft_returned",
        "answer_approved",
        "draft_approved",
        "reporter_replied",
        "message_received",
        "reminder_queued",
        "escalated",
    ];

    /// Did this event bring the complaint to the desk it waits on now?
    fn arrives(self) -> bool {
        matches!(
            self,
            Self::NewWork | Self::ToApprove | Self::Returned | Self::ToSend
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewWork => "new_work",
            Self::ToApprove => "to_approve",
            Self::Returned => "returned",
            Self::ToSend => "to_send",
            Self::Reply => "reply",
            Self::DueSoon => "due_soon",
            Self::Late => "late",
        }
    }
}

/// One event of a complaint waiting on the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub event_id: Uuid,
    pub complaint_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    /// The event was the reader's own doing (never notified).
    pub own: bool,
}

/// The notifications among `events` (of complaints waiting on the reader
/// now), newest first: per complaint the event that brought it to the
/// reader's desk (the latest arrival), and whatever happened to it after
/// that (a reply, a reminder, lateness). Older arrivals belonged to other
/// desks; the reader's own actions are never news to them.
pub fn select(events: &[Candidate]) -> Vec<(Candidate, NotificationKind)> {
    use std::collections::HashMap;
    let mut by_complaint: HashMap<Uuid, Vec<(&Candidate, NotificationKind)>> = HashMap::new();
    for e in events {
        if let Some(k) = NotificationKind::of_event(&e.kind) {
            by_complaint.entry(e.complaint_id).or_default().push((e, k));
        }
    }
    let mut out = Vec::new();
    for (_, mut list) in by_complaint {
        // UUIDv7 ids order events as they happened, also within one second
        list.sort_by_key(|(e, _)| (e.at, e.event_id));
        let from = list.iter().rposition(|(_, k)| k.arrives()).unwrap_or(0);
        for (e, k) in list.into_iter().skip(from) {
            if !e.own {
                out.push((e.clone(), k));
            }
        }
    }
    out.sort_by_key(|b| std::cmp::Reverse((b.0.at, b.0.event_id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(c: u128, n: i64, kind: &str, own: bool) -> Candidate {
        Candidate {
            event_id: Uuid::from_u128((c << 32) + n as u128),
            complaint_id: Uuid::from_u128(c),
            at: DateTime::from_timestamp(1_700_000_000 + n, 0).unwrap_or_default(),
            kind: kind.into(),
            own,
        }
    }

    #[test]
    fn only_the_arrival_at_this_desk_and_what_followed() {
        let events = [
            ev(1, 1, "registered", false),
            ev(1, 2, "forwarded_to_head", false),
            ev(1, 3, "disposed", false),
            ev(1, 4, "disposition_read", false),
            ev(1, 5, "reporter_replied", false),
            ev(1, 6, "escalated", false),
        ];
        let picked = select(&events);
        let kinds: Vec<&str> = picked.iter().map(|(e, _)| e.kind.as_str()).collect();
        assert_eq!(kinds, ["escalated", "reporter_replied", "disposed"]);
    }

    #[test]
    fn the_readers_own_doing_is_not_news() {
        let events = [
            ev(2, 1, "registered", true),
            ev(2, 2, "reminder_queued", false),
            ev(3, 1, "draft_submitted", false),
        ];
        let got: Vec<(String, NotificationKind)> = select(&events)
            .into_iter()
            .map(|(e, k)| (e.kind, k))
            .collect();
        assert_eq!(
            got,
            [
                ("reminder_queued".to_string(), NotificationKind::DueSoon),
                ("draft_submitted".to_string(), NotificationKind::ToApprove),
            ]
        );
    }

    #[test]
    fn every_listed_kind_makes_a_notification() {
        for k in NotificationKind::EVENT_KINDS {
            assert!(NotificationKind::of_event(k).is_some(), "{k}");
        }
        assert!(NotificationKind::of_event("disposition_read").is_none());
    }
}
