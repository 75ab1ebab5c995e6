//! Numbers as officials write them: ASCII and full-width digits, thousands separators
//! (`153,069.97`, `1，200`), decimals, and Chinese numerals (三千, 一百四十八, 两万五千,
//! 十五, 〇, 壹佰贰拾, 二〇二四, 三点五).
//!
//! The scanners work on byte offsets into the caller's `&str` and never allocate. Digits
//! are kept as an integer mantissa and a decimal scale, so `1.2` × 万 is exactly 12000.

/// A number found in text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Num {
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset after its last character.
    pub end: usize,
    /// Byte offset after the integer part (before `.` and decimals).
    pub int_end: usize,
    /// The digits as an integer (at most 17 significant digits are kept).
    pub mant: u64,
    /// Decimal places in `mant`.
    pub scale: u32,
    /// Powers of ten dropped from a very long integer part.
    pub extra: u32,
    /// How many digits the integer part has (Arabic only).
    pub int_digits: u32,
    /// Thousands separators were written.
    pub sep: bool,
    /// Written in Chinese numerals.
    pub chinese: bool,
    /// How many numeral characters (Chinese only).
    pub chars: u32,
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `m × 10^e`, correctly rounded whenever `m < 2^53` and `|e| ≤ 22` (one rounding).
pub(crate) fn compose(m: u64, e: i32) -> f64 {
    let mf = m as f64;
    if e >= 0 {
        if e <= 22 {
            mf * POW10[e as usize]
        } else {
            mf * 10f64.powi(e)
        }
    } else if -e <= 22 {
        mf / POW10[(-e) as usize]
    } else {
        mf / 10f64.powi(-e)
    }
}

impl Num {
    /// The value.
    pub fn value(&self) -> f64 {
        self.scaled(0)
    }

    /// The value times `10^pow` (a 万/亿/千 multiplier), without float noise.
    pub fn scaled(&self, pow: i32) -> f64 {
        compose(self.mant, pow + self.extra as i32 - self.scale as i32)
    }

    /// The value when it is a whole number that fits.
    pub fn int(&self) -> Option<u64> {
        (self.scale == 0 && self.extra == 0).then_some(self.mant)
    }
}

/// An ASCII or full-width digit at byte `i`: `(digit, byte length)`.
#[inline]
pub(crate) fn digit_at(s: &str, i: usize) -> Option<(u32, usize)> {
    let b = s.as_bytes();
    let c = *b.get(i)?;
    if c.is_ascii_digit() {
        return Some(((c - b'0') as u32, 1));
    }
    // U+FF10..U+FF19 are EF BC 90..99.
    if c == 0xEF && b.get(i + 1) == Some(&0xBC) {
        if let Some(&d) = b.get(i + 2) {
            if (0x90..=0x99).contains(&d) {
                return Some(((d - 0x90) as u32, 3));
            }
        }
    }
    None
}

/// A thousands separator (`,` or `，`) at byte `i`: its byte length.
#[inline]
fn sep_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    match b.get(i)? {
        b',' => Some(1),
        // U+FF0C FULLWIDTH COMMA
        0xEF if b.get(i + 1) == Some(&0xBC) && b.get(i + 2) == Some(&0x8C) => Some(3),
        _ => None,
    }
}

/// A decimal point (`.` or `．`) at byte `i`: its byte length.
#[inline]
fn point_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    match b.get(i)? {
        b'.' => Some(1),
        // U+FF0E FULLWIDTH FULL STOP
        0xEF if b.get(i + 1) == Some(&0xBC) && b.get(i + 2) == Some(&0x8E) => Some(3),
        _ => None,
    }
}

const MAX_MANT: u64 = 10_000_000_000_000_000; // 1e16: 17 digits keep f64 exactness close enough

/// Reads ASCII/full-width digits at `i`, with thousands separators and a decimal part.
/// A separator counts only between groups of three digits (`1,200`, `153,069.97`).
pub(crate) fn scan_arabic(s: &str, i: usize) -> Option<Num> {
    let mut p = i;
    let mut mant: u64 = 0;
    let mut extra = 0u32;
    let mut int_digits = 0u32;
    let mut group = 0u32;
    let mut sep = false;
    loop {
        if let Some((d, l)) = digit_at(s, p) {
            if mant < MAX_MANT {
                mant = mant * 10 + d as u64;
            } else {
                extra += 1;
            }
            int_digits += 1;
            group += 1;
            p += l;
            continue;
        }
        if let Some(sl) = sep_at(s, p) {
            let group_ok = if sep {
                group == 3
            } else {
                (1..=3).contains(&group)
            };
            if group_ok && three_digits_then_stop(s, p + sl) {
                sep = true;
                group = 0;
                p += sl;
                continue;
            }
        }
        break;
    }
    if int_digits == 0 {
        return None;
    }
    let int_end = p;
    let mut scale = 0u32;
    if let Some(pl) = point_at(s, p) {
        if digit_at(s, p + pl).is_some() {
            p += pl;
            while let Some((d, l)) = digit_at(s, p) {
                if mant < MAX_MANT && extra == 0 {
                    mant = mant * 10 + d as u64;
                    scale += 1;
                }
                p += l;
            }
        }
    }
    Some(Num {
        start: i,
        end: p,
        int_end,
        mant,
        scale,
        extra,
        int_digits,
        sep,
        chinese: false,
        chars: 0,
    })
}

