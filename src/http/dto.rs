//! Response bodies. Privacy rules are applied here, in one place.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{Channel, ExternalRef, Kind, Reporter, Role, Status};
use crate::store::{Attachment, Complaint, Event};

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    pub tracking_number: String,
    pub status: Status,
    pub kind: Kind,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub subject: String,
    pub body: String,
    pub category: Option<String>,
    pub location: Option<String>,
    pub anonymous: bool,
    pub confidential: bool,
    /// `null` when the complaint is anonymous and the caller is not an admin.
    pub reporter: Option<Reporter>,
    /// `true` when `reporter` was withheld under the anonymity rule.
    pub reporter_hidden: bool,
    pub external_ref: ExternalRef,
    /// Increases with every change; also sent as the `ETag` header.
    pub version: i64,
    /// The answer deadline: the end (23:59:59 office time) of the last working
    /// day, or for face-to-face complaints the minute-based or agreed time.
    pub due_at: Option<DateTime<Utc>>,
    /// The working days the deadline was counted with (SLA policy of the channel).
    pub sla_working_days: Option<i32>,
    /// Working days from today (office time) to the due day: 0 on the due
    /// day, negative when overdue.
    pub working_days_left: Option<i64>,
    pub overdue: bool,
    /// LAPOR! reports: LAPOR!'s own follow-up clock.
    pub lapor_followup_due_at: Option<DateTime<Utc>>,
    /// Since when the clock is stopped, waiting for the complainant (`null` when running).
    pub paused_at: Option<DateTime<Utc>>,
    /// Working days added to the SLA by pauses and approved extensions.
    pub extra_working_days: i32,
    /// The position that must act now (see GET …/dispositions for its title).
    pub holder_position_id: Option<Uuid>,
    /// Merged as a duplicate of this complaint.
    pub merged_into: Option<Uuid>,
    /// Forwarded to this agency (dialihkan).
    pub redirected_to: Option<String>,
}

/// What a view needs besides the complaint: who looks, when, on which calendar.
pub struct ViewContext {
    pub viewer: Role,
    pub now: DateTime<Utc>,
    pub timezone: chrono_tz::Tz,
    pub policy: std::sync::Arc<crate::app::Policy>,
}

impl ComplaintView {
    pub fn new(c: Complaint, ctx: &ViewContext) -> Self {
        let viewer = ctx.viewer;
        let hidden = c.anonymous && !viewer.sees_anonymous_identity();
        let open = c.status.is_open();
        let running = open && c.paused_at.is_none();
        let working_days_left = c.due_at.filter(|_| running).map(|due| {
            crate::domain::deadline::working_days_left(
                &ctx.policy.calendar,
                due,
                ctx.now,
                ctx.timezone,
            )
        });
        let overdue = running && c.due_at.is_some_and(|due| ctx.now > due);
        ComplaintView {
            id: c.id,
            tracking_number: c.tracking_number,
            status: c.status,
            kind: c.kind,
            channel: c.channel,
            received_at: c.received_at,
            registered_at: c.registered_at,
            updated_at: c.updated_at,
            subject: c.subject,
            body: c.body,
            category: c.category,
            location: c.location,
            anonymous: c.anonymous,
            confidential: c.confidential,
            reporter: if hidden { None } else { Some(c.reporter) },
            reporter_hidden: hidden,
            external_ref: c.external_ref,
            version: c.version,
            due_at: c.due_at,
            sla_working_days: c.sla_working_days,
            working_days_left,
            overdue,
            lapor_followup_due_at: c.lapor_followup_due_at,
            paused_at: c.paused_at,
            extra_working_days: c.extra_working_days,
            holder_position_id: c.holder_position_id,
            merged_into: c.merged_into,
            redirected_to: c.redirected_to,
        }
    }
}

/// A newly registered complaint, with the access code for the complainant
/// (shown only here: the service keeps just its digest).
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintCreated {
    #[serde(flatten)]
    pub complaint: ComplaintView,
    /// Give this to the complainant with the tracking number to check the
    /// status. A retry with the same `Idempotency-Key` gets it again only
    /// within `ADUAN_REPLAY_CODE_MINUTES` of the first request; later `null`
    /// (it is not kept), and `access_code_note` says so.
    pub access_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_code_note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintPage {
    pub items: Vec<ComplaintView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    /// The API key's name.
    pub name: String,
    pub role: String,
    /// The officer behind the key, if it is bound to one.
    pub officer_id: Option<Uuid>,
    pub officer_name: Option<String>,
    /// The position the officer acted as.
    pub position_id: Option<Uuid>,
    pub position: Option<String>,
    /// `plh` / `plt` when acting for the position.
    pub acting: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// e.g. `registered`, `attachment_added`.
    pub kind: String,
    /// The complaint's status after this event.
    pub status: String,
    pub actor: ActorView,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        EventView {
            id: e.id,
            at: e.at,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            kind: e.kind,
            status: e.status,
            actor: ActorView {
                name: e.actor_name,
                role: e.actor_role,
                officer_id: e.actor_officer_id,
                officer_name: e.actor_officer_name,
                position_id: e.actor_position_id,
                position: e.actor_position,
                acting: e.acting,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Oldest first.
    pub items: Vec<EventView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the stored bytes.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub download_url: String,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        AttachmentView {
            download_url: format!("/api/v1/complaints/{}/attachments/{}", a.complaint_id, a.id),
            id: a.id,
            complaint_id: a.complaint_id,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentView>,
}

/// One public timeline entry (no names, no internal notes).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    /// In Bahasa Indonesia.
    pub description: String,
}

impl PublicEvent {
    /// The complainant's view of a timeline: internal events left out.
    pub fn timeline(events: Vec<crate::store::Event>) -> Vec<PublicEvent> {
        events
            .into_iter()
            .filter_map(|e| {
                crate::domain::public_event_description(&e.kind).map(|d| PublicEvent {
                    at: e.at,
                    kind: e.kind,
                    description: d.to_string(),
                })
            })
            .collect()
    }
}

/// What the complainant sees: no personal data; no content when confidential.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatus {
    pub tracking_number: String,
    pub status: Status,
    /// The status in Bahasa Indonesia.
    pub status_label: String,
    pub kind: Kind,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    /// When the office must have answered.
    pub due_at: Option<DateTime<Utc>>,
    pub confidential: bool,
    /// `null` when the complaint is confidential.
    pub subject: Option<String>,
    /// `null` when the complaint is confidential.
    pub body: Option<String>,
    pub timeline: Vec<PublicEvent>,
}
