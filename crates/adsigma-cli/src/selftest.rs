//! `adsigma test PATH...`: runs every rule's self-tests.
//!
//! A rule's `tests.match` events must make it match and its `tests.no_match` events must not.
//! Each rule is compiled alone (its own document, `--placeholder` values for its
//! placeholders) and each event evaluated against it: a plain entry is the event itself,
//! evaluated with no known logsource; `{event: ..., logsource: {...}}` is evaluated for that
//! logsource (a rule whose logsource does not fit it is not evaluated, so it does not match).
//! Entries with a `pipeline:` and the `tests.sequences` of correlation rules are reported as
//! skipped: pipelines and correlations are not implemented yet.
//!
//! Output: a line per rule, then each failure with the rule, its file and the entry's
//! position, the event as compact JSON and what matched or did not; or `adsigma.tests/1`
//! JSON. Exit 0 when every test passed, 1 when one failed or a rule file has errors, 2 bad
//! usage.

use crate::common::{engine_config, pack_diagnostic_line, write_stdout};
use adsigma::engine::{Program, RuleInput, compile, fits};
use adsigma::syntax::yaml::Node;
use adsigma::syntax::{Rule, Span};
use adsigma::yaml_to_json as to_json;
use adsigma::{Document, EngineConfig, Limits, LogSource, RulePack, Scratch, SourceMap};
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `test`.
#[derive(Args)]
pub struct TestArgs {
    /// Rule files or directories (recursively, .yml and .yaml).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// A value for an `expand` placeholder (`%NAME%`); repeatable, values add up. The tests of
    /// a rule whose placeholder has no value fail: the rule cannot be compiled.
    #[arg(long = "placeholder", value_name = "NAME=VALUE", value_parser = crate::common::parse_placeholder)]
    placeholders: Vec<(String, String)>,
}

/// Formats of `test`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TestFormat {
    /// A line per rule, the failures in full, and a summary.
    Human,
    /// `adsigma.tests/1` JSON.
    Json,
}

/// Which list a test entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Match,
    NoMatch,
    Sequence,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Match => "match",
            Kind::NoMatch => "no_match",
            Kind::Sequence => "sequences",
        }
    }
}

/// Why an entry was not run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SkipReason {
    Filter,
}

impl SkipReason {
    fn note(self) -> &'static str {
        match self {
            SkipReason::Filter => "filters are not tested on their own",
        }
    }
}

/// The rule a test belongs to, as reports name it.
#[derive(Clone)]
struct RuleName {
    id: Option<String>,
    title: String,
    file: String,
}

impl RuleName {
    fn of(meta: &adsigma::syntax::Metadata, file: String) -> Self {
        RuleName {
            id: meta.id.as_ref().map(|i| i.value.clone()),
            title: meta
                .title
                .as_ref()
                .map_or_else(|| "(untitled)".to_owned(), |t| t.value.clone()),
            file,
        }
    }

    fn describe(&self) -> String {
        match &self.id {
            Some(id) => format!("\"{}\" ({id})", self.title),
            None => format!("\"{}\" (no id)", self.title),
        }
    }
}

struct Failure {
    rule: RuleName,
    kind: Kind,
    index: usize,
    span: Span,
    message: String,
    event: Option<Value>,
}

struct Skip {
    rule: RuleName,
    kind: Kind,
    index: usize,
    span: Span,
    reason: SkipReason,
    detail: Option<String>,
}

