//! The value reader: comparators, numbers with units, ranges, dates and compound cells.
//!
//! One left-to-right pass over the cell finds *atoms*: a number (or date) with the unit,
//! multiplier and suffix written after it, a second bound when a range connector follows,
//! and the comparator, baseline word or ordinal written before it. Separators (`；` `，`
//! `、` 且 和…) are noted on the way. Then the atoms that are targets decide the kind:
//! none → `text`; one → `quantity`/`range`/`date` with the whole cell as raw; a `≥a 且 ≤b`
//! pair → `range`; more → `compound`, each part cut at the strongest separator between
//! two targets.
//!
//! A plain number (no unit, comparator or percent) or a year alone is a target only when
//! the cell holds nothing else, so `12348热线` and `2024年完成100件` do not mislead. A
//! number after a baseline (较上年, 同比) or directly after a change verb (增长10%) is a
//! change, not a level, and reads as text. Numbers in 《》 are titles; numbers in brackets
//! are notes, dropped when the cell has a target outside them.
//!
//! The scan allocates nothing; only the returned [`Value`] does.

use std::borrow::Cow;

use super::date::Date;
use super::lexicon::{Word, DATE_SUFFIXES, QUALITATIVE, SUFFIXES, WORDS};
use super::number::{
    digit_at, is_cn_numeral, is_cn_start, scan_arabic, scan_chinese, skip_ws, GroupTail, Num,
};
use super::tables;
use super::units::{is_cjk, match_unit, unit_as_written, unit_kind};
use super::ValueContext;
use crate::document::{Op, Scalar, UnitKind, Value, ValueKind};

const MAX_ATOMS: usize = 16;
const MAX_SEPS: usize = 24;

/// Where an atom's unit is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum UnitRef {
    None,
    /// As written, at these byte offsets, with the table's spelling when it is one
    /// table unit (for the value to borrow).
    Span(usize, usize, Option<&'static str>),
    /// 百分之…
    Percent,
    /// 千分之…
    Permille,
}

#[derive(Clone, Copy, Debug)]
enum Payload {
    Num(f64),
    Range(f64, f64),
    Date(Date),
    Dates(Date, Date),
}

#[derive(Clone, Copy, Debug)]
struct Atom {
    /// First byte, including a comparator written before it.
    start: usize,
    end: usize,
    payload: Payload,
    op: Option<Op>,
    unit: UnitRef,
    kind: Option<UnitKind>,
    /// A plain number or a year alone: a target only when the cell holds nothing else.
    plain: bool,
    relative: bool,
    unclear: bool,
    bracket: bool,
    title: bool,
    ordinal: bool,
}

const EMPTY_ATOM: Atom = Atom {
    start: 0,
    end: 0,
    payload: Payload::Num(0.0),
    op: None,
    unit: UnitRef::None,
    kind: None,
    plain: false,
    relative: false,
    unclear: false,
    bracket: false,
    title: false,
    ordinal: false,
};

/// The scanner's empty atom list: a constant, copied in one piece, where an array
/// expression was built on the stack and then copied again.
const NO_ATOMS: [Atom; MAX_ATOMS] = [EMPTY_ATOM; MAX_ATOMS];

/// One side of an atom: a number with what is written after it, or a date.
#[derive(Clone, Copy, Debug)]
struct Operand {
    end: usize,
    val: OVal,
    unit: UnitRef,
    kind: Option<UnitKind>,
    /// 多/余 was written: "more than".
    more: bool,
    suffix: Option<Op>,
    unclear: bool,
    /// A whole number 1900..=2100 written with four digits and nothing after it.
    year_like: bool,
    /// One Chinese numeral character (一, 三): a number only where a word cannot be.
    cn_single: bool,
}

