//! UU 27/2022 drills: the Camat produces, in minutes, the breach report (which data of whom,
//! when, how, by which account, in a time window) and a person's own report (their data and
//! who opened or changed it). Both are audited; no one else may produce them.

use crate::support::*;
use axum::http::StatusCode;

async fn id_named(app: &TestApp, name: &str) -> i64 {
    app.db
        .list_residents(
            &jempol_core::Scope::Kabupaten { code: "35.19".into() },
            &jempol_store::residents::ResidentFilter {
                q: Some(name.into()),
                ..Default::default()
            },
            None,
            5,
        )
        .await
        .unwrap()[0]
        .id
}

#[tokio::test]
async fn the_camat_produces_the_breach_report_and_a_persons_own_report() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    crate::campaigns::fill(&app).await;
    let (a, b, far) = (
        id_named(&app, "WARGA GELOMBANG 02").await,
        id_named(&app, "WARGA GELOMBANG 04").await,
        id_named(&app, "WARGA KECAMATAN LAIN").await,
    );
    // What happened: an officer opens one person and downloads the list; the Kasi corrects
    // another; the next day the village operator opens the first again.
    let petugas = app.login("petugas").await;
    assert_eq!(
        app.get(&format!("/warga/{a}"), Some(&petugas)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/warga/ekspor.csv?kategori=odgj", Some(&petugas)).await.status,
        StatusCode::OK
    );
    let kasi = app.login("kasi_pelayanan").await;
    let r = app
        .post(
            &format!("/warga/{b}"),
            Some(&kasi),
            &[("version", "0"), ("phone", "081299990000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.clock.advance_minutes(24 * 60);
    let desa = app.login("operator_desa").await;
    assert_eq!(
        app.get(&format!("/warga/{a}"), Some(&desa)).await.status,
        StatusCode::OK
    );

    let camat = app.login("camat").await;
    assert!(
        app.get("/audit", Some(&camat))
            .await
            .body
            .contains("href=\"/audit/laporan-kebocoran\"")
    );
    // The whole first day: both accounts, both people, the download with its filter.
    let day1 = app
        .get(
            "/audit/laporan-kebocoran?from=2026-11-02&until=2026-11-02",
            Some(&camat),
        )
        .await;
    assert_eq!(day1.status, StatusCode::OK);
    let body = &day1.body;
    assert!(
        body.contains("WARGA GELOMBANG 02") && body.contains("WARGA GELOMBANG 04"),
        "{body}"
    );
    assert!(body.contains("membuka data pribadinya") && body.contains("mengubah datanya"));
    assert!(body.contains("<td>petugas</td>") && body.contains("<td>kasi_pelayanan</td>"));
    assert!(
        body.contains("odgj") && body.contains("&#34;rows&#34;"),
        "the download and its filter: {body}"
    );
    assert!(
        !body.contains("operator_desa</td>"),
        "the next day is outside the window"
    );
    assert!(!body.contains("3519020"), "the Camat sees NIKs masked");
    // One account only.
    let only = app
        .get(
            "/audit/laporan-kebocoran?from=2026-11-02&until=2026-11-03&actor=operator_desa",
            Some(&camat),
        )
        .await
        .body;
    assert!(only.contains("WARGA GELOMBANG 02") && !only.contains("WARGA GELOMBANG 04"));
    // Dates that cannot be read are explained next to their field.
    let bad = app
        .get(
            "/audit/laporan-kebocoran?from=2026-11-05&until=2026-11-01",
            Some(&camat),
        )
        .await
        .body;
    assert!(bad.contains("id=\"b-until-err\"") && bad.contains("sesudah tanggal awal"));
    let bad = app
        .get("/audit/laporan-kebocoran?from=kemarin&until=2026-11-01", Some(&camat))
        .await
        .body;
    assert!(bad.contains("aria-describedby=\"b-from-err\""));

    // The person's own report: their data and every look at it, oldest first.
    let own = app.get(&format!("/warga/{a}/akses"), Some(&camat)).await;
    assert_eq!(own.status, StatusCode::OK);
    let first = own.body.find("<td>petugas</td>").unwrap();
    let second = own.body.find("<td>operator_desa</td>").unwrap();
    assert!(first < second, "oldest first");
    assert!(own.body.contains("WARGA GELOMBANG 02") && !own.body.contains("WARGA GELOMBANG 04"));
    assert!(
        app.get(&format!("/warga/{a}"), Some(&camat))
            .await
            .body
            .contains(&format!("/warga/{a}/akses"))
    );
    // Another kecamatan's person is not the Camat's to report on.
    assert_eq!(
        app.get(&format!("/warga/{far}/akses"), Some(&camat)).await.status,
        StatusCode::NOT_FOUND
    );
    // Producing the reports is itself recorded.
    for action in ["privacy.breach_report", "privacy.person_report"] {
        let n = app
            .db
            .audit_entries(&jempol_store::audit::AuditFilter {
                action: Some(action.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(!n.is_empty() && n.iter().all(|e| e.actor == "camat"), "{action}");
    }
}

#[tokio::test]
async fn only_the_camat_produces_the_reports() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    crate::campaigns::fill(&app).await;
    let a = id_named(&app, "WARGA GELOMBANG 00").await;
    for role in [
        "admin",
        "kasi_pelayanan",
        "petugas",
        "operator_desa",
        "dispendukcapil",
        "dinsos",
        "pendamping",
    ] {
        let b = app.login(role).await;
        for path in [
            "/audit/laporan-kebocoran?from=2026-11-01&until=2026-11-30".to_string(),
            format!("/warga/{a}/akses"),
        ] {
            let s = app.get(&path, Some(&b)).await.status;
            assert!(
                s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
                "{role} {path}: {s}"
            );
        }
    }
    assert_eq!(
        app.get("/audit/laporan-kebocoran", None).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_list_page_that_showed_a_person_is_in_their_report_and_the_breach_report() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    crate::campaigns::fill(&app).await;
    // 02 lives in the operator's desa (2001), 03 in another (2003).
    let (a, other) = (
        id_named(&app, "WARGA GELOMBANG 02").await,
        id_named(&app, "WARGA GELOMBANG 03").await,
    );
    let desa = app.login("operator_desa").await;
    let list = app.get("/warga", Some(&desa)).await;
    assert!(list.body.contains("WARGA GELOMBANG 02") && !list.body.contains("WARGA GELOMBANG 03"));
    let entries = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.list".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "one entry per page shown");
    let after: serde_json::Value = serde_json::from_str(entries[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["halaman"], "/warga");
    assert_eq!(after["nik_utuh"], true);
    assert!(after["daftar"].as_str().unwrap().contains(&format!(",{a},")));

    let camat = app.login("camat").await;
    let own = app.get(&format!("/warga/{a}/akses"), Some(&camat)).await.body;
    assert!(
        own.contains("melihatnya dalam daftar") && own.contains("<td>operator_desa</td>"),
        "{own}"
    );
    let theirs = app.get(&format!("/warga/{other}/akses"), Some(&camat)).await.body;
    assert!(
        !theirs.contains("<td>operator_desa</td>"),
        "not on the village's list: {theirs}"
    );
    let breach = app
        .get(
            "/audit/laporan-kebocoran?from=2026-11-02&until=2026-11-02&actor=operator_desa",
            Some(&camat),
        )
        .await
        .body;
    assert!(
        breach.contains("WARGA GELOMBANG 02") && breach.contains("melihatnya dalam daftar"),
        "{breach}"
    );
    assert!(!breach.contains("WARGA GELOMBANG 03"));
}
