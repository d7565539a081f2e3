//! The streaming state: [`Correlator`].

use crate::set::{CorrelationInfo, CorrelationSet, Source, first_number, first_text, group_key_of};
use crate::time::{Nanos, TimeError, event_time};
use adsigma_engine::Event;
use adsigma_syntax::CorrelationType;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::Arc;

/// Where event time comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeSource {
    /// The first present of these fields (see [`crate::time::DEFAULT_TIME_FIELDS`]).
    Event {
        /// Field paths, tried in order.
        fields: Vec<String>,
    },
    /// The wall clock when the event is observed.
    Processing,
}

impl Default for TimeSource {
    fn default() -> Self {
        TimeSource::Event {
            fields: crate::time::DEFAULT_TIME_FIELDS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}

/// Settings of a [`Correlator`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrelatorConfig {
    /// Where event time comes from. Default: event time from
    /// [`crate::time::DEFAULT_TIME_FIELDS`].
    pub time: TimeSource,
    /// How far behind the latest event time an event may be and still count (default 0:
    /// events must come in time order; equal times are fine). Windows are decided once event
    /// time has passed them by this much.
    pub lateness: Nanos,
    /// Most groups kept per correlation (default 100,000). A new group beyond it evicts the
    /// group whose window ends first.
    pub max_groups: usize,
    /// Most events kept per group (default 10,000). One more evicts the group's oldest.
    pub max_events_per_group: usize,
    /// Most events waiting for the lateness to pass (default 1,000,000). One more releases
    /// the oldest early; events older than it are then late ([`Skipped::Late`]).
    pub max_pending: usize,
    /// Most contributing events listed in one match (default 1,000); the rest are counted in
    /// [`CorrelationMatch::events_total`].
    pub max_match_events: usize,
    /// Also return matches of correlations that only feed others (see
    /// [`CorrelationSet::correlation_emits`]). Default false.
    pub emit_suppressed: bool,
    /// Skip (and count) events whose time is more than this ahead of the wall clock, so one
    /// bogus far-future timestamp cannot make every later event late. Default `None` (no
    /// limit), for replaying files whose times are unrelated to the clock.
    pub max_future: Option<Nanos>,
}

impl Default for CorrelatorConfig {
    fn default() -> Self {
        CorrelatorConfig {
            time: TimeSource::default(),
            lateness: 0,
            max_groups: 100_000,
            max_events_per_group: 10_000,
            max_pending: 1_000_000,
            max_match_events: 1_000,
            emit_suppressed: false,
            max_future: None,
        }
    }
}

/// Counters of a [`Correlator`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Events observed that a correlation references (others are not counted).
    pub events: u64,
    /// Of those, events with none of the timestamp fields (skipped).
    pub missing_time: u64,
    /// Events whose timestamp field does not hold a time (skipped).
    pub bad_time: u64,
    /// Events later than the allowed lateness, or older than an event released early by
    /// [`CorrelatorConfig::max_pending`] (skipped).
    pub late: u64,
    /// Events further in the future than [`CorrelatorConfig::max_future`] (skipped).
    #[serde(default)]
    pub future: u64,
    /// (event, correlation) pairs skipped because the event lacks a group-by field.
    pub missing_group_field: u64,
    /// Groups evicted by [`CorrelatorConfig::max_groups`].
    pub groups_evicted: u64,
    /// Events evicted by [`CorrelatorConfig::max_events_per_group`].
    pub events_evicted: u64,
    /// Events released before their lateness passed, by [`CorrelatorConfig::max_pending`].
    pub forced_releases: u64,
    /// Windows that closed or expired without a match.
    pub windows_expired: u64,
    /// Correlation matches found (including suppressed ones).
    pub matches: u64,
    /// Matches of correlations that only feed others, not returned.
    pub suppressed_matches: u64,
}

/// Why [`Correlator::observe`] did not use an event. Each is counted in [`Stats`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// The event has no usable time.
    Time(TimeError),
    /// The event is older than the latest event time minus the allowed lateness, or than an
    /// event that [`CorrelatorConfig::max_pending`] released early.
    Late {
        /// The event's time.
        time: Nanos,
        /// The oldest time still accepted.
        oldest_accepted: Nanos,
    },
    /// The event is further ahead of the wall clock than [`CorrelatorConfig::max_future`].
    Future {
        /// The event's time.
        time: Nanos,
        /// The latest time accepted when it was observed.
        limit: Nanos,
    },
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skipped::Time(e) => write!(f, "not correlated: {e}"),
            Skipped::Late {
                time,
                oldest_accepted,
            } => write!(
                f,
                "not correlated: the event time {} is older than the allowed lateness ({})",
                crate::time::format_rfc3339(*time),
                crate::time::format_rfc3339(*oldest_accepted)
            ),
            Skipped::Future { time, limit } => write!(
                f,
                "not correlated: the event time {} is in the future (later than {})",
                crate::time::format_rfc3339(*time),
                crate::time::format_rfc3339(*limit)
            ),
        }
    }
}

