//! Resolving correlation documents against the loaded rules: [`CorrelationSet`].

use crate::codes;
use crate::time::{Nanos, SECOND};
use adsigma_engine::{Event, EventValue};
use adsigma_syntax::{
    CompareOp, Correlation, CorrelationType, Diagnostic, Level, Span, Spanned, Status,
};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Most rules one correlation may reference (a window event records which of them it
/// matched in a 64-bit set).
pub const MAX_RULES_PER_CORRELATION: usize = 64;

/// A compiled detection rule as correlations see it: its index in the engine's program (the
/// index `observe` receives in `matched_rule_indices`), its `id` and its `name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleRef<'a> {
    /// Index of the rule in the caller's program.
    pub index: usize,
    /// The rule's `id`.
    pub id: Option<&'a str>,
    /// The rule's `name`.
    pub name: Option<&'a str>,
}

/// What a correlation match reports about its correlation rule.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationInfo {
    /// `id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level`.
    pub level: Option<Level>,
    /// `status`.
    pub status: Option<Status>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `correlation.type`.
    pub kind: CorrelationType,
    /// `correlation.timespan`, in nanoseconds.
    pub timespan: Nanos,
    /// `correlation.group-by`, as written (aliases unresolved): the keys of a match's group.
    pub group_by: Vec<String>,
    /// `correlation.condition.field`.
    pub field: Option<String>,
    /// The condition's comparisons; for temporal types without a condition, `gte` the number
    /// of distinct rules referenced.
    pub condition: Vec<(CompareOp, f64)>,
    /// `correlation.generate`.
    pub generate: bool,
    /// The document's index in the list given to [`CorrelationSet::build`].
    pub document: usize,
}

impl CorrelationInfo {
    /// True when the condition is decided as soon as a window satisfies it (only `gt`/`gte`
    /// comparisons); false when it is decided when the window closes.
    pub fn eager(&self) -> bool {
        self.condition
            .iter()
            .all(|(op, _)| matches!(op, CompareOp::Gt | CompareOp::Gte))
    }

    /// Whether `value` satisfies every comparison of the condition.
    pub fn satisfied(&self, value: f64) -> bool {
        self.condition.iter().all(|&(op, n)| match op {
            CompareOp::Gt => value > n,
            CompareOp::Gte => value >= n,
            CompareOp::Lt => value < n,
            CompareOp::Lte => value <= n,
            CompareOp::Eq => value == n,
            CompareOp::Neq => value != n,
        })
    }
}

/// What a slot of a correlation's `rules` list resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A detection rule, by its index in the caller's program.
    Rule(usize),
    /// Another correlation, by its index in the set.
    Correlation(usize),
}

#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    pub info: Arc<CorrelationInfo>,
    /// One per entry of `rules`, in order.
    pub sources: Vec<Source>,
    /// Per slot, the field read for each group-by entry (aliases resolved).
    pub group_fields: Vec<Vec<String>>,
    /// Per slot, the field read for the condition's `field` (aliases resolved).
    pub value_fields: Vec<Option<String>>,
    /// Per slot, the distinct-rule class (temporal: a rule listed twice counts once).
    pub slot_class: Vec<usize>,
}

/// Correlation rules resolved against the loaded rules and each other, ready to run.
///
/// Immutable and cheap to share (`Arc` it); [`crate::Correlator`] holds the state.
#[derive(Clone, Debug)]
pub struct CorrelationSet {
    pub(crate) correlations: Vec<Compiled>,
    /// Correlation indices, upstream before downstream.
    pub(crate) order: Vec<usize>,
    /// Rank of each correlation in `order`.
    pub(crate) rank: Vec<usize>,
    /// rule index -> (correlation, slot set), in `order`.
    pub(crate) by_rule: FxHashMap<usize, Vec<(usize, u64)>>,
    /// correlation -> downstream (correlation, slot set), in `order`.
    pub(crate) by_corr: Vec<Vec<(usize, u64)>>,
    suppressed_rules: Vec<usize>,
    emits: Vec<bool>,
    warnings: Vec<Diagnostic>,
}

#[derive(Clone, Copy)]
enum Target {
    Rule(usize),
    Corr(usize),
}

