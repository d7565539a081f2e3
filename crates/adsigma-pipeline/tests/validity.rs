//! What the `pipeline` fuzz target found: pipelines survive `to_yaml` -> parse, and applying
//! one gives a P205 error (with positions) rather than a rule that does not read back.

use crate::{fires, rule};
use adsigma_pipeline::{Pipeline, codes};
use adsigma_syntax::{Diagnostic, Document, FileId, Limits, Rule, emit, parse_str};
use serde_json::json;

fn pipeline(text: &str) -> Pipeline {
    Pipeline::parse("t", FileId(1), text)
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>()))
}

/// The errors of `rule` written out and parsed again.
fn emitted_errors(rule: &Rule) -> Vec<String> {
    let yaml = emit::to_yaml(&Document::Rule(rule.clone()));
    parse_str(&yaml, FileId(2), &Limits::default())
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{d}\n{yaml}"))
        .collect()
}

fn at(d: &Diagnostic) -> (u32, u32, u32) {
    let s = d.span();
    (s.file.0, s.start.line, s.start.column)
}

fn rule_with(item: &str) -> Rule {
    rule(&format!(
        "title: t\nlogsource: {{product: linux}}\ndetection:\n  sel:\n    {item}\n  condition: sel\n"
    ))
}

#[test]
fn empty_mappings_round_trip() {
    for kind in [
        "field_name_mapping",
        "field_name_prefix_mapping",
        "map_string",
    ] {
        let p = pipeline(&format!(
            "name: p\ntransformations:\n  - {{type: {kind}, mapping: {{}}}}\n"
        ));
        let yaml = p.to_yaml();
        assert!(yaml.contains("mapping: {}"), "{yaml}");
        let again = Pipeline::parse("again", FileId(1), &yaml);
        assert_eq!(again.as_ref().ok(), Some(&p), "{kind}:\n{yaml}");
    }
}

#[test]
fn nan_values_equal_themselves_and_round_trip() {
    let p = pipeline(
        "name: p\nvars: {x: [.nan, 1.5, -0.0]}\nrecognizers:\n  - logsource: {product: x}\n    when: [{field: a, equals: [.nan]}]\ntransformations:\n  - {type: set_value, value: .nan}\n",
    );
    assert_eq!(p, p.clone());
    let again = pipeline(&p.to_yaml());
    assert_eq!(p, again);
    // Floats still compare by value otherwise.
    let other = pipeline("name: p\nvars: {x: [.nan, 1.25, -0.0]}\n");
    let same = pipeline("name: p\nvars: {x: [.nan, 1.5, -0.0]}\n");
    assert_eq!(p.vars, same.vars);
    assert_ne!(p.vars, other.vars);
    assert_ne!(
        pipeline("name: p\nvars: {x: [0.0]}\n").vars,
        pipeline("name: p\nvars: {x: [.nan]}\n").vars
    );
}

#[test]
fn renamings_to_names_with_a_pipe_or_empty_are_rejected_with_positions() {
    // Each error points at the offending name (`needle`), on the item's line.
    for (t, needle) in [
        (
            "{type: field_name_suffix, suffix: '|contains'}",
            "'|contains'",
        ),
        ("{type: field_name_prefix, prefix: 'x|'}", "'x|'"),
        (
            "{type: field_name_mapping, mapping: {Image: 'a|re'}}",
            "'a|re'",
        ),
        ("{type: field_name_mapping, mapping: {Image: ''}}", "''"),
        (
            "{type: field_name_mapping, mapping: {Image: [a, '']}}",
            "''",
        ),
        (
            "{type: field_name_prefix_mapping, mapping: {Im: 'p|'}}",
            "'p|'",
        ),
    ] {
        let text = format!("name: p\ntransformations:\n  - {t}\n");
        let errs = Pipeline::parse("p", FileId(1), &text).expect_err(t);
        assert_eq!(errs[0].code, codes::INVALID_ARGUMENT, "{t}: {:?}", errs[0]);
        let column = "  - ".len() + t.find(needle).unwrap() + 1;
        assert_eq!(at(&errs[0]), (1, 3, column as u32), "{t}: {}", errs[0]);
    }
    // Empty prefixes, suffixes and prefix replacements are fine: they remove or add nothing.
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: field_name_prefix, prefix: ''}\n  - {type: field_name_suffix, suffix: ''}\n  - {type: field_name_prefix_mapping, mapping: {Im: ''}}\n",
    );
    let r = p.apply(&rule_with("Image|endswith: /sh")).unwrap();
    assert_eq!(adsigma_pipeline::rule_fields(&r), ["age"]);
    assert!(emitted_errors(&r).is_empty());
    // ... unless the prefix is the whole field name: that is an error at the rule's item.
    let r = rule_with("Im|endswith: /sh");
    let errs = p.apply(&r).unwrap_err();
    assert_eq!(errs[0].code, codes::INVALID_RESULT);
    assert_eq!(at(&errs[0]), (0, 5, 5), "{}", errs[0]);
}

