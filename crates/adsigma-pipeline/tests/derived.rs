//! Derived fields: the values captured while the prefilter walks an event are the values
//! looking their parts up gives (first text value in lookup order), on any event shape.

use adsigma_engine::json::JsonEvent;
use adsigma_engine::{Event, EventValue};
use adsigma_pipeline::Pipeline;
use adsigma_syntax::FileId;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Two derived fields over nested, flat and overlapping parts; the second one's name is
/// also a part of the first, and a path the event may carry itself.
const PIPELINE: &str = "name: d
derived_fields:
  - name: p.line
    concat: [p.bin, p.args, q]
  - name: q
    concat: [r.s, p.bin]
    separator: '|'
";

fn pipeline() -> Pipeline {
    Pipeline::parse("d.yml", FileId(0), PIPELINE).unwrap()
}

/// Every derived field's value as the walk leaves it and as lookups compute it.
fn both(p: &Pipeline, text: &str) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let event = JsonEvent::parse(text).unwrap();
    let walked = p.derive(&event);
    let mut visited = Vec::new();
    walked.walk(&mut |path, v| {
        if let EventValue::Str(s) = v {
            if p.derived_fields.iter().any(|f| f.name == path) {
                visited.push(s.to_owned());
            }
        }
    });
    let looked_up = p.derive(&event);
    let by_lookup: Vec<Option<String>> = p
        .derived_fields
        .iter()
        .map(|f| looked_up.compute(f))
        .collect();
    let get = |d: &adsigma_pipeline::Derived<'_, &JsonEvent<'_>>, name: &str| {
        let mut out = None;
        d.lookup(name, &mut |v| {
            if let EventValue::Str(s) = v {
                out = Some(s.to_owned());
            }
        });
        out
    };
    let after_walk: Vec<Option<String>> = p
        .derived_fields
        .iter()
        .map(|f| get(&walked, &f.name))
        .collect();
    // The walk visits each present derived value once, after the event's own leaves.
    assert_eq!(
        visited,
        after_walk.iter().flatten().cloned().collect::<Vec<_>>(),
        "{text}"
    );
    (after_walk, by_lookup)
}

#[test]
fn walk_and_lookup_agree_on_hand_picked_shapes() {
    let p = pipeline();
    for event in [
        json!({"p": {"bin": "/bin/sh", "args": "-c id"}}),
        json!({"p": {"bin": "/bin/sh"}}),
        json!({"p": {"args": "-c id"}, "q": 5}),
        json!({"p": {"bin": ["/a", "/b"], "args": "x"}}),
        json!({"p": [{"bin": "/a"}, {"bin": "/b"}]}),
        json!({"p.bin": "/flat", "p": {"bin": "/nested"}}),
        json!({"p": {"bin": null, "args": 1.5}, "r": {"s": true}}),
        json!({"q": "own", "p": {"line": "hidden"}}),
        json!({}),
        json!({"r": {"s": ""}, "p": {"bin": ""}}),
    ] {
        let text = event.to_string();
        let (walked, looked_up) = both(&p, &text);
        assert_eq!(walked, looked_up, "{text}");
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-c /-]{0,4}".prop_map(Value::from),
        prop_oneof![Just("a"), Just("b c"), Just("|b"), Just("c -"), Just("1")]
            .prop_map(Value::from),
    ]
}

/// Objects over the keys the pipeline reads (and dotted forms of them), nested and in
/// arrays.
fn event() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("p"),
        Just("bin"),
        Just("args"),
        Just("q"),
        Just("r"),
        Just("s"),
        Just("p.bin"),
        Just("r.s"),
        Just("line"),
    ];
    leaf().prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn walk_and_lookup_agree(event in event()) {
        let p = pipeline();
        let text = event.to_string();
        let (walked, looked_up) = both(&p, &text);
        prop_assert_eq!(walked, looked_up, "{}", text);
    }
}

/// Rules over the derived names, their parts and keywords.
const RULES: &str = "title: contains
logsource: {product: linux}
detection:
  sel: {p.line|contains: 'a b'}
  condition: sel
