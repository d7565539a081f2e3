//! `adsigma check PATH...`

use crate::render::{self, Format};
use adsigma::{Limits, RulePack, Severity};
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
    let report = render::Report::new(&pack, started.elapsed());
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
