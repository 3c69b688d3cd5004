//! The search: cheapest insertion (priority visits first) to build a plan, then ruin and
//! recreate (large neighbourhood search) to improve it. Deterministic: the only randomness is
//! a SplitMix64 generator seeded by the caller, and every collection is iterated in index
//! order. Time windows are checked in O(1) per insertion with the latest start each stop can
//! bear (a forward pass for start times, a backward pass for slack).

use crate::Resolved;
use std::time::Instant;

/// The cost of leaving a person out, per unit of priority weight: far above any travel.
const UNPLANNED: i64 = 1_000_000;
/// The cost of using one more team-day.
const TEAM_DAY: i64 = 2_000;
/// Per day of the plan: finishing in fewer calendar days is better (the cost grows with the
/// day's position).
const LATER_DAY: i64 = 30;

pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6A09_E667_F3BC_C909)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// The problem in the solver's terms: visits 0..n, locations 0 (depot) and 1..=n.
pub(crate) struct Model {
    n: usize,
    /// Travel minutes between locations, (n+1)² when small enough, else computed on demand.
    matrix: Option<Vec<i32>>,
    points: Vec<crate::Point>,
    travel: crate::Travel,
    service: Vec<i64>,
    weight: Vec<i64>,
    /// Per visit, per day: the start windows (minutes of the day).
    windows: Vec<Vec<Vec<(i64, i64)>>>,
    /// Per route: (team index, day index, opening, closing).
    routes: Vec<(usize, usize, i64, i64)>,
    /// Per visit: the team it is locked to.
    team_lock: Vec<Option<usize>>,
}

impl Model {
    pub(crate) fn new(r: &Resolved<'_>, candidates: &[usize]) -> Model {
        let n = r.inst.visits.len();
        let points = r.points.clone();
        let matrix = (n < 3000).then(|| {
            let m = n + 1;
            let mut v = vec![0i32; m * m];
            for a in 0..m {
                for b in 0..m {
                    if a != b {
                        v[a * m + b] = crate::travel(&r.inst.travel, points[a], points[b]).1 as i32;
                    }
                }
            }
            v
        });
        let windows = r
            .inst
            .visits
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if !candidates.contains(&i) {
                    return vec![vec![]; r.days.len()];
                }
                r.days.iter().map(|(d, h)| r.windows_on(v, *d, *h)).collect()
            })
            .collect();
        let mut routes = Vec::new();
        for (day, (_, h)) in r.days.iter().enumerate() {
            for team in 0..r.inst.teams.len() {
                routes.push((team, day, crate::at(h.from), crate::at(h.to)));
            }
        }
        let team_lock = r
            .inst
            .visits
            .iter()
            .map(|v| {
                v.lock
                    .as_ref()
                    .and_then(|l| r.inst.teams.iter().position(|t| t.id == l.team))
            })
            .collect();
        Model {
            n,
            matrix,
            team_lock,
            travel: r.inst.travel,
            service: r
                .inst
                .visits
                .iter()
                .map(|v| i64::from(v.service(&r.inst.service)))
                .collect(),
            weight: r
                .inst
                .visits
                .iter()
                .map(|v| if v.is_priority() { 10 } else { 1 })
                .collect(),
            windows,
            routes,
            points,
        }
    }

    /// Travel minutes between locations (0 = depot, i+1 = visit i).
    fn t(&self, a: usize, b: usize) -> i64 {
        match &self.matrix {
            Some(m) => i64::from(m[a * (self.n + 1) + b]),
            None => crate::travel(&self.travel, self.points[a], self.points[b]).1,
        }
    }

    /// The earliest start at or after `arrival` inside a window of visit `v` on `day`, with
    /// that window's closing.
    fn start_at(&self, v: usize, day: usize, arrival: i64) -> Option<(i64, i64)> {
        self.windows[v][day]
            .iter()
            .filter(|(_, b)| *b >= arrival)
            .map(|(a, b)| (arrival.max(*a), *b))
            .min()
    }
}

/// One team-day's visits with the times the fast checks need.
#[derive(Clone)]
struct Route {
    visits: Vec<usize>,
    /// Start of each visit.
    start: Vec<i64>,
    /// Latest start of each visit that keeps the rest of the day feasible.
    latest: Vec<i64>,
    /// Travel minutes of the whole day.
    travel: i64,
}

#[derive(Clone)]
pub(crate) struct Solution {
    routes: Vec<Route>,
    unplanned: Vec<usize>,
}

impl Route {
    fn empty() -> Route {
        Route {
            visits: vec![],
            start: vec![],
            latest: vec![],
            travel: 0,
        }
    }

