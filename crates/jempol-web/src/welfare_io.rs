//! Steps 9–12 in and out of files. In: Dinsos or village lists keyed by NIK, OpenSID's export
//! of a program bantuan, and results of proposals, each checked row by row before anything is
//! applied (the same preview-then-apply as the resident importer). Out: the proposals as the
//! channels need them (BNBA list as XLSX, the berita acara of the musyawarah desa as PDF) and
//! the report per desa and program as a page, PDF and XLSX. Every export is in the audit log.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Query};
use crate::i18n::Tr;
use crate::letters::{hari, pdf_response, tanggal, title_case};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::resident_pages::{attachment, shown_nik};
use crate::routes::{Access, Routes, get, post};
use crate::welfare_pages::{Loaded, StepTime, campaigns_for, label_of, load, step_times, target_label};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::assistance::{CHANNELS, DTSEN_TARGET, Dtsen, Program, RESULTS, default_programs};
use jempol_core::{Action, Scope};
use jempol_docs::{Block, Signer};
use jempol_import::welfare::{ListRow, read_opensid, read_results_list, read_status_list};
use jempol_store::welfare::{Decision, Whose};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/bantuan/impor",
            get(
                Access::Any(&[Action::CoordinateAssistance, Action::EvaluateProposals]),
                import_form,
            )
            .post(
                Access::Any(&[Action::CoordinateAssistance, Action::EvaluateProposals]),
                import_check,
            ),
        )
        .route(
            "/bantuan/impor/terapkan",
            post(
                Access::Any(&[Action::CoordinateAssistance, Action::EvaluateProposals]),
                import_apply,
            ),
        )
        .route(
            "/bantuan/usulan",
            get(Access::Act(Action::ViewAssistance), proposals_page),
        )
        .route(
            "/bantuan/usulan/bnba.xlsx",
            get(Access::Act(Action::ViewAssistance), bnba_xlsx),
        )
        .route(
            "/bantuan/usulan/berita-acara.pdf",
            get(Access::Act(Action::ViewAssistance), musdes_pdf),
        )
        .route(
            "/bantuan/laporan",
            get(Access::Act(Action::ViewAssistance), report_page),
        )
        .route(
            "/bantuan/laporan.xlsx",
            get(Access::Act(Action::ViewAssistance), report_xlsx),
        )
        .route(
            "/bantuan/laporan.pdf",
            get(Access::Act(Action::ViewAssistance), report_pdf),
        )
}

// ---------- imports ----------

/// The kinds of list a user can upload.
const KINDS: [(&str, &str); 3] = [
    (
        "daftar",
        "Daftar Dinsos/desa: NIK dengan program, sejak, status DTSEN, desil",
    ),
    ("opensid", "Ekspor program bantuan OpenSID (lembar Program dan Peserta)"),
    ("hasil", "Hasil usulan: NIK, usulan, hasil, alasan, tanggal"),
];

/// One change the import will make, checked again when applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t")]
enum Item {
    Dtsen {
        rid: i64,
        dtsen: String,
        desil: Option<u8>,
    },
    Received {
        rid: i64,
        program: String,
        since: Option<String>,
    },
    Result {
        pid: i64,
        result: String,
        reason: String,
        date: Option<String>,
    },
}

struct PreviewLine {
    row: u32,
    nik: String,
    name: String,
    what: String,
    error: String,
}

