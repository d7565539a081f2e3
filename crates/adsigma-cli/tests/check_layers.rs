//! `adsigma check` beyond loading: ATT&CK (`A`) and ADS (`D`) findings of every rule and the
//! engine's compilation findings (`E`), with their positions and severities.

use crate::common::{adsigma, golden, stdout};
use serde_json::Value;

/// (code, severity, line, column) of a diagnostic.
type Finding = (String, String, u64, u64);

/// Every diagnostic of `check --format json ARGS...`, the JSON, and the exit code.
fn findings(args: &[&str]) -> (Vec<Finding>, Value, Option<i32>) {
    // The fixtures' configuration allows conventions these tests are not about.
    let mut all = vec![
        "check",
        "--format",
        "json",
        "--config",
        "tests/data/check-ads/adsigma.toml",
    ];
    all.extend_from_slice(args);
    let o = adsigma(&all);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    (got, v, o.status.code())
}

fn has(got: &[Finding], code: &str, sev: &str, line: u64, col: u64) -> bool {
    got.iter()
        .any(|(c, s, l, k)| c == code && s == sev && *l == line && *k == col)
}

/// Human output, without the elapsed time of the summary line.
fn human(file: &str) -> String {
    let o = adsigma(&["check", "--color", "never", file]);
    stdout(&o)
        .lines()
        .map(|l| match l.rfind(" (") {
            Some(i) if l.starts_with("checked ") => format!("{} (TIME ms)\n", &l[..i]),
            _ => format!("{l}\n"),
        })
        .collect()
}

#[test]
fn attack_findings_point_at_the_tag() {
    let file = "tests/data/check-ads/attack.yml";
    let (got, v, code) = findings(&[file]);
    // T1542 Pre-OS Boot on Kubernetes audit telemetry: not a Containers technique.
    assert!(has(&got, "A107", "warning", 7, 5), "{got:?}");
    // T1613 has no tactic tag.
    assert!(has(&got, "A108", "warning", 8, 5), "{got:?}");
    let a107 = &v["diagnostics"][0];
    assert_eq!(a107["file"], file);
    assert_eq!(a107["end_column"], 17);
    assert_eq!(a107["name"], "attack_not_containers_technique");
    assert_eq!(a107["rule_id"], "4e5f6071-8293-4b4c-9d3e-e4f5a6b7c8d9");
    assert!(a107["hint"].as_str().unwrap().contains("T1612"));
    // Warnings only: exit 0, and 1 under --deny warnings.
    assert_eq!(code, Some(0));
    assert_eq!(
        adsigma(&["check", "--deny", "warnings", file])
            .status
            .code(),
        Some(1)
    );
    golden("check-ads", "attack.human", &human(file));
}

#[test]
fn ads_findings_keep_their_own_severity() {
    let file = "tests/data/check-ads/ads.yml";
    let (got, _, code) = findings(&[file]);
    // A stable rule: missing sections are errors, at the `ads` key.
    assert!(has(&got, "D101", "error", 20, 1), "{got:?}");
    // ads.priority.level disagrees with level.
    assert!(has(&got, "D102", "error", 23, 12), "{got:?}");
    // A string where a list belongs.
    assert!(has(&got, "D104", "error", 24, 16), "{got:?}");
    assert_eq!(code, Some(1));
    golden("check-ads", "ads.human", &human(file));
}

#[test]
fn compile_findings_regex_error_and_placeholder_warning() {
    let file = "tests/data/check-ads/compile.yml";
    let (got, v, code) = findings(&[file]);
    assert!(has(&got, "E101", "error", 9, 21), "{got:?}");
    assert!(has(&got, "E102", "warning", 21, 18), "{got:?}");
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 1);
    assert_eq!(code, Some(1));
    // A value for the placeholder removes the warning.
    let (got, _, _) = findings(&["--placeholder", "admins=root", file]);
    assert!(!got.iter().any(|(c, ..)| c == "E102"), "{got:?}");
    assert!(got.iter().any(|(c, ..)| c == "E101"), "{got:?}");
    golden("check-ads", "compile.human", &human(file));
}

#[test]
fn clean_rules_get_no_findings() {
    let (got, _, code) = findings(&["tests/data/report/full.yml", "tests/data/test/passing.yml"]);
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(code, Some(0));
}
