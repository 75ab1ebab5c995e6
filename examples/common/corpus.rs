//! A deterministic corpus of filled forms for bulk runs, benchmarks and tests.
//!
//! [`write_corpus`] writes `count` forms under a folder, a third each as XLSX, DOCX and
//! tab-separated text (the text split between UTF-8, GB18030 and UTF-16LE), in
//! `<city>/<year>/<nnnn>-<bureau>.<ext>` folders, and returns a [`CorpusManifest`]
//! saying what every file is and what jixiao should read from it. The same seed always
//! gives byte-identical files: the only randomness is [`Rng`] (splitmix64), every form
//! draws from its own stream (so form `i` does not depend on `count`), and every
//! timestamp in the packages is fixed.
//!
//! What varies: the department (21 Guangdong cities × 24 bureaus, each department and
//! year used once while they last, then again or in earlier years as [`Beyond`] says;
//! 广州市司法局 2024 is kept for the extras), the year (2019–2026), the budget (most
//! forms add up: 收入来源 = 按预算级次划分 = 部门预算支出 + 事业发展性支出; about one
//! in five is off by a random amount), 1–8 tasks with funds within 项目支出 +
//! 事业发展性支出, and 3–30 indicators over the nine level-2
//! categories of the seed with targets in the styles officials write (`≥3000件`,
//! `低于0.2%`, `99%`, `全覆盖`, `15次`, `90%-95%`, `2024年12月31日前`, compound cells
//! joined by `；`, Chinese numerals, a count inside a sentence). The indicator grid is
//! laid out either like the seed (empty categories kept as rows, 生态效益指标 and
//! 可持续影响指标 slipped into the level-1 column) or tidily (empty categories left
//! out, every level-2 name in its column).
//!
//! With `extras`, the tree also holds what a real shared folder holds: byte-identical
//! copies of three forms under `备份/`, an Office lock file `~$….xlsx`, a hidden
//! `.hidden.txt` (a real form, which must be passed over), an empty `empty.txt`, a
//! corrupt zip `broken.xlsx`, a truncated workbook `truncated.xlsx`, a `readme.pdf`,
//! and two different forms claiming 广州市司法局 2024, `conflict/广州市司法局-2024-a.xlsx`
//! and `…-b.xlsx` (the second with a higher 基本支出, still adding up). A copy may sort
//! before its original (`备份` < `湛江市`), so either of the two may be the one jixiao
//! reports as the duplicate. The extras are listed after the `count` forms.
//!
//! In a test:
//!
//! ```ignore
//! #[path = "../examples/common/mod.rs"]
//! mod common;
//!
//! let manifest = common::write_corpus(&dir, 30, 7, true);
//! for entry in manifest.forms() { /* entry.department, entry.year, entry.tasks… */ }
//! let copies = manifest.of_kind("duplicate-of").count(); // 3
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::form::{cents_text, Budget, FormModel, IndicatorRow, TaskRow};
use super::render;
use super::vocab::{self, Target};

/// The department and year the extras' two conflicting forms claim; no generated form
/// takes it.
pub const CONFLICT_DEPARTMENT: &str = "广州市司法局";
/// See [`CONFLICT_DEPARTMENT`].
pub const CONFLICT_YEAR: i32 = 2024;
/// The years forms are drawn from.
pub const YEARS: std::ops::RangeInclusive<i32> = 2019..=2026;

// ---------------------------------------------------------------- PRNG

