//! SOP steps 9–12 in the browser. The worklist of a campaign per desa: each person's DTSEN
//! standing, the assistance they receive and what they appear eligible for but do not receive
//! (the gap, step 9's worklist); coordination and evaluation sessions (steps 9 and 11) whose
//! duration is measured against the SOP's standard; and one page per person where step 9's
//! status, step 10's proposals, step 11's results and step 12's facilitation are recorded.
//!
//! These pages carry only what social services need (name, NIK and KK, address, the groups a
//! program targets, e-KTP and assistance); the visit needs, guardian, consent and notes stay on
//! the resident pages, which the Dinsos role cannot open.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::{format_wib, today_wib};
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{ConfirmPage, Layout, PageError, allow, layout, render};
use crate::resident_pages::shown_nik;
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::assistance::{
    CHANNELS, DTSEN, DTSEN_TARGET, FACILITATIONS, Gap, Program, ProposalInput, RESULTS, check_dtsen, check_proposal,
    check_result, cutoff_for, default_programs, facilitation_minutes, gap, groups_of,
};
use jempol_core::finding::Finding;
use jempol_core::{Action, Scope};
use jempol_store::campaigns::Campaign;
use jempol_store::welfare::{Decision, NewFacilitation, NewProposal, Proposal, Received, Session, WelfareRow, Whose};
use std::collections::HashMap;

pub fn routes() -> Routes {
    Routes::new()
        .route("/bantuan", get(Access::Act(Action::ViewAssistance), worklist))
        .route(
            "/bantuan/sesi",
            post(
                Access::Any(&[Action::CoordinateAssistance, Action::EvaluateProposals]),
                open_session,
            ),
        )
        .route(
            "/bantuan/sesi/{id}",
            get(Access::Act(Action::ViewAssistance), session_page),
        )
        .route(
            "/bantuan/sesi/{id}/tutup",
            post(
                Access::Any(&[Action::CoordinateAssistance, Action::EvaluateProposals]),
                close_session,
            ),
        )
        .route("/bantuan/warga/{rid}", get(Access::Act(Action::ViewAssistance), person))
        .route(
            "/bantuan/warga/{rid}/dtsen",
            post(Access::Act(Action::CoordinateAssistance), set_dtsen),
        )
        .route(
            "/bantuan/warga/{rid}/bantuan",
            post(Access::Act(Action::CoordinateAssistance), add_received),
        )
        .route(
            "/bantuan/warga/{rid}/bantuan/hapus",
            get(Access::Act(Action::CoordinateAssistance), confirm_remove)
                .post(Access::Act(Action::CoordinateAssistance), remove_received),
        )
        .route(
            "/bantuan/warga/{rid}/usulan",
            post(Access::Act(Action::ProposeAssistance), propose),
        )
        .route(
            "/bantuan/usulan/{id}/hasil",
            post(Access::Act(Action::EvaluateProposals), decide),
        )
        .route(
            "/bantuan/warga/{rid}/fasilitasi",
            post(Access::Act(Action::FacilitateRecipients), facilitate),
        )
}

const PAGE: usize = 50;

/// The campaigns a role can choose from: those of its kecamatan (a village's is the one its
/// desa belongs to).
pub(crate) async fn campaigns_for(state: &AppState, scope: &Scope) -> Result<Vec<Campaign>, AppError> {
    let scope = match scope {
        Scope::Desa { code } => Scope::Kecamatan {
            codes: vec![code.chars().take(8).collect()],
        },
        s => s.clone(),
    };
    Ok(state.db.campaigns_in_scope(&scope).await?)
}

/// The working minutes a step of the active SOP allows.
pub(crate) async fn standard_minutes(state: &AppState, step: u32) -> Result<i64, AppError> {
    let (_, def) = state.db.active_sop().await?;
    Ok(def
        .steps
        .iter()
        .find(|s| s.no == step)
        .map(|s| s.standard().working_minutes(crate::api::WORKING_DAY_MINUTES) as i64)
        .unwrap_or(0))
}

/// "1 jam 20 menit"; whole working days as "2 hari kerja".
pub(crate) fn duration_label(minutes: i64) -> String {
    let day = i64::from(crate::api::WORKING_DAY_MINUTES);
    if minutes >= day && minutes % day == 0 {
        return format!("{} hari kerja", minutes / day);
    }
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} menit"),
        (h, 0) => format!("{h} jam"),
        (h, m) => format!("{h} jam {m} menit"),
    }
}

pub(crate) fn label_of(list: &[(&'static str, &'static str)], code: &str) -> String {
    list.iter()
        .find(|(k, _)| *k == code)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| code.to_string())
}

pub(crate) fn target_label(programs: &[Program], target: &str) -> String {
    if target == DTSEN_TARGET {
        return "pendaftaran DTSEN".into();
    }
    programs
        .iter()
        .find(|p| p.code == target)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| target.to_string())
}

/// What a person appears eligible for but does not receive, with why; a DTSEN registration
/// first when they are not in it and a program needs it.
pub(crate) fn gaps_of(
    r: &WelfareRow,
    programs: &[Program],
    received: &[&Received],
    today: jiff::civil::Date,
) -> Vec<(String, String, Gap)> {
    let groups = groups_of(&r.birth_date, r.disabilitas, r.severity.as_deref(), r.odgj, today);
    programs
        .iter()
        .filter(|p| !received.iter().any(|x| x.program_code == p.code))
        .filter_map(|p| gap(p, groups, r.dtsen).map(|g| (p.code.clone(), p.name.clone(), g)))
        .collect()
}

