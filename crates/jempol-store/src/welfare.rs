//! Steps 9–12 per person: DTSEN standing and the assistance received (step 9, in coordination
//! sessions), proposals (step 10) and their results (step 11, in evaluation sessions), and what
//! was done for each recipient (step 12). Every write is audited and lands in the person's
//! history (`resident_events`).

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run, scope_condition};
use jempol_core::Scope;
use jempol_core::assistance::Dtsen;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// One person on an assistance worklist: only what steps 9–12 need (no visit needs, guardian,
/// consent or notes: social services see this and nothing more).
#[derive(Debug, Clone, Serialize)]
pub struct WelfareRow {
    pub resident_id: i64,
    pub nik: String,
    pub no_kk: Option<String>,
    pub name: String,
    pub desa_code: String,
    pub address: Option<String>,
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub birth_date: String,
    pub disabilitas: bool,
    pub severity: Option<String>,
    pub odgj: bool,
    /// `diterima` (the person holds their e-KTP), `dicetak`, or the resident's stage.
    pub ektp: String,
    pub dtsen: Dtsen,
    pub source: Option<String>,
    /// When step 9 first settled the person's standing.
    pub checked_at: Option<i64>,
    pub session_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub resident_id: i64,
    pub program_code: String,
    pub since: Option<String>,
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub id: i64,
    pub resident_id: i64,
    pub target: String,
    pub channel: String,
    pub proposed_date: String,
    pub cutoff: String,
    pub reason: String,
    pub result: String,
    pub result_reason: Option<String>,
    pub result_date: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub eval_session_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewProposal {
    pub resident_id: i64,
    pub target: String,
    pub channel: String,
    pub proposed_date: String,
    pub cutoff: String,
    pub reason: String,
}

/// The result of a proposal (step 11).
#[derive(Debug, Clone)]
pub struct Decision {
    /// `menunggu`, `diterima` or `ditolak`.
    pub result: String,
    pub reason: String,
    /// ISO date the result became known.
    pub date: Option<String>,
    /// The evaluation session it was recorded in.
    pub session: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Facilitation {
    pub id: i64,
    pub resident_id: i64,
    pub program_code: Option<String>,
    pub kind: String,
    pub done_date: String,
    pub minutes: i64,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewFacilitation {
    pub resident_id: i64,
    pub program_code: Option<String>,
    pub kind: String,
    pub done_date: String,
    pub minutes: i64,
    pub note: String,
}

/// A coordination (step 9) or evaluation (step 11) session.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: i64,
    /// `koordinasi` or `evaluasi`.
    pub kind: String,
    pub campaign_id: i64,
    pub desa_code: Option<String>,
    pub participants: String,
    pub opened_by: String,
    pub opened_at: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub note: String,
}

const WELFARE_SELECT: &str = "SELECT r.id, r.nik, r.no_kk, r.name, r.desa_code, r.address, r.rt, r.rw, r.birth_date, \
     r.disabilitas, r.disability_severity, r.odgj, \
     CASE WHEN EXISTS (SELECT 1 FROM card_receipts c WHERE c.resident_id = r.id AND c.item = 'ektp') THEN 'diterima' \
          WHEN EXISTS (SELECT 1 FROM production p WHERE p.resident_id = r.id AND p.printed_date IS NOT NULL) THEN 'dicetak' \
          ELSE r.stage END AS ektp, \
     w.dtsen, w.desil, w.source, w.checked_at, w.session_id \
     FROM residents r LEFT JOIN welfare w ON w.resident_id = r.id";

fn welfare_from<R: Row>(r: &R) -> Result<WelfareRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    bool: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<String>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<i64>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    let dtsen: Option<String> = r.try_get("dtsen")?;
    let desil: Option<i64> = r.try_get("desil")?;
    Ok(WelfareRow {
        resident_id: r.try_get("id")?,
        nik: r.try_get("nik")?,
        no_kk: r.try_get("no_kk")?,
        name: r.try_get("name")?,
        desa_code: r.try_get("desa_code")?,
        address: r.try_get("address")?,
        rt: r.try_get("rt")?,
        rw: r.try_get("rw")?,
        birth_date: r.try_get("birth_date")?,
        disabilitas: r.try_get("disabilitas")?,
        severity: r.try_get("disability_severity")?,
        odgj: r.try_get("odgj")?,
        ektp: r.try_get("ektp")?,
        dtsen: Dtsen::from_parts(dtsen.as_deref().unwrap_or(""), desil.and_then(|d| u8::try_from(d).ok())),
        source: r.try_get("source")?,
        checked_at: r.try_get("checked_at")?,
        session_id: r.try_get("session_id")?,
    })
}

type ReceivedRow = (i64, String, Option<String>, String, String, i64);
type ProposalRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
    i64,
);
type FacilitationRow = (i64, i64, Option<String>, String, String, i64, String, String, i64);
type SessionRow = (
    i64,
    String,
    i64,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    String,
);