/// splitmix64: tiny, fast, and the same on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for item `index` of a run seeded with `seed`.
    pub fn stream(seed: u64, index: u64) -> Rng {
        let mut mix = Rng(seed ^ index.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng(mix.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0);
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One of `items` (non-empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut x = self.below(weights.iter().sum());
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        unreachable!("x is below the sum of the weights")
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------- manifest

/// What a file of the corpus is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A form as an XLSX workbook.
    FormXlsx,
    /// A form as a DOCX document.
    FormDocx,
    /// A form as tab-separated text (see [`ManifestEntry::encoding`]).
    FormText,
    /// A byte-identical copy of the form at this relative path.
    DuplicateOf(PathBuf),
    /// An Office lock file (`~$name.xlsx`).
    Lock,
    /// A hidden file (`.hidden.txt`) holding a form, to be passed over.
    Hidden,
    /// A file of zero bytes.
    Empty,
    /// A zip header followed by garbage.
    Corrupt,
    /// A real workbook cut short.
    Truncated,
    /// A file that is no form (`readme.pdf`).
    Other,
}

impl EntryKind {
    /// Whether the file is a form jixiao must read (copies included).
    pub fn is_form(&self) -> bool {
        matches!(
            self,
            EntryKind::FormXlsx | EntryKind::FormDocx | EntryKind::FormText
        )
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryKind::FormXlsx => f.write_str("form-xlsx"),
            EntryKind::FormDocx => f.write_str("form-docx"),
            EntryKind::FormText => f.write_str("form-text"),
            EntryKind::DuplicateOf(path) => write!(f, "duplicate-of({})", path.display()),
            EntryKind::Lock => f.write_str("lock"),
            EntryKind::Hidden => f.write_str("hidden"),
            EntryKind::Empty => f.write_str("empty"),
            EntryKind::Corrupt => f.write_str("corrupt"),
            EntryKind::Truncated => f.write_str("truncated"),
            EntryKind::Other => f.write_str("other"),
        }
    }
}

/// One file of the corpus and what jixiao should make of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Relative to the corpus folder, `/`-separated.
    pub path: PathBuf,
    pub kind: EntryKind,
    /// 部门名称 of the form in the file (forms, copies and the hidden form).
    pub department: Option<String>,
    pub year: Option<i32>,
    /// Whether the budget was made not to add up, so `budget.sum_mismatch` must fire.
    pub budget_mismatch: bool,
    /// Number of 年度重点工作任务 rows.
    pub tasks: usize,
    /// Number of indicators (三级指标 rows).
    pub indicators: usize,
    /// Text forms: the encoding jixiao should report (`utf-8`, `gb18030`, `utf-16le`).
    pub encoding: Option<&'static str>,
}

/// Every file [`write_corpus`] wrote, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorpusManifest {
    pub seed: u64,
    pub entries: Vec<ManifestEntry>,
}

impl CorpusManifest {
    /// The original forms (not copies, not hidden).
    pub fn forms(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.entries.iter().filter(|e| e.kind.is_form())
    }

    /// The entries of one kind (compared by their display name's prefix, so
    /// `"duplicate-of"` finds every copy).
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a ManifestEntry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.kind.to_string().starts_with(kind))
    }

    /// The entry at a relative path.
    pub fn get(&self, path: impl AsRef<Path>) -> Option<&ManifestEntry> {
        self.entries.iter().find(|e| e.path == path.as_ref())
    }

    /// Tab-separated, with a header: path, kind, department, year, budget_mismatch,
    /// tasks, indicators, encoding.
    pub fn to_tsv(&self) -> String {
        let mut out = String::from(
            "path\tkind\tdepartment\tyear\tbudget_mismatch\ttasks\tindicators\tencoding\n",
        );
        for e in &self.entries {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                e.path.display(),
                e.kind,
                e.department.as_deref().unwrap_or(""),
                e.year.map(|y| y.to_string()).unwrap_or_default(),
                e.budget_mismatch,
                e.tasks,
                e.indicators,
                e.encoding.unwrap_or(""),
            ));
        }
        out
    }
}

// ---------------------------------------------------------------- forms

/// A file format of a generated form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Docx,
    /// UTF-8 text; `bom` adds the UTF-8 byte-order mark Notepad writes.
    Utf8 {
        bom: bool,
    },
    /// GB18030 with CRLF line ends.
    Gb18030,
    /// UTF-16LE with a BOM.
    Utf16,
}

/// One generated form: its model, where it goes, and what jixiao should read.
#[derive(Clone, Debug)]
pub struct GeneratedForm {
    pub model: FormModel,
    pub department: String,
    pub year: i32,
    pub budget_mismatch: bool,
    pub format: FileFormat,
    /// Relative path, `/`-separated.
    pub path: PathBuf,
}

impl GeneratedForm {
    /// Number of indicators (rows with a 三级指标).
    pub fn indicator_count(&self) -> usize {
        self.model
            .indicators
            .iter()
            .filter(|r| !r.level3.is_empty())
            .count()
    }

    /// The file's bytes.
    pub fn render(&self) -> Result<Vec<u8>> {
        render_as(&self.model, self.format)
    }

