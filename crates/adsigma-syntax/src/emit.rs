//! Documents back to canonical YAML.
//!
//! The output is block-style YAML with every string double-quoted (plain YAML scalars of
//! custom attributes stay plain), keys in a fixed order, and values in Sigma notation, so
//! that parsing it gives the same document. Used to write rule skeletons and to test the
//! parser (document -> YAML -> document is the identity).

use crate::ast::*;
use crate::value::{Modifier, ValueKind};
use crate::yaml::{Node, NodeKind, ScalarStyle};
use std::fmt::Write;

/// Writes a document as canonical YAML.
///
/// ```
/// use adsigma_syntax::{emit::to_yaml, parse_str, FileId, Limits};
/// let text = "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {Image|endswith: /sh}\n  condition: sel\n";
/// let doc = &parse_str(text, FileId(0), &Limits::default()).documents[0];
/// let again = &parse_str(&to_yaml(doc), FileId(0), &Limits::default()).documents[0];
/// assert_eq!(to_yaml(doc), to_yaml(again));
/// ```
pub fn to_yaml(doc: &Document) -> String {
    let mut out = String::new();
    let meta = doc.meta();
    write_meta(&mut out, meta);
    match doc {
        Document::Rule(r) => {
            write_logsource(&mut out, &r.logsource);
            out.push_str("detection:\n");
            write_detection(&mut out, &r.detection, 1);
        }
        Document::Filter(f) => {
            write_logsource(&mut out, &f.logsource);
            out.push_str("filter:\n  rules:\n");
            for r in &f.rules {
                let _ = writeln!(out, "    - {}", quote(&r.value));
            }
            write_detection(&mut out, &f.detection, 1);
        }
        Document::Correlation(c) => write_correlation(&mut out, &c.correlation),
    }
    write_custom(&mut out, meta);
    out
}

/// A YAML double-quoted scalar.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(q, "\\x{:02x}", c as u32);
            }
            '\u{85}' | '\u{a0}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => {
                let _ = write!(q, "\\u{:04x}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn field(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key}: {}", quote(value));
}

fn list(out: &mut String, key: &str, items: &[crate::Spanned<String>]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{key}:");
    for i in items {
        let _ = writeln!(out, "  - {}", quote(&i.value));
    }
}

fn write_meta(out: &mut String, m: &Metadata) {
    let opt = |out: &mut String, k: &str, v: &Option<crate::Spanned<String>>| {
        if let Some(v) = v {
            field(out, k, &v.value);
        }
    };
    opt(out, "title", &m.title);
    opt(out, "id", &m.id);
    opt(out, "name", &m.name);
    if !m.related.is_empty() {
        out.push_str("related:\n");
        for r in &m.related {
            let _ = writeln!(
                out,
                "  - id: {}\n    type: {}",
                quote(&r.id.value),
                r.kind.value.as_str()
            );
        }
    }
    opt(out, "taxonomy", &m.taxonomy);
    if let Some(s) = &m.status {
        let _ = writeln!(out, "status: {}", s.value.as_str());
    }
    opt(out, "description", &m.description);
    opt(out, "license", &m.license);
    opt(out, "author", &m.author);
    list(out, "references", &m.references);
    for (k, d) in [("date", &m.date), ("modified", &m.modified)] {
        if let Some(d) = d {
            let _ = writeln!(
                out,
                "{k}: {:04}-{:02}-{:02}",
                d.value.year, d.value.month, d.value.day
            );
        }
    }
    list(out, "tags", &m.tags);
    list(out, "falsepositives", &m.falsepositives);
    list(out, "fields", &m.fields);
    if let Some(l) = &m.level {
        let _ = writeln!(out, "level: {}", l.value.as_str());
    }
    list(out, "scope", &m.scope);
}

fn write_custom(out: &mut String, m: &Metadata) {
    for (k, v) in &m.custom {
        out.push_str(&quote(&k.value));
        out.push(':');
        write_node(out, v, 1);
    }
}

fn write_logsource(out: &mut String, ls: &Logsource) {
    out.push_str("logsource:");
    let fields = [
        ("category", &ls.category),
        ("product", &ls.product),
        ("service", &ls.service),
        ("definition", &ls.definition),
    ];
    let mut any = false;
    for (k, v) in fields {
        if let Some(v) = v {
            let _ = write!(out, "\n  {k}: {}", quote(&v.value));
            any = true;
        }
    }
    for (k, v) in &ls.custom {
        let _ = write!(out, "\n  {}: {}", quote(&k.value), quote(&v.value));
        any = true;
    }
    out.push_str(if any { "\n" } else { " {}\n" });
}

fn write_detection(out: &mut String, d: &Detection, level: usize) {
    for ident in &d.identifiers {
        indent(out, level);
        out.push_str(&quote(&ident.name.value));
        out.push(':');
        match &ident.body {
            IdentifierBody::Map(m) => write_field_map(out, m, level + 1),
            IdentifierBody::List(elems) => {
                if elems.is_empty() {
                    out.push_str(" []\n");
                }
                for e in elems.iter() {
                    out.push('\n');
                    indent(out, level + 1);
                    out.push('-');
                    match e {
                        ListElement::Keyword(v) => {
                            out.push(' ');
                            out.push_str(&value_text(&v.kind));
                        }
                        ListElement::Map(m) => {
                            if m.items.is_empty() {
                                out.push_str(" {}");
                            }
                            for (k, item) in m.items.iter().enumerate() {
                                if k == 0 {
                                    out.push(' ');
                                } else {
                                    out.push('\n');
                                    indent(out, level + 2);
                                }
                                write_item(out, item, level + 3);
                            }
                        }
                    }
                }
                if !elems.is_empty() {
                    out.push('\n');
                }
            }
        }
    }
    indent(out, level);
    match d.conditions.as_slice() {
        [one] => {
            let _ = writeln!(out, "condition: {}", quote(&one.text.value));
        }
        many => {
            out.push_str("condition:\n");
            for c in many {
                indent(out, level + 1);
                let _ = writeln!(out, "- {}", quote(&c.text.value));
            }
        }
    }
}

