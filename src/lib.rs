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
//! Rule files are untrusted input. Loading never panics, hangs or grows without bound: file
//! size, YAML depth, alias expansion, node count, condition nesting and the number of
//! identifiers and values are bounded by [`Limits`] (see its fields for the defaults), and a
//! file over a bound is reported as an error diagnostic naming the limit while the rest of
//! the pack still loads.
//!
//! # Crate features
//!
//! None yet: every capability is always built.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use adsigma_engine as engine;
pub use adsigma_engine::{
    EngineConfig, Event, EventValue, LogSource, MatchedField, RuleInfo, Scratch,
    UnresolvedPlaceholders,
};
pub use adsigma_syntax as syntax;
pub use adsigma_syntax::{
    Diagnostic, Document, FileId, Level, Limits, Severity, SourceMap, Span, Status, codes,
};

mod engine_api;
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
        for f in files {
            pack.add_file(&f);
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
        match adsigma_syntax::read_source(path, id, &self.limits) {
            Ok(text) => self.add_text(path, text),
            Err(d) => {
                self.sources.add(path, String::new());
                self.diagnostics.push(*d);
            }
        }
    }

    /// Parses one more text into the pack under the given name.
    pub fn add_text(&mut self, name: impl Into<PathBuf>, text: String) {
        let id = self.sources.add(name, text);
        let parsed = self.sources.parse(id, &self.limits);
        self.diagnostics.extend(parsed.diagnostics);
        self.documents.extend(
            parsed
                .documents
                .into_iter()
                .map(|document| LoadedDocument { file: id, document }),
        );
    }

    /// The documents that loaded without error.
    pub fn documents(&self) -> &[LoadedDocument] {
        &self.documents
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
    use serde_json::Value as J;
    use syntax::yaml::{NodeKind, Resolved};
    match &node.kind {
        NodeKind::Scalar(s) => match s.resolve() {
            Resolved::Null => J::Null,
            Resolved::Bool(b) => J::Bool(b),
            Resolved::Int(i) => J::from(i),
            Resolved::Float(f) => serde_json::Number::from_f64(f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(s.text.clone())),
            Resolved::Str(t) => J::String(t.to_owned()),
        },
        NodeKind::Seq(items) => J::Array(items.iter().map(yaml_to_json).collect()),
        NodeKind::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    // A non-scalar key (which the loader reports) becomes its JSON text.
                    let key = match k.as_scalar() {
                        Some(s) => s.text.clone(),
                        None => yaml_to_json(k).to_string(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
    }
}

fn collect_yaml(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if depth > MAX_DIR_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
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
