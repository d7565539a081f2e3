//! The Sigma condition language.
//!
//! Precedence from loosest: `or` < `and` < `not` < `1 of` / `any of` / `all of` <
//! parentheses; `and` and `or` are left-associative. Parsing uses `nom` for the tokens and
//! an explicit recursion depth, so a deeply nested condition is an error, never a stack
//! overflow.
//!
//! ```
//! use adsigma_syntax::condition::{parse_condition, Expr};
//! let e = parse_condition("sel and not 1 of filter_*", 64).unwrap();
//! assert_eq!(e.to_string(), "sel and not 1 of filter_*");
//! ```

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::multispace0;
use std::fmt;
use std::ops::Range;

/// A condition expression. `range` is the byte range in the condition text; equality ignores
/// it.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Byte range of the expression in the condition string.
    pub range: Range<u32>,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of condition expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A search identifier.
    Ident(String),
    /// `not x`.
    Not(Box<Expr>),
    /// `a and b and ...` (two or more operands, as written in one chain).
    And(Vec<Expr>),
    /// `a or b or ...` (two or more operands).
    Or(Vec<Expr>),
    /// `1 of P` (also written `any of P`) or `all of P`.
    Quantified(Quantifier, Pattern),
}

/// `1 of` / `any of`, or `all of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// `1 of` or `any of`: at least one.
    One,
    /// `all of`: every one.
    All,
}

/// What a quantifier ranges over.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// `them`: every identifier (those starting with `_` excepted).
    Them,
    /// A name where `*` matches any run of characters.
    Glob(String),
}

impl Pattern {
    /// The identifiers among `names` that this pattern selects, in the order given.
    /// Identifiers starting with `_` are skipped unless the pattern starts with `_`.
    pub fn select<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Vec<&'n str> {
        names
            .into_iter()
            .filter(|n| match self {
                Pattern::Them => !n.starts_with('_'),
                Pattern::Glob(g) => (g.starts_with('_') || !n.starts_with('_')) && glob(g, n),
            })
            .collect()
    }
}

/// `*`-only glob match of a whole string.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// What went wrong while parsing a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConditionErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// Nested deeper than the limit.
    TooDeep,
    /// A Sigma v1 aggregation (`| count() ...`); the payload names the correlation type.
    V1Aggregation {
        /// The correlation rule type that replaces it, when one does.
        replacement: Option<&'static str>,
    },
    /// Sigma v1 `near`.
    V1Near,
    /// Nothing but white space.
    Empty,
}

/// A condition parse error with the byte range it points at.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConditionError {
    /// The kind of error.
    pub kind: ConditionErrorKind,
    /// What was expected or found.
    pub message: String,
    /// Byte range in the condition text.
    pub range: Range<u32>,
}

type PResult<'a, T> = Result<(&'a str, T), ConditionError>;

struct Ctx<'a> {
    src: &'a str,
    depth: usize,
    max_depth: usize,
}

const KEYWORDS: &[&str] = &["and", "or", "not", "of", "them"];

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

fn is_pattern_char(c: char) -> bool {
    is_ident_char(c) || c == '*'
}

fn ws(i: &str) -> &str {
    let r: IResult<&str, &str> = multispace0(i);
    r.map(|(rest, _)| rest).unwrap_or(i)
}

fn word(i: &str) -> Option<(&str, &str)> {
    let r: IResult<&str, &str> = take_while1(is_pattern_char).parse(i);
    r.ok()
}

impl<'a> Ctx<'a> {
    fn off(&self, i: &str) -> u32 {
        (self.src.len() - i.len()) as u32
    }

    fn err_at(&self, i: &'a str, kind: ConditionErrorKind, message: String) -> ConditionError {
        let start = self.off(i);
        let len = word(i)
            .map(|(_, w)| w.len())
            .unwrap_or_else(|| i.chars().next().map_or(0, char::len_utf8));
        ConditionError {
            kind,
            message,
            range: start..start + len as u32,
        }
    }

