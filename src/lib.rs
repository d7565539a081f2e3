//! adsigma: Sigma rules that carry their Alerting & Detection Strategy, for container
//! telemetry.
//!
//! This facade crate is the one dependency embedders add: load a rule pack (files,
//! directories, strings) with every problem reported as a [`Diagnostic`], compile it once
//! into an [`Engine`], and evaluate events (any [`Event`]: `serde_json::Value` or your own
//! type) against every rule at once.
//!
//! ```
//! let pack = adsigma::RulePack::from_yaml_str(r#"
//! title: Interactive shell in a container
//! logsource: {product: linux, category: process_creation}
//! detection:
//!   shells:
//!     Image|endswith: [/bash, /sh]
//!   condition: shells
//! "#);
//! assert!(!pack.has_errors());
//! let engine = adsigma::Engine::new(&pack).unwrap();
//! let event = serde_json::json!({"Image": "/usr/bin/bash", "CommandLine": "bash -i"});
//! let matches = engine.evaluate(&event);
//! assert_eq!(matches[0].title(), "Interactive shell in a container");
//! assert_eq!(matches[0].matched()[0].value, "/usr/bin/bash");
//! ```
//!
//! # Untrusted input
//!
//! Rule packs come from the internet and events from attackers, so adsigma treats both as
//! untrusted, the way the `regex` crate treats patterns and haystacks: **no rule file and no
//! event makes loading, compiling or evaluating panic, hang, or use memory without bound.**
//! Every bound is a limit with a documented default that you can change, and hitting one is
//! reported as an error that names the limit (a [`Diagnostic`] with a stable code, whose
//! message ends with the limit's name), never as a crash. A problem in one file or rule does
//! not stop the others: the rest of the pack still loads, and with
//! [`EngineBuilder::skip_invalid_rules`] a rule that does not compile is skipped with a
//! warning. Matching never backtracks: regexes run in time linear in the event (the `regex`
//! crate; look-around and back-references are refused with `E101`), and literal patterns
//! are searched with a verification budget linear in the text, past which an Aho-Corasick
//! automaton (linear in the text plus the matches) takes over. Any panic, hang or runaway allocation is a bug; the fuzz
//! targets in `fuzz/` look for them on every CI run.
//!
//! | limit | default | set with | reported as |
//! |---|---|---|---|
//! | rule file size | 8 MiB | [`Limits::max_file_size`] | `Y102 file_too_large` (checked before reading) |
//! | YAML nesting | 64 levels | [`Limits::max_yaml_depth`] | `Y103 yaml_too_deep` |
//! | YAML alias expansion (billion laughs) | 10,000 nodes per document | [`Limits::max_alias_nodes`] | `Y104 alias_expansion_limit` |
//! | YAML nodes in a file | 1,000,000 | [`Limits::max_yaml_nodes`] | `Y109 too_many_nodes` |
//! | condition nesting (parentheses, `not`) | 64 levels | [`Limits::max_condition_depth`] | `C104 condition_too_deep` |
//! | search identifiers in a detection | 1,000 | [`Limits::max_identifiers`] | `S123 too_many_items` |
//! | values in a detection | 100,000 | [`Limits::max_values`] | `S123 too_many_items` |
//! | compiled size of one regex | 10 MiB | [`EngineConfig::regex_size_limit`] | `E101 invalid_regex` |
//! | alternatives of one value (`windash`, `base64offset`, `expand` placeholders) | 4,096 | [`EngineConfig::max_expansion`] | `E103 expansion_too_large` |
//! | event nesting | 128 levels | [`engine::event::MAX_EVENT_DEPTH`] (fixed) | not an error: deeper parts of a `serde_json::Value` are not looked at; JSON text nested deeper is refused by the parser ([`engine::json::JsonEvent::parse`], serde_json's "recursion limit exceeded") |
//! | line or event length in `adsigma scan` | 16 MiB | `--max-line-bytes` | `FILE:LINE: error:` for that event, which is skipped without being held in memory; the rest of the input is still read |
//! | pipeline files | the rule file limits above | [`Limits`] | the same `Y1xx` codes |
//! | alternatives a pipeline's one-to-many mappings make of one detection map | 256 | [`pipeline::apply::MAX_ALTERNATIVES`] (fixed) | `P204 pipeline_expansion_too_large` |
//! | correlation groups per correlation | 100,000 | [`CorrelatorConfig::max_groups`] | not an error: the group whose window ends first is evicted, counted in [`correlation::Stats`] |
//! | events kept per correlation group | 10,000 | [`CorrelatorConfig::max_events_per_group`] | not an error: the group's oldest event is evicted, counted |
//! | events waiting for the allowed lateness | 1,000,000 | [`CorrelatorConfig::max_pending`] | not an error: the oldest is released early, counted |
//! | events listed in one correlation match | 1,000 | [`CorrelatorConfig::max_match_events`] | not an error: the rest are counted in [`CorrelationMatch::events_total`] |
//!
//! The [`Limits`] go to [`RulePack::load_with`] (or [`syntax::parse_str`]); the
//! [`EngineConfig`] to [`Engine::builder`]`().config(..)`. Events have no size limit of
//! their own: evaluation takes time and memory linear in the event (an event of 100,000
//! fields or a 10 MB string evaluates normally), so bound what you read before parsing it,
//! as `scan` does. Event times in correlations are read as numbers or RFC 3339 / ISO 8601 text;
//! an event without a usable time, or later than the allowed lateness, is reported
//! ([`Skipped`]) and counted, never a crash.
//!
//! # Crate features
//!
//! None yet: every capability is always built.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use adsigma_correlation as correlation;
pub use adsigma_correlation::{CorrelationMatch, CorrelatorConfig, Skipped};
pub use adsigma_engine as engine;
pub use adsigma_engine::{
    EngineConfig, Event, EventValue, LogSource, MatchedField, RuleInfo, Scratch,
    UnresolvedPlaceholders,
};
pub use adsigma_pipeline as pipeline;
pub use adsigma_pipeline::{Pipeline, PipelineSet};
pub use adsigma_syntax as syntax;
pub use adsigma_syntax::{
    Diagnostic, Document, FileId, Level, Limits, Severity, SourceMap, Span, Status, codes,
};

