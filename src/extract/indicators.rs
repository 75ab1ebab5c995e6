//! The indicator grid: 一级/二级/三级指标 with their target values, located by the header
//! row. Level cells are merged in the original, so they are blank (or absent) below
//! their first row and are filled down here; a level-2 name that slipped into the
//! level-1 column (生态效益指标 under 效益指标) is read as level 2. Columns are found by
//! their header text (see [`super::labels::INDICATOR_HEADERS`]), never by position, so
//! a grid in another column order reads the same.
//!
//! # Two column groups under a two-row header
//!
//! Many provincial project forms set the long-term and the annual targets side by side:
//! the first header row names the column groups (`实施期目标` and `年度目标`, each merged
//! across its columns), the second the columns under each (`三级指标 | 指标值`). Levels
//! 1 and 2 may be shared (merged down over both header rows) or repeated per group.
//! A header cell that is no group and has nothing below it spans both rows.
//!
//! Every data row is one indicator, with `period` from the period group's value column
//! and `annual` from the annual group's. The two groups may name the row's indicator
//! differently (`建成五大中心的县级医院数量` for the period, `当年建成…` for the year).
//! Then, so that nothing is lost and the row stays one indicator with both values:
//! `level1`/`level2`/`level3` are the annual group's names (the year's target is what
//! the form files), and each name the period group writes differently is kept in
//! `extra` under `"{group header}/{column header}"` as written, e.g.
//! `"实施期目标/三级指标"`. A row whose annual side is empty takes its names from the
//! period side (and the other way round); its missing value is null. A name both
//! groups write alike is not repeated in `extra`.

use std::borrow::Cow;
use std::sync::Arc;

use super::labels::{
    category_of, header_field, indicator_field, is_level1_name, label_line, label_text,
    target_group, IndicatorField, Label, Target,
};
use super::rows::Rows;
use crate::document::{Finding, Form, Indicator, Op, Severity, Value, ValueKind};
use crate::model::{Cell, Loc};
use crate::validate::TOLERANCE;

/// The key in `details` of the weights' total a 合计 row states.
const WEIGHT_TOTAL_KEY: &str = "绩效指标/权重合计";
use crate::normalize::{
    parse_comparator, parse_number, parse_value, unit_as_written, unit_in_name, unit_kind,
    ValueContext,
};

/// What a column of the grid holds.
#[derive(Clone, Debug)]
enum Column {
    Field(IndicatorField),
    /// Any other column (or a second column of a field already placed), kept in
    /// `extra` under its [`Col::key`].
    Extra,
}

/// One column of the grid.
#[derive(Clone, Debug)]
struct Col {
    col: u32,
    /// The column group it stands under (index into `groups`), in a two-row header.
    group: Option<usize>,
    column: Column,
    /// The key of its cells in `extra`: the header as written, after the group's.
    key: String,
}

/// A column group of a two-row header.
#[derive(Clone, Debug)]
struct Group {
    target: Target,
    /// Its header as written, lines joined.
    header_text: String,
}

/// The level columns of one side of the grid (the whole grid, or one column group)
/// and the level names being filled down in them.
#[derive(Clone, Debug)]
struct Side {
    target: Option<Target>,
    l1: Option<u32>,
    l2: Option<u32>,
    l3: u32,
    /// The level names being filled down, shared by every indicator under them.
    level1: Option<Arc<str>>,
    level2: Option<Arc<str>>,
    /// The category of `level2` ([`category_of`]), worked out when it is set rather than
    /// for every indicator under it.
    category: Option<&'static str>,
    /// The row and cell where `level2` was written, and whether an indicator has been
    /// read under it: a category row left empty (成本指标 with nothing beside it) is
    /// said, not passed over.
    level2_at: Option<(usize, Loc)>,
    level2_filled: bool,
}

/// The grid's columns and the level labels being filled down.
#[derive(Debug)]
pub struct IndicatorReader {
    columns: Vec<Col>,
    groups: Vec<Group>,
    /// The sides, the annual one first: the first with a 三级指标 on a row names it.
    sides: Vec<Side>,
    year: Option<i32>,
    /// The indices of the cells of the row being read that are level names, and each
    /// side's 三级指标 cell: kept between rows to reuse their allocations.
    level_cells: Vec<usize>,
    names: Vec<Option<usize>>,
    /// The categories closed so far that no indicator filled.
    empty_categories: Vec<EmptyCategory>,
    /// A 合计 row's total of the weights: its text, value and place.
    weight_total: Option<(String, f64, String)>,
    /// The weights read so far.
    weights: f64,
}