fn three_digits_then_stop(s: &str, mut p: usize) -> bool {
    for _ in 0..3 {
        match digit_at(s, p) {
            Some((_, l)) => p += l,
            None => return false,
        }
    }
    digit_at(s, p).is_none()
}

/// What a Chinese numeral character is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cn {
    Digit(u64),
    /// 十 百 千
    Small(u64),
    /// 万 亿
    Group(u64),
}

#[inline]
fn cn_char(c: char) -> Option<Cn> {
    Some(match c {
        '〇' | '零' => Cn::Digit(0),
        '一' | '壹' | '幺' => Cn::Digit(1),
        '二' | '两' | '贰' | '貳' | '兩' => Cn::Digit(2),
        '三' | '叁' | '參' | '叄' => Cn::Digit(3),
        '四' | '肆' => Cn::Digit(4),
        '五' | '伍' => Cn::Digit(5),
        '六' | '陆' | '陸' => Cn::Digit(6),
        '七' | '柒' => Cn::Digit(7),
        '八' | '捌' => Cn::Digit(8),
        '九' | '玖' => Cn::Digit(9),
        '十' | '拾' => Cn::Small(10),
        '百' | '佰' => Cn::Small(100),
        '千' | '仟' => Cn::Small(1000),
        '万' | '萬' => Cn::Group(10_000),
        '亿' | '億' => Cn::Group(100_000_000),
        _ => return None,
    })
}

/// True for a character that can be part of a Chinese numeral.
#[inline]
pub(crate) fn is_cn_numeral(c: char) -> bool {
    cn_char(c).is_some()
}

/// True for a Chinese numeral character that can start a number (a digit, or 十).
#[inline]
pub(crate) fn is_cn_start(c: char) -> bool {
    matches!(cn_char(c), Some(Cn::Digit(_)) | Some(Cn::Small(10)))
}

/// What to do with a 万/亿 at the end of a Chinese numeral.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum GroupTail {
    /// Keep it in the number (两万 = 20000).
    Keep,
    /// Leave it out when 元 follows, so 五万元 reads as 5 万元.
    BeforeCurrency,
    /// Always leave it out (money amounts: 五十万 reads as 50 万).
    Always,
}

const MAX_CN: usize = 24;

/// Reads a Chinese numeral at `i`. `leading_unit` accepts a numeral that starts with
/// 百/千 (as in 百分之百).
pub(crate) fn scan_chinese(s: &str, i: usize, leading_unit: bool, tail: GroupTail) -> Option<Num> {
    let mut toks = [Cn::Digit(0); MAX_CN];
    let mut ends = [0usize; MAX_CN];
    let mut n = 0;
    let mut p = i;
    for c in s[i..].chars() {
        match cn_char(c) {
            Some(t) if n < MAX_CN => {
                toks[n] = t;
                p += c.len_utf8();
                ends[n] = p;
                n += 1;
            }
            _ => break,
        }
    }
    if n == 0 {
        return None;
    }
    // 万/亿 at the end belongs to a currency unit (五万元 → 5 万元) or, for amounts, to 万元.
    // Only when the rest holds no 亿: 三亿五千万元 is 350000000 元, not 三亿五千 万元.
    if n > 1 && !toks[..n - 1].contains(&Cn::Group(100_000_000)) {
        if let Cn::Group(_) = toks[n - 1] {
            let rest = &s[ends[n - 1]..];
            let drop = match tail {
                GroupTail::Keep => false,
                GroupTail::BeforeCurrency => rest.starts_with('元') || rest.starts_with("美元"),
                GroupTail::Always => true,
            };
            if drop {
                n -= 1;
            }
        }
    }
    let int = cn_value(&toks[..n], leading_unit)?;
    let mut end = ends[n - 1];
    let mut mant = int;
    let mut scale = 0u32;
    // 三点五: decimals written digit by digit after 点.
    if s[end..].starts_with('点') {
        let mut q = end + '点'.len_utf8();
        let mut m = mant;
        let mut sc = 0u32;
        for c in s[q..].chars() {
            match cn_char(c) {
                Some(Cn::Digit(d)) if m < MAX_MANT => {
                    m = m * 10 + d;
                    sc += 1;
                    q += c.len_utf8();
                }
                _ => break,
            }
        }
        if sc > 0 {
            mant = m;
            scale = sc;
            end = q;
        }
    }
    Some(Num {
        start: i,
        end,
        int_end: ends[n - 1],
        mant,
        scale,
        extra: 0,
        int_digits: 0,
        sep: false,
        chinese: true,
        chars: n as u32,
    })
}

