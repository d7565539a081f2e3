//! Rendering diagnostics: human (snippets with carets, colour on a terminal), JSON and SARIF
//! (in `sarif.rs`). The only place that draws diagnostics or touches colour.

use adsigma::{Diagnostic, RulePack, Severity, SourceMap};
use clap::ValueEnum;
use serde::Serialize;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

/// Output formats of `check`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Snippets with carets, for people.
    Human,
    /// `adsigma.diagnostics/1` JSON, for tools.
    Json,
    /// SARIF 2.1.0, for code scanning (e.g. GitHub).
    Sarif,
}

/// `--color`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour standard output.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// What `check` found, ready to render.
pub struct Report<'p> {
    pub(crate) sources: &'p SourceMap,
    pub(crate) diagnostics: Vec<Diagnostic>,
    files: usize,
    rules: usize,
    elapsed: Duration,
}

impl<'p> Report<'p> {
    /// A pack's diagnostics (in file and position order, as `adsigma_lint::check` returns
    /// them).
    pub fn new(pack: &'p RulePack, diagnostics: Vec<Diagnostic>, elapsed: Duration) -> Self {
        Report {
            sources: pack.sources(),
            diagnostics,
            files: pack.sources().len(),
            rules: pack.documents().len(),
            elapsed,
        }
    }

    /// How many diagnostics have this severity.
    pub fn count(&self, sev: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    }
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, sev: Severity) -> &'static str {
        match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        }
    }
}

/// Human output: one block per diagnostic with the source line and a caret, then a summary.
pub fn human(out: &mut impl Write, report: &Report<'_>, color: bool) -> io::Result<()> {
    let st = Style { on: color };
    for d in &report.diagnostics {
        let span = d.span();
        let path = report.sources.path(span.file).display().to_string();
        writeln!(
            out,
            "{}{}",
            st.paint(
                st.severity(d.severity),
                &format!("{}[{}]", d.severity, d.code.code)
            ),
            st.paint("1", &format!(": {} ({})", d.message, d.code.name))
        )?;
        let line_no = span.start.line.to_string();
        let gutter = " ".repeat(line_no.len());
        writeln!(
            out,
            "{gutter}{} {path}:{}:{}",
            st.paint("1;34", "-->"),
            span.start.line,
            span.start.column
        )?;
        if let Some(src) = report.sources.get(span.file) {
            if let Some(line) = src.lines.line_text(&src.text, span.start.line) {
                let bar = st.paint("1;34", "|");
                writeln!(out, "{gutter} {bar}")?;
                writeln!(out, "{} {bar} {}", st.paint("1;34", &line_no), line)?;
                let start_col = span.start.column.max(1) as usize;
                let width = if span.end.line == span.start.line {
                    (span.end.column as usize).saturating_sub(start_col).max(1)
                } else {
                    line.chars().count().saturating_sub(start_col - 1).max(1)
                };
                let pad: String = line
                    .chars()
                    .take(start_col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let carets = st.paint(st.severity(d.severity), &"^".repeat(width));
                if d.primary.message.is_empty() {
                    writeln!(out, "{gutter} {bar} {pad}{carets}")?;
                } else {
                    writeln!(out, "{gutter} {bar} {pad}{carets} {}", d.primary.message)?;
                }
            }
        }
        for l in &d.labels {
            writeln!(
                out,
                "{gutter} = {} {}:{}: {}",
                st.paint("1", "see"),
                l.span.start.line,
                l.span.start.column,
                l.message
            )?;
        }
        for n in &d.notes {
            writeln!(out, "{gutter} = {} {n}", st.paint("1", "note:"))?;
        }
        if let Some(h) = &d.hint {
            writeln!(out, "{gutter} = {} {h}", st.paint("1", "hint:"))?;
        }
        writeln!(out)?;
    }
    let (e, w, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let summary = format!(
        "checked {} files, {} rules: {} errors, {} warnings, {} infos ({} ms)",
        report.files,
        report.rules,
        e,
        w,
        i,
        report.elapsed.as_millis()
    );
    let code = if e > 0 {
        "1;31"
    } else if w > 0 {
        "1;33"
    } else {
        "1;32"
    };
    writeln!(out, "{}", st.paint(code, &summary))
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    files: usize,
    rules: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    rule_id: Option<&'a str>,
    hint: Option<&'a str>,
}

/// `adsigma.diagnostics/1` JSON, as CLI.md specifies it.
pub fn json(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let doc = JsonReport {
        schema: "adsigma.diagnostics/1",
        files: report.files,
        rules: report.rules,
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        infos: report.count(Severity::Info),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| {
                let s = d.span();
                JsonDiagnostic {
                    code: d.code.code,
                    name: d.code.name,
                    severity: d.severity.as_str(),
                    message: &d.message,
                    file: report.sources.path(s.file).display().to_string(),
                    line: s.start.line,
                    column: s.start.column,
                    end_line: s.end.line,
                    end_column: s.end.column,
                    rule_id: d.rule_id.as_deref(),
                    hint: d.hint.as_deref(),
                }
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
