//! `adsigma check PATH...`: every layer's diagnostics. Loading gives the YAML, structure,
//! condition and modifier findings (`Y`, `S`, `C`, `M`, `L`); then each rule's ATT&CK tags
//! and ADS block are checked (`A`, `D`, [`adsigma_ads::check_rule`]) and the pack is compiled
//! (`E`: regexes that do not compile, unresolved placeholders, oversized expansions).

use crate::render::{self, Format};
use adsigma::engine::RuleInput;
use adsigma::{Diagnostic, Document, Limits, RulePack, Severity};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
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
}

/// What `--deny` turns into failures.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Deny {
    /// Warnings fail the check.
    Warnings,
}

/// Runs `check`.
pub fn run(args: &CheckArgs) -> ExitCode {
    let started = Instant::now();
    let limits = Limits::default();
    let pack = match RulePack::load_with(&args.paths, &limits) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let more = layer_diagnostics(&pack, &args.placeholders);
    let report = render::Report::new(&pack, more, started.elapsed());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let color = args.color.enabled();
    let written = match args.format {
        Format::Human => render::human(&mut out, &report, color),
        Format::Json => render::json(&mut out, &report),
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

/// The ATT&CK and ADS findings of every rule, and the compilation findings of the pack, each
/// with its own severity.
fn layer_diagnostics(pack: &RulePack, placeholders: &[(String, String)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut inputs = Vec::new();
    for d in pack.documents() {
        if let Document::Rule(rule) = &d.document {
            out.extend(adsigma_ads::check_rule(rule).into_iter().map(|mut diag| {
                // A finding about the rule as a whole (no position of its own) points at
                // the start of the rule.
                if diag.primary.span.start.line == 0 {
                    diag.primary.span = rule.span.shrink_to_start();
                }
                diag
            }));
            inputs.push(RuleInput {
                rule,
                file: Some(pack.sources().path(d.file).display().to_string()),
            });
        }
    }
    let config = crate::common::engine_config(placeholders);
    let (_, compile) = adsigma::engine::compile(inputs, &config);
    out.extend(compile);
    // The documents of a rule collection share the global part: one finding there, once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|d| seen.insert((d.code.code, d.span(), d.message.clone())));
    out
}
