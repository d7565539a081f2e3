//! Engine-level checks: what a condition can match, identifiers `them` skips, filters without
//! `not`, regexes beyond the specification's subset, duplicate detections.

use crate::codes as c;
use crate::walk;
use crate::{Ctx, Doc};
use adsigma_syntax::condition::{Expr, ExprKind, Pattern, Quantifier};
use adsigma_syntax::value::{Modifier, ValueKind};
use adsigma_syntax::{Detection, Diagnostic, Document, IdentifierBody, ListElement};
use std::collections::HashMap;
use std::fmt::Write;

/// More identifiers than this and the truth table is not tried (2^12 rows at most).
const MAX_VARS: usize = 12;

/// A condition with quantifiers expanded over the detection's identifiers.
enum B {
    Var(usize),
    Not(Box<B>),
    And(Vec<B>),
    Or(Vec<B>),
}

impl B {
    fn eval(&self, row: u32) -> bool {
        match self {
            B::Var(i) => row & (1 << i) != 0,
            B::Not(x) => !x.eval(row),
            B::And(xs) => xs.iter().all(|x| x.eval(row)),
            B::Or(xs) => xs.iter().any(|x| x.eval(row)),
        }
    }
}

fn lower(e: &Expr, names: &[&str]) -> Option<B> {
    Some(match &e.kind {
        ExprKind::Ident(n) => B::Var(names.iter().position(|x| x == n)?),
        ExprKind::Not(x) => B::Not(Box::new(lower(x, names)?)),
        ExprKind::And(xs) => B::And(xs.iter().map(|x| lower(x, names)).collect::<Option<_>>()?),
        ExprKind::Or(xs) => B::Or(xs.iter().map(|x| lower(x, names)).collect::<Option<_>>()?),
        ExprKind::Quantified(q, p) => {
            let sel = p.select(names.iter().copied());
            if sel.is_empty() {
                return None; // C103 reports it
            }
            let vars = sel
                .iter()
                .map(|n| names.iter().position(|x| x == n).map(B::Var))
                .collect::<Option<Vec<_>>>()?;
            match q {
                Quantifier::One => B::Or(vars),
                Quantifier::All => B::And(vars),
            }
        }
    })
}

/// Checks of one document.
pub fn document(_cx: &Ctx<'_>, d: &Doc<'_>, out: &mut Vec<Diagnostic>) {
    let Some(det) = walk::detection(d.document) else {
        return;
    };
    let names: Vec<&str> = det
        .identifiers
        .iter()
        .map(|i| i.name.value.as_str())
        .collect();
    truth(det, &names, out);
    dangling(det, &names, out);
    if let Document::Filter(_) = d.document {
        let mut has_not = false;
        for cond in &det.conditions {
            cond.expr
                .walk(&mut |e| has_not |= matches!(e.kind, ExprKind::Not(_)));
        }
        if !has_not {
            if let Some(cond) = det.conditions.first() {
                out.push(Diagnostic::new(
                    c::FILTER_WITHOUT_NOT,
                    cond.text.span,
                    "the filter's condition has no `not`: the rules it applies to then match only what it names",
                ));
            }
        }
    }
    regexes(det, out);
}

/// Never / always: a truth table over the identifiers, each free. A condition false in every
/// row is false whatever the identifiers match, and one true in every row is true; both
/// conclusions hold whatever the identifiers have in common, so they are sound.
fn truth(det: &Detection, names: &[&str], out: &mut Vec<Diagnostic>) {
    if names.len() > MAX_VARS || det.conditions.is_empty() {
        return;
    }
    for cond in &det.conditions {
        let Some(b) = lower(&cond.expr, names) else {
            continue;
        };
        let rows = 1u32 << names.len();
        let mut any_true = false;
        let mut any_false = false;
        for row in 0..rows {
            if b.eval(row) {
                any_true = true;
            } else {
                any_false = true;
            }
            if any_true && any_false {
                break;
            }
        }
        if !any_true {
            out.push(Diagnostic::new(
                c::CONDITION_NEVER_MATCHES,
                cond.text.span,
                format!(
                    "`{}` is false whatever its identifiers match",
                    cond.text.value
                ),
            ));
        } else if !any_false {
            out.push(Diagnostic::new(
                c::CONDITION_ALWAYS_MATCHES,
                cond.text.span,
                format!(
                    "`{}` is true whatever its identifiers match",
                    cond.text.value
                ),
            ));
        }
    }
}

