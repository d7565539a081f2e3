//! Generated rules, correlations and a timestamped event stream: building the set never
//! panics (errors are positioned), observing and flushing never panic, state stays within
//! tiny caps, matches keep their window invariants, and a snapshot -> JSON -> restore at a
//! random point gives the same matches as an uninterrupted run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: adsigma_fuzz::correlation::CorrelationCase| {
    adsigma_fuzz::correlation::check_correlation(&case)
});