/// A level-2 category whose row is left empty, where it is written.
#[derive(Debug)]
struct EmptyCategory {
    row: usize,
    name: Arc<str>,
    at: Loc,
}

/// A header cell, with the column group it stands under.
type HeaderCell<'g> = (Option<usize>, &'g Cell);

impl IndicatorReader {
    /// Whether a row whose cells have `labels` is an indicator header row (it names
    /// 三级指标 and at least one other level or value column).
    pub fn is_header(labels: &[Label<'_>]) -> bool {
        let mut fields = labels.iter().filter_map(Label::header_field);
        names_a_grid(&mut fields)
    }

    /// Whether rows `r` and `r + 1` (both before `end`) are a two-row header: row `r`
    /// names at least one column group (实施期目标, 年度目标) and holds nothing but
    /// group and column headers, row `r + 1` is mostly column headers, and the two
    /// together make a header.
    pub fn is_two_row_header(rows: &Rows<'_>, r: usize, end: usize) -> bool {
        if r + 1 >= end {
            return false;
        }
        let (top, sub) = (rows.labels(r), rows.labels(r + 1));
        let is_group = |l: &Label<'_>| l.target_group().is_some();
        // `all` first: it turns an ordinary row away at its first cell.
        if !top
            .iter()
            .all(|l| is_group(l) || l.indicator_field().is_some())
            || !top.iter().any(is_group)
        {
            return false;
        }
        let known = sub.iter().filter(|l| l.indicator_field().is_some()).count();
        if known == 0 || known * 2 < sub.len() {
            return false;
        }
        let (cells, _) = two_row_cells(rows.cells(r), rows.cells(r + 1));
        let mut fields = cells.iter().filter_map(|(_, c)| indicator_field(&c.text));
        names_a_grid(&mut fields)
    }

    /// Starts a grid from its header row, taking the header cells.
    pub fn from_header(rows: &mut Rows<'_>, r: usize, year: Option<i32>) -> Self {
        let cells: Vec<HeaderCell<'_>> = rows.cells(r).iter().map(|c| (None, c)).collect();
        rows.take_row(r);
        Self::build(&cells, Vec::new(), year)
    }

    /// Starts a grid from its two header rows `r` and `r + 1` (see
    /// [`Self::is_two_row_header`]), taking both.
    pub fn from_two_row_header(rows: &mut Rows<'_>, r: usize, year: Option<i32>) -> Self {
        let (cells, groups) = two_row_cells(rows.cells(r), rows.cells(r + 1));
        rows.take_row(r);
        rows.take_row(r + 1);
        Self::build(&cells, groups, year)
    }

    /// A header repeated after a page break: the columns may be laid out anew, the
    /// levels being filled down carry on, side by side.
    pub fn continued(self, next: IndicatorReader) -> Self {
        let mut next = next;
        for side in &mut next.sides {
            let before = self
                .sides
                .iter()
                .find(|s| s.target == side.target)
                .or(self.sides.first());
            if let Some(before) = before {
                side.level1 = before.level1.clone();
                side.level2 = before.level2.clone();
                side.category = before.category;
                side.level2_at = before.level2_at.clone();
                side.level2_filled = before.level2_filled;
            }
        }
        next.empty_categories = self.empty_categories;
        next.weight_total = self.weight_total;
        next.weights = self.weights;
        next
    }

    /// Ends the grid: its findings so far, and each category still open that no
    /// indicator filled, go to `findings`; a 合计 row's total weight goes to `details`,
    /// and is checked against the weights (`indicators.weight_sum_mismatch`).
    pub fn flush(&mut self, form: &mut Form) {
        if let Some((text, stated, at)) = self.weight_total.take() {
            form.details
                .insert(WEIGHT_TOTAL_KEY.into(), serde_json::Value::String(text));
            if (self.weights - stated).abs() > TOLERANCE {
                form.findings.push(Finding::new(
                    Severity::Warning,
                    "indicators.weight_sum_mismatch",
                    format!(
                        "the indicators' weights add up to {}, but the 合计 row says {}",
                        self.weights, stated
                    ),
                    Some(at),
                ));
            }
        }
        for side in &mut self.sides {
            side.close_level2(&mut self.empty_categories);
        }
        form.findings
            .extend(self.empty_categories.drain(..).map(|empty| {
                Finding::new(
                    Severity::Info,
                    "indicators.category_empty",
                    format!(
                        "no indicator is set under {}: its row is left empty",
                        empty.name
                    ),
                    Some(empty.at.render()),
                )
            }));
    }

    /// A row whose first cell is 合计/总计 and whose weight column holds a number: the
    /// weights' stated total, taken.
    fn weight_total_row(&mut self, rows: &mut Rows<'_>, r: usize) {
        if rows.cells(r).is_empty() || !rows.label(r, 0).is_total() {
            return;
        }
        let weight_col = self.columns.iter().find_map(|c| {
            matches!(c.column, Column::Field(IndicatorField::Weight)).then_some(c.col)
        });
        let Some((i, cell)) = weight_col.and_then(|col| rows.covering(r, col)) else {
            return;
        };
        let (Some(total), true) = (parse_number(&cell.text), i > 0) else {
            return;
        };
        self.weight_total = Some((cell.text.clone(), total, cell.loc.render()));
        rows.take(r, 0);
        rows.take(r, i);
    }

    fn build(cells: &[HeaderCell<'_>], groups: Vec<Group>, year: Option<i32>) -> Self {
        let mut columns: Vec<Col> = Vec::with_capacity(cells.len());
        for &(group, cell) in cells {
            let header = label_text(&cell.text);
            let key = match group {
                Some(g) => format!("{}/{header}", groups[g].header_text),
                None => header,
            };
            let placed = |field: IndicatorField| {
                columns
                    .iter()
                    .any(|c| c.group == group && matches!(c.column, Column::Field(f) if f == field))
            };
            // Under a group, a generic value column holds the group's target.
            let field = header_field(&cell.text).map(|f| match (f, group) {
                (IndicatorField::Value, Some(g)) => groups[g].target.value_field(),
                (IndicatorField::Value, None) => IndicatorField::Annual,
                (f, _) => f,
            });
            let column = match field {
                Some(IndicatorField::SectionLabel) => Column::Field(IndicatorField::SectionLabel),
                Some(field) if !placed(field) => Column::Field(field),
                _ => Column::Extra,
            };
            columns.push(Col {
                col: cell.col,
                group,
                column,
                key,
            });
        }
        let sides = sides(&columns, &groups);
        IndicatorReader {
            columns,
            groups,
            sides,
            year,
            level_cells: Vec::new(),
            names: Vec::new(),
            empty_categories: Vec::new(),
            weight_total: None,
            weights: 0.0,
        }
    }

    /// Reads one grid row; pushes an indicator when the row has a 三级指标.
    pub fn row(&mut self, rows: &mut Rows<'_>, r: usize, out: &mut Vec<Indicator>) {
        // Level names first, side by side; the cells they take are no values.
        self.level_cells.clear();
        for side in &mut self.sides {
            side.read_levels(rows, r, &mut self.level_cells, &mut self.empty_categories);
        }
        self.names.clear();
        for side in &self.sides {
            let name = rows
                .covering(r, side.l3)
                .map(|(i, _)| i)
                .filter(|i| !self.level_cells.contains(i));
            self.names.push(name);
        }
        let Some(lead) = self.names.iter().position(Option::is_some) else {
            // A category row with no 三级指标, or the weights' 合计.
            self.weight_total_row(rows, r);
            return;
        };
        for side in &mut self.sides {
            side.level2_filled = true;
        }
        let cells = rows.cells(r);
        let l3_i = self.names[lead].expect("the lead side has a name");
        let level3 = &cells[l3_i];
        rows.take(r, l3_i);
        let side = &self.sides[lead];
        let ctx = ValueContext {
            year: self.year,
            unit_hint: unit_in_name(&level3.text),
        };
        let mut indicator = Indicator {
            level1: side.level1.clone(),
            level2: side.level2.clone(),
            level3: level3.text.clone(),
            category: side.category.map(Cow::Borrowed),
            period: None,
            annual: None,
            weight: None,
            extra: serde_json::Map::new(),
            at: level3.loc.render(),
        };
        // The other sides' names, where they differ from the lead's.
        for (other, name) in self.sides.iter().zip(&self.names) {
            let Some(i) = *name else { continue };
            if i == l3_i {
                continue;
            }
            rows.take(r, i);
            let cell = &cells[i];
            let pairs = [
                (other.l1, side.l1, &other.level1, &side.level1),
                (other.l2, side.l2, &other.level2, &side.level2),
            ];
            for (col, lead_col, name, lead_name) in pairs {
                if let (Some(col), Some(name)) = (col, name) {
                    if Some(col) != lead_col && Some(name) != lead_name.as_ref() {
                        indicator.extra.insert(
                            self.key_of(col),
                            serde_json::Value::String(name.to_string()),
                        );
                    }
                }
            }
            if cell.text != level3.text {
                indicator.extra.insert(
                    self.key_of(other.l3),
                    serde_json::Value::String(cell.text.clone()),
                );
            }
        }

        let mut comparators: Vec<(Option<Target>, Op, String)> = Vec::new();
        let mut units: Vec<(Option<Target>, String)> = Vec::new();
        for column in &self.columns {
            let Some((i, cell)) = rows.covering(r, column.col) else {
                continue;
            };
            // Cells read as level or 三级指标 names are no values.
            if cell.col != column.col
                || self.level_cells.contains(&i)
                || self.names.contains(&Some(i))
            {
                continue;
            }
            let target = column.group.map(|g| self.groups[g].target);
            let extra = |indicator: &mut Indicator| {
                indicator.extra.insert(
                    column.key.clone(),
                    serde_json::Value::String(cell.text.clone()),
                );
            };
            match &column.column {
                Column::Field(IndicatorField::Period) if indicator.period.is_none() => {
                    indicator.period = Some(read_value(&cell.text, &indicator.annual, &ctx))
                }
                Column::Field(IndicatorField::Annual) if indicator.annual.is_none() => {
                    indicator.annual = Some(read_value(&cell.text, &indicator.period, &ctx))
                }
                // A second value column for a target already read is kept, not lost.
                Column::Field(IndicatorField::Period | IndicatorField::Annual) => {
                    extra(&mut indicator)
                }
                Column::Field(IndicatorField::Weight) => match parse_number(&cell.text) {
                    Some(weight) if indicator.weight.is_none() => {
                        indicator.weight = Some(weight);
                        self.weights += weight;
                    }
                    _ => continue, // left unmapped: a weight we cannot read is not dropped
                },
                Column::Field(IndicatorField::Comparator) => match parse_comparator(&cell.text) {
                    Some(op) => comparators.push((target, op, cell.text.clone())),
                    None => continue,
                },
                Column::Field(IndicatorField::Unit) => units.push((target, cell.text.clone())),
                Column::Extra => extra(&mut indicator),
                Column::Field(_) => continue,
            }
            rows.take(r, i);
        }
        // A group's own 指标性质/度量单位 apply to its value; ungrouped ones to both.
        let applies = |of: Option<Target>, to: Target| of.is_none() || of == Some(to);
        for (value, target) in [
            (&mut indicator.period, Target::Period),
            (&mut indicator.annual, Target::Annual),
        ] {
            if let Some(value) = value {
                let op = comparators
                    .iter()
                    .find(|(of, _, _)| applies(*of, target))
                    .map(|(_, op, _)| *op);
                let unit = units
                    .iter()
                    .find(|(of, _)| applies(*of, target))
                    .map(|(_, unit)| unit.as_str());
                apply_columns(value, op, unit);
            }
        }
        if indicator.period.is_none() && indicator.annual.is_none() {
            if let Some((_, _, written)) = comparators.first() {
                indicator.extra.insert(
                    "指标性质".into(),
                    serde_json::Value::String(written.clone()),
                );
            }
            if let Some((_, unit)) = units.first() {
                indicator
                    .extra
                    .insert("度量单位".into(), serde_json::Value::String(unit.clone()));
            }
        }
        out.push(indicator);
    }

    /// The `extra` key of the column at `col`.
    fn key_of(&self, col: u32) -> String {
        self.columns
            .iter()
            .find(|c| c.col == col)
            .map(|c| c.key.clone())
            .unwrap_or_default()
    }
}

/// Whether the fields a header row names make an indicator grid: 三级指标 and at least
/// one other level or value column.
fn names_a_grid(fields: &mut impl Iterator<Item = IndicatorField>) -> bool {
    let (mut count, mut level3) = (0, false);
    for field in fields {
        count += 1;
        level3 |= field == IndicatorField::Level3;
    }
    level3 && count >= 2
}

/// The column headers of a two-row header and the groups over them. A group spans the
/// columns its cell is merged across, or (unmerged, as in text) up to the next cell
/// of the first row. The first row's other cells are headers spanning both rows.
fn two_row_cells<'g>(top: &'g [Cell], sub: &'g [Cell]) -> (Vec<HeaderCell<'g>>, Vec<Group>) {
    let mut groups = Vec::new();
    let mut ranges = Vec::new();
    for (k, cell) in top.iter().enumerate() {
        let Some(target) = target_group(&cell.text) else {
            continue;
        };
        let end = if cell.col_span > 1 {
            cell.col + cell.col_span
        } else {
            top.get(k + 1).map_or(u32::MAX, |next| next.col)
        };
        ranges.push((cell.col..end, groups.len()));
        groups.push(Group {
            target,
            header_text: label_text(&cell.text),
        });
    }
    let group_of = |col: u32| {
        ranges
            .iter()
            .find(|(range, _)| range.contains(&col))
            .map(|(_, g)| *g)
    };
    let mut cells: Vec<HeaderCell<'g>> = top
        .iter()
        .filter(|c| target_group(&c.text).is_none() && sub.iter().all(|s| s.col != c.col))
        .map(|c| (None, c))
        .chain(sub.iter().map(|c| (group_of(c.col), c)))
        .collect();
    cells.sort_by_key(|(_, c)| c.col);
    (cells, groups)
}

/// The sides of a grid: one per column group that has (or shares) a 三级指标 column,
/// the annual group first; or the whole grid when there are no groups. Sides reading
/// the very same columns are one.
fn sides(columns: &[Col], groups: &[Group]) -> Vec<Side> {
    let find = |field: IndicatorField, group: Option<usize>| {
        columns
            .iter()
            .find(|c| c.group == group && matches!(c.column, Column::Field(f) if f == field))
            .map(|c| c.col)
    };
    let side_of = |group: Option<usize>| {
        let own_or_shared = |field| find(field, group).or_else(|| find(field, None));
        Some(Side {
            target: group.map(|g| groups[g].target),
            l1: own_or_shared(IndicatorField::Level1),
            l2: own_or_shared(IndicatorField::Level2),
            l3: own_or_shared(IndicatorField::Level3)?,
            level1: None,
            level2: None,
            category: None,
            level2_at: None,
            level2_filled: false,
        })
    };
    let mut order: Vec<Option<usize>> = Vec::new();
    for target in [Target::Annual, Target::Period] {
        order.extend(
            (0..groups.len())
                .filter(|&g| groups[g].target == target)
                .map(Some),
        );
    }
    if order.is_empty() {
        order.push(None);
    }
    let mut out: Vec<Side> = Vec::new();
    for side in order.into_iter().filter_map(side_of) {
        if !out
            .iter()
            .any(|s| (s.l1, s.l2, s.l3) == (side.l1, side.l2, side.l3))
        {
            out.push(side);
        }
    }
    out
}

impl Side {
    /// Reads this side's level cells in row `r`, filling down; records the indices of
    /// the cells taken as level names in `taken`.
    fn read_levels<'g>(
        &mut self,
        rows: &mut Rows<'g>,
        r: usize,
        taken: &mut Vec<usize>,
        empty: &mut Vec<EmptyCategory>,
    ) {
        let level_cell = |rows: &Rows<'g>, col: Option<u32>| {
            col.and_then(|col| rows.covering(r, col))
                .filter(|(i, _)| looks_like_level_name(rows.label(r, *i)))
        };
        let l1 = level_cell(rows, self.l1);
        // A cell spanning the level columns (a merged label) counts once.
        let l2 = level_cell(rows, self.l2).filter(|(i, _)| Some(*i) != l1.map(|(j, _)| j));
        let is_slipped_level2 = |i: usize| {
            let label = rows.label(r, i);
            !label.is_level1_name() && label.category().is_some()
        };
        match (l1, l2) {
            (Some((i, slipped)), None) if is_slipped_level2(i) => {
                rows.take(r, i);
                taken.push(i);
                self.set_level2(Some((r, slipped)), empty);
            }
            (l1, l2) => {
                if let Some((i, cell)) = l1 {
                    rows.take(r, i);
                    taken.push(i);
                    self.level1 = Some(label_line(&cell.text).into());
                    self.set_level2(None, empty);
                }
                if let Some((i, cell)) = l2 {
                    rows.take(r, i);
                    taken.push(i);
                    self.set_level2(Some((r, cell)), empty);
                }
            }
        }
    }

    /// Fills down a new level-2 name (that of `cell`, in row `r`), with its category,
    /// closing the one before.
    fn set_level2(&mut self, cell: Option<(usize, &Cell)>, empty: &mut Vec<EmptyCategory>) {
        self.close_level2(empty);
        let name: Option<Arc<str>> = cell.map(|(_, cell)| label_line(&cell.text).into());
        self.category = name.as_deref().and_then(category_of);
        self.level2 = name;
        // Rendered only if the category turns out empty.
        self.level2_at = cell.map(|(r, cell)| (r, cell.loc.clone()));
    }

    /// Closes the level-2 name being filled down: one that no indicator filled is an
    /// empty category, said once per row however many sides write it.
    fn close_level2(&mut self, empty: &mut Vec<EmptyCategory>) {
        let (Some(name), Some((row, at))) = (&self.level2, self.level2_at.take()) else {
            return;
        };
        let filled = std::mem::replace(&mut self.level2_filled, false);
        if filled || empty.iter().any(|e| e.row == row && e.name == *name) {
            return;
        }
        empty.push(EmptyCategory {
            row,
            name: name.clone(),
            at,
        });
    }
}

