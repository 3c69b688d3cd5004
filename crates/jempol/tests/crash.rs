#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Crash consistency: `kill -9` at a random moment while officers save records, while their
//! devices send visit outcomes and while a large list is imported; after a restart the database
//! passes its integrity check, the audit chain is whole, an import is absent or complete, and
//! every save or outcome the server acknowledged is there. Runs on the database of
//! `TEST_DATABASE_URL` (unset: SQLite). Rounds and import size from `JEMPOL_CRASH_ROUNDS`
//! (default 3) and `JEMPOL_CRASH_ROWS` (default 20000): the long variant in docs/security.md
//! raises them.

use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::{Env, free_port, rt, try_http as http};
const DEMO_PASSWORD: &str = "jempol-demo-2026";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic random sequence, so a failing round can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

impl Env {
    /// After a crash: the database is intact and its audit chain whole.
    fn check_intact(&self) {
        if self.url.starts_with("sqlite") {
            let ok: String = query_one(&self.url, "PRAGMA integrity_check");
            assert_eq!(ok, "ok");
        }
        let o = self.cmd(&["audit", "verify"]).output().unwrap();
        assert!(
            o.status.success(),
            "audit chain after the crash: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn query_one<T>(url: &str, q: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    rt().block_on(async {
        let db = jempol_store::Db::connect(url).await.unwrap();
        let v = jempol_store::run!(&db, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(q))
                .fetch_one(pool)
                .await
                .unwrap()
        });
        db.close().await;
        v
    })
}

fn query_pairs(url: &str, q: &str) -> Vec<(i64, Option<String>)> {
    rt().block_on(async {
        let db = jempol_store::Db::connect(url).await.unwrap();
        let v = jempol_store::run!(&db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(q)).fetch_all(pool).await.unwrap()
        });
        db.close().await;
        v
    })
}

/// One HTTP/1.1 request; `None` when the server is gone (killed) before it answered.
fn serve(env: &Env) -> (Child, u16) {
    let port = free_port();
    let mut child = env
        .cmd(&["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("JEMPOL_ADMIN_PASSWORD", "sandi-pengelola-crash-1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Some((200, _)) = http(port, "GET", "/readyz", &[], "") {
            return (child, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not become ready");
}

fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let at = text.find(before)? + before.len();
    Some(&text[at..at + text[at..].find(after)?])
}

fn login(port: u16) -> String {
    let (status, resp) = http(
        port,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("username=petugas&password={DEMO_PASSWORD}&next=%2F"),
    )
    .unwrap();
    assert_eq!(status, 303, "{resp}");
    resp.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().split(';').next().unwrap_or("").to_string())
        .unwrap()
}

/// Saves the care details of `id` with phone number `counter`; true when the server said saved.
fn save(port: u16, cookie: &str, id: i64, counter: u64) -> Option<bool> {
    let (status, page) = http(port, "GET", &format!("/warga/{id}"), &[("Cookie", cookie)], "")?;
    if status != 200 {
        return Some(false);
    }
    let csrf = between(&page, "name=\"csrf_token\" value=\"", "\"")?.to_string();
    let version = between(&page, "name=\"version\" value=\"", "\"")?.to_string();
    let body = format!("csrf_token={csrf}&version={version}&phone=08{counter:010}");
    let (status, _) = http(
        port,
        "POST",
        &format!("/warga/{id}"),
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &body,
    )?;
    Some(status == 303)
}

/// One round of a storm: the server started and the officer logged in, four workers each
/// calling `send(port, cookie, csrf, worker, n)` with n = 1, 2, 3, … as fast as the server
/// answers, the server killed with `kill -9` at a random moment, then the database checked
/// intact (integrity, audit chain). `send` returns `None` once the server is gone.
fn storm_round<F>(env: &Env, rnd: &mut Lcg, send: F)
where
    F: Fn(u16, &str, &str, usize, u64) -> Option<()> + Send + Sync + 'static,
{
    let (mut server, port) = serve(env);
    let cookie = login(port);
    let (_, home) = http(port, "GET", "/", &[("Cookie", &cookie)], "").unwrap();
    let csrf = between(&home, "name=\"csrf_token\" value=\"", "\"")
        .unwrap()
        .to_string();
    let send = Arc::new(send);
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4usize)
        .map(|w| {
            let (cookie, csrf, stop, send) = (cookie.clone(), csrf.clone(), stop.clone(), send.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    if send(port, &cookie, &csrf, w, n).is_none() {
                        return;
                    }
                }
            })
        })
        .collect();
    // Let the writes run, then pull the plug at a random moment.
    std::thread::sleep(Duration::from_millis(400 + rnd.next(1500)));
    server.kill().unwrap();
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    env.check_intact();
}

