//! Behaviours the `correlation` fuzz target found wrong once (saved inputs in
//! `fuzz/regressions/correlation/`): saturated windows at flush, the snapshot after a forced
//! release, events older than a forced-out one, and the running sum of `value_sum`.

use crate::common::{Run, S, build, corr};
use adsigma_correlation::{
    CorrelationMatch, CorrelationSet, Correlator, CorrelatorConfig, Nanos, Skipped, Snapshot, Stats,
};
use serde_json::json;
use std::sync::Arc;

/// 2023-11-14T22:13:20Z.
const BASE: Nanos = 1_700_000_000 * S;

fn roundtrip(
    c: &Correlator<usize>,
    set: &Arc<CorrelationSet>,
    config: &CorrelatorConfig,
) -> Correlator<usize> {
    let json = serde_json::to_string(&c.snapshot()).unwrap();
    let snap: Snapshot<usize> = serde_json::from_str(&json).unwrap();
    Correlator::restore(Arc::clone(set), config.clone(), snap).unwrap()
}

type Outcome = Result<Vec<CorrelationMatch<usize>>, Skipped>;

/// Observes `(time, bytes)` events of user alice matched by rule 0, snapshotting and
/// restoring before event `cut`; returns each outcome, the flush and the counters.
fn run(
    set: &Arc<CorrelationSet>,
    config: &CorrelatorConfig,
    events: &[(Nanos, f64)],
    cut: Option<usize>,
) -> (Vec<Outcome>, Vec<CorrelationMatch<usize>>, Stats) {
    let mut c: Correlator<usize> = Correlator::new(Arc::clone(set), config.clone());
    let mut outcomes = Vec::new();
    for (i, &(t, bytes)) in events.iter().enumerate() {
        if cut == Some(i) {
            c = roundtrip(&c, set, config);
        }
        outcomes.push(c.observe_at(&json!({"user": "alice", "bytes": bytes}), t, i, &[0]));
    }
    if cut == Some(events.len()) {
        c = roundtrip(&c, set, config);
    }
    let flushed = c.flush();
    assert_eq!(c.events_held(), 0);
    (outcomes, flushed, c.stats().clone())
}

/// Every cut gives the uninterrupted run's outcomes, flush and counters.
fn same_at_every_cut(
    set: &Arc<CorrelationSet>,
    config: &CorrelatorConfig,
    events: &[(Nanos, f64)],
) {
    let whole = run(set, config, events, None);
    for cut in 0..=events.len() {
        assert_eq!(
            run(set, config, events, Some(cut)),
            whole,
            "cut before {cut}"
        );
    }
}

#[test]
fn flush_decides_windows_that_end_at_the_end_of_time() {
    for (timespan, time) in [
        ("1s", i64::MAX),
        ("1s", i64::MAX - S / 2),
        ("18446744073709551615s", BASE),
        ("200000d", BASE),
    ] {
        let set = build(&corr("event_count", "[a]", timespan, "{lt: 5}"), &["a"]);
        let mut r = Run::new(set);
        r.at(time, &[0], json!({"user": "alice"}));
        assert!(r.out.is_empty());
        r.flush();
        assert_eq!(r.c.events_held(), 0, "{timespan} at {time}");
        assert_eq!(r.values(), [1.0], "{timespan} at {time}");
        assert_eq!(r.out[0].window.start, time);
        assert_eq!(r.out[0].window.end, Nanos::MAX);
        assert_eq!(r.c.groups(), 0);
    }
}

#[test]
fn flush_decides_chained_windows_that_add_up_past_the_end_of_time() {
    // Each timespan fits, the upstream window's end plus the downstream timespan does not.
    let text = "title: up\nname: up\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [user]\n  timespan: 50000d\n  condition: {lt: 5}\n---\ntitle: down\nname: down\ncorrelation:\n  type: event_count\n  rules: [up]\n  group-by: [user]\n  timespan: 50000d\n  condition: {lt: 5}\n";
    let set = build(text, &["a"]);
    let config = CorrelatorConfig {
        emit_suppressed: true,
        ..CorrelatorConfig::default()
    };
    let mut r = Run::with(set, config);
    r.at(BASE, &[0], json!({"user": "alice"}));
    r.flush();
    assert_eq!(r.c.events_held(), 0);
    let got: Vec<(usize, f64)> = r.out.iter().map(|m| (m.correlation, m.value)).collect();
    assert_eq!(got, [(0, 1.0), (1, 1.0)]);
    assert_eq!(r.out[1].window.end, Nanos::MAX);
    assert_eq!(r.positions(1), [0]);
}

