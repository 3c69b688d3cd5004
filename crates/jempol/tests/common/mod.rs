//! What the binary's test files share: a fresh database per test (`Env`), running the binary
//! on it, a plain HTTP/1.1 client, SQL on the test database.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_jempol");
static N: AtomicU32 = AtomicU32::new(0);

/// A fresh database for one test and the folder it lives in: a SQLite file, or a fresh
/// schema of the PostgreSQL database named by `TEST_DATABASE_URL`.
pub struct Env {
    pub dir: PathBuf,
    pub url: String,
}

impl Env {
    /// `kind` names the test file in folder and schema names.
    pub fn new(kind: &str) -> Env {
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("jempol-{kind}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let schema = format!("jc_{}_{kind}{n}", std::process::id());
                sql(&base, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                sql(&base, &format!("CREATE SCHEMA {schema}"));
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options=-c%20search_path%3D{schema}")
            }
            _ => format!("sqlite://{}", dir.join("jempol.db").display()),
        };
        Env { dir, url }
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite")
    }

    /// The binary on this database, without settings from the caller's environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(["--database-url", &self.url, "--data-dir"])
            .arg(&self.dir)
            .args(args)
            .env_remove("JEMPOL_ADMIN_PASSWORD")
            .env_remove("JEMPOL_LISTEN")
            .env("JEMPOL_LOG", "warn");
        c
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs one statement on a database (SQLite or PostgreSQL URL).
pub fn sql(url: &str, statement: &str) {
    rt().block_on(async {
        let db = jempol_store::Db::connect(url).await.unwrap();
        jempol_store::run!(&db, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(statement)).execute(pool).await.unwrap();
        });
        db.close().await;
    });
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 request: (status, headers and body as text), or `None` when the server
/// is not there or stopped answering (killed).
pub fn try_http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let status = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok())?;
    Some((status, resp))
}
