//! The embedded copies against `../shared` (skipped when it is absent, unless
//! `ADSIGMA_REQUIRE_SHARED` is set).

use crate::{SEEDS, shared_dir};
use adsigma_ads::attack::ENTERPRISE_ATTACK_JSON;

#[test]
fn vendored_catalogue_matches_shared() {
    let Some(dir) = shared_dir() else { return };
    let shared = std::fs::read_to_string(dir.join("attack/enterprise-attack.json")).unwrap();
    assert!(
        shared == ENTERPRISE_ATTACK_JSON,
        "crates/adsigma-ads/data/enterprise-attack.json differs from ../shared/attack: copy it again"
    );
    let notice = std::fs::read_to_string(dir.join("attack/NOTICE.md")).unwrap();
    assert!(
        adsigma_ads::attack::NOTICE.starts_with(notice.trim_end()),
        "data/NOTICE.md must keep ../shared/attack/NOTICE.md's text"
    );
}

#[test]
fn embedded_seeds_match_shared() {
    let Some(dir) = shared_dir() else { return };
    for (stem, text) in SEEDS {
        let shared = std::fs::read_to_string(dir.join(format!("seeds/{stem}.txt"))).unwrap();
        assert!(
            shared == text,
            "tests/data/seeds/{stem}.txt differs from ../shared/seeds"
        );
    }
    let count = std::fs::read_dir(dir.join("seeds")).unwrap().count();
    assert_eq!(
        count,
        SEEDS.len(),
        "a new seed in ../shared/seeds: embed it"
    );
}

#[test]
fn the_example_rule_matches_shared() {
    let Some(dir) = shared_dir() else { return };
    let shared = std::fs::read_to_string(dir.join("examples/rule-with-ads.yml")).unwrap();
    assert_eq!(shared, crate::EXAMPLE_RULE);
}

/// Every SigmaHQ rule checks without a panic; a rule without `ads:` gets only ATT&CK
/// warnings. Prints the count per code (run with `--nocapture`).
#[test]
fn sigmahq_corpus_checks() {
    let Some(dir) = shared_dir() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir.join("corpus/sigma/rules")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 1000, "{}", files.len());
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut rules = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let parsed = adsigma_syntax::parse_str(
            &text,
            adsigma_syntax::FileId(0),
            &adsigma_syntax::Limits::default(),
        );
        for doc in parsed.documents {
            if let adsigma_syntax::Document::Rule(r) = doc {
                for d in adsigma_ads::check_rule(&r) {
                    assert!(d.code.code.starts_with('A'), "{}: {d:?}", f.display());
                    assert_ne!(d.severity, adsigma_ads::Severity::Error);
                    *counts.entry(d.code.code).or_default() += 1;
                }
                rules.push(r);
            }
        }
    }
    let refs: Vec<&adsigma_syntax::Rule> = rules.iter().collect();
    let c = adsigma_ads::coverage(&refs);
    eprintln!(
        "{} rules, {} techniques covered; diagnostics per code: {counts:?}",
        c.rules,
        c.techniques.len()
    );
    assert!(c.techniques.len() > 200);
}