/// One person on the worklist, ready to show.
pub(crate) struct Line {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) nik: String,
    pub(crate) desa: String,
    pub(crate) groups: String,
    pub(crate) ektp: String,
    pub(crate) has_ektp: bool,
    pub(crate) dtsen: String,
    pub(crate) registered: bool,
    pub(crate) checked: bool,
    pub(crate) receives: Vec<String>,
    pub(crate) gaps: Vec<String>,
    pub(crate) proposals: Vec<String>,
    pub(crate) proposed: bool,
    pub(crate) accepted: bool,
    pub(crate) facilitated: bool,
    /// Not checked yet, or a gap without a proposal on its way.
    pub(crate) needs: bool,
}

/// "Dusun Krajan RT 001/RW 002": the parts that are filled in.
pub(crate) fn address_of(r: &WelfareRow) -> String {
    let part = |x: &Option<String>| {
        x.as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    let mut out = part(&r.address).unwrap_or_default();
    match (part(&r.rt), part(&r.rw)) {
        (Some(rt), Some(rw)) => out.push_str(&format!(" RT {rt}/RW {rw}")),
        (Some(rt), None) => out.push_str(&format!(" RT {rt}")),
        (None, Some(rw)) => out.push_str(&format!(" RW {rw}")),
        (None, None) => {}
    }
    out.trim().to_string()
}

pub(crate) fn ektp_label(code: &str) -> String {
    match code {
        "diterima" => "sudah diterima".into(),
        "dicetak" => "sudah dicetak".into(),
        stage => crate::resident_pages::stage_label(stage).to_string(),
    }
}

/// Everything a campaign's worklist needs, loaded once.
pub(crate) struct Loaded {
    pub(crate) programs: Vec<Program>,
    pub(crate) lines: Vec<Line>,
    pub(crate) proposals: Vec<Proposal>,
    pub(crate) rows: Vec<WelfareRow>,
    pub(crate) received: Vec<Received>,
}

pub(crate) async fn load(
    state: &AppState,
    p: &Principal,
    campaign: i64,
    desa: Option<&str>,
) -> Result<Loaded, AppError> {
    let today = today_wib(state.now());
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let rows = state.db.welfare_rows(campaign, &p.scope, desa).await?;
    let received = state.db.received(Whose::Campaign(campaign)).await?;
    let proposals = state.db.proposals(Whose::Campaign(campaign)).await?;
    let facilitations = state.db.facilitations(Whose::Campaign(campaign)).await?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        if !names.contains_key(&r.desa_code) {
            let n = state.db.region(&r.desa_code).await?.map(|x| x.name).unwrap_or_default();
            names.insert(r.desa_code.clone(), n);
        }
        let mine: Vec<&Received> = received.iter().filter(|x| x.resident_id == r.resident_id).collect();
        let props: Vec<&Proposal> = proposals.iter().filter(|x| x.resident_id == r.resident_id).collect();
        let gaps = gaps_of(r, &programs, &mine, today);
        let open = |code: &str| {
            props
                .iter()
                .any(|x| (x.target == code || x.target == DTSEN_TARGET) && x.result != "ditolak")
        };
        let needs = r.checked_at.is_none() || gaps.iter().any(|(code, _, _)| !open(code));
        lines.push(Line {
            id: r.resident_id,
            name: r.name.clone(),
            nik: shown_nik(p, &r.nik),
            desa: names.get(&r.desa_code).cloned().unwrap_or_default(),
            groups: groups_of(&r.birth_date, r.disabilitas, r.severity.as_deref(), r.odgj, today).label(),
            ektp: ektp_label(&r.ektp),
            has_ektp: r.ektp == "diterima",
            dtsen: r.dtsen.label(),
            registered: matches!(r.dtsen, jempol_core::assistance::Dtsen::Registered { .. }),
            checked: r.checked_at.is_some(),
            receives: mine.iter().map(|x| target_label(&programs, &x.program_code)).collect(),
            gaps: gaps
                .iter()
                .map(|(_, name, g)| format!("{name}: {}", g.label()))
                .collect(),
            proposals: props
                .iter()
                .map(|x| {
                    format!(
                        "{} ({})",
                        target_label(&programs, &x.target),
                        label_of(&RESULTS, &x.result)
                    )
                })
                .collect(),
            proposed: !props.is_empty(),
            accepted: props.iter().any(|x| x.result == "diterima"),
            facilitated: facilitations.iter().any(|f| f.resident_id == r.resident_id),
            needs,
        });
    }
    Ok(Loaded {
        programs,
        lines,
        proposals,
        rows,
        received,
    })
}

/// A step's measured times: how many, how many within the standard, the longest.
pub(crate) struct StepTime {
    pub(crate) no: u32,
    pub(crate) what: &'static str,
    pub(crate) standard: String,
    pub(crate) count: usize,
    pub(crate) on_time: usize,
    pub(crate) longest: String,
}

