//! The compiled engine: [`Engine`], [`EngineBuilder`], [`Match`].

use crate::{Error, RulePack};
use adsigma_correlation::{CorrelationSet, RuleRef};
use adsigma_engine::{
    EngineConfig, Event, LogSource, MatchedField, Program, RuleInfo, RuleInput, Scratch,
    UnresolvedPlaceholders,
};
use adsigma_pipeline::{Pipeline, PipelineSet};
use adsigma_syntax::{Diagnostic, Document, Level, Rule, Severity, Status};
use std::borrow::Cow;
use std::sync::Arc;

/// A rule pack compiled once, shared by threads: cloning is cheap (an `Arc`).
///
/// ```
/// # let pack = adsigma::RulePack::load("rules").unwrap();
/// let engine = adsigma::Engine::new(&pack).unwrap();
/// let e2 = engine.clone(); // shares the compiled program
/// std::thread::spawn(move || e2.len()).join().unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    program: Program,
    /// The pack's correlation rules over the compiled rules, when it has any.
    correlations: Option<Arc<CorrelationSet>>,
    /// Pipelines with recognisers, by priority: an event one of them recognises is
    /// evaluated in its lane.
    lanes: Vec<Lane>,
    /// Which lanes an event's top-level keys allow (`None`: more than 64 lanes).
    lane_index: Option<adsigma_pipeline::RecognizerIndex>,
    warnings: Vec<Diagnostic>,
    /// Per-logsource programs, built on first use: only the rules that fit.
    routes: std::sync::RwLock<
        std::collections::HashMap<LogSource, Arc<Program>, rustc_hash::FxBuildHasher>,
    >,
}

/// The events one pipeline recognises, and how they are evaluated.
#[derive(Debug)]
struct Lane {
    pipeline: Pipeline,
    /// The relevant rules transformed by the pipeline, reporting the engine's rule indices;
    /// `None` when the pipeline only assigns logsources (no transformation, no derived
    /// field): the engine's own per-logsource program serves its events.
    program: Option<Program>,
    /// When `program` is `None`: per recogniser, the engine's program of the rules that fit
    /// its logsource, built on the first event it recognises (no lock, no hashing of the
    /// logsource per event). At most `MAX_ROUTES`; later recognisers use `Engine::route`.
    routed: Vec<std::sync::OnceLock<Program>>,
}

/// Most per-logsource programs an engine keeps (each is a subset of the rules).
const MAX_ROUTES: usize = 64;

type RuleFilter = Arc<dyn Fn(&RuleInfo) -> bool + Send + Sync>;

/// Builds an [`Engine`] with an [`EngineConfig`]; reusable.
#[derive(Clone, Default)]
pub struct EngineBuilder {
    config: EngineConfig,
    skip_invalid: bool,
    filter: Option<RuleFilter>,
    pipelines: Vec<Pipeline>,
    no_default_pipelines: bool,
    only_logsource: Option<LogSource>,
    threads: usize,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("config", &self.config)
            .field("skip_invalid", &self.skip_invalid)
            .finish()
    }
}