/// dangling_detection (pySigma: an identifier no condition references, `them` and patterns
/// resolved), and its special case: an `_` identifier that `them` or a pattern would select but
/// for the underscore.
fn dangling(det: &Detection, names: &[&str], out: &mut Vec<Diagnostic>) {
    if det.conditions.is_empty() {
        return;
    }
    let mut used = vec![false; names.len()];
    let mut patterns: Vec<&Pattern> = Vec::new();
    for cond in &det.conditions {
        cond.expr.walk(&mut |e| match &e.kind {
            ExprKind::Ident(n) => {
                if let Some(i) = names.iter().position(|x| x == n) {
                    used[i] = true;
                }
            }
            ExprKind::Quantified(_, p) => {
                for n in p.select(names.iter().copied()) {
                    if let Some(i) = names.iter().position(|x| *x == n) {
                        used[i] = true;
                    }
                }
                patterns.push(p);
            }
            _ => {}
        });
    }
    for (i, ident) in det.identifiers.iter().enumerate() {
        if used[i] {
            continue;
        }
        let name = &ident.name.value;
        // What `them` or a pattern would select if `_` names were not skipped: prefixing
        // both pattern and name with a letter keeps the match and drops the underscore rule.
        let skipped_by = name
            .starts_with('_')
            .then(|| {
                patterns.iter().find(|p| match p {
                    Pattern::Them => true,
                    Pattern::Glob(g) => {
                        let shifted = format!("x{name}");
                        !Pattern::Glob(format!("x{g}"))
                            .select([shifted.as_str()])
                            .is_empty()
                    }
                })
            })
            .flatten();
        if let Some(p) = skipped_by {
            let p = match p {
                Pattern::Them => "them".to_owned(),
                Pattern::Glob(g) => g.clone(),
            };
            out.push(Diagnostic::new(
                c::UNDERSCORE_IDENTIFIER_SKIPPED,
                ident.name.span,
                format!(
                    "`{name}` starts with `_`, so `{p}` does not select it and no condition uses it"
                ),
            ));
        } else {
            out.push(Diagnostic::new(
                c::DANGLING_DETECTION,
                ident.name.span,
                format!("no condition uses `{name}`"),
            ));
        }
    }
}

/// Regex constructs beyond the specification's subset: `.`, `^`, `$`, `* + ? {n,m}`, classes,
/// `|`, `()` and escaped metacharacters.
fn regexes(det: &Detection, out: &mut Vec<Diagnostic>) {
    walk::values(det, |v, _| {
        let ValueKind::Regex(re) = &v.kind else {
            return;
        };
        let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(re) else {
            return; // E101 reports it
        };
        let mut found = Vec::new();
        beyond(&ast, &mut found);
        if !found.is_empty() {
            found.sort_unstable();
            found.dedup();
            out.push(Diagnostic::new(
                c::REGEX_BEYOND_SPEC,
                v.span,
                format!(
                    "the regex uses {}, beyond the specification's subset",
                    found.join(", ")
                ),
            ));
        }
    });
}

