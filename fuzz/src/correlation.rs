//! The generator and the check of the `correlation` target.
//!
//! A fuzz input is a sequence of choices ([`Draw`]) that builds a [`CorrelationCase`]: one to
//! three base rules (named, some with ids), one to three correlation documents over them
//! (every type, group-by fields and aliases, conditions of every operator and some odd ones,
//! chains of correlations, `generate`, good and bad timespans and references), tiny state
//! caps, and a stream of events with the rules each matched and a time: mostly in order,
//! sometimes out of order, missing, unreadable, far in the past or future, or given by the
//! caller (`observe_at`), plus the point at which the second run takes a snapshot.

use crate::engine::Draw;
use adsigma_correlation::time::{DEFAULT_TIME_FIELDS, event_time, format_rfc3339};
use adsigma_correlation::{
    CorrelationMatch, CorrelationSet, Correlator, CorrelatorConfig, Nanos, RuleRef, Skipped,
    Snapshot, Source,
};
use adsigma_syntax::{Diagnostic, Document, FileId, Limits, parse_str};
use serde_json::{Map, Value, json};
use std::fmt;
use std::sync::Arc;

/// One event of the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEvent {
    /// The event (its time, if any, in one of the default time fields).
    pub event: Value,
    /// A time given by the caller (`observe_at`) instead of the event's.
    pub at: Option<Nanos>,
    /// Indices of the detection rules it matched (some may be no rule's).
    pub matched: Vec<usize>,
}

/// Rules and correlations, correlator caps, a stream of events, and a snapshot point.
#[derive(Clone, PartialEq)]
pub struct CorrelationCase {
    /// The base rules and correlation documents, as one YAML stream.
    pub yaml: String,
    /// `lateness` (nanoseconds).
    pub lateness: Nanos,
    /// `max_groups`.
    pub max_groups: usize,
    /// `max_events_per_group`.
    pub max_events_per_group: usize,
    /// `max_pending`.
    pub max_pending: usize,
    /// `max_match_events`.
    pub max_match_events: usize,
    /// `emit_suppressed`.
    pub emit_suppressed: bool,
    /// The events, in stream order.
    pub events: Vec<StreamEvent>,
    /// The second run snapshots, serialises and restores its correlator before this event
    /// (at the end, before the flush, when it is the number of events).
    pub cut: usize,
}

impl CorrelationCase {
    /// The correlator's configuration.
    pub fn config(&self) -> CorrelatorConfig {
        CorrelatorConfig {
            lateness: self.lateness,
            max_groups: self.max_groups,
            max_events_per_group: self.max_events_per_group,
            max_pending: self.max_pending,
            max_match_events: self.max_match_events,
            emit_suppressed: self.emit_suppressed,
            ..CorrelatorConfig::default()
        }
    }
}

/// Readable in panic messages and in `cargo fuzz fmt`.
impl fmt::Debug for CorrelationCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "documents:\n{}", self.yaml)?;
        writeln!(
            f,
            "lateness {} max_groups {} max_events_per_group {} max_pending {} \
             max_match_events {} emit_suppressed {} cut {}",
            self.lateness,
            self.max_groups,
            self.max_events_per_group,
            self.max_pending,
            self.max_match_events,
            self.emit_suppressed,
            self.cut
        )?;
        for (i, e) in self.events.iter().enumerate() {
            writeln!(
                f,
                "event {i}: {} at {:?} rules {:?}",
                e.event, e.at, e.matched
            )?;
        }
        Ok(())
    }
}

// ---- documents ----

const SECOND: Nanos = 1_000_000_000;
/// 2023-11-14T22:13:20Z.
const BASE: Nanos = 1_700_000_000 * SECOND;

const TYPES: &[&str] = &[
    "event_count",
    "value_count",
    "value_sum",
    "value_avg",
    "value_percentile",
    "temporal",
    "temporal_ordered",
];

const TIMESPANS: &[&str] = &[
    "10s",
    "10s",
    "1m",
    "5s",
    "1s",
    "1h",
    "1d",
    "0s",
    "5",
    "-5s",
    "200000d",
    "18446744073709551615s",
    "99999999999999999999d",
];