mod correlate;
mod engine_api;
pub use correlate::{Correlator, Step};
pub use engine_api::{Engine, EngineBuilder, Match};

use std::path::{Path, PathBuf};

/// Errors that stop a pack from loading at all (problems inside files are diagnostics).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given to load could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The pack has errors, or rules failed to compile; the diagnostics say which.
    #[error("{} rule error(s); the first: {}", .diagnostics.len(), .diagnostics.first().map(|d| d.message.as_str()).unwrap_or(""))]
    Rules {
        /// The errors.
        diagnostics: Vec<Diagnostic>,
    },
}

/// A document of a pack and the file it came from.
#[derive(Clone, Debug)]
pub struct LoadedDocument {
    /// The file.
    pub file: FileId,
    /// The document.
    pub document: Document,
}

/// Loaded rule documents (rules, correlations, filters) with their sources and diagnostics.
#[derive(Clone, Debug, Default)]
pub struct RulePack {
    sources: SourceMap,
    documents: Vec<LoadedDocument>,
    pipelines: Vec<Pipeline>,
    diagnostics: Vec<Diagnostic>,
    limits: Limits,
}

/// Directories deeper than this are not descended into (guards symlink loops).
const MAX_DIR_DEPTH: usize = 64;

impl RulePack {
    /// Loads a file or a directory (recursively, `.yml` and `.yaml` files in path order)
    /// with default limits.
    ///
    /// ```
    /// let pack = adsigma::RulePack::load("rules").unwrap();
    /// assert!(!pack.has_errors());
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<RulePack, Error> {
        Self::load_with(&[path.as_ref()], &Limits::default())
    }

    /// Loads several files or directories with the given limits.
    pub fn load_with(paths: &[impl AsRef<Path>], limits: &Limits) -> Result<RulePack, Error> {
        Self::load_parallel(paths, limits, 1)
    }

