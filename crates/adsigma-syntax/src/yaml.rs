//! A YAML tree in which every node keeps its span.
//!
//! Built from `saphyr-parser`'s event stream, so that duplicate keys, nesting depth, alias
//! expansion and node count are checked here, with positions, before anything is allocated
//! without bound.

use crate::diagnostic::{Diagnostic, codes};
use crate::limits::Limits;
use crate::span::{FileId, Position, Span};
use saphyr_parser::{Event, Parser, ScanError};
use std::collections::HashMap;

mod fast;

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    /// `value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|` block
    Literal,
    /// `>` block
    Folded,
}

/// A scalar as written: its text after YAML unescaping, its style and its tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The scalar's content.
    pub text: String,
    /// How it was written.
    pub style: ScalarStyle,
    /// Its explicit tag, e.g. `tag:yaml.org,2002:str` for `!!str`.
    pub tag: Option<String>,
}

/// A scalar resolved with the YAML 1.2 core schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolved<'a> {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Anything else, and every quoted or block scalar.
    Str(&'a str),
}

impl Scalar {
    /// Resolves the scalar with the YAML 1.2 core schema: only plain, untagged scalars can be
    /// null, booleans or numbers. (`yes`/`no`, `0777` octal and the like are YAML 1.1 and
    /// stay strings or decimals.)
    pub fn resolve(&self) -> Resolved<'_> {
        if self.style != ScalarStyle::Plain {
            return Resolved::Str(&self.text);
        }
        if let Some(tag) = &self.tag {
            let t = tag.as_str();
            if t.ends_with(":str") || t == "!" {
                return Resolved::Str(&self.text);
            }
        }
        resolve_plain(&self.text)
    }
}

fn resolve_plain(s: &str) -> Resolved<'_> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            if let Ok(v) = i64::from_str_radix(hex, 16) {
                return Resolved::Int(v);
            }
        }
        return Resolved::Str(s);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
            if let Ok(v) = i64::from_str_radix(oct, 8) {
                return Resolved::Int(v);
            }
        }
        return Resolved::Str(s);
    }
    let digits = match b.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    };
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return match s.parse::<i64>() {
            Ok(v) => Resolved::Int(v),
            Err(_) => Resolved::Float(s.parse::<f64>().unwrap_or(f64::NAN)),
        };
    }
    if is_core_float(digits) {
        if let Ok(v) = s.parse::<f64>() {
            return Resolved::Float(v);
        }
    }
    Resolved::Str(s)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (sign already removed).
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == f {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// A YAML node and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// Where it was written (for an alias: where the anchored node was written).
    pub span: Span,
}

/// The three kinds of YAML node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in the order written. Keys are unique (duplicates are reported and the
    /// later one dropped).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text when this is a scalar that resolves to a string.
    pub fn as_str(&self) -> Option<&str> {
        match self.as_scalar()?.resolve() {
            Resolved::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// True for a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(self.as_scalar().map(Scalar::resolve), Some(Resolved::Null))
    }

    /// Looks up a key of a mapping by its text.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    /// A word for the node's kind, for messages: `mapping`, `sequence`, `string`, `number`,
    /// `boolean` or `null`.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Map(_) => "mapping",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "boolean",
                Resolved::Int(_) | Resolved::Float(_) => "number",
                Resolved::Str(_) => "string",
            },
        }
    }

    /// The number of nodes in this tree.
    pub fn weight(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(_) => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::weight).sum::<usize>(),
            NodeKind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.weight() + v.weight())
                    .sum::<usize>()
            }
        }
    }
}

/// Converts saphyr's character indices to byte offsets and positions.
struct Locator<'t> {
    text: &'t str,
    file: FileId,
    /// Byte offset of each character (empty when the text is ASCII).
    char_bytes: Vec<u32>,
}

impl<'t> Locator<'t> {
    fn new(text: &'t str, file: FileId) -> Self {
        let char_bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i as u32).collect()
        };
        Locator {
            text,
            file,
            char_bytes,
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        if self.char_bytes.is_empty() {
            char_index.min(self.text.len()) as u32
        } else {
            self.char_bytes
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len() as u32)
        }
    }

    fn pos(&self, m: &saphyr_parser::Marker) -> Position {
        Position::new(self.byte(m.index()), m.line() as u32, m.col() as u32 + 1)
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span::new(self.file, self.pos(&s.start), self.pos(&s.end))
    }

    fn byte_at(&self, p: Position) -> Option<u8> {
        self.text.as_bytes().get(p.offset as usize).copied()
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: Span,
        anchor: usize,
        index: Option<HashMap<String, Span>>,
    },
}

/// Why a document was abandoned.
struct Abort;

/// Reads every document of a YAML stream into spanned trees.
///
/// Problems go to `diags`; a document that hit a limit or a duplicate key is still returned
/// when it could be completed (without the offending entry), and dropped when it could not.
///
/// Rule files are read by a hand-written loader of the block-style subset of YAML they use
/// (`yaml/fast.rs`), which builds the same trees several times faster; any file it is not
/// sure of (anything outside the subset, any problem to report) goes through the
/// `saphyr-parser` event stream.
pub fn load(text: &str, file: FileId, limits: &Limits, diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    if let Some(docs) = fast::load(text, file, limits) {
        return docs;
    }
    load_saphyr(text, file, limits, diags)
}

