//! Step 1: a village's submission. The submission keeps every row as read and checked, with
//! its messages; accepted rows (with or without warnings) become residents in the same
//! transaction, so a submission is either saved whole or not at all.

use crate::BeginWrite;
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

/// file_name, file_bytes, mapping_json, corrections_json.
type DraftInputRow = (Option<String>, Option<Vec<u8>>, Option<String>, Option<String>);

/// A draft's input for a re-check.
#[derive(Debug, Clone)]
pub struct DraftInput {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub mapping_json: Option<String>,
    pub corrections_json: Option<String>,
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
    /// Step 2 done: every person verified or rejected, and staff closed the collection.
    pub completed_at: Option<i64>,
}

/// Inserts the rows of submission `$id` (and a resident for every accepted row) inside `$tx`.
macro_rules! insert_rows {
    ($tx:expr, $id:expr, $rows:expr, $source:expr, $actor:expr, $now:expr) => {{
        let one_resident = insert_sql(1) + " RETURNING id";
        for r in $rows {
            let resident_id: Option<i64> = match &r.resident {
                Some(res) => {
                    let q = sqlx::query_scalar(sqlx::AssertSqlSafe(one_resident.as_str()));
                    let rid: i64 = bind_resident!(q, res, Some($id), $source, $now).fetch_one(&mut *$tx).await?;
                    // The first event of the resident's history.
                    sqlx::query(
                        "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'diajukan', $4)",
                    )
                    .bind(rid)
                    .bind($now)
                    .bind($actor.name.as_str())
                    .bind(serde_json::json!({"submission": $id, "row": r.row_no}).to_string())
                    .execute(&mut *$tx)
                    .await?;
                    Some(rid)
                }
                None => None,
            };
            sqlx::query(
                "INSERT INTO submission_rows (submission_id, row_no, status, nik, data_json, messages_json, resident_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind($id)
            .bind(i64::from(r.row_no))
            .bind(&r.status)
            .bind(&r.nik)
            .bind(&r.data_json)
            .bind(&r.messages_json)
            .bind(resident_id)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

fn counts(rows: &[SubmissionRow]) -> (i64, i64, i64) {
    let count = |st: &str| rows.iter().filter(|r| r.status == st).count() as i64;
    (count("accepted"), count("warning"), count("rejected"))
}

/// A stored row of a submission, as shown in its preview.
#[derive(Debug, Clone, Serialize)]
pub struct StoredRow {
    pub row_no: i64,
    pub status: String,
    pub nik: String,
    pub data_json: String,
    pub messages_json: String,
    pub resident_id: Option<i64>,
}

const SUBMISSION_COLS: &str = "id, desa_code, source, file_name, status, accepted, warnings, rejected, created_by, created_at, sent_at, completed_at";

fn submission_from_row<R: Row>(r: &R) -> Result<Submission, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<i64>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<String>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(Submission {
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
        completed_at: r.try_get("completed_at")?,
    })
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
        let (accepted, warnings, rejected) = counts(rows);
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
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
            insert_rows!(tx, id, rows, s.source.as_str(), actor, now);
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

    /// Saves an uploaded, checked list as a draft: its rows for the preview and the file for
    /// sending later. No resident is created yet.
    pub async fn create_draft(
        &self,
        s: &NewSubmission,
        rows: &[SubmissionRow],
        file: &[u8],
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        let (accepted, warnings, rejected) = counts(rows);
        let preview: Vec<SubmissionRow> = rows
            .iter()
            .map(|r| SubmissionRow {
                resident: None,
                ..r.clone()
            })
            .collect();
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO submissions (desa_code, source, file_name, status, accepted, warnings, rejected, \
                 sop_definition_id, created_by, created_at, file_bytes) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10) \
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
            .bind(file)
            .fetch_one(&mut *tx)
            .await?;
            insert_rows!(tx, id, &preview, s.source.as_str(), actor, now);
            audit!(
                &mut *tx,
                actor,
                now,
                "submission.draft",
                "submission",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({
                    "desa": s.desa_code, "file": s.file_name,
                    "accepted": accepted, "warnings": warnings, "rejected": rejected
                }))
            )?;
            tx.commit().await?;
            id
        }))
    }

    /// What a draft is checked from: the file as uploaded, the mapping the user chose (JSON,
    /// `None`: the guess) and the user's corrections (JSON).
    pub async fn draft_input(&self, id: i64) -> Result<Option<DraftInput>, StoreError> {
        let row: Option<DraftInputRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT file_name, file_bytes, mapping_json, corrections_json FROM submissions \
                 WHERE id = $1 AND status = 'draft'",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.and_then(|(n, b, m, c)| {
            Some(DraftInput {
                file_name: n.unwrap_or_default(),
                bytes: b?,
                mapping_json: m,
                corrections_json: c,
            })
        }))
    }

    /// Replaces a draft's checked rows after the user changed its mapping or corrected rows;
    /// the choice and the corrections are kept with it. `what` names the change for the audit
    /// log (no personal data: row numbers and column letters only).
    #[allow(clippy::too_many_arguments)]
    pub async fn recheck_draft(
        &self,
        id: i64,
        rows: &[SubmissionRow],
        mapping_json: Option<&str>,
        corrections_json: Option<&str>,
        action: &str,
        what: serde_json::Value,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let (accepted, warnings, rejected) = counts(rows);
        let preview: Vec<SubmissionRow> = rows
            .iter()
            .map(|r| SubmissionRow {
                resident: None,
                ..r.clone()
            })
            .collect();
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE submissions SET accepted = $1, warnings = $2, rejected = $3, mapping_json = $4, \
                 corrections_json = $5 WHERE id = $6 AND status = 'draft'",
            )
            .bind(accepted)
            .bind(warnings)
            .bind(rejected)
            .bind(mapping_json)
            .bind(corrections_json)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "pengajuan ini sudah dikirim atau dibatalkan".into(),
                ));
            }
            sqlx::query("DELETE FROM submission_rows WHERE submission_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_rows!(tx, id, &preview, "upload", actor, now);
            let mut after = what.clone();
            if let Some(o) = after.as_object_mut() {
                o.insert("accepted".into(), accepted.into());
                o.insert("warnings".into(), warnings.into());
                o.insert("rejected".into(), rejected.into());
            }
            audit!(
                &mut *tx,
                actor,
                now,
                action,
                "submission",
                Some(id.to_string()),
                None,
                Some(after)
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Which of `niks` stand in another draft that was not sent yet: NIK → that draft's id.
    pub async fn niks_in_other_drafts(
        &self,
        niks: &[String],
        except: Option<i64>,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for chunk in niks.chunks(500) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT r.nik, s.id FROM submission_rows r JOIN submissions s ON s.id = r.submission_id \
                 WHERE s.status = 'draft' AND s.id <> $1 AND r.status <> 'rejected' AND r.nik IN ({list})"
            );
            let found: Vec<(String, i64)> = run!(self, |pool| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(except.unwrap_or(-1));
                for n in chunk {
                    q = q.bind(n);
                }
                q.fetch_all(pool).await?
            });
            out.extend(found);
        }
        Ok(out)
    }

    /// Sends a draft (step 1 done): its rows are replaced by `rows`, checked again just now,
    /// and a resident is created for every accepted row, all in one transaction.
    pub async fn send_draft(&self, id: i64, rows: &[SubmissionRow], actor: &Actor, now: i64) -> Result<(), StoreError> {
        let (accepted, warnings, rejected) = counts(rows);
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE submissions SET status = 'sent', accepted = $1, warnings = $2, rejected = $3, sent_at = $4, \
                 file_bytes = NULL WHERE id = $5 AND status = 'draft'",
            )
            .bind(accepted)
            .bind(warnings)
            .bind(rejected)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "pengajuan ini sudah dikirim atau dibatalkan".into(),
                ));
            }
            sqlx::query("DELETE FROM submission_rows WHERE submission_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_rows!(tx, id, rows, "upload", actor, now);
            audit!(
                &mut *tx,
                actor,
                now,
                "submission.send",
                "submission",
                Some(id.to_string()),
                Some(serde_json::json!({"status": "draft"})),
                Some(
                    serde_json::json!({"status": "sent", "accepted": accepted, "warnings": warnings, "rejected": rejected})
                )
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Discards a draft that was never sent.
    pub async fn discard_draft(&self, id: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE submissions SET status = 'discarded', file_bytes = NULL WHERE id = $1 AND status = 'draft'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "pengajuan ini sudah dikirim atau dibatalkan".into(),
                ));
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "submission.discard",
                "submission",
                Some(id.to_string()),
                Some(serde_json::json!({"status": "draft"})),
                Some(serde_json::json!({"status": "discarded"}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        let sql = format!("SELECT {SUBMISSION_COLS} FROM submissions WHERE id = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(submission_from_row(&r)?),
                None => None,
            }
        }))
    }

    /// Submissions of the desa within a scope, newest first (discarded drafts left out).
    pub async fn submissions_in_scope(
        &self,
        scope: &jempol_core::Scope,
        limit: i64,
    ) -> Result<Vec<Submission>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "desa_code", 1);
        let sql = format!(
            "SELECT {SUBMISSION_COLS} FROM submissions WHERE {cond} AND status <> 'discarded' ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 500)
        );
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(submission_from_row)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// The rows of a submission in spreadsheet order.
    pub async fn submission_rows(&self, id: i64) -> Result<Vec<StoredRow>, StoreError> {
        let rows: Vec<(i64, String, String, String, String, Option<i64>)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT row_no, status, nik, data_json, messages_json, resident_id FROM submission_rows \
                 WHERE submission_id = $1 ORDER BY row_no",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(row_no, status, nik, data_json, messages_json, resident_id)| StoredRow {
                    row_no,
                    status,
                    nik,
                    data_json,
                    messages_json,
                    resident_id,
                },
            )
            .collect())
    }
}