const NUMBERS: &[&str] = &["0", "1", "2", "2", "3", "5", "-1", "2.5", "1e308", "50"];

const OPS: &[&str] = &["gt", "gte", "lt", "lte", "eq", "neq"];

/// A rule's id.
fn rule_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-00000000000{i}")
}

fn base_rule(d: &mut impl Draw, i: usize) -> String {
    let mut out = format!("title: r{i}\n");
    if !d.one_in(8) {
        out.push_str(&format!("name: r{i}\n"));
    }
    if d.one_in(3) {
        out.push_str(&format!("id: {}\n", rule_id(i)));
    }
    out.push_str("logsource: {product: test}\ndetection:\n  sel: {a: x}\n  condition: sel\n");
    out
}

fn condition(d: &mut impl Draw, kind: &str) -> Option<String> {
    let temporal = kind.starts_with("temporal");
    if temporal && d.flag() {
        return None;
    }
    if d.one_in(20) {
        return None;
    }
    let mut parts = Vec::new();
    if kind.starts_with("value_") && !d.one_in(10) {
        let field = match kind {
            "value_sum" | "value_avg" => *d.one(&["bytes", "bytes", "host", "missing"]),
            _ => *d.one(&["host", "host", "user", "bytes"]),
        };
        parts.push(format!("field: {field}"));
    }
    let n = if d.one_in(4) { 2 } else { 1 };
    for _ in 0..n {
        if d.one_in(16) {
            parts.push(format!("{}: {}", d.one(&["ge", "between"]), d.one(NUMBERS)));
        } else {
            parts.push(format!("{}: {}", d.one(OPS), d.one(NUMBERS)));
        }
    }
    if d.one_in(20) {
        parts.clear();
    }
    Some(format!("{{{}}}", parts.join(", ")))
}

fn correlation(d: &mut impl Draw, i: usize, n_rules: usize, n_corrs: usize) -> String {
    let mut out = format!("title: c{i}\n");
    if !d.one_in(10) {
        out.push_str(&format!("name: c{i}\n"));
    }
    if d.one_in(6) {
        out.push_str(&format!("id: 10000000-0000-4000-8000-00000000000{i}\n"));
    }
    let kind = if d.one_in(30) {
        "event_counts"
    } else {
        *d.one(TYPES)
    };
    out.push_str(&format!("correlation:\n  type: {kind}\n"));
    let n = 1 + d.pick(3);
    let refs: Vec<String> = (0..n)
        .map(|_| match d.pick(10) {
            0 if n_corrs > 1 => {
                // A chain (a cycle when it points back).
                let j = d.pick(n_corrs);
                format!("c{j}")
            }
            1 => rule_id(d.pick(n_rules)),
            2 if d.one_in(4) => "unknown".to_owned(),
            _ => format!("r{}", d.pick(n_rules)),
        })
        .collect();
    out.push_str(&format!("  rules: [{}]\n", refs.join(", ")));
    let groups: &[&[&str]] = &[
        &["user"],
        &["user"],
        &["host"],
        &["user", "host"],
        &["ip"],
        &[],
        &["missing"],
    ];
    let group = *d.one(groups);
    if !group.is_empty() || d.flag() {
        out.push_str(&format!("  group-by: [{}]\n", group.join(", ")));
    }
    if !d.one_in(30) {
        out.push_str(&format!("  timespan: {}\n", d.one(TIMESPANS)));
    }
    if group.contains(&"ip") || d.one_in(10) {
        // Per-rule field names of the alias `ip`.
        let m = 1 + d.pick(3);
        let entries: Vec<String> = (0..m)
            .map(|_| {
                let r = d.one(&["r0", "r1", "r2", "c0", "nobody"]);
                let f = d.one(&["user", "host", "src.ip"]);
                format!("{r}: {f}")
            })
            .collect();
        out.push_str(&format!("  aliases:\n    ip: {{{}}}\n", entries.join(", ")));
    }
    if let Some(c) = condition(d, kind) {
        out.push_str(&format!("  condition: {c}\n"));
    }
    if d.flag() {
        out.push_str(&format!("  generate: {}\n", d.one(&["true", "false"])));
    }
    out
}

