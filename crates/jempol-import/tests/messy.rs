//! The spreadsheet villages really send, built as a real XLSX: title rows, a merged two-row
//! header, NIKs typed as numbers, mixed date formats, a duplicate, a totals row and a
//! signature block. Every data row must come back with the right verdict and reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jempol_import::{RowStatus, check_rows, find_header, read};
use jiff::civil::date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn dolopo(code: &str) -> bool {
    code == "35.19.02"
}

fn messy_xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    ws.merge_range(0, 0, 0, 7, "DATA LANSIA, DISABILITAS DAN ODGJ BELUM REKAM E-KTP", &bold)
        .unwrap();
    ws.merge_range(1, 0, 1, 7, "DESA LEMBAH KECAMATAN DOLOPO TAHUN 2026", &bold)
        .unwrap();
    // Row 4-5: a two-row header with merged cells.
    for (c, h) in ["NO", "NIK", "NO. KK", "NAMA", "L/P"].iter().enumerate() {
        ws.merge_range(3, c as u16, 4, c as u16, h, &bold).unwrap();
    }
    ws.merge_range(3, 5, 3, 6, "TEMPAT/TGL LAHIR", &bold).unwrap();
    ws.write_string(4, 5, "TEMPAT").unwrap();
    ws.write_string(4, 6, "TANGGAL").unwrap();
    ws.merge_range(3, 7, 4, 7, "JENIS KERENTANAN", &bold).unwrap();
    let dmy = Format::new().set_num_format("dd/mm/yyyy");
    // Data from spreadsheet row 6.
    let rows: &[(&str, &str, &str, &str, &str, &str)] = &[
        (
            "3519024703480012",
            "3519020101100001",
            "SUMIATI",
            "P",
            "17-03-1948",
            "LANSIA",
        ), // 6: birth date disagrees with NIK (07-03): warning
        (
            "3519021208550003",
            "3519020101100002",
            "SUPARMAN",
            "L",
            "12/8/55",
            "LANSIA, DISABILITAS RUNGU",
        ), // 7 ok
        ("NUMBER", "3519020101100003", "PAINEM", "P", "", "LANSIA"), // 8 NIK typed as a number
        (
            "3519021208550003",
            "3519020101100002",
            "SUPARMAN",
            "L",
            "1955-08-12",
            "LANSIA",
        ), // 9 duplicate of row 7
        ("3519020507900001", "3519020101100004", "JOKO", "L", "DATE", "ODGJ"), // 10 real Excel date
        ("3519026001120002", "", "SRI", "P", "20-01-2012", "DISABILITAS FISIK"), // 11 under 16
        ("3519020101850009", "", "TARNO", "X", "01-01-1985", ""),    // 12 bad sex, no category
    ];
    for (i, (nik, kk, name, sex, born, cat)) in rows.iter().enumerate() {
        let r = 5 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        if *nik == "NUMBER" {
            ws.write_number(r, 1, 3_519_026_012_500_017.0).unwrap();
        } else {
            ws.write_string(r, 1, *nik).unwrap();
        }
        if !kk.is_empty() {
            ws.write_string(r, 2, *kk).unwrap();
        }
        ws.write_string(r, 3, *name).unwrap();
        ws.write_string(r, 4, *sex).unwrap();
        ws.write_string(r, 5, "MADIUN").unwrap();
        if *born == "DATE" {
            ws.write_datetime_with_format(r, 6, ExcelDateTime::from_ymd(1990, 7, 5).unwrap(), &dmy)
                .unwrap();
        } else if !born.is_empty() {
            ws.write_string(r, 6, *born).unwrap();
        }
        if !cat.is_empty() {
            ws.write_string(r, 7, *cat).unwrap();
        }
    }
    ws.write_string(12, 0, "JUMLAH").unwrap();
    ws.write_number(12, 3, 7.0).unwrap();
    ws.write_string(14, 5, "Lembah, 2 November 2026").unwrap();
    ws.write_string(15, 5, "Mengetahui, Kepala Desa Lembah").unwrap();
    ws.write_string(18, 5, "SUGENG RAHARJO").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_messy_village_spreadsheet_gets_a_correct_row_by_row_verdict() {
    let grid = read("Data Rentan Lembah.xlsx", &messy_xlsx()).unwrap();
    let m = find_header(&grid).unwrap();
    let report = check_rows(&grid, &m, date(2026, 11, 29), &dolopo);
    let rows: Vec<u32> = report.iter().map(|r| r.row).collect();
    assert_eq!(
        rows,
        vec![6, 7, 8, 9, 10, 11, 12],
        "data rows only: no title, header, totals or signature rows"
    );
    let verdict = |row: u32| report.iter().find(|r| r.row == row).unwrap();
    let codes = |row: u32| {
        verdict(row)
            .messages
            .iter()
            .map(|m| m.code.as_str())
            .collect::<Vec<_>>()
    };

    assert_eq!(verdict(6).status, RowStatus::Warning);
    assert_eq!(codes(6), vec!["nik_birth_mismatch"]);
    assert!(
        verdict(6).messages[0].column.contains("TANGGAL (kolom G)"),
        "{:?}",
        verdict(6).messages
    );

    assert_eq!(verdict(7).status, RowStatus::Accepted, "{:?}", verdict(7).messages);
    let d = &verdict(7).draft;
    assert_eq!(d.birth_date, Some(date(1955, 8, 12)));
    assert!(d.lansia && d.disabilitas && d.disability_kinds == vec!["sensorik_rungu".to_string()]);
    assert_eq!(d.birth_place, "MADIUN");

    assert_eq!(verdict(8).status, RowStatus::Rejected);
    assert_eq!(codes(8), vec!["nik_excel_number"]);
    assert!(verdict(8).messages[0].text.contains("format kolom NIK menjadi Teks"));
    assert_eq!(verdict(8).messages[0].column, "NIK (kolom B)");

    assert_eq!(verdict(9).status, RowStatus::Rejected);
    assert_eq!(codes(9), vec!["nik_duplicate_in_file"]);
    assert!(verdict(9).messages[0].text.contains("baris 7"));

    assert_eq!(verdict(10).status, RowStatus::Accepted, "{:?}", verdict(10).messages);
    assert_eq!(verdict(10).draft.birth_date, Some(date(1990, 7, 5)));
    assert!(verdict(10).draft.odgj && !verdict(10).draft.lansia);

    assert_eq!(verdict(11).status, RowStatus::Rejected);
    assert_eq!(codes(11), vec!["age_under_16"]);

    assert_eq!(verdict(12).status, RowStatus::Rejected);
    assert_eq!(codes(12), vec!["sex_invalid", "category_missing"]);

    // Every rejected row says what to fix, in Indonesian, with its column.
    for r in report.iter().filter(|r| r.status != RowStatus::Accepted) {
        assert!(
            r.messages
                .iter()
                .all(|m| !m.text.is_empty() && m.column.contains("kolom")),
            "{r:?}"
        );
    }
    // The report serialises to the shape the CLI and API print.
    let json = serde_json::to_value(&report[2]).unwrap();
    assert_eq!(json["row"], 8);
    assert_eq!(json["status"], "rejected");
    assert_eq!(json["nik"], "3519026012500017");
    assert_eq!(json["messages"][0]["code"], "nik_excel_number");
}

