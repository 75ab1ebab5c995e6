//! 预算整体情况: labelled amounts in side-by-side (label, amount) column pairs under group
//! headers. A row whose cells include amount headers (`预算金额(万元)`) (re)defines the
//! column pairs; every other row yields one budget line per pair it fills. Lines are
//! given group by group (down each column pair, then the next pair), the order in
//! which the form presents each group.

use super::labels::{budget_key, header_unit, is_amount_header};
use super::rows::Rows;
use crate::document::BudgetLine;
use crate::normalize::parse_amount;

/// One (label, amount) column pair under a group header.
#[derive(Clone, Debug)]
struct Pair {
    group: Option<String>,
    label_col: u32,
    amount_col: u32,
    unit: Option<&'static str>,
}

/// Column pairs in force while reading the budget section, and the lines read under
/// them, kept per pair until the pairs change or the section ends.
#[derive(Debug, Default)]
pub struct BudgetReader {
    pairs: Vec<Pair>,
    lines: Vec<Vec<BudgetLine>>,
}

impl BudgetReader {
    /// Reads row `r`, whose cells from `from` on belong to the budget (the section label,
    /// if on this row, is before `from`). Pushes the lines it finds.
    pub fn row(&mut self, rows: &mut Rows<'_>, r: usize, from: usize, out: &mut Vec<BudgetLine>) {
        let cells = &rows.cells(r)[from..];
        if cells.iter().any(|c| is_amount_header(&c.text)) {
            self.flush(out);
            self.header_row(rows, r, from);
            return;
        }
        if self.pairs.is_empty() {
            // No header yet: a plain `label | amount` row, as in forms without group headers.
            if let [label, amount] = cells {
                self.pairs.push(Pair {
                    group: None,
                    label_col: label.col,
                    amount_col: amount.col,
                    unit: None,
                });
            } else {
                return;
            }
        }
        self.lines.resize_with(self.pairs.len(), Vec::new);
        for (pair_index, pair) in self.pairs.iter().enumerate() {
            let Some((label_i, label)) = rows.covering(r, pair.label_col) else {
                continue;
            };
            if label_i < from || label.col + label.col_span.max(1) > pair.amount_col {
                continue; // a cell spanning across the amount column is not a label
            }
            let amount_cell = rows
                .covering(r, pair.amount_col)
                .filter(|(i, _)| *i >= from);
            rows.take(r, label_i);
            let amount = match amount_cell {
                Some((amount_i, cell)) => {
                    rows.take(r, amount_i);
                    parse_amount(&cell.text, cell.number, pair.unit)
                }
                None => parse_amount("", None, pair.unit),
            };
            let at = amount_cell
                .map(|(_, c)| &c.loc)
                .unwrap_or(&label.loc)
                .to_string();
            self.lines[pair_index].push(BudgetLine {
                group: pair.group.clone(),
                key: budget_key(&label.text).map(str::to_string),
                label: label.text.clone(),
                amount,
                at,
            });
        }
    }

    /// Moves the lines read so far to `out`, pair by pair; call when the section ends.
    pub fn flush(&mut self, out: &mut Vec<BudgetLine>) {
        for lines in &mut self.lines {
            out.append(lines);
        }
    }

    /// A header row: each amount header pairs with the nearest cell to its left, which
    /// names the group.
    fn header_row(&mut self, rows: &mut Rows<'_>, r: usize, from: usize) {
        let cells = rows.cells(r);
        self.pairs.clear();
        let mut group: Option<(usize, &crate::model::Cell)> = None;
        for (i, cell) in cells.iter().enumerate().skip(from) {
            if is_amount_header(&cell.text) {
                rows.take(r, i);
                let (label_col, name) = match group.take() {
                    Some((gi, g)) => {
                        rows.take(r, gi);
                        (g.col, Some(g.text.clone()))
                    }
                    None => (cell.col.saturating_sub(1), None),
                };
                self.pairs.push(Pair {
                    group: name,
                    label_col,
                    amount_col: cell.col,
                    unit: header_unit(&cell.text),
                });
            } else {
                group = Some((i, cell));
            }
        }
    }
}