#[test]
fn kill_9_while_officers_save_loses_nothing_acknowledged() {
    let env = Env::new("crash");
    let o = env
        .cmd(&["demo", "--residents", "40", "--no-campaign"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ids: Vec<i64> = query_pairs(&env.url, "SELECT id, phone FROM residents ORDER BY id LIMIT 8")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let acked: Arc<Mutex<HashMap<i64, u64>>> = Arc::default();
    let mut rnd = Lcg(setting("JEMPOL_CRASH_SEED", 2026));
    let rounds = setting("JEMPOL_CRASH_ROUNDS", 3);
    for round in 0..rounds {
        // Each worker saves its own people over and over; a person's numbers only grow.
        let (ids, seen) = (ids.clone(), acked.clone());
        storm_round(&env, &mut rnd, move |port, cookie, _, w, n| {
            let mine: Vec<i64> = ids.iter().skip(w).step_by(4).copied().collect();
            let id = mine[n as usize % mine.len()];
            let counter = round * 1_000_000 + n;
            if save(port, cookie, id, counter)? {
                seen.lock().unwrap().insert(id, counter);
            }
            Some(())
        });
        // Every acknowledged save is there (a later one that was never acknowledged may be too).
        let stored: HashMap<i64, u64> = query_pairs(&env.url, "SELECT id, phone FROM residents")
            .into_iter()
            .filter_map(|(id, p)| Some((id, p?.trim_start_matches("08").parse().ok()?)))
            .collect();
        let acked = acked.lock().unwrap();
        assert!(!acked.is_empty(), "round {round}: nothing was saved before the kill");
        for (id, n) in acked.iter() {
            let have = stored.get(id).copied().unwrap_or(0);
            assert!(
                have >= *n,
                "round {round}: resident {id} saved {n}, after the crash {have}"
            );
        }
    }
}

/// Sends one visit outcome (step 5) as the officer's form does; true when the server said it
/// was stored (303: applied, or a conflict for the Kasi, both kept).
fn record(port: u16, cookie: &str, csrf: &str, campaign: i64, resident: i64, client_id: &str) -> Option<bool> {
    let body = format!(
        "csrf_token={csrf}&client_id={client_id}&campaign_id={campaign}&resident_id={resident}&base=&day=2026-12-14\
         &kind=terekam&cap_foto=1&cap_sidik_jari=1&cap_iris=1&cap_tanda_tangan=1"
    );
    let (status, _) = http(
        port,
        "POST",
        "/lapangan/hasil",
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &body,
    )?;
    Some(status == 303)
}

#[test]
fn kill_9_during_a_storm_of_visit_outcomes_loses_nothing_acknowledged() {
    let env = Env::new("crash");
    let o = env.cmd(&["demo", "--residents", "40"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The demo campaign's people: (resident, campaign).
    let people: Vec<(i64, i64)> = query_pairs(
        &env.url,
        "SELECT resident_id, CAST(campaign_id AS TEXT) FROM campaign_residents ORDER BY resident_id",
    )
    .into_iter()
    .filter_map(|(r, c)| Some((r, c?.parse().ok()?)))
    .collect();
    assert!(people.len() >= 8, "{people:?}");
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut rnd = Lcg(setting("JEMPOL_CRASH_SEED", 2026) + 1);
    for round in 0..setting("JEMPOL_CRASH_ROUNDS", 3) {
        // Four devices syncing at once, every person over and over (most become conflicts
        // for the Kasi: stored all the same).
        let (people, seen) = (people.clone(), acked.clone());
        storm_round(&env, &mut rnd, move |port, cookie, csrf, w, n| {
            let mine: Vec<&(i64, i64)> = people.iter().skip(w).step_by(4).collect();
            let (resident, campaign) = mine[n as usize % mine.len()];
            let client_id = format!("crash-{round}-{w}-{n}");
            if record(port, cookie, csrf, *campaign, *resident, &client_id)? {
                seen.lock().unwrap().push(client_id);
            }
            Some(())
        });
        let stored: std::collections::HashSet<String> =
            query_pairs(&env.url, "SELECT id, client_id FROM visit_outcomes")
                .into_iter()
                .filter_map(|(_, c)| c)
                .collect();
        let acked = acked.lock().unwrap();
        assert!(
            acked.iter().any(|c| c.starts_with(&format!("crash-{round}-"))),
            "round {round}: no outcome was stored before the kill"
        );
        let lost: Vec<&String> = acked.iter().filter(|c| !stored.contains(*c)).collect();
        assert!(lost.is_empty(), "round {round}: acknowledged outcomes lost: {lost:?}");
        eprintln!(
            "round {round}: {} outcomes acknowledged so far, all stored",
            acked.len()
        );
    }
}

#[test]
fn kill_9_during_a_large_import_leaves_it_absent_or_complete() {
    let env = Env::new("crash");
    let rows = u32::try_from(setting("JEMPOL_CRASH_ROWS", 20_000)).unwrap();
    let mut rnd = Lcg(setting("JEMPOL_CRASH_SEED", 2026) + 1);
    let rounds = setting("JEMPOL_CRASH_ROUNDS", 3);
    let o = env.cmd(&["migrate"]).output().unwrap();
    assert!(o.status.success());
    let mut outcomes = Vec::new();
    for round in 0..rounds {
        // A list of `rows` people of one desa, valid NIKs (distinct per round).
        let desas = [
            "35.19.02.2001",
            "35.19.02.2003",
            "35.19.02.2004",
            "35.19.02.2005",
            "35.19.02.2006",
        ];
        let desa = desas[round as usize % desas.len()];
        let mut csv = String::from("NIK;NAMA;L/P;TGL LAHIR;KATEGORI\n");
        for i in 0..rows {
            let birth = jiff::civil::date(1940 + (i % 25) as i16, 1 + (i % 12) as i8, 1 + (i % 28) as i8);
            // Distinct NIKs: the birth dates repeat every 2,100 rows, the serial changes every 300.
            let serial = u16::try_from(1 + (i / 300) + (rows / 300 + 1) * round as u32)
                .expect("at most 9,999 serials: fewer rounds or rows");
            let nik = jempol_core::nik::compose("351902", birth, i % 2 == 1, serial);
            csv.push_str(&format!(
                "{nik};WARGA R{round} {i};{};{};LANSIA\n",
                if i % 2 == 1 { "P" } else { "L" },
                birth
            ));
        }
        let file = env.dir.join(format!("daftar-{round}.csv"));
        std::fs::write(&file, &csv).unwrap();
        let mut import = env
            .cmd(&["import-residents", file.to_str().unwrap(), "--desa", desa])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200 + rnd.next(4000)));
        let finished = import.try_wait().unwrap();
        let _ = import.kill();
        import.wait().unwrap();
        env.check_intact();
        let name = format!("daftar-{round}.csv");
        let subs: i64 = query_one(
            &env.url,
            &format!("SELECT COUNT(*) FROM submissions WHERE file_name = '{name}'"),
        );
        let people: i64 = query_one(
            &env.url,
            &format!("SELECT COUNT(*) FROM residents WHERE name LIKE 'WARGA R{round} %'"),
        );
        assert!(subs <= 1, "round {round}: {subs} submissions");
        if let Some(status) = finished {
            assert!(
                status.success() && subs == 1,
                "round {round}: finished before the kill but not saved"
            );
        }
        if subs == 1 {
            let accepted: i64 = query_one(
                &env.url,
                &format!("SELECT accepted + warnings FROM submissions WHERE file_name = '{name}'"),
            );
            assert_eq!(people, accepted, "round {round}: complete");
            assert_eq!(accepted, i64::from(rows), "round {round}: every row");
        } else {
            assert_eq!(people, 0, "round {round}: absent, not half");
        }
        let finished = finished.is_some();
        outcomes.push((finished, subs));
    }
    eprintln!("import rounds (finished before the kill, saved): {outcomes:?}");
}
