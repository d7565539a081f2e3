//! Window semantics, each type and operator, lateness, caps, snapshots, chains, diagnostics.

use crate::common::{Run, S, build, corr, try_build};
use adsigma_correlation::{
    CorrelationSet, Correlator, CorrelatorConfig, Skipped, Snapshot, TimeSource,
    time::{TimeError, format_rfc3339},
};
use serde_json::json;
use std::sync::Arc;

fn alice() -> serde_json::Value {
    json!({"user": "alice"})
}

#[test]
fn gte_fires_when_met_at_exactly_the_timespan() {
    let set = build(&corr("event_count", "[a]", "10s", "{gte: 3}"), &["a"]);
    let mut r = Run::new(set);
    r.at(0, &[0], alice()).at(5 * S, &[0], alice());
    assert!(r.out.is_empty());
    r.at(10 * S, &[0], alice());
    assert_eq!(r.values(), [3.0]);
    let m = &r.out[0];
    assert_eq!((m.window.start, m.window.end), (0, 10 * S));
    assert_eq!(m.group, [("user".to_owned(), "alice".to_owned())]);
    assert_eq!(r.positions(0), [0, 1, 2]);
    assert!(m.events.iter().all(|c| c.rule == 0));
}

#[test]
fn one_nanosecond_past_the_timespan_is_outside() {
    let set = build(&corr("event_count", "[a]", "10s", "{gte: 3}"), &["a"]);
    let mut r = Run::new(set);
    r.at(0, &[0], alice())
        .at(5 * S, &[0], alice())
        .at(10 * S + 1, &[0], alice())
        .flush();
    assert!(r.out.is_empty());
    // The window slid: 5s and 10s+1ns are still together, a third event completes it.
    let set = build(&corr("event_count", "[a]", "10s", "{gte: 3}"), &["a"]);
    let mut r = Run::new(set);
    r.at(0, &[0], alice())
        .at(5 * S, &[0], alice())
        .at(10 * S + 1, &[0], alice())
        .at(15 * S, &[0], alice());
    assert_eq!(r.values(), [3.0]);
    assert_eq!(r.positions(0), [1, 2, 3]);
}

#[test]
fn one_alert_per_window_then_the_group_starts_over() {
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a"]);
    let mut r = Run::new(set);
    for t in 0..5 {
        r.at(t * S, &[0], alice());
    }
    r.flush();
    assert_eq!(r.values(), [2.0, 2.0]);
    assert_eq!(r.positions(0), [0, 1]);
    assert_eq!(r.positions(1), [2, 3]);
}

#[test]
fn groups_are_separate_and_missing_group_fields_do_not_count() {
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a"]);
    let mut r = Run::new(set);
    r.at(0, &[0], json!({"user": "alice"}))
        .at(S, &[0], json!({"user": "bob"}))
        .at(2 * S, &[0], json!({"other": 1}))
        .at(3 * S, &[0], json!({"user": 7}))
        .at(4 * S, &[0], json!({"user": "7"}));
    assert_eq!(r.out.len(), 1);
    assert_eq!(r.out[0].group[0].1, "7", "numbers group with their text");
    assert_eq!(r.c.stats().missing_group_field, 1);
}

#[test]
fn irrelevant_events_are_ignored_without_reading_time() {
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a", "b"]);
    let mut r = Run::new(set);
    r.ev(&[1], json!({"user": "alice"})).ev(&[], json!({}));
    assert!(r.skipped.is_empty());
    assert_eq!(r.c.stats().events, 0);
}

/// Runs `condition` over event_count with `n` events 1s apart in one group and returns the
/// values of the matches (after flush).
fn count_with(condition: &str, n: i64) -> Vec<f64> {
    let set = build(&corr("event_count", "[a]", "10s", condition), &["a"]);
    let mut r = Run::new(set);
    for t in 0..n {
        r.at(t * S, &[0], alice());
    }
    r.flush();
    r.values()
}

