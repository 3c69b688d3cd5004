//! Every data row checked into a report: accepted, accepted with warnings, or rejected, with
//! the spreadsheet row number, the column and the Indonesian reason. Blank rows, totals and
//! signature blocks are recognised and are not data rows. Nothing is dropped silently: a
//! rejected row is in the report with what to fix.

use crate::dates::parse_birth_date;
use crate::grid::{CellKind, Grid, GridRow};
use crate::header::{Field, Mapping};
use jempol_core::nik;
use jempol_core::{Finding, Severity};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Accepted,
    Warning,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub code: String,
    pub column: String,
    pub text: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub severity: Severity,
    /// The record field the message is about (`nik`, `birth_date`, `sex`, …), for forms.
    #[serde(skip)]
    #[schema(ignore)]
    pub field: &'static str,
}

/// What a row says, as far as it could be read; the form shows it for correction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub nik: String,
    pub no_kk: String,
    pub name: String,
    /// "L" or "P".
    pub sex: Option<String>,
    pub birth_place: String,
    pub birth_date: Option<Date>,
    pub address: String,
    pub dusun: String,
    pub rt: String,
    pub rw: String,
    pub phone: String,
    pub lansia: bool,
    pub disabilitas: bool,
    /// UU 8/2016 ragam: fisik, intelektual, mental, sensorik_netra, sensorik_rungu, sensorik_wicara, ganda.
    pub disability_kinds: Vec<String>,
    pub odgj: bool,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowReport {
    /// The row number the spreadsheet shows.
    pub row: u32,
    pub status: RowStatus,
    /// The NIK as read from the file.
    pub nik: String,
    pub messages: Vec<Message>,
    #[serde(skip)]
    #[schema(ignore)]
    pub draft: Draft,
}

const FOOTER_WORDS: &[&str] = &[
    "MENGETAHUI",
    "KEPALA DESA",
    "KADES",
    "LURAH",
    "SEKRETARIS",
    "NIP",
    "TTD",
    "DIBUAT OLEH",
    "PETUGAS",
    "CAMAT",
];

fn text<'a>(row: &'a GridRow, m: &Mapping, f: Field) -> &'a str {
    m.column(f)
        .and_then(|c| row.get(c))
        .map(|c| c.text.as_str())
        .unwrap_or("")
}

/// Not a data row: blank, a totals line, or part of the signature block.
fn is_non_data(row: &GridRow, m: &Mapping) -> bool {
    if row.is_blank() || row.cells.iter().any(|c| c.text == "###") {
        return true;
    }
    let nik = text(row, m, Field::Nik);
    let name = text(row, m, Field::Name);
    let filled: Vec<&str> = row
        .cells
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| c.text.as_str())
        .collect();
    let upper = filled.join(" ").to_uppercase();
    // A totals line: "JUMLAH" or "TOTAL" first, and no NIK-like number (a count may stand in
    // the NIK column).
    let nik_like = nik.chars().filter(char::is_ascii_digit).count() >= 10;
    if !nik_like
        && filled.first().is_some_and(|f| {
            let f = f.to_uppercase();
            f.starts_with("JUMLAH") || f.starts_with("TOTAL")
        })
    {
        return true;
    }
    nik.is_empty() && name.is_empty() && (filled.len() < 3 || FOOTER_WORDS.iter().any(|w| upper.contains(w)))
}

