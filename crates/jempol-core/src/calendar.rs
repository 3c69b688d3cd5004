//! Working days: office hours per weekday and the national holidays and cuti bersama of the
//! holiday data (`data/libur/`). The planner takes its visit days from here; the working-time
//! measurement of the SOP's standards builds on the same calendar.

use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The holiday lists shipped with Jempol (see `data/libur/README.md` for their sources).
pub const BUILTIN_HOLIDAYS: &[&str] = &[
    include_str!("../../../data/libur/libur_2026.csv"),
    include_str!("../../../data/libur/libur_2027_tetap_perkiraan.csv"),
];

/// A day off: a national holiday or cuti bersama.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
    /// `libur_nasional`, `cuti_bersama`, …
    pub kind: String,
}

/// Reads a holiday list (`tanggal,nama,jenis`, a header line first). A line that cannot be
/// read is reported with its line number.
pub fn parse_holidays(csv: &str) -> Result<Vec<Holiday>, String> {
    let mut out = Vec::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || format!("baris {}: \"{line}\" bukan tanggal,nama,jenis", i + 1);
        let (date, rest) = line.split_once(',').ok_or_else(bad)?;
        let (name, kind) = rest.rsplit_once(',').ok_or_else(bad)?;
        let date: Date = date.trim().parse().map_err(|_| bad())?;
        out.push(Holiday {
            date,
            name: name.trim().to_string(),
            kind: kind.trim().to_string(),
        });
    }
    Ok(out)
}

/// The built-in holidays.
pub fn builtin_holidays() -> Vec<Holiday> {
    BUILTIN_HOLIDAYS
        .iter()
        .filter_map(|csv| parse_holidays(csv).ok())
        .flatten()
        .collect()
}

/// Office hours of one weekday: from, to (the day's whole working span).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub from: Time,
    pub to: Time,
}

impl Hours {
    pub fn minutes(&self) -> i32 {
        minute_of_day(self.to) - minute_of_day(self.from)
    }
}

/// "07.30-16.00" (or "07:30 - 16:00") as a span of the day; none when it does not read or ends
/// before it starts.
pub fn parse_span(s: &str) -> Option<Hours> {
    let (a, b) = s.trim().split_once('-')?;
    let t = |x: &str| -> Option<Time> {
        let (h, m) = x.trim().split_once(['.', ':']).unwrap_or((x.trim(), "0"));
        Time::new(h.trim().parse().ok()?, m.trim().parse().ok()?, 0, 0).ok()
    };
    let (from, to) = (t(a)?, t(b)?);
    (from < to).then_some(Hours { from, to })
}

/// A span as an office writes it: "07.30-16.00".
pub fn span_text(h: Option<Hours>) -> String {
    let hm = |t: Time| format!("{:02}.{:02}", t.hour(), t.minute());
    h.map(|h| format!("{}-{}", hm(h.from), hm(h.to))).unwrap_or_default()
}

/// Minutes since midnight.
pub fn minute_of_day(t: Time) -> i32 {
    i32::from(t.hour()) * 60 + i32::from(t.minute())
}

/// Office hours per weekday; a weekday without hours is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours(pub BTreeMap<String, Hours>);

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "mon"),
    (Weekday::Tuesday, "tue"),
    (Weekday::Wednesday, "wed"),
    (Weekday::Thursday, "thu"),
    (Weekday::Friday, "fri"),
    (Weekday::Saturday, "sat"),
    (Weekday::Sunday, "sun"),
];

pub fn weekday_key(w: Weekday) -> &'static str {
    WEEKDAYS.iter().find(|(d, _)| *d == w).map(|(_, k)| *k).unwrap_or("mon")
}

impl Default for OfficeHours {
    /// Civil servants: Monday to Thursday 07:30–16:00, Friday 07:30–16:30 (37.5 hours a week
    /// with the midday break).
    fn default() -> Self {
        let h = |a: i8, b: i8, c: i8, d: i8| Hours {
            from: Time::constant(a, b, 0, 0),
            to: Time::constant(c, d, 0, 0),
        };
        let mut m = BTreeMap::new();
        for k in ["mon", "tue", "wed", "thu"] {
            m.insert(k.to_string(), h(7, 30, 16, 0));
        }
        m.insert("fri".to_string(), h(7, 30, 16, 30));
        OfficeHours(m)
    }
}