#[test]
fn every_comparison_operator() {
    assert_eq!(count_with("{gt: 2}", 2), Vec::<f64>::new());
    assert_eq!(count_with("{gt: 2}", 3), [3.0]);
    assert_eq!(count_with("{gte: 2}", 2), [2.0]);
    assert_eq!(count_with("{gte: 2}", 1), Vec::<f64>::new());
    assert_eq!(count_with("{lt: 3}", 2), [2.0]);
    assert_eq!(count_with("{lt: 3}", 3), Vec::<f64>::new());
    assert_eq!(count_with("{lte: 3}", 3), [3.0]);
    assert_eq!(count_with("{lte: 3}", 4), Vec::<f64>::new());
    assert_eq!(count_with("{eq: 3}", 3), [3.0]);
    assert_eq!(count_with("{eq: 3}", 4), Vec::<f64>::new());
    assert_eq!(count_with("{eq: 3}", 2), Vec::<f64>::new());
    assert_eq!(count_with("{neq: 3}", 2), [2.0]);
    assert_eq!(count_with("{neq: 3}", 3), Vec::<f64>::new());
    assert_eq!(count_with("{gt: 1, lte: 3}", 3), [3.0]);
    assert_eq!(count_with("{gt: 1, lte: 3}", 4), Vec::<f64>::new());
    assert_eq!(count_with("{gt: 1, lte: 3}", 1), Vec::<f64>::new());
}

#[test]
fn closing_conditions_are_decided_when_event_time_passes_the_window() {
    let set = build(&corr("event_count", "[a]", "10s", "{lt: 3}"), &["a"]);
    let mut r = Run::new(set);
    r.at(0, &[0], alice()).at(4 * S, &[0], alice());
    // Another group's event exactly at the window end does not close it...
    r.at(10 * S, &[0], json!({"user": "bob"}));
    assert!(r.out.is_empty());
    // ...one nanosecond later does.
    r.at(10 * S + 1, &[0], json!({"user": "bob"}));
    assert_eq!(r.values(), [2.0]);
    assert_eq!((r.out[0].window.start, r.out[0].window.end), (0, 10 * S));
    // advance_to decides idle windows too: bob's window [10s, 20s].
    let m = r.c.advance_to(20 * S + 1);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].group[0].1, "bob");
    // A window that did not satisfy the condition is counted and the group starts over.
    let set = build(&corr("event_count", "[a]", "10s", "{lt: 2}"), &["a"]);
    let mut r = Run::new(set);
    r.at(0, &[0], alice())
        .at(S, &[0], alice())
        .at(11 * S, &[0], alice())
        .flush();
    assert_eq!(r.values(), [1.0]);
    assert_eq!(r.positions(0), [2]);
    assert_eq!(r.c.stats().windows_expired, 1);
}

#[test]
fn value_count_counts_distinct_values() {
    let text = corr("value_count", "[a]", "1m", "{field: host, gte: 3}");
    let mut r = Run::new(build(&text, &["a"]));
    for (t, h) in [(0, "x"), (1, "x"), (2, "y"), (3, "y"), (4, "z")] {
        r.at(t * S, &[0], json!({"user": "alice", "host": h}));
    }
    assert_eq!(r.values(), [3.0]);
    assert_eq!(r.out[0].events.len(), 5);
}

#[test]
fn value_sum_and_avg() {
    let text = corr("value_sum", "[a]", "1m", "{field: bytes, gt: 100}");
    let mut r = Run::new(build(&text, &["a"]));
    r.at(0, &[0], json!({"user": "alice", "bytes": 60}))
        .at(S, &[0], json!({"user": "alice", "bytes": "n/a"}))
        .at(2 * S, &[0], json!({"user": "alice", "bytes": "41"}));
    assert_eq!(r.values(), [101.0]);

    let text = corr("value_avg", "[a]", "1m", "{field: bytes, lt: 10}");
    let mut r = Run::new(build(&text, &["a"]));
    r.at(0, &[0], json!({"user": "alice", "bytes": 4}))
        .at(S, &[0], json!({"user": "alice", "bytes": 14}))
        .at(2 * S, &[0], json!({"user": "alice"}))
        .flush();
    assert_eq!(r.values(), [9.0]);
    let mut r = Run::new(build(&text, &["a"]));
    r.at(0, &[0], json!({"user": "alice"})).flush();
    assert!(r.out.is_empty(), "an average of nothing never satisfies");
}

