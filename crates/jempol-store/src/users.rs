//! Users of the system: role, the desa or kecamatan that bounds their scope, password hash.

use crate::BeginWrite;
use crate::{Actor, Db, StoreError, audit, run};
use jempol_core::Role;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub desa_code: Option<String>,
    pub kecamatan_code: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub desa_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub password_hash: String,
}

const COLS: &str = "id, username, full_name, role, desa_code, kecamatan_code, password_hash, disabled, created_at";

fn from_row<R: Row>(r: &R) -> Result<User, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    bool: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    String: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
    Option<String>: sqlx::Type<R::Database> + for<'a> sqlx::Decode<'a, R::Database>,
{
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        full_name: r.try_get("full_name")?,
        role: role.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        desa_code: r.try_get("desa_code")?,
        kecamatan_code: r.try_get("kecamatan_code")?,
        password_hash: r.try_get("password_hash")?,
        disabled: r.try_get("disabled")?,
        created_at: r.try_get("created_at")?,
    })
}

fn public(u: &User) -> serde_json::Value {
    serde_json::to_value(u).unwrap_or(serde_json::Value::Null)
}

impl Db {
    pub async fn create_user(&self, u: &NewUser, actor: &Actor, now: i64) -> Result<User, StoreError> {
        let user = run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, full_name, role, desa_code, kecamatan_code, password_hash, disabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7) RETURNING id",
            )
            .bind(&u.username)
            .bind(&u.full_name)
            .bind(u.role.as_str())
            .bind(&u.desa_code)
            .bind(&u.kecamatan_code)
            .bind(&u.password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_to_conflict(e, "nama pengguna sudah dipakai; pilih nama lain"))?;
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let user = from_row(&row)?;
            audit!(
                &mut *tx,
                actor,
                now,
                "user.create",
                "user",
                Some(id.to_string()),
                None,
                Some(public(&user))
            )?;
            tx.commit().await?;
            user
        });
        Ok(user)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {COLS} FROM users WHERE username = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(username)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(from_row(&r)?),
                None => None,
            }
        }))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {COLS} FROM users WHERE id = $1");
        Ok(run!(self, |pool| {
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
            {
                Some(r) => Some(from_row(&r)?),
                None => None,
            }
        }))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {COLS} FROM users ORDER BY username");
        Ok(run!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
                .iter()
                .map(from_row)
                .collect::<Result<Vec<_>, _>>()?
        }))
    }

    pub async fn count_active_admins(&self) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = FALSE")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Sets a new password, ends every session of the user and lifts a lockout (the failures
    /// counted were against the old password).
    pub async fn set_password(&self, id: i64, hash: &str, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "DELETE FROM login_attempts WHERE success = FALSE \
                 AND username = (SELECT username FROM users WHERE id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "user.password",
                "user",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"password": "diganti", "sessions": "diakhiri", "kunci": "dibuka"}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Disables or re-enables a user. Disabling ends their sessions; their tokens stop
    /// working because token lookup checks the user.
    pub async fn set_disabled(&self, id: i64, disabled: bool, actor: &Actor, now: i64) -> Result<(), StoreError> {
        let before = self.user_by_id(id).await?.ok_or(StoreError::NotFound)?;
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(
                &mut *tx,
                actor,
                now,
                if disabled { "user.disable" } else { "user.enable" },
                "user",
                Some(id.to_string()),
                Some(serde_json::json!({"disabled": before.disabled})),
                Some(serde_json::json!({"disabled": disabled}))
            )?;
            tx.commit().await?;
        });
        Ok(())
    }
}
