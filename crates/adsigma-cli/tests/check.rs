//! `adsigma check`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn adsigma(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adsigma"))
        .args(args)
        .current_dir(crate_dir())
        .env_remove("NO_COLOR")
        .output()
        .expect("runs adsigma")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

/// The elapsed time in the summary line changes from run to run.
fn mask_time(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines() {
        match (line.rfind('('), line.ends_with(" ms)")) {
            (Some(i), true) if line.starts_with("checked ") => {
                out.push_str(&line[..i]);
                out.push_str("(TIME ms)");
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn golden(name: &str, actual: &str) {
    crate::common::golden("check", name, actual)
}

const CASES: &[&str] = &["clean", "broken", "warnings", "multi"];

#[test]
fn human_output_matches_golden_files() {
    for case in CASES {
        let file = format!("tests/data/check/{case}.yml");
        let o = adsigma(&["check", "--color", "never", &file]);
        golden(&format!("{case}.human"), &mask_time(&stdout(&o)));
    }
}

#[test]
fn json_output_matches_golden_files_and_the_contract() {
    for case in CASES {
        let file = format!("tests/data/check/{case}.yml");
        let o = adsigma(&["check", "--format", "json", &file]);
        let text = stdout(&o);
        golden(&format!("{case}.json"), &text);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema"], "adsigma.diagnostics/1");
        for key in ["files", "rules", "errors", "warnings", "infos"] {
            assert!(v[key].is_u64(), "{case}: {key}");
        }
        let diags = v["diagnostics"].as_array().unwrap();
        let count = |sev: &str| diags.iter().filter(|d| d["severity"] == sev).count() as u64;
        assert_eq!(v["errors"], count("error"));
        assert_eq!(v["warnings"], count("warning"));
        for d in diags {
            for key in ["code", "name", "severity", "message", "file"] {
                assert!(d[key].is_string(), "{case}: {key} in {d}");
            }
            for key in ["line", "column", "end_line", "end_column"] {
                assert!(
                    d[key].as_u64().is_some_and(|n| n >= 1),
                    "{case}: {key} in {d}"
                );
            }
            let code = d["code"].as_str().unwrap();
            assert!(
                code.len() == 4
                    && "YSCMLADETP".contains(&code[..1])
                    && code[1..].bytes().all(|b| b.is_ascii_digit()),
                "{code}"
            );
        }
        // Exit code: 1 exactly when there are errors.
        let want = if v["errors"] == 0 { 0 } else { 1 };
        assert_eq!(o.status.code(), Some(want), "{case}");
    }
}

#[test]
fn broken_rule_reports_every_problem_with_its_position() {
    let o = adsigma(&["check", "--format", "json", "tests/data/check/broken.yml"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<(String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("invalid_id", 2, 5),
        ("invalid_status", 3, 9),
        ("unknown_modifier", 9, 10),
        ("unknown_identifier", 13, 26),
    ];
    for (name, line, col) in want {
        assert!(
            got.iter()
                .any(|(n, l, c)| n == name && *l == line && *c == col),
            "{name} at {line}:{col} not in {got:?}"
        );
    }
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn deny_warnings_fails_on_warnings_only() {
    let file = "tests/data/check/warnings.yml";
    assert_eq!(adsigma(&["check", file]).status.code(), Some(0));
    assert_eq!(
        adsigma(&["check", "--deny", "warnings", file])
            .status
            .code(),
        Some(1)
    );
    let clean = "tests/data/check/clean.yml";
    assert_eq!(
        adsigma(&["check", "--deny", "warnings", clean])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(adsigma(&["check"]).status.code(), Some(2));
    assert_eq!(
        adsigma(&["check", "--format", "xml", "x.yml"])
            .status
            .code(),
        Some(2)
    );
    let missing = adsigma(&["check", "tests/data/check/no-such-file.yml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.yml"));
}

#[test]
fn directories_are_searched_recursively_in_path_order() {
    let o = adsigma(&["check", "--format", "json", "tests/data/check"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["files"], CASES.len() as u64);
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn shipped_rules_check_clean() {
    let rules = crate_dir().join("../../rules");
    // rules/examples/rule-with-ads.yml is named for the docs, not as SigmaHQ names files.
    let o = adsigma(&[
        "check",
        "--deny",
        "warnings",
        "--config",
        "tests/data/check/shipped.toml",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(Path::new(&rules).is_dir());
}

/// `--pipeline`: fields of the rules a pipeline applies to that it cannot map are P203
/// warnings at the field; rules it does not apply to are left alone; an unknown pipeline is
/// bad usage.
#[test]
fn pipeline_warns_on_fields_it_cannot_map() {
    let d = tempfile::tempdir().unwrap();
    let rule = "title: Odd field through tetragon\nid: 5a5a5a5a-1b1b-4c2c-8d3d-4e4e4e4e4e4e\nstatus: test\ndescription: A rule on a field the tetragon pipeline does not map.\ndate: 2026-11-25\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: /sh\n    IntegrityLevel: High\n  condition: sel\nfalsepositives: [none]\nlevel: low\n";
    let f = d.path().join("unmapped_field_rule.yml");
    std::fs::write(&f, rule).unwrap();
    let f = f.to_str().unwrap();
    let o = adsigma(&["check", "--format", "json", "--pipeline", "tetragon", f]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p203: Vec<&Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "P203")
        .collect();
    assert_eq!(p203.len(), 1, "{v}");
    assert_eq!(p203[0]["name"], "unmapped_field");
    assert_eq!(
        (p203[0]["line"].as_u64(), p203[0]["column"].as_u64()),
        (Some(10), Some(5))
    );
    assert!(
        p203[0]["message"]
            .as_str()
            .unwrap()
            .contains("IntegrityLevel")
    );
    // Without the pipeline, or with one that does not apply to the rule: nothing.
    for args in [vec![], vec!["--pipeline", "k8s-audit"]] {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args);
        all.push(f);
        let v: Value = serde_json::from_str(&stdout(&adsigma(&all))).unwrap();
        assert!(
            !v["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == "P203"),
            "{v}"
        );
    }
    let o = adsigma(&["check", "--pipeline", "no-such", f]);
    assert_eq!(o.status.code(), Some(2));
}
