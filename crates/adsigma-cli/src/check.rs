//! `adsigma check PATH...`: every layer's diagnostics. Loading gives the YAML, structure,
//! condition and modifier findings; `adsigma_lint::check` adds pySigma's validators, SigmaHQ
//! conventions, the ATT&CK and ADS checks, compilation and engine-level checks; an
//! `adsigma.toml` (found beside the checked paths, or `--config`) sets severities and allows
//! codes, and `# adsigma: allow CODE reason` comments suppress findings in their rule.

use crate::render::{self, Format};
use adsigma::{Limits, RulePack, Severity};
use adsigma_lint::{Config, Doc, Options, Taxonomy};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Rule files or directories (searched recursively for .yml and .yaml).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat these findings as failures too.
    #[arg(long, value_enum)]
    deny: Vec<Deny>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = render::ColorChoice::Auto)]
    color: render::ColorChoice,
    /// A value for an `expand` placeholder (`%NAME%`); repeatable, values add up. A rule whose
    /// placeholder has no value gets an E102 warning (it would be skipped by `scan`).
    #[arg(long = "placeholder", value_name = "NAME=VALUE", value_parser = crate::common::parse_placeholder)]
    placeholders: Vec<(String, String)>,
    /// The configuration (default: `adsigma.toml` in the first checked directory, or beside
    /// the first checked file, when there is one).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A processing pipeline, by shipped name or file; repeatable: each rule it applies to is
    /// run through it, and fields it cannot map (P203) and rules it refuses (P201, P202) are
    /// reported.
    #[arg(long, value_name = "NAME|FILE")]
    pipeline: Vec<String>,
    /// Field lists per logsource in SigmaHQ's `logsource.json` format; turns on
    /// `taxonomy_unknown_field` (S220). Overrides the configuration's `taxonomy`.
    #[arg(long, value_name = "FILE")]
    taxonomy: Option<PathBuf>,
}

/// What `--deny` turns into failures.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Deny {
    /// Warnings fail the check.
    Warnings,
}

/// The configuration file to use: `--config`, else `adsigma.toml` at the first path that
/// has one (a directory's own, a file's directory's).
fn config_path(args: &CheckArgs) -> Option<PathBuf> {
    if let Some(c) = &args.config {
        return Some(c.clone());
    }
    args.paths.iter().find_map(|p| {
        let dir = if p.is_dir() { p.as_path() } else { p.parent()? };
        let c = dir.join("adsigma.toml");
        c.is_file().then_some(c)
    })
}

fn load_taxonomy(path: &Path) -> Result<Taxonomy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    Taxonomy::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `check`.
pub fn run(args: &CheckArgs) -> ExitCode {
    let started = Instant::now();
    let config = match config_path(args) {
        Some(p) => match Config::load(&p) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => Config::default(),
    };
    let taxonomy = match args.taxonomy.as_deref().or(config.taxonomy()) {
        Some(p) => match load_taxonomy(p) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let limits = Limits::default();
    let pack = match RulePack::load_with(&args.paths, &limits) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let docs: Vec<Doc<'_>> = pack
        .documents()
        .iter()
        .map(|d| Doc {
            file: d.file,
            document: &d.document,
        })
        .collect();
    let options = Options {
        taxonomy,
        engine: crate::common::engine_config(&args.placeholders),
    };
    let pipelines = match crate::common::load_pipelines(&args.pipeline) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut diags = adsigma_lint::check(pack.sources(), &docs, pack.diagnostics(), &options);
    for p in &pipelines {
        for d in pack.documents() {
            if let adsigma::Document::Rule(rule) = &d.document {
                if !p.is_relevant(rule) {
                    continue;
                }
                diags.extend(p.check(rule));
                if let Err(errors) = p.apply(rule) {
                    diags.extend(errors);
                }
            }
        }
    }
    if !pipelines.is_empty() {
        for d in &mut diags {
            if d.hint.is_none() {
                d.hint = adsigma_lint::codes::lookup(d.code.code).map(|e| e.hint.to_owned());
            }
        }
        diags.sort_by_key(|d| {
            let s = d.span();
            (s.file, s.start.offset, s.end.offset)
        });
    }
    let diags = config.apply(pack.sources(), &docs, diags);
    let report = render::Report::new(&pack, diags, started.elapsed());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let color = args.color.enabled();
    let written = match args.format {
        Format::Human => render::human(&mut out, &report, color),
        Format::Json => render::json(&mut out, &report),
        Format::Sarif => crate::sarif::sarif(&mut out, &report),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {e}");
            return ExitCode::from(1);
        }
    }
    let deny_warnings = args.deny.contains(&Deny::Warnings);
    let failed =
        report.count(Severity::Error) > 0 || (deny_warnings && report.count(Severity::Warning) > 0);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
