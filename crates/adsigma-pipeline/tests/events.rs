//! Real events from ../shared/events: recognition, derived fields, and rules (SigmaHQ
//! corpus, rules/containers, small Sigma-taxonomy rules) compiled through the pipelines.

use crate::{fires, repo_dir, rule, shared_dir};
use adsigma_engine::LogSource;
use adsigma_pipeline::{PipelineSet, by_name, shipped};
use serde_json::Value;
use std::path::Path;

/// (file name, event) of every parseable sample under `events/`.
fn samples(dir: &Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("events")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.strip_prefix(dir).unwrap().display().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            if p.extension().is_some_and(|x| x == "json") && !name.ends_with("tetragon/events.json")
            {
                out.push((name, serde_json::from_str(&text).unwrap()));
            } else if p.extension().is_some_and(|x| x == "jsonl" || x == "json") {
                for (i, l) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    out.push((
                        format!("{name}:{}", i + 1),
                        serde_json::from_str(l).unwrap(),
                    ));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn ls(text: &str) -> LogSource {
    LogSource::parse(text).unwrap()
}

/// The logsource each sample must get, by its path: None = no shipped pipeline recognises it.
fn expected(name: &str, event: &Value) -> Option<(&'static str, LogSource)> {
    if name.starts_with("events/k8s-audit/") {
        if name.ends_with("fal_01_003.json") {
            return None;
        }
        return Some((
            "k8s-audit",
            ls("product=kubernetes,category=application,service=audit"),
        ));
    }
    if name.starts_with("events/docker/") {
        return Some(("docker-events", ls("product=docker,service=events")));
    }
    if name.starts_with("events/tetragon/") {
        return event
            .get("process_exec")
            .map(|_| ("tetragon", ls("product=linux,category=process_creation")));
    }
    if name.starts_with("events/falco/") {
        let exec = ["execve", "execveat"].contains(
            &event["output_fields"]["evt.type"]
                .as_str()
                .unwrap_or("execve"),
        );
        return Some(if exec {
            (
                "falco",
                ls("product=linux,category=process_creation,service=falco"),
            )
        } else {
            ("falco", ls("product=linux,service=falco"))
        });
    }
    panic!("unexpected sample {name}")
}

#[test]
fn each_shipped_pipeline_recognises_exactly_its_samples() {
    let Some(dir) = shared_dir() else { return };
    let all = samples(&dir);
    assert!(all.len() >= 25, "{}", all.len());
    let pipelines = shipped();
    let mut recognised = 0;
    for (name, event) in &all {
        let want = expected(name, event);
        for p in &pipelines {
            let got = p.recognize(event).cloned();
            match &want {
                Some((pname, l)) if *pname == p.name => {
                    assert_eq!(got.as_ref(), Some(l), "{} on {name}", p.name);
                    recognised += 1;
                }
                _ => assert_eq!(got, None, "{} must not recognise {name}", p.name),
            }
        }
    }
    // Every pipeline with samples recognised some.
    assert!(recognised >= 20, "{recognised}");
    // And the set routes to the same.
    let set = PipelineSet::new(pipelines);
    for (name, event) in &all {
        let got = set
            .recognize(event)
            .map(|(p, l)| (p.name.as_str(), l.clone()));
        let want = expected(name, event);
        assert_eq!(got, want, "{name}");
    }
}

/// The index of recognisers by top-level key never rules out a pipeline that recognises
/// the event, and rules out those whose required fields the event lacks; as a
/// `serde_json::Value` and as a `JsonEvent` alike.
#[test]
fn the_recogniser_index_keeps_every_pipeline_that_recognises() {
    let Some(dir) = shared_dir() else { return };
    let pipelines = shipped();
    let index = adsigma_pipeline::RecognizerIndex::new(&pipelines).unwrap();
    let mut ruled_out = 0;
    for (name, event) in samples(&dir) {
        let text = event.to_string();
        let flat = adsigma_engine::json::JsonEvent::parse(&text).unwrap();
        let bits = index.candidates(&event);
        assert_eq!(bits, index.candidates(&flat), "{name}");
        for (i, p) in pipelines.iter().enumerate() {
            if p.recognize(&event).is_some() {
                assert!(bits & (1 << i) != 0, "{} ruled out for {name}", p.name);
            } else if bits & (1 << i) == 0 {
                ruled_out += 1;
            }
        }
    }
    // Most pipelines are ruled out for most events without a lookup.
    assert!(ruled_out >= 100, "{ruled_out}");
    // An array at the top cannot list its keys: nothing is ruled out.
    assert_eq!(
        index.candidates(&serde_json::json!([{"kind": "Event"}])),
        u64::MAX
    );
    // A scalar has no fields: only pipelines with a recogniser that needs none remain.
    assert_eq!(index.candidates(&serde_json::json!(5)), 0);
}

#[test]
fn synthetic_ecs_sysmon_and_auditd_events_are_recognised() {
    let cases = [
        (
            "ecs",
            serde_json::json!({"ecs": {"version": "8.11"}, "event": {"category": ["process"], "type": ["start"]}, "process": {"executable": "/usr/bin/curl", "command_line": "curl -s http://x"}}),
            Some("product=linux,category=process_creation"),
        ),
        (
            "ecs",
            serde_json::json!({"event": {"category": ["process"], "type": ["end"]}, "process": {"executable": "/usr/bin/curl"}}),
            None,
        ),
        (
            "sysmon-linux",
            serde_json::json!({"EventID": 1, "Image": "/usr/bin/curl", "CommandLine": "curl x"}),
            Some("product=linux,category=process_creation"),
        ),
        (
            "sysmon-linux",
            serde_json::json!({"EventID": "3", "Image": "/usr/bin/curl", "DestinationIp": "10.0.0.1"}),
            Some("product=linux,category=network_connection"),
        ),
        ("sysmon-linux", serde_json::json!({"EventID": 1}), None),
        (
            "auditd",
            serde_json::json!({"type": "SYSCALL", "syscall": "59", "exe": "/usr/bin/curl"}),
            Some("product=linux,service=auditd"),
        ),
        (
            "auditd",
            serde_json::json!({"type": "EXECVE", "msg": "audit(1700000000.123:42):", "a0": "curl"}),
            Some("product=linux,service=auditd"),
        ),
        (
            "auditd",
            serde_json::json!({"type": "container", "Action": "start"}),
            None,
        ),
    ];
    for (name, event, want) in cases {
        let p = by_name(name).unwrap();
        assert_eq!(p.recognize(&event).cloned(), want.map(ls), "{name} {event}");
    }
}

#[test]
fn corpus_kubernetes_rules_fire_through_k8s_audit() {
    let Some(dir) = shared_dir() else { return };
    let p = by_name("k8s-audit").unwrap();
    let audit = dir.join("corpus/sigma/rules/application/kubernetes/audit");
    let load = |f: &str| rule(&std::fs::read_to_string(audit.join(f)).unwrap());
    let event = |f: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(dir.join("events/k8s-audit").join(f)).unwrap(),
        )
        .unwrap()
    };
    let pairs = [
        (
            "kubernetes_audit_secrets_modified_or_deleted.yml",
            "create_secret.json",
        ),
        (
            "kubernetes_audit_deployment_deleted.yml",
            "delete_deployment.json",
        ),
        (
            "kubernetes_audit_serviceaccount_creation.yml",
            "create_serviceaccount.json",
        ),
    ];
    let all_events = [
        "create_secret.json",
        "delete_deployment.json",
        "create_serviceaccount.json",
        "create_configmap.json",
        "delete_service.json",
        "minikube_creates_namespace_foo.json",
    ];
    for (rf, hit) in pairs {
        let r = load(rf);
        assert!(p.is_relevant(&r), "{rf}");
        let mapped = p.apply(&r).unwrap();
        for ev in all_events {
            let e = event(ev);
            let routed = p.recognize(&e).unwrap();
            let fits = adsigma_engine::fits(&adsigma_pipeline::logsource_of(&mapped), routed);
            assert_eq!(
                fits && fires(&mapped, &p.derive(&e)),
                ev == hit,
                "{rf} on {ev}"
            );
        }
    }
}

