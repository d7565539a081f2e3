//! AST -> IR: detection items to item tests, conditions to formulas.

use crate::encode::{self, Utf16};
use crate::event::write_float;
use crate::ir::*;
use crate::pattern::{StrPat, Tok, fold};
use crate::{EngineConfig, UnresolvedPlaceholders, codes};
use adsigma_syntax::condition::{Expr, ExprKind, Quantifier};
use adsigma_syntax::value::{Modifier, NumberValue, Piece, SigmaString, ValueKind};
use adsigma_syntax::{
    Detection, DetectionItem, Diagnostic, IdentifierBody, ListElement, Severity, Span,
};

/// A rule compiled to formulas, before it joins a program.
pub(crate) struct RuleIr {
    /// The whole condition.
    pub formula: Formula,
    /// Each identifier's formula, for match details.
    pub identifiers: Vec<(String, Formula)>,
}

/// Compiles detections; collects items shared by the whole program.
pub(crate) struct Compiler<'c> {
    pub config: &'c EngineConfig,
    pub items: Vec<Item>,
    /// Items by the hash of their target and test (equal ones are merged).
    dedup: rustc_hash::FxHashMap<u64, Vec<u32>>,
}

/// Why a rule could not be compiled.
pub(crate) struct Failure(pub Box<Diagnostic>);

type R<T> = Result<T, Failure>;

impl<'c> Compiler<'c> {
    pub fn new(config: &'c EngineConfig) -> Self {
        Compiler {
            config,
            items: Vec::new(),
            dedup: Default::default(),
        }
    }

    /// Adds an item, or finds the identical one another rule already has (so that its
    /// result is computed once per event).
    fn push(&mut self, target: &Target, kind: ItemKind) -> Formula {
        use std::hash::BuildHasher;
        let key = rustc_hash::FxBuildHasher.hash_one((target, &kind));
        if let Some(same) = self.dedup.get(&key) {
            for &i in same {
                let item = &self.items[i as usize];
                if item.target == *target && item.kind == kind {
                    return Formula::Item(i);
                }
            }
        }
        self.items.push(Item {
            target: target.clone(),
            kind,
        });
        let i = self.items.len() as u32 - 1;
        self.dedup.entry(key).or_default().push(i);
        Formula::Item(i)
    }

    /// Compiles a detection (a rule's or a filter's). On failure nothing of it stays in the
    /// program's item list.
    pub fn detection(&mut self, d: &Detection) -> R<RuleIr> {
        let mark = self.items.len();
        let r = self.detection_inner(d);
        if r.is_err() {
            self.items.truncate(mark);
            self.dedup.retain(|_, same| {
                same.retain(|&i| (i as usize) < mark);
                !same.is_empty()
            });
        }
        r
    }

    fn detection_inner(&mut self, d: &Detection) -> R<RuleIr> {
        let mut identifiers = Vec::with_capacity(d.identifiers.len());
        for ident in &d.identifiers {
            let f = match &ident.body {
                IdentifierBody::Map(m) => self.field_map(&m.items)?,
                IdentifierBody::List(elems) => {
                    let mut parts = Vec::with_capacity(elems.len());
                    let mut keywords = Vec::new();
                    for e in elems {
                        match e {
                            ListElement::Map(m) => parts.push(self.field_map(&m.items)?),
                            ListElement::Keyword(v) => keywords.push(v),
                        }
                    }
                    if !keywords.is_empty() {
                        parts.push(self.keywords(&keywords, false)?);
                    }
                    Formula::or(parts)
                }
            };
            identifiers.push((ident.name.value.clone(), f));
        }
        let names: Vec<&str> = identifiers.iter().map(|(n, _)| n.as_str()).collect();
        let conds = d
            .conditions
            .iter()
            .map(|c| condition(&c.expr, &names, &identifiers))
            .collect();
        Ok(RuleIr {
            formula: Formula::or(conds),
            identifiers,
        })
    }

