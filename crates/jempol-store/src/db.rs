//! The `Db` handle, connection, migrations, and the `run!` macro that runs one body on
//! whichever pool is in use.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict a person can act on.
    pub(crate) fn unique_to_conflict(e: sqlx::Error, what: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(what.to_string());
        }
        StoreError::Sqlx(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Opens a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken before the first read, so a transaction that reads and then writes can never fail
/// half-way because another writer committed in between (a deferred transaction would get
/// `SQLITE_BUSY` with no wait). On PostgreSQL, a plain `BEGIN`.
///
/// SQLite lets one writer at a time in; the others used to wait in SQLite's busy handler,
/// which sleeps and polls (up to 100 ms a nap), so under concurrent writes a request could
/// wait half a second for a lock that had been free for most of it. Writers of this process
/// now queue for their turn on a fair async mutex per database file ([`WriteTx`] holds it
/// until commit or rollback) and are let in the moment the previous one finishes; the busy
/// handler only meets writers of other processes (the CLI beside a running server).
pub trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(&self) -> impl std::future::Future<Output = Result<WriteTx<Self::Database>, sqlx::Error>> + Send;
}

/// A write transaction and, on SQLite, this process's turn to write to the file. Derefs to
/// the connection (`&mut *tx` is an executor); `commit` or `rollback` ends both, and dropping
/// it rolls back as `sqlx::Transaction` does.
pub struct WriteTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// How long a writer waits for its turn before the request is answered "busy, try again"
/// (the same bound as SQLite's busy timeout below).
const WRITE_TURN_WAIT: Duration = Duration::from_secs(10);

/// One queue per database file (several `Db`s of one file, as the tests and the CLI open,
/// share it); in-memory databases are private to their pool and share one harmlessly.
fn write_turn(pool: &SqlitePool) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static TURNS: LazyLock<Mutex<HashMap<std::path::PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_path_buf();
    let mut turns = TURNS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    turns.entry(file).or_default().clone()
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<WriteTx<sqlx::Sqlite>, sqlx::Error> {
        let turn = tokio::time::timeout(WRITE_TURN_WAIT, write_turn(self).lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        let tx = self.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: Some(turn) })
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<WriteTx<sqlx::Postgres>, sqlx::Error> {
        Ok(WriteTx {
            tx: self.begin().await?,
            _turn: None,
        })
    }
}

