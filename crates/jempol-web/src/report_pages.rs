//! The monthly report (`/laporan/bulanan`): where the people stand along the 12 steps per desa
//! (or, for the regency's Dispendukcapil and Dinsos, per kecamatan: the roll-up), and each
//! step's work finished that month against its standard. A page, a PDF for the Camat to sign
//! and an XLSX; every download is audited.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::letters::{pdf_response, tanggal};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::resident_pages::attachment;
use crate::routes::{Access, Routes, get};
use crate::sla_pages::{measure, step_lines};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use jempol_core::worktime::SlaState;
use jempol_core::{Action, Scope};
use jempol_docs::Block;
use jempol_store::sla::FUNNEL;
use std::collections::BTreeMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/laporan/bulanan", get(Access::Act(Action::ViewReports), page))
        .route("/laporan/bulanan.pdf", get(Access::Act(Action::ViewReports), pdf))
        .route("/laporan/bulanan.xlsx", get(Access::Act(Action::ViewReports), xlsx))
}

#[derive(serde::Deserialize, Default)]
struct MonthQuery {
    #[serde(default)]
    bulan: String,
    #[serde(default)]
    kertas: String,
}

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

struct Report {
    /// `YYYY-MM` and "Desember 2026".
    month: String,
    month_name: String,
    /// "Desa/Kelurahan" or "Kecamatan".
    unit: &'static str,
    funnel_header: Vec<String>,
    funnel_rows: Vec<Vec<String>>,
    step_header: Vec<String>,
    step_rows: Vec<Vec<String>>,
    kecamatan: Option<String>,
}

async fn build(state: &AppState, p: &Principal, month: &str) -> Result<Report, AppError> {
    let today = today_wib(state.now());
    let first = format!("{month}-01")
        .parse::<jiff::civil::Date>()
        .unwrap_or_else(|_| today.first_of_month());
    let last = first.last_of_month();
    let cal = crate::calendar_pages::calendar(state).await?;
    let (from, until) = (
        cal.instant(first.at(0, 0, 0, 0)),
        cal.instant(last.tomorrow().unwrap_or(last).at(0, 0, 0, 0)),
    );
    // The people as they stand on the day the report is made.
    crate::dashboard_pages::refresh_for_page(state).await?;
    let rows = state.db.funnel(&p.scope, None).await?;
    let roll_up =
        matches!(p.scope, Scope::Kabupaten { .. }) || matches!(&p.scope, Scope::Kecamatan { codes } if codes.len() > 1);
    let mut groups: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in &rows {
        let key = if roll_up {
            r.desa_code.chars().take(8).collect()
        } else {
            r.desa_code.clone()
        };
        let g = groups.entry(key).or_default();
        g.resize(r.counts.len().max(g.len()), 0);
        for (a, b) in g.iter_mut().zip(&r.counts) {
            *a += b;
        }
    }
    let mut total = vec![0i64; FUNNEL.len() + 1];
    let mut funnel_rows = Vec::new();
    for (code, counts) in &groups {
        let name = state
            .db
            .region(code)
            .await?
            .map(|r| crate::letters::title_case(&r.name))
            .unwrap_or_else(|| code.clone());
        let mut row = vec![name];
        for (i, c) in counts.iter().enumerate() {
            if let Some(t) = total.get_mut(i) {
                *t += c;
            }
            row.push(c.to_string());
        }
        funnel_rows.push(row);
    }
    let mut total_row = vec!["Jumlah".to_string()];
    total_row.extend(total.iter().map(i64::to_string));
    funnel_rows.push(total_row);
    let mut funnel_header = vec![
        if roll_up { "Kecamatan" } else { "Desa/Kelurahan" }.to_string(),
        "Warga".to_string(),
    ];
    funnel_header.extend(FUNNEL.iter().map(|(n, _)| n.to_string()));
    // Work finished this month, against the standards.
    let measured: Vec<_> = measure(state, &p.scope)
        .await?
        .into_iter()
        .filter(|m| m.span.end.is_some_and(|e| e >= from && e < until))
        .collect();
    let lines = step_lines(state, &measured).await?;
    let step_rows = lines
        .iter()
        .map(|s| {
            let late = measured
                .iter()
                .filter(|m| m.span.step == s.no && m.sla.state == SlaState::Late)
                .count();
            vec![
                format!("{}. {}", s.no, s.activity),
                s.standard.clone(),
                s.done.to_string(),
                s.on_time_share.clone(),
                s.median.clone(),
                s.p90.clone(),
                late.to_string(),
            ]
        })
        .collect();
    let kecamatan = match &p.scope {
        Scope::Kecamatan { codes } if codes.len() == 1 => Some(codes[0].clone()),
        Scope::Desa { code } => Some(code.chars().take(8).collect()),
        _ => None,
    };
    Ok(Report {
        month: first.strftime("%Y-%m").to_string(),
        month_name: format!(
            "{} {}",
            MONTHS[usize::from(first.month() as u8).saturating_sub(1)],
            first.year()
        ),
        unit: if roll_up { "Kecamatan" } else { "Desa/Kelurahan" },
        funnel_header,
        funnel_rows,
        step_header: [
            "Langkah",
            "Standar",
            "Selesai bulan ini",
            "Tepat waktu",
            "Median",
            "p90",
            "Terlambat",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        step_rows,
        kecamatan,
    })
}

#[derive(Template)]
#[template(path = "monthly.html")]
struct MonthlyPage {
    l: Layout,
    r: Report,
}

fn month_of(q: &MonthQuery, state: &AppState) -> String {
    let ok = q.bulan.len() == 7 && format!("{}-01", q.bulan).parse::<jiff::civil::Date>().is_ok();
    if ok {
        q.bulan.clone()
    } else {
        today_wib(state.now()).strftime("%Y-%m").to_string()
    }
}

async fn page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<MonthQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewReports, info.lang)?;
    let r = build(&state, &p, &month_of(&q, &state))
        .await
        .map_err(|e| PageError(e, info.lang))?;
    render(&MonthlyPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("month.title"),
            "/laporan/bulanan",
            None,
        ),
        r,
    })
}

