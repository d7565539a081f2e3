//! SARIF 2.1.0 output of `check`: every code of the registry as a rule with its help text,
//! every diagnostic as a result with its region, as GitHub code scanning reads them.

use crate::render::Report;
use adsigma::Severity;
use adsigma_lint::codes::REGISTRY;
use serde_json::{Value, json};
use std::io::{self, Write};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference: `/` separators, reserved characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes the SARIF log.
pub fn sarif(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|e| {
            let mut props = json!({"tags": [layer(e.code.code)]});
            if let Some(p) = e.pysigma {
                props["pysigma"] = json!(p);
            }
            json!({
                "id": e.code.code,
                "name": e.code.name,
                "shortDescription": {"text": e.code.summary},
                "fullDescription": {"text": e.code.summary},
                "help": {
                    "text": format!("{} Fix: {}", e.code.summary, e.hint),
                    "markdown": format!("**{}** `{}`: {}\n\n**Fix:** {}", e.code.code, e.code.name, e.code.summary, e.hint),
                },
                "defaultConfiguration": {"level": level(e.code.severity), "enabled": e.default_on},
                "properties": props,
            })
        })
        .collect();
    let index = |code: &str| REGISTRY.iter().position(|e| e.code.code == code);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let s = d.span();
            let mut physical = json!({
                "artifactLocation": {"uri": uri(&report.sources.path(s.file).display().to_string())},
            });
            if s.start.line > 0 {
                let (end_line, end_column) = if s.end.line >= s.start.line && s.end.line > 0 {
                    (s.end.line, s.end.column.max(1))
                } else {
                    (s.start.line, s.start.column.max(1))
                };
                physical["region"] = json!({
                    "startLine": s.start.line,
                    "startColumn": s.start.column.max(1),
                    "endLine": end_line,
                    "endColumn": end_column,
                });
            }
            let mut text = d.message.clone();
            if let Some(h) = &d.hint {
                text.push_str(&format!(" (hint: {h})"));
            }
            let mut r = json!({
                "ruleId": d.code.code,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": physical}],
            });
            if let Some(i) = index(d.code.code) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(id) = &d.rule_id {
                r["properties"] = json!({"rule_id": id});
            }
            r
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "adsigma",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/adsigma",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn layer(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'Y') => "yaml",
        Some(b'S') => "structure",
        Some(b'C') => "condition",
        Some(b'M') => "modifiers-and-values",
        Some(b'L') => "conventions",
        Some(b'A') => "attack",
        Some(b'D') => "ads",
        Some(b'E') => "compilation",
        Some(b'T') => "self-tests",
        Some(b'P') => "pipelines",
        _ => "other",
    }
}
