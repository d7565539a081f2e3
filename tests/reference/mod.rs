//! A naive reference evaluator of Sigma detection rules: the oracle the compiled engine is
//! tested against.
//!
//! It walks the syntax tree directly for every event and is written to be checked by reading
//! against CONFORMANCE.md, not to be fast: no precompilation, no indexes, quadratic glob
//! matching, regexes built per test. Each rule of CONFORMANCE.md's Values and Modifiers tables
//! is implemented in one place, named after it.
//!
//! The model:
//! - A field name resolves to a list of *occurrences* ([`Occ`]): the values found, or
//!   `Missing` where a branch of the path ends (arrays on the path fan out).
//! - A rule value, with the item's modifiers applied left to right, becomes one or more
//!   alternative [`Test`]s (an expansion: `windash`, `base64offset`, `expand` give several).
//! - A value holds when one of its alternatives holds for one occurrence; the item's values
//!   are ORed (ANDed with `all`), and `neq` negates the whole item.

mod encode;
mod time;

use adsigma::syntax::condition::{Expr, ExprKind, Pattern, Quantifier};
use adsigma::syntax::value::{Cidr, Modifier, NumberValue, Piece, SigmaString, Value, ValueKind};
use adsigma::syntax::{Detection, DetectionItem, FieldMap, Identifier, IdentifierBody};
use adsigma::syntax::{ListElement, Rule};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::net::IpAddr;

/// Placeholder name -> its values (each a Sigma string: wildcards and escapes apply).
pub type Placeholders = HashMap<String, Vec<String>>;

/// True when `rule` matches `event`. Several conditions are ORed.
pub fn matches(rule: &Rule, event: &Json, placeholders: &HashMap<String, Vec<String>>) -> bool {
    let det = &rule.detection;
    det.conditions
        .iter()
        .any(|c| eval_expr(&c.expr, det, event, placeholders))
}

// ---------------------------------------------------------------------------------------
// Conditions

fn eval_expr(expr: &Expr, det: &Detection, event: &Json, ph: &Placeholders) -> bool {
    match &expr.kind {
        ExprKind::Ident(name) => match det.identifier(name) {
            Some(ident) => eval_identifier(ident, event, ph),
            // The parser reports unknown identifiers; a rule that has one never gets here.
            None => false,
        },
        ExprKind::Not(inner) => !eval_expr(inner, det, event, ph),
        ExprKind::And(items) => items.iter().all(|e| eval_expr(e, det, event, ph)),
        ExprKind::Or(items) => items.iter().any(|e| eval_expr(e, det, event, ph)),
        ExprKind::Quantified(quantifier, pattern) => {
            let selected: Vec<&Identifier> = det
                .identifiers
                .iter()
                .filter(|i| pattern_selects(pattern, &i.name.value))
                .collect();
            match quantifier {
                Quantifier::One => selected.iter().any(|i| eval_identifier(i, event, ph)),
                Quantifier::All => selected.iter().all(|i| eval_identifier(i, event, ph)),
            }
        }
    }
}

