//! Broken pipelines: each fixture's first line says the expected code and position.

use adsigma_pipeline::{Pipeline, shipped, shipped_names, shipped_source};
use adsigma_syntax::FileId;
use std::path::PathBuf;

#[test]
fn every_broken_fixture_reports_its_code_at_its_position() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no `# expect:` line", f.display()));
        let (code, pos) = expect.split_once(' ').unwrap();
        let (line, col) = pos.split_once(':').unwrap();
        let errs = Pipeline::parse(&f.display().to_string(), FileId(3), &text)
            .expect_err(&format!("{} parsed", f.display()));
        let d = errs
            .iter()
            .find(|d| d.code.code == code)
            .unwrap_or_else(|| panic!("{}: no {code} in {errs:?}", f.display()));
        assert_eq!(
            (d.span().start.line, d.span().start.column, d.span().file),
            (line.parse().unwrap(), col.parse().unwrap(), FileId(3)),
            "{}: {d}",
            f.display()
        );
        assert!(d.is_error());
    }
}

#[test]
fn every_shipped_pipeline_parses_and_has_a_description() {
    for name in shipped_names() {
        let text = shipped_source(name).unwrap();
        let p = Pipeline::parse(name, FileId(0), text).unwrap_or_else(|e| {
            panic!(
                "{name}: {:?}",
                e.iter().map(|d| d.to_string()).collect::<Vec<_>>()
            )
        });
        assert_eq!(p.name, name);
        let d = p.description.as_deref().unwrap_or_default();
        assert!(!d.is_empty() && !d.contains('\n'), "{name}: {d:?}");
        assert!(!p.recognizers.is_empty(), "{name}");
    }
    assert_eq!(shipped().len(), shipped_names().count());
}

#[test]
fn shipped_files_on_disk_are_the_embedded_ones() {
    for name in shipped_names() {
        let path = crate::repo_dir().join(format!("rules/pipelines/{name}.yml"));
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            shipped_source(name).unwrap()
        );
    }
}

const EVERYTHING: &str = r#"
name: everything
description: uses every transformation and condition form
priority: 30
vars:
  admins: [root, "adm*", 0]
recognizers:
  - logsource: {product: linux, category: process_creation}
    when:
      - {field: a.b, exists: true}
      - {field: n, equals: [1, x, true, null]}
      - any:
          - {field: v, glob: ["audit.k8s.io/*", "x?"]}
          - {not: {all: [{field: q, exists: false}]}}
derived_fields:
  - {name: cmd, concat: [a, b], separator: "|"}
transformations:
  - id: map
    type: field_name_mapping
    mapping: {Image: exe, CommandLine: [c1, c2]}
    rule_conditions:
      - {type: logsource, product: linux}
      - {type: tag, tag: attack.execution}
    rule_cond_op: or
    rule_cond_not: true
  - type: field_name_prefix_mapping
    mapping: {"Parent": "parent."}
    field_name_conditions:
      - {type: include_fields, fields: ["Parent.*"], mode: re}
  - {type: field_name_prefix, prefix: "p."}
  - {type: field_name_suffix, suffix: ".keyword"}
  - {type: change_logsource, product: linux, service: x}
  - type: add_condition
    conditions: {"a|contains": [x, 1], b: null}
    name: extra
    negated: true
  - type: drop_detection_item
    detection_item_conditions:
      one: {type: match_string, pattern: "^x", cond: all, negate: true}
      two: {type: is_null}
    detection_item_cond_expr: one or not two
  - {type: replace_string, regex: "\\\\", replacement: "/"}
  - {type: map_string, mapping: {a: b, c: [d, e]}}
  - {type: set_value, value: 5, force_type: str}
  - {type: value_placeholders, exclude: [other]}
  - {type: case, method: snake_case}
  - type: rule_failure
    message: no
    rule_conditions:
      - {type: rule_attribute, attribute: level, value: high, op: gte}
      - {type: contains_detection_item, field: a, value: 1.5}
      - {type: processing_item_applied, processing_item_id: map}
      - {type: is_sigma_rule}
  - type: detection_item_failure
    message: no
    field_name_conditions:
      - {type: exclude_fields, fields: [a, b]}
"#;

#[test]
fn pipelines_round_trip_through_yaml() {
    let mut all: Vec<Pipeline> = shipped();
    all.push(Pipeline::parse("everything", FileId(0), EVERYTHING).unwrap());
    for p in all {
        let yaml = p.to_yaml();
        let again = Pipeline::parse("again", FileId(1), &yaml).unwrap_or_else(|e| {
            panic!(
                "{}: {yaml}\n{:?}",
                p.name,
                e.iter().map(|d| d.to_string()).collect::<Vec<_>>()
            )
        });
        assert_eq!(p, again, "{yaml}");
        assert_eq!(again.to_yaml(), yaml);
    }
}

#[test]
fn pysigma_newer_condition_spellings_are_accepted() {
    let p = Pipeline::parse(
        "p",
        FileId(0),
        "name: p\ntransformations:\n  - type: drop_detection_item\n    rule_conditions: [{type: is_sigma_rule}, {type: tag, tag: x}]\n    rule_condition_linking: any\n    rule_condition_negation: true\n",
    )
    .unwrap();
    let c = p.transformations[0].rule_conditions.as_ref().unwrap();
    assert!(c.negate);
    assert!(matches!(
        c.linking,
        adsigma_pipeline::Linking::List {
            op: adsigma_pipeline::LinkOp::Or,
            ..
        }
    ));
}

#[test]
fn hostile_pipelines_are_errors_not_panics() {
    let deep = format!(
        "name: p\nrecognizers:\n  - logsource: {{product: x}}\n    when: [{}{}]\n",
        "{not: ".repeat(500),
        "}".repeat(500)
    );
    assert!(Pipeline::parse("p", FileId(0), &deep).is_err());
    let laughs = "name: p\nvars:\n  a: &a [x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    assert!(Pipeline::parse("p", FileId(0), laughs).is_err());
    for text in [
        "",
        "~",
        "name: [1]",
        "name: p\ntransformations: {}",
        "name: p\ntransformations: [1]",
        "name: p\nrecognizers: [{logsource: {}, when: []}]",
    ] {
        assert!(Pipeline::parse("p", FileId(0), text).is_err(), "{text:?}");
    }
}
