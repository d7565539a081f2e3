//! Positions in source text.

use std::fmt;

/// Identifies one source file inside a [`crate::SourceMap`] (or a caller's own table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A position in a source file.
///
/// `offset` is a byte offset into the file's text; `line` and `column` are 1-based and the
/// column counts Unicode scalar values (characters), as editors and SARIF expect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// Byte offset from the start of the file.
    pub offset: u32,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Position {
    /// A position from its parts.
    pub const fn new(offset: u32, line: u32, column: u32) -> Self {
        Position {
            offset,
            line,
            column,
        }
    }
}

/// A range of source text: the file, and its start (inclusive) and end (exclusive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the span lies in.
    pub file: FileId,
    /// First character of the span.
    pub start: Position,
    /// One past the last character of the span.
    pub end: Position,
}

impl Span {
    /// A span from its parts.
    pub const fn new(file: FileId, start: Position, end: Position) -> Self {
        Span { file, start, end }
    }

    /// The byte range of the span in its file's text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start.offset as usize..self.end.offset as usize
    }

    /// The empty span at this span's start.
    pub fn shrink_to_start(&self) -> Span {
        Span {
            end: self.start,
            ..*self
        }
    }

    /// The smallest span covering both `self` and `other` (which must be in the same file).
    pub fn to(&self, other: Span) -> Span {
        let start = if other.start.offset < self.start.offset {
            other.start
        } else {
            self.start
        };
        let end = if other.end.offset > self.end.offset {
            other.end
        } else {
            self.end
        };
        Span {
            file: self.file,
            start,
            end,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.start.line, self.start.column)
    }
}

/// A value together with the span of source text it was read from.
///
/// Equality and hashing look at the value only, so two ASTs parsed from differently laid out
/// text compare equal when they mean the same thing.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value with its span.
    pub const fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    /// Maps the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Maps byte offsets of one text to line/column positions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    ascii: bool,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        // About one line per 40 bytes in rule files: one allocation for most.
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 2);
        line_starts.push(0u32);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex {
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    /// The position of byte `offset` in `text` (the text this index was built from).
    /// An offset inside a multi-byte character is moved back to the character's start.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.line_starts[line] as usize;
        let column = if self.ascii {
            offset - start
        } else {
            text[start..offset].chars().count()
        };
        Position::new(offset as u32, line as u32 + 1, column as u32 + 1)
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> Option<&'t str> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(i)? as usize;
        let end = self
            .line_starts
            .get(i + 1)
            .map(|&e| e as usize)
            .unwrap_or(text.len());
        Some(text[start..end].trim_end_matches(['\n', '\r']))
    }
}
