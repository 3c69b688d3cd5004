//! The NIK (Nomor Induk Kependudukan): 16 digits `PP KK CC DD MM YY SSSS`. Region where it
//! was first issued, birth day (women: day + 40), month, two-digit year, serial 0001–9999.
//! This module knows the hard rules; warnings against entered data build on `NikParts`.

use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NikError {
    Length,
    NotDigits,
    Day,
    Month,
    Serial,
}

impl NikError {
    pub fn code(self) -> &'static str {
        match self {
            NikError::Length => "nik_length",
            NikError::NotDigits => "nik_not_digits",
            NikError::Day => "nik_day",
            NikError::Month => "nik_month",
            NikError::Serial => "nik_serial",
        }
    }

    /// What to fix, in plain Indonesian.
    pub fn message(self) -> &'static str {
        match self {
            NikError::Length => "NIK harus 16 angka. Periksa lagi apakah ada angka yang kurang atau lebih.",
            NikError::NotDigits => "NIK hanya boleh berisi angka 0–9, tanpa spasi, titik atau huruf.",
            NikError::Day => {
                "Angka tanggal lahir di NIK (digit ke-7 dan ke-8) harus 01–31, atau 41–71 untuk perempuan."
            }
            NikError::Month => "Angka bulan lahir di NIK (digit ke-9 dan ke-10) harus 01–12.",
            NikError::Serial => "Empat angka terakhir NIK tidak boleh 0000.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NikParts {
    /// Six digits: province, regency, kecamatan of first issue.
    pub region: String,
    /// Real day of birth (the +40 for women removed).
    pub day: u8,
    pub month: u8,
    pub year2: u8,
    pub female: bool,
    pub serial: u16,
}

/// Splits a NIK and applies the hard rules. Unknown region or a mismatch with entered data is
/// not an error here: a NIK never changes, so those are warnings for the caller to raise.
pub fn parse(nik: &str) -> Result<NikParts, NikError> {
    let s = nik.trim();
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(if s.chars().count() == 16 {
            NikError::NotDigits
        } else {
            NikError::Length
        });
    }
    if s.len() != 16 {
        return Err(NikError::Length);
    }
    let num = |a: usize, b: usize| -> u16 { s[a..b].bytes().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0')) };
    let raw_day = num(6, 8) as u8;
    let month = num(8, 10) as u8;
    let female = raw_day > 40;
    let day = if female { raw_day - 40 } else { raw_day };
    if !((1..=31).contains(&raw_day) || (41..=71).contains(&raw_day)) {
        return Err(NikError::Day);
    }
    if !(1..=12).contains(&month) {
        return Err(NikError::Month);
    }
    let serial = num(12, 16);
    if serial == 0 {
        return Err(NikError::Serial);
    }
    Ok(NikParts {
        region: s[..6].to_string(),
        day,
        month,
        year2: num(10, 12) as u8,
        female,
        serial,
    })
}

/// Builds a NIK from its parts (used by the demo generator and tests).
pub fn compose(region6: &str, birth: Date, female: bool, serial: u16) -> String {
    let day = birth.day() as u16 + if female { 40 } else { 0 };
    format!(
        "{region6}{day:02}{:02}{:02}{:04}",
        birth.month(),
        birth.year().rem_euclid(100),
        serial.clamp(1, 9999)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn compose_then_parse_round_trips() {
        let nik = compose("351902", date(1948, 3, 7), true, 12);
        assert_eq!(nik, "3519024703480012");
        let p = parse(&nik).unwrap();
        assert_eq!((p.day, p.month, p.year2, p.female, p.serial), (7, 3, 48, true, 12));
        assert_eq!(p.region, "351902");
        let m = parse(&compose("351902", date(1950, 12, 31), false, 9999)).unwrap();
        assert_eq!((m.day, m.female), (31, false));
    }

    #[test]
    fn hard_rules_reject_with_their_code() {
        assert_eq!(parse("351902470348001"), Err(NikError::Length));
        assert_eq!(parse("3.51902E+15"), Err(NikError::Length));
        assert_eq!(parse("35190247034800a2"), Err(NikError::NotDigits));
        assert_eq!(parse("3519020003480012"), Err(NikError::Day));
        assert_eq!(parse("3519023203480012"), Err(NikError::Day));
        assert_eq!(parse("3519024003480012"), Err(NikError::Day));
        assert_eq!(parse("3519027203480012"), Err(NikError::Day));
        assert_eq!(parse("3519020713480012"), Err(NikError::Month));
        assert_eq!(parse("3519020700480012"), Err(NikError::Month));
        assert_eq!(parse("3519020703480000"), Err(NikError::Serial));
        assert!(parse("3519027103480001").is_ok());
        assert!(parse("3519024103480001").is_ok());
    }
}
