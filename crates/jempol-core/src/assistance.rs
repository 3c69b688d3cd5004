//! Social assistance (SOP steps 9–12): the programs a person may be owed, and the gap between
//! what they appear eligible for and what they receive. Targets and desil limits are the
//! catalogue's data (editable), not rules in code: programs change, and local ones exist.

use crate::finding::Finding;
use serde::{Deserialize, Serialize};

/// Who a program is paid to.
pub const LEVELS: [(&str, &str); 2] = [("orang", "per orang"), ("keluarga", "per keluarga")];

/// Who pays for it.
pub const FUNDING: [(&str, &str); 4] = [
    ("pusat", "APBN (pusat)"),
    ("provinsi", "APBD provinsi"),
    ("kabupaten", "APBD kabupaten"),
    ("dana_desa", "Dana Desa"),
];

/// The groups a program can target.
pub const TARGETS: [(&str, &str); 4] = [
    ("lansia", "lansia (60+)"),
    ("disabilitas", "penyandang disabilitas"),
    ("disabilitas_berat", "disabilitas berat"),
    ("odgj", "ODGJ"),
];

/// A program of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub code: String,
    pub name: String,
    /// `orang` or `keluarga`.
    pub level: String,
    pub funding: String,
    /// Codes of [`TARGETS`]; a person in any of them is targeted.
    pub targets: Vec<String>,
    /// The highest DTSEN desil the program takes, when it requires one (aid targets 1–4).
    pub max_desil: Option<u8>,
    pub active: bool,
}

/// The catalogue a new installation starts with. The desil limits follow the national rule
/// that aid targets desil 1–4; a kecamatan corrects them where its programs differ.
pub fn default_programs() -> Vec<Program> {
    let p = |code: &str, name: &str, level: &str, funding: &str, targets: &[&str], max_desil: Option<u8>| Program {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        funding: funding.into(),
        targets: targets.iter().map(|t| t.to_string()).collect(),
        max_desil,
        active: true,
    };
    vec![
        p(
            "pkh_lansia",
            "PKH komponen lansia",
            "keluarga",
            "pusat",
            &["lansia"],
            Some(4),
        ),
        p(
            "pkh_disabilitas",
            "PKH komponen disabilitas berat",
            "keluarga",
            "pusat",
            &["disabilitas_berat"],
            Some(4),
        ),
        p(
            "sembako",
            "Sembako / BPNT",
            "keluarga",
            "pusat",
            &["lansia", "disabilitas", "odgj"],
            Some(4),
        ),
        p(
            "pbi_jk",
            "PBI Jaminan Kesehatan",
            "orang",
            "pusat",
            &["lansia", "disabilitas", "odgj"],
            Some(4),
        ),
        p(
            "blt_dd",
            "BLT Dana Desa",
            "keluarga",
            "dana_desa",
            &["lansia", "disabilitas", "odgj"],
            None,
        ),
        p("atensi_lansia", "ATENSI lansia", "orang", "pusat", &["lansia"], None),
        p(
            "atensi_disabilitas",
            "ATENSI disabilitas",
            "orang",
            "pusat",
            &["disabilitas", "odgj"],
            None,
        ),
    ]
}

/// The groups one person belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Groups {
    pub lansia: bool,
    pub disabilitas: bool,
    pub disabilitas_berat: bool,
    pub odgj: bool,
}

impl Groups {
    fn has(&self, target: &str) -> bool {
        match target {
            "lansia" => self.lansia,
            "disabilitas" => self.disabilitas,
            "disabilitas_berat" => self.disabilitas_berat,
            "odgj" => self.odgj,
            _ => false,
        }
    }
}

/// A person's DTSEN registration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dtsen {
    #[default]
    Unknown,
    NotRegistered,
    Registered {
        desil: Option<u8>,
    },
}

/// How a person stands for a program they do not receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// In the target groups and within the desil limit (or the program has none).
    Eligible,
    /// In the target groups, but the program needs DTSEN: register them first (step 10).
    NeedsDtsen,
    /// In the target groups, but the desil is not known yet: check it (step 9).
    DesilUnknown,
}

impl Gap {
    pub fn label(self) -> &'static str {
        match self {
            Gap::Eligible => "tampak berhak, belum menerima",
            Gap::NeedsDtsen => "perlu didaftarkan ke DTSEN dulu",
            Gap::DesilUnknown => "periksa desil DTSEN-nya",
        }
    }
}

