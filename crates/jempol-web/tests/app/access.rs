//! Each role's home, the policy enforced on every page and API route, and row scope.

use crate::support::*;
use axum::http::StatusCode;
use jempol_core::{Action, Role, allowed};
use jempol_store::residents::NewResident;

/// Pages and API routes guarded by one action each.
const GUARDED_PAGES: &[(&str, Action)] = &[
    ("/audit", Action::ViewAudit),
    ("/admin/users", Action::ManageUsers),
    ("/admin/sop", Action::ManageSop),
    ("/sop", Action::ViewSop),
    ("/lapangan", Action::RecordVisits),
    ("/lapangan/impor", Action::RecordVisits),
    ("/produksi", Action::ViewProduction),
    ("/serah-terima", Action::ViewProduction),
    ("/kartu", Action::ConfirmReceipt),
    ("/bantuan/program", Action::ViewAssistance),
    ("/bantuan", Action::ViewAssistance),
];
const GUARDED_API: &[(&str, Action)] = &[
    ("/api/v1/audit", Action::ViewAudit),
    ("/api/v1/users", Action::ManageUsers),
    ("/api/v1/sop", Action::ViewSop),
];

#[tokio::test]
async fn every_role_reaches_exactly_what_the_policy_allows() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    for role in Role::ALL {
        let b = app.login(role.as_str()).await;
        let t = app.token(role.as_str()).await;
        for (path, action) in GUARDED_PAGES {
            let r = app.get(path, Some(&b)).await;
            let expect = if allowed(role, *action) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expect, "{role} GET {path}");
            if expect == StatusCode::FORBIDDEN {
                assert!(r.body.contains("tidak berwenang"), "{role} {path}: message");
            }
        }
        for (path, action) in GUARDED_API {
            let r = app.api(path, Some(&t)).await;
            let expect = if allowed(role, *action) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expect, "{role} API {path}");
            if expect == StatusCode::FORBIDDEN {
                assert_eq!(r.json()["error"], "forbidden");
            }
        }
        // Forbidden writes stay forbidden even with a valid CSRF token.
        if !allowed(role, Action::ManageUsers) {
            let r = app
                .post(
                    "/admin/users",
                    Some(&b),
                    &[
                        ("username", "x-baru"),
                        ("role", "admin"),
                        ("password", "kata-sandi-baru-1"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST /admin/users");
        }
        if !allowed(role, Action::ManageSop) {
            let r = app
                .post("/admin/sop", Some(&b), &[("toml", jempol_core::sop::BUILTIN_TOML)])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST /admin/sop");
        }
    }
    assert!(app.db.user_by_username("x-baru").await.unwrap().is_none());
}

#[tokio::test]
async fn each_role_home_shows_its_own_work() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let expect: &[(Role, &[&str], &[&str])] = &[
        (
            Role::Admin,
            &["Kelola pengguna dan peran", "Muat revisi SOP"],
            &["Langkah SOP yang melibatkan Anda", "Warga rentan"],
        ),
        (
            Role::Camat,
            &["Penentuan Jadwal Perekaman", "Buka jejak audit", "Warga rentan"],
            &["Memfasilitasi penerima bantuan"],
        ),
        (
            Role::KasiPelayanan,
            &["Penentuan Jadwal Perekaman", "Melakukan evaluasi terhadap hasil usulan"],
            &["Buka jejak audit"],
        ),
        (
            Role::Petugas,
            &["Staf melakukan pengumpulan data", "Pelaksanaan Perekaman"],
            &["Penentuan Jadwal"],
        ),
        (
            Role::OperatorDesa,
            &[
                "Aparatur Pemerintahan Desa/Kelurahan mengumpulkan",
                "Lembah (35.19.02.2001)",
            ],
            &["Pelaksanaan Perekaman"],
        ),
        (
            Role::Dispendukcapil,
            &["Melakukan proses cetak e-ktp", "Kabupaten Madiun"],
            &["Memfasilitasi pengusulan"],
        ),
        (
            Role::Dinsos,
            &["Melakukan evaluasi terhadap hasil usulan"],
            &["Aparatur Pemerintahan Desa"],
        ),
        (
            Role::Pendamping,
            &["Memfasilitasi pengusulan DTKS dll", "Lembah (35.19.02.2001)"],
            &["Penentuan Jadwal"],
        ),
    ];
    for (role, present, absent) in expect {
        let b = app.login(role.as_str()).await;
        let home = app.get("/", Some(&b)).await;
        assert_eq!(home.status, StatusCode::OK);
        for s in *present {
            assert!(home.body.contains(s), "{role} home should show {s:?}");
        }
        for s in *absent {
            assert!(!home.body.contains(s), "{role} home should not show {s:?}");
        }
    }
}

