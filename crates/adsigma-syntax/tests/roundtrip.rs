//! Document -> canonical YAML -> document is the identity: on the real corpus, and on
//! generated rules (proptest).

use crate::common::{shared_dir, without_spans, yaml_files};
use adsigma_syntax::condition::{Expr, ExprKind, Pattern, Quantifier, parse_condition};
use adsigma_syntax::emit::to_yaml;
use adsigma_syntax::value::{Cidr, Modifier, Number, NumberValue, SigmaString, ValueKind};
use adsigma_syntax::yaml::{Node, NodeKind, Scalar, ScalarStyle};
use adsigma_syntax::*;
use proptest::prelude::*;

fn parse(text: &str) -> ParsedFile {
    parse_str(text, FileId(0), &Limits::default())
}

fn assert_roundtrip(doc: &Document, origin: &str) {
    let yaml = to_yaml(doc);
    let again = parse(&yaml);
    assert!(
        !again.has_errors(),
        "{origin}: canonical YAML does not parse: {:?}\n{yaml}",
        again.diagnostics
    );
    assert_eq!(again.documents.len(), 1, "{origin}:\n{yaml}");
    let (a, b) = (
        without_spans(&format!("{doc:#?}")),
        without_spans(&format!("{:#?}", again.documents[0])),
    );
    if a != b {
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let show = |s: &str| {
            s.lines()
                .skip(line.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{origin}: document changed through canonical YAML\n--- before\n{}\n--- after\n{}\n--- yaml\n{yaml}",
            show(&a),
            show(&b)
        );
    }
}

#[test]
fn corpus_documents_round_trip() {
    let Some(shared) = shared_dir() else { return };
    let mut n = 0;
    for f in yaml_files(&shared.join("corpus/sigma")) {
        let text = std::fs::read_to_string(&f).unwrap();
        for doc in parse(&text).documents {
            assert_roundtrip(&doc, &f.display().to_string());
            n += 1;
        }
    }
    assert!(n > 3300, "only {n} corpus documents parsed");
}

#[test]
fn spec_examples_round_trip() {
    let Some(shared) = shared_dir() else { return };
    let files = yaml_files(&shared.join("spec/examples"));
    assert!(files.len() >= 12);
    for f in files {
        let parsed = parse(&std::fs::read_to_string(&f).unwrap());
        assert!(
            !parsed.has_errors(),
            "{}: {:?}",
            f.display(),
            parsed.diagnostics
        );
        for doc in &parsed.documents {
            assert_roundtrip(doc, &f.display().to_string());
        }
    }
}

// ---- generated rules ----

fn dummy() -> Span {
    Span::default()
}

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(v, dummy())
}

const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "of",
    "them",
    "1",
    "any",
    "all",
    "condition",
    "timeframe",
];

fn ident_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,7}".prop_filter("reserved", |s| !RESERVED.contains(&s.as_str()))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,20}",
        "[a-zA-Z0-9 *?\\\\%/.:-]{0,16}",
        "\\PC{0,10}",
        Just("line one\nline two\t\"quoted\" 'single'".to_owned()),
    ]
}

/// A modifier chain and a strategy for values that fit it.
fn chain() -> impl Strategy<Value = (Vec<Modifier>, BoxedStrategy<ValueKind>)> {
    use Modifier as M;
    let string = |placeholders: bool| {
        any_text()
            .prop_map(move |t| ValueKind::String(SigmaString::parse(&t, placeholders)))
            .boxed()
    };
    // Two bytes at least: `base64offset` refuses shorter values.
    let literal = || {
        "[a-zA-Z0-9 /.:-]{2,12}"
            .prop_map(|t| ValueKind::String(SigmaString::parse(&t, false)))
            .boxed()
    };
    let plain_values = prop_oneof![
        4 => any_text().prop_map(|t| ValueKind::String(SigmaString::parse(&t, false))),
        1 => Just(ValueKind::Null),
        1 => any::<bool>().prop_map(ValueKind::Bool),
        1 => any::<i64>().prop_map(|i| ValueKind::Number(Number { text: i.to_string(), value: NumberValue::Int(i) })),
        1 => (-1000i32..1000, 1u8..99).prop_map(|(a, b)| {
            let text = format!("{a}.{b}");
            ValueKind::Number(Number { value: NumberValue::Float(text.parse().unwrap()), text })
        }),
    ]
    .boxed();
    let number = (0i64..100_000)
        .prop_map(|i| {
            ValueKind::Number(Number {
                text: i.to_string(),
                value: NumberValue::Int(i),
            })
        })
        .boxed();
    let cidr = prop_oneof![
        (any::<[u8; 2]>(), 16u8..=16).prop_map(|(a, p)| format!("{}.{}.0.0/{p}", a[0], a[1])),
        Just("fd00::/8".to_owned()),
        Just("10.0.0.1".to_owned()),
    ]
    .prop_map(|t| ValueKind::Cidr(Cidr::parse(&t).unwrap()))
    .boxed();
    prop_oneof![
        Just((vec![], plain_values)),
        Just((vec![M::Contains], string(false))),
        Just((vec![M::StartsWith], string(false))),
        Just((vec![M::EndsWith, M::Cased], string(false))),
        Just((vec![M::Contains, M::All], string(false))),
        Just((vec![M::All], string(false))),
        Just((vec![M::Contains, M::Windash], string(false))),
        Just((vec![M::Expand], string(true))),
        Just((vec![M::Neq], string(false))),
        Just((
            vec![M::Re],
            "[a-z.*+]{1,10}".prop_map(ValueKind::Regex).boxed()
        )),
        Just((
            vec![M::Re, M::ReIgnoreCase],
            "[a-z.*]{1,10}".prop_map(ValueKind::Regex).boxed()
        )),
        Just((vec![M::Cidr], cidr)),
        Just((
            vec![M::Exists],
            any::<bool>().prop_map(ValueKind::Bool).boxed()
        )),
        Just((vec![M::Gte], number.clone())),
        Just((vec![M::Hour, M::Lt], number)),
        Just((vec![M::Base64Offset, M::Contains], literal())),
        Just((vec![M::Utf16Le, M::Base64], literal())),
        Just((
            vec![M::FieldRef],
            "[A-Z][a-zA-Z.]{0,10}".prop_map(ValueKind::FieldRef).boxed()
        )),
    ]
}

