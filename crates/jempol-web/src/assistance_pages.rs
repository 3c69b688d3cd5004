//! SOP step 9, first part: the catalogue of assistance programs. Each program's level (person
//! or family), funding source, the groups it targets and the DTSEN desil it requires; the
//! national programs are there from the start and a kecamatan adds its local ones.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::extract::{Form, Path, Query};
use crate::i18n::Tr;
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get, post};
use crate::welfare_pages::label_of;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_core::assistance::{FUNDING, LEVELS, Program, TARGETS, check_program, default_programs};
use jempol_core::finding::Finding;

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/bantuan/program",
            get(Access::Act(Action::ViewAssistance), catalogue).post(Access::Act(Action::ManagePrograms), add),
        )
        .route(
            "/bantuan/program/{code}",
            post(Access::Act(Action::ManagePrograms), change),
        )
}

struct Line {
    p: Program,
    level: String,
    funding: String,
    targets: String,
}

#[derive(Template)]
#[template(path = "programs.html")]
struct CataloguePage {
    l: Layout,
    lines: Vec<Line>,
    levels: Vec<(&'static str, &'static str)>,
    funding: Vec<(&'static str, &'static str)>,
    targets: Vec<(&'static str, &'static str)>,
    /// The add form as typed, with what to fix.
    typed: Program,
    errors: Vec<Finding>,
    /// The program whose change was refused: as typed, with what to fix.
    failed: Option<(Program, Vec<Finding>)>,
    can_edit: bool,
}

impl CataloguePage {
    /// The add form's problem with `field`.
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The change form of program `code`: its problem with `field`, if it was refused.
    fn err_of(&self, code: &str, field: &str) -> Option<&str> {
        self.failed
            .as_ref()
            .filter(|(p, _)| p.code == code)
            .and_then(|(_, errs)| errs.iter().find(|e| e.field == field))
            .map(|e| e.message.as_str())
    }

    /// What program `p`'s change form shows: as typed when it was refused, else as stored.
    fn shown<'a>(&'a self, p: &'a Program) -> &'a Program {
        match &self.failed {
            Some((typed, _)) if typed.code == p.code => typed,
            _ => p,
        }
    }

    fn refused(&self, code: &str) -> bool {
        self.failed.as_ref().is_some_and(|(p, _)| p.code == code)
    }
}

#[derive(serde::Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

async fn page(
    state: &AppState,
    p: &Principal,
    info: &RequestInfo,
    ok: Option<&str>,
    typed: Option<(Program, Vec<Finding>)>,
    failed: Option<(Program, Vec<Finding>)>,
) -> Result<Html<String>, PageError> {
    allow(p, Action::ViewAssistance, info.lang)?;
    let programs = state.db.programs(&default_programs(), state.now()).await?;
    let (typed, errors) = typed.unwrap_or_else(|| {
        (
            Program {
                code: String::new(),
                name: String::new(),
                level: "orang".into(),
                funding: "kabupaten".into(),
                targets: vec![],
                max_desil: None,
                active: true,
            },
            vec![],
        )
    });
    render(&CataloguePage {
        l: layout(
            info.lang,
            Some(p),
            Tr(info.lang).s("prog.title"),
            "/bantuan/program",
            ok,
        ),
        lines: programs
            .into_iter()
            .map(|p| Line {
                level: label_of(&LEVELS, &p.level),
                funding: label_of(&FUNDING, &p.funding),
                targets: p
                    .targets
                    .iter()
                    .map(|t| label_of(&TARGETS, t))
                    .collect::<Vec<_>>()
                    .join(", "),
                p,
            })
            .collect(),
        levels: LEVELS.to_vec(),
        funding: FUNDING.to_vec(),
        targets: TARGETS.to_vec(),
        typed,
        errors,
        failed,
        can_edit: p.can(Action::ManagePrograms),
    })
}

async fn catalogue(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<OkQuery>,
) -> Result<Html<String>, PageError> {
    page(&state, &p, &info, q.ok.as_deref(), None, None).await
}

/// The form's fields as a program; a desil that is not a number is kept as "none" and named.
fn from_form(form: &[(String, String)], code: &str) -> (Program, Vec<Finding>) {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let desil = get("max_desil");
    let max_desil = if desil.is_empty() {
        None
    } else {
        match desil.parse::<u8>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(Finding::error(
                    "desil_number",
                    "max_desil",
                    "Desil DTSEN antara 1 dan 10, atau kosongkan bila program tidak memakai desil.",
                ));
                None
            }
        }
    };
    let p = Program {
        code: code.to_string(),
        name: get("name"),
        level: get("level"),
        funding: get("funding"),
        targets: form
            .iter()
            .filter(|(k, _)| k == "targets")
            .map(|(_, v)| v.clone())
            .collect(),
        max_desil,
        active: get("active") == "1",
    };
    errors.extend(check_program(&p));
    (p, errors)
}

async fn add(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManagePrograms, info.lang)?;
    let code = form
        .iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.trim().to_lowercase())
        .unwrap_or_default();
    let (program, mut errors) = from_form(&form, &code);
    if errors.is_empty() {
        match state.db.put_program(&program, &p.actor(), state.now(), false).await {
            Ok(()) => return Ok(Redirect::to("/bantuan/program?ok=prog.added").into_response()),
            Err(jempol_store::StoreError::Conflict(why)) => errors.push(Finding::error(
                "code_taken",
                "code",
                format!("Program tidak ditambahkan: {why}."),
            )),
            Err(e) => return Err(PageError(e.into(), info.lang)),
        }
    }
    let body = page(&state, &p, &info, None, Some((program, errors)), None).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn change(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    allow(&p, Action::ManagePrograms, info.lang)?;
    let (program, errors) = from_form(&form, &code);
    if errors.is_empty() {
        match state.db.put_program(&program, &p.actor(), state.now(), true).await {
            Ok(()) => return Ok(Redirect::to("/bantuan/program?ok=prog.saved").into_response()),
            Err(jempol_store::StoreError::NotFound) => {
                return Err(PageError(crate::error::AppError::NotFound, info.lang));
            }
            Err(e) => return Err(PageError(e.into(), info.lang)),
        }
    }
    let body = page(&state, &p, &info, None, None, Some((program, errors))).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
