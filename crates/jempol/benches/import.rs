//! Import benchmark (issue 3, step 1): a generated village list of N rows (default 100,000) as a
//! real XLSX file is read, checked row by row, checked against known residents and saved as one
//! submission — the path `jempol import-residents` takes — beside a raw batched insert of the
//! same rows, each into a fresh SQLite file on this machine. Prints a Markdown table for
//! docs/benchmarks.md.
//!
//!     cargo bench -p jempol --bench import            # 100,000 rows
//!     cargo bench -p jempol --bench import -- 20000   # another size
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../src/demo.rs"]
#[allow(dead_code, unused_imports)]
mod demo;

use jempol_store::{Actor, Db};
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn fresh_db(dir: &std::path::Path, name: &str) -> Db {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let db = Db::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    db.migrate(0).await.unwrap();
    let regions = jempol_store::regions::parse_regions_csv(jempol_store::regions::MADIUN_CSV.as_bytes()).unwrap();
    db.upsert_regions(&regions, &Actor::system("bench"), 0).await.unwrap();
    db.ensure_builtin_sop(&Actor::system("bench"), 0).await.unwrap();
    db
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = std::env::temp_dir().join(format!("jempol-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let today = jiff::civil::date(2026, 11, 29);
        let mut g = demo::Generator::new(42, 1, 2026, 1);
        let people: Vec<_> = (0..rows)
            .map(|_| {
                let mut r = g.next_resident();
                r.desa_code = "35.19.02.2001".into();
                r
            })
            .collect();

        // The village's file: strings everywhere, as the template asks.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let header = ["NO", "NIK", "NO. KK", "NAMA", "L/P", "TEMPAT LAHIR", "TGL LAHIR", "DUSUN", "RT", "RW", "KATEGORI"];
        ws.write_string(0, 0, "DATA KAUM RENTAN DESA LEMBAH").unwrap();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        for (i, p) in people.iter().enumerate() {
            let r = 3 + i as u32;
            let mut cat = Vec::new();
            if p.disabilitas {
                cat.push(format!("DISABILITAS {}", p.disability_kind.clone().unwrap_or_default().replace("sensorik_", "").to_uppercase()));
            }
            if p.odgj {
                cat.push("ODGJ".to_string());
            }
            let born: jiff::civil::Date = p.birth_date.parse().unwrap();
            let values = [
                (i + 1).to_string(),
                p.nik.clone(),
                p.no_kk.clone(),
                p.name.clone(),
                p.sex.clone(),
                p.birth_place.clone(),
                born.strftime("%d-%m-%Y").to_string(),
                p.dusun.clone(),
                p.rt.clone(),
                p.rw.clone(),
                cat.join(", "),
            ];
            for (c, v) in values.iter().enumerate() {
                ws.write_string(r, c as u16, v).unwrap();
            }
        }
        let bytes = wb.save_to_buffer().unwrap();

        // 1. Read and check only (no database).
        let t = Instant::now();
        let grid = jempol_import::read("lembah.xlsx", &bytes).unwrap();
        let m = jempol_import::find_header(&grid).unwrap();
        let report = jempol_import::check_rows(&grid, &m, today, &|c| c == "35.19.02");
        let parse_s = t.elapsed().as_secs_f64();
        let accepted = report.iter().filter(|r| r.status != jempol_import::RowStatus::Rejected).count();

        // 2. The whole import: read, check, known-resident check, save as one submission.
        let db = fresh_db(&dir, "import.db").await;
        let desa = db.region("35.19.02.2001").await.unwrap().unwrap();
        let t = Instant::now();
        let mut full = jempol_web::intake::check_file(&db, "lembah.xlsx", &bytes, today).await.unwrap();
        jempol_web::intake::send(&db, &desa, "cli", Some("lembah.xlsx"), &mut full, &Actor::system("bench"), 1).await.unwrap();
        let import_s = t.elapsed().as_secs_f64();
        let saved = db.count_residents(&jempol_core::Scope::Desa { code: desa.code.clone() }).await.unwrap();

        // 3. The ceiling: a raw batched insert of the same rows.
        let raw_db = fresh_db(&dir, "raw.db").await;
        let t = Instant::now();
        raw_db.insert_residents(&people, "bench", 1).await.unwrap();
        let raw_s = t.elapsed().as_secs_f64();

        let rate = |s: f64| rows as f64 / s;
        println!("| rows | step | seconds | rows/s |");
        println!("|---:|---|---:|---:|");
        println!("| {rows} | read + check the XLSX (no database) | {parse_s:.2} | {:.0} |", rate(parse_s));
        println!("| {rows} | whole import: read, check, known NIKs, save submission + residents + history | {import_s:.2} | {:.0} |", rate(import_s));
        println!("| {rows} | raw batched insert of the same rows (ceiling) | {raw_s:.2} | {:.0} |", rate(raw_s));
        println!();
        println!(
            "Import at {:.0} % of the raw-insert ceiling; {accepted} rows accepted by the checks, {saved} residents saved; XLSX {:.1} MB; peak memory {:.0} MB.",
            100.0 * raw_s / import_s,
            bytes.len() as f64 / 1e6,
            peak_rss_mb()
        );
        let _ = std::fs::remove_dir_all(&dir);
    });
}
