//! The organisation (units, positions, officers, acting appointments) and API keys.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::ValidationErrors;
use crate::domain::workflow::ActingKind;
use crate::store::{
    ActingAppointment, ApiKey, AuthAudit, Officer, OfficerPatch, OrgOutcome, OrgUnit, Position,
    StoreError,
};

/// Why an organisation change was not made (nothing was written).
#[derive(Debug)]
pub enum OrgRefusal {
    /// Field errors (field names as in the JSON API).
    Invalid(ValidationErrors),
    /// A uniqueness rule (which one).
    Duplicate(&'static str),
}

/// The outcome of a validated organisation change.
pub type OrgResult<T> = Result<Result<T, OrgRefusal>, StoreError>;

/// A new position as a door received it.
#[derive(Debug, Default)]
pub struct PositionInput<'a> {
    pub title: Option<&'a str>,
    pub unit_id: Option<Uuid>,
    pub superior_id: Option<Uuid>,
    pub is_head: bool,
}

/// A new officer as a door received it.
#[derive(Debug, Default)]
pub struct OfficerInput<'a> {
    pub name: Option<&'a str>,
    pub nip: Option<&'a str>,
    pub email: Option<&'a str>,
    pub position_id: Option<Uuid>,
    /// A WhatsApp number (`+62…`, `62…` or `08…`).
    pub whatsapp: Option<&'a str>,
    pub whatsapp_alerts: bool,
    /// Pangkat/golongan as written in the office's records.
    pub rank: Option<&'a str>,
}

/// A change to an officer as a door received it (`None`: leave as is).
#[derive(Debug, Default)]
pub struct OfficerChangeInput<'a> {
    /// `Some(None)` takes the officer off their position.
    pub position_id: Option<Option<Uuid>>,
    /// `Some(None)` clears the address.
    pub email: Option<Option<&'a str>>,
    pub active: Option<bool>,
    /// `Some(None)` clears the number (and the alerts with it).
    pub whatsapp: Option<Option<&'a str>>,
    pub whatsapp_alerts: Option<bool>,
    /// `Some(None)` clears the rank.
    pub rank: Option<Option<&'a str>>,
}

/// A rank as given: trimmed, empty → none, at most 100 characters.
fn rank_field(e: &mut ValidationErrors, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > 100 || v.chars().any(char::is_control) {
        e.push("rank", "at most 100 characters, one line");
        return None;
    }
    Some(v.to_string())
}

/// A WhatsApp number as given → its `wa_id`, or the field's error.
fn whatsapp_field(e: &mut ValidationErrors, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    let ok = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
    match crate::domain::conversation::wa_id_from_phone(v).filter(|_| ok) {
        Some(w) => Some(w),
        None => {
            e.push("whatsapp", "must be a phone number (+62…, 62… or 08…)");
            None
        }
    }
}

/// A Plh/Plt appointment as a door received it.
#[derive(Debug, Default)]
pub struct ActingInput<'a> {
    pub officer_id: Option<Uuid>,
    pub position_id: Option<Uuid>,
    pub kind: Option<&'a str>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub note: Option<&'a str>,
}

/// A required text field, trimmed, at most `max` characters, no control
/// characters.
pub(crate) fn required_text(
    e: &mut ValidationErrors,
    field: &str,
    v: Option<&str>,
    max: usize,
) -> Option<String> {
    // the length as sent (the schema's maxLength), before trimming
    if v.is_some_and(|raw| raw.chars().count() > max) {
        e.push(field, format!("must be at most {max} characters"));
        return None;
    }
    match v.map(str::trim) {
        None | Some("") => {
            e.push(field, "is required");
            None
        }
        Some(t) if t.chars().count() > max => {
            e.push(field, format!("must be at most {max} characters"));
            None
        }
        Some(t) if t.chars().any(char::is_control) => {
            e.push(field, "must not contain control characters");
            None
        }
        Some(t) => Some(t.to_string()),
    }
}

/// An optional email address (blank: none).
pub(crate) fn email_field(e: &mut ValidationErrors, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
    let ok = v.chars().count() <= 254
        && v.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !v.contains(' '));
    if ok {
        Some(v.to_string())
    } else {
        e.push("email", "is not an email address");
        None
    }
}

fn stamp(now: DateTime<Utc>) -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(now, 6)
}

fn refused<T>(o: OrgOutcome, ok: T) -> Result<T, OrgRefusal> {
    match o {
        OrgOutcome::Done => Ok(ok),
        OrgOutcome::Duplicate(what) => Err(OrgRefusal::Duplicate(what)),
    }
}

