//! Compiles Sigma rules into one [`Program`] for a whole pack and evaluates events against
//! it.
//!
//! AST (`adsigma-syntax`) -> IR (a boolean [`ir::Formula`] per rule over item tests) ->
//! [`Program`]. The program merges the literal patterns of every rule per field into one
//! literal set (start and end literals found by lookup, the others in one cache-resident
//! pass, with an Aho-Corasick automaton as the linear-time fallback), walks each event once to find which tests can possibly hold, and
//! evaluates exactly only the rules those tests could make true (plus the few that can match
//! on the absence of fields). Matching semantics are those of the project's conformance
//! document: whole-value, case-insensitive (simple case folding) matching with wildcards,
//! missing fields false, arrays matching when any element does, dotted paths with literal
//! keys first.
//!
//! ```
//! use adsigma_engine::{compile, EngineConfig, Scratch};
//! use adsigma_syntax::{parse_str, FileId, Limits, Document};
//! let text = "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {Image|endswith: /sh}\n  condition: sel\n";
//! let parsed = parse_str(text, FileId(0), &Limits::default());
//! let Document::Rule(rule) = &parsed.documents[0] else { unreachable!() };
//! let (program, diags) = compile([rule], &EngineConfig::default());
//! assert!(diags.is_empty());
//! let event = serde_json::json!({"Image": "/bin/SH"});
//! let mut out = Vec::new();
//! program.matching_rules(&event, None, &mut Scratch::new(), &mut out);
//! assert_eq!(out, [0]);
//! ```
//!
//! # Untrusted input
//!
//! Rules and events are untrusted. Regexes run in linear time (the `regex` crate) with a
//! size limit; windash, base64offset and placeholder expansions are bounded by
//! [`EngineConfig::max_expansion`]; event traversal stops at [`event::MAX_EVENT_DEPTH`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod compile;
pub mod derive;
pub mod encode;
pub mod event;
pub mod ir;
pub mod json;
mod literals;
pub mod pattern;
mod program;
pub mod time;

pub use event::{Event, EventValue, LogSource};
pub use program::{Program, RuleInfo, Scratch, fits};

use adsigma_syntax::{Diagnostic, Rule, Severity};
use std::collections::HashMap;
use std::sync::Arc;

/// What to do with a rule whose `%placeholder%` no map entry resolves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnresolvedPlaceholders {
    /// A compile error (the default).
    #[default]
    Error,
    /// Skip the rule with a warning.
    SkipRule,
}

/// Compilation settings.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Values of `%placeholder%`s for the `expand` modifier: name -> values.
    pub placeholders: HashMap<String, Vec<String>>,
    /// Policy for placeholders with no values.
    pub unresolved_placeholders: UnresolvedPlaceholders,
    /// Largest compiled size of one regex, in bytes. Default 10 MiB (the regex crate's own default).
    pub regex_size_limit: usize,
    /// Most alternatives one value may expand to (windash, base64offset, placeholders).
    /// Default 4,096.
    pub max_expansion: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            placeholders: HashMap::new(),
            unresolved_placeholders: UnresolvedPlaceholders::Error,
            regex_size_limit: 10 << 20,
            max_expansion: 4096,
        }
    }
}

/// The codes of the compilation layer (`E`).
pub mod codes {
    use adsigma_syntax::{Code, Severity};

    /// `E101 invalid_regex`
    pub const INVALID_REGEX: Code = Code {
        code: "E101",
        name: "invalid_regex",
        severity: Severity::Error,
        summary: "A regex does not compile (syntax, look-around, back-references, size).",
    };
    /// `E102 unresolved_placeholder`
    pub const UNRESOLVED_PLACEHOLDER: Code = Code {
        code: "E102",
        name: "unresolved_placeholder",
        severity: Severity::Error,
        summary: "An `expand` placeholder has no values in the placeholder map.",
    };
    /// `E103 expansion_too_large`
    pub const EXPANSION_TOO_LARGE: Code = Code {
        code: "E103",
        name: "expansion_too_large",
        severity: Severity::Error,
        summary: "A value expands to more alternatives than `max_expansion`.",
    };
    /// Every code of this crate.
    pub const ALL: &[Code] = &[INVALID_REGEX, UNRESOLVED_PLACEHOLDER, EXPANSION_TOO_LARGE];
}

