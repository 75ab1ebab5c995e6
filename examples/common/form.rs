//! The form model: what a filled 部门整体预算绩效目标申报表 says, cell text by cell text,
//! without any layout. [`super::render`] lays it out like the official template.
//!
//! Every text is the cell as written (trimmed, no tabs or line breaks). Amounts are
//! texts too (`153,069.97`); the renderers write a text that `#,##0.00` displays
//! unchanged as a number cell in workbooks.

/// One filled form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormModel {
    /// The title line, e.g. `广州市司法局2024年部门整体预算绩效目标申报表`.
    pub title: String,
    /// 部门名称.
    pub department: String,
    /// 预算整体情况, in 万元.
    pub budget: Budget,
    /// 总体绩效目标.
    pub overall_goal: String,
    /// 年度重点工作任务 rows, in order (at least one).
    pub tasks: Vec<TaskRow>,
    /// The page break inside the tasks: it falls after this many tasks (1..=tasks.len()).
    /// The task after the break repeats the 年度重点工作任务 label in its first cell; the
    /// DOCX is split into two tables there.
    pub page_break_after_task: usize,
    /// 其他需完成的任务（可选项）; usually empty.
    pub other_tasks: String,
    /// Indicator grid rows as written: a level cell is empty where the level above
    /// continues (merged down in workbooks and documents, blank in text).
    pub indicators: Vec<IndicatorRow>,
}

/// The amounts of 预算整体情况 (万元, as written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// 部门预算支出 / 基本支出.
    pub basic: String,
    /// 部门预算支出 / 项目支出.
    pub project: String,
    /// 收入来源 / 财政拨款.
    pub fiscal: String,
    /// 收入来源 / 其他资金.
    pub other_funds: String,
    /// 事业发展性支出 / 财政专项资金.
    pub special: String,
    /// 事业发展性支出 / 其他事业发展性支出.
    pub other_development: String,
    /// 按预算级次划分 / 市本级使用资金.
    pub own_level: String,
    /// 按预算级次划分 / 拟用于对下转移支付资金.
    pub transfer: String,
}

/// One 年度重点工作任务 row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    /// 名称.
    pub name: String,
    /// 主要实施内容.
    pub content: String,
    /// 拟投入的资金(万元), as written.
    pub funds: String,
    /// 期望达到的目标(概述).
    pub goal: String,
}

/// One row of the indicator grid, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRow {
    /// 一级指标; empty where the one above continues.
    pub level1: String,
    /// 二级指标; empty where the one above continues.
    pub level2: String,
    /// 三级指标; empty on a category row with no indicator (成本指标 left empty).
    pub level3: String,
    /// 实施周期指标值.
    pub period: String,
    /// 年度指标值.
    pub annual: String,
}

impl IndicatorRow {
    /// The five cells, in column order.
    pub fn cells(&self) -> [&str; 5] {
        [
            &self.level1,
            &self.level2,
            &self.level3,
            &self.period,
            &self.annual,
        ]
    }
}

/// An amount in cents as `#,##0.00` displays it: `15306997` → `153,069.97`.
pub fn cents_text(cents: u64) -> String {
    let int = (cents / 100).to_string();
    let mut out = String::with_capacity(int.len() + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_are_written_with_thousands_separators() {
        assert_eq!(cents_text(15306997), "153,069.97");
        assert_eq!(cents_text(0), "0.00");
        assert_eq!(cents_text(308600), "3,086.00");
        assert_eq!(cents_text(4042), "40.42");
        assert_eq!(cents_text(10_000_000_005), "100,000,000.05");
    }
}