#[derive(Template)]
#[template(path = "assistance_import.html")]
struct ImportPage {
    l: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    programs: Vec<(String, String)>,
    kind: String,
    program: String,
    source: String,
    /// The field at fault (`kind`, `program`, `source`, `berkas`) and what to fix.
    error: Option<(&'static str, String)>,
    lines: Vec<PreviewLine>,
    usable: usize,
    refused: usize,
    plan: String,
    heading: String,
}

impl ImportPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[allow(clippy::too_many_arguments)]
async fn import_page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    kind: &str,
    program: &str,
    source: &str,
    error: Option<(&'static str, String)>,
    preview: Option<(String, Vec<PreviewLine>, Vec<Item>)>,
) -> Result<Html<String>, PageError> {
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let (heading, lines, plan) = preview.unwrap_or_default();
    let refused = lines.iter().filter(|l| !l.error.is_empty()).count();
    render(&ImportPage {
        l: layout(info.lang, Some(p), Tr(info.lang).s("bi.title"), "/bantuan", None),
        kinds: KINDS
            .iter()
            .filter(|(k, _)| {
                if *k == "hasil" {
                    p.can(Action::EvaluateProposals)
                } else {
                    p.can(Action::CoordinateAssistance)
                }
            })
            .copied()
            .collect(),
        programs: programs
            .iter()
            .filter(|x| x.active)
            .map(|x| (x.code.clone(), x.name.clone()))
            .collect(),
        kind: kind.to_string(),
        program: program.to_string(),
        source: source.to_string(),
        error,
        usable: plan.len(),
        refused,
        plan: serde_json::to_string(&plan).unwrap_or_default(),
        lines,
        heading,
    })
}

fn may_import(p: &Principal) -> bool {
    p.can(Action::CoordinateAssistance) || p.can(Action::EvaluateProposals)
}

async fn import_form(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
) -> Result<Html<String>, PageError> {
    if !may_import(&p) {
        allow(&p, Action::CoordinateAssistance, info.lang)?;
    }
    import_page(&state, &p, &info, "daftar", "", "", None, None).await
}

/// A program named in a list: its code, by code or name (case and punctuation ignored), or a
/// name that begins exactly one program's name.
fn match_program(text: &str, programs: &[Program]) -> Result<String, String> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let t = norm(text);
    if t.is_empty() {
        return Err("Program tidak tertulis; pilih program di formulir unggah.".into());
    }
    if let Some(p) = programs.iter().find(|p| norm(&p.code) == t || norm(&p.name) == t) {
        return Ok(p.code.clone());
    }
    let starts: Vec<&Program> = programs.iter().filter(|p| norm(&p.name).starts_with(&t)).collect();
    match starts.as_slice() {
        [one] => Ok(one.code.clone()),
        [] => Err(format!(
            "Program \"{text}\" tidak ada di katalog; tulis sesuai nama di katalog atau pilih program di formulir unggah."
        )),
        many => Err(format!(
            "Program \"{text}\" cocok dengan lebih dari satu program ({}); tulis nama lengkapnya.",
            many.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

async fn import_check(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    form: Multipart,
) -> Result<Response, PageError> {
    if !may_import(&p) {
        allow(&p, Action::CoordinateAssistance, info.lang)?;
    }
    let parts = crate::upload::read(form).await;
    let (kind, program) = (parts.text("kind"), parts.text("program"));
    let source: String = parts.text("source").trim().chars().take(200).collect();
    let (st, pr, inf, k, pg, src) = (&state, &p, &info, &kind, &program, &source);
    let refuse = move |field: &'static str, why: String| async move {
        let body = import_page(st, pr, inf, k, pg, src, Some((field, why)), None).await?;
        Ok::<Response, PageError>((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
    };
    let needed = if kind == "hasil" {
        Action::EvaluateProposals
    } else {
        Action::CoordinateAssistance
    };
    allow(&p, needed, info.lang)?;
    if let Some(why) = parts.problem() {
        return refuse("berkas", why).await;
    }
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        return refuse("kind", "Pilih jenis daftar yang diunggah.".into()).await;
    }
    if source.is_empty() {
        return refuse(
            "source",
            "Tulis sumber daftarnya (misalnya Dinsos Kab. Madiun, November 2026).".into(),
        )
        .await;
    }
    let Some((fname, bytes)) = parts.file("berkas", "daftar.csv") else {
        return refuse("berkas", "Pilih berkasnya (XLSX, XLS, ODS atau CSV).".into()).await;
    };
    let today = today_wib(state.now());
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let read = match kind.as_str() {
        "opensid" => jempol_import::read_sheets(&fname, &bytes)
            .map_err(|e| e.to_string())
            .and_then(|s| read_opensid(&s, today))
            .map(|(info, rows)| {
                let target = if program.is_empty() {
                    match_program(&info.name, &programs).ok()
                } else {
                    Some(program.clone())
                };
                (
                    format!(
                        "Program OpenSID \"{}\" ({}){}",
                        info.name,
                        if info.sasaran == "2" {
                            "sasaran keluarga: semua anggota keluarga"
                        } else {
                            "sasaran penduduk"
                        },
                        target
                            .as_ref()
                            .map(|t| format!(" → {}", target_label(&programs, t)))
                            .unwrap_or_default()
                    ),
                    rows,
                    target,
                )
            }),
        "hasil" => jempol_import::read(&fname, &bytes)
            .map_err(|e| e.to_string())
            .and_then(|g| read_results_list(&g, today))
            .map(|rows| ("Hasil usulan".to_string(), rows, None)),
        _ => jempol_import::read(&fname, &bytes)
            .map_err(|e| e.to_string())
            .and_then(|g| read_status_list(&g, today))
            .map(|rows| ("Daftar penerima dan status DTSEN".to_string(), rows, None)),
    };
    let (heading, rows, opensid_target) = match read {
        Ok(x) => x,
        Err(e) => return refuse("berkas", e).await,
    };
    if kind == "opensid" && opensid_target.is_none() {
        return refuse("program", format!(
            "{heading}: program ini tidak ditemukan di katalog. Pilih program katalog yang sama di formulir, lalu unggah lagi."
        ))
        .await;
    }
    let (lines, plan) = plan(&state, &p, &kind, &program, opensid_target.as_deref(), &programs, rows)
        .await
        .map_err(|e| PageError(e, info.lang))?;
    let body = import_page(
        &state,
        &p,
        &info,
        &kind,
        &program,
        &source,
        None,
        Some((format!("{heading} · {fname}"), lines, plan)),
    )
    .await?;
    Ok(body.into_response())
}

/// The rows as changes, each with its person, or why it cannot be used.
async fn plan(
    state: &AppState,
    p: &Principal,
    kind: &str,
    form_program: &str,
    opensid_target: Option<&str>,
    programs: &[Program],
    rows: Vec<ListRow>,
) -> Result<(Vec<PreviewLine>, Vec<Item>), AppError> {
    let niks: Vec<String> = rows.iter().filter_map(|r| r.nik.clone()).collect();
    let by_nik = state.db.residents_by_nik(&p.scope, &niks).await?;
    let kks: Vec<String> = rows.iter().filter_map(|r| r.no_kk.clone()).collect();
    let mut by_kk: HashMap<String, Vec<i64>> = HashMap::new();
    for (kk, id) in state.db.residents_by_kk(&p.scope, &kks).await? {
        by_kk.entry(kk).or_default().push(id);
    }
    let mut names: HashMap<i64, (String, String)> = HashMap::new();
    let mut lines = Vec::new();
    let mut plan = Vec::new();
    for r in rows {
        let mut line = PreviewLine {
            row: r.row,
            nik: r
                .nik
                .as_deref()
                .or(r.no_kk.as_deref())
                .map(|n| shown_nik(p, n))
                .unwrap_or_default(),
            name: String::new(),
            what: String::new(),
            error: r.error.clone().unwrap_or_default(),
        };
        if !line.error.is_empty() {
            lines.push(line);
            continue;
        }
        let people: Vec<i64> = match (&r.nik, &r.no_kk) {
            (_, Some(kk)) => by_kk.get(kk).cloned().unwrap_or_default(),
            (Some(n), None) => by_nik.get(n).map(|id| vec![*id]).unwrap_or_default(),
            (None, None) => vec![],
        };
        if people.is_empty() {
            line.error = if r.no_kk.is_some() {
                "Tidak ada warga dengan No. KK ini di wilayah Anda.".into()
            } else {
                "NIK ini tidak ada di daftar warga rentan wilayah Anda.".into()
            };
            lines.push(line);
            continue;
        }
        let mut who = Vec::new();
        for id in &people {
            if !names.contains_key(id)
                && let Some(w) = state.db.welfare_row(*id, &p.scope).await?
            {
                names.insert(*id, (w.name.clone(), w.nik.clone()));
            }
            if let Some((n, _)) = names.get(id) {
                who.push(n.clone());
            }
        }
        line.name = who.join(", ");
        let mut what = Vec::new();
        let mut items = Vec::new();
        match kind {
            "hasil" => {
                let rid = people[0];
                let pending: Vec<_> = state
                    .db
                    .proposals(Whose::Resident(rid))
                    .await?
                    .into_iter()
                    .filter(|x| x.result == "menunggu")
                    .collect();
                let target = if r.program.is_empty() {
                    None
                } else if ["dtsen", "dtks"].iter().any(|w| r.program.to_lowercase().contains(w)) {
                    Some(DTSEN_TARGET.to_string())
                } else {
                    match match_program(&r.program, programs) {
                        Ok(c) => Some(c),
                        Err(e) => {
                            line.error = e;
                            lines.push(line);
                            continue;
                        }
                    }
                };
                let hits: Vec<_> = pending
                    .iter()
                    .filter(|x| target.as_ref().is_none_or(|t| &x.target == t))
                    .collect();
                match hits.as_slice() {
                    [one] => {
                        let result = r.result.clone().unwrap_or_else(|| "menunggu".into());
                        what.push(format!(
                            "usulan {} → {}{}",
                            target_label(programs, &one.target),
                            label_of(&RESULTS, &result),
                            if r.reason.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", r.reason)
                            }
                        ));
                        items.push(Item::Result {
                            pid: one.id,
                            result,
                            reason: r.reason.clone(),
                            date: r.date.map(|d| d.to_string()),
                        });
                    }
                    [] => line.error = "Tidak ada usulan orang ini yang menunggu hasil untuk program itu.".into(),
                    _ => line.error = "Orang ini punya beberapa usulan yang menunggu: isi kolom Usulan.".into(),
                }
            }
            _ => {
                if let Some(d) = &r.dtsen {
                    let dtsen = Dtsen::from_parts(d, r.desil);
                    what.push(format!("DTSEN: {}", dtsen.label()));
                    for rid in &people {
                        items.push(Item::Dtsen {
                            rid: *rid,
                            dtsen: d.clone(),
                            desil: r.desil,
                        });
                    }
                }
                let program = if let Some(t) = opensid_target {
                    Some(Ok(t.to_string()))
                } else if !form_program.is_empty() && r.program.is_empty() {
                    Some(Ok(form_program.to_string()))
                } else if !r.program.is_empty() {
                    Some(match_program(&r.program, programs))
                } else {
                    None
                };
                match program {
                    Some(Ok(code)) => {
                        what.push(format!(
                            "menerima {}{}",
                            target_label(programs, &code),
                            r.since.map(|d| format!(" sejak {d}")).unwrap_or_default()
                        ));
                        for rid in &people {
                            items.push(Item::Received {
                                rid: *rid,
                                program: code.clone(),
                                since: r.since.map(|d| d.to_string()),
                            });
                        }
                    }
                    Some(Err(e)) => line.error = e,
                    None if what.is_empty() => {
                        line.error = "Baris ini tidak memuat program maupun status DTSEN.".into();
                    }
                    None => {}
                }
            }
        }
        if line.error.is_empty() {
            line.what = what.join("; ");
            plan.extend(items);
        }
        lines.push(line);
    }
    Ok((lines, plan))
}

#[derive(Deserialize)]
struct ApplyForm {
    plan: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: String,
}

async fn import_apply(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<ApplyForm>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    if !may_import(&p) {
        allow(&p, Action::CoordinateAssistance, lang)?;
    }
    let items: Vec<Item> = serde_json::from_str(&f.plan).map_err(|_| {
        PageError(
            AppError::Invalid("Daftar perubahan tidak terbaca; unggah ulang berkasnya.".into()),
            lang,
        )
    })?;
    let source: String = f.source.trim().chars().take(200).collect();
    let source = if source.is_empty() {
        "impor daftar".to_string()
    } else {
        source
    };
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let today = today_wib(state.now());
    let actor = p.actor();
    let mut applied = 0usize;
    // Each change is checked again: the scope, the program, the permission.
    for item in &items {
        match item {
            Item::Dtsen { rid, dtsen, desil } => {
                allow(&p, Action::CoordinateAssistance, lang)?;
                if state.db.welfare_row(*rid, &p.scope).await?.is_none() {
                    continue;
                }
                let Ok(d) =
                    jempol_core::assistance::check_dtsen(dtsen, &desil.map(|d| d.to_string()).unwrap_or_default())
                else {
                    continue;
                };
                state.db.set_dtsen(*rid, d, &source, None, &actor, state.now()).await?;
            }
            Item::Received { rid, program, since } => {
                allow(&p, Action::CoordinateAssistance, lang)?;
                if state.db.welfare_row(*rid, &p.scope).await?.is_none() || !programs.iter().any(|x| &x.code == program)
                {
                    continue;
                }
                let since = since
                    .as_deref()
                    .and_then(|d| d.parse::<jiff::civil::Date>().ok())
                    .filter(|d| *d <= today)
                    .map(|d| d.to_string());
                state
                    .db
                    .add_received(*rid, program, since.as_deref(), &source, &actor, state.now())
                    .await?;
            }
            Item::Result {
                pid,
                result,
                reason,
                date,
            } => {
                allow(&p, Action::EvaluateProposals, lang)?;
                let Some(x) = state.db.proposal(*pid).await? else {
                    continue;
                };
                if state.db.welfare_row(x.resident_id, &p.scope).await?.is_none() {
                    continue;
                }
                let d = date.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok());
                if !jempol_core::assistance::check_result(result, reason, d, today).is_empty() {
                    continue;
                }
                state
                    .db
                    .decide_proposal(
                        *pid,
                        &Decision {
                            result: result.clone(),
                            reason: reason.clone(),
                            date: d.map(|d| d.to_string()),
                            session: None,
                        },
                        &actor,
                        state.now(),
                    )
                    .await?;
            }
        }
        applied += 1;
    }
    state
        .db
        .audit_event(
            &actor,
            state.now(),
            "assistance.import",
            "assistance",
            None,
            Some(serde_json::json!({"kind": f.kind, "source": source, "changes": applied, "offered": items.len()})),
        )
        .await?;
    Ok(Redirect::to(&format!("/bantuan?ok=bi.applied&n={applied}")).into_response())
}

// ---------- proposals and their documents ----------

#[derive(Deserialize, Default)]
struct ProposalQuery {
    gelombang: Option<i64>,
    #[serde(default)]
    desa: String,
    #[serde(default)]
    jalur: String,
    #[serde(default)]
    batas: String,
    #[serde(default)]
    kertas: String,
    #[serde(default)]
    tanggal: String,
}

/// One proposal as listed and exported.
struct ProposalLine {
    rid: i64,
    nik: String,
    no_kk: String,
    name: String,
    address: String,
    desa: String,
    desa_code: String,
    target: String,
    channel: String,
    channel_code: String,
    date: String,
    cutoff: String,
    reason: String,
    result: String,
}

/// What a user is told when there is nothing to list or report yet.
fn no_campaign() -> AppError {
    AppError::Invalid(
        "Belum ada gelombang jemput bola di kecamatan ini. Usulan dan laporan bantuan muncul setelah Kasi Pelayanan membuat gelombang."
            .into(),
    )
}

/// The campaign chosen (or the newest), within the user's kecamatan.
async fn chosen_campaign(state: &AppState, p: &Principal, id: Option<i64>) -> Result<Option<i64>, AppError> {
    let campaigns = campaigns_for(state, &p.scope).await?;
    Ok(id
        .filter(|id| campaigns.iter().any(|c| c.id == *id))
        .or_else(|| campaigns.first().map(|c| c.id)))
}

async fn proposal_lines(
    state: &AppState,
    p: &Principal,
    q: &ProposalQuery,
) -> Result<(Option<i64>, Vec<ProposalLine>, Loaded), AppError> {
    let Some(campaign) = chosen_campaign(state, p, q.gelombang).await? else {
        return Err(no_campaign());
    };
    let desa = Some(q.desa.as_str()).filter(|d| !d.is_empty() && p.scope.contains_desa(d));
    let loaded = load(state, p, campaign, desa).await?;
    let rows: HashMap<i64, &jempol_store::welfare::WelfareRow> =
        loaded.rows.iter().map(|r| (r.resident_id, r)).collect();
    let desa_names: HashMap<i64, String> = loaded.lines.iter().map(|l| (l.id, l.desa.clone())).collect();
    let mut out = Vec::new();
    for x in &loaded.proposals {
        let Some(r) = rows.get(&x.resident_id) else { continue };
        if (!q.jalur.is_empty() && x.channel != q.jalur) || (!q.batas.is_empty() && x.cutoff != q.batas) {
            continue;
        }
        let desa_name = desa_names.get(&r.resident_id).cloned().unwrap_or_default();
        out.push(ProposalLine {
            rid: r.resident_id,
            nik: shown_nik(p, &r.nik),
            no_kk: r.no_kk.as_deref().map(|k| shown_nik(p, k)).unwrap_or_default(),
            name: r.name.clone(),
            address: crate::welfare_pages::address_of(r),
            desa: title_case(&desa_name),
            desa_code: r.desa_code.clone(),
            target: target_label(&loaded.programs, &x.target),
            channel: label_of(&CHANNELS, &x.channel),
            channel_code: x.channel.clone(),
            date: x.proposed_date.clone(),
            cutoff: x.cutoff.clone(),
            reason: x.reason.clone(),
            result: label_of(&RESULTS, &x.result),
        });
    }
    Ok((Some(campaign), out, loaded))
}

#[derive(Template)]
#[template(path = "assistance_proposals.html")]
struct ProposalsPage {
    l: Layout,
    campaigns: Vec<(i64, String)>,
    campaign: i64,
    desa_options: Vec<(String, String)>,
    desa: String,
    channels: Vec<(&'static str, &'static str)>,
    jalur: String,
    batas: String,
    lines: Vec<ProposalLine>,
    query: String,
    today: String,
}

async fn proposals_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ProposalQuery>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let (campaign, lines, _) = proposal_lines(&state, &p, &q).await.map_err(|e| PageError(e, lang))?;
    let campaigns = campaigns_for(&state, &p.scope).await.map_err(|e| PageError(e, lang))?;
    let desa = match &p.scope {
        Scope::Desa { code } => code.clone(),
        s if s.contains_desa(&q.desa) => q.desa.clone(),
        _ => String::new(),
    };
    let enc = crate::users::url_encode;
    render(&ProposalsPage {
        l: layout(lang, Some(&p), Tr(lang).s("bp.title"), "/bantuan", None),
        campaigns: campaigns.iter().map(|c| (c.id, c.name.clone())).collect(),
        campaign: campaign.unwrap_or(0),
        desa_options: crate::resident_pages::desa_options(&state, &p.scope).await?,
        query: format!(
            "gelombang={}&desa={}&jalur={}&batas={}",
            campaign.unwrap_or(0),
            enc(&desa),
            enc(&q.jalur),
            enc(&q.batas)
        ),
        desa,
        channels: CHANNELS.to_vec(),
        jalur: q.jalur.clone(),
        batas: q.batas.clone(),
        lines,
        today: today_wib(state.now()).to_string(),
    })
}

/// An XLSX of one or more sheets; every cell is text (a NIK written as a number would lose its
/// last digit, and text is never run as a formula).
/// One sheet of an XLSX: its name, the header, the rows.
pub(crate) type Sheet<'a> = (&'a str, &'a [&'a str], &'a [Vec<String>]);

