//! SOP step 5 in the field: "Kunjungan saya", the officer's visits of a day in plan order, from
//! the schedules the Camat approved for the teams the officer is in, with what each visit needs
//! (address, phone, needs, the meeting's arrangements, when the family says the person is home)
//! and the form to record its outcome.
//!
//! The pages work without JavaScript (a form post per outcome). With it, `field.js` and the
//! service worker make them work offline: the officer's own days are cached on the device, an
//! outcome goes into an outbox in IndexedDB with an id of its own and is sent when the
//! connection is there (`POST /lapangan/sinkron`); the outbox survives reloads and restarts and
//! can be exported to a file, which `POST /lapangan/impor` takes in. The id makes every way of
//! sending apply an outcome exactly once; the outcome the device saw as current (its base)
//! makes a second officer's outcome for the same person a conflict for the Kasi.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::i18n::{Lang, Tr};
use crate::letters::{hari, tanggal};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::visit::{Capture, MODALITIES, NOT_RECORDED, OutcomeInput};
use jempol_store::campaigns::{Campaign, Member};
use jempol_store::visits::{NewOutcome, Receipt, StoredOutcome};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

pub fn routes() -> Routes {
    Routes::new()
        .route("/lapangan", get(Access::Act(Action::RecordVisits), my_visits))
        .route("/lapangan/hasil", post(Access::Act(Action::RecordVisits), record_form))
        .route("/lapangan/sinkron", post(Access::Act(Action::RecordVisits), sync))
        .route(
            "/lapangan/impor",
            get(Access::Act(Action::RecordVisits), import_page).post(Access::Act(Action::RecordVisits), import_file),
        )
        .route("/lapangan/warga-baru", post(Access::Act(Action::RecordVisits), walkin))
        .route("/lapangan/slip.pdf", get(Access::Act(Action::RecordVisits), slips))
        .route("/sw.js", get(Access::Public, service_worker))
}

const SW: &str = include_str!("../assets/sw.js");

/// The service worker, served from the root so it may control `/lapangan`.
async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SW,
    )
        .into_response()
}

/// A campaign the officer records in, with what the field pages need of it.
struct Assignment {
    campaign: Campaign,
    team: String,
    plan: jempol_plan::Plan,
    members: HashMap<i64, Member>,
    outcomes: HashMap<i64, StoredOutcome>,
    desa: HashMap<String, String>,
    /// Tracking codes for the visit slips, by resident.
    codes: HashMap<i64, String>,
}

async fn assignments(state: &AppState, p: &Principal) -> Result<(bool, Vec<Assignment>), AppError> {
    let teams = state.db.teams_of_user(p.user.id).await?;
    let mut out = Vec::new();
    for (campaign_id, team) in &teams {
        let Some(campaign) = state.db.campaign(*campaign_id).await? else {
            continue;
        };
        if !p.scope.contains_kecamatan(&campaign.kecamatan_code) {
            continue;
        }
        let Some((_, plan_json)) = state.db.approved_plan(*campaign_id).await? else {
            continue;
        };
        let Ok(plan) = serde_json::from_str::<jempol_plan::Plan>(&plan_json) else {
            continue;
        };
        let members = state
            .db
            .campaign_members(*campaign_id)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let outcomes = state.db.current_outcomes(*campaign_id).await?;
        state
            .db
            .ensure_tracking_codes(*campaign_id, || {
                let mut b = [0u8; 8];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
                b
            })
            .await?;
        let codes = state.db.tracking_codes(*campaign_id).await?;
        let desa = state
            .db
            .region_children(&campaign.kecamatan_code)
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect();
        out.push(Assignment {
            campaign,
            team: team.clone(),
            plan,
            members,
            outcomes,
            desa,
            codes,
        });
    }
    Ok((!teams.is_empty(), out))
}

/// Where a visit of the assignment falls: its planned day and time, or the day it was moved to.
struct Slot<'a> {
    resident_id: i64,
    date: Date,
    time: String,
    member: &'a Member,
    moved: bool,
}

