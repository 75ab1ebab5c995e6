//! Units: the table lookup after a number, compound units (`元/亩`, `次/年`), the family
//! of a unit, and the unit written in an indicator's name (`结案率（%）`).

use std::borrow::Cow;

use super::lexicon::{Unit, UNITS};
use super::tables;
use crate::document::UnitKind;

/// A unit found after a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct UnitMatch {
    /// Byte offset after the unit (compound parts included).
    pub end: usize,
    /// Its family.
    pub kind: UnitKind,
    /// The table's spelling when the unit is one table entry, not a compound.
    pub spelling: Option<&'static str>,
}

#[inline]
fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A CJK ideograph (the unified blocks and the compatibility block).
#[inline]
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

/// One table unit at `i`; ASCII units must not run on into letters (`5mins` has none).
#[inline]
fn table_unit(s: &str, i: usize) -> Option<(usize, Unit)> {
    let (l, unit) = UNITS.longest(s, i)?;
    let w = &s.as_bytes()[i..i + l];
    if w.last().is_some_and(|b| b.is_ascii_alphanumeric()) {
        if let Some(&next) = s.as_bytes().get(i + l) {
            if is_ascii_word(next) {
                return None;
            }
        }
    }
    Some((i + l, unit))
}

/// Characters that end the free-written part of a compound unit (`次/年以上`).
fn ends_unit_part(c: char) -> bool {
    matches!(
        c,
        '以' | '及'
            | '或'
            | '之'
            | '内'
            | '左'
            | '上'
            | '下'
            | '且'
            | '和'
            | '的'
            | '为'
            | '前'
            | '后'
    )
}

/// The unit at byte `i` (directly after a number), longest spelling first, with compound
/// parts after `/` or `／` (`元/生/年`: a part not in the table is taken as written, up
/// to three characters).
pub(crate) fn match_unit(s: &str, i: usize) -> Option<UnitMatch> {
    let (first_end, unit) = table_unit(s, i)?;
    let mut end = first_end;
    for _ in 0..3 {
        let rest = &s[end..];
        // `/` or `／` joins parts; `·` only inside a compound (`元/人·月`).
        let sl = if rest.starts_with('/') {
            1
        } else if rest.starts_with('／')
            || (end > i && rest.starts_with('·') && s[i..end].contains(['/', '／']))
        {
            rest.chars().next().map_or(1, char::len_utf8)
        } else {
            break;
        };
        let mut q = end + sl;
        // 次/2年: a count of periods may stand before the second unit.
        let digits = s[q..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits <= 2 && table_unit(s, q + digits).is_some() {
            q += digits;
        }
        if let Some((e, _)) = table_unit(s, q) {
            end = e;
            continue;
        }
        let mut e = q;
        for c in s[q..].chars().take(3) {
            if !is_cjk(c) || ends_unit_part(c) {
                break;
            }
            e += c.len_utf8();
        }
        if e == q {
            break;
        }
        end = e;
    }
    Some(UnitMatch {
        end,
        kind: unit.kind,
        spelling: (end == first_end).then_some(unit.spelling),
    })
}

/// The family of a unit as written (`%`, `万元`, `个工作日`, `元/亩`, `万人`), or None for
/// an empty string. A unit not in the table is [`UnitKind::Other`].
pub fn unit_kind(unit: &str) -> Option<UnitKind> {
    let u = unit.trim();
    if u.is_empty() {
        return None;
    }
    if let Some(unit) = UNITS.get(u) {
        return Some(unit.kind);
    }
    if let Some(m) = match_unit(u, 0) {
        return Some(m.kind);
    }
    for &(mult, _) in tables::MULTIPLIERS {
        if let Some(rest) = u.strip_prefix(mult) {
            if let Some(m) = match_unit(rest, 0) {
                return Some(m.kind);
            }
        }
    }
    Some(UnitKind::Other)
}

/// A unit to store as written: borrowed from the table when it is one table unit (most
/// are), so the value owns no copy of it.
pub(crate) fn unit_as_written(u: &str) -> Cow<'static, str> {
    match UNITS.get(u) {
        Some(unit) => Cow::Borrowed(unit.spelling),
        None => Cow::Owned(u.to_string()),
    }
}

/// Is `u` wholly a unit: a table unit, a compound of units, or a multiplier and a unit
/// (`万人次`)?
fn is_unit_text(u: &str) -> bool {
    if u.is_empty() || u.len() > 24 {
        return false;
    }
    if matches!(match_unit(u, 0), Some(m) if m.end == u.len()) {
        return true;
    }
    tables::MULTIPLIERS.iter().any(|(mult, _)| {
        u.strip_prefix(mult)
            .is_some_and(|r| matches!(match_unit(r, 0), Some(m) if m.end == r.len()))
    })
}

