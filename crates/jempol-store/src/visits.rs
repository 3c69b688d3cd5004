//! Outcomes of home visits (SOP step 5). An outcome arrives from a form, from a device that
//! recorded it offline, or from a file a device exported; whichever way, it carries the id the
//! device gave it, so it is applied once however often it is sent. It also names the outcome
//! the device saw as current (its base): when that is no longer current, someone else recorded
//! the person meanwhile, and the outcome is kept as a conflict for the Kasi to settle instead of
//! overwriting the other. An applied outcome moves the resident's stage, is an event in the
//! resident's history and in the campaign's, and an audit entry.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, campaign_event, run};
use jempol_core::visit::{Capture, Outcome};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// An outcome as received.
#[derive(Debug, Clone)]
pub struct NewOutcome {
    pub client_id: String,
    pub campaign_id: i64,
    pub resident_id: i64,
    pub base_client_id: Option<String>,
    pub outcome: Outcome,
    pub team: Option<String>,
    /// When the officer recorded it, by the device's clock (ms).
    pub recorded_at: i64,
    /// `formulir` (a page form), `perangkat` (synced from a device), `berkas` (an exported file).
    pub via: &'static str,
}

/// What happened to an outcome that was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Receipt {
    /// Applied: it is now the person's current outcome.
    Applied,
    /// Kept, but someone else recorded the person first: the Kasi decides.
    Conflict,
    /// Sent before; nothing changed now. Carries what happened the first time.
    AlreadyApplied,
    AlreadyConflict,
}

/// One stored outcome.
#[derive(Debug, Clone, Serialize)]
pub struct StoredOutcome {
    pub id: i64,
    pub client_id: String,
    pub campaign_id: i64,
    pub resident_id: i64,
    pub base_client_id: Option<String>,
    pub kind: String,
    pub reason: Option<String>,
    pub note: String,
    pub captures: Vec<Capture>,
    pub exception_reported: bool,
    pub reschedule_date: Option<String>,
    pub team: Option<String>,
    pub user_id: Option<i64>,
    pub actor: String,
    pub recorded_at: i64,
    pub received_at: i64,
    pub via: String,
    /// `applied`, `conflict`, `superseded` (replaced by a later one), `dismissed` (a conflict the
    /// Kasi set aside).
    pub status: String,
}

impl StoredOutcome {
    pub fn resolves(&self) -> bool {
        self.kind == "terekam"
            || (self.kind == "tidak_terekam" && jempol_core::visit::is_final(self.reason.as_deref().unwrap_or("")))
    }
}

const OUTCOME_COLS: &str = "id, client_id, campaign_id, resident_id, base_client_id, kind, reason, note, captures_json, \
     exception_reported, reschedule_date, team, user_id, actor, recorded_at, received_at, via, status";

fn outcome_from<R: Row>(r: &R) -> Result<StoredOutcome, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    bool: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    let captures_json: String = r.try_get("captures_json")?;
    Ok(StoredOutcome {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        campaign_id: r.try_get("campaign_id")?,
        resident_id: r.try_get("resident_id")?,
        base_client_id: r.try_get("base_client_id")?,
        kind: r.try_get("kind")?,
        reason: r.try_get("reason")?,
        note: r.try_get("note")?,
        captures: serde_json::from_str(&captures_json).unwrap_or_default(),
        exception_reported: r.try_get("exception_reported")?,
        reschedule_date: r.try_get("reschedule_date")?,
        team: r.try_get("team")?,
        user_id: r.try_get("user_id")?,
        actor: r.try_get("actor")?,
        recorded_at: r.try_get("recorded_at")?,
        received_at: r.try_get("received_at")?,
        via: r.try_get("via")?,
        status: r.try_get("status")?,
    })
}

/// The resident's stage after an outcome: recorded, not recorded for good, or still to visit.
fn stage_after(kind: &str, reason: Option<&str>) -> &'static str {
    match kind {
        "terekam" => "terekam",
        "tidak_terekam" if jempol_core::visit::is_final(reason.unwrap_or("")) => "tidak_terekam",
        _ => "terverifikasi",
    }
}

