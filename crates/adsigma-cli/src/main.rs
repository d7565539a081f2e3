//! The `adsigma` command line. Contracts (output shapes, exit codes) are in CLI.md.

#![forbid(unsafe_code)]

mod check;
mod common;
mod coverage;
mod import;
mod render;
mod report;
mod sarif;
mod scan;
mod schema;
mod selftest;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Sigma rules with Alerting & Detection Strategies, for container telemetry.
#[derive(Parser)]
#[command(name = "adsigma", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check rule files and directories: syntax, Sigma structure, conditions, modifiers,
    /// ATT&CK tags, ADS sections, compilation.
    Check(check::CheckArgs),
    /// Evaluate events (JSON Lines, arrays, documents; .gz, .zst) against rules; one line per
    /// match.
    Scan(Box<scan::ScanArgs>),
    /// Run every rule's self-tests: `tests.match` events must match, `tests.no_match` events
    /// must not.
    Test(selftest::TestArgs),
    /// Render a rule's Alerting & Detection Strategy as a Markdown report or JSON.
    Report(report::ReportArgs),
    /// Turn an ADS Markdown report into a rule skeleton (YAML with the `ads:` block).
    Import(import::ImportArgs),
    /// The ATT&CK techniques a pack covers: a table or an ATT&CK Navigator layer.
    Coverage(coverage::CoverageArgs),
    /// List the shipped processing pipelines: `NAME<TAB>description`.
    Pipelines,
    /// Print the JSON Schema of the rule format (Sigma plus `ads:` and `tests:`), for editors.
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Test(args) => selftest::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Coverage(args) => coverage::run(&args),
        Command::Pipelines => pipelines(),
        Command::Schema => schema::run(),
    }
}

/// `adsigma pipelines`: one line per shipped pipeline.
fn pipelines() -> ExitCode {
    let mut text = String::new();
    for p in adsigma::pipeline::shipped() {
        text.push_str(&p.name);
        text.push('\t');
        text.push_str(p.description.as_deref().unwrap_or(""));
        text.push('\n');
    }
    match common::write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