    fn field_map(&mut self, items: &[DetectionItem]) -> R<Formula> {
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            parts.push(self.item(item)?);
        }
        Ok(Formula::and(parts))
    }

    fn keywords(&mut self, values: &[&adsigma_syntax::value::Value], all: bool) -> R<Formula> {
        let mut alts = Vec::with_capacity(values.len());
        for v in values {
            let pat = match &v.kind {
                ValueKind::String(s) => to_pat_within(&s.pieces, true, true, false),
                ValueKind::Number(n) => to_pat_within(
                    &SigmaString::parse(&n.text, false).pieces,
                    true,
                    true,
                    false,
                ),
                ValueKind::Bool(b) => to_pat_within(
                    &SigmaString::parse(&b.to_string(), false).pieces,
                    true,
                    true,
                    false,
                ),
                _ => continue,
            };
            alts.push(vec![pat]);
        }
        if alts.is_empty() {
            return Ok(Formula::Const(false));
        }
        Ok(self.push(
            &Target::Keywords,
            ItemKind::Str {
                values: alts,
                all,
                cased: false,
            },
        ))
    }

    fn item(&mut self, item: &DetectionItem) -> R<Formula> {
        use Modifier as M;
        let has = |m: M| item.has(m);
        let all = has(M::All);
        let Some(field) = &item.field else {
            let refs: Vec<&adsigma_syntax::value::Value> = item.values.iter().collect();
            let f = self.keywords(&refs, all)?;
            return Ok(if has(M::Neq) { Formula::negate(f) } else { f });
        };
        let target = Target::Field(field.value.as_str().into());
        let combine = |parts: Vec<Formula>| {
            if all {
                Formula::and(parts)
            } else {
                Formula::or(parts)
            }
        };
        let f = if has(M::Exists) {
            let b = item
                .values
                .iter()
                .any(|v| matches!(v.kind, ValueKind::Bool(true)));
            self.push(&target, ItemKind::Exists(b))
        } else if has(M::Re) {
            let mut regexes = Vec::with_capacity(item.values.len());
            let mut literals = Vec::with_capacity(item.values.len());
            let flags = (has(M::ReIgnoreCase), has(M::ReMultiLine), has(M::ReDotAll));
            for v in &item.values {
                if let ValueKind::Regex(p) = &v.kind {
                    let (regex, hir) = self.regex(p, flags, v.span)?;
                    regexes.push(regex);
                    literals.push(regex_literals(&hir));
                }
            }
            self.push(
                &target,
                ItemKind::Regex {
                    values: regexes,
                    all,
                    literals,
                },
            )
        } else if has(M::Cidr) {
            let nets = item
                .values
                .iter()
                .filter_map(|v| match &v.kind {
                    ValueKind::Cidr(c) => Some(*c),
                    _ => None,
                })
                .collect();
            self.push(&target, ItemKind::Cidr { nets, all })
        } else if has(M::FieldRef) {
            let pos = if has(M::Contains) {
                RefPos::Contains
            } else if has(M::StartsWith) {
                RefPos::Prefix
            } else if has(M::EndsWith) {
                RefPos::Suffix
            } else {
                RefPos::Exact
            };
            let parts = item
                .values
                .iter()
                .filter_map(|v| match &v.kind {
                    ValueKind::FieldRef(other) => Some(other.clone()),
                    _ => None,
                })
                .map(|other| {
                    self.push(
                        &target,
                        ItemKind::FieldRef {
                            other: other.into(),
                            pos,
                            cased: has(M::Cased),
                        },
                    )
                })
                .collect();
            combine(parts)
        } else if let Some(part) = item.modifiers.iter().find_map(|m| time_part(m.value)) {
            let op = item
                .modifiers
                .iter()
                .find_map(|m| cmp_op(m.value))
                .unwrap_or(CmpOp::Eq);
            let parts = numbers(item)
                .map(|value| self.push(&target, ItemKind::Time { part, op, value }))
                .collect();
            combine(parts)
        } else if let Some(op) = item.modifiers.iter().find_map(|m| cmp_op(m.value)) {
            let parts = numbers(item)
                .map(|value| self.push(&target, ItemKind::Cmp { op, value }))
                .collect();
            combine(parts)
        } else {
            self.plain_values(item, &target, all)?
        };
        Ok(if has(M::Neq) { Formula::negate(f) } else { f })
    }

    /// Values without a special modifier: strings (with string modifiers), numbers,
    /// booleans, null.
    fn plain_values(&mut self, item: &DetectionItem, target: &Target, all: bool) -> R<Formula> {
        use Modifier as M;
        let mut parts = Vec::new();
        let mut strings: Vec<Vec<StrPat>> = Vec::new();
        let encoded = item
            .modifiers
            .iter()
            .any(|m| m.value.is_base64() || m.value.is_utf16());
        let cased = item.has(M::Cased) || encoded;
        for v in &item.values {
            match &v.kind {
                ValueKind::Null => parts.push(self.push(target, ItemKind::Null)),
                ValueKind::Bool(b) => parts.push(self.push(target, ItemKind::Bool(*b))),
                ValueKind::Number(n) => {
                    let value = n.value.as_f64();
                    let mut text = String::new();
                    match n.value {
                        NumberValue::Int(i) => text.push_str(itoa::Buffer::new().format(i)),
                        NumberValue::Float(f) => write_float(&mut text, f),
                    }
                    parts.push(self.push(
                        target,
                        ItemKind::NumEq {
                            value,
                            text: text.into(),
                        },
                    ));
                }
                ValueKind::String(s) => {
                    strings.push(self.string_value(s, item, cased, v.span)?);
                }
                _ => {}
            }
        }
        if !strings.is_empty() {
            if all {
                for s in strings {
                    parts.push(self.push(
                        target,
                        ItemKind::Str {
                            values: vec![s],
                            all: false,
                            cased,
                        },
                    ));
                }
            } else {
                parts.push(self.push(
                    target,
                    ItemKind::Str {
                        values: strings,
                        all: false,
                        cased,
                    },
                ));
            }
        }
        Ok(if all {
            Formula::and(parts)
        } else {
            Formula::or(parts)
        })
    }

    /// One string value through its modifiers, left to right: placeholders, windash,
    /// UTF-16 and base64 encodings, then contains/startswith/endswith. Returns the
    /// alternatives.
    fn string_value(
        &mut self,
        s: &SigmaString,
        item: &DetectionItem,
        cased: bool,
        span: Span,
    ) -> R<Vec<StrPat>> {
        use Modifier as M;
        let (any_before, any_after) = if item.has(M::Contains) {
            (true, true)
        } else if item.has(M::StartsWith) {
            (false, true)
        } else if item.has(M::EndsWith) {
            (true, false)
        } else {
            (false, false)
        };
        let rewritten = item.modifiers.iter().any(|m| {
            matches!(m.value, M::Expand | M::Windash) || m.value.is_base64() || m.value.is_utf16()
        });
        if !rewritten {
            // Most values: one pattern, straight from the pieces.
            return Ok(vec![to_pat_within(&s.pieces, any_before, any_after, cased)]);
        }
        let limit = self.config.max_expansion;
        let mut variants: Vec<Vec<Piece>> = vec![s.pieces.clone()];
        if item.has(M::Expand) {
            variants = self.expand(&s.pieces, span)?;
        }
        let too_many = |n: usize| {
            Failure(Box::new(Diagnostic::new(
                codes::EXPANSION_TOO_LARGE,
                span,
                format!(
                    "the value expands to {n} or more alternatives, more than {limit} (max_expansion)"
                ),
            )))
        };
        if item.has(M::Windash) {
            let mut out = Vec::new();
            for v in &variants {
                windash(v, &mut out, limit).map_err(too_many)?;
            }
            variants = out;
        }
        let mut utf16 = None;
        for m in &item.modifiers {
            match m.value {
                M::Utf16Le | M::Wide => utf16 = Some(Utf16::Le),
                M::Utf16Be => utf16 = Some(Utf16::Be),
                M::Utf16 => utf16 = Some(Utf16::WithBom),
                M::Base64 | M::Base64Offset => {
                    let mut out = Vec::new();
                    for v in &variants {
                        let text = adsigma_syntax::value::pieces_text(v);
                        let bytes = match utf16 {
                            Some(k) => encode::utf16(&text, k),
                            None => text.into_bytes(),
                        };
                        if m.value == M::Base64 {
                            out.push(vec![Piece::Literal(encode::base64(&bytes))]);
                        } else {
                            out.extend(
                                encode::base64_offsets(&bytes)
                                    .into_iter()
                                    .map(|e| vec![Piece::Literal(e)]),
                            );
                        }
                    }
                    variants = out;
                }
                _ => {}
            }
        }
        let mut pats: Vec<StrPat> = variants
            .iter()
            .map(|v| to_pat_within(v, any_before, any_after, cased))
            .collect();
        pats.dedup();
        Ok(pats)
    }

    fn expand(&self, pieces: &[Piece], span: Span) -> R<Vec<Vec<Piece>>> {
        let mut out: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in pieces {
            match p {
                Piece::Placeholder(name) => {
                    let Some(values) = self.config.placeholders.get(name) else {
                        let sev = match self.config.unresolved_placeholders {
                            UnresolvedPlaceholders::Error => Severity::Error,
                            UnresolvedPlaceholders::SkipRule => Severity::Warning,
                        };
                        return Err(Failure(Box::new(
                            Diagnostic::new(
                                codes::UNRESOLVED_PLACEHOLDER,
                                span,
                                format!("placeholder `%{name}%` has no values in the placeholder map"),
                            )
                            .with_severity(sev)
                            .with_hint(format!(
                                "give it values, e.g. `--placeholder {name}=VALUE`, or skip rules with unresolved placeholders"
                            )),
                        )));
                    };
                    if out.len().saturating_mul(values.len().max(1)) > self.config.max_expansion {
                        return Err(Failure(Box::new(Diagnostic::new(
                            codes::EXPANSION_TOO_LARGE,
                            span,
                            format!(
                                "placeholders expand to more than {} alternatives (max_expansion)",
                                self.config.max_expansion
                            ),
                        ))));
                    }
                    let mut next = Vec::with_capacity(out.len() * values.len());
                    for prefix in &out {
                        for v in values {
                            let mut n = prefix.clone();
                            n.extend(SigmaString::parse(v, false).pieces);
                            next.push(n);
                        }
                    }
                    out = next;
                }
                other => out.iter_mut().for_each(|o| o.push(other.clone())),
            }
        }
        Ok(out)
    }

    /// The regex of a `re` value, and its syntax tree. The syntax is checked here (the
    /// same parser as the regex's own, with the same settings); the regex is built on first
    /// use; one that could exceed the size limit is built now too, so that the limit is a
    /// compile error.
    fn regex(
        &self,
        pattern: &str,
        (i, m, s): (bool, bool, bool),
        span: Span,
    ) -> R<(LazyRegex, regex_syntax::hir::Hir)> {
        let fail = |why: String| {
            Failure(Box::new(Diagnostic::new(
                codes::INVALID_REGEX,
                span,
                format!("regex `{pattern}` does not compile: {why}"),
            )))
        };
        let mut builder = regex::RegexBuilder::new(pattern);
        builder
            .case_insensitive(i)
            .multi_line(m)
            .dot_matches_new_line(s)
            .size_limit(self.config.regex_size_limit)
            .dfa_size_limit(self.config.regex_size_limit);
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(i)
            .multi_line(m)
            .dot_matches_new_line(s)
            .build()
            .parse(pattern)
            .map_err(|e| fail(syntax_error(&e.to_string())))?;
        if size_bound(&hir) <= self.config.regex_size_limit {
            return Ok((LazyRegex::later(pattern, (i, m, s), builder), hir));
        }
        // Built now only to refuse it if it is too big; kept unbuilt (a big program is
        // memory only the events that need it should cost).
        builder.build().map_err(|e| {
            fail(match &e {
                regex::Error::Syntax(text) => syntax_error(text),
                regex::Error::CompiledTooBig(n) => {
                    format!("the compiled regex is larger than {n} bytes (regex_size_limit)")
                }
                other => other.to_string(),
            })
        })?;
        Ok((LazyRegex::later(pattern, (i, m, s), builder), hir))
    }
}

