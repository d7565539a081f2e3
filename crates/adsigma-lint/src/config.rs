//! `adsigma.toml`: severities and allowed codes per pack, per path glob and per rule id, and
//! inline `# adsigma: allow CODE reason` comments.
//!
//! ```toml
//! allow = ["L105"]                  # codes (or names) never reported in this pack
//! taxonomy = "logsource.json"       # field lists for taxonomy_unknown_field
//!
//! [severity]                        # error | warning | info | off
//! escaped_wildcard = "info"
//! S218 = "warning"                  # turns on a check that is off by default
//!
//! [[paths]]                         # globs, relative to the file's directory
//! glob = "legacy/**"
//! allow = ["L101"]
//! severity = { M202 = "off" }
//!
//! [rules."0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11"]
//! allow = ["C202"]
//! ```

use crate::codes::{self, Entry};
use crate::{Doc, doc_at};
use adsigma_syntax::{Diagnostic, FileId, Position, Severity, SourceMap, Span};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// An error in a configuration file, with its position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    glob: Spanned<String>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    taxonomy: Option<Spanned<String>>,
    #[serde(default)]
    paths: Vec<RawPath>,
    #[serde(default)]
    rules: BTreeMap<String, RawScope>,
}

/// What a scope says about codes: `None` severity = allowed (not reported).
#[derive(Clone, Debug, Default)]
struct Scope {
    settings: Vec<(&'static str, Option<Severity>)>,
}

impl Scope {
    fn get(&self, code: &str) -> Option<Option<Severity>> {
        self.settings
            .iter()
            .rev()
            .find(|(c, _)| *c == code)
            .map(|(_, s)| *s)
    }
}

/// A parsed `adsigma.toml`.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pack: Scope,
    paths: Vec<(globset::GlobMatcher, Scope)>,
    rules: BTreeMap<String, Scope>,
    root: PathBuf,
    taxonomy: Option<PathBuf>,
}

/// An inline `# adsigma: allow CODE reason` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// Where the comment is.
    pub span: Span,
    /// The codes it allows (as written).
    pub codes: Vec<String>,
    /// The reason given (may be empty).
    pub reason: String,
}

