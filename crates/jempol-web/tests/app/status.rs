//! The public status check: the tracking code from the visit slip and the year of birth show
//! the stage and the next step, nothing else; wrong codes and years look alike; rate limited.

use crate::support::*;
use crate::visits::{approved, post_fields, recorded};
use axum::http::StatusCode;

#[tokio::test]
async fn a_family_checks_the_stage_with_the_slips_code_and_nothing_more() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    let petugas = app.login("petugas").await;
    let day = app.get("/lapangan?tanggal=2026-12-14", Some(&petugas)).await.body;
    let codes = app.db.tracking_codes(s.id).await.unwrap();
    let code = codes[&a].clone();
    assert!(day.contains(&format!("Kode lacak {code}")), "{day}");
    let slip = app.get("/lapangan/slip.pdf?tanggal=2026-12-14", Some(&petugas)).await;
    assert_eq!(slip.status, StatusCode::OK);
    let (text, _) = pdf_text(&slip.bytes);
    assert!(text.contains(&code) && text.contains("/cek"), "{text}");
    let m = app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == a)
        .unwrap();
    let year = &m.birth_date[..4];
    // Typed loosely: lower case, no dash.
    let typed = code.replace('-', " ").to_lowercase();
    let r = app.post_raw("/cek", None, &[("kode", &typed), ("tahun", year)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Terdaftar untuk perekaman e-KTP di rumah"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains(&m.name) && !r.body.contains(&m.nik),
        "nothing personal"
    );
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0401-aaaa", s.id, a, ""),
    )
    .await;
    let r = app.post_raw("/cek", None, &[("kode", &code), ("tahun", year)]).await;
    assert!(
        r.body.contains("Sudah direkam") && r.body.contains("Dispendukcapil mencetak e-KTP"),
        "{}",
        r.body
    );
    // A wrong year and a wrong code say the same.
    let wrong_year = app
        .post_raw("/cek", None, &[("kode", &code), ("tahun", "1900")])
        .await
        .body;
    let wrong_code = app
        .post_raw("/cek", None, &[("kode", "ZZZZ-ZZZZ"), ("tahun", year)])
        .await
        .body;
    for b in [&wrong_year, &wrong_code] {
        assert!(b.contains("Kode lacak atau tahun lahir tidak cocok"), "{b}");
        assert!(!b.contains("Tahap sekarang"));
    }
    // Ten checks in ten minutes from one address; then refused, even with the right answer.
    for _ in 0..6 {
        app.post_raw("/cek", None, &[("kode", "ZZZZ-ZZZZ"), ("tahun", year)])
            .await;
    }
    let limited = app.post_raw("/cek", None, &[("kode", &code), ("tahun", year)]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("Terlalu banyak percobaan"));
    app.clock.advance_minutes(11);
    let later = app.post_raw("/cek", None, &[("kode", &code), ("tahun", year)]).await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(later.body.contains("Sudah direkam"));
}
