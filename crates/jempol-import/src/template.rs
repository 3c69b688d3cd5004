//! The template a village can download: the columns the importer expects, the number columns
//! already formatted as Text (so Excel keeps all 16 digits of a NIK), and a sheet of
//! instructions. Reading it back finds the header and no data rows.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Header, width, and whether the column must be Text.
const COLUMNS: &[(&str, f64, bool)] = &[
    ("NO", 5.0, false),
    ("NIK", 20.0, true),
    ("NO. KK", 20.0, true),
    ("NAMA", 28.0, false),
    ("L/P", 5.0, false),
    ("TEMPAT LAHIR", 16.0, false),
    ("TGL LAHIR", 12.0, true),
    ("DUSUN", 14.0, false),
    ("RT", 5.0, true),
    ("RW", 5.0, true),
    ("NO. HP", 15.0, true),
    ("KATEGORI", 30.0, false),
    ("KETERANGAN", 30.0, false),
];

const HELP: &[&str] = &[
    "PETUNJUK PENGISIAN",
    "",
    "1. Isi satu baris untuk satu warga di lembar Daftar, mulai baris 4. Jangan mengubah judul kolom di baris 3.",
    "2. NIK dan No. KK: 16 angka. Kolomnya sudah berformat Teks; bila menyalin dari berkas lain, tempel sebagai nilai (Paste Values).",
    "3. L/P: L untuk laki-laki, P untuk perempuan. Boleh kosong: Jempol membacanya dari NIK.",
    "4. TGL LAHIR: hari-bulan-tahun, misalnya 17-08-1950. Boleh kosong: Jempol membacanya dari NIK.",
    "5. KATEGORI: LANSIA, DISABILITAS (sebutkan ragamnya: FISIK, NETRA, RUNGU, WICARA, INTELEKTUAL, MENTAL, GANDA), ODGJ. Boleh lebih dari satu, pisahkan dengan koma, misalnya: LANSIA, DISABILITAS RUNGU.",
    "6. Lansia adalah warga berumur 60 tahun ke atas; Jempol menghitungnya dari tanggal lahir.",
    "7. Warga di bawah 16 tahun belum bisa direkam e-KTP.",
    "8. Simpan sebagai .xlsx lalu unggah di menu Pengajuan.",
];

/// The template as XLSX bytes.
pub fn template_xlsx(desa_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_background_color("#E2EFDA");
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("Daftar")?;
    ws.write_string_with_format(
        0,
        0,
        "DATA LANSIA, DISABILITAS DAN ODGJ YANG BELUM MEMILIKI E-KTP",
        &bold,
    )?;
    ws.write_string_with_format(1, 0, format!("DESA/KELURAHAN {}", desa_name.to_uppercase()), &bold)?;
    for (c, (name, width, is_text)) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(2, c, *name, &header)?;
        ws.set_column_width(c, *width)?;
        if *is_text {
            ws.set_column_format(c, &text)?;
        }
    }
    ws.set_freeze_panes(3, 0)?;
    let help = wb.add_worksheet();
    help.set_name("Petunjuk")?;
    help.set_column_width(0, 120)?;
    for (r, line) in HELP.iter().enumerate() {
        help.write_string(r as u32, 0, *line)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, find_header, read};

    #[test]
    fn the_template_reads_back_with_every_column_and_no_data() {
        let bytes = template_xlsx("Lembah").unwrap();
        let grid = read("templat.xlsx", &bytes).unwrap();
        let m = find_header(&grid).unwrap();
        assert_eq!(m.header_end, 2);
        for f in [
            Field::Nik,
            Field::NoKk,
            Field::Name,
            Field::Sex,
            Field::BirthPlace,
            Field::BirthDate,
            Field::Dusun,
            Field::Rt,
            Field::Rw,
            Field::Phone,
            Field::Category,
            Field::Notes,
        ] {
            assert!(m.column(f).is_some(), "{f:?}");
        }
        let report = crate::check_rows(&grid, &m, jiff::civil::date(2026, 11, 29), &|_| true);
        assert!(report.is_empty());
        assert!(grid.rows[1].cells[0].text.contains("LEMBAH"));
    }
}
