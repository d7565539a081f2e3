//! The `adsigma` command line. Contracts (output shapes, exit codes) are in CLI.md.

#![forbid(unsafe_code)]

mod check;
mod render;
mod scan;

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
    /// Check rule files and directories: syntax, Sigma structure, conditions, modifiers.
    Check(check::CheckArgs),
    /// Evaluate events (JSON Lines, arrays, documents; .gz, .zst) against rules; one line per
    /// match.
    Scan(Box<scan::ScanArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Scan(args) => scan::run(&args),
    }
}