/// Whether `p` is a gap for a person in `groups` with `dtsen`: `None` when they are not in
/// its target groups, are above its desil limit, or the program is inactive.
pub fn gap(p: &Program, groups: Groups, dtsen: Dtsen) -> Option<Gap> {
    if !p.active || !p.targets.iter().any(|t| groups.has(t)) {
        return None;
    }
    let Some(limit) = p.max_desil else {
        return Some(Gap::Eligible);
    };
    match dtsen {
        Dtsen::NotRegistered => Some(Gap::NeedsDtsen),
        Dtsen::Unknown | Dtsen::Registered { desil: None } => Some(Gap::DesilUnknown),
        Dtsen::Registered { desil: Some(d) } if d <= limit => Some(Gap::Eligible),
        Dtsen::Registered { .. } => None,
    }
}

/// Checks a program typed into the catalogue form; each problem names its form field.
pub fn check_program(p: &Program) -> Vec<Finding> {
    let mut out = Vec::new();
    if p.code.is_empty()
        || p.code.len() > 40
        || !p
            .code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        out.push(Finding::error(
            "code_format",
            "code",
            "Kode program: huruf kecil, angka dan garis bawah saja, paling panjang 40 (misalnya bansos_kab).",
        ));
    }
    if p.name.trim().is_empty() {
        out.push(Finding::error("name_missing", "name", "Isi nama program."));
    }
    if !LEVELS.iter().any(|(k, _)| *k == p.level) {
        out.push(Finding::error(
            "level_missing",
            "level",
            "Pilih sasaran: per orang atau per keluarga.",
        ));
    }
    if !FUNDING.iter().any(|(k, _)| *k == p.funding) {
        out.push(Finding::error("funding_missing", "funding", "Pilih sumber dana."));
    }
    if p.targets.is_empty() || p.targets.iter().any(|t| !TARGETS.iter().any(|(k, _)| k == t)) {
        out.push(Finding::error(
            "targets_missing",
            "targets",
            "Pilih paling sedikit satu kelompok sasaran.",
        ));
    }
    if p.max_desil.is_some_and(|d| !(1..=10).contains(&d)) {
        out.push(Finding::error(
            "desil_range",
            "max_desil",
            "Desil DTSEN antara 1 dan 10, atau kosongkan bila program tidak memakai desil.",
        ));
    }
    out
}

/// DTSEN standing as recorded: code and label.
pub const DTSEN: [(&str, &str); 3] = [
    ("tidak_diketahui", "belum diketahui"),
    ("terdaftar", "terdaftar di DTSEN"),
    ("tidak_terdaftar", "tidak terdaftar di DTSEN"),
];

impl Dtsen {
    /// From the stored code and desil.
    pub fn from_parts(code: &str, desil: Option<u8>) -> Dtsen {
        match code {
            "terdaftar" => Dtsen::Registered { desil },
            "tidak_terdaftar" => Dtsen::NotRegistered,
            _ => Dtsen::Unknown,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Dtsen::Unknown => "tidak_diketahui",
            Dtsen::NotRegistered => "tidak_terdaftar",
            Dtsen::Registered { .. } => "terdaftar",
        }
    }

    pub fn desil(self) -> Option<u8> {
        match self {
            Dtsen::Registered { desil } => desil,
            _ => None,
        }
    }

    /// "terdaftar di DTSEN, desil 3".
    pub fn label(self) -> String {
        let base = DTSEN
            .iter()
            .find(|(k, _)| *k == self.code())
            .map(|(_, l)| *l)
            .unwrap_or("");
        match self.desil() {
            Some(d) => format!("{base}, desil {d}"),
            None => base.to_string(),
        }
    }
}

/// Checks a DTSEN standing typed in: the code, and a desil only for a registered person. The
/// problem names its form field (`dtsen`, `desil`).
pub fn check_dtsen(code: &str, desil: &str) -> Result<Dtsen, Finding> {
    let desil = desil.trim();
    let d = if desil.is_empty() {
        None
    } else {
        match desil.parse::<u8>() {
            Ok(d) if (1..=10).contains(&d) => Some(d),
            _ => {
                return Err(Finding::error(
                    "desil_range",
                    "desil",
                    "Desil DTSEN antara 1 dan 10; kosongkan bila belum diketahui.",
                ));
            }
        }
    };
    match code {
        "terdaftar" => Ok(Dtsen::Registered { desil: d }),
        "tidak_terdaftar" | "tidak_diketahui" if d.is_some() => Err(Finding::error(
            "desil_not_registered",
            "desil",
            "Desil hanya diisi untuk orang yang terdaftar di DTSEN.",
        )),
        "tidak_terdaftar" => Ok(Dtsen::NotRegistered),
        "tidak_diketahui" => Ok(Dtsen::Unknown),
        _ => Err(Finding::error(
            "dtsen_missing",
            "dtsen",
            "Pilih status DTSEN: terdaftar, tidak terdaftar, atau belum diketahui.",
        )),
    }
}

