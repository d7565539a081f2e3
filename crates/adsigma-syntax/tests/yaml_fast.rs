//! The fast YAML loader (`yaml::load_fast`) against the saphyr event path
//! (`yaml::load_saphyr`): wherever the fast loader returns trees, they are the saphyr path's,
//! spans included, and the saphyr path reports nothing. On the SigmaHQ corpus, on this
//! repository's rules, on hand-written snippets and on generated documents (proptest).

use crate::common::{shared_dir, yaml_files};
use adsigma_syntax::yaml::{Node, load_fast, load_saphyr};
use adsigma_syntax::{FileId, Limits};
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
