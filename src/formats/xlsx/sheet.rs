//! One worksheet part (`xl/worksheets/sheetN.xml`) into a [`Table`], in one streaming pass.
//!
//! Only what is really there costs memory: `<dimension>` is never trusted, a cell is
//! stored only when it shows something, and the rows vector (index = 0-based sheet row,
//! so positions stay meaningful) grows only to the last row a real cell sits in, each
//! new row slot counted against the file's budget. Merged regions are applied after the
//! cells in one sweep over the rows, so their cost is independent of how large they
//! claim to be.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};

use super::numfmt::NumFmt;
use super::shared_strings::SharedStrings;
use super::styles::Styles;
use super::xml::{decode_xstring, local_name, push_text, trim_cell, Xml};
use crate::model::{column_name, Cell, Loc, Row, Table};
use crate::{Error, Result};

/// Excel's last column index (XFD) and row index (1048576), 0-based.
const MAX_COL: u32 = 16_383;
const MAX_ROW: u32 = 1_048_575;

/// What the rest of the workbook tells a sheet.
pub(crate) struct Context<'w> {
    pub strings: &'w SharedStrings,
    pub styles: &'w Styles,
    pub date1904: bool,
    /// The workbook's formulas were left for Excel to calculate when it opens the file.
    pub recalculate_on_load: bool,
}

/// The file-wide allowance of cells, row slots and merged regions.
pub(crate) struct Budget {
    max: u64,
    cells: u64,
    rows: u64,
    merges: u64,
}

impl Budget {
    /// A budget of `max` of each (the `--max-cells` limit).
    pub fn new(max: u64) -> Self {
        Budget {
            max,
            cells: 0,
            rows: 0,
            merges: 0,
        }
    }

    fn take(&self, used: &mut u64, count: u64, what: &str) -> Result<()> {
        *used += count;
        if *used > self.max {
            return Err(Error::limit(
                format!("more than {} {what}", self.max),
                format!("{} cells per file; raise it with --max-cells", self.max),
            ));
        }
        Ok(())
    }

    /// Counts one more non-empty cell.
    pub fn cell(&mut self) -> Result<()> {
        let mut used = self.cells;
        self.take(&mut used, 1, "non-empty cells")?;
        self.cells = used;
        Ok(())
    }

    /// Counts `count` more row slots.
    pub fn rows(&mut self, count: u64) -> Result<()> {
        let mut used = self.rows;
        self.take(&mut used, count, "spreadsheet rows")?;
        self.rows = used;
        Ok(())
    }

    fn merge(&mut self) -> Result<()> {
        let mut used = self.merges;
        self.take(&mut used, 1, "merged regions")?;
        self.merges = used;
        Ok(())
    }
}

/// Formula cells whose results the workbook does not hold: programs that write XLSX
/// without calculating it (a script's library, an export) save no result, or a
/// placeholder (0) and a request that Excel recalculate the workbook on opening. Neither
/// can be read as the form's figure, so the reader says how many and where the first
/// is, rather than drop them, or pass a placeholder on, unsaid.
#[derive(Debug, Default)]
pub(crate) struct Uncalculated {
    /// Formula cells without a result.
    pub missing: u64,
    /// Formula cells with a result the workbook asks to recalculate.
    pub placeholders: u64,
    /// The first one's place (`'Sheet1'!C8`) and formula.
    pub first: Option<(String, String)>,
}

/// A merged region, 0-based and inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Merge {
    pub r1: u32,
    pub c1: u32,
    pub r2: u32,
    pub c2: u32,
}

/// The `t` attribute of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CellType {
    Number,
    Shared,
    Inline,
    FormulaString,
    Bool,
    Error,
    IsoDate,
}

