//! Reading and checking rules: `Ads::from_rule` and `check_rule`.

use crate::{EXAMPLE_RULE, codes, rule};
use adsigma_ads::{Ads, Level, Severity, check_rule, codes as ads_codes};

/// A rule with the given tags, logsource and extra top-level YAML.
fn tagged(tags: &[&str], logsource: &str, more: &str) -> String {
    format!(
        "title: Test rule\nid: 5f0c2c1e-8d2b-4d8a-9a3e-1c2b3d4e5f60\nstatus: test\nlevel: medium\n\
         description: d\ntags: [{}]\nlogsource: {logsource}\n\
         detection:\n  sel: {{a: b}}\n  condition: sel\n{more}",
        tags.join(", ")
    )
}

fn check(tags: &[&str], logsource: &str) -> Vec<adsigma_syntax::Diagnostic> {
    check_rule(&rule(&tagged(tags, logsource, "")))
}

const K8S: &str = "{product: kubernetes, service: audit}";
const LINUX: &str = "{product: linux, category: process_creation}";

#[test]
fn the_example_rule_is_complete_and_clean() {
    let r = rule(EXAMPLE_RULE);
    let (ads, diags) = Ads::from_rule(&r);
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(ads.missing_parts().is_empty(), "{:?}", ads.missing_parts());
    assert_eq!(
        ads.title.as_deref(),
        Some("Kubernetes Service Account Token Read From Inside a Container")
    );
    assert!(
        ads.goal
            .as_deref()
            .unwrap()
            .starts_with("Detects a process inside a container")
    );
    let ids: Vec<&str> = ads
        .categorization
        .techniques
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids, ["T1552.001", "T1528"]);
    assert_eq!(
        ads.categorization.techniques[0].name,
        "Credentials In Files"
    );
    assert_eq!(ads.categorization.tactics, ["credential-access"]);
    assert_eq!(ads.categorization.platforms, ["Containers", "Linux"]);
    assert_eq!(ads.strategy_abstract.data_sources.len(), 1);
    assert_eq!(ads.emulation.len(), 1);
    assert_eq!(ads.blind_spots.len(), 2);
    assert_eq!(ads.assumptions.len(), 1);
    assert_eq!(ads.false_positives.len(), 2);
    assert_eq!(ads.validation.len(), 2);
    assert_eq!(ads.priority.level, Some(Level::Medium));
    assert!(
        ads.priority
            .justification
            .as_deref()
            .unwrap()
            .starts_with("Medium:")
    );
    assert_eq!(ads.response.len(), 3);
    // ads.resources, then the Sigma references.
    assert_eq!(
        ads.resources,
        [
            "https://attack.mitre.org/techniques/T1552/001/",
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"
        ]
    );
    let d = check_rule(&r);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn a_rule_without_ads_reads_its_sigma_fields_and_needs_no_sections() {
    let r = rule(&tagged(&["attack.execution", "attack.t1609"], K8S, ""));
    let (ads, diags) = Ads::from_rule(&r);
    assert!(diags.is_empty());
    assert_eq!(ads.goal.as_deref(), Some("d"));
    assert_eq!(ads.categorization.platforms, ["Containers"]);
    assert_eq!(ads.priority.level, Some(Level::Medium));
    assert!(check_rule(&r).is_empty());
    // Groups and software tags are not tactics.
    let r = rule(&tagged(
        &[
            "attack.execution",
            "attack.t1609",
            "attack.g0139",
            "attack.s0601",
            "cve.2021-44228",
        ],
        K8S,
        "",
    ));
    assert!(check_rule(&r).is_empty());
}

#[test]
fn technique_status() {
    // Unknown, at the tag's position (line 6 holds the tags).
    let d = check(&["attack.execution", "attack.t1999"], K8S);
    assert_eq!(codes(&d), ["A101"]);
    assert_eq!(d[0].severity, Severity::Warning);
    assert_eq!((d[0].span().start.line, d[0].span().start.column), (6, 26));
    assert_eq!(
        d[0].rule_id.as_deref(),
        Some("5f0c2c1e-8d2b-4d8a-9a3e-1c2b3d4e5f60")
    );
    // An unknown sub-technique of a known technique lists the real ones.
    let d = check(&["attack.credential-access", "attack.t1552.099"], K8S);
    assert_eq!(codes(&d), ["A101"]);
    assert!(
        d[0].hint
            .as_deref()
            .unwrap()
            .contains("T1552.007 Container API")
    );

    let d = check(
        &["attack.execution", "attack.t1086"],
        "{product: windows, category: process_creation}",
    );
    assert_eq!(codes(&d), ["A102"]);
    assert_eq!(
        d[0].hint.as_deref(),
        Some("use attack.t1059.001 (PowerShell)")
    );

    let d = check(&["attack.execution", "attack.t1064"], LINUX);
    assert_eq!(codes(&d)[0], "A103");

    let d = check(&["attack.defense-impairment", "attack.t1562.001"], K8S);
    assert_eq!(codes(&d), ["A104"], "{d:#?}");
    assert_eq!(
        d[0].hint.as_deref(),
        Some("use attack.t1685 (Disable or Modify Tools)")
    );
    assert!(
        d[0].message
            .contains("re-numbered T1562.001 Disable or Modify Tools")
    );
}

