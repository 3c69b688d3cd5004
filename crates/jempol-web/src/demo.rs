//! A demo campaign walked through the SOP's 12 steps, for `jempol demo` and `jempol serve
//! --demo`: the villages submit their lists (step 1), the kecamatan verifies them (2), opens a
//! campaign, plans and approves the home visits (3–4), officers record most people (5),
//! Dispendukcapil prints cards (6), the cards pass the kecamatan and the desa to the people
//! (7–8), and assistance is coordinated, proposed, decided and facilitated (9–12). Each person
//! stops at a different step, so every page has something to show. The schedule and the
//! visits go through the application's own pages (in-process requests with the demo users'
//! logins, so the planner, the checks and the audit run as for a person); the rest through the
//! same store functions the pages call.

use crate::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jempol_core::assistance::Dtsen;
use jempol_store::handovers::{NewHandover, NewReceipt};
use jempol_store::residents::NewResident;
use jempol_store::submissions::{NewSubmission, SubmissionRow};
use jempol_store::welfare::{Decision, NewFacilitation, NewProposal};
use jempol_store::{Actor, Db};
use tower::ServiceExt;

/// The accounts that do each lane's work, and their shared password.
pub struct DemoUsers<'a> {
    pub kasi: &'a str,
    pub camat: &'a str,
    pub petugas: &'a str,
    pub dukcapil: &'a str,
    pub password: &'a str,
}

/// How many people the journey left at each point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journey {
    pub campaign_id: i64,
    pub submitted: usize,
    pub verified: usize,
    pub recorded: usize,
    pub printed: usize,
    pub at_kecamatan: usize,
    pub at_desa: usize,
    pub received: usize,
    pub discussed: usize,
    pub proposed: usize,
    pub accepted: usize,
    pub facilitated: usize,
}

struct Session {
    cookie: String,
    csrf: String,
}

async fn send(state: &AppState, req: Request<Body>) -> Result<(StatusCode, String, String), String> {
    let res = crate::router(state.clone())
        .oneshot(req)
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .map_err(|e| e.to_string())?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Ok((status, if location.is_empty() { cookie } else { location }, body))
}

async fn login(state: &AppState, username: &str, password: &str) -> Result<Session, String> {
    let form = serde_urlencoded::to_string([("username", username), ("password", password), ("next", "/")])
        .map_err(|e| e.to_string())?;
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .map_err(|e| e.to_string())?;
    let res = crate::router(state.clone())
        .oneshot(req)
        .await
        .map_err(|e| e.to_string())?;
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or(format!("{username} tidak bisa masuk"))?
        .to_string();
    let req = Request::get("/")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .map_err(|e| e.to_string())?;
    let (_, _, home) = send(state, req).await?;
    let marker = "name=\"csrf_token\" value=\"";
    let at = home.find(marker).ok_or("halaman awal tanpa token")? + marker.len();
    let csrf = home[at..].split('"').next().unwrap_or("").to_string();
    Ok(Session { cookie, csrf })
}

/// Posts a form as that user; returns the redirect's target, or the page's error.
async fn post(state: &AppState, s: &Session, path: &str, fields: &[(&str, String)]) -> Result<String, String> {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.push(("csrf_token", &s.csrf));
    let form = serde_urlencoded::to_string(&all).map_err(|e| e.to_string())?;
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &s.cookie)
        .body(Body::from(form))
        .map_err(|e| e.to_string())?;
    let (status, location, body) = send(state, req).await?;
    if status == StatusCode::SEE_OTHER {
        Ok(location)
    } else {
        let text: String = body.chars().take(400).collect();
        Err(format!("{path}: {status} {text}"))
    }
}

fn id_in(location: &str) -> Option<i64> {
    location.split('?').next()?.rsplit('/').next()?.parse().ok()
}

