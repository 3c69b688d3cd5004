//! Step 1 before sending: the village operator fixes what the check found, in the browser.
//! Columns Jempol could not map are mapped by hand (`/pengajuan/{id}/kolom`), and a rejected row
//! is corrected cell by cell (`/pengajuan/{id}/baris/{row}`). The uploaded file is never
//! changed: the mapping and the corrections are kept with the draft, and every change checks
//! the whole draft again, so the preview always tells the truth about what sending will save.

use crate::AppState;
use crate::auth::{PageAuth, Principal, RequestInfo};
use crate::clock::today_wib;
use crate::error::AppError;
use crate::extract::{Form, Path, Query};
use crate::i18n::{Lang, Tr};
use crate::intake::{self, DraftChange, LoadedDraft};
use crate::pages::{Layout, PageError, allow, layout, render};
use crate::routes::{Access, Routes, get};
use crate::submission_pages::visible;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jempol_core::Action;
use jempol_import::grid::column_letter;
use jempol_import::{Field, MappingChoice, RowStatus, column_titles};
use jempol_store::regions::Region;
use jempol_store::submissions::Submission;
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Routes {
    Routes::new()
        .route(
            "/pengajuan/{id}/kolom",
            get(Access::Act(Action::SubmitResidents), columns).post(Access::Act(Action::SubmitResidents), save_columns),
        )
        .route(
            "/pengajuan/{id}/baris/{row}",
            get(Access::Act(Action::SubmitResidents), row_form).post(Access::Act(Action::SubmitResidents), save_row),
        )
}

/// A field's name on the forms.
pub(crate) fn field_label(f: Field, lang: Lang) -> &'static str {
    let (id, en) = match f {
        Field::Nik => ("NIK", "NIK"),
        Field::NoKk => ("No. KK", "Family card no. (KK)"),
        Field::Name => ("Nama", "Name"),
        Field::Sex => ("Jenis kelamin (L/P)", "Sex (L/P)"),
        Field::BirthPlace => ("Tempat lahir", "Place of birth"),
        Field::BirthDate => ("Tanggal lahir", "Date of birth"),
        Field::BirthPlaceDate => (
            "Tempat dan tanggal lahir dalam satu kolom",
            "Place and date of birth in one column",
        ),
        Field::Address => ("Alamat", "Address"),
        Field::Dusun => ("Dusun", "Dusun"),
        Field::Rt => ("RT", "RT"),
        Field::Rw => ("RW", "RW"),
        Field::RtRw => ("RT/RW dalam satu kolom", "RT/RW in one column"),
        Field::Phone => ("Nomor HP", "Phone"),
        Field::Category => (
            "Kategori (lansia, disabilitas, ODGJ)",
            "Category (lansia, disability, ODGJ)",
        ),
        Field::DisabilityCode => ("Ragam disabilitas (kode OpenSID)", "Type of disability (OpenSID code)"),
        Field::Notes => ("Keterangan", "Notes"),
    };
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// A draft of the principal's own desa that can still be changed.
async fn editable(state: &AppState, p: &Principal, id: i64, lang: Lang) -> Result<(Submission, Region), PageError> {
    allow(p, Action::SubmitResidents, lang)?;
    let s = visible(state, p, id, lang).await?;
    if s.status != "draft" {
        return Err(PageError(
            AppError::Conflict("Pengajuan ini sudah dikirim; isinya tidak bisa diubah lagi.".into()),
            lang,
        ));
    }
    let desa = intake::check_desa(&state.db, &state.config.deployment, &s.desa_code)
        .await
        .map_err(|e| PageError(e, lang))?;
    Ok((s, desa))
}

async fn load(state: &AppState, id: i64, lang: Lang) -> Result<LoadedDraft, PageError> {
    intake::load_draft(&state.db, id).await.map_err(|e| PageError(e, lang))
}

struct FieldChoice {
    key: &'static str,
    label: &'static str,
    required: bool,
    selected: Option<usize>,
    /// The refusal is about this choice: a required field left out, or a column chosen twice.
    invalid: bool,
}

#[derive(Template)]
#[template(path = "draft_columns.html")]
struct ColumnsPage {
    l: Layout,
    id: i64,
    file_name: String,
    header_row: u32,
    columns: Vec<(usize, String)>,
    fields: Vec<FieldChoice>,
    /// The first rows of the file, to see where the header is: (row number, cells).
    sample: Vec<(u32, Vec<String>)>,
    letters: Vec<String>,
    error: Option<String>,
    /// The refusal is about the header row's number (no such row in the file).
    row_invalid: bool,
}

#[derive(serde::Deserialize)]
struct RowQuery {
    baris: Option<u32>,
}

