//! The outcome of a home visit (SOP step 5). An officer records, per visit, one of three
//! outcomes: the person was recorded (with each biometric captured or not, and why not),
//! the person was not recorded (with the reason), or the visit moves to another day inside
//! the campaign's window. Jempol never stores biometrics, only whether each was captured.

use crate::finding::Finding;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The biometrics taken at an e-KTP recording.
pub const MODALITIES: [(&str, &str); 4] = [
    ("foto", "Foto wajah"),
    ("sidik_jari", "Sidik jari"),
    ("iris", "Iris mata"),
    ("tanda_tangan", "Tanda tangan"),
];

/// Why a visit ended without a recording. `final` reasons resolve the person for this
/// campaign; the others leave them to be visited again (or rolled into the next campaign).
pub const NOT_RECORDED: [(&str, &str, bool); 7] = [
    ("tidak_di_rumah", "Tidak di rumah", false),
    ("menolak", "Menolak direkam", true),
    ("sakit", "Sakit atau dirawat di rumah sakit", false),
    ("pindah", "Pindah domisili", true),
    ("meninggal", "Meninggal dunia", true),
    ("sudah_rekam", "Sudah rekam di tempat lain", true),
    ("lainnya", "Lainnya", false),
];

/// One biometric: captured, or not and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub modality: String,
    pub captured: bool,
    #[serde(default)]
    pub reason: String,
}

/// What the officer entered, as it arrives from a form or a device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeInput {
    /// `terekam`, `tidak_terekam` or `dijadwal_ulang`.
    pub kind: String,
    #[serde(default)]
    pub captures: Vec<Capture>,
    /// The exception (a biometric not captured) has been reported to the centre.
    #[serde(default)]
    pub exception_reported: bool,
    /// For `tidak_terekam`: a code of [`NOT_RECORDED`].
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    /// For `dijadwal_ulang`: the new day, ISO.
    #[serde(default)]
    pub date: String,
}

/// A checked outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Recorded {
        captures: Vec<Capture>,
        exception_reported: bool,
        note: String,
    },
    NotRecorded {
        reason: String,
        note: String,
    },
    Rescheduled {
        date: Date,
        note: String,
    },
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Recorded { .. } => "terekam",
            Outcome::NotRecorded { .. } => "tidak_terekam",
            Outcome::Rescheduled { .. } => "dijadwal_ulang",
        }
    }

    /// Whether the person needs no further visit in this campaign.
    pub fn resolves(&self) -> bool {
        match self {
            Outcome::Recorded { .. } => true,
            Outcome::NotRecorded { reason, .. } => is_final(reason),
            Outcome::Rescheduled { .. } => false,
        }
    }

    /// Biometrics that could not be captured (the exceptions to report to the centre).
    pub fn exceptions(&self) -> Vec<&Capture> {
        match self {
            Outcome::Recorded { captures, .. } => captures.iter().filter(|c| !c.captured).collect(),
            _ => vec![],
        }
    }
}

pub fn is_final(reason: &str) -> bool {
    NOT_RECORDED.iter().any(|(k, _, f)| *k == reason && *f)
}

pub fn reason_label(reason: &str) -> &'static str {
    NOT_RECORDED
        .iter()
        .find(|(k, _, _)| *k == reason)
        .map(|(_, l, _)| *l)
        .unwrap_or("")
}

pub fn modality_label(m: &str) -> &'static str {
    MODALITIES.iter().find(|(k, _)| *k == m).map(|(_, l)| *l).unwrap_or("")
}

const NOTE_MAX: usize = 500;

