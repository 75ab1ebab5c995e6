//! The intermediate cell model every reader produces and every extractor consumes.
//!
//! A source file becomes a [`Grid`]: an ordered list of [`Block`]s (free paragraphs and
//! tables, in reading order). A table is a list of [`Row`]s; a row holds the non-empty
//! [`Cell`]s it *anchors*, each at its grid column. A merged region is one cell with a
//! span: it is stored once, at its top-left position, and the positions it covers hold
//! nothing, so an extractor sees exactly what a text rendering of the same form shows
//! (blank below the first row of a merged level cell) and fills down where it must.
//!
//! Nothing in this module knows about file formats: a reader's only job is to fill it,
//! an extractor's only input is it.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::document::Severity;

/// Where a cell came from, in terms a clerk can follow back to the source.
///
/// Rendered by [`fmt::Display`] as the contract's Loc string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Loc {
    /// A spreadsheet cell; `row` and `col` are 0-based, shown as `'Sheet1'!C4`.
    Sheet {
        /// Sheet name as in the workbook.
        sheet: Arc<str>,
        /// 0-based row index.
        row: u32,
        /// 0-based column index.
        col: u32,
    },
    /// A DOCX/HTML table cell, 1-based, shown as `table 2 row 5 cell 3`. `cell` counts the
    /// cells as written in the row (a spanning cell counts once), as a clerk counts them.
    Table {
        /// 1-based table number in the document.
        table: u32,
        /// 1-based row number in the table.
        row: u32,
        /// 1-based cell number in the row.
        cell: u32,
    },
    /// A body paragraph outside any table, 1-based, shown as `paragraph 3`.
    Paragraph {
        /// 1-based paragraph number among the body's paragraphs.
        paragraph: u32,
    },
    /// A field of a line of text, 1-based, shown as `line 12 field 3`.
    Line {
        /// 1-based line number.
        line: u32,
        /// 1-based field number (fields are separated by tabs).
        field: u32,
    },
}

impl Loc {
    /// The Display text ([`fmt::Display`]) in a String sized for it up front: every
    /// field, line and finding of a form carries a location, so extraction renders dozens
    /// per form, and `to_string` would grow its String two or three times for each.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(match self {
            Loc::Sheet { sheet, .. } => sheet.len() + 16,
            _ => 32,
        });
        // Writing to a String cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Writes the contract's Loc string piece by piece, numbers included, without the
    /// formatting machinery of `write!`.
    fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self {
            Loc::Sheet { sheet, row, col } => {
                out.write_str("'")?;
                if sheet.contains('\'') {
                    out.write_str(&sheet.replace('\'', "''"))?;
                } else {
                    out.write_str(sheet)?;
                }
                out.write_str("'!")?;
                ColumnName(*col).write_to(out)?;
                write_number(out, u64::from(*row) + 1)
            }
            Loc::Table { table, row, cell } => {
                out.write_str("table ")?;
                write_number(out, u64::from(*table))?;
                out.write_str(" row ")?;
                write_number(out, u64::from(*row))?;
                out.write_str(" cell ")?;
                write_number(out, u64::from(*cell))
            }
            Loc::Paragraph { paragraph } => {
                out.write_str("paragraph ")?;
                write_number(out, u64::from(*paragraph))
            }
            Loc::Line { line, field } => {
                out.write_str("line ")?;
                write_number(out, u64::from(*line))?;
                out.write_str(" field ")?;
                write_number(out, u64::from(*field))
            }
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

/// Writes `n` in decimal digits.
fn write_number(out: &mut impl fmt::Write, mut n: u64) -> fmt::Result {
    // u64::MAX has 20 digits.
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)
}

/// Spreadsheet column letters for a 0-based index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_name(col: u32) -> String {
    ColumnName(col).to_string()
}

/// A column's letters, written without a String of their own.
struct ColumnName(u32);

impl fmt::Display for ColumnName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl ColumnName {
    fn write_to(&self, f: &mut impl fmt::Write) -> fmt::Result {
        // u32::MAX + 1 needs 7 letters.
        let mut letters = [0u8; 7];
        let mut start = letters.len();
        let mut n = self.0 as u64 + 1;
        while n > 0 {
            start -= 1;
            letters[start] = b'A' + ((n - 1) % 26) as u8;
            n = (n - 1) / 26;
        }
        f.write_str(std::str::from_utf8(&letters[start..]).map_err(|_| fmt::Error)?)
    }
}

/// One cell as the reader saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The text as displayed: paragraphs joined with `\n`, numbers formatted with the
    /// cell's number format (`153,069.97`), dates as ISO `2024-12-31`. Never empty:
    /// readers do not store empty cells.
    pub text: String,
    /// The numeric value when the source typed the cell as a number.
    pub number: Option<f64>,
    /// 0-based grid column where the cell starts.
    pub col: u32,
    /// Columns covered (1 unless merged across).
    pub col_span: u32,
    /// Rows covered (1 unless merged down).
    pub row_span: u32,
    /// Where it came from.
    pub loc: Loc,
}

impl Cell {
    /// A plain one-position text cell.
    pub fn text(col: u32, text: impl Into<String>, loc: Loc) -> Self {
        Cell {
            text: text.into(),
            number: None,
            col,
            col_span: 1,
            row_span: 1,
            loc,
        }
    }
}

