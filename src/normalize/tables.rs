//! The word lists the readers use, in one place a maintainer can extend.
//!
//! Everything the value reader recognises by spelling lives here: comparator words and
//! signs, negations, suffixes such as 以上, units and their [`UnitKind`], words that make a
//! number relative (较上年…), separators between targets, and qualitative words. The
//! scanner in `value.rs` indexes these tables once (first use) by their first character.
//!
//! To teach the reader a new word, add a row to the right table and a case to
//! `tests/data/values/cases.tsv`.

use crate::document::{Op, UnitKind};

/// Comparator words written before a number.
///
/// `(word, op, adjacent)`: when `adjacent` is true the word only counts directly before the
/// number (whitespace allowed), because it is also an everyday word (为, 达, 约). Other
/// words and the signs reach the next number in the same clause, as in
/// `≥每个考场应考人数的105%`.
///
/// Negated forms (不低于, 不得超过, 未达到…) need no rows: every word whose op is an
/// inequality is also indexed behind each of [`NEGATIONS`], with its op negated
/// (不 + 低于 `<` → `>=`, 未 + 达到 `>=` → `<`).
pub const COMPARATOR_WORDS: &[(&str, Op, bool)] = &[
    ("大于等于", Op::Ge, false),
    ("大于或等于", Op::Ge, false),
    ("高于或等于", Op::Ge, false),
    ("多于或等于", Op::Ge, false),
    ("小于等于", Op::Le, false),
    ("小于或等于", Op::Le, false),
    ("低于或等于", Op::Le, false),
    ("少于或等于", Op::Le, false),
    ("大于", Op::Gt, false),
    ("高于", Op::Gt, false),
    ("超过", Op::Gt, false),
    ("超出", Op::Gt, false),
    ("多于", Op::Gt, false),
    ("小于", Op::Lt, false),
    ("低于", Op::Lt, false),
    ("少于", Op::Lt, false),
    ("达到", Op::Ge, false),
    ("达", Op::Ge, true),
    ("至少", Op::Ge, false),
    ("最少", Op::Ge, false),
    ("最低", Op::Ge, true),
    ("最多", Op::Le, false),
    ("最高", Op::Le, true),
    ("不足", Op::Lt, false),
    ("不到", Op::Lt, false),
    ("不满", Op::Lt, false),
    ("未满", Op::Lt, false),
    ("等于", Op::Eq, false),
    ("为", Op::Eq, true),
    ("是", Op::Eq, true),
    ("约为", Op::Eq, true),
    ("约", Op::Eq, true),
    ("大约", Op::Eq, true),
    ("近", Op::Eq, true),
    ("控制在", Op::Le, false),
    ("控制于", Op::Le, false),
    // A change written with its end point is a target, not a relative change.
    ("提高至", Op::Ge, false),
    ("提高到", Op::Ge, false),
    ("提升至", Op::Ge, false),
    ("提升到", Op::Ge, false),
    ("增长至", Op::Ge, false),
    ("增长到", Op::Ge, false),
    ("增加至", Op::Ge, false),
    ("增加到", Op::Ge, false),
    ("上升至", Op::Ge, false),
    ("上升到", Op::Ge, false),
    ("达至", Op::Ge, false),
    ("降低至", Op::Le, false),
    ("降低到", Op::Le, false),
    ("下降至", Op::Le, false),
    ("下降到", Op::Le, false),
    ("降至", Op::Le, false),
    ("降到", Op::Le, false),
    ("减少至", Op::Le, false),
    ("减少到", Op::Le, false),
    ("压缩至", Op::Le, false),
    ("压缩到", Op::Le, false),
    ("压减至", Op::Le, false),
    ("缩短至", Op::Le, false),
    ("缩短到", Op::Le, false),
    // Deadlines.
    ("晚于", Op::Gt, false),
    ("迟于", Op::Gt, false),
    ("早于", Op::Lt, false),
    ("截至", Op::Le, false),
    ("截止", Op::Le, false),
    ("截止到", Op::Le, false),
    ("截至到", Op::Le, false),
];

