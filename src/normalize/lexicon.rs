//! Indexes over the word tables of `tables.rs`, built once on first use.
//!
//! Lookups are "longest entry starting at byte i": a bitmap answers "can anything start
//! with this character" in one bit test (and, counting the bits below, which child of the
//! root it is), then a trie over characters is walked along the text, one child search per character, so the cost depends on how far the text agrees
//! with some entry and not on how many entries share a prefix (about 500 words start with
//! 不: every comparator behind each negation).

use std::str::Chars;
use std::sync::LazyLock;

use super::tables;
use crate::document::{Op, UnitKind};

/// Longest-match index of words: a trie over characters.
pub(crate) struct Index<T: Copy> {
    /// One bit per BMP code point that starts an entry.
    bitmap: Box<[u64; 1024]>,
    /// How many of those bits come before each word of `bitmap`: with the bits below a
    /// char's own, its place among the root's children (up to about a hundred), found
    /// without a search.
    rank: Box<[u32; 1024]>,
    /// The trie's nodes; node 0 is the root (the empty word).
    nodes: Vec<Node<T>>,
    /// Every node's children as `(char, node)`: contiguous per node, sorted by char.
    edges: Vec<(char, u32)>,
}

/// One trie node: the entry spelt by the path to it, if any, and its children.
struct Node<T> {
    value: Option<T>,
    /// The children are `edges[first..end]`.
    first: u32,
    end: u32,
}

/// A trie node while [`Index::new`] builds it: children as a sorted linked list.
struct BuildNode<T> {
    value: Option<T>,
    /// The char on the edge into this node.
    c: char,
    first_child: u32,
    next_sibling: u32,
}

/// The child of `node` along `c`, added in its sorted place when there is none.
fn child_or_insert<T>(trie: &mut Vec<BuildNode<T>>, node: usize, c: char) -> usize {
    let mut prev = None;
    let mut next = trie[node].first_child;
    while next != 0 && trie[next as usize].c < c {
        prev = Some(next as usize);
        next = trie[next as usize].next_sibling;
    }
    if next != 0 && trie[next as usize].c == c {
        return next as usize;
    }
    let new = trie.len();
    trie.push(BuildNode {
        value: None,
        c,
        first_child: 0,
        next_sibling: next,
    });
    match prev {
        Some(p) => trie[p].next_sibling = new as u32,
        None => trie[node].first_child = new as u32,
    }
    new
}

impl<T: Copy> Index<T> {
    /// Indexes `items`, each word given by its chars; when a word comes twice the first
    /// spelling wins.
    pub(crate) fn new<W: IntoIterator<Item = char>>(
        items: impl IntoIterator<Item = (W, T)>,
    ) -> Self {
        // Built as a trie whose nodes are one vector, each node's children a list linked
        // through it and kept sorted by char: no map and no allocation per node (this
        // runs on first use, inside the first form's time). Then flattened so lookups
        // touch two plain arrays. Node 0 is the root, nobody's child or sibling, so 0
        // also means "none" in the links.
        let mut trie = vec![BuildNode {
            value: None,
            c: '\0',
            first_child: 0,
            next_sibling: 0,
        }];
        for (w, t) in items {
            let mut node = 0;
            for c in w {
                node = child_or_insert(&mut trie, node, c);
            }
            if node != 0 && trie[node].value.is_none() {
                trie[node].value = Some(t);
            }
        }
        let mut nodes = Vec::with_capacity(trie.len());
        // Every node but the root is one edge.
        let mut edges = Vec::with_capacity(trie.len() - 1);
        for node in &trie {
            let first = edges.len() as u32;
            let mut k = node.first_child;
            while k != 0 {
                edges.push((trie[k as usize].c, k));
                k = trie[k as usize].next_sibling;
            }
            nodes.push(Node {
                value: node.value,
                first,
                end: edges.len() as u32,
            });
        }
        let mut bitmap = Box::new([0u64; 1024]);
        for &(c, _) in &edges[..nodes[0].end as usize] {
            let cp = c as u32;
            if cp < 0x10000 {
                bitmap[(cp >> 6) as usize] |= 1 << (cp & 63);
            }
        }
        let mut rank = Box::new([0u32; 1024]);
        let mut below = 0;
        for (word, bits) in rank.iter_mut().zip(bitmap.iter()) {
            *word = below;
            below += bits.count_ones();
        }
        Index {
            bitmap,
            rank,
            nodes,
            edges,
        }
    }

