//! A generic renderer for forms that do not follow the seed's layout: tables written as
//! rows of cell texts, with merges marked in the cells they cover, rendered as the
//! sheets of one XLSX workbook or the tables (and paragraphs) of one DOCX document.
//!
//! Marks: a cell whose text is [`LEFT`] (`>`) is covered by the merged cell to its
//! left, one whose text is [`UP`] (`^`) by the merged cell above. The anchor of a merge
//! spans right over the `>` cells that follow it in its row and down over the `^`
//! cells below it in its column; every other position of that rectangle must be a
//! mark too. An empty text is an empty, unmerged cell.
//!
//! Line breaks inside a cell: `\n` starts a new paragraph in DOCX (`<w:p>`), [`BR`]
//! (U+2028) is a `<w:br/>` inside the same paragraph; a workbook cell holds a `\n` for
//! either (Alt+Enter in Excel). Amounts written as `#,##0.00` displays them
//! (`1,280.50`) become number cells in workbooks, as in [`super::render`].
//!
//! The output is deterministic, like [`super::render`]'s.

use anyhow::{bail, ensure, Result};
use rust_xlsxwriter::{Format, FormatAlign};

use super::render::{amount, docx_package, escape, workbook, DOCX_TABLE_START};

/// Marks a cell covered by the merged cell to its left.
pub const LEFT: &str = ">";
/// Marks a cell covered by the merged cell above.
pub const UP: &str = "^";
/// A line break inside a paragraph (`<w:br/>` in DOCX, `\n` in XLSX).
pub const BR: char = '\u{2028}';