impl Operand {
    /// An operand ending at `end` with nothing but its value: no unit, mark or doubt.
    fn plain(end: usize, val: OVal) -> Self {
        Operand {
            end,
            val,
            unit: UnitRef::None,
            kind: None,
            more: false,
            suffix: None,
            unclear: false,
            year_like: false,
            cn_single: false,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum OVal {
    /// The number, its sign, the power of ten of a multiplier after it, and what a
    /// second group adds (the 5千 of 2万5千).
    Num {
        num: Num,
        neg: bool,
        pow: i32,
        add: f64,
    },
    /// A date; `strong` when more than a year alone, or with a deadline word.
    Date { date: Date, strong: bool },
    /// A month range inside one year (2024年1-6月).
    Dates(Date, Date),
}

impl OVal {
    fn number(&self, pow: Option<i32>) -> f64 {
        match *self {
            OVal::Num {
                num,
                neg,
                pow: p,
                add,
            } => {
                let v = num.scaled(pow.unwrap_or(p)) + add;
                if neg {
                    -v
                } else {
                    v
                }
            }
            _ => 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    op: Option<Op>,
    start: usize,
    end: usize,
    adjacent: bool,
}

/// Reads one indicator value the way officials write it: see the module docs and
/// CONTRACT.md "Value". Never panics; `raw` is the input exactly; deterministic.
///
/// ```
/// use jixiao::normalize::{parse_value, ValueContext};
/// let v = parse_value("≥3000件", &ValueContext::default());
/// assert_eq!(
///     serde_json::to_string(&v).unwrap(),
///     r#"{"raw":"≥3000件","kind":"quantity","op":">=","value":3000,"low":null,"high":null,"unit":"件","unit_kind":"count"}"#
/// );
/// ```
pub fn parse_value(raw: &str, ctx: &ValueContext) -> Value {
    if raw.len() > 64 * 1024 {
        return Value::text(raw);
    }
    let t = raw.trim_matches(|c: char| c.is_whitespace());
    if !may_hold_target(t) || QUALITATIVE.get(t).is_some() {
        return Value::text(raw);
    }
    let mut sc = Scanner::new(raw, ctx);
    sc.run();
    sc.finish()
}

/// Can the cell hold a target at all? Every atom the scanner reads starts at a digit, a
/// Chinese numeral (百分之 too) or the 年 of 年底, so a cell with none of them reads as
/// text; most qualitative cells (全面落实, 按计划推进) are answered here without a scan.
fn may_hold_target(t: &str) -> bool {
    t.chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '０'..='９' | '年') || is_cn_numeral(c))
}

struct Scanner<'a> {
    s: &'a str,
    ctx: &'a ValueContext<'a>,
    atoms: [Atom; MAX_ATOMS],
    n: usize,
    overflow: bool,
    seps: [(usize, usize, u8); MAX_SEPS],
    ns: usize,
    /// Characters that are neither targets, comparators, separators nor brackets.
    words: u32,
    /// End of the last character that was not whitespace.
    last_end: usize,
    /// End of the last character counted in `words`.
    last_word_end: usize,
    pending: Option<Pending>,
    relative: bool,
    change_end: Option<usize>,
    ordinal_end: Option<usize>,
    /// A `×` was written after a number: the next number is a factor (7×24小时).
    product: bool,
    bracket: u32,
    title: u32,
}

/// What can come right after a connector to make a range.
fn connector_at(s: &str, i: usize) -> Option<usize> {
    let c = s[i..].chars().next()?;
    match c {
        '-' | '－' | '–' | '~' | '～' | '〜' | '至' | '到' | '−' => Some(c.len_utf8()),
        '—' => Some(if s[i + 3..].starts_with('—') { 6 } else { 3 }),
        _ => None,
    }
}

/// 多/余 at `i`.
fn more_at(s: &str, i: usize) -> Option<usize> {
    tables::MORE_WORDS
        .iter()
        .find(|w| s[i..].starts_with(*w))
        .map(|w| w.len())
}

/// A 万/亿/千 multiplier at `i`: (byte length, power of ten).
fn multiplier_at(s: &str, i: usize) -> Option<(usize, i32)> {
    tables::MULTIPLIERS
        .iter()
        .find(|(w, _)| s[i..].starts_with(w))
        .map(|&(w, p)| (w.len(), p))
}

/// Is the text at `i` the end of a word-like run (so 一次 is a count but 一次性 is not)?
fn boundary_at(s: &str, i: usize) -> bool {
    match s[i..].chars().next() {
        None => true,
        Some(c) => {
            if is_cjk(c) {
                matches!(WORDS.longest_with(s, i, c), Some((_, Word::Sep(_))))
                    || SUFFIXES.longest(s, i).is_some()
            } else {
                !c.is_alphanumeric()
            }
        }
    }
}

/// A number 1..=max at `i`, Arabic or Chinese, followed by one of `after`:
/// (value, byte offset after the `after` character).
fn small_num_then(s: &str, i: usize, max: u64, after: &[char]) -> Option<(u64, usize)> {
    let n = match scan_arabic(s, i) {
        Some(n) => n,
        None => scan_chinese(s, i, false, GroupTail::Keep)?,
    };
    if n.end != n.int_end || n.sep {
        return None;
    }
    let v = n.int()?;
    if !(1..=max).contains(&v) {
        return None;
    }
    let c = s[n.end..].chars().next()?;
    after.contains(&c).then(|| (v, n.end + c.len_utf8()))
}

/// The integer part of a number (`2024` of `2024.07`).
fn int_part(n: &Num) -> Option<u64> {
    if n.extra != 0 {
        return None;
    }
    Some(n.mant / 10u64.checked_pow(n.scale)?)
}

fn trim_part(t: &str) -> &str {
    t.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '；' | ';' | '，' | ',' | '、' | '。')
    })
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str, ctx: &'a ValueContext<'a>) -> Self {
        Scanner {
            s,
            ctx,
            atoms: NO_ATOMS,
            n: 0,
            overflow: false,
            seps: [(0, 0, 0); MAX_SEPS],
            ns: 0,
            words: 0,
            last_end: 0,
            last_word_end: usize::MAX,
            pending: None,
            relative: false,
            change_end: None,
            ordinal_end: None,
            product: false,
            bracket: 0,
            title: 0,
        }
    }

    fn sep(&mut self, start: usize, end: usize, strength: u8) {
        if self.ns < MAX_SEPS {
            self.seps[self.ns] = (start, end, strength);
            self.ns += 1;
        }
        if strength >= 3 {
            self.pending = None;
            self.relative = false;
        }
        self.last_end = end;
    }

    fn word(&mut self, end: usize) {
        self.words += 1;
        self.last_word_end = end;
        self.last_end = end;
    }

    fn run(&mut self) {
        let s = self.s;
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c0 = b[i];
            if c0 < 0x80 {
                match c0 {
                    b'0'..=b'9' => {
                        i = self.atom(i, i, false);
                        continue;
                    }
                    b'-' | b'+' if digit_at(s, i + 1).is_some() && !self.after_atom() => {
                        i = self.atom(i, i + 1, c0 == b'-');
                        continue;
                    }
                    b'>' | b'<' | b'=' => {
                        let (op, l) = self.sign(i, c0 as char);
                        self.set_pending(Some(op), i, i + l, false);
                        i += l;
                        continue;
                    }
                    b';' => self.sep(i, i + 1, 4),
                    b',' => self.sep(i, i + 1, 3),
                    b'\n' => self.sep(i, i + 1, 5),
                    b'(' | b'[' => {
                        self.bracket += 1;
                        self.last_end = i + 1;
                    }
                    b')' | b']' => {
                        self.bracket = self.bracket.saturating_sub(1);
                        self.last_end = i + 1;
                    }
                    b' ' | b'\t' | b'\r' => {}
                    b'-' | b'~' => self.sep(i, i + 1, 1),
                    b'.' | b'!' | b'?' | b'\'' | b'"' => self.last_end = i + 1,
                    b'*' | b'x' | b'X' if self.after_atom() && digit_at(s, i + 1).is_some() => {
                        self.times(i + 1)
                    }
                    _ => self.word(i + 1),
                }
                i += 1;
                continue;
            }
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            let l = c.len_utf8();
            match c {
                '０'..='９' => {
                    i = self.atom(i, i, false);
                    continue;
                }
                '－' | '−' | '＋' if digit_at(s, i + l).is_some() && !self.after_atom() => {
                    i = self.atom(i, i + l, c != '＋');
                    continue;
                }
                '≥' | '≧' | '⩾' | '≮' | '≤' | '≦' | '⩽' | '≯' | '＞' | '＜' | '＝' =>
                {
                    let (op, l2) = self.sign(i, c);
                    self.set_pending(Some(op), i, i + l2, false);
                    i += l2;
                    continue;
                }
                '；' | '。' => self.sep(i, i + l, 4),
                '，' => self.sep(i, i + l, 3),
                '、' => self.sep(i, i + l, 2),
                '（' | '【' | '〔' | '［' | '｛' => {
                    self.bracket += 1;
                    self.last_end = i + l;
                }
                '）' | '】' | '〕' | '］' | '｝' => {
                    self.bracket = self.bracket.saturating_sub(1);
                    self.last_end = i + l;
                }
                '《' | '〈' => {
                    self.title += 1;
                    self.last_end = i + l;
                }
                '》' | '〉' => {
                    self.title = self.title.saturating_sub(1);
                    self.last_end = i + l;
                }
                '\u{3000}' | '\u{a0}' => {}
                '—' | '－' | '～' | '〜' => self.sep(i, i + l, 1),
                '×' | '＊' if self.after_atom() => self.times(i + l),
                '“' | '”' | '‘' | '’' | '：' | '！' | '？' | '…' | '·' => {
                    self.last_end = i + l
                }
                _ => {
                    if is_cn_start(c)
                        || (c == '百' && s[i..].starts_with("百分之"))
                        || (c == '千' && s[i..].starts_with("千分之"))
                    {
                        let e = self.atom(i, i, false);
                        if e > i {
                            i = e;
                            continue;
                        }
                    }
                    if c == '年' {
                        if let Some(e) = self.year_end_word(i) {
                            i = e;
                            continue;
                        }
                    }
                    if let Some((wl, w)) = WORDS.longest_with(s, i, c) {
                        self.on_word(i, i + wl, w);
                        i += wl;
                        continue;
                    }
                    if c == '较' {
                        let next = s[i + l..].chars().next();
                        if next.is_some_and(|n| {
                            n.is_ascii_digit() || matches!(n, '上' | '去' | '前' | '同' | '基')
                        }) {
                            self.relative = true;
                        }
                    }
                    self.word(i + l);
                }
            }
            i += l;
        }
    }

    /// A multiplication sign after a number: both factors are no target on their own.
    fn times(&mut self, end: usize) {
        if self.n > 0 {
            self.atoms[self.n - 1].unclear = true;
        }
        self.product = true;
        self.word(end);
    }

    /// Is position `i` right after an atom (only whitespace between)?
    fn after_atom(&self) -> bool {
        self.n > 0 && self.atoms[self.n - 1].end == self.last_end
    }

    /// A comparator sign at `i`, with `=` pairing (`>=`, `＞＝`, `=>`, `≥=`).
    fn sign(&self, i: usize, c: char) -> (Op, usize) {
        sign_at(self.s, i, c)
    }

    fn set_pending(&mut self, op: Option<Op>, start: usize, end: usize, adjacent: bool) {
        self.pending = Some(Pending {
            op,
            start,
            end,
            adjacent,
        });
        self.last_end = end;
    }

    fn on_word(&mut self, i: usize, end: usize, w: Word) {
        match w {
            Word::Cmp { op, adjacent } => self.set_pending(op, i, end, adjacent),
            Word::Relative => {
                self.relative = true;
                self.word_ends_at(end);
            }
            Word::Change => {
                self.change_end = Some(end);
                self.word_ends_at(end);
            }
            Word::Sep(st) => {
                self.words += 1;
                self.sep(i, end, st);
                self.last_word_end = end;
            }
            Word::Ordinal => {
                self.ordinal_end = Some(end);
                self.word_ends_at(end);
            }
        }
    }

    /// Counts a word that ends at byte `end` as the last thing read.
    fn word_ends_at(&mut self, end: usize) {
        self.words += 1;
        self.last_word_end = end;
        self.last_end = end;
    }

    /// 年底/年末/年内 written without a number: the form's year.
    fn year_end_word(&mut self, i: usize) -> Option<usize> {
        let s = self.s;
        let rest = &s[i + 3..];
        if !(rest.starts_with('底')
            || rest.starts_with('末')
            || rest.starts_with('内')
            || rest.starts_with('终'))
        {
            return None;
        }
        if let Some(prev) = s[..i].chars().next_back() {
            if is_cjk(prev)
                && !matches!(prev, '本' | '今' | '当' | '于' | '在' | '至' | '到' | '止')
            {
                return None;
            }
            if prev.is_alphanumeric() && !is_cjk(prev) {
                return None;
            }
        }
        let mut p = i + 6;
        let inner = rest.starts_with('内');
        let mut op = if inner { Op::Le } else { Op::Eq };
        if !inner {
            if let Some((l, o)) = DATE_SUFFIXES.longest(s, p) {
                op = o;
                p += l;
            }
        }
        let (payload, unclear) = match self.ctx.year {
            Some(y) => (Payload::Date(Date { y, m: 12, d: 31 }), false),
            None => (Payload::Date(Date::default()), true),
        };
        let mut a = EMPTY_ATOM;
        a.start = i;
        a.end = p;
        a.payload = payload;
        a.op = Some(op);
        a.unclear = unclear;
        self.attach_and_push(a, i, i);
        Some(p)
    }

    /// Reads an atom whose number starts at `num_start` (`start` is the sign, if any).
    /// Returns where scanning goes on; `start` itself when nothing was read there.
    fn atom(&mut self, start: usize, num_start: usize, neg: bool) -> usize {
        let s = self.s;
        let Some(a) = self.operand(num_start, neg, None) else {
            return self.not_a_number(start);
        };
        let mut range = None;
        if a.suffix.is_none() && !a.more && !a.unclear {
            range = self.range_after(&a);
        }
        // One Chinese numeral character is a number only standing alone (三次, 三至五次,
        // 不低于五), not inside a word (统一, 一次性, 四个出新).
        if a.cn_single {
            let (end, unit) = match &range {
                Some((_, hi, e)) => (*e, hi.unit),
                None => (a.end, a.unit),
            };
            let word_before = self.last_word_end == start;
            let alone = boundary_at(s, end) && (unit != UnitRef::None || !word_before);
            if !alone {
                return self.not_a_number(start);
            }
        }
        let mut atom = EMPTY_ATOM;
        atom.start = start;
        atom.unclear = a.unclear;
        let mut end = a.end;
        match range {
            Some((lo, hi, e)) => {
                end = e;
                match (lo.val, hi.val) {
                    (OVal::Date { date: d1, .. }, OVal::Date { date: d2, .. }) => {
                        atom.payload = Payload::Dates(d1, d2);
                    }
                    _ => {
                        let pow = match (lo.val, hi.val) {
                            // 1-2万人: the low bound takes the multiplier unless it is
                            // already larger (1000-2万).
                            (
                                OVal::Num {
                                    pow: 0, num: na, ..
                                },
                                OVal::Num { pow, num: nb, .. },
                            ) if na.value() <= nb.value() => pow,
                            (OVal::Num { pow: 0, .. }, _) => 0,
                            (OVal::Num { pow, .. }, _) => pow,
                            _ => 0,
                        };
                        let (x, y) = (lo.val.number(Some(pow)), hi.val.number(None));
                        atom.payload = Payload::Range(x.min(y), x.max(y));
                        let (u, k) = if lo.unit != UnitRef::None {
                            (lo.unit, lo.kind)
                        } else {
                            (hi.unit, hi.kind)
                        };
                        atom.unit = u;
                        atom.kind = k;
                        atom.plain = u == UnitRef::None;
                    }
                }
                atom.unclear = hi.unclear;
                // 之间 after a range says nothing more.
                let q = skip_ws(s, end);
                if s[q..].starts_with("之间") {
                    end = q + 6;
                }
            }
            None => match a.val {
                OVal::Num { .. } => {
                    atom.payload = Payload::Num(a.val.number(None));
                    atom.unit = a.unit;
                    atom.kind = a.kind;
                    atom.op = a.suffix.or(if a.more { Some(Op::Gt) } else { None });
                    atom.plain = a.unit == UnitRef::None && atom.op.is_none();
                }
                OVal::Date { date, strong } => {
                    atom.payload = Payload::Date(date);
                    atom.op = a.suffix;
                    atom.plain = !strong && a.suffix.is_none();
                }
                OVal::Dates(d1, d2) => atom.payload = Payload::Dates(d1, d2),
            },
        }
        atom.end = end;
        self.attach_and_push(atom, start, num_start);
        end
    }

    /// A character that looked like a number start but is not one: count it as text,
    /// with the rest of a run of Chinese numerals (三五天 is "a few days", not 5 天).
    fn not_a_number(&mut self, i: usize) -> usize {
        let mut e = i;
        for (k, c) in self.s[i..].char_indices() {
            if k > 0 && !is_cn_numeral(c) {
                break;
            }
            e = i + k + c.len_utf8();
            if !is_cn_numeral(c) {
                break;
            }
        }
        self.word(e);
        e
    }

    /// Attaches what was written before the atom (comparator, baseline, ordinal) and
    /// records it.
    fn attach_and_push(&mut self, mut a: Atom, start: usize, _num_start: usize) {
        let adjacent_here = self.last_end;
        // A year inside a phrase (不低于2023年水平) is no target and leaves the comparator
        // and baseline for the number that follows.
        let year_in_phrase = matches!(a.payload, Payload::Date(d) if d.m == 0)
            && a.plain
            && !boundary_at(self.s, a.end);
        if self.product {
            a.unclear = true;
            self.product = false;
        }
        if let Some(p) = self.pending.filter(|_| !year_in_phrase) {
            if !p.adjacent || p.end == adjacent_here {
                match p.op {
                    Some(op) => {
                        let suffix = a.op;
                        a.op = match (suffix, op) {
                            // A weak = yields to a suffix (为95%以上); otherwise the prefix rules.
                            (Some(sx), Op::Eq)
                                if matches!(a.payload, Payload::Num(_) | Payload::Date(_)) =>
                            {
                                Some(sx)
                            }
                            _ => Some(op),
                        };
                        if matches!(a.payload, Payload::Range(..) | Payload::Dates(..)) {
                            // A comparator before a range (在90%-95%之间) adds nothing.
                            a.op = None;
                        }
                    }
                    None => a.unclear = true,
                }
                a.plain = false;
                a.start = p.start;
                self.pending = None;
            }
        }
        if matches!(a.payload, Payload::Range(..) | Payload::Dates(..)) {
            a.op = None;
        }
        if self.relative && !year_in_phrase {
            a.relative = true;
            self.relative = false;
        }
        if self.change_end == Some(adjacent_here) {
            a.relative = true;
        }
        self.change_end = None;
        if self.ordinal_end == Some(adjacent_here) {
            a.ordinal = true;
        }
        self.ordinal_end = None;
        a.bracket = self.bracket > 0;
        a.title = self.title > 0;
        let _ = start;
        if self.n < MAX_ATOMS {
            self.atoms[self.n] = a;
            self.n += 1;
        } else {
            self.overflow = true;
        }
        self.last_end = a.end;
    }

    /// A range connector and a second bound after `a`: (low, high, end).
    fn range_after(&self, a: &Operand) -> Option<(Operand, Operand, usize)> {
        let s = self.s;
        let q = skip_ws(s, a.end);
        let cl = connector_at(s, q)?;
        let r = skip_ws(s, q + cl);
        let mut b = self.operand(r, false, Some(a))?;
        if b.cn_single && b.unit == UnitRef::None && !boundary_at(s, b.end) {
            return None;
        }
        let mut lo = *a;
        match (a.val, b.val) {
            (OVal::Date { .. }, OVal::Date { .. }) => {}
            // 2024-2026: two years.
            (OVal::Num { .. }, OVal::Num { .. })
                if a.year_like && b.year_like && b.suffix.is_none() =>
            {
                let (y1, y2) = (a.val.number(None) as i32, b.val.number(None) as i32);
                lo.val = OVal::Date {
                    date: Date { y: y1, m: 0, d: 0 },
                    strong: true,
                };
                b.val = OVal::Date {
                    date: Date { y: y2, m: 0, d: 0 },
                    strong: true,
                };
            }
            (OVal::Num { .. }, OVal::Date { date, .. })
                if a.year_like && date.m == 0 && b.suffix.is_none() =>
            {
                let y = a.val.number(None) as i32;
                lo.val = OVal::Date {
                    date: Date { y, m: 0, d: 0 },
                    strong: true,
                };
            }
            (
                OVal::Num {
                    num, pow: 0, add, ..
                },
                OVal::Date { date, .. },
            ) if a.unit == UnitRef::None
                && add == 0.0
                && date.m != 0
                && date.d == 0
                && b.suffix.is_none()
                && num.int().is_some_and(|m| (1..=12).contains(&m)) =>
            {
                // 1-12月, 3至6月: months of the (form's) year.
                let m = num.int().unwrap_or(1) as u8;
                lo.val = OVal::Date {
                    date: Date { y: date.y, m, d: 0 },
                    strong: true,
                };
            }
            (OVal::Num { pow: pa, .. }, OVal::Num { .. }) => {
                let (ua, ub) = (self.unit_text(a.unit), self.unit_text(b.unit));
                // 100万-200万元: the low bound's 万 belongs to the currency unit too.
                if pa != 0 && ua.is_none() && b.kind == Some(UnitKind::Currency) {
                    let prefix =
                        ub.and_then(|u| tables::MULTIPLIERS.iter().find(|(w, _)| u.starts_with(w)));
                    if prefix.is_some_and(|&(_, p)| p == pa) {
                        if let OVal::Num { num, neg, add, .. } = a.val {
                            lo.val = OVal::Num {
                                num,
                                neg,
                                pow: 0,
                                add,
                            };
                        }
                    }
                }

                match (ua, ub) {
                    (Some(x), Some(y)) if !same_unit(x, y) => return None,
                    (None, Some(_)) => {
                        lo.unit = b.unit;
                        lo.kind = b.kind;
                    }
                    (Some(_), None) => {
                        b.unit = a.unit;
                        b.kind = a.kind;
                    }
                    _ => {}
                }
                if b.suffix.is_some() || b.more {
                    // 3-5次以上: not a clean range.
                    return None;
                }
            }
            _ => return None,
        }
        Some((lo, b, b.end))
    }

    fn unit_text(&self, u: UnitRef) -> Option<&'a str> {
        match u {
            UnitRef::None => None,
            UnitRef::Span(a, b, _) => Some(&self.s[a..b]),
            UnitRef::Percent => Some("%"),
            UnitRef::Permille => Some("‰"),
        }
    }

    /// One number or date at `i`, with its multiplier, unit and suffix.
    /// `range_of`: the low bound when this is the high bound of a range.
    fn operand(&self, i: usize, neg: bool, range_of: Option<&Operand>) -> Option<Operand> {
        let s = self.s;
        let mut p = i;
        let pct = if s[p..].starts_with("百分之") {
            UnitRef::Percent
        } else if s[p..].starts_with("千分之") {
            UnitRef::Permille
        } else {
            UnitRef::None
        };
        if pct != UnitRef::None {
            p += "百分之".len();
        }
        let num = match scan_arabic(s, p) {
            Some(n) => n,
            None => {
                let c = s[p..].chars().next()?;
                if !(is_cn_start(c) || (pct != UnitRef::None && is_cn_numeral(c))) {
                    return None;
                }
                scan_chinese(s, p, pct != UnitRef::None, GroupTail::BeforeCurrency)?
            }
        };
        let cn_single = num.chinese && num.chars == 1 && num.scale == 0;
        let num_val = OVal::Num {
            num,
            neg,
            pow: 0,
            add: 0.0,
        };
        let mut op = Operand {
            cn_single: cn_single && pct == UnitRef::None,
            ..Operand::plain(num.end, num_val)
        };
        if pct != UnitRef::None {
            op.unit = pct;
            op.kind = Some(UnitKind::Percent);
            op.cn_single = false;
            self.suffix(&mut op);
            return Some(op);
        }
        if !neg {
            if let Some(d) = self.date_operand(&num, range_of) {
                return Some(d);
            }
        }
        let mut q = skip_ws(s, num.end);
        if let Some(l) = more_at(s, q) {
            op.more = true;
            q += l;
        }
        if let Some(m) = match_unit(s, q) {
            op.unit = UnitRef::Span(q, m.end, m.spelling);
            op.kind = Some(m.kind);
            op.end = m.end;
        } else if let Some((ml, pow)) = multiplier_at(s, q) {
            let mut r = q + ml;
            let mut add = 0.0;
            // 2万5千: a second, smaller group.
            if pow == 4 {
                if let Some(n2) = scan_arabic(s, r) {
                    let small = if s[n2.end..].starts_with('千') {
                        3
                    } else if s[n2.end..].starts_with('百') {
                        2
                    } else {
                        0
                    };
                    if small > 0 && n2.end == n2.int_end && !n2.sep && n2.int_digits == 1 {
                        add = n2.scaled(small);
                        r = n2.end + 3;
                    }
                }
            }
            if let Some(l) = more_at(s, r) {
                op.more = true;
                r += l;
            }
            op.val = OVal::Num { num, neg, pow, add };
            op.end = r;
            if let Some(m) = match_unit(s, r) {
                op.unit = UnitRef::Span(r, m.end, m.spelling);
                op.kind = Some(m.kind);
                op.end = m.end;
            }
            op.cn_single = false;
        } else if op.more {
            op.end = q;
        } else if let Some(c) = s[q..].chars().next() {
            // A measure word not in the table, standing at the end of the cell or clause
            // (50床, 3艘): kept as written, family `other`.
            let l = c.len_utf8();
            if is_cjk(c)
                && !is_cn_numeral(c)
                && !WORDS.may_start(c)
                && SUFFIXES.longest(s, q).is_none()
                && c != '年'
                && c != '月'
                && self.clause_ends(q + l)
                && !num.chinese
            {
                op.unit = UnitRef::Span(q, q + l, None);
                op.kind = Some(UnitKind::Other);
                op.end = q + l;
            }
        }
        if let UnitRef::Span(a, b, _) = op.unit {
            // 10日前 without a month: a day of some month, not a quantity.
            if matches!(&s[a..b], "日" | "号") && s[b..].starts_with('前') {
                op.unclear = true;
            }
        }
        if op.unit == UnitRef::None && matches!(op.val, OVal::Num { pow: 0, .. }) {
            op.year_like = !num.chinese
                && num.int_digits == 4
                && !num.sep
                && num.int().is_some_and(|y| (1900..=2100).contains(&y));
        }
        self.suffix(&mut op);
        Some(op)
    }

    /// Is the text from `i` only punctuation/space up to the end or a separator?
    fn clause_ends(&self, i: usize) -> bool {
        for c in self.s[i..].chars() {
            match c {
                '；' | ';' | '，' | ',' | '、' | '。' | '\n' | '）' | ')' => return true,
                c if c.is_whitespace() || c == '\u{3000}' => continue,
                _ => return false,
            }
        }
        true
    }

    /// 以上/以内/左右… after an operand, and a following （含）.
    fn suffix(&self, op: &mut Operand) {
        let s = self.s;
        let mut q = skip_ws(s, op.end);
        // 95%（含）以上
        for w in ["（含）", "(含)"] {
            if s[q..].starts_with(w) && SUFFIXES.longest(s, q + w.len()).is_some() {
                q += w.len();
            }
        }
        if let Some((l, o)) = SUFFIXES.longest(s, q) {
            op.suffix = Some(o);
            op.end = q + l;
            let r = &s[op.end..];
            for w in ["（含）", "(含)", "（含本数）", "(含本数)"] {
                if r.starts_with(w) {
                    op.end += w.len();
                    break;
                }
            }
        }
    }

    /// A date starting with `num`: 2024年12月31日, 2024.07, 2024-12-31, 12月底前.
    fn date_operand(&self, num: &Num, range_of: Option<&Operand>) -> Option<Operand> {
        let s = self.s;
        let y_int = int_part(num)?;
        let four = if num.chinese {
            num.chars == 4
        } else {
            num.int_digits == 4 && !num.sep
        };
        let mut date = Date::default();
        let mut strong;
        let mut p;
        let mut unclear = false;
        if four && (1900..=2100).contains(&y_int) {
            date.y = y_int as i32;
            let rest = &s[num.int_end..];
            if rest.starts_with('年') {
                p = num.int_end + 3;
                if s[p..].starts_with('度') {
                    p += 3;
                }
                strong = false;
                if let Some((m, e)) = small_num_then(s, p, 12, &['月']) {
                    date.m = m as u8;
                    strong = true;
                    p = e;
                    p = self.day_part(&mut date, p);
                } else if let Some((m1, e1)) =
                    small_num_then(s, p, 12, &['-', '－', '~', '～', '至', '到', '—'])
                {
                    // 2024年1-6月
                    if let Some((m2, e2)) = small_num_then(s, e1, 12, &['月']) {
                        let d1 = Date {
                            y: date.y,
                            m: m1 as u8,
                            d: 0,
                        };
                        let d2 = Date {
                            y: date.y,
                            m: m2 as u8,
                            d: 0,
                        };
                        return Some(Operand::plain(e2, OVal::Dates(d1, d2)));
                    }
                } else if s[p..].starts_with('底')
                    || s[p..].starts_with('末')
                    || s[p..].starts_with('终')
                {
                    date = date.end_of_period();
                    strong = true;
                    p += 3;
                } else if s[p..].starts_with("上半年") || s[p..].starts_with("下半年") {
                    let (m1, m2) = if s[p..].starts_with('上') {
                        (1, 6)
                    } else {
                        (7, 12)
                    };
                    let month = |m| Date { y: date.y, m, d: 0 };
                    return Some(Operand::plain(p + 9, OVal::Dates(month(m1), month(m2))));
                } else if let Some((_, e)) = small_num_then(s, p, 99, &['月']) {
                    // 2024年13月
                    unclear = true;
                    p = e;
                }
            } else if !num.chinese {
                // 2024.07, 2024-12-31, 2024/6
                let sep_len = match rest.chars().next() {
                    Some(c @ ('.' | '-' | '/' | '．' | '－' | '／')) => c.len_utf8(),
                    _ => return None,
                };
                let mp = num.int_end + sep_len;
                let mn = scan_arabic(s, mp)?;
                if mn.int_digits > 2 || mn.sep {
                    return None;
                }
                let m = int_part(&mn)?;
                if !(1..=12).contains(&m) {
                    return None;
                }
                date.m = m as u8;
                p = mn.int_end;
                strong = true;
                if let Some(c @ ('.' | '-' | '/' | '．' | '－' | '／')) = s[p..].chars().next() {
                    if let Some(dn) = scan_arabic(s, p + c.len_utf8()) {
                        if dn.int_digits <= 2 && dn.end == dn.int_end {
                            date.d = dn.int()? as u8;
                            p = dn.end;
                        }
                    }
                }
                if s[p..].starts_with('%') || s[p..].starts_with('％') {
                    return None;
                }
                if digit_at(s, p).is_some() {
                    return None;
                }
            } else {
                return None;
            }
        } else if (1..=12).contains(&y_int)
            && num.end == num.int_end
            && s[num.int_end..].starts_with('月')
        {
            // 12月底前: a month of the form's year (or of the range's low bound).
            let inherited = match range_of.map(|o| o.val) {
                Some(OVal::Date { date, .. }) => Some(date.y),
                _ => None,
            };
            // N月 (not N个月) is a month: officials write durations as 个月. Without a
            // year it cannot be written as ISO and reads as text.
            match inherited.or(self.ctx.year) {
                Some(y) => date.y = y,
                None => {
                    unclear = true;
                    date.y = 2000;
                }
            }
            date.m = y_int as u8;
            strong = true;
            p = self.day_part(&mut date, num.int_end + 3);
        } else {
            return None;
        }
        if !date.is_valid() {
            unclear = true;
        }
        let mut suffix = None;
        if let Some((l, o)) = DATE_SUFFIXES.longest(s, p) {
            let w = &s[p..p + l];
            if matches!(w, "内" | "以内" | "之内") {
                date = date.end_of_period();
            }
            suffix = Some(o);
            p += l;
        }
        if !strong && suffix.is_none() {
            // A year alone is a date only when nothing but a unit-less year was meant.
            strong = false;
        }
        Some(Operand {
            suffix,
            unclear,
            ..Operand::plain(p, OVal::Date { date, strong })
        })
    }

    /// The day after a month: 31日, 底/末, 上旬/中旬/下旬, 份, 初.
    fn day_part(&self, date: &mut Date, p: usize) -> usize {
        let s = self.s;
        if let Some((d, e)) = small_num_then(s, p, 31, &['日', '号']) {
            date.d = d as u8;
            // 31日24时前: the end of that day.
            if let Some((_, e2)) = small_num_then(s, e, 24, &['时', '点']) {
                return e2;
            }
            return e;
        }
        let rest = &s[p..];
        if rest.starts_with('底') || rest.starts_with('末') {
            *date = date.end_of_period();
            return p + 3;
        }
        if rest.starts_with("上旬") {
            date.d = 10;
            return p + 6;
        }
        if rest.starts_with("中旬") {
            date.d = 20;
            return p + 6;
        }
        if rest.starts_with("下旬") {
            *date = date.end_of_period();
            return p + 6;
        }
        if rest.starts_with('份') || rest.starts_with('初') {
            return p + 3;
        }
        p
    }

    /// Is the atom a target? A plain number counts only when it is the cell's one atom
    /// and nothing else is written (`93`, `≥93` counts by its comparator).
    fn significant(&self, a: &Atom) -> bool {
        a.relative || a.unclear || !a.plain || (self.words == 0 && self.n == 1)
    }

    fn finish(&self) -> Value {
        let raw = self.s;
        if self.overflow {
            return Value::text(raw);
        }
        let atoms = &self.atoms[..self.n];
        let outside = atoms
            .iter()
            .any(|a| !a.bracket && !a.title && !a.ordinal && self.significant(a));
        let mut sel = [0u8; MAX_ATOMS];
        let mut n = 0;
        for (k, a) in atoms.iter().enumerate() {
            if a.ordinal || a.title || (a.bracket && outside) || !self.significant(a) {
                continue;
            }
            sel[n] = k as u8;
            n += 1;
        }
        match n {
            0 => Value::text(raw),
            1 => self.value_of(&atoms[sel[0] as usize], raw.to_string()),
            _ => {
                if n == 2 {
                    if let Some(v) =
                        self.pair_range(&atoms[sel[0] as usize], &atoms[sel[1] as usize])
                    {
                        return v;
                    }
                }
                let mut parts = Vec::with_capacity(n);
                let mut seg_start = 0;
                for k in 0..n {
                    let a = &atoms[sel[k] as usize];
                    let (seg_end, next) = if k + 1 < n {
                        self.cut(a.end, atoms[sel[k + 1] as usize].start)
                    } else {
                        (raw.len(), raw.len())
                    };
                    let text = trim_part(&raw[seg_start.min(seg_end)..seg_end]);
                    parts.push(self.value_of(a, text.to_string()));
                    seg_start = next;
                }
                if parts.iter().all(|p| p.kind == ValueKind::Text) {
                    return Value::text(raw);
                }
                Value {
                    raw: raw.to_string(),
                    kind: ValueKind::Compound,
                    op: None,
                    value: None,
                    low: None,
                    high: None,
                    unit: None,
                    unit_kind: None,
                    parts,
                }
            }
        }
    }

    /// Where to cut between a target ending at `a_end` and the next starting at `b_start`:
    /// the strongest separator between them (the first of equals), else right after the
    /// first. Returns (end of this part, start of the next).
    fn cut(&self, a_end: usize, b_start: usize) -> (usize, usize) {
        let mut best: Option<(usize, usize, u8)> = None;
        for &(st, en, strength) in &self.seps[..self.ns] {
            if st >= a_end && en <= b_start && best.is_none_or(|b| strength > b.2) {
                best = Some((st, en, strength));
            }
        }
        match best {
            Some((st, en, _)) => (st, en),
            None => (a_end.min(b_start), a_end.min(b_start)),
        }
    }

    /// `不低于90%且不高于95%` → range.
    fn pair_range(&self, a: &Atom, b: &Atom) -> Option<Value> {
        let (Payload::Num(x), Payload::Num(y)) = (a.payload, b.payload) else {
            return None;
        };
        if a.relative || b.relative || a.unclear || b.unclear {
            return None;
        }
        let lower = |op: Option<Op>| matches!(op, Some(Op::Ge | Op::Gt));
        let upper = |op: Option<Op>| matches!(op, Some(Op::Le | Op::Lt));
        let (lo, hi, la, lb) = if lower(a.op) && upper(b.op) {
            (x, y, a, b)
        } else if upper(a.op) && lower(b.op) {
            (y, x, b, a)
        } else {
            return None;
        };
        if lo > hi {
            return None;
        }
        let (ua, ub) = (self.unit_text(la.unit), self.unit_text(lb.unit));
        if let (Some(p), Some(q)) = (ua, ub) {
            if !same_unit(p, q) {
                return None;
            }
        }
        let gap = &self.s[a.end.min(b.start)..b.start];
        let gap = trim_part(gap);
        if !matches!(
            gap,
            "" | "且" | "并且" | "而且" | "和" | "同时" | "但" | "并" | "但不超过"
        ) {
            return None;
        }
        let unit_src = if la.unit != UnitRef::None { la } else { lb };
        let (unit, kind) = self.unit_out(unit_src);
        Some(Value {
            raw: self.s.to_string(),
            kind: ValueKind::Range,
            op: None,
            value: None,
            low: Some(Scalar::Number(lo)),
            high: Some(Scalar::Number(hi)),
            unit,
            unit_kind: kind,
            parts: Vec::new(),
        })
    }

    /// The unit to write for a numeric atom: its own, else the indicator name's.
    fn unit_out(&self, a: &Atom) -> (Option<Cow<'static, str>>, Option<UnitKind>) {
        match a.unit {
            UnitRef::Span(x, y, spelling) => {
                let unit = match spelling {
                    Some(table) if !needs_normalizing(table) => Cow::Borrowed(table),
                    _ => normalize_unit(&self.s[x..y]),
                };
                (Some(unit), a.kind)
            }
            UnitRef::Percent => (Some("%".into()), Some(UnitKind::Percent)),
            UnitRef::Permille => (Some("‰".into()), Some(UnitKind::Percent)),
            UnitRef::None => match self.ctx.unit_hint.map(str::trim).filter(|h| !h.is_empty()) {
                Some(h) => (Some(normalize_unit(h)), unit_kind(h)),
                None => (None, None),
            },
        }
    }

    fn value_of(&self, a: &Atom, raw: String) -> Value {
        if a.relative || a.unclear {
            return Value::text(raw);
        }
        let mut v = Value::text(raw);
        match a.payload {
            Payload::Num(x) => {
                v.kind = ValueKind::Quantity;
                v.op = Some(a.op.unwrap_or(Op::Eq));
                v.value = Some(Scalar::Number(x));
                (v.unit, v.unit_kind) = self.unit_out(a);
            }
            Payload::Range(lo, hi) => {
                v.kind = ValueKind::Range;
                v.low = Some(Scalar::Number(lo));
                v.high = Some(Scalar::Number(hi));
                (v.unit, v.unit_kind) = self.unit_out(a);
            }
            Payload::Date(d) => {
                v.kind = ValueKind::Date;
                v.op = Some(a.op.unwrap_or(Op::Eq));
                v.value = Some(Scalar::Text(d.iso()));
            }
            Payload::Dates(d1, d2) => {
                let (d1, d2) = if d2 < d1 { (d2, d1) } else { (d1, d2) };
                v.kind = ValueKind::Date;
                v.low = Some(Scalar::Text(d1.iso()));
                v.high = Some(Scalar::Text(d2.iso()));
            }
        }
        v
    }
}