/// Steps 9–12 of a campaign measured against the SOP, by the same measurement as every step
/// (`sla_pages`): sessions' working time (9 and 11), from a person's check to their proposal
/// (10), each facilitation's own time (12); finished units only.
pub(crate) async fn step_times(
    state: &AppState,
    loaded: &Loaded,
    sessions: &[Session],
) -> Result<Vec<StepTime>, AppError> {
    let people: std::collections::HashSet<i64> = loaded.lines.iter().map(|l| l.id).collect();
    let session_ids: std::collections::HashSet<i64> = sessions.iter().map(|s| s.id).collect();
    let measured = crate::sla_pages::measure_where(state, |s| match s.step {
        9 | 11 => session_ids.contains(&s.id),
        10 | 12 => s.resident_id.is_some_and(|r| people.contains(&r)),
        _ => false,
    })
    .await?;
    let mut out = Vec::new();
    for (no, what) in [
        (9, "sesi koordinasi"),
        (10, "dari koordinasi sampai usulan"),
        (11, "sesi evaluasi hasil"),
        (12, "fasilitasi per penerima"),
    ] {
        let done: Vec<&crate::sla_pages::Measured> =
            measured.iter().filter(|m| m.span.step == no && m.sla.done).collect();
        out.push(StepTime {
            no,
            what,
            standard: duration_label(standard_minutes(state, no).await?),
            count: done.len(),
            on_time: done
                .iter()
                .filter(|m| m.sla.state != jempol_core::worktime::SlaState::Late)
                .count(),
            longest: done
                .iter()
                .map(|m| m.sla.used)
                .max()
                .map(duration_label)
                .unwrap_or_else(|| "—".into()),
        });
    }
    Ok(out)
}

pub(crate) struct SessionLine {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) desa: String,
    pub(crate) participants: String,
    pub(crate) opened: String,
    pub(crate) open: bool,
    pub(crate) duration: String,
    pub(crate) late: bool,
}

async fn session_line(state: &AppState, s: &Session) -> Result<SessionLine, AppError> {
    let standard = standard_minutes(state, if s.kind == "evaluasi" { 11 } else { 9 }).await?;
    let cal = crate::calendar_pages::calendar(state).await?;
    let minutes = cal.minutes(s.opened_at, s.closed_at.unwrap_or_else(|| state.now()));
    let desa = match &s.desa_code {
        Some(c) => state.db.region(c).await?.map(|r| r.name).unwrap_or_else(|| c.clone()),
        None => "semua desa".into(),
    };
    Ok(SessionLine {
        id: s.id,
        kind: if s.kind == "evaluasi" {
            "evaluasi hasil (langkah 11)".into()
        } else {
            "koordinasi (langkah 9)".into()
        },
        desa,
        participants: s.participants.clone(),
        opened: format_wib(s.opened_at),
        open: s.closed_at.is_none(),
        duration: duration_label(minutes),
        late: minutes > standard,
    })
}

// ---------- the worklist ----------

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    gelombang: Option<i64>,
    #[serde(default)]
    desa: String,
    /// The searched text: from the session while `cari=1` (`search.rs`), never the address.
    #[serde(skip)]
    q: String,
    #[serde(default)]
    cari: Option<String>,
    #[serde(default)]
    perlu: String,
    hal: Option<usize>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "assistance.html")]
struct WorklistPage {
    l: Layout,
    campaigns: Vec<(i64, String)>,
    campaign: Option<i64>,
    desa_options: Vec<(String, String)>,
    desa: String,
    q: String,
    perlu: bool,
    lines: Vec<Line>,
    total: usize,
    page: usize,
    pages: usize,
    /// Per desa: name, people, e-KTP, DTSEN, with a gap, proposed, accepted.
    summary: Vec<(String, usize, usize, usize, usize, usize, usize)>,
    sessions: Vec<SessionLine>,
    times: Vec<StepTime>,
    can_coordinate: bool,
    can_evaluate: bool,
    desa_fixed: bool,
    query: String,
}

fn enc(s: &str) -> String {
    crate::users::url_encode(s)
}

