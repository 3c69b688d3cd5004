//! SOP step 3 and the letters registers: the coordination meeting's invitation (numbered as an
//! outgoing letter), attendance list and minutes print with the kop surat; attendance, minutes,
//! decisions and arrangements per person are recorded; the registers number letters per year.

use crate::support::*;
use axum::http::StatusCode;

async fn campaign(app: &TestApp) -> String {
    app.add_every_role().await;
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
    r.location().split('?').next().unwrap().to_string()
}

fn meeting_form(time: &str) -> Vec<(&str, &str)> {
    vec![
        ("meeting_date", "2026-12-07"),
        ("start_time", time),
        ("place", "Pendopo Kecamatan Dolopo"),
        ("agenda", "Koordinasi data dan jadwal perekaman"),
        (
            "invitees",
            "Kepala Desa Lembah\nDinas Kependudukan dan Pencatatan Sipil\nKasi Kesra",
        ),
        ("classification", "005"),
        ("letter_date", "2026-12-01"),
    ]
}

#[tokio::test]
async fn the_meeting_is_planned_numbered_printed_and_minuted() {
    let app = TestApp::new().await;
    let at = campaign(&app).await;
    let staff = app.login("petugas").await;
    let camat = app.login("camat").await;
    let form = app.get(&format!("{at}/rapat"), Some(&staff)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Kepala Desa/Lurah se-Kecamatan"),
        "invitees are suggested"
    );
    assert_eq!(
        app.post(&format!("{at}/rapat"), Some(&camat), &meeting_form("09.00"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .post(&format!("{at}/rapat"), Some(&staff), &meeting_form("25.00"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"m-time-err\"") && bad.body.contains("Pendopo Kecamatan Dolopo"));
    let r = app
        .post(&format!("{at}/rapat"), Some(&staff), &meeting_form("9:00"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let meeting = r.location().split('?').next().unwrap().to_string();
    let page = app.get(&meeting, Some(&staff)).await.body;
    assert!(page.contains("005/1/402.403/2026"), "{page}");

    // The invitation: kop surat, number, invitees, the meeting, the Camat's signature block.
    let inv = app.get(&format!("{meeting}/undangan.pdf"), Some(&camat)).await;
    assert_eq!(inv.status, StatusCode::OK);
    if let Ok(dir) = std::env::var("JEMPOL_KEEP_PDF") {
        std::fs::write(format!("{dir}/undangan.pdf"), &inv.bytes).unwrap();
    }
    let (text, info) = pdf_text(&inv.bytes);
    assert!(info.contains("595.276 x 841.89 pts"), "{info}");
    for expected in [
        "PEMERINTAH KABUPATEN MADIUN",
        "KECAMATAN DOLOPO",
        "005/1/402.403/2026",
        "Undangan",
        "Kepala Desa Lembah",
        "Senin, 7 Desember 2026",
        "09.00 WIB",
        "Pendopo Kecamatan Dolopo",
        "Dolopo, 1 Desember 2026",
        "Camat Dolopo",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let att = app
        .get(&format!("{meeting}/daftar-hadir.pdf?kertas=f4"), Some(&staff))
        .await;
    let (text, info) = pdf_text(&att.bytes);
    assert!(info.contains("609.449 x 935.433 pts"), "{info}");
    assert!(
        text.contains("DAFTAR HADIR") && text.contains("Tanda tangan") && text.contains("Kasi Kesra"),
        "{text}"
    );

    // Minutes cannot print before they are written.
    let early = app.get(&format!("{meeting}/notulen.pdf"), Some(&staff)).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("Notulen belum dicatat"));
    let bad = app
        .post(
            &format!("{meeting}/notulen"),
            Some(&staff),
            &[
                ("started_at", "10.00"),
                ("ended_at", "09.00"),
                ("minutes", "Catatan yang sudah diketik panjang"),
            ],
        )
        .await;
    assert!(bad.body.contains("Jam selesai tidak boleh sebelum jam mulai"));
    // The message is under the end time and tied to it; what was typed is shown again.
    assert!(
        bad.body
            .contains("aria-invalid=\"true\" aria-describedby=\"n-end-err\"")
            && bad.body.contains("id=\"n-end-err\"")
            && bad.body.contains("Catatan yang sudah diketik panjang"),
        "{}",
        bad.body
    );
    let r = app
        .post(
            &format!("{meeting}/notulen"),
            Some(&staff),
            &[
                ("started_at", "09.00"),
                ("ended_at", "10.45"),
                (
                    "attendees",
                    "Sutrisno — Kepala Desa Lembah\nRina — Dispendukcapil\nBudi - Kasi Kesra",
                ),
                ("minutes", "Data 12 warga rentan dibahas per desa."),
                ("decisions", "Perekaman mulai 14 Desember 2026 dengan dua tim."),
                ("minute_taker", "Wahyu"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&meeting, Some(&camat)).await.body;
    assert!(
        page.contains("Langkah 3: rapat koordinasi: 1 jam 45 menit (Standar SOP 2 jam)"),
        "{page}"
    );
    let min = app.get(&format!("{meeting}/notulen.pdf"), Some(&camat)).await;
    let (text, _) = pdf_text(&min.bytes);
    for expected in [
        "NOTULEN RAPAT KOORDINASI",
        "09.00 s.d. 10.45 WIB",
        "3 orang",
        "Sutrisno",
        "Dispendukcapil",
        "Data 12 warga rentan",
        "Perekaman mulai 14 Desember 2026",
        "Notulis: Wahyu",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // Every step is in the campaign's history and the audit log.
    let hist = app.get(&at, Some(&camat)).await.body;
    assert!(hist.contains("rapat koordinasi direncanakan") && hist.contains("hasil rapat dicatat (langkah 3)"));
    for action in ["letter.register", "meeting.create", "meeting.minutes", "meeting.print"] {
        let n = app
            .db
            .audit_entries(&jempol_store::audit::AuditFilter {
                action: Some(action.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .len();
        assert!(n >= 1, "{action}");
    }
}

#[tokio::test]
async fn letters_are_numbered_per_year_and_incoming_ones_keep_their_number() {
    let app = TestApp::new().await;
    let at = campaign(&app).await;
    let staff = app.login("petugas").await;
    app.post(&format!("{at}/rapat"), Some(&staff), &meeting_form("09.00"))
        .await;
    // An outgoing letter by hand takes the next number of its year.
    let r = app
        .post(
            "/surat",
            Some(&staff),
            &[
                ("direction", "keluar"),
                ("classification", "470"),
                ("letter_date", "2026-12-02"),
                ("counterpart", "Dispendukcapil Kabupaten Madiun"),
                ("subject", "Permohonan petugas perekaman"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let out = app.get("/surat?arah=keluar&tahun=2026", Some(&staff)).await.body;
    assert!(
        out.contains("470/2/402.403/2026") && out.contains("005/1/402.403/2026"),
        "{out}"
    );
    // An incoming letter keeps the sender's number; it needs one.
    let bad = app
        .post(
            "/surat",
            Some(&staff),
            &[
                ("direction", "masuk"),
                ("letter_date", "2026-12-02"),
                ("counterpart", "Desa Lembah"),
                ("subject", "Data warga"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("seperti tertulis pada surat"));
    app.post(
        "/surat",
        Some(&staff),
        &[
            ("direction", "masuk"),
            ("number", "140/55/402.403.1/2026"),
            ("letter_date", "2026-12-02"),
            ("counterpart", "Desa Lembah"),
            ("subject", "Penyampaian data warga rentan"),
        ],
    )
    .await;
    let inbox = app.get("/surat?arah=masuk&tahun=2026", Some(&staff)).await.body;
    assert!(inbox.contains("140/55/402.403.1/2026") && inbox.contains("Desa Lembah"));
    // Another year starts again at 1; the office's format is a setting.
    let admin = app.login("admin").await;
    let mut fields: Vec<(&str, &str)> = vec![
        ("kop.pemerintah", ""),
        ("kop.kantor", ""),
        ("kop.alamat", ""),
        ("camat.nama", ""),
        ("camat.nip", ""),
    ];
    fields.push(("surat.format", "{kode}/{nomor}/KEC-DLP/{tahun}"));
    app.post("/admin/kop", Some(&admin), &fields).await;
    app.post(
        "/surat",
        Some(&staff),
        &[
            ("direction", "keluar"),
            ("classification", "005"),
            ("letter_date", "2027-01-04"),
            ("counterpart", "Kepala Desa se-Kecamatan"),
            ("subject", "Undangan"),
        ],
    )
    .await;
    assert!(
        app.get("/surat?arah=keluar&tahun=2027", Some(&staff))
            .await
            .body
            .contains("005/1/KEC-DLP/2027")
    );
    // Villages and social services have no register.
    for who in ["operator_desa", "dinsos"] {
        let b = app.login(who).await;
        assert_eq!(app.get("/surat", Some(&b)).await.status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn arrangements_decided_for_a_person_reach_the_schedule() {
    let app = TestApp::new().await;
    let at = campaign(&app).await;
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let (sop, _) = app.db.active_sop().await.unwrap();
    let mut r = crate::access::resident("3519020101400001", "35.19.02.2001", sop.id);
    r.stage = "terverifikasi".into();
    r.name = "MBAH SARMI".into();
    app.db.insert_residents(&[r], "test", app.clock.now()).await.unwrap();
    let kasi = app.login("kasi_pelayanan").await;
    app.post(&format!("{at}/warga"), Some(&kasi), &[("desa", "")]).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    let staff = app.login("petugas").await;
    let meeting = app
        .post(&format!("{at}/rapat"), Some(&staff), &meeting_form("09.00"))
        .await
        .location()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let mid = meeting.rsplit('/').next().unwrap();
    let rid = app.db.campaign_members(id).await.unwrap()[0].id;
    let r = app
        .post(
            &format!("{at}/warga/{rid}/pengaturan"),
            Some(&staff),
            &[
                ("arrangement", "keluarga harus hadir; didampingi bidan desa"),
                ("back", mid),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/rapat/{mid}?ok=meet.arrangement_saved#p{rid}"));
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    let sched = app.get(&format!("{at}/jadwal"), Some(&kasi)).await.body;
    assert!(sched.contains("keluarga harus hadir; didampingi bidan desa"), "{sched}");
}