/// Why a regex's syntax is refused, from the parser's message.
fn syntax_error(text: &str) -> String {
    if text.contains("look-around") {
        "look-around (look-ahead and look-behind) is not supported: the engine only runs regexes in linear time".to_owned()
    } else if text.contains("backreferences") {
        "back-references are not supported: the engine only runs regexes in linear time".to_owned()
    } else {
        text.lines()
            .filter(|l| l.starts_with("error:"))
            .map(|l| l.trim_start_matches("error:").trim().to_owned())
            .next()
            .unwrap_or_else(|| text.to_owned())
    }
}

/// An upper bound of the compiled size of a regex, in bytes: what the size limit is checked
/// against (by the forward and the reverse program alike, each on its own). A class costs
/// its UTF-8 sequences (40 bytes per byte of each: `\w` compiles to ~25 KB, its bound is
/// ~75 KB; `.` to ~1 KB), counted repetitions multiply their part, every node has 64 bytes,
/// and 8 KiB covers what every regex has (the unanchored prefix, its states).
///
/// Why 40: the size limit is checked against the NFA builder's accounting (regex-automata
/// 0.4 `thompson::Builder::memory_usage`): 32 bytes per state (its own test pins that size)
/// plus 8 per sparse transition and 4 per union alternative. Forward, a class becomes a trie
/// of its UTF-8 sequences: at most one state and one transition per sequence byte (40).
/// Reverse (built without shrinking), each sequence is a chain of byte-range states, one per
/// byte (32), and one union alternative (4).
fn size_bound(hir: &regex_syntax::hir::Hir) -> usize {
    (8 << 10) + node_bound(hir)
}