fn columns_page(
    p: &Principal,
    lang: Lang,
    id: i64,
    d: &LoadedDraft,
    choice: &MappingChoice,
    error: Option<String>,
    row_invalid: bool,
) -> Result<Html<String>, PageError> {
    let header_end = d
        .grid
        .rows
        .iter()
        .position(|r| r.number == choice.header_row)
        .unwrap_or(0);
    let columns = column_titles(&d.grid, header_end);
    // Which choices the refusal is about: a required field without a column, or a column
    // given to more than one field.
    let chosen_twice = |c: usize| choice.columns.values().filter(|x| **x == c).count() > 1;
    let fields = Field::ALL
        .into_iter()
        .map(|f| {
            let required = matches!(f, Field::Nik | Field::Name);
            let selected = choice.columns.get(&f).copied();
            FieldChoice {
                key: f.key(),
                label: field_label(f, lang),
                required,
                selected,
                invalid: error.is_some()
                    && !row_invalid
                    && match selected {
                        None => required,
                        Some(c) => chosen_twice(c),
                    },
            }
        })
        .collect();
    let width = columns.len();
    let start = header_end.saturating_sub(3);
    let sample = d
        .grid
        .rows
        .iter()
        .skip(start)
        .take(8)
        .map(|r| {
            (
                r.number,
                (0..width)
                    .map(|c| {
                        let t = r.cells.get(c).map(|x| x.text.as_str()).unwrap_or("");
                        t.chars().take(40).collect()
                    })
                    .collect(),
            )
        })
        .collect();
    let t = Tr(lang);
    render(&ColumnsPage {
        l: layout(
            lang,
            Some(p),
            &format!("{} · {} #{id}", t.s("sub.columns_title"), t.s("nav.submissions")),
            "/pengajuan",
            None,
        ),
        id,
        file_name: d.file_name.clone(),
        header_row: choice.header_row,
        letters: (0..width).map(column_letter).collect(),
        columns,
        fields,
        sample,
        error,
        row_invalid,
    })
}

/// The mapping form: the header row (the guess, or the row the user asked to see) and a column
/// for every field.
async fn columns(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Query(q): Query<RowQuery>,
) -> Result<Html<String>, PageError> {
    editable(&state, &p, id, info.lang).await?;
    let d = load(&state, id, info.lang).await?;
    let first_row = d
        .grid
        .rows
        .iter()
        .find(|r| !r.is_blank())
        .map(|r| r.number)
        .unwrap_or(1);
    let mut choice = d.mapping.as_ref().map(|m| m.choice(&d.grid)).unwrap_or(MappingChoice {
        header_row: first_row,
        columns: BTreeMap::new(),
    });
    let mut error = None;
    if let Some(row) = q.baris.filter(|r| *r != choice.header_row) {
        match d.grid.rows.iter().position(|r| r.number == row) {
            Some(i) => {
                // What Jempol recognises in that row, as a start.
                let mut cols = BTreeMap::new();
                for (c, cell) in d.grid.rows[i].cells.iter().enumerate() {
                    if let Some(f) = jempol_import::header::field_for(&cell.text) {
                        cols.entry(f).or_insert(c);
                    }
                }
                choice = MappingChoice {
                    header_row: row,
                    columns: cols,
                };
            }
            None => error = Some(jempol_import::ChoiceError::NoSuchRow(row).to_string()),
        }
    }
    let row_invalid = error.is_some();
    columns_page(&p, info.lang, id, &d, &choice, error, row_invalid)
}

