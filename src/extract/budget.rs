//! 预算整体情况 / 资金情况: labelled amounts. Three layouts are read:
//! - column pairs under group headers (`部门预算支出 | 预算金额(万元) | 收入来源 | 预算金额(万元)`):
//!   a row with amount headers (re)defines the (label, amount) pairs; every other row
//!   yields one line per pair it fills;
//! - plain `label | amount` rows (`资金总额 | 438.768`, `其中：财政拨款 | 400`), and
//!   `label：amount` in one cell (`资金总额:438.768`);
//! - a row of labels with the amounts in the row below (`资金总额 | 财政拨款 | 其他资金`),
//!   under a row of group headers when it has one (`资金总额 | 按收入性质分 | … |
//!   按支出性质分` over `| 一般公共预算 | … | 基本支出 | 项目支出`);
//! - one label column heading several amount columns, last year's figures beside this
//!   year's (`资金来源（万元） | 上年度预算安排 | 上年度实际执行 | 本年度申请金额`): last
//!   year's lines are kept under their column's header, without budget keys.
//!
//! Lines are given group by group (down each column pair, then the next pair), the
//! order in which the form presents each group. The unit comes from the amount header
//! (`预算金额(万元)`), else the section label (`资金情况（万元）`), else a `单位：元` line
//! above the table, else 万元.

use std::borrow::Cow;

use super::labels::{
    budget_key, is_column_title, is_money_label, is_note_header, label_text, Label,
};
use super::rows::Rows;
use crate::document::{Amount, BudgetLine};
use crate::model::Cell;
use crate::normalize::{is_bare_amount, parse_amount};

/// One (label, amount) column pair under a group header.
#[derive(Clone, Debug)]
struct Pair {
    group: Option<String>,
    label_col: u32,
    amount_col: u32,
    unit: Option<&'static str>,
    /// Whether its lines get budget keys: not those of a column of last year's figures
    /// (上年度预算安排, 上年度实际执行) beside this year's, which are kept, under their
    /// column's header, but must not count in this year's sums and summary.
    keyed: bool,
}

/// A row of labels whose amounts are in the row below, by column: each label's column,
/// text and group (none: the section's).
#[derive(Clone, Debug)]
struct LabelRow {
    labels: Vec<(u32, String, Option<String>)>,
}

/// A row of group headers (and labels) over a row of labels
/// (`资金总额 | 按收入性质分 | … | 按支出性质分` over `| 一般公共预算 | … | 基本支出 | 项目支出`):
/// the row, and each cell's index, column, text and whether it is a group header.
#[derive(Clone, Debug)]
struct GroupRow {
    row: usize,
    cells: Vec<(usize, u32, String, bool)>,
}

/// Column pairs in force while reading the budget section, and the lines read under
/// them, kept per pair until the pairs change or the section ends.
#[derive(Debug, Default)]
pub struct BudgetReader {
    /// The section label, the group of lines that have no group header.
    section: Option<String>,
    /// The unit of bare amounts when no header gives one.
    unit: Option<&'static str>,
    pairs: Vec<Pair>,
    /// Lines read under each pair, by pair.
    lines: Vec<Vec<BudgetLine>>,
    /// Lines read without a column pair (`label：amount` cells, amounts under labels).
    loose: Vec<BudgetLine>,
    label_row: Option<LabelRow>,
    /// Group headers waiting for the row of labels under them.
    group_row: Option<GroupRow>,
    /// The column of the lines' notes (资金测算依据及说明), when the header row has one.
    note_col: Option<u32>,
}

/// The amount in `cell`, if it reads as one.
fn amount_of(cell: &Cell, unit: Option<&str>) -> Option<Amount> {
    let amount = parse_amount(&cell.text, cell.number, unit);
    amount.value.is_some().then_some(amount)
}

/// `资金总额:438.768` → (`资金总额`, `438.768`), when the left side is a budget label, or
/// a money word the keys do not name (`自有资金：30`, `事业收入：10`) before an amount
/// and nothing more: a source left out would make its group's sum look wrong.
fn split_key_value(text: &str) -> Option<(&str, &str)> {
    let at = text.rfind([':', '：'])?;
    let (label, value) = (
        text[..at].trim(),
        text[at..].trim_start_matches([':', '：']).trim(),
    );
    let named = budget_key(label).is_some() || (is_money_label(label) && is_bare_amount(value));
    (named && !value.is_empty()).then_some((label, value))
}

impl BudgetReader {
    /// A reader for the section opened by `label` (its text becomes the group of lines
    /// without a group header); `unit` is the default unit of bare amounts.
    pub fn new(label: &Cell, unit: Option<&'static str>) -> Self {
        BudgetReader {
            section: Some(label_text(&label.text)),
            unit,
            ..Default::default()
        }
    }

