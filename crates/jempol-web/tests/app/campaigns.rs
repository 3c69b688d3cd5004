//! Campaigns and SOP step 4: the Kasi opens a campaign, gathers verified residents, forms teams,
//! has the schedule planned and approves it; then the Camat approves (step 4 done). Who may
//! do what, and the campaign's history.

use crate::access::resident;
use crate::support::*;
use axum::http::StatusCode;
use jempol_core::nik::compose;
use jiff::civil::date;

/// Twelve verified residents over two desa (some with home coordinates, some bedridden or
/// ODGJ), one still waiting for verification, one verified in another kecamatan.
pub(crate) async fn fill(app: &TestApp) {
    let (sop, _) = app.db.active_sop().await.unwrap();
    let mut rows = Vec::new();
    for i in 0..12u16 {
        let desa = if i % 2 == 0 { "35.19.02.2001" } else { "35.19.02.2003" };
        let mut r = resident(
            &compose("351902", date(1940, 1, 1 + i as i8), i % 3 == 0, i + 1),
            desa,
            sop.id,
        );
        r.name = format!("WARGA GELOMBANG {i:02}");
        r.birth_date = date(1940, 1, 1 + i as i8).to_string();
        r.sex = if i % 3 == 0 { "P".into() } else { "L".into() };
        r.stage = "terverifikasi".into();
        r.bedridden = i == 4;
        if i == 0 {
            r.phone = "0812-3456-7890".into();
        }
        r.odgj = i == 7;
        rows.push(r);
    }
    let mut waiting = resident(&compose("351902", date(1941, 2, 2), false, 99), "35.19.02.2001", sop.id);
    waiting.stage = "diajukan".into();
    waiting.name = "MENUNGGU VERIFIKASI".into();
    rows.push(waiting);
    let mut far = resident(&compose("351901", date(1941, 2, 2), false, 98), "35.19.01.2001", sop.id);
    far.stage = "terverifikasi".into();
    far.name = "WARGA KECAMATAN LAIN".into();
    rows.push(far);
    app.db.insert_residents(&rows, "test", app.clock.now()).await.unwrap();
}

