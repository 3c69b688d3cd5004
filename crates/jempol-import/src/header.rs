//! Finding the header row under title rows and mapping its columns to fields by the names
//! villages actually use. Headers may span two rows (a merged "TEMPAT/TGL LAHIR" over
//! "TEMPAT" and "TANGGAL"); the sub-header row then counts as part of the header.

use crate::grid::{Grid, column_letter};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Nik,
    NoKk,
    Name,
    Sex,
    BirthPlace,
    BirthDate,
    /// "TEMPAT/TGL LAHIR" in one column: "MADIUN, 17-08-1950".
    BirthPlaceDate,
    Address,
    Dusun,
    Rt,
    Rw,
    /// "RT/RW" in one column: "001/002".
    RtRw,
    Phone,
    /// "KATEGORI" / "JENIS KERENTANAN": "LANSIA, DISABILITAS RUNGU".
    Category,
    /// OpenSID's `cacat_id`: 1 fisik, 2 netra/buta, 3 rungu/wicara, 4 mental/jiwa,
    /// 5 fisik dan mental, 6 lainnya, 7 tidak cacat (or those names).
    DisabilityCode,
    Notes,
}

impl Field {
    /// Column names seen in village files, normalised (upper case, single spaces, no dots).
    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Nik => &[
                "NIK",
                "NO NIK",
                "NOMOR NIK",
                "NOMOR INDUK KEPENDUDUKAN",
                "NIK KTP",
                "NO INDUK KEPENDUDUKAN",
            ],
            Field::NoKk => &[
                "NO KK",
                "NOMOR KK",
                "NKK",
                "NO KARTU KELUARGA",
                "NOMOR KARTU KELUARGA",
                "KK",
                "NIK KK",
            ],
            Field::Name => &[
                "NAMA",
                "NAMA LENGKAP",
                "NAMA WARGA",
                "NAMA PENDUDUK",
                "NAMA SESUAI KTP",
                "NAMA SESUAI KK",
            ],
            Field::Sex => &[
                "L/P",
                "JK",
                "JENIS KELAMIN",
                "KELAMIN",
                "SEX",
                "JNS KELAMIN",
                "J/K",
                "LK/PR",
            ],
            Field::BirthPlace => &["TEMPAT LAHIR", "TMP LAHIR", "TEMPAT", "TPT LAHIR", "TEMPATLAHIR"],
            Field::BirthDate => &[
                "TGL LAHIR",
                "TANGGAL LAHIR",
                "TANGGAL",
                "TGL",
                "TGL LHR",
                "TANGGALLAHIR",
            ],
            Field::BirthPlaceDate => &[
                "TEMPAT/TGL LAHIR",
                "TEMPAT TANGGAL LAHIR",
                "TEMPAT/TANGGAL LAHIR",
                "TTL",
                "TEMPAT, TANGGAL LAHIR",
                "TEMPAT/ TGL LAHIR",
            ],
            Field::Address => &["ALAMAT", "ALAMAT LENGKAP"],
            Field::Dusun => &["DUSUN", "DUKUH", "LINGKUNGAN"],
            Field::Rt => &["RT"],
            Field::Rw => &["RW"],
            Field::RtRw => &["RT/RW", "RT / RW"],
            Field::Phone => &[
                "NO HP",
                "HP",
                "NOMOR HP",
                "TELEPON",
                "NO TELP",
                "TELP",
                "NO TELEPON",
                "NO WA",
            ],
            Field::Category => &[
                "KATEGORI",
                "JENIS KERENTANAN",
                "KERENTANAN",
                "KELOMPOK",
                "JENIS",
                "KATEGORI RENTAN",
            ],
            Field::Notes => &["KETERANGAN", "KET", "CATATAN"],
            Field::DisabilityCode => &[
                "CACAT ID",
                "CACAT",
                "JENIS CACAT",
                "DISABILITAS",
                "JENIS DISABILITAS",
                "RAGAM DISABILITAS",
            ],
        }
    }

    /// The field's name in snake case (`birth_date`), as in forms and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Field::Nik => "nik",
            Field::NoKk => "no_kk",
            Field::Name => "name",
            Field::Sex => "sex",
            Field::BirthPlace => "birth_place",
            Field::BirthDate => "birth_date",
            Field::BirthPlaceDate => "birth_place_date",
            Field::Address => "address",
            Field::Dusun => "dusun",
            Field::Rt => "rt",
            Field::Rw => "rw",
            Field::RtRw => "rt_rw",
            Field::Phone => "phone",
            Field::Category => "category",
            Field::DisabilityCode => "disability_code",
            Field::Notes => "notes",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    pub const ALL: [Field; 16] = [
        Field::Nik,
        Field::NoKk,
        Field::Name,
        Field::Sex,
        Field::BirthPlace,
        Field::BirthDate,
        Field::BirthPlaceDate,
        Field::Address,
        Field::Dusun,
        Field::Rt,
        Field::Rw,
        Field::RtRw,
        Field::Phone,
        Field::Category,
        Field::Notes,
        Field::DisabilityCode,
    ];
}

