//! Any bytes as a Markdown ADS report: importing never panics, the model survives
//! render -> import, and its rule skeleton is YAML the rule parser reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| adsigma_fuzz::ads::check_ads_import(data));