pub fn resident(nik: &str, desa: &str, sop: i64) -> NewResident {
    NewResident {
        nik: nik.into(),
        no_kk: "3519020101100001".into(),
        name: "WARGA UJI".into(),
        sex: "L".into(),
        birth_place: "MADIUN".into(),
        birth_date: "1950-01-01".into(),
        desa_code: desa.into(),
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
async fn residents_are_counted_only_within_the_users_scope() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let (sop, _) = app.db.active_sop().await.unwrap();
    let rows = vec![
        resident("3519020101500001", "35.19.02.2001", sop.id), // Lembah
        resident("3519020101500002", "35.19.02.2001", sop.id),
        resident("3519020101500003", "35.19.02.2003", sop.id), // Kradinan
        resident("3519010101500004", "35.19.01.2001", sop.id), // Kebonsari (other kecamatan)
    ];
    app.db.insert_residents(&rows, "test", app.clock.now()).await.unwrap();
    let count = |body: &str| -> String {
        let needle = "Warga rentan tercatat di wilayah Anda: ";
        let at = body.find(needle).map(|i| i + needle.len()).unwrap();
        body[at..].chars().take_while(|c| c.is_ascii_digit()).collect()
    };
    let desa = app.get("/", Some(&app.login("operator_desa").await)).await.body;
    assert_eq!(count(&desa), "2");
    assert!(!desa.contains("Kradinan"));
    let camat = app.get("/", Some(&app.login("camat").await)).await.body;
    assert_eq!(count(&camat), "3");
    assert!(camat.contains("Kradinan") && !camat.contains("Tambakmas"));
    let dukcapil = app.get("/", Some(&app.login("dispendukcapil").await)).await.body;
    assert_eq!(count(&dukcapil), "4");
    let admin = app.get("/", Some(&app.login("admin").await)).await.body;
    assert!(!admin.contains("Warga rentan tercatat"));
    // A kecamatan-bound staff member sees only that kecamatan.
    let input = jempol_web::users::UserInput {
        username: "petugas.kebonsari".into(),
        role: "petugas".into(),
        kecamatan_code: "35.19.01".into(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    jempol_web::users::create(
        &app.db,
        &app.state.config.deployment,
        &input,
        &jempol_store::Actor::system("t"),
        app.clock.now(),
    )
    .await
    .unwrap()
    .unwrap();
    let kb = app.get("/", Some(&app.login("petugas.kebonsari").await)).await.body;
    assert_eq!(count(&kb), "1");
}

#[tokio::test]
async fn pages_load_nothing_from_other_origins() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let b = app.login("camat").await;
    for path in ["/", "/sop", "/audit", "/account", "/login"] {
        let r = app.get(path, Some(&b)).await;
        for bad in ["src=\"http", "href=\"http", "url(http", "@import", "//fonts."] {
            assert!(!r.body.contains(bad), "{path} contains {bad}");
        }
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("default-src 'self'"));
    }
    for asset in [
        "/assets/app.css",
        "/assets/app.js",
        "/assets/htmx.min.js",
        "/assets/icon.svg",
    ] {
        let r = app.get(asset, None).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
        assert!(!r.body.contains("https://fonts"), "{asset}");
    }
    let css = app.get("/assets/app.css", None).await.body;
    assert!(css.contains("@media (max-width: 480px)") && css.contains("size: A4 landscape"));
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", None).await.body, "ok");
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    app.db.close().await;
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::SERVICE_UNAVAILABLE);
}
