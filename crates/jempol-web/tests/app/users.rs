//! User administration: validation that explains, confirmation before destructive actions.

use crate::support::*;
use axum::http::StatusCode;
use jempol_core::Role;

#[tokio::test]
async fn adding_a_user_validates_every_field_and_keeps_the_input() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    let b = app.login("admin1").await;
    let r = app
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("username", "Desa Lembah"),
                ("full_name", "Bu Sri"),
                ("role", "operator_desa"),
                ("desa_code", ""),
                ("password", "pendek"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["huruf kecil, angka", "pilih desanya", "minimal 10 karakter"] {
        assert!(r.body.contains(msg), "missing {msg:?}");
    }
    assert!(r.body.contains("value=\"Bu Sri\""), "input kept");
    assert!(
        r.body.contains("aria-describedby=\"u-username-err\""),
        "error tied to its field"
    );
    // A desa outside the kecamatan Jempol serves.
    let r = app
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("username", "desa.x"),
                ("role", "operator_desa"),
                ("desa_code", "35.19.01.2001"),
                ("password", "kata-sandi-baru-1"),
            ],
        )
        .await;
    assert!(r.body.contains("tidak berada di kecamatan"), "{}", r.body);
    // A desa for a kecamatan role.
    let r = app
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("username", "camat.x"),
                ("role", "camat"),
                ("desa_code", "35.19.02.2001"),
                ("password", "kata-sandi-baru-1"),
            ],
        )
        .await;
    assert!(r.body.contains("kosongkan desa"));
    let r = app
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("username", "peran.x"),
                ("role", "lurah"),
                ("password", "kata-sandi-baru-1"),
            ],
        )
        .await;
    assert!(r.body.contains("tidak dikenal"));
    // Valid.
    let r = app
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("username", "desa.lembah"),
                ("role", "operator_desa"),
                ("desa_code", "35.19.02.2001"),
                ("password", "kata-sandi-baru-1"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/admin/users?ok=users.created");
    let list = app.get(r.location(), Some(&b)).await.body;
    assert!(list.contains("Pengguna berhasil ditambahkan") && list.contains("desa.lembah"));
    let dup = app
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("username", "desa.lembah"),
                ("role", "operator_desa"),
                ("desa_code", "35.19.02.2001"),
                ("password", "kata-sandi-baru-1"),
            ],
        )
        .await;
    assert!(dup.body.contains("sudah dipakai"));
}

#[tokio::test]
async fn disabling_asks_first_then_ends_the_users_sessions() {
    let app = TestApp::new().await;
    let admin_user = app.add_user("admin1", Role::Admin, None).await;
    let u = app.add_user("petugas1", Role::Petugas, None).await;
    let admin = app.login("admin1").await;
    let victim = app.login("petugas1").await;
    let confirm = app
        .get(&format!("/admin/users/{}/confirm?op=disable", u.id), Some(&admin))
        .await;
    assert!(confirm.body.contains("Nonaktifkan pengguna petugas1?"));
    assert!(
        confirm
            .body
            .contains(&format!("action=\"/admin/users/{}/disable\"", u.id))
    );
    // The GET changed nothing.
    assert_eq!(app.get("/", Some(&victim)).await.status, StatusCode::OK);
    app.post(&format!("/admin/users/{}/disable", u.id), Some(&admin), &[])
        .await;
    assert_eq!(app.get("/", Some(&victim)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.try_login("petugas1", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.post(&format!("/admin/users/{}/enable", u.id), Some(&admin), &[])
        .await;
    app.login("petugas1").await;
    // An admin cannot lock themselves out.
    let r = app
        .post(&format!("/admin/users/{}/disable", admin_user.id), Some(&admin), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("akun Anda sendiri"));
}

#[tokio::test]
async fn admin_resets_a_password() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    let u = app.add_user("kasi1", Role::KasiPelayanan, None).await;
    let admin = app.login("admin1").await;
    let kasi = app.login("kasi1").await;
    let r = app
        .post(
            &format!("/admin/users/{}/password", u.id),
            Some(&admin),
            &[("password", "pendek")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &format!("/admin/users/{}/password", u.id),
        Some(&admin),
        &[("password", "sandi-baru-kasi-1")],
    )
    .await;
    assert_eq!(app.get("/", Some(&kasi)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.try_login("kasi1", "sandi-baru-kasi-1").await.status,
        StatusCode::SEE_OTHER
    );
}
