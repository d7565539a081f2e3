//! `adsigma coverage`: the table and the ATT&CK Navigator layer of a small pack.

use crate::common::{adsigma, golden, stdout};
use serde_json::Value;

const PACK: &str = "tests/data/report";

#[test]
fn table_matches_the_golden_file() {
    let o = adsigma(&["coverage", PACK]);
    assert_eq!(o.status.code(), Some(0));
    let table = stdout(&o);
    golden("coverage", "report.table", &table);
    assert!(table.contains("T1611"));
    assert!(table.contains("Container Started With the Docker Socket Mounted"));
    assert!(table.contains("2 rules have no technique tag"));
}

#[test]
fn navigator_layer_has_the_layer_shape() {
    let o = adsigma(&[
        "coverage",
        "--format",
        "navigator",
        "--name",
        "test pack",
        PACK,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let layer: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(layer["name"], "test pack");
    assert_eq!(layer["domain"], "enterprise-attack");
    assert!(layer["versions"]["attack"].is_string());
    assert!(layer["versions"]["layer"].is_string());
    let techniques = layer["techniques"].as_array().unwrap();
    let ids: Vec<&str> = techniques
        .iter()
        .map(|t| t["techniqueID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["T1489", "T1611"]);
    for t in techniques {
        assert_eq!(t["score"], 1);
        assert!(t["comment"].is_string());
    }
    // Without --name, the layer is named after the path.
    let o = adsigma(&["coverage", "--format", "navigator", PACK]);
    let layer: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(layer["name"], "adsigma: report");
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(adsigma(&["coverage"]).status.code(), Some(2));
    assert_eq!(
        adsigma(&["coverage", "tests/data/no-such-dir"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        adsigma(&["coverage", "--format", "csv", PACK])
            .status
            .code(),
        Some(2)
    );
}
