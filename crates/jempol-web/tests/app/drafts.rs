//! Step 1 before sending: columns mapped by hand, rows corrected in the browser and checked
//! again, duplicates against other drafts; only the village's own unsent draft can change.

use crate::support::*;
use axum::http::StatusCode;
use jempol_core::{Role, Scope};

// Column names Jempol does not know ("NOMER KTP", "NAMANYA", "TGL. LHR"), under a title.
const ODD_CSV: &str = "DATA LANSIA DESA LEMBAH;;;\r\n\
NO;NOMER KTP;NAMANYA;TGL. LHR\r\n\
1;3519024703480012;SUMIATI;07-03-1948\r\n\
2;3519021208550003;SUPARMAN;12/8/55\r\n";

// Row 5: a NIK Excel turned into a number and no birth date.
const LEMBAH_CSV: &str = "DAFTAR KAUM RENTAN DESA LEMBAH;;;;;\r\n\
NO;NIK;NAMA;L/P;TGL LAHIR;KATEGORI\r\n\
1;3519024703480012;SUMIATI;P;07-03-1948;LANSIA\r\n\
2;3519021208550003;SUPARMAN;L;12/8/55;LANSIA, DISABILITAS RUNGU\r\n\
3;3,51902E+15;PAINEM;P;;LANSIA\r\n";

fn lembah() -> Scope {
    Scope::Desa {
        code: "35.19.02.2001".into(),
    }
}

async fn village(app: &TestApp) -> Browser {
    app.add_user("desa.lembah", Role::OperatorDesa, Some("35.19.02.2001"))
        .await;
    app.login("desa.lembah").await
}

