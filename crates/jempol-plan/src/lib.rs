//! The home-visit planner of SOP step 4. Residents to visit, recording teams and working days
//! go in; out comes, per team per day, an ordered list of visits with arrival times, and the
//! residents that do not fit with the reason and how many more team-days would fit them.
//!
//! Pure and deterministic: travel times come from coordinates (haversine × road factor ÷
//! speed), whole minutes throughout; the search (`solver`: cheapest insertion, then ruin and
//! recreate) draws from one generator seeded by the caller; and every schedule in the answer is
//! recomputed from the visit order, so `check` verifies a plan independently of the search.
//! Why not vrp-core: see docs/planner.md.

pub mod model;
mod solver;

use jempol_core::calendar::{self, Hours, OfficeHours, minute_of_day};
use jiff::civil::{Date, Time};
pub use model::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Earth radius, km.
const EARTH_KM: f64 = 6371.0;
const DAY: i64 = 1440;

/// Straight-line distance, km.
pub fn haversine_km(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lng - a.lng).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * EARTH_KM * h.sqrt().min(1.0).asin()
}

/// Road distance (km) and travel time (whole minutes, rounded up) between two points.
pub fn travel(t: &Travel, a: Point, b: Point) -> (f64, i64) {
    let km = haversine_km(a, b) * t.road_factor;
    let minutes = (km / t.speed_kmh * 60.0).ceil() as i64;
    (km, minutes.max(0))
}

/// Options of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub seed: u64,
    /// Stops the search after this many seconds (the plan is then the best found so far).
    pub time_limit_secs: usize,
    /// Stops the search after this many generations: with the same seed the same plan.
    pub generations: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            time_limit_secs: 30,
            generations: 300,
        }
    }
}

/// The instance with its days resolved and its times in minutes from the first day's midnight.
struct Resolved<'a> {
    inst: &'a Instance,
    days: Vec<(Date, Hours)>,
    /// Index 0: the depot; then the visits in order.
    points: Vec<Point>,
}

fn at(t: Time) -> i64 {
    i64::from(minute_of_day(t))
}

fn time_of(minutes_of_day: i64) -> Time {
    let m = minutes_of_day.clamp(0, DAY - 1);
    Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap_or(Time::midnight())
}