pub(crate) fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (name, header, rows) in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(*name)?;
            for (c, h) in header.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            for (i, r) in rows.iter().enumerate() {
                for (c, v) in r.iter().enumerate() {
                    ws.write_string(i as u32 + 1, c as u16, v)?;
                }
            }
            ws.set_freeze_panes(1, 0)?;
        }
        wb.save_to_buffer()
    };
    build().map_err(|e| AppError::Internal(e.to_string()))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn bnba_xlsx(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ProposalQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let (campaign, lines, _) = proposal_lines(&state, &p, &q).await.map_err(|e| PageError(e, lang))?;
    let header = [
        "No",
        "NIK",
        "No. KK",
        "Nama",
        "Alamat",
        "Desa/Kelurahan",
        "Alasan",
        "Diusulkan ke",
        "Jalur",
        "Tanggal usulan",
        "Batas bulan",
        "Hasil",
    ];
    let rows: Vec<Vec<String>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.nik.clone(),
                l.no_kk.clone(),
                l.name.clone(),
                l.address.clone(),
                l.desa.clone(),
                l.reason.clone(),
                l.target.clone(),
                l.channel.clone(),
                l.date.clone(),
                l.cutoff.clone(),
                l.result.clone(),
            ]
        })
        .collect();
    let body = xlsx(&[("BNBA", &header, &rows)]).map_err(|e| PageError(e, lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "proposal.export",
            "campaign",
            campaign.map(|c| c.to_string()).as_deref(),
            Some(
                serde_json::json!({"format": "xlsx", "document": "bnba", "rows": rows.len(),
                "desa": q.desa, "channel": q.jalur, "cutoff": q.batas}),
            ),
        )
        .await?;
    Ok(attachment(XLSX, "bnba-usulan.xlsx", body))
}