    fn expected(&self, i: &'a str, what: &str) -> ConditionError {
        let found = match word(i) {
            Some((_, w)) => format!("`{w}`"),
            None => match i.chars().next() {
                Some(c) => format!("`{c}`"),
                None => "the end of the condition".to_owned(),
            },
        };
        self.err_at(
            i,
            ConditionErrorKind::Syntax,
            format!("expected {what}, found {found}"),
        )
    }

    fn keyword(&self, i: &'a str, kw: &str) -> Option<&'a str> {
        let i = ws(i);
        let r: IResult<&str, &str> = tag(kw).parse(i);
        let (rest, _) = r.ok()?;
        if rest.chars().next().is_some_and(is_pattern_char) {
            return None;
        }
        Some(rest)
    }

    fn or_expr(&mut self, i: &'a str) -> PResult<'a, Expr> {
        let start = self.off(ws(i));
        let (mut i, first) = self.and_expr(i)?;
        let mut items = vec![first];
        while let Some(rest) = self.keyword(i, "or") {
            let (rest, e) = self.and_expr(rest)?;
            items.push(e);
            i = rest;
        }
        Ok((i, self.chain(items, start, ExprKind::Or)))
    }

    fn and_expr(&mut self, i: &'a str) -> PResult<'a, Expr> {
        let start = self.off(ws(i));
        let (mut i, first) = self.not_expr(i)?;
        let mut items = vec![first];
        while let Some(rest) = self.keyword(i, "and") {
            let (rest, e) = self.not_expr(rest)?;
            items.push(e);
            i = rest;
        }
        Ok((i, self.chain(items, start, ExprKind::And)))
    }

    fn chain(&self, mut items: Vec<Expr>, start: u32, f: fn(Vec<Expr>) -> ExprKind) -> Expr {
        if items.len() == 1 {
            return items.pop().unwrap_or_else(unreachable_expr);
        }
        let end = items.last().map_or(start, |e| e.range.end);
        Expr {
            kind: f(items),
            range: start..end,
        }
    }

    fn enter(&mut self, i: &'a str) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.err_at(
                i,
                ConditionErrorKind::TooDeep,
                format!(
                    "the condition nests deeper than {} levels (max_condition_depth)",
                    self.max_depth
                ),
            ));
        }
        Ok(())
    }

    fn not_expr(&mut self, i: &'a str) -> PResult<'a, Expr> {
        let i = ws(i);
        if let Some(rest) = self.keyword(i, "not") {
            self.enter(i)?;
            let start = self.off(i);
            let (rest, inner) = self.not_expr(rest)?;
            self.depth -= 1;
            let end = inner.range.end;
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Not(Box::new(inner)),
                    range: start..end,
                },
            ));
        }
        self.primary(i)
    }

    fn primary(&mut self, i: &'a str) -> PResult<'a, Expr> {
        let i = ws(i);
        let start = self.off(i);
        if let Some(rest) = i.strip_prefix('(') {
            self.enter(i)?;
            let (rest, e) = self.or_expr(rest)?;
            let rest = ws(rest);
            let Some(rest) = rest.strip_prefix(')') else {
                return Err(self.expected(rest, "`)` or an operator"));
            };
            self.depth -= 1;
            return Ok((rest, e));
        }
        // Quantifiers: `1 of`, `any of`, `all of`.
        for (kw, q) in [
            ("1", Quantifier::One),
            ("any", Quantifier::One),
            ("all", Quantifier::All),
        ] {
            if let Some(rest) = self.keyword(i, kw) {
                if let Some(rest) = self.keyword(rest, "of") {
                    let rest = ws(rest);
                    let Some((after, w)) = word(rest) else {
                        return Err(self.expected(rest, "`them` or an identifier pattern"));
                    };
                    let pattern = if w == "them" {
                        Pattern::Them
                    } else if KEYWORDS.contains(&w) {
                        return Err(self.expected(rest, "`them` or an identifier pattern"));
                    } else {
                        Pattern::Glob(w.to_owned())
                    };
                    return Ok((
                        after,
                        Expr {
                            kind: ExprKind::Quantified(q, pattern),
                            range: start..self.off(after),
                        },
                    ));
                }
            }
        }
        let r: IResult<&str, &str> = take_while1(is_ident_char).parse(i);
        match r {
            Ok((rest, w)) if !KEYWORDS.contains(&w) => {
                if rest.starts_with('*') {
                    return Err(self.err_at(
                        i,
                        ConditionErrorKind::Syntax,
                        format!(
                            "`{}` is a pattern; patterns only follow `1 of` or `all of`",
                            word(i).map_or(w, |(_, p)| p)
                        ),
                    ));
                }
                Ok((
                    rest,
                    Expr {
                        kind: ExprKind::Ident(w.to_owned()),
                        range: start..self.off(rest),
                    },
                ))
            }
            _ => Err(self.expected(i, "an identifier, `not`, `1 of`, `all of` or `(`")),
        }
    }
}