impl StoreError {
    /// A failure that says nothing about the request, only that the database cannot answer
    /// now: busy or locked beyond the wait, no free connection, the connection lost, the
    /// server shutting down. The web answers 503 "try again" instead of 500.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Sqlx(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                // SQLite: 5 BUSY (and its extended codes), 6 LOCKED. PostgreSQL: class 08
                // (connection), 53 (resources), 57P (shutdown), 40001/40P01 (retryable).
                let sqlite_busy = code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
                sqlite_busy
                    || code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57P")
                    || code == "40001"
                    || code == "40P01"
            }
            _ => false,
        }
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool (SqlitePool or PgPool).
#[macro_export]
macro_rules! run {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "submissions",
        include_str!("../migrations/sqlite/0002_submissions.sql"),
    ),
    (
        3,
        "verification",
        include_str!("../migrations/sqlite/0003_verification.sql"),
    ),
    (
        4,
        "resident_record",
        include_str!("../migrations/sqlite/0004_resident_record.sql"),
    ),
    (
        5,
        "corrections_merges",
        include_str!("../migrations/sqlite/0005_corrections_merges.sql"),
    ),
    (
        6,
        "scope_indexes",
        include_str!("../migrations/sqlite/0006_scope_indexes.sql"),
    ),
    (7, "campaigns", include_str!("../migrations/sqlite/0007_campaigns.sql")),
    (
        8,
        "campaign_locks",
        include_str!("../migrations/sqlite/0008_campaign_locks.sql"),
    ),
    (
        9,
        "home_times",
        include_str!("../migrations/sqlite/0009_home_times.sql"),
    ),
    (
        10,
        "letters_meetings",
        include_str!("../migrations/sqlite/0010_letters_meetings.sql"),
    ),
    (
        11,
        "letter_desa",
        include_str!("../migrations/sqlite/0011_letter_desa.sql"),
    ),
    (
        12,
        "team_users",
        include_str!("../migrations/sqlite/0012_team_users.sql"),
    ),
    (
        13,
        "visit_outcomes",
        include_str!("../migrations/sqlite/0013_visit_outcomes.sql"),
    ),
    (
        14,
        "roll_over_walkins",
        include_str!("../migrations/sqlite/0014_roll_over.sql"),
    ),
    (
        15,
        "production",
        include_str!("../migrations/sqlite/0015_production.sql"),
    ),
    (16, "handovers", include_str!("../migrations/sqlite/0016_handovers.sql")),
    (
        17,
        "card_receipts",
        include_str!("../migrations/sqlite/0017_card_receipts.sql"),
    ),
    (18, "tracking", include_str!("../migrations/sqlite/0018_tracking.sql")),
    (19, "programs", include_str!("../migrations/sqlite/0019_programs.sql")),
    (
        20,
        "assistance",
        include_str!("../migrations/sqlite/0020_assistance.sql"),
    ),
    (21, "calendar", include_str!("../migrations/sqlite/0021_calendar.sql")),
    (
        22,
        "sla_pauses",
        include_str!("../migrations/sqlite/0022_sla_pauses.sql"),
    ),
    (
        23,
        "escalations",
        include_str!("../migrations/sqlite/0023_escalations.sql"),
    ),
    (
        24,
        "sop_reviews",
        include_str!("../migrations/sqlite/0024_sop_reviews.sql"),
    ),
    (
        25,
        "funnel_counts",
        include_str!("../migrations/sqlite/0025_funnel_counts.sql"),
    ),
    (
        26,
        "notifications",
        include_str!("../migrations/sqlite/0026_notifications.sql"),
    ),
    (
        27,
        "audit_chain",
        include_str!("../migrations/sqlite/0027_audit_chain.sql"),
    ),
    (
        28,
        "resident_version",
        include_str!("../migrations/sqlite/0028_resident_version.sql"),
    ),
    (
        29,
        "session_search",
        include_str!("../migrations/sqlite/0029_session_search.sql"),
    ),
    (
        30,
        "name_search",
        include_str!("../migrations/sqlite/0030_name_search.sql"),
    ),
];
const PG_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "submissions",
        include_str!("../migrations/postgres/0002_submissions.sql"),
    ),
    (
        3,
        "verification",
        include_str!("../migrations/postgres/0003_verification.sql"),
    ),
    (
        4,
        "resident_record",
        include_str!("../migrations/postgres/0004_resident_record.sql"),
    ),
    (
        5,
        "corrections_merges",
        include_str!("../migrations/postgres/0005_corrections_merges.sql"),
    ),
    (
        6,
        "scope_indexes",
        include_str!("../migrations/postgres/0006_scope_indexes.sql"),
    ),
    (
        7,
        "campaigns",
        include_str!("../migrations/postgres/0007_campaigns.sql"),
    ),
    (
        8,
        "campaign_locks",
        include_str!("../migrations/postgres/0008_campaign_locks.sql"),
    ),
    (
        9,
        "home_times",
        include_str!("../migrations/postgres/0009_home_times.sql"),
    ),
    (
        10,
        "letters_meetings",
        include_str!("../migrations/postgres/0010_letters_meetings.sql"),
    ),
    (
        11,
        "letter_desa",
        include_str!("../migrations/postgres/0011_letter_desa.sql"),
    ),
    (
        12,
        "team_users",
        include_str!("../migrations/postgres/0012_team_users.sql"),
    ),
    (
        13,
        "visit_outcomes",
        include_str!("../migrations/postgres/0013_visit_outcomes.sql"),
    ),
    (
        14,
        "roll_over_walkins",
        include_str!("../migrations/postgres/0014_roll_over.sql"),
    ),
    (
        15,
        "production",
        include_str!("../migrations/postgres/0015_production.sql"),
    ),
    (
        16,
        "handovers",
        include_str!("../migrations/postgres/0016_handovers.sql"),
    ),
    (
        17,
        "card_receipts",
        include_str!("../migrations/postgres/0017_card_receipts.sql"),
    ),
    (18, "tracking", include_str!("../migrations/postgres/0018_tracking.sql")),
    (19, "programs", include_str!("../migrations/postgres/0019_programs.sql")),
    (
        20,
        "assistance",
        include_str!("../migrations/postgres/0020_assistance.sql"),
    ),
    (21, "calendar", include_str!("../migrations/postgres/0021_calendar.sql")),
    (
        22,
        "sla_pauses",
        include_str!("../migrations/postgres/0022_sla_pauses.sql"),
    ),
    (
        23,
        "escalations",
        include_str!("../migrations/postgres/0023_escalations.sql"),
    ),
    (
        24,
        "sop_reviews",
        include_str!("../migrations/postgres/0024_sop_reviews.sql"),
    ),
    (
        25,
        "funnel_counts",
        include_str!("../migrations/postgres/0025_funnel_counts.sql"),
    ),
    (
        26,
        "notifications",
        include_str!("../migrations/postgres/0026_notifications.sql"),
    ),
    (
        27,
        "audit_chain",
        include_str!("../migrations/postgres/0027_audit_chain.sql"),
    ),
    (
        28,
        "resident_version",
        include_str!("../migrations/postgres/0028_resident_version.sql"),
    ),
    (
        29,
        "session_search",
        include_str!("../migrations/postgres/0029_session_search.sql"),
    ),
    (
        30,
        "name_search",
        include_str!("../migrations/postgres/0030_name_search.sql"),
    ),
];