fn parse_sex(s: &str) -> Option<&'static str> {
    match s
        .trim()
        .to_uppercase()
        .replace(['-', '.'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .as_str()
    {
        // 1 and 2 are OpenSID's codes.
        "L" | "LK" | "LAKI LAKI" | "LAKI" | "PRIA" | "1" => Some("L"),
        "P" | "PR" | "PEREMPUAN" | "WANITA" | "W" | "2" => Some("P"),
        _ => None,
    }
}

/// Categories from a "KATEGORI" cell such as "LANSIA, DISABILITAS RUNGU". Returns the unknown words.
fn parse_categories(s: &str, d: &mut Draft) -> Vec<String> {
    let up = s.to_uppercase().replace(" DAN ", ",");
    let mut unknown = Vec::new();
    for token in up
        .split([',', ';', '/', '+', '&'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let mut known = false;
        for word in token.split_whitespace() {
            let kind = match word {
                "LANSIA" | "LANJUT" | "USIA" | "MANULA" => {
                    d.lansia = true;
                    known = true;
                    None
                }
                "ODGJ" | "JIWA" | "GANGGUAN" => {
                    d.odgj = true;
                    known = true;
                    None
                }
                "DISABILITAS" | "DIFABEL" | "CACAT" | "PENYANDANG" => {
                    d.disabilitas = true;
                    known = true;
                    None
                }
                "FISIK" | "DAKSA" | "TUNADAKSA" | "LUMPUH" => Some("fisik"),
                "NETRA" | "TUNANETRA" | "BUTA" => Some("sensorik_netra"),
                "RUNGU" | "TUNARUNGU" | "TULI" => Some("sensorik_rungu"),
                "WICARA" | "TUNAWICARA" | "BISU" => Some("sensorik_wicara"),
                "INTELEKTUAL" | "GRAHITA" | "TUNAGRAHITA" => Some("intelektual"),
                "MENTAL" => Some("mental"),
                "GANDA" => Some("ganda"),
                _ => None,
            };
            if let Some(k) = kind {
                known = true;
                d.disabilitas = true;
                if !d.disability_kinds.iter().any(|x| x == k) {
                    d.disability_kinds.push(k.to_string());
                }
            }
        }
        if !known {
            unknown.push(token.to_string());
        }
    }
    unknown
}

/// OpenSID's `cacat_id` (code or name) into the UU 8/2016 ragam. `Err` for an unknown value.
fn parse_disability_code(s: &str, d: &mut Draft) -> Result<(), ()> {
    let up = s.trim().to_uppercase();
    let kinds: &[&str] = match up.as_str() {
        "" | "7" | "TIDAK CACAT" | "TIDAK" | "-" => &[],
        "1" | "CACAT FISIK" | "FISIK" => &["fisik"],
        "2" | "CACAT NETRA/BUTA" | "NETRA" | "BUTA" => &["sensorik_netra"],
        "3" | "CACAT RUNGU/WICARA" | "RUNGU" | "WICARA" | "RUNGU/WICARA" => &["sensorik_rungu", "sensorik_wicara"],
        "4" | "CACAT MENTAL/JIWA" | "MENTAL" | "JIWA" => &["mental"],
        "5" | "CACAT FISIK DAN MENTAL" | "GANDA" => &["ganda"],
        // A column that only ticks "has a disability".
        "6" | "CACAT LAINNYA" | "LAINNYA" | "YA" | "V" | "√" | "ADA" | "X" => &[],
        _ => return Err(()),
    };
    if matches!(
        up.as_str(),
        "6" | "CACAT LAINNYA" | "LAINNYA" | "YA" | "V" | "√" | "ADA" | "X"
    ) || !kinds.is_empty()
    {
        d.disabilitas = true;
    }
    for k in kinds {
        if !d.disability_kinds.iter().any(|x| x == k) {
            d.disability_kinds.push(k.to_string());
        }
    }
    Ok(())
}

/// Checks the data rows below the header. `region_known` answers for dotted kecamatan codes.
pub fn check_rows(grid: &Grid, m: &Mapping, today: Date, region_known: &dyn Fn(&str) -> bool) -> Vec<RowReport> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in grid.rows.iter().skip(m.header_end + 1) {
        if is_non_data(row, m) {
            continue;
        }
        out.push(check_row(row, m, today, region_known, &mut seen));
    }
    out
}

fn check_row(
    row: &GridRow,
    m: &Mapping,
    today: Date,
    region_known: &dyn Fn(&str) -> bool,
    seen: &mut HashMap<String, u32>,
) -> RowReport {
    let mut msgs: Vec<Message> = Vec::new();
    let col = |f: Field| {
        m.column(f)
            .map(|c| m.describe(c))
            .unwrap_or_else(|| format!("{f:?}").to_uppercase())
    };
    let mut push = |f: Field, finding: Finding| {
        msgs.push(Message {
            code: finding.code.to_string(),
            column: col(f),
            text: finding.message,
            severity: finding.severity,
            field: finding.field,
        });
    };
    let mut d = Draft {
        name: text(row, m, Field::Name).to_string(),
        address: text(row, m, Field::Address).to_string(),
        dusun: text(row, m, Field::Dusun).to_string(),
        rt: text(row, m, Field::Rt).to_string(),
        rw: text(row, m, Field::Rw).to_string(),
        phone: text(row, m, Field::Phone).to_string(),
        notes: text(row, m, Field::Notes).to_string(),
        birth_place: text(row, m, Field::BirthPlace).to_string(),
        ..Draft::default()
    };
    if let Some((rt, rw)) = text(row, m, Field::RtRw).split_once('/') {
        d.rt = rt.trim().to_string();
        d.rw = rw.trim().to_string();
    }

    // Birth date, possibly from a combined "TEMPAT/TGL LAHIR" column.
    let mut date_text = text(row, m, Field::BirthDate).to_string();
    let combined = text(row, m, Field::BirthPlaceDate);
    if !combined.is_empty() {
        let split = combined
            .rfind(',')
            .or_else(|| combined.find(|c: char| c.is_ascii_digit()));
        match split {
            Some(i) => {
                d.birth_place = combined[..i].trim().trim_end_matches(',').trim().to_string();
                date_text = combined[i..].trim_start_matches(',').trim().to_string();
            }
            None => d.birth_place = combined.to_string(),
        }
    }
    let date_field = if combined.is_empty() {
        Field::BirthDate
    } else {
        Field::BirthPlaceDate
    };
    let entered_birth = if date_text.is_empty() {
        None
    } else {
        let parsed = parse_birth_date(&date_text, today);
        if parsed.is_none() {
            push(
                date_field,
                Finding::error(
                    "birth_date_invalid",
                    "birth_date",
                    format!(
                        "Tanggal lahir \"{date_text}\" tidak bisa dibaca. Tulis seperti 17-08-1950, 17/08/1950 atau 1950-08-17."
                    ),
                ),
            );
        }
        parsed
    };

    let sex_text = text(row, m, Field::Sex);
    let entered_sex = if sex_text.is_empty() {
        None
    } else {
        let s = parse_sex(sex_text);
        if s.is_none() {
            push(
                Field::Sex,
                Finding::error(
                    "sex_invalid",
                    "sex",
                    format!("Jenis kelamin \"{sex_text}\" tidak dikenali. Tulis L (laki-laki) atau P (perempuan)."),
                ),
            );
        }
        s
    };

    // NIK: a cell the spreadsheet stored as a number has lost its last digit.
    let nik_cell = m.column(Field::Nik).and_then(|c| row.get(c));
    let nik_raw = nik_cell.map(|c| c.text.clone()).unwrap_or_default();
    d.nik = nik::normalize(&nik_raw);
    let mut birth = entered_birth;
    let mut sex = entered_sex.map(str::to_string);
    if nik_raw.is_empty() {
        push(
            Field::Nik,
            Finding::error("nik_missing", "nik", "NIK kosong. Isi 16 angka NIK sesuai KK."),
        );
    } else if nik_cell.is_some_and(|c| c.kind == CellKind::Number) || nik::looks_like_excel_number(&d.nik) {
        let e = nik::NikError::ExcelNumber;
        push(Field::Nik, Finding::error(e.code(), "nik", e.message()));
    } else {
        let check = nik::check(
            &d.nik,
            entered_birth,
            entered_sex.map(|s| s == "P"),
            region_known,
            today,
        );
        for f in check.findings {
            let field = match f.field {
                "birth_date" => date_field,
                "sex" => Field::Sex,
                _ => Field::Nik,
            };
            push(field, f);
        }
        if check.parts.is_some() {
            // The NIK prefills what was left empty.
            birth = birth.or(check.birth_date);
            if sex.is_none() {
                sex = check.female.map(|f| if f { "P" } else { "L" }.to_string());
            }
            if let Some(first) = seen.get(&d.nik) {
                push(
                    Field::Nik,
                    Finding::error(
                        "nik_duplicate_in_file",
                        "nik",
                        format!("NIK ini sudah ada di baris {first}. Hapus salah satu, atau perbaiki NIK yang salah."),
                    ),
                );
            } else {
                seen.insert(d.nik.clone(), row.number);
            }
        }
    }
    d.birth_date = birth;
    d.sex = sex;

    let kk_cell = m.column(Field::NoKk).and_then(|c| row.get(c));
    if let Some(c) = kk_cell.filter(|c| !c.is_empty()) {
        d.no_kk = nik::normalize(&c.text);
        if c.kind == CellKind::Number {
            push(
                Field::NoKk,
                Finding::error(
                    "kk_excel_number",
                    "no_kk",
                    "No. KK terbaca sebagai angka, sehingga digit terakhirnya hilang. Di Excel, ubah format kolom No. KK menjadi Teks, lalu ketik ulang.",
                ),
            );
        } else {
            for f in nik::check_kk(&c.text, region_known) {
                push(Field::NoKk, f);
            }
        }
    }

    if d.name.trim().is_empty() {
        push(
            Field::Name,
            Finding::error("name_missing", "name", "Nama kosong. Isi nama lengkap sesuai KK."),
        );
    }

    let code = text(row, m, Field::DisabilityCode);
    if parse_disability_code(code, &mut d).is_err() {
        push(
            Field::DisabilityCode,
            Finding::warning(
                "disability_code_unknown",
                "category",
                format!(
                    "Jenis disabilitas \"{code}\" tidak dikenali; pakai kode OpenSID 1–7 atau tulis: fisik, netra, rungu/wicara, mental, ganda."
                ),
            ),
        );
    }
    let unknown = parse_categories(text(row, m, Field::Category), &mut d);
    if !unknown.is_empty() {
        push(
            Field::Category,
            Finding::warning(
                "category_unknown",
                "category",
                format!(
                    "Kategori \"{}\" tidak dikenali; yang dikenal: lansia, disabilitas (fisik, netra, rungu, wicara, intelektual, mental, ganda), ODGJ.",
                    unknown.join(", ")
                ),
            ),
        );
    }
    // Lansia follows from the age, whatever the category column says.
    if let Some(b) = birth {
        for f in nik::check_age(b, false, today) {
            push(date_field, f);
        }
        let old = nik::is_lansia(b, today);
        if d.lansia && !old {
            push(
                Field::Category,
                Finding::warning(
                    "category_lansia_age",
                    "category",
                    format!(
                        "Tertulis lansia, tetapi umurnya {} tahun (lansia: 60 tahun ke atas). Periksa tanggal lahir atau kategorinya.",
                        nik::age_on(b, today)
                    ),
                ),
            );
        }
        d.lansia = old;
    }
    if !d.lansia && !d.disabilitas && !d.odgj {
        push(
            Field::Category,
            Finding::error(
                "category_missing",
                "category",
                "Warga ini bukan lansia (di bawah 60 tahun) dan tidak tercatat disabilitas atau ODGJ. Isi kategorinya, atau hapus barisnya bila tidak termasuk.",
            ),
        );
    }

    let status = if msgs.iter().any(|m| m.severity == Severity::Error) {
        RowStatus::Rejected
    } else if msgs.is_empty() {
        RowStatus::Accepted
    } else {
        RowStatus::Warning
    };
    RowReport {
        row: row.number,
        status,
        nik: nik_raw,
        messages: msgs,
        draft: d,
    }
}