/// The target of a proposal for registration into DTSEN (the others are program codes).
pub const DTSEN_TARGET: &str = "dtsen";

/// The channels a proposal goes through (PRODUCT: via the village, then SIKS-NG or Cek Bansos).
pub const CHANNELS: [(&str, &str); 4] = [
    ("musdes", "musyawarah desa/kelurahan"),
    ("sptjm", "SPTJM kepala desa"),
    ("cek_bansos", "aplikasi Cek Bansos (usul)"),
    ("siks_ng", "SIKS-NG melalui operator desa"),
];

/// The results of a proposal (step 11).
pub const RESULTS: [(&str, &str); 3] = [
    ("menunggu", "menunggu hasil"),
    ("diterima", "diterima"),
    ("ditolak", "ditolak"),
];

/// What is done for a recipient (step 12).
pub const FACILITATIONS: [(&str, &str); 6] = [
    ("didampingi_pencairan", "didampingi mencairkan bantuan"),
    ("rekening_kks", "dibantu membuka rekening / KKS"),
    ("kartu_diantar", "kartu bantuan diantar ke rumah"),
    ("bpjs_aktif", "kepesertaan PBI-JK/BPJS diaktifkan"),
    ("kunjungan_pendamping", "dikunjungi pendamping"),
    ("lainnya", "lainnya"),
];

/// The day of the month after which a proposal misses this month's cut-off (PRODUCT: about the
/// 17th).
pub const CUTOFF_DAY: i8 = 17;

/// The cut-off (`YYYY-MM`) a proposal made on `d` can still reach.
pub fn cutoff_for(d: jiff::civil::Date) -> String {
    let month = if d.day() <= CUTOFF_DAY {
        d.first_of_month()
    } else {
        d.last_of_month().tomorrow().unwrap_or(d).first_of_month()
    };
    month.strftime("%Y-%m").to_string()
}

/// A proposal as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalInput {
    pub target: String,
    pub channel: String,
    pub date: Option<jiff::civil::Date>,
    pub reason: String,
}

/// Checks a proposal: a known target (a program of the catalogue or DTSEN), a channel, a date
/// not in the future, a reason. Each problem names its form field.
pub fn check_proposal(p: &ProposalInput, programs: &[Program], today: jiff::civil::Date) -> Vec<Finding> {
    let mut out = Vec::new();
    if p.target != DTSEN_TARGET && !programs.iter().any(|x| x.code == p.target && x.active) {
        out.push(Finding::error(
            "target_missing",
            "target",
            "Pilih program yang diusulkan, atau pendaftaran DTSEN.",
        ));
    }
    if !CHANNELS.iter().any(|(k, _)| *k == p.channel) {
        out.push(Finding::error(
            "channel_missing",
            "channel",
            "Pilih jalur usulan: musyawarah desa, SPTJM, Cek Bansos atau SIKS-NG.",
        ));
    }
    match p.date {
        None => out.push(Finding::error(
            "date_missing",
            "date",
            "Isi tanggal usulan (hari-bulan-tahun).",
        )),
        Some(d) if d > today => out.push(Finding::error(
            "date_future",
            "date",
            "Tanggal usulan tidak boleh setelah hari ini.",
        )),
        Some(_) => {}
    }
    if p.reason.trim().is_empty() {
        out.push(Finding::error(
            "reason_missing",
            "reason",
            "Tulis alasan usulan (misalnya lansia tunggal, disabilitas berat, tidak bekerja).",
        ));
    } else if p.reason.chars().count() > 300 {
        out.push(Finding::error(
            "reason_long",
            "reason",
            "Alasan terlalu panjang: paling banyak 300 huruf.",
        ));
    }
    out
}

