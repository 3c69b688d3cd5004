//! The working-time calendar: office hours and breaks per weekday, the zone, and days off
//! edited and imported per year by the admin; every time measurement follows it.

use crate::visits::approved;
use axum::http::StatusCode;

#[tokio::test]
async fn the_admin_sets_hours_and_holidays_and_measurements_follow_them() {
    let s = approved().await;
    let app = &s.app;
    let admin = app.login("admin").await;
    let page = app.get("/admin/kalender?tahun=2026", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("37 jam 30 menit"),
        "the civil servants' week: {}",
        page.body
    );
    assert!(page.body.contains("Kelahiran Yesus Kristus"), "the shipped holidays");
    assert!(page.body.contains("value=\"12.00-13.00\""), "the midday break");
    // Others may not.
    for role in ["camat", "kasi_pelayanan", "dinsos"] {
        let b = app.login(role).await;
        assert_eq!(app.get("/admin/kalender", Some(&b)).await.status, StatusCode::FORBIDDEN);
    }

    // Hours typed wrong are explained, what was typed stays.
    let mut form: Vec<(String, String)> = vec![("zone".into(), "Asia/Jakarta".into())];
    for d in ["mon", "tue", "wed", "thu"] {
        form.push((format!("hours_{d}"), "07.30-16.00".into()));
        form.push((format!("break_{d}"), "12.00-13.00".into()));
    }
    form.push(("hours_fri".into(), "07.30-16.30".into()));
    form.push(("break_fri".into(), "17.00-18.00".into()));
    form.push(("hours_sat".into(), "pagi".into()));
    let f: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let bad = app.post("/admin/kalender", Some(&admin), &f).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Istirahat Jumat harus di dalam jam kerjanya"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Jam kerja Sabtu: tulis seperti 07.30-16.00"));
    assert!(bad.body.contains("value=\"pagi\""));
    // Saturday mornings added: the week grows by four hours.
    let mut good = form.clone();
    good.retain(|(k, _)| k != "break_fri" && k != "hours_sat");
    good.push(("break_fri".into(), "11.30-13.00".into()));
    good.push(("hours_sat".into(), "08.00-12.00".into()));
    let f: Vec<(&str, &str)> = good.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let ok = app.post("/admin/kalender", Some(&admin), &f).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(
        app.get("/admin/kalender", Some(&admin))
            .await
            .body
            .contains("41 jam 30 menit")
    );

    // A session on Monday 2 November 08:00–11:00 lasts three working hours …
    let dinsos = app.login("dinsos").await;
    let r = app
        .post(
            "/bantuan/sesi",
            Some(&dinsos),
            &[
                ("kind", "koordinasi"),
                ("gelombang", &s.id.to_string()),
                ("desa", "35.19.02.2001"),
                ("participants", "Kesra, Dinsos"),
            ],
        )
        .await;
    let sid = r.location().rsplit('/').next().unwrap().to_string();
    app.clock.advance_minutes(180);
    let dinsos = app.login("dinsos").await;
    let page = app.get(&format!("/bantuan/sesi/{sid}"), Some(&dinsos)).await.body;
    assert!(page.contains("3 jam (Standar 2 jam)"), "{page}");
    // … and none when that Monday is declared a day off.
    let admin = app.login("admin").await;
    let r = app
        .post(
            "/admin/kalender/libur",
            Some(&admin),
            &[
                ("date", "02-11-2026"),
                ("name", "Hari jadi Kabupaten"),
                ("kind", "libur_daerah"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/bantuan/sesi/{sid}"), Some(&dinsos)).await.body;
    assert!(page.contains("0 menit (Standar 2 jam)"), "{page}");
    // Removing it asks first.
    let ask = app.get("/admin/kalender/libur/2026-11-02/hapus", Some(&admin)).await;
    assert!(ask.body.contains("Hapus Hari jadi Kabupaten"), "{}", ask.body);
    let gone = app
        .post("/admin/kalender/libur/2026-11-02/hapus", Some(&admin), &[])
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/bantuan/sesi/{sid}"), Some(&dinsos)).await.body;
    assert!(page.contains("3 jam (Standar 2 jam)"), "{page}");

    // A year's decree imported replaces that year; a line of another year is refused.
    let wrong = app
        .post_multipart(
            "/admin/kalender/impor",
            &admin,
            &[("tahun", "2027")],
            Some((
                "berkas",
                "libur.csv",
                "text/csv",
                b"tanggal,nama,jenis\n2027-01-01,Tahun Baru,libur_nasional\n2026-12-31,X,cuti_bersama\n",
            )),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("bukan tahun 2027"), "{}", wrong.body);
    let ok = app
        .post_multipart(
            "/admin/kalender/impor",
            &admin,
            &[("tahun", "2027")],
            Some((
                "berkas",
                "libur.csv",
                "text/csv",
                b"tanggal,nama,jenis\n2027-01-01,Tahun Baru 2027 Masehi,libur_nasional\n",
            )),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let y2027 = app.get("/admin/kalender?tahun=2027", Some(&admin)).await.body;
    assert_eq!(y2027.matches("data-date=\"2027-").count(), 1, "{y2027}");
    let y2026 = app.get("/admin/kalender?tahun=2026", Some(&admin)).await.body;
    assert!(y2026.matches("data-date=\"2026-").count() > 20, "2026 untouched");
}
