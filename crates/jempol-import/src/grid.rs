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
    #[error(
        "Berkas ini bukan berkas Excel atau OpenDocument meskipun namanya begitu: isinya tampak seperti {0}. Pilih berkas daftar yang benar, atau buka daftarnya di Excel lalu simpan sebagai .xlsx."
    )]
    WrongType(String),
    /// Beyond what any real list needs (`Limits`): refused before it can take the server's
    /// memory or time.
    #[error("{0}")]
    TooLarge(String),
}

/// What a file may hold. A village list is hundreds of rows and about fifteen columns; a
/// regency's welfare list is tens of thousands of rows. Beyond these a file is refused with a
/// message saying what to change, before it can take the server's memory or time: a million
/// rows, ten thousand columns, a cell holding a pasted book, or an XLSX/ODS (a zip of XML) that
/// unpacks to far more than it weighs (a "zip bomb").
pub struct Limits;

impl Limits {
    pub const ROWS: usize = 200_000;
    pub const COLUMNS: usize = 500;
    pub const CELL_CHARS: usize = 5_000;
    /// One unpacked part of an XLSX/ODS (a sheet's XML), and all parts together.
    pub const PART_BYTES: u64 = 160 * 1024 * 1024;
    pub const UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
    pub const PARTS: usize = 2_000;
}

fn too_many_rows() -> ReadError {
    ReadError::TooLarge(format!(
        "Berkas ini berisi lebih dari {} baris. Bagi menjadi beberapa berkas (misalnya per desa), lalu kirim satu per satu.",
        thousands(Limits::ROWS)
    ))
}

fn too_many_columns(row: u32) -> ReadError {
    ReadError::TooLarge(format!(
        "Baris {row} memakai lebih dari {} kolom. Hapus kolom yang tidak dipakai di sebelah kanan data, simpan, lalu kirim lagi.",
        Limits::COLUMNS
    ))
}

fn cell_too_long(row: u32, col: usize, chars: usize) -> ReadError {
    ReadError::TooLarge(format!(
        "Sel {}{row} berisi {} karakter, paling banyak {}. Periksa isi sel itu (mungkin tertempel teks yang sangat panjang), lalu kirim lagi.",
        column_letter(col),
        thousands(chars),
        thousands(Limits::CELL_CHARS)
    ))
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Checks the size of one cell and the number of columns of a row as they are read.
fn admit(row: u32, cells: &[Cell]) -> Result<(), ReadError> {
    if cells.len() > Limits::COLUMNS {
        return Err(too_many_columns(row));
    }
    for (col, c) in cells.iter().enumerate() {
        if c.text.len() > Limits::CELL_CHARS {
            let chars = c.text.chars().count();
            if chars > Limits::CELL_CHARS {
                return Err(cell_too_long(row, col, chars));
            }
        }
    }
    Ok(())
}

/// An XLSX or ODS is a zip of XML parts. Before any spreadsheet reader sees it, every part is
/// unpacked once into nothing, counting: a part or a total beyond `Limits`, too many parts, or
/// XML that declares a DOCTYPE or entities (which no spreadsheet writes, and which are how
/// "billion laughs" entity floods start) refuse the file. The sizes the zip declares are not
/// trusted; the bytes are counted.
fn inspect_zip(bytes: &[u8]) -> Result<(), ReadError> {
    use std::io::Read;
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        // Not a zip (an old .xls, or not a spreadsheet at all): the reader says what it is.
        Err(_) => return Ok(()),
    };
    if zip.len() > Limits::PARTS {
        return Err(unpacks_too_big());
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| ReadError::Unreadable(e.to_string()))?;
        let xml = part
            .name()
            .map(|n| n.ends_with(".xml") || n.ends_with(".rels"))
            .unwrap_or(true);
        let mut part_bytes: u64 = 0;
        // The tail of the previous chunk, so a marker split across two chunks is still seen.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = part.read(&mut buf).map_err(|e| ReadError::Unreadable(e.to_string()))?;
            if n == 0 {
                break;
            }
            part_bytes += n as u64;
            total += n as u64;
            if part_bytes > Limits::PART_BYTES || total > Limits::UNPACKED_BYTES {
                return Err(unpacks_too_big());
            }
            if xml {
                carry.extend_from_slice(&buf[..n]);
                if declares_entities(&carry) {
                    return Err(ReadError::TooLarge(
                        "Berkas ini berisi deklarasi XML (DOCTYPE/ENTITY) yang tidak pernah ditulis Excel atau LibreOffice; berkas seperti ini tidak diterima. Salin datanya ke lembar kerja baru, simpan, lalu kirim lagi."
                            .into(),
                    ));
                }
                let keep = carry.len().min(16);
                carry.drain(..carry.len() - keep);
            }
        }
    }
    Ok(())
}

fn declares_entities(xml: &[u8]) -> bool {
    memchr::memmem::find_iter(xml, b"<!").any(|at| {
        let rest = &xml[at + 2..];
        let starts = |word: &[u8]| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word);
        starts(b"DOCTYPE") || starts(b"ENTITY")
    })
}