// ---- events ----

/// A time field's value for time `t`, or an odd one.
fn time_value(d: &mut impl Draw, t: Nanos) -> Value {
    match d.pick(16) {
        0 => json!(t / SECOND),
        1 => json!(t / 1_000_000),
        2 => json!(t),
        3 => json!((t as f64) / 1e9),
        4 => json!((t / SECOND).to_string()),
        5 => json!(*d.one(&["yesterday", "", "2024-13-01T00:00:00Z", "1e400", "-"])),
        6 => json!(*d.one(&[
            "9999-12-31T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
            "1677-09-21T00:12:43Z",
            "2262-04-11T23:47:17Z",
            "-1",
        ])),
        7 => json!(*d.one(&[i64::MAX, i64::MIN, -1, 0, 99_999_999_999_999_999])),
        8 => json!(*d.one(&[1e300, -1e300, 1.5e18, -0.0])),
        9 => json!(true),
        10 => json!([format_rfc3339(t)]),
        _ => json!(format_rfc3339(t)),
    }
}

fn stream_event(d: &mut impl Draw, clock: &mut Nanos, n_rules: usize) -> StreamEvent {
    // Mostly forward by up to 7 seconds; sometimes back (out of order) or far.
    *clock = match d.pick(16) {
        0 => clock.saturating_sub(d.pick(12) as Nanos * SECOND),
        1 => clock.saturating_add(d.pick(4) as Nanos * 3600 * SECOND),
        2 => *clock,
        _ => clock.saturating_add(d.pick(8) as Nanos * SECOND + d.pick(3) as Nanos),
    };
    let t = *clock;
    let mut m = Map::new();
    let mut at = None;
    match d.pick(12) {
        0 => {}
        1 => at = Some(*d.one(&[t, i64::MIN, i64::MAX, -1, 0, t])),
        _ => {
            let field = *d.one(&["@timestamp", "timestamp", "time", "time", "UtcTime"]);
            m.insert(field.to_owned(), time_value(d, t));
        }
    }
    if d.pick(6) > 0 {
        let user = match d.pick(10) {
            0 => json!(5),
            1 => json!(["u1", "u0"]),
            2 => json!(null),
            3 => json!({"x": 1}),
            _ => json!(format!("u{}", d.pick(2))),
        };
        m.insert("user".into(), user);
    }
    if d.pick(4) > 0 {
        m.insert("host".into(), json!(format!("h{}", d.pick(3))));
    }
    if d.flag() {
        let bytes = match d.pick(10) {
            0 => json!("12"),
            1 => json!(*d.one(&["1e400", "NaN", "-inf", "x"])),
            2 => json!(*d.one(&[1e308, -1e308, f64::MIN_POSITIVE])),
            3 => json!(u64::MAX),
            4 => json!(-7),
            _ => json!(d.pick(100)),
        };
        m.insert("bytes".into(), bytes);
    }
    if d.one_in(6) {
        m.insert("src".into(), json!({"ip": format!("10.0.0.{}", d.pick(2))}));
    }
    let mut matched = Vec::new();
    for r in 0..n_rules {
        if d.pick(3) > 0 {
            matched.push(r);
        }
    }
    if d.one_in(10) {
        matched.push(*d.one(&[0, 7, usize::MAX]));
    }
    StreamEvent {
        event: Value::Object(m),
        at,
        matched,
    }
}

/// Builds a case from choices.
pub fn generate(d: &mut impl Draw) -> CorrelationCase {
    let n_rules = 1 + d.pick(3);
    let n_corrs = 1 + d.pick(3);
    let mut docs: Vec<String> = (0..n_rules).map(|i| base_rule(d, i)).collect();
    docs.extend((0..n_corrs).map(|i| correlation(d, i, n_rules, n_corrs)));
    let lateness = *d.one(&[0, 0, SECOND, 5 * SECOND, 60 * SECOND, i64::MAX]);
    let max_groups = 1 + d.pick(3);
    let max_events_per_group = 1 + d.pick(4);
    let max_pending = *d.one(&[0, 1, 2, 8, 64, 64]);
    let max_match_events = d.pick(4);
    let emit_suppressed = d.flag();
    let n = d.pick(25);
    let mut clock = BASE;
    let events: Vec<StreamEvent> = (0..n)
        .map(|_| stream_event(d, &mut clock, n_rules))
        .collect();
    let cut = d.pick(n + 1);
    CorrelationCase {
        yaml: docs.join("---\n"),
        lateness,
        max_groups,
        max_events_per_group,
        max_pending,
        max_match_events,
        emit_suppressed,
        events,
        cut,
    }
}

