//! Every plan constraint on generated instances: visit days are working days (no weekend,
//! national holiday or cuti bersama), no team is in two places at once, teams leave and return
//! within office hours, recordings start inside the family's windows, priorities come first,
//! every resident is planned once or reported with a reason; and the same instance and seed
//! give the same plan.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jempol_core::calendar::{Hours, OfficeHours};
use jempol_plan::{Instance, Lock, Options, Point, Team, Visit, Window, check, move_visit, plan};
use jiff::civil::{Time, date};

/// The kantor kecamatan Dolopo.
const DEPOT: Point = Point {
    lat: -7.777611,
    lng: 111.544322,
};

/// A deterministic generator (xorshift) for instances.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

fn instance(n: usize, teams: usize, seed: u64) -> Instance {
    let mut g = Gen(seed.max(1));
    let visits = (0..n)
        .map(|i| {
            // Homes within about 12 km of the office.
            Visit {
                id: format!("w{i:03}"),
                lat: DEPOT.lat + (g.unit() - 0.5) * 0.2,
                lng: DEPOT.lng + (g.unit() - 0.5) * 0.2,
                odgj: g.next().is_multiple_of(10),
                bedridden: g.next().is_multiple_of(8),
                age: Some(60 + (g.next() % 35) as u16),
                service_minutes: None,
                windows: vec![],
                lock: None,
            }
        })
        .collect();
    Instance {
        depot: DEPOT,
        days: vec![],
        start_date: Some(date(2026, 12, 14)),
        working_days: 10,
        holidays: vec![],
        office_hours: None,
        travel: Default::default(),
        service: Default::default(),
        teams: (0..teams)
            .map(|t| Team {
                id: format!("tim-{}", t + 1),
                members: vec![],
                kit: Some(format!("kit-{}", t + 1)),
            })
            .collect(),
        visits,
    }
}

fn quick() -> Options {
    Options {
        seed: 7,
        time_limit_secs: 60,
        generations: 40,
    }
}

#[test]
fn a_generated_kecamatan_is_planned_within_every_rule() {
    let inst = instance(60, 2, 42);
    let p = plan(&inst, quick()).unwrap();
    assert_eq!(check(&inst, &p), Vec::<String>::new());
    assert_eq!(p.summary.planned + p.summary.unplanned, 60);
    assert_eq!(
        p.summary.unplanned, 0,
        "60 visits fit 2 teams × 10 days: {:?}",
        p.unplanned
    );
    // Ten working days from Monday 14 December 2026: no weekend, no 24 (cuti bersama) or 25
    // (Christmas) December.
    assert_eq!(p.days.len(), 10);
    for d in &p.days {
        assert!(!matches!(
            d.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ));
        assert!(*d != date(2026, 12, 24) && *d != date(2026, 12, 25), "{d}");
    }
    assert_eq!(p.days[9], date(2026, 12, 29));
    // Arrival times are real clock times within office hours, in order.
    for r in &p.routes {
        assert!(r.leave >= Time::constant(7, 30, 0, 0) && r.back <= Time::constant(16, 30, 0, 0));
        assert!(r.stops.windows(2).all(|w| w[0].end <= w[1].arrival));
    }
    assert!(p.summary.travel_minutes > 0 && p.summary.team_days_used <= 20);
}

#[test]
fn the_same_instance_and_seed_give_the_same_plan() {
    let inst = instance(40, 2, 5);
    let a = plan(&inst, quick()).unwrap();
    let b = plan(&inst, quick()).unwrap();
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
}