    /// Recomputes the times; `false` when the order does not fit.
    fn update(&mut self, m: &Model, k: usize) -> bool {
        let (_, day, open, close) = m.routes[k];
        let len = self.visits.len();
        self.start.clear();
        self.latest.clear();
        let (mut t, mut prev, mut travel) = (open, 0usize, 0i64);
        let mut closes = Vec::with_capacity(len);
        for &v in &self.visits {
            let d = m.t(prev, v + 1);
            travel += d;
            let Some((s, b)) = m.start_at(v, day, t + d) else {
                return false;
            };
            self.start.push(s);
            closes.push(b);
            t = s + m.service[v];
            prev = v + 1;
        }
        let back = m.t(prev, 0);
        travel += back;
        if t + back > close {
            return false;
        }
        self.travel = travel;
        self.latest = vec![0; len];
        let mut next_latest = close;
        let mut next = 0usize;
        for i in (0..len).rev() {
            let v = self.visits[i];
            let l = closes[i].min(next_latest - m.t(v + 1, next) - m.service[v]);
            self.latest[i] = l;
            next_latest = l;
            next = v + 1;
        }
        true
    }

    /// The cost of inserting `v` at `pos` (before the visit now there), if it fits.
    fn insertion(&self, m: &Model, k: usize, v: usize, pos: usize) -> Option<i64> {
        let (team, day, open, close) = m.routes[k];
        if m.team_lock[v].is_some_and(|t| t != team) {
            return None;
        }
        let (prev_loc, prev_end) = if pos == 0 {
            (0, open)
        } else {
            let p = self.visits[pos - 1];
            (p + 1, self.start[pos - 1] + m.service[p])
        };
        let (next_loc, next_latest) = if pos == self.visits.len() {
            (0, close)
        } else {
            (self.visits[pos] + 1, self.latest[pos])
        };
        let (s, _) = m.start_at(v, day, prev_end + m.t(prev_loc, v + 1))?;
        let arrive_next = s + m.service[v] + m.t(v + 1, next_loc);
        // The next stop's start only moves later; it must stay within what it can bear.
        let next_start = if pos == self.visits.len() {
            arrive_next
        } else {
            let nv = self.visits[pos];
            m.start_at(nv, day, arrive_next)?.0
        };
        if next_start > next_latest {
            return None;
        }
        let delta = m.t(prev_loc, v + 1) + m.t(v + 1, next_loc) - m.t(prev_loc, next_loc);
        Some(
            delta
                + if self.visits.is_empty() {
                    TEAM_DAY + LATER_DAY * day as i64
                } else {
                    0
                },
        )
    }
}

