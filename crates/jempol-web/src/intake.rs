//! Intake of a village's list (SOP step 1): read the file, check every row against the rules
//! and against residents already known in any desa, and save it as a submission. Shared by the
//! CLI (`jempol import-residents`), and by the upload page and the API as they come.

use crate::error::AppError;
use jempol_core::Finding;
use jempol_core::region::{Level, is_within, level_of};
use jempol_core::scope::Deployment;
use jempol_import::{Corrections, Field, Grid, Mapping, MappingChoice, Message, RowReport, RowStatus};
use jempol_store::regions::Region;
use jempol_store::residents::NewResident;
use jempol_store::submissions::{NewSubmission, SubmissionRow};
use jempol_store::{Actor, Db};
use serde::Serialize;

/// The report the CLI and the API print: three counts that partition the data rows, and
/// every data row with its messages.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct IntakeReport {
    pub accepted: usize,
    pub warnings: usize,
    pub rejected: usize,
    pub rows: Vec<RowReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<i64>,
}

impl IntakeReport {
    fn count(&mut self) {
        let n = |s: RowStatus| self.rows.iter().filter(|r| r.status == s).count();
        self.accepted = n(RowStatus::Accepted);
        self.warnings = n(RowStatus::Warning);
        self.rejected = n(RowStatus::Rejected);
    }
}

/// The desa a submission is for: a real desa code inside the deployment.
pub async fn check_desa(db: &Db, dep: &Deployment, code: &str) -> Result<Region, AppError> {
    if level_of(code) != Ok(Level::Desa) {
        return Err(AppError::Invalid(format!(
            "Kode desa \"{code}\" tidak sah; contoh kode desa: 35.19.02.2001."
        )));
    }
    let region = db
        .region(code)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Desa dengan kode {code} tidak ada di daftar wilayah.")))?;
    if !dep.kecamatan.iter().any(|k| is_within(code, k)) {
        return Err(AppError::Invalid(format!(
            "Desa {} ({code}) tidak berada di kecamatan yang dilayani Jempol ini.",
            region.name
        )));
    }
    Ok(region)
}

/// Reads and checks a file with the mapping Jempol guesses. Nothing is saved.
pub async fn check_file(
    db: &Db,
    file_name: &str,
    bytes: &[u8],
    today: jiff::civil::Date,
) -> Result<IntakeReport, AppError> {
    let grid = jempol_import::read(file_name, bytes).map_err(|e| AppError::Invalid(e.to_string()))?;
    check_sheet(db, &grid, today).await
}

/// Checks a grid with the mapping Jempol guesses. Nothing is saved.
pub async fn check_sheet(db: &Db, grid: &Grid, today: jiff::civil::Date) -> Result<IntakeReport, AppError> {
    let mapping = jempol_import::find_header(grid).ok_or_else(no_header)?;
    check_grid(db, grid, &mapping, today, None).await
}

fn no_header() -> AppError {
    AppError::Invalid(
        "Baris judul kolom tidak ditemukan. Pastikan di 30 baris pertama ada baris judul dengan kolom NIK dan NAMA (unduh templatnya bila ragu)."
            .into(),
    )
}

