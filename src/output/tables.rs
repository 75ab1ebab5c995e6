//! The contract's tables as rows: one struct per CSV table, flattened from the form
//! documents. Every writer (CSV now; XLSX and SQLite alike) serializes these same rows,
//! so the tables agree whatever the format.

use std::borrow::Cow;

use serde::Serialize;

pub use super::summary::{Summary, SummaryEntry};
use crate::document::{Form, Scalar, Value};

/// The budget keys in the contract's order: the columns of `summary.csv`.
pub const BUDGET_KEYS: &[&str] = &[
    "basic_expenditure",
    "project_expenditure",
    "fiscal_appropriation",
    "other_funds",
    "special_fiscal_funds",
    "other_development_expenditure",
    "own_level_funds",
    "transfer_to_lower_levels",
    "total",
    "higher_level_funds",
];

/// One row of `files.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct FileRow {
    /// Path as given.
    pub path: String,
    /// The file's form ids, space-separated.
    pub form_id: String,
    /// Detected format (empty when not detected).
    pub format: String,
    /// `ok`, `warning`, `error`, `skipped` or `duplicate`.
    pub status: String,
    /// The reason, for every status but ok.
    pub error: String,
}

/// One row of `forms.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct FormRow<'a> {
    form_id: &'a str,
    path: &'a str,
    department: Option<&'a str>,
    year: Option<i32>,
    title: Option<&'a str>,
    form_kind: &'static str,
    project_name: Option<&'a str>,
    budget_lines: usize,
    tasks: usize,
    indicators: usize,
    findings: usize,
    unmapped: usize,
    format: &'a str,
    sha256: &'a str,
}

impl<'a> FormRow<'a> {
    /// Flattens a form.
    pub fn new(form: &'a Form) -> Self {
        FormRow {
            form_id: &form.form_id,
            path: &form.source.path,
            department: form.department.as_deref(),
            year: form.year,
            title: form.title.as_deref(),
            form_kind: form.form_kind.as_str(),
            project_name: form.project.as_ref().and_then(|p| p.name.as_deref()),
            budget_lines: form.budget.len(),
            tasks: form.tasks.len(),
            indicators: form.indicators.len(),
            findings: form.findings.len(),
            unmapped: form.unmapped.len(),
            format: &form.source.format,
            sha256: &form.source.sha256,
        }
    }
}

/// One row of `budget.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct BudgetRow<'a> {
    form_id: &'a str,
    department: Option<&'a str>,
    year: Option<i32>,
    group: Option<&'a str>,
    key: Option<&'a str>,
    label: &'a str,
    amount_wan: Option<f64>,
    raw: &'a str,
    at: &'a str,
    unit_as_written: Option<&'a str>,
    note: Option<&'a str>,
}

/// The budget lines of a form as rows.
pub fn budget_rows(form: &Form) -> impl Iterator<Item = BudgetRow<'_>> {
    form.budget.iter().map(move |line| BudgetRow {
        form_id: &form.form_id,
        department: form.department.as_deref(),
        year: form.year,
        group: line.group.as_deref(),
        key: line.key.as_deref(),
        label: &line.label,
        amount_wan: line.amount.value,
        raw: &line.amount.raw,
        at: &line.at,
        unit_as_written: line.amount.unit_as_written.as_deref(),
        note: line.note.as_deref(),
    })
}

/// One row of `tasks.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct TaskRow<'a> {
    form_id: &'a str,
    department: Option<&'a str>,
    year: Option<i32>,
    seq: u32,
    name: Option<&'a str>,
    funds_wan: Option<f64>,
    funds_raw: Option<&'a str>,
    content: Option<&'a str>,
    goal: Option<&'a str>,
    at: &'a str,
    /// JSON text, empty when the task has no extra cells.
    extra: Cow<'a, str>,
}

/// The tasks of a form as rows.
pub fn task_rows(form: &Form) -> impl Iterator<Item = TaskRow<'_>> {
    form.tasks.iter().map(move |task| TaskRow {
        form_id: &form.form_id,
        department: form.department.as_deref(),
        year: form.year,
        seq: task.seq,
        name: task.name.as_deref(),
        funds_wan: task.funds.as_ref().and_then(|f| f.value),
        funds_raw: task.funds.as_ref().map(|f| f.raw.as_str()),
        content: task.content.as_deref(),
        goal: task.goal.as_deref(),
        at: &task.at,
        extra: if task.extra.is_empty() {
            Cow::Borrowed("")
        } else {
            Cow::Owned(serde_json::Value::Object(task.extra.clone()).to_string())
        },
    })
}

