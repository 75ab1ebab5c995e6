//! The vocabulary of the forms, as data: section labels, budget labels → keys, column
//! headers → fields, level-2 names → categories. Extending jixiao to a new template's
//! wording means adding a row here, not code elsewhere.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// A section of the form, recognised by the label in the first cell of its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// 部门名称: the filing department.
    Department,
    /// 预算整体情况: the budget table.
    Budget,
    /// 总体绩效目标.
    OverallGoal,
    /// 实施期/中期/长期目标.
    PeriodGoal,
    /// 年度(绩效)目标.
    AnnualGoal,
    /// 年度重点工作任务.
    Tasks,
    /// 其他需完成的任务.
    OtherTasks,
    /// A heading over the indicator grid (`三、绩效指标`): it ends the section before.
    /// Inside the grid the same words are a level-1 name, not a heading.
    IndicatorHeading,
}

/// Section labels as written. A label matches when it equals one of these once its
/// numbering (`一、`), a trailing note in brackets (`（可选项）`, `（万元）`) and a trailing
/// colon are set aside — never by prefix, so an indicator named `年度目标任务完成数量` or a
/// task named `年度目标责任考核` is not taken for a section.
pub const SECTION_LABELS: &[(&str, Section)] = &[
    ("部门名称", Section::Department),
    ("单位名称", Section::Department),
    // The national template's (财政部, 2015): normalized, so with ASCII brackets.
    ("部门(单位)名称", Section::Department),
    ("预算部门(单位)名称", Section::Department),
    ("预算单位名称", Section::Department),
    ("预算单位", Section::Department),
    ("预算整体情况", Section::Budget),
    ("部门预算整体情况", Section::Budget),
    ("资金情况", Section::Budget),
    ("项目资金情况", Section::Budget),
    ("项目资金申请", Section::Budget),
    ("项目资金", Section::Budget),
    ("资金投入情况", Section::Budget),
    ("年度资金情况", Section::Budget),
    ("年度预算申请", Section::Budget),
    ("项目支出内容及明细预算", Section::Budget),
    ("项目支出明细预算", Section::Budget),
    ("预算情况", Section::Budget),
    ("部门预算情况", Section::Budget),
    ("年度预算情况", Section::Budget),
    ("总体绩效目标", Section::OverallGoal),
    ("部门总体绩效目标", Section::OverallGoal),
    ("总体目标", Section::OverallGoal),
    ("项目总体情况", Section::OverallGoal),
    ("项目总体目标", Section::OverallGoal),
    ("绩效目标", Section::OverallGoal),
    ("项目绩效目标", Section::OverallGoal),
    ("部门整体支出绩效目标", Section::OverallGoal),
    ("部门整体绩效目标", Section::OverallGoal),
    ("整体支出绩效目标", Section::OverallGoal),
    ("实施期绩效目标", Section::PeriodGoal),
    ("实施期目标", Section::PeriodGoal),
    ("中期目标", Section::PeriodGoal),
    ("中长期目标", Section::PeriodGoal),
    ("长期目标", Section::PeriodGoal),
    ("年度绩效目标", Section::AnnualGoal),
    ("本年度绩效目标", Section::AnnualGoal),
    ("年度目标", Section::AnnualGoal),
    ("本年度目标", Section::AnnualGoal),
    ("年度总体目标", Section::AnnualGoal),
    ("年度履职目标", Section::AnnualGoal),
    ("部门年度目标", Section::AnnualGoal),
    ("年度重点工作任务", Section::Tasks),
    ("部门年度重点工作任务", Section::Tasks),
    ("重点工作任务", Section::Tasks),
    ("年度主要任务", Section::Tasks),
    ("年度重点任务", Section::Tasks),
    ("年度工作任务", Section::Tasks),
    ("部门年度主要任务", Section::Tasks),
    ("其他需完成的任务", Section::OtherTasks),
    ("其他需要完成的任务", Section::OtherTasks),
    ("绩效指标", Section::IndicatorHeading),
    ("年度绩效指标", Section::IndicatorHeading),
    ("项目绩效指标", Section::IndicatorHeading),
];

/// A label whose value sits in the next cell (or after a colon in the same cell).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// 项目名称: `project.name`.
    ProjectName,
    /// 主管部门: `project.competent_department`, and the department of a project form.
    CompetentDepartment,
    /// 实施单位: `project.implementing_unit`.
    ImplementingUnit,
    /// 项目实施期: `project.period`, as written.
    ProjectPeriod,
    /// Labelled details outside the contract's fields (项目负责人, 联系电话, 填报日期…):
    /// kept in `details` under the label as written.
    Detail,
}

/// Field labels (exact match after [`bare_label`]).
pub const FIELD_LABELS: &[(&str, Field)] = &[
    ("项目名称", Field::ProjectName),
    ("项目支出名称", Field::ProjectName),
    ("资金名称", Field::ProjectName),
    ("专项资金名称", Field::ProjectName),
    ("主管部门", Field::CompetentDepartment),
    ("项目主管部门", Field::CompetentDepartment),
    ("预算部门", Field::CompetentDepartment),
    ("主管部门及代码", Field::CompetentDepartment),
    ("实施单位", Field::ImplementingUnit),
    ("项目实施单位", Field::ImplementingUnit),
    ("项目实施期", Field::ProjectPeriod),
    ("实施期限", Field::ProjectPeriod),
    ("项目期限", Field::ProjectPeriod),
    ("项目期", Field::ProjectPeriod),
    ("项目起止时间", Field::ProjectPeriod),
    ("项目负责人", Field::Detail),
    ("项目负责人及电话", Field::Detail),
    ("项目负责人及联系电话", Field::Detail),
    ("联系人", Field::Detail),
    ("联系电话", Field::Detail),
    ("主管部门编码", Field::Detail),
    ("单位职能概述", Field::Detail),
    ("项目概况", Field::Detail),
    ("项目立项的依据", Field::Detail),
    ("项目申报的可行性", Field::Detail),
    ("项目申报的必要性", Field::Detail),
    ("单位负责人", Field::Detail),
    ("部门职能", Field::Detail),
    ("部门职能职责概述", Field::Detail),
    ("部门职责概述", Field::Detail),
    ("财政部门审核意见", Field::Detail),
    ("部门职能概述", Field::Detail),
    ("职责概述", Field::Detail),
    ("部门职责", Field::Detail),
    ("填报人", Field::Detail),
    ("填表人", Field::Detail),
    ("填报日期", Field::Detail),
    ("填报单位", Field::Detail),
    ("编制单位", Field::Detail),
    ("项目属性", Field::Detail),
    ("项目类别", Field::Detail),
    ("项目类型", Field::Detail),
    ("项目来源", Field::Detail),
];

