//! The SOP's own monitoring and evaluation (Permendagri 52/2011). A form per period, with
//! the figures measured for each step already in it: how many finished, the share on time,
//! median and p90 against the standard. The assessor adds what the SOP asks for. Monitoring
//! asks per step whether it runs well, with notes and actions. Evaluation asks the six
//! questions and a proposed standard. The form prints for signing, and a completed evaluation
//! becomes a draft revision of the SOP for the admin.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::letters::{pdf_response, tanggal};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get};
use crate::sla_pages::{measure, step_lines};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::sop::TimeStandard;
use jempol_docs::Block;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/sop/pemantauan",
            get(Access::Act(Action::ViewDashboard), list).post(Access::Act(Action::ViewDashboard), create),
        )
        .route(
            "/sop/pemantauan/{id}",
            get(Access::Any(&[Action::ManageSop, Action::ViewDashboard]), show)
                .post(Access::Act(Action::ViewDashboard), save),
        )
        .route(
            "/sop/pemantauan/{id}/cetak.pdf",
            get(Access::Act(Action::ViewDashboard), print),
        )
}

/// The questions of the evaluation form.
pub(crate) const CRITERIA: [&str; 6] = [
    "mampu mendorong peningkatan kinerja",
    "mudah dipahami",
    "mudah dilaksanakan",
    "semua orang dapat menjalankan perannya",
    "mampu mengatasi permasalahan",
    "mampu menjawab kebutuhan peningkatan kinerja organisasi",
];

/// One step of a form: the figures measured, then what the assessor writes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Item {
    pub(crate) no: u32,
    pub(crate) activity: String,
    pub(crate) standard: String,
    pub(crate) done: usize,
    pub(crate) on_time: String,
    pub(crate) median: String,
    pub(crate) p90: String,
    pub(crate) late: usize,
    /// Monitoring: running well?
    pub(crate) ok: Option<bool>,
    pub(crate) notes: String,
    pub(crate) actions: String,
    /// Evaluation: the answers to [`CRITERIA`].
    pub(crate) criteria: Vec<bool>,
    /// Evaluation: a standard the SOP should have instead ("3 hari").
    pub(crate) proposed: String,
}

struct Review {
    id: i64,
    kind: String,
    from: String,
    to: String,
    assessor: String,
    items: Vec<Item>,
    created_by: String,
    completed: bool,
}

async fn reviews(state: &AppState) -> Result<Vec<Review>, AppError> {
    Ok(state
        .db
        .reviews()
        .await?
        .into_iter()
        .map(
            |(id, kind, from, to, assessor, items, created_by, _, completed)| Review {
                id,
                kind,
                from,
                to,
                assessor,
                items: serde_json::from_str(&items).unwrap_or_default(),
                created_by,
                completed: completed.is_some(),
            },
        )
        .collect())
}

async fn review(state: &AppState, id: i64) -> Result<Review, AppError> {
    reviews(state)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)
}

fn kind_label(kind: &str) -> &'static str {
    if kind == "evaluasi" {
        "Evaluasi SOP"
    } else {
        "Monitoring SOP"
    }
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ListPage {
    l: Layout,
    rows: Vec<(i64, &'static str, String, String, String, bool)>,
    error: Option<crate::pages::Refusal>,
    today: String,
}

async fn list_page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    error: Option<crate::pages::Refusal>,
) -> Result<Html<String>, PageError> {
    allow(p, Action::ViewDashboard, info.lang)?;
    let rows = reviews(state)
        .await
        .map_err(|e| PageError(e, info.lang))?
        .into_iter()
        .map(|r| (r.id, kind_label(&r.kind), r.from, r.to, r.assessor, r.completed))
        .collect();
    render(&ListPage {
        l: layout(
            info.lang,
            Some(p),
            Tr(info.lang).s("rev.title"),
            "/sop/pemantauan",
            None,
        ),
        rows,
        error,
        today: crate::clock::today_wib(state.now()).to_string(),
    })
}

