//! Integration tests of the `adsigma` facade (one test binary, modules per topic).

mod corpus;
mod differential;
mod engine;
mod hostile;
mod shipped_rules;

mod conformance;
mod reference;

use std::path::PathBuf;

/// `../shared` beside the repository, when present. When it is absent the caller's test is
/// skipped with a message, unless `ADSIGMA_REQUIRE_SHARED` is set (CI), which makes it fail.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("corpus/sigma").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("ADSIGMA_REQUIRE_SHARED").is_some() {
        panic!(
            "{} is missing and ADSIGMA_REQUIRE_SHARED is set",
            dir.display()
        );
    }
    eprintln!("skipped: {} is absent", dir.display());
    None
}

/// Every regular file under `dir`, recursively, sorted.
pub fn yaml_or_json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "json" || x == "jsonl" || x == "log")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
