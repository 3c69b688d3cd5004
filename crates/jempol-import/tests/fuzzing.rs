//! The fuzz targets of `jempol_import::fuzzing` under proptest, on stable, in every test run:
//! random bytes, text shaped like what villages type, and real spreadsheets with bytes
//! flipped. `scripts/fuzz` runs the same targets under libFuzzer for longer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jempol_import::fuzzing;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A real village list as XLSX, for flipping bytes in.
fn real_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["NO", "NIK", "NO KK", "NAMA", "L/P", "TGL LAHIR", "KATEGORI"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..6u32 {
        ws.write_number(r, 0, f64::from(r)).unwrap();
        ws.write_string(r, 1, format!("35190215055098{r:02}")).unwrap();
        ws.write_number(r, 2, 3_519_020_101_100_001.0).unwrap();
        ws.write_string(r, 3, "SUKIJAN").unwrap();
        ws.write_string(r, 4, "L").unwrap();
        ws.write_string(r, 5, "15-05-1950").unwrap();
        ws.write_string(r, 6, "LANSIA").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn nik_any_bytes(data in prop::collection::vec(any::<u8>(), 0..64)) {
        fuzzing::nik(&data);
        fuzzing::kk(&data);
    }

    #[test]
    fn nik_like_text(s in "[0-9 .,'`-]{0,24}|3[0-9]{15}|[0-9]{1,3}[.][0-9]{1,10}E[+][0-9]{2}") {
        fuzzing::nik(s.as_bytes());
        fuzzing::kk(s.as_bytes());
    }

    #[test]
    fn dates_any_bytes(data in prop::collection::vec(any::<u8>(), 0..48)) {
        fuzzing::birth_date(&data);
    }

    #[test]
    fn dates_like_text(s in "[0-9]{1,5}[-/. ]{1,2}([0-9]{1,4}|[A-Za-z]{3,9})[-/. ]{1,2}[0-9]{1,5}") {
        fuzzing::birth_date(s.as_bytes());
    }

    #[test]
    fn csv_any_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        fuzzing::csv(&data);
    }

    #[test]
    fn csv_like_a_village_list(
        rows in prop::collection::vec(
            prop::collection::vec("[0-9A-Za-z /.\"-]{0,20}", 0..9), 0..30)
    ) {
        let mut text = String::from("NO;NIK;NO KK;NAMA;L/P;TEMPAT LAHIR;TGL LAHIR;KATEGORI\n");
        for r in rows {
            text.push_str(&r.join(";"));
            text.push('\n');
        }
        fuzzing::csv(text.as_bytes());
    }

    #[test]
    fn xlsx_any_bytes(data in prop::collection::vec(any::<u8>(), 0..1024)) {
        fuzzing::xlsx(&data);
    }

    #[test]
    fn xlsx_with_bytes_flipped(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = real_xlsx();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        fuzzing::xlsx(&bytes);
    }
}

#[test]
fn the_real_list_passes_through_the_targets() {
    // The unflipped file is read and its rows checked: the flipped cases start from a file
    // the targets really parse.
    let g = jempol_import::read("daftar.xlsx", &real_xlsx()).unwrap();
    assert_eq!(g.rows.len(), 6);
    fuzzing::xlsx(&real_xlsx());
}