/// One rule to compile, with what a match should report about it.
pub struct RuleInput<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// The file it came from, for reports.
    pub file: Option<String>,
}

impl<'a> From<&'a Rule> for RuleInput<'a> {
    fn from(rule: &'a Rule) -> Self {
        RuleInput { rule, file: None }
    }
}

/// Compiles rules into a program. Rules that fail to compile are left out and reported as
/// diagnostics (errors, or warnings for unresolved placeholders under
/// [`UnresolvedPlaceholders::SkipRule`]).
pub fn compile<'a, I>(rules: I, config: &EngineConfig) -> (Program, Vec<Diagnostic>)
where
    I: IntoIterator,
    I::Item: Into<RuleInput<'a>>,
{
    let (program, diags, _) = compile_indexed(rules, config);
    (program, diags)
}

/// Like [`compile`], also returning for each rule of the program its position among the
/// inputs (the inputs that failed are not in the program).
pub fn compile_indexed<'a, I>(
    rules: I,
    config: &EngineConfig,
) -> (Program, Vec<Diagnostic>, Vec<u32>)
where
    I: IntoIterator,
    I::Item: Into<RuleInput<'a>>,
{
    let mut compiler = compile::Compiler::new(config);
    let mut compiled = Vec::new();
    let mut positions = Vec::new();
    let mut diags = Vec::new();
    for (position, input) in rules.into_iter().enumerate() {
        let input: RuleInput<'a> = input.into();
        let rule = input.rule;
        match compiler.detection(&rule.detection) {
            Ok(ir) => {
                positions.push(position as u32);
                compiled.push(program::CompiledRule {
                    info: Arc::new(rule_info(rule, input.file)),
                    formula: ir.formula,
                    identifiers: ir.identifiers,
                })
            }
            Err(compile::Failure(d)) => {
                let mut d = *d;
                d.rule_id = rule.meta.id.as_ref().map(|i| i.value.clone());
                if d.severity == Severity::Warning {
                    d.message.push_str("; the rule is skipped");
                }
                diags.push(d);
            }
        }
    }
    (Program::new(compiled, compiler.items), diags, positions)
}

/// What a match reports about a rule: metadata and the ADS response steps.
pub fn rule_info(rule: &Rule, file: Option<String>) -> RuleInfo {
    let m = &rule.meta;
    let text = |s: &Option<adsigma_syntax::Spanned<String>>| s.as_ref().map(|x| x.value.clone());
    let response = m
        .custom("ads")
        .and_then(|ads| ads.get("response"))
        .and_then(|r| r.as_seq())
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| s.as_scalar().map(|x| x.text.clone()))
                .collect()
        })
        .unwrap_or_default();
    RuleInfo {
        id: text(&m.id),
        name: text(&m.name),
        title: text(&m.title).unwrap_or_default(),
        level: m.level.as_ref().map(|l| l.value),
        status: m.status.as_ref().map(|s| s.value),
        tags: m.tags.iter().map(|t| t.value.clone()).collect(),
        logsource: LogSource {
            product: text(&rule.logsource.product),
            category: text(&rule.logsource.category),
            service: text(&rule.logsource.service),
        },
        response,
        file,
    }
}

/// A field and value that made a detection identifier hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchedField {
    /// The identifier.
    pub identifier: String,
    /// The field (`None` for keywords).
    pub field: Option<String>,
    /// The event's value.
    pub value: String,
}

