//! Persistence for Jempol: one `Db` over SQLite (embedded default) and PostgreSQL (regency
//! and province deployments, several instances). Queries are written once in portable SQL
//! with `$n` parameters and run on whichever pool the URL chose; migrations are kept per
//! database in `migrations/{sqlite,postgres}`. Every write takes an `Actor` and records its
//! audit entry in the same transaction, so no write can forget the audit log.

pub mod audit;
mod db;
pub mod regions;
pub mod residents;
pub mod sessions;
pub mod settings;
pub mod sop;
pub mod submissions;
pub mod users;
pub mod verification;

pub use db::{Db, DbKind, StoreError};

/// Who is making a change, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    /// Changes made from the command line on the server itself.
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("sistem ({what})"),
            ip: None,
        }
    }
}

/// Appends an audit entry using the given connection or transaction. A macro because the
/// executor's type differs per database.
#[macro_export]
macro_rules! audit {
    ($conn:expr, $actor:expr, $now:expr, $action:expr, $entity:expr, $entity_id:expr, $before:expr, $after:expr) => {{
        let before: Option<serde_json::Value> = $before;
        let after: Option<serde_json::Value> = $after;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($now)
        .bind($actor.user_id)
        .bind($actor.name.as_str())
        .bind($action)
        .bind($entity)
        .bind($entity_id)
        .bind(before.map(|v| v.to_string()))
        .bind(after.map(|v| v.to_string()))
        .bind($actor.ip.clone())
        .execute($conn)
        .await
    }};
}

/// The SQL condition limiting `col` (a desa code column) to a scope, with its bind values.
/// Parameters are numbered from `first`. Kecamatan and kabupaten become code ranges so the
/// index on the desa column serves them on both databases.
pub fn scope_condition(scope: &jempol_core::Scope, col: &str, first: usize) -> (String, Vec<String>) {
    use jempol_core::Scope;
    let range = |code: &str, n: usize| {
        (
            format!("({col} >= ${n} AND {col} < ${})", n + 1),
            vec![format!("{code}."), format!("{code}/")],
        )
    };
    match scope {
        Scope::Nothing => ("1 = 0".to_string(), vec![]),
        Scope::Desa { code } => (format!("{col} = ${first}"), vec![code.clone()]),
        Scope::Kabupaten { code } => range(code, first),
        Scope::Kecamatan { codes } if codes.is_empty() => ("1 = 0".to_string(), vec![]),
        Scope::Kecamatan { codes } => {
            let mut parts = Vec::new();
            let mut binds = Vec::new();
            for (i, c) in codes.iter().enumerate() {
                let (p, b) = range(c, first + 2 * i);
                parts.push(p);
                binds.extend(b);
            }
            (format!("({})", parts.join(" OR ")), binds)
        }
    }
}
