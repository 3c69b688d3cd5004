//! The audit log records every write with before/after and can be browsed and filtered.

use crate::support::*;
use axum::http::StatusCode;
use jempol_core::Role;

#[tokio::test]
async fn writes_are_audited_with_who_what_and_before_after() {
    let app = TestApp::new().await;
    app.add_user("admin1", Role::Admin, None).await;
    app.add_user("camat1", Role::Camat, None).await;
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
                ("password", "kata-sandi-suluk-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let u = app.db.user_by_username("desa.suluk").await.unwrap().unwrap();
    app.post(&format!("/admin/users/{}/disable", u.id), Some(&admin), &[])
        .await;

    let f = jempol_store::audit::AuditFilter {
        entity: Some("user".into()),
        limit: 50,
        ..Default::default()
    };
    let entries = app.db.audit_entries(&f).await.unwrap();
    let create = entries
        .iter()
        .find(|e| e.action == "user.create" && e.entity_id == Some(u.id.to_string()))
        .unwrap();
    assert_eq!(create.actor, "admin1");
    assert!(create.after.as_deref().unwrap().contains("35.19.02.2004"));
    assert!(
        !create.after.as_deref().unwrap().contains("argon2"),
        "password hash never in the log"
    );
    let disable = entries.iter().find(|e| e.action == "user.disable").unwrap();
    assert_eq!(disable.before.as_deref(), Some("{\"disabled\":false}"));
    assert_eq!(disable.after.as_deref(), Some("{\"disabled\":true}"));

    // The Camat browses and filters it.
    let camat = app.login("camat1").await;
    let page = app.get("/audit?action=user.disable", Some(&camat)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("user.disable") && !page.body.contains("<code>user.create</code>"));
    let page = app.get("/audit?actor=camat1", Some(&camat)).await;
    assert!(page.body.contains("<code>login</code>") && !page.body.contains("user.disable"));
    let page = app.get("/audit?from=2026-13-45", Some(&camat)).await;
    assert!(page.body.contains("tidak dikenali"), "bad date explained");
    // Dates filter in WIB days: T0 is 2 Nov 2026.
    assert!(
        app.get("/audit?from=2026-11-03", Some(&camat))
            .await
            .body
            .contains("Tidak ada catatan")
    );
    assert!(
        app.get("/audit?from=2026-11-02&until=2026-11-02", Some(&camat))
            .await
            .body
            .contains("user.create")
    );
    let api = app
        .api("/api/v1/audit?action=user.create", Some(&app.token("camat1").await))
        .await
        .json();
    assert!(api.as_array().unwrap().iter().all(|e| e["action"] == "user.create"));
}

#[tokio::test]
async fn the_audit_log_pages_backwards() {
    let app = TestApp::new().await;
    app.add_user("camat1", Role::Camat, None).await;
    for i in 0..60 {
        app.db
            .audit_event(
                &jempol_store::Actor::system("t"),
                app.clock.now(),
                &format!("uji.{i}"),
                "uji",
                None,
                None,
            )
            .await
            .unwrap();
    }
    let b = app.login("camat1").await;
    let first = app.get("/audit?entity=uji", Some(&b)).await.body;
    assert!(first.contains("uji.59") && !first.contains("uji.9<"));
    let at = first.find("href=\"/audit?").unwrap() + 6;
    let href = first[at..first[at..].find('"').unwrap() + at]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(href.contains("before="), "{href}");
    let second = app.get(&href, Some(&b)).await.body;
    assert!(
        second.contains("<code>uji.0</code>") && !second.contains("uji.59"),
        "{}",
        &second[second.find("<main").unwrap()..]
    );
}
