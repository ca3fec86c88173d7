//! The organisation (units, positions, officers, acting appointments) and API keys.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::App;
use crate::store::{
    ActingAppointment, ApiKey, AuthAudit, Officer, OfficerPatch, OrgOutcome, OrgUnit, Position,
    StoreError,
};

impl App {
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
        self.store.revoke_api_key(id, at).await
    }
}
