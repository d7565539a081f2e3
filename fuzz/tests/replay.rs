//! Replays `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` of every target through
//! its check: `cd fuzz && cargo test`. The root package's `cargo test` replays the targets it
//! can build (the syntax ones in `adsigma-syntax`, the engine ones in `tests/hostile.rs`);
//! this is the only replay of `ads_import`, whose crate the root package does not depend on.

use adsigma_fuzz::correlation::CorrelationCase;
use adsigma_fuzz::engine::{Bytes, Case, Draw, generate};
use adsigma_fuzz::pipeline::PipelineCase;
use arbitrary::{Arbitrary, Unstructured};
use std::path::{Path, PathBuf};

#[path = "../src/files.rs"]
mod files;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn replay(target: &str, check: fn(&[u8])) {
    files::replay(&fuzz_dir(), target, check)
}

/// What the fuzz target builds from `data`.
fn case_of(data: &[u8]) -> Case {
    Case::arbitrary_take_rest(Unstructured::new(data)).expect("generating never fails")
}

#[test]
fn ads_import_inputs() {
    replay("ads_import", adsigma_fuzz::ads::check_ads_import);
}

#[test]
fn compile_and_eval_inputs() {
    replay("compile_and_eval", |d| {
        adsigma_fuzz::engine::check_compile_and_eval(&case_of(d))
    });
}

#[test]
fn differential_inputs() {
    replay("differential", |d| {
        adsigma_fuzz::engine::check_differential(&case_of(d))
    });
}

fn pipeline_case(data: &[u8]) -> PipelineCase {
    PipelineCase::arbitrary_take_rest(Unstructured::new(data)).expect("generating never fails")
}

fn correlation_case(data: &[u8]) -> CorrelationCase {
    CorrelationCase::arbitrary_take_rest(Unstructured::new(data)).expect("generating never fails")
}

#[test]
fn pipeline_inputs() {
    replay("pipeline", |d| {
        adsigma_fuzz::pipeline::check_pipeline(&pipeline_case(d))
    });
}

#[test]
fn correlation_inputs() {
    replay("correlation", |d| {
        adsigma_fuzz::correlation::check_correlation(&correlation_case(d))
    });
}

/// `Bytes` (the root package's replay) decodes an input to the case `arbitrary` gives the
/// fuzz target, so a saved crash replays as the same case everywhere.
#[test]
fn bytes_and_arbitrary_decode_alike() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in 0..400 {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let ours = generate(&mut Bytes::new(&data));
        assert_eq!(ours, case_of(&data), "{len} bytes: {data:?}");
        // And pick by pick, with every n.
        let mut a = Bytes::new(&data);
        let mut u = Unstructured::new(&data);
        for n in (1..=256).cycle().take(len * 2) {
            assert_eq!(a.pick(n), u.choose_index(n).unwrap_or(0));
        }
    }
}