fn node_bound(hir: &regex_syntax::hir::Hir) -> usize {
    use regex_syntax::hir::{Class, HirKind};
    use regex_syntax::utf8::Utf8Sequences;
    const NODE: usize = 64;
    const SEQUENCE_BYTE: usize = 40;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => NODE,
        HirKind::Literal(l) => NODE + l.0.len() * NODE,
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().fold(NODE, |acc, r| {
            Utf8Sequences::new(r.start(), r.end()).fold(acc, |acc, seq| {
                acc.saturating_add(seq.len() * SEQUENCE_BYTE)
            })
        }),
        HirKind::Class(Class::Bytes(c)) => {
            NODE.saturating_add(c.ranges().len().saturating_mul(SEQUENCE_BYTE))
        }
        HirKind::Repetition(r) => {
            // Each copy also costs the union state that makes it optional (40 bytes in the
            // builder's accounting): a node's worth per copy.
            let copies = r.max.unwrap_or(r.min).saturating_add(1) as usize;
            NODE.saturating_add(
                node_bound(&r.sub)
                    .saturating_add(NODE)
                    .saturating_mul(copies),
            )
        }
        HirKind::Capture(c) => NODE.saturating_add(node_bound(&c.sub)),
        HirKind::Concat(xs) | HirKind::Alternation(xs) => xs.iter().fold(NODE, |acc, x| {
            acc.saturating_add(NODE).saturating_add(node_bound(x))
        }),
    }
}

