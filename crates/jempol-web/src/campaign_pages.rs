//! Campaigns (gelombang) and SOP step 4 in the browser: the Kasi opens a campaign for the
//! kecamatan, gathers the verified residents, forms the recording teams, and has the planner
//! propose the home-visit schedule; the Kasi approves it, then the Camat (step 4 done). Staff
//! and Dispendukcapil see the campaign and its schedule.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::{format_wib, today_wib};
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, OkQuery, PageError, Refusal, allow, layout, region_label, render};
use crate::routes::{Access, Routes, get, post};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::{Action, Scope, nik};
use jempol_store::campaigns::{Campaign, Member, NewCampaign, StoredPlan};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/gelombang",
            get(Access::Act(Action::ViewCampaigns), list).post(Access::Act(Action::PlanSchedule), create),
        )
        .route("/gelombang/{id}", get(Access::Act(Action::ViewCampaigns), show))
        .route(
            "/gelombang/{id}/warga",
            post(Access::Act(Action::PlanSchedule), add_residents),
        )
        .route(
            "/gelombang/{id}/warga/{rid}/keluarkan",
            post(Access::Act(Action::PlanSchedule), remove_resident),
        )
        .route(
            "/gelombang/{id}/warga/{rid}/waktu",
            post(Access::Act(Action::PlanSchedule), home_times),
        )
        .route("/gelombang/{id}/tim", post(Access::Act(Action::PlanSchedule), add_team))
        .route(
            "/gelombang/{id}/tim/{tid}/hapus",
            post(Access::Act(Action::PlanSchedule), remove_team),
        )
        .route(
            "/gelombang/{id}/tim/{tid}/akun",
            post(Access::Act(Action::PlanSchedule), team_accounts),
        )
        .route(
            "/gelombang/{id}/jadwal",
            get(Access::Act(Action::ViewCampaigns), schedule).post(Access::Act(Action::PlanSchedule), make_schedule),
        )
        .route(
            "/gelombang/{id}/jadwal/setujui",
            post(Access::Any(&[Action::PlanSchedule, Action::ApproveSchedule]), approve),
        )
        .route(
            "/gelombang/{id}/jadwal.xlsx",
            get(Access::Act(Action::ViewCampaigns), schedule_xlsx),
        )
        .route(
            "/gelombang/{id}/jadwal.pdf",
            get(Access::Act(Action::ViewCampaigns), schedule_pdf),
        )
        .route(
            "/gelombang/{id}/jadwal/surat-desa",
            post(
                Access::Any(&[Action::PlanSchedule, Action::ManageMeetings]),
                number_desa_letters,
            ),
        )
        .route(
            "/gelombang/{id}/jadwal/surat-desa/{desa}",
            get(Access::Act(Action::ViewCampaigns), desa_letter_pdf),
        )
        .route(
            "/gelombang/{id}/jadwal/pindah",
            post(Access::Act(Action::PlanSchedule), move_visit),
        )
        .route(
            "/gelombang/{id}/jadwal/kunci",
            post(Access::Act(Action::PlanSchedule), lock_visit),
        )
}

fn kecamatan_codes(scope: &Scope) -> Vec<String> {
    match scope {
        Scope::Kecamatan { codes } => codes.clone(),
        _ => vec![],
    }
}

#[derive(serde::Deserialize, Default, Clone)]
struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kecamatan: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
}

struct Line {
    id: i64,
    name: String,
    kecamatan: String,
    period: String,
    status: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    l: Layout,
    can_plan: bool,
    kecamatan: Vec<(String, String)>,
    f: CampaignForm,
    errors: BTreeMap<&'static str, String>,
    items: Vec<Line>,
}

impl ListPage {
    fn error(&self, k: &str) -> Option<String> {
        self.errors.get(k).cloned()
    }
}

fn status_label(status: &str, lang: Lang) -> &'static str {
    match (status, lang) {
        ("open", Lang::Id) => "berjalan",
        ("open", Lang::En) => "running",
        ("closed", Lang::Id) => "selesai",
        ("closed", Lang::En) => "closed",
        (_, _) => "—",
    }
}

async fn list_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    f: CampaignForm,
    errors: BTreeMap<&'static str, String>,
    ok: Option<&str>,
) -> Result<Html<String>, PageError> {
    let mut items = Vec::new();
    for c in state.db.campaigns_in_scope(&p.scope).await? {
        items.push(Line {
            id: c.id,
            name: c.name.clone(),
            kecamatan: region_label(state, &c.kecamatan_code).await,
            period: format!("{} – {}", c.start_date, c.end_date),
            status: status_label(&c.status, lang).into(),
        });
    }
    let mut kecamatan = Vec::new();
    for code in kecamatan_codes(&p.scope) {
        kecamatan.push((code.clone(), region_label(state, &code).await));
    }
    render(&ListPage {
        l: layout(lang, Some(p), Tr(lang).s("camp.title"), "/gelombang", ok),
        can_plan: p.can(Action::PlanSchedule),
        kecamatan,
        f,
        errors,
        items,
    })
}

async fn list(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::ViewCampaigns, info.lang)?;
    let today = today_wib(state.now());
    let f = CampaignForm {
        start_date: today.to_string(),
        ..Default::default()
    };
    list_page(&state, &p, info.lang, f, BTreeMap::new(), q.ok.as_deref()).await
}

