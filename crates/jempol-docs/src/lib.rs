//! Printed documents as PDF: a small block model (the kop surat, titles, paragraphs, label
//! fields, tables that continue over pages with their header repeated, the signature block)
//! laid out on A4 or F4 with DejaVu Sans embedded, so a letter prints the same on any office
//! PC. krilla writes the PDF (and subsets the font); rustybuzz measures the text with the same
//! shaping krilla draws it with. Pure: a document in, bytes out.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Paper sizes used in Indonesian offices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm.
    A4,
    /// Folio, 215 × 330 mm.
    F4,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        let mm = 72.0 / 25.4;
        match self {
            Paper::A4 => (210.0 * mm, 297.0 * mm),
            Paper::F4 => (215.0 * mm, 330.0 * mm),
        }
    }

    /// `a4` or `f4` (as in a query string); A4 otherwise.
    pub fn from_key(k: &str) -> Paper {
        if k.eq_ignore_ascii_case("f4") {
            Paper::F4
        } else {
            Paper::A4
        }
    }
}

/// A block of a document, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The letterhead: the government, the office (larger), then address lines; a double rule.
    Letterhead {
        government: String,
        office: String,
        address: Vec<String>,
    },
    /// Centred, bold.
    Title(String),
    /// Centred, regular (under a title: a number, a period).
    Subtitle(String),
    /// Bold, left.
    Heading(String),
    /// A wrapped paragraph.
    Para(String),
    /// Label : value lines (`Nomor : 005/12/402.403/2026`).
    Fields(Vec<(String, String)>),
    /// A bordered table; `widths` are relative. The header repeats on every page it spans.
    Table {
        widths: Vec<f32>,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// The signature block on the right: place and date, office, room to sign, name, NIP.
    Signature {
        place_date: String,
        title: String,
        name: String,
        id_line: String,
    },
    /// Two signatories side by side (a berita acara): the place and date on the right, then
    /// each one's role, room to sign, name and id line.
    Signatories {
        place_date: String,
        left: Signer,
        right: Signer,
    },
    /// Vertical space in points.
    Space(f32),
    /// Start a new page.
    PageBreak,
}

/// One who signs a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Signer {
    pub role: String,
    pub name: String,
    pub id_line: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub paper: Paper,
    /// Document title (PDF metadata).
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("font: {0}")]
    Font(&'static str),
    #[error("pdf: {0}")]
    Pdf(String),
}

const MARGIN_LEFT: f32 = 70.0;
const MARGIN_RIGHT: f32 = 56.0;
const MARGIN_TOP: f32 = 50.0;
const MARGIN_BOTTOM: f32 = 56.0;
const BODY: f32 = 10.5;
const LEADING: f32 = 1.35;

struct Measure {
    regular: rustybuzz::Face<'static>,
    bold: rustybuzz::Face<'static>,
}

impl Measure {
    fn new() -> Result<Measure, DocError> {
        Ok(Measure {
            regular: rustybuzz::Face::from_slice(REGULAR, 0).ok_or(DocError::Font("regular"))?,
            bold: rustybuzz::Face::from_slice(BOLD, 0).ok_or(DocError::Font("bold"))?,
        })
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buf);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(face.units_per_em() as u16)
    }

    /// Greedy word wrap to `max` points; a word longer than a line is cut.
    fn wrap(&self, text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, bold) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: cut it if it is wider than the line.
                let mut piece = String::new();
                for ch in word.chars() {
                    let mut next = piece.clone();
                    next.push(ch);
                    if self.width(&next, size, bold) > max && !piece.is_empty() {
                        lines.push(std::mem::take(&mut piece));
                        piece.push(ch);
                    } else {
                        piece = next;
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }
}

/// What to draw on a page, in page coordinates (y down).
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
}

