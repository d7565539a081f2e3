//! Field modifiers and detection values.

use crate::span::Span;
use std::fmt;
use std::net::IpAddr;

/// A field modifier of Sigma 2.1 (the modifiers appendix), in the order of that appendix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Modifier {
    /// `contains`: `*v*`.
    Contains,
    /// `startswith`: `v*`.
    StartsWith,
    /// `endswith`: `*v`.
    EndsWith,
    /// `all`: the values are ANDed.
    All,
    /// `exists`: the field is present / absent.
    Exists,
    /// `cased`: case-sensitive matching.
    Cased,
    /// `neq`: the field is none of the values.
    Neq,
    /// `windash`: `-` and `/` at the start of a word match every dash variant.
    Windash,
    /// `re`: a regular expression.
    Re,
    /// `i` after `re`: case-insensitive.
    ReIgnoreCase,
    /// `m` after `re`: multi-line.
    ReMultiLine,
    /// `s` after `re`: `.` matches newlines.
    ReDotAll,
    /// `base64`.
    Base64,
    /// `base64offset`: the three shifted encodings.
    Base64Offset,
    /// `utf16le`.
    Utf16Le,
    /// `utf16be`.
    Utf16Be,
    /// `utf16`: with a byte order mark.
    Utf16,
    /// `wide`: alias of `utf16le`.
    Wide,
    /// `lt`.
    Lt,
    /// `lte`.
    Lte,
    /// `gt`.
    Gt,
    /// `gte`.
    Gte,
    /// `minute` of a timestamp.
    Minute,
    /// `hour` of a timestamp.
    Hour,
    /// `day` of the month of a timestamp.
    Day,
    /// ISO 8601 `week` of a timestamp.
    Week,
    /// `month` of a timestamp.
    Month,
    /// `year` of a timestamp.
    Year,
    /// `cidr`: an IP network.
    Cidr,
    /// `expand`: `%placeholder%` values.
    Expand,
    /// `fieldref`: the value names another field.
    FieldRef,
}

impl Modifier {
    /// Every modifier with its spelling.
    pub const ALL: &'static [(&'static str, Modifier)] = &[
        ("contains", Modifier::Contains),
        ("startswith", Modifier::StartsWith),
        ("endswith", Modifier::EndsWith),
        ("all", Modifier::All),
        ("exists", Modifier::Exists),
        ("cased", Modifier::Cased),
        ("neq", Modifier::Neq),
        ("windash", Modifier::Windash),
        ("re", Modifier::Re),
        ("i", Modifier::ReIgnoreCase),
        ("m", Modifier::ReMultiLine),
        ("s", Modifier::ReDotAll),
        ("base64", Modifier::Base64),
        ("base64offset", Modifier::Base64Offset),
        ("utf16le", Modifier::Utf16Le),
        ("utf16be", Modifier::Utf16Be),
        ("utf16", Modifier::Utf16),
        ("wide", Modifier::Wide),
        ("lt", Modifier::Lt),
        ("lte", Modifier::Lte),
        ("gt", Modifier::Gt),
        ("gte", Modifier::Gte),
        ("minute", Modifier::Minute),
        ("hour", Modifier::Hour),
        ("day", Modifier::Day),
        ("week", Modifier::Week),
        ("month", Modifier::Month),
        ("year", Modifier::Year),
        ("cidr", Modifier::Cidr),
        ("expand", Modifier::Expand),
        ("fieldref", Modifier::FieldRef),
    ];

    /// Parses a modifier's spelling (case-sensitive, as pySigma).
    pub fn from_name(name: &str) -> Option<Modifier> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|&(_, m)| m)
    }

    /// The modifier's spelling.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// `contains`, `startswith` or `endswith`.
    pub fn is_position(self) -> bool {
        matches!(
            self,
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith
        )
    }

    /// `lt`, `lte`, `gt` or `gte`.
    pub fn is_compare(self) -> bool {
        matches!(
            self,
            Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte
        )
    }

    /// A timestamp part: `minute` ... `year`.
    pub fn is_time_part(self) -> bool {
        matches!(
            self,
            Modifier::Minute
                | Modifier::Hour
                | Modifier::Day
                | Modifier::Week
                | Modifier::Month
                | Modifier::Year
        )
    }

    /// `utf16le`, `utf16be`, `utf16` or `wide`.
    pub fn is_utf16(self) -> bool {
        matches!(
            self,
            Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16 | Modifier::Wide
        )
    }

    /// `base64` or `base64offset`.
    pub fn is_base64(self) -> bool {
        matches!(self, Modifier::Base64 | Modifier::Base64Offset)
    }

    /// A flag of `re`: `i`, `m` or `s`.
    pub fn is_re_flag(self) -> bool {
        matches!(
            self,
            Modifier::ReIgnoreCase | Modifier::ReMultiLine | Modifier::ReDotAll
        )
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One piece of a Sigma string value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Literal text. A backslash in it is a literal backslash (one that escaped nothing).
    Literal(String),
    /// A character written with a backslash escape: `\*`, `\?`, `\\` (and `\%` under
    /// `expand`).
    Escaped(char),
    /// `*`: any run of characters, also empty.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
    /// `%name%` under `expand`.
    Placeholder(String),
}

