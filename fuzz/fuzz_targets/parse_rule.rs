//! Any bytes as a rule file: parsing never panics, under default and under small limits;
//! every condition of every parsed rule and filter survives Display -> parse unchanged; the
//! fast YAML loader declines or builds exactly the saphyr event path's trees.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| adsigma_fuzz::syntax::check_parse_rule(data));