/// Upper case, dots and extra spaces removed, spaces around '/' removed.
pub fn normalize_name(s: &str) -> String {
    let up = s.to_uppercase().replace(['.', ':', '_', '\n'], " ");
    let words: Vec<&str> = up.split_whitespace().collect();
    words
        .join(" ")
        .replace(" / ", "/")
        .replace("/ ", "/")
        .replace(" /", "/")
}

pub fn field_for(name: &str) -> Option<Field> {
    let n = normalize_name(name);
    Field::ALL
        .into_iter()
        .find(|f| f.names().iter().any(|x| normalize_name(x) == n))
}

/// Where the header is and which column holds which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Index in `Grid::rows` of the last header row; data starts after it.
    pub header_end: usize,
    pub columns: BTreeMap<Field, usize>,
    /// The header text of each column, for messages.
    pub names: BTreeMap<usize, String>,
}

impl Mapping {
    pub fn column(&self, f: Field) -> Option<usize> {
        self.columns.get(&f).copied()
    }

    /// How a message names a column: its header and letter, e.g. `NIK (kolom B)`.
    pub fn describe(&self, col: usize) -> String {
        match self.names.get(&col) {
            Some(n) => format!("{n} (kolom {})", column_letter(col)),
            None => format!("kolom {}", column_letter(col)),
        }
    }
}

/// The mapping a user chose where the guess was wrong or missing: the last header row (as the
/// spreadsheet numbers it; data rows follow it) and the column of each field.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MappingChoice {
    pub header_row: u32,
    pub columns: BTreeMap<Field, usize>,
}

/// Why a chosen mapping cannot be used, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error("Baris {0} tidak ada di berkas. Pilih nomor baris judul kolom seperti yang tampil di spreadsheet.")]
    NoSuchRow(u32),
    #[error("Pilih kolom untuk {0}: tanpa kolom itu tidak ada baris yang bisa diperiksa.")]
    Required(&'static str),
    #[error("Kolom {0} dipilih untuk lebih dari satu isian. Satu kolom hanya untuk satu isian.")]
    Twice(String),
}

/// The width of the widest row.
pub fn width(grid: &Grid) -> usize {
    grid.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0)
}

/// The title of every column as the header shows it: the cell in the header row, or, under a
/// merged title, the cell above it. Columns without any title are named by their letter only.
pub fn column_titles(grid: &Grid, header_end: usize) -> Vec<(usize, String)> {
    let cell = |r: usize, c: usize| {
        grid.rows
            .get(r)
            .and_then(|row| row.cells.get(c))
            .map(|x| x.text.trim().to_string())
            .unwrap_or_default()
    };
    (0..width(grid))
        .map(|c| {
            let mut t = cell(header_end, c);
            if t.is_empty() && header_end > 0 {
                t = cell(header_end - 1, c);
            }
            let title = if t.is_empty() {
                format!("kolom {}", column_letter(c))
            } else {
                format!("{} — {t}", column_letter(c))
            };
            (c, title)
        })
        .collect()
}

impl Mapping {
    /// A mapping from the user's choice.
    pub fn from_choice(grid: &Grid, choice: &MappingChoice) -> Result<Mapping, ChoiceError> {
        let header_end = grid
            .rows
            .iter()
            .position(|r| r.number == choice.header_row)
            .ok_or(ChoiceError::NoSuchRow(choice.header_row))?;
        if !choice.columns.contains_key(&Field::Nik) {
            return Err(ChoiceError::Required("NIK"));
        }
        if !choice.columns.contains_key(&Field::Name) {
            return Err(ChoiceError::Required("Nama"));
        }
        let mut used = std::collections::BTreeSet::new();
        for c in choice.columns.values() {
            if !used.insert(*c) {
                return Err(ChoiceError::Twice(column_letter(*c)));
            }
        }
        let names = column_titles(grid, header_end)
            .into_iter()
            .filter_map(|(c, _)| {
                let t = grid.rows[header_end].cells.get(c).map(|x| x.text.trim()).unwrap_or("");
                (!t.is_empty()).then(|| (c, t.to_string()))
            })
            .collect();
        Ok(Mapping {
            header_end,
            columns: choice.columns.clone(),
            names,
        })
    }

