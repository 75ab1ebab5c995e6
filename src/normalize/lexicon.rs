//! Indexes over the word tables of `tables.rs`, built once on first use.
//!
//! Lookups are "longest entry starting at byte i": a bitmap answers "can anything start
//! with this character" in one bit test, then only the entries sharing that first
//! character are compared, longest first.

use std::sync::LazyLock;

use super::tables;
use crate::document::{Op, UnitKind};

/// Longest-match index of words by first character.
pub(crate) struct Index<T: Copy> {
    /// One bit per BMP code point that starts an entry.
    bitmap: Box<[u64; 1024]>,
    /// `(first char, range into entries)`, sorted by char.
    firsts: Vec<(char, u32, u32)>,
    /// Entries grouped by first char, longest first within a group.
    entries: Vec<(Box<str>, T)>,
}

impl<T: Copy> Index<T> {
    pub(crate) fn new(items: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut entries: Vec<(Box<str>, T)> = Vec::new();
        for (w, t) in items {
            if w.is_empty() || entries.iter().any(|(e, _)| **e == *w) {
                continue; // first spelling wins
            }
            entries.push((w.into_boxed_str(), t));
        }
        let first = |w: &str| w.chars().next().unwrap_or('\0');
        entries.sort_by(|a, b| {
            first(&a.0)
                .cmp(&first(&b.0))
                .then(b.0.len().cmp(&a.0.len()))
        });
        let mut firsts: Vec<(char, u32, u32)> = Vec::new();
        let mut bitmap = Box::new([0u64; 1024]);
        for (k, (w, _)) in entries.iter().enumerate() {
            let c = first(w);
            match firsts.last_mut() {
                Some(last) if last.0 == c => last.2 = k as u32 + 1,
                _ => firsts.push((c, k as u32, k as u32 + 1)),
            }
            let cp = c as u32;
            if cp < 0x10000 {
                bitmap[(cp >> 6) as usize] |= 1 << (cp & 63);
            }
        }
        Index {
            bitmap,
            firsts,
            entries,
        }
    }

    /// Can an entry start with `c`?
    #[inline]
    pub(crate) fn may_start(&self, c: char) -> bool {
        let cp = c as u32;
        if cp < 0x10000 {
            self.bitmap[(cp >> 6) as usize] & (1 << (cp & 63)) != 0
        } else {
            self.firsts.binary_search_by(|f| f.0.cmp(&c)).is_ok()
        }
    }

    /// The longest entry that `s[i..]` starts with, whose first char is `c`:
    /// `(byte length, value)`.
    #[inline]
    pub(crate) fn longest_with(&self, s: &str, i: usize, c: char) -> Option<(usize, T)> {
        if !self.may_start(c) {
            return None;
        }
        let k = self.firsts.binary_search_by(|f| f.0.cmp(&c)).ok()?;
        let (_, a, b) = self.firsts[k];
        let rest = &s.as_bytes()[i..];
        for (w, t) in &self.entries[a as usize..b as usize] {
            if rest.starts_with(w.as_bytes()) {
                return Some((w.len(), *t));
            }
        }
        None
    }

    /// The longest entry that `s[i..]` starts with.
    #[inline]
    pub(crate) fn longest(&self, s: &str, i: usize) -> Option<(usize, T)> {
        let c = s[i..].chars().next()?;
        self.longest_with(s, i, c)
    }

    /// The value of an entry spelt exactly `w`.
    pub(crate) fn get(&self, w: &str) -> Option<T> {
        match self.longest(w, 0) {
            Some((l, t)) if l == w.len() => Some(t),
            _ => {
                let c = w.chars().next()?;
                let k = self.firsts.binary_search_by(|f| f.0.cmp(&c)).ok()?;
                let (_, a, b) = self.firsts[k];
                self.entries[a as usize..b as usize]
                    .iter()
                    .find(|(e, _)| **e == *w)
                    .map(|(_, t)| *t)
            }
        }
    }
}

