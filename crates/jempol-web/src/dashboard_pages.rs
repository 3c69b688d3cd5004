//! The Camat's one page (`/dasbor`): how far the people got along the 12 steps (the funnel,
//! per desa and per category), each step against its time standard, and where the printed
//! cards are and for how long; filtered by campaign and desa. Charts are SVG drawn here.

use crate::AppState;
use crate::auth::{PageAuth, RequestInfo};
use crate::clock::today_wib;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get};
use crate::sla_pages::{StepLine, measure, step_lines};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use jempol_core::{Action, Scope};
use jempol_store::sla::{FUNNEL, FunnelRow};
use std::collections::BTreeMap;

/// How many people a page recomputes before it answers; the rest are left to the background
/// refresh (`refresh_loop` in the binary) and the page says the figures are being updated.
pub const FUNNEL_BUDGET: usize = 2000;

/// Birth dates up to this day count as lansia (60 or older) today.
fn lansia_cutoff(state: &AppState) -> String {
    let today = today_wib(state.now());
    today
        .checked_sub(jiff::Span::new().years(60))
        .unwrap_or(today)
        .to_string()
}

/// Counts everyone whose progress changed into the maintained funnel; the binary runs it
/// every few seconds. Returns how many people it recomputed.
pub async fn refresh_funnel(state: &AppState) -> Result<usize, jempol_store::StoreError> {
    let (counted, _) = state
        .db
        .refresh_funnel(&lansia_cutoff(state), state.now(), usize::MAX)
        .await?;
    Ok(counted)
}

/// Refreshes at most [`FUNNEL_BUDGET`] people, for a page about to read the funnel; returns
/// how many wait still.
pub async fn refresh_for_page(state: &AppState) -> Result<i64, jempol_store::StoreError> {
    let (_, pending) = state
        .db
        .refresh_funnel(&lansia_cutoff(state), state.now(), FUNNEL_BUDGET)
        .await?;
    Ok(pending)
}

pub fn routes() -> Routes {
    Routes::new().route("/dasbor", get(Access::Act(Action::ViewDashboard), dashboard))
}

#[derive(serde::Deserialize, Default)]
struct DashQuery {
    gelombang: Option<i64>,
    #[serde(default)]
    desa: String,
    /// The period of the step times: units finished from `dari` to `sampai` (inclusive).
    #[serde(default)]
    dari: String,
    #[serde(default)]
    sampai: String,
}