fn payload_of(o: &StoredOutcome) -> serde_json::Value {
    serde_json::json!({
        "outcome": o.client_id, "campaign": o.campaign_id, "resident": o.resident_id, "kind": o.kind, "reason": o.reason,
        "note": o.note, "captures": o.captures, "exception_reported": o.exception_reported,
        "date": o.reschedule_date, "team": o.team, "recorded_at": o.recorded_at, "via": o.via,
    })
}

/// Makes `$o` (a stored outcome) the current one of its person inside transaction `$tx`:
/// the compare-and-set on `campaign_residents.outcome_id` against `$expected` (0 for none)
/// refuses when someone else got there first. Evaluates to whether it was applied.
macro_rules! make_current {
    ($tx:expr, $o:expr, $expected:expr, $actor:expr, $now:expr) => {{
        let o: &StoredOutcome = $o;
        let set = sqlx::query(
            "UPDATE campaign_residents SET outcome_id = $1, resolved = $2 \
             WHERE campaign_id = $3 AND resident_id = $4 AND COALESCE(outcome_id, 0) = $5",
        )
        .bind(o.id)
        .bind(o.resolves())
        .bind(o.campaign_id)
        .bind(o.resident_id)
        .bind($expected)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if set == 1 {
            sqlx::query("UPDATE visit_outcomes SET status = 'superseded' WHERE id = $1")
                .bind($expected)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("UPDATE visit_outcomes SET status = 'applied' WHERE id = $1")
                .bind(o.id)
                .execute(&mut *$tx)
                .await?;
            let stage = stage_after(&o.kind, o.reason.as_deref());
            let reason = match o.kind.as_str() {
                "tidak_terekam" => Some(
                    [jempol_core::visit::reason_label(o.reason.as_deref().unwrap_or("")), o.note.as_str()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(": "),
                ),
                _ => None,
            };
            let before: Option<String> = sqlx::query_scalar("SELECT stage FROM residents WHERE id = $1")
                .bind(o.resident_id)
                .fetch_optional(&mut *$tx)
                .await?;
            sqlx::query("UPDATE residents SET stage = $1, stage_reason = $2, updated_at = $3 WHERE id = $4")
                .bind(stage)
                .bind(reason)
                .bind($now)
                .bind(o.resident_id)
                .execute(&mut *$tx)
                .await?;
            let payload = payload_of(o);
            sqlx::query(
                "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'kunjungan', $4)",
            )
            .bind(o.resident_id)
            .bind($now)
            .bind(o.actor.as_str())
            .bind(payload.to_string())
            .execute(&mut *$tx)
            .await?;
            campaign_event!($tx, o.campaign_id, $actor, $now, "kunjungan", payload)?;
            audit!(
                &mut *$tx,
                $actor,
                $now,
                "visit.record",
                "resident",
                Some(o.resident_id.to_string()),
                Some(serde_json::json!({"stage": before})),
                Some(serde_json::json!({"stage": stage, "outcome": payload}))
            )?;
        }
        set == 1
    }};
}

impl Db {
    /// Receives one outcome: applied once, kept as a conflict when the person's current outcome
    /// is not the one the device saw, or recognised as sent before. The person must be in the
    /// campaign.
    pub async fn record_outcome(&self, n: &NewOutcome, actor: &Actor, now: i64) -> Result<Receipt, StoreError> {
        let (reason, note, captures, exception_reported, date) = match &n.outcome {
            Outcome::Recorded {
                captures,
                exception_reported,
                note,
            } => (None, note.clone(), captures.clone(), *exception_reported, None),
            Outcome::NotRecorded { reason, note } => (Some(reason.clone()), note.clone(), vec![], false, None),
            Outcome::Rescheduled { date, note } => (None, note.clone(), vec![], false, Some(date.to_string())),
        };
        let captures_json = serde_json::to_string(&captures).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sql = format!("SELECT {OUTCOME_COLS} FROM visit_outcomes WHERE client_id = $1");
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            // On PostgreSQL an outcome's campaign event marks every person of the campaign for
            // the progress counts (a trigger); two outcomes at once would each hold their own
            // person's mark and wait for the other's: a deadlock. They take turns instead, as
            // every write does on SQLite.
            crate::lock_campaign_membership!(self, tx);
            let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
                "SELECT outcome_id, rolled_to FROM campaign_residents WHERE campaign_id = $1 AND resident_id = $2",
            )
            .bind(n.campaign_id)
            .bind(n.resident_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((current, rolled_to)) = row else {
                return Err(StoreError::NotFound);
            };
            if rolled_to.is_some() {
                return Err(StoreError::Conflict(
                    "warga ini sudah dipindah ke gelombang berikutnya; catat hasilnya di gelombang itu".into(),
                ));
            }
            let inserted = sqlx::query(
                "INSERT INTO visit_outcomes (client_id, campaign_id, resident_id, base_client_id, kind, reason, note, \
                 captures_json, exception_reported, reschedule_date, team, user_id, actor, recorded_at, received_at, via, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'received') \
                 ON CONFLICT (client_id) DO NOTHING",
            )
            .bind(&n.client_id)
            .bind(n.campaign_id)
            .bind(n.resident_id)
            .bind(&n.base_client_id)
            .bind(n.outcome.kind())
            .bind(&reason)
            .bind(&note)
            .bind(&captures_json)
            .bind(exception_reported)
            .bind(&date)
            .bind(&n.team)
            .bind(actor.user_id)
            .bind(actor.name.as_str())
            .bind(n.recorded_at)
            .bind(now)
            .bind(n.via)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let stored = outcome_from(
                &sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(&n.client_id)
                    .fetch_one(&mut *tx)
                    .await?,
            )?;
            if inserted == 0 {
                // Sent before (a retry, or the same file imported twice): answer as the first time.
                if stored.campaign_id != n.campaign_id || stored.resident_id != n.resident_id {
                    return Err(StoreError::Conflict(
                        "id hasil kunjungan ini sudah dipakai untuk warga lain".into(),
                    ));
                }
                tx.commit().await?;
                return Ok(if stored.status == "conflict" {
                    Receipt::AlreadyConflict
                } else {
                    Receipt::AlreadyApplied
                });
            }
            let current_client: Option<String> = match current {
                Some(id) => {
                    sqlx::query_scalar("SELECT client_id FROM visit_outcomes WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            let applied =
                current_client == n.base_client_id && make_current!(tx, &stored, current.unwrap_or(0), actor, now);
            if !applied {
                sqlx::query("UPDATE visit_outcomes SET status = 'conflict' WHERE id = $1")
                    .bind(stored.id)
                    .execute(&mut *tx)
                    .await?;
                let payload = serde_json::json!({"outcome": stored.client_id, "resident": n.resident_id,
                    "kind": stored.kind, "current": current_client});
                sqlx::query(
                    "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'kunjungan_konflik', $4)",
                )
                .bind(n.resident_id)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(payload.to_string())
                .execute(&mut *tx)
                .await?;
                campaign_event!(tx, n.campaign_id, actor, now, "kunjungan_konflik", payload)?;
                audit!(
                    &mut *tx,
                    actor,
                    now,
                    "visit.conflict",
                    "resident",
                    Some(n.resident_id.to_string()),
                    None,
                    Some(payload.clone())
                )?;
            }
            tx.commit().await?;
            if applied { Receipt::Applied } else { Receipt::Conflict }
        }))
    }

    /// The current outcome of each person of a campaign who has one, by resident id.
    pub async fn current_outcomes(&self, campaign_id: i64) -> Result<HashMap<i64, StoredOutcome>, StoreError> {
        let sql = format!(
            "SELECT {} FROM visit_outcomes o JOIN campaign_residents c ON c.outcome_id = o.id WHERE c.campaign_id = $1",
            OUTCOME_COLS
                .split(", ")
                .map(|c| format!("o.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| outcome_from(r).map(|o| (o.resident_id, o)))
                .collect::<Result<HashMap<_, _>, _>>()?
        }))
    }

    /// Outcomes waiting for the Kasi: recorded by a device that had not seen the outcome now
    /// current.
    pub async fn outcome_conflicts(&self, campaign_id: i64) -> Result<Vec<StoredOutcome>, StoreError> {
        let sql = format!(
            "SELECT {OUTCOME_COLS} FROM visit_outcomes WHERE campaign_id = $1 AND status = 'conflict' ORDER BY id"
        );
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(outcome_from)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// Every outcome recorded for one person in one campaign, oldest first.
    pub async fn outcomes_of(&self, campaign_id: i64, resident_id: i64) -> Result<Vec<StoredOutcome>, StoreError> {
        let sql = format!(
            "SELECT {OUTCOME_COLS} FROM visit_outcomes WHERE campaign_id = $1 AND resident_id = $2 ORDER BY id"
        );
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(campaign_id)
                .bind(resident_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(outcome_from)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// The Kasi settles a conflict: `accept` makes the conflicting outcome the current one
    /// (the other is kept as superseded); otherwise it is set aside (dismissed). Both stay in
    /// the history.
    pub async fn settle_conflict(
        &self,
        campaign_id: i64,
        outcome_id: i64,
        accept: bool,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT {OUTCOME_COLS} FROM visit_outcomes WHERE id = $1 AND campaign_id = $2 AND status = 'conflict'"
        );
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(outcome_id)
                .bind(campaign_id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Err(StoreError::NotFound);
            };
            let o = outcome_from(&row)?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT outcome_id FROM campaign_residents WHERE campaign_id = $1 AND resident_id = $2",
            )
            .bind(campaign_id)
            .bind(o.resident_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            if accept {
                if !make_current!(tx, &o, current.unwrap_or(0), actor, now) {
                    return Err(StoreError::Conflict(
                        "hasil kunjungan warga ini baru saja berubah; muat ulang halaman".into(),
                    ));
                }
            } else {
                sqlx::query("UPDATE visit_outcomes SET status = 'dismissed' WHERE id = $1")
                    .bind(o.id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE visit_outcomes SET resolved_by = $1, resolved_at = $2 WHERE id = $3")
                .bind(actor.name.as_str())
                .bind(now)
                .bind(o.id)
                .execute(&mut *tx)
                .await?;
            let payload = serde_json::json!({"outcome": o.client_id, "resident": o.resident_id, "accepted": accept});
            campaign_event!(tx, campaign_id, actor, now, "konflik_diputuskan", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "visit.settle_conflict",
                "resident",
                Some(o.resident_id.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
    /// People of the campaign without a final outcome, not moved on yet: (resident id, name).
    pub async fn unresolved(&self, campaign_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.name FROM campaign_residents c JOIN residents r ON r.id = c.resident_id \
                 WHERE c.campaign_id = $1 AND c.resolved = FALSE AND c.rolled_to IS NULL ORDER BY r.name, r.id",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Residents of the campaign that moved on: (resident id, the campaign they went to).
    pub async fn rolled_over(&self, campaign_id: i64) -> Result<HashMap<i64, i64>, StoreError> {
        let rows: Vec<(i64, i64)> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT resident_id, rolled_to FROM campaign_residents WHERE campaign_id = $1 AND rolled_to IS NOT NULL",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Step 5 is over for `from`: its people without a final outcome join `to`, keeping their
    /// history (their outcomes stay with `from`; each move is an event). Returns how many.
    pub async fn roll_over(&self, from: i64, to: i64, actor: &Actor, now: i64) -> Result<u64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            crate::lock_campaign_membership!(self, tx);
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT resident_id FROM campaign_residents WHERE campaign_id = $1 AND resolved = FALSE \
                 AND rolled_to IS NULL ORDER BY resident_id",
            )
            .bind(from)
            .fetch_all(&mut *tx)
            .await?;
            for id in &ids {
                sqlx::query(
                    "INSERT INTO campaign_residents (campaign_id, resident_id, added_at, added_by) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (campaign_id, resident_id) DO NOTHING",
                )
                .bind(to)
                .bind(id)
                .bind(now)
                .bind(actor.name.as_str())
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE campaign_residents SET rolled_to = $1 WHERE campaign_id = $2 AND resident_id = $3")
                    .bind(to)
                    .bind(from)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'pindah_gelombang', $4)",
                )
                .bind(id)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(serde_json::json!({"from": from, "to": to}).to_string())
                .execute(&mut *tx)
                .await?;
            }
            let n = ids.len() as u64;
            let payload = serde_json::json!({"from": from, "to": to, "residents": ids});
            campaign_event!(tx, from, actor, now, "warga_dipindah_keluar", payload)?;
            campaign_event!(tx, to, actor, now, "warga_dipindah_masuk", payload)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.roll_over",
                "campaign",
                Some(from.to_string()),
                None,
                Some(payload.clone())
            )?;
            tx.commit().await?;
            n
        }))
    }
}

/// A person found on site, as the field officer adds them.
#[derive(Debug, Clone)]
pub struct Walkin {
    pub client_id: String,
    pub campaign_id: i64,
    /// The submission step 1's rules made of the one-row form (source `lapangan`).
    pub submission_id: i64,
    pub team: String,
    pub date: String,
}

impl Db {
    /// The campaign and resident a walk-in's id already added, if it was sent before.
    pub async fn walkin_by_client(&self, client_id: &str) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as("SELECT campaign_id, resident_id FROM campaign_residents WHERE walkin_client_id = $1")
                .bind(client_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The officer who found the person verifies them on site (step 2 for this one person) and
    /// they join the campaign as a visit of the team on that day. Returns the resident's id.
    pub async fn add_walkin(&self, w: &Walkin, actor: &Actor, now: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let Some(rid) = sqlx::query_scalar::<_, i64>(
                "SELECT id FROM residents WHERE submission_id = $1 AND stage = 'diajukan' ORDER BY id LIMIT 1",
            )
            .bind(w.submission_id)
            .fetch_optional(&mut *tx)
            .await?
            else {
                return Err(StoreError::NotFound);
            };
            let reason = "ditemukan di lokasi kunjungan (langkah 5)";
            sqlx::query(
                "UPDATE residents SET stage = 'terverifikasi', stage_reason = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(reason)
            .bind(now)
            .bind(rid)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE submissions SET completed_at = $1, completed_by = $2 WHERE id = $3")
                .bind(now)
                .bind(actor.name.as_str())
                .bind(w.submission_id)
                .execute(&mut *tx)
                .await?;
            let payload =
                serde_json::json!({"reason": reason, "campaign": w.campaign_id, "team": w.team, "date": w.date});
            sqlx::query(
                "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'terverifikasi', $4)",
            )
            .bind(rid)
            .bind(now)
            .bind(actor.name.as_str())
            .bind(payload.to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO campaign_residents (campaign_id, resident_id, added_at, added_by, walkin_team, walkin_date, walkin_client_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(w.campaign_id)
            .bind(rid)
            .bind(now)
            .bind(actor.name.as_str())
            .bind(&w.team)
            .bind(&w.date)
            .bind(&w.client_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_to_conflict(e, "warga ini sudah ditambahkan"))?;
            let ev =
                serde_json::json!({"resident": rid, "team": w.team, "date": w.date, "submission": w.submission_id});
            campaign_event!(tx, w.campaign_id, actor, now, "warga_lapangan", ev)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "campaign.walkin",
                "resident",
                Some(rid.to_string()),
                None,
                Some(ev.clone())
            )?;
            tx.commit().await?;
            rid
        }))
    }
}
