//! The register of vulnerable residents. This part: bulk insert (demo data) and
//! scoped counts; the full record and its events come with steps 1–2.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run, scope_condition};
use jempol_core::Scope;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct NewResident {
    pub nik: String,
    pub no_kk: String,
    pub name: String,
    /// "L" or "P".
    pub sex: String,
    pub birth_place: String,
    /// ISO date.
    pub birth_date: String,
    pub desa_code: String,
    pub address: String,
    pub rt: String,
    pub rw: String,
    pub disabilitas: bool,
    /// UU 8/2016 ragam, comma-separated when more than one.
    pub disability_kind: Option<String>,
    pub odgj: bool,
    pub bedridden: bool,
    pub stage: String,
    pub sop_definition_id: i64,
    pub phone: String,
    pub dusun: String,
    pub notes: String,
}

/// Columns written for a new resident, in bind order (`created_at` and `updated_at` share
/// the last parameter).
const INSERT_COLUMNS: &str = "nik, no_kk, name, sex, birth_place, birth_date, desa_code, address, rt, rw, \
     disabilitas, disability_kind, odgj, bedridden, stage, sop_definition_id, phone, dusun, notes, \
     submission_id, source, created_at, updated_at";
const BOUND: usize = 22;

/// `INSERT INTO residents (...) VALUES (...), (...)` for `rows` rows.
pub(crate) fn insert_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(rows * 140);
    sql.push_str("INSERT INTO residents (");
    sql.push_str(INSERT_COLUMNS);
    sql.push_str(") VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..BOUND {
            sql.push_str(&format!("${},", i * BOUND + c + 1));
        }
        // updated_at equals created_at.
        sql.push_str(&format!("${})", i * BOUND + BOUND));
    }
    sql
}

/// Binds one resident's values in `INSERT_COLUMNS` order.
#[macro_export]
macro_rules! bind_resident {
    ($q:expr, $r:expr, $submission:expr, $source:expr, $now:expr) => {
        $q.bind(&$r.nik)
            .bind(&$r.no_kk)
            .bind(&$r.name)
            .bind(&$r.sex)
            .bind(&$r.birth_place)
            .bind(&$r.birth_date)
            .bind(&$r.desa_code)
            .bind(&$r.address)
            .bind(&$r.rt)
            .bind(&$r.rw)
            .bind($r.disabilitas)
            .bind(&$r.disability_kind)
            .bind($r.odgj)
            .bind($r.bedridden)
            .bind(&$r.stage)
            .bind($r.sop_definition_id)
            .bind(&$r.phone)
            .bind(&$r.dusun)
            .bind(&$r.notes)
            .bind($submission)
            .bind($source)
            .bind($now)
    };
}