    /// The child of `node` along `c`.
    #[inline]
    fn child(&self, node: u32, c: char) -> Option<u32> {
        let n = &self.nodes[node as usize];
        let kids = &self.edges[n.first as usize..n.end as usize];
        kids.binary_search_by(|e| e.0.cmp(&c))
            .ok()
            .map(|k| kids[k].1)
    }

    /// The child of the root along `c`: the node of the entries starting with `c`.
    #[inline]
    fn first_node(&self, c: char) -> Option<u32> {
        let cp = c as u32;
        if cp >= 0x10000 {
            return self.child(0, c);
        }
        let (word, bit) = ((cp >> 6) as usize, cp & 63);
        let bits = self.bitmap[word];
        if bits & (1 << bit) == 0 {
            return None;
        }
        // The root's children are sorted by char, BMP ones first, and come first in
        // `edges`: the rank of `c` among the BMP first chars is its edge.
        let k = self.rank[word] as usize + (bits & ((1 << bit) - 1)).count_ones() as usize;
        Some(self.edges[k].1)
    }

    /// Can an entry start with `c`?
    #[inline]
    pub(crate) fn may_start(&self, c: char) -> bool {
        let cp = c as u32;
        if cp < 0x10000 {
            self.bitmap[(cp >> 6) as usize] & (1 << (cp & 63)) != 0
        } else {
            self.child(0, c).is_some()
        }
    }

    /// The longest entry that `s[i..]` starts with, whose first char is `c` (the char at
    /// `i`, which the caller has decoded already): `(byte length, value)`.
    #[inline]
    pub(crate) fn longest_with(&self, s: &str, i: usize, c: char) -> Option<(usize, T)> {
        // Most chars start no entry: that answer stays inline in the caller's loop, the
        // walk does not.
        if !self.may_start(c) {
            return None;
        }
        self.walk(s, i, c)
    }

    /// [`Self::longest_with`] for a `c` that starts some entry.
    #[inline(never)]
    fn walk(&self, s: &str, i: usize, c: char) -> Option<(usize, T)> {
        let mut node = self.first_node(c)?;
        let after_c = i + c.len_utf8();
        let mut best = self.nodes[node as usize].value.map(|t| (after_c - i, t));
        for (k, next) in s.get(after_c..).unwrap_or("").char_indices() {
            let n = &self.nodes[node as usize];
            if n.first == n.end {
                break;
            }
            match self.child(node, next) {
                Some(deeper) => node = deeper,
                None => break,
            }
            if let Some(t) = self.nodes[node as usize].value {
                best = Some((after_c + k + next.len_utf8() - i, t));
            }
        }
        best
    }

    /// The longest entry that `s[i..]` starts with.
    #[inline]
    pub(crate) fn longest(&self, s: &str, i: usize) -> Option<(usize, T)> {
        let c = s[i..].chars().next()?;
        self.longest_with(s, i, c)
    }

