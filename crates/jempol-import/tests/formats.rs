//! The two formats no Rust crate writes, read from real files made by other tools (see
//! fixtures/make.py): Excel 97-2003 (.xls, BIFF8) and OpenDocument (.ods). The same list in
//! both gives the same verdicts: real date cells read as dates, a NIK stored as a number
//! refused with the fix, totals and signature rows skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jempol_import::{CellKind, RowStatus, check_rows, find_header, read};
use jiff::civil::date;

fn verdicts(file: &str) -> Vec<(u32, RowStatus, String)> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let grid = read(file, &bytes).unwrap();
    // Row 6's NIK is a number cell, row 5's birth date a date cell.
    let row = |n: u32| grid.rows.iter().find(|r| r.number == n).unwrap();
    assert_eq!(row(6).cells[1].kind, CellKind::Number, "{file}");
    assert_eq!(row(5).cells[4].kind, CellKind::Date, "{file}");
    assert_eq!(row(5).cells[4].text, "1948-03-07", "{file}");
    let m = find_header(&grid).unwrap();
    assert_eq!(grid.rows[m.header_end].number, 4, "{file}: header on row 4");
    check_rows(&grid, &m, date(2026, 11, 29), &|c| c == "35.19.02")
        .into_iter()
        .map(|r| {
            let why = r
                .messages
                .iter()
                .map(|m| m.text.clone())
                .collect::<Vec<_>>()
                .join(" | ");
            (r.row, r.status, why)
        })
        .collect()
}

fn check(file: &str) {
    let v = verdicts(file);
    assert_eq!(
        v.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
        vec![
            (5, RowStatus::Accepted),
            (6, RowStatus::Rejected),
            (7, RowStatus::Accepted)
        ],
        "{file}: {v:?}"
    );
    assert!(
        v[1].2.contains("ubah format kolom NIK menjadi Teks"),
        "{file}: {}",
        v[1].2
    );
}

#[test]
fn an_excel_97_2003_xls_file() {
    check("lembah.xls");
}

#[test]
fn an_opendocument_ods_file() {
    check("lembah.ods");
}
