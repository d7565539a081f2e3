//! `adsigma scan`: every input form and its positions, bad events, exit codes, threads, rule
//! selection, output options, and a golden file of the JSON Lines output.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const RULES: &str = "tests/data/scan/rules";
const TOKEN: &str = "0d8e5c2a-3b71-4e0f-9c55-6a1f2e7d9b10";
const SHELL: &str = "6b3f4a90-1c2d-4e5f-8a7b-9c0d1e2f3a4b";
const OLD: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const NETCAT: &str = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
const EXEC: &str = "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b";
const ADMINS: &str = "2f3e4d5c-6b7a-4988-b7c6-d5e4f3a2b1c0";

/// Matches the token rule (and the deprecated "any cat" one).
const EV_TOKEN: &str = r#"{"Image":"/bin/cat","CommandLine":"cat /var/run/secrets/kubernetes.io/serviceaccount/token","ParentImage":"/bin/sh","User":"www-data"}"#;
/// Matches the shell rule.
const EV_SHELL: &str =
    r#"{"Image":"/bin/bash","CommandLine":"bash -i","ParentImage":"/usr/bin/runc","User":"root"}"#;
/// Matches nothing.
const EV_BENIGN: &str =
    r#"{"Image":"/usr/bin/ls","CommandLine":"ls -la","ParentImage":"/bin/sh","User":"app"}"#;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn adsigma_with(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adsigma"))
        .args(args)
        .current_dir(crate_dir())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs adsigma");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // Written from a thread: a large input must not block while output piles up.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("adsigma finishes")
}

/// `scan --rules RULES ARGS...`.
fn scan(args: &[&str]) -> Output {
    let mut all = vec!["scan", "--rules", RULES];
    all.extend_from_slice(args);
    adsigma_with(&all, None)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 errors")
}

/// The match objects, each checked against the contract's shape.
fn matches(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert_eq!(v["schema"], "adsigma.match/1", "{l}");
            assert_eq!(v["type"], "rule", "{l}");
            for key in ["id", "title", "level", "status", "tags"] {
                assert!(v["rule"].get(key).is_some(), "rule.{key} in {l}");
            }
            assert!(v["source"]["file"].is_string(), "{l}");
            assert!(v["source"]["line"].as_u64().is_some_and(|n| n >= 1), "{l}");
            assert!(
                v["matched"].as_array().is_some_and(|m| !m.is_empty()),
                "{l}"
            );
            v
        })
        .collect()
}

/// (file, line, rule id) of every match.
fn hits(o: &Output) -> Vec<(String, u64, String)> {
    matches(o)
        .iter()
        .map(|v| {
            (
                v["source"]["file"].as_str().unwrap().to_owned(),
                v["source"]["line"].as_u64().unwrap(),
                v["rule"]["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// (line, rule id) of every match.
fn lines(o: &Output) -> Vec<(u64, String)> {
    hits(o).into_iter().map(|(_, l, id)| (l, id)).collect()
}

fn hit(line: u64, id: &str) -> (u64, String) {
    (line, id.to_owned())
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
}

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        Dir {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A JSON Lines text: benign, token, blank, shell.
fn jsonl() -> String {
    format!("{EV_BENIGN}\n{EV_TOKEN}\n\n{EV_SHELL}\n")
}

/// Pretty-printed, like `jq .` writes it.
fn pretty(event: &str) -> String {
    let v: Value = serde_json::from_str(event).unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

// ---- input forms and positions ----

#[test]
fn json_lines_positions() {
    let d = Dir::new();
    let f = d.write("events.jsonl", jsonl());
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(
        hits(&o),
        [
            (f.clone(), 2, TOKEN.to_owned()),
            (f.clone(), 4, SHELL.to_owned())
        ]
    );
}

#[test]
fn array_positions_are_where_each_event_starts() {
    let d = Dir::new();
    // Compact array on one line.
    let f = d.write(
        "one-line.json",
        format!("[{EV_BENIGN},{EV_TOKEN}, {EV_SHELL}]"),
    );
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(1, TOKEN), hit(1, SHELL)]);
    // Pretty-printed array: each element's opening brace.
    let text = serde_json::to_string_pretty(&Value::Array(
        [EV_BENIGN, EV_TOKEN, EV_SHELL]
            .iter()
            .map(|e| serde_json::from_str(e).unwrap())
            .collect(),
    ))
    .unwrap();
    let f = d.write("pretty.json", &text);
    let o = scan(&[&f]);
    ok(&o);
    // Each event has 4 fields: `{`, 4 lines, `}`; the array opens on line 1.
    assert_eq!(lines(&o), [hit(8, TOKEN), hit(14, SHELL)]);
    assert_eq!(text.lines().nth(7).unwrap().trim(), "{");
}

#[test]
fn pretty_documents_positions() {
    let d = Dir::new();
    let f = d.write("one.json", format!("\n\n{}\n", pretty(EV_TOKEN)));
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(3, TOKEN)]);
    // Several documents one after the other (as `jq .` prints a stream).
    let f = d.write(
        "stream.json",
        format!(
            "{}\n{}\n{}\n",
            pretty(EV_BENIGN),
            pretty(EV_SHELL),
            pretty(EV_TOKEN)
        ),
    );
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(7, SHELL), hit(13, TOKEN)]);
    // One compact document without a final newline.
    let f = d.write("compact.json", EV_SHELL);
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(1, SHELL)]);
}