/// Walks `people` (new residents of the deployment's kecamatan, grouped by desa) through the
/// SOP. `today` is the demo's date (ISO); the campaign's visits start on the next Monday.
pub async fn journey(
    state: &AppState,
    users: &DemoUsers<'_>,
    people: Vec<NewResident>,
    today: jiff::civil::Date,
) -> Result<Journey, String> {
    let db: &Db = &state.db;
    let err = |e: jempol_store::StoreError| e.to_string();
    let now = state.now();
    let actor = Actor::system("demo");
    let mut out = Journey::default();
    // The kecamatan of the people (Dolopo's demo desa), which need not be the deployment's first.
    let kecamatan = people
        .first()
        .and_then(|p| p.desa_code.get(..8))
        .map(str::to_string)
        .or_else(|| state.config.deployment.kecamatan.first().cloned())
        .ok_or("konfigurasi tanpa kecamatan")?;
    let (sop, _) = db.active_sop().await.map_err(err)?;
    // Step 1: each desa sends its list.
    let mut by_desa: std::collections::BTreeMap<String, Vec<NewResident>> = Default::default();
    for mut p in people {
        p.stage = "diajukan".into();
        by_desa.entry(p.desa_code.clone()).or_default().push(p);
    }
    let mut submissions = Vec::new();
    for (desa, rows) in by_desa {
        let rows: Vec<SubmissionRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| SubmissionRow {
                row_no: i as u32 + 2,
                status: "accepted".into(),
                nik: r.nik.clone(),
                data_json: "{}".into(),
                messages_json: "[]".into(),
                resident: Some(r),
            })
            .collect();
        out.submitted += rows.len();
        let sub = NewSubmission {
            desa_code: desa,
            source: "demo".into(),
            file_name: Some("daftar-demo.xlsx".into()),
            sop_definition_id: sop.id,
        };
        submissions.push(db.send_submission(&sub, &rows, &actor, now).await.map_err(err)?);
    }
    // Step 2: verified, one in twenty returned with a reason.
    for sid in &submissions {
        let stages = db.submission_stages(*sid).await.map_err(err)?;
        let mut ids: Vec<i64> = stages.keys().copied().collect();
        ids.sort_unstable();
        for (i, rid) in ids.into_iter().enumerate() {
            let ok = i % 20 != 19;
            let reason = (!ok).then_some("sudah memiliki KTP-el menurut SIAK");
            db.decide_resident(*sid, rid, ok, reason, &actor, now)
                .await
                .map_err(err)?;
            out.verified += usize::from(ok);
        }
        db.complete_submission(*sid, &actor, now).await.map_err(err)?;
    }
    // Steps 3–4: the Kasi opens a campaign, a team, the plan; the Kasi and the Camat approve.
    let kasi = login(state, users.kasi, users.password).await?;
    let mut start = today.tomorrow().map_err(|e| e.to_string())?;
    while start.weekday() != jiff::civil::Weekday::Monday {
        start = start.tomorrow().map_err(|e| e.to_string())?;
    }
    let end = start
        .checked_add(jiff::Span::new().days(18))
        .map_err(|e| e.to_string())?;
    let at = post(
        state,
        &kasi,
        "/gelombang",
        &[
            ("name", format!("Gelombang Demo {}", start.year())),
            ("kecamatan", kecamatan.clone()),
            ("start_date", start.to_string()),
            ("end_date", end.to_string()),
        ],
    )
    .await?;
    let at = at.split('?').next().unwrap_or("").to_string();
    let cid = id_in(&at).ok_or("gelombang tidak terbuat")?;
    out.campaign_id = cid;
    post(state, &kasi, &format!("{at}/warga"), &[("desa", String::new())]).await?;
    post(state, &kasi, &format!("{at}/tim"), &[("name", "Tim 1".into())]).await?;
    let team = db
        .campaign_teams(cid)
        .await
        .map_err(err)?
        .first()
        .map(|t| t.id)
        .ok_or("tim tidak terbuat")?;
    let mut members = Vec::new();
    for u in [users.petugas, users.dukcapil] {
        let user = db
            .user_by_username(u)
            .await
            .map_err(err)?
            .ok_or(format!("pengguna {u} tidak ada"))?;
        members.push(("user", user.id.to_string()));
    }
    post(state, &kasi, &format!("{at}/tim/{team}/akun"), &members).await?;
    post(
        state,
        &kasi,
        &format!("{at}/jadwal"),
        &[("start_date", start.to_string()), ("working_days", "10".into())],
    )
    .await?;
    post(
        state,
        &kasi,
        &format!("{at}/jadwal/setujui"),
        &[("version", "1".into())],
    )
    .await?;
    let camat = login(state, users.camat, users.password).await?;
    post(
        state,
        &camat,
        &format!("{at}/jadwal/setujui"),
        &[("version", "1".into())],
    )
    .await?;
    let (_, plan) = db
        .approved_plan(cid)
        .await
        .map_err(err)?
        .ok_or("jadwal tidak disetujui")?;
    let plan: serde_json::Value = serde_json::from_str(&plan).map_err(|e| e.to_string())?;
    let mut stops: Vec<(i64, String)> = Vec::new();
    for route in plan["routes"].as_array().into_iter().flatten() {
        let day = route["date"].as_str().unwrap_or("").to_string();
        for stop in route["stops"].as_array().into_iter().flatten() {
            if let Some(id) = stop["id"].as_str().and_then(|s| s.parse().ok()) {
                stops.push((id, day.clone()));
            }
        }
    }
    stops.sort();
    // Step 5: the officer records nine in ten; the others wait for their visit.
    let petugas = login(state, users.petugas, users.password).await?;
    let mut recorded = Vec::new();
    for (i, (rid, day)) in stops.iter().enumerate() {
        if i % 10 == 9 {
            continue;
        }
        post(
            state,
            &petugas,
            "/lapangan/hasil",
            &[
                ("client_id", format!("demo-{cid}-{rid}")),
                ("campaign_id", cid.to_string()),
                ("resident_id", rid.to_string()),
                ("base", String::new()),
                ("day", day.clone()),
                ("kind", "terekam".into()),
                ("cap_foto", "1".into()),
                ("cap_sidik_jari", "1".into()),
                ("cap_iris", "1".into()),
                ("cap_tanda_tangan", "1".into()),
            ],
        )
        .await?;
        recorded.push(*rid);
    }
    out.recorded = recorded.len();
    // Step 6: Dispendukcapil prints four in five of the recorded.
    let dukcapil = login(state, users.dukcapil, users.password).await?;
    let printed: Vec<i64> = recorded
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 4)
        .map(|(_, r)| *r)
        .collect();
    for rid in &printed {
        post(
            state,
            &dukcapil,
            &format!("/produksi/warga/{rid}"),
            &[("change", "state:kartu_tercetak".into()), ("date", today.to_string())],
        )
        .await?;
    }
    out.printed = printed.len();
    // Step 7: most printed cards come to the kecamatan in one handover, checked by the staff.
    let to_kec: Vec<i64> = printed
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 6 != 5)
        .map(|(_, r)| *r)
        .collect();
    if to_kec.is_empty() {
        return Ok(out);
    }
    hand_over(db, "kecamatan", &kecamatan, None, &to_kec, today, &actor, now).await?;
    out.at_kecamatan = to_kec.len();
    // Step 8: per desa, most go on to the desa and are checked there; most reach the person.
    let mut by_desa: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for rid in &to_kec {
        if let Some(desa) = db.resident_desa(*rid).await.map_err(err)? {
            by_desa.entry(desa).or_default().push(*rid);
        }
    }
    let mut at_desa = Vec::new();
    for (desa, rids) in by_desa {
        let go: Vec<i64> = rids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 != 3)
            .map(|(_, r)| *r)
            .collect();
        if go.is_empty() {
            continue;
        }
        hand_over(db, "desa", &kecamatan, Some(desa), &go, today, &actor, now).await?;
        at_desa.extend(go);
    }
    out.at_desa = at_desa.len();
    let mut received = Vec::new();
    for (i, rid) in at_desa.iter().enumerate() {
        if i % 3 == 2 {
            continue;
        }
        db.record_receipt(
            &NewReceipt {
                resident_id: *rid,
                item: "ektp".into(),
                received_date: today.to_string(),
                receiver_kind: "sendiri".into(),
                receiver_name: "WARGA".into(),
                relationship: None,
                note: String::new(),
                photo: None,
            },
            &actor,
            now,
        )
        .await
        .map_err(err)?;
        received.push(*rid);
    }
    out.received = received.len();
    // Steps 9–12: Dinsos and the village go through the people who have their card.
    let mut by_desa: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for rid in &received {
        if let Some(desa) = db.resident_desa(*rid).await.map_err(err)? {
            by_desa.entry(desa).or_default().push(*rid);
        }
    }
    let cutoff = jempol_core::assistance::cutoff_for(today);
    // The program catalogue, as the first visit to its page would set it up.
    db.programs(&jempol_core::assistance::default_programs(), now)
        .await
        .map_err(err)?;
    for (desa, rids) in by_desa {
        let session = db
            .open_session(
                "koordinasi",
                cid,
                Some(&desa),
                "Dinsos, Kasi Pelayanan, Kasi Kesra, pendamping desa",
                &actor,
                now,
            )
            .await
            .map_err(err)?;
        let mut proposals = Vec::new();
        for (i, rid) in rids.iter().enumerate() {
            let dtsen = if i % 2 == 0 {
                Dtsen::Registered { desil: Some(2) }
            } else {
                Dtsen::NotRegistered
            };
            db.set_dtsen(*rid, dtsen, "demo", Some(session), &actor, now)
                .await
                .map_err(err)?;
            out.discussed += 1;
            if i % 3 == 2 {
                continue;
            }
            let target = if i % 2 == 0 { "pkh_lansia" } else { "dtsen" };
            let pid = db
                .add_proposal(
                    &NewProposal {
                        resident_id: *rid,
                        target: target.into(),
                        channel: "musdes".into(),
                        proposed_date: today.to_string(),
                        cutoff: cutoff.clone(),
                        reason: "lansia, tidak bekerja, tinggal sendiri".into(),
                    },
                    &actor,
                    now,
                )
                .await
                .map_err(err)?;
            out.proposed += 1;
            proposals.push((pid, *rid, target));
        }
        db.close_session(session, "", &actor, now).await.map_err(err)?;
        for (j, (pid, rid, target)) in proposals.into_iter().enumerate() {
            if j % 2 == 1 {
                continue;
            }
            db.decide_proposal(
                pid,
                &Decision {
                    result: "diterima".into(),
                    reason: String::new(),
                    date: Some(today.to_string()),
                    session: None,
                },
                &actor,
                now,
            )
            .await
            .map_err(err)?;
            out.accepted += 1;
            if target == "pkh_lansia" {
                db.add_facilitation(
                    &NewFacilitation {
                        resident_id: rid,
                        program_code: Some("pkh_lansia".into()),
                        kind: "didampingi_pencairan".into(),
                        done_date: today.to_string(),
                        minutes: 9,
                        note: String::new(),
                    },
                    &actor,
                    now,
                )
                .await
                .map_err(err)?;
                out.facilitated += 1;
            }
        }
    }
    Ok(out)
}