struct Layout<'a> {
    m: &'a Measure,
    w: f32,
    h: f32,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout<'_> {
    fn left(&self) -> f32 {
        MARGIN_LEFT
    }
    fn right(&self) -> f32 {
        self.w - MARGIN_RIGHT
    }
    fn width(&self) -> f32 {
        self.right() - self.left()
    }
    fn bottom(&self) -> f32 {
        self.h - MARGIN_BOTTOM
    }
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }
    /// Makes room for `need` points, starting a new page when it does not fit.
    fn room(&mut self, need: f32) {
        if self.y + need > self.bottom() && self.y > MARGIN_TOP + 1.0 {
            self.new_page();
        }
    }
    fn text(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y + size;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }
    fn centred(&mut self, size: f32, bold: bool, text: &str) {
        for line in self.m.wrap(text, size, bold, self.width()) {
            self.room(size * LEADING);
            let x = self.left() + (self.width() - self.m.width(&line, size, bold)) / 2.0;
            self.text(x, size, bold, &line);
            self.y += size * LEADING;
        }
    }
    fn para(&mut self, size: f32, bold: bool, text: &str) {
        for line in self.m.wrap(text, size, bold, self.width()) {
            self.room(size * LEADING);
            let x = self.left();
            self.text(x, size, bold, &line);
            self.y += size * LEADING;
        }
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Letterhead {
                government,
                office,
                address,
            } => {
                self.centred(12.0, true, government);
                self.centred(15.0, true, office);
                for a in address {
                    self.centred(9.0, false, a);
                }
                self.y += 3.0;
                let (l, r, y) = (self.left(), self.right(), self.y);
                self.ops().push(Op::Line {
                    x1: l,
                    y1: y,
                    x2: r,
                    y2: y,
                    width: 2.0,
                });
                self.ops().push(Op::Line {
                    x1: l,
                    y1: y + 3.0,
                    x2: r,
                    y2: y + 3.0,
                    width: 0.6,
                });
                self.y += 14.0;
            }
            Block::Title(t) => {
                self.centred(12.5, true, t);
                self.y += 2.0;
            }
            Block::Subtitle(t) => self.centred(BODY, false, t),
            Block::Heading(t) => {
                self.room(BODY * 3.0);
                self.y += 4.0;
                self.para(11.0, true, t);
                self.y += 2.0;
            }
            Block::Para(t) => {
                self.para(BODY, false, t);
                self.y += 4.0;
            }
            Block::Fields(fields) => {
                let label_w = fields
                    .iter()
                    .map(|(l, _)| self.m.width(l, BODY, false))
                    .fold(0.0, f32::max)
                    + 8.0;
                for (label, value) in fields {
                    let x = self.left();
                    let vx = x + label_w + self.m.width(": ", BODY, false);
                    let lines = self.m.wrap(value, BODY, false, self.right() - vx);
                    self.room(BODY * LEADING);
                    self.text(x, BODY, false, label);
                    self.text(x + label_w, BODY, false, ":");
                    for (i, line) in lines.iter().enumerate() {
                        if i > 0 {
                            self.room(BODY * LEADING);
                        }
                        self.text(vx, BODY, false, line);
                        self.y += BODY * LEADING;
                    }
                    if lines.is_empty() {
                        self.y += BODY * LEADING;
                    }
                }
                self.y += 4.0;
            }
            Block::Table { widths, header, rows } => self.table(widths, header, rows),
            Block::Signature {
                place_date,
                title,
                name,
                id_line,
            } => {
                self.room(BODY * LEADING * 7.0);
                self.y += 10.0;
                let x = self.left() + self.width() * 0.55;
                for (text, bold) in [(place_date.as_str(), false), (title.as_str(), false)] {
                    self.text(x, BODY, bold, text);
                    self.y += BODY * LEADING;
                }
                self.y += BODY * 4.0;
                self.text(x, BODY, true, name);
                self.y += BODY * LEADING;
                if !id_line.is_empty() {
                    self.text(x, BODY, false, id_line);
                    self.y += BODY * LEADING;
                }
            }
            Block::Signatories {
                place_date,
                left,
                right,
            } => {
                self.room(BODY * LEADING * 8.0);
                self.y += 10.0;
                let xs = [self.left(), self.left() + self.width() * 0.55];
                self.text(xs[1], BODY, false, place_date);
                self.y += BODY * LEADING;
                for (x, s) in xs.iter().zip([left, right]) {
                    self.text(*x, BODY, false, &s.role);
                }
                self.y += BODY * LEADING + BODY * 4.0;
                for (x, s) in xs.iter().zip([left, right]) {
                    self.text(*x, BODY, true, &s.name);
                }
                self.y += BODY * LEADING;
                if !left.id_line.is_empty() || !right.id_line.is_empty() {
                    for (x, s) in xs.iter().zip([left, right]) {
                        self.text(*x, BODY, false, &s.id_line);
                    }
                    self.y += BODY * LEADING;
                }
            }
            Block::Space(s) => self.y += s,
            Block::PageBreak => self.new_page(),
        }
    }

    fn table(&mut self, widths: &[f32], header: &[String], rows: &[Vec<String>]) {
        let size = 9.0;
        let pad = 3.0;
        let total: f32 = widths.iter().sum::<f32>().max(0.001);
        let cols: Vec<f32> = widths.iter().map(|w| w / total * self.width()).collect();
        let cells = |cells: &[String], bold: bool, m: &Measure| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, w)| {
                    m.wrap(
                        cells.get(i).map(String::as_str).unwrap_or(""),
                        size,
                        bold,
                        w - 2.0 * pad,
                    )
                })
                .collect()
        };
        let head = cells(header, true, self.m);
        let row_h =
            |c: &Vec<Vec<String>>| c.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * size * LEADING + 2.0 * pad;
        let head_h = row_h(&head);
        let draw = |me: &mut Self, c: &Vec<Vec<String>>, h: f32, bold: bool| {
            let mut x = me.left();
            let y = me.y;
            if bold {
                let w = me.width();
                me.ops().push(Op::Rect { x, y, w, h, grey: 232 });
            }
            for (i, lines) in c.iter().enumerate() {
                for (k, line) in lines.iter().enumerate() {
                    let ty = y + pad + k as f32 * size * LEADING + size;
                    me.ops().push(Op::Text {
                        x: x + pad,
                        y: ty,
                        size,
                        bold,
                        text: line.clone(),
                    });
                }
                me.ops().push(Op::Line {
                    x1: x,
                    y1: y,
                    x2: x,
                    y2: y + h,
                    width: 0.5,
                });
                x += cols[i];
            }
            let (l, r) = (me.left(), me.right());
            me.ops().push(Op::Line {
                x1: r,
                y1: y,
                x2: r,
                y2: y + h,
                width: 0.5,
            });
            me.ops().push(Op::Line {
                x1: l,
                y1: y,
                x2: r,
                y2: y,
                width: 0.5,
            });
            me.ops().push(Op::Line {
                x1: l,
                y1: y + h,
                x2: r,
                y2: y + h,
                width: 0.5,
            });
            me.y += h;
        };
        self.room(head_h * 2.0);
        draw(self, &head, head_h, true);
        for row in rows {
            let c = cells(row, false, self.m);
            let h = row_h(&c);
            if self.y + h > self.bottom() {
                self.new_page();
                draw(self, &head, head_h, true);
            }
            draw(self, &c, h, false);
        }
        self.y += 8.0;
    }
}