/// A comparator sign `c` at byte `i` of `s`, with `=` pairing: (op, byte length).
fn sign_at(s: &str, i: usize, c: char) -> (Op, usize) {
    let l = c.len_utf8();
    let next = s[i + l..].chars().next();
    let eq_next = matches!(next, Some('=' | '＝'));
    let op = tables::COMPARATOR_SIGNS
        .iter()
        .find(|(ch, _)| *ch == c)
        .map(|&(_, op)| op)
        .unwrap_or(Op::Eq);
    match (op, next) {
        (Op::Gt, _) if eq_next => (Op::Ge, l + next.map_or(0, char::len_utf8)),
        (Op::Lt, _) if eq_next => (Op::Le, l + next.map_or(0, char::len_utf8)),
        (Op::Eq, Some(n @ ('>' | '＞'))) => (Op::Ge, l + n.len_utf8()),
        (Op::Eq, Some(n @ ('<' | '＜'))) => (Op::Le, l + n.len_utf8()),
        (Op::Ge | Op::Le, _) if eq_next => (op, l + next.map_or(0, char::len_utf8)),
        _ => (op, l),
    }
}

/// Reads a cell that holds only a comparator, as forms with a separate 指标性质 or
/// 符号 column write it: `≥`, `>=`, `＞＝`, `大于等于`, `不低于`, `≤`, `=`, `等于`…
/// None for anything else (an empty cell, `定性`, `正向`).
///
/// ```
/// use jixiao::document::Op;
/// use jixiao::normalize::parse_comparator;
/// assert_eq!(parse_comparator("≥"), Some(Op::Ge));
/// assert_eq!(parse_comparator(" 小于等于 "), Some(Op::Le));
/// assert_eq!(parse_comparator("定性"), None);
/// ```
pub fn parse_comparator(text: &str) -> Option<Op> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let c = t.chars().next()?;
    if tables::COMPARATOR_SIGNS.iter().any(|(ch, _)| *ch == c) {
        let (op, l) = sign_at(t, 0, c);
        return (l == t.len()).then_some(op);
    }
    match WORDS.longest_with(t, 0, c) {
        Some((l, Word::Cmp { op, .. })) if l == t.len() => op,
        _ => SUFFIXES.get(t),
    }
}

