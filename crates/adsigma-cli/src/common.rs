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

/// The pipelines of `--pipeline NAME|FILE` options: a shipped pipeline's name (see
/// `adsigma pipelines`) or a pipeline file. An unknown name that is no file is bad usage
/// (exit 2); a file that does not parse is an error (exit 1) with its positions.
pub fn load_pipelines(specs: &[String]) -> Result<Vec<adsigma::Pipeline>, ExitCode> {
    let mut out = Vec::new();
    for spec in specs {
        if let Some(p) = adsigma::pipeline::by_name(spec) {
            out.push(p);
            continue;
        }
        let path = std::path::Path::new(spec);
        if !path.is_file() {
            let names: Vec<&str> = adsigma::pipeline::shipped_names().collect();
            eprintln!(
                "error: --pipeline {spec}: no shipped pipeline has that name and no such file exists (shipped: {})",
                names.join(", ")
            );
            return Err(ExitCode::from(2));
        }
        let mut sources = SourceMap::new();
        let text = match adsigma::syntax::read_source(
            path,
            adsigma::syntax::FileId(0),
            &adsigma::syntax::Limits::default(),
        ) {
            Ok(text) => text,
            Err(d) => {
                eprintln!("{}", diagnostic_line(spec, &d));
                return Err(ExitCode::from(1));
            }
        };
        let id = sources.add(path, text);
        let text = sources.get(id).map_or("", |f| f.text.as_str());
        match adsigma::Pipeline::parse(spec, id, text) {
            Ok(p) => out.push(p),
            Err(diags) => {
                for d in &diags {
                    eprintln!("{}", pack_diagnostic_line(&sources, d));
                }
                eprintln!("error: pipeline {spec} does not load");
                return Err(ExitCode::from(1));
            }
        }
    }
    Ok(out)
}