impl<'a> Resolved<'a> {
    fn new(inst: &'a Instance) -> Result<Resolved<'a>, PlanError> {
        if inst.teams.is_empty() {
            return Err(PlanError::NoTeams);
        }
        if !(inst.travel.speed_kmh > 0.0 && inst.travel.road_factor > 0.0) {
            return Err(PlanError::BadTravel);
        }
        let mut seen = HashSet::new();
        for t in &inst.teams {
            if !seen.insert(t.id.as_str()) {
                return Err(PlanError::DuplicateTeam(t.id.clone()));
            }
        }
        let mut seen = HashSet::new();
        for v in &inst.visits {
            if !seen.insert(v.id.as_str()) {
                return Err(PlanError::DuplicateVisit(v.id.clone()));
            }
        }
        let hours = inst.office_hours.clone().unwrap_or_default();
        let mut dates = if inst.days.is_empty() {
            let mut holidays = calendar::builtin_holidays();
            holidays.extend(inst.holidays.iter().map(|d| calendar::Holiday {
                date: *d,
                name: "libur setempat".into(),
                kind: "lokal".into(),
            }));
            let start = inst.start_date.ok_or(PlanError::NoDays)?;
            calendar::working_days(start, inst.working_days, &hours, &holidays)
        } else {
            inst.days.clone()
        };
        dates.sort();
        dates.dedup();
        let mut days = Vec::new();
        for d in dates {
            let h = hours.on(d).ok_or(PlanError::NotAWorkingDay(d))?;
            days.push((d, h));
        }
        if days.is_empty() {
            return Err(PlanError::NoDays);
        }
        let mut points = vec![inst.depot];
        points.extend(inst.visits.iter().map(Visit::point));
        Ok(Resolved { inst, days, points })
    }

    fn minutes(&self, a: usize, b: usize) -> i64 {
        travel(&self.inst.travel, self.points[a], self.points[b]).1
    }

    /// When visit `v` may start on day `d`: its windows of that day, or the whole day.
    fn windows_on(&self, v: &Visit, d: Date, h: Hours) -> Vec<(i64, i64)> {
        if v.lock.as_ref().is_some_and(|l| l.date != d) {
            return vec![];
        }
        if v.windows.is_empty() {
            return vec![(at(h.from), at(h.to))];
        }
        v.windows
            .iter()
            .filter(|w| w.date.is_none_or(|x| x == d))
            .map(|w| (at(w.from).max(at(h.from)), at(w.to).min(at(h.to))))
            .filter(|(a, b)| a <= b)
            .collect()
    }

    /// Why a visit can never fit on its own, if so.
    fn infeasible(&self, i: usize) -> Option<Unplanned> {
        let v = &self.inst.visits[i];
        let id = v.id.clone();
        if !(-90.0..=90.0).contains(&v.lat) || !(-180.0..=180.0).contains(&v.lng) || (v.lat == 0.0 && v.lng == 0.0) {
            return Some(Unplanned {
                id,
                code: "invalid_location".into(),
                reason:
                    "Koordinat rumah tidak sah. Perbaiki koordinatnya, atau kosongkan agar titik tengah desa dipakai."
                        .into(),
            });
        }
        if let Some(l) = &v.lock
            && (!self.inst.teams.iter().any(|t| t.id == l.team) || !self.days.iter().any(|(d, _)| *d == l.date))
        {
            return Some(Unplanned {
                id,
                code: "lock_outside_plan".into(),
                reason: format!(
                    "Dikunci ke {} pada {}, tetapi tim atau hari itu tidak ada dalam rencana ini. Buka kuncinya atau pindahkan.",
                    l.team, l.date
                ),
            });
        }
        let out = self.minutes(0, i + 1);
        let back = self.minutes(i + 1, 0);
        let service = i64::from(v.service(&self.inst.service));
        let mut fits_a_day = false;
        for (d, h) in &self.days {
            let day_ok = at(h.from) + out + service + back <= at(h.to);
            fits_a_day |= day_ok;
            for (a, b) in self.windows_on(v, *d, *h) {
                let start = (at(h.from) + out).max(a);
                if start <= b && start + service + back <= at(h.to) {
                    return None;
                }
            }
        }
        Some(if fits_a_day {
            Unplanned {
                id,
                code: "window_outside_days".into(),
                reason: "Waktu warga ada di rumah tidak jatuh pada hari dan jam kerja jadwal ini. Tanyakan waktu lain kepada keluarga."
                    .into(),
            }
        } else {
            Unplanned {
                id,
                code: "too_far".into(),
                reason: format!(
                    "Terlalu jauh: pergi-pulang {} menit ditambah {} menit perekaman melebihi satu hari kerja.",
                    out + back,
                    service
                ),
            }
        })
    }

    /// The schedule of a team's day for visits in this order, or `None` when it does not fit
    /// (a window missed, or back after office hours).
    fn schedule(&self, team: &str, day: usize, order: &[usize]) -> Option<Route> {
        let (d, h) = self.days[day];
        let mut t = at(h.from);
        let mut prev = 0usize;
        let mut stops = Vec::new();
        let (mut travel_min, mut km) = (0i64, 0f64);
        for &i in order {
            let v = &self.inst.visits[i];
            let (dk, dm) = travel(&self.inst.travel, self.points[prev], self.points[i + 1]);
            let arrival = t + dm;
            let start = self
                .windows_on(v, d, h)
                .into_iter()
                .filter(|(_, b)| *b >= arrival)
                .map(|(a, _)| a.max(arrival))
                .min()?;
            let end = start + i64::from(v.service(&self.inst.service));
            stops.push(Stop {
                id: v.id.clone(),
                arrival: time_of(arrival),
                start: time_of(start),
                end: time_of(end),
                travel_minutes: dm as u32,
                priority: v.is_priority(),
            });
            travel_min += dm;
            km += dk;
            t = end;
            prev = i + 1;
        }
        let (dk, dm) = travel(&self.inst.travel, self.points[prev], self.points[0]);
        let back = t + dm;
        if back > at(h.to) {
            return None;
        }
        Some(Route {
            team: team.to_string(),
            date: d,
            leave: h.from,
            back: time_of(back),
            travel_minutes: (travel_min + dm) as u32,
            distance_km: ((km + dk) * 10.0).round() / 10.0,
            stops,
        })
    }
}

/// The visit orders found: (team, day index) → visit indices.
type Orders = BTreeMap<(String, usize), Vec<usize>>;

/// Plans the visits. The same instance and options give the same plan, unless the time limit
/// stops the search before the generation limit.
pub fn plan(inst: &Instance, opts: Options) -> Result<Plan, PlanError> {
    let r = Resolved::new(inst)?;
    let mut unplanned: Vec<Unplanned> = Vec::new();
    let mut candidates = Vec::new();
    for i in 0..inst.visits.len() {
        match r.infeasible(i) {
            Some(u) => unplanned.push(u),
            None => candidates.push(i),
        }
    }
    let model = solver::Model::new(&r, &candidates);
    let found = solver::solve(&model, &candidates, opts.seed, opts.generations, opts.time_limit_secs);
    let orders: Orders = found
        .orders(&model)
        .into_iter()
        .map(|(team, day, order)| ((inst.teams[team].id.clone(), day), order))
        .collect();
    // Recompute every day's schedule from the order (the answer never relies on the solver's
    // own timing), then put each team's days with the most priority visits first.
    let mut routes = Vec::new();
    let mut planned: HashSet<usize> = HashSet::new();
    for team in &inst.teams {
        let mine: Vec<(usize, Vec<usize>)> = orders
            .iter()
            .filter(|((t, _), _)| *t == team.id)
            .map(|((_, d), o)| (*d, o.clone()))
            .collect();
        for (day, order) in priorities_first(&r, &team.id, mine) {
            match r.schedule(&team.id, day, &order) {
                Some(route) => {
                    planned.extend(order.iter().copied());
                    routes.push(route);
                }
                None => {
                    for i in order {
                        unplanned.push(no_room(&inst.visits[i]));
                    }
                }
            }
        }
    }
    for &i in &candidates {
        if !planned.contains(&i) && !unplanned.iter().any(|u| u.id == inst.visits[i].id) {
            unplanned.push(no_room(&inst.visits[i]));
        }
    }
    routes.sort_by(|a, b| (a.date, &a.team).cmp(&(b.date, &b.team)));
    let order_of: HashMap<&str, usize> = inst
        .visits
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.as_str(), i))
        .collect();
    unplanned.sort_by_key(|u| order_of.get(u.id.as_str()).copied().unwrap_or(usize::MAX));
    let summary = summarize(&r, &routes, &unplanned);
    Ok(Plan {
        days: r.days.iter().map(|(d, _)| *d).collect(),
        routes,
        unplanned,
        summary,
        seed: opts.seed,
    })
}

