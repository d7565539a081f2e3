//! The embedded ATT&CK catalogue's lookups.

use adsigma_ads::attack::{
    ATTACK_VERSION, ENTERPRISE_ATTACK_JSON, NOTICE, RENAMED_TACTICS, TacticLookup, TechniqueStatus,
    catalogue, normalize_technique_id, technique_url,
};

#[test]
fn the_embedded_data_parses_whole() {
    let c = catalogue();
    assert_eq!(c.techniques().len(), 858);
    assert_eq!(c.tactics().len(), 15);
    assert!(c.source().contains("v19"));
    assert_eq!(ATTACK_VERSION, "19");
    assert!(ENTERPRISE_ATTACK_JSON.len() < 256 * 1024);
    assert!(NOTICE.contains("The MITRE Corporation"));
    assert!(NOTICE.contains("verbatim copy"));
    let count = |s| c.techniques().iter().filter(|t| t.status == s).count();
    assert_eq!(count(TechniqueStatus::Active), 697);
    assert_eq!(count(TechniqueStatus::Revoked), 132);
    assert_eq!(count(TechniqueStatus::Deprecated), 12);
    assert_eq!(count(TechniqueStatus::MovedInV19), 17);
}

#[test]
fn a_technique() {
    let t = catalogue().technique("T1609").unwrap();
    assert_eq!(t.name, "Container Administration Command");
    assert_eq!(t.tactics, ["execution"]);
    assert_eq!(t.platforms.as_deref(), Some(&["Containers".to_owned()][..]));
    assert_eq!(t.status, TechniqueStatus::Active);
    assert!(!t.is_subtechnique());
    assert_eq!(t.url(), "https://attack.mitre.org/techniques/T1609");
    // Spellings tags and reports use.
    for s in ["t1609", " T1609 ", "T1609"] {
        assert_eq!(catalogue().technique(s).unwrap().id, "T1609", "{s}");
    }
    assert!(catalogue().technique("T9999").is_none());
    assert!(catalogue().technique("1609").is_none());
}

#[test]
fn a_subtechnique() {
    let t = catalogue().technique("t1552.007").unwrap();
    assert_eq!(t.name, "Container API");
    assert_eq!(t.subtechnique_of.as_deref(), Some("T1552"));
    assert_eq!(t.tactics, ["credential-access"]);
    assert!(t.has_platform("Containers"));
    assert_eq!(t.url(), "https://attack.mitre.org/techniques/T1552/007");
    assert_eq!(
        catalogue().technique("T1589/002").unwrap().name,
        "Email Addresses"
    );
    assert!(
        catalogue()
            .subtechniques("T1552")
            .any(|s| s.id == "T1552.007")
    );
    assert_eq!(
        normalize_technique_id("t1552/007").as_deref(),
        Some("T1552.007")
    );
    assert_eq!(normalize_technique_id("T1552.07"), None);
    assert_eq!(
        technique_url("T1498.001"),
        "https://attack.mitre.org/techniques/T1498/001"
    );
}

#[test]
fn a_revoked_technique_and_its_replacement() {
    let c = catalogue();
    let t = c.technique("T1086").unwrap();
    assert_eq!(t.name, "PowerShell");
    assert_eq!(t.status, TechniqueStatus::Revoked);
    let r: Vec<&str> = c
        .replacements("T1086")
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(r, ["T1059.001"]);
    // Two active techniques share the name: both are offered.
    let r: Vec<&str> = c
        .replacements("T1192")
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(r, ["T1566.002", "T1598.003"]);
    // Active techniques have no replacement.
    assert!(c.replacements("T1609").is_empty());
    let d = c.technique("T1064").unwrap();
    assert_eq!(
        (d.name.as_str(), d.status),
        ("Scripting", TechniqueStatus::Deprecated)
    );
}

