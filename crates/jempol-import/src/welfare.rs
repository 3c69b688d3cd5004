//! Lists for SOP steps 9 and 11, keyed by NIK: a Dinsos or village list of who receives what
//! (and their DTSEN standing), OpenSID's export of a "program bantuan" (sheets "Program" and
//! "Peserta"), and the results of proposals. Each row is read on its own; a row that cannot be
//! used says why, and the rest still count.

use crate::grid::{CellKind, Grid, GridRow};
use crate::header::normalize_name;
use jiff::civil::Date;

/// One usable (or refused) row of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRow {
    /// The row number the spreadsheet shows.
    pub row: u32,
    pub nik: Option<String>,
    /// For a family-level OpenSID program: the family card the program is paid to.
    pub no_kk: Option<String>,
    /// The program as written (a code or a name); empty when the list has no such column.
    pub program: String,
    pub since: Option<Date>,
    /// `terdaftar`, `tidak_terdaftar`, or none when the list does not say.
    pub dtsen: Option<String>,
    pub desil: Option<u8>,
    /// `diterima`, `ditolak` or `menunggu` (results lists).
    pub result: Option<String>,
    pub reason: String,
    pub date: Option<Date>,
    /// Why the row cannot be used.
    pub error: Option<String>,
}

/// The "Program" sheet of an OpenSID export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSidProgram {
    pub name: String,
    /// OpenSID's sasaran: 1 penduduk, 2 keluarga, 3 rumah tangga, 4 kelompok.
    pub sasaran: String,
    pub start: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Nik,
    NoKk,
    Program,
    Since,
    Dtsen,
    Desil,
    Result,
    Reason,
    Date,
}

const NAMES: &[(Col, &[&str])] = &[
    (
        Col::Nik,
        &[
            "nik",
            "no nik",
            "nik penerima",
            "nomor induk kependudukan",
            "nik peserta",
        ],
    ),
    (
        Col::NoKk,
        &["no kk", "nomor kk", "no kartu keluarga", "nomor kartu keluarga", "kk"],
    ),
    (
        Col::Program,
        &[
            "program",
            "bantuan",
            "jenis bantuan",
            "program bantuan",
            "usulan",
            "diusulkan ke",
            "nama program",
        ],
    ),
    (
        Col::Since,
        &[
            "sejak",
            "mulai",
            "tanggal mulai",
            "tmt",
            "sejak tanggal",
            "mulai menerima",
        ],
    ),
    (
        Col::Dtsen,
        &["dtsen", "status dtsen", "dtks", "status dtks", "terdaftar dtsen"],
    ),
    (Col::Desil, &["desil", "desil dtsen", "peringkat desil"]),
    (Col::Result, &["hasil", "status usulan", "hasil usulan", "status"]),
    (Col::Reason, &["alasan", "keterangan", "alasan ditolak"]),
    (
        Col::Date,
        &["tanggal", "tanggal hasil", "tgl hasil", "tanggal penetapan"],
    ),
];

fn col_for(title: &str) -> Option<Col> {
    let n = normalize_name(title);
    NAMES
        .iter()
        .find(|(_, names)| names.iter().any(|x| normalize_name(x) == n))
        .map(|(c, _)| *c)
}

/// The header row (the first of the first ten with a NIK column) and its columns.
fn header(grid: &Grid) -> Option<(usize, Vec<(Col, usize)>)> {
    grid.rows.iter().take(10).enumerate().find_map(|(i, r)| {
        let cols: Vec<(Col, usize)> = r
            .cells
            .iter()
            .enumerate()
            .filter_map(|(c, cell)| col_for(&cell.text).map(|k| (k, c)))
            .collect();
        cols.iter().any(|(k, _)| *k == Col::Nik).then_some((i, cols))
    })
}

fn cell<'a>(r: &'a GridRow, cols: &[(Col, usize)], k: Col) -> Option<&'a crate::grid::Cell> {
    cols.iter().find(|(c, _)| *c == k).and_then(|(_, i)| r.get(*i))
}

fn text(r: &GridRow, cols: &[(Col, usize)], k: Col) -> String {
    cell(r, cols, k).map(|c| c.text.trim().to_string()).unwrap_or_default()
}

/// A 16-digit number from a cell: the NIK or No. KK, or what is wrong with it.
fn number16(r: &GridRow, cols: &[(Col, usize)], k: Col, what: &str) -> Result<Option<String>, String> {
    let Some(c) = cell(r, cols, k).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let n = jempol_core::nik::normalize(&c.text);
    if c.kind == CellKind::Number || jempol_core::nik::looks_like_excel_number(&n) {
        return Err(format!(
            "{what} tersimpan sebagai angka di Excel, sehingga digit terakhirnya bisa hilang. Ubah format kolomnya menjadi Teks, lalu ketik ulang."
        ));
    }
    if n.len() != 16 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} harus 16 angka; tertulis \"{}\".", c.text));
    }
    Ok(Some(n))
}

