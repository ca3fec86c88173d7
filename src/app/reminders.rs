//! Reminders to whoever must act (ADR 0019, ADR 0030): before the deadline
//! and when late, one message per person per sweep, each fact told once.
//! Every person hears of what waits on their own positions — the front
//! office (reception and liaison accounts' officers) of what nobody holds
//! yet — and the head of office of his own work plus a count per unit of
//! the late work below him. `Jobs` runs [`App::reminder_sweep`] on a
//! schedule; tests call it directly.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use sha2::Digest;
use uuid::Uuid;

use super::App;
use crate::domain::calendar::{WorkingCalendar, end_of_day};
use crate::domain::deadline::working_days_left;
use crate::notify::{self, templates};
use crate::store::{Actor, Complaint, DeadlineQuery, StoreError, load_policy};
use templates::NoticeWhy;

/// Messages to officials go out in office hours only (local time).
pub(crate) const OFFICE_HOURS: (u32, u32) = (6, 18);
/// Who a complaint waits on when no position holds it (registered, reopened, approved).
pub(crate) const FRONT_OFFICE: &str = "Pejabat Penghubung / Resepsionis";

/// The organisation chart as reminders need it: titles, superiors, and who
/// is at each position today (holders and Plh/Plt, with an address).
pub(crate) struct Org {
    pub(crate) positions: HashMap<Uuid, (String, Option<Uuid>)>,
    pub(crate) head: Option<Uuid>,
    pub(crate) people: HashMap<Uuid, Vec<Person>>,
    /// The front office: officers signed in as reception or liaison officer.
    pub(crate) front: Vec<Person>,
    /// Each position's unit's name.
    pub(crate) unit_of: HashMap<Uuid, String>,
}

/// Someone a message goes to: one address, one message per sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) email: String,
    /// The officer's WhatsApp number when they opted in to alerts there.
    pub(crate) whatsapp: Option<String>,
    pub(crate) name: Option<String>,
    /// "Kepala Dinas", "Plh Kepala Dinas", "Pejabat Penghubung".
    pub(crate) title: String,
}

impl Person {
    /// An officer with an address, under `title`; `None` without one.
    fn of(o: &crate::store::Officer, title: String) -> Option<Person> {
        Some(Person {
            email: o.email.as_deref()?.to_lowercase(),
            whatsapp: o.whatsapp.clone().filter(|_| o.whatsapp_alerts),
            name: Some(o.name.clone()),
            title,
        })
    }
}

impl Org {
    pub(crate) fn title(&self, p: Uuid) -> Option<&str> {
        self.positions.get(&p).map(|(t, _)| t.as_str())
    }

    /// Who the complaint waits on, in words.
    pub(crate) fn holder_label(&self, c: &Complaint) -> String {
        match c.holder_position_id.and_then(|p| self.title(p)) {
            Some(t) => t.to_string(),
            None => match c.status {
                crate::domain::Status::Approved => {
                    format!("{FRONT_OFFICE} (jawaban siap dikirim)")
                }
                _ => format!("{FRONT_OFFICE} (belum diteruskan kepada Kepala Dinas)"),
            },
        }
    }

    /// The holder's position and those above it, up to the head.
    pub(crate) fn chain(&self, holder: Uuid) -> Vec<Uuid> {
        let mut out = vec![holder];
        let mut at = holder;
        while let Some(sup) = self.positions.get(&at).and_then(|(_, s)| *s) {
            if out.contains(&sup) || out.len() > 32 {
                break;
            }
            out.push(sup);
            at = sup;
        }
        if let Some(h) = self.head
            && !out.contains(&h)
        {
            out.push(h);
        }
        out
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Messages queued: at most one per person.
    pub messages: u64,
    /// New reminder facts (complaint × threshold × person).
    pub reminders: u64,
    /// New facts about late complaints (to the holder and up the chain).
    pub escalations: u64,
}

/// One level of a complaint's chain: who is there, and the key of the level.
pub(crate) struct Level {
    pub(crate) key: String,
    pub(crate) people: Vec<Person>,
}

impl App {
    pub(crate) fn in_office_hours(&self, calendar: &WorkingCalendar, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.settings.office_timezone);
        calendar.is_working_day(local.date_naive())
            && (OFFICE_HOURS.0..OFFICE_HOURS.1).contains(&local.hour())
    }