/// Comparator signs, as single characters. `>`/`<` (and full-width) followed by `=` read
/// as `>=`/`<=`; that pairing is handled by the scanner.
pub const COMPARATOR_SIGNS: &[(char, Op)] = &[
    ('≥', Op::Ge),
    ('≧', Op::Ge),
    ('⩾', Op::Ge),
    ('≮', Op::Ge),
    ('≤', Op::Le),
    ('≦', Op::Le),
    ('⩽', Op::Le),
    ('≯', Op::Le),
    ('>', Op::Gt),
    ('＞', Op::Gt),
    ('<', Op::Lt),
    ('＜', Op::Lt),
    ('=', Op::Eq),
    ('＝', Op::Eq),
];

/// Negations that turn the comparator word after them around (不低于 is `>=`).
/// Negating `=` (不等于, 不为) gives no usable target: such a value reads as text.
pub const NEGATIONS: &[&str] = &[
    "不得", "不应", "不能", "不可", "不会", "不宜", "不", "未", "没有",
];

/// Words written after a number (and its unit) that set the comparator.
pub const SUFFIX_WORDS: &[(&str, Op)] = &[
    ("及以上", Op::Ge),
    ("或以上", Op::Ge),
    ("以上", Op::Ge),
    ("之上", Op::Ge),
    ("及以下", Op::Le),
    ("或以下", Op::Le),
    ("以下", Op::Le),
    ("以内", Op::Le),
    ("之内", Op::Le),
    ("内", Op::Le),
    ("左右", Op::Eq),
    ("上下", Op::Eq),
];

/// Words after a date that make it a deadline (or a start).
pub const DATE_SUFFIXES: &[(&str, Op)] = &[
    ("之前", Op::Le),
    ("以前", Op::Le),
    ("前", Op::Le),
    ("为止", Op::Le),
    ("以内", Op::Le),
    ("之内", Op::Le),
    ("内", Op::Le),
    ("之后", Op::Ge),
    ("以后", Op::Ge),
    ("后", Op::Ge),
    ("起", Op::Ge),
    ("开始", Op::Ge),
];

/// Words written between a number and its unit meaning "more than" (3000多件, 100余人).
pub const MORE_WORDS: &[&str] = &["多", "余"];

/// Multipliers after a number. Before a currency unit they belong to the unit
/// (`1.2万元` stays 1.2 `万元`); before any other unit, or none, they multiply.
/// `(word, power of ten)`.
pub const MULTIPLIERS: &[(&str, i32)] = &[
    ("万亿", 12),
    ("千万", 7),
    ("百万", 6),
    ("亿", 8),
    ("万", 4),
    ("千", 3),
];