/// Checks the rows of a grid (a file, or the one-person form) under a mapping, against the
/// rules, residents already known in any desa, and drafts not sent yet (other than
/// `this_draft`). Nothing is saved.
pub async fn check_grid(
    db: &Db,
    grid: &jempol_import::Grid,
    mapping: &Mapping,
    today: jiff::civil::Date,
    this_draft: Option<i64>,
) -> Result<IntakeReport, AppError> {
    let kecamatan = db.region_codes(3).await?;
    let mut rows = jempol_import::check_rows(grid, mapping, today, &|c| kecamatan.contains(c));
    let candidates: Vec<String> = rows
        .iter()
        .filter(|r| r.status != RowStatus::Rejected)
        .map(|r| r.draft.nik.clone())
        .collect();
    let known = db.known_niks(&candidates).await?;
    let in_drafts = db.niks_in_other_drafts(&candidates, this_draft).await?;
    let nik_column = mapping
        .column(Field::Nik)
        .map(|c| mapping.describe(c))
        .unwrap_or_else(|| "NIK".into());
    let message = |f: Finding| Message {
        code: f.code.into(),
        column: nik_column.clone(),
        text: f.message,
        severity: f.severity,
        field: "nik",
    };
    for r in rows.iter_mut().filter(|r| r.status != RowStatus::Rejected) {
        if let Some((desa, id)) = known.get(&r.draft.nik) {
            let desa_name = match db.region(desa).await? {
                Some(d) => format!("{} ({desa})", d.name),
                None => desa.clone(),
            };
            r.messages.push(message(Finding::error(
                "nik_known",
                "nik",
                format!(
                    "NIK ini sudah terdaftar di Jempol (warga #{id}, Desa {desa_name}). Tidak perlu diajukan lagi; bila datanya perlu diubah, hubungi staf kecamatan."
                ),
            )));
            r.status = RowStatus::Rejected;
        } else if let Some(other) = in_drafts.get(&r.draft.nik) {
            r.messages.push(message(Finding::warning(
                "nik_in_draft",
                "nik",
                format!(
                    "NIK ini juga ada di draf pengajuan #{other} yang belum dikirim. Pastikan orang yang sama tidak diajukan dua kali: kirim salah satunya saja."
                ),
            )));
            r.status = RowStatus::Warning;
        }
    }
    let mut report = IntakeReport {
        accepted: 0,
        warnings: 0,
        rejected: 0,
        rows,
        submission_id: None,
    };
    report.count();
    Ok(report)
}

/// A draft as the pages show it: the file's grid with the user's corrections in place, the
/// original cells (to tell a correction from what was uploaded), and the mapping in force.
pub struct LoadedDraft {
    pub file_name: String,
    pub grid: Grid,
    pub original: Grid,
    /// The mapping in force: the user's choice, else the guess; `None` when neither exists.
    pub mapping: Option<Mapping>,
    pub chosen: bool,
    pub corrections: Corrections,
}

/// Loads a draft that has not been sent.
pub async fn load_draft(db: &Db, id: i64) -> Result<LoadedDraft, AppError> {
    let input = db
        .draft_input(id)
        .await?
        .ok_or_else(|| AppError::Conflict("Pengajuan ini sudah dikirim atau dibatalkan.".into()))?;
    let original = jempol_import::read(&input.file_name, &input.bytes).map_err(|e| AppError::Invalid(e.to_string()))?;
    let choice: Option<MappingChoice> = input.mapping_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    let corrections: Corrections = input
        .corrections_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let mut grid = original.clone();
    jempol_import::apply_corrections(&mut grid, &corrections);
    let mapping = match &choice {
        Some(c) => Mapping::from_choice(&grid, c).ok(),
        None => jempol_import::find_header(&grid),
    };
    Ok(LoadedDraft {
        file_name: input.file_name,
        grid,
        original,
        chosen: choice.is_some() && mapping.is_some(),
        mapping,
        corrections,
    })
}

/// What the user changed in a draft.
pub enum DraftChange {
    /// A new column mapping.
    Mapping(MappingChoice),
    /// New text for cells of one row (column → text), as typed in the row's form.
    Row(u32, std::collections::BTreeMap<usize, String>),
}

