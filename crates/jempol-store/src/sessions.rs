//! Login sessions, API tokens and login attempts. All of it lives in the database so that
//! several `jempol serve` processes behind a load balancer share it. Only hashes of session
//! ids and tokens are stored.

use crate::BeginWrite;
use crate::users::User;
use crate::{Actor, Db, StoreError, audit, run};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_id: i64,
    /// The list page the saved search belongs to (`/warga`), and what was typed.
    pub search_page: String,
    pub search_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Db {
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        now: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(id_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(ip)
            .bind(user_agent)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        Ok(run!(self, |pool| {
            match sqlx::query(
                "SELECT id_hash, csrf_token, created_at, last_seen_at, user_id, search_page, search_text \
                 FROM sessions WHERE id_hash = $1",
            )
            .bind(id_hash)
            .fetch_optional(pool)
            .await?
            {
                Some(r) => Some(Session {
                    id_hash: r.try_get("id_hash")?,
                    csrf_token: r.try_get("csrf_token")?,
                    created_at: r.try_get("created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    user_id: r.try_get("user_id")?,
                    search_page: r.try_get("search_page")?,
                    search_text: r.try_get("search_text")?,
                }),
                None => None,
            }
        }))
    }

    /// Keeps what was searched on a list page with the session (not in the address).
    pub async fn save_session_search(&self, id_hash: &str, page: &str, text: &str) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE sessions SET search_page = $2, search_text = $3 WHERE id_hash = $1")
                .bind(id_hash)
                .bind(page)
                .bind(text)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn touch_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// "Log out everywhere".
    pub async fn delete_user_sessions(&self, user_id: i64, actor: &Actor, now: i64) -> Result<u64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            audit!(
                &mut *tx,
                actor,
                now,
                "session.logout_all",
                "user",
                Some(user_id.to_string()),
                None,
                Some(serde_json::json!({"sessions_ended": n}))
            )?;
            tx.commit().await?;
            n
        }))
    }

    /// Removes sessions idle since before `idle_before` or created before `created_before`.
    pub async fn purge_sessions(&self, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before)
                .bind(created_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        }))
    }

    pub async fn create_token(
        &self,
        user: &User,
        name: &str,
        token_hash: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(user.id)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(
                &mut *tx,
                actor,
                now,
                "token.create",
                "api_token",
                Some(id.to_string()),
                None,
                Some(serde_json::json!({"user": user.username, "name": name}))
            )?;
            tx.commit().await?;
            id
        }))
    }

    /// The live token with this hash: not revoked, its user not disabled.
    pub async fn token_user_id(&self, token_hash: &str, now: i64) -> Result<Option<i64>, StoreError> {
        Ok(run!(self, |pool| {
            let id: Option<(i64, i64)> = sqlx::query_as(
                "SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            if let Some((tid, _)) = id {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(tid)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            id.map(|(_, uid)| uid)
        }))
    }

    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query(
                "SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.last_used_at, t.revoked_at \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    username: r.try_get("username")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    pub async fn revoke_token(&self, id: i64, actor: &Actor, now: i64) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(
                &mut *tx,
                actor,
                now,
                "token.revoke",
                "api_token",
                Some(id.to_string()),
                None,
                None
            )?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn record_login_attempt(
        &self,
        username: &str,
        ip: &str,
        success: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO login_attempts (username, ip, at, success) VALUES ($1, $2, $3, $4)")
                .bind(username)
                .bind(ip)
                .bind(now)
                .bind(success)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Failed attempts for an account since `since`, counting only those after its last success.
    pub async fn account_failures_since(&self, username: &str, since: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND success = FALSE AND at >= $2 \
                 AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE username = $1 AND success = TRUE), 0)",
            )
            .bind(username)
            .bind(since)
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn ip_failures_since(&self, ip: &str, since: i64) -> Result<i64, StoreError> {
        Ok(run!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND success = FALSE AND at >= $2")
                .bind(ip)
                .bind(since)
                .fetch_one(pool)
                .await?
        }))
    }
}
