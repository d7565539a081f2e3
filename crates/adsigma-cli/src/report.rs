//! `adsigma report RULE_FILE [--id ID] [--format markdown|json]`: a rule's ADS report.

use crate::common::{pack_diagnostic_line, write_stdout};
use adsigma::{Document, Limits, RulePack};
use adsigma_ads::{Ads, RuleInfo, render_json, render_markdown};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `report`.
#[derive(Args)]
pub struct ReportArgs {
    /// The rule file.
    #[arg(value_name = "RULE_FILE")]
    file: PathBuf,
    /// The rule to render, by `id`, when the file holds several.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
}

/// Formats of `report`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// The ADS framework's Markdown report.
    Markdown,
    /// `adsigma.ads/1` JSON.
    Json,
}

/// Runs `report`. Exit 0 rendered; 1 the file has no rule that loads; 2 bad usage (a
/// directory, an unknown `--id`, several rules and no `--id`).
pub fn run(args: &ReportArgs) -> ExitCode {
    if args.file.is_dir() {
        eprintln!(
            "error: {} is a directory; give one rule file (`adsigma coverage` summarises a pack)",
            args.file.display()
        );
        return ExitCode::from(2);
    }
    let pack = match RulePack::load_with(&[&args.file], &Limits::default()) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for d in pack.diagnostics().iter().filter(|d| d.is_error()) {
        eprintln!("{}", pack_diagnostic_line(pack.sources(), d));
    }
    let rules: Vec<&adsigma::syntax::Rule> = pack
        .documents()
        .iter()
        .filter_map(|d| match &d.document {
            Document::Rule(r) => Some(r),
            _ => None,
        })
        .collect();
    let id_of = |r: &adsigma::syntax::Rule| r.meta.id.as_ref().map(|i| i.value.clone());
    let listing = || {
        rules
            .iter()
            .map(|r| {
                let title = r.meta.title.as_ref().map_or("(untitled)", |t| &t.value);
                format!(
                    "  {}  {title}",
                    id_of(r).unwrap_or_else(|| "(no id)".to_owned())
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let rule = match (&args.id, rules.len()) {
        (_, 0) => {
            let why = if pack.has_errors() {
                " (`adsigma check` shows the errors in full)"
            } else if !pack.documents().is_empty() {
                ": only detection rules have an ADS report, not correlations or filters"
            } else {
                ""
            };
            eprintln!(
                "error: {} has no detection rule that loads{why}",
                args.file.display()
            );
            return ExitCode::from(1);
        }
        (Some(id), _) => {
            match rules
                .iter()
                .find(|r| id_of(r).is_some_and(|i| i.eq_ignore_ascii_case(id)))
            {
                Some(r) => *r,
                None => {
                    eprintln!(
                        "error: {} has no rule with id {id}; its rules:\n{}",
                        args.file.display(),
                        listing()
                    );
                    return ExitCode::from(2);
                }
            }
        }
        (None, 1) => rules[0],
        (None, n) => {
            eprintln!(
                "error: {} holds {n} rules; pick one with --id:\n{}",
                args.file.display(),
                listing()
            );
            return ExitCode::from(2);
        }
    };
    let (ads, diagnostics) = Ads::from_rule(rule);
    for d in &diagnostics {
        eprintln!("{}", pack_diagnostic_line(pack.sources(), d));
    }
    let mut info = RuleInfo::from_rule(rule);
    info.file = Some(args.file.display().to_string());
    let mut text = match args.format {
        ReportFormat::Markdown => render_markdown(&ads, &info),
        ReportFormat::Json => render_json(&ads, &info),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