impl Db {
    /// Inserts residents in multi-row batches inside one transaction (fast enough to fill a
    /// million rows in a minute). `source` says where they came from ("demo").
    pub async fn insert_residents(&self, rows: &[NewResident], source: &str, now: i64) -> Result<(), StoreError> {
        // Small statements: with sqlx's SQLite driver the cost of binding grows with the
        // square of the parameters in one statement (measured: 1000 rows × 18 parameters was
        // 8× slower per row than 100 rows). 40 rows is near the best on both databases.
        const BATCH: usize = 40;
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for chunk in rows.chunks(BATCH) {
                let sql = insert_sql(chunk.len());
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for r in chunk {
                    q = bind_resident!(q, r, None::<i64>, source, now);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Residents already known by NIK, in any desa: NIK → (desa code, resident id).
    pub async fn known_niks(
        &self,
        niks: &[String],
    ) -> Result<std::collections::HashMap<String, (String, i64)>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for chunk in niks.chunks(200) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT nik, desa_code, id FROM residents WHERE nik IN ({})",
                params.join(",")
            );
            let rows: Vec<(String, String, i64)> = run!(self, |pool| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for n in chunk {
                    q = q.bind(n);
                }
                q.fetch_all(pool).await?
            });
            for (nik, desa, id) in rows {
                out.entry(nik).or_insert((desa, id));
            }
        }
        Ok(out)
    }

    /// Records one audit entry for a bulk load (the rows themselves are the "after").
    pub async fn audit_bulk(&self, actor: &Actor, now: i64, action: &str, rows: usize) -> Result<(), StoreError> {
        self.audit_event(
            actor,
            now,
            action,
            "resident",
            None,
            Some(serde_json::json!({"rows": rows})),
        )
        .await
    }

    /// Residents per desa within a scope. The scope builds the WHERE clause: a query for a
    /// village operator cannot reach another village's rows.
    pub async fn resident_counts_by_desa(&self, scope: &Scope) -> Result<Vec<(String, i64)>, StoreError> {
        let (cond, binds) = scope_condition(scope, "desa_code", 1);
        let sql = format!(
            "SELECT desa_code, COUNT(*) AS n FROM residents WHERE {cond} GROUP BY desa_code ORDER BY desa_code"
        );
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("desa_code")?, r.try_get("n")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Residents within a scope.
    pub async fn count_residents(&self, scope: &Scope) -> Result<i64, StoreError> {
        let (cond, binds) = scope_condition(scope, "desa_code", 1);
        let sql = format!("SELECT COUNT(*) FROM residents WHERE {cond}");
        Ok(run!(self, |pool| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_one(pool).await?
        }))
    }
}

/// How many people a search may find and still be looked up through its index (see
/// [`text_search`]).
const SPARSE: i64 = 5000;

/// How a search finds people on SQLite, decided per search (PostgreSQL's planner has the
/// statistics to decide itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Density {
    /// Fewer than [`SPARSE`] people match in the whole register: collect them from the index
    /// (the NIK's B-tree, the names' trigrams) and sort those few by id.
    Sparse,
    /// Many match: walk the register newest first and stop at the page's 50th match; reading
    /// an index of tens of thousands of matches first would cost more.
    Dense,
}

/// The conditions (each with one `$?` and its value) that find `q` among residents — the
/// beginning of a NIK when it is all digits, else part of the name — on the table aliased
/// `alias` ("r." or "").
pub(crate) fn text_search(kind: crate::DbKind, density: Density, alias: &str, q: &str) -> Vec<(String, String)> {
    let digits = q.bytes().all(|b| b.is_ascii_digit());
    let name = format!("%{}%", q.to_uppercase());
    match (kind, density, digits) {
        // ':' follows '9': every NIK starting with q sorts in [q, q + ":").
        (crate::DbKind::Sqlite, Density::Sparse, true) => vec![
            (
                format!(" AND {alias}id IN (SELECT id FROM residents WHERE nik >= $?"),
                q.to_string(),
            ),
            (" AND nik < $?)".to_string(), format!("{q}:")),
        ],
        (crate::DbKind::Sqlite, Density::Sparse, false) => vec![(
            format!(" AND {alias}id IN (SELECT rowid FROM residents_name_index WHERE residents_name_index MATCH $?)"),
            trigram_phrase(q),
        )],
        (_, _, true) => vec![(format!(" AND {alias}nik LIKE $?"), format!("{q}%"))],
        // SQLite's LIKE ignores the case of ASCII letters already; UPPER() would copy every name.
        (crate::DbKind::Sqlite, _, false) => vec![(format!(" AND {alias}name LIKE $?"), name)],
        (crate::DbKind::Postgres, _, false) => vec![(format!(" AND UPPER({alias}name) LIKE $?"), name)],
    }
}

/// `q` as one FTS5 phrase: with the trigram tokenizer it matches the names that contain it,
/// in any case, exactly as `UPPER(name) LIKE '%Q%'` does for a text of three characters or
/// more without LIKE's wildcards ([`Db::text_density`] sends the others the other way).
fn trigram_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// Whether the name index can answer `q` (see [`trigram_phrase`]).
fn trigram_searchable(q: &str) -> bool {
    q.chars().count() >= 3 && !q.contains(['%', '_'])
}