    /// [`RulePack::load_with`] with `threads` threads reading and parsing the files: the
    /// same pack (files, ids, documents and diagnostics in the same order), sooner.
    ///
    /// ```
    /// use adsigma::{Limits, RulePack};
    /// let one = RulePack::load_with(&["rules"], &Limits::default()).unwrap();
    /// let two = RulePack::load_parallel(&["rules"], &Limits::default(), 2).unwrap();
    /// assert_eq!(one.documents().len(), two.documents().len());
    /// ```
    pub fn load_parallel(
        paths: &[impl AsRef<Path>],
        limits: &Limits,
        threads: usize,
    ) -> Result<RulePack, Error> {
        let mut files = Vec::new();
        for p in paths {
            let p = p.as_ref();
            let meta = std::fs::metadata(p).map_err(|source| Error::Io {
                path: p.to_owned(),
                source,
            })?;
            if meta.is_dir() {
                collect_yaml(p, 0, &mut files).map_err(|source| Error::Io {
                    path: p.to_owned(),
                    source,
                })?;
            } else {
                files.push(p.to_owned());
            }
        }
        let mut pack = RulePack {
            limits: limits.clone(),
            ..RulePack::default()
        };
        // Most files hold one document: no doubling (and copying) of a vector of big
        // documents as they arrive.
        pack.documents.reserve_exact(files.len());
        let threads = threads.clamp(1, files.len().max(1));
        if threads == 1 {
            for f in files {
                pack.add_file(&f);
            }
            return Ok(pack);
        }
        // Each file's id is its position: workers take the next file in turn, and the
        // results join the pack in file order.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut loaded: Vec<(usize, Loaded)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(path) = files.get(k) else { break };
                            out.push((k, Loaded::read(path, FileId(k as u32), limits)));
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        loaded.sort_unstable_by_key(|(k, _)| *k);
        for (_, l) in loaded {
            pack.absorb(l);
        }
        Ok(pack)
    }

    /// Parses rule documents from a string (a file named `<string>`).
    pub fn from_yaml_str(text: &str) -> RulePack {
        let mut pack = RulePack::default();
        pack.add_text("<string>", text.to_owned());
        pack
    }

    /// Reads and parses one more file into the pack.
    pub fn add_file(&mut self, path: &Path) {
        let id = FileId(self.sources.len() as u32);
        self.absorb(Loaded::read(path, id, &self.limits));
    }

    /// Parses one more text into the pack under the given name. A processing pipeline
    /// (a file with `transformations` and no `detection`, like those of `rules/pipelines/`)
    /// found among the rules is loaded as one: see [`RulePack::pipelines`].
    pub fn add_text(&mut self, name: impl Into<PathBuf>, text: String) {
        let id = FileId(self.sources.len() as u32);
        self.absorb(Loaded::parse(name.into(), text, id, &self.limits));
    }

    /// Adds a file read and parsed as the next one (its id is the next id).
    fn absorb(&mut self, loaded: Loaded) {
        match loaded {
            Loaded::Unreadable(file, d) => {
                self.sources.push(file);
                self.diagnostics.push(*d);
            }
            Loaded::Pipeline(file, parsed) => {
                self.sources.push(file);
                match parsed {
                    Ok(p) => self.pipelines.push(p),
                    Err(diags) => self.diagnostics.extend(diags),
                }
            }
            Loaded::Rules(file, parsed) => {
                let id = self.sources.push(file);
                self.diagnostics.extend(parsed.diagnostics);
                self.documents.extend(
                    parsed
                        .documents
                        .into_iter()
                        .map(|document| LoadedDocument { file: id, document }),
                );
            }
        }
    }

    /// The documents that loaded without error.
    pub fn documents(&self) -> &[LoadedDocument] {
        &self.documents
    }

    /// The processing pipelines found among the pack's files, in load order.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// Every problem found, by file in load order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The source files.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The error diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

use adsigma_syntax::SourceFile;

/// One file read and parsed, ready to join a pack under the id it was parsed with.
enum Loaded {
    /// It could not be read (an empty source keeps the ids in step).
    Unreadable(SourceFile, Box<Diagnostic>),
    /// A processing pipeline (a file with `transformations` and no `detection`).
    Pipeline(SourceFile, Result<Pipeline, Vec<Diagnostic>>),
    /// Rule documents.
    Rules(SourceFile, adsigma_syntax::ParsedFile),
}

impl Loaded {
    fn read(path: &Path, id: FileId, limits: &Limits) -> Loaded {
        match adsigma_syntax::read_source(path, id, limits) {
            Ok(text) => Loaded::parse(path.to_owned(), text, id, limits),
            Err(d) => Loaded::Unreadable(SourceFile::new(path, String::new()), d),
        }
    }

