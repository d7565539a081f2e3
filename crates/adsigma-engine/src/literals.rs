//! Multi-literal search: which of a set of literals occur in a text, and where.
//!
//! A field's literals fall in three groups by where a rule needs them: at the start of the
//! value (`startswith`), at its end (`endswith`), or anywhere (`contains`, regex literals,
//! keywords). Start and end literals are found by looking up the value's first and last
//! bytes, with no pass over the value. Literals wanted anywhere are found in one pass: at
//! each position, the four bytes there (hashed into a bitmap that fits the L1/L2 cache)
//! say whether any literal of four or more bytes can start there, and a per-byte bitmap
//! does the same for shorter literals; only candidate positions are verified.
//!
//! This beats an Aho-Corasick automaton on the SigmaHQ corpus's big literal sets (~10,000
//! `CommandLine` literals, ~600 keywords): those automata are megabytes, and each byte of
//! text costs a cache miss; the bitmaps stay in cache. The verification work of the fast
//! pass is bounded: when a text makes it exceed a budget linear in the text's length (e.g.
//! a long run of one byte against many literals made of it), the text is searched with an
//! Aho-Corasick automaton instead (built on first need), which is linear in the text plus
//! the matches. The fast pass may by then have reported some matches, which are reported
//! again: callers must accept duplicates.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// Where a literal is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// At the start of the text only.
    Start,
    /// At the end of the text only.
    End,
    /// Anywhere.
    Anywhere,
}

/// Literals shorter than this are found through a per-first-byte list; longer ones through
/// their first `GRAM` bytes.
const GRAM: usize = 4;

/// Automata with at most this many pattern bytes use a DFA, bigger ones a contiguous NFA.
const DFA_MAX_PATTERN_BYTES: usize = 12_000;

/// A set of literals, each with the place it is wanted.
pub(crate) struct LiteralSet {
    pats: Vec<Box<[u8]>>,
    /// Shortest literal wanted anywhere, in bytes (`usize::MAX` when none).
    min_any: usize,
    /// Shortest literal of all, in bytes.
    min_len: usize,
    start: Edge,
    end: Edge,
    any: Anywhere,
}

impl std::fmt::Debug for LiteralSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteralSet")
            .field("literals", &self.pats.len())
            .finish()
    }
}

/// Literals wanted at one end of the text, by length class.
#[derive(Default)]
struct Edge {
    /// Bit `k` set when some literal of `k` bytes (1..GRAM) is here.
    short_lens: u8,
    /// Literals shorter than `GRAM`, keyed by (length, bytes).
    short: FxHashMap<(u8, u32), Vec<u32>>,
    /// Literals of `GRAM` bytes or more, keyed by their `GRAM` bytes at this end.
    long: FxHashMap<u32, Vec<u32>>,
}

/// Literals wanted anywhere.
struct Anywhere {
    /// Per byte: whether a one-byte literal is that byte.
    one_bits: [u64; 4],
    /// One-byte literals grouped by their byte: `one[one_at[b]..one_at[b+1]]`.
    one_at: Vec<u32>,
    one: Vec<Probe>,
    /// Per two bytes: whether a literal of two or three bytes starts with them.
    two_bits: Vec<u64>,
    /// Per two bytes: whether any literal can start with them (a one-byte literal starts
    /// every pair beginning with its byte). Most positions of a text fail this one test.
    /// (Indexed by the two bytes themselves: a hashed, smaller bitmap for small sets saved
    /// 3 MB over the SigmaHQ corpus but cost 2% of evaluation.)
    first2: Vec<u64>,
    /// Those literals grouped by the hash of their first two bytes (`two_shift`).
    two_at: Vec<u32>,
    two: Vec<Probe>,
    two_shift: u32,
    /// Bitmap of hashed first-`GRAM`-byte windows of the longer literals.
    bits: Vec<u64>,
    shift: u32,
    /// Longer literals grouped by the same hash, in fewer buckets (about one per literal:
    /// `long_shift`): `long[long_at[h]..long_at[h+1]]`.
    long_at: Vec<u32>,
    long_shift: u32,
    long: Vec<Probe>,
    /// The literals of this group (ids into `pats`), for the fallback automaton.
    ids: Vec<u32>,
    fallback: OnceLock<Option<AhoCorasick>>,
}