impl EngineBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds values for a `%name%` placeholder of the `expand` modifier.
    pub fn placeholder(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.config
            .placeholders
            .entry(name.to_owned())
            .or_default()
            .extend(values.into_iter().map(Into::into));
        self
    }

    /// What to do with rules whose placeholders have no values.
    pub fn unresolved_placeholders(mut self, policy: UnresolvedPlaceholders) -> Self {
        self.config.unresolved_placeholders = policy;
        self
    }

    /// Skip rules that do not load or compile (they become [`Engine::warnings`]) instead of
    /// failing the build.
    pub fn skip_invalid_rules(mut self, skip: bool) -> Self {
        self.skip_invalid = skip;
        self
    }

    /// Adds a processing pipeline. One with recognisers applies to the events it
    /// recognises (each gets the recogniser's logsource, and the rules relevant to it are
    /// compiled through the pipeline for them); one without applies to every rule, like a
    /// pySigma pipeline. A pipeline named like a shipped one (or one of the pack's)
    /// replaces it.
    pub fn pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipelines.retain(|p| p.name != pipeline.name);
        self.pipelines.push(pipeline);
        self
    }

    /// Whether the shipped pipelines ([`adsigma_pipeline::shipped`]: Falco, Tetragon,
    /// Kubernetes audit, Docker, ECS, Sysmon for Linux, auditd) recognise and route events
    /// (the default) or not.
    pub fn default_pipelines(mut self, on: bool) -> Self {
        self.no_default_pipelines = !on;
        self
    }

    /// Compile only the rules for which `keep` is true (e.g. by level, status or tag).
    pub fn rule_filter(mut self, keep: impl Fn(&RuleInfo) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Arc::new(keep));
        self
    }

    /// Compiles only the rules whose logsource, after the pipelines without recognisers
    /// (their `change_logsource`), fits `logsource`: for an engine that only evaluates events
    /// of that logsource (as `scan --logsource` does), the others could never match.
    ///
    /// ```
    /// let pack = adsigma::RulePack::from_yaml_str("title: a\nlogsource: {product: linux}\ndetection:\n  s: {x: 1}\n  condition: s\n---\ntitle: b\nlogsource: {product: windows}\ndetection:\n  s: {x: 1}\n  condition: s\n");
    /// let linux = adsigma::LogSource::parse("product=linux").unwrap();
    /// let engine = adsigma::Engine::builder().only_logsource(linux).build(&pack).unwrap();
    /// assert_eq!(engine.len(), 1);
    /// ```
    pub fn only_logsource(mut self, logsource: LogSource) -> Self {
        self.only_logsource = Some(logsource);
        self
    }

    /// Compiles on up to `threads` threads (default 1): with two or more, the pipelines'
    /// lanes are compiled while the engine's own program is. The engine is the same.
    ///
    /// ```
    /// let pack = adsigma::RulePack::load("rules").unwrap();
    /// let one = adsigma::Engine::builder().build(&pack).unwrap();
    /// let two = adsigma::Engine::builder().threads(2).build(&pack).unwrap();
    /// assert_eq!(one.len(), two.len());
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Compiles the pack's rules.
    pub fn build(&self, pack: &RulePack) -> Result<Engine, Error> {
        let mut warnings = Vec::new();
        if pack.has_errors() {
            if !self.skip_invalid {
                return Err(Error::Rules {
                    diagnostics: pack.errors().cloned().collect(),
                });
            }
            warnings.extend(
                pack.errors()
                    .cloned()
                    .map(|d| d.with_severity(Severity::Warning)),
            );
        }
        // Explicit pipelines win over the pack's, which win over the shipped ones.
        let mut pipelines = self.pipelines.clone();
        let mut add = |p: &Pipeline| {
            if !pipelines.iter().any(|q| q.name == p.name) {
                pipelines.push(p.clone());
            }
        };
        pack.pipelines().iter().for_each(&mut add);
        if !self.no_default_pipelines {
            adsigma_pipeline::shipped().iter().for_each(&mut add);
        }
        let (lane_pipelines, global): (Vec<Pipeline>, Vec<Pipeline>) = pipelines
            .into_iter()
            .partition(|p| !p.recognizers.is_empty());
        let global = PipelineSet::new(global);
        let lane_pipelines = PipelineSet::new(lane_pipelines);
        let fail = |d: Diagnostic, warnings: &mut Vec<Diagnostic>| -> Result<(), Error> {
            if d.severity == Severity::Error && !self.skip_invalid {
                return Err(Error::Rules {
                    diagnostics: vec![d],
                });
            }
            warnings.push(d.with_severity(Severity::Warning));
            Ok(())
        };
        // The rules, through the pipelines without recognisers.
        let mut rules: Vec<(Cow<'_, Rule>, Option<String>)> = Vec::new();
        for d in pack.documents() {
            let Document::Rule(rule) = &d.document else {
                continue;
            };
            let keep = match &self.filter {
                Some(f) => f(&adsigma_engine::rule_info(rule, None)),
                None => true,
            };
            if !keep {
                continue;
            }
            let file = Some(pack.sources().path(d.file).display().to_string());
            let rule = if global.is_empty() {
                Cow::Borrowed(rule)
            } else {
                match global.apply(rule) {
                    Ok(r) => Cow::Owned(r),
                    Err(diags) => {
                        for d in diags {
                            fail(d, &mut warnings)?;
                        }
                        continue;
                    }
                }
            };
            if let Some(ls) = &self.only_logsource {
                if !adsigma_engine::fits(&adsigma_engine::rule_info(&rule, None).logsource, ls) {
                    continue;
                }
            }
            rules.push((rule, file));
        }
        // Meta filters: `(rule) and (filter)` for the rules each names.
        let filters: Vec<&adsigma_syntax::Filter> = pack
            .documents()
            .iter()
            .filter_map(|d| match &d.document {
                Document::Filter(f) => Some(f),
                _ => None,
            })
            .collect();
        if !filters.is_empty() {
            let plain: Vec<Rule> = rules.iter().map(|(r, _)| r.as_ref().clone()).collect();
            let (filtered, diags) = adsigma_correlation::apply_filters(&plain, &filters);
            for d in diags {
                fail(d, &mut warnings)?;
            }
            for ((slot, _), rule) in rules.iter_mut().zip(filtered) {
                *slot = Cow::Owned(rule);
            }
        }
        let mut config = self.config.clone();
        merge_placeholders(&mut config, global.placeholders());
        let compile_main = || {
            adsigma_engine::compile_indexed(
                rules.iter().map(|(rule, file)| RuleInput {
                    rule,
                    file: file.clone(),
                }),
                &config,
            )
        };
        let pipelines = lane_pipelines.pipelines();
        let has_lane_programs = pipelines.iter().any(lane_has_program);
        // With a second thread, the lanes are compiled from every rule while the engine's
        // program is; a lane is used if every rule it looked at compiled there too (as
        // almost always), else compiled again below from the rules that did.
        let ((program, diags, compiled), mut speculative) = if self.threads > 1 && has_lane_programs
        {
            std::thread::scope(|scope| {
                let lanes = scope.spawn(|| {
                    pipelines
                        .iter()
                        .map(|p| Some(build_lane(p, 0..rules.len() as u32, &rules, &config)))
                        .collect::<Vec<_>>()
                });
                let main = compile_main();
                let lanes = lanes
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (main, lanes)
            })
        } else {
            (compile_main(), pipelines.iter().map(|_| None).collect())
        };
        for d in diags {
            fail(d, &mut warnings)?;
        }
        // Engine rule index of each position in `rules` that compiled.
        let mut index_of = vec![None; rules.len()];
        for (index, &position) in compiled.iter().enumerate() {
            index_of[position as usize] = Some(index as u32);
        }
        // One lane per pipeline with recognisers, of the compiled rules relevant to it.
        let mut lanes = Vec::new();
        for (k, pipeline) in pipelines.iter().enumerate() {
            // The lane's rules as engine rule indices; `None` when one did not compile in
            // the engine's program (only possible for a lane built from every rule).
            let indices = |built: &LaneBuild| -> Option<Vec<u32>> {
                if !built
                    .looked_at
                    .iter()
                    .all(|&p| index_of[p as usize].is_some())
                {
                    return None;
                }
                match &built.program {
                    Some((_, positions)) => {
                        positions.iter().map(|&p| index_of[p as usize]).collect()
                    }
                    None => Some(Vec::new()),
                }
            };
            let usable = speculative[k]
                .take()
                .and_then(|b| indices(&b).map(|origin| (b, origin)));
            let (built, origin) = match usable {
                Some(done) => done,
                None => {
                    // From the rules that compiled: every index is there.
                    let b = build_lane(pipeline, compiled.iter().copied(), &rules, &config);
                    let origin = indices(&b).unwrap_or_default();
                    (b, origin)
                }
            };
            warnings.extend(built.warnings);
            let program = built.program.map(|(lane, _)| {
                lane.with_origin(origin)
                    .with_derived(pipeline.derived_fields.clone())
            });
            let routed = if program.is_none() {
                (0..pipeline.recognizers.len().min(MAX_ROUTES))
                    .map(|_| std::sync::OnceLock::new())
                    .collect()
            } else {
                Vec::new()
            };
            lanes.push(Lane {
                pipeline: pipeline.clone(),
                program,
                routed,
            });
        }
        // Correlations over the compiled rules. Under a rule filter or with invalid rules
        // skipped, a correlation that lost its rules is left out with a warning.
        let documents: Vec<&adsigma_syntax::Correlation> = pack
            .documents()
            .iter()
            .filter_map(|d| match &d.document {
                Document::Correlation(c) => Some(c),
                _ => None,
            })
            .collect();
        let correlations = if documents.is_empty() {
            None
        } else {
            let refs: Vec<RuleRef<'_>> = (0..program.len())
                .filter_map(|index| {
                    program.rule(index).map(|info| RuleRef {
                        index,
                        id: info.id.as_deref(),
                        name: info.name.as_deref(),
                    })
                })
                .collect();
            if self.filter.is_some() || self.skip_invalid {
                let (set, diags) = CorrelationSet::build_lenient(&documents, &refs);
                warnings.extend(
                    diags
                        .into_iter()
                        .map(|d| d.with_severity(Severity::Warning)),
                );
                Some(Arc::new(set))
            } else {
                match CorrelationSet::build(&documents, &refs) {
                    Ok(set) => {
                        warnings.extend(set.warnings().iter().cloned());
                        Some(Arc::new(set))
                    }
                    Err(diagnostics) => return Err(Error::Rules { diagnostics }),
                }
            }
        };
        let lane_index = adsigma_pipeline::RecognizerIndex::new(lanes.iter().map(|l| &l.pipeline));
        Ok(Engine {
            inner: Arc::new(Inner {
                program,
                correlations,
                lanes,
                lane_index,
                warnings,
                routes: Default::default(),
            }),
        })
    }
}