/// Checks a result: one of [`RESULTS`], a reason for a rejection, a date not in the future.
/// Each problem names its form field (`result`, `result_reason`, `result_date`).
pub fn check_result(
    result: &str,
    reason: &str,
    date: Option<jiff::civil::Date>,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if !RESULTS.iter().any(|(k, _)| *k == result) {
        out.push(Finding::error(
            "result_missing",
            "result",
            "Pilih hasil usulan: diterima, ditolak, atau masih menunggu.",
        ));
    }
    if result == "ditolak" && reason.trim().is_empty() {
        out.push(Finding::error(
            "result_reason_missing",
            "result_reason",
            "Usulan ditolak: tulis alasan penolakannya.",
        ));
    }
    if result != "menunggu" {
        match date {
            None => out.push(Finding::error(
                "result_date_missing",
                "result_date",
                "Isi tanggal hasil diketahui (hari-bulan-tahun).",
            )),
            Some(d) if d > today => out.push(Finding::error(
                "result_date_future",
                "result_date",
                "Tanggal hasil tidak boleh setelah hari ini.",
            )),
            Some(_) => {}
        }
    }
    out
}

/// Minutes from `start` to `end` ("HH:MM") of a facilitation; the problem (about `start` or
/// `end`) when they do not read.
pub fn facilitation_minutes(start: &str, end: &str) -> Result<i64, Finding> {
    let t = |s: &str| s.trim().replace('.', ":").parse::<jiff::civil::Time>().ok();
    let (Some(a), Some(b)) = (t(start), t(end)) else {
        let field = if t(start).is_none() { "start" } else { "end" };
        return Err(Finding::error(
            "time_missing",
            field,
            "Isi jam mulai dan jam selesai (misalnya 09.00 dan 09.10).",
        ));
    };
    let m = i64::from(crate::calendar::minute_of_day(b)) - i64::from(crate::calendar::minute_of_day(a));
    if m <= 0 {
        return Err(Finding::error(
            "end_before_start",
            "end",
            "Jam selesai harus setelah jam mulai.",
        ));
    }
    Ok(m)
}

/// The groups of a person from their record: lansia from the birth date (60 or older on
/// `today`), disabilitas berat from the severity.
pub fn groups_of(
    birth_date: &str,
    disabilitas: bool,
    severity: Option<&str>,
    odgj: bool,
    today: jiff::civil::Date,
) -> Groups {
    let lansia = birth_date
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|b| today.since((jiff::Unit::Year, b)).ok())
        .is_some_and(|span| span.get_years() >= 60);
    Groups {
        lansia,
        disabilitas,
        disabilitas_berat: disabilitas && severity == Some("berat"),
        odgj,
    }
}