/// Units and their families. Longer spellings win (个工作日 over 个, 万元 over 万).
/// A compound unit (`元/亩`, `元/生/年`, `次/年`) is read as written and takes the family
/// of its first part.
pub const UNITS: &[(&str, UnitKind)] = &[
    // percent
    ("%", UnitKind::Percent),
    ("％", UnitKind::Percent),
    ("‰", UnitKind::Percent),
    ("个百分点", UnitKind::Percent),
    ("百分点", UnitKind::Percent),
    // currency
    ("元", UnitKind::Currency),
    ("万元", UnitKind::Currency),
    ("亿元", UnitKind::Currency),
    ("千元", UnitKind::Currency),
    ("百万元", UnitKind::Currency),
    ("千万元", UnitKind::Currency),
    ("万亿元", UnitKind::Currency),
    ("美元", UnitKind::Currency),
    ("万美元", UnitKind::Currency),
    ("亿美元", UnitKind::Currency),
    // time
    ("个工作日", UnitKind::Time),
    ("工作日", UnitKind::Time),
    ("个自然日", UnitKind::Time),
    ("自然日", UnitKind::Time),
    ("天", UnitKind::Time),
    ("日", UnitKind::Time),
    ("个小时", UnitKind::Time),
    ("小时", UnitKind::Time),
    ("分钟", UnitKind::Time),
    ("秒", UnitKind::Time),
    ("秒钟", UnitKind::Time),
    ("周", UnitKind::Time),
    ("个星期", UnitKind::Time),
    ("星期", UnitKind::Time),
    ("个月", UnitKind::Time),
    ("月", UnitKind::Time),
    ("个季度", UnitKind::Time),
    ("季度", UnitKind::Time),
    ("年", UnitKind::Time),
    ("学时", UnitKind::Time),
    ("课时", UnitKind::Time),
    ("工时", UnitKind::Time),
    ("小时/年", UnitKind::Time),
    ("h", UnitKind::Time),
    ("min", UnitKind::Time),
    // area
    ("平方米", UnitKind::Area),
    ("平米", UnitKind::Area),
    ("平方公里", UnitKind::Area),
    ("平方千米", UnitKind::Area),
    ("㎡", UnitKind::Area),
    ("m²", UnitKind::Area),
    ("m2", UnitKind::Area),
    ("km²", UnitKind::Area),
    ("亩", UnitKind::Area),
    ("公顷", UnitKind::Area),
    // length
    ("公里", UnitKind::Length),
    ("千米", UnitKind::Length),
    ("米", UnitKind::Length),
    ("延米", UnitKind::Length),
    ("厘米", UnitKind::Length),
    ("毫米", UnitKind::Length),
    ("km", UnitKind::Length),
    ("m", UnitKind::Length),
    ("cm", UnitKind::Length),
    ("mm", UnitKind::Length),
    // mass
    ("吨", UnitKind::Mass),
    ("千克", UnitKind::Mass),
    ("公斤", UnitKind::Mass),
    ("克", UnitKind::Mass),
    ("斤", UnitKind::Mass),
    ("kg", UnitKind::Mass),
    ("t", UnitKind::Mass),
    // volume
    ("立方米", UnitKind::Volume),
    ("立方", UnitKind::Volume),
    ("升", UnitKind::Volume),
    ("毫升", UnitKind::Volume),
    ("m³", UnitKind::Volume),
    ("m3", UnitKind::Volume),
    ("L", UnitKind::Volume),
    // counts
    ("件", UnitKind::Count),
    ("件次", UnitKind::Count),
    ("次", UnitKind::Count),
    ("个", UnitKind::Count),
    ("本", UnitKind::Count),
    ("期", UnitKind::Count),
    ("期次", UnitKind::Count),
    ("人", UnitKind::Count),
    ("人次", UnitKind::Count),
    ("名", UnitKind::Count),
    ("位", UnitKind::Count),
    ("户", UnitKind::Count),
    ("户次", UnitKind::Count),
    ("所", UnitKind::Count),
    ("家", UnitKind::Count),
    ("家次", UnitKind::Count),
    ("场", UnitKind::Count),
    ("场次", UnitKind::Count),
    ("项", UnitKind::Count),
    ("篇", UnitKind::Count),
    ("条", UnitKind::Count),
    ("条次", UnitKind::Count),
    ("批", UnitKind::Count),
    ("批次", UnitKind::Count),
    ("台", UnitKind::Count),
    ("台套", UnitKind::Count),
    ("套", UnitKind::Count),
    ("份", UnitKind::Count),
    ("册", UnitKind::Count),
    ("部", UnitKind::Count),
    ("张", UnitKind::Count),
    ("宗", UnitKind::Count),
    ("起", UnitKind::Count),
    ("例", UnitKind::Count),
    ("单", UnitKind::Count),
    ("组", UnitKind::Count),
    ("支", UnitKind::Count),
    ("队", UnitKind::Count),
    ("班", UnitKind::Count),
    ("班次", UnitKind::Count),
    ("座", UnitKind::Count),
    ("栋", UnitKind::Count),
    ("处", UnitKind::Count),
    ("间", UnitKind::Count),
    ("辆", UnitKind::Count),
    ("艘", UnitKind::Count),
    ("架", UnitKind::Count),
    ("架次", UnitKind::Count),
    ("车次", UnitKind::Count),
    ("只", UnitKind::Count),
    ("头", UnitKind::Count),
    ("株", UnitKind::Count),
    ("棵", UnitKind::Count),
    ("块", UnitKind::Count),
    ("类", UnitKind::Count),
    ("种", UnitKind::Count),
    ("门", UnitKind::Count),
    ("节", UnitKind::Count),
    ("堂", UnitKind::Count),
    ("轮", UnitKind::Count),
    ("届", UnitKind::Count),
    ("卷", UnitKind::Count),
    ("幅", UnitKind::Count),
    ("首", UnitKind::Count),
    ("集", UnitKind::Count),
    ("村", UnitKind::Count),
    ("镇", UnitKind::Count),
    ("区", UnitKind::Count),
    ("校", UnitKind::Count),
    ("床", UnitKind::Count),
    ("张床", UnitKind::Count),
    ("个点", UnitKind::Count),
    ("万字", UnitKind::Count),
    ("字", UnitKind::Count),
    ("页", UnitKind::Count),
    ("盏", UnitKind::Count),
    ("封", UnitKind::Count),
    // other measures
    ("分", UnitKind::Other),
    ("倍", UnitKind::Other),
    ("级", UnitKind::Other),
    ("星", UnitKind::Other),
    ("星级", UnitKind::Other),
    ("度", UnitKind::Other),
    ("千瓦时", UnitKind::Other),
    ("千瓦", UnitKind::Other),
    ("兆瓦", UnitKind::Other),
    ("瓦", UnitKind::Other),
    ("kWh", UnitKind::Other),
    ("kW", UnitKind::Other),
    ("MW", UnitKind::Other),
    ("GB", UnitKind::Other),
    ("TB", UnitKind::Other),
    ("MB", UnitKind::Other),
    ("Mbps", UnitKind::Other),
    ("兆", UnitKind::Other),
    ("标准箱", UnitKind::Other),
];