fn merge_placeholders(
    config: &mut EngineConfig,
    more: std::collections::HashMap<String, Vec<String>>,
) {
    for (name, values) in more {
        let slot = config.placeholders.entry(name).or_default();
        for v in values {
            if !slot.contains(&v) {
                slot.push(v);
            }
        }
    }
}

/// A rule left out of a pipeline's lane: a warning naming the pipeline.
/// A program an event is evaluated against: one the engine keeps, or a shared routed one.
enum ProgramRef<'a> {
    Borrowed(&'a Program),
    Shared(Arc<Program>),
}

impl std::ops::Deref for ProgramRef<'_> {
    type Target = Program;
    fn deref(&self) -> &Program {
        match self {
            ProgramRef::Borrowed(p) => p,
            ProgramRef::Shared(p) => p,
        }
    }
}

/// Whether a pipeline with recognisers gets its own program: when it changes the rules
/// (transformations) or computes derived fields; otherwise it only assigns logsources.
fn lane_has_program(p: &Pipeline) -> bool {
    !(p.transformations.is_empty() && p.derived_fields.is_empty())
}

/// A lane's program, compiled from the rules at `positions` that the pipeline is relevant
/// to, and the warnings on the way.
struct LaneBuild {
    /// The program and, per rule of it, the rule's position in the engine's rule list;
    /// `None` for a pipeline that only assigns logsources.
    program: Option<(Program, Vec<u32>)>,
    /// Positions of the relevant rules (whether the pipeline applied to them or not).
    looked_at: Vec<u32>,
    warnings: Vec<Diagnostic>,
}