#[test]
fn events_older_than_a_forced_out_one_are_late() {
    let config = CorrelatorConfig {
        lateness: 100 * S,
        max_pending: 1,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "10s", "{lt: 5}"), &["a"]);
    let mut r = Run::with(set, config);
    r.at(100 * S, &[0], json!({"user": "alice"}));
    // Forces the event at 100 s out: its window [100 s, 110 s] is open.
    r.at(200 * S, &[0], json!({"user": "alice"}));
    assert_eq!(r.c.stats().forced_releases, 1);
    // Within the lateness, but older than the event already processed: it would land in a
    // window that started after it.
    r.at(95 * S, &[0], json!({"user": "alice"}));
    assert_eq!(
        r.skipped,
        [Skipped::Late {
            time: 95 * S,
            oldest_accepted: 100 * S
        }]
    );
    assert_eq!(r.c.stats().late, 1);
    // As old as the forced-out one: still in time order, so it counts.
    r.at(100 * S, &[0], json!({"user": "alice"}));
    r.flush();
    let windows: Vec<(Nanos, Nanos, Vec<usize>)> = r
        .out
        .iter()
        .map(|m| {
            (
                m.window.start,
                m.window.end,
                m.events.iter().map(|c| c.position).collect(),
            )
        })
        .collect();
    assert_eq!(
        windows,
        [(100 * S, 110 * S, vec![0, 3]), (200 * S, 210 * S, vec![1])]
    );
}

#[test]
fn a_restored_correlator_keeps_the_forced_release_point() {
    let config = CorrelatorConfig {
        lateness: 100 * S,
        max_pending: 1,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "10s", "{lt: 5}"), &["a"]);
    let events = [
        (100 * S, 1.0),
        (200 * S, 1.0),
        (95 * S, 1.0),
        (150 * S, 1.0),
        (105 * S, 1.0),
        (300 * S, 1.0),
        (201 * S, 1.0),
    ];
    let (outcomes, _, stats) = run(&set, &config, &events, None);
    assert!(stats.forced_releases >= 2, "{stats:?}");
    assert!(matches!(outcomes[2], Err(Skipped::Late { .. })));
    same_at_every_cut(&set, &config, &events);
}

#[test]
fn snapshots_without_the_forced_release_point_still_restore() {
    let config = CorrelatorConfig::default();
    let set = build(&corr("event_count", "[a]", "10s", "{lt: 5}"), &["a"]);
    let mut c: Correlator<usize> = Correlator::new(Arc::clone(&set), config.clone());
    c.observe_at(&json!({"user": "alice"}), BASE, 0, &[0])
        .unwrap();
    let mut value = serde_json::to_value(c.snapshot()).unwrap();
    let object = value.as_object_mut().unwrap();
    assert!(object.remove("advanced").is_some());
    let snap: Snapshot<usize> = serde_json::from_value(value).unwrap();
    let mut restored = Correlator::restore(set, config, snap).unwrap();
    assert_eq!(restored.flush().len(), 1);
}

#[test]
fn value_sum_keeps_small_values_next_to_huge_ones() {
    let config = CorrelatorConfig {
        max_events_per_group: 2,
        ..CorrelatorConfig::default()
    };
    let t = |i: i64| BASE + i * S;
    for (kind, condition, events, want) in [
        // 1e308 + 49 - 1e308 was 0.
        (
            "value_sum",
            "{field: bytes, gte: 50, lte: 60}",
            vec![(t(0), 1e308), (t(1), 49.0), (t(2), 7.0)],
            56.0,
        ),
        (
            "value_avg",
            "{field: bytes, gte: 20, lte: 30}",
            vec![(t(0), -1e308), (t(1), 49.0), (t(2), 7.0)],
            28.0,
        ),
        // 1e308 + 1e308 is infinite, and stayed so.
        (
            "value_sum",
            "{field: bytes, gte: 10, lte: 20}",
            vec![(t(0), 1e308), (t(1), 1e308), (t(2), 5.0), (t(3), 7.0)],
            12.0,
        ),
        // Fractions next to a huge value.
        (
            "value_sum",
            "{field: bytes, gte: 0, lte: 1}",
            vec![(t(0), 1e300), (t(1), 0.25), (t(2), 0.5)],
            0.75,
        ),
    ] {
        let set = build(&corr(kind, "[a]", "1h", condition), &["a"]);
        let (_, flushed, _) = run(&set, &config, &events, None);
        let values: Vec<f64> = flushed.iter().map(|m| m.value).collect();
        assert_eq!(values, [want], "{kind} {events:?}");
        same_at_every_cut(&set, &config, &events);
    }
}

#[test]
fn a_sliding_sum_forgets_a_huge_value_that_left_the_window() {
    let set = build(
        &corr("value_sum", "[a]", "10s", "{field: bytes, gte: 56}"),
        &["a"],
    );
    let config = CorrelatorConfig::default();
    let events = [(BASE, -1e308), (BASE + 20 * S, 49.0), (BASE + 21 * S, 7.0)];
    let (outcomes, flushed, _) = run(&set, &config, &events, None);
    assert!(flushed.is_empty());
    let Ok(last) = &outcomes[2] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(last.iter().map(|m| m.value).collect::<Vec<_>>(), [56.0]);
    assert_eq!(
        last[0]
            .events
            .iter()
            .map(|c| c.position)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    same_at_every_cut(&set, &config, &events);
}