fn date_of(r: &GridRow, cols: &[(Col, usize)], k: Col, today: Date) -> Result<Option<Date>, String> {
    let t = text(r, cols, k);
    if t.is_empty() {
        return Ok(None);
    }
    let d = crate::dates::parse_birth_date(&t, today)
        .or_else(|| t.get(..10).and_then(|x| x.parse::<Date>().ok()))
        .ok_or_else(|| format!("Tanggal \"{t}\" tidak terbaca; tulis hari-bulan-tahun, misalnya 02-11-2026."))?;
    if d > today {
        return Err(format!("Tanggal {d} setelah hari ini."));
    }
    Ok(Some(d))
}

fn dtsen_of(t: &str) -> Result<Option<String>, String> {
    let n = normalize_name(t);
    Ok(match n.as_str() {
        "" => None,
        "TERDAFTAR" | "YA" | "Y" | "ADA" | "1" | "DTSEN" | "DTKS" => Some("terdaftar".into()),
        "TIDAK TERDAFTAR" | "TIDAK" | "T" | "BELUM" | "BELUM TERDAFTAR" | "0" | "NON DTSEN" | "NON DTKS" => {
            Some("tidak_terdaftar".into())
        }
        _ => {
            return Err(format!(
                "Status DTSEN \"{t}\" tidak dikenal; tulis terdaftar atau tidak terdaftar."
            ));
        }
    })
}

fn desil_of(t: &str) -> Result<Option<u8>, String> {
    if t.is_empty() {
        return Ok(None);
    }
    match t.trim().parse::<u8>() {
        Ok(d) if (1..=10).contains(&d) => Ok(Some(d)),
        _ => Err(format!("Desil \"{t}\" harus angka 1 sampai 10.")),
    }
}

fn result_of(t: &str) -> Result<String, String> {
    let n = normalize_name(t);
    Ok(match n.as_str() {
        "DITERIMA" | "TERIMA" | "LAYAK" | "DISETUJUI" | "YA" | "MASUK" => "diterima".into(),
        "DITOLAK" | "TOLAK" | "TIDAK LAYAK" | "TIDAK DISETUJUI" | "TIDAK" => "ditolak".into(),
        "MENUNGGU" | "PROSES" | "DIPROSES" | "BELUM ADA HASIL" | "" => "menunggu".into(),
        _ => {
            return Err(format!(
                "Hasil \"{t}\" tidak dikenal; tulis diterima, ditolak, atau menunggu."
            ));
        }
    })
}

const LIMIT: usize = 20_000;

/// Data rows after the header, blank rows skipped, at most [`LIMIT`].
fn data_rows(grid: &Grid, header_at: usize) -> Result<impl Iterator<Item = &GridRow>, String> {
    let n = grid.rows.len().saturating_sub(header_at + 1);
    if n > LIMIT {
        return Err(format!(
            "Berkas berisi {n} baris; paling banyak {LIMIT} baris sekali unggah. Bagi menjadi beberapa berkas."
        ));
    }
    Ok(grid.rows.iter().skip(header_at + 1).filter(|r| !r.is_blank()))
}

const NO_NIK_HEADER: &str =
    "Kolom NIK tidak ditemukan. Baris judul harus memuat kolom \"NIK\" (dan bila ada: Program, Sejak, DTSEN, Desil).";

/// A Dinsos or village list: per row a NIK and any of program, since, DTSEN, desil.
pub fn read_status_list(grid: &Grid, today: Date) -> Result<Vec<ListRow>, String> {
    let (at, cols) = header(grid).ok_or(NO_NIK_HEADER)?;
    let mut out = Vec::new();
    for r in data_rows(grid, at)? {
        let mut row = ListRow {
            row: r.number,
            program: text(r, &cols, Col::Program),
            ..Default::default()
        };
        let checks = (|| -> Result<(), String> {
            row.nik = number16(r, &cols, Col::Nik, "NIK")?;
            if row.nik.is_none() {
                return Err("NIK kosong.".into());
            }
            row.since = date_of(r, &cols, Col::Since, today)?;
            row.dtsen = dtsen_of(&text(r, &cols, Col::Dtsen))?;
            row.desil = desil_of(&text(r, &cols, Col::Desil))?;
            if row.desil.is_some() && row.dtsen.as_deref() == Some("tidak_terdaftar") {
                return Err("Desil hanya untuk orang yang terdaftar di DTSEN.".into());
            }
            if row.desil.is_some() && row.dtsen.is_none() {
                row.dtsen = Some("terdaftar".into());
            }
            Ok(())
        })();
        row.error = checks.err();
        out.push(row);
    }
    Ok(out)
}

