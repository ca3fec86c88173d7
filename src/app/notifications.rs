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

    /// Whether the person's notifications are mailed too (`Akun saya`).
    pub async fn set_notification_email(
        &self,
        account_id: Uuid,
        on: bool,
    ) -> Result<(), StoreError> {
        self.store.set_notify_email(account_id, on).await
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

impl App {
    /// Mails each person who asked for it (`Akun saya`) their unread
    /// notifications not mailed before: one message per person per run,
    /// each notification once (recorded with the message), in office hours
    /// on working days. Returns the messages queued.
    pub async fn mail_notifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        use chrono::Timelike;
        let s = &self.settings;
        let tz = s.office_timezone;
        let (calendar, _) = crate::store::load_policy(self.store.as_ref()).await?;
        let local = now.with_timezone(&tz);
        if !calendar.is_working_day(local.date_naive()) || !(6..18).contains(&local.hour()) {
            return Ok(0);
        }
        let accounts = self.store.list_accounts().await?;
        let wanted: Vec<_> = accounts
            .into_iter()
            .filter(|a| a.active && a.notify_email && a.officer_active && a.officer.is_some())
            .collect();
        if wanted.is_empty() {
            return Ok(0);
        }
        let officers = self.store.list_officers().await?;
        let mut messages = Vec::new();
        for a in wanted {
            let Some(officer) = a
                .officer
                .as_ref()
                .and_then(|ao| officers.iter().find(|o| o.id == ao.id))
            else {
                continue;
            };
            let Some(email) = officer.email.as_deref().map(str::to_lowercase) else {
                continue;
            };
            let listed = self.notifications(&a.actor(), a.id, now).await?;
            let unread: Vec<&Notification> = listed.items.iter().filter(|n| !n.read).collect();
            if unread.is_empty() {
                continue;
            }
            let keys: Vec<String> = unread
                .iter()
                .map(|n| format!("notif:{}:{email}", n.event_id))
                .collect();
            let known: std::collections::HashSet<String> =
                self.store.known_notices(&keys).await?.into_iter().collect();
            let fresh: Vec<(&Notification, String)> = unread
                .into_iter()
                .zip(keys)
                .filter(|(_, k)| !known.contains(k))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            let lines: Vec<crate::notify::templates::NotificationLine<'_>> = fresh
                .iter()
                .map(|(n, _)| crate::notify::templates::NotificationLine {
                    says: crate::words::notification(n.kind, &n.event),
                    tracking_number: &n.tracking_number,
                    subject: &n.subject,
                    at: n.at,
                    link: format!(
                        "{}/console/complaints/{}",
                        s.public_base_url, n.complaint_id
                    ),
                })
                .collect();
            let salutation = crate::notify::templates::salutation(
                Some(&officer.name),
                crate::words::role(a.role),
            );
            let m = crate::notify::templates::notifications(
                &s.office_name,
                &salutation,
                &lines,
                tz,
                &format!("{}/console/notifications", s.public_base_url),
            );
            let first = fresh
                .first()
                .map_or(String::new(), |(n, _)| n.event_id.to_string());
            messages.push(crate::store::NoticeMessage {
                outbox: crate::notify::email(
                    format!("notifications:{email}:{first}:{}", fresh.len()),
                    None,
                    &email,
                    &m,
                ),
                recipient: email.clone(),
                facts: fresh
                    .iter()
                    .map(|(n, k)| crate::store::NoticeFact {
                        key: k.clone(),
                        complaint_id: n.complaint_id,
                    })
                    .collect(),
                also: Vec::new(),
            });
        }
        if messages.is_empty() {
            return Ok(0);
        }
        let (queued, _) = self
            .store
            .record_notices(&messages, &[], &Actor::system(), now)
            .await?;
        Ok(queued)
    }
}