impl Db {
    /// Whether few enough people match `q` in the whole register to look them up through the
    /// index (counted through that index, stopping at [`SPARSE`]).
    pub(crate) async fn text_density(&self, q: &str) -> Result<Density, StoreError> {
        let crate::Db::Sqlite(pool) = self else {
            return Ok(Density::Dense);
        };
        let digits = q.bytes().all(|b| b.is_ascii_digit());
        let n: i64 = if digits {
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM residents WHERE nik >= $1 AND nik < $2 LIMIT $3)")
                .bind(q)
                .bind(format!("{q}:"))
                .bind(SPARSE)
                .fetch_one(pool)
                .await?
        } else if trigram_searchable(q) {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM residents_name_index WHERE residents_name_index MATCH $1 LIMIT $2)",
            )
            .bind(trigram_phrase(q))
            .bind(SPARSE)
            .fetch_one(pool)
            .await?
        } else {
            // One or two letters, or a pattern: many names have them.
            return Ok(Density::Dense);
        };
        Ok(if n < SPARSE { Density::Sparse } else { Density::Dense })
    }
}

/// What a resident list asks for. All filters are optional; the scope is not.
#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    /// Part of the name, or the beginning of a NIK when it is all digits.
    pub q: Option<String>,
    pub desa: Option<String>,
    /// "lansia", "disabilitas" or "odgj".
    pub category: Option<String>,
    pub stage: Option<String>,
    /// Residents born on or before this ISO date are lansia (today minus 60 years).
    pub lansia_born_before: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResidentRow {
    pub id: i64,
    pub nik: String,
    pub no_kk: Option<String>,
    pub name: String,
    pub sex: String,
    pub birth_place: Option<String>,
    pub birth_date: String,
    pub desa_code: String,
    pub dusun: Option<String>,
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub disabilitas: bool,
    pub disability_kind: Option<String>,
    pub odgj: bool,
    pub stage: String,
}

fn row_from<R: Row>(r: &R) -> Result<ResidentRow, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    bool: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<String>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(ResidentRow {
        id: r.try_get("id")?,
        nik: r.try_get("nik")?,
        no_kk: r.try_get("no_kk")?,
        name: r.try_get("name")?,
        sex: r.try_get("sex")?,
        birth_place: r.try_get("birth_place")?,
        birth_date: r.try_get("birth_date")?,
        desa_code: r.try_get("desa_code")?,
        dusun: r.try_get("dusun")?,
        rt: r.try_get("rt")?,
        rw: r.try_get("rw")?,
        disabilitas: r.try_get("disabilitas")?,
        disability_kind: r.try_get("disability_kind")?,
        odgj: r.try_get("odgj")?,
        stage: r.try_get("stage")?,
    })
}

