//! Evaluating events against the SigmaHQ corpus (`../shared/corpus/sigma/rules`, 3141
//! rules) compiled at once.
//!
//! Workload: events from `../shared/bench/gen_events.py` (generated into `target/bench/` on
//! first run; deterministic, seed 42). Benchmarks, all single-threaded:
//! - `json_parse`: serde_json parsing alone (the baseline for ratios);
//! - `parse_and_evaluate/all_rules`: parse + evaluate every event against every rule
//!   (logsource unknown), the unrouted whole-pipeline cost;
//! - `evaluate/{10,100,1000,all}`: evaluation only (events pre-parsed), with the first N
//!   rules in path order, to show how the cost grows with the rule count;
//! - `evaluate_routed/linux_proc`: the process_creation lane routed with its logsource,
//!   pre-parsed, and `linux_proc_parse_jsonevent` parsing each event as a `JsonEvent`;
//! - `json_parse/jsonevent` and `parse_and_evaluate/all_rules_jsonevent`: the same with the
//!   engine's borrowed `JsonEvent` instead of `serde_json::Value` (what `scan` uses).
//!
//! Each benchmark counts matches outside the timing loop first and asserts every timed run
//! finds the same number. Run with `cargo bench --bench evaluate`.

use adsigma::engine::json::JsonEvent;
use adsigma::{Engine, LogSource, RulePack, Scratch};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use std::time::Duration;

const EVENTS: usize = 20_000;

fn shared() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    d.join("corpus/sigma").is_dir().then_some(d)
}

/// Generates (once) and reads an event file; `lane` selects one lane.
fn events(shared: &Path, lane: Option<&str>) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("events_{}_{EVENTS}.ndjson", lane.unwrap_or("all"));
    let out = dir.join(name);
    if !out.exists() {
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(shared.join("bench/gen_events.py"))
            .arg("--sigma")
            .arg(shared.join("corpus/sigma"))
            .arg("--count")
            .arg(EVENTS.to_string())
            .arg("--out")
            .arg(&out);
        if let Some(l) = lane {
            cmd.arg("--lane").arg(l);
        }
        let status = cmd.status().expect("python3 runs gen_events.py");
        assert!(status.success(), "gen_events.py failed");
    }
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn count_matches(engine: &Engine, events: &[serde_json::Value], ls: Option<&LogSource>) -> usize {
    let mut scratch = Scratch::new();
    let mut hits = Vec::new();
    let mut n = 0;
    for e in events {
        hits.clear();
        engine.evaluate_into(e, ls, &mut scratch, &mut hits);
        n += hits.len();
    }
    n
}

fn bench(c: &mut Criterion) {
    let Some(shared) = shared() else {
        eprintln!("skipping evaluate: ../shared is missing");
        return;
    };
    let lines = events(&shared, None);
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pack = RulePack::load(shared.join("corpus/sigma/rules")).unwrap();
    let all = Engine::new(&pack).unwrap();

    let mut g = c.benchmark_group("json_parse");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("serde_json_value", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                n += v.as_object().map_or(0, |o| o.len());
            }
            n
        })
    });
    g.bench_function("jsonevent", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let v = JsonEvent::parse(l).unwrap();
                n += usize::from(v.is_object());
            }
            n
        })
    });
    g.finish();

    let mut g = c.benchmark_group("parse_and_evaluate");
    g.throughput(Throughput::Elements(lines.len() as u64));
    let expected = count_matches(&all, &parsed, None);
    g.bench_function("all_rules", |b| {
        let mut scratch = Scratch::new();
        let mut hits = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                hits.clear();
                all.evaluate_into(&v, None, &mut scratch, &mut hits);
                n += hits.len();
            }
            assert_eq!(n, expected);
        })
    });
    g.bench_function("all_rules_jsonevent", |b| {
        let mut scratch = Scratch::new();
        let mut hits = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                let v = JsonEvent::parse(l).unwrap();
                hits.clear();
                all.evaluate_into(&v, None, &mut scratch, &mut hits);
                n += hits.len();
            }
            assert_eq!(n, expected);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(parsed.len() as u64));
    let rule_docs: Vec<&adsigma::syntax::Rule> = pack
        .documents()
        .iter()
        .filter_map(|d| match &d.document {
            adsigma::Document::Rule(r) => Some(r),
            _ => None,
        })
        .collect();
    for n in [10usize, 100, 1000, rule_docs.len()] {
        let engine = if n == rule_docs.len() {
            all.clone()
        } else {
            let mut sub = RulePack::default();
            for d in pack.documents().iter().take(n) {
                let src = pack.sources().get(d.file).unwrap();
                sub.add_text(src.path.clone(), src.text.clone());
            }
            Engine::new(&sub).unwrap()
        };
        let expected = count_matches(&engine, &parsed, None);
        let label = if n == rule_docs.len() {
            "all".to_owned()
        } else {
            n.to_string()
        };
        g.bench_with_input(BenchmarkId::from_parameter(label), &engine, |b, engine| {
            let mut scratch = Scratch::new();
            let mut hits = Vec::new();
            b.iter(|| {
                let mut m = 0;
                for e in &parsed {
                    hits.clear();
                    engine.evaluate_into(e, None, &mut scratch, &mut hits);
                    m += hits.len();
                }
                assert_eq!(m, expected);
            })
        });
    }
    g.finish();

    let lane: Vec<serde_json::Value> = events(&shared, Some("linux_proc"))
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ls = LogSource::parse("product=linux,category=process_creation").unwrap();
    let expected = count_matches(&all, &lane, Some(&ls));
    let mut g = c.benchmark_group("evaluate_routed");
    g.throughput(Throughput::Elements(lane.len() as u64));
    g.bench_function("linux_proc", |b| {
        let mut scratch = Scratch::new();
        let mut hits = Vec::new();
        b.iter(|| {
            let mut m = 0;
            for e in &lane {
                hits.clear();
                all.evaluate_into(e, Some(&ls), &mut scratch, &mut hits);
                m += hits.len();
            }
            assert_eq!(m, expected);
        })
    });
    let lane_lines = events(&shared, Some("linux_proc"));
    g.bench_function("linux_proc_parse_jsonevent", |b| {
        let mut scratch = Scratch::new();
        let mut hits = Vec::new();
        b.iter(|| {
            let mut m = 0;
            for l in &lane_lines {
                let e = JsonEvent::parse(l).unwrap();
                hits.clear();
                all.evaluate_into(&e, Some(&ls), &mut scratch, &mut hits);
                m += hits.len();
            }
            assert_eq!(m, expected);
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
