//! The fast YAML loader (`yaml::load_fast`) against the saphyr event path
//! (`yaml::load_saphyr`): wherever the fast loader returns trees, they are the saphyr path's,
//! spans included, and the saphyr path reports nothing. On the SigmaHQ corpus, on this
//! repository's rules, on hand-written snippets and on generated documents (proptest).

use crate::common::{shared_dir, yaml_files};
use adsigma_syntax::yaml::{Node, load_fast, load_saphyr};
use adsigma_syntax::{FileId, Limits};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Both paths on `text` under `limits`: `Err` when the fast loader returns trees that
/// differ from the saphyr path's, or returns trees where the saphyr path reports a problem;
/// otherwise whether the fast loader handled the text.
fn compare(text: &str, limits: &Limits) -> Result<bool, String> {
    let mut diags = Vec::new();
    let slow = load_saphyr(text, FileId(3), limits, &mut diags);
    let Some(fast) = load_fast(text, FileId(3), limits) else {
        return Ok(false);
    };
    if !diags.is_empty() {
        return Err(format!(
            "the fast loader returned trees where the saphyr path reports {diags:?}"
        ));
    }
    if fast != slow {
        return Err(format!(
            "the fast loader disagrees with the saphyr path: {}",
            first_difference(&fast, &slow)
        ));
    }
    Ok(true)
}

/// [`compare`] under `limits`, panicking on a disagreement.
fn agree_with(text: &str, limits: &Limits) -> bool {
    compare(text, limits).unwrap_or_else(|e| panic!("{e}\ntext: {text:?}"))
}

/// [`compare`] under the default limits, panicking on a disagreement.
fn agree(text: &str) -> bool {
    agree_with(text, &Limits::default())
}

/// The first node (in document order) where two forests differ, for the failure message.
fn first_difference(fast: &[Node], slow: &[Node]) -> String {
    fn walk(a: &Node, b: &Node, path: &str) -> Option<String> {
        use adsigma_syntax::yaml::NodeKind::*;
        let here = || format!("at {path}:\n  fast:   {a:?}\n  saphyr: {b:?}");
        if a.span != b.span {
            return Some(format!(
                "span differs at {path}: fast {:?}, saphyr {:?}\n{}",
                a.span,
                b.span,
                here()
            ));
        }
        match (&a.kind, &b.kind) {
            (Scalar(x), Scalar(y)) => (x != y).then(here),
            (Seq(x), Seq(y)) => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    if let Some(d) = walk(p, q, &format!("{path}[{i}]")) {
                        return Some(d);
                    }
                }
                (x.len() != y.len()).then(here)
            }
            (Map(x), Map(y)) => {
                for (i, ((pk, pv), (qk, qv))) in x.iter().zip(y).enumerate() {
                    if let Some(d) = walk(pk, qk, &format!("{path}.key{i}")) {
                        return Some(d);
                    }
                    let key = pk.as_scalar().map_or("?", |s| s.text.as_str());
                    if let Some(d) = walk(pv, qv, &format!("{path}.{key}")) {
                        return Some(d);
                    }
                }
                (x.len() != y.len()).then(here)
            }
            _ => Some(here()),
        }
    }
    for (i, (a, b)) in fast.iter().zip(slow).enumerate() {
        if let Some(d) = walk(a, b, &format!("doc{i}")) {
            return d;
        }
    }
    format!("{} documents against {}", fast.len(), slow.len())
}

/// Every file's agreement; returns the files the fast loader declined.
fn check_files(paths: &[PathBuf]) -> Vec<&Path> {
    let mut declined = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).expect("readable UTF-8");
        let handled = compare(&text, &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if !handled {
            declined.push(path.as_path());
        }
    }
    declined
}

#[test]
fn sigma_corpus_agrees_and_is_mostly_handled() {
    let Some(shared) = shared_dir() else { return };
    let sigma = shared.join("corpus/sigma");
    let all = yaml_files(&sigma);
    assert!(
        all.len() > 3000,
        "{} files under {}",
        all.len(),
        sigma.display()
    );
    let declined = check_files(&all);
    let rules = sigma.join("rules");
    let rule_files = all.iter().filter(|p| p.starts_with(&rules)).count();
    let declined_rules: Vec<_> = declined.iter().filter(|p| p.starts_with(&rules)).collect();
    eprintln!(
        "fast YAML loader: {} of {} corpus files declined ({} of {} rules/ files)",
        declined.len(),
        all.len(),
        declined_rules.len(),
        rule_files
    );
    for path in declined.iter().take(20) {
        eprintln!("  declined: {}", path.display());
    }
    assert!(
        declined_rules.len() * 20 <= rule_files,
        "the fast loader declines {} of {} SigmaHQ rules (more than 5%), e.g. {:?}",
        declined_rules.len(),
        rule_files,
        &declined_rules[..declined_rules.len().min(8)]
    );
}

