//! Two reports UU 27/2022 asks a data controller to produce quickly, for the Camat:
//! - the **breach report** (`/audit/laporan-kebocoran`): in a time window, optionally for one
//!   account, which data of whom was opened, changed or exported, when, how (page, export,
//!   from which address) and by which account;
//! - a **person's own report** (`/warga/{id}/akses`): their record and every time someone
//!   opened, changed or handled it, for the person or their family to see.
//!
//! Both read the audit log; both are themselves audited.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::format_wib;
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::pages::{Layout, PageError, allow, layout, render, wib_day_start};
use crate::routes::{Access, Routes, get};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use jempol_core::Action;
use jempol_store::audit::{AuditEntry, AuditFilter};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/audit/laporan-kebocoran",
            get(Access::All(&[Action::ViewAudit, Action::ViewResidents]), breach_report),
        )
        .route(
            "/warga/{id}/akses",
            get(Access::All(&[Action::ViewAudit, Action::ViewResidents]), person_report),
        )
}

/// How many entries a report reads at most; beyond, the window is too wide to be one report.
const REPORT_MAX: i64 = 5000;

/// What an audited action did to a person's data, in words.
fn action_words(action: &str) -> &'static str {
    match action {
        "resident.view" => "membuka data pribadinya (identitas, disabilitas/ODGJ, kebutuhan, wali)",
        "resident.list" => "melihatnya dalam daftar (NIK, kategori disabilitas/ODGJ)",
        "resident.update" => "mengubah datanya",
        "resident.export" => "mengunduh daftar warga",
        "resident.merge" => "menggabungkan datanya",
        "visit.record" => "mencatat hasil kunjungan perekaman",
        "visit.conflict" => "mengirim hasil kunjungan yang bertentangan",
        "campaign.walkin" => "menambahkannya di lokasi kunjungan",
        a if a.starts_with("submission") => "mengajukan atau memeriksa datanya",
        a if a.starts_with("assistance") || a.starts_with("welfare") => "mengurus bantuan sosialnya",
        a if a.starts_with("card") || a.starts_with("handover") => "mengurus kartunya",
        _ => "tindakan lain pada datanya",
    }
}

struct Line {
    when: String,
    actor: String,
    ip: String,
    action: String,
    words: &'static str,
    detail: String,
}

fn line(e: &AuditEntry) -> Line {
    Line {
        when: format_wib(e.at),
        actor: e.actor.clone(),
        ip: e.ip.clone().unwrap_or_default(),
        action: e.action.clone(),
        words: action_words(&e.action),
        detail: e.after.clone().unwrap_or_default(),
    }
}

// ---------- a person's own report ----------

#[derive(Template)]
#[template(path = "privacy_person.html")]
struct PersonPage {
    l: Layout,
    id: i64,
    name: String,
    nik: String,
    desa: String,
    born: String,
    categories: String,
    stage: String,
    lines: Vec<Line>,
    more: bool,
    printed: String,
}

async fn person_report(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewAudit, info.lang)?;
    let r = crate::resident_pages::scoped(&state, &p, id, info.lang).await?;
    let entries = state
        .db
        .audit_entries(&AuditFilter {
            record: Some(("resident".into(), id.to_string())),
            limit: REPORT_MAX,
            ..Default::default()
        })
        .await?;
    let more = entries.len() as i64 == REPORT_MAX;
    let lines: Vec<Line> = entries.iter().rev().map(line).collect();
    audit_report(
        &state,
        &p,
        "privacy.person_report",
        Some(id.to_string()),
        serde_json::json!({"entries": lines.len()}),
    )
    .await?;
    let mut categories = Vec::new();
    if r.row.disabilitas {
        categories.push(format!(
            "disabilitas{}",
            r.row
                .disability_kind
                .as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default()
        ));
    }
    if r.row.odgj {
        categories.push("ODGJ".to_string());
    }
    render(&PersonPage {
        l: layout(info.lang, Some(&p), "Laporan akses data warga", "/warga", None),
        id,
        name: r.row.name.clone(),
        nik: crate::resident_pages::shown_nik(&p, &r.row.nik),
        desa: crate::pages::region_label(&state, &r.row.desa_code).await,
        born: r.row.birth_date.clone(),
        categories: categories.join(", "),
        stage: r.row.stage.clone(),
        lines,
        more,
        printed: format_wib(state.now()),
    })
}

// ---------- the breach report ----------

#[derive(Deserialize, Default)]
struct BreachQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    actor: String,
}

struct Account {
    actor: String,
    views: usize,
    changes: usize,
    exports: usize,
    other: usize,
    first: String,
    last: String,
    ips: String,
}

struct Person {
    id: i64,
    name: String,
    nik: String,
    desa: String,
    what: String,
    by: String,
}

