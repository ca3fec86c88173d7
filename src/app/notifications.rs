//! The console's notification list (issue 33): what is new on the work
//! waiting on a person — new dispositions to them, drafts to approve,
//! returned drafts, replies from complainants, reminders and lateness —
//! with read and unread per person. The events are the notifications
//! (`domain::notification::select` picks them); reading a complaint reads
//! its notifications.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::notification::{Candidate, NotificationKind, select};
use crate::store::{Actor, StoreError};

/// How far back the list looks.
pub const WINDOW_DAYS: i64 = 30;
/// The complaints waiting on a person that the list looks at (most urgent first).
const WAITING: u32 = 300;
/// At most this many lines in the list.
pub const LISTED: usize = 100;

#[derive(Debug, Clone)]
pub struct Notification {
    pub event_id: Uuid,
    pub complaint_id: Uuid,
    pub tracking_number: String,
    pub subject: String,
    pub kind: NotificationKind,
    /// The event's own kind (`disposed`, `reporter_replied`, …).
    pub event: String,
    pub at: DateTime<Utc>,
    /// Who did it (an officer's name, the channel, the scheduler).
    pub by: String,
    pub read: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Notifications {
    /// Newest first, at most [`LISTED`].
    pub items: Vec<Notification>,
    pub unread: usize,
}

impl App {
    /// What is new on the work waiting on the person now.
    pub async fn notifications(
        &self,
        actor: &Actor,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Notifications, StoreError> {
        let page = self.inbox(actor, None, WAITING, now).await?;
        if page.entries.is_empty() {
            return Ok(Notifications::default());
        }
        let complaints: std::collections::HashMap<Uuid, &crate::store::Complaint> = page
            .entries
            .iter()
            .map(|e| (e.complaint.id, &e.complaint))
            .collect();
        let ids: Vec<Uuid> = complaints.keys().copied().collect();
        let events = self
            .store
            .events_of(
                &ids,
                &NotificationKind::EVENT_KINDS,
                now - Duration::days(WINDOW_DAYS),
            )
            .await?;
        let me = actor.officer.as_ref().map(|o| o.id);
        let candidates: Vec<Candidate> = events
            .iter()
            .map(|e| Candidate {
                event_id: e.id,
                complaint_id: e.complaint_id,
                at: e.at,
                kind: e.kind.clone(),
                own: me.is_some() && e.actor_officer_id == me,
            })
            .collect();
        let mut picked = select(&candidates);
        picked.truncate(LISTED);
        let picked_ids: Vec<Uuid> = picked.iter().map(|(c, _)| c.event_id).collect();
        let read: std::collections::HashSet<Uuid> = self
            .store
            .read_notifications(account_id, &picked_ids)
            .await?
            .into_iter()
            .collect();
        let by_id: std::collections::HashMap<Uuid, &crate::store::Event> =
            events.iter().map(|e| (e.id, e)).collect();
        let items: Vec<Notification> = picked
            .into_iter()
            .filter_map(|(c, kind)| {
                let complaint = complaints.get(&c.complaint_id)?;
                let e = by_id.get(&c.event_id)?;
                Some(Notification {
                    event_id: c.event_id,
                    complaint_id: c.complaint_id,
                    tracking_number: complaint.tracking_number.clone(),
                    subject: complaint.subject.clone(),
                    kind,
                    event: c.kind,
                    at: c.at,
                    by: e
                        .actor_officer_name
                        .clone()
                        .unwrap_or_else(|| e.actor_name.clone()),
                    read: read.contains(&c.event_id),
                })
            })
            .collect();
        Ok(Notifications {
            unread: items.iter().filter(|n| !n.read).count(),
            items,
        })
    }

    /// Marks the person's notifications read: these (`Some`), or all listed now.
    pub async fn read_notifications(
        &self,
        actor: &Actor,
        account_id: Uuid,
        which: Option<&[Uuid]>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let listed = self.notifications(actor, account_id, now).await?;
        let ids: Vec<Uuid> = listed
            .items
            .iter()
            .filter(|n| !n.read && which.is_none_or(|w| w.contains(&n.event_id)))
            .map(|n| n.event_id)
            .collect();
        self.store
            .mark_notifications_read(account_id, &ids, now)
            .await?;
        Ok(ids.len())
    }

    /// Reading a complaint reads its notifications (the console's page).
    pub async fn read_complaint_notifications(
        &self,
        complaint_id: Uuid,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let events = self
            .store
            .events_of(
                &[complaint_id],
                &NotificationKind::EVENT_KINDS,
                now - Duration::days(WINDOW_DAYS),
            )
            .await?;
        let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        self.store
            .mark_notifications_read(account_id, &ids, now)
            .await
    }
}