/// Per rule: how its tests went.
struct RuleLine {
    rule: RuleName,
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Everything `test` found.
#[derive(Default)]
struct Outcome {
    passed: usize,
    failures: Vec<Failure>,
    skips: Vec<Skip>,
    rules: Vec<RuleLine>,
    /// Rules, correlations and filters without `tests`.
    untested: usize,
    /// Problems that stop tests from running: files that do not load, malformed `tests`.
    errors: Vec<String>,
    files: usize,
}

/// Runs `test`.
pub fn run(args: &TestArgs) -> ExitCode {
    let pack = match RulePack::load_with(&args.paths, &Limits::default()) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let config = engine_config(&args.placeholders);
    let outcome = run_pack(&pack, &config);
    for e in &outcome.errors {
        eprintln!("{e}");
    }
    if pack.has_errors() {
        eprintln!(
            "error: documents with errors are left out and their tests not run (`adsigma check` shows the errors in full)"
        );
    }
    let text = match args.format {
        TestFormat::Human => human(&outcome, pack.sources()),
        TestFormat::Json => json(&outcome),
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    if outcome.failures.is_empty() && outcome.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_pack(pack: &RulePack, config: &EngineConfig) -> Outcome {
    let sources = pack.sources();
    let mut out = Outcome {
        files: sources.len(),
        ..Outcome::default()
    };
    for d in pack.errors() {
        out.errors.push(pack_diagnostic_line(sources, d));
    }
    let mut scratch = Scratch::new();
    // The whole pack's engine, for correlation sequences (built on first need).
    let mut engine: Option<Option<adsigma::Engine>> = None;
    let mut correlation_index = 0usize;
    for loaded in pack.documents() {
        let doc = &loaded.document;
        // The correlation's position among the pack's correlations (as the engine built
        // them), counting those without tests too.
        let corr_pos = matches!(doc, Document::Correlation(_)).then(|| {
            correlation_index += 1;
            correlation_index - 1
        });
        let file = sources.path(loaded.file).display().to_string();
        let Some(tests) = doc.meta().custom("tests") else {
            out.untested += 1;
            continue;
        };
        let name = RuleName::of(doc.meta(), file);
        let lists = match test_lists(tests, doc, &name, sources) {
            Ok(lists) => lists,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let mut line = RuleLine {
            rule: name.clone(),
            passed: 0,
            failed: 0,
            skipped: 0,
        };
        match doc {
            Document::Rule(rule) => {
                let compiled = compile_one(rule, &name, config);
                // Only correlation rules have sequences (test_lists says so).
                for (kind, items) in lists.iter().filter(|(k, _)| *k != Kind::Sequence) {
                    for (index, node) in items.iter().enumerate() {
                        let cx = EntryContext {
                            pipelines: pack.pipelines(),
                            config,
                            name: &name,
                        };
                        match run_entry(rule, &compiled, *kind, node, &mut scratch, &cx) {
                            EntryResult::Passed => {
                                line.passed += 1;
                                out.passed += 1;
                            }
                            EntryResult::Failed { message, event } => {
                                line.failed += 1;
                                out.failures.push(Failure {
                                    rule: name.clone(),
                                    kind: *kind,
                                    index,
                                    span: node.span,
                                    message,
                                    event,
                                });
                            }
                        }
                    }
                }
            }
            Document::Correlation(_) => {
                let engine = engine.get_or_insert_with(|| {
                    // Sequences are written in the rules' field names: no pipeline routing.
                    adsigma::Engine::builder()
                        .config(config.clone())
                        .default_pipelines(false)
                        .skip_invalid_rules(true)
                        .build(pack)
                        .ok()
                });
                let position = corr_pos.unwrap_or(usize::MAX);
                let set_index = engine.as_ref().and_then(|e| {
                    let set = e.correlations()?;
                    (0..set.len()).find(|&c| set.info(c).is_some_and(|i| i.document == position))
                });
                let sequences = match adsigma::correlation::sequences::parse_sequences(doc.meta()) {
                    Ok(seqs) => seqs,
                    Err(diags) => {
                        for d in &diags {
                            out.errors.push(pack_diagnostic_line(sources, d));
                        }
                        Vec::new()
                    }
                };
                for (index, seq) in sequences.iter().enumerate() {
                    let result = match (engine.as_ref(), set_index) {
                        (Some(engine), Some(c)) => {
                            let set = engine.correlations().expect("the set holds correlation c");
                            let run = adsigma::correlation::sequences::run_sequence(
                                engine.program(),
                                set,
                                &adsigma::CorrelatorConfig::default(),
                                &seq.events,
                            );
                            adsigma::correlation::sequences::check_sequence(set, c, &seq.expect, &run)
                        }
                        _ => Err(
                            "the correlation does not build (its rules do not compile or are missing; `adsigma check` says why)"
                                .to_owned(),
                        ),
                    };
                    match result {
                        Ok(()) => {
                            line.passed += 1;
                            out.passed += 1;
                        }
                        Err(message) => {
                            line.failed += 1;
                            out.failures.push(Failure {
                                rule: name.clone(),
                                kind: Kind::Sequence,
                                index,
                                span: seq.span,
                                message: match &seq.name {
                                    Some(n) => format!("sequence `{n}`: {message}"),
                                    None => message,
                                },
                                event: None,
                            });
                        }
                    }
                }
            }
            Document::Filter(_) => {
                let reason = SkipReason::Filter;
                for (kind, items) in &lists {
                    for (index, node) in items.iter().enumerate() {
                        line.skipped += 1;
                        out.skips.push(Skip {
                            rule: name.clone(),
                            kind: *kind,
                            index,
                            span: node.span,
                            reason,
                            detail: None,
                        });
                    }
                }
            }
        }
        out.rules.push(line);
    }
    out
}

/// The entry lists of a `tests` block, or an error line when the block is malformed.
fn test_lists<'n>(
    tests: &'n Node,
    doc: &Document,
    name: &RuleName,
    sources: &SourceMap,
) -> Result<Vec<(Kind, &'n [Node])>, String> {
    let at = |span: Span| {
        let file = sources.path(span.file).display().to_string();
        format!("{file}:{}:{}", span.start.line, span.start.column)
    };
    let Some(entries) = tests.as_map() else {
        return Err(format!(
            "{}: error: `tests` of {} must be a mapping with `match`, `no_match` or `sequences` lists; found a {}",
            at(tests.span),
            name.describe(),
            tests.kind_name()
        ));
    };
    let mut lists = Vec::new();
    for (key, value) in entries {
        let k = key.as_scalar().map_or("", |s| s.text.as_str());
        let kind = match k {
            "match" => Kind::Match,
            "no_match" => Kind::NoMatch,
            "sequences" => Kind::Sequence,
            _ => {
                return Err(format!(
                    "{}: error: unknown key `tests.{k}` in {} (match, no_match, sequences)",
                    at(key.span),
                    name.describe()
                ));
            }
        };
        if kind == Kind::Sequence && matches!(doc, Document::Rule(_)) {
            return Err(format!(
                "{}: error: `tests.sequences` of {} is for correlation rules; a detection rule has `match` and `no_match` events",
                at(key.span),
                name.describe()
            ));
        }
        if value.is_null() {
            continue;
        }
        let Some(items) = value.as_seq() else {
            return Err(format!(
                "{}: error: `tests.{k}` of {} must be a list; found a {}",
                at(value.span),
                name.describe(),
                value.kind_name()
            ));
        };
        lists.push((kind, items));
    }
    Ok(lists)
}

/// A rule compiled alone, or why it does not compile.
type Compiled = Result<Program, String>;

fn compile_one(rule: &Rule, name: &RuleName, config: &EngineConfig) -> Compiled {
    let input = RuleInput {
        rule,
        file: Some(name.file.clone()),
    };
    let (program, diagnostics) = compile([input], config);
    if program.len() == 1 {
        return Ok(program);
    }
    let mut why: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let message = d.message.trim_end_matches("; the rule is skipped");
            let mut s = format!("{} {message}", d.code.code);
            if d.code.code == "E102" {
                s.push_str(" (give its values with --placeholder NAME=VALUE)");
            }
            s
        })
        .collect();
    if why.is_empty() {
        why.push("no reason given".to_owned());
    }
    Err(format!("the rule does not compile: {}", why.join("; ")))
}

enum EntryResult {
    Passed,
    Failed {
        message: String,
        event: Option<Value>,
    },
}

/// An entry of `tests.match` / `tests.no_match`, read.
enum Entry {
    Event {
        event: Value,
        logsource: Option<LogSource>,
    },
    /// An event in the format of a pipeline's events (`pipeline: NAME`): the rule is
    /// compiled through the pipeline, and the event gets its derived fields.
    Pipeline { name: String, event: Value },
}

fn read_entry(node: &Node) -> Result<Entry, String> {
    let Some(map) = node.as_map() else {
        return Err(format!(
            "a test entry is an event (a mapping) or {{event: ..., logsource: {{...}}, pipeline: NAME}}; found a {}",
            node.kind_name()
        ));
    };
    let key = |k: &Node| k.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
    let wrapped = node.get("event").is_some()
        && map
            .iter()
            .all(|(k, _)| matches!(key(k).as_str(), "event" | "logsource" | "pipeline"));
    if !wrapped {
        return Ok(Entry::Event {
            event: to_json(node),
            logsource: None,
        });
    }
    let Some(event) = node.get("event") else {
        return Err("a wrapped test entry needs an `event`".to_owned());
    };
    if let Some(p) = node.get("pipeline") {
        if event.as_map().is_none() {
            return Err(format!(
                "`event` must be a mapping; found a {}",
                event.kind_name()
            ));
        }
        return match p.as_scalar() {
            Some(s) if !s.text.is_empty() => Ok(Entry::Pipeline {
                name: s.text.clone(),
                event: to_json(event),
            }),
            _ => Err(format!(
                "`pipeline` names a pipeline; found a {}",
                p.kind_name()
            )),
        };
    }
    if event.as_map().is_none() {
        return Err(format!(
            "`event` must be a mapping; found a {}",
            event.kind_name()
        ));
    }
    let logsource = match node.get("logsource") {
        None => None,
        Some(ls) if ls.is_null() => None,
        Some(ls) => {
            let Some(fields) = ls.as_map() else {
                return Err(format!(
                    "`logsource` must be a mapping of product, category and service; found a {}",
                    ls.kind_name()
                ));
            };
            let mut out = LogSource::default();
            for (k, v) in fields {
                let name = key(k);
                let slot = match name.as_str() {
                    "product" => &mut out.product,
                    "category" => &mut out.category,
                    "service" => &mut out.service,
                    other => {
                        return Err(format!(
                            "unknown logsource field `{other}` (product, category, service)"
                        ));
                    }
                };
                match v.as_scalar() {
                    Some(s) if !v.is_null() => *slot = Some(s.text.clone()),
                    _ => {
                        return Err(format!(
                            "`logsource.{name}` must be a string; found a {}",
                            v.kind_name()
                        ));
                    }
                }
            }
            Some(out)
        }
    };
    Ok(Entry::Event {
        event: to_json(event),
        logsource,
    })
}

/// What a test entry runs in: the pack's pipelines (a pipeline entry names one of them or
/// a shipped one) and the engine configuration.
struct EntryContext<'a> {
    pipelines: &'a [adsigma::Pipeline],
    config: &'a EngineConfig,
    name: &'a RuleName,
}