/// A `<c>` being read.
struct Pending {
    row: u32,
    col: u32,
    kind: CellType,
    style: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Collect {
    Nothing,
    Value,
    InlineText,
    Formula,
}

/// Reads one worksheet part; `part` names it in errors, `name` is the sheet's name.
pub(crate) fn read(
    bytes: &[u8],
    part: &str,
    name: &str,
    ctx: &Context<'_>,
    budget: &mut Budget,
    uncalculated: &mut Uncalculated,
) -> Result<Table> {
    let sheet: Arc<str> = Arc::from(name);
    let mut xml = Xml::new(bytes, "xlsx", part);
    let mut rows: Vec<Row> = Vec::new();
    let mut merges: Vec<Merge> = Vec::new();
    let mut in_sheet_data = false;
    let mut row_index: u32 = 0;
    let mut next_row: u32 = 0;
    let mut next_col: u32 = 0;
    let mut pending: Option<Pending> = None;
    let mut has_value = false;
    let mut value = String::new();
    // The cell's formula, if it has one (its text kept only while none has been said).
    let mut has_formula = false;
    let mut formula = String::new();
    let mut collect = Collect::Nothing;
    let (mut in_is, mut in_rph) = (false, false);

    loop {
        let event = xml.next()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match local_name(e.name()) {
                    "sheetData" => in_sheet_data = !empty,
                    "row" if in_sheet_data => {
                        row_index = match attr_str(e, "r") {
                            Some(r) => parse_row_number(r).ok_or_else(|| {
                                xml.malformed(None, format!("row number {r:?} is not 1 to 1048576"))
                            })?,
                            None => next_row.min(MAX_ROW),
                        };
                        next_row = row_index + 1;
                        next_col = 0;
                    }
                    "c" if in_sheet_data => {
                        let cell = start_cell(e, row_index, next_col)
                            .map_err(|detail| xml.malformed(None, detail))?;
                        next_col = (cell.col + 1).min(MAX_COL);
                        if !empty {
                            pending = Some(cell);
                            value.clear();
                            has_value = false;
                            has_formula = false;
                            in_is = false;
                            in_rph = false;
                        }
                    }
                    "v" if pending.is_some() && !empty => {
                        collect = Collect::Value;
                        has_value = true;
                    }
                    "is" if pending.is_some() && !empty => {
                        in_is = true;
                        has_value = true;
                    }
                    "t" if in_is && !in_rph && !empty => collect = Collect::InlineText,
                    "f" if pending.is_some() => {
                        has_formula = true;
                        if uncalculated.first.is_none() && !empty {
                            formula.clear();
                            collect = Collect::Formula;
                        }
                    }
                    "rPh" if in_is && !empty => in_rph = true,
                    "mergeCell" => {
                        if let Some(merge) = attr_str(e, "ref").and_then(parse_range) {
                            if merge
                                != (Merge {
                                    r1: merge.r1,
                                    c1: merge.c1,
                                    r2: merge.r1,
                                    c2: merge.c1,
                                })
                            {
                                budget.merge()?;
                                merges.push(merge);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match local_name(e.name()) {
                "sheetData" => in_sheet_data = false,
                "c" => {
                    if let Some(cell) = pending.take() {
                        // A formula string may be empty; any other result may not.
                        let empty_string = has_value && cell.kind == CellType::FormulaString;
                        let missing = value.trim().is_empty() && !empty_string;
                        if has_formula && (missing || ctx.recalculate_on_load) {
                            if missing {
                                uncalculated.missing += 1;
                            } else {
                                uncalculated.placeholders += 1;
                            }
                            uncalculated.first.get_or_insert_with(|| {
                                let place = Loc::Sheet {
                                    sheet: Arc::clone(&sheet),
                                    row: cell.row,
                                    col: cell.col,
                                };
                                (place.render(), formula.trim().to_string())
                            });
                        }
                        if has_value && !(has_formula && missing) {
                            store(&mut rows, cell, &value, ctx, &sheet, &xml, budget)?;
                        }
                    }
                    collect = Collect::Nothing;
                }
                "v" | "t" | "f" => collect = Collect::Nothing,
                "is" => in_is = false,
                "rPh" => in_rph = false,
                _ => {}
            },
            Event::Eof => break,
            other => match collect {
                Collect::Nothing => {}
                Collect::Formula => {
                    push_text(&mut formula, other);
                }
                Collect::Value | Collect::InlineText => {
                    push_text(&mut value, other);
                }
            },
        }
    }

    for row in &mut rows {
        order_cells(&mut row.cells);
    }
    apply_merges(&mut rows, &mut merges);
    while rows.last().is_some_and(Row::is_empty) {
        rows.pop();
    }
    Ok(Table {
        name: Some(name.to_string()),
        rows,
    })
}

/// An attribute value as a borrowed `&str` (attribute values borrow from the input).
fn attr_str<'e>(e: &'e BytesStart<'_>, name: &str) -> Option<&'e str> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    attrs
        .flatten()
        .find(|a| local_name(a.key) == name)
        .map(|a| match a.value {
            std::borrow::Cow::Borrowed(s) => s,
            // Raw attribute values are always borrowed from the event; an owned one cannot
            // outlive this call, so treat it as absent rather than allocate.
            std::borrow::Cow::Owned(_) => "",
        })
}

/// Reads the attributes of a `<c>` in one pass.
fn start_cell(e: &BytesStart<'_>, row: u32, next_col: u32) -> Result<Pending, String> {
    let mut cell = Pending {
        row,
        col: next_col,
        kind: CellType::Number,
        style: 0,
    };
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    for attr in attrs.flatten() {
        let value: &str = &attr.value;
        match local_name(attr.key) {
            "r" => {
                let (r, c) = parse_ref(value)
                    .ok_or_else(|| format!("cell reference {value:?} is not a cell"))?;
                cell.row = r;
                cell.col = c;
            }
            "s" => cell.style = value.trim().parse().unwrap_or(0),
            "t" => {
                cell.kind = match value {
                    "s" => CellType::Shared,
                    "inlineStr" => CellType::Inline,
                    "str" => CellType::FormulaString,
                    "b" => CellType::Bool,
                    "e" => CellType::Error,
                    "d" => CellType::IsoDate,
                    _ => CellType::Number,
                }
            }
            _ => {}
        }
    }
    Ok(cell)
}

/// Turns a finished `<c>` into a stored cell, if it shows anything.
fn store(
    rows: &mut Vec<Row>,
    cell: Pending,
    raw: &str,
    ctx: &Context<'_>,
    sheet: &Arc<str>,
    xml: &Xml<'_>,
    budget: &mut Budget,
) -> Result<()> {
    let place = || format!("cell {}{}", column_name(cell.col), cell.row + 1);
    let (text, number) = match cell.kind {
        CellType::Shared => {
            let index: usize = raw.trim().parse().map_err(|_| {
                xml.malformed(
                    Some(&place()),
                    format!("shared string index {raw:?} is not a number"),
                )
            })?;
            let text = ctx.strings.get(index).ok_or_else(|| {
                let why = match ctx.strings.missing_part() {
                    Some(part) => format!("the package has no {part}, which the workbook names"),
                    None => format!("the table has {}", ctx.strings.len()),
                };
                xml.malformed(
                    Some(&place()),
                    format!("shared string {index} does not exist ({why})"),
                )
            })?;
            (text.to_string(), None)
        }
        CellType::Inline | CellType::FormulaString => {
            (trim_cell(&decode_xstring(raw)).to_string(), None)
        }
        CellType::Bool => (bool_text(raw.trim()).to_string(), None),
        CellType::Error => (trim_cell(raw).to_string(), None),
        CellType::IsoDate => (iso_date_cell(raw.trim()), None),
        CellType::Number => number_cell(raw.trim(), ctx.styles.format(cell.style), ctx.date1904),
    };
    if text.is_empty() {
        return Ok(());
    }
    let row = cell.row;
    let cell = Cell {
        text,
        number,
        col: cell.col,
        col_span: 1,
        row_span: 1,
        loc: Loc::Sheet {
            sheet: Arc::clone(sheet),
            row,
            col: cell.col,
        },
    };
    push_cell(rows, row, cell, budget)
}

/// Stores a non-empty cell in row `row` (0-based), growing the rows to reach it, within
/// the file's allowance.
pub(crate) fn push_cell(
    rows: &mut Vec<Row>,
    row: u32,
    cell: Cell,
    budget: &mut Budget,
) -> Result<()> {
    budget.cell()?;
    let index = row as usize;
    if index >= rows.len() {
        budget.rows((index + 1 - rows.len()) as u64)?;
        rows.resize_with(index + 1, Row::default);
    }
    rows[index].cells.push(cell);
    Ok(())
}

/// A boolean cell's text as Excel shows it: `TRUE` or `FALSE` (anything else as written).
pub(crate) fn bool_text(raw: &str) -> &str {
    match raw {
        "1" | "true" | "TRUE" => "TRUE",
        "0" | "false" | "FALSE" => "FALSE",
        other => other,
    }
}

/// A numeric cell's displayed text and value; text that is not a number is kept as text.
pub(crate) fn number_cell(raw: &str, format: &NumFmt, date1904: bool) -> (String, Option<f64>) {
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() => {
            let (text, number) = format.format(value, date1904);
            let trimmed = trim_cell(&text);
            if trimmed.len() == text.len() {
                (text, number)
            } else {
                (trimmed.to_string(), number)
            }
        }
        _ => (raw.to_string(), None),
    }
}

/// A `t="d"` cell (ISO 8601 text) as `2024-12-31` or `2024-12-31 08:30:00`.
pub(crate) fn iso_date_cell(raw: &str) -> String {
    let Some((date, time)) = raw.split_once('T') else {
        return raw.to_string();
    };
    let time = time.trim_end_matches('Z');
    let time = time.split('.').next().unwrap_or(time);
    if time.is_empty() || time.trim_start_matches(['0', ':']).is_empty() {
        date.to_string()
    } else {
        format!("{date} {time}")
    }
}

/// Sorts a row's cells by column and keeps the last of duplicates (rare: Excel writes
/// cells in order, other writers may not).
pub(crate) fn order_cells(cells: &mut Vec<Cell>) {
    if cells.windows(2).all(|w| w[0].col < w[1].col) {
        return;
    }
    cells.sort_by_key(|c| c.col);
    let mut kept: Vec<Cell> = Vec::with_capacity(cells.len());
    for cell in cells.drain(..) {
        match kept.last_mut() {
            Some(last) if last.col == cell.col => *last = cell,
            _ => kept.push(cell),
        }
    }
    *cells = kept;
}

/// Gives each merged region's anchor its spans and drops what the region covers, in one
/// sweep down the rows with the regions active at each row ordered by first column.
pub(crate) fn apply_merges(rows: &mut [Row], merges: &mut [Merge]) {
    if merges.is_empty() {
        return;
    }
    merges.sort_unstable_by_key(|m| (m.r1, m.c1));
    let mut next = 0;
    let mut active: BTreeMap<(u32, usize), ()> = BTreeMap::new();
    let mut ending: BinaryHeap<Reverse<(u32, u32, usize)>> = BinaryHeap::new();
    for (r, row) in rows.iter_mut().enumerate() {
        let r = r as u32;
        while next < merges.len() && merges[next].r1 <= r {
            let m = merges[next];
            if m.r2 >= r {
                active.insert((m.c1, next), ());
                ending.push(Reverse((m.r2, m.c1, next)));
            }
            next += 1;
        }
        while let Some(&Reverse((r2, c1, index))) = ending.peek() {
            if r2 >= r {
                break;
            }
            ending.pop();
            active.remove(&(c1, index));
        }
        if active.is_empty() || row.cells.is_empty() {
            continue;
        }
        row.cells.retain_mut(|cell| {
            let Some((&(_, index), _)) = active.range(..=(cell.col, usize::MAX)).next_back() else {
                return true;
            };
            let m = merges[index];
            if cell.col > m.c2 {
                return true;
            }
            if r == m.r1 && cell.col == m.c1 {
                cell.col_span = m.c2 - m.c1 + 1;
                cell.row_span = m.r2 - m.r1 + 1;
                return true;
            }
            false
        });
    }
}

/// `B12` → (11, 1), 0-based; `$` signs are allowed. `None` past XFD1048576.
pub(crate) fn parse_ref(s: &str) -> Option<(u32, u32)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut col: u32 = 0;
    if bytes.first() == Some(&b'$') {
        i += 1;
    }
    let letters_start = i;
    while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
        if i - letters_start >= 3 {
            return None;
        }
        col = col * 26 + u32::from(bytes[i].to_ascii_uppercase() - b'A' + 1);
        i += 1;
    }
    if i == letters_start || col == 0 || col - 1 > MAX_COL {
        return None;
    }
    if bytes.get(i) == Some(&b'$') {
        i += 1;
    }
    let row = parse_row_number(s.get(i..)?)?;
    Some((row, col - 1))
}

