//! The SOP's monitoring and evaluation forms: prefilled with each step's measured figures for
//! the period, completed by the assessor (with what to fix explained), locked, printed; a
//! completed evaluation drafts a revised SOP for the admin.

use crate::support::pdf_text;
use crate::visits::approved;
use axum::http::StatusCode;

fn fields_for(steps: u32, pick: impl Fn(u32) -> Vec<(String, String)>) -> Vec<(String, String)> {
    (1..=steps).flat_map(pick).collect()
}

#[tokio::test]
async fn monitoring_and_evaluation_forms_are_prefilled_completed_printed_and_revise_the_sop() {
    let s = approved().await;
    let app = &s.app;
    let kasi = app.login("kasi_pelayanan").await;
    let r = app
        .post(
            "/sop/pemantauan",
            Some(&kasi),
            &[("kind", "monitoring"), ("from", "2026-11-01"), ("to", "2026-11-30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location().to_string();
    let form = app.get(&at, Some(&kasi)).await.body;
    // Step 4 (the schedule) finished in November, on time.
    let four = &form[form.find("data-step=\"4\"").unwrap()..];
    assert!(
        four[..four.find("</fieldset>").unwrap()].contains("1 selesai"),
        "{four}"
    );
    // Completing needs a verdict for every step and an assessor; what was typed stays.
    let bad = app
        .post(
            &at,
            Some(&kasi),
            &[("assessor", ""), ("notes_1", "lancar"), ("action", "selesai")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Langkah 1: pilih apakah berjalan dengan baik"));
    assert!(bad.body.contains("Tulis nama penilai"));
    assert!(bad.body.contains("value=\"lancar\""));
    let mut f = fields_for(12, |n| {
        vec![(format!("ok_{n}"), if n == 6 { "tidak" } else { "ya" }.to_string())]
    });
    f.push(("assessor".into(), "SUGENG, S.Sos".into()));
    f.push(("action".into(), "selesai".into()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let bad = app.post(&at, Some(&kasi), &refs).await;
    assert!(
        bad.body.contains("Langkah 6 tidak berjalan baik: tulis tindakan"),
        "{}",
        bad.body
    );
    f.push(("actions_6".into(), "minta blangko tambahan ke Dispendukcapil".into()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let ok = app.post(&at, Some(&kasi), &refs).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let again = app.post(&at, Some(&kasi), &refs).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "locked once completed");
    let pdf = app.get(&format!("{at}/cetak.pdf"), Some(&kasi)).await;
    let (text, _) = pdf_text(&pdf.bytes);
    assert!(
        text.contains("FORMULIR MONITORING SOP") && text.contains("SUGENG, S.Sos"),
        "{text}"
    );
    assert!(text.contains("blangko"), "the action is printed: {text}");

    // A period without its start is named under that field; the kind chosen stays.
    let no_from = app
        .post(
            "/sop/pemantauan",
            Some(&kasi),
            &[("kind", "evaluasi"), ("from", ""), ("to", "2026-11-30")],
        )
        .await;
    assert_eq!(no_from.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_from.body.contains("aria-describedby=\"r-from-err\"")
            && no_from.body.contains("<option value=\"evaluasi\" selected>")
            && no_from.body.contains("value=\"2026-11-30\""),
        "{}",
        no_from.body
    );
    // An evaluation proposes a more realistic standard for step 6 …
    let r = app
        .post(
            "/sop/pemantauan",
            Some(&kasi),
            &[("kind", "evaluasi"), ("from", "2026-11-01"), ("to", "2026-11-30")],
        )
        .await;
    let ev = r.location().to_string();
    let wrong = app
        .post(
            &ev,
            Some(&kasi),
            &[("assessor", "SUGENG"), ("proposed_6", "lama"), ("action", "simpan")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Langkah 6: usulan standar") && wrong.body.contains("tidak terbaca"));
    let done = app
        .post(
            &ev,
            Some(&kasi),
            &[
                ("assessor", "SUGENG"),
                ("c1_6", "1"),
                ("proposed_6", "5 hari"),
                ("action", "selesai"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // … which the admin turns into a draft revision of the SOP and loads as a new version.
    let id = ev.rsplit('/').next().unwrap();
    let admin = app.login("admin").await;
    let draft = app.get(&format!("/admin/sop?evaluasi={id}"), Some(&admin)).await.body;
    assert!(
        draft.contains("time = &#34;5 hari&#34;") || draft.contains("time = \"5 hari\""),
        "{draft}"
    );
    assert!(draft.contains("revisi-evaluasi"));
    let at = draft.find("name=\"toml\"").unwrap();
    let body = &draft[draft[at..].find('>').unwrap() + at + 1..];
    let toml = body[..body.find("</textarea>").unwrap()]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#60;", "<")
        .replace("&#62;", ">");
    let loaded = app.post("/admin/sop", Some(&admin), &[("toml", &toml)]).await;
    assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.body);
    let (active, def) = app.db.active_sop().await.unwrap();
    assert_eq!(
        def.steps[5].time, "2 hari",
        "a draft is not active until the admin says so"
    );
    assert!(!active.version.contains("revisi"));
    assert_eq!(app.db.list_sops().await.unwrap().len(), 2);
    // Field staff do not assess the SOP.
    let staff = app.login("petugas").await;
    assert_eq!(
        app.get("/sop/pemantauan", Some(&staff)).await.status,
        StatusCode::FORBIDDEN
    );
}
