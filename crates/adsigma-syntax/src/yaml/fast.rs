//! A hand-written loader for the block-style subset of YAML that Sigma rule files use.
//!
//! [`super::load`] tries this loader first and falls back to the `saphyr-parser` event path
//! ([`super::load_saphyr`]) whenever it declines.
//!
//! # The contract
//!
//! [`load`] returns `None` ("not sure, use saphyr") or the very `Vec<Node>` that the saphyr
//! path builds: the same kinds, the same scalar text, style and tag, the same spans (byte
//! offset, line and column in characters) for every node. It returns `Some` only for input
//! on which the saphyr path emits no diagnostic: it declines on any duplicate key, any null
//! or over-long key, and whenever the file comes near a [`Limits`] bound (size, nesting
//! depth, node count). Declining is always correct; a tree that differs never is. The
//! differential tests (`tests/yaml_fast.rs`), a proptest and the `parse_rule` fuzz target
//! check this against the saphyr path.
//!
//! # The subset
//!
//! One document (no `---` / `...` markers, no `%` directives) whose root is a block mapping
//! or a block sequence, made of:
//!
//! - block mappings whose keys are single-line plain or quoted scalars followed by `:`;
//! - block sequences (`- item`), including mappings that start on the `- ` line
//!   (`- key: value`) and sequences written at the same indentation as their parent key;
//! - single-line plain scalars (a value ends at the end of the line or at ` #`);
//! - single-line single- and double-quoted scalars (double-quoted escapes are resolved);
//! - literal `|` and folded `>` block scalars with an optional chomping indicator (`-`,
//!   `+`), the file ending in a line break if the scalar runs to its end;
//! - comments, blank lines and empty values (`key:`).
//!
//! It declines on everything else: flow collections, anchors, aliases, tags, explicit keys
//! (`?`), multi-line plain or quoted scalars, block scalar indentation indicators, empty
//! sequence items, sequences that start on the `- ` line of another sequence, indentation
//! that the saphyr scanner would reject or read otherwise, tabs, carriage returns and other
//! control characters, and byte order marks.
//!
//! # How positions are computed
//!
//! saphyr counts columns (and offsets) in characters, which the event path converts to
//! bytes. This loader works on bytes: a position's offset is the byte offset, and its column
//! is the byte column on ASCII files and the number of characters since the start of the
//! line otherwise. Spans follow saphyr's tokens exactly:
//!
//! - a plain scalar covers its text without trailing blanks;
//! - a quoted scalar covers its quotes and, like saphyr's token, the blanks and the comment
//!   that follow it on its line (a quoted key: the blanks before its `:`);
//! - a block scalar starts at its first content character and ends where saphyr's scanner
//!   stopped: after the indentation of the first line that is not part of it;
//! - an empty value is the empty span at its key's `:`;
//! - a mapping starts at its first key, a block sequence at its first `-`, a sequence written
//!   at its parent key's indentation after the first `- ` (and the comment that may follow
//!   it); every collection ends where its last value or item ends.

use super::{Node, NodeKind, Scalar, ScalarStyle};
use crate::limits::Limits;
use crate::span::{FileId, Position, Span};
use std::collections::HashSet;

/// Nesting beyond which the loader declines whatever `Limits::max_yaml_depth` says: each
/// level is a recursive call.
const MAX_DEPTH: usize = 128;

/// Longest key, in bytes, from its start to its `:`. saphyr stops considering a simple key
/// 1024 characters after its start; staying well below keeps the two from disagreeing.
const MAX_KEY_LEN: usize = 1000;

/// Mappings with more entries than this check duplicate keys with a hash set.
const LINEAR_DUPLICATE_SCAN: usize = 24;

/// The loader gave up: the saphyr path decides.
#[derive(Debug)]
struct Decline;

type R<T> = Result<T, Decline>;