impl Assignment {
    fn slots(&self) -> Vec<Slot<'_>> {
        let mut out = Vec::new();
        for route in self.plan.routes.iter().filter(|r| r.team == self.team) {
            for st in &route.stops {
                let Ok(id) = st.id.parse::<i64>() else { continue };
                let Some(member) = self.members.get(&id) else { continue };
                let moved = self
                    .outcomes
                    .get(&id)
                    .and_then(rescheduled_to)
                    .is_some_and(|d| d != route.date);
                if !moved {
                    out.push(Slot {
                        resident_id: id,
                        date: route.date,
                        time: hm(st.start),
                        member,
                        moved: false,
                    });
                }
            }
        }
        for m in self.members.values() {
            let found_here = m.walkin_team.as_deref() == Some(self.team.as_str());
            let moved = self.outcomes.get(&m.id).and_then(rescheduled_to).is_some();
            if let (true, false, Some(d)) = (found_here, moved, m.walkin_date.as_deref().and_then(|d| d.parse().ok())) {
                out.push(Slot {
                    resident_id: m.id,
                    date: d,
                    time: String::new(),
                    member: m,
                    moved: false,
                });
            }
        }
        for (id, o) in &self.outcomes {
            let (Some(d), Some(member)) = (rescheduled_to(o), self.members.get(id)) else {
                continue;
            };
            let planned_here = self
                .plan
                .routes
                .iter()
                .any(|r| r.team == self.team && r.date == d && r.stops.iter().any(|s| s.id == id.to_string()));
            if o.team.as_deref() == Some(self.team.as_str()) && !planned_here {
                out.push(Slot {
                    resident_id: *id,
                    date: d,
                    time: String::new(),
                    member,
                    moved: true,
                });
            }
        }
        out
    }
}

fn rescheduled_to(o: &StoredOutcome) -> Option<Date> {
    (o.kind == "dijadwal_ulang")
        .then(|| o.reschedule_date.as_deref().and_then(|d| d.parse().ok()))
        .flatten()
}

fn hm(t: jiff::civil::Time) -> String {
    format!("{:02}.{:02}", t.hour(), t.minute())
}

