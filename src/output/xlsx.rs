//! The workbook (`--format xlsx`): `jixiao.xlsx`, one sheet per table with the CSV
//! tables' columns and rows, typed and formatted for reading in Excel or LibreOffice.
//!
//! Every sheet is written in rust_xlsxwriter's constant-memory mode: each row goes to a
//! temporary file (in the output folder) as soon as the next one starts, so memory does
//! not grow with the number of forms. That mode only allows writing rows in order, which
//! is how the forms arrive; column widths, the frozen header and the autofilter belong
//! to the sheet's head and end, which the library writes at save time, so they are set
//! last, from the header and a sample of the first rows.
//!
//! A sheet that reaches Excel's row limit continues on `name (2)`, `name (3)`… placed
//! after the others, so a large run is never cut short.

use std::io;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Serialize;

use super::csv::{
    BUDGET_HEADERS, FILES_HEADERS, FINDINGS_HEADERS, FORMS_HEADERS, TASKS_HEADERS, UNMAPPED_HEADERS,
};
use super::staging::Staging;
use super::tables::{
    budget_rows, finding_rows, task_rows, unmapped_rows, FileRow, FormRow, IndicatorRow, Summary,
    BUDGET_KEYS,
};
use super::Sink;
use crate::document::{Form, Severity};

/// Excel's rows per sheet.
const EXCEL_ROWS: u32 = 1_048_576;
/// Excel's longest cell text, in UTF-16 units.
const EXCEL_TEXT: usize = 32_767;
/// Rows per sheet looked at for the column widths.
const SAMPLE_ROWS: u32 = 500;

/// How a column is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Short text.
    Text,
    /// Long text, wrapped in a wide column.
    Long,
    /// Counts, years, sequence numbers.
    Int,
    /// 万元 amounts, with thousands separators and two decimals.
    Amount,
    /// Indicator values and weights: numbers when they are, text otherwise (dates).
    Number,
}

impl Kind {
    fn of(column: &str) -> Kind {
        match column {
            "year" | "seq" | "forms" | "budget_lines" | "tasks" | "indicators" | "findings"
            | "unmapped" => Kind::Int,
            "amount_wan" | "funds_wan" | "tasks_funds_wan" => Kind::Amount,
            "period_value" | "period_low" | "period_high" | "annual_value" | "annual_low"
            | "annual_high" | "weight" => Kind::Number,
            "title" | "content" | "goal" | "message" | "text" => Kind::Long,
            // Only summary has columns named after budget keys.
            key if BUDGET_KEYS.contains(&key) => Kind::Amount,
            _ => Kind::Text,
        }
    }

    const ALL: [Kind; 5] = [
        Kind::Text,
        Kind::Long,
        Kind::Int,
        Kind::Amount,
        Kind::Number,
    ];

    /// Widest a column of this kind is made; long texts wrap within it.
    fn max_width(self) -> f64 {
        match self {
            Kind::Long => 60.0,
            Kind::Text => 40.0,
            _ => 20.0,
        }
    }
}

/// A row's look: findings are coloured by severity, summary's total is bold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Error,
    Warning,
    Total,
}

impl Style {
    const ALL: [Style; 4] = [Style::Plain, Style::Error, Style::Warning, Style::Total];
}

/// One cell's value.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Blank,
    Number(f64),
    Text(String),
}