async fn create(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(mut f): Form<CampaignForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::PlanSchedule, info.lang)?;
    let codes = kecamatan_codes(&p.scope);
    if f.kecamatan.trim().is_empty() && codes.len() == 1 {
        f.kecamatan = codes[0].clone();
    }
    let mut errors = BTreeMap::new();
    let name = f.name.trim().to_string();
    if name.chars().count() < 3 || name.chars().count() > 120 {
        errors.insert(
            "name",
            "Isi nama gelombang (3–120 huruf), misalnya \"Gelombang I 2026\".".to_string(),
        );
    }
    if !codes.contains(&f.kecamatan) {
        errors.insert(
            "kecamatan",
            "Pilih kecamatan dari daftar wilayah kerja Anda.".to_string(),
        );
    }
    let start = crate::clock::parse_local_date(&f.start_date);
    let end = crate::clock::parse_local_date(&f.end_date);
    match (start, end) {
        (None, _) => {
            errors.insert("start_date", "Isi tanggal mulai, misalnya 14-12-2026.".to_string());
        }
        (_, None) => {
            errors.insert("end_date", "Isi tanggal selesai, misalnya 31-12-2026.".to_string());
        }
        (Some(a), Some(b)) if b < a => {
            errors.insert(
                "end_date",
                "Tanggal selesai tidak boleh sebelum tanggal mulai.".to_string(),
            );
        }
        _ => {}
    }
    let (Some(start), Some(end)) = (start, end) else {
        let page = list_page(&state, &p, info.lang, f, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if !errors.is_empty() {
        let page = list_page(&state, &p, info.lang, f, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (sop, _) = state.db.active_sop().await?;
    let id = state
        .db
        .create_campaign(
            &NewCampaign {
                kecamatan_code: f.kecamatan.clone(),
                name,
                start_date: start.to_string(),
                end_date: end.to_string(),
                sop_definition_id: sop.id,
            },
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.created")).into_response())
}

/// A campaign inside the principal's scope; another kecamatan's campaign does not exist.
pub(crate) async fn visible(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<Campaign, PageError> {
    allow(p, Action::ViewCampaigns, lang)?;
    match state.db.campaign(id).await? {
        Some(c) if p.scope.contains_kecamatan(&c.kecamatan_code) => Ok(c),
        _ => Err(PageError(AppError::NotFound, lang)),
    }
}

pub(crate) fn needs_text(m: &Member) -> String {
    let mut n = Vec::new();
    if m.bedridden {
        n.push("terbaring");
    }
    if m.odgj {
        n.push("ODGJ");
    }
    if m.disabilitas {
        n.push("disabilitas");
    }
    if m.needs_companion {
        n.push("perlu pendamping");
    }
    n.join(", ")
}

struct MemberLine {
    id: i64,
    home_times: String,
    name: String,
    nik: String,
    desa: String,
    age: i16,
    needs: String,
    located: bool,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct ShowPage {
    l: Layout,
    c: Campaign,
    kecamatan: String,
    can_plan: bool,
    members: Vec<MemberLine>,
    eligible: i64,
    desa_options: Vec<(String, String)>,
    teams: Vec<jempol_store::campaigns::Team>,
    /// Per team id: the accounts in it (ids), for its form and its line.
    team_users: HashMap<i64, Vec<i64>>,
    /// Accounts that can join a team (staff and Dispendukcapil operators): (id, label).
    field_users: Vec<(i64, String)>,
    plan: Option<(i64, String, usize, usize)>,
    today: String,
    /// What cannot be done and why; when about a field, what was typed into the form.
    error: Option<Refusal>,
    events: Vec<(String, String, String, String)>,
    meetings: Vec<(i64, String)>,
    can_meet: bool,
    /// The planning settings the form shows: (default, ODGJ, bedridden minutes, speed, hours
    /// Mon–Thu, hours Fri).
    ps: (u32, u32, u32, String, String, String),
}

impl ShowPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error.as_ref().and_then(|r| r.err(field))
    }

    /// The message about the home times of member `id`, when that line was refused.
    fn home_err(&self, id: &i64) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|r| r.field == "home_times" && r.value("home_times_of") == id.to_string())
            .map(|r| r.message.as_str())
    }

    /// The home times shown on member `id`'s line: as typed when that line was refused.
    fn home_value(&self, id: &i64, shown: &str) -> String {
        match self.home_err(id) {
            Some(_) => self
                .error
                .as_ref()
                .map(|r| r.value("home_times").to_string())
                .unwrap_or_default(),
            None => shown.to_string(),
        }
    }

    /// What was typed into `field` of the refused form, or `shown` (the form's usual value).
    fn value(&self, field: &str, shown: String) -> String {
        match &self.error {
            Some(r) if r.typed.iter().any(|(f, _)| *f == field) => r.value(field).to_string(),
            _ => shown,
        }
    }
}

fn event_text(kind: &str, payload: &serde_json::Value) -> (String, String) {
    match kind {
        "dibuat" => (
            "gelombang dibuat".into(),
            payload["name"].as_str().unwrap_or("").to_string(),
        ),
        "warga_ditambah" => ("warga ditambahkan".into(), format!("{} warga", payload["added"])),
        "warga_dikeluarkan" => ("warga dikeluarkan".into(), format!("warga #{}", payload["resident"])),
        "tim_ditambah" => (
            "tim ditambahkan".into(),
            payload["team"].as_str().unwrap_or("").to_string(),
        ),
        "tim_dihapus" => ("tim dihapus".into(), payload["team"].as_str().unwrap_or("").to_string()),
        "akun_tim" => (
            "akun tim diatur".into(),
            format!(
                "{}: {} akun",
                payload["team"].as_str().unwrap_or(""),
                payload["users"].as_array().map(Vec::len).unwrap_or(0)
            ),
        ),
        "jadwal_disusun" => ("jadwal disusun".into(), format!("versi {}", payload["version"])),
        "kunjungan" => (
            "hasil kunjungan".into(),
            format!(
                "warga #{}: {}",
                payload["resident"].as_i64().unwrap_or_default(),
                payload["kind"].as_str().unwrap_or("")
            ),
        ),
        "warga_dipindah_keluar" => (
            "langkah 5 berakhir: warga yang belum selesai dipindah".into(),
            format!(
                "{} warga ke gelombang #{}",
                payload["residents"].as_array().map(Vec::len).unwrap_or(0),
                payload["to"]
            ),
        ),
        "warga_dipindah_masuk" => (
            "warga dari gelombang sebelumnya".into(),
            format!(
                "{} warga dari gelombang #{}",
                payload["residents"].as_array().map(Vec::len).unwrap_or(0),
                payload["from"]
            ),
        ),
        "kunjungan_konflik" => (
            "hasil kunjungan bertentangan (menunggu Kasi)".into(),
            format!("warga #{}", payload["resident"]),
        ),
        "konflik_diputuskan" => (
            "konflik hasil kunjungan diputuskan".into(),
            format!(
                "warga #{}: {}",
                payload["resident"],
                if payload["accepted"].as_bool() == Some(true) {
                    "hasil baru dipakai"
                } else {
                    "hasil lama tetap"
                }
            ),
        ),
        "rapat_direncanakan" => (
            "rapat koordinasi direncanakan".into(),
            format!(
                "{} {}, surat {}",
                payload["date"].as_str().unwrap_or(""),
                payload["time"].as_str().unwrap_or(""),
                payload["letter"].as_str().unwrap_or("")
            ),
        ),
        "rapat_dicatat" => (
            "hasil rapat dicatat (langkah 3)".into(),
            format!(
                "{}–{}, {} hadir",
                payload["start"].as_str().unwrap_or(""),
                payload["end"].as_str().unwrap_or(""),
                payload["attendees"]
            ),
        ),
        "pengaturan_khusus" => (
            "pengaturan khusus".into(),
            format!(
                "warga #{}: {}",
                payload["resident"],
                payload["arrangement"].as_str().unwrap_or("dihapus")
            ),
        ),
        "jadwal_disetujui_kasi" => ("jadwal disetujui Kasi".into(), format!("versi {}", payload["version"])),
        "kunjungan_dipindah" => (
            "kunjungan dipindah dan dikunci".into(),
            format!(
                "warga #{} ke {} {} (versi {})",
                payload["resident"],
                payload["team"].as_str().unwrap_or(""),
                payload["date"].as_str().unwrap_or(""),
                payload["version"]
            ),
        ),
        "kunjungan_dikunci" => (
            "kunjungan dikunci".into(),
            format!(
                "warga #{} di {} {}",
                payload["resident"],
                payload["team"].as_str().unwrap_or(""),
                payload["date"].as_str().unwrap_or("")
            ),
        ),
        "kunci_dibuka" => ("kunci dibuka".into(), format!("warga #{}", payload["resident"])),
        "waktu_di_rumah" => (
            "waktu di rumah dicatat".into(),
            format!(
                "warga #{}: {}",
                payload["resident"],
                payload["home_times"].as_str().unwrap_or("kapan saja")
            ),
        ),
        "jadwal_disetujui_camat" => (
            "jadwal disetujui Camat (langkah 4 selesai)".into(),
            format!("versi {}", payload["version"]),
        ),
        other => (other.to_string(), String::new()),
    }
}

async fn show_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    c: Campaign,
    ok: Option<&str>,
    error: Option<Refusal>,
) -> Result<Response, PageError> {
    let today = today_wib(state.now());
    let mut desa_names: HashMap<String, String> = HashMap::new();
    let mut desa_options = Vec::new();
    for d in state.db.region_children(&c.kecamatan_code).await? {
        desa_names.insert(d.code.clone(), d.name.clone());
        desa_options.push((d.code, d.name));
    }
    let members = state
        .db
        .campaign_members(c.id)
        .await?
        .into_iter()
        .map(|m| MemberLine {
            id: m.id,
            home_times: m.home_times.clone().unwrap_or_default(),
            name: m.name.clone(),
            nik: crate::resident_pages::shown_nik(p, &m.nik),
            desa: desa_names.get(&m.desa_code).cloned().unwrap_or(m.desa_code.clone()),
            age: m
                .birth_date
                .parse::<jiff::civil::Date>()
                .map(|b| nik::age_on(b, today))
                .unwrap_or(0),
            needs: needs_text(&m),
            located: m.lat.is_some() && m.lng.is_some(),
        })
        .collect();
    let plan = state.db.latest_plan(c.id).await?.map(|sp| {
        let (planned, unplanned) = serde_json::from_str::<jempol_plan::Plan>(&sp.plan_json)
            .map(|pl| (pl.summary.planned, pl.summary.unplanned))
            .unwrap_or((0, 0));
        (
            sp.version,
            plan_status(&sp.status, lang).to_string(),
            planned,
            unplanned,
        )
    });
    let events = state
        .db
        .campaign_events(c.id)
        .await?
        .into_iter()
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap_or_default();
            let (what, detail) = event_text(&e.kind, &payload);
            (format_wib(e.at), e.actor, what, detail)
        })
        .collect();
    let settings = state
        .db
        .latest_plan(c.id)
        .await?
        .and_then(|sp| serde_json::from_str::<jempol_plan::Instance>(&sp.instance_json).ok())
        .map(|i| PlanSettings::of(&i))
        .unwrap_or_default();
    let ps = (
        settings.service.default_minutes,
        settings.service.odgj_minutes,
        settings.service.bedridden_minutes,
        settings.travel.speed_kmh.to_string(),
        hours_text(settings.hours.0.get("mon").copied()),
        hours_text(settings.hours.0.get("fri").copied()),
    );
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&ShowPage {
        ps,
        l: layout(lang, Some(p), &c.name, "/gelombang", ok),
        kecamatan: region_label(state, &c.kecamatan_code).await,
        can_plan: p.can(Action::PlanSchedule) && c.status == "open",
        eligible: state.db.eligible_for_campaign(&c, None).await?,
        teams: state.db.campaign_teams(c.id).await?,
        team_users: state.db.team_users(c.id).await?,
        field_users: state
            .db
            .list_users()
            .await?
            .into_iter()
            .filter(|u| {
                !u.disabled
                    && matches!(u.role, jempol_core::Role::Petugas | jempol_core::Role::Dispendukcapil)
                    && u.kecamatan_code.as_deref().is_none_or(|k| k == c.kecamatan_code)
            })
            .map(|u| {
                let label = if u.full_name.is_empty() {
                    u.username.clone()
                } else {
                    format!("{} ({})", u.full_name, u.username)
                };
                (u.id, label)
            })
            .collect(),
        today: c.start_date.clone(),
        meetings: state
            .db
            .campaign_meetings(c.id)
            .await?
            .into_iter()
            .map(|m| (m.id, format!("{} {} · {}", m.meeting_date, m.start_time, m.place)))
            .collect(),
        can_meet: p.can(Action::ManageMeetings) && c.status == "open",
        members,
        desa_options,
        plan,
        error,
        events,
        c,
    })?;
    Ok((status, page).into_response())
}