async fn save_columns(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (_, desa) = editable(&state, &p, id, info.lang).await?;
    let header_row = form
        .get("header_row")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(0);
    let columns: BTreeMap<Field, usize> = Field::ALL
        .into_iter()
        .filter_map(|f| {
            let c = form.get(f.key())?.trim().parse::<usize>().ok()?;
            Some((f, c))
        })
        .collect();
    let choice = MappingChoice { header_row, columns };
    match intake::change_draft(
        &state.db,
        id,
        &desa,
        DraftChange::Mapping(choice.clone()),
        today_wib(state.now()),
        &p.actor(),
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/pengajuan/{id}?ok=sub.mapped")).into_response()),
        Err(AppError::Invalid(msg)) => {
            // The form again with what the user chose and the reason.
            let d = load(&state, id, info.lang).await?;
            let row_invalid = !d.grid.rows.iter().any(|r| r.number == choice.header_row);
            let page = columns_page(&p, info.lang, id, &d, &choice, Some(msg), row_invalid)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(PageError(e, info.lang)),
    }
}

struct CellInput {
    name: String,
    /// What the spreadsheet held, when the cell must be typed again.
    read_as: Option<String>,
    label: &'static str,
    column: String,
    value: String,
    /// Messages about this cell.
    errors: Vec<String>,
    corrected: bool,
}

#[derive(Template)]
#[template(path = "draft_row.html")]
struct RowPage {
    l: Layout,
    id: i64,
    row: u32,
    status: &'static str,
    status_label: &'static str,
    /// Messages not tied to a cell of the form.
    general: Vec<String>,
    cells: Vec<CellInput>,
    still_rejected: bool,
}

/// Messages (column, text) of a row as the last check stored them.
async fn stored_messages(state: &AppState, id: i64, row: u32) -> Result<(String, Vec<(String, String)>), PageError> {
    let rows = state.db.submission_rows(id).await?;
    let Some(r) = rows.into_iter().find(|r| r.row_no == i64::from(row)) else {
        return Ok(("accepted".into(), vec![]));
    };
    let msgs: Vec<serde_json::Value> = serde_json::from_str(&r.messages_json).unwrap_or_default();
    Ok((
        r.status,
        msgs.iter()
            .map(|m| {
                (
                    m["column"].as_str().unwrap_or("").to_string(),
                    m["text"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect(),
    ))
}

#[allow(clippy::too_many_arguments)]
fn row_page(
    p: &Principal,
    lang: Lang,
    id: i64,
    d: &LoadedDraft,
    row: u32,
    status: &str,
    messages: Vec<(String, String)>,
    still_rejected: bool,
) -> Result<Html<String>, PageError> {
    let Some(mapping) = &d.mapping else {
        return Err(PageError(
            AppError::Invalid("Atur kolom berkas ini dulu, lalu perbaiki barisnya.".into()),
            lang,
        ));
    };
    let Some(grid_row) = d.grid.rows.iter().find(|r| r.number == row) else {
        return Err(PageError(AppError::NotFound, lang));
    };
    if d.grid.rows.iter().position(|r| r.number == row) <= Some(mapping.header_end) {
        return Err(PageError(AppError::NotFound, lang));
    }
    let mut used = vec![false; messages.len()];
    let cells = Field::ALL
        .into_iter()
        .filter_map(|f| mapping.column(f).map(|c| (f, c)))
        .map(|(f, c)| {
            let column = mapping.describe(c);
            let errors = messages
                .iter()
                .enumerate()
                .filter(|(_, (col, _))| *col == column)
                .map(|(i, (_, text))| {
                    used[i] = true;
                    text.clone()
                })
                .collect();
            let cell = grid_row.cells.get(c);
            // A NIK or No. KK the spreadsheet stored as a number may have lost its last digit:
            // the form asks for it to be typed again rather than offering the damaged value.
            let retype = matches!(f, Field::Nik | Field::NoKk)
                && cell.is_some_and(|x| x.kind == jempol_import::CellKind::Number);
            CellInput {
                name: format!("c{c}"),
                label: field_label(f, lang),
                read_as: if retype { cell.map(|x| x.text.clone()) } else { None },
                value: if retype {
                    String::new()
                } else {
                    cell.map(|x| x.text.clone()).unwrap_or_default()
                },
                corrected: d.corrections.get(&row).is_some_and(|m| m.contains_key(&c)),
                column,
                errors,
            }
        })
        .collect();
    let general = messages
        .into_iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|((col, text), _)| if col.is_empty() { text } else { format!("{col}: {text}") })
        .collect();
    let t = Tr(lang);
    let (status, key) = match status {
        "accepted" => ("accepted", "sub.accepted"),
        "warning" => ("warning", "sub.warnings"),
        _ => ("rejected", "sub.rejected"),
    };
    render(&RowPage {
        l: layout(
            lang,
            Some(p),
            &format!("{} {row} · {} #{id}", t.s("sub.row_title"), t.s("nav.submissions")),
            "/pengajuan",
            None,
        ),
        id,
        row,
        status,
        status_label: t.s(key),
        general,
        cells,
        still_rejected,
    })
}

async fn row_form(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, row)): Path<(i64, u32)>,
) -> Result<Html<String>, PageError> {
    editable(&state, &p, id, info.lang).await?;
    let d = load(&state, id, info.lang).await?;
    let (status, messages) = stored_messages(&state, id, row).await?;
    row_page(&p, info.lang, id, &d, row, &status, messages, false)
}

async fn save_row(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Path((id, row)): Path<(i64, u32)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (_, desa) = editable(&state, &p, id, info.lang).await?;
    let d = load(&state, id, info.lang).await?;
    let Some(mapping) = &d.mapping else {
        return Err(PageError(
            AppError::Invalid("Atur kolom berkas ini dulu, lalu perbaiki barisnya.".into()),
            info.lang,
        ));
    };
    // Only the cells of mapped columns are taken from the form.
    let cells: BTreeMap<usize, String> = mapping
        .columns
        .values()
        .filter_map(|c| form.get(&format!("c{c}")).map(|v| (*c, v.clone())))
        .collect();
    let report = intake::change_draft(
        &state.db,
        id,
        &desa,
        DraftChange::Row(row, cells),
        today_wib(state.now()),
        &p.actor(),
        state.now(),
    )
    .await
    .map_err(|e| PageError(e, info.lang))?;
    match report.rows.iter().find(|r| r.row == row) {
        Some(r) if r.status == RowStatus::Rejected => {
            let d = load(&state, id, info.lang).await?;
            let messages = r.messages.iter().map(|m| (m.column.clone(), m.text.clone())).collect();
            let page = row_page(&p, info.lang, id, &d, row, "rejected", messages, true)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        _ => Ok(Redirect::to(&format!("/pengajuan/{id}?ok=sub.row_fixed#b{row}")).into_response()),
    }
}
