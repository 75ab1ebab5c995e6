//! Findings: the checks an auditor makes on a form, and what the readers noticed.
//!
//! Every finding code is stable and listed in the README. Codes:
//! `budget.sum_mismatch`, `tasks.funds_exceed_budget`, `section.missing`,
//! `form.unrecognized`, `form.department_mismatch`, `value.unparsed`,
//! `amount.unparsed`, and the readers' `input.encoding_guessed` /
//! `input.encoding_errors` / `input.extension_mismatch` / `input.zip_recovered` /
//! `input.formulas_not_calculated` / `input.cut_short`.
//! Extraction adds `form.unsupported_kind`, `form.year_mismatch`, `tasks.sum_mismatch`,
//! `indicators.weight_sum_mismatch` and `indicators.category_empty`; the writer adds `form.duplicate_department`, which
//! needs every file.

use crate::document::{BudgetLine, Finding, Form, FormKind, Severity, ValueKind};
use crate::extract::labels::{budget_group, BudgetGroup, Section};
use crate::extract::title_department;
use crate::model::Grid;

/// Two amounts (万元) closer than this are equal: forms round to 0.01.
pub(crate) const TOLERANCE: f64 = 0.005;

/// Appends every finding for `form`; `sections` are the section labels the extractor saw.
pub fn validate(form: &mut Form, sections: &[Section], grid: &Grid) {
    // Those extraction made (empty indicator categories, of note only) follow the
    // checks' own, which matter more.
    let extracted = std::mem::take(&mut form.findings);
    let mut findings = Vec::with_capacity(extracted.len() + grid.notes.len());
    for note in &grid.notes {
        findings.push(Finding::new(
            note.severity(),
            note.code,
            note.message.clone(),
            None,
        ));
    }
    check_sections(form, sections, &mut findings);
    check_department(form, sections, &mut findings);
    let groups = line_groups(&form.budget);
    check_budget(&form.budget, &groups, &mut findings);
    check_task_funds(form, &groups, &mut findings);
    check_values(form, &mut findings);
    findings.extend(extracted);
    form.findings = findings;
}