    /// Positions, and who is at each on `day`: active officers with an
    /// address, and the Plh/Plt appointed for that day.
    pub(crate) async fn org(&self, day: chrono::NaiveDate) -> Result<Org, StoreError> {
        let (list, officers, acting, accounts, units) = tokio::try_join!(
            self.store.list_positions(),
            self.store.list_officers(),
            self.store.list_acting(day),
            self.store.list_accounts(),
            self.store.list_units(),
        )?;
        // the front office: whoever signs in as reception or liaison officer
        let mut front: Vec<Person> = Vec::new();
        for a in accounts.iter().filter(|a| {
            a.active
                && a.officer_active
                && matches!(
                    a.role,
                    crate::domain::Role::Reception | crate::domain::Role::Liaison
                )
        }) {
            let Some(o) = a
                .officer
                .as_ref()
                .and_then(|ao| officers.iter().find(|o| o.id == ao.id && o.active))
            else {
                continue;
            };
            let title = if a.role == crate::domain::Role::Liaison {
                "Pejabat Penghubung"
            } else {
                "Petugas Pelayanan"
            };
            if let Some(p) = Person::of(o, title.into())
                && !front.iter().any(|f| f.email == p.email)
            {
                front.push(p);
            }
        }
        let unit_of: HashMap<Uuid, String> = list
            .iter()
            .filter_map(|p| {
                let u = units.iter().find(|u| Some(u.id) == p.unit_id)?;
                Some((p.id, u.name.clone()))
            })
            .collect();
        let mut people: HashMap<Uuid, Vec<Person>> = HashMap::new();
        let title_of = |p: Uuid| {
            list.iter()
                .find(|x| x.id == p)
                .map_or("Pejabat".to_string(), |x| x.title.clone())
        };
        for o in officers.iter().filter(|o| o.active) {
            if let Some(pos) = o.position_id
                && let Some(p) = Person::of(o, title_of(pos))
            {
                people.entry(pos).or_default().push(p);
            }
        }
        for a in acting
            .iter()
            .filter(|a| a.revoked_at.is_none() && a.starts_on <= day && day <= a.ends_on)
        {
            let kind = if a.kind == "plt" { "Plt" } else { "Plh" };
            if let Some(o) = officers.iter().find(|o| o.id == a.officer_id && o.active)
                && let Some(p) = Person::of(o, format!("{kind} {}", title_of(a.position_id)))
            {
                people.entry(a.position_id).or_default().push(p);
            }
        }
        Ok(Org {
            head: list.iter().find(|p| p.is_head).map(|p| p.id),
            positions: list
                .into_iter()
                .map(|p| (p.id, (p.title, p.superior_id)))
                .collect(),
            people,
            front,
            unit_of,
        })
    }

    /// Who is at `position` today; for the head's position with nobody
    /// reachable there, `ADUAN_HEAD_EMAIL`.
    pub(crate) fn at(&self, org: &Org, position: Uuid) -> Vec<Person> {
        let here = org.people.get(&position).cloned().unwrap_or_default();
        if here.is_empty() && Some(position) == org.head {
            return self.head_fallback();
        }
        here
    }

    pub(crate) fn head_fallback(&self) -> Vec<Person> {
        self.settings
            .head_email
            .iter()
            .map(|e| Person {
                email: e.to_lowercase(),
                whatsapp: None,
                name: None,
                title: "Kepala Dinas".into(),
            })
            .collect()
    }

    pub(crate) fn liaison(&self) -> Option<Person> {
        self.settings.liaison_email.as_ref().map(|e| Person {
            email: e.to_lowercase(),
            whatsapp: None,
            name: None,
            title: "Pejabat Penghubung".into(),
        })
    }

