//! `adsigma schema`: the JSON Schema of the rule format.

use crate::common::{adsigma, stdout};
use serde_json::Value;

fn schema() -> Value {
    let o = adsigma(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_str(&stdout(&o)).expect("the schema is JSON")
}

/// Follows a local `$ref` (`#/$defs/...`).
fn resolve<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => root
            .pointer(r.strip_prefix('#').unwrap())
            .unwrap_or_else(|| panic!("{r} does not resolve")),
        None => v,
    }
}

#[test]
fn schema_is_draft_2020_12_with_every_sigma_property() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["type"], "object");
    for key in [
        "title",
        "id",
        "status",
        "description",
        "references",
        "author",
        "date",
        "modified",
        "tags",
        "logsource",
        "detection",
        "falsepositives",
        "level",
        "fields",
        "related",
        "name",
        "taxonomy",
        "license",
        "scope",
        "ads",
        "tests",
    ] {
        assert!(s["properties"][key].is_object(), "{key}");
    }
}

#[test]
fn ads_and_tests_properties() {
    let s = schema();
    let ads = resolve(&s, &s["properties"]["ads"]);
    assert_eq!(ads["type"], "object");
    for key in [
        "goal",
        "strategy_abstract",
        "priority",
        "response",
        "validation",
    ] {
        assert!(ads["properties"][key].is_object(), "ads.{key}");
    }
    let tests = resolve(&s, &s["properties"]["tests"]);
    assert_eq!(tests["additionalProperties"], false);
    for key in ["match", "no_match"] {
        let list = &tests["properties"][key];
        assert_eq!(list["type"], "array");
        let entry = resolve(&s, &list["items"]);
        let forms = entry["anyOf"].as_array().unwrap();
        assert!(forms.iter().all(|f| f["type"] == "object"));
        let wrapped = forms
            .iter()
            .find(|f| f["properties"]["event"].is_object())
            .expect("the {event, logsource, pipeline} form");
        for k in ["logsource", "pipeline"] {
            assert!(wrapped["properties"][k].is_object(), "{k}");
        }
    }
    let forms = tests["properties"]["sequences"]["items"]["anyOf"]
        .as_array()
        .expect("sequence forms");
    let seq = forms.iter().find(|f| f["type"] == "object").unwrap();
    assert_eq!(seq["properties"]["expect"]["type"], "integer");
    assert_eq!(seq["properties"]["events"]["type"], "array");
    assert!(
        forms.iter().any(|f| f["type"] == "array"),
        "a bare array of events"
    );
}

#[test]
fn schema_accepts_rules_with_tests_and_sequences_and_rejects_bad_ones() {
    let s = schema();
    let v = jsonschema::validator_for(&s).expect("the schema compiles");
    let rule = serde_json::json!({
        "title": "t", "logsource": {"product": "linux"},
        "detection": {"sel": {"a": 1}, "condition": "sel"},
        "tests": {"match": [{"a": 1}], "no_match": [{"event": {"a": 2}, "pipeline": "tetragon"}],
                  "sequences": [{"events": [{"a": 1}], "expect": 1}, [{"a": 1}, {"a": 1}]]}
    });
    assert!(
        v.is_valid(&rule),
        "{:?}",
        v.iter_errors(&rule)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let mut bad = rule.clone();
    bad["tests"]["sequences"] = serde_json::json!([{"events": [], "expect": -1}]);
    assert!(!v.is_valid(&bad));
    let mut bad = rule;
    bad["tests"]["matches"] = serde_json::json!([]);
    assert!(!v.is_valid(&bad));
}

#[test]
fn every_local_ref_resolves() {
    let s = schema();
    fn walk<'a>(root: &'a Value, v: &'a Value) {
        match v {
            Value::Object(m) => {
                if m.contains_key("$ref") {
                    resolve(root, v);
                }
                m.values().for_each(|x| walk(root, x));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(root, x)),
            _ => {}
        }
    }
    walk(&s, &s);
}