impl Cell {
    /// From a serialized row field: numbers stay numbers, empty texts are blank.
    fn from_json(value: serde_json::Value, kind: Kind) -> Cell {
        match value {
            serde_json::Value::Null => Cell::Blank,
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(f) if f.is_finite() => Cell::Number(f),
                _ => Cell::Text(n.to_string()),
            },
            serde_json::Value::String(s) => Cell::from_text(s, kind),
            other => Cell::Text(other.to_string()),
        }
    }

    /// From a text field: a number in a numeric column, blank when empty.
    fn from_text(text: String, kind: Kind) -> Cell {
        if text.is_empty() {
            return Cell::Blank;
        }
        if matches!(kind, Kind::Int | Kind::Amount | Kind::Number) {
            if let Some(n) = number(&text) {
                return Cell::Number(n);
            }
        }
        Cell::Text(text)
    }

    /// Display width in Excel's character units (CJK counts double).
    fn width(&self, kind: Kind) -> f64 {
        match self {
            Cell::Blank => 0.0,
            Cell::Text(t) => t.lines().map(text_width).max().unwrap_or(0) as f64,
            Cell::Number(n) if kind == Kind::Amount => {
                let digits = format!("{:.0}", n.abs().trunc()).len();
                (digits + (digits - 1) / 3 + 3 + usize::from(*n < 0.0)) as f64
            }
            Cell::Number(n) => n.to_string().len() as f64,
        }
    }
}

/// A plain decimal number (not `inf`, `NaN` or words that f64 parsing also takes).
fn number(text: &str) -> Option<f64> {
    if !text.bytes().any(|b| b.is_ascii_digit())
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Columns a character takes: 2 for East Asian wide and full-width characters.
fn char_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

fn text_width(line: &str) -> usize {
    line.chars().map(char_width).sum()
}

/// `text` cut to Excel's cell limit (the whole text stays in the CSV and JSON).
fn excel_text(text: &str) -> &str {
    // UTF-8 never takes fewer bytes than UTF-16 units: most texts need no count.
    if text.len() <= EXCEL_TEXT {
        return text;
    }
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > EXCEL_TEXT {
            return &text[..i];
        }
    }
    text
}

/// Every cell format, made once: by column kind and row style.
struct Formats {
    header: Format,
    cells: Vec<Format>,
}

impl Formats {
    fn new() -> Formats {
        let mut cells = Vec::new();
        for kind in Kind::ALL {
            for style in Style::ALL {
                let mut format = Format::new().set_align(FormatAlign::Top);
                format = match kind {
                    Kind::Long => format.set_text_wrap(),
                    Kind::Amount => format.set_num_format("#,##0.00"),
                    _ => format,
                };
                format = match style {
                    Style::Plain => format,
                    Style::Error => format.set_background_color(Color::RGB(0xFFC7CE)),
                    Style::Warning => format.set_background_color(Color::RGB(0xFFEB9C)),
                    Style::Total => format.set_bold(),
                };
                cells.push(format);
            }
        }
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(FormatBorder::Thin),
            cells,
        }
    }

    fn cell(&self, kind: Kind, style: Style) -> &Format {
        let k = Kind::ALL.iter().position(|&x| x == kind).unwrap_or(0);
        let s = Style::ALL.iter().position(|&x| x == style).unwrap_or(0);
        &self.cells[k * Style::ALL.len() + s]
    }
}

/// One table: its current worksheet, and what the column widths are measured from.
struct Sheet {
    name: &'static str,
    headers: Vec<String>,
    kinds: Vec<Kind>,
    /// Widest cell seen per column, among the sampled rows.
    widths: Vec<f64>,
    /// Worksheets of the table (index in the workbook, rows written including the header).
    parts: Vec<(usize, u32)>,
    sampled: u32,
}

/// The workbook, filled sheet by sheet as rows arrive.
pub struct XlsxSink {
    workbook: Workbook,
    formats: Formats,
    sheets: Vec<Sheet>,
    path: std::path::PathBuf,
    /// Rows per worksheet (Excel's limit; smaller in tests).
    row_limit: u32,
}

const FILES: usize = 0;
const FORMS: usize = 1;
const BUDGET: usize = 2;
const TASKS: usize = 3;
const INDICATORS: usize = 4;
const FINDINGS: usize = 5;
const UNMAPPED: usize = 6;
const SUMMARY: usize = 7;

fn xlsx_error(e: XlsxError) -> io::Error {
    io::Error::other(format!("{}: {e}", super::WORKBOOK))
}

