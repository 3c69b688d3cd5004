//! Card production (SOP step 6): the queue of recorded residents for Dispendukcapil, each with
//! the state its record reached in SIAK and the date, the family card (KK), and problems that
//! hold a person up. A person is in the queue once a recording outcome stands for them in a
//! campaign. Every change is an event in the person's history and an audit entry.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::Scope;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub resident_id: i64,
    pub nik: String,
    pub name: String,
    pub desa_code: String,
    pub campaign_id: i64,
    /// When the recording was made (device clock, ms).
    pub recorded_at: i64,
    pub state: Option<String>,
    pub state_date: Option<String>,
    pub printed_date: Option<String>,
    pub kk_printed_date: Option<String>,
    pub problem: Option<String>,
    pub problem_note: Option<String>,
    pub problem_since: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// A state code, `belum` (nothing recorded yet), `masalah` (a problem or a state that needs
    /// resolution), or empty for all.
    pub state: String,
    /// Name (contains) or NIK (starts with).
    pub q: String,
}

/// One change applied to a list of people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The record reached a state (a code of `jempol_core::production::STATES`).
    State(String),
    /// The family card was printed.
    KkPrinted,
    /// Held up, with a reason (a code of `PROBLEMS`).
    Problem(String),
    /// The problem is over.
    ProblemSolved,
}

impl Change {
    fn parts(&self) -> (&'static str, String) {
        match self {
            Change::State(c) => ("state", c.clone()),
            Change::KkPrinted => ("kk", "kk_tercetak".into()),
            Change::Problem(c) => ("problem", c.clone()),
            Change::ProblemSolved => ("problem_solved", String::new()),
        }
    }
}

const QUEUE_FROM: &str = "FROM residents r \
     JOIN campaign_residents c ON c.resident_id = r.id AND c.outcome_id IS NOT NULL \
     JOIN visit_outcomes o ON o.id = c.outcome_id AND o.kind = 'terekam' \
     LEFT JOIN production p ON p.resident_id = r.id";

fn row_from<R: Row>(r: &R) -> Result<QueueRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(QueueRow {
        resident_id: r.try_get("id")?,
        nik: r.try_get("nik")?,
        name: r.try_get("name")?,
        desa_code: r.try_get("desa_code")?,
        campaign_id: r.try_get("campaign_id")?,
        recorded_at: r.try_get("recorded_at")?,
        state: r.try_get("state")?,
        state_date: r.try_get("state_date")?,
        printed_date: r.try_get("printed_date")?,
        kk_printed_date: r.try_get("kk_printed_date")?,
        problem: r.try_get("problem")?,
        problem_note: r.try_get("problem_note")?,
        problem_since: r.try_get("problem_since")?,
    })
}

