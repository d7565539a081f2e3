//! The checks of the `parse_rule` and `parse_condition` targets.
//!
//! `crates/adsigma-syntax/tests/fuzz_replay.rs` includes this very file (`#[path]`) to replay
//! `fuzz/seeds/` and `fuzz/regressions/` of these targets under `cargo test` on stable, so
//! the fuzzers and the replay can never check different things. Keep it free of anything but
//! `std` and `adsigma_syntax`.

use adsigma_syntax::condition::{Expr, parse_condition};
use adsigma_syntax::yaml::{load_fast, load_saphyr};
use adsigma_syntax::{Document, FileId, Limits, parse_str};

/// Depth bound of the `parse_condition` target.
pub const CONDITION_DEPTH: usize = 64;

/// Limits small enough that fuzzed inputs reach every limit check.
pub fn small_limits() -> Limits {
    Limits {
        max_file_size: 4096,
        max_yaml_depth: 6,
        max_alias_nodes: 32,
        max_yaml_nodes: 256,
        max_condition_depth: 4,
        max_identifiers: 8,
        max_values: 32,
    }
}

/// `parse_rule`: bytes that are UTF-8 parse without panicking under the default and the
/// small limits; every diagnostic span lies inside the text, on character boundaries; every
/// condition of a parsed rule or filter survives Display -> parse unchanged; the fast YAML
/// loader declines or builds exactly what the saphyr event path builds.
pub fn check_parse_rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for limits in [Limits::default(), small_limits()] {
        check_yaml_fast(text, &limits);
        let parsed = parse_str(text, FileId(0), &limits);
        for d in &parsed.diagnostics {
            for label in std::iter::once(&d.primary).chain(&d.labels) {
                let r = label.span.range();
                assert!(
                    text.get(r.clone()).is_some(),
                    "diagnostic {} `{}` has span {r:?}, not a slice of the {}-byte text",
                    d.code,
                    d.message,
                    text.len()
                );
            }
        }
        for doc in &parsed.documents {
            let detection = match doc {
                Document::Rule(r) => &r.detection,
                Document::Filter(f) => &f.detection,
                Document::Correlation(_) => continue,
            };
            for c in &detection.conditions {
                check_ranges(&c.expr, &c.text.value);
                check_roundtrip(&c.expr, limits.max_condition_depth);
            }
        }
    }
}

/// The fast YAML loader (`yaml::load_fast`, which `yaml::load` tries first) either declines
/// or returns the very trees of the saphyr event path (`yaml::load_saphyr`), spans included,
/// and only where that path reports no problem.
pub fn check_yaml_fast(text: &str, limits: &Limits) {
    let Some(fast) = load_fast(text, FileId(0), limits) else {
        return;
    };
    let mut diags = Vec::new();
    let slow = load_saphyr(text, FileId(0), limits, &mut diags);
    assert!(
        diags.is_empty(),
        "the fast YAML loader returned trees where the saphyr path reports {diags:?}"
    );
    assert_eq!(
        fast, slow,
        "the fast YAML loader disagrees with the saphyr path"
    );
}

/// `parse_condition`: bytes that are UTF-8 parse as a condition (depth 64) without
/// panicking; ranges of the expression or of the error lie inside the text; an expression
/// survives Display -> parse unchanged.
pub fn check_parse_condition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_condition(text, CONDITION_DEPTH) {
        Ok(e) => {
            check_ranges(&e, text);
            check_roundtrip(&e, CONDITION_DEPTH);
        }
        Err(err) => {
            let r = err.range.start as usize..err.range.end as usize;
            assert!(
                text.get(r.clone()).is_some(),
                "error `{err}` has range {r:?}, not a slice of {text:?}"
            );
        }
    }
}

/// Every sub-expression's range is a slice of the condition text.
fn check_ranges(e: &Expr, text: &str) {
    e.walk(&mut |x| {
        let r = x.range.start as usize..x.range.end as usize;
        assert!(
            text.get(r.clone()).is_some(),
            "expression {x} has range {r:?}, not a slice of {text:?}"
        );
    });
}

/// Display -> parse gives an equal expression (within the same depth bound).
fn check_roundtrip(e: &Expr, max_depth: usize) {
    let shown = e.to_string();
    match parse_condition(&shown, max_depth) {
        Ok(back) => assert_eq!(&back, e, "Display gave {shown:?}, which parses differently"),
        Err(err) => panic!("Display gave {shown:?}, which does not parse: {err}"),
    }
}