impl Db {
    /// A page of residents within `scope`, newest first, after the keyset `before_id`.
    pub async fn list_residents(
        &self,
        scope: &Scope,
        f: &ResidentFilter,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ResidentRow>, StoreError> {
        let (mut cond, mut binds) = scope_condition(scope, "desa_code", 1);
        let text = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let density = match text {
            Some(q) => self.text_density(q).await?,
            None => Density::Dense,
        };
        // Several kecamatan are an IN list on the scope index, which SQLite reads range by
        // range, up to a page from each, then sorts: fifteen kecamatan cost fifteen pages.
        // And with a filter that most of them never match (a NIK from one kecamatan) it reads
        // each of them to its end. Walking the register newest first, the scope then only a
        // check, reads about (page ÷ the scope's share) rows instead: fewer from four
        // kecamatan up, and always fewer with such a filter.
        let several = match scope {
            Scope::Kecamatan { codes } => codes.len(),
            _ => 0,
        };
        if self.kind() == crate::DbKind::Sqlite
            && (several >= 4 || (several > 1 && text.is_some() && density == Density::Dense))
        {
            cond = format!("+({cond})");
        }
        let mut sql = format!(
            "SELECT id, nik, no_kk, name, sex, birth_place, birth_date, desa_code, dusun, rt, rw, disabilitas, \
             disability_kind, odgj, stage FROM residents WHERE {cond}"
        );
        let mut push = |clause: &str, value: String, binds: &mut Vec<String>| {
            binds.push(value);
            sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
        };
        if let Some(q) = text {
            for (clause, value) in text_search(self.kind(), density, "", q) {
                push(&clause, value, &mut binds);
            }
        }
        if let Some(d) = f.desa.as_deref().filter(|d| !d.is_empty()) {
            push(" AND desa_code = $?", d.to_string(), &mut binds);
        }
        if let Some(s) = f.stage.as_deref().filter(|s| !s.is_empty()) {
            push(" AND stage = $?", s.to_string(), &mut binds);
        }
        match f.category.as_deref() {
            Some("disabilitas") => sql.push_str(" AND disabilitas = TRUE"),
            Some("odgj") => sql.push_str(" AND odgj = TRUE"),
            Some("lansia") => {
                if let Some(b) = &f.lansia_born_before {
                    push(" AND birth_date <= $?", b.clone(), &mut binds);
                }
            }
            _ => {}
        }
        let before = before_id.unwrap_or(i64::MAX);
        sql.push_str(&format!(
            " AND id < {before} ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 100_000)
        ));
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(row_from)
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }
}

/// One resident with the whole record, for the detail page.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentDetail {
    #[serde(flatten)]
    pub row: ResidentRow,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub bedridden: bool,
    pub disability_severity: Option<String>,
    pub needs_companion: bool,
    pub fingerprints_impossible: bool,
    pub iris_impossible: bool,
    pub cannot_sign: bool,
    pub ektp_status: Option<String>,
    pub wali_name: Option<String>,
    pub wali_nik: Option<String>,
    pub wali_relationship: Option<String>,
    pub consent_by: Option<String>,
    pub consent_at: Option<i64>,
    /// Raised by every edit of the identity or care fields; a form carries the version it was
    /// opened on, and saving a stale one is a conflict.
    pub edit_version: i64,
    pub submission_id: Option<i64>,
    pub stage_reason: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub merged_into: Option<i64>,
}

/// The part of the record staff and the village correct (the needs for the visit and consent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CareUpdate {
    pub bedridden: bool,
    pub needs_companion: bool,
    pub fingerprints_impossible: bool,
    pub iris_impossible: bool,
    pub cannot_sign: bool,
    pub disability_severity: Option<String>,
    pub ektp_status: Option<String>,
    pub phone: Option<String>,
    pub wali_name: Option<String>,
    pub wali_nik: Option<String>,
    pub wali_relationship: Option<String>,
    pub consent_by: Option<String>,
    pub notes: Option<String>,
}

/// Who the person is and where they live: the part the village or staff correct when the
/// submission had it wrong. The NIK is not here: a different NIK is a different person.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IdentityUpdate {
    pub no_kk: Option<String>,
    pub name: String,
    pub sex: String,
    pub birth_place: Option<String>,
    /// ISO date.
    pub birth_date: String,
    pub address: Option<String>,
    pub dusun: Option<String>,
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub disabilitas: bool,
    pub disability_kind: Option<String>,
    pub odgj: bool,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

impl ResidentDetail {
    pub fn identity(&self) -> IdentityUpdate {
        IdentityUpdate {
            no_kk: self.row.no_kk.clone().filter(|s| !s.is_empty()),
            name: self.row.name.clone(),
            sex: self.row.sex.clone(),
            birth_place: self.row.birth_place.clone().filter(|s| !s.is_empty()),
            birth_date: self.row.birth_date.clone(),
            address: self.address.clone().filter(|s| !s.is_empty()),
            dusun: self.row.dusun.clone().filter(|s| !s.is_empty()),
            rt: self.row.rt.clone().filter(|s| !s.is_empty()),
            rw: self.row.rw.clone().filter(|s| !s.is_empty()),
            disabilitas: self.row.disabilitas,
            disability_kind: self.row.disability_kind.clone().filter(|s| !s.is_empty()),
            odgj: self.row.odgj,
            lat: self.lat,
            lng: self.lng,
        }
    }

