//! Hostile input: every case ends in bounded time and memory with the error that names the
//! limit it hit (or, where no limit applies, evaluates normally). Small explicit `Limits` and
//! `EngineConfig`s keep the suite fast; the limits' defaults are asserted where they matter.
//!
//! Also: the replay of the `compile_and_eval` and `differential` fuzz targets' seeds and saved
//! crashes, and the engine bugs those targets found (ignored until fixed).

use adsigma::engine::json::JsonEvent;
use adsigma::syntax::{FileId, Limits, parse_str};
use adsigma::{Diagnostic, Engine, EngineConfig, Error, RulePack};
use serde_json::{Value, json};

/// The diagnostics of parsing `text` with `limits`.
fn parse_diagnostics(text: &str, limits: &Limits) -> Vec<Diagnostic> {
    parse_str(text, FileId(0), limits).diagnostics
}

/// Asserts that one of `diags` has `code` and names `limit` in its message.
#[track_caller]
fn assert_named(diags: &[Diagnostic], code: &str, name: &str, limit: &str) {
    assert!(
        diags.iter().any(|d| d.code.code == code
            && d.code.name == name
            && d.is_error()
            && d.message.contains(limit)),
        "expected {code} {name} naming {limit}, got {:#?}",
        diags
            .iter()
            .map(|d| format!("{} {}: {}", d.code.code, d.code.name, d.message))
            .collect::<Vec<_>>()
    );
}

/// A rule whose detection is `detection` (indented by two spaces) and whose condition is
/// `condition`.
fn rule(detection: &str, condition: &str) -> String {
    format!(
        "title: hostile\nlogsource: {{product: test}}\ndetection:\n{detection}  condition: {condition}\n"
    )
}

/// The compile error of a one-rule pack under `config`.
fn compile_error(text: &str, config: EngineConfig) -> Vec<Diagnostic> {
    let pack = RulePack::from_yaml_str(text);
    assert!(!pack.has_errors(), "{:#?}", pack.diagnostics());
    match Engine::builder().config(config).build(&pack) {
        Ok(_) => panic!("the rule compiled"),
        Err(Error::Rules { diagnostics }) => diagnostics,
        Err(e) => panic!("unexpected error {e}"),
    }
}

// ---- rule files: adsigma-syntax Limits ----