    /// The value of an entry spelt exactly `w`.
    pub(crate) fn get(&self, w: &str) -> Option<T> {
        let mut chars = w.chars();
        // The bitmap turns most words away at their first char.
        let mut node = self.first_node(chars.next()?)?;
        for c in chars {
            node = self.child(node, c)?;
        }
        self.nodes[node as usize].value
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
pub(crate) static WORDS: LazyLock<Index<Word>> = LazyLock::new(|| Index::new(word_items()));

/// A word spelt in two pieces: a negation and a comparator word, or `""` and the word.
/// The negated comparators are indexed without a string allocated for each.
#[derive(Clone, Copy)]
struct Spelling(&'static str, &'static str);

impl IntoIterator for Spelling {
    type Item = char;
    type IntoIter = std::iter::Chain<Chars<'static>, Chars<'static>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.chars().chain(self.1.chars())
    }
}

/// The entries of [`WORDS`], in the order that decides which spelling wins.
fn word_items() -> Vec<(Spelling, Word)> {
    let mut items: Vec<(Spelling, Word)> = Vec::new();
    for &(w, op, adjacent) in tables::COMPARATOR_WORDS {
        items.push((
            Spelling("", w),
            Word::Cmp {
                op: Some(op),
                adjacent,
            },
        ));
    }
    for &(w, op, adjacent) in tables::COMPARATOR_WORDS {
        for neg in tables::NEGATIONS {
            items.push((
                Spelling(neg, w),
                Word::Cmp {
                    op: negate(op),
                    adjacent,
                },
            ));
        }
    }
    for w in tables::RELATIVE_MARKERS {
        items.push((Spelling("", w), Word::Relative));
    }
    for w in tables::CHANGE_VERBS {
        items.push((Spelling("", w), Word::Change));
    }
    for &(w, s) in tables::SEPARATOR_WORDS {
        items.push((Spelling("", w), Word::Sep(s)));
    }
    for w in tables::ORDINAL_WORDS {
        items.push((Spelling("", w), Word::Ordinal));
    }
    items
}

/// The cells [`tables::QUALITATIVE`] lists, looked up whole: most cells holding a
/// number are turned away at their first char instead of compared with every entry.
pub(crate) static QUALITATIVE: LazyLock<Index<()>> =
    LazyLock::new(|| Index::new(qualitative_items()));

/// The entries of [`QUALITATIVE`].
fn qualitative_items() -> impl Iterator<Item = (Chars<'static>, ())> {
    tables::QUALITATIVE.iter().map(|w| (w.chars(), ()))
}

/// Words after a number that compare it (以上, 以内, 左右): [`tables::SUFFIX_WORDS`].
pub(crate) static SUFFIXES: LazyLock<Index<Op>> =
    LazyLock::new(|| Index::new(op_items(tables::SUFFIX_WORDS)));

/// Words after a date that make it a deadline or a start: [`tables::DATE_SUFFIXES`].
pub(crate) static DATE_SUFFIXES: LazyLock<Index<Op>> =
    LazyLock::new(|| Index::new(op_items(tables::DATE_SUFFIXES)));

/// The entries of a table of words with a comparator.
fn op_items(words: &'static [(&'static str, Op)]) -> impl Iterator<Item = (Chars<'static>, Op)> {
    words.iter().map(|&(w, op)| (w.chars(), op))
}

/// A unit of [`tables::UNITS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Unit {
    pub kind: UnitKind,
    /// The table's own spelling, for a value to borrow instead of copying what was written.
    pub spelling: &'static str,
}

/// Units by spelling.
pub(crate) static UNITS: LazyLock<Index<Unit>> = LazyLock::new(|| Index::new(unit_items()));

