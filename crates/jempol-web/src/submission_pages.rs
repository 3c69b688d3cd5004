//! SOP step 1 in the browser: a village operator uploads the list, sees every row's check
//! (kept as a draft, so a reload loses nothing), and sends it to the kecamatan. Kecamatan staff
//! see the submissions of every desa in their scope.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::{format_wib, today_wib};
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::i18n::{Lang, Tr};
use crate::intake;
use crate::pages::{ConfirmPage, Layout, OkQuery, PageError, allow, layout, region_label, render};
use crate::routes::{Access, Routes, get, post};
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_store::submissions::Submission;

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/pengajuan",
            get(Access::Any(&[Action::SubmitResidents, Action::VerifySubmissions]), list),
        )
        .route("/pengajuan/unggah", post(Access::Act(Action::SubmitResidents), upload))
        .route(
            "/pengajuan/templat.xlsx",
            get(
                Access::Any(&[Action::SubmitResidents, Action::VerifySubmissions]),
                template,
            ),
        )
        .route(
            "/pengajuan/baru",
            get(Access::Act(Action::SubmitResidents), person_form)
                .post(Access::Act(Action::SubmitResidents), person_submit),
        )
        .route(
            "/pengajuan/{id}",
            get(Access::Any(&[Action::SubmitResidents, Action::VerifySubmissions]), show),
        )
        .route(
            "/pengajuan/{id}/kirim",
            post(Access::Act(Action::SubmitResidents), send),
        )
        .route(
            "/pengajuan/{id}/batal",
            get(Access::Act(Action::SubmitResidents), discard_confirm)
                .post(Access::Act(Action::SubmitResidents), discard),
        )
        .route(
            "/pengajuan/{id}/warga/{rid}/verifikasi",
            post(Access::Act(Action::VerifySubmissions), verify),
        )
        .route(
            "/pengajuan/{id}/warga/{rid}/tolak",
            post(Access::Act(Action::VerifySubmissions), reject),
        )
        .route(
            "/pengajuan/{id}/warga/{rid}/gabung",
            get(Access::Act(Action::VerifySubmissions), merge_confirm)
                .post(Access::Act(Action::VerifySubmissions), merge),
        )
        .route(
            "/pengajuan/{id}/selesai",
            post(Access::Act(Action::VerifySubmissions), complete),
        )
}

struct SubmissionLine {
    id: i64,
    desa: String,
    when: String,
    status: String,
    accepted: i64,
    warnings: i64,
    rejected: i64,
    file: String,
}

#[derive(Template)]
#[template(path = "submissions.html")]
struct ListPage {
    l: Layout,
    can_upload: bool,
    upload_action: String,
    error: Option<String>,
    items: Vec<SubmissionLine>,
}

fn status_label(status: &str, lang: Lang) -> String {
    match (status, lang) {
        ("draft", Lang::Id) => "draf (belum dikirim)".into(),
        ("draft", Lang::En) => "draft (not sent)".into(),
        ("sent", Lang::Id) => "terkirim".into(),
        ("sent", Lang::En) => "sent".into(),
        ("completed", Lang::Id) => "selesai dikumpulkan".into(),
        ("completed", Lang::En) => "collection complete".into(),
        (other, _) => other.into(),
    }
}

fn may_see(p: &Principal) -> Result<(), AppError> {
    if p.can(Action::SubmitResidents) || p.can(Action::VerifySubmissions) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn lines(state: &AppState, p: &Principal, lang: Lang) -> Result<Vec<SubmissionLine>, PageError> {
    let mut out = Vec::new();
    for s in state.db.submissions_in_scope(&p.scope, 200).await? {
        out.push(SubmissionLine {
            desa: region_label(state, &s.desa_code).await,
            when: format_wib(s.sent_at.unwrap_or(s.created_at)),
            status: status_label(&s.status, lang),
            id: s.id,
            accepted: s.accepted,
            warnings: s.warnings,
            rejected: s.rejected,
            file: s.file_name.unwrap_or_default(),
        });
    }
    Ok(out)
}

async fn list_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    error: Option<String>,
    ok: Option<&str>,
) -> Result<Html<String>, PageError> {
    render(&ListPage {
        l: layout(lang, Some(p), Tr(lang).s("sub.title"), "/pengajuan", ok),
        can_upload: p.can(Action::SubmitResidents),
        // Multipart bodies carry the CSRF token in the query string.
        upload_action: format!("/pengajuan/unggah?csrf_token={}", p.csrf),
        error,
        items: lines(state, p, lang).await?,
    })
}

