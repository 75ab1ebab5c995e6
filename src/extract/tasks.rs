//! 年度重点工作任务: rows of (名称, 主要实施内容, 拟投入的资金, 期望达到的目标), located by
//! their header texts. After a page break the section label may repeat in the first
//! cell of a data row: such a row is data, not a new header. A 合计 row under the tasks
//! is no task: its amount is kept in `details` and checked against the tasks' funds.
//! Columns that are no task field (备注, or 财政拨款 under a 预算金额 split into 总额 |
//! 财政拨款 | 其他资金) go to each task's `extra`.

use super::labels::{is_funds_sub_header, label_text, Label, TaskField};
use super::rows::Rows;
use crate::document::{Amount, Finding, Form, Severity, Task};
use crate::normalize::parse_amount;
use crate::validate::{format_wan, TOLERANCE};

/// A 合计 row under the tasks: the total the form states for their funds.
#[derive(Debug)]
struct StatedTotal {
    /// Its key in `details`: the section's label and the row's, `年度重点工作任务/合计`.
    key: String,
    amount: Amount,
    at: String,
    /// Its cells in the extra columns, by their keys.
    extra: Vec<(String, String)>,
}

/// Column positions of the task fields, once the header row has been seen.
#[derive(Debug, Default)]
pub struct TaskReader {
    columns: Vec<(u32, TaskField)>,
    funds_unit: Option<&'static str>,
    /// The unit of bare amounts when the header gives none (a `单位：元` line).
    default_unit: Option<&'static str>,
    /// The section's label as written, which names a stated total in `details`.
    section: String,
    total: Option<StatedTotal>,
    /// The funds column's header as written (`预算金额（万元）`).
    funds_header: String,
    /// Columns that are no task field, with their keys in a task's `extra`: other
    /// headers (`备注`), and the columns under a split funds header other than the
    /// funds' own (`预算金额（万元）/财政拨款`).
    extra_columns: Vec<(u32, String)>,
}

impl TaskReader {
    /// A reader for the section labelled `section`, whose bare amounts are in `unit`
    /// unless the funds header says otherwise.
    pub fn new(section: &str, unit: Option<&'static str>) -> Self {
        TaskReader {
            default_unit: unit,
            section: label_text(section),
            ..Default::default()
        }
    }

    /// Ends the section: a stated total goes to `details`, and a total that the tasks'
    /// funds do not add up to is a `tasks.sum_mismatch` finding.
    pub fn flush(&mut self, form: &mut Form) {
        let Some(total) = self.total.take() else {
            return;
        };
        form.details.insert(
            total.key.clone(),
            serde_json::Value::String(total.amount.raw.clone()),
        );
        for (key, text) in &total.extra {
            form.details.insert(
                format!("{}/{key}", total.key),
                serde_json::Value::String(text.clone()),
            );
        }
        let Some(stated) = total.amount.value else {
            return;
        };
        let funds: f64 = form
            .tasks
            .iter()
            .filter_map(|t| t.funds.as_ref()?.value)
            .sum();
        if (funds - stated).abs() > TOLERANCE {
            form.findings.push(Finding::new(
                Severity::Warning,
                "tasks.sum_mismatch",
                format!(
                    "the tasks' funds add up to {}万元, but {} says {}万元 (difference {}万元)",
                    format_wan(funds),
                    total.key,
                    format_wan(stated),
                    format_wan(funds - stated)
                ),
                Some(total.at),
            ));
        }
    }