/// A department form whose title names another department than its 部门名称: most
/// often a form copied from another department's and not wholly changed. An
/// abbreviation is no mismatch: the names agree when one's characters stand in the
/// other in order (卫健委 in 卫生健康委员会, 司法局 in 广州市司法局).
fn check_department(form: &Form, sections: &[Section], findings: &mut Vec<Finding>) {
    if form.form_kind != FormKind::DepartmentOverall || !sections.contains(&Section::Department) {
        return;
    }
    let (Some(department), Some(named)) = (
        form.department.as_deref(),
        form.title.as_deref().and_then(title_department),
    ) else {
        return;
    };
    let chars = |s: &str| -> Vec<char> { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let (department_chars, named_chars) = (chars(department), chars(named));
    if in_order(&department_chars, &named_chars) || in_order(&named_chars, &department_chars) {
        return;
    }
    findings.push(Finding::new(
        Severity::Warning,
        "form.department_mismatch",
        format!(
            "the title names {named}, but 部门名称 is {department} (a form copied from another department's?)"
        ),
        None,
    ));
}

/// Whether the characters of `short` stand in `long` in the same order.
fn in_order(short: &[char], long: &[char]) -> bool {
    let mut rest = long.iter();
    short.iter().all(|c| rest.any(|l| l == c))
}

fn check_sections(form: &Form, sections: &[Section], findings: &mut Vec<Finding>) {
    let found_anything = form.department.is_some()
        || !form.budget.is_empty()
        || !form.tasks.is_empty()
        || !form.indicators.is_empty()
        || form.overall_goal.is_some();
    if !found_anything {
        findings.push(Finding::new(
            Severity::Error,
            "form.unrecognized",
            "no section of a budget performance form was found (部门名称, 预算整体情况, 总体绩效目标, 年度重点工作任务, 指标)".into(),
            None,
        ));
        return;
    }
    if form.form_kind != FormKind::DepartmentOverall {
        return;
    }
    let mut missing = Vec::new();
    if !sections.contains(&Section::Department) && form.department.is_none() {
        missing.push("部门名称");
    }
    if !sections.contains(&Section::Budget) {
        missing.push("预算整体情况");
    }
    // A form whose only goal is the year's (the national template's 年度总体目标) has
    // stated its goal.
    let has_goal = sections.iter().any(|s| {
        matches!(
            s,
            Section::OverallGoal | Section::AnnualGoal | Section::PeriodGoal
        )
    });
    if !has_goal {
        missing.push("总体绩效目标");
    }
    if !sections.contains(&Section::Tasks) {
        missing.push("年度重点工作任务");
    }
    if form.indicators.is_empty() {
        missing.push("绩效指标 (一级/二级/三级指标)");
    }
    for name in missing {
        findings.push(Finding::new(
            Severity::Warning,
            "section.missing",
            format!("the form has no {name} section"),
            None,
        ));
    }
}

/// Keys that split a total by budget level rather than by source.
const LEVEL_KEYS: &[&str] = &[
    "own_level_funds",
    "higher_level_funds",
    "transfer_to_lower_levels",
];

/// Formats an amount in 万元 as forms write it: `183,374.03`.
pub fn format_wan(value: f64) -> String {
    let fixed = format!("{:.2}", value.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut out = String::with_capacity(fixed.len() + int.len() / 3 + 2);
    if value < -TOLERANCE / 10.0 {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push('.');
    out.push_str(frac);
    out
}

/// A group's total: its stated 合计 if it has one, else the sum of its lines.
struct GroupTotal<'a> {
    name: &'a str,
    total: f64,
    at: &'a str,
}

/// The reconciliation group of each budget line's group header, looked up once per
/// line rather than once per group asked about.
fn line_groups(budget: &[BudgetLine]) -> Vec<Option<BudgetGroup>> {
    budget
        .iter()
        .map(|l| l.group.as_deref().and_then(budget_group))
        .collect()
}

/// `group`'s total; `groups` are the lines' groups ([`line_groups`]).
fn group_total<'a>(
    budget: &'a [BudgetLine],
    groups: &[Option<BudgetGroup>],
    group: BudgetGroup,
) -> Option<GroupTotal<'a>> {
    let lines: Vec<&BudgetLine> = budget
        .iter()
        .zip(groups)
        .filter(|(_, g)| **g == Some(group))
        .map(|(l, _)| l)
        .collect();
    let first = lines.first()?;
    let stated = lines
        .iter()
        .find(|l| l.key.as_deref() == Some("total"))
        .and_then(|l| l.amount.value);
    let parts: Vec<f64> = lines
        .iter()
        .filter(|l| l.key.as_deref() != Some("total"))
        .filter_map(|l| l.amount.value)
        .collect();
    let total = stated.or_else(|| (!parts.is_empty()).then(|| parts.iter().sum()))?;
    Some(GroupTotal {
        name: first.group.as_deref().unwrap_or(""),
        total,
        at: &first.at,
    })
}

fn check_budget(
    budget: &[BudgetLine],
    groups: &[Option<BudgetGroup>],
    findings: &mut Vec<Finding>,
) {
    // Parts against a stated total, in every group (named or not).
    let mut headers: Vec<Option<&str>> = Vec::new();
    for line in budget {
        if !headers.contains(&line.group.as_deref()) {
            headers.push(line.group.as_deref());
        }
    }
    for group in headers {
        let lines: Vec<&BudgetLine> = budget
            .iter()
            .filter(|l| l.group.as_deref() == group)
            .collect();
        let Some(total_line) = lines.iter().find(|l| l.key.as_deref() == Some("total")) else {
            continue;
        };
        let Some(stated) = total_line.amount.value else {
            continue;
        };
        let parts: Vec<&BudgetLine> = lines
            .iter()
            .copied()
            .filter(|l| l.key.as_deref() != Some("total"))
            .collect();
        // A total split two ways (by source: 财政拨款 + 其他资金; by level: 本级 + 上级 +
        // 对下转移) is checked one way at a time, each with at least two lines.
        let (by_level, by_source): (Vec<&BudgetLine>, Vec<&BudgetLine>) = parts
            .iter()
            .partition(|l| l.key.as_deref().is_some_and(|k| LEVEL_KEYS.contains(&k)));
        let two_way = !by_level.is_empty() && !by_source.is_empty();
        let splits = if two_way {
            vec![by_source, by_level]
        } else {
            vec![parts]
        };
        for split in splits {
            let values: Vec<f64> = split.iter().filter_map(|l| l.amount.value).collect();
            // One line of a two-way split: the other way carries the rest of the money.
            if values.is_empty() || (two_way && split.len() < 2) {
                continue;
            }
            let sum: f64 = values.iter().sum();
            if (sum - stated).abs() > TOLERANCE {
                let labels: Vec<&str> = split.iter().map(|l| l.label.as_str()).collect();
                findings.push(Finding::new(
                    Severity::Warning,
                    "budget.sum_mismatch",
                    format!(
                        "{}: {} add up to {}万元 but {} says {}万元 (difference {}万元)",
                        group.unwrap_or("budget"),
                        labels.join(" + "),
                        format_wan(sum),
                        total_line.label,
                        format_wan(stated),
                        format_wan(sum - stated)
                    ),
                    Some(total_line.at.clone()),
                ));
            }
        }
    }

    // The three ways of counting the same money must agree.
    let income = group_total(budget, groups, BudgetGroup::Income);
    let by_level = group_total(budget, groups, BudgetGroup::ByLevel);
    let expenditure = group_total(budget, groups, BudgetGroup::Expenditure).map(|e| {
        let development = group_total(budget, groups, BudgetGroup::Development);
        let name = if development.is_some() {
            "部门预算支出 + 事业发展性支出"
        } else {
            e.name
        };
        GroupTotal {
            name,
            total: e.total + development.map_or(0.0, |d| d.total),
            at: e.at,
        }
    });
    let pairs = [
        (&income, &by_level),
        (&income, &expenditure),
        (&by_level, &expenditure),
    ];
    for (a, b) in pairs {
        let (Some(a), Some(b)) = (a, b) else { continue };
        let diff = a.total - b.total;
        if diff.abs() <= TOLERANCE {
            continue;
        }
        let (more, less) = if diff > 0.0 { (a, b) } else { (b, a) };
        findings.push(Finding::new(
            Severity::Warning,
            "budget.sum_mismatch",
            format!(
                "{} ({}万元) exceeds {} ({}万元) by {}万元",
                more.name,
                format_wan(more.total),
                less.name,
                format_wan(less.total),
                format_wan(diff.abs())
            ),
            Some(more.at.to_string()),
        ));
    }
}

