#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `jempol` binary as an operator uses it: commands, exit codes, messages, and two
//! `serve` processes on one database sharing sessions. Runs against the database chosen by
//! `TEST_DATABASE_URL` (unset: SQLite files in a temporary folder).

use std::io::Write;
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{BIN, Env, free_port, try_http};

impl Env {
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = self.cmd(args);
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A minimal HTTP/1.1 request to a server that must answer: (status, headers+body text).
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    try_http(port, method, path, headers, body).expect("the server answers")
}

struct Server(Child, u16);

impl Server {
    fn start(env: &Env, admin_password: Option<&str>) -> Server {
        let port = free_port();
        let mut c = env.cmd(&["serve", "--listen", &format!("127.0.0.1:{port}")]);
        if let Some(p) = admin_password {
            c.env("JEMPOL_ADMIN_PASSWORD", p);
        }
        let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() && http(port, "GET", "/readyz", &[], "").0 == 200 {
                return Server(child, port);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let o = child.wait_with_output().unwrap();
        panic!("server did not become ready: {}", out(&o));
    }

    /// Sends SIGTERM and returns what the process printed; it must exit cleanly.
    fn stop(mut self) -> String {
        Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        let o = std::mem::replace(&mut self.0, Command::new("true").spawn().unwrap())
            .wait_with_output()
            .unwrap();
        assert!(o.status.success(), "graceful shutdown: {}", out(&o));
        out(&o)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

#[test]
fn users_tokens_and_health_from_the_command_line() {
    let env = Env::new("cli");
    let o = env.run(&["check"], None);
    assert_eq!(o.status.code(), Some(2), "fresh database needs migrating: {}", out(&o));
    assert!(out(&o).contains("jempol migrate"));
    assert!(env.run(&["migrate"], None).status.success());
    let o = env.run(
        &[
            "user",
            "add",
            "--username",
            "admin2",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("sandi-pengelola-kedua\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(env.run(&["check"], None).status.code(), Some(0));
    // Validation explains.
    let o = env.run(
        &[
            "user",
            "add",
            "--username",
            "op",
            "--role",
            "operator_desa",
            "--password-stdin",
        ],
        Some("sandi-operator-1\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("desa_code: Peran ini bekerja untuk satu desa"),
        "{}",
        out(&o)
    );
    let o = env.run(
        &["user", "add", "--username", "x", "--role", "lurah", "--password-stdin"],
        Some("sandi-operator-1\n"),
    );
    assert!(out(&o).contains("peran \"lurah\" tidak dikenal"));
    let o = env.run(
        &[
            "user",
            "add",
            "--username",
            "desa.doho",
            "--role",
            "operator_desa",
            "--desa",
            "35.19.02.2010",
            "--password-stdin",
        ],
        Some("sandi-operator-1\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = env.run(
        &[
            "user",
            "add",
            "--username",
            "kosong",
            "--role",
            "petugas",
            "--password-stdin",
        ],
        Some(""),
    );
    assert!(out(&o).contains("kata sandi kosong"));
    let list = out(&env.run(&["user", "list"], None));
    assert!(list.contains("desa.doho") && list.contains("35.19.02.2010"));
    // Token: printed once, usable, revocable.
    let o = env.run(&["token", "create", "--username", "desa.doho"], None);
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(token.starts_with("jmp_"), "{}", out(&o));
    let server = Server::start(&env, None);
    let auth = format!("Bearer {token}");
    let (status, body) = http(server.1, "GET", "/api/v1/me", &[("Authorization", &auth)], "");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"desa_code\":\"35.19.02.2010\"") && body.contains("\"kind\":\"desa\""));
    let listed = out(&env.run(&["token", "list"], None));
    let id = listed
        .lines()
        .find(|l| l.contains("desa.doho"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(env.run(&["token", "revoke", "--id", &id], None).status.success());
    assert_eq!(
        http(server.1, "GET", "/api/v1/me", &[("Authorization", &auth)], "").0,
        401
    );
    // Password change and disabling.
    assert!(
        env.run(
            &["user", "passwd", "--username", "desa.doho", "--password-stdin"],
            Some("sandi-baru-doho-1\n")
        )
        .status
        .success()
    );
    assert!(
        env.run(&["user", "disable", "--username", "desa.doho"], None)
            .status
            .success()
    );
    assert!(out(&env.run(&["user", "list"], None)).contains("nonaktif"));
    server.stop();
    // A database that cannot be reached fails the check with exit code 1.
    let o = Command::new(BIN)
        .args(["--database-url", "postgres://nobody@127.0.0.1:1/none", "check"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(!out(&o).contains("rahasia"));
}

#[test]
fn two_serve_processes_share_sessions_and_stop_gracefully() {
    let env = Env::new("cli");
    let a = Server::start(&env, Some("sandi-pengelola-bersama"));
    let b = Server::start(&env, None);
    let (status, resp) = http(
        a.1,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "username=admin&password=sandi-pengelola-bersama&next=%2F",
    );
    assert_eq!(status, 303, "{resp}");
    let cookie = resp
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie: jempol_sid="))
        .unwrap()[12..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (status, page) = http(b.1, "GET", "/", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "the second process knows the session: {page}");
    assert!(page.contains("Kelola pengguna dan peran"));
    // Logging out on the second ends the session on the first.
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, _) = http(
        b.1,
        "POST",
        "/logout",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("csrf_token={csrf}"),
    );
    assert_eq!(status, 303);
    assert_eq!(http(a.1, "GET", "/", &[("Cookie", &cookie)], "").0, 303);
    let log = a.stop();
    assert!(
        log.contains("Admin pertama dibuat: admin (kata sandi dari JEMPOL_ADMIN_PASSWORD)"),
        "{log}"
    );
    b.stop();
}

#[test]
fn first_start_prints_a_generated_admin_password_once() {
    let env = Env::new("cli");
    let first = Server::start(&env, None).stop();
    let line = first
        .lines()
        .find(|l| l.contains("Kata sandi:"))
        .unwrap_or_else(|| panic!("{first}"));
    let password = line.rsplit("Kata sandi: ").next().unwrap().trim().to_string();
    assert!(password.len() >= 12);
    let second = Server::start(&env, None);
    let body = format!("username=admin&password={password}&next=%2F");
    assert_eq!(
        http(
            second.1,
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &body
        )
        .0,
        303
    );
    let log = second.stop();
    assert!(!log.contains("Kata sandi:"), "printed only once");
    assert!(log.contains("Jempol berjalan di http://127.0.0.1:"));
    if env.is_sqlite() {
        assert!(env.dir.join("jempol.db-wal").exists() || env.dir.join("jempol.db").exists());
    }
}

#[test]
fn backup_copies_a_live_database() {
    let env = Env::new("cli");
    let server = Server::start(&env, Some("sandi-pengelola-cadangan"));
    let dest = env.dir.join("cadangan.db");
    let o = env.run(&["backup", dest.to_str().unwrap()], None);
    if !env.is_sqlite() {
        assert_eq!(o.status.code(), Some(2));
        assert!(out(&o).contains("pg_dump"));
        server.stop();
        return;
    }
    assert!(o.status.success(), "{}", out(&o));
    server.stop();
    // The copy is a complete database: serve it and log in.
    let copy = Env {
        dir: env.dir.join("pulih"),
        url: format!("sqlite://{}", dest.display()),
    };
    std::fs::create_dir_all(&copy.dir).unwrap();
    let restored = Server::start(&copy, None);
    let body = "username=admin&password=sandi-pengelola-cadangan&next=%2F";
    assert_eq!(
        http(
            restored.1,
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body
        )
        .0,
        303
    );
    restored.stop();
    let again = env.run(&["backup", dest.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(out(&again).contains("sudah ada"));
}

#[test]
fn sop_definitions_are_checked_with_clear_errors() {
    let env = Env::new("cli");
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sop/dolopo-2020.toml");
    let o = env.run(&["sop", "check", good], None);
    assert!(o.status.success());
    assert!(out(&o).contains("12 langkah, 6 pelaksana"));
    let text = std::fs::read_to_string(good)
        .unwrap()
        .replace("time = \"2 jam\"", "time = \"dua jam\"")
        .replace("version = \"2020-1\"", "version = \"2026-2\"");
    let bad = env.dir.join("salah.toml");
    std::fs::write(&bad, &text).unwrap();
    let o = env.run(&["sop", "check", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("steps[3].time: waktu \"dua jam\""), "{}", out(&o));
    let fixed = env.dir.join("revisi.toml");
    std::fs::write(&fixed, text.replace("dua jam", "3 jam")).unwrap();
    let o = env.run(&["sop", "load", fixed.to_str().unwrap(), "--activate"], None);
    assert!(o.status.success(), "{}", out(&o));
    let check = out(&env.run(&["check"], None));
    assert!(check.contains("SOP aktif jemput-bola-ektp 2026-2"), "{check}");
}

#[test]
fn demo_fills_dolopo_and_regions_import_loads_a_list() {
    let env = Env::new("cli");
    let o = env.run(&["demo", "--residents", "3000"], None);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("3000 warga demo Kecamatan Dolopo ditambahkan"));
    assert!(text.contains("camat, kasi, petugas, desa.lembah, dukcapil, dinsos, pendamping.lembah"));
    // A second run adds more without failing on existing demo users.
    let o = env.run(&["demo", "--residents", "10"], None);
    assert!(o.status.success(), "{}", out(&o));
    let csv = env.dir.join("wilayah.csv");
    std::fs::write(&csv, "kode,nama,level,jenis,lat,lng\n35.20,Kabupaten Magetan,2,kabupaten,-7.64,111.35\n35.20.01,Poncol,3,kecamatan,,\n").unwrap();
    let o = env.run(&["regions", "import", csv.to_str().unwrap()], None);
    assert!(
        o.status.success() && out(&o).contains("2 wilayah dimuat"),
        "{}",
        out(&o)
    );
    std::fs::write(&csv, "kode,nama,level,jenis\n35.20.1,Salah,3,kecamatan\n").unwrap();
    let o = env.run(&["regions", "import", csv.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("baris 2"), "{}", out(&o));
}

const LEMBAH_CSV: &str = "DAFTAR KAUM RENTAN DESA LEMBAH;;;;;\r\n\
NO;NIK;NAMA;L/P;TGL LAHIR;KATEGORI\r\n\
1;3519024703480012;SUMIATI;P;07-03-1948;LANSIA\r\n\
2;3519021208550003;SUPARMAN;L;12/8/55;LANSIA, DISABILITAS RUNGU\r\n\
3;3,51902E+15;PAINEM;P;;LANSIA\r\n\
4;3519021208550003;SUPARMAN;L;1955-08-12;LANSIA\r\n\
5;3519020101850009;TARNO;L;01-01-1985;\r\n\
;;;;;\r\n\
JUMLAH;5;;;;\r\n";

#[test]
fn import_residents_reports_every_row_and_saves_a_submission() {
    let env = Env::new("cli");
    let file = env.dir.join("lembah.csv");
    std::fs::write(&file, LEMBAH_CSV).unwrap();
    let f = file.to_str().unwrap();
    // Dry run: exactly one JSON object, counts partition the data rows, nothing saved.
    let o = env.run(
        &["import-residents", f, "--desa", "35.19.02.2001", "--dry-run", "--json"],
        None,
    );
    assert!(o.status.success(), "{}", out(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(stdout.trim().lines().count(), 1, "one JSON object: {stdout}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (
            report["accepted"].as_u64(),
            report["warnings"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(2), Some(0), Some(3))
    );
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "title, header, blank and totals rows are not data rows");
    let row = |n: u64| rows.iter().find(|r| r["row"] == n).unwrap();
    assert_eq!(row(3)["status"], "accepted");
    assert_eq!(row(5)["status"], "rejected");
    assert_eq!(row(5)["nik"], "3,51902E+15");
    assert_eq!(row(5)["messages"][0]["code"], "nik_excel_number");
    assert_eq!(row(5)["messages"][0]["column"], "NIK (kolom B)");
    assert!(row(5)["messages"][0]["text"].as_str().unwrap().contains("Teks"));
    assert_eq!(row(6)["messages"][0]["code"], "nik_duplicate_in_file");
    assert_eq!(row(7)["messages"][0]["code"], "category_missing");
    assert!(report.get("submission_id").is_none());

    // Saved: a submission with the accepted rows as residents.
    let o = env.run(&["import-residents", f, "--desa", "35.19.02.2001"], None);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("diterima: 2   dengan peringatan: 0   ditolak: 3"),
        "{text}"
    );
    assert!(text.contains("baris 5     ditolak    NIK (kolom B)"), "{text}");
    assert!(
        text.contains("Disimpan sebagai pengajuan #1: 2 warga diajukan"),
        "{text}"
    );

    // The same list again: the people are known now; nothing can be saved, and it says so.
    let o = env.run(&["import-residents", f, "--desa", "35.19.02.2001", "--json"], None);
    assert_eq!(o.status.code(), Some(1));
    let again: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["rows"][0]["messages"][0]["code"], "nik_known");
    assert!(
        again["rows"][0]["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Lembah")
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("Tidak ada baris yang bisa disimpan"));

    // Wrong desa, foreign desa, wrong file type.
    let o = env.run(&["import-residents", f, "--desa", "35.19.02"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("Kode desa \"35.19.02\" tidak sah"));
    let o = env.run(&["import-residents", f, "--desa", "35.19.01.2001"], None);
    assert!(out(&o).contains("tidak berada di kecamatan"), "{}", out(&o));
    let pdf = env.dir.join("daftar.pdf");
    std::fs::write(&pdf, b"%PDF").unwrap();
    let o = env.run(
        &["import-residents", pdf.to_str().unwrap(), "--desa", "35.19.02.2001"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("Jenis berkas"), "{}", out(&o));
}

#[test]
fn plan_prints_the_same_plan_for_the_same_seed_and_explains_bad_instances() {
    let env = Env::new("cli");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/plan-instance.json");
    let a = env.run(&["plan", example, "--seed", "4"], None);
    assert!(a.status.success(), "{}", out(&a));
    let plan: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(plan["summary"]["visits"], 8);
    assert_eq!(plan["summary"]["planned"], 7, "{plan}");
    // w-08 is home only on a Saturday.
    assert_eq!(plan["unplanned"][0]["id"], "w-08");
    assert_eq!(plan["unplanned"][0]["code"], "window_outside_days");
    assert_eq!(plan["days"].as_array().unwrap().len(), 10);
    let b = env.run(&["plan", example, "--seed", "4"], None);
    assert_eq!(a.stdout, b.stdout, "same instance, same seed: same plan");
    let bad = env.dir.join("rusak.json");
    std::fs::write(&bad, r#"{"depot": {"lat": -7.7}, "teams": [], "visits": []}"#).unwrap();
    let o = env.run(&["plan", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("bukan instance perencana yang sah"), "{}", out(&o));
    std::fs::write(
        &bad,
        r#"{"depot": {"lat": -7.7, "lng": 111.5}, "start_date": "2026-12-14", "teams": [], "visits": []}"#,
    )
    .unwrap();
    let o = env.run(&["plan", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("Tidak ada tim"), "{}", out(&o));
}

/// Runs one statement on the test database directly, as someone with database access could.
fn tamper(env: &Env, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = jempol_store::Db::connect(&env.url).await.unwrap();
        jempol_store::run!(&db, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
        });
        db.close().await;
    });
}

#[test]
fn audit_verify_says_whether_the_chain_is_whole() {
    let env = Env::new("cli");
    for u in ["desa.a", "desa.b", "desa.c"] {
        let o = env.run(
            &["user", "add", "--username", u, "--role", "camat", "--password-stdin"],
            Some("kata-sandi-panjang-1\n"),
        );
        assert!(o.status.success(), "{}", out(&o));
    }
    let o = env.run(&["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("Log audit utuh") && out(&o).contains("Kepala rantai"),
        "{}",
        out(&o)
    );
    tamper(
        &env,
        "DELETE FROM audit_log WHERE entity_id = (SELECT CAST(id AS TEXT) FROM users WHERE username = 'desa.b')",
    );
    let o = env.run(&["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("LOG AUDIT RUSAK") && out(&o).contains("hilang"),
        "{}",
        out(&o)
    );
}