/// A 1-based row number as a 0-based index; `None` unless 1 to 1048576.
fn parse_row_number(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // At most 7 digits: no overflow.
    let n = s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'));
    (1..=MAX_ROW + 1).contains(&n).then(|| n - 1)
}

/// `A3:B8` (or a single cell) as a region with corners ordered.
fn parse_range(s: &str) -> Option<Merge> {
    let (a, b) = s.split_once(':').unwrap_or((s, s));
    let (r1, c1) = parse_ref(a.trim())?;
    let (r2, c2) = parse_ref(b.trim())?;
    Some(Merge {
        r1: r1.min(r2),
        c1: c1.min(c2),
        r2: r1.max(r2),
        c2: c1.max(c2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_parse_and_bound() {
        assert_eq!(parse_ref("A1"), Some((0, 0)));
        assert_eq!(parse_ref("AB12"), Some((11, 27)));
        assert_eq!(parse_ref("$C$4"), Some((3, 2)));
        assert_eq!(parse_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_ref("XFE1"), None);
        assert_eq!(parse_ref("A1048577"), None);
        assert_eq!(parse_ref("A0"), None);
        assert_eq!(parse_ref("1A"), None);
        assert_eq!(parse_ref("AAAA1"), None);
        assert_eq!(parse_ref("A"), None);
        assert_eq!(parse_ref(""), None);
        assert_eq!(
            parse_range("B8:A3"),
            Some(Merge {
                r1: 2,
                c1: 0,
                r2: 7,
                c2: 1
            })
        );
    }

    #[test]
    fn iso_date_cells() {
        assert_eq!(iso_date_cell("2024-12-31T00:00:00Z"), "2024-12-31");
        assert_eq!(
            iso_date_cell("2024-12-31T08:30:00.000"),
            "2024-12-31 08:30:00"
        );
        assert_eq!(iso_date_cell("2024-12-31"), "2024-12-31");
    }

    fn cell(col: u32, text: &str) -> Cell {
        Cell::text(
            col,
            text,
            Loc::Sheet {
                sheet: Arc::from("S"),
                row: 0,
                col,
            },
        )
    }

    #[test]
    fn merges_keep_anchor_and_drop_covered() {
        let mut rows = vec![
            Row {
                cells: vec![cell(0, "a"), cell(1, "stray"), cell(2, "c")],
            },
            Row {
                cells: vec![cell(0, "covered"), cell(2, "d")],
            },
            Row {
                cells: vec![cell(1, "anchorless-covered")],
            },
        ];
        let mut merges = vec![
            Merge {
                r1: 0,
                c1: 0,
                r2: 1,
                c2: 1,
            },
            Merge {
                r1: 2,
                c1: 0,
                r2: 2,
                c2: 1,
            },
            Merge {
                r1: 0,
                c1: 5,
                r2: 1_048_575,
                c2: 16_383,
            },
        ];
        apply_merges(&mut rows, &mut merges);
        assert_eq!(rows[0].cells.len(), 2);
        assert_eq!(
            (rows[0].cells[0].col_span, rows[0].cells[0].row_span),
            (2, 2)
        );
        assert_eq!(rows[0].cells[1].text, "c");
        assert_eq!(
            rows[1]
                .cells
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>(),
            ["d"]
        );
        assert!(rows[2].cells.is_empty());
    }
}
