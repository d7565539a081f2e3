//! The input files of the fuzz directory, shared by every replay: `fuzz/tests/replay.rs`,
//! `crates/adsigma-syntax/tests/fuzz_replay.rs` and the root `tests/hostile.rs` include this
//! very file (`#[path]`). Only `std`.

use std::path::{Path, PathBuf};

/// The files of `<fuzz_dir>/<kind>/<target>/` (`kind` is `seeds` or `regressions`), sorted,
/// READMEs left out; none when the folder does not exist.
pub fn inputs(fuzz_dir: &Path, kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir.join(kind).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Runs `check` on every seed and saved crash of `target` and fails naming every file whose
/// check panics; the seed folder must not be empty.
pub fn replay(fuzz_dir: &Path, target: &str, check: fn(&[u8])) {
    let seeds = inputs(fuzz_dir, "seeds", target);
    assert!(!seeds.is_empty(), "fuzz/seeds/{target}/ has no inputs");
    let mut failed = Vec::new();
    for path in seeds.iter().chain(&inputs(fuzz_dir, "regressions", target)) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target} checks fail on {failed:#?}");
}