/// Longest text, in bytes, that can be a label: a label with its parenthesised note is a
/// few dozen characters, so the long texts of a form (task contents, goals, values) are
/// turned away without a look-up (and by the free functions below, before they are
/// normalized).
const MAX_LABEL_BYTES: usize = 240;

/// What the exact-match tables say about one bare label: each table's entry for it, if
/// any. All tables are merged into one index ([`VOCAB`]) so that a cell is classified
/// by one look-up, not by a scan of every table for every question asked of it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Vocab {
    /// Keyed by the section key ([`section_key`]), not the bare label.
    section: Option<Section>,
    field: Option<Field>,
    budget_key: Option<&'static str>,
    budget_group: Option<BudgetGroup>,
    task_field: Option<TaskField>,
    indicator_field: Option<IndicatorField>,
    target: Option<Target>,
    level1: bool,
}

/// The hash of [`VOCAB`]'s keys: a multiply per 8 bytes (FxHash's step). SipHash's
/// defence against chosen keys buys nothing for a fixed table (a text that collides
/// with an entry costs one more comparison, no more) and was most of a look-up.
#[derive(Default)]
struct LabelHasher(u64);

impl Hasher for LabelHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type VocabIndex = HashMap<&'static str, Vocab, BuildHasherDefault<LabelHasher>>;

/// Every table's labels → what they are. Where a table names a label twice, its first
/// entry wins, as a scan of the table would find it.
static VOCAB: LazyLock<VocabIndex> = LazyLock::new(|| {
    fn add<T: Copy>(
        index: &mut VocabIndex,
        table: &[(&'static str, T)],
        slot: fn(&mut Vocab) -> &mut Option<T>,
    ) {
        for &(label, value) in table {
            slot(index.entry(label).or_default()).get_or_insert(value);
        }
    }
    let mut index = VocabIndex::default();
    add(&mut index, SECTION_LABELS, |v| &mut v.section);
    add(&mut index, FIELD_LABELS, |v| &mut v.field);
    add(&mut index, BUDGET_KEYS, |v| &mut v.budget_key);
    add(&mut index, BUDGET_GROUPS, |v| &mut v.budget_group);
    add(&mut index, TASK_HEADERS, |v| &mut v.task_field);
    add(&mut index, INDICATOR_HEADERS, |v| &mut v.indicator_field);
    add(&mut index, TARGET_GROUPS, |v| &mut v.target);
    for &name in LEVEL1_NAMES {
        index.entry(name).or_default().level1 = true;
    }
    index
});

/// The tables' entries for a bare label (none when it is in no table).
fn vocab(bare_label: &str) -> Vocab {
    if bare_label.len() > *LONGEST_ENTRY {
        return Vocab::default(); // as most names, values and sentences are: no hashing
    }
    VOCAB.get(bare_label).copied().unwrap_or_default()
}

/// The length in bytes of the longest label in any table of [`VOCAB`]: a longer text is
/// in none of them.
static LONGEST_ENTRY: LazyLock<usize> =
    LazyLock::new(|| VOCAB.keys().map(|label| label.len()).max().unwrap_or(0));

/// The tables' entries for `text`, normalized and made bare here; none when the text is
/// too long to be a label.
fn vocab_of(text: &str) -> Vocab {
    with_normalized(text, |label| {
        label.map(|l| vocab(bare(l))).unwrap_or_default()
    })
}

/// The section a normalized label opens: its enumeration, trailing note and colon set
/// aside (see [`SECTION_LABELS`]).
fn section_in(normalized: &str) -> Option<Section> {
    vocab(section_key(normalized)).section
}

/// A normalized label as [`SECTION_LABELS`] are written: without its enumeration
/// (`一、`), trailing note and colon.
fn section_key(normalized: &str) -> &str {
    bare(strip_enumeration(normalized)).trim_end_matches(':')
}

thread_local! {
    /// The buffer lookups normalize into: they run for most cells, many times over.
    static LABEL: std::cell::RefCell<String> =
        std::cell::RefCell::new(String::with_capacity(MAX_LABEL_BYTES));
}

/// Calls `f` with `text` normalized ([`normalize_label`]) without allocating, or with
/// `None` when the text is too long to be a label. `f` must not call it again.
fn with_normalized<R>(text: &str, f: impl FnOnce(Option<&str>) -> R) -> R {
    if text.len() > MAX_LABEL_BYTES {
        return f(None);
    }
    LABEL.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut label) => {
            label.clear();
            normalize_into(text, &mut label);
            f(Some(&label))
        }
        // Only if `f` broke the rule; stay correct anyway.
        Err(_) => f(Some(&normalize_label(text))),
    })
}

/// A cell's text as the vocabulary sees it, worked out once: normalized, and looked up
/// in every table. Extraction asks a dozen questions of most cells (is it a section, a
/// field, a header of the indicator grid, of the tasks…); [`super::rows::Rows`] keeps
/// one of these per cell so that each question is a field read, not a normalization
/// and a table scan. The free functions below answer the same questions for texts that
/// are no whole cell (the label before a colon, a label already copied out).
#[derive(Clone, Debug)]
pub struct Label<'t> {
    /// [`normalize_label`] of the text, borrowed when nothing needed folding.
    normalized: Cow<'t, str>,
    /// Whether the text is short enough to be a label ([`MAX_LABEL_BYTES`]): a longer
    /// one is in no table and names no unit.
    short: bool,
    vocab: Vocab,
}

impl<'t> Label<'t> {
    /// Normalizes and classifies `text`.
    pub fn new(text: &'t str) -> Self {
        let normalized = normalized(text);
        let short = text.len() <= MAX_LABEL_BYTES;
        let vocab = if short {
            let bare = bare(&normalized);
            let entry = vocab(bare);
            // Most labels have no enumeration: their section key is their bare label
            // (less a colon left before a note), with no second look at the text.
            let key = if strip_enumeration(&normalized).len() == normalized.len() {
                bare.trim_end_matches(':')
            } else {
                section_key(&normalized)
            };
            let section = if key == bare {
                entry.section
            } else {
                vocab(key).section
            };
            Vocab { section, ..entry }
        } else {
            Vocab::default()
        };
        Label {
            normalized,
            short,
            vocab,
        }
    }

    /// The text normalized ([`normalize_label`]).
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The bare label ([`bare_label`]).
    pub fn bare(&self) -> &str {
        bare(&self.normalized)
    }

    /// The section it opens ([`section_of`]).
    pub fn section(&self) -> Option<Section> {
        self.vocab.section
    }

    /// The field it names ([`field_of`]).
    pub fn field(&self) -> Option<Field> {
        self.vocab.field
    }