async fn musdes_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ProposalQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let desa_code = match &p.scope {
        Scope::Desa { code } => code.clone(),
        _ => q.desa.clone(),
    };
    if desa_code.is_empty() || !p.scope.contains_desa(&desa_code) {
        return Err(PageError(
            AppError::Invalid("Pilih desanya: berita acara musyawarah dibuat per desa.".into()),
            lang,
        ));
    }
    let q = ProposalQuery {
        desa: desa_code.clone(),
        jalur: "musdes".into(),
        ..q
    };
    let (campaign, lines, _) = proposal_lines(&state, &p, &q).await.map_err(|e| PageError(e, lang))?;
    if lines.is_empty() {
        return Err(PageError(
            AppError::Invalid("Belum ada usulan lewat musyawarah desa untuk desa dan bulan ini.".into()),
            lang,
        ));
    }
    let date = crate::clock::parse_local_date(&q.tanggal).unwrap_or_else(|| today_wib(state.now()));
    let kec = desa_code.get(..8).unwrap_or("").to_string();
    let head = crate::letters::letterhead(&state, &kec).await?;
    let desa = state
        .db
        .region(&desa_code)
        .await?
        .map(|r| title_case(&r.name))
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.name.clone(),
                jempol_core::nik::mask(&l.nik),
                l.address.clone(),
                l.target.clone(),
                l.reason.clone(),
            ]
        })
        .collect();
    let cutoffs: Vec<String> = {
        let mut c: Vec<String> = lines.iter().map(|l| l.cutoff.clone()).collect();
        c.sort();
        c.dedup();
        c
    };
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Berita acara musyawarah desa {desa}"),
        blocks: vec![
            Block::Title(format!("BERITA ACARA MUSYAWARAH DESA/KELURAHAN {}", desa.to_uppercase())),
            Block::Subtitle("tentang usulan pendaftaran DTSEN dan penerima bantuan sosial".into()),
            Block::Para(format!(
                "Pada hari ini {}, tanggal {}, bertempat di Balai Desa/Kelurahan {desa}, Kecamatan {}, telah dilaksanakan musyawarah desa/kelurahan yang membahas warga rentan hasil jemput bola perekaman e-KTP (lansia, penyandang disabilitas, dan ODGJ) yang tampak berhak atas bantuan sosial tetapi belum menerimanya.",
                hari(date),
                tanggal(date),
                head.place,
            )),
            Block::Para(format!(
                "Musyawarah menyepakati untuk mengusulkan {} warga berikut melalui operator SIKS-NG desa/kelurahan, untuk batas bulan {}:",
                lines.len(),
                cutoffs.join(", ")
            )),
            Block::Table {
                widths: vec![0.7, 2.6, 2.8, 2.4, 2.2, 2.4],
                header: vec![
                    "No".into(),
                    "Nama".into(),
                    "NIK".into(),
                    "Alamat".into(),
                    "Diusulkan ke".into(),
                    "Alasan".into(),
                ],
                rows,
            },
            Block::Para(
                "Daftar lengkap dengan NIK dan No. KK (BNBA) dilampirkan dan disampaikan melalui SIKS-NG sebelum tanggal 17 bulan berjalan. Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."
                    .into(),
            ),
            Block::Signatories {
                place_date: format!("{desa}, {}", tanggal(date)),
                left: Signer {
                    role: "Ketua Badan Permusyawaratan Desa".into(),
                    name: "..............................".into(),
                    id_line: String::new(),
                },
                right: Signer {
                    role: format!("Kepala Desa/Lurah {desa}"),
                    name: "..............................".into(),
                    id_line: String::new(),
                },
            },
        ],
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "proposal.export",
            "campaign",
            campaign.map(|c| c.to_string()).as_deref(),
            Some(serde_json::json!({"format": "pdf", "document": "berita_acara_musdes", "desa": desa_code, "rows": lines.len()})),
        )
        .await?;
    Ok(pdf_response(
        &format!("berita-acara-musdes-{}.pdf", desa_code.replace('.', "")),
        body,
    ))
}

