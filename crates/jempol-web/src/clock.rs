//! Time is a parameter: only `SystemClock` reads the real clock; tests use `FakeClock`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond()
    }
}

/// A clock tests move by hand.
#[derive(Debug, Clone, Default)]
pub struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    pub fn at(ms: i64) -> FakeClock {
        FakeClock(Arc::new(AtomicI64::new(ms)))
    }
    pub fn advance_minutes(&self, m: i64) {
        self.0.fetch_add(m * 60_000, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Formats a timestamp for people in the office's zone (WIB).
pub fn format_wib(ms: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let Ok(tz) = jiff::tz::TimeZone::get("Asia/Jakarta") else {
        return ts.strftime("%Y-%m-%d %H:%M UTC").to_string();
    };
    ts.to_zoned(tz).strftime("%d-%m-%Y %H:%M WIB").to_string()
}

/// The civil date and time in WIB at a moment (for working-time measurement).
pub fn local_wib(ms: i64) -> jiff::civil::DateTime {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    match jiff::tz::TimeZone::get("Asia/Jakarta") {
        Ok(tz) => ts.to_zoned(tz).datetime(),
        Err(_) => (ts + jiff::SignedDuration::from_hours(7))
            .to_zoned(jiff::tz::TimeZone::UTC)
            .datetime(),
    }
}

/// The calendar date in WIB at a moment (office days are WIB days).
pub fn today_wib(ms: i64) -> jiff::civil::Date {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    match jiff::tz::TimeZone::get("Asia/Jakarta") {
        Ok(tz) => ts.to_zoned(tz).date(),
        Err(_) => (ts + jiff::SignedDuration::from_hours(7))
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date(),
    }
}

/// A date as an Indonesian office types it: `2026-12-14` (the date picker), `14-12-2026` or
/// `14/12/2026`.
pub fn parse_local_date(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let p: Vec<&str> = s.split(['-', '/']).collect();
    match p.as_slice() {
        [d, m, y] if y.len() == 4 => jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok(),
        _ => None,
    }
}
