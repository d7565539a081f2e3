//! Every validator, one firing and one non-firing case each (as data), the configuration and
//! inline suppressions, and the corpus counts.

mod config;
mod corpus;
mod validators;

use adsigma_lint::{Doc, Options};
use adsigma_syntax::{Diagnostic, Limits, SourceMap};

/// Checks files (path, text) as one pack.
pub fn check_files(
    files: &[(&str, &str)],
    options: &Options,
) -> (
    SourceMap,
    Vec<Diagnostic>,
    Vec<adsigma_syntax::Document>,
    Vec<adsigma_syntax::FileId>,
) {
    let mut sources = SourceMap::new();
    let mut docs = Vec::new();
    let mut ids = Vec::new();
    let mut parse = Vec::new();
    for (path, text) in files {
        let id = sources.add(*path, (*text).to_owned());
        let parsed = sources.parse(id, &Limits::default());
        parse.extend(parsed.diagnostics);
        for d in parsed.documents {
            docs.push(d);
            ids.push(id);
        }
    }
    let refs: Vec<Doc<'_>> = docs
        .iter()
        .zip(&ids)
        .map(|(d, f)| Doc {
            file: *f,
            document: d,
        })
        .collect();
    let diags = adsigma_lint::check(&sources, &refs, &parse, options);
    drop(refs);
    (sources, diags, docs, ids)
}