/// The entries of [`UNITS`].
fn unit_items() -> impl Iterator<Item = (Chars<'static>, Unit)> {
    tables::UNITS
        .iter()
        .map(|&(spelling, kind)| (spelling.chars(), Unit { kind, spelling }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The entries of a table as strings, for the scan to compare.
    fn spelt<W: IntoIterator<Item = char>, T>(
        items: impl IntoIterator<Item = (W, T)>,
    ) -> Vec<(String, T)> {
        items
            .into_iter()
            .map(|(w, t)| (w.into_iter().collect(), t))
            .collect()
    }

    /// What [`Index::longest`] must answer, by comparing every entry: the longest that
    /// `s[i..]` starts with, the first spelling when a word comes twice.
    fn longest_by_scan<T: Copy>(items: &[(String, T)], s: &str, i: usize) -> Option<(usize, T)> {
        let mut best: Option<(usize, T)> = None;
        for (w, t) in items {
            if !w.is_empty() && s[i..].starts_with(w.as_str()) && best.is_none_or(|b| w.len() > b.0)
            {
                best = Some((w.len(), *t));
            }
        }
        best
    }

    /// Checks `index` against the scan at every char boundary of `s`, and `get` and
    /// `may_start` with it.
    fn agrees_with_scan<T: Copy + PartialEq + std::fmt::Debug>(
        index: &Index<T>,
        items: &[(String, T)],
        s: &str,
    ) {
        for (i, c) in s.char_indices() {
            assert_eq!(
                index.longest(s, i),
                longest_by_scan(items, s, i),
                "{s:?} at {i}"
            );
            let starts = items.iter().any(|(w, _)| w.starts_with(c));
            assert_eq!(index.may_start(c), starts, "{c:?}");
        }
        let exact = items
            .iter()
            .find(|(w, _)| w == s && !w.is_empty())
            .map(|(_, t)| *t);
        assert_eq!(index.get(s), exact, "{s:?}");
    }

    /// Every character the tables use, some they don't, and one outside the BMP.
    fn alphabet() -> Vec<char> {
        let mut chars: Vec<char> = spelt(word_items())
            .iter()
            .flat_map(|(w, _)| w.chars())
            .chain(tables::UNITS.iter().flat_map(|&(w, _)| w.chars()))
            .chain(tables::QUALITATIVE.iter().flat_map(|w| w.chars()))
            .chain(tables::SUFFIX_WORDS.iter().flat_map(|&(w, _)| w.chars()))
            .chain(tables::DATE_SUFFIXES.iter().flat_map(|&(w, _)| w.chars()))
            .chain(['1', ' ', '。', '覆', '𠀀'])
            .collect();
        chars.sort_unstable();
        chars.dedup();
        chars
    }

    proptest! {
        #[test]
        fn tables_answer_like_a_scan_of_every_entry(
            text in prop::collection::vec(prop::sample::select(alphabet()), 0..10)
        ) {
            let s: String = text.into_iter().collect();
            agrees_with_scan(&WORDS, &spelt(word_items()), &s);
            agrees_with_scan(&UNITS, &spelt(unit_items()), &s);
            agrees_with_scan(&QUALITATIVE, &spelt(qualitative_items()), &s);
            agrees_with_scan(&SUFFIXES, &spelt(op_items(tables::SUFFIX_WORDS)), &s);
            agrees_with_scan(&DATE_SUFFIXES, &spelt(op_items(tables::DATE_SUFFIXES)), &s);
        }

        #[test]
        fn any_words_answer_like_a_scan_of_every_entry(
            words in prop::collection::vec(
                (prop::collection::vec(prop::sample::select(vec!['a', 'b', '不', '𠀀']), 0..4), 0..9u8),
                0..12,
            ),
            text in prop::collection::vec(prop::sample::select(vec!['a', 'b', '不', '𠀀', 'c']), 0..8),
        ) {
            let items: Vec<(String, u8)> =
                words.into_iter().map(|(w, t)| (w.into_iter().collect(), t)).collect();
            let index = Index::new(items.iter().map(|(w, t)| (w.chars(), *t)));
            let s: String = text.into_iter().collect();
            agrees_with_scan(&index, &items, &s);
            for (w, _) in &items {
                agrees_with_scan(&index, &items, w);
            }
        }
    }

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

    /// The suffix tables were read first match in table order; the index reads the
    /// longest. They agree while no word is followed in its table by a longer one it
    /// begins.
    #[test]
    fn suffix_tables_list_longer_words_first() {
        for table in [tables::SUFFIX_WORDS, tables::DATE_SUFFIXES] {
            for (k, (w, _)) in table.iter().enumerate() {
                for (later, _) in &table[k + 1..] {
                    assert!(!later.starts_with(w), "{later} after {w}");
                }
            }
        }
    }

    #[test]
    fn qualitative_cells_whole() {
        for w in tables::QUALITATIVE {
            assert_eq!(QUALITATIVE.get(w), Some(()), "{w}");
        }
        assert_eq!(QUALITATIVE.get("全覆盖率"), None);
        assert_eq!(QUALITATIVE.get("全"), None);
        assert_eq!(QUALITATIVE.get("≥95%"), None);
        assert_eq!(QUALITATIVE.get(""), None);
    }

    #[test]
    fn units() {
        let u = &*UNITS;
        let kind = |found: Option<(usize, Unit)>| found.map(|(l, unit)| (l, unit.kind));
        assert_eq!(
            kind(u.longest("个工作日内", 0)),
            Some(("个工作日".len(), UnitKind::Time))
        );
        assert_eq!(kind(u.longest("个", 0)), Some((3, UnitKind::Count)));
        assert_eq!(kind(u.longest("人次以上", 0)), Some((6, UnitKind::Count)));
        assert_eq!(
            u.get("万元"),
            Some(Unit {
                kind: UnitKind::Currency,
                spelling: "万元"
            })
        );
        assert_eq!(u.get("万"), None);
    }
}