    fn entry(&self) -> ManifestEntry {
        ManifestEntry {
            path: self.path.clone(),
            kind: match self.format {
                FileFormat::Xlsx => EntryKind::FormXlsx,
                FileFormat::Docx => EntryKind::FormDocx,
                _ => EntryKind::FormText,
            },
            department: Some(self.department.clone()),
            year: Some(self.year),
            budget_mismatch: self.budget_mismatch,
            tasks: self.model.tasks.len(),
            indicators: self.indicator_count(),
            encoding: match self.format {
                FileFormat::Xlsx | FileFormat::Docx => None,
                FileFormat::Utf8 { .. } => Some("utf-8"),
                FileFormat::Gb18030 => Some("gb18030"),
                FileFormat::Utf16 => Some("utf-16le"),
            },
        }
    }
}

/// `model` in `format`.
pub fn render_as(model: &FormModel, format: FileFormat) -> Result<Vec<u8>> {
    Ok(match format {
        FileFormat::Xlsx => render::xlsx(model)?,
        FileFormat::Docx => render::docx(model)?,
        FileFormat::Utf8 { bom } => {
            let mut bytes = if bom {
                vec![0xEF, 0xBB, 0xBF]
            } else {
                Vec::new()
            };
            bytes.extend(render::tsv(model).into_bytes());
            bytes
        }
        FileFormat::Gb18030 => render::gb18030_crlf(&render::tsv(model))?,
        FileFormat::Utf16 => render::utf16le_bom(&render::tsv(model)),
    })
}

/// Every (department, year) in a seed-determined order, without the extras' conflict.
fn identities(seed: u64) -> Vec<(usize, usize, i32)> {
    let mut all = Vec::new();
    for city in 0..vocab::CITIES.len() {
        for bureau in 0..vocab::BUREAUS.len() {
            for year in YEARS {
                let department = format!("{}{}", vocab::CITIES[city], vocab::BUREAUS[bureau].name);
                if department == CONFLICT_DEPARTMENT && year == CONFLICT_YEAR {
                    continue;
                }
                all.push((city, bureau, year));
            }
        }
    }
    Rng::stream(seed, u64::MAX).shuffle(&mut all);
    all
}

/// What a corpus does once every department and year of [`YEARS`] is taken (after
/// 4,031 forms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Beyond {
    /// Start over: later forms claim a department and year again, so every form of a
    /// large corpus gets `form.duplicate_department` (what `gen-corpus` writes).
    #[default]
    Repeat,
    /// Go back eight years at a time (2011–2018, 2003–2010, …), so that every form keeps
    /// a department and year of its own: a benchmark's 30,000 forms then cost what
    /// 30,000 ordinary forms cost, not what 30,000 conflicting claims do. The first
    /// 4,031 forms are those of [`Beyond::Repeat`], byte for byte.
    EarlierYears,
}

/// The `count` forms of a corpus, without writing anything. Form `i` is XLSX, DOCX or
/// text as `i % 3` is 0, 1 or 2; text forms cycle through UTF-8 (one in four with a
/// BOM), GB18030 and UTF-16. Departments and years are distinct until all 4,031 are
/// used, then repeat.
pub fn corpus_forms(count: usize, seed: u64) -> Vec<GeneratedForm> {
    corpus_forms_beyond(count, seed, Beyond::Repeat)
}

/// [`corpus_forms`], choosing what happens past 4,031 forms.
pub fn corpus_forms_beyond(count: usize, seed: u64, beyond: Beyond) -> Vec<GeneratedForm> {
    let ids = identities(seed);
    let width = count.to_string().len().max(4);
    (0..count)
        .map(|i| {
            let (city, bureau, mut year) = ids[i % ids.len()];
            if beyond == Beyond::EarlierYears {
                let span = YEARS.end() - YEARS.start() + 1;
                year -= span * (i / ids.len()) as i32;
            }
            let format = match (i % 3, (i / 3) % 3) {
                (0, _) => FileFormat::Xlsx,
                (1, _) => FileFormat::Docx,
                (_, 0) => FileFormat::Utf8 {
                    bom: (i / 9) % 4 == 3,
                },
                (_, 1) => FileFormat::Gb18030,
                _ => FileFormat::Utf16,
            };
            let ext = match format {
                FileFormat::Xlsx => "xlsx",
                FileFormat::Docx => "docx",
                // Some clerks save tab-separated text as .tsv.
                _ if (i / 3) % 5 == 4 => "tsv",
                _ => "txt",
            };
            let city_name = vocab::CITIES[city];
            let bureau_name = vocab::BUREAUS[bureau].name;
            let path = PathBuf::from(format!(
                "{city_name}/{year}/{:0width$}-{bureau_name}.{ext}",
                i + 1
            ));
            let mut rng = Rng::stream(seed, i as u64);
            let (model, budget_mismatch) = random_form(&mut rng, city, bureau, year);
            GeneratedForm {
                model,
                department: format!("{city_name}{bureau_name}"),
                year,
                budget_mismatch,
                format,
                path,
            }
        })
        .collect()
}