#[test]
fn a_moved_technique() {
    let c = catalogue();
    let old = c.technique("T1562.001").unwrap();
    assert_eq!(old.status, TechniqueStatus::MovedInV19);
    assert_eq!(old.moved_to.as_deref(), Some("T1685"));
    assert_eq!(old.tactics, ["defense-evasion"]);
    let new = c.technique("T1685").unwrap();
    assert_eq!(new.name, "Disable or Modify Tools");
    assert_eq!(new.tactics, ["defense-impairment"]);
    // v19 gives no platforms for new techniques: T1685 inherits T1562.001's.
    assert_eq!(new.platforms_inferred_from.as_deref(), Some("T1562.001"));
    assert!(new.has_platform("Containers"));
    assert_eq!(
        c.replacements("T1562.001")
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["T1685"]
    );
    // Moved without a same-named technique in v19.
    assert!(c.replacements("T1562").is_empty());
    // A new v19 technique that nothing moved to has unknown platforms.
    assert!(c.technique("T1682").unwrap().platforms.is_none());
}

#[test]
fn tactics_and_renames() {
    let c = catalogue();
    let names: Vec<&str> = c.tactics().iter().map(|t| t.shortname.as_str()).collect();
    assert_eq!(
        names,
        [
            "reconnaissance",
            "resource-development",
            "initial-access",
            "execution",
            "persistence",
            "privilege-escalation",
            "stealth",
            "defense-impairment",
            "credential-access",
            "discovery",
            "lateral-movement",
            "collection",
            "command-and-control",
            "exfiltration",
            "impact"
        ]
    );
    assert_eq!(c.tactic("Defense Impairment").unwrap().id, "TA0112");
    assert_eq!(c.tactic("TA0005").unwrap().shortname, "stealth");
    assert_eq!(
        c.tactic("Command & Control").unwrap().shortname,
        "command-and-control"
    );
    match c.tactic_lookup("Defense Evasion") {
        TacticLookup::Renamed(r) => {
            assert_eq!(r.shortname, "defense-evasion");
            assert_eq!(r.replaced_by, ["stealth", "defense-impairment"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.tactic_lookup("stealth"), TacticLookup::Current(t) if t.name == "Stealth"));
    assert_eq!(c.tactic_lookup("execusion"), TacticLookup::Unknown);
    assert_eq!(c.tactic_display_name("defense-evasion"), "Defense Evasion");
    assert_eq!(c.tactic_display_name("kill-chain-x"), "Kill Chain X");
    assert_eq!(RENAMED_TACTICS.len(), 1);
    // No active technique still uses the old tactic.
    assert!(
        c.techniques()
            .iter()
            .filter(|t| t.status == TechniqueStatus::Active)
            .all(|t| !t.tactics.iter().any(|x| x == "defense-evasion"))
    );
}

#[test]
fn containers_techniques_of_the_issue_are_listed_for_containers() {
    let c = catalogue();
    for id in [
        "T1609",
        "T1610",
        "T1611",
        "T1612",
        "T1613",
        "T1525",
        "T1552.007",
        "T1053.007",
        "T1098.006",
        "T1204.003",
        "T1496",
        "T1498",
        "T1685",
        "T1070",
        "T1036.005",
        "T1046",
        "T1078.001",
        "T1528",
        "T1543.005",
        "T1059.013",
    ] {
        let t = c.technique(id).unwrap();
        assert_eq!(t.status, TechniqueStatus::Active, "{id}");
        assert!(t.has_platform("Containers"), "{id}");
    }
    assert!(c.techniques_for_platform("Containers").count() >= 40);
}

#[test]
fn lookups_are_safe_on_any_input() {
    for s in [
        "",
        "T",
        "T12345",
        "T1234.",
        "T1234.1234",
        "Tééé",
        "ta00",
        "\u{0}",
        "T1234/00x",
    ] {
        let _ = catalogue().technique(s);
        let _ = catalogue().tactic_lookup(s);
        let _ = catalogue().replacements(s);
    }
}