    /// Its budget key ([`budget_key`]).
    pub fn budget_key(&self) -> Option<&'static str> {
        self.vocab.budget_key
    }

    /// The task field it heads ([`task_field`]).
    pub fn task_field(&self) -> Option<TaskField> {
        self.vocab.task_field
    }

    /// The indicator field it heads ([`indicator_field`]).
    pub fn indicator_field(&self) -> Option<IndicatorField> {
        self.vocab.indicator_field
    }

    /// The target of the column group it heads ([`target_group`]).
    pub fn target_group(&self) -> Option<Target> {
        self.vocab.target
    }

    /// The field of the indicator grid it heads ([`header_field`]).
    pub fn header_field(&self) -> Option<IndicatorField> {
        field_of_header(self.vocab)
    }

    /// Whether it is a level-1 name ([`is_level1_name`]).
    pub fn is_level1_name(&self) -> bool {
        self.vocab.level1
    }

    /// Its category by meaning ([`category_of`]).
    pub fn category(&self) -> Option<&'static str> {
        category_in(&self.normalized)
    }

    /// The unit it gives its column ([`header_unit`]).
    pub fn header_unit(&self) -> Option<&'static str> {
        self.short
            .then(|| unit_in_header(&self.normalized))
            .flatten()
    }

    /// Whether it heads an amount column ([`is_amount_header`]).
    pub fn is_amount_header(&self) -> bool {
        amount_header(self.bare(), self.header_unit())
    }

    /// Whether it names a row the total of the rows above (合计, 总计, 小计, and short
    /// ones ending so: 金额合计, 权重合计): a row of a table that is no entry of it, but
    /// the sum the form states for them.
    pub fn is_total(&self) -> bool {
        let bare = self.bare();
        bare == "小计"
            || bare.chars().count() <= 6 && (bare.ends_with("合计") || bare.ends_with("总计"))
    }

    /// The budget group it heads ([`budget_group`]).
    pub fn budget_group(&self) -> Option<BudgetGroup> {
        self.vocab.budget_group
    }

    /// Whether it heads a column of last year's figures (上年度预算安排, 上年实际执行数)
    /// beside this year's.
    pub fn is_last_years_column(&self) -> bool {
        let bare = self.bare();
        ["上年", "上一年", "以前年度", "实际执行", "执行数"]
            .iter()
            .any(|word| bare.contains(word))
    }

    /// The unit of bare amounts it sets, as a line of its own ([`unit_line`]).
    pub fn unit_line(&self) -> Option<&'static str> {
        unit_of_line(&self.normalized)
    }
}

/// The field a label names, if any.
pub fn field_of(label: &str) -> Option<Field> {
    vocab_of(label).field
}

/// Words that mark a self-evaluation form (绩效自评表): its values are what was achieved,
/// not targets, so it must not be read as a target form.
pub const SELF_EVALUATION_MARKERS: &[&str] =
    &["自评", "实际完成值", "全年实际值", "偏差原因", "未完成原因"];

/// The first of [`SELF_EVALUATION_MARKERS`] that a normalized label contains.
pub fn self_evaluation_marker(label: &str) -> Option<&'static str> {
    // Asked of nearly every cell of every form, and nearly always no: a char that every
    // marker holds and few other texts do is looked for first, and turns those away.
    if !holds_marker_char(label) {
        return None;
    }
    SELF_EVALUATION_MARKERS
        .iter()
        .copied()
        .find(|m| label.contains(m))
}

/// Chars of which each of [`SELF_EVALUATION_MARKERS`] holds at least one: 评 (自评),
/// 际 (实际), 因 (原因), rare in target forms, unlike the markers' first chars (实施, 全面).
const MARKER_CHARS: [char; 3] = ['评', '际', '因'];

/// [`MARKER_CHARS`] in UTF-8, three bytes each.
const MARKER_UTF8: [[u8; 3]; 3] = {
    let mut utf8 = [[0; 3]; 3];
    let mut k = 0;
    while k < MARKER_CHARS.len() {
        MARKER_CHARS[k].encode_utf8(&mut utf8[k]);
        k += 1;
    }
    utf8
};

/// Whether `label` holds one of [`MARKER_CHARS`]. Their middle bytes (AF, 99, 9B) are
/// searched for a vector at a time ([`memchr::memchr3`]) rather than the text decoded
/// char by char; each byte found is one of them only with its lead byte before it and
/// its last byte after (a continuation byte of any other char fails that test, so the
/// answer is that of a char scan).
fn holds_marker_char(label: &str) -> bool {
    let bytes = label.as_bytes();
    let [a, b, c] = MARKER_UTF8.map(|utf8| utf8[1]);
    memchr::memchr3_iter(a, b, c, bytes).any(|middle| {
        let around = middle
            .checked_sub(1)
            .and_then(|lead| bytes.get(lead..middle + 2));
        // As an array, not a slice, so that it is compared in registers, not by memcmp.
        matches!(around, Some(&[lead, middle, last]) if MARKER_UTF8.contains(&[lead, middle, last]))
    })
}

/// A line that sets the unit of the form's bare amounts: `单位：万元`, `金额单位:元`.
pub fn unit_line(text: &str) -> Option<&'static str> {
    unit_of_line(&normalize_label(text))
}

/// [`unit_line`] of a label already normalized.
fn unit_of_line(label: &str) -> Option<&'static str> {
    let rest = label
        .strip_prefix("金额单位:")
        .or_else(|| label.strip_prefix("单位:"))?;
    ["亿元", "万元", "元"]
        .into_iter()
        .find(|unit| rest == *unit)
}

/// Budget labels → the contract's keys (exact match after [`normalize_label`]).
pub const BUDGET_KEYS: &[(&str, &str)] = &[
    ("基本支出", "basic_expenditure"),
    ("项目支出", "project_expenditure"),
    ("财政拨款", "fiscal_appropriation"),
    ("财政拨款资金", "fiscal_appropriation"),
    ("其他资金", "other_funds"),
    ("其他", "other_funds"),
    ("财政专项资金", "special_fiscal_funds"),
    ("其他事业发展性支出", "other_development_expenditure"),
    ("市本级使用资金", "own_level_funds"),
    ("区本级使用资金", "own_level_funds"),
    ("县本级使用资金", "own_level_funds"),
    ("省本级使用资金", "own_level_funds"),
    ("本级使用资金", "own_level_funds"),
    ("年度本级预算金额", "own_level_funds"),
    ("拟用于对下转移支付资金", "transfer_to_lower_levels"),
    ("用于对下转移支付资金", "transfer_to_lower_levels"),
    ("对下转移支付资金", "transfer_to_lower_levels"),
    ("合计", "total"),
    ("总计", "total"),
    ("部门预算支出合计", "total"),
    ("资金总额", "total"),
    ("年度资金总额", "total"),
    ("当年资金总额", "total"),
    ("上级资金", "higher_level_funds"),
    ("上级补助", "higher_level_funds"),
];

