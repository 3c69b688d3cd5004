//! SOP step 6 for Dispendukcapil: the production queue. Every recorded resident of the
//! kecamatan it serves, with the state its record reached in SIAK and the date, the family
//! card, problems with their reason, and the time from recording to printed card against the
//! SOP's standard in working days. One person at a time, or many by a pasted or uploaded list
//! of NIKs with one state (checked first, then applied).

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::resident_pages::shown_nik;
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::calendar::working_days_between;
use jempol_core::production::{KK_PRINTED, PROBLEMS, STATES, nik_list, problem_label, state_label};
use jempol_store::production::{Change, QueueFilter};
use jiff::civil::Date;
use std::collections::HashMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/produksi", get(Access::Act(Action::ViewProduction), queue))
        .route("/produksi/massal", post(Access::Act(Action::UpdateProduction), bulk))
        .route(
            "/produksi/unggah",
            post(Access::Act(Action::UpdateProduction), bulk_file),
        )
        .route(
            "/produksi/warga/{rid}",
            post(Access::Act(Action::UpdateProduction), one),
        )
}

const PAGE: i64 = 50;

#[derive(serde::Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    status: String,
    /// The searched text: from the session while `cari=1` (`search.rs`), never the address.
    #[serde(skip)]
    q: String,
    #[serde(default)]
    cari: Option<String>,
    sebelum: Option<i64>,
    ok: Option<String>,
    n: Option<u64>,
}

struct Line {
    resident_id: i64,
    nik: String,
    name: String,
    desa: String,
    recorded: String,
    state: String,
    state_class: &'static str,
    kk: String,
    problem: String,
    /// Working days from recording to printed card (or to today), and whether within the
    /// standard.
    elapsed: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "production.html")]
struct QueuePage {
    l: Layout,
    counts: Vec<(String, String, i64)>,
    problems: i64,
    lines: Vec<Line>,
    next: Option<String>,
    status: String,
    q: String,
    can_update: bool,
    changes: Vec<(String, String)>,
    state_options: Vec<(String, String)>,
    today: String,
    standard_days: i64,
    done: Option<u64>,
    preview: Option<Preview>,
    error: Option<Refused>,
}

/// A bulk change checked and waiting for "Terapkan".
struct Preview {
    niks: String,
    change: String,
    change_label: String,
    date: String,
    note: String,
    found: Vec<(String, String)>,
    unknown: Vec<String>,
    bad: Vec<String>,
}

/// The changes a user can choose: a state, the KK printed, a problem, the problem solved.
fn changes() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = STATES
        .iter()
        .map(|(k, l)| (format!("state:{k}"), l.to_string()))
        .collect();
    out.push((KK_PRINTED.0.to_string(), KK_PRINTED.1.to_string()));
    out.extend(
        PROBLEMS
            .iter()
            .map(|(k, l)| (format!("problem:{k}"), format!("Masalah: {l}"))),
    );
    out.push(("problem_solved".into(), "Masalah selesai".into()));
    out
}

fn parse_change(s: &str) -> Option<Change> {
    if let Some(c) = s.strip_prefix("state:") {
        return (!state_label(c).is_empty()).then(|| Change::State(c.to_string()));
    }
    if let Some(c) = s.strip_prefix("problem:") {
        return (!problem_label(c).is_empty()).then(|| Change::Problem(c.to_string()));
    }
    match s {
        "kk_tercetak" => Some(Change::KkPrinted),
        "problem_solved" => Some(Change::ProblemSolved),
        _ => None,
    }
}

fn change_label(s: &str) -> String {
    changes()
        .into_iter()
        .find(|(k, _)| k == s)
        .map(|(_, l)| l)
        .unwrap_or_default()
}

/// The SOP's standard for step 6 in working days (2 in the Dolopo SOP).
async fn standard_days(state: &AppState) -> Result<i64, AppError> {
    let (_, def) = state.db.active_sop().await?;
    let minutes = def
        .steps
        .iter()
        .find(|s| s.no == 6)
        .map(|s| s.standard().working_minutes(crate::api::WORKING_DAY_MINUTES))
        .unwrap_or(900);
    Ok(minutes.div_ceil(u64::from(crate::api::WORKING_DAY_MINUTES)) as i64)
}

