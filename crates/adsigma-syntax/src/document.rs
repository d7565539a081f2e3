//! YAML trees -> Sigma documents: rule collections, metadata, detections, correlations and
//! filters, with every problem reported as a diagnostic.

use crate::ast::*;
use crate::condition::{ConditionErrorKind, ExprKind, Pattern, parse_condition};
use crate::diagnostic::{Code, Diagnostic, codes};
use crate::limits::Limits;
use crate::span::{FileId, Position, Span, Spanned};
use crate::value::{Cidr, Modifier, Number, NumberValue, SigmaString, Value, ValueKind};
use crate::yaml::{self, Node, NodeKind, Resolved, Scalar, ScalarStyle};

/// The result of reading one file: its valid documents and every problem found.
#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    /// Documents that have no error. A document with an error is left out, and its errors
    /// are in `diagnostics`.
    pub documents: Vec<Document>,
    /// Every problem, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedFile {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses the text of one file into documents.
///
/// ```
/// use adsigma_syntax::{parse_str, FileId, Limits, Document};
/// let text = "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {Image|endswith: /sh}\n  condition: sel\n";
/// let parsed = parse_str(text, FileId(0), &Limits::default());
/// assert!(parsed.diagnostics.is_empty());
/// assert!(matches!(parsed.documents[0], Document::Rule(_)));
/// ```
pub fn parse_str(text: &str, file: FileId, limits: &Limits) -> ParsedFile {
    let mut diags = Vec::new();
    let nodes = yaml::load(text, file, limits, &mut diags);
    let mut cx = Cx {
        text,
        limits,
        diags: Vec::new(),
        values_reported: false,
    };
    let mut documents = Vec::new();
    for node in expand_collection(nodes, &mut diags) {
        cx.values_reported = false;
        let doc = cx.document(&node);
        let mut doc_diags = std::mem::take(&mut cx.diags);
        let id = doc
            .as_ref()
            .and_then(|d| d.meta().id.as_ref().map(|i| i.value.clone()))
            .or_else(|| node.get("id").and_then(Node::as_str).map(str::to_owned));
        for d in &mut doc_diags {
            d.rule_id = id.clone();
        }
        let failed = doc_diags.iter().any(Diagnostic::is_error);
        diags.extend(doc_diags);
        if let (Some(doc), false) = (doc, failed) {
            documents.push(doc);
        }
    }
    diags.sort_by_key(|d| (d.primary.span.start.offset, d.primary.span.end.offset));
    ParsedFile {
        documents,
        diagnostics: diags,
    }
}

/// Applies `action: global | reset | repeat` (Sigma rule collections) and drops empty
/// documents.
fn expand_collection(nodes: Vec<Node>, diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    let mut global: Option<Node> = None;
    // The document before `global` was merged in, for `repeat`: kept aside only while a
    // `global` is in force, otherwise it is the last one out (no copy of every document).
    enum Previous {
        Out(usize),
        Kept(Node),
    }
    let mut previous: Option<Previous> = None;
    for node in nodes {
        if node.is_null() {
            continue;
        }
        let action = node.get("action").map(|a| (a.as_str(), a.span));
        let node = match action {
            None => node,
            Some((Some("global"), _)) => {
                global = Some(without_key(node, "action"));
                continue;
            }
            Some((Some("reset"), _)) => {
                global = None;
                continue;
            }
            Some((Some("repeat"), span)) => match &previous {
                Some(Previous::Out(i)) => merge(out[*i].clone(), &without_key(node, "action")),
                Some(Previous::Kept(prev)) => merge(prev.clone(), &without_key(node, "action")),
                None => {
                    diags.push(Diagnostic::new(
                        codes::REPEAT_WITHOUT_PREVIOUS,
                        span,
                        "`action: repeat` needs a document before it to repeat",
                    ));
                    continue;
                }
            },
            Some((_, span)) => {
                diags.push(
                    Diagnostic::new(
                        codes::INVALID_ACTION,
                        span,
                        "`action` must be `global`, `reset` or `repeat`",
                    )
                    .with_label_message("unknown action"),
                );
                continue;
            }
        };
        match &global {
            Some(g) => {
                previous = Some(Previous::Kept(node.clone()));
                out.push(merge(node, g));
            }
            None => {
                previous = Some(Previous::Out(out.len()));
                out.push(node);
            }
        }
    }
    out
}

fn without_key(mut node: Node, key: &str) -> Node {
    if let NodeKind::Map(entries) = &mut node.kind {
        entries.retain(|(k, _)| k.as_scalar().is_none_or(|s| s.text != key));
    }
    node
}

/// Deep-merges `over` into `base`: mappings merge key by key, anything else in `over` wins.
fn merge(mut base: Node, over: &Node) -> Node {
    let (NodeKind::Map(base_entries), NodeKind::Map(over_entries)) = (&mut base.kind, &over.kind)
    else {
        return over.clone();
    };
    for (ok, ov) in over_entries {
        let key = ok.as_scalar().map(|s| s.text.as_str());
        let existing = base_entries
            .iter_mut()
            .find(|(bk, _)| bk.as_scalar().map(|s| s.text.as_str()) == key);
        match existing {
            Some((_, bv)) => {
                let old = std::mem::replace(
                    bv,
                    Node {
                        kind: NodeKind::Seq(Vec::new()),
                        span: bv.span,
                    },
                );
                *bv = merge(old, ov);
            }
            None => base_entries.push((ok.clone(), ov.clone())),
        }
    }
    base
}

struct Cx<'a> {
    text: &'a str,
    limits: &'a Limits,
    diags: Vec<Diagnostic>,
    /// `max_values` was exceeded and reported for the current document.
    values_reported: bool,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_tag(s: &str) -> bool {
    let Some((ns, name)) = s.split_once('.') else {
        return false;
    };
    let ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-';
    !ns.is_empty()
        && !name.is_empty()
        && ns.bytes().all(ok)
        && name.bytes().all(|c| ok(c) || c == b'.')
}