async fn list(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    may_see(&p).map_err(|e| PageError(e, info.lang))?;
    list_page(&state, &p, info.lang, None, q.ok.as_deref()).await
}

/// The template to fill in, with the NIK columns already formatted as Text.
async fn template(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
) -> Result<Response, PageError> {
    may_see(&p).map_err(|e| PageError(e, info.lang))?;
    let desa = match &p.user.desa_code {
        Some(code) => state.db.region(code).await?.map(|r| r.name).unwrap_or_default(),
        None => "..........".to_string(),
    };
    let bytes = jempol_import::template::template_xlsx(&desa)
        .map_err(|e| PageError(AppError::Internal(e.to_string()), info.lang))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"templat-data-rentan.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn upload(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    form: Multipart,
) -> Result<Response, PageError> {
    allow(&p, Action::SubmitResidents, info.lang)?;
    let Some(desa_code) = p.user.desa_code.clone() else {
        return Err(PageError(AppError::Forbidden, info.lang));
    };
    let parts = upload::read(form).await;
    if let Some(why) = parts.problem() {
        return upload_failed(&state, &p, info.lang, &why).await;
    }
    let Some((name, bytes)) = parts.file("file", "daftar.xlsx") else {
        return upload_failed(&state, &p, info.lang, "Pilih berkas daftar dulu, lalu tekan Unggah.").await;
    };
    let desa = intake::check_desa(&state.db, &state.config.deployment, &desa_code).await?;
    match intake::draft(
        &state.db,
        &desa,
        &name,
        &bytes,
        today_wib(state.now()),
        &p.actor(),
        state.now(),
    )
    .await
    {
        Ok((id, false)) => Ok(Redirect::to(&format!("/pengajuan/{id}")).into_response()),
        Ok((id, true)) => Ok(Redirect::to(&format!("/pengajuan/{id}/kolom")).into_response()),
        Err(AppError::Invalid(m)) => upload_failed(&state, &p, info.lang, &m).await,
        Err(e) => Err(PageError(e, info.lang)),
    }
}