// ---------- the report ----------

/// Figures per desa (and a total row): people, holding an e-KTP, in DTSEN, receiving any
/// program, proposed, accepted, facilitated.
struct DesaFigures {
    desa: String,
    people: usize,
    ektp: usize,
    dtsen: usize,
    receiving: usize,
    proposed: usize,
    accepted: usize,
    facilitated: usize,
}

/// Per program: receiving, proposed, accepted, rejected, waiting.
struct ProgramFigures {
    name: String,
    receiving: usize,
    proposed: usize,
    accepted: usize,
    rejected: usize,
    waiting: usize,
}

struct Report {
    campaign_name: String,
    desa: Vec<DesaFigures>,
    total: DesaFigures,
    programs: Vec<ProgramFigures>,
    /// Per desa and program.
    cross: Vec<(String, ProgramFigures)>,
    times: Vec<StepTime>,
}

async fn report(state: &AppState, p: &Principal, id: Option<i64>) -> Result<(i64, Report), AppError> {
    let Some(campaign) = chosen_campaign(state, p, id).await? else {
        return Err(no_campaign());
    };
    let loaded = load(state, p, campaign, None).await?;
    let sessions = state.db.assistance_sessions(campaign).await?;
    let times = step_times(state, &loaded, &sessions).await?;
    let receiving: std::collections::HashSet<i64> = loaded.received.iter().map(|x| x.resident_id).collect();
    let empty = |desa: String| DesaFigures {
        desa,
        people: 0,
        ektp: 0,
        dtsen: 0,
        receiving: 0,
        proposed: 0,
        accepted: 0,
        facilitated: 0,
    };
    let mut by_desa: BTreeMap<String, DesaFigures> = BTreeMap::new();
    let mut total = empty("Jumlah".into());
    for l in &loaded.lines {
        for f in [
            by_desa
                .entry(l.desa.clone())
                .or_insert_with(|| empty(title_case(&l.desa))),
            &mut total,
        ] {
            f.people += 1;
            f.ektp += usize::from(l.has_ektp);
            f.dtsen += usize::from(l.registered);
            f.receiving += usize::from(receiving.contains(&l.id));
            f.proposed += usize::from(l.proposed);
            f.accepted += usize::from(l.accepted);
            f.facilitated += usize::from(l.facilitated);
        }
    }
    let mut targets: Vec<(String, String)> = loaded
        .programs
        .iter()
        .map(|x| (x.code.clone(), x.name.clone()))
        .collect();
    targets.insert(0, (DTSEN_TARGET.to_string(), "Pendaftaran DTSEN".to_string()));
    // Per program over everyone, then per desa and program.
    let figures = |people: &std::collections::HashSet<i64>, code: &str, name: &str| {
        let props: Vec<_> = loaded
            .proposals
            .iter()
            .filter(|x| x.target == code && people.contains(&x.resident_id))
            .collect();
        ProgramFigures {
            name: name.to_string(),
            receiving: if code == DTSEN_TARGET {
                loaded
                    .lines
                    .iter()
                    .filter(|l| l.registered && people.contains(&l.id))
                    .count()
            } else {
                loaded
                    .received
                    .iter()
                    .filter(|x| x.program_code == code && people.contains(&x.resident_id))
                    .count()
            },
            proposed: props.len(),
            accepted: props.iter().filter(|x| x.result == "diterima").count(),
            rejected: props.iter().filter(|x| x.result == "ditolak").count(),
            waiting: props.iter().filter(|x| x.result == "menunggu").count(),
        }
    };
    let everyone: std::collections::HashSet<i64> = loaded.lines.iter().map(|l| l.id).collect();
    let programs = targets
        .iter()
        .map(|(code, name)| figures(&everyone, code, name))
        .collect();
    let mut cross = Vec::new();
    for desa in by_desa.keys() {
        let people: std::collections::HashSet<i64> =
            loaded.lines.iter().filter(|l| &l.desa == desa).map(|l| l.id).collect();
        for (code, name) in &targets {
            cross.push((title_case(desa), figures(&people, code, name)));
        }
    }
    let campaign_name = state.db.campaign(campaign).await?.map(|c| c.name).unwrap_or_default();
    Ok((
        campaign,
        Report {
            campaign_name,
            desa: by_desa.into_values().collect(),
            total,
            programs,
            cross,
            times,
        },
    ))
}