/// A random form for a department and year; true when its budget does not add up.
pub fn random_form(rng: &mut Rng, city: usize, bureau: usize, year: i32) -> (FormModel, bool) {
    let city_name = vocab::CITIES[city];
    let b = &vocab::BUREAUS[bureau];
    let department = format!("{city_name}{}", b.name);
    let title = format!("{department}{year}年{}", rng.pick(vocab::TITLES));

    // Budget, in cents of 万元.
    let basic = rng.range(30_000, 25_000_000);
    let project = basic * rng.range(5, 60) / 100 + rng.below(100);
    let special = if rng.chance(1, 2) {
        0
    } else {
        rng.range(1, project / 2 + 1)
    };
    let other_development = if rng.chance(2, 5) {
        0
    } else {
        rng.range(1, project / 3 + 1)
    };
    let total = basic + project + special + other_development;
    let other_funds = if rng.chance(1, 2) {
        0
    } else {
        rng.range(1, total / 50 + 1)
    };
    let transfer = if rng.chance(1, 2) {
        0
    } else {
        rng.range(1, total / 10 + 1)
    };
    let mut amounts = [
        basic,
        project,
        total - other_funds,
        other_funds,
        special,
        other_development,
        total - transfer,
        transfer,
    ];
    // Task funds stay within 项目支出 + 事业发展性支出, before any error is made.
    let task_pool = (project + special + other_development) * rng.range(30, 95) / 100;
    let mismatch = rng.chance(1, 5);
    if mismatch {
        // One figure off: a typo, a late change, or the seed's 40.42 of 其他资金.
        let delta = rng.range(1, (total / 20).max(2));
        let which = rng.below(amounts.len() as u64) as usize;
        if matches!(which, 2 | 6) && amounts[which] > delta && rng.chance(1, 2) {
            amounts[which] -= delta;
        } else {
            amounts[which] += delta;
        }
    }
    let [basic, project, fiscal, other_funds, special, other_development, own_level, transfer] =
        amounts.map(cents_text);
    let budget = Budget {
        basic,
        project,
        fiscal,
        other_funds,
        special,
        other_development,
        own_level,
        transfer,
    };

    let short = format!("市{}", b.name);
    let overall_goal = format!(
        "{short}将围绕{}、{}和{}等重点工作，{}。{}",
        b.topics[0],
        b.topics[1],
        b.topics[2],
        rng.pick(vocab::CLAUSES),
        numbered(rng, 2, 5)
    );

    let task_count = rng.range(1, 8) as usize;
    let shares: Vec<u64> = (0..task_count).map(|_| rng.range(1, 10)).collect();
    let share_sum: u64 = shares.iter().sum();
    let round = rng.chance(1, 2);
    let tasks = shares
        .iter()
        .map(|&share| {
            let topic = rng.pick(&b.topics);
            let mut funds = task_pool * share / share_sum;
            if round {
                funds -= funds % 100; // whole 万元
            }
            TaskRow {
                name: rng.pick(vocab::TASK_NAMES).replace("{}", topic),
                content: numbered(rng, 2, 4),
                funds: cents_text(funds),
                goal: numbered(rng, 1, 3),
            }
        })
        .collect();
    let page_break_after_task = if task_count == 1 {
        1
    } else {
        rng.range(1, task_count as u64 - 1) as usize
    };
    let other_tasks = if rng.chance(1, 6) {
        rng.pick(vocab::OTHER_TASKS).to_string()
    } else {
        String::new()
    };
    let indicators = random_indicators(rng, &b.topics, year);
    (
        FormModel {
            title,
            department,
            budget,
            overall_goal,
            tasks,
            page_break_after_task,
            other_tasks,
            indicators,
        },
        mismatch,
    )
}