#[test]
fn value_percentile_reports_a_rare_value() {
    let text = corr("value_percentile", "[a]", "1d", "{field: image, lte: 10}");
    let mut r = Run::new(build(&text, &["a"]));
    for t in 0..19 {
        r.at(t * S, &[0], json!({"user": "alice", "image": "/bin/bash"}));
    }
    r.at(
        30 * S,
        &[0],
        json!({"user": "alice", "image": "/tmp/xmrig"}),
    );
    r.flush();
    assert_eq!(r.values(), [5.0]);
    assert_eq!(r.out[0].field_value.as_deref(), Some("/tmp/xmrig"));
    // Eager: gte 50 fires on the event whose value reaches half of the window.
    let text = corr("value_percentile", "[a]", "1d", "{field: image, gte: 50}");
    let mut r = Run::new(build(&text, &["a"]));
    r.at(0, &[0], json!({"user": "alice", "image": "a"}));
    assert_eq!(r.values(), [100.0]);
}

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let text = corr("temporal", "[a, b, c]", "5m", "");
    let mut r = Run::new(build(&text, &["a", "b", "c"]));
    r.at(0, &[2], alice())
        .at(S, &[0], alice())
        .at(2 * S, &[0], alice());
    assert!(r.out.is_empty());
    r.at(3 * S, &[1], alice());
    assert_eq!(r.values(), [3.0]);
    let rules: Vec<usize> = r.out[0].events.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [2, 0, 0, 1]);
    // A condition counts distinct rules.
    let text = corr("temporal", "[a, b, c]", "5m", "{gte: 2}");
    let mut r = Run::new(build(&text, &["a", "b", "c"]));
    r.at(0, &[0], alice()).at(S, &[0], alice());
    assert!(r.out.is_empty());
    r.at(2 * S, &[2], alice());
    assert_eq!(r.values(), [2.0]);
    // One event matched by two referenced rules counts for both.
    let text = corr("temporal", "[a, b]", "5m", "");
    let mut r = Run::new(build(&text, &["a", "b"]));
    r.at(0, &[0, 1], alice());
    assert_eq!(r.values(), [2.0]);
    assert_eq!(r.out[0].events.len(), 2);
}

#[test]
fn temporal_ordered_needs_the_order() {
    let text = corr("temporal_ordered", "[a, b]", "5m", "");
    let mut r = Run::new(build(&text, &["a", "b"]));
    r.at(0, &[1], alice()).at(S, &[0], alice());
    assert!(r.out.is_empty());
    r.at(2 * S, &[1], alice());
    assert_eq!(r.values(), [2.0]);
    // Out of the window: a at 0, b after 5m + 1ns.
    let mut r = Run::new(build(&text, &["a", "b"]));
    r.at(0, &[0], alice()).at(300 * S + 1, &[1], alice());
    assert!(r.out.is_empty());
}