/// A literal as the fast pass tests it: its first (up to) eight bytes as a masked word,
/// compared with one instruction; the rest, if any, with a slice comparison.
#[derive(Clone, Copy)]
struct Probe {
    head: u64,
    mask: u64,
    len: u32,
    id: u32,
}

impl Probe {
    fn new(b: &[u8], id: u32) -> Probe {
        let k = b.len().min(8);
        let mut w = [0u8; 8];
        w[..k].copy_from_slice(&b[..k]);
        Probe {
            head: u64::from_le_bytes(w),
            mask: if k == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * k)) - 1
            },
            len: b.len() as u32,
            id,
        }
    }

    /// Whether the literal occurs at `i`, where `word` holds the (zero-padded) eight bytes
    /// of the text from `i`.
    #[inline]
    fn at(&self, pats: &[Box<[u8]>], text: &[u8], i: usize, word: u64) -> bool {
        let len = self.len as usize;
        word & self.mask == self.head
            && i + len <= text.len()
            && (len <= 8 || text[i + 8..i + len] == pats[self.id as usize][8..])
    }
}

#[inline]
fn word_at(text: &[u8], i: usize) -> u64 {
    match text.get(i..i + 8) {
        Some(w) => u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
        None => {
            let mut w = [0u8; 8];
            let rest = &text[i..];
            w[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(w)
        }
    }
}

/// Groups probes by a key below `buckets`: the offsets array and the probes in key order.
fn group(mut keyed: Vec<(usize, Probe)>, buckets: usize) -> (Vec<u32>, Vec<Probe>) {
    keyed.sort_by_key(|(k, p)| (*k, p.id));
    let mut at = vec![0u32; buckets + 1];
    for (k, _) in &keyed {
        at[k + 1] += 1;
    }
    for k in 0..buckets {
        at[k + 1] += at[k];
    }
    (at, keyed.into_iter().map(|(_, p)| p).collect())
}

fn gram(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn short_key(b: &[u8]) -> (u8, u32) {
    let mut k = [0u8; 4];
    k[..b.len()].copy_from_slice(b);
    (b.len() as u8, u32::from_le_bytes(k))
}

/// The top `32 - shift` bits of a multiplicative hash of `g` (0 when `shift` is 32).
#[inline]
fn hash(g: u32, shift: u32) -> usize {
    (u64::from(g.wrapping_mul(0x9E37_79B1)) >> shift) as usize
}

/// Bits to index about `n` buckets (`0` for one), at most `max`.
fn log2_buckets(n: usize, max: u32) -> u32 {
    n.max(1).next_power_of_two().trailing_zeros().min(max)
}

impl LiteralSet {
    /// Builds the set. Literals must be non-empty and distinct; ids are their indices.
    pub(crate) fn new(literals: Vec<(String, Place)>) -> LiteralSet {
        let mut pats = Vec::with_capacity(literals.len());
        let mut start = Edge::default();
        let mut end = Edge::default();
        let mut any_ids = Vec::new();
        let mut min_any = usize::MAX;
        let mut min_len = usize::MAX;
        for (id, (lit, place)) in literals.into_iter().enumerate() {
            let b = lit.into_bytes().into_boxed_slice();
            debug_assert!(!b.is_empty());
            let id = id as u32;
            min_len = min_len.min(b.len());
            match place {
                Place::Start => start.add(&b, id, true),
                Place::End => end.add(&b, id, false),
                Place::Anywhere => {
                    min_any = min_any.min(b.len());
                    any_ids.push(id);
                }
            }
            pats.push(b);
        }
        let long_count = any_ids
            .iter()
            .filter(|&&i| pats[i as usize].len() >= GRAM)
            .count();
        // About 64 bits per literal, at least 4 kbit, at most 256 kbit (32 KB).
        let log = (long_count.max(1) * 64)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 18);
        let shift = 32 - log;
        let mut bits = vec![0u64; 1 << (log - 6)];
        let mut one_bits = [0u64; 4];
        let mut two_bits = Vec::new();
        let mut first2 = vec![0u64; 1 << 10];
        let mut set2 = |k: usize| first2[k >> 6] |= 1 << (k & 63);
        let n_two = any_ids
            .iter()
            .filter(|&&id| (2..GRAM).contains(&pats[id as usize].len()))
            .count();
        let two_shift = 32 - log2_buckets(n_two, 10);
        let long_shift = 32 - log2_buckets(long_count, log);
        let (mut one, mut two, mut long) = (Vec::new(), Vec::new(), Vec::new());
        for &id in &any_ids {
            let b = &pats[id as usize];
            if b.len() == 1 {
                for x in 0..=255u8 {
                    set2(usize::from(u16::from_le_bytes([b[0], x])));
                }
            } else {
                set2(usize::from(u16::from_le_bytes([b[0], b[1]])));
            }
            if b.len() == 1 {
                one_bits[usize::from(b[0] >> 6)] |= 1 << (b[0] & 63);
                one.push((usize::from(b[0]), Probe::new(b, id)));
            } else if b.len() < GRAM {
                if two_bits.is_empty() {
                    two_bits = vec![0u64; 1 << 10];
                }
                let k = usize::from(u16::from_le_bytes([b[0], b[1]]));
                two_bits[k >> 6] |= 1 << (k & 63);
                two.push((hash(k as u32, two_shift), Probe::new(b, id)));
            } else {
                let h = hash(gram(b), shift);
                bits[h >> 6] |= 1 << (h & 63);
                long.push((hash(gram(b), long_shift), Probe::new(b, id)));
            }
        }
        let (one_at, one) = group(one, 256);
        let (two_at, two) = group(two, 1 << (32 - two_shift));
        let (long_at, long) = group(long, 1 << (32 - long_shift));
        let any = Anywhere {
            one_bits,
            one_at,
            one,
            two_bits,
            first2,
            two_at,
            two_shift,
            two,
            bits,
            shift,
            long_at,
            long_shift,
            long,
            ids: any_ids,
            fallback: OnceLock::new(),
        };
        LiteralSet {
            pats,
            min_any,
            min_len,
            start,
            end,
            any,
        }
    }

    /// Calls `found(id, start, end)` for every occurrence of a literal in `text` at a place
    /// where it is wanted. May report an occurrence more than once (see the module docs).
    #[inline]
    pub(crate) fn find(&self, text: &[u8], found: &mut impl FnMut(u32, usize, usize)) {
        let n = text.len();
        if n < self.min_len {
            return;
        }
        self.start.find(&self.pats, text, true, found);
        self.end.find(&self.pats, text, false, found);
        if n >= self.min_any {
            self.find_anywhere(text, found);
        }
    }

    fn find_anywhere(&self, text: &[u8], found: &mut impl FnMut(u32, usize, usize)) {
        let any = &self.any;
        let n = text.len();
        // Bytes compared in verification; past the budget, the automaton takes over.
        let budget = 16 * n + 4096;
        let mut spent = 0usize;
        let has_one = !any.one.is_empty();
        let has_two = !any.two.is_empty();
        let has_long = !any.long.is_empty();
        let first2 = &any.first2[..];
        let may_start = |k: u64| first2[(k >> 6) as usize & 1023] & (1 << (k & 63)) != 0;
        let mut next = 0;
        while next < n {
            let mut i = next;
            // Most positions fail the two-byte test: eight at a time from one load, then one
            // at a time near the end. (The last byte has no pair; it can only start a
            // one-byte literal.)
            'skip: loop {
                if let Some(chunk) = text.get(i..i + 9) {
                    let w = u64::from_le_bytes([
                        chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6],
                        chunk[7],
                    ]);
                    let pairs = [
                        w & 0xffff,
                        (w >> 8) & 0xffff,
                        (w >> 16) & 0xffff,
                        (w >> 24) & 0xffff,
                        (w >> 32) & 0xffff,
                        (w >> 40) & 0xffff,
                        (w >> 48) & 0xffff,
                        (w >> 56) | (u64::from(chunk[8]) << 8),
                    ];
                    for (j, k) in pairs.into_iter().enumerate() {
                        if may_start(k) {
                            i += j;
                            break 'skip;
                        }
                    }
                    i += 8;
                } else {
                    while i + 1 < n {
                        if may_start(u64::from(u16::from_le_bytes([text[i], text[i + 1]]))) {
                            break 'skip;
                        }
                        i += 1;
                    }
                    break;
                }
            }
            next = i + 1;
            let b = text[i];
            let one = has_one && any.one_bits[usize::from(b >> 6)] & (1 << (b & 63)) != 0;
            let two = has_two && i + 1 < n && {
                let k = usize::from(u16::from_le_bytes([b, text[i + 1]]));
                any.two_bits[k >> 6] & (1 << (k & 63)) != 0
            };
            let long = has_long && i + GRAM <= n && {
                let h = hash(gram(&text[i..i + GRAM]), any.shift);
                any.bits[h >> 6] & (1 << (h & 63)) != 0
            };
            if !(one || two || long) {
                continue;
            }
            let word = word_at(text, i);
            if one {
                let k = usize::from(b);
                for p in &any.one[any.one_at[k] as usize..any.one_at[k + 1] as usize] {
                    found(p.id, i, i + 1);
                }
                spent += 1;
            }
            if two {
                let h = hash(word as u32 & 0xffff, any.two_shift);
                let probes = &any.two[any.two_at[h] as usize..any.two_at[h + 1] as usize];
                for p in probes {
                    if p.at(&self.pats, text, i, word) {
                        found(p.id, i, i + p.len as usize);
                    }
                }
                spent += probes.len();
            }
            if long {
                let h = hash(word as u32, any.long_shift);
                let probes = &any.long[any.long_at[h] as usize..any.long_at[h + 1] as usize];
                for p in probes {
                    if p.at(&self.pats, text, i, word) {
                        found(p.id, i, i + p.len as usize);
                        spent += p.len as usize;
                    }
                }
                spent += probes.len();
            }
            if spent > budget {
                self.find_with_automaton(text, found);
                return;
            }
        }
    }

    /// The linear-time path: an Aho-Corasick automaton over the literals wanted anywhere.
    fn find_with_automaton(&self, text: &[u8], found: &mut impl FnMut(u32, usize, usize)) {
        let any = &self.any;
        let ac = any.fallback.get_or_init(|| {
            let pats: Vec<&[u8]> = any.ids.iter().map(|&i| &*self.pats[i as usize]).collect();
            let bytes: usize = pats.iter().map(|p| p.len()).sum();
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(if bytes <= DFA_MAX_PATTERN_BYTES {
                    AhoCorasickKind::DFA
                } else {
                    AhoCorasickKind::ContiguousNFA
                }))
                .build(&pats)
                .ok()
        });
        if let Some(ac) = ac {
            for m in ac.find_overlapping_iter(text) {
                found(any.ids[m.pattern().as_usize()], m.start(), m.end());
            }
        }
    }
}

