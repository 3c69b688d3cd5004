//! The demo campaign (`jempol demo`, `jempol serve --demo`) walked through all 12 steps, and
//! the dashboard, the monthly report and the worklists checked against figures this test
//! counts itself, straight from the records each step leaves (outcomes, production events,
//! handover items, receipts, assistance rows), not through the maintained counts.

use crate::access::resident;
use crate::dashboard::{numbers, row};
use crate::support::*;
use axum::http::StatusCode;
use jempol_core::nik::compose;
use jiff::civil::date;

async fn count(app: &TestApp, sql: &str) -> i64 {
    match &app.db {
        jempol_store::Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(p).await.unwrap(),
        jempol_store::Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(p).await.unwrap(),
    }
}

/// The numbers of the dashboard's total row.
fn totals(html: &str) -> Vec<i64> {
    numbers(row(html, "funnel-desa", "class=\"total\""))
}

#[tokio::test]
async fn the_demo_journey_shows_figures_recounted_from_the_records() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    let people: Vec<_> = (0..60u16)
        .map(|i| {
            let born = date(1945, 1 + (i % 12) as i8, 1 + (i % 28) as i8);
            let desa = if i % 2 == 0 { "35.19.02.2001" } else { "35.19.02.2003" };
            let mut r = resident(&compose("351902", born, i % 2 == 0, i + 1), desa, sop.id);
            r.birth_date = born.to_string();
            r.name = format!("WARGA DEMO {i:02}");
            r.odgj = i % 10 == 3;
            r
        })
        .collect();
    let users = jempol_web::demo::DemoUsers {
        kasi: "kasi_pelayanan",
        camat: "camat",
        petugas: "petugas",
        dukcapil: "dispendukcapil",
        password: PASSWORD,
    };
    let today = date(2026, 11, 2);
    let j = jempol_web::demo::journey(&app.state, &users, people, today)
        .await
        .unwrap();
    // Every step left people behind it and took some further.
    assert_eq!(j.submitted, 60);
    assert!(
        j.verified < j.submitted && j.recorded < j.verified && j.printed < j.recorded,
        "{j:?}"
    );
    assert!(
        j.at_kecamatan < j.printed && j.at_desa < j.at_kecamatan && j.received < j.at_desa,
        "{j:?}"
    );
    assert!(
        j.facilitated > 0 && j.accepted < j.proposed && j.proposed < j.discussed,
        "{j:?}"
    );

    // Recounted from the records, in the funnel's order.
    let expected = vec![
        count(&app, "SELECT COUNT(*) FROM residents").await,
        count(&app, "SELECT COUNT(*) FROM residents WHERE submission_id IS NOT NULL").await,
        count(&app, "SELECT COUNT(*) FROM residents WHERE stage NOT IN ('terdaftar', 'diajukan', 'ditolak', 'digabung')").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM campaign_residents").await,
        count(&app, "SELECT COUNT(DISTINCT cr.resident_id) FROM campaign_residents cr JOIN campaign_plans p ON p.campaign_id = cr.campaign_id AND p.status = 'camat'").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM visit_outcomes WHERE kind = 'terekam'").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM production_events WHERE code = 'kartu_tercetak'").await,
        count(&app, "SELECT COUNT(DISTINCT i.resident_id) FROM handover_items i JOIN handovers h ON h.id = i.handover_id WHERE h.kind = 'kecamatan' AND i.status = 'diterima'").await,
        count(&app, "SELECT COUNT(DISTINCT i.resident_id) FROM handover_items i JOIN handovers h ON h.id = i.handover_id WHERE h.kind = 'desa' AND i.status = 'diterima'").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM card_receipts").await,
        count(&app, "SELECT COUNT(*) FROM welfare").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM proposals").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM proposals WHERE result = 'diterima'").await,
        count(&app, "SELECT COUNT(DISTINCT resident_id) FROM facilitations").await,
    ];
    let summary = [
        60,
        j.submitted,
        j.verified,
        j.verified,
        j.verified,
        j.recorded,
        j.printed,
        j.at_kecamatan,
        j.at_desa,
        j.received,
        j.discussed,
        j.proposed,
        j.accepted,
        j.facilitated,
    ];
    assert_eq!(
        expected,
        summary.iter().map(|n| *n as i64).collect::<Vec<_>>(),
        "the records say what the journey did"
    );

    // The Camat's dashboard.
    let camat = app.login("camat").await;
    let page = app.get("/dasbor", Some(&camat)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(totals(&page.body), expected, "dashboard");
    // The campaign filter: the same people.
    let one = app
        .get(&format!("/dasbor?gelombang={}", j.campaign_id), Some(&camat))
        .await;
    assert_eq!(totals(&one.body)[3..], expected[3..], "one campaign");

    // The monthly report's totals row in its XLSX.
    let kasi = app.login("kasi_pelayanan").await;
    let x = app.get("/laporan/bulanan.xlsx?bulan=2026-11", Some(&kasi)).await;
    assert_eq!(x.status, StatusCode::OK);
    let sheets = jempol_import::read_sheets("m.xlsx", &x.bytes).unwrap();
    let total = sheets[0].1.rows.last().unwrap();
    assert_eq!(total.cells[0].text, "Jumlah");
    let report: Vec<i64> = total.cells[1..].iter().map(|c| c.text.parse().unwrap()).collect();
    assert_eq!(report, expected, "monthly report");
    // Work finished in November per step: recorded, printed, handed over, as the records say.
    let steps = &sheets[1].1.rows;
    let done = |n: &str| {
        steps
            .iter()
            .find(|r| r.cells[0].text.starts_with(n))
            .map(|r| r.cells[2].text.parse::<i64>().unwrap())
            .unwrap()
    };
    assert_eq!(done("5."), expected[5] + count(&app, "SELECT COUNT(*) FROM campaign_residents cr JOIN visit_outcomes o ON o.id = cr.outcome_id WHERE cr.resolved = TRUE AND o.kind <> 'terekam'").await);
    assert_eq!(done("6."), expected[6]);
    assert_eq!(
        done("7."),
        count(
            &app,
            "SELECT COUNT(*) FROM handovers WHERE kind = 'kecamatan' AND confirmed_at IS NOT NULL"
        )
        .await
    );
    assert_eq!(
        done("8."),
        count(
            &app,
            "SELECT COUNT(*) FROM handovers WHERE kind = 'desa' AND confirmed_at IS NOT NULL"
        )
        .await
    );
    assert_eq!(done("12."), count(&app, "SELECT COUNT(*) FROM facilitations").await);

    // The worklists: the officer's running visits are the people not yet visited; the
    // Dispendukcapil operator's running cards are those recorded and not printed.
    let petugas = app.login("petugas").await;
    let tasks = app.get("/tugas", Some(&petugas)).await.body;
    let visits_left = count(&app, "SELECT COUNT(*) FROM campaign_residents WHERE resolved = FALSE").await;
    assert!(visits_left > 0);
    assert_eq!(tasks.matches("data-step=\"5\"").count() as i64, visits_left, "{tasks}");
    let dukcapil = app.login("dispendukcapil").await;
    let tasks = app.get("/tugas", Some(&dukcapil)).await.body;
    assert_eq!(
        tasks.matches("data-step=\"6\"").count() as i64,
        expected[5] - expected[6],
        "{tasks}"
    );
}
