//! `adsigma import REPORT.md [-o FILE]`: an ADS Markdown report -> a rule skeleton in YAML.

use crate::common::{diagnostic_line, write_stdout};
use adsigma::Severity;
use adsigma_ads::{check_ads, import_markdown, skeleton_yaml};
use clap::Args;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// The largest report read (a report is a few pages of Markdown).
const MAX_REPORT_BYTES: u64 = 16 << 20;

/// Arguments of `import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The ADS report (Markdown); `-` for standard input.
    #[arg(value_name = "REPORT.md")]
    report: PathBuf,
    /// Write the skeleton to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `import`. Import findings, then the ATT&CK findings of the report's categorization,
/// go to standard error as `FILE:LINE:COL: severity[CODE]: message` (`FILE: ...` for those
/// without a position), each hint on an indented line after it. Exit 0 the skeleton was written; 1 the report has no ADS section (nothing is
/// written) or the output cannot be written; 2 the report cannot be read.
pub fn run(args: &ImportArgs) -> ExitCode {
    let name = args.report.display().to_string();
    let text = match read_report(&args.report) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            return ExitCode::from(2);
        }
    };
    let (ads, mut diagnostics) = import_markdown(&text);
    diagnostics.sort_by_key(|d| d.span().start.line);
    // The report's ATT&CK categorization, checked as `check` checks a rule's tags (no
    // positions: the model does not keep them).
    diagnostics.extend(check_ads(&ads));
    for d in &diagnostics {
        eprintln!("{}", diagnostic_line(&name, d));
        if let Some(h) = &d.hint {
            eprintln!("  hint: {h}");
        }
    }
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return ExitCode::from(1);
    }
    let yaml = skeleton_yaml(&ads);
    match &args.output {
        Some(path) => match std::fs::write(path, &yaml) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(1)
            }
        },
        None => match write_stdout(&yaml) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
    }
}

fn read_report(path: &PathBuf) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_REPORT_BYTES + 1)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(MAX_REPORT_BYTES + 1)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_REPORT_BYTES >> 20
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8"))
}