/// Checks the date and the change of a form; the field at fault and the reason in words.
fn check_change(change: &str, date: &str, note: &str, today: Date) -> Result<(Change, Date), (&'static str, String)> {
    let refuse = |field, why: &str| Err((field, why.to_string()));
    let Some(change) = parse_change(change) else {
        return refuse("change", "Pilih status atau masalah yang dicatat.");
    };
    let Some(date) = crate::clock::parse_local_date(date) else {
        return refuse("date", "Isi tanggalnya (hari-bulan-tahun).");
    };
    if date > today {
        return refuse("date", "Tanggal tidak boleh setelah hari ini.");
    }
    if date.year() < 2020 {
        return refuse("date", "Tanggal terlalu lama; periksa tahunnya.");
    }
    if change == Change::Problem("lainnya".into()) && note.trim().is_empty() {
        return refuse("note", "Masalah \"Lainnya\": tulis keterangannya.");
    }
    if note.chars().count() > 500 {
        return refuse("note", "Keterangan terlalu panjang: paling banyak 500 huruf.");
    }
    Ok((change, date))
}

/// A refused form of the page: which (`bulk`, `file`, or `one:ID` for a person's line), the
/// field at fault, what to fix, and what was typed (shown again).
struct Refused {
    form: String,
    field: &'static str,
    message: String,
    typed: BulkForm,
}

impl QueuePage {
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|r| r.form == form && r.field == field)
            .map(|r| r.message.as_str())
    }

    fn typed(&self, form: &str) -> Option<&BulkForm> {
        self.error.as_ref().filter(|r| r.form == form).map(|r| &r.typed)
    }
}

async fn queue(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(mut q): Query<QueueQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewProduction, info.lang)?;
    q.q = crate::search::text(&p, "/produksi", q.cari.is_some());
    let ok = q.ok.clone();
    page(&state, &p, &info, q, ok.as_deref(), None, None).await
}

async fn page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    q: QueueQuery,
    ok: Option<&str>,
    preview: Option<Preview>,
    error: Option<Refused>,
) -> Result<Html<String>, PageError> {
    let today = today_wib(state.now());
    let filter = QueueFilter {
        state: q.status.clone(),
        q: q.q.clone(),
    };
    let rows = state
        .db
        .production_queue(&p.scope, &filter, q.sebelum, PAGE + 1)
        .await?;
    let more = rows.len() as i64 > PAGE;
    let rows: Vec<_> = rows.into_iter().take(PAGE as usize).collect();
    let (counts, problems) = state.db.production_counts(&p.scope).await?;
    let mut desa: HashMap<String, String> = HashMap::new();
    let standard = standard_days(state).await?;
    let cal = crate::calendar_pages::calendar(state).await?;
    let (hours, holidays) = (&cal.hours, &cal.holidays);
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        if !desa.contains_key(&r.desa_code) {
            let name = state.db.region(&r.desa_code).await?.map(|x| x.name).unwrap_or_default();
            desa.insert(r.desa_code.clone(), name);
        }
        let recorded = today_wib(r.recorded_at);
        let until = r.printed_date.as_deref().and_then(|d| d.parse().ok()).unwrap_or(today);
        let days = working_days_between(recorded, until, hours, holidays);
        let state_code = r.state.clone().unwrap_or_default();
        lines.push(Line {
            resident_id: r.resident_id,
            nik: shown_nik(p, &r.nik),
            name: r.name.clone(),
            desa: desa.get(&r.desa_code).cloned().unwrap_or_default(),
            recorded: recorded.strftime("%d-%m-%Y").to_string(),
            state: match &r.state {
                Some(s) => format!(
                    "{} ({})",
                    state_label(s),
                    r.state_date.as_deref().map(crate::pages::tanggal).unwrap_or_default()
                ),
                None => "belum diperbarui".into(),
            },
            state_class: match state_code.as_str() {
                "kartu_tercetak" => "accepted",
                s if jempol_core::production::needs_resolution(s) => "rejected",
                "" => "muted",
                _ => "warning",
            },
            kk: r
                .kk_printed_date
                .as_deref()
                .map(crate::pages::tanggal)
                .unwrap_or_default(),
            problem: match &r.problem {
                Some(c) => format!(
                    "{}{} (sejak {})",
                    problem_label(c),
                    r.problem_note
                        .as_deref()
                        .filter(|n| !n.is_empty())
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default(),
                    r.problem_since
                        .as_deref()
                        .map(crate::pages::tanggal)
                        .unwrap_or_default()
                ),
                None => String::new(),
            },
            elapsed: if r.printed_date.is_some() {
                format!("tercetak dalam {days} hari kerja")
            } else {
                format!("{days} hari kerja sejak rekam")
            },
            late: days > standard,
        });
    }
    let next = if more {
        rows.last().map(|r| {
            format!(
                "/produksi?status={}{}&sebelum={}",
                crate::users::url_encode(&q.status),
                if q.q.is_empty() { "" } else { "&cari=1" },
                r.resident_id
            )
        })
    } else {
        None
    };
    let mut count_lines: Vec<(String, String, i64)> = vec![(
        "belum".into(),
        "Belum diperbarui".into(),
        counts.iter().find(|(s, _)| s.is_none()).map(|(_, n)| *n).unwrap_or(0),
    )];
    for (k, l) in STATES {
        let n = counts
            .iter()
            .find(|(s, _)| s.as_deref() == Some(k))
            .map(|(_, n)| *n)
            .unwrap_or(0);
        count_lines.push((k.to_string(), l.to_string(), n));
    }
    let shown: Vec<i64> = lines.iter().map(|l| l.resident_id).collect();
    crate::resident_pages::log_list_view(state, p, "/produksi", &shown, !q.q.is_empty()).await?;
    render(&QueuePage {
        l: layout(info.lang, Some(p), Tr(info.lang).s("prod.title"), "/produksi", ok),
        counts: count_lines,
        problems,
        lines,
        next,
        status: q.status,
        q: q.q,
        can_update: p.can(Action::UpdateProduction),
        changes: changes(),
        state_options: STATES.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect(),
        today: today.to_string(),
        standard_days: standard,
        done: q.n,
        preview,
        error,
    })
}