#[test]
fn tactics() {
    // A tactic none of the techniques has, and a technique without its tactic.
    let d = check(&["attack.persistence", "attack.t1609"], K8S);
    assert_eq!(codes(&d), ["A105", "A108"], "{d:#?}");
    assert_eq!(
        d[0].hint.as_deref(),
        Some("their tactics are T1609: execution")
    );
    assert_eq!(d[1].hint.as_deref(), Some("add attack.execution"));
    // Renamed: the hint picks the v19 tactic of the technique.
    let d = check(&["attack.defense-evasion", "attack.t1685"], K8S);
    assert_eq!(codes(&d), ["A109"], "{d:#?}");
    assert_eq!(
        d[0].hint.as_deref(),
        Some("use attack.defense-impairment: it is T1685's tactic in ATT&CK v19")
    );
    assert_eq!(
        d[0].message,
        "`attack.defense-evasion`: ATT&CK v19 split Defense Evasion into Stealth and Defense Impairment"
    );
    // The old tactic still counts as the technique's tactic (no A108 on top of A109).
    let d = check(&["attack.defense-evasion", "attack.t1036.005"], K8S);
    assert_eq!(codes(&d), ["A109"]);
    let d = check(&["attack.execusion", "attack.t1609"], K8S);
    assert_eq!(codes(&d), ["A110", "A108"]);
    assert_eq!(d[0].hint.as_deref(), Some("did you mean attack.execution?"));
    // Tactic tags alone are fine.
    assert!(check(&["attack.execution"], K8S).is_empty());
}

