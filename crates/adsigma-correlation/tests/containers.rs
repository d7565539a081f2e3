//! The correlation rules shipped in `rules/containers/` resolve against the rules there and
//! pass their own `tests.sequences`.

use adsigma_correlation::sequences::{check_sequence, parse_sequences, run_sequence};
use adsigma_correlation::{CorrelationSet, CorrelatorConfig, RuleRef};
use adsigma_engine::{EngineConfig, compile};
use adsigma_syntax::{Document, FileId, Limits, parse_str};
use std::path::PathBuf;
use std::sync::Arc;

fn load_all() -> Vec<(String, Document)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules/containers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let text = std::fs::read_to_string(f).unwrap();
        let parsed = parse_str(&text, FileId(i as u32), &Limits::default());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!parsed.has_errors(), "{name}: {:?}", parsed.diagnostics);
        out.extend(parsed.documents.into_iter().map(|d| (name.clone(), d)));
    }
    out
}

#[test]
fn shipped_correlations_pass_their_sequences() {
    let docs = load_all();
    let rules: Vec<&adsigma_syntax::Rule> = docs
        .iter()
        .filter_map(|(_, d)| match d {
            Document::Rule(r) => Some(r),
            _ => None,
        })
        .collect();
    let (program, diags) = compile(rules.iter().copied(), &EngineConfig::default());
    assert!(diags.is_empty(), "{diags:?}");
    let refs: Vec<RuleRef<'_>> = rules
        .iter()
        .enumerate()
        .map(|(index, r)| RuleRef {
            index,
            id: r.meta.id.as_ref().map(|x| x.value.as_str()),
            name: r.meta.name.as_ref().map(|x| x.value.as_str()),
        })
        .collect();
    let corrs: Vec<(&str, &adsigma_syntax::Correlation)> = docs
        .iter()
        .filter_map(|(f, d)| match d {
            Document::Correlation(c) => Some((f.as_str(), c)),
            _ => None,
        })
        .collect();
    assert!(corrs.len() >= 3);
    let list: Vec<&adsigma_syntax::Correlation> = corrs.iter().map(|(_, c)| *c).collect();
    let set = Arc::new(CorrelationSet::build(&list, &refs).unwrap_or_else(|e| panic!("{e:?}")));
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
    let mut failures = Vec::new();
    let mut sequences = 0;
    let mut positives = 0;
    for (index, (file, c)) in corrs.iter().enumerate() {
        let seqs = parse_sequences(&c.meta).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        if set.correlation_emits(index) {
            assert!(
                seqs.len() >= 2,
                "{file}: a reported correlation needs sequences"
            );
        }
        for (k, s) in seqs.iter().enumerate() {
            sequences += 1;
            let run = run_sequence(&program, &set, &CorrelatorConfig::default(), &s.events);
            if !run.skipped.is_empty() {
                failures.push(format!(
                    "{file} sequence {k}: skipped events {:?}",
                    run.skipped
                ));
            }
            if let Err(e) = check_sequence(&set, index, &s.expect, &run) {
                failures.push(format!("{file} sequence {k} ({:?}): {e}", s.name));
            }
            positives += usize::from(
                matches!(s.expect, adsigma_correlation::sequences::Expect::Count(n) if n > 0),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(sequences >= 9 && positives >= 3);
    // The building blocks of the flood correlation are suppressed, the standalone rules
    // referenced with generate: true are not.
    let index_of = |id: &str| refs.iter().find(|r| r.id == Some(id)).unwrap().index;
    assert!(!set.rule_emits(index_of("0d4f6b83-9a2e-4c51-8e07-3b6a9f2c1d74")));
    assert!(set.rule_emits(index_of("0b7c3b3c-5cc3-45e3-b864-5de99b3cf2bf")));
}