/// [`load`] through the fast loader only: `None` where it declines (then [`load`] uses
/// [`load_saphyr`]). Where it returns trees they equal [`load_saphyr`]'s, which reports no
/// problem. Public for the differential tests and the fuzz targets.
#[doc(hidden)]
pub fn load_fast(text: &str, file: FileId, limits: &Limits) -> Option<Vec<Node>> {
    fast::load(text, file, limits)
}

/// [`load`] through the `saphyr-parser` event stream only, whatever the input. Public for
/// the differential tests and the fuzz targets.
#[doc(hidden)]
pub fn load_saphyr(
    text: &str,
    file: FileId,
    limits: &Limits,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Node> {
    let loc = Locator::new(text, file);
    if text.len() > limits.max_file_size {
        let p = Position::new(0, 1, 1);
        diags.push(
            Diagnostic::new(
                codes::FILE_TOO_LARGE,
                Span::new(file, p, p),
                format!(
                    "file is {} bytes, more than the limit of {} bytes (max_file_size)",
                    text.len(),
                    limits.max_file_size
                ),
            )
            .with_hint("raise Limits::max_file_size if the file is trusted"),
        );
        return Vec::new();
    }
    let mut parser = Parser::new_from_str(text).keep_tags(true);
    let mut docs = Vec::new();
    let mut loader = Loader {
        loc: &loc,
        limits,
        frames: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        nodes: 0,
        root: None,
    };
    loop {
        let (ev, sp) = match parser.next_event() {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                diags.push(scan_error(&loc, &e, limits));
                break;
            }
        };
        match ev {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                loader.frames.clear();
                loader.anchors.clear();
                loader.alias_nodes = 0;
                loader.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = loader.root.take() {
                    docs.push(root);
                }
            }
            ev => match loader.event(ev, &sp, diags) {
                Ok(()) => {}
                Err(Abort) => {
                    if loader.nodes > limits.max_yaml_nodes {
                        return docs;
                    }
                    // Skip the rest of this document.
                    loop {
                        match parser.next_event() {
                            None | Some(Err(_)) => return docs,
                            Some(Ok((Event::DocumentEnd, _))) => break,
                            Some(Ok((Event::StreamEnd, _))) => return docs,
                            Some(Ok(_)) => {}
                        }
                    }
                    loader.frames.clear();
                    loader.root = None;
                }
            },
        }
    }
    if let Some(root) = loader.root.take() {
        docs.push(root);
    }
    docs
}

fn scan_error(loc: &Locator<'_>, e: &ScanError, limits: &Limits) -> Diagnostic {
    let p = loc.pos(e.marker());
    let mut end = p;
    if let Some(c) = loc.text[p.offset as usize..].chars().next() {
        if c != '\n' {
            end.offset += c.len_utf8() as u32;
            end.column += 1;
        }
    }
    let span = Span::new(loc.file, p, end);
    // The YAML scanner tokenises ahead of the loader and has its own nesting limit, which a
    // run of flow openers (`[[[[...`) reaches before the loader's `max_yaml_depth` check sees
    // the collections: report it as the depth error it is.
    if e.info().contains("recursion limit") {
        return Diagnostic::new(
            codes::YAML_TOO_DEEP,
            span,
            format!(
                "YAML nesting is deeper than {} levels (max_yaml_depth; the YAML scanner \
                 also stops flow collections nested beyond its own limit)",
                limits.max_yaml_depth
            ),
        );
    }
    Diagnostic::new(
        codes::YAML_SYNTAX,
        span,
        format!("invalid YAML: {}", e.info()),
    )
}

struct Loader<'a, 't> {
    loc: &'a Locator<'t>,
    limits: &'a Limits,
    frames: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    nodes: usize,
    root: Option<Node>,
}