fn no_room(v: &Visit) -> Unplanned {
    Unplanned {
        id: v.id.clone(),
        code: "no_room".into(),
        reason: "Tidak cukup waktu tim dalam hari-hari jadwal ini. Tambah tim atau hari kunjungan (lihat perkiraan hari-tim tambahan)."
            .into(),
    }
}

/// A team's days reordered so that days with more priority visits come first, where a day's
/// visits fit on the earlier date (windows and office hours checked); otherwise as found.
fn priorities_first(r: &Resolved<'_>, team: &str, found: Vec<(usize, Vec<usize>)>) -> Vec<(usize, Vec<usize>)> {
    let count = |o: &Vec<usize>| o.iter().filter(|i| r.inst.visits[**i].is_priority()).count();
    let mut remaining: Vec<Vec<usize>> = found.iter().map(|(_, o)| o.clone()).collect();
    let mut out = Vec::new();
    for day in 0..r.days.len() {
        if remaining.is_empty() {
            break;
        }
        let best = remaining
            .iter()
            .enumerate()
            .filter(|(_, o)| r.schedule(team, day, o).is_some())
            .max_by_key(|(k, o)| (count(o), o.len(), std::cmp::Reverse(*k)))
            .map(|(k, _)| k);
        if let Some(k) = best {
            out.push((day, remaining.remove(k)));
        }
    }
    if remaining.is_empty() { out } else { found }
}