fn check_task_funds(form: &Form, groups: &[Option<BudgetGroup>], findings: &mut Vec<Finding>) {
    let funds = || form.tasks.iter().filter_map(|t| t.funds.as_ref()?.value);
    if funds().next().is_none() {
        return;
    }
    let project = form
        .budget
        .iter()
        .find(|l| l.key.as_deref() == Some("project_expenditure"))
        .and_then(|l| l.amount.value);
    let development = group_total(&form.budget, groups, BudgetGroup::Development).map(|g| g.total);
    if project.is_none() && development.is_none() {
        return;
    }
    let available = project.unwrap_or(0.0) + development.unwrap_or(0.0);
    let total: f64 = funds().sum();
    if total > available + TOLERANCE {
        findings.push(Finding::new(
            Severity::Warning,
            "tasks.funds_exceed_budget",
            format!(
                "the tasks' funds add up to {}万元, more than 项目支出 + 事业发展性支出 ({}万元) by {}万元",
                format_wan(total),
                format_wan(available),
                format_wan(total - available)
            ),
            form.tasks.first().map(|t| t.at.clone()),
        ));
    }
}

fn check_values(form: &Form, findings: &mut Vec<Finding>) {
    let has_digit = |s: &str| {
        s.chars()
            .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    };
    for indicator in &form.indicators {
        for value in [&indicator.period, &indicator.annual].into_iter().flatten() {
            if value.kind == ValueKind::Text && has_digit(&value.raw) {
                findings.push(Finding::new(
                    Severity::Warning,
                    "value.unparsed",
                    format!(
                        "{}: the value {:?} has a number but no readable target",
                        indicator.level3, value.raw
                    ),
                    Some(indicator.at.clone()),
                ));
            }
        }
    }
    let amounts = form
        .budget
        .iter()
        .map(|l| (&l.label, Some(&l.amount), &l.at))
        .chain(
            form.tasks
                .iter()
                .map(|t| (t.name.as_ref().unwrap_or(&t.at), t.funds.as_ref(), &t.at)),
        );
    for (label, amount, at) in amounts {
        let Some(amount) = amount else { continue };
        if amount.value.is_none() && !amount.raw.trim().is_empty() {
            findings.push(Finding::new(
                Severity::Warning,
                "amount.unparsed",
                format!("{label}: the amount {:?} could not be read", amount.raw),
                Some(at.clone()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_format_like_the_forms() {
        assert_eq!(format_wan(183374.03), "183,374.03");
        assert_eq!(format_wan(40.42), "40.42");
        assert_eq!(format_wan(0.0), "0.00");
        assert_eq!(format_wan(-1234.5), "-1,234.50");
        assert_eq!(format_wan(999.999), "1,000.00");
    }
}