#[test]
fn repository_rules_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = yaml_files(&root.join("rules"));
    files.extend(yaml_files(&root.join("examples")));
    assert!(files.len() > 20, "{} files", files.len());
    let declined = check_files(&files);
    eprintln!(
        "fast YAML loader: {} of {} repository files declined",
        declined.len(),
        files.len()
    );
}

/// The fast loader handles `text`, and agrees with the saphyr path.
#[track_caller]
fn handled(text: &str) {
    assert!(agree(text), "the fast loader declined {text:?}");
}

/// The fast loader declines `text` (and so cannot disagree).
#[track_caller]
fn declined(text: &str) {
    assert!(!agree(text), "the fast loader handled {text:?}");
}

#[test]
fn mappings_and_comments() {
    handled("a: b\n");
    handled("a: b");
    handled("a: b\nc: d\n");
    handled("a:\n  b: c\n  d:\n    e: f\ng: h\n");
    handled("# head\n\na: b # after\n  # indented comment\n# own line\nc: d   \n\n\n");
    handled("a:    b    \n");
    handled("a  : b\n");
    handled("a: b#c\nd: e #f\n");
    handled("a: 'b #c' # d\ne: \"f: g\"\n");
    handled("url: https://example.com/a?b=c#frag\nx: a:b\n");
    handled("k: v[1] {2}, x]\n");
    handled("k: -1\nl: -x\nm: ?x\nn: :x\no: x:\"\n");
    handled("a:\n  - 1\n# dedented comment between\n  - 2\n");
    handled("  a: b\n  c: d\n");
    handled("a: null\nb: ~\nc: true\nd: 0x1F\n");
}

#[test]
fn empty_values() {
    handled("a:\nb: c\n");
    handled("a:\n");
    handled("a:");
    handled("a:   \nb:\n");
    handled("a: # nothing\nb: c\n");
    handled("a:\n  b:\nc:\n");
    handled("- a:\n- b\n");
    handled("- a:\n  b: 1\n");
}

#[test]
fn keys() {
    handled("'a': b\n\"c\": d\n");
    handled("'a' : b\n\"c\"   :   d\n");
    handled("'it''s': 1\n\"q\\\"\": 2\n");
    handled("'': empty quoted key is fine\n");
    handled("'a: b': c\n\"d #e\": f\n");
    handled("a b c: d\n");
    handled("Image|endswith: x\nCommandLine|contains|all: y\n");
    handled("'null': 1\n\"~\": 2\n");
    // A null or missing key is reported by the saphyr path.
    declined("null: 1\n");
    declined("~: 1\n");
    declined(": 1\n");
    // Duplicate keys are reported by the saphyr path, whatever their style.
    declined("a: 1\na: 2\n");
    declined("a: 1\n'a': 2\n");
    declined("x:\n  a: 1\n  b: 2\n  \"a\": 3\n");
    // A key longer than saphyr's simple-key bound.
    declined(&format!("{}: v\n", "k".repeat(1100)));
}

#[test]
fn many_keys_and_duplicates_in_large_mappings() {
    let many: String = (0..200).map(|i| format!("k{i}: {i}\n")).collect();
    handled(&many);
    declined(&format!("{many}k150: again\n"));
    declined(&format!("k150: first\n{many}"));
}

#[test]
fn sequences() {
    handled("- a\n- b\n");
    handled("a:\n  - b\n  - c\nd: e\n");
    handled("a:\n- b\n- c\nd: e\n");
    handled("a:\n-   b\n-  c # comment\n");
    handled("a:\n- # comment on the dash\n  b: c\n- d\n");
    handled("a:\n  - b: 1\n    c: 2\n  - d: 3\n");
    handled("a:\n- b: 1\n  c: 2\n- d: 3\ne: f\n");
    handled("- 'q': 1\n  r: 2\n- \"s\" : 3\n");
    handled("-   k: v\n    l: w\n");
    handled("a:\n  -\n    b: c\n  -\n    - d\n    - e\n");
    handled("a:\n  - 'b #c'   # d\n  - \"e: f\"\n");
    handled("a:\n  - b\n  - c:\n    - d\n    - e\n  - f\n");
    declined("a:\n  - - b\n");
    declined("a:\n  -\n  - b\n");
    declined("- \n");
    declined("a:\n  - b\n  c: d\n");
    declined("a:\n- b\n  - c\n");
}