fn address_of(m: &Member) -> String {
    [
        m.address.clone().unwrap_or_default(),
        m.dusun
            .clone()
            .filter(|d| !d.trim().is_empty())
            .map(|d| format!("Dusun {d}"))
            .unwrap_or_default(),
        match (&m.rt, &m.rw) {
            (Some(rt), Some(rw)) if !rt.is_empty() => format!("RT {rt}/RW {rw}"),
            _ => String::new(),
        },
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .fold(Vec::<String>::new(), |mut acc, x| {
        if !acc.iter().any(|a| a.to_uppercase().contains(&x.to_uppercase())) {
            acc.push(x);
        }
        acc
    })
    .join(", ")
}

// ---------- the outcome form ----------

struct CapView {
    code: &'static str,
    label: &'static str,
    captured: bool,
    reason: String,
}

/// The outcome form of one visit: defaults from the person's needs, or what was typed.
struct FormView {
    client_id: String,
    base: String,
    kind: String,
    caps: Vec<CapView>,
    exception_reported: bool,
    reason: String,
    note: String,
    date: String,
    errors: Vec<String>,
}

impl FormView {
    fn fresh(m: &Member, base: String) -> FormView {
        let caps = MODALITIES
            .iter()
            .map(|(code, label)| {
                let impossible = match *code {
                    "sidik_jari" => m
                        .fingerprints_impossible
                        .then_some("sidik jari tidak mungkin diambil (data desa)"),
                    "iris" => m.iris_impossible.then_some("iris tidak mungkin diambil (data desa)"),
                    "tanda_tangan" => m.cannot_sign.then_some("tidak bisa tanda tangan (data desa)"),
                    _ => None,
                };
                CapView {
                    code,
                    label,
                    captured: impossible.is_none(),
                    reason: impossible.unwrap_or_default().to_string(),
                }
            })
            .collect();
        FormView {
            client_id: crate::auth::random_token(16),
            base,
            kind: String::new(),
            caps,
            exception_reported: false,
            reason: String::new(),
            note: String::new(),
            date: String::new(),
            errors: vec![],
        }
    }

    fn typed(f: &OutcomeFields, input: &OutcomeInput, errors: Vec<String>) -> FormView {
        FormView {
            client_id: f.client_id.clone(),
            base: f.base.clone(),
            kind: input.kind.clone(),
            caps: MODALITIES
                .iter()
                .map(|(code, label)| {
                    let c = input.captures.iter().find(|c| c.modality == *code);
                    CapView {
                        code,
                        label,
                        captured: c.is_some_and(|c| c.captured),
                        reason: c.map(|c| c.reason.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            exception_reported: input.exception_reported,
            reason: input.reason.clone(),
            note: input.note.clone(),
            date: input.date.clone(),
            errors,
        }
    }
}

struct VisitView {
    key: String,
    code: String,
    campaign_id: i64,
    resident_id: i64,
    time: String,
    name: String,
    nik: String,
    desa: String,
    address: String,
    phone: String,
    needs: String,
    home_times: String,
    moved: bool,
    /// The current outcome in words, and its class (`ok`, `warning`, `muted`).
    state: String,
    state_class: &'static str,
    form: FormView,
}

fn state_text(o: &StoredOutcome) -> (String, &'static str) {
    match o.kind.as_str() {
        "terekam" => {
            let missing: Vec<&str> = o
                .captures
                .iter()
                .filter(|c| !c.captured)
                .map(|c| jempol_core::visit::modality_label(&c.modality))
                .collect();
            if missing.is_empty() {
                ("Terekam".into(), "ok")
            } else {
                (format!("Terekam, tanpa: {}", missing.join(", ").to_lowercase()), "ok")
            }
        }
        "tidak_terekam" => (
            format!(
                "Tidak terekam: {}",
                jempol_core::visit::reason_label(o.reason.as_deref().unwrap_or("")).to_lowercase()
            ),
            "warning",
        ),
        "dijadwal_ulang" => (
            format!(
                "Dijadwal ulang: {}",
                o.reschedule_date
                    .as_deref()
                    .map(crate::pages::tanggal)
                    .unwrap_or_default()
            ),
            "muted",
        ),
        _ => (String::new(), "muted"),
    }
}

struct Round {
    campaign: String,
    campaign_id: i64,
    /// The kecamatan's desa, for a person found on site: (code, name).
    desa_options: Vec<(String, String)>,
    /// A fresh id for the walk-in form.
    walkin_id: String,
    team: String,
    leave: String,
    back: String,
    start: String,
    end: String,
    visits: Vec<VisitView>,
}

#[derive(Template)]
#[template(path = "field.html")]
struct FieldPage {
    l: Layout,
    day: String,
    day_iso: String,
    prev: String,
    next: String,
    in_a_team: bool,
    rounds: Vec<Round>,
    /// Every day the officer has visits on, for the device to keep offline.
    days: String,
    user: String,
    /// When the page was made (ms): the device shows outcomes sent after it over a kept copy.
    rendered: i64,
    reasons: Vec<(&'static str, &'static str)>,
    ragam: Vec<&'static str>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct DayQuery {
    tanggal: Option<String>,
    ok: Option<String>,
}

async fn my_visits(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<DayQuery>,
) -> Result<Response, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    let day = q
        .tanggal
        .as_deref()
        .and_then(crate::clock::parse_local_date)
        .unwrap_or(today_wib(state.now()));
    Ok(field_page(&state, &p, info.lang, day, q.ok.as_deref(), None)
        .await?
        .into_response())
}

/// A visit whose form came back with errors: shown open with what was typed.
struct Failed {
    campaign_id: i64,
    resident_id: i64,
    form: FormView,
}

async fn field_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    day: Date,
    ok: Option<&str>,
    failed: Option<Failed>,
) -> Result<Html<String>, PageError> {
    let (in_a_team, assigned) = assignments(state, p).await?;
    let mut failed = failed;
    let mut rounds = Vec::new();
    let mut days = BTreeSet::new();
    for a in &assigned {
        let slots = a.slots();
        days.extend(slots.iter().map(|s| s.date));
        let route = a.plan.routes.iter().find(|r| r.team == a.team && r.date == day);
        let visits: Vec<VisitView> = slots
            .iter()
            .filter(|s| s.date == day)
            .map(|s| {
                let m = s.member;
                let current = a.outcomes.get(&s.resident_id);
                let (state_txt, state_class) = current.map(state_text).unwrap_or_default();
                let base = current.map(|o| o.client_id.clone()).unwrap_or_default();
                let form = match failed.take_if(|f| f.campaign_id == a.campaign.id && f.resident_id == s.resident_id) {
                    Some(f) => f.form,
                    None => FormView::fresh(m, base),
                };
                VisitView {
                    key: format!("{}-{}", a.campaign.id, s.resident_id),
                    code: a.codes.get(&s.resident_id).cloned().unwrap_or_default(),
                    campaign_id: a.campaign.id,
                    resident_id: s.resident_id,
                    time: s.time.clone(),
                    name: m.name.clone(),
                    nik: jempol_core::nik::mask(&m.nik),
                    desa: a.desa.get(&m.desa_code).cloned().unwrap_or_default(),
                    address: address_of(m),
                    phone: m.phone.clone().unwrap_or_default(),
                    needs: [
                        crate::campaign_pages::needs_text(m),
                        m.arrangement.clone().unwrap_or_default(),
                    ]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
                    home_times: m.home_times.clone().unwrap_or_default(),
                    moved: s.moved,
                    state: state_txt,
                    state_class,
                    form,
                }
            })
            .collect();
        if route.is_none() && visits.is_empty() {
            continue;
        }
        let mut desa_options: Vec<(String, String)> = a.desa.iter().map(|(c, n)| (c.clone(), n.clone())).collect();
        desa_options.sort_by(|x, y| x.1.cmp(&y.1));
        rounds.push(Round {
            campaign: a.campaign.name.clone(),
            campaign_id: a.campaign.id,
            desa_options,
            walkin_id: crate::auth::random_token(16),
            team: a.team.clone(),
            leave: route.map(|r| hm(r.leave)).unwrap_or_default(),
            back: route.map(|r| hm(r.back)).unwrap_or_default(),
            start: a.campaign.start_date.clone(),
            end: a.campaign.end_date.clone(),
            visits,
        });
    }
    // A form that came back for a visit not on this day: its messages at the top.
    let error = failed.map(|f| format!("Hasil belum disimpan: {}", f.form.errors.join(" ")));
    let step = |d: Date, n: i64| {
        d.checked_add(jiff::Span::new().days(n))
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    render(&FieldPage {
        l: layout(lang, Some(p), Tr(lang).s("field.title"), "/lapangan", ok),
        day: format!("{}, {}", hari(day), tanggal(day)),
        day_iso: day.to_string(),
        prev: step(day, -1),
        next: step(day, 1),
        in_a_team,
        rounds,
        days: days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(","),
        user: p.user.username.clone(),
        rendered: state.now(),
        reasons: NOT_RECORDED.iter().map(|(k, l, _)| (*k, *l)).collect(),
        ragam: crate::submission_pages::RAGAM.to_vec(),
        error,
    })
}

// ---------- receiving outcomes ----------

/// The fields of one outcome as a form (or a device) sends them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OutcomeFields {
    /// `walkin` for a person found on site; otherwise an outcome.
    #[serde(default, rename = "type")]
    pub kind: String,
    pub client_id: String,
    pub campaign_id: i64,
    pub resident_id: i64,
    #[serde(default)]
    pub base: String,
    /// When the officer recorded it, by the device's clock (ms); 0 when sent by a form.
    #[serde(default)]
    pub recorded_at: i64,
    #[serde(default)]
    pub fields: HashMap<String, String>,
}

impl OutcomeFields {
    fn input(&self) -> OutcomeInput {
        let f = |k: &str| self.fields.get(k).cloned().unwrap_or_default();
        OutcomeInput {
            kind: f("kind"),
            captures: MODALITIES
                .iter()
                .map(|(code, _)| Capture {
                    modality: code.to_string(),
                    captured: !f(&format!("cap_{code}")).is_empty(),
                    reason: f(&format!("why_{code}")),
                })
                .collect(),
            exception_reported: !f("exception_reported").is_empty(),
            reason: f("reason"),
            note: f("note"),
            date: f("date"),
        }
    }
}

fn valid_client_id(s: &str) -> bool {
    (8..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What became of one outcome sent.
#[derive(Debug, Serialize)]
struct Answer {
    client_id: String,
    /// `applied`, `conflict`, `already_applied`, `already_conflict`, `invalid`, `refused`.
    status: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<String>,
}

/// Checks and stores one outcome. The officer must be in a team of the campaign and the
/// person in the campaign; the outcome must pass the step 5 rules.
async fn receive(state: &AppState, p: &Principal, f: &OutcomeFields, via: &'static str) -> Answer {
    let answer = |status: &str, messages: Vec<String>| Answer {
        client_id: f.client_id.clone(),
        status: status.to_string(),
        messages,
    };
    if !valid_client_id(&f.client_id) {
        return answer(
            "invalid",
            vec!["Id hasil kunjungan tidak sah; catat ulang kunjungan ini.".into()],
        );
    }
    let refused = || {
        answer(
            "refused",
            vec!["Warga ini tidak ada dalam jadwal tim Anda; hasilnya tidak disimpan. Hubungi Kasi Pelayanan.".into()],
        )
    };
    let team = match state.db.teams_of_user(p.user.id).await {
        Ok(teams) => teams.into_iter().find(|(c, _)| *c == f.campaign_id).map(|(_, t)| t),
        Err(e) => {
            tracing::warn!(client_id = %f.client_id, error = %e, "visit outcome: campaign or team unreadable");
            return answer("error", vec![AppError::from(e).message_id()]);
        }
    };
    let Some(team) = team else { return refused() };
    let campaign = match state.db.campaign(f.campaign_id).await {
        Ok(Some(c)) if p.scope.contains_kecamatan(&c.kecamatan_code) => c,
        Ok(_) => return refused(),
        Err(e) => {
            tracing::warn!(client_id = %f.client_id, error = %e, "visit outcome: campaign or team unreadable");
            return answer("error", vec![AppError::from(e).message_id()]);
        }
    };
    let (Ok(start), Ok(end)) = (campaign.start_date.parse::<Date>(), campaign.end_date.parse::<Date>()) else {
        return refused();
    };
    let cal = match crate::calendar_pages::calendar(state).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(client_id = %f.client_id, error = %e, "visit outcome: calendar unreadable");
            return answer("error", vec![e.message_id()]);
        }
    };
    let input = f.input();
    let outcome = match jempol_core::visit::check(&input, (start, end), |d| cal.is_working_day(d)) {
        Ok(o) => o,
        Err(findings) => return answer("invalid", findings.into_iter().map(|x| x.message).collect()),
    };
    let now = state.now();
    let n = NewOutcome {
        client_id: f.client_id.clone(),
        campaign_id: f.campaign_id,
        resident_id: f.resident_id,
        base_client_id: Some(f.base.clone()).filter(|b| !b.is_empty()),
        outcome,
        team: Some(team),
        recorded_at: if f.recorded_at > 0 { f.recorded_at } else { now },
        via,
    };
    match state.db.record_outcome(&n, &p.actor(), now).await {
        Ok(Receipt::Applied) => answer("applied", vec![]),
        Ok(Receipt::Conflict) => answer(
            "conflict",
            vec![
                "Warga ini sudah dicatat petugas lain; Kasi Pelayanan akan memutuskan hasil mana yang dipakai.".into(),
            ],
        ),
        Ok(Receipt::AlreadyApplied) => answer("already_applied", vec![]),
        Ok(Receipt::AlreadyConflict) => answer("already_conflict", vec![]),
        Err(jempol_store::StoreError::NotFound) => refused(),
        Err(jempol_store::StoreError::Conflict(why)) => {
            answer("refused", vec![format!("Hasil tidak disimpan: {why}.")])
        }
        Err(e) => {
            tracing::warn!(client_id = %f.client_id, error = %e, "visit outcome not stored");
            answer("error", vec![AppError::from(e).message_id()])
        }
    }
}

/// The form post of one outcome (the page without JavaScript).
async fn record_form(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    let fields: HashMap<String, String> = form.into_iter().collect();
    let num = |k: &str| fields.get(k).and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0);
    let f = OutcomeFields {
        kind: String::new(),
        client_id: fields.get("client_id").cloned().unwrap_or_default(),
        campaign_id: num("campaign_id"),
        resident_id: num("resident_id"),
        base: fields.get("base").cloned().unwrap_or_default(),
        recorded_at: 0,
        fields: fields.clone(),
    };
    let day = fields
        .get("day")
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or(today_wib(state.now()));
    let a = receive(&state, &p, &f, "formulir").await;
    match a.status.as_str() {
        "applied" | "already_applied" => Ok(Redirect::to(&format!(
            "/lapangan?tanggal={day}&ok=field.saved#v{}-{}",
            f.campaign_id, f.resident_id
        ))
        .into_response()),
        "conflict" | "already_conflict" => Ok(Redirect::to(&format!(
            "/lapangan?tanggal={day}&ok=field.conflict#v{}-{}",
            f.campaign_id, f.resident_id
        ))
        .into_response()),
        "refused" => Err(PageError(AppError::NotFound, info.lang)),
        _ => {
            let failed = Failed {
                campaign_id: f.campaign_id,
                resident_id: f.resident_id,
                form: FormView::typed(&f, &f.input(), a.messages),
            };
            let page = field_page(&state, &p, info.lang, day, None, Some(failed)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize)]
struct SyncBody {
    outcomes: Vec<OutcomeFields>,
}

#[derive(Serialize)]
struct SyncAnswer {
    results: Vec<Answer>,
}

/// The device's outbox, sent as JSON with the CSRF header. Each outcome is answered on its
/// own; the device keeps those answered `invalid` or `error` and drops the rest.
async fn sync(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Json(body): Json<SyncBody>,
) -> Result<Response, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    if body.outcomes.len() > 500 {
        return Err(PageError(
            AppError::Invalid("Terlalu banyak hasil sekaligus (lebih dari 500).".into()),
            info.lang,
        ));
    }
    let mut results = Vec::with_capacity(body.outcomes.len());
    for f in &body.outcomes {
        results.push(receive(&state, &p, f, "perangkat").await);
    }
    Ok(Json(SyncAnswer { results }).into_response())
}

// ---------- taking in an exported file ----------

/// The file "Ekspor yang belum terkirim" writes.
#[derive(Deserialize)]
struct ExportFile {
    format: String,
    outcomes: Vec<OutcomeFields>,
}

struct ImportLine {
    client_id: String,
    status: String,
    messages: String,
}

#[derive(Template)]
#[template(path = "field_import.html")]
struct ImportPage {
    l: Layout,
    upload_action: String,
    error: Option<String>,
    lines: Vec<ImportLine>,
    counts: Vec<(String, usize)>,
}

fn import_status(s: &str) -> &'static str {
    match s {
        "applied" => "diterima",
        "conflict" => "konflik, diputuskan Kasi",
        "already_applied" | "already_conflict" => "sudah diterima sebelumnya",
        "invalid" => "perlu diperbaiki",
        "refused" => "bukan jadwal tim Anda",
        _ => "gagal, coba lagi",
    }
}

async fn import_page(
    State(_state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    render(&ImportPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("field.import"),
            "/lapangan/impor",
            None,
        ),
        upload_action: format!("/lapangan/impor?csrf_token={}", p.csrf),
        error: None,
        lines: vec![],
        counts: vec![],
    })
}

async fn import_file(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    form: Multipart,
) -> Result<Response, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    let mut page = ImportPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("field.import"),
            "/lapangan/impor",
            None,
        ),
        upload_action: format!("/lapangan/impor?csrf_token={}", p.csrf),
        error: None,
        lines: vec![],
        counts: vec![],
    };
    let parts = crate::upload::read(form).await;
    let parsed = match parts
        .problem()
        .map_or_else(|| Ok(parts.file("berkas", "hasil.json")), Err)
    {
        Err(why) => Err(why),
        Ok(None) => Err("Pilih berkas hasil ekspor (berakhiran .json) dari perangkat petugas.".to_string()),
        Ok(Some((_, b))) => match serde_json::from_slice::<ExportFile>(&b) {
            Ok(f) if f.format == "jempol-hasil-kunjungan" => Ok(f),
            _ => Err(
                "Berkas ini bukan hasil \"Ekspor yang belum terkirim\" dari Jempol; tidak ada yang disimpan."
                    .to_string(),
            ),
        },
    };
    match parsed {
        Err(e) => {
            page.error = Some(e);
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        Ok(file) => {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for f in file.outcomes.iter().take(2000) {
                let a = if f.kind == "walkin" {
                    let mut fields = f.fields.clone();
                    fields.insert("client_id".into(), f.client_id.clone());
                    match serde_json::to_value(&fields).and_then(serde_json::from_value::<WalkinForm>) {
                        Ok(w) => match add_found(&state, &p, w).await {
                            Ok(found) => Answer {
                                client_id: f.client_id.clone(),
                                status: found.status.to_string(),
                                messages: found.messages,
                            },
                            Err(_) => Answer {
                                client_id: f.client_id.clone(),
                                status: "refused".into(),
                                messages: vec![],
                            },
                        },
                        Err(_) => Answer {
                            client_id: f.client_id.clone(),
                            status: "invalid".into(),
                            messages: vec!["Data warga baru di berkas ini tidak terbaca.".into()],
                        },
                    }
                } else {
                    receive(&state, &p, f, "berkas").await
                };
                let label = import_status(&a.status).to_string();
                match counts.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((label.clone(), 1)),
                }
                page.lines.push(ImportLine {
                    client_id: a.client_id,
                    status: label,
                    messages: a.messages.join(" "),
                });
            }
            page.counts = counts;
        }
    }
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_ids_are_short_plain_tokens() {
        assert!(valid_client_id("a1b2c3d4e5f6"));
        assert!(valid_client_id("0f8c-41d2_9a"));
        assert!(!valid_client_id("short"));
        assert!(!valid_client_id("has space in it"));
        assert!(!valid_client_id(&"x".repeat(65)));
    }

    #[test]
    fn form_fields_become_the_outcome_input() {
        let mut fields = HashMap::new();
        fields.insert("kind".to_string(), "terekam".to_string());
        fields.insert("cap_foto".to_string(), "1".to_string());
        fields.insert("cap_iris".to_string(), "1".to_string());
        fields.insert("cap_tanda_tangan".to_string(), "1".to_string());
        fields.insert("why_sidik_jari".to_string(), "jari tidak ada".to_string());
        let f = OutcomeFields {
            fields,
            ..Default::default()
        };
        let input = f.input();
        assert_eq!(input.kind, "terekam");
        let fp = input.captures.iter().find(|c| c.modality == "sidik_jari");
        assert!(fp.is_some_and(|c| !c.captured && c.reason == "jari tidak ada"));
        assert_eq!(input.captures.iter().filter(|c| c.captured).count(), 3);
    }
}

