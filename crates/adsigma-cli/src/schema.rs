//! `adsigma schema`: the JSON Schema (draft 2020-12) of the rule format: a Sigma v2 document
//! (rule, correlation or filter) plus the `ads:` block and the `tests:` block, for editors
//! (e.g. yaml-language-server's `# yaml-language-server: $schema=...`).

use crate::common::write_stdout;
use serde_json::{Value, json};
use std::process::ExitCode;

/// Runs `schema`.
pub fn run() -> ExitCode {
    let mut text = serde_json::to_string_pretty(&rule_schema()).unwrap_or_default();
    text.push('\n');
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const LEVELS: [&str; 5] = ["informational", "low", "medium", "high", "critical"];

/// The schema of a rule file's document.
pub fn rule_schema() -> Value {
    let text = |d: &str| json!({"type": "string", "description": d});
    let strings = |d: &str| json!({"type": "array", "items": {"type": "string"}, "description": d});
    let date = |d: &str| {
        json!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": d,
        })
    };
    let mut ads = adsigma_ads::ads_json_schema();
    if let Some(o) = ads.as_object_mut() {
        // A subschema that is not a resource of its own does not restate the dialect.
        o.remove("$schema");
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "adsigma rule",
        "description": "A Sigma v2 rule, correlation rule or filter, with its Alerting & Detection Strategy (`ads`) and self-tests (`tests`). Other top-level keys are Sigma custom attributes and allowed.",
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 256, "description": "A short, capitalised title."},
            "id": {"type": "string", "format": "uuid", "pattern": UUID, "description": "A random UUID (v4) that never changes."},
            "name": text("A unique name, by which correlation rules can reference this rule."),
            "taxonomy": text("The field naming of the rule (default `sigma`)."),
            "status": {"enum": ["stable", "test", "experimental", "deprecated", "unsupported"], "description": "Maturity of the rule."},
            "description": {"type": "string", "maxLength": 65535, "description": "What the rule detects (the ADS goal, unless `ads.goal` refines it)."},
            "license": text("The rule's license (an SPDX identifier)."),
            "author": text("Who wrote the rule."),
            "references": strings("Where the behaviour is described (added to the ADS additional resources)."),
            "date": date("Creation date, YYYY-MM-DD."),
            "modified": date("Last change, YYYY-MM-DD."),
            "tags": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z0-9_-]+\\.[a-z0-9._-]+$"},
                "description": "Namespaced tags: `attack.tNNNN[.NNN]` techniques and `attack.<tactic>` tactics give the ADS categorization."
            },
            "logsource": {
                "type": "object",
                "description": "The telemetry the rule reads.",
                "properties": {
                    "category": text("e.g. process_creation"),
                    "product": text("e.g. linux, kubernetes, docker"),
                    "service": text("e.g. audit, events, falco"),
                    "definition": text("How to collect it."),
                },
                "additionalProperties": {"type": "string"}
            },
            "detection": {"$ref": "#/$defs/detection"},
            "falsepositives": {
                "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
                "description": "Benign activity that matches (the ADS false positives)."
            },
            "level": {"enum": LEVELS, "description": "Criticality (the ADS priority)."},
            "fields": strings("Fields worth showing with an alert."),
            "related": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {
                        "id": {"type": "string", "pattern": UUID},
                        "type": {"enum": ["derived", "obsolete", "merged", "renamed", "similar"]}
                    },
                    "additionalProperties": false
                },
                "description": "Rules this one is related to."
            },
            "scope": strings("Where the rule applies, e.g. server."),
            "action": {"enum": ["global", "reset", "repeat"], "description": "Rule collections: how this document combines with the others of the file."},
            "correlation": {"$ref": "#/$defs/correlation"},
            "filter": {"$ref": "#/$defs/filter"},
            "ads": {"$ref": "#/$defs/ads"},
            "tests": {"$ref": "#/$defs/tests"}
        },
        "anyOf": [
            {"required": ["title", "logsource", "detection"]},
            {"required": ["title", "correlation"]},
            {"required": ["title", "logsource", "filter"]},
            {"required": ["action"]},
            {"required": ["detection"]}
        ],
        "$defs": {
            "detection": {
                "type": "object",
                "description": "Search identifiers (maps of `field|modifiers: values`, or lists of maps or keywords) and the condition over them.",
                "required": ["condition"],
                "properties": {
                    "condition": {
                        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                        "description": "A boolean expression over the identifiers; several conditions are ORed."
                    },
                    "timeframe": {"type": "string", "description": "Sigma v1 aggregation window (use a correlation rule)."}
                },
                "additionalProperties": {"$ref": "#/$defs/search_identifier"}
            },
            "search_identifier": {
                "anyOf": [
                    {"type": "object"},
                    {"type": "array", "items": {"anyOf": [{"type": "object"}, {"type": ["string", "number", "boolean", "null"]}]}},
                    {"type": ["string", "number", "boolean", "null"]}
                ]
            },
            "correlation": {
                "type": "object",
                "description": "A Sigma correlation over the matches of other rules.",
                "required": ["type", "rules"],
                "properties": {
                    "type": {"enum": ["event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg", "value_percentile"]},
                    "rules": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}], "description": "Ids or names of the rules correlated."},
                    "group-by": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                    "timespan": {"type": "string", "pattern": "^[0-9]+[smhd]$"},
                    "condition": {
                        "type": "object",
                        "properties": {
                            "gt": {"type": "number"}, "gte": {"type": "number"}, "lt": {"type": "number"},
                            "lte": {"type": "number"}, "eq": {"type": "number"}, "neq": {"type": "number"},
                            "field": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
                        },
                        "additionalProperties": false
                    },
                    "aliases": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}},
                    "generate": {"type": "boolean"}
                }
            },
            "filter": {
                "type": "object",
                "description": "A filter: its identifiers and condition are ANDed (negated by the author) into the rules it names.",
                "required": ["rules", "condition"],
                "properties": {
                    "rules": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                    "condition": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
                },
                "additionalProperties": {"$ref": "#/$defs/search_identifier"}
            },
            "ads": ads,
            "tests": {
                "type": "object",
                "description": "Self-tests that `adsigma test` runs.",
                "additionalProperties": false,
                "properties": {
                    "match": {"type": "array", "items": {"$ref": "#/$defs/test_entry"}, "description": "Events the rule must match."},
                    "no_match": {"type": "array", "items": {"$ref": "#/$defs/test_entry"}, "description": "Events the rule must not match (the false positives' look-alikes)."},
                    "sequences": {
                        "type": "array",
                        "description": "Correlation rules: event sequences and how many correlation matches each gives.",
                        "items": {
                            "anyOf": [
                                {
                                    "type": "object",
                                    "required": ["events", "expect"],
                                    "additionalProperties": false,
                                    "properties": {
                                        "events": {"type": "array", "items": {"$ref": "#/$defs/test_entry"}, "description": "In time order, carrying their timestamps."},
                                        "expect": {"type": "integer", "minimum": 0, "description": "The number of correlation matches."}
                                    }
                                },
                                {"type": "array", "items": {"$ref": "#/$defs/test_entry"}, "description": "A sequence of events, in time order, that must give at least one correlation match."}
                            ]
                        }
                    }
                }
            },
            "test_entry": {
                "anyOf": [
                    {
                        "type": "object",
                        "description": "An event with a stated logsource or a pipeline to run it through.",
                        "required": ["event"],
                        "additionalProperties": false,
                        "properties": {
                            "event": {"type": "object", "description": "The event, as the telemetry writes it."},
                            "logsource": {
                                "type": "object",
                                "additionalProperties": false,
                                "properties": {
                                    "product": {"type": "string"},
                                    "category": {"type": "string"},
                                    "service": {"type": "string"}
                                }
                            },
                            "pipeline": {"type": "string", "description": "A pipeline by name (e.g. tetragon, falco)."}
                        }
                    },
                    {"type": "object", "description": "An event, as the telemetry writes it."}
                ]
            }
        }
    })
}
