//! Sigma meta filters: [`apply_filters`].

use crate::codes;
use adsigma_syntax::condition::{Expr, ExprKind, Quantifier, parse_condition};
use adsigma_syntax::{ConditionSource, Diagnostic, Filter, Identifier, Logsource, Rule, Spanned};

/// Applies filters to rules: each filter changes the condition of every rule it names (by
/// `id` or `name`) whose logsource has every field the filter's logsource sets (with the same
/// value) to `(rule condition) and (filter condition)`.
///
/// The filter's identifiers are added to the rule under new names
/// (`_filter<N>_<name>`, made unique) so they cannot clash with the rule's own; `1 of` /
/// `all of` patterns in the rule's and the filter's conditions are first written out as the
/// identifiers they stand for, so neither can pick up the other's identifiers. A rule's
/// several conditions (ORed) stay ORed inside the parentheses.
///
/// Returns the rules (filtered or unchanged, in order) and diagnostics: a filter naming no
/// loaded rule is warned about ([`codes::UNKNOWN_FILTER_REFERENCE`]), and so is a named rule
/// whose logsource does not fit ([`codes::FILTER_LOGSOURCE_MISMATCH`]); ambiguous references
/// are errors.
///
/// ```
/// use adsigma_correlation::apply_filters;
/// use adsigma_syntax::{parse_str, Document, FileId, Limits};
/// let rule = "title: r\nname: shell\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel: {Image|endswith: /sh}\n  condition: sel\n";
/// let filter = "title: f\nlogsource: {product: linux}\nfilter:\n  rules: [shell]\n  sel: {User: root}\n  condition: not sel\n";
/// let r = parse_str(rule, FileId(0), &Limits::default());
/// let f = parse_str(filter, FileId(1), &Limits::default());
/// let (Document::Rule(rule), Document::Filter(filter)) = (&r.documents[0], &f.documents[0]) else { unreachable!() };
/// let (rules, diags) = apply_filters(&[rule.clone()], &[filter]);
/// assert!(diags.is_empty());
/// assert_eq!(rules[0].detection.conditions[0].text.value, "sel and not _filter0_sel");
/// ```
pub fn apply_filters(rules: &[Rule], filters: &[&Filter]) -> (Vec<Rule>, Vec<Diagnostic>) {
    let mut out: Vec<Rule> = rules.to_vec();
    let mut diags = Vec::new();
    for (fi, filter) in filters.iter().enumerate() {
        let filter_id = filter.meta.id.as_ref().map(|i| i.value.clone());
        for reference in &filter.rules {
            let hits: Vec<usize> = out
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    [&r.meta.id, &r.meta.name]
                        .into_iter()
                        .flatten()
                        .any(|k| k.value == reference.value)
                })
                .map(|(i, _)| i)
                .collect();
            let mut diag = |code, msg: String| {
                let mut d = Diagnostic::new(code, reference.span, msg);
                d.rule_id = filter_id.clone();
                diags.push(d);
            };
            match hits.as_slice() {
                [] => diag(
                    codes::UNKNOWN_FILTER_REFERENCE,
                    format!(
                        "the filter names `{}`, which no loaded rule has as id or name",
                        reference.value
                    ),
                ),
                [i] => {
                    if logsource_fits(&filter.logsource, &out[*i].logsource) {
                        apply_one(&mut out[*i], filter, fi);
                    } else {
                        diag(
                            codes::FILTER_LOGSOURCE_MISMATCH,
                            format!(
                                "rule `{}` has a logsource without every field the filter's logsource sets; the filter is not applied to it",
                                reference.value
                            ),
                        );
                    }
                }
                many => diag(
                    codes::AMBIGUOUS_RULE_REFERENCE,
                    format!(
                        "`{}` is the id or name of {} loaded rules",
                        reference.value,
                        many.len()
                    ),
                ),
            }
        }
    }
    (out, diags)
}