#[test]
fn compressed_inputs_give_the_same_matches() {
    let d = Dir::new();
    let plain = jsonl();
    let gz = d.write("events.jsonl.gz", gzip(plain.as_bytes()));
    let zst = d.write("events.jsonl.zst", zstd(plain.as_bytes()));
    let pretty_array = format!("[\n{},\n{}\n]\n", pretty(EV_BENIGN), pretty(EV_TOKEN));
    let arr_gz = d.write("array.json.gz", gzip(pretty_array.as_bytes()));
    let arr_zst = d.write("array.json.zst", zstd(pretty_array.as_bytes()));
    for (f, want) in [
        (&gz, vec![hit(2, TOKEN), hit(4, SHELL)]),
        (&zst, vec![hit(2, TOKEN), hit(4, SHELL)]),
        (&arr_gz, vec![hit(8, TOKEN)]),
        (&arr_zst, vec![hit(8, TOKEN)]),
    ] {
        let o = scan(&[f]);
        ok(&o);
        assert_eq!(lines(&o), want, "{f}");
        assert!(hits(&o).iter().all(|(file, _, _)| file == f));
    }
    // Two gzip members and two zstd frames, concatenated, read as one stream.
    let mut two = gzip(format!("{EV_TOKEN}\n").as_bytes());
    two.extend(gzip(format!("{EV_SHELL}\n").as_bytes()));
    let f = d.write("two.jsonl.gz", two);
    assert_eq!(lines(&scan(&[&f])), [hit(1, TOKEN), hit(2, SHELL)]);
    let mut two = zstd(format!("{EV_TOKEN}\n").as_bytes());
    two.extend(zstd(format!("{EV_SHELL}\n").as_bytes()));
    let f = d.write("two.jsonl.zst", two);
    assert_eq!(lines(&scan(&[&f])), [hit(1, TOKEN), hit(2, SHELL)]);
    // Skippable frames (pzstd writes one before each frame) are skipped.
    let skippable = |payload: &[u8]| {
        let mut frame = 0x184D_2A50u32.to_le_bytes().to_vec();
        frame.extend((payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(payload);
        frame
    };
    let mut framed = skippable(b"12345678");
    framed.extend(zstd(format!("{EV_TOKEN}\n").as_bytes()));
    framed.extend(skippable(b""));
    framed.extend(zstd(format!("{EV_SHELL}\n").as_bytes()));
    framed.extend(skippable(b"metadata at the end"));
    let f = d.write("framed.jsonl.zst", framed);
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(1, TOKEN), hit(2, SHELL)]);
}

#[test]
fn standard_input() {
    for args in [
        &["scan", "--rules", RULES][..],
        &["scan", "--rules", RULES, "-"],
    ] {
        let o = adsigma_with(args, Some(jsonl().as_bytes()));
        ok(&o);
        assert_eq!(
            hits(&o),
            [
                ("<stdin>".to_owned(), 2, TOKEN.to_owned()),
                ("<stdin>".to_owned(), 4, SHELL.to_owned())
            ]
        );
    }
    // Compressed standard input is recognised by its magic bytes.
    let o = adsigma_with(
        &["scan", "--rules", RULES, "-"],
        Some(&gzip(jsonl().as_bytes())),
    );
    assert_eq!(lines(&o), [hit(2, TOKEN), hit(4, SHELL)]);
    let o = adsigma_with(
        &["scan", "--rules", RULES],
        Some(&zstd(pretty(EV_SHELL).as_bytes())),
    );
    assert_eq!(lines(&o), [hit(1, SHELL)]);
}

#[test]
fn directories_are_walked_in_path_order() {
    let d = Dir::new();
    d.write("logs/b/2.jsonl", format!("{EV_SHELL}\n"));
    d.write("logs/a.json", format!("[{EV_TOKEN}]"));
    d.write(
        "logs/b/1.ndjson.gz",
        gzip(format!("{EV_TOKEN}\n").as_bytes()),
    );
    d.write("logs/c.log", format!("{EV_BENIGN}\n{EV_SHELL}\n"));
    d.write("logs/README.md", "not events\n");
    d.write("logs/.hidden.jsonl", format!("{EV_TOKEN}\n"));
    let o = scan(&[&d.path("logs")]);
    ok(&o);
    let root = d.path("logs");
    let got: Vec<(String, u64)> = hits(&o)
        .into_iter()
        .map(|(f, l, _)| (f.strip_prefix(&root).unwrap().to_owned(), l))
        .collect();
    assert_eq!(
        got,
        [
            ("/a.json".to_owned(), 1),
            ("/b/1.ndjson.gz".to_owned(), 1),
            ("/b/2.jsonl".to_owned(), 1),
            ("/c.log".to_owned(), 2)
        ]
    );
}