#[test]
fn the_same_list_as_semicolon_csv_from_windows() {
    let csv = "DATA KAUM RENTAN DESA LEMBAH;;;;\r\n;;;;\r\nNo.;NIK;Nama;Jenis Kelamin;Tgl. Lahir;Kategori\r\n1;'3519024703480012;Sumiati;Perempuan;07-03-1948;Lansia\r\n2;3,51902E+15;Paiman;Laki-laki;01/01/1950;Lansia\r\n;;;;\r\nJumlah;2;;;\r\n";
    let grid = read("lembah.csv", csv.as_bytes()).unwrap();
    let m = find_header(&grid).unwrap();
    let report = check_rows(&grid, &m, date(2026, 11, 29), &dolopo);
    assert_eq!(report.len(), 2);
    assert_eq!((report[0].row, report[0].status), (4, RowStatus::Accepted));
    assert_eq!(report[0].draft.sex.as_deref(), Some("P"));
    assert_eq!((report[1].row, report[1].status), (5, RowStatus::Rejected));
    assert_eq!(report[1].messages[0].code, "nik_excel_number");
}

#[test]
fn an_opensid_export_is_read_with_its_codes() {
    // OpenSID's import/export columns (lower case, codes for sex and disability), header on row 1.
    let csv = "alamat,dusun,rw,rt,nama,no_kk,nik,sex,tempatlahir,tanggallahir,agama_id,cacat_id,ktp_el\n\
Jl. Raya,Krajan,001,002,SUMIATI,3519020101100001,3519024703480012,2,MADIUN,1948-03-07,1,7,1\n\
Jl. Raya,Krajan,001,002,SUPARMAN,3519020101100001,3519021208550003,1,MADIUN,1955-08-12,1,3,1\n\
Jl. Raya,Krajan,001,003,JOKO,3519020101100002,3519020507900001,1,MADIUN,1990-07-05,1,4,1\n\
Jl. Raya,Krajan,001,003,SRI,3519020101100002,3519024101950002,2,MADIUN,1995-01-01,1,9,1\n\
###,###\n";
    let grid = read("penduduk_opensid.csv", csv.as_bytes()).unwrap();
    let m = find_header(&grid).unwrap();
    assert_eq!(m.header_end, 0);
    let report = check_rows(&grid, &m, date(2026, 11, 29), &dolopo);
    assert_eq!(report.len(), 4, "the ### row ends the data");
    assert_eq!(report[0].status, RowStatus::Accepted, "{:?}", report[0].messages);
    assert_eq!(report[0].draft.sex.as_deref(), Some("P"));
    assert!(report[0].draft.lansia && !report[0].draft.disabilitas);
    assert_eq!(
        report[1].draft.disability_kinds,
        vec!["sensorik_rungu", "sensorik_wicara"]
    );
    assert_eq!(report[1].draft.dusun, "Krajan");
    assert_eq!(report[2].status, RowStatus::Accepted, "{:?}", report[2].messages);
    assert_eq!(report[2].draft.disability_kinds, vec!["mental"]);
    // Code 9 is not a cacat_id; and a 31-year-old without a disability is not in the target group.
    let codes: Vec<&str> = report[3].messages.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(codes, vec!["disability_code_unknown", "category_missing"]);
}