#[derive(serde::Deserialize, Default, Clone)]
struct BulkForm {
    #[serde(default)]
    niks: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    action: String,
}

/// Refuses form `form` of the page: its field, the reason, what was typed.
async fn refuse(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    form: &str,
    (field, message): (&'static str, String),
    typed: BulkForm,
) -> Result<Response, PageError> {
    let refused = Refused {
        form: form.to_string(),
        field,
        message,
        typed,
    };
    let body = page(state, p, info, QueueQuery::default(), None, None, Some(refused)).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// Checks a list and shows what it would change; "terapkan" applies it. `form` is where the
/// list came from: pasted (`bulk`) or a file (`file`).
async fn bulk_step(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    f: BulkForm,
    form: &str,
) -> Result<Response, PageError> {
    allow(p, Action::UpdateProduction, info.lang)?;
    let today = today_wib(state.now());
    let (change, date) = match check_change(&f.change, &f.date, &f.note, today) {
        Ok(x) => x,
        Err(why) => return refuse(state, p, info, form, why, f).await,
    };
    let (niks, bad) = nik_list(&f.niks);
    if niks.is_empty() {
        let why = if bad.is_empty() {
            "Tempel atau unggah daftar NIK (16 angka) lebih dulu.".to_string()
        } else {
            format!(
                "Tidak ada NIK 16 angka di daftar itu ({} isian bukan NIK, misalnya {}). Bila dari Excel, jadikan kolom NIK bertipe Teks.",
                bad.len(),
                bad[0]
            )
        };
        let field = if form == "file" { "berkas" } else { "niks" };
        return refuse(state, p, info, form, (field, why), f).await;
    }
    let found = state.db.queue_by_nik(&p.scope, &niks).await?;
    if f.action == "terapkan" {
        let ids: Vec<i64> = found.iter().map(|(_, id)| *id).collect();
        let n = state
            .db
            .update_production(&ids, &change, &date.to_string(), f.note.trim(), &p.actor(), state.now())
            .await?;
        return Ok(Redirect::to(&format!("/produksi?ok=prod.updated&n={n}")).into_response());
    }
    let known: HashMap<&str, i64> = found.iter().map(|(n, id)| (n.as_str(), *id)).collect();
    let mut found_lines = Vec::new();
    for (nik, id) in &found {
        let name = state
            .db
            .resident_in_scope(*id, &p.scope)
            .await?
            .map(|r| r.row.name)
            .unwrap_or_default();
        found_lines.push((shown_nik(p, nik), name));
    }
    let preview = Preview {
        niks: niks.join("\n"),
        change_label: change_label(&f.change),
        change: f.change,
        date: date.to_string(),
        note: f.note,
        found: found_lines,
        unknown: niks
            .iter()
            .filter(|n| !known.contains_key(n.as_str()))
            .map(|n| shown_nik(p, n))
            .collect(),
        bad,
    };
    Ok(page(state, p, info, QueueQuery::default(), None, Some(preview), None)
        .await?
        .into_response())
}

async fn bulk(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<BulkForm>,
) -> Result<Response, PageError> {
    bulk_step(&state, &p, &info, f, "bulk").await
}

/// A list as a file (XLSX, XLS, ODS, CSV): every NIK in it, whatever the column.
async fn bulk_file(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    form: Multipart,
) -> Result<Response, PageError> {
    allow(&p, Action::UpdateProduction, info.lang)?;
    let parts = crate::upload::read(form).await;
    let mut f = BulkForm {
        change: parts.text("change"),
        date: parts.text("date"),
        note: parts.text("note"),
        ..BulkForm::default()
    };
    if let Some(why) = parts.problem() {
        return refuse(&state, &p, &info, "file", ("berkas", why), f).await;
    }
    let Some((fname, bytes)) = parts.file("berkas", "daftar.csv") else {
        let why = "Pilih berkas daftar NIK (XLSX, XLS, ODS atau CSV).".to_string();
        return refuse(&state, &p, &info, "file", ("berkas", why), f).await;
    };
    match jempol_import::read(&fname, &bytes) {
        Ok(grid) => {
            // A NIK Excel stored as a number has lost its last digit: named, not used.
            f.niks = grid
                .rows
                .iter()
                .flat_map(|r| r.cells.iter())
                .map(|c| match c.kind {
                    jempol_import::CellKind::Number => format!("angka:{}", c.text),
                    _ => c.text.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n");
            bulk_step(&state, &p, &info, f, "file").await
        }
        Err(e) => refuse(&state, &p, &info, "file", ("berkas", e.to_string()), f).await,
    }
}

#[derive(serde::Deserialize, Default)]
struct OneForm {
    #[serde(default)]
    change: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    note: String,
}

/// One person's state, from their line in the queue.
async fn one(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Form(f): Form<OneForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::UpdateProduction, info.lang)?;
    let Some(r) = state.db.resident_in_scope(rid, &p.scope).await? else {
        return Err(PageError(AppError::NotFound, info.lang));
    };
    if state
        .db
        .queue_by_nik(&p.scope, std::slice::from_ref(&r.row.nik))
        .await?
        .is_empty()
    {
        return Err(PageError(AppError::NotFound, info.lang));
    }
    let today = today_wib(state.now());
    match check_change(&f.change, &f.date, &f.note, today) {
        Err(why) => {
            let typed = BulkForm {
                change: f.change,
                date: f.date,
                note: f.note,
                ..BulkForm::default()
            };
            refuse(&state, &p, &info, &format!("one:{rid}"), why, typed).await
        }
        Ok((change, date)) => {
            state
                .db
                .update_production(
                    &[rid],
                    &change,
                    &date.to_string(),
                    f.note.trim(),
                    &p.actor(),
                    state.now(),
                )
                .await?;
            Ok(Redirect::to("/produksi?ok=prod.updated&n=1").into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_change_is_understood() {
        for (k, l) in changes() {
            assert!(parse_change(&k).is_some(), "{k}");
            assert!(!l.is_empty());
        }
        assert_eq!(parse_change("state:bukan"), None);
        assert_eq!(parse_change("problem:bukan"), None);
    }

    #[test]
    fn a_change_needs_a_date_not_in_the_future_and_other_problems_a_note() {
        let today = jiff::civil::date(2026, 12, 16);
        assert!(check_change("state:prr", "2026-12-15", "", today).is_ok());
        assert!(check_change("state:prr", "15-12-2026", "", today).is_ok());
        assert!(check_change("state:prr", "2026-12-17", "", today).is_err());
        assert!(check_change("state:prr", "", "", today).is_err());
        assert!(check_change("", "2026-12-15", "", today).is_err());
        assert!(check_change("problem:lainnya", "2026-12-15", "", today).is_err());
        assert!(check_change("problem:lainnya", "2026-12-15", "printer dipinjam", today).is_ok());
    }
}
