//! The organisation: units, positions, officers, acting appointments.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Backend;
use crate::store::StoreError;

use crate::store::OrgStore;

#[async_trait]
impl OrgStore for Backend {
    async fn create_unit(
        &self,
        unit: &crate::store::OrgUnit,
    ) -> Result<crate::store::OrgOutcome, StoreError> {
        use crate::store::sql::broken_unique;
        let r = sqlx::query("INSERT INTO org_units (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(unit.id)
            .bind(&unit.name)
            .bind(unit.created_at)
            .execute(&self.pool)
            .await;
        match r {
            Ok(_) => Ok(crate::store::OrgOutcome::Done),
            Err(e) => match broken_unique(
                &e,
                &[(
                    "org_units_name_key",
                    "org_units.name",
                    "a unit with this name exists",
                )],
            ) {
                Some(w) => Ok(crate::store::OrgOutcome::Duplicate(w)),
                None => Err(e.into()),
            },
        }
    }

    async fn list_units(&self) -> Result<Vec<crate::store::OrgUnit>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name, created_at FROM org_units ORDER BY name")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn create_position(
        &self,
        p: &crate::store::Position,
    ) -> Result<crate::store::OrgOutcome, StoreError> {
        use crate::store::sql::broken_unique;
        let r = sqlx::query(
            "INSERT INTO positions (id, unit_id, title, superior_id, is_head, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.id)
        .bind(p.unit_id)
        .bind(&p.title)
        .bind(p.superior_id)
        .bind(p.is_head)
        .bind(p.created_at)
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(crate::store::OrgOutcome::Done),
            Err(e) => match broken_unique(
                &e,
                &[
                    (
                        "positions_one_head",
                        "positions.is_head",
                        "the office already has a head position",
                    ),
                    (
                        "positions_title",
                        "positions.title",
                        "a position with this title exists",
                    ),
                ],
            ) {
                Some(w) => Ok(crate::store::OrgOutcome::Duplicate(w)),
                None => Err(e.into()),
            },
        }
    }

    async fn list_positions(&self) -> Result<Vec<crate::store::Position>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM positions ORDER BY created_at, id",
            crate::store::sql::POSITION_COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_officer(
        &self,
        o: &crate::store::Officer,
    ) -> Result<crate::store::OrgOutcome, StoreError> {
        use crate::store::sql::broken_unique;
        let r = sqlx::query(
            "INSERT INTO officers (id, name, nip, email, position_id, active, created_at, \
             whatsapp, whatsapp_alerts, rank) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(o.id)
        .bind(&o.name)
        .bind(o.nip.as_deref())
        .bind(o.email.as_deref())
        .bind(o.position_id)
        .bind(o.active)
        .bind(o.created_at)
        .bind(o.whatsapp.as_deref())
        .bind(o.whatsapp_alerts)
        .bind(o.rank.as_deref())
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(crate::store::OrgOutcome::Done),
            Err(e) => match broken_unique(
                &e,
                &[(
                    "officers_nip_key",
                    "officers.nip",
                    "an officer with this NIP exists",
                )],
            ) {
                Some(w) => Ok(crate::store::OrgOutcome::Duplicate(w)),
                None => Err(e.into()),
            },
        }
    }

    async fn list_officers(&self) -> Result<Vec<crate::store::Officer>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM officers ORDER BY name, id",
            crate::store::sql::OFFICER_COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_officer(&self, id: Uuid) -> Result<Option<crate::store::Officer>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM officers WHERE id = $1",
            crate::store::sql::OFFICER_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn update_officer(
        &self,
        id: Uuid,
        patch: &crate::store::OfficerPatch,
        audit: &crate::store::AuthAudit,
    ) -> Result<Option<crate::store::Officer>, StoreError> {
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        let cur: Option<crate::store::Officer> = sqlx::query_as(&format!(
            "SELECT {} FROM officers WHERE id = $1",
            crate::store::sql::OFFICER_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mut o) = cur else {
            return Ok(None);
        };
        let leaving = o.active && patch.active == Some(false);
        if let Some(p) = patch.position_id {
            o.position_id = p;
        }
        if let Some(e) = &patch.email {
            o.email = e.clone();
        }
        if let Some(a) = patch.active {
            o.active = a;
        }
        if let Some(w) = &patch.whatsapp {
            o.whatsapp = w.clone();
        }
        if let Some(a) = patch.whatsapp_alerts {
            o.whatsapp_alerts = a;
        }
        if let Some(r) = &patch.rank {
            o.rank = r.clone();
        }
        // alerts need a number
        o.whatsapp_alerts &= o.whatsapp.is_some();
        sqlx::query(
            "UPDATE officers SET position_id = $2, email = $3, active = $4, whatsapp = $5, \
             whatsapp_alerts = $6, rank = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(o.position_id)
        .bind(o.email.as_deref())
        .bind(o.active)
        .bind(o.whatsapp.as_deref())
        .bind(o.whatsapp_alerts)
        .bind(o.rank.as_deref())
        .execute(&mut *tx)
        .await?;
        if leaving {
            // whoever leaves can do nothing more, from the very next request
            let keys = sqlx::query(
                "UPDATE api_keys SET revoked_at = $2 WHERE officer_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let sessions = sqlx::query(
                "UPDATE sessions SET ended_at = $2 WHERE ended_at IS NULL AND account_id IN                  (SELECT id FROM accounts WHERE officer_id = $1)",
            )
            .bind(id)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let mut audit = audit.clone();
            audit.detail = serde_json::json!({"officer_id": id, "keys_revoked": keys,
                "sessions_ended": sessions})
            .to_string();
            super::insert_audit(&mut tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(Some(o))
    }

    async fn create_acting(&self, a: &crate::store::ActingAppointment) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO acting_appointments (id, officer_id, position_id, kind, starts_on, \
             ends_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(a.id)
        .bind(a.officer_id)
        .bind(a.position_id)
        .bind(&a.kind)
        .bind(a.starts_on)
        .bind(a.ends_on)
        .bind(a.note.as_deref())
        .bind(a.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_acting(
        &self,
        from: chrono::NaiveDate,
    ) -> Result<Vec<crate::store::ActingAppointment>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM acting_appointments WHERE revoked_at IS NULL AND ends_on >= $1 \
             ORDER BY starts_on, id",
            crate::store::sql::ACTING_COLUMNS
        ))
        .bind(from)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn revoke_acting(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE acting_appointments SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    async fn officer_positions(
        &self,
        officer_id: Uuid,
        day: chrono::NaiveDate,
    ) -> Result<Option<Vec<crate::domain::workflow::Held>>, StoreError> {
        Ok(self.wf_officer_positions(officer_id, day).await?)
    }

    async fn position_emails(
        &self,
        position: Uuid,
        day: chrono::NaiveDate,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self.wf_position_emails(position, day).await?)
    }
}