    /// Reads row `r`, whose cells from `from` on belong to the budget (the section label,
    /// if on this row, is before `from`). Pushes the lines it finds.
    pub fn row(&mut self, rows: &mut Rows<'_>, r: usize, from: usize, out: &mut Vec<BudgetLine>) {
        let cells = &rows.cells(r)[from.min(rows.cells(r).len())..];
        if cells.is_empty() {
            return;
        }
        if rows.labels(r)[from..].iter().any(Label::is_amount_header) {
            self.flush(out);
            self.header_row(rows, r, from);
            return;
        }
        if let Some(label_row) = self.label_row.take() {
            if self.amounts_below(rows, r, from, &label_row) {
                return;
            }
        }
        let group_row = self.group_row.take();
        if self.pairs.is_empty() && self.labels_only(rows, r, from, group_row) {
            return;
        }
        if self.pairs.is_empty() && self.label_row.is_none() && self.group_headers(rows, r, from) {
            return;
        }
        self.key_value_cells(rows, r, from);
        if self.pairs.is_empty() {
            // No header: a plain `label | amount` row defines the pair.
            let cells = &rows.cells(r)[from..];
            if let [label, amount] = cells {
                // The amount cell holds an amount and nothing more: a goal or a note
                // with a number in it (`覆盖全县农村学生8000人`) starts no budget line.
                let bare = amount.number.is_some() || is_bare_amount(&amount.text);
                if bare
                    && amount_of(amount, self.unit).is_some()
                    && amount_of(label, self.unit).is_none()
                {
                    let pair = Pair {
                        group: self.section.clone(),
                        label_col: label.col,
                        amount_col: amount.col,
                        unit: self.unit,
                        keyed: true,
                    };
                    self.pairs.push(pair);
                }
            }
        }
        self.pair_lines(rows, r, from);
    }

    /// Lines from the column pairs in force.
    fn pair_lines(&mut self, rows: &mut Rows<'_>, r: usize, from: usize) {
        if self.lines.len() < self.pairs.len() {
            self.lines.resize_with(self.pairs.len(), Vec::new);
        }
        for (pair_index, pair) in self.pairs.iter().enumerate() {
            let Some((label_i, label)) = rows.covering(r, pair.label_col) else {
                continue;
            };
            if label_i < from || label.col + label.col_span.max(1) > pair.amount_col {
                continue; // a cell spanning across the amount column is not a label
            }
            let amount_cell = rows
                .covering(r, pair.amount_col)
                .filter(|(i, _)| *i >= from && *i != label_i);
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
                .render();
            let note = self
                .note_col
                .filter(|_| pair.keyed)
                .and_then(|col| rows.covering(r, col))
                .filter(|(i, _)| *i >= from && *i != label_i)
                .map(|(i, cell)| {
                    rows.take(r, i);
                    cell.text.clone()
                });
            self.lines[pair_index].push(BudgetLine {
                group: pair.group.clone(),
                key: pair
                    .keyed
                    .then(|| rows.label(r, label_i).budget_key())
                    .flatten()
                    .map(Cow::Borrowed),
                label: label_text(&label.text),
                amount,
                at,
                note,
            });
        }
    }

    /// `资金总额:438.768` cells anywhere in the row.
    fn key_value_cells(&mut self, rows: &mut Rows<'_>, r: usize, from: usize) {
        for (i, cell) in rows.cells(r).iter().enumerate().skip(from) {
            let Some((label, value)) = split_key_value(&cell.text) else {
                continue;
            };
            rows.take(r, i);
            let line = BudgetLine {
                group: self.section.clone(),
                key: budget_key(label).map(Cow::Borrowed),
                label: label.to_string(),
                amount: parse_amount(value, None, self.unit),
                at: cell.loc.render(),
                note: None,
            };
            self.loose.push(line);
        }
    }

    /// A row of two or more known budget labels and no amounts: the amounts come below.
    /// Under a row of group headers (`group_row`, the row before), each label takes
    /// the group whose header stands at or left of it, and the labels of that row
    /// (资金总额, merged down in the original) join them.
    fn labels_only(
        &mut self,
        rows: &mut Rows<'_>,
        r: usize,
        from: usize,
        group_row: Option<GroupRow>,
    ) -> bool {
        let cells = &rows.cells(r)[from..];
        let known = rows.labels(r)[from..]
            .iter()
            .filter(|l| l.budget_key().is_some())
            .count();
        if cells.len() < 2 || known < 2 || cells.iter().any(|c| amount_of(c, self.unit).is_some()) {
            return false;
        }
        let group_row = group_row.filter(|g| g.row + 1 == r);
        let group_of = |col: u32| {
            group_row.as_ref().and_then(|g| {
                g.cells
                    .iter()
                    .rfind(|&&(_, c, _, is_group)| is_group && c <= col)
                    .map(|(_, _, text, _)| text.clone())
            })
        };
        let mut labels: Vec<(u32, String, Option<String>)> = cells
            .iter()
            .map(|c| (c.col, label_text(&c.text), group_of(c.col)))
            .collect();
        if let Some(group_row) = group_row {
            for (i, col, text, is_group) in group_row.cells {
                rows.take(group_row.row, i);
                if !is_group {
                    labels.push((col, text, None));
                }
            }
            labels.sort_by_key(|&(col, _, _)| col);
        }
        (from..rows.cells(r).len()).for_each(|i| rows.take(r, i));
        self.label_row = Some(LabelRow { labels });
        true
    }

