//! The NIK (Nomor Induk Kependudukan): 16 digits `PP KK CC DD MM YY SSSS`. Region where it
//! was first issued, birth day (women: day + 40), month, two-digit year, serial 0001–9999.
//! Hard rules make a NIK unusable (errors); a NIK never changes, so disagreement with the
//! entered birth date or sex, or an unknown region prefix, is only a warning. The same for the
//! No. KK, whose first six digits are the issuing region. Age rules for e-KTP recording too.

use crate::finding::Finding;
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
    /// Excel turned the NIK into a number (scientific notation or a decimal).
    ExcelNumber,
}

impl NikError {
    pub fn code(self) -> &'static str {
        match self {
            NikError::Length => "nik_length",
            NikError::NotDigits => "nik_not_digits",
            NikError::Day => "nik_day",
            NikError::Month => "nik_month",
            NikError::Serial => "nik_serial",
            NikError::ExcelNumber => "nik_excel_number",
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
            NikError::ExcelNumber => {
                "NIK terbaca sebagai angka (misalnya 3.51902E+15), sehingga digit terakhirnya hilang. Di Excel, ubah format kolom NIK menjadi Teks, lalu ketik ulang NIK-nya."
            }
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
    let s = normalize(nik);
    let s = s.as_str();
    if looks_like_excel_number(s) {
        return Err(NikError::ExcelNumber);
    }
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

/// Removes what people and spreadsheets add around a number: spaces (also non-breaking),
/// and the apostrophe Excel uses to mark a cell as text.
pub fn normalize(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('\'')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `3.51902E+15`, `3,51902E+15`, `3519024703480010.0`: what Excel shows for a 16-digit number.
pub fn looks_like_excel_number(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let sci = upper.contains("E+") && upper.chars().next().is_some_and(|c| c.is_ascii_digit());
    let decimal = (s.contains('.') || s.contains(','))
        && s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && s.chars().filter(|c| c.is_ascii_digit()).count() >= 12;
    sci || decimal
}

/// The birth year a two-digit year stands for: the latest century that makes the person at
/// least 16 on `today` (nobody younger is recorded).
pub fn birth_year(year2: u8, today: Date) -> i16 {
    let this_century = 2000 + i16::from(year2);
    if today.year() - this_century >= 16 {
        this_century
    } else {
        this_century - 100
    }
}

/// The birth date a NIK encodes, if it is a real calendar date.
pub fn birth_date(parts: &NikParts, today: Date) -> Option<Date> {
    Date::new(birth_year(parts.year2, today), parts.month as i8, parts.day as i8).ok()
}

/// Full years between `birth` and `today`.
pub fn age_on(birth: Date, today: Date) -> i16 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Lansia: 60 or older.
pub fn is_lansia(birth: Date, today: Date) -> bool {
    age_on(birth, today) >= 60
}

/// The result of checking a NIK against what was entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NikCheck {
    pub parts: Option<NikParts>,
    /// Prefill for the form: what the NIK says.
    pub birth_date: Option<Date>,
    pub female: Option<bool>,
    pub findings: Vec<Finding>,
}

/// Checks a NIK: hard rules as errors; unknown region and disagreement with the entered birth
/// date or sex as warnings. `region_known` answers for a dotted kecamatan code (`35.19.02`).
pub fn check(
    raw: &str,
    entered_birth: Option<Date>,
    entered_female: Option<bool>,
    region_known: impl Fn(&str) -> bool,
    today: Date,
) -> NikCheck {
    let parts = match parse(raw) {
        Ok(p) => p,
        Err(e) => {
            return NikCheck {
                parts: None,
                birth_date: None,
                female: None,
                findings: vec![Finding::error(e.code(), "nik", e.message())],
            };
        }
    };
    let mut findings = Vec::new();
    let dotted = crate::region::dotted_from_digits(&parts.region).unwrap_or_default();
    if !region_known(&dotted) {
        findings.push(Finding::warning(
            "nik_region_unknown",
            "nik",
            format!(
                "Kode wilayah di awal NIK ({}) tidak ada di daftar wilayah. Bisa jadi kode lama sebelum pemekaran; periksa lagi NIK-nya.",
                parts.region
            ),
        ));
    }
    let from_nik = birth_date(&parts, today);
    match (from_nik, entered_birth) {
        (None, _) => findings.push(Finding::warning(
            "nik_date_invalid",
            "nik",
            format!(
                "Tanggal lahir di NIK ({:02}-{:02}) tidak ada di kalender; periksa lagi NIK-nya.",
                parts.day, parts.month
            ),
        )),
        (Some(n), Some(e)) if n.month() != e.month() || n.day() != e.day() || n.year() % 100 != e.year() % 100 => {
            findings.push(Finding::warning(
                "nik_birth_mismatch",
                "birth_date",
                format!(
                    "Tanggal lahir {} tidak sama dengan yang tercantum di NIK ({:02}-{:02}-{:02}). Periksa KK atau akta kelahiran; NIK tidak berubah.",
                    e.strftime("%d-%m-%Y"),
                    parts.day,
                    parts.month,
                    parts.year2
                ),
            ))
        }
        _ => {}
    }
    if let Some(f) = entered_female
        && f != parts.female
    {
        let nik_sex = if parts.female { "perempuan" } else { "laki-laki" };
        findings.push(Finding::warning(
            "nik_sex_mismatch",
            "sex",
            format!("Jenis kelamin berbeda dengan NIK (NIK menunjukkan {nik_sex}). Periksa lagi; NIK tidak berubah."),
        ));
    }
    NikCheck {
        female: Some(parts.female),
        birth_date: from_nik,
        parts: Some(parts),
        findings,
    }
}

/// Checks a No. KK: 16 digits (errors), issuing region known (warning).
pub fn check_kk(raw: &str, region_known: impl Fn(&str) -> bool) -> Vec<Finding> {
    let s = normalize(raw);
    if looks_like_excel_number(&s) {
        return vec![Finding::error(
            "kk_excel_number",
            "no_kk",
            "No. KK terbaca sebagai angka (misalnya 3.51902E+15), sehingga digit terakhirnya hilang. Di Excel, ubah format kolom No. KK menjadi Teks, lalu ketik ulang.",
        )];
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return vec![Finding::error(
            "kk_not_digits",
            "no_kk",
            "No. KK hanya boleh berisi angka 0–9.",
        )];
    }
    if s.len() != 16 {
        return vec![Finding::error(
            "kk_length",
            "no_kk",
            "No. KK harus 16 angka. Periksa lagi apakah ada angka yang kurang atau lebih.",
        )];
    }
    let dotted = crate::region::dotted_from_digits(&s[..6]).unwrap_or_default();
    if region_known(&dotted) {
        vec![]
    } else {
        vec![Finding::warning(
            "kk_region_unknown",
            "no_kk",
            format!(
                "Kode wilayah di awal No. KK ({}) tidak ada di daftar wilayah; periksa lagi.",
                &s[..6]
            ),
        )]
    }
}

/// e-KTP age rules: younger than 16 cannot be recorded; 16 and not yet 17 and unmarried may be
/// recorded, but the card prints at 17.
pub fn check_age(birth: Date, married: bool, today: Date) -> Vec<Finding> {
    let age = age_on(birth, today);
    if age < 16 {
        vec![Finding::error(
            "age_under_16",
            "birth_date",
            format!("Umur {age} tahun: perekaman e-KTP baru bisa mulai umur 16 tahun. Periksa tanggal lahirnya."),
        )]
    } else if age < 17 && !married {
        vec![Finding::warning(
            "age_prints_at_17",
            "birth_date",
            "Umur 16 tahun dan belum menikah: boleh direkam, tetapi e-KTP baru dicetak saat umur 17 tahun.",
        )]
    } else {
        vec![]
    }
}

/// The NIK as shown to roles that do not need the whole number: region kept, birth date and
/// most of the serial hidden (`351902********01`).
pub fn mask(nik: &str) -> String {
    let chars: Vec<char> = nik.chars().collect();
    if chars.len() != 16 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[14..].iter().collect();
    format!("{head}********{tail}")
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
        assert_eq!(parse("3.51902E+15"), Err(NikError::ExcelNumber));
        assert_eq!(parse("3,51902E+15"), Err(NikError::ExcelNumber));
        assert_eq!(parse("3519024703480010.0"), Err(NikError::ExcelNumber));
        assert_eq!(parse(" '3519 0247 0348 0012 ").map(|p| p.serial), Ok(12));
    }

    fn dolopo(code: &str) -> bool {
        code == "35.19.02"
    }

    #[test]
    fn check_prefills_and_warns_without_rejecting() {
        let today = date(2026, 11, 29);
        let ok = check("3519024703480012", None, None, dolopo, today);
        assert!(ok.findings.is_empty());
        assert_eq!(ok.birth_date, Some(date(1948, 3, 7)));
        assert_eq!(ok.female, Some(true));
        let codes = |c: &NikCheck| c.findings.iter().map(|f| (f.code, f.is_error())).collect::<Vec<_>>();
        let mismatch = check("3519024703480012", Some(date(1948, 3, 8)), Some(false), dolopo, today);
        assert_eq!(
            codes(&mismatch),
            vec![("nik_birth_mismatch", false), ("nik_sex_mismatch", false)]
        );
        let other_region = check("3578024703480012", Some(date(1948, 3, 7)), Some(true), dolopo, today);
        assert_eq!(codes(&other_region), vec![("nik_region_unknown", false)]);
        let no_date = check("3519023102480012", None, None, dolopo, today);
        assert_eq!(codes(&no_date), vec![("nik_date_invalid", false)]);
        let bad = check("351902470348001", None, None, dolopo, today);
        assert_eq!(codes(&bad), vec![("nik_length", true)]);
        assert!(bad.findings[0].message.contains("16 angka"));
    }

    #[test]
    fn two_digit_years_pick_the_plausible_century() {
        let today = date(2026, 11, 29);
        assert_eq!(birth_year(48, today), 1948);
        assert_eq!(birth_year(8, today), 2008);
        assert_eq!(birth_year(10, today), 2010);
        assert_eq!(birth_year(11, today), 1911);
        assert_eq!(birth_year(20, today), 1920);
    }

    #[test]
    fn masking_hides_the_birth_date_and_serial() {
        assert_eq!(mask("3519024703480012"), "351902********12");
        assert_eq!(mask("123"), "***");
    }

    #[test]
    fn kk_rules() {
        assert!(check_kk("3519020101100001", dolopo).is_empty());
        assert_eq!(check_kk("3.5190201011E+15", dolopo)[0].code, "kk_excel_number");
        assert_eq!(check_kk("351902010110000", dolopo)[0].code, "kk_length");
        assert_eq!(check_kk("35190201011000a1", dolopo)[0].code, "kk_not_digits");
        let w = check_kk("3578020101100001", dolopo);
        assert_eq!((w[0].code, w[0].is_error()), ("kk_region_unknown", false));
    }

    #[test]
    fn age_rules_for_recording() {
        let today = date(2026, 11, 29);
        assert_eq!(check_age(date(2010, 11, 30), false, today)[0].code, "age_under_16");
        assert!(check_age(date(2010, 11, 30), false, today)[0].is_error());
        let sixteen = check_age(date(2010, 11, 29), false, today);
        assert_eq!((sixteen[0].code, sixteen[0].is_error()), ("age_prints_at_17", false));
        assert!(check_age(date(2010, 11, 29), true, today).is_empty());
        assert!(check_age(date(2009, 11, 29), false, today).is_empty());
        assert!(is_lansia(date(1966, 11, 29), today));
        assert!(!is_lansia(date(1966, 11, 30), today));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any valid parts survive compose → parse.
        #[test]
        fn compose_parse_round_trip(year in 1900i16..2010, month in 1i8..=12, day in 1i8..=28, female: bool, serial in 1u16..=9999) {
            let d = jiff::civil::date(year, month, day);
            let p = parse(&compose("351902", d, female, serial)).unwrap();
            prop_assert_eq!((p.day as i8, p.month as i8, p.female, p.serial), (day, month, female, serial));
            prop_assert_eq!(i16::from(p.year2), year % 100);
        }

        /// Every 16-digit string is either accepted with fields in range, or rejected with the
        /// rule it breaks; never anything else.
        #[test]
        fn sixteen_digits_are_classified(s in "[0-9]{16}") {
            let raw_day: u8 = s[6..8].parse().unwrap();
            let month: u8 = s[8..10].parse().unwrap();
            let serial: u16 = s[12..16].parse().unwrap();
            match parse(&s) {
                Ok(p) => {
                    prop_assert!((1..=31).contains(&p.day) && (1..=12).contains(&p.month) && p.serial > 0);
                    prop_assert_eq!(p.female, raw_day > 40);
                }
                Err(NikError::Day) => prop_assert!(!((1..=31).contains(&raw_day) || (41..=71).contains(&raw_day))),
                Err(NikError::Month) => prop_assert!(!(1..=12).contains(&month)),
                Err(NikError::Serial) => prop_assert_eq!(serial, 0),
                Err(e) => prop_assert!(false, "unexpected {:?}", e),
            }
        }

        /// Arbitrary text never panics, and anything but 16 digits is rejected.
        #[test]
        fn arbitrary_text_is_rejected_not_panicked(s in "\\PC{0,24}") {
            let r = parse(&s);
            let n = normalize(&s);
            if n.len() != 16 || !n.bytes().all(|b| b.is_ascii_digit()) {
                prop_assert!(r.is_err());
            }
        }
    }
}
