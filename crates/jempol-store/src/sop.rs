//! Stored SOP definitions. Each revision is kept; one is active. Cases record the id of the
//! revision they started under, so a new revision never changes a running case's standards.

use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::sop::SopDefinition;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct StoredSop {
    pub id: i64,
    pub sop_id: String,
    pub version: String,
    pub active: bool,
    pub loaded_at: i64,
    pub loaded_by: String,
}

fn stored_from_row<R: Row>(r: &R) -> Result<StoredSop, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    bool: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    Ok(StoredSop {
        id: r.try_get("id")?,
        sop_id: r.try_get("sop_id")?,
        version: r.try_get("version")?,
        active: r.try_get("active")?,
        loaded_at: r.try_get("loaded_at")?,
        loaded_by: r.try_get("loaded_by")?,
    })
}

impl Db {
    /// Stores a validated definition; activates it when asked.
    pub async fn load_sop(
        &self,
        toml_text: &str,
        activate: bool,
        actor: &Actor,
        now: i64,
    ) -> Result<(i64, SopDefinition), StoreError> {
        let def = SopDefinition::from_toml(toml_text).map_err(|problems| {
            StoreError::Invalid(problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))
        })?;
        let id = run!(self, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sop_definitions (sop_id, version, source_toml, active, loaded_at, loaded_by) \
                 VALUES ($1, $2, $3, FALSE, $4, $5) RETURNING id",
            )
            .bind(&def.id)
            .bind(&def.version)
            .bind(toml_text)
            .bind(now)
            .bind(actor.name.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                StoreError::unique_to_conflict(
                    e,
                    &format!(
                        "SOP {} versi {} sudah pernah dimuat; naikkan nilai version di berkas",
                        def.id, def.version
                    ),
                )
            })?;
            if activate {
                sqlx::query("UPDATE sop_definitions SET active = (id = $1) WHERE sop_id = $2")
                    .bind(id)
                    .bind(&def.id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "sop.load",
                "sop_definition",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"sop_id": def.id, "version": def.version, "active": activate}))
            )?;
            tx.commit().await?;
            id
        });
        Ok((id, def))
    }

    /// Loads the built-in SOP on a fresh database; leaves an existing one alone.
    pub async fn ensure_builtin_sop(&self, actor: &Actor, now: i64) -> Result<(), StoreError> {
        let any: i64 = run!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM sop_definitions")
            .fetch_one(pool)
            .await?);
        if any == 0 {
            self.load_sop(jempol_core::sop::BUILTIN_TOML, true, actor, now).await?;
        }
        Ok(())
    }

    /// The active definition with its stored id.
    pub async fn active_sop(&self) -> Result<(StoredSop, SopDefinition), StoreError> {
        let row = run!(self, |pool| {
            match sqlx::query(
                "SELECT id, sop_id, version, active, loaded_at, loaded_by, source_toml FROM sop_definitions \
                 WHERE active = TRUE ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
            {
                Some(r) => Some((stored_from_row(&r)?, r.try_get::<String, _>("source_toml")?)),
                None => None,
            }
        });
        let (stored, text) = row.ok_or(StoreError::NotFound)?;
        let def = SopDefinition::from_toml(&text).map_err(|p| {
            StoreError::Invalid(format!(
                "SOP tersimpan tidak sah: {}",
                p.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; ")
            ))
        })?;
        Ok((stored, def))
    }

    pub async fn list_sops(&self) -> Result<Vec<StoredSop>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query("SELECT id, sop_id, version, active, loaded_at, loaded_by FROM sop_definitions ORDER BY id")
                .fetch_all(pool)
                .await?
                .iter()
                .map(stored_from_row)
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }
}