async fn list(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
) -> Result<Html<String>, PageError> {
    list_page(&state, &p, &info, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn create(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(f): Form<CreateForm>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewDashboard, lang)?;
    let from = crate::clock::parse_local_date(&f.from);
    let to = crate::clock::parse_local_date(&f.to);
    let why = match (f.kind.as_str(), from, to) {
        ("monitoring" | "evaluasi", Some(a), Some(b)) if a <= b => None,
        ("monitoring" | "evaluasi", Some(_), Some(_)) => {
            Some(("to", "Tanggal akhir periode harus setelah tanggal awalnya."))
        }
        ("monitoring" | "evaluasi", None, _) => Some(("from", "Isi periode yang dinilai: tanggal awal dan akhir.")),
        ("monitoring" | "evaluasi", _, None) => Some(("to", "Isi periode yang dinilai: tanggal awal dan akhir.")),
        _ => Some(("kind", "Pilih jenis formulir: monitoring atau evaluasi.")),
    };
    let (Some(from), Some(to), None) = (from, to, why) else {
        let refusal = why.map(|(field, message)| {
            crate::pages::Refusal::new(
                field,
                message,
                vec![("kind", f.kind.clone()), ("from", f.from.clone()), ("to", f.to.clone())],
            )
        });
        let body = list_page(&state, &p, &info, refusal).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    // The figures of the units finished within the period.
    let cal = crate::calendar_pages::calendar(&state)
        .await
        .map_err(|e| PageError(e, lang))?;
    let (a, b) = (
        cal.instant(from.at(0, 0, 0, 0)),
        cal.instant(to.tomorrow().unwrap_or(to).at(0, 0, 0, 0)),
    );
    let measured: Vec<_> = measure(&state, &p.scope)
        .await
        .map_err(|e| PageError(e, lang))?
        .into_iter()
        .filter(|m| m.span.end.is_some_and(|e| e >= a && e < b))
        .collect();
    let items: Vec<Item> = step_lines(&state, &measured)
        .await
        .map_err(|e| PageError(e, lang))?
        .into_iter()
        .map(|s| Item {
            late: measured
                .iter()
                .filter(|m| m.span.step == s.no && m.sla.state == jempol_core::worktime::SlaState::Late)
                .count(),
            no: s.no,
            activity: s.activity,
            standard: s.standard,
            done: s.done,
            on_time: s.on_time_share,
            median: s.median,
            p90: s.p90,
            criteria: vec![false; CRITERIA.len()],
            ..Default::default()
        })
        .collect();
    let (sop, _) = state.db.active_sop().await?;
    let json = serde_json::to_string(&items).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    let id = state
        .db
        .create_review(
            &f.kind,
            (&from.to_string(), &to.to_string()),
            sop.id,
            &json,
            &p.actor(),
            state.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/sop/pemantauan/{id}")).into_response())
}

/// A step of the form with its evaluation questions: field name, question, answer.
struct ItemView {
    i: Item,
    checks: Vec<(String, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    l: Layout,
    id: i64,
    title: &'static str,
    evaluation: bool,
    period: String,
    assessor: String,
    created_by: String,
    items: Vec<ItemView>,
    completed: bool,
    /// What to fix: (the form field, the message); the field may be empty for the whole form.
    errors: Vec<(String, String)>,
    can_revise: bool,
}

impl ReviewPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn review_page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    r: Review,
    errors: Vec<(String, String)>,
    ok: Option<&str>,
) -> Result<Html<String>, PageError> {
    render(&ReviewPage {
        l: layout(info.lang, Some(p), kind_label(&r.kind), "/sop/pemantauan", ok),
        id: r.id,
        title: kind_label(&r.kind),
        evaluation: r.kind == "evaluasi",
        period: format!("{} – {}", crate::pages::tanggal(&r.from), crate::pages::tanggal(&r.to)),
        assessor: r.assessor,
        created_by: r.created_by,
        items: r
            .items
            .into_iter()
            .map(|i| ItemView {
                checks: CRITERIA
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        (
                            format!("c{k}_{}", i.no),
                            *c,
                            i.criteria.get(k).copied().unwrap_or(false),
                        )
                    })
                    .collect(),
                i,
            })
            .collect(),
        completed: r.completed,
        errors,
        can_revise: r.kind == "evaluasi"
            && r.completed
            && state.db.active_sop().await.is_ok()
            && p.can(Action::ManageSop),
    })
}

async fn show(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::OkQuery>,
) -> Result<Html<String>, PageError> {
    if !p.can(Action::ManageSop) {
        allow(&p, Action::ViewDashboard, info.lang)?;
    }
    let r = review(&state, id).await.map_err(|e| PageError(e, info.lang))?;
    review_page(&state, &p, &info, r, vec![], q.ok.as_deref()).await
}

async fn save(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewDashboard, lang)?;
    let mut r = review(&state, id).await.map_err(|e| PageError(e, lang))?;
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let complete = get("action") == "selesai";
    r.assessor = get("assessor").chars().take(200).collect();
    let mut errors = Vec::new();
    let evaluation = r.kind == "evaluasi";
    for item in &mut r.items {
        let n = item.no;
        item.notes = get(&format!("notes_{n}")).chars().take(1000).collect();
        item.actions = get(&format!("actions_{n}")).chars().take(1000).collect();
        item.ok = match get(&format!("ok_{n}")).as_str() {
            "ya" => Some(true),
            "tidak" => Some(false),
            _ => None,
        };
        item.criteria = (0..CRITERIA.len())
            .map(|k| form.iter().any(|(name, _)| *name == format!("c{k}_{n}")))
            .collect();
        item.proposed = get(&format!("proposed_{n}"));
        if !item.proposed.is_empty() && TimeStandard::parse(&item.proposed).is_err() {
            errors.push((
                format!("proposed_{n}"),
                format!(
                    "Langkah {n}: usulan standar \"{}\" tidak terbaca; tulis seperti 30 menit, 2 jam atau 3 hari.",
                    item.proposed
                ),
            ));
        }
        if complete && !evaluation && item.ok.is_none() {
            errors.push((
                format!("ok_{n}"),
                format!("Langkah {n}: pilih apakah berjalan dengan baik (ya atau tidak)."),
            ));
        }
        if complete && item.ok == Some(false) && item.actions.is_empty() {
            errors.push((
                format!("actions_{n}"),
                format!("Langkah {n} tidak berjalan baik: tulis tindakan yang harus diambil."),
            ));
        }
    }
    if complete && r.assessor.is_empty() {
        errors.push(("assessor".into(), "Tulis nama penilai.".into()));
    }
    if !errors.is_empty() {
        let body = review_page(&state, &p, &info, r, errors, None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let json = serde_json::to_string(&r.items).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    match state
        .db
        .save_review(id, &r.assessor, &json, complete, &p.actor(), state.now())
        .await
    {
        Ok(()) => {}
        Err(jempol_store::StoreError::Conflict(why)) => {
            let body = review_page(
                &state,
                &p,
                &info,
                r,
                vec![(String::new(), format!("Tidak disimpan: {why}."))],
                None,
            )
            .await?;
            return Ok((axum::http::StatusCode::CONFLICT, body).into_response());
        }
        Err(e) => return Err(PageError(e.into(), lang)),
    }
    let ok = if complete { "rev.completed" } else { "rev.saved" };
    Ok(Redirect::to(&format!("/sop/pemantauan/{id}?ok={ok}")).into_response())
}

async fn print(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<crate::letters::PaperQuery>,
) -> Result<Response, PageError> {
    let lang = info.lang;
    allow(&p, Action::ViewDashboard, lang)?;
    let r = review(&state, id).await.map_err(|e| PageError(e, lang))?;
    let evaluation = r.kind == "evaluasi";
    let kec = state.config.deployment.kecamatan.first().cloned().unwrap_or_default();
    let head = crate::letters::letterhead(&state, &kec).await?;
    let (sop, def) = state.db.active_sop().await?;
    let mut blocks = vec![
        head.block(),
        Block::Title(format!("FORMULIR {}", kind_label(&r.kind).to_uppercase())),
        Block::Subtitle(def.identity.title.clone()),
        Block::Fields(vec![
            ("Nomor SOP".into(), def.identity.number.clone()),
            ("Versi".into(), sop.version.clone()),
            (
                "Periode".into(),
                format!("{} – {}", crate::pages::tanggal(&r.from), crate::pages::tanggal(&r.to)),
            ),
            ("Penilai".into(), r.assessor.clone()),
        ]),
    ];
    let measured = |i: &Item| {
        format!(
            "{} selesai, {} tepat waktu, median {}, p90 {}",
            i.done, i.on_time, i.median, i.p90
        )
    };
    if evaluation {
        blocks.push(Block::Table {
            widths: vec![0.7, 3.0, 1.6, 2.6, 3.0, 1.6],
            header: vec![
                "No".into(),
                "Kegiatan".into(),
                "Standar".into(),
                "Terukur".into(),
                "Penilaian".into(),
                "Usulan standar".into(),
            ],
            rows: r
                .items
                .iter()
                .map(|i| {
                    let yes: Vec<&str> = CRITERIA
                        .iter()
                        .zip(&i.criteria)
                        .filter(|(_, on)| **on)
                        .map(|(c, _)| *c)
                        .collect();
                    vec![
                        i.no.to_string(),
                        i.activity.clone(),
                        i.standard.clone(),
                        measured(i),
                        format!(
                            "{}{}",
                            if yes.is_empty() {
                                "—".to_string()
                            } else {
                                yes.join("; ")
                            },
                            if i.notes.is_empty() {
                                String::new()
                            } else {
                                format!(". {}", i.notes)
                            }
                        ),
                        i.proposed.clone(),
                    ]
                })
                .collect(),
        });
    } else {
        blocks.push(Block::Table {
            widths: vec![0.7, 3.0, 1.6, 2.6, 1.6, 2.0, 2.4],
            header: vec![
                "No".into(),
                "Kegiatan".into(),
                "Standar".into(),
                "Terukur".into(),
                "Berjalan baik".into(),
                "Catatan".into(),
                "Tindakan".into(),
            ],
            rows: r
                .items
                .iter()
                .map(|i| {
                    vec![
                        i.no.to_string(),
                        i.activity.clone(),
                        i.standard.clone(),
                        measured(i),
                        match i.ok {
                            Some(true) => "Ya".into(),
                            Some(false) => "Tidak".into(),
                            None => "—".into(),
                        },
                        i.notes.clone(),
                        i.actions.clone(),
                    ]
                })
                .collect(),
        });
    }
    let today = crate::clock::today_wib(state.now());
    blocks.push(Block::Signature {
        place_date: format!("{}, {}", head.place, tanggal(today)),
        title: "Penilai".into(),
        name: if r.assessor.is_empty() {
            "..............................".into()
        } else {
            r.assessor.clone()
        },
        id_line: "NIP. ..............................".into(),
    });
    let doc = jempol_docs::Doc {
        paper: jempol_docs::Paper::from_key(&q.kertas),
        title: format!("{} {}", kind_label(&r.kind), r.from),
        blocks,
    };
    let body = jempol_docs::render(&doc).map_err(|e| PageError(AppError::Internal(e.to_string()), lang))?;
    state
        .db
        .audit_event(
            &p.actor(),
            state.now(),
            "sop_review.print",
            "sop_review",
            Some(&id.to_string()),
            None,
        )
        .await?;
    Ok(pdf_response(&format!("{}-{id}.pdf", r.kind), body))
}

/// The active SOP's text with the standards a completed evaluation proposes, as a draft for
/// the admin's SOP page.
pub(crate) async fn draft_revision(state: &AppState, id: i64) -> Result<String, AppError> {
    let r = review(state, id).await?;
    if r.kind != "evaluasi" || !r.completed {
        return Err(AppError::Invalid(
            "Hanya evaluasi yang sudah selesai yang bisa menjadi revisi SOP.".into(),
        ));
    }
    let (sop, _) = state.db.active_sop().await?;
    let text = state.db.active_sop_text().await?;
    let changes: Vec<(u32, String)> = r
        .items
        .iter()
        .filter(|i| !i.proposed.is_empty())
        .map(|i| (i.no, i.proposed.clone()))
        .collect();
    Ok(jempol_core::sop::revise_toml(
        &text,
        &changes,
        &format!("{}-revisi-evaluasi-{id}", sop.version),
    ))
}
