//! The rules this repository ships load cleanly, carry a complete ADS, and pass the example
//! events in their own `tests:` block when run through the compiled engine.

use adsigma::syntax::yaml::{Node, NodeKind, Resolved};
use adsigma::syntax::{Document, Rule};
use adsigma::{Engine, LogSource, RulePack};
use std::path::{Path, PathBuf};

#[test]
fn shipped_rules_load_without_error_or_warning() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let pack = RulePack::load(&dir).unwrap();
    assert!(
        pack.diagnostics().is_empty(),
        "{:?}",
        pack.diagnostics()
            .iter()
            .map(|d| format!(
                "{}:{} {}",
                pack.sources().path(d.span().file).display(),
                d.span(),
                d.message
            ))
            .collect::<Vec<_>>()
    );
    assert!(!pack.documents().is_empty());
}

/// Minimum number of rules shipped under `rules/`.
const MIN_RULES: usize = 30;
/// Minimum number of `match` and of `no_match` events per rule.
const MIN_EVENTS: usize = 2;

/// The `ads:` sections DESIGN.md ("The rule format") defines; each must be present and
/// non-empty (`goal` is an optional refinement of `description` and is checked only when
/// present). Nested keys are written `parent.child`.
const ADS_SECTIONS: &[&str] = &[
    "platforms",
    "strategy_abstract",
    "strategy_abstract.summary",
    "strategy_abstract.data_sources",
    "strategy_abstract.patterns",
    "technical_context",
    "emulation",
    "blind_spots",
    "assumptions",
    "validation",
    "priority",
    "priority.level",
    "priority.justification",
    "response",
    "resources",
];

/// Every `.yml` / `.yaml` file under `dir`, sorted.
fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("yml" | "yaml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// True when a node is present and not empty: a non-blank scalar, a non-empty list of
/// non-blank scalars (an unquoted `text: more` item would be a mapping, a common YAML slip),
/// or a non-empty map.
fn non_empty(node: Option<&Node>) -> bool {
    fn text(node: &Node) -> bool {
        node.as_scalar()
            .is_some_and(|s| !s.text.trim().is_empty() && !matches!(s.resolve(), Resolved::Null))
    }
    match node.map(|n| &n.kind) {
        None => false,
        Some(NodeKind::Scalar(_)) => text(node.unwrap()),
        Some(NodeKind::Seq(items)) => !items.is_empty() && items.iter().all(text),
        Some(NodeKind::Map(entries)) => !entries.is_empty(),
    }
}

fn lookup<'a>(node: &'a Node, dotted: &str) -> Option<&'a Node> {
    dotted.split('.').try_fold(node, |n, k| n.get(k))
}

/// One test entry: the event and the logsource it is stated to come from, if any.
fn test_entry(node: &Node) -> Result<(serde_json::Value, Option<LogSource>), String> {
    let is_wrapper = node.as_map().is_some_and(|entries| {
        entries.iter().any(|(k, _)| k.as_str() == Some("event"))
            && entries
                .iter()
                .all(|(k, _)| matches!(k.as_str(), Some("event" | "logsource" | "pipeline")))
    });
    if !is_wrapper {
        return Ok((adsigma::yaml_to_json(node), None));
    }
    if node.get("pipeline").is_some() {
        return Err("entries with a `pipeline` are not supported by this runner".into());
    }
    let event = adsigma::yaml_to_json(node.get("event").unwrap());
    let logsource = match node.get("logsource") {
        None => None,
        Some(ls) => {
            let field = |k: &str| ls.get(k).and_then(Node::as_str);
            Some(LogSource::new(
                field("product"),
                field("category"),
                field("service"),
            ))
        }
    };
    Ok((event, logsource))
}

