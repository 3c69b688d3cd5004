//! A generated planning instance for benchmarks: `cargo run -p jempol-plan --example
//! gen_instance -- VISITS [SEED]` prints it as JSON. Deterministic: homes spread over about
//! 45 × 45 km around the kantor kecamatan (a kabupaten's reach), 10 % bedridden, 8 % ODGJ,
//! ages 60–95, 10 % with a morning window; one team per 120 visits over the SOP's 10 working
//! days from Monday 14 December 2026.

use jempol_plan::{Instance, Point, Team, Visit, Window};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().unwrap_or_else(|| "50".into()).parse()?;
    let seed: u64 = args.next().unwrap_or_else(|| "7".into()).parse()?;
    let mut g = Gen(seed.max(1).wrapping_mul(0x9E37_79B9));
    let depot = Point {
        lat: -7.777611,
        lng: 111.544322,
    };
    let morning = Window {
        date: None,
        from: jiff::civil::time(8, 0, 0, 0),
        to: jiff::civil::time(11, 0, 0, 0),
    };
    let visits = (0..n)
        .map(|i| Visit {
            id: format!("v{i}"),
            lat: depot.lat + (g.unit() - 0.5) * 0.4,
            lng: depot.lng + (g.unit() - 0.5) * 0.4,
            bedridden: g.next().is_multiple_of(10),
            odgj: g.next().is_multiple_of(12),
            age: Some(60 + (g.next() % 36) as u16),
            service_minutes: None,
            windows: if g.next().is_multiple_of(10) {
                vec![morning]
            } else {
                vec![]
            },
            lock: None,
        })
        .collect();
    let teams = n.div_ceil(120).max(1);
    let inst = Instance {
        depot,
        days: vec![],
        start_date: Some(jiff::civil::date(2026, 12, 14)),
        working_days: 10,
        holidays: vec![],
        office_hours: None,
        travel: Default::default(),
        service: Default::default(),
        teams: (0..teams)
            .map(|t| Team {
                id: format!("tim-{}", t + 1),
                members: vec![],
                kit: None,
            })
            .collect(),
        visits,
    };
    println!("{}", serde_json::to_string(&inst)?);
    Ok(())
}
