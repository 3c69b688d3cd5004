//! The Camat's dashboard: the funnel over the 12 steps per desa and per category, each step's
//! timeliness, and the cards by place and age — figures the test knows from what it did.

use crate::visits::{approved, post_fields, recorded};
use axum::http::StatusCode;

/// The numbers of a table row (after its first cell).
pub(crate) fn numbers(row: &str) -> Vec<i64> {
    row.split("<td")
        .skip(2)
        .filter_map(|c| {
            let t = &c[c.find('>')? + 1..];
            let t = t[..t.find("</td>")?].replace("<strong>", "").replace("</strong>", "");
            t.trim().parse().ok()
        })
        .collect()
}

pub(crate) fn row<'a>(html: &'a str, table: &str, first_cell: &str) -> &'a str {
    let t = &html[html.find(&format!("id=\"{table}\"")).unwrap()..];
    let t = &t[..t.find("</table>").unwrap()];
    let at = t.find(first_cell).unwrap_or_else(|| panic!("{first_cell} in {t}"));
    let start = t[..at].rfind("<tr").unwrap();
    &t[start..start + t[start..].find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_camat_sees_how_far_everyone_got_and_what_is_late() {
    let s = approved().await;
    let app = &s.app;
    // One person recorded and their card printed.
    let a = s.monday[0];
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("dash-0001-aaaa", s.id, a, ""),
    )
    .await;
    let dukcapil = app.login("dispendukcapil").await;
    let r = app
        .post(
            &format!("/produksi/warga/{a}"),
            Some(&dukcapil),
            &[("change", "state:kartu_tercetak"), ("date", "2026-11-02")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let camat = app.login("camat").await;
    let page = app.get("/dasbor", Some(&camat)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"), "the funnel chart");
    // The kecamatan: twelve in the campaign and one still waiting for verification.
    let total = numbers(row(&page.body, "funnel-desa", "Jumlah"));
    // people, submitted, verified, in campaign, scheduled, recorded, printed, …
    assert_eq!(&total[..7], &[13, 0, 12, 12, 12, 1, 1], "{total:?}");
    assert!(total[7..].iter().all(|n| *n == 0), "nothing further yet: {total:?}");
    // Per category: everyone is 60 or older; one ODGJ.
    let cat = &page.body;
    assert_eq!(numbers(row(cat, "funnel-category", ">lansia<"))[0], 13);
    assert_eq!(numbers(row(cat, "funnel-category", ">ODGJ<"))[0], 1);
    // The card waits at Dispendukcapil since today.
    assert_eq!(numbers(row(cat, "card-places", "dispendukcapil")), vec![1, 0, 0]);
    // Step 4 done on time; step 6 done on time.
    assert!(row(cat, "per-step", "data-step=\"6\"").contains("1 / 1"));

    // A period: the step times of work finished in it; the funnel stays today's position.
    let dec = app
        .get("/dasbor?dari=2026-12-01&sampai=31-12-2026", Some(&camat))
        .await
        .body;
    assert!(
        row(&dec, "per-step", "data-step=\"6\"").contains("0 / 0"),
        "nothing finished in December"
    );
    assert_eq!(numbers(row(&dec, "funnel-desa", "Jumlah"))[0], 13);
    assert!(dec.contains("value=\"2026-12-31\""), "the typed date kept");
    let nov = app
        .get("/dasbor?dari=2026-11-01&sampai=2026-11-30", Some(&camat))
        .await
        .body;
    assert!(row(&nov, "per-step", "data-step=\"6\"").contains("1 / 1"));
    let wrong = app
        .get("/dasbor?dari=2026-12-01&sampai=2026-11-01", Some(&camat))
        .await
        .body;
    assert!(
        wrong.contains("Tanggal awal periode harus sebelum tanggal akhirnya"),
        "{wrong}"
    );
    let junk = app.get("/dasbor?dari=kemarin", Some(&camat)).await.body;
    assert!(junk.contains("Tanggal periode tidak dikenali"), "{junk}");

    // One campaign, one desa: the filters narrow the same figures.
    let one = app
        .get(&format!("/dasbor?gelombang={}&desa=35.19.02.2001", s.id), Some(&camat))
        .await
        .body;
    assert_eq!(numbers(row(&one, "funnel-desa", "Jumlah"))[0], 6);
    let desa_only = app.get("/dasbor?desa=35.19.02.2001", Some(&camat)).await.body;
    assert_eq!(
        numbers(row(&desa_only, "funnel-desa", "Jumlah"))[0],
        7,
        "with the one still waiting"
    );
    // Field staff and villages have no dashboard.
    for role in ["petugas", "operator_desa", "dinsos"] {
        let b = app.login(role).await;
        assert_eq!(
            app.get("/dasbor", Some(&b)).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
}

fn person(i: usize, birth_date: &str, sop: i64) -> jempol_store::residents::NewResident {
    jempol_store::residents::NewResident {
        nik: format!("35190241{:08}", 10_000_000 + i),
        no_kk: format!("35190201{:08}", 10_000_000 + i),
        name: format!("WARGA UJI {i}"),
        sex: "L".into(),
        birth_place: "MADIUN".into(),
        birth_date: birth_date.into(),
        desa_code: "35.19.02.2003".into(),
        address: "Dusun Krajan".into(),
        rt: "001".into(),
        rw: "001".into(),
        disabilitas: false,
        disability_kind: None,
        odgj: false,
        bedridden: false,
        stage: "terdaftar".into(),
        sop_definition_id: sop,
        phone: String::new(),
        dusun: "Krajan".into(),
        notes: String::new(),
    }
}

#[tokio::test]
async fn the_counts_are_maintained_as_people_change_and_turn_sixty() {
    let s = approved().await;
    let app = &s.app;
    let (sop, _) = app.db.active_sop().await.unwrap();
    let camat = app.login("camat").await;
    let before = app.get("/dasbor", Some(&camat)).await.body;
    assert_eq!(numbers(row(&before, "funnel-desa", "Jumlah"))[0], 13);
    assert_eq!(
        app.db.funnel_pending().await.unwrap(),
        0,
        "the page brought them up to date"
    );
    // Someone who turns 60 on Wednesday 4 November 2026 (the clock is at Monday the 2nd).
    let now = app.state.now();
    app.db
        .insert_residents(&[person(0, "1966-11-04", sop.id)], "uji", now)
        .await
        .unwrap();
    let page = app.get("/dasbor", Some(&camat)).await.body;
    assert_eq!(numbers(row(&page, "funnel-desa", "Jumlah"))[0], 14);
    assert_eq!(numbers(row(&page, "funnel-category", ">lansia<"))[0], 13, "59 today");
    app.clock.advance_minutes(2 * 24 * 60);
    let camat = app.login("camat").await;
    let page = app.get("/dasbor", Some(&camat)).await.body;
    assert_eq!(
        numbers(row(&page, "funnel-category", ">lansia<"))[0],
        14,
        "60 on Wednesday"
    );
    // A large list arrives: the page counts up to its budget and says the rest is coming.
    let many: Vec<_> = (1..=2600).map(|i| person(i, "1950-01-01", sop.id)).collect();
    app.db.insert_residents(&many, "uji", now).await.unwrap();
    let page = app.get("/dasbor", Some(&camat)).await.body;
    assert!(page.contains("Angka sedang diperbarui"), "{page}");
    let shown = numbers(row(&page, "funnel-desa", "Jumlah"))[0];
    assert!(shown > 14 && shown < 14 + 2600, "{shown}");
    // Two instances refresh at once in the background; nobody is counted twice.
    let other = jempol_web::AppState::new(
        app.db.clone(),
        (*app.state.config).clone(),
        std::sync::Arc::new(app.clock.clone()),
    );
    let (a, b) = tokio::join!(
        jempol_web::refresh_funnel(&app.state),
        jempol_web::refresh_funnel(&other)
    );
    assert_eq!((a.unwrap() + b.unwrap()) as i64, 14 + 2600 - shown);
    let page = app.get("/dasbor", Some(&camat)).await.body;
    assert!(!page.contains("Angka sedang diperbarui"));
    assert_eq!(numbers(row(&page, "funnel-desa", "Jumlah"))[0], 14 + 2600);
}