/// Literals one of which every match of the regex starts with, folded; `None` when the
/// regex can match without one (or the set would be too large to help).
fn regex_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_total(64)
        .extract(hir);
    let lits = seq.literals()?;
    let mut out: Vec<String> = Vec::with_capacity(lits.len());
    for l in lits {
        let text = std::str::from_utf8(l.as_bytes()).ok()?;
        if text.is_empty() {
            return None;
        }
        let f = fold(text);
        if !out.contains(&f) {
            out.push(f);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn numbers(item: &DetectionItem) -> impl Iterator<Item = f64> + '_ {
    item.values.iter().filter_map(|v| match &v.kind {
        ValueKind::Number(n) => Some(n.value.as_f64()),
        _ => None,
    })
}

fn cmp_op(m: Modifier) -> Option<CmpOp> {
    Some(match m {
        Modifier::Lt => CmpOp::Lt,
        Modifier::Lte => CmpOp::Lte,
        Modifier::Gt => CmpOp::Gt,
        Modifier::Gte => CmpOp::Gte,
        _ => return None,
    })
}

fn time_part(m: Modifier) -> Option<TimePart> {
    Some(match m {
        Modifier::Minute => TimePart::Minute,
        Modifier::Hour => TimePart::Hour,
        Modifier::Day => TimePart::Day,
        Modifier::Week => TimePart::Week,
        Modifier::Month => TimePart::Month,
        Modifier::Year => TimePart::Year,
        _ => return None,
    })
}

/// Pieces -> a pattern (literals folded unless `cased`), with a `*` before them
/// (`any_before`) and after them (`any_after`): `contains`, `startswith`, `endswith`
/// without copying the pieces.
pub(crate) fn to_pat_within(
    pieces: &[Piece],
    any_before: bool,
    any_after: bool,
    cased: bool,
) -> StrPat {
    // One literal (most values): the pattern at once, as `StrPat::from_toks` would make it.
    if let [Piece::Literal(s)] = pieces {
        if !s.is_empty() {
            let lit = if cased { s.clone() } else { fold(s) };
            return match (any_before, any_after) {
                (false, false) => StrPat::Exact(lit),
                (false, true) => StrPat::Prefix(lit),
                (true, false) => StrPat::Suffix(lit),
                (true, true) => StrPat::Contains(lit),
            };
        }
    }
    pat_from_toks(pieces, any_before, any_after, cased)
}

/// The general way of [`to_pat_within`]: tokens, merged by [`StrPat::from_toks`].
fn pat_from_toks(pieces: &[Piece], any_before: bool, any_after: bool, cased: bool) -> StrPat {
    let lit = |s: &str| Tok::Lit(if cased { s.to_owned() } else { fold(s) });
    let mut toks = Vec::with_capacity(pieces.len() + 2);
    if any_before {
        toks.push(Tok::Any);
    }
    toks.extend(pieces.iter().map(|p| match p {
        Piece::Literal(s) => lit(s),
        Piece::Escaped(c) => lit(c.encode_utf8(&mut [0; 4])),
        Piece::AnyRun => Tok::Any,
        Piece::AnyOne => Tok::One,
        Piece::Placeholder(n) => lit(&format!("%{n}%")),
    }));
    if any_after {
        toks.push(Tok::Any);
    }
    StrPat::from_toks(toks)
}

/// windash: every `-` or `/` at the start of a word becomes each of the five dashes.
fn windash(pieces: &[Piece], out: &mut Vec<Vec<Piece>>, limit: usize) -> Result<(), usize> {
    // Work on runs of literal text between wildcards.
    let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Literal(_) | Piece::Escaped(_) => {
                let mut text = String::new();
                while i < pieces.len() {
                    match &pieces[i] {
                        Piece::Literal(t) => text.push_str(t),
                        Piece::Escaped(c) => text.push(*c),
                        _ => break,
                    }
                    i += 1;
                }
                let chars: Vec<char> = text.chars().collect();
                let positions = encode::windash_positions(&chars, None, None);
                let count = 5usize
                    .checked_pow(positions.len() as u32)
                    .unwrap_or(usize::MAX);
                let total = variants.len().saturating_mul(count);
                if total > limit {
                    return Err(total);
                }
                let mut texts = vec![chars.clone()];
                for &p in &positions {
                    texts = texts
                        .into_iter()
                        .flat_map(|t| {
                            encode::DASHES.iter().map(move |&d| {
                                let mut t = t.clone();
                                t[p] = d;
                                t
                            })
                        })
                        .collect();
                }
                variants = variants
                    .into_iter()
                    .flat_map(|v| {
                        texts.iter().map(move |t| {
                            let mut v = v.clone();
                            v.push(Piece::Literal(t.iter().collect()));
                            v
                        })
                    })
                    .collect();
            }
            other => {
                variants.iter_mut().for_each(|v| v.push(other.clone()));
                i += 1;
            }
        }
    }
    if out.len() + variants.len() > limit {
        return Err(out.len() + variants.len());
    }
    out.extend(variants);
    Ok(())
}

