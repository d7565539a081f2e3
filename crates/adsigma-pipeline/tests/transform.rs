//! Transformations on rules, checked by what the compiled rule matches.

use crate::{fires, rule};
use adsigma_pipeline::{Pipeline, PipelineSet, codes, rule_fields};
use adsigma_syntax::FileId;
use serde_json::json;

fn pipeline(text: &str) -> Pipeline {
    Pipeline::parse("t", FileId(0), text)
        .unwrap_or_else(|e| panic!("{:?}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>()))
}

const PROC: &str = "title: t\nid: 5e1c6a55-0f43-4ac5-a4cf-6a01b5cfbd2a\nlogsource: {product: linux, category: process_creation}\ntags: [attack.execution]\nlevel: high\ndetection:\n  sel:\n    Image|endswith: /nc\n    CommandLine|contains: ' -e '\n  filter:\n    User: backup\n  condition: sel and not filter\n";

#[test]
fn one_to_many_mapping_is_an_or_over_the_targets() {
    let p = pipeline(
        "name: p\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      Image: [a.exe, b.exe]\n      CommandLine: cmd\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    assert_eq!(rule_fields(&r), ["a.exe", "cmd", "b.exe", "User"]);
    assert!(fires(
        &r,
        &json!({"a": {"exe": "/bin/nc"}, "cmd": "nc -e sh"})
    ));
    assert!(fires(
        &r,
        &json!({"b": {"exe": "/bin/nc"}, "cmd": "nc -e sh"})
    ));
    assert!(!fires(
        &r,
        &json!({"b": {"exe": "/bin/nc"}, "cmd": "nc -l"})
    ));
    assert!(!fires(
        &r,
        &json!({"Image": "/bin/nc", "CommandLine": "nc -e sh"})
    ));
    // The filter, unmapped, still applies.
    assert!(!fires(
        &r,
        &json!({"a": {"exe": "/bin/nc"}, "cmd": "nc -e sh", "User": "backup"})
    ));
    // The source rule is untouched.
    assert_eq!(rule_fields(&rule(PROC)), ["Image", "CommandLine", "User"]);
}

#[test]
fn two_one_to_many_mappings_distribute() {
    let p = pipeline(
        "name: p\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      Image: [a, b]\n      CommandLine: [c, d]\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    for (x, y) in [("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")] {
        assert!(fires(&r, &json!({x: "/bin/nc", y: "nc -e sh"})), "{x} {y}");
    }
    assert!(!fires(&r, &json!({"a": "/bin/nc"})));
}

#[test]
fn prefix_suffix_and_prefix_mapping() {
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: field_name_prefix_mapping, mapping: {Command: proc.cmd, Ima: proc.img}}\n  - type: field_name_prefix\n    prefix: 'ev.'\n    field_name_conditions: [{type: exclude_fields, fields: [User]}]\n  - type: field_name_suffix\n    suffix: '.text'\n    field_name_conditions: [{type: include_fields, fields: ['^ev\\.proc\\.cmd'], mode: re}]\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    assert_eq!(
        rule_fields(&r),
        ["ev.proc.imgge", "ev.proc.cmdLine.text", "User"]
    );
}

#[test]
fn rule_conditions_select_rules() {
    let text = |cond: &str| {
        format!(
            "name: p\ntransformations:\n  - type: field_name_mapping\n    mapping: {{Image: exe}}\n{cond}"
        )
    };
    let cases = [
        (
            "    rule_conditions: [{type: logsource, category: process_creation}]\n",
            true,
        ),
        (
            "    rule_conditions: [{type: logsource, product: windows}]\n",
            false,
        ),
        (
            "    rule_conditions: [{type: logsource, product: windows}, {type: tag, tag: attack.execution}]\n    rule_cond_op: or\n",
            true,
        ),
        (
            "    rule_conditions: [{type: logsource, product: linux}]\n    rule_cond_not: true\n",
            false,
        ),
        (
            "    rule_conditions: [{type: contains_detection_item, field: User, value: backup}]\n",
            true,
        ),
        (
            "    rule_conditions: [{type: rule_attribute, attribute: level, value: medium, op: gte}]\n",
            true,
        ),
        (
            "    rule_conditions: [{type: rule_attribute, attribute: level, value: critical}]\n",
            false,
        ),
        (
            "    rule_conditions: [{type: rule_attribute, attribute: id, value: 5e1c6a55-0f43-4ac5-a4cf-6a01b5cfbd2a}]\n",
            true,
        ),
        (
            "    rule_conditions:\n      l: {type: logsource, product: linux}\n      w: {type: logsource, product: windows}\n    rule_cond_expr: l and not w\n",
            true,
        ),
        (
            "    rule_conditions:\n      l1: {type: logsource, product: linux}\n      l2: {type: logsource, product: windows}\n    rule_cond_expr: all of l*\n",
            false,
        ),
    ];
    for (cond, mapped) in cases {
        let r = pipeline(&text(cond)).apply(&rule(PROC)).unwrap();
        assert_eq!(rule_fields(&r)[0] == "exe", mapped, "{cond}");
    }
}

#[test]
fn processing_item_applied_sees_earlier_items() {
    let p = pipeline(
        "name: p\ntransformations:\n  - {id: m, type: field_name_mapping, mapping: {Nope: x}}\n  - {id: n, type: field_name_mapping, mapping: {Image: exe}}\n  - type: field_name_suffix\n    suffix: _m\n    rule_conditions: [{type: processing_item_applied, processing_item_id: m}]\n  - type: field_name_suffix\n    suffix: _n\n    rule_conditions: [{type: processing_item_applied, processing_item_id: n}]\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    assert_eq!(rule_fields(&r), ["exe_n", "CommandLine_n", "User_n"]);
}

#[test]
fn change_logsource_and_add_condition() {
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: change_logsource, product: linux, service: falco}\n  - type: add_condition\n    conditions: {source: syscall, 'rule|startswith': [Terminal, Shell]}\n  - type: add_condition\n    name: no_test\n    negated: true\n    conditions: {hostname: test}\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    assert_eq!(r.logsource.service.as_ref().unwrap().value, "falco");
    assert_eq!(
        r.detection.conditions[0].text.value,
        "not no_test and (_cond_1 and (sel and not filter))"
    );
    let ev = json!({"Image": "/bin/nc", "CommandLine": "nc -e sh", "source": "syscall", "rule": "Terminal shell"});
    assert!(fires(&r, &ev));
    assert!(!fires(
        &r,
        &json!({"Image": "/bin/nc", "CommandLine": "nc -e sh", "source": "k8s_audit", "rule": "Terminal"})
    ));
    let mut test_host = ev.clone();
    test_host["hostname"] = json!("test");
    assert!(!fires(&r, &test_host));
    // A name the rule already uses is an error at the rule.
    let clash = pipeline(
        "name: p\ntransformations:\n  - {type: add_condition, name: sel, conditions: {a: b}}\n",
    );
    let e = clash.apply(&rule(PROC)).unwrap_err();
    assert_eq!(e[0].code, codes::INVALID_RESULT);
}

#[test]
fn drop_detection_item_by_conditions() {
    let p = pipeline(
        "name: p\ntransformations:\n  - type: drop_detection_item\n    field_name_conditions: [{type: include_fields, fields: [User]}]\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    assert_eq!(rule_fields(&r), ["Image", "CommandLine"]);
    let p = pipeline(
        "name: p\ntransformations:\n  - type: drop_detection_item\n    detection_item_conditions: [{type: match_string, pattern: ' -e'}]\n",
    );
    let r = p.apply(&rule(PROC)).unwrap();
    assert_eq!(rule_fields(&r), ["Image", "User"]);
}

#[test]
fn value_transformations() {
    let base = "title: t\nlogsource: {product: linux}\ndetection:\n  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n    User|expand: '%admins%'\n    Mode: Interactive Logon\n  condition: sel\n";
    let p = pipeline(
        "name: p\nvars: {admins: [root, 'adm*']}\ntransformations:\n  - {type: replace_string, regex: '^C:\\\\Windows\\\\(.*)$', replacement: '/usr/bin/\\1', field_name_conditions: [{type: include_fields, fields: [Image]}]}\n  - {type: map_string, mapping: {cmd.exe: should-not-apply}}\n  - {type: value_placeholders}\n  - {type: case, method: snake_case, field_name_conditions: [{type: include_fields, fields: [Mode]}]}\n",
    );
    let r = p.apply(&rule(base)).unwrap();
    assert!(fires(
        &r,
        &json!({"Image": "/usr/bin/cmd.exe", "User": "admin", "Mode": "interactive_logon"})
    ));
    assert!(fires(
        &r,
        &json!({"Image": "/usr/bin/cmd.exe", "User": "root", "Mode": "interactive_logon"})
    ));
    assert!(!fires(
        &r,
        &json!({"Image": "/usr/bin/cmd.exe", "User": "bob", "Mode": "interactive_logon"})
    ));
    assert!(!fires(
        &r,
        &json!({"Image": "C:\\Windows\\cmd.exe", "User": "root", "Mode": "interactive_logon"})
    ));

    let p = pipeline(
        "name: p\ntransformations:\n  - {type: map_string, mapping: {Interactive Logon: [2, '10']}}\n  - {type: set_value, value: 0, field_name_conditions: [{type: include_fields, fields: [Image]}]}\n",
    );
    let r = p.apply(&rule(base)).unwrap();
    let cfg = adsigma_engine::EngineConfig {
        placeholders: [("admins".to_owned(), vec!["root".to_owned()])].into(),
        ..Default::default()
    };
    let (program, diags) = adsigma_engine::compile([&r], &cfg);
    assert!(diags.is_empty(), "{diags:?}");
    let run = |e: serde_json::Value| {
        let mut out = Vec::new();
        program.matching_rules(&e, None, &mut adsigma_engine::Scratch::new(), &mut out);
        !out.is_empty()
    };
    assert!(run(json!({"Image": 0, "User": "root", "Mode": "10"})));
    assert!(run(json!({"Image": "0", "User": "root", "Mode": 2})));
    assert!(!run(
        json!({"Image": "C:\\Windows\\cmd.exe", "User": "root", "Mode": 2})
    ));
}

#[test]
fn placeholders_under_all_go_to_the_engine() {
    let text = "title: t\nlogsource: {product: linux}\ndetection:\n  sel:\n    CommandLine|expand|contains|all: ['%a%', x]\n  condition: sel\n";
    let p = pipeline(
        "name: p\nvars: {a: [one, two], b: [z]}\ntransformations:\n  - {type: value_placeholders, include: [a]}\n",
    );
    let r = p.apply(&rule(text)).unwrap();
    assert_eq!(r, rule(text), "left for the engine");
    assert_eq!(
        p.placeholders(),
        [("a".to_owned(), vec!["one".to_owned(), "two".to_owned()])].into()
    );
}

#[test]
fn failures_are_errors_at_the_rule() {
    let p = pipeline(
        "name: p\ntransformations:\n  - type: rule_failure\n    message: windows rules are not supported\n    rule_conditions: [{type: logsource, product: linux}]\n",
    );
    let e = p.apply(&rule(PROC)).unwrap_err();
    assert_eq!(e[0].code, codes::RULE_FAILURE);
    assert_eq!(e[0].message, "windows rules are not supported");
    assert_eq!(e[0].span().start.line, 1, "at the title");
    assert_eq!(
        e[0].rule_id.as_deref(),
        Some("5e1c6a55-0f43-4ac5-a4cf-6a01b5cfbd2a")
    );
    let p = pipeline(
        "name: p\ntransformations:\n  - type: detection_item_failure\n    message: no users here\n    field_name_conditions: [{type: include_fields, fields: [User]}]\n",
    );
    let e = p.apply(&rule(PROC)).unwrap_err();
    assert_eq!(e[0].code, codes::DETECTION_ITEM_FAILURE);
    assert_eq!((e[0].span().start.line, e[0].span().start.column), (11, 5));
}

#[test]
fn expansion_is_bounded() {
    let mut text = String::from("title: t\nlogsource: {product: linux}\ndetection:\n  sel:\n");
    for i in 0..9 {
        text.push_str(&format!("    f{i}: x\n"));
    }
    text.push_str("  condition: sel\n");
    let mut p =
        String::from("name: p\ntransformations:\n  - type: field_name_mapping\n    mapping:\n");
    for i in 0..9 {
        p.push_str(&format!("      f{i}: [a{i}, b{i}]\n"));
    }
    let e = pipeline(&p).apply(&rule(&text)).unwrap_err();
    assert_eq!(e[0].code, codes::EXPANSION_TOO_LARGE);
}

#[test]
fn composition_applies_by_priority() {
    let late = pipeline(
        "name: late\npriority: 50\ntransformations:\n  - {type: field_name_prefix, prefix: 'x.'}\n",
    );
    let early = pipeline(
        "name: early\npriority: 10\ntransformations:\n  - {type: field_name_mapping, mapping: {Image: exe}}\n",
    );
    let set = PipelineSet::new(vec![late, early]);
    assert_eq!(set.pipelines()[0].name, "early");
    let r = set.apply(&rule(PROC)).unwrap();
    assert_eq!(rule_fields(&r), ["x.exe", "x.CommandLine", "x.User"]);
}

#[test]
fn unmapped_fields_for_check() {
    let falco = adsigma_pipeline::by_name("falco").unwrap();
    let r = rule(
        "title: t\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: /nc\n    Hashes|contains: abc\n  condition: sel\n",
    );
    let un: Vec<String> = falco
        .unmapped_fields(&r)
        .into_iter()
        .map(|f| f.value)
        .collect();
    assert_eq!(un, ["Hashes"]);
    let d = falco.check(&r);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, codes::UNMAPPED_FIELD);
    assert_eq!((d[0].span().start.line, d[0].span().start.column), (6, 5));
    // A rule in the events' own names, or one the pipeline does not route to: nothing.
    let k8s = rule(
        "title: t\nlogsource: {product: kubernetes, service: audit}\ndetection:\n  sel: {verb: create}\n  condition: sel\n",
    );
    assert!(
        adsigma_pipeline::by_name("k8s-audit")
            .unwrap()
            .unmapped_fields(&k8s)
            .is_empty()
    );
    assert!(falco.unmapped_fields(&k8s).is_empty());
    assert!(!falco.is_relevant(&k8s));
}