fn write_field_map(out: &mut String, m: &FieldMap, level: usize) {
    if m.items.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    for item in &m.items {
        out.push('\n');
        indent(out, level);
        write_item(out, item, level + 1);
    }
    out.push('\n');
}

/// Writes `"key": value` or `"key":\n  - v...` without a trailing newline.
fn write_item(out: &mut String, item: &DetectionItem, level: usize) {
    let mut key = item.field.as_ref().map_or("", |f| &f.value).to_owned();
    for m in &item.modifiers {
        key.push('|');
        key.push_str(m.value.name());
    }
    out.push_str(&quote(&key));
    out.push(':');
    if item.list {
        if item.values.is_empty() {
            out.push_str(" []");
        }
        for v in &item.values {
            out.push('\n');
            indent(out, level);
            out.push_str("- ");
            out.push_str(&value_text(&v.kind));
        }
    } else if let Some(v) = item.values.first() {
        out.push(' ');
        out.push_str(&value_text(&v.kind));
    }
}

fn value_text(v: &ValueKind) -> String {
    match v {
        ValueKind::Null => "null".to_owned(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Number(n) => n.text.clone(),
        ValueKind::String(s) => quote(&s.to_string()),
        ValueKind::Regex(r) => quote(r),
        ValueKind::Cidr(c) => quote(&c.to_string()),
        ValueKind::FieldRef(f) => quote(f),
    }
}

fn write_correlation(out: &mut String, c: &CorrelationBody) {
    out.push_str("correlation:\n");
    let _ = writeln!(out, "  type: {}", c.kind.value.as_str());
    out.push_str("  rules:\n");
    for r in &c.rules {
        let _ = writeln!(out, "    - {}", quote(&r.value));
    }
    if !c.group_by.is_empty() {
        out.push_str("  group-by:\n");
        for g in &c.group_by {
            let _ = writeln!(out, "    - {}", quote(&g.value));
        }
    }
    let _ = writeln!(out, "  timespan: {}s", c.timespan.value.seconds);
    if let Some(cond) = &c.condition {
        out.push_str("  condition:\n");
        for (op, n) in &cond.comparisons {
            let _ = writeln!(out, "    {}: {:?}", op.value.as_str(), n.value);
        }
        if let Some(f) = &cond.field {
            let _ = writeln!(out, "    field: {}", quote(&f.value));
        }
    }
    if !c.aliases.is_empty() {
        out.push_str("  aliases:\n");
        for (alias, pairs) in &c.aliases {
            let _ = writeln!(out, "    {}:", quote(&alias.value));
            for (r, f) in pairs {
                let _ = writeln!(out, "      {}: {}", quote(&r.value), quote(&f.value));
            }
        }
    }
    if c.generate {
        out.push_str("  generate: true\n");
    }
}

/// Writes a YAML node after a `key:` or `-` (which is already written), ending with a
/// newline. Plain scalars stay plain; every other scalar is double-quoted.
fn write_node(out: &mut String, node: &Node, level: usize) {
    match &node.kind {
        NodeKind::Scalar(s) => {
            if s.style == ScalarStyle::Plain && s.tag.is_none() && plain_safe(&s.text) {
                if !s.text.is_empty() {
                    out.push(' ');
                    out.push_str(&s.text);
                }
            } else {
                out.push(' ');
                if let Some(t) = &s.tag {
                    if let Some(suffix) = t.strip_prefix("tag:yaml.org,2002:") {
                        let _ = write!(out, "!!{suffix} ");
                    }
                }
                out.push_str(&quote(&s.text));
            }
            out.push('\n');
        }
        NodeKind::Seq(items) => {
            if items.is_empty() {
                out.push_str(" []\n");
                return;
            }
            out.push('\n');
            for i in items {
                indent(out, level);
                out.push('-');
                write_node(out, i, level + 1);
            }
        }
        NodeKind::Map(entries) => {
            if entries.is_empty() {
                out.push_str(" {}\n");
                return;
            }
            out.push('\n');
            for (k, v) in entries {
                indent(out, level);
                match k.as_scalar() {
                    Some(s) if s.style == ScalarStyle::Plain && plain_safe(&s.text) => {
                        out.push_str(&s.text)
                    }
                    s => out.push_str(&quote(s.map_or("", |s| s.text.as_str()))),
                }
                out.push(':');
                write_node(out, v, level + 1);
            }
        }
    }
}

/// True when `text`, read back from a plain scalar, can be written plain again in block
/// context.
fn plain_safe(text: &str) -> bool {
    !text.contains(['\n', '\r', '\t'])
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains(": ")
        && !text.contains(" #")
}

/// The spelling of a modifier chain, `|a|b`.
pub fn modifier_chain(mods: &[Modifier]) -> String {
    mods.iter().map(|m| format!("|{m}")).collect()
}