const DESA_HEADER: [&str; 8] = [
    "Desa/Kelurahan",
    "Warga",
    "Memegang e-KTP",
    "Terdaftar DTSEN",
    "Menerima bantuan",
    "Diusulkan",
    "Usulan diterima",
    "Difasilitasi",
];
const PROGRAM_HEADER: [&str; 6] = ["Program", "Menerima", "Diusulkan", "Diterima", "Ditolak", "Menunggu"];
const CROSS_HEADER: [&str; 7] = [
    "Desa/Kelurahan",
    "Program",
    "Menerima",
    "Diusulkan",
    "Diterima",
    "Ditolak",
    "Menunggu",
];
const TIME_HEADER: [&str; 5] = ["Langkah", "Standar", "Tercatat", "Sesuai standar", "Terlama"];

fn desa_cells(f: &DesaFigures) -> Vec<String> {
    vec![
        f.desa.clone(),
        f.people.to_string(),
        f.ektp.to_string(),
        f.dtsen.to_string(),
        f.receiving.to_string(),
        f.proposed.to_string(),
        f.accepted.to_string(),
        f.facilitated.to_string(),
    ]
}

fn program_cells(f: &ProgramFigures) -> Vec<String> {
    vec![
        f.name.clone(),
        f.receiving.to_string(),
        f.proposed.to_string(),
        f.accepted.to_string(),
        f.rejected.to_string(),
        f.waiting.to_string(),
    ]
}

