//! The audit log: who did what, when, with the record before and after. Append-only.

use crate::{Db, StoreError, run};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Keyset paging: entries older than this id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl Db {
    /// Entries newest first, filtered. Text filters match a part of the field.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = String::from(
            "SELECT id, at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip FROM audit_log WHERE 1 = 1",
        );
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Text parameters first ($1..), then integers; numbering follows bind order.
        for (col, v) in [("actor", &f.actor), ("action", &f.action), ("entity", &f.entity)] {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                texts.push(format!("%{}%", v.trim().to_lowercase()));
                sql.push_str(&format!(" AND LOWER({col}) LIKE ${}", texts.len()));
            }
        }
        for (cond, v) in [("at >=", f.from_ms), ("at <", f.until_ms), ("id <", f.before_id)] {
            if let Some(v) = v {
                ints.push(v);
                sql.push_str(&format!(" AND {cond} ${}", texts.len() + ints.len()));
            }
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", f.limit.clamp(1, 500)));
        let rows = run!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for t in &texts {
                q = q.bind(t);
            }
            for i in &ints {
                q = q.bind(i);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.try_get("id")?,
                        at: r.try_get("at")?,
                        actor_id: r.try_get("actor_id")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        entity: r.try_get("entity")?,
                        entity_id: r.try_get("entity_id")?,
                        before: r.try_get("before_json")?,
                        after: r.try_get("after_json")?,
                        ip: r.try_get("ip")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// Records an event that changes no table (a lockout, a login, an export).
    pub async fn audit_event(
        &self,
        actor: &crate::Actor,
        now: i64,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
        detail: Option<serde_json::Value>,
    ) -> Result<(), StoreError> {
        run!(self, |pool| {
            crate::audit!(pool, actor, now, action, entity, entity_id, None, detail)?;
        });
        Ok(())
    }
}
