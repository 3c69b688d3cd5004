//! Writes a sample letter-style document (`cargo run -p jempol-docs --example sample -- out.pdf`)
//! to look at the layout.
use jempol_docs::{Block, Doc, Paper, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "contoh.pdf".into());
    let doc = Doc {
        paper: Paper::A4,
        title: "Contoh".into(),
        blocks: vec![
            Block::Letterhead {
                government: "PEMERINTAH KABUPATEN MADIUN".into(),
                office: "KECAMATAN DOLOPO".into(),
                address: vec!["Jl. Raya Dolopo No. 1, Dolopo, Madiun 63174".into()],
            },
            Block::Title("JADWAL KUNJUNGAN RUMAH PEREKAMAN E-KTP".into()),
            Block::Subtitle("Gelombang I 2026 — versi 1".into()),
            Block::Heading("Tim 1 — Sugeng, Wahyu".into()),
            Block::Table {
                widths: vec![2.2, 1.0, 2.6, 1.6, 3.0, 2.4],
                header: ["Hari, tanggal", "Jam", "Nama", "Desa", "Alamat", "Kebutuhan"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                rows: (0..12)
                    .map(|i| {
                        vec![
                            "Senin, 14-12-2026".into(),
                            format!("{:02}.{:02}", 8 + i / 3, (i % 3) * 20),
                            format!("WARGA CONTOH {i}"),
                            "Lembah".into(),
                            "Dusun Krajan, RT 001/RW 002".into(),
                            if i % 4 == 0 { "terbaring".into() } else { String::new() },
                        ]
                    })
                    .collect(),
            },
            Block::Signature {
                place_date: "Dolopo, 14 Desember 2026".into(),
                title: "Camat Dolopo".into(),
                name: "DRS. CAMAT CONTOH".into(),
                id_line: "NIP. 19700101 199001 1 001".into(),
            },
        ],
    };
    std::fs::write(out, render(&doc)?)?;
    Ok(())
}