/// Words that make a following number a change against a baseline (较上年增长10%), which
/// the Value cannot express as an absolute target: such a value reads as text.
/// `较` itself counts when followed by 上/去/前/同/基/年初 or a year (see the scanner).
pub const RELATIVE_MARKERS: &[&str] = &[
    "较上年",
    "较去年",
    "较上一年",
    "较前一年",
    "较上年度",
    "较同期",
    "较基期",
    "较年初",
    "比上年",
    "比去年",
    "比上一年",
    "比年初",
    "比同期",
    "同比",
    "环比",
    "与上年相比",
    "与去年相比",
    "与上年同期",
    "与去年同期",
];

/// Verbs that make a number directly after them a change (增长10%, 提高5个百分点), not a level.
pub const CHANGE_VERBS: &[&str] = &[
    "增长", "增加", "提高", "提升", "上升", "下降", "降低", "减少", "缩短", "压减", "压缩", "节约",
    "节省", "增幅", "降幅", "新增", "递增", "递减",
];

/// Words between two targets in one cell: `(word, strength)`. The strongest separator
/// between two targets is where their parts are cut apart. Punctuation is in the scanner:
/// newline 5, `；` `;` `。` 4, `，` `,` 3, `、` 2.
pub const SEPARATOR_WORDS: &[(&str, u8)] = &[
    ("并且", 1),
    ("而且", 1),
    ("以及", 1),
    ("同时", 1),
    ("或者", 1),
    ("且", 1),
    ("和", 1),
    ("及", 1),
    ("与", 1),
    ("或", 1),
    ("并", 1),
];

/// Written directly before a number, makes it an ordinal (第3季度), not a target.
pub const ORDINAL_WORDS: &[&str] = &["第"];

/// Qualitative values that are text whatever else; also the fast path for the commonest
/// cells. Anything without a readable number is text anyway; this list documents the
/// usual ones.
pub const QUALITATIVE: &[&str] = &[
    "全覆盖",
    "逐步提高",
    "逐步提升",
    "有效提升",
    "有效提高",
    "明显改善",
    "明显提升",
    "较上年有所提高",
    "有所提高",
    "有所提升",
    "稳步提升",
    "持续提升",
    "不断提高",
    "显著提升",
    "好",
    "较好",
    "良好",
    "优",
    "优秀",
    "优良",
    "合格",
    "达标",
    "符合要求",
    "符合标准",
    "按时完成",
    "按期完成",
    "及时",
    "及时完成",
    "及时办结",
    "准时",
    "是",
    "否",
    "有效",
    "高效",
    "提高",
    "提升",
    "改善",
    "长期",
    "持续",
    "中长期",
    "保持稳定",
    "稳定",
    "全面完成",
    "完成",
    "已完成",
    "无",
    "—",
    "-",
    "/",
    "\\",
];
