//! Extractors: from the format-free cell model to form documents.
//!
//! Sections are found by their labels, never by position: the first cell of a row that
//! names a section (部门名称, 预算整体情况, 总体绩效目标, 年度重点工作任务, 其他需完成的任务)
//! switches the reader for the rows that follow, and the indicator header row starts
//! the indicator grid. The same code runs for every input format.

pub mod labels;
mod budget;
mod indicators;
mod rows;
mod tasks;

use std::sync::LazyLock;

use regex::Regex;

use crate::document::{Form, FormKind, Source, Unmapped, SCHEMA};
use crate::model::Grid;
use crate::validate;
use budget::BudgetReader;
use indicators::IndicatorReader;
use labels::{section_of, Section};
use rows::Rows;
use tasks::TaskReader;

/// Which reader the rows currently belong to.
enum Mode {
    /// Before the first section: the title lives here.
    Preamble,
    /// After a one-row section (部门名称, goals): nothing to continue.
    Between,
    Budget(BudgetReader),
    Tasks(TaskReader),
    Indicators(IndicatorReader),
}

/// Extracts every form in `grid`. A file normally holds one; a new title or a second
/// 部门名称 after a form's sections starts another. `source` and `id` (the file's
/// form_id) are stamped on each, with `-2`, `-3`… for the further ones.
pub fn extract(grid: &Grid, source: &Source, id: &str) -> Vec<Form> {
    let mut rows = Rows::new(grid);
    let starts = form_starts(&rows);
    let mut forms = Vec::with_capacity(starts.len());
    for (n, window) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(rows.len());
        let form_id = if n == 0 { id.to_string() } else { format!("{id}-{}", n + 1) };
        forms.push(extract_one(&mut rows, *window..end, grid, source.clone(), form_id));
    }
    forms
}

/// Row indices where forms start: 0, plus each title or 部门名称 row that comes after the
/// current form already has its own 部门名称.
fn form_starts(rows: &Rows<'_>) -> Vec<usize> {
    let mut starts = vec![0];
    let mut seen_department = false;
    let mut seen_title = false;
    for r in 0..rows.len() {
        let cells = rows.cells(r);
        let Some(first) = cells.first() else { continue };
        let is_department = section_of(&first.text) == Some(Section::Department);
        let is_title = cells.len() == 1 && is_title_text(&first.text);
        if (is_department || is_title) && seen_department {
            // A title row just before the 部门名称 row belongs to the new form.
            let start = if is_department && r > 0 && seen_title && is_title_row(rows, r - 1) { r - 1 } else { r };
            if start > *starts.last().unwrap_or(&0) {
                starts.push(start);
            }
            seen_department = is_department;
            seen_title = is_title;
            continue;
        }
        seen_department |= is_department;
        seen_title |= is_title;
    }
    starts
}

fn is_title_row(rows: &Rows<'_>, r: usize) -> bool {
    let cells = rows.cells(r);
    cells.len() == 1 && is_title_text(&cells[0].text)
}

/// A title names the form: `…绩效目标申报表`, `…绩效目标表`.
fn is_title_text(text: &str) -> bool {
    let label = labels::normalize_label(text);
    (label.ends_with('表') || label.contains("绩效目标")) && label.chars().count() <= 80 && section_of(text).is_none()
}

static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("valid regex"));

