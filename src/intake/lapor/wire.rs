//! SP4N-LAPOR!'s wire format, as far as aduan uses it. LAPOR!'s real
//! integration API is documented only to registered agency developers: when
//! it is known, adapt these types and `mapping.rs`, nothing else. `lapor-sim`
//! serves exactly these types (its contract: `openapi/lapor-sim.json`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One page of the incremental report listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportPage {
    /// Reports changed after the cursor, oldest change first. Items are kept
    /// as raw JSON here so that one malformed item cannot spoil the page.
    #[schema(value_type = Vec<Report>)]
    pub items: Vec<serde_json::Value>,
    /// Pass back as `cursor` for the next page; `null` when caught up.
    pub next_cursor: Option<String>,
}

/// A report disposed to the agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    /// LAPOR!'s Tracking ID (public page `https://www.lapor.go.id/pengaduan/{id}`).
    pub tracking_id: u64,
    pub title: String,
    pub content: String,
    /// `pengaduan`, `aspirasi` or `permintaan_informasi`.
    pub classification: String,
    pub topic_id: Option<i64>,
    /// `anonim`: the reporter's identity is withheld.
    pub anonymous: bool,
    /// `rahasia`: left out of public data.
    pub confidential: bool,
    /// `null` for anonymous reports.
    pub reporter: Option<Reporter>,
    pub location: Option<String>,
    /// How the reporter reached LAPOR!: `web`, `sms`, `app`.
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When LAPOR!'s admins disposed the report to this agency: the agency's clocks start here.
    pub disposed_at: DateTime<Utc>,
    /// `disposed`, `followed_up`, `closed` or `rerouted` (moved to another agency).
    pub status: String,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    #[serde(default)]
    pub comment_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reporter {
    pub name: Option<String>,
    pub nik: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRef {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    /// Bytes, as LAPOR! declares them: checked after the download.
    pub size: u64,
    /// Hex SHA-256 of the bytes, when the platform gives it: checked too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// LAPOR!'s topic tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Topic {
    pub id: i64,
    pub parent: Option<i64>,
    pub topic_name: String,
}

/// A comment on a report: by the reporter, the agency or LAPOR!'s admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: String,
    /// `reporter`, `agency` or `admin`.
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// When the author last edited it (the body is the edited text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    /// Withdrawn by its author or LAPOR!'s admins (the body may be empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// The agency's follow-up (tindak lanjut), sent with `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowupRequest {
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Followup {
    pub id: String,
    /// The `Idempotency-Key` it was posted with.
    pub client_key: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// "Not within our authority": LAPOR!'s admins re-route the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RerouteRequest {
    pub reason: String,
    pub suggested_agency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RerouteAccepted {
    pub id: String,
    pub client_key: Option<String>,
}
