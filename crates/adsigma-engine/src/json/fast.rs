//! A hand-written JSON reader for [`JsonEvent`]: the same nodes as the serde_json path,
//! built straight from the bytes.
//!
//! Contract: [`parse`] returns `None` whenever it is not sure, and then the caller parses
//! with serde_json, which also gives the error message for bad input. It never accepts a
//! document serde_json rejects, and what it builds equals what the serde_json path builds
//! (tested by property and fuzzing). It declines: nesting deeper than [`MAX_DEPTH`],
//! malformed or lone-surrogate `\u` escapes, numbers serde_json would reject, and anything
//! that is not JSON. Numbers other than plain integers in `i64`/`u64` (fractions, exponents,
//! `-0`, integers out of range) are converted by serde_json itself, so that they round the
//! same.

use super::{JsonEvent, Kind, Node, key_hash};
use std::borrow::Cow;

/// Deeper documents are left to serde_json (whose recursion limit is 128).
const MAX_DEPTH: usize = 100;

/// Parses `text`, or `None` (see the module's contract).
pub(super) fn parse(text: &str) -> Option<JsonEvent<'_>> {
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        i: 0,
        ev: JsonEvent {
            nodes: Vec::with_capacity(32),
            inexact: false,
            root_missing: 0,
        },
    };
    r.ws();
    r.value(Cow::Borrowed(""), 0)?;
    r.ws();
    (r.i == r.b.len()).then_some(r.ev)
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    ev: JsonEvent<'a>,
}