/// Sigma-taxonomy process_creation rules fire through tetragon and falco on the samples they
/// describe, and not on the others.
#[test]
fn process_creation_rules_fire_through_tetragon_and_falco() {
    let Some(dir) = shared_dir() else { return };
    let all = samples(&dir);
    let set = PipelineSet::new(shipped());
    let cases = [
        // A SigmaHQ Linux process_creation rule: netcat/ncat/... execution... written
        // small and Sigma-taxonomy here, with the samples that should fire.
        (
            "title: cat of a keystore\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: /cat\n    CommandLine|contains: '.keystore'\n  condition: sel\n",
            vec!["events/tetragon/00_process_lifecycle/cat_process_exec.json"],
        ),
        (
            "title: curl run by bash in a pod\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: /curl\n    CommandLine: '/usr/bin/curl www.google.com'\n    ParentImage|endswith: /bash\n  condition: sel\n",
            vec!["events/tetragon/00_four_golden_signals/process_exec.json"],
        ),
        (
            "title: shell from a container shim or runc\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    CommandLine|startswith: 'sh -'\n    ParentImage|endswith: [containerd-shim, runc]\n  condition: sel\n",
            vec!["events/falco/alerts.jsonl:1", "events/falco/alerts.jsonl:3"],
        ),
        (
            "title: process in the default namespace\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    orchestrator.namespace: default\n    CommandLine|contains: uptime\n  condition: sel\n",
            vec!["events/falco/alerts.jsonl:3"],
        ),
    ];
    for (text, want) in cases {
        let r = rule(text);
        let mut hits = Vec::new();
        for (name, event) in &all {
            let Some((p, routed)) = set.recognize(event) else {
                continue;
            };
            if !p.is_relevant(&r) {
                continue;
            }
            let mapped = p.apply(&r).unwrap();
            if adsigma_engine::fits(&adsigma_pipeline::logsource_of(&mapped), routed)
                && fires(&mapped, &p.derive(event))
            {
                hits.push(name.clone());
            }
        }
        assert_eq!(hits, want, "{text}");
    }
}

