//! 年度重点工作任务: rows of (名称, 主要实施内容, 拟投入的资金, 期望达到的目标), located by
//! their header texts. After a page break the section label may repeat in the first
//! cell of a data row: such a row is data, not a new header.

use super::labels::TaskField;
use super::rows::Rows;
use crate::document::Task;
use crate::normalize::parse_amount;

/// Column positions of the task fields, once the header row has been seen.
#[derive(Debug, Default)]
pub struct TaskReader {
    columns: Vec<(u32, TaskField)>,
    funds_unit: Option<&'static str>,
    /// The unit of bare amounts when the header gives none (a `单位：元` line).
    default_unit: Option<&'static str>,
}

impl TaskReader {
    /// A reader whose bare amounts are in `unit` unless the funds header says otherwise.
    pub fn new(unit: Option<&'static str>) -> Self {
        TaskReader {
            default_unit: unit,
            ..Default::default()
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
            for i in from..rows.cells(r).len() {
                if rows.label(r, i).task_field().is_some() {
                    rows.take(r, i);
                }
            }
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
        if let Some(at) = first_loc {
            task.at = at;
            out.push(task);
        }
    }
}
