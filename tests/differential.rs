//! The compiled engine against the data-driven conformance cases and against the naive
//! reference evaluator on generated rules and events.

use crate::conformance::load_cases;
use crate::reference;
use adsigma::{Engine, RulePack};
use proptest::prelude::*;
use serde_json::{Value, json};

#[test]
fn engine_agrees_with_every_conformance_case() {
    let cases = load_cases();
    let mut failures = Vec::new();
    let mut pairs = 0;
    for case in &cases {
        let pack = RulePack::from_yaml_str(&case.document_text());
        // Matching semantics, on every event whatever it looks like: no pipeline routing.
        let mut builder = Engine::builder().default_pipelines(false);
        for (name, values) in &case.placeholders {
            builder = builder.placeholder(name, values.clone());
        }
        let engine = match builder.build(&pack) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!(
                    "{} ({}): does not compile: {e}",
                    case.name, case.file
                ));
                continue;
            }
        };
        for (event, expected) in &case.events {
            pairs += 1;
            let got = !engine.evaluate(event).is_empty();
            // The same event as the engine's borrowed flat JSON must give the same answer.
            let text = event.to_string();
            let flat = adsigma::engine::json::JsonEvent::parse(&text).unwrap();
            let got_flat = !engine.evaluate(&flat).is_empty();
            if got_flat != got {
                failures.push(format!(
                    "{} ({}): JsonEvent disagrees with Value on {event}",
                    case.name, case.file
                ));
            }
            if got != *expected {
                failures.push(format!(
                    "{} ({}): expected {}, got {} for {event}",
                    case.name,
                    case.file,
                    if *expected { "match" } else { "no match" },
                    if got { "match" } else { "no match" },
                ));
            }
        }
    }
    assert!(pairs >= 320, "only {pairs} pairs");
    assert!(
        failures.is_empty(),
        "{} of {pairs} pairs disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- generated rules and events ----

const FIELDS: &[&str] = &["a", "b", "c.d", "arr", "arr.x", "n"];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[abAB ]{1,4}",
        "[ab/*?-]{1,4}",
        Just("Äb".to_owned()),
        Just("5".to_owned()),
        Just("true".to_owned()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => text().prop_map(Value::String),
        1 => (0i64..7).prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ]
}

fn event() -> impl Strategy<Value = Value> {
    (
        prop::option::of(scalar()),
        prop::option::of(scalar()),
        prop::option::of(prop_oneof![
            scalar().prop_map(|s| json!({ "d": s })),
            scalar().prop_map(|s| json!({ "c.d": s })),
            scalar(),
        ]),
        prop::option::of(prop::collection::vec(
            prop_oneof![
                scalar(),
                scalar().prop_map(|s| json!({ "x": s })),
                Just(json!({}))
            ],
            0..3,
        )),
        prop::option::of((0i64..10).prop_map(|n| json!(n))),
    )
        .prop_map(|(a, b, c, arr, n)| {
            let mut m = serde_json::Map::new();
            let c = match c {
                Some(v @ Value::Object(_)) if v.get("c.d").is_some() => {
                    m.insert("c.d".into(), v["c.d"].clone());
                    None
                }
                other => other,
            };
            for (k, v) in [
                ("a", a),
                ("b", b),
                ("c", c),
                ("arr", arr.map(Value::Array)),
                ("n", n),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m)
        })
}

/// One detection item as YAML text: `field|mods: value(s)`.
fn item() -> impl Strategy<Value = String> {
    let mods = prop_oneof![
        Just(""),
        Just("|contains"),
        Just("|startswith"),
        Just("|endswith"),
        Just("|contains|all"),
        Just("|cased"),
        Just("|neq"),
        Just("|windash"),
        Just("|re"),
        Just("|exists"),
        Just("|gt"),
    ];
    (
        prop::sample::select(FIELDS),
        mods,
        prop::collection::vec(text(), 1..3),
        any::<bool>(),
    )
        .prop_map(|(field, mods, vals, null)| {
            let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
            let values: Vec<String> = match mods {
                "|exists" => vec![if null { "true" } else { "false" }.to_owned()],
                "|gt" => vec![vals.len().to_string()],
                "|re" => vals
                    .iter()
                    .map(|v| q(&v.replace(['*', '?'], ".")))
                    .collect(),
                "" if null => vec!["null".to_owned()],
                _ => vals.iter().map(|v| q(v)).collect(),
            };
            format!("{field}{mods}: [{}]", values.join(", "))
        })
}

fn rule() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::collection::vec(item(), 1..3), 1..4),
        prop::collection::vec("[ab ]{1,3}", 0..2),
        0usize..6,
    )
        .prop_map(|(idents, keywords, shape)| {
            let mut text =
                String::from("title: generated\nlogsource: {product: test}\ndetection:\n");
            let mut names = Vec::new();
            for (i, items) in idents.iter().enumerate() {
                // Keys must be unique within a mapping.
                let mut seen = std::collections::HashSet::new();
                let items: Vec<&String> = items
                    .iter()
                    .filter(|it| seen.insert(it.split(':').next().unwrap_or("").to_owned()))
                    .collect();
                text.push_str(&format!("  sel{i}:\n"));
                for it in items {
                    text.push_str(&format!("    {it}\n"));
                }
                names.push(format!("sel{i}"));
            }
            if !keywords.is_empty() {
                text.push_str("  kw:\n");
                for k in &keywords {
                    text.push_str(&format!("    - '{k}'\n"));
                }
                names.push("kw".into());
            }
            let cond = match shape {
                0 => names.join(" and "),
                1 => names.join(" or "),
                2 => format!("{} and not ({})", names[0], names[1..].join(" or "))
                    .replace("not ()", "not sel0"),
                3 => "1 of them".to_owned(),
                4 => "all of sel*".to_owned(),
                _ => format!("not {}", names.join(" and not ")),
            };
            text.push_str(&format!("  condition: {cond}\n"));
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_reference(rule in rule(), events in prop::collection::vec(event(), 1..6)) {
        let pack = RulePack::from_yaml_str(&rule);
        prop_assume!(!pack.has_errors());
        let adsigma::Document::Rule(parsed) = &pack.documents()[0].document else { unreachable!() };
        let engine = Engine::builder().default_pipelines(false).build(&pack).unwrap();
        for e in &events {
            let expected = reference::matches(parsed, e, &Default::default());
            let got = !engine.evaluate(e).is_empty();
            prop_assert_eq!(got, expected, "rule:\n{}\nevent: {}", rule, e);
            let text = e.to_string();
            let flat = adsigma::engine::json::JsonEvent::parse(&text).unwrap();
            prop_assert_eq!(!engine.evaluate(&flat).is_empty(), expected, "JsonEvent, rule:\n{}\nevent: {}", rule, e);
        }
    }
}
