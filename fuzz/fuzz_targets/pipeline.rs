//! A generated pipeline, rule and event: parsing the pipeline never panics (errors are
//! positioned), it survives to_yaml -> parse, applying it gives positioned errors or a rule
//! that emits, parses back and compiles, and recognising and deriving never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: adsigma_fuzz::pipeline::PipelineCase| {
    adsigma_fuzz::pipeline::check_pipeline(&case)
});