impl XlsxSink {
    /// Starts `jixiao.xlsx` under its temporary name, with every sheet and its header
    /// (so that an empty table still names its columns).
    pub fn create(staging: &mut Staging) -> io::Result<Self> {
        let path = staging.reserve(super::WORKBOOK);
        Self::create_at(path, EXCEL_ROWS)
    }

    fn create_at(path: std::path::PathBuf, row_limit: u32) -> io::Result<Self> {
        let mut workbook = Workbook::new();
        // The row files go beside the output, not to a /tmp that may be in memory.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            workbook.set_tempdir(dir).map_err(xlsx_error)?;
        }
        let owned = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let tables: [(&'static str, Vec<String>); 8] = [
            ("files", owned(FILES_HEADERS)),
            ("forms", owned(FORMS_HEADERS)),
            ("budget", owned(BUDGET_HEADERS)),
            ("tasks", owned(TASKS_HEADERS)),
            ("indicators", IndicatorRow::headers()),
            ("findings", owned(FINDINGS_HEADERS)),
            ("unmapped", owned(UNMAPPED_HEADERS)),
            ("summary", Summary::headers()),
        ];
        let mut sink = XlsxSink {
            workbook,
            formats: Formats::new(),
            sheets: Vec::new(),
            path,
            row_limit: row_limit.max(2),
        };
        for (name, headers) in tables {
            let kinds: Vec<Kind> = headers.iter().map(|h| Kind::of(h)).collect();
            let widths = vec![0.0; headers.len()];
            sink.sheets.push(Sheet {
                name,
                headers,
                kinds,
                widths,
                parts: Vec::new(),
                sampled: 0,
            });
            let table = sink.sheets.len() - 1;
            sink.add_part(table).map_err(xlsx_error)?;
        }
        Ok(sink)
    }

    /// Adds a worksheet to `table` (its first, or a continuation) and writes the header.
    fn add_part(&mut self, table: usize) -> Result<(), XlsxError> {
        let index = self.sheets.iter().map(|s| s.parts.len()).sum();
        let sheet = &mut self.sheets[table];
        let name = match sheet.parts.len() {
            0 => sheet.name.to_string(),
            n => format!("{} ({})", sheet.name, n + 1),
        };
        let worksheet = self.workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(name)?;
        for (col, header) in sheet.headers.iter().enumerate() {
            worksheet.write_string_with_format(0, col as u16, header, &self.formats.header)?;
            // Plain cells take their column's format: giving each cell its format makes
            // rust_xlsxwriter hash that format again per cell (~15% of a run's time).
            let kind = sheet.kinds[col];
            worksheet.set_column_format(col as u16, self.formats.cell(kind, Style::Plain))?;
        }
        sheet.parts.push((index, 1));
        Ok(())
    }

    /// Appends one row to `table`.
    fn row(
        &mut self,
        table: usize,
        cells: impl IntoIterator<Item = Cell>,
        style: Style,
    ) -> Result<(), XlsxError> {
        if self.sheets[table].parts.last().map(|p| p.1) >= Some(self.row_limit) {
            self.add_part(table)?;
        }
        let sheet = &mut self.sheets[table];
        let Some((index, rows)) = sheet.parts.last_mut() else {
            return Ok(());
        };
        let row = *rows;
        *rows += 1;
        let sample = sheet.sampled < SAMPLE_ROWS;
        sheet.sampled += 1;
        let worksheet = self.workbook.worksheet_from_index(*index)?;
        for (col, cell) in cells.into_iter().enumerate() {
            let kind = sheet.kinds.get(col).copied().unwrap_or(Kind::Text);
            let format = self.formats.cell(kind, style);
            if sample {
                if let Some(w) = sheet.widths.get_mut(col) {
                    *w = w.max(cell.width(kind));
                }
            }
            let col = col as u16;
            match (&cell, style) {
                (Cell::Blank, Style::Plain) => {}
                (Cell::Blank, _) => {
                    worksheet.write_blank(row, col, format)?;
                }
                (Cell::Number(n), Style::Plain) => {
                    worksheet.write_number(row, col, *n)?;
                }
                (Cell::Number(n), _) => {
                    worksheet.write_number_with_format(row, col, *n, format)?;
                }
                (Cell::Text(t), Style::Plain) => {
                    worksheet.write_string(row, col, excel_text(t))?;
                }
                (Cell::Text(t), _) => {
                    worksheet.write_string_with_format(row, col, excel_text(t), format)?;
                }
            }
        }
        Ok(())
    }