const PROPOSAL_COLS: &str = "id, resident_id, target, channel, proposed_date, cutoff, reason, result, result_reason, \
     result_date, decided_by, decided_at, eval_session_id, created_by, created_at";
const SESSION_COLS: &str =
    "id, kind, campaign_id, desa_code, participants, opened_by, opened_at, closed_by, closed_at, note";

fn proposal_from(r: ProposalRow) -> Proposal {
    Proposal {
        id: r.0,
        resident_id: r.1,
        target: r.2,
        channel: r.3,
        proposed_date: r.4,
        cutoff: r.5,
        reason: r.6,
        result: r.7,
        result_reason: r.8,
        result_date: r.9,
        decided_by: r.10,
        decided_at: r.11,
        eval_session_id: r.12,
        created_by: r.13,
        created_at: r.14,
    }
}

fn session_from(r: SessionRow) -> Session {
    Session {
        id: r.0,
        kind: r.1,
        campaign_id: r.2,
        desa_code: r.3,
        participants: r.4,
        opened_by: r.5,
        opened_at: r.6,
        closed_by: r.7,
        closed_at: r.8,
        note: r.9,
    }
}

/// Which people a per-person query covers.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    Resident(i64),
    Campaign(i64),
}

impl Whose {
    fn condition(self) -> (&'static str, i64) {
        match self {
            Whose::Resident(id) => ("resident_id = $1", id),
            Whose::Campaign(id) => (
                "resident_id IN (SELECT resident_id FROM campaign_residents WHERE campaign_id = $1)",
                id,
            ),
        }
    }
}

