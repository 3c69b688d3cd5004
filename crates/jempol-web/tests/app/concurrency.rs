//! Many people at once: concurrent writes never surface a busy database as a server error,
//! never lose an acknowledged write, and two edits of the same record never silently
//! overwrite each other.

use crate::support::*;
use crate::visits::{approved, recorded};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

fn form_post(path: &str, b: &Browser, fields: &[(String, String)]) -> Request<Body> {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    all.push(("csrf_token", &b.csrf));
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &b.cookie)
        .body(Body::from(serde_urlencoded::to_string(&all).unwrap()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_of_visit_outcomes_is_all_applied_without_a_server_error() {
    let s = approved().await;
    let app = &s.app;
    let petugas = app.login("petugas").await;
    let residents: Vec<i64> = app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert!(residents.len() >= 10);
    // Every person's outcome sent three times at once (a double tap and a retried sync):
    // each is applied exactly once, and every answer is a success.
    let mut tasks = Vec::new();
    for (i, rid) in residents.iter().enumerate() {
        for _ in 0..3 {
            let router = app.router.clone();
            let req = form_post(
                "/lapangan/hasil",
                &petugas,
                &recorded(&format!("badai-{i:04}"), s.id, *rid, ""),
            );
            tasks.push(tokio::spawn(async move { TestApp::send_to(&router, req).await }));
        }
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let current = app.db.current_outcomes(s.id).await.unwrap();
    assert_eq!(current.len(), residents.len(), "every acknowledged outcome is there");
    assert!(app.db.verify_audit().await.unwrap().ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_officers_recording_the_same_person_at_once_give_one_outcome_and_one_conflict() {
    let s = approved().await;
    let app = &s.app;
    let petugas = app.login("petugas").await;
    let dukcapil = app.login("dispendukcapil").await;
    let rid = s.monday[0];
    let a = form_post("/lapangan/hasil", &petugas, &recorded("sama-aaaa-0001", s.id, rid, ""));
    let b = form_post("/lapangan/hasil", &dukcapil, &recorded("sama-bbbb-0002", s.id, rid, ""));
    let (ra, rb) = (app.router.clone(), app.router.clone());
    let (x, y) = tokio::join!(
        tokio::spawn(async move { TestApp::send_to(&ra, a).await }),
        tokio::spawn(async move { TestApp::send_to(&rb, b).await })
    );
    for r in [x.unwrap(), y.unwrap()] {
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(app.db.current_outcomes(s.id).await.unwrap().len(), 1);
    assert_eq!(
        app.db.outcome_conflicts(s.id).await.unwrap().len(),
        1,
        "the loser waits for the Kasi"
    );
}

/// One person in desa 35.19.02.2001; returns their id.
async fn one_person(app: &TestApp) -> i64 {
    let (sop, _) = app.db.active_sop().await.unwrap();
    let nik = jempol_core::nik::compose("351902", jiff::civil::date(1950, 1, 1), false, 1);
    app.db
        .insert_residents(
            &[crate::access::resident(&nik, "35.19.02.2001", sop.id)],
            "test",
            app.clock.now(),
        )
        .await
        .unwrap();
    app.db
        .list_residents(
            &jempol_core::Scope::Kabupaten { code: "35.19".into() },
            &Default::default(),
            None,
            1,
        )
        .await
        .unwrap()[0]
        .id
}

fn hidden_version(html: &str) -> String {
    let key = "name=\"version\" value=\"";
    let at = html.find(key).unwrap() + key.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn two_people_editing_the_same_care_details_never_overwrite_each_other_unseen() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let id = one_person(&app).await;
    let at = format!("/warga/{id}");
    let (desa, staff) = (app.login("operator_desa").await, app.login("petugas").await);
    // Both open the form on the same version.
    let v_desa = hidden_version(&app.get(&at, Some(&desa)).await.body);
    let v_staff = hidden_version(&app.get(&at, Some(&staff)).await.body);
    assert_eq!(v_desa, v_staff);
    let first = app
        .post(
            &at,
            Some(&desa),
            &[
                ("version", &v_desa),
                ("phone", "081234567890"),
                ("notes", "anjing galak"),
            ],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // The second save is from the old version: refused with the current record shown, what
    // was typed kept, and the form now on the current version.
    let second = app
        .post(
            &at,
            Some(&staff),
            &[
                ("version", &v_staff),
                ("phone", "085600000000"),
                ("needs_companion", "1"),
            ],
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(second.body.contains("id=\"edited-meanwhile\"") && second.body.contains("sudah diubah orang lain"));
    assert!(second.body.contains("value=\"085600000000\""), "typed value kept");
    assert!(
        second.body.contains("telepon &#34;081234567890&#34;")
            && second.body.contains("catatan &#34;anjing galak&#34;"),
        "what the first one saved is shown: {}",
        second.body
    );
    let v_now = hidden_version(&second.body);
    assert_ne!(v_now, v_staff);
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
    assert_eq!(saved.phone.as_deref(), Some("081234567890"), "the first save stands");
    // Saving again, knowingly, applies it.
    let again = app
        .post(
            &at,
            Some(&staff),
            &[
                ("version", &v_now),
                ("phone", "085600000000"),
                ("notes", "anjing galak"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_identity_corrections_from_one_version_apply_exactly_one() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    let id = one_person(&app).await;
    let at = format!("/warga/{id}/ubah");
    let v = hidden_version(&app.get(&at, Some(&app.login("petugas").await)).await.body);
    let mut tasks = Vec::new();
    for (i, who) in ["operator_desa", "petugas", "kasi_pelayanan", "operator_desa"]
        .iter()
        .enumerate()
    {
        let b = app.login(who).await;
        let name = format!("NAMA KE {i}");
        let fields: Vec<(String, String)> = [
            ("version", v.as_str()),
            ("name", name.as_str()),
            ("sex", "L"),
            ("birth_date", "1950-01-01"),
            ("dusun", "Krajan"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let router = app.router.clone();
        let req = form_post(&at, &b, &fields);
        tasks.push(tokio::spawn(async move { TestApp::send_to(&router, req).await }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().status);
    }
    statuses.sort();
    assert_eq!(
        statuses,
        vec![
            StatusCode::SEE_OTHER,
            StatusCode::CONFLICT,
            StatusCode::CONFLICT,
            StatusCode::CONFLICT
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_is_never_booked_into_two_open_campaigns_at_once() {
    let app = TestApp::new().await;
    app.add_every_role().await;
    crate::campaigns::fill(&app).await;
    let kasi = app.login("kasi_pelayanan").await;
    let mut ats = Vec::new();
    for name in ["Gelombang A", "Gelombang B", "Gelombang C"] {
        let r = app
            .post(
                "/gelombang",
                Some(&kasi),
                &[("name", name), ("start_date", "2026-12-14"), ("end_date", "2026-12-31")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        ats.push(r.location().split('?').next().unwrap().to_string());
    }
    // The Kasi's double click and a colleague, at the same moment, on three campaigns.
    let mut tasks = Vec::new();
    for at in &ats {
        for _ in 0..2 {
            let router = app.router.clone();
            let req = form_post(&format!("{at}/warga"), &kasi, &[("desa".to_string(), String::new())]);
            tasks.push(tokio::spawn(async move { TestApp::send_to(&router, req).await }));
        }
    }
    for t in tasks {
        // Added, or told plainly that nobody is left to add; never a server error.
        let r = t.await.unwrap();
        assert!(
            r.status == StatusCode::SEE_OTHER
                || (r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("belum masuk gelombang")),
            "{} {}",
            r.status,
            r.body
        );
    }
    let booked: Vec<(i64, i64)> = jempol_store::run!(&app.db, |pool| {
        sqlx::query_as("SELECT resident_id, COUNT(*) FROM campaign_residents GROUP BY resident_id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(booked.len(), 12, "every verified person is booked");
    assert!(booked.iter().all(|(_, n)| *n == 1), "{booked:?}");
}

/// Holds the database's writer (SQLite's write lock and the head of the audit chain on both
/// databases) until the returned sender is used or dropped.
async fn hold_the_writer(db: &jempol_store::Db) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    use jempol_store::BeginWrite;
    let (held_tx, held_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let db = db.clone();
    let task = tokio::spawn(async move {
        jempol_store::run!(&db, |pool| {
            let mut tx = pool.begin_write().await.unwrap();
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                .execute(&mut *tx)
                .await
                .unwrap();
            held_tx.send(()).unwrap();
            let _ = go_rx.await;
            tx.commit().await.unwrap();
        });
    });
    held_rx.await.unwrap();
    (go_tx, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_read_at_once_write_their_access_entries_together_and_keep_every_one() {
    let app = TestApp::new().await;
    let queue = std::sync::Arc::new(jempol_store::audit::AuditQueue::default());
    let before = app.db.verify_audit().await.unwrap().checked;
    // Twenty readers arrive while another transaction writes.
    let (release, holder) = hold_the_writer(&app.db).await;
    let mut readers = Vec::new();
    for i in 0..20 {
        let (queue, db) = (queue.clone(), app.db.clone());
        readers.push(tokio::spawn(async move {
            let event = jempol_store::audit::AuditEvent {
                actor: jempol_store::Actor::system("uji"),
                at: 1_000 + i,
                action: "resident.view".into(),
                entity: "resident".into(),
                entity_id: Some(i.to_string()),
                detail: None,
            };
            queue.record(&db, event).await
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        readers.iter().all(|r| !r.is_finished()),
        "no reader is answered before its entry is committed"
    );
    release.send(()).unwrap();
    holder.await.unwrap();
    for r in readers {
        r.await.unwrap().unwrap();
    }
    // One transaction for the first arrival, one for all who queued behind it.
    assert!(queue.batches() <= 3, "{} transactions for 20 entries", queue.batches());
    let report = app.db.verify_audit().await.unwrap();
    assert!(report.ok(), "{:?}", report.problem);
    assert_eq!(report.checked, before + 20);
    let viewed = app
        .db
        .audit_entries(&jempol_store::audit::AuditFilter {
            action: Some("resident.view".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut ids: Vec<String> = viewed.into_iter().filter_map(|e| e.entity_id).collect();
    ids.sort_by_key(|i| i.parse::<i64>().unwrap());
    assert_eq!(ids, (0..20).map(|i| i.to_string()).collect::<Vec<_>>());
}