/// `一是…；二是…。` with `lo..=hi` different clauses.
fn numbered(rng: &mut Rng, lo: u64, hi: u64) -> String {
    const ORDINALS: [&str; 5] = ["一", "二", "三", "四", "五"];
    let mut clauses = vocab::CLAUSES.to_vec();
    rng.shuffle(&mut clauses);
    let n = rng.range(lo, hi) as usize;
    if n == 1 {
        return format!("{}。", clauses[0]);
    }
    let numbered: Vec<String> = clauses[..n]
        .iter()
        .enumerate()
        .map(|(i, clause)| format!("{}是{clause}", ORDINALS[i]))
        .collect();
    format!("{}。", numbered.join("；"))
}

/// The indicator grid: 3–30 indicators drawn by category weight, laid out either like
/// the seed or tidily (see the module docs).
fn random_indicators(rng: &mut Rng, topics: &[&str; 3], year: i32) -> Vec<IndicatorRow> {
    let n = rng.range(3, 30);
    let mut counts = [0usize; 9];
    counts[0] = 1;
    for _ in 1..n {
        counts[rng.weighted(&vocab::CATEGORY_WEIGHTS)] += 1;
    }
    let seed_style = rng.chance(1, 2);
    let output_label = if rng.chance(1, 2) {
        "绩效指标"
    } else {
        "产出指标"
    };
    let groups: [(&str, std::ops::Range<usize>); 3] = [
        (output_label, 0..4),
        ("效益指标", 4..8),
        ("满意度指标", 8..9),
    ];
    let mut rows = Vec::new();
    for (level1, cats) in groups {
        let mut first_in_group = true;
        for cat in cats {
            let k = counts[cat];
            if k == 0 && !seed_style {
                continue;
            }
            // Like the seed: 生态效益指标 and 可持续影响指标 in the level-1 column.
            let slipped = seed_style && (cat == 6 || cat == 7);
            for j in 0..k.max(1) {
                let (mut l1, mut l2) = (String::new(), String::new());
                if j == 0 {
                    if slipped {
                        l1 = vocab::LEVEL2[cat].to_string();
                    } else {
                        if first_in_group {
                            l1 = level1.to_string();
                        }
                        l2 = vocab::LEVEL2[cat].to_string();
                    }
                }
                first_in_group = false;
                let (level3, period, annual) = if k == 0 {
                    Default::default()
                } else {
                    let (name, target) = rng.pick(vocab::INDICATORS[cat]);
                    let topic = rng.pick(topics);
                    let (period, annual) = target_values(rng, *target, topic, year);
                    (name.replace("{}", topic), period, annual)
                };
                rows.push(IndicatorRow {
                    level1: l1,
                    level2: l2,
                    level3,
                    period,
                    annual,
                });
            }
        }
    }
    rows
}

