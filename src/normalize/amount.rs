//! Money amounts for budget tables, always returned in 万元.

use std::borrow::Cow;

use super::number::{scan_arabic, scan_chinese, skip_ws, GroupTail, Num};
use super::units::is_cjk;
use crate::document::Amount;

/// The money units an amount can be written in, with their factor to 万元.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Money {
    Yuan,
    Qian,
    Wan,
    BaiWan,
    QianWan,
    Yi,
}

impl Money {
    fn factor_pow(self) -> i32 {
        match self {
            Money::Yuan => -4,
            Money::Qian => -1,
            Money::Wan => 0,
            Money::BaiWan => 2,
            Money::QianWan => 3,
            Money::Yi => 4,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Money::Yuan => "元",
            Money::Qian => "千元",
            Money::Wan => "万元",
            Money::BaiWan => "百万元",
            Money::QianWan => "千万元",
            Money::Yi => "亿元",
        }
    }
}

/// Unit spellings in a cell, directly after the number (longest first).
const CELL_UNITS: &[(&str, Money)] = &[
    ("百万元", Money::BaiWan),
    ("千万元", Money::QianWan),
    ("万元", Money::Wan),
    ("亿元", Money::Yi),
    ("千元", Money::Qian),
    ("百万", Money::BaiWan),
    ("千万", Money::QianWan),
    ("万", Money::Wan),
    ("亿", Money::Yi),
    ("元", Money::Yuan),
];

/// The unit a column or row header names (`预算金额(万元)`, `单位：元`); None means 万元.
fn header_unit(unit: Option<&str>) -> Money {
    let Some(u) = unit else { return Money::Wan };
    // Most headers come as the unit alone (`万元`): read it off the cell units, which
    // costs a few comparisons where the searches below cost more than the rest of
    // reading the amount. Each cell unit reads the same either way (a test checks).
    if let Some(&(_, money)) = CELL_UNITS.iter().find(|&&(w, _)| w == u) {
        return money;
    }
    unit_named_in(u)
}

/// The unit a header names somewhere in its text, the larger one first.
fn unit_named_in(u: &str) -> Money {
    if u.contains("亿") {
        Money::Yi
    } else if u.contains("千万") {
        Money::QianWan
    } else if u.contains("百万") {
        Money::BaiWan
    } else if u.contains('万') {
        Money::Wan
    } else if u.contains("千元") {
        Money::Qian
    } else if u.contains('元') {
        Money::Yuan
    } else {
        Money::Wan
    }
}

