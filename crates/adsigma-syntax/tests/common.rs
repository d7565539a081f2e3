//! Helpers shared by the test modules.

use std::path::PathBuf;

/// `../shared` beside the repository, when present. When it is absent the caller's test is
/// skipped with a message, unless `ADSIGMA_REQUIRE_SHARED` is set (CI), which makes it fail.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
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

/// Every `.yml` file under `dir`, sorted.
pub fn yaml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Debug output with spans, byte ranges and quoting flags removed: two documents with equal
/// normalised Debug mean the same thing. One pass over the text.
pub fn without_spans(debug: &str) -> String {
    let b = debug.as_bytes();
    let mut out = String::with_capacity(debug.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if !debug.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let tail = &debug[i..];
        let skip_to = if tail.starts_with("Span {") {
            // To the matching closing brace.
            let mut depth = 0;
            let mut end = tail.len();
            for (k, c) in tail.bytes().enumerate() {
                match c {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            Some(end)
        } else if tail.starts_with("range: ") || tail.starts_with("quoted: ") {
            Some(tail.find([',', '}', '\n']).unwrap_or(tail.len()))
        } else {
            None
        };
        match skip_to {
            Some(n) => {
                out.push_str(&debug[copied..i]);
                out.push('_');
                i += n;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&debug[copied..]);
    out
}