impl Edge {
    fn add(&mut self, b: &[u8], id: u32, at_start: bool) {
        if b.len() < GRAM {
            self.short_lens |= 1 << b.len();
            self.short.entry(short_key(b)).or_default().push(id);
        } else {
            let g = if at_start {
                gram(b)
            } else {
                gram(&b[b.len() - GRAM..])
            };
            self.long.entry(g).or_default().push(id);
        }
    }

    #[inline]
    fn find(
        &self,
        pats: &[Box<[u8]>],
        text: &[u8],
        at_start: bool,
        found: &mut impl FnMut(u32, usize, usize),
    ) {
        let n = text.len();
        if self.short_lens != 0 {
            for k in 1..GRAM.min(n + 1) {
                if self.short_lens & (1 << k) == 0 {
                    continue;
                }
                let part = if at_start { &text[..k] } else { &text[n - k..] };
                if let Some(ids) = self.short.get(&short_key(part)) {
                    for &id in ids {
                        if at_start {
                            found(id, 0, k);
                        } else {
                            found(id, n - k, n);
                        }
                    }
                }
            }
        }
        if !self.long.is_empty() && n >= GRAM {
            let g = if at_start {
                gram(text)
            } else {
                gram(&text[n - GRAM..])
            };
            if let Some(ids) = self.long.get(&g) {
                for &id in ids {
                    let p = &pats[id as usize];
                    if at_start {
                        if text.starts_with(p) {
                            found(id, 0, p.len());
                        }
                    } else if text.ends_with(p) {
                        found(id, n - p.len(), n);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (literal, start, end) the set should report, found naively.
    fn naive(lits: &[(String, Place)], text: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        for (id, (l, place)) in lits.iter().enumerate() {
            let l = l.as_bytes();
            for s in 0..=text.len().saturating_sub(l.len()) {
                if text.len() >= l.len() && &text[s..s + l.len()] == l {
                    let e = s + l.len();
                    let ok = match place {
                        Place::Start => s == 0,
                        Place::End => e == text.len(),
                        Place::Anywhere => true,
                    };
                    if ok {
                        out.push((id as u32, s, e));
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn found(set: &LiteralSet, text: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        set.find(text, &mut |id, s, e| out.push((id, s, e)));
        out.sort_unstable();
        out.dedup();
        out
    }

    fn lits(spec: &[(&str, Place)]) -> Vec<(String, Place)> {
        spec.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect()
    }

    #[test]
    fn finds_each_place() {
        let l = lits(&[
            ("/bin/", Place::Anywhere),
            ("sh", Place::End),
            ("/usr", Place::Start),
            ("-c", Place::Anywhere),
            ("x", Place::Start),
            ("bash", Place::End),
        ]);
        let set = LiteralSet::new(l.clone());
        for text in [
            "/usr/bin/bash -c id",
            "/usr/bin/bash",
            "xsh",
            "x",
            "sh",
            "",
            "-c-c-c",
            "/bin//bin/",
        ] {
            assert_eq!(
                found(&set, text.as_bytes()),
                naive(&l, text.as_bytes()),
                "{text}"
            );
        }
    }

    #[test]
    fn budget_falls_back_to_the_automaton() {
        let l: Vec<(String, Place)> = (1..40).map(|k| ("a".repeat(k), Place::Anywhere)).collect();
        let set = LiteralSet::new(l.clone());
        let text = "a".repeat(3000);
        assert_eq!(found(&set, text.as_bytes()), naive(&l, text.as_bytes()));
    }

    /// Distinct literals (the first spelling wins) at the places their codes say, searched
    /// in `text` by the set and naively.
    fn agree(
        spec: Vec<(String, u8)>,
        text: &str,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut seen = std::collections::HashSet::new();
        let l: Vec<(String, Place)> = spec
            .into_iter()
            .filter(|(s, _)| seen.insert(s.clone()))
            .map(|(s, p)| (s, [Place::Start, Place::End, Place::Anywhere][p as usize]))
            .collect();
        let set = LiteralSet::new(l.clone());
        proptest::prop_assert_eq!(found(&set, text.as_bytes()), naive(&l, text.as_bytes()));
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_naive_search(
            spec in proptest::collection::vec(("[ab/-]{1,6}", 0..3u8), 1..12),
            text in "[ab/-]{0,40}",
        ) {
            agree(spec, &text)?;
        }

        /// Large sets (one-byte literals, many literals per bucket, bitmaps over their minimum).
        #[test]
        fn agrees_with_naive_search_on_large_sets(
            spec in proptest::collection::vec(("[a-p/-]{1,9}", 0..3u8), 50..400),
            singles in 0..20usize,
            text in "[a-q/-]{0,120}",
        ) {
            let singles = ('a'..='p').take(singles).map(|c| (c.to_string(), 2u8));
            agree(singles.chain(spec).collect(), &text)?;
        }
    }

    #[test]
    fn buckets_grow_with_the_literals() {
        let lits = |n: usize| -> Vec<(String, Place)> {
            (0..n)
                .map(|i| (format!("lit{i:05}"), Place::Anywhere))
                .collect()
        };
        // Offsets for about one bucket per literal (not one per bitmap bit: 1 MB a set).
        let small = LiteralSet::new(lits(10));
        assert!(small.any.long_at.len() <= 17);
        let many: Vec<(String, Place)> = (0..4096u32)
            .map(|i| {
                let (a, b) = (
                    char::from(b'A' + (i % 26) as u8),
                    char::from(b'a' + (i / 26 % 26) as u8),
                );
                (format!("{a}{b}q{i}"), Place::Anywhere)
            })
            .collect();
        let large = LiteralSet::new(many);
        assert!(large.any.long_at.len() <= 4097);
        let text = b"xx Aaq0 yy Baq1";
        let mut hits = Vec::new();
        large.find(text, &mut |id, a, b| hits.push((id, a, b)));
        hits.sort_unstable();
        hits.dedup();
        assert_eq!(hits, [(0, 3, 7), (1, 11, 15)]);
    }
}
