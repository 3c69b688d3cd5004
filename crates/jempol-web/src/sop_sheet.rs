//! Lays out the SOP sheet (PermenPAN-RB 35/2012): the rows of the procedure table with their
//! heights, and the flowchart drawn as one SVG over the lane columns: capsule for the first and
//! last activity, rectangle for an activity, diamond for a decision, pentagon for an off-page
//! connector, arrows between consecutive steps. Participating lanes get a linked symbol.

use jempol_core::sop::{SopDefinition, Symbol};
use std::fmt::Write;

/// Width of one lane column in CSS pixels; the template uses the same number.
pub const LANE_WIDTH: u32 = 76;
const SYM_W: u32 = 52;
const SYM_H: u32 = 26;
const SUB_W: u32 = 34;
const SUB_H: u32 = 16;

/// Widths of the fixed columns (No, Kegiatan, Kelengkapan, Waktu, Output, Ket); app.css
/// gives the same numbers, so the drawing's lanes line up with the table's.
const FIXED_COLUMNS: u32 = 28 + 230 + 110 + 58 + 110 + 40;

/// The procedure table's width: fixed so the lane columns are exactly `LANE_WIDTH`.
pub fn table_width(def: &SopDefinition) -> u32 {
    FIXED_COLUMNS + LANE_WIDTH * def.lanes.len() as u32
}

pub struct SheetRow {
    pub no: u32,
    pub activity: String,
    pub inputs: String,
    pub time: String,
    pub output: String,
    pub note: String,
    pub height: u32,
    /// Lane labels of this step, for screen readers.
    pub lanes_text: String,
}

fn lines(text: &str, chars_per_line: usize) -> u32 {
    let mut lines = 1u32;
    let mut len = 0usize;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > chars_per_line {
            lines += 1;
            len = w;
        } else {
            len += if len > 0 { w + 1 } else { w };
        }
    }
    lines
}