/// The value of a run of Chinese numeral characters, or None when it is not a number
/// (一一, 十四五, 万一, 千千万万).
fn cn_value(toks: &[Cn], leading_unit: bool) -> Option<u64> {
    let has_unit = toks.iter().any(|t| !matches!(t, Cn::Digit(_)));
    if !has_unit {
        if toks.len() == 1 {
            if let Cn::Digit(d) = toks[0] {
                return Some(d);
            }
        }
        // Digit by digit (二〇二四, 一〇〇) only with a written zero; 一一, 三五 are words.
        if toks.contains(&Cn::Digit(0)) {
            let mut v: u64 = 0;
            for t in toks {
                if let Cn::Digit(d) = t {
                    v = v.checked_mul(10)?.checked_add(*d)?;
                }
            }
            return Some(v);
        }
        return None;
    }
    let mut total: u64 = 0; // whole 亿 groups
    let mut wan: u64 = 0; // the 万 group
    let mut section: u64 = 0; // below 万
    let mut num: Option<u64> = None;
    let mut sec_last: u64 = u64::MAX; // last 十/百/千 in this section, must decrease
    let mut last_unit: u64 = 10;
    let mut after_zero = false;
    let mut wan_seen = false;
    for (k, t) in toks.iter().enumerate() {
        match *t {
            Cn::Digit(0) => {
                if num.is_some() {
                    return None;
                }
                after_zero = true;
            }
            Cn::Digit(d) => {
                if num.is_some() {
                    return None;
                }
                num = Some(d);
            }
            Cn::Small(u) => {
                if u >= sec_last {
                    return None;
                }
                let m = match num {
                    Some(m) => m,
                    None if u == 10 && section == 0 && !after_zero => 1,
                    None if after_zero && u == 10 => 1,
                    None if k == 0 && leading_unit => 1,
                    None => return None,
                };
                section = section.checked_add(m.checked_mul(u)?)?;
                sec_last = u;
                num = None;
                after_zero = false;
                last_unit = u;
            }
            Cn::Group(g) => {
                let v = section.checked_add(num.unwrap_or(0))?;
                if g == 10_000 {
                    if wan_seen || (v == 0 && !(k == 0 && leading_unit)) {
                        return None;
                    }
                    wan = v.max(u64::from(k == 0)).checked_mul(g)?;
                    wan_seen = true;
                } else {
                    let w = wan.checked_add(v)?;
                    if w == 0 && !(k == 0 && leading_unit) {
                        return None;
                    }
                    total = total
                        .checked_add(w.max(u64::from(k == 0)))?
                        .checked_mul(g)?;
                    wan = 0;
                    wan_seen = false;
                }
                section = 0;
                num = None;
                sec_last = u64::MAX;
                after_zero = false;
                last_unit = g;
            }
        }
    }
    let tail = match num {
        // 两万五 = 25000, 一百五 = 150; after 零 the digit is a unit digit (一百零五).
        Some(d) if !after_zero => d.checked_mul(last_unit / 10)?,
        Some(d) => d,
        None => 0,
    };
    total
        .checked_add(wan)?
        .checked_add(section)?
        .checked_add(tail)
}

/// Skips spaces (ASCII, no-break, ideographic) from byte `i`.
#[inline]
pub(crate) fn skip_ws(s: &str, mut i: usize) -> usize {
    let b = s.as_bytes();
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' => i += 1,
            0xC2 if b.get(i + 1) == Some(&0xA0) => i += 2,
            0xE3 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x80) => i += 3,
            _ => break,
        }
    }
    i
}