#[test]
fn block_scalars() {
    handled("a: |\n  line one\n  line two\nb: c\n");
    handled("a: |-\n  one\n  two\n\nb: c\n");
    handled("a: |+\n  one\n\n\nb: c\n");
    handled("a: >\n  one\n  two\n\n  three\n    indented\n  four\n\nb: c\n");
    handled("a: >-\n  one\n  two\n");
    handled("a: >+\n  one\n\n");
    handled("a: | # comment\n  text # not a comment\n  # nor this\n");
    handled("a:\n  b: |\n      deep\n        deeper\n      back\n  c: d\n");
    handled("a:\n  - |\n    item\n  - >\n    folded\n    item\n");
    handled("a:\n- |\n  item\n- x\n");
    handled("- k: |\n    v\n  l: m\n");
    handled("a: |\n  one\n\n  \n     \n  two\n");
    handled("a: |\n  one\n  \n");
    handled("a: >\n  lead\n   more\n  x\n");
    handled("a: >\n  x\n\n   more\n\n  y\n");
    handled("a: |\n  x\n# comment ends it\nb: c\n");
    handled("a: |\n  é ü\n  ö\nb: ü\n");
    // Outside the subset.
    declined("a: |2\n    x\n");
    declined("a: |-1\n  x\n");
    declined("a: |\n");
    declined("a: |\nb: c\n");
    declined("a: |\n  x");
    // Leading empty lines; one longer than the first content line.
    handled("a: |\n\n    x\n");
    declined("a: |\n      \n    x\n");
    declined("a: |x\n  y\n");
    declined("a: |#c\n  y\n");
    declined("- |\n  x\n y\n");
    // The first line sets the indentation; a less indented line is a syntax error.
    declined("a: >\n   lead\n  x\n");
}

#[test]
fn quoted_scalars() {
    handled("a: 'it''s'\nb: ''\nc: \"\"\n");
    handled("a: 'x'   \nb: 'y'\n");
    handled("a: \"\\\\ \\\" \\/ \\n \\t \\0 \\a \\b \\v \\f \\r \\e \\  \\N \\_ \\L \\P\"\n");
    handled("a: \"\\x41\\u00e9\\U0001F600\"\n");
    handled("a: 'C:\\Windows\\System32\\'\nb: \"a 'b' c\"\nc: 'a \"b\" c'\n");
    handled("a: '  spaced  '\n");
    declined("a: \"\\q\"\n");
    declined("a: \"\\x4\"\n");
    declined("a: \"\\uD800\"\n");
    declined("a: 'open\n  continued'\n");
    declined("a: \"open\\\n  continued\"\n");
    declined("a: 'x' y\n");
    declined("a: 'x'# c\n");
    declined("a: 'x': y\n");
}

#[test]
fn non_ascii() {
    handled("é: 'ü' # ö\nx:  y\n");
    handled("titre: Détection de ‘cmd’ — ok\nclé: ☃\n");
    handled("a:\n  - 'ü'\n  - ö: ä\n    ß: \"€\"\n");
    handled("# commentaire é\na: \"ü\\u00e9\" # ö\n");
    handled("a: \u{a0}x\u{2028}y\u{85}\n");
}

#[test]
fn line_ends_tabs_and_boms() {
    declined("a: b\r\nc: d\r\n");
    declined("a:\tb\n");
    declined("a: b # \t\n");
    declined("\u{feff}a: b\n");
    declined("a: b\u{feff}\n");
    declined("a: b\0\n");
}

#[test]
fn outside_the_subset() {
    declined("");
    declined("# only a comment\n");
    declined("scalar\n");
    declined("a: &x 1\nb: *x\n");
    declined("a: !!str 1\n");
    declined("a: [1, 2]\n");
    declined("a: {b: c}\n");
    declined("%YAML 1.2\n---\na: b\n");
    declined("---\na: b\n");
    declined("a: b\n---\nc: d\n");
    declined("a: b\n...\n");
    declined("? a\n: b\n");
    declined("a: b\n  c\n");
    declined("a: b # c\n  d\n");
    declined("- a\n  b\n");
    declined("a: b: c\n");
    declined("a: b:\n");
    declined("a: - b\n");
    declined("a:b\n");
    declined("a: @b\n");
    declined("a: `b\n");
    declined("a: 1\n b: 2\n");
    declined("a:\n    b: 1\n  c: 2\n");
    declined("a: 1\n- b\n");
    declined("- a\nb: 1\n");
    declined("a:\n  b\n");
}

