//! Example event sequences of correlation rules (`tests.sequences`), and running them.
//!
//! ```yaml
//! tests:
//!   sequences:
//!     - name: three execs by one user within a minute      # optional
//!       events:                                             # in time order, with timestamps
//!         - {user: alice, verb: create, requestReceivedTimestamp: '2026-03-01T10:00:00Z'}
//!         - ...
//!       expect: 1            # the number of matches of this correlation rule
//!     - events: [...]
//!       expect: [burst_of_execs, 9d7c...]   # or: the correlations (id or name) that
//!                                           # match, one entry per match, in order
//! ```
//!
//! A sequence runs through the detection rules loaded with the correlation (every event is
//! evaluated against all of them) and a fresh [`Correlator`] with the default configuration,
//! then [`Correlator::flush`]. `expect: N` counts the matches of the correlation that carries
//! the sequence; `expect: [..]` lists every correlation match returned (suppressed
//! intermediate correlations included), by the correlation's `id`, else `name`, else title.

use crate::codes;
use crate::correlator::{CorrelationMatch, Correlator, CorrelatorConfig, Skipped};
use crate::set::CorrelationSet;
use adsigma_engine::{Program, Scratch};
use adsigma_syntax::yaml::Resolved;
use adsigma_syntax::{Diagnostic, Metadata, Span};
use std::sync::Arc;

/// What a sequence expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The number of matches of the correlation carrying the sequence.
    Count(usize),
    /// The correlations (by id or name) of every match, in order.
    Correlations(Vec<String>),
}

/// One `tests.sequences` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct TestSequence {
    /// `name`, if given.
    pub name: Option<String>,
    /// The events, as JSON.
    pub events: Vec<serde_json::Value>,
    /// What should come out.
    pub expect: Expect,
    /// The entry in the rule file.
    pub span: Span,
}

/// Converts a YAML node to JSON with the YAML 1.2 core schema (the syntax crate's
/// [`adsigma_syntax::yaml::to_json`]).
pub use adsigma_syntax::yaml::to_json as yaml_to_json;

/// Reads `tests.sequences` of a correlation rule's metadata. No `tests` or no `sequences`
/// is an empty list; a malformed entry is a [`codes::INVALID_TEST_SEQUENCE`] error.
pub fn parse_sequences(meta: &Metadata) -> Result<Vec<TestSequence>, Vec<Diagnostic>> {
    let Some(seqs) = meta.custom("tests").and_then(|t| t.get("sequences")) else {
        return Ok(Vec::new());
    };
    let rule_id = meta.id.as_ref().map(|i| i.value.clone());
    let bad = |span: Span, msg: &str| {
        let mut d = Diagnostic::new(codes::INVALID_TEST_SEQUENCE, span, msg.to_owned())
            .with_hint("write `- {events: [EVENT, ...], expect: N}`");
        d.rule_id = rule_id.clone();
        d
    };
    let Some(list) = seqs.as_seq() else {
        return Err(vec![bad(seqs.span, "`tests.sequences` must be a list")]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for entry in list {
        if entry.as_map().is_none() {
            errors.push(bad(entry.span, "a sequence must be a mapping"));
            continue;
        }
        let events = match entry.get("events").map(|e| (e, e.as_seq())) {
            Some((_, Some(items))) => items.iter().map(yaml_to_json).collect(),
            Some((e, None)) => {
                errors.push(bad(e.span, "`events` must be a list of events"));
                continue;
            }
            None => {
                errors.push(bad(entry.span, "the sequence has no `events`"));
                continue;
            }
        };
        let expect = match entry.get("expect") {
            Some(x) => match (x.as_scalar().map(|s| s.resolve()), x.as_seq()) {
                (Some(Resolved::Int(n)), _) if n >= 0 => Expect::Count(n as usize),
                (_, Some(items)) => {
                    let names: Option<Vec<String>> = items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect();
                    match names {
                        Some(n) => Expect::Correlations(n),
                        None => {
                            errors.push(bad(x.span, "`expect` lists correlation ids or names"));
                            continue;
                        }
                    }
                }
                _ => {
                    errors.push(bad(
                        x.span,
                        "`expect` must be a number of matches or a list of correlation ids or names",
                    ));
                    continue;
                }
            },
            None => {
                errors.push(bad(entry.span, "the sequence has no `expect`"));
                continue;
            }
        };
        out.push(TestSequence {
            name: entry
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_owned),
            events,
            expect,
            span: entry.span,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The outcome of running one sequence.
#[derive(Clone, Debug)]
pub struct SequenceRun {
    /// Every correlation match, in order; positions are 0-based event indices.
    pub matches: Vec<CorrelationMatch<usize>>,
    /// Events that were not correlated, with why.
    pub skipped: Vec<(usize, Skipped)>,
}

/// Runs events through `program` (all rules, no logsource routing) and a fresh correlator
/// (with `config`, `emit_suppressed` forced on), then flushes.
pub fn run_sequence(
    program: &Program,
    set: &Arc<CorrelationSet>,
    config: &CorrelatorConfig,
    events: &[serde_json::Value],
) -> SequenceRun {
    let mut config = config.clone();
    config.emit_suppressed = true;
    let mut correlator: Correlator<usize> = Correlator::new(Arc::clone(set), config);
    let mut scratch = Scratch::new();
    let mut rules = Vec::new();
    let mut indices = Vec::new();
    let mut run = SequenceRun {
        matches: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, e) in events.iter().enumerate() {
        rules.clear();
        program.matching_rules(e, None, &mut scratch, &mut rules);
        indices.clear();
        indices.extend(rules.iter().map(|&r| r as usize));
        match correlator.observe(e, i, &indices) {
            Ok(m) => run.matches.extend(m),
            Err(s) => run.skipped.push((i, s)),
        }
    }
    run.matches.extend(correlator.flush());
    run
}

/// Checks a run against what a sequence expects from correlation `index`. `Err` says what
/// differed.
pub fn check_sequence(
    set: &CorrelationSet,
    index: usize,
    expect: &Expect,
    run: &SequenceRun,
) -> Result<(), String> {
    let label = |c: usize| {
        set.info(c).map_or_else(String::new, |i| {
            i.id.clone()
                .or_else(|| i.name.clone())
                .unwrap_or_else(|| i.title.clone())
        })
    };
    match expect {
        Expect::Count(n) => {
            let got = run
                .matches
                .iter()
                .filter(|m| m.correlation == index)
                .count();
            if got == *n {
                Ok(())
            } else {
                Err(format!(
                    "expected {n} match(es) of this correlation, got {got}"
                ))
            }
        }
        Expect::Correlations(names) => {
            let got: Vec<usize> = run.matches.iter().map(|m| m.correlation).collect();
            let ok = got.len() == names.len()
                && got.iter().zip(names).all(|(&c, n)| {
                    set.info(c)
                        .is_some_and(|i| i.id.as_deref() == Some(n) || i.name.as_deref() == Some(n))
                });
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "expected matches of [{}], got [{}]",
                    names.join(", "),
                    got.iter().map(|&c| label(c)).collect::<Vec<_>>().join(", ")
                ))
            }
        }
    }
}
