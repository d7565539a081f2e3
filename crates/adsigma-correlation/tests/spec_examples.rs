//! Every sample of the specification parses and behaves as decided.

use crate::common::{Run, S, docs, shared_dir};
use adsigma_correlation::{CorrelationSet, RuleRef, apply_filters};
use adsigma_syntax::Document;
use serde_json::json;
use std::sync::Arc;

/// The correlation sample `file`, built against one rule per reference (index = position).
fn sample(file: &str) -> Option<(Arc<CorrelationSet>, Vec<String>)> {
    let dir = shared_dir()?;
    let text = std::fs::read_to_string(dir.join("spec/examples/correlation").join(file)).unwrap();
    let d = docs(&text);
    let Document::Correlation(c) = &d[0] else {
        panic!("{file} is not a correlation")
    };
    let refs: Vec<String> = c
        .correlation
        .rules
        .iter()
        .map(|r| r.value.clone())
        .collect();
    let rules: Vec<RuleRef<'_>> = refs
        .iter()
        .enumerate()
        .map(|(index, r)| RuleRef {
            index,
            id: Some(r),
            name: Some(r),
        })
        .collect();
    let set = CorrelationSet::build(&[c], &rules).unwrap();
    Some((Arc::new(set), refs))
}

#[test]
fn every_sample_parses_and_builds() {
    let Some(dir) = shared_dir() else { return };
    let mut n = 0;
    for sub in ["correlation", "filter", "rules"] {
        for entry in std::fs::read_dir(dir.join("spec/examples").join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let d = docs(&std::fs::read_to_string(&path).unwrap());
            assert_eq!(d.len(), 1, "{}", path.display());
            if sub == "correlation" {
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                assert!(sample(&name).is_some());
            }
            n += 1;
        }
    }
    assert_eq!(n, 12);
}

#[test]
fn event_count_sample() {
    for (file, field) in [
        ("event_count.yml", "ComputerName"),
        ("event_count_ecs.yml", "dns.question.name"),
    ] {
        let Some((set, _)) = sample(file) else { return };
        let mut r = Run::new(set);
        for i in 0..99 {
            r.at(i * S, &[0], json!({ field: "pc1" }));
        }
        r.at(100 * S, &[0], json!({ field: "pc2" }));
        assert!(r.out.is_empty());
        r.at(3600 * S, &[0], json!({ field: "pc1" }));
        assert_eq!(r.values(), [100.0], "{file}");
        assert_eq!(r.out[0].group, [(field.to_owned(), "pc1".to_owned())]);
        assert_eq!(r.out[0].events.len(), 100);
    }
}

#[test]
fn value_count_sample() {
    let Some((set, _)) = sample("value_count.yml") else {
        return;
    };
    let mut r = Run::new(set);
    for i in 0..150 {
        let e = json!({"ComputerName": "dc1", "WorkstationName": "ws7", "User": format!("u{}", i % 100)});
        r.at(i * S, &[0], e);
    }
    assert_eq!(r.values(), [100.0]);
    assert_eq!(r.out[0].events.len(), 100);
}

#[test]
fn temporal_samples() {
    let Some((set, _)) = sample("temporal.yml") else {
        return;
    };
    let e = json!({"ComputerName": "pc", "User": "eve"});
    let mut r = Run::new(set);
    r.at(0, &[2], e.clone())
        .at(S, &[1], e.clone())
        .at(300 * S, &[0], e.clone());
    assert_eq!(r.values(), [3.0]);
    let Some((set, _)) = sample("temporal_ordered.yml") else {
        return;
    };
    let mut r = Run::new(set.clone());
    r.at(0, &[2], e.clone())
        .at(S, &[1], e.clone())
        .at(2 * S, &[0], e.clone());
    assert!(r.out.is_empty());
    let mut r = Run::new(set);
    r.at(0, &[0], e.clone())
        .at(S, &[1], e.clone())
        .at(300 * S + 1, &[2], e.clone());
    assert!(r.out.is_empty(), "c came 5m + 1ns after a");
}