/// The upload form again with the reason; nothing was saved, and the page says so.
async fn upload_failed(state: &AppState, p: &Principal, lang: Lang, msg: &str) -> Result<Response, PageError> {
    let error = format!("{msg} {}", Tr(lang).s("sub.nothing_saved"));
    let page = list_page(state, p, lang, Some(error), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

struct RowLine {
    row: i64,
    status: &'static str,
    status_label: &'static str,
    nik: String,
    name: String,
    messages: Vec<(String, String)>,
    resident_id: Option<i64>,
    /// Step 2: the person's stage, shown once the submission is sent.
    stage: String,
    stage_label: String,
    reason: Option<String>,
    can_decide: bool,
    error: Option<String>,
    /// Step 2: other records that may be the same person (id, description).
    duplicates: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "submission.html")]
struct ShowPage {
    l: Layout,
    s: Submission,
    desa: String,
    status: String,
    is_draft: bool,
    /// The draft's owner may still change it (map columns, correct rows).
    can_fix: bool,
    needs_mapping: bool,
    can_send: bool,
    can_complete: bool,
    pending: usize,
    times: Vec<(String, String, String)>,
    rows: Vec<RowLine>,
}

/// A submission the principal may see, or not found (another desa's submission does not exist
/// for a village operator).
pub(crate) async fn visible(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<Submission, PageError> {
    may_see(p).map_err(|e| PageError(e, lang))?;
    match state.db.submission(id).await? {
        Some(s) if p.scope.contains_desa(&s.desa_code) && s.status != "discarded" => Ok(s),
        _ => Err(PageError(AppError::NotFound, lang)),
    }
}

fn stage_label(stage: &str, lang: Lang) -> String {
    match (stage, lang) {
        ("diajukan", Lang::Id) => "menunggu verifikasi".into(),
        ("diajukan", Lang::En) => "awaiting verification".into(),
        ("terverifikasi", Lang::Id) => "terverifikasi".into(),
        ("terverifikasi", Lang::En) => "verified".into(),
        ("ditolak", Lang::Id) => "ditolak kecamatan".into(),
        ("ditolak", Lang::En) => "rejected by the kecamatan".into(),
        ("digabung", Lang::Id) => "digabung dengan data yang sama".into(),
        ("digabung", Lang::En) => "merged into the same person's record".into(),
        (other, _) => other.into(),
    }
}

/// "1 jam 20 menit" from milliseconds (elapsed clock time).
pub(crate) fn duration_text(ms: i64) -> String {
    let minutes = (ms.max(0) + 59_999) / 60_000;
    match (minutes / 1440, (minutes % 1440) / 60, minutes % 60) {
        (0, 0, m) => format!("{m} menit"),
        (0, h, 0) => format!("{h} jam"),
        (0, h, m) => format!("{h} jam {m} menit"),
        (d, h, _) => format!("{d} hari {h} jam"),
    }
}

async fn show_page(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    id: i64,
    ok: Option<&str>,
    row_error: Option<(i64, String)>,
) -> Result<Html<String>, PageError> {
    let s = visible(state, p, id, lang).await?;
    let t = Tr(lang);
    let stages = state.db.submission_stages(id).await?;
    let deciding = s.status == "sent" && p.can(Action::VerifySubmissions);
    let mut candidates = if deciding {
        state.db.duplicate_candidates(id, &p.scope).await?
    } else {
        Default::default()
    };
    let mut described: std::collections::HashMap<i64, Vec<(i64, String)>> = Default::default();
    for (rid, list) in candidates.drain() {
        let mut out = Vec::new();
        for c in list {
            let why = match lang {
                Lang::Id => format!("lahir {}", c.birth_date),
                Lang::En => format!("born {}", c.birth_date),
            };
            out.push((
                c.id,
                format!(
                    "#{} {} · NIK {} · {} · {} · {}",
                    c.id,
                    c.name,
                    crate::resident_pages::shown_nik(p, &c.nik),
                    why,
                    region_label(state, &c.desa_code).await,
                    stage_label(&c.stage, lang)
                ),
            ));
        }
        described.insert(rid, out);
    }
    let rows: Vec<RowLine> = state
        .db
        .submission_rows(id)
        .await?
        .into_iter()
        .map(|r| {
            let data: serde_json::Value = serde_json::from_str(&r.data_json).unwrap_or_default();
            let msgs: Vec<serde_json::Value> = serde_json::from_str(&r.messages_json).unwrap_or_default();
            let (status, key) = match r.status.as_str() {
                "accepted" => ("accepted", "sub.accepted"),
                "warning" => ("warning", "sub.warnings"),
                _ => ("rejected", "sub.rejected"),
            };
            let (stage, reason) = r
                .resident_id
                .and_then(|rid| stages.get(&rid).cloned())
                .unwrap_or_default();
            RowLine {
                row: r.row_no,
                status,
                status_label: t.s(key),
                nik: r.nik,
                name: data["name"].as_str().unwrap_or("").to_string(),
                messages: msgs
                    .iter()
                    .map(|m| {
                        (
                            m["column"].as_str().unwrap_or("").to_string(),
                            m["text"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect(),
                can_decide: deciding && stage == "diajukan",
                stage_label: stage_label(&stage, lang),
                error: row_error
                    .as_ref()
                    .filter(|(rid, _)| Some(*rid) == r.resident_id)
                    .map(|(_, m)| m.clone()),
                duplicates: r.resident_id.and_then(|rid| described.remove(&rid)).unwrap_or_default(),
                resident_id: r.resident_id,
                stage,
                reason,
            }
        })
        .collect();
    let pending = rows.iter().filter(|r| r.stage == "diajukan").count();
    let (_, def) = state.db.active_sop().await?;
    let standard = |i: usize| def.steps.get(i).map(|s| s.time.clone()).unwrap_or_default();
    let mut times = Vec::new();
    if let Some(sent) = s.sent_at {
        times.push((
            t.s("sub.step1").to_string(),
            duration_text(sent - s.created_at),
            standard(0),
        ));
    }
    if let (Some(sent), Some(done)) = (s.sent_at, s.completed_at) {
        times.push((t.s("sub.step2").to_string(), duration_text(done - sent), standard(1)));
    }
    render(&ShowPage {
        l: layout(
            lang,
            Some(p),
            &format!("{} #{}", t.s("nav.submissions"), s.id),
            "/pengajuan",
            ok,
        ),
        desa: region_label(state, &s.desa_code).await,
        status: status_label(&s.status, lang),
        is_draft: s.status == "draft",
        can_fix: s.status == "draft" && p.can(Action::SubmitResidents),
        needs_mapping: s.status == "draft" && rows.is_empty(),
        can_send: s.status == "draft" && p.can(Action::SubmitResidents) && s.accepted + s.warnings > 0,
        can_complete: deciding && pending == 0,
        pending: if deciding { pending } else { 0 },
        times,
        s,
        rows,
    })
}

async fn show(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    show_page(&state, &p, info.lang, id, q.ok.as_deref(), None).await
}

async fn verify(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    allow(&p, Action::VerifySubmissions, info.lang)?;
    visible(&state, &p, id, info.lang).await?;
    state
        .db
        .decide_resident(id, rid, true, None, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/pengajuan/{id}#w{rid}")).into_response())
}

#[derive(serde::Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
    crate::extract::Form(f): crate::extract::Form<RejectForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::VerifySubmissions, info.lang)?;
    visible(&state, &p, id, info.lang).await?;
    let reason = f.reason.trim();
    if reason.chars().count() < 5 {
        let msg = match info.lang {
            Lang::Id => "Tulis alasan penolakan (paling sedikit 5 huruf) agar desa tahu apa yang harus diperbaiki.",
            Lang::En => "Write the reason for rejecting (at least 5 letters) so the village knows what to fix.",
        };
        let page = show_page(&state, &p, info.lang, id, None, Some((rid, msg.to_string()))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .db
        .decide_resident(id, rid, false, Some(reason), &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/pengajuan/{id}#w{rid}")).into_response())
}

#[derive(serde::Deserialize)]
struct MergeQuery {
    /// The record to merge into; none (0) is a record that does not exist.
    #[serde(default)]
    ke: i64,
}

/// The record to merge into, if the principal may see it.
async fn merge_target(
    state: &AppState,
    p: &Principal,
    into: i64,
    lang: Lang,
) -> Result<jempol_store::residents::ResidentDetail, PageError> {
    state
        .db
        .resident_in_scope(into, &p.scope)
        .await?
        .ok_or(PageError(AppError::NotFound, lang))
}

async fn merge_confirm(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
    Query(q): Query<MergeQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::VerifySubmissions, info.lang)?;
    visible(&state, &p, id, info.lang).await?;
    let dup = merge_target(&state, &p, rid, info.lang).await?;
    let into = merge_target(&state, &p, q.ke, info.lang).await?;
    let question = match info.lang {
        Lang::Id => format!(
            "Gabungkan {} (warga #{rid} dari pengajuan ini) ke data warga #{} {}? Data pengajuan ini tetap disimpan sebagai riwayat dan ditandai digabung; verifikasi dilanjutkan pada data #{}.",
            dup.row.name, into.row.id, into.row.name, into.row.id
        ),
        Lang::En => format!(
            "Merge {} (person #{rid} of this submission) into record #{} {}? This submission's record is kept as history and marked merged; verification continues on record #{}.",
            dup.row.name, into.row.id, into.row.name, into.row.id
        ),
    };
    render(&ConfirmPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("confirm.title"),
            "/pengajuan",
            None,
        ),
        question,
        action: format!("/pengajuan/{id}/warga/{rid}/gabung?ke={}", q.ke),
        cancel: format!("/pengajuan/{id}#w{rid}"),
    })
}

async fn merge(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, rid)): Path<(i64, i64)>,
    Query(q): Query<MergeQuery>,
) -> Result<Response, PageError> {
    allow(&p, Action::VerifySubmissions, info.lang)?;
    visible(&state, &p, id, info.lang).await?;
    merge_target(&state, &p, q.ke, info.lang).await?;
    state
        .db
        .merge_resident(id, rid, q.ke, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/pengajuan/{id}?ok=sub.merged#w{rid}")).into_response())
}

async fn complete(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    allow(&p, Action::VerifySubmissions, info.lang)?;
    visible(&state, &p, id, info.lang).await?;
    state
        .db
        .complete_submission(id, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to(&format!("/pengajuan/{id}?ok=sub.completed")).into_response())
}

async fn send(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    allow(&p, Action::SubmitResidents, info.lang)?;
    let s = visible(&state, &p, id, info.lang).await?;
    let desa = intake::check_desa(&state.db, &state.config.deployment, &s.desa_code).await?;
    intake::send_draft(&state.db, id, &desa, today_wib(state.now()), &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e, info.lang))?;
    Ok(Redirect::to(&format!("/pengajuan/{id}?ok=sub.sent")).into_response())
}

async fn discard_confirm(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::SubmitResidents, info.lang)?;
    let s = visible(&state, &p, id, info.lang).await?;
    let question = match info.lang {
        Lang::Id => format!(
            "Batalkan draf pengajuan #{} ({})? Tidak ada data yang dikirim ke kecamatan.",
            s.id,
            s.file_name.unwrap_or_default()
        ),
        Lang::En => format!(
            "Discard draft submission #{} ({})? Nothing is sent to the kecamatan.",
            s.id,
            s.file_name.unwrap_or_default()
        ),
    };
    render(&ConfirmPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("confirm.title"),
            "/pengajuan",
            None,
        ),
        question,
        action: format!("/pengajuan/{id}/batal"),
        cancel: format!("/pengajuan/{id}"),
    })
}

