//! Printable documents as PDF, drawn on the server (the guest book; the
//! letters, receipts and disposition sheets of the official records). A
//! small flow layout: paragraphs and tables that break across A4 pages
//! (the table's head repeated), a footer with "Halaman i dari n". The text
//! is set in Liberation Sans (SIL Open Font License, `assets/fonts/`),
//! embedded as a subset of the glyphs used, with a ToUnicode map so that
//! the text can be searched and copied (docs/adr/0033).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

static REGULAR_TTF: &[u8] = include_bytes!("../assets/fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../assets/fonts/LiberationSans-Bold.ttf");

/// The two faces a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// A face's metrics, read once.
struct Metrics {
    data: &'static [u8],
    postscript: &'static str,
    upem: f32,
    ascender: f32,
    descender: f32,
    cap_height: f32,
    bbox: [f32; 4],
    /// The glyph of a character the face lacks ("?").
    fallback: u16,
    face: ttf_parser::Face<'static>,
}

fn metrics(font: Font) -> Option<&'static Metrics> {
    static REGULAR: OnceLock<Option<Metrics>> = OnceLock::new();
    static BOLD: OnceLock<Option<Metrics>> = OnceLock::new();
    let (cell, data, postscript) = match font {
        Font::Regular => (&REGULAR, REGULAR_TTF, "LiberationSans"),
        Font::Bold => (&BOLD, BOLD_TTF, "LiberationSans-Bold"),
    };
    cell.get_or_init(|| {
        let face = ttf_parser::Face::parse(data, 0).ok()?;
        let upem = f32::from(face.units_per_em());
        let b = face.global_bounding_box();
        let to = |v: i16| f32::from(v) * 1000.0 / upem;
        Some(Metrics {
            data,
            postscript,
            upem,
            ascender: to(face.ascender()),
            descender: to(face.descender()),
            cap_height: to(face.capital_height().unwrap_or(face.ascender())),
            bbox: [to(b.x_min), to(b.y_min), to(b.x_max), to(b.y_max)],
            fallback: face.glyph_index('?').map_or(0, |g| g.0),
            face,
        })
    })
    .as_ref()
}

/// A character's glyph in the face and its advance (1/1000 em).
fn glyph(c: char, font: Font) -> (u16, f32) {
    let Some(m) = metrics(font) else {
        return (0, 556.0);
    };
    let c = if c == '\t' { ' ' } else { c };
    let id = m
        .face
        .glyph_index(c)
        .map_or(ttf_parser::GlyphId(m.fallback), |g| g);
    let advance = m.face.glyph_hor_advance(id).map_or(0.0, f32::from) * 1000.0 / m.upem;
    (id.0, advance)
}

/// The width of `text` in points at `size`.
pub fn text_width(text: &str, font: Font, size: f32) -> f32 {
    let units: f32 = text.chars().map(|c| glyph(c, font).1).sum();
    units * size / 1000.0
}

/// `text` broken into lines no wider than `max` points: at spaces, a word
/// longer than a line cut where it must; line breaks in the text kept.
pub fn wrap(text: &str, font: Font, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, font, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // the word alone: cut it if it is wider than the line
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(&piece, font, size) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("font: {0}")]
    Font(String),
}

/// The glyphs a document used of one face: the subset to embed.
struct Used {
    remapper: GlyphRemapper,
    /// New glyph id → (the character, its advance).
    chars: BTreeMap<u16, (char, f32)>,
}

impl Default for Used {
    fn default() -> Self {
        Used {
            remapper: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        }
    }
}

/// A column of a table: its heading and its share of the width.
pub struct Column<'a> {
    pub title: &'a str,
    pub share: f32,
}

/// A document being laid out, page by page.
pub struct Document {
    title: String,
    width: f32,
    height: f32,
    margin: f32,
    pages: Vec<Content>,
    y: f32,
    used: [Used; 2],
}

const PAD: f32 = 3.0;
const FOOTER: f32 = 24.0;

impl Document {
    /// An A4 document (landscape when asked), its title in the file's
    /// properties.
    pub fn new(title: &str, landscape: bool) -> Self {
        let (width, height) = if landscape {
            (842.0, 595.0)
        } else {
            (595.0, 842.0)
        };
        let margin = 36.0;
        Document {
            title: title.to_string(),
            width,
            height,
            margin,
            pages: vec![Content::new()],
            y: height - margin,
            used: [Used::default(), Used::default()],
        }
    }

