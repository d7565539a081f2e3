//! Any bytes as an event: `JsonEvent`'s own reader agrees with its serde_json path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| adsigma_fuzz::engine::check_json_event(data));