/// Units compare equal across full-width spellings (`%`/`％`).
fn same_unit(a: &str, b: &str) -> bool {
    a == b || normalize_unit(a) == normalize_unit(b)
}

/// Does [`normalize_unit`] change `u`?
fn needs_normalizing(u: &str) -> bool {
    u.contains(['％', '／'])
}

/// `％` → `%`, `／` → `/`; everything else as written (see [`unit_as_written`]).
fn normalize_unit(u: &str) -> Cow<'static, str> {
    if needs_normalizing(u) {
        unit_as_written(&u.replace('％', "%").replace('／', "/"))
    } else {
        unit_as_written(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(raw: &str) -> String {
        serde_json::to_string(&parse_value(
            raw,
            &ValueContext {
                year: Some(2024),
                unit_hint: None,
            },
        ))
        .unwrap()
    }

    #[test]
    fn seed_values() {
        assert_eq!(
            j("≥3000件"),
            r#"{"raw":"≥3000件","kind":"quantity","op":">=","value":3000,"low":null,"high":null,"unit":"件","unit_kind":"count"}"#
        );
        assert_eq!(
            j("低于0.2%"),
            r#"{"raw":"低于0.2%","kind":"quantity","op":"<","value":0.2,"low":null,"high":null,"unit":"%","unit_kind":"percent"}"#
        );
        assert_eq!(
            j("≥93"),
            r#"{"raw":"≥93","kind":"quantity","op":">=","value":93,"low":null,"high":null,"unit":null,"unit_kind":null}"#
        );
        assert_eq!(
            j("全覆盖"),
            r#"{"raw":"全覆盖","kind":"text","op":null,"value":null,"low":null,"high":null,"unit":null,"unit_kind":null}"#
        );
    }

    #[test]
    fn comparator_cells() {
        for (t, op) in [
            ("≥", Some(Op::Ge)),
            (">=", Some(Op::Ge)),
            ("＞＝", Some(Op::Ge)),
            ("大于等于", Some(Op::Ge)),
            ("不低于", Some(Op::Ge)),
            ("以上", Some(Op::Ge)),
            ("＜", Some(Op::Lt)),
            ("≤", Some(Op::Le)),
            ("不超过", Some(Op::Le)),
            ("=", Some(Op::Eq)),
            ("等于", Some(Op::Eq)),
            ("定性", None),
            ("正向", None),
            ("", None),
            ("≥90", None),
        ] {
            assert_eq!(parse_comparator(t), op, "{t}");
        }
    }

    #[test]
    fn hint_applies_to_bare_values() {
        let ctx = ValueContext {
            year: None,
            unit_hint: Some("％"),
        };
        let v = parse_value("95", &ctx);
        assert_eq!(v.unit.as_deref(), Some("%"));
        assert_eq!(v.unit_kind, Some(UnitKind::Percent));
    }

    #[test]
    fn hostile_inputs() {
        for s in [
            "",
            "\u{0}",
            "-",
            "--5",
            "≥≥",
            "1,",
            "1.",
            "年底",
            "2024年13月",
            "一一一",
            "百分之",
            "2024.",
            "9".repeat(400).as_str(),
        ] {
            let v = parse_value(s, &ValueContext::default());
            assert_eq!(v.raw, s);
        }
    }
}