impl Db {
    /// The queue in `scope`, newest recordings first, `limit` rows before resident `before_id`.
    pub async fn production_queue(
        &self,
        scope: &Scope,
        f: &QueueFilter,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let (cond, mut binds) = crate::scope_condition(scope, "r.desa_code", 1);
        let mut sql = format!(
            "SELECT r.id, r.nik, r.name, r.desa_code, c.campaign_id, o.recorded_at, p.state, p.state_date, \
             p.printed_date, p.kk_printed_date, p.problem, p.problem_note, p.problem_since {QUEUE_FROM} WHERE {cond}"
        );
        fn push(sql: &mut String, clause: &str, v: String, binds: &mut Vec<String>) {
            binds.push(v);
            sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
        }
        match f.state.as_str() {
            "" => {}
            "belum" => sql.push_str(" AND p.state IS NULL"),
            "masalah" => {
                sql.push_str(" AND (p.problem IS NOT NULL OR p.state IN ('duplicate_record', 'enroll_failure'))")
            }
            s => push(&mut sql, " AND p.state = $?", s.to_string(), &mut binds),
        }
        let q = f.q.trim();
        if !q.is_empty() {
            for (clause, value) in crate::residents::text_search(self.kind(), crate::residents::Density::Dense, "r.", q)
            {
                push(&mut sql, &clause, value, &mut binds);
            }
        }
        let before = before_id.unwrap_or(i64::MAX);
        sql.push_str(&format!(
            " AND r.id < ${} ORDER BY r.id DESC LIMIT ${}",
            binds.len() + 1,
            binds.len() + 2
        ));
        Ok(run!(self, |pool| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                query = query.bind(b);
            }
            query
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(row_from)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// How many people of the queue in `scope` are in each state (`None`: nothing yet), and how
    /// many are held up by a problem.
    pub async fn production_counts(&self, scope: &Scope) -> Result<(Vec<(Option<String>, i64)>, i64), StoreError> {
        let (cond, binds) = crate::scope_condition(scope, "r.desa_code", 1);
        let by_state = format!("SELECT p.state, COUNT(*) {QUEUE_FROM} WHERE {cond} GROUP BY p.state");
        let problems = format!("SELECT COUNT(*) {QUEUE_FROM} WHERE {cond} AND p.problem IS NOT NULL");
        Ok(run!(self, |pool| {
            let mut q = sqlx::query_as::<_, (Option<String>, i64)>(sqlx::AssertSqlSafe(by_state.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            let counts = q.fetch_all(pool).await?;
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(problems.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            (counts, q.fetch_one(pool).await?)
        }))
    }

    /// The people of the queue in `scope` with these NIKs: (NIK, resident id). A NIK not in the
    /// queue (not recorded yet, or outside the scope) is simply absent.
    pub async fn queue_by_nik(&self, scope: &Scope, niks: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::new();
        for chunk in niks.chunks(500) {
            let (cond, mut binds) = crate::scope_condition(scope, "r.desa_code", 1);
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", binds.len() + 1 + i)).collect();
            binds.extend(chunk.iter().cloned());
            let sql = format!(
                "SELECT r.nik, r.id {QUEUE_FROM} WHERE {cond} AND r.nik IN ({})",
                marks.join(", ")
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

    /// Applies one change, dated `on_date` (ISO), to each of `ids` (residents of the queue).
    pub async fn update_production(
        &self,
        ids: &[i64],
        change: &Change,
        on_date: &str,
        note: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<u64, StoreError> {
        let (kind, code) = change.parts();
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for id in ids {
                sqlx::query(
                    "INSERT INTO production (resident_id, updated_at) VALUES ($1, $2) ON CONFLICT (resident_id) DO NOTHING",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let q = match change {
                    Change::State(_) => sqlx::query(
                        "UPDATE production SET state = $1, state_date = $2, \
                         printed_date = CASE WHEN $1 = 'kartu_tercetak' THEN $2 ELSE NULL END, \
                         problem = CASE WHEN $1 = 'kartu_tercetak' THEN NULL ELSE problem END, \
                         problem_note = CASE WHEN $1 = 'kartu_tercetak' THEN NULL ELSE problem_note END, \
                         problem_since = CASE WHEN $1 = 'kartu_tercetak' THEN NULL ELSE problem_since END, \
                         updated_at = $3 WHERE resident_id = $4",
                    )
                    .bind(code.as_str())
                    .bind(on_date),
                    Change::KkPrinted => sqlx::query(
                        "UPDATE production SET kk_printed_date = $1, updated_at = $2 WHERE resident_id = $3",
                    )
                    .bind(on_date),
                    Change::Problem(_) => sqlx::query(
                        "UPDATE production SET problem = $1, problem_note = $2, problem_since = $3, updated_at = $4 \
                         WHERE resident_id = $5",
                    )
                    .bind(code.as_str())
                    .bind(note)
                    .bind(on_date),
                    Change::ProblemSolved => sqlx::query(
                        "UPDATE production SET problem = NULL, problem_note = NULL, problem_since = NULL, updated_at = $1 \
                         WHERE resident_id = $2",
                    ),
                };
                q.bind(now).bind(id).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO production_events (resident_id, kind, code, on_date, note, actor, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(kind)
                .bind(code.as_str())
                .bind(on_date)
                .bind(note)
                .bind(actor.name.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let payload = serde_json::json!({"kind": kind, "code": code, "date": on_date, "note": note});
                sqlx::query(
                    "INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'produksi', $4)",
                )
                .bind(id)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(payload.to_string())
                .execute(&mut *tx)
                .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "production.update",
                "resident",
                None::<String>,
                None,
                Some(serde_json::json!({"kind": kind, "code": code, "date": on_date, "note": note, "residents": ids}))
            )?;
            tx.commit().await?;
            ids.len() as u64
        }))
    }
}
