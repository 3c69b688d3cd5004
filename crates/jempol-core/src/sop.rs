//! The SOP as data: the definition format (TOML), its validation, and the time standards of
//! the Mutu Baku ("5 menit", "2 jam", "10 hari" where hari means working days).
//! The built-in definition is Kecamatan Dolopo's SOP, transcribed in `sop/dolopo-2020.toml`.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

pub const BUILTIN_TOML: &str = include_str!("../../../sop/dolopo-2020.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SopDefinition {
    pub format: u32,
    /// Stable identity of the procedure; revisions share it.
    pub id: String,
    /// This revision; cases keep the version they started under.
    pub version: String,
    pub identity: Identity,
    pub sheet: Sheet,
    #[serde(default)]
    pub signatures: Vec<Signature>,
    pub lanes: Vec<Lane>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub government: String,
    pub unit: String,
    pub title: String,
    pub number: String,
    /// ISO dates (YYYY-MM-DD).
    pub made_on: String,
    #[serde(default)]
    pub revised_on: Option<String>,
    pub effective_on: String,
    pub approver: Approver,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approver {
    pub title: String,
    pub name: String,
    pub nip: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    pub legal_bases: Vec<String>,
    pub qualifications: Vec<String>,
    pub related_sops: Vec<String>,
    pub equipment: Vec<String>,
    #[serde(default = "default_warning_title")]
    pub warning_title: String,
    pub warning: String,
    #[serde(default)]
    pub recording_note: String,
}

fn default_warning_title() -> String {
    "PERINGATAN".to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub caption: String,
    pub name: String,
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub nip: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Lane {
    pub id: String,
    pub label: String,
    /// Jempol roles that act in this lane.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Symbol {
    /// Capsule: the first activity.
    Start,
    /// Capsule: the last activity.
    End,
    /// Rectangle.
    #[default]
    Activity,
    /// Diamond.
    Decision,
    /// Pentagon pointing down: the flow continues on another page.
    OffPage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub no: u32,
    /// Stable key code uses to attach behaviour to a step.
    pub key: String,
    pub activity: String,
    /// The first lane is where the flowchart draws the activity; the others take part.
    pub lanes: Vec<String>,
    #[serde(default)]
    pub symbol: Symbol,
    /// Mutu Baku: kelengkapan.
    pub inputs: String,
    /// Mutu Baku: waktu, as written on the sheet.
    pub time: String,
    /// Mutu Baku: output.
    pub output: String,
    #[serde(default)]
    pub note: String,
    /// For a decision: the step number for "tidak" (the "ya" branch goes to the next step).
    #[serde(default)]
    pub no_goes_to: Option<u32>,
}

/// A Mutu Baku time standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum TimeStandard {
    Minutes(u32),
    Hours(u32),
    /// "hari" in an SOP of a government office: working days.
    WorkingDays(u32),
}

impl TimeStandard {
    pub fn parse(text: &str) -> Result<TimeStandard, String> {
        let lower = text.trim().to_lowercase();
        let mut parts = lower.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "waktu \"{text}\" tidak bisa dibaca: tulis angka lalu satuan, misalnya \"5 menit\", \"2 jam\" atau \"10 hari\""
            ));
        };
        let amount: u32 = n
            .parse()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("waktu \"{text}\": \"{n}\" harus bilangan bulat lebih dari 0"))?;
        match unit {
            "menit" => Ok(TimeStandard::Minutes(amount)),
            "jam" => Ok(TimeStandard::Hours(amount)),
            "hari" | "hari kerja" => Ok(TimeStandard::WorkingDays(amount)),
            _ => Err(format!(
                "waktu \"{text}\": satuan \"{unit}\" tidak dikenal; gunakan menit, jam atau hari"
            )),
        }
    }

    /// Length in working minutes, given the length of a working day in minutes.
    pub fn working_minutes(self, working_day_minutes: u32) -> u64 {
        match self {
            TimeStandard::Minutes(m) => u64::from(m),
            TimeStandard::Hours(h) => u64::from(h) * 60,
            TimeStandard::WorkingDays(d) => u64::from(d) * u64::from(working_day_minutes),
        }
    }
}

impl fmt::Display for TimeStandard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeStandard::Minutes(m) => write!(f, "{m} menit"),
            TimeStandard::Hours(h) => write!(f, "{h} jam"),
            TimeStandard::WorkingDays(d) => write!(f, "{d} hari"),
        }
    }
}

