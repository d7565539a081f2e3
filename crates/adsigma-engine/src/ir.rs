//! The intermediate representation: a boolean formula per rule over item tests.

use crate::pattern::StrPat;
use adsigma_syntax::value::Cidr;

/// Where an item looks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A field path.
    Field(Box<str>),
    /// Every string value anywhere in the event (keywords).
    Keywords,
}

/// A numeric comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

impl CmpOp {
    /// Applies the comparison.
    pub fn apply(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Lt => a < b,
            CmpOp::Lte => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Gte => a >= b,
        }
    }
}

/// A timestamp part of the `minute` ... `year` modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimePart {
    /// `minute`
    Minute,
    /// `hour`
    Hour,
    /// `day`
    Day,
    /// `week` (ISO 8601)
    Week,
    /// `month`
    Month,
    /// `year`
    Year,
}

/// Where a `fieldref` value must appear in the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefPos {
    /// Equal.
    Exact,
    /// `startswith`
    Prefix,
    /// `endswith`
    Suffix,
    /// `contains`
    Contains,
}

/// What an item tests on the values it finds.
#[derive(Clone, Debug)]
pub enum ItemKind {
    /// String patterns: one list of alternatives per value; any value (or all values)
    /// must match some element.
    Str {
        /// Per value, its alternatives (windash, base64offset, placeholders).
        values: Vec<Vec<StrPat>>,
        /// `all`: every value must match.
        all: bool,
        /// Case-sensitive (`cased`, or encoded values).
        cased: bool,
    },
    /// Regular expressions (unanchored search).
    Regex {
        /// One per value.
        values: Vec<LazyRegex>,
        /// `all`.
        all: bool,
        /// Folded literals one of which every match contains, per value, when known.
        literals: Vec<Option<Vec<String>>>,
    },
    /// A rule number: the same number, or its decimal string.
    NumEq {
        /// The number.
        value: f64,
        /// Its decimal string.
        text: Box<str>,
    },
    /// `lt` `lte` `gt` `gte`.
    Cmp {
        /// The comparison.
        op: CmpOp,
        /// The bound.
        value: f64,
    },
    /// A rule boolean: JSON booleans and the strings `true`/`false`.
    Bool(bool),
    /// `null`: missing or JSON null.
    Null,
    /// `exists`.
    Exists(bool),
    /// `cidr`.
    Cidr {
        /// The networks.
        nets: Vec<Cidr>,
        /// `all`.
        all: bool,
    },
    /// A timestamp part compared with a number.
    Time {
        /// The part.
        part: TimePart,
        /// The comparison.
        op: CmpOp,
        /// The number.
        value: f64,
    },
    /// `fieldref`: the value of another field.
    FieldRef {
        /// The other field.
        other: Box<str>,
        /// Where it must appear.
        pos: RefPos,
        /// Case-sensitive.
        cased: bool,
    },
}

impl PartialEq for ItemKind {
    /// The same test (numbers compared by their bits, regexes by pattern and flags): what
    /// the compiler merges.
    fn eq(&self, other: &ItemKind) -> bool {
        use ItemKind as K;
        match (self, other) {
            (
                K::Str { values, all, cased },
                K::Str {
                    values: v,
                    all: a,
                    cased: c,
                },
            ) => values == v && all == a && cased == c,
            (
                K::Regex { values, all, .. },
                K::Regex {
                    values: v, all: a, ..
                },
            ) => {
                values.len() == v.len()
                    && values.iter().zip(v).all(|(x, y)| x.key() == y.key())
                    && all == a
            }
            (K::NumEq { value, text }, K::NumEq { value: v, text: t }) => {
                value.to_bits() == v.to_bits() && text == t
            }
            (K::Cmp { op, value }, K::Cmp { op: o, value: v }) => {
                op == o && value.to_bits() == v.to_bits()
            }
            (K::Bool(a), K::Bool(b)) | (K::Exists(a), K::Exists(b)) => a == b,
            (K::Null, K::Null) => true,
            (K::Cidr { nets, all }, K::Cidr { nets: n, all: a }) => nets == n && all == a,
            (
                K::Time { part, op, value },
                K::Time {
                    part: p,
                    op: o,
                    value: v,
                },
            ) => part == p && op == o && value.to_bits() == v.to_bits(),
            (
                K::FieldRef { other, pos, cased },
                K::FieldRef {
                    other: o,
                    pos: p,
                    cased: c,
                },
            ) => other == o && pos == p && cased == c,
            _ => false,
        }
    }
}