impl Loader<'_, '_> {
    fn event(
        &mut self,
        ev: Event<'_>,
        sp: &saphyr_parser::Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<(), Abort> {
        let span = self.loc.span(sp);
        self.nodes += 1;
        if self.nodes > self.limits.max_yaml_nodes {
            diags.push(Diagnostic::new(
                codes::TOO_MANY_NODES,
                span,
                format!(
                    "the file holds more than {} YAML nodes (max_yaml_nodes)",
                    self.limits.max_yaml_nodes
                ),
            ));
            return Err(Abort);
        }
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    saphyr_parser::ScalarStyle::Plain => ScalarStyle::Plain,
                    saphyr_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    saphyr_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    saphyr_parser::ScalarStyle::Literal => ScalarStyle::Literal,
                    saphyr_parser::ScalarStyle::Folded => ScalarStyle::Folded,
                };
                let node = Node {
                    kind: NodeKind::Scalar(Scalar {
                        text: text.into_owned(),
                        style,
                        tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    }),
                    span,
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node, diags)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    diags.push(Diagnostic::new(
                        codes::YAML_SYNTAX,
                        span,
                        "alias refers to an anchor that is not defined before it",
                    ));
                    return Err(Abort);
                };
                self.alias_nodes += target.weight();
                if self.alias_nodes > self.limits.max_alias_nodes {
                    diags.push(
                        Diagnostic::new(
                            codes::ALIAS_LIMIT,
                            span,
                            format!(
                                "aliases in this document expand to more than {} nodes (max_alias_nodes)",
                                self.limits.max_alias_nodes
                            ),
                        )
                        .with_note("nested aliases grow exponentially (\"billion laughs\")"),
                    );
                    return Err(Abort);
                }
                let mut node = target.clone();
                node.span = span;
                self.push(node, diags)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.frames.len() >= self.limits.max_yaml_depth {
                    diags.push(Diagnostic::new(
                        codes::YAML_TOO_DEEP,
                        span,
                        format!(
                            "YAML nesting is deeper than {} levels (max_yaml_depth)",
                            self.limits.max_yaml_depth
                        ),
                    ));
                    return Err(Abort);
                }
                let is_seq = matches!(ev, Event::SequenceStart(..));
                self.frames.push(if is_seq {
                    Frame::Seq {
                        items: Vec::new(),
                        start: span,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        start: span,
                        anchor,
                        index: None,
                    }
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.frames.pop() else {
                    return Ok(());
                };
                let flow_end = matches!(self.loc.byte_at(span.start), Some(b']' | b'}'));
                let (kind, start, anchor, last_end) = match frame {
                    Frame::Seq {
                        items,
                        start,
                        anchor,
                    } => {
                        let last = items.last().map(|n| n.span.end);
                        (NodeKind::Seq(items), start, anchor, last)
                    }
                    Frame::Map {
                        entries,
                        start,
                        anchor,
                        ..
                    } => {
                        let last = entries.last().map(|(_, v)| v.span.end);
                        (NodeKind::Map(entries), start, anchor, last)
                    }
                };
                let end = if flow_end {
                    span.end
                } else {
                    last_end.unwrap_or(start.end)
                };
                let node = Node {
                    kind,
                    span: Span::new(self.loc.file, start.start, end.max(start.start)),
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node, diags)
            }
            _ => Ok(()),
        }
    }

    fn push(&mut self, node: Node, diags: &mut Vec<Diagnostic>) -> Result<(), Abort> {
        match self.frames.last_mut() {
            None => {
                self.root = Some(node);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                index,
                ..
            }) => match key.take() {
                None => {
                    if node.as_scalar().is_none() || node.is_null() {
                        diags.push(Diagnostic::new(
                            codes::COMPLEX_KEY,
                            node.span,
                            format!(
                                "a mapping key must be a string, found a {}",
                                node.kind_name()
                            ),
                        ));
                    }
                    *key = Some(node);
                }
                Some(k) => {
                    let text = k.as_scalar().map(|s| s.text.as_str());
                    if let Some(text) = text {
                        let first = if let Some(ix) = index {
                            ix.get(text).copied()
                        } else {
                            entries
                                .iter()
                                .find(|(ek, _)| ek.as_scalar().is_some_and(|s| s.text == text))
                                .map(|(ek, _)| ek.span)
                        };
                        if let Some(first) = first {
                            diags.push(
                                Diagnostic::new(
                                    codes::DUPLICATE_KEY,
                                    k.span,
                                    format!("duplicate key `{text}`"),
                                )
                                .with_label_message("second definition")
                                .with_label(first, "first defined here")
                                .with_hint("merge the two entries or rename one"),
                            );
                            return Ok(());
                        }
                        if index.is_none() && entries.len() >= 16 {
                            let mut ix = HashMap::with_capacity(entries.len() * 2);
                            for (ek, _) in entries.iter() {
                                if let Some(s) = ek.as_scalar() {
                                    ix.insert(s.text.clone(), ek.span);
                                }
                            }
                            *index = Some(ix);
                        }
                        if let Some(ix) = index {
                            ix.insert(text.to_owned(), k.span);
                        }
                    }
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }
}

/// Converts a node (e.g. a rule's `tests.match` event) to JSON with the YAML 1.2 core
/// schema: plain `null`/`true`/numbers are typed, quoted scalars are strings. Non-finite
/// numbers (`.inf`, `.nan`), which JSON cannot hold, become strings as written; a
/// non-scalar key (which the loader reports) becomes its JSON text.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.kind {
        NodeKind::Scalar(s) => match s.resolve() {
            Resolved::Null => J::Null,
            Resolved::Bool(b) => J::Bool(b),
            Resolved::Int(i) => J::from(i),
            Resolved::Float(f) => serde_json::Number::from_f64(f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(s.text.clone())),
            Resolved::Str(t) => J::String(t.to_owned()),
        },
        NodeKind::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k.as_scalar() {
                        Some(s) => s.text.clone(),
                        None => to_json(k).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}
