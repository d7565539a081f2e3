//! A generated rule pack and event: the compiled engine and the naive reference evaluator
//! (`tests/reference/`) agree on every rule that compiles; any disagreement is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: adsigma_fuzz::engine::Case| {
    adsigma_fuzz::engine::check_differential(&case)
});
