//! `adsigma test`: rules' `tests.match` / `tests.no_match` events (plain, with a logsource,
//! through a pipeline), correlation sequences, the human summary, the `adsigma.tests/1` JSON
//! and exit codes.

use crate::common::{adsigma, golden, stderr, stdout};
use serde_json::Value;

const PASSING: &str = "tests/data/test/passing.yml";
const FAILING: &str = "tests/data/test/failing.yml";
const SECRET_RULE: &str = "5c1f2e3d-8a9b-4c7d-8e6f-0a1b2c3d4e5f";

fn json(args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["test", "--format", "json"];
    all.extend_from_slice(args);
    let o = adsigma(&all);
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&o)));
    (v, o.status.code())
}

#[test]
fn passing_rule_exits_0() {
    let o = adsigma(&["test", PASSING]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    golden("test", "passing.human", &stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("test result: ok. 4 passed, 0 failed, 0 skipped"),
        "{out}"
    );
}

/// Entries with `pipeline: NAME` run the rule through that pipeline on the event as that
/// pipeline's events look (Tetragon's `process_exec` for a Sigma-taxonomy rule); an unknown
/// pipeline is a failure.
#[test]
fn pipeline_entries_run_through_the_pipeline() {
    let o = adsigma(&["test", "tests/data/test/pipeline.yml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("test result: ok. 3 passed, 0 failed, 0 skipped"),
        "{}",
        stdout(&o)
    );
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let text = std::fs::read_to_string("tests/data/test/pipeline.yml")
        .unwrap()
        .replace(
            "pipeline: tetragon\n  no_match",
            "pipeline: no-such-pipeline\n  no_match",
        );
    let f = d.join("p.yml");
    std::fs::write(&f, text).unwrap();
    let o = adsigma(&["test", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("no pipeline is named `no-such-pipeline`"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn failures_name_the_rule_the_entry_the_event_and_what_matched() {
    let o = adsigma(&["test", "tests/data/test"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    golden("test", "all.human", &out);
    // A match entry that fails: the identifiers that held and did not.
    assert!(out.contains("FAIL tests.match[1] of \"Secret Read by a Service Account\" (5c1f2e3d-8a9b-4c7d-8e6f-0a1b2c3d4e5f)"));
    assert!(out.contains("--> tests/data/test/failing.yml:28:7"));
    assert!(out.contains("identifiers that held: read; that did not: sa, filter_controllers"));
    // A no_match entry that matches: the identifiers, fields and values.
    assert!(out.contains("FAIL tests.no_match[0]"));
    assert!(out.contains("sa: user.username = \"system:serviceaccount:shop:cert-manager\""));
    // The event, as compact JSON.
    assert!(out.contains(
        r#"event: {"objectRef":{"name":"tls","namespace":"shop","resource":"secrets"},"user":{"username":"system:serviceaccount:shop:cert-manager"},"verb":"get"}"#
    ));
    // The correlation's sequence runs and passes.
    assert!(out.contains("ok     tests/data/test/correlation.yml: Many Secrets Read by One Service Account (1 passed)"), "{out}");
    assert!(
        out.contains("test result: FAILED. 10 passed, 4 failed, 0 skipped"),
        "{out}"
    );
}

#[test]
fn json_output_has_the_contract_shape() {
    let (v, code) = json(&["tests/data/test"]);
    assert_eq!(code, Some(1));
    assert_eq!(v["schema"], "adsigma.tests/1");
    assert_eq!(v["passed"], 10);
    assert_eq!(v["failed"], 4);
    assert_eq!(v["skipped"], 0);
    let failures = v["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 4);
    for f in failures {
        assert!(f["rule_id"].is_string(), "{f}");
        assert!(f["file"].is_string(), "{f}");
        assert!(
            ["match", "no_match", "sequence"].contains(&f["kind"].as_str().unwrap()),
            "{f}"
        );
        assert!(f["index"].is_u64(), "{f}");
        assert!(f["message"].is_string(), "{f}");
    }
    let got: Vec<(&str, &str, u64)> = failures
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (SECRET_RULE, "match", 1),
            (SECRET_RULE, "match", 2),
            (SECRET_RULE, "match", 3),
            (SECRET_RULE, "no_match", 0),
        ]
    );
    assert_eq!(failures[0]["file"], FAILING);
    assert_eq!(failures[0]["line"], 28);
    assert!(
        failures[1]["message"]
            .as_str()
            .unwrap()
            .contains("does not fit the rule's (product=kubernetes,service=audit)")
    );
    assert!(
        failures[2]["message"]
            .as_str()
            .unwrap()
            .contains("found a string")
    );
    assert_eq!(failures[3]["event"]["verb"], "get");
    assert_eq!(v["skips"], Value::Array(Vec::new()));
}

#[test]
fn json_of_a_passing_file_has_no_failures() {
    let (v, code) = json(&[PASSING]);
    assert_eq!(code, Some(0));
    assert_eq!(v["passed"], 4);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["failures"], Value::Array(Vec::new()));
}

#[test]
fn placeholders_come_from_the_command_line() {
    let file = "tests/data/test-extra/placeholder.yml";
    let (v, code) = json(&[file]);
    assert_eq!(code, Some(1));
    assert_eq!(v["failed"], 2);
    let message = v["failures"][0]["message"].as_str().unwrap();
    assert!(message.contains("E102"), "{message}");
    assert!(message.contains("--placeholder"), "{message}");
    let (v, code) = json(&["--placeholder", "admins=alice", file]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["passed"], 2);
}

#[test]
fn test_events_are_read_with_the_yaml_1_2_core_schema() {
    // `yes` is a string in YAML 1.2 (a boolean in 1.1), `1` a number, `true` a boolean.
    let (v, code) = json(&["tests/data/test-extra/types.yml"]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["passed"], 3);
}

#[test]
fn a_malformed_tests_block_is_an_error() {
    let o = adsigma(&["test", "tests/data/test-extra/malformed.yml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "tests/data/test-extra/malformed.yml:13:3: error: unknown key `tests.matches`"
        ),
        "{err}"
    );
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(adsigma(&["test"]).status.code(), Some(2));
    assert_eq!(
        adsigma(&["test", "--format", "xml", PASSING]).status.code(),
        Some(2)
    );
    let missing = adsigma(&["test", "tests/data/test/no-such-file.yml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no-such-file.yml"));
    assert_eq!(
        adsigma(&["test", "--placeholder", "novalue", PASSING])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn rule_files_with_errors_fail_the_run() {
    let o = adsigma(&["test", "tests/data/check/broken.yml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("tests/data/check/broken.yml:2:5: error[S105]"));
}
