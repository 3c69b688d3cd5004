//! The register: search, keyset paging, scope, NIK masking, audited exports.

use crate::access::resident;
use crate::support::*;
use axum::http::StatusCode;
use jempol_core::nik::compose;
use jiff::civil::date;

async fn fill(app: &TestApp) {
    let (sop, _) = app.db.active_sop().await.unwrap();
    let mut rows = Vec::new();
    for i in 0..60u16 {
        let mut r = resident(
            &compose("351902", date(1950, 1, 1 + (i % 28) as i8), false, i + 1),
            "35.19.02.2001",
            sop.id,
        );
        r.name = format!("WARGA LEMBAH {i:02}");
        rows.push(r);
    }
    for i in 0..3u16 {
        let mut r = resident(
            &compose("351902", date(1960, 2, 1), true, 100 + i),
            "35.19.02.2003",
            sop.id,
        );
        r.name = format!("WARGA KRADINAN {i}");
        r.odgj = true;
        rows.push(r);
    }
    rows.push(resident("3519010101500004", "35.19.01.2001", sop.id));
    app.db.insert_residents(&rows, "test", app.clock.now()).await.unwrap();
}

fn body_rows(html: &str) -> usize {
    html.split("<tbody>")
        .nth(1)
        .map(|b| b.split("</tbody>").next().unwrap_or("").matches("<tr>").count())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_register_pages_searches_and_stays_in_scope() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let desa = app.login("operator_desa").await;
    let first = app.get("/warga", Some(&desa)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(body_rows(&first.body), 50);
    assert!(
        !first.body.contains("KRADINAN"),
        "another desa's residents do not exist here"
    );
    let at = first
        .body
        .find("rel=\"next\"")
        .map(|_| first.body.find("href=\"/warga?").unwrap())
        .unwrap()
        + 6;
    let href = first.body[at..at + first.body[at..].find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let second = app.get(&href, Some(&desa)).await.body;
    assert_eq!(body_rows(&second), 10);
    assert!(!second.contains("rel=\"next\""));
    // Search by name and by the beginning of a NIK: the text is kept with the session, the
    // address only says a search is on.
    let found = app.search(&desa, "/warga", &[("q", "lembah 07")]).await;
    assert_eq!(body_rows(&found.body), 1);
    let nik = compose("351902", date(1950, 1, 4), false, 4);
    let found = app.search(&desa, "/warga", &[("q", &nik[..12])]).await;
    assert_eq!(body_rows(&found.body), 3);
    assert!(
        found.body.contains(&format!("value=\"{}\"", &nik[..12])),
        "the box shows what was searched"
    );
    // The export of a searched list holds what the page shows.
    let csv = app.get("/warga/ekspor.csv?cari=1", Some(&desa)).await;
    assert_eq!(csv.body.lines().count(), 1 + 3, "{}", csv.body);
    // Without `cari=1` the list is whole again; a search elsewhere does not leak in.
    assert_eq!(body_rows(&app.get("/warga", Some(&desa)).await.body), 50);
    // A malformed cursor is the first page, not an error.
    assert_eq!(body_rows(&app.get("/warga?before=abc", Some(&desa)).await.body), 50);
    // Asking for another desa finds nothing.
    assert!(
        app.get("/warga?desa=35.19.02.2003", Some(&desa))
            .await
            .body
            .contains("Tidak ada warga yang cocok")
    );
    // The Camat sees the kecamatan, not Kebonsari; the category filter works.
    let camat = app.login("camat").await;
    assert_eq!(body_rows(&app.get("/warga?kategori=odgj", Some(&camat)).await.body), 3);
    assert_eq!(
        body_rows(&app.get("/warga?desa=35.19.01.2001", Some(&camat)).await.body),
        0
    );
    // The admin has no resident data.
    assert_eq!(
        app.get("/warga", Some(&app.login("admin").await)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn niks_are_masked_where_not_needed_and_exports_are_audited() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let nik = compose("351902", date(1960, 2, 1), true, 100);
    let camat = app.login("camat").await;
    let page = app.get("/warga?kategori=odgj", Some(&camat)).await.body;
    assert!(page.contains("NIK disamarkan") && page.contains(&jempol_core::nik::mask(&nik)) && !page.contains(&nik));
    let petugas = app.login("petugas").await;
    assert!(
        app.get("/warga?kategori=odgj", Some(&petugas))
            .await
            .body
            .contains(&nik)
    );

    let csv = app.get("/warga/ekspor.csv?kategori=odgj", Some(&camat)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("warga-rentan.csv")
    );
    assert_eq!(csv.body.trim_start_matches('\u{feff}').lines().count(), 4);
    assert!(csv.body.contains(&jempol_core::nik::mask(&nik)) && !csv.body.contains(&nik));

    let req = axum::http::Request::get("/warga/ekspor.xlsx")
        .header(axum::http::header::COOKIE, &petugas.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let grid = jempol_import::read("warga.xlsx", &bytes).unwrap();
    assert_eq!(grid.rows.len(), 64, "header and the 63 residents of Kecamatan Dolopo");
    assert!(
        grid.rows
            .iter()
            .skip(1)
            .all(|r| r.cells[0].kind == jempol_import::CellKind::Text && r.cells[0].text.len() == 16)
    );

    let f = jempol_store::audit::AuditFilter {
        action: Some("resident.export".into()),
        limit: 10,
        ..Default::default()
    };
    let audit = app.db.audit_entries(&f).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert!(
        audit
            .iter()
            .any(|e| e.actor == "camat" && e.after.as_deref().unwrap().contains("\"full_nik\":false"))
    );
    assert!(
        audit
            .iter()
            .any(|e| e.actor == "petugas" && e.after.as_deref().unwrap().contains("\"rows\":63"))
    );
}

#[tokio::test]
async fn a_record_shows_its_history_and_consent_is_required_for_disabilitas() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    let mut r = resident("3519021208550003", "35.19.02.2001", sop.id);
    r.disabilitas = true;
    r.disability_kind = Some("sensorik_netra".into());
    app.db.insert_residents(&[r], "test", app.clock.now()).await.unwrap();
    let id = app
        .db
        .list_residents(
            &jempol_core::Scope::Desa {
                code: "35.19.02.2001".into(),
            },
            &Default::default(),
            None,
            1,
        )
        .await
        .unwrap()[0]
        .id;
    let at = format!("/warga/{id}");

    // Scope: another village's operator does not find it; the Camat reads it masked; reads are audited.
    app.add_user("desa.suluk", jempol_core::Role::OperatorDesa, Some("35.19.02.2004"))
        .await;
    assert_eq!(
        app.get(&at, Some(&app.login("desa.suluk").await)).await.status,
        StatusCode::NOT_FOUND
    );
    let camat = app.login("camat").await;
    let page = app.get(&at, Some(&camat)).await.body;
    assert!(page.contains("351902********03") && !page.contains("3519021208550003"));
    assert!(
        !page.contains("<form method=\"post\" action=\"/warga/"),
        "the Camat does not edit"
    );
    let views = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.view".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(
        app.post(&at, Some(&camat), &[("consent_by", "self")]).await.status,
        StatusCode::FORBIDDEN
    );

    // The village records needs and consent; a disabled person's record needs consent.
    let desa = app.login("operator_desa").await;
    let r = app
        .post(
            &at,
            Some(&desa),
            &[
                ("needs_companion", "1"),
                ("severity", "berat"),
                ("phone", "081234567890"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("UU 27/2022 Pasal 26") && r.body.contains("value=\"081234567890\""),
        "message shown, input kept"
    );
    let r = app
        .post(
            &at,
            Some(&desa),
            &[
                ("consent_by", "wali"),
                ("wali_name", "SUTRISNO"),
                ("wali_nik", "3.51902E+15"),
            ],
        )
        .await;
    assert!(
        r.body.contains("NIK wali:") && r.body.contains("Isi hubungan wali"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-describedby=\"c-wnik-err\""));
    let r = app
        .post(
            &at,
            Some(&desa),
            &[
                ("needs_companion", "1"),
                ("severity", "berat"),
                ("consent_by", "wali"),
                ("wali_name", "SUTRISNO"),
                ("wali_nik", "3519021208750003"),
                ("wali_relationship", "anak"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location(), Some(&desa)).await.body;
    assert!(page.contains("Data warga disimpan") && page.contains("SUTRISNO") && page.contains("(anak)"));
    assert!(page.contains("data diubah"), "the change is in the history");
    let saved = app
        .db
        .resident_in_scope(
            id,
            &jempol_core::Scope::Desa {
                code: "35.19.02.2001".into(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(saved.needs_companion && saved.consent_at.is_some());
    assert_eq!(saved.disability_severity.as_deref(), Some("berat"));
    let updates = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.update".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(updates.len(), 1);
    assert!(updates[0].before.as_deref().unwrap().contains("\"consent_by\":null"));
    assert!(updates[0].after.as_deref().unwrap().contains("\"consent_by\":\"wali\""));
}

#[tokio::test]
async fn identity_and_coordinates_are_corrected_under_the_same_rules_and_every_change_is_history() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    app.add_user("desa.suluk", jempol_core::Role::OperatorDesa, Some("35.19.02.2004"))
        .await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    let nik = compose("351902", date(1950, 1, 1), false, 1);
    app.db
        .insert_residents(&[resident(&nik, "35.19.02.2001", sop.id)], "test", app.clock.now())
        .await
        .unwrap();
    let id = app
        .db
        .list_residents(
            &jempol_core::Scope::Kabupaten { code: "35.19".into() },
            &Default::default(),
            None,
            1,
        )
        .await
        .unwrap()[0]
        .id;
    let at = format!("/warga/{id}/ubah");
    // Who may: staff and the village itself; not the Camat, not another village.
    assert_eq!(
        app.get(&at, Some(&app.login("camat").await)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&at, Some(&app.login("desa.suluk").await)).await.status,
        StatusCode::NOT_FOUND
    );
    let desa = app.login("operator_desa").await;
    assert_eq!(app.get(&at, Some(&desa)).await.status, StatusCode::OK);
    let staff = app.login("petugas").await;
    let form = app.get(&at, Some(&staff)).await.body;
    assert!(
        form.contains("value=\"WARGA UJI\"") && form.contains("value=\"1950-01-01\""),
        "{form}"
    );

    let fields = |bd: &'static str, lat: &'static str, lng: &'static str| {
        vec![
            ("name", "warga uji baru"),
            ("no_kk", "3519020101100001"),
            ("sex", "L"),
            ("birth_place", "madiun"),
            ("birth_date", bd),
            ("address", "Jl. Raya 5"),
            ("dusun", "Sidomulyo"),
            ("rt", "002"),
            ("rw", "001"),
            ("disabilitas", "1"),
            ("ragam", "netra"),
            ("ragam", "rungu"),
            ("lat", lat),
            ("lng", lng),
        ]
    };
    // Refused, each reason next to its field; nothing changes.
    let r = app
        .post(&at, Some(&staff), &fields("31-02-1950", "111.52", "-7.65"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"i-bd-err\"") && r.body.contains("tidak bisa dibaca"),
        "{}",
        r.body
    );
    assert!(r.body.contains("di luar Indonesia"));
    assert!(r.body.contains("value=\"warga uji baru\""), "what was typed is kept");
    let r = app.post(&at, Some(&staff), &fields("01-01-2015", "", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("16 tahun"), "{}", r.body);

    let r = app
        .post(&at, Some(&staff), &fields("01-01-1950", "-7,65", "111,52"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/warga/{id}"), Some(&staff)).await.body;
    assert!(
        page.contains("WARGA UJI BARU") && page.contains("-7.65, 111.52"),
        "{page}"
    );
    assert!(page.contains("disabilitas (netra, rungu)"), "{page}");
    // The history names what changed; the audit entry holds only those fields.
    assert!(page.contains("data diubah"), "{page}");
    let audit = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.update".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    let after: serde_json::Value = serde_json::from_str(audit[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["name"], "WARGA UJI BARU");
    assert_eq!(after["lat"], -7.65);
    assert!(after.get("sex").is_none() && after.get("no_kk").is_none(), "{after}");
    // Saving the same again is not a change.
    app.post(&at, Some(&staff), &fields("01-01-1950", "-7.65", "111.52"))
        .await;
    let again = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.update".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
}

/// The list filters under random input (deterministic seeds, so a failure reproduces): any
/// text in any filter, any paging cursor, as a village operator. Never a server error, and
/// never a row from outside the village.
#[tokio::test]
async fn list_filters_survive_any_input_and_stay_in_scope() {
    use proptest::strategy::{Strategy, ValueTree};
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    let desa = app.login("operator_desa").await;
    let text = || {
        proptest::prop_oneof![
            proptest::string::string_regex("\\PC{0,40}").unwrap(),
            proptest::string::string_regex("[%_'\"\\\\;()*=<>-]{0,12}").unwrap(),
            proptest::string::string_regex("[0-9]{0,20}").unwrap(),
            proptest::strategy::Just("' OR 1=1 --".to_string()),
            proptest::strategy::Just("35.19.01.2001".to_string()),
            proptest::strategy::Just("x".repeat(5000)),
        ]
    };
    let cursor = proptest::prop_oneof![
        proptest::strategy::Just(String::new()),
        proptest::num::i64::ANY.prop_map(|n| n.to_string()),
        text(),
    ];
    let strategy = (text(), text(), text(), text(), cursor);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for case in 0..300 {
        let (q, d, k, t, before) = strategy.new_tree(&mut runner).unwrap().current();
        // The form posts the search (kept with the session), then the list and its export
        // are opened as the page links them, with any cursor.
        let sent = app
            .post(
                "/cari",
                Some(&desa),
                &[
                    ("halaman", "/warga"),
                    ("q", &q),
                    ("desa", &d),
                    ("kategori", &k),
                    ("tahap", &t),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "case {case}: {}", sent.body);
        let filters = sent
            .location()
            .trim_start_matches("/warga")
            .trim_start_matches('?')
            .to_string();
        let cursor = if has_nik(&before) {
            String::new()
        } else {
            serde_urlencoded::to_string([("before", &before)]).unwrap()
        };
        let qs = [filters.as_str(), cursor.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("&");
        for path in ["/warga", "/warga/ekspor.csv"] {
            let r = app.get(&format!("{path}?{qs}"), Some(&desa)).await;
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::BAD_REQUEST,
                    StatusCode::UNPROCESSABLE_ENTITY
                ]
                .contains(&r.status),
                "case {case} {path}?{qs}: {} {}",
                r.status,
                r.body
            );
            assert!(
                !r.body.contains("KRADINAN") && !r.body.contains("3519010101500004"),
                "case {case}: another village's row"
            );
        }
    }
}

#[tokio::test]
async fn exported_cells_never_run_as_formulas() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    // Stored as someone could type them (straight into the store: the forms would refuse
    // some of these, the export must not rely on that).
    let mut r = resident(&compose("351902", date(1950, 3, 1), false, 7), "35.19.02.2001", sop.id);
    r.name = "=HYPERLINK(\"http://contoh.invalid\",\"klik\")".into();
    r.birth_place = "+62 MADIUN".into();
    r.dusun = "@SUM(A1:A9)".into();
    r.rt = "-1+1".into();
    app.db.insert_residents(&[r], "test", app.clock.now()).await.unwrap();
    let petugas = app.login("petugas").await;
    let csv = app.get("/warga/ekspor.csv", Some(&petugas)).await.body;
    let line = csv.lines().find(|l| l.contains("HYPERLINK")).unwrap();
    let cells: Vec<&str> = line.split(';').collect();
    for c in &cells {
        let c = c.trim_matches('"');
        assert!(
            !c.starts_with(['=', '+', '-', '@']),
            "a cell that would run: {c} in {line}"
        );
    }
    assert!(
        line.contains("'=HYPERLINK")
            && line.contains("'+62 MADIUN")
            && line.contains("'@SUM")
            && line.contains("'-1+1")
    );
    // XLSX: the same text arrives as text cells (a formula cell would read back as its value).
    let req = axum::http::Request::get("/warga/ekspor.xlsx")
        .header(axum::http::header::COOKIE, &petugas.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let bytes = app.send(req).await.bytes;
    let grid = jempol_import::read("warga.xlsx", &bytes).unwrap();
    let row = grid
        .rows
        .iter()
        .find(|r| r.cells.iter().any(|c| c.text.contains("HYPERLINK")))
        .unwrap();
    let name = row.cells.iter().find(|c| c.text.contains("HYPERLINK")).unwrap();
    assert_eq!(name.kind, jempol_import::CellKind::Text);
    assert!(name.text.starts_with("=HYPERLINK"));
}

/// A search finds the same people, newest first, whichever way the register is read: through
/// the index when few match (fewer than 5,000 in the whole register), newest first when many
/// do, and with a scope of several kecamatan (an IN list) as with one.
#[tokio::test]
async fn searches_answer_the_same_whether_few_or_many_match() {
    let app = TestApp::new().await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    // 5,600 residents: 5,200 named SITI… (many) across two kecamatan, 400 others (few).
    let mut rows = Vec::new();
    for i in 0..5_600u32 {
        let (kec, desa) = if i % 3 == 0 {
            ("351901", "35.19.01.2001")
        } else {
            ("351902", "35.19.02.2001")
        };
        let born = date(1940 + (i % 40) as i16, 1 + (i % 12) as i8, 1 + (i % 28) as i8);
        let mut r = resident(&compose(kec, born, i % 2 == 0, (i / 480 + 1) as u16), desa, sop.id);
        r.name = if i < 5_200 {
            format!("SITI NO{i:05}")
        } else {
            format!("PAIMAN KE{i:05}")
        };
        rows.push(r);
    }
    app.db.insert_residents(&rows, "test", app.clock.now()).await.unwrap();
    let all = app
        .db
        .list_residents(
            &jempol_core::Scope::Kecamatan {
                codes: vec!["35.19.01".into(), "35.19.02".into()],
            },
            &Default::default(),
            None,
            10_000,
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 5_600);
    let scopes = [
        vec!["35.19.02".to_string()],
        vec!["35.19.01".to_string(), "35.19.02".to_string()],
    ];
    for q in [
        "SITI", "siti no0", "PAIMAN", "ke0540", "35190", "351901", "3519020", "SI", "S_TI", "NOBODY", "99",
    ] {
        for codes in &scopes {
            let scope = jempol_core::Scope::Kecamatan { codes: codes.clone() };
            let f = jempol_store::residents::ResidentFilter {
                q: Some(q.into()),
                ..Default::default()
            };
            let page = app.db.list_residents(&scope, &f, None, 51).await.unwrap();
            let deeper_from = page.get(20).map(|r| r.id);
            let deeper = app.db.list_residents(&scope, &f, deeper_from, 51).await.unwrap();
            let like = |name: &str, nik: &str| {
                if q.bytes().all(|b| b.is_ascii_digit()) {
                    nik.starts_with(q)
                } else {
                    let pattern = q.to_uppercase().replace('_', ".");
                    regex_lite(&pattern, name)
                }
            };
            let expected: Vec<i64> = all
                .iter()
                .filter(|r| codes.iter().any(|c| r.desa_code.starts_with(c.as_str())) && like(&r.name, &r.nik))
                .map(|r| r.id)
                .collect();
            let got: Vec<i64> = page.iter().map(|r| r.id).collect();
            assert_eq!(
                got,
                expected.iter().copied().take(51).collect::<Vec<_>>(),
                "{q:?} in {codes:?}"
            );
            if let Some(from) = deeper_from {
                let got: Vec<i64> = deeper.iter().map(|r| r.id).collect();
                let want: Vec<i64> = expected.iter().copied().filter(|id| *id < from).take(51).collect();
                assert_eq!(got, want, "{q:?} in {codes:?}, after {from}");
            }
        }
    }
}

/// `pattern` (letters, and "." for any one character) occurs in `text`.
fn regex_lite(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    (0..=t.len().saturating_sub(p.len()))
        .any(|i| t.len() >= p.len() && p.iter().zip(&t[i..]).all(|(a, b)| *a == '.' || a == b))
}