#[test]
fn value_rewrites_the_modifiers_reject_are_errors_at_the_item() {
    for (value, item) in [
        ("2.5", "a|cidr: 10.0.0.0/8"),
        ("false", "a|re: 'x+'"),
        ("''", "a|gt: 5"),
        ("x", "a|exists: true"),
        ("null", "a|contains: x"),
        ("'*'", "a|base64|contains: xyz"),
    ] {
        let p = pipeline(&format!(
            "name: p\ntransformations:\n  - {{type: set_value, value: {value}}}\n"
        ));
        let errs = p.apply(&rule_with(item)).unwrap_err();
        assert_eq!(errs[0].code, codes::INVALID_RESULT, "{value} on {item}");
        assert_eq!(at(&errs[0]), (0, 5, 5), "{value} on {item}: {}", errs[0]);
        assert_eq!(errs[0].labels[0].span.file, FileId(1));
    }
    // A keyword cannot become null.
    let p = pipeline("name: p\ntransformations:\n  - {type: set_value, value: null}\n");
    let r =
        rule("title: t\nlogsource: {product: linux}\ndetection:\n  kw: [sh]\n  condition: kw\n");
    let errs = p.apply(&r).unwrap_err();
    assert_eq!(errs[0].code, codes::INVALID_RESULT);
    assert_eq!(at(&errs[0]), (0, 4, 8), "{}", errs[0]);
}

#[test]
fn rewritten_values_are_typed_by_the_modifiers() {
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: set_value, value: 10.0.0.0/8, field_name_conditions: [{type: include_fields, fields: [ip]}]}\n  - {type: set_value, value: '^/bin/.*sh$', field_name_conditions: [{type: include_fields, fields: [Image]}]}\n",
    );
    let r = rule(
        "title: t\nlogsource: {product: linux}\ndetection:\n  sel:\n    ip|cidr: 192.168.0.0/16\n    Image|re: nothing\n  condition: sel\n",
    );
    let mapped = p.apply(&r).unwrap();
    assert!(emitted_errors(&mapped).is_empty());
    assert!(fires(
        &mapped,
        &json!({"ip": "10.1.2.3", "Image": "/bin/bash"})
    ));
    assert!(!fires(
        &mapped,
        &json!({"ip": "192.168.1.1", "Image": "/bin/bash"})
    ));
    assert!(!fires(
        &mapped,
        &json!({"ip": "10.1.2.3", "Image": "/usr/bin/nc"})
    ));
}

#[test]
fn mapping_onto_a_field_the_map_uses_is_an_error() {
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: field_name_mapping, mapping: {ParentImage: a}}\n",
    );
    let r = rule(
        "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {a: x, ParentImage: y}\n  condition: sel\n",
    );
    let errs = p.apply(&r).unwrap_err();
    assert_eq!(errs[0].code, codes::INVALID_RESULT);
    assert_eq!(at(&errs[0]), (0, 4, 15), "{}", errs[0]);
    assert_eq!(errs[0].labels.len(), 2, "{:?}", errs[0].labels);
    // In one of the alternatives of a one-to-many mapping too.
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: field_name_mapping, mapping: {ParentImage: [b, a]}}\n",
    );
    assert_eq!(p.apply(&r).unwrap_err()[0].code, codes::INVALID_RESULT);
    // Other modifiers make another key: the items are ANDed as before.
    let r = rule(
        "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {a: x, ParentImage|endswith: y}\n  condition: sel\n",
    );
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: field_name_mapping, mapping: {ParentImage: a}}\n",
    );
    let mapped = p.apply(&r).unwrap();
    assert!(emitted_errors(&mapped).is_empty());
    assert!(!fires(&mapped, &json!({"a": "x"})));
    assert!(!fires(&mapped, &json!({"a": "xy"})));
    let r = rule(
        "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {a|startswith: x, ParentImage|endswith: y}\n  condition: sel\n",
    );
    assert!(fires(&p.apply(&r).unwrap(), &json!({"a": "xay"})));
}

#[test]
fn fieldrefs_renamed_to_a_wildcard_name_are_errors() {
    let p =
        pipeline("name: p\ntransformations:\n  - {type: field_name_mapping, mapping: {b: 'x*'}}\n");
    let r = rule_with("a|fieldref: b");
    let errs = p.apply(&r).unwrap_err();
    assert_eq!(errs[0].code, codes::INVALID_RESULT);
    assert_eq!(at(&errs[0]), (0, 5, 5), "{}", errs[0]);
    let p =
        pipeline("name: p\ntransformations:\n  - {type: field_name_mapping, mapping: {b: c}}\n");
    let mapped = p.apply(&r).unwrap();
    assert!(fires(&mapped, &json!({"a": "v", "c": "v"})));
    assert!(!fires(&mapped, &json!({"a": "v", "b": "v"})));
}
