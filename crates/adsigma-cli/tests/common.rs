//! Helpers of the modules added with `test`, `report`, `import`, `coverage` and `schema`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `adsigma ARGS...` in the crate directory (so paths in output are relative to it).
pub fn adsigma(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adsigma"))
        .args(args)
        .current_dir(crate_dir())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("runs adsigma")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 output")
}

/// Compares `actual` with `tests/data/DIR/golden/NAME`; `UPDATE_GOLDEN=1` rewrites the file.
pub fn golden(dir: &str, name: &str, actual: &str) {
    let path = crate_dir()
        .join("tests/data")
        .join(dir)
        .join("golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        actual,
        expected,
        "output differs from {} (UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}
