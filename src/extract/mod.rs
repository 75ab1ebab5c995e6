//! Extractors: from the format-free cell model to form documents.
//!
//! Sections are found by their labels, never by position: the first cell of a row that
//! names a section (部门名称, 预算整体情况, 总体绩效目标, 年度重点工作任务, 其他需完成的任务)
//! switches the reader for the rows that follow, and the indicator header row starts
//! the indicator grid. The same code runs for every input format.

mod budget;
mod goals;
mod indicators;
pub mod labels;
mod rows;
mod tasks;

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::document::{Finding, Form, FormKind, Project, Severity, Source, Unmapped, SCHEMA};
use crate::model::{Cell, Grid};
use crate::validate;
use budget::BudgetReader;
use goals::GoalReader;
use indicators::IndicatorReader;
use labels::{Field, Label, Section};
use rows::Rows;
use tasks::TaskReader;

/// Which reader the rows currently belong to.
enum Mode {
    /// Before the first section: the title lives here.
    Preamble,
    /// After a one-row section (部门名称, a field row): nothing to continue.
    Between,
    Budget(BudgetReader),
    Goals(GoalReader, Section),
    Tasks(TaskReader),
    Indicators(IndicatorReader),
}

/// Extracts every form in `grid`. A file normally holds one; a new title, or a second
/// 部门名称/项目名称 after a form's own, starts another (one form per sheet of a workbook,
/// or several in one document). `source` and `id` (the file's form_id) are stamped on
/// each, with `-2`, `-3`… for the further ones.
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

/// Whether a label names whose form it is (部门名称, 项目名称): a second one starts a new
/// form.
fn is_identity(label: &Label<'_>) -> bool {
    label.section() == Some(Section::Department) || label.field() == Some(Field::ProjectName)
}

/// Row indices where forms start: 0, plus each title or identity row that comes after
/// the current form already has its own identity row.
fn form_starts(rows: &Rows<'_>) -> Vec<usize> {
    let mut starts = vec![0];
    let mut seen_identity = false;
    let mut seen_title = false;
    for r in 0..rows.len() {
        let cells = rows.cells(r);
        let Some(first) = cells.first() else { continue };
        let label = rows.label(r, 0);
        // `项目名称：X` in one cell names the form too.
        let is_identity = is_identity(label)
            || labels::split_label(&first.text)
                .is_some_and(|(before, _)| is_identity(&Label::new(before)));
        let is_title = cells.len() == 1 && is_title(label);
        if (is_identity || is_title) && seen_identity {
            // A title row just before the identity row belongs to the new form.
            let start = if is_identity && r > 0 && seen_title && is_title_row(rows, r - 1) {
                r - 1
            } else {
                r
            };
            if start > *starts.last().unwrap_or(&0) {
                starts.push(start);
            }
            seen_identity = is_identity;
            seen_title = is_title;
            continue;
        }
        seen_identity |= is_identity;
        seen_title |= is_title;
    }
    starts
}

fn is_title_row(rows: &Rows<'_>, r: usize) -> bool {
    rows.cells(r).len() == 1 && is_title(rows.label(r, 0))
}

/// A title names the form: `…绩效目标申报表`, `…绩效目标表`, `…预算绩效…`.
fn is_title(label: &Label<'_>) -> bool {
    let text = label.normalized();
    let about_budgets = text.contains("绩效") || text.contains("预算");
    about_budgets
        && (text.ends_with('表') || text.contains("绩效目标"))
        && text.chars().count() <= 80
        && label.section().is_none()
}

/// A year as officials write it: `2024`, in full-width digits `２０２４`, or in Chinese
/// numerals `二〇二四` (`二零二四`, `二○二四`).
const YEAR_DIGITS: &str =
    r"(?:19|20|１９|２０)\d{2}|(?:一九|二[〇零○Ｏ])[〇零○Ｏ一二三四五六七八九]{2}";

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"({YEAR_DIGITS})\s*年")).expect("valid regex"));

/// The year `text` names (`2024年`, `二〇二四年`): that of the first match of [`YEAR`].
/// Found with `find`, not `captures`, which allocates: the year is the match's first
/// four chars.
fn year_in(text: &str) -> Option<i32> {
    year_value(YEAR.find(text)?.as_str())
}

/// The value of the four digits `text` starts with, in any of [`YEAR_DIGITS`]' forms.
fn year_value(text: &str) -> Option<i32> {
    let mut year = 0;
    let mut chars = text.chars();
    for _ in 0..4 {
        let digit = match chars.next()? {
            c @ '0'..='9' => c as u32 - '0' as u32,
            c @ '０'..='９' => c as u32 - '０' as u32,
            '〇' | '零' | '○' | 'Ｏ' => 0,
            c => "一二三四五六七八九".chars().position(|d| d == c)? as u32 + 1,
        };
        year = year * 10 + digit as i32;
    }
    Some(year)
}

/// The department a title names before its year (`广州市司法局` of
/// `广州市司法局2024年部门整体…`), or after it when the title starts with the year
/// (`2024年度广州市司法局部门整体…`, up to the form's own name): none when what stands
/// there is the form's own name (`部门整体支出绩效目标申报表（2024年度）`), which no
/// department's name ends or begins like.
pub(crate) fn title_department(title: &str) -> Option<&str> {
    let year = YEAR.find(title)?;
    let before = title[..year.start()]
        .trim_end_matches(|c: char| c.is_whitespace() || "（(【[：:-—".contains(c))
        .trim_start();
    if before.is_empty() {
        return department_after_year(&title[year.end()..]);
    }
    let names_the_form =
        before.ends_with('表') || before.contains("部门整体") || before.contains("绩效目标");
    (!names_the_form).then_some(before)
}

/// Words that start a form's own name in its title, after the department's.
const FORM_NAME_STARTS: &[&str] = &[
    "部门整体",
    "单位整体",
    "整体支出",
    "整体预算",
    "部门预算",
    "项目支出",
    "预算绩效",
    "绩效目标",
];

/// The department between a title's leading year and the form's own name.
fn department_after_year(rest: &str) -> Option<&str> {
    let rest = rest
        .strip_prefix('度')
        .unwrap_or(rest)
        .trim_start_matches(|c: char| c.is_whitespace() || "）)】]：:-—".contains(c));
    let end = FORM_NAME_STARTS.iter().filter_map(|w| rest.find(w)).min()?;
    let department = rest[..end].trim_end();
    (!department.is_empty()).then_some(department)
}

/// A year line under the title: `（2024年度）`, `2024年`.
static YEAR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^[（(]?\s*({YEAR_DIGITS})\s*年度?\s*[)）]?$")).expect("valid regex")
});

/// The finding for a year line that contradicts the title's year (a form copied from
/// another year's, half changed): the title's year is kept, the line's is said.
fn year_mismatch(title_year: i32, line_year: i32, line: &Cell) -> Finding {
    Finding::new(
        Severity::Warning,
        "form.year_mismatch",
        format!(
            "the title says {title_year}, the line {} under it {line_year}; the title's year is kept",
            line.text.trim()
        ),
        Some(line.loc.render()),
    )
}

fn new_form(source: Source, form_id: String) -> Form {
    Form {
        schema: Cow::Borrowed(SCHEMA),
        form_id,
        source,
        title: None,
        form_kind: FormKind::Unknown,
        department: None,
        year: None,
        budget: Vec::new(),
        project: None,
        details: serde_json::Map::new(),
        overall_goal: None,
        period_goal: None,
        annual_goal: None,
        tasks: Vec::new(),
        other_tasks: None,
        indicators: Vec::new(),
        findings: Vec::new(),
        unmapped: Vec::new(),
    }
}

