//! Rendering: the example rule's report (golden file), and JSON.

use crate::{EXAMPLE_RULE, rule};
use adsigma_ads::{Ads, RuleInfo, Section, import_markdown, render_json, render_markdown};

const GOLDEN: &str = "tests/data/example-report.md";

fn example_report() -> String {
    let r = rule(EXAMPLE_RULE);
    let (ads, _) = Ads::from_rule(&r);
    let mut info = RuleInfo::from_rule(&r);
    info.file = Some("rules/examples/rule-with-ads.yml".into());
    render_markdown(&ads, &info)
}

#[test]
fn the_example_rule_renders_with_all_ten_sections() {
    let md = example_report();
    assert!(md.starts_with("# Palantir Alerting & Detection Strategy (ADS) Framework Report\n\n"));
    // The ten headings, in the seeds' order, each with content.
    let mut at = 0;
    for s in Section::ALL {
        let h = format!("\n## {}\n", s.heading());
        let pos = md[at..]
            .find(&h)
            .unwrap_or_else(|| panic!("no {h:?} after byte {at}:\n{md}"));
        at += pos + h.len();
        assert!(!md[at..].starts_with("Not documented."), "{h} is empty");
    }
    assert_eq!(md.matches("\n## ").count(), 10, "no other section");
    for line in [
        "- **MITRE ATT&CK Mapping:** T1552.001 - Credentials In Files",
        "- **MITRE ATT&CK Mapping:** T1528 - Steal Application Access Token",
        "- **Tactic / Kill Chain Phases:** Credential Access",
        "- **Platforms:** Containers, Linux",
        "[MITRE ATT&CK Reference: T1552.001](https://attack.mitre.org/techniques/T1552/001)",
        "### Adversary Emulation Details",
        "- **Blind Spots:**",
        "- **Assumptions:**",
        "**Priority: Medium**",
        "1. kubectl run tok --image=busybox --restart=Never -- cat /var/run/secrets/kubernetes.io/serviceaccount/token",
        "**Title:** Kubernetes Service Account Token Read From Inside a Container  ",
        "**Rule ID:** 4f0d6a7e-2b5c-4f7a-9a61-3c2e8d1b7f40  ",
    ] {
        assert!(md.lines().any(|l| l == line), "no line {line:?} in:\n{md}");
    }
}

#[test]
fn the_example_report_matches_its_golden_file() {
    let md = example_report();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("ADSIGMA_BLESS").is_some() {
        std::fs::write(&path, &md).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        md, want,
        "the report changed: check it and run with ADSIGMA_BLESS=1 to update {GOLDEN}"
    );
}

#[test]
fn the_example_report_imports_back_to_the_rule_model() {
    let r = rule(EXAMPLE_RULE);
    let (ads, _) = Ads::from_rule(&r);
    let (back, diags) = import_markdown(&example_report());
    assert_eq!(back, ads);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn a_section_without_content_says_so() {
    let md = render_markdown(&Ads::default(), &RuleInfo::default());
    assert_eq!(md.matches("Not documented.").count(), 10);
    assert!(!md.contains("**Title:**"));
    let (back, diags) = import_markdown(&md);
    assert_eq!(back, Ads::default());
    assert_eq!(diags.len(), 16, "every part is reported missing");
}

#[test]
fn json() {
    let r = rule(EXAMPLE_RULE);
    let (ads, _) = Ads::from_rule(&r);
    let json = render_json(&ads, &RuleInfo::from_rule(&r));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], "adsigma.ads/1");
    assert_eq!(v["rule"]["id"], "4f0d6a7e-2b5c-4f7a-9a61-3c2e8d1b7f40");
    assert_eq!(v["rule"]["status"], "experimental");
    assert_eq!(v["ads"]["priority"]["level"], "medium");
    assert_eq!(
        v["ads"]["categorization"]["techniques"][0]["id"],
        "T1552.001"
    );
    assert_eq!(v["missing"], serde_json::json!([]));
    let back: Ads = serde_json::from_value(v["ads"].clone()).unwrap();
    assert_eq!(back, ads);
    // Extra sections are an object, in order.
    let mut a = Ads::default();
    a.extra.push("Zeta".into(), "z".into());
    a.extra.push("Alpha".into(), "a".into());
    let j = serde_json::to_string(&a.extra).unwrap();
    assert_eq!(j, r#"{"Zeta":"z","Alpha":"a"}"#);
    let e: adsigma_ads::Extra = serde_json::from_str(&j).unwrap();
    assert_eq!(e, a.extra);
    // Missing fields default.
    let partial: Ads = serde_json::from_str(r#"{"goal": "g"}"#).unwrap();
    assert_eq!(partial.goal.as_deref(), Some("g"));
}
