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
        let moved = self
            .store
            .set_visit_state(id, version, action.state(), served_by, now)
            .await?;
        if let Some(v) = &moved
            && v.state == VisitState::Done
        {
            self.invite_visit_survey(v, now).await?;
        }
        Ok(moved)
    }

    /// The link that opens a visit's survey: the visit's id and a keyed
    /// tag of it (nothing stored; only this server makes one).
    pub fn visit_survey_url(&self, id: Uuid) -> String {
        format!(
            "{}/skm/{}",
            self.settings.public_base_url,
            self.visit_survey_token(id)
        )
    }

    fn visit_survey_token(&self, id: Uuid) -> String {
        use base64::Engine;
        let tag = self.vault.tag("visit-survey", id.as_bytes());
        let mut raw = id.as_bytes().to_vec();
        raw.extend(hex::decode(&tag[..24]).unwrap_or_default());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// The finished visit a survey link opens, or `None` (an unknown or
    /// forged token, a visit not finished or no longer kept).
    pub async fn visit_of_survey_token(&self, token: &str) -> Result<Option<Visit>, StoreError> {
        use base64::Engine;
        let Ok(raw) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()) else {
            return Ok(None);
        };
        let Some(id) = raw.get(..16).and_then(|b| Uuid::from_slice(b).ok()) else {
            return Ok(None);
        };
        let expected = self.visit_survey_token(id);
        if raw.len() != 28
            || !crate::domain::access::same_secret(expected.as_bytes(), token.trim().as_bytes())
        {
            return Ok(None);
        }
        Ok(self
            .store
            .get_visit(id)
            .await?
            .filter(|v| v.state == VisitState::Done))
    }

    fn visit_survey_key(&self, id: Uuid) -> String {
        self.vault.tag("survey-visit", id.as_bytes())
    }

    /// Whether the visit was rated.
    pub async fn visit_surveyed(&self, visit: &Visit) -> Result<bool, StoreError> {
        self.store
            .survey_submitted(&self.visit_survey_key(visit.id))
            .await
    }

    /// Records a visitor's rating of a finished visit (once per visit; the
    /// service "visits", the unit of the position they came to see).
    pub async fn submit_visit_survey(
        &self,
        visit: &Visit,
        input: &crate::domain::skm::SurveyInput,
        now: DateTime<Utc>,
    ) -> Result<super::survey::SurveyOutcome, StoreError> {
        use super::survey::SurveyOutcome;
        if visit.state != VisitState::Done {
            return Ok(SurveyOutcome::NotYet);
        }
        if self.visit_surveyed(visit).await? {
            return Ok(SurveyOutcome::Already);
        }
        let survey = match crate::domain::skm::Survey::parse(input) {
            Ok(s) => s,
            Err(e) => return Ok(SurveyOutcome::Invalid(e)),
        };
        let unit_id = match visit.position_id {
            Some(p) => self
                .store
                .list_positions()
                .await?
                .into_iter()
                .find(|x| x.id == p)
                .and_then(|x| x.unit_id),
            None => None,
        };
        let record = crate::store::SurveyRecord {
            id: Uuid::now_v7(),
            complaint_key: self.visit_survey_key(visit.id),
            submitted_on: now.with_timezone(&self.tz()).date_naive(),
            channel: crate::store::VISIT_SURVEY_CHANNEL.to_string(),
            unit_id,
            survey,
        };
        if self.store.submit_survey(&record).await? {
            tracing::info!("visit survey response recorded");
            Ok(SurveyOutcome::Recorded)
        } else {
            Ok(SurveyOutcome::Already)
        }
    }

    /// The survey invitation after a finished visit (PermenPANRB 14/2017
    /// measures every service): by email when the visitor gave one, and by
    /// WhatsApp (the office's approved template) or else SMS when they gave
    /// a number and the channel is set up. Once per visit and channel.
    async fn invite_visit_survey(&self, v: &Visit, now: DateTime<Utc>) -> Result<(), StoreError> {
        let s = &self.settings;
        let url = self.visit_survey_url(v.id);
        let number = v.number();
        let mut items = Vec::new();
        if let Some(email) = v.email.as_deref() {
            let m = templates::visit_survey(&templates::VisitSurvey {
                office: &s.office_name,
                name: &v.name,
                number: &number,
                day: crate::words::tanggal_hari(v.day),
                url: &url,
            });
            items.push(crate::notify::email(
                format!("visit-survey:{}", v.id),
                None,
                email,
                &m,
            ));
        }
        if let Some(phone) = v.phone.as_deref() {
            let wa = s
                .whatsapp
                .as_ref()
                .filter(|w| w.visit_survey_template.is_some())
                .and(crate::domain::conversation::wa_id_from_phone(phone));
            let (kind, to) = match wa {
                Some(wa_id) => (Some(crate::store::OUTBOX_WHATSAPP_MESSAGE), wa_id),
                None if s.sms.can_send() => (
                    crate::store::chat_message_kind(crate::domain::Channel::Sms),
                    phone.to_string(),
                ),
                None => (None, String::new()),
            };
            if let Some(kind) = kind {
                items.push(NewOutbox {
                    id: Uuid::now_v7(),
                    kind: kind.into(),
                    dedup_key: format!("visit-survey-{kind}:{}", v.id),
                    complaint_id: None,
                    payload: serde_json::json!({"purpose": "visit_survey", "to": to,
                        "text": number, "link": url})
                    .to_string(),
                });
            }
        }
        if items.is_empty() {
            return Ok(());
        }
        self.store.enqueue_outbox(&items, None, now).await?;
        self.wake_chat();
        Ok(())
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

    /// The guest book's figures over the days `[from, to]`: per day,
    /// purpose and unit, waiting times, priority visits served within
    /// `ADUAN_VISIT_ESCALATE_MINUTES` (the time after which an unanswered
    /// visit is passed to the front office), and the visits' IKM.
    pub async fn visit_report(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<(crate::domain::visit::VisitReport, crate::domain::skm::Index), StoreError> {
        let (facts, positions, units) = tokio::try_join!(
            self.store.visit_facts(from, to),
            self.store.list_positions(),
            self.store.list_units(),
        )?;
        let unit_of = |p: Uuid| {
            let pos = positions.iter().find(|x| x.id == p)?;
            match pos.unit_id.and_then(|u| units.iter().find(|x| x.id == u)) {
                Some(u) => Some(u.name.clone()),
                None => Some(pos.title.clone()),
            }
        };
        let report = crate::domain::visit::report(
            &facts,
            unit_of,
            DESK,
            i64::from(self.settings.visit_escalate_minutes),
        );
        let ikm = self
            .ikm(&crate::store::SurveyQuery {
                from: Some(from),
                to: Some(to),
                service: crate::store::SurveyService::Visits,
                ..Default::default()
            })
            .await?;
        Ok((report, ikm))
    }

    /// Erases who a visitor was, on their request (the visit stays counted
    /// under "(data tamu dihapus)"); on the privacy audit log with the
    /// reason. `false` if the visit is unknown.
    pub async fn erase_visit(
        &self,
        id: Uuid,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(v) = self.store.get_visit(id).await? else {
            return Ok(false);
        };
        if !self.store.erase_visit(id).await? {
            return Ok(false);
        }
        self.store
            .add_privacy_audit(&crate::store::PrivacyAudit {
                id: Uuid::now_v7(),
                at: now,
                action: "erase".into(),
                actor_key_id: actor.key_id,
                actor_name: actor.name.clone(),
                actor_role: actor.role.as_str().into(),
                reason: reason.to_string(),
                subject: serde_json::json!([{"kind": "visit", "visit": v.number(), "day": v.day}])
                    .to_string(),
                complaint_ids: "[]".into(),
            })
            .await?;
        tracing::info!(visit = %id, "a visitor's details were erased");
        Ok(true)
    }

    /// A new mark for a tablet the office puts at the door (a random id and
    /// its keyed tag): the guest book on it is not limited per device and
    /// returns to an empty form after each visitor.
    pub fn new_kiosk_mark(&self) -> String {
        let id = Uuid::new_v4().simple().to_string();
        let tag = self.vault.tag("kiosk", id.as_bytes());
        format!("{id}.{tag}")
    }

    /// Whether a mark is one this server made.
    pub fn is_kiosk_mark(&self, mark: &str) -> bool {
        let Some((id, tag)) = mark.split_once('.') else {
            return false;
        };
        let expected = self.vault.tag("kiosk", id.as_bytes());
        id.len() == 32 && crate::domain::access::same_secret(expected.as_bytes(), tag.as_bytes())
    }
}
