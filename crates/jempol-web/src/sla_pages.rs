//! The SOP measured. Every unit of every step (a submission, a meeting, a schedule, a person's
//! recording and card, a handover, a session, a proposal, a facilitation) against its step's
//! standard in working time, with pauses for causes outside the office: on time, at risk (80 %
//! used), late or paused. `/waktu` shows compliance per step (share on time, median and p90
//! against the standard) and what is late; `/tugas` is each user's own worklist across the
//! steps of their lane, most urgent first.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use crate::welfare_pages::duration_label;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::worktime::{Pause, Sla, SlaState, WorkCalendar};
use jempol_core::{Action, Scope};
use jempol_store::sla::{Span, StepPause};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/waktu",
            get(Access::Any(&[Action::ViewDashboard, Action::PauseSteps]), overview),
        )
        .route("/waktu/jeda", post(Access::Act(Action::PauseSteps), add_pause))
        .route(
            "/waktu/jeda/{id}/akhiri",
            post(Access::Act(Action::PauseSteps), end_pause),
        )
        .route("/tugas", get(Access::Act(Action::ViewSop), my_tasks))
        .route(
            "/tugas/eskalasi/{id}/tindak",
            post(Access::Act(Action::ViewDashboard), acknowledge),
        )
}

/// One unit of one step measured.
pub(crate) struct Measured {
    pub(crate) span: Span,
    pub(crate) sla: Sla,
    /// When the standard runs out (while the step runs).
    pub(crate) due: Option<i64>,
}

fn in_scope(scope: &Scope, area: &str) -> bool {
    if area.len() > 8 {
        scope.contains_desa(area)
    } else {
        scope.contains_kecamatan(area)
    }
}

/// A civil "HH.MM" or "HH:MM" on an ISO date as a moment in the office's zone.
fn civil_moment(cal: &WorkCalendar, date: &str, time: &str) -> Option<i64> {
    let d = date.parse::<jiff::civil::Date>().ok()?;
    let (h, m) = time.trim().split_once(['.', ':'])?;
    let t = jiff::civil::Time::new(h.trim().parse().ok()?, m.trim().parse().ok()?, 0, 0).ok()?;
    Some(cal.instant(d.to_datetime(t)))
}

/// Every unit of every step within `scope`, measured.
pub(crate) async fn measure(state: &AppState, scope: &Scope) -> Result<Vec<Measured>, AppError> {
    measure_where(state, |s| in_scope(scope, &s.area)).await
}

/// The steps one person went through (their submission, recording, card, handovers, sessions,
/// proposals, facilitations), measured: the time each step took them.
pub(crate) async fn person_steps(state: &AppState, resident_id: i64) -> Result<Vec<Measured>, AppError> {
    let units = state.db.resident_units(resident_id).await?;
    measure_where(state, |s| match s.step {
        1 | 2 => units.submission == Some(s.id),
        7 | 8 => units.handovers.contains(&s.id),
        9 => units.session == Some(s.id),
        11 => units.evaluations.contains(&s.id),
        _ => s.resident_id == Some(resident_id),
    })
    .await
}

/// The units `keep` selects, measured.
pub(crate) async fn measure_where(state: &AppState, keep: impl Fn(&Span) -> bool) -> Result<Vec<Measured>, AppError> {
    let spans = state.db.step_spans().await?.into_iter().filter(|s| keep(s)).collect();
    measure_spans(state, spans).await
}

async fn measure_spans(state: &AppState, spans: Vec<Span>) -> Result<Vec<Measured>, AppError> {
    let cal = crate::calendar_pages::calendar(state).await?;
    let (_, sop) = state.db.active_sop().await?;
    let standards: Vec<(u32, i64)> = sop
        .steps
        .iter()
        .map(|s| {
            (
                s.no,
                s.standard().working_minutes(crate::api::WORKING_DAY_MINUTES) as i64,
            )
        })
        .collect();
    let pauses = state.db.pauses().await?;
    let now = state.now();
    let mut out = Vec::new();
    for mut span in spans {
        if let Some((date, from, to)) = &span.civil {
            let Some(start) = civil_moment(&cal, date, from) else {
                continue;
            };
            span.start = start;
            // A meeting's end is typed too; other units keep the end they recorded.
            if let Some(t) = to.as_deref() {
                span.end = civil_moment(&cal, date, t);
            }
        }
        let standard = standards
            .iter()
            .find(|(n, _)| *n == span.step)
            .map(|(_, m)| *m)
            .unwrap_or(0);
        let kec: String = span.area.chars().take(8).collect();
        let stops: Vec<Pause> = pauses
            .iter()
            .filter(|x| x.step == span.step && x.kecamatan_code.as_deref().is_none_or(|k| k == kec))
            .map(|x| Pause {
                from: x.from_at,
                to: x.to_at,
                reason: x.reason.clone(),
            })
            .collect();
        let sla = match span.minutes {
            Some(m) => Sla {
                used: m,
                paused: 0,
                standard,
                state: if m > standard { SlaState::Late } else { SlaState::OnTime },
                done: true,
            },
            None => cal.sla(span.start, span.end, now, standard, &stops),
        };
        let due = span.end.is_none().then(|| {
            let paused: i64 = stops
                .iter()
                .map(|x| cal.minutes(x.from.max(span.start), x.to.unwrap_or(now).min(now)).max(0))
                .sum();
            cal.add_minutes(span.start, standard + paused)
        });
        out.push(Measured { span, sla, due });
    }
    Ok(out)
}

