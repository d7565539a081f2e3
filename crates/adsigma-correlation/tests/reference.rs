//! The incremental correlator against a brute-force recomputation of the documented
//! semantics, over random event streams (out of order, with lateness, with a snapshot and
//! restore at a random point).
//!
//! The reference is deliberately naive: it drops late events by the running maximum, sorts
//! the rest by (time, arrival), and for each correlation and group recomputes every window's
//! value from scratch.

use crate::common::{S, build};
use adsigma_correlation::{CorrelationSet, Correlator, CorrelatorConfig, Nanos, Snapshot, Source};
use adsigma_syntax::CorrelationType;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const RULES: &[&str] = &["a", "b", "c"];

/// (type, rules, condition): group-by user, timespan 10s.
const CORRELATIONS: &[(&str, &str, &str)] = &[
    ("event_count", "[a, b]", "{gte: 3}"),
    ("event_count", "[a]", "{lt: 2}"),
    ("event_count", "[c]", "{neq: 1}"),
    ("value_count", "[a, c]", "{field: host, gte: 2}"),
    ("value_count", "[b]", "{field: host, eq: 2}"),
    ("value_count", "[a, b, c]", "{field: host, gt: 1, lte: 3}"),
    ("value_sum", "[a, b]", "{field: bytes, gt: 60}"),
    ("value_sum", "[c]", "{field: bytes, lt: 30}"),
    ("value_avg", "[a, c]", "{field: bytes, gte: 25}"),
    ("value_avg", "[b]", "{field: bytes, lte: 20}"),
    ("value_percentile", "[a, b]", "{field: host, lte: 30}"),
    ("value_percentile", "[a, c]", "{field: host, gte: 60}"),
    ("temporal", "[a, b, c]", ""),
    ("temporal", "[a, b, c]", "{eq: 2}"),
    ("temporal_ordered", "[a, b]", ""),
    ("temporal_ordered", "[a, b, a]", "{gte: 3}"),
    // A chain: c16's matches feed c17 and c18 (upstream decided on arrival).
    ("event_count", "[a]", "{gte: 2}"),
    ("temporal_ordered", "[c16, b]", ""),
    ("event_count", "[c16, c]", "{gte: 2}"),
];

fn set() -> Arc<CorrelationSet> {
    let docs: Vec<String> = CORRELATIONS
        .iter()
        .enumerate()
        .map(|(i, (kind, rules, cond))| {
            let cond = if cond.is_empty() {
                String::new()
            } else {
                format!("  condition: {cond}\n")
            };
            format!(
                "title: c{i}\nname: c{i}\ncorrelation:\n  type: {kind}\n  rules: {rules}\n  group-by: [user]\n  timespan: 10s\n  generate: true\n{cond}"
            )
        })
        .collect();
    build(&docs.join("---\n"), RULES)
}

#[derive(Clone, Debug)]
struct Ev {
    time: Nanos,
    rules: Vec<usize>,
    user: Option<u8>,
    host: Option<u8>,
    bytes: Option<u8>,
}

impl Ev {
    fn json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(u) = self.user {
            m.insert("user".into(), format!("u{u}").into());
        }
        if let Some(h) = self.host {
            m.insert("host".into(), format!("h{h}").into());
        }
        if let Some(b) = self.bytes {
            m.insert("bytes".into(), b.into());
        }
        serde_json::Value::Object(m)
    }
}

/// What is compared: (correlation, group, value bits, field value, window, contributions).
type Key = (
    usize,
    Vec<(String, String)>,
    u64,
    Option<String>,
    (Nanos, Nanos),
    Vec<(usize, usize)>,
);