#[cold]
fn unreachable_expr() -> Expr {
    Expr {
        kind: ExprKind::Or(Vec::new()),
        range: 0..0,
    }
}

/// Parses a condition. `max_depth` bounds nesting of parentheses and `not`.
pub fn parse_condition(text: &str, max_depth: usize) -> Result<Expr, ConditionError> {
    let mut ctx = Ctx {
        src: text,
        depth: 0,
        max_depth,
    };
    if ws(text).is_empty() {
        return Err(ConditionError {
            kind: ConditionErrorKind::Empty,
            message: "the condition is empty".to_owned(),
            range: 0..text.len() as u32,
        });
    }
    // A v1 pipe anywhere outside the expression is reported as such, even when the part
    // before it is itself malformed.
    let parsed = ctx.or_expr(text);
    let (rest, expr) = match parsed {
        Ok(x) => x,
        Err(e) => return Err(classify_failure(text, e)),
    };
    let rest = ws(rest);
    if rest.is_empty() {
        return Ok(expr);
    }
    Err(classify_failure(
        text,
        ctx.expected(rest, "`and`, `or` or the end of the condition"),
    ))
}

/// Turns a syntax error into a more precise one when the text uses a Sigma v1 feature or a
/// known non-Sigma notation.
fn classify_failure(text: &str, e: ConditionError) -> ConditionError {
    if let Some(p) = text.find('|') {
        return v1_error(text, p);
    }
    if let Some(n) = find_word(text, "near") {
        return v1_error_near(text, n);
    }
    if let Some(agg) = find_aggregation_call(text) {
        return v1_error(text, agg);
    }
    if text.contains("->") || text.contains("; then") || text.trim_start().starts_with("write ") {
        return ConditionError {
            kind: ConditionErrorKind::Syntax,
            message: "this is not Sigma condition syntax: it describes stateful multi-event logic (`write ... to %list%; then if ... -> alert`), which Sigma 2 expresses as a `temporal` correlation rule over separate rules".to_owned(),
            range: e.range,
        };
    }
    e
}

fn find_word(text: &str, w: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(w) {
        let s = from + i;
        let e = s + w.len();
        let before = text[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !is_ident_char(c));
        let after = text[e..].chars().next().is_none_or(|c| !is_ident_char(c));
        if before && after {
            return Some(s);
        }
        from = e;
    }
    None
}

fn v1_error_near(text: &str, at: usize) -> ConditionError {
    ConditionError {
        kind: ConditionErrorKind::V1Near,
        message: "`near` is Sigma v1; write a `temporal` correlation rule (Sigma 2) that refers to this rule and the others instead".to_owned(),
        range: at as u32..(at + 4).min(text.len()) as u32,
    }
}

/// The start of a v1 aggregation function call (`count(`, `sum(`, ...) in a condition.
fn find_aggregation_call(text: &str) -> Option<usize> {
    ["count", "sum", "avg", "min", "max"].iter().find_map(|f| {
        let at = find_word(text, f)?;
        text[at + f.len()..]
            .trim_start()
            .starts_with('(')
            .then_some(at)
    })
}