impl std::error::Error for Skipped {}

/// A time window: `start` and `end`, inclusive, in nanoseconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start.
    pub start: Nanos,
    /// End.
    pub end: Nanos,
}

impl Window {
    /// `start` as RFC 3339 (UTC), as the CLI prints it.
    pub fn start_rfc3339(&self) -> String {
        crate::time::format_rfc3339(self.start)
    }

    /// `end` as RFC 3339 (UTC), as the CLI prints it.
    pub fn end_rfc3339(&self) -> String {
        crate::time::format_rfc3339(self.end)
    }
}

/// An event that contributed to a match: the caller's position for it and the detection rule
/// (index in the caller's program) it matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution<P> {
    /// Where the event is (what the caller passed to `observe`).
    pub position: P,
    /// The detection rule it matched.
    pub rule: usize,
}

/// A correlation rule matched.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationMatch<P> {
    /// The correlation's index in the set.
    pub correlation: usize,
    /// What to report about it.
    pub info: Arc<CorrelationInfo>,
    /// The group: each `group-by` entry (as written) with its value.
    pub group: Vec<(String, String)>,
    /// The value compared with the condition (a count, a sum, an average, a percentage, the
    /// number of distinct rules or of rules seen in order).
    pub value: f64,
    /// For `value_percentile`: the value of `field` whose share matched.
    pub field_value: Option<String>,
    /// The window: from its first event to the event that completed it (`gt`/`gte`), or
    /// from its first event to that plus the timespan (decided at close).
    pub window: Window,
    /// The contributing events in window order (events of correlations feeding this one are
    /// listed in their place), at most [`CorrelatorConfig::max_match_events`].
    pub events: Vec<Contribution<P>>,
    /// How many contributing events there were in all.
    pub events_total: usize,
}

