//! The planner's input (an instance) and output (a plan), as JSON. Documented in
//! `docs/planner.md`.

use jempol_core::calendar::OfficeHours;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

/// A point on the map, decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lng: f64,
}

/// How travel time follows from coordinates: straight-line distance × road factor ÷ speed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Travel {
    /// Roads are longer than the straight line (1.3: a typical rural road network).
    pub road_factor: f64,
    /// Average speed of a team on a motorbike or car between villages, km/h.
    pub speed_kmh: f64,
}

impl Default for Travel {
    fn default() -> Self {
        Travel {
            road_factor: 1.3,
            speed_kmh: 30.0,
        }
    }
}

/// Time at the home, in minutes, by what the person needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub default_minutes: u32,
    /// ODGJ: calming, a health worker, more attempts.
    pub odgj_minutes: u32,
    /// Bedridden: the kit is set up at the bed.
    pub bedridden_minutes: u32,
}

impl Default for Service {
    fn default() -> Self {
        Service {
            default_minutes: 20,
            odgj_minutes: 40,
            bedridden_minutes: 30,
        }
    }
}

/// A recording team: its members and its recording kit; it starts and ends its day at the
/// kantor kecamatan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub kit: Option<String>,
}

/// When the family says the person is at home. Without a date it holds on every visit day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    #[serde(default)]
    pub date: Option<Date>,
    pub from: Time,
    pub to: Time,
}

/// A person to visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: String,
    /// The home, or the desa's centroid when the home is not known.
    pub lat: f64,
    pub lng: f64,
    #[serde(default)]
    pub odgj: bool,
    #[serde(default)]
    pub bedridden: bool,
    #[serde(default)]
    pub age: Option<u16>,
    /// Overrides the service time from `Service`.
    #[serde(default)]
    pub service_minutes: Option<u32>,
    #[serde(default)]
    pub windows: Vec<Window>,
    /// Pinned by the user to this team on this day; the search plans the others around it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<Lock>,
}

/// A visit pinned to a team-day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub team: String,
    pub date: Date,
}

impl Visit {
    /// Bedridden, ODGJ and the oldest (80 and over) are visited first.
    pub fn is_priority(&self) -> bool {
        self.bedridden || self.odgj || self.age.is_some_and(|a| a >= 80)
    }

    pub fn service(&self, s: &Service) -> u32 {
        self.service_minutes.unwrap_or(if self.odgj {
            s.odgj_minutes
        } else if self.bedridden {
            s.bedridden_minutes
        } else {
            s.default_minutes
        })
    }

    pub fn point(&self) -> Point {
        Point {
            lat: self.lat,
            lng: self.lng,
        }
    }
}

fn ten() -> usize {
    10
}

/// Everything the planner needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The kantor kecamatan: every team's day starts and ends there.
    pub depot: Point,
    /// The visit days. When empty: `working_days` working days from `start_date`, without
    /// weekends, national holidays, cuti bersama and `holidays`.
    #[serde(default)]
    pub days: Vec<Date>,
    #[serde(default)]
    pub start_date: Option<Date>,
    /// The SOP's standard for step 5: 10 working days.
    #[serde(default = "ten")]
    pub working_days: usize,
    /// Local days off besides the national ones.
    #[serde(default)]
    pub holidays: Vec<Date>,
    #[serde(default)]
    pub office_hours: Option<OfficeHours>,
    #[serde(default)]
    pub travel: Travel,
    #[serde(default)]
    pub service: Service,
    pub teams: Vec<Team>,
    pub visits: Vec<Visit>,
}

/// One visit in a team's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub id: String,
    /// When the team arrives.
    pub arrival: Time,
    /// When the recording starts (later than the arrival when the person is home only later).
    pub start: Time,
    pub end: Time,
    /// Travel from the previous place, minutes.
    pub travel_minutes: u32,
    pub priority: bool,
}

/// One team's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub team: String,
    pub date: Date,
    /// Leaves the kantor kecamatan.
    pub leave: Time,
    /// Back at the kantor kecamatan.
    pub back: Time,
    pub travel_minutes: u32,
    pub distance_km: f64,
    pub stops: Vec<Stop>,
}

/// A person the plan could not fit, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unplanned {
    pub id: String,
    /// `window_outside_days`, `too_far`, `invalid_location` or `no_room`.
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub visits: usize,
    pub planned: usize,
    pub unplanned: usize,
    pub team_days_available: usize,
    pub team_days_used: usize,
    pub travel_minutes: u64,
    pub distance_km: f64,
    /// How many more team-days would fit the people left out for lack of room (`no_room`).
    pub extra_team_days_needed: usize,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub days: Vec<Date>,
    pub routes: Vec<Route>,
    pub unplanned: Vec<Unplanned>,
    pub summary: Summary,
    pub seed: u64,
}

