//! Correlation throughput: 100 correlation rules of every type over 1M events with 100k
//! distinct group keys, fed in time order. Prints events/s per run and, at the end, the peak
//! resident memory (VmHWM, Linux) and the state held, which the caps bound.
//!
//! `cargo bench -p adsigma-correlation --bench correlate`; `ADSIGMA_BENCH_EVENTS` and
//! `ADSIGMA_BENCH_KEYS` change the sizes.

use adsigma_correlation::{CorrelationSet, Correlator, CorrelatorConfig, RuleRef};
use adsigma_engine::{Event, EventValue};
use adsigma_syntax::{Document, FileId, Limits, parse_str};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::sync::Arc;
use std::time::Instant;

const RULES: usize = 20;
const CORRELATIONS: usize = 100;

/// A synthetic event: no JSON, so the bench measures the correlator.
struct Ev {
    user: String,
    host: String,
    bytes: i64,
}

impl Event for Ev {
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        match path {
            "user" => visit(EventValue::Str(&self.user)),
            "host" => visit(EventValue::Str(&self.host)),
            "bytes" => visit(EventValue::Int(self.bytes)),
            _ => {
                visit(EventValue::Missing);
                return false;
            }
        }
        true
    }
    fn walk(&self, _visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        false
    }
}

fn correlations() -> String {
    let kinds = [
        ("event_count", "{gte: 5}"),
        ("value_count", "{field: host, gte: 3}"),
        ("value_sum", "{field: bytes, gt: 5000}"),
        ("value_avg", "{field: bytes, gt: 900}"),
        ("value_percentile", "{field: host, lte: 5}"),
        ("temporal", ""),
        ("temporal_ordered", ""),
        ("event_count", "{lt: 2}"),
    ];
    (0..CORRELATIONS)
        .map(|i| {
            let (kind, cond) = kinds[i % kinds.len()];
            let rules: Vec<String> = (0..1 + i % 3).map(|k| format!("r{}", (i + 7 * k) % RULES)).collect();
            let cond = if cond.is_empty() { String::new() } else { format!("  condition: {cond}\n") };
            let group = if i % 5 == 0 { "[user, host]" } else { "[user]" };
            format!(
                "title: c{i}\ncorrelation:\n  type: {kind}\n  rules: [{}]\n  group-by: {group}\n  timespan: {}s\n  generate: true\n{cond}",
                rules.join(", "),
                60 + (i % 10) * 60
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmHWM` (peak) or `VmRSS` (current) of this process in KiB, on Linux.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let n_events = env("ADSIGMA_BENCH_EVENTS", 1_000_000);
    let n_keys = env("ADSIGMA_BENCH_KEYS", 100_000);
    let text = correlations();
    let parsed = parse_str(&text, FileId(0), &Limits::default());
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let docs: Vec<_> = parsed
        .documents
        .iter()
        .filter_map(|d| match d {
            Document::Correlation(c) => Some(c),
            _ => None,
        })
        .collect();
    let names: Vec<String> = (0..RULES).map(|i| format!("r{i}")).collect();
    let refs: Vec<RuleRef<'_>> = names
        .iter()
        .enumerate()
        .map(|(index, n)| RuleRef {
            index,
            id: None,
            name: Some(n),
        })
        .collect();
    let set = Arc::new(CorrelationSet::build(&docs, &refs).unwrap());
    // Events: user from n_keys, host from 16, one to three rules each; 1 ms apart.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let events: Vec<(Ev, Vec<usize>)> = (0..n_events)
        .map(|_| {
            let r = next();
            let rules: Vec<usize> = (0..1 + (r % 3) as usize)
                .map(|k| ((r >> (8 + 8 * k)) % RULES as u64) as usize)
                .collect();
            (
                Ev {
                    user: format!("user{}", (r >> 32) % n_keys as u64),
                    host: format!("host{}", (r >> 4) % 16),
                    bytes: ((r >> 20) % 2000) as i64,
                },
                rules,
            )
        })
        .collect();
    // The generated events alone; the correlator's share of the peak is above this.
    let baseline = status_kib("VmRSS:");
    let mut group = c.benchmark_group("correlate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n_events as u64));
    let mut last = None;
    group.bench_function(
        format!("{CORRELATIONS}_correlations_{n_events}_events_{n_keys}_keys"),
        |b| {
            b.iter(|| {
                let start = Instant::now();
                let mut correlator: Correlator<u32> =
                    Correlator::new(Arc::clone(&set), CorrelatorConfig::default());
                let mut matches = 0usize;
                for (i, (e, rules)) in events.iter().enumerate() {
                    let t = 1_800_000_000_000_000_000 + i as i64 * 1_000_000;
                    matches += correlator
                        .observe_at(e, t, i as u32, rules)
                        .map_or(0, |m| m.len());
                }
                let held = (correlator.groups(), correlator.events_held());
                matches += correlator.flush().len();
                let secs = start.elapsed().as_secs_f64();
                last = Some((
                    matches,
                    held,
                    correlator.stats().clone(),
                    n_events as f64 / secs,
                ));
                matches
            })
        },
    );
    group.finish();
    if let Some((matches, (groups, held), stats, eps)) = last {
        eprintln!(
            "correlate: {n_events} events, {n_keys} keys, {CORRELATIONS} correlations: {eps:.0} events/s, {matches} matches, {groups} groups and {held} events held at the end (caps: {} groups per correlation, {} events per group), evicted {} groups / {} events, peak RSS {} KiB (events generated for the bench: {} KiB)",
            CorrelatorConfig::default().max_groups,
            CorrelatorConfig::default().max_events_per_group,
            stats.groups_evicted,
            stats.events_evicted,
            status_kib("VmHWM:").map_or_else(|| "?".to_owned(), |k| k.to_string()),
            baseline.map_or_else(|| "?".to_owned(), |k| k.to_string())
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