impl App {
    /// Adds a unit (Sekretariat, a Bidang, a UPT).
    pub async fn add_unit(&self, name: Option<&str>, now: DateTime<Utc>) -> OrgResult<OrgUnit> {
        let mut e = ValidationErrors::default();
        let (Some(name), true) = (required_text(&mut e, "name", name, 200), e.is_empty()) else {
            return Ok(Err(OrgRefusal::Invalid(e)));
        };
        let unit = OrgUnit {
            id: Uuid::now_v7(),
            name,
            created_at: stamp(now),
        };
        Ok(refused(self.create_unit(&unit).await?, unit))
    }

    /// Adds a position: the head has no superior, every other position
    /// names an existing one.
    pub async fn add_position(
        &self,
        i: PositionInput<'_>,
        now: DateTime<Utc>,
    ) -> OrgResult<Position> {
        let mut e = ValidationErrors::default();
        let title = required_text(&mut e, "title", i.title, 200);
        let chart = self.org_chart().await?;
        match (i.is_head, i.superior_id) {
            (true, Some(_)) => e.push("superior_id", "the head of office has no superior"),
            (false, None) => e.push(
                "superior_id",
                "is required: every position except the head reports to one",
            ),
            (false, Some(s)) if chart.get(s).is_none() => e.push("superior_id", "no such position"),
            _ => {}
        }
        if let Some(u) = i.unit_id
            && !self.store.list_units().await?.iter().any(|x| x.id == u)
        {
            e.push("unit_id", "no such unit");
        }
        let (Some(title), true) = (title, e.is_empty()) else {
            return Ok(Err(OrgRefusal::Invalid(e)));
        };
        let p = Position {
            id: Uuid::now_v7(),
            unit_id: i.unit_id,
            title,
            superior_id: i.superior_id,
            is_head: i.is_head,
            created_at: stamp(now),
        };
        Ok(refused(self.create_position(&p).await?, p))
    }

    /// Adds an officer (pegawai), on a position or not yet.
    pub async fn add_officer(&self, i: OfficerInput<'_>, now: DateTime<Utc>) -> OrgResult<Officer> {
        let mut e = ValidationErrors::default();
        let name = required_text(&mut e, "name", i.name, 200);
        let nip = i
            .nip
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if nip
            .as_deref()
            .is_some_and(|n| n.len() > 30 || !n.chars().all(|c| c.is_ascii_digit() || c == ' '))
        {
            e.push("nip", "must be digits (at most 30)");
        }
        let email = email_field(&mut e, i.email);
        let whatsapp = whatsapp_field(&mut e, i.whatsapp);
        let rank = rank_field(&mut e, i.rank);
        if i.whatsapp_alerts && whatsapp.is_none() && !e.0.iter().any(|f| f.field == "whatsapp") {
            e.push(
                "whatsapp_alerts",
                "alerts on WhatsApp need the officer's number",
            );
        }
        if let Some(p) = i.position_id
            && self.org_chart().await?.get(p).is_none()
        {
            e.push("position_id", "no such position");
        }
        let (Some(name), true) = (name, e.is_empty()) else {
            return Ok(Err(OrgRefusal::Invalid(e)));
        };
        let o = Officer {
            id: Uuid::now_v7(),
            name,
            nip,
            email,
            position_id: i.position_id,
            active: true,
            created_at: stamp(now),
            whatsapp_alerts: i.whatsapp_alerts && whatsapp.is_some(),
            whatsapp,
            rank,
        };
        Ok(refused(self.create_officer(&o).await?, o))
    }

    /// Moves, re-addresses, deactivates or reactivates an officer after
    /// checking the fields; `Ok(Ok(None))`: no such officer.
    pub async fn change_officer(
        &self,
        id: Uuid,
        i: OfficerChangeInput<'_>,
        by: &str,
        now: DateTime<Utc>,
    ) -> OrgResult<Option<Officer>> {
        let mut e = ValidationErrors::default();
        if let Some(Some(p)) = i.position_id
            && self.org_chart().await?.get(p).is_none()
        {
            e.push("position_id", "no such position");
        }
        let email = i
            .email
            .map(|v| v.and_then(|v| email_field(&mut e, Some(v))));
        let whatsapp = i
            .whatsapp
            .map(|v| v.and_then(|v| whatsapp_field(&mut e, Some(v))));
        let rank = i.rank.map(|v| rank_field(&mut e, v));
        if i.whatsapp_alerts == Some(true) && e.0.iter().all(|f| f.field != "whatsapp") {
            let number = match &whatsapp {
                Some(w) => w.is_some(),
                None => self
                    .store
                    .get_officer(id)
                    .await?
                    .is_some_and(|o| o.whatsapp.is_some()),
            };
            if !number {
                e.push(
                    "whatsapp_alerts",
                    "alerts on WhatsApp need the officer's number",
                );
            }
        }
        if !e.is_empty() {
            return Ok(Err(OrgRefusal::Invalid(e)));
        }
        let patch = OfficerPatch {
            position_id: i.position_id,
            email,
            active: i.active,
            whatsapp,
            whatsapp_alerts: i.whatsapp_alerts,
            rank,
        };
        Ok(Ok(self.update_officer(id, &patch, by, stamp(now)).await?))
    }