#[test]
fn platforms_and_containers() {
    // A Windows-only technique cannot be seen by Linux or container telemetry.
    let d = check(&["attack.persistence", "attack.t1547.001"], LINUX);
    assert_eq!(codes(&d), ["A106"], "{d:#?}");
    assert!(
        d[0].message
            .contains("is listed for Windows, none of which Linux telemetry sees")
    );
    // A PRE technique.
    let d = check(&["attack.reconnaissance", "attack.t1589.002"], K8S);
    assert_eq!(codes(&d), ["A106"]);
    assert!(d[0].message.contains("is a PRE technique"));
    // Kubernetes audit: a Linux technique that ATT&CK does not list for Containers.
    let d = check(&["attack.persistence", "attack.t1053.003"], K8S);
    assert_eq!(codes(&d), ["A107"], "{d:#?}");
    let hint = d[0].hint.as_deref().unwrap();
    assert!(hint.starts_with("Containers techniques that may fit: T1053 Scheduled Task/Job, T1053.007 Container Orchestration Job"), "{hint}");
    // The same technique on plain Linux telemetry is fine.
    assert!(check(&["attack.persistence", "attack.t1053.003"], LINUX).is_empty());
    // ... unless the ADS data sources are container telemetry.
    let more =
        "ads:\n  strategy_abstract:\n    data_sources: [Falco alerts from Kubernetes nodes]\n";
    let d = check_rule(&rule(&tagged(
        &["attack.persistence", "attack.t1053.003"],
        LINUX,
        more,
    )));
    assert!(codes(&d).contains(&"A107"), "{d:#?}");
    // Windows telemetry with a Windows technique.
    let d = check(
        &["attack.execution", "attack.t1059.001"],
        "{product: windows, category: process_creation}",
    );
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn missing_sections_are_warnings_or_errors_by_status() {
    let more = "ads:\n  response: [Find the pod]\n";
    let text = tagged(&["attack.execution", "attack.t1609"], K8S, more);
    let d = check_rule(&rule(&text));
    let missing: Vec<&adsigma_syntax::Diagnostic> = d
        .iter()
        .filter(|d| d.code == ads_codes::SECTION_MISSING)
        .collect();
    // Everything but goal, techniques, platforms, priority level and response.
    assert_eq!(missing.len(), 11, "{missing:#?}");
    assert!(missing.iter().all(|d| d.severity == Severity::Warning));
    // They point at the `ads` key (line 11).
    assert!(missing.iter().all(|d| d.span().start.line == 11));
    assert!(
        missing
            .iter()
            .any(|d| d.message
                == "the ADS has no validation steps (Validation (Adversary Emulation))")
    );

    let stable = text.replace("status: test", "status: stable");
    let d = check_rule(&rule(&stable));
    let missing: Vec<_> = d
        .iter()
        .filter(|d| d.code == ads_codes::SECTION_MISSING)
        .collect();
    assert_eq!(missing.len(), 11);
    assert!(missing.iter().all(|d| d.severity == Severity::Error));

    // An empty key is pointed at.
    let more = "ads:\n  validation: []\n";
    let d = check_rule(&rule(&tagged(
        &["attack.execution", "attack.t1609"],
        K8S,
        more,
    )));
    let v = d
        .iter()
        .find(|d| d.message.starts_with("`ads.validation` is empty"))
        .unwrap();
    assert_eq!((v.span().start.line, v.span().start.column), (12, 3));
}

#[test]
fn the_ads_block_shape() {
    let more = "ads:\n  blindspots: [x]\n  false_positives: [y]\n  validation: run it\n  \
                priority: {level: severe}\n  platforms: [Kubernetes, Linux]\n  \
                strategy_abstract: {summary: s, datasources: [z]}\n";
    let r = rule(&tagged(&["attack.execution", "attack.t1609"], K8S, more));
    let (ads, d) = Ads::from_rule(&r);
    assert_eq!(
        codes(&d),
        ["D103", "D103", "D104", "D105", "D106", "D103"],
        "{d:#?}"
    );
    assert_eq!(d[0].hint.as_deref(), Some("did you mean `blind_spots`?"));
    assert_eq!(
        d[1].hint.as_deref(),
        Some(
            "the rule format takes this from the Sigma `falsepositives` at the top level of the rule"
        )
    );
    assert!(d[2].is_error());
    assert_eq!(
        d[3].hint.as_deref(),
        Some("use informational, low, medium, high or critical")
    );
    assert_eq!(
        d[4].hint.as_deref(),
        Some(
            "ATT&CK platforms: Windows, macOS, Linux, ESXi, PRE, Containers, IaaS, SaaS, Office Suite, Identity Provider, Network Devices, Office 365, Azure AD, Google Workspace"
        )
    );
    assert_eq!(d[5].hint.as_deref(), Some("did you mean `data_sources`?"));
    // A single string for a list is taken as one item.
    assert_eq!(ads.validation, ["run it"]);
    assert_eq!(ads.strategy_abstract.summary.as_deref(), Some("s"));
    // `ads:` must be a mapping.
    let r = rule(&tagged(
        &["attack.execution", "attack.t1609"],
        K8S,
        "ads: [a]\n",
    ));
    assert_eq!(codes(&Ads::from_rule(&r).1), ["D104"]);
}

#[test]
fn priority_level_must_agree_with_level() {
    let more = "ads:\n  priority:\n    level: high\n";
    let d = check_rule(&rule(&tagged(
        &["attack.execution", "attack.t1609"],
        K8S,
        more,
    )));
    let m = d
        .iter()
        .find(|d| d.code == ads_codes::PRIORITY_MISMATCH)
        .unwrap();
    assert_eq!(
        m.message,
        "`ads.priority.level` is high, but the rule's `level` is medium"
    );
    assert_eq!((m.span().start.line, m.span().start.column), (13, 12));
    assert_eq!(m.labels[0].span.start.line, 4);
    // The ADS's level wins in the model.
    let (ads, _) = Ads::from_rule(&rule(&tagged(
        &["attack.execution", "attack.t1609"],
        K8S,
        more,
    )));
    assert_eq!(ads.priority.level, Some(Level::High));
    // Agreeing levels are fine.
    let more = "ads:\n  priority:\n    level: medium\n";
    let d = check_rule(&rule(&tagged(
        &["attack.execution", "attack.t1609"],
        K8S,
        more,
    )));
    assert!(!d.iter().any(|d| d.code == ads_codes::PRIORITY_MISMATCH));
}

#[test]
fn codes_are_unique_and_well_formed() {
    let all = ads_codes::ALL;
    assert_eq!(all.len(), 22);
    for (i, c) in all.iter().enumerate() {
        assert!(
            c.code.len() == 4 && (c.code.starts_with('A') || c.code.starts_with('D')),
            "{c}"
        );
        assert!(
            c.code[1..].bytes().all(|b| b.is_ascii_digit()) && &c.code[1..2] == "1",
            "{c}"
        );
        assert!(
            c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{c}"
        );
        assert!(!c.summary.contains('\n') && c.summary.ends_with('.'), "{c}");
        for d in &all[i + 1..] {
            assert_ne!(c.code, d.code);
            assert_ne!(c.name, d.name);
        }
    }
    // ATT&CK findings are never errors.
    assert!(
        all.iter()
            .filter(|c| c.code.starts_with('A'))
            .all(|c| c.severity != Severity::Error)
    );
}

#[test]
fn the_schema_has_exactly_the_keys_read() {
    let s = adsigma_ads::ads_json_schema();
    let props = s["properties"].as_object().unwrap();
    let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
    let mut want = adsigma_ads::ADS_KEYS.to_vec();
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want);
    // The example's block validates against it in the ways that matter: every key known.
    let r = rule(EXAMPLE_RULE);
    let ads = r.meta.custom("ads").unwrap();
    for (k, _) in ads.as_map().unwrap() {
        assert!(props.contains_key(k.as_str().unwrap()));
    }
}

#[test]
fn an_unquoted_colon_in_a_list_item() {
    let more = "ads:\n  validation:\n    - Check the action exec_start: sh\n";
    let (ads, d) = Ads::from_rule(&rule(&tagged(
        &["attack.execution", "attack.t1609"],
        K8S,
        more,
    )));
    assert_eq!(codes(&d), ["D104"]);
    assert_eq!(
        d[0].hint.as_deref(),
        Some("quote the item: unquoted, YAML reads `text: more` as a mapping")
    );
    assert!(ads.validation.is_empty());
}