/// (实施周期指标值, 年度指标值): mostly the same text; counts sometimes larger over the
/// period.
fn target_values(rng: &mut Rng, target: Target, topic: &str, year: i32) -> (String, String) {
    let style = rng.below(4);
    let text = |n: u64| -> String {
        match target {
            Target::Count(unit, _, _) => match style {
                0 => format!("≥{n}{unit}"),
                1 => format!("{n}{unit}"),
                2 => format!("不少于{n}{unit}"),
                _ => format!("达到{n}{unit}以上"),
            },
            Target::ChineseCount(unit, _, _) => match style {
                0 | 1 => format!("{}{unit}", vocab::chinese_number(n)),
                _ => format!("不少于{}{unit}", vocab::chinese_number(n)),
            },
            Target::Within(unit, _, _) => match style {
                0 | 1 => format!("≤{n}{unit}"),
                2 => format!("不超过{n}{unit}"),
                _ => format!("{n}{unit}以内"),
            },
            Target::Sentence(unit) => {
                format!("{topic}短视频{n}{unit}，在抖音、快手、视频号等全媒体平台推送")
            }
            _ => unreachable!("only counts scale"),
        }
    };
    let (period, annual) = match target {
        Target::Count(_, lo, hi) | Target::ChineseCount(_, lo, hi) => {
            let n = rng.range(lo, hi);
            let period = if rng.chance(1, 5) {
                n * rng.range(2, 3)
            } else {
                n
            };
            (text(period), text(n))
        }
        Target::Within(_, lo, hi) => {
            let n = rng.range(lo, hi);
            (text(n), text(n))
        }
        Target::Sentence(_) => {
            let n = rng.range(12, 400);
            (text(n), text(n))
        }
        Target::Percent => {
            let p = rng.range(80, 99);
            let v = match rng.below(6) {
                0 | 5 => format!("≥{p}%"),
                1 => format!("{p}%"),
                2 => format!("不低于{p}%"),
                3 => format!("{}%-{p}%", p - rng.range(3, 8)),
                _ => "100%".to_string(),
            };
            (v.clone(), v)
        }
        Target::LowPercent => {
            let v = match rng.below(5) {
                0 => format!("低于0.{}%", rng.range(1, 9)),
                1 => format!("≤{}%", rng.range(1, 10)),
                2 => format!("不高于{}%", rng.range(1, 5)),
                3 => "0%".to_string(),
                _ => format!("<{}%", rng.range(1, 3)),
            };
            (v.clone(), v)
        }
        Target::Score => {
            let v = format!("≥{}", rng.range(85, 98));
            (v.clone(), v)
        }
        Target::Money => {
            let v = match rng.below(3) {
                0 => format!("≤{}万元", rng.range(5, 900)),
                1 => format!("控制在{}万元以内", rng.range(5, 900)),
                _ => format!("≥{}万元", rng.range(5, 5000)),
            };
            (v.clone(), v)
        }
        Target::Deadline => {
            let v = match rng.below(3) {
                0 => format!("{year}年12月31日前"),
                1 => format!("{year}年6月30日前"),
                _ => format!("{year}年9月30日前"),
            };
            (v.clone(), v)
        }
        Target::Text(words) => {
            let v = rng.pick(words).to_string();
            (v.clone(), v)
        }
        Target::Compound => {
            let (a, b) = (rng.range(100, 110), rng.range(105, 120));
            let v = format!("线上考场机位数量≥应考人数的{a}%；线下考场机位数量按照≥应考人数的{b}%");
            (v.clone(), v)
        }
    };
    (period, annual)
}

/// What jixiao should read from `model`, as JSON in the contract's terms: title,
/// department, overall_goal, other_tasks, budget lines (key → raw amount), tasks (name,
/// content, funds raw, goal) and indicators (level1/level2 filled down, with a level-2
/// name in the level-1 column read as level 2; level3; period and annual raw).
pub fn expected_json(model: &FormModel) -> serde_json::Value {
    use serde_json::json;
    let b = &model.budget;
    let mut indicators = Vec::new();
    let (mut level1, mut level2) = (String::new(), String::new());
    for row in &model.indicators {
        if vocab::LEVEL2.contains(&row.level1.as_str()) {
            level2 = row.level1.clone();
        } else if !row.level1.is_empty() {
            level1 = row.level1.clone();
            level2.clear();
        }
        if !row.level2.is_empty() {
            level2 = row.level2.clone();
        }
        if !row.level3.is_empty() {
            indicators.push(json!({
                "level1": level1, "level2": level2, "level3": row.level3,
                "period": row.period, "annual": row.annual,
            }));
        }
    }
    json!({
        "title": model.title,
        "department": model.department,
        "overall_goal": model.overall_goal,
        "other_tasks": (!model.other_tasks.is_empty()).then_some(&model.other_tasks),
        "budget": {
            "basic_expenditure": b.basic, "project_expenditure": b.project,
            "fiscal_appropriation": b.fiscal, "other_funds": b.other_funds,
            "special_fiscal_funds": b.special,
            "other_development_expenditure": b.other_development,
            "own_level_funds": b.own_level, "transfer_to_lower_levels": b.transfer,
        },
        "tasks": model.tasks.iter().map(|t| json!({
            "name": t.name, "content": t.content, "funds": t.funds, "goal": t.goal,
        })).collect::<Vec<_>>(),
        "indicators": indicators,
    })
}

// ---------------------------------------------------------------- writing