/// A row of a table: a name and its counts.
struct CountRow {
    name: String,
    counts: Vec<i64>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    campaigns: Vec<(i64, String)>,
    campaign: i64,
    desa_options: Vec<(String, String)>,
    desa: String,
    stages: Vec<(&'static str, u32)>,
    total: CountRow,
    per_desa: Vec<CountRow>,
    per_category: Vec<CountRow>,
    funnel_svg: String,
    steps: Vec<StepLine>,
    places: Vec<(&'static str, usize, usize, usize)>,
    /// People whose progress is still to be counted.
    pending: i64,
    dari: String,
    sampai: String,
    period_error: Option<String>,
}

fn add(into: &mut Vec<i64>, from: &[i64]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// Horizontal bars, one per stage, the people of the funnel's first bar as full width.
fn funnel_svg(total: &[i64]) -> String {
    let people = total.first().copied().unwrap_or(0).max(1);
    let (w, bar, gap, label_w) = (480.0_f64, 22.0_f64, 6.0_f64, 175.0_f64);
    let rows = FUNNEL.len() + 1;
    let h = rows as f64 * (bar + gap) + gap;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"funnel-title\" class=\"chart\"><title id=\"funnel-title\">Corong 12 langkah SOP</title>"
    );
    let names = std::iter::once("warga").chain(FUNNEL.iter().map(|(n, _)| *n));
    for (i, (name, n)) in names.zip(total).enumerate() {
        let y = gap + i as f64 * (bar + gap);
        let len = (w - label_w - 50.0) * (*n as f64) / people as f64;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"15\">{name}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{len:.1}\" height=\"{bar}\" fill=\"#1f6f5c\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"15\">{n}</text>",
            label_w - 6.0,
            y + bar - 5.0,
            label_w + len + 4.0,
            y + bar - 5.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

async fn dashboard(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<DashQuery>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewDashboard, lang)?;
    let campaigns = crate::welfare_pages::campaigns_for(&state, &p.scope)
        .await
        .map_err(|e| PageError(e, lang))?;
    let campaign = q.gelombang.filter(|id| campaigns.iter().any(|c| c.id == *id));
    let desa_options = crate::resident_pages::desa_options(&state, &p.scope).await?;
    let desa = if desa_options.iter().any(|(c, _)| *c == q.desa) {
        q.desa.clone()
    } else {
        String::new()
    };
    let scope = if desa.is_empty() {
        p.scope.clone()
    } else {
        Scope::Desa { code: desa.clone() }
    };
    let today = today_wib(state.now());
    let pending = refresh_for_page(&state).await?;
    let rows: Vec<FunnelRow> = state.db.funnel(&scope, campaign).await?;
    let names: BTreeMap<String, String> = desa_options.iter().cloned().collect();
    let mut total = Vec::new();
    let mut per_desa: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut per_category: Vec<(&str, Vec<i64>)> = vec![("lansia", vec![]), ("disabilitas", vec![]), ("ODGJ", vec![])];
    for r in &rows {
        add(&mut total, &r.counts);
        add(per_desa.entry(r.desa_code.clone()).or_default(), &r.counts);
        for (on, slot) in [(r.lansia, 0), (r.disabilitas, 1), (r.odgj, 2)] {
            if on {
                add(&mut per_category[slot].1, &r.counts);
            }
        }
    }
    total.resize(FUNNEL.len() + 1, 0);
    // Steps against their standards, over the same people and places.
    let mut measured = measure(&state, &scope).await.map_err(|e| PageError(e, lang))?;
    let from = crate::clock::parse_local_date(&q.dari);
    let to = crate::clock::parse_local_date(&q.sampai);
    let mut period_error = None;
    if from.is_some() || to.is_some() {
        let cal = crate::calendar_pages::calendar(&state)
            .await
            .map_err(|e| PageError(e, lang))?;
        let start = from.map(|d| cal.instant(d.at(0, 0, 0, 0))).unwrap_or(i64::MIN);
        let until = to
            .and_then(|d| d.tomorrow().ok())
            .map(|d| cal.instant(d.at(0, 0, 0, 0)))
            .unwrap_or(i64::MAX);
        if start >= until {
            period_error = Some(Tr(lang).s("dash.period_order").to_string());
        }
        measured.retain(|m| m.span.end.is_some_and(|e| e >= start && e < until));
    } else if !q.dari.trim().is_empty() || !q.sampai.trim().is_empty() {
        period_error = Some(Tr(lang).s("dash.period_date").to_string());
    }
    let steps = step_lines(&state, &measured).await.map_err(|e| PageError(e, lang))?;
    // Printed cards by where they are and how long they have been there.
    let cal = crate::calendar_pages::calendar(&state)
        .await
        .map_err(|e| PageError(e, lang))?;
    let mut places: Vec<(&'static str, usize, usize, usize)> = vec![
        ("dispendukcapil", 0, 0, 0),
        ("kecamatan", 0, 0, 0),
        ("desa", 0, 0, 0),
        ("warga", 0, 0, 0),
    ];
    for c in state.db.card_places(&scope).await? {
        let days = c
            .since
            .parse::<jiff::civil::Date>()
            .map(|d| jempol_core::calendar::working_days_between(d, today, &cal.hours, &cal.holidays))
            .unwrap_or(0);
        if let Some(slot) = places.iter_mut().find(|x| x.0 == c.place) {
            match days {
                0..=1 => slot.1 += 1,
                2..=5 => slot.2 += 1,
                _ => slot.3 += 1,
            }
        }
    }
    render(&DashboardPage {
        l: layout(lang, Some(&p), Tr(lang).s("dash.title"), "/dasbor", None),
        campaigns: campaigns.iter().map(|c| (c.id, c.name.clone())).collect(),
        campaign: campaign.unwrap_or(0),
        desa_options,
        desa,
        stages: FUNNEL.to_vec(),
        funnel_svg: funnel_svg(&total),
        total: CountRow {
            name: "Jumlah".into(),
            counts: total,
        },
        per_desa: per_desa
            .into_iter()
            .map(|(code, mut counts)| {
                counts.resize(FUNNEL.len() + 1, 0);
                CountRow {
                    name: names.get(&code).cloned().unwrap_or(code),
                    counts,
                }
            })
            .collect(),
        per_category: per_category
            .into_iter()
            .map(|(name, mut counts)| {
                counts.resize(FUNNEL.len() + 1, 0);
                CountRow {
                    name: name.into(),
                    counts,
                }
            })
            .collect(),
        steps,
        places,
        pending,
        dari: from.map(|d| d.to_string()).unwrap_or_else(|| q.dari.clone()),
        sampai: to.map(|d| d.to_string()).unwrap_or_else(|| q.sampai.clone()),
        period_error,
    })
}
