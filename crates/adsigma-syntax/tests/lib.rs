//! Integration tests of adsigma-syntax (one test binary, modules per topic).

mod collections;
mod common;
mod conditions;
mod fixtures;
mod fuzz_replay;
mod roundtrip;
mod yaml_fast;
