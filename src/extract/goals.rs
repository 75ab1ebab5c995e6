//! Goals: 总体(绩效)目标 as one text, or split into 实施期/中期/长期目标 and 年度目标 —
//! side by side under sub-labels (`总体目标 | 实施期目标 | 年度目标` then the texts in the
//! next row), one sub-label per row (`总体目标 | 实施期目标 | …` / `| 年度目标 | …`), or
//! a plain label and its text.

use super::labels::Section;
use super::rows::Rows;
use crate::document::Form;

/// Sub-label columns waiting for the row of texts below them.
#[derive(Debug, Default)]
pub struct GoalReader {
    columns: Vec<(u32, Section)>,
}

/// Sets (or continues, on a new line) the goal of `section`.
pub fn set(form: &mut Form, section: Section, text: String) {
    let slot = match section {
        Section::PeriodGoal => &mut form.period_goal,
        Section::AnnualGoal => &mut form.annual_goal,
        _ => &mut form.overall_goal,
    };
    match slot {
        Some(existing) => {
            existing.push('\n');
            existing.push_str(&text);
        }
        None => *slot = Some(text),
    }
}

fn is_goal(section: Option<Section>) -> bool {
    matches!(
        section,
        Some(Section::OverallGoal | Section::PeriodGoal | Section::AnnualGoal)
    )
}

impl GoalReader {
    /// Reads row `r` from cell `from` on; `label` is the goal section the row is under
    /// (its own first-cell label, or the one it continues). Returns whether the row
    /// held anything of the goals.
    pub fn row(
        &mut self,
        rows: &mut Rows<'_>,
        r: usize,
        from: usize,
        label: Section,
        form: &mut Form,
    ) -> bool {
        let cells = rows.cells(r);
        let from = from.min(cells.len());
        let rest = &cells[from..];
        if rest.is_empty() {
            return false;
        }
        // A row of sub-labels only: the texts come in the next row, by column.
        let labels = &rows.labels(r)[from..];
        if rest.len() >= 2 && labels.iter().all(|l| is_goal(l.section())) {
            self.columns = rest
                .iter()
                .zip(labels)
                .filter_map(|(c, l)| Some((c.col, l.section()?)))
                .collect();
            (from..cells.len()).for_each(|i| rows.take(r, i));
            return true;
        }
        if !self.columns.is_empty() {
            let columns = std::mem::take(&mut self.columns);
            let mut any = false;
            for (col, section) in columns {
                if let Some((i, cell)) = rows.covering(r, col).filter(|(i, _)| *i >= from) {
                    rows.take(r, i);
                    set(form, section, cell.text.clone());
                    any = true;
                }
            }
            return any;
        }
        // `子标签 | 文字` pairs, or the text of the row's own label.
        let mut i = from;
        let mut any = false;
        while i < cells.len() {
            let sub = rows.label(r, i).section().filter(|s| is_goal(Some(*s)));
            match sub {
                Some(section) if i + 1 < cells.len() => {
                    rows.take(r, i);
                    rows.take(r, i + 1);
                    set(form, section, cells[i + 1].text.clone());
                    i += 2;
                }
                _ => {
                    rows.take(r, i);
                    set(form, label, cells[i].text.clone());
                    i += 1;
                }
            }
            any = true;
        }
        any
    }
}