fn scalar_text(s: &Option<Scalar>) -> Cow<'_, str> {
    match s {
        None => Cow::Borrowed(""),
        Some(Scalar::Number(n)) => Cow::Owned(n.to_string()),
        Some(Scalar::Text(t)) => Cow::Borrowed(t),
    }
}

/// The seven columns of one Value in `indicators.csv` (`p_raw` … `p_unit`), empty when
/// there is no value.
fn value_columns(value: Option<&Value>) -> [Cow<'_, str>; 7] {
    let Some(v) = value else {
        return std::array::from_fn(|_| Cow::Borrowed(""));
    };
    [
        Cow::Borrowed(v.raw.as_str()),
        Cow::Borrowed(v.kind.as_str()),
        Cow::Borrowed(v.op.map_or("", |o| o.as_str())),
        scalar_text(&v.value),
        scalar_text(&v.low),
        scalar_text(&v.high),
        Cow::Borrowed(v.unit.as_deref().unwrap_or("")),
    ]
}

/// One row of `indicators.csv`; written by hand in [`crate::output`] because the value
/// columns are prefixed per value (`period_raw`, `annual_raw`…).
#[derive(Clone, Debug)]
pub struct IndicatorRow<'a> {
    /// Its form.
    pub form: &'a Form,
    /// The indicator.
    pub indicator: &'a crate::document::Indicator,
}

impl<'a> IndicatorRow<'a> {
    /// Column names, in order.
    pub fn headers() -> Vec<String> {
        let mut headers: Vec<String> = [
            "form_id",
            "department",
            "year",
            "level1",
            "level2",
            "level3",
            "category",
        ]
        .map(String::from)
        .to_vec();
        for p in ["period", "annual"] {
            for c in ["raw", "kind", "op", "value", "low", "high", "unit"] {
                headers.push(format!("{p}_{c}"));
            }
        }
        headers.extend(["weight", "extra", "at"].map(String::from));
        headers
    }

    /// Field values, in the order of [`IndicatorRow::headers`]; borrowed from the
    /// form where they can be (a form has dozens of indicators, each 24 fields).
    pub fn fields(&self) -> Vec<Cow<'a, str>> {
        let (i, form) = (self.indicator, self.form);
        let text = |s: Option<&'a str>| Cow::Borrowed(s.unwrap_or(""));
        let mut out = Vec::with_capacity(24);
        out.extend([
            Cow::Borrowed(form.form_id.as_str()),
            text(form.department.as_deref()),
            form.year
                .map_or(Cow::Borrowed(""), |y| Cow::Owned(y.to_string())),
            text(i.level1.as_deref()),
            text(i.level2.as_deref()),
            Cow::Borrowed(i.level3.as_str()),
            text(i.category.as_deref()),
        ]);
        out.extend(value_columns(i.period.as_ref()));
        out.extend(value_columns(i.annual.as_ref()));
        out.push(
            i.weight
                .map_or(Cow::Borrowed(""), |w| Cow::Owned(w.to_string())),
        );
        out.push(if i.extra.is_empty() {
            Cow::Borrowed("")
        } else {
            Cow::Owned(serde_json::Value::Object(i.extra.clone()).to_string())
        });
        out.push(Cow::Borrowed(i.at.as_str()));
        out
    }
}

/// One row of `findings.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRow<'a> {
    form_id: &'a str,
    department: Option<&'a str>,
    severity: &'static str,
    code: &'a str,
    message: &'a str,
    at: Option<&'a str>,
}

/// The findings of a form as rows.
pub fn finding_rows(form: &Form) -> impl Iterator<Item = FindingRow<'_>> {
    form.findings.iter().map(move |f| FindingRow {
        form_id: &form.form_id,
        department: form.department.as_deref(),
        severity: f.severity.as_str(),
        code: &f.code,
        message: &f.message,
        at: f.at.as_deref(),
    })
}

/// One row of `unmapped.csv` (an addition to the contract: what no field took).
#[derive(Clone, Debug, Serialize)]
pub struct UnmappedRow<'a> {
    form_id: &'a str,
    department: Option<&'a str>,
    text: &'a str,
    at: &'a str,
}

/// The unmapped cells of a form as rows.
pub fn unmapped_rows(form: &Form) -> impl Iterator<Item = UnmappedRow<'_>> {
    form.unmapped.iter().map(move |u| UnmappedRow {
        form_id: &form.form_id,
        department: form.department.as_deref(),
        text: &u.text,
        at: &u.at,
    })
}