fn beyond(ast: &regex_syntax::ast::Ast, found: &mut Vec<&'static str>) {
    use regex_syntax::ast::{Ast, ClassSetItem, GroupKind};
    match ast {
        Ast::Empty(_) | Ast::Dot(_) => {}
        Ast::Literal(l) => {
            use regex_syntax::ast::LiteralKind as K;
            if matches!(
                l.kind,
                K::Special(_) | K::HexFixed(_) | K::HexBrace(_) | K::Octal
            ) {
                found.push("escape sequences like `\\n` or `\\x41`");
            }
        }
        Ast::Flags(_) => found.push("inline flags `(?i)`"),
        Ast::Assertion(a) => {
            use regex_syntax::ast::AssertionKind as K;
            if !matches!(a.kind, K::StartLine | K::EndLine) {
                found.push("assertions like `\\b`");
            }
        }
        Ast::ClassUnicode(_) => found.push("Unicode classes `\\p`"),
        Ast::ClassPerl(_) => found.push("`\\d`, `\\w` or `\\s`"),
        Ast::ClassBracketed(c) => {
            let mut stack = vec![&c.kind];
            while let Some(k) = stack.pop() {
                match k {
                    regex_syntax::ast::ClassSet::Item(i) => {
                        let items: Vec<&ClassSetItem> = match i {
                            ClassSetItem::Union(u) => u.items.iter().collect(),
                            other => vec![other],
                        };
                        for it in items {
                            match it {
                                ClassSetItem::Perl(_) => found.push("`\\d`, `\\w` or `\\s`"),
                                ClassSetItem::Unicode(_) => found.push("Unicode classes `\\p`"),
                                ClassSetItem::Ascii(_) => found.push("POSIX classes `[:alpha:]`"),
                                ClassSetItem::Bracketed(b) => {
                                    found.push("nested classes");
                                    stack.push(&b.kind);
                                }
                                _ => {}
                            }
                        }
                    }
                    regex_syntax::ast::ClassSet::BinaryOp(_) => found.push("class set operations"),
                }
            }
        }
        Ast::Repetition(r) => {
            if !r.greedy {
                found.push("lazy quantifiers");
            }
            beyond(&r.ast, found);
        }
        Ast::Group(g) => {
            match &g.kind {
                GroupKind::CaptureIndex(_) => {}
                GroupKind::CaptureName { .. } => found.push("named groups"),
                GroupKind::NonCapturing(f) => {
                    if f.items.is_empty() {
                        found.push("non-capturing groups `(?:`");
                    } else {
                        found.push("inline flags `(?i)`");
                    }
                }
            }
            beyond(&g.ast, found);
        }
        Ast::Alternation(a) => a.asts.iter().for_each(|x| beyond(x, found)),
        Ast::Concat(c) => c.asts.iter().for_each(|x| beyond(x, found)),
    }
}

/// duplicate_detection: rules of the same logsource whose detections are the same (identifier
/// names, items, modifiers, values and condition all equal).
pub fn duplicates(cx: &Ctx<'_>, docs: &[Doc<'_>], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &Doc<'_>> = HashMap::new();
    for d in docs {
        let Document::Rule(rule) = d.document else {
            continue;
        };
        let mut key = String::new();
        let ls = &rule.logsource;
        for part in [&ls.product, &ls.category, &ls.service] {
            let _ = write!(
                key,
                "{}\u{1}",
                part.as_ref().map_or("", |p| p.value.as_str())
            );
        }
        canonical(&rule.detection, &mut key);
        match seen.get(&key) {
            Some(first) if first.document.span() != d.document.span() => {
                let first_id = first
                    .document
                    .meta()
                    .id
                    .as_ref()
                    .map_or("", |i| i.value.as_str());
                out.push(
                    Diagnostic::new(
                        c::DUPLICATE_DETECTION,
                        rule.detection.span.shrink_to_start(),
                        format!(
                            "the detection is the same as that of rule {} in {}",
                            first_id,
                            cx.path(first.file).display()
                        ),
                    )
                    .with_label(first.document.span().shrink_to_start(), "the other rule"),
                );
            }
            Some(_) => {}
            None => {
                seen.insert(key, d);
            }
        }
    }
}

fn canonical(det: &Detection, key: &mut String) {
    let item = |key: &mut String, it: &adsigma_syntax::DetectionItem| {
        let _ = write!(key, "f{:?}", it.field.as_ref().map(|f| &f.value));
        for m in &it.modifiers {
            let _ = write!(key, "|{}", Modifier::name(m.value));
        }
        for v in &it.values {
            let _ = write!(key, "v{:?}", v.kind);
        }
        key.push(';');
    };
    for ident in &det.identifiers {
        let _ = write!(key, "i{}:", ident.name.value);
        match &ident.body {
            IdentifierBody::Map(m) => m.items.iter().for_each(|it| item(key, it)),
            IdentifierBody::List(l) => {
                for e in l {
                    key.push('[');
                    match e {
                        ListElement::Map(m) => m.items.iter().for_each(|it| item(key, it)),
                        ListElement::Keyword(v) => {
                            let _ = write!(key, "k{:?}", v.kind);
                        }
                    }
                    key.push(']');
                }
            }
        }
    }
    for cond in &det.conditions {
        let _ = write!(key, "c{}", cond.expr);
    }
}