/// "Gelombang I 2026" opened by the Kasi with every verified resident added: (its page, its id).
pub(crate) async fn campaign_with_people(app: &TestApp, kasi: &Browser) -> (String, i64) {
    let r = app
        .post(
            "/gelombang",
            Some(kasi),
            &[
                ("name", "Gelombang I 2026"),
                ("start_date", "2026-12-14"),
                ("end_date", "2026-12-31"),
            ],
        )
        .await;
    let at = r.location().split('?').next().unwrap().to_string();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let added = app.post(&format!("{at}/warga"), Some(kasi), &[("desa", "")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    (at, id)
}

#[tokio::test]
async fn the_kasi_runs_a_campaign_to_an_approved_schedule_and_the_camat_ends_step_4() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let kasi = app.login("kasi_pelayanan").await;
    let camat = app.login("camat").await;

    // Creating: the form explains what is wrong and keeps what was typed.
    let bad = app
        .post(
            "/gelombang",
            Some(&kasi),
            &[
                ("name", "Gelombang I 2026"),
                ("start_date", "2026-12-14"),
                ("end_date", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("id=\"c-end-err\"") && bad.body.contains("tidak boleh sebelum"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"Gelombang I 2026\""));
    let r = app
        .post(
            "/gelombang",
            Some(&kasi),
            &[
                ("name", "Gelombang I 2026"),
                ("start_date", "14-12-2026"),
                ("end_date", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location().split('?').next().unwrap().to_string();
    let page = app.get(&at, Some(&kasi)).await.body;
    assert!(
        page.contains("Warga terverifikasi yang belum masuk gelombang: 12"),
        "{page}"
    );

    // Only verified residents of the kecamatan come in.
    let r = app.post(&format!("{at}/warga"), Some(&kasi), &[("desa", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&at, Some(&kasi)).await.body;
    assert!(page.contains("Warga dalam gelombang (12)"), "{page}");
    assert!(!page.contains("MENUNGGU VERIFIKASI") && !page.contains("WARGA KECAMATAN LAIN"));
    // A second campaign finds nobody left to add, and says why.
    let second = app
        .post(
            "/gelombang",
            Some(&kasi),
            &[
                ("name", "Gelombang II 2026"),
                ("start_date", "2026-12-14"),
                ("end_date", "2026-12-31"),
            ],
        )
        .await;
    let second_at = second.location().split('?').next().unwrap().to_string();
    let r = app
        .post(&format!("{second_at}/warga"), Some(&kasi), &[("desa", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Tidak ada warga terverifikasi yang belum masuk gelombang")
    );

    // Planning needs a team first.
    let r = app
        .post(
            &format!("{at}/jadwal"),
            Some(&kasi),
            &[("start_date", "2026-12-14"), ("working_days", "10")],
        )
        .await;
    assert!(r.body.contains("Bentuk paling sedikit satu tim"), "{}", r.body);
    app.post(
        &format!("{at}/tim"),
        Some(&kasi),
        &[("name", "Tim 1"), ("members", "Sugeng, Wahyu"), ("kit", "Alat 1")],
    )
    .await;
    app.post(
        &format!("{at}/tim"),
        Some(&kasi),
        &[("name", "Tim 2"), ("members", "Rina"), ("kit", "Alat 2")],
    )
    .await;
    let dup = app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    assert!(dup.body.contains("nama tim ini sudah dipakai"), "{}", dup.body);
    assert!(
        dup.body.contains("aria-describedby=\"t-name-err\"") && dup.body.contains("value=\"Tim 1\""),
        "under the team's name, as typed: {}",
        dup.body
    );
    let no_start = app
        .post(
            &format!("{at}/jadwal"),
            Some(&kasi),
            &[("start_date", "besok"), ("working_days", "7"), ("speed_kmh", "25")],
        )
        .await;
    assert_eq!(no_start.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_start.body.contains("aria-describedby=\"p-start-err\"")
            && no_start.body.contains(
                "name=\"working_days\" type=\"number\" min=\"1\" max=\"30\" inputmode=\"numeric\" value=\"7\""
            )
            && no_start.body.contains("value=\"25\""),
        "{}",
        no_start.body
    );

    let r = app
        .post(
            &format!("{at}/jadwal"),
            Some(&kasi),
            &[("start_date", "2026-12-14"), ("working_days", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sched = app.get(&format!("{at}/jadwal"), Some(&kasi)).await.body;
    assert!(sched.contains("Terjadwal: 12"), "{sched}");
    assert!(sched.contains("Senin, 14-12-2026"), "{sched}");
    assert!(sched.contains("WARGA GELOMBANG 04") && sched.contains("terbaring"));
    assert!(sched.contains("Tim 1") && sched.contains("Sugeng, Wahyu"));
    assert!(sched.contains("usulan, menunggu persetujuan Kasi"));
    // A map of the visits, drawn in the page: one point per resident, one line per team-day.
    assert!(sched.contains("<svg class=\"map\""), "{sched}");
    assert_eq!(sched.matches("<circle ").count(), 12);
    assert!(sched.matches("<polyline ").count() >= 1);
    // The family with a phone gets a prepared WhatsApp message.
    assert!(
        sched.contains("https://wa.me/6281234567890?text=Yth.%20Bapak%2FIbu%20keluarga%20WARGA%20GELOMBANG%2000"),
        "{sched}"
    );
    // The schedule downloads as a workbook, per team and per desa; the download is audited.
    let x = app.get(&format!("{at}/jadwal.xlsx"), Some(&camat)).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(
        x.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("jadwal-gelombang-")
    );
    let grid = jempol_import::read("jadwal.xlsx", &x.bytes).unwrap();
    let text: Vec<String> = grid
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.text.clone()))
        .collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("Jadwal kunjungan rumah perekaman e-KTP — Gelombang I 2026"))
    );
    // The first sheet is Tim 1's day list.
    assert!(
        text.iter().any(|t| t == "Tim 1") && text.iter().any(|t| t.starts_with("WARGA GELOMBANG")),
        "{text:?}"
    );
    assert!(
        !text.iter().any(|t| t.contains("Dusun Krajan, Dusun Krajan")),
        "{text:?}"
    );
    // The Camat sees NIKs masked in the download too.
    assert!(
        text.iter().any(|t| t.starts_with("351902") && t.contains("********")),
        "{text:?}"
    );
    let exports = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("campaign.export".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(exports.len(), 1);
    // Printed on F4 with the kop surat, per team and per desa, fonts embedded.
    let admin = app.login("admin").await;
    assert_eq!(app.get("/admin/kop", Some(&camat)).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/admin/kop",
            Some(&admin),
            &[
                ("kop.pemerintah", ""),
                ("kop.kantor", ""),
                ("kop.alamat", "Jl. Raya Dolopo No. 1, Dolopo, Madiun 63174"),
                ("camat.nama", "DRS. CAMAT UJI"),
                ("camat.nip", "19700101 199001 1 001"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/admin/kop?ok=kop.saved");
    let pdf = app.get(&format!("{at}/jadwal.pdf?kertas=f4"), Some(&camat)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let (text, info) = pdf_text(&pdf.bytes);
    assert!(info.contains("609.449 x 935.433 pts"), "F4: {info}");
    for expected in [
        "PEMERINTAH KABUPATEN MADIUN",
        "KECAMATAN DOLOPO",
        "Jl. Raya Dolopo No. 1",
        "JADWAL KUNJUNGAN RUMAH PEREKAMAN E-KTP",
        "Tim 1 — Sugeng, Wahyu",
        "GELOMBANG 04",
        "terbaring",
        "Desa/Kelurahan Lembah",
        "Camat Dolopo",
        "DRS. CAMAT UJI",
        "NIP. 19700101 199001 1 001",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let a4 = app.get(&format!("{at}/jadwal.pdf"), Some(&camat)).await;
    assert!(pdf_text(&a4.bytes).1.contains("595.276 x 841.89 pts"), "A4 by default");
    // The calendar at a glance.
    assert!(sched.contains("class=\"calendar\"") && sched.contains("Kalender jadwal"));
    // Each desa gets a numbered notification letter with its people's visits attached.
    let early = app
        .get(&format!("{at}/jadwal/surat-desa/35.19.02.2001.pdf"), Some(&kasi))
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post(&format!("{at}/jadwal/surat-desa"), Some(&kasi), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sched = app.get(&format!("{at}/jadwal"), Some(&kasi)).await.body;
    assert!(
        sched.contains("470/1/402.403/2026") && sched.contains("470/2/402.403/2026"),
        "{sched}"
    );
    let letter = app
        .get(&format!("{at}/jadwal/surat-desa/35.19.02.2001.pdf"), Some(&kasi))
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    let (text, _) = pdf_text(&letter.bytes);
    for expected in [
        "470/1/402.403/2026",
        "Kepala Desa/Lurah Lembah",
        "Kartu Keluarga",
        "LAMPIRAN",
        "WARGA GELOMBANG",
        "terbaring",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // Only Lembah's people: the ODGJ resident lives in Kradinan.
    assert!(!text.contains("ODGJ"), "{text}");

    // The Camat approves only after the Kasi; each approves once.
    let r = app
        .post(&format!("{at}/jadwal/setujui"), Some(&camat), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post(&format!("{at}/jadwal/setujui"), Some(&kasi), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post(&format!("{at}/jadwal/setujui"), Some(&kasi), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        app.get(&format!("{at}/jadwal"), Some(&camat))
            .await
            .body
            .contains("Setujui jadwal (Camat)")
    );
    app.clock.advance_minutes(25);
    let r = app
        .post(&format!("{at}/jadwal/setujui"), Some(&camat), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sched = app.get(&format!("{at}/jadwal"), Some(&camat)).await.body;
    assert!(sched.contains("disetujui Camat (langkah 4 selesai)"));
    assert!(
        sched.contains("Langkah 4: menetapkan jadwal: 25 menit (Standar SOP 30 menit)"),
        "{sched}"
    );

    // Re-planning makes version 2, which needs approval again; version 1 cannot be approved now.
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-15"), ("working_days", "5")],
    )
    .await;
    let sched = app.get(&format!("{at}/jadwal"), Some(&kasi)).await.body;
    assert!(
        sched.contains("Versi 2") && sched.contains("menunggu persetujuan Kasi"),
        "{sched}"
    );
    let r = app
        .post(&format!("{at}/jadwal/setujui"), Some(&kasi), &[("version", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The campaign's history holds every step, and the audit log every change.
    let page = app.get(&at, Some(&camat)).await.body;
    for what in [
        "gelombang dibuat",
        "warga ditambahkan",
        "tim ditambahkan",
        "jadwal disusun",
        "jadwal disetujui Kasi",
        "jadwal disetujui Camat (langkah 4 selesai)",
    ] {
        assert!(page.contains(what), "history has {what}: {page}");
    }
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("campaign.".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit.iter().filter(|e| e.action == "campaign.approve").count() == 2);
}

#[tokio::test]
async fn who_may_see_and_change_campaigns() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let kasi = app.login("kasi_pelayanan").await;
    let r = app
        .post(
            "/gelombang",
            Some(&kasi),
            &[
                ("name", "Gelombang I 2026"),
                ("start_date", "2026-12-14"),
                ("end_date", "2026-12-31"),
            ],
        )
        .await;
    let at = r.location().split('?').next().unwrap().to_string();
    // Staff, the Camat and Dispendukcapil see it; villages and social services have no part.
    for who in ["petugas", "camat", "dispendukcapil"] {
        let b = app.login(who).await;
        assert_eq!(app.get(&at, Some(&b)).await.status, StatusCode::OK, "{who}");
        // Only the Kasi changes it.
        assert_eq!(
            app.post(&format!("{at}/warga"), Some(&b), &[("desa", "")]).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            app.post(&format!("{at}/tim"), Some(&b), &[("name", "Tim X")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(
                "/gelombang",
                Some(&b),
                &[
                    ("name", "Lain"),
                    ("start_date", "2026-12-14"),
                    ("end_date", "2026-12-31")
                ]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
    for who in ["operator_desa", "dinsos", "pendamping", "admin"] {
        let b = app.login(who).await;
        assert_eq!(
            app.get("/gelombang", Some(&b)).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(app.get(&at, Some(&b)).await.status, StatusCode::FORBIDDEN, "{who}");
    }
    // The Kasi may not approve as the Camat, and the Camat's approval needs the Kasi's first.
    let petugas = app.login("petugas").await;
    assert_eq!(
        app.post(&format!("{at}/jadwal/setujui"), Some(&petugas), &[("version", "1")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/gelombang/999", Some(&kasi)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{at}/jadwal"), Some(&kasi)).await.status,
        StatusCode::NOT_FOUND,
        "no schedule yet"
    );
}

#[tokio::test]
async fn the_kasi_moves_and_pins_a_visit_and_re_planning_keeps_it() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let kasi = app.login("kasi_pelayanan").await;
    let (at, id) = campaign_with_people(&app, &kasi).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 2")]).await;
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    let stored =
        |v: &jempol_store::campaigns::StoredPlan| -> serde_json::Value { serde_json::from_str(&v.plan_json).unwrap() };
    let v1 = app.db.latest_plan(id).await.unwrap().unwrap();
    let first = stored(&v1)["routes"][0]["stops"][0]["id"].as_str().unwrap().to_string();
    let where_is = |plan: &serde_json::Value, rid: &str| -> Option<(String, String)> {
        plan["routes"].as_array().unwrap().iter().find_map(|r| {
            r["stops"].as_array().unwrap().iter().any(|s| s["id"] == rid).then(|| {
                (
                    r["team"].as_str().unwrap().to_string(),
                    r["date"].as_str().unwrap().to_string(),
                )
            })
        })
    };

    // Not onto a Saturday, and not by staff.
    let r = app
        .post(
            &format!("{at}/jadwal/pindah"),
            Some(&kasi),
            &[("resident", &first), ("target", "Tim 2|2026-12-19")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("bukan hari kunjungan"), "{}", r.body);
    let petugas = app.login("petugas").await;
    assert_eq!(
        app.post(
            &format!("{at}/jadwal/pindah"),
            Some(&petugas),
            &[("resident", &first), ("target", "Tim 2|2026-12-29")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Moved: a new draft version, the visit pinned on Tim 2 on 29 December.
    let r = app
        .post(
            &format!("{at}/jadwal/pindah"),
            Some(&kasi),
            &[("resident", &first), ("target", "Tim 2|2026-12-29")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v2 = app.db.latest_plan(id).await.unwrap().unwrap();
    assert_eq!((v2.version, v2.status.as_str()), (2, "draft"));
    assert_eq!(
        where_is(&stored(&v2), &first),
        Some(("Tim 2".into(), "2026-12-29".into()))
    );
    assert_eq!(r.location(), format!("{at}/jadwal?ok=camp.moved"));
    let page = app.get(r.location(), Some(&kasi)).await.body;
    assert!(
        page.contains("Kunjungan dipindah dan dikunci") && page.contains(">dikunci</span>"),
        "{page}"
    );

    // Re-planning the rest keeps it there.
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    let v3 = app.db.latest_plan(id).await.unwrap().unwrap();
    assert_eq!(v3.version, 3);
    assert_eq!(
        where_is(&stored(&v3), &first),
        Some(("Tim 2".into(), "2026-12-29".into()))
    );
    assert_eq!(stored(&v3)["summary"]["planned"], 12);

    // Unpinned, the next plan may put it anywhere; the history has every adjustment.
    let r = app
        .post(
            &format!("{at}/jadwal/kunci"),
            Some(&kasi),
            &[("resident", &first), ("lock", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.campaign_locks(id).await.unwrap().is_empty());
    let r = app
        .post(
            &format!("{at}/jadwal/kunci"),
            Some(&kasi),
            &[("resident", &first), ("lock", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.campaign_locks(id).await.unwrap().values().next().cloned(),
        Some(("Tim 2".to_string(), "2026-12-29".to_string()))
    );
    let page = app.get(&at, Some(&kasi)).await.body;
    for what in ["kunjungan dipindah dan dikunci", "kunci dibuka", "kunjungan dikunci"] {
        assert!(page.contains(what), "{what}");
    }
}

#[tokio::test]
async fn when_the_family_says_the_person_is_home_the_schedule_keeps_to_it() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let kasi = app.login("kasi_pelayanan").await;
    let (at, id) = campaign_with_people(&app, &kasi).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    let rid = app.db.campaign_members(id).await.unwrap()[0].id;
    let bad = app
        .post(
            &format!("{at}/warga/{rid}/waktu"),
            Some(&kasi),
            &[("home_times", "sore hari")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("tidak terbaca"), "{}", bad.body);
    let ok = app
        .post(
            &format!("{at}/warga/{rid}/waktu"),
            Some(&kasi),
            &[("home_times", "16-12-2026 13.00-14.00")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(
        app.get(&at, Some(&kasi))
            .await
            .body
            .contains("value=\"16-12-2026 13.00-14.00\"")
    );
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    let plan: serde_json::Value =
        serde_json::from_str(&app.db.latest_plan(id).await.unwrap().unwrap().plan_json).unwrap();
    let (date, start) = plan["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| {
            r["stops"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"].as_str() == Some(rid.to_string().as_str()))
                .map(|s| {
                    (
                        r["date"].as_str().unwrap().to_string(),
                        s["start"].as_str().unwrap().to_string(),
                    )
                })
        })
        .expect("planned");
    assert_eq!(date, "2026-12-16");
    assert!(
        ("13:00:00".to_string()..="14:00:00".to_string()).contains(&start),
        "{start}"
    );
}

#[tokio::test]
async fn visit_length_speed_and_office_hours_are_set_per_plan_and_kept_when_re_planning() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let kasi = app.login("kasi_pelayanan").await;
    let (at, id) = campaign_with_people(&app, &kasi).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    let bad = app
        .post(
            &format!("{at}/jadwal"),
            Some(&kasi),
            &[
                ("start_date", "2026-12-14"),
                ("working_days", "10"),
                ("speed_kmh", "200"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Kecepatan rata-rata: isi km/jam antara 5 dan 80"));
    let ok = app
        .post(
            &format!("{at}/jadwal"),
            Some(&kasi),
            &[
                ("start_date", "2026-12-14"),
                ("working_days", "10"),
                ("minutes_default", "45"),
                ("speed_kmh", "25"),
                ("hours_mon_thu", "08.00-14.00"),
                ("hours_fri", "08.00-11.00"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    check(&app, id, 1).await;
    // Re-planning from the schedule page (start and days only) keeps the settings.
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    check(&app, id, 2).await;
    let page = app.get(&at, Some(&kasi)).await.body;
    assert!(
        page.contains("value=\"08.00-14.00\"")
            && page.contains("name=\"minutes_default\" type=\"number\" min=\"5\" max=\"240\" value=\"45\"")
    );
}

/// The latest plan is `version`, made with 45-minute visits, 25 km/h and 08.00–14.00 hours.
async fn check(app: &TestApp, id: i64, version: i64) {
    let sp = app.db.latest_plan(id).await.unwrap().unwrap();
    assert_eq!(sp.version, version);
    let inst: serde_json::Value = serde_json::from_str(&sp.instance_json).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&sp.plan_json).unwrap();
    assert_eq!(inst["service"]["default_minutes"], 45);
    assert_eq!(inst["travel"]["speed_kmh"], 25.0);
    assert_eq!(inst["office_hours"]["mon"]["to"], "14:00:00");
    assert_eq!(plan["routes"][0]["leave"], "08:00:00");
}

#[tokio::test]
async fn field_officers_see_their_teams_visits_of_the_day_once_the_camat_approved() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    app.add_user("petugas2", jempol_core::Role::Petugas, None).await;
    let kasi = app.login("kasi_pelayanan").await;
    let (at, id) = campaign_with_people(&app, &kasi).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    let tid = app.db.campaign_teams(id).await.unwrap()[0].id;
    let officer = app.db.user_by_username("petugas").await.unwrap().unwrap().id;
    let village = app.db.user_by_username("operator_desa").await.unwrap().unwrap().id;
    // Only staff and Dispendukcapil operators join a team.
    let bad = app
        .post(
            &format!("{at}/tim/{tid}/akun"),
            Some(&kasi),
            &[("user", &village.to_string())],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Hanya staf kecamatan dan operator Dispendukcapil"));
    let ok = app
        .post(
            &format!("{at}/tim/{tid}/akun"),
            Some(&kasi),
            &[("user", &officer.to_string())],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    let petugas = app.login("petugas").await;
    // Not before the Camat approved.
    let before = app.get("/lapangan?tanggal=2026-12-14", Some(&petugas)).await.body;
    assert!(before.contains("Tidak ada kunjungan Anda pada hari ini"), "{before}");
    app.post(&format!("{at}/jadwal/setujui"), Some(&kasi), &[("version", "1")])
        .await;
    let camat = app.login("camat").await;
    app.post(&format!("{at}/jadwal/setujui"), Some(&camat), &[("version", "1")])
        .await;
    let day = app.get("/lapangan?tanggal=14-12-2026", Some(&petugas)).await.body;
    assert!(
        day.contains("Senin, 14 Desember 2026") && day.contains("Tim 1"),
        "{day}"
    );
    assert!(
        day.contains("WARGA GELOMBANG") && day.contains("Berangkat 07.30"),
        "{day}"
    );
    assert!(day.contains("href=\"tel:0812-3456-7890\""), "a phone to call: {day}");
    // The visits are in plan order.
    let plan: serde_json::Value =
        serde_json::from_str(&app.db.latest_plan(id).await.unwrap().unwrap().plan_json).unwrap();
    let first_id = plan["routes"][0]["stops"][0]["id"].as_str().unwrap();
    let first = app
        .db
        .campaign_members(id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id.to_string() == first_id)
        .unwrap()
        .name;
    let list = &day[day.find("<ol class=\"visits\">").unwrap()..];
    let first_at = list.find(&first).unwrap();
    assert!(
        list.matches("<li id=\"v").count() >= 2 && list[..first_at].matches("<li id=\"v").count() == 1,
        "{day}"
    );
    // An officer in no team, and a day without visits, say so.
    let other = app.login("petugas2").await;
    assert!(
        app.get("/lapangan", Some(&other))
            .await
            .body
            .contains("belum masuk tim perekaman")
    );
    assert!(
        app.get("/lapangan?tanggal=2026-12-19", Some(&petugas))
            .await
            .body
            .contains("Tidak ada kunjungan Anda")
    );
    // Villages have no field list.
    let desa = app.login("operator_desa").await;
    assert_eq!(app.get("/lapangan", Some(&desa)).await.status, StatusCode::FORBIDDEN);
    assert!(app.get(&at, Some(&kasi)).await.body.contains("akun tim diatur"));
}