#[derive(Template)]
#[template(path = "privacy_breach.html")]
struct BreachPage {
    l: Layout,
    q: BreachQuery,
    asked: bool,
    error: Option<(&'static str, String)>,
    accounts: Vec<Account>,
    people: Vec<Person>,
    exports: Vec<Line>,
    entries: usize,
    truncated: bool,
    printed: String,
}

async fn breach_report(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<BreachQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewAudit, info.lang)?;
    allow(&p, Action::ViewResidents, info.lang)?;
    let mut page = BreachPage {
        l: layout(info.lang, Some(&p), "Laporan dugaan kebocoran data", "/audit", None),
        asked: !q.from.is_empty() || !q.until.is_empty(),
        q,
        error: None,
        accounts: vec![],
        people: vec![],
        exports: vec![],
        entries: 0,
        truncated: false,
        printed: format_wib(state.now()),
    };
    if !page.asked {
        return render(&page);
    }
    let from = wib_day_start(page.q.from.trim());
    let until = wib_day_start(page.q.until.trim()).map(|ms| ms + 86_400_000);
    match (from, until) {
        (None, _) => {
            page.error = Some(("from", "Isi tanggal awal, misalnya 2026-11-01.".into()));
        }
        (_, None) => {
            page.error = Some(("until", "Isi tanggal akhir, misalnya 2026-11-30.".into()));
        }
        (Some(f), Some(u)) if f >= u => {
            page.error = Some((
                "until",
                "Tanggal akhir harus sama dengan atau sesudah tanggal awal.".into(),
            ));
        }
        _ => {}
    }
    if page.error.is_some() {
        return render(&page);
    }
    let entries = state
        .db
        .audit_entries(&AuditFilter {
            actor: Some(page.q.actor.clone()),
            from_ms: from,
            until_ms: until,
            limit: REPORT_MAX,
            ..Default::default()
        })
        .await?;
    page.truncated = entries.len() as i64 == REPORT_MAX;
    page.entries = entries.len();
    fill_breach(&state, &p, &mut page, &entries).await?;
    audit_report(
        &state,
        &p,
        "privacy.breach_report",
        None,
        serde_json::json!({"from": page.q.from, "until": page.q.until, "actor": page.q.actor,
            "entries": page.entries, "people": page.people.len()}),
    )
    .await?;
    render(&page)
}

async fn fill_breach(
    state: &AppState,
    p: &Principal,
    page: &mut BreachPage,
    entries: &[AuditEntry],
) -> Result<(), PageError> {
    let mut accounts: BTreeMap<String, (Account, BTreeSet<String>)> = BTreeMap::new();
    // Person → (what was done, by whom), oldest first.
    let mut touched: BTreeMap<i64, (BTreeSet<&'static str>, BTreeSet<String>)> = BTreeMap::new();
    for e in entries.iter().rev() {
        let (a, ips) = accounts.entry(e.actor.clone()).or_insert_with(|| {
            (
                Account {
                    actor: e.actor.clone(),
                    views: 0,
                    changes: 0,
                    exports: 0,
                    other: 0,
                    first: format_wib(e.at),
                    last: String::new(),
                    ips: String::new(),
                },
                BTreeSet::new(),
            )
        });
        a.last = format_wib(e.at);
        if let Some(ip) = &e.ip {
            ips.insert(ip.clone());
        }
        match e.action.as_str() {
            "resident.view" | "resident.list" => a.views += 1,
            x if x.ends_with("export") || x.contains("ekspor") => a.exports += 1,
            x if x == "login" || x == "logout" || x.starts_with("session") => a.other += 1,
            _ => a.changes += 1,
        }
        if e.action.ends_with("export") {
            page.exports.push(line(e));
        }
        let mut people: Vec<i64> = Vec::new();
        if e.entity == "resident"
            && let Some(id) = e.entity_id.as_deref().and_then(|s| s.parse::<i64>().ok())
        {
            people.push(id);
        }
        if e.action == "resident.list"
            && let Some(after) = e
                .after
                .as_deref()
                .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            && let Some(listed) = after["daftar"].as_str()
        {
            people.extend(listed.split(',').filter_map(|x| x.parse::<i64>().ok()));
        }
        for id in people {
            let t = touched.entry(id).or_default();
            t.0.insert(action_words(&e.action));
            t.1.insert(e.actor.clone());
        }
    }
    page.accounts = accounts
        .into_values()
        .map(|(mut a, ips)| {
            a.ips = ips.into_iter().collect::<Vec<_>>().join(", ");
            a
        })
        .collect();
    // Only people within the Camat's own area are named; the rest are counted.
    for (id, (what, by)) in touched.into_iter().take(1000) {
        if let Some(r) = state.db.resident_in_scope(id, &p.scope).await? {
            page.people.push(Person {
                id,
                name: r.row.name.clone(),
                nik: crate::resident_pages::shown_nik(p, &r.row.nik),
                desa: r.row.desa_code.clone(),
                what: what.into_iter().collect::<Vec<_>>().join("; "),
                by: by.into_iter().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// Producing a report is itself a read of personal data: recorded like any other.
async fn audit_report(
    state: &AppState,
    p: &Principal,
    action: &str,
    id: Option<String>,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            action,
            if id.is_some() { "resident" } else { "audit" },
            id.as_deref(),
            Some(detail),
        )
        .await?;
    Ok(())
}