// ---------- a person found on site ----------

/// The walk-in form: the one-person form of step 1 with the campaign, the desa and an id.
#[derive(Deserialize, Default, Clone)]
struct WalkinForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    campaign_id: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    desa: String,
    #[serde(flatten)]
    person: crate::submission_pages::PersonForm,
}

#[derive(Template)]
#[template(path = "walkin.html")]
struct WalkinPage {
    l: Layout,
    f: crate::submission_pages::PersonForm,
    w: WalkinView,
    errors: std::collections::BTreeMap<String, Vec<String>>,
    general: Vec<String>,
    ragam: Vec<&'static str>,
    desa_options: Vec<(String, String)>,
}

struct WalkinView {
    client_id: String,
    campaign_id: String,
    day: String,
    desa: String,
}

impl WalkinPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|v| v.join(" "))
    }
}

#[derive(Serialize)]
struct WalkinAnswer {
    client_id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resident_id: Option<i64>,
}

/// What became of a person found on site.
struct Found {
    status: &'static str,
    messages: Vec<String>,
    resident_id: Option<i64>,
    /// Errors per field for the form.
    errors: std::collections::BTreeMap<String, Vec<String>>,
    day: Date,
    form: WalkinForm,
}

/// A person found on site who is not on the list: checked by step 1's rules, verified by the
/// officer who found them, and added to the campaign as a visit of their team that day. The
/// form's id makes a resend (a device syncing again, an imported file) add them once. Not the
/// officer's campaign: `NotFound`.
async fn add_found(state: &AppState, p: &Principal, mut f: WalkinForm) -> Result<Found, AppError> {
    let campaign_id: i64 = f.campaign_id.trim().parse().unwrap_or(0);
    let today = today_wib(state.now());
    let day = f.day.parse::<Date>().unwrap_or(today);
    let mut found = Found {
        status: "invalid",
        messages: vec![],
        resident_id: None,
        errors: Default::default(),
        day,
        form: f.clone(),
    };
    if !valid_client_id(&f.client_id) {
        found
            .messages
            .push("Id formulir tidak sah; buka ulang halaman dan isi lagi.".into());
        return Ok(found);
    }
    if let Some((_, rid)) = state.db.walkin_by_client(&f.client_id).await? {
        found.status = "already_applied";
        found.resident_id = Some(rid);
        return Ok(found);
    }
    let team = state
        .db
        .teams_of_user(p.user.id)
        .await?
        .into_iter()
        .find(|(c, _)| *c == campaign_id)
        .map(|(_, t)| t);
    let campaign = state.db.campaign(campaign_id).await?;
    let (Some(team), Some(campaign)) = (team, campaign.filter(|c| p.scope.contains_kecamatan(&c.kecamatan_code)))
    else {
        return Err(AppError::NotFound);
    };
    let desa = match crate::intake::check_desa(&state.db, &state.config.deployment, f.desa.trim()).await {
        Ok(d) if jempol_core::region::is_within(&d.code, &campaign.kecamatan_code) => Some(d),
        _ => {
            found
                .errors
                .entry("desa".into())
                .or_default()
                .push("Pilih desa tempat warga tinggal.".into());
            None
        }
    };
    let (mut report, person_errors, warnings, rejected) =
        crate::submission_pages::check_person(state, &mut f.person, today).await?;
    for (k, v) in person_errors {
        found.errors.entry(k).or_default().extend(v);
    }
    found.form = f.clone();
    if let (Some(desa), true, false) = (&desa, found.errors.is_empty(), rejected) {
        let sid = crate::intake::send(
            &state.db,
            desa,
            "lapangan",
            Some(&format!("ditemukan di lokasi ({team})")),
            &mut report,
            &p.actor(),
            state.now(),
        )
        .await?;
        let w = jempol_store::visits::Walkin {
            client_id: f.client_id.clone(),
            campaign_id,
            submission_id: sid,
            team,
            date: day.to_string(),
        };
        let rid = state.db.add_walkin(&w, &p.actor(), state.now()).await?;
        found.status = "applied";
        found.messages = warnings;
        found.resident_id = Some(rid);
        return Ok(found);
    }
    found.messages = found.errors.values().flatten().cloned().collect();
    if found.messages.is_empty() {
        found
            .messages
            .push("Data warga belum bisa disimpan; periksa isiannya.".into());
    }
    Ok(found)
}

