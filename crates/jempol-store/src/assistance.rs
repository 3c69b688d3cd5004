//! The catalogue of assistance programs (SOP step 9). A new installation starts with the
//! national programs (`jempol_core::assistance::default_programs`); a kecamatan edits them and
//! adds its local ones. Every change is audited.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::assistance::Program;

type ProgramRow = (String, String, String, String, String, Option<i64>, bool);

fn program_from((code, name, level, funding, targets, max_desil, active): ProgramRow) -> Program {
    Program {
        code,
        name,
        level,
        funding,
        targets: targets
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        max_desil: max_desil.and_then(|d| u8::try_from(d).ok()),
        active,
    }
}

impl Db {
    /// The catalogue, the defaults first when it is empty.
    pub async fn programs(&self, defaults: &[Program], now: i64) -> Result<Vec<Program>, StoreError> {
        let rows: Vec<ProgramRow> = run!(self, |pool| {
            sqlx::query_as(
                "SELECT code, name, level, funding, targets, max_desil, active FROM programs ORDER BY name, code",
            )
            .fetch_all(pool)
            .await?
        });
        if rows.is_empty() && !defaults.is_empty() {
            for p in defaults {
                // Another request may be filling the catalogue at the same moment.
                match self.put_program(p, &Actor::system("katalog bawaan"), now, false).await {
                    Ok(()) | Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            return Box::pin(self.programs(&[], now)).await;
        }
        Ok(rows.into_iter().map(program_from).collect())
    }

    /// Adds a program or changes one (`replace`); adding an existing code is a conflict.
    pub async fn put_program(&self, p: &Program, actor: &Actor, now: i64, replace: bool) -> Result<(), StoreError> {
        let targets = p.targets.join(",");
        let max_desil = p.max_desil.map(i64::from);
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<ProgramRow> = sqlx::query_as(
                "SELECT code, name, level, funding, targets, max_desil, active FROM programs WHERE code = $1",
            )
            .bind(&p.code)
            .fetch_optional(&mut *tx)
            .await?;
            match (&before, replace) {
                (Some(_), false) => {
                    return Err(StoreError::Conflict(format!("kode program {} sudah dipakai", p.code)));
                }
                (None, true) => return Err(StoreError::NotFound),
                (Some(_), true) => {
                    sqlx::query(
                        "UPDATE programs SET name = $1, level = $2, funding = $3, targets = $4, max_desil = $5, \
                         active = $6, updated_by = $7, updated_at = $8 WHERE code = $9",
                    )
                    .bind(&p.name)
                    .bind(&p.level)
                    .bind(&p.funding)
                    .bind(&targets)
                    .bind(max_desil)
                    .bind(p.active)
                    .bind(actor.name.as_str())
                    .bind(now)
                    .bind(&p.code)
                    .execute(&mut *tx)
                    .await?;
                }
                (None, false) => {
                    sqlx::query(
                        "INSERT INTO programs (code, name, level, funding, targets, max_desil, active, updated_by, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&p.code)
                    .bind(&p.name)
                    .bind(&p.level)
                    .bind(&p.funding)
                    .bind(&targets)
                    .bind(max_desil)
                    .bind(p.active)
                    .bind(actor.name.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique_to_conflict(e, "kode program sudah dipakai"))?;
                }
            }
            let action = if before.is_some() {
                "program.update"
            } else {
                "program.create"
            };
            audit!(
                &mut *tx,
                actor,
                now,
                action,
                "program",
                Some(p.code.clone()),
                before.map(|b| serde_json::json!(program_from(b))),
                Some(serde_json::json!(p))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}
