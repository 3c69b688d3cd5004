//! Realistic synthetic data for Kecamatan Dolopo: Javanese names, valid NIKs (prefix 351902)
//! whose birth date and sex match the record, No. KK from the same region, real desa codes,
//! and categories in the proportions the SOP meets (mostly lansia, then disabilitas, ODGJ).
//! Deterministic for a given seed. Also creates one demo user per role.

use jempol_core::nik;
use jempol_store::residents::NewResident;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

const MALE: &[&str] = &[
    "Sutrisno", "Suparman", "Slamet", "Sukarno", "Sumarno", "Wagiman", "Paiman", "Kasiman", "Tukiman", "Sarmin",
    "Darmaji", "Sugeng", "Mulyono", "Hadi", "Suwarno", "Karno", "Parjo", "Sardi", "Tarno", "Jumadi", "Marno",
    "Poniman", "Sukidi", "Wiryo", "Joko", "Bambang", "Agus", "Budi", "Eko", "Wahyu", "Yanto", "Gunawan",
];
const FEMALE: &[&str] = &[
    "Sumiati", "Painem", "Tukinem", "Sarmini", "Suminah", "Kasmini", "Sainem", "Wagini", "Partini", "Sulastri",
    "Sumarni", "Marsini", "Tumini", "Sriyati", "Darmi", "Katini", "Parmi", "Sunarti", "Wartini", "Ngatini", "Rukmini",
    "Suyatmi", "Lestari", "Endang", "Sri", "Wahyuni", "Dwi", "Tri", "Yuli", "Siti", "Puji",
];
const SECOND: &[&str] = &[
    "",
    "",
    "",
    "Wiyono",
    "Santoso",
    "Raharjo",
    "Hartono",
    "Purnomo",
    "Setiawan",
    "Susanto",
    "Prasetyo",
    "Wibowo",
    "Utomo",
    "Hadi",
    "Mulyani",
    "Rahayu",
    "Lestari",
    "Handayani",
    "Astuti",
    "Widodo",
];
const DUSUN: &[&str] = &[
    "Krajan",
    "Sidomulyo",
    "Ngrowo",
    "Kauman",
    "Bendo",
    "Tegalrejo",
    "Ngampel",
    "Sumberejo",
    "Gading",
    "Jatisari",
];
const BIRTH_PLACES: &[&str] = &[
    "Madiun", "Madiun", "Madiun", "Dolopo", "Ponorogo", "Magetan", "Ngawi", "Nganjuk",
];
const DISABILITY: &[&str] = &[
    "fisik",
    "fisik",
    "fisik",
    "sensorik_netra",
    "sensorik_rungu",
    "sensorik_wicara",
    "intelektual",
    "mental",
    "ganda",
];

pub const DOLOPO_DESA: &[&str] = &[
    "35.19.02.1002",
    "35.19.02.1012",
    "35.19.02.2001",
    "35.19.02.2003",
    "35.19.02.2004",
    "35.19.02.2005",
    "35.19.02.2006",
    "35.19.02.2007",
    "35.19.02.2008",
    "35.19.02.2009",
    "35.19.02.2010",
    "35.19.02.2011",
];

/// Where the journey of a person on a village list stands, in the proportions of a register
/// some campaigns into the work (for benchmarks over a whole kabupaten): most are only listed,
/// then fewer at each later step, a few refused or not recordable.
const JOURNEY: &[(&str, u32)] = &[
    ("terdaftar", 40),
    ("diajukan", 12),
    ("terverifikasi", 14),
    ("ditolak", 2),
    ("terekam", 10),
    ("tidak_terekam", 3),
    ("produksi", 7),
    ("serah_terima", 4),
    ("kartu_diterima", 6),
    ("diusulkan_bantuan", 2),
];

/// Generates residents in order; `serial_base` keeps NIKs of a second run apart from the first.
pub struct Generator {
    rng: StdRng,
    serials: HashMap<(String, String), u16>,
    serial_base: u16,
    reference_year: i16,
    sop_definition_id: i64,
    desa: Vec<String>,
    journey: bool,
}

