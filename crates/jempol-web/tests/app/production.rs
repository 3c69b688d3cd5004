//! SOP step 6: Dispendukcapil's production queue of recorded residents, SIAK states with their
//! dates, bulk updates by a list of NIKs (checked, then applied), problems with a reason, and
//! the time from recording to printed card against the standard.

use crate::support::*;
use crate::visits::{approved, post_fields, recorded, sync};
use axum::http::StatusCode;
use jempol_store::audit::AuditFilter;

async fn nik_of(app: &TestApp, id: i64) -> String {
    app.db
        .resident_in_scope(id, &jempol_core::Scope::Kabupaten { code: "35.19".into() })
        .await
        .unwrap()
        .unwrap()
        .row
        .nik
}

async fn state_of(app: &TestApp, id: i64) -> Option<String> {
    app.db
        .production_queue(
            &jempol_core::Scope::Kabupaten { code: "35.19".into() },
            &Default::default(),
            None,
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.resident_id == id)
        .and_then(|r| r.state)
}

#[tokio::test]
async fn dispendukcapil_moves_recorded_people_through_siak_states_to_printed_cards() {
    let s = approved().await;
    let (app, a, b) = (&s.app, s.monday[0], s.monday[1]);
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0101-aaaa", s.id, a, ""),
    )
    .await;
    sync(
        app,
        &petugas,
        &petugas.csrf,
        serde_json::json!([{"client_id": "hasil-0102-bbbb", "campaign_id": s.id, "resident_id": b, "fields": {"kind": "tidak_terekam", "reason": "menolak"}}]),
    )
    .await;
    let (nik_a, nik_b) = (nik_of(app, a).await, nik_of(app, b).await);
    let dukcapil = app.login("dispendukcapil").await;
    let page = app.get("/produksi", Some(&dukcapil)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&nik_a),
        "the recorded person, full NIK: {}",
        page.body
    );
    assert!(!page.body.contains(&nik_b), "not recorded: not in the queue");
    assert!(page.body.contains("belum diperbarui"));

    // A pasted list: checked first (one known, one not in the queue, one not a NIK), nothing changes.
    let list = format!("{nik_a}\n{nik_b}\n3.51902E+15");
    let check = app
        .post(
            "/produksi/massal",
            Some(&dukcapil),
            &[
                ("niks", &list),
                ("change", "state:dikirim_enrollment"),
                ("date", "2026-11-02"),
                ("action", "periksa"),
            ],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(
        check.body.contains("<strong>1</strong> warga di antrean"),
        "{}",
        check.body
    );
    assert!(check.body.contains("1 NIK tidak ada di antrean"), "{}", check.body);
    assert!(check.body.contains("1 isian bukan NIK"), "{}", check.body);
    assert_eq!(state_of(app, a).await, None);
    let apply = app
        .post(
            "/produksi/massal",
            Some(&dukcapil),
            &[
                ("niks", &list),
                ("change", "state:dikirim_enrollment"),
                ("date", "2026-11-02"),
                ("action", "terapkan"),
            ],
        )
        .await;
    assert_eq!(apply.status, StatusCode::SEE_OTHER, "{}", apply.body);
    assert_eq!(apply.location(), "/produksi?ok=prod.updated&n=1");
    assert_eq!(state_of(app, a).await.as_deref(), Some("dikirim_enrollment"));
    // A date in the future, or no state, is refused with the reason.
    let future = app
        .post(
            &format!("/produksi/warga/{a}"),
            Some(&dukcapil),
            &[("change", "state:prr"), ("date", "2026-12-30")],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.body.contains("tidak boleh setelah hari ini"));
    // A problem holds the person up, with its reason, until solved.
    app.post(
        &format!("/produksi/warga/{a}"),
        Some(&dukcapil),
        &[("change", "problem:blangko_habis"), ("date", "2026-11-02")],
    )
    .await;
    let held = app.get("/produksi?status=masalah", Some(&dukcapil)).await.body;
    assert!(held.contains("Blangko e-KTP habis (sejak 02 November 2026)"), "{held}");
    // "Lainnya" needs its note, which the person's own line carries too.
    assert!(
        held.contains(&format!("id=\"n{a}\" name=\"note\"")),
        "a note on the line: {held}"
    );
    let bare = app
        .post(
            &format!("/produksi/warga/{a}"),
            Some(&dukcapil),
            &[("change", "problem:lainnya"), ("date", "2026-11-02")],
        )
        .await;
    assert!(bare.body.contains("tulis keterangannya"), "{}", bare.body);
    assert!(
        bare.body.contains(&format!("aria-describedby=\"n{a}-err\""))
            && bare.body.contains(&format!("id=\"n{a}-err\""))
            && bare.body.contains("value=\"problem:lainnya\" selected"),
        "the note's message is on the person's line, the choice kept: {}",
        bare.body
    );
    // A pasted list is not lost when the date is wrong.
    let pasted = app
        .post(
            "/produksi/massal",
            Some(&dukcapil),
            &[
                ("niks", "3519024511390001\n3519024511390002"),
                ("change", "state:prr"),
                ("date", "2099-01-01"),
                ("action", "periksa"),
            ],
        )
        .await;
    assert_eq!(pasted.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        pasted.body.contains("3519024511390001\n3519024511390002</textarea>")
            && pasted.body.contains("aria-describedby=\"b-date-err\""),
        "{}",
        pasted.body
    );
    let other = app
        .post(
            &format!("/produksi/warga/{a}"),
            Some(&dukcapil),
            &[
                ("change", "problem:lainnya"),
                ("date", "2026-11-02"),
                ("note", "foto buram, rekam ulang"),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
    // Four working days later: PRR, KK printed, then the card; late against the 2-day standard.
    app.clock.advance_minutes(4 * 24 * 60);
    let dukcapil = app.login("dispendukcapil").await;
    for (change, date) in [
        ("state:prr", "2026-11-05"),
        ("kk_tercetak", "2026-11-05"),
        ("state:kartu_tercetak", "2026-11-06"),
    ] {
        let r = app
            .post(
                &format!("/produksi/warga/{a}"),
                Some(&dukcapil),
                &[("change", change), ("date", date)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{change}: {}", r.body);
    }
    assert_eq!(state_of(app, a).await.as_deref(), Some("kartu_tercetak"));
    let done = app.get("/produksi?status=kartu_tercetak", Some(&dukcapil)).await.body;
    assert!(done.contains("tercetak dalam 4 hari kerja"), "{done}");
    assert!(done.contains("melewati standar"), "{done}");
    assert!(done.contains("KK: 05 November 2026"), "{done}");
    assert!(
        !done.contains("Blangko e-KTP habis (sejak"),
        "printing ends the problem: {done}"
    );
    let kasi = app.login("kasi_pelayanan").await;
    let history = app.get(&format!("/warga/{a}"), Some(&kasi)).await.body;
    assert!(
        history.contains("produksi (langkah 6)") && history.contains("Kartu e-KTP tercetak"),
        "{history}"
    );
    let audits = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("production.update".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    // Five changes, and the problem "Lainnya" with its note.
    assert_eq!(audits.len(), 6);
}

#[tokio::test]
async fn the_kecamatan_sees_the_queue_masked_and_only_dispendukcapil_updates_it() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0103-cccc", s.id, a, ""),
    )
    .await;
    let nik = nik_of(app, a).await;
    let camat = app.login("camat").await;
    let seen = app.get("/produksi", Some(&camat)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains(&nik), "the Camat sees masked NIKs");
    assert!(seen.body.contains(&jempol_core::nik::mask(&nik)));
    assert!(!seen.body.contains("Perbarui banyak warga"), "no update forms");
    for role in ["camat", "kasi_pelayanan", "petugas"] {
        let b = app.login(role).await;
        let r = app
            .post(
                &format!("/produksi/warga/{a}"),
                Some(&b),
                &[("change", "state:prr"), ("date", "2026-11-02")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = app
            .post(
                "/produksi/massal",
                Some(&b),
                &[
                    ("niks", &nik),
                    ("change", "state:prr"),
                    ("date", "2026-11-02"),
                    ("action", "terapkan"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(state_of(app, a).await, None);
    // A list as a file: the NIK column of a CSV.
    let dukcapil = app.login("dispendukcapil").await;
    let csv = format!("NIK;NAMA\n{nik};X\n");
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let dukcapil = dukcapil.clone();
        async move {
            app.post_multipart(
                "/produksi/unggah",
                &dukcapil,
                &[("change", "state:prr"), ("date", "2026-11-02")],
                Some(("berkas", name, "application/octet-stream", &bytes)),
            )
            .await
        }
    };
    // A file that is not a spreadsheet is explained; nothing changes.
    let bad = upload("daftar.pdf", b"%PDF-1.7".to_vec()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("tidak dikenali"), "{}", bad.body);
    let r = upload("prr.csv", csv.into_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<strong>1</strong> warga di antrean"), "{}", r.body);
    // Villages have no part in step 6.
    let desa = app.login("operator_desa").await;
    assert_eq!(app.get("/produksi", Some(&desa)).await.status, StatusCode::FORBIDDEN);
}
