//! Login, sessions, rate limits, CSRF, tokens.

use crate::support::*;
use axum::http::{StatusCode, header};
use jempol_core::Role;

#[tokio::test]
async fn login_opens_a_session_and_wrong_password_keeps_the_username() {
    let app = TestApp::new().await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let r = app.try_login("petugas1", "salah-salah-salah").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Nama pengguna atau kata sandi salah"), "{}", r.body);
    assert!(r.body.contains("value=\"petugas1\""), "username kept");
    let b = app.login("petugas1").await;
    let home = app.get("/", Some(&b)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Staf/Petugas"));
}

#[tokio::test]
async fn pages_need_a_login_and_return_there_after() {
    let app = TestApp::new().await;
    let r = app.get("/audit", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Faudit");
    app.add_user("camat1", Role::Camat, None).await;
    let r = app
        .post_raw(
            "/login",
            None,
            &[("username", "camat1"), ("password", PASSWORD), ("next", "/audit")],
        )
        .await;
    assert_eq!(r.location(), "/audit");
    // Never follow a next that leaves the site.
    let r = app
        .post_raw(
            "/login",
            None,
            &[
                ("username", "camat1"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn every_login_gets_a_new_session_id() {
    let app = TestApp::new().await;
    app.add_user("kasi1", Role::KasiPelayanan, None).await;
    let planted = "jempol_sid=ditanam-penyerang";
    let r = app
        .post_raw(
            "/login",
            Some(planted),
            &[("username", "kasi1"), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.starts_with("jempol_sid=") && !set.contains("ditanam"));
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
    let a = app.login("kasi1").await;
    let b = app.login("kasi1").await;
    assert_ne!(a.cookie, b.cookie);
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old() {
    let app = TestApp::new().await;
    app.add_user("camat1", Role::Camat, None).await;
    let b = app.login("camat1").await;
    app.clock.advance_minutes(119);
    assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::OK);
    app.clock.advance_minutes(121);
    let r = app.get("/", Some(&b)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("expired=1"), "{}", r.location());
    let page = app.get(r.location(), None).await;
    assert!(page.body.contains("Sesi Anda sudah berakhir"));

    // Absolute limit: active every hour, still ends after 12 hours.
    let b = app.login("camat1").await;
    for _ in 0..11 {
        app.clock.advance_minutes(60);
        assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::OK);
    }
    app.clock.advance_minutes(61);
    assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logout_and_logout_everywhere() {
    let app = TestApp::new().await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let a = app.login("petugas1").await;
    let b = app.login("petugas1").await;
    let r = app.post("/logout", Some(&a), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/", Some(&a)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::OK);
    let c = app.login("petugas1").await;
    app.post("/account/logout-all", Some(&c), &[]).await;
    assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/", Some(&c)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn account_lockout_after_repeated_failures_is_audited_and_expires() {
    let app = TestApp::new().await;
    app.add_user("desa1", Role::OperatorDesa, Some("35.19.02.2001")).await;
    for _ in 0..5 {
        assert_eq!(
            app.try_login("desa1", "tebakan-salah-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password is refused now.
    let r = app.try_login("desa1", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("dikunci sementara"), "{}", r.body);
    let f = jempol_store::audit::AuditFilter {
        action: Some("login.lockout".into()),
        limit: 10,
        ..Default::default()
    };
    let entries = app.db.audit_entries(&f).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_id.as_deref(), Some("desa1"));
    app.clock.advance_minutes(16);
    app.login("desa1").await;
}

#[tokio::test]
async fn a_password_reset_by_the_admin_lifts_a_lockout() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    let desa = app
        .add_user("desa1", Role::OperatorDesa, Some("35.19.02.2001"))
        .await
        .id;
    for _ in 0..6 {
        app.try_login("desa1", "tebakan-salah-1").await;
    }
    assert_eq!(
        app.try_login("desa1", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let admin = app.login("admin1").await;
    let r = app
        .post(
            &format!("/admin/users/{desa}/password"),
            Some(&admin),
            &[("password", "sandi-baru-desa-2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.try_login("desa1", "sandi-baru-desa-2026").await.status,
        StatusCode::SEE_OTHER,
        "the new password works at once"
    );
}

#[tokio::test]
async fn too_many_failures_from_one_address_are_refused() {
    let cfg = jempol_web::WebConfig {
        max_ip_failures: 6,
        ..Default::default()
    };
    let app = TestApp::with_config(cfg).await;
    app.add_user("camat1", Role::Camat, None).await;
    for i in 0..6 {
        app.try_login(&format!("tebak{i}"), "x-x-x-x-x-x").await;
    }
    let r = app.try_login("camat1", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("perangkat/jaringan ini"));
    let f = jempol_store::audit::AuditFilter {
        action: Some("login.ip_lockout".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(app.db.audit_entries(&f).await.unwrap().len(), 1);
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    let b = app.login("admin1").await;
    let fields = [
        ("username", "baru1"),
        ("role", "petugas"),
        ("password", "kata-sandi-baru-1"),
    ];
    let no_token = app.post_raw("/admin/users", Some(&b.cookie), &fields).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.body.contains("Muat ulang halaman"));
    let mut wrong = fields.to_vec();
    wrong.push(("csrf_token", "palsu"));
    assert_eq!(
        app.post_raw("/admin/users", Some(&b.cookie), &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(app.db.user_by_username("baru1").await.unwrap().is_none());
    let ok = app.post("/admin/users", Some(&b), &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(app.db.user_by_username("baru1").await.unwrap().is_some());
    // Logout is state-changing too.
    assert_eq!(
        app.post_raw("/logout", Some(&b.cookie), &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn login_from_another_site_is_refused() {
    let app = TestApp::new().await;
    app.add_user("camat1", Role::Camat, None).await;
    let body = serde_urlencoded::to_string([("username", "camat1"), ("password", PASSWORD)]).unwrap();
    let req = axum::http::Request::post("/login")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_tokens_act_as_their_user_until_revoked_or_disabled() {
    let app = TestApp::new().await;
    let u = app.add_user("kasi1", Role::KasiPelayanan, None).await;
    assert_eq!(app.api("/api/v1/me", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api("/api/v1/me", Some("jmp_palsu")).await.json()["error"],
        "unauthenticated"
    );
    let t = app.token("kasi1").await;
    let me = app.api("/api/v1/me", Some(&t)).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["role"], "kasi_pelayanan");
    assert_eq!(me["scope"]["kind"], "kecamatan");
    assert!(me["actions"].as_array().unwrap().iter().any(|a| a == "plan_schedule"));
    let tokens = app.db.list_tokens().await.unwrap();
    app.db
        .revoke_token(tokens[0].id, &jempol_store::Actor::system("test"), app.clock.now())
        .await
        .unwrap();
    assert_eq!(app.api("/api/v1/me", Some(&t)).await.status, StatusCode::UNAUTHORIZED);
    let t2 = app.token("kasi1").await;
    app.db
        .set_disabled(u.id, true, &jempol_store::Actor::system("test"), app.clock.now())
        .await
        .unwrap();
    assert_eq!(app.api("/api/v1/me", Some(&t2)).await.status, StatusCode::UNAUTHORIZED);
    // Only hashes are stored.
    assert!(!format!("{:?}", app.db.list_tokens().await.unwrap()).contains(&t2));
}

#[tokio::test]
async fn two_instances_share_sessions() {
    let app = TestApp::new().await;
    app.add_user("camat1", Role::Camat, None).await;
    let b = app.login("camat1").await;
    let other = app.second_instance();
    let req = axum::http::Request::get("/")
        .header(header::COOKIE, &b.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let r = TestApp::send_to(&other, req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Uji camat1"));
}

#[tokio::test]
async fn password_change_needs_the_current_one_and_ends_sessions() {
    let app = TestApp::new().await;
    app.add_user("petugas1", Role::Petugas, None).await;
    let b = app.login("petugas1").await;
    let r = app
        .post(
            "/account/password",
            Some(&b),
            &[("current", "bukan-ini"), ("password", "kata-sandi-baru-9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Kata sandi sekarang salah"));
    let r = app
        .post(
            "/account/password",
            Some(&b),
            &[("current", PASSWORD), ("password", "pendek")],
        )
        .await;
    assert!(r.body.contains("minimal 10 karakter"), "{}", r.body);
    let r = app
        .post(
            "/account/password",
            Some(&b),
            &[("current", PASSWORD), ("password", "kata-sandi-baru-9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.try_login("petugas1", "kata-sandi-baru-9").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn language_switches_to_english_and_back() {
    let app = TestApp::new().await;
    let r = app.get("/lang/en?next=/login", None).await;
    assert_eq!(r.location(), "/login");
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = app
        .send(
            axum::http::Request::get("/login")
                .header(header::COOKIE, &cookie)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(page.body.contains("<html lang=\"en\">") && page.body.contains("Log in"));
    let page = app.get("/login", None).await;
    assert!(page.body.contains("<html lang=\"id\">") && page.body.contains("Masuk"));
}

#[tokio::test]
async fn over_https_the_session_cookie_is_a_host_only_secure_cookie() {
    let app = TestApp::with_config(jempol_web::WebConfig {
        secure_cookies: true,
        ..Default::default()
    })
    .await;
    app.add_user("kasi1", Role::KasiPelayanan, None).await;
    let r = app.try_login("kasi1", PASSWORD).await;
    let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(set.starts_with("__Host-jempol_sid="), "{set}");
    for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    assert!(!set.to_lowercase().contains("domain="), "{set}");
    let b = app.login("kasi1").await;
    assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::OK);
    // The plain name is not a session here: a cookie planted over plain HTTP or by a
    // subdomain cannot stand in for the real one.
    let value = b.cookie.split_once('=').unwrap().1;
    let plain = Browser {
        cookie: format!("jempol_sid={value}"),
        csrf: b.csrf.clone(),
    };
    assert_eq!(app.get("/", Some(&plain)).await.status, StatusCode::SEE_OTHER);
    // Logging out clears the same cookie.
    let out = app.post("/logout", Some(&b), &[]).await;
    let cleared = out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.starts_with("__Host-jempol_sid=;") && cleared.contains("Max-Age=0") && cleared.contains("Secure"));
}

#[tokio::test]
async fn weak_passwords_are_refused_where_passwords_are_set() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    let admin = app.login("admin1").await;
    let r = app
        .post(
            "/admin/users",
            Some(&admin),
            &[
                ("username", "desa.suluk"),
                ("full_name", "Operator Suluk"),
                ("role", "operator_desa"),
                ("desa_code", "35.19.02.2004"),
                ("password", "0812345678901"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("tidak boleh hanya angka"), "{}", r.body);
    let r = app
        .post(
            "/account/password",
            Some(&admin),
            &[("current", PASSWORD), ("password", "Password2026!")],
        )
        .await;
    assert!(r.body.contains("paling sering dipakai"), "{}", r.body);
}

#[tokio::test]
async fn a_form_sent_after_the_session_ended_comes_back_to_its_page_after_login() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let b = app.login("operator_desa").await;
    app.clock.advance_minutes(121);
    // The search form on the register, sent after two idle hours.
    let req = axum::http::Request::post("/cari")
        .header(axum::http::header::COOKIE, &b.cookie)
        .header(axum::http::header::HOST, "127.0.0.1:8080")
        .header(
            axum::http::header::REFERER,
            "http://127.0.0.1:8080/warga?desa=35.19.02.2001",
        )
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "csrf_token={}&halaman=%2Fwarga&q=abc",
            b.csrf
        )))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        "/login?next=%2Fwarga%3Fdesa%3D35.19.02.2001&expired=1",
        "back to the page of the form, not to the address that takes only a form"
    );
    // A referer from another site is not followed.
    let req = axum::http::Request::post("/cari")
        .header(axum::http::header::HOST, "127.0.0.1:8080")
        .header(axum::http::header::REFERER, "http://contoh.invalid/warga")
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("halaman=%2Fwarga&q=abc"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a form from another site is refused: {}",
        r.location()
    );
    // Opening a form's address as a page says what to do, in Indonesian.
    let b = app.login("operator_desa").await;
    let r = app.get("/cari", Some(&b)).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.body
            .contains("Kembali ke halaman sebelumnya, lalu kirim formulirnya lagi"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"request-id\""));
}