/// JSON's four whitespace bytes.
#[inline]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> Reader<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if !is_ws(c) {
                break;
            }
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Appends a node. (A key with a dot has already made the event inexact: see
    /// [`Reader::string`].)
    #[inline]
    fn push(&mut self, key: Cow<'a, str>, kind: Kind<'a>) -> usize {
        let i = self.ev.nodes.len();
        self.ev.nodes.push(Node {
            key,
            kind,
            end: i as u32 + 1,
        });
        i
    }

    fn value(&mut self, key: Cow<'a, str>, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(key, depth),
            b'[' => self.array(key, depth),
            b'"' => {
                let s = self.string::<false>()?;
                self.push(key, Kind::Str(s));
                Some(())
            }
            b't' => self.word(b"true", key, Kind::Bool(true)),
            b'f' => self.word(b"false", key, Kind::Bool(false)),
            b'n' => self.word(b"null", key, Kind::Null),
            b'-' | b'0'..=b'9' => {
                let kind = self.number()?;
                self.push(key, kind);
                Some(())
            }
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8], key: Cow<'a, str>, kind: Kind<'a>) -> Option<()> {
        if !self.b[self.i..].starts_with(w) {
            return None;
        }
        self.i += w.len();
        self.push(key, kind);
        Some(())
    }

    /// Past the opening bracket at `i`: true (and past `close`) when the collection is
    /// empty.
    fn opens_empty(&mut self, close: u8) -> Option<bool> {
        self.i += 1;
        self.ws();
        let empty = self.peek()? == close;
        if empty {
            self.i += 1;
        }
        Some(empty)
    }

    /// After an element: past a `,` (false) or past `close` (true); `None` otherwise.
    fn closes_after_item(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(false)
            }
            c if c == close => {
                self.i += 1;
                Some(true)
            }
            _ => None,
        }
    }

    fn array(&mut self, key: Cow<'a, str>, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let at = self.push(key, Kind::Array);
        if !self.opens_empty(b']')? {
            loop {
                self.value(Cow::Borrowed(""), depth + 1)?;
                if self.closes_after_item(b']')? {
                    break;
                }
            }
        }
        self.ev.nodes[at].end = self.ev.nodes.len() as u32;
        Some(())
    }

    /// The same bookkeeping as the serde_json path's `visit_map`: repeated, empty or
    /// (beyond 64 siblings) unchecked keys make the event inexact; the root's Bloom bits.
    fn object(&mut self, key: Cow<'a, str>, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let at = self.push(key, Kind::Object);
        let mut bloom = 0u64;
        if !self.opens_empty(b'}')? {
            let mut siblings = 0usize;
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let k = self.string::<true>()?;
                self.ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.i += 1;
                self.ws();
                siblings += 1;
                let bit = 1u64 << (key_hash(&k) & 63);
                if k.is_empty()
                    || siblings > 64
                    || (bloom & bit != 0 && self.ev.has_child_key(at, &k))
                {
                    self.ev.inexact = true;
                }
                bloom |= bit;
                self.value(k, depth + 1)?;
                if self.closes_after_item(b'}')? {
                    break;
                }
            }
        }
        self.ev.nodes[at].end = self.ev.nodes.len() as u32;
        if at == 0 {
            self.ev.root_missing = !bloom;
        }
        Some(())
    }

    /// A string at `"`: borrowed when it has no escape. A key (`KEY`) with a `.` makes the
    /// event inexact.
    #[inline]
    fn string<const KEY: bool>(&mut self) -> Option<Cow<'a, str>> {
        let start = self.i + 1;
        let mut n = stop::<KEY>(self.b, start)?;
        if KEY && self.b[start + n] == b'.' {
            self.ev.inexact = true;
            n += 1 + stop::<false>(self.b, start + n + 1)?;
        }
        let rest = &self.b[start..];
        if rest[n] == b'"' {
            self.i = start + n + 1;
            // `"` and `\` are ASCII: both ends are character boundaries.
            return Some(Cow::Borrowed(self.text.get(start..start + n)?));
        }
        let mut out = String::with_capacity(n + 16);
        out.push_str(self.text.get(start..start + n)?);
        let mut j = start + n;
        loop {
            // At a `\`.
            let esc = *self.b.get(j + 1)?;
            j += 2;
            match esc {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let hi = self.hex4(j)?;
                    j += 4;
                    let c = match hi {
                        0xD800..=0xDBFF => {
                            if self.b.get(j..j + 2)? != b"\\u" {
                                return None;
                            }
                            let lo = self.hex4(j + 2)?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return None;
                            }
                            j += 6;
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => char::from_u32(hi)?,
                    };
                    out.push(c);
                }
                _ => return None,
            }
            let n = stop::<false>(self.b, j)?;
            out.push_str(self.text.get(j..j + n)?);
            j += n;
            if self.b[j] != b'\\' {
                if KEY && out.contains('.') {
                    self.ev.inexact = true;
                }
                self.i = j + 1;
                return Some(Cow::Owned(out));
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + (c as char).to_digit(16)?;
        }
        Some(v)
    }

    /// A number; plain integers are read here, the rest by serde_json.
    fn number(&mut self) -> Option<Kind<'a>> {
        let start = self.i;
        let neg = self.b[start] == b'-';
        let mut j = start + usize::from(neg);
        let digits = j;
        let mut v: u64 = 0;
        let mut overflow = false;
        while let Some(&c) = self.b.get(j) {
            if !c.is_ascii_digit() {
                break;
            }
            match v
                .checked_mul(10)
                .and_then(|x| x.checked_add(u64::from(c - b'0')))
            {
                Some(x) => v = x,
                None => overflow = true,
            }
            j += 1;
        }
        let ndigits = j - digits;
        if ndigits == 0 || (ndigits > 1 && self.b[digits] == b'0') {
            return None;
        }
        let simple = !matches!(self.b.get(j), Some(b'.' | b'e' | b'E'));
        if simple && !overflow {
            let kind = if !neg {
                match i64::try_from(v) {
                    Ok(i) => Some(Kind::Int(i)),
                    Err(_) => Some(Kind::UInt(v)),
                }
            } else if v != 0 && v <= i64::MAX as u64 {
                Some(Kind::Int(-(v as i64)))
            } else {
                None
            };
            if let Some(kind) = kind {
                self.i = j;
                return Some(kind);
            }
        }
        // Fractions, exponents, `-0` and out-of-range integers: serde_json's own reading.
        while let Some(&c) = self.b.get(j) {
            if !matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                break;
            }
            j += 1;
        }
        let n: serde_json::Number = serde_json::from_str(self.text.get(start..j)?).ok()?;
        self.i = j;
        Some(if let Some(i) = n.as_i64() {
            Kind::Int(i)
        } else if let Some(u) = n.as_u64() {
            Kind::UInt(u)
        } else {
            Kind::Float(n.as_f64()?)
        })
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The offset from `from` of the first `"` or `\\` (or, with `DOT`, `.`) of a string's bytes;
/// `None` at a control character (which JSON does not allow in a string) or at the end of
/// the text. Eight bytes at a time: the lowest flagged byte of each word is exact.
#[inline]
fn stop<const DOT: bool>(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let quote = w ^ (ONES * u64::from(b'"'));
        let slash = w ^ (ONES * u64::from(b'\\'));
        let mut flags = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if DOT {
            let dot = w ^ (ONES * u64::from(b'.'));
            flags |= dot.wrapping_sub(ONES) & !dot;
        }
        let flags = flags & HIGHS;
        if flags != 0 {
            i += (flags.trailing_zeros() / 8) as usize;
            return (b[i] >= 0x20).then_some(i - from);
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || (DOT && c == b'.') {
            return Some(i - from);
        }
        if c < 0x20 {
            return None;
        }
        i += 1;
    }
    None
}