/// Applies a change to a draft and checks the whole draft again; the preview is replaced.
/// Returns the new report.
pub async fn change_draft(
    db: &Db,
    id: i64,
    desa: &Region,
    change: DraftChange,
    today: jiff::civil::Date,
    actor: &Actor,
    now: i64,
) -> Result<IntakeReport, AppError> {
    let mut d = load_draft(db, id).await?;
    let mut choice = d
        .chosen
        .then(|| d.mapping.as_ref().map(|m| m.choice(&d.grid)))
        .flatten();
    let (action, what) = match change {
        DraftChange::Mapping(c) => {
            Mapping::from_choice(&d.grid, &c).map_err(|e| AppError::Invalid(e.to_string()))?;
            let what = serde_json::json!({
                "header_row": c.header_row,
                "columns": c.columns.iter().map(|(f, col)| (f.key().to_string(), jempol_import::grid::column_letter(*col))).collect::<std::collections::BTreeMap<_, _>>(),
            });
            choice = Some(c);
            ("submission.map", what)
        }
        DraftChange::Row(row, cells) => {
            let original = d.original.rows.iter().find(|r| r.number == row);
            let Some(original) = original else {
                return Err(AppError::NotFound);
            };
            let entry = d.corrections.entry(row).or_default();
            let mut columns = Vec::new();
            for (c, text) in cells {
                let text = text.trim().to_string();
                let was = original.cells.get(c);
                // Unchanged text in a cell the spreadsheet stored as text needs no correction; the
                // same digits retyped into a number cell are a correction (they are now text).
                let same = was.map(|x| x.text.as_str()).unwrap_or("") == text
                    && was.is_none_or(|x| {
                        matches!(x.kind, jempol_import::CellKind::Text | jempol_import::CellKind::Empty)
                    });
                if same {
                    entry.remove(&c);
                } else {
                    entry.insert(c, text);
                }
                columns.push(jempol_import::grid::column_letter(c));
            }
            if entry.is_empty() {
                d.corrections.remove(&row);
            }
            (
                "submission.correct",
                serde_json::json!({"row": row, "columns": columns}),
            )
        }
    };
    let mut grid = d.original.clone();
    jempol_import::apply_corrections(&mut grid, &d.corrections);
    let mapping = match &choice {
        Some(c) => Mapping::from_choice(&grid, c).map_err(|e| AppError::Invalid(e.to_string()))?,
        None => jempol_import::find_header(&grid).ok_or_else(no_header)?,
    };
    let report = check_grid(db, &grid, &mapping, today, Some(id)).await?;
    let (sop, _) = db.active_sop().await?;
    let mapping_json = choice.as_ref().map(|c| serde_json::to_string(c).unwrap_or_default());
    let corrections_json =
        (!d.corrections.is_empty()).then(|| serde_json::to_string(&d.corrections).unwrap_or_default());
    db.recheck_draft(
        id,
        &to_rows(&report, desa, sop.id),
        mapping_json.as_deref(),
        corrections_json.as_deref(),
        action,
        what,
        actor,
        now,
    )
    .await?;
    Ok(report)
}

fn row_json(r: &RowReport) -> String {
    let d = &r.draft;
    serde_json::json!({
        "nik": d.nik, "no_kk": d.no_kk, "name": d.name, "sex": d.sex, "birth_place": d.birth_place,
        "birth_date": d.birth_date.map(|b| b.to_string()), "address": d.address, "dusun": d.dusun,
        "rt": d.rt, "rw": d.rw, "phone": d.phone, "lansia": d.lansia, "disabilitas": d.disabilitas,
        "disability_kinds": d.disability_kinds, "odgj": d.odgj, "notes": d.notes,
    })
    .to_string()
}

/// The rows to store for a checked report; accepted rows (with or without warnings) carry the
/// resident to create.
fn to_rows(report: &IntakeReport, desa: &Region, sop_definition_id: i64) -> Vec<SubmissionRow> {
    report
        .rows
        .iter()
        .map(|r| {
            let d = &r.draft;
            let status = match r.status {
                RowStatus::Accepted => "accepted",
                RowStatus::Warning => "warning",
                RowStatus::Rejected => "rejected",
            };
            let resident = match (r.status, &d.sex, d.birth_date) {
                (RowStatus::Accepted | RowStatus::Warning, Some(sex), Some(birth)) => Some(NewResident {
                    nik: d.nik.clone(),
                    no_kk: d.no_kk.clone(),
                    name: d.name.trim().to_uppercase(),
                    sex: sex.clone(),
                    birth_place: d.birth_place.trim().to_uppercase(),
                    birth_date: birth.to_string(),
                    desa_code: desa.code.clone(),
                    address: d.address.clone(),
                    rt: d.rt.clone(),
                    rw: d.rw.clone(),
                    disabilitas: d.disabilitas,
                    disability_kind: (!d.disability_kinds.is_empty()).then(|| d.disability_kinds.join(",")),
                    odgj: d.odgj,
                    bedridden: false,
                    stage: "diajukan".into(),
                    sop_definition_id,
                    phone: d.phone.clone(),
                    dusun: d.dusun.clone(),
                    notes: d.notes.clone(),
                }),
                _ => None,
            };
            SubmissionRow {
                row_no: r.row,
                status: status.into(),
                // Rows that pass carry the NIK as normalised (the one saved); rejected rows
                // the NIK as read, to show what is wrong with it.
                nik: if r.status == RowStatus::Rejected {
                    r.nik.clone()
                } else {
                    d.nik.clone()
                },
                data_json: row_json(r),
                messages_json: serde_json::to_string(&r.messages).unwrap_or_else(|_| "[]".into()),
                resident,
            }
        })
        .collect()
}