/// Writes the corpus (see the module docs) under `dir` and returns what it wrote.
/// Panics on an I/O error, naming the file; use [`try_write_corpus`] to handle it.
pub fn write_corpus(dir: &Path, count: usize, seed: u64, extras: bool) -> CorpusManifest {
    try_write_corpus(dir, count, seed, extras)
        .unwrap_or_else(|e| panic!("writing the corpus under {}: {e:#}", dir.display()))
}

/// [`write_corpus`], returning I/O errors.
pub fn try_write_corpus(
    dir: &Path,
    count: usize,
    seed: u64,
    extras: bool,
) -> Result<CorpusManifest> {
    try_write_corpus_beyond(dir, count, seed, extras, Beyond::Repeat)
}

/// [`try_write_corpus`], choosing what happens past 4,031 forms (see [`Beyond`]).
pub fn try_write_corpus_beyond(
    dir: &Path,
    count: usize,
    seed: u64,
    extras: bool,
    beyond: Beyond,
) -> Result<CorpusManifest> {
    let forms = corpus_forms_beyond(count, seed, beyond);
    let rendered = render_all(&forms)?;
    let mut manifest = CorpusManifest {
        seed,
        entries: Vec::with_capacity(count + 12),
    };
    for (form, bytes) in forms.iter().zip(&rendered) {
        put(dir, &form.path, bytes)?;
        manifest.entries.push(form.entry());
    }
    if extras {
        write_extras(dir, seed, &forms, &rendered, &mut manifest)?;
    }
    Ok(manifest)
}

/// Renders every form, on all cores (each form is independent, so the bytes do not
/// depend on the threads).
fn render_all(forms: &[GeneratedForm]) -> Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    let chunk = forms.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = forms
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|f| {
                            f.render()
                                .with_context(|| format!("rendering {}", f.path.display()))
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(forms.len());
        for handle in handles {
            all.extend(handle.join().expect("a render thread panicked")?);
        }
        Ok(all)
    })
}