/// Reads a target value, or copies the row's other one when both cells say the same
/// (the period and annual targets often do): the same text in the same row reads the
/// same, so it is read once.
fn read_value(text: &str, other: &Option<Value>, ctx: &ValueContext) -> Value {
    match other {
        // `raw` is the whole cell text as written.
        Some(value) if value.raw == text => value.clone(),
        _ => parse_value(text, ctx),
    }
}

/// Builds a value from its own cell and the form's separate 指标性质 and 度量单位 columns:
/// the columns fill what the value cell does not say (`95` with `≥` and `%` is ≥ 95 %).
fn apply_columns(value: &mut Value, op: Option<Op>, unit: Option<&str>) {
    if !matches!(value.kind, ValueKind::Quantity | ValueKind::Date) {
        return;
    }
    if let Some(op) = op {
        // The reader says `=` when the cell names no comparator; one it names wins.
        let explicit_eq = value.raw.contains(['=', '＝']) || value.raw.contains("等于");
        if value.op == Some(Op::Eq) && !explicit_eq {
            value.op = Some(op);
        }
    }
    if value.kind == ValueKind::Date {
        return; // a date has no unit
    }
    if let (Some(unit), None) = (unit.map(str::trim).filter(|u| !u.is_empty()), &value.unit) {
        value.unit = Some(unit_as_written(unit));
        value.unit_kind = unit_kind(unit);
    }
}

/// Level labels are short names ending in 指标/值 (产出指标, 数量值) or known categories;
/// anything else in a level column (a signature line after the grid) is not one.
fn looks_like_level_name(label: &Label<'_>) -> bool {
    let text = label.normalized();
    text.chars().count() <= 20
        && (text.contains("指标")
            || text.ends_with('值')
            || label.category().is_some()
            // Of the normalized text, which is short whatever the cell's length.
            || is_level1_name(text))
}