    /// The chain a complaint climbs when late: its holder's position, then
    /// each superior up to the head. A complaint nobody holds yet waits on
    /// the front office (reception and the liaison officer signed in), then
    /// the head; with nobody reachable at the front office, on the head.
    pub(crate) fn levels(&self, org: &Org, c: &Complaint) -> Vec<Level> {
        let head = || match org.head {
            Some(h) => self.at(org, h),
            None => self.head_fallback(),
        };
        match c.holder_position_id {
            Some(p) => org
                .chain(p)
                .into_iter()
                .map(|q| Level {
                    key: q.to_string(),
                    people: self.at(org, q),
                })
                .collect(),
            None if org.front.is_empty() => vec![Level {
                key: "front".into(),
                people: head(),
            }],
            None => vec![
                Level {
                    key: "desk".into(),
                    people: org.front.clone(),
                },
                Level {
                    key: org.head.map_or("head".to_string(), |h| h.to_string()),
                    people: head(),
                },
            ],
        }
    }

    pub(crate) fn line<'a>(
        &self,
        calendar: &WorkingCalendar,
        c: &'a Complaint,
        now: DateTime<Utc>,
        holder: &'a str,
    ) -> Option<templates::ComplaintLine<'a>> {
        let due = c.due_at?;
        Some(templates::ComplaintLine {
            tracking_number: &c.tracking_number,
            subject: &c.subject,
            channel: c.channel.as_str(),
            received_at: c.received_at,
            due_at: due,
            working_days_left: working_days_left(calendar, due, now, self.settings.office_timezone),
            holder,
            link: format!(
                "{}/console/complaints/{}",
                self.settings.public_base_url, c.id
            ),
            lapor_followup_due_at: c.lapor_followup_due_at,
        })
    }

    /// Open complaints with a deadline in `[from, before)`, soonest first.
    pub(crate) async fn by_deadline(
        &self,
        from: Option<DateTime<Utc>>,
        before: DateTime<Utc>,
        cap: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .list_by_deadline(&DeadlineQuery {
                    due_from: from,
                    due_before: before,
                    channel: None,
                    holders: Vec::new(),
                    lapor_followup: false,
                    after,
                    limit: 500,
                })
                .await?;
            let done = page.len() < 500;
            after = page.last().and_then(|c| c.due_at.map(|d| (d, c.id)));
            out.extend(page);
            if done || out.len() >= cap {
                return Ok(out);
            }
        }
    }

    /// Late work below the head (everything late not held at the head's own
    /// position), counted per unit: what the head's message says instead
    /// of listing each.
    pub(crate) fn late_under(
        &self,
        org: &Org,
        overdue: &[Complaint],
    ) -> Option<templates::LateUnder> {
        let mut per: HashMap<String, usize> = HashMap::new();
        for c in overdue {
            let unit = match c.holder_position_id {
                Some(p) if Some(p) == org.head => continue,
                Some(p) => org
                    .unit_of
                    .get(&p)
                    .cloned()
                    .unwrap_or_else(|| org.title(p).unwrap_or("Tanpa unit").to_string()),
                None => format!("{FRONT_OFFICE} (belum diteruskan atau dikirim)"),
            };
            *per.entry(unit).or_default() += 1;
        }
        if per.is_empty() {
            return None;
        }
        let mut per_unit: Vec<(String, usize)> = per.into_iter().collect();
        per_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Some(templates::LateUnder {
            total: per_unit.iter().map(|(_, n)| n).sum(),
            per_unit,
            link: format!(
                "{}/console/complaints?due=overdue",
                self.settings.public_base_url
            ),
        })
    }

    /// Reminds before the deadline (`ADUAN_REMINDER_DAYS` working days before
    /// the due day) and follows late complaints up the chain, in **one
    /// message per person**: each fact (complaint, threshold or level,
    /// holder, person) is recorded with the message that reports it and
    /// never reported again; a complaint disposed further is reported to its
    /// new holder. Reminders go to whoever is at the holding position today
    /// (holders and Plh/Plt) and to the liaison officer; a late complaint
    /// reaches the holder's superior on its first late day and climbs one
    /// level every `ADUAN_ESCALATION_STEP_DAYS` working days, up to the head.
    /// Does nothing outside office hours on working days. Its cost grows
    /// with the complaints due, not with the complaints open.
    pub async fn reminder_sweep(&self, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
        let Some(scope) = self.sweep_scope(now).await? else {
            return Ok(SweepReport::default());
        };
        let upcoming = self
            .by_deadline(Some(now), scope.horizon, usize::MAX)
            .await?;
        let overdue = self.by_deadline(None, now, usize::MAX).await?;
        let complaints: Vec<&Complaint> = upcoming.iter().chain(overdue.iter()).collect();
        let mut facts = Vec::new();
        let mut events = Vec::new();
        for (i, c) in complaints.iter().enumerate() {
            let Some(due) = c.due_at else { continue };
            let left = working_days_left(&scope.calendar, due, now, self.settings.office_timezone);
            if due > now {
                self.reminder_facts(&scope, i, c, left, &mut facts, &mut events);
            } else {
                self.late_facts(&scope, i, c, left, &mut facts, &mut events);
            }
        }
        if facts.is_empty() {
            return Ok(SweepReport::default());
        }
        let facts = self.unreported(facts).await?;
        let under = self.late_under(&scope.org, &overdue);
        let messages: Vec<crate::store::NoticeMessage> = by_person(facts)
            .into_iter()
            .map(|(person, facts)| {
                self.message_for(&scope, &person, &facts, &complaints, under.as_ref(), now)
            })
            .collect();
        self.record_sweep(&messages, &events, now).await
    }

    /// What a sweep at `now` works with, or `None` outside office hours on
    /// working days (officials are told in office hours only).
    async fn sweep_scope(&self, now: DateTime<Utc>) -> Result<Option<SweepScope>, StoreError> {
        let (calendar, _) = load_policy(self.store.as_ref()).await?;
        if !self.in_office_hours(&calendar, now) {
            return Ok(None);
        }
        let tz = self.settings.office_timezone;
        let today = now.with_timezone(&tz).date_naive();
        let max_days = self
            .settings
            .reminder_days
            .iter()
            .copied()
            .max()
            .unwrap_or(0);
        let horizon =
            end_of_day(calendar.add_working_days(today, max_days), tz) + Duration::seconds(1);
        let org = self.org(today).await?;
        let head_people = match org.head {
            Some(h) => self.at(&org, h),
            None => self.head_fallback(),
        }
        .into_iter()
        .map(|p| p.email)
        .collect();
        Ok(Some(SweepScope {
            liaison: self.liaison(),
            calendar,
            horizon,
            org,
            head_people,
        }))
    }

    /// A complaint not yet due: its holders (and the watching liaison
    /// address) are reminded once per threshold of `ADUAN_REMINDER_DAYS`.
    fn reminder_facts(
        &self,
        scope: &SweepScope,
        i: usize,
        c: &Complaint,
        left: i64,
        facts: &mut Vec<Fact>,
        events: &mut Vec<crate::store::NoticeEvent>,
    ) {
        let Some(threshold) = self
            .settings
            .reminder_days
            .iter()
            .copied()
            .filter(|t| left <= i64::from(*t))
            .min()
        else {
            return;
        };
        let holder = holder_key(c);
        let levels = self.levels(&scope.org, c);
        let mut told = 0;
        for (person, why) in levels
            .first()
            .map(|l| l.people.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p, NoticeWhy::Holder))
            .chain(scope.liaison.clone().map(|p| (p, NoticeWhy::Watch)))
        {
            facts.push(Fact {
                key: format!("reminder:{}:{holder}:{threshold}:{}", c.id, person.email),
                complaint: i,
                person,
                why,
            });
            told += 1;
        }
        events.push(crate::store::NoticeEvent {
            complaint_id: c.id,
            kind: "reminder_queued",
            detail: serde_json::json!({"threshold_working_days": threshold,
                "working_days_left": left, "recipients": told})
            .to_string(),
        });
    }

    /// A late complaint: its holders, and one level further up the chain
    /// every `ADUAN_ESCALATION_STEP_DAYS` working days late (and the
    /// watching liaison address).
    fn late_facts(
        &self,
        scope: &SweepScope,
        i: usize,
        c: &Complaint,
        left: i64,
        facts: &mut Vec<Fact>,
        events: &mut Vec<crate::store::NoticeEvent>,
    ) {
        let holder = holder_key(c);
        let levels = self.levels(&scope.org, c);
        let late = (-left).max(1) as usize;
        let step = self.settings.escalation_step_days.max(1) as usize;
        let reach = (1 + (late - 1) / step).min(levels.len().saturating_sub(1));
        let mut reached = Vec::new();
        for (n, level) in levels.iter().enumerate().take(reach + 1) {
            let why = if n == 0 {
                NoticeWhy::Holder
            } else {
                NoticeWhy::Escalated { levels: n }
            };
            for p in &level.people {
                facts.push(Fact {
                    key: format!("late:{}:{holder}:{}:{}", c.id, level.key, p.email),
                    complaint: i,
                    person: p.clone(),
                    why: why.clone(),
                });
            }
            if n > 0 && !level.people.is_empty() {
                reached.push(level.people[0].title.clone());
            }
        }
        if let Some(p) = &scope.liaison {
            facts.push(Fact {
                key: format!("late:{}:{holder}:watch:{}", c.id, p.email),
                complaint: i,
                person: p.clone(),
                why: NoticeWhy::Watch,
            });
        }
        events.push(crate::store::NoticeEvent {
            complaint_id: c.id,
            kind: "escalated",
            detail: serde_json::json!({"working_days_late": late, "levels": reach, "to": reached})
                .to_string(),
        });
    }

    /// The facts not reported before (each is told once).
    async fn unreported(&self, mut facts: Vec<Fact>) -> Result<Vec<Fact>, StoreError> {
        let keys: Vec<String> = facts.iter().map(|f| f.key.clone()).collect();
        let known: std::collections::HashSet<String> =
            self.store.known_notices(&keys).await?.into_iter().collect();
        facts.retain(|f| !known.contains(&f.key));
        Ok(facts)
    }

    /// One person's message: each complaint once, for its strongest reason;
    /// the head's escalations as the count of late work below him; the
    /// same alert on WhatsApp for an officer who opted in.
    fn message_for(
        &self,
        scope: &SweepScope,
        person: &Person,
        facts: &[Fact],
        complaints: &[&Complaint],
        under: Option<&templates::LateUnder>,
        now: DateTime<Utc>,
    ) -> crate::store::NoticeMessage {
        let s = &self.settings;
        let is_head = scope.head_people.contains(&person.email);
        let holders: Vec<String> = facts
            .iter()
            .map(|f| scope.org.holder_label(complaints[f.complaint]))
            .collect();
        let mut entries: Vec<templates::NoticeEntry<'_>> = Vec::new();
        let mut seen: HashMap<usize, usize> = HashMap::new();
        let mut escalated_to_head = false;
        for (n, f) in facts.iter().enumerate() {
            if is_head && matches!(f.why, NoticeWhy::Escalated { .. }) {
                escalated_to_head = true;
                continue;
            }
            if let Some(&at) = seen.get(&f.complaint) {
                if rank(&f.why) > rank(&entries[at].why) {
                    entries[at].why = f.why.clone();
                }
                continue;
            }
            let Some(line) = self.line(&scope.calendar, complaints[f.complaint], now, &holders[n])
            else {
                continue;
            };
            seen.insert(f.complaint, entries.len());
            entries.push(templates::NoticeEntry {
                line,
                why: f.why.clone(),
            });
        }
        let under = under.filter(|_| escalated_to_head);
        let salutation = templates::salutation(person.name.as_deref(), &person.title);
        let list = format!("{}/console/complaints?due=overdue", s.public_base_url);
        let m = templates::notices(
            &s.office_name,
            &salutation,
            &entries,
            now,
            s.office_timezone,
            &templates::NoticeMore {
                summary_over: s.backlog_summary_over,
                list_link: &list,
                under,
            },
        );
        // the same facts make the same message key, whatever runs twice
        let mut keys: Vec<&str> = facts.iter().map(|f| f.key.as_str()).collect();
        keys.sort_unstable();
        let digest = sha2::Sha256::digest(keys.join("\n").as_bytes());
        let tag: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let also = match (&person.whatsapp, &s.whatsapp) {
            (Some(to), Some(_)) => {
                let late = entries
                    .iter()
                    .filter(|e| e.line.working_days_left < 0 || e.line.due_at <= now)
                    .count();
                let below = under.map_or(0, |u| u.total);
                let what = templates::chat::alert(entries.len() + below, late + below);
                vec![crate::store::NewOutbox {
                    id: Uuid::now_v7(),
                    kind: crate::store::OUTBOX_WHATSAPP_MESSAGE.into(),
                    dedup_key: format!("notices-wa:{to}:{tag}"),
                    complaint_id: None,
                    payload: serde_json::json!({"purpose": "alert", "to": to,
                        "text": what, "link": list})
                    .to_string(),
                }]
            }
            _ => Vec::new(),
        };
        crate::store::NoticeMessage {
            also,
            outbox: notify::email(
                format!("notices:{}:{tag}", person.email),
                None,
                &person.email,
                &m,
            ),
            recipient: person.email.clone(),
            facts: facts
                .iter()
                .map(|f| crate::store::NoticeFact {
                    key: f.key.clone(),
                    complaint_id: complaints[f.complaint].id,
                })
                .collect(),
        }
    }

    /// Writes the messages with their facts and the timeline events, once.
    async fn record_sweep(
        &self,
        messages: &[crate::store::NoticeMessage],
        events: &[crate::store::NoticeEvent],
        now: DateTime<Utc>,
    ) -> Result<SweepReport, StoreError> {
        let (queued, recorded) = self
            .store
            .record_notices(messages, events, &Actor::system(), now)
            .await?;
        let report = SweepReport {
            messages: queued,
            reminders: recorded
                .iter()
                .filter(|k| k.starts_with("reminder:"))
                .count() as u64,
            escalations: recorded.iter().filter(|k| k.starts_with("late:")).count() as u64,
        };
        if report.messages > 0 {
            tracing::info!(
                messages = report.messages,
                reminders = report.reminders,
                escalations = report.escalations,
                "reminder sweep queued messages"
            );
        }
        Ok(report)
    }
}