impl Config {
    /// Parses configuration text; `path` names it in errors and its directory is the root
    /// globs and the taxonomy path are relative to.
    ///
    /// ```
    /// let c = adsigma_lint::Config::parse(std::path::Path::new("adsigma.toml"), "[severity]\nM201 = \"loud\"\n");
    /// let e = c.unwrap_err();
    /// assert_eq!((e.line, e.column), (2, 8));
    /// ```
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let at = |range: std::ops::Range<usize>, message: String| {
            let start = range.start.min(text.len());
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                .chars()
                .count()
                + 1;
            ConfigError {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text)
            .map_err(|e| at(e.span().unwrap_or(0..0), e.message().to_owned()))?;
        let code = |s: &Spanned<String>| -> Result<&'static Entry, ConfigError> {
            codes::lookup(s.get_ref()).ok_or_else(|| {
                at(
                    s.span(),
                    format!("`{}` is not a code or a code name", s.get_ref()),
                )
            })
        };
        let scope = |allow: &[Spanned<String>],
                     sev: &BTreeMap<Spanned<String>, Spanned<String>>|
         -> Result<Scope, ConfigError> {
            let mut s = Scope::default();
            for (k, v) in sev {
                let e = code(k)?;
                let level = match v.get_ref().as_str() {
                    "error" => Some(Severity::Error),
                    "warning" => Some(Severity::Warning),
                    "info" => Some(Severity::Info),
                    "off" => None,
                    other => {
                        return Err(at(
                            v.span(),
                            format!("`{other}` is not error, warning, info or off"),
                        ));
                    }
                };
                s.settings.push((e.code.code, level));
            }
            for a in allow {
                s.settings.push((code(a)?.code.code, None));
            }
            Ok(s)
        };
        let root = path.parent().map(Path::to_owned).unwrap_or_default();
        let mut config = Config {
            pack: scope(&raw.allow, &raw.severity)?,
            root: root.clone(),
            taxonomy: raw.taxonomy.map(|t| root.join(t.into_inner())),
            ..Config::default()
        };
        for p in &raw.paths {
            let glob = globset::GlobBuilder::new(p.glob.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| at(p.glob.span(), format!("bad glob: {e}")))?;
            config
                .paths
                .push((glob.compile_matcher(), scope(&p.allow, &p.severity)?));
        }
        for (id, r) in &raw.rules {
            config
                .rules
                .insert(id.clone(), scope(&r.allow, &r.severity)?);
        }
        Ok(config)
    }

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_owned(),
            line: 1,
            column: 1,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(path, &text)
    }

    /// The taxonomy file the configuration names, relative to its directory.
    pub fn taxonomy(&self) -> Option<&Path> {
        self.taxonomy.as_deref()
    }

    /// The severity of `code` for a diagnostic of file `path` and rule `rule_id`: the rule's
    /// setting, else the last matching path glob's, else the pack's, else the default
    /// (`None`: not reported).
    pub fn severity(&self, entry: &Entry, path: &Path, rule_id: Option<&str>) -> Option<Severity> {
        match self.configured(entry.code.code, path, rule_id) {
            Some(s) => s,
            None => entry.default_on.then_some(entry.code.severity),
        }
    }

    /// What the configuration says about a code here, if anything.
    fn configured(
        &self,
        code: &str,
        path: &Path,
        rule_id: Option<&str>,
    ) -> Option<Option<Severity>> {
        if let Some(s) = rule_id
            .and_then(|id| self.rules.get(id))
            .and_then(|s| s.get(code))
        {
            return Some(s);
        }
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        for (glob, scope) in self.paths.iter().rev() {
            if glob.is_match(rel) || glob.is_match(path) {
                if let Some(s) = scope.get(code) {
                    return Some(s);
                }
            }
        }
        self.pack.get(code)
    }

    /// Applies the configuration and the inline suppressions of `sources` to diagnostics:
    /// severities are set, allowed and switched-off codes removed, and a suppression comment
    /// that allowed nothing (`L107`) or names no code (`L108`) is added.
    pub fn apply(
        &self,
        sources: &SourceMap,
        docs: &[Doc<'_>],
        diags: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        let mut sups: Vec<(Suppression, Option<usize>, Vec<bool>)> = Vec::new();
        for (file, src) in sources.iter() {
            for s in suppressions(file, &src.text) {
                let doc = doc_at(docs, file, s.span.start.offset as usize);
                let n = s.codes.len();
                sups.push((s, doc, vec![false; n]));
            }
        }
        let mut out = Vec::with_capacity(diags.len());
        for mut d in diags {
            let entry = codes::lookup(d.code.code).copied().unwrap_or(Entry {
                code: d.code,
                hint: "",
                pysigma: None,
                default_on: true,
            });
            // Unconfigured, a diagnostic keeps the severity its check gave it (e.g. D101 is an
            // error for stable rules); a configured severity replaces it.
            match self.configured(
                d.code.code,
                sources.path(d.span().file),
                d.rule_id.as_deref(),
            ) {
                Some(None) => continue,
                Some(Some(sev)) => d.severity = sev,
                None if !entry.default_on => continue,
                None => {}
            }
            let s = d.span();
            let doc = doc_at(docs, s.file, s.start.offset as usize);
            let mut suppressed = false;
            for (sup, sdoc, used) in &mut sups {
                if sup.span.file != s.file || *sdoc != doc {
                    continue;
                }
                for (i, c) in sup.codes.iter().enumerate() {
                    if codes::lookup(c).is_some_and(|e| e.code.code == d.code.code) {
                        used[i] = true;
                        suppressed = true;
                    }
                }
            }
            if !suppressed {
                out.push(d);
            }
        }
        for (sup, _, used) in &sups {
            for (c, used) in sup.codes.iter().zip(used) {
                let (code, msg) = match codes::lookup(c) {
                    None => (
                        codes::UNKNOWN_SUPPRESSION_CODE,
                        format!("`{c}` is not a code or a code name"),
                    ),
                    Some(_) if !used => (
                        codes::UNUSED_SUPPRESSION,
                        format!("`# adsigma: allow {c}` suppresses nothing"),
                    ),
                    Some(_) => continue,
                };
                let entry = codes::lookup(code.code)
                    .copied()
                    .expect("lint codes are in the registry");
                let doc = doc_at(docs, sup.span.file, sup.span.start.offset as usize);
                let rule_id = doc
                    .and_then(|i| docs[i].document.meta().id.as_ref())
                    .map(|i| i.value.clone());
                if let Some(sev) =
                    self.severity(&entry, sources.path(sup.span.file), rule_id.as_deref())
                {
                    let mut d = Diagnostic::new(code, sup.span, msg)
                        .with_severity(sev)
                        .with_hint(entry.hint);
                    d.rule_id = rule_id;
                    out.push(d);
                }
            }
        }
        out.sort_by_key(|d| {
            let s = d.span();
            (s.file, s.start.offset, s.end.offset)
        });
        out
    }
}

/// The `# adsigma: allow CODE[, CODE] reason` comments of a file, in order. Only comments that
/// start a line (after white space) or follow YAML content after ` #` count.
///
pub(crate) fn suppressions(file: FileId, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(hash) = line.find("# adsigma:").or_else(|| line.find("#adsigma:")) else {
            continue;
        };
        if hash > 0 && !line[..hash].ends_with([' ', '\t']) {
            continue;
        }
        let rest = line[hash + 1..]
            .trim_start()
            .trim_start_matches("adsigma:")
            .trim();
        let Some(rest) = rest.strip_prefix("allow") else {
            continue;
        };
        let mut codes = Vec::new();
        let mut words = rest.trim_start();
        loop {
            let end = words
                .find(|c: char| c.is_whitespace() || c == ',')
                .unwrap_or(words.len());
            let word = &words[..end];
            if word.is_empty() {
                break;
            }
            codes.push(word.to_owned());
            let after = words[end..].trim_start();
            match after.strip_prefix(',') {
                Some(more) => words = more.trim_start(),
                None => {
                    words = after;
                    break;
                }
            }
        }
        let col = line[..hash].chars().count() as u32 + 1;
        let end_col = line.trim_end().chars().count() as u32 + 1;
        let line_no = n as u32 + 1;
        let span = Span::new(
            file,
            Position::new((start + hash) as u32, line_no, col),
            Position::new((start + line.trim_end().len()) as u32, line_no, end_col),
        );
        out.push(Suppression {
            span,
            codes,
            reason: words.trim().to_owned(),
        });
    }
    out
}

impl Suppression {
    /// The inline suppressions of a file's text, in order.
    ///
    /// ```
    /// use adsigma_syntax::FileId;
    /// let sups = adsigma_lint::Suppression::find(FileId(0), "title: t # adsigma: allow M201, L101 the escape is meant\n");
    /// assert_eq!(sups[0].codes, ["M201", "L101"]);
    /// assert_eq!(sups[0].reason, "the escape is meant");
    /// ```
    pub fn find(file: FileId, text: &str) -> Vec<Suppression> {
        suppressions(file, text)
    }
}