/// Checks an outcome. `window` is the campaign's first and last day; `is_working_day` tells
/// whether a day is one the office works (a rescheduled visit must fall on one).
pub fn check(
    input: &OutcomeInput,
    window: (Date, Date),
    is_working_day: impl Fn(Date) -> bool,
) -> Result<Outcome, Vec<Finding>> {
    let mut errors = Vec::new();
    let note = input.note.trim().to_string();
    if note.chars().count() > NOTE_MAX {
        errors.push(Finding::error(
            "note_too_long",
            "note",
            "Catatan terlalu panjang: paling banyak 500 huruf.",
        ));
    }
    let outcome = match input.kind.as_str() {
        "terekam" => {
            let mut captures = Vec::new();
            for (code, label) in MODALITIES {
                let Some(c) = input.captures.iter().find(|c| c.modality == code) else {
                    errors.push(Finding::error(
                        "capture_missing",
                        code,
                        format!("{label}: pilih terekam atau tidak terekam."),
                    ));
                    continue;
                };
                let reason = c.reason.trim().to_string();
                if !c.captured && reason.is_empty() {
                    errors.push(Finding::error(
                        "capture_reason_missing",
                        code,
                        format!("{label} tidak terekam: tulis alasannya (misalnya jari tidak ada, tuna netra, tidak bisa diajak bekerja sama)."),
                    ));
                }
                captures.push(Capture {
                    modality: code.to_string(),
                    captured: c.captured,
                    reason: if c.captured { String::new() } else { reason },
                });
            }
            if let Some(c) = input.captures.iter().find(|c| modality_label(&c.modality).is_empty()) {
                errors.push(Finding::error(
                    "capture_unknown",
                    "captures",
                    format!("Jenis biometrik \"{}\" tidak dikenal.", c.modality),
                ));
            }
            if captures.len() == MODALITIES.len() && captures.iter().all(|c| !c.captured) {
                errors.push(Finding::error(
                    "nothing_captured",
                    "captures",
                    "Tidak ada biometrik yang terekam: pilih \"Tidak terekam\" dengan alasannya.",
                ));
            }
            Outcome::Recorded {
                captures,
                exception_reported: input.exception_reported,
                note,
            }
        }
        "tidak_terekam" => {
            if reason_label(&input.reason).is_empty() {
                errors.push(Finding::error(
                    "reason_missing",
                    "reason",
                    "Pilih alasan tidak terekam.",
                ));
            } else if input.reason == "lainnya" && note.is_empty() {
                errors.push(Finding::error(
                    "note_missing",
                    "note",
                    "Alasan \"Lainnya\": tulis alasannya di catatan.",
                ));
            }
            Outcome::NotRecorded {
                reason: input.reason.clone(),
                note,
            }
        }
        "dijadwal_ulang" => match input.date.trim().parse::<Date>() {
            Err(_) => {
                errors.push(Finding::error(
                    "date_missing",
                    "date",
                    "Isi tanggal kunjungan ulang (hari-bulan-tahun).",
                ));
                Outcome::Rescheduled { date: window.0, note }
            }
            Ok(d) => {
                if d < window.0 || d > window.1 {
                    errors.push(Finding::error(
                        "date_outside_window",
                        "date",
                        format!(
                            "Kunjungan ulang harus di dalam masa gelombang, {} sampai {}.",
                            window.0.strftime("%d-%m-%Y"),
                            window.1.strftime("%d-%m-%Y")
                        ),
                    ));
                } else if !is_working_day(d) {
                    errors.push(Finding::error(
                        "date_not_working_day",
                        "date",
                        format!(
                            "{} bukan hari kerja (akhir pekan atau hari libur); pilih hari kerja.",
                            d.strftime("%d-%m-%Y")
                        ),
                    ));
                }
                Outcome::Rescheduled { date: d, note }
            }
        },
        _ => {
            errors.push(Finding::error(
                "kind_missing",
                "kind",
                "Pilih hasil kunjungan: terekam, tidak terekam, atau dijadwal ulang.",
            ));
            return Err(errors);
        }
    };
    if errors.is_empty() { Ok(outcome) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn all_captured() -> Vec<Capture> {
        MODALITIES
            .iter()
            .map(|(m, _)| Capture {
                modality: m.to_string(),
                captured: true,
                reason: String::new(),
            })
            .collect()
    }

    const WINDOW: (Date, Date) = (date(2026, 12, 14), date(2026, 12, 31));

    fn weekday(d: Date) -> bool {
        !matches!(
            d.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        )
    }

    fn codes(r: Result<Outcome, Vec<Finding>>) -> Vec<&'static str> {
        r.err().unwrap_or_default().iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_full_recording_resolves_the_person() {
        let o = check(
            &OutcomeInput {
                kind: "terekam".into(),
                captures: all_captured(),
                ..Default::default()
            },
            WINDOW,
            weekday,
        );
        let o = o.ok().unwrap_or(Outcome::Rescheduled {
            date: WINDOW.0,
            note: String::new(),
        });
        assert_eq!(o.kind(), "terekam");
        assert!(o.resolves());
        assert!(o.exceptions().is_empty());
    }

    #[test]
    fn a_biometric_not_captured_needs_its_reason_and_is_an_exception() {
        let mut caps = all_captured();
        caps[1].captured = false;
        let input = OutcomeInput {
            kind: "terekam".into(),
            captures: caps.clone(),
            ..Default::default()
        };
        assert_eq!(codes(check(&input, WINDOW, weekday)), vec!["capture_reason_missing"]);
        caps[1].reason = "jari tangan tidak ada".into();
        let ok = check(
            &OutcomeInput {
                captures: caps,
                exception_reported: true,
                ..input
            },
            WINDOW,
            weekday,
        );
        assert!(matches!(&ok, Ok(o) if o.exceptions().len() == 1 && o.exceptions()[0].modality == "sidik_jari"));
    }

    #[test]
    fn every_biometric_must_be_answered_and_not_all_can_be_missing() {
        let mut caps = all_captured();
        caps.pop();
        let input = OutcomeInput {
            kind: "terekam".into(),
            captures: caps,
            ..Default::default()
        };
        assert_eq!(codes(check(&input, WINDOW, weekday)), vec!["capture_missing"]);
        let none: Vec<Capture> = all_captured()
            .into_iter()
            .map(|c| Capture {
                captured: false,
                reason: "tidak kooperatif".into(),
                ..c
            })
            .collect();
        let input = OutcomeInput {
            kind: "terekam".into(),
            captures: none,
            ..Default::default()
        };
        assert_eq!(codes(check(&input, WINDOW, weekday)), vec!["nothing_captured"]);
    }

    #[test]
    fn not_recorded_needs_a_known_reason_and_other_needs_a_note() {
        let base = OutcomeInput {
            kind: "tidak_terekam".into(),
            ..Default::default()
        };
        assert_eq!(codes(check(&base, WINDOW, weekday)), vec!["reason_missing"]);
        let other = OutcomeInput {
            reason: "lainnya".into(),
            ..base.clone()
        };
        assert_eq!(codes(check(&other, WINDOW, weekday)), vec!["note_missing"]);
        let away = check(
            &OutcomeInput {
                reason: "tidak_di_rumah".into(),
                ..base.clone()
            },
            WINDOW,
            weekday,
        );
        assert!(matches!(&away, Ok(o) if !o.resolves()), "not at home: visit again");
        let died = check(
            &OutcomeInput {
                reason: "meninggal".into(),
                ..base
            },
            WINDOW,
            weekday,
        );
        assert!(matches!(&died, Ok(o) if o.resolves()));
    }

    #[test]
    fn a_rescheduled_visit_stays_inside_the_window_on_a_working_day() {
        let at = |d: &str| OutcomeInput {
            kind: "dijadwal_ulang".into(),
            date: d.into(),
            ..Default::default()
        };
        assert_eq!(codes(check(&at(""), WINDOW, weekday)), vec!["date_missing"]);
        assert_eq!(
            codes(check(&at("2027-01-04"), WINDOW, weekday)),
            vec!["date_outside_window"]
        );
        assert_eq!(
            codes(check(&at("2026-12-19"), WINDOW, weekday)),
            vec!["date_not_working_day"],
            "a Saturday"
        );
        assert!(
            matches!(check(&at("2026-12-21"), WINDOW, weekday), Ok(Outcome::Rescheduled { date, .. }) if date == jiff::civil::date(2026, 12, 21))
        );
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        assert_eq!(
            codes(check(&OutcomeInput::default(), WINDOW, weekday)),
            vec!["kind_missing"]
        );
    }
}
