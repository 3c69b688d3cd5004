//! The monthly report: where the people stand per desa (per kecamatan for the regency), and
//! the work finished in the month against the SOP's standards; page, PDF and XLSX, audited.

use crate::support::pdf_text;
use crate::visits::{approved, post_fields, recorded};
use axum::http::StatusCode;
use jempol_store::audit::AuditFilter;

#[tokio::test]
async fn the_monthly_report_counts_the_month_and_rolls_up_for_the_regency() {
    let s = approved().await;
    let app = &s.app;
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("lap-0001-aaaa", s.id, s.monday[0], ""),
    )
    .await;
    let kasi = app.login("kasi_pelayanan").await;
    let page = app.get("/laporan/bulanan?bulan=2026-11", Some(&kasi)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("November 2026"));
    let x = app.get("/laporan/bulanan.xlsx?bulan=2026-11", Some(&kasi)).await;
    let sheets = jempol_import::read_sheets("m.xlsx", &x.bytes).unwrap();
    assert_eq!(sheets[0].0, "Posisi warga");
    let total = sheets[0].1.rows.last().unwrap();
    assert_eq!(total.cells[0].text, "Jumlah");
    assert_eq!(total.cells[1].text, "13", "everyone of the kecamatan");
    let steps = &sheets[1].1.rows;
    let done = |n: &str| {
        steps
            .iter()
            .find(|r| r.cells[0].text.starts_with(n))
            .map(|r| r.cells[2].text.clone())
            .unwrap()
    };
    assert_eq!(done("4."), "1", "the schedule approved in November");
    assert_eq!(done("5."), "1", "one person recorded in November");
    assert_eq!(done("6."), "0");
    // December: nothing finished yet.
    let dec = app.get("/laporan/bulanan.xlsx?bulan=2026-12", Some(&kasi)).await;
    let dec = jempol_import::read_sheets("m.xlsx", &dec.bytes).unwrap();
    assert!(dec[1].1.rows.iter().skip(1).all(|r| r.cells[2].text == "0"));
    // The PDF for the Camat to sign.
    let pdf = app.get("/laporan/bulanan.pdf?bulan=2026-11", Some(&kasi)).await;
    let (text, _) = pdf_text(&pdf.bytes);
    assert!(text.contains("LAPORAN BULANAN JEMPUT BOLA PEREKAMAN E-KTP"), "{text}");
    assert!(
        text.contains("Bulan November 2026") && text.contains("Camat Dolopo"),
        "{text}"
    );
    // The regency's Dispendukcapil sees the roll-up per kecamatan.
    let dukcapil = app.login("dispendukcapil").await;
    let x = app.get("/laporan/bulanan.xlsx?bulan=2026-11", Some(&dukcapil)).await;
    let sheets = jempol_import::read_sheets("m.xlsx", &x.bytes).unwrap();
    let rows = &sheets[0].1.rows;
    assert_eq!(rows[0].cells[0].text, "Kecamatan");
    assert!(
        rows.iter()
            .any(|r| r.cells[0].text == "Dolopo" && r.cells[1].text == "13"),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.cells[0].text == "Kebonsari"),
        "the other kecamatan too"
    );
    // Villages have no monthly report; every download is audited.
    let desa = app.login("operator_desa").await;
    assert_eq!(
        app.get("/laporan/bulanan", Some(&desa)).await.status,
        StatusCode::FORBIDDEN
    );
    let audit = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("report.monthly".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 4);
}
