//! The satisfaction survey (SKM): responses without a way back to the
//! complaint or the person, and the sums the index is computed from.

use async_trait::async_trait;

use super::{Backend, Db};
use crate::store::{StoreError, SurveyQuery, SurveyRecord, SurveyStore};

#[async_trait]
impl SurveyStore for Backend {
    async fn submit_survey(&self, r: &SurveyRecord) -> Result<bool, StoreError> {
        let _writer = self.lock_writes().await;
        let a = r.survey.answers.map(i16::from);
        let s = &r.survey;
        Ok(sqlx::query(
            "INSERT INTO survey_responses (id, complaint_key, submitted_on, channel, unit_id, \
             u1, u2, u3, u4, u5, u6, u7, u8, u9, sex, age_group, education, occupation, \
             suggestion) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19) ON CONFLICT (complaint_key) DO NOTHING",
        )
        .bind(r.id)
        .bind(&r.complaint_key)
        .bind(r.submitted_on)
        .bind(&r.channel)
        .bind(r.unit_id)
        .bind(a[0])
        .bind(a[1])
        .bind(a[2])
        .bind(a[3])
        .bind(a[4])
        .bind(a[5])
        .bind(a[6])
        .bind(a[7])
        .bind(a[8])
        .bind(&s.sex)
        .bind(&s.age_group)
        .bind(&s.education)
        .bind(&s.occupation)
        .bind(&s.suggestion)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    async fn survey_submitted(&self, complaint_key: &str) -> Result<bool, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM survey_responses WHERE complaint_key = $1")
                .bind(complaint_key)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    async fn survey_sums(&self, q: &SurveyQuery) -> Result<(u64, [u64; 9]), StoreError> {
        let mut b = sqlx::QueryBuilder::<Db>::new(
            "SELECT COUNT(*), COALESCE(SUM(u1), 0), COALESCE(SUM(u2), 0), COALESCE(SUM(u3), 0), \
             COALESCE(SUM(u4), 0), COALESCE(SUM(u5), 0), COALESCE(SUM(u6), 0), \
             COALESCE(SUM(u7), 0), COALESCE(SUM(u8), 0), COALESCE(SUM(u9), 0) \
             FROM survey_responses WHERE 1 = 1",
        );
        if let Some(from) = q.from {
            b.push(" AND submitted_on >= ").push_bind(from);
        }
        if let Some(to) = q.to {
            b.push(" AND submitted_on <= ").push_bind(to);
        }
        if let Some(c) = &q.channel {
            b.push(" AND channel = ").push_bind(c.clone());
        }
        if let Some(u) = q.unit_id {
            b.push(" AND unit_id = ").push_bind(u);
        }
        match q.service {
            crate::store::SurveyService::Complaints => b
                .push(" AND channel <> ")
                .push_bind(crate::store::VISIT_SURVEY_CHANNEL),
            crate::store::SurveyService::Visits => b
                .push(" AND channel = ")
                .push_bind(crate::store::VISIT_SURVEY_CHANNEL),
        };
        type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let r: Row = b.build_query_as().fetch_one(&self.pool).await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok((
            n(r.0),
            [
                n(r.1),
                n(r.2),
                n(r.3),
                n(r.4),
                n(r.5),
                n(r.6),
                n(r.7),
                n(r.8),
                n(r.9),
            ],
        ))
    }
}