    /// This mapping as a choice the user can adjust.
    pub fn choice(&self, grid: &Grid) -> MappingChoice {
        MappingChoice {
            header_row: grid.rows.get(self.header_end).map(|r| r.number).unwrap_or(1),
            columns: self.columns.clone(),
        }
    }
}

/// Corrections typed in the browser: row number (as the spreadsheet shows it) → column → text.
pub type Corrections = BTreeMap<u32, BTreeMap<usize, String>>;

/// The grid with the user's corrections in place of the cells they replace. A corrected cell is
/// text as typed (a NIK typed into the form has not been through Excel).
pub fn apply_corrections(grid: &mut Grid, corrections: &Corrections) {
    for row in grid.rows.iter_mut() {
        let Some(cells) = corrections.get(&row.number) else {
            continue;
        };
        for (c, text) in cells {
            if row.cells.len() <= *c {
                row.cells.resize(*c + 1, crate::grid::Cell::text(""));
            }
            row.cells[*c] = crate::grid::Cell::text(text);
        }
    }
}

/// Scans the first 30 rows for the one that names the most known fields (at least the NIK or
/// the name, and two fields in all), then folds in a sub-header row below it.
pub fn find_header(grid: &Grid) -> Option<Mapping> {
    let scan = |i: usize| -> BTreeMap<Field, usize> {
        let mut m = BTreeMap::new();
        for (c, cell) in grid.rows[i].cells.iter().enumerate() {
            if let Some(f) = field_for(&cell.text) {
                m.entry(f).or_insert(c);
            }
        }
        m
    };
    let (best, columns) = (0..grid.rows.len().min(30))
        .map(|i| (i, scan(i)))
        .filter(|(_, m)| m.len() >= 2 && (m.contains_key(&Field::Nik) || m.contains_key(&Field::Name)))
        .max_by_key(|(i, m)| (m.len(), std::cmp::Reverse(*i)))?;
    let mut columns = columns;
    let mut names: BTreeMap<usize, String> = grid.rows[best]
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, c)| (i, c.text.clone()))
        .collect();
    let mut header_end = best;
    if best + 1 < grid.rows.len() {
        let below = scan(best + 1);
        let nik_below = below.contains_key(&Field::Nik);
        // A sub-header names fields but holds no data (no NIK-like value).
        let looks_like_data = grid.rows[best + 1]
            .cells
            .iter()
            .any(|c| c.text.chars().filter(char::is_ascii_digit).count() >= 12);
        if !below.is_empty()
            && !looks_like_data
            && (nik_below || below.len() >= 2 || columns.contains_key(&Field::BirthPlaceDate))
        {
            for (f, c) in below {
                // The merged parent's meaning is replaced by the specific sub-columns.
                if matches!(f, Field::BirthPlace | Field::BirthDate) {
                    columns.retain(|k, v| !(*k == Field::BirthPlaceDate && (*v == c || *v + 1 == c)));
                }
                columns.insert(f, c);
                if let Some(cell) = grid.rows[best + 1].cells.get(c) {
                    names.insert(c, cell.text.clone());
                }
            }
            header_end = best + 1;
        }
    }
    Some(Mapping {
        header_end,
        columns,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{Cell, GridRow};

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| GridRow {
                    number: i as u32 + 1,
                    cells: r.iter().map(|s| Cell::text(s)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn village_column_names_map() {
        assert_eq!(field_for("No. NIK"), Some(Field::Nik));
        assert_eq!(field_for("NOMOR INDUK KEPENDUDUKAN"), Some(Field::Nik));
        assert_eq!(field_for("L / P"), Some(Field::Sex));
        assert_eq!(field_for("Jenis Kelamin"), Some(Field::Sex));
        assert_eq!(field_for("TGL. LAHIR"), Some(Field::BirthDate));
        assert_eq!(field_for("Tempat/Tgl Lahir"), Some(Field::BirthPlaceDate));
        assert_eq!(field_for("JENIS KERENTANAN"), Some(Field::Category));
        assert_eq!(field_for("No. KK"), Some(Field::NoKk));
        assert_eq!(field_for("Warna"), None);
        // OpenSID's import/export names.
        assert_eq!(field_for("tempatlahir"), Some(Field::BirthPlace));
        assert_eq!(field_for("tanggallahir"), Some(Field::BirthDate));
        assert_eq!(field_for("no_kk"), Some(Field::NoKk));
        assert_eq!(field_for("cacat_id"), Some(Field::DisabilityCode));
        assert_eq!(field_for("sex"), Some(Field::Sex));
    }

    #[test]
    fn header_below_titles_and_a_merged_two_row_header() {
        let g = grid(&[
            &["DATA LANSIA, DISABILITAS DAN ODGJ"],
            &["DESA LEMBAH KECAMATAN DOLOPO"],
            &[],
            &["NO", "NIK", "NAMA", "L/P", "TEMPAT/TGL LAHIR", "", "KATEGORI"],
            &["", "", "", "", "TEMPAT", "TANGGAL", ""],
            &[
                "1",
                "3519024703480012",
                "SUMIATI",
                "P",
                "MADIUN",
                "07-03-1948",
                "LANSIA",
            ],
        ]);
        let m = find_header(&g).unwrap();
        assert_eq!(m.header_end, 4);
        assert_eq!(m.column(Field::Nik), Some(1));
        assert_eq!(m.column(Field::BirthPlace), Some(4));
        assert_eq!(m.column(Field::BirthDate), Some(5));
        assert_eq!(m.column(Field::BirthPlaceDate), None);
        assert_eq!(m.describe(1), "NIK (kolom B)");
    }

    #[test]
    fn a_single_header_row_keeps_data_after_it() {
        let g = grid(&[&["NIK", "NAMA", "JK"], &["3519024703480012", "SUMIATI", "P"]]);
        let m = find_header(&g).unwrap();
        assert_eq!(m.header_end, 0);
        assert!(find_header(&grid(&[&["JUDUL"], &["a", "b"]])).is_none());
    }

    #[test]
    fn a_chosen_mapping_names_its_columns_and_refuses_what_cannot_work() {
        let g = grid(&[
            &["DAFTAR WARGA"],
            &["NO", "NOMER KTP", "NAMANYA", "TGL. LHR"],
            &["1", "3519024703480012", "SUMIATI", "07-03-1948"],
        ]);
        // Nothing here is a column name we know.
        assert!(find_header(&g).is_none());
        let mut choice = MappingChoice {
            header_row: 2,
            columns: [(Field::Nik, 1), (Field::Name, 2), (Field::BirthDate, 3)].into(),
        };
        let m = Mapping::from_choice(&g, &choice).unwrap();
        assert_eq!(m.header_end, 1);
        assert_eq!(m.describe(3), "TGL. LHR (kolom D)");
        assert_eq!(m.choice(&g), choice);
        assert_eq!(column_titles(&g, 1)[1], (1, "B — NOMER KTP".to_string()));
        choice.header_row = 9;
        assert_eq!(Mapping::from_choice(&g, &choice), Err(ChoiceError::NoSuchRow(9)));
        choice.header_row = 2;
        choice.columns.insert(Field::Notes, 3);
        assert_eq!(Mapping::from_choice(&g, &choice), Err(ChoiceError::Twice("D".into())));
        choice.columns.remove(&Field::Notes);
        choice.columns.remove(&Field::Nik);
        assert_eq!(Mapping::from_choice(&g, &choice), Err(ChoiceError::Required("NIK")));
        for f in Field::ALL {
            assert_eq!(Field::from_key(f.key()), Some(f));
        }
    }

    #[test]
    fn corrections_replace_cells_as_text() {
        let mut g = grid(&[&["NIK", "NAMA"], &["3,51902E+15", "PAINEM"]]);
        g.rows[1].cells[0].kind = crate::grid::CellKind::Number;
        let c: Corrections = [(2, [(0, "3519024511390001".to_string()), (3, "P".to_string())].into())].into();
        apply_corrections(&mut g, &c);
        assert_eq!(g.rows[1].cells[0], crate::grid::Cell::text("3519024511390001"));
        assert_eq!(g.rows[1].cells.len(), 4);
        assert_eq!(g.rows[1].cells[3].text, "P");
        assert_eq!(g.rows[0].cells.len(), 2, "other rows untouched");
    }
}