    /// Reads row `r` from cell `from` on: a header row sets the columns, any other row
    /// with content is one task.
    pub fn row(&mut self, rows: &mut Rows<'_>, r: usize, from: usize, out: &mut Vec<Task>) {
        let cells = &rows.cells(r)[from..];
        if cells.is_empty() {
            return;
        }
        let labels = &rows.labels(r)[from..];
        let headers = labels.iter().filter(|l| l.task_field().is_some()).count();
        if headers >= 2 {
            self.columns = cells
                .iter()
                .zip(labels)
                .filter_map(|(c, l)| l.task_field().map(|f| (c.col, f)))
                .collect();
            self.funds_unit = labels
                .iter()
                .find(|l| l.task_field() == Some(TaskField::Funds))
                .and_then(|l| l.header_unit())
                .or(self.default_unit);
            self.funds_header = cells
                .iter()
                .zip(labels)
                .find(|(_, l)| l.task_field() == Some(TaskField::Funds))
                .map(|(c, _)| label_text(&c.text))
                .unwrap_or_default();
            // Any other header (备注) heads a column of the tasks' `extra`.
            self.extra_columns.clear();
            for i in from..rows.cells(r).len() {
                if rows.label(r, i).task_field().is_none() {
                    let cell = &rows.cells(r)[i];
                    self.extra_columns.push((cell.col, label_text(&cell.text)));
                }
                rows.take(r, i);
            }
            return;
        }
        if self.total_row(rows, r, from) || self.funds_sub_header(rows, r, from) {
            return;
        }
        if self.columns.is_empty() {
            // No header: the cells in order are name, content, funds, goal.
            let fields = [
                TaskField::Name,
                TaskField::Content,
                TaskField::Funds,
                TaskField::Goal,
            ];
            self.columns = cells.iter().zip(fields).map(|(c, f)| (c.col, f)).collect();
        }
        let mut task = Task {
            seq: out.len() as u32 + 1,
            name: None,
            content: None,
            funds: None,
            goal: None,
            at: String::new(),
            extra: serde_json::Map::new(),
        };
        let mut first_loc = None;
        for &(col, field) in &self.columns {
            let Some((i, cell)) = rows.covering(r, col) else {
                continue;
            };
            if i < from {
                continue;
            }
            rows.take(r, i);
            first_loc.get_or_insert_with(|| cell.loc.render());
            let text = Some(cell.text.clone());
            match field {
                TaskField::Name => task.name = text,
                TaskField::Content => task.content = text,
                TaskField::Funds => {
                    task.funds = Some(parse_amount(
                        &cell.text,
                        cell.number,
                        self.funds_unit.or(self.default_unit),
                    ))
                }
                TaskField::Goal => task.goal = text,
            }
        }
        for (key, text) in self.extra_cells(rows, r, from) {
            task.extra.insert(key, serde_json::Value::String(text));
        }
        if let Some(at) = first_loc {
            task.at = at;
            out.push(task);
        }
    }

    /// The row's cells in the extra columns, taken, by their keys.
    fn extra_cells(&self, rows: &mut Rows<'_>, r: usize, from: usize) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (col, key) in &self.extra_columns {
            let Some((i, cell)) = rows
                .covering(r, *col)
                .filter(|&(i, c)| i >= from && c.col == *col)
            else {
                continue;
            };
            found.push((key.clone(), cell.text.clone()));
            rows.take(r, i);
        }
        found
    }

    /// The row under a header whose 预算金额 splits into 总额 | 财政拨款 | 其他资金: no
    /// task. The funds column's own sub-header (总额) is taken; the others become the
    /// keys of the tasks' `extra` cells under them (`预算金额（万元）/财政拨款`).
    fn funds_sub_header(&mut self, rows: &mut Rows<'_>, r: usize, from: usize) -> bool {
        let cells = &rows.cells(r)[from..];
        let labels = &rows.labels(r)[from..];
        let is_sub_header =
            |label: &Label<'_>| label.budget_key().is_some() || is_funds_sub_header(label.bare());
        if cells.len() < 2 || !labels.iter().all(is_sub_header) {
            return false;
        }
        let funds_col = self
            .columns
            .iter()
            .find(|&&(_, f)| f == TaskField::Funds)
            .map(|&(col, _)| col);
        for i in from..rows.cells(r).len() {
            let cell = &rows.cells(r)[i];
            if Some(cell.col) != funds_col {
                let key = format!("{}/{}", self.funds_header, label_text(&cell.text));
                self.extra_columns.push((cell.col, key));
            }
            rows.take(r, i);
        }
        true
    }

    /// A row whose name is 合计/总计/小计 and that has an amount in the funds column and
    /// neither content nor goal: the tasks' stated total, taken and kept.
    fn total_row(&mut self, rows: &mut Rows<'_>, r: usize, from: usize) -> bool {
        let column = |field| {
            self.columns
                .iter()
                .find(|&&(_, f)| f == field)
                .and_then(|&(col, _)| rows.covering(r, col))
                .filter(|&(i, _)| i >= from)
        };
        let (Some((name_i, name)), Some((funds_i, funds))) =
            (column(TaskField::Name), column(TaskField::Funds))
        else {
            return false;
        };
        // Content or goal of its own: a task named so. (A 合计 merged across the name
        // and content columns covers both, but is one cell.)
        let other = |field| column(field).is_some_and(|(i, _)| i != name_i);
        if !rows.label(r, name_i).is_total() || other(TaskField::Content) || other(TaskField::Goal)
        {
            return false;
        }
        let amount = parse_amount(
            &funds.text,
            funds.number,
            self.funds_unit.or(self.default_unit),
        );
        if amount.value.is_none() {
            return false;
        }
        let key = format!("{}/{}", self.section, label_text(&name.text));
        let at = funds.loc.render();
        rows.take(r, name_i);
        rows.take(r, funds_i);
        let extra = self.extra_cells(rows, r, from);
        self.total = Some(StatedTotal {
            key,
            amount,
            at,
            extra,
        });
        true
    }
}
