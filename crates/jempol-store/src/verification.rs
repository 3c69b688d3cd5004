//! Step 2: kecamatan staff verify or reject each person a village submitted (a rejection
//! carries its reason), then close the collection. Each decision is an event in the resident's
//! history and an audit entry, written in one transaction.

use crate::{Actor, Db, StoreError, audit, run};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct ResidentEvent {
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
            let mut tx = pool.begin().await?;
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
            let mut tx = pool.begin().await?;
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

    /// A resident's history, oldest first.
    pub async fn resident_events(&self, resident_id: i64) -> Result<Vec<ResidentEvent>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT at, actor, kind, payload_json FROM resident_events WHERE resident_id = $1 ORDER BY id",
            )
            .bind(resident_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(at, actor, kind, payload_json)| ResidentEvent {
                at,
                actor,
                kind,
                payload_json,
            })
            .collect())
    }
}
