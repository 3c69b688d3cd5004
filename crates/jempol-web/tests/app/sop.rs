//! The SOP as data: the page and the API match the signed sheet row for row, the OpenAPI
//! document matches the routes, and revisions load with explanations.

use crate::support::*;
use axum::http::StatusCode;
use jempol_core::Role;

const SEED: &str = include_str!("../../../../sop/seed/sop-jemput-bola-ektp-dolopo.txt");

struct SeedRow {
    no: String,
    activity: String,
    inputs: String,
    time: String,
    output: String,
}

/// The 12 rows of the sheet's table: No, Kegiatan, six lane cells, Kelengkapan, Waktu, Output, Ket.
fn seed_rows() -> Vec<SeedRow> {
    SEED.lines()
        .filter(|l| {
            l.split('\t')
                .next()
                .is_some_and(|c| !c.is_empty() && c.chars().all(|x| x.is_ascii_digit()))
        })
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            SeedRow {
                no: c[0].into(),
                activity: c[1].into(),
                inputs: c[8].into(),
                time: c[9].into(),
                output: c[10].into(),
            }
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn api_matches_the_signed_sheet_row_for_row() {
    let app = TestApp::new().await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let sop = app.api("/api/v1/sop", Some(&app.token("petugas1").await)).await.json();
    let steps = sop["definition"]["steps"].as_array().unwrap();
    let seed = seed_rows();
    assert_eq!(seed.len(), 12);
    assert_eq!(steps.len(), seed.len());
    for (s, r) in steps.iter().zip(&seed) {
        assert_eq!(s["no"].to_string(), r.no);
        assert_eq!(s["activity"], r.activity.as_str());
        assert_eq!(s["inputs"], r.inputs.as_str());
        assert_eq!(s["time"], r.time.as_str());
        assert_eq!(s["output"], r.output.as_str());
    }
    // Lanes, in the sheet's column order.
    let labels: Vec<&str> = sop["definition"]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Camat",
            "Kasi Pelayanan",
            "Staf/ Petugas",
            "Pemerintah Desa/kel",
            "Dispendukcapil /Kesra/Dinsos",
            "Penedes/ kel"
        ]
    );
    // Identity block.
    let id = &sop["definition"]["identity"];
    assert_eq!(id["number"], "130/547/402.403/2020");
    assert_eq!(id["made_on"], "2020-06-18");
    assert_eq!(id["effective_on"], "2020-07-01");
    assert!(id["revised_on"].is_null());
    assert_eq!(id["approver"]["nip"], "19720524 199703 1 004");
    assert!(SEED.contains(id["approver"]["name"].as_str().unwrap()));
    assert!(SEED.contains(id["government"].as_str().unwrap()) && SEED.contains(id["unit"].as_str().unwrap()));
    for block in ["legal_bases", "qualifications", "related_sops", "equipment"] {
        for item in sop["definition"]["sheet"][block].as_array().unwrap() {
            assert!(SEED.contains(item.as_str().unwrap()), "{block}: {item}");
        }
    }
    assert!(SEED.contains(sop["definition"]["sheet"]["warning"].as_str().unwrap()));
    // Parsed standards: 10 hari are working days.
    let st = &sop["standards"];
    assert_eq!(st[0]["standard"], serde_json::json!({"unit": "minutes", "amount": 5}));
    assert_eq!(
        st[4]["standard"],
        serde_json::json!({"unit": "working_days", "amount": 10})
    );
    assert_eq!(st[4]["working_minutes"], 4500);
    assert_eq!(st[2]["working_minutes"], 120);
}