// ---- bad events ----

/// Bad events of every kind between good ones: each reported as FILE:LINE: error: ..., the
/// rest scanned.
#[test]
fn bad_events_are_reported_with_positions_and_skipped() {
    let d = Dir::new();
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
    let mut text = Vec::new();
    for line in [
        EV_TOKEN.as_bytes(),                        // 1
        b"{\"Image\": \"/bin/cat\", \"Comm",        // 2 truncated
        b"{\"Image\": \"/bin/\xff\xfe\"}",          // 3 invalid UTF-8
        b"{\"Image\": \"/bin/\0sh\"}",              // 4 NUL byte
        deep.as_bytes(),                            // 5 too deep
        b"[1, 2, 3]",                               // 6 not an object
        b"\"just a string\"",                       // 7 not an object
        b"42",                                      // 8 not an object
        b"null",                                    // 9 not an object
        EV_SHELL.as_bytes(),                        // 10
        b"{\"a\": 1} trailing",                     // 11 trailing characters
        b"   ",                                     // 12 blank: not an event
        EV_TOKEN.as_bytes(),                        // 13
        b"{\"Image\":\"/bin/cat\",\"CommandLine\"", // 14, last, truncated without newline
    ] {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    text.pop();
    let f = d.write("bad.jsonl", &text);
    let o = scan(&["--stats", &f]);
    ok(&o);
    assert_eq!(
        lines(&o),
        [hit(1, TOKEN), hit(10, SHELL), hit(13, TOKEN)],
        "{}",
        stderr(&o)
    );
    let err = stderr(&o);
    let reported: Vec<u64> = err
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{f}:")))
        .map(|rest| {
            let (n, msg) = rest
                .split_once(": error: ")
                .expect("FILE:LINE: error: MESSAGE");
            assert!(!msg.is_empty());
            n.parse().unwrap()
        })
        .collect();
    assert_eq!(reported, [2, 3, 4, 5, 6, 7, 8, 9, 11, 14], "{err}");
    for (line, needle) in [
        (2, "EOF while parsing"),
        (3, "invalid UTF-8 at column 17"),
        (4, "NUL byte"),
        (5, "nested deeper than 128 levels"),
        (6, "must be a JSON object, not an array"),
        (7, "not a string"),
        (8, "not a number"),
        (9, "not null"),
        (11, "trailing characters"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("{f}:{line}: error: ")) && l.contains(needle)),
            "line {line}: {needle} in {err}"
        );
    }
    assert!(
        err.contains("stats: events=3 matches=3 bad_events=10 "),
        "{err}"
    );
}