/// A budget group an auditor reconciles against the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BudgetGroup {
    /// 部门预算支出 (basic + project expenditure).
    Expenditure,
    /// 事业发展性支出.
    Development,
    /// 收入来源.
    Income,
    /// 按预算级次划分.
    ByLevel,
}

/// Group headers as written → the group they are.
pub const BUDGET_GROUPS: &[(&str, BudgetGroup)] = &[
    ("部门预算支出", BudgetGroup::Expenditure),
    ("预算支出", BudgetGroup::Expenditure),
    ("事业发展性支出", BudgetGroup::Development),
    ("收入来源", BudgetGroup::Income),
    ("资金来源", BudgetGroup::Income),
    ("按预算级次划分", BudgetGroup::ByLevel),
    ("按级次划分", BudgetGroup::ByLevel),
    ("按收入性质分", BudgetGroup::Income),
    ("按支出性质分", BudgetGroup::Expenditure),
];

/// Task table columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskField {
    /// 名称.
    Name,
    /// 主要实施内容.
    Content,
    /// 拟投入的资金.
    Funds,
    /// 期望达到的目标.
    Goal,
}

/// Task headers: a header matches when it starts with one of these.
pub const TASK_HEADERS: &[(&str, TaskField)] = &[
    ("名称", TaskField::Name),
    ("任务名称", TaskField::Name),
    ("重点工作任务名称", TaskField::Name),
    ("主要实施内容", TaskField::Content),
    ("实施内容", TaskField::Content),
    ("主要内容", TaskField::Content),
    ("拟投入的资金", TaskField::Funds),
    ("拟投入资金", TaskField::Funds),
    ("投入资金", TaskField::Funds),
    ("资金", TaskField::Funds),
    ("预算金额", TaskField::Funds),
    ("期望达到的目标", TaskField::Goal),
    ("预期达到的目标", TaskField::Goal),
    ("预期目标", TaskField::Goal),
    ("目标", TaskField::Goal),
];

/// Indicator grid columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndicatorField {
    /// 一级指标.
    Level1,
    /// 二级指标.
    Level2,
    /// 三级指标.
    Level3,
    /// 实施周期/中期指标值.
    Period,
    /// 年度指标值.
    Annual,
    /// A value column that does not say which target it holds (指标值, 目标值): the
    /// annual one, unless it stands under a 实施期目标 column group.
    Value,
    /// 权重/分值.
    Weight,
    /// 指标性质 (≥, =, ≤ in a column of its own).
    Comparator,
    /// 度量单位/计量单位 in a column of its own.
    Unit,
    /// A section label standing in the header row (绩效指标): no data under it.
    SectionLabel,
}

/// Indicator headers (exact match after [`normalize_label`]); any other header in the
/// header row becomes an `extra` column under its own text.
pub const INDICATOR_HEADERS: &[(&str, IndicatorField)] = &[
    ("一级指标", IndicatorField::Level1),
    ("二级指标", IndicatorField::Level2),
    ("三级指标", IndicatorField::Level3),
    ("指标内容", IndicatorField::Level3),
    ("三级指标名称", IndicatorField::Level3),
    ("指标名称", IndicatorField::Level3),
    ("实施周期指标值", IndicatorField::Period),
    ("实施期指标值", IndicatorField::Period),
    ("中期指标值", IndicatorField::Period),
    ("中长期指标值", IndicatorField::Period),
    ("长期指标值", IndicatorField::Period),
    ("年度指标值", IndicatorField::Annual),
    ("本年度指标值", IndicatorField::Annual),
    ("指标值", IndicatorField::Value),
    ("年度数值", IndicatorField::Annual),
    ("指标值及单位", IndicatorField::Value),
    ("目标值", IndicatorField::Value),
    ("年度目标值", IndicatorField::Annual),
    ("本年度计划水平", IndicatorField::Annual),
    ("年度计划水平", IndicatorField::Annual),
    ("本年度计划值", IndicatorField::Annual),
    ("权重", IndicatorField::Weight),
    ("分值", IndicatorField::Weight),
    ("指标权重", IndicatorField::Weight),
    ("指标性质", IndicatorField::Comparator),
    ("指标值性质", IndicatorField::Comparator),
    ("度量单位", IndicatorField::Unit),
    ("计量单位", IndicatorField::Unit),
    ("单位", IndicatorField::Unit),
    ("指标值单位", IndicatorField::Unit),
    ("绩效指标", IndicatorField::SectionLabel),
    ("年度绩效指标", IndicatorField::SectionLabel),
    ("本年度绩效指标", IndicatorField::SectionLabel),
    ("项目绩效指标", IndicatorField::SectionLabel),
    ("绩效指标明细", IndicatorField::SectionLabel),
];

/// Which target a column group of the indicator grid holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// 实施期/中期/长期目标: the `period` values.
    Period,
    /// 年度目标: the `annual` values.
    Annual,
}

impl Target {
    /// The value field of a column headed by the group's name alone (a one-row header
    /// `三级指标 | 实施期目标 | 年度目标`).
    pub fn value_field(self) -> IndicatorField {
        match self {
            Target::Period => IndicatorField::Period,
            Target::Annual => IndicatorField::Annual,
        }
    }
}

/// Column-group headers of a two-row indicator header (`实施期目标` over `三级指标 |
/// 指标值`, `年度目标` over the same), exact match after [`bare_label`], so
/// `实施期目标（2024-2026年）` is one too.
pub const TARGET_GROUPS: &[(&str, Target)] = &[
    ("实施期目标", Target::Period),
    ("实施期绩效目标", Target::Period),
    ("实施周期目标", Target::Period),
    ("中期目标", Target::Period),
    ("中长期目标", Target::Period),
    ("中长期绩效目标", Target::Period),
    ("长期目标", Target::Period),
    ("长期绩效目标", Target::Period),
    ("年度目标", Target::Annual),
    ("年度绩效目标", Target::Annual),
    ("本年度目标", Target::Annual),
    ("本年度绩效目标", Target::Annual),
];

/// Level-1 names; a level-2 name written in the level-1 column (生态效益指标) is told
/// apart from these.
pub const LEVEL1_NAMES: &[&str] = &[
    "绩效指标",
    "产出指标",
    "效益指标",
    "满意度指标",
    "成本指标",
    "预期产出指标",
    "效果指标",
    "产出值",
    "效益值",
];