/// One problem found in a definition: where, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SopProblem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for SopProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl SopDefinition {
    /// Reads and validates a definition. Every problem is reported, not just the first.
    pub fn from_toml(text: &str) -> Result<SopDefinition, Vec<SopProblem>> {
        let def: SopDefinition = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            vec![SopProblem {
                path: line.map(|l| format!("baris {l}")).unwrap_or_else(|| "berkas".into()),
                message: format!("format TOML tidak sah: {}", e.message()),
            }]
        })?;
        let problems = def.validate();
        if problems.is_empty() { Ok(def) } else { Err(problems) }
    }

    /// The definition Jempol ships with: the Dolopo SOP.
    pub fn builtin() -> Result<SopDefinition, Vec<SopProblem>> {
        SopDefinition::from_toml(BUILTIN_TOML)
    }

    pub fn validate(&self) -> Vec<SopProblem> {
        let mut out = Vec::new();
        let mut p = |path: String, message: String| out.push(SopProblem { path, message });
        if self.format != 1 {
            p(
                "format".into(),
                format!("versi format {} tidak dikenal; gunakan 1", self.format),
            );
        }
        for (path, v) in [
            ("id", &self.id),
            ("version", &self.version),
            ("identity.government", &self.identity.government),
            ("identity.unit", &self.identity.unit),
            ("identity.title", &self.identity.title),
            ("identity.number", &self.identity.number),
            ("identity.approver.name", &self.identity.approver.name),
            ("sheet.warning", &self.sheet.warning),
        ] {
            if v.trim().is_empty() {
                p(path.into(), "wajib diisi".into());
            }
        }
        let mut dates = vec![
            ("identity.made_on", Some(&self.identity.made_on)),
            ("identity.effective_on", Some(&self.identity.effective_on)),
        ];
        dates.push(("identity.revised_on", self.identity.revised_on.as_ref()));
        for (path, d) in dates {
            if let Some(d) = d
                && d.parse::<jiff::civil::Date>().is_err()
            {
                p(
                    path.into(),
                    format!("tanggal \"{d}\" tidak sah; tulis TTTT-BB-HH, misalnya 2020-07-01"),
                );
            }
        }
        if self.lanes.is_empty() {
            p("lanes".into(), "paling sedikit satu pelaksana (lane)".into());
        }
        let mut lane_ids = HashSet::new();
        for (i, lane) in self.lanes.iter().enumerate() {
            if !lane_ids.insert(lane.id.as_str()) {
                p(
                    format!("lanes[{}].id", i + 1),
                    format!("pelaksana \"{}\" tercantum dua kali", lane.id),
                );
            }
            for r in &lane.roles {
                if r.parse::<crate::Role>().is_err() {
                    p(
                        format!("lanes[{}].roles", i + 1),
                        format!("peran \"{r}\" tidak dikenal"),
                    );
                }
            }
        }
        if self.steps.is_empty() {
            p("steps".into(), "paling sedikit satu langkah".into());
        }
        let mut keys = HashSet::new();
        for (i, step) in self.steps.iter().enumerate() {
            let at = format!("steps[{}]", i + 1);
            if step.no as usize != i + 1 {
                p(
                    format!("{at}.no"),
                    format!("nomor langkah harus {} (urut mulai 1), tertulis {}", i + 1, step.no),
                );
            }
            if !keys.insert(step.key.as_str()) {
                p(format!("{at}.key"), format!("kunci \"{}\" dipakai dua kali", step.key));
            }
            if step.activity.trim().is_empty() {
                p(format!("{at}.activity"), "uraian kegiatan wajib diisi".into());
            }
            if step.lanes.is_empty() {
                p(format!("{at}.lanes"), "sebutkan paling sedikit satu pelaksana".into());
            }
            for l in &step.lanes {
                if !lane_ids.contains(l.as_str()) {
                    p(
                        format!("{at}.lanes"),
                        format!("pelaksana \"{l}\" tidak ada di daftar lanes"),
                    );
                }
            }
            if let Err(e) = TimeStandard::parse(&step.time) {
                p(format!("{at}.time"), e);
            }
            if let Some(target) = step.no_goes_to
                && (target == 0 || target as usize > self.steps.len())
            {
                p(format!("{at}.no_goes_to"), format!("langkah {target} tidak ada"));
            }
            if step.symbol == Symbol::Decision && step.no_goes_to.is_none() {
                p(
                    format!("{at}.no_goes_to"),
                    "keputusan (decision) perlu tujuan untuk jawaban \"tidak\"".into(),
                );
            }
        }
        out
    }

    pub fn lane(&self, id: &str) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.id == id)
    }

    /// The steps in which a role acts, through any of its lanes.
    pub fn steps_for_role(&self, role: crate::Role) -> Vec<&Step> {
        let lanes: Vec<&str> = self
            .lanes
            .iter()
            .filter(|l| l.roles.iter().any(|r| r == role.as_str()))
            .map(|l| l.id.as_str())
            .collect();
        self.steps
            .iter()
            .filter(|s| s.lanes.iter().any(|l| lanes.contains(&l.as_str())))
            .collect()
    }
}

impl Step {
    /// The parsed time standard. Definitions are validated on load, so a failure here means a
    /// definition that bypassed validation; it reads as zero minutes rather than panicking.
    pub fn standard(&self) -> TimeStandard {
        TimeStandard::parse(&self.time).unwrap_or(TimeStandard::Minutes(0))
    }
}