/// Hands `rids`' e-KTP over (`kind`: to the kecamatan, or to a desa) and checks every item
/// in as received.
#[allow(clippy::too_many_arguments)]
async fn hand_over(
    db: &Db,
    kind: &str,
    kecamatan: &str,
    desa: Option<String>,
    rids: &[i64],
    today: jiff::civil::Date,
    actor: &Actor,
    now: i64,
) -> Result<(), String> {
    let err = |e: jempol_store::StoreError| e.to_string();
    let (giver, receiver) = if kind == "desa" {
        ("PETUGAS PELAYANAN", "KASUN")
    } else {
        ("OPERATOR DISPENDUKCAPIL", "PETUGAS PELAYANAN")
    };
    let (id, _) = db
        .create_handover(
            &NewHandover {
                kind: kind.into(),
                kecamatan_code: kecamatan.into(),
                desa_code: desa,
                handed_date: today.to_string(),
                giver_name: giver.into(),
                receiver_name: receiver.into(),
                items: rids.iter().map(|r| (*r, "ektp".to_string())).collect(),
            },
            actor,
            now,
        )
        .await
        .map_err(err)?;
    let items: Vec<i64> = db
        .handover(id)
        .await
        .map_err(err)?
        .map(|h| h.items.iter().map(|i| i.id).collect())
        .unwrap_or_default();
    db.check_handover_items(id, &items, &[], actor, now).await.map_err(err)
}
