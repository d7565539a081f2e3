//! `adsigma check` with the lint layer: a small broken pack with an `adsigma.toml` and inline
//! suppressions, as human, JSON and SARIF golden files; SARIF validated against its schema.

use crate::common::{adsigma, crate_dir, golden, stdout};
use serde_json::Value;

const PACK: &str = "tests/data/lint/pack";

fn mask_time(s: &str) -> String {
    s.lines()
        .map(|l| {
            match (
                l.rfind('('),
                l.starts_with("checked ") && l.ends_with(" ms)"),
            ) {
                (Some(i), true) => format!("{}(TIME ms)\n", &l[..i]),
                _ => format!("{l}\n"),
            }
        })
        .collect()
}

#[test]
fn pack_output_matches_golden_files() {
    let o = adsigma(&["check", "--color", "never", PACK]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the config makes double_wildcard an error"
    );
    golden("lint", "pack.human", &mask_time(&stdout(&o)));
    let o = adsigma(&["check", "--format", "json", PACK]);
    golden("lint", "pack.json", &stdout(&o));
    let o = adsigma(&["check", "--format", "sarif", PACK]);
    golden("lint", "pack.sarif", &stdout(&o));
}

#[test]
fn config_and_suppressions_take_effect() {
    let o = adsigma(&["check", "--format", "json", PACK]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let has = |code: &str, file: &str| {
        diags
            .iter()
            .any(|d| d["code"] == code && d["file"].as_str().unwrap().ends_with(file))
    };
    assert!(has("L102", "sloppy_shell.yml"));
    assert!(
        !has("L102", "legacy_escaped_values.yml"),
        "allowed by the path glob"
    );
    assert!(!has("M201", "legacy_escaped_values.yml"), "allowed inline");
    assert!(
        has("L107", "legacy_escaped_values.yml"),
        "an unused suppression"
    );
    let dw = diags.iter().find(|d| d["code"] == "M203").unwrap();
    assert_eq!(dw["severity"], "error");
    assert_eq!(dw["rule_id"], "1b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11");
    // Without the configuration (an empty one given instead) the defaults apply.
    let empty = crate_dir().join("tests/data/lint/empty.toml");
    let o = adsigma(&[
        "check",
        "--format",
        "json",
        "--config",
        empty.to_str().unwrap(),
        PACK,
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let dw = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "M203")
        .unwrap();
    assert_eq!(dw["severity"], "warning");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        adsigma(&[
            "check",
            "--deny",
            "warnings",
            "--config",
            empty.to_str().unwrap(),
            PACK
        ])
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn bad_config_is_bad_usage_with_a_position() {
    let bad = crate_dir().join("tests/data/lint/bad.toml");
    let o = adsigma(&["check", "--config", bad.to_str().unwrap(), PACK]);
    assert_eq!(o.status.code(), Some(2));
    let err = crate::common::stderr(&o);
    assert!(err.contains("bad.toml:3:9: "), "{err}");
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema_path = crate_dir().join("../../../shared/schemas/sarif-schema-2.1.0.json");
    let Ok(text) = std::fs::read_to_string(&schema_path) else {
        assert!(
            std::env::var_os("ADSIGMA_REQUIRE_SHARED").is_none(),
            "../shared is missing"
        );
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    for args in [
        vec!["check", "--format", "sarif", PACK],
        vec!["check", "--format", "sarif", "tests/data/check"],
    ] {
        let o = adsigma(&args);
        let log: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.iter().all(|r| r["help"]["text"].is_string()));
        for r in run["results"].as_array().unwrap() {
            let id = r["ruleId"].as_str().unwrap();
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], id);
            assert!(
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
    }
    // A bad log is rejected, so the validation can fail.
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
}