#[tokio::test]
async fn the_sop_page_shows_the_sheet_in_the_official_layout() {
    let app = TestApp::new().await;
    app.add_user("desa1", Role::OperatorDesa, Some("35.19.02.2001")).await;
    let b = app.login("desa1").await;
    let page = app.get("/sop", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for r in seed_rows() {
        let at = body
            .find(&format!("data-step=\"{}\"", r.no))
            .unwrap_or_else(|| panic!("row {}", r.no));
        let row = &body[at..at + body[at..].find("</tr>").unwrap()];
        for cell in [&r.activity, &r.inputs, &r.time, &r.output] {
            assert!(row.contains(&html_escape(cell)), "row {} lacks {cell:?}", r.no);
        }
    }
    for s in [
        "Nomor SOP",
        "130/547/402.403/2020",
        "18 Juni 2020",
        "01 Juli 2020",
        "Tanggal Revisi</th><td>-",
        "HERY PAKAR NUGROHO",
        "NIP. 19720524 199703 1 004",
        "DASAR HUKUM",
        "KUALIFIKASI PELAKSANA",
        "KETERKAITAN",
        "PERALATAN/PERLENGKAPAN",
        "KETEPATAN DAN PENDATAAN",
        "PELAKSANA",
        "Mutu Baku",
        "Kelengkapan",
        "SOLICHOEL ARIF",
    ] {
        assert!(body.contains(s), "SOP page lacks {s:?}");
    }
    // The flowchart: 12 symbols, 11 arrows, capsules at both ends.
    assert_eq!(body.matches("class=\"sym\"").count(), 12);
    assert_eq!(body.matches("class=\"flowline\"").count(), 11);
    assert!(body.contains("role=\"img\""));
}

#[tokio::test]
async fn openapi_document_matches_the_routes_snapshot() {
    let app = TestApp::new().await;
    let served = app.api("/api/v1/openapi.json", None).await;
    assert_eq!(served.status, StatusCode::OK);
    let doc = serde_json::to_string_pretty(&served.json()).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
    if std::env::var("JEMPOL_UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")).unwrap();
        std::fs::write(path, &doc).unwrap();
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        doc == expected,
        "OpenAPI changed: review, then run with JEMPOL_UPDATE_SNAPSHOTS=1 to accept"
    );
    let json = served.json();
    for p in [
        "/api/v1/sop",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/regions/{code}",
        "/api/v1/openapi.json",
    ] {
        assert!(json["paths"][p].is_object(), "{p} documented");
    }
}

#[tokio::test]
async fn a_revised_sop_loads_and_running_cases_keep_theirs() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    app.add_user("kasi1", Role::KasiPelayanan, None).await;
    let b = app.login("admin1").await;
    let (first, _) = app.db.active_sop().await.unwrap();
    // Broken definition: every problem listed, the text kept.
    let broken = jempol_core::sop::BUILTIN_TOML
        .replace("version = \"2020-1\"", "version = \"2026-1\"")
        .replace("time = \"30 menit\"", "time = \"setengah jam\"");
    let r = app
        .post("/admin/sop", Some(&b), &[("toml", &broken), ("activate", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("steps[4].time"), "{}", r.body);
    assert!(r.body.contains("setengah jam"), "text kept");
    // Same version again: a conflict that says what to change.
    let r = app
        .post(
            "/admin/sop",
            Some(&b),
            &[("toml", jempol_core::sop::BUILTIN_TOML), ("activate", "1")],
        )
        .await;
    assert!(r.body.contains("naikkan nilai version"));
    // A real revision: 5 working days of recording instead of 10.
    let revised = jempol_core::sop::BUILTIN_TOML
        .replace("version = \"2020-1\"", "version = \"2026-1\"")
        .replace("time = \"10 hari\"", "time = \"5 hari\"");
    let r = app
        .post("/admin/sop", Some(&b), &[("toml", &revised), ("activate", "1")])
        .await;
    assert_eq!(r.location(), "/admin/sop?ok=sopadmin.loaded");
    let (active, def) = app.db.active_sop().await.unwrap();
    assert_ne!(active.id, first.id);
    assert_eq!(def.steps[4].time, "5 hari");
    let versions = app.db.list_sops().await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(
        versions.iter().any(|v| v.id == first.id && !v.active),
        "the old revision is kept for running cases"
    );
    let api = app.api("/api/v1/sop", Some(&app.token("kasi1").await)).await.json();
    assert_eq!(api["revision_id"], active.id);
}
