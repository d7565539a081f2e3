//! Tests of `adsigma-ads` (one test binary, modules per topic).
//!
//! The seeds and the example rule are embedded (copies in `tests/data/seeds/`, the example in
//! the repository's `rules/examples/`), so only `shared` needs `../shared`.

mod catalogue;
mod coverage;
mod render;
mod roundtrip;
mod rules;
mod seeds;
mod shared;
mod skeleton;

use adsigma_syntax::{Document, FileId, Limits, Rule, parse_str};
use std::path::PathBuf;

/// The five seed reports of `../shared/seeds`, embedded: (file stem, text).
pub const SEEDS: [(&str, &str); 5] = [
    (
        "000_14b3a0ef77a31847",
        include_str!("data/seeds/000_14b3a0ef77a31847.txt"),
    ),
    (
        "001_6ed8b4bb4481a73e",
        include_str!("data/seeds/001_6ed8b4bb4481a73e.txt"),
    ),
    (
        "002_f9594e4b52e449fe",
        include_str!("data/seeds/002_f9594e4b52e449fe.txt"),
    ),
    (
        "003_b00b0d13183bbdd8",
        include_str!("data/seeds/003_b00b0d13183bbdd8.txt"),
    ),
    (
        "004_b766cab53908f53f",
        include_str!("data/seeds/004_b766cab53908f53f.txt"),
    ),
];

/// The format's example rule (`rules/examples/rule-with-ads.yml` in this repository).
pub const EXAMPLE_RULE: &str = include_str!("../../../rules/examples/rule-with-ads.yml");

/// Parses one rule; panics with the diagnostics when it does not parse.
pub fn rule(text: &str) -> Rule {
    let parsed = parse_str(text, FileId(0), &Limits::default());
    assert!(
        !parsed.has_errors(),
        "rule does not parse: {:#?}",
        parsed.diagnostics
    );
    match parsed.documents.into_iter().next() {
        Some(Document::Rule(r)) => r,
        other => panic!("not a rule: {other:?}"),
    }
}

/// `../shared` beside the repository, when present. When it is absent the caller's test is
/// skipped with a message, unless `ADSIGMA_REQUIRE_SHARED` is set (CI), which makes it fail.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("attack").is_dir() {
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

/// The codes of a list of diagnostics, e.g. `["A107", "A109"]`.
pub fn codes(diags: &[adsigma_syntax::Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.code).collect()
}