fn time_cells(t: &StepTime) -> Vec<String> {
    vec![
        format!("{}. {}", t.no, t.what),
        t.standard.clone(),
        t.count.to_string(),
        t.on_time.to_string(),
        t.longest.clone(),
    ]
}

impl Report {
    fn desa_rows(&self) -> Vec<Vec<String>> {
        self.desa.iter().chain([&self.total]).map(desa_cells).collect()
    }
    fn program_rows(&self) -> Vec<Vec<String>> {
        self.programs.iter().map(program_cells).collect()
    }
    fn cross_rows(&self) -> Vec<Vec<String>> {
        self.cross
            .iter()
            .map(|(desa, f)| {
                let mut row = vec![desa.clone()];
                row.extend(program_cells(f));
                row
            })
            .collect()
    }
    fn time_rows(&self) -> Vec<Vec<String>> {
        self.times.iter().map(time_cells).collect()
    }
}

#[derive(Template)]
#[template(path = "assistance_report.html")]
struct ReportPage {
    l: Layout,
    campaigns: Vec<(i64, String)>,
    campaign: i64,
    name: String,
    desa_header: Vec<&'static str>,
    desa_rows: Vec<Vec<String>>,
    program_header: Vec<&'static str>,
    program_rows: Vec<Vec<String>>,
    cross_header: Vec<&'static str>,
    cross_rows: Vec<Vec<String>>,
    time_header: Vec<&'static str>,
    time_rows: Vec<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    gelombang: Option<i64>,
    #[serde(default)]
    kertas: String,
}