/// Row heights are estimated generously from the text, so rows rarely grow past them and
/// the drawing stays aligned with its rows.
pub fn rows(def: &SopDefinition) -> Vec<SheetRow> {
    def.steps
        .iter()
        .map(|s| {
            let n = lines(&s.activity, 30)
                .max(lines(&s.inputs, 13))
                .max(lines(&s.output, 13));
            let lanes_text = s
                .lanes
                .iter()
                .filter_map(|l| def.lane(l).map(|x| x.label.clone()))
                .collect::<Vec<_>>()
                .join(", ");
            SheetRow {
                no: s.no,
                activity: s.activity.clone(),
                inputs: s.inputs.clone(),
                time: s.time.clone(),
                output: s.output.clone(),
                note: s.note.clone(),
                height: (16 + 16 * n).max(58),
                lanes_text,
            }
        })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn shape(out: &mut String, symbol: Symbol, cx: f64, cy: f64, w: f64, h: f64, class: &str) {
    let (x, y) = (cx - w / 2.0, cy - h / 2.0);
    let _ = match symbol {
        Symbol::Start | Symbol::End => write!(
            out,
            r#"<rect class="{class}" x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" ry="{r}"/>"#,
            r = h / 2.0
        ),
        Symbol::Activity => write!(
            out,
            r#"<rect class="{class}" x="{x}" y="{y}" width="{w}" height="{h}"/>"#
        ),
        Symbol::Decision => write!(
            out,
            r#"<polygon class="{class}" points="{cx},{y} {r},{cy} {cx},{b} {x},{cy}"/>"#,
            r = x + w,
            b = y + h
        ),
        Symbol::OffPage => write!(
            out,
            r#"<polygon class="{class}" points="{x},{y} {r},{y} {r},{m} {cx},{b} {x},{m}"/>"#,
            r = x + w,
            m = y + h * 0.6,
            b = y + h
        ),
    };
}

/// The flowchart as SVG, sized to the lane columns and the row heights.
pub fn flowchart(def: &SopDefinition, rows: &[SheetRow]) -> String {
    let lane_x = |id: &str| -> f64 {
        let i = def.lanes.iter().position(|l| l.id == id).unwrap_or(0) as u32;
        f64::from(i * LANE_WIDTH + LANE_WIDTH / 2)
    };
    let width = LANE_WIDTH * def.lanes.len() as u32;
    let height: u32 = rows.iter().map(|r| r.height).sum();
    let mut tops = Vec::with_capacity(rows.len());
    let mut acc = 0u32;
    for r in rows {
        tops.push(f64::from(acc));
        acc += r.height;
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="flow" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="flow-title"><title id="flow-title">{}</title>"#,
        esc(&format!(
            "Bagan alir SOP {}: {} langkah",
            def.identity.title,
            def.steps.len()
        ))
    );
    out.push_str(r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>"#);
    // Lane separators.
    for i in 1..def.lanes.len() as u32 {
        let x = i * LANE_WIDTH;
        let _ = write!(
            out,
            r#"<line class="lane-sep" x1="{x}" y1="0" x2="{x}" y2="{height}"/>"#
        );
    }
    for (r, top) in rows.iter().zip(&tops) {
        let y = top + f64::from(r.height);
        let _ = write!(out, r#"<line class="row-sep" x1="0" y1="{y}" x2="{width}" y2="{y}"/>"#);
    }
    let centers: Vec<(f64, f64)> = def
        .steps
        .iter()
        .zip(rows.iter().zip(&tops))
        .map(|(s, (r, top))| {
            let primary = s.lanes.first().map(String::as_str).unwrap_or("");
            (lane_x(primary), top + f64::from(r.height) / 2.0)
        })
        .collect();
    let (sw, sh) = (f64::from(SYM_W), f64::from(SYM_H));
    // Arrows between consecutive steps, drawn first so symbols sit on top.
    for i in 1..centers.len() {
        let (x0, y0) = centers[i - 1];
        let (x1, y1) = centers[i];
        let boundary = tops[i];
        let d = if (x0 - x1).abs() < 0.5 {
            format!("M{x0},{} V{}", y0 + sh / 2.0, y1 - sh / 2.0)
        } else {
            format!("M{x0},{} V{boundary} H{x1} V{}", y0 + sh / 2.0, y1 - sh / 2.0)
        };
        let _ = write!(out, r#"<path class="flowline" d="{d}" marker-end="url(#arrow)"/>"#);
    }
    for (i, s) in def.steps.iter().enumerate() {
        let (cx, cy) = centers[i];
        // Lanes that take part: a small linked box.
        for other in s.lanes.iter().skip(1) {
            let ox = lane_x(other);
            let _ = write!(
                out,
                r#"<line class="joinline" x1="{cx}" y1="{cy}" x2="{ox}" y2="{cy}"/>"#
            );
            shape(
                &mut out,
                Symbol::Activity,
                ox,
                cy,
                f64::from(SUB_W),
                f64::from(SUB_H),
                "sym sub",
            );
        }
        shape(&mut out, s.symbol, cx, cy, sw, sh, "sym");
        let _ = write!(out, r#"<text class="symno" x="{cx}" y="{}">{}</text>"#, cy + 4.0, s.no);
        if let (Symbol::Decision, Some(target)) = (s.symbol, s.no_goes_to)
            && let Some(&(tx, ty)) = centers.get(target as usize - 1)
        {
            let edge = f64::from(width) - 6.0;
            let _ = write!(
                out,
                r#"<path class="flowline" d="M{},{cy} H{edge} V{ty} H{}" marker-end="url(#arrow)"/><text class="label" x="{}" y="{}">Tidak</text>"#,
                cx + sw / 2.0,
                tx + sw / 2.0,
                cx + sw / 2.0 + 4.0,
                cy - 4.0
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_wrap_estimate() {
        assert_eq!(lines("", 10), 1);
        assert_eq!(lines("satu dua tiga", 8), 2);
        assert_eq!(lines("Data Kaum Rentan, ATK", 13), 2);
    }

    #[test]
    fn decisions_and_off_page_connectors_have_their_symbols() {
        let toml = jempol_core::sop::BUILTIN_TOML
            .replace(
                "key = \"pengumpulan_kecamatan\"",
                "key = \"pengumpulan_kecamatan\"\nsymbol = \"decision\"\nno_goes_to = 1",
            )
            .replace("key = \"pencetakan\"", "key = \"pencetakan\"\nsymbol = \"off_page\"");
        let def = SopDefinition::from_toml(&toml).unwrap();
        let rows = rows(&def);
        let svg = flowchart(&def, &rows);
        // Two polygons: the diamond (4 points) and the pentagon (5 points).
        let polygons: Vec<usize> = svg
            .split("<polygon class=\"sym\" points=\"")
            .skip(1)
            .map(|p| p[..p.find('"').unwrap()].split(' ').count())
            .collect();
        assert_eq!(polygons, vec![4, 5]);
        // The "tidak" branch goes back to step 1 and is labelled.
        assert_eq!(svg.matches("class=\"flowline\"").count(), 12);
        assert!(svg.contains(">Tidak</text>"));
    }

    #[test]
    fn flowchart_draws_every_step_in_its_lane() {
        let def = SopDefinition::builtin().unwrap();
        let rows = rows(&def);
        let svg = flowchart(&def, &rows);
        // One main symbol per step, numbered, and an arrow between each pair of steps.
        assert_eq!(svg.matches(r#"class="sym""#).count(), 12);
        assert_eq!(svg.matches("class=\"symno\"").count(), 12);
        assert_eq!(svg.matches("class=\"flowline\"").count(), 11);
        // The first and last steps are capsules (rounded), the rest rectangles.
        assert_eq!(svg.matches(r#"class="sym" "#).count(), 12);
        assert_eq!(svg.matches(r#"rx="13""#).count(), 2);
        // Step 1 sits in the village lane (4th column).
        let x = LANE_WIDTH * 3 + LANE_WIDTH / 2 - SYM_W / 2;
        assert!(svg.contains(&format!(r#"<rect class="sym" x="{x}""#)), "{svg}");
        let total: u32 = rows.iter().map(|r| r.height).sum();
        assert!(svg.contains(&format!(r#"height="{total}""#)));
    }
}