#[test]
fn family_time_windows_are_kept_and_impossible_ones_are_explained() {
    let mut inst = instance(20, 1, 9);
    // Home only on Wednesday 16 December, 13:00-14:00.
    inst.visits[0].windows = vec![Window {
        date: Some(date(2026, 12, 16)),
        from: Time::constant(13, 0, 0, 0),
        to: Time::constant(14, 0, 0, 0),
    }];
    // Home only in the mornings.
    inst.visits[1].windows = vec![Window {
        date: None,
        from: Time::constant(8, 0, 0, 0),
        to: Time::constant(9, 30, 0, 0),
    }];
    // Home only on a Saturday: never a visit day.
    inst.visits[2].windows = vec![Window {
        date: Some(date(2026, 12, 19)),
        from: Time::constant(9, 0, 0, 0),
        to: Time::constant(12, 0, 0, 0),
    }];
    // In Surabaya, far beyond a day's round trip.
    inst.visits[3].lat = -7.2575;
    inst.visits[3].lng = 112.7521;
    inst.visits[3].service_minutes = Some(120);
    inst.travel.speed_kmh = 20.0;
    // No coordinates at all.
    inst.visits[4].lat = 0.0;
    inst.visits[4].lng = 0.0;
    let p = plan(&inst, quick()).unwrap();
    assert_eq!(check(&inst, &p), Vec::<String>::new());
    let stop = |id: &str| {
        p.routes
            .iter()
            .find_map(|r| r.stops.iter().find(|s| s.id == id).map(|s| (r.date, s.clone())))
    };
    let (d0, s0) = stop("w000").expect("w000 is planned");
    assert_eq!(d0, date(2026, 12, 16));
    assert!(s0.start >= Time::constant(13, 0, 0, 0) && s0.start <= Time::constant(14, 0, 0, 0));
    let (_, s1) = stop("w001").expect("w001 is planned");
    assert!(s1.start <= Time::constant(9, 30, 0, 0));
    let code = |id: &str| p.unplanned.iter().find(|u| u.id == id).map(|u| u.code.as_str());
    assert_eq!(code("w002"), Some("window_outside_days"));
    assert_eq!(code("w003"), Some("too_far"));
    assert_eq!(code("w004"), Some("invalid_location"));
    assert!(p.unplanned.iter().all(|u| !u.reason.is_empty()));
}

#[test]
fn when_not_everyone_fits_priorities_are_kept_and_the_shortfall_is_counted() {
    // 70 people, one team, three days: many will not fit.
    let mut inst = instance(70, 1, 11);
    inst.days = vec![date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16)];
    let p = plan(&inst, quick()).unwrap();
    assert_eq!(check(&inst, &p), Vec::<String>::new());
    assert!(p.summary.unplanned > 0);
    assert!(p.unplanned.iter().all(|u| u.code == "no_room"));
    assert!(p.summary.extra_team_days_needed >= 1, "{:?}", p.summary);
    let priority_left = p
        .unplanned
        .iter()
        .filter(|u| inst.visits.iter().any(|v| v.id == u.id && v.is_priority()))
        .count();
    let priority_total = inst.visits.iter().filter(|v| v.is_priority()).count();
    let planned = p.summary.planned;
    assert!(
        priority_left == 0 || planned < priority_total,
        "bedridden, ODGJ and 80+ are planned before others ({priority_left} left out)"
    );
}

#[test]
fn days_with_priority_visits_come_first() {
    // Same hours every day, no windows: any day's route fits any other day.
    let mut inst = instance(50, 2, 3);
    let h = Hours {
        from: Time::constant(7, 30, 0, 0),
        to: Time::constant(16, 0, 0, 0),
    };
    let mut hours = OfficeHours(Default::default());
    for k in ["mon", "tue", "wed", "thu", "fri"] {
        hours.0.insert(k.to_string(), h);
    }
    inst.office_hours = Some(hours);
    let p = plan(&inst, quick()).unwrap();
    assert_eq!(check(&inst, &p), Vec::<String>::new());
    for team in &inst.teams {
        let counts: Vec<usize> = p
            .routes
            .iter()
            .filter(|r| r.team == team.id)
            .map(|r| r.stops.iter().filter(|s| s.priority).count())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{}: {counts:?}", team.id);
    }
}

#[test]
fn bad_instances_are_refused_with_the_reason() {
    let mut inst = instance(3, 1, 1);
    inst.teams.clear();
    assert!(plan(&inst, quick()).unwrap_err().to_string().contains("Tidak ada tim"));
    let mut inst = instance(3, 1, 1);
    inst.start_date = None;
    assert!(plan(&inst, quick()).unwrap_err().to_string().contains("Tidak ada hari"));
    let mut inst = instance(3, 1, 1);
    inst.days = vec![date(2026, 12, 19)];
    assert!(
        plan(&inst, quick())
            .unwrap_err()
            .to_string()
            .contains("bukan hari kerja")
    );
    let mut inst = instance(3, 1, 1);
    inst.visits[1].id = inst.visits[0].id.clone();
    assert!(
        plan(&inst, quick())
            .unwrap_err()
            .to_string()
            .contains("lebih dari sekali")
    );
    // A forged plan is caught by the checker.
    let inst = instance(10, 1, 2);
    let mut p = plan(&inst, quick()).unwrap();
    p.routes[0].stops[0].start = Time::constant(6, 0, 0, 0);
    assert!(!check(&inst, &p).is_empty());
    let mut p = plan(&inst, quick()).unwrap();
    let dup = p.routes[0].stops[0].id.clone();
    p.unplanned.push(jempol_plan::Unplanned {
        id: dup,
        code: "no_room".into(),
        reason: "x".into(),
    });
    assert!(check(&inst, &p).iter().any(|e| e.contains("appears 2 times")));
}

