//! Replays `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` of every target through
//! its check: `cd fuzz && cargo test`. The root package's `cargo test` replays the targets it
//! can build (the syntax ones in `adsigma-syntax`, the engine ones in `tests/hostile.rs`);
//! this is the only replay of `ads_import`, whose crate the root package does not depend on.

use adsigma_fuzz::engine::{Bytes, Case, Draw, generate};
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
