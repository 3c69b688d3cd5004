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
    assert!(unsigned.body.contains("keduanya menandatangani"));
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
    // Villages do not see step 7.
    let desa = app.login("operator_desa").await;
    assert_eq!(app.get(&at, Some(&desa)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("{at}/berita-acara.pdf"), Some(&desa)).await.status,
        StatusCode::FORBIDDEN
    );
}
