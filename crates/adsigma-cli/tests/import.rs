//! `adsigma import`: a report of our own (numbered headings, "Alert Priority", an extra
//! section) to a rule skeleton, its findings on standard error, `-o`, and a text with no
//! section.

use crate::common::{adsigma, golden, stderr, stdout};

const REPORT: &str = "tests/data/import/report.md";

#[test]
fn report_becomes_a_rule_skeleton() {
    let o = adsigma(&["import", REPORT]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = stdout(&o);
    golden("import", "report.yml", &yaml);
    // Numbered headings are read; "Alert Priority" is the priority.
    assert!(yaml.contains("title: \"Kubernetes Dashboard Exposed Through a LoadBalancer\"\n"));
    assert!(yaml.contains("level: high\n"));
    assert!(
        yaml.contains("justification: \"An exposed dashboard is found by scanners within hours.\"")
    );
    assert!(yaml.contains("  - attack.t1133\n"));
    // The extra section is kept.
    assert!(yaml.contains("\"Owners\": \"platform-security@example.com\""));
    // The same report always gives the same id.
    assert_eq!(stdout(&adsigma(&["import", REPORT])), yaml);
}

#[test]
fn findings_go_to_stderr_with_positions() {
    let o = adsigma(&["import", REPORT]);
    let err = stderr(&o);
    golden("import", "report.stderr", &err);
    assert!(err.contains(&format!(
        "{REPORT}:41:1: info[D152]: \"Owners\" is not a section of the ADS framework"
    )));
    assert!(err.contains(&format!(
        "{REPORT}:1:1: warning[D151]: the report has no validation steps"
    )));
    for line in err.lines().filter(|l| !l.starts_with(' ')) {
        let rest = line
            .strip_prefix(REPORT)
            .unwrap_or_else(|| panic!("{line}"));
        assert!(
            rest.contains(": info[") || rest.contains(": warning[") || rest.contains(": error["),
            "{line}"
        );
    }
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("skeleton.yml");
    let o = adsigma(&["import", REPORT, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty());
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, stdout(&adsigma(&["import", REPORT])));
}

#[test]
fn attack_problems_of_the_report_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    std::fs::write(
        &report,
        "# ADS: Firmware\n## Goal\nDetect firmware implants on nodes.\n\
         ## Categorization\n- **MITRE ATT&CK Mapping:** T1542 - Pre-OS Boot\n\
         - **Tactic / Kill Chain Phases:** Persistence\n\
         ## Strategy Abstract\nRead Kubernetes audit logs and container runtime events.\n",
    )
    .unwrap();
    let o = adsigma(&["import", report.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("warning[A107]"), "{err}");
    assert!(err.contains("T1542"), "{err}");
}

#[test]
fn a_text_without_sections_is_an_error() {
    let o = adsigma(&["import", "tests/data/import/empty.md"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("tests/data/import/empty.md:1:1: error[D155]"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(adsigma(&["import"]).status.code(), Some(2));
    assert_eq!(
        adsigma(&["import", "tests/data/import/missing.md"])
            .status
            .code(),
        Some(2)
    );
}