// ---- the check ----

/// What two runs are compared on: (correlation, group, value bits, field value, window,
/// contributions, events total).
type MatchKey = (
    usize,
    Vec<(String, String)>,
    u64,
    Option<String>,
    (Nanos, Nanos),
    Vec<(usize, usize)>,
    usize,
);

fn key(m: &CorrelationMatch<usize>) -> MatchKey {
    (
        m.correlation,
        m.group.clone(),
        m.value.to_bits(),
        m.field_value.clone(),
        (m.window.start, m.window.end),
        m.events.iter().map(|c| (c.position, c.rule)).collect(),
        m.events_total,
    )
}

/// What one `observe` (or the final flush) gave.
type Outcome = Result<Vec<MatchKey>, Skipped>;

/// The time the correlator reads for each event (`None`: skipped for its time).
fn times(case: &CorrelationCase) -> Vec<Option<Nanos>> {
    let fields: Vec<String> = DEFAULT_TIME_FIELDS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    case.events
        .iter()
        .map(|e| e.at.or_else(|| event_time(&e.event, &fields).ok()))
        .collect()
}

/// True when correlation `c` of `set` (transitively) counts only detection-rule events, so
/// that every event it lists lies in its window.
fn direct(set: &CorrelationSet, c: usize) -> bool {
    set.sources(c).iter().all(|s| matches!(s, Source::Rule(_)))
}

/// The invariants of one match.
fn check_match(
    m: &CorrelationMatch<usize>,
    set: &CorrelationSet,
    config: &CorrelatorConfig,
    times: &[Option<Nanos>],
    case: &CorrelationCase,
) {
    assert!(
        m.events.len() <= config.max_match_events && m.events.len() <= m.events_total,
        "correlation {}: {} events listed of {} (max_match_events {})\n{case:?}",
        m.correlation,
        m.events.len(),
        m.events_total,
        config.max_match_events
    );
    assert!(
        m.correlation < set.len(),
        "match of correlation {} of {}",
        m.correlation,
        set.len()
    );
    if direct(set, m.correlation) {
        for c in &m.events {
            assert!(
                case.events
                    .get(c.position)
                    .is_some_and(|e| e.matched.contains(&c.rule)),
                "correlation {} lists event {} for rule {}, which it did not match\n{case:?}",
                m.correlation,
                c.position,
                c.rule
            );
        }
    }
    // Events are processed in time order even when `max_pending` forces one out early
    // (older events are late from then on), so every window holds only its own events.
    let w = m.window;
    let span = i128::from(w.end) - i128::from(w.start);
    assert!(
        0 <= span && span <= i128::from(m.info.timespan),
        "correlation {} window {w:?} is not inside its timespan {}\n{m:?}\n{case:?}",
        m.correlation,
        m.info.timespan
    );
    if direct(set, m.correlation) {
        for c in &m.events {
            let Some(Some(t)) = times.get(c.position) else {
                panic!(
                    "correlation {} lists event {}, which has no time\n{m:?}\n{case:?}",
                    m.correlation, c.position
                );
            };
            assert!(
                w.start <= *t && *t <= w.end,
                "correlation {} lists event {} at {t}, outside its window {w:?}\n{m:?}\n{case:?}",
                m.correlation,
                c.position
            );
        }
    }
}