fn item() -> impl Strategy<Value = DetectionItem> {
    (
        prop::option::weighted(0.9, "[A-Za-z][A-Za-z0-9_.]{0,10}"),
        chain(),
        any::<bool>(),
    )
        .prop_flat_map(|(field, (mods, values), list)| {
            // `exists` takes one bool, not a list.
            let list = list && !mods.contains(&Modifier::Exists);
            let n = if list { 0..4usize } else { 1..2usize };
            (
                Just(field),
                Just(mods),
                prop::collection::vec(values, n),
                Just(list),
            )
        })
        .prop_map(|(field, modifiers, values, list)| DetectionItem {
            // A key needs a field name, unless it is a keyword item (`'|all'`: the only
            // modifier a field-less item takes).
            field: field
                .or_else(|| (modifiers != [Modifier::All]).then(|| "Field".to_owned()))
                .map(sp),
            modifiers: modifiers.into_iter().map(sp).collect(),
            values: values
                .into_iter()
                .map(|kind| adsigma_syntax::value::Value {
                    kind,
                    span: dummy(),
                    quoted: false,
                })
                .collect(),
            key_span: dummy(),
            list,
        })
}

fn field_map() -> impl Strategy<Value = FieldMap> {
    prop::collection::vec(item(), 1..4)
        .prop_map(|mut items| {
            // Keys of one mapping must differ.
            let mut seen = std::collections::HashSet::new();
            items.retain(|i| {
                let mut k = i.field.as_ref().map_or(String::new(), |f| f.value.clone());
                for m in &i.modifiers {
                    k.push('|');
                    k.push_str(m.value.name());
                }
                seen.insert(k)
            });
            items
        })
        .prop_map(|items| FieldMap {
            items,
            span: dummy(),
        })
}

fn body() -> impl Strategy<Value = IdentifierBody> {
    prop_oneof![
        3 => field_map().prop_map(IdentifierBody::Map),
        1 => prop::collection::vec(field_map().prop_map(ListElement::Map), 1..3).prop_map(IdentifierBody::List),
        1 => prop::collection::vec(
            "[a-zA-Z0-9 *?/.-]{1,12}".prop_map(|t| ListElement::Keyword(adsigma_syntax::value::Value {
                kind: ValueKind::String(SigmaString::parse(&t, false)),
                span: dummy(),
                quoted: false,
            })),
            1..4,
        ).prop_map(IdentifierBody::List),
    ]
}

fn expr_over(names: Vec<String>) -> impl Strategy<Value = Expr> {
    let leaf_names = names.clone();
    let leaf = prop_oneof![
        4 => prop::sample::select(leaf_names).prop_map(|n| mk(ExprKind::Ident(n))),
        1 => (any::<bool>(), prop::sample::select(names.clone()), 0usize..3).prop_map(|(all, n, cut)| {
            let q = if all { Quantifier::All } else { Quantifier::One };
            let p = if cut == 0 {
                Pattern::Them
            } else {
                let keep = n.len().saturating_sub(cut).max(1);
                Pattern::Glob(format!("{}*", &n[..keep]))
            };
            mk(ExprKind::Quantified(q, p))
        }),
    ];
    leaf.prop_recursive(5, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| mk(ExprKind::Not(Box::new(e)))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| mk(ExprKind::And(v))),
            prop::collection::vec(inner, 2..4).prop_map(|v| mk(ExprKind::Or(v))),
        ]
    })
}

fn mk(kind: ExprKind) -> Expr {
    Expr { kind, range: 0..0 }
}

