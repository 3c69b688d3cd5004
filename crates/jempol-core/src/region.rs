//! Kemendagri region codes (Kepmendagri 300.2.2-2138/2025): `PP`, `PP.KK`, `PP.KK.CC`,
//! `PP.KK.CC.DDDD`. Everything is keyed on codes, never on names.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Provinsi = 1,
    Kabupaten = 2,
    Kecamatan = 3,
    Desa = 4,
}

impl Level {
    pub fn from_number(n: i64) -> Option<Level> {
        match n {
            1 => Some(Level::Provinsi),
            2 => Some(Level::Kabupaten),
            3 => Some(Level::Kecamatan),
            4 => Some(Level::Desa),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "kode wilayah \"{0}\" tidak sah: tulis dengan titik, misalnya 35.19 (kabupaten), 35.19.02 (kecamatan) atau 35.19.02.2001 (desa)"
)]
pub struct BadRegionCode(pub String);

/// Checks a dotted code and returns its level.
pub fn level_of(code: &str) -> Result<Level, BadRegionCode> {
    let parts: Vec<&str> = code.split('.').collect();
    let widths = [2usize, 2, 2, 4];
    if parts.is_empty() || parts.len() > 4 {
        return Err(BadRegionCode(code.to_string()));
    }
    for (p, w) in parts.iter().zip(widths) {
        if p.len() != w || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadRegionCode(code.to_string()));
        }
    }
    Level::from_number(parts.len() as i64).ok_or_else(|| BadRegionCode(code.to_string()))
}

/// The code one level up (`35.19.02.2001` → `35.19.02`), none for a province.
pub fn parent(code: &str) -> Option<&str> {
    code.rfind('.').map(|i| &code[..i])
}

/// Whether `code` is `ancestor` or lies inside it.
pub fn is_within(code: &str, ancestor: &str) -> bool {
    code == ancestor || (code.starts_with(ancestor) && code[ancestor.len()..].starts_with('.'))
}

/// `351902` → `35.19.02` (the form NIK prefixes use, back to the dotted key).
pub fn dotted_from_digits(digits: &str) -> Option<String> {
    let widths: &[usize] = match digits.len() {
        2 => &[2],
        4 => &[2, 2],
        6 => &[2, 2, 2],
        10 => &[2, 2, 2, 4],
        _ => return None,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 0;
    for w in widths {
        out.push(&digits[at..at + w]);
        at += w;
    }
    Some(out.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_number_of_parts() {
        assert_eq!(level_of("35"), Ok(Level::Provinsi));
        assert_eq!(level_of("35.19"), Ok(Level::Kabupaten));
        assert_eq!(level_of("35.19.02"), Ok(Level::Kecamatan));
        assert_eq!(level_of("35.19.02.2001"), Ok(Level::Desa));
        for bad in ["", "3519", "35.19.2", "35.19.02.201", "35.19.02.2001.1", "35.1a"] {
            assert!(level_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containment_respects_segment_boundaries() {
        assert!(is_within("35.19.02.2001", "35.19.02"));
        assert!(is_within("35.19.02", "35.19.02"));
        assert!(!is_within("35.19.021", "35.19.02"));
        assert!(!is_within("35.19.03.2001", "35.19.02"));
        assert_eq!(parent("35.19.02.2001"), Some("35.19.02"));
        assert_eq!(parent("35"), None);
    }

    #[test]
    fn digits_convert_to_dotted() {
        assert_eq!(dotted_from_digits("351902").as_deref(), Some("35.19.02"));
        assert_eq!(dotted_from_digits("3519022001").as_deref(), Some("35.19.02.2001"));
        assert_eq!(dotted_from_digits("35190"), None);
        assert_eq!(dotted_from_digits("3519x2"), None);
    }
}