impl Groups {
    /// "lansia, disabilitas berat".
    pub fn label(&self) -> String {
        let mut v = Vec::new();
        if self.lansia {
            v.push("lansia");
        }
        if self.disabilitas_berat {
            v.push("disabilitas berat");
        } else if self.disabilitas {
            v.push("disabilitas");
        }
        if self.odgj {
            v.push("ODGJ");
        }
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(code: &str) -> Program {
        default_programs()
            .into_iter()
            .find(|p| p.code == code)
            .unwrap_or_else(|| default_programs()[0].clone())
    }

    #[test]
    fn the_default_catalogue_is_valid_and_has_the_national_programs() {
        let all = default_programs();
        for p in &all {
            assert!(check_program(p).is_empty(), "{}: {:?}", p.code, check_program(p));
        }
        for code in [
            "pkh_lansia",
            "pkh_disabilitas",
            "sembako",
            "pbi_jk",
            "blt_dd",
            "atensi_lansia",
            "atensi_disabilitas",
        ] {
            assert!(all.iter().any(|p| p.code == code), "{code}");
        }
    }

    #[test]
    fn a_gap_needs_the_target_group_and_the_desil() {
        let lansia = Groups {
            lansia: true,
            ..Default::default()
        };
        let pkh = find("pkh_lansia");
        assert_eq!(
            gap(&pkh, lansia, Dtsen::Registered { desil: Some(3) }),
            Some(Gap::Eligible)
        );
        assert_eq!(
            gap(&pkh, lansia, Dtsen::Registered { desil: Some(6) }),
            None,
            "above desil 4"
        );
        assert_eq!(gap(&pkh, lansia, Dtsen::NotRegistered), Some(Gap::NeedsDtsen));
        assert_eq!(gap(&pkh, lansia, Dtsen::Unknown), Some(Gap::DesilUnknown));
        assert_eq!(gap(&pkh, Groups::default(), Dtsen::Registered { desil: Some(1) }), None);
        // A program without a desil rule: the group is enough.
        assert_eq!(
            gap(&find("atensi_lansia"), lansia, Dtsen::NotRegistered),
            Some(Gap::Eligible)
        );
        // Disabilitas berat is its own target.
        let ringan = Groups {
            disabilitas: true,
            ..Default::default()
        };
        let berat = Groups {
            disabilitas: true,
            disabilitas_berat: true,
            ..Default::default()
        };
        let pkh_d = find("pkh_disabilitas");
        assert_eq!(gap(&pkh_d, ringan, Dtsen::Registered { desil: Some(2) }), None);
        assert_eq!(
            gap(&pkh_d, berat, Dtsen::Registered { desil: Some(2) }),
            Some(Gap::Eligible)
        );
        let mut off = pkh_d.clone();
        off.active = false;
        assert_eq!(gap(&off, berat, Dtsen::Registered { desil: Some(2) }), None);
    }

    #[test]
    fn a_program_typed_wrong_is_explained() {
        let mut p = find("sembako");
        p.code = "Bansos Kab".into();
        p.targets = vec![];
        p.max_desil = Some(11);
        let m = check_program(&p);
        assert_eq!(m.len(), 3, "{m:?}");
    }

    #[test]
    fn the_cut_off_is_the_seventeenth() {
        use jiff::civil::date;
        assert_eq!(cutoff_for(date(2026, 12, 17)), "2026-12");
        assert_eq!(cutoff_for(date(2026, 12, 18)), "2027-01");
        assert_eq!(cutoff_for(date(2026, 11, 2)), "2026-11");
    }

    #[test]
    fn dtsen_proposals_results_and_facilitation_are_checked() {
        use jiff::civil::date;
        assert_eq!(check_dtsen("terdaftar", "3"), Ok(Dtsen::Registered { desil: Some(3) }));
        assert_eq!(check_dtsen("terdaftar", ""), Ok(Dtsen::Registered { desil: None }));
        assert!(check_dtsen("terdaftar", "11").is_err());
        assert!(check_dtsen("tidak_terdaftar", "2").is_err());
        assert!(check_dtsen("x", "").is_err());
        assert_eq!(
            Dtsen::Registered { desil: Some(2) }.label(),
            "terdaftar di DTSEN, desil 2"
        );
        assert_eq!(Dtsen::from_parts("tidak_terdaftar", None), Dtsen::NotRegistered);

        let today = date(2026, 11, 2);
        let programs = default_programs();
        let good = ProposalInput {
            target: "pbi_jk".into(),
            channel: "musdes".into(),
            date: Some(today),
            reason: "lansia tunggal".into(),
        };
        assert!(check_proposal(&good, &programs, today).is_empty());
        let dtsen = ProposalInput {
            target: DTSEN_TARGET.into(),
            ..good.clone()
        };
        assert!(check_proposal(&dtsen, &programs, today).is_empty());
        let bad = ProposalInput {
            target: "tidak_ada".into(),
            channel: "".into(),
            date: Some(date(2026, 11, 3)),
            reason: " ".into(),
        };
        assert_eq!(check_proposal(&bad, &programs, today).len(), 4);

        assert!(check_result("diterima", "", Some(today), today).is_empty());
        assert!(check_result("menunggu", "", None, today).is_empty());
        assert_eq!(check_result("ditolak", "", Some(today), today).len(), 1);
        assert_eq!(check_result("diterima", "", None, today).len(), 1);
        assert_eq!(check_result("lulus", "", Some(today), today).len(), 1);

        assert_eq!(facilitation_minutes("09.00", "09.12"), Ok(12));
        assert!(facilitation_minutes("09:10", "09:00").is_err());
        assert!(facilitation_minutes("pagi", "09:00").is_err());
    }

    #[test]
    fn groups_come_from_the_record() {
        use jiff::civil::date;
        let today = date(2026, 11, 2);
        let g = groups_of("1966-11-02", true, Some("berat"), false, today);
        assert!(g.lansia && g.disabilitas_berat);
        assert_eq!(g.label(), "lansia, disabilitas berat");
        let young = groups_of("1966-11-03", true, Some("sedang"), true, today);
        assert!(!young.lansia && !young.disabilitas_berat && young.odgj);
        assert_eq!(young.label(), "disabilitas, ODGJ");
    }
}