async fn discard(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    allow(&p, Action::SubmitResidents, info.lang)?;
    visible(&state, &p, id, info.lang).await?;
    state
        .db
        .discard_draft(id, &p.actor(), state.now())
        .await
        .map_err(|e| PageError(e.into(), info.lang))?;
    Ok(Redirect::to("/pengajuan?ok=sub.discarded").into_response())
}

/// One person at a time (step 1 without a spreadsheet).
#[derive(serde::Deserialize, Default, Clone)]
pub(crate) struct PersonForm {
    #[serde(default)]
    pub(crate) nik: String,
    #[serde(default)]
    pub(crate) no_kk: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) sex: String,
    #[serde(default)]
    pub(crate) birth_place: String,
    #[serde(default)]
    pub(crate) birth_date: String,
    #[serde(default)]
    pub(crate) dusun: String,
    #[serde(default)]
    pub(crate) rt: String,
    #[serde(default)]
    pub(crate) rw: String,
    #[serde(default)]
    pub(crate) phone: String,
    pub(crate) disabilitas: Option<String>,
    #[serde(default)]
    pub(crate) ragam: String,
    pub(crate) odgj: Option<String>,
    #[serde(default)]
    pub(crate) notes: String,
    #[serde(default)]
    pub(crate) action: String,
}

