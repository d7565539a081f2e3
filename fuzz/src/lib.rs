//! The checks behind the fuzz targets, one function per target, and the generator of the
//! structured targets.
//!
//! `fuzz_targets/*.rs` call these. Each module is also included (`#[path]`) by a test that
//! replays `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` under `cargo test` on
//! stable, so the fuzzers and the replays can never check different things:
//!
//! | module | targets | replayed by |
//! |---|---|---|
//! | [`syntax`] | `parse_rule`, `parse_condition` | `crates/adsigma-syntax/tests/fuzz_replay.rs` |
//! | [`engine`] | `compile_and_eval`, `differential`, `json_event` | `tests/hostile.rs` (root package) |
//! | [`ads`] | `ads_import` | `tests/replay.rs` of this crate (`cd fuzz && cargo test`) |
//! | [`pipeline`] | `pipeline` | `tests/replay.rs` of this crate |
//! | [`correlation`] | `correlation` | `tests/replay.rs` of this crate |
//!
//! The structured targets (`compile_and_eval`, `differential`, `pipeline`, `correlation`)
//! read their inputs as choices ([`engine::Draw`]): `arbitrary::Unstructured` in the fuzz
//! targets, [`engine::Bytes`] (which decodes alike) elsewhere.

pub mod ads;
pub mod correlation;
pub mod engine;
pub mod pipeline;
pub mod syntax;

/// The naive reference evaluator of the root package's tests, for `differential`.
#[path = "../../tests/reference/mod.rs"]
mod reference;

use arbitrary::{Arbitrary, Unstructured};

/// The structured targets draw their choices from libFuzzer's bytes through `arbitrary`.
impl engine::Draw for Unstructured<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.choose_index(n).unwrap_or(0)
    }
}

impl<'a> Arbitrary<'a> for engine::Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(engine::generate(u))
    }
}

impl<'a> Arbitrary<'a> for pipeline::PipelineCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(pipeline::generate(u))
    }
}

impl<'a> Arbitrary<'a> for correlation::CorrelationCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(correlation::generate(u))
    }
}