/// Code fences: a list item that opens with a fence ends, fence and all, at the first line
/// indented less than its text, and a fence left open at the end of a section's prose is
/// closed on import, so it cannot swallow the rest of the rendered report. Import and render
/// agree on fences (the block parser decides for both). Found by the fuzzer:
/// `regressions/ads_import/unclosed_fence_in_goal.md`.
#[test]
fn ads_code_fences_end_with_their_item_or_section() {
    let report =
        "## Validation (Adversary Emulation)\n1. ```\n   x\n   ```\n2. y\n\n## Response\n1. z\n";
    let (ads, _) = adsigma_ads::import_markdown(report);
    assert_eq!(ads.validation, ["```\nx\n```", "y"]);
    assert_eq!(ads.response, ["z"]);
    let (ads, _) = adsigma_ads::import_markdown("## Goal\n```sh\nx\n\n## Response\n- y\n");
    assert_eq!(
        ads.goal.as_deref(),
        Some("```sh\nx\n\n## Response\n- y\n```")
    );
    let (ads, _) = adsigma_ads::import_markdown("## Response\n- ```\n  x\n- y\n## Goal\nz\n");
    assert_eq!(ads.response, ["```\nx", "y"]);
    assert_eq!(ads.goal.as_deref(), Some("z"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions/ads_import/unclosed_fence_in_goal.md");
    let found = std::fs::read(path).unwrap();
    for text in [report.as_bytes(), &found] {
        assert_round_trip(std::str::from_utf8(text).unwrap());
    }
}

/// `import(render(import(text))) == import(text)`.
fn assert_round_trip(text: &str) {
    let (ads, _) = adsigma_ads::import_markdown(text);
    let md = adsigma_ads::render_markdown(&ads, &adsigma_ads::RuleInfo::default());
    assert_eq!(adsigma_ads::import_markdown(&md).0, ads, "{text:?}\n{md}");
}

/// Whitespace: headings and the title are imported on one line (a run of whitespace, a bare
/// carriage return or a vertical tab is one space) and list items without leading
/// whitespace, the form the report writes them in. Found by the fuzzer:
/// `regressions/ads_import/bare_carriage_return_in_heading.md`, `double_space_in_heading.md`,
/// `double_space_in_title.md`, `leading_space_in_item.md` and `vertical_tab_in_heading.md`.
#[test]
fn ads_whitespace_is_imported_as_rendered() {
    let (ads, _) = adsigma_ads::import_markdown("# ADS: Watch a **  b**\n\n## Goal\nx\n");
    assert_eq!(ads.title.as_deref(), Some("Watch a b"));
    let (ads, _) =
        adsigma_ads::import_markdown("# Report\n\n## Notes \x0b and\tmore\n## Goal\nx\n");
    assert_eq!(ads.extra.get("Notes and more"), Some(""));
    let (ads, _) = adsigma_ads::import_markdown("## False Positives\n\n  one\n\n- two\n");
    assert_eq!(ads.false_positives, ["one", "two"]);
    for report in [
        "# ADS: Watch a **  b**\n\n## Goal\nx\n",
        "# Report\n\n## Notes  and more\nx\n",
        "# Report\r\n\n# \r#Goal\r#\r\n\r\n# False Positives\r\n- one\r\n",
    ] {
        assert_round_trip(report);
    }
}

/// Was a panic: `strip_justification_label` (`src/markdown/import.rs`) sliced the Priority
/// section's text at the length of each `Justification:` label (14, 16, 18 bytes) without
/// checking for a character boundary. Found by the fuzzer:
/// `regressions/ads_import/justification_label_slices_a_char.md`.
#[test]
fn ads_justification_label_next_to_a_multibyte_char() {
    for k in 10..20 {
        let report = format!("## Priority\n{}é\n", "a".repeat(k));
        let result = std::panic::catch_unwind(|| adsigma_ads::import_markdown(&report));
        assert!(result.is_ok(), "import_markdown panics on {report:?}");
    }
}

/// A line that the first import keeps as text (here after an unclosed `](`) and a heading
/// inside a section's prose stay text once the model is rendered: prose headings are
/// written one space in, and the importer takes only unindented headings for sections.
/// Found by the fuzzer: `regressions/ads_import/heading_after_unclosed_link.md`.
#[test]
fn ads_prose_headings_stay_in_their_section() {
    let (ads, _) = adsigma_ads::import_markdown("# Goal\nx\n## Response\ny\n# Response\n- z\n");
    assert_eq!(ads.goal.as_deref(), Some("x\n## Response\ny"));
    let md = adsigma_ads::render_markdown(&ads, &adsigma_ads::RuleInfo::default());
    assert!(md.contains("\n ## Response\n"), "{md}");
    assert_round_trip("# Goal\nx\n## Response\ny\n# Response\n- z\n");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions/ads_import/heading_after_unclosed_link.md");
    assert_round_trip(&String::from_utf8(std::fs::read(path).unwrap()).unwrap());
}

/// An extra section's heading over YAML's 1024-character limit for implicit keys is written
/// to the skeleton as an explicit `? ` key, which the rule parser reads. Found by the fuzzer:
/// `regressions/ads_import/skeleton_key_over_1024_chars.md`.
#[test]
fn ads_skeleton_takes_long_headings() {
    let report = format!("# Report\n\n## Goal\nx\n\n## {}\ntext\n", "N".repeat(1100));
    let (ads, _) = adsigma_ads::import_markdown(&report);
    assert_eq!(ads.extra.iter().count(), 1);
    let skeleton = adsigma_ads::skeleton_yaml(&ads);
    assert!(skeleton.contains("\n    ? \"NNN"), "{skeleton}");
    let parsed = adsigma_syntax::parse_str(
        &skeleton,
        adsigma_syntax::FileId(0),
        &adsigma_syntax::Limits::default(),
    );
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.code).collect();
    assert!(!codes.iter().any(|c| c.starts_with('Y')), "{codes:?}");
}

// ---- seeds of the `pipeline` and `correlation` targets ----

/// A fixed pseudo-random stream of `len` bytes (xorshift), the `n`th of its kind.
fn stream(n: u64, len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The seeds of `pipeline`, from the fixed stream: for each transformation type the first
/// input whose pipeline has it and parses and applies to its rule; three with recognizers,
/// three with derived fields (parsing too); two whose pipelines do not parse.
fn pipeline_seeds() -> Vec<Vec<u8>> {
    let mut wants: Vec<(String, usize)> = adsigma_pipeline::TRANSFORMATION_TYPES
        .iter()
        .map(|t| (format!("type: '{t}'"), 1))
        .collect();
    wants.push(("recognizers:".to_owned(), 3));
    wants.push(("derived_fields:".to_owned(), 3));
    let mut failing = 2;
    let mut seeds = Vec::new();
    for n in 0..100_000 {
        let data = stream(n, 512);
        let case = pipeline_case(&data);
        let (parsed, applied) = adsigma_fuzz::pipeline::reach(&case);
        if !parsed && failing > 0 {
            failing -= 1;
            seeds.push(data);
            continue;
        }
        let Some(want) = wants
            .iter_mut()
            .find(|(what, k)| *k > 0 && case.pipeline.contains(what.as_str()))
        else {
            continue;
        };
        if parsed && (applied || !want.0.starts_with("type")) {
            want.1 -= 1;
            seeds.push(data);
        }
        if failing == 0 && wants.iter().all(|(_, k)| *k == 0) {
            return seeds;
        }
    }
    panic!("the stream has no seed for {wants:?}");
}

/// The seeds of `correlation`, from the fixed stream: for each correlation type two inputs
/// whose correlations build and match at least once; three with chains and three with
/// aliases that build; two whose correlations do not build.
fn correlation_seeds() -> Vec<Vec<u8>> {
    let mut wants: Vec<(String, usize)> = [
        "event_count",
        "value_count",
        "value_sum",
        "value_avg",
        "value_percentile",
        "temporal",
        "temporal_ordered",
    ]
    .iter()
    .map(|t| (format!("type: {t}\n"), 2))
    .collect();
    wants.push(("rules: [c".to_owned(), 3));
    wants.push(("aliases:".to_owned(), 3));
    let mut failing = 2;
    let mut seeds = Vec::new();
    for n in 0..100_000 {
        let data = stream(n, 768);
        let case = correlation_case(&data);
        let reach = adsigma_fuzz::correlation::reach(&case);
        if reach.is_none() && failing > 0 {
            failing -= 1;
            seeds.push(data);
            continue;
        }
        let Some(want) = wants
            .iter_mut()
            .find(|(what, k)| *k > 0 && case.yaml.contains(what.as_str()))
        else {
            continue;
        };
        let good = match reach {
            Some(m) => m > 0 || !want.0.starts_with("type"),
            None => false,
        };
        if good {
            want.1 -= 1;
            seeds.push(data);
        }
        if failing == 0 && wants.iter().all(|(_, k)| *k == 0) {
            return seeds;
        }
    }
    panic!("the stream has no seed for {wants:?}");
}

/// Writes `fuzz/seeds/pipeline/` and `fuzz/seeds/correlation/` (`NN.bin`):
/// `ADSIGMA_WRITE_SEEDS=1 cargo test write_seeds -- --ignored` after changing a generator.
#[test]
#[ignore = "writes the seeds of pipeline and correlation when ADSIGMA_WRITE_SEEDS is set"]
fn write_seeds() {
    if std::env::var_os("ADSIGMA_WRITE_SEEDS").is_none() {
        return;
    }
    for (target, seeds) in [
        ("pipeline", pipeline_seeds()),
        ("correlation", correlation_seeds()),
    ] {
        let dir = fuzz_dir().join("seeds").join(target);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, data) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("{:02}.bin", i + 1)), data).unwrap();
        }
    }
}