/// A self-evaluation form (绩效自评表) reports what was achieved; its values are not
/// targets. Told by its title or by columns such as 实际完成值/偏差原因.
fn self_evaluation_marker(rows: &Rows<'_>, range: std::ops::Range<usize>) -> Option<String> {
    // Plain loops, not a flat_map: this runs over every cell of a form's first rows,
    // and the adapters cost more than the look at each cell.
    for r in range.take(80) {
        for (cell, label) in rows.cells(r).iter().zip(rows.labels(r)) {
            // A marker is a label; a long text that merely mentions one is not: one of
            // more than 60 chars (not counting white space). The normalized text has
            // no more chars than that, and 4 bytes at most per char, so one longer
            // than 240 bytes is turned away unread; the rest are counted only when
            // they mention a marker, as nearly none do.
            let normalized = label.normalized();
            if normalized.len() > 4 * 60 {
                continue;
            }
            let Some(marker) = labels::self_evaluation_marker(normalized) else {
                continue;
            };
            let mut characters = cell.text.chars().filter(|c| !c.is_whitespace());
            if cell.text.len() > 60 && characters.nth(60).is_some() {
                continue;
            }
            return Some(format!("{marker} (at {})", cell.loc));
        }
    }
    None
}

/// Reads a labelled field row (`项目名称 | X | 主管部门 | Y`, or `项目名称：X` in one
/// cell) into the form. Returns false when the row is not one.
fn field_row(rows: &mut Rows<'_>, r: usize, form: &mut Form) -> bool {
    if field_at(rows, r, 0).is_none() {
        return false;
    }
    fields_from(rows, r, 0, form);
    true
}

/// The field cell `i` of row `r` names: by its whole text, or by the label before a
/// colon (with that label and the text after the colon).
fn field_at<'g>(
    rows: &Rows<'g>,
    r: usize,
    i: usize,
) -> Option<(Field, Option<(&'g str, &'g str)>)> {
    let cell = rows.cells(r).get(i)?;
    if let Some(field) = rows.label(r, i).field() {
        return Some((field, None));
    }
    let (label, value) = labels::split_label(&cell.text)?;
    Some((labels::field_of(label)?, Some((label, value))))
}

/// Reads the labelled fields of row `r` from cell `start` on; a cell that is no label
/// is left for unmapped.
fn fields_from(rows: &mut Rows<'_>, r: usize, start: usize, form: &mut Form) {
    let cells = rows.cells(r);
    let mut i = start;
    while i < cells.len() {
        let Some((field, inline)) = field_at(rows, r, i) else {
            i += 1; // a cell that is no label: left for unmapped
            continue;
        };
        rows.take(r, i);
        let Some((label, value)) = inline else {
            let label = labels::label_text(&cells[i].text);
            if i + 1 < cells.len() && field_at(rows, r, i + 1).is_none() {
                rows.take(r, i + 1);
                set_field(form, field, label, cells[i + 1].text.clone());
                i += 1;
            }
            i += 1;
            continue;
        };
        // One cell may hold several fields, a line of them.
        let (mut field, mut label, mut text) = (field, label, value);
        loop {
            let (value, next) = labels::next_inline_field(text);
            if !value.is_empty() {
                set_field(form, field, labels::label_text(label), value.to_string());
            }
            let Some(next) = next else { break };
            (field, label, text) = next;
        }
        i += 1;
    }
    if form
        .project
        .as_ref()
        .is_some_and(|p| *p == Project::default())
    {
        form.project = None;
    }
}

/// Puts a labelled field's value where its field goes: a project's own fields, or the
/// details under the label as written.
fn set_field(form: &mut Form, field: Field, label: String, value: String) {
    let project = form.project.get_or_insert_with(Default::default);
    match field {
        Field::ProjectName => project.name = Some(value),
        Field::CompetentDepartment => project.competent_department = Some(value),
        Field::ImplementingUnit => project.implementing_unit = Some(value),
        Field::ProjectPeriod => project.period = Some(value),
        Field::Detail => {
            form.details.insert(label, serde_json::Value::String(value));
        }
    }
}

/// Ends the section being read: a budget's pending lines are written, a grid's empty
/// categories said.
fn close(mode: &mut Mode, form: &mut Form) {
    match mode {
        Mode::Budget(reader) => reader.flush(&mut form.budget),
        Mode::Indicators(reader) => reader.flush(form),
        Mode::Tasks(reader) => reader.flush(form),
        _ => {}
    }
}

/// The mode after an indicator header: a header repeated after a page break continues
/// the grid being read, its levels and open category with it; any other mode is closed.
fn continue_grid(mode: &mut Mode, next: IndicatorReader, form: &mut Form) {
    *mode = match std::mem::replace(mode, Mode::Between) {
        Mode::Indicators(reader) => Mode::Indicators(reader.continued(next)),
        mut other => {
            close(&mut other, form);
            Mode::Indicators(next)
        }
    };
}