/// What one sweep works with.
struct SweepScope {
    calendar: WorkingCalendar,
    /// Complaints due before this are reminded (the largest threshold).
    horizon: DateTime<Utc>,
    org: Org,
    /// The settings' watching liaison address.
    liaison: Option<Person>,
    /// Who is at the head's position today (addresses).
    head_people: Vec<String>,
}

/// One fact of a sweep: this complaint, told to this person, for this reason.
struct Fact {
    key: String,
    /// Index into the sweep's complaints.
    complaint: usize,
    person: Person,
    why: NoticeWhy,
}

/// The key of who holds a complaint (a new holder is told again).
fn holder_key(c: &Complaint) -> String {
    c.holder_position_id
        .map_or("front".to_string(), |p| p.to_string())
}

/// The strongest reason first: holding it, then climbed to one, then watching.
fn rank(w: &NoticeWhy) -> u8 {
    match w {
        NoticeWhy::Holder => 3,
        NoticeWhy::Escalated { .. } => 2,
        NoticeWhy::Watch => 1,
    }
}

/// The facts per person (by address), in address order.
fn by_person(facts: Vec<Fact>) -> Vec<(Person, Vec<Fact>)> {
    let mut out: std::collections::BTreeMap<String, (Person, Vec<Fact>)> = Default::default();
    for f in facts {
        out.entry(f.person.email.clone())
            .or_insert_with(|| (f.person.clone(), Vec::new()))
            .1
            .push(f);
    }
    out.into_values().collect()
}
