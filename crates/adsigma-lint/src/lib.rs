//! Validators over whole Sigma rule packs with ADS, returning diagnostics as data.
//!
//! [`check`] runs every validator over a pack's documents: pySigma's 31 validators with
//! pySigma's names and meaning, SigmaHQ conventions, the ATT&CK and ADS checks of
//! `adsigma-ads`, the engine's compile diagnostics and engine-level checks (conditions that
//! can never or always match, identifiers `them` skips, filters without `not`, regexes beyond
//! the specification's subset, duplicate detections). [`Config`] (an `adsigma.toml`) then sets
//! severities and allows codes per pack, per path glob and per rule id, and applies inline
//! `# adsigma: allow CODE reason` comments; a comment that suppresses nothing is reported.
//!
//! Every code is in one table, [`codes::REGISTRY`], with its default severity, what it finds
//! and how to fix it; `docs/validators.md` is that table rendered
//! ([`codes::markdown_table`]).
//!
//! ```
//! use adsigma_syntax::{Document, Limits, SourceMap};
//! let mut sources = SourceMap::new();
//! let file = sources.add("proc_creation_lnx_shell.yml", "title: Shell\nid: 0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image: '*/ba\\*sh'\n  condition: sel and not sel\n".to_owned());
//! let parsed = sources.parse(file, &Limits::default());
//! let docs: Vec<_> = parsed.documents.iter().map(|d| adsigma_lint::Doc { file, document: d }).collect();
//! let diags = adsigma_lint::check(&sources, &docs, &parsed.diagnostics, &adsigma_lint::Options::default());
//! let names: Vec<&str> = diags.iter().map(|d| d.code.name).collect();
//! assert!(names.contains(&"condition_never_matches"));
//! assert!(names.contains(&"escaped_wildcard"));
//! assert!(names.contains(&"wildcards_instead_of_modifiers"));
//! ```
//!
//! # Untrusted input
//!
//! Rules and configuration files are untrusted. Validators only read the spanned AST the
//! syntax crate built within its limits; the condition truth table is tried only for
//! detections of at most 12 identifiers; configuration and taxonomy errors are values with
//! positions, never panics.
//!
//! # Crate features
//!
//! None: every capability is always built.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codes;
mod config;
mod conventions;
mod logic;
mod pysigma;
mod taxonomy;
mod walk;

pub use config::{Config, ConfigError, Suppression};
pub use taxonomy::{Taxonomy, TaxonomyError};

use adsigma_engine::{EngineConfig, RuleInput};
use adsigma_syntax::{Diagnostic, Document, FileId, SourceMap};
use std::path::Path;

/// A document of the pack and the file it is in.
#[derive(Clone, Copy, Debug)]
pub struct Doc<'a> {
    /// The file.
    pub file: FileId,
    /// The document.
    pub document: &'a Document,
}

/// What the validators need beyond the pack.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Field lists per logsource; `taxonomy_unknown_field` runs only with one.
    pub taxonomy: Option<Taxonomy>,
    /// The engine configuration rules are compiled with (placeholders, limits).
    pub engine: EngineConfig,
}

/// What validators read about the pack.
pub(crate) struct Ctx<'a> {
    sources: &'a SourceMap,
}

impl Ctx<'_> {
    fn path(&self, f: FileId) -> &Path {
        self.sources.path(f)
    }

    /// The file name, when the file has one (not for `<string>` texts).
    fn file_name(&self, f: FileId) -> Option<&str> {
        let p = self.sources.path(f);
        if p.as_os_str().is_empty() || p.as_os_str() == "<string>" {
            return None;
        }
        p.file_name().and_then(|n| n.to_str())
    }
}

/// Runs every validator over the documents and returns their diagnostics together with
/// `parse` (the diagnostics of loading the pack), each with its rule id and a fix hint, in
/// file and position order. Severities are the codes' defaults; apply a [`Config`] next.
pub fn check(
    sources: &SourceMap,
    docs: &[Doc<'_>],
    parse: &[Diagnostic],
    options: &Options,
) -> Vec<Diagnostic> {
    let cx = Ctx { sources };
    let mut out: Vec<Diagnostic> = parse.to_vec();
    let mut inputs = Vec::new();
    for d in docs {
        if let Document::Rule(rule) = d.document {
            out.extend(adsigma_ads::check_rule(rule).into_iter().map(|mut diag| {
                if diag.primary.span.start.line == 0 {
                    diag.primary.span = rule.span.shrink_to_start();
                }
                diag
            }));
            inputs.push(RuleInput {
                rule,
                file: Some(sources.path(d.file).display().to_string()),
            });
        }
        pysigma::document(&cx, d, &mut out);
        conventions::document(&cx, d, &mut out);
        logic::document(&cx, d, &mut out);
        if let Some(t) = &options.taxonomy {
            taxonomy::document(t, d, &mut out);
        }
    }
    let (_, compile) = adsigma_engine::compile(inputs, &options.engine);
    out.extend(compile);
    pysigma::pack(&cx, docs, &mut out);
    logic::duplicates(&cx, docs, &mut out);
    // The documents of a rule collection share the global part: one finding there, once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|d| seen.insert((d.code.code, d.span(), d.message.clone())));
    attribute(docs, &mut out);
    for d in &mut out {
        if d.hint.is_none() {
            d.hint = codes::lookup(d.code.code).map(|e| e.hint.to_owned());
        }
    }
    out.sort_by_key(|d| {
        let s = d.span();
        (s.file, s.start.offset, s.end.offset)
    });
    out
}

/// The index of the document a byte offset of a file belongs to: the one whose span holds
/// it, else the next one after it (a comment before a document belongs to it).
pub(crate) fn doc_at(docs: &[Doc<'_>], file: FileId, offset: usize) -> Option<usize> {
    let mut next: Option<(usize, usize)> = None;
    for (i, d) in docs.iter().enumerate() {
        if d.file != file {
            continue;
        }
        let r = d.document.span().range();
        if r.contains(&offset) || (r.is_empty() && r.start == offset) {
            return Some(i);
        }
        if r.start > offset && next.is_none_or(|(_, s)| r.start < s) {
            next = Some((i, r.start));
        }
    }
    next.map(|(i, _)| i)
}

/// Sets the rule id of diagnostics that have none from the document they point into.
fn attribute(docs: &[Doc<'_>], diags: &mut [Diagnostic]) {
    for d in diags {
        if d.rule_id.is_some() {
            continue;
        }
        let s = d.span();
        if let Some(i) = doc_at(docs, s.file, s.start.offset as usize) {
            d.rule_id = docs[i]
                .document
                .meta()
                .id
                .as_ref()
                .map(|id| id.value.clone());
        }
    }
}
