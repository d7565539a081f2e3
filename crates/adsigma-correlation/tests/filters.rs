//! Meta filters.

use crate::common::docs;
use adsigma_correlation::apply_filters;
use adsigma_engine::{EngineConfig, Scratch, compile};
use adsigma_syntax::{Document, Filter, Rule};
use serde_json::json;

fn split(d: &[Document]) -> (Vec<Rule>, Vec<&Filter>) {
    let mut rules = Vec::new();
    let mut filters = Vec::new();
    for x in d {
        match x {
            Document::Rule(r) => rules.push(r.clone()),
            Document::Filter(f) => filters.push(f),
            Document::Correlation(_) => {}
        }
    }
    (rules, filters)
}

const RULE: &str = "title: shells\nid: 11111111-1111-4111-8111-111111111111\nname: shells\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel_sh: {Image|endswith: /sh}\n  sel_bash: {Image|endswith: /bash}\n  condition: 1 of sel_*\n";

#[test]
fn filter_is_anded_and_patterns_are_written_out() {
    let text = format!(
        "{RULE}---\ntitle: f\nlogsource: {{product: linux}}\nfilter:\n  rules: [shells]\n  filter_admin: {{User: admin}}\n  filter_ci: {{User|startswith: ci-}}\n  condition: not 1 of filter_*\n"
    );
    let d = docs(&text);
    let (rules, filters) = split(&d);
    let (out, diags) = apply_filters(&rules, &filters);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        out[0].detection.conditions[0].text.value,
        "(sel_sh or sel_bash) and not (_filter0_filter_admin or _filter0_filter_ci)"
    );
    // The filtered rule compiles and excludes what the filter says.
    let (program, cdiags) = compile(out.iter(), &EngineConfig::default());
    assert!(cdiags.is_empty(), "{cdiags:?}");
    let matches = |e: serde_json::Value| {
        let mut v = Vec::new();
        program.matching_rules(&e, None, &mut Scratch::new(), &mut v);
        !v.is_empty()
    };
    assert!(matches(json!({"Image": "/bin/sh", "User": "bob"})));
    assert!(!matches(json!({"Image": "/bin/sh", "User": "admin"})));
    assert!(!matches(json!({"Image": "/bin/bash", "User": "ci-runner"})));
    assert!(!matches(json!({"Image": "/bin/ls", "User": "bob"})));
}

#[test]
fn renamed_identifiers_never_clash() {
    let rule = "title: r\nname: r\nlogsource: {product: linux}\ndetection:\n  _filter0_x: {a: 1}\n  sel: {b: 2}\n  condition: sel and not _filter0_x\n";
    let text = format!(
        "{rule}---\ntitle: f\nlogsource: {{product: linux}}\nfilter:\n  rules: [r]\n  x: {{c: 3}}\n  condition: not x\n---\ntitle: g\nlogsource: {{}}\nfilter:\n  rules: [r]\n  x: {{d: 4}}\n  condition: not all of them\n"
    );
    let d = docs(&text);
    let (rules, filters) = split(&d);
    let (out, diags) = apply_filters(&rules, &filters);
    assert!(diags.is_empty(), "{diags:?}");
    let names: Vec<&str> = out[0]
        .detection
        .identifiers
        .iter()
        .map(|i| i.name.value.as_str())
        .collect();
    assert_eq!(names, ["_filter0_x", "sel", "__filter0_x", "_filter1_x"]);
    assert_eq!(
        out[0].detection.conditions[0].text.value,
        "sel and not _filter0_x and not __filter0_x and not _filter1_x"
    );
    let (program, cdiags) = compile(out.iter(), &EngineConfig::default());
    assert!(cdiags.is_empty());
    let mut v = Vec::new();
    program.matching_rules(&json!({"b": 2, "c": 3}), None, &mut Scratch::new(), &mut v);
    assert!(v.is_empty());
    program.matching_rules(&json!({"b": 2}), None, &mut Scratch::new(), &mut v);
    assert_eq!(v, [0]);
}

#[test]
fn several_rule_conditions_stay_ored() {
    let rule = "title: r\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: linux}\ndetection:\n  a: {x: 1}\n  b: {y: 1}\n  condition:\n    - a\n    - b\n";
    let text = format!(
        "{rule}---\ntitle: f\nlogsource: {{product: linux}}\nfilter:\n  rules: [22222222-2222-4222-8222-222222222222]\n  f: {{z: 1}}\n  condition: not f\n"
    );
    let d = docs(&text);
    let (rules, filters) = split(&d);
    let (out, _) = apply_filters(&rules, &filters);
    assert_eq!(out[0].detection.conditions.len(), 1);
    assert_eq!(
        out[0].detection.conditions[0].text.value,
        "(a or b) and not _filter0_f"
    );
}

#[test]
fn logsource_and_reference_diagnostics() {
    let other = "title: other\nname: other\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s: {a: 1}\n  condition: s\n";
    let dup = "title: dup\nname: shells\nlogsource: {product: linux}\ndetection:\n  s: {a: 1}\n  condition: s\n";
    let text = format!(
        "{RULE}---\n{other}---\n{dup}---\ntitle: f\nlogsource: {{product: linux, service: auditd}}\nfilter:\n  rules: [other, missing, shells]\n  f: {{User: x}}\n  condition: not f\n---\ntitle: g\nlogsource: {{product: windows}}\nfilter:\n  rules: [other]\n  f: {{User: x}}\n  condition: not f\n"
    );
    let d = docs(&text);
    let (rules, filters) = split(&d);
    let (out, diags) = apply_filters(&rules, &filters);
    let codes: Vec<&str> = diags.iter().map(|d| d.code.code).collect();
    assert_eq!(codes, ["C307", "C306", "C302"]);
    assert_eq!(out[0], rules[0], "ambiguous: not applied");
    assert_eq!(
        out[1].detection.conditions[0].text.value,
        "s and not _filter1_f"
    );
    assert_eq!(diags[1].span().start.line, 27, "points at the reference");
}
