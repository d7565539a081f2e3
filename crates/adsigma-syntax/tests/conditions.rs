//! The condition language: precedence, quantifiers, errors with their positions.

use adsigma_syntax::condition::{ConditionErrorKind, ExprKind, Pattern, parse_condition};

/// (condition, canonical form with the parentheses that show its structure)
const PARSES: &[(&str, &str)] = &[
    ("sel", "sel"),
    ("a and b or c", "(a and b) or c"),
    ("a or b and c", "a or (b and c)"),
    ("not a and b", "(not a) and b"),
    ("not (a and b)", "not (a and b)"),
    ("a and not b and not c", "a and (not b) and (not c)"),
    ("a or b or c", "a or b or c"),
    ("(a or b) and c", "(a or b) and c"),
    (
        "1 of sel* and not 1 of filter_*",
        "(1 of sel*) and (not (1 of filter_*))",
    ),
    ("any of them", "1 of them"),
    ("all of selection_*", "all of selection_*"),
    ("not not a", "not (not a)"),
    ("((a))", "a"),
    ("  a\tand\nb  ", "a and b"),
    ("sel-1 and filter.conf", "sel-1 and filter.conf"),
    ("order and notable and oral", "order and notable and oral"),
    ("all", "all"),
    ("1 of them or all of x*", "(1 of them) or (all of x*)"),
];

fn structure(e: &adsigma_syntax::condition::Expr) -> String {
    match &e.kind {
        ExprKind::Ident(n) => n.clone(),
        ExprKind::Not(x) => format!("not {}", wrap(x)),
        ExprKind::And(xs) => xs.iter().map(wrap).collect::<Vec<_>>().join(" and "),
        ExprKind::Or(xs) => xs.iter().map(wrap).collect::<Vec<_>>().join(" or "),
        ExprKind::Quantified(q, p) => format!(
            "{} of {}",
            match q {
                adsigma_syntax::condition::Quantifier::One => "1",
                adsigma_syntax::condition::Quantifier::All => "all",
            },
            match p {
                Pattern::Them => "them".to_owned(),
                Pattern::Glob(g) => g.clone(),
            }
        ),
    }
}

fn wrap(e: &adsigma_syntax::condition::Expr) -> String {
    match &e.kind {
        ExprKind::Ident(n) => n.clone(),
        _ => format!("({})", structure(e)),
    }
}

#[test]
fn precedence_and_quantifiers() {
    for (text, want) in PARSES {
        let e = parse_condition(text, 64).unwrap_or_else(|err| panic!("{text}: {err}"));
        let got = structure(&e);
        assert_eq!(&got, want, "structure of `{text}`");
        // Display is canonical and parses back to the same expression.
        assert_eq!(parse_condition(&e.to_string(), 64).unwrap(), e);
    }
}

/// (condition, error kind, byte range of the error, a word the message must contain)
#[test]
fn errors_point_at_the_problem() {
    let cases: &[(&str, ConditionErrorKind, std::ops::Range<u32>, &str)] = &[
        ("", ConditionErrorKind::Empty, 0..0, "empty"),
        (
            "a and",
            ConditionErrorKind::Syntax,
            5..5,
            "end of the condition",
        ),
        ("a b", ConditionErrorKind::Syntax, 2..3, "`b`"),
        ("(a or b", ConditionErrorKind::Syntax, 7..7, "`)`"),
        ("a or b)", ConditionErrorKind::Syntax, 6..7, "`)`"),
        ("sel*", ConditionErrorKind::Syntax, 0..4, "pattern"),
        ("1 of", ConditionErrorKind::Syntax, 4..4, "pattern"),
        ("all of and", ConditionErrorKind::Syntax, 7..10, "pattern"),
        ("a and or b", ConditionErrorKind::Syntax, 6..8, "`or`"),
        (
            "selection | count() by src_ip > 10",
            ConditionErrorKind::V1Aggregation {
                replacement: Some("event_count"),
            },
            10..34,
            "event_count",
        ),
        (
            "selection | count(dst_port) by src_ip > 10",
            ConditionErrorKind::V1Aggregation {
                replacement: Some("value_count"),
            },
            10..42,
            "value_count",
        ),
        (
            "selection | max(bytes) > 5",
            ConditionErrorKind::V1Aggregation { replacement: None },
            10..26,
            "no Sigma 2 equivalent",
        ),
        (
            "a | near b and c",
            ConditionErrorKind::V1Near,
            4..8,
            "temporal",
        ),
        ("a near b", ConditionErrorKind::V1Near, 2..6, "temporal"),
    ];
    for (text, kind, range, word) in cases {
        let err = parse_condition(text, 64).expect_err(text);
        assert_eq!(&err.kind, kind, "kind for `{text}`: {err}");
        assert_eq!(&err.range, range, "range for `{text}`: {err}");
        assert!(
            err.message.contains(word),
            "`{text}`: `{}` lacks `{word}`",
            err.message
        );
    }
}

#[test]
fn nesting_limit_is_an_error_not_a_stack_overflow() {
    for depth in [65usize, 10_000, 200_000] {
        let parens = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
        let err = parse_condition(&parens, 64).unwrap_err();
        assert_eq!(err.kind, ConditionErrorKind::TooDeep);
        assert_eq!(
            err.range.start, 64,
            "points at the parenthesis past the limit"
        );
        let nots = format!("{}a", "not ".repeat(depth));
        assert_eq!(
            parse_condition(&nots, 64).unwrap_err().kind,
            ConditionErrorKind::TooDeep
        );
    }
    let ok = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert!(parse_condition(&ok, 64).is_ok());
}

#[test]
fn long_flat_chains_are_fine() {
    let text = (0..20_000)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let e = parse_condition(&text, 64).unwrap();
    let ExprKind::Or(xs) = &e.kind else { panic!() };
    assert_eq!(xs.len(), 20_000);
}

#[test]
fn patterns_skip_underscore_identifiers_unless_asked() {
    let names = ["sel_a", "sel_b", "_sel_c", "filter"];
    let glob = |g: &str| Pattern::Glob(g.into());
    assert_eq!(
        Pattern::Them.select(names),
        vec!["sel_a", "sel_b", "filter"]
    );
    assert_eq!(glob("sel_*").select(names), vec!["sel_a", "sel_b"]);
    assert_eq!(glob("_*").select(names), vec!["_sel_c"]);
    assert_eq!(glob("*a*").select(names), vec!["sel_a"]);
    assert_eq!(glob("*").select(names), vec!["sel_a", "sel_b", "filter"]);
    assert!(glob("x*").select(names).is_empty());
    assert_eq!(glob("filter").select(names), vec!["filter"]);
}