#[test]
fn value_sum_and_avg_samples() {
    let Some((set, _)) = sample("value_sum.yml") else {
        return;
    };
    let mut r = Run::new(set);
    for i in 0..3 {
        r.at(
            i * S,
            &[0],
            json!({"SourceIP": "10.0.0.1", "User": "eve", "bytes_sent": 400_000}),
        );
    }
    assert_eq!(r.values(), [1_200_000.0]);
    let Some((set, _)) = sample("value_avg.yml") else {
        return;
    };
    let mut r = Run::new(set);
    r.at(
        0,
        &[0],
        json!({"SourceIP": "10.0.0.1", "User": "eve", "BytesOut": 400}),
    );
    assert!(r.out.is_empty());
    r.at(
        S,
        &[0],
        json!({"SourceIP": "10.0.0.1", "User": "eve", "BytesOut": 700}),
    );
    assert_eq!(r.values(), [550.0]);
}

#[test]
fn value_percentile_sample() {
    let Some((set, _)) = sample("value_percentile.yml") else {
        return;
    };
    let mut r = Run::new(set);
    for i in 0..100 {
        r.at(
            i * S,
            &[0],
            json!({"ComputerName": "pc", "Image": "C:\\Windows\\explorer.exe"}),
        );
    }
    r.at(
        200 * S,
        &[0],
        json!({"ComputerName": "pc", "Image": "C:\\Users\\x\\evil.exe"}),
    );
    r.flush();
    assert_eq!(r.out.len(), 1);
    assert_eq!(
        r.out[0].field_value.as_deref(),
        Some("C:\\Users\\x\\evil.exe")
    );
    assert!((r.out[0].value - 100.0 / 101.0).abs() < 1e-9);
}

#[test]
fn filter_samples_restrict_their_rules() {
    let Some(dir) = shared_dir() else { return };
    let read = |p: &str| std::fs::read_to_string(dir.join("spec/examples").join(p)).unwrap();
    // filter_1 names two rules of windows process_creation: give rule_1 one of those ids and
    // that logsource.
    let rule_text = read("rules/rule_1.yml")
        .replace(
            "545a5da6-f103-4919-a519-e9aec1026ee4",
            "6f3e2987-db24-4c78-a860-b4f4095a7095",
        )
        .replace("service: application", "category: process_creation");
    let rd = docs(&rule_text);
    let fd = docs(&read("filter/filter_1.yml"));
    let (Document::Rule(rule), Document::Filter(filter)) = (&rd[0], &fd[0]) else {
        panic!()
    };
    let (rules, diags) = apply_filters(std::slice::from_ref(rule), &[filter]);
    // The second id is not loaded: a warning.
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code.code, "C306");
    assert_eq!(
        rules[0].detection.conditions[0].text.value,
        "selection and _filter0_selection"
    );
    // rule_ecs (network/dns) against filter_ecs: applies; rule_1 as written (windows
    // application) does not fit filter_1's logsource.
    let ecs = docs(&read("rules/rule_ecs.yml").replace(
        "545a5da6-f103-4919-a519-e9aec1026ee4",
        "df0841c0-9846-4e9f-ad8a-7df91571771b",
    ));
    let fecs = docs(&read("filter/filter_ecs.yml"));
    let (Document::Rule(ecs_rule), Document::Filter(ecs_filter)) = (&ecs[0], &fecs[0]) else {
        panic!()
    };
    let (rules, diags) = apply_filters(std::slice::from_ref(ecs_rule), &[ecs_filter]);
    assert_eq!(diags.len(), 1, "rule 1 of the filter is not loaded");
    assert_eq!(rules[0].detection.identifiers.len(), 2);
    let plain = docs(&read("rules/rule_1.yml").replace(
        "545a5da6-f103-4919-a519-e9aec1026ee4",
        "6f3e2987-db24-4c78-a860-b4f4095a7095",
    ));
    let Document::Rule(plain) = &plain[0] else {
        panic!()
    };
    let (rules, diags) = apply_filters(std::slice::from_ref(plain), &[filter]);
    assert!(diags.iter().any(|d| d.code.code == "C307"));
    assert_eq!(&rules[0], plain);
}
