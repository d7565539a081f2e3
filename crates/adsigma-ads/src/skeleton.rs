//! [`Ads`] -> a rule skeleton in YAML.

use crate::model::Ads;
use crate::uuid;
use adsigma_syntax::emit::quote;
use std::fmt::Write;

/// The namespace of imported rules' ids: the version 5 UUID of `urn:adsigma:ads-report` in
/// the URL namespace (`394d2413-5863-5d8c-b8bb-e6d78c7d5bb1`).
pub const ADS_REPORT_NAMESPACE: [u8; 16] = [
    0x39, 0x4d, 0x24, 0x13, 0x58, 0x63, 0x5d, 0x8c, 0xb8, 0xbb, 0xe6, 0xd7, 0x8c, 0x7d, 0x5b, 0xb1,
];

/// The id of the rule imported from a report: the version 5 UUID, in
/// [`ADS_REPORT_NAMESPACE`], of the report's title; for a report whose heading is only the
/// framework's generic name (no title), of `goal:` and its goal, so that two such reports do
/// not share an id. The same report always gives the same id.
///
/// ```
/// use adsigma_ads::{Ads, skeleton_id};
/// let mut ads = Ads::default();
/// ads.title = Some("Shell in a pod".into());
/// assert_eq!(skeleton_id(&ads), skeleton_id(&ads.clone()));
/// assert_eq!(skeleton_id(&ads).len(), 36);
/// ```
pub fn skeleton_id(ads: &Ads) -> String {
    let name = match ads
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => t.to_owned(),
        None => format!("goal:{}", ads.goal.as_deref().unwrap_or("").trim()),
    };
    uuid::format(&uuid::v5(&ADS_REPORT_NAMESPACE, name.as_bytes()))
}

/// The title of the skeleton: the report's, else the first technique's name and id, else
/// the goal's first sentence.
fn skeleton_title(ads: &Ads) -> (String, bool) {
    if let Some(t) = ads
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return (t.to_owned(), false);
    }
    if let Some(t) = ads.categorization.techniques.first() {
        let name = if t.name.is_empty() {
            crate::model::TechniqueRef::from_catalogue(&t.id).name
        } else {
            t.name.clone()
        };
        if !name.is_empty() {
            return (format!("{name} ({})", t.id), true);
        }
    }
    if let Some(g) = ads.goal.as_deref() {
        let first = g
            .split(". ")
            .next()
            .unwrap_or(g)
            .trim()
            .trim_end_matches('.');
        let short: String = first.chars().take(120).collect();
        if !short.is_empty() {
            return (short, true);
        }
    }
    ("Untitled detection strategy".into(), true)
}

