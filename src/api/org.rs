//! The organisation over HTTP: units, positions (a tree under the one head of
//! office), officers, acting appointments (Plh/Plt) and officer-bound API
//! keys. Everyone but integrations reads it; admins change it.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{Caller, new_token};
use super::error::ApiError;
use super::extract::json_body;
use super::state::AppState;
use crate::app::org::{ActingInput, OfficerChangeInput, OfficerInput, OrgRefusal, PositionInput};
use crate::domain::{Role, ValidationErrors};
use crate::store::{ActingAppointment, ActorOfficer, ApiKey, Officer, OrgUnit, Position};

fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        caller.role() != Role::Integration,
        "integration keys do not read the organisation",
    )
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    caller.require(
        caller.role() == Role::Admin,
        "only admins change the organisation",
    )
}

/// An organisation change refused: 422 with the fields, or 409.
fn org_refusal<T>(r: Result<T, OrgRefusal>) -> Result<T, ApiError> {
    r.map_err(|r| match r {
        OrgRefusal::Invalid(e) => ApiError::Validation(e),
        OrgRefusal::Duplicate(what) => ApiError::Conflict(what.to_string()),
    })
}

/// `null` and absent differ in a PATCH: absent leaves the field, `null` clears it.
fn patch_field<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// e.g. "Bidang Perlindungan dan Jaminan Sosial".
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"
    )]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<OrgUnit> for UnitView {
    fn from(u: OrgUnit) -> Self {
        UnitView {
            id: u.id,
            name: u.name,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub items: Vec<UnitView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPosition {
    /// e.g. "Kepala Bidang Linjamsos". Unique.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"
    )]
    pub title: Option<String>,
    pub unit_id: Option<Uuid>,
    /// The position this one reports to; required except for the head of office.
    pub superior_id: Option<Uuid>,
    /// Exactly one position is the head of office (Kepala Dinas).
    #[serde(default)]
    pub is_head: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositionView {
    pub id: Uuid,
    pub unit_id: Option<Uuid>,
    pub title: String,
    pub superior_id: Option<Uuid>,
    pub is_head: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Position> for PositionView {
    fn from(p: Position) -> Self {
        PositionView {
            id: p.id,
            unit_id: p.unit_id,
            title: p.title,
            superior_id: p.superior_id,
            is_head: p.is_head,
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositionList {
    /// In the order they were created (superiors before their subordinates).
    pub items: Vec<PositionView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOfficer {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"
    )]
    pub name: Option<String>,
    /// NIP (civil-servant number), unique when given.
    #[schema(max_length = 30, pattern = "^[0-9 ]*$")]
    pub nip: Option<String>,
    /// For reminders and escalations to the position the officer holds.
    #[schema(
        max_length = 254,
        pattern = r"^$|^[^@\s\u0000-\u001f\u007f-\u009f]+@[^@.\s\u0000-\u001f\u007f-\u009f]+(\.[^@.\s\u0000-\u001f\u007f-\u009f]+)+$"
    )]
    pub email: Option<String>,
    pub position_id: Option<Uuid>,
    /// The officer's WhatsApp number (`+62…`, `62…` or `08…`), for alerts.
    #[schema(max_length = 20, pattern = r"^$|^\+?[0-9][0-9 -]{5,18}$")]
    pub whatsapp: Option<String>,
    /// Send them reminders and escalations on WhatsApp too (they agreed;
    /// needs `whatsapp`). Email stays the default.
    pub whatsapp_alerts: Option<bool>,
    /// Pangkat/golongan as the office writes it, e.g. "Pembina Tingkat I
    /// (IV/b)": the answer letter's signature block.
    #[schema(max_length = 100)]
    pub rank: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficerChange {
    /// Move the officer to another position; `null` takes them off their position.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub position_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, max_length = 254, pattern = r"^$|^[^@\s\u0000-\u001f\u007f-\u009f]+@[^@.\s\u0000-\u001f\u007f-\u009f]+(\.[^@.\s\u0000-\u001f\u007f-\u009f]+)+$")]
    pub email: Option<Option<String>>,
    /// `false` when the officer leaves the office: their keys stop acting for any position.
    pub active: Option<bool>,
    /// `null` clears the number (and the alerts with it).
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, max_length = 20, pattern = r"^$|^\+?[0-9][0-9 -]{5,18}$")]
    pub whatsapp: Option<Option<String>>,
    pub whatsapp_alerts: Option<bool>,
    /// Pangkat/golongan (after a promotion); `null` clears it.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub rank: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerView {
    pub id: Uuid,
    pub name: String,
    pub nip: Option<String>,
    pub email: Option<String>,
    pub position_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub whatsapp: Option<String>,
    pub whatsapp_alerts: bool,
    /// Pangkat/golongan.
    pub rank: Option<String>,
}

impl From<Officer> for OfficerView {
    fn from(o: Officer) -> Self {
        OfficerView {
            id: o.id,
            name: o.name,
            nip: o.nip,
            email: o.email,
            position_id: o.position_id,
            active: o.active,
            created_at: o.created_at,
            whatsapp: o.whatsapp,
            whatsapp_alerts: o.whatsapp_alerts,
            rank: o.rank,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerList {
    pub items: Vec<OfficerView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActing {
    #[schema(required = true, nullable = false)]
    pub officer_id: Option<Uuid>,
    /// The position the officer acts for.
    #[schema(required = true, nullable = false)]
    pub position_id: Option<Uuid>,
    /// `plh` (stand-in while the holder is away) or `plt` (vacant position).
    #[schema(required = true, nullable = false, pattern = "^(plh|plt)$")]
    pub kind: Option<String>,
    /// First day (office-local), YYYY-MM-DD.
    #[schema(value_type = String, format = Date, required = true, nullable = false)]
    pub starts_on: Option<NaiveDate>,
    /// Last day, inclusive, at most a year after the first.
    #[schema(value_type = String, format = Date, required = true, nullable = false)]
    pub ends_on: Option<NaiveDate>,
    /// e.g. the number of the appointment letter.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActingView {
    pub id: Uuid,
    pub officer_id: Uuid,
    pub position_id: Uuid,
    pub kind: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<ActingAppointment> for ActingView {
    fn from(a: ActingAppointment) -> Self {
        ActingView {
            id: a.id,
            officer_id: a.officer_id,
            position_id: a.position_id,
            kind: a.kind,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            note: a.note,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActingList {
    /// Appointments not revoked that end today or later, by start date.
    pub items: Vec<ActingView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOfficerKey {
    /// e.g. "Laptop Kabid Linjamsos".
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"
    )]
    pub name: Option<String>,
    /// The key's role: reception, liaison, official, head or manager.
    #[schema(
        required = true,
        nullable = false,
        pattern = "^(reception|liaison|official|head|manager)$"
    )]
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerKeyCreated {
    pub id: Uuid,
    pub officer_id: Uuid,
    pub role: String,
    /// Shown once; only its digest is stored.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionList {
    /// The standard instructions (ADUAN_DISPOSITION_INSTRUCTIONS).
    pub items: Vec<String>,
}

/// Units of the office.
#[utoipa::path(get, path = "/api/v1/org/units", tag = "organisation",
    responses((status = 200, body = UnitList)), security(("bearer" = [])))]
pub async fn list_units(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller)?;
    let items = state.store.list_units().await?;
    Ok(HttpResponse::Ok().json(UnitList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Add a unit (Sekretariat, a Bidang, a UPT).
#[utoipa::path(post, path = "/api/v1/org/units", tag = "organisation", request_body = NewUnit,
    responses(
        (status = 201, body = UnitView),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn create_unit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: NewUnit = json_body(&req, &body)?;
    let unit = org_refusal(state.app.add_unit(b.name.as_deref(), Utc::now()).await?)?;
    Ok(HttpResponse::Created().json(UnitView::from(unit)))
}

/// Positions and who reports to whom.
#[utoipa::path(get, path = "/api/v1/org/positions", tag = "organisation",
    responses((status = 200, body = PositionList)), security(("bearer" = [])))]
pub async fn list_positions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller)?;
    let items = state.store.list_positions().await?;
    Ok(HttpResponse::Ok().json(PositionList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Add a position. The head of office has no superior; every other position
/// names its superior, so that drafts can climb level by level to the head.
#[utoipa::path(post, path = "/api/v1/org/positions", tag = "organisation", request_body = NewPosition,
    responses(
        (status = 201, body = PositionView),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A second head, or the title is taken", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn create_position(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: NewPosition = json_body(&req, &body)?;
    let p = org_refusal(
        state
            .app
            .add_position(
                PositionInput {
                    title: b.title.as_deref(),
                    unit_id: b.unit_id,
                    superior_id: b.superior_id,
                    is_head: b.is_head,
                },
                Utc::now(),
            )
            .await?,
    )?;
    Ok(HttpResponse::Created().json(PositionView::from(p)))
}

/// Officers (pegawai) and the position each holds.
#[utoipa::path(get, path = "/api/v1/org/officers", tag = "organisation",
    responses((status = 200, body = OfficerList)), security(("bearer" = [])))]
pub async fn list_officers(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller)?;
    let items = state.store.list_officers().await?;
    Ok(HttpResponse::Ok().json(OfficerList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Add an officer. `whatsapp_alerts` needs `whatsapp` (422 on
/// `whatsapp_alerts` otherwise): reminders and escalations then also go to
/// that number as the staff template.
#[utoipa::path(post, path = "/api/v1/org/officers", tag = "organisation", request_body = NewOfficer,
    responses(
        (status = 201, body = OfficerView),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "NIP taken", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn create_officer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: NewOfficer = json_body(&req, &body)?;
    let o = org_refusal(
        state
            .app
            .add_officer(
                OfficerInput {
                    name: b.name.as_deref(),
                    nip: b.nip.as_deref(),
                    email: b.email.as_deref(),
                    position_id: b.position_id,
                    whatsapp: b.whatsapp.as_deref(),
                    whatsapp_alerts: b.whatsapp_alerts.unwrap_or(false),
                    rank: b.rank.as_deref(),
                },
                Utc::now(),
            )
            .await?,
    )?;
    Ok(HttpResponse::Created().json(OfficerView::from(o)))
}

/// Move an officer to another position, change their email or WhatsApp
/// number, or mark them as having left (their keys then hold no position).
/// `whatsapp_alerts: true` needs a WhatsApp number, given now or before
/// (422 on `whatsapp_alerts` otherwise); clearing the number ends the alerts.
#[utoipa::path(patch, path = "/api/v1/org/officers/{id}", tag = "organisation",
    params(("id" = Uuid, Path, description = "Officer id")), request_body = OfficerChange,
    responses(
        (status = 200, body = OfficerView),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown officer", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn update_officer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: OfficerChange = json_body(&req, &body)?;
    let o = org_refusal(
        state
            .app
            .change_officer(
                path.into_inner(),
                OfficerChangeInput {
                    position_id: b.position_id,
                    email: b.email.as_ref().map(|v| v.as_deref()),
                    active: b.active,
                    whatsapp: b.whatsapp.as_ref().map(|v| v.as_deref()),
                    whatsapp_alerts: b.whatsapp_alerts,
                    rank: b.rank.as_ref().map(|v| v.as_deref()),
                },
                &caller.actor().name,
                Utc::now(),
            )
            .await?,
    )?
    .ok_or(ApiError::NotFound("No officer with this id."))?;
    Ok(HttpResponse::Ok().json(OfficerView::from(o)))
}

/// Create an API key bound to the officer: actions taken with it name the
/// officer and the position they hold (or act for) at the time.
#[utoipa::path(post, path = "/api/v1/org/officers/{id}/api-keys", tag = "organisation",
    params(("id" = Uuid, Path, description = "Officer id")), request_body = NewOfficerKey,
    responses(
        (status = 201, body = OfficerKeyCreated),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown officer", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn create_officer_key(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: NewOfficerKey = json_body(&req, &body)?;
    let officer = state
        .store
        .get_officer(path.into_inner())
        .await?
        .ok_or(ApiError::NotFound("No officer with this id."))?;
    let mut e = ValidationErrors::default();
    let name = crate::app::org::required_text(&mut e, "name", b.name.as_deref(), 100);
    let role = match b.role.as_deref().map(str::parse::<Role>) {
        Some(Ok(r)) if !matches!(r, Role::Admin | Role::Integration) => Some(r),
        _ => {
            e.push(
                "role",
                "must be reception, liaison, official, head or manager",
            );
            None
        }
    };
    let (Some(name), Some(role), true) = (name, role, e.is_empty()) else {
        return Err(e.into());
    };
    let (token, digest, hint) = new_token();
    let key = ApiKey {
        id: Uuid::now_v7(),
        name,
        role,
        hint,
        created_at: Utc::now(),
        revoked_at: None,
        officer: Some(ActorOfficer::of(&officer)),
    };
    state.app.create_api_key(&key, &digest).await?;
    tracing::info!(key_id = %key.id, officer_id = %officer.id, role = %role, "officer key created");
    Ok(HttpResponse::Created().json(OfficerKeyCreated {
        id: key.id,
        officer_id: officer.id,
        role: role.to_string(),
        token,
    }))
}

/// Current and future acting appointments (Plh/Plt).
#[utoipa::path(get, path = "/api/v1/org/acting", tag = "organisation",
    responses((status = 200, body = ActingList)), security(("bearer" = [])))]
pub async fn list_acting(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller)?;
    let today = Utc::now()
        .with_timezone(&state.settings.office_timezone)
        .date_naive();
    let items = state.store.list_acting(today).await?;
    Ok(HttpResponse::Ok().json(ActingList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Appoint an officer to act for a position (Plh/Plt) over a date range. On
/// those days (office-local) the officer may do whatever the position may.
#[utoipa::path(post, path = "/api/v1/org/acting", tag = "organisation", request_body = NewActing,
    responses(
        (status = 201, body = ActingView),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn create_acting(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let b: NewActing = json_body(&req, &body)?;
    let a = org_refusal(
        state
            .app
            .appoint_acting(
                ActingInput {
                    officer_id: b.officer_id,
                    position_id: b.position_id,
                    kind: b.kind.as_deref(),
                    starts_on: b.starts_on,
                    ends_on: b.ends_on,
                    note: b.note.as_deref(),
                },
                Utc::now(),
            )
            .await?,
    )?;
    Ok(HttpResponse::Created().json(ActingView::from(a)))
}

/// End an acting appointment now (the holder is back early).
#[utoipa::path(delete, path = "/api/v1/org/acting/{id}", tag = "organisation",
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No live appointment with this id", body = super::error::Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
pub async fn revoke_acting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    if state
        .app
        .revoke_acting(path.into_inner(), Utc::now())
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound("No live appointment with this id."))
    }
}

/// The standard disposition instructions.
#[utoipa::path(get, path = "/api/v1/org/instructions", tag = "organisation",
    responses((status = 200, body = InstructionList)), security(("bearer" = [])))]
pub async fn instructions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    require_reader(&caller)?;
    Ok(HttpResponse::Ok().json(InstructionList {
        items: state.settings.disposition_instructions.clone(),
    }))
}