async fn report_page(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let (campaign, r) = report(&state, &p, q.gelombang).await.map_err(|e| PageError(e, lang))?;
    let campaigns = campaigns_for(&state, &p.scope).await.map_err(|e| PageError(e, lang))?;
    render(&ReportPage {
        l: layout(lang, Some(&p), Tr(lang).s("br.title"), "/bantuan", None),
        campaigns: campaigns.iter().map(|c| (c.id, c.name.clone())).collect(),
        campaign,
        name: r.campaign_name.clone(),
        desa_header: DESA_HEADER.to_vec(),
        desa_rows: r.desa_rows(),
        program_header: PROGRAM_HEADER.to_vec(),
        program_rows: r.program_rows(),
        cross_header: CROSS_HEADER.to_vec(),
        cross_rows: r.cross_rows(),
        time_header: TIME_HEADER.to_vec(),
        time_rows: r.time_rows(),
    })
}

async fn audit_report(state: &AppState, p: &Principal, campaign: i64, format: &str) -> Result<(), PageError> {
    Ok(state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "assistance.report",
            "campaign",
            Some(&campaign.to_string()),
            Some(serde_json::json!({ "format": format })),
        )
        .await?)
}

async fn report_xlsx(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let (campaign, r) = report(&state, &p, q.gelombang).await.map_err(|e| PageError(e, lang))?;
    let body = xlsx(&[
        ("Per desa", &DESA_HEADER, &r.desa_rows()),
        ("Per program", &PROGRAM_HEADER, &r.program_rows()),
        ("Per desa dan program", &CROSS_HEADER, &r.cross_rows()),
        ("Waktu langkah", &TIME_HEADER, &r.time_rows()),
    ])
    .map_err(|e| PageError(e, lang))?;
    audit_report(&state, &p, campaign, "xlsx").await?;
    Ok(attachment(XLSX, &format!("laporan-bantuan-{campaign}.xlsx"), body))
}

async fn report_pdf(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewAssistance, lang)?;
    let (campaign, r) = report(&state, &p, q.gelombang).await.map_err(|e| PageError(e, lang))?;
    let kec = state
        .db
        .campaign(campaign)
        .await?
        .map(|c| c.kecamatan_code)
        .unwrap_or_default();
    let head = crate::letters::letterhead(&state, &kec).await?;
    let today = today_wib(state.now());
    let strings = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("Laporan bantuan sosial {}", r.campaign_name),
        blocks: vec![
            head.block(),
            Block::Title("LAPORAN PEMENUHAN BANTUAN SOSIAL WARGA RENTAN".into()),
            Block::Subtitle(format!("{} · keadaan {}", r.campaign_name, tanggal(today))),
            Block::Heading("Per desa/kelurahan".into()),
            Block::Table {
                widths: vec![2.6, 1.0, 1.2, 1.2, 1.3, 1.1, 1.2, 1.2],
                header: strings(&DESA_HEADER),
                rows: r.desa_rows(),
            },
            Block::Heading("Per program".into()),
            Block::Table {
                widths: vec![3.4, 1.2, 1.2, 1.2, 1.2, 1.2],
                header: strings(&PROGRAM_HEADER),
                rows: r.program_rows(),
            },
            Block::Heading("Waktu langkah 9–12 terhadap standar SOP".into()),
            Block::Table {
                widths: vec![3.6, 1.4, 1.2, 1.4, 1.6],
                header: strings(&TIME_HEADER),
                rows: r.time_rows(),
            },
            Block::Signature {
                place_date: format!("{}, {}", head.place, tanggal(today)),
                title: format!("Camat {}", head.place),
                name: "..............................".into(),
                id_line: "NIP. ..............................".into(),
            },
        ],
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    audit_report(&state, &p, campaign, "pdf").await?;
    Ok(pdf_response(&format!("laporan-bantuan-{campaign}.pdf"), body))
}