/// Events longer than a batch's byte budget (1 MB) but within `--max-line-bytes`: scanned,
/// in JSON Lines and in arrays (a batch holding only part of one used to be handed on empty
/// forever).
#[test]
fn events_longer_than_a_batch_are_scanned() {
    let d = Dir::new();
    let big = EV_SHELL.replacen('{', &format!("{{\"pad\":\"{}\",", "x".repeat(3 << 20)), 1);
    let f = d.write(
        "big.jsonl",
        format!("{EV_TOKEN}\n{big}\n{EV_TOKEN}\n{big}\n"),
    );
    let o = scan(&["--stats", &f]);
    ok(&o);
    assert_eq!(
        lines(&o),
        [hit(1, TOKEN), hit(2, SHELL), hit(3, TOKEN), hit(4, SHELL)]
    );
    assert!(stderr(&o).contains("stats: events=4 "), "{}", stderr(&o));
    let f = d.write("big.json", format!("[{big},\n{EV_TOKEN}]"));
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(1, SHELL), hit(2, TOKEN)]);
    // A 100 MB line under the default limit (16 MB): reported, skipped, the rest scanned.
    let huge = EV_SHELL.replacen('{', &format!("{{\"pad\":\"{}\",", "x".repeat(100 << 20)), 1);
    let f = d.write("huge.jsonl", format!("{huge}\n{EV_TOKEN}\n"));
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(2, TOKEN)]);
    assert!(
        stderr(&o).contains(&format!(
            "{f}:1: error: line is longer than 16777216 bytes (--max-line-bytes); skipped"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn over_long_line_is_skipped_with_bounded_memory() {
    let d = Dir::new();
    let huge = format!(
        "{{\"Image\":\"/bin/cat\",\"pad\":\"{}\"}}",
        "x".repeat(20 << 20)
    );
    let f = d.write(
        "long.jsonl",
        format!("{EV_TOKEN}\n{huge}\n{EV_SHELL}\n{huge}\n{EV_TOKEN}"),
    );
    let o = scan(&["--max-line-bytes", "1M", &f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(1, TOKEN), hit(3, SHELL), hit(5, TOKEN)]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{f}:2: error: line is longer than 1048576 bytes (--max-line-bytes); skipped"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{f}:4: error: line is longer")),
        "{err}"
    );
    // The same limit bounds an event in an array.
    let f = d.write(
        "long.json",
        format!("[\n{EV_TOKEN},\n{huge},\n{EV_SHELL}\n]"),
    );
    let o = scan(&["--max-line-bytes", "1M", &f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(2, TOKEN), hit(4, SHELL)]);
    assert!(
        stderr(&o).contains(&format!("{f}:3: error: event is longer than 1048576 bytes")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_events_in_arrays_and_documents() {
    let d = Dir::new();
    // A broken element in the middle of an array costs only itself.
    let f = d.write(
        "array.json",
        format!("[\n{EV_TOKEN},\n{{\"a\": tru}},\n\"text\",\n{EV_SHELL}\n]\n"),
    );
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(2, TOKEN), hit(5, SHELL)]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{f}:3: error: invalid JSON")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{f}:4: error: an event must be a JSON object")),
        "{err}"
    );
    // A truncated array: the events before the cut are scanned.
    let f = d.write(
        "cut.json",
        format!("[\n{},\n{}", pretty(EV_TOKEN), &pretty(EV_SHELL)[..30]),
    );
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o), [hit(2, TOKEN)]);
    assert!(
        stderr(&o).contains(&format!("{f}:8: error: invalid JSON: EOF while parsing")),
        "{}",
        stderr(&o)
    );
    // A position inside a multi-line event is given as an absolute line.
    let f = d.write(
        "doc.json",
        "{\n  \"Image\": \"/bin/sh\",\n  \"User\" \"root\"\n}\n",
    );
    let o = scan(&[&f]);
    assert!(
        stderr(&o).contains(&format!(
            "{f}:1: error: invalid JSON: expected `:` at line 3, column 10"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn truncated_compressed_files_and_empty_files() {
    let d = Dir::new();
    let mut text = String::new();
    for _ in 0..2000 {
        text.push_str(EV_BENIGN);
        text.push('\n');
    }
    text.push_str(EV_TOKEN);
    text.push('\n');
    let gz = gzip(text.as_bytes());
    let cut_gz = d.write("cut.jsonl.gz", &gz[..gz.len() / 2]);
    let zst = zstd(text.as_bytes());
    let cut_zst = d.write("cut.jsonl.zst", &zst[..zst.len() / 2]);
    let empty = d.write("empty.jsonl", "");
    let blank = d.write("blank.json", "\n  \n");
    let after = d.write("after.jsonl", format!("{EV_SHELL}\n"));
    let o = scan(&["--stats", &cut_gz, &cut_zst, &empty, &blank, &after]);
    ok(&o);
    // The token event was past the cut; the next files are still scanned.
    assert_eq!(hits(&o), [(after.clone(), 1, SHELL.to_owned())]);
    let err = stderr(&o);
    for f in [&cut_gz, &cut_zst] {
        assert!(
            err.lines().any(|l| l.starts_with(&format!("{f}:"))
                && l.contains(": error: cannot read past this point")),
            "{f}: {err}"
        );
    }
    assert!(!err.contains(&empty) && !err.contains(&blank), "{err}");
    assert!(err.contains(" bad_events=2 "), "{err}");
}

#[test]
fn strict_stops_at_the_first_bad_event() {
    let d = Dir::new();
    let f = d.write(
        "events.jsonl",
        format!("{EV_TOKEN}\n{EV_SHELL}\nnot json\n{EV_TOKEN}\n{{\n"),
    );
    for threads in ["1", "3"] {
        let o = scan(&["--strict", "--threads", threads, &f]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(lines(&o), [hit(1, TOKEN), hit(2, SHELL)]);
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{f}:3: error: invalid JSON")),
            "{err}"
        );
        assert!(!err.contains(&format!("{f}:5:")), "{err}");
    }
    // Without --strict: all good events, exit 0.
    let o = scan(&[&f]);
    ok(&o);
    assert_eq!(lines(&o).len(), 3);
}

// ---- exit codes ----

#[test]
fn exit_codes() {
    let d = Dir::new();
    let matching = d.write("m.jsonl", format!("{EV_TOKEN}\n"));
    let quiet = d.write("q.jsonl", format!("{EV_BENIGN}\n"));
    // 0: scanned, with or without matches; 3 only with --fail-on-match and a match.
    ok(&scan(&[&matching]));
    ok(&scan(&["--fail-on-match", &quiet]));
    let o = scan(&["--fail-on-match", &matching]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(lines(&o), [hit(1, TOKEN)]);
    // 1: rules that do not load, a missing rules path, a missing input, an unwritable output.
    for args in [
        vec!["scan", "--rules", "tests/data/scan/broken", &matching],
        vec!["scan", "--rules", "tests/data/scan/no-such-dir", &matching],
        vec![
            "scan",
            "--rules",
            RULES,
            "tests/data/scan/no-such-file.jsonl",
        ],
        vec![
            "scan",
            "--rules",
            RULES,
            "--output",
            "/nonexistent/dir/out",
            &matching,
        ],
    ] {
        let o = adsigma_with(&args, None);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(stderr(&o).contains("error"), "{args:?}");
    }
    let o = adsigma_with(
        &["scan", "--rules", "tests/data/scan/broken", &matching],
        None,
    );
    assert!(
        stderr(&o).contains("broken.yml:10:"),
        "the error names the file and line: {}",
        stderr(&o)
    );
    // 2: bad usage.
    for args in [
        vec!["scan", &matching],
        vec!["scan", "--rules", RULES, "--threads", "0", &matching],
        vec!["scan", "--rules", RULES, "--min-level", "severe", &matching],
        vec![
            "scan",
            "--rules",
            RULES,
            "--status",
            "stable,bogus",
            &matching,
        ],
        vec![
            "scan",
            "--rules",
            RULES,
            "--logsource",
            "os=linux",
            &matching,
        ],
        vec![
            "scan",
            "--rules",
            RULES,
            "--placeholder",
            "novalue",
            &matching,
        ],
        vec![
            "scan",
            "--rules",
            RULES,
            "--max-line-bytes",
            "lots",
            &matching,
        ],
        vec!["scan", "--rules", RULES, "--format", "xml", &matching],
        vec![
            "scan",
            "--rules",
            RULES,
            "--pipeline",
            "no-such-pipeline",
            &matching,
        ],
    ] {
        let o = adsigma_with(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

// ---- threads ----

#[test]
fn output_is_in_input_order_whatever_the_threads() {
    let d = Dir::new();
    let mut text = String::new();
    for i in 0..12_000 {
        let ev = match i % 7 {
            0 => EV_TOKEN,
            3 => EV_SHELL,
            5 if i % 1000 == 5 => "{broken",
            _ => EV_BENIGN,
        };
        text.push_str(ev);
        text.push('\n');
    }
    let a = d.write("a.jsonl", &text);
    let b = d.write(
        "b.json.gz",
        gzip(format!("[{EV_SHELL},{EV_TOKEN}]").as_bytes()),
    );
    let c = d.write("c.jsonl", &text[..text.len() / 3]);
    let run = |threads: &str| scan(&["--threads", threads, &a, &b, &c]);
    let one = run("1");
    ok(&one);
    assert!(lines(&one).len() > 4000);
    for threads in ["2", "4"] {
        let many = run(threads);
        ok(&many);
        assert!(
            one.stdout == many.stdout,
            "--threads {threads}: stdout differs"
        );
        assert_eq!(stderr(&one), stderr(&many), "--threads {threads}");
    }
}

// ---- rule selection ----

fn ids(o: &Output) -> Vec<String> {
    let mut ids: Vec<String> = hits(o).into_iter().map(|(_, _, id)| id).collect();
    ids.sort();
    ids.dedup();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn rule_selection() {
    let f = "tests/data/scan/events.jsonl";
    // Default: stable, test, experimental and rules without a status; not deprecated.
    assert_eq!(
        ids(&scan(&[f])),
        sorted(&[TOKEN, SHELL, NETCAT, EXEC]),
        "default statuses"
    );
    assert_eq!(
        ids(&scan(&["--status", "deprecated", f])),
        sorted(&[OLD, NETCAT])
    );
    assert_eq!(
        ids(&scan(&["--status", "stable,test", f])),
        sorted(&[SHELL, NETCAT, EXEC])
    );
    // A rule without a level counts as informational.
    assert_eq!(
        ids(&scan(&["--min-level", "medium", f])),
        sorted(&[TOKEN, SHELL, EXEC])
    );
    assert_eq!(ids(&scan(&["--min-level", "high", f])), sorted(&[SHELL]));
    assert_eq!(
        ids(&scan(&["--min-level", "informational", f])),
        sorted(&[TOKEN, SHELL, NETCAT, EXEC])
    );
    // Tags: globs, any of them.
    assert_eq!(
        ids(&scan(&["--tag", "attack.t1609", f])),
        sorted(&[SHELL, EXEC])
    );
    assert_eq!(
        ids(&scan(&[
            "--tag",
            "attack.t1552*",
            "--tag",
            "*command-and-*",
            f
        ])),
        sorted(&[TOKEN, NETCAT])
    );
    // Ids, any of them; options combine.
    assert_eq!(
        ids(&scan(&["--id", TOKEN, "--id", &EXEC.to_uppercase(), f])),
        sorted(&[TOKEN, EXEC])
    );
    assert_eq!(
        ids(&scan(&["--id", TOKEN, "--min-level", "high", f])),
        Vec::<String>::new()
    );
    let o = scan(&["--id", "no-such-id", "--stats", f]);
    ok(&o);
    assert!(stderr(&o).contains("--id no-such-id selects no rule"));
    assert!(stderr(&o).contains(" rules=0 "), "{}", stderr(&o));
}

#[test]
fn placeholders() {
    let f = "tests/data/scan/events.jsonl";
    let base = [
        "scan",
        "--rules",
        RULES,
        "--rules",
        "tests/data/scan/placeholder",
    ];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        adsigma_with(&args, None)
    };
    // Unresolved: the rule is skipped with a warning naming it; the others still run.
    let o = with(&["--stats", f]);
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("admins.yml:") && err.contains("%admins%") && err.contains("skipped"),
        "{err}"
    );
    assert!(err.contains(" rules=4 "), "{err}");
    assert!(!ids(&o).contains(&ADMINS.to_owned()));
    // Resolved: it runs.
    let o = with(&[
        "--placeholder",
        "admins=bob",
        "--placeholder",
        "admins=alice",
        f,
    ]);
    ok(&o);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(lines(&o).contains(&hit(10, ADMINS)));
    let o = with(&["--placeholder", "admins=bob", f]);
    assert!(!ids(&o).contains(&ADMINS.to_owned()));
}

// ---- output ----

#[test]
fn golden_json_lines_output() {
    let o = scan(&["tests/data/scan/events.jsonl"]);
    ok(&o);
    golden("events.jsonl", &stdout(&o));
    assert_eq!(
        stderr(&o),
        "tests/data/scan/events.jsonl:8: error: invalid JSON: EOF while parsing a value at column 98\n"
    );
    // Field order is the contract's.
    let first = stdout(&o).lines().next().unwrap().to_owned();
    let order = [
        "\"schema\"",
        "\"type\"",
        "\"rule\"",
        "\"id\"",
        "\"title\"",
        "\"level\"",
        "\"status\"",
        "\"tags\"",
        "\"source\"",
        "\"matched\"",
        "\"response\"",
    ];
    let at: Vec<usize> = order.iter().map(|k| first.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");
}

#[test]
fn human_format() {
    let o = scan(&["--format", "human", "tests/data/scan/events.jsonl"]);
    ok(&o);
    golden("events.human", &stdout(&o));
}

fn golden(name: &str, actual: &str) {
    let path = crate_dir().join("tests/data/scan/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
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

#[test]
fn response_and_logsource_only_when_known() {
    let f = "tests/data/scan/events.jsonl";
    let o = scan(&[f]);
    for v in matches(&o) {
        assert!(v.get("logsource").is_none(), "{v}");
        let has_response = v["rule"]["id"] == TOKEN;
        assert_eq!(v.get("response").is_some(), has_response, "{v}");
        assert!(v.get("event").is_none());
    }
    let token = &matches(&o)[0];
    assert_eq!(
        token["response"],
        serde_json::json!([
            "Identify the pod and its service account",
            "Rotate the token"
        ])
    );
    assert_eq!(
        token["matched"],
        serde_json::json!([
            {"identifier": "token", "field": "CommandLine",
             "value": "cat /var/run/secrets/kubernetes.io/serviceaccount/token"},
            {"identifier": "reader", "field": "Image", "value": "/bin/cat"}
        ])
    );
    // --logsource routes every event: the Kubernetes rule is out for Linux events and the
    // matches say which logsource they were evaluated as.
    let o = scan(&["--logsource", "product=linux,category=process_creation", f]);
    ok(&o);
    assert_eq!(ids(&o), sorted(&[TOKEN, SHELL, NETCAT]));
    for v in matches(&o) {
        assert_eq!(
            v["logsource"],
            serde_json::json!({"product": "linux", "category": "process_creation"})
        );
    }
    let o = scan(&["--logsource", "service=audit,product=kubernetes", f]);
    assert_eq!(lines(&o), [hit(9, EXEC)]);
    assert_eq!(
        matches(&o)[0]["logsource"],
        serde_json::json!({"product": "kubernetes", "service": "audit"})
    );
}

/// With --logsource only the rules that fit it are compiled: a rule of another logsource
/// that would be skipped for an unresolved placeholder is not even looked at.
#[test]
fn logsource_compiles_only_the_rules_that_fit() {
    let d = Dir::new();
    let rule = |title: &str, product: &str, sel: &str| {
        format!(
            "title: {title}\nstatus: test\nlogsource: {{product: {product}}}\ndetection:\n  sel: {sel}\n  condition: sel\nlevel: low\n"
        )
    };
    let rules = d.write(
        "rules.yml",
        [
            rule("shell", "linux", "{Image|endswith: /sh}"),
            rule("other", "windows", "{Image|expand: '%nowhere%'}"),
        ]
        .join("---\n"),
    );
    let events = d.write("e.jsonl", "{\"Image\": \"/bin/sh\"}\n");
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", "--rules", &rules, "--stats"];
        args.extend_from_slice(extra);
        args.push(&events);
        adsigma_with(&args, None)
    };
    let all = run(&[]);
    ok(&all);
    assert!(stderr(&all).contains("nowhere"), "{}", stderr(&all));
    assert!(stderr(&all).contains(" rules=1 "), "{}", stderr(&all));
    let routed = run(&["--logsource", "product=linux"]);
    ok(&routed);
    assert!(!stderr(&routed).contains("nowhere"), "{}", stderr(&routed));
    assert!(stderr(&routed).contains(" rules=1 "), "{}", stderr(&routed));
    assert_eq!(stdout(&routed).lines().count(), 1);
    let none = run(&["--logsource", "product=macos"]);
    ok(&none);
    assert!(stderr(&none).contains(" rules=0 "), "{}", stderr(&none));
    assert_eq!(stdout(&none), "");
    // The logsource that counts is the one after the pipelines.
    let relabel = d.write(
        "relabel.yml",
        "name: relabel\ntransformations:\n  - type: change_logsource\n    product: tetragon\n",
    );
    let relabelled = run(&["--pipeline", &relabel, "--logsource", "product=tetragon"]);
    ok(&relabelled);
    // Both rules are tetragon's now: the Windows one is looked at (and skipped) too.
    assert!(
        stderr(&relabelled).contains("nowhere"),
        "{}",
        stderr(&relabelled)
    );
    assert!(
        stderr(&relabelled).contains(" rules=1 "),
        "{}",
        stderr(&relabelled)
    );
    assert_eq!(
        stdout(&relabelled).lines().count(),
        1,
        "{}",
        stderr(&relabelled)
    );
}

#[test]
fn include_event_keeps_the_event_as_written() {
    let d = Dir::new();
    let doc = "{\n  \"User\": \"root\",\n  \"Image\": \"/bin/bash\",\n  \"Big\": 12345678901234567890123,\n  \"ParentImage\": \"/usr/bin/runc\",\n  \"Note\": \"a  b\\n\"\n}\n";
    let f = d.write("doc.json", doc);
    let o = scan(&["--include-event", &f]);
    ok(&o);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one line per match: {out}");
    assert!(
        out.trim_end().ends_with(
            r#","event":{"User":"root","Image":"/bin/bash","Big":12345678901234567890123,"ParentImage":"/usr/bin/runc","Note":"a  b\n"}}"#
        ),
        "{out}"
    );
    let v = &matches(&o)[0];
    assert_eq!(v["event"]["Image"], "/bin/bash");
    let o = scan(&["--include-event", "--format", "human", &f]);
    assert!(
        stdout(&o).contains("\n    event: {\"User\":\"root\""),
        "{}",
        stdout(&o)
    );
}

#[test]
fn output_file() {
    let d = Dir::new();
    let out = d.path("matches.jsonl");
    let o = scan(&["--output", &out, "tests/data/scan/events.jsonl"]);
    ok(&o);
    assert!(o.stdout.is_empty());
    let written = std::fs::read_to_string(&out).unwrap();
    let direct = stdout(&scan(&["tests/data/scan/events.jsonl"]));
    assert_eq!(written, direct);
}

#[test]
fn stats_line_shape() {
    let o = scan(&["--stats", "tests/data/scan/events.jsonl"]);
    ok(&o);
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.starts_with("stats: "))
        .expect("a stats line");
    let fields: Vec<(&str, u64)> = line["stats: ".len()..]
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k, v.parse().expect("an integer"))
        })
        .collect();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "events",
            "matches",
            "bad_events",
            "rules",
            "compile_ms",
            "elapsed_ms",
            "events_per_s"
        ]
    );
    assert_eq!(fields[0].1, 8);
    assert_eq!(fields[1].1, 5);
    assert_eq!(fields[2].1, 1);
    assert_eq!(fields[3].1, 4);
    assert_eq!(err.lines().last(), Some(line), "stats come last");
}

#[test]
fn profile_lists_rules_slowest_first() {
    let o = scan(&["--profile", "tests/data/scan/events.jsonl"]);
    ok(&o);
    let err = stderr(&o);
    let profile: Vec<&str> = err.lines().filter(|l| l.starts_with("profile: ")).collect();
    assert!(
        profile[0].starts_with("profile: events=8 rules=4 "),
        "{err}"
    );
    for key in ["parse_ms=", "shared_pass_ms=", "details_ms="] {
        assert!(profile[0].contains(key), "{err}");
    }
    // Header, one row per rule that matched (4), then the rest.
    assert_eq!(profile.len(), 1 + 1 + 4 + 1, "{err}");
    let times: Vec<f64> = profile[2..6]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{err}");
    assert!(profile[2..6].iter().any(|l| l.contains(TOKEN)));
    assert_eq!(profile[6], "profile: 0 rule(s) matched nothing");
}

/// The README's quick start: the shipped rules find the token reads in the shipped events.
#[test]
fn quick_start_examples_match() {
    let root = crate_dir().join("../..");
    let o = Command::new(env!("CARGO_BIN_EXE_adsigma"))
        .args(["scan", "--rules", "rules/", "examples/events/"])
        .current_dir(&root)
        .output()
        .unwrap();
    ok(&o);
    let got: Vec<(String, u64)> = hits(&o).into_iter().map(|(f, l, _)| (f, l)).collect();
    assert!(
        got.contains(&("examples/events/process.jsonl".to_owned(), 4))
            && got.contains(&("examples/events/process.jsonl".to_owned(), 7)),
        "{got:?}"
    );
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert!(Path::new(&root.join("examples/events/k8s-audit.json")).exists());
}

const CORRELATED: &str = r#"
title: exec into a pod
id: 11111111-2222-4333-8444-555555555555
name: pod_exec
status: test
logsource: {product: kubernetes, service: audit}
detection:
  sel: {objectRef.subresource: exec}
  condition: sel
---
title: repeated exec by one user
id: 66666666-7777-4888-8999-000000000000
status: test
level: high
correlation:
  type: event_count
  rules: [pod_exec]
  group-by: [user.username]
  timespan: 1m
  condition: {gte: 3}
"#;

/// Correlations run over the input in order (whatever the threads): one line of
/// `"type": "correlation"` with its group, value, window and events; the base rule's own
/// matches are hidden (`generate` defaults to false); an event without a time is reported.
#[test]
fn correlations_run_in_input_order() {
    let d = Dir::new();
    let rules = d.write("rules.yml", CORRELATED);
    let ev = |user: &str, second: u32| {
        format!(
            r#"{{"objectRef":{{"subresource":"exec"}},"user":{{"username":"{user}"}},"@timestamp":"2026-03-01T10:00:{second:02}Z"}}"#
        )
    };
    let mut text = String::new();
    for (user, second) in [
        ("alice", 0),
        ("bob", 5),
        ("alice", 10),
        ("alice", 20),
        ("bob", 50),
    ] {
        text.push_str(&ev(user, second));
        text.push('\n');
    }
    text.push_str(r#"{"objectRef":{"subresource":"exec"},"user":{"username":"alice"}}"#);
    text.push('\n');
    let f = d.write("events.jsonl", &text);
    for threads in ["1", "2"] {
        let o = adsigma_with(&["scan", "--rules", &rules, "--threads", threads, &f], None);
        ok(&o);
        let out = stdout(&o);
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{out}");
        let c = &lines[0];
        assert_eq!(c["schema"], "adsigma.match/1");
        assert_eq!(c["type"], "correlation");
        assert_eq!(c["rule"]["id"], "66666666-7777-4888-8999-000000000000");
        assert_eq!(c["correlation"]["type"], "event_count");
        assert_eq!(c["correlation"]["group"]["user.username"], "alice");
        assert_eq!(c["correlation"]["value"], 3);
        assert_eq!(c["correlation"]["window"]["start"], "2026-03-01T10:00:00Z");
        let events: Vec<u64> = c["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect();
        assert_eq!(events, [1, 3, 4]);
        assert_eq!(
            c["events"][0]["rule_id"],
            "11111111-2222-4333-8444-555555555555"
        );
        assert!(
            stderr(&o).contains(&format!("{f}:6: warning: not correlated")),
            "{}",
            stderr(&o)
        );
    }
}

/// Events the shipped pipelines recognise are routed to their logsource (and say so in the
/// match), Sigma-taxonomy rules fire on Tetragon events through the `tetragon` pipeline, and
/// `--no-default-pipelines` turns that off.
#[test]
fn shipped_pipelines_route_and_map() {
    let d = Dir::new();
    let rules = d.write(
        "shell.yml",
        "title: shell\nid: 12121212-3434-4565-8787-909090909090\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel: {Image|endswith: /bash, CommandLine|contains: ' -i'}\n  condition: sel\n",
    );
    let f = d.write(
        "tetragon.jsonl",
        concat!(
            r#"{"process_exec":{"process":{"binary":"/bin/bash","arguments":"-i","pod":{"namespace":"shop"}}},"node_name":"n1","time":"2026-03-01T10:00:00Z"}"#,
            "\n",
            r#"{"process_exec":{"process":{"binary":"/bin/bash","arguments":"-c true"}},"node_name":"n1","time":"2026-03-01T10:00:01Z"}"#,
            "\n"
        ),
    );
    let o = adsigma_with(&["scan", "--rules", &rules, &f], None);
    ok(&o);
    let out = stdout(&o);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["source"]["line"], 1);
    assert_eq!(lines[0]["logsource"]["product"], "linux");
    assert_eq!(lines[0]["logsource"]["category"], "process_creation");
    assert_eq!(
        lines[0]["matched"][0]["field"],
        "process_exec.process.binary"
    );
    let o = adsigma_with(
        &["scan", "--rules", &rules, "--no-default-pipelines", &f],
        None,
    );
    ok(&o);
    assert_eq!(stdout(&o), "");
    // By name with the defaults off, the same as the default.
    let o = adsigma_with(
        &[
            "scan",
            "--rules",
            &rules,
            "--no-default-pipelines",
            "--pipeline",
            "tetragon",
            &f,
        ],
        None,
    );
    ok(&o);
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    // A pipeline file with an error: exit 1 with its position.
    let bad = d.write(
        "bad.yml",
        "name: bad\ntransformations:\n  - type: no_such\n",
    );
    let o = adsigma_with(&["scan", "--rules", &rules, "--pipeline", &bad, &f], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("{bad}:3:")), "{}", stderr(&o));
}

/// `adsigma pipelines` lists the shipped ones.
#[test]
fn pipelines_lists_the_shipped_ones() {
    let o = adsigma_with(&["pipelines"], None);
    ok(&o);
    let names: Vec<String> = stdout(&o)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    for want in [
        "falco",
        "tetragon",
        "k8s-audit",
        "docker-events",
        "ecs",
        "sysmon-linux",
        "auditd",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    assert!(
        stdout(&o)
            .lines()
            .all(|l| l.split('\t').nth(1).is_some_and(|d| !d.is_empty()))
    );
}