impl Generator {
    /// Residents of Kecamatan Dolopo, all at the first step (the demo).
    pub fn new(seed: u64, serial_base: u16, reference_year: i16, sop_definition_id: i64) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            serials: HashMap::new(),
            serial_base,
            reference_year,
            sop_definition_id,
            desa: DOLOPO_DESA.iter().map(|d| d.to_string()).collect(),
            journey: false,
        }
    }

    /// Residents spread over `desa` (full codes such as 35.19.01.2001, of any kecamatan: the
    /// NIK and No. KK take the kecamatan's region), at every step of the journey.
    pub fn across(mut self, desa: Vec<String>) -> Generator {
        if !desa.is_empty() {
            self.desa = desa;
        }
        self.journey = true;
        self
    }

    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.rng.random_range(0..xs.len())]
    }

    pub fn next_resident(&mut self) -> NewResident {
        let r = &mut self.rng;
        // Proportions seen in such lists: ~65 % lansia only, ~25 % disabilitas, ~10 % ODGJ.
        // Lansia are drawn from 61 up, so a birthday late in the year still leaves them 60+.
        let kind = r.random_range(0..100);
        let (lansia, disabilitas, odgj) = match kind {
            0..65 => (true, r.random_bool(0.15), false),
            65..90 => (r.random_bool(0.2), true, false),
            _ => (r.random_bool(0.1), r.random_bool(0.5), true),
        };
        // Lansia are drawn from 61 up, so a birthday late in the year still leaves them 60 or older.
        let age: i16 = if lansia {
            61 + (r.random_range(0.0f64..1.0).powf(1.6) * 35.0) as i16
        } else {
            r.random_range(17..60)
        };
        let female = r.random_bool(if lansia { 0.56 } else { 0.48 });
        let year = self.reference_year - age;
        let month = r.random_range(1..=12i8);
        let day = r.random_range(1..=28i8);
        let birth = jiff::civil::date(year, month, day);
        // Across a kabupaten the desa comes first: its kecamatan is in the NIK ("35.19.02.2001"
        // → "351902"). The demo draws it where it always did, so its people stay the same.
        let early = self
            .journey
            .then(|| self.desa[r.random_range(0..self.desa.len())].clone());
        let region: String = match &early {
            Some(desa) => desa.chars().filter(char::is_ascii_digit).take(6).collect(),
            None => "351902".into(),
        };
        let key = (region.clone(), format!("{year}{month}{day}{female}"));
        let next = self.serials.entry(key).or_insert(0);
        *next += 1;
        let serial = ((u32::from(self.serial_base) + u32::from(*next) - 1) % 9999 + 1) as u16;
        let nik = nik::compose(&region, birth, female, serial);
        let kk_issue = jiff::civil::date(
            r.random_range(2005..2024),
            r.random_range(1..=12),
            r.random_range(1..=28),
        );
        let no_kk = format!(
            "{region}{:02}{:02}{:02}{:04}",
            kk_issue.day(),
            kk_issue.month(),
            kk_issue.year() % 100,
            r.random_range(1..=9999)
        );
        let first = if female { self.pick(FEMALE) } else { self.pick(MALE) };
        let second = self.pick(SECOND);
        let name = if second.is_empty() {
            first.to_string()
        } else {
            format!("{first} {second}")
        };
        let desa = match early {
            Some(desa) => desa,
            None => self.desa[self.rng.random_range(0..self.desa.len())].clone(),
        };
        let dusun = self.pick(DUSUN);
        let birth_place = self.pick(BIRTH_PLACES).to_string();
        let disability_kind = if disabilitas { Some(self.pick(DISABILITY)) } else { None };
        let r = &mut self.rng;
        let bedridden = (lansia && age >= 80 && r.random_bool(0.3)) || (disabilitas && r.random_bool(0.15));
        let stage = if self.journey {
            let total: u32 = JOURNEY.iter().map(|(_, w)| w).sum();
            let mut at = r.random_range(0..total);
            JOURNEY
                .iter()
                .find(|(_, w)| {
                    let here = at < *w;
                    at = at.saturating_sub(*w);
                    here
                })
                .map_or("terdaftar", |(s, _)| *s)
        } else {
            "terdaftar"
        };
        NewResident {
            nik,
            no_kk,
            name: name.to_uppercase(),
            sex: if female { "P" } else { "L" }.into(),
            birth_place: birth_place.to_uppercase(),
            birth_date: birth.to_string(),
            desa_code: desa,
            address: format!("Dusun {dusun}"),
            rt: format!("{:03}", r.random_range(1..=30)),
            rw: format!("{:03}", r.random_range(1..=8)),
            disabilitas,
            disability_kind: disability_kind.map(str::to_string),
            odgj,
            bedridden,
            stage: stage.into(),
            sop_definition_id: self.sop_definition_id,
            phone: String::new(),
            dusun: dusun.to_string(),
            notes: String::new(),
        }
    }
}