/// The value at a share of a sorted list (nearest rank).
fn percentile(sorted: &[i64], share: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

pub(crate) struct StepLine {
    pub(crate) no: u32,
    pub(crate) activity: String,
    pub(crate) standard: String,
    pub(crate) measured: usize,
    pub(crate) done: usize,
    pub(crate) on_time_share: String,
    pub(crate) median: String,
    pub(crate) p90: String,
    pub(crate) running: usize,
    pub(crate) at_risk: usize,
    pub(crate) late: usize,
    pub(crate) paused: usize,
}

/// Compliance per step: done units on time, median and p90 of the done, and the running ones
/// by state.
pub(crate) async fn step_lines(state: &AppState, all: &[Measured]) -> Result<Vec<StepLine>, AppError> {
    let (_, sop) = state.db.active_sop().await?;
    Ok(sop
        .steps
        .iter()
        .map(|s| {
            let mine: Vec<&Measured> = all.iter().filter(|m| m.span.step == s.no).collect();
            let mut done: Vec<i64> = mine.iter().filter(|m| m.sla.done).map(|m| m.sla.used).collect();
            done.sort_unstable();
            let on_time = mine
                .iter()
                .filter(|m| m.sla.done && m.sla.state != SlaState::Late)
                .count();
            let running: Vec<&&Measured> = mine.iter().filter(|m| !m.sla.done).collect();
            let count = |st: SlaState| running.iter().filter(|m| m.sla.state == st).count();
            StepLine {
                no: s.no,
                activity: s.activity.clone(),
                standard: duration_label(s.standard().working_minutes(crate::api::WORKING_DAY_MINUTES) as i64),
                measured: mine.len(),
                done: done.len(),
                on_time_share: if done.is_empty() {
                    "—".into()
                } else {
                    format!("{} %", on_time * 100 / done.len())
                },
                median: percentile(&done, 0.5).map(duration_label).unwrap_or_else(|| "—".into()),
                p90: percentile(&done, 0.9).map(duration_label).unwrap_or_else(|| "—".into()),
                running: running.len(),
                at_risk: count(SlaState::AtRisk),
                late: count(SlaState::Late),
                paused: count(SlaState::Paused),
            }
        })
        .collect())
}

/// A running unit, ready to list.
pub(crate) struct Task {
    pub(crate) step: u32,
    pub(crate) label: String,
    pub(crate) link: String,
    pub(crate) state: &'static str,
    pub(crate) state_code: &'static str,
    pub(crate) used: String,
    pub(crate) standard: String,
    pub(crate) due: String,
}

fn state_code(s: SlaState) -> &'static str {
    match s {
        SlaState::OnTime => "on_time",
        SlaState::AtRisk => "at_risk",
        SlaState::Late => "late",
        SlaState::Paused => "paused",
    }
}

