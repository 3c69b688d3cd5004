//! The targets hostile input is thrown at, each with the properties it must keep. The same
//! functions run under proptest on stable (`tests/fuzzing.rs`, in every test run) and under
//! libFuzzer on nightly (`fuzz/`, `scripts/fuzz`, with a one-second limit per input). A target
//! panics when a property breaks; a parser that returns an error has done its job.

use crate::grid::{Limits, ReadError};
use jiff::civil::{Date, date};

/// A fixed "today", so a failing input reproduces.
pub const TODAY: Date = date(2026, 12, 2);

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// NIK: parse, check and mask any text. A NIK that parses has 16 digits and fields in range;
/// an error is a finding with a message; masking never shows more than the last four digits.
pub fn nik(data: &[u8]) {
    use jempol_core::nik;
    let s = text(data);
    if let Ok(p) = nik::parse(&s) {
        let n = nik::normalize(&s);
        assert!(n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
        assert!((1..=31).contains(&p.day) && (1..=12).contains(&p.month) && p.serial > 0);
        let masked = nik::mask(&n);
        assert!(!masked.contains(&n[..12]), "mask shows the NIK: {masked}");
    }
    let c = nik::check(&s, Some(TODAY), Some(true), |k| k == "35.19.02", TODAY);
    for f in &c.findings {
        assert!(!f.message.trim().is_empty(), "a finding without a message for {s:?}");
    }
}

/// KK (family card number): checked like a NIK, never panics, every finding explained.
pub fn kk(data: &[u8]) {
    let s = text(data);
    for f in jempol_core::nik::check_kk(&s, |k| k == "35.19.02") {
        assert!(!f.message.trim().is_empty(), "{s:?}");
    }
}

/// Birth dates as villages type them: a date that parses is a real day with a four-digit
/// year; a two-digit year never lands in the future (the row checks explain a future date
/// written in full).
pub fn birth_date(data: &[u8]) {
    let s = text(data);
    if let Some(d) = crate::dates::parse_birth_date(&s, TODAY) {
        assert!((1000..=9999).contains(&d.year()), "{s:?} -> {d}");
        let four_digits = s.split(|c: char| !c.is_ascii_digit()).any(|p| p.len() == 4);
        assert!(four_digits || d <= TODAY, "{s:?} -> {d}");
    }
}

/// A CSV file of any bytes: read within the limits, or refused with a message; a grid that
/// is read goes through header detection and the row checks of a village list.
pub fn csv(data: &[u8]) {
    sheet("daftar.csv", data);
}

/// An XLSX (or anything named so): the same, through the zip inspection and the cell reader.
pub fn xlsx(data: &[u8]) {
    sheet("daftar.xlsx", data);
}

fn sheet(name: &str, data: &[u8]) {
    match crate::read(name, data) {
        Ok(grid) => {
            assert!(grid.rows.len() <= Limits::ROWS);
            for row in &grid.rows {
                assert!(row.cells.len() <= Limits::COLUMNS);
                assert!(row.cells.iter().all(|c| c.text.chars().count() <= Limits::CELL_CHARS));
            }
            if let Some(m) = crate::find_header(&grid) {
                let reports = crate::check_rows(&grid, &m, TODAY, &|k| k == "35.19.02");
                for r in reports {
                    if r.status == crate::RowStatus::Rejected {
                        assert!(!r.messages.is_empty(), "row {} rejected without a reason", r.row);
                    }
                }
            }
            let _ = crate::welfare::read_status_list(&grid, TODAY);
            let _ = crate::welfare::read_results_list(&grid, TODAY);
        }
        Err(e) => {
            let m = e.to_string();
            assert!(!m.trim().is_empty());
            if let ReadError::Unreadable(_) = e {
                assert!(m.contains("Excel"), "{m}");
            }
        }
    }
}
