//! The SigmaHQ corpus in ../shared: adsigma finds what pySigma finds (54 escaped_wildcard,
//! 8 number_as_string, 4 specific_instead_of_generic_logsource) and no errors.

use adsigma_lint::{Doc, Options};
use adsigma_syntax::{Limits, SourceMap};
use std::path::{Path, PathBuf};

fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("ADSIGMA_REQUIRE_SHARED").is_none(),
            "../shared is missing"
        );
        None
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_has_pysigmas_findings_and_no_errors() {
    let Some(shared) = shared_dir() else { return };
    let mut files = Vec::new();
    for d in ["rules", "rules-placeholder", "rules-compliance"] {
        yaml_files(&shared.join("corpus/sigma").join(d), &mut files);
    }
    let mut sources = SourceMap::new();
    let mut docs = Vec::new();
    let mut parse = Vec::new();
    for f in &files {
        let id = sources.add(f.clone(), std::fs::read_to_string(f).unwrap());
        let parsed = sources.parse(id, &Limits::default());
        parse.extend(parsed.diagnostics);
        docs.extend(parsed.documents.into_iter().map(|d| (id, d)));
    }
    let refs: Vec<Doc<'_>> = docs
        .iter()
        .map(|(f, d)| Doc {
            file: *f,
            document: d,
        })
        .collect();
    let options = Options {
        engine: adsigma_engine::EngineConfig {
            unresolved_placeholders: adsigma_engine::UnresolvedPlaceholders::SkipRule,
            ..Default::default()
        },
        ..Options::default()
    };
    let diags = adsigma_lint::check(&sources, &refs, &parse, &options);
    let count = |name: &str| diags.iter().filter(|d| d.code.name == name).count();
    assert_eq!(count("escaped_wildcard"), 54);
    assert_eq!(count("number_as_string"), 8);
    assert_eq!(count("specific_instead_of_generic_logsource"), 4);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
