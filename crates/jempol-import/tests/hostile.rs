//! Files made to hurt the server: each is refused quickly with a message a village operator
//! can act on, and none is laid out in memory first. Built here, byte by byte, as an attacker
//! would build them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jempol_import::{Limits, ReadError, read};
use std::io::Write;

const CT: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WB: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WB_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_OPEN: &str = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_CLOSE: &str = "</sheetData></worksheet>";

/// A minimal XLSX whose first sheet's XML is written by `sheet`.
fn xlsx(sheet: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [
        ("[Content_Types].xml", CT),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WB),
        ("xl/_rels/workbook.xml.rels", WB_RELS),
    ] {
        z.start_file(name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    sheet(&mut z);
    z.finish().unwrap().into_inner()
}

fn too_large(r: Result<impl std::fmt::Debug, ReadError>) -> String {
    match r {
        Err(ReadError::TooLarge(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_proper_small_sheet_built_this_way_is_read() {
    let bytes = xlsx(|w| {
        write!(w, r#"<?xml version="1.0" encoding="UTF-8"?>{SHEET_OPEN}<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c><c r="C1" t="inlineStr"><is><t>NAMA</t></is></c></row><row r="3"><c r="A3"><v>5</v></c></row>{SHEET_CLOSE}"#).unwrap();
    });
    let g = read("daftar.xlsx", &bytes).unwrap();
    assert_eq!(g.rows.len(), 3);
    assert_eq!(g.rows[0].cells[2].text, "NAMA");
    assert!(g.rows[0].cells[1].is_empty());
    assert_eq!((g.rows[2].number, g.rows[2].cells[0].text.as_str()), (3, "5"));
}

#[test]
fn cells_far_apart_are_refused_without_laying_out_the_sheet() {
    // A1 and XFD1048576: laid out, 17 billion cells.
    let bytes = xlsx(|w| {
        write!(w, r#"<?xml version="1.0"?>{SHEET_OPEN}<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>{SHEET_CLOSE}"#).unwrap();
    });
    assert!(too_large(read("jauh.xlsx", &bytes)).contains("kolom"));
    // Far down in one column: more rows than any list.
    let bytes = xlsx(|w| {
        write!(w, r#"<?xml version="1.0"?>{SHEET_OPEN}<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>{SHEET_CLOSE}"#).unwrap();
    });
    assert!(too_large(read("jauh.xlsx", &bytes)).contains("baris"));
}

#[test]
fn a_million_rows_are_refused() {
    let bytes = xlsx(|w| {
        write!(w, r#"<?xml version="1.0"?>{SHEET_OPEN}"#).unwrap();
        for i in 1..=1_000_000 {
            write!(w, r#"<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>"#).unwrap();
        }
        write!(w, "{SHEET_CLOSE}").unwrap();
    });
    let m = too_large(read("sejuta.xlsx", &bytes));
    assert!(
        m.contains("200.000 baris") && m.contains("Bagi menjadi beberapa berkas"),
        "{m}"
    );
    let csv: String = (0..Limits::ROWS + 1).map(|i| format!("{i};x\n")).collect();
    assert!(too_large(read("sejuta.csv", csv.as_bytes())).contains("baris"));
}

#[test]
fn ten_thousand_columns_are_refused() {
    let header: Vec<String> = (0..10_000).map(|i| format!("K{i}")).collect();
    let csv = format!("NIK,{}\n", header.join(","));
    let m = too_large(read("lebar.csv", csv.as_bytes()));
    assert!(m.contains("500 kolom"), "{m}");
    let bytes = xlsx(|w| {
        write!(w, r#"<?xml version="1.0"?>{SHEET_OPEN}<row r="1">"#).unwrap();
        for c in 0..10_000 {
            write!(w, r#"<c r="{}1"><v>{c}</v></c>"#, jempol_import::grid::column_letter(c)).unwrap();
        }
        write!(w, "</row>{SHEET_CLOSE}").unwrap();
    });
    assert!(too_large(read("lebar.xlsx", &bytes)).contains("kolom"));
}

#[test]
fn a_huge_cell_is_refused_and_named() {
    let csv = format!("NIK,NAMA\n3519021505509871,{}\n", "B".repeat(3_000_000));
    let m = too_large(read("sel.csv", csv.as_bytes()));
    assert!(m.starts_with("Sel B2 berisi 3.000.000 karakter"), "{m}");
    let bytes = xlsx(|w| {
        write!(w, r#"<?xml version="1.0"?>{SHEET_OPEN}<row r="2"><c r="C2" t="inlineStr"><is><t>{}</t></is></c></row>{SHEET_CLOSE}"#, "x".repeat(Limits::CELL_CHARS + 1)).unwrap();
    });
    assert!(too_large(read("sel.xlsx", &bytes)).starts_with("Sel C2"));
}

#[test]
fn a_zip_bomb_is_refused_by_what_it_unpacks_to_not_what_it_claims() {
    // One part of 1 MiB of the same byte (about 1 KiB packed), copied packed 300 times:
    // 300 MiB unpacked from a file of a few hundred KiB.
    let one = xlsx(|w| {
        let chunk = vec![b'A'; 1024 * 1024];
        w.write_all(&chunk).unwrap();
    });
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(one.clone())).unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        z.raw_copy_file(src.by_index(i).unwrap()).unwrap();
    }
    for n in 0..300 {
        let part = src.by_name("xl/worksheets/sheet1.xml").unwrap();
        z.raw_copy_file_rename(part, format!("xl/media/isi{n}.xml")).unwrap();
    }
    let bomb = z.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
    let m = too_large(read("bom.xlsx", &bomb));
    assert!(m.contains("jauh lebih besar dari wajar"), "{m}");
}

#[test]
fn xml_entity_floods_are_refused_before_any_xml_is_parsed() {
    let bytes = xlsx(|w| {
        let mut dtd = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
        for i in 2..=9 {
            let prev = if i == 2 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
        }
        dtd.push(']');
        dtd.push('>');
        write!(
            w,
            r#"{dtd}{SHEET_OPEN}<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>{SHEET_CLOSE}"#
        )
        .unwrap();
    });
    let m = too_large(read("lol.xlsx", &bytes));
    assert!(m.contains("DOCTYPE/ENTITY"), "{m}");
}

#[test]
fn the_wrong_kind_of_file_is_named() {
    for (bytes, looks) in [
        (b"\x89PNG\r\n\x1a\n0000".to_vec(), "gambar PNG"),
        (b"%PDF-1.7 ...".to_vec(), "dokumen PDF"),
        (b"MZ\x90\x00".to_vec(), "program"),
        (b"<html><body>".to_vec(), "halaman web"),
    ] {
        match read("daftar.xlsx", &bytes) {
            Err(ReadError::WrongType(t)) => assert!(t.contains(looks), "{t}"),
            other => panic!("{looks}: {other:?}"),
        }
    }
    assert!(matches!(
        read("daftar.docx", b"PK\x03\x04"),
        Err(ReadError::UnknownFormat(_))
    ));
}