fn extract_one(rows: &mut Rows<'_>, range: std::ops::Range<usize>, grid: &Grid, source: Source, form_id: String) -> Form {
    let mut form = Form {
        schema: SCHEMA.to_string(),
        form_id,
        source,
        title: None,
        form_kind: FormKind::Unknown,
        department: None,
        year: None,
        budget: Vec::new(),
        project: None,
        overall_goal: None,
        period_goal: None,
        annual_goal: None,
        tasks: Vec::new(),
        other_tasks: None,
        indicators: Vec::new(),
        findings: Vec::new(),
        unmapped: Vec::new(),
    };
    let mut sections = Vec::new();
    let mut mode = Mode::Preamble;
    for r in range.clone() {
        let cells = rows.cells(r);
        let Some(first) = cells.first() else { continue };
        if let Some(section) = section_of(&first.text) {
            rows.take(r, 0);
            if let Mode::Budget(reader) = &mut mode {
                reader.flush(&mut form.budget);
            }
            sections.push(section);
            mode = match section {
                Section::Department => {
                    form.department = rows.take_rest(r, 1);
                    Mode::Between
                }
                Section::OverallGoal => {
                    form.overall_goal = rows.take_rest(r, 1);
                    Mode::Between
                }
                Section::PeriodGoal => {
                    form.period_goal = rows.take_rest(r, 1);
                    Mode::Between
                }
                Section::AnnualGoal => {
                    form.annual_goal = rows.take_rest(r, 1);
                    Mode::Between
                }
                Section::OtherTasks => {
                    form.other_tasks = rows.take_rest(r, 1);
                    Mode::Between
                }
                Section::Budget => {
                    let mut reader = BudgetReader::default();
                    reader.row(rows, r, 1, &mut form.budget);
                    Mode::Budget(reader)
                }
                Section::Tasks => match mode {
                    // The label repeated after a page break continues the same table.
                    Mode::Tasks(mut reader) => {
                        reader.row(rows, r, 1, &mut form.tasks);
                        Mode::Tasks(reader)
                    }
                    _ => {
                        let mut reader = TaskReader::default();
                        reader.row(rows, r, 1, &mut form.tasks);
                        Mode::Tasks(reader)
                    }
                },
            };
            continue;
        }
        if IndicatorReader::is_header(cells) {
            if let Mode::Budget(reader) = &mut mode {
                reader.flush(&mut form.budget);
            }
            mode = Mode::Indicators(IndicatorReader::from_header(rows, r, form.year));
            continue;
        }
        match &mut mode {
            Mode::Preamble if form.title.is_none() && cells.len() == 1 && is_title_text(&first.text) => {
                rows.take(r, 0);
                form.title = Some(first.text.clone());
                form.year = YEAR.captures(&first.text).and_then(|c| c[1].parse().ok());
            }
            Mode::Budget(reader) => reader.row(rows, r, 0, &mut form.budget),
            Mode::Tasks(reader) => reader.row(rows, r, 0, &mut form.tasks),
            Mode::Indicators(reader) => reader.row(rows, r, &mut form.indicators),
            Mode::Preamble | Mode::Between => {}
        }
    }
    if let Mode::Budget(reader) = &mut mode {
        reader.flush(&mut form.budget);
    }
    fill_identity(&mut form);
    form.unmapped = rows.untaken(range).map(|c| Unmapped { text: c.text.clone(), at: c.loc.to_string() }).collect();
    validate::validate(&mut form, &sections, grid);
    form
}

/// Department, year and kind from whatever the form gave: the title first for the year,
/// 部门名称 first for the department, each falling back to the other.
fn fill_identity(form: &mut Form) {
    let title = form.title.as_deref().unwrap_or("");
    if form.year.is_none() {
        form.year = form.department.as_deref().and_then(|d| YEAR.captures(d)).and_then(|c| c[1].parse().ok());
    }
    if form.department.is_none() {
        if let Some(m) = YEAR.find(title) {
            let before = title[..m.start()].trim();
            if !before.is_empty() {
                form.department = Some(before.to_string());
            }
        }
    }
    let kind_text = labels::normalize_label(title);
    form.form_kind = if kind_text.contains("部门整体") {
        FormKind::DepartmentOverall
    } else if kind_text.contains("项目") {
        FormKind::Project
    } else if form.department.is_some() && (!form.budget.is_empty() || !form.indicators.is_empty()) {
        FormKind::DepartmentOverall
    } else {
        FormKind::Unknown
    };
}