/// Reads `text` as one YAML document of the subset described in the module documentation,
/// or returns `None` when it is not sure to build what the saphyr path builds.
pub(crate) fn load(text: &str, file: FileId, limits: &Limits) -> Option<Vec<Node>> {
    if text.len() > limits.max_file_size || text.len() >= u32::MAX as usize {
        return None;
    }
    let b = text.as_bytes();
    let ascii = clean_bytes(b)?;
    let mut p = Fast {
        text,
        b,
        ascii,
        file,
        pos: 0,
        line: 1,
        line_start: 0,
        cur: None,
        nodes: 0,
        max_nodes: limits.max_yaml_nodes,
        max_depth: limits.max_yaml_depth.min(MAX_DEPTH),
    };
    p.document().ok().map(|root| vec![root])
}

/// Declines (`None`) on control characters other than the line feed (tabs and carriage
/// returns included), on DEL and on byte order marks; otherwise tells whether `b` is ASCII.
fn clean_bytes(b: &[u8]) -> Option<bool> {
    let mut high = false;
    // Branch-free within a chunk, so that the inner loop vectorises.
    for chunk in b.chunks(64) {
        let (mut bad, mut h) = (false, false);
        for &c in chunk {
            bad |= (c < 0x20) & (c != b'\n') | (c == 0x7f);
            h |= c >= 0x80;
        }
        if bad {
            return None;
        }
        high |= h;
    }
    if high && b.windows(3).any(|w| w == [0xef, 0xbb, 0xbf]) {
        return None;
    }
    Some(!high)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

/// How a plain scalar on one line ended.
enum PlainEnd {
    /// At the line break or the end of the text.
    Eol,
    /// At a comment.
    Comment,
    /// At a `:` (followed by a blank or a line break) at this offset.
    Colon(usize),
}

struct Fast<'t> {
    text: &'t str,
    b: &'t [u8],
    ascii: bool,
    file: FileId,
    /// The cursor (a byte offset).
    pos: usize,
    /// The 1-based line of `pos`.
    line: u32,
    /// Where that line starts.
    line_start: usize,
    /// After a value: the indentation of the next content line, on whose first character
    /// `pos` then is; `None` at the end of the text.
    cur: Option<usize>,
    /// Events the saphyr loader would count: one per scalar, two per collection.
    nodes: usize,
    max_nodes: usize,
    max_depth: usize,
}

