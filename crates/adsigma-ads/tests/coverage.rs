//! Pack coverage: table and ATT&CK Navigator layer.

use crate::{EXAMPLE_RULE, rule};
use adsigma_ads::attack::TechniqueStatus;
use adsigma_ads::coverage;

fn r(title: &str, tags: &str) -> adsigma_syntax::Rule {
    rule(&format!(
        "title: {title}\nlevel: high\ntags: [{tags}]\nlogsource: {{product: kubernetes, service: audit}}\n\
         detection:\n  sel: {{verb: create}}\n  condition: sel\n"
    ))
}

#[test]
fn techniques_with_their_rules() {
    let rules = [
        r("Exec into pod", "attack.execution, attack.t1609"),
        r(
            "Exec via API",
            "attack.execution, attack.t1609, attack.t1059.013",
        ),
        r("Old tag", "attack.t1562.001"),
        r("Revoked tag", "attack.t1086"),
        r("Unknown tag", "attack.t1999"),
        r("No technique", "attack.execution"),
        rule(EXAMPLE_RULE),
    ];
    let refs: Vec<&adsigma_syntax::Rule> = rules.iter().collect();
    let c = coverage(&refs);
    assert_eq!(c.rules, 7);
    assert_eq!(c.untagged.len(), 1);
    let ids: Vec<&str> = c.techniques.iter().map(|t| t.id.as_str()).collect();
    // Active first (a moved tag counts for its v19 id), then the others.
    assert_eq!(
        ids,
        [
            "T1059.013",
            "T1528",
            "T1552.001",
            "T1609",
            "T1685",
            "T1086",
            "T1999"
        ]
    );
    let t1609 = &c.techniques[3];
    assert_eq!(t1609.name, "Container Administration Command");
    assert_eq!(t1609.rules.len(), 2);
    assert_eq!(t1609.rules[1].title.as_deref(), Some("Exec via API"));
    assert_eq!(c.techniques[5].status, Some(TechniqueStatus::Revoked));
    assert_eq!(c.techniques[6].status, None);

    let table = c.table();
    let first = table.lines().next().unwrap();
    assert!(first.starts_with("TECHNIQUE  NAME"), "{table}");
    assert!(
        table.contains("T1609      Container Administration Command"),
        "{table}"
    );
    assert!(table.contains("2  Exec into pod; Exec via API"));
    assert!(table.contains("PowerShell (revoked)"));
    assert!(table.ends_with("7 techniques (5 current in ATT&CK v19) covered by 6 rules; 1 rules have no technique tag\n"), "{table}");

    let layer: serde_json::Value =
        serde_json::from_str(&c.navigator_layer("adsigma pack")).unwrap();
    assert_eq!(layer["name"], "adsigma pack");
    assert_eq!(layer["domain"], "enterprise-attack");
    assert_eq!(layer["versions"]["attack"], "19");
    assert_eq!(layer["versions"]["layer"], "4.5");
    let techniques = layer["techniques"].as_array().unwrap();
    assert_eq!(techniques.len(), 5, "only current techniques");
    let t = techniques
        .iter()
        .find(|t| t["techniqueID"] == "T1609")
        .unwrap();
    assert_eq!(t["score"], 2);
    assert_eq!(t["comment"], "Exec into pod; Exec via API");
    assert_eq!(layer["gradient"]["maxValue"], 2);
}

#[test]
fn an_empty_pack() {
    let c = coverage(&[]);
    assert!(c.techniques.is_empty());
    assert!(c.table().contains("0 techniques"));
    let layer: serde_json::Value = serde_json::from_str(&c.navigator_layer("empty")).unwrap();
    assert_eq!(layer["techniques"], serde_json::json!([]));
}