/// Writes a rule skeleton for the ADS: Sigma metadata (`title`, `id` from [`skeleton_id`],
/// `status: experimental`, `description` from the goal, `references`, `tags`,
/// `falsepositives`, `level`) and the whole `ads:` block. The `logsource` and the
/// `detection` are empty mappings under comments saying what to write: a report has no
/// detection logic. The output is valid YAML; it is not yet a valid rule (`S115
/// empty_detection`) until the author writes the detection.
///
/// ```
/// use adsigma_ads::{import_markdown, skeleton_yaml};
/// let (ads, _) = import_markdown("# ADS: Shell in a pod\n## Goal\nDetect a shell in a pod.\n## Response\n1. Find the pod\n");
/// let yaml = skeleton_yaml(&ads);
/// assert!(yaml.contains("title: \"Shell in a pod\"\n"));
/// assert!(yaml.contains("description: \"Detect a shell in a pod.\"\n"));
/// assert!(yaml.contains("detection: {}\n"));
/// assert!(yaml.contains("  response:\n    - \"Find the pod\"\n"));
/// ```
pub fn skeleton_yaml(ads: &Ads) -> String {
    let mut out = String::new();
    out.push_str(
        "# Rule skeleton imported from an ADS report: the `ads:` block holds the report.\n\
         # Write the logsource and the detection, add tests.match / tests.no_match events\n\
         # (the validation steps say how to produce them), then run `adsigma check` and\n\
         # `adsigma test`.\n",
    );
    let (title, derived) = skeleton_title(ads);
    if derived {
        out.push_str("# The report has no title of its own: this one is derived from it.\n");
    }
    let _ = writeln!(out, "title: {}", quote(&title));
    let _ = writeln!(out, "id: {}", skeleton_id(ads));
    out.push_str("status: experimental\n");
    if let Some(g) = ads.goal.as_deref() {
        out.push_str("description: ");
        scalar(&mut out, g, 0);
    }
    let (urls, other): (Vec<&String>, Vec<&String>) = ads.resources.iter().partition(|r| {
        (r.starts_with("https://") || r.starts_with("http://")) && !r.contains(char::is_whitespace)
    });
    list(&mut out, "references", urls.iter().map(|s| s.as_str()), 0);
    let tags: Vec<String> = ads
        .categorization
        .tactics
        .iter()
        .map(|t| format!("attack.{t}"))
        .chain(
            ads.categorization
                .techniques
                .iter()
                .map(|t| format!("attack.{}", t.id.to_lowercase())),
        )
        .collect();
    if !tags.is_empty() {
        out.push_str("tags:\n");
        for t in &tags {
            let plain = t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
            if plain {
                let _ = writeln!(out, "  - {t}");
            } else {
                let _ = writeln!(out, "  - {}", quote(t));
            }
        }
    }
    out.push_str(
        "# logsource: the telemetry the detection reads (see ads.strategy_abstract.data_sources),\n\
         # e.g. {product: kubernetes, service: audit}, {product: docker, service: events} or\n\
         # {product: linux, category: process_creation}.\n\
         logsource: {}\n\
         # detection: not part of an ADS report. Write the search identifiers and the condition\n\
         # that implement ads.strategy_abstract.patterns.\n\
         detection: {}\n",
    );
    list(
        &mut out,
        "falsepositives",
        ads.false_positives.iter().map(String::as_str),
        0,
    );
    if let Some(l) = ads.priority.level {
        let _ = writeln!(out, "level: {l}");
    }
    out.push_str("ads:\n");
    let ind = 1;
    list(
        &mut out,
        "platforms",
        ads.categorization.platforms.iter().map(String::as_str),
        ind,
    );
    let sa = &ads.strategy_abstract;
    if sa.summary.is_some() || !sa.data_sources.is_empty() || !sa.patterns.is_empty() {
        out.push_str("  strategy_abstract:\n");
        if let Some(s) = sa.summary.as_deref() {
            out.push_str("    summary: ");
            scalar(&mut out, s, 2);
        }
        list(
            &mut out,
            "data_sources",
            sa.data_sources.iter().map(String::as_str),
            2,
        );
        list(
            &mut out,
            "patterns",
            sa.patterns.iter().map(String::as_str),
            2,
        );
    }
    if let Some(t) = ads.technical_context.as_deref() {
        out.push_str("  technical_context: ");
        scalar(&mut out, t, ind);
    }
    for (key, items) in [
        ("emulation", &ads.emulation),
        ("blind_spots", &ads.blind_spots),
        ("assumptions", &ads.assumptions),
        ("validation", &ads.validation),
    ] {
        list(&mut out, key, items.iter().map(String::as_str), ind);
    }
    if let Some(j) = ads.priority.justification.as_deref() {
        out.push_str("  priority:\n    justification: ");
        scalar(&mut out, j, 2);
    }
    list(
        &mut out,
        "response",
        ads.response.iter().map(String::as_str),
        ind,
    );
    list(&mut out, "resources", other.iter().map(|s| s.as_str()), ind);
    list(
        &mut out,
        "environments",
        ads.environments.iter().map(String::as_str),
        ind,
    );
    list(
        &mut out,
        "tooling",
        ads.tooling.iter().map(String::as_str),
        ind,
    );
    if !ads.extra.is_empty() {
        out.push_str("  extra:\n");
        for (heading, text) in ads.extra.iter() {
            let key = quote(heading);
            if key.chars().count() <= MAX_IMPLICIT_KEY {
                let _ = write!(out, "    {key}: ");
            } else {
                // YAML allows an implicit key of at most 1024 characters: write a longer one
                // as an explicit (`? `) key.
                let _ = write!(out, "    ? {key}\n    : ");
            }
            scalar(&mut out, text, 2);
        }
    }
    if out.ends_with("ads:\n") {
        out.truncate(out.len() - "ads:\n".len());
    }
    out
}

/// The longest implicit mapping key written, in characters with its quotes and the `: `
/// after it (YAML's limit is 1024).
const MAX_IMPLICIT_KEY: usize = 1000;

/// Writes a YAML list under `key` at `indent` levels (nothing for an empty list).
fn list<'a>(out: &mut String, key: &str, items: impl Iterator<Item = &'a str>, indent: usize) {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return;
    }
    let pad = "  ".repeat(indent);
    let _ = writeln!(out, "{pad}{key}:");
    for item in items {
        let _ = write!(out, "{pad}  - ");
        scalar(out, item, indent + 2);
    }
}

/// Writes a string value and a newline: a literal block (`|-`) for multi-line text that one
/// can be, else a double-quoted scalar. `indent` is the level of the block's lines minus one.
fn scalar(out: &mut String, text: &str, indent: usize) {
    let block_safe = text.contains('\n')
        && !text.starts_with([' ', '\t'])
        && text.lines().all(|l| {
            !l.starts_with('\t')
                && (l.is_empty() || !l.trim().is_empty())
                && !l.ends_with([' ', '\t'])
                && !l.chars().any(|c| {
                    (c.is_control() && c != '\t')
                        || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}')
                })
        })
        && !text.ends_with('\n');
    if !block_safe {
        let _ = writeln!(out, "{}", quote(text));
        return;
    }
    out.push_str("|-\n");
    let pad = "  ".repeat(indent + 1);
    for line in text.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}{line}");
        }
    }
}
