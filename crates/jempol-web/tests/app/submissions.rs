//! SOP step 1 in the browser: upload, row-by-row preview kept as a draft, send; scope.

use crate::support::*;
use axum::http::StatusCode;
use jempol_core::{Role, Scope};

const LEMBAH_CSV: &str = "DAFTAR KAUM RENTAN DESA LEMBAH;;;;;\r\n\
NO;NIK;NAMA;L/P;TGL LAHIR;KATEGORI\r\n\
1;3519024703480012;SUMIATI;P;07-03-1948;LANSIA\r\n\
2;3519021208550003;SUPARMAN;L;12/8/55;LANSIA, DISABILITAS RUNGU\r\n\
3;3,51902E+15;PAINEM;P;;LANSIA\r\n\
4;3519020101850009;TARNO;L;01-01-1985;\r\n\
;;;;;\r\n\
JUMLAH;4;;;;\r\n";

fn lembah() -> Scope {
    Scope::Desa {
        code: "35.19.02.2001".into(),
    }
}

#[tokio::test]
async fn a_village_uploads_checks_and_sends_its_list() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    let b = app.login("desa.lembah").await;
    let page = app.get("/pengajuan", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let r = app
        .upload("/pengajuan/unggah", &b, "lembah.csv", LEMBAH_CSV.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location().to_string();
    assert!(at.starts_with("/pengajuan/"));
    // The preview is a stored draft: nothing is a resident yet, and a reload shows it again.
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 0);
    let preview = app.get(&at, Some(&b)).await.body;
    assert!(preview.contains("Draf: belum dikirim"));
    assert!(
        preview.contains("Diterima: 2") && preview.contains("Ditolak: 2"),
        "{preview}"
    );
    assert!(preview.contains("data-row=\"5\"") && preview.contains("ubah format kolom NIK menjadi Teks"));
    assert!(preview.contains("NIK (kolom B):"));
    assert!(preview.contains("Warga ini bukan lansia"));

    let sent = app.post(&format!("{at}/kirim"), Some(&b), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let done = app.get(sent.location(), Some(&b)).await.body;
    assert!(done.contains("Langkah 1 SOP selesai") && done.contains("terkirim"));
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 2);
    // Sending twice changes nothing.
    let again = app.post(&format!("{at}/kirim"), Some(&b), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 2);
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("submission.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["submission.send", "submission.draft"]
    );
}