/// The walk-in form's address. A device asks for JSON (`Accept: application/json`); a plain
/// form gets the page.
async fn walkin(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    headers: axum::http::HeaderMap,
    Form(f): Form<WalkinForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let client_id = f.client_id.clone();
    let found = add_found(&state, &p, f).await.map_err(|e| PageError(e, info.lang))?;
    let campaign_id = found.form.campaign_id.clone();
    if wants_json {
        let status = if found.status == "invalid" {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        };
        let body = Json(WalkinAnswer {
            client_id,
            status: found.status,
            messages: found.messages,
            resident_id: found.resident_id,
        });
        return Ok((status, body).into_response());
    }
    if found.status != "invalid" {
        let anchor = found
            .resident_id
            .map(|r| format!("#v{campaign_id}-{r}"))
            .unwrap_or_default();
        return Ok(Redirect::to(&format!(
            "/lapangan?tanggal={}&ok=field.walkin_added{anchor}",
            found.day
        ))
        .into_response());
    }
    let kecamatan = match campaign_id.trim().parse::<i64>() {
        Ok(id) => state
            .db
            .campaign(id)
            .await?
            .map(|c| c.kecamatan_code)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut desa_options: Vec<(String, String)> = state
        .db
        .region_children(&kecamatan)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    desa_options.sort_by(|x, y| x.1.cmp(&y.1));
    let general = if found.errors.is_empty() {
        found.messages.clone()
    } else {
        vec![]
    };
    let page = render(&WalkinPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("field.walkin"), "/lapangan", None),
        w: WalkinView {
            client_id: found.form.client_id.clone(),
            campaign_id: campaign_id.clone(),
            day: found.day.to_string(),
            desa: found.form.desa.clone(),
        },
        f: found.form.person,
        errors: found.errors,
        general,
        ragam: crate::submission_pages::RAGAM.to_vec(),
        desa_options,
    })?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The visit slips of a day: one per visit, with the tracking code the family uses on the