#[test]
fn corpus_linux_process_creation_rule_fires_through_tetragon() {
    let Some(dir) = shared_dir() else { return };
    // SigmaHQ's "Linux Network Service Scanning Tools Execution" and friends use Image and
    // CommandLine; find a corpus rule that matches the Tetragon netcat sample.
    let tetragon = by_name("tetragon").unwrap();
    let nc: Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.join("events/tetragon/00_process_lifecycle/nc_process_exec.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let cat: Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.join("events/tetragon/00_process_lifecycle/cat_process_exec.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let folder = dir.join("corpus/sigma/rules/linux/process_creation");
    let mut fired_on_nc = Vec::new();
    for e in std::fs::read_dir(&folder).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = adsigma_syntax::parse_str(
            &text,
            adsigma_syntax::FileId(0),
            &adsigma_syntax::Limits::default(),
        );
        let Some(adsigma_syntax::Document::Rule(r)) = parsed.documents.into_iter().next() else {
            continue;
        };
        if !tetragon.is_relevant(&r) {
            continue;
        }
        let Ok(mapped) = tetragon.apply(&r) else {
            continue;
        };
        let (program, diags) =
            adsigma_engine::compile([&mapped], &adsigma_engine::EngineConfig::default());
        if !diags.is_empty() {
            continue;
        }
        let run = |e: &Value| {
            let mut out = Vec::new();
            program.matching_rules(
                &tetragon.derive(e),
                None,
                &mut adsigma_engine::Scratch::new(),
                &mut out,
            );
            !out.is_empty()
        };
        if run(&nc) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // A rule about netcat does not fire on a `cat` of a keystore.
            assert!(!run(&cat), "{name} fired on the cat sample too");
            fired_on_nc.push(name);
        }
    }
    assert!(
        !fired_on_nc.is_empty(),
        "no corpus rule fired on the Tetragon nc sample"
    );
    assert!(
        fired_on_nc
            .iter()
            .all(|f| f.contains("netcat") || f.contains("nc") || f.contains("network")),
        "{fired_on_nc:?}"
    );
}

#[test]
fn container_rules_fire_through_the_pipelines_that_carry_their_fields() {
    // rules/containers is written in Sigma taxonomy (process_creation) and in the native
    // Kubernetes audit / Docker events names.
    let containers = repo_dir().join("rules/containers");
    let load = |f: &str| rule(&std::fs::read_to_string(containers.join(f)).unwrap());
    let cryptominer = load("lnx_cryptominer_process_started.yml");
    let tetragon_event = serde_json::json!({"process_exec": {"process": {
        "binary": "/tmp/xmrig", "arguments": "-o stratum+tcp://pool.example:3333 --donate-level 1",
        "pod": {"namespace": "default"}}, "parent": {"binary": "/bin/sh"}}});
    let falco_event = serde_json::json!({"source": "syscall", "rule": "x", "output_fields": {
        "evt.type": "execve", "proc.exepath": "/tmp/xmrig",
        "proc.cmdline": "xmrig -o stratum+tcp://pool.example:3333 --donate-level 1", "proc.pname": "sh"}});
    let ecs_event = serde_json::json!({"event": {"category": "process", "type": "start"}, "process": {
        "executable": "/tmp/xmrig", "command_line": "/tmp/xmrig -o stratum+tcp://pool.example:3333 --donate-level 1",
        "parent": {"executable": "/bin/sh"}}});
    let benign = serde_json::json!({"process_exec": {"process": {"binary": "/usr/bin/ls", "arguments": "-l"}}});
    for (name, event, want) in [
        ("tetragon", &tetragon_event, true),
        ("falco", &falco_event, true),
        ("ecs", &ecs_event, true),
        ("tetragon", &benign, false),
    ] {
        let p = by_name(name).unwrap();
        assert!(p.recognize(event).is_some(), "{name}");
        assert!(p.is_relevant(&cryptominer));
        let mapped = p.apply(&cryptominer).unwrap();
        assert_eq!(fires(&mapped, &p.derive(event)), want, "{name}");
        assert!(
            p.unmapped_fields(&cryptominer).is_empty(),
            "{name}: {:?}",
            p.unmapped_fields(&cryptominer)
        );
    }
    // Docker events rules through docker-events, on the Engine API sample shape.
    let docker = by_name("docker-events").unwrap();
    let commit = load("docker_container_committed_to_named_image.yml");
    let ev = serde_json::json!({"Type": "container", "Action": "commit", "Actor": {"ID": "abc",
        "Attributes": {"imageRef": "registry.internal/base/alpine:3.20"}}, "time": 1});
    assert!(docker.recognize(&ev).is_some() && docker.is_relevant(&commit));
    assert!(fires(&docker.apply(&commit).unwrap(), &ev));
    assert!(!by_name("tetragon").unwrap().is_relevant(&commit));
    // Kubernetes audit rules through k8s-audit.
    let k8s = by_name("k8s-audit").unwrap();
    let exec = load("k8s_interactive_exec_into_pod.yml");
    assert!(k8s.is_relevant(&exec) && !by_name("falco").unwrap().is_relevant(&exec));
}