fn custom_node() -> impl Strategy<Value = Node> {
    let scalar = prop_oneof![
        "[a-z][a-z0-9 ]{0,10}[a-z0-9]".prop_map(|t| (t, ScalarStyle::Plain)),
        any_text().prop_map(|t| (t, ScalarStyle::DoubleQuoted)),
    ]
    .prop_map(|(text, style)| Node {
        kind: NodeKind::Scalar(Scalar {
            text,
            style,
            tag: None,
        }),
        span: dummy(),
    });
    scalar.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| Node {
                kind: NodeKind::Seq(v),
                span: dummy()
            }),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..3).prop_map(|m| Node {
                kind: NodeKind::Map(
                    m.into_iter()
                        .map(|(k, v)| {
                            (
                                Node {
                                    kind: NodeKind::Scalar(Scalar {
                                        text: k,
                                        style: ScalarStyle::DoubleQuoted,
                                        tag: None,
                                    }),
                                    span: dummy(),
                                },
                                v,
                            )
                        })
                        .collect()
                ),
                span: dummy()
            }),
        ]
    })
}

prop_compose! {
    fn metadata()(
        title in any_text(),
        id in prop::option::of("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        status in prop::option::of(prop::sample::select(Status::ALL.to_vec())),
        level in prop::option::of(prop::sample::select(Level::ALL.to_vec())),
        description in prop::option::of(any_text()),
        tags in prop::collection::vec("(attack|cve|tlp)\\.[a-z0-9_.-]{1,8}", 0..3),
        references in prop::collection::vec(any_text(), 0..2),
        falsepositives in prop::collection::vec(any_text(), 0..2),
        date in prop::option::of((2000u16..2100, 1u8..=12, 1u8..=28)),
        custom in prop::collection::btree_map("x_[a-z]{1,6}", custom_node(), 0..3),
    ) -> Metadata {
        Metadata {
            title: Some(sp(title)),
            id: id.map(sp),
            status: status.map(|s| sp(s.1)),
            level: level.map(|l| sp(l.1)),
            description: description.map(sp),
            tags: tags.into_iter().map(sp).collect(),
            references: references.into_iter().map(sp).collect(),
            falsepositives: falsepositives.into_iter().map(sp).collect(),
            date: date.map(|(year, month, day)| sp(Date { year, month, day })),
            custom: custom.into_iter().map(|(k, v)| (sp(k), v)).collect(),
            ..Metadata::default()
        }
    }
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        metadata(),
        prop::collection::btree_map(ident_name(), body(), 1..5),
        prop::option::of("[a-z_]{1,10}"),
        prop::option::of("[a-z_]{1,10}"),
    )
        .prop_flat_map(|(meta, idents, product, category)| {
            let names: Vec<String> = idents.keys().cloned().collect();
            (
                Just(meta),
                Just(idents),
                Just((product, category)),
                prop::collection::vec(expr_over(names), 1..3),
            )
        })
        .prop_map(|(meta, idents, (product, category), exprs)| Rule {
            meta,
            logsource: Logsource {
                product: product.map(sp),
                category: category.map(sp),
                ..Logsource::default()
            },
            detection: Detection {
                identifiers: idents
                    .into_iter()
                    .map(|(n, body)| Identifier { name: sp(n), body })
                    .collect(),
                conditions: exprs
                    .into_iter()
                    .map(|e| {
                        let text = e.to_string();
                        ConditionSource {
                            expr: parse_condition(&text, 64).unwrap(),
                            text: sp(text),
                        }
                    })
                    .collect(),
                span: dummy(),
            },
            span: dummy(),
        })
}

/// Patterns generated from a name always match it, except `_`-prefixed names matched by a
/// pattern that does not start with `_`; such rules are invalid and skipped.
fn patterns_resolve(rule: &Rule) -> bool {
    let names: Vec<&str> = rule
        .detection
        .identifiers
        .iter()
        .map(|i| i.name.value.as_str())
        .collect();
    let mut ok = true;
    for c in &rule.detection.conditions {
        c.expr.walk(&mut |e| {
            if let ExprKind::Quantified(_, p) = &e.kind {
                ok &= !p.select(names.iter().copied()).is_empty();
            }
        });
    }
    ok
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_rules_round_trip(rule in rule()) {
        prop_assume!(patterns_resolve(&rule));
        assert_roundtrip(&Document::Rule(rule), "generated rule");
    }

    #[test]
    fn condition_display_parses_to_itself(
        e in expr_over(vec!["a".into(), "sel_b".into(), "_c".into(), "filter_1".into()])
    ) {
        let text = e.to_string();
        let parsed = parse_condition(&text, 64).unwrap();
        prop_assert_eq!(&parsed, &e);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn sigma_strings_display_parses_to_itself(t in "[a-z*?\\\\%]{0,12}", placeholders in any::<bool>()) {
        let s = SigmaString::parse(&t, placeholders);
        prop_assert_eq!(s.to_string(), t.clone());
        prop_assert_eq!(SigmaString::parse(&s.to_string(), placeholders), s);
    }

    #[test]
    fn arbitrary_text_never_panics(t in "\\PC{0,200}") {
        let _ = parse(&t);
        let _ = parse_condition(&t, 64);
    }
}
