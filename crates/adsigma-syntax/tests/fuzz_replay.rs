//! Replays the fuzz seeds and every saved fuzz crash (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`) through the fuzz targets' own checks, on stable and without
//! libFuzzer, like regex's `tests/regression_fuzz.rs`.

// The very checks the fuzz targets run: the file is shared, not copied, so the two cannot
// drift, and this crate does not depend on the fuzz crate.
#[path = "../../../fuzz/src/syntax.rs"]
mod checks;

use adsigma_syntax::{Document, FileId, Limits, parse_str};
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/src/files.rs"]
mod files;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    files::inputs(&fuzz_dir(), kind, target)
}

fn replay(target: &str, check: fn(&[u8])) {
    files::replay(&fuzz_dir(), target, check)
}

#[test]
fn parse_rule_inputs() {
    replay("parse_rule", checks::check_parse_rule);
}

#[test]
fn parse_condition_inputs() {
    replay("parse_condition", checks::check_parse_condition);
}

/// The rule seeds are worth fuzzing from: between them they parse to every kind of document.
#[test]
fn rule_seeds_cover_every_document_kind() {
    let (mut rules, mut correlations, mut filters) = (0, 0, 0);
    for path in inputs("seeds", "parse_rule") {
        let text = std::fs::read_to_string(&path).expect("seeds are UTF-8");
        for doc in parse_str(&text, FileId(0), &Limits::default()).documents {
            match doc {
                Document::Rule(_) => rules += 1,
                Document::Correlation(_) => correlations += 1,
                Document::Filter(_) => filters += 1,
            }
        }
    }
    assert!(
        rules >= 10 && correlations >= 3 && filters >= 1,
        "seeds parse to {rules} rules, {correlations} correlations, {filters} filters"
    );
}
