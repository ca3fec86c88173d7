//! How a complaint is shown to a caller, for both doors: who may see it,
//! the view context (role, time, policy) and list cursors.

use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dto::ViewContext;
use super::session::Caller;
use super::state::AppState;
use crate::store::{Complaint, Cursor, StoreError};

pub fn visible(caller: &Caller, c: &Complaint) -> bool {
    caller.role().can_read_all_complaints()
        || (c.created_by.is_some() && c.created_by == caller.actor().key_id)
}

/// The complaint if the caller may read it (`None`: none, or not theirs).
pub async fn visible_complaint(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<Option<Complaint>, StoreError> {
    match state.store.get_complaint(id).await? {
        Some(c)
            if visible(caller, &c)
                && state.app.may_read(caller.actor(), &c, Utc::now()).await? =>
        {
            Ok(Some(c))
        }
        _ => Ok(None),
    }
}

/// An identity document of an anonymous complaint is seen only by the
/// roles that see its reporter.
pub fn attachment_visible(caller: &Caller, c: &Complaint, a: &crate::store::Attachment) -> bool {
    !(a.identity && c.anonymous && !caller.role().sees_anonymous_identity())
}

pub async fn view_context(state: &AppState, caller: &Caller) -> Result<ViewContext, StoreError> {
    Ok(ViewContext {
        viewer: caller.role(),
        now: Utc::now(),
        timezone: state.settings.office_timezone,
        policy: state.app.policy().await?,
    })
}

/// A cursor is the position `(instant, id)` of the last item of a page.
/// A page cursor: the instant in microseconds and the id of the last row,
/// `1764000000000000_0192…` (any string of this shape is a valid cursor, as
/// the OpenAPI document's pattern `CURSOR_PATTERN` says).
pub fn cursor_at(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", at.timestamp_micros().max(0))
}

pub const CURSOR_PATTERN: &str =
    "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

pub fn decode_cursor(s: &str) -> Option<Cursor> {
    let (t, id) = match s.split_once('_') {
        Some(parts) => parts,
        // the earlier form (base64 of "micros|id"), still read
        None => {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .ok()?;
            let raw = String::from_utf8(raw).ok()?;
            let (t, id) = raw.split_once('|')?;
            return Some(Cursor {
                received_at: DateTime::from_timestamp_micros(t.parse().ok()?)?,
                id: id.parse().ok()?,
            });
        }
    };
    if t.len() > 16 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Cursor {
        received_at: DateTime::from_timestamp_micros(t.parse().ok()?)?,
        id: Uuid::try_parse(id).ok()?,
    })
}