/// A definition's text with some steps' time standards changed and a new version: how an
/// evaluation becomes a draft revision. Lines are edited in place, so comments and layout stay.
pub fn revise_toml(text: &str, standards: &[(u32, String)], version: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut step: Option<u32> = None;
    let mut in_steps = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("[[steps]]") {
            in_steps = true;
            step = None;
        } else if t.starts_with('[') {
            in_steps = false;
        }
        let key = t.split('=').next().unwrap_or("").trim();
        if in_steps && key == "no" {
            step = t.split('=').nth(1).and_then(|v| v.trim().parse().ok());
        }
        let new_time = step
            .filter(|_| in_steps && key == "time")
            .and_then(|n| standards.iter().find(|(no, _)| *no == n))
            .map(|(_, v)| v);
        if let Some(v) = new_time {
            out.push_str(&format!("time = \"{}\"", v.replace('"', "")));
        } else if !in_steps && key == "version" && !t.starts_with('#') && out.matches("\nversion").count() == 0 {
            out.push_str(&format!("version = \"{}\"", version.replace('"', "")));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_standards_parse() {
        assert_eq!(TimeStandard::parse("5 menit"), Ok(TimeStandard::Minutes(5)));
        assert_eq!(TimeStandard::parse("2 Jam"), Ok(TimeStandard::Hours(2)));
        assert_eq!(TimeStandard::parse("10 hari"), Ok(TimeStandard::WorkingDays(10)));
        assert!(TimeStandard::parse("sebentar").is_err());
        assert!(TimeStandard::parse("0 menit").is_err());
        assert!(TimeStandard::parse("5 minggu").is_err());
        assert_eq!(TimeStandard::WorkingDays(10).working_minutes(450), 4500);
        assert_eq!(TimeStandard::Hours(2).to_string(), "2 jam");
    }

    #[test]
    fn builtin_is_the_dolopo_sheet() {
        let d = SopDefinition::builtin().unwrap();
        assert_eq!(d.identity.number, "130/547/402.403/2020");
        assert_eq!(d.steps.len(), 12);
        assert_eq!(d.lanes.len(), 6);
        let times: Vec<&str> = d.steps.iter().map(|s| s.time.as_str()).collect();
        assert_eq!(
            times,
            [
                "5 menit", "15 menit", "2 jam", "30 menit", "10 hari", "2 hari", "1 jam", "1 jam", "2 jam", "3 jam",
                "2 jam", "10 menit"
            ]
        );
        assert_eq!(d.steps[0].symbol, Symbol::Start);
        assert_eq!(d.steps[11].symbol, Symbol::End);
    }

    #[test]
    fn validation_reports_every_problem_with_its_place() {
        let bad = BUILTIN_TOML
            .replace("time = \"2 jam\"", "time = \"dua jam\"")
            .replace("lanes = [\"desa\"]", "lanes = [\"lurah\"]")
            .replace("no = 2\n", "no = 7\n");
        let problems = SopDefinition::from_toml(&bad).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"steps[1].lanes"), "{problems:?}");
        assert!(paths.contains(&"steps[2].no"), "{problems:?}");
        assert!(paths.contains(&"steps[3].time"), "{problems:?}");
        assert!(problems.iter().all(|p| !p.message.is_empty()));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let problems = SopDefinition::from_toml("format = 1\nid = \n").unwrap_err();
        assert_eq!(problems[0].path, "baris 2");
        let unknown =
            SopDefinition::from_toml(&BUILTIN_TOML.replace("format = 1", "format = 1\nwarna = 2")).unwrap_err();
        assert!(unknown[0].message.contains("warna"), "{unknown:?}");
    }

    #[test]
    fn roles_find_their_steps() {
        let d = SopDefinition::builtin().unwrap();
        let nos = |r| d.steps_for_role(r).iter().map(|s| s.no).collect::<Vec<_>>();
        assert_eq!(nos(crate::Role::OperatorDesa), vec![1, 3, 8, 9, 10, 12]);
        assert_eq!(nos(crate::Role::Camat), vec![3, 4]);
        assert_eq!(nos(crate::Role::Admin), Vec::<u32>::new());
    }

    #[test]
    fn an_evaluation_revises_standards_and_the_version_only() {
        let text = include_str!("../../../sop/dolopo-2020.toml");
        let revised = revise_toml(text, &[(6, "5 hari".into()), (12, "30 menit".into())], "2027-1");
        let def = SopDefinition::from_toml(&revised).expect("still valid");
        let before = SopDefinition::from_toml(text).expect("valid");
        assert_eq!(def.version, "2027-1");
        for (a, b) in def.steps.iter().zip(&before.steps) {
            match a.no {
                6 => assert_eq!(a.time, "5 hari"),
                12 => assert_eq!(a.time, "30 menit"),
                _ => assert_eq!(a.time, b.time),
            }
            assert_eq!(a.activity, b.activity);
        }
        assert_eq!(revised.lines().count(), text.lines().count(), "layout kept");
    }
}