#[test]
fn event_time_from_fields_and_bad_times_are_counted() {
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a"]);
    let mut r = Run::new(set);
    r.ev(
        &[0],
        json!({"user": "alice", "@timestamp": "2026-03-01T10:00:00Z"}),
    )
    .ev(&[0], json!({"user": "alice"}))
    .ev(&[0], json!({"user": "alice", "time": "not a time"}))
    .ev(
        &[0],
        json!({"user": "alice", "requestReceivedTimestamp": "2026-03-01T10:00:30.5Z"}),
    );
    assert_eq!(r.values(), [2.0]);
    assert_eq!(
        format_rfc3339(r.out[0].window.end),
        "2026-03-01T10:00:30.5Z"
    );
    assert_eq!(r.c.stats().missing_time, 1);
    assert_eq!(r.c.stats().bad_time, 1);
    assert!(matches!(r.skipped[0], Skipped::Time(TimeError::Missing)));
    assert!(matches!(r.skipped[1], Skipped::Time(TimeError::Bad { .. })));
    // A configured field list.
    let config = CorrelatorConfig {
        time: TimeSource::Event {
            fields: vec!["ts".into()],
        },
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a"]);
    let mut r = Run::with(set, config);
    r.ev(&[0], json!({"user": "a", "ts": 1_700_000_000, "time": "x"}))
        .ev(&[0], json!({"user": "a", "ts": 1_700_000_030_000i64}));
    assert_eq!(r.values(), [2.0]);
    // Processing time: every event gets a time.
    let config = CorrelatorConfig {
        time: TimeSource::Processing,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1h", "{gte: 2}"), &["a"]);
    let mut r = Run::with(set, config);
    r.ev(&[0], alice()).ev(&[0], alice());
    assert_eq!(r.values(), [2.0]);
}

#[test]
fn out_of_order_within_lateness_counts_beyond_is_dropped() {
    let text = corr("temporal_ordered", "[a, b]", "1m", "");
    let config = CorrelatorConfig {
        lateness: 5 * S,
        ..CorrelatorConfig::default()
    };
    let mut r = Run::with(build(&text, &["a", "b"]), config.clone());
    // b at 10s arrives before a at 8s: within lateness, so processed as a then b.
    r.at(10 * S, &[1], alice()).at(8 * S, &[0], alice());
    assert!(r.out.is_empty(), "held until the lateness passes");
    let m = r.c.advance_to(15 * S);
    r.out.extend(m);
    assert!(r.c.advance_to(15 * S).is_empty());
    r.flush();
    assert_eq!(r.values(), [2.0]);
    assert_eq!(r.positions(0), [1, 0], "window order, not arrival order");
    // The match comes out once the watermark passes the completing event by the lateness.
    let mut r = Run::with(build(&text, &["a", "b"]), config.clone());
    r.at(10 * S, &[1], alice()).at(8 * S, &[0], alice());
    r.at(15 * S - 1, &[], alice());
    assert!(r.out.is_empty());
    let m = r.c.advance_to(15 * S);
    assert_eq!(m.len(), 1);
    // Beyond the lateness: dropped and counted.
    let mut r = Run::with(build(&text, &["a", "b"]), config);
    r.at(10 * S, &[1], alice())
        .at(5 * S - 1, &[0], alice())
        .flush();
    assert!(r.out.is_empty());
    assert_eq!(r.c.stats().late, 1);
    assert!(matches!(r.skipped[0], Skipped::Late { .. }));
    // Without lateness an earlier event is late, an equal time is not.
    let mut r = Run::new(build(&text, &["a", "b"]));
    r.at(10 * S, &[0], alice())
        .at(10 * S - 1, &[0], alice())
        .at(10 * S, &[1], alice());
    assert_eq!(r.c.stats().late, 1);
    assert_eq!(r.values(), [2.0]);
}

#[test]
fn group_cap_evicts_the_oldest_group() {
    let config = CorrelatorConfig {
        max_groups: 2,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1h", "{gte: 2}"), &["a"]);
    let mut r = Run::with(set, config);
    for (t, u) in [(0, "u1"), (1, "u2"), (2, "u3"), (3, "u1"), (4, "u3")] {
        r.at(t * S, &[0], json!({ "user": u }));
    }
    assert_eq!(r.c.stats().groups_evicted, 2);
    // u1 was evicted by u3, then u2 by u1's return; u3 kept its first event.
    assert_eq!(r.out.len(), 1);
    assert_eq!(r.out[0].group[0].1, "u3");
    assert!(r.c.groups() <= 2);
}

#[test]
fn event_cap_evicts_the_oldest_event() {
    let config = CorrelatorConfig {
        max_events_per_group: 2,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1h", "{gte: 3}"), &["a"]);
    let mut r = Run::with(set, config);
    for t in 0..10 {
        r.at(t * S, &[0], alice());
    }
    r.flush();
    assert!(r.out.is_empty());
    assert_eq!(r.c.stats().events_evicted, 8);
    // The cap also bounds what a match can count.
    let config = CorrelatorConfig {
        max_events_per_group: 2,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1h", "{lte: 5}"), &["a"]);
    let mut r = Run::with(set, config);
    for t in 0..4 {
        r.at(t * S, &[0], alice());
    }
    r.flush();
    assert_eq!(r.values(), [2.0]);
    assert_eq!(r.positions(0), [2, 3]);
}

#[test]
fn pending_cap_releases_early() {
    let config = CorrelatorConfig {
        lateness: 100 * S,
        max_pending: 2,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1h", "{gte: 3}"), &["a"]);
    let mut r = Run::with(set, config);
    for t in 0..3 {
        r.at(t * S, &[0], alice());
    }
    assert_eq!(r.c.stats().forced_releases, 1);
    assert!(r.c.events_held() <= 3);
    r.flush();
    assert_eq!(r.values(), [3.0]);
}

fn snapshot_roundtrip(c: &Correlator<usize>, set: &Arc<CorrelationSet>) -> Correlator<usize> {
    let json = serde_json::to_string(&c.snapshot()).unwrap();
    let snap: Snapshot<usize> = serde_json::from_str(&json).unwrap();
    Correlator::restore(Arc::clone(set), CorrelatorConfig::default(), snap).unwrap()
}

#[test]
fn snapshot_restore_mid_stream_equals_uninterrupted() {
    let text = format!(
        "{}---\n{}",
        corr("event_count", "[a]", "10s", "{gte: 3}"),
        corr("value_count", "[a, b]", "20s", "{field: host, lt: 3}").replace(
            "00000000-0000-4000-8000-000000000001",
            "00000000-0000-4000-8000-000000000002"
        )
    );
    let set = build(&text, &["a", "b"]);
    let events: Vec<(i64, usize, serde_json::Value)> = (0..60)
        .map(|i| {
            (
                i * S * 2 / 3,
                i as usize % 2,
                json!({"user": format!("u{}", i % 3), "host": format!("h{}", i % 4)}),
            )
        })
        .collect();
    let run = |cut: Option<usize>| {
        let mut c: Correlator<usize> =
            Correlator::new(Arc::clone(&set), CorrelatorConfig::default());
        let mut out = Vec::new();
        for (i, (t, rule, e)) in events.iter().enumerate() {
            if cut == Some(i) {
                c = snapshot_roundtrip(&c, &set);
            }
            out.extend(c.observe_at(e, *t, i, &[*rule]).unwrap());
        }
        out.extend(c.flush());
        (out, c.stats().clone())
    };
    let (whole, stats) = run(None);
    assert!(whole.len() > 5, "the stream should match several times");
    for cut in [1, 17, 30, 59] {
        let (resumed, s) = run(Some(cut));
        assert_eq!(resumed, whole, "cut at {cut}");
        assert_eq!(s, stats);
    }
}

#[test]
fn restore_refuses_other_correlations_and_formats() {
    let a = build(&corr("event_count", "[a]", "10s", "{gte: 3}"), &["a"]);
    let b = build(&corr("event_count", "[a]", "20s", "{gte: 3}"), &["a"]);
    let c: Correlator<usize> = Correlator::new(a, CorrelatorConfig::default());
    let snap = c.snapshot();
    assert!(Correlator::restore(b.clone(), CorrelatorConfig::default(), snap.clone()).is_err());
    let mut bad = snap;
    bad.format = "adsigma.correlation-state/0".into();
    assert!(Correlator::restore(b, CorrelatorConfig::default(), bad).is_err());
}

#[test]
fn chains_feed_correlations_that_reference_them() {
    // The spec's "failed logins followed by a successful login", with a smaller count.
    let text = "title: brute force then login\nid: b180ead8-d58f-40b2-ae54-c8940995b9b6\ncorrelation:\n  type: temporal_ordered\n  rules: [multiple_failed_login, successful_login]\n  group-by: [User]\n  timespan: 10m\n---\ntitle: Multiple failed logons\nname: multiple_failed_login\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  timespan: 10m\n  condition: {gte: 3}\n";
    let set = build(text, &["failed_login", "successful_login"]);
    assert!(
        !set.correlation_emits(1),
        "the intermediate correlation is not reported"
    );
    assert!(set.correlation_emits(0));
    assert!(!set.rule_emits(0) && !set.rule_emits(1));
    let mut r = Run::new(set.clone());
    let u = |n: &str| json!({ "User": n });
    r.at(0, &[1], u("bob"))
        .at(S, &[0], u("alice"))
        .at(2 * S, &[0], u("alice"))
        .at(3 * S, &[1], u("alice"))
        .at(4 * S, &[0], u("alice"));
    assert!(r.out.is_empty());
    r.at(5 * S, &[1], u("alice"));
    assert_eq!(r.out.len(), 1);
    assert_eq!(r.out[0].correlation, 0);
    // The window's events: the earlier successful login (3) is in it too.
    assert_eq!(r.positions(0), [3, 1, 2, 4, 5]);
    assert_eq!(r.c.stats().suppressed_matches, 1);
    // With emit_suppressed, both come out, upstream first.
    let config = CorrelatorConfig {
        emit_suppressed: true,
        ..CorrelatorConfig::default()
    };
    let mut r = Run::with(set, config);
    for t in 0..3 {
        r.at(t * S, &[0], u("alice"));
    }
    r.at(3 * S, &[1], u("alice"));
    let order: Vec<usize> = r.out.iter().map(|m| m.correlation).collect();
    assert_eq!(order, [1, 0]);
}

#[test]
fn aliases_map_a_field_per_rule() {
    let text = "title: t\ncorrelation:\n  type: temporal\n  rules: [internal_error, new_network_connection]\n  group-by: [internal_ip, remote_ip]\n  timespan: 10s\n  aliases:\n    internal_ip:\n      internal_error: destination.ip\n      new_network_connection: source.ip\n    remote_ip:\n      internal_error: source.ip\n      new_network_connection: destination.ip\n";
    let set = build(text, &["internal_error", "new_network_connection"]);
    let mut r = Run::new(set);
    r.at(
        0,
        &[0],
        json!({"source": {"ip": "1.1.1.1"}, "destination": {"ip": "10.0.0.5"}}),
    )
    .at(
        S,
        &[1],
        json!({"source": {"ip": "10.0.0.9"}, "destination": {"ip": "1.1.1.1"}}),
    );
    assert!(r.out.is_empty(), "different internal address");
    r.at(
        2 * S,
        &[1],
        json!({"source": {"ip": "10.0.0.5"}, "destination": {"ip": "1.1.1.1"}}),
    );
    assert_eq!(r.out.len(), 1);
    assert_eq!(
        r.out[0].group,
        [
            ("internal_ip".to_owned(), "10.0.0.5".to_owned()),
            ("remote_ip".to_owned(), "1.1.1.1".to_owned())
        ]
    );
}

#[test]
fn generate_true_keeps_rule_matches() {
    let text = format!(
        "{}  generate: true\n",
        corr("event_count", "[a]", "1m", "{gte: 2}")
    );
    let set = build(&text, &["a", "b"]);
    assert!(set.rule_emits(0));
    assert!(set.rule_emits(1), "unreferenced rules always emit");
    assert!(set.references_rule(0) && !set.references_rule(1));
}

#[test]
fn diagnostics_for_bad_references() {
    let codes = |text: &str, rules: &[&str]| -> Vec<&'static str> {
        try_build(text, rules)
            .err()
            .map(|e| e.iter().map(|d| d.code.code).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        codes(&corr("event_count", "[nope]", "1m", "{gte: 2}"), &["a"]),
        ["C301"]
    );
    assert_eq!(
        codes(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a", "a"]),
        ["C302"]
    );
    let cycle = "title: x\nname: x\ncorrelation: {type: event_count, rules: [y], group-by: [u], timespan: 1m, condition: {gte: 1}}\n---\ntitle: y\nname: y\ncorrelation: {type: event_count, rules: [x], group-by: [u], timespan: 1m, condition: {gte: 1}}\n";
    assert_eq!(codes(cycle, &[]), ["C303"]);
    let own = "title: x\nname: x\ncorrelation: {type: event_count, rules: [x], group-by: [u], timespan: 1m, condition: {gte: 1}}\n";
    assert_eq!(codes(own, &[]), ["C303"]);
    let alias = "title: t\ncorrelation:\n  type: temporal\n  rules: [a]\n  group-by: [ip]\n  timespan: 10s\n  aliases:\n    ip:\n      b: source.ip\n";
    let err = try_build(alias, &["a", "b"]).unwrap_err();
    assert_eq!(err[0].code.code, "C304");
    assert_eq!(err[0].span().start.line, 9, "points at the alias entry");
    let dup = corr("event_count", "[a, a]", "1m", "{gte: 2}");
    let set = try_build(&dup, &["a"]).unwrap();
    assert_eq!(set.warnings()[0].code.code, "C309");
    let many: Vec<String> = (0..65).map(|i| format!("r{i}")).collect();
    let names: Vec<&str> = many.iter().map(String::as_str).collect();
    let text = corr("temporal", &format!("[{}]", names.join(", ")), "1m", "");
    assert_eq!(codes(&text, &names), ["C305"]);
    let all: Vec<&str> = adsigma_correlation::codes::ALL
        .iter()
        .map(|c| c.code)
        .collect();
    for c in adsigma_syntax::codes::ALL {
        assert!(!all.contains(&c.code), "{} collides", c.code);
    }
}

#[test]
fn partition_keys_match_state_keys() {
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a"]);
    assert_eq!(
        set.group_key(0, 0, &alice()),
        Some(vec!["alice".to_owned()])
    );
    assert_eq!(set.group_key(0, 1, &alice()), None);
    assert_eq!(set.group_key(0, 0, &json!({})), None);
}

#[test]
fn test_sequences_are_read_and_bad_ones_are_positioned() {
    use adsigma_correlation::sequences::{Expect, parse_sequences};
    let ok = format!(
        "{}tests:\n  sequences:\n    - name: n\n      events: [{{user: a, time: 1}}]\n      expect: 2\n    - events: []\n      expect: [x, y]\n",
        corr("event_count", "[a]", "1m", "{gte: 2}")
    );
    let d = crate::common::docs(&ok);
    let seqs = parse_sequences(&crate::common::correlations(&d)[0].meta).unwrap();
    assert_eq!(seqs.len(), 2);
    assert_eq!(seqs[0].name.as_deref(), Some("n"));
    assert_eq!(seqs[0].events, [json!({"user": "a", "time": 1})]);
    assert_eq!(seqs[0].expect, Expect::Count(2));
    assert_eq!(
        seqs[1].expect,
        Expect::Correlations(vec!["x".into(), "y".into()])
    );
    let bad = format!(
        "{}tests:\n  sequences:\n    - events: {{a: 1}}\n      expect: 1\n    - events: []\n    - events: []\n      expect: -1\n    - 3\n",
        corr("event_count", "[a]", "1m", "{gte: 2}")
    );
    let d = crate::common::docs(&bad);
    let errs = parse_sequences(&crate::common::correlations(&d)[0].meta).unwrap_err();
    assert_eq!(errs.len(), 4);
    assert!(errs.iter().all(|e| e.code.code == "C308"));
    let lines: Vec<u32> = errs.iter().map(|e| e.span().start.line).collect();
    assert_eq!(lines, [11, 13, 15, 16]);
}

#[test]
fn skipped_and_windows_print_readably() {
    let late = Skipped::Late {
        time: 0,
        oldest_accepted: S,
    };
    assert_eq!(
        late.to_string(),
        "not correlated: the event time 1970-01-01T00:00:00Z is older than the allowed lateness (1970-01-01T00:00:01Z)"
    );
    let w = adsigma_correlation::Window {
        start: 0,
        end: 40 * S,
    };
    assert_eq!(
        (w.start_rfc3339(), w.end_rfc3339()),
        (
            "1970-01-01T00:00:00Z".to_owned(),
            "1970-01-01T00:00:40Z".to_owned()
        )
    );
}

#[test]
fn lenient_build_leaves_out_broken_correlations_and_their_dependents() {
    let text = "title: top\ncorrelation: {type: temporal, rules: [mid, b], group-by: [user], timespan: 1m}\n---\ntitle: mid\nname: mid\ncorrelation: {type: event_count, rules: [gone], group-by: [user], timespan: 1m, condition: {gte: 2}}\n---\ntitle: fine\ncorrelation: {type: event_count, rules: [a], group-by: [user], timespan: 1m, condition: {gte: 2}}\n";
    let d = crate::common::docs(text);
    let list = crate::common::correlations(&d);
    let rules = crate::common::named_rules(&["a", "b"]);
    assert!(CorrelationSet::build(&list, &rules).is_err());
    let (set, warnings) = CorrelationSet::build_lenient(&list, &rules);
    assert_eq!(set.len(), 1);
    assert_eq!(set.info(0).unwrap().title, "fine");
    assert_eq!(set.info(0).unwrap().document, 2);
    let codes: Vec<&str> = warnings.iter().map(|w| w.code.code).collect();
    assert_eq!(codes, ["C301", "C301"]);
    assert!(warnings.iter().all(|w| !w.is_error()));
    assert!(
        set.rule_emits(1),
        "b is only referenced by a left-out correlation"
    );
    let mut r = Run::new(Arc::new(set));
    r.at(0, &[0], alice()).at(S, &[0], alice());
    assert_eq!(r.values(), [2.0]);
}

#[test]
fn far_future_times_can_be_refused() {
    let config = CorrelatorConfig {
        max_future: Some(3600 * S),
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 2}"), &["a"]);
    let mut r = Run::with(set, config);
    r.ev(&[0], json!({"user": "a", "time": "2200-01-01T00:00:00Z"}))
        .ev(&[0], json!({"user": "a", "time": "2026-03-01T10:00:00Z"}))
        .ev(&[0], json!({"user": "a", "time": "2026-03-01T10:00:10Z"}));
    assert_eq!(r.c.stats().future, 1);
    assert!(matches!(r.skipped[0], Skipped::Future { .. }));
    assert_eq!(
        r.values(),
        [2.0],
        "the bogus time did not make the others late"
    );
}

#[test]
fn match_event_lists_are_capped_and_counted() {
    let config = CorrelatorConfig {
        max_match_events: 2,
        ..CorrelatorConfig::default()
    };
    let set = build(&corr("event_count", "[a]", "1m", "{gte: 3}"), &["a"]);
    let mut r = Run::with(set, config);
    for t in 0..3 {
        r.at(t * S, &[0], alice());
    }
    assert_eq!(r.out.len(), 1);
    assert_eq!(r.positions(0), [0, 1]);
    assert_eq!(r.out[0].events_total, 3);
}

#[test]
fn a_stream_partitioned_by_group_key_gives_the_same_matches() {
    let text = format!(
        "{}---\n{}",
        corr("event_count", "[a]", "10s", "{gte: 3}"),
        corr("value_count", "[a, b]", "20s", "{field: host, lt: 3}").replace(
            "00000000-0000-4000-8000-000000000001",
            "00000000-0000-4000-8000-000000000002"
        )
    );
    let set = build(&text, &["a", "b"]);
    let events: Vec<(i64, usize, serde_json::Value)> = (0..200)
        .map(|i| {
            (
                i * S / 2,
                (i as usize * 7 / 3) % 2,
                json!({"user": format!("u{}", i % 5), "host": format!("h{}", i % 3)}),
            )
        })
        .collect();
    let run = |part: Option<usize>| {
        let mut c: Correlator<usize> =
            Correlator::new(Arc::clone(&set), CorrelatorConfig::default());
        let mut out = Vec::new();
        for (i, (t, rule, e)) in events.iter().enumerate() {
            let key = set.group_key(0, 0, e).unwrap();
            let worker = key[0].bytes().map(usize::from).sum::<usize>() % 2;
            if part.is_none_or(|p| p == worker) {
                out.extend(c.observe_at(e, *t, i, &[*rule]).unwrap());
            }
        }
        out.extend(c.flush());
        out
    };
    let key = |m: &adsigma_correlation::CorrelationMatch<usize>| {
        (m.correlation, m.group.clone(), m.window.start, m.window.end)
    };
    let mut whole: Vec<_> = run(None).iter().map(key).collect();
    let mut split: Vec<_> = run(Some(0))
        .iter()
        .chain(run(Some(1)).iter())
        .map(key)
        .collect();
    whole.sort();
    split.sort();
    assert!(whole.len() > 10);
    assert_eq!(whole, split);
}