pub(crate) const RAGAM: [&str; 7] = ["fisik", "netra", "rungu", "wicara", "intelektual", "mental", "ganda"];

impl PersonForm {
    /// The form as a one-row sheet, so it goes through exactly the rules a file does.
    pub(crate) fn grid(&self) -> jempol_import::Grid {
        let mut categories = Vec::new();
        if self.disabilitas.is_some() {
            categories.push(format!("DISABILITAS {}", self.ragam.to_uppercase()).trim().to_string());
        }
        if self.odgj.is_some() {
            categories.push("ODGJ".to_string());
        }
        let categories = categories.join(", ");
        jempol_import::one_row(&[
            ("NIK", &self.nik),
            ("NO KK", &self.no_kk),
            ("NAMA", &self.name),
            ("L/P", &self.sex),
            ("TEMPAT LAHIR", &self.birth_place),
            ("TGL LAHIR", &self.birth_date),
            ("DUSUN", &self.dusun),
            ("RT", &self.rt),
            ("RW", &self.rw),
            ("NO HP", &self.phone),
            ("KATEGORI", &categories),
            ("KETERANGAN", &self.notes),
        ])
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    f: PersonForm,
    errors: std::collections::BTreeMap<String, Vec<String>>,
    warnings: Vec<String>,
    checked_ok: bool,
    ragam: Vec<&'static str>,
}

impl PersonPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|v| v.join(" "))
    }
}

