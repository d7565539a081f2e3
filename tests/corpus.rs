//! The corpus contract of CONFORMANCE.md, at the syntax level: what must load does, with no
//! error; what uses Sigma v1 features says which.

use crate::shared_dir;
use adsigma::{Diagnostic, RulePack, Severity};
use std::collections::{BTreeMap, BTreeSet};

fn errors(pack: &RulePack) -> Vec<(String, &Diagnostic)> {
    pack.errors()
        .map(|d| {
            let path = pack.sources().path(d.span().file).display().to_string();
            (path, d)
        })
        .collect()
}

fn show(errs: &[(String, &Diagnostic)]) -> String {
    errs.iter()
        .map(|(p, d)| format!("{p}:{}: {} {}", d.span(), d.code.code, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn rules_placeholder_and_compliance_load_without_error() {
    let Some(shared) = shared_dir() else { return };
    let base = shared.join("corpus/sigma");
    for (dir, min_docs) in [
        ("rules", 3141),
        ("rules-placeholder", 23),
        ("rules-compliance", 1),
    ] {
        let pack = RulePack::load(base.join(dir)).unwrap();
        let errs = errors(&pack);
        assert!(errs.is_empty(), "{dir}:\n{}", show(&errs));
        assert!(
            pack.documents().len() >= min_docs,
            "{dir}: {} documents",
            pack.documents().len()
        );
        // Every file gave at least one document.
        let files_with_docs: BTreeSet<_> = pack.documents().iter().map(|d| d.file).collect();
        assert_eq!(files_with_docs.len(), pack.sources().len(), "{dir}");
    }
}

#[test]
fn deprecated_loads_except_the_v1_aggregation() {
    let Some(shared) = shared_dir() else { return };
    let pack = RulePack::load(shared.join("corpus/sigma/deprecated")).unwrap();
    assert_eq!(pack.sources().len(), 172);
    let errs = errors(&pack);
    let files: BTreeSet<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(files.len(), 1, "{}", show(&errs));
    assert!(
        files
            .iter()
            .all(|f| f.ends_with("deprecated/other/generic_brute_force.yml"))
    );
    assert!(errs.iter().all(|(_, d)| d.code.name == "v1_aggregation"));
    assert!(
        errs.iter().any(|(_, d)| d.message.contains("value_count")),
        "names the correlation type: {}",
        show(&errs)
    );
    // Old-style dates are accepted with a warning.
    assert!(
        pack.diagnostics()
            .iter()
            .any(|d| d.code.name == "old_date_format" && d.severity == Severity::Warning)
    );
}

#[test]
fn unsupported_files_load_or_name_their_v1_feature() {
    let Some(shared) = shared_dir() else { return };
    let pack = RulePack::load(shared.join("corpus/sigma/unsupported")).unwrap();
    assert_eq!(pack.sources().len(), 87);
    let mut by_file: BTreeMap<String, Vec<&Diagnostic>> = BTreeMap::new();
    for (p, d) in errors(&pack) {
        by_file.entry(p).or_default().push(d);
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, ds) in &by_file {
        let names: BTreeSet<&str> = ds.iter().map(|d| d.code.name).collect();
        let v1 = names.contains("v1_aggregation") || names.contains("v1_near");
        let stateful = ds
            .iter()
            .any(|d| d.message.contains("stateful multi-event logic"));
        assert!(
            v1 || stateful,
            "{file} fails without naming the v1 feature: {:?}",
            ds.iter()
                .map(|d| (d.code.code, &d.message))
                .collect::<Vec<_>>()
        );
        for n in names {
            *counts.entry(n).or_default() += 1;
        }
    }
    // 54 files use pipes, 8 use `near` (CONFORMANCE.md).
    assert!(
        counts.get("v1_aggregation").copied().unwrap_or(0) >= 54,
        "{counts:?}"
    );
    assert_eq!(counts.get("v1_near").copied(), Some(8), "{counts:?}");
    // The rest load.
    let loaded: BTreeSet<_> = pack.documents().iter().map(|d| d.file).collect();
    assert_eq!(
        loaded.len() + by_file.len(),
        87,
        "every file either loads or errs"
    );
}

#[test]
fn spec_examples_load_without_error() {
    let Some(shared) = shared_dir() else { return };
    let pack = RulePack::load(shared.join("spec/examples")).unwrap();
    let errs = errors(&pack);
    assert!(errs.is_empty(), "{}", show(&errs));
    let kinds: BTreeMap<&str, usize> = pack.documents().iter().fold(BTreeMap::new(), |mut m, d| {
        *m.entry(d.document.kind_name()).or_default() += 1;
        m
    });
    assert_eq!(kinds.get("correlation"), Some(&8));
    assert_eq!(kinds.get("filter"), Some(&2));
    assert_eq!(kinds.get("rule"), Some(&2));
}
