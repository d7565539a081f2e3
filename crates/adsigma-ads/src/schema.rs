//! The JSON Schema of the `ads:` block, for the rule format's schema.

use crate::attack::PLATFORMS;
use crate::model::Level;
use serde_json::{Value, json};

/// The JSON Schema (draft 2020-12) of a rule's `ads:` block: the keys [`crate::Ads::from_rule`]
/// reads, with their types, and no other key. The rule format's schema (`adsigma schema`)
/// puts it under `properties.ads`.
///
/// ```
/// let s = adsigma_ads::ads_json_schema();
/// assert_eq!(s["additionalProperties"], false);
/// assert_eq!(s["properties"]["priority"]["properties"]["level"]["enum"][2], "medium");
/// ```
pub fn ads_json_schema() -> Value {
    let text = |d: &str| json!({"type": "string", "description": d});
    let list = |d: &str| json!({"type": "array", "items": {"type": "string"}, "description": d});
    let levels: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ADS",
        "description": "The rule's Alerting & Detection Strategy (Palantir's ADS framework). Goal, ATT&CK techniques and tactics, false positives, level and references come from the Sigma description, tags, falsepositives, level and references.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "goal": text("Goal: refines the Sigma description when given."),
            "platforms": {
                "type": "array",
                "items": {"enum": PLATFORMS},
                "description": "ATT&CK platforms of the telemetry; derived from the logsource when absent."
            },
            "strategy_abstract": {
                "type": "object",
                "additionalProperties": false,
                "description": "Strategy abstract.",
                "properties": {
                    "summary": text("How the strategy works, in prose."),
                    "data_sources": list("The telemetry it reads."),
                    "patterns": list("What it looks for in that telemetry."),
                }
            },
            "technical_context": text("Technical context, in prose."),
            "emulation": list("Adversary emulation details: commands or steps."),
            "blind_spots": list("Blind spots."),
            "assumptions": list("Assumptions."),
            "validation": list("Validation: steps that produce a true positive."),
            "priority": {
                "type": "object",
                "additionalProperties": false,
                "description": "Priority.",
                "properties": {
                    "level": {"enum": levels, "description": "Defaults to the Sigma level; must agree with it."},
                    "justification": text("Why this priority."),
                }
            },
            "response": list("Response: the steps to take when the alert fires."),
            "resources": list("Additional resources (the Sigma references are added)."),
            "environments": list("Where the strategy applies."),
            "tooling": list("The tools the strategy relies on."),
            "extra": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Other sections of an imported report: {heading: text}."
            }
        }
    })
}