fn condition(e: &Expr, names: &[&str], idents: &[(String, Formula)]) -> Formula {
    let lookup = |n: &str| {
        idents
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, f)| f.clone())
            .unwrap_or(Formula::Const(false))
    };
    match &e.kind {
        ExprKind::Ident(n) => lookup(n),
        ExprKind::Not(x) => Formula::negate(condition(x, names, idents)),
        ExprKind::And(xs) => Formula::and(xs.iter().map(|x| condition(x, names, idents)).collect()),
        ExprKind::Or(xs) => Formula::or(xs.iter().map(|x| condition(x, names, idents)).collect()),
        ExprKind::Quantified(q, p) => {
            let parts: Vec<Formula> = p
                .select(names.iter().copied())
                .into_iter()
                .map(lookup)
                .collect();
            match q {
                Quantifier::One => Formula::or(parts),
                Quantifier::All => Formula::and(parts),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::size_bound;

    /// The one-literal shortcut gives the pattern the general way gives.
    #[test]
    fn one_literal_patterns_are_what_the_tokens_make() {
        use super::{pat_from_toks, to_pat_within};
        use adsigma_syntax::value::Piece;
        for text in ["", "a", "AbC", "ÉtÉ", "İ", "x y"] {
            let pieces = [Piece::Literal(text.to_owned())];
            for (before, after, cased) in (0..8).map(|k| (k & 1 != 0, k & 2 != 0, k & 4 != 0)) {
                assert_eq!(
                    to_pat_within(&pieces, before, after, cased),
                    pat_from_toks(&pieces, before, after, cased),
                    "{text:?} {before} {after} {cased}"
                );
            }
        }
    }

    fn bound(p: &str, i: bool) -> usize {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(i)
            .build()
            .parse(p)
            .unwrap();
        size_bound(&hir)
    }

    /// Regexes are built on first use when their size bound is under the limit: the bound
    /// must be one. Every regex here builds with its bound as the size limit.
    #[test]
    fn size_bounds_are_upper_bounds() {
        for p in [
            r"\w",
            r"\W",
            r"\pL",
            r"\p{L}",
            r"\PL",
            r"\p{Greek}",
            r"\d",
            r"\s",
            r"\S",
            r".",
            r"(?s).",
            r"\b\w\b",
            r"[\w\d\s]",
            r"[^\w]",
            r"(?:\w|\pN)+",
            r"(\w*)?",
            r"[a-zß]",
            r"\w\w\w\w",
            r"\w{30}",
            r"[a-z0-9]{30,}",
            r"(?:\w{1,10}){1,10}",
            r"((a{10}){10}){10}",
            r"(?-u:[\x00-\x7f]){5,9}",
            r"^(?:[A-Za-z0-9+/]{4}){20,}(?:[A-Za-z0-9+/]{2}==)?$",
            r"\\[a-z0-9]{1,32}\.exe",
            r"",
            r"a|b|c|(?:d|e)*",
            r".{100}",
            r"(?s).{100}",
            r"[^a]{50}",
            r"\S{40}",
            r"[\x{80}-\x{10FFFF}]{20}",
            r"(?:[\x{800}-\x{FFFF}]|[\x{10000}-\x{10FFFF}]){1,30}",
            r"\w{1,64}",
            r"\d{1,3}",
            // Classes that share no UTF-8 prefix or suffix: scattered two-, three- and
            // four-byte characters, alone and repeated.
            r"[\x{100}\x{141}\x{182}\x{1C3}\x{204}\x{245}\x{286}\x{2C7}\x{308}\x{349}]{1,50}",
            r"[\x{800}\x{1841}\x{2882}\x{38C3}\x{4904}\x{5945}\x{6986}\x{79C7}]{1,50}",
            r"[\x{10000}\x{21041}\x{32082}\x{430C3}\x{54104}\x{65145}]{1,50}",
            r"(?i)[\x{100}-\x{17F}\x{370}-\x{3FF}\x{400}-\x{4FF}]{1,30}",
            // Many optional copies of a small class (found in review: each copy's union
            // state outweighed the slack in the class's bound).
            r"[\x{100}-\x{10F}]{0,2000}",
            r"(?:[\x{100}-\x{10F}]{0,100}){0,20}",
            r"[\x{800}-\x{80F}]{0,2000}",
            r"[\x{10000}-\x{1000F}]{0,2000}",
            r"(?:[\x{100}-\x{10F}]|x){0,2000}",
            r"[\x{100}-\x{10F}]{0,400}",
            r"[\x{100}\x{141}]{0,2000}",
            r"(?:(?:[\x{100}-\x{10F}]?)*){0,3000}",
            r"(?:[\x{100}-\x{10F}]?){0,3000}",
            r"(?:(?:)|[\x{100}-\x{10F}]){0,5000}",
            r"(?:\b[\x{100}-\x{10F}]){0,5000}",
            r"(?:(?:(?:[\x{100}-\x{10F}]*)*)*){0,2000}",
            r"(?:(?:[\x{100}-\x{10F}]{2,3}){1,2}){0,1000}",
            r"a{0,5000}",
            r"(?:ab|c){0,3000}",
        ] {
            for i in [false, true] {
                let limit = bound(p, i);
                let built = regex::RegexBuilder::new(p)
                    .case_insensitive(i)
                    .size_limit(limit)
                    .dfa_size_limit(limit)
                    .build();
                assert!(
                    built.is_ok(),
                    "{p} (i={i}) does not build in its bound, {limit}"
                );
            }
        }
    }

    /// Equal tests are one item, whichever rule holds them; tests that differ only in a
    /// flag or a number's type are not merged.
    #[test]
    fn equal_items_are_merged() {
        use adsigma_syntax::{Document, FileId, Limits, parse_str};
        let text = |sel: &str| {
            format!(
                "title: t\nlogsource: {{product: linux}}\ndetection:\n  sel: {sel}\n  condition: sel\n"
            )
        };
        let rules: Vec<_> = [
            "{Image|endswith: /sh, CommandLine|re: 'a+b'}",
            "{Image|endswith: /SH, CommandLine|re: 'a+b'}",
            "{CommandLine|re|i: 'a+b'}",
            "{Image|endswith: /sh, n: 1}",
            "{n: 1.5}",
            "{n: '1'}",
        ]
        .iter()
        .map(|sel| {
            let parsed = parse_str(&text(sel), FileId(0), &Limits::default());
            let Document::Rule(r) = parsed.documents.into_iter().next().unwrap() else {
                unreachable!()
            };
            r
        })
        .collect();
        let (program, diags) = crate::compile(&rules, &crate::EngineConfig::default());
        assert!(diags.is_empty(), "{diags:?}");
        // endswith /sh (folded, so /SH too), re a+b, re|i a+b, n: 1, n: 1.5, n: '1'.
        assert_eq!(program.items.len(), 6, "{:#?}", program.items);
    }

    #[test]
    fn size_bounds_grow_with_counted_repetitions() {
        assert!(bound(r"\w{1000}", false) > 10 << 20);
        assert!(bound(r"(?:\w{1,1000}){1,1000}", false) > 10 << 20);
        assert!(bound(r"(((a{100}){100}){100})", false) > 10 << 20);
        assert!(bound(r"[a-z]{8}\.exe", true) < 1 << 20);
    }
}

#[cfg(test)]
mod corpus_tests {
    use super::size_bound;
    use adsigma_syntax::ast::{DetectionItem, IdentifierBody, ListElement};
    use adsigma_syntax::value::{Modifier, ValueKind};
    use adsigma_syntax::{Document, FileId, Limits, parse_str};

    fn items(body: &IdentifierBody) -> Vec<&DetectionItem> {
        match body {
            IdentifierBody::Map(m) => m.items.iter().collect(),
            IdentifierBody::List(l) => l
                .iter()
                .flat_map(|e| match e {
                    ListElement::Map(m) => m.items.iter().collect(),
                    ListElement::Keyword(_) => Vec::new(),
                })
                .collect(),
        }
    }

    /// Every `re` value of the SigmaHQ corpus builds with its size bound as the limit.
    #[test]
    fn corpus_regexes_build_within_their_size_bound() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/sigma/rules");
        if !dir.is_dir() {
            assert!(
                std::env::var_os("ADSIGMA_REQUIRE_SHARED").is_none(),
                "{} is missing and ADSIGMA_REQUIRE_SHARED is set",
                dir.display()
            );
            eprintln!("skipped: {} is absent", dir.display());
            return;
        }
        let mut stack = vec![dir];
        let mut checked = 0;
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let parsed = parse_str(&text, FileId(0), &Limits::default());
                for doc in &parsed.documents {
                    let Document::Rule(rule) = doc else { continue };
                    for id in &rule.detection.identifiers {
                        for item in items(&id.body) {
                            let has = |m| item.modifiers.iter().any(|x| x.value == m);
                            if !has(Modifier::Re) {
                                continue;
                            }
                            let (i, m, s) = (
                                has(Modifier::ReIgnoreCase),
                                has(Modifier::ReMultiLine),
                                has(Modifier::ReDotAll),
                            );
                            for v in &item.values {
                                let ValueKind::Regex(p) = &v.kind else {
                                    continue;
                                };
                                let Ok(hir) = regex_syntax::ParserBuilder::new()
                                    .case_insensitive(i)
                                    .multi_line(m)
                                    .dot_matches_new_line(s)
                                    .build()
                                    .parse(p)
                                else {
                                    continue;
                                };
                                let limit = size_bound(&hir);
                                let built = regex::RegexBuilder::new(p)
                                    .case_insensitive(i)
                                    .multi_line(m)
                                    .dot_matches_new_line(s)
                                    .size_limit(limit)
                                    .dfa_size_limit(limit)
                                    .build();
                                assert!(built.is_ok(), "{p} in {}: over {limit}", path.display());
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 150, "only {checked} regexes");
    }
}