impl CorrelationSet {
    /// Resolves correlation documents against the compiled rules.
    ///
    /// `rules` are the detection rules the engine compiled (their index in the engine's
    /// program, `id` and `name`). A correlation's `rules` entries are looked up by `id` or
    /// `name` among `rules` and the other correlations. Errors (unknown or ambiguous
    /// references, cycles, aliases naming no referenced rule, more than
    /// [`MAX_RULES_PER_CORRELATION`] rules) come back as positioned diagnostics; warnings of
    /// a successful build are in [`CorrelationSet::warnings`].
    ///
    /// ```
    /// use adsigma_correlation::{CorrelationSet, RuleRef};
    /// use adsigma_syntax::{parse_str, Document, FileId, Limits};
    /// let text = "title: many execs\ncorrelation:\n  type: event_count\n  rules: [exec]\n  group-by: [user]\n  timespan: 1m\n  condition: {gte: 3}\n";
    /// let parsed = parse_str(text, FileId(0), &Limits::default());
    /// let Document::Correlation(c) = &parsed.documents[0] else { unreachable!() };
    /// let rules = [RuleRef { index: 0, id: None, name: Some("exec") }];
    /// let set = CorrelationSet::build(&[c], &rules).unwrap();
    /// assert_eq!(set.len(), 1);
    /// assert!(!set.rule_emits(0), "generate defaults to false");
    /// let unknown = [RuleRef { index: 0, id: None, name: Some("other") }];
    /// let errors = CorrelationSet::build(&[c], &unknown).unwrap_err();
    /// assert_eq!(errors[0].code.code, "C301");
    /// ```
    pub fn build(
        correlations: &[&Correlation],
        rules: &[RuleRef<'_>],
    ) -> Result<CorrelationSet, Vec<Diagnostic>> {
        Self::build_inner(correlations, rules).map_err(|e| e.into_iter().map(|(_, d)| d).collect())
    }

    /// Like [`CorrelationSet::build`], but a correlation with an error (e.g. it references a
    /// rule that was not selected) is left out with its diagnostics turned into warnings, and
    /// so is every correlation that references a left-out one. Use it when rules are selected
    /// by status, level or tag and a correlation may lose its rules.
    ///
    /// [`CorrelationInfo::document`] still gives each correlation's position in
    /// `correlations`; set indices count only the kept ones.
    pub fn build_lenient(
        correlations: &[&Correlation],
        rules: &[RuleRef<'_>],
    ) -> (CorrelationSet, Vec<Diagnostic>) {
        let mut keep: Vec<usize> = (0..correlations.len()).collect();
        let mut dropped = Vec::new();
        loop {
            let subset: Vec<&Correlation> = keep.iter().map(|&i| correlations[i]).collect();
            match Self::build_inner(&subset, rules) {
                Ok(mut set) => {
                    for c in &mut set.correlations {
                        let mut info = (*c.info).clone();
                        info.document = keep[info.document];
                        c.info = Arc::new(info);
                    }
                    let mut warnings = dropped;
                    warnings.extend(set.warnings.iter().cloned());
                    return (set, warnings);
                }
                Err(errors) => {
                    let mut bad: Vec<usize> = errors.iter().map(|(i, _)| keep[*i]).collect();
                    bad.sort_unstable();
                    bad.dedup();
                    for (_, d) in errors {
                        dropped.push(
                            d.with_severity(adsigma_syntax::Severity::Warning)
                                .with_note("the correlation is left out"),
                        );
                    }
                    keep.retain(|i| bad.binary_search(i).is_err());
                }
            }
        }
    }

    fn build_inner(
        correlations: &[&Correlation],
        rules: &[RuleRef<'_>],
    ) -> Result<CorrelationSet, Vec<(usize, Diagnostic)>> {
        let mut errors = Vec::new();
        let mut owners: Vec<usize> = Vec::new();
        let mut warnings = Vec::new();
        let mut by_key: FxHashMap<&str, Vec<Target>> = FxHashMap::default();
        for r in rules {
            for k in [r.id, r.name].into_iter().flatten() {
                let e = by_key.entry(k).or_default();
                if !e
                    .iter()
                    .any(|t| matches!(t, Target::Rule(i) if *i == r.index))
                {
                    e.push(Target::Rule(r.index));
                }
            }
        }
        for (i, c) in correlations.iter().enumerate() {
            for k in [&c.meta.id, &c.meta.name].into_iter().flatten() {
                let e = by_key.entry(k.value.as_str()).or_default();
                if !e.iter().any(|t| matches!(t, Target::Corr(j) if *j == i)) {
                    e.push(Target::Corr(i));
                }
            }
        }
        let mut compiled = Vec::new();
        let mut edges: Vec<Vec<(usize, Span)>> = vec![Vec::new(); correlations.len()];
        for (ci, c) in correlations.iter().enumerate() {
            // Errors pushed by the previous correlation are its own.
            owners.resize(errors.len(), ci.wrapping_sub(1));
            let body = &c.correlation;
            let rule_id = c.meta.id.as_ref().map(|i| i.value.clone());
            let err = |code, span, msg: String| {
                let mut d = Diagnostic::new(code, span, msg);
                d.rule_id = rule_id.clone();
                d
            };
            let kind = body.kind.value;
            let mut sources: Vec<(Source, &Spanned<String>)> = Vec::new();
            for r in &body.rules {
                match by_key.get(r.value.as_str()).map(Vec::as_slice) {
                    None | Some([]) => errors.push(
                        err(
                            codes::UNKNOWN_RULE_REFERENCE,
                            r.span,
                            format!(
                                "no loaded rule or correlation has the id or name `{}`",
                                r.value
                            ),
                        )
                        .with_hint("load the file that defines it, or fix the reference"),
                    ),
                    Some([t]) => {
                        let s = match *t {
                            Target::Rule(i) => Source::Rule(i),
                            Target::Corr(i) => {
                                edges[ci].push((i, r.span));
                                Source::Correlation(i)
                            }
                        };
                        if kind != CorrelationType::TemporalOrdered
                            && sources.iter().any(|(x, _)| *x == s)
                        {
                            warnings.push(err(
                                codes::DUPLICATE_CORRELATION_REFERENCE,
                                r.span,
                                format!("`{}` is listed twice; it counts once", r.value),
                            ));
                            continue;
                        }
                        sources.push((s, r));
                    }
                    Some(many) => errors.push(err(
                        codes::AMBIGUOUS_RULE_REFERENCE,
                        r.span,
                        format!(
                            "`{}` is the id or name of {} loaded rules or correlations",
                            r.value,
                            many.len()
                        ),
                    )),
                }
            }
            if sources.len() > MAX_RULES_PER_CORRELATION {
                errors.push(err(
                    codes::TOO_MANY_RULES,
                    body.span,
                    format!(
                        "the correlation references {} rules; at most {MAX_RULES_PER_CORRELATION} are supported",
                        sources.len()
                    ),
                ));
                continue;
            }
            // Aliases: alias -> per slot field.
            let slot_keys = |slot: usize| -> Vec<&str> {
                let (s, written) = &sources[slot];
                let mut keys = vec![written.value.as_str()];
                match *s {
                    Source::Rule(i) => {
                        for r in rules.iter().filter(|r| r.index == i) {
                            keys.extend(r.id);
                            keys.extend(r.name);
                        }
                    }
                    Source::Correlation(i) => {
                        let m = &correlations[i].meta;
                        keys.extend(m.id.as_ref().map(|x| x.value.as_str()));
                        keys.extend(m.name.as_ref().map(|x| x.value.as_str()));
                    }
                }
                keys
            };
            let mut alias_fields: FxHashMap<&str, Vec<Option<String>>> = FxHashMap::default();
            for (alias, per_rule) in &body.aliases {
                let mut fields = vec![None; sources.len()];
                for (rule, field) in per_rule {
                    let slots: Vec<usize> = (0..sources.len())
                        .filter(|&s| slot_keys(s).contains(&rule.value.as_str()))
                        .collect();
                    if slots.is_empty() {
                        errors.push(err(
                            codes::INVALID_ALIAS,
                            rule.span,
                            format!(
                                "alias `{}` maps `{}`, which this correlation does not reference",
                                alias.value, rule.value
                            ),
                        ));
                    }
                    for s in slots {
                        if fields[s].is_some() {
                            errors.push(err(
                                codes::INVALID_ALIAS,
                                rule.span,
                                format!("alias `{}` maps `{}` twice", alias.value, rule.value),
                            ));
                        }
                        fields[s] = Some(field.value.clone());
                    }
                }
                alias_fields.insert(alias.value.as_str(), fields);
            }
            let resolve = |name: &str, slot: usize| -> String {
                alias_fields
                    .get(name)
                    .and_then(|f| f[slot].clone())
                    .unwrap_or_else(|| name.to_owned())
            };
            let field = body
                .condition
                .as_ref()
                .and_then(|c| c.field.as_ref())
                .map(|f| f.value.clone());
            let group_fields = (0..sources.len())
                .map(|s| body.group_by.iter().map(|g| resolve(&g.value, s)).collect())
                .collect();
            let value_fields = (0..sources.len())
                .map(|s| field.as_deref().map(|f| resolve(f, s)))
                .collect();
            let mut classes: Vec<Source> = Vec::new();
            let slot_class = sources
                .iter()
                .map(|(s, _)| match classes.iter().position(|c| c == s) {
                    Some(p) => p,
                    None => {
                        classes.push(*s);
                        classes.len() - 1
                    }
                })
                .collect();
            let condition = match &body.condition {
                Some(c) => c
                    .comparisons
                    .iter()
                    .map(|(o, n)| (o.value, n.value))
                    .collect(),
                None => vec![(
                    CompareOp::Gte,
                    if kind == CorrelationType::TemporalOrdered {
                        sources.len()
                    } else {
                        classes.len()
                    } as f64,
                )],
            };
            let m = &c.meta;
            let text = |s: &Option<Spanned<String>>| s.as_ref().map(|x| x.value.clone());
            let info = CorrelationInfo {
                id: text(&m.id),
                name: text(&m.name),
                title: text(&m.title).unwrap_or_default(),
                level: m.level.as_ref().map(|l| l.value),
                status: m.status.as_ref().map(|s| s.value),
                tags: m.tags.iter().map(|t| t.value.clone()).collect(),
                kind,
                timespan: (body
                    .timespan
                    .value
                    .seconds
                    .min(i64::MAX as u64 / SECOND as u64) as i64)
                    * SECOND,
                group_by: body.group_by.iter().map(|g| g.value.clone()).collect(),
                field,
                condition,
                generate: body.generate,
                document: ci,
            };
            compiled.push(Compiled {
                info: Arc::new(info),
                sources: sources.iter().map(|(s, _)| *s).collect(),
                group_fields,
                value_fields,
                slot_class,
            });
        }
        owners.resize(errors.len(), correlations.len().wrapping_sub(1));
        // Cycles, and a topological order (upstream first).
        let n = correlations.len();
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        let mut order = Vec::with_capacity(n);
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            // Iterative DFS: (node, next edge).
            let mut stack = vec![(start, 0usize)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&(up, span)) = edges[node].get(*next) {
                    *next += 1;
                    match state[up] {
                        0 => {
                            state[up] = 1;
                            stack.push((up, 0));
                        }
                        1 => {
                            let mut d = Diagnostic::new(
                                codes::CORRELATION_CYCLE,
                                span,
                                "this reference closes a cycle of correlations",
                            );
                            d.rule_id =
                                correlations[node].meta.id.as_ref().map(|i| i.value.clone());
                            errors.push(d);
                            owners.push(node);
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    order.push(node);
                    stack.pop();
                }
            }
        }
        if !errors.is_empty() {
            return Err(owners.into_iter().zip(errors).collect());
        }
        let mut rank = vec![0; n];
        for (r, &c) in order.iter().enumerate() {
            rank[c] = r;
        }
        let mut by_rule: FxHashMap<usize, Vec<(usize, u64)>> = FxHashMap::default();
        let mut by_corr: Vec<Vec<(usize, u64)>> = vec![Vec::new(); n];
        // Referencing correlations with generate: per target, (any reference, any generate).
        let mut rule_refs: FxHashMap<usize, bool> = FxHashMap::default();
        let mut corr_refs: Vec<Option<bool>> = vec![None; n];
        for &ci in &order {
            let c = &compiled[ci];
            for (slot, s) in c.sources.iter().enumerate() {
                let bit = 1u64 << slot;
                let list = match *s {
                    Source::Rule(i) => {
                        *rule_refs.entry(i).or_insert(false) |= c.info.generate;
                        by_rule.entry(i).or_default()
                    }
                    Source::Correlation(i) => {
                        let g = corr_refs[i].get_or_insert(false);
                        *g |= c.info.generate;
                        &mut by_corr[i]
                    }
                };
                match list.last_mut() {
                    Some((last, mask)) if *last == ci => *mask |= bit,
                    _ => list.push((ci, bit)),
                }
            }
        }
        let mut suppressed_rules: Vec<usize> = rule_refs
            .into_iter()
            .filter(|&(_, generate)| !generate)
            .map(|(i, _)| i)
            .collect();
        suppressed_rules.sort_unstable();
        Ok(CorrelationSet {
            correlations: compiled,
            order,
            rank,
            by_rule,
            by_corr,
            suppressed_rules,
            emits: corr_refs.into_iter().map(|g| g.unwrap_or(true)).collect(),
            warnings,
        })
    }

    /// The number of correlations.
    pub fn len(&self) -> usize {
        self.correlations.len()
    }

    /// True when there is no correlation.
    pub fn is_empty(&self) -> bool {
        self.correlations.is_empty()
    }

    /// What correlation `index` (its document's position in the list given to
    /// [`CorrelationSet::build`]) reports.
    pub fn info(&self, index: usize) -> Option<&Arc<CorrelationInfo>> {
        self.correlations.get(index).map(|c| &c.info)
    }

    /// What the `rules` entries of correlation `index` resolved to, in order.
    pub fn sources(&self, index: usize) -> &[Source] {
        self.correlations
            .get(index)
            .map_or(&[], |c| c.sources.as_slice())
    }

    /// Warnings found while building (e.g. a rule listed twice).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Whether matches of detection rule `rule_index` are reported on their own: false when
    /// correlations reference it and none of them says `generate: true`. The caller (the
    /// facade) drops the rule's own matches when this is false, and still passes its index
    /// to [`crate::Correlator::observe`].
    pub fn rule_emits(&self, rule_index: usize) -> bool {
        self.suppressed_rules.binary_search(&rule_index).is_err()
    }

    /// The detection rules whose own matches are not reported (see
    /// [`CorrelationSet::rule_emits`]), ascending.
    pub fn suppressed_rules(&self) -> &[usize] {
        &self.suppressed_rules
    }

    /// Whether matches of correlation `index` are reported: false for a correlation that
    /// other correlations reference when none of them says `generate: true`.
    pub fn correlation_emits(&self, index: usize) -> bool {
        self.emits.get(index).copied().unwrap_or(true)
    }

    /// True when some correlation references detection rule `rule_index`.
    pub fn references_rule(&self, rule_index: usize) -> bool {
        self.by_rule.contains_key(&rule_index)
    }

    /// The group key (one text per `group-by` entry) that an event matched by detection rule
    /// `rule_index` has in correlation `index`, or `None` when the correlation does not
    /// reference the rule or the event lacks a group-by field. Use it to partition a stream
    /// over workers: every event of one key must go to the same worker.
    pub fn group_key(
        &self,
        index: usize,
        rule_index: usize,
        event: &dyn Event,
    ) -> Option<Vec<String>> {
        let c = self.correlations.get(index)?;
        let slot = c
            .sources
            .iter()
            .position(|s| *s == Source::Rule(rule_index))?;
        group_key_of(&c.group_fields[slot], event)
    }
}

/// The text of the first value at `field`, if any.
pub(crate) fn first_text(event: &dyn Event, field: &str) -> Option<String> {
    let mut out = None;
    event.lookup(field, &mut |v| {
        if out.is_none() {
            let mut buf = String::new();
            out = v.text(&mut buf).map(str::to_owned);
        }
    });
    out
}

/// The first numeric value at `field`, if any.
pub(crate) fn first_number(event: &dyn Event, field: &str) -> Option<f64> {
    let mut out = None;
    event.lookup(field, &mut |v| {
        if out.is_none() && !matches!(v, EventValue::Bool(_)) {
            out = v.as_f64();
        }
    });
    out
}

pub(crate) fn group_key_of(fields: &[String], event: &dyn Event) -> Option<Vec<String>> {
    fields.iter().map(|f| first_text(event, f)).collect()
}
