//! Tests of adsigma-correlation.

mod common;
mod containers;
mod filters;
mod fuzz_found;
mod reference;
mod semantics;
mod spec_examples;
