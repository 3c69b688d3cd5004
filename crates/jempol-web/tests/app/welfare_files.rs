//! Steps 9–12 through files: Dinsos and village lists, OpenSID's program bantuan export and
//! proposal results are checked row by row and applied only when asked, within the user's
//! scope; the BNBA list (XLSX), the berita acara of the musyawarah desa (PDF) and the report
//! (page, PDF, XLSX) carry the figures recorded, and every export is audited.

use crate::support::*;
use crate::visits::{Setup, approved};
use axum::http::StatusCode;
use jempol_store::audit::AuditFilter;
use jempol_store::welfare::Whose;

async fn member(s: &Setup, name: &str) -> (i64, String) {
    let m = s
        .app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap();
    (m.id, m.nik)
}

/// The text of an HTML-escaped element body.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The checked changes a preview offers to apply.
fn plan_of(html: &str) -> String {
    let at = html.find("<textarea name=\"plan\" hidden>").expect("a plan to apply")
        + "<textarea name=\"plan\" hidden>".len();
    unescape(&html[at..at + html[at..].find("</textarea>").unwrap()])
}

async fn upload(app: &TestApp, b: &Browser, kind: &str, program: &str, file: &str, bytes: &[u8]) -> Resp {
    app.post_multipart(
        "/bantuan/impor",
        b,
        &[
            ("kind", kind),
            ("program", program),
            ("source", "Dinsos Kab. Madiun, November 2026"),
        ],
        Some(("berkas", file, "application/octet-stream", bytes)),
    )
    .await
}