async fn person_form(PageAuth(p): PageAuth, info: RequestInfo) -> Result<Html<String>, PageError> {
    allow(&p, Action::SubmitResidents, info.lang)?;
    render(&PersonPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("sub.person_title"),
            "/pengajuan",
            None,
        ),
        f: PersonForm::default(),
        errors: Default::default(),
        warnings: vec![],
        checked_ok: false,
        ragam: RAGAM.to_vec(),
    })
}

async fn person_submit(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    crate::extract::Form(mut f): crate::extract::Form<PersonForm>,
) -> Result<Response, PageError> {
    allow(&p, Action::SubmitResidents, info.lang)?;
    let desa_code = p
        .user
        .desa_code
        .clone()
        .ok_or(PageError(AppError::Forbidden, info.lang))?;
    let desa = intake::check_desa(&state.db, &state.config.deployment, &desa_code).await?;
    let today = today_wib(state.now());
    let (mut report, errors, warnings, rejected) = check_person(&state, &mut f, today)
        .await
        .map_err(|e| PageError(e, info.lang))?;
    if f.action == "kirim" && !rejected {
        let id = intake::send(&state.db, &desa, "form", None, &mut report, &p.actor(), state.now())
            .await
            .map_err(|e| PageError(e, info.lang))?;
        return Ok(Redirect::to(&format!("/pengajuan/{id}?ok=sub.sent")).into_response());
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&PersonPage {
        l: layout(
            info.lang,
            Some(&p),
            Tr(info.lang).s("sub.person_title"),
            "/pengajuan",
            None,
        ),
        checked_ok: errors.is_empty(),
        f,
        errors,
        warnings,
        ragam: RAGAM.to_vec(),
    })?;
    Ok((status, page).into_response())
}

/// Errors per field, the warnings, and whether the row was rejected.
pub(crate) type PersonCheck = (
    intake::IntakeReport,
    std::collections::BTreeMap<String, Vec<String>>,
    Vec<String>,
    bool,
);

/// Checks one person typed into a form with exactly the rules of a file (a one-row sheet);
/// the NIK fills sex and birth date when they were left empty.
pub(crate) async fn check_person(
    state: &AppState,
    f: &mut PersonForm,
    today: jiff::civil::Date,
) -> Result<PersonCheck, AppError> {
    let report = intake::check_sheet(&state.db, &f.grid(), today).await?;
    let mut errors: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut warnings = Vec::new();
    let mut rejected = true;
    match report.rows.first() {
        None => {
            errors
                .entry("nik".into())
                .or_default()
                .push("Isi data warga: paling sedikit NIK dan nama.".into());
        }
        Some(row) => {
            rejected = row.status == jempol_import::RowStatus::Rejected;
            for m in &row.messages {
                let field = match m.field {
                    "category" => "kategori",
                    other => other,
                };
                match m.severity {
                    jempol_core::Severity::Error => errors.entry(field.to_string()).or_default().push(m.text.clone()),
                    jempol_core::Severity::Warning => warnings.push(m.text.clone()),
                }
            }
            // The NIK fills what was left empty.
            if f.sex.trim().is_empty()
                && let Some(sx) = &row.draft.sex
            {
                f.sex = sx.clone();
            }
            if f.birth_date.trim().is_empty()
                && let Some(b) = row.draft.birth_date
            {
                f.birth_date = b.to_string();
            }
        }
    }
    Ok((report, errors, warnings, rejected))
}