    /// A row of budget group headers (按收入性质分, 按支出性质分), with budget labels
    /// beside them and no amount: kept, untaken, for the row of labels that may follow.
    fn group_headers(&mut self, rows: &Rows<'_>, r: usize, from: usize) -> bool {
        let labels = &rows.labels(r)[from..];
        let groups = labels.iter().filter(|l| l.budget_group().is_some()).count();
        let all_known = labels
            .iter()
            .all(|l| l.budget_group().is_some() || l.budget_key().is_some());
        if groups == 0 || labels.len() < 2 || !all_known {
            return false;
        }
        let cells = rows.cells(r)[from..]
            .iter()
            .zip(labels)
            .enumerate()
            .map(|(k, (cell, label))| {
                (
                    from + k,
                    cell.col,
                    label_text(&cell.text),
                    label.budget_group().is_some(),
                )
            })
            .collect();
        self.group_row = Some(GroupRow { row: r, cells });
        true
    }

    /// The amounts under a row of labels. Returns false (taking nothing) when the row
    /// holds no amount under them.
    fn amounts_below(
        &mut self,
        rows: &mut Rows<'_>,
        r: usize,
        from: usize,
        label_row: &LabelRow,
    ) -> bool {
        let found: Vec<_> = label_row
            .labels
            .iter()
            .filter_map(|(col, label, group)| {
                let (i, cell) = rows.covering(r, *col).filter(|(i, _)| *i >= from)?;
                Some((
                    i,
                    label,
                    group,
                    amount_of(cell, self.unit)?,
                    cell.loc.render(),
                ))
            })
            .collect();
        if found.is_empty() {
            return false;
        }
        for (i, label, group, amount, at) in found {
            rows.take(r, i);
            let line = BudgetLine {
                group: group.clone().or_else(|| self.section.clone()),
                key: budget_key(label).map(Cow::Borrowed),
                label: label.clone(),
                amount,
                at,
                note: None,
            };
            self.loose.push(line);
        }
        true
    }

    /// Moves the lines read so far to `out`, pair by pair; call when the section ends.
    pub fn flush(&mut self, out: &mut Vec<BudgetLine>) {
        // Room for them all at once, rather than growing `out` pair by pair.
        out.reserve(self.loose.len() + self.lines.iter().map(Vec::len).sum::<usize>());
        out.append(&mut self.loose);
        for lines in &mut self.lines {
            out.append(lines);
        }
    }

    /// A header row: each amount header pairs with the nearest cell to its left, which
    /// names the group.
    fn header_row(&mut self, rows: &mut Rows<'_>, r: usize, from: usize) {
        let cells = rows.cells(r);
        self.pairs.clear();
        self.lines.clear();
        self.note_col = None;
        // The group header waiting for its amount column, with the unit it names
        // (`资金来源（万元）`), and the group of the amount columns before, which one
        // label column may head several of (`资金来源 | 上年度预算安排 | 本年度申请金额`).
        let mut group: Option<(usize, &Cell, Option<&'static str>)> = None;
        let mut last: Option<(u32, Option<String>, Option<&'static str>)> = None;
        for (i, cell) in cells.iter().enumerate().skip(from) {
            let header = rows.label(r, i);
            let (amount_column, last_year, unit, short) = (
                header.is_amount_header() && header.budget_group().is_none(),
                header.is_last_years_column(),
                header.header_unit(),
                header.bare().chars().count() <= 20,
            );
            if is_note_header(&cell.text) {
                rows.take(r, i);
                self.note_col = Some(cell.col);
                continue;
            }
            if amount_column {
                rows.take(r, i);
                let (label_col, name, group_unit) = match group.take() {
                    Some((gi, g, unit)) => {
                        rows.take(r, gi);
                        // A label column headed by a mere column title (项目, 名称) is
                        // grouped under the section's label.
                        let title = label_text(&g.text);
                        let name = if is_column_title(&title) {
                            self.section.clone()
                        } else {
                            Some(title)
                        };
                        let named = (g.col, name, unit);
                        last = Some(named.clone());
                        named
                    }
                    None => last.clone().unwrap_or((
                        cell.col.saturating_sub(1),
                        self.section.clone(),
                        None,
                    )),
                };
                self.pairs.push(Pair {
                    group: if last_year {
                        Some(label_text(&cell.text))
                    } else {
                        name
                    },
                    label_col,
                    amount_col: cell.col,
                    unit: unit.or(group_unit).or(self.unit),
                    keyed: !last_year,
                });
            } else if short {
                group = Some((i, cell, unit));
                last = None;
            }
        }
    }
}