/// The campaign page again with what cannot be done and why (422); nothing changed.
async fn refuse(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    c: Campaign,
    why: impl Into<String>,
) -> Result<Response, PageError> {
    show_page(state, p, lang, c, None, Some(Refusal::new("", why, vec![]))).await
}

/// The campaign page again with the message under the field at fault and what was typed.
async fn refuse_field(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    c: Campaign,
    refusal: Refusal,
) -> Result<Response, PageError> {
    show_page(state, p, lang, c, None, Some(refusal)).await
}

fn plan_status(s: &str, lang: Lang) -> &'static str {
    match (s, lang) {
        ("draft", Lang::Id) => "usulan, menunggu persetujuan Kasi",
        ("draft", Lang::En) => "proposal, awaiting the Kasi's approval",
        ("kasi", Lang::Id) => "disetujui Kasi, menunggu persetujuan Camat",
        ("kasi", Lang::En) => "approved by the Kasi, awaiting the Camat's approval",
        ("camat", Lang::Id) => "disetujui Camat (langkah 4 selesai)",
        ("camat", Lang::En) => "approved by the Camat (step 4 done)",
        _ => "—",
    }
}

async fn show(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let c = visible(&state, &p, id, info.lang).await?;
    show_page(&state, &p, info.lang, c, q.ok.as_deref(), None).await
}