fn build_lane(
    pipeline: &Pipeline,
    positions: impl Iterator<Item = u32>,
    rules: &[(Cow<'_, Rule>, Option<String>)],
    config: &EngineConfig,
) -> LaneBuild {
    let mut built = LaneBuild {
        program: None,
        looked_at: Vec::new(),
        warnings: Vec::new(),
    };
    if !lane_has_program(pipeline) {
        return built;
    }
    let mut inputs = Vec::new();
    let mut origin = Vec::new();
    for position in positions {
        let (rule, file) = &rules[position as usize];
        if !pipeline.is_relevant(rule) {
            continue;
        }
        built.looked_at.push(position);
        match pipeline.apply(rule) {
            Ok(r) => {
                inputs.push((r, file.clone()));
                origin.push(position);
            }
            // The rule still runs on the events no pipeline recognises.
            Err(diags) => built
                .warnings
                .extend(diags.into_iter().map(|d| lane_warning(d, &pipeline.name))),
        }
    }
    let mut config = config.clone();
    merge_placeholders(&mut config, pipeline.placeholders());
    let (lane, diags, kept) = adsigma_engine::compile_indexed(
        inputs.iter().map(|(rule, file)| RuleInput {
            rule,
            file: file.clone(),
        }),
        &config,
    );
    built
        .warnings
        .extend(diags.into_iter().map(|d| lane_warning(d, &pipeline.name)));
    built.program = Some((lane, kept.iter().map(|&k| origin[k as usize]).collect()));
    built
}

fn lane_warning(mut d: Diagnostic, pipeline: &str) -> Diagnostic {
    d.message = format!(
        "{} (the rule is left out of pipeline `{pipeline}`; events that pipeline recognises are not tested against it)",
        d.message
    );
    d.with_severity(Severity::Warning)
}

impl Engine {
    /// Compiles every rule of the pack with the default configuration. Fails when the pack
    /// has errors or a rule does not compile.
    pub fn new(pack: &RulePack) -> Result<Engine, Error> {
        Self::builder().build(pack)
    }

    /// A builder for a configured engine.
    ///
    /// ```
    /// let pack = adsigma::RulePack::from_yaml_str("title: t\nlogsource: {product: linux}\ndetection:\n  sel: {User|expand: '%admins%'}\n  condition: sel\n");
    /// let engine = adsigma::Engine::builder().placeholder("admins", ["root"]).build(&pack).unwrap();
    /// assert_eq!(engine.evaluate(&serde_json::json!({"User": "ROOT"})).len(), 1);
    /// ```
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.inner.program.len()
    }

    /// True when no rule compiled.
    pub fn is_empty(&self) -> bool {
        self.inner.program.is_empty()
    }

    /// Rules skipped while building (with [`EngineBuilder::skip_invalid_rules`] or the
    /// skip policy for placeholders), as warnings.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.inner.warnings
    }

    /// The pack's correlation rules, compiled over this engine's rules (see
    /// [`crate::Correlator`]); `None` when the pack has none.
    pub fn correlations(&self) -> Option<&Arc<CorrelationSet>> {
        self.inner.correlations.as_ref()
    }

    /// Whether rule `index` reports its own matches: false when every correlation that
    /// references it says `generate: false` (the default), true otherwise.
    pub fn rule_emits(&self, index: usize) -> bool {
        self.inner
            .correlations
            .as_ref()
            .is_none_or(|set| set.rule_emits(index))
    }

    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.inner.program
    }

    /// What the engine knows about rule `index` (as returned by [`Engine::evaluate_into`]).
    pub fn rule(&self, index: usize) -> Option<&Arc<RuleInfo>> {
        self.inner.program.rule(index)
    }

    /// Evaluates an event against every rule (its logsource is not known).
    pub fn evaluate(&self, event: &dyn Event) -> Vec<Match> {
        self.evaluate_with(event, None)
    }

    /// Evaluates an event of a known logsource: only rules whose logsource fits (every
    /// logsource field the rule sets equals the event's) are considered.
    ///
    /// ```
    /// # let pack = adsigma::RulePack::from_yaml_str("title: t\nlogsource: {product: kubernetes, service: audit}\ndetection:\n  sel: {verb: create}\n  condition: sel\n");
    /// # let engine = adsigma::Engine::new(&pack).unwrap();
    /// let event = serde_json::json!({"verb": "create"});
    /// let k8s = adsigma::LogSource::parse("product=kubernetes,service=audit").unwrap();
    /// let linux = adsigma::LogSource::parse("product=linux").unwrap();
    /// assert_eq!(engine.evaluate_for(&event, &k8s).len(), 1);
    /// assert!(engine.evaluate_for(&event, &linux).is_empty());
    /// ```
    pub fn evaluate_for(&self, event: &dyn Event, logsource: &LogSource) -> Vec<Match> {
        self.evaluate_with(event, Some(logsource))
    }

    fn evaluate_with(&self, event: &dyn Event, logsource: Option<&LogSource>) -> Vec<Match> {
        let mut out = Vec::new();
        self.evaluate_matches(event, logsource, &mut Scratch::new(), &mut out);
        out
    }

    /// Evaluates an event and pushes a full [`Match`] per matching rule to `out`, reusing
    /// the evaluation's work to explain each (cheaper than [`Engine::evaluate_into`]
    /// followed by [`Engine::details`]).
    ///
    /// ```
    /// # let pack = adsigma::RulePack::from_yaml_str("title: t\nlogsource: {product: linux}\ndetection:\n  sel: {Image|endswith: /sh}\n  condition: sel\n");
    /// # let engine = adsigma::Engine::new(&pack).unwrap();
    /// let mut scratch = adsigma::Scratch::new();
    /// let mut matches = Vec::new();
    /// engine.evaluate_matches(&serde_json::json!({"Image": "/bin/sh"}), None, &mut scratch, &mut matches);
    /// assert_eq!(matches[0].matched()[0].value, "/bin/sh");
    /// ```
    pub fn evaluate_matches<'a>(
        &'a self,
        event: &dyn Event,
        logsource: Option<&'a LogSource>,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) -> Option<&'a LogSource> {
        let mut hits = Vec::new();
        let explain = |program: &Program,
                       event: &dyn Event,
                       hits: &[u32],
                       scratch: &mut Scratch,
                       out: &mut Vec<Match>| {
            for &r in hits {
                let (identifiers, matched) = program.explain_last(r as usize, event, scratch);
                out.push(Match {
                    index: r as usize,
                    info: self
                        .inner
                        .program
                        .rule(r as usize)
                        .cloned()
                        .unwrap_or_default(),
                    identifiers,
                    matched,
                });
            }
        };
        if logsource.is_none() {
            if let Some((lane, ls, k)) = self.lane_of(event) {
                let program = self.lane_program(lane, ls, k);
                program.matching_rules(event, Some(ls), scratch, &mut hits);
                explain(&program, event, &hits, scratch, out);
                return Some(ls);
            }
        }
        let routed = logsource.and_then(|ls| self.route(ls));
        let program: &Program = routed.as_deref().unwrap_or(&self.inner.program);
        program.matching_rules(event, logsource, scratch, &mut hits);
        explain(program, event, &hits, scratch, out);
        logsource
    }

    /// The logsource the engine's pipelines give `event` (the first, by priority, whose
    /// recogniser matches it), if any.
    ///
    /// ```
    /// # let engine = adsigma::Engine::new(&adsigma::RulePack::default()).unwrap();
    /// let k8s = serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "verb": "get", "auditID": "a1"});
    /// let ls = engine.recognize(&k8s).unwrap();
    /// assert_eq!(ls.product.as_deref(), Some("kubernetes"));
    /// ```
    pub fn recognize(&self, event: &dyn Event) -> Option<&LogSource> {
        self.lane_of(event).map(|(_, ls, _)| ls)
    }

    /// The program for an event of `lane` that its recogniser `k` gave logsource `ls`: the
    /// lane's own, or the engine's rules that fit `ls` (kept per recogniser; past
    /// `MAX_ROUTES` recognisers, [`Engine::route`]'s, or all rules).
    fn lane_program<'a>(&'a self, lane: &'a Lane, ls: &LogSource, k: usize) -> ProgramRef<'a> {
        if let Some(program) = &lane.program {
            return ProgramRef::Borrowed(program);
        }
        match lane.routed.get(k) {
            Some(cell) => ProgramRef::Borrowed(cell.get_or_init(|| {
                self.inner
                    .program
                    .subset(|info| adsigma_engine::fits(&info.logsource, ls))
            })),
            None => match self.route(ls) {
                Some(shared) => ProgramRef::Shared(shared),
                None => ProgramRef::Borrowed(&self.inner.program),
            },
        }
    }

    /// The lane whose pipeline recognises `event`, the logsource it gives, and which of the
    /// pipeline's recognisers gave it.
    fn lane_of(&self, event: &dyn Event) -> Option<(&Lane, &LogSource, usize)> {
        let lanes = &self.inner.lanes;
        if lanes.is_empty() {
            return None;
        }
        let candidates = self
            .inner
            .lane_index
            .as_ref()
            .map_or(u64::MAX, |index| index.candidates(event));
        lanes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= 64 || candidates & (1 << i) != 0)
            .find_map(|(_, lane)| {
                let k = lane.pipeline.recognizer_index(event)?;
                Some((lane, &lane.pipeline.recognizers[k].logsource, k))
            })
    }

    /// The hot path: pushes the indices of matching rules (in rule order) to `out`, reusing
    /// `scratch`; no allocation once `scratch` and `out` have grown. Turn an index into a
    /// [`Match`] with [`Engine::details`], or look its rule up with [`Engine::rule`]. With no
    /// `logsource`, an event a pipeline recognises is evaluated as that pipeline says.
    ///
    /// ```
    /// # let pack = adsigma::RulePack::from_yaml_str("title: t\nlogsource: {product: linux}\ndetection:\n  sel: {Image|endswith: /sh}\n  condition: sel\n");
    /// # let engine = adsigma::Engine::new(&pack).unwrap();
    /// let mut scratch = adsigma::Scratch::new();
    /// let mut hits = Vec::new();
    /// for line in [r#"{"Image": "/bin/sh"}"#, r#"{"Image": "/bin/ls"}"#] {
    ///     let event: serde_json::Value = serde_json::from_str(line).unwrap();
    ///     hits.clear();
    ///     engine.evaluate_into(&event, None, &mut scratch, &mut hits);
    /// }
    /// assert!(hits.is_empty());
    /// ```
    pub fn evaluate_into(
        &self,
        event: &dyn Event,
        logsource: Option<&LogSource>,
        scratch: &mut Scratch,
        out: &mut Vec<u32>,
    ) {
        if logsource.is_none() {
            if let Some((lane, ls, k)) = self.lane_of(event) {
                let program = self.lane_program(lane, ls, k);
                program.matching_rules(event, Some(ls), scratch, out);
                return;
            }
        }
        match logsource.and_then(|ls| self.route(ls)) {
            Some(program) => program.matching_rules(event, logsource, scratch, out),
            None => self
                .inner
                .program
                .matching_rules(event, logsource, scratch, out),
        }
    }

    /// The program of the rules that fit `ls`, built once and cached.
    fn route(&self, ls: &LogSource) -> Option<Arc<Program>> {
        if let Ok(routes) = self.inner.routes.read() {
            if let Some(p) = routes.get(ls) {
                return Some(p.clone());
            }
            if routes.len() >= MAX_ROUTES {
                return None;
            }
        }
        let program = Arc::new(
            self.inner
                .program
                .subset(|info| adsigma_engine::fits(&info.logsource, ls)),
        );
        if let Ok(mut routes) = self.inner.routes.write() {
            routes.insert(ls.clone(), program.clone());
        }
        Some(program)
    }

    /// The full [`Match`] for rule `index` that matched `event`: which identifiers held and
    /// the fields and values that made them hold.
    pub fn details(&self, index: usize, event: &dyn Event, scratch: &mut Scratch) -> Match {
        let (identifiers, matched) = match self.lane_of(event) {
            Some((
                Lane {
                    program: Some(program),
                    ..
                },
                _,
                _,
            )) => program.explain_reported(index, event, scratch),
            _ => self.inner.program.explain(index, event, scratch),
        };
        Match {
            index,
            info: self.inner.program.rule(index).cloned().unwrap_or_default(),
            identifiers,
            matched,
        }
    }
}

