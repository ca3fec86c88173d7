//! The summary's exports: CSV (UTF-8 with a BOM, `;`) and XLSX.

use chrono::Datelike;

use super::{Summary, SummaryFigures};

/// The figures' field names, in the order of the exports' columns.
const SUMMARY_FIELDS: [&str; 17] = [
    "received",
    "open",
    "answered",
    "answered_on_time",
    "answered_late",
    "on_time_ratio",
    "median_working_days",
    "p90_working_days",
    "overdue_open",
    "closed",
    "redirected",
    "merged",
    "rejected",
    "lapor_received",
    "lapor_followed_up_in_time",
    "lapor_followed_up_ratio",
    "lapor_finished_ratio",
];

/// The columns' headings for people (the console's downloads, the monthly
/// email's workbook), in the order of [`SUMMARY_FIELDS`].
const SUMMARY_HEADINGS: [&str; 17] = [
    "Diterima",
    "Terbuka",
    "Dijawab",
    "Dijawab tepat waktu",
    "Dijawab terlambat",
    "Bagian tepat waktu",
    "Median hari kerja sampai jawaban",
    "P90 hari kerja sampai jawaban",
    "Terbuka dan terlambat",
    "Ditutup",
    "Dialihkan",
    "Digabung",
    "Ditolak",
    "LAPOR! diterima",
    "LAPOR! ditindaklanjuti dalam 5 hari kerja",
    "Bagian LAPOR! ditindaklanjuti",
    "Bagian LAPOR! selesai",
];

/// Who reads an export: a program (the API's fixed field names, `.`
/// decimals) or a person (Indonesian headings, `,` decimals in CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Program,
    Person,
}

impl Reader {
    fn headings(self) -> [&'static str; 19] {
        let mut h = [""; 19];
        let (key, label, cols) = match self {
            Reader::Program => ("key", "label", SUMMARY_FIELDS),
            Reader::Person => ("Kode", "Kelompok", SUMMARY_HEADINGS),
        };
        h[0] = key;
        h[1] = label;
        h[2..].copy_from_slice(&cols);
        h
    }
}

/// The summary as a workbook: `Ringkasan` (the JSON's field names as the
/// header, a row per group, `total` last; numbers as numbers, empty for
/// null) and `Periode` (from, to as dates; the grouping).
pub fn summary_xlsx(s: &Summary, reader: Reader) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    summaries_xlsx(&[("Ringkasan", s)], reader)
}

/// Several summaries of one period in one workbook, a sheet each (named),
/// and `Periode`.
pub fn summaries_xlsx(
    sheets: &[(&str, &Summary)],
    reader: Reader,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (name, s) in sheets {
        let sheet = wb.add_worksheet();
        sheet.set_name(*name)?;
        for (c, h) in reader.headings().iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        let mut row = 1u32;
        let mut write = |key: &str,
                         label: &str,
                         f: &SummaryFigures|
         -> Result<(), rust_xlsxwriter::XlsxError> {
            let v = serde_json::to_value(f).unwrap_or_default();
            sheet.write_string(row, 0, key)?;
            sheet.write_string(row, 1, label)?;
            for (c, k) in SUMMARY_FIELDS.iter().enumerate() {
                if let Some(n) = v[*k].as_f64() {
                    sheet.write_number(row, c as u16 + 2, n)?;
                }
            }
            row += 1;
            Ok(())
        };
        for g in &s.groups {
            write(g.key.as_deref().unwrap_or(""), &g.label, &g.figures)?;
        }
        write("total", "Jumlah", &s.total)?;
        sheet.set_column_width(1, 36)?;
    }
    if let Some((_, s)) = sheets.first() {
        let period = wb.add_worksheet();
        period.set_name("Periode")?;
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let (from, to, by) = match reader {
            Reader::Program => ("from", "to", "group_by"),
            Reader::Person => ("Dari tanggal", "Sampai tanggal", "Dikelompokkan menurut"),
        };
        for (r, (label, d)) in [(from, s.from), (to, s.to)].into_iter().enumerate() {
            period.write_string_with_format(r as u32, 0, label, &bold)?;
            let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            period.write_datetime_with_format(r as u32, 1, &x, &date)?;
        }
        period.write_string_with_format(2, 0, by, &bold)?;
        period.write_string(
            2,
            1,
            sheets
                .iter()
                .map(|(_, s)| s.group_by)
                .collect::<Vec<_>>()
                .join(", "),
        )?;
    }
    wb.save_to_buffer()
}

/// The summary as CSV: a header (the JSON's field names for a program,
/// Indonesian for a person), a row per group, a total row. Numbers as JSON
/// writes them (`.` decimals; `,` for a person), empty for null.
pub fn summary_csv(s: &Summary, reader: Reader) -> String {
    let cell = csv_cell;
    let n = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => cell(s),
        other if reader == Reader::Person => other.to_string().replace('.', ","),
        other => other.to_string(),
    };
    let fields = SUMMARY_FIELDS;
    let mut out = String::from("\u{feff}");
    out.push_str(&reader.headings().join(";"));
    out.push_str("\r\n");
    let mut row = |key: &str, label: &str, f: &SummaryFigures| {
        let v = serde_json::to_value(f).unwrap_or_default();
        let cells: Vec<String> = fields.iter().map(|k| n(&v[*k])).collect();
        out.push_str(&format!(
            "{};{};{}\r\n",
            cell(key),
            cell(label),
            cells.join(";")
        ));
    };
    for g in &s.groups {
        row(g.key.as_deref().unwrap_or(""), &g.label, &g.figures);
    }
    row(
        if reader == Reader::Person {
            ""
        } else {
            "total"
        },
        "Jumlah",
        &s.total,
    );
    out
}

/// A cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// Office-local date and time (a date in the workbook).
    At(chrono::NaiveDateTime),
    Empty,
}

/// A table to export: the header (fixed field names) and its rows.
pub struct Table {
    pub sheet: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The table as CSV (UTF-8 with a BOM, `;`, formula-guarded text cells).
pub fn table_csv(t: &Table) -> String {
    let cell = csv_cell;
    let mut out = String::from("\u{feff}");
    out.push_str(&t.header.join(";"));
    out.push_str("\r\n");
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => cell(s),
                Cell::Number(n) => n.to_string(),
                Cell::At(d) => d.format("%Y-%m-%d %H:%M").to_string(),
                Cell::Empty => String::new(),
            })
            .collect();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// The table as a workbook of one sheet: numbers as numbers, instants as
/// dates with their time.
pub fn table_xlsx(t: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use chrono::Timelike;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = wb.add_worksheet();
    sheet.set_name(t.sheet)?;
    for (c, h) in t.header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::At(d) => {
                    let x =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?
                            .and_hms(d.hour() as u16, d.minute() as u8, d.second() as f64)?;
                    sheet.write_datetime_with_format(r, c, &x, &when)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_column_width(0, 18)?;
    wb.save_to_buffer()
}

/// One CSV cell, quoted; a leading `=`, `+`, `-` or `@` (a formula in a
/// spreadsheet) is neutralised with an apostrophe, line breaks flattened.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\"").replace(['\r', '\n'], " "))
}