#[tokio::test]
async fn a_bad_upload_is_explained_and_nothing_is_saved() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    let b = app.login("desa.lembah").await;
    let r = app.upload("/pengajuan/unggah", &b, "foto.jpg", b"\xff\xd8\xff").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Jenis berkas") && r.body.contains("Tidak ada yang disimpan"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    let r = app.upload("/pengajuan/unggah", &b, "kosong.csv", b";;\n;;\n").await;
    assert!(r.body.contains("Berkas tidak berisi data"), "{}", r.body);
    // Up to 4 MB is read (this one is then refused for its type); above, the page says the
    // file is too large, not that none was chosen.
    let r = app
        .upload("/pengajuan/unggah", &b, "foto.jpg", &vec![0xff; 3 * 1024 * 1024])
        .await;
    assert!(r.body.contains("Jenis berkas"), "{}", r.body);
    let r = app
        .upload("/pengajuan/unggah", &b, "daftar.csv", &vec![b'1'; 5 * 1024 * 1024])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Berkas terlalu besar: paling besar 4 MB") && r.body.contains("Tidak ada yang disimpan"),
        "{}",
        r.body
    );
    assert!(app.db.submissions_in_scope(&lembah(), 10).await.unwrap().is_empty());
    // Without the CSRF token the upload is refused.
    let mut no_token = b.clone();
    no_token.csrf = "palsu".into();
    assert_eq!(
        app.upload("/pengajuan/unggah", &no_token, "lembah.csv", LEMBAH_CSV.as_bytes())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn submissions_stay_within_scope_and_only_the_village_sends() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.add_user("desa.suluk", Role::OperatorDesa, Some("35.19.02.2004"))
        .await;
    app.add_user("petugas1", Role::Petugas, None).await;
    app.add_user("dinsos1", Role::Dinsos, None).await;
    let lembah = app.login("desa.lembah").await;
    let at = app
        .upload("/pengajuan/unggah", &lembah, "lembah.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    // Another village does not see it at all.
    let suluk = app.login("desa.suluk").await;
    assert_eq!(app.get(&at, Some(&suluk)).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/pengajuan", Some(&suluk)).await.body.contains("lembah.csv"));
    assert_eq!(
        app.post(&format!("{at}/kirim"), Some(&suluk), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // Kecamatan staff see every desa's submissions but do not send for the village.
    let petugas = app.login("petugas1").await;
    assert!(app.get("/pengajuan", Some(&petugas)).await.body.contains("lembah.csv"));
    assert_eq!(app.get(&at, Some(&petugas)).await.status, StatusCode::OK);
    assert!(!app.get(&at, Some(&petugas)).await.body.contains("Kirim ke kecamatan"));
    assert_eq!(
        app.post(&format!("{at}/kirim"), Some(&petugas), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // Roles without a part in steps 1-2 have no submissions page.
    assert_eq!(
        app.get("/pengajuan", Some(&app.login("dinsos1").await)).await.status,
        StatusCode::FORBIDDEN
    );
    // The village may discard its draft, after confirming.
    let confirm = app.get(&format!("{at}/batal"), Some(&lembah)).await;
    assert!(confirm.body.contains("Batalkan draf pengajuan"));
    let r = app.post(&format!("{at}/batal"), Some(&lembah), &[]).await;
    assert_eq!(r.location(), "/pengajuan?ok=sub.discarded");
    assert_eq!(app.get(&at, Some(&lembah)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_gives_the_same_report_and_saves_only_what_it_says() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let t = app.token("desa.lembah").await;
    let r = app
        .api_post(
            "/api/v1/submissions/check?file_name=lembah.csv",
            &t,
            LEMBAH_CSV.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report = r.json();
    assert_eq!(
        (
            report["accepted"].as_u64(),
            report["warnings"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(2), Some(0), Some(2))
    );
    assert_eq!(report["rows"][2]["messages"][0]["code"], "nik_excel_number");
    assert_eq!(
        app.db.count_residents(&lembah()).await.unwrap(),
        0,
        "checking saves nothing"
    );

    let r = app
        .api_post("/api/v1/submissions?file_name=lembah.csv", &t, LEMBAH_CSV.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["submission_id"].as_i64().is_some());
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 2);
    // Again: everybody is known now; nothing saved, and the answer says so.
    let r = app
        .api_post("/api/v1/submissions?file_name=lembah.csv", &t, LEMBAH_CSV.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("Tidak ada baris yang bisa disimpan")
    );
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 2);
    let r = app
        .api_post("/api/v1/submissions/check?file_name=daftar.pdf", &t, b"%PDF")
        .await;
    assert_eq!(r.json()["error"], "invalid");
    // Only a village operator submits, and only for their own desa.
    let staff = app.token("petugas1").await;
    assert_eq!(
        app.api_post(
            "/api/v1/submissions?file_name=lembah.csv",
            &staff,
            LEMBAH_CSV.as_bytes()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_template_downloads_and_reads_back_empty() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.add_user("dinsos1", Role::Dinsos, None).await;
    let b = app.login("desa.lembah").await;
    let req = axum::http::Request::get("/pengajuan/templat.xlsx")
        .header(axum::http::header::COOKIE, &b.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("templat-data-rentan.xlsx")
    );
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let grid = jempol_import::read("templat.xlsx", &bytes).unwrap();
    assert!(grid.rows[1].cells[0].text.contains("LEMBAH"));
    assert!(jempol_import::find_header(&grid).is_some());
    assert_eq!(
        app.get("/pengajuan/templat.xlsx", Some(&app.login("dinsos1").await))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn kecamatan_staff_verify_each_person_and_complete_the_collection() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let desa = app.login("desa.lembah").await;
    let at = app
        .upload("/pengajuan/unggah", &desa, "lembah.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    app.clock.advance_minutes(3);
    app.post(&format!("{at}/kirim"), Some(&desa), &[]).await;
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let rids: Vec<i64> = app
        .db
        .submission_rows(id)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.resident_id)
        .collect();
    assert_eq!(rids.len(), 2);

    let staff = app.login("petugas1").await;
    let page = app.get(&at, Some(&staff)).await.body;
    assert!(page.contains("2 warga menunggu verifikasi"));
    assert!(page.contains("Langkah 1: desa mengirim data") && page.contains("3 menit") && page.contains("5 menit"));
    assert!(!page.contains("Selesaikan pengumpulan"));
    // The village does not verify its own list.
    assert_eq!(
        app.post(&format!("{at}/warga/{}/verifikasi", rids[0]), Some(&desa), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A rejection needs a reason; the page says so next to that person.
    let r = app
        .post(
            &format!("{at}/warga/{}/tolak", rids[0]),
            Some(&staff),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Tulis alasan penolakan")
            && r.body.contains(&format!("aria-describedby=\"reason-{}-err\"", rids[0]))
    );
    let r = app
        .post(
            &format!("{at}/warga/{}/tolak", rids[0]),
            Some(&staff),
            &[("reason", "Sudah rekam di Dukcapil 2024")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.post(&format!("{at}/warga/{}/verifikasi", rids[1]), Some(&staff), &[])
        .await;
    // A decision is made once.
    assert_eq!(
        app.post(&format!("{at}/warga/{}/verifikasi", rids[1]), Some(&staff), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    app.clock.advance_minutes(12);
    let page = app.get(&at, Some(&staff)).await.body;
    assert!(page.contains("Sudah rekam di Dukcapil 2024") && page.contains("terverifikasi"));
    let r = app.post(&format!("{at}/selesai"), Some(&staff), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = app.get(r.location(), Some(&staff)).await.body;
    assert!(done.contains("Langkah 2 SOP selesai") && done.contains("selesai dikumpulkan"));
    assert!(
        done.contains("Langkah 2: kecamatan mengumpulkan data")
            && done.contains("12 menit")
            && done.contains("15 menit")
    );
    // History and audit.
    let kinds: Vec<String> = app
        .db
        .resident_events(rids[0])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["diajukan", "ditolak"]);
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(
        audit
            .iter()
            .any(|e| e.after.as_deref().unwrap_or("").contains("Sudah rekam"))
    );
}

#[tokio::test]
async fn one_person_by_form_goes_through_the_same_rules_and_the_nik_prefills() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let b = app.login("desa.lembah").await;
    assert!(app.get("/pengajuan/baru", Some(&b)).await.body.contains("name=\"nik\""));
    // Check: the NIK fills sex and birth date; a lansia needs no other category.
    let r = app
        .post(
            "/pengajuan/baru",
            Some(&b),
            &[("nik", "3519024703480012"), ("name", "Sumiati"), ("action", "periksa")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Data sudah benar"),
        "{}",
        &r.body[r.body.find("<main").unwrap()..]
    );
    assert!(r.body.contains("<option value=\"P\" selected>") && r.body.contains("value=\"1948-03-07\""));
    // A bad NIK is an error on the NIK field; what was typed stays.
    let r = app
        .post(
            "/pengajuan/baru",
            Some(&b),
            &[("nik", "351902470348"), ("name", "Painem"), ("action", "kirim")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("aria-describedby=\"p-nik-err\"")
            && r.body.contains("16 angka")
            && r.body.contains("value=\"Painem\"")
    );
    // Under 60 without disability or ODGJ: the category is asked for.
    let r = app
        .post(
            "/pengajuan/baru",
            Some(&b),
            &[("nik", "3519020101850009"), ("name", "Tarno"), ("action", "kirim")],
        )
        .await;
    assert!(r.body.contains("p-cat-err"), "{}", r.body);
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 0);
    // Sent: one submission from the form, one resident.
    let r = app
        .post(
            "/pengajuan/baru",
            Some(&b),
            &[
                ("nik", "3519020101850009"),
                ("name", "Tarno"),
                ("disabilitas", "1"),
                ("ragam", "netra"),
                ("action", "kirim"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("?ok=sub.sent"));
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 1);
    let subs = app.db.submissions_in_scope(&lembah(), 5).await.unwrap();
    assert_eq!((subs[0].source.as_str(), subs[0].status.as_str()), ("form", "sent"));
    // Only the village submits.
    assert_eq!(
        app.get("/pengajuan/baru", Some(&app.login("petugas1").await))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

fn known_resident(nik: &str, name: &str, birth: &str, desa: &str, sop: i64) -> jempol_store::residents::NewResident {
    jempol_store::residents::NewResident {
        nik: nik.into(),
        no_kk: String::new(),
        name: name.into(),
        sex: "P".into(),
        birth_place: "MADIUN".into(),
        birth_date: birth.into(),
        desa_code: desa.into(),
        address: String::new(),
        rt: String::new(),
        rw: String::new(),
        disabilitas: false,
        disability_kind: None,
        odgj: false,
        bedridden: false,
        stage: "terverifikasi".into(),
        sop_definition_id: sop,
        phone: String::new(),
        dusun: String::new(),
        notes: String::new(),
    }
}

#[tokio::test]
async fn staff_merge_a_submitted_person_into_the_same_persons_record_and_keep_both_histories() {
    let app = TestApp::new().await;
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    // Already known: SUMIATI born 1948-03-07 under a NIK one digit off (typed wrong once), in
    // another desa of the kecamatan; and the same name and birth date in another kecamatan,
    // which this kecamatan's staff must not see.
    app.db
        .insert_residents(
            &[
                known_resident("3519024703480099", "SUMIATI", "1948-03-07", "35.19.02.2004", sop.id),
                known_resident("3519014703480012", "SUMIATI", "1948-03-07", "35.19.01.2001", sop.id),
            ],
            "test",
            app.clock.now(),
        )
        .await
        .unwrap();
    let kept = app
        .db
        .list_residents(
            &Scope::Desa {
                code: "35.19.02.2004".into(),
            },
            &Default::default(),
            None,
            10,
        )
        .await
        .unwrap()[0]
        .id;
    let desa = app.login("desa.lembah").await;
    let at = app
        .upload("/pengajuan/unggah", &desa, "lembah.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    app.post(&format!("{at}/kirim"), Some(&desa), &[]).await;
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let rows = app.db.submission_rows(id).await.unwrap();
    let dup = rows.iter().find(|r| r.row_no == 3).and_then(|r| r.resident_id).unwrap();

    let staff = app.login("petugas1").await;
    let page = app.get(&at, Some(&staff)).await.body;
    assert!(page.contains("Mungkin orang yang sama dengan"), "{page}");
    assert!(
        page.contains(&format!("href=\"{at}/warga/{dup}/gabung?ke={kept}\"")),
        "{page}"
    );
    let outside = app
        .db
        .list_residents(
            &Scope::Kabupaten { code: "35.19".into() },
            &Default::default(),
            None,
            10,
        )
        .await
        .unwrap();
    let far = outside.iter().find(|r| r.desa_code.starts_with("35.19.01")).unwrap().id;
    assert!(
        !page.contains(&format!("gabung?ke={far}\"")),
        "another kecamatan's record is not offered"
    );
    // It asks first.
    let confirm = app
        .get(&format!("{at}/warga/{dup}/gabung?ke={kept}"), Some(&staff))
        .await;
    assert!(confirm.body.contains("Gabungkan SUMIATI"), "{}", confirm.body);
    // Not into a record outside the staff's scope, not by the village.
    assert_eq!(
        app.post(&format!("{at}/warga/{dup}/gabung?ke={far}"), Some(&staff), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&format!("{at}/warga/{dup}/gabung?ke={kept}"), Some(&desa), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(&format!("{at}/warga/{dup}/gabung?ke={kept}"), Some(&staff), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Twice is a conflict, not a second merge.
    assert_eq!(
        app.post(&format!("{at}/warga/{dup}/gabung?ke={kept}"), Some(&staff), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    let page = app.get(&at, Some(&staff)).await.body;
    assert!(page.contains("digabung dengan data yang sama") && page.contains(&format!("digabung ke warga #{kept}")));
    assert!(
        page.contains("1 warga menunggu verifikasi"),
        "only SUPARMAN is left: {page}"
    );
    // The kept record's history holds the merged record's history too.
    let detail = app.get(&format!("/warga/{kept}"), Some(&staff)).await.body;
    assert!(
        detail.contains(&format!("dari warga #{dup} (pengajuan #{id})")),
        "{detail}"
    );
    assert!(detail.contains(&format!("warga #{dup} · pengajuan #{id}")), "{detail}");
    let merged = app.get(&format!("/warga/{dup}"), Some(&staff)).await.body;
    assert!(merged.contains(&format!("ke warga #{kept}")));
    // Merged counts as decided: once SUPARMAN is verified the collection completes.
    let other = rows.iter().find(|r| r.row_no == 4).and_then(|r| r.resident_id).unwrap();
    app.post(&format!("{at}/warga/{other}/verifikasi"), Some(&staff), &[])
        .await;
    let done = app.post(&format!("{at}/selesai"), Some(&staff), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.merge".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
}
