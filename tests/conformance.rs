//! The conformance suite: cases in `tests/conformance/*.yml` (a rule, events it must match,
//! events it must not), derived from CONFORMANCE.md. This module loads them and runs them
//! against the naive reference evaluator (`crate::reference`); the compiled engine's runner
//! reuses [`load_cases`].
//!
//! File format:
//!
//! ```yaml
//! placeholders: {admins: [root, 'adm_*']}   # optional, for `expand`
//! cases:
//!   - name: a unique name
//!     note: where CONFORMANCE.md is silent, the decision taken (optional)
//!     placeholders: {...}                   # optional, merged over the file's
//!     rule: |
//!       detection:
//!         sel:
//!           CommandLine|contains: 'KUBECTL exec'
//!         condition: sel
//!     match: [{CommandLine: 'sudo kubectl EXEC -it pod -- sh'}]
//!     no_match: [{}]
//! ```
//!
//! The rule is wrapped into a full document by prefixing a `title` (the case name) and
//! `logsource: {product: test}`.

use adsigma::syntax::yaml::{self, Node, NodeKind};
use adsigma::syntax::{Document, FileId, Limits, Rule};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One conformance case: a rule and the events it must and must not match.
#[derive(Clone, Debug)]
pub struct Case {
    /// The case's name (unique over all files).
    pub name: String,
    /// The file it came from, e.g. `strings.yml`.
    pub file: String,
    /// The detection part of the rule, as written in the case.
    pub rule_text: String,
    /// Where CONFORMANCE.md was silent: the decision the case pins.
    pub note: Option<String>,
    /// The placeholder map for `expand` (the file's, with the case's merged over it).
    pub placeholders: HashMap<String, Vec<String>>,
    /// Each event with whether the rule must match it.
    pub events: Vec<(serde_json::Value, bool)>,
}

impl Case {
    /// The full rule document: a title, a logsource, then the case's rule text.
    pub fn document_text(&self) -> String {
        format!(
            "title: '{}'\nlogsource: {{product: test}}\n{}",
            self.name.replace('\'', "''"),
            self.rule_text
        )
    }

    /// Parses the case's rule with `adsigma::RulePack`: the rule, or the diagnostics.
    pub fn parse_rule(&self) -> Result<Rule, String> {
        let pack = adsigma::RulePack::from_yaml_str(&self.document_text());
        if pack.has_errors() {
            let errors: Vec<String> = pack
                .errors()
                .map(|d| format!("{}: {} {}", d.span(), d.code.code, d.message))
                .collect();
            return Err(errors.join("; "));
        }
        match pack.documents() {
            [doc] => match &doc.document {
                Document::Rule(rule) => Ok(rule.clone()),
                other => Err(format!("expected a rule, found a {}", other.kind_name())),
            },
            docs => Err(format!("expected one document, found {}", docs.len())),
        }
    }
}

/// The directory of the case files.
pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// Loads every case of every `tests/conformance/*.yml`, in file-name order. Panics with the
/// problem when a file is malformed.
pub fn load_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/conformance is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    paths.sort();
    paths.iter().flat_map(|p| load_file(p)).collect()
}

fn load_file(path: &Path) -> Vec<Case> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).expect("case file is readable");
    let mut diags = Vec::new();
    let docs = yaml::load(&text, FileId(0), &Limits::default(), &mut diags);
    assert!(diags.is_empty(), "{file}: invalid YAML: {diags:?}");
    let [root] = docs.as_slice() else {
        panic!("{file}: expected one YAML document");
    };
    let file_placeholders = root
        .get("placeholders")
        .map(|n| placeholder_map(n, &file))
        .unwrap_or_default();
    let cases = root
        .get("cases")
        .and_then(Node::as_seq)
        .unwrap_or_else(|| panic!("{file}: no `cases` list"));
    cases
        .iter()
        .map(|c| {
            let name = c
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or_else(|| panic!("{file}: a case without a `name` at {}", c.span))
                .to_owned();
            let rule_text = c
                .get("rule")
                .and_then(Node::as_str)
                .unwrap_or_else(|| panic!("{file}: case `{name}` has no `rule` text"))
                .to_owned();
            let note = c.get("note").and_then(Node::as_str).map(str::to_owned);
            let mut placeholders = file_placeholders.clone();
            if let Some(n) = c.get("placeholders") {
                placeholders.extend(placeholder_map(n, &file));
            }
            let mut events = Vec::new();
            for (key, expected) in [("match", true), ("no_match", false)] {
                if let Some(list) = c.get(key) {
                    let items = list
                        .as_seq()
                        .unwrap_or_else(|| panic!("{file}: `{name}`: `{key}` is not a list"));
                    events.extend(items.iter().map(|e| (adsigma::yaml_to_json(e), expected)));
                }
            }
            for (k, _) in c.as_map().unwrap_or_default() {
                let k = k.as_str().unwrap_or("");
                assert!(
                    ["name", "note", "placeholders", "rule", "match", "no_match"].contains(&k),
                    "{file}: `{name}`: unknown key `{k}`"
                );
            }
            assert!(!events.is_empty(), "{file}: `{name}` has no events");
            Case {
                name,
                file: file.clone(),
                rule_text,
                note,
                placeholders,
                events,
            }
        })
        .collect()
}

