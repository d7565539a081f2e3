//! A generated rule pack and event: compiling never panics (invalid rules are skipped
//! cleanly), and the event gives the same matches as `serde_json::Value` and as `JsonEvent`,
//! through every evaluation entry point.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: adsigma_fuzz::engine::Case| {
    adsigma_fuzz::engine::check_compile_and_eval(&case)
});