/// Level-2 meaning → category; the first fragment the name contains wins, so the more
/// specific fragments come first.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("经济效益", "outcome.economic"),
    ("社会效益", "outcome.social"),
    ("生态效益", "outcome.ecological"),
    ("可持续影响", "outcome.sustainability"),
    ("可持续", "outcome.sustainability"),
    ("满意度", "satisfaction"),
    ("数量", "output.quantity"),
    ("质量", "output.quality"),
    ("时效", "output.timeliness"),
    ("成本", "output.cost"),
];

/// Removes white space (including the ideographic space and line breaks inside wrapped
/// labels) and folds full-width brackets and colons to ASCII, so labels compare as words.
pub fn normalize_label(text: &str) -> String {
    let mut label = String::with_capacity(text.len());
    normalize_into(text, &mut label);
    label
}

/// [`normalize_label`] without a copy when the text has nothing to drop or fold, as
/// most cells (names, values) have not.
fn normalized(text: &str) -> Cow<'_, str> {
    if next_fold(text, 0).is_none() {
        return Cow::Borrowed(text);
    }
    let mut label = String::with_capacity(text.len());
    normalize_into(text, &mut label);
    Cow::Owned(label)
}

fn normalize_into(text: &str, label: &mut String) {
    // Bytes from `run` on are copied as they are up to the next char to drop or fold.
    let mut run = 0;
    while let Some((at, len, folded)) = next_fold(text, run) {
        label.push_str(&text[run..at]);
        label.push_str(folded);
        run = at + len;
    }
    label.push_str(&text[run..]);
}

/// For each lead byte of a char: its length in bytes when no char it leads can fold or
/// be dropped, else 0. Only `*`, NUL, ASCII white space and the chars whose UTF-8 starts
/// with C2, E1, E2, E3 or EF can be white space (U+0085, U+00A0, U+1680, U+2000–U+205F,
/// U+3000), ★ (U+2605) or a full-width bracket or colon (U+FFxx).
const FOLD_STEP: [u8; 256] = {
    let mut step = [0; 256];
    let mut lead = 0;
    while lead < 256 {
        step[lead] = match lead as u8 {
            b'*' | 0 | 0x09..=0x0D | b' ' | 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF => 0,
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        lead += 1;
    }
    step
};

/// The next char from byte `from` on that normalizing drops or folds: its position, its
/// length and what it becomes.
fn next_fold(text: &str, from: usize) -> Option<(usize, usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        // Any char but the few that may fold, Chinese text among them, is stepped over
        // whole by its lead byte, undecoded ([`FOLD_STEP`]).
        let step = FOLD_STEP[usize::from(bytes[i])];
        if step != 0 {
            i += usize::from(step);
            continue;
        }
        let c = text[i..].chars().next()?;
        let folded = match c {
            '（' => Some("("),
            '）' => Some(")"),
            '：' => Some(":"),
            '★' | '*' | '\u{0}' => Some(""),
            c if c.is_whitespace() => Some(""),
            _ => None,
        };
        if let Some(folded) = folded {
            return Some((i, c.len_utf8(), folded));
        }
        i += c.len_utf8();
    }
    None
}

/// A label as one line, for the output. A label wrapped in its cell
/// (`预算整体\n情况`, `资金情况\n（万元）`, Alt+Enter in Excel or two paragraphs in
/// Word) is one label: its line breaks are layout, not text. The lines are joined
/// without a space, except between two Latin letters or digits. Values and names keep
/// their line breaks; only labels (budget groups and labels, level-1/2 names, column
/// headers) go through here.
pub fn label_text(text: &str) -> String {
    label_line(text).into_owned()
}

/// [`label_text`], borrowed when the label is one line already, as most are: for a
/// label kept other than as a `String` (a level name shared as an `Arc<str>`), which
/// is then its one copy.
pub(crate) fn label_line(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return Cow::Borrowed(text.trim());
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let (Some(prev), Some(next)) = (out.chars().last(), line.chars().next()) {
            if prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric() {
                out.push(' ');
            }
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

/// The label without a trailing parenthesised note, a trailing colon and a leading
/// `其中:`: `拟投入的资金(万元)` → `拟投入的资金`, `其中:财政拨款` → `财政拨款`,
/// `年度资金总额：` → `年度资金总额`.
pub fn bare_label(text: &str) -> String {
    bare(&normalize_label(text)).to_string()
}

/// [`bare_label`] of a label already normalized.
fn bare(label: &str) -> &str {
    let mut label = label.trim_end_matches(':');
    if let Some(rest) = label
        .strip_prefix("其中:")
        .or_else(|| label.strip_prefix("其中"))
    {
        label = rest;
    }
    while label.ends_with(')') {
        match label.rfind('(') {
            Some(open) if open > 0 => label = &label[..open],
            _ => break,
        }
    }
    label
}

/// Drops a heading's enumeration: `一、`, `（二）`, `3.`, `4、`.
fn strip_enumeration(label: &str) -> &str {
    let numerals = |c: char| {
        matches!(
            c,
            '0'..='9' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
        )
    };
    if !label.starts_with(|c: char| c == '(' || numerals(c)) {
        return label; // as nearly every label
    }
    let rest = label.trim_start_matches('(');
    let after_numerals = rest.trim_start_matches(numerals);
    if after_numerals.len() == rest.len() {
        return label;
    }
    for sep in [")", "、", ".", "．"] {
        if let Some(stripped) = after_numerals.strip_prefix(sep) {
            return stripped;
        }
    }
    label
}

/// The section a first-column label opens, if any.
pub fn section_of(text: &str) -> Option<Section> {
    with_normalized(text, |normalized| section_in(normalized?))
}

/// The contract key of a budget label, if the label is in the table.
pub fn budget_key(label: &str) -> Option<&'static str> {
    vocab_of(label).budget_key
}

/// The reconciliation group of a group header, if known.
pub fn budget_group(header: &str) -> Option<BudgetGroup> {
    vocab_of(header).budget_group
}

/// The task field a header names.
pub fn task_field(header: &str) -> Option<TaskField> {
    vocab_of(header).task_field
}

/// The indicator field a header names.
pub fn indicator_field(header: &str) -> Option<IndicatorField> {
    vocab_of(header).indicator_field
}

/// The target a column-group header names, if any.
pub fn target_group(header: &str) -> Option<Target> {
    vocab_of(header).target
}

/// The field a header of the indicator grid names: an indicator header, or a group
/// name standing alone over one value column (`实施期目标` → the period value).
pub fn header_field(header: &str) -> Option<IndicatorField> {
    field_of_header(vocab_of(header))
}

/// [`header_field`] from a header's table entries.
fn field_of_header(vocab: Vocab) -> Option<IndicatorField> {
    vocab
        .indicator_field
        .or_else(|| vocab.target.map(Target::value_field))
}

/// The canonical category of a level-2 name, by meaning.
pub fn category_of(level2: &str) -> Option<&'static str> {
    category_in(&normalized(level2))
}