/// The committed seeds are the ones `write_seeds` picks (so they reach deep code: pipelines
/// that parse and apply, correlations that build and match); after a change to a
/// generator, rewrite them with `write_seeds`.
#[test]
fn seeds_of_pipeline_and_correlation_are_current() {
    for (target, seeds) in [
        ("pipeline", pipeline_seeds()),
        ("correlation", correlation_seeds()),
    ] {
        let files = files::inputs(&fuzz_dir(), "seeds", target);
        let committed: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
        assert!(seeds.len() >= 20, "{target}: {} seeds", seeds.len());
        assert!(
            committed == seeds,
            "fuzz/seeds/{target}/ is not what write_seeds picks: run \
             `ADSIGMA_WRITE_SEEDS=1 cargo test write_seeds -- --ignored` in fuzz/"
        );
    }
}

// ---- known bugs found by the `pipeline` and `correlation` targets ----

fn parse_rule(text: &str) -> adsigma_syntax::Rule {
    let parsed = adsigma_syntax::parse_str(
        text,
        adsigma_syntax::FileId(0),
        &adsigma_syntax::Limits::default(),
    );
    assert!(!parsed.has_errors(), "{text}");
    match parsed.documents.into_iter().next() {
        Some(adsigma_syntax::Document::Rule(r)) => r,
        _ => panic!("not a rule: {text}"),
    }
}