/// The caps of the configuration hold.
fn check_caps(c: &Correlator<usize>, config: &CorrelatorConfig, case: &CorrelationCase) {
    let n = c.set().len();
    assert!(
        c.groups() <= n * config.max_groups,
        "{} groups held over {n} correlations, max_groups {}\n{case:?}",
        c.groups(),
        config.max_groups
    );
    let most = n * config.max_groups * config.max_events_per_group + config.max_pending.max(1);
    assert!(
        c.events_held() <= most,
        "{} events held, more than the caps allow ({most})\n{case:?}",
        c.events_held()
    );
}

/// Runs the stream, snapshotting and restoring before event `cut` when given; checks caps
/// and match invariants on the way. Returns each observation's outcome and the flush's.
fn run(
    set: &Arc<CorrelationSet>,
    case: &CorrelationCase,
    times: &[Option<Nanos>],
    cut: Option<usize>,
) -> (Vec<Outcome>, Vec<MatchKey>, adsigma_correlation::Stats) {
    let config = case.config();
    let mut c: Correlator<usize> = Correlator::new(Arc::clone(set), config.clone());
    let mut outcomes = Vec::new();
    let restore = |c: &mut Correlator<usize>| {
        let json = match serde_json::to_string(&c.snapshot()) {
            Ok(j) => j,
            Err(e) => panic!("the snapshot does not serialise: {e}\n{case:?}"),
        };
        let snapshot: Snapshot<usize> = match serde_json::from_str(&json) {
            Ok(s) => s,
            Err(e) => panic!("the snapshot's JSON does not read back: {e}\n{json}\n{case:?}"),
        };
        *c = match Correlator::restore(Arc::clone(set), config.clone(), snapshot) {
            Ok(r) => r,
            Err(e) => panic!("the snapshot does not restore: {e}\n{json}\n{case:?}"),
        };
    };
    for (i, e) in case.events.iter().enumerate() {
        if cut == Some(i) {
            restore(&mut c);
        }
        let result = match e.at {
            Some(t) => c.observe_at(&e.event, t, i, &e.matched),
            None => c.observe(&e.event, i, &e.matched),
        };
        check_caps(&c, &config, case);
        outcomes.push(result.map(|ms| {
            for m in &ms {
                check_match(m, set, &config, times, case);
            }
            ms.iter().map(key).collect()
        }));
    }
    if cut == Some(case.events.len()) {
        restore(&mut c);
    }
    let flushed = c.flush();
    for m in &flushed {
        check_match(m, set, &config, times, case);
    }
    assert_eq!(
        c.events_held(),
        0,
        "the correlator holds events after flush\n{case:?}"
    );
    (
        outcomes,
        flushed.iter().map(key).collect(),
        c.stats().clone(),
    )
}

/// `correlation`: building the set never panics (errors lie inside the text; the lenient
/// build keeps what it can); observing and flushing never panic; the groups and events held
/// stay within the caps; every match's window lies within the timespan, lists at most
/// `max_match_events` events, and (for correlations of detection rules) only events inside
/// the window that matched the rule listed; a run snapshotted to JSON and restored before
/// event `cut` gives the same outcomes, matches and counters as an uninterrupted one.
/// Cases with a [`known_issue`] are skipped (from the point the issue shows).
pub fn check_correlation(case: &CorrelationCase) {
    check(case, true)
}

/// [`check_correlation`] without skipping the [`known_issue`]s: fails on them until they
/// are fixed (the `known_bug_correlation_*` tests of `fuzz/tests/replay.rs` run it).
pub fn check_correlation_strict(case: &CorrelationCase) {
    check(case, false)
}