/// A rule that matched an event.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    index: usize,
    info: Arc<RuleInfo>,
    identifiers: Vec<String>,
    matched: Vec<MatchedField>,
}

impl Match {
    /// The rule's index in the engine.
    pub fn rule_index(&self) -> usize {
        self.index
    }
    /// The rule's `id`.
    pub fn rule_id(&self) -> Option<&str> {
        self.info.id.as_deref()
    }
    /// The rule's `title`.
    pub fn title(&self) -> &str {
        &self.info.title
    }
    /// The rule's `level`.
    pub fn level(&self) -> Option<Level> {
        self.info.level
    }
    /// The rule's `status`.
    pub fn status(&self) -> Option<Status> {
        self.info.status
    }
    /// The rule's tags.
    pub fn tags(&self) -> &[String] {
        &self.info.tags
    }
    /// The detection identifiers that held.
    pub fn identifiers(&self) -> &[String] {
        &self.identifiers
    }
    /// The fields and values that made them hold.
    pub fn matched(&self) -> &[MatchedField] {
        &self.matched
    }
    /// The rule's ADS response steps (empty when it has none).
    pub fn response(&self) -> &[String] {
        &self.info.response
    }
    /// Everything the engine knows about the rule.
    pub fn rule(&self) -> &RuleInfo {
        &self.info
    }
}
