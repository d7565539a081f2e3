//! `adsigma report`: golden Markdown and JSON reports, a rule without `ads:`, `--id` in a
//! multi-document file.

use crate::common::{adsigma, golden, stderr, stdout};
use serde_json::Value;

const FULL: &str = "tests/data/report/full.yml";
const NO_ADS: &str = "tests/data/report/no-ads.yml";
const TWO: &str = "tests/data/report/two-rules.yml";

#[test]
fn markdown_report_matches_the_golden_file() {
    let o = adsigma(&["report", FULL]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    golden("report", "full.md", &md);
    for heading in [
        "## Goal",
        "## Categorization",
        "## Strategy Abstract",
        "## Technical Context",
        "## Blind Spots and Assumptions",
        "## False Positives",
        "## Priority",
        "## Validation (Adversary Emulation)",
        "## Response",
        "## Additional Resources",
    ] {
        assert!(md.contains(&format!("\n{heading}\n")), "{heading}");
    }
    assert!(md.contains("- **MITRE ATT&CK Mapping:** T1611 - Escape to Host"));
}

#[test]
fn json_report_matches_the_golden_file() {
    let o = adsigma(&["report", "--format", "json", FULL]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    golden("report", "full.json", &text);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "adsigma.ads/1");
    assert_eq!(v["rule"]["id"], "8293a4b5-c6d7-4f80-9172-c8d9e0f1a2b3");
    assert_eq!(v["ads"]["categorization"]["techniques"][0]["id"], "T1611");
    assert_eq!(v["missing"], Value::Array(Vec::new()));
}

#[test]
fn a_rule_without_ads_still_renders() {
    let o = adsigma(&["report", NO_ADS]);
    assert_eq!(o.status.code(), Some(0));
    let md = stdout(&o);
    golden("report", "no-ads.md", &md);
    assert!(md.contains("## Response\nNot documented.\n"));
    let o = adsigma(&["report", "--format", "json", NO_ADS]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(!v["missing"].as_array().unwrap().is_empty());
}

#[test]
fn several_rules_need_an_id() {
    let o = adsigma(&["report", TWO]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(err.contains("holds 2 rules; pick one with --id"), "{err}");
    assert!(
        err.contains("a4b5c6d7-e8f9-4102-b394-e0f1a2b3c4d5"),
        "{err}"
    );
    assert!(
        err.contains("b5c6d7e8-f901-4213-a4a5-f1a2b3c4d5e6"),
        "{err}"
    );

    let o = adsigma(&[
        "report",
        "--id",
        "b5c6d7e8-f901-4213-a4a5-f1a2b3c4d5e6",
        TWO,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("**Title:** Image Built on a Host"));

    let o = adsigma(&[
        "report",
        "--id",
        "00000000-0000-4000-8000-000000000000",
        TWO,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no rule with id"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(adsigma(&["report"]).status.code(), Some(2));
    assert_eq!(
        adsigma(&["report", "tests/data/report"]).status.code(),
        Some(2)
    );
    assert_eq!(
        adsigma(&["report", "tests/data/report/missing.yml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        adsigma(&["report", "--format", "html", FULL]).status.code(),
        Some(2)
    );
}
