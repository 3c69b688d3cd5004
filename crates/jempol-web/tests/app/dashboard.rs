//! The Camat's dashboard: the funnel over the 12 steps per desa and per category, each step's
//! timeliness, and the cards by place and age — figures the test knows from what it did.

use crate::visits::{approved, post_fields, recorded};
use axum::http::StatusCode;

/// The numbers of a table row (after its first cell).
fn numbers(row: &str) -> Vec<i64> {
    row.split("<td")
        .skip(2)
        .filter_map(|c| {
            let t = &c[c.find('>')? + 1..];
            let t = t[..t.find("</td>")?].replace("<strong>", "").replace("</strong>", "");
            t.trim().parse().ok()
        })
        .collect()
}

fn row<'a>(html: &'a str, table: &str, first_cell: &str) -> &'a str {
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