/// One demo user per role; village roles in Desa Lembah.
pub const DEMO_USERS: &[(&str, &str, &str, Option<&str>)] = &[
    ("camat", "Camat Dolopo (demo)", "camat", None),
    ("kasi", "Kasi Pelayanan (demo)", "kasi_pelayanan", None),
    ("petugas", "Petugas Pelayanan (demo)", "petugas", None),
    (
        "desa.lembah",
        "Operator Desa Lembah (demo)",
        "operator_desa",
        Some("35.19.02.2001"),
    ),
    ("dukcapil", "Operator Dispendukcapil (demo)", "dispendukcapil", None),
    ("dinsos", "Petugas Dinsos (demo)", "dinsos", None),
    (
        "pendamping.lembah",
        "Pendamping Desa Lembah (demo)",
        "pendamping",
        Some("35.19.02.2001"),
    ),
];

pub const DEMO_PASSWORD: &str = "jempol-demo-2026";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_residents_have_valid_consistent_niks() {
        let mut g = Generator::new(7, 1, 2026, 1);
        let mut niks = std::collections::HashSet::new();
        let (mut lansia, mut dis, mut odgj) = (0, 0, 0);
        for _ in 0..5000 {
            let r = g.next_resident();
            let p = nik::parse(&r.nik).unwrap();
            assert_eq!(p.region, "351902");
            let birth: jiff::civil::Date = r.birth_date.parse().unwrap();
            assert_eq!(p.day as i8, birth.day());
            assert_eq!(p.month as i8, birth.month());
            assert_eq!(i16::from(p.year2), birth.year() % 100);
            assert_eq!(p.female, r.sex == "P");
            assert!(r.no_kk.len() == 16 && r.no_kk.starts_with("351902"));
            assert!(DOLOPO_DESA.contains(&r.desa_code.as_str()));
            assert!(niks.insert(r.nik.clone()), "duplicate NIK {}", r.nik);
            if 2026 - birth.year() >= 60 {
                lansia += 1;
            }
            dis += usize::from(r.disabilitas);
            odgj += usize::from(r.odgj);
            assert_eq!(r.disabilitas, r.disability_kind.is_some());
        }
        assert!((3000..4000).contains(&lansia), "lansia {lansia}");
        assert!((1300..2200).contains(&dis), "disabilitas {dis}");
        assert!((350..650).contains(&odgj), "odgj {odgj}");
    }

    #[test]
    fn across_a_kabupaten_every_desa_and_step_with_its_own_region() {
        let desa = vec!["35.19.01.2001".to_string(), "35.19.15.2003".to_string()];
        let mut g = Generator::new(9, 1, 2026, 1).across(desa.clone());
        let mut niks = std::collections::HashSet::new();
        let mut stages = std::collections::HashMap::new();
        for _ in 0..4000 {
            let r = g.next_resident();
            assert!(desa.contains(&r.desa_code), "{}", r.desa_code);
            let region: String = r.desa_code.replace('.', "")[..6].to_string();
            assert_eq!(nik::parse(&r.nik).unwrap().region, region);
            assert!(r.no_kk.starts_with(&region));
            assert!(niks.insert(r.nik.clone()), "duplicate NIK {}", r.nik);
            *stages.entry(r.stage.clone()).or_insert(0) += 1;
        }
        assert_eq!(stages.len(), JOURNEY.len(), "{stages:?}");
        assert!((1400..1800).contains(&stages["terdaftar"]), "{stages:?}");
        // The demo keeps everyone at the first step.
        let mut demo = Generator::new(9, 1, 2026, 1);
        assert!((0..100).all(|_| demo.next_resident().stage == "terdaftar"));
    }

    #[test]
    fn same_seed_same_data() {
        let a: Vec<String> = {
            let mut g = Generator::new(3, 1, 2026, 1);
            (0..50).map(|_| g.next_resident().nik).collect()
        };
        let b: Vec<String> = {
            let mut g = Generator::new(3, 1, 2026, 1);
            (0..50).map(|_| g.next_resident().nik).collect()
        };
        assert_eq!(a, b);
    }
}
