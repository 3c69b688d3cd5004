//! What the home visit needs to know about a person, and the consent to process their data.
//! UU 27/2022 Pasal 26: processing a disabled person's data needs the consent of the person or
//! their guardian (wali); health and disability data are specific personal data.

use crate::finding::Finding;
use crate::nik;

pub const SEVERITIES: [&str; 3] = ["ringan", "sedang", "berat"];

/// e-KTP status before the visit.
pub const EKTP_STATUSES: [(&str, &str); 4] = [
    ("belum_rekam", "belum pernah rekam"),
    ("rekam_belum_cetak", "sudah rekam, belum tercetak"),
    ("hilang_rusak", "e-KTP hilang atau rusak"),
    ("tidak_tahu", "tidak diketahui"),
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Care {
    pub disabilitas: bool,
    pub odgj: bool,
    pub severity: String,
    pub ektp_status: String,
    /// "self" (the person) or "wali".
    pub consent_by: String,
    pub wali_name: String,
    pub wali_nik: String,
    pub wali_relationship: String,
}

/// Checks the care details: consent is required for disabilitas and ODGJ; a wali's consent
/// needs the wali's name, valid NIK and relationship.
pub fn check(c: &Care) -> Vec<Finding> {
    let mut out = Vec::new();
    if !c.severity.is_empty() && !SEVERITIES.contains(&c.severity.as_str()) {
        out.push(Finding::error(
            "severity_invalid",
            "severity",
            "Pilih tingkat disabilitas: ringan, sedang atau berat.",
        ));
    }
    if !c.ektp_status.is_empty() && !EKTP_STATUSES.iter().any(|(k, _)| *k == c.ektp_status) {
        out.push(Finding::error(
            "ektp_status_invalid",
            "ektp_status",
            "Pilih status e-KTP dari daftar.",
        ));
    }
    match c.consent_by.as_str() {
        "" if c.disabilitas || c.odgj => out.push(Finding::error(
            "consent_missing",
            "consent_by",
            "Warga penyandang disabilitas atau ODGJ: catat siapa yang menyetujui pengolahan datanya, warga sendiri atau walinya (UU 27/2022 Pasal 26).",
        )),
        "" | "self" => {
            if c.consent_by == "self" && c.odgj {
                out.push(Finding::warning(
                    "consent_self_odgj",
                    "consent_by",
                    "ODGJ: pastikan warga mampu memberi persetujuan sendiri; bila tidak, catat persetujuan walinya.",
                ));
            }
        }
        "wali" => {
            if c.wali_name.trim().is_empty() {
                out.push(Finding::error("wali_name_missing", "wali_name", "Isi nama wali yang memberi persetujuan."));
            }
            if c.wali_relationship.trim().is_empty() {
                out.push(Finding::error(
                    "wali_relationship_missing",
                    "wali_relationship",
                    "Isi hubungan wali dengan warga, misalnya anak, suami/istri, saudara kandung.",
                ));
            }
            if c.wali_nik.trim().is_empty() {
                out.push(Finding::error("wali_nik_missing", "wali_nik", "Isi NIK wali (16 angka)."));
            } else if let Err(e) = nik::parse(&c.wali_nik) {
                out.push(Finding::error(e.code(), "wali_nik", format!("NIK wali: {}", e.message())));
            }
        }
        _ => out.push(Finding::error("consent_invalid", "consent_by", "Pilih siapa yang memberi persetujuan: warga sendiri atau wali.")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(c: &Care) -> Vec<&'static str> {
        check(c).iter().map(|f| f.code).collect()
    }

    #[test]
    fn consent_is_required_for_disabilitas_and_odgj_only() {
        assert!(
            codes(&Care::default()).is_empty(),
            "a lansia without disability needs no consent record"
        );
        assert_eq!(
            codes(&Care {
                disabilitas: true,
                ..Care::default()
            }),
            vec!["consent_missing"]
        );
        assert_eq!(
            codes(&Care {
                odgj: true,
                ..Care::default()
            }),
            vec!["consent_missing"]
        );
        assert!(
            codes(&Care {
                disabilitas: true,
                consent_by: "self".into(),
                ..Care::default()
            })
            .is_empty()
        );
        let odgj_self = check(&Care {
            odgj: true,
            consent_by: "self".into(),
            ..Care::default()
        });
        assert_eq!(
            (odgj_self[0].code, odgj_self[0].is_error()),
            ("consent_self_odgj", false)
        );
    }

    #[test]
    fn a_walis_consent_needs_name_nik_and_relationship() {
        let wali = Care {
            odgj: true,
            consent_by: "wali".into(),
            ..Care::default()
        };
        assert_eq!(
            codes(&wali),
            vec!["wali_name_missing", "wali_relationship_missing", "wali_nik_missing"]
        );
        let bad_nik = Care {
            wali_name: "SUTRISNO".into(),
            wali_relationship: "anak".into(),
            wali_nik: "3.51902E+15".into(),
            ..wali.clone()
        };
        let f = check(&bad_nik);
        assert_eq!(f[0].code, "nik_excel_number");
        assert!(f[0].message.starts_with("NIK wali:"));
        let ok = Care {
            wali_nik: "3519021208750003".into(),
            ..bad_nik
        };
        assert!(check(&ok).is_empty());
        assert_eq!(
            codes(&Care {
                consent_by: "tetangga".into(),
                ..Care::default()
            }),
            vec!["consent_invalid"]
        );
        assert_eq!(
            codes(&Care {
                severity: "parah".into(),
                ektp_status: "x".into(),
                ..Care::default()
            }),
            vec!["severity_invalid", "ektp_status_invalid"]
        );
    }
}
