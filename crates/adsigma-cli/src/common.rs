//! What several commands share: option parsers and one-line diagnostics.

use adsigma::{Diagnostic, SourceMap};
use std::io::Write;
use std::process::ExitCode;

/// Parses `--placeholder NAME=VALUE` (`%NAME%=VALUE` also works).
pub fn parse_placeholder(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))?;
    let name = name.trim().trim_matches('%');
    if name.is_empty() {
        return Err(format!("`{s}` has no placeholder name"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// An engine configuration with the `--placeholder` values; a rule whose placeholders have no
/// value is left out with a warning (E102), not an error.
pub fn engine_config(placeholders: &[(String, String)]) -> adsigma::EngineConfig {
    let mut config = adsigma::EngineConfig {
        unresolved_placeholders: adsigma::UnresolvedPlaceholders::SkipRule,
        ..adsigma::EngineConfig::default()
    };
    for (name, value) in placeholders {
        config
            .placeholders
            .entry(name.clone())
            .or_default()
            .push(value.clone());
    }
    config
}

/// `FILE:LINE:COL: severity[CODE]: message` (`FILE: ...` when the diagnostic has no position).
pub fn diagnostic_line(file: &str, d: &Diagnostic) -> String {
    let s = d.span();
    if s.start.line == 0 {
        format!("{file}: {}[{}]: {}", d.severity, d.code.code, d.message)
    } else {
        format!(
            "{file}:{}:{}: {}[{}]: {}",
            s.start.line, s.start.column, d.severity, d.code.code, d.message
        )
    }
}

/// [`diagnostic_line`] with the file of the diagnostic's span in `sources`.
pub fn pack_diagnostic_line(sources: &SourceMap, d: &Diagnostic) -> String {
    diagnostic_line(&sources.path(d.span().file).display().to_string(), d)
}

/// Writes `text` to standard output; a closed pipe is not an error. Exit code 1 when the
/// output cannot be written.
pub fn write_stdout(text: &str) -> Result<(), ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            Err(ExitCode::from(1))
        }
    }
}
