//! The complainant's side: opening a complaint with its tracking number and
//! access code (the JSON door and the `/lacak` pages alike), and the
//! satisfaction survey (SKM) with its index (IKM).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::domain::skm::{Index, Survey, SurveyInput, index};
use crate::domain::{AccessCode, TrackingNumber, ValidationErrors};
use crate::store::{Complaint, StoreError, SurveyQuery, SurveyRecord};

/// Compared against when the number is unknown (matches no code's digest).
const NO_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a complaint's survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyState {
    /// No answer dispatched yet: nothing to rate.
    NotYet,
    /// Answered and not rated yet.
    Open,
    /// Rated (once per complaint).
    Done,
}

/// What a submitted survey became.
#[derive(Debug)]
pub enum SurveyOutcome {
    Recorded,
    /// Refused, nothing written.
    NotYet,
    Already,
    Invalid(ValidationErrors),
}

impl App {
    /// The complaint a tracking number and access code open, or `None` —
    /// the same work and answer for an unknown number and a wrong code.
    pub async fn open_public(
        &self,
        number: &str,
        code: &str,
    ) -> Result<Option<Complaint>, StoreError> {
        let number = TrackingNumber::parse(&number.trim().to_uppercase());
        let code = AccessCode::parse(code);
        let given = code.as_ref().map(|c| c.digest());
        let found = match &number {
            Some(n) => self.store.access_digest(n.as_str()).await?,
            None => None,
        };
        let (id, digest) = found.unwrap_or_else(|| (Uuid::nil(), NO_DIGEST.to_string()));
        let ok = crate::domain::access::same_secret(
            digest.as_bytes(),
            given.as_deref().unwrap_or(NO_DIGEST).as_bytes(),
        );
        if !ok || id.is_nil() || given.is_none() {
            return Ok(None);
        }
        self.store.get_complaint(id).await
    }

    fn survey_key(&self, c: &Complaint) -> String {
        self.vault.tag("survey", c.id.as_bytes())
    }

    /// Whether the complaint can be rated now.
    pub async fn survey_state(&self, c: &Complaint) -> Result<SurveyState, StoreError> {
        if self.store.dispatches(c.id).await?.is_empty() {
            return Ok(SurveyState::NotYet);
        }
        if self.store.survey_submitted(&self.survey_key(c)).await? {
            Ok(SurveyState::Done)
        } else {
            Ok(SurveyState::Open)
        }
    }

    /// Records the complainant's rating: only once the answer was
    /// dispatched, once per complaint; kept without the complaint's id (a
    /// keyed hash stands for it), with the day, the channel and the unit
    /// that handled it.
    pub async fn submit_survey(
        &self,
        c: &Complaint,
        input: &SurveyInput,
        now: DateTime<Utc>,
    ) -> Result<SurveyOutcome, StoreError> {
        match self.survey_state(c).await? {
            SurveyState::NotYet => return Ok(SurveyOutcome::NotYet),
            SurveyState::Done => return Ok(SurveyOutcome::Already),
            SurveyState::Open => {}
        }
        let survey = match Survey::parse(input) {
            Ok(s) => s,
            Err(e) => return Ok(SurveyOutcome::Invalid(e)),
        };
        // the unit that handled it: the first disposition's primary recipient
        let positions = self.store.list_positions().await?;
        let unit_id = self
            .store
            .dispositions(c.id)
            .await?
            .into_iter()
            .filter(|d| d.withdrawn_at.is_none())
            .find_map(|d| d.recipients.into_iter().find(|r| r.is_primary))
            .and_then(|r| positions.iter().find(|p| p.id == r.position_id))
            .and_then(|p| p.unit_id);
        let record = SurveyRecord {
            id: Uuid::now_v7(),
            complaint_key: self.survey_key(c),
            submitted_on: now.with_timezone(&self.tz()).date_naive(),
            channel: c.channel.as_str().to_string(),
            unit_id,
            survey,
        };
        if self.store.submit_survey(&record).await? {
            tracing::info!(channel = %c.channel, "survey response recorded");
            Ok(SurveyOutcome::Recorded)
        } else {
            Ok(SurveyOutcome::Already)
        }
    }

    /// The satisfaction index (IKM) of the responses a query selects.
    pub async fn ikm(&self, q: &SurveyQuery) -> Result<Index, StoreError> {
        let (n, sums) = self.store.survey_sums(q).await?;
        Ok(index(n, sums))
    }
}
