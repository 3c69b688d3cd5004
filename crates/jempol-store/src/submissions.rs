//! Step 1: a village's submission. The submission keeps every row as read and checked, with
//! its messages; accepted rows (with or without warnings) become residents in the same
//! transaction, so a submission is either saved whole or not at all.

use crate::residents::{NewResident, insert_sql};
use crate::{Actor, Db, StoreError, audit, bind_resident, run};
use serde::Serialize;
use sqlx::Row;

/// One checked row of a submission.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    /// The row number the spreadsheet shows (or 1.. for the form).
    pub row_no: u32,
    /// "accepted", "warning" or "rejected".
    pub status: String,
    pub nik: String,
    /// The row as read, for correction (JSON).
    pub data_json: String,
    /// Its messages (JSON).
    pub messages_json: String,
    /// The resident to create: accepted rows only.
    pub resident: Option<NewResident>,
}

#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub desa_code: String,
    /// "form", "upload" or "cli".
    pub source: String,
    pub file_name: Option<String>,
    pub sop_definition_id: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub id: i64,
    pub desa_code: String,
    pub source: String,
    pub file_name: Option<String>,
    pub status: String,
    pub accepted: i64,
    pub warnings: i64,
    pub rejected: i64,
    pub created_by: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl Db {
    /// Saves a submission as sent (step 1 done): the submission, all its rows, and a resident
    /// (stage `diajukan`) for every accepted row. Returns the submission id.
    pub async fn send_submission(
        &self,
        s: &NewSubmission,
        rows: &[SubmissionRow],
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        let count = |st: &str| rows.iter().filter(|r| r.status == st).count() as i64;
        let (accepted, warnings, rejected) = (count("accepted"), count("warning"), count("rejected"));
        let one_resident = insert_sql(1) + " RETURNING id";
        Ok(run!(self, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO submissions (desa_code, source, file_name, status, accepted, warnings, rejected, \
                 sop_definition_id, created_by, created_at, sent_at) VALUES ($1, $2, $3, 'sent', $4, $5, $6, $7, $8, $9, $9) \
                 RETURNING id",
            )
            .bind(&s.desa_code)
            .bind(&s.source)
            .bind(&s.file_name)
            .bind(accepted)
            .bind(warnings)
            .bind(rejected)
            .bind(s.sop_definition_id)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for r in rows {
                let resident_id: Option<i64> = match &r.resident {
                    Some(res) => {
                        let q = sqlx::query_scalar(sqlx::AssertSqlSafe(one_resident.as_str()));
                        Some(
                            bind_resident!(q, res, Some(id), s.source.as_str(), now)
                                .fetch_one(&mut *tx)
                                .await?,
                        )
                    }
                    None => None,
                };
                sqlx::query(
                    "INSERT INTO submission_rows (submission_id, row_no, status, nik, data_json, messages_json, resident_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(i64::from(r.row_no))
                .bind(&r.status)
                .bind(&r.nik)
                .bind(&r.data_json)
                .bind(&r.messages_json)
                .bind(resident_id)
                .execute(&mut *tx)
                .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "submission.send",
                "submission",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({
                    "desa": s.desa_code, "source": s.source, "file": s.file_name,
                    "accepted": accepted, "warnings": warnings, "rejected": rejected
                }))
            )?;
            tx.commit().await?;
            id
        }))
    }

    pub async fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        Ok(run!(self, |pool| {
            match sqlx::query(
                "SELECT id, desa_code, source, file_name, status, accepted, warnings, rejected, created_by, created_at, sent_at \
                 FROM submissions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            {
                Some(r) => Some(Submission {
                    id: r.try_get("id")?,
                    desa_code: r.try_get("desa_code")?,
                    source: r.try_get("source")?,
                    file_name: r.try_get("file_name")?,
                    status: r.try_get("status")?,
                    accepted: r.try_get("accepted")?,
                    warnings: r.try_get("warnings")?,
                    rejected: r.try_get("rejected")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    sent_at: r.try_get("sent_at")?,
                }),
                None => None,
            }
        }))
    }

    /// The rows of a submission with their status, in spreadsheet order.
    pub async fn submission_rows(&self, id: i64) -> Result<Vec<(i64, String, String, Option<i64>)>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as(
                "SELECT row_no, status, nik, resident_id FROM submission_rows WHERE submission_id = $1 ORDER BY row_no",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }
}