fn extract_one(
    rows: &mut Rows<'_>,
    range: std::ops::Range<usize>,
    grid: &Grid,
    source: Source,
    form_id: String,
) -> Form {
    let mut form = new_form(source, form_id);
    if let Some(marker) = self_evaluation_marker(rows, range.clone()) {
        return unsupported(rows, range, form, &marker);
    }
    let mut sections = Vec::new();
    let mut mode = Mode::Preamble;
    let mut unit: Option<&'static str> = None;
    // The column where section labels stand (where the current one was found).
    let mut label_col = 0;
    // The second row of a two-row header, already read with the first.
    let mut skip = None;
    // A detail just read (`部门职能 | （一）……`), with its value's column: the rows
    // right below that hold one cell there continue it (`| （二）……`).
    let mut open_detail: Option<(String, u32)> = None;
    for r in range.clone() {
        let continued = open_detail.take();
        let cells = rows.cells(r);
        let Some(first) = cells.first() else { continue };
        if skip == Some(r) {
            continue;
        }
        // A two-row indicator header (实施期目标 | 年度目标 over 三级指标 | 指标值) comes
        // first: its first row holds goal and section words that are headers here.
        if IndicatorReader::is_two_row_header(rows, r, range.end) {
            label_col = first.col;
            let next = IndicatorReader::from_two_row_header(rows, r, form.year);
            continue_grid(&mut mode, next, &mut form);
            skip = Some(r + 1);
            continue;
        }
        // Inside the tasks or the grid, a label further right than the section's own
        // label column is a name (of a task, an indicator), whatever it says.
        let in_table = matches!(mode, Mode::Tasks(_) | Mode::Indicators(_));
        let heading = rows
            .label(r, 0)
            .section()
            .filter(|_| !in_table || first.col <= label_col)
            .filter(|s| {
                *s != Section::IndicatorHeading
                    || (cells.len() == 1 && !matches!(mode, Mode::Indicators(_)))
            });
        if let Some(section) = heading {
            label_col = first.col;
            rows.take(r, 0);
            sections.push(section);
            close(&mut mode, &mut form);
            mode = match section {
                Section::Department => {
                    // The name is the next cell; the row may go on with other fields
                    // (联系人 | 张三 | 联系电话 | …), and what no field takes is unmapped.
                    form.department = rows.take_span(r, 1, 2);
                    fields_from(rows, r, 2, &mut form);
                    Mode::Between
                }
                Section::OverallGoal | Section::PeriodGoal | Section::AnnualGoal => {
                    let mut reader = GoalReader::default();
                    reader.row(rows, r, 1, section, &mut form);
                    Mode::Goals(reader, section)
                }
                Section::OtherTasks => {
                    form.other_tasks = rows.take_rest(r, 1);
                    Mode::Between
                }
                Section::IndicatorHeading => Mode::Between,
                Section::Budget => {
                    let mut reader =
                        BudgetReader::new(first, rows.label(r, 0).header_unit().or(unit));
                    reader.row(rows, r, 1, &mut form.budget);
                    Mode::Budget(reader)
                }
                Section::Tasks => match std::mem::replace(&mut mode, Mode::Between) {
                    // The label repeated after a page break continues the same table.
                    Mode::Tasks(mut reader) => {
                        reader.row(rows, r, 1, &mut form.tasks);
                        Mode::Tasks(reader)
                    }
                    _ => {
                        let mut reader = TaskReader::new(&first.text, unit);
                        reader.row(rows, r, 1, &mut form.tasks);
                        Mode::Tasks(reader)
                    }
                },
            };
            continue;
        }
        if let Some((section, text)) = labels::section_with_text(&first.text) {
            if matches!(
                section,
                Section::OverallGoal | Section::PeriodGoal | Section::AnnualGoal
            ) {
                // `总体目标：……` in one cell or paragraph (goals written as prose).
                rows.take(r, 0);
                sections.push(section);
                close(&mut mode, &mut form);
                goals::set(&mut form, section, text.to_string());
                let mut reader = GoalReader::default();
                reader.row(rows, r, 1, section, &mut form);
                mode = Mode::Goals(reader, section);
                continue;
            }
        }
        if IndicatorReader::is_header(rows.labels(r)) {
            label_col = first.col;
            let next = IndicatorReader::from_header(rows, r, form.year);
            continue_grid(&mut mode, next, &mut form);
            continue;
        }
        if field_row(rows, r, &mut form) {
            close(&mut mode, &mut form);
            mode = Mode::Between;
            if let [label, value] = cells {
                if rows.label(r, 0).field() == Some(labels::Field::Detail) {
                    open_detail = Some((labels::label_text(&label.text), value.col));
                }
            }
            continue;
        }
        if let Some((label, col)) = continued {
            if cells.len() == 1 && first.col == col && matches!(mode, Mode::Between) {
                rows.take(r, 0);
                if let Some(serde_json::Value::String(text)) = form.details.get_mut(&label) {
                    text.push('\n');
                    text.push_str(&first.text);
                }
                open_detail = Some((label, col));
                continue;
            }
        }
        if cells.len() == 1 {
            if let Some(line_unit) = rows.label(r, 0).unit_line() {
                rows.take(r, 0);
                unit = Some(line_unit);
                continue;
            }
        }
        match &mut mode {
            Mode::Preamble
                if form.title.is_none() && cells.len() == 1 && is_title(rows.label(r, 0)) =>
            {
                rows.take(r, 0);
                form.title = Some(first.text.clone());
                form.year = year_in(&first.text);
            }
            Mode::Preamble if cells.len() == 1 && YEAR_LINE.is_match(first.text.trim()) => {
                rows.take(r, 0);
                let line_year = YEAR_LINE
                    .captures(first.text.trim())
                    .and_then(|c| year_value(&c[1]));
                match (form.year, line_year) {
                    (None, year) => form.year = year,
                    (Some(title_year), Some(year)) if year != title_year => {
                        form.findings.push(year_mismatch(title_year, year, first))
                    }
                    _ => {}
                }
            }
            Mode::Budget(reader) => reader.row(rows, r, 0, &mut form.budget),
            Mode::Goals(reader, section) => {
                let section = *section;
                reader.row(rows, r, 0, section, &mut form);
            }
            Mode::Tasks(reader) => reader.row(rows, r, 0, &mut form.tasks),
            Mode::Indicators(reader) => reader.row(rows, r, &mut form.indicators),
            Mode::Preamble | Mode::Between => {}
        }
    }
    close(&mut mode, &mut form);
    fill_identity(&mut form);
    form.unmapped = rows
        .untaken(range)
        .map(|c| Unmapped {
            text: c.text.clone(),
            at: c.loc.render(),
        })
        .collect();
    validate::validate(&mut form, &sections, grid);
    form
}

/// A form jixiao recognises but does not read (a self-evaluation form): its identity
/// and one error finding saying why; its cells are not reported one by one.
fn unsupported(
    rows: &mut Rows<'_>,
    range: std::ops::Range<usize>,
    mut form: Form,
    marker: &str,
) -> Form {
    for r in range {
        let cells = rows.cells(r);
        if let Some(first) = cells.first() {
            let label = rows.label(r, 0);
            if form.title.is_none() && cells.len() == 1 && is_title(label) {
                form.title = Some(first.text.clone());
                form.year = year_in(&first.text);
            }
            if label.section() == Some(Section::Department) && form.department.is_none() {
                form.department = cells.get(1).map(|c| c.text.clone());
            }
        }
        rows.take_row(r);
    }
    fill_identity(&mut form);
    form.form_kind = FormKind::Unknown;
    form.findings.push(Finding::new(
        Severity::Error,
        "form.unsupported_kind",
        format!(
            "a self-evaluation form (绩效自评表, marked by {marker}): its values are what was achieved, not targets, so it is not read"
        ),
        None,
    ));
    form
}

