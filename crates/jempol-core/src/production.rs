//! Card production after the recording (SOP step 6), in SIAK's terms. A recorded person's data
//! is sent for enrollment, received at the central server, deduplicated there: a unique record
//! becomes a print ready record (PRR), a match a duplicate record; then the card is sent for
//! printing and printed. The family card (KK) is printed on its own. Problems (out of blank
//! cards, the central server down) hold a person up with a reason.

/// The states after recording, in their usual order: (code, label).
pub const STATES: [(&str, &str); 7] = [
    ("dikirim_enrollment", "Dikirim untuk enrollment"),
    ("diterima_pusat", "Diterima di pusat"),
    ("duplicate_record", "Duplicate record (data ganda)"),
    ("enroll_failure", "Enroll failure (gagal enrol)"),
    ("prr", "Siap cetak (PRR)"),
    ("dikirim_cetak", "Dikirim untuk cetak kartu"),
    ("kartu_tercetak", "Kartu e-KTP tercetak"),
];

/// Not a card state: the family card was printed (kept beside the card's state).
pub const KK_PRINTED: (&str, &str) = ("kk_tercetak", "KK tercetak");

/// Why production is held up.
pub const PROBLEMS: [(&str, &str); 5] = [
    ("blangko_habis", "Blangko e-KTP habis"),
    ("server_pusat", "Server pusat gangguan"),
    ("alat_rusak", "Alat atau printer rusak"),
    ("data_bermasalah", "Data perlu diperbaiki"),
    ("lainnya", "Lainnya"),
];

pub fn state_label(code: &str) -> &'static str {
    STATES
        .iter()
        .chain(std::iter::once(&KK_PRINTED))
        .find(|(k, _)| *k == code)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

pub fn problem_label(code: &str) -> &'static str {
    PROBLEMS.iter().find(|(k, _)| *k == code).map(|(_, l)| *l).unwrap_or("")
}

/// States that need someone to act before the card can be printed.
pub fn needs_resolution(state: &str) -> bool {
    matches!(state, "duplicate_record" | "enroll_failure")
}

/// A pasted or uploaded list of NIKs: the 16-digit ones in order (each once), and the tokens
/// that look like a NIK but are not one (with digits, not 16 of them), to tell the user.
pub fn nik_list(text: &str) -> (Vec<String>, Vec<String>) {
    let mut good: Vec<String> = Vec::new();
    let mut bad = Vec::new();
    for raw in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '\t')) {
        let t = raw.trim_matches(|c: char| matches!(c, '\'' | '"' | '`' | '.' | '(' | ')'));
        if t.is_empty() || !t.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if t.len() == 16 && t.chars().all(|c| c.is_ascii_digit()) {
            if !good.iter().any(|g| g == t) {
                good.push(t.to_string());
            }
        } else {
            bad.push(t.to_string());
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_list_gives_each_nik_once_and_names_the_bad_ones() {
        let (good, bad) = nik_list(
            "NIK\n3519024511390003\n'3519020101400001, 3519024511390003;\n3.51902E+15\n351902450139 KASMINI\n\"3519020202410002\"",
        );
        assert_eq!(good, vec!["3519024511390003", "3519020101400001", "3519020202410002"]);
        assert_eq!(bad, vec!["3.51902E+15", "351902450139"]);
    }

    #[test]
    fn labels_and_resolution() {
        assert_eq!(state_label("prr"), "Siap cetak (PRR)");
        assert_eq!(state_label("kk_tercetak"), "KK tercetak");
        assert_eq!(state_label("x"), "");
        assert!(needs_resolution("duplicate_record"));
        assert!(!needs_resolution("prr"));
        assert_eq!(problem_label("blangko_habis"), "Blangko e-KTP habis");
    }
}