fn put(dir: &Path, relative: &Path, bytes: &[u8]) -> Result<()> {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn other_entry(path: &str, kind: EntryKind) -> ManifestEntry {
    ManifestEntry {
        path: PathBuf::from(path),
        kind,
        department: None,
        year: None,
        budget_mismatch: false,
        tasks: 0,
        indicators: 0,
        encoding: None,
    }
}

fn write_extras(
    dir: &Path,
    seed: u64,
    forms: &[GeneratedForm],
    rendered: &[Vec<u8>],
    manifest: &mut CorpusManifest,
) -> Result<()> {
    let mut rng = Rng::stream(seed, u64::MAX - 1);
    let add = |manifest: &mut CorpusManifest, entry: ManifestEntry, bytes: &[u8]| {
        put(dir, &entry.path, bytes)?;
        manifest.entries.push(entry);
        anyhow::Ok(())
    };

    // Copies of the first form of each format, as a backup folder holds them.
    for i in 0..forms.len().min(3) {
        let original = forms[i].entry();
        let name = original.path.file_name().expect("a file name");
        let entry = ManifestEntry {
            path: Path::new("备份").join(name),
            kind: EntryKind::DuplicateOf(original.path.clone()),
            ..original
        };
        add(manifest, entry, &rendered[i])?;
    }

    // Another form for the same lock and hidden files to stand beside.
    let (city, bureau, year) = (
        rng.below(vocab::CITIES.len() as u64) as usize,
        rng.below(vocab::BUREAUS.len() as u64) as usize,
        rng.range(*YEARS.start() as u64, *YEARS.end() as u64) as i32,
    );
    let folder = format!("{}/{year}", vocab::CITIES[city]);
    let (hidden_form, hidden_mismatch) = random_form(&mut rng, city, bureau, year);

    // Excel's owner file: the user name, padded, then again in UTF-16.
    let mut lock = vec![6u8];
    lock.extend(b"jixiao");
    lock.resize(54, b' ');
    lock.extend([6, 0]);
    lock.extend("jixiao".encode_utf16().flat_map(|u| u.to_le_bytes()));
    lock.resize(165, 0);
    add(
        manifest,
        other_entry(
            &format!("{folder}/~$预算绩效目标申报表.xlsx"),
            EntryKind::Lock,
        ),
        &lock,
    )?;
    add(
        manifest,
        ManifestEntry {
            path: PathBuf::from(format!("{folder}/.hidden.txt")),
            kind: EntryKind::Hidden,
            department: Some(hidden_form.department.clone()),
            year: Some(year),
            budget_mismatch: hidden_mismatch,
            tasks: hidden_form.tasks.len(),
            indicators: hidden_form
                .indicators
                .iter()
                .filter(|r| !r.level3.is_empty())
                .count(),
            encoding: Some("utf-8"),
        },
        render::tsv(&hidden_form).as_bytes(),
    )?;
    add(manifest, other_entry("empty.txt", EntryKind::Empty), b"")?;

    let mut broken = b"PK\x03\x04".to_vec();
    broken.extend((0..508).map(|_| rng.next_u64() as u8));
    add(
        manifest,
        other_entry("broken.xlsx", EntryKind::Corrupt),
        &broken,
    )?;

    let workbook = match forms.iter().position(|f| f.format == FileFormat::Xlsx) {
        Some(i) => rendered[i].clone(),
        None => render::xlsx(&hidden_form)?,
    };
    add(
        manifest,
        other_entry("truncated.xlsx", EntryKind::Truncated),
        &workbook[..workbook.len() * 3 / 5],
    )?;
    add(
        manifest,
        other_entry("readme.pdf", EntryKind::Other),
        b"%PDF-1.4\n% jixiao corpus: not a form\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )?;

    // Two different forms claiming the same department and year.
    let bureau = vocab::BUREAUS
        .iter()
        .position(|b| CONFLICT_DEPARTMENT.ends_with(b.name))
        .expect("the conflict department's bureau");
    let city = vocab::CITIES
        .iter()
        .position(|c| CONFLICT_DEPARTMENT.starts_with(c))
        .expect("the conflict department's city");
    // Form a adds up, so that only the claim conflicts.
    let a = loop {
        let (form, mismatch) = random_form(&mut rng, city, bureau, CONFLICT_YEAR);
        if !mismatch {
            break form;
        }
    };
    let mut b = a.clone();
    let extra = rng.range(100, 50_000);
    for amount in [
        &mut b.budget.basic,
        &mut b.budget.fiscal,
        &mut b.budget.own_level,
    ] {
        *amount = cents_text(parse_cents(amount) + extra);
    }
    for (name, form) in [("a", &a), ("b", &b)] {
        let entry = ManifestEntry {
            path: PathBuf::from(format!(
                "conflict/{CONFLICT_DEPARTMENT}-{CONFLICT_YEAR}-{name}.xlsx"
            )),
            kind: EntryKind::FormXlsx,
            department: Some(CONFLICT_DEPARTMENT.to_string()),
            year: Some(CONFLICT_YEAR),
            budget_mismatch: false,
            tasks: form.tasks.len(),
            indicators: form
                .indicators
                .iter()
                .filter(|r| !r.level3.is_empty())
                .count(),
            encoding: None,
        };
        add(manifest, entry, &render::xlsx(form)?)?;
    }
    Ok(())
}

/// `153,069.97` → 15306997.
fn parse_cents(text: &str) -> u64 {
    text.replace([',', '.'], "")
        .parse()
        .expect("an amount written by cents_text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        let render = |seed| -> Vec<Vec<u8>> {
            corpus_forms(6, seed)
                .iter()
                .map(|f| f.render().unwrap())
                .collect()
        };
        assert_eq!(render(3), render(3));
        assert_ne!(render(3), render(4));
    }

    #[test]
    fn formats_come_in_thirds_and_budgets_add_up_unless_marked() {
        let forms = corpus_forms(90, 11);
        let xlsx = forms
            .iter()
            .filter(|f| f.format == FileFormat::Xlsx)
            .count();
        assert_eq!(xlsx, 30);
        for form in &forms {
            let b = &form.model.budget;
            let c = |t: &String| parse_cents(t);
            let income = c(&b.fiscal) + c(&b.other_funds);
            let by_level = c(&b.own_level) + c(&b.transfer);
            let spent = c(&b.basic) + c(&b.project) + c(&b.special) + c(&b.other_development);
            let adds_up = income == by_level && by_level == spent;
            assert_eq!(adds_up, !form.budget_mismatch, "{}", form.path.display());
            assert!((1..=8).contains(&form.model.tasks.len()));
            assert!((3..=30).contains(&form.indicator_count()));
        }
    }
}