impl Cx<'_> {
    fn err(&mut self, code: Code, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(code, span, msg));
        let n = self.diags.len() - 1;
        &mut self.diags[n]
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.err(
            codes::WRONG_TYPE,
            node.span,
            format!("`{what}` must be {expected}, found a {}", node.kind_name()),
        );
    }

    /// A span inside a scalar: `range` is a byte range of the scalar's text. Exact for
    /// single-line plain and quoted scalars written without escapes; otherwise the whole
    /// scalar.
    fn sub_span(&self, node: &Node, range: std::ops::Range<usize>) -> Span {
        let Some(s) = node.as_scalar() else {
            return node.span;
        };
        let span = node.span;
        if span.start.line != span.end.line {
            return span;
        }
        let src = self.text.get(span.range()).unwrap_or("");
        let lead = match s.style {
            ScalarStyle::Plain if src == s.text => 0,
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                if src.len() == s.text.len() + 2 && src[1..src.len() - 1] == s.text =>
            {
                1
            }
            _ => return span,
        };
        let boundary = |mut i: usize| {
            i = i.min(s.text.len());
            while !s.text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (a, b) = (boundary(range.start), boundary(range.end));
        let col = |i: usize| span.start.column + lead as u32 + s.text[..i].chars().count() as u32;
        let off = |i: usize| span.start.offset + (lead + i) as u32;
        Span::new(
            span.file,
            Position::new(off(a), span.start.line, col(a)),
            Position::new(off(b), span.start.line, col(b)),
        )
    }

    fn text_of(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::Scalar(s) if !node.is_null() => Some(Spanned::new(s.text.clone(), node.span)),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    fn text_list(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|i| self.text_of(i, what)).collect(),
            NodeKind::Scalar(_) if node.is_null() => Vec::new(),
            NodeKind::Scalar(_) => self.text_of(node, what).into_iter().collect(),
            NodeKind::Map(_) => {
                self.wrong_type(node, what, "a list of strings");
                Vec::new()
            }
        }
    }

    fn enum_of<T: Copy>(
        &mut self,
        node: &Node,
        what: &str,
        table: &[(&str, T)],
        code: Code,
    ) -> Option<Spanned<T>> {
        let text = self.text_of(node, what)?;
        match table.iter().find(|(n, _)| *n == text.value) {
            Some(&(_, v)) => Some(Spanned::new(v, node.span)),
            None => {
                let allowed: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
                self.err(
                    code,
                    node.span,
                    format!(
                        "`{what}` is `{}`; expected one of {}",
                        text.value,
                        allowed.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn date(&mut self, node: &Node, what: &str) -> Option<Spanned<Date>> {
        let text = self.text_of(node, what)?;
        let t = text.value.trim();
        let parts: Vec<&str> = if t.contains('-') {
            t.split('-').collect()
        } else {
            t.split('/').collect()
        };
        let parsed = (parts.len() == 3
            && parts[0].len() == 4
            && parts[1].len() == 2
            && parts[2].len() == 2
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())))
        .then(|| {
            Some(Date {
                year: parts[0].parse().ok()?,
                month: parts[1].parse().ok()?,
                day: parts[2].parse().ok()?,
            })
        })
        .flatten()
        .filter(|d| {
            (1..=12).contains(&d.month) && d.day >= 1 && d.day <= days_in_month(d.year, d.month)
        });
        match parsed {
            Some(d) => {
                if t.contains('/') {
                    self.err(
                        codes::OLD_DATE_FORMAT,
                        node.span,
                        format!("`{what}` is written `{t}`; Sigma v2 writes dates YYYY-MM-DD"),
                    )
                    .hint = Some(format!("write `{}-{:02}-{:02}`", d.year, d.month, d.day));
                }
                Some(Spanned::new(d, node.span))
            }
            None => {
                self.err(
                    codes::INVALID_DATE,
                    node.span,
                    format!("`{what}` is `{t}`, not a date of the form YYYY-MM-DD"),
                );
                None
            }
        }
    }

    fn document(&mut self, node: &Node) -> Option<Document> {
        let Some(entries) = node.as_map() else {
            self.err(
                codes::NOT_A_MAPPING,
                node.span,
                format!(
                    "a Sigma document must be a mapping, found a {}",
                    node.kind_name()
                ),
            );
            return None;
        };
        let has = |k: &str| node.get(k).is_some();
        let meta = self.metadata(entries);
        if has("correlation") {
            self.correlation(node, meta).map(Document::Correlation)
        } else if has("filter") {
            self.filter(node, meta).map(Document::Filter)
        } else if has("detection") {
            self.rule(node, meta).map(Document::Rule)
        } else {
            self.err(
                codes::UNKNOWN_DOCUMENT,
                node.span.shrink_to_start(),
                "the document has no `detection`, `correlation` or `filter`",
            )
            .hint = Some("a rule needs `logsource` and `detection`".to_owned());
            None
        }
    }

    fn require(&mut self, node: &Node, key: &str, kind: &str) {
        if node.get(key).is_none() {
            self.err(
                codes::MISSING_FIELD,
                node.span.shrink_to_start(),
                format!("a {kind} needs `{key}`"),
            );
        }
    }

    fn metadata(&mut self, entries: &[(Node, Node)]) -> Metadata {
        let mut m = Metadata::default();
        let structural = ["logsource", "detection", "correlation", "filter"];
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.as_str()) else {
                continue;
            };
            match key {
                "title" => {
                    m.title = self.text_of(v, "title");
                    if let Some(t) = &m.title {
                        let n = t.value.chars().count();
                        if n > 256 {
                            self.err(
                                codes::TITLE_TOO_LONG,
                                v.span,
                                format!("the title has {n} characters; at most 256 are allowed"),
                            );
                        }
                    }
                }
                "id" => {
                    m.id = self.text_of(v, "id");
                    if let Some(id) = &m.id {
                        if !is_uuid(&id.value) {
                            self.err(
                                codes::INVALID_ID,
                                v.span,
                                format!("`id` is `{}`, not a UUID", id.value),
                            )
                            .hint = Some(
                                "use a random UUID (version 4), e.g. from `uuidgen`".to_owned(),
                            );
                        }
                    }
                }
                "name" => m.name = self.text_of(v, "name"),
                "taxonomy" => m.taxonomy = self.text_of(v, "taxonomy"),
                "description" => {
                    m.description = self.text_of(v, "description");
                    if let Some(d) = &m.description {
                        let n = d.value.chars().count();
                        if n > 65_535 {
                            self.err(
                                codes::DESCRIPTION_TOO_LONG,
                                v.span,
                                format!(
                                    "the description has {n} characters; at most 65,535 are allowed"
                                ),
                            );
                        }
                    }
                }
                "license" => m.license = self.text_of(v, "license"),
                "author" => m.author = self.text_of(v, "author"),
                "status" => {
                    m.status = self.enum_of(v, "status", Status::ALL, codes::INVALID_STATUS)
                }
                "level" => m.level = self.enum_of(v, "level", Level::ALL, codes::INVALID_LEVEL),
                "date" => m.date = self.date(v, "date"),
                "modified" => m.modified = self.date(v, "modified"),
                "references" => m.references = self.text_list(v, "references"),
                "falsepositives" => m.falsepositives = self.text_list(v, "falsepositives"),
                "fields" => m.fields = self.text_list(v, "fields"),
                "scope" => m.scope = self.text_list(v, "scope"),
                "tags" => {
                    m.tags = self.text_list(v, "tags");
                    for t in m.tags.clone() {
                        if !is_tag(&t.value) {
                            self.err(
                                codes::INVALID_TAG,
                                t.span,
                                format!(
                                    "tag `{}` is not of the form `namespace.name` (lowercase letters, digits, `_`, `-`, `.`)",
                                    t.value
                                ),
                            );
                        }
                    }
                }
                "related" => m.related = self.related(v),
                k if structural.contains(&k) => {}
                _ => m
                    .custom
                    .push((Spanned::new(key.to_owned(), k.span), v.clone())),
            }
        }
        m
    }

    fn related(&mut self, node: &Node) -> Vec<Related> {
        let Some(items) = node.as_seq() else {
            self.wrong_type(node, "related", "a list of {id, type} mappings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let (Some(id), Some(kind)) = (item.get("id"), item.get("type")) else {
                self.err(
                    codes::INVALID_RELATED,
                    item.span,
                    "a `related` entry needs `id` and `type`",
                );
                continue;
            };
            let id = self.text_of(id, "related.id");
            let kind = self.enum_of(
                kind,
                "related.type",
                RelationType::ALL,
                codes::INVALID_RELATED,
            );
            if let (Some(id), Some(kind)) = (id, kind) {
                out.push(Related { id, kind });
            }
        }
        out
    }

    fn logsource(&mut self, node: Option<&Node>, doc: &Node, kind: &str) -> Logsource {
        let mut ls = Logsource {
            span: doc.span.shrink_to_start(),
            ..Logsource::default()
        };
        let Some(node) = node else {
            self.require(doc, "logsource", kind);
            return ls;
        };
        ls.span = node.span;
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, "logsource", "a mapping");
            return ls;
        };
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.clone()) else {
                continue;
            };
            let Some(val) = self.text_of(v, &format!("logsource.{key}")) else {
                continue;
            };
            if key != "definition" && val.value.chars().any(char::is_uppercase) {
                self.err(
                    codes::LOGSOURCE_NOT_LOWERCASE,
                    v.span,
                    format!("`logsource.{key}` should be lowercase"),
                );
            }
            match key.as_str() {
                "category" => ls.category = Some(val),
                "product" => ls.product = Some(val),
                "service" => ls.service = Some(val),
                "definition" => ls.definition = Some(val),
                _ => ls.custom.push((Spanned::new(key, k.span), val)),
            }
        }
        ls
    }

    fn rule(&mut self, node: &Node, meta: Metadata) -> Option<Rule> {
        if meta.title.is_none() {
            self.require(node, "title", "rule");
        }
        let logsource = self.logsource(node.get("logsource"), node, "rule");
        let det_node = node.get("detection")?;
        let detection = self.detection(det_node, "detection")?;
        Some(Rule {
            meta,
            logsource,
            detection,
            span: node.span,
        })
    }

    fn filter(&mut self, node: &Node, meta: Metadata) -> Option<Filter> {
        if meta.title.is_none() {
            self.require(node, "title", "filter");
        }
        let logsource = self.logsource(node.get("logsource"), node, "filter");
        let body = node.get("filter")?;
        if body.as_map().is_none() {
            self.wrong_type(body, "filter", "a mapping");
            return None;
        }
        let rules = match body.get("rules") {
            Some(r) => self.text_list(r, "filter.rules"),
            None => {
                self.require(body, "rules", "filter");
                Vec::new()
            }
        };
        let detection = self.detection(&without_key(body.clone(), "rules"), "filter")?;
        Some(Filter {
            meta,
            logsource,
            rules,
            detection,
            span: node.span,
        })
    }

    fn detection(&mut self, node: &Node, section: &str) -> Option<Detection> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(
                node,
                section,
                "a mapping of search identifiers and `condition`",
            );
            return None;
        };
        // Vectors sized to what they will hold: a rule pack keeps thousands of these.
        let mut identifiers = Vec::with_capacity(entries.len().saturating_sub(1));
        let mut condition_nodes = Vec::new();
        let mut values = 0usize;
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.clone()) else {
                continue;
            };
            match key.as_str() {
                "condition" => match &v.kind {
                    NodeKind::Seq(items) => condition_nodes.extend(items.iter()),
                    _ => condition_nodes.push(v),
                },
                "timeframe" => {
                    self.err(
                        codes::V1_AGGREGATION,
                        k.span,
                        "`timeframe` in a detection is Sigma v1; a Sigma 2 correlation rule (event_count, value_count, temporal) states its window as `timespan`",
                    );
                }
                _ => {
                    if identifiers.len() >= self.limits.max_identifiers {
                        self.err(
                            codes::TOO_MANY_ITEMS,
                            k.span,
                            format!(
                                "more than {} search identifiers (max_identifiers)",
                                self.limits.max_identifiers
                            ),
                        );
                        return None;
                    }
                    let name = Spanned::new(key, k.span);
                    if let Some(body) = self.identifier_body(&name, v, &mut values) {
                        identifiers.push(Identifier { name, body });
                    }
                }
            }
        }
        if identifiers.is_empty() && entries.iter().all(|(k, _)| k.as_str() != Some("timeframe")) {
            let has_idents = entries
                .iter()
                .any(|(k, _)| !matches!(k.as_str(), Some("condition") | Some("timeframe")));
            if !has_idents {
                self.err(
                    codes::EMPTY_DETECTION,
                    node.span.shrink_to_start(),
                    format!("`{section}` defines no search identifiers"),
                );
            }
        }
        let mut conditions = Vec::with_capacity(condition_nodes.len());
        if condition_nodes.is_empty() {
            self.err(
                codes::MISSING_FIELD,
                node.span.shrink_to_start(),
                format!("`{section}` needs a `condition`"),
            );
        }
        let names: Vec<&str> = entries
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .filter(|k| *k != "condition" && *k != "timeframe")
            .collect();
        for cn in condition_nodes {
            let Some(text) = self.text_of(cn, "condition") else {
                continue;
            };
            match parse_condition(&text.value, self.limits.max_condition_depth) {
                Ok(expr) => {
                    self.check_condition_names(cn, &expr, &names);
                    conditions.push(ConditionSource { text, expr });
                }
                Err(e) => {
                    let code = match e.kind {
                        ConditionErrorKind::TooDeep => codes::CONDITION_TOO_DEEP,
                        ConditionErrorKind::V1Aggregation { .. } => codes::V1_AGGREGATION,
                        ConditionErrorKind::V1Near => codes::V1_NEAR,
                        ConditionErrorKind::Empty => codes::EMPTY_CONDITION,
                        _ => codes::CONDITION_SYNTAX,
                    };
                    let span = self.sub_span(cn, e.range.start as usize..e.range.end as usize);
                    self.err(code, span, e.message);
                }
            }
        }
        Some(Detection {
            identifiers,
            conditions,
            span: node.span,
        })
    }

    fn check_condition_names(&mut self, cn: &Node, expr: &crate::condition::Expr, names: &[&str]) {
        let mut problems = Vec::new();
        expr.walk(&mut |e| match &e.kind {
            ExprKind::Ident(n) if !names.contains(&n.as_str()) => {
                problems.push((
                    codes::UNKNOWN_IDENTIFIER,
                    e.range.clone(),
                    format!("`{n}` is not a search identifier of this detection"),
                ));
            }
            ExprKind::Quantified(_, p) if p.select(names.iter().copied()).is_empty() => {
                let what = match p {
                    Pattern::Them => "`them`".to_owned(),
                    Pattern::Glob(g) => format!("the pattern `{g}`"),
                };
                problems.push((
                    codes::PATTERN_MATCHES_NOTHING,
                    e.range.clone(),
                    format!("{what} matches no search identifier"),
                ));
            }
            _ => {}
        });
        for (code, range, msg) in problems {
            let span = self.sub_span(cn, range.start as usize..range.end as usize);
            let d = self.err(code, span, msg);
            if code == codes::UNKNOWN_IDENTIFIER || code == codes::PATTERN_MATCHES_NOTHING {
                let shown: Vec<&str> = names.iter().take(8).copied().collect();
                d.notes
                    .push(format!("defined identifiers: {}", shown.join(", ")));
                if code == codes::PATTERN_MATCHES_NOTHING {
                    d.notes.push("identifiers starting with `_` are only matched by patterns that start with `_`".to_owned());
                }
            }
        }
    }

    fn identifier_body(
        &mut self,
        name: &Spanned<String>,
        node: &Node,
        values: &mut usize,
    ) -> Option<IdentifierBody> {
        match &node.kind {
            NodeKind::Map(_) => Some(IdentifierBody::Map(self.field_map(node, values)?)),
            NodeKind::Seq(items) => {
                if items.is_empty() {
                    self.err(
                        codes::EMPTY_LIST,
                        node.span,
                        format!("search identifier `{}` is an empty list", name.value),
                    );
                }
                let mut out = Vec::new();
                let mut ok = true;
                for item in items {
                    match &item.kind {
                        NodeKind::Map(_) => match self.field_map(item, values) {
                            Some(m) => out.push(ListElement::Map(m)),
                            None => ok = false,
                        },
                        NodeKind::Scalar(s) => {
                            *values += 1;
                            match self.value(item, s, &[], None) {
                                Some(v) if self.keyword_not_null(&v) => {
                                    out.push(ListElement::Keyword(v))
                                }
                                _ => ok = false,
                            }
                        }
                        NodeKind::Seq(_) => {
                            self.err(
                                codes::WRONG_TYPE,
                                item.span,
                                "a list inside a search identifier's list is not allowed",
                            );
                            ok = false;
                        }
                    }
                }
                self.count_values(*values, node.span)?;
                ok.then_some(IdentifierBody::List(out))
            }
            NodeKind::Scalar(s) if !node.is_null() => {
                *values += 1;
                let v = self.value(node, s, &[], None)?;
                Some(IdentifierBody::List(vec![ListElement::Keyword(v)]))
            }
            NodeKind::Scalar(_) => {
                self.err(
                    codes::WRONG_TYPE,
                    node.span,
                    format!(
                        "search identifier `{}` is empty; it must be a mapping of fields or a list",
                        name.value
                    ),
                )
                .labels
                .push(crate::diagnostic::Label::new(name.span, "identifier"));
                None
            }
        }
    }

    fn count_values(&mut self, values: usize, span: Span) -> Option<()> {
        if values > self.limits.max_values {
            if self.values_reported {
                return None;
            }
            self.values_reported = true;
            self.err(
                codes::TOO_MANY_ITEMS,
                span,
                format!(
                    "more than {} values in one detection (max_values)",
                    self.limits.max_values
                ),
            );
            return None;
        }
        Some(())
    }

    fn field_map(&mut self, node: &Node, values: &mut usize) -> Option<FieldMap> {
        let entries = node.as_map()?;
        let mut items = Vec::with_capacity(entries.len());
        let mut ok = true;
        for (k, v) in entries {
            match self.detection_item(k, v, values) {
                Some(item) => items.push(item),
                None => ok = false,
            }
        }
        self.count_values(*values, node.span)?;
        ok.then_some(FieldMap {
            items,
            span: node.span,
        })
    }

    fn detection_item(
        &mut self,
        key: &Node,
        node: &Node,
        values: &mut usize,
    ) -> Option<DetectionItem> {
        let key_text = key.as_scalar()?.text.clone();
        let mut parts = key_text.split('|');
        let field_text = parts.next().unwrap_or("");
        let mut ok = true;
        let field = (!field_text.is_empty()).then(|| {
            Spanned::new(
                field_text.to_owned(),
                self.sub_span(key, 0..field_text.len()),
            )
        });
        let mut modifiers: Vec<Spanned<Modifier>> =
            Vec::with_capacity(memchr::memchr_iter(b'|', key_text.as_bytes()).count());
        let mut at = field_text.len();
        for part in parts {
            let range = at + 1..at + 1 + part.len();
            at = range.end;
            let span = self.sub_span(key, range);
            match Modifier::from_name(part) {
                Some(m) => {
                    if let Some(first) = modifiers.iter().find(|x| x.value == m) {
                        let first = first.span;
                        self.err(
                            codes::DUPLICATE_MODIFIER,
                            span,
                            format!("modifier `{part}` appears twice"),
                        )
                        .labels
                        .push(crate::diagnostic::Label::new(first, "first here"));
                        ok = false;
                    } else {
                        modifiers.push(Spanned::new(m, span));
                    }
                }
                None => {
                    let d = self.err(
                        codes::UNKNOWN_MODIFIER,
                        span,
                        if part.is_empty() {
                            "empty modifier (two `|` in a row)".to_owned()
                        } else {
                            format!("unknown modifier `{part}`")
                        },
                    );
                    if let Some(s) = suggest(part) {
                        d.hint = Some(format!("did you mean `{s}`?"));
                    }
                    ok = false;
                }
            }
        }
        ok &= self.check_modifiers(&modifiers);
        if field.is_none() {
            // Keywords match text anywhere in the event; of the modifiers only `all` (every
            // keyword must occur) has a meaning without a field.
            for m in modifiers.iter().filter(|m| m.value != Modifier::All) {
                self.err(
                    codes::INVALID_MODIFIER_COMBINATION,
                    m.span,
                    format!(
                        "`{}` needs a field name: a field-less item (keywords) takes only `all`",
                        m.value.name()
                    ),
                );
                ok = false;
            }
        }
        let chain_ok = ok;
        if key_text.is_empty() {
            self.err(
                codes::EMPTY_FIELD_NAME,
                key.span,
                "a detection item needs a field name (or `|all` / a modifier for keywords)",
            );
            ok = false;
        }
        let mods: Vec<Modifier> = modifiers.iter().map(|m| m.value).collect();
        let (value_nodes, list): (Vec<&Node>, bool) = match &node.kind {
            NodeKind::Seq(items) => (items.iter().collect(), true),
            _ => (vec![node], false),
        };
        if list && mods.contains(&Modifier::Exists) {
            self.err(
                codes::INVALID_VALUE,
                node.span,
                "`exists` takes one YAML bool (`true` or `false`), not a list",
            );
            ok = false;
        }
        if list && value_nodes.is_empty() {
            self.err(
                codes::EMPTY_LIST,
                node.span,
                format!("`{key_text}` has an empty list of values; it can never match"),
            );
        }
        let mut vals = Vec::with_capacity(value_nodes.len());
        for vn in value_nodes {
            *values += 1;
            match &vn.kind {
                NodeKind::Scalar(s) => {
                    if chain_ok {
                        match self.value(vn, s, &mods, Some(&modifiers)) {
                            Some(v) if field.is_some() || self.keyword_not_null(&v) => vals.push(v),
                            _ => ok = false,
                        }
                    }
                }
                _ => {
                    self.err(
                        codes::INVALID_VALUE,
                        vn.span,
                        format!(
                            "a value of `{key_text}` must be a string, number, boolean or null, found a {}",
                            vn.kind_name()
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(DetectionItem {
            field,
            modifiers,
            values: vals,
            key_span: key.span,
            list,
        })
    }

    /// A keyword must be text (or a number or bool, read as text): reports a null one.
    fn keyword_not_null(&mut self, v: &Value) -> bool {
        if matches!(v.kind, ValueKind::Null) {
            self.err(
                codes::INVALID_VALUE,
                v.span,
                "a keyword cannot be null: keywords are text searched for in the event",
            );
            return false;
        }
        true
    }

    /// Checks a modifier chain; reports at the offending modifier. True when valid.
    fn check_modifiers(&mut self, mods: &[Spanned<Modifier>]) -> bool {
        use Modifier as M;
        let mut problems: Vec<(Code, Span, String)> = Vec::new();
        let mut bad = |code: Code, span: Span, msg: String| problems.push((code, span, msg));
        let first = |p: &dyn Fn(M) -> bool| mods.iter().position(|m| p(m.value));
        // At most one from each exclusive group.
        let groups: [(&str, &dyn Fn(M) -> bool); 5] = [
            ("contains, startswith and endswith", &|m: M| m.is_position()),
            ("lt, lte, gt and gte", &|m: M| m.is_compare()),
            ("the timestamp parts", &|m: M| m.is_time_part()),
            ("base64 and base64offset", &|m: M| m.is_base64()),
            ("utf16le, utf16be, utf16 and wide", &|m: M| m.is_utf16()),
        ];
        for (what, p) in groups {
            if let Some(second) = mods.iter().filter(|m| p(m.value)).nth(1) {
                bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    second.span,
                    format!(
                        "only one of {what} can apply; `{}` is the second",
                        second.value
                    ),
                );
            }
        }
        // Modifiers that stand for a whole kind of test and combine with few others.
        let exclusive: [(M, &dyn Fn(M) -> bool); 4] = [
            (M::Exists, &|_m: M| false),
            (M::Re, &|m: M| {
                m.is_re_flag() || matches!(m, M::All | M::Neq)
            }),
            (M::Cidr, &|m: M| matches!(m, M::All | M::Neq)),
            (M::FieldRef, &|m: M| {
                m.is_position() || matches!(m, M::All | M::Neq | M::Cased)
            }),
        ];
        for (head, allowed) in exclusive {
            if let Some(h) = mods.iter().find(|m| m.value == head) {
                if let Some(other) = mods.iter().find(|m| m.value != head && !allowed(m.value)) {
                    bad(
                        codes::INVALID_MODIFIER_COMBINATION,
                        other.span,
                        format!("`{}` cannot be combined with `{}`", other.value, h.value),
                    );
                }
            }
        }
        if mods.iter().any(|m| m.value.is_re_flag()) && first(&|m| m == M::Re).is_none() {
            let f = mods.iter().find(|m| m.value.is_re_flag()).map(|m| m.span);
            if let Some(span) = f {
                bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    span,
                    "the flags `i`, `m` and `s` only follow `re`".to_owned(),
                );
            }
        }
        // Numeric modifiers take no string modifiers.
        let numeric = first(&|m: M| m.is_compare() || m.is_time_part());
        if let Some(n) = numeric {
            if let Some(s) = mods.iter().find(|m| {
                m.value.is_position()
                    || m.value.is_base64()
                    || m.value.is_utf16()
                    || matches!(m.value, M::Windash | M::Expand | M::Cased)
            }) {
                bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    s.span,
                    format!(
                        "`{}` is a string modifier and cannot apply to the number that `{}` compares",
                        s.value, mods[n].value
                    ),
                );
            }
        }
        if let (Some(t), Some(c)) = (
            first(&|m: M| m.is_time_part()),
            first(&|m: M| m.is_compare()),
        ) {
            if c < t {
                bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    mods[t].span,
                    format!(
                        "the timestamp part `{}` must come before the comparison `{}`",
                        mods[t].value, mods[c].value
                    ),
                );
            }
        }
        // Encodings: utf16 before base64; wildcards (contains/startswith/endswith) after.
        let b64 = first(&|m: M| m.is_base64());
        if let Some(u) = first(&|m: M| m.is_utf16()) {
            match b64 {
                Some(b) if b < u => bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    mods[u].span,
                    format!(
                        "`{}` must come before `{}`: the text is UTF-16-encoded, then base64-encoded",
                        mods[u].value, mods[b].value
                    ),
                ),
                None => bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    mods[u].span,
                    format!(
                        "`{}` needs `base64` or `base64offset` after it: UTF-16 bytes cannot appear in text events",
                        mods[u].value
                    ),
                ),
                _ => {}
            }
        }
        if let Some(b) = b64 {
            for m in &mods[..b] {
                if m.value.is_position() || m.value == M::Windash {
                    bad(
                        codes::INVALID_MODIFIER_COMBINATION,
                        m.span,
                        format!(
                            "`{}` before `{}` would encode wildcards; put it after the encoding",
                            m.value, mods[b].value
                        ),
                    );
                }
            }
            if mods[b].value == M::Base64Offset
                && !mods[b + 1..].iter().any(|m| m.value == M::Contains)
            {
                bad(
                    codes::BASE64OFFSET_WITHOUT_CONTAINS,
                    mods[b].span,
                    "`base64offset` finds a value inside a longer encoded text and needs `contains` after it; write `|base64offset|contains`".to_owned(),
                );
            }
        }
        if let Some(e) = first(&|m: M| m == M::Expand) {
            if let Some(x) = mods.iter().find(|m| {
                matches!(m.value, M::Re | M::Cidr | M::Exists | M::FieldRef)
                    || m.value.is_compare()
                    || m.value.is_time_part()
            }) {
                bad(
                    codes::INVALID_MODIFIER_COMBINATION,
                    mods[e].span,
                    format!("`expand` cannot be combined with `{}`", x.value),
                );
            }
        }
        let ok = problems.is_empty();
        problems.sort_by_key(|(_, span, _)| span.start.offset);
        problems.dedup_by_key(|(_, span, _)| span.start.offset);
        for (code, span, msg) in problems {
            self.err(code, span, msg);
        }
        ok
    }

    /// Types one value by the item's modifiers.
    fn value(
        &mut self,
        node: &Node,
        s: &Scalar,
        mods: &[Modifier],
        spanned: Option<&[Spanned<Modifier>]>,
    ) -> Option<Value> {
        use Modifier as M;
        let has = |m: M| mods.contains(&m);
        let quoted = s.style != ScalarStyle::Plain;
        let resolved = s.resolve();
        let mod_span = |m: M| {
            spanned
                .and_then(|ms| ms.iter().find(|x| x.value == m))
                .map(|x| x.span)
        };
        let mk = |kind| {
            Some(Value {
                kind,
                span: node.span,
                quoted,
            })
        };
        let invalid = |cx: &mut Self, msg: String, m: M| {
            let d = cx.err(codes::INVALID_VALUE, node.span, msg);
            if let Some(sp) = mod_span(m) {
                d.labels
                    .push(crate::diagnostic::Label::new(sp, format!("`{m}` modifier")));
            }
            None
        };
        let number = |r: Resolved<'_>| -> Option<Number> {
            match r {
                Resolved::Int(i) => Some(Number {
                    text: s.text.clone(),
                    value: NumberValue::Int(i),
                }),
                Resolved::Float(f) => Some(Number {
                    text: s.text.clone(),
                    value: NumberValue::Float(f),
                }),
                Resolved::Str(t) => {
                    let t = t.trim();
                    if let Ok(i) = t.parse::<i64>() {
                        Some(Number {
                            text: s.text.clone(),
                            value: NumberValue::Int(i),
                        })
                    } else {
                        t.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                            .map(|f| Number {
                                text: s.text.clone(),
                                value: NumberValue::Float(f),
                            })
                    }
                }
                _ => None,
            }
        };
        if has(M::Exists) {
            return match resolved {
                Resolved::Bool(b) => mk(ValueKind::Bool(b)),
                _ => invalid(
                    self,
                    format!("`exists` takes `true` or `false`, found `{}`", s.text),
                    M::Exists,
                ),
            };
        }
        if has(M::Re) {
            return match resolved {
                Resolved::Null | Resolved::Bool(_) => invalid(
                    self,
                    format!("`re` takes a regular expression string, found `{}`", s.text),
                    M::Re,
                ),
                _ => mk(ValueKind::Regex(s.text.clone())),
            };
        }
        if has(M::Cidr) {
            return match Cidr::parse(&s.text) {
                Ok(c) if !matches!(resolved, Resolved::Null) => mk(ValueKind::Cidr(c)),
                Ok(_) | Err(_) => {
                    let msg = Cidr::parse(&s.text)
                        .err()
                        .unwrap_or_else(|| "`cidr` takes a network, found null".to_owned());
                    self.err(codes::INVALID_CIDR, node.span, msg);
                    None
                }
            };
        }
        if has(M::FieldRef) {
            return match resolved {
                Resolved::Str(t) if !t.is_empty() && !t.contains(['*', '?']) => {
                    mk(ValueKind::FieldRef(t.to_owned()))
                }
                _ => {
                    self.err(
                        codes::INVALID_FIELDREF,
                        node.span,
                        format!(
                            "`fieldref` takes the name of another field, without wildcards; found `{}`",
                            s.text
                        ),
                    );
                    None
                }
            };
        }
        if let Some(m) = mods
            .iter()
            .copied()
            .find(|m| m.is_compare() || m.is_time_part())
        {
            return match number(resolved) {
                Some(n) => mk(ValueKind::Number(n)),
                None => invalid(
                    self,
                    format!("`{m}` compares numbers; `{}` is not a number", s.text),
                    m,
                ),
            };
        }
        let stringy = mods.iter().find(|m| {
            m.is_position()
                || m.is_base64()
                || m.is_utf16()
                || matches!(m, M::Windash | M::Expand | M::Cased)
        });
        let kind = match (resolved, stringy) {
            (Resolved::Null, None) => ValueKind::Null,
            (Resolved::Null, Some(&m)) => {
                return invalid(
                    self,
                    format!("`{m}` applies to strings; null has no text to match"),
                    m,
                );
            }
            (Resolved::Bool(b), None) => ValueKind::Bool(b),
            (Resolved::Int(_) | Resolved::Float(_), None) => ValueKind::Number(number(resolved)?),
            (Resolved::Str(t), _) => ValueKind::String(SigmaString::parse(t, has(M::Expand))),
            (_, Some(_)) => ValueKind::String(SigmaString::parse(&s.text, false)),
        };
        if let ValueKind::String(st) = &kind {
            if let Some(m) = mods.iter().copied().find(|m| m.is_base64() || m.is_utf16()) {
                if st.has_wildcards() {
                    let d = self.err(
                        codes::WILDCARD_IN_ENCODED_VALUE,
                        node.span,
                        format!("`{}` has a wildcard, which `{m}` cannot encode", s.text),
                    );
                    d.hint = Some("escape it as `\\*` or `\\?` if it is literal".to_owned());
                    return None;
                }
            }
            // One of a one-byte value's three shifted encodings is empty, which would match
            // every text: refuse it.
            if has(M::Base64Offset) && encoded_len(&crate::value::pieces_text(&st.pieces), mods) < 2
            {
                return invalid(
                    self,
                    format!(
                        "`base64offset` needs a value of at least two bytes (one of the shifted encodings of `{}` is empty)",
                        s.text
                    ),
                    M::Base64Offset,
                );
            }
        }
        mk(kind)
    }

    fn correlation(&mut self, node: &Node, meta: Metadata) -> Option<Correlation> {
        if meta.title.is_none() {
            self.require(node, "title", "correlation rule");
        }
        let body = node.get("correlation")?;
        if body.as_map().is_none() {
            self.wrong_type(body, "correlation", "a mapping");
            return None;
        }
        let kind = match body.get("type") {
            Some(t) => self.enum_of(
                t,
                "correlation.type",
                CorrelationType::ALL,
                codes::INVALID_CORRELATION_TYPE,
            ),
            None => {
                self.require(body, "type", "correlation");
                None
            }
        };
        let rules = match body.get("rules") {
            Some(r) => self.text_list(r, "correlation.rules"),
            None => {
                self.require(body, "rules", "correlation");
                Vec::new()
            }
        };
        if body.get("rules").is_some() && rules.is_empty() {
            self.err(
                codes::EMPTY_LIST,
                body.get("rules").map_or(body.span, |r| r.span),
                "`correlation.rules` names no rule",
            )
            .severity = crate::diagnostic::Severity::Error;
        }
        let group_by = body
            .get("group-by")
            .map(|g| self.text_list(g, "correlation.group-by"))
            .unwrap_or_default();
        let timespan = match body.get("timespan") {
            Some(t) => self.timespan(t),
            None => {
                self.require(body, "timespan", "correlation");
                None
            }
        };
        let condition = body
            .get("condition")
            .and_then(|c| self.correlation_condition(c, kind.as_ref().map(|k| k.value)));
        if let Some(k) = &kind {
            if body.get("condition").is_none() && !k.value.is_temporal() {
                self.err(
                    codes::MISSING_FIELD,
                    body.span.shrink_to_start(),
                    format!(
                        "a correlation of type `{}` needs a `condition`",
                        k.value.as_str()
                    ),
                );
            }
        }
        let mut aliases = Vec::new();
        if let Some(a) = body.get("aliases") {
            match a.as_map() {
                Some(entries) => {
                    for (alias, per_rule) in entries {
                        let Some(alias) = self.text_of(alias, "correlation.aliases") else {
                            continue;
                        };
                        let Some(pairs) = per_rule.as_map() else {
                            self.wrong_type(
                                per_rule,
                                "correlation.aliases.*",
                                "a mapping of rule name to field",
                            );
                            continue;
                        };
                        let mut out = Vec::new();
                        for (r, f) in pairs {
                            if let (Some(r), Some(f)) = (
                                self.text_of(r, "correlation.aliases.*"),
                                self.text_of(f, "correlation.aliases.*"),
                            ) {
                                out.push((r, f));
                            }
                        }
                        aliases.push((alias, out));
                    }
                }
                None => self.wrong_type(a, "correlation.aliases", "a mapping"),
            }
        }
        let generate = match body.get("generate") {
            None => false,
            Some(g) => match g.as_scalar().map(Scalar::resolve) {
                Some(Resolved::Bool(b)) => b,
                _ => {
                    self.wrong_type(g, "correlation.generate", "true or false");
                    false
                }
            },
        };
        Some(Correlation {
            meta,
            correlation: CorrelationBody {
                kind: kind?,
                rules,
                group_by,
                timespan: timespan?,
                condition,
                aliases,
                generate,
                span: body.span,
            },
            span: node.span,
        })
    }

    fn timespan(&mut self, node: &Node) -> Option<Spanned<Timespan>> {
        let text = self.text_of(node, "correlation.timespan")?;
        let t = text.value.trim();
        let unit = t.chars().last().unwrap_or(' ');
        let mult = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => 0,
        };
        let n = t[..t.len() - unit.len_utf8().min(t.len())]
            .parse::<u64>()
            .ok();
        match (n, mult) {
            (Some(n), m) if m > 0 && n > 0 && n.checked_mul(m).is_some() => {
                Some(Spanned::new(Timespan { seconds: n * m }, node.span))
            }
            _ => {
                self.err(
                    codes::INVALID_TIMESPAN,
                    node.span,
                    format!(
                        "timespan `{t}` is not a positive number followed by s, m, h or d (e.g. `90m`)"
                    ),
                );
                None
            }
        }
    }

    fn correlation_condition(
        &mut self,
        node: &Node,
        kind: Option<CorrelationType>,
    ) -> Option<CorrelationCondition> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, "correlation.condition", "a mapping like `{gte: 10}`");
            return None;
        };
        let mut comparisons = Vec::new();
        let mut field = None;
        let mut ok = true;
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            if key == "field" {
                field = self.text_of(v, "correlation.condition.field");
                continue;
            }
            let Some(&(_, op)) = CompareOp::ALL.iter().find(|(n, _)| *n == key) else {
                self.err(
                    codes::INVALID_CORRELATION_CONDITION,
                    k.span,
                    format!(
                        "`{key}` is not a comparison; expected gt, gte, lt, lte, eq, neq or field"
                    ),
                );
                ok = false;
                continue;
            };
            let n = match v.as_scalar().map(Scalar::resolve) {
                Some(Resolved::Int(i)) => Some(i as f64),
                Some(Resolved::Float(f)) if f.is_finite() => Some(f),
                _ => None,
            };
            match n {
                Some(n) => comparisons.push((Spanned::new(op, k.span), Spanned::new(n, v.span))),
                None => {
                    self.err(
                        codes::INVALID_CORRELATION_CONDITION,
                        v.span,
                        format!("`{key}` needs a number"),
                    );
                    ok = false;
                }
            }
        }
        if comparisons.len() > 2 {
            self.err(
                codes::INVALID_CORRELATION_CONDITION,
                comparisons[2].0.span,
                "a correlation condition has one comparison, or two that form a range",
            );
            ok = false;
        } else if comparisons.len() == 2 {
            let lower = |o: CompareOp| matches!(o, CompareOp::Gt | CompareOp::Gte);
            let upper = |o: CompareOp| matches!(o, CompareOp::Lt | CompareOp::Lte);
            let (a, b) = (comparisons[0].0.value, comparisons[1].0.value);
            if !((lower(a) && upper(b)) || (upper(a) && lower(b))) {
                self.err(
                    codes::INVALID_CORRELATION_CONDITION,
                    comparisons[1].0.span,
                    "two comparisons must form a range: one of gt/gte and one of lt/lte",
                );
                ok = false;
            }
        } else if comparisons.is_empty() && ok {
            self.err(
                codes::INVALID_CORRELATION_CONDITION,
                node.span,
                "the correlation condition has no comparison (gt, gte, lt, lte, eq, neq)",
            );
            ok = false;
        }
        if let Some(k) = kind {
            if k.needs_field() && field.is_none() {
                self.err(
                    codes::INVALID_CORRELATION_CONDITION,
                    node.span,
                    format!(
                        "the condition of a `{}` correlation needs `field`",
                        k.as_str()
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(CorrelationCondition {
            comparisons,
            field,
            span: node.span,
        })
    }
}

/// The known modifier closest to a misspelt one, if any is close.
fn suggest(word: &str) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    if let Some(m) = Modifier::from_name(&lower) {
        return Some(m.name());
    }
    let dist = |a: &str, b: &str| -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
                cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    };
    if lower.len() > 32 {
        return None;
    }
    Modifier::ALL
        .iter()
        .filter(|(n, _)| n.len() > 2)
        .map(|(n, _)| (dist(&lower, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

/// The length in bytes of `text` once the chain's UTF-16 modifier (if any) has encoded it:
/// two bytes per UTF-16 unit, plus the byte-order mark for `utf16`.
fn encoded_len(text: &str, mods: &[Modifier]) -> usize {
    match mods.iter().find(|m| m.is_utf16()) {
        None => text.len(),
        Some(Modifier::Utf16) => 2 + 2 * text.encode_utf16().count(),
        Some(_) => 2 * text.encode_utf16().count(),
    }
}