impl Solution {
    fn cost(&self, m: &Model) -> i64 {
        let unplanned: i64 = self.unplanned.iter().map(|v| m.weight[*v] * UNPLANNED).sum();
        let routes: i64 = self
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.visits.is_empty())
            .map(|(k, r)| TEAM_DAY + LATER_DAY * m.routes[k].1 as i64 + r.travel)
            .sum();
        unplanned + routes
    }

    /// Inserts each visit at its cheapest feasible place, priority visits first; what fits
    /// nowhere stays unplanned.
    fn recreate(&mut self, m: &Model, mut pending: Vec<usize>, rng: &mut Rng) {
        rng.shuffle(&mut pending);
        // Locked visits first (they have one place only), then by priority.
        pending.sort_by_key(|v| (m.team_lock[*v].is_none(), std::cmp::Reverse(m.weight[*v])));
        for v in pending {
            let mut best: Option<(i64, usize, usize)> = None;
            let mut tried_empty_day = vec![false; m.routes.len()];
            for (k, r) in self.routes.iter().enumerate() {
                // Empty team-days of the same day are alike: try the first only (unless the
                // visit is locked to one team).
                if r.visits.is_empty() && m.team_lock[v].is_none() {
                    let (_, day, _, _) = m.routes[k];
                    if tried_empty_day[day] {
                        continue;
                    }
                    tried_empty_day[day] = true;
                }
                for pos in 0..=r.visits.len() {
                    if let Some(c) = r.insertion(m, k, v, pos)
                        && best.is_none_or(|(bc, _, _)| c < bc)
                    {
                        best = Some((c, k, pos));
                    }
                }
            }
            match best {
                Some((_, k, pos)) => {
                    let r = &mut self.routes[k];
                    r.visits.insert(pos, v);
                    if !r.update(m, k) {
                        // Cannot happen when the checks agree; keep the plan valid anyway.
                        r.visits.remove(pos);
                        r.update(m, k);
                        self.unplanned.push(v);
                    }
                }
                None => self.unplanned.push(v),
            }
        }
    }

    /// Removes some visits: at random, around a visit, or a whole team-day.
    fn ruin(&mut self, m: &Model, rng: &mut Rng) -> Vec<usize> {
        // Locked visits stay where they are.
        let planned: Vec<usize> = self
            .routes
            .iter()
            .flat_map(|r| r.visits.iter().copied())
            .filter(|v| m.team_lock[*v].is_none())
            .collect();
        if planned.is_empty() {
            return std::mem::take(&mut self.unplanned);
        }
        let most = (planned.len() / 5).clamp(2, 40);
        let k = 1 + rng.below(most);
        let remove: Vec<usize> = match rng.below(4) {
            // Strings: around a visit, a run of consecutive visits from each of the few
            // team-days nearest to it (what lets days swap neighbourhoods).
            3 => {
                let centre = planned[rng.below(planned.len())];
                let mut near = planned.clone();
                near.sort_by_key(|v| (m.t(centre + 1, v + 1), *v));
                let mut out: Vec<usize> = Vec::new();
                let mut seen_routes = Vec::new();
                for v in near {
                    if out.len() >= k {
                        break;
                    }
                    let Some(ri) = self.routes.iter().position(|r| r.visits.contains(&v)) else {
                        continue;
                    };
                    if seen_routes.contains(&ri) {
                        continue;
                    }
                    seen_routes.push(ri);
                    let r = &self.routes[ri].visits;
                    let at = r.iter().position(|x| *x == v).unwrap_or(0);
                    let len = 1 + rng.below(r.len().clamp(1, 8));
                    let start = at.saturating_sub(rng.below(len));
                    out.extend(
                        r.iter()
                            .skip(start)
                            .take(len)
                            .copied()
                            .filter(|x| m.team_lock[*x].is_none()),
                    );
                }
                out
            }
            0 => {
                let mut p = planned.clone();
                rng.shuffle(&mut p);
                p.truncate(k);
                p
            }
            1 => {
                let centre = planned[rng.below(planned.len())];
                let mut p = planned.clone();
                p.sort_by_key(|v| (m.t(centre + 1, v + 1), *v));
                p.truncate(k);
                p
            }
            _ => {
                let used: Vec<usize> = (0..self.routes.len())
                    .filter(|i| !self.routes[*i].visits.is_empty())
                    .collect();
                let r = used[rng.below(used.len())];
                self.routes[r]
                    .visits
                    .iter()
                    .copied()
                    .filter(|v| m.team_lock[*v].is_none())
                    .collect()
            }
        };
        for (k, r) in self.routes.iter_mut().enumerate() {
            let before = r.visits.len();
            r.visits.retain(|v| !remove.contains(v));
            if r.visits.len() != before {
                r.update(m, k);
            }
        }
        let mut out = remove;
        out.append(&mut self.unplanned);
        out
    }

    /// The visit order of every used team-day: (team, day, visits).
    pub(crate) fn orders(&self, m: &Model) -> Vec<(usize, usize, Vec<usize>)> {
        self.routes
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.visits.is_empty())
            .map(|(k, r)| (m.routes[k].0, m.routes[k].1, r.visits.clone()))
            .collect()
    }
}

/// Builds a plan and improves it until the generation or time limit.
pub(crate) fn solve(
    m: &Model,
    candidates: &[usize],
    seed: u64,
    generations: usize,
    time_limit_secs: usize,
) -> Solution {
    let mut rng = Rng::new(seed);
    let mut current = Solution {
        routes: vec![Route::empty(); m.routes.len()],
        unplanned: vec![],
    };
    current.recreate(m, candidates.to_vec(), &mut rng);
    let mut best = current.clone();
    let (mut best_cost, mut cost) = (best.cost(m), current.cost(m));
    let started = Instant::now();
    // The search's length: the generation limit, or, when the time limit will stop it first
    // (judged once, after a few generations), the generations that fit in it. Only a
    // time-bound run depends on the machine's speed.
    let mut length = generations.max(1);
    for g in 0..generations {
        if best.unplanned.is_empty() && candidates.len() <= 1 {
            break;
        }
        if started.elapsed().as_secs() as usize >= time_limit_secs {
            break;
        }
        if g == 20 {
            let per = started.elapsed().as_secs_f64() / 20.0;
            if per > 0.0 {
                let fit = (time_limit_secs as f64 / per) as usize;
                if fit < length {
                    length = fit.max(21);
                }
            }
        }
        let mut next = current.clone();
        let removed = next.ruin(m, &mut rng);
        next.recreate(m, removed, &mut rng);
        let c = next.cost(m);
        // Accept improvements, and worsenings of up to 1 % of the travel early on, less and
        // less as the search goes (record-to-record travel).
        let left = 1.0 - (g as f64 / length as f64).min(1.0);
        let travel: i64 = current.routes.iter().map(|r| r.travel).sum();
        let threshold = 0.01 * travel as f64 * left * left * rng.unit();
        if c < cost || (c as f64) < cost as f64 + threshold {
            current = next;
            cost = c;
            if c < best_cost {
                best = current.clone();
                best_cost = c;
            }
        }
    }
    best
}