/// Rounds away float noise: 6 decimals of 万元 is 0.01 元.
fn round6(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= 1e15 {
        return x;
    }
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The leading amount of a cell: its number, sign, and the unit written after it.
fn leading_amount(raw: &str) -> Option<(Num, bool, Option<Money>)> {
    let s = raw;
    let mut neg = false;
    // Skip labels and currency signs up to the first number (`约100万元`, `￥1,200`).
    let mut chars = s.char_indices().peekable();
    let num = loop {
        let (k, c) = chars.next()?;
        if let Some(n) = scan_arabic(s, k) {
            if let Some(p) = s[..k].chars().next_back() {
                neg = matches!(p, '-' | '－' | '−')
                    && !s[..k - p.len_utf8()].ends_with(|c: char| c.is_ascii_digit());
            }
            break n;
        }
        if super::number::is_cn_start(c) {
            if let Some(n) = scan_chinese(s, k, false, GroupTail::Always) {
                // A lone 一 inside a word (统一) is no amount.
                if n.chars > 1
                    || !s[n.end..].starts_with(|c: char| is_cjk(c) && !"万亿元千百".contains(c))
                {
                    break n;
                }
            }
        }
    };
    let q = skip_ws(s, num.end);
    let unit = CELL_UNITS
        .iter()
        .find(|(w, _)| s[q..].starts_with(w))
        .map(|&(_, m)| m);
    // A year or a date is no amount (`2024年预算`): look for the next number.
    if unit.is_none() && (s[num.end..].starts_with('年') || s[num.end..].starts_with('月')) {
        let rest_start = num.end;
        let (n2, neg2, u2) = leading_amount(&s[rest_start..])?;
        let shifted = Num {
            start: n2.start + rest_start,
            end: n2.end + rest_start,
            int_end: n2.int_end + rest_start,
            ..n2
        };
        return Some((shifted, neg2, u2));
    }
    Some((num, neg, unit))
}

/// Reads a money amount into 万元.
///
/// `number` is the cell's numeric value when the source typed it; `unit` is the unit from
/// the cell's column or row header (`预算金额(万元)` → `万元`, or `元`), None meaning 万元.
/// A unit written in the cell (`250万`, `250万元`, `854万(高标准农田建设400万元,…)`)
/// overrides the header; the leading amount of the cell is the one read. `unit_as_written`
/// is set when the effective unit is not 万元. Empty or unreadable text gives value null.
///
/// ```
/// use jixiao::normalize::parse_amount;
/// assert_eq!(parse_amount("153,069.97", None, None).value, Some(153069.97));
/// let a = parse_amount("12,345", None, Some("元"));
/// assert_eq!((a.value, a.unit_as_written.as_deref()), (Some(1.2345), Some("元")));
/// assert_eq!(parse_amount("854万(高标准农田建设400万元)", None, Some("元")).value, Some(854.0));
/// ```
pub fn parse_amount(raw: &str, number: Option<f64>, unit: Option<&str>) -> Amount {
    let header = header_unit(unit);
    let lead = if raw.len() <= 64 * 1024 {
        leading_amount(raw)
    } else {
        None
    };
    let (value, eff) = match (number.filter(|n| n.is_finite()), lead) {
        (Some(n), Some((_, _, Some(u)))) => {
            (Some(n * super::number::compose(1, u.factor_pow())), u)
        }
        (Some(n), _) => (
            Some(n * super::number::compose(1, header.factor_pow())),
            header,
        ),
        (None, Some((num, neg, u))) => {
            let u = u.unwrap_or(header);
            let v = num.scaled(u.factor_pow());
            (Some(if neg { -v } else { v }), u)
        }
        (None, None) => (None, header),
    };
    // A number near f64's limit can overflow when scaled to 万元: no amount, not infinity.
    let value = value.map(round6).filter(|v| v.is_finite());
    Amount {
        raw: raw.to_string(),
        value,
        unit: Cow::Borrowed("万元"),
        unit_as_written: (value.is_some() && eff != Money::Wan).then(|| Cow::Borrowed(eff.name())),
    }
}

/// Whether `text` is an amount and nothing more: a number (signed, with thousands
/// separators), a money unit if any, and at most a note in brackets after it
/// (`854万(高标准农田建设400万元)`). [`parse_amount`] reads a number out of any text
/// (`约100万元`); this tells a cell that is an amount from a sentence that holds a number
/// (`覆盖全县农村学生8000人`), where nothing else says the cell is an amount.
pub fn is_bare_amount(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['约', '￥', '¥']).unwrap_or(t).trim_start();
    let t = t.strip_prefix(['-', '－', '−']).unwrap_or(t);
    let Some(num) = scan_arabic(t, 0) else {
        return false;
    };
    let rest = t[num.end..].trim_start();
    let rest = CELL_UNITS
        .iter()
        .find_map(|(unit, _)| rest.strip_prefix(unit))
        .unwrap_or(rest)
        .trim_start();
    rest.is_empty() || rest.starts_with(['(', '（'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_amount_is_a_number_with_at_most_a_money_unit_and_a_note() {
        for amount in [
            "153,069.97",
            " 500 ",
            "250万元",
            "约100万元",
            "￥1,200",
            "-3.5",
            "854万(高标准农田建设400万元)",
            "１２０万",
        ] {
            assert!(is_bare_amount(amount), "{amount}");
        }
        for text in [
            "覆盖全县农村学生8000人",
            "8000人",
            "2024年",
            "第3项",
            "合计",
            "",
        ] {
            assert!(!is_bare_amount(text), "{text}");
        }
    }

    #[test]
    fn a_number_that_overflows_in_wan_is_no_amount() {
        // Found by the property test: -7.1e306 亿元 is past f64 once in 万元.
        let a = parse_amount("十亿0", Some(-7.148173765585035e306), Some("元"));
        assert_eq!((a.value, a.unit_as_written), (None, None));
    }

    fn v(raw: &str, number: Option<f64>, unit: Option<&str>) -> (Option<f64>, Option<String>) {
        let a = parse_amount(raw, number, unit);
        assert_eq!(a.raw, raw);
        assert_eq!(a.unit, "万元");
        (a.value, a.unit_as_written.map(String::from))
    }

    #[test]
    fn a_header_that_is_a_cell_unit_reads_as_if_searched() {
        for &(w, money) in CELL_UNITS {
            assert_eq!(unit_named_in(w), money, "{w}");
        }
    }

    #[test]
    fn header_units() {
        assert_eq!(v("153,069.97", None, None), (Some(153069.97), None));
        assert_eq!(v("153,069.97", None, Some("万元")), (Some(153069.97), None));
        assert_eq!(v("438.768", None, Some("万元")), (Some(438.768), None));
        assert_eq!(
            v("1,234,567.89", None, Some("元")),
            (Some(123.456789), Some("元".into()))
        );
        assert_eq!(
            v("2.5", None, Some("亿元")),
            (Some(25000.0), Some("亿元".into()))
        );
        assert_eq!(v("0.00", None, None), (Some(0.0), None));
        assert_eq!(v("-12.5", None, None), (Some(-12.5), None));
    }

    #[test]
    fn cell_units_override() {
        assert_eq!(v("250万", None, Some("元")), (Some(250.0), None));
        assert_eq!(v("250万元", None, None), (Some(250.0), None));
        assert_eq!(v("3000元", None, None), (Some(0.3), Some("元".into())));
        assert_eq!(
            v("1.2亿元", None, None),
            (Some(12000.0), Some("亿元".into()))
        );
        assert_eq!(
            v("854万(高标准农田建设400万元,其他454万元)", None, Some("元")),
            (Some(854.0), None)
        );
        assert_eq!(v("约100万元", None, None), (Some(100.0), None));
        assert_eq!(v("伍拾万元", None, None), (Some(50.0), None));
        assert_eq!(v("五十万", None, Some("元")), (Some(50.0), None));
        assert_eq!(v("2024年预算100万元", None, None), (Some(100.0), None));
    }

    #[test]
    fn typed_numbers() {
        assert_eq!(
            v("153,069.97", Some(153069.97), None),
            (Some(153069.97), None)
        );
        assert_eq!(
            v("12345.67", Some(12345.67), Some("元")),
            (Some(1.234567), Some("元".into()))
        );
        assert_eq!(v("", Some(0.1 + 0.2), None), (Some(0.3), None));
        assert_eq!(v("250万", Some(250.0), Some("元")), (Some(250.0), None));
    }

    #[test]
    fn unreadable() {
        assert_eq!(v("", None, None), (None, None));
        assert_eq!(v("-", None, None), (None, None));
        assert_eq!(v("无", None, None), (None, None));
        assert_eq!(v("（万元）", None, Some("元")), (None, None));
        assert_eq!(v("", Some(f64::NAN), None), (None, None));
    }
}