impl OfficeHours {
    pub fn on(&self, d: Date) -> Option<Hours> {
        self.0.get(weekday_key(d.weekday())).copied()
    }
}

/// A working day: a weekday with office hours that is not a holiday.
pub fn is_working_day(d: Date, hours: &OfficeHours, holidays: &[Holiday]) -> bool {
    hours.on(d).is_some() && !holidays.iter().any(|h| h.date == d)
}

/// `count` working days from `start` (included when it is one).
pub fn working_days(start: Date, count: usize, hours: &OfficeHours, holidays: &[Holiday]) -> Vec<Date> {
    let mut out = Vec::with_capacity(count);
    let mut d = start;
    // A year of searching is more than any run of days off.
    for _ in 0..(count * 7 + 366) {
        if out.len() == count {
            break;
        }
        if is_working_day(d, hours, holidays) {
            out.push(d);
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// Working days elapsed from `from` to `to`: the working days after `from` up to and including
/// `to` (0 when `to` is not after `from`). Recorded on a Monday and printed on the Wednesday:
/// 2 working days.
pub fn working_days_between(from: Date, to: Date, hours: &OfficeHours, holidays: &[Holiday]) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
        if is_working_day(d, hours, holidays) {
            n += 1;
        }
        if n > 10_000 {
            break;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_builtin_lists_read_whole() {
        let all = builtin_holidays();
        assert_eq!(all.iter().filter(|h| h.date.year() == 2026).count(), 25);
        assert!(
            all.iter()
                .any(|h| h.date == date(2026, 12, 25) && h.kind == "libur_nasional")
        );
        assert!(
            parse_holidays("tanggal,nama,jenis\n2026-13-01,x,y\n")
                .unwrap_err()
                .contains("baris 2")
        );
    }

    #[test]
    fn ten_working_days_skip_weekends_holidays_and_cuti_bersama() {
        let h = builtin_holidays();
        let hours = OfficeHours::default();
        // From Monday 14 December 2026: Christmas (Fri 25) and cuti bersama (Thu 24) fall out.
        let days = working_days(date(2026, 12, 14), 10, &hours, &h);
        assert_eq!(days.len(), 10);
        assert_eq!(days[0], date(2026, 12, 14));
        assert!(!days.contains(&date(2026, 12, 19)), "Saturday");
        assert!(!days.contains(&date(2026, 12, 25)), "Christmas");
        for d in &days {
            assert!(is_working_day(*d, &hours, &h), "{d}");
        }
        assert_eq!(
            hours.on(date(2026, 12, 18)).unwrap().minutes(),
            540,
            "Friday 07:30-16:30"
        );
        assert_eq!(hours.on(date(2026, 12, 14)).unwrap().minutes(), 510);
        assert!(hours.on(date(2026, 12, 20)).is_none(), "Sunday");
    }

    #[test]
    fn spans_read_as_offices_write_them() {
        let h = parse_span("07.30 - 16:00").unwrap();
        assert_eq!(span_text(Some(h)), "07.30-16.00");
        assert!(parse_span("16.00-07.30").is_none());
        assert!(parse_span("pagi").is_none());
        assert_eq!(span_text(None), "");
    }

    #[test]
    fn working_days_between_skips_weekends_and_holidays() {
        let h = OfficeHours::default();
        let hol = builtin_holidays();
        // Monday 14 → Wednesday 16 December 2026.
        assert_eq!(
            working_days_between(date(2026, 12, 14), date(2026, 12, 16), &h, &hol),
            2
        );
        // Friday 18 → Monday 21: the weekend does not count.
        assert_eq!(
            working_days_between(date(2026, 12, 18), date(2026, 12, 21), &h, &hol),
            1
        );
        // Wednesday 23 → Monday 28 across the cuti bersama (24th) and Christmas (25th).
        assert_eq!(
            working_days_between(date(2026, 12, 23), date(2026, 12, 28), &h, &hol),
            1
        );
        assert_eq!(
            working_days_between(date(2026, 12, 16), date(2026, 12, 14), &h, &hol),
            0
        );
    }
}
