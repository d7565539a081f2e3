//! Broken-rule fixtures: every file in `tests/fixtures/broken/` is a Sigma file with known
//! problems, and the comment lines at its top say which diagnostics it must produce.
//!
//! # Header format
//!
//! The header is the run of lines starting with `#` at the top of the file (after a byte
//! order mark, if any). Two directives may appear in it, one per line:
//!
//! ```text
//! # expect: C102 9:22          (a diagnostic with code C102 whose primary span starts at
//!                               line 9, column 22; text after the position is ignored)
//! # limits: max_yaml_depth=4   (sets fields of `adsigma_syntax::Limits` for this fixture;
//!                               several may be given, separated by commas or spaces)
//! ```
//!
//! Line and column are 1-based, the column counts characters, and both refer to the file as
//! a whole, header included. Other header lines are free text describing the fixture; a line
//! that looks like an unknown directive (`# word: ...`) is rejected, so that a misspelt
//! `expect` cannot silently turn an expectation off.
//!
//! # What is checked
//!
//! For each fixture, read with [`read_source`] (so an invalid-UTF-8 file reports `Y106` and
//! an oversized one `Y102`) and parsed with [`parse_str`]:
//!
//! 1. every expected (code, line, column) is among the diagnostics (warnings included);
//!    each expectation matches one diagnostic, so listing a line twice asks for two;
//! 2. no error-severity diagnostic appears that the header does not list (unlisted warnings
//!    and infos are allowed);
//! 3. the header lists at least one expectation.
//!
//! All failures of all fixtures are collected and reported in one panic message. Across the
//! whole directory, every error-severity code of [`codes::ALL`] must be expected by at least
//! one fixture, except those in [`UNREACHABLE_FROM_FIXTURES`].

use adsigma_syntax::{Diagnostic, FileId, Limits, codes, parse_str, read_source};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Fewest fixtures the directory must hold.
const MIN_FIXTURES: usize = 40;

/// Error codes that no fixture file can trigger, with the reason. Each is either tested
/// another way or named here so that the gap is visible; once a fixture covers one, the
/// test fails until it is removed from this list.
const UNREACHABLE_FROM_FIXTURES: &[(&str, &str)] = &[(
    "Y108",
    "unreadable_file: a fixture is a readable file by definition; \
         `unreadable_file_is_y108` calls read_source on a missing path instead",
)];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

/// One expected diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Expect {
    code: String,
    line: u32,
    column: u32,
}

/// What a fixture's header says.
#[derive(Debug, Default)]
struct Header {
    expects: Vec<Expect>,
    limits: Limits,
}

