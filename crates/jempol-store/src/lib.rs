//! Persistence for Jempol: one `Db` over SQLite (embedded default) and PostgreSQL (regency
//! and province deployments, several instances). Queries are written once in portable SQL
//! with `$n` parameters and run on whichever pool the URL chose; migrations are kept per
//! database in `migrations/{sqlite,postgres}`. Every write takes an `Actor` and records its
//! audit entry in the same transaction, so no write can forget the audit log.

pub mod assistance;
pub mod audit;
pub mod calendar;
pub mod campaigns;
mod db;
pub mod handovers;
pub mod meetings;
pub mod notifications;
pub mod production;
pub mod regions;
pub mod residents;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod sop;
pub mod submissions;
pub mod tracking;
pub mod users;
pub mod verification;
pub mod visits;
pub mod welfare;

pub use db::{BeginWrite, Db, DbKind, StoreError, WriteTx};

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

/// Writes one event of a campaign's history inside the transaction `$tx`.
#[macro_export]
macro_rules! campaign_event {
    ($tx:expr, $campaign:expr, $actor:expr, $now:expr, $kind:expr, $payload:expr) => {
        sqlx::query(
            "INSERT INTO campaign_events (campaign_id, at, actor, kind, payload_json) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($campaign)
        .bind($now)
        .bind($actor.name.as_str())
        .bind($kind)
        .bind($payload.to_string())
        .execute(&mut *$tx)
        .await
    };
}

/// Serialises, on PostgreSQL, the transactions that put people into campaigns (a transaction
/// lock, released at commit), so two at once cannot both see a person as free and book them
/// twice, and those that record visit outcomes (which would otherwise deadlock on the
/// progress marks their campaign events write). SQLite needs nothing: its write transactions already run one at a time
/// (`BEGIN IMMEDIATE`).
#[macro_export]
macro_rules! lock_campaign_membership {
    ($db:expr, $tx:expr) => {
        if matches!($db, $crate::Db::Postgres(_)) {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(0x4a45_4d50_434d_i64)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

/// Appends an audit entry inside the transaction `$conn` (a `&mut` connection), as the next
/// link of the hash chain: taking the next `seq` from `audit_head` locks the head until the
/// transaction ends, so entries join the chain one at a time on both databases. A macro
/// because the connection's type differs per database.
#[macro_export]
macro_rules! audit {
    ($conn:expr, $actor:expr, $now:expr, $action:expr, $entity:expr, $entity_id:expr, $before:expr, $after:expr) => {{
        let conn = $conn;
        let before: Option<serde_json::Value> = $before;
        let after: Option<serde_json::Value> = $after;
        let entry = $crate::audit::Link {
            at: $now,
            actor_id: $actor.user_id,
            actor: $actor.name.clone(),
            action: ($action).to_string(),
            entity: ($entity).to_string(),
            entity_id: ($entity_id).map(|v| v.to_string()),
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
            ip: $actor.ip.clone(),
        };
        async {
            let (seq, prev): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *conn)
                    .await?;
            let hash = entry.hash(&prev, seq);
            sqlx::query(
                "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before_json, after_json, ip, seq, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(entry.at)
            .bind(entry.actor_id)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.entity)
            .bind(&entry.entity_id)
            .bind(&entry.before)
            .bind(&entry.after)
            .bind(&entry.ip)
            .bind(seq)
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(&hash)
                .execute(&mut *conn)
                .await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    }};
}

/// The `VALUES` rows of a multi-row insert: `rows` groups of `columns` parameters numbered
/// from `$1` in bind order, "($1, $2), ($3, $4)".
pub(crate) fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL condition limiting `col` (a desa code column) to a scope, with its bind values.
/// Parameters are numbered from `first`. A kecamatan or kabupaten is the code's prefix,
/// `substr(col, 1, 8)` or `substr(col, 1, 5)`: on `residents` both have an expression index
/// with the id (migration 0006), so a scoped page walks the index in id order on both
/// databases instead of sorting the whole kecamatan.
pub fn scope_condition(scope: &jempol_core::Scope, col: &str, first: usize) -> (String, Vec<String>) {
    use jempol_core::Scope;
    match scope {
        Scope::Nothing => ("1 = 0".to_string(), vec![]),
        Scope::Desa { code } => (format!("{col} = ${first}"), vec![code.clone()]),
        Scope::Kabupaten { code } => (format!("substr({col}, 1, 5) = ${first}"), vec![code.clone()]),
        Scope::Kecamatan { codes } if codes.is_empty() => ("1 = 0".to_string(), vec![]),
        Scope::Kecamatan { codes } if codes.len() == 1 => (format!("substr({col}, 1, 8) = ${first}"), codes.clone()),
        Scope::Kecamatan { codes } => {
            let list: Vec<String> = (0..codes.len()).map(|i| format!("${}", first + i)).collect();
            (format!("substr({col}, 1, 8) IN ({})", list.join(", ")), codes.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jempol_core::Scope;

    #[test]
    fn value_rows_number_parameters_in_bind_order() {
        assert_eq!(value_rows(1, 3), "($1, $2, $3)");
        assert_eq!(value_rows(2, 2), "($1, $2), ($3, $4)");
    }

    #[test]
    fn scopes_become_prefix_conditions_on_the_desa_code() {
        let kec = Scope::Kecamatan {
            codes: vec!["35.19.02".into()],
        };
        assert_eq!(
            scope_condition(&kec, "desa_code", 3),
            ("substr(desa_code, 1, 8) = $3".into(), vec!["35.19.02".to_string()])
        );
        let two = Scope::Kecamatan {
            codes: vec!["35.19.02".into(), "35.19.03".into()],
        };
        assert_eq!(scope_condition(&two, "d", 1).0, "substr(d, 1, 8) IN ($1, $2)");
        let kab = Scope::Kabupaten { code: "35.19".into() };
        assert_eq!(scope_condition(&kab, "d", 2).0, "substr(d, 1, 5) = $2");
        assert_eq!(scope_condition(&Scope::Nothing, "d", 1).0, "1 = 0");
    }
}