impl std::hash::Hash for ItemKind {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        use ItemKind as K;
        std::mem::discriminant(self).hash(h);
        match self {
            K::Str { values, all, cased } => (values, all, cased).hash(h),
            K::Regex { values, all, .. } => {
                for v in values {
                    v.key().hash(h);
                }
                all.hash(h);
            }
            K::NumEq { value, text } => (value.to_bits(), text).hash(h),
            K::Cmp { op, value } => (op, value.to_bits()).hash(h),
            K::Bool(b) | K::Exists(b) => b.hash(h),
            K::Null => {}
            K::Cidr { nets, all } => (nets, all).hash(h),
            K::Time { part, op, value } => (part, op, value.to_bits()).hash(h),
            K::FieldRef { other, pos, cased } => (other, pos, cased).hash(h),
        }
    }
}

/// One test: a target and what to test there.
#[derive(Clone, Debug)]
pub struct Item {
    /// Where to look.
    pub target: Target,
    /// What to test.
    pub kind: ItemKind,
}

/// A boolean formula over items.
#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    /// An item's result.
    Item(u32),
    /// Negation.
    Not(Box<Formula>),
    /// Conjunction.
    And(Vec<Formula>),
    /// Disjunction.
    Or(Vec<Formula>),
    /// A constant.
    Const(bool),
}

impl Formula {
    /// `And`, flattened and simplified.
    pub fn and(parts: Vec<Formula>) -> Formula {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                Formula::Const(true) => {}
                Formula::Const(false) => return Formula::Const(false),
                Formula::And(inner) => out.extend(inner),
                p => out.push(p),
            }
        }
        match out.len() {
            0 => Formula::Const(true),
            1 => out.pop().unwrap_or(Formula::Const(true)),
            _ => Formula::And(out),
        }
    }

    /// `Or`, flattened and simplified.
    pub fn or(parts: Vec<Formula>) -> Formula {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                Formula::Const(false) => {}
                Formula::Const(true) => return Formula::Const(true),
                Formula::Or(inner) => out.extend(inner),
                p => out.push(p),
            }
        }
        match out.len() {
            0 => Formula::Const(false),
            1 => out.pop().unwrap_or(Formula::Const(false)),
            _ => Formula::Or(out),
        }
    }

    /// Negation, simplified.
    pub fn negate(f: Formula) -> Formula {
        match f {
            Formula::Const(b) => Formula::Const(!b),
            Formula::Not(inner) => *inner,
            f => Formula::Not(Box::new(f)),
        }
    }

    /// Calls `f(item, positive)` for every item occurrence with its polarity.
    pub fn items(&self, positive: bool, f: &mut impl FnMut(u32, bool)) {
        match self {
            Formula::Item(i) => f(*i, positive),
            Formula::Not(x) => x.items(!positive, f),
            Formula::And(xs) | Formula::Or(xs) => xs.iter().for_each(|x| x.items(positive, f)),
            Formula::Const(_) => {}
        }
    }
}

/// A regex built on first use. Its syntax was checked when the rule compiled (look-around,
/// back-references and other errors are compile errors then); a pattern that could exceed
/// the size limit was built and dropped then too, so building it later cannot fail. Most rules' regexes
/// are only ever needed for the few events whose literals they share, and building every
/// one up front was a sixth of compiling the SigmaHQ corpus. Clones share the built regex.
#[derive(Clone, Debug)]
pub struct LazyRegex(std::sync::Arc<LazyInner>);

#[derive(Debug)]
struct LazyInner {
    builder: regex::RegexBuilder,
    pattern: Box<str>,
    /// `i`, `m`, `s`.
    flags: (bool, bool, bool),
    built: std::sync::OnceLock<Option<regex::Regex>>,
}

impl LazyRegex {
    /// A regex of `pattern` that `builder` builds on first use.
    pub(crate) fn later(
        pattern: &str,
        flags: (bool, bool, bool),
        builder: regex::RegexBuilder,
    ) -> LazyRegex {
        LazyRegex(std::sync::Arc::new(LazyInner {
            builder,
            pattern: pattern.into(),
            flags,
            built: std::sync::OnceLock::new(),
        }))
    }

    /// What makes two regexes the same: the pattern and its flags.
    fn key(&self) -> (&str, (bool, bool, bool)) {
        (&self.0.pattern, self.0.flags)
    }

    /// The pattern.
    pub fn as_str(&self) -> &str {
        &self.0.pattern
    }

    /// The built regex (`None` only if building failed, which the checks at compile time
    /// rule out).
    pub fn get(&self) -> Option<&regex::Regex> {
        self.0
            .built
            .get_or_init(|| {
                let built = self.0.builder.build().ok();
                // The size bound checked at compile time rules failure out.
                debug_assert!(built.is_some(), "regex `{}` did not build", self.0.pattern);
                built
            })
            .as_ref()
    }

    /// Whether the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.get().is_some_and(|r| r.is_match(text))
    }
}