#[test]
fn limits_are_never_exceeded_silently() {
    let doc = "a:\n  b:\n    c:\n      - d: 1\n        e: [x]\n      - f\ng: |\n  h\n";
    let doc2 = "a:\n  b:\n    c:\n      - d: 1\n        e: x\n      - f\ng: |\n  h\n";
    for text in [doc, doc2] {
        for depth in 0..8 {
            for nodes in (0..40).chain([1_000]) {
                for size in [0, 20, text.len() - 1, text.len(), 1 << 20] {
                    let limits = Limits {
                        max_yaml_depth: depth,
                        max_yaml_nodes: nodes,
                        max_file_size: size,
                        ..Limits::default()
                    };
                    agree_with(text, &limits);
                }
            }
        }
    }
    // Well inside the limits, the fast loader handles it.
    handled(doc2);
    let deep: String = (0..100)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect::<String>()
        + &"  ".repeat(100)
        + "v: 1\n";
    declined(&deep);
    let deep_but_allowed: String = (0..40)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect::<String>()
        + &"  ".repeat(40)
        + "v: 1\n";
    handled(&deep_but_allowed);
}

/// A generated YAML tree, rendered in block style by [`render`].
#[derive(Clone, Debug)]
enum Gen {
    /// Text and style: 0 plain, 1 single-quoted, 2 double-quoted, 3 literal, 4 folded.
    Scalar(String, u8),
    Map(Vec<(String, u8, Gen)>),
    Seq(Vec<Gen>),
}

/// Text with the characters that matter to YAML, and some that do not.
fn gen_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9]{1,6}( [a-z0-9]{1,5}){0,2}",
        2 => "[a-z0-9 #:'\"\\\\/\\-éü☃\\[\\]{},&*!|>%@`?~.]{0,8}",
        1 => "[a-z\\n ]{0,12}",
        1 => prop::sample::select(vec![
            "", "null", "~", "true", "-1", "0x1F", ".inf", "a: b", "a #b", "a#b", "- x", "'q'",
            "\"q\"", "---", "...", "k:", ":k", "\\x41", "\\u00e9", "\\q", "é ü", "\t", "\r",
        ])
        .prop_map(str::to_owned),
    ]
}

fn gen_tree() -> impl Strategy<Value = Gen> {
    let leaf = (gen_text(), 0u8..5).prop_map(|(t, s)| Gen::Scalar(t, s));
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(("[a-e]{1,2}|[a-z|. ]{1,8}", 0u8..4, inner.clone()), 1..5)
                .prop_map(Gen::Map),
            prop::collection::vec(inner, 1..4).prop_map(Gen::Seq),
        ]
    })
}

/// Decisions of the renderer (extra blanks, comments, indentation), read in turn.
struct Tape<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Tape<'_> {
    fn next(&mut self) -> u8 {
        // Past the generated bytes, a fixed pseudo-random sequence (not all zeros, which
        // would take the same branch every time).
        let b = self.bytes.get(self.at).copied().unwrap_or_else(|| {
            let x = (self.at as u32).wrapping_mul(2_654_435_761);
            (x >> 24) as u8
        });
        self.at += 1;
        b
    }

    /// True about once in `n`.
    fn one_in(&mut self, n: u8) -> bool {
        self.next() % n == 0
    }

    fn spaces(&mut self) -> &'static str {
        [" ", " ", " ", "  ", "   ", ""][usize::from(self.next() % 6)]
    }
}

/// Blank and comment lines, sometimes, at some indentation.
fn filler(out: &mut String, tape: &mut Tape<'_>, indent: usize) {
    if tape.one_in(5) {
        let n = usize::from(tape.next() % 3);
        match tape.next() % 3 {
            0 => out.push('\n'),
            1 => out.push_str(&format!("{}# comment é\n", " ".repeat(indent + n))),
            _ => out.push_str(&format!("{}\n", " ".repeat(n))),
        }
    }
}