/// A string value parsed into literal, escape, wildcard and placeholder pieces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct SigmaString {
    /// The pieces in order. Adjacent literals are merged.
    pub pieces: Vec<Piece>,
}

impl SigmaString {
    /// Parses `text`. `placeholders` turns on `%name%` recognition (the `expand` modifier).
    ///
    /// ```
    /// use adsigma_syntax::value::{Piece, SigmaString};
    /// let s = SigmaString::parse(r"C:\Windows\*.exe", false);
    /// assert_eq!(s.pieces, vec![
    ///     Piece::Literal(r"C:\Windows".into()),
    ///     Piece::Escaped('*'),
    ///     Piece::Literal(".exe".into()),
    /// ]);
    /// ```
    pub fn parse(text: &str, placeholders: bool) -> SigmaString {
        let mut out = SigmaString::default();
        let b = text.as_bytes();
        // Runs of ordinary characters are copied whole; only these bytes (all ASCII, so
        // every cut is at a character boundary) need a look.
        let special = |c: u8| matches!(c, b'*' | b'?' | b'\\') || (placeholders && c == b'%');
        let Some(first) = b.iter().position(|&c| special(c)) else {
            // Most values: one literal, one allocation for the piece list.
            if !text.is_empty() {
                out.pieces = vec![Piece::Literal(text.to_owned())];
            }
            return out;
        };
        if first > 0 {
            out.push_str(&text[..first]);
        }
        let mut i = first;
        while i < b.len() {
            let run = b[i..]
                .iter()
                .position(|&c| special(c))
                .unwrap_or(b.len() - i);
            if run > 0 {
                out.push_str(&text[i..i + run]);
                i += run;
                continue;
            }
            match b[i] {
                b'*' => out.pieces.push(Piece::AnyRun),
                b'?' => out.pieces.push(Piece::AnyOne),
                b'\\' => match b.get(i + 1) {
                    Some(&n @ (b'*' | b'?' | b'\\')) => {
                        i += 1;
                        out.pieces.push(Piece::Escaped(char::from(n)));
                    }
                    Some(b'%') if placeholders => {
                        i += 1;
                        out.pieces.push(Piece::Escaped('%'));
                    }
                    _ => out.push_str("\\"),
                },
                _ => {
                    // `%` with placeholders on.
                    let rest = &text[i + 1..];
                    let name_len = rest
                        .find(|ch: char| {
                            !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.')
                        })
                        .unwrap_or(rest.len());
                    if name_len > 0 && rest[name_len..].starts_with('%') {
                        out.pieces
                            .push(Piece::Placeholder(rest[..name_len].to_owned()));
                        i += name_len + 1;
                    } else {
                        out.push_str("%");
                    }
                }
            }
            i += 1;
        }
        // A rule pack holds thousands of these, most of one piece.
        out.pieces.shrink_to_fit();
        out
    }

    fn push_str(&mut self, s: &str) {
        if let Some(Piece::Literal(l)) = self.pieces.last_mut() {
            l.push_str(s);
        } else {
            self.pieces.push(Piece::Literal(s.to_owned()));
        }
    }

    /// True when the value has a `*` or `?` wildcard.
    pub fn has_wildcards(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::AnyRun | Piece::AnyOne))
    }

    /// True when the value has a placeholder.
    pub fn has_placeholders(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Placeholder(_)))
    }

    /// The text with wildcards and placeholders written as they were and escapes resolved:
    /// what the value means when it has no wildcards.
    pub fn plain_text(&self) -> String {
        pieces_text(&self.pieces)
    }
}