impl Program {
    /// For a rule that matched: which identifiers hold, and the fields and values that made
    /// them hold (positive tests only). Evaluates from scratch, whatever the scratch last saw.
    pub fn explain(
        &self,
        rule: usize,
        event: &dyn Event,
        scratch: &mut Scratch,
    ) -> (Vec<String>, Vec<MatchedField>) {
        // A fresh evaluation with no prefilter results: everything from `lookup`, whatever
        // program (e.g. a per-logsource one) last used this scratch.
        scratch.begin_exact(self.items.len(), self.rules.len());
        self.explain_local(rule, event, scratch)
    }

    /// [`Program::explain`] for a rule index as [`Program::matching_rules`] reports it (the
    /// same as `explain`'s unless the program has origins: [`Program::with_origin`]).
    pub fn explain_reported(
        &self,
        rule: usize,
        event: &dyn Event,
        scratch: &mut Scratch,
    ) -> (Vec<String>, Vec<MatchedField>) {
        match &self.origin {
            Some(origin) => match origin.binary_search(&(rule as u32)) {
                Ok(local) => self.explain(local, event, scratch),
                Err(_) => (Vec::new(), Vec::new()),
            },
            None => self.explain(rule, event, scratch),
        }
    }

    /// Like [`Program::explain`], reusing the work of the evaluation that just ran: call it
    /// only right after [`Program::matching_rules`] on this program, with the same event and
    /// scratch. `rule` is an index as `matching_rules` reported it.
    pub fn explain_last(
        &self,
        rule: usize,
        event: &dyn Event,
        scratch: &mut Scratch,
    ) -> (Vec<String>, Vec<MatchedField>) {
        let local = match &self.origin {
            Some(origin) => match origin.binary_search(&(rule as u32)) {
                Ok(l) => l,
                Err(_) => return (Vec::new(), Vec::new()),
            },
            None => rule,
        };
        // Keyword values are reported from the event itself, not the folded buffer.
        let kw_ready = std::mem::replace(&mut scratch.kw_ready, false);
        let r = self.explain_local(local, event, scratch);
        scratch.kw_ready = kw_ready;
        r
    }

    fn explain_local(
        &self,
        rule: usize,
        event: &dyn Event,
        scratch: &mut Scratch,
    ) -> (Vec<String>, Vec<MatchedField>) {
        let Some(r) = self.rules.get(rule) else {
            return (Vec::new(), Vec::new());
        };
        // The rules see the derived fields (computed here by lookup).
        let view =
            (!self.derived().is_empty()).then(|| derive::Derived::new(self.derived(), event));
        let event: &dyn Event = match &view {
            Some(d) => d,
            None => event,
        };
        let mut held = Vec::new();
        let mut fields: Vec<MatchedField> = Vec::new();
        for (name, f) in &r.identifiers {
            if !self.eval(f, event, scratch) {
                continue;
            }
            held.push(name.clone());
            let mut items = Vec::new();
            f.items(true, &mut |i, positive| {
                if positive && !items.contains(&i) {
                    items.push(i);
                }
            });
            for i in items {
                let item = &self.items[i as usize];
                let mut value = None;
                // Explaining runs without the prefilter's keyword buffer (begin_exact).
                if self.witness(i, event, scratch, &mut |v| {
                    value.get_or_insert_with(|| v.to_owned());
                }) {
                    let m = MatchedField {
                        identifier: name.clone(),
                        field: match &item.target {
                            ir::Target::Field(p) => Some(p.to_string()),
                            ir::Target::Keywords => None,
                        },
                        value: value.unwrap_or_default(),
                    };
                    if !fields.contains(&m) {
                        fields.push(m);
                    }
                }
            }
        }
        (held, fields)
    }
}

#[cfg(test)]
mod testoibits {
    fn assert_all<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    #[test]
    fn auto_traits() {
        assert_all::<super::Program>();
        assert_all::<super::Scratch>();
        assert_all::<super::MatchedField>();
    }
}