/// Problems with a rule's metadata and ADS block (not its tests).
fn ads_problems(rule: &Rule) -> Vec<String> {
    let mut problems = Vec::new();
    let meta = &rule.meta;
    let Some(ads) = meta.custom("ads") else {
        return vec!["no `ads:` block".into()];
    };
    for section in ADS_SECTIONS {
        if !non_empty(lookup(ads, section)) {
            problems.push(format!("ads.{section} is missing or empty"));
        }
    }
    if let Some(goal) = ads.get("goal") {
        if !non_empty(Some(goal)) {
            problems.push("ads.goal is present but empty".into());
        }
    }
    let priority = lookup(ads, "priority.level").and_then(Node::as_str);
    let level = meta.level.as_ref().map(|l| l.value.as_str());
    if priority.is_some() && priority != level {
        problems.push(format!(
            "ads.priority.level {priority:?} differs from level {level:?}"
        ));
    }
    if meta.falsepositives.is_empty() {
        problems.push("no falsepositives".into());
    }
    if meta.references.is_empty() {
        problems.push("no references".into());
    }
    let tags: Vec<&str> = meta.tags.iter().map(|t| t.value.as_str()).collect();
    // `attack.t1234`, `attack.g0139`, `attack.s0601` are ids; anything else is a tactic.
    let attack_id = |t: &str, letter: char| {
        t.strip_prefix("attack.")
            .and_then(|rest| rest.strip_prefix(letter))
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    if !tags.iter().any(|t| attack_id(t, 't')) {
        problems.push("no ATT&CK technique tag".into());
    }
    if !tags
        .iter()
        .any(|t| t.starts_with("attack.") && !['t', 'g', 's'].iter().any(|&l| attack_id(t, l)))
    {
        problems.push("no ATT&CK tactic tag".into());
    }
    problems
}

#[test]
fn shipped_rules_pass_their_own_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut rules = 0;
    let mut failures: Vec<String> = Vec::new();
    // One engine of the whole pack: correlations name rules of other files.
    let whole = RulePack::load(&dir).unwrap();
    let engine = Engine::new(&whole).unwrap_or_else(|e| panic!("rules/ does not compile: {e}"));
    for file in rule_files(&dir) {
        let shown = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&file)
            .display()
            .to_string();
        let pack = RulePack::load(&file).unwrap();
        if pack.has_errors() {
            failures.push(format!("{shown}: does not load: {:?}", pack.diagnostics()));
            continue;
        }
        for loaded in pack.documents() {
            let Document::Rule(rule) = &loaded.document else {
                continue;
            };
            rules += 1;
            let id = rule.meta.id.as_ref().map(|i| i.value.clone());
            let title = rule.meta.title.as_ref().map_or("", |t| t.value.as_str());
            let name = format!("{shown} ({title})");
            for p in ads_problems(rule) {
                failures.push(format!("{name}: {p}"));
            }
            let Some(tests) = rule.meta.custom("tests") else {
                failures.push(format!("{name}: no `tests:` block"));
                continue;
            };
            for (kind, expect) in [("match", true), ("no_match", false)] {
                let entries = tests.get(kind).and_then(Node::as_seq).unwrap_or(&[]);
                if entries.len() < MIN_EVENTS {
                    failures.push(format!(
                        "{name}: {} `{kind}` event(s), at least {MIN_EVENTS} required",
                        entries.len()
                    ));
                }
                for (index, entry) in entries.iter().enumerate() {
                    let (event, logsource) = match test_entry(entry) {
                        Ok(x) => x,
                        Err(e) => {
                            failures.push(format!("{name}: {kind}[{index}]: {e}"));
                            continue;
                        }
                    };
                    let matches = match &logsource {
                        Some(ls) => engine.evaluate_for(&event, ls),
                        None => engine.evaluate(&event),
                    };
                    let hit = matches
                        .iter()
                        .any(|m| m.rule_id().map(str::to_owned) == id && m.title() == title);
                    if hit != expect {
                        failures.push(format!(
                            "{name}: {kind}[{index}] {}: {event}",
                            if expect { "did not match" } else { "matched" }
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        rules >= MIN_RULES,
        "rules/ holds {rules} rules, at least {MIN_RULES} required"
    );
}
