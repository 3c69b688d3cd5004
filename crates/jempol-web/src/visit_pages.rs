//! SOP step 5 seen from the office: how the recording of a campaign stands. Every person of the
//! campaign with the outcome that stands for them, biometric exceptions (and whether they were
//! reported to the centre), and the conflicts the Kasi must settle: two officers recorded the
//! same person without seeing each other's outcome. Settling keeps both in the history.

use crate::AppState;
use crate::auth::{PageAuth, RequestInfo};
use crate::campaign_pages::visible;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::visit::{modality_label, reason_label};
use jempol_store::visits::StoredOutcome;
use std::collections::HashMap;

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/gelombang/{id}/kunjungan",
            get(Access::Act(Action::ViewCampaigns), progress),
        )
        .route(
            "/gelombang/{id}/kunjungan/konflik/{oid}",
            post(Access::Act(Action::PlanSchedule), settle),
        )
        .route(
            "/gelombang/{id}/kunjungan/pindah",
            post(Access::Act(Action::PlanSchedule), roll_over),
        )
}

/// An outcome in words, as the office reads it.
pub(crate) fn outcome_text(o: &StoredOutcome) -> String {
    describe(
        &o.kind,
        o.reason.as_deref().unwrap_or(""),
        &o.captures,
        o.reschedule_date.as_deref().unwrap_or(""),
        &o.note,
    )
}

/// The same from a history event's payload.
pub(crate) fn payload_text(p: &serde_json::Value) -> String {
    let captures: Vec<jempol_core::visit::Capture> = serde_json::from_value(p["captures"].clone()).unwrap_or_default();
    let text = describe(
        p["kind"].as_str().unwrap_or(""),
        p["reason"].as_str().unwrap_or(""),
        &captures,
        p["date"].as_str().unwrap_or(""),
        p["note"].as_str().unwrap_or(""),
    );
    match p["team"].as_str() {
        Some(t) => format!("{text} ({t})"),
        None => text,
    }
}

fn describe(kind: &str, reason: &str, captures: &[jempol_core::visit::Capture], date: &str, note: &str) -> String {
    let mut s = match kind {
        "terekam" => {
            let missing: Vec<String> = captures
                .iter()
                .filter(|c| !c.captured)
                .map(|c| format!("{} ({})", modality_label(&c.modality).to_lowercase(), c.reason))
                .collect();
            if missing.is_empty() {
                "terekam lengkap".to_string()
            } else {
                format!("terekam, tanpa {}", missing.join(", "))
            }
        }
        "tidak_terekam" => format!("tidak terekam: {}", reason_label(reason).to_lowercase()),
        "dijadwal_ulang" => format!("dijadwal ulang ke {}", crate::pages::tanggal(date)),
        k => k.to_string(),
    };
    if !note.is_empty() {
        s.push_str(&format!(" — “{note}”"));
    }
    s
}

fn when(ms: i64) -> String {
    crate::clock::format_wib(ms)
}

struct Line {
    resident_id: i64,
    name: String,
    desa: String,
    state: String,
    state_class: &'static str,
    by: String,
    at: String,
}