/// [`category_of`] of a label already normalized.
fn category_in(label: &str) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(fragment, _)| label.contains(fragment))
        .map(|&(_, category)| category)
}

/// Whether a name is a level-1 name (and so not a slipped level-2 label).
pub fn is_level1_name(text: &str) -> bool {
    vocab_of(text).level1
}

/// The unit a header gives its column: `预算金额(万元)` → `万元`, `金额（元）` → `元`.
pub fn header_unit(header: &str) -> Option<&'static str> {
    with_normalized(header, |label| unit_in_header(label?))
}

/// [`header_unit`] of a label already normalized: the first of 亿元, 万元, 元 that the
/// label writes as `(unit)` or `单位:unit`.
fn unit_in_header(label: &str) -> Option<&'static str> {
    const UNITS: [&str; 3] = ["亿元", "万元", "元"];
    // Every mark follows a bracket or a colon: the text after each is looked at once,
    // rather than the whole label searched for each of six marks.
    let mut first: Option<usize> = None;
    for (at, mark) in label.bytes().enumerate() {
        let closing = match mark {
            b'(' => ")",
            b':' if label[..at].ends_with("单位") => "",
            _ => continue,
        };
        let rest = &label[at + 1..];
        let unit = UNITS.iter().position(|unit| {
            rest.strip_prefix(unit)
                .is_some_and(|after| after.starts_with(closing))
        });
        if let Some(k) = unit {
            first = Some(first.map_or(k, |f| f.min(k)));
        }
    }
    first.map(|k| UNITS[k])
}

/// Headers of a column of notes on the budget lines (资金测算依据及说明, 备注): each note
/// goes to the line of this year's amount on its row.
pub const NOTE_HEADERS: &[&str] = &[
    "资金测算依据及说明",
    "资金测算依据",
    "测算依据及说明",
    "测算依据",
    "备注",
    "说明",
];

/// Whether a header heads a column of notes on the budget lines ([`NOTE_HEADERS`]).
pub fn is_note_header(text: &str) -> bool {
    NOTE_HEADERS.contains(&label_text(text).as_str())
}

/// Headers of a budget label column that name no group, only the column
/// (`项目 | 本年度申请金额`): its lines take the section's label as their group.
pub const COLUMN_TITLES: &[&str] = &["项目", "名称", "内容", "项目名称", "支出内容", "明细"];

/// Whether a label column's header is a mere column title ([`COLUMN_TITLES`]).
pub fn is_column_title(label: &str) -> bool {
    COLUMN_TITLES.contains(&label)
}

/// Words that make a short label one of money (资金, 收入, 拨款, 经费…): a budget line
/// the keys do not name (`自有资金：30`).
pub const MONEY_WORDS: &[&str] = &[
    "资金", "收入", "拨款", "支出", "经费", "基金", "结转", "金额", "补助", "款",
];

/// Whether `label` is a short label of money ([`MONEY_WORDS`]), without digits.
pub fn is_money_label(label: &str) -> bool {
    label.chars().count() <= 12
        && !label.chars().any(|c| c.is_ascii_digit())
        && MONEY_WORDS.iter().any(|word| label.contains(word))
}

/// Whether a bare label heads the funds' own column under a split 预算金额 (总额 |
/// 财政拨款 | 其他资金), besides the budget labels.
pub fn is_funds_sub_header(bare: &str) -> bool {
    matches!(bare, "总额" | "金额" | "小计")
}

/// Whether a header names an amount column (`预算金额(万元)`, `金额`, `资金(万元)`).
pub fn is_amount_header(text: &str) -> bool {
    amount_header(&bare_label(text), header_unit(text))
}

/// [`is_amount_header`] from the header's bare label and the unit it names: one with a
/// unit, or a word of the amount columns of a table of this year's and last year's
/// figures (`本年度申请金额`, `上年度预算安排`) that is no budget line's label.
fn amount_header(bare: &str, unit: Option<&str>) -> bool {
    const COLUMN_WORDS: &[&str] = &["申请金额", "预算安排", "实际执行", "执行数", "申请数"];
    unit.is_some() && bare.len() <= 30
        || matches!(bare, "金额" | "预算金额" | "预算数")
        || bare.len() <= 30
            && COLUMN_WORDS.iter().any(|word| bare.ends_with(word))
            && vocab(bare).budget_key.is_none()
}

/// A label and its text in one cell (`项目名称：X`, `总体目标：……`): the text split at its
/// first colon, ASCII or full-width, as `split_once([':', '：'])` splits it; `None` too
/// when what comes before the colon is longer than a label can be ([`MAX_LABEL_BYTES`]),
/// as every lookup would turn it away. So only a text's first bytes are searched, and
/// for a byte, not a decoded char: `:`, or the last byte of `：` (EF BC 9A) with the
/// two before it. A word at a time ([`memchr::arch::all::memchr::Two`]): on texts this
/// short that costs less than a vector search, which pays for its set-up on each call.
pub fn split_label(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let head = &bytes[..bytes.len().min(MAX_LABEL_BYTES + '：'.len_utf8())];
    let colons = memchr::arch::all::memchr::Two::new(b':', 0x9A);
    let (at, len) = colons.iter(head).find_map(|at| match bytes[at] {
        b':' => Some((at, 1)),
        _ => matches!(bytes[..at], [.., 0xEF, 0xBC]).then(|| (at - 2, 3)),
    })?;
    (at <= MAX_LABEL_BYTES).then(|| (&text[..at], &text[at + len..]))
}

/// Where a labelled value ends when more fields follow it on its line, as the line
/// under a form has them (`填报人：张三　联系电话：020-1234　填报日期：…`): at white space
/// followed by a field's label ([`field_of`]) and a colon. Returns the value (trimmed)
/// and the next field, its label and its text (which may hold more fields in turn).
pub fn next_inline_field(text: &str) -> (&str, Option<(Field, &str, &str)>) {
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if !c.is_whitespace() {
            continue;
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(at, _)) = chars.peek() else { break };
        let Some((label, rest)) = split_label(&text[at..]) else {
            continue;
        };
        if let Some(field) = field_of(label) {
            return (text[..at].trim(), Some((field, label, rest)));
        }
    }
    (text.trim(), None)
}

