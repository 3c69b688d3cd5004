//! SOP steps 9–12 for one campaign: the gap worklist, a coordination session recording each
//! person's DTSEN standing and assistance (step 9, timed), proposals (step 10), their results
//! in an evaluation session (step 11) and the facilitation of recipients (step 12); each
//! step's time against the SOP's standard; and what each role may see and do.

use crate::support::*;
use crate::visits::{Setup, approved};
use axum::http::StatusCode;
use jempol_store::audit::AuditFilter;

/// The campaign's people by name.
async fn person(s: &Setup, name: &str) -> i64 {
    s.app
        .db
        .campaign_members(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
        .id
}

fn session_id(r: &Resp) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn steps_9_to_12_run_for_one_person_and_each_step_is_timed() {
    let s = approved().await;
    let app = &s.app;
    let a = person(&s, "WARGA GELOMBANG 00").await; // desa 2001, lansia
    let dinsos = app.login("dinsos").await;

    // The worklist: everyone of the campaign, none checked yet, gaps from the catalogue.
    let list = app.get(&format!("/bantuan?gelombang={}", s.id), Some(&dinsos)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.matches("data-resident=").count(), 12, "{}", list.body);
    assert!(list.body.contains("belum dibahas"));
    assert!(list.body.contains("ATENSI lansia: tampak berhak, belum menerima"));
    assert!(list.body.contains("PBI Jaminan Kesehatan: periksa desil DTSEN-nya"));
    // Filtered to one desa and searched.
    let one = app
        .search(
            &dinsos,
            "/bantuan",
            &[
                ("gelombang", &s.id.to_string()),
                ("desa", "35.19.02.2001"),
                ("q", "gelombang 00"),
            ],
        )
        .await;
    assert_eq!(one.body.matches("data-resident=").count(), 1, "{}", one.body);

    // Step 9: a coordination session for desa 2001, with who takes part.
    let no_one = app
        .post(
            "/bantuan/sesi",
            Some(&dinsos),
            &[
                ("kind", "koordinasi"),
                ("gelombang", &s.id.to_string()),
                ("desa", "35.19.02.2001"),
                ("participants", ""),
            ],
        )
        .await;
    assert!(no_one.location().contains("ok=bn.session_who"), "{}", no_one.location());
    let sid = session_id(
        &app.post(
            "/bantuan/sesi",
            Some(&dinsos),
            &[
                ("kind", "koordinasi"),
                ("gelombang", &s.id.to_string()),
                ("desa", "35.19.02.2001"),
                ("participants", "Kasi Pelayanan, Kesra, Dinsos, Pemdes Lembah"),
            ],
        )
        .await,
    );
    let page = app.get(&format!("/bantuan/sesi/{sid}"), Some(&dinsos)).await;
    assert_eq!(
        page.body.matches("data-resident=").count(),
        6,
        "only desa 2001: {}",
        page.body
    );

    // The DTSEN standing: a desil for someone not registered is refused, the input kept.
    let bad = app
        .post(
            &format!("/bantuan/warga/{a}/dtsen"),
            Some(&dinsos),
            &[
                ("dtsen", "tidak_terdaftar"),
                ("desil", "3"),
                ("source", "SIKS-NG"),
                ("sesi", &sid.to_string()),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Desil hanya diisi untuk orang yang terdaftar"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"SIKS-NG\""));
    assert!(
        bad.body
            .contains("aria-invalid=\"true\" aria-describedby=\"d-desil-err\"")
            && bad
                .body
                .contains("<p class=\"field-error\" id=\"d-desil-err\">Desil hanya diisi"),
        "the message is tied to the desil field"
    );
    let ok = app
        .post(
            &format!("/bantuan/warga/{a}/dtsen"),
            Some(&dinsos),
            &[
                ("dtsen", "terdaftar"),
                ("desil", "3"),
                ("source", "SIKS-NG"),
                ("sesi", &sid.to_string()),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Receives BLT Dana Desa already (from the desa's list).
    let rec = app
        .post(
            &format!("/bantuan/warga/{a}/bantuan"),
            Some(&dinsos),
            &[
                ("program", "blt_dd"),
                ("since", "2026-01-01"),
                ("rsource", "daftar desa"),
                ("sesi", &sid.to_string()),
            ],
        )
        .await;
    assert_eq!(rec.status, StatusCode::SEE_OTHER, "{}", rec.body);
    let mine = app.get(&format!("/bantuan/warga/{a}"), Some(&dinsos)).await.body;
    assert!(mine.contains("terdaftar di DTSEN, desil 3"), "{mine}");
    assert!(mine.contains("BLT Dana Desa"));
    assert!(
        mine.contains("PBI Jaminan Kesehatan</strong>: tampak berhak, belum menerima"),
        "{mine}"
    );
    assert!(
        !mine.contains("BLT Dana Desa</strong>: tampak berhak"),
        "received is no gap"
    );
    let w = app
        .db
        .welfare_row(
            a,
            &jempol_core::Scope::Kecamatan {
                codes: vec!["35.19.02".into()],
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(w.session_id, Some(sid), "checked in the session");

    // The session closes after 90 working minutes: within the 2-hour standard.
    app.clock.advance_minutes(90);
    let dinsos = app.login("dinsos").await;
    let closed = app
        .post(
            &format!("/bantuan/sesi/{sid}/tutup"),
            Some(&dinsos),
            &[("note", "6 orang dibahas")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/bantuan/sesi/{sid}"), Some(&dinsos)).await.body;
    assert!(page.contains("1 jam 30 menit (Standar 2 jam)"), "{page}");
    assert!(!page.contains("melewati standar"));
    assert!(!page.contains("Tutup sesi"), "closed once");

    // Step 10: the village proposes the person for PBI-JK through the musdes.
    let desa = app.login("operator_desa").await;
    let wrong = app
        .post(
            &format!("/bantuan/warga/{a}/usulan"),
            Some(&desa),
            &[
                ("target", "pbi_jk"),
                ("channel", ""),
                ("date", "2026-11-02"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Pilih jalur usulan") && wrong.body.contains("Tulis alasan usulan"));
    let fields = [
        ("target", "pbi_jk"),
        ("channel", "musdes"),
        ("date", "2026-11-02"),
        ("reason", "lansia tunggal, tidak bekerja"),
    ];
    let proposed = app
        .post(&format!("/bantuan/warga/{a}/usulan"), Some(&desa), &fields)
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let twice = app
        .post(&format!("/bantuan/warga/{a}/usulan"), Some(&desa), &fields)
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("sudah diusulkan"), "{}", twice.body);
    let dtsen = app
        .post(
            &format!("/bantuan/warga/{a}/usulan"),
            Some(&desa),
            &[
                ("target", "pkh_lansia"),
                ("channel", "siks_ng"),
                ("date", "2026-11-02"),
                ("reason", "lansia desil 3"),
            ],
        )
        .await;
    assert_eq!(dtsen.status, StatusCode::SEE_OTHER);
    let proposals = app
        .db
        .proposals(jempol_store::welfare::Whose::Resident(a))
        .await
        .unwrap();
    assert_eq!(proposals.len(), 2);
    assert_eq!(proposals[0].cutoff, "2026-11", "the 2nd is before the 17th");

    // Step 11: the result in an evaluation session; a rejection needs its reason.
    let eid = session_id(
        &app.post(
            "/bantuan/sesi",
            Some(&dinsos),
            &[
                ("kind", "evaluasi"),
                ("gelombang", &s.id.to_string()),
                ("desa", "35.19.02.2001"),
                ("participants", "Kasi, Dinsos"),
            ],
        )
        .await,
    );
    let waiting = app.get(&format!("/bantuan/sesi/{eid}"), Some(&dinsos)).await.body;
    assert_eq!(waiting.matches("data-proposal=").count(), 2, "{waiting}");
    let (pbi, pkh) = (proposals[0].id, proposals[1].id);
    let no_reason = app
        .post(
            &format!("/bantuan/usulan/{pkh}/hasil"),
            Some(&dinsos),
            &[
                ("result", "ditolak"),
                ("result_date", "2026-11-02"),
                ("result_reason", ""),
                ("sesi", &eid.to_string()),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("tulis alasan penolakannya"));
    for (id, result, why) in [
        (pbi, "diterima", ""),
        (pkh, "ditolak", "tidak ada komponen PKH di keluarga"),
    ] {
        let r = app
            .post(
                &format!("/bantuan/usulan/{id}/hasil"),
                Some(&dinsos),
                &[
                    ("result", result),
                    ("result_date", "2026-11-02"),
                    ("result_reason", why),
                    ("sesi", &eid.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    app.clock.advance_minutes(200);
    let dinsos = app.login("dinsos").await;
    app.post(&format!("/bantuan/sesi/{eid}/tutup"), Some(&dinsos), &[("note", "")])
        .await;
    let eval = app.get(&format!("/bantuan/sesi/{eid}"), Some(&dinsos)).await.body;
    assert!(eval.contains("melewati standar"), "200 minutes > 2 hours: {eval}");
    // Accepted: PBI-JK is now received.
    let received = app
        .db
        .received(jempol_store::welfare::Whose::Resident(a))
        .await
        .unwrap();
    assert!(
        received
            .iter()
            .any(|x| x.program_code == "pbi_jk" && x.source == "hasil usulan")
    );

    // Step 12: the village accompanies the recipient; the time is measured from start and end.
    let desa = app.login("operator_desa").await;
    let bad_time = app
        .post(
            &format!("/bantuan/warga/{a}/fasilitasi"),
            Some(&desa),
            &[
                ("kind", "bpjs_aktif"),
                ("f_program", "pbi_jk"),
                ("f_date", "2026-11-02"),
                ("start", "09.10"),
                ("end", "09.00"),
                ("note", "kartu KIS"),
            ],
        )
        .await;
    assert_eq!(bad_time.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_time.body.contains("Jam selesai harus setelah jam mulai"));
    assert!(bad_time.body.contains("value=\"kartu KIS\""), "kept");
    let fac = app
        .post(
            &format!("/bantuan/warga/{a}/fasilitasi"),
            Some(&desa),
            &[
                ("kind", "bpjs_aktif"),
                ("f_program", "pbi_jk"),
                ("f_date", "2026-11-02"),
                ("start", "09.00"),
                ("end", "09.08"),
                ("note", "kartu KIS"),
            ],
        )
        .await;
    assert_eq!(fac.status, StatusCode::SEE_OTHER, "{}", fac.body);

    // The step times: one session each, one proposal path, one facilitation of 8 minutes.
    let kasi = app.login("kasi_pelayanan").await;
    let list = app.get(&format!("/bantuan?gelombang={}", s.id), Some(&kasi)).await.body;
    for (step, on_time) in [(9, 1), (10, 2), (11, 0), (12, 1)] {
        let at = list.find(&format!("data-step=\"{step}\"")).unwrap();
        let row = &list[at..at + list[at..].find("</tr>").unwrap()];
        let cells: Vec<&str> = row.split("<td").collect();
        assert!(cells[4].contains(&format!(">{on_time}<")), "step {step}: {row}");
    }
    // Every change is in the audit log and the person's history.
    let audit = app
        .db
        .audit_entries(&AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    for action in [
        "welfare.dtsen",
        "welfare.received",
        "proposal.create",
        "proposal.result",
        "facilitation.create",
        "assistance_session.close",
    ] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
    // The person's timeline: each step they went through, with how long it took them.
    let record = app.get(&format!("/warga/{a}"), Some(&kasi)).await.body;
    let table = &record[record.find("id=\"person-steps\"").expect("the steps table")..];
    let table = &table[..table.find("</table>").unwrap()];
    for step in [5, 9, 10, 11, 12] {
        assert!(table.contains(&format!("data-step=\"{step}\"")), "step {step}: {table}");
    }
    assert!(
        table.contains("8 menit / 10 menit"),
        "the facilitation's own time: {table}"
    );
    assert!(record.contains("diusulkan (langkah 10)") && record.contains("fasilitasi (langkah 12)"));
    let kinds: Vec<String> = app
        .db
        .resident_events(a)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        "dtsen",
        "bantuan_diterima",
        "diusulkan_bantuan",
        "hasil_usulan",
        "fasilitasi",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
}

#[tokio::test]
async fn each_role_sees_and_does_only_its_part_of_steps_9_to_12() {
    let s = approved().await;
    let app = &s.app;
    let a = person(&s, "WARGA GELOMBANG 00").await; // desa 2001, has a phone number
    let b = person(&s, "WARGA GELOMBANG 01").await; // desa 2003
    let scope = jempol_core::Scope::Kecamatan {
        codes: vec!["35.19.02".into()],
    };
    let before = app.db.resident_in_scope(a, &scope).await.unwrap().unwrap();
    let care = jempol_store::residents::CareUpdate {
        wali_name: Some("SITI WALI".into()),
        phone: Some("0812-3456-7890".into()),
        notes: Some("anjing galak di halaman".into()),
        ..Default::default()
    };
    app.db
        .update_care(
            &before,
            before.edit_version,
            &care,
            &jempol_store::Actor::system("test"),
            app.clock.now(),
        )
        .await
        .unwrap();

    // Dinsos: the assistance pages, not the resident record with its needs, guardian, phone.
    let dinsos = app.login("dinsos").await;
    assert_eq!(app.get("/warga", Some(&dinsos)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/warga/{a}"), Some(&dinsos)).await.status,
        StatusCode::FORBIDDEN
    );
    let page = app.get(&format!("/bantuan/warga/{a}"), Some(&dinsos)).await;
    assert_eq!(page.status, StatusCode::OK);
    for secret in ["0812-3456-7890", "SITI WALI", "anjing galak"] {
        assert!(!page.body.contains(secret), "dinsos must not see {secret:?}");
    }
    assert!(page.body.contains("3519020"), "the full NIK to match DTSEN");
    // Dinsos coordinates and evaluates but does not propose or facilitate.
    let r = app
        .post(
            &format!("/bantuan/warga/{a}/usulan"),
            Some(&dinsos),
            &[
                ("target", "pbi_jk"),
                ("channel", "musdes"),
                ("date", "2026-11-02"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The village: its own desa only; another desa's person is "not found", also for writes.
    let desa = app.login("operator_desa").await;
    let list = app.get("/bantuan", Some(&desa)).await.body;
    assert_eq!(list.matches("data-resident=").count(), 6, "{list}");
    assert!(!list.contains("WARGA GELOMBANG 01"));
    assert_eq!(
        app.get(&format!("/bantuan/warga/{b}"), Some(&desa)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/bantuan/warga/999999", Some(&desa)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            &format!("/bantuan/warga/{b}/dtsen"),
            Some(&desa),
            &[("dtsen", "tidak_terdaftar"), ("desil", ""), ("source", "desa")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        app.db
            .received(jempol_store::welfare::Whose::Resident(b))
            .await
            .unwrap()
            .is_empty()
    );
    // The village does not decide results or edit the catalogue.
    let pid = app
        .db
        .add_proposal(
            &jempol_store::welfare::NewProposal {
                resident_id: a,
                target: "pbi_jk".into(),
                channel: "musdes".into(),
                proposed_date: "2026-11-02".into(),
                cutoff: "2026-11".into(),
                reason: "uji".into(),
            },
            &jempol_store::Actor::system("test"),
            app.clock.now(),
        )
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/bantuan/usulan/{pid}/hasil"),
            Some(&desa),
            &[("result", "diterima"), ("result_date", "2026-11-02")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let catalogue = app.get("/bantuan/program", Some(&desa)).await;
    assert_eq!(catalogue.status, StatusCode::OK);
    assert!(!catalogue.body.contains("action=\"/bantuan/program\""), "no add form");
    let r = app.post("/bantuan/program/pbi_jk", Some(&desa), &[("name", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The Camat sees the worklist with masked NIKs and changes nothing.
    let camat = app.login("camat").await;
    let list = app
        .get(&format!("/bantuan?gelombang={}", s.id), Some(&camat))
        .await
        .body;
    assert_eq!(list.matches("data-resident=").count(), 12);
    assert!(list.contains("********"), "masked");
    let one = app.get(&format!("/bantuan/warga/{a}"), Some(&camat)).await.body;
    assert!(!one.contains("3519020101100001"), "the family card masked too");
    assert!(!one.contains("action=\"/bantuan/warga/"), "no forms for the Camat");
    let r = app
        .post(
            &format!("/bantuan/warga/{a}/dtsen"),
            Some(&camat),
            &[("dtsen", "tidak_terdaftar"), ("desil", ""), ("source", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Dispendukcapil has no part in assistance.
    let dukcapil = app.login("dispendukcapil").await;
    assert_eq!(app.get("/bantuan", Some(&dukcapil)).await.status, StatusCode::FORBIDDEN);

    // Removing a received program asks first.
    app.db
        .add_received(
            a,
            "blt_dd",
            None,
            "desa",
            &jempol_store::Actor::system("test"),
            app.clock.now(),
        )
        .await
        .unwrap();
    let ask = app
        .get(
            &format!("/bantuan/warga/{a}/bantuan/hapus?program=blt_dd"),
            Some(&dinsos),
        )
        .await;
    assert!(ask.body.contains("Hapus catatan bahwa"), "{}", ask.body);
    assert_eq!(
        app.db
            .received(jempol_store::welfare::Whose::Resident(a))
            .await
            .unwrap()
            .len(),
        1
    );
    let gone = app
        .post(
            &format!("/bantuan/warga/{a}/bantuan/hapus?program=blt_dd"),
            Some(&dinsos),
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(
        app.db
            .received(jempol_store::welfare::Whose::Resident(a))
            .await
            .unwrap()
            .is_empty()
    );
}