/// Lays out and writes the document. Every page carries "Halaman n dari m" at its foot.
pub fn render(doc: &Doc) -> Result<Vec<u8>, DocError> {
    let m = Measure::new()?;
    let (w, h) = doc.paper.size();
    let mut layout = Layout {
        m: &m,
        w,
        h,
        pages: vec![Vec::new()],
        y: MARGIN_TOP,
    };
    for b in &doc.blocks {
        layout.block(b);
    }
    let regular = Font::new(REGULAR.into(), 0).ok_or(DocError::Font("regular"))?;
    let bold = Font::new(BOLD.into(), 0).ok_or(DocError::Font("bold"))?;
    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(doc.title.clone())
            .creator("Jempol".into()),
    );
    let total = layout.pages.len();
    for (n, ops) in layout.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(w, h).ok_or(DocError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    text,
                } => {
                    let font = if *b { bold.clone() } else { regular.clone() };
                    surface.set_fill(Some(Fill::default()));
                    surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
                }
                Op::Line { x1, y1, x2, y2, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Rect { x, y, w, h, grey } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: krilla::color::rgb::Color::new(*grey, *grey, *grey).into(),
                            ..Fill::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        let foot = format!("Halaman {} dari {total}", n + 1);
        let fw = m.width(&foot, 8.0, false);
        surface.set_fill(Some(Fill::default()));
        surface.draw_text(
            Point::from_xy(w - MARGIN_RIGHT - fw, h - MARGIN_BOTTOM / 2.0),
            regular.clone(),
            8.0,
            &foot,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| DocError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(paper: Paper, rows: usize) -> Doc {
        Doc {
            paper,
            title: "Uji".into(),
            blocks: vec![
                Block::Letterhead {
                    government: "PEMERINTAH KABUPATEN MADIUN".into(),
                    office: "KECAMATAN DOLOPO".into(),
                    address: vec!["Jl. Raya Dolopo No. 1, Dolopo, Madiun 63174".into()],
                },
                Block::Title("JADWAL KUNJUNGAN RUMAH".into()),
                Block::Fields(vec![("Nomor".into(), "005/1/402.403/2026".into())]),
                Block::Table {
                    widths: vec![1.0, 3.0],
                    header: vec!["No".into(), "Nama".into()],
                    rows: (0..rows)
                        .map(|i| vec![format!("{}", i + 1), format!("WARGA {i}")])
                        .collect(),
                },
                Block::Signature {
                    place_date: "Dolopo, 14 Desember 2026".into(),
                    title: "Camat Dolopo".into(),
                    name: "NAMA CAMAT".into(),
                    id_line: "NIP. 19700101 199001 1 001".into(),
                },
            ],
        }
    }

    #[test]
    fn a4_and_f4_pages_with_the_font_embedded() {
        let a4 = render(&sample(Paper::A4, 3)).unwrap();
        assert!(a4.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&a4);
        assert!(text.contains("/FontFile2"), "the font is embedded");
        assert!(text.contains("595.27"), "A4 width in points");
        let f4 = String::from_utf8_lossy(&render(&sample(Paper::F4, 3)).unwrap()).to_string();
        assert!(f4.contains("935.43"), "F4 height in points");
    }

    fn page_count(pdf: &[u8]) -> usize {
        // krilla writes the page tree's count as `/Count n`.
        let text = String::from_utf8_lossy(pdf);
        text.split("/Count ")
            .skip(1)
            .filter_map(|t| t.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn long_tables_continue_on_more_pages() {
        assert_eq!(page_count(&render(&sample(Paper::A4, 5)).unwrap()), 1);
        let many = page_count(&render(&sample(Paper::A4, 200)).unwrap());
        assert!(many >= 4, "{many} pages");
        // F4 is taller: the same table needs no more pages than on A4.
        assert!(page_count(&render(&sample(Paper::F4, 200)).unwrap()) <= many);
        let mut doc = sample(Paper::A4, 1);
        doc.blocks.push(Block::PageBreak);
        doc.blocks.push(Block::Para("Lampiran".into()));
        assert_eq!(page_count(&render(&doc).unwrap()), 2);
    }

    #[test]
    fn wrapping_keeps_lines_inside_the_width() {
        let m = Measure::new().unwrap();
        let lines = m.wrap(
            "Tim perekaman e-KTP Kecamatan Dolopo akan datang ke rumah pada hari Senin",
            10.0,
            false,
            120.0,
        );
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| m.width(l, 10.0, false) <= 120.0));
        let cut = m.wrap("3519024511390001351902451139000135190245113900", 10.0, false, 60.0);
        assert!(cut.len() > 1 && cut.iter().all(|l| m.width(l, 10.0, false) <= 60.0));
    }
}