/// Why an instance cannot be planned at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("Tidak ada tim. Tambahkan paling sedikit satu tim perekaman.")]
    NoTeams,
    #[error("Tidak ada hari kunjungan: isi tanggal mulai atau daftar hari.")]
    NoDays,
    #[error("Hari {0} bukan hari kerja (tidak ada jam kantor).")]
    NotAWorkingDay(Date),
    #[error("Kode tim \"{0}\" dipakai lebih dari sekali.")]
    DuplicateTeam(String),
    #[error("Kode warga \"{0}\" dipakai lebih dari sekali.")]
    DuplicateVisit(String),
    #[error("Pengaturan perjalanan tidak masuk akal: kecepatan dan faktor jalan harus lebih dari 0.")]
    BadTravel,
    #[error("Perencana gagal: {0}")]
    Solver(String),
    #[error("Warga \"{0}\" tidak ada dalam rencana ini.")]
    UnknownVisit(String),
    #[error("Tim \"{0}\" tidak ada dalam rencana ini.")]
    UnknownTeam(String),
    #[error("Tanggal {0} bukan hari kunjungan rencana ini.")]
    NotADayOfThePlan(Date),
    #[error("Kunjungan tidak muat di {team} pada {date}: {why}")]
    DoesNotFit { team: String, date: Date, why: String },
}

/// "08.00", "8:30", "13" → a time of day.
fn clock(s: &str) -> Option<Time> {
    let s = s.trim();
    let (h, m) = match s.split_once(['.', ':']) {
        Some((h, m)) => (h, m),
        None => (s, "0"),
    };
    let (h, m): (i8, i8) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    Time::new(h, m, 0, 0).ok()
}

/// A date as villages write it: `16-12-2026`, `16/12/2026` or `2026-12-16`.
fn day(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Some(d);
    }
    let p: Vec<&str> = s.split(['-', '/']).collect();
    match p.as_slice() {
        [d, m, y] if y.len() == 4 => Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok(),
        _ => None,
    }
}

/// When a family says the person is at home, as typed: time ranges separated by `;` or new
/// lines, each for every day (`08.00-11.00`) or one date (`16-12-2026 13.00-14.00`).
pub fn parse_home_times(text: &str) -> Result<Vec<Window>, String> {
    let mut out = Vec::new();
    for part in text.split([';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let explain = || {
            format!(
                "\"{part}\" tidak terbaca. Tulis seperti 08.00-11.00 (setiap hari) atau 16-12-2026 13.00-14.00 (hari itu saja); pisahkan beberapa waktu dengan titik koma."
            )
        };
        let (date, range) = match part.split_once(char::is_whitespace) {
            Some((d, r)) => (Some(day(d).ok_or_else(explain)?), r.trim()),
            None => (None, part),
        };
        let (a, b) = range
            .split_once(['-', '–', '—'])
            .or_else(|| range.split_once(" s.d. "))
            .ok_or_else(explain)?;
        let (from, to) = (clock(a).ok_or_else(explain)?, clock(b).ok_or_else(explain)?);
        if to <= from {
            return Err(format!("\"{part}\": jam selesai harus sesudah jam mulai."));
        }
        out.push(Window { date, from, to });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    #[test]
    fn home_times_as_families_give_them() {
        assert_eq!(parse_home_times("").unwrap(), vec![]);
        let w = parse_home_times("08.00-11.00; 16-12-2026 13:00 - 14.30\n9-10").unwrap();
        assert_eq!(
            w,
            vec![
                Window {
                    date: None,
                    from: time(8, 0, 0, 0),
                    to: time(11, 0, 0, 0)
                },
                Window {
                    date: Some(date(2026, 12, 16)),
                    from: time(13, 0, 0, 0),
                    to: time(14, 30, 0, 0)
                },
                Window {
                    date: None,
                    from: time(9, 0, 0, 0),
                    to: time(10, 0, 0, 0)
                },
            ]
        );
        assert!(parse_home_times("pagi").unwrap_err().contains("tidak terbaca"));
        assert!(
            parse_home_times("11.00-08.00")
                .unwrap_err()
                .contains("sesudah jam mulai")
        );
        assert!(
            parse_home_times("31-02-2026 08.00-09.00")
                .unwrap_err()
                .contains("tidak terbaca")
        );
        assert!(parse_home_times("25.00-26.00").is_err());
    }
}
