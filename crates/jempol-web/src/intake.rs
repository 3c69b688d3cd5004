//! Intake of a village's list (SOP step 1): read the file, check every row against the rules
//! and against residents already known in any desa, and save it as a submission. Shared by the
//! CLI (`jempol import-residents`), and by the upload page and the API as they come.

use crate::error::AppError;
use jempol_core::region::{Level, is_within, level_of};
use jempol_core::scope::Deployment;
use jempol_core::{Finding, Severity};
use jempol_import::{Field, Message, RowReport, RowStatus};
use jempol_store::regions::Region;
use jempol_store::residents::NewResident;
use jempol_store::submissions::{NewSubmission, SubmissionRow};
use jempol_store::{Actor, Db};
use serde::Serialize;

/// The report the CLI and the API print: three counts that partition the data rows, and
/// every data row with its messages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// Reads and checks a file. Nothing is saved.
pub async fn check_file(
    db: &Db,
    file_name: &str,
    bytes: &[u8],
    today: jiff::civil::Date,
) -> Result<IntakeReport, AppError> {
    let grid = jempol_import::read(file_name, bytes).map_err(|e| AppError::Invalid(e.to_string()))?;
    check_grid(db, &grid, today).await
}

/// Checks rows already in a grid (a file, or the one-person form). Nothing is saved.
pub async fn check_grid(
    db: &Db,
    grid: &jempol_import::Grid,
    today: jiff::civil::Date,
) -> Result<IntakeReport, AppError> {
    let mapping = jempol_import::find_header(grid).ok_or_else(|| {
        AppError::Invalid(
            "Baris judul kolom tidak ditemukan. Pastikan di 30 baris pertama ada baris judul dengan kolom NIK dan NAMA (unduh templatnya bila ragu)."
                .into(),
        )
    })?;
    let kecamatan = db.region_codes(3).await?;
    let mut rows = jempol_import::check_rows(grid, &mapping, today, &|c| kecamatan.contains(c));
    // Against residents already known, in any desa.
    let candidates: Vec<String> = rows
        .iter()
        .filter(|r| r.status != RowStatus::Rejected)
        .map(|r| r.draft.nik.clone())
        .collect();
    let known = db.known_niks(&candidates).await?;
    let nik_column = mapping
        .column(Field::Nik)
        .map(|c| mapping.describe(c))
        .unwrap_or_else(|| "NIK".into());
    for r in rows.iter_mut().filter(|r| r.status != RowStatus::Rejected) {
        if let Some((desa, id)) = known.get(&r.draft.nik) {
            let desa_name = match db.region(desa).await? {
                Some(d) => format!("{} ({desa})", d.name),
                None => desa.clone(),
            };
            let f = Finding::error(
                "nik_known",
                "nik",
                format!(
                    "NIK ini sudah terdaftar di Jempol (warga #{id}, Desa {desa_name}). Tidak perlu diajukan lagi; bila datanya perlu diubah, hubungi staf kecamatan."
                ),
            );
            r.messages.push(Message {
                code: f.code.into(),
                column: nik_column.clone(),
                text: f.message,
                severity: Severity::Error,
                field: "nik",
            });
            r.status = RowStatus::Rejected;
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
                nik: r.nik.clone(),
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

/// Checks an uploaded file and keeps it as a draft with its preview. Returns the draft's id.
#[allow(clippy::too_many_arguments)]
pub async fn draft(
    db: &Db,
    desa: &Region,
    file_name: &str,
    bytes: &[u8],
    today: jiff::civil::Date,
    actor: &Actor,
    now: i64,
) -> Result<(i64, IntakeReport), AppError> {
    let report = check_file(db, file_name, bytes, today).await?;
    let (sop, _) = db.active_sop().await?;
    let sub = NewSubmission {
        desa_code: desa.code.clone(),
        source: "upload".into(),
        file_name: Some(file_name.to_string()),
        sop_definition_id: sop.id,
    };
    let id = db
        .create_draft(&sub, &to_rows(&report, desa, sop.id), bytes, actor, now)
        .await?;
    Ok((id, report))
}

/// Sends a draft: its file is checked again (someone may have registered a person since) and
/// the accepted rows become residents.
pub async fn send_draft(
    db: &Db,
    id: i64,
    desa: &Region,
    today: jiff::civil::Date,
    actor: &Actor,
    now: i64,
) -> Result<IntakeReport, AppError> {
    let (name, bytes) = db
        .draft_file(id)
        .await?
        .ok_or_else(|| AppError::Conflict("Pengajuan ini sudah dikirim atau dibatalkan.".into()))?;
    let mut report = check_file(db, &name, &bytes, today).await?;
    if let Some(e) = nothing_to_save(&report) {
        return Err(e);
    }
    let (sop, _) = db.active_sop().await?;
    db.send_draft(id, &to_rows(&report, desa, sop.id), actor, now).await?;
    report.submission_id = Some(id);
    Ok(report)
}