fn check(case: &CorrelationCase, skip_known: bool) {
    let text = &case.yaml;
    let parsed = parse_str(text, FileId(0), &Limits::default());
    let mut rules = Vec::new();
    let mut correlations = Vec::new();
    let mut index = 0;
    for doc in &parsed.documents {
        match doc {
            Document::Rule(r) => {
                rules.push(RuleRef {
                    index,
                    id: r.meta.id.as_ref().map(|i| i.value.as_str()),
                    name: r.meta.name.as_ref().map(|n| n.value.as_str()),
                });
                index += 1;
            }
            Document::Correlation(c) => correlations.push(c),
            Document::Filter(_) => {}
        }
    }
    let set = match CorrelationSet::build(&correlations, &rules) {
        Ok(set) => set,
        Err(diags) => {
            assert!(
                diags.iter().any(Diagnostic::is_error),
                "build failed without an error: {diags:?}\n{case:?}"
            );
            check_positions(&diags, text, case);
            let (set, warnings) = CorrelationSet::build_lenient(&correlations, &rules);
            check_positions(&warnings, text, case);
            set
        }
    };
    check_positions(set.warnings(), text, case);
    let set = Arc::new(set);
    let times = times(case);
    if skip_known && known_issue(&set, case, &times, None).is_some() {
        return;
    }
    let whole = run(&set, case, &times, None);
    if skip_known && known_issue(&set, case, &times, Some(&whole.2)).is_some() {
        return;
    }
    let resumed = run(&set, case, &times, Some(case.cut));
    assert!(
        whole.0 == resumed.0,
        "restoring a snapshot before event {} changes the outcomes:\nuninterrupted {:?}\nresumed {:?}\n{case:?}",
        case.cut,
        whole.0,
        resumed.0
    );
    assert_eq!(
        whole.1, resumed.1,
        "restoring a snapshot before event {} changes the flush\n{case:?}",
        case.cut
    );
    assert_eq!(
        whole.2, resumed.2,
        "restoring a snapshot before event {} changes the counters\n{case:?}",
        case.cut
    );
}

fn check_positions(diags: &[Diagnostic], text: &str, case: &CorrelationCase) {
    for d in diags {
        for label in std::iter::once(&d.primary).chain(&d.labels) {
            let r = label.span.range();
            assert!(
                text.get(r.clone()).is_some(),
                "diagnostic {} `{}` has span {r:?}, not a slice of the {}-byte text\n{case:?}",
                d.code,
                d.message,
                text.len()
            );
        }
    }
}

/// Why a case is known to break a check, if it is: the target skips such cases so that it
/// keeps finding new problems (and CI stays green). `set` is the correlation set built from
/// the case, `times` the event times the correlator reads, and `stats` the counters of the
/// uninterrupted run once it is done (the snapshot comparison comes after). Each reason
/// names an ignored test of `fuzz/tests/replay.rs` that fails until the bug is fixed;
/// delete the reason with the fix.
pub fn known_issue(
    set: &CorrelationSet,
    case: &CorrelationCase,
    times: &[Option<Nanos>],
    stats: Option<&adsigma_correlation::Stats>,
) -> Option<&'static str> {
    // No known issue now. The ones found before are fixed, their inputs kept in
    // `fuzz/regressions/correlation/`: windows ending at `Nanos::MAX` left open by `flush`,
    // the restore after a forced release, events older than a forced-out one landing in
    // later windows, and the running sum of `value_sum` / `value_avg` cancelling small values.
    let _ = (set, case, times, stats);
    None
}

/// How far a case gets: `None` when its correlations do not build (strictly), else the
/// number of matches of an uninterrupted run (for the seed writer and its test in
/// `tests/replay.rs`).
pub fn reach(case: &CorrelationCase) -> Option<usize> {
    let parsed = parse_str(&case.yaml, FileId(0), &Limits::default());
    let mut rules = Vec::new();
    let mut correlations = Vec::new();
    for doc in &parsed.documents {
        match doc {
            Document::Rule(r) => rules.push(RuleRef {
                index: rules.len(),
                id: r.meta.id.as_ref().map(|i| i.value.as_str()),
                name: r.meta.name.as_ref().map(|n| n.value.as_str()),
            }),
            Document::Correlation(c) => correlations.push(c),
            Document::Filter(_) => {}
        }
    }
    let set = Arc::new(CorrelationSet::build(&correlations, &rules).ok()?);
    let mut c: Correlator<usize> = Correlator::new(set, case.config());
    let mut n = 0;
    for (i, e) in case.events.iter().enumerate() {
        let result = match e.at {
            Some(t) => c.observe_at(&e.event, t, i, &e.matched),
            None => c.observe(&e.event, i, &e.matched),
        };
        n += result.map_or(0, |ms| ms.len());
    }
    Some(n + c.flush().len())
}
