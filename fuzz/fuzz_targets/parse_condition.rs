//! Any bytes as a condition: parsing never panics, ranges stay inside the text, and an
//! expression survives Display -> parse unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| adsigma_fuzz::syntax::check_parse_condition(data));