/// A table: a worksheet, or a table of a document.
#[derive(Clone, Debug)]
pub struct Table {
    /// The sheet name (workbooks only).
    pub name: String,
    /// Column widths in characters; also the number of grid columns.
    pub widths: Vec<f64>,
    /// Rows of cell texts (and marks); a short row is padded with empty cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table named `name` with columns of `widths` characters and no rows yet.
    pub fn new(name: &str, widths: &[f64]) -> Self {
        Table {
            name: name.to_string(),
            widths: widths.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Appends a row of cells.
    pub fn row(&mut self, cells: &[&str]) -> &mut Self {
        self.rows
            .push(cells.iter().map(|c| c.to_string()).collect());
        self
    }
}

/// A unit of a document, in reading order.
#[derive(Clone, Debug)]
pub enum Block {
    /// A body paragraph; `centered` titles are bold and centred.
    Para { text: String, centered: bool },
    /// A table.
    Table(Table),
    /// An empty paragraph holding a page break.
    PageBreak,
}

/// Where a cell of the table is, and what it spans.
#[derive(Clone, Debug, PartialEq)]
struct Anchor {
    row: usize,
    col: usize,
    row_span: usize,
    col_span: usize,
}

/// The text at (row, col); empty beyond a short row.
fn text_at(table: &Table, row: usize, col: usize) -> &str {
    table
        .rows
        .get(row)
        .and_then(|r| r.get(col))
        .map_or("", String::as_str)
}

fn is_mark(text: &str) -> bool {
    text == LEFT || text == UP
}

/// Every non-mark position with its spans; fails on a mark no anchor covers or a merge
/// that is not a rectangle of marks.
fn anchors(table: &Table) -> Result<Vec<Anchor>> {
    let cols = table.widths.len();
    let mut covered = vec![vec![false; cols]; table.rows.len()];
    let mut out = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        ensure!(
            row.len() <= cols,
            "table {:?} row {} has {} cells for {cols} columns",
            table.name,
            r + 1,
            row.len()
        );
        for c in 0..cols {
            let text = text_at(table, r, c);
            if is_mark(text) {
                ensure!(
                    covered[r][c],
                    "table {:?} row {} col {}: mark {text:?} covered by no merge",
                    table.name,
                    r + 1,
                    c + 1
                );
                continue;
            }
            let col_span = 1
                + (c + 1..cols)
                    .take_while(|&k| text_at(table, r, k) == LEFT)
                    .count();
            let row_span = 1
                + (r + 1..table.rows.len())
                    .take_while(|&k| text_at(table, k, c) == UP)
                    .count();
            for (rr, covered_row) in covered.iter_mut().enumerate().skip(r).take(row_span) {
                for (cc, is_covered) in covered_row.iter_mut().enumerate().skip(c).take(col_span) {
                    if (rr, cc) == (r, c) {
                        continue;
                    }
                    if !is_mark(text_at(table, rr, cc)) || *is_covered {
                        bail!(
                            "table {:?}: the merge at row {} col {} is not a rectangle of marks",
                            table.name,
                            r + 1,
                            c + 1
                        );
                    }
                    *is_covered = true;
                }
            }
            out.push(Anchor {
                row: r,
                col: c,
                row_span,
                col_span,
            });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- XLSX

/// One workbook with a sheet per table, in order. Merges become merged ranges, cell
/// texts wrap, amounts are numbers in `#,##0.00`.
pub fn xlsx(sheets: &[Table]) -> Result<Vec<u8>> {
    let mut workbook = workbook()?;
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let money = Format::new()
        .set_num_format("#,##0.00")
        .set_align(FormatAlign::VerticalCenter);
    for table in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&table.name)?;
        for (col, width) in table.widths.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        for a in anchors(table)? {
            let text = text_at(table, a.row, a.col).replace(BR, "\n");
            let (row, col) = (a.row as u32, a.col as u16);
            if a.row_span > 1 || a.col_span > 1 {
                let last_row = (a.row + a.row_span - 1) as u32;
                let last_col = (a.col + a.col_span - 1) as u16;
                sheet.merge_range(row, col, last_row, last_col, &text, &wrap)?;
            } else if text.is_empty() {
            } else if let Some(value) = amount(&text) {
                sheet.write_number_with_format(row, col, value, &money)?;
            } else {
                sheet.write_string_with_format(row, col, &text, &wrap)?;
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

// ---------------------------------------------------------------- DOCX

/// Twentieths of a point per character of column width (10.5 pt SimSun).
const TWIPS_PER_CHAR: f64 = 210.0;

/// The paragraphs of a cell: `\n` separates paragraphs, [`BR`] breaks a line inside one.
fn paragraphs(text: &str, bold: bool) -> String {
    let rpr = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    text.split('\n')
        .map(|para| {
            let runs: Vec<String> = para
                .split(BR)
                .map(|line| {
                    format!(
                        r#"<w:r>{rpr}<w:t xml:space="preserve">{}</w:t></w:r>"#,
                        escape(line)
                    )
                })
                .collect();
            let joined = runs.join(&format!("<w:r>{rpr}<w:br/></w:r>"));
            if para.is_empty() {
                "<w:p/>".to_string()
            } else {
                format!("<w:p>{joined}</w:p>")
            }
        })
        .collect()
}

fn docx_table(table: &Table) -> Result<String> {
    let anchors = anchors(table)?;
    let widths: Vec<u32> = table
        .widths
        .iter()
        .map(|w| (w * TWIPS_PER_CHAR).round() as u32)
        .collect();
    let mut xml = String::from(DOCX_TABLE_START);
    for width in &widths {
        xml.push_str(&format!("<w:gridCol w:w=\"{width}\"/>"));
    }
    xml.push_str("</w:tblGrid>");
    for r in 0..table.rows.len() {
        xml.push_str("<w:tr>");
        let mut c = 0;
        while c < widths.len() {
            // The merge this position starts, or continues from above.
            let (anchor, continued) = match anchors.iter().find(|a| a.row == r && a.col == c) {
                Some(a) => (a.clone(), false),
                None => match anchors
                    .iter()
                    .find(|a| a.col == c && a.row < r && r < a.row + a.row_span && a.row_span > 1)
                {
                    Some(a) => (a.clone(), true),
                    None => bail!(
                        "table {:?} row {} col {}: a position no cell starts",
                        table.name,
                        r + 1,
                        c + 1
                    ),
                },
            };
            let width: u32 = widths[c..c + anchor.col_span].iter().sum();
            xml.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"
            ));
            if anchor.col_span > 1 {
                xml.push_str(&format!("<w:gridSpan w:val=\"{}\"/>", anchor.col_span));
            }
            if continued {
                xml.push_str("<w:vMerge/>");
            } else if anchor.row_span > 1 {
                xml.push_str("<w:vMerge w:val=\"restart\"/>");
            }
            xml.push_str("<w:vAlign w:val=\"center\"/></w:tcPr>");
            let text = if continued { "" } else { text_at(table, r, c) };
            xml.push_str(&paragraphs(text, false));
            xml.push_str("</w:tc>");
            c += anchor.col_span;
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    Ok(xml)
}

/// One document of the blocks in order, A4 landscape. Word needs a paragraph between
/// two tables: a [`Block::PageBreak`] or [`Block::Para`] must separate them.
pub fn docx(blocks: &[Block]) -> Result<Vec<u8>> {
    let mut body = String::new();
    let mut after_table = false;
    for block in blocks {
        match block {
            Block::Para { text, centered } => {
                if *centered {
                    body.push_str(concat!(
                        r#"<w:p><w:pPr><w:jc w:val="center"/><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:pPr>"#,
                        r#"<w:r><w:rPr><w:b/><w:sz w:val="32"/></w:rPr><w:t xml:space="preserve">"#
                    ));
                    body.push_str(&escape(text));
                    body.push_str("</w:t></w:r></w:p>");
                } else {
                    body.push_str(&paragraphs(text, false));
                }
                after_table = false;
            }
            Block::PageBreak => {
                body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
                after_table = false;
            }
            Block::Table(table) => {
                ensure!(
                    !after_table,
                    "two tables in a row: Word merges them; put a paragraph between"
                );
                body.push_str(&docx_table(table)?);
                after_table = true;
            }
        }
    }
    body.push_str(concat!(
        "<w:p/><w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>",
        "<w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" ",
        "w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>",
    ));
    docx_package(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_give_spans() {
        let mut t = Table::new("t", &[4.0, 4.0, 4.0]);
        t.row(&["a", ">", "b"])
            .row(&["^", ">", "c"])
            .row(&["d", "", UP]);
        let got: Vec<_> = anchors(&t)
            .unwrap()
            .into_iter()
            .map(|a| (a.row, a.col, a.row_span, a.col_span))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 0, 2, 2),
                (0, 2, 1, 1),
                (1, 2, 2, 1),
                (2, 0, 1, 1),
                (2, 1, 1, 1)
            ]
        );
    }

    #[test]
    fn a_stray_mark_is_an_error() {
        let mut t = Table::new("t", &[4.0, 4.0]);
        t.row(&["", ">"]);
        assert!(anchors(&t).is_ok(), "an empty cell may be merged across");
        let mut t = Table::new("t", &[4.0, 4.0]);
        t.row(&[UP, "a"]);
        assert!(anchors(&t).is_err());
    }

    #[test]
    fn line_breaks_become_paragraphs_or_breaks() {
        assert_eq!(
            paragraphs("一级\n指标", false),
            "<w:p><w:r><w:t xml:space=\"preserve\">一级</w:t></w:r></w:p>\
             <w:p><w:r><w:t xml:space=\"preserve\">指标</w:t></w:r></w:p>"
        );
        assert_eq!(
            paragraphs("年度\u{2028}目标", false),
            "<w:p><w:r><w:t xml:space=\"preserve\">年度</w:t></w:r><w:r><w:br/></w:r>\
             <w:r><w:t xml:space=\"preserve\">目标</w:t></w:r></w:p>"
        );
    }
}
