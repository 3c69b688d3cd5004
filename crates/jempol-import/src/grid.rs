//! Files into a grid of text cells. Every cell is read as text; a cell that the spreadsheet
//! stored as a number is marked so, because a NIK stored as a number has lost its last digit.

use calamine::{Data, Reader};
use std::io::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Empty,
    Text,
    /// Stored as a number by the spreadsheet.
    Number,
    /// Stored as a date by the spreadsheet; the text is `YYYY-MM-DD`.
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub kind: CellKind,
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        let t = s.trim();
        Cell {
            text: t.to_string(),
            kind: if t.is_empty() { CellKind::Empty } else { CellKind::Text },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kind == CellKind::Empty
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    /// The row number the spreadsheet shows (1-based).
    pub number: u32,
    pub cells: Vec<Cell>,
}

impl GridRow {
    pub fn get(&self, col: usize) -> Option<&Cell> {
        self.cells.get(col)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    pub rows: Vec<GridRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(
        "Jenis berkas \"{0}\" tidak dikenali. Kirim berkas Excel (.xlsx, .xls), OpenDocument (.ods) atau CSV (.csv)."
    )]
    UnknownFormat(String),
    #[error("Berkas tidak bisa dibaca: {0}. Buka dan simpan ulang berkasnya di Excel, lalu kirim lagi.")]
    Unreadable(String),
    #[error("Berkas tidak berisi data: lembar pertamanya kosong.")]
    Empty,
}

/// A sheet of one header row and one data row, from (column name, value) pairs: how a form
/// goes through exactly the rules a file does.
pub fn one_row(pairs: &[(&str, &str)]) -> Grid {
    Grid {
        rows: vec![
            GridRow {
                number: 1,
                cells: pairs.iter().map(|(h, _)| Cell::text(h)).collect(),
            },
            GridRow {
                number: 2,
                cells: pairs.iter().map(|(_, v)| Cell::text(v)).collect(),
            },
        ],
    }
}

/// Reads a file by its name's extension.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Grid, ReadError> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let grid = match ext.as_str() {
        "csv" | "txt" => read_csv(bytes)?,
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(bytes)?,
        _ => return Err(ReadError::UnknownFormat(file_name.to_string())),
    };
    if grid.rows.iter().all(GridRow::is_blank) {
        return Err(ReadError::Empty);
    }
    Ok(grid)
}

/// Text of a CSV file: UTF-8 (with or without BOM) or, failing that, Windows-1252, which is
/// what Excel on an Indonesian Windows PC writes.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// The delimiter: semicolon (Excel with Indonesian regional settings) or comma, whichever
/// occurs more outside quotes in the first lines.
pub fn sniff_delimiter(text: &str) -> u8 {
    let (mut commas, mut semis) = (0usize, 0usize);
    for line in text.lines().take(20) {
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => commas += 1,
                ';' if !quoted => semis += 1,
                _ => {}
            }
        }
    }
    if semis > commas { b';' } else { b',' }
}

fn read_csv(bytes: &[u8]) -> Result<Grid, ReadError> {
    let text = decode(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    // Line breaks that end a row: those outside quoted cells (a quoted cell may hold a line
    // break, and a spreadsheet shows it as one row).
    let mut row_breaks = Vec::new();
    let mut quoted = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => row_breaks.push(i),
            _ => {}
        }
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| ReadError::Unreadable(format!("baris {}: {e}", i + 1)))?;
        // The row number counts the row breaks before the record's first byte (a record's
        // reported position may still sit on the previous line's terminator).
        let number = match rec.position() {
            Some(p) => {
                let mut at = (p.byte() as usize).min(text.len());
                while text[at..].starts_with(['\r', '\n']) {
                    at += 1;
                }
                row_breaks.partition_point(|&b| b < at) as u32 + 1
            }
            None => i as u32 + 1,
        };
        rows.push(GridRow {
            number,
            cells: rec.iter().map(Cell::text).collect(),
        });
    }
    Ok(Grid { rows })
}

/// Excel's serial day number (1900 date system) to a date.
pub fn excel_serial_to_date(serial: f64) -> Option<jiff::civil::Date> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = jiff::civil::date(1899, 12, 30);
    base.checked_add(jiff::Span::new().days(serial.floor() as i64)).ok()
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Grid, ReadError> {
    // The first sheet that has anything in it.
    read_workbook_sheets(bytes)?
        .into_iter()
        .next()
        .map(|(_, g)| g)
        .ok_or(ReadError::Empty)
}