/// Arbitrary constant naming Jempol's migration lock among PostgreSQL advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x4a45_4d50_4f4c;

impl Db {
    /// Opens a database by URL: `postgres://…` or `postgresql://…` selects PostgreSQL,
    /// `sqlite://PATH` (or a bare path) SQLite in WAL mode, created if missing.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            Self::connect_pg(opts).await
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before the person is told it is saved, so a power
                // cut (common where there is no UPS) loses nothing acknowledged; the price is
                // one fsync of the WAL per write transaction (docs/security.md, Durability).
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Reads from the mapped file instead of a read() system call per page.
                .pragma("mmap_size", "268435456");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(15))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        }
    }

    /// Opens PostgreSQL with explicit options (tests use this to pin a schema).
    pub async fn connect_pg(opts: PgConnectOptions) -> Result<Db, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub fn kind(&self) -> DbKind {
        match self {
            Db::Sqlite(_) => DbKind::Sqlite,
            Db::Postgres(_) => DbKind::Postgres,
        }
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        run!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        run!(self, |pool| pool.close().await)
    }

    /// Applies pending migrations. On PostgreSQL an advisory lock makes instances that start
    /// together take turns; each migration runs in its own transaction.
    pub async fn migrate(&self, now_ms: i64) -> Result<Vec<String>, StoreError> {
        let (migrations, pg) = match self {
            Db::Sqlite(_) => (SQLITE_MIGRATIONS, false),
            Db::Postgres(_) => (PG_MIGRATIONS, true),
        };
        let mut applied = Vec::new();
        run!(self, |pool| {
            let mut conn = pool.acquire().await?;
            if pg {
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(PG_MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await?;
            }
            let result: Result<(), StoreError> = async {
                sqlx::raw_sql(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                )
                .execute(&mut *conn)
                .await?;
                for (version, name, sql) in migrations {
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    let done: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                            .bind(version)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if done.is_none() {
                        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
                        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                            .bind(version)
                            .bind(name)
                            .bind(now_ms)
                            .execute(&mut *tx)
                            .await?;
                        applied.push(format!("{version:04}_{name}"));
                    }
                    tx.commit().await?;
                }
                Ok(())
            }
            .await;
            if pg {
                sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(PG_MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await?;
            }
            result?;
        });
        if applied.iter().any(|m| m == "0027_audit_chain") {
            self.seal_unchained_audit().await?;
        }
        Ok(applied)
    }

    /// Versions applied so far, and how many the binary knows.
    pub async fn migration_status(&self) -> Result<(i64, i64), StoreError> {
        let known = match self {
            Db::Sqlite(_) => SQLITE_MIGRATIONS.len(),
            Db::Postgres(_) => PG_MIGRATIONS.len(),
        } as i64;
        let applied: Result<i64, sqlx::Error> = run!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
                .fetch_one(pool)
                .await
        });
        Ok((applied.unwrap_or(0), known))
    }

    /// A consistent copy of a live SQLite database (`VACUUM INTO`), safe while serving.
    pub async fn backup_sqlite(&self, dest: &str) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(pool) => {
                sqlx::query("VACUUM INTO $1").bind(dest).execute(pool).await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::Invalid(
                "backup PostgreSQL dengan pg_dump, misalnya: pg_dump -Fc -f jempol.dump NAMA_DATABASE".into(),
            )),
        }
    }
}
