//! Extractors: from the format-free cell model to form documents.
//!
//! Sections are found by their labels, never by position: the first cell of a row that
//! names a section (部门名称, 预算整体情况, 总体绩效目标, 年度重点工作任务, 其他需完成的任务)
//! switches the reader for the rows that follow, and the indicator header row starts
//! the indicator grid. The same code runs for every input format.

mod budget;
mod indicators;
pub mod labels;
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
        let form_id = if n == 0 {
            id.to_string()
        } else {
            format!("{id}-{}", n + 1)
        };
        forms.push(extract_one(
            &mut rows,
            *window..end,
            grid,
            source.clone(),
            form_id,
        ));
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
            let start = if is_department && r > 0 && seen_title && is_title_row(rows, r - 1) {
                r - 1
            } else {
                r
            };
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

/// A title names the form: `…绩效目标申报表`, `…绩效目标表`, `…预算绩效…`.
fn is_title_text(text: &str) -> bool {
    let label = labels::normalize_label(text);
    let about_budgets = label.contains("绩效") || label.contains("预算");
    about_budgets
        && (label.ends_with('表') || label.contains("绩效目标"))
        && label.chars().count() <= 80
        && section_of(text).is_none()
}

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("valid regex"));

fn extract_one(
    rows: &mut Rows<'_>,
    range: std::ops::Range<usize>,
    grid: &Grid,
    source: Source,
    form_id: String,
) -> Form {
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
            Mode::Preamble
                if form.title.is_none() && cells.len() == 1 && is_title_text(&first.text) =>
            {
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
    form.unmapped = rows
        .untaken(range)
        .map(|c| Unmapped {
            text: c.text.clone(),
            at: c.loc.to_string(),
        })
        .collect();
    validate::validate(&mut form, &sections, grid);
    form
}

/// Department, year and kind from whatever the form gave: the title first for the year,
/// 部门名称 first for the department, each falling back to the other.
fn fill_identity(form: &mut Form) {
    let title = form.title.as_deref().unwrap_or("");
    if form.year.is_none() {
        form.year = form
            .department
            .as_deref()
            .and_then(|d| YEAR.captures(d))
            .and_then(|c| c[1].parse().ok());
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
    } else if form.department.is_some() && (!form.budget.is_empty() || !form.indicators.is_empty())
    {
        FormKind::DepartmentOverall
    } else {
        FormKind::Unknown
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{text, ReadLimits};

    /// Extracts forms from tab-separated lines (the text reader builds the grid, so these
    /// tests exercise the extractor alone on the common model).
    fn forms(tsv: &str) -> Vec<Form> {
        let grid = text::read(tsv.as_bytes(), &ReadLimits::default()).unwrap();
        let source = Source {
            path: "t.txt".into(),
            format: "text".into(),
            encoding: None,
            sha256: "0".repeat(64),
            bytes: 0,
        };
        extract(&grid, &source, "0123456789abcdef")
    }

    fn one(tsv: &str) -> Form {
        let mut all = forms(tsv);
        assert_eq!(all.len(), 1, "one form expected");
        all.remove(0)
    }

    #[test]
    fn budget_lines_come_group_by_group_with_keys() {
        let form = one("部门名称\t某局\n\
             预算整体情况\t部门预算支出\t预算金额(万元)\t收入来源\t预算金额(万元)\n\
             \t基本支出\t10\t财政拨款\t12\n\
             \t项目支出\t2\t自筹收入\t1\n\
             \t事业发展性支出\t预算金额(万元)\t按预算级次划分\t预算金额(万元)\n\
             \t其他事业发展性支出\t0\t市本级使用资金\t12\n");
        let got: Vec<_> = form
            .budget
            .iter()
            .map(|l| {
                (
                    l.group.as_deref().unwrap(),
                    l.label.as_str(),
                    l.key.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("部门预算支出", "基本支出", Some("basic_expenditure")),
                ("部门预算支出", "项目支出", Some("project_expenditure")),
                ("收入来源", "财政拨款", Some("fiscal_appropriation")),
                ("收入来源", "自筹收入", None),
                (
                    "事业发展性支出",
                    "其他事业发展性支出",
                    Some("other_development_expenditure")
                ),
                ("按预算级次划分", "市本级使用资金", Some("own_level_funds")),
            ]
        );
        assert_eq!(form.budget[0].at, "line 3 field 3");
        // 收入来源 13 against 按预算级次划分 12 and 部门预算支出 + 事业发展性支出 12.
        let mismatches: Vec<_> = form
            .findings
            .iter()
            .filter(|f| f.code == "budget.sum_mismatch")
            .collect();
        assert_eq!(mismatches.len(), 2, "{:?}", form.findings);
        assert!(mismatches[0]
            .message
            .contains("收入来源 (13.00万元) exceeds 按预算级次划分 (12.00万元) by 1.00万元"));
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn a_stated_total_is_checked_against_its_lines() {
        let form = one("部门名称\t某局\n预算整体情况\t收入来源\t金额(万元)\n\t财政拨款\t10\n\t其他资金\t5\n\t合计\t16\n");
        let finding = form
            .findings
            .iter()
            .find(|f| f.code == "budget.sum_mismatch")
            .expect("mismatch");
        assert!(
            finding.message.contains("15.00") && finding.message.contains("16.00"),
            "{}",
            finding.message
        );
        assert_eq!(finding.at.as_deref(), Some("line 5 field 3"));
    }

    #[test]
    fn tasks_continue_after_a_repeated_label_and_funds_beyond_budget_are_flagged() {
        let form = one("部门名称\t某局\n\
             预算整体情况\t部门预算支出\t预算金额(万元)\n\t项目支出\t5\n\
             年度重点工作任务\t名称\t主要实施内容\t拟投入的资金(万元)\t期望达到的目标(概述)\n\
             \t任务一\t内容一\t3\t目标一\n\
             \n\
             年度重点工作任务\t任务二\t内容二\t4\t目标二\n");
        let names: Vec<_> = form
            .tasks
            .iter()
            .map(|t| (t.seq, t.name.as_deref().unwrap()))
            .collect();
        assert_eq!(names, vec![(1, "任务一"), (2, "任务二")]);
        assert_eq!(form.tasks[1].goal.as_deref(), Some("目标二"));
        assert_eq!(form.tasks[1].at, "line 7 field 2");
        let finding = form
            .findings
            .iter()
            .find(|f| f.code == "tasks.funds_exceed_budget")
            .expect("7 > 5");
        assert!(
            finding.message.contains("7.00") && finding.message.contains("5.00"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn indicator_levels_fill_down_and_slipped_level2_is_read_as_level2() {
        let form = one("部门名称\t某局\n\
             一级指标\t二级指标\t三级指标\t指标值\t权重\t备注\n\
             产出指标\t数量指标\t培训人数\t≥100人\t10\t按年度\n\
             \t\t场次\t5场\t\t\n\
             \t成本指标\t\t\t\t\n\
             效益指标\t经济效益指标\t\t\t\t\n\
             生态效益指标\t\t植树\t1000棵\t\t\n");
        let got: Vec<_> = form
            .indicators
            .iter()
            .map(|i| {
                (
                    i.level1.as_deref(),
                    i.level2.as_deref(),
                    i.level3.as_str(),
                    i.category.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "培训人数",
                    Some("output.quantity")
                ),
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "场次",
                    Some("output.quantity")
                ),
                (
                    Some("效益指标"),
                    Some("生态效益指标"),
                    "植树",
                    Some("outcome.ecological")
                ),
            ]
        );
        let first = &form.indicators[0];
        assert!(first.period.is_none(), "one value column goes to annual");
        assert_eq!(first.annual.as_ref().unwrap().raw, "≥100人");
        assert_eq!(first.weight, Some(10.0));
        assert_eq!(first.extra["备注"], "按年度");
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn what_no_field_takes_is_unmapped_with_its_place() {
        let form = one("某某2024年部门整体预算绩效目标申报表\n单位：万元\n部门名称\t某局\n一级指标\t二级指标\t三级指标\t年度指标值\n产出指标\t数量指标\t人数\t5人\n填表人：张三\t\t\t\n");
        let unmapped: Vec<_> = form
            .unmapped
            .iter()
            .map(|u| (u.text.as_str(), u.at.as_str()))
            .collect();
        assert_eq!(
            unmapped,
            vec![
                ("单位：万元", "line 2 field 1"),
                ("填表人：张三", "line 6 field 1")
            ]
        );
    }

    #[test]
    fn identity_comes_from_the_title_when_the_form_lacks_部门名称() {
        let form = one("某市某局2023年部门整体预算绩效目标申报表\n总体绩效目标\t做好工作\n");
        assert_eq!(form.department.as_deref(), Some("某市某局"));
        assert_eq!(form.year, Some(2023));
        assert_eq!(form.form_kind, FormKind::DepartmentOverall);
        assert_eq!(form.overall_goal.as_deref(), Some("做好工作"));
        let missing: Vec<_> = form
            .findings
            .iter()
            .filter(|f| f.code == "section.missing")
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            missing.iter().any(|m| m.contains("预算整体情况")),
            "{missing:?}"
        );
        assert!(
            !missing.iter().any(|m| m.contains("部门名称")),
            "{missing:?}"
        );
    }

    #[test]
    fn a_second_title_starts_a_second_form() {
        let all = forms("甲局2024年部门整体预算绩效目标申报表\n部门名称\t甲局\n乙局2024年部门整体预算绩效目标申报表\n部门名称\t乙局\n");
        let ids: Vec<_> = all
            .iter()
            .map(|f| (f.form_id.as_str(), f.department.as_deref().unwrap()))
            .collect();
        assert_eq!(
            ids,
            vec![("0123456789abcdef", "甲局"), ("0123456789abcdef-2", "乙局")]
        );
        assert_eq!(
            all[1].title.as_deref(),
            Some("乙局2024年部门整体预算绩效目标申报表")
        );
    }

    #[test]
    fn text_that_is_no_form_is_an_error_finding() {
        let form = one("这不是一张表\n只是一些文字\n");
        assert_eq!(form.form_kind, FormKind::Unknown);
        assert!(form
            .findings
            .iter()
            .any(|f| f.code == "form.unrecognized" && f.severity == crate::Severity::Error));
        assert_eq!(form.unmapped.len(), 2);
    }
}