/// A v1 aggregation error. `at` is the `|` before the aggregation, or the aggregation's
/// start when it was written without a pipe.
fn v1_error(text: &str, at: usize) -> ConditionError {
    let pipe = at;
    let skip = usize::from(text[at..].starts_with('|'));
    let after = &text[pipe + skip..];
    let lead = after.len() - after.trim_start().len();
    let agg = after.trim();
    if let Some(n) = find_word(agg, "near") {
        if agg[..n].trim().is_empty() {
            return v1_error_near(text, pipe + skip + lead + n);
        }
    }
    let func: String = agg
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    let after = agg[func.len()..].trim_start();
    let field_arg = after
        .strip_prefix('(')
        .and_then(|a| a.split_once(')'))
        .map(|(arg, _)| !arg.trim().is_empty())
        .unwrap_or(false);
    let replacement = match func.as_str() {
        "count" if field_arg => Some("value_count"),
        "count" => Some("event_count"),
        "sum" => Some("value_sum"),
        "avg" => Some("value_avg"),
        _ => None,
    };
    let message = match replacement {
        Some(r) => format!(
            "the aggregation `{agg}` is Sigma v1; write a correlation rule of type `{r}` (Sigma 2) that refers to this rule instead"
        ),
        None => format!(
            "the aggregation `{agg}` is Sigma v1 and has no Sigma 2 equivalent; use a correlation rule (event_count, value_count, value_sum, value_avg, value_percentile)"
        ),
    };
    ConditionError {
        kind: ConditionErrorKind::V1Aggregation { replacement },
        message,
        range: pipe as u32..text.trim_end().len().max(pipe + 1) as u32,
    }
}

impl Expr {
    /// Calls `f` on this expression and every expression inside it, parents first.
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            f(e);
            match &e.kind {
                ExprKind::Not(x) => stack.push(x),
                ExprKind::And(xs) | ExprKind::Or(xs) => stack.extend(xs.iter().rev()),
                ExprKind::Ident(_) | ExprKind::Quantified(..) => {}
            }
        }
    }

    fn prec(&self) -> u8 {
        match self.kind {
            ExprKind::Or(_) => 0,
            ExprKind::And(_) => 1,
            ExprKind::Not(_) => 2,
            ExprKind::Ident(_) | ExprKind::Quantified(..) => 3,
        }
    }
}

impl fmt::Display for Expr {
    /// Writes the condition in canonical form, with parentheses exactly where the structure
    /// needs them, so that parsing the output gives an equal expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operand = |f: &mut fmt::Formatter<'_>, e: &Expr, min: u8| -> fmt::Result {
            if e.prec() <= min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match &self.kind {
            ExprKind::Ident(n) => f.write_str(n),
            ExprKind::Quantified(q, p) => {
                f.write_str(match q {
                    Quantifier::One => "1 of ",
                    Quantifier::All => "all of ",
                })?;
                match p {
                    Pattern::Them => f.write_str("them"),
                    Pattern::Glob(g) => f.write_str(g),
                }
            }
            ExprKind::Not(x) => {
                f.write_str("not ")?;
                operand(f, x, 1)
            }
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                let (sep, p) = if matches!(self.kind, ExprKind::And(_)) {
                    (" and ", 1)
                } else {
                    (" or ", 0)
                };
                for (k, x) in xs.iter().enumerate() {
                    if k > 0 {
                        f.write_str(sep)?;
                    }
                    operand(f, x, p)?;
                }
                Ok(())
            }
        }
    }
}

/// True when `name` can be written as an identifier in a condition.
pub fn is_condition_identifier(name: &str) -> bool {
    let r: IResult<&str, &str> = take_while(is_ident_char).parse(name);
    matches!(r, Ok(("", w)) if !w.is_empty() && !KEYWORDS.contains(&w))
}
