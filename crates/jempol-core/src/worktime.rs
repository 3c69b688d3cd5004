//! Working time, as the SOP's standards count it: office hours per weekday with the midday
//! break, national holidays and cuti bersama, in the office's time zone (WIB, WITA or WIT).
//! A step's duration is the working minutes between its start and end, less any pause whose
//! cause lies outside the office; its state is on time, at risk (80 % of the standard used) or
//! late.

use crate::calendar::{Holiday, Hours, OfficeHours, builtin_holidays, is_working_day, minute_of_day};
use jiff::civil::{Date, DateTime, Time};
use serde::{Deserialize, Serialize};

/// The time zones of Indonesia.
pub const ZONES: [(&str, &str, &str); 3] = [
    ("Asia/Jakarta", "WIB", "Waktu Indonesia Barat (UTC+7)"),
    ("Asia/Makassar", "WITA", "Waktu Indonesia Tengah (UTC+8)"),
    ("Asia/Jayapura", "WIT", "Waktu Indonesia Timur (UTC+9)"),
];

/// The zone of a region by its province (the first two digits of its code): Bali, Nusa
/// Tenggara, South, East and North Kalimantan and Sulawesi are WITA; Maluku and Papua WIT;
/// the rest WIB.
pub fn zone_of_region(code: &str) -> &'static str {
    match code.get(..2).and_then(|p| p.parse::<u8>().ok()) {
        Some(51..=53 | 63..=65 | 71..=76) => "Asia/Makassar",
        Some(81..=82 | 91..=99) => "Asia/Jayapura",
        _ => "Asia/Jakarta",
    }
}

/// The UTC offset of a zone in hours (Indonesia has no daylight saving time).
fn offset_hours(zone: &str) -> i64 {
    match zone {
        "Asia/Makassar" => 8,
        "Asia/Jayapura" => 9,
        _ => 7,
    }
}

/// The short name people write after a time: WIB, WITA, WIT.
pub fn zone_label(zone: &str) -> &'static str {
    ZONES
        .iter()
        .find(|(z, _, _)| *z == zone)
        .map(|(_, l, _)| *l)
        .unwrap_or("WIB")
}

/// Office hours, breaks, holidays and zone: everything the measurement needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCalendar {
    pub hours: OfficeHours,
    /// The midday break per weekday (not working time).
    pub breaks: OfficeHours,
    pub holidays: Vec<Holiday>,
    pub zone: String,
}

/// Civil servants' breaks: Monday to Thursday 12:00–13:00, Friday 11:30–13:00 (Friday
/// prayers), which with the default office hours makes 37.5 hours a week.
pub fn default_breaks() -> OfficeHours {
    let h = |a: i8, b: i8, c: i8, d: i8| Hours {
        from: Time::constant(a, b, 0, 0),
        to: Time::constant(c, d, 0, 0),
    };
    let mut m = std::collections::BTreeMap::new();
    for k in ["mon", "tue", "wed", "thu"] {
        m.insert(k.to_string(), h(12, 0, 13, 0));
    }
    m.insert("fri".to_string(), h(11, 30, 13, 0));
    OfficeHours(m)
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar {
            hours: OfficeHours::default(),
            breaks: default_breaks(),
            holidays: builtin_holidays(),
            zone: "Asia/Jakarta".into(),
        }
    }
}

/// A span of time during which a step's clock stops (central server down, out of blank cards),
/// as milliseconds since the epoch; `to` is none while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: i64,
    pub to: Option<i64>,
    pub reason: String,
}

/// Where a step stands against its standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    OnTime,
    /// 80 % of the standard or more used.
    AtRisk,
    Late,
    /// The clock is stopped by a pause that has not ended.
    Paused,
}

impl SlaState {
    pub fn label(self) -> &'static str {
        match self {
            SlaState::OnTime => "tepat waktu",
            SlaState::AtRisk => "hampir terlambat",
            SlaState::Late => "terlambat",
            SlaState::Paused => "dihentikan sementara",
        }
    }
}

/// A step measured: working minutes used (pauses taken out) against the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sla {
    pub used: i64,
    pub paused: i64,
    pub standard: i64,
    pub state: SlaState,
    pub done: bool,
}

impl WorkCalendar {
    /// The civil time in the office's zone at a moment.
    pub fn local(&self, ms: i64) -> DateTime {
        let secs = ms.div_euclid(1000) + offset_hours(&self.zone) * 3600;
        let ts = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        ts.to_zoned(jiff::tz::TimeZone::UTC).datetime()
    }