fn summarize(r: &Resolved<'_>, routes: &[Route], unplanned: &[Unplanned]) -> Summary {
    let planned: usize = routes.iter().map(|x| x.stops.len()).sum();
    let no_room = unplanned.iter().filter(|u| u.code == "no_room").count();
    // Minutes a planned visit costs on average (its share of travel and its recording), or,
    // with nothing planned, one visit's round trip.
    let used: i64 = routes.iter().map(|x| at(x.back) - at(x.leave)).sum();
    let day_len = r.days.iter().map(|(_, h)| i64::from(h.minutes())).sum::<i64>() / r.days.len().max(1) as i64;
    let per_visit = if planned > 0 {
        used as f64 / planned as f64
    } else {
        f64::from(r.inst.service.default_minutes) + 60.0
    };
    let extra = if no_room == 0 || day_len <= 0 {
        0
    } else {
        ((no_room as f64 * per_visit) / day_len as f64).ceil() as usize
    };
    Summary {
        visits: r.inst.visits.len(),
        planned,
        unplanned: unplanned.len(),
        team_days_available: r.days.len() * r.inst.teams.len(),
        team_days_used: routes.len(),
        travel_minutes: routes.iter().map(|x| u64::from(x.travel_minutes)).sum(),
        distance_km: (routes.iter().map(|x| x.distance_km).sum::<f64>() * 10.0).round() / 10.0,
        extra_team_days_needed: extra,
    }
}

/// Every rule a plan must keep, checked independently of how it was made: days are the
/// instance's working days; each team has at most one route a day; every visit is planned
/// exactly once or reported unplanned; each day's times follow from its order (no overlap,
/// travel included), recordings start inside the family's windows, and teams are back
/// within office hours. Returns the violations (empty: the plan is valid).
pub fn check(inst: &Instance, plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let r = match Resolved::new(inst) {
        Ok(r) => r,
        Err(e) => return vec![e.to_string()],
    };
    let hours: OfficeHours = inst.office_hours.clone().unwrap_or_default();
    let mut holidays = calendar::builtin_holidays();
    holidays.extend(inst.holidays.iter().map(|d| calendar::Holiday {
        date: *d,
        name: String::new(),
        kind: String::new(),
    }));
    let index: HashMap<&str, usize> = inst
        .visits
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.as_str(), i))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut team_days = HashSet::new();
    for route in &plan.routes {
        let Some(day) = r.days.iter().position(|(d, _)| *d == route.date) else {
            out.push(format!("{} {}: not a day of the plan", route.team, route.date));
            continue;
        };
        if inst.days.is_empty() && !calendar::is_working_day(route.date, &hours, &holidays) {
            out.push(format!("{}: not a working day", route.date));
        }
        if !inst.teams.iter().any(|t| t.id == route.team) {
            out.push(format!("unknown team {}", route.team));
        }
        if !team_days.insert((route.team.clone(), route.date)) {
            out.push(format!("{} has two routes on {}", route.team, route.date));
        }
        let mut order = Vec::new();
        for s in &route.stops {
            *seen.entry(s.id.as_str()).or_default() += 1;
            match index.get(s.id.as_str()) {
                Some(i) => order.push(*i),
                None => out.push(format!("unknown visit {}", s.id)),
            }
        }
        match r.schedule(&route.team, day, &order) {
            None => out.push(format!(
                "{} {}: the order does not fit (a window missed or back after office hours)",
                route.team, route.date
            )),
            Some(expected) if expected != *route => out.push(format!(
                "{} {}: times do not follow from the order",
                route.team, route.date
            )),
            Some(_) => {}
        }
        let (_, h) = r.days[day];
        if route.leave < h.from || route.back > h.to {
            out.push(format!("{} {}: outside office hours", route.team, route.date));
        }
        let mut prev_end: Option<Time> = None;
        for s in &route.stops {
            if prev_end.is_some_and(|p| s.arrival < p) || s.start < s.arrival || s.end <= s.start {
                out.push(format!("{} {}: {} overlaps", route.team, route.date, s.id));
            }
            if let Some(i) = index.get(s.id.as_str()) {
                let v = &inst.visits[*i];
                if let Some(l) = &v.lock
                    && (l.team != route.team || l.date != route.date)
                {
                    out.push(format!("{} is locked to {} on {}", s.id, l.team, l.date));
                }
                let ok = r
                    .windows_on(v, route.date, h)
                    .iter()
                    .any(|(a, b)| at(s.start) >= *a && at(s.start) <= *b);
                if !ok {
                    out.push(format!("{} starts outside its window on {}", s.id, route.date));
                }
            }
            prev_end = Some(s.end);
        }
    }
    for u in &plan.unplanned {
        *seen.entry(u.id.as_str()).or_default() += 1;
    }
    for v in &inst.visits {
        match seen.get(v.id.as_str()) {
            Some(1) => {}
            Some(n) => out.push(format!("{} appears {n} times", v.id)),
            None => out.push(format!("{} is neither planned nor unplanned", v.id)),
        }
    }
    out
}