/// Writes the person's history event and the audit entry of one change, in `$tx`.
macro_rules! record {
    ($tx:expr, $actor:expr, $now:expr, $rid:expr, $kind:expr, $action:expr, $before:expr, $after:expr) => {{
        let after: serde_json::Value = $after;
        sqlx::query(
            "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($rid)
        .bind($now)
        .bind($actor.name.as_str())
        .bind($kind)
        .bind(after.to_string())
        .execute(&mut *$tx)
        .await?;
        audit!(
            &mut *$tx,
            $actor,
            $now,
            $action,
            "resident",
            Some($rid.to_string()),
            $before,
            Some(after)
        )?;
    }};
}

impl Db {
    /// The people of a campaign within `scope` (and of one desa when given), with their
    /// DTSEN standing: the worklist of steps 9–12.
    pub async fn welfare_rows(
        &self,
        campaign_id: i64,
        scope: &Scope,
        desa: Option<&str>,
    ) -> Result<Vec<WelfareRow>, StoreError> {
        let (cond, mut binds) = scope_condition(scope, "r.desa_code", 2);
        let mut sql = format!(
            "{WELFARE_SELECT} WHERE r.id IN (SELECT resident_id FROM campaign_residents WHERE campaign_id = $1) AND {cond}"
        );
        if let Some(d) = desa.filter(|d| !d.is_empty()) {
            binds.push(d.to_string());
            sql.push_str(&format!(" AND r.desa_code = ${}", binds.len() + 1));
        }
        sql.push_str(" ORDER BY r.desa_code, r.name, r.id");
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(campaign_id);
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(welfare_from)
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// One person within `scope`, with their DTSEN standing.
    pub async fn welfare_row(&self, resident_id: i64, scope: &Scope) -> Result<Option<WelfareRow>, StoreError> {
        let (cond, binds) = scope_condition(scope, "r.desa_code", 2);
        let sql = format!("{WELFARE_SELECT} WHERE r.id = $1 AND r.merged_into IS NULL AND {cond}");
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(resident_id);
            for b in &binds {
                q = q.bind(b);
            }
            match q.fetch_optional(pool).await? {
                Some(r) => Some(welfare_from(&r)?),
                None => None,
            }
        }))
    }

    /// Residents within `scope` by NIK, for imports keyed by NIK: NIK → id.
    pub async fn residents_by_nik(&self, scope: &Scope, niks: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        Ok(self.residents_by(scope, "nik", niks).await?.into_iter().collect())
    }

    /// Residents within `scope` by family card: (No. KK, id), every member of each family.
    pub async fn residents_by_kk(&self, scope: &Scope, kks: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
        self.residents_by(scope, "no_kk", kks).await
    }

    async fn residents_by(
        &self,
        scope: &Scope,
        column: &'static str,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(500) {
            let (cond, mut binds) = scope_condition(scope, "desa_code", 1);
            let first = binds.len() + 1;
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", first + i)).collect();
            binds.extend(chunk.iter().cloned());
            let sql = format!(
                "SELECT {column}, id FROM residents WHERE {cond} AND merged_into IS NULL AND {column} IN ({}) ORDER BY id",
                list.join(", ")
            );
            let rows: Vec<(String, i64)> = run!(self, |pool| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for b in &binds {
                    q = q.bind(b);
                }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Records a person's DTSEN standing (step 9). The first time also marks them checked, in
    /// `session` when a coordination session is open.
    pub async fn set_dtsen(
        &self,
        resident_id: i64,
        dtsen: Dtsen,
        source: &str,
        session: Option<i64>,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let desil = dtsen.desil().map(i64::from);
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(String, Option<i64>, String)> =
                sqlx::query_as("SELECT dtsen, desil, source FROM welfare WHERE resident_id = $1")
                    .bind(resident_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO welfare (resident_id, dtsen, desil, source, checked_at, session_id, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $5) \
                 ON CONFLICT (resident_id) DO UPDATE SET dtsen = excluded.dtsen, desil = excluded.desil, \
                 source = excluded.source, updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
                 session_id = COALESCE(welfare.session_id, excluded.session_id)",
            )
            .bind(resident_id)
            .bind(dtsen.code())
            .bind(desil)
            .bind(source)
            .bind(now)
            .bind(session)
            .bind(actor.name.as_str())
            .execute(&mut *tx)
            .await?;
            record!(
                tx,
                actor,
                now,
                resident_id,
                "dtsen",
                "welfare.dtsen",
                before.map(|(d, l, s)| serde_json::json!({"dtsen": d, "desil": l, "source": s})),
                serde_json::json!({"dtsen": dtsen.code(), "desil": desil, "source": source, "session": session})
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records that a person receives a program (step 9); again for the same program replaces
    /// the date and source.
    pub async fn add_received(
        &self,
        resident_id: i64,
        program: &str,
        since: Option<&str>,
        source: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO assistance_received (resident_id, program_code, since, source, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (resident_id, program_code) DO UPDATE SET \
                 since = excluded.since, source = excluded.source, recorded_by = excluded.recorded_by, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(resident_id)
            .bind(program)
            .bind(since)
            .bind(source)
            .bind(actor.name.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            record!(
                tx,
                actor,
                now,
                resident_id,
                "bantuan_diterima",
                "welfare.received",
                None,
                serde_json::json!({"program": program, "since": since, "source": source})
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a program recorded by mistake or no longer received.
    pub async fn remove_received(
        &self,
        resident_id: i64,
        program: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let gone = sqlx::query("DELETE FROM assistance_received WHERE resident_id = $1 AND program_code = $2")
                .bind(resident_id)
                .bind(program)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if gone == 0 {
                return Err(StoreError::NotFound);
            }
            record!(
                tx,
                actor,
                now,
                resident_id,
                "bantuan_dihapus",
                "welfare.received_removed",
                Some(serde_json::json!({"program": program})),
                serde_json::json!({"program": program, "removed": true})
            );
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn received(&self, whose: Whose) -> Result<Vec<Received>, StoreError> {
        let (cond, id) = whose.condition();
        let sql = format!(
            "SELECT resident_id, program_code, since, source, recorded_by, recorded_at FROM assistance_received \
             WHERE {cond} ORDER BY resident_id, program_code"
        );
        let rows: Vec<ReceivedRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(resident_id, program_code, since, source, recorded_by, recorded_at)| Received {
                    resident_id,
                    program_code,
                    since,
                    source,
                    recorded_by,
                    recorded_at,
                },
            )
            .collect())
    }

    /// Records a proposal (step 10); the same target for the same cut-off twice is a conflict.
    pub async fn add_proposal(&self, n: &NewProposal, actor: &Actor, now: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO proposals (resident_id, target, channel, proposed_date, cutoff, reason, result, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'menunggu', $7, $8) RETURNING id",
            )
            .bind(n.resident_id)
            .bind(&n.target)
            .bind(&n.channel)
            .bind(&n.proposed_date)
            .bind(&n.cutoff)
            .bind(&n.reason)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::unique_to_conflict(e, "orang ini sudah diusulkan ke program itu untuk bulan yang sama")
            })?;
            record!(
                tx,
                actor,
                now,
                n.resident_id,
                "diusulkan_bantuan",
                "proposal.create",
                None,
                serde_json::json!({"proposal": id, "target": n.target, "channel": n.channel,
                    "date": n.proposed_date, "cutoff": n.cutoff, "reason": n.reason})
            );
            tx.commit().await?;
            id
        }))
    }

    pub async fn proposal(&self, id: i64) -> Result<Option<Proposal>, StoreError> {
        let sql = format!("SELECT {PROPOSAL_COLS} FROM proposals WHERE id = $1");
        let row: Option<ProposalRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(proposal_from))
    }

    pub async fn proposals(&self, whose: Whose) -> Result<Vec<Proposal>, StoreError> {
        let (cond, id) = whose.condition();
        let sql = format!("SELECT {PROPOSAL_COLS} FROM proposals WHERE {cond} ORDER BY resident_id, id");
        let rows: Vec<ProposalRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(proposal_from).collect())
    }

    /// Records the result of a proposal (step 11). An accepted proposal for a program also
    /// records the program as received (from that date); an accepted DTSEN registration
    /// records the person as registered.
    pub async fn decide_proposal(
        &self,
        id: i64,
        d: &Decision,
        actor: &Actor,
        now: i64,
    ) -> Result<Proposal, StoreError> {
        let Some(before) = self.proposal(id).await? else {
            return Err(StoreError::NotFound);
        };
        let (result, date, session) = (d.result.as_str(), d.date.as_deref(), d.session);
        let reason = Some(d.reason.trim()).filter(|r| !r.is_empty());
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE proposals SET result = $1, result_reason = $2, result_date = $3, decided_by = $4, \
                 decided_at = $5, eval_session_id = COALESCE($6, eval_session_id) WHERE id = $7",
            )
            .bind(result)
            .bind(reason)
            .bind(date)
            .bind(actor.name.as_str())
            .bind(now)
            .bind(session)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if result == "diterima" && before.result != "diterima" {
                if before.target == jempol_core::assistance::DTSEN_TARGET {
                    sqlx::query(
                        "INSERT INTO welfare (resident_id, dtsen, desil, source, checked_at, updated_by, updated_at) \
                         VALUES ($1, 'terdaftar', NULL, 'hasil usulan', $2, $3, $2) \
                         ON CONFLICT (resident_id) DO UPDATE SET dtsen = 'terdaftar', source = 'hasil usulan', \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(before.resident_id)
                    .bind(now)
                    .bind(actor.name.as_str())
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO assistance_received (resident_id, program_code, since, source, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, 'hasil usulan', $4, $5) ON CONFLICT (resident_id, program_code) DO NOTHING",
                    )
                    .bind(before.resident_id)
                    .bind(&before.target)
                    .bind(date)
                    .bind(actor.name.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            record!(
                tx,
                actor,
                now,
                before.resident_id,
                "hasil_usulan",
                "proposal.result",
                Some(serde_json::json!({"proposal": id, "result": before.result, "reason": before.result_reason})),
                serde_json::json!({"proposal": id, "target": before.target, "result": result, "reason": reason,
                    "date": date, "session": session})
            );
            tx.commit().await?;
        });
        self.proposal(id).await?.ok_or(StoreError::NotFound)
    }

    /// Records what was done for a recipient (step 12).
    pub async fn add_facilitation(&self, n: &NewFacilitation, actor: &Actor, now: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO facilitations (resident_id, program_code, kind, done_date, minutes, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(n.resident_id)
            .bind(&n.program_code)
            .bind(&n.kind)
            .bind(&n.done_date)
            .bind(n.minutes)
            .bind(&n.note)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            record!(
                tx,
                actor,
                now,
                n.resident_id,
                "fasilitasi",
                "facilitation.create",
                None,
                serde_json::json!({"facilitation": id, "program": n.program_code, "kind": n.kind,
                    "date": n.done_date, "minutes": n.minutes, "note": n.note})
            );
            tx.commit().await?;
            id
        }))
    }

    pub async fn facilitations(&self, whose: Whose) -> Result<Vec<Facilitation>, StoreError> {
        let (cond, id) = whose.condition();
        let sql = format!(
            "SELECT id, resident_id, program_code, kind, done_date, minutes, note, recorded_by, recorded_at \
             FROM facilitations WHERE {cond} ORDER BY resident_id, done_date, id"
        );
        let rows: Vec<FacilitationRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Facilitation {
                id: r.0,
                resident_id: r.1,
                program_code: r.2,
                kind: r.3,
                done_date: r.4,
                minutes: r.5,
                note: r.6,
                recorded_by: r.7,
                recorded_at: r.8,
            })
            .collect())
    }

    /// Opens a coordination or evaluation session.
    pub async fn open_session(
        &self,
        kind: &str,
        campaign_id: i64,
        desa: Option<&str>,
        participants: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assistance_sessions (kind, campaign_id, desa_code, participants, opened_by, opened_at, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, '') RETURNING id",
            )
            .bind(kind)
            .bind(campaign_id)
            .bind(desa)
            .bind(participants)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            crate::campaign_event!(
                tx,
                campaign_id,
                actor,
                now,
                format!("sesi_{kind}_dibuka"),
                serde_json::json!({"session": id, "desa": desa, "participants": participants})
            )?;
            audit!(
                &mut *tx,
                actor,
                now,
                "assistance_session.open",
                "assistance_session",
                Some(id.to_string()),
                None,
                Some(
                    serde_json::json!({"kind": kind, "campaign": campaign_id, "desa": desa, "participants": participants})
                )
            )?;
            tx.commit().await?;
            id
        }))
    }

    /// Closes a session with its notes; closing twice is a conflict.
    pub async fn close_session(&self, id: i64, note: &str, actor: &Actor, now: i64) -> Result<(), StoreError> {
        let Some(s) = self.assistance_session(id).await? else {
            return Err(StoreError::NotFound);
        };
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE assistance_sessions SET closed_by = $1, closed_at = $2, note = $3 WHERE id = $4 AND closed_at IS NULL",
            )
            .bind(actor.name.as_str())
            .bind(now)
            .bind(note)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("sesi ini sudah ditutup".into()));
            }
            crate::campaign_event!(
                tx,
                s.campaign_id,
                actor,
                now,
                format!("sesi_{}_ditutup", s.kind),
                serde_json::json!({"session": id, "note": note})
            )?;
            audit!(
                &mut *tx,
                actor,
                now,
                "assistance_session.close",
                "assistance_session",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"note": note}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn assistance_session(&self, id: i64) -> Result<Option<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLS} FROM assistance_sessions WHERE id = $1");
        let row: Option<SessionRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(session_from))
    }

    /// The sessions of a campaign, newest first.
    pub async fn assistance_sessions(&self, campaign_id: i64) -> Result<Vec<Session>, StoreError> {
        let sql = format!("SELECT {SESSION_COLS} FROM assistance_sessions WHERE campaign_id = $1 ORDER BY id DESC");
        let rows: Vec<SessionRow> = run!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(session_from).collect())
    }
}
