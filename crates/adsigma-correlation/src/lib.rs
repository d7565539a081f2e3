//! Sigma correlation rules over event streams, with bounded, restorable state; and Sigma meta
//! filters.
//!
//! # Use
//!
//! 1. Resolve correlation documents against the compiled detection rules:
//!    [`CorrelationSet::build`] (rule references by `id` or `name`, chains of correlations,
//!    aliases; errors are positioned [`adsigma_syntax::Diagnostic`]s with codes `C3xx`, see
//!    [`codes`]).
//! 2. Make a [`Correlator`] and feed it every event in stream order with the indices of the
//!    detection rules it matched: [`Correlator::observe`] returns the correlation matches
//!    completed. Call [`Correlator::flush`] at the end of the stream.
//! 3. Drop the single-event matches of rules whose correlations say `generate: false`
//!    ([`CorrelationSet::rule_emits`]).
//!
//! Filters are applied to the AST before compiling: [`apply_filters`].
//!
//! ## Wiring it into a scanner (what the facade and `adsigma scan` do)
//!
//! ```text
//! rules     = filtered rule documents, compiled in order -> program (index i = rule i)
//! set       = CorrelationSet::build(correlation documents, [RuleRef {index: i, id, name}])
//! correlator = Correlator::<Position>::new(Arc::new(set), config)
//! for each event, in input order:
//!     matched = program's matching rule indices
//!     report the rule matches m with set.rule_emits(m)          (generate: false hides the rest)
//!     match correlator.observe(&event, position, &matched) {
//!         Ok(ms)   => report each correlation match             (schema adsigma.match/1, "type": "correlation")
//!         Err(why) => warn "FILE:LINE: warning: {why}"          (missing/bad time, late), counted in stats
//!     }
//! at the end: report correlator.flush()
//! ```
//!
//! A [`CorrelationMatch`] maps onto the CLI's correlation object: `rule` from
//! [`CorrelationMatch::info`], `correlation.type` = `info.kind.as_str()`, `correlation.group`
//! from [`CorrelationMatch::group`], `correlation.value`, `correlation.window` from
//! [`Window::start_rfc3339`] / [`Window::end_rfc3339`], and `events` from
//! [`CorrelationMatch::events`] (the caller's position plus the id of rule
//! [`Contribution::rule`]). Correlation rules carry example sequences in `tests.sequences`;
//! [`sequences`] reads and runs them.
//!
//! # Semantics
//!
//! **Event time** is read from the first present of a configurable list of fields
//! ([`time::DEFAULT_TIME_FIELDS`]: `@timestamp`, `timestamp`, `time`,
//! `requestReceivedTimestamp`, `UtcTime`, `EventTime`): RFC 3339 / ISO 8601 text (offset
//! optional, UTC when absent, up to nanoseconds), or epoch seconds, milliseconds,
//! microseconds or nanoseconds (numbers or numeric text, told apart by magnitude). An event
//! without a usable time is not correlated, counted in [`Stats`] and reported as
//! [`Skipped::Time`]. [`TimeSource::Processing`] uses the wall clock instead, and
//! [`Correlator::observe_at`] takes the time from the caller.
//!
//! **Order and lateness.** The watermark is the latest event time seen. An event older than
//! the watermark minus the allowed lateness ([`CorrelatorConfig::lateness`], default 0) is
//! dropped and counted ([`Skipped::Late`]). Accepted events wait until the watermark minus the
//! lateness reaches them and are then processed in (time, arrival) order, so the result is
//! exactly that of the accepted events sorted by time, and matches come out up to the
//! lateness later than their last event. [`CorrelatorConfig::max_future`] optionally refuses
//! times too far ahead of the wall clock ([`Skipped::Future`]), so that one bogus timestamp
//! cannot make every later event late. Under processing time the clock never steps back.
//!
//! **Groups.** Each correlation keeps separate windows per group: the values of its
//! `group-by` fields (an alias resolves to the field named for the rule the event matched;
//! the first value of an array is used). An event lacking a group-by field does not count for
//! that correlation (as SIEM `group by` drops events with a null key); it is counted in
//! [`Stats::missing_group_field`]. An event matched by several rules of one correlation
//! counts once (for the temporal types, once for each of those rules).
//!
//! **Windows** are `[start, start + timespan]`, both ends included: an event exactly
//! `timespan` after the first is inside, one nanosecond later is not.
//!
//! - A condition of only `gt`/`gte` is decided **as soon as** a window satisfies it. The
//!   window slides: on each event it holds the group's events from `timespan` before that
//!   event up to it. When it satisfies the condition, one match is reported (its window runs
//!   from its first event to the completing event) and the group starts over, empty.
//! - A condition with `lt`, `lte`, `eq` or `neq` (alone or in a range) is decided **when the
//!   window closes**: a window opens at the group's first event and closes when event time
//!   passes `start + timespan` (or at [`Correlator::flush`], the end of the stream). If it
//!   satisfies the condition, one match is reported (window `[start, start + timespan]`).
//!   Either way the group starts over: the next event opens a new window.
//!
//! The value compared with the condition, per type:
//!
//! | type | value |
//! |---|---|
//! | `event_count` | events in the window |
//! | `value_count` | distinct values of `field` in the window |
//! | `value_sum` | sum of the numeric values of `field` (0 when there are none; integers are summed exactly, other values in window order) |
//! | `value_avg` | their mean (no value: never satisfied) |
//! | `value_percentile` | a value's share, in percent, of the window's events that have `field` (see below) |
//! | `temporal` | distinct referenced rules matched in the window (no condition: all of them) |
//! | `temporal_ordered` | length of the longest prefix of `rules` matched in that order (no condition: all) |
//!
//! `value_percentile` (CONFORMANCE.md's reading): decided on arrival (`gt`/`gte`), the share
//! of the arriving event's value; decided at close, each distinct value in order of first
//! appearance, and the first whose share satisfies the condition is reported
//! ([`CorrelationMatch::field_value`]). The spec's example (`lte: 1`) thus fires for a
//! process name making up at most 1% of a computer's process starts in 24 hours.
//!
//! **Chains.** A correlation may reference other correlations. A match feeds the
//! correlations referencing it as one event at its decision time (the completing event's
//! time, or the window end when decided at close), grouped by looking the downstream
//! `group-by` fields (aliases resolved) up in the match's group; its contributing events are
//! listed in the downstream match. Cycles are errors.
//!
//! **generate.** `generate: false` (the default) means the referenced rules produce no match
//! of their own: [`CorrelationSet::rule_emits`] and [`CorrelationSet::correlation_emits`] are
//! false for a rule or correlation referenced only by correlations without
//! `generate: true`. The correlator does not return matches of such intermediate
//! correlations unless [`CorrelatorConfig::emit_suppressed`] is set.
//!
//! # Bounded state
//!
//! [`CorrelatorConfig::max_groups`] caps the groups per correlation (a new group evicts the
//! one whose window ends first), [`CorrelatorConfig::max_events_per_group`] the events per
//! group (the oldest is evicted and no longer counts), [`CorrelatorConfig::max_pending`] the
//! events waiting for the lateness: one more releases the oldest waiting event early
//! ([`Stats::forced_releases`]), and from then on an event older than that one is late
//! (dropped, counted and reported as [`Skipped::Late`]) even within the lateness, so that
//! events are still processed in time order and every window holds only events of its time
//! span. Evictions are counted in [`Stats`]. Windows are dropped as soon as event time passes
//! them; [`Correlator::flush`] decides every window left, including those that end at the
//! end of time ([`Nanos::MAX`], e.g. of an event at `i64::MAX` nanoseconds or a timespan of
//! centuries).
//!
//! # Snapshots and partitioning
//!
//! [`Correlator::snapshot`] returns the whole state as a serde value ([`Snapshot`], format
//! [`SNAPSHOT_FORMAT`]); [`Correlator::restore`] resumes from it, and the restored correlator
//! produces the same matches as one that never stopped. State is kept per correlation and
//! group key, and groups never interact, so a stream partitioned by group key
//! ([`CorrelationSet::group_key`]) can be spread over workers, each with its own correlator.
//! (A chain whose correlations group by different fields needs the events of a downstream
//! group on one worker too: partition by the fields the chain has in common.) A snapshot's
//! groups are listed with their keys, so it can be split between workers.
//!
//! # Untrusted input
//!
//! Events are untrusted: a bad time is a counted outcome, never a panic; state is bounded
//! by the caps above. Correlation documents are checked by [`CorrelationSet::build`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codes;
mod correlator;
mod filter;
pub mod sequences;
mod set;
pub mod time;

pub use correlator::{
    Contribution, CorrelationMatch, Correlator, CorrelatorConfig, RestoreError, SNAPSHOT_FORMAT,
    Skipped, Snapshot, Stats, TimeSource, Window,
};
pub use filter::{apply_filters, logsource_fits};
pub use set::{CorrelationInfo, CorrelationSet, MAX_RULES_PER_CORRELATION, RuleRef, Source};
pub use time::Nanos;