/// The campaign, for a change by the Kasi while it runs.
async fn changeable(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<Campaign, PageError> {
    allow(p, Action::PlanSchedule, lang)?;
    let c = visible(state, p, id, lang).await?;
    if c.status != "open" {
        return Err(PageError(
            AppError::Conflict("Gelombang ini sudah selesai.".into()),
            lang,
        ));
    }
    Ok(c)
}

#[derive(serde::Deserialize)]
struct DesaForm {
    #[serde(default)]
    desa: String,
}

async fn add_residents(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<DesaForm>,
) -> Result<Response, PageError> {
    let c = changeable(&state, &p, id, info.lang).await?;
    let desa = Some(f.desa.trim()).filter(|d| !d.is_empty());
    if let Some(d) = desa
        && !d.starts_with(&format!("{}.", c.kecamatan_code))
    {
        return refuse(
            &state,
            &p,
            info.lang,
            c,
            "Desa itu tidak berada di kecamatan gelombang ini.",
        )
        .await;
    }
    let n = state
        .db
        .add_verified_to_campaign(&c, desa, &p.actor(), state.now())
        .await?;
    if n == 0 {
        return refuse(
            &state,
            &p,
            info.lang,
            c,
            "Tidak ada warga terverifikasi yang belum masuk gelombang. Verifikasi pengajuan desa dulu (langkah 2).",
        )
        .await;
    }
    Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.added")).into_response())
}

async fn remove_resident(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    changeable(&state, &p, id, info.lang).await?;
    state
        .db
        .remove_from_campaign(id, rid, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.removed")).into_response())
}

#[derive(serde::Deserialize)]
struct TeamForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    members: String,
    #[serde(default)]
    kit: String,
}

async fn add_team(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<TeamForm>,
) -> Result<Response, PageError> {
    let c = changeable(&state, &p, id, info.lang).await?;
    let name = f.name.trim();
    let typed = || {
        vec![
            ("name", f.name.clone()),
            ("members", f.members.clone()),
            ("kit", f.kit.clone()),
        ]
    };
    if name.is_empty() || name.chars().count() > 60 {
        let why = "Isi nama tim (paling banyak 60 huruf), misalnya \"Tim 1\".";
        return refuse_field(&state, &p, info.lang, c, Refusal::new("name", why, typed())).await;
    }
    match state
        .db
        .add_team(id, name, f.members.trim(), f.kit.trim(), &p.actor(), state.now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.team_added")).into_response()),
        Err(jempol_store::StoreError::Conflict(m)) => {
            let why = format!("Tim tidak ditambahkan: {m}.");
            refuse_field(&state, &p, info.lang, c, Refusal::new("name", why, typed())).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_team(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, tid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    changeable(&state, &p, id, info.lang).await?;
    state
        .db
        .remove_team(id, tid, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.team_removed")).into_response())
}

/// Sets which accounts are in a team: their field lists then show the team's visits.
async fn team_accounts(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, tid)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let c = changeable(&state, &p, id, info.lang).await?;
    let mut ids = Vec::new();
    for (k, v) in &pairs {
        if k != "user" {
            continue;
        }
        let Ok(uid) = v.parse::<i64>() else {
            continue;
        };
        // Only staff and Dispendukcapil operators of this kecamatan (or of the kabupaten).
        match state.db.user_by_id(uid).await? {
            Some(u)
                if !u.disabled
                    && matches!(u.role, jempol_core::Role::Petugas | jempol_core::Role::Dispendukcapil)
                    && u.kecamatan_code.as_deref().is_none_or(|k| k == c.kecamatan_code) =>
            {
                ids.push(uid)
            }
            _ => {
                return refuse(
                    &state,
                    &p,
                    info.lang,
                    c,
                    "Hanya staf kecamatan dan operator Dispendukcapil yang bisa masuk tim.",
                )
                .await;
            }
        }
    }
    ids.sort();
    ids.dedup();
    state
        .db
        .set_team_users(id, tid, &ids, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.team_users_saved")).into_response())
}

#[derive(serde::Deserialize)]
struct PlanForm {
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    working_days: String,
    /// Planning settings; empty: as in the previous plan, else the defaults.
    #[serde(default)]
    minutes_default: String,
    #[serde(default)]
    minutes_odgj: String,
    #[serde(default)]
    minutes_bedridden: String,
    #[serde(default)]
    speed_kmh: String,
    #[serde(default)]
    hours_mon_thu: String,
    #[serde(default)]
    hours_fri: String,
}

/// How a schedule is planned: service minutes, travel speed, office hours.
#[derive(Clone, Default)]
struct PlanSettings {
    service: jempol_plan::Service,
    travel: jempol_plan::Travel,
    hours: jempol_core::calendar::OfficeHours,
}

use jempol_core::calendar::{parse_span as parse_hours, span_text as hours_text};

impl PlanSettings {
    /// The form's values over `base`; the field and an explanation of the first value that
    /// cannot be used.
    fn from_form(f: &PlanForm, base: PlanSettings) -> Result<PlanSettings, (&'static str, String)> {
        let mut s = base;
        let minutes = |v: &str, field: &'static str, label: &str| -> Result<Option<u32>, (&'static str, String)> {
            match v.trim() {
                "" => Ok(None),
                t => match t.parse::<u32>() {
                    Ok(n) if (5..=240).contains(&n) => Ok(Some(n)),
                    _ => Err((field, format!("{label}: isi menit antara 5 dan 240."))),
                },
            }
        };
        if let Some(n) = minutes(&f.minutes_default, "minutes_default", "Lama kunjungan biasa")? {
            s.service.default_minutes = n;
        }
        if let Some(n) = minutes(&f.minutes_odgj, "minutes_odgj", "Lama kunjungan ODGJ")? {
            s.service.odgj_minutes = n;
        }
        if let Some(n) = minutes(
            &f.minutes_bedridden,
            "minutes_bedridden",
            "Lama kunjungan warga terbaring",
        )? {
            s.service.bedridden_minutes = n;
        }
        match f.speed_kmh.trim().replace(',', ".").as_str() {
            "" => {}
            t => match t.parse::<f64>() {
                Ok(v) if (5.0..=80.0).contains(&v) => s.travel.speed_kmh = v,
                _ => {
                    return Err(("speed_kmh", "Kecepatan rata-rata: isi km/jam antara 5 dan 80.".into()));
                }
            },
        }
        if !f.hours_mon_thu.trim().is_empty() {
            let h = parse_hours(&f.hours_mon_thu).ok_or((
                "hours_mon_thu",
                "Jam kantor Senin–Kamis: tulis seperti 07.30-16.00.".to_string(),
            ))?;
            for k in ["mon", "tue", "wed", "thu"] {
                s.hours.0.insert(k.to_string(), h);
            }
        }
        if !f.hours_fri.trim().is_empty() {
            let h = parse_hours(&f.hours_fri)
                .ok_or(("hours_fri", "Jam kantor Jumat: tulis seperti 07.30-16.30.".to_string()))?;
            s.hours.0.insert("fri".to_string(), h);
        }
        Ok(s)
    }

    /// The settings of the latest plan, to plan again the same way.
    fn of(inst: &jempol_plan::Instance) -> PlanSettings {
        PlanSettings {
            service: inst.service,
            travel: inst.travel,
            hours: inst.office_hours.clone().unwrap_or_default(),
        }
    }
}

/// The planner's instance for a campaign: its residents (home coordinates, else their desa's
/// centroid), its teams, and working days from `start`; the depot is the kecamatan's point.
async fn instance_for(
    state: &AppState,
    c: &Campaign,
    start: jiff::civil::Date,
    days: usize,
    settings: &PlanSettings,
) -> Result<jempol_plan::Instance, String> {
    let kec = state
        .db
        .region(&c.kecamatan_code)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("kecamatan tidak ada di daftar wilayah")?;
    let depot = match (kec.lat, kec.lng) {
        (Some(lat), Some(lng)) => jempol_plan::Point { lat, lng },
        _ => return Err("kecamatan ini belum punya koordinat di daftar wilayah".into()),
    };
    let mut centroids: HashMap<String, (f64, f64)> = HashMap::new();
    for d in state
        .db
        .region_children(&c.kecamatan_code)
        .await
        .map_err(|e| e.to_string())?
    {
        if let (Some(a), Some(b)) = (d.lat, d.lng) {
            centroids.insert(d.code, (a, b));
        }
    }
    let members = state.db.campaign_members(c.id).await.map_err(|e| e.to_string())?;
    let locks = state.db.campaign_locks(c.id).await.map_err(|e| e.to_string())?;
    let visits = members
        .iter()
        .map(|m| {
            let (lat, lng) = match (m.lat, m.lng) {
                (Some(a), Some(b)) => (a, b),
                _ => centroids.get(&m.desa_code).copied().unwrap_or((0.0, 0.0)),
            };
            jempol_plan::Visit {
                id: m.id.to_string(),
                lat,
                lng,
                odgj: m.odgj,
                bedridden: m.bedridden,
                age: m
                    .birth_date
                    .parse::<jiff::civil::Date>()
                    .ok()
                    .map(|b| nik::age_on(b, start).max(0) as u16),
                service_minutes: None,
                windows: m
                    .home_times
                    .as_deref()
                    .and_then(|t| jempol_plan::parse_home_times(t).ok())
                    .unwrap_or_default(),
                lock: locks.get(&m.id).and_then(|(team, date)| {
                    Some(jempol_plan::Lock {
                        team: team.clone(),
                        date: date.parse().ok()?,
                    })
                }),
            }
        })
        .collect();
    let teams = state
        .db
        .campaign_teams(c.id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|t| jempol_plan::Team {
            id: t.name,
            members: t
                .members
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            kit: Some(t.kit).filter(|k| !k.is_empty()),
        })
        .collect();
    Ok(jempol_plan::Instance {
        depot,
        days: vec![],
        start_date: Some(start),
        working_days: days,
        holidays: vec![],
        office_hours: Some(settings.hours.clone()),
        travel: settings.travel,
        service: settings.service,
        teams,
        visits,
    })
}

async fn make_schedule(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<PlanForm>,
) -> Result<Response, PageError> {
    let c = changeable(&state, &p, id, info.lang).await?;
    let typed = || {
        vec![
            ("start_date", f.start_date.clone()),
            ("working_days", f.working_days.clone()),
            ("minutes_default", f.minutes_default.clone()),
            ("minutes_odgj", f.minutes_odgj.clone()),
            ("minutes_bedridden", f.minutes_bedridden.clone()),
            ("speed_kmh", f.speed_kmh.clone()),
            ("hours_mon_thu", f.hours_mon_thu.clone()),
            ("hours_fri", f.hours_fri.clone()),
        ]
    };
    let Some(start) = crate::clock::parse_local_date(&f.start_date) else {
        let why = "Isi tanggal mulai kunjungan, misalnya 14-12-2026.";
        return refuse_field(&state, &p, info.lang, c, Refusal::new("start_date", why, typed())).await;
    };
    let days = match f.working_days.trim().parse::<usize>() {
        Ok(n) if (1..=30).contains(&n) => n,
        _ => {
            let why = "Jumlah hari kerja: 1 sampai 30 (standar SOP: 10).";
            return refuse_field(&state, &p, info.lang, c, Refusal::new("working_days", why, typed())).await;
        }
    };
    if state.db.campaign_teams(id).await?.is_empty() {
        return refuse(
            &state,
            &p,
            info.lang,
            c,
            "Bentuk paling sedikit satu tim perekaman dulu.",
        )
        .await;
    }
    if state.db.campaign_members(id).await?.is_empty() {
        return refuse(
            &state,
            &p,
            info.lang,
            c,
            "Tambahkan warga terverifikasi ke gelombang ini dulu.",
        )
        .await;
    }
    let previous = state
        .db
        .latest_plan(id)
        .await?
        .and_then(|sp| serde_json::from_str::<jempol_plan::Instance>(&sp.instance_json).ok())
        .map(|i| PlanSettings::of(&i))
        .unwrap_or_default();
    let settings = match PlanSettings::from_form(&f, previous) {
        Ok(s) => s,
        Err((field, m)) => return refuse_field(&state, &p, info.lang, c, Refusal::new(field, m, typed())).await,
    };
    let instance = match instance_for(&state, &c, start, days, &settings).await {
        Ok(i) => i,
        Err(m) => {
            return refuse(&state, &p, info.lang, c, format!("Jadwal tidak bisa disusun: {m}.")).await;
        }
    };
    let opts = jempol_plan::Options {
        seed: 1,
        time_limit_secs: 20,
        generations: 300,
    };
    let inst = instance.clone();
    let plan = tokio::task::spawn_blocking(move || jempol_plan::plan(&inst, opts))
        .await
        .map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    let plan = match plan {
        Ok(pl) => pl,
        Err(e) => return refuse(&state, &p, info.lang, c, e.to_string()).await,
    };
    let summary = serde_json::to_value(&plan.summary).unwrap_or_default();
    state
        .db
        .save_plan(
            id,
            opts.seed as i64,
            &serde_json::to_string(&instance).unwrap_or_default(),
            &serde_json::to_string(&plan).unwrap_or_default(),
            summary,
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/gelombang/{id}/jadwal?ok=camp.planned")).into_response())
}

struct StopLine {
    id: String,
    /// WhatsApp click-to-chat with the prepared message, when the family has a phone.
    wa: Option<String>,
    locked: bool,
    time: String,
    name: String,
    desa: String,
    address: String,
    needs: String,
    priority: bool,
    travel: u32,
}

struct RouteBlock {
    team: String,
    members: String,
    leave: String,
    back: String,
    travel: u32,
    km: f64,
    stops: Vec<StopLine>,
}

struct DayBlock {
    date: String,
    routes: Vec<RouteBlock>,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    l: Layout,
    c: Campaign,
    sp: StoredPlan,
    status: &'static str,
    summary: jempol_plan::Summary,
    days: Vec<DayBlock>,
    /// (resident id, name, desa, reason).
    unplanned: Vec<(String, String, String, String)>,
    /// Where a visit can be moved: ("team|date", "Tim 1 · Senin, 14-12-2026").
    targets: Vec<(String, String)>,
    can_adjust: bool,
    /// The plan's start and working days, to plan the rest again.
    replan: (String, usize),
    map: Option<MapView>,
    /// The plan at a glance: team names, then per day the cell of each team.
    cal_teams: Vec<String>,
    calendar: Vec<(String, Vec<String>)>,
    /// Per desa with visits: (code, name, its notification letter's number if numbered).
    desa_letters: Vec<(String, String, Option<String>)>,
    can_notify: bool,
    can_kasi: bool,
    can_camat: bool,
    step4: Option<(String, String)>,
}

use crate::letters::hari as weekday;

fn hm(t: jiff::civil::Time) -> String {
    format!("{:02}.{:02}", t.hour(), t.minute())
}

/// The visit points drawn as SVG (no map service needed): the kantor kecamatan, every visit
/// coloured by team, each team-day's round as a line, the unscheduled in grey.
struct MapView {
    width: u32,
    height: u32,
    depot: (f64, f64),
    lines: Vec<(&'static str, String)>,
    dots: Vec<(f64, f64, &'static str, String)>,
    legend: Vec<(&'static str, String)>,
}

const TEAM_COLOURS: [&str; 8] = [
    "#1b6b4a", "#b5421a", "#2456a6", "#8a5a00", "#7b2d8b", "#0f7c86", "#a0255c", "#4d5b12",
];

fn map_view(plan: &jempol_plan::Plan, inst: &jempol_plan::Instance, names: &dyn Fn(&str) -> String) -> Option<MapView> {
    let at: HashMap<&str, (f64, f64)> = inst.visits.iter().map(|v| (v.id.as_str(), (v.lat, v.lng))).collect();
    let mut pts: Vec<(f64, f64)> = vec![(inst.depot.lat, inst.depot.lng)];
    pts.extend(
        inst.visits
            .iter()
            .filter(|v| v.lat != 0.0 || v.lng != 0.0)
            .map(|v| (v.lat, v.lng)),
    );
    let (min_lat, max_lat) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_lng, max_lng) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let k = (((min_lat + max_lat) / 2.0).to_radians()).cos();
    let span_x = ((max_lng - min_lng) * k).max(0.005);
    let span_y = (max_lat - min_lat).max(0.005);
    let (w, h, pad) = (640.0, 420.0, 24.0);
    let scale = ((w - 2.0 * pad) / span_x).min((h - 2.0 * pad) / span_y);
    let xy = |lat: f64, lng: f64| {
        let x = pad + (lng - min_lng) * k * scale;
        let y = pad + (max_lat - lat) * scale;
        ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0)
    };
    let teams: Vec<&str> = inst.teams.iter().map(|t| t.id.as_str()).collect();
    let colour = |team: &str| TEAM_COLOURS[teams.iter().position(|t| *t == team).unwrap_or(0) % TEAM_COLOURS.len()];
    let depot = xy(inst.depot.lat, inst.depot.lng);
    let mut lines = Vec::new();
    let mut dots = Vec::new();
    for r in &plan.routes {
        let c = colour(&r.team);
        let mut line = vec![depot];
        for st in &r.stops {
            if let Some((lat, lng)) = at.get(st.id.as_str()) {
                let p = xy(*lat, *lng);
                line.push(p);
                dots.push((
                    p.0,
                    p.1,
                    c,
                    format!(
                        "{} · {} {} {}",
                        names(&st.id),
                        r.team,
                        r.date.strftime("%d-%m"),
                        hm(st.start)
                    ),
                ));
            }
        }
        line.push(depot);
        lines.push((
            c,
            line.iter()
                .map(|(x, y)| format!("{x},{y}"))
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    for u in &plan.unplanned {
        if let Some((lat, lng)) = at.get(u.id.as_str()).filter(|(a, b)| *a != 0.0 || *b != 0.0) {
            let p = xy(*lat, *lng);
            dots.push((p.0, p.1, "#888888", format!("{} · belum masuk jadwal", names(&u.id))));
        }
    }
    if dots.is_empty() {
        return None;
    }
    let legend = teams.iter().map(|t| (colour(t), t.to_string())).collect();
    // As tall as the points need (a kecamatan spread east-west is a wide, low map).
    let used_h = (span_y * scale + 2.0 * pad).clamp(160.0, h);
    Some(MapView {
        width: w as u32,
        height: used_h.ceil() as u32,
        depot,
        lines,
        dots,
        legend,
    })
}

/// A stored schedule with what its pages and exports show of each person.
struct Loaded {
    c: Campaign,
    sp: StoredPlan,
    plan: jempol_plan::Plan,
    members: HashMap<String, Member>,
    /// Team name → its members.
    teams: BTreeMap<String, String>,
    desa_names: HashMap<String, String>,
    locks: HashMap<String, (String, String)>,
    kecamatan_name: String,
}

/// One person as the schedule shows them.
struct Person {
    name: String,
    desa: String,
    address: String,
    phone: String,
    needs: String,
    home_times: String,
}

impl Loaded {
    fn person(&self, id: &str) -> Person {
        match self.members.get(id) {
            Some(m) => {
                let mut addr = Vec::new();
                if let Some(a) = m.address.as_deref().filter(|a| !a.is_empty()) {
                    addr.push(a.to_string());
                }
                if let Some(d) = m.dusun.as_deref().filter(|a| !a.is_empty()) {
                    let dusun = format!("Dusun {d}");
                    if !addr.iter().any(|a| a.to_uppercase().contains(&dusun.to_uppercase())) {
                        addr.push(dusun);
                    }
                }
                if let (Some(rt), Some(rw)) = (m.rt.as_deref(), m.rw.as_deref())
                    && !rt.is_empty()
                {
                    addr.push(format!("RT {rt}/RW {rw}"));
                }
                Person {
                    name: m.name.clone(),
                    desa: self
                        .desa_names
                        .get(&m.desa_code)
                        .cloned()
                        .unwrap_or(m.desa_code.clone()),
                    address: addr.join(", "),
                    phone: m.phone.clone().unwrap_or_default(),
                    needs: [needs_text(m), m.arrangement.clone().unwrap_or_default()]
                        .into_iter()
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                        .join("; "),
                    home_times: m.home_times.clone().unwrap_or_default(),
                }
            }
            None => Person {
                name: format!("(warga #{id} tidak lagi di gelombang)"),
                desa: String::new(),
                address: String::new(),
                phone: String::new(),
                needs: String::new(),
                home_times: String::new(),
            },
        }
    }
}

async fn load_schedule(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<Loaded, PageError> {
    let c = visible(state, p, id, lang).await?;
    let sp = state
        .db
        .latest_plan(id)
        .await?
        .ok_or(PageError(AppError::NotFound, lang))?;
    let plan: jempol_plan::Plan =
        serde_json::from_str(&sp.plan_json).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    let members = state
        .db
        .campaign_members(id)
        .await?
        .into_iter()
        .map(|m| (m.id.to_string(), m))
        .collect();
    let teams = state
        .db
        .campaign_teams(id)
        .await?
        .into_iter()
        .map(|t| (t.name, t.members))
        .collect();
    let mut desa_names = HashMap::new();
    for d in state.db.region_children(&c.kecamatan_code).await? {
        desa_names.insert(d.code, d.name);
    }
    let locks = state
        .db
        .campaign_locks(id)
        .await?
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let kecamatan_name = state
        .db
        .region(&c.kecamatan_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(Loaded {
        c,
        sp,
        plan,
        members,
        teams,
        desa_names,
        locks,
        kecamatan_name,
    })
}

/// A phone number as WhatsApp wants it: country code 62, digits only; `None` when too short.
fn wa_number(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let n = if let Some(rest) = digits.strip_prefix('0') {
        format!("62{rest}")
    } else if digits.starts_with("62") {
        digits
    } else if digits.starts_with('8') {
        format!("62{digits}")
    } else {
        return None;
    };
    (n.len() >= 10 && n.len() <= 15).then_some(n)
}

/// A WhatsApp click-to-chat link with the prepared message for the family.
fn wa_link(phone: &str, name: &str, kecamatan: &str, when: &str, time: &str) -> Option<String> {
    let number = wa_number(phone)?;
    let text = format!(
        "Yth. Bapak/Ibu keluarga {name},\nTim perekaman e-KTP Kecamatan {kecamatan} akan datang ke rumah pada {when} sekitar pukul {time} WIB untuk merekam e-KTP {name}.\nMohon disiapkan: Kartu Keluarga (KK); {name} ada di rumah; satu anggota keluarga mendampingi.\nTerima kasih.\nKantor Kecamatan {kecamatan}"
    );
    Some(format!(
        "https://wa.me/{number}?text={}",
        crate::users::url_encode(&text).replace('+', "%20")
    ))
}

async fn schedule(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    let s = load_schedule(&state, &p, id, info.lang).await?;
    let plan = &s.plan;
    let mut days = Vec::new();
    for d in &plan.days {
        let when = format!("{}, {}", weekday(*d), d.strftime("%d-%m-%Y"));
        let routes: Vec<RouteBlock> = plan
            .routes
            .iter()
            .filter(|r| r.date == *d)
            .map(|r| RouteBlock {
                team: r.team.clone(),
                members: s.teams.get(&r.team).cloned().unwrap_or_default(),
                leave: hm(r.leave),
                back: hm(r.back),
                travel: r.travel_minutes,
                km: r.distance_km,
                stops: r
                    .stops
                    .iter()
                    .map(|st| {
                        let person = s.person(&st.id);
                        StopLine {
                            id: st.id.clone(),
                            locked: s.locks.contains_key(&st.id),
                            time: hm(st.start),
                            wa: wa_link(&person.phone, &person.name, &s.kecamatan_name, &when, &hm(st.start)),
                            name: person.name,
                            desa: person.desa,
                            address: person.address,
                            needs: person.needs,
                            priority: st.priority,
                            travel: st.travel_minutes,
                        }
                    })
                    .collect(),
            })
            .collect();
        if !routes.is_empty() {
            days.push(DayBlock { date: when, routes });
        }
    }
    let unplanned = plan
        .unplanned
        .iter()
        .map(|u| {
            let person = s.person(&u.id);
            (u.id.clone(), person.name, person.desa, u.reason.clone())
        })
        .collect();
    let mut targets = Vec::new();
    for d in &plan.days {
        for t in s.teams.keys() {
            targets.push((
                format!("{t}|{d}"),
                format!("{t} · {}, {}", weekday(*d), d.strftime("%d-%m-%Y")),
            ));
        }
    }
    let cal_teams: Vec<String> = s.teams.keys().cloned().collect();
    let calendar = plan
        .days
        .iter()
        .map(|d| {
            let cells = cal_teams
                .iter()
                .map(|t| match plan.routes.iter().find(|r| r.date == *d && &r.team == t) {
                    Some(r) => format!("{} · {}–{}", r.stops.len(), hm(r.leave), hm(r.back)),
                    None => "—".into(),
                })
                .collect();
            (format!("{}, {}", weekday(*d), d.strftime("%d-%m-%Y")), cells)
        })
        .collect();
    let mut desa_codes: Vec<String> = plan
        .routes
        .iter()
        .flat_map(|r| r.stops.iter())
        .filter_map(|st| s.members.get(&st.id).map(|m| m.desa_code.clone()))
        .collect();
    desa_codes.sort();
    desa_codes.dedup();
    let mut desa_letters = Vec::new();
    for code in desa_codes {
        let number = state.db.desa_letter(id, &code).await?.map(|l| l.number);
        desa_letters.push((code.clone(), s.desa_names.get(&code).cloned().unwrap_or(code), number));
    }
    let instance: Option<jempol_plan::Instance> = serde_json::from_str(&s.sp.instance_json).ok();
    let map = instance
        .as_ref()
        .and_then(|inst| map_view(plan, inst, &|id: &str| s.person(id).name));
    let replan = instance
        .as_ref()
        .map(|i| {
            (
                i.start_date
                    .or(plan.days.first().copied())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                if i.days.is_empty() {
                    i.working_days
                } else {
                    i.days.len()
                },
            )
        })
        .unwrap_or_else(|| (s.c.start_date.clone(), 10));
    // Step 4: from the first proposal to the Camat's approval.
    let step4 = match s.sp.camat_at {
        Some(done) => {
            let first = state
                .db
                .campaign_events(id)
                .await?
                .into_iter()
                .find(|e| e.kind == "jadwal_disusun")
                .map(|e| e.at)
                .unwrap_or(done);
            let (_, def) = state.db.active_sop().await?;
            Some((
                crate::submission_pages::duration_text(done - first),
                def.steps.get(3).map(|x| x.time.clone()).unwrap_or_default(),
            ))
        }
        None => None,
    };
    let status = plan_status(&s.sp.status, info.lang);
    let can_kasi = p.can(Action::PlanSchedule) && s.sp.status == "draft";
    let can_camat = p.can(Action::ApproveSchedule) && s.sp.status == "kasi";
    render(&SchedulePage {
        l: layout(
            info.lang,
            Some(&p),
            &format!("{} · {}", Tr(info.lang).s("camp.schedule"), s.c.name),
            "/gelombang",
            q.ok.as_deref(),
        ),
        status,
        can_adjust: p.can(Action::PlanSchedule) && s.c.status == "open",
        targets,
        replan,
        map,
        cal_teams,
        calendar,
        desa_letters,
        can_notify: p.can(Action::PlanSchedule) || p.can(Action::ManageMeetings),
        can_kasi,
        can_camat,
        summary: plan.summary.clone(),
        days,
        unplanned,
        step4,
        sp: s.sp,
        c: s.c,
    })
}

/// The schedule as a workbook: one sheet per team and one per desa, every cell text.
async fn schedule_xlsx(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = load_schedule(&state, &p, id, info.lang).await?;
    let header = [
        "Hari",
        "Tanggal",
        "Jam",
        "Tim",
        "Nama",
        "NIK",
        "Desa/Kelurahan",
        "Alamat",
        "No. HP",
        "Kebutuhan",
        "Waktu di rumah",
    ];
    let mut rows: Vec<(String, String, [String; 11])> = Vec::new();
    for r in &s.plan.routes {
        for st in &r.stops {
            let person = s.person(&st.id);
            let nik = s
                .members
                .get(&st.id)
                .map(|m| crate::resident_pages::shown_nik(&p, &m.nik))
                .unwrap_or_default();
            rows.push((
                r.team.clone(),
                person.desa.clone(),
                [
                    weekday(r.date).to_string(),
                    r.date.strftime("%d-%m-%Y").to_string(),
                    hm(st.start),
                    r.team.clone(),
                    person.name,
                    nik,
                    person.desa,
                    person.address,
                    person.phone,
                    person.needs,
                    person.home_times,
                ],
            ));
        }
    }
    // One sheet per team first (what each team carries), then one per desa (what each
    // village is told).
    let mut by_team: BTreeMap<String, Vec<&[String; 11]>> = BTreeMap::new();
    let mut by_desa: BTreeMap<String, Vec<&[String; 11]>> = BTreeMap::new();
    for (team, desa, row) in &rows {
        by_team.entry(team.clone()).or_default().push(row);
        by_desa.entry(format!("Desa {desa}")).or_default().push(row);
    }
    let sheets: Vec<(String, Vec<&[String; 11]>)> = by_team.into_iter().chain(by_desa).collect();
    let title = format!(
        "Jadwal kunjungan rumah perekaman e-KTP — {} — Kecamatan {} — versi {} ({})",
        s.c.name,
        s.kecamatan_name,
        s.sp.version,
        plan_status(&s.sp.status, Lang::Id)
    );
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (name, list) in &sheets {
            let ws = wb.add_worksheet();
            // Sheet names: at most 31 characters, none of []:*?/\ .
            let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
            ws.set_name(&clean)?;
            ws.write_string_with_format(0, 0, &title, &bold)?;
            for (c, h) in header.iter().enumerate() {
                ws.write_string_with_format(2, c as u16, *h, &bold)?;
            }
            for (i, row) in list.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    ws.write_string(3 + i as u32, c as u16, v)?;
                }
            }
            ws.set_freeze_panes(3, 0)?;
            for (c, w) in [8, 11, 6, 10, 24, 18, 16, 28, 14, 20, 18].iter().enumerate() {
                ws.set_column_width(c as u16, *w)?;
            }
        }
        if sheets.is_empty() {
            wb.add_worksheet().write_string(0, 0, &title)?;
        }
        wb.save_to_buffer()
    };
    let body = build().map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "campaign.export",
            "campaign",
            Some(&id.to_string()),
            Some(serde_json::json!({"format": "xlsx", "version": s.sp.version, "rows": rows.len()})),
        )
        .await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"jadwal-gelombang-{id}-v{}.xlsx\"", s.sp.version),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct ApproveForm {
    version: i64,
}

async fn approve(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<ApproveForm>,
) -> Result<Response, PageError> {
    visible(&state, &p, id, info.lang).await?;
    let by_camat = if p.can(Action::ApproveSchedule) {
        true
    } else {
        allow(&p, Action::PlanSchedule, info.lang)?;
        false
    };
    state
        .db
        .approve_plan(id, f.version, by_camat, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/gelombang/{id}/jadwal?ok=camp.approved")).into_response())
}

#[derive(serde::Deserialize)]
struct MoveForm {
    resident: String,
    #[serde(default)]
    target: String,
}

/// The Kasi moves a visit to another team-day: it is pinned there and the adjusted schedule
/// becomes a new draft version (to be approved again); every other day stays as it was.
async fn move_visit(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, PageError> {
    changeable(&state, &p, id, info.lang).await?;
    let sp = state
        .db
        .latest_plan(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    let (Ok(mut inst), Ok(plan)) = (
        serde_json::from_str::<jempol_plan::Instance>(&sp.instance_json),
        serde_json::from_str::<jempol_plan::Plan>(&sp.plan_json),
    ) else {
        return Err(PageError(
            AppError::Internal("stored plan unreadable".into()),
            info.lang,
        ));
    };
    let invalid = |m: String| PageError(AppError::Invalid(m), info.lang);
    let (team, date) = f
        .target
        .split_once('|')
        .and_then(|(t, d)| Some((t.to_string(), d.parse::<jiff::civil::Date>().ok()?)))
        .ok_or_else(|| invalid("Pilih tim dan hari tujuan.".into()))?;
    let resident: i64 = f
        .resident
        .parse()
        .map_err(|_| PageError(AppError::NotFound, info.lang))?;
    let Some(v) = inst.visits.iter_mut().find(|v| v.id == f.resident) else {
        return Err(PageError(AppError::NotFound, info.lang));
    };
    v.lock = Some(jempol_plan::Lock {
        team: team.clone(),
        date,
    });
    let moved = jempol_plan::move_visit(&inst, &plan, &f.resident, &team, date).map_err(|e| invalid(e.to_string()))?;
    state
        .db
        .set_lock(
            id,
            resident,
            Some((&team, &date.to_string())),
            Some((
                sp.seed,
                &serde_json::to_string(&inst).unwrap_or_default(),
                &serde_json::to_string(&moved).unwrap_or_default(),
            )),
            "kunjungan_dipindah",
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/gelombang/{id}/jadwal?ok=camp.moved")).into_response())
}

#[derive(serde::Deserialize)]
struct LockForm {
    resident: String,
    /// "1" to pin where it is now, anything else to unpin.
    #[serde(default)]
    lock: String,
}

/// Pins a visit where the schedule has it now (re-planning keeps it there), or unpins it.
async fn lock_visit(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(f): Form<LockForm>,
) -> Result<Response, PageError> {
    changeable(&state, &p, id, info.lang).await?;
    let resident: i64 = f
        .resident
        .parse()
        .map_err(|_| PageError(AppError::NotFound, info.lang))?;
    if f.lock != "1" {
        state
            .db
            .set_lock(id, resident, None, None, "kunci_dibuka", &p.actor(), state.now())
            .await?;
        return Ok(Redirect::to(&format!("/gelombang/{id}/jadwal?ok=camp.unlocked")).into_response());
    }
    let sp = state
        .db
        .latest_plan(id)
        .await?
        .ok_or(PageError(AppError::NotFound, info.lang))?;
    let plan: jempol_plan::Plan =
        serde_json::from_str(&sp.plan_json).map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    let Some(route) = plan.routes.iter().find(|r| r.stops.iter().any(|s| s.id == f.resident)) else {
        return Err(PageError(
            AppError::Invalid("Warga ini belum masuk jadwal; pindahkan ke satu tim dan hari dulu.".into()),
            info.lang,
        ));
    };
    state
        .db
        .set_lock(
            id,
            resident,
            Some((&route.team, &route.date.to_string())),
            None,
            "kunjungan_dikunci",
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/gelombang/{id}/jadwal?ok=camp.locked")).into_response())
}

#[derive(serde::Deserialize)]
struct HomeTimesForm {
    #[serde(default)]
    home_times: String,
}

/// Records when the family says the person is at home; the schedule keeps the visit inside.
async fn home_times(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
    Form(f): Form<HomeTimesForm>,
) -> Result<Response, PageError> {
    let c = changeable(&state, &p, id, info.lang).await?;
    let text = f.home_times.trim();
    if let Err(m) = jempol_plan::parse_home_times(text) {
        let name = state
            .db
            .campaign_members(id)
            .await?
            .into_iter()
            .find(|m| m.id == rid)
            .map(|m| m.name)
            .unwrap_or_default();
        let refusal = Refusal {
            field: "home_times",
            message: format!("Waktu di rumah {name}: {m}"),
            typed: vec![("home_times", f.home_times.clone()), ("home_times_of", rid.to_string())],
        };
        return refuse_field(&state, &p, info.lang, c, refusal).await;
    }
    state
        .db
        .set_member_note(
            id,
            rid,
            jempol_store::campaigns::MemberNote::HomeTimes,
            Some(text).filter(|t| !t.is_empty()),
            &p.actor(),
            state.now(),
        )
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/gelombang/{id}?ok=camp.times_saved#m{rid}")).into_response())
}

use crate::letters::PaperQuery;

/// The schedule to print: one part per team (what the team carries), one per desa (what the
/// village is told), with the kop surat and the Camat's signature block.
async fn schedule_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    use jempol_docs::Block;
    let s = load_schedule(&state, &p, id, info.lang).await?;
    let head = crate::letters::letterhead(&state, &s.c.kecamatan_code).await?;
    let header: Vec<String> = ["Hari, tanggal", "Jam", "Nama", "Desa", "Alamat", "Kebutuhan"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let mut by_team: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut by_desa: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for r in &s.plan.routes {
        for st in &r.stops {
            let person = s.person(&st.id);
            let row = vec![
                format!("{}, {}", weekday(r.date), r.date.strftime("%d-%m-%Y")),
                hm(st.start),
                person.name,
                person.desa.clone(),
                person.address,
                [person.needs, person.home_times]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
            ];
            by_team.entry(r.team.clone()).or_default().push(row.clone());
            let mut desa_row = row;
            desa_row[1] = format!("{} ({})", desa_row[1], r.team);
            by_desa.entry(person.desa).or_default().push(desa_row);
        }
    }
    let mut blocks = vec![
        head.block(),
        Block::Title("JADWAL KUNJUNGAN RUMAH PEREKAMAN E-KTP".into()),
        Block::Subtitle(format!(
            "{} — versi {} ({})",
            s.c.name,
            s.sp.version,
            plan_status(&s.sp.status, Lang::Id)
        )),
        Block::Space(8.0),
    ];
    let widths = vec![2.2, 1.0, 2.6, 1.6, 3.0, 2.4];
    for (team, rows) in by_team {
        blocks.push(Block::Heading(match s.teams.get(&team).filter(|m| !m.is_empty()) {
            Some(members) => format!("{team} — {members}"),
            None => team.clone(),
        }));
        blocks.push(Block::Table {
            widths: widths.clone(),
            header: header.clone(),
            rows,
        });
    }
    blocks.push(Block::PageBreak);
    blocks.push(Block::Title("JADWAL PER DESA/KELURAHAN".into()));
    for (desa, rows) in by_desa {
        blocks.push(Block::Heading(format!("Desa/Kelurahan {desa}")));
        blocks.push(Block::Table {
            widths: widths.clone(),
            header: header.clone(),
            rows,
        });
    }
    if !s.plan.unplanned.is_empty() {
        blocks.push(Block::Heading("Belum masuk jadwal".into()));
        blocks.push(Block::Table {
            widths: vec![3.0, 2.0, 6.0],
            header: vec!["Nama".into(), "Desa".into(), "Alasan".into()],
            rows: s
                .plan
                .unplanned
                .iter()
                .map(|u| {
                    let person = s.person(&u.id);
                    vec![person.name, person.desa, u.reason.clone()]
                })
                .collect(),
        });
    }
    blocks.push(head.signature(today_wib(state.now())));
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Jadwal kunjungan rumah — {}", s.c.name),
        blocks,
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "campaign.export",
            "campaign",
            Some(&id.to_string()),
            Some(serde_json::json!({"format": "pdf", "version": s.sp.version})),
        )
        .await?;
    Ok(crate::letters::pdf_response(
        &format!("jadwal-gelombang-{id}-v{}.pdf", s.sp.version),
        body,
    ))
}

/// Numbers one notification letter for every desa with visits in the latest schedule.
async fn number_desa_letters(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    if !(p.can(Action::PlanSchedule) || p.can(Action::ManageMeetings)) {
        return Err(PageError(AppError::Forbidden, info.lang));
    }
    let s = load_schedule(&state, &p, id, info.lang).await?;
    let mut desa: Vec<String> = s
        .plan
        .routes
        .iter()
        .flat_map(|r| r.stops.iter())
        .filter_map(|st| s.members.get(&st.id).map(|m| m.desa_code.clone()))
        .collect();
    desa.sort();
    desa.dedup();
    let classification = state
        .db
        .setting("surat.kode_pemberitahuan")
        .await?
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "470".into());
    let format = state
        .db
        .setting("surat.format")
        .await?
        .filter(|f| f.contains("{nomor}"))
        .unwrap_or_else(|| jempol_store::meetings::DEFAULT_FORMAT.to_string());
    let today = today_wib(state.now()).to_string();
    let letters: Vec<(String, jempol_store::meetings::NewLetter)> = desa
        .iter()
        .map(|code| {
            let name = s.desa_names.get(code).cloned().unwrap_or(code.clone());
            (
                code.clone(),
                jempol_store::meetings::NewLetter {
                    kecamatan_code: s.c.kecamatan_code.clone(),
                    direction: "keluar".into(),
                    classification: classification.clone(),
                    letter_date: today.clone(),
                    counterpart: format!("Kepala Desa/Lurah {name}"),
                    subject: format!(
                        "Pemberitahuan jadwal perekaman e-KTP jemput bola ({}, versi {})",
                        s.c.name, s.sp.version
                    ),
                    campaign_id: Some(id),
                    external_number: None,
                },
            )
        })
        .collect();
    state
        .db
        .register_desa_letters(&letters, &format, &p.actor(), state.now())
        .await?;
    Ok(Redirect::to(&format!("/gelombang/{id}/jadwal?ok=camp.letters_numbered")).into_response())
}

/// The notification letter to one desa: the numbered letter, its people's visits, what the
/// families should prepare, the Camat's signature block.
async fn desa_letter_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, desa)): Path<(i64, String)>,
    Query(q): Query<PaperQuery>,
) -> Result<Response, PageError> {
    use jempol_docs::Block;
    let desa = desa.trim_end_matches(".pdf").to_string();
    let s = load_schedule(&state, &p, id, info.lang).await?;
    let letter = state.db.desa_letter(id, &desa).await?.ok_or_else(|| {
        PageError(
            AppError::Invalid("Surat pemberitahuan untuk desa ini belum bernomor. Beri nomor dulu.".into()),
            info.lang,
        )
    })?;
    let head = crate::letters::letterhead(&state, &s.c.kecamatan_code).await?;
    let name = s.desa_names.get(&desa).cloned().unwrap_or(desa.clone());
    let mut rows = Vec::new();
    for r in &s.plan.routes {
        for st in &r.stops {
            if s.members.get(&st.id).is_some_and(|m| m.desa_code == desa) {
                let person = s.person(&st.id);
                rows.push(vec![
                    format!("{}, {}", weekday(r.date), r.date.strftime("%d-%m-%Y")),
                    format!("± {}", hm(st.start)),
                    person.name,
                    person.address,
                    person.needs,
                ]);
            }
        }
    }
    let date = letter
        .letter_date
        .parse::<jiff::civil::Date>()
        .unwrap_or(today_wib(state.now()));
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Pemberitahuan jadwal perekaman — {name}"),
        blocks: vec![
            head.block(),
            Block::Fields(vec![
                ("Nomor".into(), letter.number.clone()),
                ("Sifat".into(), "Penting".into()),
                ("Lampiran".into(), "1 (satu) lembar".into()),
                ("Perihal".into(), "Pemberitahuan jadwal perekaman e-KTP jemput bola".into()),
            ]),
            Block::Para(format!("Kepada Yth.\nKepala Desa/Lurah {name}\ndi {name}")),
            Block::Para(format!(
                "Dalam rangka pelaksanaan SOP Jemput Bola Perekaman E-KTP ({}), bersama ini kami sampaikan jadwal kunjungan rumah tim perekaman kepada warga desa Bapak/Ibu sebagaimana terlampir. Jam kunjungan adalah perkiraan.",
                s.c.name
            )),
            Block::Para(
                "Mohon bantuan Bapak/Ibu untuk memberitahukan kepada keluarga masing-masing warga agar: (1) menyiapkan Kartu Keluarga (KK); (2) warga yang bersangkutan berada di rumah; (3) satu anggota keluarga mendampingi. Atas perhatian dan kerja samanya kami sampaikan terima kasih."
                    .into(),
            ),
            head.signature(date),
            Block::PageBreak,
            Block::Title("LAMPIRAN".into()),
            Block::Subtitle(format!("Surat Camat {} Nomor {}", head.place, letter.number)),
            Block::Table {
                widths: vec![2.2, 1.0, 2.8, 3.0, 2.6],
                header: vec![
                    "Hari, tanggal".into(),
                    "Jam".into(),
                    "Nama".into(),
                    "Alamat".into(),
                    "Kebutuhan / pengaturan".into(),
                ],
                rows,
            },
        ],
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "campaign.export",
            "campaign",
            Some(&id.to_string()),
            Some(serde_json::json!({"format": "pdf", "document": "surat_desa", "desa": desa})),
        )
        .await?;
    Ok(crate::letters::pdf_response(&format!("pemberitahuan-{desa}.pdf"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_numbers_and_the_prepared_message() {
        assert_eq!(wa_number("0812-3456-7890").as_deref(), Some("6281234567890"));
        assert_eq!(wa_number("+62 812 3456 7890").as_deref(), Some("6281234567890"));
        assert_eq!(wa_number("812345678").as_deref(), Some("62812345678"));
        assert_eq!(wa_number("12345"), None);
        assert_eq!(wa_number(""), None);
        let link = wa_link("081234567890", "KASMINI", "Dolopo", "Senin, 14-12-2026", "08.05").unwrap();
        assert!(
            link.starts_with("https://wa.me/6281234567890?text=Yth.%20Bapak%2FIbu%20keluarga%20KASMINI"),
            "{link}"
        );
        assert!(link.contains("Kartu%20Keluarga") && !link.contains('+') && !link.contains(' '));
    }
}
