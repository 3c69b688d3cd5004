//! Security headers on every response, and error responses that carry a request id and never
//! the detail behind them (no SQL, no table, no source path, no stack trace).

use crate::support::*;
use axum::http::StatusCode;

fn check_headers(what: &str, r: &Resp, personal: bool) {
    let h = |k: &str| {
        r.headers
            .get(k)
            .unwrap_or_else(|| panic!("{what}: no {k}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = h("content-security-policy");
    let script = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_else(|| panic!("{what}: no script-src in {csp}"));
    assert!(
        !script.contains("unsafe-inline") && !script.contains("unsafe-eval"),
        "{what}: {script}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert!(!h("referrer-policy").is_empty(), "{what}");
    if personal {
        assert!(h("cache-control").contains("no-store"), "{what}");
    }
    assert!(h("x-request-id").len() >= 8, "{what}");
}

/// The page shows the same request id as the header, and nothing of the machinery.
fn check_error_page(what: &str, r: &Resp) {
    let id = r.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert!(
        r.body.contains(&format!("<code id=\"request-id\">{id}</code>")),
        "{what}: no request id on the page: {}",
        r.body
    );
    for leak in [
        "audit_head",
        "sqlx",
        "SQL",
        "SELECT",
        "INSERT",
        ".rs:",
        "/src/",
        "panicked",
        "no such table",
        "relation",
    ] {
        assert!(!r.body.contains(leak), "{what} shows {leak}: {}", r.body);
    }
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    check_headers("login", &app.get("/login", None).await, true);
    check_headers("anonymous redirect", &app.get("/warga", None).await, true);
    for role in ["camat", "kasi_pelayanan", "operator_desa", "petugas", "dinsos", "admin"] {
        let b = app.login(role).await;
        for path in [
            "/",
            "/warga",
            "/gelombang",
            "/audit",
            "/tugas",
            "/dasbor",
            "/warga/999999",
            "/tidak-ada",
        ] {
            let r = app.get(path, Some(&b)).await;
            check_headers(&format!("{role} {path} ({})", r.status), &r, true);
        }
    }
    let api = app.api("/api/v1/me", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    check_headers("api 401", &api, true);
    assert!(api.json()["request_id"].as_str().unwrap().len() >= 8);
    check_headers("asset", &app.get("/assets/app.js", None).await, false);
}

#[tokio::test]
async fn unknown_paths_and_missing_records_are_pages_with_a_request_id() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let b = app.login("kasi_pelayanan").await;
    for path in ["/tidak-ada", "/warga/999999"] {
        let r = app.get(path, Some(&b)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        check_error_page(path, &r);
    }
    // A proxy's own request id is kept, so its log and ours line up; a strange one is not.
    let req = axum::http::Request::get("/tidak-ada")
        .header("x-request-id", "nginx-0123456789abcdef")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.headers["x-request-id"], "nginx-0123456789abcdef");
    let req = axum::http::Request::get("/tidak-ada")
        .header("x-request-id", "<script>")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_ne!(app.send(req).await.headers["x-request-id"], "<script>");
}

#[tokio::test]
async fn a_server_error_shows_a_request_id_and_not_what_went_wrong() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let b = app.login("camat").await;
    // Break the database under the app: every audited write now fails inside.
    jempol_store::run!(&app.db, |pool| {
        sqlx::query("DROP TABLE audit_head").execute(pool).await.unwrap();
    });
    let r = app.post("/account/logout-all", Some(&b), &[]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    check_headers("500", &r, true);
    check_error_page("500", &r);
    assert!(r.body.contains("Terjadi kesalahan di server"));
}

#[tokio::test]
async fn a_database_that_cannot_answer_is_503_with_a_request_id() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let b = app.login("camat").await;
    app.db.close().await;
    let r = app.get("/warga", Some(&b)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers["retry-after"], "5");
    check_headers("503", &r, true);
    check_error_page("503", &r);
    assert!(r.body.contains("kirim lagi dalam beberapa detik"));
}