/// `them` is every identifier not starting with `_`; a pattern selects the identifiers it
/// matches (`*` is any run), those starting with `_` only when the pattern starts with `_`.
fn pattern_selects(pattern: &Pattern, name: &str) -> bool {
    match pattern {
        Pattern::Them => !name.starts_with('_'),
        Pattern::Glob(p) => {
            (p.starts_with('_') || !name.starts_with('_')) && {
                let units: Vec<Unit> = p
                    .chars()
                    .map(|c| {
                        if c == '*' {
                            Unit::AnyRun
                        } else {
                            Unit::Char(c)
                        }
                    })
                    .collect();
                glob(&units, &name.chars().collect::<Vec<_>>())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Identifiers, maps, items

fn eval_identifier(ident: &Identifier, event: &Json, ph: &Placeholders) -> bool {
    match &ident.body {
        IdentifierBody::Map(map) => eval_map(map, event, ph),
        // A list ORs its elements: maps, or keywords.
        IdentifierBody::List(elements) => elements.iter().any(|e| match e {
            ListElement::Map(map) => eval_map(map, event, ph),
            ListElement::Keyword(v) => keyword_holds(v, &[], event, ph),
        }),
    }
}

/// A map ANDs its items.
fn eval_map(map: &FieldMap, event: &Json, ph: &Placeholders) -> bool {
    map.items.iter().all(|item| eval_item(item, event, ph))
}

fn eval_item(item: &DetectionItem, event: &Json, ph: &Placeholders) -> bool {
    let mods: Vec<Modifier> = item.modifiers.iter().map(|m| m.value).collect();
    let has = |m: Modifier| mods.contains(&m);
    let Some(field) = &item.field else {
        // No field (`'|all'`): keywords, ANDed with `all`.
        let holds = |v: &Value| keyword_holds(v, &mods, event, ph);
        return if has(Modifier::All) {
            item.values.iter().all(holds)
        } else {
            item.values.iter().any(holds)
        };
    };
    let found = resolve(event, &field.value);
    if has(Modifier::Exists) {
        // Present means some branch of the path reached a value (even null, empty, an
        // object or an array).
        let present = found.iter().any(|o| matches!(o, Occ::Value(_)));
        return item
            .values
            .iter()
            .any(|v| matches!(v.kind, ValueKind::Bool(b) if b == present));
    }
    let occurrences = leaves(&found);
    let value_holds = |v: &Value| {
        tests_for(v, &mods, ph)
            .iter()
            .any(|t| occurrences.iter().any(|o| t.holds(o, event)))
    };
    let result = if has(Modifier::All) {
        item.values.iter().all(value_holds)
    } else {
        item.values.iter().any(value_holds)
    };
    if has(Modifier::Neq) { !result } else { result }
}

// ---------------------------------------------------------------------------------------
// Field paths

/// Where a field name led: a value, or nothing.
#[derive(Clone, Copy, Debug)]
enum Occ<'a> {
    Missing,
    Value(&'a Json),
}

/// Resolves a dotted field name. At each object the longest key that equals a dotted prefix
/// of the rest of the path wins (`a.b` before `a`), and the remainder is looked up inside
/// it; where the path meets an array, the rest applies to every element.
fn resolve<'a>(event: &'a Json, path: &str) -> Vec<Occ<'a>> {
    let mut out = Vec::new();
    resolve_into(event, path, &mut out);
    out
}

fn resolve_into<'a>(node: &'a Json, path: &str, out: &mut Vec<Occ<'a>>) {
    match node {
        // An empty array on the path holds nothing: the rest of the path is missing there
        // (so `null` and `exists: false` agree).
        Json::Array(items) if items.is_empty() => out.push(Occ::Missing),
        Json::Array(items) => {
            for item in items {
                resolve_into(item, path, out);
            }
        }
        Json::Object(map) => {
            let mut best: Option<(&String, &Json)> = None;
            for (key, child) in map {
                let is_prefix = path == key
                    || (path.starts_with(key.as_str()) && path[key.len()..].starts_with('.'));
                if is_prefix && best.is_none_or(|(b, _)| key.len() > b.len()) {
                    best = Some((key, child));
                }
            }
            match best {
                None => out.push(Occ::Missing),
                Some((key, child)) if key == path => out.push(Occ::Value(child)),
                Some((key, child)) => resolve_into(child, &path[key.len() + 1..], out),
            }
        }
        // A scalar with path left over: nothing there.
        _ => out.push(Occ::Missing),
    }
}

/// The occurrences a value test looks at: an array value stands for its elements.
fn leaves<'a>(found: &[Occ<'a>]) -> Vec<Occ<'a>> {
    fn push<'a>(v: &'a Json, out: &mut Vec<Occ<'a>>) {
        match v {
            Json::Array(items) => items.iter().for_each(|i| push(i, out)),
            other => out.push(Occ::Value(other)),
        }
    }
    let mut out = Vec::new();
    for o in found {
        match o {
            Occ::Missing => out.push(Occ::Missing),
            Occ::Value(v) => push(v, &mut out),
        }
    }
    out
}

