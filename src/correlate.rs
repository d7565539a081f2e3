//! Stateful evaluation: rule matches and correlation matches of a stream of events.

use crate::{Engine, Match};
use adsigma_correlation::{CorrelationMatch, CorrelatorConfig, Skipped};
use adsigma_engine::{Event, Scratch};

/// Evaluates a stream of events in order against an engine's rules and its pack's
/// correlation rules (Sigma 2.1 correlations: event_count, value_count, temporal,
/// temporal_ordered, value_sum, value_avg, value_percentile). `P` is the caller's position
/// of an event (e.g. file and line), reported back with the events a correlation match is
/// made of. [`Engine::evaluate`] stays the stateless API.
///
/// The window semantics, event time, lateness and state caps are those of
/// [`adsigma_correlation`]; [`Correlator::state`] gives the underlying state for stats,
/// snapshots ([`adsigma_correlation::Correlator::snapshot`]) and restores.
///
/// ```
/// let pack = adsigma::RulePack::from_yaml_str(r#"
/// title: exec into a pod
/// name: pod_exec
/// logsource: {product: kubernetes, service: audit}
/// detection:
///   sel: {objectRef.subresource: exec}
///   condition: sel
/// ---
/// title: repeated exec by one user
/// correlation:
///   type: event_count
///   rules: [pod_exec]
///   group-by: [user.username]
///   timespan: 1m
///   condition: {gte: 3}
/// "#);
/// let engine = adsigma::Engine::new(&pack).unwrap();
/// let mut correlator = adsigma::Correlator::new(&engine, Default::default());
/// let mut found = Vec::new();
/// for (line, second) in [(1, 0), (2, 10), (3, 20)] {
///     let event = serde_json::json!({
///         "objectRef": {"subresource": "exec"}, "user": {"username": "alice"},
///         "@timestamp": format!("2026-03-01T10:00:{second:02}Z")});
///     let step = correlator.process(&event, line);
///     // `generate` is false: the rule's own matches are not reported.
///     assert!(step.matches.is_empty());
///     found.extend(step.correlations);
/// }
/// found.extend(correlator.flush());
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].value, 3.0);
/// assert_eq!(found[0].group, [("user.username".to_owned(), "alice".to_owned())]);
/// let lines: Vec<i32> = found[0].events.iter().map(|c| c.position).collect();
/// assert_eq!(lines, [1, 2, 3]);
/// ```
pub struct Correlator<P> {
    engine: Engine,
    state: Option<adsigma_correlation::Correlator<P>>,
    scratch: Scratch,
    indices: Vec<usize>,
}

/// What one event produced.
#[derive(Debug)]
pub struct Step<P> {
    /// Rule matches to report (rules whose correlations all say `generate: false` are left
    /// out).
    pub matches: Vec<Match>,
    /// Correlation matches completed by this event (or, with an allowed lateness, by
    /// earlier ones whose time has now passed).
    pub correlations: Vec<CorrelationMatch<P>>,
    /// Why the event could not be correlated (no usable time, too late), if it matched a
    /// correlated rule and could not be.
    pub skipped: Option<Skipped>,
}

impl<P: Clone> Correlator<P> {
    /// A correlator over `engine`'s rules and correlations, with empty state.
    pub fn new(engine: &Engine, config: CorrelatorConfig) -> Self {
        Correlator {
            engine: engine.clone(),
            state: engine
                .correlations()
                .map(|set| adsigma_correlation::Correlator::new(set.clone(), config)),
            scratch: Scratch::new(),
            indices: Vec::new(),
        }
    }

    /// Evaluates the next event of the stream.
    pub fn process(&mut self, event: &dyn Event, position: P) -> Step<P> {
        let mut all = Vec::new();
        self.engine
            .evaluate_matches(event, None, &mut self.scratch, &mut all);
        self.step(event, position, all)
    }

    /// [`Correlator::process`] for rule matches the caller already has for `event` (e.g.
    /// from [`Engine::evaluate_matches`] on another thread): they must be all its matches.
    pub fn step(&mut self, event: &dyn Event, position: P, all: Vec<Match>) -> Step<P> {
        self.indices.clear();
        self.indices.extend(all.iter().map(Match::rule_index));
        let (correlations, skipped) = match &mut self.state {
            Some(state) if !self.indices.is_empty() => {
                match state.observe(event, position, &self.indices) {
                    Ok(ms) => (ms, None),
                    Err(why) => (Vec::new(), Some(why)),
                }
            }
            _ => (Vec::new(), None),
        };
        let engine = &self.engine;
        let matches = all
            .into_iter()
            .filter(|m| engine.rule_emits(m.rule_index()))
            .collect();
        Step {
            matches,
            correlations,
            skipped,
        }
    }

    /// Closes every open window at the end of the stream: the correlation matches that
    /// only the end decides (`lt`, `lte`, `eq`, `neq` conditions, and events still waiting
    /// for the lateness).
    pub fn flush(&mut self) -> Vec<CorrelationMatch<P>> {
        self.state.as_mut().map(|s| s.flush()).unwrap_or_default()
    }

    /// The correlation state (stats, snapshot, restore); `None` when the engine has no
    /// correlations.
    pub fn state(&mut self) -> Option<&mut adsigma_correlation::Correlator<P>> {
        self.state.as_mut()
    }
}