/// public status page, to leave at the house.
async fn slips(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    headers: axum::http::HeaderMap,
    Query(q): Query<DayQuery>,
) -> Result<Response, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    let day = q
        .tanggal
        .as_deref()
        .and_then(crate::clock::parse_local_date)
        .unwrap_or(today_wib(state.now()));
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("jempol")
        .to_string();
    let (_, assigned) = assignments(&state, &p).await?;
    let mut blocks = Vec::new();
    let mut kecamatan = String::new();
    for a in &assigned {
        kecamatan = a.campaign.kecamatan_code.clone();
        for s in a.slots().iter().filter(|s| s.date == day) {
            if !blocks.is_empty() {
                blocks.push(jempol_docs::Block::Space(18.0));
            }
            blocks.push(jempol_docs::Block::Heading(
                "SLIP KUNJUNGAN PEREKAMAN E-KTP (JEMPUT BOLA)".into(),
            ));
            blocks.push(jempol_docs::Block::Fields(vec![
                ("Nama".into(), s.member.name.clone()),
                ("Tanggal kunjungan".into(), format!("{}, {}", hari(day), tanggal(day))),
                ("Tim".into(), a.team.clone()),
                (
                    "Kode lacak".into(),
                    a.codes.get(&s.resident_id).cloned().unwrap_or_default(),
                ),
            ]));
            blocks.push(jempol_docs::Block::Para(format!(
                "Simpan slip ini. Untuk mengetahui tahap e-KTP (dicetak, sudah di kecamatan, sudah di desa), buka {host}/cek lalu masukkan kode lacak dan tahun lahir warga."
            )));
        }
    }
    if blocks.is_empty() {
        return Err(PageError(
            AppError::Invalid("Tidak ada kunjungan Anda pada hari ini, jadi tidak ada slip.".into()),
            info.lang,
        ));
    }
    let head = crate::letters::letterhead(&state, &kecamatan).await?;
    blocks.insert(0, head.block());
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::A4,
        title: format!("Slip kunjungan {day}"),
        blocks,
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "field.slips",
            "user",
            Some(&p.user.id.to_string()),
            Some(serde_json::json!({"format": "pdf", "day": day.to_string()})),
        )
        .await?;
    Ok(crate::letters::pdf_response(&format!("slip-kunjungan-{day}.pdf"), body))
}
