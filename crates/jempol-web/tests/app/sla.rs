//! The SOP measured: each unit of each step against its standard in working time, on time /
//! at risk / late, a pause for a cause outside the office shown as such and not counted; each
//! user's own tasks, most urgent first.

use crate::visits::{approved, post_fields, recorded};
use axum::http::StatusCode;

/// The cells of a step's row in the per-step table.
fn step_row(html: &str, step: u32) -> Vec<String> {
    let at = html.find(&format!("data-step=\"{step}\"")).unwrap();
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let t = &c[c.find('>').unwrap() + 1..];
            t[..t.find("</td>").unwrap_or(t.len())].trim().to_string()
        })
        .collect()
}

#[tokio::test]
async fn each_step_is_measured_paused_and_listed_for_whoever_does_it() {
    let s = approved().await;
    let app = &s.app;
    let kasi = app.login("kasi_pelayanan").await;
    // Step 4 was done at once: the plan made and approved on Monday 2 November.
    let page = app.get("/waktu", Some(&kasi)).await;
    assert_eq!(page.status, StatusCode::OK);
    let four = step_row(&page.body, 4);
    assert_eq!((four[2].as_str(), four[3].as_str()), ("1 / 1", "100 %"), "{four:?}");
    // Step 5 runs for the twelve people; the visits start on 14 December, nothing used yet.
    let five = step_row(&page.body, 5);
    assert_eq!(five[6], "12", "{five:?}");
    assert_eq!(five[8], "0", "none late");

    // One person recorded at 08:00: step 6 starts for them (standard 2 working days).
    let a = s.monday[0];
    let petugas = app.login("petugas").await;
    let r = post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("sla-0001-aaaa", s.id, a, ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.clock.advance_minutes(60);
    // Out of blank cards at 09:00: Dispendukcapil stops step 6's clock.
    let dukcapil = app.login("dispendukcapil").await;
    let no_reason = app
        .post("/waktu/jeda", Some(&dukcapil), &[("step", "6"), ("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Tulis penyebabnya"));
    assert!(
        no_reason.body.contains("aria-describedby=\"j-reason-err\"")
            && no_reason.body.contains("<option value=\"6\" selected>"),
        "under the reason, the step kept: {}",
        no_reason.body
    );
    let r = app
        .post(
            "/waktu/jeda",
            Some(&dukcapil),
            &[("step", "6"), ("reason", "blangko habis")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Three days later the card is still not printed, but the clock was stopped.
    app.clock.advance_minutes(3 * 24 * 60);
    let dukcapil = app.login("dispendukcapil").await;
    let tasks = app.get("/tugas", Some(&dukcapil)).await.body;
    assert!(tasks.contains("dihentikan sementara"), "{tasks}");
    assert!(tasks.contains("1 jam / 2 hari kerja"), "60 minutes used: {tasks}");
    // The blanks arrive on Thursday 09:00: the clock runs again; on Monday at 09:00 it is late.
    let pause = app.get("/waktu", Some(&dukcapil)).await.body;
    let id = pause[pause.find("data-pause=\"").unwrap() + 12..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = app
        .post(&format!("/waktu/jeda/{id}/akhiri"), Some(&dukcapil), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let tasks = app.get("/tugas", Some(&dukcapil)).await.body;
    assert!(tasks.contains("tepat waktu"), "{tasks}");
    app.clock.advance_minutes(4 * 24 * 60);
    let dukcapil = app.login("dispendukcapil").await;
    let tasks = app.get("/tugas", Some(&dukcapil)).await.body;
    let first = &tasks[tasks.find("<tbody>").unwrap()..];
    let first = &first[..first.find("</tr>").unwrap()];
    assert!(
        first.contains("terlambat") && first.contains("data-step=\"6\""),
        "late first: {first}"
    );
    // The home page says so at once.
    let home = app.get("/", Some(&dukcapil)).await.body;
    let line = &home[home.find("id=\"home-tasks\"").expect("the task line")..];
    assert!(line[..line.find("</p>").unwrap()].contains("1 terlambat"), "{line}");

    // The Kasi sees it among what needs attention; the Camat too; field staff have no overview.
    let kasi = app.login("kasi_pelayanan").await;
    let page = app.get("/waktu", Some(&kasi)).await.body;
    assert_eq!(step_row(&page, 6)[8], "1", "one late in step 6");
    assert_eq!(step_row(&page, 5)[2], "1 / 12", "the recorded person's step 5 is done");
    assert!(page.contains("blangko habis"));
    let camat = app.login("camat").await;
    assert_eq!(app.get("/waktu", Some(&camat)).await.status, StatusCode::OK);
    let staff = app.login("petugas").await;
    assert_eq!(app.get("/waktu", Some(&staff)).await.status, StatusCode::FORBIDDEN);
    // Nor may they stop a clock.
    let r = app
        .post("/waktu/jeda", Some(&staff), &[("step", "5"), ("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The village's tasks are its own steps only; the other desa's people are not there.
    let desa = app.login("operator_desa").await;
    let tasks = app.get("/tugas", Some(&desa)).await.body;
    assert!(!tasks.contains("data-step=\"6\""), "{tasks}");
}

#[tokio::test]
async fn late_work_escalates_once_to_the_kasi_then_the_camat_with_two_instances() {
    let s = approved().await;
    let app = &s.app;
    let other = jempol_web::AppState::new(
        app.db.clone(),
        (*app.state.config).clone(),
        std::sync::Arc::new(app.clock.clone()),
    );
    let petugas = app.login("petugas").await;
    let r = post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("esk-0001-aaaa", s.id, s.monday[0], ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Nothing late yet: nothing escalates.
    assert_eq!(jempol_web::escalate(&app.state).await.unwrap(), 0);
    // Thursday 08:00: the card (2 working days) is late; both instances look at once.
    app.clock.advance_minutes(3 * 24 * 60);
    let (a, b) = tokio::join!(jempol_web::escalate(&app.state), jempol_web::escalate(&other));
    assert_eq!(a.unwrap() + b.unwrap(), 1, "fired once, by one instance");
    assert_eq!(jempol_web::escalate(&other).await.unwrap(), 0, "and never again");
    assert_eq!(app.db.open_escalations("kasi").await.unwrap().len(), 1);
    assert!(
        app.db.open_escalations("camat").await.unwrap().is_empty(),
        "not yet twice the standard"
    );
    // The Kasi sees it and acts.
    let kasi = app.login("kasi_pelayanan").await;
    let tasks = app.get("/tugas", Some(&kasi)).await.body;
    assert!(
        tasks.contains("Keterlambatan yang dieskalasikan kepada Anda"),
        "{tasks}"
    );
    let id = app.db.open_escalations("kasi").await.unwrap()[0].id;
    let desa = app.login("operator_desa").await;
    let r = app
        .post(&format!("/tugas/eskalasi/{id}/tindak"), Some(&desa), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only the level's own role");
    let r = app
        .post(&format!("/tugas/eskalasi/{id}/tindak"), Some(&kasi), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.open_escalations("kasi").await.unwrap().is_empty());
    // A week on it has taken more than twice the standard: the Camat, once.
    app.clock.advance_minutes(4 * 24 * 60);
    let (a, b) = tokio::join!(jempol_web::escalate(&app.state), jempol_web::escalate(&other));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let camat = app.login("camat").await;
    let tasks = app.get("/tugas", Some(&camat)).await.body;
    assert!(tasks.contains("data-escalation="), "{tasks}");
    assert!(
        app.db.open_escalations("kasi").await.unwrap().is_empty(),
        "the Kasi's stays handled"
    );
}

#[tokio::test]
async fn an_escalation_reaches_the_webhook_once_from_two_instances() {
    use std::sync::{Arc, Mutex};
    let s = approved().await;
    let app = &s.app;
    // A receiver standing in for the office's chat gateway.
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = got.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(serde_json::from_str(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });
    let config = jempol_web::WebConfig {
        escalation_webhook: Some(format!("http://{addr}/hook")),
        ..(*app.state.config).clone()
    };
    let one = jempol_web::AppState::new(app.db.clone(), config.clone(), Arc::new(app.clock.clone()));
    let two = jempol_web::AppState::new(app.db.clone(), config, Arc::new(app.clock.clone()));
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("hook-0001-aaaa", s.id, s.monday[0], ""),
    )
    .await;
    app.clock.advance_minutes(3 * 24 * 60);
    let (a, b) = tokio::join!(jempol_web::escalate(&one), jempol_web::escalate(&two));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered once: {got:?}");
    assert_eq!(got[0]["step"], 6);
    assert_eq!(got[0]["level"], "kasi");
}

#[tokio::test]
async fn a_failed_webhook_is_tried_again_later_and_shown_to_the_kasi() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let s = approved().await;
    let app = &s.app;
    // The gateway is down for the first call, then up.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let seen = seen.clone();
            async move {
                if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    (StatusCode::BAD_GATEWAY, "down")
                } else {
                    (StatusCode::OK, "ok")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });
    let config = jempol_web::WebConfig {
        escalation_webhook: Some(format!("http://{addr}/hook")),
        ..(*app.state.config).clone()
    };
    let state = jempol_web::AppState::new(app.db.clone(), config, Arc::new(app.clock.clone()));
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("retry-0001-aaaa", s.id, s.monday[0], ""),
    )
    .await;
    app.clock.advance_minutes(3 * 24 * 60);
    assert_eq!(jempol_web::escalate(&state).await.unwrap(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "tried at once");
    let kasi = app.login("kasi_pelayanan").await;
    let tasks = app.get("/tugas", Some(&kasi)).await.body;
    assert!(tasks.contains("gagal, akan dicoba lagi (1×)"), "{tasks}");
    // Not again before the wait is over.
    assert_eq!(jempol_web::deliver_notifications(&state).await.unwrap(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    app.clock.advance_minutes(1);
    assert_eq!(jempol_web::deliver_notifications(&state).await.unwrap(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Sent: nothing more goes out.
    app.clock.advance_minutes(120);
    assert_eq!(jempol_web::deliver_notifications(&state).await.unwrap(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let kasi = app.login("kasi_pelayanan").await;
    let tasks = app.get("/tugas", Some(&kasi)).await.body;
    assert!(
        tasks.contains(&format!("webhook http://{addr}/hook: terkirim")),
        "{tasks}"
    );
}

/// A small SMTP server on a local port that keeps each message it accepts; its first
/// `refuse` transactions get a temporary failure, as a busy mail server gives.
async fn smtp_receiver(refuse: usize) -> (std::net::SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = mails.clone();
    tokio::spawn(async move {
        let mut refused = 0;
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            let (r, mut w) = sock.into_split();
            let mut lines = BufReader::new(r).lines();
            w.write_all(b"220 test ESMTP\r\n").await.unwrap();
            let mut data: Option<String> = None;
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(body) = data.as_mut() {
                    if line == "." {
                        keep.lock().unwrap().push(std::mem::take(body));
                        data = None;
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else {
                        body.push_str(&line);
                        body.push('\n');
                    }
                    continue;
                }
                let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250 test\r\n",
                    "MAIL" if refused < refuse => {
                        refused += 1;
                        b"451 try again later\r\n"
                    }
                    "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
                    "DATA" => {
                        data = Some(String::new());
                        b"354 go on\r\n"
                    }
                    "QUIT" => {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    }
                    _ => b"500 what\r\n",
                };
                w.write_all(reply).await.unwrap();
            }
        }
    });
    (addr, mails)
}

#[tokio::test]
async fn an_escalation_is_emailed_to_its_level_once_and_retried_after_a_refusal() {
    use std::sync::Arc;
    let s = approved().await;
    let app = &s.app;
    let (smtp, mails) = smtp_receiver(1).await;
    let config = jempol_web::WebConfig {
        escalation_email: Some(jempol_web::EmailConfig {
            smtp_url: format!("smtp://{smtp}"),
            from: "Jempol Dolopo <jempol@dolopo.example>".into(),
            kasi: vec!["kasi@dolopo.example".into()],
            camat: vec!["camat@dolopo.example".into()],
        }),
        ..(*app.state.config).clone()
    };
    let one = jempol_web::AppState::new(app.db.clone(), config.clone(), Arc::new(app.clock.clone()));
    let two = jempol_web::AppState::new(app.db.clone(), config, Arc::new(app.clock.clone()));
    let petugas = app.login("petugas").await;
    post_fields(
        app,
        &petugas,
        "/lapangan/hasil",
        &recorded("mail-0001-aaaa", s.id, s.monday[0], ""),
    )
    .await;
    app.clock.advance_minutes(3 * 24 * 60);
    let (a, b) = tokio::join!(jempol_web::escalate(&one), jempol_web::escalate(&two));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert!(mails.lock().unwrap().is_empty(), "the server refused the first try");
    app.clock.advance_minutes(1);
    let (a, b) = tokio::join!(
        jempol_web::deliver_notifications(&one),
        jempol_web::deliver_notifications(&two)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "one instance sends it");
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let mail = &got[0];
    assert!(mail.contains("To: kasi@dolopo.example"), "{mail}");
    assert!(mail.contains("Eskalasi langkah 6 SOP"), "{mail}");
    // Whose card it is stays in the app.
    let (_, name) = app
        .db
        .open_escalations("kasi")
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.label))
        .next()
        .unwrap();
    assert!(!mail.contains(&name), "{mail}");
    // Twice the standard: the Camat's address, not the Kasi's.
    app.clock.advance_minutes(4 * 24 * 60);
    assert_eq!(jempol_web::escalate(&one).await.unwrap(), 1);
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert!(got[1].contains("To: camat@dolopo.example"), "{}", got[1]);
}

#[tokio::test]
async fn dispendukcapil_and_dinsos_share_a_lane_but_each_lists_only_its_own_work() {
    let s = approved().await;
    let app = &s.app;
    // The schedule is approved: every visit of the campaign is running work of step 5.
    let dukcapil = app.login("dispendukcapil").await;
    let tasks = app.get("/tugas", Some(&dukcapil)).await.body;
    assert!(tasks.contains("(Langkah 3, 5, 6, 7)"), "{tasks}");
    assert!(
        tasks.contains("data-step=\"5\""),
        "the visits are Dispendukcapil's too: {tasks}"
    );
    let dinsos = app.login("dinsos").await;
    let tasks = app.get("/tugas", Some(&dinsos)).await.body;
    assert!(tasks.contains("(Langkah 9, 11)"), "{tasks}");
    assert!(
        !tasks.contains("data-step=\"5\"") && !tasks.contains("/lapangan"),
        "no visits Dinsos cannot open: {tasks}"
    );
}
