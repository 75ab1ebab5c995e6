//! The indicator grid: 一级/二级/三级指标 with their target values, located by the header
//! row. Level cells are merged in the original, so they are blank (or absent) below
//! their first row and are filled down here; a level-2 name that slipped into the
//! level-1 column (生态效益指标 under 效益指标) is read as level 2.

use super::labels::{
    category_of, indicator_field, is_level1_name, normalize_label, IndicatorField,
};
use super::rows::Rows;
use crate::document::{Indicator, Op, Value, ValueKind};
use crate::model::Cell;
use crate::normalize::{
    parse_comparator, parse_number, parse_value, unit_in_name, unit_kind, ValueContext,
};

/// What a column of the grid holds.
#[derive(Clone, Debug)]
enum Column {
    Field(IndicatorField),
    /// Any other column, kept in `extra` under its header as written.
    Extra(String),
}

/// The grid's columns and the level labels being filled down.
#[derive(Debug)]
pub struct IndicatorReader {
    columns: Vec<(u32, Column)>,
    level1: Option<String>,
    level2: Option<String>,
    year: Option<i32>,
}

impl IndicatorReader {
    /// Whether row `cells` is an indicator header row (it names 三级指标 and at least one
    /// other level or value column).
    pub fn is_header(cells: &[Cell]) -> bool {
        let fields: Vec<_> = cells
            .iter()
            .filter_map(|c| indicator_field(&c.text))
            .collect();
        fields.contains(&IndicatorField::Level3) && fields.len() >= 2
    }

    /// A header repeated after a page break: the columns may be laid out anew, the
    /// levels being filled down carry on.
    pub fn continued(self, rows: &mut Rows<'_>, r: usize) -> Self {
        IndicatorReader {
            level1: self.level1,
            level2: self.level2,
            ..Self::from_header(rows, r, self.year)
        }
    }

    /// Starts a grid from its header row, taking the header cells.
    pub fn from_header(rows: &mut Rows<'_>, r: usize, year: Option<i32>) -> Self {
        let columns = rows
            .cells(r)
            .iter()
            .map(|c| {
                let column = match indicator_field(&c.text) {
                    Some(field) => Column::Field(field),
                    None => Column::Extra(c.text.clone()),
                };
                (c.col, column)
            })
            .collect();
        rows.take_row(r);
        IndicatorReader {
            columns,
            level1: None,
            level2: None,
            year,
        }
    }

    fn col(&self, field: IndicatorField) -> Option<u32> {
        self.columns
            .iter()
            .find(|(_, c)| matches!(c, Column::Field(f) if *f == field))
            .map(|(col, _)| *col)
    }

    /// Reads one grid row; pushes an indicator when the row has a 三级指标.
    pub fn row<'g>(&mut self, rows: &mut Rows<'g>, r: usize, out: &mut Vec<Indicator>) {
        let level_cell = |rows: &Rows<'g>, col: Option<u32>| {
            col.and_then(|col| rows.covering(r, col))
                .filter(|(_, c)| looks_like_level_name(&c.text))
        };
        let l1 = level_cell(rows, self.col(IndicatorField::Level1));
        let l2 = level_cell(rows, self.col(IndicatorField::Level2));
        let l3 = self
            .col(IndicatorField::Level3)
            .and_then(|col| rows.covering(r, col));
        // A cell spanning the level columns (a merged label) counts once.
        let l2 = l2.filter(|(i, _)| Some(*i) != l1.map(|(j, _)| j));
        let l3 =
            l3.filter(|(i, _)| Some(*i) != l1.map(|(j, _)| j) && Some(*i) != l2.map(|(j, _)| j));

        match (l1, l2) {
            (Some((i, slipped)), None)
                if !is_level1_name(&slipped.text) && category_of(&slipped.text).is_some() =>
            {
                rows.take(r, i);
                self.level2 = Some(slipped.text.clone());
            }
            (l1, l2) => {
                if let Some((i, cell)) = l1 {
                    rows.take(r, i);
                    self.level1 = Some(cell.text.clone());
                    self.level2 = None;
                }
                if let Some((i, cell)) = l2 {
                    rows.take(r, i);
                    self.level2 = Some(cell.text.clone());
                }
            }
        }
        let Some((l3_i, level3)) = l3 else { return };
        rows.take(r, l3_i);
        let unit_hint = unit_in_name(&level3.text);
        let ctx = ValueContext {
            year: self.year,
            unit_hint,
        };
        let mut indicator = Indicator {
            level1: self.level1.clone(),
            level2: self.level2.clone(),
            level3: level3.text.clone(),
            category: self
                .level2
                .as_deref()
                .and_then(category_of)
                .map(str::to_string),
            period: None,
            annual: None,
            weight: None,
            extra: serde_json::Map::new(),
            at: level3.loc.to_string(),
        };
        let mut comparator = None;
        let mut unit_column = None;
        for (col, column) in &self.columns {
            let Some((i, cell)) = rows.covering(r, *col) else {
                continue;
            };
            if cell.col != *col || [Some(l3_i), l1.map(|x| x.0), l2.map(|x| x.0)].contains(&Some(i))
            {
                continue;
            }
            match column {
                Column::Field(IndicatorField::Period) => {
                    indicator.period = Some(parse_value(&cell.text, &ctx))
                }
                Column::Field(IndicatorField::Annual) => {
                    indicator.annual = Some(parse_value(&cell.text, &ctx))
                }
                Column::Field(IndicatorField::Weight) => match parse_number(&cell.text) {
                    Some(weight) => indicator.weight = Some(weight),
                    None => continue, // left unmapped: a weight we cannot read is not dropped
                },
                Column::Field(IndicatorField::Comparator) => match parse_comparator(&cell.text) {
                    Some(op) => comparator = Some((op, cell.text.clone())),
                    None => continue,
                },
                Column::Field(IndicatorField::Unit) => unit_column = Some(cell.text.clone()),
                Column::Extra(header) => {
                    indicator
                        .extra
                        .insert(header.clone(), serde_json::Value::String(cell.text.clone()));
                }
                Column::Field(_) => continue,
            }
            rows.take(r, i);
        }
        for value in [&mut indicator.period, &mut indicator.annual]
            .into_iter()
            .flatten()
        {
            apply_columns(
                value,
                comparator.as_ref().map(|(op, _)| *op),
                unit_column.as_deref(),
            );
        }
        if let (Some((_, written)), None, None) =
            (&comparator, &indicator.period, &indicator.annual)
        {
            indicator.extra.insert(
                "指标性质".into(),
                serde_json::Value::String(written.clone()),
            );
        }
        if let (Some(unit), None, None) = (&unit_column, &indicator.period, &indicator.annual) {
            indicator
                .extra
                .insert("度量单位".into(), serde_json::Value::String(unit.clone()));
        }
        out.push(indicator);
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
        value.unit = Some(unit.to_string());
        value.unit_kind = unit_kind(unit);
    }
}

/// Level labels are short names ending in 指标/值 (产出指标, 数量值) or known categories;
/// anything else in a level column (a signature line after the grid) is not one.
fn looks_like_level_name(text: &str) -> bool {
    let label = normalize_label(text);
    label.chars().count() <= 20
        && (label.contains("指标")
            || label.ends_with('值')
            || category_of(&label).is_some()
            || is_level1_name(&label))
}