fn run_entry(
    rule: &Rule,
    compiled: &Compiled,
    kind: Kind,
    node: &Node,
    scratch: &mut Scratch,
    cx: &EntryContext<'_>,
) -> EntryResult {
    let (event, logsource, pipeline) = match read_entry(node) {
        Ok(Entry::Event { event, logsource }) => (event, logsource, None),
        Ok(Entry::Pipeline { name, event }) => {
            let found = cx
                .pipelines
                .iter()
                .find(|p| p.name == name)
                .cloned()
                .or_else(|| adsigma::pipeline::by_name(&name));
            let Some(p) = found else {
                return EntryResult::Failed {
                    message: format!(
                        "no pipeline is named `{name}` (shipped: {}; or a pipeline file in the pack)",
                        adsigma::pipeline::shipped_names()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    event: Some(event),
                };
            };
            (event, None, Some(p))
        }
        Err(message) => {
            return EntryResult::Failed {
                message,
                event: None,
            };
        }
    };
    let through;
    let program = match (&pipeline, compiled) {
        (Some(p), _) => match p.apply(rule) {
            Ok(transformed) => {
                through = compile_one(&transformed, cx.name, cx.config);
                match &through {
                    Ok(program) => program,
                    Err(why) => {
                        return EntryResult::Failed {
                            message: why.clone(),
                            event: Some(event),
                        };
                    }
                }
            }
            Err(diags) => {
                let why: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
                return EntryResult::Failed {
                    message: format!(
                        "the rule does not go through pipeline `{}`: {}",
                        p.name,
                        why.join("; ")
                    ),
                    event: Some(event),
                };
            }
        },
        (None, Ok(p)) => p,
        (None, Err(why)) => {
            return EntryResult::Failed {
                message: why.clone(),
                event: Some(event),
            };
        }
    };
    let derived;
    let seen: &dyn adsigma::Event = match &pipeline {
        Some(p) => {
            derived = p.derive(&event);
            &derived
        }
        None => &event,
    };
    let mut hits = Vec::new();
    program.matching_rules(seen, logsource.as_ref(), scratch, &mut hits);
    let matched = !hits.is_empty();
    let want = kind == Kind::Match;
    if matched == want {
        return EntryResult::Passed;
    }
    let (held, fields) = program.explain(0, seen, scratch);
    let condition = rule
        .detection
        .conditions
        .iter()
        .map(|c| format!("`{}`", c.text.value))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut message = String::new();
    if want {
        message.push_str("expected a match; the rule did not match");
        let rule_ls = program
            .rule(0)
            .map(|r| r.logsource.clone())
            .unwrap_or_default();
        match &logsource {
            Some(ls) if !fits(&rule_ls, ls) => {
                let _ = write!(
                    message,
                    ": the entry's logsource ({}) does not fit the rule's ({}), so the rule is not evaluated",
                    show_logsource(ls),
                    show_logsource(&rule_ls)
                );
                return EntryResult::Failed {
                    message,
                    event: Some(event),
                };
            }
            _ => {
                let _ = write!(message, " (condition {condition})");
                let not_held: Vec<&str> = rule
                    .detection
                    .identifiers
                    .iter()
                    .map(|i| i.name.value.as_str())
                    .filter(|n| !held.iter().any(|h| h == n))
                    .collect();
                let _ = write!(
                    message,
                    "; identifiers that held: {}; that did not: {}",
                    list_or_none(&held),
                    list_or_none(&not_held)
                );
            }
        }
    } else {
        let _ = write!(
            message,
            "expected no match; the rule matched (condition {condition}); identifiers that held: {}",
            list_or_none(&held)
        );
    }
    if !fields.is_empty() {
        let shown: Vec<String> = fields
            .iter()
            .map(|f| {
                let value = serde_json::to_string(&f.value).unwrap_or_default();
                match &f.field {
                    Some(field) => format!("{}: {field} = {value}", f.identifier),
                    None => format!("{}: keyword {value}", f.identifier),
                }
            })
            .collect();
        let _ = write!(message, "; matched values: {}", shown.join(", "));
    }
    EntryResult::Failed {
        message,
        event: Some(event),
    }
}

fn list_or_none(names: &[impl AsRef<str>]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names
            .iter()
            .map(|n| n.as_ref())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn show_logsource(ls: &LogSource) -> String {
    let parts: Vec<String> = [
        ("product", &ls.product),
        ("category", &ls.category),
        ("service", &ls.service),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
    .collect();
    if parts.is_empty() {
        "any".to_owned()
    } else {
        parts.join(",")
    }
}

fn position(sources: &SourceMap, span: Span) -> String {
    format!(
        "{}:{}:{}",
        sources.path(span.file).display(),
        span.start.line,
        span.start.column
    )
}

/// The skipped entries, by reason: `1 filter test (filters are not tested on their own)`.
fn skip_summary(skips: &[Skip]) -> String {
    let mut parts = Vec::new();
    for reason in [SkipReason::Filter] {
        let n = skips.iter().filter(|s| s.reason == reason).count();
        if n == 0 {
            continue;
        }
        let what = match (reason, n) {
            (SkipReason::Filter, 1) => "1 filter test".to_owned(),
            (SkipReason::Filter, n) => format!("{n} filter tests"),
        };
        parts.push(format!("{what} ({})", reason.note()));
    }
    parts.join(", ")
}

fn human(o: &Outcome, sources: &SourceMap) -> String {
    let mut s = String::new();
    for r in &o.rules {
        let status = match (r.passed, r.failed, r.skipped) {
            (_, 1.., _) => "FAILED",
            (0, 0, 1..) => "skip",
            _ => "ok",
        };
        let mut counts = vec![format!("{} passed", r.passed)];
        if r.failed > 0 {
            counts.push(format!("{} failed", r.failed));
        }
        if r.skipped > 0 {
            counts.push(format!("{} skipped", r.skipped));
        }
        let _ = writeln!(
            s,
            "{status:<6} {}: {} ({})",
            r.rule.file,
            r.rule.title,
            counts.join(", ")
        );
    }
    if !o.failures.is_empty() {
        s.push_str("\nfailures:\n");
        for f in &o.failures {
            let _ = writeln!(
                s,
                "\nFAIL tests.{}[{}] of {}\n  --> {}\n  {}",
                f.kind.key(),
                f.index,
                f.rule.describe(),
                position(sources, f.span),
                f.message
            );
            if let Some(e) = &f.event {
                let _ = writeln!(s, "  event: {e}");
            }
        }
    }
    if !o.skips.is_empty() {
        s.push_str("\nskipped:\n\n");
        for k in &o.skips {
            let detail = k
                .detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "SKIP tests.{}[{}] of {} at {}: {}{detail}",
                k.kind.key(),
                k.index,
                k.rule.describe(),
                position(sources, k.span),
                k.reason.note()
            );
        }
    }
    if !s.is_empty() {
        s.push('\n');
    }
    let failed = !o.failures.is_empty() || !o.errors.is_empty();
    let _ = write!(
        s,
        "test result: {}. {} passed, {} failed, {} skipped",
        if failed { "FAILED" } else { "ok" },
        o.passed,
        o.failures.len(),
        o.skips.len()
    );
    if !o.errors.is_empty() {
        let _ = write!(s, ", {} error(s) on standard error", o.errors.len());
    }
    let _ = writeln!(
        s,
        "; {} with tests, {} without, in {}",
        plural(o.rules.len(), "document"),
        o.untested,
        plural(o.files, "file")
    );
    if !o.skips.is_empty() {
        let _ = writeln!(s, "skipped: {}", skip_summary(&o.skips));
    }
    if o.rules.is_empty() && o.errors.is_empty() {
        s.push_str("no rule has `tests`: nothing was tested\n");
    }
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    schema: &'static str,
    passed: usize,
    failed: usize,
    skipped: usize,
    errors: usize,
    failures: Vec<JsonFailure<'a>>,
    skips: Vec<JsonSkip<'a>>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    rule_id: Option<&'a str>,
    title: &'a str,
    file: &'a str,
    kind: Kind,
    index: usize,
    line: u32,
    column: u32,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a Value>,
}

#[derive(Serialize)]
struct JsonSkip<'a> {
    rule_id: Option<&'a str>,
    title: &'a str,
    file: &'a str,
    kind: Kind,
    index: usize,
    line: u32,
    column: u32,
    reason: String,
}

fn json(o: &Outcome) -> String {
    let doc = JsonOutcome {
        schema: "adsigma.tests/1",
        passed: o.passed,
        failed: o.failures.len(),
        skipped: o.skips.len(),
        errors: o.errors.len(),
        failures: o
            .failures
            .iter()
            .map(|f| JsonFailure {
                rule_id: f.rule.id.as_deref(),
                title: &f.rule.title,
                file: &f.rule.file,
                kind: f.kind,
                index: f.index,
                line: f.span.start.line,
                column: f.span.start.column,
                message: &f.message,
                event: f.event.as_ref(),
            })
            .collect(),
        skips: o
            .skips
            .iter()
            .map(|k| JsonSkip {
                rule_id: k.rule.id.as_deref(),
                title: &k.rule.title,
                file: &k.rule.file,
                kind: k.kind,
                index: k.index,
                line: k.span.start.line,
                column: k.span.start.column,
                reason: match &k.detail {
                    Some(d) => format!("{} ({d})", k.reason.note()),
                    None => k.reason.note().to_owned(),
                },
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
