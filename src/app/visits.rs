//! The guest book (issue 35): a visitor registers (the tablet at the door,
//! or reception for someone), the officer they came to see — or whoever
//! acts for them today, else the front office — is alerted at once by
//! email (and WhatsApp when they opted in); unanswered after
//! `ADUAN_VISIT_ESCALATE_MINUTES` the front office is. A visit moves
//! waiting → serving → done (or is cancelled) and may become a
//! face-to-face complaint.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::App;
use super::reminders::Person;
use crate::domain::visit::{NewVisit, VisitState};
use crate::notify::templates;
use crate::store::{Actor, NewOutbox, NewVisitRow, StoreError, Visit};

/// Why a visit was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitRefused {
    /// The position chosen is not one of the office's.
    UnknownPosition,
}

/// What staff do with a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitAction {
    Start,
    Finish,
    Cancel,
}

impl VisitAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "start" => Some(VisitAction::Start),
            "finish" => Some(VisitAction::Finish),
            "cancel" => Some(VisitAction::Cancel),
            _ => None,
        }
    }

    fn state(self) -> VisitState {
        match self {
            VisitAction::Start => VisitState::Serving,
            VisitAction::Finish => VisitState::Done,
            VisitAction::Cancel => VisitState::Cancelled,
        }
    }
}

/// "Petugas pelayanan" when the visitor came to the service desk.
pub const DESK: &str = "Petugas pelayanan";