struct ConflictLine {
    id: i64,
    resident_id: i64,
    name: String,
    current: String,
    current_by: String,
    theirs: String,
    theirs_by: String,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct ProgressPage {
    l: Layout,
    campaign_id: i64,
    campaign: String,
    counts: Vec<(&'static str, usize)>,
    lines: Vec<Line>,
    exceptions: Vec<(String, String, bool)>,
    conflicts: Vec<ConflictLine>,
    can_settle: bool,
    error: Option<String>,
    /// Step 5's state in words.
    step5: String,
    step5_over: bool,
    unresolved: Vec<(i64, String)>,
    /// Open campaigns of the kecamatan the unresolved can move to: (id, name).
    targets: Vec<(i64, String)>,
}

#[derive(serde::Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

async fn progress(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    page(&state, &p, &info, id, q.ok.as_deref(), None).await
}

async fn page(
    state: &AppState,
    p: &crate::auth::Principal,
    info: &RequestInfo,
    id: i64,
    ok: Option<&str>,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let c = visible(state, p, id, info.lang).await?;
    let members = state.db.campaign_members(id).await?;
    let outcomes = state.db.current_outcomes(id).await?;
    let desa: HashMap<String, String> = state
        .db
        .region_children(&c.kecamatan_code)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let names: HashMap<i64, String> = members.iter().map(|m| (m.id, m.name.clone())).collect();
    let mut counts: Vec<(&'static str, usize)> = vec![
        ("terekam", 0),
        ("tidak terekam", 0),
        ("dijadwal ulang", 0),
        ("belum dikunjungi / perlu kunjungan ulang", 0),
    ];
    let mut lines = Vec::new();
    let mut exceptions = Vec::new();
    for m in &members {
        let o = outcomes.get(&m.id);
        let slot = match o {
            Some(o) if o.kind == "terekam" => 0,
            Some(o) if o.resolves() => 1,
            Some(o) if o.kind == "dijadwal_ulang" => 2,
            _ => 3,
        };
        counts[slot].1 += 1;
        if let Some(o) = o {
            for x in o.captures.iter().filter(|x| !x.captured) {
                exceptions.push((
                    m.name.clone(),
                    format!("{}: {}", modality_label(&x.modality), x.reason),
                    o.exception_reported,
                ));
            }
        }
        lines.push(Line {
            resident_id: m.id,
            name: m.name.clone(),
            desa: desa.get(&m.desa_code).cloned().unwrap_or_default(),
            state: o.map(outcome_text).unwrap_or_else(|| "belum ada hasil".into()),
            state_class: match slot {
                0 => "accepted",
                1 => "warning",
                _ => "muted",
            },
            by: o.map(|o| o.actor.clone()).unwrap_or_default(),
            at: o.map(|o| when(o.recorded_at)).unwrap_or_default(),
        });
    }
    let rolled = state.db.rolled_over(id).await?;
    for l in lines.iter_mut() {
        if let Some(to) = rolled.get(&l.resident_id) {
            l.state = format!("{} · dipindah ke gelombang #{to}", l.state);
        }
    }
    let unresolved = state.db.unresolved(id).await?;
    let today = crate::clock::today_wib(state.now());
    let end: Option<jiff::civil::Date> = c.end_date.parse().ok();
    let window_closed = end.is_some_and(|e| today > e);
    let step5_over = window_closed || (unresolved.is_empty() && !members.is_empty());
    let step5 = if unresolved.is_empty() && !members.is_empty() {
        "Langkah 5 selesai: setiap warga sudah punya hasil akhir.".to_string()
    } else if window_closed {
        format!(
            "Langkah 5 selesai: masa gelombang berakhir {}. {} warga belum selesai dan perlu dipindah ke gelombang berikutnya.",
            crate::pages::tanggal(&c.end_date),
            unresolved.len()
        )
    } else {
        format!(
            "Langkah 5 berjalan sampai {}: {} warga belum punya hasil akhir.",
            crate::pages::tanggal(&c.end_date),
            unresolved.len()
        )
    };
    let targets = if window_closed && !unresolved.is_empty() {
        state
            .db
            .campaigns_in_scope(&p.scope)
            .await?
            .into_iter()
            .filter(|x| x.id != id && x.status == "open" && x.kecamatan_code == c.kecamatan_code)
            .map(|x| (x.id, format!("{} ({} – {})", x.name, x.start_date, x.end_date)))
            .collect()
    } else {
        vec![]
    };
    let mut conflicts = Vec::new();
    for x in state.db.outcome_conflicts(id).await? {
        let cur = outcomes.get(&x.resident_id);
        conflicts.push(ConflictLine {
            id: x.id,
            resident_id: x.resident_id,
            name: names.get(&x.resident_id).cloned().unwrap_or_default(),
            current: cur.map(outcome_text).unwrap_or_else(|| "belum ada hasil".into()),
            current_by: cur
                .map(|o| format!("{}, {}", o.actor, when(o.recorded_at)))
                .unwrap_or_default(),
            theirs: outcome_text(&x),
            theirs_by: format!("{}, {}", x.actor, when(x.recorded_at)),
        });
    }
    render(&ProgressPage {
        l: layout(
            info.lang,
            Some(p),
            Tr(info.lang).s("visits.title"),
            &format!("/gelombang/{id}/kunjungan"),
            ok,
        ),
        campaign_id: id,
        campaign: c.name,
        counts,
        lines,
        exceptions,
        conflicts,
        can_settle: p.can(Action::PlanSchedule),
        error,
        step5,
        step5_over,
        unresolved,
        targets,
    })
}

#[derive(serde::Deserialize)]
struct SettleForm {
    /// `pakai` (use the conflicting outcome) or `abaikan` (keep the current one).
    decision: String,
}

async fn settle(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, oid)): Path<(i64, i64)>,
    Form(f): Form<SettleForm>,
) -> Result<Response, PageError> {
    visible(&state, &p, id, info.lang).await?;
    allow(&p, Action::PlanSchedule, info.lang)?;
    let accept = match f.decision.as_str() {
        "pakai" => true,
        "abaikan" => false,
        _ => {
            return Ok(page(
                &state,
                &p,
                &info,
                id,
                None,
                Some("Pilih hasil mana yang dipakai.".into()),
            )
            .await?
            .into_response());
        }
    };
    match state.db.settle_conflict(id, oid, accept, &p.actor(), state.now()).await {
        Ok(()) => Ok(Redirect::to(&format!("/gelombang/{id}/kunjungan?ok=visits.settled")).into_response()),
        Err(jempol_store::StoreError::NotFound) => Err(PageError(AppError::NotFound, info.lang)),
        Err(jempol_store::StoreError::Conflict(why)) => {
            Ok(page(&state, &p, &info, id, None, Some(why)).await?.into_response())
        }
        Err(e) => Err(PageError(e.into(), info.lang)),
    }
}

#[derive(serde::Deserialize)]
struct RollForm {
    #[serde(default)]
    to: String,
}

/// After the window closed: the people without a final outcome join another open campaign.
async fn roll_over(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<RollForm>,
) -> Result<Response, PageError> {
    let c = visible(&state, &p, id, info.lang).await?;
    allow(&p, Action::PlanSchedule, info.lang)?;
    let refuse = |why: &str| page(&state, &p, &info, id, None, Some(why.to_string()));
    let today = crate::clock::today_wib(state.now());
    if c.end_date.parse::<jiff::civil::Date>().is_ok_and(|e| today <= e) {
        return Ok(
            refuse("Masa gelombang belum berakhir; warga baru bisa dipindah setelah tanggal selesai.")
                .await?
                .into_response(),
        );
    }
    let target = match f.to.trim().parse::<i64>() {
        Ok(to) if to != id => state.db.campaign(to).await?,
        _ => None,
    };
    let Some(target) = target.filter(|t| t.status == "open" && t.kecamatan_code == c.kecamatan_code) else {
        return Ok(
            refuse("Pilih gelombang tujuan: gelombang lain yang masih berjalan di kecamatan ini.")
                .await?
                .into_response(),
        );
    };
    state.db.roll_over(id, target.id, &p.actor(), state.now()).await?;
    Ok(Redirect::to(&format!("/gelombang/{id}/kunjungan?ok=visits.rolled")).into_response())
}
