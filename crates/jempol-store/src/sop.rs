//! Stored SOP definitions. Each revision is kept; one is active. Cases record the id of the
//! revision they started under, so a new revision never changes a running case's standards.

use crate::BeginWrite;
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
            let mut tx = pool.begin_write().await?;
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

    /// The active definition's text, as loaded.
    pub async fn active_sop_text(&self) -> Result<String, StoreError> {
        let text: Option<String> = run!(self, |pool| {
            sqlx::query_scalar("SELECT source_toml FROM sop_definitions WHERE active = TRUE ORDER BY id DESC LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        text.ok_or(StoreError::NotFound)
    }

    /// Creates a monitoring or evaluation form with its prefilled items (JSON).
    pub async fn create_review(
        &self,
        kind: &str,
        period: (&str, &str),
        sop_definition_id: i64,
        items_json: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sop_reviews (kind, period_from, period_to, sop_definition_id, assessor, items_json, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, '', $5, $6, $7) RETURNING id",
            )
            .bind(kind)
            .bind(period.0)
            .bind(period.1)
            .bind(sop_definition_id)
            .bind(items_json)
            .bind(actor.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "sop_review.create",
                "sop_review",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"kind": kind, "from": period.0, "to": period.1}))
            )?;
            tx.commit().await?;
            id
        }))
    }

    /// Saves what the assessor filled in; `complete` closes the form. A completed form is not
    /// changed again (a conflict).
    pub async fn save_review(
        &self,
        id: i64,
        assessor: &str,
        items_json: &str,
        complete: bool,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE sop_reviews SET assessor = $1, items_json = $2, completed_at = $3 WHERE id = $4 AND completed_at IS NULL",
            )
            .bind(assessor)
            .bind(items_json)
            .bind(complete.then_some(now))
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "formulir ini sudah selesai dan tidak diubah lagi".into(),
                ));
            }
            audit!(
                &mut *tx,
                actor,
                now,
                if complete {
                    "sop_review.complete"
                } else {
                    "sop_review.save"
                },
                "sop_review",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"assessor": assessor}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// (id, kind, from, to, assessor, items JSON, created_by, created_at, completed_at), newest
    /// first.
    pub async fn reviews(&self) -> Result<Vec<ReviewRow>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_as(
                "SELECT id, kind, period_from, period_to, assessor, items_json, created_by, created_at, completed_at \
                 FROM sop_reviews ORDER BY id DESC",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}

/// A stored monitoring or evaluation form.
pub type ReviewRow = (i64, String, String, String, String, String, String, i64, Option<i64>);