fn parse_position(text: &str) -> Option<(u32, u32)> {
    let (line, column) = text.split_once(':')?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

fn set_limit(limits: &mut Limits, name: &str, value: usize) -> Result<(), String> {
    let field = match name {
        "max_file_size" => &mut limits.max_file_size,
        "max_yaml_depth" => &mut limits.max_yaml_depth,
        "max_alias_nodes" => &mut limits.max_alias_nodes,
        "max_yaml_nodes" => &mut limits.max_yaml_nodes,
        "max_condition_depth" => &mut limits.max_condition_depth,
        "max_identifiers" => &mut limits.max_identifiers,
        "max_values" => &mut limits.max_values,
        _ => return Err(format!("unknown limit `{name}`")),
    };
    *field = value;
    Ok(())
}

/// Reads the header of a fixture's text (decoded lossily, so that a fixture with invalid
/// UTF-8 in its body still has a readable header).
fn parse_header(text: &str) -> Result<Header, String> {
    let mut header = Header::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (n, line) in text.lines().enumerate() {
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        let directive = comment
            .split_once(':')
            .filter(|(word, _)| {
                !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
            .map(|(word, rest)| (word, rest.trim()));
        match directive {
            Some(("expect", rest)) => {
                let mut words = rest.split_whitespace();
                let code = words.next().unwrap_or("");
                if !codes::ALL.iter().any(|c| c.code == code) {
                    return Err(format!("line {}: unknown code `{code}`", n + 1));
                }
                let (line, column) = words.next().and_then(parse_position).ok_or_else(|| {
                    format!("line {}: expected `# expect: CODE LINE:COLUMN`", n + 1)
                })?;
                header.expects.push(Expect {
                    code: code.to_owned(),
                    line,
                    column,
                });
            }
            Some(("limits", rest)) => {
                for setting in rest.split([',', ' ']).filter(|s| !s.is_empty()) {
                    let (name, value) = setting
                        .split_once('=')
                        .and_then(|(k, v)| Some((k, v.parse::<usize>().ok()?)))
                        .ok_or_else(|| {
                            format!("line {}: expected `NAME=NUMBER`, found `{setting}`", n + 1)
                        })?;
                    set_limit(&mut header.limits, name, value)
                        .map_err(|e| format!("line {}: {e}", n + 1))?;
                }
            }
            Some((word, _)) => {
                return Err(format!(
                    "line {}: unknown directive `{word}:` (expected `expect:` or `limits:`)",
                    n + 1
                ));
            }
            None => {}
        }
    }
    Ok(header)
}

fn describe(d: &Diagnostic) -> String {
    let start = d.primary.span.start;
    format!(
        "{} {} {}:{} [{}] {}",
        d.code.code, d.code.name, start.line, start.column, d.severity, d.message
    )
}

/// Runs one fixture; returns the expectations it met, or a description of what went wrong.
fn run_fixture(path: &Path) -> Result<Vec<Expect>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let header = parse_header(&String::from_utf8_lossy(&bytes))?;
    if header.expects.is_empty() {
        return Err("the header lists no `# expect:` line".to_owned());
    }
    let limits = header.limits.clone();
    let diagnostics = match read_source(path, FileId(0), &limits) {
        Err(d) => vec![*d],
        Ok(text) => {
            let parsed = std::panic::catch_unwind(|| parse_str(&text, FileId(0), &limits));
            match parsed {
                Ok(parsed) => parsed.diagnostics,
                Err(_) => return Err("parse_str panicked".to_owned()),
            }
        }
    };
    let actual: Vec<Expect> = diagnostics
        .iter()
        .map(|d| Expect {
            code: d.code.code.to_owned(),
            line: d.primary.span.start.line,
            column: d.primary.span.start.column,
        })
        .collect();
    // Each expectation consumes one diagnostic, so an expectation listed twice needs two
    // diagnostics, and an error reported twice at one place needs to be listed twice.
    let mut used = vec![false; actual.len()];
    let mut problems = String::new();
    for e in &header.expects {
        match (0..actual.len()).find(|&i| !used[i] && actual[i] == *e) {
            Some(i) => used[i] = true,
            None => {
                let _ = writeln!(problems, "  missing:    {} {}:{}", e.code, e.line, e.column);
            }
        }
    }
    for (d, used) in diagnostics.iter().zip(&used) {
        if d.is_error() && !used {
            let _ = writeln!(problems, "  unexpected: {}", describe(d));
        }
    }
    if problems.is_empty() {
        return Ok(header.expects);
    }
    let _ = writeln!(problems, "  actual diagnostics:");
    if diagnostics.is_empty() {
        let _ = writeln!(problems, "    (none)");
    }
    for d in &diagnostics {
        let _ = writeln!(problems, "    {}", describe(d));
    }
    Err(problems)
}

#[test]
fn broken_fixtures_report_expected_diagnostics() {
    let dir = fixture_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    paths.sort();

    let mut failures = String::new();
    let mut covered = BTreeSet::new();
    for path in &paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        match run_fixture(path) {
            Ok(met) => covered.extend(met.into_iter().map(|e| e.code)),
            Err(problems) => {
                let _ = writeln!(failures, "{name}:");
                for line in problems.lines() {
                    let line = if line.starts_with(' ') {
                        line.to_owned()
                    } else {
                        format!("  {line}")
                    };
                    let _ = writeln!(failures, "{line}");
                }
            }
        }
    }

    if paths.len() < MIN_FIXTURES {
        let _ = writeln!(
            failures,
            "only {} fixtures in {}; at least {MIN_FIXTURES} are expected",
            paths.len(),
            dir.display()
        );
    }
    let uncovered: Vec<String> = codes::ALL
        .iter()
        .filter(|c| c.severity == adsigma_syntax::Severity::Error)
        .filter(|c| !covered.contains(c.code))
        .filter(|c| !UNREACHABLE_FROM_FIXTURES.iter().any(|(u, _)| *u == c.code))
        .map(ToString::to_string)
        .collect();
    if !uncovered.is_empty() {
        let _ = writeln!(
            failures,
            "error codes no passing fixture covers: {}",
            uncovered.join(", ")
        );
    }
    let stale: Vec<&str> = UNREACHABLE_FROM_FIXTURES
        .iter()
        .map(|(u, _)| *u)
        .filter(|u| covered.contains(*u))
        .collect();
    if !stale.is_empty() {
        let _ = writeln!(
            failures,
            "codes listed in UNREACHABLE_FROM_FIXTURES that a fixture covers: {}",
            stale.join(", ")
        );
    }
    assert!(
        failures.is_empty(),
        "broken-rule fixtures failed ({} fixtures):\n{failures}",
        paths.len()
    );
}

#[test]
fn unreadable_file_is_y108() {
    let path = fixture_dir().join("no-such-fixture.yml");
    let err = read_source(&path, FileId(0), &Limits::default())
        .expect_err("reading a missing file must fail");
    assert_eq!(err.code, codes::UNREADABLE_FILE, "{}", describe(&err));
    assert!(err.is_error());
    assert_eq!(
        (err.primary.span.start.line, err.primary.span.start.column),
        (1, 1)
    );
}

/// A file whose size says nothing of its length (`/dev/zero` says 0 and never ends) is read
/// only up to the limit, then refused as too large.
#[test]
fn an_endless_file_is_read_only_to_the_limit() {
    let path = Path::new("/dev/zero");
    if !path.exists() {
        return;
    }
    let limits = Limits {
        max_file_size: 4096,
        ..Limits::default()
    };
    let err = read_source(path, FileId(0), &limits).expect_err("an endless file must fail");
    assert_eq!(err.code, codes::FILE_TOO_LARGE, "{}", describe(&err));
}

/// `usize::MAX` as the limit means no limit (the read bound must not overflow).
#[test]
fn an_unlimited_file_size_reads_the_file() {
    let dir = std::env::temp_dir().join(format!("adsigma-unlimited-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.yml");
    std::fs::write(&path, "title: t\n").unwrap();
    let limits = Limits {
        max_file_size: usize::MAX,
        ..Limits::default()
    };
    let text = read_source(&path, FileId(0), &limits);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(text.map_err(|d| describe(&d)), Ok("title: t\n".to_owned()));
}

#[test]
fn unreachable_list_names_real_error_codes() {
    for (code, why) in UNREACHABLE_FROM_FIXTURES {
        let known = codes::ALL
            .iter()
            .find(|c| c.code == *code)
            .unwrap_or_else(|| panic!("{code} is not in codes::ALL"));
        assert!(
            known.severity == adsigma_syntax::Severity::Error,
            "{code} is not an error"
        );
        assert!(!why.is_empty());
    }
}