impl App {
    /// Records a visit and alerts whom the visitor came to see.
    pub async fn register_visit(
        &self,
        v: &NewVisit,
        created_by: &str,
        form_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<Visit, VisitRefused>, StoreError> {
        if let Some(p) = v.position_id
            && !self.store.list_positions().await?.iter().any(|x| x.id == p)
        {
            return Ok(Err(VisitRefused::UnknownPosition));
        }
        let day = now.with_timezone(&self.tz()).date_naive();
        let visit = self
            .store
            .insert_visit(&NewVisitRow {
                id: Uuid::now_v7(),
                day,
                arrived_at: now,
                visit: v,
                created_by,
                form_key,
            })
            .await?;
        if visit.arrived_at < now - Duration::seconds(5) {
            // the same form sent again: recorded and alerted the first time
            return Ok(Ok(visit));
        }
        metrics::counter!("aduan_visits_total", "priority" => if visit.priority.is_some() { "yes" } else { "no" })
            .increment(1);
        self.alert_visit(&visit, false, now).await?;
        Ok(Ok(visit))
    }

    /// Whom a visit calls: the officers at its position today (holders,
    /// Plh/Plt), else the front office; when escalated, the front office.
    async fn visit_recipients(
        &self,
        visit: &Visit,
        escalated: bool,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Person>, String), StoreError> {
        let day = now.with_timezone(&self.tz()).date_naive();
        let org = self.org(day).await?;
        let whom = visit
            .position_id
            .and_then(|p| org.title(p).map(str::to_string))
            .unwrap_or_else(|| DESK.to_string());
        let mut people = match visit.position_id {
            Some(p) if !escalated => self.at(&org, p),
            _ => Vec::new(),
        };
        if people.is_empty() {
            people = org.front.clone();
        }
        if people.is_empty() {
            people.extend(self.liaison());
        }
        Ok((people, whom))
    }

    /// Queues the alert of a visit (once per person and kind).
    async fn alert_visit(
        &self,
        visit: &Visit,
        escalated: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (people, whom) = self.visit_recipients(visit, escalated, now).await?;
        let s = &self.settings;
        let link = format!("{}/console/tamu", s.public_base_url);
        let number = visit.number();
        let priority = visit.priority.map(|p| match &visit.assistance {
            Some(a) => format!("{} — {a}", p.label()),
            None => p.label().to_string(),
        });
        let m = templates::visit_alert(&templates::VisitAlert {
            office: &s.office_name,
            number: &number,
            name: &visit.name,
            purpose: visit.purpose.label(),
            priority: priority.clone(),
            origin: visit.origin.as_deref(),
            whom: &whom,
            escalated,
            arrived: crate::words::waktu(visit.arrived_at, s.office_timezone),
            link: &link,
        });
        let kind = if escalated { "escalated" } else { "alert" };
        let mut items = Vec::new();
        for p in &people {
            items.push(crate::notify::email(
                format!("visit-{kind}:{}:{}", visit.id, p.email),
                None,
                &p.email,
                &m,
            ));
            if let (Some(to), Some(_)) = (&p.whatsapp, &s.whatsapp) {
                let what = format!(
                    "Tamu {number} ({}{}) menunggu Anda: {}",
                    visit.purpose.label(),
                    priority
                        .as_deref()
                        .map(|p| format!(", PRIORITAS: {p}"))
                        .unwrap_or_default(),
                    visit.name
                );
                items.push(NewOutbox {
                    id: Uuid::now_v7(),
                    kind: crate::store::OUTBOX_WHATSAPP_MESSAGE.into(),
                    dedup_key: format!("visit-{kind}-wa:{}:{to}", visit.id),
                    complaint_id: None,
                    payload: serde_json::json!({"purpose": "alert", "to": to,
                        "text": what.replace('\n', " "), "link": link})
                    .to_string(),
                });
            }
        }
        if items.is_empty() {
            tracing::warn!(visit = %visit.id, "a visit alerted nobody: no officer with an address at its position or the front office");
            return Ok(());
        }
        self.store.enqueue_outbox(&items, None, now).await?;
        self.wake_chat();
        Ok(())
    }

    /// Staff move a visit on (the version they saw); `None` when it moved
    /// meanwhile or cannot move so.
    pub async fn visit_act(
        &self,
        id: Uuid,
        version: i64,
        action: VisitAction,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Visit>, StoreError> {
        let by = actor
            .officer
            .as_ref()
            .map_or_else(|| actor.name.clone(), |o| o.name.clone());
        let served_by = (action == VisitAction::Start).then_some(by.as_str());
        self.store
            .set_visit_state(id, version, action.state(), served_by, now)
            .await
    }

    /// The visits waiting today for the actor: for their positions (own and
    /// acting), and — for reception and the liaison officer — for the
    /// service desk and every unanswered one.
    pub async fn visits_waiting_for(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Visit>, StoreError> {
        let tz = self.tz();
        let start = crate::domain::calendar::start_of_day(now.with_timezone(&tz).date_naive(), tz);
        let waiting = self.store.waiting_visits(start).await?;
        if waiting.is_empty() {
            return Ok(waiting);
        }
        let who = super::workflow::authority(self, actor.role, actor, now).await?;
        let front = matches!(
            actor.role,
            crate::domain::Role::Reception | crate::domain::Role::Liaison
        );
        Ok(waiting
            .into_iter()
            .filter(|v| match v.position_id {
                Some(p) => {
                    who.positions.iter().any(|h| h.position == p)
                        || (front && v.escalated_at.is_some())
                }
                None => front,
            })
            .collect())
    }

    /// Alerts the front office of visits nobody came for within
    /// `ADUAN_VISIT_ESCALATE_MINUTES` (once each); how many.
    pub async fn escalate_visits(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let minutes = i64::from(self.settings.visit_escalate_minutes);
        let tz = self.tz();
        let start = crate::domain::calendar::start_of_day(now.with_timezone(&tz).date_naive(), tz);
        let mut n = 0;
        for v in self.store.waiting_visits(start).await? {
            if v.escalated_at.is_some() || now - v.arrived_at < Duration::minutes(minutes) {
                continue;
            }
            if self.store.mark_visit_escalated(v.id, now).await? {
                self.alert_visit(&v, true, now).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The day's guest book left the service (CSV or printed): who, which
    /// day, how many visits — on the privacy audit log.
    pub async fn audit_guest_book(
        &self,
        actor: &Actor,
        day: chrono::NaiveDate,
        visits: usize,
        form: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store
            .add_privacy_audit(&crate::store::PrivacyAudit {
                id: Uuid::now_v7(),
                at: now,
                action: "export".into(),
                actor_key_id: actor.key_id,
                actor_name: actor.name.clone(),
                actor_role: actor.role.as_str().into(),
                reason: format!("buku tamu ({form})"),
                subject: serde_json::json!([{"kind": "guest_book", "day": day, "visits": visits}])
                    .to_string(),
                complaint_ids: "[]".into(),
            })
            .await
    }

    /// The positions the actor holds today (own and acting).
    pub async fn positions_held(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let who = super::workflow::authority(self, actor.role, actor, now).await?;
        Ok(who.positions.iter().map(|h| h.position).collect())
    }

    /// The complaint a visit became (registered at the desk).
    pub async fn link_visit(&self, visit: Uuid, complaint: Uuid) -> Result<bool, StoreError> {
        self.store.link_visit_complaint(visit, complaint).await
    }
}