/// Moves one visit to a team-day by hand (the user's adjustment of a plan): it goes where it
/// adds the least travel in that day, every other day stays as it is. Refused, with the
/// reason, when it does not fit there. `inst` is the plan's instance (with the new lock, if
/// the caller pins the visit).
pub fn move_visit(inst: &Instance, plan: &Plan, visit_id: &str, team: &str, date: Date) -> Result<Plan, PlanError> {
    let r = Resolved::new(inst)?;
    let index: HashMap<&str, usize> = inst
        .visits
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.as_str(), i))
        .collect();
    let v = *index
        .get(visit_id)
        .ok_or_else(|| PlanError::UnknownVisit(visit_id.to_string()))?;
    if !inst.teams.iter().any(|t| t.id == team) {
        return Err(PlanError::UnknownTeam(team.to_string()));
    }
    let day = r
        .days
        .iter()
        .position(|(d, _)| *d == date)
        .ok_or(PlanError::NotADayOfThePlan(date))?;
    let mut orders: Orders = Orders::new();
    for route in &plan.routes {
        let Some(dx) = r.days.iter().position(|(d, _)| *d == route.date) else {
            continue;
        };
        let order: Vec<usize> = route
            .stops
            .iter()
            .filter_map(|s| index.get(s.id.as_str()).copied())
            .filter(|i| *i != v)
            .collect();
        orders.insert((route.team.clone(), dx), order);
    }
    let target = orders.entry((team.to_string(), day)).or_default();
    let mut best: Option<(u32, Vec<usize>)> = None;
    for pos in 0..=target.len() {
        let mut o = target.clone();
        o.insert(pos, v);
        if let Some(route) = r.schedule(team, day, &o)
            && best.as_ref().is_none_or(|(t, _)| route.travel_minutes < *t)
        {
            best = Some((route.travel_minutes, o));
        }
    }
    let Some((_, order)) = best else {
        let why = match r.infeasible(v) {
            Some(u) => u.reason,
            None => "hari itu sudah penuh sampai jam kantor berakhir, atau waktu warga di rumah tidak cocok. Pilih hari atau tim lain."
                .to_string(),
        };
        return Err(PlanError::DoesNotFit {
            team: team.to_string(),
            date,
            why,
        });
    };
    *target = order;
    let mut routes = Vec::new();
    for ((t, d), order) in &orders {
        if order.is_empty() {
            continue;
        }
        match r.schedule(t, *d, order) {
            Some(route) => routes.push(route),
            None => {
                return Err(PlanError::DoesNotFit {
                    team: t.clone(),
                    date: r.days[*d].0,
                    why: "jadwal hari itu tidak lagi muat".into(),
                });
            }
        }
    }
    routes.sort_by(|a, b| (a.date, &a.team).cmp(&(b.date, &b.team)));
    let unplanned: Vec<Unplanned> = plan.unplanned.iter().filter(|u| u.id != visit_id).cloned().collect();
    let summary = summarize(&r, &routes, &unplanned);
    Ok(Plan {
        days: plan.days.clone(),
        routes,
        unplanned,
        summary,
        seed: plan.seed,
    })
}
