//! The `adsigma` binary, run from tests: exit codes, and golden files of what people and
//! tools read. Set `UPDATE_GOLDEN=1` to rewrite the golden files after a deliberate change.

mod check;
mod check_layers;
mod common;
mod coverage;
mod import;
mod lint;
mod report;
mod scan;
mod schema;
mod selftest;
