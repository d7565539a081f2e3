//! [`Ads`] -> the Markdown report.

use super::{NOT_DOCUMENTED, REPORT_HEADING, escape_prose, one_line};
use crate::attack::catalogue;
use crate::model::{Ads, RuleInfo, Section};
use std::fmt::Write;

/// Labels of the report's fixed lines, shared with the importer.
pub(crate) const MAPPING_LABEL: &str = "MITRE ATT&CK Mapping";
pub(crate) const TACTICS_LABEL: &str = "Tactic / Kill Chain Phases";
pub(crate) const PLATFORMS_LABEL: &str = "Platforms";
pub(crate) const DATA_SOURCES_LEAD: &str = "Data sources used:";
pub(crate) const PATTERNS_LEAD: &str = "Patterns analyzed include:";
pub(crate) const EMULATION_HEADING: &str = "Adversary Emulation Details";
pub(crate) const BLIND_SPOTS_LABEL: &str = "Blind Spots:";
pub(crate) const ASSUMPTIONS_LABEL: &str = "Assumptions:";
pub(crate) const JUSTIFICATION_LABEL: &str = "Justification:";

/// Renders the ADS as the framework's Markdown report: the heading, the rule's details, then
/// the ten sections in the order and with the headings of the framework (a section without
/// content says "Not documented."), then the optional Environments and Tooling sections and
/// any extra ones. [`crate::import_markdown`] reads it back to the same [`Ads`].
///
/// ```
/// use adsigma_ads::{Ads, RuleInfo, TechniqueRef, render_markdown, import_markdown};
/// let mut ads = Ads::default();
/// ads.title = Some("Shell in a pod".into());
/// ads.categorization.techniques.push(TechniqueRef::from_catalogue("T1609"));
/// ads.categorization.tactics.push("execution".into());
/// ads.categorization.platforms.push("Containers".into());
/// let md = render_markdown(&ads, &RuleInfo::default());
/// assert!(md.starts_with("# Palantir Alerting & Detection Strategy (ADS) Framework Report\n"));
/// assert!(md.contains("- **MITRE ATT&CK Mapping:** T1609 - Container Administration Command\n\
///                      - **Tactic / Kill Chain Phases:** Execution\n\
///                      - **Platforms:** Containers\n\n\
///                      [MITRE ATT&CK Reference](https://attack.mitre.org/techniques/T1609)\n"));
/// assert_eq!(import_markdown(&md).0, ads);
/// ```
pub fn render_markdown(ads: &Ads, rule: &RuleInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {REPORT_HEADING}\n");
    let mut meta: Vec<(&str, &str)> = Vec::new();
    if let Some(t) = rule.title.as_deref().or(ads.title.as_deref()) {
        meta.push(("Title", t));
    }
    for (k, v) in [
        ("Rule ID", &rule.id),
        ("Status", &rule.status),
        ("Author", &rule.author),
        ("Logsource", &rule.logsource),
        ("File", &rule.file),
    ] {
        if let Some(v) = v {
            meta.push((k, v));
        }
    }
    if !meta.is_empty() {
        let lines: Vec<String> = meta
            .iter()
            .map(|(k, v)| format!("**{k}:** {}", one_line(v)))
            .collect();
        let _ = writeln!(out, "{}\n", lines.join("  \n"));
    }
    for section in Section::ALL {
        let _ = writeln!(out, "## {}", section.heading());
        let body = section_body(ads, section);
        out.push_str(if body.is_empty() {
            NOT_DOCUMENTED
        } else {
            &body
        });
        out.push_str("\n\n");
    }
    if !ads.environments.is_empty() {
        let _ = writeln!(out, "## Environments\n{}\n", bullets(&ads.environments));
    }
    if !ads.tooling.is_empty() {
        let _ = writeln!(out, "## Tooling\n{}\n", bullets(&ads.tooling));
    }
    for (heading, text) in ads.extra.iter() {
        let _ = writeln!(out, "## {}", one_line(heading));
        if !text.is_empty() {
            let _ = writeln!(out, "{}", escape_prose(text));
        }
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn section_body(ads: &Ads, section: Section) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !s.is_empty() {
            parts.push(s);
        }
    };
    match section {
        Section::Goal => push(escape_prose(ads.goal.as_deref().unwrap_or_default())),
        Section::Categorization => {
            let c = &ads.categorization;
            let mut lines = Vec::new();
            for t in &c.techniques {
                let name = if t.name.is_empty() {
                    String::new()
                } else {
                    format!(" - {}", one_line(&t.name))
                };
                lines.push(format!("- **{MAPPING_LABEL}:** {}{name}", t.id));
            }
            if !c.tactics.is_empty() {
                let names: Vec<String> = c
                    .tactics
                    .iter()
                    .map(|t| catalogue().tactic_display_name(t))
                    .collect();
                lines.push(format!("- **{TACTICS_LABEL}:** {}", names.join(", ")));
            }
            if !c.platforms.is_empty() {
                lines.push(format!(
                    "- **{PLATFORMS_LABEL}:** {}",
                    c.platforms.join(", ")
                ));
            }
            push(lines.join("\n"));
            let links: Vec<String> = match c.techniques.as_slice() {
                [] => Vec::new(),
                [one] => vec![format!("[MITRE ATT&CK Reference]({})", one.url())],
                many => many
                    .iter()
                    .map(|t| format!("[MITRE ATT&CK Reference: {}]({})", t.id, t.url()))
                    .collect(),
            };
            push(links.join("\n"));
        }
        Section::StrategyAbstract => {
            let s = &ads.strategy_abstract;
            push(escape_prose(s.summary.as_deref().unwrap_or_default()));
            if !s.data_sources.is_empty() {
                push(format!("{DATA_SOURCES_LEAD}\n{}", bullets(&s.data_sources)));
            }
            if !s.patterns.is_empty() {
                push(format!("{PATTERNS_LEAD}\n{}", bullets(&s.patterns)));
            }
        }
        Section::TechnicalContext => {
            push(escape_prose(
                ads.technical_context.as_deref().unwrap_or_default(),
            ));
            if !ads.emulation.is_empty() {
                push(format!(
                    "### {EMULATION_HEADING}\n{}",
                    bullets(&ads.emulation)
                ));
            }
        }
        Section::BlindSpotsAndAssumptions => {
            let mut lines = Vec::new();
            for (label, items) in [
                (BLIND_SPOTS_LABEL, &ads.blind_spots),
                (ASSUMPTIONS_LABEL, &ads.assumptions),
            ] {
                if !items.is_empty() {
                    lines.push(format!("- **{label}**"));
                    lines.push(indent_block(&bullets(items), 2));
                }
            }
            push(lines.join("\n"));
        }
        Section::FalsePositives => push(bullets(&ads.false_positives)),
        Section::Priority => {
            let level = ads
                .priority
                .level
                .map(|l| format!("**Priority: {}**", l.display_name()));
            if let Some(l) = &level {
                push(l.clone());
            }
            if let Some(j) = ads.priority.justification.as_deref() {
                // Behind the label when that reads back, else on the lines after it. The
                // label is part of the text the importer reads (`Justification: ```` is a
                // paragraph, not a code fence), so the text is escaped with it.
                let behind = escape_prose(&format!("{JUSTIFICATION_LABEL} {j}"));
                let after = format!("{JUSTIFICATION_LABEL}\n{}", escape_prose(j));
                let fits = |text: &String| {
                    let body = match &level {
                        Some(l) => format!("{l}\n\n{text}"),
                        None => text.clone(),
                    };
                    super::stays_in_section(&body)
                        && super::import::priority_reads_back(&body, ads.priority.level, j)
                };
                push(if fits(&behind) { behind } else { after });
            }
        }
        Section::Validation => push(numbered(&ads.validation)),
        Section::Response => push(numbered(&ads.response)),
        Section::AdditionalResources => push(bullets(&ads.resources)),
    }
    parts.join("\n\n")
}

/// A bullet list; lines after an item's first are indented under it.
pub(crate) fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|i| {
            // `- ---` would be a thematic break.
            let dash = item("- ", i);
            if super::is_break(dash.lines().next().unwrap_or_default()) {
                item("* ", i)
            } else {
                dash
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn numbered(items: &[String]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(n, i)| item(&format!("{}. ", n + 1), i))
        .collect::<Vec<_>>()
        .join("\n")
}

fn item(marker: &str, text: &str) -> String {
    let mut out = String::from(marker);
    let pad = " ".repeat(marker.len());
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
            }
        }
        out.push_str(line);
    }
    out
}

fn indent_block(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