#[test]
fn locked_visits_stay_on_their_team_day_and_the_rest_is_planned_around_them() {
    let mut inst = instance(30, 2, 21);
    inst.visits[5].lock = Some(Lock {
        team: "tim-2".into(),
        date: date(2026, 12, 22),
    });
    inst.visits[6].lock = Some(Lock {
        team: "tim-9".into(),
        date: date(2026, 12, 22),
    });
    let p = plan(&inst, quick()).unwrap();
    assert_eq!(check(&inst, &p), Vec::<String>::new());
    let on = |id: &str| {
        p.routes
            .iter()
            .find(|r| r.stops.iter().any(|s| s.id == id))
            .map(|r| (r.team.clone(), r.date))
    };
    assert_eq!(on("w005"), Some(("tim-2".to_string(), date(2026, 12, 22))));
    // A lock to a team that does not exist is reported, not silently dropped.
    let u = p.unplanned.iter().find(|u| u.id == "w006").unwrap();
    assert_eq!(u.code, "lock_outside_plan");
}

#[test]
fn a_visit_moved_by_hand_goes_to_that_team_day_and_nothing_else_changes() {
    let mut inst = instance(24, 2, 17);
    let before = plan(&inst, quick()).unwrap();
    let (from_team, from_date) = {
        let r = &before.routes[0];
        (r.team.clone(), r.date)
    };
    let id = before.routes[0].stops[0].id.clone();
    let to_date = date(2026, 12, 29);
    let to_team = if from_team == "tim-1" { "tim-2" } else { "tim-1" };
    let i = inst.visits.iter().position(|v| v.id == id).unwrap();
    inst.visits[i].lock = Some(Lock {
        team: to_team.into(),
        date: to_date,
    });
    let after = move_visit(&inst, &before, &id, to_team, to_date).unwrap();
    assert_eq!(check(&inst, &after), Vec::<String>::new());
    let route = after
        .routes
        .iter()
        .find(|r| r.team == to_team && r.date == to_date)
        .unwrap();
    assert!(route.stops.iter().any(|s| s.id == id));
    // Every other day keeps its visits in the same order.
    for r in &before.routes {
        if (r.team == from_team && r.date == from_date) || (r.team == to_team && r.date == to_date) {
            continue;
        }
        let same = after
            .routes
            .iter()
            .find(|x| x.team == r.team && x.date == r.date)
            .unwrap();
        let ids: Vec<&str> = same.stops.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, r.stops.iter().map(|s| s.id.as_str()).collect::<Vec<_>>());
    }
    assert_eq!(after.summary.planned, before.summary.planned);
    // Not onto a Saturday, not to a team that does not exist, not into a full day.
    assert!(
        move_visit(&inst, &before, &id, to_team, date(2026, 12, 19))
            .unwrap_err()
            .to_string()
            .contains("bukan hari kunjungan")
    );
    assert!(
        move_visit(&inst, &before, &id, "tim-7", to_date)
            .unwrap_err()
            .to_string()
            .contains("tidak ada")
    );
    let mut tight = inst.clone();
    tight.visits[i].windows = vec![Window {
        date: None,
        from: Time::constant(6, 0, 0, 0),
        to: Time::constant(7, 0, 0, 0),
    }];
    let err = move_visit(&tight, &before, &id, to_team, to_date)
        .unwrap_err()
        .to_string();
    assert!(err.contains("tidak muat"), "{err}");
}

#[test]
fn a_full_team_day_takes_no_more_visits_moved_by_hand() {
    // Visits of three and a half hours: two fill a team's day from 07:30 to 16:30.
    let mut inst = instance(12, 1, 23);
    for v in &mut inst.visits {
        v.service_minutes = Some(210);
    }
    let p = plan(&inst, quick()).unwrap();
    assert_eq!(check(&inst, &p), Vec::<String>::new());
    let full = p.routes.iter().max_by_key(|r| r.stops.len()).unwrap();
    assert_eq!(full.stops.len(), 2, "two visits fill a day: {:?}", p.routes);
    let other = p
        .routes
        .iter()
        .find(|r| r.date != full.date && !r.stops.is_empty())
        .unwrap();
    let id = other.stops[0].id.clone();
    let err = move_visit(&inst, &p, &id, &full.team, full.date)
        .unwrap_err()
        .to_string();
    assert!(err.contains("tidak muat"), "{err}");
    // A day with room takes it.
    let roomy = p.routes.iter().find(|r| r.stops.len() < 2 && r.date != other.date);
    if let Some(r) = roomy {
        assert!(move_visit(&inst, &p, &id, &r.team, r.date).is_ok());
    }
}
