//! The form document of the output contract (`../shared/CONTRACT.md`, `jixiao/form@1`).
//!
//! These types serialize to exactly the JSON users' scripts depend on; `forms.jsonl`
//! holds one [`Form`] per line and the CSV writers flatten the same structs.
//!
//! # Wire format
//! Field names and meanings are fixed by the contract: fields may be added, never renamed
//! or dropped. A field the form does not have is `null` (or `[]`), never guessed.
//! Numbers that are whole are written without a fraction (`3000`, not `3000.0`).
//!
//! # Shared texts
//! Texts from a fixed vocabulary (the schema tag, budget keys, categories, money units,
//! value units) are `Cow<'static, str>`, borrowed from the tables when extracted; level
//! names, filled down over many indicators, are `Arc<str>`, one allocation shared by all
//! of them.
//! Both serialize as plain strings and deserialize (owned) from them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};

/// The JSON Schema (draft 2020-12) of [`Form`], as printed by `jixiao schema`.
pub const JSON_SCHEMA: &str = include_str!("form.schema.json");

/// The schema tag written into every document.
pub const SCHEMA: &str = "jixiao/form@1";

/// One form read from one file (a file may hold several).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// Always [`SCHEMA`].
    pub schema: Cow<'static, str>,
    /// First 16 hex digits of the file's sha256; `-2`, `-3`… for further forms of a file.
    pub form_id: String,
    /// The file it came from.
    pub source: Source,
    /// The form's title as written.
    pub title: Option<String>,
    /// Which template family this is.
    pub form_kind: FormKind,
    /// The filing department (部门名称, or 主管部门 on project forms).
    pub department: Option<String>,
    /// The budget year.
    pub year: Option<i32>,
    /// Budget lines (预算整体情况 / 资金情况), in form order.
    pub budget: Vec<BudgetLine>,
    /// Project details, on project forms only.
    pub project: Option<Project>,
    /// Other labelled details the form gives (项目负责人及电话, 填报日期…), under their
    /// labels as written; `{}` when none. (An addition to the contract.)
    #[serde(default)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// 总体(绩效)目标 or 项目总体情况.
    pub overall_goal: Option<String>,
    /// 实施期/中期/中长期/长期目标.
    pub period_goal: Option<String>,
    /// 年度/本年度(绩效)目标.
    pub annual_goal: Option<String>,
    /// 年度重点工作任务 rows, in form order.
    pub tasks: Vec<Task>,
    /// 其他需完成的任务 as written, or null when left empty.
    pub other_tasks: Option<String>,
    /// One per 三级指标, in form order.
    pub indicators: Vec<Indicator>,
    /// What the validator and the readers found.
    pub findings: Vec<Finding>,
    /// Every non-empty cell no field took, with its location.
    pub unmapped: Vec<Unmapped>,
}

/// Which file a form came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The path as given on the command line (or found under a given folder).
    pub path: String,
    /// `xlsx`, `xls`, `ods`, `docx`, `html`, `text`
    pub format: String,
    /// The detected text encoding (text only), e.g. `utf-8`, `gb18030`, `utf-16le`.
    pub encoding: Option<String>,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
}

/// The template family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// 部门整体…绩效目标表.
    DepartmentOverall,
    /// 项目支出绩效目标表 and other one-project forms.
    Project,
    /// Not recognised.
    Unknown,
}

impl FormKind {
    /// The contract's spelling, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::DepartmentOverall => "department_overall",
            FormKind::Project => "project",
            FormKind::Unknown => "unknown",
        }
    }
}

/// Project details (project forms only); missing parts are null.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// 项目名称 / 项目支出名称.
    pub name: Option<String>,
    /// 主管部门.
    pub competent_department: Option<String>,
    /// 实施单位.
    pub implementing_unit: Option<String>,
    /// 项目实施期, as written.
    pub period: Option<String>,
}

/// One labelled amount of the budget table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// The group header it sits under, as written (部门预算支出, 收入来源…).
    pub group: Option<String>,
    /// Canonical key from the contract's table, or null for a label not in it.
    pub key: Option<Cow<'static, str>>,
    /// The label as written.
    pub label: String,
    /// The amount.
    pub amount: Amount,
    /// Where the amount is.
    pub at: String,
    /// (Addition) the note the form gives the line in a column of its own
    /// (资金测算依据及说明, 备注), as written; absent when it gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A money amount; `value` is always in 万元.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    /// The cell text as written.
    pub raw: String,
    /// The amount in 万元, or null when the text holds no readable amount.
    #[serde(serialize_with = "serialize_opt_number")]
    pub value: Option<f64>,
    /// Always `万元`.
    pub unit: Cow<'static, str>,
    /// The unit the form used, when it was not 万元 (元, 亿元).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_as_written: Option<Cow<'static, str>>,
}

/// One 年度重点工作任务 row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// 1-based position among the form's tasks.
    pub seq: u32,
    /// 名称.
    pub name: Option<String>,
    /// 主要实施内容.
    pub content: Option<String>,
    /// 拟投入的资金.
    pub funds: Option<Amount>,
    /// 期望达到的目标.
    pub goal: Option<String>,
    /// Where the row starts.
    pub at: String,
    /// (Addition) the row's cells in columns that are none of the above, by their
    /// header as written (`预算金额（万元）/财政拨款` under a split 预算金额, `备注`); absent
    /// from the JSON when there are none.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One 三级指标 with its targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// 一级指标, filled down.
    pub level1: Option<Arc<str>>,
    /// 二级指标, filled down.
    pub level2: Option<Arc<str>>,
    /// 三级指标.
    pub level3: String,
    /// Canonical category from level2 (`output.quantity`…), or null.
    pub category: Option<Cow<'static, str>>,
    /// 实施周期/中期指标值.
    pub period: Option<Value>,
    /// 年度指标值.
    pub annual: Option<Value>,
    /// 权重/分值, when the form has one.
    #[serde(serialize_with = "serialize_opt_number")]
    pub weight: Option<f64>,
    /// Every other column, under its header as written.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Where the 三级指标 cell is.
    pub at: String,
}