fn trailing_comment(out: &mut String, tape: &mut Tape<'_>) {
    if tape.one_in(4) {
        out.push_str(tape.spaces());
        out.push_str("# c:# ü");
    }
    out.push('\n');
}

fn quote(text: &str, style: u8) -> String {
    match style {
        1 => format!("'{}'", text.replace('\'', "''")),
        2 => format!("\"{}\"", text.replace('"', "\\\"")),
        _ => text.to_owned(),
    }
}

/// Renders `node` after a `key:` or a `- ` (not yet followed by a blank), inside a
/// collection at column `col`; `in_map`: the value of a key (which may hold a sequence at
/// the key's own indentation).
fn render_value(out: &mut String, node: &Gen, col: usize, in_map: bool, tape: &mut Tape<'_>) {
    let step = 1 + usize::from(tape.next() % 4);
    match node {
        Gen::Scalar(text, style @ 0..=2) => {
            out.push_str(tape.spaces());
            out.push_str(&quote(text, *style));
            trailing_comment(out, tape);
        }
        Gen::Scalar(text, style) => {
            out.push(' ');
            out.push(if *style == 3 { '|' } else { '>' });
            out.push_str(["", "", "-", "+"][usize::from(tape.next() % 4)]);
            trailing_comment(out, tape);
            for line in text.split('\n') {
                if !line.is_empty() || tape.one_in(2) {
                    out.push_str(&" ".repeat(col + step));
                }
                if tape.one_in(6) {
                    out.push(' ');
                }
                out.push_str(line);
                out.push('\n');
                if tape.one_in(6) {
                    // An empty line, or one of blanks only, longer or shorter than the
                    // indentation.
                    out.push_str(&" ".repeat(usize::from(tape.next() % 8)));
                    out.push('\n');
                }
            }
            filler(out, tape, col);
        }
        Gen::Map(entries) => {
            if !in_map && tape.one_in(2) {
                // `- key: value`
                out.push_str(&" ".repeat(step));
                render_map(out, entries, col + 1 + step, true, tape);
            } else {
                trailing_comment(out, tape);
                render_map(out, entries, col + step, false, tape);
            }
        }
        Gen::Seq(items) => {
            trailing_comment(out, tape);
            let at = if in_map && tape.one_in(2) {
                col
            } else {
                col + step
            };
            render_seq(out, items, at, tape);
        }
    }
}

fn render_map(
    out: &mut String,
    entries: &[(String, u8, Gen)],
    col: usize,
    first_inline: bool,
    tape: &mut Tape<'_>,
) {
    for (i, (key, style, value)) in entries.iter().enumerate() {
        if i > 0 || !first_inline {
            filler(out, tape, col);
            out.push_str(&" ".repeat(col));
        }
        out.push_str(&quote(key, style % 3));
        if tape.one_in(8) {
            out.push(' ');
        }
        out.push(':');
        render_value(out, value, col, true, tape);
    }
}

fn render_seq(out: &mut String, items: &[Gen], col: usize, tape: &mut Tape<'_>) {
    for item in items {
        filler(out, tape, col);
        out.push_str(&" ".repeat(col));
        out.push('-');
        render_value(out, item, col, false, tape);
    }
}

/// The document: `tree` in block style, then `edits` (position, character) applied to it.
fn render(tree: &Gen, tape: &[u8], edits: &[(usize, char)]) -> String {
    let mut tape = Tape { bytes: tape, at: 0 };
    let mut out = String::new();
    filler(&mut out, &mut tape, 0);
    match tree {
        Gen::Map(entries) => render_map(&mut out, entries, 0, false, &mut tape),
        Gen::Seq(items) => render_seq(&mut out, items, 0, &mut tape),
        Gen::Scalar(..) => render_map(
            &mut out,
            &[("k".into(), 0, tree.clone())],
            0,
            false,
            &mut tape,
        ),
    }
    let mut chars: Vec<char> = out.chars().collect();
    for &(at, c) in edits {
        let at = at % (chars.len() + 1);
        match c {
            // Delete a character.
            '\u{0}' if at < chars.len() => {
                chars.remove(at);
            }
            '\u{0}' => {}
            c => chars.insert(at, c),
        }
    }
    chars.into_iter().collect()
}