    /// Appends a serialized row struct (fields in column order).
    fn record<T: Serialize>(&mut self, table: usize, row: &T, style: Style) -> io::Result<()> {
        let serde_json::Value::Object(fields) = serde_json::to_value(row)? else {
            return Err(io::Error::other("a table row must serialize as a map"));
        };
        let kinds = &self.sheets[table].kinds;
        let cells: Vec<Cell> = fields
            .into_iter()
            .zip(kinds)
            .map(|((_, value), kind)| Cell::from_json(value, *kind))
            .collect();
        self.row(table, cells, style).map_err(xlsx_error)
    }

    /// Appends a row given as texts, typed by column.
    fn texts(&mut self, table: usize, fields: Vec<String>, style: Style) -> io::Result<()> {
        let kinds = &self.sheets[table].kinds;
        let cells: Vec<Cell> = fields
            .into_iter()
            .zip(kinds)
            .map(|(text, kind)| Cell::from_text(text, *kind))
            .collect();
        self.row(table, cells, style).map_err(xlsx_error)
    }

    /// Widths, frozen header and autofilter on every worksheet, then the file.
    fn save(mut self) -> Result<(), XlsxError> {
        for sheet in &self.sheets {
            let widths: Vec<f64> = sheet
                .headers
                .iter()
                .zip(&sheet.kinds)
                .zip(&sheet.widths)
                .map(|((header, kind), data)| {
                    // +3 leaves room for the filter button beside the header.
                    let header = text_width(header) as f64 + 3.0;
                    header.max((data + 1.0).min(kind.max_width()))
                })
                .collect();
            let last_col = sheet.headers.len().saturating_sub(1) as u16;
            for &(index, rows) in &sheet.parts {
                let worksheet = self.workbook.worksheet_from_index(index)?;
                worksheet.set_freeze_panes(1, 0)?;
                worksheet.autofilter(0, 0, rows.saturating_sub(1), last_col)?;
                for (col, width) in widths.iter().enumerate() {
                    worksheet.set_column_width(col as u16, *width)?;
                }
            }
        }
        self.workbook.save(&self.path)
    }
}

impl Sink for XlsxSink {
    fn reads_forms(&self) -> bool {
        true
    }

    fn form(&mut self, form: &std::sync::Arc<Form>) -> io::Result<()> {
        self.record(FORMS, &FormRow::new(form), Style::Plain)?;
        for row in budget_rows(form) {
            self.record(BUDGET, &row, Style::Plain)?;
        }
        for row in task_rows(form) {
            self.record(TASKS, &row, Style::Plain)?;
        }
        for indicator in &form.indicators {
            let fields = IndicatorRow { form, indicator }.fields();
            let fields = fields.into_iter().map(|field| field.into_owned()).collect();
            self.texts(INDICATORS, fields, Style::Plain)?;
        }
        for (row, finding) in finding_rows(form).zip(&form.findings) {
            let style = match finding.severity {
                Severity::Error => Style::Error,
                Severity::Warning => Style::Warning,
                _ => Style::Plain,
            };
            self.record(FINDINGS, &row, style)?;
        }
        for row in unmapped_rows(form) {
            self.record(UNMAPPED, &row, Style::Plain)?;
        }
        Ok(())
    }