/// What a word met in free text does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Word {
    /// A comparator for the next number; `op` None for a negated `=` (不等于).
    Cmp { op: Option<Op>, adjacent: bool },
    /// A baseline (较上年…): the next number is a change, not a level.
    Relative,
    /// A change verb (增长…): the number directly after it is a change.
    Change,
    /// A separator word between targets, with its strength.
    Sep(u8),
    /// 第: the number directly after it is an ordinal.
    Ordinal,
}

/// `not op`: 不 + 低于 (`<`) is `>=`.
fn negate(op: Op) -> Option<Op> {
    Some(match op {
        Op::Ge => Op::Lt,
        Op::Gt => Op::Le,
        Op::Le => Op::Gt,
        Op::Lt => Op::Ge,
        Op::Eq => return None,
    })
}

/// Words the scanner looks for in free text.
pub(crate) static WORDS: LazyLock<Index<Word>> = LazyLock::new(|| {
    let mut items: Vec<(String, Word)> = Vec::new();
    for &(w, op, adjacent) in tables::COMPARATOR_WORDS {
        items.push((
            w.to_string(),
            Word::Cmp {
                op: Some(op),
                adjacent,
            },
        ));
    }
    for &(w, op, adjacent) in tables::COMPARATOR_WORDS {
        for neg in tables::NEGATIONS {
            items.push((
                format!("{neg}{w}"),
                Word::Cmp {
                    op: negate(op),
                    adjacent,
                },
            ));
        }
    }
    for w in tables::RELATIVE_MARKERS {
        items.push((w.to_string(), Word::Relative));
    }
    for w in tables::CHANGE_VERBS {
        items.push((w.to_string(), Word::Change));
    }
    for &(w, s) in tables::SEPARATOR_WORDS {
        items.push((w.to_string(), Word::Sep(s)));
    }
    for w in tables::ORDINAL_WORDS {
        items.push((w.to_string(), Word::Ordinal));
    }
    Index::new(items)
});

/// Units by spelling.
pub(crate) static UNITS: LazyLock<Index<UnitKind>> =
    LazyLock::new(|| Index::new(tables::UNITS.iter().map(|&(w, k)| (w.to_string(), k))));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_match_and_negation() {
        let w = &*WORDS;
        assert_eq!(
            w.longest("不低于90%", 0),
            Some((
                9,
                Word::Cmp {
                    op: Some(Op::Ge),
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("低于90%", 0),
            Some((
                6,
                Word::Cmp {
                    op: Some(Op::Lt),
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("未达到", 0),
            Some((
                9,
                Word::Cmp {
                    op: Some(Op::Lt),
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("不得超过", 0),
            Some((
                12,
                Word::Cmp {
                    op: Some(Op::Le),
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("大于等于", 0),
            Some((
                12,
                Word::Cmp {
                    op: Some(Op::Ge),
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("不足", 0),
            Some((
                6,
                Word::Cmp {
                    op: Some(Op::Lt),
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("不等于", 0),
            Some((
                9,
                Word::Cmp {
                    op: None,
                    adjacent: false
                }
            ))
        );
        assert_eq!(
            w.longest("提高至", 0),
            Some((
                9,
                Word::Cmp {
                    op: Some(Op::Ge),
                    adjacent: false
                }
            ))
        );
        assert_eq!(w.longest("提高", 0), Some((6, Word::Change)));
        assert_eq!(w.longest("较上年", 0), Some((9, Word::Relative)));
        assert_eq!(w.longest("覆盖", 0), None);
    }

    #[test]
    fn units() {
        let u = &*UNITS;
        assert_eq!(
            u.longest("个工作日内", 0),
            Some(("个工作日".len(), UnitKind::Time))
        );
        assert_eq!(u.longest("个", 0), Some((3, UnitKind::Count)));
        assert_eq!(u.longest("人次以上", 0), Some((6, UnitKind::Count)));
        assert_eq!(u.get("万元"), Some(UnitKind::Currency));
        assert_eq!(u.get("万"), None);
    }
}
