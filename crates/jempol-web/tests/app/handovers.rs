//! SOP step 7: printed cards go from Dispendukcapil to the kecamatan with a numbered berita
//! acara (PDF); the kecamatan checks each card; a missing card stays open until found.

use crate::support::*;
use crate::visits::{approved, post_fields, recorded};
use axum::http::StatusCode;

#[tokio::test]
async fn printed_cards_go_to_the_kecamatan_with_a_berita_acara_and_each_card_is_checked() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0201-aaaa", s.id, a, ""),
    )
    .await;
    let dukcapil = app.login("dispendukcapil").await;
    for change in ["state:kartu_tercetak", "kk_tercetak"] {
        let r = app
            .post(
                &format!("/produksi/warga/{a}"),
                Some(&dukcapil),
                &[("change", change), ("date", "2026-11-02")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let name = app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == a)
        .unwrap()
        .name;
    let page = app.get("/serah-terima", Some(&dukcapil)).await.body;
    assert!(page.contains(&name) && page.contains("Kartu Keluarga"), "{page}");
    let ektp = format!("{a}:ektp");
    let kk = format!("{a}:kk");
    // Both signatories are needed.
    let unsigned = app
        .post(
            "/serah-terima",
            Some(&dukcapil),
            &[
                ("kecamatan", "35.19.02"),
                ("kartu", &ektp),
                ("date", "2026-11-02"),
                ("giver", "WAHYU"),
            ],
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unsigned
            .body
            .contains("Isi nama yang menerima: ia menandatangani berita acara")
    );
    // Under the receiver's field, tied to it; the giver typed and the cards chosen stay.
    assert!(
        unsigned
            .body
            .contains("aria-invalid=\"true\" aria-describedby=\"r-35.19.02-err\"")
            && unsigned.body.contains("id=\"r-35.19.02-err\"")
            && unsigned.body.contains("name=\"giver\" value=\"WAHYU\"")
            && !unsigned.body.contains(&format!("value=\"{kk}\" checked")),
        "{}",
        unsigned.body
    );
    // Staff do not hand over for Dispendukcapil.
    let staff = app
        .post(
            "/serah-terima",
            Some(&petugas),
            &[
                ("kecamatan", "35.19.02"),
                ("kartu", &ektp),
                ("date", "2026-11-02"),
                ("giver", "A"),
                ("receiver", "B"),
            ],
        )
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
    let made = app
        .post(
            "/serah-terima",
            Some(&dukcapil),
            &[
                ("kecamatan", "35.19.02"),
                ("kartu", &ektp),
                ("kartu", &kk),
                ("date", "2026-11-02"),
                ("giver", "WAHYU DUKCAPIL"),
                ("receiver", "SUGENG KECAMATAN"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at = made.location().split('?').next().unwrap().to_string();
    let hid: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        !app.get("/serah-terima", Some(&dukcapil)).await.body.contains(&ektp),
        "no longer waiting"
    );
    // The berita acara: number, items by name with masked NIK, counts, both signatories.
    let pdf = app.get(&format!("{at}/berita-acara.pdf"), Some(&dukcapil)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let (text, _) = pdf_text(&pdf.bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("BERITA ACARA SERAH TERIMA KARTU"), "{flat}");
    assert!(flat.contains("001/BAST-KEC/35.19.02/2026"), "{flat}");
    assert!(flat.contains("1 e-KTP dan 1 Kartu Keluarga (2 dokumen)"), "{flat}");
    assert!(
        flat.contains("WAHYU DUKCAPIL") && flat.contains("SUGENG KECAMATAN"),
        "{flat}"
    );
    assert!(flat.contains(&name), "{flat}");
    let nik = app.db.handover(hid).await.unwrap().unwrap().items[0].nik.clone();
    assert!(
        !flat.contains(&nik) && flat.contains(&jempol_core::nik::mask(&nik)),
        "masked NIK: {flat}"
    );
    // The kecamatan checks: the e-KTP is there, the KK is not.
    let h = app.db.handover(hid).await.unwrap().unwrap();
    let id_of = |item: &str| h.items.iter().find(|i| i.item == item).unwrap().id.to_string();
    let (ektp_id, kk_id) = (id_of("ektp"), id_of("kk"));
    assert_eq!(
        app.post(&format!("{at}/periksa"), Some(&dukcapil), &[("diterima", &ektp_id)])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "the receiving side checks"
    );
    let checked = app
        .post(
            &format!("{at}/periksa"),
            Some(&petugas),
            &[
                ("diterima", &ektp_id),
                (&format!("catatan_{kk_id}"), "tidak ada di amplop"),
            ],
        )
        .await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER, "{}", checked.body);
    assert!(checked.location().contains("hand.missing_kept"));
    let open = app.get("/serah-terima", Some(&petugas)).await.body;
    assert!(
        open.contains("Kartu yang tidak ada saat diperiksa (masih terbuka) (1)"),
        "{open}"
    );
    assert!(open.contains("tidak ada di amplop"), "{open}");
    assert!(app.db.handover(hid).await.unwrap().unwrap().confirmed_by.is_none());
    // It turns up: received; the handover is closed.
    let found = app
        .post(&format!("{at}/periksa"), Some(&petugas), &[("diterima", &kk_id)])
        .await;
    assert!(found.location().contains("hand.all_received"));
    let closed = app.db.handover(hid).await.unwrap().unwrap();
    assert_eq!(closed.count("diterima"), 2);
    assert!(closed.confirmed_by.is_some());
    let history = app.get(&format!("/warga/{a}"), Some(&s.kasi)).await.body;
    assert!(
        history.contains("serah terima kartu") && history.contains("tidak ada di amplop"),
        "{history}"
    );
    // Villages do not see step 7 (to them it does not exist); Dinsos has no part at all.
    let desa = app.login("operator_desa").await;
    assert_eq!(app.get(&at, Some(&desa)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{at}/berita-acara.pdf"), Some(&desa)).await.status,
        StatusCode::NOT_FOUND
    );
    let dinsos = app.login("dinsos").await;
    assert_eq!(app.get(&at, Some(&dinsos)).await.status, StatusCode::FORBIDDEN);
}

/// The desa's receipt form, with an optional photo.
async fn receipt_form(app: &TestApp, b: &Browser, fields: &[(&str, &str)], photo: Option<&[u8]>) -> Resp {
    app.post_multipart(
        "/kartu/terima",
        b,
        fields,
        photo.map(|p| ("foto", "tanda-terima.png", "image/png", p)),
    )
    .await
}

#[tokio::test]
async fn the_card_reaches_the_desa_and_a_family_member_signs_for_it() {
    let s = approved().await;
    let app = &s.app;
    // A person of Desa Lembah (35.19.02.2001), where the demo village operator works.
    let members = app.db.campaign_members(s.id).await.unwrap();
    let m = members
        .iter()
        .find(|m| s.monday.contains(&m.id) && m.desa_code == "35.19.02.2001")
        .unwrap()
        .clone();
    let a = m.id;
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0301-aaaa", s.id, a, ""),
    )
    .await;
    let dukcapil = app.login("dispendukcapil").await;
    for change in ["state:kartu_tercetak", "kk_tercetak"] {
        app.post(
            &format!("/produksi/warga/{a}"),
            Some(&dukcapil),
            &[("change", change), ("date", "2026-11-02")],
        )
        .await;
    }
    // Step 7 for the e-KTP only; the KK stays at Dispendukcapil.
    let made = app
        .post(
            "/serah-terima",
            Some(&dukcapil),
            &[
                ("kecamatan", "35.19.02"),
                ("kartu", &format!("{a}:ektp")),
                ("date", "2026-11-02"),
                ("giver", "WAHYU"),
                ("receiver", "SUGENG"),
            ],
        )
        .await;
    let at7 = made.location().split('?').next().unwrap().to_string();
    let h7: i64 = at7.rsplit('/').next().unwrap().parse().unwrap();
    let item7 = app.db.handover(h7).await.unwrap().unwrap().items[0].id.to_string();
    app.post(&format!("{at7}/periksa"), Some(&petugas), &[("diterima", &item7)])
        .await;
    // Step 8: the kecamatan hands it to the desa.
    let page = app.get("/serah-terima", Some(&petugas)).await.body;
    assert!(page.contains("Kartu di kecamatan, siap diserahkan ke desa"), "{page}");
    assert!(page.contains(&m.name), "{page}");
    let made = app
        .post(
            "/serah-terima/desa",
            Some(&petugas),
            &[
                ("desa", "35.19.02.2001"),
                ("kartu", &format!("{a}:ektp")),
                ("date", "2026-11-02"),
                ("giver", "SUGENG"),
                ("receiver", "KASUN LEMBAH"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at8 = made.location().split('?').next().unwrap().to_string();
    let h8: i64 = at8.rsplit('/').next().unwrap().parse().unwrap();
    let pdf = app.get(&format!("{at8}/berita-acara.pdf"), Some(&petugas)).await;
    let (text, _) = pdf_text(&pdf.bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("001/BAST-DESA/35.19.02/2026"), "{flat}");
    assert!(
        flat.contains("Kecamatan Dolopo menyerahkan kepada Pemerintah Desa/Kelurahan Lembah"),
        "{flat}"
    );
    // The desa checks it on the handover's page; staff cannot check for the desa.
    let desa = app.login("operator_desa").await;
    let item8 = app.db.handover(h8).await.unwrap().unwrap().items[0].id.to_string();
    assert_eq!(
        app.post(&format!("{at8}/periksa"), Some(&petugas), &[("diterima", &item8)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let seen = app.get("/kartu", Some(&desa)).await.body;
    assert!(seen.contains("001/BAST-DESA/35.19.02/2026"), "{seen}");
    let ok = app
        .post(&format!("{at8}/periksa"), Some(&desa), &[("diterima", &item8)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // To the person: a family member signs; without the relationship it is refused, typed kept.
    let key = format!("{a}:ektp");
    let bad = receipt_form(
        app,
        &desa,
        &[
            ("kartu", &key),
            ("date", "2026-11-02"),
            ("penerima", "keluarga"),
            ("nama", "SITI ANAKNYA"),
        ],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("tulis hubungannya"), "{}", bad.body);
    assert!(bad.body.contains("SITI ANAKNYA"), "kept: {}", bad.body);
    assert!(
        bad.body.contains(&format!("aria-describedby=\"h-{key}-err\""))
            && bad
                .body
                .contains(&format!("id=\"h-{key}-err\">Diterima keluarga: tulis hubungannya")),
        "the message is tied to the relationship field: {}",
        bad.body
    );
    let not_photo = receipt_form(
        app,
        &desa,
        &[
            ("kartu", &key),
            ("date", "2026-11-02"),
            ("penerima", "keluarga"),
            ("nama", "SITI ANAKNYA"),
            ("hubungan", "anak"),
        ],
        Some(b"<svg onload=alert(1)>"),
    )
    .await;
    assert!(not_photo.body.contains("JPG atau PNG"), "{}", not_photo.body);
    let png = b"\x89PNG\r\n\x1a\n0000";
    let done = receipt_form(
        app,
        &desa,
        &[
            ("kartu", &key),
            ("date", "2026-11-02"),
            ("penerima", "keluarga"),
            ("nama", "SITI ANAKNYA"),
            ("hubungan", "anak"),
        ],
        Some(png),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let rid: i64 = done.location().rsplit("#r").next().unwrap().parse().unwrap();
    let pdf = app.get(&format!("/kartu/tanda-terima/{rid}"), Some(&desa)).await;
    let (text, _) = pdf_text(&pdf.bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("TANDA TERIMA KARTU") && flat.contains("SITI ANAKNYA (anak dari warga)"),
        "{flat}"
    );
    let photo = app.get(&format!("/kartu/tanda-terima/{rid}/foto"), Some(&desa)).await;
    assert_eq!(photo.bytes, png.to_vec());
    assert_eq!(photo.headers["content-type"], "image/png");
    // Once only.
    let twice = receipt_form(
        app,
        &desa,
        &[
            ("kartu", &key),
            ("date", "2026-11-02"),
            ("penerima", "sendiri"),
            ("nama", &m.name),
        ],
        None,
    )
    .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "no longer waiting at the desa");
    // Where each card is; the KK left at Dispendukcapil is listed once it waits too long.
    let places: Vec<(String, String)> = app
        .db
        .card_places(&jempol_core::Scope::Kabupaten { code: "35.19".into() })
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.item, c.place))
        .collect();
    assert_eq!(
        places,
        vec![
            ("ektp".to_string(), "warga".to_string()),
            ("kk".into(), "dispendukcapil".into())
        ]
    );
    app.clock.advance_minutes(3 * 24 * 60);
    let kasi = app.login("kasi_pelayanan").await;
    let over = app.get("/serah-terima", Some(&kasi)).await.body;
    assert!(
        over.contains("di tangan warga: 1") && over.contains("di Dispendukcapil: 1"),
        "{over}"
    );
    assert!(over.contains("Kartu yang menunggu terlalu lama (1)"), "{over}");
    let history = app.get(&format!("/warga/{a}"), Some(&kasi)).await.body;
    assert!(history.contains("kartu diterima warga"), "{history}");
    // Another village sees none of it.
    let other = app
        .add_user("desa.lain", jempol_core::Role::OperatorDesa, Some("35.19.02.2003"))
        .await;
    let _ = other;
    let lain = app.login("desa.lain").await;
    assert_eq!(
        app.get(&format!("/kartu/tanda-terima/{rid}"), Some(&lain)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&at8, Some(&lain)).await.status, StatusCode::NOT_FOUND);
}