---
title: exact
logsource: {product: linux}
detection:
  sel: {q: ['|a', 'true|a', '1']}
  condition: sel
---
title: absent
logsource: {product: linux}
detection:
  sel: {p.line: null}
  condition: sel
---
title: exists not
logsource: {product: linux}
detection:
  sel: {q|exists: true}
  part: {p.bin|startswith: a}
  condition: sel and not part
---
title: keywords
logsource: {product: linux}
detection:
  kw: ['c -', '|b']
  condition: kw
---
title: all
logsource: {product: linux}
detection:
  sel: {p.line|contains|all: [a, c]}
  condition: sel
---
title: glob
logsource: {product: linux}
detection:
  sel: {p.line: 'a*c', p.args|endswith: c}
  condition: sel
";

/// The program computing the derived fields itself agrees with the program given the
/// event with the derived fields overlaid.
fn program_agrees(p: &Pipeline, text: &str) {
    let rules = crate::rules(RULES);
    let (plain, diags) = adsigma_engine::compile(&rules, &Default::default());
    assert!(diags.is_empty(), "{diags:?}");
    let native = plain.clone_with_derived(p);
    let event = JsonEvent::parse(text).unwrap();
    let mut scratch = adsigma_engine::Scratch::new();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    plain.matching_rules(&p.derive(&event), None, &mut scratch, &mut want);
    native.matching_rules(&event, None, &mut scratch, &mut got);
    assert_eq!(got, want, "{text}");
    for &r in &want {
        assert_eq!(
            native.explain(r as usize, &event, &mut scratch),
            plain.explain(r as usize, &p.derive(&event), &mut scratch),
            "{text}"
        );
    }
}

trait CloneWithDerived {
    fn clone_with_derived(&self, p: &Pipeline) -> adsigma_engine::Program;
}

impl CloneWithDerived for adsigma_engine::Program {
    fn clone_with_derived(&self, p: &Pipeline) -> adsigma_engine::Program {
        self.subset(|_| true).with_derived(p.derived_fields.clone())
    }
}

#[test]
fn programs_computing_derived_fields_agree_on_hand_picked_shapes() {
    let p = pipeline();
    for event in [
        json!({"p": {"bin": "a", "args": "b c"}}),
        json!({"p": {"bin": "a", "args": "b c", "line": "hidden a b"}}),
        json!({"p": {"bin": ["a", "x"], "args": "b c"}}),
        json!({"p.bin": "a", "p": {"args": "b c"}}),
        json!({"r": {"s": true}, "p": {"bin": "a"}}),
        json!({"q": 1, "p": {"bin": "x"}}),
        json!({}),
        // An empty key: the walk cannot be trusted (it reads `p.bin` where lookup needs
        // `.p.bin`), so the parts are looked up.
        json!({"": {"p": {"bin": "a"}}, "p": {"args": "b c"}}),
    ] {
        program_agrees(&p, &event.to_string());
    }
}

/// Derived fields given again replace the first ones (no stale part of them is captured).
#[test]
fn derived_fields_given_twice_replace_the_first() {
    let rules = crate::rules(RULES);
    let (plain, _) = adsigma_engine::compile(&rules, &Default::default());
    let p = pipeline();
    let many = Pipeline::parse(
        "m.yml",
        FileId(0),
        "name: m\nderived_fields:\n  - {name: z, concat: [a, b, c, d, e, f, g]}\n",
    )
    .unwrap();
    let twice = plain
        .subset(|_| true)
        .with_derived(many.derived_fields.clone())
        .with_derived(p.derived_fields.clone());
    let once = plain
        .subset(|_| true)
        .with_derived(p.derived_fields.clone());
    let event = json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "p": {"bin": "a", "args": "b c"}});
    let mut scratch = adsigma_engine::Scratch::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    twice.matching_rules(&event, None, &mut scratch, &mut a);
    once.matching_rules(&event, None, &mut scratch, &mut b);
    assert_eq!(a, b);
    assert!(!a.is_empty());
}

proptest! {
    #[test]
    fn programs_computing_derived_fields_agree(event in event()) {
        program_agrees(&pipeline(), &event.to_string());
    }
}