/// Running units, most urgent first: late (longest over first), at risk, paused, on time by
/// deadline.
pub(crate) fn tasks(all: &[Measured], steps: Option<&[u32]>) -> Vec<Task> {
    let mut running: Vec<&Measured> = all
        .iter()
        .filter(|m| !m.sla.done && steps.is_none_or(|s| s.contains(&m.span.step)))
        .collect();
    let rank = |s: SlaState| match s {
        SlaState::Late => 0,
        SlaState::AtRisk => 1,
        SlaState::Paused => 2,
        SlaState::OnTime => 3,
    };
    running.sort_by_key(|m| (rank(m.sla.state), m.due.unwrap_or(i64::MAX), m.span.step, m.span.id));
    running
        .into_iter()
        .map(|m| Task {
            step: m.span.step,
            label: m.span.label.clone(),
            link: m.span.link.clone(),
            state: m.sla.state.label(),
            state_code: state_code(m.sla.state),
            used: duration_label(m.sla.used),
            standard: duration_label(m.sla.standard),
            due: m.due.map(crate::clock::format_wib).unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "sla.html")]
struct OverviewPage {
    l: Layout,
    steps: Vec<StepLine>,
    late: Vec<Task>,
    pauses: Vec<(i64, u32, String, String, String, bool, String)>,
    can_pause: bool,
    step_numbers: Vec<(u32, String)>,
    error: Option<crate::pages::Refusal>,
}

#[derive(serde::Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

async fn overview_page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    ok: Option<&str>,
    error: Option<crate::pages::Refusal>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(p, Action::ViewDashboard, lang).or_else(|e| if p.can(Action::PauseSteps) { Ok(()) } else { Err(e) })?;
    let all = measure(state, &p.scope).await.map_err(|e| PageError(e, lang))?;
    let steps = step_lines(state, &all).await.map_err(|e| PageError(e, lang))?;
    let late = tasks(&all, None)
        .into_iter()
        .filter(|t| t.state_code != "on_time")
        .collect();
    let pauses = state
        .db
        .pauses()
        .await?
        .into_iter()
        .filter(|x: &StepPause| {
            x.kecamatan_code
                .as_deref()
                .is_none_or(|k| p.scope.contains_kecamatan(k))
        })
        .map(|x| {
            (
                x.id,
                x.step,
                x.reason,
                crate::clock::format_wib(x.from_at),
                x.to_at.map(crate::clock::format_wib).unwrap_or_default(),
                x.to_at.is_none(),
                x.created_by,
            )
        })
        .collect();
    render(&OverviewPage {
        l: layout(lang, Some(p), Tr(lang).s("sla.title"), "/waktu", ok),
        step_numbers: steps.iter().map(|s| (s.no, s.activity.clone())).collect(),
        steps,
        late,
        pauses,
        can_pause: p.can(Action::PauseSteps),
        error,
    })
}

async fn overview(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    overview_page(&state, &p, &info, q.ok.as_deref(), None).await
}

#[derive(serde::Deserialize)]
struct PauseForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
}

async fn add_pause(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<PauseForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::PauseSteps, info.lang)?;
    let (_, sop) = state.db.active_sop().await?;
    let step = f
        .step
        .parse::<u32>()
        .ok()
        .filter(|n| sop.steps.iter().any(|s| s.no == *n));
    let reason = f.reason.trim();
    let why = match (step, reason.is_empty(), reason.chars().count() > 300) {
        (None, _, _) => Some(("step", "Pilih langkah yang dihentikan sementara.")),
        (_, true, _) => Some((
            "reason",
            "Tulis penyebabnya (misalnya server pusat mati, blangko habis).",
        )),
        (_, _, true) => Some(("reason", "Penyebab terlalu panjang: paling banyak 300 huruf.")),
        _ => None,
    };
    let (Some(step), None) = (step, why) else {
        let refusal = why.map(|(field, message)| {
            crate::pages::Refusal::new(
                field,
                message,
                vec![("step", f.step.clone()), ("reason", f.reason.clone())],
            )
        });
        let body = overview_page(&state, &p, &info, None, refusal).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    // A kecamatan user stops its own kecamatan's clock; the regency's operators stop all.
    let kec = match &p.scope {
        Scope::Kecamatan { codes } if codes.len() == 1 => Some(codes[0].clone()),
        _ => None,
    };
    state
        .db
        .add_pause(step, kec.as_deref(), state.now(), reason, &p.actor(), state.now())
        .await?;
    Ok(Redirect::to("/waktu?ok=sla.paused_ok").into_response())
}

async fn end_pause(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    allow(&p, Action::PauseSteps, info.lang)?;
    let visible = state.db.pauses().await?.into_iter().any(|x| {
        x.id == id
            && x.kecamatan_code
                .as_deref()
                .is_none_or(|k| p.scope.contains_kecamatan(k))
    });
    if !visible {
        return Err(PageError(AppError::NotFound, info.lang));
    }
    match state.db.end_pause(id, state.now(), &p.actor(), state.now()).await {
        Ok(()) | Err(jempol_store::StoreError::Conflict(_)) => {
            Ok(Redirect::to("/waktu?ok=sla.resumed").into_response())
        }
        Err(e) => Err(PageError(e.into(), info.lang)),
    }
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    l: Layout,
    escalations: Vec<EscalationLine>,
    tasks: Vec<Task>,
    steps: String,
}

struct EscalationLine {
    id: i64,
    step: u32,
    label: String,
    link: String,
    used: String,
    standard: String,
    fired: String,
    /// Where it was sent outside the app, and how that went.
    sent: Vec<String>,
}

