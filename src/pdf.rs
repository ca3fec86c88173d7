//! Printable documents as PDF, drawn on the server (issue 35's guest book;
//! the letters and receipts of the official-records work are meant to use
//! it too). A small flow layout: paragraphs and tables that break across
//! A4 pages (the table's head repeated), a footer with "Halaman i dari n".
//! The text is set in the PDF's standard Helvetica (every reader has it; no
//! font file to ship) in WinAnsiEncoding: Indonesian and Latin-1 letters
//! as they are, typographic quotes and dashes mapped, anything else shown
//! as "?". Widths come from Adobe's published metrics, so lines wrap where
//! the reader draws them.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Helvetica advance widths (1/1000 em) of U+0020–U+007E (WinAnsiEncoding).
const REGULAR_ASCII: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
/// Helvetica advance widths of U+00A0–U+00FF (Latin-1, where WinAnsiEncoding places them).
const REGULAR_LATIN1: [u16; 96] = [
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333,
    333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667,
    1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778,
    722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556,
    278, 278, 278, 278, 556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556,
    500,
];
/// Helvetica-Bold advance widths (1/1000 em) of U+0020–U+007E (WinAnsiEncoding).
const BOLD_ASCII: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
/// Helvetica-Bold advance widths of U+00A0–U+00FF (Latin-1, where WinAnsiEncoding places them).
const BOLD_LATIN1: [u16; 96] = [
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333,
    333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722,
    1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778,
    722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556,
    278, 278, 278, 278, 611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611,
    556,
];

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

/// A character as WinAnsiEncoding's byte (`?` when it has none).
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '\u{20ac}' => 0x80,
        '\u{2026}' => 0x85,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201c}' => 0x93,
        '\u{201d}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\t' => b' ',
        _ => b'?',
    }
}

/// A WinAnsi byte's width in 1/1000 em.
fn advance(b: u8, font: Font) -> u16 {
    let (ascii, latin1) = match font {
        Font::Regular => (&REGULAR_ASCII, &REGULAR_LATIN1),
        Font::Bold => (&BOLD_ASCII, &BOLD_LATIN1),
    };
    match b {
        0x20..=0x7e => ascii[usize::from(b - 0x20)],
        0xa0..=0xff => latin1[usize::from(b - 0xa0)],
        0x80 | 0x96 => 556,
        0x85 | 0x97 => 1000,
        0x95 => 350,
        0x91 | 0x92 => match font {
            Font::Regular => 222,
            Font::Bold => 278,
        },
        0x93 | 0x94 => match font {
            Font::Regular => 333,
            Font::Bold => 500,
        },
        _ => 556,
    }
}

/// The width of `text` in points at `size`.
pub fn text_width(text: &str, font: Font, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| u32::from(advance(win_ansi(c), font)))
        .sum();
    units as f32 * size / 1000.0
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

    fn show(&mut self, x: f32, y: f32, text: &str, font: Font, size: f32) {
        let bytes: Vec<u8> = text.chars().map(win_ansi).collect();
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
    pub fn finish(mut self, footer: &str) -> Vec<u8> {
        let n = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first = 6;
        let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(first + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree).lang(TextStr("id"));
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(n as i32);
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .creator(TextStr("aduan"));
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        for (i, mut content) in pages.into_iter().enumerate() {
            let number = format!("Halaman {} dari {n}", i + 1);
            let size = 8.0;
            let y = self.margin - 4.0;
            for (text, x) in [
                (footer.to_string(), self.margin),
                (
                    number.clone(),
                    self.width - self.margin - text_width(&number, Font::Regular, size),
                ),
            ] {
                let bytes: Vec<u8> = text.chars().map(win_ansi).collect();
                content.begin_text();
                content.set_font(Font::Regular.name(), size);
                content.next_line(x, y);
                content.show(Str(&bytes));
                content.end_text();
            }
            let id = page_ids[i];
            let content_id = Ref::new(id.get() + 1);
            let mut page = pdf.page(id);
            page.media_box(Rect::new(0.0, 0.0, self.width, self.height));
            page.parent(tree);
            page.contents(content_id);
            {
                let mut resources = page.resources();
                let mut fonts = resources.fonts();
                fonts.pair(Font::Regular.name(), regular);
                fonts.pair(Font::Bold.name(), bold);
            }
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_helvetica() {
        // "Tamu": T 611, a 556, m 833, u 556 = 2556 units
        assert!((text_width("Tamu", Font::Regular, 10.0) - 25.56).abs() < 0.001);
        // bold is wider; é (233) is e's width
        assert!(text_width("Tamu", Font::Bold, 10.0) > text_width("Tamu", Font::Regular, 10.0));
        assert_eq!(
            text_width("é", Font::Regular, 1.0),
            text_width("e", Font::Regular, 1.0)
        );
        assert_eq!(win_ansi('—'), 0x97);
        assert_eq!(win_ansi('ł'), b'?');
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
    fn a_long_table_breaks_across_pages_with_numbered_footers() {
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
        let pdf = d.finish("Dinas Sosial");
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.starts_with("%PDF-"));
        assert!(s.trim_end().ends_with("%%EOF"));
        let pages = s.matches("/Type /Page\n").count() + s.matches("/Type /Page ").count();
        assert!(s.contains("(Halaman 1 dari "), "page numbers");
        assert!(s.contains("(T-1207-119)"), "the last row is drawn");
        assert!(
            pages >= 3 || s.matches("Halaman ").count() >= 3,
            "120 rows take several pages"
        );
    }
}
