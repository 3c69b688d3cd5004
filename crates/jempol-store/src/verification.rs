//! Step 2: kecamatan staff verify or reject each person a village submitted (a rejection
//! carries its reason), then close the collection. Each decision is an event in the resident's
//! history and an audit entry, written in one transaction.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct ResidentEvent {
    /// The resident the event happened to: this one, or one merged into it.
    pub resident_id: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub payload_json: String,
}

impl Db {
    /// The stage of every resident a submission created: resident id → (stage, reason).
    pub async fn submission_stages(
        &self,
        submission_id: i64,
    ) -> Result<HashMap<i64, (String, Option<String>)>, StoreError> {
        let rows: Vec<(i64, String, Option<String>)> = run!(self, |pool| {
            sqlx::query_as("SELECT id, stage, stage_reason FROM residents WHERE submission_id = $1")
                .bind(submission_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(id, st, r)| (id, (st, r))).collect())
    }

    /// Verifies (`terverifikasi`) or rejects (`ditolak`, with a reason) one submitted person.
    pub async fn decide_resident(
        &self,
        submission_id: i64,
        resident_id: i64,
        verified: bool,
        reason: Option<&str>,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let stage = if verified { "terverifikasi" } else { "ditolak" };
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE residents SET stage = $1, stage_reason = $2, updated_at = $3 \
                 WHERE id = $4 AND submission_id = $5 AND stage = 'diajukan'",
            )
            .bind(stage)
            .bind(reason)
            .bind(now)
            .bind(resident_id)
            .bind(submission_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "warga ini sudah diputuskan sebelumnya atau bukan bagian dari pengajuan ini".into(),
                ));
            }
            let payload = serde_json::json!({"submission": submission_id, "reason": reason});
            sqlx::query(
                "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(resident_id)
            .bind(now)
            .bind(actor.name.as_str())
            .bind(stage)
            .bind(payload.to_string())
            .execute(&mut *tx)
            .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                if verified { "resident.verify" } else { "resident.reject" },
                "resident",
                Some(resident_id.to_string()),
                Some(serde_json::json!({"stage": "diajukan"})),
                Some(serde_json::json!({"stage": stage, "reason": reason}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Closes step 2 for a submission once nobody in it waits for a decision.
    pub async fn complete_submission(&self, id: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let pending: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM residents WHERE submission_id = $1 AND stage = 'diajukan'")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if pending > 0 {
                return Err(StoreError::Conflict(format!(
                    "masih ada {pending} warga yang belum diverifikasi atau ditolak"
                )));
            }
            let n = sqlx::query(
                "UPDATE submissions SET status = 'completed', completed_at = $1, completed_by = $2 WHERE id = $3 AND status = 'sent'",
            )
            .bind(now)
            .bind(actor.name.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "pengajuan ini belum dikirim atau sudah selesai".into(),
                ));
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "submission.complete",
                "submission",
                Some(id.to_string()),
                Some(serde_json::json!({"status": "sent"})),
                Some(serde_json::json!({"status": "completed"}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// A resident's history, oldest first, with the history of every record merged into it.
    pub async fn resident_events(&self, resident_id: i64) -> Result<Vec<ResidentEvent>, StoreError> {
        let rows: Vec<(i64, i64, String, String, String)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT resident_id, at, actor, kind, payload_json FROM resident_events WHERE resident_id = $1 \
                 OR resident_id IN (SELECT id FROM residents WHERE merged_into = $1) ORDER BY at, id",
            )
            .bind(resident_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(resident_id, at, actor, kind, payload_json)| ResidentEvent {
                resident_id,
                at,
                actor,
                kind,
                payload_json,
            })
            .collect())
    }

    /// Likely duplicates of the people of a submission who wait for verification: records in
    /// `scope` (not merged away, not this one) with the same NIK, or the same name and birth
    /// date. Pending resident id → candidates.
    pub async fn duplicate_candidates(
        &self,
        submission_id: i64,
        scope: &jempol_core::Scope,
    ) -> Result<HashMap<i64, Vec<DuplicateCandidate>>, StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "b.desa_code", 2);
        let pair = |on: &str| {
            format!(
                "SELECT a.id AS pending, b.id, b.nik, b.name, b.birth_date, b.desa_code, b.stage, b.submission_id \
                 FROM residents a JOIN residents b ON {on} AND b.id <> a.id AND b.merged_into IS NULL \
                 WHERE a.submission_id = $1 AND a.stage = 'diajukan' AND {cond}"
            )
        };
        let sql = format!(
            "{} UNION {} ORDER BY 1, 2",
            pair("b.nik = a.nik"),
            pair("b.name = a.name AND b.birth_date = a.birth_date")
        );
        let rows: Vec<CandidateRow> = run!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(submission_id);
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        let mut out: HashMap<i64, Vec<DuplicateCandidate>> = HashMap::new();
        for (pending, id, nik, name, birth_date, desa_code, stage, submission_id) in rows {
            out.entry(pending).or_default().push(DuplicateCandidate {
                id,
                nik,
                name,
                birth_date,
                desa_code,
                stage,
                submission_id,
            });
        }
        Ok(out)
    }

    /// Merges a submitted person who waits for verification into the record of the same
    /// person (`into`, found by `duplicate_candidates`): the submitted record stays, marked
    /// `digabung` with the record it went into, and both histories say so. Step 2 counts the
    /// person as decided.
    pub async fn merge_resident(
        &self,
        submission_id: i64,
        resident_id: i64,
        into: i64,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        if resident_id == into {
            return Err(StoreError::Conflict(
                "warga tidak bisa digabung dengan dirinya sendiri".into(),
            ));
        }
        let reason = format!("digabung ke warga #{into}");
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let target: Option<(Option<i64>,)> = sqlx::query_as("SELECT merged_into FROM residents WHERE id = $1")
                .bind(into)
                .fetch_optional(&mut *tx)
                .await?;
            if !matches!(target, Some((None,))) {
                return Err(StoreError::Conflict(
                    "warga tujuan penggabungan tidak ada atau sudah digabung ke warga lain".into(),
                ));
            }
            let n = sqlx::query(
                "UPDATE residents SET stage = 'digabung', merged_into = $1, stage_reason = $2, updated_at = $3 \
                 WHERE id = $4 AND submission_id = $5 AND stage = 'diajukan'",
            )
            .bind(into)
            .bind(&reason)
            .bind(now)
            .bind(resident_id)
            .bind(submission_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "warga ini sudah diputuskan sebelumnya atau bukan bagian dari pengajuan ini".into(),
                ));
            }
            for (rid, kind, payload) in [
                (
                    resident_id,
                    "digabung",
                    serde_json::json!({"submission": submission_id, "into": into}),
                ),
                (
                    into,
                    "gabungan",
                    serde_json::json!({"submission": submission_id, "from": resident_id}),
                ),
            ] {
                sqlx::query(
                    "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(rid)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(kind)
                .bind(payload.to_string())
                .execute(&mut *tx)
                .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "resident.merge",
                "resident",
                Some(resident_id.to_string()),
                Some(serde_json::json!({"stage": "diajukan"})),
                Some(serde_json::json!({"stage": "digabung", "into": into}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// pending id, then the candidate's id, nik, name, birth_date, desa_code, stage, submission_id.
type CandidateRow = (i64, i64, String, String, String, String, String, Option<i64>);

/// Another record that may be the same person.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateCandidate {
    pub id: i64,
    pub nik: String,
    pub name: String,
    pub birth_date: String,
    pub desa_code: String,
    pub stage: String,
    pub submission_id: Option<i64>,
}
