//! Sigma v2.1 documents as a typed AST in which every node keeps its span.
//!
//! This crate reads text: YAML (with exact line and column for every node, bounded depth,
//! alias expansion and size), Sigma rule, correlation and filter documents, rule collections
//! (`action: global | reset | repeat`), the condition language, modifier chains and values
//! (literal, wildcard, escape and placeholder pieces). It knows nothing of matching.
//!
//! Every problem is a [`Diagnostic`] with a stable code, and a file with several problems
//! reports all of them.
//!
//! ```
//! use adsigma_syntax::{SourceMap, Limits, Document};
//! let mut sources = SourceMap::new();
//! let file = sources.add("rule.yml", "title: Shell in container\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: [/sh, /bash]\n  condition: sel\n".to_owned());
//! let parsed = sources.parse(file, &Limits::default());
//! assert!(!parsed.has_errors());
//! let Document::Rule(rule) = &parsed.documents[0] else { unreachable!() };
//! assert_eq!(rule.detection.identifiers[0].name.value, "sel");
//! ```
//!
//! # Untrusted input
//!
//! Rule files are untrusted. Parsing never panics; nesting, alias expansion, file size,
//! node count, condition depth and the number of identifiers and values are bounded by
//! [`Limits`], and exceeding a bound is an error diagnostic that names the limit.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ast;
pub mod condition;
pub mod diagnostic;
mod document;
pub mod emit;
mod limits;
pub mod span;
pub mod value;
pub mod yaml;

pub use ast::*;
pub use diagnostic::{Code, Diagnostic, Label, Severity, codes};
pub use document::{ParsedFile, parse_str};
pub use limits::Limits;
pub use span::{FileId, LineIndex, Position, Span, Spanned};

use std::path::{Path, PathBuf};

/// One source file: its path, text and line index.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as given.
    pub path: PathBuf,
    /// The text.
    pub text: String,
    /// Line starts, for positions and snippets.
    pub lines: LineIndex,
}

impl SourceFile {
    /// A file with its line index built.
    pub fn new(path: impl Into<PathBuf>, text: String) -> SourceFile {
        SourceFile {
            path: path.into(),
            lines: LineIndex::new(&text),
            text,
        }
    }
}

/// The source files of a pack, by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file's text and returns its id.
    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> FileId {
        self.push(SourceFile::new(path, text))
    }

    /// Adds a file and returns its id (the next one: [`SourceMap::len`] before the call).
    pub fn push(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(file);
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The path of a file (empty when unknown).
    pub fn path(&self, id: FileId) -> &Path {
        self.get(id).map_or(Path::new(""), |f| f.path.as_path())
    }

    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Parses the file with this id.
    pub fn parse(&self, id: FileId, limits: &Limits) -> ParsedFile {
        match self.get(id) {
            Some(f) => parse_str(&f.text, id, limits),
            None => ParsedFile::default(),
        }
    }
}

/// Reads a file as UTF-8 text, within the size limit; the error is a diagnostic at 1:1.
pub fn read_source(path: &Path, file: FileId, limits: &Limits) -> Result<String, Box<Diagnostic>> {
    let start = Position::new(0, 1, 1);
    let at = Span::new(file, start, start);
    use std::io::Read as _;
    let unreadable = |e: std::io::Error| {
        Box::new(Diagnostic::new(
            codes::UNREADABLE_FILE,
            at,
            format!("cannot read file: {e}"),
        ))
    };
    let too_large = |size: &str| {
        Box::new(Diagnostic::new(
            codes::FILE_TOO_LARGE,
            at,
            format!(
                "file is {size}, more than the limit of {} bytes (max_file_size)",
                limits.max_file_size
            ),
        ))
    };
    // One open: the size from the open file, and at most one byte past the limit read
    // whatever the size said (a file that grows, or one whose size is not known, like a
    // pipe or a file of /proc, cannot make this read without bound).
    let handle = std::fs::File::open(path).map_err(unreadable)?;
    let len = handle.metadata().map_err(unreadable)?.len();
    if len > limits.max_file_size as u64 {
        return Err(too_large(&format!("{len} bytes")));
    }
    let mut bytes = Vec::with_capacity(len as usize + 1);
    handle
        .take((limits.max_file_size as u64).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > limits.max_file_size {
        return Err(too_large("longer than its reported size"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        let index = LineIndex::new(&prefix);
        let p = index.position(&prefix, valid);
        Box::new(Diagnostic::new(
            codes::INVALID_ENCODING,
            Span::new(file, p, p),
            format!("the file is not valid UTF-8 (invalid byte at offset {valid})"),
        ))
    })
}

/// Defines a crate's diagnostic codes: one `Code` constant per line
/// (`CONST = "X123", "snake_name", Severity, "Summary.";`, with optional doc attributes) and
/// `ALL`, every code in order. Every adsigma crate that emits diagnostics uses it, so the
/// tables have one shape.
#[macro_export]
macro_rules! define_codes {
    ($($(#[$doc:meta])* $konst:ident = $code:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        $( $(#[$doc])* #[doc = concat!("`", $code, " ", $name, "`: ", $summary)]
           pub const $konst: $crate::Code = $crate::Code { code: $code, name: $name, severity: $crate::Severity::$sev, summary: $summary }; )*
        /// Every code this crate emits, in code order.
        pub const ALL: &[$crate::Code] = &[$($konst),*];
    };
}