async fn worklist(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(mut q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewAssistance, info.lang)?;
    q.q = crate::search::text(&p, "/bantuan", q.cari.is_some());
    let lang = info.lang;
    let campaigns = campaigns_for(&state, &p.scope).await.map_err(|e| PageError(e, lang))?;
    let campaign = q
        .gelombang
        .filter(|id| campaigns.iter().any(|c| c.id == *id))
        .or_else(|| campaigns.first().map(|c| c.id));
    let desa_options = crate::resident_pages::desa_options(&state, &p.scope).await?;
    let desa = if desa_options.iter().any(|(c, _)| *c == q.desa) {
        q.desa.clone()
    } else {
        String::new()
    };
    let (mut lines, summary, sessions, times) = match campaign {
        Some(id) => {
            let loaded = load(&state, &p, id, Some(&desa))
                .await
                .map_err(|e| PageError(e, lang))?;
            let all_sessions = state.db.assistance_sessions(id).await?;
            let mut sessions = Vec::new();
            for s in all_sessions
                .iter()
                .filter(|s| s.desa_code.as_deref().is_none_or(|d| p.scope.contains_desa(d)))
            {
                sessions.push(session_line(&state, s).await.map_err(|e| PageError(e, lang))?);
            }
            let times = step_times(&state, &loaded, &all_sessions)
                .await
                .map_err(|e| PageError(e, lang))?;
            let mut summary: Vec<(String, usize, usize, usize, usize, usize, usize)> = Vec::new();
            for l in &loaded.lines {
                if summary.last().is_none_or(|s| s.0 != l.desa) {
                    summary.push((l.desa.clone(), 0, 0, 0, 0, 0, 0));
                }
                if let Some(s) = summary.last_mut() {
                    s.1 += 1;
                    s.2 += usize::from(l.has_ektp);
                    s.3 += usize::from(l.registered);
                    s.4 += usize::from(!l.gaps.is_empty());
                    s.5 += usize::from(l.proposed);
                    s.6 += usize::from(l.accepted);
                }
            }
            (loaded.lines, summary, sessions, times)
        }
        None => (vec![], vec![], vec![], vec![]),
    };
    let needle = q.q.trim().to_uppercase();
    let perlu = q.perlu == "1";
    lines.retain(|l| {
        (!perlu || l.needs)
            && (needle.is_empty()
                || l.name.to_uppercase().contains(&needle)
                || (needle.bytes().all(|b| b.is_ascii_digit()) && l.nik.starts_with(&needle)))
    });
    let total = lines.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = q.hal.unwrap_or(1).clamp(1, pages);
    let lines: Vec<Line> = lines.into_iter().skip((page - 1) * PAGE).take(PAGE).collect();
    let shown: Vec<i64> = lines.iter().map(|l| l.id).collect();
    crate::resident_pages::log_list_view(&state, &p, "/bantuan", &shown, !q.q.trim().is_empty()).await?;
    let query = format!(
        "gelombang={}&desa={}&perlu={}{}",
        campaign.unwrap_or(0),
        enc(&desa),
        if perlu { "1" } else { "" },
        if q.q.trim().is_empty() { "" } else { "&cari=1" }
    );
    render(&WorklistPage {
        l: layout(lang, Some(&p), Tr(lang).s("bn.title"), "/bantuan", q.ok.as_deref()),
        campaigns: campaigns.iter().map(|c| (c.id, c.name.clone())).collect(),
        campaign,
        desa_fixed: matches!(p.scope, Scope::Desa { .. }),
        desa_options,
        desa,
        q: q.q.trim().to_string(),
        perlu,
        lines,
        total,
        page,
        pages,
        summary,
        sessions,
        times,
        can_coordinate: p.can(Action::CoordinateAssistance),
        can_evaluate: p.can(Action::EvaluateProposals),
        query,
    })
}

// ---------- sessions ----------