fn placeholder_map(node: &Node, file: &str) -> HashMap<String, Vec<String>> {
    let entries = node
        .as_map()
        .unwrap_or_else(|| panic!("{file}: `placeholders` is not a mapping"));
    entries
        .iter()
        .map(|(k, v)| {
            let values = match &v.kind {
                NodeKind::Seq(items) => items.iter().map(scalar_text).collect(),
                _ => vec![scalar_text(v)],
            };
            (scalar_text(k), values)
        })
        .collect()
}

fn scalar_text(node: &Node) -> String {
    node.as_scalar()
        .map(|s| s.text.clone())
        .unwrap_or_else(|| panic!("expected a scalar at {}", node.span))
}

/// Totals of the suite: (cases, distinct rule texts, (rule, event) pairs, files).
pub fn totals(cases: &[Case]) -> (usize, usize, usize, usize) {
    let rules: BTreeSet<&str> = cases.iter().map(|c| c.rule_text.as_str()).collect();
    let files: BTreeSet<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    let pairs = cases.iter().map(|c| c.events.len()).sum();
    (cases.len(), rules.len(), pairs, files.len())
}

#[test]
fn case_names_are_unique_and_the_suite_is_large_enough() {
    let cases = load_cases();
    let mut seen = BTreeSet::new();
    let dups: Vec<&str> = cases
        .iter()
        .filter(|c| !seen.insert(c.name.as_str()))
        .map(|c| c.name.as_str())
        .collect();
    assert!(dups.is_empty(), "duplicate case names: {dups:?}");
    let (n, rules, pairs, files) = totals(&cases);
    println!(
        "conformance: {n} cases, {rules} distinct rules, {pairs} (rule, event) pairs, {files} files"
    );
    assert!(pairs >= 320, "only {pairs} (rule, event) pairs");
    assert!(rules >= 150, "only {rules} distinct rules");
}

#[test]
fn reference_evaluator_agrees_with_the_cases() {
    let cases = load_cases();
    let mut failures = Vec::new();
    let mut pairs = 0;
    for case in &cases {
        let rule = match case.parse_rule() {
            Ok(rule) => rule,
            Err(e) => {
                failures.push(format!(
                    "{}: `{}`: the rule does not parse: {e}",
                    case.file, case.name
                ));
                continue;
            }
        };
        for (event, expected) in &case.events {
            pairs += 1;
            let got = crate::reference::matches(&rule, event, &case.placeholders);
            if got != *expected {
                failures.push(format!(
                    "{}: `{}`: event {} should {}match, the reference says {}{}",
                    case.file,
                    case.name,
                    event,
                    if *expected { "" } else { "not " },
                    if got { "match" } else { "no match" },
                    case.note
                        .as_deref()
                        .map(|n| format!(" (note: {n})"))
                        .unwrap_or_default(),
                ));
            }
        }
    }
    let (n, rules, _, files) = totals(&cases);
    println!("conformance: {n} cases, {rules} rules, {pairs} pairs, {files} files");
    assert!(
        failures.is_empty(),
        "{} of {pairs} pairs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(pairs >= 320 && rules >= 150, "{pairs} pairs, {rules} rules");
}