fn incremental(set: &Arc<CorrelationSet>, events: &[Ev], lateness: Nanos, cut: usize) -> Vec<Key> {
    let config = CorrelatorConfig {
        lateness,
        ..CorrelatorConfig::default()
    };
    let mut c: Correlator<usize> = Correlator::new(Arc::clone(set), config.clone());
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if i == cut {
            let json = serde_json::to_vec(&c.snapshot()).unwrap();
            let snap: Snapshot<usize> = serde_json::from_slice(&json).unwrap();
            c = Correlator::restore(Arc::clone(set), config.clone(), snap).unwrap();
        }
        if let Ok(m) = c.observe_at(&e.json(), e.time, i, &e.rules) {
            out.extend(m);
        }
    }
    out.extend(c.flush());
    let mut keys: Vec<Key> = out
        .into_iter()
        .map(|m| {
            (
                m.correlation,
                m.group,
                m.value.to_bits(),
                m.field_value,
                (m.window.start, m.window.end),
                m.events.iter().map(|c| (c.position, c.rule)).collect(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// One event of a group as the reference sees it.
#[derive(Clone, Debug)]
struct Item {
    time: Nanos,
    /// Processing order at equal times: (arrival of the event, 0 for a chained match or 1
    /// for the event itself).
    order: (usize, u8),
    mask: u64,
    host: Option<u8>,
    bytes: Option<u8>,
    contribs: Vec<(usize, usize)>,
}

fn value(
    kind: CorrelationType,
    window: &[Item],
    newest: bool,
    info: &adsigma_correlation::CorrelationInfo,
) -> Option<(f64, Option<String>)> {
    let hosts: Vec<u8> = window.iter().filter_map(|i| i.host).collect();
    let bytes: Vec<f64> = window
        .iter()
        .filter_map(|i| i.bytes.map(f64::from))
        .collect();
    let share =
        |h: u8| hosts.iter().filter(|&&x| x == h).count() as f64 * 100.0 / hosts.len() as f64;
    let v = match kind {
        CorrelationType::EventCount => window.len() as f64,
        CorrelationType::ValueCount => {
            let mut d = hosts.clone();
            d.sort_unstable();
            d.dedup();
            d.len() as f64
        }
        CorrelationType::ValueSum => bytes.iter().fold(0.0, |a, b| a + b),
        CorrelationType::ValueAvg => {
            if bytes.is_empty() {
                return None;
            }
            bytes.iter().fold(0.0, |a, b| a + b) / bytes.len() as f64
        }
        CorrelationType::ValuePercentile => {
            if newest {
                let h = window.last()?.host?;
                return Some((share(h), Some(format!("h{h}"))));
            }
            let mut seen = Vec::new();
            for &h in &hosts {
                if seen.contains(&h) {
                    continue;
                }
                seen.push(h);
                if info.satisfied(share(h)) {
                    return Some((share(h), Some(format!("h{h}"))));
                }
            }
            return None;
        }
        CorrelationType::Temporal => {
            // Distinct rules: slots are distinct rules in these correlations.
            let mask = window.iter().fold(0u64, |m, i| m | i.mask);
            f64::from(mask.count_ones())
        }
        CorrelationType::TemporalOrdered => {
            let mut k = 0;
            for i in window {
                if i.mask & (1 << k) != 0 {
                    k += 1;
                }
            }
            k as f64
        }
    };
    Some((v, None))
}

fn reference(set: &CorrelationSet, events: &[Ev], lateness: Nanos) -> Vec<Key> {
    let mut watermark = Nanos::MIN;
    let mut accepted: Vec<(Nanos, usize)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let relevant = e.rules.iter().any(|r| set.references_rule(*r));
        if !relevant {
            continue;
        }
        if watermark != Nanos::MIN && e.time < watermark - lateness {
            continue;
        }
        watermark = watermark.max(e.time);
        accepted.push((e.time, i));
    }
    accepted.sort();
    let mut keys = Vec::new();
    // Matches of each correlation, per user: the items they feed downstream (chains here
    // are all decided on arrival, so a match sits just before the event that completed it).
    let mut fed: Vec<Vec<(u8, Item)>> = vec![Vec::new(); set.len()];
    for c in 0..set.len() {
        let info = set.info(c).unwrap();
        let sources = set.sources(c);
        let span = info.timespan;
        let mut groups: BTreeMap<u8, Vec<Item>> = BTreeMap::new();
        for &(t, i) in &accepted {
            let e = &events[i];
            let mut mask = 0u64;
            let mut contribs = Vec::new();
            for (slot, s) in sources.iter().enumerate() {
                if let Source::Rule(r) = s {
                    if e.rules.contains(r) {
                        mask |= 1 << slot;
                        if !contribs.contains(&(i, *r)) {
                            contribs.push((i, *r));
                        }
                    }
                }
            }
            if mask == 0 {
                continue;
            }
            let Some(u) = e.user else { continue };
            let item = Item {
                time: t,
                order: (i, 1),
                mask,
                host: e.host,
                bytes: e.bytes,
                contribs,
            };
            groups.entry(u).or_default().push(item);
        }
        for (slot, s) in sources.iter().enumerate() {
            if let Source::Correlation(up) = s {
                for (u, item) in &fed[*up] {
                    let mut item = item.clone();
                    item.mask = 1 << slot;
                    groups.entry(*u).or_default().push(item);
                }
            }
        }
        for (u, mut items) in groups {
            items.sort_by_key(|i| (i.time, i.order));
            let mut emit = |window: &[Item], v: f64, fv: Option<String>, w: (Nanos, Nanos)| {
                let contribs: Vec<(usize, usize)> = window
                    .iter()
                    .flat_map(|i| i.contribs.iter().copied())
                    .collect();
                let last = window.last().unwrap();
                fed[c].push((
                    u,
                    Item {
                        time: w.1,
                        order: (last.order.0, 0),
                        mask: 0,
                        host: None,
                        bytes: None,
                        contribs: contribs.clone(),
                    },
                ));
                keys.push((
                    c,
                    vec![("user".to_owned(), format!("u{u}"))],
                    v.to_bits(),
                    fv,
                    w,
                    contribs,
                ));
            };
            if info.eager() {
                let mut reset = 0;
                for i in 0..items.len() {
                    let t = items[i].time;
                    let start = (reset..=i).find(|&j| items[j].time >= t - span).unwrap();
                    let window = &items[start..=i];
                    if let Some((v, fv)) = value(info.kind, window, true, info) {
                        if info.satisfied(v) {
                            emit(window, v, fv, (window[0].time, t));
                            reset = i + 1;
                        }
                    }
                }
            } else {
                let mut k = 0;
                while k < items.len() {
                    let start = items[k].time;
                    let end = (k..items.len())
                        .find(|&j| items[j].time > start + span)
                        .unwrap_or(items.len());
                    let window = &items[k..end];
                    if let Some((v, fv)) = value(info.kind, window, false, info) {
                        if info.satisfied(v) {
                            emit(window, v, fv, (start, start + span));
                        }
                    }
                    k = end;
                }
            }
        }
    }
    keys.sort();
    keys
}

fn stream() -> impl Strategy<Value = (Vec<Ev>, Nanos, usize)> {
    let ev = (
        0u8..8,                                    // step forward, in half seconds
        prop_oneof![4 => Just(0u8), 1 => 1u8..12], // step back (out of order), in half seconds
        proptest::collection::vec(0usize..4, 0..3),
        prop_oneof![9 => (0u8..3).prop_map(Some), 1 => Just(None)],
        prop_oneof![4 => (0u8..4).prop_map(Some), 1 => Just(None)],
        prop_oneof![4 => (0u8..50).prop_map(Some), 1 => Just(None)],
    );
    (
        proptest::collection::vec(ev, 0..120),
        prop_oneof![Just(0), Just(S), Just(3 * S)],
        0usize..130,
    )
        .prop_map(|(raw, lateness, cut)| {
            let mut clock: Nanos = 1_000 * S;
            let events = raw
                .into_iter()
                .map(|(fwd, back, mut rules, user, host, bytes)| {
                    clock += Nanos::from(fwd) * S / 2;
                    rules.sort_unstable();
                    rules.dedup();
                    Ev {
                        time: clock - Nanos::from(back) * S / 2,
                        rules,
                        user,
                        host,
                        bytes,
                    }
                })
                .collect();
            (events, lateness, cut)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn incremental_equals_brute_force((events, lateness, cut) in stream()) {
        let set = set();
        let fast = incremental(&set, &events, lateness, cut);
        let slow = reference(&set, &events, lateness);
        prop_assert_eq!(fast, slow);
    }
}

#[test]
fn the_reference_finds_matches() {
    // Guards the property test against a vacuous pass: a dense stream matches every type.
    let set = set();
    let events: Vec<Ev> = (0..200)
        .map(|i| Ev {
            time: Nanos::from(i) * S / 3,
            rules: vec![i as usize % 3, (i as usize / 3) % 3],
            user: Some((i % 2) as u8),
            host: Some((i % 5) as u8 % 4),
            bytes: Some((i * 7 % 50) as u8),
        })
        .collect();
    let slow = reference(&set, &events, 0);
    let fired: std::collections::BTreeSet<usize> = slow.iter().map(|k| k.0).collect();
    assert!(fired.len() >= 14, "{fired:?}");
    assert!(
        [16, 17, 18].iter().all(|c| fired.contains(c)),
        "the chain fires: {fired:?}"
    );
    assert_eq!(incremental(&set, &events, 0, 77), slow);
}
