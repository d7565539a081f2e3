//! Report -> rule skeleton: valid YAML, a stable id, and the ADS read back from it.

use crate::{SEEDS, codes};
use adsigma_ads::{
    ADS_REPORT_NAMESPACE, Ads, check_rule, import_markdown, skeleton_id, skeleton_yaml, uuid,
};
use adsigma_syntax::{Document, FileId, Limits, parse_str};

/// The skeleton with a logsource and a detection written in, parsed as a rule.
fn completed(yaml: &str, logsource: &str) -> adsigma_syntax::Rule {
    assert_eq!(yaml.matches("\nlogsource: {}\n").count(), 1, "{yaml}");
    assert_eq!(yaml.matches("\ndetection: {}\n").count(), 1, "{yaml}");
    let text = yaml
        .replace("\nlogsource: {}\n", &format!("\nlogsource: {logsource}\n"))
        .replace(
            "\ndetection: {}\n",
            "\ndetection:\n  sel: {verb: create}\n  condition: sel\n",
        );
    let parsed = parse_str(&text, FileId(0), &Limits::default());
    assert!(!parsed.has_errors(), "{:#?}\n{text}", parsed.diagnostics);
    match parsed.documents.into_iter().next() {
        Some(Document::Rule(r)) => r,
        other => panic!("{other:?}"),
    }
}

/// What survives the trip through a rule: technique names come from the catalogue, and
/// resources are split into `references` (URLs, read after `ads.resources`).
fn normalised(mut a: Ads) -> Ads {
    for t in &mut a.categorization.techniques {
        t.name = adsigma_ads::TechniqueRef::from_catalogue(&t.id).name;
    }
    a.resources.sort();
    a
}

#[test]
fn seed_skeletons_are_yaml_and_read_back_to_the_report() {
    for (stem, text) in SEEDS {
        let (ads, _) = import_markdown(text);
        let yaml = skeleton_yaml(&ads);
        // As written (empty detection): well-formed YAML, and only the detection is missing.
        let parsed = parse_str(&yaml, FileId(0), &Limits::default());
        assert!(
            parsed
                .diagnostics
                .iter()
                .all(|d| !d.code.code.starts_with('Y')),
            "{stem}: {:#?}",
            parsed.diagnostics
        );
        assert!(
            parsed
                .diagnostics
                .iter()
                .any(|d| d.code.name == "empty_detection"),
            "{stem}: the empty detection is reported: {:#?}",
            parsed.diagnostics
        );
        let rule = completed(&yaml, "{product: kubernetes, service: audit}");
        let (back, diags) = Ads::from_rule(&rule);
        assert!(diags.is_empty(), "{stem}: {diags:#?}");
        let mut want = ads.clone();
        if want.title.is_none() {
            want.title = back.title.clone();
        }
        assert_eq!(normalised(back), normalised(want), "{stem}:\n{yaml}");
        assert_eq!(rule.meta.id.as_ref().unwrap().value, skeleton_id(&ads));
    }
}

#[test]
fn ids_are_stable_and_distinct() {
    let ids: Vec<String> = SEEDS
        .iter()
        .map(|(_, t)| skeleton_id(&import_markdown(t).0))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        assert!(uuid::parse(id).is_some(), "{id}");
        assert_eq!(&id[14..15], "5", "version 5: {id}");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "RFC variant: {id}"
        );
        assert_eq!(*id, skeleton_id(&import_markdown(SEEDS[i].1).0), "stable");
        for other in &ids[i + 1..] {
            assert_ne!(
                id, other,
                "seeds 003 and 004 share a generic heading, not an id"
            );
        }
    }
    // The id is the UUID v5 of the title in the fixed namespace.
    let (ads, _) = import_markdown(SEEDS[1].1);
    assert_eq!(
        skeleton_id(&ads),
        uuid::format(&uuid::v5(
            &ADS_REPORT_NAMESPACE,
            b"Detect Adversarial Attempts to Bypass Security Monitoring Using Containers"
        ))
    );
    assert_eq!(
        uuid::format(&ADS_REPORT_NAMESPACE),
        uuid::format(&uuid::v5(&uuid::NAMESPACE_URL, b"urn:adsigma:ads-report"))
    );
}