/// A group key: one text per group-by entry, shared by the group table and its index.
type Key = Arc<[String]>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Val {
    None,
    Text(Box<str>),
    Num(f64),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum Origin<P> {
    Event(P),
    Chain(Box<[Contribution<P>]>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry<P> {
    time: Nanos,
    slots: u64,
    value: Val,
    origin: Origin<P>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Item {
    corr: usize,
    slots: u64,
    key: Vec<String>,
    value: Val,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending<P> {
    time: Nanos,
    seq: u64,
    position: P,
    items: Vec<Item>,
}

/// Running aggregates of a group's events.
///
/// The sum is kept so that it depends only on the kept events and their order, whatever was
/// added and evicted before (a restored correlator recomputes it from the kept events):
/// integers within `i64` are summed exactly in `int_sum`; other numbers (fractions, huge or
/// infinite values) are summed left to right in `float_sum`, which is recomputed from the kept
/// events when one of them is evicted (subtracting it again would lose the small values next
/// to a huge one: `1e308 + 49 - 1e308 == 0`).
#[derive(Clone, Debug, Default)]
struct Agg {
    counts: FxHashMap<Box<str>, u32>,
    valued: usize,
    int_sum: i128,
    float_sum: f64,
    /// `float_sum` must be recomputed from the kept events.
    stale: bool,
    classes: Vec<u32>,
}

/// `x` as an exact integer, when it is one within `i64` (summed exactly in `i128`).
fn exact_int(x: f64) -> Option<i128> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    (x.is_finite() && x.fract() == 0.0 && x.abs() < LIMIT).then_some(x as i128)
}

#[derive(Clone, Debug)]
struct Group<P> {
    id: u64,
    start: Nanos,
    deadline: Nanos,
    events: VecDeque<Entry<P>>,
    /// Running aggregates, for the types that need them.
    agg: Option<Box<Agg>>,
}

#[derive(Clone, Debug)]
struct State<P> {
    groups: FxHashMap<Key, Group<P>>,
    deadlines: BTreeSet<(Nanos, u64)>,
    keys: FxHashMap<u64, Key>,
    next_id: u64,
}

impl<P> Default for State<P> {
    fn default() -> Self {
        State {
            groups: FxHashMap::default(),
            deadlines: BTreeSet::new(),
            keys: FxHashMap::default(),
            next_id: 0,
        }
    }
}

/// Runs a [`CorrelationSet`] over a stream of events, in order, keeping bounded state.
///
/// `P` is the caller's position of an event (e.g. file and line); matches list the
/// positions of their events. Feed every event that matched detection rules with the
/// indices of those rules ([`Correlator::observe`]), then call [`Correlator::flush`] at the
/// end of the stream. See the crate documentation for the window semantics.
///
/// ```
/// use adsigma_correlation::{CorrelationSet, Correlator, CorrelatorConfig, RuleRef};
/// use adsigma_syntax::{parse_str, Document, FileId, Limits};
/// let text = "title: many execs\ncorrelation:\n  type: event_count\n  rules: [exec]\n  group-by: [user]\n  timespan: 1m\n  condition: {gte: 2}\n";
/// let parsed = parse_str(text, FileId(0), &Limits::default());
/// let Document::Correlation(c) = &parsed.documents[0] else { unreachable!() };
/// let set = CorrelationSet::build(&[c], &[RuleRef { index: 7, id: None, name: Some("exec") }]).unwrap();
/// let mut correlator: Correlator<u32> = Correlator::new(set.into(), CorrelatorConfig::default());
/// let e1 = serde_json::json!({"user": "alice", "time": "2026-03-01T10:00:00Z"});
/// let e2 = serde_json::json!({"user": "alice", "time": "2026-03-01T10:00:30Z"});
/// assert!(correlator.observe(&e1, 1, &[7]).unwrap().is_empty());
/// let m = correlator.observe(&e2, 2, &[7]).unwrap();
/// assert_eq!(m[0].value, 2.0);
/// assert_eq!(m[0].group, [("user".to_owned(), "alice".to_owned())]);
/// assert_eq!(m[0].events.iter().map(|c| c.position).collect::<Vec<_>>(), [1, 2]);
/// ```
#[derive(Clone, Debug)]
pub struct Correlator<P> {
    set: Arc<CorrelationSet>,
    config: CorrelatorConfig,
    states: Vec<State<P>>,
    pending: BTreeMap<(Nanos, u64), Pending<P>>,
    watermark: Option<Nanos>,
    /// Every correlation has decided its windows ending before this. Events before it are
    /// late: it passes the watermark minus the lateness when `max_pending` forces an event
    /// out early.
    advanced: Nanos,
    seq: u64,
    stats: Stats,
}

fn val_text(v: &Val) -> Option<&str> {
    match v {
        Val::Text(t) => Some(t),
        _ => None,
    }
}

impl Agg {
    /// The sum of the numeric values.
    fn sum(&self) -> f64 {
        self.int_sum as f64 + self.float_sum
    }

    /// Recomputes `float_sum` from the kept events after an eviction made it stale.
    fn resum<P>(&mut self, events: &VecDeque<Entry<P>>) {
        if !std::mem::take(&mut self.stale) {
            return;
        }
        self.float_sum = events
            .iter()
            .filter_map(|e| match e.value {
                Val::Num(x) if exact_int(x).is_none() => Some(x),
                _ => None,
            })
            .fold(0.0, |a, x| a + x);
    }

    fn add(&mut self, e: &Entry<impl Sized>, classes: &[usize]) {
        self.update(e, classes, 1);
    }
    fn remove(&mut self, e: &Entry<impl Sized>, classes: &[usize]) {
        self.update(e, classes, -1);
    }
    fn update(&mut self, e: &Entry<impl Sized>, classes: &[usize], d: i32) {
        match &e.value {
            Val::None => {}
            Val::Text(t) => {
                self.valued = (self.valued as i64 + i64::from(d)) as usize;
                if d > 0 {
                    *self.counts.entry(t.clone()).or_insert(0) += 1;
                } else if let Some(n) = self.counts.get_mut(&**t) {
                    *n -= 1;
                    if *n == 0 {
                        self.counts.remove(&**t);
                    }
                }
            }
            Val::Num(x) => {
                self.valued = (self.valued as i64 + i64::from(d)) as usize;
                match exact_int(*x) {
                    Some(i) => self.int_sum += i128::from(d) * i,
                    None if d > 0 => self.float_sum += x,
                    None => self.stale = true,
                }
            }
        }
        let mut bits = e.slots;
        let mut seen = 0u64;
        while bits != 0 {
            let slot = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let class = classes.get(slot).copied().unwrap_or(slot);
            if seen & (1 << class) != 0 {
                continue;
            }
            seen |= 1 << class;
            if self.classes.len() <= class {
                self.classes.resize(class + 1, 0);
            }
            self.classes[class] = (self.classes[class] as i64 + i64::from(d)) as u32;
        }
    }
}

/// Whether a type keeps running aggregates (event_count and temporal_ordered read the
/// window's events directly).
fn needs_agg(kind: CorrelationType) -> bool {
    !matches!(
        kind,
        CorrelationType::EventCount | CorrelationType::TemporalOrdered
    )
}

/// The value of a window and, for value_percentile, the field value it is about. `newest`
/// is the event just added (eager decisions), `None` at close.
fn window_value<P>(
    info: &CorrelationInfo,
    group: &Group<P>,
    newest: Option<&Entry<P>>,
) -> Option<(f64, Option<String>)> {
    let empty = Agg::default();
    let agg = group.agg.as_deref().unwrap_or(&empty);
    let v = match info.kind {
        CorrelationType::EventCount => group.events.len() as f64,
        CorrelationType::ValueCount => agg.counts.len() as f64,
        CorrelationType::ValueSum => agg.sum(),
        CorrelationType::ValueAvg => {
            if agg.valued == 0 {
                return None;
            }
            agg.sum() / agg.valued as f64
        }
        CorrelationType::ValuePercentile => {
            let share = |t: &str| {
                f64::from(agg.counts.get(t).copied().unwrap_or(0)) * 100.0 / agg.valued as f64
            };
            return match newest {
                Some(e) => {
                    let t = val_text(&e.value)?;
                    Some((share(t), Some(t.to_owned())))
                }
                None => {
                    let mut seen: rustc_hash::FxHashSet<&str> = Default::default();
                    for e in &group.events {
                        let Some(t) = val_text(&e.value) else {
                            continue;
                        };
                        if !seen.insert(t) {
                            continue;
                        }
                        let s = share(t);
                        if info.satisfied(s) {
                            return Some((s, Some(t.to_owned())));
                        }
                    }
                    None
                }
            };
        }
        CorrelationType::Temporal => agg.classes.iter().filter(|&&n| n > 0).count() as f64,
        CorrelationType::TemporalOrdered => {
            let mut k = 0usize;
            for e in &group.events {
                if k < 64 && e.slots & (1u64 << k) != 0 {
                    k += 1;
                }
            }
            k as f64
        }
    };
    Some((v, None))
}

impl<P: Clone> Correlator<P> {
    /// A correlator with empty state.
    pub fn new(set: Arc<CorrelationSet>, config: CorrelatorConfig) -> Self {
        let states = (0..set.len()).map(|_| State::default()).collect();
        Correlator {
            set,
            config,
            states,
            pending: BTreeMap::new(),
            watermark: None,
            advanced: Nanos::MIN,
            seq: 0,
            stats: Stats::default(),
        }
    }

    /// The correlations run.
    pub fn set(&self) -> &Arc<CorrelationSet> {
        &self.set
    }

    /// The counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The number of groups held, over all correlations.
    pub fn groups(&self) -> usize {
        self.states.iter().map(|s| s.groups.len()).sum()
    }

    /// The number of events held in windows, over all correlations and groups, plus those
    /// waiting for the lateness to pass.
    pub fn events_held(&self) -> usize {
        self.states
            .iter()
            .flat_map(|s| s.groups.values())
            .map(|g| g.events.len())
            .sum::<usize>()
            + self.pending.len()
    }

    /// The latest event time seen.
    pub fn watermark(&self) -> Option<Nanos> {
        self.watermark
    }

    /// Observes one event that matched the detection rules `matched_rule_indices` (indices in
    /// the caller's program; pass them all, including rules whose own matches are
    /// suppressed). Returns the correlation matches this completes (matches of earlier events
    /// may come out here once the lateness has passed them).
    ///
    /// Events no correlation references are ignored without reading their time. An event
    /// without a usable time, or older than the allowed lateness, is skipped and counted.
    pub fn observe(
        &mut self,
        event: &dyn Event,
        position: P,
        matched_rule_indices: &[usize],
    ) -> Result<Vec<CorrelationMatch<P>>, Skipped> {
        self.observe_with(event, position, matched_rule_indices, None)
    }

    /// [`Correlator::observe`] with the event's time given by the caller (processing time, or
    /// a time read elsewhere); the configured [`TimeSource`] is not used.
    pub fn observe_at(
        &mut self,
        event: &dyn Event,
        time: Nanos,
        position: P,
        matched_rule_indices: &[usize],
    ) -> Result<Vec<CorrelationMatch<P>>, Skipped> {
        self.observe_with(event, position, matched_rule_indices, Some(time))
    }

    fn observe_with(
        &mut self,
        event: &dyn Event,
        position: P,
        matched: &[usize],
        time: Option<Nanos>,
    ) -> Result<Vec<CorrelationMatch<P>>, Skipped> {
        let set = Arc::clone(&self.set);
        let mut targets: Vec<(usize, usize, u64)> = Vec::new(); // (rank, corr, slots)
        for r in matched {
            for &(corr, slots) in set.by_rule.get(r).map_or(&[][..], Vec::as_slice) {
                match targets.iter_mut().find(|t| t.1 == corr) {
                    Some(t) => t.2 |= slots,
                    None => targets.push((set.rank[corr], corr, slots)),
                }
            }
        }
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        targets.sort_unstable();
        self.stats.events += 1;
        let time = match time {
            Some(t) => t,
            None => match &self.config.time {
                // The wall clock may step back (NTP): never behind the watermark.
                TimeSource::Processing => now().max(self.watermark.unwrap_or(Nanos::MIN)),
                TimeSource::Event { fields } => match event_time(event, fields) {
                    Ok(t) => t,
                    Err(e) => {
                        match e {
                            TimeError::Missing => self.stats.missing_time += 1,
                            TimeError::Bad { .. } => self.stats.bad_time += 1,
                        }
                        return Err(Skipped::Time(e));
                    }
                },
            },
        };
        if let Some(max) = self.config.max_future {
            let limit = now().saturating_add(max);
            if time > limit {
                self.stats.future += 1;
                return Err(Skipped::Future { time, limit });
            }
        }
        if let Some(w) = self.watermark {
            // Events are processed in time order: none before one already processed (which
            // is later than the watermark minus the lateness once `max_pending` forced it out).
            let oldest = w.saturating_sub(self.config.lateness).max(self.advanced);
            if time < oldest {
                self.stats.late += 1;
                return Err(Skipped::Late {
                    time,
                    oldest_accepted: oldest,
                });
            }
        }
        let mut items = Vec::with_capacity(targets.len());
        for (_, corr, slots) in targets {
            let c = &set.correlations[corr];
            let slot = slots.trailing_zeros() as usize;
            let Some(key) = group_key_of(&c.group_fields[slot], event) else {
                self.stats.missing_group_field += 1;
                continue;
            };
            let value = match (&c.value_fields[slot], c.info.kind) {
                (None, _) => Val::None,
                (Some(f), CorrelationType::ValueSum | CorrelationType::ValueAvg) => {
                    first_number(event, f).map_or(Val::None, Val::Num)
                }
                (Some(f), _) => first_text(event, f).map_or(Val::None, |t| Val::Text(t.into())),
            };
            items.push(Item {
                corr,
                slots,
                key,
                value,
            });
        }
        self.seq += 1;
        let seq = self.seq;
        let pending = Pending {
            time,
            seq,
            position,
            items,
        };
        let mut out = Vec::new();
        // In order (always so without lateness): no need to wait in the buffer.
        let w = self.watermark.map_or(time, |w| w.max(time));
        let released = w.saturating_sub(self.config.lateness);
        if self.pending.is_empty() && time <= released {
            self.watermark = Some(w);
            self.release(pending, &mut out);
            self.advance_all(released, &mut out);
            return Ok(out);
        }
        self.pending.insert((time, seq), pending);
        while self.pending.len() > self.config.max_pending.max(1) {
            let (_, p) = self.pending.pop_first().expect("not empty");
            self.stats.forced_releases += 1;
            self.release(p, &mut out);
        }
        self.advance_watermark(time, &mut out);
        Ok(out)
    }

    /// Tells the correlator that event time has reached `time` (e.g. on an idle stream):
    /// windows that ended more than the lateness before it are decided. Returns the matches
    /// this completes.
    pub fn advance_to(&mut self, time: Nanos) -> Vec<CorrelationMatch<P>> {
        let mut out = Vec::new();
        self.advance_watermark(time, &mut out);
        out
    }

    /// Ends the stream: releases every waiting event and decides every open window (windows
    /// decided at close are decided now, as if event time had passed them). The state is
    /// empty afterwards; the watermark stays.
    pub fn flush(&mut self) -> Vec<CorrelationMatch<P>> {
        let mut out = Vec::new();
        while let Some((_, p)) = self.pending.pop_first() {
            self.release(p, &mut out);
        }
        // Every window, including those ending at `Nanos::MAX` (which no event time passes),
        // upstream first so that the matches a chain feeds downstream are decided too.
        let set = Arc::clone(&self.set);
        for &c in &set.order {
            self.advance(&set, c, None, &mut out);
        }
        // Every window is closed; new ones start from here.
        self.advanced = Nanos::MIN;
        out
    }

    fn advance_watermark(&mut self, time: Nanos, out: &mut Vec<CorrelationMatch<P>>) {
        let w = self.watermark.map_or(time, |w| w.max(time));
        self.watermark = Some(w);
        let released = w.saturating_sub(self.config.lateness);
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 > released {
                break;
            }
            let p = entry.remove();
            self.release(p, out);
        }
        self.advance_all(released, out);
    }

    fn release(&mut self, p: Pending<P>, out: &mut Vec<CorrelationMatch<P>>) {
        self.advance_all(p.time, out);
        let set = Arc::clone(&self.set);
        for item in p.items {
            let entry = Entry {
                time: p.time,
                slots: item.slots,
                value: item.value,
                origin: Origin::Event(p.position.clone()),
            };
            // Upstream matches of this same event may have advanced nothing further: the
            // correlation is already at p.time.
            self.add(&set, item.corr, item.key, entry, out);
        }
    }

    /// Decides every window of every correlation that ends before `time`.
    fn advance_all(&mut self, time: Nanos, out: &mut Vec<CorrelationMatch<P>>) {
        // Deadlines added since the last call are at or after that call's time, and a chain
        // inside one call is handled by the upstream-first order: nothing to do again.
        if time <= self.advanced {
            return;
        }
        self.advanced = time;
        let set = Arc::clone(&self.set);
        for &c in &set.order {
            self.advance(&set, c, Some(time), out);
        }
    }

    /// Decides the windows of correlation `c` that end before `time`, or all of them when
    /// `time` is `None` (the end of the stream).
    fn advance(
        &mut self,
        set: &CorrelationSet,
        c: usize,
        time: Option<Nanos>,
        out: &mut Vec<CorrelationMatch<P>>,
    ) {
        let info = &set.correlations[c].info;
        let eager = info.eager();
        loop {
            let st = &mut self.states[c];
            let Some(&(deadline, id)) = st.deadlines.first() else {
                break;
            };
            if time.is_some_and(|t| deadline >= t) {
                break;
            }
            st.deadlines.pop_first();
            let key = st.keys.remove(&id).expect("deadline of a live group");
            let group = st.groups.remove(&key).expect("live group");
            if eager {
                self.stats.windows_expired += 1;
                continue;
            }
            match window_value(info, &group, None) {
                Some((value, field_value)) if info.satisfied(value) => {
                    let window = Window {
                        start: group.start,
                        end: group.start.saturating_add(info.timespan),
                    };
                    let m = self.make_match(set, c, &key, value, field_value, window, group.events);
                    self.emit(set, m, window.end, out);
                }
                _ => self.stats.windows_expired += 1,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn make_match(
        &self,
        set: &CorrelationSet,
        c: usize,
        key: &[String],
        value: f64,
        field_value: Option<String>,
        window: Window,
        events: VecDeque<Entry<P>>,
    ) -> CorrelationMatch<P> {
        let comp = &set.correlations[c];
        let cap = self.config.max_match_events;
        let mut list = Vec::new();
        let mut total = 0usize;
        for e in events {
            match e.origin {
                Origin::Event(pos) => {
                    let mut bits = e.slots;
                    let mut rules: Vec<usize> = Vec::new();
                    while bits != 0 {
                        let slot = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        if let Some(Source::Rule(r)) = comp.sources.get(slot) {
                            if !rules.contains(r) {
                                rules.push(*r);
                            }
                        }
                    }
                    for r in rules {
                        total += 1;
                        if list.len() < cap {
                            list.push(Contribution {
                                position: pos.clone(),
                                rule: r,
                            });
                        }
                    }
                }
                Origin::Chain(contribs) => {
                    total += contribs.len();
                    let room = cap.saturating_sub(list.len());
                    list.extend(contribs.into_iter().take(room));
                }
            }
        }
        CorrelationMatch {
            correlation: c,
            info: Arc::clone(&comp.info),
            group: comp
                .info
                .group_by
                .iter()
                .cloned()
                .zip(key.iter().cloned())
                .collect(),
            value,
            field_value,
            window,
            events: list,
            events_total: total,
        }
    }

    fn emit(
        &mut self,
        set: &CorrelationSet,
        m: CorrelationMatch<P>,
        time: Nanos,
        out: &mut Vec<CorrelationMatch<P>>,
    ) {
        self.stats.matches += 1;
        let c = m.correlation;
        let downstream = &set.by_corr[c];
        let feed: Vec<(usize, u64, Vec<String>, Val)> = downstream
            .iter()
            .filter_map(|&(d, slots)| {
                let dc = &set.correlations[d];
                let slot = slots.trailing_zeros() as usize;
                let find = |f: &str| m.group.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone());
                let key: Option<Vec<String>> =
                    dc.group_fields[slot].iter().map(|f| find(f)).collect();
                let value = match (&dc.value_fields[slot], dc.info.kind) {
                    (None, _) => Val::None,
                    (Some(f), CorrelationType::ValueSum | CorrelationType::ValueAvg) => find(f)
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map_or(Val::None, Val::Num),
                    (Some(f), _) => find(f).map_or(Val::None, |t| Val::Text(t.into())),
                };
                match key {
                    Some(k) => Some((d, slots, k, value)),
                    None => {
                        self.stats.missing_group_field += 1;
                        None
                    }
                }
            })
            .collect();
        let contribs = if feed.is_empty() {
            Vec::new()
        } else {
            m.events.clone()
        };
        if self.config.emit_suppressed || set.correlation_emits(c) {
            out.push(m);
        } else {
            self.stats.suppressed_matches += 1;
        }
        for (d, slots, key, value) in feed {
            self.advance(set, d, Some(time), out);
            let entry = Entry {
                time,
                slots,
                value,
                origin: Origin::Chain(contribs.clone().into_boxed_slice()),
            };
            self.add(set, d, key, entry, out);
        }
    }

    fn add(
        &mut self,
        set: &CorrelationSet,
        c: usize,
        key: Vec<String>,
        entry: Entry<P>,
        out: &mut Vec<CorrelationMatch<P>>,
    ) {
        let comp = &set.correlations[c];
        let info = &comp.info;
        let eager = info.eager();
        let span = info.timespan;
        let max_groups = self.config.max_groups.max(1);
        let max_events = self.config.max_events_per_group.max(1);
        let st = &mut self.states[c];
        if !st.groups.contains_key(key.as_slice()) {
            while st.groups.len() >= max_groups {
                let Some((_, id)) = st.deadlines.pop_first() else {
                    break;
                };
                if let Some(k) = st.keys.remove(&id) {
                    st.groups.remove(&k);
                    self.stats.groups_evicted += 1;
                }
            }
            let id = st.next_id;
            st.next_id += 1;
            let shared: Key = key.clone().into();
            st.keys.insert(id, Arc::clone(&shared));
            st.groups.insert(
                shared,
                Group {
                    id,
                    start: entry.time,
                    deadline: Nanos::MIN,
                    // Most groups hold one event: do not reserve four.
                    events: VecDeque::with_capacity(1),
                    agg: None,
                },
            );
        }
        let group = st.groups.get_mut(key.as_slice()).expect("inserted above");
        if eager {
            let oldest = entry.time.saturating_sub(span);
            while group.events.front().is_some_and(|e| e.time < oldest) {
                let e = group.events.pop_front().expect("front");
                if let Some(a) = group.agg.as_mut() {
                    a.remove(&e, &comp.slot_class);
                }
            }
        }
        while group.events.len() >= max_events {
            let e = group.events.pop_front().expect("not empty");
            if let Some(a) = group.agg.as_mut() {
                a.remove(&e, &comp.slot_class);
            }
            self.stats.events_evicted += 1;
        }
        if let Some(a) = group.agg.as_mut() {
            a.resum(&group.events);
        }
        if needs_agg(info.kind) {
            group
                .agg
                .get_or_insert_with(Box::default)
                .add(&entry, &comp.slot_class);
        }
        let time = entry.time;
        group.events.push_back(entry);
        if let Some(first) = group.events.front() {
            if eager {
                group.start = first.time;
            }
        }
        let deadline = if eager {
            time.saturating_add(span)
        } else {
            group.start.saturating_add(span)
        };
        if deadline != group.deadline {
            st.deadlines.remove(&(group.deadline, group.id));
            group.deadline = deadline;
            st.deadlines.insert((deadline, group.id));
        }
        if !eager {
            return;
        }
        let Some((value, field_value)) = window_value(info, group, group.events.back()) else {
            return;
        };
        if !info.satisfied(value) {
            return;
        }
        // One alert per satisfied window: the group starts over.
        let group = st.groups.remove(key.as_slice()).expect("present");
        st.deadlines.remove(&(group.deadline, group.id));
        st.keys.remove(&group.id);
        let window = Window {
            start: group.events.front().map_or(time, |e| e.time),
            end: time,
        };
        let m = self.make_match(set, c, &key, value, field_value, window, group.events);
        self.emit(set, m, time, out);
    }
}

fn now() -> Nanos {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The format name of [`Snapshot`]s this version writes and reads.
pub const SNAPSHOT_FORMAT: &str = "adsigma.correlation-state/1";

/// The whole state of a [`Correlator`], to serialise (e.g. with `serde_json`) and restore
/// with [`Correlator::restore`]. A correlator restored from a snapshot behaves exactly like
/// the one that took it.
///
/// Groups are listed per correlation with their key, so a snapshot can be split by key
/// between workers that each take a partition of the stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound(serialize = "P: Serialize", deserialize = "P: Deserialize<'de>"))]
pub struct Snapshot<P> {
    /// [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// One line per correlation (id or title, type, timespan, group-by), to refuse a
    /// snapshot taken with other correlations.
    pub correlations: Vec<String>,
    /// The latest event time seen.
    pub watermark: Option<Nanos>,
    /// The last sequence number given to an event.
    pub seq: u64,
    /// The counters.
    pub stats: Stats,
    /// Every window ending before this has been decided, and older events are late
    /// (absent from older snapshots: no event was forced out early then).
    #[serde(default = "nanos_min")]
    advanced: Nanos,
    pending: Vec<Pending<P>>,
    states: Vec<StateSnapshot<P>>,
}

fn nanos_min() -> Nanos {
    Nanos::MIN
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound(serialize = "P: Serialize", deserialize = "P: Deserialize<'de>"))]
struct StateSnapshot<P> {
    next_id: u64,
    groups: Vec<GroupSnapshot<P>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound(serialize = "P: Serialize", deserialize = "P: Deserialize<'de>"))]
struct GroupSnapshot<P> {
    id: u64,
    key: Vec<String>,
    start: Nanos,
    deadline: Nanos,
    events: Vec<Entry<P>>,
}

/// Why a snapshot cannot be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// The snapshot's format is not [`SNAPSHOT_FORMAT`].
    Format(String),
    /// The snapshot was taken with other correlations.
    Correlations,
    /// The snapshot is inconsistent (e.g. a group of a correlation that does not exist).
    Corrupt(&'static str),
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::Format(x) => write!(
                f,
                "the snapshot's format is `{x}`, this version reads `{SNAPSHOT_FORMAT}`"
            ),
            RestoreError::Correlations => {
                f.write_str("the snapshot was taken with other correlation rules")
            }
            RestoreError::Corrupt(what) => write!(f, "the snapshot is inconsistent: {what}"),
        }
    }
}

impl std::error::Error for RestoreError {}

fn fingerprint(set: &CorrelationSet) -> Vec<String> {
    set.correlations
        .iter()
        .map(|c| {
            let i = &c.info;
            format!(
                "{} {} {} {}",
                i.id.as_deref().unwrap_or(&i.title),
                i.kind.as_str(),
                i.timespan,
                i.group_by.join(",")
            )
        })
        .collect()
}

impl<P: Clone> Correlator<P> {
    /// The whole state, to serialise.
    ///
    /// ```
    /// # use adsigma_correlation::{CorrelationSet, Correlator, CorrelatorConfig, Snapshot};
    /// # let set = std::sync::Arc::new(CorrelationSet::build(&[], &[]).unwrap());
    /// let correlator: Correlator<(String, u64)> = Correlator::new(set.clone(), CorrelatorConfig::default());
    /// let json = serde_json::to_string(&correlator.snapshot()).unwrap();
    /// let snapshot: Snapshot<(String, u64)> = serde_json::from_str(&json).unwrap();
    /// let restored = Correlator::restore(set, CorrelatorConfig::default(), snapshot).unwrap();
    /// assert_eq!(restored.groups(), 0);
    /// ```
    pub fn snapshot(&self) -> Snapshot<P> {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            correlations: fingerprint(&self.set),
            watermark: self.watermark,
            seq: self.seq,
            stats: self.stats.clone(),
            advanced: self.advanced,
            pending: self.pending.values().cloned().collect(),
            states: self
                .states
                .iter()
                .map(|st| StateSnapshot {
                    next_id: st.next_id,
                    groups: st
                        .deadlines
                        .iter()
                        .filter_map(|(_, id)| {
                            let key = st.keys.get(id)?;
                            let g = st.groups.get(key)?;
                            Some(GroupSnapshot {
                                id: g.id,
                                key: key.to_vec(),
                                start: g.start,
                                deadline: g.deadline,
                                events: g.events.iter().cloned().collect(),
                            })
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// A correlator with the state of `snapshot`, which must have been taken with the same
    /// correlations. The configuration may differ (e.g. other caps); state beyond new caps
    /// is evicted as new events arrive.
    pub fn restore(
        set: Arc<CorrelationSet>,
        config: CorrelatorConfig,
        snapshot: Snapshot<P>,
    ) -> Result<Self, RestoreError> {
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(RestoreError::Format(snapshot.format));
        }
        if snapshot.correlations != fingerprint(&set) || snapshot.states.len() != set.len() {
            return Err(RestoreError::Correlations);
        }
        let mut c = Correlator::new(Arc::clone(&set), config);
        c.watermark = snapshot.watermark;
        c.seq = snapshot.seq;
        c.stats = snapshot.stats;
        c.advanced = snapshot.advanced;
        for p in snapshot.pending {
            if p.items.iter().any(|i| i.corr >= set.len()) {
                return Err(RestoreError::Corrupt("an event of an unknown correlation"));
            }
            c.pending.insert((p.time, p.seq), p);
        }
        for (ci, s) in snapshot.states.into_iter().enumerate() {
            let comp = &set.correlations[ci];
            let st = &mut c.states[ci];
            st.next_id = s.next_id;
            for g in s.groups {
                if g.id >= s.next_id || g.key.len() != comp.info.group_by.len() {
                    return Err(RestoreError::Corrupt("a group that cannot exist"));
                }
                let agg = needs_agg(comp.info.kind).then(|| {
                    let mut agg = Box::<Agg>::default();
                    for e in &g.events {
                        agg.add(e, &comp.slot_class);
                    }
                    agg
                });
                if !st.deadlines.insert((g.deadline, g.id)) {
                    return Err(RestoreError::Corrupt("two groups with one id"));
                }
                let shared: Key = g.key.into();
                st.keys.insert(g.id, Arc::clone(&shared));
                let prev = st.groups.insert(
                    shared,
                    Group {
                        id: g.id,
                        start: g.start,
                        deadline: g.deadline,
                        events: g.events.into(),
                        agg,
                    },
                );
                if prev.is_some() {
                    return Err(RestoreError::Corrupt("two groups with one key"));
                }
            }
        }
        Ok(c)
    }
}