/// The errors of `rule` emitted as YAML and parsed again.
fn emitted_errors(rule: &adsigma_syntax::Rule) -> Vec<String> {
    let yaml = adsigma_syntax::emit::to_yaml(&adsigma_syntax::Document::Rule(rule.clone()));
    let parsed = adsigma_syntax::parse_str(
        &yaml,
        adsigma_syntax::FileId(0),
        &adsigma_syntax::Limits::default(),
    );
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{d}\n{yaml}"))
        .collect()
}

fn pipeline(text: &str) -> adsigma_pipeline::Pipeline {
    adsigma_pipeline::Pipeline::parse("p.yml", adsigma_syntax::FileId(1), text)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// An empty `mapping: {}` (of `field_name_mapping`, `field_name_prefix_mapping` or
/// `map_string`) survives `to_yaml` -> parse (it was emitted as `mapping:`, i.e. null, which
/// does not parse: `P103`). Found by the fuzzer:
/// `regressions/pipeline/empty_mapping_emits_null.bin`.
#[test]
fn pipeline_empty_mapping_round_trips() {
    for kind in [
        "field_name_mapping",
        "field_name_prefix_mapping",
        "map_string",
    ] {
        let p = pipeline(&format!(
            "name: p\ntransformations:\n  - {{type: {kind}, mapping: {{}}}}\n"
        ));
        let yaml = p.to_yaml();
        let again = adsigma_pipeline::Pipeline::parse("p.yml", adsigma_syntax::FileId(1), &yaml);
        assert_eq!(again.ok().as_ref(), Some(&p), "{kind}:\n{yaml}");
    }
}

/// A field name transformation cannot write `|` into a field name (`field_name_suffix:
/// '|contains'` turned `Image|endswith` into `Image|contains|endswith`, `M102`) nor map a
/// field to an empty name (a field-less item then carried the modifiers): `Pipeline::parse`
/// rejects such names (`P103`). Found by the fuzzer:
/// `regressions/pipeline/pipe_in_field_name.bin`, `mapping_to_an_empty_field_name.bin`.
#[test]
fn pipeline_renaming_to_a_pipe_or_an_empty_field_name_is_rejected() {
    for t in [
        "{type: field_name_suffix, suffix: '|contains'}",
        "{type: field_name_prefix, prefix: 'x|'}",
        "{type: field_name_mapping, mapping: {Image: 'a|re'}}",
        "{type: field_name_mapping, mapping: {Image: ''}}",
        "{type: field_name_prefix_mapping, mapping: {Im: 'a|'}}",
    ] {
        let text = format!("name: p\ntransformations:\n  - {t}\n");
        let errs = adsigma_pipeline::Pipeline::parse("p.yml", adsigma_syntax::FileId(1), &text)
            .expect_err(t);
        assert_eq!(errs[0].code.code, "P103", "{t}: {}", errs[0]);
        assert_eq!(errs[0].span().start.line, 3, "{t}: {}", errs[0]);
    }
}

/// Value transformations (`set_value`, `replace_string`, `map_string`, `case`) that write
/// values the detection item's modifiers reject fail with `P205 invalid_transformed_rule`
/// at the item instead of returning a rule that does not read back: `set_value: 2.5` on
/// `a|cidr` (`M104`), `set_value: false` on `a|re` (`M103`), `set_value: ''` on `a|gt`
/// (`M103`). Found by the fuzzer: `regressions/pipeline/set_value_on_cidr.bin`.
#[test]
fn pipeline_value_rewrite_the_modifiers_reject_is_p205() {
    for (value, item) in [
        ("2.5", "a|cidr: 10.0.0.0/8"),
        ("false", "a|re: 'x+'"),
        ("''", "a|gt: 5"),
    ] {
        let p = pipeline(&format!(
            "name: p\ntransformations:\n  - {{type: set_value, value: {value}}}\n"
        ));
        let rule = parse_rule(&format!(
            "title: t\nlogsource: {{product: linux}}\ndetection:\n  sel: {{{item}}}\n  condition: sel\n"
        ));
        let diags = p.apply(&rule).expect_err(item);
        assert_eq!(diags[0].code.code, "P205", "{value} on {item}");
        assert_eq!(diags[0].span().start.line, 4, "{value} on {item}");
    }
    // Values the modifiers accept are typed by them, and read back.
    let p = pipeline("name: p\ntransformations:\n  - {type: set_value, value: 10.0.0.0/8}\n");
    let rule = parse_rule(
        "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {a|cidr: 192.168.0.0/16}\n  condition: sel\n",
    );
    let errors = emitted_errors(&p.apply(&rule).unwrap());
    assert!(errors.is_empty(), "{errors:#?}");
}

/// A correlator of the one correlation in `text`, over one rule named `r` (index 0).
fn correlator_over_r(
    text: &str,
    config: adsigma_correlation::CorrelatorConfig,
) -> adsigma_correlation::Correlator<u32> {
    use adsigma_correlation::{CorrelationSet, Correlator, RuleRef};
    let parsed = adsigma_syntax::parse_str(
        text,
        adsigma_syntax::FileId(0),
        &adsigma_syntax::Limits::default(),
    );
    let Some(adsigma_syntax::Document::Correlation(c)) = parsed.documents.first() else {
        panic!("{text}");
    };
    let rules = [RuleRef {
        index: 0,
        id: None,
        name: Some("r"),
    }];
    let set = CorrelationSet::build(&[c], &rules).unwrap();
    Correlator::new(set.into(), config)
}

/// Fixed bug (adsigma-correlation `Correlator::flush`): a window whose end saturates at
/// `Nanos::MAX` (an event at the far end of time, or a timespan of centuries such as
/// `18446744073709551615s`) was never decided, `advance` stopping at deadlines `>= time`,
/// so its match was lost and its events stayed held after `flush`. `flush` now decides
/// every window left. Found by the fuzzer:
/// `regressions/correlation/flush_leaves_saturated_window.bin` (and
/// `flush_leaves_saturated_chained_window.bin`).
#[test]
fn correlation_flush_decides_windows_ending_at_the_end_of_time() {
    use adsigma_correlation::CorrelatorConfig;
    for (timespan, time) in [
        ("1s", i64::MAX),
        ("18446744073709551615s", 1_700_000_000_000_000_000),
    ] {
        let text = format!(
            "title: c\ncorrelation:\n  type: event_count\n  rules: [r]\n  group-by: [user]\n  timespan: {timespan}\n  condition: {{lt: 5}}\n"
        );
        let mut correlator = correlator_over_r(&text, CorrelatorConfig::default());
        let event = serde_json::json!({"user": "alice"});
        assert!(
            correlator
                .observe_at(&event, time, 1, &[0])
                .unwrap()
                .is_empty()
        );
        let flushed = correlator.flush();
        assert_eq!(correlator.events_held(), 0, "{timespan} at {time}");
        assert_eq!(flushed.len(), 1, "{timespan} at {time}");
    }
}

/// A pipeline with a NaN value (`.nan` in `vars`, a value or a recognizer test) equals
/// itself and its `to_yaml` -> parse (`Lit` compares floats by their bits). Found by the
/// fuzzer: `regressions/pipeline/nan_value_unequal_to_itself.bin`.
#[test]
fn pipeline_nan_value_equals_itself() {
    let p = pipeline("name: p\nvars: {x: [.nan]}\n");
    assert_eq!(p, p.clone());
    assert_eq!(pipeline(&p.to_yaml()), p);
}

/// The saved inputs of the pipeline bugs pass the check without `known_issue` skips.
#[test]
fn pipeline_regressions_pass_unfiltered() {
    for path in files::inputs(&fuzz_dir(), "regressions", "pipeline") {
        let data = std::fs::read(&path).unwrap();
        adsigma_fuzz::pipeline::check_pipeline_strict(&pipeline_case(&data));
    }
}

/// The saved inputs of the `correlation` target pass the check with nothing skipped. They
/// found: `flush` leaving windows that end at `Nanos::MAX`; the correlator's `advanced`
/// missing from `Snapshot`, so that after `max_pending` forced an event out a restored
/// correlator decided windows at other events than the uninterrupted one (it is in the
/// snapshot now, and events older than a forced-out one are late); and the running sum of
/// `value_sum` cancelling small values.
#[test]
fn correlation_regressions_pass_unfiltered() {
    for path in files::inputs(&fuzz_dir(), "regressions", "correlation") {
        let data = std::fs::read(&path).unwrap();
        adsigma_fuzz::correlation::check_correlation_strict(&correlation_case(&data));
    }
}

/// A field name mapping onto a field that another item of the same map already has
/// (`ParentImage: a` next to `a`) fails with `P205 invalid_transformed_rule` at the item
/// (the map had two items of one key, a duplicate key once emitted: `Y105`). Found by the
/// fuzzer: `regressions/pipeline/mapping_onto_a_used_field_duplicates_key.bin`.
#[test]
fn pipeline_mapping_onto_a_used_field_is_p205() {
    let p = pipeline(
        "name: p\ntransformations:\n  - {type: field_name_mapping, mapping: {ParentImage: a}}\n",
    );
    let rule = parse_rule(
        "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {a: x, ParentImage: y}\n  condition: sel\n",
    );
    let diags = p.apply(&rule).unwrap_err();
    assert_eq!(diags[0].code.code, "P205");
    assert_eq!(diags[0].span().start.line, 4);
}

/// Fixed bug (adsigma-correlation `value_sum` / `value_avg`): the running sum added each
/// value and subtracted it on eviction (`max_events_per_group`), so a huge value lost the
/// small ones next to it (`1e308 + 49 - 1e308 == 0`), and `restore`, which recomputes the
/// sum from the kept events, disagreed with the correlator that never stopped. Integers
/// are now summed exactly and other values recomputed from the kept events on eviction:
/// the sum of the kept events (49 + 7) is 56. Found by the fuzzer:
/// `regressions/correlation/running_sum_cancellation.bin`.
#[test]
fn correlation_sum_keeps_small_values_after_evicting_a_huge_one() {
    use adsigma_correlation::CorrelatorConfig;
    let text = "title: c\ncorrelation:\n  type: value_sum\n  rules: [r]\n  group-by: [user]\n  timespan: 1h\n  condition: {field: bytes, gte: 50, lte: 60}\n";
    let config = CorrelatorConfig {
        max_events_per_group: 2,
        ..CorrelatorConfig::default()
    };
    let mut correlator = correlator_over_r(text, config);
    let mut matches = Vec::new();
    for (i, bytes) in [1e308, 49.0, 7.0].into_iter().enumerate() {
        let event = serde_json::json!({"user": "alice", "bytes": bytes});
        let t = 1_700_000_000_000_000_000 + i as i64 * 1_000_000_000;
        matches.extend(correlator.observe_at(&event, t, i as u32, &[0]).unwrap());
    }
    matches.extend(correlator.flush());
    let values: Vec<f64> = matches.iter().map(|m| m.value).collect();
    assert_eq!(values, [56.0]);
}