/// The unit written in parentheses at the end of an indicator name:
/// `法律援助案件全年结案率（%）` → `%`, `资金(万元)` → `万元`; None when the name ends
/// otherwise or the parentheses hold something that is not a unit (`（含职工）`).
///
/// ```
/// use jixiao::normalize::unit_in_name;
/// assert_eq!(unit_in_name("法律援助案件全年结案率（%）"), Some("%"));
/// assert_eq!(unit_in_name("预算资金(万元)"), Some("万元"));
/// assert_eq!(unit_in_name("培训人数"), None);
/// ```
pub fn unit_in_name(indicator_name: &str) -> Option<&str> {
    let t = indicator_name.trim_end();
    let (close, open_chars): (char, &[char]) = match t.chars().next_back()? {
        ')' => (')', &['(', '（']),
        '）' => ('）', &['(', '（']),
        ']' => (']', &['[', '【']),
        '】' => ('】', &['[', '【']),
        _ => return None,
    };
    let body = &t[..t.len() - close.len_utf8()];
    let open = body.rfind(open_chars)?;
    let open_len = body[open..].chars().next()?.len_utf8();
    let inner =
        body[open + open_len..].trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let inner = inner
        .strip_prefix("单位：")
        .or_else(|| inner.strip_prefix("单位:"))
        .unwrap_or(inner)
        .trim();
    is_unit_text(inner).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_after_numbers() {
        let m = match_unit("个工作日内", 0).unwrap();
        assert_eq!((m.end, m.kind), ("个工作日".len(), UnitKind::Time));
        let m = match_unit("元/生/年", 0).unwrap();
        assert_eq!((m.end, m.kind), ("元/生/年".len(), UnitKind::Currency));
        let m = match_unit("次/年以上", 0).unwrap();
        assert_eq!(m.end, "次/年".len());
        assert_eq!(match_unit("元/人·月", 0).unwrap().end, "元/人·月".len());
        assert_eq!(match_unit("元·月", 0).unwrap().end, "元".len());
        let m = match_unit("人/年", 0).unwrap();
        assert_eq!((m.end, m.kind), ("人/年".len(), UnitKind::Count));
        assert_eq!(match_unit("mins", 0), None);
        assert_eq!(match_unit("km，", 0).unwrap().end, 2);
        assert_eq!(match_unit("覆盖", 0), None);
        assert_eq!(match_unit("1/3", 0), None);
        assert_eq!(match_unit("次/2年", 0).unwrap().end, "次/2年".len());
        assert_eq!(match_unit("次/2", 0).unwrap().end, "次".len());
    }

    #[test]
    fn kinds() {
        assert_eq!(unit_kind("%"), Some(UnitKind::Percent));
        assert_eq!(unit_kind("万元"), Some(UnitKind::Currency));
        assert_eq!(unit_kind("元/亩"), Some(UnitKind::Currency));
        assert_eq!(unit_kind("万人"), Some(UnitKind::Count));
        assert_eq!(unit_kind("个工作日"), Some(UnitKind::Time));
        assert_eq!(unit_kind("平方米"), Some(UnitKind::Area));
        assert_eq!(unit_kind("xyz"), Some(UnitKind::Other));
        assert_eq!(unit_kind(""), None);
    }

    #[test]
    fn names() {
        assert_eq!(unit_in_name("法律援助案件全年结案率（%）"), Some("%"));
        assert_eq!(unit_in_name("法律援助案件全年结案率（％）"), Some("％"));
        assert_eq!(unit_in_name("资金(万元)"), Some("万元"));
        assert_eq!(unit_in_name("培训人次（万人次） "), Some("万人次"));
        assert_eq!(unit_in_name("补助标准（元/人）"), Some("元/人"));
        assert_eq!(unit_in_name("办结时限【个工作日】"), Some("个工作日"));
        assert_eq!(unit_in_name("资金（单位：万元）"), Some("万元"));
        assert_eq!(unit_in_name("参保人数（含职工）"), None);
        assert_eq!(unit_in_name("满意度"), None);
        assert_eq!(unit_in_name("（%）满意度"), None);
        assert_eq!(unit_in_name(")"), None);
        assert_eq!(unit_in_name(""), None);
    }
}