/// A budget code written with a department's name (主管部门及代码: `[135001]某市民政局`,
/// `某市民政局（135001）`, `某市民政局 135001`): the name and the code. The department
/// is the key the summary groups by, so one department's forms must not split over
/// years that wrote the code and years that did not.
fn department_code(department: &str) -> Option<(&str, &str)> {
    const OPEN: &[char] = &['[', '【', '［', '(', '（'];
    const CLOSE: &[char] = &[']', '】', '］', ')', '）'];
    let is_code = |s: &str| (3..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let text = department.trim();
    let (code, name) = if let Some(rest) = text.strip_prefix(OPEN) {
        let (code, name) = rest.split_once(CLOSE)?;
        (code.trim(), name)
    } else if let Some(rest) = text.strip_suffix(CLOSE) {
        let (name, code) = rest.rsplit_once(OPEN)?;
        (code.trim(), name)
    } else {
        // A bare code stands apart from the name, before or after it.
        let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let (before, last) = text.rsplit_once(char::is_whitespace).unwrap_or(("", text));
        if is_code(first) {
            (first, rest)
        } else {
            (last, before)
        }
    };
    let name = name.trim();
    let names_something = name
        .chars()
        .any(|c| !c.is_ascii_digit() && !c.is_whitespace());
    (is_code(code) && names_something).then_some((name, code))
}

/// Department, year and kind from whatever the form gave: the title first for the year,
/// 部门名称 first for the department, each falling back to the other.
fn fill_identity(form: &mut Form) {
    let title = form.title.as_deref().unwrap_or("");
    if form.department.is_none() {
        form.department = form
            .project
            .as_ref()
            .and_then(|p| p.competent_department.clone());
    }
    if form.year.is_none() {
        form.year = form.department.as_deref().and_then(year_in);
    }
    if form.department.is_none() {
        form.department = title_department(title).map(str::to_string);
    }
    if let Some((name, code)) = form.department.as_deref().and_then(department_code) {
        let (name, code) = (name.to_string(), code.to_string());
        form.details.entry("部门代码").or_insert(code.into());
        form.department = Some(name);
    }
    let kind_text = labels::normalize_label(title);
    let has_project = form.project.as_ref().is_some_and(|p| p.name.is_some());
    form.form_kind = if kind_text.contains("部门整体") {
        FormKind::DepartmentOverall
    } else if kind_text.contains("项目") || kind_text.contains("专项资金") || has_project {
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

    proptest::proptest! {
        /// The year is read off the match as it was off the capture group, whatever
        /// digits (full-width, Arabic-Indic) and spaces the text writes.
        #[test]
        fn years_read_off_the_match_are_those_of_the_group(
            text in "[某局 ]{0,2}(19|20|2０|２０|1|一九|二〇|二零)[0-9２٢０〇零二四九]{0,3}[ \u{3000}年度]{0,2}[0-9年]{0,5}",
        ) {
            let captured = YEAR.captures(&text).and_then(|c| year_value(&c[1]));
            proptest::prop_assert_eq!(year_in(&text), captured);
        }
    }

    /// Extracts forms from tab-separated lines (the text reader builds the grid, so these
    /// tests exercise the extractor alone on the common model).
    fn forms(tsv: &str) -> Vec<Form> {
        forms_of(&text::read(tsv.as_bytes(), &ReadLimits::default()).unwrap())
    }

    /// The forms of a grid, read from a text file.
    fn forms_of(grid: &Grid) -> Vec<Form> {
        let source = Source {
            path: "t.txt".into(),
            format: "text".into(),
            encoding: None,
            sha256: "0".repeat(64),
            bytes: 0,
        };
        extract(grid, &source, "0123456789abcdef")
    }

    /// The form's details as (label, text) pairs, in order.
    fn details_of(form: &Form) -> Vec<(&str, &str)> {
        form.details
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect()
    }

    /// The form's unmapped cells as (text, location) pairs, in order.
    fn unmapped_of(form: &Form) -> Vec<(&str, &str)> {
        form.unmapped
            .iter()
            .map(|u| (u.text.as_str(), u.at.as_str()))
            .collect()
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
    fn a_total_split_two_ways_is_checked_one_way_at_a_time() {
        let budget = |level_lines: &str| {
            one(&format!(
                "部门名称\t某局\n预算整体情况\t收入来源\t金额(万元)\n\t财政拨款\t10\n\t其他资金\t5\n\
                 {level_lines}\t合计\t15\n"
            ))
            .findings
            .into_iter()
            .filter(|f| f.code == "budget.sum_mismatch")
            .map(|f| f.message)
            .collect::<Vec<_>>()
        };
        // By source 10 + 5 and by level 9 + 6 both make the 15 stated.
        assert_eq!(
            budget("\t市本级使用资金\t9\n\t对下转移支付资金\t6\n"),
            Vec::<String>::new()
        );
        // By level 9 + 5 does not: that way alone is flagged, with its own lines.
        let mismatches = budget("\t市本级使用资金\t9\n\t对下转移支付资金\t5\n");
        assert_eq!(mismatches.len(), 1, "{mismatches:?}");
        assert!(
            mismatches[0].contains("市本级使用资金 + 对下转移支付资金 add up to 14.00万元"),
            "{}",
            mismatches[0]
        );
        // One line by level is no way of its own: the lines by source carry the money.
        assert_eq!(budget("\t市本级使用资金\t9\n"), Vec::<String>::new());
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

    /// A title that names another department than 部门名称 is flagged (a form copied from
    /// another department's); an abbreviation of the same name is not; and a title
    /// that names only the form gives no department when 部门名称 is missing.
    #[test]
    fn a_title_naming_another_department_is_flagged() {
        let body = "\n预算整体情况\t收入来源\t金额(万元)\n\t财政拨款\t10\n\
                    一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t培训人数\t≥100人\n";
        let mismatches = |form: &Form| -> Vec<String> {
            form.findings
                .iter()
                .filter(|f| f.code == "form.department_mismatch")
                .map(|f| format!("{:?} {}", f.severity, f.message))
                .collect()
        };
        let copied = one(&format!(
            "广州市公安局2024年部门整体预算绩效目标申报表\n部门名称\t广州市司法局{body}"
        ));
        assert_eq!(copied.department.as_deref(), Some("广州市司法局"));
        assert_eq!(
            mismatches(&copied),
            ["Warning the title names 广州市公安局, but 部门名称 is 广州市司法局 (a form copied from another department's?)"]
        );
        for (title, department) in [
            (
                "广东省卫健委2024年部门整体支出绩效目标申报表",
                "广东省卫生健康委员会",
            ),
            ("市司法局2024年部门整体预算绩效目标申报表", "广州市司法局"),
            (
                "附件2 广州市司法局 2024年部门整体预算绩效目标申报表",
                "广州市司法局",
            ),
            ("部门整体支出绩效目标申报表（2024年度）", "广州市司法局"),
        ] {
            let form = one(&format!("{title}\n部门名称\t{department}{body}"));
            assert!(mismatches(&form).is_empty(), "{title}: {:?}", form.findings);
        }
        let untitled = one(&format!("部门整体支出绩效目标申报表（2024年度）{body}"));
        assert_eq!((untitled.department, untitled.year), (None, Some(2024)));
    }

    /// Other templates' words for the same sections: 预算情况, 年度重点任务, and the
    /// department's duties (部门职能 | 职责概述 | …) kept in `details`.
    #[test]
    fn other_templates_words_name_the_same_sections() {
        let form = one("某市某局2023年部门整体支出绩效目标表\n\
             部门职能\t职责概述\t负责全市某某工作。\n\
             预算情况\t资金总额\t1000\n\
             年度重点任务\t任务名称\t主要内容\t预算金额（万元）\n\
             \t任务一\t内容一\t600\n\
             总体绩效目标\t目标一\n\
             年度绩效指标\t一级指标\t二级指标\t三级指标\t指标值\n\
             \t产出指标\t数量指标\t某数量\t10个\n");
        assert_eq!(form.details["职责概述"], "负责全市某某工作。");
        let newer =
            one("某局2024年部门整体绩效目标表\n预算部门（单位）名称\t某局\n年度履职目标\t目标一\n");
        assert_eq!(
            (newer.department.as_deref(), newer.annual_goal.as_deref()),
            (Some("某局"), Some("目标一"))
        );
        assert!(newer.unmapped.is_empty(), "{:?}", newer.unmapped);
        assert_eq!(form.budget[0].key.as_deref(), Some("total"));
        assert_eq!(form.tasks[0].name.as_deref(), Some("任务一"));
        assert_eq!(
            form.tasks[0].funds.as_ref().and_then(|f| f.value),
            Some(600.0)
        );
        assert!(form.findings.is_empty(), "{:?}", form.findings);
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    /// A budget table of last year's and this year's figures under one label column
    /// (`资金来源（万元） | 上年度预算安排 | 上年度实际执行 | 本年度申请金额`): this year's
    /// lines get the keys and the checks; last year's are kept, under their column's
    /// header, without keys, so no sum or summary counts them.
    #[test]
    fn last_years_columns_are_kept_without_keys() {
        let form = one("项目名称\t城市道路维修\n\
             项目资金情况\t资金来源（万元）\t上年度预算安排\t上年度实际执行\t本年度申请金额\n\
             \t合计\t800\t760\t1,100\n\
             \t财政拨款\t700\t680\t900\n\
             \t政府性基金拨款\t100\t80\t100\n");
        let lines: Vec<_> = form
            .budget
            .iter()
            .map(|l| {
                (
                    l.group.as_deref().unwrap(),
                    l.key.as_deref(),
                    l.label.as_str(),
                    l.amount.value.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("上年度预算安排", None, "合计", 800.0),
                ("上年度预算安排", None, "财政拨款", 700.0),
                ("上年度预算安排", None, "政府性基金拨款", 100.0),
                ("上年度实际执行", None, "合计", 760.0),
                ("上年度实际执行", None, "财政拨款", 680.0),
                ("上年度实际执行", None, "政府性基金拨款", 80.0),
                ("资金来源（万元）", Some("total"), "合计", 1100.0),
                (
                    "资金来源（万元）",
                    Some("fiscal_appropriation"),
                    "财政拨款",
                    900.0
                ),
                ("资金来源（万元）", None, "政府性基金拨款", 100.0),
            ]
        );
        let sums: Vec<_> = form
            .findings
            .iter()
            .filter(|f| f.code == "budget.sum_mismatch")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(sums.len(), 1, "{sums:?}");
        assert!(sums[0].starts_with("资金来源（万元）:"), "{}", sums[0]);
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    /// The older department form's words: 部门整体支出绩效目标 with one goal per row,
    /// the department's duties over several rows (kept as one detail, line by line),
    /// and the finance bureau's review box.
    #[test]
    fn a_detail_continued_below_is_one_detail() {
        let form = one("部门整体支出绩效目标申报表\n（2017年度）\n\
             部门名称\tXX区扶贫移民开发局\n\
             部门职能职责概述\t（一）贯彻执行方针政策。\n\
             \t（二）负责移民安置补偿。\n\
             部门整体支出绩效目标\t目标1：完成脱贫任务。\n\
             \t目标2：实现贫困村摘帽。\n\
             财政部门审核意见\t（盖章）年 月 日\n");
        assert_eq!(
            form.details["部门职能职责概述"],
            "（一）贯彻执行方针政策。\n（二）负责移民安置补偿。"
        );
        assert_eq!(form.details["财政部门审核意见"], "（盖章）年 月 日");
        assert_eq!(
            form.overall_goal.as_deref(),
            Some("目标1：完成脱贫任务。\n目标2：实现贫困村摘帽。")
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    /// A 合计 row under the tasks is no task (its funds would count twice): its amount
    /// is kept in `details`, and checked against the tasks' funds.
    #[test]
    fn a_total_row_under_the_tasks_is_checked_not_counted() {
        let form_with = |total: &str| {
            one(&format!(
                "部门名称\t某局\n\
                 预算整体情况\t部门预算支出\t预算金额(万元)\n\t项目支出\t700\n\
                 年度重点工作任务\t名称\t主要实施内容\t拟投入的资金(万元)\t期望达到的目标\n\
                 \t任务一\t内容一\t300\t目标一\n\
                 \t任务二\t内容二\t400\t目标二\n\
                 \t合计\t\t{total}\t\n"
            ))
        };
        let codes = |form: &Form| -> Vec<String> {
            form.findings
                .iter()
                .map(|f| f.code.clone())
                .filter(|c| c.starts_with("tasks."))
                .collect()
        };
        let agrees = form_with("700");
        assert_eq!(agrees.tasks.len(), 2);
        assert_eq!(agrees.details["年度重点工作任务/合计"], "700");
        assert!(codes(&agrees).is_empty(), "{:?}", agrees.findings);
        assert!(agrees.unmapped.is_empty(), "{:?}", agrees.unmapped);

        // 合计 merged across 名称 and 主要实施内容, as a workbook has it.
        let merged = {
            let mut grid = text::read(
                "部门名称\t某局\n\
                 年度重点工作任务\t名称\t主要实施内容\t拟投入的资金(万元)\t期望达到的目标\n\
                 \t任务一\t内容一\t300\t目标一\n\
                 \t合计\t\t300\t\n"
                    .as_bytes(),
                &ReadLimits::default(),
            )
            .unwrap();
            let Some(crate::model::Block::Table(table)) = grid.blocks.first_mut() else {
                unreachable!("text reads as one table")
            };
            table.rows[3].cells[0].col_span = 2;
            forms_of(&grid).remove(0)
        };
        assert_eq!(merged.tasks.len(), 1, "{:?}", merged.tasks);
        assert_eq!(merged.details["年度重点工作任务/合计"], "300");

        let differs = form_with("750");
        assert_eq!(codes(&differs), ["tasks.sum_mismatch"]);
        let finding = differs
            .findings
            .iter()
            .find(|f| f.code == "tasks.sum_mismatch");
        assert_eq!(
            finding.map(|f| (f.message.as_str(), f.at.as_deref())),
            Some((
                "the tasks' funds add up to 700.00万元, but 年度重点工作任务/合计 says 750.00万元 (difference -50.00万元)",
                Some("line 7 field 4")
            ))
        );
    }

    /// A 合计 row under the grid's weights is kept in `details` and checked against
    /// the weights; it is no indicator and nothing is left unmapped.
    #[test]
    fn a_weights_total_row_is_checked() {
        let form_with = |total: &str| {
            one(&format!(
                "项目名称\t某项目\n\
                 一级指标\t二级指标\t三级指标\t指标值\t权重\n\
                 产出指标\t数量指标\t培训人数\t≥100人\t50\n\
                 效益指标\t社会效益指标\t满意度\t≥90%\t40\n\
                 合计\t\t\t\t{total}\n"
            ))
        };
        let agrees = form_with("90");
        assert_eq!(agrees.indicators.len(), 2);
        assert_eq!(agrees.details["绩效指标/权重合计"], "90");
        assert!(agrees.findings.is_empty(), "{:?}", agrees.findings);
        assert!(agrees.unmapped.is_empty(), "{:?}", agrees.unmapped);
        let differs = form_with("100");
        let found: Vec<_> = differs
            .findings
            .iter()
            .map(|f| (f.code.as_str(), f.message.as_str(), f.at.as_deref()))
            .collect();
        assert_eq!(
            found,
            [(
                "indicators.weight_sum_mismatch",
                "the indicators' weights add up to 90, but the 合计 row says 100",
                Some("line 5 field 5")
            )]
        );
    }

    /// The older template's task table: 预算金额 split into 总额 | 财政拨款 | 其他资金 under
    /// the header, and a 金额合计 row. The sub-header row is no task, the funds are the
    /// 总额 column's, the split amounts go to each task's `extra`, the total and its
    /// split to `details`.
    #[test]
    fn a_task_table_with_split_funds_and_a_total() {
        let form = one("部门（单位）名称\t某市某局\n\
             年度主要任务\t任务名称\t主要内容\t预算金额（万元）\t\t\n\
             \t\t\t总额\t财政拨款\t其他资金\n\
             \t任务一\t内容一\t300\t280\t20\n\
             \t任务二\t内容二\t400\t400\t0\n\
             \t金额合计\t\t700\t680\t20\n");
        let tasks: Vec<_> = form
            .tasks
            .iter()
            .map(|t| (t.name.as_deref(), t.funds.as_ref().and_then(|f| f.value)))
            .collect();
        assert_eq!(
            tasks,
            [(Some("任务一"), Some(300.0)), (Some("任务二"), Some(400.0))]
        );
        assert_eq!(form.details["年度主要任务/金额合计"], "700");
        assert!(
            form.findings.iter().all(|f| f.code != "amount.unparsed"),
            "{:?}",
            form.findings
        );
        assert_eq!(form.tasks[0].extra["预算金额（万元）/财政拨款"], "280");
        assert_eq!(form.tasks[1].extra["预算金额（万元）/其他资金"], "0");
        assert_eq!(
            form.details["年度主要任务/金额合计/预算金额（万元）/财政拨款"],
            "680"
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    /// 年度预算申请 under two header rows: 资金总额 and the group headers 按收入性质分 /
    /// 按支出性质分 over the labels, the amounts below. Each line takes its group, so the
    /// income and the expenditure are checked against each other.
    #[test]
    fn budget_labels_under_group_headers_take_their_groups() {
        let form_with = |project: &str| {
            one(&format!(
                "部门（单位）名称\t某市某局\n\
                 年度预算申请（万元）\t资金总额\t按收入性质分\t\t\t按支出性质分\t\n\
                 \t\t一般公共预算\t政府性基金\t其他资金\t基本支出\t项目支出\n\
                 \t1000\t800\t100\t100\t600\t{project}\n"
            ))
        };
        let form = form_with("400");
        let lines: Vec<_> = form
            .budget
            .iter()
            .map(|l| {
                (
                    l.group.as_deref().unwrap(),
                    l.label.as_str(),
                    l.amount.value.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("年度预算申请（万元）", "资金总额", 1000.0),
                ("按收入性质分", "一般公共预算", 800.0),
                ("按收入性质分", "政府性基金", 100.0),
                ("按收入性质分", "其他资金", 100.0),
                ("按支出性质分", "基本支出", 600.0),
                ("按支出性质分", "项目支出", 400.0),
            ]
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
        assert!(form
            .findings
            .iter()
            .all(|f| f.code != "budget.sum_mismatch"));
        let differs = form_with("500");
        assert!(
            differs
                .findings
                .iter()
                .any(|f| f.code == "budget.sum_mismatch"
                    && f.message
                        .contains("按支出性质分 (1,100.00万元) exceeds 按收入性质分")),
            "{:?}",
            differs.findings
        );
    }

    /// A column beside the tasks' fields (备注) is kept in each task's `extra` under its
    /// header, not left unmapped.
    #[test]
    fn a_tasks_column_of_no_field_goes_to_extra() {
        let form = one("部门名称\t某局\n\
             年度重点工作任务\t名称\t主要实施内容\t拟投入的资金(万元)\t备注\n\
             \t任务一\t内容一\t300\t跨年度实施\n\
             \t任务二\t内容二\t400\t\n");
        assert_eq!(form.tasks[0].extra["备注"], "跨年度实施");
        assert!(form.tasks[1].extra.is_empty());
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    /// A year line under a title that has a year: the same year is taken (it is
    /// understood, not left unmapped); another year is a warning at the line, the
    /// title's year kept.
    #[test]
    fn a_year_line_that_contradicts_the_title_is_flagged() {
        let form_with = |line: &str| {
            one(&format!(
                "广州市司法局2024年部门整体预算绩效目标申报表\n{line}\n部门名称\t广州市司法局\n\
                 预算整体情况\t收入来源\t金额(万元)\n\t财政拨款\t10\n"
            ))
        };
        let same = form_with("（2024年度）");
        assert_eq!(same.year, Some(2024));
        assert!(same.unmapped.is_empty(), "{:?}", same.unmapped);
        assert!(same.findings.iter().all(|f| f.code != "form.year_mismatch"));

        let other = form_with("（2025年度）");
        assert_eq!(other.year, Some(2024));
        assert!(other.unmapped.is_empty(), "{:?}", other.unmapped);
        let mismatch: Vec<_> = other
            .findings
            .iter()
            .filter(|f| f.code == "form.year_mismatch")
            .map(|f| (f.severity, f.message.as_str(), f.at.as_deref()))
            .collect();
        assert_eq!(
            mismatch,
            [(
                Severity::Warning,
                "the title says 2024, the line （2025年度） under it 2025; the title's year is kept",
                Some("line 2 field 1")
            )]
        );
    }

    /// Years written in Chinese numerals or full-width digits, as official documents
    /// write them, are years; a number that is no year is not.
    #[test]
    fn years_in_chinese_numerals_and_full_width_digits_are_read() {
        let year_of = |title: &str, line: &str| {
            one(&format!(
                "{title}\n{line}\n部门名称\t某局\n预算整体情况\t收入来源\t金额(万元)\n\t财政拨款\t10\n"
            ))
            .year
        };
        assert_eq!(
            year_of("二〇二四年度某局部门整体支出绩效目标申报表", ""),
            Some(2024)
        );
        assert_eq!(
            year_of("某局二零二三年部门整体支出绩效目标申报表", ""),
            Some(2023)
        );
        assert_eq!(
            year_of("某局部门整体支出绩效目标申报表", "（二○二五年度）"),
            Some(2025)
        );
        assert_eq!(
            year_of("某局２０２４年部门整体支出绩效目标申报表", ""),
            Some(2024)
        );
        assert_eq!(
            year_of("某局一九九九年部门整体支出绩效目标申报表", ""),
            Some(1999)
        );
        // 二十四年 and 三〇二四年 are no years of a form.
        assert_eq!(year_of("某局二十四年部门整体支出绩效目标申报表", ""), None);
        assert_eq!(
            year_of("某局三〇二四年部门整体支出绩效目标申报表", ""),
            None
        );
    }

    /// A 部门名称 row that goes on with other fields gives the department its name
    /// alone; the fields go to details, a pair no field names to unmapped.
    #[test]
    fn the_department_row_may_hold_other_fields() {
        let form = one("某局2024年部门整体支出绩效目标申报表\n\
             部门名称\t广州市某某局\t部门编码\t101001\t联系人\t张三\t联系电话：020-1234\n");
        assert_eq!(form.department.as_deref(), Some("广州市某某局"));
        let details = details_of(&form);
        assert_eq!(details, [("联系人", "张三"), ("联系电话", "020-1234")]);
        let unmapped = unmapped_of(&form);
        assert_eq!(
            unmapped,
            [("部门编码", "line 2 field 3"), ("101001", "line 2 field 4")]
        );
    }

    #[test]
    fn a_title_that_starts_with_its_year_names_the_department_after_it() {
        for (title, department) in [
            (
                "2024年度广州市某某局部门整体支出绩效目标申报表",
                Some("广州市某某局"),
            ),
            (
                "二〇二四年 市委宣传部部门整体预算绩效目标表",
                Some("市委宣传部"),
            ),
            ("2024年某区教育局项目支出绩效目标申报表", Some("某区教育局")),
            ("2024年部门整体支出绩效目标申报表", None),
            ("2024年度预算绩效目标申报表", None),
            (
                "广州市司法局2024年部门整体预算绩效目标申报表",
                Some("广州市司法局"),
            ),
            ("部门整体支出绩效目标申报表（2024年度）", None),
        ] {
            assert_eq!(title_department(title), department, "{title}");
        }
        // A form without 部门名称 takes it from there.
        let form = one("2024年度广州市某某局部门整体支出绩效目标申报表\n\
             预算整体情况\t收入来源\t金额(万元)\n\t财政拨款\t10\n");
        assert_eq!(form.department.as_deref(), Some("广州市某某局"));
        assert_eq!(form.year, Some(2024));
    }

    #[test]
    fn a_code_written_with_the_department_goes_to_details() {
        for (written, name, code) in [
            ("[135001]某市民政局", "某市民政局", Some("135001")),
            ("【135】 某市民政局", "某市民政局", Some("135")),
            ("135001 某市民政局", "某市民政局", Some("135001")),
            ("某市民政局（135001）", "某市民政局", Some("135001")),
            ("某市民政局 135001", "某市民政局", Some("135001")),
            ("某市第2人民医院", "某市第2人民医院", None),
            ("某市民政局12", "某市民政局12", None),
        ] {
            let form = one(&format!(
                "项目支出绩效目标申报表\n项目名称\t养老补助\n主管部门及代码\t{written}\n"
            ));
            assert_eq!(form.department.as_deref(), Some(name), "{written}");
            assert_eq!(
                form.details.get("部门代码").and_then(|c| c.as_str()),
                code,
                "{written}"
            );
            let project = form.project.as_ref().unwrap();
            assert_eq!(
                project.competent_department.as_deref(),
                Some(written),
                "kept as written"
            );
        }
    }

    /// A category row left empty is said once, where it is written (a slipped one too);
    /// a category whose indicators come after a repeated header, or that the grid's
    /// last row leaves open with one, is not empty.
    #[test]
    fn empty_categories_are_said_where_they_are_written() {
        let form = one("部门名称\t某局\n\
             一级指标\t二级指标\t三级指标\t指标值\n\
             产出指标\t数量指标\t培训人数\t≥100人\n\
             \t成本指标\t\t\n\
             \t时效指标\t\t\n\
             一级指标\t二级指标\t三级指标\t指标值\n\
             \t\t完成时间\t12月底前\n\
             效益指标\t经济效益指标\t\t\n\
             生态效益指标\t\t\t\n\
             满意度指标\t服务对象满意度指标\t满意度\t≥90%\n");
        let empty: Vec<_> = form
            .findings
            .iter()
            .filter(|f| f.code == "indicators.category_empty")
            .map(|f| (f.severity, f.message.as_str(), f.at.as_deref().unwrap()))
            .collect();
        assert_eq!(
            empty,
            [
                (
                    Severity::Info,
                    "no indicator is set under 成本指标: its row is left empty",
                    "line 4 field 2"
                ),
                (
                    Severity::Info,
                    "no indicator is set under 经济效益指标: its row is left empty",
                    "line 8 field 2"
                ),
                (
                    Severity::Info,
                    "no indicator is set under 生态效益指标: its row is left empty",
                    "line 9 field 1"
                ),
            ]
        );
        let timely = form
            .indicators
            .iter()
            .find(|i| i.level3 == "完成时间")
            .unwrap();
        assert_eq!(timely.level2.as_deref(), Some("时效指标"));
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);

        // Levels repeated per column group: the row's category is said once, at the
        // annual group's cell.
        let form = one("一级指标\t实施期目标\t\t\t年度目标\t\t\n\
             \t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值\n\
             产出指标\t数量指标\t培训人数\t300人\t数量指标\t培训人数\t100人\n\
             \t成本指标\t\t\t成本指标\t\t\n");
        let empty: Vec<_> = form
            .findings
            .iter()
            .filter(|f| f.code == "indicators.category_empty")
            .map(|f| f.at.as_deref().unwrap())
            .collect();
        assert_eq!(empty, ["line 4 field 5"]);
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
        let form = one("某某2024年部门整体预算绩效目标申报表\n说明：金额保留两位小数\n部门名称\t某局\n一级指标\t二级指标\t三级指标\t年度指标值\n产出指标\t数量指标\t人数\t5人\n审核：李四\t\t\t\n");
        let unmapped = unmapped_of(&form);
        assert_eq!(
            unmapped,
            vec![
                ("说明：金额保留两位小数", "line 2 field 1"),
                ("审核：李四", "line 6 field 1")
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

    #[test]
    fn amounts_under_a_row_of_labels_and_inline_project_fields() {
        let form = one(
            "某区2024年项目支出绩效目标申报表\n项目名称：社区养老服务站建设\n主管部门：某区民政局\n\
             项目资金\t资金总额\t财政拨款\t其他资金\n\t250万\t200\t50\n",
        );
        let project = form.project.as_ref().expect("project");
        assert_eq!(project.name.as_deref(), Some("社区养老服务站建设"));
        assert_eq!(form.department.as_deref(), Some("某区民政局"));
        assert_eq!(form.form_kind, FormKind::Project);
        let lines: Vec<_> = form
            .budget
            .iter()
            .map(|l| (l.key.as_deref(), l.amount.value, l.at.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (Some("total"), Some(250.0), "line 5 field 2"),
                (Some("fiscal_appropriation"), Some(200.0), "line 5 field 3"),
                (Some("other_funds"), Some(50.0), "line 5 field 4"),
            ]
        );
        assert!(
            form.findings
                .iter()
                .all(|f| f.code != "budget.sum_mismatch"),
            "{:?}",
            form.findings
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn a_line_of_several_labelled_fields_gives_each_its_own() {
        let form = one(
            "项目名称：社区 养老 服务\t主管部门：某区民政局 实施单位：某街道\n\
             填报人：张三　　联系电话：020-1234 5678　填报日期：2024年1月5日\n\
             填报单位（盖章）：　　　联系人：　　\n",
        );
        let details = details_of(&form);
        assert_eq!(
            details,
            vec![
                ("填报人", "张三"),
                // White space inside a value, not before a label, stays in it.
                ("联系电话", "020-1234 5678"),
                ("填报日期", "2024年1月5日"),
            ]
        );
        let project = form.project.as_ref().expect("project");
        assert_eq!(project.name.as_deref(), Some("社区 养老 服务"));
        assert_eq!(project.competent_department.as_deref(), Some("某区民政局"));
        assert_eq!(project.implementing_unit.as_deref(), Some("某街道"));
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn a_header_repeated_after_a_page_break_keeps_the_levels_filled_down() {
        let form = one("部门名称\t某局\n\
             一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\n\
             产出指标\t数量指标\t培训人数\t≥\t100\t人次\n\
             \n\
             一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\n\
             \t\t培训场次\t=\t5\t场\n");
        let got: Vec<_> = form
            .indicators
            .iter()
            .map(|i| {
                let v = i.annual.as_ref().unwrap();
                (
                    i.level1.as_deref(),
                    i.level2.as_deref(),
                    i.level3.as_str(),
                    v.op,
                    v.unit.as_deref(),
                )
            })
            .collect();
        use crate::document::Op;
        assert_eq!(
            got,
            vec![
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "培训人数",
                    Some(Op::Ge),
                    Some("人次")
                ),
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "培训场次",
                    Some(Op::Eq),
                    Some("场")
                ),
            ]
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn a_comparator_column_does_not_override_one_written_in_the_cell() {
        let form = one("一级指标\t二级指标\t三级指标\t指标性质\t指标值\n产出指标\t数量指标\t人数\t≥\t不超过5人\n");
        let value = form.indicators[0].annual.as_ref().unwrap();
        assert_eq!(value.op, Some(crate::document::Op::Le));
    }

    #[test]
    fn names_that_start_like_section_labels_stay_data() {
        // Found by the corpus generator: a task and indicators whose names begin with
        // 年度目标…/重点工作任务…/总体目标… were taken for sections and lost.
        let form = one("部门名称\t某局\n\
             年度重点工作任务\t名称\t主要实施内容\t拟投入的资金(万元)\t期望达到的目标(概述)\n\
             \t年度目标责任考核\t开展考核\t10\t完成考核\n\
             一级指标\t二级指标\t三级指标\t实施周期指标值\t年度指标值\n\
             产出指标\t数量指标\t年度目标任务完成数量\t≥10项\t≥10项\n\
             \t\t重点工作任务完成率\t100%\t100%\n\
             \t质量指标\t总体目标完成率\t≥95%\t≥95%\n");
        let tasks: Vec<_> = form
            .tasks
            .iter()
            .map(|t| t.name.as_deref().unwrap())
            .collect();
        assert_eq!(tasks, vec!["年度目标责任考核"]);
        assert_eq!(form.annual_goal, None);
        let names: Vec<_> = form.indicators.iter().map(|i| i.level3.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "年度目标任务完成数量",
                "重点工作任务完成率",
                "总体目标完成率"
            ]
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    /// (level1, level2, level3, period raw, annual raw) of each indicator.
    type Row<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    fn grid_of(form: &Form) -> Vec<Row<'_>> {
        form.indicators
            .iter()
            .map(|i| {
                (
                    i.level1.as_deref(),
                    i.level2.as_deref(),
                    i.level3.as_str(),
                    i.period.as_ref().map(|v| v.raw.as_str()),
                    i.annual.as_ref().map(|v| v.raw.as_str()),
                )
            })
            .collect()
    }

    #[test]
    fn two_column_groups_under_a_two_row_header_give_both_values() {
        // Unmerged, as text has it: each group runs up to the next cell of its row.
        let form = one("部门名称\t某局\n\
             总体目标\t实施期目标\t年度目标\n\
             \t三年建成站点12个\t当年建成4个\n\
             一级指标\t二级指标\t实施期目标\t\t年度目标\t\n\
             \t\t三级指标\t指标值\t三级指标\t指标值\n\
             产出指标\t数量指标\t培训人数\t≥300人\t培训人数\t≥100人\n\
             \t\t新建站点\t12个\t当年新建站点\t4个\n\
             \t质量指标\t合格率\t≥95%\t\t\n\
             \n\
             一级指标\t二级指标\t实施期目标\t\t年度目标\t\n\
             \t\t三级指标\t指标值\t三级指标\t指标值\n\
             \t\t\t\t验收通过率\t100%\n");
        assert_eq!(
            grid_of(&form),
            vec![
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "培训人数",
                    Some("≥300人"),
                    Some("≥100人")
                ),
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "当年新建站点",
                    Some("12个"),
                    Some("4个")
                ),
                (
                    Some("产出指标"),
                    Some("质量指标"),
                    "合格率",
                    Some("≥95%"),
                    None
                ),
                // After the repeated header the levels carry on.
                (
                    Some("产出指标"),
                    Some("质量指标"),
                    "验收通过率",
                    None,
                    Some("100%")
                ),
            ]
        );
        // The period group's other name for the row is kept, under its two headers.
        assert!(form.indicators[0].extra.is_empty());
        assert_eq!(form.indicators[1].extra["实施期目标/三级指标"], "新建站点");
        assert_eq!(form.indicators[1].at, "line 7 field 5");
        assert_eq!(form.indicators[2].at, "line 8 field 3");
        assert_eq!(form.period_goal.as_deref(), Some("三年建成站点12个"));
        assert_eq!(form.annual_goal.as_deref(), Some("当年建成4个"));
        assert_eq!(form.overall_goal, None, "the header is no goal text");
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn levels_repeated_per_group_follow_the_annual_side() {
        // The central template: 一级指标 shared, 二级指标/三级指标/指标值 per group.
        let form = one("一级指标\t实施期目标\t\t\t年度目标\t\t\n\
             \t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值\n\
             产出指标\t数量指标\t培训人数\t300人\t数量指标\t培训人数\t100人\n\
             \t质量指标\t合格率\t≥95%\t时效指标\t完成时间\t2025年12月31日前\n");
        let second = &form.indicators[1];
        assert_eq!(
            grid_of(&form)[1],
            (
                Some("产出指标"),
                Some("时效指标"),
                "完成时间",
                Some("≥95%"),
                Some("2025年12月31日前")
            )
        );
        assert_eq!(second.category.as_deref(), Some("output.timeliness"));
        assert_eq!(second.extra["实施期目标/二级指标"], "质量指标");
        assert_eq!(second.extra["实施期目标/三级指标"], "合格率");
        assert_eq!(second.extra.len(), 2, "{:?}", second.extra);
        assert!(form.indicators[0].extra.is_empty());
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn a_group_s_own_comparator_and_unit_columns_apply_to_its_value_only() {
        use crate::document::Op;
        let form = one(
            "一级指标\t二级指标\t三级指标\t实施期目标\t\t年度目标\t\t度量单位\n\
             \t\t\t指标性质\t指标值\t指标性质\t指标值\n\
             产出指标\t数量指标\t培训人数\t≥\t300\t≤\t100\t人\n",
        );
        let i = &form.indicators[0];
        let (period, annual) = (i.period.as_ref().unwrap(), i.annual.as_ref().unwrap());
        assert_eq!(
            (period.op, period.unit.as_deref()),
            (Some(Op::Ge), Some("人"))
        );
        assert_eq!(
            (annual.op, annual.unit.as_deref()),
            (Some(Op::Le), Some("人"))
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn group_names_heading_single_value_columns_are_those_values() {
        let form = one("一级指标\t二级指标\t三级指标\t中期目标\t年度目标\n\
             产出指标\t数量指标\t培训人数\t≥300人\t≥100人\n");
        assert_eq!(
            grid_of(&form),
            vec![(
                Some("产出指标"),
                Some("数量指标"),
                "培训人数",
                Some("≥300人"),
                Some("≥100人")
            )]
        );
    }

    #[test]
    fn columns_are_found_by_their_headers_in_any_order() {
        let form = one("部门名称\t某局\n\
             年度重点工作任务\t名称\t拟投入的资金(万元)\t期望达到的目标(概述)\t主要实施内容\n\
             \t任务一\t3\t目标一\t内容一\n\
             三级指标\t年度指标值\t一级指标\t二级指标\t实施周期指标值\n\
             培训人数\t≥100人\t产出指标\t数量指标\t≥300人\n\
             合格率\t≥95%\t\t质量指标\t≥95%\n");
        let task = &form.tasks[0];
        assert_eq!(
            (
                task.name.as_deref(),
                task.content.as_deref(),
                task.funds.as_ref().and_then(|f| f.value),
                task.goal.as_deref()
            ),
            (Some("任务一"), Some("内容一"), Some(3.0), Some("目标一"))
        );
        assert_eq!(
            grid_of(&form),
            vec![
                (
                    Some("产出指标"),
                    Some("数量指标"),
                    "培训人数",
                    Some("≥300人"),
                    Some("≥100人")
                ),
                (
                    Some("产出指标"),
                    Some("质量指标"),
                    "合格率",
                    Some("≥95%"),
                    Some("≥95%")
                ),
            ]
        );
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }

    #[test]
    fn a_second_column_for_a_value_already_read_goes_to_extra() {
        let form = one("一级指标\t二级指标\t三级指标\t年度指标值\t指标值\n\
             产出指标\t数量指标\t培训人数\t≥100人\t100\n");
        let i = &form.indicators[0];
        assert_eq!(i.annual.as_ref().unwrap().raw, "≥100人");
        assert_eq!(i.extra["指标值"], "100");
        assert!(form.unmapped.is_empty(), "{:?}", form.unmapped);
    }
}