#[tokio::test]
async fn columns_it_cannot_guess_are_mapped_by_hand_and_every_row_is_checked_again() {
    let app = TestApp::new().await;
    let b = village(&app).await;
    let r = app
        .upload("/pengajuan/unggah", &b, "aneh.csv", ODD_CSV.as_bytes())
        .await;
    // The file is kept; the user is taken to map its columns.
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let kolom = r.location().to_string();
    assert!(kolom.ends_with("/kolom"), "{kolom}");
    let draft = kolom.trim_end_matches("/kolom").to_string();
    let page = app.get(&draft, Some(&b)).await.body;
    assert!(page.contains("belum menemukan baris judul kolom"), "{page}");
    assert!(!page.contains("Kirim ke kecamatan"), "nothing to send yet");

    // The mapping form shows the file's first rows and, for the row asked for, its titles.
    let form = app.get(&format!("{kolom}?baris=2"), Some(&b)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("B — NOMER KTP") && form.body.contains("D — TGL. LHR"),
        "{}",
        form.body
    );
    assert!(form.body.contains("DATA LANSIA DESA LEMBAH"));
    assert!(form.body.contains("<label for=\"f-nik\">NIK *</label>"));

    // Without the NIK column the mapping is refused, with the reason, and nothing changes.
    let bad = app
        .post(
            &kolom,
            Some(&b),
            &[("header_row", "2"), ("name", "2"), ("birth_date", "3")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Pilih kolom untuk NIK"), "{}", bad.body);
    assert!(
        bad.body.contains("<option value=\"3\" selected>"),
        "the choices are kept"
    );
    // One column for two fields is refused too.
    let twice = app
        .post(&kolom, Some(&b), &[("header_row", "2"), ("nik", "1"), ("name", "1")])
        .await;
    assert!(twice.body.contains("Kolom B dipilih untuk lebih dari satu isian"));
    // A header row that is not in the file: the message is on the row's number.
    let no_row = app.get(&format!("{kolom}?baris=99"), Some(&b)).await.body;
    assert!(
        no_row.contains("aria-describedby=\"baris-help map-err\" aria-invalid=\"true\"")
            && !no_row.contains("aria-invalid=\"true\" aria-describedby=\"map-err\""),
        "{no_row}"
    );
    // The message is tied to the choices it is about, and only to them.
    assert!(
        bad.body
            .contains("<select id=\"f-nik\" name=\"nik\" required aria-invalid=\"true\" aria-describedby=\"map-err\">")
            && !bad
                .body
                .contains("<select id=\"f-name\" name=\"name\" required aria-invalid"),
        "{}",
        bad.body
    );
    assert!(
        twice.body.contains("<select id=\"f-nik\" name=\"nik\" required aria-invalid=\"true\"")
            && twice.body.contains("<select id=\"f-name\" name=\"name\" required aria-invalid=\"true\"")
            && !twice.body.contains("id=\"baris\" name=\"baris\" type=\"number\" min=\"1\" inputmode=\"numeric\" value=\"2\" aria-describedby=\"baris-help map-err\""),
        "{}",
        twice.body
    );

    let ok = app
        .post(
            &kolom,
            Some(&b),
            &[("header_row", "2"), ("nik", "1"), ("name", "2"), ("birth_date", "3")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = app.get(ok.location(), Some(&b)).await.body;
    assert!(page.contains("Kolom disimpan"), "{page}");
    assert!(page.contains("Diterima: 2"), "{page}");
    assert!(page.contains("SUMIATI") && page.contains("SUPARMAN"));
    // The mapping is kept with the draft: the form shows it, and sending uses it.
    let again = app.get(&kolom, Some(&b)).await.body;
    assert!(
        again.contains("<option value=\"3\" selected>D — TGL. LHR</option>"),
        "{again}"
    );
    let sent = app.post(&format!("{draft}/kirim"), Some(&b), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 2);
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("submission.map".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    // Once sent, the columns cannot change any more.
    assert_eq!(app.get(&kolom, Some(&b)).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_rejected_row_is_corrected_in_the_browser_and_checked_again() {
    let app = TestApp::new().await;
    let b = village(&app).await;
    let draft = app
        .upload("/pengajuan/unggah", &b, "lembah.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    let page = app.get(&draft, Some(&b)).await.body;
    assert!(page.contains("Diterima: 2") && page.contains("Ditolak: 1"), "{page}");
    assert!(
        page.contains(&format!("href=\"{draft}/baris/5\"")),
        "a rejected row links to its form"
    );
    assert!(
        !page.contains(&format!("href=\"{draft}/baris/3\"")),
        "an accepted row needs no correction"
    );

    // The row's form: every mapped cell, the reasons tied to their cell.
    let form = app.get(&format!("{draft}/baris/5"), Some(&b)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"3,51902E+15\""), "{}", form.body);
    assert!(
        form.body
            .contains("id=\"c1\" name=\"c1\" value=\"3,51902E+15\" aria-invalid=\"true\" aria-describedby=\"c1-err\""),
        "{}",
        form.body
    );
    assert!(form.body.contains("format kolom NIK menjadi Teks"));

    // A correction that is still wrong: the row stays rejected, the form says why, the typed
    // text is kept.
    let still = app
        .post(
            &format!("{draft}/baris/5"),
            Some(&b),
            &[
                ("c0", "3"),
                ("c1", "35190245113900"),
                ("c2", "PAINEM"),
                ("c3", "P"),
                ("c4", ""),
                ("c5", "LANSIA"),
            ],
        )
        .await;
    assert_eq!(still.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        still.body.contains("masih ditolak") && still.body.contains("16 angka"),
        "{}",
        still.body
    );
    assert!(still.body.contains("value=\"35190245113900\""));

    // Corrected: NIK typed as text and the birth date filled in.
    let fixed = app
        .post(
            &format!("{draft}/baris/5"),
            Some(&b),
            &[
                ("c0", "3"),
                ("c1", "3519024511390001"),
                ("c2", "PAINEM"),
                ("c3", "P"),
                ("c4", "05-11-1939"),
                ("c5", "LANSIA"),
            ],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
    assert_eq!(fixed.location(), format!("{draft}?ok=sub.row_fixed#b5"));
    // (A browser does not send the fragment.)
    let page = app.get(&format!("{draft}?ok=sub.row_fixed"), Some(&b)).await.body;
    assert!(page.contains("Diterima: 3") && page.contains("Ditolak: 0"), "{page}");
    assert!(page.contains("Baris diperbaiki dan diperiksa ulang"));
    // The form shows the cell as corrected.
    assert!(
        app.get(&format!("{draft}/baris/5"), Some(&b))
            .await
            .body
            .contains("diperbaiki")
    );

    // Sending saves the corrected person; the audit log names the row and columns, not values.
    app.post(&format!("{draft}/kirim"), Some(&b), &[]).await;
    let people = app
        .db
        .list_residents(&lembah(), &Default::default(), None, 10)
        .await
        .unwrap();
    assert!(
        people.iter().any(|p| p.nik == "3519024511390001" && p.name == "PAINEM"),
        "{people:?}"
    );
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("submission.correct".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    let after = audit[0].after.clone().unwrap_or_default();
    assert!(
        after.contains("\"row\":5") && !after.contains("3519024511390001"),
        "{after}"
    );
}

#[tokio::test]
async fn the_same_nik_in_two_unsent_drafts_is_a_warning_and_only_the_first_sent_counts() {
    let app = TestApp::new().await;
    let b = village(&app).await;
    let first = app
        .upload("/pengajuan/unggah", &b, "satu.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    let second = app
        .upload("/pengajuan/unggah", &b, "dua.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    let page = app.get(&second, Some(&b)).await.body;
    let first_id = first.trim_start_matches("/pengajuan/");
    assert!(
        page.contains(&format!("juga ada di draf pengajuan #{first_id} yang belum dikirim")),
        "{page}"
    );
    assert!(page.contains("Dengan peringatan: 2"), "{page}");
    app.post(&format!("{first}/kirim"), Some(&b), &[]).await;
    // The second is checked again when sent: its people are now known, nothing to save.
    let r = app.post(&format!("{second}/kirim"), Some(&b), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Tidak ada baris yang bisa disimpan"));
    assert_eq!(app.db.count_residents(&lembah()).await.unwrap(), 2);
}

#[tokio::test]
async fn only_the_villages_own_unsent_draft_can_be_changed() {
    let app = TestApp::new().await;
    let b = village(&app).await;
    app.add_user("desa.suluk", Role::OperatorDesa, Some("35.19.02.2004"))
        .await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let draft = app
        .upload("/pengajuan/unggah", &b, "lembah.csv", LEMBAH_CSV.as_bytes())
        .await
        .location()
        .to_string();
    let suluk = app.login("desa.suluk").await;
    let petugas = app.login("petugas1").await;
    for path in [format!("{draft}/kolom"), format!("{draft}/baris/5")] {
        assert_eq!(
            app.get(&path, Some(&suluk)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            app.post(&path, Some(&suluk), &[("c1", "x")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&path, Some(&petugas)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            app.get(&path, None).await.status,
            StatusCode::SEE_OTHER,
            "anonymous: to the login"
        );
    }
    // A row that is not a data row of the file does not exist.
    assert_eq!(
        app.get(&format!("{draft}/baris/2"), Some(&b)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{draft}/baris/99"), Some(&b)).await.status,
        StatusCode::NOT_FOUND
    );
    // Without the CSRF token nothing changes.
    let mut forged = b.clone();
    forged.csrf = "palsu".into();
    assert_eq!(
        app.post(
            &format!("{draft}/baris/5"),
            Some(&forged),
            &[("c1", "3519024511390001")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert!(app.get(&draft, Some(&b)).await.body.contains("Ditolak: 1"));
}

#[tokio::test]
async fn a_village_cannot_import_for_another_desa_through_the_api() {
    let app = TestApp::new().await;
    village(&app).await;
    let t = app.token("desa.lembah").await;
    // A desa parameter is not an option: the list always belongs to the operator's own desa.
    let r = app
        .api_post(
            "/api/v1/submissions?file_name=lembah.csv&desa=35.19.02.2004&desa_code=35.19.02.2004",
            &t,
            LEMBAH_CSV.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["submission_id"].as_i64().unwrap();
    assert_eq!(app.db.submission(id).await.unwrap().unwrap().desa_code, "35.19.02.2001");
    let suluk = Scope::Desa {
        code: "35.19.02.2004".into(),
    };
    assert_eq!(app.db.count_residents(&suluk).await.unwrap(), 0);
}
