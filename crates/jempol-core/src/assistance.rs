//! Social assistance (SOP steps 9–12): the programs a person may be owed, and the gap between
//! what they appear eligible for and what they receive. Targets and desil limits are the
//! catalogue's data (editable), not rules in code: programs change, and local ones exist.

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

/// Checks a program typed into the catalogue form; the messages say what to fix.
pub fn check_program(p: &Program) -> Vec<String> {
    let mut out = Vec::new();
    if p.code.is_empty()
        || p.code.len() > 40
        || !p
            .code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        out.push(
            "Kode program: huruf kecil, angka dan garis bawah saja, paling panjang 40 (misalnya bansos_kab).".into(),
        );
    }
    if p.name.trim().is_empty() {
        out.push("Isi nama program.".into());
    }
    if !LEVELS.iter().any(|(k, _)| *k == p.level) {
        out.push("Pilih sasaran: per orang atau per keluarga.".into());
    }
    if !FUNDING.iter().any(|(k, _)| *k == p.funding) {
        out.push("Pilih sumber dana.".into());
    }
    if p.targets.is_empty() || p.targets.iter().any(|t| !TARGETS.iter().any(|(k, _)| k == t)) {
        out.push("Pilih paling sedikit satu kelompok sasaran.".into());
    }
    if p.max_desil.is_some_and(|d| !(1..=10).contains(&d)) {
        out.push("Desil DTSEN antara 1 dan 10, atau kosongkan bila program tidak memakai desil.".into());
    }
    out
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
}