/// Every sheet of a file that has anything in it, by name, in the workbook's order (a CSV file
/// is one sheet named after the file). For files of several sheets, like OpenSID's export of a
/// program bantuan (sheets "Program" and "Peserta").
pub fn read_sheets(file_name: &str, bytes: &[u8]) -> Result<Vec<(String, Grid)>, ReadError> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let sheets = match ext.as_str() {
        "csv" | "txt" => vec![(file_name.to_string(), read_csv(bytes)?)],
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook_sheets(bytes)?,
        _ => return Err(ReadError::UnknownFormat(file_name.to_string())),
    };
    let sheets: Vec<(String, Grid)> = sheets
        .into_iter()
        .filter(|(_, g)| !g.rows.iter().all(GridRow::is_blank))
        .collect();
    if sheets.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(sheets)
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::text(""),
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell {
            text: i.to_string(),
            kind: CellKind::Number,
        },
        Data::Float(f) => Cell {
            text: number_text(*f),
            kind: CellKind::Number,
        },
        Data::Bool(b) => Cell::text(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(dt) => match excel_serial_to_date(dt.as_f64()) {
            Some(d) => Cell {
                text: d.to_string(),
                kind: CellKind::Date,
            },
            None => Cell {
                text: number_text(dt.as_f64()),
                kind: CellKind::Number,
            },
        },
        Data::DateTimeIso(s) => Cell {
            text: s.chars().take(10).collect(),
            kind: CellKind::Date,
        },
        Data::DurationIso(s) => Cell::text(s),
        Data::Error(e) => Cell::text(&format!("#{e:?}")),
    }
}

fn read_workbook_sheets(bytes: &[u8]) -> Result<Vec<(String, Grid)>, ReadError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| ReadError::Unreadable(e.to_string()))?;
    let names = wb.sheet_names().to_vec();
    let mut out = Vec::new();
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| ReadError::Unreadable(e.to_string()))?;
        let Some((row0, col0)) = range.start() else { continue };
        let mut rows = Vec::new();
        for (i, r) in range.rows().enumerate() {
            let mut cells: Vec<Cell> = (0..col0).map(|_| Cell::text("")).collect();
            cells.extend(r.iter().map(cell_of));
            rows.push(GridRow {
                number: row0 + i as u32 + 1,
                cells,
            });
        }
        if rows.iter().any(|r| !r.is_blank()) {
            out.push((name, Grid { rows }));
        }
    }
    Ok(out)
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_bom_and_windows_1252() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("NIK;NAMA\n3519024703480012;SUMIATI\n".as_bytes());
        let g = read("data.csv", &bytes).unwrap();
        assert_eq!(g.rows[0].cells[0].text, "NIK");
        assert_eq!(g.rows[1].cells[1].text, "SUMIATI");
        assert_eq!(g.rows[1].number, 2);
        // "Nganjuk, Désa" in Windows-1252: é is 0xE9.
        let g = read("data.csv", b"NIK,ALAMAT\n3519024703480012,\"Krajan, D\xE9sa\"\n").unwrap();
        assert_eq!(g.rows[1].cells[1].text, "Krajan, Désa");
        assert_eq!(g.rows[1].cells[0].kind, CellKind::Text);
    }

    #[test]
    fn unknown_formats_and_empty_files_are_explained() {
        assert!(matches!(read("foto.jpg", b"x"), Err(ReadError::UnknownFormat(_))));
        assert_eq!(read("kosong.csv", b"\n;;\n"), Err(ReadError::Empty));
        let e = read("rusak.xlsx", b"bukan zip").unwrap_err();
        assert!(e.to_string().contains("simpan ulang"), "{e}");
    }

    #[test]
    fn excel_serials_and_letters() {
        assert_eq!(excel_serial_to_date(18_330.0), Some(jiff::civil::date(1950, 3, 8)));
        assert_eq!(excel_serial_to_date(0.0), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(number_text(3_519_024_703_480_012.0), "3519024703480012");
    }
}
#[cfg(test)]
mod csv_rows {
    /// Row numbers are those a spreadsheet program shows: blank lines count, a line break
    /// inside a quoted cell does not.
    #[test]
    fn row_numbers_follow_the_lines() {
        let g = super::read("a.csv", b"T;;\r\n;;\r\nH;N\r\nD;E\r\n").unwrap();
        assert_eq!(g.rows.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        let g = super::read("b.csv", b"T,,\n\nH,N\n\"D\",\"multi\nline\"\nE,F\n").unwrap();
        assert_eq!(g.rows.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1, 3, 4, 5]);
    }
}
