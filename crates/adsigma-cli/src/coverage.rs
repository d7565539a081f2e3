//! `adsigma coverage PATH... [--format table|navigator]`: the ATT&CK techniques a pack covers.

use crate::common::{pack_diagnostic_line, write_stdout};
use adsigma::{Document, Limits, RulePack};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `coverage`.
#[derive(Args)]
pub struct CoverageArgs {
    /// Rule files or directories (recursively, .yml and .yaml).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Table)]
    format: CoverageFormat,
    /// The Navigator layer's name [default: the first path's last component].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

/// Formats of `coverage`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CoverageFormat {
    /// A plain-text table, one technique a line, and a summary.
    Table,
    /// An ATT&CK Navigator layer (JSON), the number of rules as each technique's score.
    Navigator,
}

/// Runs `coverage`. Rules that do not load are reported on standard error and left out.
/// Exit 0 written; 1 the output cannot be written; 2 bad usage (a path that cannot be read).
pub fn run(args: &CoverageArgs) -> ExitCode {
    let pack = match RulePack::load_with(&args.paths, &Limits::default()) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let errors: Vec<_> = pack.errors().collect();
    for d in &errors {
        eprintln!("{}", pack_diagnostic_line(pack.sources(), d));
    }
    if !errors.is_empty() {
        eprintln!(
            "warning: documents with errors are left out of the coverage (`adsigma check` shows them in full)"
        );
    }
    let rules: Vec<&adsigma::syntax::Rule> = pack
        .documents()
        .iter()
        .filter_map(|d| match &d.document {
            Document::Rule(r) => Some(r),
            _ => None,
        })
        .collect();
    let coverage = adsigma_ads::coverage(&rules);
    let mut text = match args.format {
        CoverageFormat::Table => coverage.table(),
        CoverageFormat::Navigator => {
            let name = args.name.clone().unwrap_or_else(|| layer_name(&args.paths));
            coverage.navigator_layer(&name)
        }
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// `adsigma: containers` for `rules/containers/`.
fn layer_name(paths: &[PathBuf]) -> String {
    let first = paths
        .first()
        .and_then(|p| {
            let p = if p.as_os_str() == "." {
                std::env::current_dir().ok()?
            } else {
                p.clone()
            };
            p.file_stem().map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "rules".to_owned());
    format!("adsigma: {first}")
}