/// What kind of target a [`Value`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// One number with an optional comparator and unit.
    Quantity,
    /// Two bounds.
    Range,
    /// Qualitative.
    Text,
    /// Several targets in one cell, in `parts`.
    Compound,
    /// A date or deadline (ISO text in value/low/high).
    Date,
}

impl ValueKind {
    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Quantity => "quantity",
            ValueKind::Range => "range",
            ValueKind::Text => "text",
            ValueKind::Compound => "compound",
            ValueKind::Date => "date",
        }
    }
}

/// A comparator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `=`
    #[serde(rename = "=")]
    Eq,
}

impl Op {
    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "=",
        }
    }
}

/// What family a unit belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// `%`, `‰`.
    Percent,
    /// 元, 万元, 亿元 and compounds of them.
    Currency,
    /// 件, 次, 个, 人…
    Count,
    /// 天, 小时, 个工作日…
    Time,
    /// 平方米, 亩…
    Area,
    /// 米, 公里…
    Length,
    /// 吨, 千克…
    Mass,
    /// 立方米, 升…
    Volume,
    /// Any other unit.
    Other,
}

/// A number, or ISO date text for `date` values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A number.
    Number(#[serde(serialize_with = "serialize_number")] f64),
    /// ISO date (`2024-12-31`) or month (`2024-01`).
    Text(String),
}

/// An indicator value, read the way officials write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// The input exactly.
    pub raw: String,
    /// What kind of target.
    pub kind: ValueKind,
    /// Comparator; `=` when a number is written with none; null for range/text/compound.
    pub op: Option<Op>,
    /// The number (or ISO date) for quantity/date.
    pub value: Option<Scalar>,
    /// Lower bound of a range.
    pub low: Option<Scalar>,
    /// Upper bound of a range.
    pub high: Option<Scalar>,
    /// Unit as written (`%`, `件`, `万元`…); borrowed from the unit table when it is one.
    pub unit: Option<Cow<'static, str>>,
    /// The unit's family.
    pub unit_kind: Option<UnitKind>,
    /// The targets of a compound cell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Value>,
}

impl Value {
    /// A qualitative value: all numeric fields null.
    pub fn text(raw: impl Into<String>) -> Self {
        Value {
            raw: raw.into(),
            kind: ValueKind::Text,
            op: None,
            value: None,
            low: None,
            high: None,
            unit: None,
            unit_kind: None,
            parts: Vec::new(),
        }
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably wrong in the form; the data is still usable.
    Warning,
    /// The form is wrong or unusable in this respect.
    Error,
}

impl Severity {
    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something the validator or a reader found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// Stable dotted code (documented in the README).
    pub code: String,
    /// What, with the figures.
    pub message: String,
    /// Where, when it has one place.
    pub at: Option<String>,
}

impl Finding {
    /// A finding of `code`, as the validator and the extractors make them.
    pub fn new(severity: Severity, code: &str, message: String, at: Option<String>) -> Self {
        Finding {
            severity,
            code: code.to_string(),
            message,
            at,
        }
    }
}

/// A non-empty cell or line no field took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unmapped {
    /// Its text.
    pub text: String,
    /// Where it is.
    pub at: String,
}

/// Writes a whole number without a fraction, so `3000` stays `3000` in JSON.
pub fn serialize_number<S: Serializer>(n: &f64, s: S) -> Result<S::Ok, S::Error> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
        s.serialize_i64(*n as i64)
    } else {
        s.serialize_f64(*n)
    }
}

fn serialize_opt_number<S: Serializer>(n: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match n {
        Some(n) => serialize_number(n, s),
        None => s.serialize_none(),
    }
}

/// Documents for tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Form, SCHEMA};

    /// A form with nothing in it but its id, path and department (测试局, 2024).
    pub fn minimal_form(id: &str, path: &str) -> Form {
        serde_json::from_value(serde_json::json!({
            "schema": SCHEMA,
            "form_id": id,
            "source": {"path": path, "format": "text", "sha256": "00", "bytes": 1},
            "title": null, "form_kind": "unknown", "department": "测试局", "year": 2024,
            "budget": [], "project": null, "overall_goal": null, "period_goal": null,
            "annual_goal": null, "tasks": [], "other_tasks": null, "indicators": [],
            "findings": [], "unmapped": []
        }))
        .expect("a minimal form")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_serialize_without_fraction() {
        let v = Value {
            raw: "≥3000件".into(),
            kind: ValueKind::Quantity,
            op: Some(Op::Ge),
            value: Some(Scalar::Number(3000.0)),
            low: None,
            high: None,
            unit: Some("件".into()),
            unit_kind: Some(UnitKind::Count),
            parts: vec![],
        };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"raw":"≥3000件","kind":"quantity","op":">=","value":3000,"low":null,"high":null,"unit":"件","unit_kind":"count"}"#
        );
        let amount = Amount {
            raw: "0.2".into(),
            value: Some(0.2),
            unit: "万元".into(),
            unit_as_written: None,
        };
        assert_eq!(
            serde_json::to_string(&amount).unwrap(),
            r#"{"raw":"0.2","value":0.2,"unit":"万元"}"#
        );
    }
}