/// The text a string test sees in an event scalar: a string itself, a number's decimal
/// string, `true`/`false`. Null, objects and arrays have none.
fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(json_number_text(n)),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A JSON number's decimal string: its integer text for integers (`5`, also for `5.0`), and
/// Rust's shortest float `Display` for the rest.
fn json_number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        float_text(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18 {
        (f as i64).to_string()
    } else {
        format!("{f}")
    }
}

fn json_number_value(n: &serde_json::Number) -> NumberValue {
    match n.as_i64() {
        Some(i) => NumberValue::Int(i),
        None => NumberValue::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Every string value anywhere in the event (not keys, not numbers), for keywords.
fn all_strings<'a>(v: &'a Json, out: &mut Vec<&'a str>) {
    match v {
        Json::String(s) => out.push(s),
        Json::Array(items) => items.iter().for_each(|i| all_strings(i, out)),
        Json::Object(map) => map.values().for_each(|i| all_strings(i, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Strings: units, case folding, wildcards

/// One unit of a string pattern.
#[derive(Clone, Debug, PartialEq)]
enum Unit {
    /// A literal character (also an escaped `*`, `?`, `\`).
    Char(char),
    /// `*`
    AnyRun,
    /// `?`
    AnyOne,
    /// `%name%` not yet expanded.
    Placeholder(String),
}

fn units_of(s: &SigmaString) -> Vec<Unit> {
    let mut out = Vec::new();
    for piece in &s.pieces {
        match piece {
            Piece::Literal(text) => out.extend(text.chars().map(Unit::Char)),
            Piece::Escaped(c) => out.push(Unit::Char(*c)),
            Piece::AnyRun => out.push(Unit::AnyRun),
            Piece::AnyOne => out.push(Unit::AnyOne),
            Piece::Placeholder(name) => out.push(Unit::Placeholder(name.clone())),
        }
    }
    out
}

/// Parses a placeholder's value as a Sigma string: `*` and `?` are wildcards, `\*` `\?` `\\`
/// escapes, any other backslash literal.
fn units_of_text(text: &str) -> Vec<Unit> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push(Unit::AnyRun),
            '?' => out.push(Unit::AnyOne),
            '\\' if matches!(chars.get(i + 1), Some('*' | '?' | '\\')) => {
                out.push(Unit::Char(chars[i + 1]));
                i += 1;
            }
            c => out.push(Unit::Char(c)),
        }
        i += 1;
    }
    out
}

fn literal_units(text: &str) -> Vec<Unit> {
    text.chars().map(Unit::Char).collect()
}

/// The text of a pattern that has no wildcard or placeholder.
fn literal_text(units: &[Unit]) -> Option<String> {
    units
        .iter()
        .map(|u| match u {
            Unit::Char(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// The project's simple case folding: `c.to_lowercase()` when that is exactly one
/// character, else `c` unchanged.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Whole-value wildcard match: `dp[i][j]` is "units[i..] matches text[j..]".
fn glob(units: &[Unit], text: &[char]) -> bool {
    let (n, m) = (units.len(), text.len());
    let mut dp = vec![vec![false; m + 1]; n + 1];
    dp[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            dp[i][j] = match &units[i] {
                Unit::AnyRun => dp[i + 1][j] || (j < m && dp[i][j + 1]),
                Unit::AnyOne => j < m && dp[i + 1][j + 1],
                Unit::Char(c) => j < m && text[j] == *c && dp[i + 1][j + 1],
                Unit::Placeholder(_) => false,
            };
        }
    }
    dp[0][0]
}

fn glob_text(units: &[Unit], text: &str, cased: bool) -> bool {
    if cased {
        glob(units, &text.chars().collect::<Vec<_>>())
    } else {
        let units: Vec<Unit> = units
            .iter()
            .map(|u| match u {
                Unit::Char(c) => Unit::Char(fold(*c)),
                other => other.clone(),
            })
            .collect();
        glob(&units, &text.chars().map(fold).collect::<Vec<_>>())
    }
}

/// `contains`: `*v*`, `startswith`: `v*`, `endswith`: `*v`, without doubling a `*`.
fn position(units: &[Unit], m: Modifier) -> Vec<Unit> {
    let mut out = units.to_vec();
    if matches!(m, Modifier::Contains | Modifier::StartsWith) && out.last() != Some(&Unit::AnyRun) {
        out.push(Unit::AnyRun);
    }
    if matches!(m, Modifier::Contains | Modifier::EndsWith) && out.first() != Some(&Unit::AnyRun) {
        out.insert(0, Unit::AnyRun);
    }
    out
}

/// A word character of the regex `\b` (letters, digits, `_`).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The dashes `windash` makes interchangeable.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// `windash`: every `-` or `/` matching `\B[-/]\b` (not after a word character, before a
/// word character; a wildcard ends the text the regex sees) becomes each of the five dashes,
/// in every combination.
fn windash(units: &[Unit]) -> Vec<Vec<Unit>> {
    let word_at = |i: usize| matches!(units.get(i), Some(Unit::Char(c)) if is_word(*c));
    let positions: Vec<usize> = (0..units.len())
        .filter(|&i| matches!(units[i], Unit::Char('-' | '/')))
        .filter(|&i| (i == 0 || !word_at(i - 1)) && word_at(i + 1))
        .collect();
    let mut out = vec![units.to_vec()];
    for &p in &positions {
        out = out
            .into_iter()
            .flat_map(|u| {
                DASHES.iter().map(move |d| {
                    let mut v = u.clone();
                    v[p] = Unit::Char(*d);
                    v
                })
            })
            .collect();
    }
    out
}

/// `expand`: each placeholder becomes each of its values (a Sigma string); several
/// placeholders give every combination. An unresolved placeholder gives no alternative:
/// the value matches nothing (the engine makes it a compile error or applies a policy).
fn expand(units: &[Unit], ph: &Placeholders) -> Vec<Vec<Unit>> {
    let mut out: Vec<Vec<Unit>> = vec![Vec::new()];
    for u in units {
        match u {
            Unit::Placeholder(name) => {
                let Some(values) = ph.get(name) else {
                    return Vec::new();
                };
                out = out
                    .into_iter()
                    .flat_map(|prefix| {
                        values.iter().map(move |v| {
                            let mut p = prefix.clone();
                            p.extend(units_of_text(v));
                            p
                        })
                    })
                    .collect();
            }
            other => out.iter_mut().for_each(|p| p.push(other.clone())),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tests built from a rule value and its modifiers

/// One alternative test of a rule value against one occurrence.
enum Test {
    /// `null`: missing or JSON null.
    Null,
    /// A boolean: JSON booleans, and the strings `true` / `false`.
    Bool(bool),
    /// A number: the same number, or its decimal string.
    Number(NumberValue),
    /// A string pattern against the text of a scalar.
    Glob { units: Vec<Unit>, cased: bool },
    /// `re`: an unanchored search in the text of a scalar.
    Regex(Option<regex::Regex>),
    /// `cidr`: a string that parses as an IP address in the network.
    Cidr(Cidr),
    /// `lt` ... `gte` (`None`: equality), after an optional timestamp part.
    Numeric {
        part: Option<Modifier>,
        compare: Option<Modifier>,
        value: f64,
    },
    /// `fieldref`: the text of another field of the event, with a position modifier.
    FieldRef {
        field: String,
        position: Option<Modifier>,
        cased: bool,
    },
}

/// An intermediate form of a string value while encoding modifiers apply.
enum Stage {
    Text(Vec<Unit>),
    Bytes(Vec<u8>),
}

fn stage_bytes(stage: Stage) -> Option<Vec<u8>> {
    match stage {
        Stage::Bytes(b) => Some(b),
        // The parser rejects wildcards in encoded values.
        Stage::Text(units) => literal_text(&units).map(String::into_bytes),
    }
}

fn stage_text(stage: Stage) -> Option<String> {
    match stage {
        Stage::Text(units) => literal_text(&units),
        Stage::Bytes(_) => None,
    }
}

/// The alternatives of one rule value under the item's modifiers, applied left to right.
fn tests_for(v: &Value, mods: &[Modifier], ph: &Placeholders) -> Vec<Test> {
    let cased = mods.contains(&Modifier::Cased);
    let numeric_part = mods.iter().copied().find(|m| m.is_time_part());
    let compare = mods.iter().copied().find(|m| m.is_compare());
    match &v.kind {
        ValueKind::Null => vec![Test::Null],
        ValueKind::Bool(b) => vec![Test::Bool(*b)],
        ValueKind::Number(n) if numeric_part.is_none() && compare.is_none() => {
            vec![Test::Number(n.value)]
        }
        ValueKind::Number(n) => vec![Test::Numeric {
            part: numeric_part,
            compare,
            value: n.value.as_f64(),
        }],
        ValueKind::Regex(pattern) => {
            let re = regex::RegexBuilder::new(pattern)
                .case_insensitive(mods.contains(&Modifier::ReIgnoreCase))
                .multi_line(mods.contains(&Modifier::ReMultiLine))
                .dot_matches_new_line(mods.contains(&Modifier::ReDotAll))
                .build()
                .ok();
            vec![Test::Regex(re)]
        }
        ValueKind::Cidr(c) => vec![Test::Cidr(*c)],
        ValueKind::FieldRef(field) => vec![Test::FieldRef {
            field: field.clone(),
            position: mods.iter().copied().find(|m| m.is_position()),
            cased,
        }],
        ValueKind::String(s) => string_stages(units_of(s), mods, ph)
            .into_iter()
            .filter_map(|stage| match stage {
                Stage::Text(units) => Some(Test::Glob { units, cased }),
                // UTF-16 without base64 is rejected by the parser.
                Stage::Bytes(_) => None,
            })
            .collect(),
    }
}

/// Applies the string modifiers to a pattern, left to right.
fn string_stages(units: Vec<Unit>, mods: &[Modifier], ph: &Placeholders) -> Vec<Stage> {
    let mut stages = vec![Stage::Text(units)];
    for &m in mods {
        stages = stages
            .into_iter()
            .flat_map(|stage| apply_string_modifier(stage, m, ph))
            .collect();
    }
    stages
}

fn apply_string_modifier(stage: Stage, m: Modifier, ph: &Placeholders) -> Vec<Stage> {
    use Modifier as M;
    match m {
        M::Contains | M::StartsWith | M::EndsWith => match stage {
            Stage::Text(units) => vec![Stage::Text(position(&units, m))],
            bytes => vec![bytes],
        },
        M::Windash => match stage {
            Stage::Text(units) => windash(&units).into_iter().map(Stage::Text).collect(),
            bytes => vec![bytes],
        },
        M::Expand => match stage {
            Stage::Text(units) => expand(&units, ph).into_iter().map(Stage::Text).collect(),
            bytes => vec![bytes],
        },
        M::Utf16Le | M::Wide | M::Utf16Be | M::Utf16 => match stage_text(stage) {
            Some(text) => vec![Stage::Bytes(encode::utf16(&text, m))],
            None => Vec::new(),
        },
        M::Base64 => match stage_bytes(stage) {
            Some(bytes) => vec![Stage::Text(literal_units(&encode::base64(&bytes)))],
            None => Vec::new(),
        },
        M::Base64Offset => match stage_bytes(stage) {
            Some(bytes) => encode::base64_offsets(&bytes)
                .iter()
                .map(|s| Stage::Text(literal_units(s)))
                .collect(),
            None => Vec::new(),
        },
        // Flags read elsewhere (cased, all, neq) and modifiers of other kinds of values.
        _ => vec![stage],
    }
}

impl Test {
    fn holds(&self, occ: &Occ<'_>, event: &Json) -> bool {
        let value = match occ {
            Occ::Missing => return matches!(self, Test::Null),
            Occ::Value(v) => *v,
        };
        match self {
            Test::Null => value.is_null(),
            Test::Bool(b) => match value {
                Json::Bool(x) => x == b,
                Json::String(s) => s.to_lowercase() == b.to_string(),
                _ => false,
            },
            Test::Number(n) => match value {
                Json::Number(x) => same_number(json_number_value(x), *n),
                Json::String(s) => *s == rule_number_text(*n),
                _ => false,
            },
            Test::Glob { units, cased } => {
                scalar_text(value).is_some_and(|t| glob_text(units, &t, *cased))
            }
            Test::Regex(re) => match (re, scalar_text(value)) {
                (Some(re), Some(t)) => re.is_match(&t),
                _ => false,
            },
            Test::Cidr(net) => match value {
                Json::String(s) => s.parse::<IpAddr>().is_ok_and(|ip| in_network(ip, net)),
                _ => false,
            },
            Test::Numeric {
                part,
                compare,
                value: rule,
            } => {
                let event_number = match part {
                    Some(p) => time::part_of(value, *p).map(|x| x as f64),
                    None => number_of(value),
                };
                event_number.is_some_and(|x| compare_numbers(x, *compare, *rule))
            }
            Test::FieldRef {
                field,
                position: pos,
                cased,
            } => {
                let Some(text) = scalar_text(value) else {
                    return false;
                };
                leaves(&resolve(event, field)).iter().any(|other| {
                    let Occ::Value(other) = other else {
                        return false;
                    };
                    let Some(other_text) = scalar_text(other) else {
                        return false;
                    };
                    let mut units = literal_units(&other_text);
                    if let Some(p) = pos {
                        units = position(&units, *p);
                    }
                    glob_text(&units, &text, *cased)
                })
            }
        }
    }
}

/// A keyword (a list entry or an `'|all'` value): a case-insensitive substring of any
/// string value anywhere in the event.
fn keyword_holds(v: &Value, mods: &[Modifier], event: &Json, ph: &Placeholders) -> bool {
    let mut strings = Vec::new();
    all_strings(event, &mut strings);
    let patterns: Vec<Vec<Unit>> = match &v.kind {
        ValueKind::String(s) => string_stages(units_of(s), mods, ph)
            .into_iter()
            .filter_map(|stage| match stage {
                Stage::Text(units) => Some(units),
                Stage::Bytes(_) => None,
            })
            .collect(),
        ValueKind::Number(n) => vec![literal_units(&rule_number_text(n.value))],
        ValueKind::Bool(b) => vec![literal_units(&b.to_string())],
        _ => Vec::new(),
    };
    let cased = mods.contains(&Modifier::Cased);
    patterns.iter().any(|p| {
        let p = position(p, Modifier::Contains);
        strings.iter().any(|s| glob_text(&p, s, cased))
    })
}

// ---------------------------------------------------------------------------------------
// Numbers and networks

fn same_number(a: NumberValue, b: NumberValue) -> bool {
    match (a, b) {
        (NumberValue::Int(x), NumberValue::Int(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// The decimal string of a rule number.
fn rule_number_text(n: NumberValue) -> String {
    match n {
        NumberValue::Int(i) => i.to_string(),
        NumberValue::Float(f) => float_text(f),
    }
}

/// The number an event value compares as: a JSON number, or a string that parses as a
/// finite number.
fn number_of(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn compare_numbers(event: f64, compare: Option<Modifier>, rule: f64) -> bool {
    match compare {
        None => event == rule,
        Some(Modifier::Lt) => event < rule,
        Some(Modifier::Lte) => event <= rule,
        Some(Modifier::Gt) => event > rule,
        Some(Modifier::Gte) => event >= rule,
        Some(_) => false,
    }
}

fn in_network(ip: IpAddr, net: &Cidr) -> bool {
    match (ip, net.addr) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if net.prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(net.prefix))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if net.prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(net.prefix))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}
