//! Helpers shared by the tests.

use adsigma_correlation::{
    CorrelationMatch, CorrelationSet, Correlator, CorrelatorConfig, Nanos, RuleRef, Skipped,
};
use adsigma_syntax::{Correlation, Diagnostic, Document, FileId, Limits, parse_str};
use std::path::PathBuf;
use std::sync::Arc;

pub const S: Nanos = 1_000_000_000;

/// `../shared`, or `None` (the test skips) when it is absent and ADSIGMA_REQUIRE_SHARED is not set.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("spec/examples").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("ADSIGMA_REQUIRE_SHARED").is_some() {
        panic!(
            "{} is missing and ADSIGMA_REQUIRE_SHARED is set",
            dir.display()
        );
    }
    eprintln!("skipped: {} is absent", dir.display());
    None
}

/// Parses text that must have no errors.
pub fn docs(text: &str) -> Vec<Document> {
    let parsed = parse_str(text, FileId(0), &Limits::default());
    assert!(
        !parsed.has_errors(),
        "{:?}",
        parsed
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    parsed.documents
}

pub fn correlations(docs: &[Document]) -> Vec<&Correlation> {
    docs.iter()
        .filter_map(|d| match d {
            Document::Correlation(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Rules named `names`, with index = position.
pub fn named_rules<'a>(names: &[&'a str]) -> Vec<RuleRef<'a>> {
    names
        .iter()
        .enumerate()
        .map(|(index, n)| RuleRef {
            index,
            id: None,
            name: Some(n),
        })
        .collect()
}

pub fn try_build(text: &str, rules: &[&str]) -> Result<CorrelationSet, Vec<Diagnostic>> {
    let d = docs(text);
    CorrelationSet::build(&correlations(&d), &named_rules(rules))
}

pub fn build(text: &str, rules: &[&str]) -> Arc<CorrelationSet> {
    Arc::new(try_build(text, rules).unwrap_or_else(|e| panic!("{e:?}")))
}

/// A correlator fed explicit times, collecting matches.
pub struct Run {
    pub c: Correlator<usize>,
    pub out: Vec<CorrelationMatch<usize>>,
    pub skipped: Vec<Skipped>,
    next: usize,
}

impl Run {
    pub fn new(set: Arc<CorrelationSet>) -> Run {
        Run::with(set, CorrelatorConfig::default())
    }
    pub fn with(set: Arc<CorrelationSet>, config: CorrelatorConfig) -> Run {
        Run {
            c: Correlator::new(set, config),
            out: Vec::new(),
            skipped: Vec::new(),
            next: 0,
        }
    }
    /// Observes `event` at `time` as matched by `rules`; its position is its arrival number.
    pub fn at(&mut self, time: Nanos, rules: &[usize], event: serde_json::Value) -> &mut Self {
        let pos = self.next;
        self.next += 1;
        match self.c.observe_at(&event, time, pos, rules) {
            Ok(m) => self.out.extend(m),
            Err(s) => self.skipped.push(s),
        }
        self
    }
    /// Observes `event` (time read from it).
    pub fn ev(&mut self, rules: &[usize], event: serde_json::Value) -> &mut Self {
        let pos = self.next;
        self.next += 1;
        match self.c.observe(&event, pos, rules) {
            Ok(m) => self.out.extend(m),
            Err(s) => self.skipped.push(s),
        }
        self
    }
    pub fn flush(&mut self) -> &mut Self {
        let m = self.c.flush();
        self.out.extend(m);
        self
    }
    pub fn values(&self) -> Vec<f64> {
        self.out.iter().map(|m| m.value).collect()
    }
    pub fn positions(&self, i: usize) -> Vec<usize> {
        self.out[i].events.iter().map(|c| c.position).collect()
    }
}

/// A one-correlation document over rules `a` (and `b`, `c` when listed).
pub fn corr(kind: &str, rules: &str, timespan: &str, condition: &str) -> String {
    let cond = if condition.is_empty() {
        String::new()
    } else {
        format!("  condition: {condition}\n")
    };
    format!(
        "title: t\nid: 00000000-0000-4000-8000-000000000001\ncorrelation:\n  type: {kind}\n  rules: {rules}\n  group-by: [user]\n  timespan: {timespan}\n{cond}"
    )
}