#[test]
fn billion_laughs_stops_at_the_alias_expansion_limit() {
    // Nine levels of nine aliases each: 9^9 (387 million) nodes if expanded.
    let mut text =
        String::from("title: lol\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 9].join(", ");
        text.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    assert_eq!(Limits::default().max_alias_nodes, 10_000);
    let diags = parse_diagnostics(&text, &Limits::default());
    assert_named(&diags, "Y104", "alias_expansion_limit", "max_alias_nodes");
}

/// A rule whose detection holds `depth` nested flow sequences.
fn deep_flow(depth: usize) -> String {
    rule(
        &format!("  sel: {{a: {}{}}}\n", "[".repeat(depth), "]".repeat(depth)),
        "sel",
    )
}

#[test]
fn deep_yaml_nesting_stops_at_the_depth_limit() {
    assert_eq!(Limits::default().max_yaml_depth, 64);
    let diags = parse_diagnostics(&deep_flow(100), &Limits::default());
    assert_named(&diags, "Y103", "yaml_too_deep", "max_yaml_depth");
    // Block mappings nested as deep.
    let mut text = String::new();
    for i in 0..2_000 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    let diags = parse_diagnostics(&text, &Limits::default());
    assert_named(&diags, "Y103", "yaml_too_deep", "max_yaml_depth");
}

/// Flow collections nested beyond about 500 levels reach the YAML scanner's own limit before
/// the loader's depth check: still `Y103` naming `max_yaml_depth`.
#[test]
fn deep_flow_nesting_is_the_depth_error() {
    let diags = parse_diagnostics(&deep_flow(10_000), &Limits::default());
    assert_named(&diags, "Y103", "yaml_too_deep", "max_yaml_depth");
}

#[test]
fn deep_conditions_stop_at_the_condition_depth_limit() {
    assert_eq!(Limits::default().max_condition_depth, 64);
    let parens = format!("{}sel{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}sel", "not ".repeat(10_000));
    let mixed = format!("{}sel{}", "not (".repeat(5_000), ")".repeat(5_000));
    for condition in [parens, nots, mixed] {
        let text = rule("  sel: {a: 1}\n", &condition);
        let diags = parse_diagnostics(&text, &Limits::default());
        assert_named(&diags, "C104", "condition_too_deep", "max_condition_depth");
    }
}

#[test]
fn a_file_over_max_file_size_is_refused_before_parsing() {
    let limits = Limits {
        max_file_size: 4096,
        ..Limits::default()
    };
    let text = rule(&format!("  sel: {{a: '{}'}}\n", "x".repeat(5000)), "sel");
    let diags = parse_diagnostics(&text, &limits);
    assert_named(&diags, "Y102", "file_too_large", "max_file_size");

    // From disk: the size is checked before the file is read.
    let dir = std::env::temp_dir().join(format!("adsigma-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.yml");
    std::fs::write(&path, &text).unwrap();
    let pack = RulePack::load_with(&[&path], &limits).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let diags: Vec<Diagnostic> = pack.diagnostics().to_vec();
    assert_named(&diags, "Y102", "file_too_large", "max_file_size");
    assert!(pack.documents().is_empty());
}

#[test]
fn too_many_identifiers_or_values_are_refused() {
    let limits = Limits {
        max_identifiers: 50,
        max_values: 500,
        ..Limits::default()
    };
    let idents: String = (0..51).map(|i| format!("  s{i}: {{a: {i}}}\n")).collect();
    let diags = parse_diagnostics(&rule(&idents, "1 of s*"), &limits);
    assert_named(&diags, "S123", "too_many_items", "max_identifiers");

    let values: Vec<String> = (0..501).map(|i| i.to_string()).collect();
    let text = rule(&format!("  sel: {{a: [{}]}}\n", values.join(", ")), "sel");
    let diags = parse_diagnostics(&text, &limits);
    assert_named(&diags, "S123", "too_many_items", "max_values");
}

#[test]
fn too_many_yaml_nodes_are_refused() {
    let limits = Limits {
        max_yaml_nodes: 1_000,
        ..Limits::default()
    };
    let items = vec!["x"; 2_000].join(", ");
    let diags = parse_diagnostics(&format!("title: t\nlist: [{items}]\n"), &limits);
    assert_named(&diags, "Y109", "too_many_nodes", "max_yaml_nodes");
}

// ---- compilation: EngineConfig ----

#[test]
fn catastrophic_regex_shapes_run_in_linear_time() {
    let text = rule(
        "  s1: {a|re: '(a+)+$'}\n  s2: {a|re: '(a|aa)+$'}\n  s3: {a|re: '(.*a){20}'}\n  s4: {a|re: '^(a|a?)+$'}\n  s5: {a|re: '(\\w+\\s?)+$'}\n",
        "1 of s*",
    );
    let engine = Engine::new(&RulePack::from_yaml_str(&text)).unwrap();
    let mut matched = 0;
    for n in 0..100 {
        let value = format!("{}!", "a".repeat(10_000 + n));
        let event = json!({ "a": value });
        // `(.*a){20}` matches (the value has 20 `a`s); the anchored ones do not (the `!`).
        matched += engine.evaluate(&event).len();
    }
    assert_eq!(matched, 100);
}

#[test]
fn a_regex_over_the_size_limit_is_a_compile_error_naming_it() {
    assert_eq!(EngineConfig::default().regex_size_limit, 10 << 20);
    let config = EngineConfig {
        regex_size_limit: 1 << 20,
        ..EngineConfig::default()
    };
    for pattern in [
        "(?:\\w{1,1000}){1,1000}",
        "\\w{1000}\\w{1000}\\w{1000}",
        "(((a{100}){100}){100})",
        // No counted repetition, but long enough to pass the limit: built at compile time,
        // not on first use (shorter patterns cannot reach the limit and are built then).
        &"\\w".repeat(60),
        &"(?:\\pL|\\w)".repeat(30),
        // Many optional copies of a small class: over the limit, though a size bound that
        // left out each copy's union state once said it was under (found in review).
        "[\\x{800}-\\x{80F}]{0,5600}",
    ] {
        let text = rule(&format!("  sel: {{a|re: '{pattern}'}}\n"), "sel");
        let diags = compile_error(&text, config.clone());
        assert_named(&diags, "E101", "invalid_regex", "regex_size_limit");
    }
}

#[test]
fn windash_expansion_stops_at_max_expansion() {
    assert_eq!(EngineConfig::default().max_expansion, 4096);
    // 12 dashes at the start of words: 5^12 (244 million) alternatives.
    let value: Vec<String> = (0..12).map(|i| format!("-o{i}")).collect();
    let text = rule(
        &format!("  sel: {{a|windash|contains: '{}'}}\n", value.join(" ")),
        "sel",
    );
    let diags = compile_error(&text, EngineConfig::default());
    assert_named(&diags, "E103", "expansion_too_large", "max_expansion");
}

#[test]
fn placeholders_expanding_to_millions_stop_at_max_expansion() {
    // Four placeholders of 100 values each: 100^4 (100 million) alternatives.
    let mut config = EngineConfig::default();
    for name in ["a", "b", "c", "d"] {
        let values = (0..100).map(|i| format!("{name}{i}")).collect();
        config.placeholders.insert(name.to_owned(), values);
    }
    let text = rule("  sel: {user|expand: '%a%%b%%c%%d%'}\n", "sel");
    let diags = compile_error(&text, config);
    assert_named(&diags, "E103", "expansion_too_large", "max_expansion");
}

#[test]
fn base64offset_of_a_megabyte_value_is_bounded() {
    let value = "A".repeat(1 << 20);
    let text = rule(
        &format!("  sel: {{a|base64offset|contains: '{value}'}}\n"),
        "sel",
    );
    let pack = RulePack::from_yaml_str(&text);
    assert!(!pack.has_errors(), "{:#?}", pack.diagnostics());
    // It compiles (three encoded forms of 1.4 MB each) or fails cleanly; either way it ends.
    match Engine::new(&pack) {
        Ok(engine) => {
            let encoded = adsigma::engine::encode::base64(value.as_bytes());
            let event = json!({ "a": format!("x{encoded}x") });
            assert_eq!(engine.evaluate(&event).len(), 1);
            assert!(engine.evaluate(&json!({ "a": "QUFB" })).is_empty());
        }
        Err(Error::Rules { diagnostics }) => {
            assert!(diagnostics.iter().all(|d| d.code.code.starts_with('E')));
        }
        Err(e) => panic!("{e}"),
    }
}

// ---- events ----

/// `{"a": {"a": ... {"a": "x"}}}`, `depth` objects deep, built without recursion.
fn nested(depth: usize) -> Value {
    let mut v = json!("x");
    for _ in 0..depth {
        let mut m = serde_json::Map::new();
        m.insert("a".to_owned(), v);
        v = Value::Object(m);
    }
    v
}

/// Drops a deeply nested value without recursion (serde_json's `Drop` recurses).
fn dismantle(mut v: Value) {
    let mut stack = Vec::new();
    loop {
        match &mut v {
            Value::Object(m) => stack.extend(std::mem::take(m).into_iter().map(|(_, x)| x)),
            Value::Array(items) => stack.append(items),
            _ => {}
        }
        match stack.pop() {
            Some(next) => v = next,
            None => break,
        }
    }
}

#[test]
fn deeply_nested_json_is_refused_by_the_parser_and_cut_by_the_engine() {
    assert_eq!(adsigma::engine::event::MAX_EVENT_DEPTH, 128);
    let text = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = JsonEvent::parse(&text).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    let text = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    assert!(JsonEvent::parse(&text).is_err());

    // A `serde_json::Value` built in code has no such limit: the engine stops walking at
    // MAX_EVENT_DEPTH instead of overflowing the stack.
    let text = rule(
        "  sel: {a.a.a: '*'}\n  deep: {a|exists: true}\n  kw: ['x']\n",
        "sel or deep or kw",
    );
    let engine = Engine::new(&RulePack::from_yaml_str(&text)).unwrap();
    let event = nested(10_000);
    let matches = engine.evaluate(&event);
    assert_eq!(matches.len(), 1);
    dismantle(event);
    // Deeper than MAX_EVENT_DEPTH, a path is not followed.
    let path = vec!["a"; 200].join(".");
    let text = rule(&format!("  sel: {{{path}: x}}\n"), "sel");
    let engine = Engine::new(&RulePack::from_yaml_str(&text)).unwrap();
    let event = nested(200);
    assert!(engine.evaluate(&event).is_empty());
    dismantle(event);
}

#[test]
fn a_huge_event_evaluates() {
    let mut map = serde_json::Map::new();
    for i in 0..100_000 {
        map.insert(format!("k{i}"), json!(i));
    }
    let mut big = "x".repeat(10 << 20);
    big.push_str("needle");
    map.insert("big".into(), Value::String(big));
    let event = Value::Object(map);
    let text = rule(
        "  sel: {k99999: 99999}\n  tail: {big|endswith: needle}\n  kw: ['needle']\n  miss: {k5|gt: 10}\n",
        "sel and tail and kw and not miss",
    );
    let engine = Engine::new(&RulePack::from_yaml_str(&text)).unwrap();
    assert_eq!(engine.evaluate(&event).len(), 1);
    let json = event.to_string();
    let flat = JsonEvent::parse(&json).unwrap();
    assert_eq!(engine.evaluate(&flat).len(), 1);
}

// ---- the fuzz targets' inputs ----

// The very generator and checks the `compile_and_eval` and `differential` fuzz targets run:
// the file is shared, not copied. It uses `crate::reference`, the naive evaluator.
#[path = "../fuzz/src/engine.rs"]
mod fuzz_engine;

// `replay` of this shared file serves the byte-level targets (`json_event` here); the
// structured ones decode each input first.
#[path = "../fuzz/src/files.rs"]
mod fuzz_files;

fn fuzz_inputs(kind: &str, target: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    fuzz_files::inputs(&dir, kind, target)
}

/// Replays the seeds and saved crashes of the structured fuzz targets, decoding each input
/// to the case the target builds from it. (`ads_import` is replayed by `cd fuzz && cargo
/// test`: this package does not depend on `adsigma-ads`.)
#[test]
fn replay_fuzz_seeds_and_regressions() {
    use fuzz_engine::{Bytes, Case, check_compile_and_eval, check_differential, generate};
    type Check = fn(&Case);
    let targets: [(&str, Check); 2] = [
        ("compile_and_eval", check_compile_and_eval),
        ("differential", check_differential),
    ];
    for (target, check) in targets {
        let seeds = fuzz_inputs("seeds", target);
        assert!(
            seeds.len() >= 20,
            "fuzz/seeds/{target}/ has {}",
            seeds.len()
        );
        let (mut compiled, mut matched) = (0, 0);
        let mut failed = Vec::new();
        for path in seeds.iter().chain(&fuzz_inputs("regressions", target)) {
            let data = std::fs::read(path).unwrap();
            let case = generate(&mut Bytes::new(&data));
            if std::panic::catch_unwind(|| check(&case)).is_err() {
                failed.push(path.display().to_string());
            }
            let pack = RulePack::from_yaml_str(&case.yaml());
            let mut builder = Engine::builder();
            for (name, values) in &case.placeholders {
                builder = builder.placeholder(name, values.clone());
            }
            if let Ok(engine) = builder.build(&pack) {
                compiled += 1;
                matched += usize::from(!engine.evaluate(&case.event).is_empty());
            }
        }
        assert!(failed.is_empty(), "{target} checks fail on {failed:#?}");
        // The seeds are worth fuzzing from: rules that compile whole, events that match.
        assert!(
            compiled >= seeds.len() && matched >= seeds.len() / 2,
            "{target}: of {} seeds {compiled} compile, {matched} match",
            seeds.len()
        );
    }
}

/// Replays the seeds and saved crashes of `json_event` (bytes, not choices).
#[test]
fn replay_json_event_seeds_and_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    fuzz_files::replay(&dir, "json_event", fuzz_engine::check_json_event);
}

// ---- known bugs the fuzz targets found (ignored until fixed) ----
//
// Each is a reason in `fuzz/src/engine.rs`'s `known_disagreement`, which the fuzz targets skip
// so that they keep looking for new bugs; delete both with the fix.

/// The engine's answer on `event`, and the reference evaluator's.
fn engine_and_reference(
    text: &str,
    placeholders: &[(&str, &[&str])],
    event: Value,
) -> (bool, bool) {
    let pack = RulePack::from_yaml_str(text);
    assert!(!pack.has_errors(), "{:#?}", pack.diagnostics());
    let mut builder = Engine::builder();
    let mut map = std::collections::HashMap::new();
    for (name, values) in placeholders {
        builder = builder.placeholder(name, values.iter().copied());
        map.insert(
            (*name).to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        );
    }
    let engine = builder.build(&pack).unwrap();
    let adsigma::Document::Rule(rule) = &pack.documents()[0].document else {
        panic!("not a rule");
    };
    let got = !engine.evaluate(&event).is_empty();
    (got, crate::reference::matches(rule, &event, &map))
}

/// Regression (found by the fuzz targets, fixed): a keyword with no literal text (`''`,
/// `'*'`, `'?'`) was never tested once the pack had a keyword with literal text.
#[test]
fn keyword_without_literal_beside_one_with_literal() {
    let text = rule("  kw0: ['*']\n  kw1: ['zz']\n", "kw0");
    assert_eq!(
        engine_and_reference(&text, &[], json!({"b": "x"})),
        (true, true)
    );
    let text = rule("  kw0: ['']\n  kw1: ['zz']\n", "kw0");
    assert_eq!(
        engine_and_reference(&text, &[], json!({"b": "x"})),
        (true, true)
    );
}

/// Questions the fuzz targets raised, decided in the parser: a field-less item (keywords)
/// takes only `all`; a keyword cannot be null; `exists` takes one bool, not a list;
/// `base64offset` needs a value of two bytes or more (a one-byte value has an empty shifted
/// form, which would match everything).
#[test]
fn undecided_shapes_are_refused_with_their_position() {
    for (detection, code, name, words) in [
        (
            "  sel: {'|neq': 'zz'}\n",
            "M",
            "invalid_modifier_combinations",
            "takes only `all`",
        ),
        (
            "  sel: {'|expand': '%p%'}\n",
            "M",
            "invalid_modifier_combinations",
            "takes only `all`",
        ),
        (
            "  sel: {'|all': [true, null]}\n",
            "M",
            "invalid_value",
            "keyword cannot be null",
        ),
        (
            "  sel: [a, null]\n",
            "M",
            "invalid_value",
            "keyword cannot be null",
        ),
        (
            "  sel: {a|exists: [false, true]}\n",
            "M",
            "invalid_value",
            "not a list",
        ),
        (
            "  sel: {a|base64offset|contains: 0}\n",
            "M",
            "invalid_value",
            "at least two bytes",
        ),
        (
            "  sel: {a|base64offset|contains: ''}\n",
            "M",
            "invalid_value",
            "at least two bytes",
        ),
    ] {
        let text = rule(detection, "sel");
        let diags = parse_diagnostics(&text, &Limits::default());
        assert!(
            diags.iter().any(|d| d.is_error()
                && d.code.code.starts_with(code)
                && d.code.name == name
                && d.message.contains(words)
                && d.span().start.line == 4),
            "{detection}: {:#?}",
            diags
                .iter()
                .map(|d| format!(
                    "{} {} {}: {}",
                    d.code.code,
                    d.code.name,
                    d.span().start.line,
                    d.message
                ))
                .collect::<Vec<_>>()
        );
    }
    // Still accepted: `all` on keywords, two-byte base64offset values, one-char UTF-16 ones.
    for detection in [
        "  sel: {'|all': [a, b]}\n",
        "  sel: {a|base64offset|contains: ab}\n",
        "  sel: {a|wide|base64offset|contains: a}\n",
        "  sel: {a|utf16|base64offset|contains: ''}\n",
        "  sel: {a|exists: true}\n",
    ] {
        let text = rule(detection, "sel");
        let diags = parse_diagnostics(&text, &Limits::default());
        assert!(
            !diags.iter().any(Diagnostic::is_error),
            "{detection}: {diags:#?}"
        );
    }
}

/// Timestamp parts of a string of digits (`"1700000000"`) read it as epoch seconds, as
/// numeric comparisons read numeric strings; epochs beyond the years 0-9999 are no timestamp.
#[test]
fn time_parts_of_numeric_strings_and_out_of_range_epochs() {
    let text = rule("  sel: {a|month: 11}\n", "sel");
    assert_eq!(
        engine_and_reference(&text, &[], json!({"a": "1700000000"})),
        (true, true)
    );
    let text = rule("  sel: {a|month|lt: 1000}\n", "sel");
    for far in [
        json!(1e20),
        json!(-1e20),
        json!(300_000_000_000_000_i64),
        json!("1e20"),
    ] {
        assert_eq!(
            engine_and_reference(&text, &[], json!({ "a": far })),
            (false, false),
            "{far}"
        );
    }
}
