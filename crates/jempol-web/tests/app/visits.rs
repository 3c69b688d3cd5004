//! SOP step 5: officers record the outcome of each visit, by a form, by a device's sync, or by
//! a file a device exported; each outcome is applied exactly once; a second officer's outcome
//! for the same person is a conflict for the Kasi; only the team's officers record, and only
//! for the people of their campaign.

use crate::campaigns::{campaign_with_people, fill};
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jempol_store::audit::AuditFilter;

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) kasi: Browser,
    pub(crate) at: String,
    pub(crate) id: i64,
    /// Residents on Monday 14 December's route of Tim 1, in plan order.
    pub(crate) monday: Vec<i64>,
}

/// Twelve verified residents in a campaign; Tim 1 with `petugas` and `dispendukcapil`; the
/// schedule approved by the Kasi and the Camat.
pub(crate) async fn approved() -> Setup {
    let app = TestApp::new().await;
    app.add_every_role().await;
    fill(&app).await;
    app.add_user("petugas2", jempol_core::Role::Petugas, None).await;
    let kasi = app.login("kasi_pelayanan").await;
    let (at, id) = campaign_with_people(&app, &kasi).await;
    app.post(&format!("{at}/tim"), Some(&kasi), &[("name", "Tim 1")]).await;
    let tid = app.db.campaign_teams(id).await.unwrap()[0].id;
    let officer = app
        .db
        .user_by_username("petugas")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let dukcapil = app
        .db
        .user_by_username("dispendukcapil")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let r = app
        .post(
            &format!("{at}/tim/{tid}/akun"),
            Some(&kasi),
            &[("user", &officer), ("user", &dukcapil)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.post(
        &format!("{at}/jadwal"),
        Some(&kasi),
        &[("start_date", "2026-12-14"), ("working_days", "10")],
    )
    .await;
    app.post(&format!("{at}/jadwal/setujui"), Some(&kasi), &[("version", "1")])
        .await;
    let camat = app.login("camat").await;
    app.post(&format!("{at}/jadwal/setujui"), Some(&camat), &[("version", "1")])
        .await;
    let plan: serde_json::Value = serde_json::from_str(&app.db.approved_plan(id).await.unwrap().unwrap().1).unwrap();
    let monday = plan["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["date"] == "2026-12-14")
        .unwrap()["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().parse().unwrap())
        .collect();
    Setup {
        app,
        kasi,
        at,
        id,
        monday,
    }
}

pub(crate) fn recorded(cid: &str, campaign: i64, resident: i64, base: &str) -> Vec<(String, String)> {
    vec![
        ("client_id".into(), cid.into()),
        ("campaign_id".into(), campaign.to_string()),
        ("resident_id".into(), resident.to_string()),
        ("base".into(), base.into()),
        ("day".into(), "2026-12-14".into()),
        ("kind".into(), "terekam".into()),
        ("cap_foto".into(), "1".into()),
        ("cap_iris".into(), "1".into()),
        ("cap_tanda_tangan".into(), "1".into()),
        ("why_sidik_jari".into(), "jari tangan kaku".into()),
        ("exception_reported".into(), "1".into()),
    ]
}

pub(crate) async fn post_fields(app: &TestApp, b: &Browser, path: &str, fields: &[(String, String)]) -> Resp {
    let f: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    app.post(path, Some(b), &f).await
}

/// The device's sync: JSON with the session cookie and the CSRF header.
pub(crate) async fn sync(app: &TestApp, b: &Browser, csrf: &str, outcomes: serde_json::Value) -> Resp {
    let req = Request::post("/lapangan/sinkron")
        .header(header::COOKIE, &b.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", csrf)
        .body(Body::from(serde_json::json!({ "outcomes": outcomes }).to_string()))
        .unwrap();
    app.send(req).await
}

async fn visit_events(app: &TestApp, resident: i64) -> Vec<String> {
    app.db
        .resident_events(resident)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.starts_with("kunjungan"))
        .map(|e| e.kind)
        .collect()
}

async fn stage(app: &TestApp, resident: i64) -> String {
    app.db
        .resident_in_scope(resident, &jempol_core::Scope::Kabupaten { code: "35.19".into() })
        .await
        .unwrap()
        .unwrap()
        .row
        .stage
}

#[tokio::test]
async fn an_outcome_is_applied_once_however_often_it_is_sent() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    let petugas = app.login("petugas").await;
    let page = app.get("/lapangan?tanggal=2026-12-14", Some(&petugas)).await.body;
    assert!(
        page.contains("Catat hasil kunjungan") && page.contains("name=\"cap_sidik_jari\""),
        "{page}"
    );
    assert!(
        page.contains("data-days=\"2026-12-14"),
        "the officer's days, for the device: {page}"
    );
    let fields = recorded("hasil-0001-aaaa", s.id, a, "");
    let r = post_fields(app, &petugas, "/lapangan/hasil", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("ok=field.saved"));
    assert_eq!(stage(app, a).await, "terekam");
    // The same outcome again (a double tap, a retried sync, an imported export): no change.
    let again = post_fields(app, &petugas, "/lapangan/hasil", &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let body = serde_json::json!([{
        "client_id": "hasil-0001-aaaa", "campaign_id": s.id, "resident_id": a, "base": "",
        "recorded_at": 1, "fields": {"kind": "terekam", "cap_foto": "1", "cap_iris": "1", "cap_tanda_tangan": "1", "why_sidik_jari": "jari tangan kaku"}
    }]);
    let synced = sync(app, &petugas, &petugas.csrf, body.clone()).await;
    assert_eq!(synced.status, StatusCode::OK, "{}", synced.body);
    assert_eq!(synced.json()["results"][0]["status"], "already_applied");
    assert_eq!(visit_events(app, a).await, vec!["kunjungan"]);
    let audits = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("visit.record".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].entity_id.as_deref(), Some(a.to_string().as_str()));
    // The sync without the session's CSRF token is refused.
    let forged = sync(app, &petugas, "salah", body).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The officer's list shows the outcome; the resident's history tells it.
    let page = app.get("/lapangan?tanggal=2026-12-14", Some(&petugas)).await.body;
    assert!(page.contains("Terekam, tanpa: sidik jari"), "{page}");
    assert!(
        page.contains("value=\"hasil-0001-aaaa\""),
        "the next outcome builds on it: {page}"
    );
    let kasi_view = app.get(&format!("/warga/{a}"), Some(&s.kasi)).await.body;
    assert!(
        kasi_view.contains("hasil kunjungan") && kasi_view.contains("jari tangan kaku"),
        "{kasi_view}"
    );
    let progress = app.get(&format!("{}/kunjungan", s.at), Some(&s.kasi)).await.body;
    assert!(progress.contains("terekam: 1"), "{progress}");
    assert!(
        progress.contains("Sidik jari: jari tangan kaku"),
        "the exception is listed: {progress}"
    );
}

#[tokio::test]
async fn a_wrong_outcome_is_explained_and_what_was_typed_stays() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    let petugas = app.login("petugas").await;
    let mut fields = recorded("hasil-0002-bbbb", s.id, a, "");
    fields.retain(|(k, _)| k != "why_sidik_jari");
    fields.push(("note".into(), "keluarga menemani".into()));
    let r = post_fields(app, &petugas, "/lapangan/hasil", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Sidik jari tidak terekam: tulis alasannya"),
        "{}",
        r.body
    );
    assert!(r.body.contains("keluarga menemani"), "the note is kept: {}", r.body);
    assert!(
        r.body.contains("value=\"hasil-0002-bbbb\""),
        "the same id, so a resend is still once"
    );
    // A reschedule outside the campaign, or on a Saturday; "other" without a note.
    let later = |date: &str| {
        vec![
            ("client_id".to_string(), "hasil-0003-cccc".to_string()),
            ("campaign_id".into(), s.id.to_string()),
            ("resident_id".into(), a.to_string()),
            ("day".into(), "2026-12-14".into()),
            ("kind".into(), "dijadwal_ulang".into()),
            ("date".into(), date.to_string()),
        ]
    };
    let out = post_fields(app, &petugas, "/lapangan/hasil", &later("2027-01-05")).await;
    assert!(
        out.body
            .contains("di dalam masa gelombang, 14-12-2026 sampai 31-12-2026"),
        "{}",
        out.body
    );
    let sat = post_fields(app, &petugas, "/lapangan/hasil", &later("2026-12-19")).await;
    assert!(sat.body.contains("bukan hari kerja"), "{}", sat.body);
    let xmas = post_fields(app, &petugas, "/lapangan/hasil", &later("2026-12-25")).await;
    assert!(xmas.body.contains("bukan hari kerja"), "a holiday: {}", xmas.body);
    let other = vec![
        ("client_id".to_string(), "hasil-0004-dddd".to_string()),
        ("campaign_id".into(), s.id.to_string()),
        ("resident_id".into(), a.to_string()),
        ("kind".into(), "tidak_terekam".into()),
        ("reason".into(), "lainnya".into()),
    ];
    let r = post_fields(app, &petugas, "/lapangan/hasil", &other).await;
    assert!(r.body.contains("tulis alasannya di catatan"), "{}", r.body);
    assert_eq!(stage(app, a).await, "terverifikasi", "nothing was applied");
    assert!(visit_events(app, a).await.is_empty());
}

#[tokio::test]
async fn a_second_officers_outcome_for_the_same_person_is_a_conflict_the_kasi_settles() {
    let s = approved().await;
    let (app, a, b) = (&s.app, s.monday[0], s.monday[1]);
    let petugas = app.login("petugas").await;
    let dukcapil = app.login("dispendukcapil").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0005-eeee", s.id, a, ""),
    )
    .await;
    // The other device had not seen it: "not at home" on the same person.
    let other = serde_json::json!([{
        "client_id": "hasil-0006-ffff", "campaign_id": s.id, "resident_id": a, "base": "",
        "recorded_at": 2, "fields": {"kind": "tidak_terekam", "reason": "tidak_di_rumah"}
    }]);
    let r = sync(app, &dukcapil, &dukcapil.csrf, other.clone()).await;
    assert_eq!(r.json()["results"][0]["status"], "conflict", "{}", r.body);
    assert_eq!(
        sync(app, &dukcapil, &dukcapil.csrf, other).await.json()["results"][0]["status"],
        "already_conflict"
    );
    assert_eq!(stage(app, a).await, "terekam", "never silently overwritten");
    // An outcome that builds on the current one is no conflict.
    let next = serde_json::json!([{
        "client_id": "hasil-0007-gggg", "campaign_id": s.id, "resident_id": b, "base": "",
        "recorded_at": 3, "fields": {"kind": "tidak_terekam", "reason": "meninggal", "note": "meninggal 2 Desember"}
    }, {
        "client_id": "hasil-0008-hhhh", "campaign_id": s.id, "resident_id": b, "base": "hasil-0007-gggg",
        "recorded_at": 4, "fields": {"kind": "tidak_terekam", "reason": "pindah"}
    }]);
    let r = sync(app, &petugas, &petugas.csrf, next).await;
    assert_eq!(r.json()["results"][0]["status"], "applied");
    assert_eq!(r.json()["results"][1]["status"], "applied");
    assert_eq!(stage(app, b).await, "tidak_terekam");

    let progress = format!("{}/kunjungan", s.at);
    let page = app.get(&progress, Some(&s.kasi)).await.body;
    assert!(page.contains("Konflik hasil kunjungan (1)"), "{page}");
    assert!(
        page.contains("tidak terekam: tidak di rumah") && page.contains("terekam, tanpa sidik jari"),
        "{page}"
    );
    let oid = page
        .split("data-conflict=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .to_string();
    // Officers see it but do not decide.
    let seen = app.get(&progress, Some(&petugas)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("Pakai hasil yang bertentangan"));
    let settle = format!("{progress}/konflik/{oid}");
    let no = app.post(&settle, Some(&petugas), &[("decision", "pakai")]).await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    let ok = app.post(&settle, Some(&s.kasi), &[("decision", "pakai")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(stage(app, a).await, "terverifikasi", "not at home: to be visited again");
    assert_eq!(
        visit_events(app, a).await,
        vec!["kunjungan", "kunjungan_konflik", "kunjungan"]
    );
    let page = app.get(&progress, Some(&s.kasi)).await.body;
    assert!(!page.contains("Konflik hasil kunjungan ("), "{page}");
    assert_eq!(
        app.post(&settle, Some(&s.kasi), &[("decision", "pakai")]).await.status,
        StatusCode::NOT_FOUND
    );
    let history = app.get(&s.at, Some(&s.kasi)).await.body;
    assert!(history.contains("konflik hasil kunjungan diputuskan"), "{history}");
}

#[tokio::test]
async fn only_the_teams_officers_record_and_only_for_their_campaigns_people() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    // An officer outside the team.
    let outsider = app.login("petugas2").await;
    let r = post_fields(
        app,
        &outsider,
        "/lapangan/hasil",
        &recorded("hasil-0009-iiii", s.id, a, ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = sync(
        app,
        &outsider,
        &outsider.csrf,
        serde_json::json!([{"client_id": "hasil-0010-jjjj", "campaign_id": s.id, "resident_id": a, "fields": {"kind": "tidak_terekam", "reason": "menolak"}}]),
    )
    .await;
    assert_eq!(r.json()["results"][0]["status"], "refused");
    // A person who is not in the campaign (waiting for verification).
    let waiting = app
        .db
        .list_residents(
            &jempol_core::Scope::Kabupaten { code: "35.19".into() },
            &Default::default(),
            None,
            50,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "MENUNGGU VERIFIKASI")
        .unwrap()
        .id;
    let petugas = app.login("petugas").await;
    let r = post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0011-kkkk", s.id, waiting, ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Roles without a part in step 5.
    for role in ["operator_desa", "camat", "kasi_pelayanan", "dinsos", "pendamping"] {
        let b = app.login(role).await;
        let r = post_fields(app, &b, "/lapangan/hasil", &recorded("hasil-0012-llll", s.id, a, "")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert!(visit_events(app, a).await.is_empty());
    assert!(visit_events(app, waiting).await.is_empty());
}

#[tokio::test]
async fn a_rescheduled_visit_moves_to_its_new_day() {
    let s = approved().await;
    let (app, a) = (&s.app, s.monday[0]);
    let petugas = app.login("petugas").await;
    let name = app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == a)
        .unwrap()
        .name;
    let fields = vec![
        ("client_id".to_string(), "hasil-0013-mmmm".to_string()),
        ("campaign_id".into(), s.id.to_string()),
        ("resident_id".into(), a.to_string()),
        ("day".into(), "2026-12-14".into()),
        ("kind".into(), "dijadwal_ulang".into()),
        ("date".into(), "2026-12-21".into()),
        ("note".into(), "keluarga minta Senin depan".into()),
    ];
    let r = post_fields(app, &petugas, "/lapangan/hasil", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let monday = app.get("/lapangan?tanggal=2026-12-14", Some(&petugas)).await.body;
    assert!(!monday.contains(&name), "{monday}");
    let later = app.get("/lapangan?tanggal=2026-12-21", Some(&petugas)).await.body;
    assert!(
        later.contains(&name) && later.contains("dijadwal ulang ke hari ini"),
        "{later}"
    );
    assert!(later.contains("data-days=\"") && later.contains("2026-12-21"));
    assert_eq!(stage(app, a).await, "terverifikasi");
}

#[tokio::test]
async fn an_exported_outbox_file_is_taken_in_once() {
    let s = approved().await;
    let (app, a, b) = (&s.app, s.monday[0], s.monday[1]);
    let petugas = app.login("petugas").await;
    let file = serde_json::json!({
        "format": "jempol-hasil-kunjungan", "version": 1, "device_user": "petugas",
        "outcomes": [
            {"client_id": "hasil-0014-nnnn", "campaign_id": s.id, "resident_id": a, "base": "", "recorded_at": 5,
             "name": "X", "state": "waiting", "fields": {"kind": "terekam", "cap_foto": "1", "cap_sidik_jari": "1", "cap_iris": "1", "cap_tanda_tangan": "1"}},
            {"client_id": "hasil-0015-oooo", "campaign_id": s.id, "resident_id": b, "base": "", "recorded_at": 6,
             "fields": {"kind": "tidak_terekam", "reason": "menolak"}},
            {"client_id": "hasil-0016-pppp", "campaign_id": s.id, "resident_id": b, "base": "", "recorded_at": 7,
             "fields": {"kind": "tidak_terekam"}}
        ]
    })
    .to_string();
    let upload = |bytes: Vec<u8>| {
        let petugas = petugas.clone();
        async move {
            app.post_multipart(
                "/lapangan/impor",
                &petugas,
                &[],
                Some(("berkas", "jempol-belum-terkirim.json", "application/json", &bytes)),
            )
            .await
        }
    };
    let first = upload(file.clone().into_bytes()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("diterima: 2"), "{}", first.body);
    assert!(first.body.contains("perlu diperbaiki: 1") && first.body.contains("Pilih alasan tidak terekam"));
    let second = upload(file.into_bytes()).await;
    assert!(second.body.contains("sudah diterima sebelumnya: 2"), "{}", second.body);
    assert_eq!(visit_events(app, a).await, vec!["kunjungan"]);
    assert_eq!(visit_events(app, b).await, vec!["kunjungan"]);
    let wrong = upload(b"NIK,NAMA\n".to_vec()).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("bukan hasil"), "{}", wrong.body);
}

#[tokio::test]
async fn when_the_window_closes_the_people_not_finished_move_to_the_next_campaign_with_their_history() {
    let s = approved().await;
    let (app, a, b) = (&s.app, s.monday[0], s.monday[1]);
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hasil-0017-qqqq", s.id, a, ""),
    )
    .await;
    let died = sync(
        app,
        &petugas,
        &petugas.csrf,
        serde_json::json!([{"client_id": "hasil-0018-rrrr", "campaign_id": s.id, "resident_id": b, "fields": {"kind": "tidak_terekam", "reason": "meninggal"}}]),
    )
    .await;
    assert_eq!(died.json()["results"][0]["status"], "applied");
    let progress = format!("{}/kunjungan", s.at);
    let page = app.get(&progress, Some(&s.kasi)).await.body;
    assert!(
        page.contains("Langkah 5 berjalan sampai 31 Desember 2026: 10 warga"),
        "{page}"
    );
    let early = app
        .post(&format!("{progress}/pindah"), Some(&s.kasi), &[("to", "999")])
        .await;
    assert!(early.body.contains("Masa gelombang belum berakhir"), "{}", early.body);

    // The window is over (sessions have expired meanwhile) and a next campaign is open.
    app.clock.advance_minutes(90 * 24 * 60);
    let kasi = app.login("kasi_pelayanan").await;
    let next = app
        .post(
            "/gelombang",
            Some(&kasi),
            &[
                ("name", "Gelombang II 2027"),
                ("start_date", "2027-02-01"),
                ("end_date", "2027-02-26"),
            ],
        )
        .await;
    let next_at = next.location().split('?').next().unwrap().to_string();
    let next_id: i64 = next_at.rsplit('/').next().unwrap().parse().unwrap();
    let page = app.get(&progress, Some(&kasi)).await.body;
    assert!(page.contains("Langkah 5 selesai: masa gelombang berakhir"), "{page}");
    assert!(page.contains("Gelombang II 2027"), "{page}");
    // Only the Kasi moves people.
    let officer = app.login("petugas").await;
    let no = app
        .post(
            &format!("{progress}/pindah"),
            Some(&officer),
            &[("to", &next_id.to_string())],
        )
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    let moved = app
        .post(
            &format!("{progress}/pindah"),
            Some(&kasi),
            &[("to", &next_id.to_string())],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let members: Vec<i64> = app
        .db
        .campaign_members(next_id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(members.len(), 10);
    assert!(
        !members.contains(&a) && !members.contains(&b),
        "the recorded and the dead stay"
    );
    let c = s.monday[2..].first().copied().unwrap_or(members[0]);
    let history = app.get(&format!("/warga/{c}"), Some(&kasi)).await.body;
    assert!(history.contains("pindah ke gelombang berikutnya"), "{history}");
    let page = app.get(&progress, Some(&kasi)).await.body;
    assert!(page.contains(&format!("dipindah ke gelombang #{next_id}")), "{page}");
    assert!(!page.contains("Pindahkan warga ("), "nobody left to move: {page}");
    // An outcome for a moved person in the old campaign is refused with the reason.
    let late = sync(
        app,
        &officer,
        &officer.csrf,
        serde_json::json!([{"client_id": "hasil-0019-ssss", "campaign_id": s.id, "resident_id": members[0], "fields": {"kind": "tidak_terekam", "reason": "menolak"}}]),
    )
    .await;
    let r = &late.json()["results"][0];
    assert_eq!(r["status"], "refused", "{r}");
    assert!(
        r["messages"][0]
            .as_str()
            .unwrap()
            .contains("dipindah ke gelombang berikutnya"),
        "{r}"
    );
    let audits = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("campaign.roll_over".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
}

#[tokio::test]
async fn a_person_found_on_site_is_checked_like_step_1_and_joins_todays_visits_once() {
    let s = approved().await;
    let app = &s.app;
    let petugas = app.login("petugas").await;
    let nik = jempol_core::nik::compose("351902", jiff::civil::date(1950, 3, 4), true, 321);
    let walkin = |client: &str, nik: &str, desa: &str| {
        vec![
            ("client_id".to_string(), client.to_string()),
            ("campaign_id".into(), s.id.to_string()),
            ("day".into(), "2026-12-14".into()),
            ("desa".into(), desa.to_string()),
            ("nik".into(), nik.to_string()),
            ("name".into(), "SUMIATI DITEMUKAN".into()),
            ("dusun".into(), "Krajan".into()),
            ("notes".into(), "tetangga dari warga yang dikunjungi".into()),
        ]
    };
    // Step 1's rules: a NIK typed as a number in a sheet, here a short one, is refused and
    // what was typed stays; a desa outside the kecamatan too.
    let bad = post_fields(
        app,
        &petugas,
        "/lapangan/warga-baru",
        &walkin("lokasi-0001-aaaa", "35190212345", "35.19.01.2001"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("NIK harus 16 angka"), "{}", bad.body);
    assert!(bad.body.contains("Pilih desa tempat warga tinggal"), "{}", bad.body);
    assert!(
        bad.body.contains("tetangga dari warga yang dikunjungi"),
        "kept: {}",
        bad.body
    );
    // Correct: she is verified on site and on today's list of the officer's team.
    let fields = walkin("lokasi-0002-bbbb", &nik, "35.19.02.2001");
    let ok = post_fields(app, &petugas, "/lapangan/warga-baru", &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let again = post_fields(app, &petugas, "/lapangan/warga-baru", &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "a resend adds her once");
    let found: Vec<_> = app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.name == "SUMIATI DITEMUKAN")
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].walkin_team.as_deref(), Some("Tim 1"));
    assert_eq!(stage(app, found[0].id).await, "terverifikasi");
    let day = app.get("/lapangan?tanggal=2026-12-14", Some(&petugas)).await.body;
    assert!(day.contains("SUMIATI DITEMUKAN"), "{day}");
    // The device's way (JSON answer), and the same person again under a new id: a duplicate NIK.
    let req = Request::post("/lapangan/warga-baru")
        .header(header::COOKIE, &petugas.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("x-csrf-token", &petugas.csrf)
        .body(Body::from(
            serde_urlencoded::to_string(walkin("lokasi-0003-cccc", &nik, "35.19.02.2001")).unwrap(),
        ))
        .unwrap();
    let dup = app.send(req).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.json()["status"], "invalid");
    assert!(dup.body.contains("sudah"), "{}", dup.body);
    // Not for officers outside the team.
    let outsider = app.login("petugas2").await;
    let r = post_fields(
        app,
        &outsider,
        "/lapangan/warga-baru",
        &walkin("lokasi-0004-dddd", &nik, "35.19.02.2001"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let audits = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("campaign.walkin".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
}