impl<'t> Fast<'t> {
    /// The byte at `i`, or 0 past the end (the text holds no NUL).
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i) == b' ' {
            i += 1;
        }
        i
    }

    /// The offset of the line break ending the line of `i`, or the text's length.
    fn eol(&self, i: usize) -> usize {
        match self.b.get(i..) {
            Some(rest) => rest
                .iter()
                .position(|&c| c == b'\n')
                .map_or(self.b.len(), |k| i + k),
            None => self.b.len(),
        }
    }

    /// Moves `pos` to the start of the line after the one holding `pos` (or to the end).
    fn next_line(&mut self) {
        let e = self.eol(self.pos);
        if e < self.b.len() {
            self.pos = e + 1;
            self.line += 1;
            self.line_start = self.pos;
        } else {
            self.pos = e;
        }
    }

    /// The position of byte offset `off`, which lies on the current line.
    fn position(&self, off: usize) -> Position {
        // `off` is never before the line's start; were it, the column would be wrong (and the
        // differential tests would say so), not a panic.
        let col = if self.ascii {
            off.saturating_sub(self.line_start)
        } else {
            self.b
                .get(self.line_start..off)
                .map_or(0, |s| s.iter().filter(|&&c| c & 0xc0 != 0x80).count())
        };
        Position::new(off as u32, self.line, col as u32 + 1)
    }

    fn span(&self, start: Position, end: Position) -> Span {
        Span::new(self.file, start, end)
    }

    fn str(&self, from: usize, to: usize) -> R<&'t str> {
        self.text.get(from..to).ok_or(Decline)
    }

    fn count(&mut self, n: usize) -> R<()> {
        self.nodes += n;
        if self.nodes >= self.max_nodes {
            return Err(Decline);
        }
        Ok(())
    }

    fn scalar(&mut self, text: String, style: ScalarStyle, span: Span) -> R<Node> {
        self.count(1)?;
        Ok(Node {
            kind: NodeKind::Scalar(Scalar {
                text,
                style,
                tag: None,
            }),
            span,
        })
    }

    /// Whether `i` holds a block sequence entry indicator: `-` then a blank or a break.
    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == b'-' && matches!(self.at(i + 1), b' ' | b'\n' | 0)
    }

    /// Whether a plain scalar may start at `i` (in block context).
    fn plain_starts(&self, i: usize) -> bool {
        match self.at(i) {
            b'-' | b'?' | b':' => !matches!(self.at(i + 1), b' ' | b'\n' | 0),
            b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' | 0 => false,
            _ => true,
        }
    }

    /// Scans a plain scalar starting at `i` to the end of its line: returns the end of its
    /// text (after its last non-blank byte) and what ended it.
    fn plain(&self, i: usize) -> (usize, PlainEnd) {
        let mut j = i;
        let mut last = i;
        loop {
            match self.at(j) {
                0 | b'\n' => return (last, PlainEnd::Eol),
                b' ' => j += 1,
                b'#' if j > i && self.at(j - 1) == b' ' => return (last, PlainEnd::Comment),
                b':' if matches!(self.at(j + 1), b' ' | b'\n' | 0) => {
                    return (last, PlainEnd::Colon(j));
                }
                _ => {
                    j += 1;
                    last = j;
                }
            }
        }
    }

    /// Reads the quoted scalar whose opening quote is at `i`, on one line: its text and the
    /// offset after its closing quote.
    /// [`Fast::quoted`] with the style its quote gives.
    fn quoted_scalar(&self, i: usize) -> R<(String, ScalarStyle, usize)> {
        let (text, close) = self.quoted(i)?;
        let style = if self.at(i) == b'\'' {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        Ok((text, style, close))
    }

    fn quoted(&self, i: usize) -> R<(String, usize)> {
        let single = self.at(i) == b'\'';
        let mut s = String::new();
        let mut seg = i + 1;
        let mut j = seg;
        loop {
            match self.at(j) {
                0 | b'\n' => return Err(Decline),
                b'\'' if single => {
                    s.push_str(self.str(seg, j)?);
                    if self.at(j + 1) == b'\'' {
                        s.push('\'');
                        j += 2;
                        seg = j;
                    } else {
                        return Ok((s, j + 1));
                    }
                }
                b'"' if !single => {
                    s.push_str(self.str(seg, j)?);
                    return Ok((s, j + 1));
                }
                b'\\' if !single => {
                    s.push_str(self.str(seg, j)?);
                    let (c, len) = self.escape(j)?;
                    s.push(c);
                    j += len;
                    seg = j;
                }
                _ => j += 1,
            }
        }
    }

    /// Resolves the escape sequence whose backslash is at `i`: the character and the length
    /// of the sequence.
    fn escape(&self, i: usize) -> R<(char, usize)> {
        let c = match self.at(i + 1) {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let n = match self.at(i + 1) {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for k in 0..n {
                    let d = char::from(self.at(i + 2 + k)).to_digit(16).ok_or(Decline)?;
                    v = (v << 4) | d;
                }
                return Ok((char::from_u32(v).ok_or(Decline)?, 2 + n));
            }
            _ => return Err(Decline),
        };
        Ok((c, 2))
    }

    /// From the start of a line (`pos`), skips blank and comment lines; leaves `pos` on the
    /// first character of the next content line and returns its indentation, or `None` at
    /// the end of the text.
    fn content_line(&mut self) -> R<Option<usize>> {
        loop {
            let i = self.skip_spaces(self.pos);
            match self.at(i) {
                0 => {
                    self.pos = i;
                    return Ok(None);
                }
                b'\n' | b'#' => {
                    self.pos = i;
                    self.next_line();
                }
                _ => {
                    let indent = i - self.line_start;
                    if indent == 0 {
                        let head = self.b.get(i..i + 3);
                        if head == Some(b"---") || head == Some(b"...") {
                            return Err(Decline);
                        }
                    }
                    self.pos = i;
                    return Ok(Some(indent));
                }
            }
        }
    }

    /// After a scalar on the current line ends at `end`: allows blanks and a comment up to the
    /// line break, moves to the next content line (setting `cur`) and returns the position
    /// where the blanks and the comment end.
    fn finish_line(&mut self, end: usize) -> R<Position> {
        let j = self.skip_spaces(end);
        let stop = match self.at(j) {
            0 | b'\n' => j,
            b'#' if j > end => self.eol(j),
            _ => return Err(Decline),
        };
        let p = self.position(stop);
        self.pos = stop;
        self.next_line();
        self.cur = self.content_line()?;
        Ok(p)
    }

    fn document(&mut self) -> R<Node> {
        let Some(indent) = self.content_line()? else {
            return Err(Decline);
        };
        let root = if self.is_dash(self.pos) {
            self.block_seq(indent, false, 0)?
        } else {
            self.block_map(indent, None, 0)?
        };
        if self.cur.is_some() {
            return Err(Decline);
        }
        Ok(root)
    }

    /// A key at `pos` with its `:`: the key node and the offset of the `:`.
    fn key(&mut self) -> R<(Node, usize)> {
        let start = self.pos;
        let (text, style, end, colon) = match self.at(start) {
            b'\'' | b'"' => {
                let (text, close) = self.quoted(start)?;
                let colon = self.skip_spaces(close);
                if self.at(colon) != b':' || !matches!(self.at(colon + 1), b' ' | b'\n' | 0) {
                    return Err(Decline);
                }
                let style = if self.at(start) == b'\'' {
                    ScalarStyle::SingleQuoted
                } else {
                    ScalarStyle::DoubleQuoted
                };
                // saphyr's quoted token takes in the blanks before the `:`.
                (text, style, colon, colon)
            }
            _ if self.plain_starts(start) => {
                let (end, stop) = self.plain(start);
                let PlainEnd::Colon(colon) = stop else {
                    return Err(Decline);
                };
                let text = self.str(start, end)?;
                if matches!(text, "~" | "null" | "Null" | "NULL") {
                    return Err(Decline);
                }
                (text.to_owned(), ScalarStyle::Plain, end, colon)
            }
            _ => return Err(Decline),
        };
        if colon - start > MAX_KEY_LEN {
            return Err(Decline);
        }
        let span = self.span(self.position(start), self.position(end));
        Ok((self.scalar(text, style, span)?, colon))
    }

    fn enter(&self, depth: usize) -> R<()> {
        if depth + 1 >= self.max_depth {
            return Err(Decline);
        }
        Ok(())
    }

    /// A block mapping whose keys are at column `col`; its first key is at `pos`, or already
    /// read (`first`: the key and its `:`). `depth` counts the collections around it.
    fn block_map(&mut self, col: usize, first: Option<(Node, usize)>, depth: usize) -> R<Node> {
        self.enter(depth)?;
        self.count(2)?;
        let mut first = first;
        let mut entries: Vec<(Node, Node)> = Vec::new();
        // Past a few entries, the hashes of the keys seen: a repeated hash declines, whether
        // it is a duplicate key (which saphyr reports) or a collision.
        let mut hashes: Option<HashSet<u64>> = None;
        loop {
            let (key, colon) = match first.take() {
                Some(k) => k,
                None => self.key()?,
            };
            let value = self.value(colon, col, depth + 1)?;
            let text = key_text(&key);
            if entries.len() < LINEAR_DUPLICATE_SCAN {
                if entries.iter().any(|(k, _)| key_text(k) == text) {
                    return Err(Decline);
                }
            } else {
                let set = hashes.get_or_insert_with(|| {
                    entries.iter().map(|(k, _)| hash(key_text(k))).collect()
                });
                if !set.insert(hash(text)) {
                    return Err(Decline);
                }
            }
            entries.push((key, value));
            match self.cur {
                Some(n) if n == col => {
                    if self.is_dash(self.pos) {
                        return Err(Decline);
                    }
                }
                Some(n) if n > col => return Err(Decline),
                _ => break,
            }
        }
        let start = entries.first().map(|(k, _)| k.span.start).ok_or(Decline)?;
        let end = entries.last().map(|(_, v)| v.span.end).ok_or(Decline)?;
        Ok(Node {
            kind: NodeKind::Map(entries),
            span: self.span(start, end),
        })
    }

    /// The value after the `:` at offset `colon` of a key of the mapping at column `col`.
    fn value(&mut self, colon: usize, col: usize, depth: usize) -> R<Node> {
        let i = self.skip_spaces(colon + 1);
        self.pos = i;
        match self.at(i) {
            0 | b'\n' | b'#' => {
                // An empty value is the empty span at the `:`.
                let at_colon = self.position(colon);
                self.next_line();
                let next = self.content_line()?;
                match next {
                    Some(n) if n > col => {
                        if self.is_dash(self.pos) {
                            self.block_seq(n, false, depth)
                        } else {
                            self.block_map(n, None, depth)
                        }
                    }
                    Some(n) if n == col && self.is_dash(self.pos) => self.block_seq(n, true, depth),
                    _ => {
                        self.cur = next;
                        let span = self.span(at_colon, at_colon);
                        self.scalar(String::new(), ScalarStyle::Plain, span)
                    }
                }
            }
            b'|' | b'>' => self.block_scalar(col),
            b'\'' | b'"' => {
                let start = self.position(i);
                let (text, style, close) = self.quoted_scalar(i)?;
                let end = self.finish_line(close)?;
                let span = self.span(start, end);
                self.scalar(text, style, span)
            }
            _ if self.plain_starts(i) => self.plain_value(i),
            _ => Err(Decline),
        }
    }

    /// A plain scalar value or item starting at `i`, alone on its line.
    fn plain_value(&mut self, i: usize) -> R<Node> {
        let (end, stop) = self.plain(i);
        if let PlainEnd::Colon(_) = stop {
            return Err(Decline);
        }
        let text = self.str(i, end)?.to_owned();
        let span = self.span(self.position(i), self.position(end));
        let node = self.scalar(text, ScalarStyle::Plain, span)?;
        self.finish_line(end)?;
        Ok(node)
    }

    /// A block sequence whose `-` are at column `col`; the first is at `pos`. `indentless`:
    /// written at the indentation of the key whose value it is.
    fn block_seq(&mut self, col: usize, indentless: bool, depth: usize) -> R<Node> {
        self.enter(depth)?;
        self.count(2)?;
        let mut items = Vec::new();
        let mut start = self.position(self.pos);
        loop {
            // `pos` is on a `-` at column `col`.
            let after = self.pos + 1;
            let i = self.skip_spaces(after);
            if indentless && items.is_empty() {
                // saphyr starts such a sequence at its first entry token, which lies after
                // the blanks and the comment that follow the `-`.
                let mark = if self.at(i) == b'#' && i > after {
                    self.eol(i)
                } else {
                    i
                };
                start = self.position(mark);
            }
            self.pos = i;
            let item = self.seq_item(col, depth + 1)?;
            items.push(item);
            match self.cur {
                Some(n) if n == col && self.is_dash(self.pos) => {}
                Some(n) if n == col && indentless => break,
                Some(n) if n >= col => return Err(Decline),
                _ => break,
            }
        }
        let end = items.last().map(|n| n.span.end).ok_or(Decline)?;
        Ok(Node {
            kind: NodeKind::Seq(items),
            span: self.span(start, end),
        })
    }

    /// The item after the `- ` of a sequence at column `col`; `pos` is on its first
    /// character.
    fn seq_item(&mut self, col: usize, depth: usize) -> R<Node> {
        let i = self.pos;
        match self.at(i) {
            0 | b'\n' | b'#' => {
                self.next_line();
                match self.content_line()? {
                    Some(n) if n > col => {
                        if self.is_dash(self.pos) {
                            self.block_seq(n, false, depth)
                        } else {
                            self.block_map(n, None, depth)
                        }
                    }
                    // An empty item.
                    _ => Err(Decline),
                }
            }
            b'|' | b'>' => self.block_scalar(col),
            b'\'' | b'"' => {
                let start = self.position(i);
                let (text, style, close) = self.quoted_scalar(i)?;
                let colon = self.skip_spaces(close);
                if self.at(colon) == b':' && matches!(self.at(colon + 1), b' ' | b'\n' | 0) {
                    if colon - i > MAX_KEY_LEN {
                        return Err(Decline);
                    }
                    let span = self.span(start, self.position(colon));
                    let key = self.scalar(text, style, span)?;
                    return self.block_map(i - self.line_start, Some((key, colon)), depth);
                }
                let end = self.finish_line(close)?;
                let span = self.span(start, end);
                self.scalar(text, style, span)
            }
            _ if self.plain_starts(i) => {
                let (end, stop) = self.plain(i);
                if let PlainEnd::Colon(colon) = stop {
                    let text = self.str(i, end)?;
                    if matches!(text, "~" | "null" | "Null" | "NULL") || colon - i > MAX_KEY_LEN {
                        return Err(Decline);
                    }
                    let text = text.to_owned();
                    let span = self.span(self.position(i), self.position(end));
                    let key = self.scalar(text, ScalarStyle::Plain, span)?;
                    return self.block_map(i - self.line_start, Some((key, colon)), depth);
                }
                self.plain_value(i)
            }
            _ => Err(Decline),
        }
    }

    /// A literal or folded block scalar whose indicator is at `pos`, inside a collection at
    /// column `parent`.
    fn block_scalar(&mut self, parent: usize) -> R<Node> {
        let literal = self.at(self.pos) == b'|';
        let mut i = self.pos + 1;
        let chomping = match self.at(i) {
            b'-' => {
                i += 1;
                Chomping::Strip
            }
            b'+' => {
                i += 1;
                Chomping::Keep
            }
            _ => Chomping::Clip,
        };
        let j = self.skip_spaces(i);
        let eol = match self.at(j) {
            b'\n' => j,
            b'#' if j > i => self.eol(j),
            _ => return Err(Decline),
        };
        if eol >= self.b.len() {
            return Err(Decline);
        }
        self.pos = eol;
        self.next_line();
        // Leading empty lines, and the indentation of the first content line.
        let mut breaks = 0usize;
        let mut max_indent = 0;
        loop {
            let k = self.skip_spaces(self.pos);
            max_indent = max_indent.max(k - self.line_start);
            match self.at(k) {
                b'\n' => {
                    breaks += 1;
                    self.pos = k;
                    self.next_line();
                }
                0 => return Err(Decline),
                _ => {
                    self.pos = k;
                    break;
                }
            }
        }
        let indent = max_indent.max(parent + 1);
        if self.pos - self.line_start != indent {
            return Err(Decline);
        }
        let start = self.position(self.pos);
        let mut s = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        loop {
            // `pos` is on the first character of a content line, at column `indent`.
            let trailing_blank = self.at(self.pos) == b' ';
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if breaks == 0 {
                    s.push(' ');
                }
                push_breaks(&mut s, breaks);
            } else {
                push_breaks(&mut s, usize::from(leading_break) + breaks);
            }
            breaks = 0;
            leading_blank = trailing_blank;
            let e = self.eol(self.pos);
            s.push_str(self.str(self.pos, e)?);
            if e >= self.b.len() {
                // The text ends inside the scalar without a line break.
                return Err(Decline);
            }
            leading_break = true;
            self.pos = e;
            self.next_line();
            // The indentation of the next lines, and the empty ones.
            loop {
                let k = self.line_start;
                let mut q = k;
                while q - k < indent && self.at(q) == b' ' {
                    q += 1;
                }
                self.pos = q;
                match self.at(q) {
                    b'\n' => {
                        breaks += 1;
                        self.next_line();
                    }
                    0 if q > k => return Err(Decline),
                    _ => break,
                }
            }
            if self.at(self.pos) == 0 || self.pos - self.line_start != indent {
                break;
            }
        }
        let end = self.position(self.pos);
        if chomping != Chomping::Strip && leading_break {
            s.push('\n');
        }
        if chomping == Chomping::Keep {
            push_breaks(&mut s, breaks);
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        let node = self.scalar(s, style, self.span(start, end))?;
        self.pos = self.line_start;
        self.cur = self.content_line()?;
        Ok(node)
    }
}

fn push_breaks(s: &mut String, n: usize) {
    for _ in 0..n {
        s.push('\n');
    }
}

fn hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(s)
}

fn key_text(n: &Node) -> &str {
    match &n.kind {
        NodeKind::Scalar(s) => &s.text,
        _ => "",
    }
}
