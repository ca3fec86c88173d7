//! The reports' charts, drawn as SVG by hand (one small renderer, no
//! JavaScript, readable by screen readers through `<title>`/`<desc>`), and
//! rasterised to PNG with resvg using the DejaVu Sans font shipped in the
//! binary (`DejaVuSans.ttf`, Bitstream Vera licence beside it) — so the
//! console, the printable page and the monthly email show the same picture
//! and nothing depends on the fonts of the machine.

use std::fmt::Write;
use std::sync::{Arc, OnceLock};

const FONT: &[u8] = include_bytes!("DejaVuSans.ttf");
const FAMILY: &str = "DejaVu Sans";

/// Okabe–Ito: told apart with the common colour-vision deficiencies.
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#332288", "#000000",
];

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart SVG: {0}")]
    Svg(String),
    #[error("chart PNG: {0}")]
    Png(String),
}

/// One series of a bar chart (stacked on the others).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A bar chart: a bar per category, the series stacked in it.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    /// What it shows, in a sentence (the image's alt text and `<desc>`).
    pub description: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// Bars from the left (long labels, e.g. unit names).
    pub horizontal: bool,
    /// Values are ratios 0–1, shown as percentages on a 0–100 % axis.
    pub percent: bool,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A step of 1, 2 or 5 × 10ⁿ giving at most 5 intervals up to `max`.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    step.max(1.0)
}

fn number(v: f64, percent: bool) -> String {
    if percent {
        format!("{:.0} %", v * 100.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl BarChart {
    fn totals(&self) -> Vec<f64> {
        (0..self.categories.len())
            .map(|i| {
                self.series
                    .iter()
                    .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect()
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        if self.totals().iter().all(|t| *t <= 0.0) {
            let mut s = self.head(720.0, 120.0);
            s.push_str(r##"<text x="12" y="70" fill="#404040">Tidak ada data pada periode ini.</text></svg>"##);
            return s;
        }
        if self.horizontal {
            self.svg_horizontal()
        } else {
            self.svg_vertical()
        }
    }

    fn head(&self, w: f64, h: f64) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="t d" font-family="{FAMILY}, sans-serif" font-size="14"><title id="t">{}</title><desc id="d">{}</desc><rect width="{w}" height="{h}" fill="#ffffff"/><text x="12" y="22" font-size="17" font-weight="bold" fill="#1a1a1a">{}</text>"##,
            esc(&self.title),
            esc(&self.description),
            esc(&clip(&self.title, 80)),
        );
        s
    }

    /// The legend in a row under the title (only with several series).
    fn legend(&self, s: &mut String, width: f64) -> f64 {
        if self.series.len() < 2 {
            return 34.0;
        }
        let (mut x, mut y) = (12.0, 36.0);
        for (i, ser) in self.series.iter().enumerate() {
            let name = clip(&ser.name, 24);
            let wdt = 22.0 + 8.0 * name.chars().count() as f64 + 14.0;
            if x + wdt > width - 8.0 {
                x = 12.0;
                y += 18.0;
            }
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" fill="#1a1a1a">{}</text>"##,
                y,
                PALETTE[i % PALETTE.len()],
                x + 17.0,
                y + 10.5,
                esc(&name)
            );
            x += wdt;
        }
        y + 24.0
    }

    fn svg_vertical(&self) -> String {
        let (w, h) = (720.0, 380.0);
        let mut s = self.head(w, h);
        let top = self.legend(&mut s, w);
        let (left, right, bottom) = (56.0, 12.0, h - 64.0);
        let totals = self.totals();
        let max = if self.percent {
            1.0
        } else {
            totals.iter().copied().fold(0.0, f64::max)
        };
        let step = if self.percent { 0.2 } else { nice_step(max) };
        // a step of room above the highest bar, for its number
        let top_value = if self.percent {
            1.0
        } else {
            ((max / step).floor() + 1.0) * step
        };
        let y_of = |v: f64| bottom - (v / top_value) * (bottom - top);
        // grid and the y axis' numbers
        let mut v = 0.0;
        while v <= top_value + 1e-9 {
            let y = y_of(v);
            let _ = write!(
                s,
                r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d0d0"/><text x="{}" y="{:.1}" text-anchor="end" fill="#404040">{}</text>"##,
                w - right,
                left - 6.0,
                y + 4.0,
                number(v, self.percent)
            );
            v += step;
        }
        let n = self.categories.len().max(1) as f64;
        let slot = (w - left - right) / n;
        let bar = (slot * 0.7).min(48.0);
        // label every k-th category so the labels never overlap
        let every = ((n * 64.0) / (w - left - right)).ceil().max(1.0) as usize;
        for (i, cat) in self.categories.iter().enumerate() {
            let x = left + slot * i as f64 + (slot - bar) / 2.0;
            let mut base = 0.0;
            for (k, ser) in self.series.iter().enumerate() {
                let val = ser.values.get(i).copied().unwrap_or(0.0);
                if val <= 0.0 {
                    continue;
                }
                let (y0, y1) = (y_of(base), y_of(base + val));
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="{y1:.1}" width="{bar:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"##,
                    (y0 - y1).max(0.5),
                    PALETTE[k % PALETTE.len()],
                    esc(&format!("{cat}, {}", ser.name)),
                    number(val, self.percent)
                );
                base += val;
            }
            if totals[i] > 0.0 && bar >= 14.0 {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13" fill="#1a1a1a">{}</text>"##,
                    x + bar / 2.0,
                    y_of(totals[i]) - 4.0,
                    number(totals[i], self.percent)
                );
            }
            if i % every == 0 {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13" fill="#404040">{}</text>"##,
                    x + bar / 2.0,
                    bottom + 16.0,
                    esc(&clip(cat, 12))
                );
            }
        }
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{bottom}" y2="{bottom}" stroke="#404040"/></svg>"##,
            w - right
        );
        s
    }

    fn svg_horizontal(&self) -> String {
        let w = 720.0;
        let row = 30.0;
        let n = self.categories.len().max(1) as f64;
        let legend_rows = if self.series.len() > 1 { 1.0 } else { 0.0 };
        let h = 64.0 + 18.0 * legend_rows + row * n + 28.0;
        let mut s = self.head(w, h);
        let top = self.legend(&mut s, w) + 4.0;
        let (left, right) = (230.0, 60.0);
        let bottom = top + row * n;
        let totals = self.totals();
        let max = if self.percent {
            1.0
        } else {
            totals.iter().copied().fold(0.0, f64::max)
        };
        let step = if self.percent { 0.2 } else { nice_step(max) };
        let top_value = if self.percent {
            1.0
        } else {
            (max / step).ceil().max(1.0) * step
        };
        let x_of = |v: f64| left + (v / top_value) * (w - left - right);
        let mut v = 0.0;
        while v <= top_value + 1e-9 {
            let x = x_of(v);
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{bottom}" stroke="#d0d0d0"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="#404040">{}</text>"##,
                bottom + 16.0,
                number(v, self.percent)
            );
            v += step;
        }
        for (i, cat) in self.categories.iter().enumerate() {
            let y = top + row * i as f64 + 6.0;
            let _ = write!(
                s,
                r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#1a1a1a">{}</text>"##,
                left - 8.0,
                y + 13.0,
                esc(&clip(cat, 30))
            );
            let mut base = 0.0;
            for (k, ser) in self.series.iter().enumerate() {
                let val = ser.values.get(i).copied().unwrap_or(0.0);
                if val <= 0.0 {
                    continue;
                }
                let (x0, x1) = (x_of(base), x_of(base + val));
                let _ = write!(
                    s,
                    r##"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{}" fill="{}"><title>{}: {}</title></rect>"##,
                    (x1 - x0).max(0.5),
                    row - 12.0,
                    PALETTE[k % PALETTE.len()],
                    esc(&format!("{cat}, {}", ser.name)),
                    number(val, self.percent)
                );
                base += val;
            }
            let shown = if self
                .series
                .iter()
                .all(|s| s.values.get(i).is_none_or(|v| v.is_nan()))
            {
                "—".to_string()
            } else {
                number(totals[i], self.percent)
            };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" fill="#1a1a1a">{}</text>"##,
                x_of(base) + 6.0,
                y + 13.0,
                shown
            );
        }
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#404040"/></svg>"##
        );
        s
    }
}