async fn my_tasks(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewSop, lang)?;
    let (_, sop) = state.db.active_sop().await?;
    // The steps of the user's lanes whose pages the role can open and act on.
    let mine: Vec<u32> = sop
        .steps_for_role(p.user.role)
        .iter()
        .filter(|s| jempol_core::policy::works_on_step(p.user.role, &s.key))
        .map(|s| s.no)
        .collect();
    let all = measure(&state, &p.scope).await.map_err(|e| PageError(e, lang))?;
    let level = match p.user.role {
        jempol_core::Role::KasiPelayanan => Some("kasi"),
        jempol_core::Role::Camat => Some("camat"),
        _ => None,
    };
    let open: Vec<_> = match level {
        Some(l) => state
            .db
            .open_escalations(l)
            .await?
            .into_iter()
            .filter(|e| in_scope(&p.scope, &e.area))
            .collect(),
        None => vec![],
    };
    let ids: Vec<i64> = open.iter().map(|e| e.id).collect();
    let deliveries = state.db.deliveries(&ids).await?;
    let t = Tr(lang);
    let escalations = open
        .into_iter()
        .map(|e| EscalationLine {
            sent: deliveries
                .iter()
                .filter(|d| d.escalation_id == e.id)
                .map(|d| {
                    let how = if d.sent_at.is_some() {
                        t.s("task.sent").to_string()
                    } else if d.failed_at.is_some() {
                        format!(
                            "{} ({}×): {}",
                            t.s("task.send_failed"),
                            d.attempts,
                            d.last_error.clone().unwrap_or_default()
                        )
                    } else if d.attempts > 0 {
                        format!(
                            "{} ({}×): {}",
                            t.s("task.send_retry"),
                            d.attempts,
                            d.last_error.clone().unwrap_or_default()
                        )
                    } else {
                        t.s("task.send_waiting").to_string()
                    };
                    format!("{} {}: {how}", d.channel, d.target)
                })
                .collect(),
            id: e.id,
            step: e.step,
            label: e.label,
            link: e.link,
            used: duration_label(e.used_minutes),
            standard: duration_label(e.standard_minutes),
            fired: crate::clock::format_wib(e.fired_at),
        })
        .collect();
    render(&TasksPage {
        l: layout(lang, Some(&p), Tr(lang).s("task.title"), "/tugas", q.ok.as_deref()),
        escalations,
        tasks: tasks(&all, Some(&mine)),
        steps: mine.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
    })
}

async fn acknowledge(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let level = match p.user.role {
        jempol_core::Role::KasiPelayanan => "kasi",
        jempol_core::Role::Camat => "camat",
        _ => return Err(PageError(AppError::Forbidden, info.lang)),
    };
    let mine = state
        .db
        .open_escalations(level)
        .await?
        .into_iter()
        .any(|e| e.id == id && in_scope(&p.scope, &e.area));
    if !mine {
        return Err(PageError(AppError::NotFound, info.lang));
    }
    state.db.acknowledge_escalation(id, &p.actor(), state.now()).await?;
    Ok(Redirect::to("/tugas?ok=task.acknowledged").into_response())
}

/// Escalates late work across the deployment: to the Kasi when a running unit passes its
/// standard, to the Camat when it has taken twice the standard. Each fires once, whichever
/// instance sees it first; returns how many this call fired.
pub async fn escalate(state: &AppState) -> Result<usize, AppError> {
    let scope = Scope::Kecamatan {
        codes: state.config.deployment.kecamatan.clone(),
    };
    let mut fired = 0;
    for m in measure(state, &scope).await? {
        if m.sla.done || m.sla.state != SlaState::Late {
            continue;
        }
        let mut levels = vec!["kasi"];
        if m.sla.used >= 2 * m.sla.standard {
            levels.push("camat");
        }
        for level in levels {
            let e = jempol_store::sla::Escalation {
                id: 0,
                step: m.span.step,
                unit_id: m.span.id,
                level: level.to_string(),
                area: m.span.area.clone(),
                label: m.span.label.clone(),
                link: m.span.link.clone(),
                used_minutes: m.sla.used,
                standard_minutes: m.sla.standard,
                fired_at: 0,
                acknowledged_by: None,
            };
            let targets = crate::notify::targets(&state.config, level);
            if state.db.fire_escalation(&e, &targets, state.now()).await? {
                tracing::info!(step = e.step, unit = e.unit_id, level, "late work escalated");
                fired += 1;
            }
        }
    }
    // What fired now (and what waits for a retry) goes out.
    crate::notify::deliver_notifications(state).await?;
    Ok(fired)
}