/// Whether a rule's logsource has every field the filter's logsource sets, with its value
/// (ASCII case-insensitively).
pub fn logsource_fits(filter: &Logsource, rule: &Logsource) -> bool {
    let same = |f: &Option<Spanned<String>>, r: &Option<Spanned<String>>| match (f, r) {
        (None, _) => true,
        (Some(f), Some(r)) => f.value.eq_ignore_ascii_case(&r.value),
        (Some(_), None) => false,
    };
    same(&filter.category, &rule.category)
        && same(&filter.product, &rule.product)
        && same(&filter.service, &rule.service)
        && filter.custom.iter().all(|(k, v)| {
            rule.custom
                .iter()
                .any(|(rk, rv)| rk.value == k.value && rv.value.eq_ignore_ascii_case(&v.value))
        })
}

fn expr(kind: ExprKind) -> Expr {
    Expr { kind, range: 0..0 }
}

/// Writes `1 of` / `all of` out as the identifiers `names` they select, renaming
/// identifiers with `rename`.
fn expand(e: &Expr, names: &[&str], rename: &dyn Fn(&str) -> String) -> Expr {
    match &e.kind {
        ExprKind::Ident(n) => expr(ExprKind::Ident(rename(n))),
        ExprKind::Not(x) => expr(ExprKind::Not(Box::new(expand(x, names, rename)))),
        ExprKind::And(xs) => expr(ExprKind::And(
            xs.iter().map(|x| expand(x, names, rename)).collect(),
        )),
        ExprKind::Or(xs) => expr(ExprKind::Or(
            xs.iter().map(|x| expand(x, names, rename)).collect(),
        )),
        ExprKind::Quantified(q, p) => {
            let mut picked: Vec<Expr> = p
                .select(names.iter().copied())
                .into_iter()
                .map(|n| expr(ExprKind::Ident(rename(n))))
                .collect();
            match picked.len() {
                // The parser reports a pattern that selects nothing; keep it as written.
                0 => expr(ExprKind::Quantified(*q, p.clone())),
                1 => picked.pop().expect("one"),
                _ => expr(match q {
                    Quantifier::One => ExprKind::Or(picked),
                    Quantifier::All => ExprKind::And(picked),
                }),
            }
        }
    }
}

fn or_all(mut xs: Vec<Expr>) -> Expr {
    if xs.len() == 1 {
        xs.pop().expect("one")
    } else {
        expr(ExprKind::Or(xs))
    }
}

fn apply_one(rule: &mut Rule, filter: &Filter, index: usize) {
    let rule_names: Vec<String> = rule
        .detection
        .identifiers
        .iter()
        .map(|i| i.name.value.clone())
        .collect();
    let filter_names: Vec<&str> = filter
        .detection
        .identifiers
        .iter()
        .map(|i| i.name.value.as_str())
        .collect();
    let mut prefix = format!("_filter{index}_");
    while rule_names.iter().any(|n| n.starts_with(&prefix)) {
        prefix.insert(0, '_');
    }
    let rule_refs: Vec<&str> = rule_names.iter().map(String::as_str).collect();
    let keep = |n: &str| n.to_owned();
    let rename = |n: &str| format!("{prefix}{n}");
    let rule_expr = or_all(
        rule.detection
            .conditions
            .iter()
            .map(|c| expand(&c.expr, &rule_refs, &keep))
            .collect(),
    );
    let filter_expr = or_all(
        filter
            .detection
            .conditions
            .iter()
            .map(|c| expand(&c.expr, &filter_names, &rename))
            .collect(),
    );
    let mut operands = Vec::new();
    for e in [rule_expr, filter_expr] {
        match e.kind {
            ExprKind::And(xs) => operands.extend(xs),
            kind => operands.push(expr(kind)),
        }
    }
    let combined = expr(ExprKind::And(operands));
    let text = combined.to_string();
    let span = rule
        .detection
        .conditions
        .first()
        .map_or(rule.detection.span, |c| c.text.span);
    // Re-parse so the expression's ranges index into the new text; depth is bounded by
    // the two conditions', which were parsed within limits.
    let parsed = parse_condition(&text, 256).unwrap_or(combined);
    rule.detection.conditions = vec![ConditionSource {
        text: Spanned::new(text, span),
        expr: parsed,
    }];
    for ident in &filter.detection.identifiers {
        rule.detection.identifiers.push(Identifier {
            name: Spanned::new(rename(&ident.name.value), ident.name.span),
            body: ident.body.clone(),
        });
    }
}