    fn usable(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    fn bottom(&self) -> f32 {
        self.margin + FOOTER
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = self.height - self.margin;
    }

    /// The text as the subset's glyph ids (two bytes each, Identity-H).
    fn encode(&mut self, text: &str, font: Font) -> Vec<u8> {
        let used = &mut self.used[font as usize];
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (old, advance) = glyph(c, font);
            let new = used.remapper.remap(old);
            used.chars.entry(new).or_insert((c, advance));
            bytes.extend(new.to_be_bytes());
        }
        bytes
    }

    fn show(&mut self, x: f32, y: f32, text: &str, font: Font, size: f32) {
        let bytes = self.encode(text, font);
        let c = self.page();
        c.begin_text();
        c.set_font(font.name(), size);
        c.next_line(x, y);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// A paragraph, wrapped to the page's width (centred when asked).
    pub fn text(&mut self, text: &str, font: Font, size: f32, centred: bool) {
        let leading = size * 1.3;
        for line in wrap(text, font, size, self.usable()) {
            if self.y - leading < self.bottom() {
                self.new_page();
            }
            self.y -= leading;
            let x = if centred {
                self.margin + (self.usable() - text_width(&line, font, size)) / 2.0
            } else {
                self.margin
            };
            self.show(x, self.y + size * 0.25, &line, font, size);
        }
    }

    /// The office's letterhead (its first two lines bold, as the Tata Naskah
    /// Dinas sets the government and the office), then the double rule.
    pub fn letterhead(&mut self, lines: &[String], bold_size: f32) {
        for (i, line) in lines.iter().enumerate() {
            if i < 2 {
                self.text(line, Font::Bold, bold_size, true);
            } else {
                self.text(line, Font::Regular, bold_size - 3.0, true);
            }
        }
        self.rule();
    }

    /// A new page unless `points` fit on this one (keeps a block whole).
    pub fn keep(&mut self, points: f32) {
        if self.y - points < self.bottom() {
            self.new_page();
        }
    }

    /// A line set flush right.
    pub fn right(&mut self, text: &str, font: Font, size: f32) {
        let leading = size * 1.3;
        self.keep(leading);
        self.y -= leading;
        let x = self.width - self.margin - text_width(text, font, size);
        self.show(x, self.y + size * 0.25, text, font, size);
    }

    /// Labelled lines ("Nomor : …"): the labels in a column `label` points
    /// wide, the values wrapped beside them.
    pub fn fields(&mut self, rows: &[(&str, &str)], label: f32, size: f32) {
        let leading = size * 1.3;
        let colon = text_width(": ", Font::Regular, size);
        for (k, v) in rows {
            let lines = wrap(v, Font::Regular, size, self.usable() - label - colon);
            for (i, line) in lines.iter().enumerate() {
                self.keep(leading);
                self.y -= leading;
                let base = self.y + size * 0.25;
                if i == 0 {
                    self.show(self.margin, base, k, Font::Regular, size);
                    self.show(self.margin + label, base, ":", Font::Regular, size);
                }
                self.show(self.margin + label + colon, base, line, Font::Regular, size);
            }
        }
    }

    /// Lines centred in the right part of the page, from `from` (a share of
    /// the width): the signature block. Kept on one page.
    pub fn block(&mut self, lines: &[(&str, Font)], from: f32, size: f32) {
        let leading = size * 1.3;
        let left = self.margin + self.usable() * from;
        let width = self.usable() * (1.0 - from);
        let wrapped: Vec<(String, Font)> = lines
            .iter()
            .flat_map(|(t, f)| wrap(t, *f, size, width).into_iter().map(move |l| (l, *f)))
            .collect();
        self.keep(leading * wrapped.len() as f32);
        for (line, font) in wrapped {
            self.y -= leading;
            let x = left + (width - text_width(&line, font, size)) / 2.0;
            self.show(x, self.y + size * 0.25, &line, font, size);
        }
    }

    /// A square of modules (a QR code: `dark` row by row, `width` wide),
    /// `size` points wide, at the left margin.
    pub fn squares(&mut self, dark: &[bool], width: usize, size: f32) {
        if width == 0 {
            return;
        }
        self.keep(size);
        let cell = size / width as f32;
        let (x0, top) = (self.margin, self.y);
        let c = self.page();
        c.set_fill_gray(0.0);
        for (i, on) in dark.iter().enumerate() {
            if *on {
                let (row, col) = (i / width, i % width);
                c.rect(
                    x0 + col as f32 * cell,
                    top - (row as f32 + 1.0) * cell,
                    cell,
                    cell,
                );
            }
        }
        c.fill_nonzero();
        self.y = top - size;
    }

    /// A horizontal rule across the page.
    pub fn rule(&mut self) {
        self.y -= 4.0;
        let (x0, x1, y) = (self.margin, self.width - self.margin, self.y);
        let c = self.page();
        c.set_line_width(0.8);
        c.move_to(x0, y);
        c.line_to(x1, y);
        c.stroke();
        self.y -= 4.0;
    }

    /// A table with ruled cells; its head again on every page it reaches.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>], size: f32) {
        let total: f32 = columns
            .iter()
            .map(|c| c.share)
            .sum::<f32>()
            .max(f32::EPSILON);
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| c.share / total * self.usable())
            .collect();
        let leading = size * 1.25;
        let head: Vec<String> = columns.iter().map(|c| c.title.to_string()).collect();
        let head_height = self.row_height(&head, &widths, Font::Bold, size, leading);
        if self.y - head_height - leading * 2.0 < self.bottom() {
            self.new_page();
        }
        self.row(&head, &widths, Font::Bold, size, leading, true);
        for r in rows {
            let h = self.row_height(r, &widths, Font::Regular, size, leading);
            if self.y - h < self.bottom() {
                self.new_page();
                self.row(&head, &widths, Font::Bold, size, leading, true);
            }
            self.row(r, &widths, Font::Regular, size, leading, false);
        }
    }

    fn row_height(
        &self,
        cells: &[String],
        widths: &[f32],
        font: Font,
        size: f32,
        leading: f32,
    ) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(t, w)| wrap(t, font, size, w - 2.0 * PAD).len())
            .max()
            .unwrap_or(1)
            .max(1);
        // a row never taller than a page's body
        let most = ((self.height - 2.0 * self.margin - FOOTER) / leading).floor() as usize - 2;
        lines.min(most) as f32 * leading + 2.0 * PAD
    }

    fn row(
        &mut self,
        cells: &[String],
        widths: &[f32],
        font: Font,
        size: f32,
        leading: f32,
        shaded: bool,
    ) {
        let h = self.row_height(cells, widths, font, size, leading);
        let top = self.y;
        let mut x = self.margin;
        for (text, w) in cells.iter().zip(widths) {
            {
                let c = self.page();
                if shaded {
                    c.set_fill_gray(0.9);
                    c.rect(x, top - h, *w, h);
                    c.fill_nonzero();
                    c.set_fill_gray(0.0);
                }
                c.set_line_width(0.5);
                c.rect(x, top - h, *w, h);
                c.stroke();
            }
            let lines = wrap(text, font, size, w - 2.0 * PAD);
            let fit = ((h - 2.0 * PAD) / leading).round() as usize;
            for (i, line) in lines.iter().take(fit).enumerate() {
                let baseline = top - PAD - leading * (i as f32 + 1.0) + size * 0.25;
                self.show(x + PAD, baseline, line, font, size);
            }
            x += w;
        }
        self.y = top - h;
    }

    /// The PDF: every page with `footer` and its number.
    pub fn finish(mut self, footer: &str) -> Result<Vec<u8>, PdfError> {
        let n = self.pages.len();
        let mut pages = std::mem::take(&mut self.pages);
        // the footers first: their glyphs belong to the subset too
        let size = 8.0;
        let y = self.margin - 4.0;
        for (i, content) in pages.iter_mut().enumerate() {
            let number = format!("Halaman {} dari {n}", i + 1);
            for (text, x) in [
                (footer.to_string(), self.margin),
                (
                    number.clone(),
                    self.width - self.margin - text_width(&number, Font::Regular, size),
                ),
            ] {
                let bytes = self.encode(&text, Font::Regular);
                content.begin_text();
                content.set_font(Font::Regular.name(), size);
                content.next_line(x, y);
                content.show(Str(&bytes));
                content.end_text();
            }
        }
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let fonts = [alloc(), alloc()];
        let page_ids: Vec<(Ref, Ref)> = (0..n).map(|_| (alloc(), alloc())).collect();
        let font_parts: Vec<[Ref; 4]> = (0..2)
            .map(|_| [alloc(), alloc(), alloc(), alloc()])
            .collect();
        pdf.catalog(catalog).pages(tree).lang(TextStr("id"));
        pdf.pages(tree)
            .kids(page_ids.iter().map(|p| p.0))
            .count(n as i32);
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .creator(TextStr("aduan"));
        for (k, font) in [Font::Regular, Font::Bold].into_iter().enumerate() {
            self.embed(&mut pdf, font, fonts[k], font_parts[k])?;
        }
        for ((page_id, content_id), content) in page_ids.into_iter().zip(pages) {
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, self.width, self.height));
            page.parent(tree);
            page.contents(content_id);
            {
                let mut resources = page.resources();
                let mut f = resources.fonts();
                f.pair(Font::Regular.name(), fonts[0]);
                f.pair(Font::Bold.name(), fonts[1]);
            }
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        Ok(pdf.finish())
    }

    /// A face as a Type 0 font: the subset of the glyphs used (TrueType,
    /// `FontFile2`), their widths, and the map back to Unicode.
    fn embed(
        &self,
        pdf: &mut Pdf,
        font: Font,
        id: Ref,
        [cid, descriptor, file, cmap]: [Ref; 4],
    ) -> Result<(), PdfError> {
        let m = metrics(font).ok_or(PdfError::Font("the bundled font does not parse".into()))?;
        let used = &self.used[font as usize];
        // the subset's name carries a tag of six capitals (PDF 9.6.4)
        let tag: String = {
            let mut h: u32 = 2166136261;
            for (g, (c, _)) in &used.chars {
                h = (h ^ u32::from(*g) ^ (*c as u32)).wrapping_mul(16777619);
            }
            (0..6)
                .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
                .collect()
        };
        let base = format!("{tag}+{}", m.postscript);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(id)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let widths: Vec<f32> = (0..used.remapper.num_gids())
            .map(|g| used.chars.get(&g).map_or(0.0, |(_, w)| *w))
            .collect();
        {
            let mut c = pdf.cid_font(cid);
            c.subtype(CidFontType::Type2)
                .base_font(Name(base.as_bytes()))
                .system_info(system)
                .font_descriptor(descriptor)
                .default_width(0.0)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            c.widths().consecutive(0, widths);
        }
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(m.bbox[0], m.bbox[1], m.bbox[2], m.bbox[3]))
            .italic_angle(0.0)
            .ascent(m.ascender)
            .descent(m.descender)
            .cap_height(m.cap_height)
            .stem_v(if font == Font::Bold { 140.0 } else { 80.0 })
            .font_file2(file);
        let data = subsetter::subset(m.data, 0, &used.remapper)
            .map_err(|e| PdfError::Font(e.to_string()))?;
        pdf.stream(file, &data)
            .pair(Name(b"Length1"), data.len() as i32);
        let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system);
        for (g, (c, _)) in &used.chars {
            map.pair(*g, *c);
        }
        pdf.cmap(cmap, &map.finish()).system_info(system);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_face() {
        // Liberation Sans has Arial's (and Helvetica's) widths: T 611, a 556, m 833, u 556
        assert!((text_width("Tamu", Font::Regular, 10.0) - 25.56).abs() < 0.05);
        assert!(text_width("Tamu", Font::Bold, 10.0) > text_width("Tamu", Font::Regular, 10.0));
        assert!(
            (text_width("é", Font::Regular, 1.0) - text_width("e", Font::Regular, 1.0)).abs()
                < 0.001
        );
        // a character the face lacks takes the width of "?"
        assert_eq!(
            text_width("\u{4e2d}", Font::Regular, 1.0),
            text_width("?", Font::Regular, 1.0)
        );
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_long_words() {
        let lines = wrap(
            "Kepala Bidang Perlindungan dan Jaminan Sosial",
            Font::Regular,
            10.0,
            100.0,
        );
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, Font::Regular, 10.0) <= 100.0)
        );
        assert_eq!(
            lines.join(" "),
            "Kepala Bidang Perlindungan dan Jaminan Sosial"
        );
        let long = wrap(&"x".repeat(200), Font::Regular, 10.0, 50.0);
        assert!(long.len() > 3 && long.iter().all(|l| !l.is_empty()));
        assert_eq!(wrap("a\nb", Font::Regular, 10.0, 100.0), vec!["a", "b"]);
    }

    #[test]
    fn a_long_table_breaks_across_pages_with_the_fonts_embedded() {
        let mut d = Document::new("Buku tamu", true);
        d.text("Buku tamu", Font::Bold, 14.0, true);
        let rows: Vec<Vec<String>> = (0..120)
            .map(|i| vec![format!("T-1207-{i:03}"), format!("Tamu nomor {i}")])
            .collect();
        d.table(
            &[
                Column {
                    title: "Nomor",
                    share: 1.0,
                },
                Column {
                    title: "Nama",
                    share: 3.0,
                },
            ],
            &rows,
            9.0,
        );
        let pdf = d.finish("Dinas Sosial").unwrap();
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.starts_with("%PDF-"));
        assert!(s.trim_end().ends_with("%%EOF"));
        assert!(
            s.matches("/Type /Page\n").count() + s.matches("/Type /Page ").count() >= 3
                || s.matches("/MediaBox").count() >= 3,
            "120 rows take several pages"
        );
        assert_eq!(s.matches("/FontFile2").count(), 2, "both faces embedded");
        assert!(s.contains("/ToUnicode") && s.contains("+LiberationSans"));
        // a subset, not the whole face (400 KB)
        assert!(pdf.len() < 120_000, "{}", pdf.len());
    }
}
