//! The date formats villages type: 17-08-1950, 17/08/1950, 17/8/50, 1950-08-17, 17.08.1950,
//! "17 Agustus 1950", and real spreadsheet dates (already `YYYY-MM-DD` in the grid).

use jiff::civil::Date;

const MONTHS: [&[&str]; 12] = [
    &["januari", "jan"],
    &["februari", "pebruari", "feb", "peb"],
    &["maret", "mar"],
    &["april", "apr"],
    &["mei"],
    &["juni", "jun"],
    &["juli", "jul"],
    &["agustus", "agt", "agu", "ags", "aug"],
    &["september", "sep", "sept"],
    &["oktober", "okt", "oct"],
    &["november", "nov", "nop", "nopember"],
    &["desember", "des", "dec"],
];

fn month_by_name(s: &str) -> Option<i8> {
    let s = s.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|names| names.contains(&s.as_str()))
        .map(|i| i as i8 + 1)
}

/// Parses a birth date. Two-digit years take the century that makes the person at least 16
/// on `today` (the same rule as the NIK's year).
pub fn parse_birth_date(text: &str, today: Date) -> Option<Date> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let parts: Vec<&str> = t
        .split(|c: char| c == '-' || c == '/' || c == '.' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let num = |s: &str| s.parse::<i32>().ok();
    let (d, m, y) = if parts[0].len() == 4 {
        // yyyy-mm-dd
        (num(parts[2])?, num(parts[1])?, num(parts[0])?)
    } else {
        let m = match num(parts[1]) {
            Some(m) => m,
            None => i32::from(month_by_name(parts[1])?),
        };
        (num(parts[0])?, m, num(parts[2])?)
    };
    // Four digits are the year as written; one or two take the NIK's century rule; three or
    // five digits are a typo, not a year.
    let year_text = if parts[0].len() == 4 { parts[0] } else { parts[2] };
    let year = match year_text.len() {
        4 => i16::try_from(y).ok().filter(|y| *y >= 1000)?,
        1 | 2 if (0..100).contains(&y) => jempol_core::nik::birth_year(y as u8, today),
        _ => return None,
    };
    Date::new(year, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn village_date_formats() {
        let today = date(2026, 11, 29);
        let want = Some(date(1950, 8, 17));
        for s in [
            "17-08-1950",
            "17/08/1950",
            "17/8/50",
            "1950-08-17",
            "17.08.1950",
            "17 Agustus 1950",
            "17 agt 1950",
            " 17-8-1950 ",
        ] {
            assert_eq!(parse_birth_date(s, today), want, "{s}");
        }
        assert_eq!(parse_birth_date("5/1/08", today), Some(date(2008, 1, 5)));
        for bad in [
            "",
            "31-02-1950",
            "17-13-1950",
            "17 Agustusan 1950",
            "1950",
            "9 3 786",
            "17-08-19500",
            "17-08-0950",
            "kemarin",
            "17/08",
        ] {
            assert_eq!(parse_birth_date(bad, today), None, "{bad}");
        }
    }
}