async fn audit_download(state: &AppState, p: &Principal, month: &str, format: &str) -> Result<(), AppError> {
    Ok(state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "report.monthly",
            "report",
            Some(month),
            Some(serde_json::json!({"format": format})),
        )
        .await?)
}

async fn xlsx(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewReports, lang)?;
    let r = build(&state, &p, &month_of(&q, &state))
        .await
        .map_err(|e| PageError(e, lang))?;
    let fh: Vec<&str> = r.funnel_header.iter().map(String::as_str).collect();
    let sh: Vec<&str> = r.step_header.iter().map(String::as_str).collect();
    let body = crate::welfare_io::xlsx(&[
        ("Posisi warga", &fh, &r.funnel_rows),
        ("Waktu langkah", &sh, &r.step_rows),
    ])
    .map_err(|e| PageError(e, lang))?;
    audit_download(&state, &p, &r.month, "xlsx")
        .await
        .map_err(|e| PageError(e, lang))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("laporan-bulanan-{}.xlsx", r.month),
        body,
    ))
}

async fn pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewReports, lang)?;
    let r = build(&state, &p, &month_of(&q, &state))
        .await
        .map_err(|e| PageError(e, lang))?;
    let today = today_wib(state.now());
    let mut blocks = Vec::new();
    let head = match &r.kecamatan {
        Some(k) => Some(crate::letters::letterhead(&state, k).await?),
        None => None,
    };
    if let Some(h) = &head {
        blocks.push(h.block());
    }
    blocks.push(Block::Title("LAPORAN BULANAN JEMPUT BOLA PEREKAMAN E-KTP".into()));
    blocks.push(Block::Subtitle(format!("Bulan {}", r.month_name)));
    blocks.push(Block::Heading(format!(
        "Posisi warga rentan per {}",
        r.unit.to_lowercase()
    )));
    // The funnel is wide: the main stages only in print, the whole table in the XLSX.
    let keep = [0usize, 1, 3, 4, 6, 7, 10, 11, 13];
    let pick = |row: &Vec<String>| keep.iter().filter_map(|i| row.get(*i).cloned()).collect::<Vec<_>>();
    blocks.push(Block::Table {
        widths: vec![2.4, 1.0, 1.2, 1.2, 1.2, 1.2, 1.3, 1.3, 1.2],
        header: pick(&r.funnel_header),
        rows: r.funnel_rows.iter().map(pick).collect(),
    });
    blocks.push(Block::Heading(
        "Pekerjaan yang selesai bulan ini terhadap standar waktu SOP".into(),
    ));
    blocks.push(Block::Table {
        widths: vec![4.0, 1.3, 1.2, 1.1, 1.2, 1.2, 1.1],
        header: r.step_header.clone(),
        rows: r.step_rows.clone(),
    });
    match &head {
        Some(h) => blocks.push(h.signature(today)),
        None => blocks.push(Block::Para(format!("Dicetak {}.", tanggal(today)))),
    }
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Laporan bulanan {}", r.month_name),
        blocks,
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    audit_download(&state, &p, &r.month, "pdf")
        .await
        .map_err(|e| PageError(e, lang))?;
    Ok(pdf_response(&format!("laporan-bulanan-{}.pdf", r.month), body))
}