/// Results of proposals: per row a NIK, what was proposed, the result, reason and date.
pub fn read_results_list(grid: &Grid, today: Date) -> Result<Vec<ListRow>, String> {
    let (at, cols) = header(grid).ok_or(NO_NIK_HEADER)?;
    if !cols.iter().any(|(c, _)| *c == Col::Result) {
        return Err("Kolom Hasil tidak ditemukan. Baris judul harus memuat kolom \"NIK\" dan \"Hasil\".".into());
    }
    let mut out = Vec::new();
    for r in data_rows(grid, at)? {
        let mut row = ListRow {
            row: r.number,
            program: text(r, &cols, Col::Program),
            reason: text(r, &cols, Col::Reason),
            ..Default::default()
        };
        let checks = (|| -> Result<(), String> {
            row.nik = number16(r, &cols, Col::Nik, "NIK")?;
            if row.nik.is_none() {
                return Err("NIK kosong.".into());
            }
            let result = result_of(&text(r, &cols, Col::Result))?;
            row.date = date_of(r, &cols, Col::Date, today)?;
            if result == "ditolak" && row.reason.is_empty() {
                return Err("Usulan ditolak: tulis alasannya di kolom Alasan.".into());
            }
            if result != "menunggu" && row.date.is_none() {
                row.date = Some(today);
            }
            row.result = Some(result);
            Ok(())
        })();
        row.error = checks.err();
        out.push(row);
    }
    Ok(out)
}