fn unpacks_too_big() -> ReadError {
    ReadError::TooLarge(format!(
        "Isi berkas ini setelah dibuka jauh lebih besar dari wajar (lebih dari {} MB). Berkas seperti ini tidak diterima; salin datanya ke lembar kerja baru, simpan, lalu kirim lagi, atau bagi menjadi beberapa berkas.",
        Limits::UNPACKED_BYTES / (1024 * 1024)
    ))
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
        if rows.len() >= Limits::ROWS {
            return Err(too_many_rows());
        }
        if rec.len() > Limits::COLUMNS {
            return Err(too_many_columns(number));
        }
        let cells: Vec<Cell> = rec.iter().map(Cell::text).collect();
        admit(number, &cells)?;
        rows.push(GridRow { number, cells });
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

/// A workbook is a zip (XLSX, ODS) or an OLE compound file (XLS); anything else under a
/// spreadsheet's name is said plainly, with what it looks like.
fn check_workbook_type(bytes: &[u8]) -> Result<(), ReadError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(());
    }
    let looks = if bytes.starts_with(b"\x89PNG") {
        "gambar PNG"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "foto JPEG"
    } else if bytes.starts_with(b"%PDF") {
        "dokumen PDF"
    } else if bytes.starts_with(b"MZ") || bytes.starts_with(b"\x7fELF") {
        "program"
    } else if bytes.trim_ascii_start().starts_with(b"<") {
        "halaman web atau XML"
    } else {
        "bukan lembar kerja"
    };
    Err(ReadError::WrongType(looks.to_string()))
}

fn read_workbook_sheets(bytes: &[u8]) -> Result<Vec<(String, Grid)>, ReadError> {
    check_workbook_type(bytes)?;
    inspect_zip(bytes)?;
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| ReadError::Unreadable(e.to_string()))?;
    let names = wb.sheet_names().to_vec();
    let mut out = Vec::new();
    for name in names {
        let rows = match &mut wb {
            // XLSX cell by cell, so a sheet whose cells sit far apart (A1 and XFD1048576) is
            // refused by its size instead of being laid out in memory.
            calamine::Sheets::Xlsx(x) => xlsx_rows(x, &name)?,
            _ => {
                let range = wb
                    .worksheet_range(&name)
                    .map_err(|e| ReadError::Unreadable(e.to_string()))?;
                range_rows(&range)?
            }
        };
        if rows.iter().any(|r| !r.is_blank()) {
            out.push((name, Grid { rows }));
        }
    }
    Ok(out)
}

fn xlsx_rows<RS: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<RS>,
    name: &str,
) -> Result<Vec<GridRow>, ReadError> {
    let mut reader = x
        .worksheet_cells_reader(name)
        .map_err(|e| ReadError::Unreadable(e.to_string()))?;
    let mut rows: Vec<GridRow> = Vec::new();
    let mut first: Option<u32> = None;
    while let Some(cell) = reader.next_cell().map_err(|e| ReadError::Unreadable(e.to_string()))? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        if c >= Limits::COLUMNS {
            return Err(too_many_columns(r as u32 + 1));
        }
        let data: Data = cell.get_value().clone().into();
        if matches!(data, Data::Empty) {
            continue;
        }
        let start = *first.get_or_insert(r as u32) as usize;
        let Some(index) = r.checked_sub(start) else {
            return Err(ReadError::Unreadable("baris lembar kerja tidak berurutan".into()));
        };
        if index >= Limits::ROWS {
            return Err(too_many_rows());
        }
        while rows.len() <= index {
            rows.push(GridRow {
                number: (start + rows.len()) as u32 + 1,
                cells: Vec::new(),
            });
        }
        let cells = &mut rows[index].cells;
        while cells.len() < c {
            cells.push(Cell::text(""));
        }
        let value = cell_of(&data);
        if value.text.len() > Limits::CELL_CHARS && value.text.chars().count() > Limits::CELL_CHARS {
            return Err(cell_too_long(r as u32 + 1, c, value.text.chars().count()));
        }
        if cells.len() == c {
            cells.push(value);
        } else {
            cells[c] = value;
        }
    }
    // Rows above the first cell are not rows of the sheet's data; columns left of it are kept
    // empty so column letters stay true.
    Ok(rows)
}

fn range_rows(range: &calamine::Range<Data>) -> Result<Vec<GridRow>, ReadError> {
    let Some((row0, col0)) = range.start() else {
        return Ok(Vec::new());
    };
    let (height, width) = range.get_size();
    if height > Limits::ROWS {
        return Err(too_many_rows());
    }
    if width + col0 as usize > Limits::COLUMNS {
        return Err(too_many_columns(row0 + 1));
    }
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let mut cells: Vec<Cell> = (0..col0).map(|_| Cell::text("")).collect();
        cells.extend(r.iter().map(cell_of));
        let number = row0 + i as u32 + 1;
        admit(number, &cells)?;
        rows.push(GridRow { number, cells });
    }
    Ok(rows)
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
        assert!(e.to_string().contains("simpan sebagai .xlsx"), "{e}");
        let e = read("rusak.xlsx", b"PK\x03\x04 lalu terpotong").unwrap_err();
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