    pub fn care(&self) -> CareUpdate {
        CareUpdate {
            bedridden: self.bedridden,
            needs_companion: self.needs_companion,
            fingerprints_impossible: self.fingerprints_impossible,
            iris_impossible: self.iris_impossible,
            cannot_sign: self.cannot_sign,
            disability_severity: self.disability_severity.clone(),
            ektp_status: self.ektp_status.clone(),
            phone: self.phone.clone(),
            wali_name: self.wali_name.clone(),
            wali_nik: self.wali_nik.clone(),
            wali_relationship: self.wali_relationship.clone(),
            consent_by: self.consent_by.clone(),
            notes: self.notes.clone(),
        }
    }
}

impl Db {
    /// One resident, only if inside `scope` (otherwise it does not exist for this user).
    pub async fn resident_in_scope(&self, id: i64, scope: &Scope) -> Result<Option<ResidentDetail>, StoreError> {
        let (cond, binds) = scope_condition(scope, "desa_code", 2);
        let sql = format!(
            "SELECT id, nik, no_kk, name, sex, birth_place, birth_date, desa_code, dusun, rt, rw, disabilitas, \
             disability_kind, odgj, stage, address, phone, notes, bedridden, disability_severity, needs_companion, \
             fingerprints_impossible, iris_impossible, cannot_sign, ektp_status, wali_name, wali_nik, \
             wali_relationship, consent_by, consent_at, edit_version, submission_id, stage_reason, lat, lng, merged_into \
             FROM residents WHERE id = $1 AND {cond}"
        );
        Ok(run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id);
            for b in &binds {
                q = q.bind(b);
            }
            match q.fetch_optional(pool).await? {
                None => None,
                Some(r) => Some(ResidentDetail {
                    row: row_from(&r)?,
                    address: r.try_get("address")?,
                    phone: r.try_get("phone")?,
                    notes: r.try_get("notes")?,
                    bedridden: r.try_get("bedridden")?,
                    disability_severity: r.try_get("disability_severity")?,
                    needs_companion: r.try_get("needs_companion")?,
                    fingerprints_impossible: r.try_get("fingerprints_impossible")?,
                    iris_impossible: r.try_get("iris_impossible")?,
                    cannot_sign: r.try_get("cannot_sign")?,
                    ektp_status: r.try_get("ektp_status")?,
                    wali_name: r.try_get("wali_name")?,
                    wali_nik: r.try_get("wali_nik")?,
                    wali_relationship: r.try_get("wali_relationship")?,
                    consent_by: r.try_get("consent_by")?,
                    consent_at: r.try_get("consent_at")?,
                    edit_version: r.try_get("edit_version")?,
                    submission_id: r.try_get("submission_id")?,
                    stage_reason: r.try_get("stage_reason")?,
                    lat: r.try_get("lat")?,
                    lng: r.try_get("lng")?,
                    merged_into: r.try_get("merged_into")?,
                }),
            }
        }))
    }

    /// Saves the care details; the change is an event in the resident's history (before and
    /// after) and an audit entry. Consent is time-stamped when it is first given or changes.
    pub async fn update_care(
        &self,
        before: &ResidentDetail,
        version: i64,
        after: &CareUpdate,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let old = before.care();
        if &old == after {
            return Ok(());
        }
        let consent_at = if after.consent_by != old.consent_by || after.wali_nik != old.wali_nik {
            after.consent_by.as_ref().map(|_| now)
        } else {
            before.consent_at
        };
        let id = before.row.id;
        let b = serde_json::to_value(&old).unwrap_or_default();
        let a = serde_json::to_value(after).unwrap_or_default();
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE residents SET bedridden = $1, needs_companion = $2, fingerprints_impossible = $3, \
                 iris_impossible = $4, cannot_sign = $5, disability_severity = $6, ektp_status = $7, phone = $8, \
                 wali_name = $9, wali_nik = $10, wali_relationship = $11, consent_by = $12, consent_at = $13, \
                 notes = $14, updated_at = $15, edit_version = edit_version + 1 WHERE id = $16 AND edit_version = $17",
            )
            .bind(after.bedridden)
            .bind(after.needs_companion)
            .bind(after.fingerprints_impossible)
            .bind(after.iris_impossible)
            .bind(after.cannot_sign)
            .bind(&after.disability_severity)
            .bind(&after.ektp_status)
            .bind(&after.phone)
            .bind(&after.wali_name)
            .bind(&after.wali_nik)
            .bind(&after.wali_relationship)
            .bind(&after.consent_by)
            .bind(consent_at)
            .bind(&after.notes)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::Conflict(EDITED_MEANWHILE.into()));
            }
            sqlx::query("INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'diubah', $4)")
                .bind(id)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(serde_json::json!({"before": b, "after": a}).to_string())
                .execute(&mut *tx)
                .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "resident.update",
                "resident",
                Some(id.to_string()),
                Some(b.clone()),
                Some(a.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Saves corrected identity fields; the event in the resident's history and the audit
    /// entry hold only the fields that changed, before and after.
    pub async fn update_identity(
        &self,
        before: &ResidentDetail,
        version: i64,
        after: &IdentityUpdate,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let old = before.identity();
        if &old == after {
            return Ok(());
        }
        let (b, a) = changed_fields(&old, after);
        let id = before.row.id;
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE residents SET no_kk = $1, name = $2, sex = $3, birth_place = $4, birth_date = $5, address = $6, \
                 dusun = $7, rt = $8, rw = $9, disabilitas = $10, disability_kind = $11, odgj = $12, lat = $13, lng = $14, \
                 updated_at = $15, edit_version = edit_version + 1 WHERE id = $16 AND edit_version = $17",
            )
            .bind(&after.no_kk)
            .bind(&after.name)
            .bind(&after.sex)
            .bind(&after.birth_place)
            .bind(&after.birth_date)
            .bind(&after.address)
            .bind(&after.dusun)
            .bind(&after.rt)
            .bind(&after.rw)
            .bind(after.disabilitas)
            .bind(&after.disability_kind)
            .bind(after.odgj)
            .bind(after.lat)
            .bind(after.lng)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::Conflict(EDITED_MEANWHILE.into()));
            }
            sqlx::query("INSERT INTO resident_events (resident_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, 'diubah', $4)")
                .bind(id)
                .bind(now)
                .bind(actor.name.as_str())
                .bind(serde_json::json!({"before": b, "after": a}).to_string())
                .execute(&mut *tx)
                .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "resident.update",
                "resident",
                Some(id.to_string()),
                Some(b.clone()),
                Some(a.clone())
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// Told to the second of two people who edited the same record from the same version.
pub const EDITED_MEANWHILE: &str = "Data warga ini sudah diubah orang lain sejak Anda membuka formulir ini, jadi isian Anda belum disimpan. Isian Anda masih ada di formulir; bandingkan dengan data terbaru dan riwayat di halaman ini, lalu simpan lagi bila tetap benar.";

/// The fields that differ between two records, as two JSON objects (before, after).
fn changed_fields<T: Serialize>(before: &T, after: &T) -> (serde_json::Value, serde_json::Value) {
    let b = serde_json::to_value(before).unwrap_or_default();
    let a = serde_json::to_value(after).unwrap_or_default();
    let (mut bo, mut ao) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(bm), Some(am)) = (b.as_object(), a.as_object()) {
        for (k, av) in am {
            let bv = bm.get(k).cloned().unwrap_or_default();
            if &bv != av {
                bo.insert(k.clone(), bv);
                ao.insert(k.clone(), av.clone());
            }
        }
    }
    (serde_json::Value::Object(bo), serde_json::Value::Object(ao))
}