    fn parse(name: PathBuf, text: String, id: FileId, limits: &Limits) -> Loaded {
        if is_pipeline(&text) {
            let source = name.display().to_string();
            let parsed = Pipeline::parse(&source, id, &text);
            return Loaded::Pipeline(SourceFile::new(name, text), parsed);
        }
        let parsed = adsigma_syntax::parse_str(&text, id, limits);
        Loaded::Rules(SourceFile::new(name, text), parsed)
    }
}

/// Whether a file's text is a processing pipeline rather than rules: a top-level
/// `transformations:` key and no top-level `detection:`, `correlation:` or `filter:`.
fn is_pipeline(text: &str) -> bool {
    // `key:` at the start of a line; found by a substring search, not line by line (most
    // rule files have no `transformations:` at all).
    let b = text.as_bytes();
    let top = |key: &str| {
        memchr::memmem::find_iter(b, key.as_bytes())
            .any(|at| (at == 0 || b[at - 1] == b'\n') && b.get(at + key.len()) == Some(&b':'))
    };
    top("transformations") && !top("detection") && !top("correlation") && !top("filter")
}

/// Converts a YAML node (e.g. a rule's `tests.match` event) to JSON with the YAML 1.2 core
/// schema: plain `null`/`true`/numbers are typed, quoted scalars are strings. Non-finite
/// numbers (`.inf`, `.nan`), which JSON cannot hold, become strings as written.
///
/// ```
/// let pack = adsigma::RulePack::from_yaml_str("title: t\nlogsource: {product: linux}\ndetection: {sel: {a: 1}, condition: sel}\ntests: {match: [{a: 1, b: '2', c: null}]}\n");
/// let tests = pack.documents()[0].document.meta().custom("tests").unwrap();
/// let event = adsigma::yaml_to_json(&tests.get("match").unwrap().as_seq().unwrap()[0]);
/// assert_eq!(event, serde_json::json!({"a": 1, "b": "2", "c": null}));
/// ```
pub fn yaml_to_json(node: &syntax::yaml::Node) -> serde_json::Value {
    syntax::yaml::to_json(node)
}

fn collect_yaml(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if depth > MAX_DIR_DEPTH {
        return Ok(());
    }
    // Each entry's name once (`file_name` allocates), then sorted by it.
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| (e.file_name(), e)))
        .collect::<Result<_, _>>()?;
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, e) in entries {
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = e.path();
        let ft = e.file_type()?;
        let is_dir = ft.is_dir() || (ft.is_symlink() && path.is_dir());
        if is_dir {
            collect_yaml(&path, depth + 1, out)?;
        } else if matches!(
            path.extension().and_then(|x| x.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod testoibits {
    use super::*;
    fn assert_all<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    #[test]
    fn auto_traits() {
        assert_all::<RulePack>();
        assert_all::<Diagnostic>();
        // Like std::io::Error, which it wraps: Send + Sync, not UnwindSafe.
        assert_send_sync::<Error>();
    }
}

#[cfg(test)]
mod tests {
    use super::is_pipeline;

    #[test]
    fn a_pipeline_is_told_by_its_top_level_keys() {
        let pipeline = "name: p\ntransformations:\n  - type: field_name_mapping\n";
        assert!(is_pipeline(pipeline));
        assert!(is_pipeline("transformations:\r\n- x\r\n"));
        for text in [
            "title: t\ndetection:\n  sel: {a: 1}\ntransformations: []\n",
            "name: p\n  transformations:\n",
            "name: p\nmy_transformations:\n",
            "name: p\ntransformations:\ncorrelation:\n",
            "name: p\ntransformations:\nfilter:\n",
            "",
        ] {
            assert!(!is_pipeline(text), "{text:?}");
        }
    }
}