async fn open_session(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let kind = get("kind");
    let action = if kind == "evaluasi" {
        Action::EvaluateProposals
    } else {
        Action::CoordinateAssistance
    };
    allow(&p, action, lang)?;
    if kind != "evaluasi" && kind != "koordinasi" {
        return Err(PageError(AppError::Invalid("Pilih jenis sesi.".into()), lang));
    }
    let campaigns = campaigns_for(&state, &p.scope).await.map_err(|e| PageError(e, lang))?;
    let Some(campaign) = get("gelombang")
        .parse::<i64>()
        .ok()
        .filter(|id| campaigns.iter().any(|c| c.id == *id))
    else {
        return Err(PageError(AppError::NotFound, lang));
    };
    let desa = match &p.scope {
        Scope::Desa { code } => Some(code.clone()),
        s => Some(get("desa")).filter(|d| !d.is_empty() && s.contains_desa(d)),
    };
    let participants = get("participants");
    if participants.is_empty() || participants.chars().count() > 500 {
        let back = format!(
            "/bantuan?gelombang={campaign}&desa={}&ok=bn.session_who",
            enc(desa.as_deref().unwrap_or(""))
        );
        return Ok(Redirect::to(&back).into_response());
    }
    let id = state
        .db
        .open_session(&kind, campaign, desa.as_deref(), &participants, &p.actor(), state.now())
        .await?;
    Ok(Redirect::to(&format!("/bantuan/sesi/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "assistance_session.html")]
struct SessionPage {
    l: Layout,
    s: SessionLine,
    note: String,
    closed_by: String,
    campaign: i64,
    desa_code: String,
    lines: Vec<Line>,
    is_eval: bool,
    /// Proposals waiting for a result, for an evaluation session.
    waiting: Vec<(i64, i64, String, String, String, String)>,
    can_close: bool,
    standard: String,
}

/// A session the user may see: its desa within their scope.
async fn session_in_scope(state: &AppState, p: &Principal, id: i64) -> Result<Option<Session>, AppError> {
    let Some(s) = state.db.assistance_session(id).await? else {
        return Ok(None);
    };
    let campaigns = campaigns_for(state, &p.scope).await?;
    let visible = campaigns.iter().any(|c| c.id == s.campaign_id)
        && match (&s.desa_code, &p.scope) {
            (Some(d), scope) => scope.contains_desa(d),
            (None, Scope::Desa { .. }) => false,
            (None, _) => true,
        };
    Ok(visible.then_some(s))
}

async fn session_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::OkQuery>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let s = session_in_scope(&state, &p, id)
        .await
        .map_err(|e| PageError(e, lang))?
        .ok_or(PageError(AppError::NotFound, lang))?;
    let loaded = load(&state, &p, s.campaign_id, s.desa_code.as_deref())
        .await
        .map_err(|e| PageError(e, lang))?;
    let is_eval = s.kind == "evaluasi";
    let names: HashMap<i64, (String, String)> = loaded
        .rows
        .iter()
        .map(|r| (r.resident_id, (r.name.clone(), shown_nik(&p, &r.nik))))
        .collect();
    let waiting = loaded
        .proposals
        .iter()
        .filter(|x| x.result == "menunggu")
        .filter_map(|x| {
            names.get(&x.resident_id).map(|(n, nik)| {
                (
                    x.id,
                    x.resident_id,
                    n.clone(),
                    nik.clone(),
                    target_label(&loaded.programs, &x.target),
                    x.cutoff.clone(),
                )
            })
        })
        .collect();
    let standard = standard_minutes(&state, if is_eval { 11 } else { 9 })
        .await
        .map_err(|e| PageError(e, lang))?;
    render(&SessionPage {
        l: layout(lang, Some(&p), Tr(lang).s("bn.session"), "/bantuan", q.ok.as_deref()),
        s: session_line(&state, &s).await.map_err(|e| PageError(e, lang))?,
        note: s.note.clone(),
        closed_by: s.closed_by.clone().unwrap_or_default(),
        campaign: s.campaign_id,
        desa_code: s.desa_code.clone().unwrap_or_default(),
        lines: loaded.lines,
        is_eval,
        waiting,
        can_close: s.closed_at.is_none()
            && p.can(if is_eval {
                Action::EvaluateProposals
            } else {
                Action::CoordinateAssistance
            }),
        standard: duration_label(standard),
    })
}

#[derive(serde::Deserialize)]
struct CloseForm {
    #[serde(default)]
    note: String,
}

async fn close_session(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    let s = session_in_scope(&state, &p, id)
        .await
        .map_err(|e| PageError(e, lang))?
        .ok_or(PageError(AppError::NotFound, lang))?;
    allow(
        &p,
        if s.kind == "evaluasi" {
            Action::EvaluateProposals
        } else {
            Action::CoordinateAssistance
        },
        lang,
    )?;
    let note: String = f.note.trim().chars().take(2000).collect();
    match state.db.close_session(id, &note, &p.actor(), state.now()).await {
        Ok(()) | Err(jempol_store::StoreError::Conflict(_)) => {
            Ok(Redirect::to(&format!("/bantuan/sesi/{id}?ok=bn.session_closed")).into_response())
        }
        Err(e) => Err(PageError(e.into(), lang)),
    }
}

// ---------- one person ----------

/// What was typed in the person page's forms, kept when one is refused.
#[derive(Default)]
struct Typed {
    dtsen: String,
    desil: String,
    source: String,
    program: String,
    since: String,
    rsource: String,
    target: String,
    channel: String,
    date: String,
    reason: String,
    f_program: String,
    kind: String,
    f_date: String,
    start: String,
    end: String,
    note: String,
}

#[derive(Template)]
#[template(path = "assistance_person.html")]
struct PersonPage {
    l: Layout,
    r: WelfareRow,
    nik: String,
    no_kk: String,
    address: String,
    desa: String,
    groups: String,
    ektp: String,
    dtsen: String,
    checked: String,
    received: Vec<(String, String, String, String, String)>,
    gaps: Vec<(String, String)>,
    proposals: Vec<ProposalView>,
    facilitations: Vec<(String, String, String, String, bool, String)>,
    programs: Vec<(String, String)>,
    received_programs: Vec<(String, String)>,
    dtsen_options: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    /// Which form was refused, and why (each problem names its field).
    form: &'static str,
    errors: Vec<Finding>,
    typed: Typed,
    session: Option<(i64, String)>,
    sesi: String,
    can_coordinate: bool,
    can_propose: bool,
    can_evaluate: bool,
    can_facilitate: bool,
    today: String,
    cutoff: String,
}

impl PersonPage {
    /// The problem with `field` of the refused form `form`, if that is the one refused.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        (self.form == form)
            .then(|| self.errors.iter().find(|e| e.field == field))
            .flatten()
            .map(|e| e.message.as_str())
    }
}

struct ProposalView {
    id: i64,
    target: String,
    channel: String,
    date: String,
    cutoff: String,
    reason: String,
    result: String,
    result_code: String,
    result_reason: String,
    result_date: String,
    by: String,
}

#[derive(serde::Deserialize, Default)]
struct PersonQuery {
    sesi: Option<i64>,
    ok: Option<String>,
}

/// The open session of the right kind the person's page works in, if any.
async fn open_session_for(
    state: &AppState,
    p: &Principal,
    id: Option<i64>,
    kind: &str,
    desa: &str,
) -> Result<Option<Session>, AppError> {
    let Some(id) = id else { return Ok(None) };
    Ok(session_in_scope(state, p, id)
        .await?
        .filter(|s| s.kind == kind && s.closed_at.is_none() && s.desa_code.as_deref().is_none_or(|d| d == desa)))
}

async fn person_page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    rid: i64,
    sesi: Option<i64>,
    ok: Option<&str>,
    refused: Option<(&'static str, Vec<Finding>, Typed)>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(p, Action::ViewAssistance, lang)?;
    let r = state
        .db
        .welfare_row(rid, &p.scope)
        .await?
        .ok_or(PageError(AppError::NotFound, lang))?;
    let today = today_wib(state.now());
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let received = state.db.received(Whose::Resident(rid)).await?;
    let proposals = state.db.proposals(Whose::Resident(rid)).await?;
    let facilitations = state.db.facilitations(Whose::Resident(rid)).await?;
    let mine: Vec<&Received> = received.iter().collect();
    let gaps = gaps_of(&r, &programs, &mine, today);
    let session = match sesi {
        Some(id) => state.db.assistance_session(id).await?.filter(|s| s.closed_at.is_none()),
        None => None,
    };
    let session = match session {
        Some(s) => open_session_for(state, p, Some(s.id), &s.kind, &r.desa_code)
            .await
            .map_err(|e| PageError(e, lang))?,
        None => None,
    };
    let (form, errors, typed) = refused.unwrap_or_else(|| {
        (
            "",
            vec![],
            Typed {
                dtsen: r.dtsen.code().to_string(),
                desil: r.dtsen.desil().map(|d| d.to_string()).unwrap_or_default(),
                source: r.source.clone().unwrap_or_default(),
                date: today.to_string(),
                f_date: today.to_string(),
                ..Default::default()
            },
        )
    });
    render(&PersonPage {
        l: layout(lang, Some(p), &r.name, "/bantuan", ok),
        nik: shown_nik(p, &r.nik),
        address: address_of(&r),
        no_kk: r.no_kk.as_deref().map(|k| shown_nik(p, k)).unwrap_or_default(),
        desa: crate::pages::region_label(state, &r.desa_code).await,
        groups: groups_of(&r.birth_date, r.disabilitas, r.severity.as_deref(), r.odgj, today).label(),
        ektp: ektp_label(&r.ektp),
        dtsen: r.dtsen.label(),
        checked: r.checked_at.map(format_wib).unwrap_or_default(),
        received: received
            .iter()
            .map(|x| {
                (
                    x.program_code.clone(),
                    target_label(&programs, &x.program_code),
                    x.since.clone().unwrap_or_default(),
                    x.source.clone(),
                    x.recorded_by.clone(),
                )
            })
            .collect(),
        gaps: gaps
            .iter()
            .map(|(_, name, g)| (name.clone(), g.label().to_string()))
            .collect(),
        proposals: proposals
            .iter()
            .map(|x| ProposalView {
                id: x.id,
                target: target_label(&programs, &x.target),
                channel: label_of(&CHANNELS, &x.channel),
                date: crate::pages::tanggal(&x.proposed_date),
                cutoff: x.cutoff.clone(),
                reason: x.reason.clone(),
                result: label_of(&RESULTS, &x.result),
                result_code: x.result.clone(),
                result_reason: x.result_reason.clone().unwrap_or_default(),
                result_date: x.result_date.as_deref().map(crate::pages::tanggal).unwrap_or_default(),
                by: x.created_by.clone(),
            })
            .collect(),
        facilitations: {
            let standard = standard_minutes(state, 12).await.map_err(|e| PageError(e, lang))?;
            facilitations
                .iter()
                .map(|f| {
                    (
                        crate::pages::tanggal(&f.done_date),
                        label_of(&FACILITATIONS, &f.kind),
                        f.program_code
                            .as_deref()
                            .map(|c| target_label(&programs, c))
                            .unwrap_or_default(),
                        duration_label(f.minutes),
                        f.minutes > standard,
                        f.note.clone(),
                    )
                })
                .collect()
        },
        programs: programs
            .iter()
            .filter(|x| x.active)
            .map(|x| (x.code.clone(), x.name.clone()))
            .collect(),
        received_programs: received
            .iter()
            .map(|x| (x.program_code.clone(), target_label(&programs, &x.program_code)))
            .collect(),
        dtsen_options: DTSEN.to_vec(),
        channels: CHANNELS.to_vec(),
        results: RESULTS.to_vec(),
        kinds: FACILITATIONS.to_vec(),
        form,
        errors,
        typed,
        sesi: session.as_ref().map(|s| s.id.to_string()).unwrap_or_default(),
        session: session.map(|s| (s.id, s.kind)),
        can_coordinate: p.can(Action::CoordinateAssistance),
        can_propose: p.can(Action::ProposeAssistance),
        can_evaluate: p.can(Action::EvaluateProposals),
        can_facilitate: p.can(Action::FacilitateRecipients),
        today: today.to_string(),
        cutoff: cutoff_for(today),
        r,
    })
}

async fn person(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Query(q): Query<PersonQuery>,
) -> Result<Html<String>, PageError> {
    person_page(&state, &p, &info, rid, q.sesi, q.ok.as_deref(), None).await
}

type Fields = Vec<(String, String)>;

fn field(form: &Fields, k: &str) -> String {
    form.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn back(rid: i64, sesi: &str, ok: &str) -> Response {
    let s = if sesi.is_empty() {
        String::new()
    } else {
        format!("sesi={sesi}&")
    };
    Redirect::to(&format!(
        "/bantuan/warga/{rid}?{s}ok={ok}#{}",
        ok.trim_start_matches("bn.")
    ))
    .into_response()
}

/// The refused form again with what was typed and what to fix.
async fn refuse(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    rid: i64,
    form: &Fields,
    which: &'static str,
    errors: Vec<Finding>,
) -> Result<Response, PageError> {
    let typed = Typed {
        dtsen: field(form, "dtsen"),
        desil: field(form, "desil"),
        source: field(form, "source"),
        program: field(form, "program"),
        since: field(form, "since"),
        rsource: field(form, "rsource"),
        target: field(form, "target"),
        channel: field(form, "channel"),
        date: field(form, "date"),
        reason: field(form, "reason"),
        f_program: field(form, "f_program"),
        kind: field(form, "kind"),
        f_date: field(form, "f_date"),
        start: field(form, "start"),
        end: field(form, "end"),
        note: field(form, "note"),
    };
    let sesi = field(form, "sesi").parse().ok();
    let body = person_page(state, p, info, rid, sesi, None, Some((which, errors, typed))).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// The person within the user's scope, or "not found" (the same for another village's).
async fn in_scope(state: &AppState, p: &Principal, rid: i64, lang: crate::i18n::Lang) -> Result<WelfareRow, PageError> {
    state
        .db
        .welfare_row(rid, &p.scope)
        .await?
        .ok_or(PageError(AppError::NotFound, lang))
}

async fn set_dtsen(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    allow(&p, Action::CoordinateAssistance, info.lang)?;
    let r = in_scope(&state, &p, rid, info.lang).await?;
    let mut errors = Vec::new();
    let dtsen = match check_dtsen(&field(&form, "dtsen"), &field(&form, "desil")) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let source = field(&form, "source");
    if source.is_empty() {
        errors.push(Finding::error(
            "source_missing",
            "source",
            "Tulis sumber informasinya (misalnya Dinsos, SIKS-NG, Cek Bansos, desa).",
        ));
    } else if source.chars().count() > 200 {
        errors.push(Finding::error(
            "source_long",
            "source",
            "Sumber terlalu panjang: paling banyak 200 huruf.",
        ));
    }
    let Some(dtsen) = dtsen.filter(|_| errors.is_empty()) else {
        return refuse(&state, &p, &info, rid, &form, "dtsen", errors).await;
    };
    let sesi = field(&form, "sesi");
    let session = open_session_for(&state, &p, sesi.parse().ok(), "koordinasi", &r.desa_code)
        .await
        .map_err(|e| PageError(e, info.lang))?;
    state
        .db
        .set_dtsen(rid, dtsen, &source, session.map(|s| s.id), &p.actor(), state.now())
        .await?;
    Ok(back(rid, &sesi, "bn.saved_dtsen"))
}

async fn add_received(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    allow(&p, Action::CoordinateAssistance, info.lang)?;
    in_scope(&state, &p, rid, info.lang).await?;
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let program = field(&form, "program");
    let mut errors = Vec::new();
    if !programs.iter().any(|x| x.code == program) {
        errors.push(Finding::error(
            "program_missing",
            "program",
            "Pilih program bantuan yang diterima.",
        ));
    }
    let since = field(&form, "since");
    let since = if since.is_empty() {
        None
    } else {
        match crate::clock::parse_local_date(&since) {
            Some(d) if d <= today_wib(state.now()) => Some(d.to_string()),
            Some(_) => {
                errors.push(Finding::error(
                    "since_future",
                    "since",
                    "Tanggal mulai menerima tidak boleh setelah hari ini.",
                ));
                None
            }
            None => {
                errors.push(Finding::error(
                    "since_format",
                    "since",
                    "Tanggal mulai menerima: hari-bulan-tahun, atau kosongkan bila tidak tahu.",
                ));
                None
            }
        }
    };
    let source = field(&form, "rsource");
    if source.is_empty() || source.chars().count() > 200 {
        errors.push(Finding::error(
            "source_missing",
            "rsource",
            "Tulis sumber informasinya (misalnya data Dinsos, daftar desa, pengakuan keluarga).",
        ));
    }
    if !errors.is_empty() {
        return refuse(&state, &p, &info, rid, &form, "received", errors).await;
    }
    state
        .db
        .add_received(rid, &program, since.as_deref(), &source, &p.actor(), state.now())
        .await?;
    Ok(back(rid, &field(&form, "sesi"), "bn.saved_received"))
}

#[derive(serde::Deserialize)]
struct ProgramQuery {
    #[serde(default)]
    program: String,
}

async fn confirm_remove(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Query(q): Query<ProgramQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::CoordinateAssistance, info.lang)?;
    let r = in_scope(&state, &p, rid, info.lang).await?;
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    render(&ConfirmPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("confirm.title"), "/bantuan", None),
        question: format!(
            "Hapus catatan bahwa {} menerima {}? Hapus hanya bila catatannya keliru atau bantuannya sudah berhenti.",
            r.name,
            target_label(&programs, &q.program)
        ),
        action: format!("/bantuan/warga/{rid}/bantuan/hapus?program={}", enc(&q.program)),
        cancel: format!("/bantuan/warga/{rid}"),
    })
}

async fn remove_received(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Query(q): Query<ProgramQuery>,
) -> Result<Response, PageError> {
    allow(&p, Action::CoordinateAssistance, info.lang)?;
    in_scope(&state, &p, rid, info.lang).await?;
    match state.db.remove_received(rid, &q.program, &p.actor(), state.now()).await {
        Ok(()) | Err(jempol_store::StoreError::NotFound) => Ok(back(rid, "", "bn.removed")),
        Err(e) => Err(PageError(e.into(), info.lang)),
    }
}

async fn propose(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    allow(&p, Action::ProposeAssistance, info.lang)?;
    in_scope(&state, &p, rid, info.lang).await?;
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let today = today_wib(state.now());
    let input = ProposalInput {
        target: field(&form, "target"),
        channel: field(&form, "channel"),
        date: crate::clock::parse_local_date(&field(&form, "date")),
        reason: field(&form, "reason"),
    };
    let errors = check_proposal(&input, &programs, today);
    let Some(date) = input.date.filter(|_| errors.is_empty()) else {
        return refuse(&state, &p, &info, rid, &form, "proposal", errors).await;
    };
    let n = NewProposal {
        resident_id: rid,
        target: input.target.clone(),
        channel: input.channel.clone(),
        proposed_date: date.to_string(),
        cutoff: cutoff_for(date),
        reason: input.reason.clone(),
    };
    match state.db.add_proposal(&n, &p.actor(), state.now()).await {
        Ok(_) => Ok(back(rid, &field(&form, "sesi"), "bn.proposal_saved")),
        Err(jempol_store::StoreError::Conflict(why)) => {
            refuse(
                &state,
                &p,
                &info,
                rid,
                &form,
                "proposal",
                vec![Finding::error(
                    "proposal_conflict",
                    "target",
                    format!("Usulan tidak disimpan: {why}."),
                )],
            )
            .await
        }
        Err(e) => Err(PageError(e.into(), info.lang)),
    }
}

async fn decide(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    allow(&p, Action::EvaluateProposals, info.lang)?;
    let proposal = state
        .db
        .proposal(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    let rid = proposal.resident_id;
    let r = in_scope(&state, &p, rid, info.lang).await?;
    let result = field(&form, "result");
    let reason = field(&form, "result_reason");
    let date = crate::clock::parse_local_date(&field(&form, "result_date"));
    let mut errors = check_result(&result, &reason, date, today_wib(state.now()));
    if reason.chars().count() > 300 {
        errors.push(Finding::error(
            "result_reason_long",
            "result_reason",
            "Alasan terlalu panjang: paling banyak 300 huruf.",
        ));
    }
    if !errors.is_empty() {
        return refuse(&state, &p, &info, rid, &form, "result", errors).await;
    }
    let sesi = field(&form, "sesi");
    let session = open_session_for(&state, &p, sesi.parse().ok(), "evaluasi", &r.desa_code)
        .await
        .map_err(|e| PageError(e, info.lang))?;
    let date = date.filter(|_| result != "menunggu").map(|d| d.to_string());
    state
        .db
        .decide_proposal(
            id,
            &Decision {
                result,
                reason,
                date,
                session: session.map(|s| s.id),
            },
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(back(rid, &sesi, "bn.decided"))
}

async fn facilitate(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(rid): Path<i64>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    allow(&p, Action::FacilitateRecipients, info.lang)?;
    in_scope(&state, &p, rid, info.lang).await?;
    let mut errors = Vec::new();
    let kind = field(&form, "kind");
    if !FACILITATIONS.iter().any(|(k, _)| *k == kind) {
        errors.push(Finding::error(
            "kind_missing",
            "kind",
            "Pilih apa yang dilakukan untuk penerima.",
        ));
    }
    let received = state.db.received(Whose::Resident(rid)).await?;
    let program = Some(field(&form, "f_program")).filter(|c| !c.is_empty());
    if let Some(c) = &program
        && !received.iter().any(|x| &x.program_code == c)
    {
        errors.push(Finding::error(
            "program_not_received",
            "f_program",
            "Pilih salah satu bantuan yang diterima orang ini, atau kosongkan.",
        ));
    }
    let today = today_wib(state.now());
    let date = match crate::clock::parse_local_date(&field(&form, "f_date")) {
        Some(d) if d <= today => Some(d),
        Some(_) => {
            errors.push(Finding::error(
                "date_future",
                "f_date",
                "Tanggal fasilitasi tidak boleh setelah hari ini.",
            ));
            None
        }
        None => {
            errors.push(Finding::error(
                "date_missing",
                "f_date",
                "Isi tanggal fasilitasi (hari-bulan-tahun).",
            ));
            None
        }
    };
    let minutes = match facilitation_minutes(&field(&form, "start"), &field(&form, "end")) {
        Ok(m) => Some(m),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let note = field(&form, "note");
    if kind == "lainnya" && note.is_empty() {
        errors.push(Finding::error(
            "note_missing",
            "note",
            "\"Lainnya\": tulis apa yang dilakukan.",
        ));
    }
    if note.chars().count() > 500 {
        errors.push(Finding::error(
            "note_long",
            "note",
            "Keterangan terlalu panjang: paling banyak 500 huruf.",
        ));
    }
    let (Some(date), Some(minutes)) = (date, minutes) else {
        return refuse(&state, &p, &info, rid, &form, "facilitation", errors).await;
    };
    if !errors.is_empty() {
        return refuse(&state, &p, &info, rid, &form, "facilitation", errors).await;
    }
    state
        .db
        .add_facilitation(
            &NewFacilitation {
                resident_id: rid,
                program_code: program,
                kind,
                done_date: date.to_string(),
                minutes,
                note,
            },
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(back(rid, "", "bn.facilitated"))
}
