//! Backups and outages: an online backup taken while people work is a consistent database the
//! app opens, identical table by table once the work stops; a database that disappears for
//! half a minute gives "try again" answers and is used again when it is back, without a
//! restart.

use crate::support::*;
use axum::http::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Tables of a SQLite database, by name.
async fn tables(pool: &sqlx::SqlitePool) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Rows of `main.t` missing from `b.t` plus rows of `b.t` missing from `main.t`.
async fn differences(
    pool: &sqlx::SqlitePool,
    backup: &std::path::Path,
    only_missing_from_source: bool,
) -> Vec<(String, i64)> {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ATTACH DATABASE '{}' AS b",
        backup.display()
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables(pool).await {
        let extra: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT * FROM b.\"{t}\" EXCEPT SELECT * FROM main.\"{t}\")"
        )))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        let missing: i64 = if only_missing_from_source {
            0
        } else {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT * FROM main.\"{t}\" EXCEPT SELECT * FROM b.\"{t}\")"
            )))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
        };
        if extra + missing > 0 {
            out.push((t, extra + missing));
        }
    }
    sqlx::query("DETACH DATABASE b").execute(&mut *conn).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_online_backup_under_load_is_consistent_and_restores_identically() {
    let app = TestApp::new().await;
    let jempol_store::Db::Sqlite(pool) = app.db.clone() else {
        // PostgreSQL is backed up with pg_dump, whose snapshot PostgreSQL guarantees.
        return;
    };
    app.add_every_role().await;
    crate::campaigns::fill(&app).await;
    let ids: Vec<i64> = app
        .db
        .list_residents(
            &jempol_core::Scope::Kabupaten { code: "35.19".into() },
            &Default::default(),
            None,
            50,
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    // Load: four people opening records (each an audited read) and saving care details.
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4 {
        let router = app.router.clone();
        let b = app
            .login(["petugas", "kasi_pelayanan", "operator_desa", "petugas"][w])
            .await;
        let (ids, stop) = (ids.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let id = ids[(n * 4 + w) % ids.len()];
                let req = axum::http::Request::get(format!("/warga/{id}"))
                    .header(axum::http::header::COOKIE, &b.cookie)
                    .body(axum::body::Body::empty())
                    .unwrap();
                let r = TestApp::send_to(&router, req).await;
                assert!(
                    r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
                    "{}",
                    r.status
                );
                n += 1;
            }
            n
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dir = std::env::temp_dir().join(format!("jempol-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let under_load = dir.join("selagi-sibuk.db");
    let _ = std::fs::remove_file(&under_load);
    app.db.backup_sqlite(&under_load.display().to_string()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut done = 0;
    for w in workers {
        done += w.await.unwrap();
    }
    assert!(done > 20, "the load ran: {done} requests");

    // The copy taken under load: intact, a consistent moment (its audit chain is whole up to
    // its own head), nothing in it that the source does not hold, and the app opens it.
    let copy = jempol_store::Db::connect(&format!("sqlite://{}", under_load.display()))
        .await
        .unwrap();
    let jempol_store::Db::Sqlite(copy_pool) = copy.clone() else {
        unreachable!()
    };
    let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy_pool)
        .await
        .unwrap();
    assert_eq!(ok, "ok");
    assert!(
        copy.migrate(app.clock.now()).await.unwrap().is_empty(),
        "nothing to migrate"
    );
    let chain = copy.verify_audit().await.unwrap();
    assert!(chain.ok(), "{chain:?}");
    let d = differences(&pool, &under_load, true).await;
    // Rows the source changed since (sessions' last use, the chain's head) differ; nothing
    // else may be in the copy that the source does not hold.
    assert!(
        d.iter().all(|(t, _)| ["sessions", "audit_head"].contains(&t.as_str())),
        "{d:?}"
    );
    let state = jempol_web::AppState::new(copy.clone(), Default::default(), Arc::new(app.clock.clone()));
    let restored = jempol_web::router(state);
    let req = axum::http::Request::post("/login")
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "username=camat&password={PASSWORD}&next=%2F"
        )))
        .unwrap();
    assert_eq!(TestApp::send_to(&restored, req).await.status, StatusCode::SEE_OTHER);
    copy.close().await;

    // Once the work stops, a copy is the source, table by table.
    let quiet = dir.join("tenang.db");
    let _ = std::fs::remove_file(&quiet);
    app.db.backup_sqlite(&quiet.display().to_string()).await.unwrap();
    assert_eq!(differences(&pool, &quiet, false).await, vec![]);
    assert!(tables(&pool).await.len() > 30);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A TCP proxy in front of PostgreSQL that can be cut (every open connection dropped, new ones
/// refused) and restored, as a network cable or a restarting database would.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (u, c) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !u.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().unwrap().push(h);
            }
        });
        Proxy { port, up, conns }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_gone_for_thirty_seconds_gives_503_then_works_again_without_a_restart() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        // SQLite is a file inside the process: there is no connection to lose.
        return;
    };
    if !url.starts_with("postgres") {
        return;
    }
    use sqlx::postgres::PgConnectOptions;
    use std::str::FromStr;
    // A schema of its own, reached only through the proxy.
    let base = PgConnectOptions::from_str(&url).unwrap();
    let schema = format!("jt_{}_outage", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let proxy = Proxy::start(format!("{}:{}", base.get_host(), base.get_port())).await;
    let db = jempol_store::Db::connect_pg(
        base.clone()
            .port(proxy.port)
            .options([("search_path", schema.as_str())]),
    )
    .await
    .unwrap();
    db.migrate(T0).await.unwrap();
    let regions = jempol_store::regions::parse_regions_csv(jempol_store::regions::MADIUN_CSV.as_bytes()).unwrap();
    db.upsert_regions(&regions, &jempol_store::Actor::system("test"), T0)
        .await
        .unwrap();
    db.ensure_builtin_sop(&jempol_store::Actor::system("test"), T0)
        .await
        .unwrap();
    let clock = jempol_web::clock::FakeClock::at(T0);
    let state = jempol_web::AppState::new(db.clone(), Default::default(), Arc::new(clock));
    let router = jempol_web::router(state.clone());
    let input = jempol_web::users::UserInput {
        username: "camat".into(),
        full_name: "Camat".into(),
        role: "camat".into(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    jempol_web::users::create(
        &db,
        &state.config.deployment,
        &input,
        &jempol_store::Actor::system("test"),
        T0,
    )
    .await
    .unwrap()
    .unwrap();
    let login = || {
        axum::http::Request::post("/login")
            .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!(
                "username=camat&password={PASSWORD}&next=%2F"
            )))
            .unwrap()
    };
    let r = TestApp::send_to(&router, login()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = |c: String| {
        axum::http::Request::get("/warga")
            .header(axum::http::header::COOKIE, c)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert_eq!(
        TestApp::send_to(&router, page(cookie.clone())).await.status,
        StatusCode::OK
    );

    // Gone for thirty seconds: every answer meanwhile is 503 "try again", none a 500.
    proxy.cut();
    let began = std::time::Instant::now();
    let mut answers = Vec::new();
    while began.elapsed() < std::time::Duration::from_secs(30) {
        let r = TestApp::send_to(&router, page(cookie.clone())).await;
        answers.push(r.status);
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert!(r.body.contains("kirim lagi dalam beberapa detik"));
    }
    assert!(!answers.is_empty());
    // Back: the same process, the same pool, works again.
    proxy.restore();
    let r = TestApp::send_to(&router, page(cookie.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    db.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
}