/// OpenSID's export of one program bantuan: the "Program" sheet (label, value rows) and the
/// "Peserta" sheet (Peserta, No. Peserta, NIK, Nama, …). For a family program the Peserta
/// column is the No. KK.
pub fn read_opensid(sheets: &[(String, Grid)], today: Date) -> Result<(OpenSidProgram, Vec<ListRow>), String> {
    let find = |name: &str| {
        sheets
            .iter()
            .find(|(n, _)| normalize_name(n) == normalize_name(name))
            .map(|(_, g)| g)
    };
    let (Some(program), Some(peserta)) = (find("Program"), find("Peserta")) else {
        return Err(
            "Ini bukan berkas ekspor program bantuan OpenSID: lembar \"Program\" dan \"Peserta\" tidak ditemukan."
                .into(),
        );
    };
    let value = |label: &str| {
        program
            .rows
            .iter()
            .find(|r| {
                r.get(0)
                    .is_some_and(|c| normalize_name(&c.text) == normalize_name(label))
            })
            .and_then(|r| r.get(1))
            .map(|c| c.text.trim().to_string())
            .unwrap_or_default()
    };
    let info = OpenSidProgram {
        name: value("Nama Program"),
        sasaran: value("Sasaran Program"),
        start: value("Rentang Waktu (Awal)")
            .get(..10)
            .and_then(|d| d.parse::<Date>().ok())
            .filter(|d| *d <= today),
    };
    if info.name.is_empty() {
        return Err("Lembar \"Program\" tidak memuat Nama Program.".into());
    }
    let family = info.sasaran == "2";
    let at = peserta
        .rows
        .iter()
        .take(10)
        .position(|r| r.cells.iter().any(|c| normalize_name(&c.text) == "PESERTA"))
        .ok_or("Lembar \"Peserta\" tidak memuat baris judul dengan kolom \"Peserta\".")?;
    let titles = &peserta.rows[at];
    let idx = |t: &str| {
        titles
            .cells
            .iter()
            .position(|c| normalize_name(&c.text) == normalize_name(t))
    };
    let (Some(p_col), nik_col) = (idx("Peserta"), idx("NIK")) else {
        return Err("Lembar \"Peserta\" tidak memuat kolom \"Peserta\".".into());
    };
    let cols: Vec<(Col, usize)> = if family {
        let mut c = vec![(Col::NoKk, p_col)];
        c.extend(nik_col.map(|n| (Col::Nik, n)));
        c
    } else {
        vec![(Col::Nik, nik_col.unwrap_or(p_col))]
    };
    let mut out = Vec::new();
    for r in data_rows(peserta, at)? {
        let mut row = ListRow {
            row: r.number,
            program: info.name.clone(),
            since: info.start,
            ..Default::default()
        };
        let checks = (|| -> Result<(), String> {
            if family {
                row.no_kk = number16(r, &cols, Col::NoKk, "No. KK")?;
                if row.no_kk.is_none() {
                    return Err("No. KK peserta kosong.".into());
                }
            } else {
                row.nik = number16(r, &cols, Col::Nik, "NIK")?;
                if row.nik.is_none() {
                    return Err("NIK peserta kosong.".into());
                }
            }
            Ok(())
        })();
        row.error = checks.err();
        out.push(row);
    }
    Ok((info, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{Cell, GridRow};
    use jiff::civil::date;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| GridRow {
                    number: i as u32 + 1,
                    cells: r.iter().map(|t| Cell::text(t)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_status_list_reads_each_row_and_says_what_is_wrong() {
        let today = date(2026, 11, 2);
        let g = grid(&[
            &["Daftar penerima Desa Lembah"],
            &["No", "NIK", "Nama", "Jenis Bantuan", "Sejak", "Status DTSEN", "Desil"],
            &["1", "3519024101400001", "SUMI", "PKH", "01-01-2026", "Terdaftar", "2"],
            &["2", "351902410140000", "X", "", "", "", ""],
            &["3", "3519024101400002", "Y", "", "", "tidak", "3"],
            &["", "", "", "", "", "", ""],
            &["4", "3519024101400003", "Z", "BLT DD", "", "", "4"],
        ]);
        let rows = read_status_list(&g, today).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].nik.as_deref(), Some("3519024101400001"));
        assert_eq!(rows[0].program, "PKH");
        assert_eq!(rows[0].since, Some(date(2026, 1, 1)));
        assert_eq!((rows[0].dtsen.as_deref(), rows[0].desil), (Some("terdaftar"), Some(2)));
        assert!(rows[1].error.as_deref().unwrap().contains("16 angka"));
        assert!(rows[2].error.as_deref().unwrap().contains("Desil hanya"));
        assert_eq!(rows[3].row, 7);
        assert_eq!(rows[3].dtsen.as_deref(), Some("terdaftar"), "a desil means registered");
        assert!(read_status_list(&grid(&[&["Nama"], &["X"]]), today).is_err());
    }

    #[test]
    fn a_nik_stored_as_a_number_is_named() {
        let mut g = grid(&[&["NIK", "Program"], &["3519024101400001", "PKH"]]);
        g.rows[1].cells[0].kind = CellKind::Number;
        let rows = read_status_list(&g, date(2026, 11, 2)).unwrap();
        assert!(rows[0].error.as_deref().unwrap().contains("sebagai angka"));
    }

    #[test]
    fn results_need_a_reason_to_reject() {
        let today = date(2026, 11, 2);
        let g = grid(&[
            &["NIK", "Usulan", "Hasil", "Alasan", "Tanggal"],
            &["3519024101400001", "PBI-JK", "Diterima", "", "01-11-2026"],
            &["3519024101400002", "PKH", "Ditolak", "", ""],
            &["3519024101400003", "PKH", "lulus", "", ""],
            &["3519024101400004", "DTSEN", "Proses", "", ""],
        ]);
        let rows = read_results_list(&g, today).unwrap();
        assert_eq!(rows[0].result.as_deref(), Some("diterima"));
        assert_eq!(rows[0].date, Some(date(2026, 11, 1)));
        assert!(rows[1].error.as_deref().unwrap().contains("alasannya"));
        assert!(rows[2].error.as_deref().unwrap().contains("tidak dikenal"));
        assert_eq!(rows[3].result.as_deref(), Some("menunggu"));
        assert_eq!(rows[3].date, None);
    }

    #[test]
    fn an_opensid_export_reads_program_and_participants() {
        let today = date(2026, 11, 2);
        let program = grid(&[
            &["id", "7"],
            &["Nama Program", "BLT Dana Desa 2026"],
            &["Sasaran Program", "2"],
            &["Keterangan", ""],
            &["Asal Dana", "Dana Desa"],
            &["Rentang Waktu (Awal)", "2026-01-01"],
            &["Rentang Waktu (Akhir)", "2026-12-31"],
        ]);
        let peserta = grid(&[
            &[
                "Peserta",
                "No. Peserta",
                "NIK",
                "Nama",
                "Tempat Lahir",
                "Tanggal Lahir",
                "Alamat",
            ],
            &[
                "3519020101100001",
                "BLT-01",
                "3519024101400001",
                "SUMI",
                "MADIUN",
                "1940-01-01",
                "RT 001",
            ],
            &["35190201011", "BLT-02", "", "X", "", "", ""],
        ]);
        let sheets = vec![("Program".to_string(), program), ("Peserta".to_string(), peserta)];
        let (info, rows) = read_opensid(&sheets, today).unwrap();
        assert_eq!(info.name, "BLT Dana Desa 2026");
        assert_eq!(info.sasaran, "2");
        assert_eq!(rows[0].no_kk.as_deref(), Some("3519020101100001"), "family: the KK");
        assert_eq!(rows[0].since, Some(date(2026, 1, 1)));
        assert!(rows[1].error.is_some());
        assert!(read_opensid(&sheets[..1], today).unwrap_err().contains("Peserta"));
    }
}