impl fmt::Display for SigmaString {
    /// Writes the value back in Sigma notation (escapes and wildcards as written), so that
    /// parsing the output gives the same pieces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.pieces {
            match p {
                Piece::Literal(t) => f.write_str(t)?,
                Piece::Escaped(c) => write!(f, "\\{c}")?,
                Piece::AnyRun => f.write_str("*")?,
                Piece::AnyOne => f.write_str("?")?,
                Piece::Placeholder(n) => write!(f, "%{n}%")?,
            }
        }
        Ok(())
    }
}

/// The text of pieces with wildcards and placeholders written as they were and escapes
/// resolved (see [`SigmaString::plain_text`]).
pub fn pieces_text(pieces: &[Piece]) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Literal(t) => s.push_str(t),
            Piece::Escaped(c) => s.push(*c),
            Piece::AnyRun => s.push('*'),
            Piece::AnyOne => s.push('?'),
            Piece::Placeholder(n) => {
                s.push('%');
                s.push_str(n);
                s.push('%');
            }
        }
    }
    s
}

/// A number as written in a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    /// The text as written (`4688`, `0x10`, `1.5`).
    pub text: String,
    /// Its value.
    pub value: NumberValue,
}

/// The value of a [`Number`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberValue {
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
}

impl NumberValue {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            NumberValue::Int(i) => i as f64,
            NumberValue::Float(f) => f,
        }
    }
}

/// An IP network of the `cidr` modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address (host bits zero).
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a /32 or /128 network).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text
            .trim()
            .parse()
            .map_err(|_| format!("`{addr_text}` is not an IPv4 or IPv6 address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= max)
                .ok_or_else(|| format!("`{p}` is not a prefix length from 0 to {max}"))?,
        };
        let host_bits_set = match addr {
            IpAddr::V4(a) => {
                let v = u32::from(a);
                prefix < 32 && v & (u32::MAX >> prefix) != 0
            }
            IpAddr::V6(a) => {
                let v = u128::from(a);
                prefix < 128 && v & (u128::MAX >> prefix) != 0
            }
        };
        if host_bits_set {
            return Err(format!(
                "`{text}` has host bits set; the network is written with them zero"
            ));
        }
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A value of a detection item, typed by the item's modifiers.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// `null`: the field is missing or null.
    Null,
    /// A boolean (also the argument of `exists`).
    Bool(bool),
    /// A number (also the argument of `lt` ... `gte` and the timestamp parts).
    Number(Number),
    /// A string with wildcards, escapes and placeholders.
    String(SigmaString),
    /// A regular expression (`re`), as written.
    Regex(String),
    /// An IP network (`cidr`).
    Cidr(Cidr),
    /// The name of another field (`fieldref`).
    FieldRef(String),
}

/// A value and where it was written.
#[derive(Clone, Debug)]
pub struct Value {
    /// The typed value.
    pub kind: ValueKind,
    /// Where it was written.
    pub span: Span,
    /// True when the YAML scalar was quoted (a quoted number is a string; lint warns).
    pub quoted: bool,
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece, SigmaString};

    /// The definition, one character at a time: what `SigmaString::parse` must equal.
    fn reference(text: &str, placeholders: bool) -> Vec<Piece> {
        let mut out: Vec<Piece> = Vec::new();
        let literal = |out: &mut Vec<Piece>, c: char| match out.last_mut() {
            Some(Piece::Literal(s)) => s.push(c),
            _ => out.push(Piece::Literal(c.to_string())),
        };
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => out.push(Piece::AnyRun),
                '?' => out.push(Piece::AnyOne),
                '\\' => match chars.get(i + 1) {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        out.push(Piece::Escaped(n));
                        i += 1;
                    }
                    Some('%') if placeholders => {
                        out.push(Piece::Escaped('%'));
                        i += 1;
                    }
                    _ => literal(&mut out, '\\'),
                },
                '%' if placeholders => {
                    let name: String = chars[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                        .collect();
                    let n = name.chars().count();
                    if n > 0 && chars.get(i + 1 + n) == Some(&'%') {
                        out.push(Piece::Placeholder(name));
                        i += n + 1;
                    } else {
                        literal(&mut out, '%');
                    }
                }
                c => literal(&mut out, c),
            }
            i += 1;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// Wildcards, escapes and placeholders read as the character-by-character definition
        /// says, with runs of other characters copied whole.
        #[test]
        fn parse_agrees_with_the_definition(text in "[ab*?\\\\%_.\\-é]{0,12}", placeholders: bool) {
            let parsed = SigmaString::parse(&text, placeholders);
            proptest::prop_assert_eq!(&parsed.pieces, &reference(&text, placeholders), "{:?}", text);
        }
    }
}
