//! The evaluation reports as the office reads them: the summary with its
//! labels (`Summary`, the JSON's fixed field names), its exports (CSV, XLSX:
//! `export.rs`) and the charts (SVG, PNG: `charts.rs`). Built by
//! `app::reports`; served by `api::reports`, the console and the monthly
//! email alike.

pub mod charts;
pub mod export;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Channel;
use crate::domain::report::GroupBy;
use crate::store::{OrgUnit, Position};
use crate::words;

/// The figures of one group, or of all (`total`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryFigures {
    pub received: u64,
    /// Still being handled.
    pub open: u64,
    /// An answer was dispatched.
    pub answered: u64,
    /// Dispatched no later than the deadline (pauses and extensions counted).
    pub answered_on_time: u64,
    pub answered_late: u64,
    /// 0–1, 4 decimals; `null` when nothing was answered.
    pub on_time_ratio: Option<f64>,
    /// Working days from receipt to the first dispatch.
    pub median_working_days: Option<f64>,
    pub p90_working_days: Option<f64>,
    /// Open, clock running, past the deadline now.
    pub overdue_open: u64,
    pub closed: u64,
    pub redirected: u64,
    pub merged: u64,
    pub rejected: u64,
    /// LAPOR! reports among them (`null` without any).
    pub lapor_received: Option<u64>,
    /// Followed up (answered) within LAPOR!'s 5 working days.
    pub lapor_followed_up_in_time: Option<u64>,
    /// Followed up / LAPOR! reports, 0–1.
    pub lapor_followed_up_ratio: Option<f64>,
    /// Answered or closed / LAPOR! reports, 0–1.
    pub lapor_finished_ratio: Option<f64>,
}

impl From<&crate::domain::report::Figures> for SummaryFigures {
    fn from(f: &crate::domain::report::Figures) -> Self {
        SummaryFigures {
            received: f.received,
            open: f.open,
            answered: f.answered,
            answered_on_time: f.answered_on_time,
            answered_late: f.answered_late,
            on_time_ratio: f.on_time_ratio,
            median_working_days: f.median_working_days,
            p90_working_days: f.p90_working_days,
            overdue_open: f.overdue_open,
            closed: f.closed,
            redirected: f.redirected,
            merged: f.merged,
            rejected: f.rejected,
            lapor_received: f.lapor.as_ref().map(|l| l.received),
            lapor_followed_up_in_time: f.lapor.as_ref().map(|l| l.followed_up_in_time),
            lapor_followed_up_ratio: f.lapor.as_ref().and_then(|l| l.followed_up_ratio),
            lapor_finished_ratio: f.lapor.as_ref().and_then(|l| l.finished_ratio),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryGroup {
    /// The group's key (`letter`, a unit id, `2026-03`); `null`: none
    /// (no category, no unit, nobody holds it).
    pub key: Option<String>,
    /// The key in Bahasa Indonesia.
    pub label: String,
    #[serde(flatten)]
    pub figures: SummaryFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: &'static str,
    /// The instant the figures hold for.
    pub as_of: DateTime<Utc>,
    /// `live` (every complaint of the period read now) or `daily_tallies`
    /// (a large period: the day tallies the report job keeps, at most a
    /// few minutes old; ADR 0021).
    pub counted: &'static str,
    pub groups: Vec<SummaryGroup>,
    pub total: SummaryFigures,
}

/// A group's key in Bahasa Indonesia.
pub fn label(by: GroupBy, key: Option<&str>, units: &[OrgUnit], positions: &[Position]) -> String {
    let Some(k) = key else {
        return match by {
            GroupBy::Category => "Tanpa kategori".into(),
            GroupBy::Unit => "Tanpa unit (belum didisposisikan, atau jabatannya tanpa unit)".into(),
            GroupBy::Holder => "Tidak dipegang jabatan (loket, atau selesai)".into(),
            _ => "—".into(),
        };
    };
    match by {
        GroupBy::Channel => Channel::parse(k).map_or(k.to_string(), |c| words::channel(c).into()),
        GroupBy::Kind => {
            crate::domain::Kind::parse(k).map_or(k.to_string(), |c| words::kind(c).into())
        }
        GroupBy::Unit => units
            .iter()
            .find(|u| u.id.to_string() == k)
            .map_or(k.to_string(), |u| u.name.clone()),
        GroupBy::Holder => positions
            .iter()
            .find(|p| p.id.to_string() == k)
            .map_or(k.to_string(), |p| p.title.clone()),
        GroupBy::Month => words::month(k),
        GroupBy::Category => k.to_string(),
    }
}