    /// Appoints a Plh/Plt after checking the officer, the position, the
    /// kind and the dates (at most a year).
    pub async fn appoint_acting(
        &self,
        i: ActingInput<'_>,
        now: DateTime<Utc>,
    ) -> OrgResult<ActingAppointment> {
        let mut e = ValidationErrors::default();
        let officer = match i.officer_id {
            None => {
                e.push("officer_id", "is required");
                None
            }
            Some(id) => {
                let o = self.store.get_officer(id).await?;
                if o.is_none() {
                    e.push("officer_id", "no such officer");
                }
                o
            }
        };
        let chart = self.org_chart().await?;
        match i.position_id {
            None => e.push("position_id", "is required"),
            Some(p) if chart.get(p).is_none() => e.push("position_id", "no such position"),
            Some(p) if officer.as_ref().is_some_and(|o| o.position_id == Some(p)) => {
                e.push("position_id", "the officer already holds this position")
            }
            _ => {}
        }
        let kind = match i.kind.map(ActingKind::parse) {
            Some(Some(k)) => Some(k),
            _ => {
                e.push("kind", "must be plh or plt");
                None
            }
        };
        match (i.starts_on, i.ends_on) {
            (Some(s), Some(t)) if t < s => e.push("ends_on", "must not be before starts_on"),
            (Some(s), Some(t)) if (t - s).num_days() > 366 => {
                e.push("ends_on", "an appointment lasts at most a year")
            }
            (s, t) => {
                if s.is_none() {
                    e.push("starts_on", "is required (YYYY-MM-DD)");
                }
                if t.is_none() {
                    e.push("ends_on", "is required (YYYY-MM-DD)");
                }
            }
        }
        let note = i
            .note
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if note.as_deref().is_some_and(|n| n.chars().count() > 500) {
            e.push("note", "must be at most 500 characters");
        }
        let (Some(officer), Some(position_id), Some(kind), Some(starts_on), Some(ends_on), true) = (
            officer,
            i.position_id,
            kind,
            i.starts_on,
            i.ends_on,
            e.is_empty(),
        ) else {
            return Ok(Err(OrgRefusal::Invalid(e)));
        };
        let a = ActingAppointment {
            id: Uuid::now_v7(),
            officer_id: officer.id,
            position_id,
            kind: kind.as_str().to_string(),
            starts_on,
            ends_on,
            note,
            created_at: stamp(now),
            revoked_at: None,
        };
        self.create_acting(&a).await?;
        Ok(Ok(a))
    }

    pub async fn create_unit(&self, unit: &OrgUnit) -> Result<OrgOutcome, StoreError> {
        self.store.create_unit(unit).await
    }

    pub async fn create_position(&self, p: &Position) -> Result<OrgOutcome, StoreError> {
        self.store.create_position(p).await
    }

    pub async fn create_officer(&self, o: &Officer) -> Result<OrgOutcome, StoreError> {
        self.store.create_officer(o).await
    }

    /// Moves, re-addresses, deactivates or reactivates an officer.
    /// Deactivating one revokes their keys and ends their sessions in the
    /// same transaction, with an audit entry naming `by`.
    pub async fn update_officer(
        &self,
        id: Uuid,
        patch: &OfficerPatch,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Officer>, StoreError> {
        let mut audit = AuthAudit::new("officer_deactivated", now);
        audit.actor = Some(by.to_string());
        let o = self.store.update_officer(id, patch, &audit).await?;
        self.keys.forget();
        if let Some(o) = &o {
            tracing::info!(officer_id = %o.id, active = o.active, "officer changed");
        }
        Ok(o)
    }

    pub async fn create_acting(&self, a: &ActingAppointment) -> Result<(), StoreError> {
        self.store.create_acting(a).await?;
        tracing::info!(appointment_id = %a.id, officer_id = %a.officer_id, kind = %a.kind, "acting appointment");
        Ok(())
    }

    /// `true` if a live appointment was ended now.
    pub async fn revoke_acting(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.store.revoke_acting(id, at).await
    }

    /// Creates a key; the token is returned once and only its digest is kept.
    pub async fn create_api_key(&self, key: &ApiKey, digest: &str) -> Result<(), StoreError> {
        self.store.insert_api_key(key, digest).await?;
        tracing::info!(key_id = %key.id, role = %key.role, "API key created");
        Ok(())
    }

    /// `true` if a live key was revoked now.
    pub async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = self.store.revoke_api_key(id, at).await?;
        self.keys.forget();
        Ok(done)
    }
}
