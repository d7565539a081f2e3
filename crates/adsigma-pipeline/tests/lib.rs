//! Tests of adsigma-pipeline: errors with positions, YAML round trip, transformations,
//! recognisers on real events, and rules compiled through pipelines with the engine.

mod derived;
mod errors;
mod events;
mod transform;
mod validity;

use adsigma_syntax::{Document, FileId, Limits, Rule, parse_str};
use std::path::PathBuf;

/// `../shared` beside the repository, when present. When it is absent the caller's test is
/// skipped with a message, unless `ADSIGMA_REQUIRE_SHARED` is set (CI), which makes it fail.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("events").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("ADSIGMA_REQUIRE_SHARED").is_some() {
        panic!(
            "{} is missing and ADSIGMA_REQUIRE_SHARED is set",
            dir.display()
        );
    }
    eprintln!("skipped: {} is absent", dir.display());
    None
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every rule of a YAML text (panics on errors: test inputs are valid).
pub fn rules(text: &str) -> Vec<Rule> {
    let parsed = parse_str(text, FileId(0), &Limits::default());
    assert!(
        !parsed.has_errors(),
        "{:?}",
        parsed
            .diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    );
    parsed
        .documents
        .into_iter()
        .filter_map(|d| match d {
            Document::Rule(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// The one rule of a YAML text.
pub fn rule(text: &str) -> Rule {
    rules(text).remove(0)
}

/// Whether `rule` matches `event` once compiled by the engine.
pub fn fires(rule: &Rule, event: &dyn adsigma_engine::Event) -> bool {
    let (program, diags) =
        adsigma_engine::compile([rule], &adsigma_engine::EngineConfig::default());
    assert!(diags.is_empty(), "{diags:?}");
    let mut out = Vec::new();
    program.matching_rules(event, None, &mut adsigma_engine::Scratch::new(), &mut out);
    !out.is_empty()
}