fn gen_edits() -> impl Strategy<Value = Vec<(usize, char)>> {
    prop::collection::vec(
        (
            any::<usize>(),
            prop::sample::select(vec![
                '\u{0}', '\u{0}', ' ', ' ', '\n', '-', ':', '#', '\'', '"', '|', '>', '[', '{',
                '&', '*', '!', '?', '\\', 'x', 'é', '\t',
            ]),
        ),
        0..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// On generated documents, perturbed or not: the fast loader declines or agrees.
    #[test]
    fn generated_documents_agree(
        tree in gen_tree(),
        tape in prop::collection::vec(any::<u8>(), 0..256),
        edits in gen_edits(),
    ) {
        let text = render(&tree, &tape, &edits);
        if let Err(e) = compare(&text, &Limits::default()) {
            return Err(TestCaseError::fail(format!("{e}\ntext: {text:?}")));
        }
        let small = Limits { max_yaml_depth: 3, max_yaml_nodes: 24, ..Limits::default() };
        if let Err(e) = compare(&text, &small) {
            return Err(TestCaseError::fail(format!("(small limits) {e}\ntext: {text:?}")));
        }
    }
}

/// The generator is worth running: the fast loader handles a good share of its unperturbed
/// documents (a loader that declined everything would pass the proptest).
#[test]
fn generated_documents_are_often_handled() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (gen_tree(), prop::collection::vec(any::<u8>(), 0..256));
    let (mut handled, total) = (0, 400);
    for _ in 0..total {
        let (tree, tape) = strategy.new_tree(&mut runner).expect("generates").current();
        if agree(&render(&tree, &tape, &[])) {
            handled += 1;
        }
    }
    eprintln!("fast YAML loader: handled {handled} of {total} generated documents");
    assert!(handled * 4 >= total, "handled only {handled} of {total}");
}

/// A small deterministic generator (xorshift), for the corpus mutations.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// `text` with one random edit: a character deleted or inserted, a line deleted,
/// duplicated, indented or dedented, or the text cut short.
fn mutate(text: &str, rng: &mut Rng) -> String {
    const INSERT: &[char] = &[
        ' ', ' ', '\n', '-', ':', '#', '\'', '"', '|', '>', '\\', '[', '{', '&', '*', '!', '?',
        'x', 'é', '\t', '%', '+',
    ];
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line = rng.below(lines.len());
    match rng.below(7) {
        0 | 1 => {
            let mut chars: Vec<char> = text.chars().collect();
            let at = rng.below(chars.len() + 1);
            if rng.below(2) == 0 && at < chars.len() {
                chars.remove(at);
            } else {
                chars.insert(at, INSERT[rng.below(INSERT.len())]);
            }
            chars.into_iter().collect()
        }
        2 if !lines.is_empty() => {
            lines.remove(line);
            lines.concat()
        }
        3 if !lines.is_empty() => {
            lines.insert(line, lines[line]);
            lines.concat()
        }
        4 if !lines.is_empty() => {
            let pad = ["  ", " ", "    "][rng.below(3)];
            let mut out = lines[..line].concat();
            out.push_str(pad);
            out.push_str(&lines[line..].concat());
            out
        }
        5 if !lines.is_empty() => {
            let l = lines[line];
            lines[line] = l.strip_prefix(' ').unwrap_or(l);
            lines.concat()
        }
        _ => {
            let cut = rng.below(text.len() + 1);
            let cut = (0..=cut)
                .rev()
                .find(|&c| text.is_char_boundary(c))
                .unwrap_or(0);
            text[..cut].to_owned()
        }
    }
}

/// Real rules, slightly broken: the fast loader declines or agrees. (A sample of the corpus,
/// a few edits each, so that it stays quick; the fuzz target `parse_rule` does this at
/// length.)
#[test]
fn mutated_corpus_files_agree() {
    let Some(shared) = shared_dir() else { return };
    let files = yaml_files(&shared.join("corpus/sigma"));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut handled, mut total) = (0, 0);
    for path in files.iter().step_by(7) {
        let text = std::fs::read_to_string(path).expect("readable UTF-8");
        for _ in 0..6 {
            let mut t = mutate(&text, &mut rng);
            if rng.below(3) == 0 {
                t = mutate(&t, &mut rng);
            }
            total += 1;
            match compare(&t, &Limits::default()) {
                Ok(h) => handled += usize::from(h),
                Err(e) => panic!("{} mutated: {e}\ntext: {t:?}", path.display()),
            }
        }
    }
    eprintln!("fast YAML loader: handled {handled} of {total} mutated corpus files");
    assert!(handled * 3 >= total, "handled only {handled} of {total}");
}
