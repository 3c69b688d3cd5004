//! SOP step 9, the program catalogue: the national programs from the start, local programs
//! added, programs changed; every form error explained and kept; every change audited.

use crate::support::*;
use axum::http::StatusCode;
use jempol_store::audit::AuditFilter;

#[tokio::test]
async fn the_catalogue_starts_with_the_national_programs_and_takes_local_ones() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let dinsos = app.login("dinsos").await;
    let page = app.get("/bantuan/program", Some(&dinsos)).await;
    assert_eq!(page.status, StatusCode::OK);
    for name in [
        "PKH komponen lansia",
        "PKH komponen disabilitas berat",
        "Sembako / BPNT",
        "PBI Jaminan Kesehatan",
        "BLT Dana Desa",
        "ATENSI lansia",
        "ATENSI disabilitas",
    ] {
        assert!(page.body.contains(name), "{name}");
    }
    // A local program typed wrong: told what to fix, what was typed kept.
    let bad = app
        .post(
            "/bantuan/program",
            Some(&dinsos),
            &[
                ("code", "Bansos Kab!"),
                ("name", "Bantuan lansia kabupaten"),
                ("level", "orang"),
                ("funding", "kabupaten"),
                ("max_desil", "sebelas"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("huruf kecil, angka dan garis bawah"), "{}", bad.body);
    assert!(bad.body.contains("Pilih paling sedikit satu kelompok sasaran"));
    assert!(bad.body.contains("Desil DTSEN antara 1 dan 10"));
    assert!(bad.body.contains("value=\"Bantuan lansia kabupaten\""), "kept");
    for (field, id) in [("code", "a-code"), ("max_desil", "a-desil")] {
        assert!(
            bad.body
                .contains(&format!("aria-invalid=\"true\" aria-describedby=\"{id}-err\"")),
            "{field} is marked: {}",
            bad.body
        );
    }
    assert!(bad.body.contains("aria-describedby=\"a-targets-err\""));
    // A change refused keeps what was typed in that program's form, under its field.
    let refused = app
        .post(
            "/bantuan/program/pbi_jk",
            Some(&dinsos),
            &[
                ("name", "PBI JK diketik ulang"),
                ("level", "orang"),
                ("funding", "pusat"),
                ("max_desil", "5"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("value=\"PBI JK diketik ulang\"")
            && refused.body.contains("aria-describedby=\"t-pbi_jk-err\""),
        "{}",
        refused.body
    );
    let ok = app
        .post(
            "/bantuan/program",
            Some(&dinsos),
            &[
                ("code", "bansos_lansia_kab"),
                ("name", "Bantuan lansia kabupaten"),
                ("level", "orang"),
                ("funding", "kabupaten"),
                ("targets", "lansia"),
                ("max_desil", "5"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let again = app
        .post(
            "/bantuan/program",
            Some(&dinsos),
            &[
                ("code", "bansos_lansia_kab"),
                ("name", "X"),
                ("level", "orang"),
                ("funding", "kabupaten"),
                ("targets", "lansia"),
            ],
        )
        .await;
    assert!(again.body.contains("sudah dipakai"), "{}", again.body);
    // A change: PBI-JK up to desil 5, BLT DD stopped.
    let r = app
        .post(
            "/bantuan/program/pbi_jk",
            Some(&dinsos),
            &[
                ("name", "PBI Jaminan Kesehatan"),
                ("level", "orang"),
                ("funding", "pusat"),
                ("targets", "lansia"),
                ("targets", "disabilitas"),
                ("targets", "odgj"),
                ("max_desil", "5"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let progs = app.db.programs(&[], 0).await.unwrap();
    let pbi = progs.iter().find(|p| p.code == "pbi_jk").unwrap();
    assert_eq!(pbi.max_desil, Some(5));
    assert_eq!(progs.len(), 8);
    assert_eq!(
        app.post(
            "/bantuan/program/tidak_ada",
            Some(&dinsos),
            &[
                ("name", "X"),
                ("level", "orang"),
                ("funding", "pusat"),
                ("targets", "lansia")
            ]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let audits = app
        .db
        .audit_entries(&AuditFilter {
            entity: Some("program".into()),
            actor: Some("dinsos".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 2, "one added, one changed");
    // Roles without a part in step 9's catalogue: they may see it (the village and the Camat
    // read it), only the Kasi and Dinsos change it.
    assert_eq!(
        app.get("/bantuan/program", Some(&app.login("dispendukcapil").await))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for role in ["operator_desa", "dispendukcapil", "camat", "petugas"] {
        let b = app.login(role).await;
        let r = app
            .post(
                "/bantuan/program",
                Some(&b),
                &[
                    ("code", "x_y"),
                    ("name", "X"),
                    ("level", "orang"),
                    ("funding", "pusat"),
                    ("targets", "lansia"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
}
