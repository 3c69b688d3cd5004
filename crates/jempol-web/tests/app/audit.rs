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

/// Runs one statement directly in the database, as someone with the database file or a
/// PostgreSQL login (not the app) could.
async fn tamper(app: &TestApp, sql: &str) {
    jempol_store::run!(&app.db, |pool| {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
    });
}

async fn fresh_chain(n: usize) -> TestApp {
    let app = TestApp::new().await;
    for i in 0..n {
        app.db
            .audit_event(
                &jempol_store::Actor::system("t"),
                app.clock.now() + i as i64,
                &format!("uji.{i}"),
                "uji",
                Some(&i.to_string()),
                Some(serde_json::json!({"i": i})),
            )
            .await
            .unwrap();
    }
    let r = app.db.verify_audit().await.unwrap();
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.checked, r.head_seq);
    app
}

/// Seq of the entry written as `uji.{i}`.
async fn seq_of(app: &TestApp, i: usize) -> i64 {
    let sql = format!("SELECT seq FROM audit_log WHERE action = 'uji.{i}'");
    jempol_store::run!(&app.db, |pool| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

#[tokio::test]
async fn the_audit_chain_names_the_first_edited_entry() {
    use jempol_store::audit::ChainBreak;
    let app = fresh_chain(12).await;
    let s4 = seq_of(&app, 4).await;
    // Someone changes what an entry says, and a later one too: the first is named.
    tamper(
        &app,
        "UPDATE audit_log SET after_json = '{\"i\":99}' WHERE action = 'uji.7'",
    )
    .await;
    tamper(&app, "UPDATE audit_log SET actor = 'orang lain' WHERE action = 'uji.4'").await;
    let r = app.db.verify_audit().await.unwrap();
    assert!(
        matches!(r.problem, Some(ChainBreak::Altered { seq, .. }) if seq == s4),
        "{r:?}"
    );
    assert_eq!(r.checked, s4 - 1, "everything before it checks out");
    // Recomputing the edited entry's own hash does not help: the next entry names it.
    let app = fresh_chain(12).await;
    let s7 = seq_of(&app, 7).await;
    let prev: String = jempol_store::run!(&app.db, |pool| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT hash FROM audit_log WHERE seq = {}",
            s7 - 1
        )))
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let forged = jempol_store::audit::Link {
        at: app.clock.now() + 7,
        actor_id: None,
        actor: "sistem (t)".into(),
        action: "uji.7".into(),
        entity: "uji".into(),
        entity_id: Some("7".into()),
        before: None,
        after: Some("{\"i\":99}".into()),
        ip: None,
    };
    tamper(
        &app,
        &format!(
            "UPDATE audit_log SET after_json = '{{\"i\":99}}', hash = '{}' WHERE seq = {s7}",
            forged.hash(&prev, s7)
        ),
    )
    .await;
    let r = app.db.verify_audit().await.unwrap();
    assert!(
        matches!(r.problem, Some(ChainBreak::Altered { seq, .. }) if seq == s7 + 1),
        "{r:?}"
    );
}

#[tokio::test]
async fn the_audit_chain_sees_deleted_entries_a_cut_tail_and_entries_slipped_in() {
    use jempol_store::audit::ChainBreak;
    let app = fresh_chain(10).await;
    let s5 = seq_of(&app, 5).await;
    tamper(&app, "DELETE FROM audit_log WHERE action = 'uji.5'").await;
    let r = app.db.verify_audit().await.unwrap();
    assert_eq!(r.problem, Some(ChainBreak::Missing { from: s5, to: s5 }));

    let app = fresh_chain(10).await;
    let (s8, head) = (seq_of(&app, 8).await, app.db.verify_audit().await.unwrap().head_seq);
    tamper(&app, "DELETE FROM audit_log WHERE action IN ('uji.8', 'uji.9')").await;
    let r = app.db.verify_audit().await.unwrap();
    assert_eq!(r.problem, Some(ChainBreak::Truncated { last: s8 - 1, head }));

    let app = fresh_chain(3).await;
    tamper(
        &app,
        "INSERT INTO audit_log (at, actor, action, entity) VALUES (1, 'siluman', 'resident.view', 'resident')",
    )
    .await;
    let r = app.db.verify_audit().await.unwrap();
    assert!(matches!(r.problem, Some(ChainBreak::Unchained { .. })), "{r:?}");

    // And writes after a clean check keep the chain whole.
    let app = fresh_chain(3).await;
    app.add_user("admin1", Role::Admin, None).await;
    app.login("admin1").await;
    assert!(app.db.verify_audit().await.unwrap().ok());
}

#[tokio::test]
async fn the_camat_checks_the_chain_from_the_audit_page() {
    let app = fresh_chain(4).await;
    app.add_user("camat1", Role::Camat, None).await;
    app.add_user("desa1", Role::OperatorDesa, Some("35.19.02.2001")).await;
    let camat = app.login("camat1").await;
    assert!(
        app.get("/audit", Some(&camat))
            .await
            .body
            .contains("href=\"/audit/verify\"")
    );
    let page = app.get("/audit/verify", Some(&camat)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Log audit utuh") && !page.body.contains("chain-problem"));
    tamper(&app, "UPDATE audit_log SET actor = 'orang lain' WHERE action = 'uji.2'").await;
    let page = app.get("/audit/verify", Some(&camat)).await;
    assert!(page.body.contains("Log audit rusak") && page.body.contains("tidak cocok dengan rantainya"));
    let desa = app.login("desa1").await;
    assert_eq!(
        app.get("/audit/verify", Some(&desa)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    let app = TestApp::new().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let db = app.db.clone();
        let now = app.clock.now();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                db.audit_event(
                    &jempol_store::Actor::system("t"),
                    now,
                    &format!("uji.{w}.{i}"),
                    "uji",
                    None,
                    None,
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let r = app.db.verify_audit().await.unwrap();
    assert!(r.ok(), "{r:?}");
    assert!(r.checked >= 120);
}

#[tokio::test]
async fn entries_written_before_the_chain_are_sealed_by_the_upgrade() {
    // A database as the release before the chain left it: no seq, no hash, no head.
    let app = fresh_chain(5).await;
    for sql in [
        "DROP INDEX audit_log_seq",
        "ALTER TABLE audit_log DROP COLUMN seq",
        "ALTER TABLE audit_log DROP COLUMN hash",
        "DROP TABLE audit_head",
        "DELETE FROM schema_migrations WHERE version = 27",
    ] {
        tamper(&app, sql).await;
    }
    let applied = app.db.migrate(app.clock.now()).await.unwrap();
    assert_eq!(applied, vec!["0027_audit_chain".to_string()]);
    let total: i64 = jempol_store::run!(&app.db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let r = app.db.verify_audit().await.unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.checked, r.head_seq), (total, total));
    // New entries continue the same chain.
    app.add_user("camat1", Role::Camat, None).await;
    let r = app.db.verify_audit().await.unwrap();
    assert!(r.ok() && r.checked > total, "{r:?}");
}