/// One row of a table: the cells it anchors, sorted by column.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Non-empty anchor cells, sorted by `col`.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell anchored at grid column `col`, if any.
    pub fn at(&self, col: u32) -> Option<&Cell> {
        self.cells.iter().find(|c| c.col == col)
    }

    /// Whether the row anchors no cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// Rows as plain text: each non-empty row's cells joined by tabs, rows by newlines —
/// how a table nested inside a cell is kept (DOCX, HTML), so its text is not lost.
pub fn rows_as_text(rows: &[Row]) -> String {
    let lines: Vec<String> = rows
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.cells
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    lines.join("\n")
}

/// A table (a worksheet, a DOCX/HTML table, or the lines of a text file).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Sheet name for spreadsheets; `None` elsewhere.
    pub name: Option<String>,
    /// Rows in order; empty rows are kept (they mark page breaks in text).
    pub rows: Vec<Row>,
}

/// A unit of reading order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// Text outside any table (a DOCX body paragraph, e.g. the title).
    Paragraph(Cell),
    /// A table.
    Table(Table),
}

/// Everything a reader found in one file, in reading order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grid {
    /// Blocks in reading order.
    pub blocks: Vec<Block>,
    /// The text encoding detected (text inputs only), e.g. `utf-8`, `gb18030`.
    pub encoding: Option<String>,
    /// Soft problems the reader met (a guessed encoding, a skipped part): they become
    /// findings on every form read from this file.
    pub notes: Vec<ReaderNote>,
}

/// Every code a reader note may have, with the severity of the finding it becomes: the
/// one place a new kind of note is declared.
pub const READER_NOTE_CODES: &[(&str, Severity)] = &[
    ("input.encoding_guessed", Severity::Info),
    ("input.encoding_errors", Severity::Warning),
    ("input.extension_mismatch", Severity::Info),
    ("input.zip_recovered", Severity::Warning),
    ("input.formulas_not_calculated", Severity::Warning),
    ("input.cut_short", Severity::Warning),
];

/// A soft problem a reader met that does not stop the file from being read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderNote {
    /// Stable dotted finding code, e.g. `input.encoding_guessed`.
    pub code: &'static str,
    /// What happened, with the specifics.
    pub message: String,
}

impl ReaderNote {
    /// The severity of the finding this note becomes ([`READER_NOTE_CODES`]).
    pub fn severity(&self) -> Severity {
        READER_NOTE_CODES
            .iter()
            .find(|(code, _)| *code == self.code)
            .map_or(Severity::Warning, |&(_, severity)| severity)
    }

    /// The declared code spelled `code`, for a note that crossed a process boundary.
    pub fn known_code(code: &str) -> Option<&'static str> {
        READER_NOTE_CODES
            .iter()
            .find(|(known, _)| *known == code)
            .map(|&(known, _)| known)
    }
}

/// Helpers for the readers' unit tests: a table's cells as comparable tuples.
#[cfg(test)]
pub(crate) mod test_support {
    use super::Table;

    /// (col, text, col_span, row_span, loc) of one cell.
    pub type Shape = (u32, String, u32, u32, String);

    /// The shapes of a table's cells, per row.
    pub fn layout(table: &Table) -> Vec<Vec<Shape>> {
        table
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .map(|c| {
                        (
                            c.col,
                            c.text.clone(),
                            c.col_span,
                            c.row_span,
                            c.loc.to_string(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    /// One expected cell shape.
    pub fn cell(col: u32, text: &str, col_span: u32, row_span: u32, loc: &str) -> Shape {
        (col, text.to_string(), col_span, row_span, loc.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_follow_spreadsheet_letters() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
        assert_eq!(column_name(16383), "XFD");
        assert_eq!(column_name(u32::MAX), "MWLQKWV");
    }

    #[test]
    fn locs_render_as_the_contract_says() {
        let sheet = Loc::Sheet {
            sheet: Arc::from("Sheet1"),
            row: 3,
            col: 2,
        };
        assert_eq!(sheet.to_string(), "'Sheet1'!C4");
        let quoted = Loc::Sheet {
            sheet: Arc::from("O'Brien"),
            row: 0,
            col: 0,
        };
        assert_eq!(quoted.to_string(), "'O''Brien'!A1");
        assert_eq!(
            Loc::Table {
                table: 2,
                row: 5,
                cell: 3
            }
            .to_string(),
            "table 2 row 5 cell 3"
        );
        assert_eq!(
            Loc::Line { line: 12, field: 3 }.to_string(),
            "line 12 field 3"
        );
        assert_eq!(Loc::Paragraph { paragraph: 1 }.to_string(), "paragraph 1");
    }

    #[test]
    fn a_rendered_loc_is_its_display_text() {
        let locs = [
            Loc::Sheet {
                sheet: Arc::from("O'Brien"),
                row: u32::MAX,
                col: 16383,
            },
            Loc::Table {
                table: 0,
                row: 10,
                cell: 109,
            },
            Loc::Paragraph { paragraph: 7 },
            Loc::Line {
                line: 1000,
                field: 1,
            },
        ];
        for loc in locs {
            assert_eq!(loc.render(), loc.to_string());
        }
        assert_eq!(
            Loc::Sheet {
                sheet: Arc::from("Sheet1"),
                row: u32::MAX,
                col: 0
            }
            .render(),
            "'Sheet1'!A4294967296"
        );
    }
}