fn xlsx_of(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn lists_from_dinsos_the_village_and_opensid_are_checked_then_applied_within_scope() {
    let s = approved().await;
    let app = &s.app;
    let (a, nik_a) = member(&s, "WARGA GELOMBANG 00").await; // desa 2001
    let (b, nik_b) = member(&s, "WARGA GELOMBANG 01").await; // desa 2003
    // A vulnerable resident of another kecamatan (Kebonsari), outside Dinsos' scope here.
    let far = jempol_core::nik::compose("351901", jiff::civil::date(1941, 2, 2), false, 98);
    assert_eq!(
        app.db
            .residents_by_nik(
                &jempol_core::Scope::Kabupaten { code: "35.19".into() },
                std::slice::from_ref(&far)
            )
            .await
            .unwrap()
            .len(),
        1,
        "the resident exists"
    );
    let dinsos = app.login("dinsos").await;

    // A Dinsos list with a title line, semicolons, a NIK of another kecamatan, a short NIK,
    // an ambiguous program and a good row.
    let csv = format!(
        "Daftar penerima Kecamatan Dolopo\nNo;NIK;Nama;Jenis Bantuan;Sejak;Status DTSEN;Desil\n\
         1;{nik_a};A;PBI Jaminan Kesehatan;01-06-2026;terdaftar;2\n\
         2;{far};LUAR;Sembako;;;\n\
         3;35190201015;PENDEK;Sembako;;;\n\
         4;{nik_b};B;PKH;;;\n"
    );
    let check = upload(app, &dinsos, "daftar", "", "dinsos.csv", csv.as_bytes()).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(
        check
            .body
            .contains("DTSEN: terdaftar di DTSEN, desil 2; menerima PBI Jaminan Kesehatan sejak 2026-06-01"),
        "{}",
        check.body
    );
    assert!(check.body.contains("tidak ada di daftar warga rentan wilayah Anda"));
    assert!(check.body.contains("harus 16 angka"));
    assert!(check.body.contains("cocok dengan lebih dari satu program"));
    assert!(
        app.db.received(Whose::Resident(a)).await.unwrap().is_empty(),
        "nothing before apply"
    );
    // A list with neither source nor file is explained.
    let no_source = app
        .post_multipart("/bantuan/impor", &dinsos, &[("kind", "daftar"), ("source", "")], None)
        .await;
    assert_eq!(no_source.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_source.body.contains("Tulis sumber daftarnya"));
    let applied = app
        .post(
            "/bantuan/impor/terapkan",
            Some(&dinsos),
            &[
                ("plan", &plan_of(&check.body)),
                ("source", "Dinsos Kab. Madiun, November 2026"),
                ("kind", "daftar"),
            ],
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    let got = app.db.received(Whose::Resident(a)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].program_code.as_str(), got[0].since.as_deref()),
        ("pbi_jk", Some("2026-06-01"))
    );
    assert_eq!(got[0].source, "Dinsos Kab. Madiun, November 2026");
    let scope = jempol_core::Scope::Kecamatan {
        codes: vec!["35.19.02".into()],
    };
    let w = app.db.welfare_row(a, &scope).await.unwrap().unwrap();
    assert_eq!(w.dtsen, jempol_core::assistance::Dtsen::Registered { desil: Some(2) });

    // A plan tampered with to reach another desa changes nothing for a village operator.
    let desa = app.login("operator_desa").await;
    let forged = format!(r#"[{{"t":"Received","rid":{b},"program":"sembako","since":null}}]"#);
    app.post(
        "/bantuan/impor/terapkan",
        Some(&desa),
        &[("plan", &forged), ("source", "x")],
    )
    .await;
    assert!(app.db.received(Whose::Resident(b)).await.unwrap().is_empty());

    // OpenSID: BLT Dana Desa paid to a family (sasaran 2): every member in the village's scope.
    let kk = app.db.welfare_row(a, &scope).await.unwrap().unwrap().no_kk.unwrap();
    let file = xlsx_of(&[
        (
            "Program",
            vec![
                vec!["id", "3"],
                vec!["Nama Program", "BLT Dana Desa"],
                vec!["Sasaran Program", "2"],
                vec!["Keterangan", ""],
                vec!["Asal Dana", "Dana Desa"],
                vec!["Rentang Waktu (Awal)", "2026-01-01"],
                vec!["Rentang Waktu (Akhir)", "2026-12-31"],
            ],
        ),
        (
            "Peserta",
            vec![
                vec![
                    "Peserta",
                    "No. Peserta",
                    "NIK",
                    "Nama",
                    "Tempat Lahir",
                    "Tanggal Lahir",
                    "Alamat",
                ],
                vec![&kk, "BLT-1", &nik_a, "A", "MADIUN", "1940-01-01", "KRAJAN"],
            ],
        ),
    ]);
    let check = upload(app, &desa, "opensid", "", "program_bantuan.xlsx", &file).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(check.body.contains("sasaran keluarga"), "{}", check.body);
    let plan = plan_of(&check.body);
    let r = app
        .post(
            "/bantuan/impor/terapkan",
            Some(&desa),
            &[("plan", &plan), ("source", "OpenSID desa"), ("kind", "opensid")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.db
            .received(Whose::Resident(a))
            .await
            .unwrap()
            .iter()
            .any(|x| x.program_code == "blt_dd")
    );
    assert!(
        app.db.received(Whose::Resident(b)).await.unwrap().is_empty(),
        "same KK in another desa is outside the village's scope"
    );
    // A file that is not an OpenSID export says so.
    let wrong = upload(app, &desa, "opensid", "", "x.csv", b"NIK\n1\n").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("bukan berkas ekspor program bantuan OpenSID"));
    // The village may not upload results (step 11 is the Kasi's and Dinsos').
    let r = upload(app, &desa, "hasil", "", "hasil.csv", b"NIK,Hasil\n").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Results by NIK: the pending proposal gets its result.
    app.post(
        &format!("/bantuan/warga/{b}/usulan"),
        Some(&app.login("petugas").await),
        &[
            ("target", "sembako"),
            ("channel", "siks_ng"),
            ("date", "2026-11-02"),
            ("reason", "lansia miskin"),
        ],
    )
    .await;
    let results =
        format!("NIK,Usulan,Hasil,Alasan,Tanggal\n{nik_b},Sembako,Diterima,,02-11-2026\n{nik_a},PKH,Ditolak,,\n");
    let check = upload(app, &dinsos, "hasil", "", "hasil.csv", results.as_bytes()).await;
    assert!(
        check.body.contains("usulan Sembako / BPNT → diterima"),
        "{}",
        check.body
    );
    assert!(check.body.contains("Usulan ditolak: tulis alasannya"));
    app.post(
        "/bantuan/impor/terapkan",
        Some(&dinsos),
        &[
            ("plan", &plan_of(&check.body)),
            ("source", "SIKS-NG"),
            ("kind", "hasil"),
        ],
    )
    .await;
    let p = &app.db.proposals(Whose::Resident(b)).await.unwrap()[0];
    assert_eq!(
        (p.result.as_str(), p.result_date.as_deref()),
        ("diterima", Some("2026-11-02"))
    );
    let audit = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("assistance.import".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 4, "each apply is audited");
}

#[tokio::test]
async fn proposals_leave_as_bnba_and_berita_acara_and_the_report_counts_what_was_recorded() {
    let s = approved().await;
    let app = &s.app;
    let (a, nik_a) = member(&s, "WARGA GELOMBANG 00").await;
    let (b, _) = member(&s, "WARGA GELOMBANG 02").await; // desa 2001 too
    let petugas = app.login("petugas").await;
    for (rid, target, channel) in [
        (a, "pbi_jk", "musdes"),
        (b, "dtsen", "musdes"),
        (a, "atensi_lansia", "siks_ng"),
    ] {
        let r = app
            .post(
                &format!("/bantuan/warga/{rid}/usulan"),
                Some(&petugas),
                &[
                    ("target", target),
                    ("channel", channel),
                    ("date", "2026-11-02"),
                    ("reason", "lansia tunggal"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let dinsos = app.login("dinsos").await;
    let pid = app.db.proposals(Whose::Resident(a)).await.unwrap()[0].id;
    app.post(
        &format!("/bantuan/usulan/{pid}/hasil"),
        Some(&dinsos),
        &[
            ("result", "diterima"),
            ("result_date", "2026-11-02"),
            ("result_reason", ""),
        ],
    )
    .await;

    // The proposals page and the BNBA list of one desa.
    let page = app
        .get(
            &format!("/bantuan/usulan?gelombang={}&desa=35.19.02.2001", s.id),
            Some(&dinsos),
        )
        .await;
    assert_eq!(page.body.matches("data-resident=").count(), 3, "{}", page.body);
    let x = app
        .get(
            &format!(
                "/bantuan/usulan/bnba.xlsx?gelombang={}&desa=35.19.02.2001&jalur=musdes",
                s.id
            ),
            Some(&dinsos),
        )
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let sheets = jempol_import::read_sheets("bnba.xlsx", &x.bytes).unwrap();
    let rows = &sheets[0].1.rows;
    assert_eq!(sheets[0].0, "BNBA");
    let head: Vec<&str> = rows[0].cells.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(&head[..5], &["No", "NIK", "No. KK", "Nama", "Alamat"]);
    assert_eq!(rows.len(), 3, "two musdes proposals");
    assert!(
        rows.iter()
            .any(|r| r.cells[1].text == nik_a && r.cells[7].text == "PBI Jaminan Kesehatan")
    );
    assert!(
        rows.iter().all(|r| r.cells[1].kind != jempol_import::CellKind::Number),
        "NIK as text"
    );

    // The berita acara of the musyawarah desa.
    let pdf = app
        .get(
            &format!(
                "/bantuan/usulan/berita-acara.pdf?gelombang={}&desa=35.19.02.2001&tanggal=2026-11-02",
                s.id
            ),
            Some(&dinsos),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let (text, _) = pdf_text(&pdf.bytes);
    assert!(text.contains("BERITA ACARA MUSYAWARAH DESA/KELURAHAN"), "{text}");
    assert!(text.contains("GELOMBANG 00") && text.contains("GELOMBANG 02"), "{text}");
    assert!(text.contains("pendaftaran"), "{text}");
    assert!(text.contains("Senin, tanggal 2 November 2026"), "{text}");
    assert!(!text.contains("ATENSI"), "only the musdes channel: {text}");
    let none = app
        .get(
            &format!("/bantuan/usulan/berita-acara.pdf?gelombang={}&desa=35.19.02.2003", s.id),
            Some(&dinsos),
        )
        .await;
    assert_ne!(none.status, StatusCode::OK, "no musdes proposals in desa 2003");

    // The report: per desa and per program, the same figures as the records.
    let report = app
        .get(&format!("/bantuan/laporan?gelombang={}", s.id), Some(&dinsos))
        .await
        .body;
    assert!(report.contains("Lembah") || report.contains("LEMBAH"), "{report}");
    let xl = app
        .get(&format!("/bantuan/laporan.xlsx?gelombang={}", s.id), Some(&dinsos))
        .await;
    let sheets = jempol_import::read_sheets("r.xlsx", &xl.bytes).unwrap();
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Per desa", "Per program", "Per desa dan program", "Waktu langkah"]
    );
    let total = sheets[0].1.rows.last().unwrap();
    let cells: Vec<&str> = total.cells.iter().map(|c| c.text.as_str()).collect();
    // 12 people, none holds an e-KTP yet, none in DTSEN, one receiving (accepted PBI-JK),
    // two proposed, one accepted, none facilitated.
    assert_eq!(cells, ["Jumlah", "12", "0", "0", "1", "2", "1", "0"]);
    let pbi = sheets[1]
        .1
        .rows
        .iter()
        .find(|r| r.cells[0].text == "PBI Jaminan Kesehatan")
        .unwrap();
    let pbi: Vec<&str> = pbi.cells.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(pbi, ["PBI Jaminan Kesehatan", "1", "1", "1", "0", "0"]);
    let dtsen = sheets[1]
        .1
        .rows
        .iter()
        .find(|r| r.cells[0].text == "Pendaftaran DTSEN")
        .unwrap();
    assert_eq!(dtsen.cells[2].text, "1", "one DTSEN proposal");
    let pdf = app
        .get(&format!("/bantuan/laporan.pdf?gelombang={}", s.id), Some(&dinsos))
        .await;
    let (text, _) = pdf_text(&pdf.bytes);
    assert!(text.contains("LAPORAN PEMENUHAN BANTUAN SOSIAL"), "{text}");
    // The village's report covers its desa only.
    let desa = app.login("operator_desa").await;
    let xl = app
        .get(&format!("/bantuan/laporan.xlsx?gelombang={}", s.id), Some(&desa))
        .await;
    let sheets = jempol_import::read_sheets("r.xlsx", &xl.bytes).unwrap();
    assert_eq!(sheets[0].1.rows.last().unwrap().cells[1].text, "6");
    // Every export is in the audit log.
    let audit = app
        .db
        .audit_entries(&AuditFilter {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "proposal.export").count(), 2);
    assert_eq!(audit.iter().filter(|e| e.action == "assistance.report").count(), 3);
}

#[tokio::test]
async fn without_a_campaign_the_assistance_pages_say_what_comes_first() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let dinsos = app.login("dinsos").await;
    let list = app.get("/bantuan", Some(&dinsos)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Belum ada gelombang jemput bola"), "{}", list.body);
    for path in ["/bantuan/laporan", "/bantuan/usulan", "/bantuan/usulan/bnba.xlsx"] {
        let r = app.get(path, Some(&dinsos)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            r.body.contains("setelah Kasi Pelayanan membuat gelombang"),
            "{path}: {}",
            r.body
        );
    }
}