fn options() -> &'static resvg::usvg::Options<'static> {
    static OPTIONS: OnceLock<resvg::usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        db.set_sans_serif_family(FAMILY);
        resvg::usvg::Options {
            fontdb: Arc::new(db),
            font_family: FAMILY.to_string(),
            ..Default::default()
        }
    })
}

/// The SVG rasterised at twice its size (sharp on phones and in print).
pub fn png(svg: &str) -> Result<Vec<u8>, ChartError> {
    let tree =
        resvg::usvg::Tree::from_str(svg, options()).map_err(|e| ChartError::Svg(e.to_string()))?;
    let size = tree.size();
    let scale = 2.0;
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| ChartError::Png(format!("no {w}×{h} canvas")))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(horizontal: bool) -> BarChart {
        BarChart {
            title: "Pengaduan diterima per minggu & saluran".into(),
            description: "Dua minggu".into(),
            categories: vec!["2 Nov".into(), "9 Nov".into()],
            series: vec![
                Series {
                    name: "Surat".into(),
                    values: vec![3.0, 0.0],
                },
                Series {
                    name: "SP4N-LAPOR!".into(),
                    values: vec![1.0, 2.0],
                },
            ],
            horizontal,
            percent: false,
        }
    }

    #[test]
    fn the_svg_names_itself_and_escapes_text_and_the_png_renders_it() {
        for horizontal in [false, true] {
            let svg = chart(horizontal).svg();
            assert!(
                svg.contains("<title id=\"t\">Pengaduan diterima per minggu &amp; saluran</title>")
            );
            // one rect per non-zero value, each with its value for screen readers
            assert!(svg.contains("<title>2 Nov, Surat: 3</title>"));
            assert!(!svg.contains("9 Nov, Surat"));
            let png = png(&svg).unwrap_or_default();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            // a drawn chart, not a blank canvas: far more than a white PNG's few hundred bytes
            assert!(png.len() > 4_000, "{} bytes", png.len());
        }
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(23.0), 5.0);
        assert_eq!(nice_step(480.0), 100.0);
        assert_eq!(
            clip("Bidang Perlindungan dan Jaminan Sosial", 10),
            "Bidang Pe…"
        );
    }
}