/// Reads a string that is one number and nothing else: ASCII or full-width digits with
/// separators and decimals, a sign, an optional 万/亿/千 multiplier (`1.2万` = 12000), or
/// Chinese numerals (`一百四十八`, `壹佰贰拾`). Surrounding whitespace is ignored.
///
/// ```
/// use jixiao::normalize::parse_number;
/// assert_eq!(parse_number("153,069.97"), Some(153069.97));
/// assert_eq!(parse_number("１，２００"), Some(1200.0));
/// assert_eq!(parse_number("两万五千"), Some(25000.0));
/// assert_eq!(parse_number("1.2万"), Some(12000.0));
/// assert_eq!(parse_number("3000件"), None);
/// ```
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if t.is_empty() {
        return None;
    }
    let (neg, start) = match t.chars().next() {
        Some(c @ ('-' | '－' | '−' | '+' | '＋')) => {
            (matches!(c, '-' | '－' | '−'), c.len_utf8())
        }
        _ => (false, 0),
    };
    let sign = if neg { -1.0 } else { 1.0 };
    if let Some(n) = scan_arabic(t, start) {
        let rest = &t[n.end..];
        if rest.is_empty() {
            return Some(sign * n.value());
        }
        for &(word, pow) in super::tables::MULTIPLIERS {
            if rest == word {
                return Some(sign * n.scaled(pow));
            }
        }
        return None;
    }
    let n = scan_chinese(t, start, false, GroupTail::Keep)?;
    (n.end == t.len()).then(|| sign * n.value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic() {
        assert_eq!(parse_number("3000"), Some(3000.0));
        assert_eq!(parse_number(" 0.2 "), Some(0.2));
        assert_eq!(parse_number("153,069.97"), Some(153069.97));
        assert_eq!(parse_number("1，200"), Some(1200.0));
        assert_eq!(parse_number("１２３．５"), Some(123.5));
        assert_eq!(parse_number("-5"), Some(-5.0));
        assert_eq!(parse_number("－0.5"), Some(-0.5));
        assert_eq!(parse_number("1,2"), None);
        assert_eq!(parse_number("12,3456"), None);
        assert_eq!(parse_number("1,234,567"), Some(1234567.0));
        assert_eq!(parse_number("1.2万"), Some(12000.0));
        assert_eq!(parse_number("3千"), Some(3000.0));
        assert_eq!(parse_number("2.5亿"), Some(250_000_000.0));
        assert_eq!(parse_number("0.35万"), Some(3500.0));
        assert_eq!(parse_number("95."), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn chinese() {
        for (t, v) in [
            ("三千", 3000.0),
            ("一百四十八", 148.0),
            ("两万五千", 25000.0),
            ("两万五", 25000.0),
            ("一百五", 150.0),
            ("一百零五", 105.0),
            ("十五", 15.0),
            ("十", 10.0),
            ("〇", 0.0),
            ("零", 0.0),
            ("壹佰贰拾", 120.0),
            ("二〇二四", 2024.0),
            ("三亿五千万", 350_000_000.0),
            ("一万亿", 1e12),
            ("一千零一", 1001.0),
            ("三点五", 3.5),
            ("九十九点九", 99.9),
            ("一千二百万", 12_000_000.0),
        ] {
            assert_eq!(parse_number(t), Some(v), "{t}");
        }
        for t in ["一一", "十四五", "万一", "千千万万", "百", "三五", "一千百"] {
            assert_eq!(parse_number(t), None, "{t}");
        }
    }

    #[test]
    fn chinese_before_currency() {
        let n = scan_chinese("五万元", 0, false, GroupTail::BeforeCurrency).unwrap();
        assert_eq!((n.value(), n.end), (5.0, 3));
        let n = scan_chinese("五万人", 0, false, GroupTail::BeforeCurrency).unwrap();
        assert_eq!((n.value(), n.end), (50000.0, 6));
        let n = scan_chinese("三亿五千万元", 0, false, GroupTail::BeforeCurrency).unwrap();
        assert_eq!(n.value(), 350_000_000.0);
        let n = scan_chinese("一万五千亿元", 0, false, GroupTail::BeforeCurrency).unwrap();
        assert_eq!(n.value(), 15000.0);
        let n = scan_chinese("五千元", 0, false, GroupTail::BeforeCurrency).unwrap();
        assert_eq!(n.value(), 5000.0);
        let n = scan_chinese("百", 0, true, GroupTail::Keep).unwrap();
        assert_eq!(n.value(), 100.0);
    }

    #[test]
    fn exact_scaling() {
        let n = scan_arabic("1.2", 0).unwrap();
        assert_eq!(n.scaled(4), 12000.0);
        let n = scan_arabic("0.07", 0).unwrap();
        assert_eq!(n.scaled(4), 700.0);
        assert_eq!(n.value(), 0.07);
        let n = scan_arabic("12345678901234567890123", 0).unwrap();
        assert!((n.value() - 1.2345678901234568e22).abs() < 1e8);
    }
}