#[test]
fn a_skeleton_without_a_report_title_derives_one() {
    let (ads, _) = import_markdown(SEEDS[4].1);
    let yaml = skeleton_yaml(&ads);
    assert!(yaml.contains("# The report has no title of its own: this one is derived from it.\n"));
    assert!(
        yaml.contains("title: \"Direct Network Flood (T1498.001)\"\n"),
        "{yaml}"
    );
    assert!(yaml.contains("level: high\n"));
    assert!(yaml.contains("tags:\n  - attack.impact\n  - attack.t1498.001\n"));
}

#[test]
fn checking_a_seed_skeleton_reports_its_attack_problems() {
    // Seed 002 as a Kubernetes audit rule: Email Addresses is a PRE technique.
    let (ads, _) = import_markdown(SEEDS[2].1);
    let rule = completed(
        &skeleton_yaml(&ads),
        "{product: kubernetes, service: audit}",
    );
    let d = check_rule(&rule);
    let attack: Vec<&str> = codes(&d)
        .into_iter()
        .filter(|c| c.starts_with('A'))
        .collect();
    assert_eq!(attack, ["A106"], "{d:#?}");
    // The ATT&CK warning points at the tag.
    let a = d.iter().find(|d| d.code.code == "A106").unwrap();
    let line = skeleton_yaml(&ads)
        .lines()
        .position(|l| l == "  - attack.t1589.002")
        .unwrap();
    assert_eq!(a.span().start.line as usize, line + 1);
    // Missing sections are warnings (experimental).
    assert!(
        d.iter()
            .filter(|d| d.code.code == "D101")
            .all(|d| !d.is_error())
    );
}

#[test]
fn multi_line_text_is_a_literal_block() {
    let mut ads = Ads {
        goal: Some("First line\nsecond line\n\nNew paragraph with \"quotes\" and # hash".into()),
        validation: vec![
            "Run:\n```sh\n  kubectl exec -it pod -- sh\n```".into(),
            "tab\there".into(),
        ],
        ..Ads::default()
    };
    ads.extra.push("Weird: key".into(), "x".into());
    let yaml = skeleton_yaml(&ads);
    assert!(
        yaml.contains("description: |-\n  First line\n  second line\n\n  New paragraph"),
        "{yaml}"
    );
    let rule = completed(&yaml, "{product: linux}");
    let (back, diags) = Ads::from_rule(&rule);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(back.goal, ads.goal);
    assert_eq!(back.validation, ads.validation);
    assert_eq!(back.extra, ads.extra);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Model -> skeleton -> rule -> model keeps everything a rule can hold.
    #[test]
    fn skeleton_round_trip(ads in crate::roundtrip::ads()) {
        let yaml = skeleton_yaml(&ads);
        let rule = completed(&yaml, "{product: nothing}");
        let (back, diags) = Ads::from_rule(&rule);
        proptest::prop_assert!(
            diags.iter().all(|d| d.code.name == "ads_unknown_platform"),
            "{:#?}", diags
        );
        let mut want = ads.clone();
        if want.title.is_none() {
            want.title = back.title.clone();
        }
        proptest::prop_assert_eq!(normalised(back), normalised(want), "{}", yaml);
    }
}

/// YAML limits an implicit key to 1024 characters: an extra section's heading longer than
/// that (found by fuzzing) is written as an explicit `? ` key, which the rule parser reads
/// back to the same heading; shorter ones stay implicit.
#[test]
fn long_extra_headings_are_explicit_keys() {
    for n in [990, 996, 1000, 1024, 1100, 5000] {
        let heading = "N".repeat(n);
        let mut ads = Ads {
            goal: Some("Detect a shell in a pod.".into()),
            ..Ads::default()
        };
        ads.extra.push(heading.clone(), "text".into());
        ads.extra.push("Owners".into(), "a\nb".into());
        let yaml = skeleton_yaml(&ads);
        assert_eq!(yaml.contains("    ? \""), n + 2 > 1000, "{n}");
        let rule = completed(&yaml, "{product: kubernetes, service: audit}");
        let (back, diags) = Ads::from_rule(&rule);
        assert!(diags.is_empty(), "{n}: {diags:#?}");
        assert_eq!(back.extra, ads.extra, "{n}");
    }
}