fn nothing_to_save(report: &IntakeReport) -> Option<AppError> {
    (report.accepted + report.warnings == 0).then(|| {
        AppError::Invalid(format!(
            "Tidak ada baris yang bisa disimpan: {} baris ditolak. Perbaiki baris-baris itu lalu kirim lagi.",
            report.rejected
        ))
    })
}

/// Saves a checked report as a sent submission (step 1 done). Rejected rows are kept with
/// their reasons for correction. Refuses when no row can be saved: it never reports success
/// for nothing.
pub async fn send(
    db: &Db,
    desa: &Region,
    source: &str,
    file_name: Option<&str>,
    report: &mut IntakeReport,
    actor: &Actor,
    now: i64,
) -> Result<i64, AppError> {
    if let Some(e) = nothing_to_save(report) {
        return Err(e);
    }
    let (sop, _) = db.active_sop().await?;
    let sub = NewSubmission {
        desa_code: desa.code.clone(),
        source: source.into(),
        file_name: file_name.map(str::to_string),
        sop_definition_id: sop.id,
    };
    let id = db
        .send_submission(&sub, &to_rows(report, desa, sop.id), actor, now)
        .await?;
    report.submission_id = Some(id);
    Ok(id)
}

/// Checks an uploaded file and keeps it as a draft with its preview. A file whose header row
/// could not be found is kept too, with no rows yet: the user maps its columns. Returns the
/// draft's id and whether it still needs a mapping.
pub async fn draft(
    db: &Db,
    desa: &Region,
    file_name: &str,
    bytes: &[u8],
    today: jiff::civil::Date,
    actor: &Actor,
    now: i64,
) -> Result<(i64, bool), AppError> {
    let grid = jempol_import::read(file_name, bytes).map_err(|e| AppError::Invalid(e.to_string()))?;
    let (rows, needs_mapping) = match jempol_import::find_header(&grid) {
        Some(mapping) => (check_grid(db, &grid, &mapping, today, None).await?, false),
        None => (IntakeReport::default(), true),
    };
    let (sop, _) = db.active_sop().await?;
    let sub = NewSubmission {
        desa_code: desa.code.clone(),
        source: "upload".into(),
        file_name: Some(file_name.to_string()),
        sop_definition_id: sop.id,
    };
    let id = db
        .create_draft(&sub, &to_rows(&rows, desa, sop.id), bytes, actor, now)
        .await?;
    Ok((id, needs_mapping))
}

/// Sends a draft: it is checked again from its file, mapping and corrections (someone may
/// have registered a person since) and the accepted rows become residents.
pub async fn send_draft(
    db: &Db,
    id: i64,
    desa: &Region,
    today: jiff::civil::Date,
    actor: &Actor,
    now: i64,
) -> Result<IntakeReport, AppError> {
    let d = load_draft(db, id).await?;
    let mapping = d.mapping.ok_or_else(no_header)?;
    let mut report = check_grid(db, &d.grid, &mapping, today, Some(id)).await?;
    if let Some(e) = nothing_to_save(&report) {
        return Err(e);
    }
    let (sop, _) = db.active_sop().await?;
    db.send_draft(id, &to_rows(&report, desa, sop.id), actor, now).await?;
    report.submission_id = Some(id);
    Ok(report)
}