    fn file(&mut self, row: &FileRow) -> io::Result<()> {
        self.record(FILES, row, Style::Plain)
    }

    fn finish(mut self: Box<Self>, summary: &Summary) -> io::Result<()> {
        let mut rows = summary.rows()?.peekable();
        while let Some(row) = rows.next() {
            // The last row is the TOTAL.
            let style = match rows.peek() {
                None => Style::Total,
                Some(_) => Style::Plain,
            };
            self.texts(SUMMARY, row?, style)?;
        }
        self.save().map_err(xlsx_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals_only() {
        assert_eq!(number("153069.97"), Some(153069.97));
        assert_eq!(number("-3"), Some(-3.0));
        assert_eq!(number("1e3"), Some(1000.0));
        for text in ["inf", "NaN", "2024-12-31", "e", "", "95%", "三"] {
            assert_eq!(number(text), None, "{text}");
        }
    }

    #[test]
    fn cjk_counts_double_in_widths() {
        assert_eq!(text_width("abc"), 3);
        assert_eq!(text_width("司法局"), 6);
        assert_eq!(text_width("（１）"), 6);
        assert_eq!(Cell::Text("ab\n司法局x".into()).width(Kind::Text), 7.0);
        // 1,234,567.89
        assert_eq!(Cell::Number(1234567.891).width(Kind::Amount), 12.0);
        assert_eq!(Cell::Number(-5.0).width(Kind::Amount), 5.0);
    }

    #[test]
    fn texts_are_cut_to_excels_limit_on_a_character_boundary() {
        let long = "司".repeat(EXCEL_TEXT + 10);
        assert_eq!(excel_text(&long).chars().count(), EXCEL_TEXT);
        let astral = "𠀀".repeat(EXCEL_TEXT); // two UTF-16 units each
        assert_eq!(excel_text(&astral).chars().count(), EXCEL_TEXT / 2);
        assert_eq!(excel_text("short"), "short");
    }

    #[test]
    fn columns_are_typed_by_name() {
        assert_eq!(Kind::of("year"), Kind::Int);
        assert_eq!(Kind::of("amount_wan"), Kind::Amount);
        assert_eq!(Kind::of("total"), Kind::Amount);
        assert_eq!(Kind::of("annual_value"), Kind::Number);
        assert_eq!(Kind::of("content"), Kind::Long);
        assert_eq!(Kind::of("key"), Kind::Text);
        assert_eq!(
            Cell::from_text("2024-12-31".into(), Kind::Number),
            Cell::Text("2024-12-31".into())
        );
        assert_eq!(Cell::from_text(String::new(), Kind::Text), Cell::Blank);
    }

    #[test]
    fn a_full_sheet_continues_on_a_numbered_one() {
        let dir = crate::test_support::fresh_dir("xlsx-unit");
        let path = dir.join("split.xlsx");
        let mut sink = XlsxSink::create_at(path.clone(), 3).unwrap();
        for i in 0..5 {
            let row = FileRow {
                path: format!("f{i}.txt"),
                form_id: String::new(),
                format: "text".into(),
                status: "skipped".into(),
                error: "not a form".into(),
            };
            sink.file(&row).unwrap();
        }
        Box::new(sink).finish(&Summary::default()).unwrap();

        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let names = book.sheet_names();
        assert_eq!(
            names,
            [
                "files",
                "forms",
                "budget",
                "tasks",
                "indicators",
                "findings",
                "unmapped",
                "summary",
                "files (2)",
                "files (3)"
            ]
        );
        let paths: Vec<String> = ["files", "files (2)", "files (3)"]
            .iter()
            .flat_map(|name| {
                let range = book.worksheet_range(name).unwrap();
                assert_eq!(range.get((0, 0)).unwrap().to_string(), "path");
                range
                    .rows()
                    .skip(1)
                    .map(|r| r[0].to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(paths, ["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