/// A section label and its text in one cell or paragraph: `总体目标：……`.
pub fn section_with_text(text: &str) -> Option<(Section, &str)> {
    let (label, rest) = split_label(text)?;
    let section = section_of(label)?;
    let rest = rest.trim();
    (!rest.is_empty()).then_some((section, rest))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// What [`normalize_label`] means, char by char; the real one skips Chinese text.
    fn normalize_reference(text: &str) -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '★' | '*' | '\u{0}'))
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                '：' => ':',
                c => c,
            })
            .collect()
    }

    #[test]
    fn normalizing_folds_and_drops_what_it_should() {
        for text in [
            "",
            "  预算整体\n情况 ",
            "拟投入的资金（万元）：",
            "★核心指标\u{3000}\u{a0}\u{2028}\u{1680}\u{205f}x",
            "a\u{0}b*c\u{85}\u{2605}",
            "（二）年度重点工作任务",
        ] {
            assert_eq!(normalize_label(text), normalize_reference(text), "{text:?}");
        }
    }

    #[test]
    fn only_the_lead_bytes_of_chars_that_may_fold_are_looked_at() {
        for lead in 0..=0x7Fu8 {
            let may_fold = lead == b'*' || lead == 0 || (lead as char).is_whitespace();
            assert_eq!(FOLD_STEP[usize::from(lead)] == 0, may_fold, "{lead:#x}");
        }
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut utf8 = [0; 4];
            let lead = c.encode_utf8(&mut utf8).as_bytes()[0];
            let step = FOLD_STEP[usize::from(lead)];
            let folds = c.is_whitespace() || matches!(c, '（' | '）' | '：' | '★');
            assert!(
                step == 0 || (!folds && usize::from(step) == c.len_utf8()),
                "{c:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn normalizing_matches_its_definition(text in "\\PC{0,40}|[ \t\n（）：★*\u{3000}\u{a0}甲乙a1]{0,20}") {
            prop_assert_eq!(normalize_label(&text), normalize_reference(&text));
        }
    }

    use super::*;

    #[test]
    fn headings_are_sections_whatever_their_numbering() {
        assert_eq!(section_of("一、总体目标"), Some(Section::OverallGoal));
        assert_eq!(section_of("（二）年度绩效目标"), Some(Section::AnnualGoal));
        assert_eq!(section_of("3.年度重点工作任务"), Some(Section::Tasks));
        assert_eq!(
            section_with_text("年度目标：建成8540亩"),
            Some((Section::AnnualGoal, "建成8540亩"))
        );
        assert_eq!(section_with_text("说明：无"), None);
    }

    #[test]
    fn sections_are_found_by_their_labels() {
        assert_eq!(section_of("部门名称"), Some(Section::Department));
        assert_eq!(
            section_of("其他需完成的任务（可选项）"),
            Some(Section::OtherTasks)
        );
        assert_eq!(section_of("年度重点\n工作任务"), Some(Section::Tasks));
        assert_eq!(section_of("全力维护社会大局稳定"), None);
        // Names that merely start with a section label are data, not sections.
        assert_eq!(section_of("年度目标任务完成数量"), None);
        assert_eq!(section_of("年度目标责任考核"), None);
        assert_eq!(section_of("总体目标完成率"), None);
        assert_eq!(section_of("重点工作任务完成率"), None);
        assert_eq!(section_of("资金情况（万元）"), Some(Section::Budget));
        assert_eq!(section_of("部门名称："), Some(Section::Department));
    }

    #[test]
    fn budget_labels_map_to_contract_keys() {
        assert_eq!(budget_key("基本支出"), Some("basic_expenditure"));
        assert_eq!(budget_key("其中：财政拨款"), Some("fiscal_appropriation"));
        assert_eq!(budget_key("区本级使用资金"), Some("own_level_funds"));
        assert_eq!(budget_key("合 计"), Some("total"));
        assert_eq!(budget_key("某某专项"), None);
    }

    #[test]
    fn categories_come_from_level2_meaning() {
        assert_eq!(category_of("数量指标"), Some("output.quantity"));
        assert_eq!(category_of("数量值"), Some("output.quantity"));
        assert_eq!(category_of("服务对象满意度指标"), Some("satisfaction"));
        assert_eq!(
            category_of("可持续影响指标"),
            Some("outcome.sustainability")
        );
        assert_eq!(category_of("社会效益指标"), Some("outcome.social"));
        assert_eq!(category_of("其他"), None);
    }

    #[test]
    fn headers_give_units_and_fields() {
        assert_eq!(header_unit("预算金额(万元)"), Some("万元"));
        assert_eq!(header_unit("金额（元）"), Some("元"));
        // The first unit of the list wins, wherever it stands.
        assert_eq!(header_unit("单位：元（万元）"), Some("万元"));
        assert_eq!(header_unit("金额(元)单位:亿元"), Some("亿元"));
        assert_eq!(header_unit("单位(元"), None);
        assert_eq!(header_unit("计量单位:万元"), Some("万元"));
        assert!(is_amount_header("预算金额(万元)"));
        assert!(!is_amount_header("基本支出"));
        assert_eq!(task_field("拟投入的资金(万元)"), Some(TaskField::Funds));
        assert_eq!(task_field("期望达到的目标(概述)"), Some(TaskField::Goal));
        assert_eq!(
            indicator_field("实施周期指标值"),
            Some(IndicatorField::Period)
        );
        assert_eq!(indicator_field("年度指标值"), Some(IndicatorField::Annual));
        assert_eq!(indicator_field("指标值"), Some(IndicatorField::Value));
        assert_eq!(indicator_field("指标内容"), Some(IndicatorField::Level3));
        assert_eq!(indicator_field("三级\n指标"), Some(IndicatorField::Level3));
        assert_eq!(
            indicator_field("实施周期\n指标值"),
            Some(IndicatorField::Period)
        );
        assert_eq!(
            indicator_field("本年度\n绩效指标"),
            Some(IndicatorField::SectionLabel)
        );
        assert_eq!(budget_key("年度资金总额："), Some("total"));
        assert_eq!(field_of("项目期"), Some(Field::ProjectPeriod));
    }

    #[test]
    fn column_groups_name_their_target() {
        assert_eq!(target_group("实施期目标"), Some(Target::Period));
        assert_eq!(
            target_group("中长期目标（2024-2026年）"),
            Some(Target::Period)
        );
        assert_eq!(target_group("年度\n目标"), Some(Target::Annual));
        assert_eq!(target_group("三级指标"), None);
        assert_eq!(header_field("实施期目标"), Some(IndicatorField::Period));
        assert_eq!(header_field("年度目标"), Some(IndicatorField::Annual));
        assert_eq!(header_field("指标值"), Some(IndicatorField::Value));
    }

    #[test]
    fn wrapped_labels_read_as_one_line() {
        assert_eq!(label_text("资金情况\n（万元）"), "资金情况（万元）");
        assert_eq!(label_text("绩\n效\n指\n标"), "绩效指标");
        assert_eq!(label_text(" 产出指标 "), "产出指标");
        assert_eq!(label_text("Level\n1"), "Level 1");
        assert_eq!(section_of("部门\n名称"), Some(Section::Department));
        assert_eq!(
            section_of("绩\n效\n指\n标"),
            Some(Section::IndicatorHeading)
        );
    }

    #[test]
    fn level1_names_are_not_slipped_level2() {
        assert!(is_level1_name("效益指标"));
        assert!(
            is_level1_name("产出指标(50分)"),
            "a score in the label does not hide the name"
        );
        assert!(!is_level1_name("生态效益指标"));
    }

    #[test]
    fn self_evaluation_markers_are_found_in_table_order() {
        assert_eq!(self_evaluation_marker("偏差原因分析"), Some("偏差原因"));
        assert_eq!(self_evaluation_marker("实际完成值（自评）"), Some("自评"));
        assert_eq!(self_evaluation_marker("全年预算数"), None);
        for marker in SELF_EVALUATION_MARKERS {
            assert!(marker.contains(MARKER_CHARS), "{marker}");
        }
    }

    proptest! {
        /// A label is split off at the first colon, as `split_once` splits it, when it
        /// is short enough to be one.
        #[test]
        fn labels_are_split_off_at_the_first_colon(
            text in "[:：:：甲乙a 。，\u{9a}\u{ff1b}]{0,12}|\\PC{0,30}",
            pad in 0..2 * MAX_LABEL_BYTES,
        ) {
            for text in [text.clone(), format!("{}{text}", "甲".repeat(pad / 3))] {
                let expected = text
                    .split_once([':', '：'])
                    .filter(|(label, _)| label.len() <= MAX_LABEL_BYTES);
                prop_assert_eq!(split_label(&text), expected);
            }
        }

        /// The byte search answers as a char scan, whatever the text around the chars.
        #[test]
        fn marker_chars_are_found_as_a_char_scan_finds_them(
            // With chars that share a marker char's middle byte (寄 诅 附, U+0099).
            text in "[评际因自实偏差原寄诅附\u{99}a1 （）]{0,12}|\\PC{0,30}",
        ) {
            prop_assert_eq!(
                holds_marker_char(&text),
                text.chars().any(|c| MARKER_CHARS.contains(&c))
            );
        }
    }

    /// Every word of every table, for texts that hit the tables.
    fn vocabulary() -> Vec<&'static str> {
        let mut words: Vec<&str> = SECTION_LABELS.iter().map(|(w, _)| *w).collect();
        words.extend(FIELD_LABELS.iter().map(|(w, _)| *w));
        words.extend(BUDGET_KEYS.iter().map(|(w, _)| *w));
        words.extend(BUDGET_GROUPS.iter().map(|(w, _)| *w));
        words.extend(TASK_HEADERS.iter().map(|(w, _)| *w));
        words.extend(INDICATOR_HEADERS.iter().map(|(w, _)| *w));
        words.extend(TARGET_GROUPS.iter().map(|(w, _)| *w));
        words.extend(LEVEL1_NAMES);
        words.extend(CATEGORIES.iter().map(|(w, _)| *w));
        words.extend(SELF_EVALUATION_MARKERS);
        words
    }

    /// The entry a scan of `table` finds for `label`, as lookups did before the index.
    fn scan<T: Copy>(table: &[(&str, T)], label: &str) -> Option<T> {
        table
            .iter()
            .find(|(name, _)| *name == label)
            .map(|&(_, value)| value)
    }

    #[test]
    fn the_longest_entries_are_still_looked_up() {
        let longest = VOCAB.keys().map(|k| k.len()).max();
        assert_eq!(longest, Some(*LONGEST_ENTRY));
        for label in VOCAB.keys().filter(|k| Some(k.len()) == longest) {
            assert!(VOCAB.get(label) == Some(&vocab(label)), "{label}");
        }
    }

    #[test]
    fn the_index_answers_as_a_scan_of_each_table() {
        for word in vocabulary() {
            let entry = vocab(word);
            assert_eq!(entry.section, scan(SECTION_LABELS, word), "{word}");
            assert_eq!(entry.field, scan(FIELD_LABELS, word), "{word}");
            assert_eq!(entry.budget_key, scan(BUDGET_KEYS, word), "{word}");
            assert_eq!(entry.budget_group, scan(BUDGET_GROUPS, word), "{word}");
            assert_eq!(entry.task_field, scan(TASK_HEADERS, word), "{word}");
            assert_eq!(
                entry.indicator_field,
                scan(INDICATOR_HEADERS, word),
                "{word}"
            );
            assert_eq!(entry.target, scan(TARGET_GROUPS, word), "{word}");
            assert_eq!(entry.level1, LEVEL1_NAMES.contains(&word), "{word}");
        }
    }

    proptest! {
        /// A cell's label, classified once, answers every question as the free functions
        /// do on its text, whatever numbering, notes, colons and white space surround it.
        #[test]
        fn a_cell_label_answers_as_the_free_functions_do(
            number in "(一、|（二）|3\\.|4、)?",
            word in proptest::sample::select(vocabulary()),
            wrap in "[ \n\u{3000}]?",
            note in "(（万元）|\\(元\\)|（可选项）|：|:|单位：元|指标)?",
            noise in "\\PC{0,3}",
        ) {
            let split = word.char_indices().nth(1).map_or(word.len(), |(i, _)| i);
            for text in [
                format!("{number}{}{wrap}{}{note}", &word[..split], &word[split..]),
                format!("其中：{word}{note}"),
                format!("{noise}{word}{noise}"),
                format!("{word}{}", " ".repeat(MAX_LABEL_BYTES)),
            ] {
                let label = Label::new(&text);
                prop_assert_eq!(label.normalized(), normalize_label(&text));
                prop_assert_eq!(label.bare(), bare_label(&text));
                prop_assert_eq!(label.section(), section_of(&text));
                prop_assert_eq!(label.field(), field_of(&text));
                prop_assert_eq!(label.budget_key(), budget_key(&text));
                prop_assert_eq!(label.task_field(), task_field(&text));
                prop_assert_eq!(label.indicator_field(), indicator_field(&text));
                prop_assert_eq!(label.target_group(), target_group(&text));
                prop_assert_eq!(label.header_field(), header_field(&text));
                prop_assert_eq!(label.is_level1_name(), is_level1_name(&text));
                prop_assert_eq!(label.category(), category_of(&text));
                prop_assert_eq!(label.header_unit(), header_unit(&text));
                prop_assert_eq!(label.is_amount_header(), is_amount_header(&text));
                prop_assert_eq!(label.unit_line(), unit_line(&text));
            }
        }
    }
}