    /// The moment of a civil time in the office's zone.
    pub fn instant(&self, t: DateTime) -> i64 {
        t.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond() - offset_hours(&self.zone) * 3_600_000)
            .unwrap_or(0)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        is_working_day(d, &self.hours, &self.holidays)
    }

    /// The working spans of a day (office hours less the break), as minutes of the day.
    fn spans(&self, d: Date) -> Vec<(i64, i64)> {
        let Some(h) = self.hours.on(d).filter(|_| self.is_working_day(d)) else {
            return vec![];
        };
        let (from, to) = (i64::from(minute_of_day(h.from)), i64::from(minute_of_day(h.to)));
        match self.breaks.on(d) {
            Some(b) => {
                let (bf, bt) = (
                    i64::from(minute_of_day(b.from)).clamp(from, to),
                    i64::from(minute_of_day(b.to)).clamp(from, to),
                );
                vec![(from, bf), (bt, to)].into_iter().filter(|(a, b)| b > a).collect()
            }
            None => vec![(from, to)],
        }
    }

    /// Working minutes in one day a day between the minutes `a` and `b` of it.
    fn day_minutes(&self, d: Date, a: i64, b: i64) -> i64 {
        self.spans(d).iter().map(|(f, t)| (b.min(*t) - a.max(*f)).max(0)).sum()
    }

    /// Working minutes between two civil times.
    pub fn minutes_between(&self, from: DateTime, to: DateTime) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let mut d = from.date();
        // Ten years of days is more than any step lasts.
        for _ in 0..3700 {
            if d > to.date() {
                break;
            }
            let a = if d == from.date() {
                i64::from(minute_of_day(from.time()))
            } else {
                0
            };
            let b = if d == to.date() {
                i64::from(minute_of_day(to.time()))
            } else {
                24 * 60
            };
            total += self.day_minutes(d, a, b);
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        total
    }

    /// Working minutes between two moments.
    pub fn minutes(&self, from_ms: i64, to_ms: i64) -> i64 {
        self.minutes_between(self.local(from_ms), self.local(to_ms))
    }

    /// The moment `minutes` working minutes after `from_ms`: a step's deadline.
    pub fn add_minutes(&self, from_ms: i64, minutes: i64) -> i64 {
        let start = self.local(from_ms);
        let mut left = minutes.max(0);
        let mut d = start.date();
        for _ in 0..3700 {
            let first = if d == start.date() {
                i64::from(minute_of_day(start.time()))
            } else {
                0
            };
            for (f, t) in self.spans(d) {
                let a = f.max(first);
                if t <= a {
                    continue;
                }
                if t - a >= left {
                    let m = a + left;
                    let time = Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap_or(Time::midnight());
                    return self.instant(d.to_datetime(time));
                }
                left -= t - a;
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        from_ms
    }

    /// A step from `start` to `end` (or `now` while it runs) against `standard` working
    /// minutes, with its pauses taken out.
    pub fn sla(&self, start: i64, end: Option<i64>, now: i64, standard: i64, pauses: &[Pause]) -> Sla {
        let until = end.unwrap_or(now);
        let gross = self.minutes(start, until);
        let paused: i64 = pauses
            .iter()
            .map(|p| {
                let a = p.from.max(start);
                let b = p.to.unwrap_or(until).min(until);
                if b > a { self.minutes(a, b) } else { 0 }
            })
            .sum::<i64>()
            .min(gross);
        let used = gross - paused;
        let running_pause = end.is_none() && pauses.iter().any(|p| p.to.is_none() && p.from <= now);
        let state = if used > standard {
            SlaState::Late
        } else if running_pause {
            SlaState::Paused
        } else if standard > 0 && used * 5 >= standard * 4 && end.is_none() {
            SlaState::AtRisk
        } else {
            SlaState::OnTime
        };
        Sla {
            used,
            paused,
            standard,
            state,
            done: end.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cal() -> WorkCalendar {
        WorkCalendar::default()
    }

    fn at(c: &WorkCalendar, d: Date, h: i8, m: i8) -> i64 {
        c.instant(d.at(h, m, 0, 0))
    }

    #[test]
    fn a_week_is_37_and_a_half_hours() {
        let c = cal();
        // Monday 7 December 2026 00:00 to Monday 14 December 00:00: no holiday that week.
        let week = c.minutes_between(date(2026, 12, 7).at(0, 0, 0, 0), date(2026, 12, 14).at(0, 0, 0, 0));
        assert_eq!(week, 37 * 60 + 30);
    }

    #[test]
    fn minutes_skip_breaks_nights_weekends_and_holidays() {
        let c = cal();
        let mon = date(2026, 12, 14);
        // 11:00 → 14:00 on a Monday: three hours less the hour's break.
        assert_eq!(c.minutes(at(&c, mon, 11, 0), at(&c, mon, 14, 0)), 120);
        // Friday 18 at 11:00 → 13:30: the Friday break is 11:30–13:00.
        let fri = date(2026, 12, 18);
        assert_eq!(c.minutes(at(&c, fri, 11, 0), at(&c, fri, 13, 30)), 60);
        // Friday 16:00 → Monday 08:00: 30 + 30.
        assert_eq!(c.minutes(at(&c, fri, 16, 0), at(&c, date(2026, 12, 21), 8, 0)), 60);
        // Wednesday 23 at 15:00 → Monday 28 at 08:30, across cuti bersama and Christmas.
        assert_eq!(
            c.minutes(at(&c, date(2026, 12, 23), 15, 0), at(&c, date(2026, 12, 28), 8, 30)),
            120
        );
        assert_eq!(c.minutes(at(&c, mon, 14, 0), at(&c, mon, 11, 0)), 0);
    }

    #[test]
    fn the_zone_moves_the_office_day() {
        let mut c = cal();
        let t = at(&c, date(2026, 12, 14), 8, 0); // 08:00 WIB
        c.zone = "Asia/Jayapura".into();
        assert_eq!(c.local(t), date(2026, 12, 14).at(10, 0, 0, 0), "10:00 WIT");
        assert_eq!(zone_of_region("51.71"), "Asia/Makassar");
        assert_eq!(zone_of_region("91.01"), "Asia/Jayapura");
        assert_eq!(zone_of_region("35.19.02"), "Asia/Jakarta");
        assert_eq!(zone_label("Asia/Makassar"), "WITA");
    }

    #[test]
    fn a_deadline_is_counted_in_working_minutes() {
        let c = cal();
        // Two working days (2 × 450 minutes) from Thursday 24 December 2026, 10:00 (cuti
        // bersama): the clock starts on Monday 28 at 07:30 and ends on Tuesday 29 at 16:00.
        let due = c.add_minutes(at(&c, date(2026, 12, 24), 10, 0), 900);
        assert_eq!(c.local(due), date(2026, 12, 29).at(16, 0, 0, 0));
        // One hour from Monday 11:30: over the break to 13:30.
        let due = c.add_minutes(at(&c, date(2026, 12, 14), 11, 30), 60);
        assert_eq!(c.local(due), date(2026, 12, 14).at(13, 30, 0, 0));
    }

    #[test]
    fn the_state_follows_the_share_used_and_pauses() {
        let c = cal();
        let mon = date(2026, 12, 14);
        let start = at(&c, mon, 8, 0);
        // Standard 2 hours: at 09:30 on time, at 09:40 at risk (100 of 120), at 10:30 late.
        assert_eq!(c.sla(start, None, at(&c, mon, 9, 30), 120, &[]).state, SlaState::OnTime);
        assert_eq!(c.sla(start, None, at(&c, mon, 9, 40), 120, &[]).state, SlaState::AtRisk);
        assert_eq!(c.sla(start, None, at(&c, mon, 10, 30), 120, &[]).state, SlaState::Late);
        // Done within the standard: on time, however close.
        let done = c.sla(start, Some(at(&c, mon, 9, 55)), at(&c, mon, 15, 0), 120, &[]);
        assert_eq!((done.state, done.used, done.done), (SlaState::OnTime, 115, true));
        // The central server was down 09:00–10:00: that hour does not count.
        let pause = Pause {
            from: at(&c, mon, 9, 0),
            to: Some(at(&c, mon, 10, 0)),
            reason: "server pusat mati".into(),
        };
        let s = c.sla(start, None, at(&c, mon, 10, 30), 120, std::slice::from_ref(&pause));
        assert_eq!((s.used, s.paused, s.state), (90, 60, SlaState::OnTime));
        // A pause still running shows as such.
        let open = Pause { to: None, ..pause };
        let s = c.sla(start, None, at(&c, mon, 9, 30), 120, &[open]);
        assert_eq!(s.state, SlaState::Paused);
        // Over a weekend nothing is used.
        let fri = at(&c, date(2026, 12, 18), 15, 30);
        let s = c.sla(fri, None, at(&c, date(2026, 12, 21), 7, 30), 60, &[]);
        assert_eq!((s.used, s.state), (60, SlaState::AtRisk));
    }
}
